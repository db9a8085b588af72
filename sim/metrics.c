/* metrics.c - the kernel's fragmentation metrics, computed from per-zone
 * nr_free[] counters only: O(orders) per zone, never a walk of pages.
 *
 * Formulas from mm/vmstat.c (3.10 .. 6.12): fill_contig_page_info,
 * __fragmentation_index, unusable_free_index; mm/compaction.c (6.x):
 * extfrag_for_order. All in the kernel's integer arithmetic. */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

void fs_contig_info(const uint64_t *nr_free, unsigned max_order, unsigned order,
		    struct fs_contig_info *info)
{
	memset(info, 0, sizeof(*info));
	for (unsigned o = 0; o <= max_order; o++) {
		uint64_t blocks = nr_free[o];

		info->free_blocks_total += blocks;
		info->free_pages += blocks << o;
		if (o >= order)
			info->free_blocks_suitable += blocks << (o - order);
	}
}

/* __fragmentation_index(): 0 when nothing is free, -1000 when a block of
 * the order exists (the index does not apply), else
 * 1000 - (1000 + free_pages * 1000 / 2^order) / free_blocks_total. */
int fs_fragmentation_index(const struct fs_contig_info *info, unsigned order)
{
	uint64_t requested = 1ull << order;

	if (!info->free_blocks_total)
		return 0;
	if (info->free_blocks_suitable)
		return -1000;
	return (int)(1000 - (int64_t)((1000 + info->free_pages * 1000 / requested) /
				      info->free_blocks_total));
}

/* unusable_free_index(): the share of free memory in blocks too small for
 * the order, 1000 when nothing is free. */
int fs_unusable_index(const struct fs_contig_info *info, unsigned order)
{
	if (!info->free_pages)
		return 1000;
	return (int)(((info->free_pages - (info->free_blocks_suitable << order)) * 1000) /
		     info->free_pages);
}

/* extfrag_for_order() (6.x): the same ratio in percent, 0 when nothing is free. */
unsigned fs_extfrag_for_order(const struct fs_contig_info *info, unsigned order)
{
	if (!info->free_pages)
		return 0;
	return (unsigned)(((info->free_pages - (info->free_blocks_suitable << order)) * 100) /
			  info->free_pages);
}

void fs_metrics_nr_free_all(const struct fs_machine *m, uint64_t *nr_free)
{
	memset(nr_free, 0, sizeof(uint64_t) * FS_NR_ORDERS);
	for (unsigned i = 0; i < m->nr_zones; i++)
		for (unsigned o = 0; o <= m->max_order; o++)
			nr_free[o] += m->zones[i].nr_free[o];
}

/* Pageblocks entirely free: each free block of order >= pageblock_order
 * covers 2^(order - pageblock_order) of them. Free buddies below that order
 * always merge, so no free pageblock is made of smaller blocks. */
uint64_t fs_metrics_free_pageblocks(const uint64_t *nr_free, unsigned max_order,
				    unsigned pageblock_order)
{
	uint64_t n = 0;

	for (unsigned o = pageblock_order; o <= max_order; o++)
		n += nr_free[o] << (o - pageblock_order);
	return n;
}

int fs_metrics_largest_order(const uint64_t *nr_free, unsigned max_order)
{
	for (int o = (int)max_order; o >= 0; o--)
		if (nr_free[o])
			return o;
	return -1;
}

void fs_metrics_stat_cols(struct fs_stat_cols *cols, struct fs_sim *const *sims, unsigned n)
{
	cols->n = 0;
	for (unsigned i = 0; i < n; i++) {
		const struct fs_policy_stat *st = sims[i]->pol->ops->stats;

		for (; st && st->name; st++) {
			unsigned c;

			for (c = 0; c < cols->n && strcmp(cols->name[c], st->name); c++)
				;
			if (c == cols->n && c < FS_MAX_STAT_COLS) {
				cols->name[c] = st->name;
				cols->doc[c] = st->doc;
				cols->n++;
			}
		}
	}
}

unsigned fs_metrics_policy_stats(const struct fs_sim *s, int zone, uint64_t *vals)
{
	const struct fs_policy_ops *ops = s->pol->ops;
	unsigned n = 0;

	if (!ops->stats || !ops->get_stats)
		return 0;
	while (ops->stats[n].name && n < FS_MAX_POLICY_STATS)
		n++;
	memset(vals, 0, n * sizeof(*vals));
	ops->get_stats(s->pol, zone, vals);
	return n;
}

void fs_metrics_csv_header(FILE *fp, unsigned max_order, const struct fs_stat_cols *cols)
{
	fputs("time_s,events,zone,policy,free_pages", fp);
	for (unsigned o = 0; o <= max_order; o++)
		fprintf(fp, ",free_blocks_%u", o);
	for (unsigned o = 0; o <= max_order; o++)
		fprintf(fp, ",unusable_%u", o);
	for (unsigned o = 0; o <= max_order; o++)
		fprintf(fp, ",fragindex_%u", o);
	fputs(",largest_free_order,free_pageblocks", fp);
	for (unsigned t = 0; t < FS_CSV_PB_TYPES; t++)
		fprintf(fp, ",pageblocks_%s", fs_mt_name(t));
	fputs(",mixed_pageblocks,extfrag_events,fragmenting_events,change_ownership,pcp_pages", fp);
	fputs(",watermark_boosts,reclaim_requested", fp);
#define FS_X(name, pz, doc) if (pz) fputs("," #name, fp);
	FS_COUNTERS(FS_X)
#undef FS_X
	for (unsigned c = 0; cols && c < cols->n; c++)
		fprintf(fp, ",%s", cols->name[c]);
	fputc('\n', fp);
}

/* Index values as debugfs prints them ("%d.%03d"), exactly. */
static void put_index(FILE *fp, int v)
{
	if (v < 0)
		fprintf(fp, ",-%d.%03d", -v / 1000, -v % 1000);
	else
		fprintf(fp, ",%d.%03d", v / 1000, v % 1000);
}

static void stat_cells(FILE *fp, const struct fs_sim *s, int zone, const struct fs_stat_cols *cols)
{
	uint64_t vals[FS_MAX_POLICY_STATS];
	unsigned n;

	if (!cols || !cols->n)
		return;
	n = fs_metrics_policy_stats(s, zone, vals);
	for (unsigned c = 0; c < cols->n; c++) {
		unsigned k;

		for (k = 0; k < n && strcmp(s->pol->ops->stats[k].name, cols->name[c]); k++)
			;
		if (k < n)
			fprintf(fp, ",%" PRIu64, vals[k]);
		else
			fputc(',', fp);
	}
}

static void csv_row(FILE *fp, const struct fs_sim *s, uint64_t time_ns, uint64_t events,
		    const char *zone, const struct fs_zone *zv, const struct fs_counters *c,
		    int zidx, const struct fs_stat_cols *cols)
{
	const uint64_t *nr_free = zv->nr_free;
	const struct fs_machine *m = s->m;
	struct fs_contig_info info;

	fs_contig_info(nr_free, m->max_order, 0, &info);
	fprintf(fp, "%" PRIu64 ".%06" PRIu64 ",%" PRIu64 ",%s,", (uint64_t)(time_ns / 1000000000u),
		(uint64_t)(time_ns % 1000000000u / 1000u), events, zone);
	/* a policy spec with several tunables has commas: quote it (RFC 4180) */
	fprintf(fp, strchr(s->pol->label, ',') ? "\"%s\"" : "%s", s->pol->label);
	fprintf(fp, ",%" PRIu64, info.free_pages);
	for (unsigned o = 0; o <= m->max_order; o++)
		fprintf(fp, ",%" PRIu64, nr_free[o]);
	for (unsigned o = 0; o <= m->max_order; o++) {
		fs_contig_info(nr_free, m->max_order, o, &info);
		put_index(fp, fs_unusable_index(&info, o));
	}
	for (unsigned o = 0; o <= m->max_order; o++) {
		fs_contig_info(nr_free, m->max_order, o, &info);
		put_index(fp, fs_fragmentation_index(&info, o));
	}
	fprintf(fp, ",%d,%" PRIu64, fs_metrics_largest_order(nr_free, m->max_order),
		fs_metrics_free_pageblocks(nr_free, m->max_order, m->pageblock_order));
	for (unsigned t = 0; t < FS_CSV_PB_TYPES; t++)
		fprintf(fp, ",%" PRIu64, zv->nr_pageblocks[t]);
	fprintf(fp, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, zv->mixed_pageblocks,
		zv->extfrag.events, zv->extfrag.fragmenting, zv->extfrag.change_ownership,
		zv->pcp_pages);
	fprintf(fp, ",%" PRIu64 ",%" PRIu64, zv->boosts, zv->reclaim_requested);
#define FS_X(name, pz, doc)                                  \
	if (pz == 1 || (pz == 2 && zidx < 0))                \
		fprintf(fp, ",%" PRIu64, c->name);           \
	else if (pz == 2)                                    \
		fputc(',', fp);
	FS_COUNTERS(FS_X)
#undef FS_X
	stat_cells(fp, s, zidx, cols);
	fputc('\n', fp);
}

/* The zone=all view: counters of every zone summed. */
void fs_metrics_zone_all(const struct fs_machine *m, struct fs_zone *all)
{
	memset(all, 0, sizeof(*all));
	for (unsigned i = 0; i < m->nr_zones; i++) {
		const struct fs_zone *z = &m->zones[i];

		for (unsigned o = 0; o <= m->max_order; o++)
			all->nr_free[o] += z->nr_free[o];
		all->free_pages += z->free_pages;
		for (unsigned t = 0; t < FS_MT_NR; t++) {
			all->nr_pageblocks[t] += z->nr_pageblocks[t];
			for (unsigned f = 0; f < FS_MT_NR; f++)
				all->extfrag.by_type[t][f] += z->extfrag.by_type[t][f];
		}
		all->mixed_pageblocks += z->mixed_pageblocks;
		all->pcp_pages += z->pcp_pages;
		all->boosts += z->boosts;
		all->reclaim_requested += z->reclaim_requested;
		all->extfrag.events += z->extfrag.events;
		all->extfrag.fragmenting += z->extfrag.fragmenting;
		all->extfrag.change_ownership += z->extfrag.change_ownership;
	}
}

void fs_metrics_csv_rows(FILE *fp, const struct fs_sim *s, uint64_t time_ns, uint64_t events,
			 const struct fs_stat_cols *cols)
{
	struct fs_zone all;

	for (unsigned i = 0; i < s->m->nr_zones; i++)
		csv_row(fp, s, time_ns, events, s->m->zones[i].name, &s->m->zones[i], &s->zc[i],
			(int)i, cols);
	fs_metrics_zone_all(s->m, &all);
	csv_row(fp, s, time_ns, events, "all", &all, &s->c, -1, cols);
}
