/* test_random.c - randomized differential tests: the buddy core
 * (sim/buddy.c) against the naive reference model (tests/ref_model.c), and
 * the simulation engine's bookkeeping against a model of its counters.
 *
 * Every run uses a fixed seed; a failure message names the shape, the seed
 * and the operation index, so it reproduces exactly. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fragsim.h"
#include "ref_model.h"
#include "test_util.h"

/* ---- buddy core vs reference model -------------------------------------- */

struct live_block {
	uint64_t pfn;
	unsigned order;
};

struct driver {
	const char *shape;
	uint64_t seed, op;
	struct tu_rng rng;
	struct fs_machine *m;
	struct fs_zone *z;
	struct ref_model *r;
	struct live_block *live;
	size_t nlive, cap;
	uint64_t live_pages;
	char ctx[160];
	/* what happened, to assert the mix was exercised */
	uint64_t allocs, alloc_fails, frees, partial_frees, takes, take_busy, take_inval;
};

static void d_setctx(struct driver *d, const char *what)
{
	snprintf(d->ctx, sizeof(d->ctx), "[shape %s seed %#llx op %llu %s]", d->shape,
		 (unsigned long long)d->seed, (unsigned long long)d->op, what);
}

static void live_add(struct driver *d, uint64_t pfn, unsigned order)
{
	if (d->nlive == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->live = realloc(d->live, d->cap * sizeof(*d->live));
		cr_assert_not_null(d->live);
	}
	d->live[d->nlive++] = (struct live_block){ pfn, order };
	d->live_pages += 1ull << order;
}

static void live_del(struct driver *d, size_t i)
{
	d->live_pages -= 1ull << d->live[i].order;
	d->live[i] = d->live[--d->nlive];
}

static void d_verify(struct driver *d)
{
	uint64_t span = d->r->end_pfn - d->r->start_pfn;
	uint64_t pfn, rh, mh;
	unsigned ro = 99, mo = 99;

	tu_compare(d->m, d->z, d->r, d->ctx);
	tu_check(d->m, d->ctx);
	cr_assert_eq(d->r->free_pages + d->live_pages, ref_present_pages(d->r),
		     "%s: free %llu + live %llu != present", d->ctx,
		     (unsigned long long)d->r->free_pages, (unsigned long long)d->live_pages);
	/* one random probe of fs_buddy_find_block / fs_buddy_is_free_head */
	pfn = d->r->start_pfn + tu_below(&d->rng, span);
	rh = ref_find_block(d->r, pfn, &ro);
	mh = fs_buddy_find_block(d->m, d->z, pfn, &mo);
	cr_assert_eq(mh, rh, "%s: fs_buddy_find_block(%llu) = %llu, reference %llu", d->ctx,
		     (unsigned long long)pfn, (unsigned long long)mh, (unsigned long long)rh);
	if (rh != REF_NONE) {
		cr_assert_eq(mo, ro, "%s: fs_buddy_find_block(%llu) order %u, reference %u",
			     d->ctx, (unsigned long long)pfn, mo, ro);
		cr_assert(fs_buddy_is_free_head(d->m, rh, ro), "%s: %llu not a free head of order %u",
			  d->ctx, (unsigned long long)rh, ro);
		if (ro > 0)
			cr_assert(!fs_buddy_is_free_head(d->m, rh, ro - 1), "%s", d->ctx);
	}
}

static void d_alloc(struct driver *d)
{
	unsigned order = tu_chance(&d->rng, 10) ? (unsigned)tu_below(&d->rng, d->m->max_order + 1)
						: tu_skewed_order(&d->rng, d->m->max_order);
	uint64_t got, want;

	d_setctx(d, "alloc");
	want = ref_rmqueue(d->r, order);
	got = fs_buddy_rmqueue_smallest(d->m, d->z, order, 0);
	cr_assert_eq(got, want, "%s: rmqueue_smallest(order %u) = %llu, reference %llu", d->ctx,
		     order, (unsigned long long)got, (unsigned long long)want);
	if (got == UINT64_MAX) {
		d->alloc_fails++;
		return;
	}
	d->allocs++;
	live_add(d, got, order);
}

static void d_free(struct driver *d)
{
	size_t i;
	struct live_block b;
	enum fs_fpi fpi = tu_chance(&d->rng, 10) ? FS_FPI_TO_TAIL : FS_FPI_NONE;

	if (!d->nlive)
		return;
	i = tu_below(&d->rng, d->nlive);
	b = d->live[i];
	live_del(d, i);
	if (b.order > 0 && tu_chance(&d->rng, 25)) {
		/* partial free of an aligned sub-block, as split_page() + free */
		unsigned s = (unsigned)tu_below(&d->rng, b.order);
		uint64_t q = b.pfn + (tu_below(&d->rng, 1ull << (b.order - s)) << s);

		for (unsigned o = s; o < b.order; o++)
			live_add(d, (q & ~((1ull << o) - 1)) ^ (1ull << o), o);
		b.pfn = q;
		b.order = s;
		d->partial_frees++;
	}
	d_setctx(d, fpi ? "free to tail" : "free");
	ref_free(d->r, b.pfn, b.order, fpi == FS_FPI_TO_TAIL);
	fs_buddy_free(d->m, d->z, b.pfn, b.order, 0, fpi);
	d->frees++;
}

static void d_take(struct driver *d)
{
	uint64_t pfn;
	unsigned order;
	int got, want;
	unsigned kind = (unsigned)tu_below(&d->rng, 100);

	if (kind < 55) {
		/* inside a free block: should succeed */
		unsigned o, bo;
		uint64_t head;

		for (o = 0; o <= d->r->max_order && !d->r->list[o].n; o++)
			;
		if (o > d->r->max_order)
			return;
		do
			bo = (unsigned)tu_below(&d->rng, d->r->max_order + 1);
		while (!d->r->list[bo].n);
		head = d->r->list[bo].pfn[tu_below(&d->rng, d->r->list[bo].n)];
		order = tu_skewed_order(&d->rng, bo);
		pfn = head + (tu_below(&d->rng, 1ull << (bo - order)) << order);
	} else {
		/* anywhere near the zone, aligned (or deliberately not) */
		uint64_t lo = d->r->start_pfn >= 8 ? d->r->start_pfn - 8 : 0;
		uint64_t hi = d->r->end_pfn + 8;

		order = tu_skewed_order(&d->rng, d->m->max_order);
		pfn = lo + tu_below(&d->rng, hi - lo);
		pfn &= ~((1ull << order) - 1);
		if (pfn < d->m->base_pfn)
			pfn = d->m->base_pfn;
		if (kind >= 95 && order > 0)
			pfn |= 1;
	}
	d_setctx(d, "take");
	want = ref_take(d->r, pfn, order);
	got = fs_buddy_take(d->m, d->z, pfn, order);
	cr_assert_eq(got, want, "%s: fs_buddy_take(%llu, order %u) = %d, reference %d", d->ctx,
		     (unsigned long long)pfn, order, got, want);
	d->takes++;
	if (got == 0)
		live_add(d, pfn, order);
	else if (got == -EBUSY)
		d->take_busy++;
	else
		d->take_inval++;
}

/* Free everything, in random order, whole blocks only. */
static void d_drain(struct driver *d)
{
	while (d->nlive) {
		size_t i = tu_below(&d->rng, d->nlive);
		struct live_block b = d->live[i];

		live_del(d, i);
		d->op++;
		d_setctx(d, "drain free");
		ref_free(d->r, b.pfn, b.order, false);
		fs_buddy_free(d->m, d->z, b.pfn, b.order, 0, FS_FPI_NONE);
		d_verify(d);
	}
}

/* With nothing allocated, the free blocks are exactly the maximal aligned
 * blocks of the present ranges (everything that can merge has merged). */
static void d_assert_fully_merged(struct driver *d, const struct fs_hole *holes,
				  unsigned nr_holes)
{
	struct ref_model *fresh = ref_new(d->r->start_pfn, d->r->end_pfn - d->r->start_pfn,
					  d->r->max_order, d->r->merge_likely);

	for (unsigned i = 0; i < nr_holes; i++)
		ref_add_hole(fresh, holes[i].start_pfn, holes[i].nr_pages);
	ref_populate(fresh);
	for (uint64_t pfn = d->r->start_pfn; pfn < d->r->end_pfn; pfn++)
		cr_assert_eq(ref_order_at(d->r, pfn), ref_order_at(fresh, pfn),
			     "%s: after freeing everything pfn %llu heads order %d, expected %d",
			     d->ctx, (unsigned long long)pfn, ref_order_at(d->r, pfn),
			     ref_order_at(fresh, pfn));
	ref_free_model(fresh);
}

struct shape {
	const char *name;
	uint64_t start_pfn, nr_pages;
	unsigned max_order;
	bool merge_likely;
	unsigned nr_holes;
	struct fs_hole holes[4];
	uint64_t seed, ops;
};

static void run_shape(const struct shape *sh)
{
	struct driver d = { 0 };
	struct fs_layout l;

	tu_layout(&l, sh->start_pfn, sh->nr_pages, sh->max_order);
	l.nr_holes = sh->nr_holes;
	for (unsigned i = 0; i < sh->nr_holes; i++)
		l.holes[i] = sh->holes[i];
	d.shape = sh->name;
	d.seed = sh->seed;
	tu_rng_seed(&d.rng, sh->seed);
	d.m = tu_machine_from(&l, sh->merge_likely);
	d.z = &d.m->zones[0];
	cr_assert_eq(d.m->max_order, sh->max_order);
	cr_assert_eq(d.z->start_pfn, sh->start_pfn);
	cr_assert_eq(d.z->end_pfn, sh->start_pfn + sh->nr_pages);
	d.r = ref_new(sh->start_pfn, sh->nr_pages, sh->max_order, sh->merge_likely);
	for (unsigned i = 0; i < sh->nr_holes; i++)
		ref_add_hole(d.r, sh->holes[i].start_pfn, sh->holes[i].nr_pages);
	ref_populate(d.r);
	cr_assert_eq(d.z->present_pages, ref_present_pages(d.r));
	d_setctx(&d, "populate");
	d_verify(&d);

	for (d.op = 1; d.op <= sh->ops; d.op++) {
		unsigned k = (unsigned)tu_below(&d.rng, 100);

		/* lean toward allocating when mostly free, freeing when full */
		if (k < 40)
			d_alloc(&d);
		else if (k < 78)
			d_free(&d);
		else
			d_take(&d);
		d_verify(&d);
		if (d.op % 20011 == 0) {
			d_drain(&d);
			d_assert_fully_merged(&d, sh->holes, sh->nr_holes);
		}
	}
	d_drain(&d);
	d_setctx(&d, "final");
	d_assert_fully_merged(&d, sh->holes, sh->nr_holes);
	cr_assert_eq(d.z->free_pages, d.z->present_pages);

	/* the mix was exercised */
	cr_assert_gt(d.allocs, sh->ops / 10, "%s: only %llu allocations", sh->name,
		     (unsigned long long)d.allocs);
	cr_assert_gt(d.alloc_fails, 0, "%s: no allocation failed", sh->name);
	cr_assert_gt(d.partial_frees, 0, "%s: no partial frees", sh->name);
	cr_assert_gt(d.takes - d.take_busy - d.take_inval, sh->ops / 50, "%s: few takes", sh->name);
	cr_assert_gt(d.take_busy, 0, "%s: no -EBUSY takes", sh->name);
	cr_assert_gt(d.take_inval, 0, "%s: no -EINVAL takes", sh->name);

	ref_free_model(d.r);
	free(d.live);
	fs_machine_free(d.m);
}

#define OPS 100000

Test(random_buddy, zone32)
{
	run_shape(&(struct shape){ .name = "32 pages", .nr_pages = 32, .max_order = 10,
				   .merge_likely = true, .seed = 0x3201, .ops = OPS });
}

Test(random_buddy, zone32_no_merge_likely)
{
	run_shape(&(struct shape){ .name = "32 pages, merge_likely off", .nr_pages = 32,
				   .max_order = 10, .merge_likely = false, .seed = 0x3202,
				   .ops = OPS });
}

Test(random_buddy, zone32_max_order3)
{
	run_shape(&(struct shape){ .name = "32 pages, max_order 3", .nr_pages = 32,
				   .max_order = 3, .merge_likely = true, .seed = 0x3203,
				   .ops = OPS });
}

Test(random_buddy, zone1000_odd_start)
{
	run_shape(&(struct shape){ .name = "1000 pages at 12345", .start_pfn = 12345,
				   .nr_pages = 1000, .max_order = 10, .merge_likely = true,
				   .seed = 0x1000, .ops = OPS });
}

Test(random_buddy, zone1000_odd_start_no_merge_likely)
{
	run_shape(&(struct shape){ .name = "1000 pages at 12345, merge_likely off",
				   .start_pfn = 12345, .nr_pages = 1000, .max_order = 10,
				   .merge_likely = false, .seed = 0x1001, .ops = OPS });
}

Test(random_buddy, zone1000_odd_start_max_order4)
{
	run_shape(&(struct shape){ .name = "1000 pages at 333, max_order 4", .start_pfn = 333,
				   .nr_pages = 1000, .max_order = 4, .merge_likely = true,
				   .seed = 0x1004, .ops = OPS });
}

Test(random_buddy, zone6000_max_order10)
{
	run_shape(&(struct shape){ .name = "6000 pages at 8192", .start_pfn = 8192,
				   .nr_pages = 6000, .max_order = 10, .merge_likely = true,
				   .seed = 0x6000, .ops = OPS });
}

Test(random_buddy, zone4000_odd_start_max_order10_no_merge_likely)
{
	run_shape(&(struct shape){ .name = "4000 pages at 777, merge_likely off",
				   .start_pfn = 777, .nr_pages = 4000, .max_order = 10,
				   .merge_likely = false, .seed = 0x4000, .ops = OPS });
}

Test(random_buddy, zone_with_holes)
{
	run_shape(&(struct shape){ .name = "2000 pages at 64 with holes", .start_pfn = 64,
				   .nr_pages = 2000, .max_order = 10, .merge_likely = true,
				   .nr_holes = 2,
				   .holes = { { 300, 10 }, { 1024, 77 } },
				   .seed = 0x401e, .ops = OPS });
}

/* ---- the simulation engine: events, identities, counters ------------------
 *
 * Events drive fs_sim_apply with the "buddy" policy; a model here predicts
 * how each event is classified (placed, failed, whole/partial free,
 * mismatched free, unknown free, double free, duplicate allocation, bad
 * event) and where the buddy policy places it (the reference model again:
 * the policy is __rmqueue_smallest + __free_one_page with FPI_NONE).
 *
 * Identities live in 1024-aligned regions (2^max_order), a new allocation
 * only goes to a region with nothing live, so live identity ranges never
 * overlap and find_covering's answer is unambiguous. */

#define SIM_REGIONS 512
#define SIM_IDENT_SPACE ((uint64_t)SIM_REGIONS << 10)

struct piece {
	uint64_t ident, pfn;
	unsigned order;
};

struct sim_driver {
	const char *name;
	uint64_t seed, op;
	struct tu_rng rng;
	struct fs_sim *s;
	enum fs_placement placement;
	struct fs_zone *z;
	struct ref_model *r;
	struct piece *live;
	size_t nlive, cap;
	unsigned region_live[SIM_REGIONS];
	uint8_t *seen;                      /* one byte per ident < SIM_IDENT_SPACE */
	uint64_t *freed;                    /* identities freed, for double frees */
	size_t nfreed, capf;
	struct fs_counters want;
	uint64_t want_zone_unknown;         /* zc[0].unknown_frees: trace placement only */
	uint64_t time_ns;
	char ctx[160];
};

static void sd_ctx(struct sim_driver *d, const char *what)
{
	snprintf(d->ctx, sizeof(d->ctx), "[sim %s seed %#llx op %llu %s]", d->name,
		 (unsigned long long)d->seed, (unsigned long long)d->op, what);
}

static void sd_add(struct sim_driver *d, uint64_t ident, uint64_t pfn, unsigned order)
{
	if (d->nlive == d->cap) {
		d->cap = d->cap ? 2 * d->cap : 64;
		d->live = realloc(d->live, d->cap * sizeof(*d->live));
		cr_assert_not_null(d->live);
	}
	d->live[d->nlive++] = (struct piece){ ident, pfn, order };
	if (ident < SIM_IDENT_SPACE)
		d->region_live[ident >> 10]++;
}

static void sd_del(struct sim_driver *d, size_t i)
{
	if (d->live[i].ident < SIM_IDENT_SPACE)
		d->region_live[d->live[i].ident >> 10]--;
	if (d->nfreed == d->capf) {
		d->capf = d->capf ? 2 * d->capf : 64;
		d->freed = realloc(d->freed, d->capf * sizeof(*d->freed));
		cr_assert_not_null(d->freed);
	}
	d->freed[d->nfreed++] = d->live[i].ident;
	d->live[i] = d->live[--d->nlive];
}

static long sd_find_exact(const struct sim_driver *d, uint64_t ident)
{
	for (size_t i = 0; i < d->nlive; i++)
		if (d->live[i].ident == ident)
			return (long)i;
	return -1;
}

static long sd_find_covering(const struct sim_driver *d, uint64_t ident)
{
	for (size_t i = 0; i < d->nlive; i++)
		if (ident >= d->live[i].ident && ident - d->live[i].ident < (1ull << d->live[i].order))
			return (long)i;
	return -1;
}

static void sd_apply(struct sim_driver *d, unsigned kind, uint64_t ident, unsigned order,
		     uint8_t flags)
{
	struct fs_event ev = {
		.time_ns = d->time_ns += 1000, .ident = ident, .seq = d->op, .line = d->op,
		.kind = (uint8_t)kind, .order = (uint8_t)order, .mt = FS_MT_MOVABLE,
		.flags = (uint8_t)(flags | FS_EVF_HAS_MT),
	};
	int rc = fs_sim_apply(d->s, &ev);

	cr_assert_eq(rc, 0, "%s: fs_sim_apply = %d (invariant check failed, see stderr)", d->ctx,
		     rc);
}

/* Release piece i in the model and the reference (a whole-piece free). */
static void sd_release(struct sim_driver *d, size_t i)
{
	ref_free(d->r, d->live[i].pfn, d->live[i].order, false);
	sd_del(d, i);
	d->want.frees++;
}

static void sd_alloc(struct sim_driver *d)
{
	unsigned order = tu_skewed_order(&d->rng, d->s->m->max_order);
	uint64_t ident, want_pfn;
	const struct fs_alloc *idx;
	long dup = -1;

	if (d->nlive && tu_chance(&d->rng, 4)) {
		/* an allocation of an identity still live: a missed free */
		dup = (long)tu_below(&d->rng, d->nlive);
		ident = d->live[dup].ident;
		order = d->live[dup].order;       /* same extent, no overlap */
		sd_ctx(d, "duplicate alloc");
		sd_release(d, (size_t)dup);
		d->want.duplicate_allocs++;
	} else {
		unsigned reg = (unsigned)tu_below(&d->rng, SIM_REGIONS);

		for (int tries = 0; d->region_live[reg] && tries < 8; tries++)
			reg = (unsigned)tu_below(&d->rng, SIM_REGIONS);
		if (d->region_live[reg])
			return;
		ident = ((uint64_t)reg << 10) + (tu_below(&d->rng, 1024) & ~((1ull << order) - 1));
		sd_ctx(d, "alloc");
	}
	want_pfn = ref_rmqueue(d->r, order);
	sd_apply(d, FS_EV_ALLOC, ident, order, 0);
	idx = fs_alloctab_lookup(&d->s->at, ident);
	if (want_pfn == REF_NONE) {
		d->want.alloc_failures++;
		if (order >= 1)
			d->want.failures_order_ge1++;
		cr_assert_null(idx, "%s: failed allocation %#llx is in the table", d->ctx,
			     (unsigned long long)ident);
		/* the engine forgets a failed identity's earlier lives: its
		 * free is an unknown free, not a double free */
		memset(d->seen + ident, 0, 1ull << order);
		return;
	}
	cr_assert_not_null(idx, "%s: allocation %#llx order %u not in the table (reference "
		      "placed it at %llu)", d->ctx, (unsigned long long)ident, order,
		      (unsigned long long)want_pfn);
	cr_assert_eq(d->s->m->base_pfn + idx->pfn_idx, want_pfn,
		     "%s: placed at %llu, reference %llu", d->ctx,
		     (unsigned long long)(d->s->m->base_pfn + idx->pfn_idx),
		     (unsigned long long)want_pfn);
	cr_assert_eq(idx->order, order, "%s", d->ctx);
	d->want.allocs++;
	sd_add(d, ident, want_pfn, order);
	for (uint64_t p = ident; p < ident + (1ull << order); p++)
		d->seen[p] = 1;
}

/* --placement trace: the allocation goes exactly at ident (a pfn), through
 * fs_buddy_take since the buddy policy has no alloc_at. */
static void sd_alloc_trace(struct sim_driver *d)
{
	unsigned max = d->s->m->max_order;
	unsigned order = tu_skewed_order(&d->rng, max);
	uint64_t ident;
	const struct fs_alloc *idx;
	long dup;
	int rc;
	unsigned k = (unsigned)tu_below(&d->rng, 100);

	if (d->nlive && k < 4) {
		dup = (long)tu_below(&d->rng, d->nlive);
		ident = d->live[dup].ident;
		order = d->live[dup].order;
	} else if (k < 55) {
		/* inside a free block: placed */
		unsigned bo;

		if (!d->r->free_pages)
			return;
		do
			bo = (unsigned)tu_below(&d->rng, max + 1);
		while (!d->r->list[bo].n);
		order = tu_skewed_order(&d->rng, bo);
		ident = d->r->list[bo].pfn[tu_below(&d->rng, d->r->list[bo].n)] +
			(tu_below(&d->rng, 1ull << (bo - order)) << order);
	} else {
		/* anywhere around the zone: often busy, sometimes outside, a few
		 * misaligned (the take refuses those: a placement conflict) */
		ident = d->r->start_pfn - 16 + tu_below(&d->rng, d->r->end_pfn - d->r->start_pfn + 32);
		if (k < 97)
			ident &= ~((1ull << order) - 1);
	}
	dup = sd_find_exact(d, ident);
	if (dup >= 0) {
		sd_ctx(d, "duplicate alloc");
		sd_release(d, (size_t)dup);
		d->want.duplicate_allocs++;
	} else {
		sd_ctx(d, "alloc at");
	}
	if (ident < d->r->start_pfn || ident + (1ull << order) > d->r->end_pfn) {
		d->want.bad_events++;
		rc = -1;
	} else {
		rc = ref_take(d->r, ident, order);
		if (rc)
			d->want.placement_conflicts++;
	}
	sd_apply(d, FS_EV_ALLOC, ident, order, 0);
	idx = fs_alloctab_lookup(&d->s->at, ident);
	if (rc) {
		cr_assert_null(idx, "%s: refused allocation %#llx is in the table", d->ctx,
			     (unsigned long long)ident);
		return;
	}
	cr_assert_not_null(idx, "%s: allocation %#llx order %u not in the table", d->ctx,
		      (unsigned long long)ident, order);
	cr_assert_eq(d->s->m->base_pfn + idx->pfn_idx, ident, "%s", d->ctx);
	d->want.allocs++;
	sd_add(d, ident, ident, order);
	for (uint64_t p = ident; p < ident + (1ull << order); p++)
		d->seen[p] = 1;
}

/* Predict and apply a free of (ident, order). */
static void sd_free_event(struct sim_driver *d, uint64_t ident, unsigned order)
{
	long i = sd_find_exact(d, ident);

	if (i < 0)
		i = sd_find_covering(d, ident);
	if (i < 0) {
		if (ident < SIM_IDENT_SPACE && d->seen[ident]) {
			sd_ctx(d, "double free");
			d->want.double_frees++;
		} else {
			sd_ctx(d, "unknown free");
			d->want.unknown_frees++;
			if (d->placement == FS_PLACE_TRACE && ref_in_zone(d->r, ident))
				d->want_zone_unknown++;
		}
	} else {
		struct piece p = d->live[i];

		if (p.ident == ident && p.order == order) {
			sd_ctx(d, "free");
			sd_release(d, (size_t)i);
		} else if (order < p.order && !((ident - p.ident) & ((1ull << order) - 1))) {
			/* split_page() + free of one part: the other parts stay live */
			uint64_t rel = ident - p.ident;

			sd_ctx(d, "partial free");
			sd_del(d, (size_t)i);
			for (unsigned o = order; o < p.order; o++) {
				uint64_t sib = (rel & ~((1ull << o) - 1)) ^ (1ull << o);

				sd_add(d, p.ident + sib, p.pfn + sib, o);
			}
			ref_free(d->r, p.pfn + rel, order, false);
			d->want.partial_frees++;
			d->want.frees++;
		} else {
			sd_ctx(d, "mismatched free");
			sd_release(d, (size_t)i);
			d->want.free_order_mismatches++;
		}
	}
	sd_apply(d, FS_EV_FREE, ident, order, 0);
}

static void sd_free(struct sim_driver *d)
{
	unsigned k = (unsigned)tu_below(&d->rng, 100);
	unsigned max = d->s->m->max_order;

	if (d->nlive && k < 50) {
		struct piece p = d->live[tu_below(&d->rng, d->nlive)];

		sd_free_event(d, p.ident, p.order);
	} else if (d->nlive && k < 70) {
		struct piece p = d->live[tu_below(&d->rng, d->nlive)];
		unsigned s;

		if (!p.order)
			return;
		s = (unsigned)tu_below(&d->rng, p.order);
		sd_free_event(d, p.ident + (tu_below(&d->rng, 1ull << (p.order - s)) << s), s);
	} else if (d->nlive && k < 74) {
		struct piece p = d->live[tu_below(&d->rng, d->nlive)];

		if (p.order < max)
			sd_free_event(d, p.ident, p.order + 1);   /* larger than allocated */
	} else if (d->nfreed && k < 88) {
		/* an identity freed before: a double free unless it is live again */
		uint64_t ident = d->freed[tu_below(&d->rng, d->nfreed)];
		long i = sd_find_covering(d, ident);

		sd_free_event(d, ident, i >= 0 ? d->live[i].order : 0);
	} else if (k < 94) {
		/* never allocated: in the table's identity range, or anywhere
		 * below the 2^58 identity limit */
		uint64_t ident = tu_chance(&d->rng, 50)
					 ? SIM_IDENT_SPACE + tu_below(&d->rng, (1ull << 32) - SIM_IDENT_SPACE)
					 : (tu_rand(&d->rng) & ((1ull << 56) - 1)) | (1ull << 56);

		sd_free_event(d, ident, (unsigned)tu_below(&d->rng, max + 1));
	} else {
		/* an identity in a region never or not currently used, not seen */
		uint64_t ident = tu_below(&d->rng, SIM_IDENT_SPACE);

		if (sd_find_covering(d, ident) >= 0)
			return;
		sd_free_event(d, ident, 0);
	}
}

static void sd_verify(struct sim_driver *d, bool full)
{
	const struct fs_counters *c = &d->s->c;

#define CHECK_COUNTER(name)                                                         \
	cr_assert_eq(c->name, d->want.name, "%s: counter " #name " = %llu, expected %llu", \
		     d->ctx, (unsigned long long)c->name, (unsigned long long)d->want.name)
	CHECK_COUNTER(allocs);
	CHECK_COUNTER(frees);
	CHECK_COUNTER(alloc_failures);
	CHECK_COUNTER(failures_order_ge1);
	CHECK_COUNTER(unknown_frees);
	CHECK_COUNTER(double_frees);
	CHECK_COUNTER(partial_frees);
	CHECK_COUNTER(duplicate_allocs);
	CHECK_COUNTER(free_order_mismatches);
	CHECK_COUNTER(kernel_failed_allocs);
	CHECK_COUNTER(bad_events);
	CHECK_COUNTER(placement_conflicts);
#undef CHECK_COUNTER
	/* one zone: the per-zone counters are the machine's */
	cr_assert_eq(d->s->zc[0].allocs, c->allocs, "%s", d->ctx);
	cr_assert_eq(d->s->zc[0].frees, c->frees, "%s", d->ctx);
	cr_assert_eq(d->s->zc[0].alloc_failures, c->alloc_failures, "%s", d->ctx);
	cr_assert_eq(d->s->zc[0].failures_order_ge1, c->failures_order_ge1, "%s", d->ctx);
	cr_assert_eq(d->s->zc[0].unknown_frees, d->want_zone_unknown, "%s: zone unknown_frees",
		     d->ctx);
	cr_assert_eq(d->s->at.live, d->nlive, "%s: %llu live records, model has %zu", d->ctx,
		     (unsigned long long)d->s->at.live, d->nlive);
	cr_assert_eq(d->s->events, d->op, "%s: events", d->ctx);
	tu_compare(d->s->m, d->z, d->r, d->ctx);
	if (!full)
		return;
	for (size_t i = 0; i < d->nlive; i++) {
		const struct fs_alloc *idx = fs_alloctab_lookup(&d->s->at, d->live[i].ident);

		cr_assert_not_null(idx, "%s: live %#llx not in the table", d->ctx,
			      (unsigned long long)d->live[i].ident);
		cr_assert_eq(d->s->m->base_pfn + idx->pfn_idx, d->live[i].pfn,
			     "%s: %#llx placement", d->ctx, (unsigned long long)d->live[i].ident);
		cr_assert_eq(idx->order, d->live[i].order, "%s: %#llx order", d->ctx,
			     (unsigned long long)d->live[i].ident);
	}
}

static void run_sim(const char *name, const char *spec, enum fs_placement placement,
		    bool merge_likely, uint64_t start_pfn, uint64_t nr_pages, uint64_t seed,
		    uint64_t ops)
{
	struct sim_driver d = { .name = name, .seed = seed, .placement = placement };
	struct fs_layout l;
	struct fs_err err = { { 0 } };
	int rc;

	tu_layout(&l, start_pfn, nr_pages, 10);
	cr_assert_leq(start_pfn + nr_pages, SIM_IDENT_SPACE);
	rc = fs_sim_new(&d.s, &l, spec, placement, &err);
	cr_assert_eq(rc, 0, "fs_sim_new(\"%s\"): %s", spec, err.msg);
	d.s->debug_check = 1;
	cr_assert_eq(d.s->m->merge_likely, merge_likely, "policy spec \"%s\"", spec);
	d.z = &d.s->m->zones[0];
	d.r = ref_new(start_pfn, nr_pages, 10, merge_likely);
	ref_populate(d.r);
	d.seen = calloc(SIM_IDENT_SPACE, 1);
	cr_assert_not_null(d.seen);
	tu_rng_seed(&d.rng, seed);
	sd_ctx(&d, "start");
	tu_compare(d.s->m, d.z, d.r, d.ctx);

	for (d.op = 1; d.op <= ops; d.op++) {
		unsigned k = (unsigned)tu_below(&d.rng, 1000);
		uint64_t ev_before = d.s->events;

		if (k < 440) {
			if (placement == FS_PLACE_TRACE)
				sd_alloc_trace(&d);
			else
				sd_alloc(&d);
		} else if (k < 990) {
			sd_free(&d);
		} else if (k < 995) {
			/* an order the machine cannot have: skipped */
			sd_ctx(&d, "bad order");
			d.want.bad_events++;
			sd_apply(&d, tu_chance(&d.rng, 50) ? FS_EV_ALLOC : FS_EV_FREE,
				 tu_below(&d.rng, SIM_IDENT_SPACE), 11 + (unsigned)tu_below(&d.rng, 5), 0);
		} else {
			/* failed in the kernel: counted, nothing placed */
			sd_ctx(&d, "kernel-failed alloc");
			d.want.kernel_failed_allocs++;
			sd_apply(&d, FS_EV_ALLOC, SIM_IDENT_SPACE + tu_below(&d.rng, 1 << 20), 0,
				 FS_EVF_FAILED);
		}
		if (d.s->events == ev_before) {       /* the generator skipped this op */
			d.op--;
			continue;
		}
		sd_verify(&d, d.op % 997 == 0);
	}
	/* free everything that is left */
	d.op = ops;
	while (d.nlive) {
		struct piece p = d.live[d.nlive - 1];

		d.op++;
		sd_free_event(&d, p.ident, p.order);
		sd_verify(&d, false);
	}
	cr_assert_eq(d.z->free_pages, nr_pages);
	/* every kind of event happened */
	cr_assert_gt(d.want.allocs, ops / 10);
	if (placement == FS_PLACE_TRACE) {
		cr_assert_gt(d.want.placement_conflicts, 100);
		cr_assert_gt(d.want.bad_events, 100);
	} else {
		cr_assert_gt(d.want.alloc_failures, 0, "no allocation failed");
	}
	cr_assert_gt(d.want.partial_frees, 100);
	cr_assert_gt(d.want.double_frees, 100);
	cr_assert_gt(d.want.unknown_frees, 100);
	cr_assert_gt(d.want.duplicate_allocs, 100);
	cr_assert_gt(d.want.free_order_mismatches, 100);

	free(d.live);
	free(d.freed);
	free(d.seen);
	ref_free_model(d.r);
	fs_sim_free(d.s);
}

Test(random_sim, buddy_policy)
{
	run_sim("buddy", "buddy", FS_PLACE_POLICY, true, 0, 4096, 0x51a1, OPS);
}

Test(random_sim, buddy_policy_no_merge_likely_odd_zone)
{
	run_sim("buddy:merge_likely=off", "buddy:merge_likely=off", FS_PLACE_POLICY, false, 4099,
		3000, 0x51a2, OPS);
}

Test(random_sim, trace_placement)
{
	run_sim("buddy, trace placement", "buddy", FS_PLACE_TRACE, true, 4099, 3000, 0x51a3, OPS);
}

Test(random_sim, trace_placement_no_merge_likely)
{
	run_sim("buddy:merge_likely=off, trace placement", "buddy:merge_likely=off",
		FS_PLACE_TRACE, false, 1024, 2048, 0x51a4, OPS);
}
