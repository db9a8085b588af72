/* buddy.c - the buddy allocator core, as Linux 6.12 mm/page_alloc.c has it.
 *
 * Free blocks are naturally aligned runs of 2^order pages, represented by
 * their head page's slot and linked into zone->lists[order][class] exactly
 * as the kernel links struct page->buddy_list into free_area[order]
 * .free_list[migratetype]:
 *
 *  - allocation takes the list head (get_page_from_free_area);
 *  - expand() splits a block top-down and puts each upper half on the
 *    *head* of its order's list, returning the lowest-addressed piece;
 *  - __free_one_page() merges with the buddy at pfn ^ (1 << order) while
 *    the buddy is a free head of exactly that order in the same zone, then
 *    inserts at the head, or at the tail when the caller says FPI_TO_TAIL
 *    or buddy_merge_likely() predicts a merge two levels up.
 *
 * All pfn arithmetic is done on page indexes (pfn - base_pfn); base_pfn is
 * aligned to 2^max_order, so alignment is the same. Every operation is
 * O(max_order): list insert/remove are O(1), merging is a loop over orders.
 */
#include <errno.h>

#include "internal.h"

/* ---- slot encoding (see fragsim.h "page slots") ---- */

#define F_CLS_SHIFT 2
#define F_BIG (1ull << 5)
#define F_PREV_SHIFT 6
#define F_NEXT_SHIFT 35
#define LINK_MASK ((uint64_t)FS_NIL)

static inline uint32_t f_prev(uint64_t s) { return (uint32_t)((s >> F_PREV_SHIFT) & LINK_MASK); }
static inline uint32_t f_next(uint64_t s) { return (uint32_t)((s >> F_NEXT_SHIFT) & LINK_MASK); }

static inline void set_prev(uint64_t *pages, uint32_t idx, uint32_t prev)
{
	pages[idx] = (pages[idx] & ~(LINK_MASK << F_PREV_SHIFT)) | ((uint64_t)prev << F_PREV_SHIFT);
}

static inline void set_next(uint64_t *pages, uint32_t idx, uint32_t next)
{
	pages[idx] = (pages[idx] & ~(LINK_MASK << F_NEXT_SHIFT)) | ((uint64_t)next << F_NEXT_SHIFT);
}

static inline unsigned slot_order(const uint64_t *pages, uint64_t idx)
{
	return (pages[idx] & F_BIG) ? (unsigned)((pages[idx + 1] >> 2) & 15) : 0;
}

unsigned fs_buddy_order(const struct fs_machine *m, uint64_t idx)
{
	return slot_order(m->pages, idx);
}

unsigned fs_buddy_class(const struct fs_machine *m, uint64_t idx)
{
	return (unsigned)((m->pages[idx] >> F_CLS_SHIFT) & 7);
}

/* page_is_buddy(): a free head of exactly this order (zone checked by caller) */
static inline bool is_free_head(const uint64_t *pages, uint64_t idx, unsigned order)
{
	uint64_t s = pages[idx];

	if (fs_pg_kind(s) != FS_PG_FREE)
		return false;
	if (order == 0)
		return !(s & F_BIG);
	return (s & F_BIG) && ((pages[idx + 1] >> 2) & 15) == order;
}

bool fs_buddy_is_free_head(const struct fs_machine *m, uint64_t pfn, unsigned order)
{
	if (pfn < m->base_pfn || pfn - m->base_pfn >= m->nr_pages)
		return false;
	return is_free_head(m->pages, pfn - m->base_pfn, order);
}

static void add_idx(struct fs_machine *m, struct fs_zone *z, uint32_t idx,
		    unsigned order, unsigned cls, bool tail)
{
	struct fs_free_list *l = &z->lists[order][cls];
	uint64_t *pages = m->pages;
	uint32_t prev = FS_NIL, next = FS_NIL;

	if (tail) {
		prev = l->tail;
		if (prev != FS_NIL)
			set_next(pages, prev, idx);
		else
			l->head = idx;
		l->tail = idx;
	} else {
		next = l->head;
		if (next != FS_NIL)
			set_prev(pages, next, idx);
		else
			l->tail = idx;
		l->head = idx;
	}
	pages[idx] = FS_PG_FREE | ((uint64_t)cls << F_CLS_SHIFT) | (order ? F_BIG : 0) |
		     ((uint64_t)prev << F_PREV_SHIFT) | ((uint64_t)next << F_NEXT_SHIFT);
	if (order)
		pages[idx + 1] = (uint64_t)order << 2;
	l->count++;
	z->nr_free[order]++;
	z->free_pages += 1ull << order;
}

static void del_idx(struct fs_machine *m, struct fs_zone *z, uint32_t idx)
{
	uint64_t *pages = m->pages;
	uint64_t s = pages[idx];
	unsigned order = slot_order(pages, idx);
	unsigned cls = (unsigned)((s >> F_CLS_SHIFT) & 7);
	struct fs_free_list *l = &z->lists[order][cls];
	uint32_t prev = f_prev(s), next = f_next(s);

	if (prev != FS_NIL)
		set_next(pages, prev, next);
	else
		l->head = next;
	if (next != FS_NIL)
		set_prev(pages, next, prev);
	else
		l->tail = prev;
	pages[idx] = FS_PG_NONE;
	l->count--;
	z->nr_free[order]--;
	z->free_pages -= 1ull << order;
}

void fs_buddy_add(struct fs_machine *m, struct fs_zone *z, uint64_t pfn,
		  unsigned order, unsigned cls, bool tail)
{
	add_idx(m, z, (uint32_t)(pfn - m->base_pfn), order, cls, tail);
}

void fs_buddy_del(struct fs_machine *m, struct fs_zone *z, uint64_t pfn)
{
	del_idx(m, z, (uint32_t)(pfn - m->base_pfn));
}

/* Counted-only free blocks (m->unlinked_lists, see fragsim.h): the head's
 * slot says FREE with its order and class and no links, and the counters
 * count it; no other page is touched. */
void fs_buddy_count_add(struct fs_machine *m, struct fs_zone *z, uint64_t pfn,
			unsigned order, unsigned cls)
{
	uint64_t idx = pfn - m->base_pfn;

	m->pages[idx] = FS_PG_FREE | ((uint64_t)cls << F_CLS_SHIFT) | (order ? F_BIG : 0) |
			((uint64_t)FS_NIL << F_PREV_SHIFT) | ((uint64_t)FS_NIL << F_NEXT_SHIFT);
	if (order)
		m->pages[idx + 1] = (uint64_t)order << 2;
	z->lists[order][cls].count++;
	z->nr_free[order]++;
	z->free_pages += 1ull << order;
}

void fs_buddy_count_del(struct fs_machine *m, struct fs_zone *z, uint64_t pfn,
			unsigned order, unsigned cls)
{
	z->lists[order][cls].count--;
	z->nr_free[order]--;
	z->free_pages -= 1ull << order;
	m->pages[pfn - m->base_pfn] = FS_PG_NONE;
}

/* expand() (6.12): the caller has removed a block of order `high` at idx;
 * halve it until it is of order `low`, each upper half going to the head
 * of its list. The lowest-addressed piece is what the caller gets. */
static void expand_idx(struct fs_machine *m, struct fs_zone *z, uint32_t idx,
		       unsigned low, unsigned high, unsigned cls)
{
	while (high > low) {
		high--;
		add_idx(m, z, idx + (1u << high), high, cls, false);
	}
}

void fs_buddy_expand(struct fs_machine *m, struct fs_zone *z, uint64_t pfn,
		     unsigned low, unsigned high, unsigned cls)
{
	expand_idx(m, z, (uint32_t)(pfn - m->base_pfn), low, high, cls);
}

/* __rmqueue_smallest() (6.12): look only at the requested class, from the
 * requested order upward, and take the first block on the list. */
uint64_t fs_buddy_rmqueue_smallest(struct fs_machine *m, struct fs_zone *z,
				   unsigned order, unsigned cls)
{
	for (unsigned o = order; o <= m->max_order; o++) {
		uint32_t idx = z->lists[o][cls].head;

		if (idx == FS_NIL)
			continue;
		del_idx(m, z, idx);
		expand_idx(m, z, idx, order, o, cls);
		return m->base_pfn + idx;
	}
	return UINT64_MAX;
}

static inline bool in_zone(const struct fs_zone *z, uint64_t idx)
{
	return idx >= z->start_idx && idx < z->end_idx;
}

static int zone_idx_of(const struct fs_machine *m, uint64_t idx)
{
	for (unsigned i = 0; i < m->nr_zones; i++)
		if (idx >= m->zones[i].start_idx && idx < m->zones[i].end_idx)
			return (int)i;
	return -1;                              /* outside every zone */
}

/* buddy_merge_likely() (6.12; the same test inline since 3.10): if the
 * buddy of the enclosing order+1 block is free, the freed block will
 * probably merge two levels up soon, so put it at the tail where it is
 * allocated last. Never for the top two orders (order >= MAX_PAGE_ORDER-1).
 * The kernel asks find_buddy_page_pfn(higher_page, ...), so page_is_buddy
 * compares the zone of higher_page - the start of the enclosing block,
 * which lies in another zone when a zone boundary is not aligned - with
 * the zone of its buddy. Pages outside every zone belong to no zone. */
static bool merge_likely(const struct fs_machine *m, const struct fs_zone *z,
			 uint64_t idx, uint64_t buddy, unsigned order)
{
	uint64_t higher, higher_buddy;

	if ((int)order >= (int)m->max_order - 1)
		return false;
	higher = buddy & idx;
	higher_buddy = higher ^ (1ull << (order + 1));
	if (higher_buddy >= m->nr_pages)
		return false;
	if (in_zone(z, higher)) {
		if (!in_zone(z, higher_buddy))
			return false;
	} else {
		int zh = zone_idx_of(m, higher);

		if (zh < 0 || zh != zone_idx_of(m, higher_buddy))
			return false;
	}
	return is_free_head(m->pages, higher_buddy, order + 1);
}

/* __free_one_page() (6.12). Merge while the buddy is a free head of the
 * same order inside the zone (page_is_buddy); the merged block starts at
 * idx & buddy. Then head insertion unless FPI_TO_TAIL or merge_likely.
 * At order >= pageblock_order the generation's merge guard applies
 * (m->merge_guard): pageblocks of different types merge only when both
 * types are mergeable. */
void fs_buddy_free(struct fs_machine *m, struct fs_zone *z, uint64_t pfn,
		   unsigned order, unsigned cls, enum fs_fpi fpi)
{
	uint64_t idx = pfn - m->base_pfn;
	uint64_t buddy = idx;
	bool tail;

	while (order < m->merge_order) {      /* max_order unless a policy caps it */
		buddy = idx ^ (1ull << order);
		if (!in_zone(z, buddy) || !is_free_head(m->pages, buddy, order))
			break;
		if (order >= m->pageblock_order && m->merge_guard != FS_MERGE_ANY) {
			unsigned mt = m->pb[idx >> m->pageblock_order].type;
			unsigned bt = m->pb[buddy >> m->pageblock_order].type;

			/* 6.12: only UNMOVABLE, MOVABLE and RECLAIMABLE merge
			 * across types (migratetype_is_mergeable); 6.10+ then
			 * retypes the buddy to match - the pageblock of its head
			 * only (set_pageblock_migratetype, not a range) */
			if (mt != bt) {
				if (mt > FS_MT_RECLAIMABLE || bt > FS_MT_RECLAIMABLE)
					break;
				if (m->merge_guard == FS_MERGE_RETYPE)
					fs_pb_set_type(m, m->base_pfn + buddy, mt);
			}
		}
		del_idx(m, z, (uint32_t)buddy);
		idx &= buddy;
		order++;
	}
	if (fpi & FS_FPI_TO_TAIL)
		tail = true;
	else
		tail = m->merge_likely && merge_likely(m, z, idx, buddy, order);
	add_idx(m, z, (uint32_t)idx, order, cls, tail);
}

uint64_t fs_buddy_find_block(const struct fs_machine *m, const struct fs_zone *z,
			     uint64_t pfn, unsigned *order)
{
	uint64_t idx = pfn - m->base_pfn;

	for (unsigned o = 0; o <= m->max_order; o++) {
		uint64_t head = idx & ~((1ull << o) - 1);

		if (!in_zone(z, head))
			break;
		if (is_free_head(m->pages, head, o)) {
			if (order)
				*order = o;
			return m->base_pfn + head;
		}
	}
	return UINT64_MAX;
}

/* Exact placement, as take_page_off_buddy()/break_down_buddy_pages() (6.12)
 * take one page out of the free block that holds it: remove the block,
 * then halve it, putting the half that does not hold the target on the
 * head of its list with the block's class, until the target's order. */
int fs_buddy_take(struct fs_machine *m, struct fs_zone *z, uint64_t pfn, unsigned order)
{
	uint64_t idx = pfn - m->base_pfn;
	uint64_t head;
	unsigned o, cls;

	if (idx & ((1ull << order) - 1))
		return -EINVAL;
	for (o = order; o <= m->max_order; o++) {
		head = idx & ~((1ull << o) - 1);
		if (!in_zone(z, head))
			return -EBUSY;
		if (is_free_head(m->pages, head, o))
			break;
	}
	if (o > m->max_order)
		return -EBUSY;
	cls = fs_buddy_class(m, head);
	del_idx(m, z, (uint32_t)head);
	while (o > order) {
		uint64_t size;

		o--;
		size = 1ull << o;
		if (idx >= head + size) {
			add_idx(m, z, (uint32_t)head, o, cls, false);
			head += size;
		} else {
			add_idx(m, z, (uint32_t)(head + size), o, cls, false);
		}
	}
	return 0;
}
