/* cmd_inspect.c - `fragsim inspect`: the kernel's fragmentation indices
 * and proactive-compaction score from /proc snapshots (procfs.c), in the
 * kernel's own debugfs layouts, checked against debugfs files when given. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "procfs.h"

static const char inspect_usage[] =
	"usage: fragsim inspect [options] FILE...\n"
	"\n"
	"Read /proc/buddyinfo, /proc/pagetypeinfo and /proc/zoneinfo text (plain, .gz or\n"
	".zst; several '### capture_snap seq=N ...' records per file are fine) and print\n"
	"per node and zone the unusable free space index and the fragmentation index per\n"
	"order exactly as debugfs extfrag/unusable_index and extfrag/extfrag_index print\n"
	"them, and proactive compaction's fragmentation score (weighted by present pages\n"
	"when a zoneinfo is given too). debugfs extfrag files given among the FILEs are\n"
	"compared with what fragsim computes for the record of the same seq.\n"
	"\n"
	"options:\n"
	"      --only WHAT         print only unusable_index, extfrag_index, score or zones\n"
	"      --score-order N     the score's order (COMPACTION_HPAGE_ORDER; default 9)\n"
	"  -q, --quiet             with debugfs files: only the comparison's verdict\n"
	"  -h, --help              this help\n"
	"\n"
	"Exit status: 0 ok, 1 bad input or a debugfs file differing, 2 bad usage.\n";

enum what { W_ALL, W_UNUSABLE, W_EXTFRAG, W_SCORE, W_ZONES };

#define usage_error(...) fs_cli_usage_error("inspect", __VA_ARGS__)

struct all {
	struct fs_procfs_file *files;
	unsigned n;
};

static const struct fs_procfs_rec *find_zoneinfo(const struct all *a, long seq)
{
	const struct fs_procfs_rec *last = NULL;

	for (unsigned i = 0; i < a->n; i++)
		for (unsigned k = 0; k < a->files[i].nr_recs; k++) {
			const struct fs_procfs_rec *r = &a->files[i].recs[k];

			if (r->kind != FS_PROCFS_ZONEINFO)
				continue;
			if (seq >= 0 && r->seq == seq)
				return r;
			last = r;
		}
	return last;
}

/* A debugfs record's file: from the capture header's name=, else by its
 * look (extfrag_index pads positives to "%2d", so "  0." shows, and has
 * -1.000; unusable_index is never negative and has one blank). */
static bool is_extfrag_index(const struct fs_procfs_rec *r)
{
	if (r->header && strstr(r->header, "name=extfrag_index"))
		return true;
	if (r->header && strstr(r->header, "name=unusable_index"))
		return false;
	return strstr(r->body, " -1.") || strstr(r->body, "  0.") || strstr(r->body, "  1.");
}

static void print_header(FILE *fp, const struct fs_procfs_rec *r, const char *name)
{
	const char *p;

	if (!r->header)
		return;
	p = strstr(r->header, " name=");
	if (p)
		fprintf(fp, "%.*s name=%s\n", (int)(p - r->header), r->header, name);
	else
		fprintf(fp, "%s name=%s\n", r->header, name);
}

static char *render(const struct fs_procfs_rec *r, bool extfrag, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	if (!fp)
		abort();
	if (extfrag)
		fs_procfs_print_extfrag(fp, r);
	else
		fs_procfs_print_unusable(fp, r);
	fclose(fp);
	return buf;
}

/* Compare every debugfs record with the free-count record of its seq. */
static int check(const struct all *a, bool quiet, unsigned *nchecked)
{
	unsigned same = 0, diff = 0;

	for (unsigned i = 0; i < a->n; i++)
		for (unsigned k = 0; k < a->files[i].nr_recs; k++) {
			const struct fs_procfs_rec *d = &a->files[i].recs[k], *src = NULL;
			bool ef = is_extfrag_index(d);
			char *mine;
			size_t len;

			if (d->kind != FS_PROCFS_INDEX)
				continue;
			for (unsigned j = 0; j < a->n && !src; j++)
				for (unsigned m = 0; m < a->files[j].nr_recs; m++) {
					const struct fs_procfs_rec *r = &a->files[j].recs[m];

					if (r->kind == FS_PROCFS_BUDDYINFO && r->seq == d->seq) {
						src = r;
						break;
					}
				}
			if (!src) {
				fprintf(stderr, "fragsim inspect: %s:%" PRIu64 ": no buddyinfo record "
					"with seq=%ld to compare with\n", a->files[i].path, d->line, d->seq);
				continue;
			}
			mine = render(src, ef, &len);
			if (len == d->body_len && !memcmp(mine, d->body, len)) {
				same++;
				if (!quiet)
					printf("%s:%" PRIu64 ": %s seq=%ld: equal to fragsim's\n",
					       a->files[i].path, d->line, ef ? "extfrag_index" : "unusable_index",
					       d->seq);
			} else {
				diff++;
				printf("%s:%" PRIu64 ": %s seq=%ld: DIFFERS from fragsim's:\n%s"
				       "fragsim computes:\n%s", a->files[i].path, d->line,
				       ef ? "extfrag_index" : "unusable_index", d->seq, d->body, mine);
			}
			free(mine);
		}
	*nchecked = same + diff;
	if (same + diff)
		printf("debugfs check: %u record%s equal, %u different\n", same, same == 1 ? "" : "s",
		       diff);
	return diff ? 1 : 0;
}

int fs_cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "only", required_argument, NULL, 'O' },
		{ "score-order", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fs_err err = { "" };
	enum what what = W_ALL;
	unsigned order = 9, nchecked = 0;
	bool quiet = false;
	struct all a = { NULL, 0 };
	uint64_t v;
	int c, rc = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'O':
			if (!strcmp(optarg, "unusable_index"))
				what = W_UNUSABLE;
			else if (!strcmp(optarg, "extfrag_index"))
				what = W_EXTFRAG;
			else if (!strcmp(optarg, "score"))
				what = W_SCORE;
			else if (!strcmp(optarg, "zones"))
				what = W_ZONES;
			else
				return usage_error("--only expects unusable_index, extfrag_index, score or "
						   "zones, got \"%s\"", optarg);
			break;
		case 'S':
			if (fs_parse_u64(optarg, strlen(optarg), &v) || v > FS_ORDER_LIMIT)
				return usage_error("--score-order expects 0..15, got \"%s\"", optarg);
			order = (unsigned)v;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(inspect_usage, stdout);
			return 0;
		default:
			fputs("(see fragsim inspect --help)\n", stderr);
			return 2;
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no file given");
	a.files = fs_xcalloc((size_t)(argc - optind), sizeof(*a.files));
	for (int i = optind; i < argc; i++) {
		if ((rc = fs_procfs_load(&a.files[a.n], argv[i], &err))) {
			fprintf(stderr, "fragsim inspect: %s\n", err.msg);
			rc = 1;
			goto out;
		}
		a.n++;
		{
			unsigned foreign = 0;

			for (unsigned k = 0; k < a.files[a.n - 1].nr_recs; k++)
				foreign += a.files[a.n - 1].recs[k].foreign;
			if (foreign)
				fprintf(stderr, "fragsim inspect: %s: %u capture record%s of other files "
					"(meminfo, vmstat...) skipped\n", a.files[a.n - 1].path, foreign,
					foreign == 1 ? "" : "s");
		}
	}
	for (unsigned i = 0; i < a.n && !quiet; i++)
		for (unsigned k = 0; k < a.files[i].nr_recs; k++) {
			const struct fs_procfs_rec *r = &a.files[i].recs[k];
			bool counts = r->kind == FS_PROCFS_BUDDYINFO || r->kind == FS_PROCFS_PAGETYPEINFO;

			if (what == W_ALL && (counts || r->kind == FS_PROCFS_ZONEINFO)) {
				printf("== %s:%" PRIu64 ": %s", a.files[i].path, r->line,
				       fs_procfs_kind_name(r->kind));
				if (r->seq >= 0)
					printf(" seq=%ld", r->seq);
				printf(" ==\n");
			}
			if (r->kind == FS_PROCFS_ZONEINFO && (what == W_ALL || what == W_ZONES)) {
				print_header(stdout, r, "zones");
				fs_procfs_print_zones(stdout, r);
				continue;
			}
			if (!counts)
				continue;
			for (unsigned z = 0; z < r->nr_zones; z++)
				if (r->zones[z].capped) {
					fprintf(stderr, "fragsim inspect: %s:%" PRIu64 ": node %d zone %s: "
						"pagetypeinfo counts capped at >100000, so its indices are "
						"approximate; buddyinfo has the exact counts\n", a.files[i].path,
						r->line, r->zones[z].node, r->zones[z].name);
					break;
				}
			if (what == W_ALL || what == W_UNUSABLE) {
				if (what == W_ALL)
					printf("unusable_index\n");
				else
					print_header(stdout, r, "unusable_index");
				fs_procfs_print_unusable(stdout, r);
			}
			if (what == W_ALL || what == W_EXTFRAG) {
				if (what == W_ALL)
					printf("extfrag_index\n");
				else
					print_header(stdout, r, "extfrag_index");
				fs_procfs_print_extfrag(stdout, r);
			}
			if (what == W_ALL || what == W_SCORE) {
				if (what == W_ALL)
					printf("fragmentation score (extfrag_for_order %u)\n", order);
				else
					print_header(stdout, r, "score");
				fs_procfs_print_score(stdout, r, find_zoneinfo(&a, r->seq), order);
			}
			if (what == W_ALL && r->kind == FS_PROCFS_PAGETYPEINFO && r->nr_types) {
				printf("pageblocks per type (pageblock order %d)\n", r->pageblock_order);
				for (unsigned z = 0; z < r->nr_zones; z++) {
					if (!r->zones[z].has_pageblocks)
						continue;
					printf("Node %d, zone %8s", r->zones[z].node, r->zones[z].name);
					for (unsigned t = 0; t < r->nr_types; t++)
						printf(" %s %" PRIu64, r->type_names[t], r->zones[z].pageblocks[t]);
					putchar('\n');
				}
			}
		}
	rc = check(&a, quiet, &nchecked);
	if (quiet && !nchecked) {
		fprintf(stderr, "fragsim inspect: --quiet prints only the comparison with debugfs "
			"files, and none was given\n");
	}
out:
	for (unsigned i = 0; i < a.n; i++)
		fs_procfs_release(&a.files[i]);
	free(a.files);
	return rc;
}
