/* cmd_batch.c - `fragsim batch`: a grid of runs from a YAML spec, run
 * locally in parallel, or listed as shell commands for Slurm / GNU parallel,
 * and the summaries of whatever runs are complete. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"

/* Exit status: the number of failed runs, so a batch that did not start
 * needs a status no count of runs gives. */
#define EXIT_NOT_STARTED 126
#define MAX_FAILED_STATUS 125

static const char batch_usage[] =
	"usage: fragsim batch [options] BATCH.yaml -o DIR\n"
	"       fragsim batch --emit-jobs BATCH.yaml -o DIR >jobs.txt\n"
	"       fragsim batch --collect DIR\n"
	"\n"
	"Run a grid of inputs x policies (with tunable grids) x seeds, one fragsim process per\n"
	"run, and summarise it. BATCH.yaml (README: Batch runs):\n"
	"  inputs: [../traces/tiny.trace, ../workloads/w.yaml]   # paths relative to the file\n"
	"  policies: [buddy, {linux-6.15: {nofragment: [on, off]}}]\n"
	"  seeds: [1, 2]        # workloads only      interval: 100ms   (or every: N)\n"
	"  machine: m.yaml      # (or memory: 64M)    placement: policy (or trace)\n"
	"\n"
	"DIR gets runs/ID.csv, runs/ID.json, runs/ID.log per run, batch.json (the runs and\n"
	"their commands), summary.csv and summary.json (one row per run) and compare.csv\n"
	"(policies ranked per input by the final unusable index at pageblock order).\n"
	"Runs whose outputs are complete are skipped, so an interrupted batch resumes.\n"
	"\n"
	"options:\n"
	"  -o, --output DIR    output directory (created if missing)\n"
	"  -j, --jobs N        runs in parallel (default: the number of online CPUs)\n"
	"      --force         rerun runs whose outputs are complete\n"
	"      --emit-jobs     print one shell command per run still to do, instead of\n"
	"                      running them (for sbatch --array or GNU parallel)\n"
	"      --collect DIR   write DIR's summaries from whatever runs are complete\n"
	"  -q, --quiet         no progress display (shown only when stderr is a terminal)\n"
	"  -h, --help          this help\n"
	"\n"
	"Exit status: the number of failed runs (0: all done; at most 125); 126 when the\n"
	"batch did not start (bad usage, an invalid spec, a missing input, an unwritable\n"
	"output directory) or its summaries could not be written.\n";

#define usage_error(...) (fs_cli_usage_error("batch", __VA_ARGS__), EXIT_NOT_STARTED)

static int fail(const struct fs_err *err)
{
	fprintf(stderr, "fragsim batch: %s\n", err->msg);
	return EXIT_NOT_STARTED;
}

static char *absolute(const char *p)
{
	char cwd[PATH_MAX], buf[PATH_MAX * 2];

	if (p[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		return fs_xstrdup(p);
	snprintf(buf, sizeof(buf), "%s/%s", cwd, p);
	return fs_xstrdup(buf);
}

static int collect(const struct fs_batch *b, const char *dir, struct fs_err *err)
{
	unsigned done;

	if (fs_batch_collect(b, dir, &done, err))
		return -1;
	fprintf(stderr, "fragsim batch: %u of %u runs complete; wrote %s/summary.csv, %s/summary.json, %s/compare.csv\n",
		done, b->nr_runs, dir, dir, dir);
	return 0;
}

static int do_collect(const char *dir)
{
	struct fs_batch b;
	struct fs_err err = { "" };
	int rc;

	if (fs_batch_manifest_read(&b, dir, &err))
		return fail(&err);
	rc = collect(&b, dir, &err) ? fail(&err) : 0;
	fs_batch_release(&b);
	return rc;
}

int fs_cmd_batch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "force", no_argument, NULL, 'F' },
		{ "emit-jobs", no_argument, NULL, 'E' },
		{ "collect", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fs_batch_opts o = { 0 };
	struct fs_batch_spec spec;
	struct fs_batch b;
	struct fs_err err = { "" };
	const char *out = NULL, *collect_dir = NULL;
	char exe[PATH_MAX], *dir;
	bool emit = false, quiet = false;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned skipped = 0;
	uint64_t j;
	ssize_t n;
	int c, rc;

	o.jobs = cpus > 0 ? (unsigned)cpus : 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'j':
			if (fs_parse_u64(optarg, strlen(optarg), &j) || !j || j > 256)
				return usage_error("--jobs expects 1..256, got \"%s\"", optarg);
			o.jobs = (unsigned)j;
			break;
		case 'F':
			o.force = true;
			break;
		case 'E':
			emit = true;
			break;
		case 'C':
			collect_dir = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(batch_usage, stdout);
			return 0;
		default:
			fputs("(see fragsim batch --help)\n", stderr);
			return EXIT_NOT_STARTED;
		}
	}
	if (collect_dir) {
		if (optind < argc || emit || out)
			return usage_error("%s", "--collect DIR takes no spec, -o or --emit-jobs");
		return do_collect(collect_dir);
	}
	if (optind >= argc)
		return usage_error("%s", "no batch spec given");
	if (optind + 1 < argc)
		return usage_error("one batch spec at a time, got also \"%s\"", argv[optind + 1]);
	if (!out)
		return usage_error("%s", "no output directory given (-o DIR)");
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fs_error(&err, -errno, "cannot find the fragsim binary (/proc/self/exe): %s", strerror(errno));
		return fail(&err);
	}
	exe[n] = 0;
	if (fs_batch_spec_load(&spec, argv[optind], &err)) {
		fs_batch_spec_release(&spec);
		return fail(&err);
	}
	if (fs_batch_prepare_dir(out, &err)) {
		fs_batch_spec_release(&spec);
		return fail(&err);
	}
	dir = absolute(out);
	o.dir = dir;
	o.progress = !quiet && !emit && isatty(STDERR_FILENO);
	fs_batch_expand(&spec, exe, dir, &b);
	rc = fs_batch_manifest_write(&b, dir, spec.path, &err);
	if (rc) {
		rc = fail(&err);
	} else if (emit) {
		unsigned todo = fs_batch_emit_jobs(&b, &o, stdout);

		fprintf(stderr, "fragsim batch: %u of %u runs to do; then: fragsim batch --collect %s\n",
			todo, b.nr_runs, dir);
		rc = 0;
	} else {
		rc = fs_batch_execute(&b, &o, &skipped, &err);
		if (rc < 0) {
			rc = fail(&err);
		} else {
			fprintf(stderr, "fragsim batch: %u runs: %u ran, %u skipped as complete, %d failed\n",
				b.nr_runs, b.nr_runs - skipped, skipped, rc);
			rc = rc > MAX_FAILED_STATUS ? MAX_FAILED_STATUS : rc;
			if (collect(&b, dir, &err))
				rc = fail(&err);
		}
	}
	fs_batch_release(&b);
	fs_batch_spec_release(&spec);
	free(dir);
	return rc;
}
