/* test_metrics.c - the kernel's fragmentation formulas (mm/vmstat.c
 * fill_contig_page_info, __fragmentation_index, unusable_free_index;
 * mm/compaction.c extfrag_for_order, 6.12), pinned by worked examples. */
#include <criterion/criterion.h>
#include <string.h>

#include "fragsim.h"
#include "test_util.h"

static void info_for(const uint64_t *nr_free, unsigned order, struct fs_contig_info *info)
{
	memset(info, 0xa5, sizeof(*info));   /* the function must fill every field */
	fs_contig_info(nr_free, 10, order, info);
}

/* The reference's worked example: free_pages = 1000, j = 4, 400 blocks, no
 * block of order >= 4: 1000 - (1000 + 1000*1000/16) / 400 = 1000 - 158. */
Test(metrics, fragmentation_index_worked_example)
{
	uint64_t nr_free[FS_NR_ORDERS] = { [0] = 200, [2] = 200 };   /* 200 + 800 pages */
	struct fs_contig_info info;

	info_for(nr_free, 4, &info);
	cr_assert_eq(info.free_pages, 1000);
	cr_assert_eq(info.free_blocks_total, 400);
	cr_assert_eq(info.free_blocks_suitable, 0);
	cr_assert_eq(fs_fragmentation_index(&info, 4), 842);

	/* 400 blocks and 900 pages, none of order >= 4 */
	uint64_t other[FS_NR_ORDERS] = { [0] = 300, [2] = 50, [3] = 50 };

	info_for(other, 4, &info);
	cr_assert_eq(info.free_blocks_total, 400);
	cr_assert_eq(info.free_pages, 900);
	/* 1000 - (1000 + 900000/16) / 400 = 1000 - 57250/400 = 1000 - 143 */
	cr_assert_eq(fs_fragmentation_index(&info, 4), 857);
}

/* The 32-page zone with pages 2, 5, 12 and 29 taken: 28 free pages in
 * blocks 4 x o0, 4 x o1, 2 x o2, 1 x o3. */
static const uint64_t take_example[FS_NR_ORDERS] = { 4, 4, 2, 1 };

Test(metrics, unusable_index_32_page_example)
{
	struct fs_contig_info info;

	info_for(take_example, 3, &info);
	cr_assert_eq(info.free_pages, 28);
	cr_assert_eq(info.free_blocks_total, 11);
	cr_assert_eq(info.free_blocks_suitable, 1);
	cr_assert_eq(fs_unusable_index(&info, 3), (28 - 8) * 1000 / 28);
	cr_assert_eq(fs_unusable_index(&info, 3), 714);
	cr_assert_eq(fs_extfrag_for_order(&info, 3), 71);

	info_for(take_example, 0, &info);
	cr_assert_eq(info.free_blocks_suitable, 28);
	cr_assert_eq(fs_unusable_index(&info, 0), 0);
	cr_assert_eq(fs_extfrag_for_order(&info, 0), 0);

	info_for(take_example, 1, &info);
	cr_assert_eq(info.free_blocks_suitable, 4 + 2 * 2 + 1 * 4);
	cr_assert_eq(fs_unusable_index(&info, 1), (28 - 24) * 1000 / 28);   /* 142 */
	cr_assert_eq(fs_unusable_index(&info, 1), 142);

	info_for(take_example, 4, &info);
	cr_assert_eq(info.free_blocks_suitable, 0);
	cr_assert_eq(fs_unusable_index(&info, 4), 1000);
	cr_assert_eq(fs_extfrag_for_order(&info, 4), 100);
}

Test(metrics, fragmentation_index_32_page_example)
{
	struct fs_contig_info info;

	/* order 4: nothing suitable; 1000 - (1000 + 28000/16) / 11 = 1000 - 250 */
	info_for(take_example, 4, &info);
	cr_assert_eq(fs_fragmentation_index(&info, 4), 750);
	/* order 3: a block exists, the index does not apply */
	info_for(take_example, 3, &info);
	cr_assert_eq(fs_fragmentation_index(&info, 3), -1000);
	info_for(take_example, 0, &info);
	cr_assert_eq(fs_fragmentation_index(&info, 0), -1000);
	/* order 5: 1000 - (1000 + 28000/32) / 11 = 1000 - 1875/11 = 1000 - 170 */
	info_for(take_example, 5, &info);
	cr_assert_eq(fs_fragmentation_index(&info, 5), 830);
}

/* The same numbers from a real machine's counters. */
Test(metrics, from_machine)
{
	struct fs_layout l;
	struct fs_machine *m;
	struct fs_zone *z;
	struct fs_contig_info info;

	fs_layout_single(&l, 32);
	m = tu_machine_from(&l, true);
	z = &m->zones[0];
	cr_assert_eq(fs_buddy_take(m, z, 2, 0), 0);
	cr_assert_eq(fs_buddy_take(m, z, 5, 0), 0);
	cr_assert_eq(fs_buddy_take(m, z, 12, 0), 0);
	cr_assert_eq(fs_buddy_take(m, z, 29, 0), 0);
	fs_contig_info(z->nr_free, m->max_order, 3, &info);
	cr_assert_eq(fs_unusable_index(&info, 3), 714);
	fs_contig_info(z->nr_free, m->max_order, 4, &info);
	cr_assert_eq(fs_fragmentation_index(&info, 4), 750);
	fs_machine_free(m);

	/* four order-0 allocations: 4@o2 8@o3 16@o4 free */
	m = tu_machine_from(&l, true);
	z = &m->zones[0];
	for (int i = 0; i < 4; i++)
		fs_buddy_rmqueue_smallest(m, z, 0, 0);
	fs_contig_info(z->nr_free, m->max_order, 5, &info);
	cr_assert_eq(info.free_pages, 28);
	cr_assert_eq(info.free_blocks_total, 3);
	/* 1000 - (1000 + 28000/32) / 3 = 1000 - 625 */
	cr_assert_eq(fs_fragmentation_index(&info, 5), 375);
	fs_contig_info(z->nr_free, m->max_order, 3, &info);
	cr_assert_eq(info.free_blocks_suitable, 3);             /* 8@o3 + 16@o4 = 1 + 2 */
	cr_assert_eq(fs_unusable_index(&info, 3), (28 - 24) * 1000 / 28);   /* 142 */
	fs_machine_free(m);
}

Test(metrics, nothing_free)
{
	uint64_t nr_free[FS_NR_ORDERS] = { 0 };
	struct fs_contig_info info;

	for (unsigned o = 0; o <= 10; o++) {
		info_for(nr_free, o, &info);
		cr_assert_eq(info.free_pages, 0);
		cr_assert_eq(info.free_blocks_total, 0);
		cr_assert_eq(info.free_blocks_suitable, 0);
		cr_assert_eq(fs_fragmentation_index(&info, o), 0, "order %u", o);
		cr_assert_eq(fs_unusable_index(&info, o), 1000, "order %u", o);
		cr_assert_eq(fs_extfrag_for_order(&info, o), 0, "order %u", o);
	}
}

Test(metrics, suitable_block_exists)
{
	uint64_t nr_free[FS_NR_ORDERS] = { [0] = 1000, [9] = 1 };
	struct fs_contig_info info;

	for (unsigned o = 0; o <= 9; o++) {
		info_for(nr_free, o, &info);
		cr_assert_eq(info.free_blocks_suitable, (1ull << (9 - o)) + (o == 0 ? 1000 : 0));
		cr_assert_eq(fs_fragmentation_index(&info, o), -1000, "order %u", o);
	}
	info_for(nr_free, 10, &info);
	/* 1000 - (1000 + 1512*1000/1024) / 1001 = 1000 - 2476/1001 = 998 */
	cr_assert_eq(fs_fragmentation_index(&info, 10), 998);
	cr_assert_eq(fs_unusable_index(&info, 10), 1000);
	info_for(nr_free, 9, &info);
	/* (1512 - 512) * 1000 / 1512 = 661; * 100 -> 66 */
	cr_assert_eq(fs_unusable_index(&info, 9), 661);
	cr_assert_eq(fs_extfrag_for_order(&info, 9), 66);
}

/* Only order-0 pages free, lots of them: fragmentation index near 1000
 * (fragmentation, not lack of memory); one order-0 page: near 0. */
Test(metrics, extremes)
{
	uint64_t many[FS_NR_ORDERS] = { [0] = 100000 };
	uint64_t one[FS_NR_ORDERS] = { [0] = 1 };
	struct fs_contig_info info;

	info_for(many, 9, &info);
	/* 1000 - (1000 + 100000000/512) / 100000 = 1000 - 196312/100000 = 999 */
	cr_assert_eq(fs_fragmentation_index(&info, 9), 999);
	info_for(one, 9, &info);
	/* 1000 - (1000 + 1000/512) / 1 = 1000 - 1001 = -1 */
	cr_assert_eq(fs_fragmentation_index(&info, 9), -1);
	info_for(one, 1, &info);
	/* 1000 - (1000 + 500) / 1 = -500 */
	cr_assert_eq(fs_fragmentation_index(&info, 1), -500);
}

/* Random counters: the functions agree with the formulas written out here
 * and stay in range. */
Test(metrics, random_counters)
{
	struct tu_rng g;

	tu_rng_seed(&g, 0x5eed);
	for (int iter = 0; iter < 20000; iter++) {
		uint64_t nr_free[FS_NR_ORDERS] = { 0 };
		uint64_t pages = 0, blocks = 0;

		for (unsigned o = 0; o <= 10; o++) {
			if (tu_chance(&g, 40))
				nr_free[o] = tu_below(&g, iter % 3 ? 50 : 100000);
			pages += nr_free[o] << o;
			blocks += nr_free[o];
		}
		for (unsigned j = 0; j <= 10; j++) {
			struct fs_contig_info info;
			uint64_t suitable = 0;
			int fi, ui;
			unsigned ef;

			for (unsigned o = j; o <= 10; o++)
				suitable += nr_free[o] << (o - j);
			info_for(nr_free, j, &info);
			cr_assert_eq(info.free_pages, pages);
			cr_assert_eq(info.free_blocks_total, blocks);
			cr_assert_eq(info.free_blocks_suitable, suitable);

			fi = fs_fragmentation_index(&info, j);
			ui = fs_unusable_index(&info, j);
			ef = fs_extfrag_for_order(&info, j);
			if (!blocks)
				cr_assert_eq(fi, 0);
			else if (suitable)
				cr_assert_eq(fi, -1000);
			else
				cr_assert_eq(fi, 1000 - (int)((1000 + pages * 1000 / (1ull << j)) / blocks),
					     "iter %d order %u", iter, j);
			cr_assert(fi == -1000 || (fi > -1000 && fi <= 1000), "iter %d: index %d", iter, fi);
			if (!pages) {
				cr_assert_eq(ui, 1000);
				cr_assert_eq(ef, 0);
			} else {
				cr_assert_eq(ui, (int)((pages - (suitable << j)) * 1000 / pages));
				cr_assert_eq(ef, (unsigned)((pages - (suitable << j)) * 100 / pages));
			}
			cr_assert(ui >= 0 && ui <= 1000);
			cr_assert(ef <= 100, "extfrag_for_order %u", ef);
		}
	}
}
