/* keyed_zones_reclaim.c - the keyed zones' two reclaim rules, as Bligh's
 * proposal states them (issue #7):
 *
 *   "direct_reclaim should not occur when the page to be reclaimed would be
 *   inappropriately keyed for the zone; in practice this means using direct
 *   reclaim only to reclaim pages for purposes where the allocated page
 *   might itself reach the InactiveDirty list AND where the page reclaimed
 *   is correctly keyed."
 *
 * (reclaim_keyed, fs_kz_reclaim_ok, the ops' reclaim_ok callback): a failed
 * request direct-reclaims only when its own pages go on the LRU (a
 * workload's reclaimable class, FS_EVF_LRU: "might itself reach the
 * InactiveDirty list"); and it frees only LRU allocations that sit in a
 * keyed zone carrying the request's own key and are not misplaced there
 * ("correctly keyed"), so the space freed is space the request's key can
 * use. Others are passed over, oldest first, as the kernel's reclaim skips
 * folios of zones the request cannot use. Reading the two halves of the
 * sentence together: a request whose pages never reach the LRU would free
 * pages of another kind, which the zones' keys say it may not use.
 *
 *   "Furthermore, the number unkeyed (i.e. empty) zones will need to have a
 *   particular low water market target, below which memory pressure must
 *   somehow be caused, in order to force buffer flushing or paging."
 *
 * (reclaim_pressure, fs_kz_pressure_pass): when a zone type's unkeyed zones
 * fall under low_water (a labelling left it short, or an allocation found
 * no unkeyed zone and went to "the first page in ANY zone", or failed), the
 * next tick reclaims - kswapd-like, at once, not a thread - the LRU pages
 * of keyed zones that hold nothing but LRU pages, sparsest first (fewest
 * allocated pages: the least cache dropped per zone emptied), until the
 * type has its target of unkeyed zones again or no such zone is left.
 * Reclaiming in a zone that also holds pages reclaim cannot free would drop
 * cache without making a zone unkeyed, so those zones are left alone (the
 * defragmenter may move their movable pages; that is its job, not
 * reclaim's). A pass that could not reach the target waits a
 * defrag_period before the next, so a machine short of reclaimable zones
 * is not scanned at every event.
 *
 * Cost: reclaim_ok is O(1) per LRU entry looked at; a pressure pass is
 * O(keyed zones of the type) to find candidates, plus the pages of the
 * zones it empties.
 */
#include <stdlib.h>

#include "../sim/internal.h"   /* fs_reclaim_at, fs_reclaim_lru_pages */
#include "keyed_zones.h"

bool fs_kz_reclaim_ok(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t pfn)
{
	struct fs_kz *st = p->state;
	const struct fs_kz_zone *kz;
	const struct fs_kz_type *t;

	if (!st->reclaim_keyed)
		return true;
	if (pfn == FS_RECLAIM_REQUEST)
		return req->lru;
	fs_kz_ensure_built(p);
	kz = fs_kz_zone_at(st, fs_kz_zone_of(st, p->m, pfn));
	t = &st->type[kz->type];
	return kz->key != FS_KZ_NONE &&
	       t->keys[kz->key].val == fs_kz_key_of(st, req->mt, req->order, req->key) &&
	       !fs_kz_is_misplaced(st, p->m, pfn);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* Reclaim every LRU allocation of keyed zone gz (it holds nothing else). */
static void empty_zone(struct fs_policy *p, struct fs_kz *st, uint32_t gz, uint64_t now_ns)
{
	const struct fs_machine *m = p->m;
	const struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	uint64_t lo, hi;

	fs_kz_span(st, gz, &lo, &hi);
	for (uint64_t pfn = lo; pfn < hi && kz->lru;) {
		uint64_t idx = pfn - m->base_pfn, s = m->pages[idx];

		switch (fs_pg_kind(s)) {
		case FS_PG_FREE:
			pfn += 1ull << fs_buddy_order(m, idx);
			break;
		case FS_PG_ALLOC:
			fs_reclaim_at(p->sim, pfn, 0, now_ns);
			pfn += 1ull << ((s >> 2) & 15);
			break;
		default:                                /* a hole */
			pfn++;
			break;
		}
	}
}

bool fs_kz_pressure_pass(struct fs_policy *p, uint64_t now_ns)
{
	struct fs_kz *st = p->state;
	bool met = true, ran = false;

	for (unsigned ti = 0; ti < p->m->nr_zones; ti++) {
		struct fs_kz_type *t = &st->type[ti];
		uint32_t n = 0;

		if (t->nr_unkeyed >= t->low_water)
			continue;
		if (!fs_reclaim_lru_pages(p->sim, ti)) {
			met = false;
			continue;
		}
		if (!st->cand)
			st->cand = fs_xcalloc(st->nzones, sizeof(*st->cand));
		ran = true;
		for (uint32_t l = 0; l < t->nr; l++) {
			const struct fs_kz_zone *kz = fs_kz_zone_at(st, t->first + l);

			if (kz->key != FS_KZ_NONE && kz->lru && kz->lru == kz->used)
				st->cand[n++] = (uint64_t)kz->used << 32 | (t->first + l);
		}
		qsort(st->cand, n, sizeof(*st->cand), cmp_u64);
		for (uint32_t i = 0; i < n && t->nr_unkeyed < t->low_water; i++)
			empty_zone(p, st, (uint32_t)st->cand[i], now_ns);
		if (t->nr_unkeyed < t->low_water)
			met = false;
	}
	if (ran)
		p->sim->c.pressure_reclaim_runs++;
	return met;
}
