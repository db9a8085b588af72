/* test_keyed_zones.c - Bligh's keyed zones (policies/keyed_zones*.c): the
 * proposal's allocation order, labelling and unkeying, inappropriately
 * keyed placement, and the defragmenter, on small machines whose pfns are
 * worked out by hand below; then random sequences with many keys under the
 * invariant checker (fs_check) and the policy's own counts recomputed from
 * the allocation table.
 *
 * Machine K1: one zone (Normal) of 64 pages, max_order 5, pageblock_order
 * 4, so zone_order defaults to 4: keyed zones of 16 pages at pfns 0, 16,
 * 32, 48. Keys are the events' key ids (key=comm) unless a test says
 * otherwise. A fresh keyed zone is one free order-4 block; allocating
 * order 0 from it takes its first page and leaves 1 (o0), 2 (o1), 4 (o2),
 * 8 (o3) free, relative to the zone. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../policies/keyed_zones.h"
#include "initial.h"
#include "procfs.h"
#include "fragsim.h"
#include "policy.h"
#include "test_util.h"

#define MOV FS_MT_MOVABLE
#define UNM FS_MT_UNMOVABLE

static uint64_t now;

static struct fs_sim *ksim_layout(const char *spec, const struct fs_layout *l)
{
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };
	int rc = fs_sim_new(&s, l, spec, FS_PLACE_POLICY, &err);

	cr_assert_eq(rc, 0, "fs_sim_new(\"%s\"): %s", spec, err.msg);
	s->debug_check = 1;
	return s;
}

static struct fs_sim *ksim(const char *spec, uint64_t pages)
{
	struct fs_layout l;

	fs_layout_single(&l, pages);
	l.max_order = 5;
	l.pageblock_order = 4;
	return ksim_layout(spec, &l);
}

/* Two zone types: DMA32 pfns 0-63, Normal 64-127 (4 keyed zones each). */
static struct fs_sim *ksim2(const char *spec)
{
	struct fs_layout l;

	tu_layout_two(&l, 64, 5, 4);
	return ksim_layout(spec, &l);
}

static void apply_f(struct fs_sim *s, unsigned kind, uint64_t ident, unsigned order, unsigned mt,
		    uint32_t key, uint8_t flags)
{
	struct fs_event e = {
		.time_ns = now += 1000, .ident = ident, .kind = (uint8_t)kind, .key = key,
		.order = (uint8_t)order, .mt = (uint8_t)mt, .flags = FS_EVF_HAS_MT | flags,
	};

	struct fs_err err = { { 0 } };

	cr_assert_eq(fs_sim_apply(s, &e), 0, "%s %#llx order %u: invariant check failed",
		     kind == FS_EV_ALLOC ? "alloc" : "free", (unsigned long long)ident, order);
	cr_assert_eq(fs_kz_check(s->pol, &err), 0, "%s %#llx order %u: %s",
		     kind == FS_EV_ALLOC ? "alloc" : "free", (unsigned long long)ident, order, err.msg);
}

static void apply(struct fs_sim *s, unsigned kind, uint64_t ident, unsigned order, unsigned mt,
		  uint32_t key)
{
	apply_f(s, kind, ident, order, mt, key, 0);
}

/* a defragmenter tick, then both checkers */
static void tick(struct fs_sim *s, uint64_t t)
{
	struct fs_err err = { { 0 } };

	fs_sim_tick(s, t);
	cr_assert_eq(fs_check(s, &err), 0, "after a tick: %s", err.msg);
	cr_assert_eq(fs_kz_check(s->pol, &err), 0, "after a tick: %s", err.msg);
}

static uint64_t where(const struct fs_sim *s, uint64_t id)
{
	const struct fs_alloc *a = fs_alloctab_lookup(&s->at, id);

	cr_assert_not_null(a, "%#llx is not live", (unsigned long long)id);
	return s->m->base_pfn + a->pfn_idx;
}

/* allocate identity id for key; returns the pfn it was placed at */
static uint64_t al(struct fs_sim *s, uint64_t id, unsigned order, unsigned mt, uint32_t key)
{
	apply(s, FS_EV_ALLOC, id, order, mt, key);
	return where(s, id);
}

static void fr(struct fs_sim *s, uint64_t id, unsigned order)
{
	uint64_t before = s->c.frees;

	apply(s, FS_EV_FREE, id, order, 0, 0);
	cr_assert_eq(s->c.frees, before + 1, "free of %#llx was not applied", (unsigned long long)id);
}

/* A policy statistic by name, for zone (-1: all). */
static uint64_t stat(const struct fs_sim *s, const char *name, int zone)
{
	uint64_t v[FS_MAX_POLICY_STATS] = { 0 };

	s->pol->ops->get_stats(s->pol, zone, v);
	for (unsigned i = 0; s->pol->ops->stats[i].name; i++)
		if (!strcmp(s->pol->ops->stats[i].name, name))
			return v[i];
	cr_assert_fail("no statistic %s", name);
	return 0;
}

#define ID(n) ((uint64_t)(n) << 20)

Test(keyed_zones, allocation_order_within_and_across_keyed_zones)
{
	struct fs_sim *s = ksim("keyed-zones:key=comm,defrag=off", 64);

	/* key 1 labels the lowest unkeyed zone (0) and takes its first page */
	cr_assert_eq(al(s, ID(1), 0, UNM, 1), 0);
	cr_assert_eq(stat(s, "keyed_zones", -1), 1);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 3);
	/* its zones first: the smallest block that fits, 1 (o0) */
	cr_assert_eq(al(s, ID(2), 0, UNM, 1), 1);
	/* key 2: zone 0 is key 1's, so the next unkeyed zone, 16 */
	cr_assert_eq(al(s, ID(3), 0, UNM, 2), 16);
	/* key 1, order 3: zone 0's order-3 block at 8 */
	cr_assert_eq(al(s, ID(4), 3, UNM, 1), 8);
	/* key 1, order 2: 4 */
	cr_assert_eq(al(s, ID(5), 2, UNM, 1), 4);
	/* key 1, order 2 again: zone 0 has only 2 (o1) left, zone 16 is key
	 * 2's and has room, but the next unkeyed zone (32) comes first */
	cr_assert_eq(al(s, ID(6), 2, UNM, 1), 32);
	/* key 1, order 1: back to its first zone in order, block 2 */
	cr_assert_eq(al(s, ID(7), 1, UNM, 1), 2);
	/* and then its second zone: 32's remainder after the order-2 piece is
	 * 36 (o2), 40 (o3) */
	cr_assert_eq(al(s, ID(8), 0, UNM, 1), 36);
	cr_assert_eq(stat(s, "keyed_zones", -1), 3);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 1);
	cr_assert_eq(stat(s, "distinct_keys", -1), 2);
	cr_assert_eq(stat(s, "largest_key_zones", -1), 2);
	cr_assert_eq(stat(s, "keyed_pages", -1), 1 + 1 + 1 + 8 + 4 + 4 + 2 + 1);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 0);
	cr_assert_eq(stat(s, "rekeyed_zones", -1), 3);
	/* no free block is larger than a keyed zone */
	cr_assert_eq(s->m->zones[0].nr_free[5], 0);
	fs_sim_free(s);
}

Test(keyed_zones, key_parts_separate_types_and_orders)
{
	struct fs_sim *s = ksim("keyed-zones:key=mt+order,defrag=off", 64);

	cr_assert_eq(al(s, ID(1), 0, UNM, 7), 0);
	cr_assert_eq(al(s, ID(2), 0, UNM, 8), 1);       /* comm is not part of the key */
	cr_assert_eq(al(s, ID(3), 0, MOV, 7), 16);      /* another migrate type */
	cr_assert_eq(al(s, ID(4), 1, UNM, 7), 32);      /* another order */
	cr_assert_eq(stat(s, "distinct_keys", -1), 3);
	fs_sim_free(s);
}

Test(keyed_zones, last_free_unkeys_and_the_zone_is_rekeyed)
{
	struct fs_sim *s = ksim("keyed-zones:key=comm,defrag=off", 64);

	al(s, ID(1), 0, UNM, 1);                        /* zone 0 */
	al(s, ID(2), 0, UNM, 2);                        /* zone 16 */
	al(s, ID(3), 3, UNM, 2);                        /* zone 16: 24 */
	cr_assert_eq(al(s, ID(4), 0, UNM, 3), 32);
	fr(s, ID(2), 0);
	cr_assert_eq(stat(s, "keyed_zones", -1), 3);    /* 24 is still key 2's */
	fr(s, ID(3), 3);
	cr_assert_eq(stat(s, "keyed_zones", -1), 2);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 2);
	cr_assert_eq(stat(s, "distinct_keys", -1), 2);
	/* zone 16 is whole again and the lowest unkeyed zone: key 4 takes it */
	cr_assert_eq(s->m->zones[0].nr_free[4], 2);
	cr_assert_eq(al(s, ID(5), 0, UNM, 4), 16);
	/* key 2 comes back: 48, the next unkeyed zone */
	cr_assert_eq(al(s, ID(6), 0, UNM, 2), 48);
	cr_assert_eq(stat(s, "rekeyed_zones", -1), 5);
	fs_sim_free(s);
}

Test(keyed_zones, other_zone_types_then_any_zone)
{
	struct fs_sim *s = ksim2("keyed-zones:key=comm,defrag=off");

	/* four keys take Normal's four zones (64, 80, 96, 112) */
	for (uint32_t k = 1; k <= 4; k++)
		cr_assert_eq(al(s, ID(k), 0, UNM, k), 64 + 16 * (k - 1));
	/* key 5: no zone of its key, no unkeyed zone in Normal: DMA32's first */
	cr_assert_eq(al(s, ID(5), 0, UNM, 5), 0);
	cr_assert_eq(stat(s, "keyed_zones", 0), 1);
	cr_assert_eq(stat(s, "keyed_zones", 1), 4);
	/* fill DMA32 with keys 6..8 */
	for (uint32_t k = 6; k <= 8; k++)
		cr_assert_eq(al(s, ID(k), 0, UNM, k), 16 * (k - 5));
	/* key 1 fills its zone 64: 15 more pages (65 .. 79) */
	for (unsigned i = 0; i < 15; i++)
		al(s, ID(100 + i), 0, UNM, 1);
	cr_assert_eq(where(s, ID(114)), 79);
	/* key 1 again: its zones are full, nothing is unkeyed anywhere, so
	 * "the first page in ANY zone", starting with Normal: zone 80's first
	 * free page, 81 - an inappropriately keyed page */
	cr_assert_eq(al(s, ID(200), 0, UNM, 1), 81);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 1);
	cr_assert_eq(stat(s, "misplaced_pages", 1), 1);
	/* an order-4 request fits nowhere in Normal: DMA32 has no whole zone
	 * either, so it fails */
	apply(s, FS_EV_ALLOC, ID(300), 4, UNM, 9);
	cr_assert_eq(s->c.alloc_failures, 1);
	/* freeing the misplaced page clears the count */
	fr(s, ID(200), 0);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 0);
	fs_sim_free(s);
}

Test(keyed_zones, requests_above_zone_order_fail)
{
	struct fs_sim *s = ksim("keyed-zones:defrag=off", 64);

	apply(s, FS_EV_ALLOC, ID(1), 5, UNM, 1);
	cr_assert_eq(s->c.alloc_failures, 1);
	cr_assert_eq(stat(s, "oversize_failures", -1), 1);
	fs_sim_free(s);
	/* zone_order=5: one keyed zone of 32 pages, the order-5 block fits */
	s = ksim("keyed-zones:zone_order=5,defrag=off", 64);
	cr_assert_eq(al(s, ID(1), 5, UNM, 1), 0);
	cr_assert_eq(stat(s, "keyed_zones", -1), 1);
	fs_sim_free(s);
}

Test(keyed_zones, trace_placement_labels_and_counts_misplaced)
{
	struct fs_sim *s = ksim("keyed-zones:key=comm,defrag=off", 64);

	s->placement = FS_PLACE_TRACE;
	apply(s, FS_EV_ALLOC, 20, 0, UNM, 1);           /* labels zone 16 with key 1 */
	apply(s, FS_EV_ALLOC, 24, 2, UNM, 2);           /* key 2 in key 1's zone */
	cr_assert_eq(s->c.allocs, 2);
	cr_assert_eq(stat(s, "keyed_zones", -1), 1);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 4);
	apply(s, FS_EV_ALLOC, 25, 0, UNM, 2);           /* inside the order-2 allocation */
	cr_assert_eq(s->c.placement_conflicts, 1);
	/* a partial free of the misplaced allocation clears just its pages */
	apply(s, FS_EV_FREE, 26, 1, 0, 0);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 2);
	/* the zone's last pages go: unkeyed again */
	apply(s, FS_EV_FREE, 20, 0, 0, 0);
	apply(s, FS_EV_FREE, 24, 1, 0, 0);
	cr_assert_eq(stat(s, "keyed_zones", -1), 0);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 0);
	cr_assert_eq(s->m->zones[0].nr_free[4], 4);
	fs_sim_free(s);
}

/* Key 1 fills zone 0 (ids ID(0x100) + i at pfn i), key 2 labels zone 16,
 * and one more movable key-1 page lands in key 2's zone (pfn 17). */
static struct fs_sim *misplaced_setup(const char *spec)
{
	struct fs_sim *s = ksim(spec, 32);

	for (unsigned i = 0; i < 16; i++)
		cr_assert_eq(al(s, ID(0x100) + i, 0, MOV, 1), i);
	cr_assert_eq(al(s, ID(2), 0, UNM, 2), 16);
	cr_assert_eq(al(s, ID(3), 0, MOV, 1), 17);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 1);
	return s;
}

Test(keyed_zones, defragmenter_moves_misplaced_pages_home)
{
	struct fs_sim *s = misplaced_setup("keyed-zones:key=comm,sparse=0");

	/* nowhere to go yet: key 1's only zone is full */
	tick(s, now);
	cr_assert_eq(stat(s, "defrag_moves", -1), 0);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 1);
	fr(s, ID(0x100) + 5, 0);                        /* room in zone 0: pfn 5 */
	tick(s, now + 200000000);
	cr_assert_eq(stat(s, "defrag_passes", -1), 2);
	cr_assert_eq(stat(s, "defrag_moves", -1), 1);
	cr_assert_eq(s->c.migrated_pages, 1);
	cr_assert_eq(where(s, ID(3)), 5, "the misplaced page moved to key 1's free page");
	cr_assert_eq(stat(s, "misplaced_pages", -1), 0);
	cr_assert_eq(stat(s, "keyed_pages", -1), 17);
	/* the identity follows the page: its free releases pfn 5 */
	fr(s, ID(3), 0);
	cr_assert_eq(s->m->zones[0].free_pages, 1 + 15);
	cr_assert(fs_buddy_is_free_head(s->m, 5, 0));
	fs_sim_free(s);
}

Test(keyed_zones, defragmenter_moves_across_zone_types)
{
	/* key 1 fills Normal's zone 64; keys 2-4 take Normal's other zones,
	 * keys 5-8 DMA32's; key 1's next page goes to "the first page in ANY
	 * zone", Normal's 81 (key 2's zone). Then a key-1 page of zone 64 is
	 * freed: the defragmenter moves the misplaced page home. */
	struct fs_sim *s = ksim2("keyed-zones:key=comm,sparse=0");

	for (unsigned i = 0; i < 16; i++)
		cr_assert_eq(al(s, ID(0x100) + i, 0, MOV, 1), 64 + i);
	for (uint32_t k = 2; k <= 4; k++)
		cr_assert_eq(al(s, ID(k), 0, UNM, k), 64 + 16 * (k - 1));
	for (uint32_t k = 5; k <= 8; k++)
		cr_assert_eq(al(s, ID(k), 0, UNM, k), 16 * (k - 5));
	cr_assert_eq(al(s, ID(9), 0, MOV, 1), 81);
	cr_assert_eq(stat(s, "misplaced_pages", 1), 1);
	fr(s, ID(0x100) + 3, 0);
	tick(s, now);
	cr_assert_eq(where(s, ID(9)), 67);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 0);
	cr_assert_eq(stat(s, "defrag_moves", 1), 1);
	fs_sim_free(s);
	/* the same with key 1's only zone in DMA32: the page moves from
	 * Normal to DMA32, the other zone type */
	s = ksim2("keyed-zones:key=comm,sparse=0");
	for (uint32_t k = 2; k <= 5; k++)
		cr_assert_eq(al(s, ID(k), 0, UNM, k), 64 + 16 * (k - 2));
	for (unsigned i = 0; i < 16; i++)
		cr_assert_eq(al(s, ID(0x100) + i, 0, MOV, 1), i);
	for (uint32_t k = 6; k <= 8; k++)
		al(s, ID(k), 0, UNM, k);
	cr_assert_eq(al(s, ID(9), 0, MOV, 1), 65, "misplaced in Normal, first zone first");
	fr(s, ID(0x100) + 7, 0);
	tick(s, now);
	cr_assert_eq(where(s, ID(9)), 7);
	cr_assert_eq(s->zc[1].migrated_pages, 0);
	cr_assert_eq(s->zc[0].migrated_pages, 1, "counted in the zone it moved to");
	cr_assert_eq(stat(s, "defrag_moves", 1), 1, "counted in the zone type it left");
	fs_sim_free(s);
}

Test(keyed_zones, one_key_for_all)
{
	struct fs_sim *s = ksim("keyed-zones:key=none,defrag=off", 64);

	/* every allocation has the same key: zones fill in order, nothing is
	 * ever misplaced */
	for (unsigned i = 0; i < 40; i++)
		al(s, ID(0x100) + i, 0, (i & 1) ? MOV : UNM, i);
	cr_assert_eq(where(s, ID(0x100) + 39), 39);
	cr_assert_eq(stat(s, "keyed_zones", -1), 3);
	cr_assert_eq(stat(s, "distinct_keys", -1), 1);
	cr_assert_eq(stat(s, "largest_key_zones", -1), 3);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 0);
	fs_sim_free(s);
}

Test(keyed_zones, defragmenter_leaves_unmovable_misplaced_pages)
{
	struct fs_sim *s = ksim("keyed-zones:key=comm,sparse=0", 32);

	for (unsigned i = 0; i < 16; i++)
		al(s, ID(0x100) + i, 0, UNM, 1);
	al(s, ID(2), 0, UNM, 2);
	cr_assert_eq(al(s, ID(3), 0, UNM, 1), 17);
	fr(s, ID(0x100), 0);
	tick(s, now);
	cr_assert_eq(stat(s, "defrag_moves", -1), 0);
	cr_assert_eq(where(s, ID(3)), 17);
	fs_sim_free(s);
}

Test(keyed_zones, defragmenter_empties_sparse_zones)
{
	/* 64 pages: key 1 in zone 0 (16 pages) and zone 32 (2 pages: 32,
	 * 33), key 2 in zone 16; then 4 pages of zone 0 freed (4..7) */
	struct fs_sim *s = ksim("keyed-zones:key=comm", 64);

	for (unsigned i = 0; i < 16; i++)
		al(s, ID(0x100) + i, 0, MOV, 1);
	cr_assert_eq(al(s, ID(2), 0, UNM, 2), 16);
	cr_assert_eq(al(s, ID(3), 0, MOV, 1), 32);
	cr_assert_eq(al(s, ID(4), 0, MOV, 1), 33);
	for (unsigned i = 4; i < 8; i++)
		fr(s, ID(0x100) + i, 0);
	cr_assert_eq(stat(s, "keyed_zones", -1), 3);
	/* zone 32 has 2 of 16 pages (<= 25%), all movable: its pages go to
	 * key 1's zone 0, which is fuller - 4..7 is one order-2 block, so 4
	 * then 5 */
	tick(s, now);
	cr_assert_eq(where(s, ID(3)), 4);
	cr_assert_eq(where(s, ID(4)), 5);
	cr_assert_eq(stat(s, "defrag_moves", -1), 2);
	cr_assert_eq(stat(s, "defrag_emptied", -1), 1);
	cr_assert_eq(stat(s, "keyed_zones", -1), 2);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 2);
	cr_assert_eq(s->m->zones[0].nr_free[4], 2, "zones 32 and 48 are whole");
	/* key 2's zone is sparse too (1 page) but unmovable: it stays */
	cr_assert_eq(where(s, ID(2)), 16);
	/* the next pass waits for the period */
	tick(s, now + 1000);
	cr_assert_eq(stat(s, "defrag_passes", -1), 1);
	fs_sim_free(s);
}

Test(keyed_zones, low_water_wakes_the_defragmenter)
{
	/* low_water=50: 2 of 4 zones must stay unkeyed; a long period so only
	 * wake-ups run passes; sparse=0 so one-page zones are no work */
	struct fs_sim *s = ksim("keyed-zones:key=comm,low_water=50,defrag_period=1000s,sparse=0", 64);

	tick(s, now);                            /* the first pass, nothing to do */
	cr_assert_eq(stat(s, "defrag_passes", -1), 1);
	al(s, ID(1), 0, MOV, 1);
	al(s, ID(2), 0, MOV, 2);
	tick(s, now);
	cr_assert_eq(stat(s, "defrag_passes", -1), 1, "2 unkeyed zones: not under the target");
	al(s, ID(3), 0, MOV, 3);
	cr_assert_eq(stat(s, "low_water_hits", -1), 1);
	/* under the target, but the last pass moved nothing and there is no
	 * new work: deferred */
	tick(s, now);
	cr_assert_eq(stat(s, "defrag_passes", -1), 1);
	fs_sim_free(s);
	/* with sparse zones as work (sparse=25), the wake-up runs a pass */
	s = ksim("keyed-zones:key=comm,low_water=50,defrag_period=1000s", 64);
	tick(s, now);
	al(s, ID(1), 0, MOV, 1);
	al(s, ID(2), 0, MOV, 2);
	tick(s, now);
	cr_assert_eq(stat(s, "defrag_passes", -1), 1, "new work alone does not wake it");
	al(s, ID(3), 0, MOV, 3);
	tick(s, now);
	cr_assert_eq(stat(s, "defrag_passes", -1), 2);
	fs_sim_free(s);
}

Test(keyed_zones, failing_high_order_requests_wake_the_defragmenter)
{
	struct fs_sim *s = ksim("keyed-zones:key=comm,defrag_period=1000s,low_water=0,sparse=0", 32);

	tick(s, now);                                   /* the first pass */
	for (unsigned i = 0; i < 16; i++)
		al(s, ID(0x100) + i, 0, MOV, 1);
	s->placement = FS_PLACE_TRACE;                  /* key 2 on every other page of zone 16 */
	for (unsigned pfn = 16; pfn < 32; pfn += 2)
		apply(s, FS_EV_ALLOC, pfn, 0, MOV, 2);
	s->placement = FS_PLACE_POLICY;
	/* order 0 fits, misplaced: unmovable, so no work for the defragmenter */
	cr_assert_eq(al(s, ID(0x400), 0, UNM, 3), 17);
	tick(s, now);
	cr_assert_eq(stat(s, "defrag_passes", -1), 1, "order-0 requests do not wake it");
	apply(s, FS_EV_ALLOC, ID(0x401), 1, UNM, 3);    /* no free order-1 block anywhere */
	cr_assert_eq(s->c.alloc_failures, 1);
	tick(s, now);
	cr_assert_eq(stat(s, "defrag_passes", -1), 1, "the last pass found nothing to do: deferred");
	/* a movable misplaced page is new work: the next failure wakes a pass */
	cr_assert_eq(al(s, ID(0x402), 0, MOV, 3), 19);
	apply(s, FS_EV_ALLOC, ID(0x403), 1, UNM, 3);
	cr_assert_eq(s->c.alloc_failures, 2);
	tick(s, now);
	cr_assert_eq(stat(s, "defrag_passes", -1), 2, "a failed order-1 request wakes it");
	fs_sim_free(s);
}

Test(keyed_zones, bad_tunables)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };

	fs_layout_single(&l, 64);
	l.max_order = 5;
	l.pageblock_order = 4;
	cr_assert_eq(fs_sim_new(&s, &l, "keyed-zones:key=mt+pid", FS_PLACE_POLICY, &err), -EINVAL);
	cr_assert(strstr(err.msg, "\"pid\""), "%s", err.msg);
	cr_assert_eq(fs_sim_new(&s, &l, "keyed-zones:zone_order=6", FS_PLACE_POLICY, &err), -EINVAL);
	cr_assert_eq(fs_sim_new(&s, &l, "keyed-zones:defrag_period=soon", FS_PLACE_POLICY, &err), -EINVAL);
	cr_assert_eq(fs_sim_new(&s, &l, "keyed-zones:sparse=101", FS_PLACE_POLICY, &err), -EINVAL);
}

/* ---- the proposal's reclaim rules (keyed_zones_reclaim.c) -------------------------- */

/* Machine R: one zone of 1024 pages, max_order 5, pageblock_order 4: 64
 * keyed zones of 16 pages; watermarks min 64, low 80, high 96 (see
 * test_workload.c), so kswapd stays asleep while 80 pages or more are
 * free, as they are in these tests. */
static struct fs_sim *rsim(const char *spec)
{
	return ksim(spec, 1024);
}

/* an LRU (page-cache-like) movable page of key */
static void alru(struct fs_sim *s, uint64_t id, uint32_t key)
{
	apply_f(s, FS_EV_ALLOC, id, 0, MOV, key, FS_EVF_LRU);
	cr_assert_not_null(fs_alloctab_lookup(&s->at, id), "LRU page %#llx not placed", (unsigned long long)id);
}

static unsigned live_of(const struct fs_sim *s, uint64_t base, unsigned n)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n; i++)
		k += fs_alloctab_lookup(&s->at, base + i) != NULL;
	return k;
}

/* Zones 0-59 hold every other page of key 3 (not LRU): 480 free pages, no
 * free block above order 0. Key 2's 32 LRU pages fill zones 60-61, key 1's
 * 16 zone 62, key 4 (not LRU) zone 63; one more key-1 LRU page finds no
 * room of its key and no unkeyed zone: "the first page in ANY zone", pfn 1
 * of key 3's zone 0, misplaced. LRU order: key 2's, key 1's, the misplaced
 * one. */
static struct fs_sim *direct_setup(const char *spec)
{
	struct fs_sim *s = rsim(spec);

	for (unsigned i = 0; i < 960; i++)
		cr_assert_eq(al(s, ID(3) + i, 0, MOV, 3), i);
	for (unsigned i = 1; i < 960; i += 2)
		fr(s, ID(3) + i, 0);
	for (unsigned i = 0; i < 32; i++)
		alru(s, ID(2) + i, 2);
	for (unsigned i = 0; i < 16; i++)
		alru(s, ID(1) + i, 1);
	cr_assert_eq(where(s, ID(2)), 960);
	cr_assert_eq(where(s, ID(1)), 992);
	for (unsigned i = 0; i < 16; i++)
		al(s, ID(4) + i, 0, MOV, 4);
	alru(s, ID(5), 1);
	cr_assert_eq(where(s, ID(5)), 1);
	cr_assert_eq(stat(s, "misplaced_pages", -1), 1);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 0);
	cr_assert_eq(s->m->zones[0].free_pages, 479);
	cr_assert_eq(s->c.reclaimed_pages, 0, "kswapd stayed asleep");
	return s;
}

Test(keyed_zones, direct_reclaim_only_for_lru_requests_and_correctly_keyed_pages)
{
	struct fs_sim *s = direct_setup("keyed-zones:key=comm,defrag=off,reclaim_pressure=off");

	/* key 1, order 1, not LRU, may block: no order-1 block anywhere, and
	 * no direct reclaim for it */
	apply(s, FS_EV_ALLOC, ID(6), 1, MOV, 1);
	cr_assert_eq(s->c.alloc_failures, 1);
	cr_assert_eq(s->c.direct_reclaim_refused, 1);
	cr_assert_eq(s->c.reclaimed_pages, 0);
	/* key 1, order 1, LRU: reclaims key 1's pages in key 1's zone only,
	 * passing over key 2's older ones and the misplaced key-1 page */
	apply_f(s, FS_EV_ALLOC, ID(7), 1, MOV, 1, FS_EVF_LRU);
	cr_assert_eq(s->c.alloc_failures, 1, "reclaim made room");
	cr_assert_eq(s->c.direct_reclaim_pages, 16);
	cr_assert_eq(s->c.direct_reclaim_passed_over, 32 + 1);
	cr_assert_eq(live_of(s, ID(2), 32), 32, "wrongly keyed LRU pages were reclaimed");
	cr_assert_eq(live_of(s, ID(5), 1), 1, "the misplaced LRU page was reclaimed");
	cr_assert_eq(live_of(s, ID(1), 16), 0);
	/* zone 62 emptied, became unkeyed, and was labelled again for key 1 */
	cr_assert_eq(where(s, ID(7)), 992);
	cr_assert_eq(s->c.direct_reclaim_refused, 1);
	fs_sim_free(s);
}

Test(keyed_zones, direct_reclaim_without_the_rule_takes_the_lru_oldest)
{
	struct fs_sim *s = direct_setup("keyed-zones:key=comm,defrag=off,reclaim_pressure=off,reclaim_keyed=off");

	apply(s, FS_EV_ALLOC, ID(6), 1, MOV, 1);
	cr_assert_eq(s->c.alloc_failures, 0, "a request that is not LRU reclaims too");
	cr_assert_eq(s->c.direct_reclaim_refused, 0);
	cr_assert_eq(s->c.direct_reclaim_passed_over, 0);
	cr_assert_eq(s->c.direct_reclaim_pages, 32);
	cr_assert_eq(live_of(s, ID(2), 32), 0, "the oldest, key 2's, went first");
	cr_assert_eq(live_of(s, ID(1), 16), 16);
	cr_assert_eq(where(s, ID(6)), 960, "in key 2's emptied zone, labelled for key 1");
	fs_sim_free(s);
}

/* low_water=10: 7 of the 64 keyed zones must stay unkeyed. */
Test(keyed_zones, pressure_reclaims_sparsest_lru_zones_up_to_the_target)
{
	struct fs_sim *s = rsim("keyed-zones:key=comm,low_water=10,defrag=off");

	/* zones 0-55: 8 pages each of keys 100.. (not LRU); 8 unkeyed */
	for (unsigned z = 0; z < 56; z++)
		for (unsigned i = 0; i < 8; i++)
			al(s, ID(0x100 + z) + i, 0, MOV, 100 + z);
	/* zone 56: key 1, 12 LRU pages: 7 unkeyed, at the target */
	for (unsigned i = 0; i < 12; i++)
		alru(s, ID(1) + i, 1);
	tick(s, now);
	cr_assert_eq(s->c.pressure_reclaim_runs, 0, "at the target: no pressure");
	cr_assert_eq(s->c.reclaimed_pages, 0);
	/* zone 57: key 2, 4 LRU pages; zone 58: key 3, 2 LRU pages and one
	 * that is not: 5 unkeyed */
	for (unsigned i = 0; i < 4; i++)
		alru(s, ID(2) + i, 2);
	alru(s, ID(3), 3);
	alru(s, ID(3) + 1, 3);
	al(s, ID(3) + 2, 0, MOV, 3);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 5);
	cr_assert_eq(stat(s, "low_water_hits", -1), 2);
	/* the pass empties the zones holding only LRU pages, sparsest first
	 * (key 2's 4 pages, then key 1's 12); key 3's zone, the sparsest of
	 * all, cannot be emptied by reclaim and keeps its pages */
	tick(s, now);
	cr_assert_eq(s->c.pressure_reclaim_runs, 1);
	cr_assert_eq(s->c.pressure_reclaimed_pages, 16);
	cr_assert_eq(s->zc[0].pressure_reclaimed_pages, 16);
	cr_assert_eq(s->c.reclaimed_pages, 16);
	cr_assert_eq(live_of(s, ID(2), 4), 0);
	cr_assert_eq(live_of(s, ID(1), 12), 0);
	cr_assert_eq(live_of(s, ID(3), 3), 3);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 7);
	/* it stops at the target: of two LRU zones, the sparser one goes */
	for (unsigned i = 0; i < 3; i++)
		alru(s, ID(4) + i, 4);
	for (unsigned i = 0; i < 8; i++)
		fr(s, ID(0x100) + i, 0);                /* zone 0 unkeyed */
	alru(s, ID(5), 5);                              /* and labelled for key 5 */
	cr_assert_eq(where(s, ID(5)), 0);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 6);
	tick(s, now);
	cr_assert_eq(s->c.pressure_reclaim_runs, 2);
	cr_assert_eq(s->c.pressure_reclaimed_pages, 16 + 1);
	cr_assert_eq(live_of(s, ID(5), 1), 0);
	cr_assert_eq(live_of(s, ID(4), 3), 3);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 7);
	/* two zones short, one LRU zone left: it goes, the target stays unmet */
	al(s, ID(6), 0, MOV, 6);
	al(s, ID(7), 0, MOV, 7);
	tick(s, now);
	cr_assert_eq(s->c.pressure_reclaim_runs, 3);
	cr_assert_eq(live_of(s, ID(4), 3), 0);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 6);
	/* nothing more to reclaim: the next labelling under the target waits
	 * a period (defrag_period, 100ms) before another pass */
	al(s, ID(8), 0, MOV, 8);
	tick(s, now);
	cr_assert_eq(s->c.pressure_reclaim_runs, 3);
	tick(s, now + 200000000);
	cr_assert_eq(s->c.pressure_reclaim_runs, 4);
	cr_assert_eq(s->c.pressure_reclaimed_pages, 16 + 1 + 3);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 5);
	fs_sim_free(s);
}

Test(keyed_zones, pressure_off_and_no_lru_memory_reclaim_nothing)
{
	struct fs_sim *s = rsim("keyed-zones:key=comm,low_water=10,defrag=off,reclaim_pressure=off");

	for (unsigned z = 0; z < 60; z++)
		alru(s, ID(0x100 + z), 100 + z);
	tick(s, now);
	cr_assert_eq(s->c.pressure_reclaim_runs, 0);
	cr_assert_eq(s->c.reclaimed_pages, 0);
	fs_sim_free(s);
	/* pressure on, but nothing on the LRU: nothing to reclaim, no run */
	s = rsim("keyed-zones:key=comm,low_water=10,defrag=off");
	for (unsigned z = 0; z < 60; z++)
		al(s, ID(0x100 + z), 0, MOV, 100 + z);
	tick(s, now);
	cr_assert_eq(s->c.pressure_reclaim_runs, 0);
	cr_assert_eq(stat(s, "low_water_hits", -1), 3);
	fs_sim_free(s);
}

/* ---- random sequences ------------------------------------------------------------ */

struct live {
	uint64_t id;
	unsigned order;
};

/* The policy's counts against the allocation table: allocated pages split
 * into keyed and misplaced, unkeyed zones = zones with no allocated page. */
static void recount(const struct fs_sim *s, unsigned zone_order, uint64_t present_zones)
{
	const struct fs_machine *m = s->m;
	uint64_t pages = 0, nz = (m->nr_pages >> zone_order) + 1, busy = 0;
	uint8_t *used = calloc(nz, 1);

	for (uint64_t i = 0; i <= s->at.mask; i++) {
		const struct fs_alloc *a = &s->at.slot[i];

		if (!a->live)
			continue;
		pages += 1ull << a->order;
		used[a->pfn_idx >> zone_order] = 1;
	}
	for (uint64_t i = 0; i < nz; i++)
		busy += used[i];
	free(used);
	cr_assert_eq(stat(s, "keyed_pages", -1) + stat(s, "misplaced_pages", -1), pages);
	cr_assert_eq(stat(s, "keyed_zones", -1), busy);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), present_zones - busy);
	for (unsigned z = 0; z < m->nr_zones; z++)
		for (unsigned o = zone_order + 1; o <= m->max_order; o++)
			cr_assert_eq(m->zones[z].nr_free[o], 0, "a free block above zone_order");
}

/* reclaim seen over the LRU runs (lru_pct > 0) */
static uint64_t rr_pressure, rr_passed_over, rr_refused;

static void random_run(const char *spec, const struct fs_layout *l, unsigned zone_order,
		       uint64_t present_zones, unsigned nkeys, uint64_t seed, unsigned steps,
		       bool want_moves, unsigned lru_pct)
{
	struct fs_sim *s = ksim_layout(spec, l);
	struct tu_rng g;
	struct live *live = calloc(steps, sizeof(*live));
	unsigned n = 0;
	uint64_t next = 1;
	bool failed = false;

	tu_rng_seed(&g, seed);
	for (unsigned i = 0; i < steps; i++) {
		if (n && (failed || tu_chance(&g, 45))) {
			unsigned j = (unsigned)tu_below(&g, n);

			if (!fs_alloctab_lookup(&s->at, live[j].id)) {
				live[j] = live[--n];            /* reclaimed */
			} else if (live[j].order && tu_chance(&g, 20)) {
				/* a partial free: the upper half (split_page + free) */
				live[j].order--;
				fr(s, live[j].id + (1ull << live[j].order), live[j].order);
			} else {
				fr(s, live[j].id, live[j].order);
				live[j] = live[--n];
			}
		} else {
			unsigned o = tu_skewed_order(&g, zone_order);
			uint64_t id = (next++) << 12;
			uint64_t before = s->c.allocs;

			bool lru = tu_chance(&g, lru_pct);

			apply_f(s, FS_EV_ALLOC, id, o, lru || tu_chance(&g, 70) ? MOV : UNM,
				(uint32_t)tu_below(&g, nkeys) + 1, lru ? FS_EVF_LRU : 0);
			failed = s->c.allocs == before;
			if (!failed)
				live[n++] = (struct live){ id, o };
		}
		if (i % 16 == 0) {
			tick(s, now);
			recount(s, zone_order, present_zones);
		}
	}
	while (n) {
		if (fs_alloctab_lookup(&s->at, live[n - 1].id))
			fr(s, live[n - 1].id, live[n - 1].order);
		n--;
	}
	recount(s, zone_order, present_zones);
	if (lru_pct) {
		cr_assert_gt(s->c.reclaimed_pages, 0, "%s: nothing was reclaimed", spec);
		rr_pressure += s->c.pressure_reclaimed_pages;
		rr_passed_over += s->c.direct_reclaim_passed_over;
		rr_refused += s->c.direct_reclaim_refused;
	}
	cr_assert_gt(s->c.partial_frees, 0, "the sequence had no partial free");
	if (want_moves)
		cr_assert_gt(stat(s, "defrag_moves", -1), 0, "%s: the defragmenter moved nothing", spec);
	cr_assert_eq(stat(s, "keyed_zones", -1), 0);
	cr_assert_eq(stat(s, "distinct_keys", -1), 0);
	for (unsigned z = 0; z < s->m->nr_zones; z++)
		cr_assert_eq(s->m->zones[z].free_pages, s->m->zones[z].present_pages);
	free(live);
	fs_sim_free(s);
}

Test(keyed_zones, random_sequences_keep_the_invariants)
{
	struct fs_layout l;

	fs_layout_single(&l, 512);
	l.max_order = 6;
	l.pageblock_order = 4;
	for (uint64_t seed = 1; seed <= 4; seed++) {
		random_run("keyed-zones", &l, 4, 32, 40, seed, 3000, false, 0);
		random_run("keyed-zones:key=comm,defrag_period=0,sparse=50,defrag_batch=8", &l, 4, 32, 12, seed,
			   3000, true, 0);
		random_run("keyed-zones:key=mt,zone_order=2,defrag=off", &l, 2, 128, 1, seed, 2000, false, 0);
	}
}

Test(keyed_zones, random_sequences_with_zone_types_and_holes)
{
	struct fs_layout l;

	/* DMA 1..255 (keyed zone 0 starts before the zone), a hole 40..71
	 * (keyed zone 48 is all hole: 15 keyed zones with RAM), Normal
	 * 256..767 (32); zone_order 4 */
	fs_layout_single(&l, 255);
	l.max_order = 6;
	l.pageblock_order = 4;
	l.nr_zones = 2;
	strcpy(l.zones[0].name, "DMA");
	l.zones[0].start_pfn = 1;
	strcpy(l.zones[1].name, "Normal");
	l.zones[1].start_pfn = 256;
	l.zones[1].nr_pages = 512;
	l.nr_holes = 1;
	l.holes[0].start_pfn = 40;
	l.holes[0].nr_pages = 32;
	for (uint64_t seed = 11; seed <= 13; seed++)
		random_run("keyed-zones:defrag_period=1ms", &l, 4, 15 + 32, 60, seed, 3000, true, 0);
}

/* Page-cache-like allocations under memory pressure: kswapd, direct
 * reclaim with the proposal's rules, the low-water pressure and the
 * defragmenter all free and move pages; both checkers after every event
 * (the keyed zones' LRU page counts included). */
Test(keyed_zones, random_sequences_with_reclaim_keep_the_invariants)
{
	struct fs_layout l;

	fs_layout_single(&l, 512);
	l.max_order = 6;
	l.pageblock_order = 4;
	rr_pressure = rr_passed_over = rr_refused = 0;
	for (uint64_t seed = 21; seed <= 24; seed++) {
		random_run("keyed-zones:key=comm,low_water=20,defrag_period=1ms", &l, 4, 32, 6, seed, 3000,
			   true, 50);
		random_run("keyed-zones:low_water=10,sparse=50,defrag_period=1ms", &l, 4, 32, 3, seed, 3000,
			   false, 70);
	}
	cr_assert_gt(rr_pressure, 0, "the low-water pressure never reclaimed");
	cr_assert_gt(rr_passed_over, 0, "direct reclaim never passed a wrongly keyed page over");
	cr_assert_gt(rr_refused, 0, "direct reclaim was never refused");
}

/* ---- a start from a snapshot (--initial) ------------------------------------ */

/* A 256-page zone (16 keyed zones of 16 pages) started from a pagetypeinfo
 * that counts 12 of its 16 pageblocks: the top four (pfns 192-255, two
 * max-order blocks) are not online yet. */
static struct fs_sim *snapshot_sim(const char *spec)
{
	char path[] = "/tmp/fragsim-kzinit-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	struct fs_procfs_file f;
	struct fs_layout l;
	struct fs_initial in;
	struct fs_err err = { { 0 } };
	struct fs_sim *s;

	fprintf(fp, "Page block order: 4\nPages per block:  16\n\n"
		"Free pages count per migrate type at order       0      1      2      3      4      5 \n"
		"Node    0, zone   Normal, type      Movable      5      2      1      0      1      1 \n\n"
		"Number of blocks type     Unmovable      Movable  Reclaimable \n"
		"Node 0, zone   Normal            0           12            0 \n");
	fclose(fp);
	fs_layout_single(&l, 256);
	l.max_order = 5;
	l.pageblock_order = 4;
	s = ksim_layout(spec, &l);
	cr_assert_eq(fs_procfs_load(&f, path, &err), 0, "%s", err.msg);
	cr_assert_eq(fs_initial_build(&in, &f.recs[0], NULL, s->m, FS_INITIAL_SPREAD, &err), 0, "%s", err.msg);
	s->untracked = true;
	s->offline = fs_initial_offline_copy(&in, s->m);
	cr_assert_not_null(s->offline);
	cr_assert_eq(fs_initial_install(&in, s->m, false, s->pol->initial_class, &err), 0, "%s", err.msg);
	fs_initial_release(&in);
	fs_procfs_release(&f);
	unlink(path);
	return s;
}

/* Free pages per keyed zone of 16 pages, read from the machine. */
static void free_per_zone(const struct fs_sim *s, unsigned *fz)
{
	memset(fz, 0, 16 * sizeof(*fz));
	for (uint64_t pfn = 0; pfn < 256; pfn++)
		for (unsigned o = 0; o <= 5; o++)
			if (fs_buddy_is_free_head(s->m, pfn, o))
				for (uint64_t q = pfn; q < pfn + (1ull << o); q++)
					fz[q >> 4]++;
}

/* The snapshot's pages allocated before the trace belong to an unknown
 * allocator: the zones holding them are keyed to it (FS_KZ_PRETRACE), the
 * snapshot's order-5 block is cut into two unkeyed zones, new keys label
 * the unkeyed zones first and take the pre-trace zones' free pages only as
 * "ANY zone" (misplaced); memory coming online adds unkeyed zones. */
Test(keyed_zones, snapshot_start_keys_pretrace_zones_and_onlines_memory)
{
	struct fs_sim *s = snapshot_sim("keyed-zones:key=comm,defrag=off");
	struct fs_err err = { { 0 } };
	unsigned fz[16], pre = 0, empty = 0;
	uint64_t pfn;

	free_per_zone(s, fz);
	for (unsigned z = 0; z < 12; z++) {
		pre += fz[z] < 16;
		empty += fz[z] == 16;
	}
	cr_assert_eq(s->m->zones[0].free_pages, 61);
	cr_assert_eq(empty, 3, "the order-5 block is two free keyed zones, the order-4 one a third");
	cr_assert_geq(pre, 3, "the small blocks are spread over several pageblocks");
	for (unsigned z = 12; z < 16; z++)
		cr_assert_eq(fz[z], 0, "offline zone %u has free pages", z);
	cr_assert_eq(stat(s, "keyed_zones", -1), pre);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), empty);
	cr_assert_eq(stat(s, "keyed_pages", -1), 12 * 16 - 61, "pre-trace pages are the pre-trace key's");
	cr_assert_eq(stat(s, "misplaced_pages", -1), 0);
	cr_assert_eq(fs_kz_check(s->pol, &err), 0, "%s", err.msg);
	cr_assert_eq(fs_check(s, &err), 0, "%s", err.msg);

	/* key 1 labels an unkeyed zone, not a pre-trace zone's free page */
	pfn = al(s, ID(1), 0, MOV, 1);
	cr_assert_eq(fz[pfn >> 4], 16, "key 1 took pfn %llu in a pre-trace zone", (unsigned long long)pfn);
	/* fill the other unkeyed zones: the next key finds no unkeyed zone
	 * and takes a pre-trace zone's free page, misplaced */
	pfn = al(s, ID(2), 4, MOV, 2);
	cr_assert_eq(fz[pfn >> 4], 16);
	pfn = al(s, ID(9), 4, MOV, 2);
	cr_assert_eq(fz[pfn >> 4], 16);
	al(s, ID(3), 3, MOV, 1);
	al(s, ID(4), 2, MOV, 1);
	al(s, ID(5), 1, MOV, 1);
	al(s, ID(6), 0, MOV, 1);            /* key 1's zone is full now */
	pfn = al(s, ID(7), 0, MOV, 3);
	cr_assert_lt(fz[pfn >> 4], 16, "key 3 should find only pre-trace zones' pages");
	cr_assert_eq(stat(s, "misplaced_pages", -1), 1);
	/* freeing it leaves the zone keyed to the pre-trace pages */
	fr(s, ID(7), 0);
	cr_assert_eq(stat(s, "keyed_zones", -1), pre + 3);

	/* memory online: two max-order blocks, four unkeyed zones more; a
	 * second free of the same block is an unknown free */
	apply(s, FS_EV_FREE, 192, 5, MOV, 0);
	apply(s, FS_EV_FREE, 192, 5, MOV, 0);
	apply(s, FS_EV_FREE, 224, 5, MOV, 0);
	cr_assert_eq(s->c.memory_online_blocks, 3);
	cr_assert_eq(stat(s, "unkeyed_zones", -1), 4);
	cr_assert_eq(s->m->zones[0].free_pages, 61 - 48 + 64, "48 pages live");
	pfn = al(s, ID(8), 0, MOV, 3);
	cr_assert_eq(pfn, 192, "key 3 labels the lowest zone that came online");
	fs_sim_free(s);
}

/* Random sequences from the snapshot with memory coming online halfway and
 * the defragmenter moving misplaced pages: both checkers after every event. */
Test(keyed_zones, snapshot_start_random_sequences_keep_the_invariants)
{
	for (uint64_t seed = 31; seed <= 34; seed++) {
		struct fs_sim *s = snapshot_sim("keyed-zones:defrag_period=1ms,sparse=50");
		struct tu_rng g;
		struct live live[600];
		unsigned n = 0;
		uint64_t pretrace = stat(s, "keyed_zones", -1);

		tu_rng_seed(&g, seed);
		for (unsigned i = 0; i < 600; i++) {
			if (i == 300) {
				apply(s, FS_EV_FREE, 192, 5, MOV, 0);
				apply(s, FS_EV_FREE, 224, 5, MOV, 0);
			}
			if (n && tu_chance(&g, 45)) {
				unsigned j = (unsigned)tu_below(&g, n);

				if (fs_alloctab_lookup(&s->at, live[j].id))
					fr(s, live[j].id, live[j].order);
				live[j] = live[--n];
			} else {
				unsigned o = tu_skewed_order(&g, 4);
				uint64_t id = (uint64_t)(i + 1) << 12, before = s->c.allocs;

				apply(s, FS_EV_ALLOC, id, o, tu_chance(&g, 70) ? MOV : UNM, (uint32_t)tu_below(&g, 6) + 1);
				if (s->c.allocs > before)
					live[n++] = (struct live){ id, o };
			}
			if (i % 16 == 0)
				tick(s, now);
		}
		while (n--)
			if (fs_alloctab_lookup(&s->at, live[n].id))
				fr(s, live[n].id, live[n].order);
		cr_assert_eq(stat(s, "keyed_zones", -1), pretrace, "seed %llu", (unsigned long long)seed);
		cr_assert_eq(stat(s, "misplaced_pages", -1), 0);
		cr_assert_eq(s->m->zones[0].free_pages, 61 + 64);
		cr_assert_gt(s->c.alloc_failures, 0, "seed %llu: memory never ran short", (unsigned long long)seed);
		fs_sim_free(s);
	}
}
