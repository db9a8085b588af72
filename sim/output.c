/* output.c - output files appear complete or not at all: written to
 * "NAME.tmp.PID" beside the target and renamed into place on success.
 * SIGINT/SIGTERM remove the temporary files of a run in progress. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

#define MAX_LIVE_TMP 16
static char *volatile live_tmp[MAX_LIVE_TMP];

static void track(char *tmp, bool on)
{
	for (unsigned i = 0; i < MAX_LIVE_TMP; i++) {
		if (on && !live_tmp[i]) {
			live_tmp[i] = tmp;
			return;
		}
		if (!on && live_tmp[i] == tmp) {
			live_tmp[i] = NULL;
			return;
		}
	}
}

static void on_signal(int sig)
{
	for (unsigned i = 0; i < MAX_LIVE_TMP; i++)
		if (live_tmp[i])
			unlink(live_tmp[i]);
	signal(sig, SIG_DFL);
	raise(sig);
}

void fs_out_install_signal_cleanup(void)
{
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
}

int fs_out_open(struct fs_outfile *o, const char *path, struct fs_err *err)
{
	memset(o, 0, sizeof(*o));
	if (!path || !strcmp(path, "-")) {
		o->path = fs_xstrdup("-");
		o->fp = stdout;
		return 0;
	}
	o->path = fs_xstrdup(path);
	o->tmp = fs_xcalloc(1, strlen(path) + 32);
	sprintf(o->tmp, "%s.tmp.%ld", path, (long)getpid());
	o->fp = fopen(o->tmp, "w");
	if (!o->fp) {
		int e = errno;

		fs_error(err, -e, "cannot write \"%s\": %s", path, strerror(e));
		free(o->path);
		free(o->tmp);
		memset(o, 0, sizeof(*o));
		return -e;
	}
	track(o->tmp, true);
	return 0;
}

int fs_out_commit(struct fs_outfile *o, struct fs_err *err)
{
	int rc = 0;

	if (!o->fp)
		return 0;
	if (!o->tmp) {
		if (fflush(o->fp))
			rc = fs_error(err, -errno, "writing standard output: %s", strerror(errno));
	} else {
		bool bad = ferror(o->fp);

		if (fclose(o->fp) || bad) {
			rc = fs_error(err, -EIO, "writing \"%s\" failed (disk full?)", o->path);
			unlink(o->tmp);
		} else if (rename(o->tmp, o->path)) {
			rc = fs_error(err, -errno, "cannot rename \"%s\" to \"%s\": %s", o->tmp, o->path,
				      strerror(errno));
			unlink(o->tmp);
		}
		track(o->tmp, false);
	}
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
	return rc;
}

void fs_out_abort(struct fs_outfile *o)
{
	if (!o->fp)
		return;
	if (o->tmp) {
		fclose(o->fp);
		unlink(o->tmp);
		track(o->tmp, false);
	} else {
		fflush(o->fp);
	}
	free(o->path);
	free(o->tmp);
	memset(o, 0, sizeof(*o));
}

/* A JSON document (jansson) written atomically, indented, reals with
 * `precision` significant digits. Takes no reference from root. */
int fs_out_json(const char *path, json_t *root, int precision, struct fs_err *err)
{
	struct fs_outfile out;
	int rc = fs_out_open(&out, path, err);

	if (rc)
		return rc;
	if (json_dumpf(root, out.fp, JSON_INDENT(2) | JSON_REAL_PRECISION(precision)) ||
	    fputc('\n', out.fp) == EOF) {
		fs_out_abort(&out);
		return fs_error(err, -EIO, "writing \"%s\" failed", path);
	}
	return fs_out_commit(&out, err);
}
