/* pageblock.c - per-pageblock migrate types and what is allocated in them.
 *
 * The kernel keeps 3 type bits per pageblock (pageblock-flags.h) and, with
 * page_owner, can count "mixed" blocks: blocks holding pages whose
 * allocation asked for another migrate type (page_owner.c:
 * pagetypeinfo_showmixedcount_print). fragsim keeps, per pageblock, the
 * type and the allocated pages by requested type, so pageblocks per type
 * and mixed blocks are maintained counters: no walk of pages is needed to
 * sample them. */
#include <string.h>

#include "internal.h"

static bool is_mixed(const struct fs_pageblock *b)
{
	for (unsigned t = 0; t < 3; t++)
		if (t != b->type && b->used[t])
			return true;
	return false;
}

void fs_pb_set_type(struct fs_machine *m, uint64_t pfn, unsigned type)
{
	struct fs_pageblock *b = &m->pb[fs_pb_idx(m, pfn)];
	struct fs_zone *z;
	bool was;

	if (b->type == type)
		return;
	if (b->zone == FS_PB_NO_ZONE) {
		b->type = (uint8_t)type;
		return;
	}
	z = &m->zones[b->zone];
	was = is_mixed(b);
	z->nr_pageblocks[b->type]--;
	b->type = (uint8_t)type;
	z->nr_pageblocks[type]++;
	z->mixed_pageblocks += (uint64_t)is_mixed(b) - (uint64_t)was;
}

void fs_pb_set_range(struct fs_machine *m, uint64_t pfn, unsigned order, unsigned type)
{
	uint64_t n = order >= m->pageblock_order ? 1ull << (order - m->pageblock_order) : 1;

	for (uint64_t i = 0; i < n; i++)
		fs_pb_set_type(m, pfn + (i << m->pageblock_order), type);
}

void fs_pb_account(struct fs_machine *m, uint64_t pfn, unsigned order, unsigned mt, int delta)
{
	uint64_t left = 1ull << order;

	if (mt >= 3)
		return;
	while (left) {
		struct fs_pageblock *b = &m->pb[fs_pb_idx(m, pfn)];
		uint64_t room = (1ull << m->pageblock_order) -
				((pfn - m->base_pfn) & ((1ull << m->pageblock_order) - 1));
		uint64_t n = left < room ? left : room;
		bool was = is_mixed(b);

		b->used[mt] = (uint16_t)(b->used[mt] + delta * (int)n);
		if (b->zone != FS_PB_NO_ZONE)
			m->zones[b->zone].mixed_pageblocks += (uint64_t)is_mixed(b) - (uint64_t)was;
		pfn += n;
		left -= n;
	}
}

void fs_zone_extfrag_event(struct fs_machine *m, struct fs_zone *z, uint64_t page,
			   unsigned alloc_order, unsigned fallback_order, unsigned alloc_mt, unsigned fallback_mt,
		      bool change_ownership)
{
	z->extfrag.events++;
	/* fragmenting is computed at print time (include/trace/events/kmem.h) */
	if (fallback_order < m->pageblock_order)
		z->extfrag.fragmenting++;
	if (change_ownership)
		z->extfrag.change_ownership++;
	if (alloc_mt < FS_MT_NR && fallback_mt < FS_MT_NR)
		z->extfrag.by_type[alloc_mt][fallback_mt]++;
	if (m->xf)
		fs_xf_print(m, page, alloc_order, fallback_order, alloc_mt, fallback_mt, change_ownership);
}
