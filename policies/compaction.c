/* compaction.c - compact_zone() and its scanners, as Linux 6.12
 * mm/compaction.c does them (see sim/compact.h for the triggers, which
 * live in policies/kcompactd.c).
 *
 * One run (struct cc = the kernel's compact_control) moves the migrate
 * scanner up from the zone start and the free scanner down from the zone
 * end, a pageblock at a time, until __compact_finished says stop. Sources
 * are live allocations (movable by their requested migrate type, minus a
 * pinned share); targets are free blocks taken off the free lists and kept
 * per order as 6.12 keeps them (split on demand in compaction_alloc). Pages
 * move with fs_sim_migrate, so trace frees follow them.
 *
 * Where fragsim departs from the kernel, on purpose:
 *   - fast_find_migrateblock and fast_isolate_freepages, the free-list
 *     searches that let the scanners jump (6.x), are not modelled: the
 *     scanners walk linearly, as 4.19 and earlier always did;
 *   - every multi-page allocation is treated as a compound page (skipped by
 *     its order), as THP and most high-order kernel allocations are;
 *   - pages fragsim does not track (allocated before the trace began) and
 *     per-CPU list pages count as unmovable, non-LRU pages;
 *   - policies without pageblock types (plain buddy, keyed zones) have no
 *     block suitability rules: every block is a source and a target, as if
 *     ignore_block_suitable were set (the kernel, with mobility grouping
 *     disabled, marks every block UNMOVABLE and its free scanner only finds
 *     targets at COMPACT_PRIO_SYNC_FULL).
 * nr_scanned counts pfns passed over, which is what the kernel's
 * isolate_migratepages_block and isolate_freepages_block count (a free
 * buddy or compound page counts all its pages). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compact_int.h"

#define NONE UINT64_MAX

static uint64_t pb_pages(const struct fs_machine *m)
{
	return 1ull << m->pageblock_order;
}

static uint64_t pb_start(const struct fs_machine *m, uint64_t pfn)
{
	return pfn & ~(pb_pages(m) - 1);
}

static uint64_t pb_end(const struct fs_machine *m, uint64_t pfn)
{
	return pb_start(m, pfn) + pb_pages(m);
}

/* ---- counters -------------------------------------------------------------- */

#define COUNT(cc, field, n)                                  \
	do {                                                 \
		(cc)->c->s->c.field += (n);                  \
		(cc)->c->s->zc[(cc)->z->idx].field += (n);   \
	} while (0)

/* ---- page slots --------------------------------------------------------------- */

/* What a pfn holds for the scanners, and the order of the object it heads
 * (0 for a page that heads nothing). */
enum slot_what { SW_OTHER, SW_FREE, SW_ALLOC };

static enum slot_what slot_at(const struct fs_machine *m, uint64_t pfn, unsigned *order)
{
	uint64_t idx = pfn - m->base_pfn, slot = m->pages[idx];

	*order = 0;
	switch (fs_pg_kind(slot)) {
	case FS_PG_FREE:
		*order = fs_buddy_order(m, idx);
		return SW_FREE;
	case FS_PG_ALLOC:
		*order = (unsigned)(slot >> 2) & 15;
		return SW_ALLOC;
	case FS_PG_OTHER:
		*order = (unsigned)(slot >> 2) & 15;
		return SW_OTHER;
	default:
		return SW_OTHER;
	}
}

/* ---- free-list questions, typed or not ------------------------------------------ */

unsigned fs_cc_class_of(const struct fs_compact *c, uint64_t pfn)
{
	return c->p->typed_pageblocks ? fs_pb_type(c->m, pfn) : c->p->initial_class;
}

static bool list_nonempty(const struct fs_compact *c, const struct fs_zone *z, unsigned o,
			  unsigned mt)
{
	return c->p->typed_pageblocks ? z->lists[o][mt].count != 0 : z->nr_free[o] != 0;
}

/* can_steal_fallback (6.12) */
static bool can_steal(const struct fs_machine *m, unsigned order, unsigned start_mt)
{
	return order >= m->pageblock_order / 2 || start_mt == FS_MT_RECLAIMABLE ||
	       start_mt == FS_MT_UNMOVABLE;
}

/* find_suitable_fallback(area, order, mt, only_stealable=true) >= 0 */
static bool stealable_fallback(const struct fs_compact *c, const struct fs_zone *z, unsigned o,
			       unsigned mt)
{
	static const unsigned fallbacks[3][2] = {
		[FS_MT_UNMOVABLE] = { FS_MT_RECLAIMABLE, FS_MT_MOVABLE },
		[FS_MT_MOVABLE] = { FS_MT_RECLAIMABLE, FS_MT_UNMOVABLE },
		[FS_MT_RECLAIMABLE] = { FS_MT_UNMOVABLE, FS_MT_MOVABLE },
	};

	if (!c->p->typed_pageblocks || mt > FS_MT_RECLAIMABLE || !can_steal(c->m, o, mt))
		return false;
	for (unsigned i = 0; i < 2; i++)
		if (z->lists[o][fallbacks[mt][i]].count)
			return true;
	return false;
}

/* ---- skip bits and cached positions ---------------------------------------------- */

static bool isolation_suitable(const struct cc *cc, uint64_t pfn)
{
	return cc->ignore_skip_hint || !cc->c->skip[fs_pb_idx(cc->c->m, pfn)];
}

void fs_cc_reset_cached_positions(struct fs_compact *c, const struct fs_zone *z)
{
	struct fs_cc_zone *cz = &c->cz[z->idx];

	cz->cached_migrate[0] = cz->cached_migrate[1] = z->start_pfn;
	cz->cached_free = pb_start(c->m, z->end_pfn - 1);
}

/* __reset_isolation_suitable: clear the skip bits of the zone's blocks. (The
 * kernel clears only blocks that sample as holding an LRU or a buddy page;
 * a block holding neither is rescanned at no cost that matters here.) */
void fs_cc_reset_skip(struct fs_compact *c, const struct fs_zone *z)
{
	struct fs_machine *m = c->m;

	for (uint64_t pfn = pb_start(m, z->start_pfn); pfn < z->end_pfn; pfn += pb_pages(m))
		c->skip[fs_pb_idx(m, pfn)] = 0;
	c->cz[z->idx].blockskip_flush = false;
	fs_cc_reset_cached_positions(c, z);
}

/* update_cached_migrate (6.12). pageblock_end_pfn(pfn) is ALIGN(pfn + 1,
 * pageblock_nr_pages): for the aligned end of the block just finished that
 * is the end of the next block, so the next run starts a block further on.
 * That is what the kernel does. */
static void update_cached_migrate(struct cc *cc, uint64_t pfn)
{
	struct fs_cc_zone *cz = &cc->c->cz[cc->z->idx];

	pfn = pb_start(cc->c->m, pfn + pb_pages(cc->c->m));
	if (pfn > cz->cached_migrate[0])
		cz->cached_migrate[0] = pfn;
	if (cc->mode != FS_CC_ASYNC && pfn > cz->cached_migrate[1])
		cz->cached_migrate[1] = pfn;
}

static void update_pageblock_skip(struct cc *cc, uint64_t block_pfn, uint64_t cached_pfn)
{
	struct fs_cc_zone *cz = &cc->c->cz[cc->z->idx];

	cc->c->skip[fs_pb_idx(cc->c->m, block_pfn)] = 1;
	if (cached_pfn < cz->cached_free)
		cz->cached_free = cached_pfn;
}

/* pageblock_pfn_to_page: the block's part inside the zone, or false for a
 * block that starts or ends in a hole. */
static bool block_in_zone(const struct cc *cc, uint64_t *start, uint64_t *end)
{
	const struct fs_machine *m = cc->c->m;

	if (*start < cc->z->start_pfn)
		*start = cc->z->start_pfn;
	if (*end > cc->z->end_pfn)
		*end = cc->z->end_pfn;
	return *start < *end && !fs_machine_is_hole(m, *start) && !fs_machine_is_hole(m, *end - 1);
}

/* ---- free lists of isolated pages (cc->freepages[order]) ---------------------------- */

static void fl_push(struct fs_cc_list *l, uint64_t pfn, bool head)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->pfn = fs_xrealloc(l->pfn, l->cap * sizeof(*l->pfn));
	}
	if (head) {
		memmove(l->pfn + 1, l->pfn, l->n * sizeof(*l->pfn));
		l->pfn[0] = pfn;
	} else {
		l->pfn[l->n] = pfn;
	}
	l->n++;
}

static uint64_t fl_pop_head(struct fs_cc_list *l)
{
	uint64_t pfn = l->pfn[0];

	memmove(l->pfn, l->pfn + 1, --l->n * sizeof(*l->pfn));
	return pfn;
}

/* __isolate_free_page: take a free block for the free scanner, if the zone
 * stays above min + 2^order; big blocks become MOVABLE. */
static uint64_t isolate_free_page(struct cc *cc, uint64_t pfn, unsigned order)
{
	struct fs_compact *c = cc->c;
	struct fs_machine *m = c->m;
	struct fs_zone *z = cc->z;

	if (!fs_cc_watermark_ok(c, z, 0, c->wz[z->idx].wm.min + (1ull << order), 0))
		return 0;
	if (c->p->ops->isolate_free) {
		c->p->ops->isolate_free(c->p, pfn, order);
		return 1ull << order;
	}
	fs_buddy_del(m, z, pfn);
	if (c->p->typed_pageblocks && order + 1 >= m->pageblock_order) {
		uint64_t end = pfn + (1ull << order);

		for (uint64_t b = pb_start(m, pfn); b < end; b += pb_pages(m)) {
			unsigned mt = fs_pb_type(m, b);

			if (mt <= FS_MT_RECLAIMABLE && mt != FS_MT_MOVABLE)
				fs_cc_move_freepages_block(c, z, b, FS_MT_MOVABLE);
		}
	}
	return 1ull << order;
}

/* move_freepages_block + set_pageblock_migratetype: the block's free pages
 * to the tail of type mt's lists (6.12 move_to_free_list), then its type. */
void fs_cc_move_freepages_block(struct fs_compact *c, struct fs_zone *z, uint64_t block, unsigned mt)
{
	struct fs_machine *m = c->m;
	uint64_t end = block + pb_pages(m);

	for (uint64_t pfn = block < z->start_pfn ? z->start_pfn : block; pfn < end && pfn < z->end_pfn;) {
		unsigned o;

		if (slot_at(m, pfn, &o) == SW_FREE && fs_buddy_class(m, pfn - m->base_pfn) != mt) {
			fs_buddy_del(m, z, pfn);
			fs_buddy_add(m, z, pfn, o, mt, true);
		}
		pfn += 1ull << o;
	}
	fs_pb_set_type(m, block, mt);
}

/* ---- the free scanner ---------------------------------------------------------------- */

/* suitable_migration_target (6.12) */
static bool suitable_target(const struct cc *cc, uint64_t block)
{
	const struct fs_machine *m = cc->c->m;
	unsigned o;

	if (slot_at(m, block, &o) == SW_FREE &&
	    o >= (cc->order > 0 ? (unsigned)cc->order : m->pageblock_order))
		return false;
	if (cc->ignore_block_suitable || !cc->c->p->typed_pageblocks)
		return true;
	return fs_pb_type(m, block) == FS_MT_MOVABLE || fs_pb_type(m, block) == FS_MT_CMA;
}

/* isolate_freepages_block(strict=false): from *start up to end by stride;
 * returns the pages isolated and leaves *start where it stopped. */
static uint64_t isolate_freepages_block(struct cc *cc, uint64_t *start, uint64_t end,
					unsigned stride)
{
	struct fs_machine *m = cc->c->m;
	uint64_t pfn = *start, scanned = 0, total = 0;

	for (; pfn < end; pfn += stride) {
		unsigned o;
		enum slot_what w = slot_at(m, pfn, &o);
		uint64_t got;

		scanned++;
		if (w != SW_FREE) {
			/* a compound page is passed over whole */
			if (w == SW_ALLOC && o) {
				pfn += (1ull << o) - 1;
				scanned += (1ull << o) - 1;
			}
			continue;
		}
		got = isolate_free_page(cc, pfn, o);
		if (!got)
			break;
		scanned += got - 1;
		total += got;
		cc->nr_freepages += got;
		fl_push(&cc->c->freepages[o], pfn, false);
		if (cc->nr_migratepages <= cc->nr_freepages) {
			pfn += got;
			break;
		}
		pfn += got - 1;
	}
	if (pfn > end)
		pfn = end;
	*start = pfn;
	COUNT(cc, compact_free_scanned, scanned);
	COUNT(cc, compact_isolated, total);
	return total;
}

/* isolate_freepages (6.12, without fast_isolate_freepages) */
static void isolate_freepages(struct cc *cc)
{
	struct fs_machine *m = cc->c->m;
	uint64_t pbn = pb_pages(m);
	uint64_t isolate_start = cc->free_pfn;
	uint64_t block_start = pb_start(m, isolate_start);
	uint64_t block_end = block_start + pbn < cc->z->end_pfn ? block_start + pbn : cc->z->end_pfn;
	uint64_t low_pfn = pb_end(m, cc->migrate_pfn);
	unsigned stride = cc->mode == FS_CC_ASYNC ? FS_CC_CLUSTER_MAX : 1;

	/* low_pfn >= one pageblock, so block_start - pbn never wraps */
	for (; block_start >= low_pfn;
	     block_end = block_start, block_start -= pbn, isolate_start = block_start) {
		uint64_t s = block_start, e = block_end, nr;

		if (!block_in_zone(cc, &s, &e))
			continue;
		if (isolate_start < s)
			isolate_start = s;
		if (!suitable_target(cc, s) || !isolation_suitable(cc, s))
			continue;
		nr = isolate_freepages_block(cc, &isolate_start, e, stride);
		if (isolate_start == e)
			update_pageblock_skip(cc, s, block_start - pbn);
		if (cc->nr_freepages >= cc->nr_migratepages) {
			if (isolate_start >= e)
				isolate_start = block_start - pbn;
			break;
		} else if (isolate_start < e) {
			break;          /* isolation failed early (the watermark) */
		}
		if (nr) {
			stride = 1;
			continue;
		}
		stride = stride * 2 < FS_CC_CLUSTER_MAX ? stride * 2 : FS_CC_CLUSTER_MAX;
	}
	cc->free_pfn = isolate_start;
}

/* compaction_alloc (6.12): the first isolated block of order >= the
 * source's, split with the upper halves back on the lists' heads. */
static uint64_t compaction_alloc(struct cc *cc, unsigned order)
{
	struct fs_compact *c = cc->c;
	bool isolated = false;
	unsigned o;
	uint64_t pfn;

	for (;;) {
		for (o = order; o <= c->m->max_order && !c->freepages[o].n; o++)
			;
		if (o <= c->m->max_order)
			break;
		if (isolated)
			return NONE;
		isolate_freepages(cc);
		isolated = true;
	}
	pfn = fl_pop_head(&c->freepages[o]);
	while (o > order) {
		o--;
		fl_push(&c->freepages[o], pfn + (1ull << o), true);
	}
	cc->nr_freepages -= 1ull << order;
	cc->nr_migratepages -= 1ull << order;
	return pfn;
}

/* release_free_list: unused isolated pages back to the buddy; returns the
 * highest pageblock start among them (0 if none). */
static uint64_t release_free_list(struct cc *cc)
{
	struct fs_compact *c = cc->c;
	uint64_t high = 0;

	for (unsigned o = 0; o <= c->m->max_order; o++) {
		struct fs_cc_list *l = &c->freepages[o];

		for (unsigned i = 0; i < l->n; i++) {
			uint64_t pfn = l->pfn[i];

			if (c->p->ops->release_free)
				c->p->ops->release_free(c->p, pfn, o);
			else
				fs_buddy_free(c->m, cc->z, pfn, o, fs_cc_class_of(c, pfn), FS_FPI_NONE);
			if (pfn > high)
				high = pfn;
		}
		l->n = 0;
	}
	cc->nr_freepages = 0;
	return high ? pb_start(c->m, high) : 0;
}

/* ---- the migrate scanner ---------------------------------------------------------------- */

/* 64-bit mix (splitmix64's finaliser): which identities are pinned is a
 * fixed function of the identity, the same in every run and policy. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

bool fs_cc_movable(const struct fs_compact *c, const struct fs_alloc *a)
{
	return a->mt == FS_MT_MOVABLE &&
	       (!c->pinned_permille || mix64(a->ident) % 1000 >= c->pinned_permille);
}

/* suitable_migration_source (6.12) */
static bool suitable_source(const struct cc *cc, uint64_t block)
{
	unsigned o, bt;

	if (slot_at(cc->c->m, block, &o) == SW_ALLOC && o >= cc->c->m->pageblock_order)
		return false;           /* pageblock_skip_persistent */
	if (cc->mode != FS_CC_ASYNC || !cc->direct || !cc->c->p->typed_pageblocks)
		return true;
	bt = fs_pb_type(cc->c->m, block);
	if (cc->mt == FS_MT_MOVABLE)
		return bt == FS_MT_MOVABLE || bt == FS_MT_CMA;
	return bt == cc->mt;
}

/* skip_isolation_on_order (6.12) */
static bool skip_on_order(const struct cc *cc, unsigned order)
{
	if (cc->order >= 0 && order >= (unsigned)cc->order)
		return true;
	return order >= cc->c->m->pageblock_order;
}

/* isolate_migratepages_block (6.12): isolate movable allocations in
 * [low, end) until COMPACT_CLUSTER_MAX pages; async direct compaction gives
 * up an order-aligned chunk at its first failure. */
static void isolate_migratepages_block(struct cc *cc, uint64_t low, uint64_t end, uint64_t block)
{
	struct fs_compact *c = cc->c;
	struct fs_machine *m = c->m;
	bool skip_on_failure = cc->direct && cc->mode == FS_CC_ASYNC && cc->order > 0;
	uint64_t chunk = cc->order > 0 ? 1ull << cc->order : 1;
	uint64_t next_skip = skip_on_failure ? (low | (chunk - 1)) + 1 : 0;
	uint64_t scanned = 0, isolated = 0;

	for (; low < end; low++) {
		unsigned o;
		enum slot_what w;
		struct fs_alloc *a;

		if (skip_on_failure && low >= next_skip) {
			if (isolated)
				break;  /* migrate what the last chunk gave */
			next_skip = (low | (chunk - 1)) + 1;
		}
		scanned++;
		w = slot_at(m, low, &o);
		if (w == SW_FREE) {
			low += (1ull << o) - 1;
			scanned += (1ull << o) - 1;
			continue;
		}
		if (w == SW_ALLOC && (a = fs_sim_alloc_at(c->s, low)) && fs_cc_movable(c, a) &&
		    !(o && skip_on_order(cc, o))) {
			c->src[c->nr_src++] = low;
			cc->nr_migratepages += 1ull << o;
			isolated += 1ull << o;
			scanned += (1ull << o) - 1;
			low += (1ull << o) - 1;
			if (cc->nr_migratepages >= FS_CC_CLUSTER_MAX && !cc->finish_pageblock) {
				low++;
				break;
			}
			continue;
		}
		/* isolate_fail: unmovable, pinned, or too big to be worth it */
		if (w != SW_FREE && o) {
			low += (1ull << o) - 1;
			scanned += (1ull << o) - 1;
		}
		if (!skip_on_failure)
			continue;
		if (isolated) {
			/* putback_movable_pages: the chunk cannot become free */
			c->nr_src = 0;
			cc->nr_migratepages = 0;
			isolated = 0;
		}
		if (low < next_skip) {
			low = next_skip - 1;
			next_skip += chunk;
		}
	}
	if (low > end)
		low = end;
	if (low == end && (!isolated || cc->finish_pageblock)) {
		c->skip[fs_pb_idx(m, block)] = 1;
		update_cached_migrate(cc, low);
	}
	COUNT(cc, compact_migrate_scanned, scanned);
	COUNT(cc, compact_isolated, isolated);
	cc->migrate_pfn = low;
}

/* isolate_migratepages (6.12, without fast_find_migrateblock): the next
 * suitable block below the free scanner. True if pages were isolated. */
static bool isolate_migratepages(struct cc *cc)
{
	struct fs_machine *m = cc->c->m;
	uint64_t low = cc->migrate_pfn;
	uint64_t block_start = pb_start(m, low) < cc->z->start_pfn ? cc->z->start_pfn : pb_start(m, low);
	uint64_t block_end = pb_end(m, low);

	for (; block_end <= cc->free_pfn;
	     cc->migrate_pfn = low = block_end, block_start = block_end, block_end += pb_pages(m)) {
		uint64_t s = block_start, e = block_end;

		if (!block_in_zone(cc, &s, &e))
			continue;
		if ((low == pb_start(m, low) || low == cc->z->start_pfn) && !isolation_suitable(cc, s))
			continue;
		if (!suitable_source(cc, s)) {
			update_cached_migrate(cc, e);
			continue;
		}
		isolate_migratepages_block(cc, low < s ? s : low, e, s);
		break;
	}
	return cc->c->nr_src != 0;
}

/* migrate_pages(compaction_alloc): move each isolated source to a target.
 * -ENOMEM when the free scanner found no target for one. */
static int migrate_pages(struct cc *cc, uint64_t *last_migrated)
{
	struct fs_compact *c = cc->c;
	unsigned i;
	int rc = 0;

	for (i = 0; i < c->nr_src; i++) {
		struct fs_alloc *a = fs_sim_alloc_at(c->s, c->src[i]);
		uint64_t target;

		if (!a)
			continue;
		target = compaction_alloc(cc, a->order);
		if (target == NONE) {
			rc = -ENOMEM;
			break;
		}
		if (c->p->ops->release_free && c->p->ops->alloc_at) {
			/* a policy with free areas of its own places the copy
			 * itself, so its accounting (keys, zones) follows */
			struct fs_alloc_req req = {
				.order = a->order, .mt = (enum fs_migratetype)a->mt, .key = a->key,
				.highest_zone = cc->z->idx, .time_ns = c->now_ns, .lru = a->lru,
			};

			c->p->ops->release_free(c->p, target, a->order);
			if (c->p->ops->alloc_at(c->p, &req, target)) {
				COUNT(cc, compact_migrate_failed, 1ull << a->order);
				continue;
			}
		}
		fs_sim_migrate(c->s, a, target, 0, c->now_ns);
		*last_migrated = c->src[i];
	}
	if (i < c->nr_src) {
		uint64_t failed = 0;

		for (unsigned j = i; j < c->nr_src; j++) {
			unsigned o;

			slot_at(c->m, c->src[j], &o);
			failed += 1ull << o;
		}
		COUNT(cc, compact_migrate_failed, failed);
	}
	c->nr_src = 0;
	cc->nr_migratepages = 0;
	return rc;
}

/* ---- termination ------------------------------------------------------------------------- */

static bool scanners_met(const struct cc *cc)
{
	unsigned po = cc->c->m->pageblock_order;

	return (cc->free_pfn >> po) <= (cc->migrate_pfn >> po);
}

/* __compact_finished (6.12) */
static enum fs_cc_result compact_finished(struct cc *cc)
{
	struct fs_compact *c = cc->c;
	struct fs_machine *m = c->m;

	if (scanners_met(cc)) {
		fs_cc_reset_cached_positions(c, cc->z);
		if (cc->direct)
			c->cz[cc->z->idx].blockskip_flush = true;
		return cc->whole_zone ? FS_CC_COMPLETE : FS_CC_PARTIAL_SKIPPED;
	}
	if (cc->proactive)
		return fs_compact_zone_score(m, cc->z) > fs_cc_score_wmark(c, true) ? FS_CC_CONTINUE
										    : FS_CC_SUCCESS;
	if (cc->order < 0)
		return FS_CC_CONTINUE;
	if (cc->migrate_pfn & (pb_pages(m) - 1))
		return FS_CC_CONTINUE;  /* always finish the current pageblock */
	for (unsigned o = (unsigned)cc->order; o <= m->max_order; o++) {
		if (list_nonempty(c, cc->z, o, cc->mt))
			return FS_CC_SUCCESS;
		if (cc->mt == FS_MT_MOVABLE && c->p->typed_pageblocks && cc->z->lists[o][FS_MT_CMA].count)
			return FS_CC_SUCCESS;
		if (stealable_fallback(c, cc->z, o, cc->mt))
			return FS_CC_SUCCESS;
	}
	return FS_CC_CONTINUE;          /* COMPACT_NO_SUITABLE_PAGE */
}

/* ---- compact_zone ------------------------------------------------------------------------- */

enum fs_cc_result fs_cc_compact_zone(struct cc *cc)
{
	struct fs_compact *c = cc->c;
	struct fs_machine *m = c->m;
	struct fs_cc_zone *cz = &c->cz[cc->z->idx];
	enum fs_cc_result ret;
	uint64_t last_migrated = 0, free_pfn;
	bool sync = cc->mode != FS_CC_ASYNC;

	if (cc->order >= 0) {
		ret = fs_cc_suit_allocation_order(c, cc->z, (unsigned)cc->order, cc->highest_zoneidx);
		if (ret != FS_CC_CONTINUE)
			return ret;
	}
	if (cc->order >= 0 && fs_cc_restarting(c, cc->z, (unsigned)cc->order))
		fs_cc_reset_skip(c, cc->z);
	if (cc->whole_zone) {
		cc->migrate_pfn = cc->z->start_pfn;
		cc->free_pfn = pb_start(m, cc->z->end_pfn - 1);
	} else {
		cc->migrate_pfn = cz->cached_migrate[sync];
		cc->free_pfn = cz->cached_free;
		if (cc->free_pfn < cc->z->start_pfn || cc->free_pfn >= cc->z->end_pfn) {
			cc->free_pfn = pb_start(m, cc->z->end_pfn - 1);
			cz->cached_free = cc->free_pfn;
		}
		if (cc->migrate_pfn < cc->z->start_pfn || cc->migrate_pfn >= cc->z->end_pfn) {
			cc->migrate_pfn = cc->z->start_pfn;
			cz->cached_migrate[0] = cz->cached_migrate[1] = cc->migrate_pfn;
		}
		if (cc->migrate_pfn <= cc->z->start_pfn)
			cc->whole_zone = true;
	}
	while ((ret = compact_finished(cc)) == FS_CC_CONTINUE) {
		if (isolate_migratepages(cc)) {
			int err = migrate_pages(cc, &last_migrated);

			if (err == -ENOMEM && !scanners_met(cc)) {
				ret = FS_CC_CONTENDED;  /* no target left above the migrate scanner */
				break;
			}
			if (err && cc->direct && cc->mode == FS_CC_ASYNC && cc->order > 0) {
				uint64_t chunk = 1ull << cc->order;

				cc->migrate_pfn = ((cc->migrate_pfn - 1) | (chunk - 1)) + 1;
				last_migrated = 0;
			}
		}
		/* lru_add_drain_cpu_zone: once the migrate scanner leaves the
		 * order-aligned block it freed pages from, flush this CPU's
		 * per-CPU lists so they can merge and compact_finished sees it */
		if (cc->order > 0 && last_migrated &&
		    last_migrated < (cc->migrate_pfn & ~((1ull << cc->order) - 1))) {
			if (c->p->ops->drain)
				c->p->ops->drain(c->p, (int)cc->z->idx, 0);
			last_migrated = 0;
		}
	}
	free_pfn = release_free_list(cc);
	if (free_pfn > cz->cached_free)
		cz->cached_free = free_pfn;
	return ret;
}
