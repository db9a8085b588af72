/* watermark.h - zone watermarks, lowmem reserves, per-CPU list sizes, the
 * watermark test and watermark boosting, as the Linux page allocator
 * computes them: pure functions of plain integers, no global state.
 *
 * Every count is in pages (4 KiB) unless a name says kbytes (KiB).
 *
 * What each function mirrors, and the source read for it:
 *   fs_wmark_calculate_min_free_kbytes  calculate_min_free_kbytes()
 *   fs_wmark_thp_min_free_kbytes        khugepaged set_recommended_min_free_kbytes()
 *   fs_wmark_nr_free_buffer_pages       nr_free_buffer_pages()
 *   fs_wmark_setup                      __setup_per_zone_wmarks()
 *   fs_wmark_lowmem_reserve             setup_per_zone_lowmem_reserve()
 *   fs_wmark_zone_batchsize             zone_batchsize()
 *   fs_wmark_zone_highsize              zone_highsize()
 *   fs_wmark_pcp_sizes                  zone_set_pageset_high_and_batch() (6.x),
 *                                       setup_pageset()/setup_pagelist_highmark() (3.10)
 *   fs_wmark_ok_3_10 / _6_1 / _6_12     __zone_watermark_ok() of each form
 *   fs_wmark_boost                      boost_watermark()
 *   fs_wmark_setup_all                  init_per_zone_wmark_min() + khugepaged + zone_pcp_update()
 *
 * Sources (mm/page_alloc.c unless named):
 *   3.10  harviswang/linux-3.10.99 (3.10.99);
 *   6.1   torvalds/linux at dac22531bbd4 (a 6.1-era tree: ALLOC_HARDER,
 *         pageset_high, no ZONE_MOVABLE rule in the watermarks);
 *   6.12  a 6.5-era page_alloc.c and a 6.10-era page_pcp.c copy for the
 *         code unchanged since (ZONE_MOVABLE rule, lowmem reserve, ALLOC_RESERVES
 *         test, high_min/high_max), the 6.12 patch "keep track of free
 *         highatomic" (nr_free_highatomic), khugepaged.c; and checked
 *         against /proc/zoneinfo of a Linux 6.18 VM (tests/test_watermark.c).
 *
 * Generations differ in a few rules; they are data (struct fs_wmark_rules),
 * with one preset per generation read. A generation in between can be
 * composed from the switches. The releases named below for when a switch
 * flipped (4.4, 4.6, 5.14, 6.3, 6.7) come from the commit history as
 * remembered, not from source read here; only the three presets are
 * verified.
 */
#ifndef FRAGSIM_WATERMARK_H
#define FRAGSIM_WATERMARK_H

#include <stdbool.h>
#include <stdint.h>

#define FS_WMARK_MAX_ZONES 8      /* zones of one node (MAX_NR_ZONES is 5 on x86_64 6.x) */
#define FS_WMARK_NR_TYPES 6       /* migrate types, numbered as 4.4+ (enum fs_migratetype) */
#define FS_WMARK_MT_UNMOVABLE 0
#define FS_WMARK_MT_MOVABLE 1
#define FS_WMARK_MT_RECLAIMABLE 2
#define FS_WMARK_MT_PCPTYPES 3    /* MIGRATE_PCPTYPES: the three types above */
#define FS_WMARK_MT_HIGHATOMIC 3
#define FS_WMARK_MT_CMA 4
#define FS_WMARK_MT_ISOLATE 5

#define FS_WMARK_SCALE_FACTOR_DEFAULT 10        /* vm.watermark_scale_factor, 1/10000 of managed */
#define FS_WMARK_BOOST_FACTOR_DEFAULT 15000     /* vm.watermark_boost_factor (5.0+), 1/10000 of high */
#define FS_WMARK_MIN_PERCPU_HIGH_FRACTION 8     /* MIN_PERCPU_PAGELIST_HIGH_FRACTION (6.x) */

/* ---- per-generation rules ------------------------------------------------ */

/* Which __zone_watermark_ok() */
enum fs_wmark_test {
	FS_WMARK_TEST_ORDER_LOOP,     /* <= 4.3 (read: 3.10): per-order loop halving min */
	FS_WMARK_TEST_HARDER,         /* 4.4 .. 6.2 (read: 6.1): ALLOC_HIGH, ALLOC_HARDER, ALLOC_OOM */
	FS_WMARK_TEST_RESERVES,       /* 6.3+ (read: 6.12): ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, ALLOC_OOM */
};

/* How pcp->high is sized */
enum fs_pcp_high_rule {
	FS_PCP_HIGH_6X_BATCH,         /* 3.10 (and, per the reference, 5.0): high = 6 * batch */
	FS_PCP_HIGH_LOW_WMARK,        /* 5.14 .. 6.6 (read: 6.1): zone_highsize(), low watermark / CPUs */
	FS_PCP_HIGH_AUTOTUNE,         /* 6.7+ (read: 6.10-era, seen on 6.18): high_min .. high_max */
};

struct fs_wmark_rules {
	const char *name;             /* "linux-6.12" */
	uint64_t min_free_kbytes_max; /* KiB: upper clamp of calculate_min_free_kbytes (3.10: 65536; 6.x: 262144) */
	bool scale_factor;            /* 4.6+: low/high/promo steps of max(min/4, managed * wsf / 10000);
				       * otherwise low = min + min/4, high = min + min/2 (promo = high) */
	bool movable_like_highmem;    /* ZONE_MOVABLE's min capped like ZONE_HIGHMEM and left out of the
				       * lowmem sum (not in the 6.1-era tree read; in 6.5+ and 6.18) */
	bool reserve_clear;           /* lowmem_reserve 0 when the ratio is 0 or the lower zone has no
				       * managed pages (6.1+); otherwise a ratio < 1 counts as 1 (3.10) */
	uint64_t batch_cap_pages;     /* pages: zone_batchsize's cap (3.10: 512 KiB = 128; 6.x: 1 MiB = 256) */
	enum fs_pcp_high_rule pcp_high;
	enum fs_wmark_test test;
	unsigned boost_factor_default; /* vm.watermark_boost_factor default: 0 before 5.0 (no boosting) */
};

extern const struct fs_wmark_rules fs_wmark_rules_3_10;
extern const struct fs_wmark_rules fs_wmark_rules_6_1;
extern const struct fs_wmark_rules fs_wmark_rules_6_12;

/* ---- zones ---------------------------------------------------------------- */

enum fs_wmark_zone_kind {
	FS_WZ_LOWMEM = 0,             /* DMA, DMA32, Normal (and Device: always empty) */
	FS_WZ_HIGHMEM,                /* ZONE_HIGHMEM (32-bit only) */
	FS_WZ_MOVABLE,                /* ZONE_MOVABLE */
};

/* One zone of a node, passed in kernel zone-index order (DMA, DMA32,
 * Normal, HighMem, Movable, Device); empty zones may be left out, which
 * changes no result for the zones passed. */
struct fs_wmark_zone {
	uint64_t managed;             /* pages: zone_managed_pages() (present minus reserved) */
	enum fs_wmark_zone_kind kind;
	unsigned reserve_ratio;       /* sysctl_lowmem_reserve_ratio[zone]; 0 = no reserve */
};

/* By zone name as /proc/zoneinfo prints it: "HighMem" and "Movable" have
 * their kinds, anything else is lowmem. */
enum fs_wmark_zone_kind fs_wmark_zone_kind_of(const char *name);
/* The default sysctl_lowmem_reserve_ratio for a zone name: DMA 256,
 * DMA32 256, Normal 32; 6.1+: HighMem 0, Movable 0 (3.10: HighMem 32);
 * 0 for anything else. */
unsigned fs_wmark_default_reserve_ratio(const struct fs_wmark_rules *r, const char *name);

/* One zone's watermarks (zone->_watermark[], without the boost), pages */
struct fs_wmark {
	uint64_t min;                 /* pages: WMARK_MIN, below which only reserve users allocate */
	uint64_t low;                 /* pages: WMARK_LOW, the fast path's test; kswapd wakes below it */
	uint64_t high;                /* pages: WMARK_HIGH, where kswapd stops */
	uint64_t promo;               /* pages: WMARK_PROMO (6.0+ memory tiering); = high without scale_factor */
};

enum fs_wmark_which { FS_WMARK_MIN = 0, FS_WMARK_LOW, FS_WMARK_HIGH, FS_WMARK_PROMO };

/* wmark_pages(): a watermark as the allocator reads it, boost included
 * (mmzone.h *_wmark_pages, 6.1 and 6.12). */
uint64_t fs_wmark_get(const struct fs_wmark *wm, enum fs_wmark_which which, uint64_t boost);

/* ---- arithmetic helpers ----------------------------------------------------- */

uint64_t fs_wmark_int_sqrt(uint64_t x);          /* int_sqrt(): floor(sqrt(x)) */
/* mult_frac(x, n, d) = (x / d) * n + (x % d) * n / d: floor(x * n / d)
 * without overflowing x * n */
uint64_t fs_wmark_mult_frac(uint64_t x, uint64_t n, uint64_t d);

/* ---- min_free_kbytes ---------------------------------------------------------- */

/* calculate_min_free_kbytes (6.1, 6.12; init_per_zone_wmark_min in 3.10):
 * clamp(int_sqrt(lowmem_kbytes * 16), 128, r->min_free_kbytes_max), KiB.
 * lowmem_kbytes is nr_free_buffer_pages() * 4. (The kernel keeps a value
 * written to vm.min_free_kbytes when it is larger; that is the caller's.) */
uint64_t fs_wmark_calculate_min_free_kbytes(const struct fs_wmark_rules *r, uint64_t lowmem_kbytes);

/* nr_free_buffer_pages(): over the zones a GFP_USER allocation may use
 * (the lowmem kinds), the sum of managed - high where managed > high.
 * wm may be NULL: watermarks not set yet (all 0), as at boot. */
uint64_t fs_wmark_nr_free_buffer_pages(const struct fs_wmark_zone *zones, const struct fs_wmark *wm,
				       unsigned nr_zones);

/* khugepaged's set_recommended_min_free_kbytes (6.x, with THP enabled), KiB:
 * pageblock_nr_pages * nr_zones * (2 + MIGRATE_PCPTYPES^2), at most 5% of
 * nr_free_buffer_pages. nr_zones counts the populated zones up to Normal.
 * The kernel raises min_free_kbytes to this when it is larger. */
uint64_t fs_wmark_thp_min_free_kbytes(unsigned nr_zones, uint64_t pageblock_nr_pages,
				      uint64_t nr_free_buffer_pages);

/* ---- watermarks and lowmem reserves ------------------------------------------ */

/* __setup_per_zone_wmarks: out[i] for zones[i].
 *   pages_min = min_free_kbytes / 4;
 *   lowmem = sum of managed over the lowmem zones (and not Movable with
 *            movable_like_highmem);
 *   share = pages_min * managed / lowmem (u64, floor);
 *   min = share; for highmem (and Movable with movable_like_highmem)
 *         clamp(managed / 1024, 32, 128) instead;
 *   step = max(share / 4, mult_frac(managed, wsf, 10000)) with scale_factor:
 *         low = min + step, high = low + step, promo = high + step;
 *   without: low = min + share/4, high = min + share/2, promo = high.
 * Note that step comes from the proportional share even where min was
 * capped. A lowmem sum of 0 gives all-zero watermarks (the kernel would
 * divide by zero). */
void fs_wmark_setup(const struct fs_wmark_rules *r, const struct fs_wmark_zone *zones,
		    unsigned nr_zones, uint64_t min_free_kbytes, unsigned watermark_scale_factor,
		    struct fs_wmark *out);

/* The lowmem reserves of one zone: /proc/zoneinfo's "protection: (...)". */
struct fs_wmark_reserve {
	uint64_t pages[FS_WMARK_MAX_ZONES]; /* pages: lowmem_reserve[j], kept free in this zone
					     * against allocations whose highest usable zone is j */
};

/* setup_per_zone_lowmem_reserve: for zone i and each j > i,
 * lowmem_reserve[j] = (sum of managed of zones i+1 .. j) / ratio[i];
 * 0 for j <= i. With reserve_clear (6.1+) a ratio of 0 or a zone i without
 * managed pages gives 0; without it (3.10) a ratio below 1 counts as 1. */
void fs_wmark_lowmem_reserve(const struct fs_wmark_rules *r, const struct fs_wmark_zone *zones,
			     unsigned nr_zones, struct fs_wmark_reserve *out);

/* ---- per-CPU page lists ------------------------------------------------------- */

/* zone_batchsize: b = min(managed / 1024, batch_cap) / 4, at least 1, then
 * rounddown_pow_of_two(b + b/2) - 1; pages. 0 for tiny zones (the caller
 * uses max(1, batch)). 63 for zones of 1 GiB and more in 6.x, 31 in 3.10. */
uint64_t fs_wmark_zone_batchsize(const struct fs_wmark_rules *r, uint64_t managed);

/* zone_highsize (6.1; 6.7+ with an explicit fraction): total / split,
 * at least 4 * batch, where total is low_wmark (high_fraction 0) or
 * managed / high_fraction, and split = nr_cpus (the CPUs of the zone's
 * node) + 1 while a CPU is coming online; a split of 0 counts as 1 (the
 * kernel then uses all online CPUs). Pages. */
uint64_t fs_wmark_zone_highsize(uint64_t managed, uint64_t low_wmark, uint64_t batch,
				unsigned nr_cpus, bool cpu_coming_online, unsigned high_fraction);

struct fs_pcp_sizes {
	uint64_t batch;               /* pages: pcp->batch, refill and drain unit (>= 1) */
	uint64_t high;                /* pages: the drain threshold the pageset works with at first.
				       * 6.7+: high_min, the value pcp->high is clamped up to on the
				       * first allocation or free (zoneinfo shows 0 until then; after,
				       * pcp->high moves between high_min and high_max) */
	uint64_t high_min;            /* pages: 6.7+ floor of the auto-tuned high; = high before */
	uint64_t high_max;            /* pages: 6.7+ ceiling (managed/8 per CPU); = high before */
};

/* The per-CPU sizes of one zone, as zone_set_pageset_high_and_batch
 * (6.x) or setup_zone_pageset (3.10) sets them for every CPU.
 * low_wmark is the zone's WMARK_LOW without boost (setup time);
 * high_fraction is vm.percpu_pagelist_high_fraction (6.x; 0 or >= 8) or
 * vm.percpu_pagelist_fraction (3.10: high = managed / fraction, batch =
 * clamp(high / 4, 1, 96)). 0, or -EINVAL for a 6.x fraction below 8. */
int fs_wmark_pcp_sizes(const struct fs_wmark_rules *r, uint64_t managed, uint64_t low_wmark,
		       unsigned nr_cpus, bool cpu_coming_online, unsigned high_fraction,
		       struct fs_pcp_sizes *out);

/* ---- the watermark test -------------------------------------------------------- */

/* alloc_flags bits that change the test. One set for all forms:
 *   FS_ALLOC_HIGH     __GFP_HIGH: ALLOC_HIGH (<= 6.2), ALLOC_MIN_RESERVE (6.3+)
 *   FS_ALLOC_HARDER   cannot block (GFP_ATOMIC without __GFP_NOMEMALLOC), or an
 *                     rt task (<= 6.2): ALLOC_HARDER (<= 6.2), ALLOC_NON_BLOCK (6.3+)
 *   FS_ALLOC_OOM      the OOM victim (4.16+ name ALLOC_OOM)
 *   FS_ALLOC_HIGHATOMIC  6.3+: a high-order atomic request (may use HIGHATOMIC)
 *   FS_ALLOC_CMA      may use CMA pageblocks (movable requests) */
#define FS_ALLOC_HIGH 0x01u
#define FS_ALLOC_HARDER 0x02u
#define FS_ALLOC_OOM 0x04u
#define FS_ALLOC_HIGHATOMIC 0x08u
#define FS_ALLOC_CMA 0x10u

/* The inputs of one __zone_watermark_ok call (the zone's state as numbers). */
struct fs_wmark_check {
	unsigned order;               /* requested order */
	uint64_t mark;                /* pages: the watermark tested, boost included (fs_wmark_get) */
	uint64_t lowmem_reserve;      /* pages: z->lowmem_reserve[highest_zoneidx] */
	unsigned alloc_flags;         /* FS_ALLOC_* */
	int64_t free_pages;           /* pages: NR_FREE_PAGES (buddy free pages, not per-CPU lists) */
	uint64_t free_cma;            /* pages: NR_FREE_CMA_PAGES */
	uint64_t highatomic;          /* pages: the HIGHATOMIC reserve subtracted from free for
				       * non-reserve callers: 6.1 nr_reserved_highatomic (reserved
				       * pageblocks * pageblock pages), 6.12 nr_free_highatomic (free
				       * pages on HIGHATOMIC lists); unused by the 3.10 form */
	/* free blocks per [order][migrate type] (free_area[o].free_list[mt]
	 * non-empty is nr_free[o][mt] != 0); orders 0 .. max_order */
	const uint64_t (*nr_free)[FS_WMARK_NR_TYPES];
	unsigned max_order;           /* highest order (inclusive), 10 on x86_64 */
};

/* 3.10 (<= 4.3): free -= 2^order - 1; min halved for ALLOC_HIGH, minus a
 * quarter for ALLOC_HARDER; fail if free - free_cma (without ALLOC_CMA)
 * <= min + reserve; then for each order o below the request: free -=
 * nr_free[o] << o (all types), min >>= 1, fail if free <= min. */
bool fs_wmark_ok_3_10(const struct fs_wmark_check *c);

/* 4.4 .. 6.2 (read: 6.1): free -= 2^order - 1, + highatomic unless HARDER
 * or OOM, + free_cma unless CMA; min -= min/2 for HIGH, then for HARDER or
 * OOM min -= min/2 (OOM) or min/4; fail if free <= min + reserve; order 0
 * passes; otherwise pass if some order >= the request has a free block on
 * an UNMOVABLE, MOVABLE or RECLAIMABLE list, or CMA with ALLOC_CMA, or
 * HIGHATOMIC with HARDER or OOM. (The order loop replaced the halving
 * loop in Mel Gorman's 97a16fc82a7c "mm, page_alloc: only enforce
 * watermarks for order-0 allocations", 4.4.) */
bool fs_wmark_ok_6_1(const struct fs_wmark_check *c);

/* 6.3+ (read: 6.12): as 6.1 but the reserve callers (HIGH, HARDER,
 * HIGHATOMIC, OOM: ALLOC_RESERVES) skip the highatomic subtraction;
 * min -= min/2 for HIGH, and a further min/4 only for HIGH with HARDER;
 * then min -= min/2 for OOM; HIGHATOMIC lists count with HIGHATOMIC or
 * OOM. */
bool fs_wmark_ok_6_12(const struct fs_wmark_check *c);

/* The form r->test names. */
bool fs_wmark_ok(const struct fs_wmark_rules *r, const struct fs_wmark_check *c);

/* zone_watermark_fast's order-0 shortcut gives the same answer as the
 * full test. Its one exception is the caller's: an order-0 __GFP_ATOMIC
 * request at the min watermark that fails with the boost is retried with
 * mark = the unboosted min (6.1). */

/* ---- watermark boosting (5.0+) ----------------------------------------------- */

struct fs_wmark_boost {
	bool boosted;                 /* boost_watermark() returned true */
	uint64_t boost;               /* pages: zone->watermark_boost after the call */
};

/* boost_watermark (6.1, 6.12), called on a fallback that may mix a
 * pageblock: skipped (boost unchanged) when boost_factor is 0, when
 * 4 * pageblock_nr_pages > managed, or when mult_frac(high, factor,
 * 10000) is 0 (high watermark not set yet); otherwise
 * boost = min(boost + pageblock_nr_pages, max(pageblock_nr_pages,
 * mult_frac(high, factor, 10000))). high is the unboosted WMARK_HIGH.
 * (6.12's reference notes a kdump-kernel skip too; a simulation is never
 * a kdump kernel.) */
struct fs_wmark_boost fs_wmark_boost(uint64_t boost, uint64_t high, uint64_t managed,
				     uint64_t pageblock_nr_pages, unsigned boost_factor);

/* ---- everything at once --------------------------------------------------------- */

struct fs_wmark_tunables {
	uint64_t min_free_kbytes;     /* KiB: vm.min_free_kbytes; 0 = computed as the kernel does at boot */
	unsigned watermark_scale_factor; /* 1/10000 of managed; 0 = default 10 */
	unsigned high_fraction;       /* vm.percpu_pagelist_high_fraction (3.10: _fraction); 0 = default */
	unsigned nr_cpus;             /* CPUs of the node */
	bool thp;                     /* THP enabled: khugepaged raises a computed min_free_kbytes */
	uint64_t pageblock_nr_pages;  /* pages per pageblock, for thp (512 on x86_64) */
};

struct fs_wmark_zone_setup {
	struct fs_wmark wm;           /* pages */
	struct fs_wmark_reserve reserve;
	struct fs_pcp_sizes pcp;      /* zeroed for a zone without managed pages (no pageset) */
};

/* What the kernel has set up after boot: min_free_kbytes computed from
 * lowmem (unless given), watermarks, khugepaged's raise with thp (then
 * watermarks again), lowmem reserves, per-CPU sizes from the final low
 * watermarks. Returns min_free_kbytes used (KiB), or a negative errno
 * (-EINVAL: more than FS_WMARK_MAX_ZONES zones or a bad high_fraction). */
int64_t fs_wmark_setup_all(const struct fs_wmark_rules *r, const struct fs_wmark_zone *zones,
			   unsigned nr_zones, const struct fs_wmark_tunables *t,
			   struct fs_wmark_zone_setup *out);

#endif
