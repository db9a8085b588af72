/* cli.c - what the command files share. */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int fs_cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fragsim %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see fragsim %s --help)\n", cmd);
	return 2;
}
