/* grouping_alloc.c - get_page_from_freelist and the slow path for the
 * grouping policies: the zonelist walk with the generation's watermark
 * test, alloc flags from the request's gfp flags, and the HIGHATOMIC
 * reserve (4.4+). The fallback rules are in grouping.c. */
#include <errno.h>
#include <string.h>

#include "../sim/gfp.h"
#include "grouping.h"

/* zone_watermark_fast / __zone_watermark_ok for one zone */
static bool zone_ok(struct fs_policy *p, const struct fs_zone *z, unsigned order,
		    enum fs_wmark_which which, unsigned highest_zone)
{
	struct grouping *st = G(p);
	uint64_t nr_free[FS_NR_ORDERS][FS_WMARK_NR_TYPES];
	struct fs_wmark_check c = {
		.order = order,
		.mark = fs_wmark_get(&st->wz[z->idx].wm, which, 0),
		.lowmem_reserve = st->wz[z->idx].reserve.pages[highest_zone],
		.free_pages = (int64_t)z->free_pages,
		.nr_free = (const uint64_t (*)[FS_WMARK_NR_TYPES])nr_free,
		.max_order = p->m->max_order,
	};

	if (order)
		for (unsigned o = 0; o <= p->m->max_order; o++)
			for (unsigned t = 0; t < FS_WMARK_NR_TYPES; t++)
				nr_free[o][t] = z->lists[o][t].count;
	return fs_wmark_ok(st->gen->wmark, &c);
}

/* One walk of the zonelist, highest usable zone first. */
static uint64_t walk(struct fs_policy *p, const struct fs_alloc_req *req, unsigned start,
		     enum fs_wmark_which which)
{
	for (int zi = (int)req->highest_zone; zi >= 0; zi--) {
		struct fs_zone *z = &p->m->zones[zi];
		uint64_t got;

		if (G(p)->watermarks && !zone_ok(p, z, req->order, which, req->highest_zone))
			continue;
		if (fs_pcp_allowed(&G(p)->pcp, p->m, req->order, start))
			got = fs_pcp_alloc(&G(p)->pcp, p, z, req->cpu, req->order, start);
		else
			got = fs_grp_rmqueue(p, z, req->order, start);
		if (got != NONE)
			return got;
	}
	return NONE;
}

/* get_page_from_freelist on the fast path (LOW, with ALLOC_NOFRAGMENT
 * first where it applies, then without), then the slow path at MIN. */
int fs_grp_alloc(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t *pfn)
{
	struct grouping *st = G(p);
	unsigned start = req->mt;
	uint64_t got = NONE;

	/* gfp_migratetype: only the three pcp types are ever requested */
	if (start > FS_MT_RECLAIMABLE || st->disabled)
		start = FS_MT_UNMOVABLE;
	if (st->nofragment) {
		st->pass_nofragment = true;
		got = walk(p, req, start, FS_WMARK_LOW);
		st->pass_nofragment = false;
	}
	if (got == NONE)
		got = walk(p, req, start, FS_WMARK_LOW);
	if (got == NONE && st->watermarks)
		got = walk(p, req, start, FS_WMARK_MIN);
	if (got == NONE)
		return -ENOMEM;
	*pfn = got;
	return 0;
}

