/* keyed_zones_defrag.c - the keyed zones' defragmenter, as Bligh proposed
 * it: "The role of the defragmenter becomes firstly to target pages which
 * have an inappropriate key for the zone concerned, and secondly to target
 * pages in sparsely allocated zones, so the zone becomes unkeyed, and free
 * for rekeying later."
 *
 * A pass runs from the policy's tick every defrag_period of simulated time,
 * and early when a request of order >= 1 fails ("Non atomic high order
 * allocations which are failing should allow the defragmenter to run") or
 * a labelling leaves a zone type's unkeyed zones under the low-water
 * target ("below which memory pressure must somehow be caused"; the
 * simulation has no reclaim, so the defragmenter is what responds). It
 * works from two lists the allocation path keeps up to date from the
 * per-zone counts ("as statistics could easilly be kept per zone on the
 * number of appropriately and inappropriately keyed pages ... scanning
 * (and hence finding suitable targets) would become considerably easier"),
 * so a pass costs O(its work), never a scan of memory (a zone leaves a
 * list lazily, when a pass finds it no longer a target):
 *
 *   1. zones holding inappropriately keyed MOVABLE pages: each such page
 *      moves into the first zone carrying its own key that has room (its
 *      zone type first, then the others from the highest), never into an
 *      unkeyed zone - spending an empty zone on one page would undo what
 *      the pass is for;
 *   2. sparse zones (at most `sparse` % allocated, every page MOVABLE):
 *      each page moves to another zone of its key at least as full as the
 *      sparse zone was, so pages flow from sparse zones to dense ones and
 *      never back; a zone whose pages all left becomes unkeyed.
 *
 * Only MOVABLE pages move (migrate types stand in for "pages on the Active
 * or Inactive lists" the proposal calls easy to move). Moving takes the
 * target block off the keyed free areas and calls fs_sim_migrate, which
 * frees the old place through the policy: the trace's identity follows the
 * page. A pass moves at most defrag_batch pages and examines at most
 * defrag_zones zones; zones it could not clean go to the tail of their
 * list.
 */
#include "keyed_zones.h"

enum drain_mode {
	DRAIN_MISPLACED = 0,          /* move the inappropriately keyed MOVABLE pages */
	DRAIN_SPARSE = 1,             /* move every page, to empty the zone */
};

/* Candidate target zones looked at per move, at most. */
#define TRIES 16

/* Move allocation a into a zone carrying key val with room for it, other
 * than gsrc and holding at least min_used pages. */
static bool move_alloc(struct fs_policy *p, struct fs_kz *st, struct fs_alloc *a, uint64_t val,
		       uint32_t gsrc, uint32_t min_used, uint64_t now_ns)
{
	unsigned o = a->order, src_type = fs_kz_zone_at(st, gsrc)->type;

	for (int i = -1; i < (int)p->m->nr_zones; i++) {
		/* the source's zone type first, then the others from the highest */
		unsigned ti = i < 0 ? src_type : p->m->nr_zones - 1 - (unsigned)i;
		const struct fs_kz_type *t = &st->type[ti];
		uint32_t kidx, tries = 0;
		const struct fs_kz_key *k;

		if (i >= 0 && ti == src_type)
			continue;
		kidx = fs_kz_key_find(t, val);
		if (kidx == FS_KZ_NONE)
			continue;
		k = &t->keys[kidx];
		for (uint32_t s = fs_kz_bits_next(&k->avail[o], 0); s != FS_KZ_NONE && tries < TRIES;
		     s = fs_kz_bits_next(&k->avail[o], s + 1), tries++) {
			uint32_t gz = t->first + fs_kz_cslots(k)[s];
			uint64_t to;

			if (gz == gsrc || fs_kz_zone_at(st, gz)->used < min_used)
				continue;
			to = fs_kz_place(st, p->m, gz, o, a->mt, false, a->lru);
			fs_sim_migrate(p->sim, a, to, 0, now_ns);
			st->type[src_type].moves++;
			return true;
		}
	}
	return false;
}

/* Walk keyed zone gz's blocks and move what the mode says, at most budget
 * pages; returns the pages moved. */
static uint64_t drain_zone(struct fs_policy *p, struct fs_kz *st, uint32_t gz, enum drain_mode mode,
			   uint64_t budget, uint64_t now_ns)
{
	struct fs_machine *m = p->m;
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	const struct fs_kz_type *t = &st->type[kz->type];
	uint64_t lo, hi, moved = 0, zval;
	uint32_t src_used = kz->used;
	bool keyed = kz->key != FS_KZ_NONE;

	if (!keyed)
		return 0;
	zval = t->keys[kz->key].val;
	fs_kz_span(st, gz, &lo, &hi);
	for (uint64_t pfn = lo; pfn < hi && moved < budget && kz->used;) {
		uint64_t idx = pfn - m->base_pfn, s = m->pages[idx];
		unsigned order;
		struct fs_alloc *a;
		bool mis;

		switch (fs_pg_kind(s)) {
		case FS_PG_FREE:
			pfn += 1ull << fs_buddy_order(m, idx);
			continue;
		case FS_PG_NONE:                        /* a hole */
			pfn++;
			continue;
		case FS_PG_OTHER:
			pfn += 1ull << ((s >> 2) & 15);
			continue;
		default:
			break;
		}
		order = (unsigned)((s >> 2) & 15);
		a = fs_sim_alloc_at(p->sim, pfn);
		mis = fs_kz_is_misplaced(st, m, pfn);
		if (a && a->mt == FS_MT_MOVABLE && (mis || mode == DRAIN_SPARSE)) {
			uint64_t val = mis ? fs_kz_key_of(st, a->mt, a->order, a->key) : zval;

			if (move_alloc(p, st, a, val, gz, mis ? 0 : src_used, now_ns))
				moved += 1ull << order;
			else if (mode == DRAIN_SPARSE && !mis)
				break;                  /* its key has no room: the zone stays */
		}
		pfn += 1ull << order;
	}
	if (keyed && kz->key == FS_KZ_NONE)
		st->type[kz->type].emptied++;
	return moved;
}

/* One list's share of a pass: each zone on it at most once; zones that
 * are no longer targets leave the list here. */
static uint64_t drain_list(struct fs_policy *p, struct fs_kz *st, enum fs_kz_list_id id,
			   enum drain_mode mode, uint64_t budget, uint32_t *scan, uint64_t now_ns)
{
	uint32_t n = st->list[id].n;
	uint64_t moved = 0;

	for (uint32_t v = 0; v < n && *scan && moved < budget && st->list[id].head != FS_KZ_NONE; v++) {
		uint32_t gz = st->list[id].head;

		fs_kz_list_del(st, id, gz);
		if (!fs_kz_wants_list(st, fs_kz_zone_at(st, gz), id))
			continue;                       /* left lazily (lists_update) */
		(*scan)--;
		moved += drain_zone(p, st, gz, mode, budget - moved, now_ns);
		/* not done: to the back (unless a free during the moves put it there) */
		if (!fs_kz_zone_at(st, gz)->on[id] && fs_kz_wants_list(st, fs_kz_zone_at(st, gz), id))
			fs_kz_list_add_tail(st, id, gz);
	}
	return moved;
}

uint64_t fs_kz_defrag_pass(struct fs_policy *p, uint64_t now_ns)
{
	struct fs_kz *st = p->state;
	uint32_t scan = st->scan;
	uint64_t moved;

	moved = drain_list(p, st, FS_KZ_MISPLACED, DRAIN_MISPLACED, st->batch, &scan, now_ns);
	moved += drain_list(p, st, FS_KZ_SPARSE, DRAIN_SPARSE, st->batch - moved, &scan, now_ns);
	return moved;
}
