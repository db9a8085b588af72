/* test_grouping_alloc.c - the grouping policies' slow path
 * (policies/grouping_alloc.c): alloc flags from gfp flags and the
 * HIGHATOMIC reserve, worked out from 6.12 and 4.19 mm/page_alloc.c
 * (gfp_to_alloc_flags, rmqueue_buddy, reserve_highatomic_pageblock,
 * unreserve_highatomic_pageblock) and reference section 2.7.
 *
 * Machine: one 256 MiB zone (65536 pages, 128 pageblocks of 512), per-CPU
 * lists and ALLOC_NOFRAGMENT off, min_free_kbytes=4096: min 1024 pages,
 * low 1024 + max(1024/4, 65536 * 10 / 10000) = 1280. The reserve limit is
 * ALIGN(65536 / 100, 512) = 1024 pages, two pageblocks. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../policies/grouping.h"
#include "gfp.h"
#include "test_util.h"

#define PAGES 65536
#define LOW 1280
#define MIN 1024

static uint64_t now, next_id = 1;

static bool alloc(struct fs_sim *s, unsigned order, const char *gfp, uint64_t *pfn)
{
	struct fs_event e = {
		.time_ns = now += 1000, .ident = next_id << 10, .kind = FS_EV_ALLOC,
		.order = (uint8_t)order, .flags = FS_EVF_HAS_GFP | FS_EVF_HAS_MT,
	};
	const struct fs_alloc *a;

	cr_assert_eq(fs_gfp_parse(gfp, strlen(gfp), &e.gfp), 0);
	e.mt = (uint8_t)fs_gfp_migratetype(e.gfp);
	next_id++;
	cr_assert_eq(fs_sim_apply(s, &e), 0);
	a = fs_alloctab_lookup(&s->at, e.ident);
	if (a && pfn)
		*pfn = s->m->base_pfn + a->pfn_idx;
	return a != NULL;
}

static struct fs_sim *machine(const char *gen, const char *extra)
{
	char spec[160];

	snprintf(spec, sizeof(spec), "%s:pcp=off,nofragment=off,min_free_kbytes=4096%s", gen, extra);
	return tu_sim(spec, PAGES, 10, 9);
}

/* Fill with movable pages until free_pages is `left`. */
static void fill_to(struct fs_sim *s, uint64_t left)
{
	while (s->m->zones[0].free_pages > left)
		cr_assert(alloc(s, 0, "GFP_HIGHUSER_MOVABLE", NULL));
	cr_assert_eq(s->m->zones[0].free_pages, left);
}

static uint64_t reserved(struct fs_sim *s)
{
	return G(s->pol)->nr_reserved_highatomic[0];
}

/* An order-2 GFP_ATOMIC request that fails the fast path (1283 - 3 <= low)
 * succeeds in the slow path and makes its pageblock HIGHATOMIC; the next
 * one is served from that block; a GFP_KERNEL request that would otherwise
 * fail gets the block back (should_reclaim_retry's forced unreserve). */
static void reserve_use_unreserve(const char *gen)
{
	struct fs_sim *s = machine(gen, "");
	struct fs_zone *z = &s->m->zones[0];
	uint64_t pfn, pfn2, n;

	fill_to(s, LOW + 3);
	cr_assert(alloc(s, 2, "GFP_ATOMIC|__GFP_NOWARN|__GFP_COMP", &pfn), "%s", gen);
	cr_assert_eq(fs_pb_type(s->m, pfn), FS_MT_HIGHATOMIC, "%s: the block is reserved", gen);
	cr_assert_eq(z->nr_pageblocks[FS_MT_HIGHATOMIC], 1);
	cr_assert_eq(reserved(s), 512);
	cr_assert(alloc(s, 2, "GFP_ATOMIC|__GFP_COMP", &pfn2));
	cr_assert_eq(fs_pb_idx(s->m, pfn2), fs_pb_idx(s->m, pfn), "%s: served from the reserve", gen);
	cr_assert_eq(reserved(s), 512, "a HIGHATOMIC block is not reserved again");
	/* GFP_KERNEL pages down to just above min: the last ones only fit
	 * once the reserve is given back */
	n = z->free_pages - MIN - 1;
	for (uint64_t i = 0; i < n; i++)
		cr_assert(alloc(s, 0, "GFP_KERNEL", NULL), "%s: GFP_KERNEL %llu of %llu failed", gen,
			  (unsigned long long)i, (unsigned long long)n);
	cr_assert_eq(z->nr_pageblocks[FS_MT_HIGHATOMIC], 0, "%s: unreserved under pressure", gen);
	cr_assert_eq(reserved(s), 0);
	cr_assert_eq(s->c.alloc_failures, 0);
	fs_sim_free(s);
}

Test(grouping_alloc, highatomic_6_15)
{
	reserve_use_unreserve("linux-6.15");
}

Test(grouping_alloc, highatomic_4_19)
{
	reserve_use_unreserve("linux-4.19");
}

/* Who gets a reserve: only high-order requests that cannot sleep, with
 * __GFP_HIGH on 6.3+ (GFP_NOWAIT has none), not with __GFP_NOMEMALLOC,
 * not on the fast path, not with highatomic=off, not before 4.4. */
Test(grouping_alloc, who_reserves)
{
	static const struct {
		const char *gen, *extra, *gfp;
		uint64_t left;
		unsigned order;
		bool reserves;
	} cases[] = {
		{ "linux-6.15", "", "GFP_ATOMIC", LOW + 3, 2, true },
		{ "linux-6.15", "", "GFP_ATOMIC", LOW + 100, 2, false },            /* fast path */
		{ "linux-6.15", "", "GFP_ATOMIC", LOW, 0, false },                  /* order 0 */
		{ "linux-6.15", "", "GFP_NOWAIT", LOW + 3, 2, false },              /* no __GFP_HIGH */
		{ "linux-6.15", "", "GFP_ATOMIC|__GFP_NOMEMALLOC", LOW + 3, 2, false },
		{ "linux-6.15", "", "GFP_KERNEL|__GFP_HIGH", LOW + 3, 2, false },   /* may sleep */
		{ "linux-6.15", ",highatomic=off", "GFP_ATOMIC", LOW + 3, 2, false },
		{ "linux-4.19", "", "GFP_NOWAIT", LOW + 3, 2, false },
		/* 3.10's MIGRATE_RESERVE blocks would count in the same slot */
		{ "linux-3.10", ",reserve=off", "GFP_ATOMIC", LOW + 3, 2, false },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fs_sim *s = machine(cases[i].gen, cases[i].extra);
		uint64_t pfn;

		fill_to(s, cases[i].left);
		cr_assert(alloc(s, cases[i].order, cases[i].gfp, &pfn), "case %u", i);
		cr_assert_eq(s->m->zones[0].nr_pageblocks[FS_MT_HIGHATOMIC], cases[i].reserves,
			     "case %u: %s %s order %u", i, cases[i].gen, cases[i].gfp, cases[i].order);
		fs_sim_free(s);
	}
}

/* __GFP_DMA32 requests stop at DMA32 (gfp_zone) on the default machine. */
Test(grouping_alloc, gfp_zone)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };
	uint64_t pfn;

	fs_layout_default(&l);
	cr_assert_eq(fs_sim_new(&s, &l, "linux-6.15", FS_PLACE_POLICY, &err), 0, "%s", err.msg);

	cr_assert(alloc(s, 0, "GFP_KERNEL|GFP_DMA32", &pfn));
	cr_assert_str_eq(fs_machine_zone_of(s->m, pfn)->name, "DMA32");
	cr_assert(alloc(s, 0, "GFP_KERNEL|GFP_DMA", &pfn));
	cr_assert_str_eq(fs_machine_zone_of(s->m, pfn)->name, "DMA");
	cr_assert(alloc(s, 0, "GFP_KERNEL", &pfn));
	cr_assert_str_eq(fs_machine_zone_of(s->m, pfn)->name, "Normal");
	fs_sim_free(s);
}

/* ---- the watermark boost in the watermark tests (5.0+) ---------------------------------------- */

/* wmark_pages() = _watermark[i] + watermark_boost (5.0 mmzone.h,
 * 1c30844d2dfe): while a boost lasts, a movable order-0 request with
 * LOW + 100 free fails the fast path (LOW + 512) and the slow path
 * (MIN + 512) on 4.19's and 6.12's watermark tests alike, and passes once
 * the boost is gone. */
Test(grouping_alloc, watermarks_include_the_boost)
{
	static const char *const gens[] = { "linux-5.0", "linux-6.15" };

	for (unsigned i = 0; i < 2; i++) {
		struct fs_sim *s = machine(gens[i], "");

		fill_to(s, LOW + 100);
		s->m->zones[0].watermark_boost = 512;
		cr_assert_not(alloc(s, 0, "GFP_HIGHUSER_MOVABLE", NULL), "%s: boosted min", gens[i]);
		s->m->zones[0].watermark_boost = 0;
		cr_assert(alloc(s, 0, "GFP_HIGHUSER_MOVABLE", NULL), "%s: unboosted low", gens[i]);
		fs_sim_free(s);
	}
}

/* The exception zone_watermark_fast gained after 5.0 (Charan Teja Reddy,
 * "ignore boost for GFP_ATOMIC order-0", 2020; 6.3+ keyed on
 * ALLOC_MIN_RESERVE): an order-0 __GFP_HIGH request that fails the
 * boosted min is tested again against the unboosted min. With MIN + 100
 * free and a boost of 2048, GFP_ATOMIC's min is 3072 - 1536 - 384 = 1152
 * boosted and 1024 - 512 - 128 = 384 without: 6.15 allocates, 5.0 (no
 * exception) fails, and passes without the boost. */
Test(grouping_alloc, atomic_order0_ignores_the_boost_at_min_from_6_x)
{
	struct fs_sim *s = machine("linux-6.15", "");

	fill_to(s, MIN + 100);
	s->m->zones[0].watermark_boost = 2048;
	cr_assert(alloc(s, 0, "GFP_ATOMIC", NULL), "6.15: the unboosted min");
	fs_sim_free(s);
	s = machine("linux-5.0", "");
	fill_to(s, MIN + 100);
	s->m->zones[0].watermark_boost = 2048;
	cr_assert_not(alloc(s, 0, "GFP_ATOMIC", NULL), "5.0: the boosted min");
	s->m->zones[0].watermark_boost = 0;
	cr_assert(alloc(s, 0, "GFP_ATOMIC", NULL), "5.0 without the boost");
	fs_sim_free(s);
}
