/* cli.h - the fragsim command line: one table of subcommands, each a thin
 * function that parses options, calls the engine and prints. Adding a
 * command: write sim/cmd_NAME.c with int fs_cmd_NAME(int, char **) and add
 * a row to the table in sim/main.c. Exit codes: 0 ok, 1 input or runtime
 * error, 2 usage error. */
#ifndef FRAGSIM_CLI_H
#define FRAGSIM_CLI_H

/* "fragsim CMD: message" and a pointer to CMD's --help on stderr; returns
 * 2, the exit status of a usage error. */
int fs_cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int fs_cmd_replay(int argc, char **argv);
int fs_cmd_policies(int argc, char **argv);
int fs_cmd_extfrag(int argc, char **argv);
int fs_cmd_inspect(int argc, char **argv);
int fs_cmd_batch(int argc, char **argv);      /* issue #9 */
int fs_cmd_plot(int argc, char **argv);       /* issue #9 */

#endif
