/* procfs.c - /proc/buddyinfo, /proc/pagetypeinfo and /proc/zoneinfo text
 * (and the debugfs extfrag files as text), one or several records per file.
 *
 * Layouts (mm/vmstat.c, 2.6.24 .. 6.18):
 *   buddyinfo     frag_show_print:  "Node %d, zone %8s " + "%6lu " per order
 *   pagetypeinfo  pagetypeinfo_showfree_print: "Node %4d, zone %8s, type %12s "
 *                 + "%6lu " per order, or ">%6lu " once a list holds more
 *                 than 100000 blocks (6.1+: the walk stops counting there);
 *                 pagetypeinfo_showblockcount_print: "Node %d, zone %8s "
 *                 + "%12lu " per type, after "Number of blocks type "
 *   zoneinfo      zoneinfo_show_print: "Node %d, zone %8s" then indented
 *                 "pages free", "spanned", "present", "managed",
 *                 "start_pfn:" lines among many others
 *   debugfs       unusable_show_print "%d.%03d ", extfrag_show_print
 *                 "%2d.%03d " (index / 1000, index % 1000) per order */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"

#define MAX_TOKENS 64

enum section { SEC_NONE, SEC_FREE, SEC_BLOCKS, SEC_MIXED };

const char *fs_procfs_kind_name(enum fs_procfs_kind k)
{
	static const char *const names[] = { "unknown", "buddyinfo", "pagetypeinfo", "zoneinfo",
					     "debugfs index" };

	return k <= FS_PROCFS_INDEX ? names[k] : "?";
}

static unsigned tokenize(char *s, char **tok)
{
	unsigned n = 0;

	for (char *p = strtok(s, " \t"); p && n < MAX_TOKENS; p = strtok(NULL, " \t"))
		tok[n++] = p;
	return n;
}

static int parse_u64(const char *s, uint64_t *v)
{
	return fs_parse_u64(s, strlen(s), v);
}

/* "0," -> 0 */
static int parse_node(const char *s, int *node)
{
	size_t n = strlen(s);
	uint64_t v;

	if (n < 2 || s[n - 1] != ',' || fs_parse_u64(s, n - 1, &v) || v > 65535)
		return -EINVAL;
	*node = (int)v;
	return 0;
}

static struct fs_procfs_zone *zone_get(struct fs_procfs_rec *r, int node, const char *name,
				       bool add)
{
	struct fs_procfs_zone *z;

	for (unsigned i = 0; i < r->nr_zones; i++)
		if (r->zones[i].node == node && !strcmp(r->zones[i].name, name))
			return &r->zones[i];
	if (!add)
		return NULL;
	r->zones = fs_xrealloc(r->zones, (r->nr_zones + 1) * sizeof(*r->zones));
	z = &r->zones[r->nr_zones++];
	memset(z, 0, sizeof(*z));
	z->node = node;
	snprintf(z->name, sizeof(z->name), "%s", name);
	return z;
}

struct loader {
	struct fs_procfs_file *f;
	struct fs_procfs_rec *r;       /* current record */
	struct fs_procfs_zone *zi;     /* zoneinfo: current zone */
	enum section sec;
	uint64_t line;
};

static struct fs_procfs_rec *new_rec(struct loader *L, const char *header)
{
	struct fs_procfs_file *f = L->f;
	struct fs_procfs_rec *r;
	const char *s;

	f->recs = fs_xrealloc(f->recs, (f->nr_recs + 1) * sizeof(*f->recs));
	r = &f->recs[f->nr_recs++];
	memset(r, 0, sizeof(*r));
	r->seq = -1;
	r->pageblock_order = -1;
	r->line = L->line;
	if (header) {
		r->header = fs_xstrdup(header);
		if ((s = strstr(header, " seq=")))
			r->seq = strtol(s + 5, NULL, 10);
	}
	L->r = r;
	L->zi = NULL;
	L->sec = SEC_NONE;
	return r;
}

static void body_append(struct fs_procfs_rec *r, const char *line, size_t len)
{
	r->body = fs_xrealloc(r->body, r->body_len + len + 2);
	memcpy(r->body + r->body_len, line, len);
	r->body_len += len;
	r->body[r->body_len++] = '\n';
	r->body[r->body_len] = 0;
}

static int bad(struct loader *L, struct fs_err *err, const char *what)
{
	return fs_error(err, -EINVAL, "%s:%" PRIu64 ": %s", L->f->path, L->line, what);
}

/* "Node N, zone NAME" rows of buddyinfo and pagetypeinfo, the zone header
 * of zoneinfo, a debugfs index row. */
static int node_line(struct loader *L, char **tok, unsigned n, struct fs_err *err)
{
	struct fs_procfs_rec *r = L->r;
	struct fs_procfs_zone *z;
	char name[16];
	size_t nl;
	bool comma;
	int node;
	unsigned t;

	if (n < 4 || parse_node(tok[1], &node) || strcmp(tok[2], "zone"))
		return bad(L, err, "expected \"Node N, zone NAME ...\"");
	nl = strlen(tok[3]);
	comma = nl > 1 && tok[3][nl - 1] == ',';
	if (comma)
		nl--;
	if (nl >= sizeof(name))
		return bad(L, err, "zone name too long");
	memcpy(name, tok[3], nl);
	name[nl] = 0;
	if (r->kind == FS_PROCFS_UNKNOWN) {
		if (n == 4)
			r->kind = FS_PROCFS_ZONEINFO;
		else if (strchr(tok[4], '.'))
			r->kind = FS_PROCFS_INDEX;
		else
			r->kind = FS_PROCFS_BUDDYINFO;
	}
	switch (r->kind) {
	case FS_PROCFS_INDEX:
		return 0;
	case FS_PROCFS_ZONEINFO:
		L->zi = zone_get(r, node, name, true);
		return 0;
	case FS_PROCFS_BUDDYINFO:
		if (n - 4 > FS_NR_ORDERS || n == 4)
			return bad(L, err, "expected 1 to 16 free block counts after the zone name");
		z = zone_get(r, node, name, true);
		z->nr_orders = n - 4;
		for (unsigned i = 4; i < n; i++)
			if (parse_u64(tok[i], &z->nr_free[i - 4]))
				return bad(L, err, "expected a free block count");
		return 0;
	case FS_PROCFS_PAGETYPEINFO:
		if (comma) {
			/* free list lengths of one type: add up over types */
			if (L->sec != SEC_FREE || n < 7 || strcmp(tok[4], "type"))
				return bad(L, err, "expected \"Node N, zone NAME, type TYPE COUNTS\"");
			if (n - 6 > FS_NR_ORDERS)
				return bad(L, err, "more than 16 orders");
			z = zone_get(r, node, name, true);
			if (z->nr_orders && z->nr_orders != n - 6)
				return bad(L, err, "a different number of orders than the rows before");
			z->nr_orders = n - 6;
			for (t = 0; t < r->nr_free_types && strcmp(r->free_types[t], tok[5]); t++)
				;
			if (t == r->nr_free_types) {
				if (t == FS_PROCFS_MAX_TYPES || strlen(tok[5]) >= sizeof(r->free_types[0]))
					return bad(L, err, "too many migrate types, or a type name too long");
				snprintf(r->free_types[r->nr_free_types++], sizeof(r->free_types[0]), "%s", tok[5]);
			}
			for (unsigned i = 6; i < n; i++) {
				const char *v = tok[i];
				uint64_t x;

				if (*v == '>') {        /* 6.1+: "more than this many" */
					v++;
					z->capped = true;
					z->type_capped[t] |= 1u << (i - 6);
				}
				if (parse_u64(v, &x))
					return bad(L, err, "expected a free block count (or >100000)");
				z->nr_free[i - 6] += x;
				z->type_free[t][i - 6] = x;
			}
			return 0;
		}
		if (L->sec == SEC_MIXED)
			return 0;
		if (L->sec != SEC_BLOCKS || n - 4 != r->nr_types)
			return bad(L, err, "expected one pageblock count per type after "
				   "\"Number of blocks type\"");
		z = zone_get(r, node, name, true);
		z->has_pageblocks = true;
		for (unsigned i = 4; i < n; i++)
			if (parse_u64(tok[i], &z->pageblocks[i - 4]))
				return bad(L, err, "expected a pageblock count");
		return 0;
	default:
		return bad(L, err, "unexpected line");
	}
}

static int zoneinfo_line(struct loader *L, char **tok, unsigned n)
{
	struct fs_procfs_zone *z = L->zi;
	uint64_t *dst = NULL;

	if (!z || n != 2)
		return 0;
	if (!strcmp(tok[0], "spanned"))
		dst = &z->spanned;
	else if (!strcmp(tok[0], "present"))
		dst = &z->present;
	else if (!strcmp(tok[0], "managed"))
		dst = &z->managed;
	else if (!strcmp(tok[0], "start_pfn:"))
		dst = &z->start_pfn;
	if (dst && !parse_u64(tok[1], dst))
		z->has_geometry = true;
	return 0;
}

static int one_line(struct loader *L, char *line, size_t len, struct fs_err *err)
{
	char *tok[MAX_TOKENS];
	unsigned n;
	struct fs_procfs_rec *r;

	if (len >= 16 && !memcmp(line, "### capture_snap", 16)) {
		new_rec(L, line);
		return 0;
	}
	if (!L->r)
		new_rec(L, NULL);
	r = L->r;
	if (r->foreign)
		return 0;
	body_append(r, line, len);
	n = tokenize(line, tok);
	if (!n) {
		if (r->kind == FS_PROCFS_PAGETYPEINFO)
			L->sec = SEC_NONE;
		return 0;
	}
	if (!strcmp(tok[0], "Node"))
		return node_line(L, tok, n, err);
	if (n >= 4 && !strcmp(tok[0], "Page") && !strcmp(tok[1], "block") && !strcmp(tok[2], "order:")) {
		uint64_t v;

		if (r->kind != FS_PROCFS_UNKNOWN && r->kind != FS_PROCFS_PAGETYPEINFO)
			return bad(L, err, "\"Page block order:\" inside another kind of record");
		r->kind = FS_PROCFS_PAGETYPEINFO;
		if (parse_u64(tok[3], &v) || v > FS_ORDER_LIMIT)
			return bad(L, err, "expected a pageblock order");
		r->pageblock_order = (int)v;
		return 0;
	}
	if (r->kind == FS_PROCFS_PAGETYPEINFO) {
		if (n >= 3 && !strcmp(tok[0], "Free") && !strcmp(tok[1], "pages"))
			L->sec = SEC_FREE;
		else if (n >= 4 && !strcmp(tok[0], "Number") && !strcmp(tok[2], "blocks") &&
			 !strcmp(tok[3], "type")) {
			L->sec = SEC_BLOCKS;
			r->nr_types = 0;
			for (unsigned i = 4; i < n && r->nr_types < FS_PROCFS_MAX_TYPES; i++)
				snprintf(r->type_names[r->nr_types++], 16, "%s", tok[i]);
		} else if (n >= 3 && !strcmp(tok[0], "Number") && !strcmp(tok[2], "mixed"))
			L->sec = SEC_MIXED;
		return 0;
	}
	if (r->kind == FS_PROCFS_ZONEINFO)
		return zoneinfo_line(L, tok, n);
	if (r->kind == FS_PROCFS_UNKNOWN && r->header) {
		/* a capture's snapshot of another file (meminfo, vmstat): skipped */
		r->foreign = true;
		return 0;
	}
	if (r->kind == FS_PROCFS_UNKNOWN)
		return bad(L, err, "not a /proc buddyinfo, pagetypeinfo or zoneinfo file (nor a "
			   "debugfs extfrag file)");
	if (r->kind == FS_PROCFS_BUDDYINFO)
		return bad(L, err, "expected \"Node N, zone NAME COUNTS...\" in buddyinfo");
	return 0;
}

int fs_procfs_load(struct fs_procfs_file *f, const char *path, struct fs_err *err)
{
	struct loader L = { .f = f };
	struct fs_input in;
	char *line;
	size_t len;
	int rc;

	memset(f, 0, sizeof(*f));
	if ((rc = fs_input_open(&in, path, err)))
		return rc;
	f->path = fs_xstrdup(in.path);
	while ((rc = fs_input_getline(&in, &line, &len, err)) > 0) {
		L.line++;
		if (in.line_has_nul) {
			rc = bad(&L, err, "binary data in a text file");
			break;
		}
		if (len && line[len - 1] == '\r')
			line[--len] = 0;
		if ((rc = one_line(&L, line, len, err)))
			break;
	}
	fs_input_close(&in);
	if (!rc && !f->nr_recs)
		rc = fs_error(err, -EINVAL, "%s: empty file", f->path);
	if (rc < 0) {
		fs_procfs_release(f);
		return rc;
	}
	return 0;
}

void fs_procfs_release(struct fs_procfs_file *f)
{
	for (unsigned i = 0; i < f->nr_recs; i++) {
		free(f->recs[i].header);
		free(f->recs[i].body);
		free(f->recs[i].zones);
	}
	free(f->recs);
	free(f->path);
	memset(f, 0, sizeof(*f));
}

/* One debugfs extfrag file: a line per zone with the index per order. */
static void print_index(FILE *fp, const struct fs_procfs_rec *r,
			int (*index_of)(const struct fs_contig_info *, unsigned), const char *fmt)
{
	for (unsigned i = 0; i < r->nr_zones; i++) {
		const struct fs_procfs_zone *z = &r->zones[i];
		struct fs_contig_info info;

		if (!z->nr_orders)
			continue;
		fprintf(fp, "Node %d, zone %8s ", z->node, z->name);
		for (unsigned o = 0; o < z->nr_orders; o++) {
			int index;

			fs_contig_info(z->nr_free, z->nr_orders - 1, o, &info);
			index = index_of(&info, o);
			fprintf(fp, fmt, index / 1000, index % 1000);
		}
		fputc('\n', fp);
	}
}

/* unusable_show_print (mm/vmstat.c) */
void fs_procfs_print_unusable(FILE *fp, const struct fs_procfs_rec *r)
{
	print_index(fp, r, fs_unusable_index, "%d.%03d ");
}

/* extfrag_show_print (mm/vmstat.c): "%2d.%03d ", so -1000 is "-1.000" */
void fs_procfs_print_extfrag(FILE *fp, const struct fs_procfs_rec *r)
{
	print_index(fp, r, fs_fragmentation_index, "%2d.%03d ");
}

/* mm/compaction.c (6.1, 6.12): fragmentation_score_zone() =
 * extfrag_for_order(zone, COMPACTION_HPAGE_ORDER);
 * fragmentation_score_zone_weighted() = present * score / (node present + 1);
 * fragmentation_score_node() sums the populated zones. kcompactd works
 * proactively above wmark_high = min(max(100 - proactiveness, 5) + 10, 100)
 * (90 at the default compaction_proactiveness of 20) down to wmark_low (80). */
void fs_procfs_print_score(FILE *fp, const struct fs_procfs_rec *r,
			   const struct fs_procfs_rec *zi, unsigned order)
{
	int last_node = -1;

	for (unsigned i = 0; i < r->nr_zones; i++) {
		const struct fs_procfs_zone *z = &r->zones[i];
		struct fs_contig_info info;
		unsigned score;

		if (!z->nr_orders || z->node == last_node)
			continue;
		last_node = z->node;
		{
			uint64_t node_present = 0, node_score = 0;
			bool weighted = zi != NULL;

			if (zi) {
				bool any = false;

				for (unsigned k = 0; k < zi->nr_zones; k++)
					if (zi->zones[k].node == z->node) {
						node_present += zi->zones[k].present;
						any = true;
					}
				weighted = any;
			}
			for (unsigned j = i; j < r->nr_zones; j++) {
				const struct fs_procfs_zone *y = &r->zones[j];
				const struct fs_procfs_zone *g;

				if (y->node != z->node || !y->nr_orders)
					continue;
				fs_contig_info(y->nr_free, y->nr_orders - 1,
					       order < y->nr_orders ? order : y->nr_orders - 1, &info);
				score = fs_extfrag_for_order(&info, order < y->nr_orders ? order
									   : y->nr_orders - 1);
				fprintf(fp, "Node %d, zone %8s score %3u", y->node, y->name, score);
				g = weighted ? zone_get((struct fs_procfs_rec *)zi, y->node, y->name,
							false) : NULL;
				if (g && g->present) {
					uint64_t w = g->present * score / (node_present + 1);

					node_score += w;
					fprintf(fp, "  weighted %3" PRIu64 " (present %" PRIu64 " of %" PRIu64
						")", w, g->present, node_present);
				} else if (weighted) {
					fprintf(fp, "  (not in the zoneinfo: not counted)");
				}
				fputc('\n', fp);
			}
			if (weighted)
				fprintf(fp, "Node %d fragmentation score %" PRIu64 " (kcompactd's proactive "
					"compaction starts above 90 and stops at 80 with the default "
					"compaction_proactiveness 20)\n", z->node, node_score);
			else
				fprintf(fp, "Node %d fragmentation score: needs the zones' present pages; "
					"give a zoneinfo file too\n", z->node);
		}
	}
}

void fs_procfs_print_zones(FILE *fp, const struct fs_procfs_rec *r)
{
	fprintf(fp, "%-6s %-10s %12s %12s %12s %12s\n", "node", "zone", "start_pfn", "spanned",
		"present", "managed");
	for (unsigned i = 0; i < r->nr_zones; i++) {
		const struct fs_procfs_zone *z = &r->zones[i];

		fprintf(fp, "%-6d %-10s %#12" PRIx64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64 "\n",
			z->node, z->name, z->start_pfn, z->spanned, z->present, z->managed);
	}
}

/* The x86 legacy ISA hole, 640 KiB..1 MiB (arch/x86/include/asm/e820/types.h
 * ISA_START_ADDRESS 0xa0000 .. ISA_END_ADDRESS 0x100000), one page earlier
 * when the BIOS reserves the EBDA (e820 RAM ending at 0x9fc00, as on the
 * captures' VM): pfns 0x9f..0xff. */
#define ISA_HOLE_END_PFN 0x100
#define ISA_HOLE_MAX 0x61

int fs_procfs_layout(const char *path, struct fs_layout *l, struct fs_err *err)
{
	struct fs_procfs_file f;
	const struct fs_procfs_rec *r = NULL;
	unsigned nodes = 0;
	int last_node = -1, rc;

	if ((rc = fs_procfs_load(&f, path, err)))
		return rc;
	for (unsigned i = 0; i < f.nr_recs && !r; i++)
		if (f.recs[i].kind == FS_PROCFS_ZONEINFO)
			r = &f.recs[i];
	if (!r) {
		rc = fs_error(err, -EINVAL, "%s: no /proc/zoneinfo record in it", f.path);
		goto out;
	}
	fs_layout_single(l, 1);
	l->nr_zones = 0;
	for (unsigned i = 0; i < r->nr_zones; i++)
		if (r->zones[i].node != last_node) {
			last_node = r->zones[i].node;
			nodes++;
		}
	for (unsigned i = 0; i < r->nr_zones; i++) {
		const struct fs_procfs_zone *z = &r->zones[i];
		struct fs_zone_spec *s;
		uint64_t missing;

		if (!z->spanned || !z->present)
			continue;            /* empty zones (Movable, Device) */
		if (!z->has_geometry || z->present > z->spanned) {
			rc = fs_error(err, -EINVAL, "%s:%" PRIu64 ": zone %s lacks start_pfn/spanned/"
				      "present, or present > spanned", f.path, r->line, z->name);
			goto out;
		}
		if (l->nr_zones == FS_MAX_ZONES) {
			rc = fs_error(err, -E2BIG, "%s: more than %d populated zones", f.path,
				      FS_MAX_ZONES);
			goto out;
		}
		s = &l->zones[l->nr_zones++];
		{
			char name[48];

			if (nodes > 1)      /* zone names repeat per node */
				snprintf(name, sizeof(name), "N%d:%s", z->node, z->name);
			else
				snprintf(name, sizeof(name), "%s", z->name);
			snprintf(s->name, sizeof(s->name), "%.15s", name);
		}
		s->start_pfn = z->start_pfn;
		s->nr_pages = z->spanned;
		missing = z->spanned - z->present;
		if (!missing)
			continue;
		if (l->nr_holes == FS_ARRAY_SIZE(l->holes)) {
			rc = fs_error(err, -E2BIG, "%s: more than %zu zones with holes", f.path,
				      FS_ARRAY_SIZE(l->holes));
			goto out;
		}
		/* zoneinfo says how many pages are missing, not where: the ISA
		 * hole when the zone covers it and it can hold them all, else the
		 * zone's end (below 4 GiB that is the 32-bit MMIO hole) */
		if (missing <= ISA_HOLE_MAX && z->start_pfn <= ISA_HOLE_END_PFN - missing &&
		    z->start_pfn + z->spanned >= ISA_HOLE_END_PFN)
			l->holes[l->nr_holes].start_pfn = ISA_HOLE_END_PFN - missing;
		else
			l->holes[l->nr_holes].start_pfn = z->start_pfn + z->present;
		l->holes[l->nr_holes++].nr_pages = missing;
	}
	rc = fs_layout_validate(l, err);
	if (rc)
		fs_err_prefix(err, "%s: ", f.path);
out:
	fs_procfs_release(&f);
	return rc;
}
