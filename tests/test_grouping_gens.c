/* test_grouping_gens.c - the generation rules test_grouping.c does not
 * cover: linux-5.0 (ALLOC_NOFRAGMENT and watermark boosting on 4.19's
 * fallback), pinned on small constructed states.
 *
 * Expected values come from the kernel source, never from the policy's
 * output:
 *   5.0  mm/page_alloc.c of 5.0 as the fragmentation-avoidance series
 *        left it (039531d219fb "spread allocations across zones before
 *        introducing fragmentation", 9bcadc70ec1c "reclaim small amounts
 *        of memory when an external fragmentation event occurs",
 *        0a79cdad5eb2 / a274182f2638 for alloc_flags_nofragment):
 *        __rmqueue_fallback (min_order = pageblock_order under
 *        ALLOC_NOFRAGMENT, whatever the order), steal_suitable_fallback
 *        (boost_watermark before the whole_block test), __rmqueue's
 *        "goto retry";
 *   4.19 0x88888888/Linux-4.19 for the same functions without the series.
 *
 * Machines as in test_grouping.c: max_order 5, pageblock_order 4 (16-page
 * pageblocks), built with exact placement (identity = pfn). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../policies/grouping.h"
#include "fragsim.h"
#include "gfp.h"
#include "policy.h"
#include "test_util.h"

#define UNM FS_MT_UNMOVABLE
#define MOV FS_MT_MOVABLE
#define REC FS_MT_RECLAIMABLE

static const char *cur = "";

#define apply(s, kind, ident, order, mt) tu_apply_mt(s, kind, ident, order, mt, cur)

#define ID(n) ((uint64_t)(n) << 24)

/* an allocation placed exactly at pfn (identity = pfn) */
#define at(s, pfn, order, mt) tu_at(s, pfn, order, mt, cur)

/* the policy places a request; its pfn, or NONE when it failed */
#define FAILED UINT64_MAX
static uint64_t pol(struct fs_sim *s, uint64_t id, unsigned order, unsigned mt)
{
	const struct fs_alloc *a;

	s->placement = FS_PLACE_POLICY;
	apply(s, FS_EV_ALLOC, id, order, mt);
	a = fs_alloctab_lookup(&s->at, id);
	return a ? s->m->base_pfn + a->pfn_idx : FAILED;
}

#define PFN(got, want)                                                                    \
	cr_assert_eq(got, (uint64_t)(want), "%s (line %d): placed at pfn %lld, want %lld", cur, \
		     __LINE__, (long long)(got), (long long)(want))
#define PB(s, pfn, type)                                                                    \
	cr_assert_eq(fs_pb_type((s)->m, pfn), (unsigned)(type),                             \
		     "%s (line %d): pageblock of pfn %d is %s, want %s", cur, __LINE__, (int)(pfn), \
		     fs_mt_name(fs_pb_type((s)->m, pfn)), fs_mt_name(type))

/* one zone of `pages` under spec (debug checks on) */
static struct fs_sim *one_zone(const char *spec, uint64_t pages, unsigned max_order, unsigned pbo)
{
	struct fs_sim *s = tu_sim(spec, pages, max_order, pbo);

	cur = spec;
	s->debug_check = 1;
	return s;
}

/* DMA32 (pfns 0-127) and Normal (128-255), as test_grouping.c's two_zones */
static struct fs_sim *two_zones(const char *spec)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };

	cur = spec;
	tu_layout_two(&l, 128, 5, 4);
	cr_assert_eq(fs_sim_new(&s, &l, spec, FS_PLACE_POLICY, &err), 0, "%s", err.msg);
	s->debug_check = 1;
	return s;
}

/* ---- linux-5.0 ---------------------------------------------------------------- */

/* DMA32 keeps free UNMOVABLE order-2 and order-3 blocks (pageblock 0,
 * UNMOVABLE, with 0-3 allocated), Normal only MOVABLE blocks with free
 * order-2/3 pieces in pageblock 128. An UNMOVABLE order-0 request prefers
 * Normal:
 *   4.19: no ALLOC_NOFRAGMENT, Normal's __rmqueue_fallback takes the
 *         largest MOVABLE piece (order 3 at 136; UNMOVABLE may steal) and
 *         the request lands in Normal's pageblock 128;
 *   5.0:  the first pass runs with ALLOC_NOFRAGMENT (alloc_flags_nofragment:
 *         the preferred zone is ZONE_NORMAL), so the fallback looks only at
 *         orders >= pageblock_order, finds none in Normal, and DMA32 serves
 *         the request from its own UNMOVABLE list (order 2 at 4, the
 *         smallest): pfn 4;
 *   5.0 with nofragment=off (5.0.0 as released, where 0a79cdad5eb2 had
 *         dropped the flag): as 4.19. */
static struct fs_sim *spill_state(const char *spec)
{
	struct fs_sim *s = two_zones(spec);

	at(s, 0, 2, UNM);
	at(s, 16, 4, MOV);
	tu_retype(s, 0, UNM);            /* 4 (order 2) and 8 (order 3) on the UNMOVABLE lists */
	at(s, 32, 5, MOV);
	at(s, 64, 5, MOV);
	at(s, 96, 5, MOV);
	at(s, 128, 2, MOV);           /* Normal: 132 (order 2) and 136 (order 3) free */
	at(s, 144, 4, MOV);
	at(s, 160, 5, MOV);
	at(s, 192, 5, MOV);
	at(s, 224, 5, MOV);
	return s;
}

Test(grouping_5_0, nofragment_spills_to_dma32)
{
	struct fs_sim *s = spill_state("linux-5.0:watermarks=off,pcp=off");
	uint64_t pfn = pol(s, ID(1), 0, UNM);

	PFN(pfn, 4);
	PB(s, 128, MOV);
	fs_sim_free(s);

	s = spill_state("linux-5.0:watermarks=off,pcp=off,nofragment=off");
	pfn = pol(s, ID(1), 0, UNM);
	cr_assert(pfn >= 128 && pfn < 144, "%s: placed at %llu, want Normal's pageblock 128", cur,
		  (unsigned long long)pfn);
	fs_sim_free(s);

	s = spill_state("linux-4.19:watermarks=off,pcp=off");
	pfn = pol(s, ID(1), 0, UNM);
	cr_assert(pfn >= 128 && pfn < 144, "%s: placed at %llu, want Normal's pageblock 128", cur,
		  (unsigned long long)pfn);
	fs_sim_free(s);
}

/* alloc_flags_nofragment looks at the *preferred* zone: a __GFP_DMA32
 * request (highest usable zone DMA32) runs without ALLOC_NOFRAGMENT even
 * on a machine with Normal. DMA (0-127) keeps free UNMOVABLE blocks, DMA32
 * (128-255) only a MOVABLE order-3 at 136, Normal (256-383) is full. The
 * UNMOVABLE order-0 request steals in DMA32 (136); were the flag set, the
 * first pass would refuse DMA32's partial block and take DMA's pfn 4. */
Test(grouping_5_0, nofragment_only_for_normal_preferred)
{
	static const char *const names[3] = { "DMA", "DMA32", "Normal" };
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };
	struct fs_event e = {
		.time_ns = 1, .ident = ID(7), .kind = FS_EV_ALLOC, .order = 0, .mt = UNM,
		.flags = FS_EVF_HAS_MT | FS_EVF_HAS_GFP, .gfp = FS_GFP_DMA32 | FS_GFP_DIRECT_RECLAIM,
	};
	const struct fs_alloc *a;

	cur = "linux-5.0 three zones";
	memset(&l, 0, sizeof(l));
	l.nr_zones = 3;
	for (unsigned i = 0; i < 3; i++) {
		strcpy(l.zones[i].name, names[i]);
		l.zones[i].start_pfn = 128 * i;
		l.zones[i].nr_pages = 128;
	}
	l.max_order = 5;
	l.pageblock_order = 4;
	cr_assert_eq(fs_sim_new(&s, &l, "linux-5.0:watermarks=off,pcp=off", FS_PLACE_POLICY, &err), 0,
		     "%s", err.msg);
	s->debug_check = 1;
	at(s, 0, 2, UNM);
	at(s, 16, 4, MOV);
	tu_retype(s, 0, UNM);
	for (uint64_t pfn = 32; pfn < 128; pfn += 32)
		at(s, pfn, 5, MOV);
	at(s, 128, 3, MOV);
	at(s, 144, 4, MOV);
	for (uint64_t pfn = 160; pfn < 384; pfn += 32)
		at(s, pfn, 5, MOV);
	s->placement = FS_PLACE_POLICY;
	cr_assert_eq(fs_sim_apply(s, &e), 0);
	a = fs_alloctab_lookup(&s->at, ID(7));
	cr_assert_not_null(a, "%s: the DMA32 request failed", cur);
	PFN(s->m->base_pfn + a->pfn_idx, 136);
	cr_assert_eq(s->m->zones[1].extfrag.fragmenting, 1);
	fs_sim_free(s);
}

/* 5.0 __rmqueue_fallback: "if (alloc_flags & ALLOC_NOFRAGMENT) min_order =
 * pageblock_order;" with no test of the requested order (6.1 added
 * "order < pageblock_order"). An UNMOVABLE order-5 request (above
 * pageblock_order 4) in a Normal zone whose only free memory is the
 * MOVABLE pageblock at 144: the NOFRAGMENT pass looks down to order 4,
 * finds it, and steal_suitable_fallback takes ownership of it
 * (current_order >= pageblock_order: change_pageblock_range); __rmqueue
 * retries __rmqueue_smallest(order 5), which fails, the fallback finds
 * nothing more, and the walk goes on to DMA32's UNMOVABLE order-5 block
 * at 32. Pageblock 144 stays UNMOVABLE. 6.15 (min_order = order) never
 * looks at order 4 on that pass: 144 stays MOVABLE. */
static struct fs_sim *big_request_state(const char *spec)
{
	struct fs_sim *s = two_zones(spec);

	at(s, 0, 5, UNM);             /* DMA32: 32-63 free, retyped UNMOVABLE below */
	at(s, 64, 5, MOV);
	at(s, 96, 5, MOV);
	at(s, 128, 4, MOV);           /* Normal: only 144-159 free */
	at(s, 160, 5, MOV);
	at(s, 192, 5, MOV);
	at(s, 224, 5, MOV);
	fs_pb_set_range(s->m, 32, 5, UNM);
	fs_buddy_del(s->m, &s->m->zones[0], 32);
	fs_buddy_add(s->m, &s->m->zones[0], 32, 5, UNM, false);
	return s;
}

Test(grouping_5_0, nofragment_min_order_ignores_request_order)
{
	struct fs_sim *s = big_request_state("linux-5.0:watermarks=off,pcp=off");

	PFN(pol(s, ID(1), 5, UNM), 32);
	PB(s, 144, UNM);
	cr_assert_eq(s->m->zones[1].extfrag.events, 1, "%s: the order-4 block was not taken", cur);
	fs_sim_free(s);

	s = big_request_state("linux-6.15:watermarks=off,pcp=off");
	PFN(pol(s, ID(1), 5, UNM), 32);
	PB(s, 144, MOV);
	cr_assert_eq(s->m->zones[1].extfrag.events, 0);
	fs_sim_free(s);
}

/* steal_suitable_fallback (5.0): boost_watermark for a fallback block below
 * pageblock_order, whether or not the whole block may be stolen (a MOVABLE
 * request of order 0 may not: can_steal_fallback is false), never for one
 * of pageblock_order or more; 4.19 does not boost. One zone of 8
 * pageblocks (>= 4, so boost_watermark does not skip it). */
Test(grouping_5_0, boost_on_partial_fallbacks_only)
{
	static const char *const specs[] = { "linux-5.0:watermarks=off,pcp=off,nofragment=off",
					     "linux-4.19:watermarks=off,pcp=off" };

	for (unsigned i = 0; i < 2; i++) {
		struct fs_sim *s = one_zone(specs[i], 128, 5, 4);
		struct fs_zone *z = &s->m->zones[0];

		/* pageblock-sized fallback: UNMOVABLE takes the MOVABLE order-5 at 0 */
		pol(s, ID(1), 0, UNM);
		cr_assert_eq(z->extfrag.events, 1);
		cr_assert_eq(z->boosts, 0, "%s: boosted on a whole-block fallback", cur);
		/* leave only orders 0 (1) and 1 (2) free in the UNMOVABLE
		 * blocks, fill the MOVABLE ones: a MOVABLE request falls back
		 * to a partial block it may not steal whole (order 1 <
		 * pageblock_order/2), taking the smallest (pfn 1) */
		at(s, 4, 2, UNM);
		at(s, 8, 3, UNM);
		at(s, 16, 4, UNM);
		at(s, 32, 5, MOV);
		at(s, 64, 5, MOV);
		at(s, 96, 5, MOV);
		PFN(pol(s, ID(2), 0, MOV), 1);
		PB(s, 0, UNM);
		cr_assert_eq(z->extfrag.events, 2);
		cr_assert_eq(z->extfrag.fragmenting, 1);
		cr_assert_eq(z->boosts, i == 0 ? 1u : 0u, "%s: %llu boosts", cur,
			     (unsigned long long)z->boosts);
		cr_assert_eq(z->reclaim_requested, i == 0 ? 16u : 0u, "%s: reclaim requested %llu", cur,
			     (unsigned long long)z->reclaim_requested);
		/* the boost stays in the zone's watermarks, kswapd to wake */
		cr_assert_eq(z->watermark_boost, i == 0 ? 16u : 0u, "%s", cur);
		cr_assert_eq(z->boosted_watermark, i == 0, "%s", cur);
		/* a replay has no LRU memory: kswapd's pass before the next
		 * event reclaims nothing and still takes the boost away
		 * (balance_pgdat's out: whatever the reclaim achieved) */
		fs_sim_tick(s, UINT64_MAX / 2);
		cr_assert_eq(z->watermark_boost, 0, "%s", cur);
		cr_assert_not(z->boosted_watermark, "%s", cur);
		cr_assert_eq(s->c.reclaimed_pages, 0, "%s", cur);
		fs_sim_free(s);
	}
}

/* boost_watermark (5.0): boosts add up while kswapd has not run, a
 * pageblock each, up to max(pageblock_nr_pages, _watermark[WMARK_HIGH] *
 * factor / 10000), the unboosted high; a factor whose cap rounds to 0
 * boosts nothing ("high watermark may be uninitialised", 5.0-rc). */
Test(grouping_5_0, boosts_accumulate_to_the_cap)
{
	struct fs_sim *s = one_zone("linux-5.0:watermarks=off,pcp=off", 128, 5, 4);
	struct fs_zone *z = &s->m->zones[0];
	uint64_t high = G(s->pol)->wz[0].wm.high, cap = high * 15000 / 10000;

	cr_assert_gt(cap, 16, "the cap is above a pageblock (high %llu)", (unsigned long long)high);
	for (unsigned k = 1; k <= 64; k++) {
		uint64_t before = z->watermark_boost;

		G(s->pol)->boost_factor = 15000;
		fs_grp_boost(s->pol, z);
		cr_assert_eq(z->watermark_boost, before + 16 < cap ? before + 16 : cap, "boost %u", k);
		cr_assert_eq(z->reclaim_requested, z->watermark_boost, "requested: the increments");
	}
	cr_assert_eq(z->watermark_boost, cap);
	fs_sim_tick(s, 1);
	cr_assert_eq(z->watermark_boost, 0);
	G(s->pol)->boost_factor = 1;     /* high * 1 / 10000 = 0 */
	fs_grp_boost(s->pol, z);
	cr_assert_eq(z->watermark_boost, 0);
	cr_assert_not(z->boosted_watermark);
	fs_sim_free(s);
}

/* the tunables' defaults name 5.0 as where ALLOC_NOFRAGMENT and boosting
 * start, and linux-5.0 is listed */
Test(grouping_5_0, registered_with_gen_defaults)
{
	const struct fs_policy_ops *ops = fs_policy_find("linux-5.0", strlen("linux-5.0"));

	cr_assert_not_null(ops);
	for (const struct fs_tunable *t = ops->tunables; t->name; t++)
		if (!strcmp(t->name, "nofragment") || !strcmp(t->name, "boost"))
			cr_assert(strstr(t->doc, "5.0"), "%s: %s", t->name, t->doc);
}

/* ---- MIGRATE_RESERVE (2.6.24, 3.10) ------------------------------------------ */

/* setup_zone_migrate_reserve: reserve = roundup(min_wmark_pages,
 * pageblock_nr_pages) >> pageblock_order. min_free_kbytes=256 on one zone
 * of 128 pages: min = 64 pages, 4 pageblocks of 16; 2.6.24 reserves all 4
 * (no cap), 3.10 min(2, 4) = 2, from the zone start. The boot blocks are
 * order 5 (two pageblocks each): move_freepages_block moves a whole one
 * to the RESERVE lists. */
#define RSV_SPEC(gen, extra) gen ":watermarks=off,pcp=off,thp=off,min_free_kbytes=256" extra

Test(migrate_reserve, setup_at_boot)
{
	struct fs_sim *s = one_zone(RSV_SPEC("linux-2.6.24", ""), 128, 5, 4);
	struct fs_zone *z = &s->m->zones[0];

	cr_assert_eq(z->nr_pageblocks[FS_MT_RESERVE], 4, "%s: %llu reserve blocks", cur,
		     (unsigned long long)z->nr_pageblocks[FS_MT_RESERVE]);
	for (uint64_t pfn = 0; pfn < 64; pfn += 16)
		PB(s, pfn, FS_MT_RESERVE);
	PB(s, 64, MOV);
	cr_assert_eq(z->lists[5][FS_MT_RESERVE].count, 2);
	cr_assert_eq(z->lists[5][MOV].count, 2);
	fs_sim_free(s);

	s = one_zone(RSV_SPEC("linux-3.10", ""), 128, 5, 4);
	z = &s->m->zones[0];
	cr_assert_eq(z->nr_pageblocks[FS_MT_RESERVE], 2);
	PB(s, 0, FS_MT_RESERVE);
	PB(s, 16, FS_MT_RESERVE);
	PB(s, 32, MOV);
	cr_assert_eq(z->lists[5][FS_MT_RESERVE].count, 1);
	cr_assert_eq(z->lists[5][MOV].count, 3);
	fs_sim_free(s);

	/* reserve=off, and later generations, have none */
	s = one_zone(RSV_SPEC("linux-3.10", ",reserve=off"), 128, 5, 4);
	cr_assert_eq(s->m->zones[0].nr_pageblocks[FS_MT_RESERVE], 0);
	fs_sim_free(s);
	cr_assert_null(tu_try_sim("linux-4.19:reserve=on", 128, 5, 4));
}

/* The reserve is the last resort: __rmqueue_fallback's rows end at
 * MIGRATE_RESERVE (3.10 breaks there, 2.6.24 skips it), so an UNMOVABLE
 * request claims the MOVABLE order-5 block at 32 although the reserve's
 * order-5 block at 0 heads the largest list; only when the requested
 * type and every fallback type are empty does __rmqueue retry
 * __rmqueue_smallest(MIGRATE_RESERVE): the head of the RESERVE order-5
 * list (0), remainders 1, 2, 4, 8, 16 on the RESERVE lists (expand with
 * the RESERVE type), no extfrag event. Freed, the page goes back to the
 * reserve lists (its pageblock's type) and merges to order 5 again.
 * Without the reserve the request fails. */
static void reserve_last_resort(const char *spec, bool reserve)
{
	struct fs_sim *s = one_zone(spec, 128, 5, 4);
	struct fs_zone *z = &s->m->zones[0];
	uint64_t pfn = pol(s, ID(1), 0, UNM);

	if (!reserve) {
		PFN(pfn, 0);               /* the largest MOVABLE block, at 0 */
		fs_sim_free(s);
		return;
	}
	PFN(pfn, 32);
	PB(s, 0, FS_MT_RESERVE);
	PB(s, 32, UNM);
	cr_assert_eq(z->extfrag.events, 1);
	/* everything but the reserve allocated */
	at(s, 33, 0, UNM);
	at(s, 34, 1, UNM);
	at(s, 36, 2, UNM);
	at(s, 40, 3, UNM);
	at(s, 48, 4, UNM);
	at(s, 64, 5, MOV);
	at(s, 96, 5, MOV);
	pfn = pol(s, ID(2), 0, REC);
	PFN(pfn, 0);
	cr_assert_eq(z->extfrag.events, 1, "%s: the reserve counted as a fallback", cur);
	PB(s, 0, FS_MT_RESERVE);
	for (unsigned o = 0; o < 5; o++)
		cr_assert_eq(z->lists[o][FS_MT_RESERVE].count, 1, "%s: order %u reserve list", cur, o);
	cr_assert_eq(z->lists[0][REC].count, 0);
	apply(s, FS_EV_FREE, ID(2), 0, 0);
	cr_assert_eq(z->lists[5][FS_MT_RESERVE].count, 1, "%s: the free did not merge on the reserve", cur);
	fs_sim_free(s);
}

Test(migrate_reserve, last_resort)
{
	/* min_free_kbytes=128: min 32 pages, two reserve pageblocks (0-31)
	 * in both generations */
	reserve_last_resort("linux-3.10:watermarks=off,pcp=off,thp=off,min_free_kbytes=128", true);
	reserve_last_resort("linux-2.6.24:watermarks=off,pcp=off,thp=off,min_free_kbytes=128", true);
	reserve_last_resort("linux-3.10:watermarks=off,pcp=off,reserve=off", false);
}

/* The 3.10 reserve with per-CPU lists: an order-0 refill that finds only
 * the reserve takes it (rmqueue_bulk calls __rmqueue), and the pages freed
 * through the per-CPU list drain back to the reserve (free_pcppages_bulk
 * frees with the pageblock's type). */
Test(migrate_reserve, through_pcp_lists)
{
	struct fs_sim *s = one_zone("linux-3.10:watermarks=off,thp=off,min_free_kbytes=128,cpus=1",
				    128, 5, 4);
	struct fs_zone *z = &s->m->zones[0];
	uint64_t pfn;

	at(s, 32, 5, MOV);
	at(s, 64, 5, MOV);
	at(s, 96, 5, MOV);
	pfn = pol(s, ID(1), 0, MOV);
	cr_assert(pfn < 32, "%s: placed at %llu, want the reserve", cur, (unsigned long long)pfn);
	PB(s, 0, FS_MT_RESERVE);
	cr_assert_eq(z->extfrag.events, 0);
	apply(s, FS_EV_FREE, ID(1), 0, 0);
	s->pol->ops->drain(s->pol, 0, -1);
	cr_assert_eq(z->lists[5][FS_MT_RESERVE].count, 1, "%s: the reserve did not come back whole", cur);
	fs_sim_free(s);
}

/* /proc/pagetypeinfo of 3.10 (and 2.6.24): the types in that kernel's
 * numbering, "Reserve" in the HIGHATOMIC slot, no count cap; 6.x's list
 * is unchanged. */
static char *dump(struct fs_sim *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	cr_assert_not_null(fp);
	fs_dump_pagetypeinfo(fp, s->m);
	fclose(fp);
	return buf;
}

Test(migrate_reserve, pagetypeinfo_names)
{
	struct fs_sim *s = one_zone(RSV_SPEC("linux-3.10", ""), 128, 5, 4);
	char *t = dump(s);

	cr_assert(strstr(t, "Number of blocks type     Unmovable  Reclaimable      Movable      Reserve      Isolate \n"),
		  "%s", t);
	cr_assert(strstr(t, "type      Reserve      0      0      0      0      0      1 \n"), "%s", t);
	cr_assert(strstr(t, "Node 0, zone   Normal            0            0            6            2            0 \n"),
		  "%s", t);
	free(t);
	fs_sim_free(s);

	s = one_zone("linux-6.15:watermarks=off", 128, 5, 4);
	t = dump(s);
	cr_assert(strstr(t, "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"),
		  "%s", t);
	free(t);
	fs_sim_free(s);
}

/* Random churn with the reserve in use (a small machine, a big min
 * watermark, per-CPU lists on): the invariant checker after every event. */
static struct fs_sim *churn_run(const char *spec, uint64_t seed)
{
	struct fs_sim *s = one_zone(spec, 512, 6, 4);
	struct tu_rng g;
	uint64_t live[256];
	unsigned n = 0;

	tu_rng_seed(&g, seed);
	for (unsigned i = 0; i < 6000; i++) {
		if (n < 256 && (n == 0 || tu_chance(&g, 55))) {
			uint64_t id = ID(i + 1);
			unsigned order = tu_skewed_order(&g, 3);
			unsigned mt = (unsigned)tu_below(&g, 3);

			if (pol(s, id, order, mt) != FAILED)
				live[n++] = id | order;
		} else {
			unsigned k = (unsigned)tu_below(&g, n);

			apply(s, FS_EV_FREE, live[k] & ~0xffull, (unsigned)(live[k] & 0xff), 0);
			live[k] = live[--n];
		}
	}
	cr_assert_gt(s->c.allocs, 1000);
	return s;
}

static void churn(const char *spec, uint64_t seed)
{
	fs_sim_free(churn_run(spec, seed));
}

Test(migrate_reserve, random_churn_keeps_invariants)
{
	churn("linux-3.10:watermarks=off,thp=off,min_free_kbytes=256", 0x3a10);
	churn("linux-2.6.24:watermarks=off,thp=off,min_free_kbytes=512", 0x2624);
	churn("linux-3.10:thp=off,min_free_kbytes=256", 0x3a11);
}

/* ---- CMA (3.10+) ------------------------------------------------------------------ */

/* cma=SIZE: the area is rounded up to a max_order block and placed at the
 * top of the highest zone (memblock top-down, as the default CMA area on
 * x86_64); its pageblocks are MIGRATE_CMA with their free pages on the CMA
 * lists. 128K on 128 pages with max_order 5: one order-5 block, 96-127.
 * 2.6.24 had no CMA. */
Test(cma, area_at_the_top)
{
	struct fs_sim *s = one_zone("linux-4.19:watermarks=off,pcp=off,cma=100K", 128, 5, 4);
	struct fs_zone *z = &s->m->zones[0];

	cr_assert_eq(z->nr_pageblocks[FS_MT_CMA], 2);
	PB(s, 96, FS_MT_CMA);
	PB(s, 112, FS_MT_CMA);
	PB(s, 80, MOV);
	cr_assert_eq(z->lists[5][FS_MT_CMA].count, 1);
	cr_assert_eq(z->lists[5][MOV].count, 3);
	fs_sim_free(s);
	cr_assert_null(tu_try_sim("linux-2.6.24:cma=128K", 128, 5, 4));
	cr_assert_null(tu_try_sim("linux-6.15:cma=1M", 128, 5, 4));   /* larger than the zone */
}

/* Only MOVABLE requests use CMA: with every other page allocated, an
 * UNMOVABLE or RECLAIMABLE request fails (CMA is in no fallback row, 4.19+;
 * 3.10's row has it for MOVABLE only), a MOVABLE one gets 96:
 *   3.10: through __rmqueue_fallback, CMA first in MOVABLE's row: no
 *         steal, no retype, remainders on the CMA lists, an extfrag event
 *         with fallback type CMA and change_ownership 0;
 *   4.19, 6.15: __rmqueue_cma_fallback (__rmqueue_smallest of the CMA
 *         lists), no extfrag event.
 * The pageblock stays CMA, and the freed page goes back to the CMA lists. */
static void cma_only_movable(const char *spec, bool via_fallback)
{
	struct fs_sim *s = one_zone(spec, 128, 5, 4);
	struct fs_zone *z = &s->m->zones[0];

	at(s, 0, 5, MOV);
	at(s, 32, 5, MOV);
	at(s, 64, 5, MOV);
	PFN(pol(s, ID(1), 0, UNM), FAILED);
	PFN(pol(s, ID(2), 0, REC), FAILED);
	PFN(pol(s, ID(3), 0, MOV), 96);
	PB(s, 96, FS_MT_CMA);
	for (unsigned o = 0; o < 5; o++)
		cr_assert_eq(z->lists[o][FS_MT_CMA].count, 1, "%s: order %u CMA list", cur, o);
	cr_assert_eq(z->extfrag.events, via_fallback ? 1u : 0u);
	if (via_fallback) {
		cr_assert_eq(z->extfrag.by_type[MOV][FS_MT_CMA], 1);
		cr_assert_eq(z->extfrag.change_ownership, 0);
	}
	apply(s, FS_EV_FREE, ID(3), 0, 0);
	cr_assert_eq(z->lists[5][FS_MT_CMA].count, 1, "%s: the CMA block did not merge back", cur);
	fs_sim_free(s);
}

Test(cma, only_movable_requests)
{
	cma_only_movable("linux-3.10:watermarks=off,pcp=off,reserve=off,cma=128K", true);
	cma_only_movable("linux-4.19:watermarks=off,pcp=off,cma=128K", false);
	cma_only_movable("linux-5.0:watermarks=off,pcp=off,cma=128K", false);
	cma_only_movable("linux-6.15:watermarks=off,pcp=off,cma=128K", false);
}

/* 5.7+ __rmqueue: "if (alloc_flags & ALLOC_CMA && NR_FREE_CMA_PAGES >
 * NR_FREE_PAGES / 2) page = __rmqueue_cma_fallback(...)" before the
 * MOVABLE lists. CMA is 64 of 128 pages (64-127). With one page taken
 * elsewhere (64 > 127 / 2) 6.15 puts a MOVABLE request in CMA (64); at
 * exactly half (64 > 64 is false) it uses its own lists; 4.19 always does. */
Test(cma, movable_prefers_cma_over_half_free)
{
	struct fs_sim *s = one_zone("linux-6.15:watermarks=off,pcp=off,cma=256K", 128, 5, 4);

	PFN(pol(s, ID(1), 0, MOV), 0);
	PFN(pol(s, ID(2), 0, MOV), 64);
	fs_sim_free(s);
	s = one_zone("linux-4.19:watermarks=off,pcp=off,cma=256K", 128, 5, 4);
	PFN(pol(s, ID(1), 0, MOV), 0);
	PFN(pol(s, ID(2), 0, MOV), 1);
	fs_sim_free(s);
}

/* __zone_watermark_ok: free CMA pages do not count for a caller without
 * ALLOC_CMA. 256 pages, CMA 192-255 (64 pages), min_free_kbytes=128: min
 * 32 pages, low 40. With 20 non-CMA pages free (172-191) the zone has 84
 * free: a MOVABLE request passes and takes its own block; an UNMOVABLE one
 * sees 20 and fails at LOW and at MIN. Both forms of the test (3.10's
 * and 4.4+'s). 6.15 takes the MOVABLE page from CMA (192): 64 free CMA
 * pages are more than half of the 84 free (5.7+ balancing). */
static void cma_watermark(const char *spec, bool cma_first)
{
	struct fs_sim *s = one_zone(spec, 256, 5, 4);
	uint64_t pfn;

	for (uint64_t q = 0; q < 160; q += 32)
		at(s, q, 5, MOV);
	at(s, 160, 3, MOV);
	at(s, 168, 2, MOV);
	PFN(pol(s, ID(1), 0, UNM), FAILED);
	pfn = pol(s, ID(2), 0, MOV);
	if (cma_first)
		PFN(pfn, 192);
	else
		cr_assert(pfn >= 172 && pfn < 192, "%s: MOVABLE placed at %lld, want 172..191", cur,
			  (long long)pfn);
	fs_sim_free(s);
}

Test(cma, watermark_leaves_out_free_cma)
{
	cma_watermark("linux-6.15:pcp=off,thp=off,min_free_kbytes=128,cma=256K", true);
	cma_watermark("linux-4.19:pcp=off,thp=off,min_free_kbytes=128,cma=256K", false);
	cma_watermark("linux-3.10:pcp=off,thp=off,reserve=off,min_free_kbytes=128,cma=256K", false);
}

/* pagetypeinfo of a CONFIG_CMA kernel: a CMA type after HighAtomic (4.4+)
 * or Reserve (3.10), then Isolate. */
Test(cma, pagetypeinfo_names)
{
	struct fs_sim *s = one_zone("linux-6.15:watermarks=off,cma=128K", 128, 5, 4);
	char *t = dump(s);

	cr_assert(strstr(t, "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic          CMA      Isolate \n"),
		  "%s", t);
	cr_assert(strstr(t, "type          CMA      0      0      0      0      0      1 \n"), "%s", t);
	free(t);
	fs_sim_free(s);
	s = one_zone("linux-3.10:watermarks=off,reserve=off,cma=128K", 128, 5, 4);
	t = dump(s);
	cr_assert(strstr(t, "Number of blocks type     Unmovable  Reclaimable      Movable      Reserve          CMA      Isolate \n"),
		  "%s", t);
	free(t);
	fs_sim_free(s);
}

/* Random churn with CMA (and 3.10's reserve, per-CPU lists, watermarks,
 * compaction) on: the invariant checker after every event, and CMA blocks
 * never change type. */
static void churn_cma(const char *spec, uint64_t seed, uint64_t cma_blocks)
{
	struct fs_sim *s = churn_run(spec, seed);

	cr_assert_eq(s->m->zones[0].nr_pageblocks[FS_MT_CMA], cma_blocks, "%s: %llu CMA pageblocks", cur,
		     (unsigned long long)s->m->zones[0].nr_pageblocks[FS_MT_CMA]);
	for (uint64_t pfn = 512 - cma_blocks * 16; pfn < 512; pfn += 16)
		PB(s, pfn, FS_MT_CMA);
	fs_sim_free(s);
}

Test(cma, random_churn_keeps_invariants)
{
	churn_cma("linux-3.10:watermarks=off,thp=off,min_free_kbytes=256,cma=256K", 0xc310, 4);
	churn_cma("linux-4.19:watermarks=off,cma=512K", 0xc419, 8);
	churn_cma("linux-5.0:thp=off,min_free_kbytes=256,cma=512K", 0xc500, 8);
	churn_cma("linux-6.15:watermarks=off,cma=512K", 0xc615, 8);
	churn_cma("linux-6.15+compaction:thp=off,min_free_kbytes=256,cma=512K", 0xc616, 8);
}
