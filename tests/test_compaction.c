/* test_compaction.c - compaction (policies/compaction.c, kcompactd.c) on
 * small constructed zones whose outcome can be worked out by hand from
 * Linux 6.12's scanners: 64 pages, pageblocks of 8, the min watermark at
 * one page (min_free_kbytes=4) so isolation is never refused. */
#include <criterion/criterion.h>
#include <string.h>

#include "../policies/compact_int.h"
#include "../policies/keyed_zones.h"
#include "gfp.h"
#include "test_util.h"

#define NOPRO "compaction_proactiveness=0,min_free_kbytes=4"

static struct fs_sim *sim_pb(const char *spec, uint64_t pages, unsigned max_order, unsigned pb)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };
	int rc;

	tu_layout(&l, 0, pages, max_order);
	l.pageblock_order = pb;
	rc = fs_sim_new(&s, &l, spec, FS_PLACE_POLICY, &err);
	cr_assert_eq(rc, 0, "fs_sim_new(\"%s\"): %s", spec, err.msg);
	s->debug_check = 1;
	return s;
}

static struct fs_sim *sim_n(const char *spec, uint64_t pages, unsigned max_order)
{
	return sim_pb(spec, pages, max_order, 3);
}

static struct fs_sim *sim64(const char *spec)
{
	return sim_n(spec, 64, 6);
}

static uint64_t now;

static void ev(struct fs_sim *s, unsigned kind, uint64_t ident, unsigned order, unsigned mt)
{
	struct fs_event e = {
		.time_ns = now += 1000, .ident = ident, .kind = (uint8_t)kind,
		.order = (uint8_t)order, .mt = (uint8_t)mt,
	};

	cr_assert_eq(fs_sim_apply(s, &e), 0, "event %u ident %llu: invariant check failed", kind,
		     (unsigned long long)ident);
}

static uint64_t placed(const struct fs_sim *s, uint64_t ident)
{
	const struct fs_alloc *a = fs_alloctab_lookup(&s->at, ident);

	cr_assert_not_null(a, "ident %llu is not live", (unsigned long long)ident);
	return s->m->base_pfn + a->pfn_idx;
}

/* Every page allocated as order-0 (idents = pfns under plain buddy), then
 * the odd ones freed: one free page in every pair, interleaved. */
static struct fs_sim *half_free(const char *spec, uint64_t unmovable_ident)
{
	struct fs_sim *s = sim64(spec);

	for (uint64_t i = 0; i < 64; i++)
		ev(s, FS_EV_ALLOC, i, 0, i == unmovable_ident ? FS_MT_UNMOVABLE : FS_MT_MOVABLE);
	for (uint64_t i = 0; i < 64; i++)
		cr_assert_eq(placed(s, i), i, "buddy places ascending");
	for (uint64_t i = 1; i < 64; i += 2)
		if (i != unmovable_ident)
			ev(s, FS_EV_FREE, i, 0, 0);
	return s;
}

/* Manual compaction of every other page: the migrate scanner empties the
 * low blocks into the odd holes of the high ones, block for block (0-7
 * into 57..63, 8-15 into 49..55, 16-23 into 41..47). Block 24-31's pages
 * find no target: the free scanner stays above pageblock_end_pfn(migrate_pfn)
 * = 40, so block 32-39, the migrate scanner's next block, is never a
 * target; migrate_pages fails with -ENOMEM and the scanners have met.
 * Result: 0-23 free (orders 4 + 3), blocks 3 and 4 half free. */
Test(compaction, every_other_page_compacts_below_the_meeting_point)
{
	struct fs_sim *s = half_free("buddy+compaction:" NOPRO, UINT64_MAX);
	struct fs_zone *z = &s->m->zones[0];

	cr_assert_eq(z->nr_free[0], 32);
	ev(s, FS_EV_COMPACT, 0, 0, 0);
	cr_assert_eq(z->free_pages, 32);
	cr_assert(fs_buddy_is_free_head(s->m, 0, 4), "pfns 0-15 form an order-4 block");
	cr_assert(fs_buddy_is_free_head(s->m, 16, 3), "and 16-23 an order-3 block");
	cr_assert_eq(z->nr_free[0], 8, "the odd pages of blocks 3 and 4 stay single");
	cr_assert_eq(placed(s, 0), 57, "the first source takes the free scanner's first page");
	cr_assert_eq(placed(s, 6), 63);
	cr_assert_eq(placed(s, 8), 49, "the second batch goes one block lower");
	cr_assert_eq(placed(s, 24), 24, "the last batch found no target");
	cr_assert_eq(placed(s, 32), 32, "pages above the meeting point stay");
	cr_assert_eq(s->c.migrated_pages, 12);
	cr_assert_eq(s->c.compact_migrate_failed, 4);
	cr_assert_eq(s->c.compact_isolated, 28, "16 sources + 12 targets");
	cr_assert_eq(s->c.compact_migrate_scanned, 32, "blocks 0-3");
	cr_assert_eq(s->c.compact_free_scanned, 24, "blocks 7-5, each up to its last free page");
	cr_assert_eq(s->c.compact_runs_manual, 1);
	cr_assert_eq(s->c.compact_result_complete, 1);
	/* the identity follows the page: freeing ident 0 frees pfn 57 */
	ev(s, FS_EV_FREE, 0, 0, 0);
	cr_assert_eq(z->free_pages, 33);
	cr_assert_eq(s->c.unknown_frees + s->c.double_frees, 0);
	fs_sim_free(s);
}

/* An unmovable page keeps exactly its own block from becoming free: as
 * above, but pfn 9 is unmovable and allocated. Blocks 0 and 2 still empty;
 * block 1 keeps its seven other pages free around pfn 9. */
Test(compaction, unmovable_page_blocks_its_block)
{
	struct fs_sim *s = half_free("buddy+compaction:" NOPRO, 9);
	struct fs_zone *z = &s->m->zones[0];

	ev(s, FS_EV_COMPACT, 0, 0, 0);
	cr_assert_eq(placed(s, 9), 9, "unmovable pages never move");
	cr_assert_eq(z->free_pages, 31);
	cr_assert(fs_buddy_is_free_head(s->m, 0, 3), "block 0 is free");
	cr_assert(fs_buddy_is_free_head(s->m, 16, 3), "block 2 is free");
	cr_assert(fs_buddy_is_free_head(s->m, 8, 0) && fs_buddy_is_free_head(s->m, 10, 1) &&
		  fs_buddy_is_free_head(s->m, 12, 2), "block 1 keeps 7 free pages around pfn 9");
	cr_assert_eq(z->nr_free[3] + 2 * z->nr_free[4], 2, "two free pageblocks where there were three");
	fs_sim_free(s);
}

/* Page-cache pages (on the LRU) keep their LRU place when compaction
 * moves them: the checker walks the LRU lists after every event. */
Test(compaction, moved_lru_pages_stay_on_the_lru)
{
	struct fs_sim *s = sim64("buddy+compaction:" NOPRO);
	struct fs_event e = { .order = 0, .mt = FS_MT_MOVABLE };

	for (uint64_t i = 0; i < 64; i++) {
		e.time_ns = now += 1000;
		e.ident = i;
		e.kind = FS_EV_ALLOC;
		e.flags = FS_EVF_HAS_MT | FS_EVF_LRU;
		cr_assert_eq(fs_sim_apply(s, &e), 0);
	}
	e.flags = FS_EVF_LRU;                   /* a workload's frees of LRU classes */
	e.kind = FS_EV_FREE;
	for (uint64_t i = 1; i < 64; i += 2) {
		e.time_ns = now += 1000;
		e.ident = i;
		cr_assert_eq(fs_sim_apply(s, &e), 0);
	}
	ev(s, FS_EV_COMPACT, 0, 0, 0);
	/* kswapd reclaimed some of them on this tiny machine; what is left
	 * moved, and the checker followed the LRU through every move */
	cr_assert_gt(s->c.migrated_pages, 0);
	for (uint64_t i = 0; i < 64; i += 2) {
		e.time_ns = now += 1000;
		e.ident = i;
		cr_assert_eq(fs_sim_apply(s, &e), 0);
	}
	cr_assert_eq(s->m->zones[0].free_pages, 64);
	cr_assert_eq(s->c.unknown_frees + s->c.double_frees, 0);
	fs_sim_free(s);
}

/* pinned=1000: every movable allocation is pinned, nothing moves. */
Test(compaction, pinned_pages_stay)
{
	struct fs_sim *s = half_free("buddy+compaction:" NOPRO ",pinned=1000", UINT64_MAX);

	ev(s, FS_EV_COMPACT, 0, 0, 0);
	cr_assert_eq(s->c.migrated_pages, 0);
	cr_assert_eq(s->m->zones[0].nr_free[0], 32);
	cr_assert_eq(s->c.compact_migrate_scanned, 56,
		     "the free scanner never moved, so the migrate scanner met it at the last block");
	fs_sim_free(s);
}

/* Direct compaction: an order-3 movable request that fails starts at
 * sync-light, stops as soon as block 0 is free (compact_finished at an
 * aligned migrate_pfn) and the retried allocation takes it. */
Test(compaction, direct_compaction_serves_the_request)
{
	struct fs_sim *s = half_free("buddy+compaction:" NOPRO, UINT64_MAX);

	ev(s, FS_EV_ALLOC, 1000, 3, FS_MT_MOVABLE);
	cr_assert_eq(s->c.alloc_failures, 0);
	cr_assert_eq(placed(s, 1000), 0, "the freed block 0 serves the request");
	cr_assert_eq(s->c.compact_stall, 1);
	cr_assert_eq(s->c.compact_success, 1);
	cr_assert_eq(s->c.compact_runs_direct, 1);
	cr_assert_eq(s->c.compact_result_success, 1);
	cr_assert_eq(s->c.migrated_pages, 4, "one block's worth, not the whole zone");
	fs_sim_free(s);
}

/* A caller that cannot sleep never compacts: the same request as
 * GFP_ATOMIC fails, and only wakes kcompactd. */
Test(compaction, atomic_requests_do_not_compact)
{
	struct fs_sim *s = half_free("buddy+compaction:" NOPRO, UINT64_MAX);
	struct fs_event e = {
		.time_ns = now += 1000, .ident = 1000, .kind = FS_EV_ALLOC, .order = 3,
		.mt = FS_MT_UNMOVABLE, .flags = FS_EVF_HAS_MT | FS_EVF_HAS_GFP,
		.gfp = FS_GFP_HIGH | FS_GFP_KSWAPD_RECLAIM,
	};

	cr_assert_eq(fs_sim_apply(s, &e), 0);
	cr_assert_eq(s->c.alloc_failures, 1);
	cr_assert_eq(s->c.compact_stall + s->c.compact_runs_direct, 0);
	cr_assert(s->pol->compact->kc_woken, "the failure wakes kcompactd");
	fs_sim_tick(s, now + 1000);
	cr_assert_eq(s->c.compact_daemon_wake, 1, "which runs at the next tick");
	cr_assert_eq(s->c.compact_runs_kcompactd, 1);
	fs_sim_free(s);
}

/* Without "+compaction" the same request fails and nothing is counted. */
Test(compaction, off_without_suffix)
{
	struct fs_sim *s = half_free("buddy", UINT64_MAX);

	ev(s, FS_EV_ALLOC, 1000, 3, FS_MT_MOVABLE);
	ev(s, FS_EV_COMPACT, 0, 0, 0);
	cr_assert_eq(s->c.alloc_failures, 1);
	cr_assert_eq(s->c.compact_stall + s->c.migrated_pages + s->c.compact_runs_manual, 0);
	fs_sim_free(s);
}

/* compaction_suitable's fragmentation-index test for costly orders: eight
 * free order-3 blocks (64 pages, none buddies) and an order-4 request give
 * 1000 - (1000 + 64 * 1000 / 16) / 8 = 375 <= 500: a lack of memory, not
 * fragmentation, so the zone is not suitable and no compaction runs; with
 * extfrag_threshold=200 it is, and compaction makes the order-4 block. */
Test(compaction, extfrag_threshold_for_costly_orders)
{
	const char *spec[2] = { "buddy+compaction:" NOPRO, "buddy+compaction:" NOPRO ",extfrag_threshold=200" };

	for (unsigned k = 0; k < 2; k++) {
		struct fs_sim *s = sim_n(spec[k], 128, 7);
		struct fs_contig_info info;

		/* pageblocks of 16, so order-3 allocations are not skipped as
		 * pageblock-sized folios (skip_isolation_on_order) */
		fs_sim_free(s);
		s = sim_pb(spec[k], 128, 7, 4);

		for (uint64_t i = 0; i < 16; i++)
			ev(s, FS_EV_ALLOC, i * 8, 3, FS_MT_MOVABLE);
		/* the free halves first in each 16-page block, where the async
		 * free scanner's stride of 32 probes */
		for (uint64_t i = 0; i < 16; i += 2)
			ev(s, FS_EV_FREE, i * 8, 3, 0);
		fs_contig_info(s->m->zones[0].nr_free, 7, 4, &info);
		cr_assert_eq(fs_fragmentation_index(&info, 4), 375);
		ev(s, FS_EV_ALLOC, 1000, 4, FS_MT_MOVABLE);
		if (k == 0) {
			cr_assert_eq(s->c.alloc_failures, 1);
			cr_assert_eq(s->c.compact_result_not_suitable_zone, 2, "async and sync-light both refused");
			cr_assert_eq(s->c.compact_stall, 0, "a refused zone is no stall");
		} else {
			cr_assert_eq(s->c.alloc_failures, 0);
			cr_assert_eq(s->c.compact_stall, 1);
		}
		fs_sim_free(s);
	}
}

/* defer_compaction / compaction_deferred / compaction_defer_reset, 6.12 */
Test(compaction, deferral_backs_off_exponentially)
{
	struct fs_sim *s = sim64("buddy+compaction:" NOPRO);
	struct fs_compact *c = s->pol->compact;
	struct fs_zone *z = &s->m->zones[0];
	unsigned skipped = 0;

	cr_assert(!fs_cc_deferred(c, z, 4), "never deferred before a failure");
	fs_cc_defer(c, z, 4);
	cr_assert(fs_cc_deferred(c, z, 4), "shift 1: the first attempt is skipped");
	cr_assert(!fs_cc_deferred(c, z, 4), "the second runs");
	cr_assert(!fs_cc_deferred(c, z, 3), "orders below order_failed are never deferred");
	for (unsigned i = 0; i < 10; i++)
		fs_cc_defer(c, z, 4);
	cr_assert_eq(c->cz[0].defer_shift, FS_CC_MAX_DEFER_SHIFT);
	while (fs_cc_deferred(c, z, 5))
		skipped++;
	cr_assert_eq(skipped, 63, "up to 63 attempts skipped at shift 6");
	cr_assert(fs_cc_restarting(c, z, 5), "then the skip bits are flushed");
	fs_cc_defer_reset(c, z, 4, false);
	cr_assert_eq(c->cz[0].order_failed, 5);
	cr_assert(fs_cc_restarting(c, z, 5), "a reset without success keeps the shift");
	fs_cc_defer_reset(c, z, 5, true);
	cr_assert_eq(c->cz[0].defer_shift, 0);
	cr_assert(!fs_cc_deferred(c, z, 7));
	fs_sim_free(s);
}

/* fragmentation_score_node and fragmentation_score_wmark (reference §3.4) */
Test(compaction, scores_and_marks)
{
	struct fs_layout l;
	struct fs_machine *m;
	struct fs_err err = { { 0 } };
	struct fs_sim *s;

	fs_layout_default(&l);
	cr_assert_eq(fs_layout_validate(&l, &err), 0);
	m = fs_machine_new(&l, &err);
	cr_assert_not_null(m);
	/* Normal: half its free memory in order-9+ blocks (zone score 50);
	 * DMA32: none (100); DMA: all (0) */
	memset(m->zones[0].nr_free, 0, sizeof(m->zones[0].nr_free));
	m->zones[0].nr_free[10] = 1;
	memset(m->zones[1].nr_free, 0, sizeof(m->zones[1].nr_free));
	m->zones[1].nr_free[0] = 1000;
	memset(m->zones[2].nr_free, 0, sizeof(m->zones[2].nr_free));
	m->zones[2].nr_free[9] = 1;
	m->zones[2].nr_free[8] = 2;
	cr_assert_eq(fs_compact_zone_score(m, &m->zones[0]), 0);
	cr_assert_eq(fs_compact_zone_score(m, &m->zones[1]), 100);
	cr_assert_eq(fs_compact_zone_score(m, &m->zones[2]), 50);
	/* 4080 * 0 / N + 782336 * 100 / N + 262144 * 50 / N, N = 1048561 */
	cr_assert_eq(fs_compact_node_score(m),
		     0 + 782336ull * 100 / 1048561 + 262144ull * 50 / 1048561);
	fs_machine_free(m);

	s = sim64("buddy+compaction");
	cr_assert_eq(fs_cc_score_wmark(s->pol->compact, true), 80);
	cr_assert_eq(fs_cc_score_wmark(s->pol->compact, false), 90);
	fs_sim_free(s);
	s = sim64("buddy+compaction:compaction_proactiveness=100");
	cr_assert_eq(fs_cc_score_wmark(s->pol->compact, true), 5);
	cr_assert_eq(fs_cc_score_wmark(s->pol->compact, false), 15);
	fs_sim_free(s);
}

/* After random alloc/free with periodic manual compaction under grouping
 * with per-CPU lists, the checker holds after every event, and every
 * identity still frees where it now lives. */
Test(compaction, random_sequences_keep_invariants)
{
	const char *specs[] = { "buddy+compaction:" NOPRO, "linux-6.15+compaction:min_free_kbytes=4",
				"linux-4.19+compaction:" NOPRO ",pinned=300",
				"keyed-zones+compaction:" NOPRO ",zone_order=6" };

	for (unsigned k = 0; k < 4; k++) {
		struct fs_layout l;
		struct fs_sim *s = NULL;
		struct fs_err err = { { 0 } };
		struct tu_rng g;
		uint64_t live[512];
		unsigned nlive = 0;

		tu_layout(&l, 0, 4096, 10);
		l.pageblock_order = 6;
		cr_assert_eq(fs_sim_new(&s, &l, specs[k], FS_PLACE_POLICY, &err), 0, "%s", err.msg);
		s->debug_check = 1;
		tu_rng_seed(&g, 42 + k);
		for (unsigned step = 0; step < 6000; step++) {
			if (step % 1000 == 999) {
				ev(s, FS_EV_COMPACT, 0, 0, 0);
				if (k == 3) {
					struct fs_err kerr = { { 0 } };

					cr_assert_eq(fs_kz_check(s->pol, &kerr), 0, "after compaction: %s", kerr.msg);
				}
			} else if (nlive < 512 && (nlive == 0 || tu_chance(&g, 55))) {
				uint64_t id = (uint64_t)(step + 1) << 10;
				unsigned o = tu_skewed_order(&g, 5);

				ev(s, FS_EV_ALLOC, id, o, tu_chance(&g, 70) ? FS_MT_MOVABLE : FS_MT_UNMOVABLE);
				if (k == 3) {
					struct fs_err kerr = { { 0 } };

					cr_assert_eq(fs_kz_check(s->pol, &kerr), 0, "%s", kerr.msg);
				}
				if (fs_alloctab_lookup(&s->at, id))
					live[nlive++] = id;
			} else {
				unsigned i = (unsigned)tu_below(&g, nlive);
				const struct fs_alloc *a = fs_alloctab_lookup(&s->at, live[i]);

				ev(s, FS_EV_FREE, live[i], a->order, 0);
				live[i] = live[--nlive];
			}
		}
		cr_assert_eq(s->c.unknown_frees + s->c.double_frees + s->c.free_order_mismatches, 0);
		cr_assert_gt(s->c.migrated_pages, 0, "%s moved nothing", specs[k]);
		fs_sim_free(s);
	}
}
