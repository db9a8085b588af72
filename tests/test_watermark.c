/* test_watermark.c - sim/watermark.c against a real machine and on
 * constructed inputs.
 *
 * The real machine: the build VM of ../shared/traces/build (Linux 6.18.44,
 * 2 CPUs, 24 GiB, zones DMA / DMA32 / Normal / Movable / Device,
 * vm.min_free_kbytes=67584, vm.watermark_scale_factor=10,
 * vm.percpu_pagelist_high_fraction=0, THP "madvise"). Its /proc/zoneinfo
 * was read 22 times during the capture (snapshots/snap_zoneinfo.txt.zst);
 * managed pages, watermarks, protection and pageset sizes are the same in
 * all 22. Normal spans 5505024 pages but manages only 753664: the VM boots
 * with deferred_init=lazy and initialises Normal's struct pages on demand,
 * so "managed" is what has been initialised so far; the watermarks were
 * last recomputed at these managed counts (they match exactly). A snapshot
 * taken while managed was still growing would show watermarks computed
 * from an earlier managed count; none of the 22 does.
 *
 * Values that cannot be reproduced from the zone sizes, and why:
 *   - pageset "high" (pcp->high) is auto-tuned at run time in 6.7+
 *     (nr_pcp_high, decay_pcp_high) between high_min and high_max; it is 0
 *     in a pageset never used (per_cpu_pages_init zeroes it; DMA here), and
 *     decays to high_min when idle (DMA32 here). Normal's 41215 / 41230 are
 *     load-dependent; the test checks they lie in [high_min, high_max].
 *   - min_free_kbytes = 67584 is not the kernel's sqrt rule (that gives
 *     9814 KiB on these zones): khugepaged raised it to its recommended
 *     minimum, 512 pages * 3 zones * (2 + 3 * 3) = 16896 pages = 67584 KiB,
 *     which fs_wmark_setup_all reproduces with thp on.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "fragsim.h"
#include "watermark.h"

/* watermark.h numbers migrate types as fragsim.h does */
_Static_assert(FS_WMARK_MT_UNMOVABLE == FS_MT_UNMOVABLE, "migrate type numbering");
_Static_assert(FS_WMARK_MT_MOVABLE == FS_MT_MOVABLE, "migrate type numbering");
_Static_assert(FS_WMARK_MT_RECLAIMABLE == FS_MT_RECLAIMABLE, "migrate type numbering");
_Static_assert(FS_WMARK_MT_HIGHATOMIC == FS_MT_HIGHATOMIC, "migrate type numbering");
_Static_assert(FS_WMARK_MT_CMA == FS_MT_CMA, "migrate type numbering");
_Static_assert(FS_WMARK_NR_TYPES == FS_MT_NR, "migrate type numbering");

/* ---- the build VM, snapshot seq=0 (identical in seq 0..21) ------------------- */

#define VM_NR_ZONES 5
static const char *const vm_names[VM_NR_ZONES] = { "DMA", "DMA32", "Normal", "Movable", "Device" };
static const uint64_t vm_managed[VM_NR_ZONES] = { 3840, 772808, 753664, 0, 0 };
static const struct fs_wmark vm_wm[VM_NR_ZONES] = {
	{ .min = 42, .low = 52, .high = 62, .promo = 72 },
	{ .min = 8532, .low = 10665, .high = 12798, .promo = 14931 },
	{ .min = 8321, .low = 10401, .high = 12481, .promo = 14561 },
	{ .min = 32, .low = 32, .high = 32, .promo = 32 },
	{ .min = 0, .low = 0, .high = 0, .promo = 0 },
};
static const uint64_t vm_protection[VM_NR_ZONES][VM_NR_ZONES] = {
	{ 0, 3018, 5962, 5962, 5962 },
	{ 0, 0, 2944, 2944, 2944 },
	{ 0 }, { 0 }, { 0 },
};
/* pagesets (both CPUs alike): batch, high_min, high_max */
static const uint64_t vm_pcp[3][3] = { { 1, 26, 240 }, { 63, 5332, 48300 }, { 63, 5200, 47104 } };

static void vm_zones(const struct fs_wmark_rules *r, struct fs_wmark_zone *z)
{
	for (unsigned i = 0; i < VM_NR_ZONES; i++) {
		z[i].managed = vm_managed[i];
		z[i].kind = fs_wmark_zone_kind_of(vm_names[i]);
		z[i].reserve_ratio = fs_wmark_default_reserve_ratio(r, vm_names[i]);
	}
}

static const struct fs_wmark_tunables vm_tunables = {
	.min_free_kbytes = 67584,
	.watermark_scale_factor = 10,
	.high_fraction = 0,
	.nr_cpus = 2,
	.thp = true,
	.pageblock_nr_pages = 512,
};

static void assert_wm(const struct fs_wmark *got, const struct fs_wmark *want, const char *zone)
{
	cr_expect_eq(got->min, want->min, "%s min %lu, snapshot %lu", zone, got->min, want->min);
	cr_expect_eq(got->low, want->low, "%s low %lu, snapshot %lu", zone, got->low, want->low);
	cr_expect_eq(got->high, want->high, "%s high %lu, snapshot %lu", zone, got->high, want->high);
	cr_expect_eq(got->promo, want->promo, "%s promo %lu, snapshot %lu", zone, got->promo,
		     want->promo);
}

Test(watermark, vm_watermarks_6_12)
{
	struct fs_wmark_zone z[VM_NR_ZONES];
	struct fs_wmark wm[VM_NR_ZONES];

	vm_zones(&fs_wmark_rules_6_12, z);
	fs_wmark_setup(&fs_wmark_rules_6_12, z, VM_NR_ZONES, 67584, 10, wm);
	for (unsigned i = 0; i < VM_NR_ZONES; i++)
		assert_wm(&wm[i], &vm_wm[i], vm_names[i]);

	/* the arithmetic spelled out for DMA32: pages_min = 67584/4 = 16896;
	 * lowmem = 3840 + 772808 + 753664 (+ Device 0; Movable left out);
	 * min = 16896 * 772808 / 1530312 = 8532; step = max(8532/4 = 2133,
	 * 772808 * 10 / 10000 = 772) */
	cr_assert_eq(16896ull * 772808 / 1530312, 8532);
	/* Movable: managed 0, min clamped to SWAP_CLUSTER_MAX = 32, step 0 */
}

/* 6.1's rule leaves an empty ZONE_MOVABLE at 0 (it is not capped); the
 * populated zones are the same. The snapshot's 32 for Movable is the
 * later rule (not in the 6.1-era tree read, present in 6.5+), one of the
 * ways this 6.18 machine tells the generations apart. */
Test(watermark, vm_watermarks_6_1_movable_not_capped)
{
	struct fs_wmark_zone z[VM_NR_ZONES];
	struct fs_wmark wm[VM_NR_ZONES];
	const struct fs_wmark zero = { 0 };

	vm_zones(&fs_wmark_rules_6_1, z);
	fs_wmark_setup(&fs_wmark_rules_6_1, z, VM_NR_ZONES, 67584, 10, wm);
	for (unsigned i = 0; i < 3; i++)
		assert_wm(&wm[i], &vm_wm[i], vm_names[i]);
	assert_wm(&wm[3], &zero, "Movable (6.1)");
}

Test(watermark, vm_protection)
{
	struct fs_wmark_zone z[VM_NR_ZONES];
	struct fs_wmark_reserve res[VM_NR_ZONES];

	vm_zones(&fs_wmark_rules_6_12, z);
	fs_wmark_lowmem_reserve(&fs_wmark_rules_6_12, z, VM_NR_ZONES, res);
	for (unsigned i = 0; i < VM_NR_ZONES; i++)
		for (unsigned j = 0; j < VM_NR_ZONES; j++)
			cr_expect_eq(res[i].pages[j], vm_protection[i][j],
				     "%s protection[%u] = %lu, snapshot %lu", vm_names[i], j,
				     res[i].pages[j], vm_protection[i][j]);
	/* 772808 / 256 = 3018; (772808 + 753664) / 256 = 5962; 753664 / 256 = 2944 */
}

Test(watermark, vm_pagesets)
{
	for (unsigned i = 0; i < 3; i++) {
		struct fs_pcp_sizes p;

		cr_assert_eq(fs_wmark_pcp_sizes(&fs_wmark_rules_6_12, vm_managed[i], vm_wm[i].low, 2,
						false, 0, &p), 0);
		cr_expect_eq(p.batch, vm_pcp[i][0], "%s batch %lu", vm_names[i], p.batch);
		cr_expect_eq(p.high_min, vm_pcp[i][1], "%s high_min %lu", vm_names[i], p.high_min);
		cr_expect_eq(p.high_max, vm_pcp[i][2], "%s high_max %lu", vm_names[i], p.high_max);
		cr_expect_eq(p.high, p.high_min);
	}
	/* DMA: zone_batchsize(3840) = rounddown_pow_of_two(1) - 1 = 0, so the
	 * pageset gets max(1, 0) = 1; high_min = max(52 / 2, 4 * 1) = 26;
	 * high_max = max(3840 / 8 / 2, 4) = 240 */
	cr_assert_eq(fs_wmark_zone_batchsize(&fs_wmark_rules_6_12, 3840), 0);
}

Test(watermark, vm_setup_all_with_thp_min_free_kbytes)
{
	struct fs_wmark_zone z[VM_NR_ZONES];
	struct fs_wmark_zone_setup out[VM_NR_ZONES];
	struct fs_wmark_tunables t = vm_tunables;

	vm_zones(&fs_wmark_rules_6_12, z);
	t.min_free_kbytes = 0;   /* computed: sqrt rule, then khugepaged's raise */
	cr_assert_eq(fs_wmark_setup_all(&fs_wmark_rules_6_12, z, VM_NR_ZONES, &t, out), 67584);
	for (unsigned i = 0; i < VM_NR_ZONES; i++) {
		assert_wm(&out[i].wm, &vm_wm[i], vm_names[i]);
		for (unsigned j = 0; j < VM_NR_ZONES; j++)
			cr_expect_eq(out[i].reserve.pages[j], vm_protection[i][j]);
	}
	for (unsigned i = 0; i < 3; i++) {
		cr_expect_eq(out[i].pcp.batch, vm_pcp[i][0]);
		cr_expect_eq(out[i].pcp.high_min, vm_pcp[i][1]);
		cr_expect_eq(out[i].pcp.high_max, vm_pcp[i][2]);
	}
	cr_expect_eq(out[3].pcp.batch, 0, "Movable is unpopulated: no pageset sized");

	/* without THP the kernel's own rule: lowmem = 1530312 pages before the
	 * watermarks exist, int_sqrt(1530312 * 4 * 16) = 9896 KiB */
	t.thp = false;
	cr_assert_eq(fs_wmark_setup_all(&fs_wmark_rules_6_12, z, VM_NR_ZONES, &t, out), 9896);

	/* given explicitly, min_free_kbytes is used as is */
	t = vm_tunables;
	cr_assert_eq(fs_wmark_setup_all(&fs_wmark_rules_6_12, z, VM_NR_ZONES, &t, out), 67584);
}

Test(watermark, thp_recommended_min_free_kbytes)
{
	struct fs_wmark_zone z[VM_NR_ZONES];
	struct fs_wmark_zone_setup out[VM_NR_ZONES];
	struct fs_wmark wm[VM_NR_ZONES];

	vm_zones(&fs_wmark_rules_6_12, z);
	fs_wmark_setup_all(&fs_wmark_rules_6_12, z, VM_NR_ZONES, &vm_tunables, out);
	for (unsigned i = 0; i < VM_NR_ZONES; i++)
		wm[i] = out[i].wm;
	/* nr_free_buffer_pages = (3840-62) + (772808-12798) + (753664-12481) */
	cr_assert_eq(fs_wmark_nr_free_buffer_pages(z, wm, VM_NR_ZONES), 1504971);
	cr_assert_eq(fs_wmark_nr_free_buffer_pages(z, NULL, VM_NR_ZONES), 1530312);
	cr_assert_eq(fs_wmark_thp_min_free_kbytes(3, 512, 1504971), 67584);
	/* the 5% cap: 100000 free buffer pages allow 5000 pages */
	cr_assert_eq(fs_wmark_thp_min_free_kbytes(3, 512, 100000), 5000 * 4);
	/* the kernel's sqrt at this moment (after the watermarks): 9814 KiB */
	cr_assert_eq(fs_wmark_calculate_min_free_kbytes(&fs_wmark_rules_6_12, 1504971ull * 4), 9814);
}

/* ---- every snapshot in the shared trace, read from the file --------------------- */

#define SNAP_PATH "../shared/traces/build/snapshots/snap_zoneinfo.txt.zst"

/* The whole file decompressed (it was written with zstd --long=27), or NULL. */
static char *read_zst(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	ZSTD_DCtx *dctx;
	char *out = NULL;
	size_t cap = 0, n = 0;
	char in[16384];
	size_t got;
	bool ok = true;

	if (!fp)
		return NULL;
	dctx = ZSTD_createDCtx();
	ZSTD_DCtx_setParameter(dctx, ZSTD_d_windowLogMax, 27);
	while (ok && (got = fread(in, 1, sizeof(in), fp)) > 0) {
		ZSTD_inBuffer ib = { in, got, 0 };

		while (ib.pos < ib.size) {
			if (cap - n < 65536) {
				cap = cap ? cap * 2 : 1 << 20;
				out = realloc(out, cap + 1);
			}
			ZSTD_outBuffer ob = { out + n, cap - n, 0 };
			size_t rc = ZSTD_decompressStream(dctx, &ob, &ib);

			n += ob.pos;
			if (ZSTD_isError(rc)) {
				ok = false;
				break;
			}
		}
	}
	ZSTD_freeDCtx(dctx);
	fclose(fp);
	if (!ok || !out) {
		free(out);
		return NULL;
	}
	out[n] = '\0';
	*len = n;
	return out;
}

struct snap_zone {
	char name[16];
	uint64_t managed;
	struct fs_wmark wm;
	uint64_t protection[FS_WMARK_MAX_ZONES];
	unsigned nr_protection;
	unsigned nr_cpus;
	uint64_t high[4], batch[4], high_min[4], high_max[4];   /* per CPU */
};

/* Parse one zoneinfo record (up to the next "###" line) into zones. */
static unsigned parse_zoneinfo(char **cursor, struct snap_zone *zones)
{
	unsigned nz = 0;
	struct snap_zone *z = NULL;
	char *line = *cursor;

	while (line && *line) {
		char *next = strchr(line, '\n');
		unsigned long v;
		char name[16];

		if (next)
			*next++ = '\0';
		if (!strncmp(line, "###", 3) && nz) {
			if (next)
				next[-1] = '\n';  /* leave the header for the next record */
			*cursor = line;
			return nz;
		}
		if (sscanf(line, "Node 0, zone %15s", name) == 1 && nz < FS_WMARK_MAX_ZONES) {
			z = &zones[nz++];
			memset(z, 0, sizeof(*z));
			strcpy(z->name, name);
		} else if (z) {
			char *p;

			if (sscanf(line, " min %lu", &v) == 1)
				z->wm.min = v;
			else if (sscanf(line, " low %lu", &v) == 1)
				z->wm.low = v;
			else if (sscanf(line, " high %lu", &v) == 1)
				z->wm.high = v;
			else if (sscanf(line, " promo %lu", &v) == 1)
				z->wm.promo = v;
			else if (sscanf(line, " managed %lu", &v) == 1)
				z->managed = v;
			else if ((p = strstr(line, "protection: ("))) {
				p += strlen("protection: (");
				while (z->nr_protection < FS_WMARK_MAX_ZONES && *p && *p != ')') {
					z->protection[z->nr_protection++] = strtoull(p, &p, 10);
					while (*p == ',' || *p == ' ')
						p++;
				}
			} else if (sscanf(line, " cpu: %lu", &v) == 1 && v < 4) {
				z->nr_cpus = (unsigned)v + 1;
			} else if (z->nr_cpus && sscanf(line, " high: %lu", &v) == 1)
				z->high[z->nr_cpus - 1] = v;
			else if (z->nr_cpus && sscanf(line, " batch: %lu", &v) == 1)
				z->batch[z->nr_cpus - 1] = v;
			else if (z->nr_cpus && sscanf(line, " high_min: %lu", &v) == 1)
				z->high_min[z->nr_cpus - 1] = v;
			else if (z->nr_cpus && sscanf(line, " high_max: %lu", &v) == 1)
				z->high_max[z->nr_cpus - 1] = v;
		}
		line = next;
	}
	*cursor = NULL;
	return nz;
}

Test(watermark, every_snapshot_of_the_build_trace)
{
	size_t len;
	char *text = read_zst(SNAP_PATH, &len);
	char *cursor;
	unsigned records = 0;

	if (!text)
		cr_skip_test("%s not readable (run from the repository with shared/ beside it)",
			     SNAP_PATH);
	cursor = strstr(text, "### capture_snap");
	while (cursor) {
		struct snap_zone sz[FS_WMARK_MAX_ZONES];
		struct fs_wmark_zone z[FS_WMARK_MAX_ZONES];
		struct fs_wmark_zone_setup out[FS_WMARK_MAX_ZONES];
		char *nl = strchr(cursor, '\n');
		unsigned nz;

		cursor = nl ? nl + 1 : NULL;          /* past the header */
		nz = parse_zoneinfo(&cursor, sz);
		cr_assert_eq(nz, 5, "snapshot %u: %u zones", records, nz);
		for (unsigned i = 0; i < nz; i++) {
			z[i].managed = sz[i].managed;
			z[i].kind = fs_wmark_zone_kind_of(sz[i].name);
			z[i].reserve_ratio = fs_wmark_default_reserve_ratio(&fs_wmark_rules_6_12,
									  sz[i].name);
		}
		cr_assert_eq(fs_wmark_setup_all(&fs_wmark_rules_6_12, z, nz, &vm_tunables, out), 67584);
		for (unsigned i = 0; i < nz; i++) {
			const struct snap_zone *s = &sz[i];

			assert_wm(&out[i].wm, &s->wm, s->name);
			cr_expect_eq(s->nr_protection, nz);
			for (unsigned j = 0; j < s->nr_protection; j++)
				cr_expect_eq(out[i].reserve.pages[j], s->protection[j],
					     "snapshot %u %s protection[%u]", records, s->name, j);
			for (unsigned c = 0; c < s->nr_cpus; c++) {
				cr_expect_eq(out[i].pcp.batch, s->batch[c], "%s cpu%u batch", s->name, c);
				cr_expect_eq(out[i].pcp.high_min, s->high_min[c]);
				cr_expect_eq(out[i].pcp.high_max, s->high_max[c]);
				/* pcp->high: 0 while the pageset is unused, else auto-tuned
				 * within [high_min, high_max] */
				cr_expect(s->high[c] == 0 ||
					  (s->high[c] >= s->high_min[c] && s->high[c] <= s->high_max[c]),
					  "%s cpu%u high %lu", s->name, c, s->high[c]);
			}
		}
		records++;
	}
	cr_expect_eq(records, 22);
	free(text);
}

/* ---- rules of other generations ---------------------------------------------------- */

/* 3.10: low = min + min/4, high = min + min/2, no promo; batch capped at
 * 512 KiB (31); high = 6 * batch. The VM's zones under 3.10 rules. */
Test(watermark, rules_3_10)
{
	struct fs_wmark_zone z[VM_NR_ZONES];
	struct fs_wmark wm[VM_NR_ZONES];
	struct fs_pcp_sizes p;

	vm_zones(&fs_wmark_rules_3_10, z);
	fs_wmark_setup(&fs_wmark_rules_3_10, z, VM_NR_ZONES, 67584, 10, wm);
	cr_assert_eq(wm[1].min, 8532);
	cr_assert_eq(wm[1].low, 8532 + 2133);
	cr_assert_eq(wm[1].high, 8532 + 4266);
	cr_assert_eq(wm[1].promo, wm[1].high);
	/* an empty Movable zone is lowmem to 3.10: all 0 */
	cr_assert_eq(wm[3].min, 0);

	cr_assert_eq(fs_wmark_zone_batchsize(&fs_wmark_rules_3_10, 772808), 31);
	cr_assert_eq(fs_wmark_pcp_sizes(&fs_wmark_rules_3_10, 772808, 0, 2, false, 0, &p), 0);
	cr_assert_eq(p.batch, 31);
	cr_assert_eq(p.high, 186);
	/* a tiny zone: raw batch 0 gives high 0 and batch 1 */
	cr_assert_eq(fs_wmark_pcp_sizes(&fs_wmark_rules_3_10, 3840, 0, 2, false, 0, &p), 0);
	cr_assert_eq(p.batch, 1);
	cr_assert_eq(p.high, 0);
	/* percpu_pagelist_fraction = 8: high = managed / 8, batch = min(high/4, 96) */
	cr_assert_eq(fs_wmark_pcp_sizes(&fs_wmark_rules_3_10, 772808, 0, 2, false, 8, &p), 0);
	cr_assert_eq(p.high, 96601);
	cr_assert_eq(p.batch, 96);
	cr_assert_eq(fs_wmark_pcp_sizes(&fs_wmark_rules_3_10, 800, 0, 2, false, 8, &p), 0);
	cr_assert_eq(p.high, 100);
	cr_assert_eq(p.batch, 25);

	/* min_free_kbytes clamp: 65536 in 3.10, 262144 in 6.x */
	cr_assert_eq(fs_wmark_calculate_min_free_kbytes(&fs_wmark_rules_3_10, 1ull << 40), 65536);
	cr_assert_eq(fs_wmark_calculate_min_free_kbytes(&fs_wmark_rules_6_12, 1ull << 40), 262144);
	cr_assert_eq(fs_wmark_calculate_min_free_kbytes(&fs_wmark_rules_6_12, 100), 128);
	/* 4 GiB of lowmem: sqrt(4194304 * 16) = 8192 (the kernel's table) */
	cr_assert_eq(fs_wmark_calculate_min_free_kbytes(&fs_wmark_rules_6_12, 4194304), 8192);
	cr_assert_eq(fs_wmark_calculate_min_free_kbytes(&fs_wmark_rules_6_12, 16384ull * 1024), 16384);
}

/* Highmem (and Movable with the post-6.1 rule): min = clamp(managed/1024, 32,
 * 128), out of the lowmem sum; the steps still from the share. */
Test(watermark, highmem_and_movable_caps)
{
	const struct fs_wmark_zone z[3] = {
		{ .managed = 200000, .kind = FS_WZ_LOWMEM },
		{ .managed = 1000000, .kind = FS_WZ_HIGHMEM },
		{ .managed = 10000, .kind = FS_WZ_MOVABLE },
	};
	struct fs_wmark wm[3];

	fs_wmark_setup(&fs_wmark_rules_6_12, z, 3, 4096, 10, wm);
	/* pages_min 1024, lowmem 200000: the lowmem zone takes all of it */
	cr_assert_eq(wm[0].min, 1024);
	cr_assert_eq(wm[0].low, 1024 + 256);
	cr_assert_eq(wm[1].min, 128);                      /* 1000000/1024 = 976, capped */
	/* share 1024 * 1000000 / 200000 = 5120, step max(1280, 1000) */
	cr_assert_eq(wm[1].low, 128 + 1280);
	cr_assert_eq(wm[1].high, 128 + 2560);
	cr_assert_eq(wm[2].min, 32);                       /* 10000/1024 = 9, floor 32 */
	/* share 1024 * 10000 / 200000 = 51, step max(51/4 = 12, 10) */
	cr_assert_eq(wm[2].low, 32 + 12);
	cr_assert_eq(wm[2].promo, 32 + 36);

	/* 6.1: Movable is lowmem, so the lowmem sum is 210000 and it gets a share */
	fs_wmark_setup(&fs_wmark_rules_6_1, z, 3, 4096, 10, wm);
	cr_assert_eq(wm[0].min, 1024ull * 200000 / 210000);
	cr_assert_eq(wm[2].min, 1024ull * 10000 / 210000);
}

Test(watermark, lowmem_reserve_rules)
{
	struct fs_wmark_zone z[4] = {
		{ .managed = 4000, .reserve_ratio = 256 },
		{ .managed = 0, .reserve_ratio = 256 },
		{ .managed = 100000, .reserve_ratio = 0 },
		{ .managed = 51200, .kind = FS_WZ_MOVABLE, .reserve_ratio = 0 },
	};
	struct fs_wmark_reserve res[4];

	/* 6.x: an empty zone and a ratio of 0 reserve nothing */
	fs_wmark_lowmem_reserve(&fs_wmark_rules_6_12, z, 4, res);
	cr_assert_eq(res[0].pages[0], 0);
	cr_assert_eq(res[0].pages[1], 0);
	cr_assert_eq(res[0].pages[2], 100000 / 256);
	cr_assert_eq(res[0].pages[3], 151200 / 256);
	cr_assert_eq(res[1].pages[2], 0);                  /* empty */
	cr_assert_eq(res[1].pages[3], 0);
	cr_assert_eq(res[2].pages[3], 0);                  /* ratio 0 */
	cr_assert_eq(res[3].pages[3], 0);

	/* 3.10: no clearing; a ratio of 0 counts as 1 */
	fs_wmark_lowmem_reserve(&fs_wmark_rules_3_10, z, 4, res);
	cr_assert_eq(res[1].pages[2], 100000 / 256);
	cr_assert_eq(res[2].pages[3], 51200);
	cr_assert_eq(res[0].pages[3], 151200 / 256);
}

Test(watermark, pcp_sizes_fraction_and_errors)
{
	struct fs_pcp_sizes p;

	/* 6.12 with a fraction: auto-tuning off, high_min = high_max */
	cr_assert_eq(fs_wmark_pcp_sizes(&fs_wmark_rules_6_12, 753664, 10401, 2, false, 16, &p), 0);
	cr_assert_eq(p.high, 753664 / 16 / 2);
	cr_assert_eq(p.high_min, p.high);
	cr_assert_eq(p.high_max, p.high);
	cr_assert_eq(fs_wmark_pcp_sizes(&fs_wmark_rules_6_12, 753664, 10401, 2, false, 7, &p),
		     -EINVAL);
	/* 6.1: high from the low watermark, one value */
	cr_assert_eq(fs_wmark_pcp_sizes(&fs_wmark_rules_6_1, 753664, 10401, 2, false, 0, &p), 0);
	cr_assert_eq(p.high, 5200);
	cr_assert_eq(p.high_max, 5200);
	/* a CPU coming online splits three ways */
	cr_assert_eq(fs_wmark_pcp_sizes(&fs_wmark_rules_6_1, 753664, 10401, 2, true, 0, &p), 0);
	cr_assert_eq(p.high, 3467);
	/* no CPUs counted: as one */
	cr_assert_eq(fs_wmark_zone_highsize(753664, 10401, 63, 0, false, 0), 10401);
	/* at least 4 * batch */
	cr_assert_eq(fs_wmark_zone_highsize(753664, 100, 63, 2, false, 0), 252);
	/* batch sizes: 1 GiB and up 63; 256 MiB: 65536 >> 10 = 64, /4 = 16,
	 * 16 + 8 = 24 -> 16 - 1 = 15 */
	cr_assert_eq(fs_wmark_zone_batchsize(&fs_wmark_rules_6_12, 262144), 63);
	cr_assert_eq(fs_wmark_zone_batchsize(&fs_wmark_rules_6_12, 65536), 15);
	cr_assert_eq(fs_wmark_zone_batchsize(&fs_wmark_rules_6_12, 0), 0);
}

Test(watermark, helpers)
{
	cr_assert_eq(fs_wmark_int_sqrt(0), 0);
	cr_assert_eq(fs_wmark_int_sqrt(1), 1);
	cr_assert_eq(fs_wmark_int_sqrt(3), 1);
	cr_assert_eq(fs_wmark_int_sqrt(4), 2);
	cr_assert_eq(fs_wmark_int_sqrt(97939968), 9896);
	cr_assert_eq(fs_wmark_int_sqrt(UINT64_MAX), 4294967295ull);
	for (uint64_t x = 0; x < 100000; x += 7) {
		uint64_t s = fs_wmark_int_sqrt(x);

		cr_assert(s * s <= x && (s + 1) * (s + 1) > x, "int_sqrt(%lu) = %lu", x, s);
	}
	/* mult_frac is floor(x * n / d) without the overflow */
	cr_assert_eq(fs_wmark_mult_frac(772808, 10, 10000), 772);
	cr_assert_eq(fs_wmark_mult_frac(12481, 15000, 10000), 18721);
	cr_assert_eq(fs_wmark_mult_frac(UINT64_MAX / 2, 4, 8), UINT64_MAX / 4);
	for (uint64_t x = 0; x < 30000; x += 13)
		cr_assert_eq(fs_wmark_mult_frac(x, 15000, 10000), x * 15000 / 10000);

	const struct fs_wmark wm = { 1, 2, 3, 4 };

	cr_assert_eq(fs_wmark_get(&wm, FS_WMARK_MIN, 10), 11);
	cr_assert_eq(fs_wmark_get(&wm, FS_WMARK_LOW, 10), 12);
	cr_assert_eq(fs_wmark_get(&wm, FS_WMARK_HIGH, 0), 3);
	cr_assert_eq(fs_wmark_get(&wm, FS_WMARK_PROMO, 1), 5);
	cr_assert_eq(fs_wmark_zone_kind_of("HighMem"), FS_WZ_HIGHMEM);
	cr_assert_eq(fs_wmark_zone_kind_of("Device"), FS_WZ_LOWMEM);
	cr_assert_eq(fs_wmark_default_reserve_ratio(&fs_wmark_rules_3_10, "HighMem"), 32);
	cr_assert_eq(fs_wmark_default_reserve_ratio(&fs_wmark_rules_6_12, "Movable"), 0);
}

/* ---- the watermark test on constructed zones ---------------------------------------- */

#define MAXO 10

/* a zone with free blocks [order][type] and the rest of the check */
struct wz {
	uint64_t nr_free[MAXO + 1][FS_WMARK_NR_TYPES];
	struct fs_wmark_check c;
};

static void wz_init(struct wz *w, unsigned order, uint64_t mark, int64_t free_pages)
{
	memset(w, 0, sizeof(*w));
	w->c.order = order;
	w->c.mark = mark;
	w->c.free_pages = free_pages;
	w->c.nr_free = (const uint64_t (*)[FS_WMARK_NR_TYPES])w->nr_free;
	w->c.max_order = MAXO;
}

/* free <= min + reserve fails; one page more passes (all forms, order 0) */
Test(watermark, order0_boundary_and_reserve)
{
	struct wz w;

	wz_init(&w, 0, 1000, 1000);
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	cr_assert_not(fs_wmark_ok_6_1(&w.c));
	cr_assert_not(fs_wmark_ok_3_10(&w.c));
	w.c.free_pages = 1001;
	cr_assert(fs_wmark_ok_6_12(&w.c));
	cr_assert(fs_wmark_ok_6_1(&w.c));
	cr_assert(fs_wmark_ok_3_10(&w.c));

	w.c.lowmem_reserve = 500;
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	cr_assert_not(fs_wmark_ok_6_1(&w.c));
	cr_assert_not(fs_wmark_ok_3_10(&w.c));
	w.c.free_pages = 1501;
	cr_assert(fs_wmark_ok_6_12(&w.c));
	cr_assert(fs_wmark_ok_3_10(&w.c));

	/* free_pages may be negative */
	w.c.free_pages = -5;
	w.c.mark = 0;
	w.c.lowmem_reserve = 0;
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
}

/* The min reductions. mark = 1000:
 *   6.12: HIGH 500, HIGH|HARDER 375, HARDER alone 1000, OOM 500,
 *         HIGH|HARDER|OOM 188, HIGHATOMIC alone 1000
 *   6.1:  HIGH 500, HARDER 750, HIGH|HARDER 375, OOM 500, HIGH|OOM 250
 *   3.10: HIGH 500, HARDER 750, both 375 */
static int64_t min_seen(bool (*ok)(const struct fs_wmark_check *), unsigned flags)
{
	struct wz w;

	wz_init(&w, 0, 1000, 0);
	w.c.alloc_flags = flags;
	for (int64_t f = 0; f <= 2000; f++) {
		w.c.free_pages = f;
		if (ok(&w.c))
			return f - 1;      /* passes at min + 1 */
	}
	return -1;
}

Test(watermark, min_reductions_6_12)
{
	cr_assert_eq(min_seen(fs_wmark_ok_6_12, 0), 1000);
	cr_assert_eq(min_seen(fs_wmark_ok_6_12, FS_ALLOC_HIGH), 500);
	cr_assert_eq(min_seen(fs_wmark_ok_6_12, FS_ALLOC_HIGH | FS_ALLOC_HARDER), 375);
	cr_assert_eq(min_seen(fs_wmark_ok_6_12, FS_ALLOC_HARDER), 1000,
		     "GFP_NOWAIT without __GFP_HIGH gets nothing below min");
	cr_assert_eq(min_seen(fs_wmark_ok_6_12, FS_ALLOC_OOM), 500);
	cr_assert_eq(min_seen(fs_wmark_ok_6_12, FS_ALLOC_HIGH | FS_ALLOC_HARDER | FS_ALLOC_OOM), 188);
	cr_assert_eq(min_seen(fs_wmark_ok_6_12, FS_ALLOC_HIGHATOMIC), 1000);
	cr_assert_eq(min_seen(fs_wmark_ok_6_12, FS_ALLOC_CMA), 1000);
}

Test(watermark, min_reductions_6_1)
{
	cr_assert_eq(min_seen(fs_wmark_ok_6_1, 0), 1000);
	cr_assert_eq(min_seen(fs_wmark_ok_6_1, FS_ALLOC_HIGH), 500);
	cr_assert_eq(min_seen(fs_wmark_ok_6_1, FS_ALLOC_HARDER), 750);
	cr_assert_eq(min_seen(fs_wmark_ok_6_1, FS_ALLOC_HIGH | FS_ALLOC_HARDER), 375);
	cr_assert_eq(min_seen(fs_wmark_ok_6_1, FS_ALLOC_OOM), 500);
	cr_assert_eq(min_seen(fs_wmark_ok_6_1, FS_ALLOC_HIGH | FS_ALLOC_OOM), 250);
	cr_assert_eq(min_seen(fs_wmark_ok_6_1, FS_ALLOC_HARDER | FS_ALLOC_OOM), 500,
		     "OOM replaces the ALLOC_HARDER quarter");
}

Test(watermark, min_reductions_3_10)
{
	cr_assert_eq(min_seen(fs_wmark_ok_3_10, 0), 1000);
	cr_assert_eq(min_seen(fs_wmark_ok_3_10, FS_ALLOC_HIGH), 500);
	cr_assert_eq(min_seen(fs_wmark_ok_3_10, FS_ALLOC_HARDER), 750);
	cr_assert_eq(min_seen(fs_wmark_ok_3_10, FS_ALLOC_HIGH | FS_ALLOC_HARDER), 375);
	cr_assert_eq(min_seen(fs_wmark_ok_3_10, FS_ALLOC_OOM), 1000);
}

/* Unusable free pages: 2^order - 1, the highatomic reserve (non-reserve
 * callers), free CMA (non-CMA callers). */
Test(watermark, unusable_free)
{
	struct wz w;

	/* order 2 with a suitable block: free must exceed mark + 3 */
	wz_init(&w, 2, 100, 103);
	w.nr_free[5][FS_WMARK_MT_MOVABLE] = 1;
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	w.c.free_pages = 104;
	cr_assert(fs_wmark_ok_6_12(&w.c));
	cr_assert(fs_wmark_ok_6_1(&w.c));

	/* highatomic: 50 pages out of reach of normal callers */
	w.c.highatomic = 50;
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	cr_assert_not(fs_wmark_ok_6_1(&w.c));
	w.c.free_pages = 154;
	cr_assert(fs_wmark_ok_6_12(&w.c));
	w.c.free_pages = 104;
	/* 6.12: any ALLOC_RESERVES bit exempts (HIGHATOMIC reduces no min);
	 * 6.1 knows no ALLOC_HIGHATOMIC: 104 - 53 = 51 <= 100 */
	w.c.alloc_flags = FS_ALLOC_HIGHATOMIC;
	cr_assert(fs_wmark_ok_6_12(&w.c));
	cr_assert_not(fs_wmark_ok_6_1(&w.c));
	/* __GFP_HIGH, free 103: 6.12 100 > 50; 6.1 still subtracts the
	 * reserve: 103 - 53 = 50 <= 50 */
	w.c.free_pages = 103;
	w.c.alloc_flags = FS_ALLOC_HIGH;
	cr_assert(fs_wmark_ok_6_12(&w.c));
	cr_assert_not(fs_wmark_ok_6_1(&w.c));
	/* ALLOC_HARDER: 6.1 exempts it, 101 > 75 */
	w.c.free_pages = 104;
	w.c.alloc_flags = FS_ALLOC_HARDER;
	cr_assert(fs_wmark_ok_6_1(&w.c));
	/* 6.12: NON_BLOCK is a reserve bit, exempt but min stays 100 */
	cr_assert(fs_wmark_ok_6_12(&w.c));
	w.c.alloc_flags = 0;
	w.c.highatomic = 0;

	/* CMA: 30 free CMA pages count only for CMA callers */
	w.c.free_cma = 30;
	w.c.free_pages = 120;
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	cr_assert_not(fs_wmark_ok_6_1(&w.c));
	w.c.alloc_flags = FS_ALLOC_CMA;
	cr_assert(fs_wmark_ok_6_12(&w.c));
	cr_assert(fs_wmark_ok_6_1(&w.c));
	/* 3.10 subtracts free CMA in the first check only */
	w.c.order = 0;
	w.c.alloc_flags = 0;
	cr_assert_not(fs_wmark_ok_3_10(&w.c));
	w.c.alloc_flags = FS_ALLOC_CMA;
	cr_assert(fs_wmark_ok_3_10(&w.c));
}

/* 4.4+ high orders: enough free pages are not enough, a block of at
 * least the order must sit on a list the caller may use. */
Test(watermark, high_order_needs_a_suitable_block)
{
	struct wz w;

	wz_init(&w, 3, 100, 100000);
	w.nr_free[0][FS_WMARK_MT_MOVABLE] = 100000;          /* all order 0 */
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	cr_assert_not(fs_wmark_ok_6_1(&w.c));
	w.nr_free[2][FS_WMARK_MT_UNMOVABLE] = 1;              /* below the order */
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	w.nr_free[MAXO][FS_WMARK_MT_RECLAIMABLE] = 1;         /* the top order counts */
	cr_assert(fs_wmark_ok_6_12(&w.c));
	cr_assert(fs_wmark_ok_6_1(&w.c));
	w.nr_free[MAXO][FS_WMARK_MT_RECLAIMABLE] = 0;
	w.nr_free[3][FS_WMARK_MT_UNMOVABLE] = 1;              /* exactly the order */
	cr_assert(fs_wmark_ok_6_12(&w.c));
	w.nr_free[3][FS_WMARK_MT_UNMOVABLE] = 0;

	/* only a CMA block: with ALLOC_CMA */
	w.nr_free[4][FS_WMARK_MT_CMA] = 1;
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	w.c.alloc_flags = FS_ALLOC_CMA;
	cr_assert(fs_wmark_ok_6_12(&w.c));
	cr_assert(fs_wmark_ok_6_1(&w.c));
	w.nr_free[4][FS_WMARK_MT_CMA] = 0;

	/* only a HIGHATOMIC block: 6.12 with HIGHATOMIC or OOM, 6.1 with
	 * HARDER or OOM */
	w.nr_free[6][FS_WMARK_MT_HIGHATOMIC] = 1;
	w.c.alloc_flags = 0;
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	cr_assert_not(fs_wmark_ok_6_1(&w.c));
	w.c.alloc_flags = FS_ALLOC_HIGHATOMIC;
	cr_assert(fs_wmark_ok_6_12(&w.c));
	cr_assert_not(fs_wmark_ok_6_1(&w.c));
	w.c.alloc_flags = FS_ALLOC_OOM;
	cr_assert(fs_wmark_ok_6_12(&w.c));
	cr_assert(fs_wmark_ok_6_1(&w.c));
	w.c.alloc_flags = FS_ALLOC_HARDER;
	cr_assert_not(fs_wmark_ok_6_12(&w.c), "6.12: NON_BLOCK alone may not use HIGHATOMIC");
	cr_assert(fs_wmark_ok_6_1(&w.c));
	w.nr_free[6][FS_WMARK_MT_HIGHATOMIC] = 0;

	/* ISOLATE blocks never count */
	w.nr_free[7][FS_WMARK_MT_ISOLATE] = 1;
	w.c.alloc_flags = FS_ALLOC_HIGH | FS_ALLOC_HARDER | FS_ALLOC_OOM | FS_ALLOC_CMA |
			  FS_ALLOC_HIGHATOMIC;
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	cr_assert_not(fs_wmark_ok_6_1(&w.c));

	/* the order-0 check still comes first */
	w.nr_free[5][FS_WMARK_MT_MOVABLE] = 1;
	w.c.alloc_flags = 0;
	w.c.free_pages = 107;
	cr_assert_not(fs_wmark_ok_6_12(&w.c));
	w.c.free_pages = 108;
	cr_assert(fs_wmark_ok_6_12(&w.c));
}

/* 3.10: each order below the request removes its pages and halves min. */
Test(watermark, order_loop_3_10)
{
	struct wz w;

	/* order 2, mark 64: free 200 - 3 = 197 > 64;
	 * o=0: 197 - 100 = 97 > 32; o=1: 97 - 2*20 = 57 > 16: ok */
	wz_init(&w, 2, 64, 200);
	w.nr_free[0][FS_WMARK_MT_MOVABLE] = 100;
	w.nr_free[1][FS_WMARK_MT_UNMOVABLE] = 20;
	w.nr_free[2][FS_WMARK_MT_MOVABLE] = 15;
	cr_assert(fs_wmark_ok_3_10(&w.c));
	/* 45 order-1 blocks: 97 - 90 = 7 <= 16 fails */
	w.nr_free[1][FS_WMARK_MT_UNMOVABLE] = 45;
	cr_assert_not(fs_wmark_ok_3_10(&w.c));
	/* blocks of every type count (the loop reads free_area[o].nr_free) */
	w.nr_free[1][FS_WMARK_MT_UNMOVABLE] = 20;
	w.nr_free[0][FS_WMARK_MT_ISOLATE] = 50;
	cr_assert_not(fs_wmark_ok_3_10(&w.c));   /* 197 - 150 = 47 > 32; 47 - 40 = 7 <= 16 */
	/* the 3.10 form does not look for a suitable block: a zone of order-0
	 * pages only passes an order-1 request if enough is left */
	wz_init(&w, 1, 10, 1000);
	w.nr_free[0][FS_WMARK_MT_MOVABLE] = 900;
	cr_assert(fs_wmark_ok_3_10(&w.c));       /* 999 - 900 = 99 > 5 */
	cr_assert_not(fs_wmark_ok_6_12(&w.c));   /* no block of order >= 1 */
}

Test(watermark, dispatch_by_rules)
{
	struct wz w;

	wz_init(&w, 1, 10, 1000);
	w.nr_free[0][FS_WMARK_MT_MOVABLE] = 900;
	cr_assert(fs_wmark_ok(&fs_wmark_rules_3_10, &w.c));
	cr_assert_not(fs_wmark_ok(&fs_wmark_rules_6_1, &w.c));
	cr_assert_not(fs_wmark_ok(&fs_wmark_rules_6_12, &w.c));

	wz_init(&w, 0, 1000, 800);
	w.c.alloc_flags = FS_ALLOC_HARDER;
	cr_assert(fs_wmark_ok(&fs_wmark_rules_6_1, &w.c));     /* min 750 */
	cr_assert_not(fs_wmark_ok(&fs_wmark_rules_6_12, &w.c)); /* min 1000 */
}

/* ---- boost_watermark ------------------------------------------------------------------ */

Test(watermark, boost_arithmetic)
{
	/* the VM's Normal zone: high 12481, factor 15000: max boost
	 * mult_frac(12481, 15000, 10000) = 18721 */
	struct fs_wmark_boost b = fs_wmark_boost(0, 12481, 753664, 512, 15000);

	cr_assert(b.boosted);
	cr_assert_eq(b.boost, 512);
	b = fs_wmark_boost(b.boost, 12481, 753664, 512, 15000);
	cr_assert_eq(b.boost, 1024);
	b = fs_wmark_boost(18500, 12481, 753664, 512, 15000);
	cr_assert(b.boosted);
	cr_assert_eq(b.boost, 18721, "capped at high * factor / 10000");
	b = fs_wmark_boost(18721, 12481, 753664, 512, 15000);
	cr_assert(b.boosted);
	cr_assert_eq(b.boost, 18721);

	/* a small high: the cap is at least one pageblock */
	b = fs_wmark_boost(0, 100, 4096, 512, 15000);
	cr_assert(b.boosted);
	cr_assert_eq(b.boost, 512);
	b = fs_wmark_boost(b.boost, 100, 4096, 512, 15000);
	cr_assert_eq(b.boost, 512);
}

Test(watermark, boost_skips)
{
	struct fs_wmark_boost b;

	/* factor 0: disabled (and every pre-5.0 generation) */
	b = fs_wmark_boost(7, 12481, 753664, 512, 0);
	cr_assert_not(b.boosted);
	cr_assert_eq(b.boost, 7);
	cr_assert_eq(fs_wmark_rules_3_10.boost_factor_default, 0);
	cr_assert_eq(fs_wmark_rules_6_12.boost_factor_default, 15000);
	/* a zone smaller than 4 pageblocks is skipped: the VM's DMA (3840
	 * pages >= 4 * 512) boosts, 2047 pages do not */
	b = fs_wmark_boost(0, 62, 3840, 512, 15000);
	cr_assert(b.boosted);
	cr_assert_eq(b.boost, 512);
	b = fs_wmark_boost(0, 62, 2047, 512, 15000);
	cr_assert_not(b.boosted);
	cr_assert_eq(b.boost, 0);
	b = fs_wmark_boost(0, 62, 2048, 512, 15000);
	cr_assert(b.boosted);
	/* high watermark not set yet */
	b = fs_wmark_boost(0, 0, 753664, 512, 15000);
	cr_assert_not(b.boosted);
	/* factor 1, high 5000: mult_frac = 0 -> skipped, not boosted by a block */
	b = fs_wmark_boost(0, 5000, 753664, 512, 1);
	cr_assert_not(b.boosted);
	/* factor 1, high 10000: max boost 1 -> raised to a pageblock */
	b = fs_wmark_boost(0, 10000, 753664, 512, 1);
	cr_assert(b.boosted);
	cr_assert_eq(b.boost, 512);
}
