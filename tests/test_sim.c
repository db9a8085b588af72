/* test_sim.c - the simulation engine on small hand-checked event sequences:
 * placement, identities, partial/double/unknown frees and their counters. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "fragsim.h"
#include "test_util.h"

static struct fs_sim *sim32(const char *spec, enum fs_placement placement)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };
	int rc;

	fs_layout_single(&l, 32);
	rc = fs_sim_new(&s, &l, spec, placement, &err);
	cr_assert_eq(rc, 0, "fs_sim_new(\"%s\"): %s", spec, err.msg);
	s->debug_check = 1;
	return s;
}

static void ev(struct fs_sim *s, unsigned kind, uint64_t ident, unsigned order, uint8_t flags)
{
	static uint64_t t;
	struct fs_event e = {
		.time_ns = t += 1000, .ident = ident, .kind = (uint8_t)kind,
		.order = (uint8_t)order, .mt = FS_MT_UNMOVABLE, .flags = flags,
	};

	cr_assert_eq(fs_sim_apply(s, &e), 0, "%s %#llx order %u: invariant check failed",
		     kind == FS_EV_ALLOC ? "alloc" : "free", (unsigned long long)ident, order);
}
#define A(s, id, o) ev(s, FS_EV_ALLOC, id, o, 0)
#define F(s, id, o) ev(s, FS_EV_FREE, id, o, 0)

static uint64_t placed(struct fs_sim *s, uint64_t ident)
{
	const struct fs_alloc *idx = fs_alloctab_lookup(&s->at, ident);

	cr_assert_not_null(idx, "%#llx is not live", (unsigned long long)ident);
	return s->m->base_pfn + idx->pfn_idx;
}

Test(sim, policy_placement_and_counters)
{
	struct fs_sim *s = sim32("buddy", FS_PLACE_POLICY);
	struct fs_zone *z = &s->m->zones[0];

	A(s, 0x1000, 0);
	A(s, 0x1001, 0);
	A(s, 0x2000, 3);
	cr_assert_eq(placed(s, 0x1000), 0);
	cr_assert_eq(placed(s, 0x1001), 1);
	cr_assert_eq(placed(s, 0x2000), 8);
	cr_assert_eq(s->at.live, 3);

	F(s, 0x1000, 0);                      /* whole free */
	F(s, 0x1000, 0);                      /* double free */
	F(s, 0x9999, 0);                      /* never allocated: unknown */
	cr_assert_eq(s->c.frees, 1);
	cr_assert_eq(s->c.double_frees, 1);
	cr_assert_eq(s->c.unknown_frees, 1);

	/* 0x2004 order 2 is the upper half of 0x2000 order 3 (pfns 12..15) */
	F(s, 0x2004, 2);
	cr_assert_eq(s->c.partial_frees, 1);
	cr_assert_eq(s->c.frees, 2);
	cr_assert(fs_buddy_is_free_head(s->m, 12, 2));
	cr_assert_eq(placed(s, 0x2000), 8);
	cr_assert_eq(fs_alloctab_lookup(&s->at, 0x2000)->order, 2);
	F(s, 0x2000, 2);                      /* the rest, exactly */
	cr_assert_eq(s->c.partial_frees, 1);
	cr_assert_eq(s->c.frees, 3);
	F(s, 0x2000, 2);                      /* again: double */
	F(s, 0x2006, 0);                      /* inside a freed allocation: double */
	cr_assert_eq(s->c.double_frees, 3);

	/* an allocation of a live identity releases the old one first */
	A(s, 0x1001, 0);
	cr_assert_eq(s->c.duplicate_allocs, 1);
	cr_assert_eq(s->c.frees, 4);
	cr_assert_eq(placed(s, 0x1001), 0);   /* everything merged, then split again */

	/* too big for the zone: a failure; its identity was never placed */
	A(s, 0x3000, 6);
	cr_assert_eq(s->c.alloc_failures, 1);
	cr_assert_eq(s->c.failures_order_ge1, 1);
	cr_assert_null(fs_alloctab_lookup(&s->at, 0x3000));
	F(s, 0x3000, 6);
	cr_assert_eq(s->c.unknown_frees, 2);

	ev(s, FS_EV_ALLOC, 0x4000, 11, 0);    /* above max_order */
	ev(s, FS_EV_FREE, 0x4000, 12, 0);
	cr_assert_eq(s->c.bad_events, 2);
	ev(s, FS_EV_ALLOC, 0x5000, 0, FS_EVF_FAILED);
	cr_assert_eq(s->c.kernel_failed_allocs, 1);
	cr_assert_null(fs_alloctab_lookup(&s->at, 0x5000));

	/* a free larger than the allocation releases the allocation */
	F(s, 0x1001, 1);
	cr_assert_eq(s->c.free_order_mismatches, 1);
	cr_assert_eq(s->c.frees, 5);

	cr_assert_eq(s->c.allocs, 4);
	cr_assert_eq(s->zc[0].allocs, 4);
	cr_assert_eq(s->zc[0].frees, 5);
	cr_assert_eq(s->at.live, 0);
	cr_assert_eq(z->free_pages, 32);
	cr_assert_eq(z->nr_free[5], 1);
	cr_assert_eq(s->events, 17);
	fs_sim_free(s);
}

/* --placement trace reproduces the recorded pfns: pages 2, 5, 12 and 29
 * give the worked example's free blocks. */
Test(sim, trace_placement)
{
	struct fs_sim *s = sim32("buddy", FS_PLACE_TRACE);
	struct fs_zone *z = &s->m->zones[0];
	static const uint64_t want[FS_NR_ORDERS] = { 4, 4, 2, 1 };
	struct fs_contig_info info;

	A(s, 2, 0);
	A(s, 5, 0);
	A(s, 12, 0);
	A(s, 29, 0);
	for (unsigned o = 0; o < FS_NR_ORDERS; o++)
		cr_assert_eq(z->nr_free[o], want[o], "nr_free[%u]", o);
	fs_contig_info(z->nr_free, s->m->max_order, 3, &info);
	cr_assert_eq(fs_unusable_index(&info, 3), 714);
	cr_assert_eq(s->c.allocs, 4);

	A(s, 4, 1);                           /* 4..5: 5 is taken */
	cr_assert_eq(s->c.placement_conflicts, 1);
	A(s, 3, 1);                           /* misaligned */
	cr_assert_eq(s->c.placement_conflicts, 2);
	A(s, 40, 0);                          /* outside the machine */
	A(s, 30, 2);                          /* runs past the zone end */
	cr_assert_eq(s->c.bad_events, 2);
	A(s, 2, 0);                           /* duplicate: freed and placed again */
	cr_assert_eq(s->c.duplicate_allocs, 1);
	cr_assert_eq(placed(s, 2), 2);
	cr_assert_eq(s->c.allocs, 5);
	for (unsigned o = 0; o < FS_NR_ORDERS; o++)
		cr_assert_eq(z->nr_free[o], want[o], "nr_free[%u] after re-placing 2", o);

	F(s, 5, 0);                           /* 4+5 -> 4@o1, +6 -> 4@o2 */
	cr_assert(fs_buddy_is_free_head(s->m, 4, 2));
	F(s, 20, 0);                          /* free page never allocated: unknown */
	cr_assert_eq(s->c.unknown_frees, 1);
	cr_assert_eq(s->zc[0].unknown_frees, 1);
	F(s, 2, 0);
	F(s, 12, 0);
	F(s, 29, 0);
	cr_assert_eq(z->free_pages, 32);
	cr_assert_eq(z->nr_free[5], 1);
	cr_assert_eq(s->c.frees, 5);          /* 4 frees + the duplicate's release */
	fs_sim_free(s);
}

Test(sim, bad_specs)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };

	fs_layout_single(&l, 32);
	cr_assert_neq(fs_sim_new(&s, &l, "nosuchpolicy", FS_PLACE_POLICY, &err), 0);
	cr_assert(strstr(err.msg, "nosuchpolicy"), "message names the policy: %s", err.msg);
	memset(&err, 0, sizeof(err));
	cr_assert_neq(fs_sim_new(&s, &l, "buddy:bogus=1", FS_PLACE_POLICY, &err), 0);
	cr_assert(strstr(err.msg, "bogus"), "message names the tunable: %s", err.msg);
	memset(&err, 0, sizeof(err));
	cr_assert_neq(fs_sim_new(&s, &l, "buddy:merge_likely=maybe", FS_PLACE_POLICY, &err), 0);
	cr_assert(strstr(err.msg, "maybe") || strstr(err.msg, "merge_likely"), "%s", err.msg);
	cr_assert_eq(fs_sim_new(&s, &l, "buddy:merge_likely=off", FS_PLACE_POLICY, &err), 0,
		     "%s", err.msg);
	cr_assert(!s->m->merge_likely);
	fs_sim_free(s);
	cr_assert_eq(fs_sim_new(&s, &l, "buddy", FS_PLACE_POLICY, &err), 0, "%s", err.msg);
	cr_assert(s->m->merge_likely, "merge_likely defaults to on (3.10+)");
	fs_sim_free(s);
}

/* Identities must stay below 2^58 (the page slots keep them): above that,
 * an event is counted as bad and changes nothing. */
Test(sim, identity_limit)
{
	struct fs_sim *s = sim32("buddy", FS_PLACE_POLICY);

	A(s, FS_IDENT_LIMIT - 1, 0);
	cr_assert_eq(s->c.allocs, 1);
	A(s, FS_IDENT_LIMIT, 0);
	F(s, UINT64_MAX, 0);
	A(s, FS_IDENT_LIMIT - 1, 1);             /* its second page would be 2^58 */
	cr_assert_eq(s->c.bad_events, 3);
	cr_assert_eq(s->c.allocs, 1);
	cr_assert_eq(s->c.unknown_frees, 0);
	F(s, FS_IDENT_LIMIT - 1, 0);
	cr_assert_eq(s->c.frees, 1);
	cr_assert_eq(s->at.live, 0);
	fs_sim_free(s);
}

/* fs_sim_migrate moves an allocation as migrate_pages() does: the identity
 * follows it, the old range merges back, the pageblock accounting moves. */
Test(sim, migrate_moves_identity_and_frees_source)
{
	struct fs_sim *s = sim32("buddy", FS_PLACE_POLICY);
	struct fs_zone *z = &s->m->zones[0];
	struct fs_err err = { { 0 } };
	struct fs_alloc *a;
	uint64_t from;

	A(s, 0x100, 2);
	A(s, 0x200, 0);
	from = placed(s, 0x100);
	cr_assert_eq(from, 0, "buddy places the first order-2 block at pfn 0");
	cr_assert_eq(fs_sim_alloc_at(s, from)->ident, 0x100);
	cr_assert_null(fs_sim_alloc_at(s, 1), "a tail page is not an allocation head");
	cr_assert_eq(fs_buddy_take(s->m, z, 24, 2), 0);
	a = fs_alloctab_lookup(&s->at, 0x100);
	fs_sim_migrate(s, a, 24, 0, 5000);
	cr_assert_eq(fs_check(s, &err), 0, "%s", err.msg);
	cr_assert_eq(placed(s, 0x100), 24);
	cr_assert_null(fs_sim_alloc_at(s, 0));
	cr_assert_eq(s->c.migrated_pages, 4);
	cr_assert_eq(s->m->pb[0].used[FS_MT_UNMOVABLE], 5, "4 moved pages + 1 still count in the block");
	/* pfns 0-3 are free again and merged with the buddies of pfn 4.. */
	cr_assert(fs_buddy_is_free_head(s->m, 0, 2) || fs_buddy_find_block(s->m, z, 0, &(unsigned){ 0 }) != UINT64_MAX);
	F(s, 0x100, 2);
	cr_assert_eq(s->c.double_frees + s->c.unknown_frees, 0);
	F(s, 0x200, 0);
	cr_assert_eq(z->free_pages, 32);
	cr_assert_eq(z->nr_free[5], 1, "everything merges back into one order-5 block");
	fs_sim_free(s);
}

/* A lazily initialised kernel hands memory to the allocator as max-order
 * frees of blocks never allocated: counted as memory coming online, not
 * as unknown frees. */
Test(sim, memory_online_is_not_an_unknown_free)
{
	struct fs_sim *s = tu_sim("buddy", 4096, 10, 9);

	s->debug_check = 1;
	F(s, 1024, 10);
	cr_assert_eq(s->c.memory_online_blocks, 1);
	cr_assert_eq(s->c.unknown_frees, 0);
	F(s, 1025, 10);
	F(s, 5, 0);
	cr_assert_eq(s->c.unknown_frees, 2, "unaligned or small: ordinary unknown frees");
	cr_assert_eq(s->c.memory_online_blocks, 1);
	A(s, 2048, 10);
	F(s, 2048, 10);
	F(s, 2048, 10);
	cr_assert_eq(s->c.double_frees, 1, "a block that was allocated is a double free");
	fs_sim_free(s);
}
