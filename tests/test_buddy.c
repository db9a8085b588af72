/* test_buddy.c - worked examples of the buddy core, pinned by hand from
 * the kernel rules (mm/page_alloc.c 6.12: __rmqueue_smallest, expand,
 * __free_one_page, buddy_merge_likely, break_down_buddy_pages,
 * memblock_free_all). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fragsim.h"
#include "ref_model.h"
#include "test_util.h"

/* Assert zone z's order-`order` class-0 list is exactly want[0..n). */
static void assert_list(const struct fs_machine *m, const struct fs_zone *z, unsigned order,
			const uint64_t *want, size_t n)
{
	uint64_t got[64];
	long len = tu_list_pfns(m, z, order, 0, got, 64);

	cr_assert_eq(len, (long)n, "order %u list has %ld blocks, want %zu", order, len, n);
	for (size_t i = 0; i < n; i++)
		cr_assert_eq(got[i], want[i], "order %u list position %zu: pfn %llu, want %llu",
			     order, i, (unsigned long long)got[i], (unsigned long long)want[i]);
	cr_assert_eq(z->nr_free[order], n, "nr_free[%u] = %llu, want %zu", order,
		     (unsigned long long)z->nr_free[order], n);
}

#define LIST(m, z, order, ...)                                                      \
	do {                                                                        \
		const uint64_t want_[] = { __VA_ARGS__ };                           \
		assert_list(m, z, order, want_, sizeof(want_) / sizeof(want_[0])); \
	} while (0)
#define EMPTY(m, z, order) assert_list(m, z, order, NULL, 0)

static struct fs_machine *machine32(void)
{
	struct fs_layout l;

	fs_layout_single(&l, 32);
	return tu_machine_from(&l, true);
}

static uint64_t total_blocks(const struct fs_zone *z)
{
	uint64_t n = 0;

	for (unsigned o = 0; o < FS_NR_ORDERS; o++)
		n += z->nr_free[o];
	return n;
}

Test(buddy, single32_layout)
{
	struct fs_layout l;
	struct fs_machine *m;

	fs_layout_single(&l, 32);
	cr_assert_eq(l.nr_zones, 1);
	cr_assert_eq(l.zones[0].nr_pages, 32);
	cr_assert_eq(l.max_order, 10, "default max_order is MAX_PAGE_ORDER = 10");
	m = machine32();
	cr_assert_eq(m->zones[0].start_pfn, l.zones[0].start_pfn);
	cr_assert_eq(m->zones[0].present_pages, 32);
	cr_assert_eq(m->zones[0].free_pages, 32);
	/* one naturally aligned order-5 block (start 0 assumed by the examples) */
	cr_assert_eq(m->zones[0].start_pfn, 0);
	LIST(m, &m->zones[0], 5, 0);
	cr_assert_eq(total_blocks(&m->zones[0]), 1);
	tu_check(m, "populate");
	fs_machine_free(m);
}

/* __rmqueue_smallest + expand: four order-0 allocations from a fresh
 * 32-page zone land at 0,1,2,3 and leave one block each of order 2,3,4. */
Test(buddy, four_order0_allocations)
{
	struct fs_machine *m = machine32();
	struct fs_zone *z = &m->zones[0];

	for (uint64_t i = 0; i < 4; i++)
		cr_assert_eq(fs_buddy_rmqueue_smallest(m, z, 0, 0), i);
	EMPTY(m, z, 0);
	EMPTY(m, z, 1);
	LIST(m, z, 2, 4);
	LIST(m, z, 3, 8);
	LIST(m, z, 4, 16);
	EMPTY(m, z, 5);
	cr_assert_eq(total_blocks(z), 3);
	cr_assert_eq(z->free_pages, 28);
	cr_assert(fs_buddy_is_free_head(m, 4, 2));
	cr_assert(fs_buddy_is_free_head(m, 8, 3));
	cr_assert(fs_buddy_is_free_head(m, 16, 4));
	cr_assert(!fs_buddy_is_free_head(m, 4, 1));
	cr_assert(!fs_buddy_is_free_head(m, 0, 0));
	tu_check(m, "after four allocations");
	fs_machine_free(m);
}

/* expand() in detail: after the first allocation the remainders are on
 * the HEAD of their lists, so the second order-0 allocation takes pfn 1. */
Test(buddy, expand_puts_remainders_at_head)
{
	struct fs_machine *m = machine32();
	struct fs_zone *z = &m->zones[0];

	cr_assert_eq(fs_buddy_rmqueue_smallest(m, z, 1, 0), 0);    /* 2@o1,4@o2,8@o3,16@o4 */
	LIST(m, z, 1, 2);
	cr_assert_eq(fs_buddy_rmqueue_smallest(m, z, 2, 0), 4);
	cr_assert_eq(fs_buddy_rmqueue_smallest(m, z, 2, 0), 8);    /* splits 8@o3: 12@o2 */
	LIST(m, z, 2, 12);
	/* free 4@o2 with no merge (buddy 0 is allocated): head, ahead of 12 */
	fs_buddy_free(m, z, 4, 2, 0, FS_FPI_NONE);
	LIST(m, z, 2, 4, 12);
	/* the next order-2 allocation takes the list head */
	cr_assert_eq(fs_buddy_rmqueue_smallest(m, z, 2, 0), 4);
	/* an impossible request fails */
	cr_assert_eq(fs_buddy_rmqueue_smallest(m, z, 5, 0), UINT64_MAX);
	cr_assert_eq(fs_buddy_rmqueue_smallest(m, z, 10, 0), UINT64_MAX);
	tu_check(m, "expand");
	fs_machine_free(m);
}

/* fs_buddy_expand on its own: when the lower lists are not empty (a
 * policy splitting a block it took from elsewhere), the remainders go on
 * the HEAD of each list. */
Test(buddy, expand_direct)
{
	struct fs_machine *m = machine32();
	struct fs_zone *z = &m->zones[0];

	cr_assert_eq(fs_buddy_take(m, z, 0, 0), 0);   /* 1@o0 2@o1 4@o2 8@o3 16@o4 */
	fs_buddy_del(m, z, 16);
	cr_assert_eq(z->free_pages, 15);
	fs_buddy_expand(m, z, 16, 0, 4, 0);           /* keep 16, free 17, 18, 20, 24 */
	LIST(m, z, 0, 17, 1);
	LIST(m, z, 1, 18, 2);
	LIST(m, z, 2, 20, 4);
	LIST(m, z, 3, 24, 8);
	EMPTY(m, z, 4);
	cr_assert_eq(z->free_pages, 30);
	/* fs_buddy_add at the tail and at the head */
	fs_buddy_add(m, z, 16, 0, 0, true);
	LIST(m, z, 0, 17, 1, 16);
	fs_buddy_del(m, z, 16);
	fs_buddy_add(m, z, 16, 0, 0, false);
	LIST(m, z, 0, 16, 17, 1);
	fs_buddy_del(m, z, 17);                       /* from the middle */
	LIST(m, z, 0, 16, 1);
	fs_buddy_del(m, z, 1);                        /* the tail */
	LIST(m, z, 0, 16);
	cr_assert_eq(z->lists[0][0].tail, 16 - m->base_pfn);
	fs_buddy_del(m, z, 16);
	EMPTY(m, z, 0);
	cr_assert_eq(z->lists[0][0].head, FS_NIL);
	cr_assert_eq(z->lists[0][0].tail, FS_NIL);
	fs_machine_free(m);
}

/* Freeing the four pages back merges all the way to one order-5 block. */
Test(buddy, free_merges_back)
{
	struct fs_machine *m = machine32();
	struct fs_zone *z = &m->zones[0];

	for (uint64_t i = 0; i < 4; i++)
		fs_buddy_rmqueue_smallest(m, z, 0, 0);
	fs_buddy_free(m, z, 2, 0, 0, FS_FPI_NONE);
	LIST(m, z, 0, 2);
	fs_buddy_free(m, z, 0, 0, 0, FS_FPI_NONE);
	LIST(m, z, 0, 0, 2);
	fs_buddy_free(m, z, 3, 0, 0, FS_FPI_NONE);   /* 2+3 -> 2@o1, buddy 0@o1 not free */
	LIST(m, z, 0, 0);
	LIST(m, z, 1, 2);
	fs_buddy_free(m, z, 1, 0, 0, FS_FPI_NONE);   /* -> 0@o1 -> 0@o2 -> ... -> 0@o5 */
	for (unsigned o = 0; o < 5; o++)
		EMPTY(m, z, o);
	LIST(m, z, 5, 0);
	cr_assert_eq(z->free_pages, 32);
	tu_check(m, "merged back");
	fs_machine_free(m);
}

/* Merging stops at max_order. */
Test(buddy, merge_stops_at_max_order)
{
	struct fs_machine *m = tu_machine(0, 32, 3, true);
	struct fs_zone *z = &m->zones[0];

	LIST(m, z, 3, 0, 8, 16, 24);
	cr_assert_eq(fs_buddy_rmqueue_smallest(m, z, 3, 0), 0);
	cr_assert_eq(fs_buddy_rmqueue_smallest(m, z, 3, 0), 8);
	fs_buddy_free(m, z, 8, 3, 0, FS_FPI_NONE);   /* buddy 0 allocated */
	fs_buddy_free(m, z, 0, 3, 0, FS_FPI_NONE);   /* buddy 8 free but order 3 = max */
	LIST(m, z, 3, 0, 8, 16, 24);
	EMPTY(m, z, 4);
	tu_check(m, "max_order 3");
	fs_machine_free(m);
}

/* break_down_buddy_pages: pages 2, 5, 12 and 29 taken out of a fresh
 * 32-page zone leave 4 blocks of order 0, 4 of order 1, 2 of order 2 and
 * 1 of order 3: 28 free pages in 11 blocks. The freed halves go to the
 * list heads, which pins the list order too. */
Test(buddy, take_four_pages)
{
	struct fs_machine *m = machine32();
	struct fs_zone *z = &m->zones[0];

	cr_assert_eq(fs_buddy_take(m, z, 2, 0), 0);
	LIST(m, z, 4, 16);
	LIST(m, z, 3, 8);
	LIST(m, z, 2, 4);
	LIST(m, z, 1, 0);
	LIST(m, z, 0, 3);
	cr_assert_eq(fs_buddy_take(m, z, 5, 0), 0);
	cr_assert_eq(fs_buddy_take(m, z, 12, 0), 0);
	cr_assert_eq(fs_buddy_take(m, z, 29, 0), 0);
	LIST(m, z, 0, 28, 13, 4, 3);
	LIST(m, z, 1, 30, 14, 6, 0);
	LIST(m, z, 2, 24, 8);
	LIST(m, z, 3, 16);
	EMPTY(m, z, 4);
	EMPTY(m, z, 5);
	cr_assert_eq(z->free_pages, 28);
	cr_assert_eq(total_blocks(z), 11);
	for (uint64_t pfn = 0; pfn < 32; pfn++) {
		bool taken = pfn == 2 || pfn == 5 || pfn == 12 || pfn == 29;
		unsigned o;

		cr_assert_eq(fs_buddy_find_block(m, z, pfn, &o) == UINT64_MAX, taken,
			     "pfn %llu", (unsigned long long)pfn);
	}
	tu_check(m, "take 2,5,12,29");
	fs_machine_free(m);
}

/* A take of a range that is not free is -EBUSY and changes nothing; a
 * misaligned one is -EINVAL. */
Test(buddy, take_busy_changes_nothing)
{
	struct fs_machine *m = machine32();
	struct fs_zone *z = &m->zones[0];
	uint64_t *pages = malloc(m->nr_pages * sizeof(uint64_t));
	struct fs_zone zsave;
	static const struct {
		uint64_t pfn;
		unsigned order;
		int rc;
	} cases[] = {
		{ 2, 0, -EBUSY },    /* taken already */
		{ 2, 1, -EBUSY },    /* contains 2 */
		{ 0, 2, -EBUSY },
		{ 0, 5, -EBUSY },
		{ 0, 6, -EBUSY },    /* larger than the zone */
		{ 32, 0, -EBUSY },   /* past the zone */
		{ 40, 3, -EBUSY },
		{ 3, 1, -EINVAL },   /* misaligned */
		{ 4, 3, -EINVAL },
	};

	cr_assert_not_null(pages);
	cr_assert_eq(fs_buddy_take(m, z, 2, 0), 0);
	/* free now: 0@o1 3@o0 4@o2 8@o3 16@o4 */
	memcpy(pages, m->pages, m->nr_pages * sizeof(uint64_t));
	memcpy(&zsave, z, sizeof(zsave));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = fs_buddy_take(m, z, cases[i].pfn, cases[i].order);

		cr_assert_eq(rc, cases[i].rc, "take(%llu, %u) = %d, want %d",
			     (unsigned long long)cases[i].pfn, cases[i].order, rc, cases[i].rc);
		cr_assert_eq(memcmp(pages, m->pages, m->nr_pages * sizeof(uint64_t)), 0,
			     "take(%llu, %u) changed page slots", (unsigned long long)cases[i].pfn,
			     cases[i].order);
		cr_assert_eq(memcmp(&zsave, z, sizeof(*z)), 0, "take(%llu, %u) changed the zone",
			     (unsigned long long)cases[i].pfn, cases[i].order);
	}
	/* a whole free block can be taken exactly */
	cr_assert_eq(fs_buddy_take(m, z, 16, 4), 0);
	cr_assert_eq(fs_buddy_take(m, z, 16, 4), -EBUSY);
	cr_assert_eq(fs_buddy_take(m, z, 3, 0), 0);
	cr_assert_eq(z->free_pages, 32 - 1 - 16 - 1);
	tu_check(m, "busy takes");
	free(pages);
	fs_machine_free(m);
}

/* memblock_free_all: maximal naturally aligned blocks, ascending, each
 * freed to the list tail, so each list is in ascending pfn order. */
Test(buddy, populate_odd_start_4095)
{
	struct fs_machine *m = tu_machine(1, 4095, 10, true);
	struct fs_zone *z = &m->zones[0];

	cr_assert_eq(z->start_pfn, 1);
	cr_assert_eq(z->end_pfn, 4096);
	for (unsigned o = 0; o < 10; o++)
		LIST(m, z, o, 1ull << o);            /* 1@o0, 2@o1, 4@o2, ... 512@o9 */
	LIST(m, z, 10, 1024, 2048, 3072);
	cr_assert_eq(z->free_pages, 4095);
	tu_check(m, "start 1, 4095 pages");
	fs_machine_free(m);
}

Test(buddy, populate_odd_start_100)
{
	/* [5, 105): 5@o0 6@o1 8@o3 16@o4 32@o5 64@o5 96@o3 104@o0 */
	struct fs_machine *m = tu_machine(5, 100, 10, true);
	struct fs_zone *z = &m->zones[0];

	LIST(m, z, 0, 5, 104);
	LIST(m, z, 1, 6);
	EMPTY(m, z, 2);
	LIST(m, z, 3, 8, 96);
	LIST(m, z, 4, 16);
	LIST(m, z, 5, 32, 64);
	EMPTY(m, z, 6);
	cr_assert_eq(z->free_pages, 100);
	tu_check(m, "start 5, 100 pages");
	fs_machine_free(m);
}

Test(buddy, populate_1000_at_1000)
{
	/* [1000, 2000): 1000@o3 1008@o4 1024@o9 1536@o8 1792@o7 1920@o6 1984@o4 */
	struct fs_machine *m = tu_machine(1000, 1000, 10, true);
	struct fs_zone *z = &m->zones[0];

	LIST(m, z, 3, 1000);
	LIST(m, z, 4, 1008, 1984);
	LIST(m, z, 6, 1920);
	LIST(m, z, 7, 1792);
	LIST(m, z, 8, 1536);
	LIST(m, z, 9, 1024);
	EMPTY(m, z, 10);
	cr_assert_eq(total_blocks(z), 7);
	tu_check(m, "start 1000, 1000 pages");
	fs_machine_free(m);
}

/* More shapes, checked against the reference model's population. */
Test(buddy, populate_matches_reference)
{
	static const struct {
		uint64_t start, n;
		unsigned max_order;
	} shapes[] = {
		{ 0, 1, 10 }, { 1, 1, 10 }, { 7, 9, 10 }, { 12345, 1000, 10 },
		{ 0, 5000, 10 }, { 1023, 2050, 10 }, { 3, 77, 2 }, { 4096, 4096, 0 },
		{ 999, 3000, 5 }, { 65536, 65536, 10 },
	};

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct fs_machine *m = tu_machine(shapes[i].start, shapes[i].n,
						  shapes[i].max_order, true);
		struct ref_model *r = ref_new(shapes[i].start, shapes[i].n, shapes[i].max_order,
					      true);
		char ctx[96];

		snprintf(ctx, sizeof(ctx), "populate start %llu pages %llu max_order %u",
			 (unsigned long long)shapes[i].start, (unsigned long long)shapes[i].n,
			 shapes[i].max_order);
		ref_populate(r);
		tu_compare(m, &m->zones[0], r, ctx);
		tu_check(m, ctx);
		cr_assert_eq(m->zones[0].free_pages, shapes[i].n, "%s", ctx);
		ref_free_model(r);
		fs_machine_free(m);
	}
}

/* buddy_merge_likely: a freed block goes to the TAIL when the buddy of its
 * enclosing order+1 block is a free block of exactly order+1. */
static struct fs_machine *merge_likely_setup(bool merge_likely)
{
	struct fs_machine *m = tu_machine(0, 32, 10, merge_likely);
	struct fs_zone *z = &m->zones[0];

	cr_assert_eq(fs_buddy_take(m, z, 0, 0), 0);
	cr_assert_eq(fs_buddy_take(m, z, 1, 0), 0);   /* 2@o1 4@o2 8@o3 16@o4 free */
	cr_assert_eq(fs_buddy_take(m, z, 5, 0), 0);   /* 4@o0, 6@o1 */
	LIST(m, z, 0, 4);
	LIST(m, z, 1, 6, 2);
	return m;
}

Test(buddy, merge_likely_tail)
{
	struct fs_machine *m = merge_likely_setup(true);
	struct fs_zone *z = &m->zones[0];

	/* free 0@o0: buddy 1 is allocated, no merge; the enclosing order-1
	 * block is 0, its buddy 2 is a free order-1 block -> tail */
	fs_buddy_free(m, z, 0, 0, 0, FS_FPI_NONE);
	LIST(m, z, 0, 4, 0);
	tu_check(m, "merge_likely tail");
	fs_machine_free(m);
}

Test(buddy, merge_likely_off_is_head)
{
	struct fs_machine *m = merge_likely_setup(false);
	struct fs_zone *z = &m->zones[0];

	fs_buddy_free(m, z, 0, 0, 0, FS_FPI_NONE);
	LIST(m, z, 0, 0, 4);
	/* FPI_TO_TAIL still goes to the tail */
	cr_assert_eq(fs_buddy_take(m, z, 13, 0), 0);  /* splits 8@o3: 8@o2 14@o1 12@o0 */
	LIST(m, z, 0, 12, 0, 4);
	LIST(m, z, 1, 14, 6, 2);
	fs_buddy_free(m, z, 1, 0, 0, FS_FPI_TO_TAIL); /* 0+1 -> 0@o1, +2 -> 0@o2, 4 is o0 */
	LIST(m, z, 0, 12, 4);
	LIST(m, z, 1, 14, 6);
	LIST(m, z, 2, 8, 0);
	tu_check(m, "merge_likely off");
	fs_machine_free(m);
}

Test(buddy, merge_likely_head_when_enclosing_buddy_busy)
{
	struct fs_machine *m = tu_machine(0, 32, 10, true);
	struct fs_zone *z = &m->zones[0];

	cr_assert_eq(fs_buddy_take(m, z, 0, 0), 0);
	cr_assert_eq(fs_buddy_take(m, z, 1, 0), 0);
	cr_assert_eq(fs_buddy_take(m, z, 2, 0), 0);   /* 3@o0 */
	cr_assert_eq(fs_buddy_take(m, z, 5, 0), 0);   /* 4@o0 6@o1 */
	LIST(m, z, 0, 4, 3);
	/* free 0: buddy 1 busy; enclosing order-1 block's buddy 2 is busy
	 * (2 allocated, 3 free of order 0 only) -> head */
	fs_buddy_free(m, z, 0, 0, 0, FS_FPI_NONE);
	LIST(m, z, 0, 0, 4, 3);
	/* free 2: merges with 3 -> 2@o1; buddy 0 is free of order 0 only.
	 * Enclosing order-2 block 0's buddy 4 is free of order 0 only -> head */
	fs_buddy_free(m, z, 2, 0, 0, FS_FPI_NONE);
	LIST(m, z, 1, 2, 6);
	LIST(m, z, 0, 0, 4);
	tu_check(m, "merge_likely head");
	fs_machine_free(m);
}

/* No merge_likely for order >= max_order - 1 (6.12 MAX_PAGE_ORDER - 1). */
Test(buddy, merge_likely_not_for_top_orders)
{
	struct fs_machine *m2 = tu_machine(0, 32, 2, true);
	struct fs_machine *m3 = tu_machine(0, 32, 3, true);

	/* max_order 2: order 1 is max_order - 1: head */
	cr_assert_eq(fs_buddy_take(m2, &m2->zones[0], 0, 1), 0);   /* 2@o1 */
	cr_assert_eq(fs_buddy_take(m2, &m2->zones[0], 2, 1), 0);
	cr_assert_eq(fs_buddy_take(m2, &m2->zones[0], 8, 1), 0);   /* 10@o1 */
	LIST(m2, &m2->zones[0], 1, 10);
	fs_buddy_free(m2, &m2->zones[0], 0, 1, 0, FS_FPI_NONE);    /* 4@o2 free, still head */
	LIST(m2, &m2->zones[0], 1, 0, 10);

	/* max_order 3: the same steps put it at the tail */
	cr_assert_eq(fs_buddy_take(m3, &m3->zones[0], 0, 1), 0);
	cr_assert_eq(fs_buddy_take(m3, &m3->zones[0], 2, 1), 0);
	cr_assert_eq(fs_buddy_take(m3, &m3->zones[0], 8, 1), 0);
	LIST(m3, &m3->zones[0], 1, 10);
	LIST(m3, &m3->zones[0], 2, 12, 4);
	fs_buddy_free(m3, &m3->zones[0], 0, 1, 0, FS_FPI_NONE);
	LIST(m3, &m3->zones[0], 1, 10, 0);
	tu_check(m2, "max_order 2");
	tu_check(m3, "max_order 3");
	fs_machine_free(m2);
	fs_machine_free(m3);
}

/* Buddies outside the zone never merge (page_is_buddy's zone check), and
 * merge_likely does not look outside the zone either. */
Test(buddy, zone_boundary)
{
	struct fs_machine *m = tu_machine(1, 31, 10, true);   /* [1, 32) */
	struct fs_zone *z = &m->zones[0];

	LIST(m, z, 0, 1);
	LIST(m, z, 1, 2);
	LIST(m, z, 4, 16);
	cr_assert_eq(fs_buddy_take(m, z, 1, 0), 0);
	fs_buddy_free(m, z, 1, 0, 0, FS_FPI_NONE);   /* buddy 0 outside: stays order 0 */
	LIST(m, z, 0, 1);
	cr_assert_eq(fs_buddy_find_block(m, z, 0, NULL), UINT64_MAX);
	tu_check(m, "zone boundary");
	fs_machine_free(m);
}

/* buddy_merge_likely across an unaligned boundary between two zones.
 *
 * The kernel asks find_buddy_page_pfn(higher_page, ...), so page_is_buddy
 * compares the zone of higher_page (the start of the enclosing order+1
 * block, which lies in the OTHER zone when the freed block's buddy does)
 * with the zone of higher_buddy; the freed page's own zone is not involved.
 * sim/buddy.c instead requires higher_buddy to be inside the freed page's
 * zone. The two agree whenever zone boundaries are aligned to 2^max_order;
 * this pins the kernel's rule for unaligned ones (sim/buddy.c follows it).
 * The expected lists below are what 6.12 produces. */
static struct fs_machine *two_zones(uint64_t boundary)
{
	struct fs_layout l;

	fs_layout_single(&l, boundary);
	l.nr_zones = 2;
	strcpy(l.zones[0].name, "DMA");
	l.zones[0].start_pfn = 0;
	l.zones[0].nr_pages = boundary;
	strcpy(l.zones[1].name, "Normal");
	l.zones[1].start_pfn = boundary;
	l.zones[1].nr_pages = 300 - boundary;
	return tu_machine_from(&l, true);
}

Test(buddy, merge_likely_unaligned_zone_boundary)
{
	/* Normal starts at 101: higher_page 100 is in DMA, higher_buddy 102
	 * (a free order-1 block) is in Normal: different zones, so head. */
	struct fs_machine *m = two_zones(101);
	struct fs_zone *z = &m->zones[1];

	cr_assert_eq(fs_buddy_take(m, z, 101, 0), 0);
	cr_assert_eq(fs_buddy_take(m, z, 105, 0), 0);   /* 104@o0 106@o1 108@o2 */
	LIST(m, z, 0, 104);
	cr_assert(fs_buddy_is_free_head(m, 102, 1));
	fs_buddy_free(m, z, 101, 0, 0, FS_FPI_NONE);
	LIST(m, z, 0, 101, 104);
	fs_machine_free(m);

	/* Normal starts at 103: higher_page 102 and higher_buddy 100 (a free
	 * order-1 block) are both in DMA: a buddy, so tail. */
	m = two_zones(103);
	z = &m->zones[1];
	cr_assert(fs_buddy_is_free_head(m, 100, 1));
	cr_assert_eq(fs_buddy_take(m, z, 103, 0), 0);
	cr_assert_eq(fs_buddy_take(m, z, 105, 0), 0);
	LIST(m, z, 0, 104);
	fs_buddy_free(m, z, 103, 0, 0, FS_FPI_NONE);
	LIST(m, z, 0, 104, 103);
	fs_machine_free(m);
}
