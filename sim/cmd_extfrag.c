/* cmd_extfrag.c - `fragsim extfrag`: the kernel's recorded fallbacks
 * (mm_page_alloc_extfrag) counted from logs or full traces (extfrag.c). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "extfrag.h"

static const char extfrag_usage[] =
	"usage: fragsim extfrag [options] LOG...\n"
	"\n"
	"Count the kernel's page-allocator fallbacks (mm_page_alloc_extfrag events) in\n"
	"extfrag logs or full kernel traces: ftrace trace/trace_pipe text, trace-cmd\n"
	"report, perf script; plain, .gz or .zst; - is stdin. Other events are skipped.\n"
	"Prints totals, fragmenting events (recomputed as fallback_order <\n"
	"pageblock_order; the printed fragmenting= is never trusted), ownership\n"
	"changes, requested x fallback migrate type, and mmtests' four counters.\n"
	"\n"
	"options:\n"
	"      --kernel-version V  the traced kernel (e.g. 3.10, 4.19, 6.12): migrate types\n"
	"                          are numbered 0 unmovable 1 reclaimable 2 movable 3 reserve\n"
	"                          before 4.4, 0 unmovable 1 movable 2 reclaimable\n"
	"                          3 highatomic from 4.4. Default: what the mm_page_alloc\n"
	"                          lines' gfp flags show, else 4.4+\n"
	"      --pageblock-order N fragmenting means fallback_order < N (default: the\n"
	"                          pageblock_order printed in each event, else 9)\n"
	"  -i, --interval DUR      timeline interval (1s, 100ms; default 1s)\n"
	"  -o, --output FILE       timeline CSV, one row per interval (- = stdout; the\n"
	"                          report then goes to stderr)\n"
	"  -s, --summary FILE      JSON summary\n"
	"      --strict            malformed lines are fatal (default: counted, first 5 shown)\n"
	"  -j, --threads N         parse a plain (uncompressed) file in N parts at once\n"
	"                          (default: the online CPUs, at most 8; 1 = one thread).\n"
	"                          The results are the same whatever N\n"
	"  -q, --quiet             no report (only the files asked for)\n"
	"  -h, --help              this help\n"
	"\n"
	"Exit status: 0 ok, 1 bad input, 2 bad usage.\n";

#define usage_error(...) fs_cli_usage_error("extfrag", __VA_ARGS__)

static void matrix(FILE *fp, const char *title, const uint64_t m[FS_EXTFRAG_NR_MT][FS_EXTFRAG_NR_MT],
		   const bool *show, enum fs_extfrag_numbering n)
{
	fprintf(fp, "%s (rows: requested, columns: fallback)\n%-14s", title, "");
	for (unsigned f = 0; f < FS_EXTFRAG_NR_MT; f++)
		if (show[f])
			fprintf(fp, " %14s", fs_extfrag_mt_name(n, f));
	fputc('\n', fp);
	for (unsigned r = 0; r < FS_EXTFRAG_NR_MT; r++) {
		if (!show[r])
			continue;
		fprintf(fp, "%-14s", fs_extfrag_mt_name(n, r));
		for (unsigned f = 0; f < FS_EXTFRAG_NR_MT; f++)
			if (show[f])
				fprintf(fp, " %14" PRIu64, m[r][f]);
		fputc('\n', fp);
	}
}

static void report(FILE *fp, const struct fs_extfrag_an *a, enum fs_extfrag_numbering n,
		   const char *nsrc)
{
	const struct fs_extfrag_counts *c = &a->c;
	struct fs_extfrag_mmtests m;
	uint64_t other = 0, malformed = 0;
	bool show[FS_EXTFRAG_NR_MT] = { true, true, true, false };

	for (unsigned i = 0; i < a->nr_inputs; i++) {
		other += a->inputs[i].other_events;
		malformed += a->inputs[i].malformed;
	}
	fprintf(fp, "fragsim extfrag: %u input%s, %" PRIu64 " mm_page_alloc_extfrag event%s "
		"(%" PRIu64 " other event lines skipped, %" PRIu64 " malformed)\n",
		a->nr_inputs, a->nr_inputs == 1 ? "" : "s", c->events, c->events == 1 ? "" : "s",
		other, malformed);
	fprintf(fp, "migrate types: numbered as Linux %s (%s)\n",
		n == FS_EXTFRAG_MT_4_4 ? "4.4+ (0 unmovable, 1 movable, 2 reclaimable, 3 highatomic)"
				       : "before 4.4 (0 unmovable, 1 reclaimable, 2 movable, 3 reserve)",
		nsrc);
	if (a->pageblock_order >= 0)
		fprintf(fp, "pageblock order: %d (--pageblock-order)\n", a->pageblock_order);
	else if (a->pb_seen_min < 0)
		fprintf(fp, "pageblock order: 9 (not printed in the events)\n");
	else if (a->pb_seen_min == a->pb_seen_max)
		fprintf(fp, "pageblock order: %d (as printed in the events)\n", a->pb_seen_min);
	else
		fprintf(fp, "pageblock order: %d to %d (as printed in each event)\n", a->pb_seen_min,
			a->pb_seen_max);
	fprintf(fp, "\n%-22s %12" PRIu64 "\n", "events", c->events);
	fprintf(fp, "%-22s %12" PRIu64 "   fallback_order < pageblock_order, recomputed",
		"fragmenting", c->fragmenting);
	if (c->printed_fragmenting_wrong)
		fprintf(fp, " (the printed fragmenting= was wrong on %" PRIu64 " line%s)",
			c->printed_fragmenting_wrong, c->printed_fragmenting_wrong == 1 ? "" : "s");
	fprintf(fp, "\n%-22s %12" PRIu64 "\n", "not fragmenting", c->events - c->fragmenting);
	fprintf(fp, "%-22s %12" PRIu64 "   as printed: the block was claimed (3.10: pages moved)\n\n",
		"change_ownership", c->change_ownership);
	for (unsigned r = 0; r < FS_EXTFRAG_NR_MT; r++)
		for (unsigned f = 0; f < FS_EXTFRAG_NR_MT; f++)
			if (c->by_type[r][f])
				show[r] = show[f] = true;
	matrix(fp, "events", c->by_type, show, n);
	fputc('\n', fp);
	matrix(fp, "fragmenting events", c->frag_by_type, show, n);
	fputs("\nby fallback order:", fp);
	for (unsigned o = 0; o <= FS_NR_ORDERS; o++)
		if (c->by_fallback_order[o])
			fprintf(fp, " %u:%" PRIu64, o, c->by_fallback_order[o]);
	fs_extfrag_mmtests(c, n, &m);
	fprintf(fp, "\n\nmmtests counters (its definitions, on every line, fragmenting recomputed, "
		"movable = %u):\n", n == FS_EXTFRAG_MT_4_4 ? 1 : 2);
	fprintf(fp, "%-50s %12" PRIu64 "\n", "Page alloc extfrag event", m.events);
	fprintf(fp, "%-50s %12" PRIu64 "\n", "Extfrag fragmenting", m.fragmenting);
	fprintf(fp, "%-50s %12" PRIu64 "\n", "Extfrag for unmovable", m.unmovable);
	fprintf(fp, "%-50s %12" PRIu64 "\n", "Extfrag unmovable placed with movable",
		m.unmovable_placed_with_movable);
	fprintf(fp, "%-50s %12" PRIu64 "\n", "Extfrag fragmenting for unmovable",
		m.fragmenting_unmovable);
	fprintf(fp, "%-50s %12" PRIu64 "\n", "Extfrag fragmenting unmovable placed with movable",
		m.fragmenting_unmovable_placed_with_movable);
}

int fs_cmd_extfrag(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "kernel-version", required_argument, NULL, 'K' },
		{ "pageblock-order", required_argument, NULL, 'B' },
		{ "interval", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "summary", required_argument, NULL, 's' },
		{ "strict", no_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fs_extfrag_an a;
	struct fs_err err = { "" };
	enum fs_extfrag_numbering n = FS_EXTFRAG_MT_4_4, seen;
	const char *kver = NULL, *csv = NULL, *summary = NULL;
	char nsrc[160];
	uint64_t interval = 1000000000ull, v, stream;
	bool quiet = false, strict = false;
	int pb = -1, c, rc = 0, det;
	unsigned threads = 0;
	long cpus;

	optind = 1;
	while ((c = getopt_long(argc, argv, "i:o:s:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'K':
			if (fs_extfrag_numbering_for(optarg, &n))
				return usage_error("--kernel-version expects a version such as 3.10 or "
						   "6.12, got \"%s\"", optarg);
			kver = optarg;
			break;
		case 'B':
			if (fs_parse_u64(optarg, strlen(optarg), &v) || v > FS_ORDER_LIMIT)
				return usage_error("--pageblock-order expects 0..15, got \"%s\"", optarg);
			pb = (int)v;
			break;
		case 'i':
			if (fs_parse_duration(optarg, &interval) || !interval)
				return usage_error("--interval expects a duration such as 1s, 100ms or "
						   "50us, got \"%s\"", optarg);
			break;
		case 'o':
			csv = optarg;
			break;
		case 's':
			summary = optarg;
			break;
		case 'S':
			strict = true;
			break;
		case 'j':
			if (fs_parse_u64(optarg, strlen(optarg), &v) || !v || v > FS_EXTFRAG_MAX_THREADS)
				return usage_error("--threads expects 1..%u, got \"%s\"",
						   FS_EXTFRAG_MAX_THREADS, optarg);
			threads = (unsigned)v;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(extfrag_usage, stdout);
			return 0;
		default:
			fputs("(see fragsim extfrag --help)\n", stderr);
			return 2;
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no log given");
	if (!threads) {
		/* a part per CPU: the parse is bound by the CPU, and the file
		 * is mapped, so more threads than cores only take turns */
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus < 1 ? 1 : cpus > 8 ? 8 : (unsigned)cpus;
	}
	fs_out_install_signal_cleanup();
	/* the timeline counted as the events come, unless an input is stdin
	 * (it could not be read again if the stream breaks) */
	stream = interval;
	for (int i = optind; i < argc; i++)
		if (!strcmp(argv[i], "-"))
			stream = 0;
	for (int pass = 0; pass < 2; pass++) {
		fs_extfrag_init(&a);
		a.pageblock_order = pb;
		a.strict = strict;
		a.stream_ns = pass ? 0 : stream;
		a.threads = threads;
		rc = 0;
		for (int i = optind; i < argc && !rc; i++)
			rc = fs_extfrag_read(&a, argv[i], &err);
		if (rc != -EAGAIN)
			break;
		/* a line earlier than the first: read again, keeping every
		 * event's time for the timeline (the warnings kept so far go
		 * too: the second pass finds them again) */
		fs_extfrag_release(&a);
	}
	fs_extfrag_print_warnings(&a);
	if (rc) {
		fprintf(stderr, "fragsim extfrag: %s\n", err.msg);
		fs_extfrag_release(&a);
		return 1;
	}
	det = fs_extfrag_detect_numbering(&a, &seen);
	if (kver) {
		snprintf(nsrc, sizeof(nsrc), "--kernel-version %s", kver);
		if (det == 1 && seen != n)
			fprintf(stderr, "fragsim extfrag: warning: the mm_page_alloc lines' gfp flags "
				"suggest the %s numbering; using --kernel-version %s as told\n",
				seen == FS_EXTFRAG_MT_4_4 ? "4.4+" : "pre-4.4", kver);
	} else if (det == 1) {
		n = seen;
		snprintf(nsrc, sizeof(nsrc), "detected from the mm_page_alloc lines' gfp flags");
	} else if (det < 0) {
		snprintf(nsrc, sizeof(nsrc), "default; the gfp flags disagree, use --kernel-version");
	} else {
		snprintf(nsrc, sizeof(nsrc), "default; --kernel-version for older kernels");
	}
	if (csv && (rc = fs_extfrag_write_csv(&a, n, interval, csv, &err)))
		fprintf(stderr, "fragsim extfrag: %s\n", err.msg);
	if (!rc && summary && (rc = fs_extfrag_write_json(&a, n, nsrc, interval, summary, &err)))
		fprintf(stderr, "fragsim extfrag: %s\n", err.msg);
	if (!rc && !quiet)
		report(csv && !strcmp(csv, "-") ? stderr : stdout, &a, n, nsrc);
	fs_extfrag_release(&a);
	return rc ? 1 : 0;
}
