/* check.c - the expensive invariant walker (DEBUG=2, tests): every free
 * list, every page slot, every counter and the allocation table agree.
 * O(pages); never called on the normal path. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define FAIL(...) return fs_error(err, -EIO, __VA_ARGS__)

static int check_lists(const struct fs_machine *m, const struct fs_zone *z,
		       uint64_t *heads_on_lists, struct fs_err *err)
{
	uint64_t pages = 0;

	for (unsigned o = 0; o <= m->max_order; o++) {
		uint64_t blocks = 0;

		for (unsigned c = 0; c < FS_NR_CLASSES; c++) {
			const struct fs_free_list *l = &z->lists[o][c];
			uint32_t prev = FS_NIL, idx = l->head;
			uint64_t n = 0;

			if (m->unlinked_lists) {
				/* counted, not linked: check_pages recounts them */
				if (l->head != FS_NIL || l->tail != FS_NIL)
					FAIL("zone %s order %u class %u: unlinked lists have a head", z->name, o, c);
				blocks += l->count;
				continue;
			}
			while (idx != FS_NIL) {
				uint64_t s = m->pages[idx];

				if (n > m->nr_pages)
					FAIL("zone %s order %u class %u: list does not end", z->name, o, c);
				if (idx < z->start_idx || idx >= z->end_idx)
					FAIL("zone %s order %u: block at pfn 0x%llx outside the zone", z->name, o,
					     (unsigned long long)(m->base_pfn + idx));
				if (fs_pg_kind(s) != FS_PG_FREE || fs_buddy_order(m, idx) != o ||
				    fs_buddy_class(m, idx) != c)
					FAIL("zone %s order %u class %u: pfn 0x%llx on the list is not a free head of that order and class",
					     z->name, o, c, (unsigned long long)(m->base_pfn + idx));
				if (idx & ((1u << o) - 1))
					FAIL("zone %s: free block at pfn 0x%llx not aligned to order %u", z->name,
					     (unsigned long long)(m->base_pfn + idx), o);
				if (idx + (1ull << o) > z->end_idx)
					FAIL("zone %s: free block at pfn 0x%llx runs past the zone end", z->name,
					     (unsigned long long)(m->base_pfn + idx));
				if (((s >> 6) & FS_NIL) != prev)
					FAIL("zone %s order %u: broken prev link at pfn 0x%llx", z->name, o,
					     (unsigned long long)(m->base_pfn + idx));
				prev = idx;
				idx = (uint32_t)((s >> 35) & FS_NIL);
				n++;
			}
			if (l->tail != prev)
				FAIL("zone %s order %u class %u: tail does not match the last block", z->name, o, c);
			if (n != l->count)
				FAIL("zone %s order %u class %u: count %u but %llu blocks on the list", z->name, o, c,
				     l->count, (unsigned long long)n);
			blocks += n;
		}
		if (blocks != z->nr_free[o])
			FAIL("zone %s: nr_free[%u] = %llu but the lists hold %llu", z->name, o,
			     (unsigned long long)z->nr_free[o], (unsigned long long)blocks);
		pages += blocks << o;
		*heads_on_lists += blocks;
	}
	for (unsigned o = m->max_order + 1; o < FS_NR_ORDERS; o++)
		if (z->nr_free[o])
			FAIL("zone %s: nr_free[%u] above max_order", z->name, o);
	if (pages != z->free_pages)
		FAIL("zone %s: free_pages %llu but the lists hold %llu pages", z->name,
		     (unsigned long long)z->free_pages, (unsigned long long)pages);
	return 0;
}

/* Walk the zone's pages: free blocks do not overlap anything, no two free
 * buddies below pageblock order are left unmerged, holes hold nothing. */
static int check_pages(const struct fs_machine *m, const struct fs_zone *z,
		       uint64_t *free_heads, uint64_t *alloc_heads, uint64_t *pcp_pages,
		       bool require_cover, struct fs_err *err)
{
	uint64_t by[FS_NR_ORDERS][FS_NR_CLASSES] = { { 0 } };   /* unlinked lists: counts recounted */

	for (uint64_t idx = z->start_idx; idx < z->end_idx;) {
		uint64_t s = m->pages[idx];
		uint64_t pfn = m->base_pfn + idx;
		unsigned kind = fs_pg_kind(s), o;

		if (kind == FS_PG_FREE) {
			o = fs_buddy_order(m, idx);
			if (o > m->max_order)
				FAIL("pfn 0x%llx: free block of order %u", (unsigned long long)pfn, o);
			for (uint64_t t = idx + 1; t < idx + (1ull << o); t++) {
				if (fs_pg_kind(m->pages[t]) != FS_PG_NONE)
					FAIL("pfn 0x%llx inside the free block at 0x%llx (order %u) is a block head",
					     (unsigned long long)(m->base_pfn + t), (unsigned long long)pfn, o);
				if (fs_machine_is_hole(m, m->base_pfn + t))
					FAIL("free block at 0x%llx covers a hole", (unsigned long long)pfn);
			}
			if (o < m->pageblock_order && o < m->merge_order) {
				uint64_t b = idx ^ (1ull << o);

				if (b >= z->start_idx && b < z->end_idx &&
				    fs_buddy_is_free_head(m, m->base_pfn + b, o))
					FAIL("free blocks at 0x%llx and its buddy 0x%llx (order %u) were not merged",
					     (unsigned long long)pfn, (unsigned long long)(m->base_pfn + b), o);
			}
			(*free_heads)++;
			by[o][fs_buddy_class(m, idx)]++;
			idx += 1ull << o;
		} else if (kind == FS_PG_ALLOC) {
			o = (unsigned)((s >> 2) & 15);
			(*alloc_heads)++;
			idx += 1ull << o;
		} else if (kind == FS_PG_OTHER) {
			o = (unsigned)((s >> 2) & 15);
			*pcp_pages += 1ull << o;
			idx += 1ull << o;
		} else {
			if (require_cover && kind == FS_PG_NONE && !fs_machine_is_hole(m, pfn))
				FAIL("pfn 0x%llx is neither free nor allocated", (unsigned long long)pfn);
			idx++;
		}
	}
	for (unsigned o = 0; m->unlinked_lists && o <= m->max_order; o++)
		for (unsigned c = 0; c < FS_NR_CLASSES; c++)
			if (by[o][c] != z->lists[o][c].count)
				FAIL("zone %s order %u class %u: %llu free blocks in the pages, counted %u", z->name, o,
				     c, (unsigned long long)by[o][c], z->lists[o][c].count);
	return 0;
}

static int check_all(const struct fs_machine *m, uint64_t *alloc_heads, bool require_cover,
		     struct fs_err *err)
{
	int rc;

	for (unsigned i = 0; i < m->nr_zones; i++) {
		const struct fs_zone *z = &m->zones[i];
		uint64_t on_lists = 0, free_heads = 0, pcp_pages = 0;

		if ((rc = check_lists(m, z, &on_lists, err)))
			return rc;
		if ((rc = check_pages(m, z, &free_heads, alloc_heads, &pcp_pages, require_cover, err)))
			return rc;
		if (pcp_pages != z->pcp_pages)
			FAIL("zone %s: %llu pages on per-CPU lists in the pages, counter says %llu", z->name,
			     (unsigned long long)pcp_pages, (unsigned long long)z->pcp_pages);
		if (free_heads != on_lists)
			FAIL("zone %s: %llu free heads in the pages but %llu on the lists", z->name,
			     (unsigned long long)free_heads, (unsigned long long)on_lists);
	}
	return 0;
}

/* Pageblock counters: blocks per type and mixed blocks per zone recount. */
static int check_pageblocks(const struct fs_machine *m, struct fs_err *err)
{
	uint64_t types[FS_MAX_ZONES][FS_MT_NR], mixed[FS_MAX_ZONES];

	memset(types, 0, sizeof(types));
	memset(mixed, 0, sizeof(mixed));
	for (uint64_t i = 0; i < m->nr_pb; i++) {
		const struct fs_pageblock *b = &m->pb[i];
		bool mix = false;

		if (b->zone == FS_PB_NO_ZONE)
			continue;
		if (b->type >= FS_MT_NR)
			FAIL("pageblock %llu has type %u", (unsigned long long)i, b->type);
		types[b->zone][b->type]++;
		for (unsigned t = 0; t < 3; t++)
			mix |= t != b->type && b->used[t];
		mixed[b->zone] += mix;
	}
	for (unsigned z = 0; z < m->nr_zones; z++) {
		for (unsigned t = 0; t < FS_MT_NR; t++)
			if (types[z][t] != m->zones[z].nr_pageblocks[t])
				FAIL("zone %s: %llu %s pageblocks counted, %llu recounted", m->zones[z].name,
				     (unsigned long long)m->zones[z].nr_pageblocks[t], fs_mt_name(t),
				     (unsigned long long)types[z][t]);
		if (mixed[z] != m->zones[z].mixed_pageblocks)
			FAIL("zone %s: %llu mixed pageblocks counted, %llu recounted", m->zones[z].name,
			     (unsigned long long)m->zones[z].mixed_pageblocks, (unsigned long long)mixed[z]);
	}
	return 0;
}

/* Machine only: pages taken with the buddy calls directly are untracked. */
int fs_check_machine(const struct fs_machine *m, struct fs_err *err)
{
	uint64_t alloc_heads = 0;
	int rc = check_all(m, &alloc_heads, false, err);

	return rc ? rc : check_pageblocks(m, err);
}

int fs_check(const struct fs_sim *s, struct fs_err *err)
{
	const struct fs_machine *m = s->m;
	uint64_t alloc_heads = 0, live = 0;
	int rc = check_all(m, &alloc_heads, !s->untracked, err);
	uint16_t (*used)[3];

	if (rc || (rc = check_pageblocks(m, err)))
		return rc;
	/* the per-pageblock allocated pages agree with the live allocations */
	used = fs_xcalloc(m->nr_pb, sizeof(*used));
	for (uint64_t i = 0; i <= s->at.mask; i++) {
		const struct fs_alloc *a = &s->at.slot[i];

		if (!a->live || a->mt >= 3)
			continue;
		for (uint64_t q = a->pfn_idx; q < a->pfn_idx + (1ull << a->order); q++)
			used[q >> m->pageblock_order][a->mt]++;
	}
	for (uint64_t b = 0; b < m->nr_pb; b++)
		for (unsigned t = 0; t < 3; t++)
			if (used[b][t] != m->pb[b].used[t]) {
				rc = fs_error(err, -EIO, "pageblock %llu: %u %s pages counted, %u allocated",
					      (unsigned long long)b, m->pb[b].used[t], fs_mt_name(t), used[b][t]);
				free(used);
				return rc;
			}
	free(used);
	for (uint64_t i = 0; i <= s->at.mask; i++) {
		const struct fs_alloc *a = &s->at.slot[i];
		uint64_t slot;

		if (!a->live)
			continue;
		live++;
		if (fs_alloctab_lookup(&s->at, a->ident) != a)
			FAIL("allocation %llx is not found by its identity", (unsigned long long)a->ident);
		if (a->pfn_idx >= m->nr_pages)
			FAIL("allocation %llx placed outside the machine", (unsigned long long)a->ident);
		slot = m->pages[a->pfn_idx];
		if (fs_pg_kind(slot) != FS_PG_ALLOC || ((slot >> 2) & 15) != a->order ||
		    (slot >> 6) != a->ident)
			FAIL("allocation %llx: page slot at pfn 0x%llx does not point back to it",
			     (unsigned long long)a->ident, (unsigned long long)(m->base_pfn + a->pfn_idx));
	}
	if (live != s->at.live || live != alloc_heads)
		FAIL("%llu live allocations, table says %llu, %llu allocated heads in the pages",
		     (unsigned long long)live, (unsigned long long)s->at.live,
		     (unsigned long long)alloc_heads);
	return fs_reclaim_check(s, err);
}
