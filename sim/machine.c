/* machine.c - the memory model: zones, holes, page slots, and how memory
 * is handed to the buddy allocator at boot. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void fs_layout_single(struct fs_layout *l, uint64_t nr_pages)
{
	memset(l, 0, sizeof(*l));
	l->max_order = 10;
	l->pageblock_order = 9;
	l->nr_zones = 1;
	strcpy(l->zones[0].name, "Normal");
	l->zones[0].start_pfn = 0;
	l->zones[0].nr_pages = nr_pages;
}

/* An x86_64 box with 4 GiB of RAM: ZONE_DMA is the first 16 MiB, ZONE_DMA32
 * the rest below 4 GiB, but the top GiB below 4 GiB is the PCI hole, so
 * the last GiB of RAM is remapped above 4 GiB as ZONE_NORMAL. */
void fs_layout_default(struct fs_layout *l)
{
	memset(l, 0, sizeof(*l));
	l->max_order = 10;
	l->pageblock_order = 9;
	l->nr_zones = 3;
	strcpy(l->zones[0].name, "DMA");
	l->zones[0].start_pfn = 0;
	l->zones[0].nr_pages = 0x1000;             /* 16 MiB */
	strcpy(l->zones[1].name, "DMA32");
	l->zones[1].start_pfn = 0x1000;
	l->zones[1].nr_pages = 0xc0000 - 0x1000;   /* to 3 GiB */
	strcpy(l->zones[2].name, "Normal");
	l->zones[2].start_pfn = 0x100000;          /* 4 GiB */
	l->zones[2].nr_pages = 0x40000;            /* 1 GiB */
}

static int cmp_zone(const void *a, const void *b)
{
	const struct fs_zone_spec *x = a, *y = b;

	return x->start_pfn < y->start_pfn ? -1 : x->start_pfn > y->start_pfn;
}

static int cmp_hole(const void *a, const void *b)
{
	const struct fs_hole *x = a, *y = b;

	return x->start_pfn < y->start_pfn ? -1 : x->start_pfn > y->start_pfn;
}

int fs_layout_validate(struct fs_layout *l, struct fs_err *err)
{
	uint64_t lo, hi;

	if (l->nr_zones == 0)
		return fs_error(err, -EINVAL, "machine has no zones");
	if (l->max_order > FS_ORDER_LIMIT)
		return fs_error(err, -EINVAL, "max_order %u is above the supported %u",
				l->max_order, FS_ORDER_LIMIT);
	if (l->pageblock_order > l->max_order)
		l->pageblock_order = l->max_order;   /* as pageblock-flags.h caps it */
	qsort(l->zones, l->nr_zones, sizeof(l->zones[0]), cmp_zone);
	qsort(l->holes, l->nr_holes, sizeof(l->holes[0]), cmp_hole);
	for (unsigned i = 0; i < l->nr_zones; i++) {
		if (l->zones[i].nr_pages == 0)
			return fs_error(err, -EINVAL, "zone \"%s\" has no pages", l->zones[i].name);
		if (l->zones[i].start_pfn + l->zones[i].nr_pages < l->zones[i].start_pfn)
			return fs_error(err, -EINVAL, "zone \"%s\" overflows", l->zones[i].name);
		if (i && l->zones[i - 1].start_pfn + l->zones[i - 1].nr_pages > l->zones[i].start_pfn)
			return fs_error(err, -EINVAL, "zones \"%s\" and \"%s\" overlap",
					l->zones[i - 1].name, l->zones[i].name);
	}
	lo = l->zones[0].start_pfn & ~((1ull << l->max_order) - 1);
	hi = l->zones[l->nr_zones - 1].start_pfn + l->zones[l->nr_zones - 1].nr_pages;
	if (hi - lo > FS_MAX_PAGES)
		return fs_error(err, -E2BIG,
				"machine spans %llu pages; fragsim handles up to %llu (2 TiB)",
				(unsigned long long)(hi - lo), (unsigned long long)FS_MAX_PAGES);
	for (unsigned i = 0; i < l->nr_holes; i++) {
		const struct fs_hole *h = &l->holes[i];
		bool inside = false;

		for (unsigned z = 0; z < l->nr_zones; z++)
			if (h->start_pfn >= l->zones[z].start_pfn &&
			    h->start_pfn + h->nr_pages <= l->zones[z].start_pfn + l->zones[z].nr_pages)
				inside = true;
		if (!inside || h->nr_pages == 0)
			return fs_error(err, -EINVAL,
					"hole at pfn 0x%llx (%llu pages) is not inside one zone",
					(unsigned long long)h->start_pfn, (unsigned long long)h->nr_pages);
		if (i && l->holes[i - 1].start_pfn + l->holes[i - 1].nr_pages > h->start_pfn)
			return fs_error(err, -EINVAL, "holes at pfn 0x%llx overlap",
					(unsigned long long)h->start_pfn);
	}
	return 0;
}

static bool in_one_hole(const struct fs_machine *m, uint64_t start, uint64_t end)
{
	for (unsigned h = 0; h < m->nr_holes; h++)
		if (start >= m->holes[h].start_pfn &&
		    end <= m->holes[h].start_pfn + m->holes[h].nr_pages)
			return true;
	return false;
}

/* Every pageblock starts MIGRATE_MOVABLE, as memmap_init() (mm/mm_init.c,
 * 6.12) sets them; a pageblock belongs to the zone of its first page that
 * is in a zone, and one wholly inside a hole to none. */
static void init_pageblocks(struct fs_machine *m)
{
	uint64_t pb_pages = 1ull << m->pageblock_order;

	m->nr_pb = (m->nr_pages + pb_pages - 1) >> m->pageblock_order;
	m->pb = fs_big_alloc(m->nr_pb * sizeof(*m->pb));
	if (!m->pb) {
		fprintf(stderr, "fragsim: out of memory (pageblocks)\n");
		abort();
	}
	for (uint64_t i = 0; i < m->nr_pb; i++) {
		m->pb[i].type = FS_MT_MOVABLE;
		m->pb[i].zone = FS_PB_NO_ZONE;
	}
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		struct fs_zone *z = &m->zones[zi];

		for (uint64_t i = fs_pb_idx(m, z->start_pfn); i <= fs_pb_idx(m, z->end_pfn - 1); i++) {
			uint64_t s = m->base_pfn + (i << m->pageblock_order), e = s + pb_pages;

			s = s < z->start_pfn ? z->start_pfn : s;
			e = e > z->end_pfn ? z->end_pfn : e;
			if (m->pb[i].zone != FS_PB_NO_ZONE || in_one_hole(m, s, e))
				continue;
			m->pb[i].zone = (uint8_t)zi;
			z->nr_pageblocks[FS_MT_MOVABLE]++;
		}
	}
}

struct fs_machine *fs_machine_new(const struct fs_layout *lin, struct fs_err *err)
{
	struct fs_layout l = *lin;
	struct fs_machine *m;
	uint64_t hi;

	if (fs_layout_validate(&l, err))
		return NULL;
	m = fs_xcalloc(1, sizeof(*m));
	m->max_order = l.max_order;
	m->pageblock_order = l.pageblock_order;
	m->merge_order = l.max_order;
	m->merge_likely = true;
	m->base_pfn = l.zones[0].start_pfn & ~((1ull << l.max_order) - 1);
	hi = l.zones[l.nr_zones - 1].start_pfn + l.zones[l.nr_zones - 1].nr_pages;
	m->nr_pages = hi - m->base_pfn;
	/* zero pages of an anonymous mapping: only touched slots become
	 * resident, and FS_PG_NONE is 0 */
	m->pages = fs_big_alloc((m->nr_pages + 1) * sizeof(uint64_t));
	if (!m->pages) {
		fs_error(err, -ENOMEM, "cannot allocate page state for %llu pages",
			 (unsigned long long)m->nr_pages);
		free(m);
		return NULL;
	}
	m->nr_zones = l.nr_zones;
	for (unsigned i = 0; i < l.nr_zones; i++) {
		struct fs_zone *z = &m->zones[i];

		snprintf(z->name, sizeof(z->name), "%s", l.zones[i].name);
		z->idx = i;
		z->start_pfn = l.zones[i].start_pfn;
		z->end_pfn = z->start_pfn + l.zones[i].nr_pages;
		z->start_idx = z->start_pfn - m->base_pfn;
		z->end_idx = z->end_pfn - m->base_pfn;
		z->present_pages = l.zones[i].nr_pages;
		for (unsigned o = 0; o < FS_NR_ORDERS; o++)
			for (unsigned c = 0; c < FS_NR_CLASSES; c++)
				z->lists[o][c].head = z->lists[o][c].tail = FS_NIL;
	}
	m->nr_holes = l.nr_holes;
	memcpy(m->holes, l.holes, sizeof(l.holes));
	for (unsigned h = 0; h < l.nr_holes; h++) {
		struct fs_zone *z = fs_machine_zone_of(m, l.holes[h].start_pfn);

		z->present_pages -= l.holes[h].nr_pages;
	}
	init_pageblocks(m);
	return m;
}

/* __free_pages_memory() (mm/memblock.c, 6.12): the largest naturally
 * aligned block that fits, capped at MAX_PAGE_ORDER (m->merge_order when a
 * policy caps merging lower), each handed to the
 * buddy allocator with FPI_TO_TAIL (__free_pages_core). */
static void free_range(struct fs_machine *m, struct fs_zone *z, uint64_t start,
		       uint64_t end, unsigned cls)
{
	while (start < end) {
		unsigned order = start ? (unsigned)__builtin_ctzll(start) : m->max_order;

		if (order > m->merge_order)
			order = m->merge_order;
		while (start + (1ull << order) > end)
			order--;
		fs_buddy_free(m, z, start, order, cls, FS_FPI_TO_TAIL);
		start += 1ull << order;
	}
}

void fs_machine_populate(struct fs_machine *m, unsigned cls)
{
	for (unsigned i = 0; i < m->nr_zones; i++) {
		struct fs_zone *z = &m->zones[i];
		uint64_t pos = z->start_pfn;

		for (unsigned h = 0; h < m->nr_holes; h++) {
			const struct fs_hole *hl = &m->holes[h];

			if (hl->start_pfn < z->start_pfn || hl->start_pfn >= z->end_pfn)
				continue;
			free_range(m, z, pos, hl->start_pfn, cls);
			pos = hl->start_pfn + hl->nr_pages;
		}
		free_range(m, z, pos, z->end_pfn, cls);
	}
}

void fs_machine_free(struct fs_machine *m)
{
	if (!m)
		return;
	fs_big_free(m->pages, (m->nr_pages + 1) * sizeof(uint64_t));
	fs_big_free(m->pb, m->nr_pb * sizeof(*m->pb));
	free(m);
}

struct fs_zone *fs_machine_zone_of(struct fs_machine *m, uint64_t pfn)
{
	struct fs_zone *z = &m->zones[m->last_zone];

	if (pfn >= z->start_pfn && pfn < z->end_pfn)
		return z;
	for (unsigned i = 0; i < m->nr_zones; i++) {
		z = &m->zones[i];
		if (pfn >= z->start_pfn && pfn < z->end_pfn) {
			m->last_zone = i;
			return z;
		}
	}
	return NULL;
}

bool fs_machine_is_hole(const struct fs_machine *m, uint64_t pfn)
{
	for (unsigned h = 0; h < m->nr_holes; h++)
		if (pfn >= m->holes[h].start_pfn &&
		    pfn < m->holes[h].start_pfn + m->holes[h].nr_pages)
			return true;
	return false;
}

size_t fs_machine_state_bytes(const struct fs_machine *m)
{
	return sizeof(*m) + (size_t)(m->nr_pages + 1) * sizeof(uint64_t) +
	       (size_t)m->nr_pb * sizeof(*m->pb);
}
