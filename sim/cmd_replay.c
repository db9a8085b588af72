/* cmd_replay.c - `fragsim replay`: options -> struct fs_run_cfg -> run. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "internal.h"
#include "extfrag.h"
#include "procfs.h"
#include "initial.h"


static const char replay_usage_head[] =
	"usage: fragsim replay [options] TRACE...\n"
	"\n"
	"Replay allocation/free traces against one or more placement policies and write\n"
	"fragmentation metrics per timestep as CSV (one row per sample, policy and zone,\n"
	"plus zone=all). Several traces are merged by timestamp. TRACE may be - for stdin.\n"
	"\n";

/* The options fragsim replay and fragsim run share (fs_cli_run_options). */
const char fs_cli_run_usage_policy[] =
	"  -p, --policy SPEC       NAME[:tunable=value,...][,NAME...] (default: buddy);\n"
	"                          repeatable; see 'fragsim policies'\n";

static const char replay_usage_placement[] =
	"      --placement MODE    policy: the policy chooses where allocations go (default)\n"
	"                          trace: allocate exactly at the recorded pfns\n"
	"                          kernel: replay the kernel's own buddy-list events\n"
	"                          (README: Kernel-exact replay)\n"
	"      --initial FILE      start from a /proc/buddyinfo or /proc/pagetypeinfo\n"
	"                          snapshot (first record; buddyinfo:FILE, pagetypeinfo:FILE\n"
	"                          to choose): its free blocks per zone, order and type,\n"
	"                          the rest allocated before the trace (README: Starting\n"
	"                          from a snapshot); give its machine with -M zoneinfo:\n"
	"      --initial-layout L  where the snapshot's small free blocks go: spread\n"
	"                          (default) or packed\n"
	"      --initial kpageflags:FILE  kernel placement: the free blocks at the start,\n"
	"                          from a raw /proc/kpageflags (.zst/.gz too; needs\n"
	"                          -M zoneinfo:)\n"
	"      --final kpageflags:FILE  kernel placement: compare the final free pages\n"
	"                          with a /proc/kpageflags taken at the trace's end\n"
	"      --initial-buddyinfo FILE  the /proc/buddyinfo of the same moment: settles\n"
	"                          ambiguous kpageflags blocks, or pagetypeinfo's capped\n"
	"                          (>100000) counts (first buddyinfo record of FILE)\n"
	"      --checkpoints FILE  capture snapshots of /proc/buddyinfo: compared with the\n"
	"                          simulation at the trace's capture_snap markers\n"
	"      --checkpoints-out FILE  the comparison as CSV (per checkpoint and zone)\n";

const char fs_cli_run_usage[] =
	"machine (replay default: x86_64-like 4 GiB with DMA, DMA32 and Normal; run: the\n"
	"workload's machine):\n"
	"  -m, --memory SIZE       one zone of SIZE (K/M/G/T suffixes: 128K = 32 pages)\n"
	"  -M, --machine FILE      zones and holes from a YAML file (README: Machines)\n"
	"  -M zoneinfo:FILE        zones from a /proc/zoneinfo (README: fragsim inspect)\n"
	"      --max-order N       largest free block order (default 10)\n"
	"      --pageblock-order N pageblock order (default 9, at most max-order)\n";

static const char replay_usage_input[] =
	"input:\n"
	"  -f, --format FMT        auto (default), native (traces/FORMAT.md), ftrace\n"
	"                          (kernel trace text: trace_pipe, trace-cmd report,\n"
	"                          perf script) or trace.dat (trace-cmd's binary file);\n"
	"                          .gz and .zst inputs are decompressed\n"
	"      --kernel-version V  the traced kernel's version, for its migrate-type numbering\n"
	"                          (before 4.4 RECLAIMABLE=1, MOVABLE=2); default: told by\n"
	"                          the first allocation whose gfp flags say, else 4.4+\n"
	"      --key-by PARTS      kernel traces: an allocation's key (keyed-zones, the map)\n"
	"                          from comm, pid and gfp joined by '+' (default comm)\n"
	"      --strict            malformed lines of a kernel trace are fatal (default:\n"
	"                          counted, the first 5 shown; native traces always are)\n"
	"      --keep-going        count events outside the machine instead of stopping\n";

const char fs_cli_run_usage_output[] =
	"compaction:\n"
	"      --compact-at TIME   manual compaction (as echo 1 > /proc/sys/vm/compact_memory)\n"
	"                          at TIME seconds of simulated time; repeatable; acts on\n"
	"                          policies run with +compaction (README: Compaction)\n"
	"output:\n"
	"  -o, --output FILE       CSV output (default: standard output)\n"
	"  -s, --summary FILE      JSON summary: parameters, totals, final/mean/max metrics\n"
	"      --emit-extfrag FILE every simulated fallback as a 6.x trace_pipe\n"
	"                          mm_page_alloc_extfrag line (fragsim extfrag reads it);\n"
	"                          with several policies one file each, FILE.POLICY\n"
	"      --dump-pagetypeinfo FILE  the final state as /proc/pagetypeinfo\n"
	"                          (fragsim inspect reads it); FILE.POLICY as above\n"
	"      --dump-map TIME FILE  every pageblock's type, free and used pages at the\n"
	"                          first sample at or after TIME (trace time, as time_s:\n"
	"                          12.5, 250ms; or end), every policy, for fragsim plot map\n"
	"  -i, --interval DUR      sample every DUR of simulated time: 1s, 100ms, 50us\n"
	"                          (default 1s unless --every is given)\n"
	"  -e, --every N           sample every N events\n"
	"  -q, --quiet             no progress display on stderr\n"
	"      --debug-check       run the invariant checker after every event (slow;\n"
	"                          also DEBUG=2 in the environment)\n"
	"  -h, --help              this help\n"
	"\n"
	"Exit status: 0 ok, 1 bad input or failed run, 2 bad usage.\n";

#define usage_error(...) fs_cli_usage_error(o->cmd, __VA_ARGS__)

/* "a,b:x=1,y=2,c" -> a | b:x=1,y=2 | c: a piece with '=' and no ':' is a
 * further tunable of the policy before it. */
static int split_policies(char *arg, char **specs, unsigned *n)
{
	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		if (strchr(tok, '=') && !strchr(tok, ':') && *n) {
			char *prev = specs[*n - 1];
			size_t len = strlen(prev) + strlen(tok) + 2;
			char *joined = fs_xcalloc(1, len);

			snprintf(joined, len, "%s,%s", prev, tok);
			free(prev);
			specs[*n - 1] = joined;
			continue;
		}
		if (*n == FS_CLI_MAX_POLICIES)
			return -E2BIG;
		specs[(*n)++] = fs_xstrdup(tok);
	}
	return 0;
}

static int parse_order(const char *s, unsigned *out)
{
	uint64_t v;

	if (fs_parse_u64(s, strlen(s), &v) || v > FS_ORDER_LIMIT)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* Parse the options of replay (workload = false) or run (true) into o.
 * Returns -1 to go on, or the exit status (0 after --help). */
int fs_cli_run_options(struct fs_cli_run *o, const char *cmd, bool workload, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "placement", required_argument, NULL, 'P' },
		{ "memory", required_argument, NULL, 'm' },
		{ "machine", required_argument, NULL, 'M' },
		{ "max-order", required_argument, NULL, 'O' },
		{ "pageblock-order", required_argument, NULL, 'B' },
		{ "format", required_argument, NULL, 'f' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "compact-at", required_argument, NULL, 'C' },
		{ "strict", no_argument, NULL, 'S' },
		{ "kernel-version", required_argument, NULL, 'K' },
		{ "output", required_argument, NULL, 'o' },
		{ "summary", required_argument, NULL, 's' },
		{ "emit-extfrag", required_argument, NULL, 'X' },
		{ "dump-pagetypeinfo", required_argument, NULL, 'T' },
		{ "dump-map", required_argument, NULL, 'Y' },
		{ "interval", required_argument, NULL, 'i' },
		{ "every", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "debug-check", no_argument, NULL, 'D' },
		{ "initial", required_argument, NULL, 'I' },
		{ "initial-buddyinfo", required_argument, NULL, 'J' },
		{ "initial-layout", required_argument, NULL, 'L' },
		{ "final", required_argument, NULL, 'F' },
		{ "checkpoints", required_argument, NULL, 'c' },
		{ "checkpoints-out", required_argument, NULL, 'W' },
		{ "seed", required_argument, NULL, 'E' },
		{ "key-by", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fs_run_cfg *cfg = &o->cfg;
	uint64_t bytes;
	struct fs_err err = { "" };
	int c;

	memset(o, 0, sizeof(*o));
	o->cmd = cmd;
	cfg->strict = true;
	fs_layout_default(&cfg->layout);
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:m:M:f:o:s:i:e:qh", opts, NULL)) != -1) {
		if (workload && c && strchr("PfSKIJLFcWG", c))
			return usage_error("--%s applies to traces, not to workloads",
					   c == 'P' ? "placement" : c == 'f' ? "format" : c == 'S' ? "strict"
					   : c == 'K' ? "kernel-version" : c == 'I' ? "initial"
					   : c == 'J' ? "initial-buddyinfo" : c == 'L' ? "initial-layout" : c == 'F' ? "final"
					   : c == 'c' ? "checkpoints" : c == 'G' ? "key-by" : "checkpoints-out");
		switch (c) {
		case 'p':
			if (split_policies(optarg, o->specs, &o->nspecs))
				return usage_error("at most %s policies in one run", "16");
			break;
		case 'P':
			if (!strcmp(optarg, "policy"))
				cfg->placement = FS_PLACE_POLICY;
			else if (!strcmp(optarg, "trace"))
				cfg->placement = FS_PLACE_TRACE;
			else if (!strcmp(optarg, "kernel"))
				cfg->placement = FS_PLACE_KERNEL;
			else
				return usage_error("--placement expects policy, trace or kernel, got \"%s\"", optarg);
			break;
		case 'G':
			if (fs_key_by_parse(optarg, &cfg->key_by))
				return usage_error("--key-by expects comm, pid and gfp joined by '+' (comm+pid), got \"%s\"", optarg);
			break;
		case 'E':
			if (!workload)
				return usage_error("%s", "--seed applies to workloads (fragsim run), not to traces");
			if (fs_parse_u64(optarg, strlen(optarg), &o->seed))
				return usage_error("--seed expects a whole number, got \"%s\"", optarg);
			o->have_seed = true;
			break;
		case 'I':
			if (!strncmp(optarg, "kpageflags:", 11) && optarg[11]) {
				cfg->initial_kpageflags = optarg + 11;
			} else if (!strncmp(optarg, "buddyinfo:", 10) && optarg[10]) {
				cfg->initial_snapshot = optarg + 10;
				cfg->initial_kind = FS_PROCFS_BUDDYINFO;
			} else if (!strncmp(optarg, "pagetypeinfo:", 13) && optarg[13]) {
				cfg->initial_snapshot = optarg + 13;
				cfg->initial_kind = FS_PROCFS_PAGETYPEINFO;
			} else if (*optarg && !strchr(optarg, ':')) {
				cfg->initial_snapshot = optarg;
			} else {
				return usage_error("--initial expects FILE, buddyinfo:FILE, pagetypeinfo:FILE or "
						   "kpageflags:FILE, got \"%s\"", optarg);
			}
			break;
		case 'L':
			if (!strcmp(optarg, "spread"))
				cfg->initial_layout = FS_INITIAL_SPREAD;
			else if (!strcmp(optarg, "packed"))
				cfg->initial_layout = FS_INITIAL_PACKED;
			else
				return usage_error("--initial-layout expects spread or packed, got \"%s\"", optarg);
			break;
		case 'F':
			if (strncmp(optarg, "kpageflags:", 11) || !optarg[11])
				return usage_error("--final expects kpageflags:FILE, got \"%s\"", optarg);
			cfg->final_kpageflags = optarg + 11;
			break;
		case 'J':
			cfg->initial_buddyinfo = optarg;
			break;
		case 'c':
			cfg->checkpoints = optarg;
			break;
		case 'W':
			cfg->checkpoints_out = optarg;
			break;
		case 'm':
			if (fs_parse_size(optarg, &bytes) || bytes < 4096 || bytes % 4096)
				return usage_error("--memory expects a size of whole 4 KiB pages such as 128K, 512M or 64G, got \"%s\"", optarg);
			fs_layout_single(&cfg->layout, bytes >> FS_PAGE_SHIFT);
			o->have_mem = true;
			break;
		case 'M':
			if (!strncmp(optarg, "zoneinfo:", 9) ? fs_procfs_layout(optarg + 9, &cfg->layout, &err)
							     : fs_layout_load_yaml(&cfg->layout, optarg, &err)) {
				fprintf(stderr, "fragsim %s: %s\n", cmd, err.msg);
				return 1;
			}
			o->have_machine = true;
			break;
		case 'O':
			if (parse_order(optarg, &o->max_order))
				return usage_error("--max-order expects 0..15, got \"%s\"", optarg);
			o->have_max = true;
			break;
		case 'B':
			if (parse_order(optarg, &o->pb_order))
				return usage_error("--pageblock-order expects 0..15, got \"%s\"", optarg);
			o->have_pb = true;
			break;
		case 'f':
			if (fs_trace_format_parse(optarg, &cfg->format))
				return usage_error("--format expects auto, native, ftrace or trace.dat, got \"%s\"", optarg);
			break;
		case 'K': {
			enum fs_extfrag_numbering n;

			if (fs_extfrag_numbering_for(optarg, &n))
				return usage_error("--kernel-version expects a version such as 3.10 or 6.1, got \"%s\"", optarg);
			cfg->mt_numbering = n == FS_EXTFRAG_MT_PRE_4_4 ? 2 : 1;
			break;
		}
		case 'S':
			cfg->strict_input = true;
			break;
		case 'k':
			cfg->strict = false;
			break;
		case 'C':
			if (cfg->nr_compact_at == FS_ARRAY_SIZE(cfg->compact_at) ||
			    fs_parse_time_ns(optarg, strlen(optarg), &cfg->compact_at[cfg->nr_compact_at]))
				return usage_error("--compact-at expects a time in seconds such as 12.5 (at most 16), got \"%s\"", optarg);
			cfg->nr_compact_at++;
			break;
		case 'o':
			cfg->csv_path = optarg;
			break;
		case 's':
			cfg->summary_path = optarg;
			break;
		case 'X':
			cfg->extfrag_path = optarg;
			break;
		case 'T':
			cfg->pagetypeinfo_path = optarg;
			break;
		case 'Y':             /* --dump-map TIME FILE: FILE is the next word */
			if (optind >= argc)
				return usage_error("%s", "--dump-map expects TIME and FILE");
			if (!strcmp(optarg, "end"))
				cfg->map_at_end = true;
			else if (fs_parse_duration(optarg, &cfg->map_time_ns))
				return usage_error("--dump-map expects a time such as 12.5, 250ms or end, got \"%s\"", optarg);
			cfg->map_path = argv[optind++];
			break;
		case 'i':
			if (fs_parse_duration(optarg, &cfg->interval_ns) || !cfg->interval_ns)
				return usage_error("--interval expects a duration such as 1s, 100ms or 50us, got \"%s\"", optarg);
			break;
		case 'e':
			if (fs_parse_u64(optarg, strlen(optarg), &cfg->every) || !cfg->every)
				return usage_error("--every expects a positive number of events, got \"%s\"", optarg);
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'D':
			cfg->debug_check = 1;
			break;
		case 'h':
			o->help = true;
			return 0;
		default:
			fprintf(stderr, "(see fragsim %s --help)\n", cmd);
			return 2;
		}
	}
	if (o->have_mem && o->have_machine)
		return usage_error("%s", "--memory and --machine exclude each other");
	return -1;
}

/* After the command has chosen the layout: the order overrides, defaults. */
int fs_cli_run_finish(struct fs_cli_run *o)
{
	struct fs_run_cfg *cfg = &o->cfg;
	const char *env = getenv("DEBUG");

	if (o->have_max)
		cfg->layout.max_order = o->max_order;
	if (o->have_pb)
		cfg->layout.pageblock_order = o->pb_order;
	else if (cfg->layout.pageblock_order > cfg->layout.max_order)
		cfg->layout.pageblock_order = cfg->layout.max_order;
	if (o->have_pb && o->pb_order > cfg->layout.max_order)
		return usage_error("--pageblock-order must not exceed --max-order (%s)", "see --help");
	if (!o->nspecs)
		o->specs[o->nspecs++] = fs_xstrdup("buddy");
	if (!cfg->interval_ns && !cfg->every)
		cfg->interval_ns = 1000000000ull;
	if (env && atoi(env) >= 2)
		cfg->debug_check = 1;
	cfg->policies = (const char **)o->specs;
	cfg->nr_policies = o->nspecs;
	cfg->progress = !o->quiet && isatty(STDERR_FILENO);
	return -1;
}

void fs_cli_run_release(struct fs_cli_run *o)
{
	for (unsigned i = 0; i < o->nspecs; i++)
		free(o->specs[i]);
	o->nspecs = 0;
}

/* The options of --placement kernel go together (README: Kernel-exact
 * replay). -1 when they do, else the usage error's exit status. */
static int kernel_placement_usage(const struct fs_cli_run *o, int nr_traces)
{
	const struct fs_run_cfg *cfg = &o->cfg;

	if (cfg->initial_snapshot && cfg->placement != FS_PLACE_POLICY)
		return usage_error("%s", "--initial from a buddyinfo or pagetypeinfo chooses the free blocks' "
				   "positions, so it needs --placement policy (kernel placement: --initial kpageflags:FILE)");
	if (cfg->placement != FS_PLACE_KERNEL && (cfg->initial_kpageflags || cfg->final_kpageflags ||
						  cfg->checkpoints || cfg->checkpoints_out))
		return usage_error("%s", "--initial kpageflags:, --final and --checkpoints need --placement kernel");
	if ((cfg->initial_kpageflags || cfg->final_kpageflags) && !o->have_machine)
		return usage_error("%s", "kpageflags files need the machine's layout: -M zoneinfo:FILE");
	if (cfg->initial_buddyinfo && !cfg->initial_kpageflags && !cfg->initial_snapshot)
		return usage_error("%s", "--initial-buddyinfo settles --initial FILE; give that too");
	if (cfg->checkpoints_out && !cfg->checkpoints)
		return usage_error("%s", "--checkpoints-out needs --checkpoints FILE");
	if (cfg->placement == FS_PLACE_KERNEL && cfg->nr_compact_at)
		return usage_error("%s", "--compact-at acts on simulated policies; --placement kernel replays the kernel's own compaction");
	if (cfg->placement == FS_PLACE_KERNEL && nr_traces != 1)
		return usage_error("%s", "--placement kernel replays one trace (one machine's events)");
	return -1;
}

int fs_cmd_replay(int argc, char **argv)
{
	struct fs_cli_run run, *o = &run;
	struct fs_err err = { "" };
	int rc;

	if ((rc = fs_cli_run_options(o, "replay", false, argc, argv)) >= 0) {
		if (o->help)
			printf("%s%s%s%s%s%s%s", replay_usage_head, "policies and placement:\n", fs_cli_run_usage_policy,
			       replay_usage_placement, fs_cli_run_usage, replay_usage_input,
			       fs_cli_run_usage_output);
		fs_cli_run_release(o);
		return rc;
	}
	if (optind >= argc) {
		fs_cli_run_release(o);
		return usage_error("%s", "no trace given");
	}
	if ((rc = fs_cli_run_finish(o)) >= 0) {
		fs_cli_run_release(o);
		return rc;
	}
	if ((rc = kernel_placement_usage(o, argc - optind)) >= 0) {
		fs_cli_run_release(o);
		return rc;
	}
	o->cfg.inputs = (const char **)(argv + optind);
	o->cfg.nr_inputs = (unsigned)(argc - optind);
	fs_out_install_signal_cleanup();
	rc = fs_replay_run(&o->cfg, &err);
	if (rc)
		fprintf(stderr, "fragsim replay: %s\n", err.msg);
	fs_cli_run_release(o);
	return rc;
}
