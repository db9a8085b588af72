/* cli.h - the fragsim command line: one table of subcommands, each a thin
 * function that parses options, calls the engine and prints. Adding a
 * command: write sim/cmd_NAME.c with int fs_cmd_NAME(int, char **) and add
 * a row to the table in sim/main.c. Exit codes: 0 ok, 1 input or runtime
 * error, 2 usage error. */
#ifndef FRAGSIM_CLI_H
#define FRAGSIM_CLI_H

#include "internal.h"

/* "fragsim CMD: message" and a pointer to CMD's --help on stderr; returns
 * 2, the exit status of a usage error. */
int fs_cli_usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The options replay and run share (sim/cmd_replay.c): parsed into a run
 * configuration, the policy specs it points to, and what was given. */
#define FS_CLI_MAX_POLICIES 16
struct fs_cli_run {
	const char *cmd;
	struct fs_run_cfg cfg;
	char *specs[FS_CLI_MAX_POLICIES];
	unsigned nspecs;
	unsigned max_order, pb_order;
	bool have_mem, have_machine, have_max, have_pb, quiet, help;
	bool have_seed;               /* run: --seed replaces the workload's seed */
	uint64_t seed;
};
extern const char fs_cli_run_usage_policy[];  /* --policy */
extern const char fs_cli_run_usage[];         /* machine */
extern const char fs_cli_run_usage_output[];  /* output, sampling */
/* -1 to go on (optind at the operands), else the exit status (0 with help
 * set after --help); workload: options that only apply to traces refused. */
int fs_cli_run_options(struct fs_cli_run *o, const char *cmd, bool workload, int argc, char **argv);
/* After the command set cfg.layout: --max-order and --pageblock-order, the
 * default policy and interval, DEBUG=2. -1 to go on, else the exit status. */
int fs_cli_run_finish(struct fs_cli_run *o);
void fs_cli_run_release(struct fs_cli_run *o);

int fs_cmd_replay(int argc, char **argv);
int fs_cmd_run(int argc, char **argv);
int fs_cmd_gen(int argc, char **argv);
int fs_cmd_policies(int argc, char **argv);
int fs_cmd_extfrag(int argc, char **argv);
int fs_cmd_inspect(int argc, char **argv);
int fs_cmd_batch(int argc, char **argv);      /* issue #9 */
int fs_cmd_plot(int argc, char **argv);       /* issue #9 */

#endif
