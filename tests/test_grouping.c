/* test_grouping.c - mobility grouping (policies/grouping.c), one kernel
 * generation at a time: the decision rules of __rmqueue_fallback and its
 * successors, and of __free_one_page, pinned on small constructed states.
 *
 * Every expected value below was derived by hand from the kernel source
 * (mm/page_alloc.c) of the generation, never from the policy's output:
 *   2.6.24  fulei0920/linux-2.6.24      __rmqueue_fallback, move_freepages,
 *                                       __free_one_page
 *   3.10    harviswang/linux-3.10.99    __rmqueue_fallback (+ kmem.h extfrag)
 *   4.19    0x88888888/Linux-4.19       __rmqueue_fallback, find_suitable_fallback,
 *                                       can_steal_fallback, steal_suitable_fallback
 *   6.10    c0cd6f557b90 "fix freelist movement during block conversion"
 *           (steal_suitable_fallback as a transaction, page_del_and_expand)
 *           and the same series' "fix up block types when merging"
 *   6.15    c2f6ea38fc1b "don't steal single pages from biggest buddy"
 *           (__rmqueue_claim / try_to_steal_block / __rmqueue_steal)
 * and ../shared/reference/linux-page-allocator.md sections 1.4, 1.5, 2.1-2.6,
 * 2.9. 2.6.24 had no mm_page_alloc_extfrag tracepoint, so its extfrag
 * counters are not pinned.
 *
 * The rules are tested on the fallback itself: the policies run with
 * watermarks=off, nofragment=off, pcp=off and reserve=off (on machines this small every
 * watermark would fail, and ALLOC_NOFRAGMENT is a zonelist-walk rule, not a fallback
 * rule; per-CPU lists are tested in test_pcp.c, 2.6.24's and 3.10's MIGRATE_RESERVE
 * in test_grouping_gens.c), except the two-zone ALLOC_NOFRAGMENT tests near the end.
 *
 * Most tests use machine G1: one zone of 128 pages, max_order 5,
 * pageblock_order 4 (16-page pageblocks, so pageblock_order/2 = 2 and half
 * a block is 8 pages): pageblock 0 is pfns 0-15, pageblock 1 is 16-31, and
 * 32, 64, 96 start the other three order-5 blocks. States are built with
 * exact placement (the identity is the pfn), by setting pageblock types of
 * fully allocated blocks, and with tu_retype() below, which moves a
 * pageblock's free blocks to the lists of its new type as a claim would. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "fragsim.h"
#include "test_util.h"

#define UNM FS_MT_UNMOVABLE
#define MOV FS_MT_MOVABLE
#define REC FS_MT_RECLAIMABLE
#define HAT FS_MT_HIGHATOMIC

enum gen { G2624, G310, G419, G610, G615, NGEN };
static const char *const gen_name[NGEN] = {
	"linux-2.6.24", "linux-3.10", "linux-4.19", "linux-6.10", "linux-6.15",
};

static const char *cur = "";            /* generation under test, for messages */

/* ---- machines and events ------------------------------------------------ */

static struct fs_sim *gsim_spec(const char *spec, uint64_t pages, unsigned max_order, unsigned pbo)
{
	struct fs_sim *s = tu_sim(spec, pages, max_order, pbo);

	s->debug_check = 1;
	return s;
}

/* generation g on a one-zone machine, fallback rules in isolation */
static struct fs_sim *gsim(enum gen g, uint64_t pages, unsigned max_order, unsigned pbo)
{
	char spec[96];

	cur = gen_name[g];
	snprintf(spec, sizeof(spec), "%s:watermarks=off,nofragment=off,pcp=off,reserve=off", gen_name[g]);
	return gsim_spec(spec, pages, max_order, pbo);
}

#define G1(g) gsim(g, 128, 5, 4)

#define apply(s, kind, ident, order, mt) tu_apply_mt(s, kind, ident, order, mt, cur)

/* Identities of policy-placed allocations: far from the pfns (which name
 * the exactly placed ones) and from each other's aligned ranges. */
#define ID(n) ((uint64_t)(n) << 24)

/* an allocation placed exactly at pfn (identity = pfn) */
#define at(s, pfn, order, mt) tu_at(s, pfn, order, mt, cur)

/* Let the policy place a request; returns its pfn. */
static uint64_t pol(struct fs_sim *s, uint64_t id, unsigned order, unsigned mt)
{
	const struct fs_alloc *a;

	s->placement = FS_PLACE_POLICY;
	apply(s, FS_EV_ALLOC, id, order, mt);
	a = fs_alloctab_lookup(&s->at, id);
	cr_assert_not_null(a, "%s: %s order %u request failed", cur, fs_mt_name(mt), order);
	return s->m->base_pfn + a->pfn_idx;
}

static void fr(struct fs_sim *s, uint64_t id, unsigned order)
{
	uint64_t before = s->c.frees;

	apply(s, FS_EV_FREE, id, order, 0);
	cr_assert_eq(s->c.frees, before + 1, "%s: free of %#llx order %u was not applied", cur,
		     (unsigned long long)id, order);
}

/* Allocate the order-5 blocks at 32, 64 and 96 (and, per flags, pageblock
 * 0 or 1) so that only the pageblocks a test builds hold free memory. */
#define KEEP_PB0 1
#define KEEP_PB1 2
static void fill_g1(struct fs_sim *s, unsigned keep)
{
	if (!(keep & KEEP_PB0))
		at(s, 0, 4, MOV);
	if (!(keep & KEEP_PB1))
		at(s, 16, 4, MOV);
	at(s, 32, 5, MOV);
	at(s, 64, 5, MOV);
	at(s, 96, 5, MOV);
}

/* ---- observing ------------------------------------------------------------ */

static void fmt_pfns(char *buf, size_t len, const uint64_t *p, long n)
{
	size_t off = 0;

	buf[0] = 0;
	for (long i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%llu", i ? "," : "",
					(unsigned long long)p[i]);
}

static void list_is(const struct fs_sim *s, unsigned order, unsigned cls, const uint64_t *want,
		    long n, int line)
{
	uint64_t got[64];
	char gs[256], ws[256];
	long len = tu_list_pfns(s->m, &s->m->zones[0], order, cls, got, 64);
	bool same = len == n;

	cr_assert_geq(len, 0, "%s: order %u %s list links are corrupt", cur, order, fs_mt_name(cls));
	for (long i = 0; same && i < n; i++)
		same = got[i] == want[i];
	fmt_pfns(gs, sizeof(gs), got, len < 64 ? len : 64);
	fmt_pfns(ws, sizeof(ws), want, n);
	cr_assert(same, "%s (line %d): order-%u %s list is [%s], want [%s]", cur, line, order,
		  fs_mt_name(cls), gs, ws);
}

#define LIST(s, order, cls, ...)                                                          \
	do {                                                                              \
		const uint64_t w_[] = { __VA_ARGS__ };                                    \
		list_is(s, order, cls, w_, (long)(sizeof(w_) / sizeof(w_[0])), __LINE__); \
	} while (0)
#define EMPTY(s, order, cls) list_is(s, order, cls, NULL, 0, __LINE__)

/* no free block of class cls at any order */
static void none_of(const struct fs_sim *s, unsigned cls)
{
	for (unsigned o = 0; o <= s->m->max_order; o++)
		cr_assert_eq(s->m->zones[0].lists[o][cls].head, FS_NIL,
			     "%s: the order-%u %s list is not empty", cur, o, fs_mt_name(cls));
}

#define PB(s, pfn, type)                                                                    \
	cr_assert_eq(fs_pb_type((s)->m, pfn), (unsigned)(type),                             \
		     "%s (line %d): pageblock of pfn %d is %s, want %s", cur, __LINE__, (int)(pfn), \
		     fs_mt_name(fs_pb_type((s)->m, pfn)), fs_mt_name(type))

#define PFN(got, want)                                                                    \
	cr_assert_eq(got, (uint64_t)(want), "%s (line %d): placed at pfn %llu, want %llu", cur, \
		     __LINE__, (unsigned long long)(got), (unsigned long long)(want))

#define MIXED(s, n)                                                                       \
	cr_assert_eq((s)->m->zones[0].mixed_pageblocks, (uint64_t)(n),                     \
		     "%s (line %d): %llu mixed pageblocks, want %d", cur, __LINE__,              \
		     (unsigned long long)(s)->m->zones[0].mixed_pageblocks, (int)(n))

/* mm_page_alloc_extfrag totals, and the one [requested][fallback] cell
 * that must hold all of them */
static void ext_is(const struct fs_sim *s, uint64_t events, uint64_t fragmenting,
		   uint64_t change, unsigned alloc_mt, unsigned fb_mt, int line)
{
	const struct fs_extfrag_stats *e = &s->m->zones[0].extfrag;

	cr_assert_eq(e->events, events, "%s (line %d): %llu extfrag events, want %llu", cur, line,
		     (unsigned long long)e->events, (unsigned long long)events);
	cr_assert_eq(e->fragmenting, fragmenting, "%s (line %d): fragmenting %llu, want %llu", cur,
		     line, (unsigned long long)e->fragmenting, (unsigned long long)fragmenting);
	cr_assert_eq(e->change_ownership, change, "%s (line %d): change_ownership %llu, want %llu",
		     cur, line, (unsigned long long)e->change_ownership, (unsigned long long)change);
	cr_assert_eq(e->by_type[alloc_mt][fb_mt], events,
		     "%s (line %d): by_type[%s][%s] = %llu, want %llu", cur, line,
		     fs_mt_name(alloc_mt), fs_mt_name(fb_mt),
		     (unsigned long long)e->by_type[alloc_mt][fb_mt], (unsigned long long)events);
}

/* One fallback of a `req` request from a block on the `fb` lists, as the
 * generation's tracepoint reports it: 3.10 prints the requested type as
 * the fallback type whenever it moved pages (and change_ownership is then
 * alloc == fallback), 4.19+ the list the page came from with
 * change_ownership = the page's block is now of the requested type. */
static void ext_one(const struct fs_sim *s, enum gen g, unsigned req, unsigned fb, bool moved_310,
		    bool claimed, bool fragmenting, int line)
{
	if (g == G2624)
		return;                 /* no tracepoint in 2.6.24 */
	if (g == G310)
		ext_is(s, 1, fragmenting, moved_310, req, moved_310 ? req : fb, line);
	else
		ext_is(s, 1, fragmenting, claimed, req, fb, line);
}
#define EXT1(s, g, req, fb, moved_310, claimed, frag) \
	ext_one(s, g, req, fb, moved_310, claimed, frag, __LINE__)

/* ---- own type first, smallest first ------------------------------------------ */

/* __rmqueue: __rmqueue_smallest(requested type) before any fallback, and it
 * takes the smallest order that has a block (2.6.24 .. 6.15). Boot leaves
 * four MOVABLE order-5 blocks; the first UNMOVABLE request falls back to the
 * largest (order 5 at pfn 0) and takes ownership of it:
 *   2.6.24: move_freepages_block moves the 32-page buddy (>= half) and
 *           retypes pfn 0's pageblock; current_order (5) != pageblock_order
 *           (4), so the second pageblock (16-31) stays MOVABLE although its
 *           free pages are now on the UNMOVABLE lists;
 *   3.10+:  change_pageblock_range retypes both pageblocks.
 * Not fragmenting (5 >= pageblock_order); ownership changed. */
Test(grouping, own_type_first_then_smallest)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);
		struct fs_zone *z = &s->m->zones[0];

		PFN(pol(s, ID(1), 0, UNM), 0);
		PB(s, 0, UNM);
		PB(s, 16, g == G2624 ? MOV : UNM);
		cr_assert_eq(z->nr_pageblocks[UNM], g == G2624 ? 1u : 2u, "%s", cur);
		cr_assert_eq(z->nr_pageblocks[MOV], g == G2624 ? 7u : 6u, "%s", cur);
		LIST(s, 0, UNM, 1);
		LIST(s, 1, UNM, 2);
		LIST(s, 2, UNM, 4);
		LIST(s, 3, UNM, 8);
		LIST(s, 4, UNM, 16);
		LIST(s, 5, MOV, 32, 64, 96);
		EXT1(s, g, UNM, MOV, true, true, false);

		/* MOVABLE has its own order-5 blocks: no fallback, although the
		 * UNMOVABLE lists have smaller blocks */
		PFN(pol(s, ID(2), 0, MOV), 32);
		LIST(s, 0, MOV, 33);
		LIST(s, 4, MOV, 48);
		LIST(s, 5, MOV, 64, 96);
		/* smallest first within the own type */
		PFN(pol(s, ID(3), 1, UNM), 2);
		PFN(pol(s, ID(4), 0, UNM), 1);
		PFN(pol(s, ID(5), 2, MOV), 36);
		EXT1(s, g, UNM, MOV, true, true, false);   /* still the one fallback */
		MIXED(s, 0);
		fs_sim_free(s);
	}
}

/* A fallback taking a block of exactly pageblock_order is not fragmenting
 * (kmem.h: fallback_order < pageblock_order) and claims the block in every
 * generation (2.6.24: current_order == pageblock_order). */
Test(grouping, pageblock_sized_fallback_not_fragmenting)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);

		fill_g1(s, KEEP_PB0);                   /* free: MOVABLE order 4 at 0 */
		LIST(s, 4, MOV, 0);
		PFN(pol(s, ID(1), 0, UNM), 0);
		PB(s, 0, UNM);
		LIST(s, 0, UNM, 1);
		LIST(s, 3, UNM, 8);
		none_of(s, MOV);
		EXT1(s, g, UNM, MOV, true, true, false);
		fs_sim_free(s);
	}
}

/* ---- fallback search order ---------------------------------------------------- */

/* fallbacks[]: UNMOVABLE -> RECLAIMABLE, MOVABLE; MOVABLE -> RECLAIMABLE,
 * UNMOVABLE; RECLAIMABLE -> UNMOVABLE, MOVABLE (same rows in every
 * generation once RESERVE and CMA are left out). The order loop is the
 * outer one, largest first: a larger block of a later type beats a smaller
 * block of an earlier one. */
Test(grouping, fallback_type_order_and_largest_first)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s;

		/* UNMOVABLE: RECLAIMABLE before MOVABLE at the same order */
		s = G1((enum gen)g);
		PFN(pol(s, ID(1), 5, REC), 0);          /* claims order 5 at 0 for RECLAIMABLE */
		fr(s, ID(1), 5);
		LIST(s, 5, REC, 0);
		LIST(s, 5, MOV, 32, 64, 96);
		PFN(pol(s, ID(2), 0, UNM), 0);
		if (g >= G419)
			cr_assert_eq(s->m->zones[0].extfrag.by_type[UNM][REC], 1, "%s", cur);
		fs_sim_free(s);

		/* MOVABLE: RECLAIMABLE before UNMOVABLE */
		s = G1((enum gen)g);
		PFN(pol(s, ID(1), 5, REC), 0);
		PFN(pol(s, ID(2), 5, UNM), 32);
		PFN(pol(s, ID(3), 5, MOV), 64);
		PFN(pol(s, ID(4), 5, MOV), 96);
		fr(s, ID(1), 5);
		fr(s, ID(2), 5);
		LIST(s, 5, REC, 0);
		LIST(s, 5, UNM, 32);
		none_of(s, MOV);
		PFN(pol(s, ID(5), 0, MOV), 0);
		if (g >= G419)
			cr_assert_eq(s->m->zones[0].extfrag.by_type[MOV][REC], 1, "%s", cur);
		fs_sim_free(s);

		/* RECLAIMABLE: UNMOVABLE before MOVABLE */
		s = G1((enum gen)g);
		PFN(pol(s, ID(1), 5, UNM), 0);
		fr(s, ID(1), 5);
		LIST(s, 5, UNM, 0);
		PFN(pol(s, ID(2), 0, REC), 0);
		if (g >= G419)
			cr_assert_eq(s->m->zones[0].extfrag.by_type[REC][UNM], 1, "%s", cur);
		fs_sim_free(s);

		/* largest first: RECLAIMABLE has an order-4 block, MOVABLE order
		 * 5 ones; the UNMOVABLE request takes MOVABLE's order 5 */
		s = G1((enum gen)g);
		PFN(pol(s, ID(1), 0, REC), 0);
		LIST(s, 4, REC, 16);
		PFN(pol(s, ID(2), 0, UNM), 32);
		PB(s, 32, UNM);
		LIST(s, 4, REC, 16);
		fs_sim_free(s);
	}
}

/* ---- MOVABLE requests that cannot steal ------------------------------------ */

/* Pageblock 0 is UNMOVABLE with free blocks order 1 at 4 and order 0 at 9
 * (the rest allocated unmovable); nothing else is free.
 *
 * A MOVABLE order-0 request (can_steal_fallback: orders below
 * pageblock_order/2 = 2 may not steal for MOVABLE):
 *   2.6.24: largest first: order 1 at 4; 1 < pageblock_order >> 1 and not
 *           RECLAIMABLE: nothing moved, remainder 5 back on the fallback
 *           (UNMOVABLE) list;
 *   3.10:   same block, remainder on the requested (MOVABLE) list;
 *   4.19, 6.10: !can_steal && MOVABLE && current_order > order: find_smallest
 *           -> order 0 at 9;
 *   6.15:   the claim search stops at order 1 (fallback found, !can_steal);
 *           __rmqueue_steal takes the smallest: 9.
 * A RECLAIMABLE order-0 request on the same state (always may steal):
 *   2.6.24, 3.10: order 1 at 4; RECLAIMABLE steals: both free blocks move
 *           to RECLAIMABLE (3 pages < 8: no retype), remainder 5 there too;
 *   4.19:   order 1 at 4, whole block moved (alike 0: UNMOVABLE block, not
 *           claimed), __rmqueue_smallest(RECLAIMABLE) takes order 0 at 9;
 *   6.10:   claim refused: single page from the largest buddy, 4; remainder
 *           5 stays on the block's (UNMOVABLE) list;
 *   6.15:   claims at orders 1 and 0 refused; steal the smallest: 9. */
static struct fs_sim *small_unmovable_block(enum gen g)
{
	struct fs_sim *s = G1(g);

	at(s, 0, 2, UNM);
	at(s, 6, 1, UNM);
	at(s, 8, 0, UNM);
	at(s, 10, 1, UNM);
	at(s, 12, 2, UNM);
	fill_g1(s, KEEP_PB0);
	tu_retype(s, 0, UNM);
	LIST(s, 1, UNM, 4);
	LIST(s, 0, UNM, 9);
	none_of(s, MOV);
	return s;
}

Test(grouping, movable_that_cannot_steal)
{
	static const uint64_t want[NGEN] = { 4, 4, 9, 9, 9 };

	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = small_unmovable_block((enum gen)g);

		PFN(pol(s, ID(1), 0, MOV), want[g]);
		PB(s, 0, UNM);
		switch (g) {
		case G2624:
			LIST(s, 0, UNM, 5, 9);
			none_of(s, MOV);
			break;
		case G310:
			LIST(s, 0, MOV, 5);
			LIST(s, 0, UNM, 9);
			break;
		default:
			LIST(s, 1, UNM, 4);
			EMPTY(s, 0, UNM);
			none_of(s, MOV);
			break;
		}
		EXT1(s, (enum gen)g, MOV, UNM, false, false, true);
		fs_sim_free(s);
	}
}

Test(grouping, reclaimable_always_steals)
{
	static const uint64_t want[NGEN] = { 4, 4, 9, 4, 9 };

	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = small_unmovable_block((enum gen)g);

		PFN(pol(s, ID(1), 0, REC), want[g]);
		PB(s, 0, UNM);
		switch (g) {
		case G2624:
		case G310:
			LIST(s, 0, REC, 5, 9);
			none_of(s, UNM);
			break;
		case G419:
			LIST(s, 1, REC, 4);
			EMPTY(s, 0, REC);
			none_of(s, UNM);
			break;
		case G610:
			LIST(s, 0, UNM, 5, 9);
			none_of(s, REC);
			break;
		case G615:
			LIST(s, 1, UNM, 4);
			EMPTY(s, 0, UNM);
			none_of(s, REC);
			break;
		}
		EXT1(s, (enum gen)g, REC, UNM, true, false, true);
		fs_sim_free(s);
	}
}

/* ---- steal from the largest or the smallest buddy --------------------------- */

/* Pageblock 0 (MOVABLE): free order 2 at 0, 12 movable pages allocated.
 * Pageblock 1 (MOVABLE): free order 0 at 20, 15 movable pages allocated.
 * Neither can be claimed for UNMOVABLE (alike = 16 - free - movable = 0).
 * An UNMOVABLE order-0 request:
 *   2.6.24, 3.10: order 2 at 0 (>= pageblock_order/2: steal): its 4 free
 *           pages move to UNMOVABLE (< 8: no retype), remainders 2, 1 there;
 *           3.10 prints fallback=UNMOVABLE, change_ownership=1;
 *   4.19:   order 2 at 0, free pages moved, not claimed;
 *           __rmqueue_smallest(UNMOVABLE) splits it: 0, remainders UNMOVABLE;
 *   6.10:   order 2 at 0, claim refused, single page: remainders 2, 1 stay
 *           MOVABLE (page_del_and_expand(..., block_type));
 *   6.15:   claim at order 2 (pageblock 0) and order 0 (pageblock 1) refused;
 *           __rmqueue_steal takes the smallest buddy: 20. */
Test(grouping, steal_largest_or_smallest)
{
	static const uint64_t want[NGEN] = { 0, 0, 0, 0, 20 };

	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);

		at(s, 4, 2, MOV);
		at(s, 8, 3, MOV);
		at(s, 16, 2, MOV);
		at(s, 21, 0, MOV);
		at(s, 22, 1, MOV);
		at(s, 24, 3, MOV);
		fill_g1(s, KEEP_PB0 | KEEP_PB1);
		tu_retype(s, 0, MOV);
		tu_retype(s, 16, MOV);
		LIST(s, 2, MOV, 0);
		LIST(s, 0, MOV, 20);
		MIXED(s, 0);

		PFN(pol(s, ID(1), 0, UNM), want[g]);
		PB(s, 0, MOV);
		PB(s, 16, MOV);
		switch (g) {
		case G2624:
		case G310:
		case G419:
			LIST(s, 1, UNM, 2);
			LIST(s, 0, UNM, 1);
			LIST(s, 0, MOV, 20);
			break;
		case G610:
			LIST(s, 1, MOV, 2);
			LIST(s, 0, MOV, 1, 20);
			none_of(s, UNM);
			break;
		case G615:
			LIST(s, 2, MOV, 0);
			EMPTY(s, 0, MOV);
			none_of(s, UNM);
			break;
		}
		EXT1(s, (enum gen)g, UNM, MOV, true, false, true);
		MIXED(s, 1);
		fs_sim_free(s);
	}
}

/* 6.15's claim loop goes on to lower orders when a claim is refused
 * (try_to_steal_block returns NULL, the loop continues). Pageblock 0 as
 * above (unclaimable, free order 2 at 0); pageblock 1 (MOVABLE) has free
 * order 0 at 20 and 15 unmovable pages, so alike = 15 and it can be claimed.
 *   6.15:   order 2 refused, order 0 at 20 claimed: pageblock 1 becomes
 *           UNMOVABLE, the request gets 20;
 *   6.10:   single page from the largest buddy (0), remainders MOVABLE;
 *   4.19:   order 2: pageblock 0's pages moved, not claimed, 0;
 *   2.6.24, 3.10: order 2 at 0, stolen. */
Test(grouping, claim_search_continues_below_a_refusal)
{
	static const uint64_t want[NGEN] = { 0, 0, 0, 0, 20 };

	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);

		at(s, 4, 2, MOV);
		at(s, 8, 3, MOV);
		at(s, 16, 2, UNM);
		at(s, 21, 0, UNM);
		at(s, 22, 1, UNM);
		at(s, 24, 3, UNM);
		fill_g1(s, KEEP_PB0 | KEEP_PB1);
		tu_retype(s, 0, MOV);
		tu_retype(s, 16, MOV);

		PFN(pol(s, ID(1), 0, UNM), want[g]);
		PB(s, 0, MOV);
		PB(s, 16, g == G615 ? UNM : MOV);
		switch (g) {
		case G2624:
		case G310:
		case G419:
			LIST(s, 1, UNM, 2);
			LIST(s, 0, UNM, 1);
			LIST(s, 0, MOV, 20);
			break;
		case G610:
			LIST(s, 1, MOV, 2);
			LIST(s, 0, MOV, 1, 20);
			none_of(s, UNM);
			break;
		case G615:
			LIST(s, 2, MOV, 0);
			EMPTY(s, 0, MOV);
			none_of(s, UNM);
			break;
		}
		EXT1(s, (enum gen)g, UNM, MOV, true, g == G615, true);
		fs_sim_free(s);
	}
}

/* ---- claiming: free + alike >= half (4.19+), moved >= half (2.6.24, 3.10) -- */

/* Pageblock 0 (UNMOVABLE): free order 2 at 0; allocated 12 pages of which
 * k are movable. A MOVABLE order-0 request (order 2 >= pageblock_order/2:
 * may steal) uses alike = movable pages: claimed iff 4 + k >= 8.
 *   k = 4: 4.19, 6.10, 6.15 claim: block MOVABLE, request 0, remainders
 *          MOVABLE; 2.6.24, 3.10 move 4 pages < 8: no retype, but the
 *          remainders go MOVABLE (pages were stolen);
 *   k = 3: nobody claims; 4.19 has moved the free pages to MOVABLE anyway;
 *          6.10 single page, remainders stay UNMOVABLE (block type); 6.15
 *          claim refused, steal the smallest (the same order 2): remainders
 *          stay UNMOVABLE (fallback type). */
static struct fs_sim *unmovable_block_with_movable(enum gen g, unsigned k)
{
	struct fs_sim *s = G1(g);

	if (k == 4) {
		at(s, 4, 2, MOV);
	} else {
		at(s, 4, 1, MOV);
		at(s, 6, 0, MOV);
		at(s, 7, 0, UNM);
	}
	at(s, 8, 3, UNM);
	fill_g1(s, KEEP_PB0);
	tu_retype(s, 0, UNM);
	LIST(s, 2, UNM, 0);
	MIXED(s, 1);
	return s;
}

Test(grouping, claim_threshold_movable_request)
{
	for (unsigned k = 3; k <= 4; k++) {
		for (int g = 0; g < NGEN; g++) {
			struct fs_sim *s = unmovable_block_with_movable((enum gen)g, k);
			bool claim = k == 4 && g >= G419;
			unsigned rem = g <= G419 || claim ? MOV : UNM;

			PFN(pol(s, ID(1), 0, MOV), 0);
			PB(s, 0, claim ? MOV : UNM);
			LIST(s, 1, rem, 2);
			LIST(s, 0, rem, 1);
			none_of(s, rem == MOV ? UNM : MOV);
			EXT1(s, (enum gen)g, MOV, UNM, true, claim, true);
			MIXED(s, 1);
			fs_sim_free(s);
		}
	}
}

/* Pageblock 0 (MOVABLE): free order 2 at 0; allocated 12 pages, k movable.
 * An UNMOVABLE order-0 request from a MOVABLE block uses alike = pageblock
 * pages - free - movable = 12 - k: claimed iff 4 + 12 - k >= 8, k <= 8. */
static struct fs_sim *movable_block_with_unmovable(enum gen g, unsigned k)
{
	struct fs_sim *s = G1(g);

	if (k == 8) {
		at(s, 4, 2, UNM);
	} else {
		at(s, 4, 1, UNM);
		at(s, 6, 0, UNM);
		at(s, 7, 0, MOV);
	}
	at(s, 8, 3, MOV);
	fill_g1(s, KEEP_PB0);
	tu_retype(s, 0, MOV);
	LIST(s, 2, MOV, 0);
	return s;
}

Test(grouping, claim_threshold_unmovable_request)
{
	for (unsigned k = 8; k <= 9; k++) {
		for (int g = 0; g < NGEN; g++) {
			struct fs_sim *s = movable_block_with_unmovable((enum gen)g, k);
			bool claim = k == 8 && g >= G419;
			unsigned rem = g <= G419 || claim ? UNM : MOV;

			PFN(pol(s, ID(1), 0, UNM), 0);
			PB(s, 0, claim ? UNM : MOV);
			LIST(s, 1, rem, 2);
			LIST(s, 0, rem, 1);
			none_of(s, rem == MOV ? UNM : MOV);
			EXT1(s, (enum gen)g, UNM, MOV, true, claim, true);
			fs_sim_free(s);
		}
	}
}

/* alike is 0 when neither the request nor the block is MOVABLE: a
 * RECLAIMABLE request cannot tell the 12 unmovable pages of an UNMOVABLE
 * block from its own kind (4 free < 8: refused), but counts them as alike
 * in a MOVABLE block (4 + 12 >= 8: claimed). 2.6.24 and 3.10 claim neither
 * (4 pages moved < 8). */
Test(grouping, claim_alike_only_from_movable_blocks)
{
	for (int blk = 0; blk < 2; blk++) {
		unsigned btype = blk ? MOV : UNM;

		for (int g = 0; g < NGEN; g++) {
			struct fs_sim *s = G1((enum gen)g);
			bool claim = btype == MOV && g >= G419;
			unsigned rem = g <= G419 || claim ? REC : btype;

			at(s, 4, 2, UNM);
			at(s, 8, 3, UNM);
			fill_g1(s, KEEP_PB0);
			tu_retype(s, 0, btype);

			PFN(pol(s, ID(1), 0, REC), 0);
			PB(s, 0, claim ? REC : btype);
			LIST(s, 1, rem, 2);
			LIST(s, 0, rem, 1);
			EXT1(s, (enum gen)g, REC, btype, true, claim, true);
			fs_sim_free(s);
		}
	}
}

/* 2.6.24 and 3.10 claim when the pages move_freepages_block moved reach
 * half the block (4.19+ get the same answer here: the allocated pages are
 * unmovable, so alike = 0 for a MOVABLE request). Pageblock 0 (UNMOVABLE)
 * has free blocks order 2 at 0, order 1 at 6, order 0 at 8 and 12: 8 free
 * pages; with 12 allocated too, 7. A MOVABLE order-0 request finds order 2
 * at 0 (largest) and:
 *   8 free:
 *   2.6.24, 3.10: move all four blocks to MOVABLE (list_add: at the head,
 *           walking up), retype, split the found buddy: 0; remainders at the
 *           heads: MOVABLE order 1 [2, 6], order 0 [1, 12, 8];
 *   4.19:   move likewise (list_move: head), claim, then
 *           __rmqueue_smallest(MOVABLE, 0) takes the order-0 head: 12;
 *   6.10, 6.15: claim moves the blocks to the tails (list_move_tail):
 *           order 0 [8, 12]; __rmqueue_smallest takes 8.
 *   7 free:
 *   2.6.24, 3.10: moved, no retype; 0; order 0 [1, 8];
 *   4.19:   moved, no retype; __rmqueue_smallest takes 8;
 *   6.10:   claim refused: single page from order 2 at 0, remainders stay
 *           UNMOVABLE: order 1 [2, 6], order 0 [1, 8];
 *   6.15:   claim at order 2 refused; at order 1 a fallback is found but
 *           MOVABLE may not claim there: stop; steal the smallest: 8. */
static struct fs_sim *half_free_block(enum gen g, unsigned nfree)
{
	struct fs_sim *s = G1(g);

	at(s, 4, 1, UNM);
	at(s, 9, 0, UNM);
	at(s, 10, 1, UNM);
	if (nfree == 7)
		at(s, 12, 0, UNM);
	at(s, 13, 0, UNM);
	at(s, 14, 1, UNM);
	fill_g1(s, KEEP_PB0);
	tu_retype(s, 0, UNM);
	LIST(s, 2, UNM, 0);
	LIST(s, 1, UNM, 6);
	if (nfree == 8)
		LIST(s, 0, UNM, 8, 12);
	else
		LIST(s, 0, UNM, 8);
	return s;
}

Test(grouping, claim_threshold_half_free)
{
	for (int g = 0; g < NGEN; g++) {
		/* 8 free pages: claimed everywhere */
		static const uint64_t want8[NGEN] = { 0, 0, 12, 8, 8 };
		struct fs_sim *s = half_free_block((enum gen)g, 8);

		PFN(pol(s, ID(1), 0, MOV), want8[g]);
		PB(s, 0, MOV);
		none_of(s, UNM);
		switch (g) {
		case G2624:
		case G310:
			EMPTY(s, 2, MOV);
			LIST(s, 1, MOV, 2, 6);
			LIST(s, 0, MOV, 1, 12, 8);
			break;
		case G419:
			LIST(s, 2, MOV, 0);
			LIST(s, 1, MOV, 6);
			LIST(s, 0, MOV, 8);
			break;
		default:
			LIST(s, 2, MOV, 0);
			LIST(s, 1, MOV, 6);
			LIST(s, 0, MOV, 12);
			break;
		}
		EXT1(s, (enum gen)g, MOV, UNM, true, true, true);
		fs_sim_free(s);
	}
	for (int g = 0; g < NGEN; g++) {
		/* 7 free pages: claimed nowhere */
		static const uint64_t want7[NGEN] = { 0, 0, 8, 0, 8 };
		struct fs_sim *s = half_free_block((enum gen)g, 7);

		PFN(pol(s, ID(1), 0, MOV), want7[g]);
		PB(s, 0, UNM);
		switch (g) {
		case G2624:
		case G310:
			LIST(s, 1, MOV, 2, 6);
			LIST(s, 0, MOV, 1, 8);
			none_of(s, UNM);
			break;
		case G419:
			LIST(s, 2, MOV, 0);
			LIST(s, 1, MOV, 6);
			EMPTY(s, 0, MOV);
			none_of(s, UNM);
			break;
		case G610:
			LIST(s, 1, UNM, 2, 6);
			LIST(s, 0, UNM, 1, 8);
			none_of(s, MOV);
			break;
		case G615:
			LIST(s, 2, UNM, 0);
			LIST(s, 1, UNM, 6);
			EMPTY(s, 0, UNM);
			none_of(s, MOV);
			break;
		}
		EXT1(s, (enum gen)g, MOV, UNM, true, false, true);
		fs_sim_free(s);
	}
}

/* ---- where the remainders go and which page is taken ----------------------- */

/* 4.19 moves the found block's pageblock to the requested lists and then
 * retries __rmqueue_smallest, which takes the SMALLEST moved block, not
 * the buddy the search found. Pageblock 0 (MOVABLE): free order 2 at 0 and
 * order 0 at 8, 11 movable pages allocated (UNMOVABLE cannot claim it:
 * 5 + 0 < 8). An UNMOVABLE order-0 request:
 *   2.6.24, 3.10: the found buddy itself: 0, remainders UNMOVABLE
 *           (order 0 [1, 8]: 8 was moved there too);
 *   4.19:   8; order 2 at 0 stays on the UNMOVABLE list in a MOVABLE block;
 *   6.10:   0 from the largest buddy, remainders MOVABLE ([1, 8]);
 *   6.15:   claims refused; steal the smallest: 8; order 2 stays MOVABLE. */
Test(grouping, which_block_is_taken_after_a_move)
{
	static const uint64_t want[NGEN] = { 0, 0, 8, 0, 8 };

	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);

		at(s, 4, 2, MOV);
		at(s, 9, 0, MOV);
		at(s, 10, 1, MOV);
		at(s, 12, 2, MOV);
		fill_g1(s, KEEP_PB0);
		tu_retype(s, 0, MOV);
		LIST(s, 2, MOV, 0);
		LIST(s, 0, MOV, 8);

		PFN(pol(s, ID(1), 0, UNM), want[g]);
		PB(s, 0, MOV);
		switch (g) {
		case G2624:
		case G310:
			LIST(s, 1, UNM, 2);
			LIST(s, 0, UNM, 1, 8);
			none_of(s, MOV);
			break;
		case G419:
			LIST(s, 2, UNM, 0);
			EMPTY(s, 0, UNM);
			none_of(s, MOV);
			break;
		case G610:
			LIST(s, 1, MOV, 2);
			LIST(s, 0, MOV, 1, 8);
			none_of(s, UNM);
			break;
		case G615:
			LIST(s, 2, MOV, 0);
			EMPTY(s, 0, MOV);
			none_of(s, UNM);
			break;
		}
		EXT1(s, (enum gen)g, UNM, MOV, true, false, true);
		fs_sim_free(s);
	}
}

/* Where moved blocks land on a non-empty list: list_move / list_add (head)
 * in 2.6.24, 3.10 and 4.19, list_move_tail (tail) in 6.1+. Pageblock 1 is
 * UNMOVABLE with one free page, 16. Pageblock 0 (MOVABLE): free order 2 at
 * 0 and order 0 at 8, 11 unmovable pages (alike 11: claimable in 4.19+;
 * 5 moved < 8: not in 2.6.24/3.10). An UNMOVABLE order-1 request finds no
 * UNMOVABLE block of order >= 1, falls back to order 2 at 0, moves 8 onto
 * the UNMOVABLE order-0 list next to 16, and splits 0 (remainder 2). */
Test(grouping, moved_blocks_list_position)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);

		at(s, 4, 2, UNM);
		at(s, 9, 0, UNM);
		at(s, 10, 1, UNM);
		at(s, 12, 2, UNM);
		at(s, 17, 0, UNM);
		at(s, 18, 1, UNM);
		at(s, 20, 2, UNM);
		at(s, 24, 3, UNM);
		fill_g1(s, KEEP_PB0 | KEEP_PB1);
		tu_retype(s, 0, MOV);
		tu_retype(s, 16, UNM);
		LIST(s, 0, UNM, 16);

		PFN(pol(s, ID(1), 1, UNM), 0);
		PB(s, 0, g >= G419 ? UNM : MOV);
		LIST(s, 1, UNM, 2);
		if (g <= G419)
			LIST(s, 0, UNM, 8, 16);
		else
			LIST(s, 0, UNM, 16, 8);
		none_of(s, MOV);
		EXT1(s, (enum gen)g, UNM, MOV, true, g >= G419, true);
		fs_sim_free(s);
	}
}

/* ---- frees ---------------------------------------------------------------------- */

/* A free goes to the list of the pageblock's type at free time
 * (get_pageblock_migratetype / get_pfnblock_migratetype), not the type the
 * page was allocated with. */
Test(grouping, free_goes_to_current_block_type)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);

		at(s, 16, 4, MOV);                      /* keeps pageblock 0 from merging up */
		at(s, 0, 0, MOV);
		tu_retype(s, 0, UNM);                      /* 1, 2, 4, 8 now UNMOVABLE */
		fr(s, 0, 0);
		LIST(s, 4, UNM, 0);
		for (unsigned o = 0; o < 4; o++) {
			EMPTY(s, o, UNM);
			EMPTY(s, o, MOV);
		}
		EMPTY(s, 4, MOV);
		LIST(s, 5, MOV, 32, 64, 96);
		PB(s, 0, UNM);
		fs_sim_free(s);
	}
}

/* __free_one_page at order >= pageblock_order: 2.6.24, 3.10 and 4.19 merge
 * whatever the buddy's type (4.19 only keeps ISOLATE apart); the merged
 * block goes to the freed page's type and the buddy keeps its type. 6.10+
 * merge mergeable types and retype the buddy (set_pageblock_migratetype
 * (buddy, migratetype)). */
Test(grouping, merge_guard_retypes_buddy)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);

		at(s, 0, 4, UNM);
		at(s, 16, 4, MOV);
		fs_pb_set_type(s->m, 0, UNM);
		fr(s, 16, 4);
		LIST(s, 4, MOV, 16);
		fr(s, 0, 4);
		LIST(s, 5, UNM, 0);
		EMPTY(s, 4, MOV);
		EMPTY(s, 4, UNM);
		PB(s, 0, UNM);
		PB(s, 16, g >= G610 ? UNM : MOV);
		fs_sim_free(s);
	}
}

/* 6.10+ (migratetype_is_mergeable since 5.18): HIGHATOMIC does not merge
 * with another type. Before: no such check. */
Test(grouping, merge_guard_keeps_highatomic_apart)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);

		at(s, 0, 4, UNM);
		at(s, 16, 4, MOV);
		fs_pb_set_type(s->m, 0, UNM);
		fs_pb_set_type(s->m, 16, HAT);
		fr(s, 16, 4);
		LIST(s, 4, HAT, 16);
		fr(s, 0, 4);
		if (g >= G610) {
			LIST(s, 4, UNM, 0);
			LIST(s, 4, HAT, 16);
			EMPTY(s, 5, UNM);
		} else {
			LIST(s, 5, UNM, 0);
			EMPTY(s, 4, HAT);
		}
		PB(s, 16, HAT);
		fs_sim_free(s);
	}
}

/* 6.10+ free a block larger than a pageblock one pageblock at a time, each
 * with its own type (split_large_buddy): pageblock 0 (UNMOVABLE) goes to
 * the UNMOVABLE list, then pageblock 1 (MOVABLE) merges with it and retypes
 * it: one MOVABLE order-5 block, at the head. Before 6.10 the whole block
 * goes to pageblock 0's type and nothing is retyped. */
Test(grouping, large_free_split_per_pageblock)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);

		at(s, 0, 5, MOV);
		fs_pb_set_type(s->m, 0, UNM);
		fr(s, 0, 5);
		if (g >= G610) {
			LIST(s, 5, MOV, 0, 32, 64, 96);
			none_of(s, UNM);
			PB(s, 0, MOV);
		} else {
			LIST(s, 5, UNM, 0);
			LIST(s, 5, MOV, 32, 64, 96);
			PB(s, 0, UNM);
		}
		PB(s, 16, MOV);
		fs_sim_free(s);
	}
}

/* Merging with a buddy larger than a pageblock. Machine: 128 pages,
 * max_order 5, pageblock_order 3 (8-page pageblocks at 0, 8, 16, 24).
 * Pageblocks 0 and 8 UNMOVABLE, 16 and 24 MOVABLE, each an allocated
 * order-3 block; freed 16, 24 (-> MOVABLE order 4 at 16), 8, then 0: 0
 * and 8 merge (UNMOVABLE order 4), then meet the MOVABLE order-4 buddy. */
static struct fs_sim *big_buddy(enum gen g)
{
	struct fs_sim *s = gsim(g, 128, 5, 3);

	at(s, 0, 3, UNM);
	at(s, 8, 3, UNM);
	at(s, 16, 3, MOV);
	at(s, 24, 3, MOV);
	at(s, 32, 5, MOV);
	at(s, 64, 5, MOV);
	at(s, 96, 5, MOV);
	fs_pb_set_type(s->m, 0, UNM);
	fs_pb_set_type(s->m, 8, UNM);
	fr(s, 16, 3);
	fr(s, 24, 3);
	LIST(s, 4, MOV, 16);
	fr(s, 8, 3);
	fr(s, 0, 3);
	LIST(s, 5, UNM, 0);
	none_of(s, MOV);
	return s;
}

/* before 6.10: no retype at all */
Test(grouping, merge_with_large_buddy_before_6_10)
{
	for (int g = G2624; g <= G419; g++) {
		struct fs_sim *s = big_buddy((enum gen)g);

		PB(s, 0, UNM);
		PB(s, 8, UNM);
		PB(s, 16, MOV);
		PB(s, 24, MOV);
		fs_sim_free(s);
	}
}

/* 6.10+ __free_one_page retypes the buddy with set_pageblock_migratetype
 * (buddy, migratetype): the ONE pageblock holding the buddy's head page,
 * not change_pageblock_range over all of them. So of the order-4 MOVABLE
 * buddy at 16 only pageblock 16 becomes UNMOVABLE; pageblock 24 stays
 * MOVABLE inside a block on the UNMOVABLE list. (Kernel: 6.12 __free_one_page
 *   if (unlikely(buddy_mt != migratetype))
 *           set_pageblock_migratetype(buddy, migratetype);
 * introduced by the 6.10 series' "mm: page_alloc: fix up block types when
 * merging compatible blocks"; the shared reference's "change_pageblock_range"
 * in section 1.4 is wrong on this point.) The policy's buddy core
 * (sim/buddy.c, FS_MERGE_RETYPE) retypes every pageblock of the buddy. */
Test(grouping, merge_retypes_only_the_buddys_first_pageblock)
{
	for (int g = G610; g <= G615; g++) {
		struct fs_sim *s = big_buddy((enum gen)g);

		PB(s, 0, UNM);
		PB(s, 8, UNM);
		PB(s, 16, UNM);
		PB(s, 24, MOV);
		cr_assert_eq(s->m->zones[0].nr_pageblocks[UNM], 3, "%s", cur);
		fs_sim_free(s);
	}
}

/* buddy_merge_likely (3.10+; 2.6.24 always list_add at the head): a freed
 * block whose enclosing order+1 block's buddy is free goes to the tail.
 * Free 0 (buddy 1 allocated, 2-3 free as order 1) next to free page 5. */
Test(grouping, merge_likely_tail_from_3_10)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = G1((enum gen)g);

		at(s, 0, 0, MOV);
		at(s, 1, 0, MOV);
		at(s, 4, 0, MOV);
		LIST(s, 0, MOV, 5);
		fr(s, 0, 0);
		if (g == G2624)
			LIST(s, 0, MOV, 0, 5);
		else
			LIST(s, 0, MOV, 5, 0);
		fs_sim_free(s);
	}
}

/* ---- ALLOC_NOFRAGMENT (5.0+; on in the policy from 6.10) ---------------------- */

/* Two zones, DMA32 [0, 128) and Normal [128, 256), pageblock_order 4,
 * max_order 5, watermarks off. DMA32 has an UNMOVABLE pageblock with free
 * order 2 at 0; Normal has a MOVABLE pageblock with free order 2 at 128 (12
 * movable pages: unclaimable); nothing else is free. An UNMOVABLE order-0
 * request prefers Normal:
 *   4.19 (no ALLOC_NOFRAGMENT): Normal's fallback steals from 128;
 *   6.x: the first zonelist pass runs with ALLOC_NOFRAGMENT, so the
 *        fallback looks only at orders >= pageblock_order
 *        (__rmqueue_fallback / __rmqueue_claim min_order) and finds
 *        nothing in Normal - 6.10 returns NULL after the largest-first
 *        loop ("return NULL;" before find_smallest:, which is reached only
 *        by the goto), 6.15 skips __rmqueue_steal - and DMA32 serves the
 *        request from its own UNMOVABLE list: 0. */
static struct fs_sim *two_zones(enum gen g, bool dma32_free)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };

	cur = gen_name[g];
	tu_layout_two(&l, 128, 5, 4);
	{
		char spec[96];

		snprintf(spec, sizeof(spec), "%s:watermarks=off,pcp=off,reserve=off", gen_name[g]);
		cr_assert_eq(fs_sim_new(&s, &l, spec, FS_PLACE_POLICY, &err), 0, "%s", err.msg);
	}
	s->debug_check = 1;
	if (dma32_free) {
		at(s, 4, 2, UNM);
		at(s, 8, 3, UNM);
		fill_g1(s, KEEP_PB0);
		tu_retype(s, 0, UNM);
	} else {
		at(s, 0, 5, UNM);
		fill_g1(s, KEEP_PB0 | KEEP_PB1);
	}
	at(s, 132, 2, MOV);
	at(s, 136, 3, MOV);
	at(s, 144, 4, MOV);
	at(s, 160, 5, MOV);
	at(s, 192, 5, MOV);
	at(s, 224, 5, MOV);
	return s;
}

static void nofragment_case(enum gen g)
{
	struct fs_sim *s = two_zones(g, true);

	PFN(pol(s, ID(1), 0, UNM), g == G419 ? 128 : 0);
	fs_sim_free(s);
	/* nothing in DMA32: the pass without ALLOC_NOFRAGMENT steals */
	s = two_zones(g, false);
	PFN(pol(s, ID(1), 0, UNM), 128);
	fs_sim_free(s);
}

Test(grouping, nofragment_spills_to_lower_zone)
{
	nofragment_case(G419);
	nofragment_case(G615);
}

/* 6.10 __rmqueue_fallback (as c2f6ea38's removed lines show):
 *   for (current_order = MAX_PAGE_ORDER; current_order >= min_order; ...) {
 *           ... goto find_smallest; / goto do_steal;
 *   }
 *   return NULL;
 *   find_smallest: ...
 * With ALLOC_NOFRAGMENT (min_order = pageblock_order) and no fallback block
 * of order >= pageblock_order it returns NULL, and the zonelist walk moves
 * on to DMA32. The policy's search_419 instead falls through into its
 * smallest-first loop from the requested order and steals order 2 at 128
 * in Normal. */
Test(grouping, nofragment_spills_to_lower_zone_6_10)
{
	nofragment_case(G610);
}

/* ---- grouping disabled ---------------------------------------------------------- */

/* page_group_by_mobility_disabled when pages < pageblock_nr_pages *
 * MIGRATE_TYPES (5 without CMA): every request is treated as UNMOVABLE
 * (gfp_migratetype / allocflags_to_migratetype), so a MOVABLE request ends
 * up in an UNMOVABLE pageblock and is recorded under no MOVABLE fallback.
 * pageblock_order 3: 39 pages disabled, 40 enabled. */
Test(grouping, disabled_below_five_pageblocks)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = gsim((enum gen)g, 40, 4, 3);
		const struct fs_extfrag_stats *e = &s->m->zones[0].extfrag;
		uint64_t p;

		/* enabled: boot blocks MOVABLE; the smallest MOVABLE block is
		 * order 3 at 32 */
		cr_assert_eq(s->m->zones[0].nr_pageblocks[MOV], 5, "%s", cur);
		PFN(pol(s, ID(1), 0, MOV), 32);
		PB(s, 32, MOV);
		LIST(s, 0, MOV, 33);
		cr_assert_eq(e->events, 0, "%s", cur);
		fs_sim_free(s);

		s = gsim((enum gen)g, 39, 4, 3);
		e = &s->m->zones[0].extfrag;
		p = pol(s, ID(1), 0, MOV);
		PB(s, p, UNM);
		for (unsigned t = 0; t < FS_MT_NR; t++)
			cr_assert_eq(e->by_type[MOV][t], 0, "%s: a MOVABLE fallback was recorded", cur);
		p = pol(s, ID(2), 0, REC);
		PB(s, p, UNM);
		fs_sim_free(s);
	}
}

/* What the kernel does at boot when grouping is disabled: memmap_init
 * marks every pageblock MOVABLE (set_pageblock_migratetype) before
 * build_all_zonelists computes page_group_by_mobility_disabled (setup_arch
 * -> ... -> free_area_init -> memmap_init runs first in start_kernel), and
 * memblock_free_all then frees boot memory to the lists of those MOVABLE
 * blocks. 2.6.24's set_pageblock_migratetype does not look at the flag at
 * all. So the first (UNMOVABLE-treated) request finds no UNMOVABLE block,
 * falls back to the largest MOVABLE block (order 4 at 0) and claims it; the
 * other order-4 block (16) is still MOVABLE. 39 pages: MOVABLE order 4
 * [0, 16], order 2 [32], order 1 [36], order 0 [38].
 * The policy instead makes every pageblock UNMOVABLE at init and frees boot
 * memory to UNMOVABLE lists, so the request takes the smallest block, 38. */
Test(grouping, disabled_boot_blocks_are_movable)
{
	for (int g = 0; g < NGEN; g++) {
		struct fs_sim *s = gsim((enum gen)g, 39, 4, 3);

		cr_assert_eq(s->m->zones[0].nr_pageblocks[MOV], 5, "%s: boot pageblocks", cur);
		LIST(s, 4, MOV, 0, 16);
		PFN(pol(s, ID(1), 0, MOV), 0);
		PB(s, 0, UNM);
		PB(s, 16, MOV);
		if (g >= G310)
			cr_assert_eq(s->m->zones[0].extfrag.events, 1, "%s", cur);
		fs_sim_free(s);
	}
}

/* ---- mixed pageblocks --------------------------------------------------------- */

/* page_owner's mixed count: pageblocks holding allocations of another
 * type. Plain buddy never types blocks (all stay MOVABLE), so an
 * UNMOVABLE allocation mixes its block; grouping claims a block for it. */
Test(grouping, mixed_pageblocks_buddy_vs_grouping)
{
	struct fs_sim *s;
	struct fs_layout l;
	struct fs_err err = { { 0 } };

	cur = "buddy";
	fs_layout_single(&l, 128);
	l.max_order = 5;
	l.pageblock_order = 4;
	cr_assert_eq(fs_sim_new(&s, &l, "buddy", FS_PLACE_POLICY, &err), 0, "%s", err.msg);
	s->debug_check = 1;
	PFN(pol(s, ID(1), 0, UNM), 0);
	MIXED(s, 1);
	PFN(pol(s, ID(2), 0, MOV), 1);
	MIXED(s, 1);
	PFN(pol(s, ID(3), 0, REC), 2);
	MIXED(s, 1);
	cr_assert_eq(s->m->zones[0].nr_pageblocks[MOV], 8);
	fr(s, ID(1), 0);
	fr(s, ID(3), 0);
	MIXED(s, 0);
	fs_sim_free(s);

	for (int g = 0; g < NGEN; g++) {
		s = G1((enum gen)g);
		PFN(pol(s, ID(1), 0, UNM), 0);
		MIXED(s, 0);
		PFN(pol(s, ID(2), 0, MOV), 32);
		MIXED(s, 0);
		PFN(pol(s, ID(3), 0, REC), 64);
		MIXED(s, 0);
		cr_assert_eq(s->m->zones[0].nr_pageblocks[MOV], g == G2624 ? 6u : 4u, "%s", cur);
		fs_sim_free(s);
	}
}
