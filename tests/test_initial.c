/* test_initial.c - a starting state from a buddyinfo or pagetypeinfo
 * snapshot (sim/initial.c): the placement rule's worked examples, exact
 * counts per order and type, the layouts, errors. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "initial.h"
#include "internal.h"
#include "test_util.h"

/* one zone "Normal" from pfn 0 of nr pages, max order mo, pageblock order pbo */
static struct fs_machine *machine(uint64_t nr, unsigned mo, unsigned pbo)
{
	struct fs_layout l;

	tu_layout(&l, 0, nr, mo);
	l.pageblock_order = pbo;
	return tu_machine_from(&l, false);
}

static struct fs_procfs_rec buddyinfo(struct fs_procfs_zone *z, const uint64_t *counts, unsigned n)
{
	struct fs_procfs_rec r = { .kind = FS_PROCFS_BUDDYINFO, .pageblock_order = -1 };

	memset(z, 0, sizeof(*z));
	snprintf(z->name, sizeof(z->name), "Normal");
	z->nr_orders = n;
	for (unsigned o = 0; o < n; o++)
		z->nr_free[o] = counts[o];
	r.zones = z;
	r.nr_zones = 1;
	return r;
}

static bool free_head(const struct fs_machine *m, uint64_t pfn, unsigned o)
{
	return fs_buddy_is_free_head(m, pfn, o);
}

/* Free pages of orders below pageblock order: how many pageblocks hold some. */
static unsigned partly_free_blocks(const struct fs_initial *in, const struct fs_machine *m)
{
	unsigned n = 0;
	uint64_t last = UINT64_MAX;

	for (uint64_t i = 0; i < in->st.nr_blocks; i++) {
		uint64_t pfn = in->st.blocks[i] >> 4, pb = pfn >> m->pageblock_order;

		if ((in->st.blocks[i] & 15) < m->pageblock_order && pb != last) {
			n++;
			last = pb;
		}
	}
	return n;
}

/* Worked example (README "Starting from a snapshot"): 32 pages, pageblocks
 * of 8, max order 4; buddyinfo 2 1 0 0 1. The order-4 block takes the top
 * two pageblocks (16..31); the order-1 block the lowest slot of pageblock 0;
 * the order-0 blocks are dealt on: pageblock 1 (pfn 8), then back to
 * pageblock 0 at pfn 2 (0 and 1 are taken, 2's buddy 3 is allocated).
 * Packed keeps to pageblock 0: pfn 2, then 4 (3's buddy 2 is free). */
Test(initial, worked_example_spread_and_packed)
{
	static const uint64_t counts[] = { 2, 1, 0, 0, 1 };
	struct fs_procfs_zone z;
	struct fs_procfs_rec r = buddyinfo(&z, counts, 5);
	struct fs_machine *m = machine(32, 4, 3);
	struct fs_err err = { { 0 } };
	struct fs_initial in;

	cr_assert_eq(fs_initial_build(&in, &r, NULL, m, FS_INITIAL_SPREAD, &err), 0, "%s", err.msg);
	cr_assert_eq(fs_initial_install(&in, m, false, 0, &err), 0);
	cr_assert(free_head(m, 16, 4));
	cr_assert(free_head(m, 0, 1));
	cr_assert(free_head(m, 8, 0));
	cr_assert(free_head(m, 2, 0));
	cr_assert_eq(m->zones[0].free_pages, 20);
	cr_assert_eq(partly_free_blocks(&in, m), 2);
	fs_initial_release(&in);
	fs_machine_free(m);

	m = machine(32, 4, 3);
	cr_assert_eq(fs_initial_build(&in, &r, NULL, m, FS_INITIAL_PACKED, &err), 0, "%s", err.msg);
	cr_assert_eq(fs_initial_install(&in, m, false, 0, &err), 0);
	cr_assert(free_head(m, 16, 4));
	cr_assert(free_head(m, 0, 1));
	cr_assert(free_head(m, 2, 0));
	cr_assert(free_head(m, 4, 0));
	cr_assert_eq(partly_free_blocks(&in, m), 1);
	fs_initial_release(&in);
	fs_machine_free(m);
}

/* Random snapshots of a 64 MiB zone: the installed state has exactly the
 * snapshot's counts, no two free buddies (the checker), and the layouts
 * differ as they should: spread touches at least as many pageblocks. */
Test(initial, random_snapshots_exact_and_consistent)
{
	struct tu_rng g;

	tu_rng_seed(&g, 42);
	for (int round = 0; round < 40; round++) {
		uint64_t counts[11] = { 0 }, pages = 16384;
		uint64_t budget = tu_below(&g, pages * 3 / 4);
		struct fs_procfs_zone z;
		struct fs_procfs_rec r;
		unsigned n[2];

		for (unsigned o = 0; o <= 10 && budget; o++) {
			uint64_t k = tu_below(&g, (budget >> o) / 3 + 1);

			counts[o] = k;
			budget -= k << o;
		}
		counts[10] = tu_below(&g, 3);
		r = buddyinfo(&z, counts, 11);
		for (int lay = 0; lay < 2; lay++) {
			struct fs_machine *m = machine(pages, 10, 9);
			struct fs_err err = { { 0 } };
			struct fs_initial in;
			int rc = fs_initial_build(&in, &r, NULL, m, lay ? FS_INITIAL_PACKED : FS_INITIAL_SPREAD, &err);

			cr_assert_eq(rc, 0, "round %d: %s", round, err.msg);
			cr_assert_eq(fs_initial_install(&in, m, false, 0, &err), 0);
			for (unsigned o = 0; o <= 10; o++)
				cr_assert_eq(m->zones[0].nr_free[o], counts[o], "round %d order %u: %llu, want %llu",
					     round, o, (unsigned long long)m->zones[0].nr_free[o],
					     (unsigned long long)counts[o]);
			cr_assert_eq(fs_check_machine(m, &err), 0, "round %d: %s", round, err.msg);
			/* no free buddies at or above pageblock order either */
			for (uint64_t i = 0; i < in.st.nr_blocks; i++) {
				uint64_t pfn = in.st.blocks[i] >> 4;
				unsigned o = in.st.blocks[i] & 15;

				if (o < 10)
					cr_assert(!free_head(m, pfn ^ (1ull << o), o), "round %d: buddies at order %u", round, o);
			}
			n[lay] = partly_free_blocks(&in, m);
			fs_initial_release(&in);
			fs_machine_free(m);
		}
		cr_assert_geq(n[0], n[1], "round %d: spread %u < packed %u pageblocks", round, n[0], n[1]);
	}
}

/* A pagetypeinfo through the parser: types per pageblock and free counts
 * per type land where the snapshot says, a capped count settled by a
 * buddyinfo of the same moment, HighAtomic taken as Movable. */
Test(initial, pagetypeinfo_types_and_capped_counts)
{
	char path[] = "/tmp/fragsim-initial-XXXXXX", bpath[] = "/tmp/fragsim-initialb-XXXXXX";
	int fd = mkstemp(path), bfd = mkstemp(bpath);
	FILE *fp = fdopen(fd, "w"), *bp = fdopen(bfd, "w");
	struct fs_procfs_file f, fb;
	struct fs_machine *m = machine(1024 * 512, 10, 9);   /* 1024 pageblocks */
	struct fs_err err = { { 0 } };
	struct fs_initial in;

	fprintf(fp, "Page block order: 9\nPages per block:  512\n\n"
		"Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 \n"
		"Node    0, zone   Normal, type    Unmovable      3      0      0      0      0      0      0      0      1      0      0 \n"
		"Node    0, zone   Normal, type      Movable >100000      2      0      0      0      0      0      0      0      1      2 \n"
		"Node    0, zone   Normal, type  Reclaimable      0      4      0      0      0      0      0      0      0      0      0 \n"
		"Node    0, zone   Normal, type   HighAtomic      1      0      0      0      0      0      0      0      0      0      0 \n\n"
		"Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic \n"
		"Node 0, zone   Normal            2         1019            2            1 \n");
	fclose(fp);
	/* the capped count (6.1+: counting stops at 100000): 150004 order-0
	 * blocks in all, so Movable has 150000 */
	fprintf(bp, "Node 0, zone   Normal 150004      6      0      0      0      0      0      0      1      1      2 \n");
	fclose(bp);
	cr_assert_eq(fs_procfs_load(&f, path, &err), 0, "%s", err.msg);
	cr_assert_eq(fs_procfs_load(&fb, bpath, &err), 0, "%s", err.msg);
	cr_assert_eq(f.recs[0].kind, FS_PROCFS_PAGETYPEINFO);
	cr_assert_eq(fs_initial_build(&in, &f.recs[0], &fb.recs[0], m, FS_INITIAL_SPREAD, &err), 0, "%s", err.msg);
	cr_assert_eq(fs_initial_install(&in, m, true, FS_MT_MOVABLE, &err), 0);
	cr_assert_eq(in.capped[0], 1);
	cr_assert_eq(in.capped_settled[0], 1);
	cr_assert_eq(in.retyped[0], 1);
	cr_assert_eq(m->zones[0].nr_pageblocks[FS_MT_UNMOVABLE], 2);
	cr_assert_eq(m->zones[0].nr_pageblocks[FS_MT_RECLAIMABLE], 2);
	cr_assert_eq(m->zones[0].nr_pageblocks[FS_MT_MOVABLE], 1020);
	/* runs from the zone start: Unmovable 0-1, Reclaimable 2-3, Movable 4-1023 */
	cr_assert_eq(fs_pb_type(m, 0), FS_MT_UNMOVABLE);
	cr_assert_eq(fs_pb_type(m, 3 * 512), FS_MT_RECLAIMABLE);
	cr_assert_eq(fs_pb_type(m, 1023 * 512), FS_MT_MOVABLE);
	cr_assert_eq(m->zones[0].lists[0][FS_MT_MOVABLE].count, 150001);   /* + the HighAtomic one */
	cr_assert_eq(m->zones[0].lists[0][FS_MT_UNMOVABLE].count, 3);
	cr_assert_eq(m->zones[0].lists[1][FS_MT_RECLAIMABLE].count, 4);
	cr_assert_eq(m->zones[0].lists[8][FS_MT_UNMOVABLE].count, 1);
	cr_assert_eq(m->zones[0].lists[10][FS_MT_MOVABLE].count, 2);
	/* the order-10 blocks at the top of Movable's run */
	cr_assert(free_head(m, 1022 * 512, 10));
	cr_assert(free_head(m, 1020 * 512, 10));
	cr_assert_eq(fs_check_machine(m, &err), 0, "%s", err.msg);
	fs_initial_release(&in);
	fs_procfs_release(&f);
	fs_procfs_release(&fb);
	fs_machine_free(m);
	unlink(path);
	unlink(bpath);
}

/* More free memory than a type's pageblocks hold, a zone the machine
 * lacks, an order above max order: errors that name what is wrong. */
Test(initial, errors_name_zone_type_and_order)
{
	static const uint64_t too_many[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9 };
	static const uint64_t high[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	struct fs_procfs_zone z;
	struct fs_procfs_rec r = buddyinfo(&z, too_many, 11);
	struct fs_machine *m = machine(16 * 512, 10, 9);
	struct fs_err err = { { 0 } };
	struct fs_initial in;

	cr_assert_eq(fs_initial_build(&in, &r, NULL, m, FS_INITIAL_SPREAD, &err), -EINVAL);
	cr_assert(strstr(err.msg, "Normal") && strstr(err.msg, "free pages"), "%s", err.msg);
	r = buddyinfo(&z, high, 12);
	cr_assert_eq(fs_initial_build(&in, &r, NULL, m, FS_INITIAL_SPREAD, &err), -EINVAL);
	cr_assert(strstr(err.msg, "order 11"), "%s", err.msg);
	r = buddyinfo(&z, too_many, 3);
	snprintf(z.name, sizeof(z.name), "DMA32");
	cr_assert_eq(fs_initial_build(&in, &r, NULL, m, FS_INITIAL_SPREAD, &err), -EINVAL);
	cr_assert(strstr(err.msg, "DMA32") && strstr(err.msg, "zoneinfo"), "%s", err.msg);
	/* 7 order-9 blocks need 7 pageblocks whose buddies are not free at
	 * order 9: only 8 of the 16 can be, and small blocks fill the rest */
	{
		static const uint64_t nine[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0 };

		r = buddyinfo(&z, nine, 11);
		cr_assert_eq(fs_initial_build(&in, &r, NULL, m, FS_INITIAL_SPREAD, &err), -EINVAL);
		cr_assert(strstr(err.msg, "order 9") && strstr(err.msg, "do not fit"), "%s", err.msg);
	}
	fs_machine_free(m);
}
