/* main.c - fragsim's entry point: dispatch to a subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "fragsim.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{ "replay", fs_cmd_replay, "replay traces against placement policies, write per-timestep metrics" },
	{ "run", fs_cmd_run, "generate a YAML workload's events and replay them against placement policies" },
	{ "gen", fs_cmd_gen, "write a YAML workload's generated events as a native trace" },
	{ "extfrag", fs_cmd_extfrag, "count the kernel's fallbacks (mm_page_alloc_extfrag) in logs and traces" },
	{ "inspect", fs_cmd_inspect, "fragmentation indices and score from /proc buddyinfo, pagetypeinfo, zoneinfo" },
	{ "batch", fs_cmd_batch, "run a grid of inputs x policies x seeds in parallel, summarise and rank" },
	{ "plot", fs_cmd_plot, "draw time series, buddyinfo heatmaps, batch bars and memory maps (gnuplot)" },
	{ "policies", fs_cmd_policies, "list placement policies and their tunables" },
	{ "version", cmd_version, "print the version" },
	{ "help", cmd_help, "this overview" },
};

static void usage(FILE *fp)
{
	fprintf(fp, "usage: fragsim COMMAND [options]   (fragsim COMMAND --help for each)\n\n"
		    "A trace-driven simulator of physical-memory fragmentation in the Linux page allocator.\n\n"
		    "commands:\n");
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

static int cmd_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	usage(stdout);
	return 0;
}

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("fragsim %s\n", FS_VERSION);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(argc, argv);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(argc, argv);
	for (unsigned i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "fragsim: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return 2;
}
