/* grouping_alloc.c - get_page_from_freelist and the slow path for the
 * grouping policies: the zonelist walk with the generation's watermark
 * test, alloc flags from the request's gfp flags, and the HIGHATOMIC
 * reserve (4.4+). The fallback rules are in grouping.c. */
#include <errno.h>
#include <string.h>

#include "../sim/gfp.h"
#include "grouping.h"

/* gfp_to_alloc_flags for the slow path, by era (the fast path uses none
 * of these). A request without gfp flags is taken as GFP_KERNEL: it may
 * sleep, and has no reserve access. */
static unsigned alloc_flags(const struct grouping *st, const struct fs_alloc_req *req)
{
	uint32_t g = req->gfp;
	unsigned f = 0;

	if (!req->has_gfp)
		return 0;
	if (g & FS_GFP_HIGH)
		f |= FS_ALLOC_HIGH;
	switch (st->gen->highatomic) {
	case HA_63:
		/* 6.3+ gfp_to_alloc_flags: ALLOC_NON_BLOCK when the caller
		 * cannot direct-reclaim; ALLOC_HIGHATOMIC for its high orders
		 * with __GFP_HIGH (the 6.12.y / 6.13 fix), i.e. GFP_ATOMIC */
		if (!(g & (FS_GFP_DIRECT_RECLAIM | FS_GFP_NOMEMALLOC))) {
			f |= FS_ALLOC_HARDER;
			if (req->order && (g & FS_GFP_HIGH))
				f |= FS_ALLOC_HIGHATOMIC;
		}
		break;
	case HA_44:
		/* 4.4 .. 6.2: ALLOC_HARDER for __GFP_ATOMIC, which only
		 * GFP_ATOMIC carried (printed as the composite, so a request
		 * with __GFP_HIGH that cannot sleep counts as one); the
		 * reserve is for its high orders */
		if (((g & FS_GFP_ATOMIC) || ((g & FS_GFP_HIGH) && !(g & FS_GFP_DIRECT_RECLAIM))) &&
		    !(g & FS_GFP_NOMEMALLOC)) {
			f |= FS_ALLOC_HARDER;
			if (req->order)
				f |= FS_ALLOC_HIGHATOMIC;
		}
		break;
	case HA_NONE:
		/* 3.10: atomic = !__GFP_WAIT */
		if (!(g & (FS_GFP_DIRECT_RECLAIM | FS_GFP_NOMEMALLOC)))
			f |= FS_ALLOC_HARDER;
		break;
	}
	if (!st->highatomic)
		f &= ~FS_ALLOC_HIGHATOMIC;
	return f;
}

/* zone_watermark_fast / __zone_watermark_ok for one zone. The mark is
 * wmark_pages(): the zone's watermark plus its boost (5.0+), so a boosted
 * zone fails the fast path's low test sooner and the walk moves on to the
 * next zone or the slow path. zone_watermark_fast since 2020 (Charan
 * Teja Reddy's "ignore boost for GFP_ATOMIC order-0", before 5.8; here
 * 6.10 and 6.15, not 5.0) retries an order-0 request with __GFP_HIGH
 * (6.3+: ALLOC_MIN_RESERVE; before, __GFP_ATOMIC) that fails at the
 * boosted min against the unboosted min: "the min watermark is the point
 * where boosting is ignored so that kswapd is woken up when below the
 * low watermark". */
static bool zone_ok(struct fs_policy *p, const struct fs_zone *z, unsigned order,
		    enum fs_wmark_which which, unsigned highest_zone, unsigned flags, unsigned start)
{
	struct grouping *st = G(p);
	uint64_t nr_free[FS_NR_ORDERS][FS_WMARK_NR_TYPES];
	struct fs_wmark_check c = {
		.order = order,
		.mark = fs_wmark_get(&st->wz[z->idx].wm, which, z->watermark_boost),
		.lowmem_reserve = st->wz[z->idx].reserve.pages[highest_zone],
		.alloc_flags = flags,
		.free_pages = (int64_t)z->free_pages,
		.nr_free = (const uint64_t (*)[FS_WMARK_NR_TYPES])nr_free,
		.max_order = p->m->max_order,
		.highatomic = st->nr_reserved_highatomic[z->idx],
	};

	/* free CMA pages count only for callers with ALLOC_CMA (the
	 * MOVABLE requests), in every form of the test */
	if (st->cma) {
		c.free_cma = fs_grp_free_cma(p->m, z);
		if (start == FS_MT_MOVABLE)
			c.alloc_flags |= FS_ALLOC_CMA;
	}

	if (st->gen->wmark == &fs_wmark_rules_6_12) {
		/* 6.12 subtracts the free pages on HIGHATOMIC lists (nr_free_highatomic) */
		c.highatomic = 0;
		for (unsigned o = 0; o <= p->m->max_order && o < FS_NR_ORDERS; o++)
			c.highatomic += (uint64_t)z->lists[o][FS_MT_HIGHATOMIC].count << o;
	}
	if (order)
		for (unsigned o = 0; o <= p->m->max_order && o < FS_NR_ORDERS; o++)
			for (unsigned t = 0; t < FS_WMARK_NR_TYPES; t++)
				nr_free[o][t] = z->lists[o][t].count;
	if (fs_wmark_ok(st->gen->wmark, &c))
		return true;
	if (!order && (flags & FS_ALLOC_HIGH) && z->watermark_boost && which == FS_WMARK_MIN &&
	    st->gen->wmark == &fs_wmark_rules_6_12) {
		c.mark = st->wz[z->idx].wm.min;
		return fs_wmark_ok(st->gen->wmark, &c);
	}
	return false;
}

bool fs_grp_zone_above_high(struct fs_policy *p, const struct fs_zone *z)
{
	/* alloc_flags 0: no ALLOC_CMA, free CMA pages do not count */
	return zone_ok(p, z, 0, FS_WMARK_HIGH, p->m->nr_zones - 1, 0, FS_MT_UNMOVABLE);
}

/* get_page_from_freelist (6.7+): a zone not yet flagged ZONE_BELOW_HIGH is
 * first tested against its high watermark with the request's order and
 * flags; failing it sets the flag, which makes the zone's pagesets shrink
 * high and drain on frees (nr_pcp_high) until a drain leaves the zone
 * above the mark. Passing it goes straight to the zone (try_this_zone),
 * as the lower mark would pass too: true then. */
static bool above_high(struct fs_policy *p, const struct fs_zone *z,
		       const struct fs_alloc_req *req, unsigned flags, unsigned start)
{
	struct fs_pcp_set *s = &G(p)->pcp;

	if (!fs_pcp_tracks_below_high(s) || s->below_high[z->idx])
		return false;
	if (zone_ok(p, z, req->order, FS_WMARK_HIGH, req->highest_zone, flags, start))
		return true;
	s->below_high[z->idx] = true;
	return false;
}

/* rmqueue_buddy: the HIGHATOMIC lists first for a high-order atomic
 * request, then __rmqueue; 6.3+ lets any non-blocking request take a
 * HIGHATOMIC page rather than fail. */
static uint64_t rmqueue_buddy(struct fs_policy *p, struct fs_zone *z, unsigned order,
			      unsigned start, unsigned flags)
{
	uint64_t got = NONE;

	if (flags & FS_ALLOC_HIGHATOMIC)
		got = fs_buddy_rmqueue_smallest(p->m, z, order, FS_MT_HIGHATOMIC);
	if (got == NONE)
		got = fs_grp_rmqueue(p, z, order, start);
	if (got == NONE && G(p)->highatomic && G(p)->gen->highatomic == HA_63 &&
	    (flags & FS_ALLOC_HARDER))
		got = fs_buddy_rmqueue_smallest(p->m, z, order, FS_MT_HIGHATOMIC);
	return got;
}

/* reserve_highatomic_pageblock (6.12): after a high-order atomic
 * allocation, make its pageblock HIGHATOMIC, up to about 1% of the zone
 * in whole pageblocks (nothing when 1% is less than a pageblock). */
static void reserve_highatomic(struct fs_policy *p, struct fs_zone *z, uint64_t pfn, unsigned order)
{
	struct grouping *st = G(p);
	struct fs_machine *m = p->m;
	uint64_t pbn = 1ull << m->pageblock_order, max_managed, one_pc = z->present_pages / 100;
	unsigned mt = fs_pb_type(m, pfn);

	if (one_pc < pbn)
		return;
	max_managed = (one_pc + pbn - 1) & ~(pbn - 1);
	if (st->nr_reserved_highatomic[z->idx] >= max_managed || mt > FS_MT_RECLAIMABLE)
		return;                 /* only mergeable blocks */
	if (order < m->pageblock_order) {
		if (!fs_grp_retype_block(p, z, pfn, FS_MT_HIGHATOMIC))
			return;
		st->nr_reserved_highatomic[z->idx] += pbn;
	} else {
		fs_pb_set_range(m, pfn, order, FS_MT_HIGHATOMIC);
		st->nr_reserved_highatomic[z->idx] += 1ull << order;
	}
}

/* unreserve_highatomic_pageblock (6.12): give the first HIGHATOMIC free
 * block found (lowest order first, zonelist order) back to the request's
 * type; keep one pageblock per zone unless forced. */
static bool unreserve_highatomic(struct fs_policy *p, const struct fs_alloc_req *req,
				 unsigned start, bool force)
{
	struct grouping *st = G(p);
	struct fs_machine *m = p->m;
	uint64_t pbn = 1ull << m->pageblock_order;

	for (int zi = (int)req->highest_zone; zi >= 0; zi--) {
		struct fs_zone *z = &m->zones[zi];

		if (!force && st->nr_reserved_highatomic[zi] <= pbn)
			continue;
		for (unsigned o = 0; o <= m->max_order; o++) {
			uint32_t head = z->lists[o][FS_MT_HIGHATOMIC].head;
			uint64_t pfn, size;

			if (head == FS_NIL)
				continue;
			pfn = m->base_pfn + head;
			if (fs_pb_type(m, pfn) == FS_MT_HIGHATOMIC) {
				size = pbn > (1ull << o) ? pbn : 1ull << o;
				if (size > st->nr_reserved_highatomic[zi])
					size = st->nr_reserved_highatomic[zi];
				st->nr_reserved_highatomic[zi] -= size;
			}
			if (o < m->pageblock_order) {
				if (!fs_grp_retype_block(p, z, pfn, start))
					continue;
			} else {
				fs_buddy_del(m, z, pfn);
				fs_buddy_add(m, z, pfn, o, start, true);
				fs_pb_set_range(m, pfn, o, start);
			}
			return true;
		}
	}
	return false;
}

/* One walk of the zonelist, highest usable zone first. */
static uint64_t walk(struct fs_policy *p, const struct fs_alloc_req *req, unsigned start,
		     enum fs_wmark_which which, unsigned flags)
{
	for (int zi = (int)req->highest_zone; zi >= 0; zi--) {
		struct fs_zone *z = &p->m->zones[zi];
		uint64_t got = NONE;

		if (!above_high(p, z, req, flags, start) && G(p)->watermarks &&
		    !zone_ok(p, z, req->order, which, req->highest_zone, flags, start))
			continue;
		if (fs_pcp_allowed(&G(p)->pcp, p->m, req->order, start)) {
			got = fs_pcp_alloc(&G(p)->pcp, p, z, req->cpu, req->order, start);
			/* rmqueue falls back to rmqueue_buddy, which for these
			 * flags can still reach the HIGHATOMIC lists */
			if (got == NONE && (flags & (FS_ALLOC_HIGHATOMIC | FS_ALLOC_HARDER)))
				got = rmqueue_buddy(p, z, req->order, start, flags);
		} else {
			got = rmqueue_buddy(p, z, req->order, start, flags);
		}
		if (got != NONE) {
			if (flags & FS_ALLOC_HIGHATOMIC)
				reserve_highatomic(p, z, got, req->order);
			return got;
		}
	}
	return NONE;
}

/* get_page_from_freelist on the fast path (LOW, with ALLOC_NOFRAGMENT
 * first where it applies, then without), then the slow path at MIN with
 * the request's alloc flags. Reclaim makes no progress in a replay, so
 * the slow path's last resort is should_reclaim_retry's: for orders up
 * to 3 (or __GFP_RETRY_MAYFAIL) from a caller that may sleep and retry,
 * unreserve HIGHATOMIC blocks one at a time and try again. */
int fs_grp_alloc(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t *pfn)
{
	struct grouping *st = G(p);
	unsigned start = req->mt, flags;
	uint64_t got = NONE;

	/* gfp_migratetype: only the three pcp types are ever requested */
	if (start > FS_MT_RECLAIMABLE || st->disabled)
		start = FS_MT_UNMOVABLE;
	if (st->nofragment && (int)req->highest_zone == st->nofrag_zone) {
		st->pass_nofragment = true;
		got = walk(p, req, start, FS_WMARK_LOW, 0);
		st->pass_nofragment = false;
	}
	if (got == NONE)
		got = walk(p, req, start, FS_WMARK_LOW, 0);
	flags = alloc_flags(st, req);
	if (got == NONE && st->watermarks)
		got = walk(p, req, start, FS_WMARK_MIN, flags);
	else if (got == NONE && flags)
		got = walk(p, req, start, FS_WMARK_LOW, flags);
	if (got == NONE && st->highatomic &&
	    (!req->has_gfp || ((req->gfp & FS_GFP_DIRECT_RECLAIM) && !(req->gfp & FS_GFP_NORETRY))) &&
	    (req->order <= 3 || (req->gfp & FS_GFP_RETRY_MAYFAIL)))
		while (got == NONE && unreserve_highatomic(p, req, start, true))
			got = walk(p, req, start, st->watermarks ? FS_WMARK_MIN : FS_WMARK_LOW, flags);
	if (got == NONE)
		return -ENOMEM;
	*pfn = got;
	return 0;
}
