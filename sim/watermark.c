/* watermark.c - zone watermarks, lowmem reserves, per-CPU list sizes, the
 * watermark test and watermark boosting (see watermark.h for the sources
 * read and the contract of each function).
 *
 * Why these numbers matter to fragmentation: the watermark test decides
 * whether a zone is used at all (a request that fails it in Normal spills
 * to DMA32, or wakes kswapd), the lowmem reserves keep DMA and DMA32 for
 * the requests that need them, the per-CPU lists hold up to `high` pages
 * per CPU away from the buddy allocator (pages that cannot merge), and the
 * boost makes kswapd reclaim and kcompactd compact after a fragmenting
 * fallback. All of it is arithmetic on a few counters, done here once so
 * that a policy of any generation can call it.
 */
#include <errno.h>
#include <string.h>

#include "watermark.h"

/* SWAP_CLUSTER_MAX, the floor of a capped (highmem/movable) min */
#define WMARK_SWAP_CLUSTER_MAX 32u

const struct fs_wmark_rules fs_wmark_rules_3_10 = {
	.name = "linux-3.10",
	.min_free_kbytes_max = 65536,
	.scale_factor = false,
	.movable_like_highmem = false,
	.reserve_clear = false,
	.batch_cap_pages = 128,           /* 512 KiB */
	.pcp_high = FS_PCP_HIGH_6X_BATCH,
	.test = FS_WMARK_TEST_ORDER_LOOP,
	.boost_factor_default = 0,
};

const struct fs_wmark_rules fs_wmark_rules_6_1 = {
	.name = "linux-6.1",
	.min_free_kbytes_max = 262144,
	.scale_factor = true,
	.movable_like_highmem = false,
	.reserve_clear = true,
	.batch_cap_pages = 256,           /* 1 MiB */
	.pcp_high = FS_PCP_HIGH_LOW_WMARK,
	.test = FS_WMARK_TEST_HARDER,
	.boost_factor_default = FS_WMARK_BOOST_FACTOR_DEFAULT,
};

const struct fs_wmark_rules fs_wmark_rules_6_12 = {
	.name = "linux-6.12",
	.min_free_kbytes_max = 262144,
	.scale_factor = true,
	.movable_like_highmem = true,
	.reserve_clear = true,
	.batch_cap_pages = 256,
	.pcp_high = FS_PCP_HIGH_AUTOTUNE,
	.test = FS_WMARK_TEST_RESERVES,
	.boost_factor_default = FS_WMARK_BOOST_FACTOR_DEFAULT,
};

/* ---- helpers ---------------------------------------------------------------- */

static uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static uint64_t clamp_u64(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* rounddown_pow_of_two, for x >= 1 */
static uint64_t rounddown_pow_of_two(uint64_t x)
{
	return x ? 1ull << (63 - __builtin_clzll(x)) : 0;
}

uint64_t fs_wmark_int_sqrt(uint64_t x)
{
	/* the kernel's lib/math/int_sqrt.c: bit by bit from the top */
	uint64_t b, m, y = 0;

	if (x <= 1)
		return x;
	m = 1ull << ((63 - __builtin_clzll(x)) & ~1u);
	while (m != 0) {
		b = y + m;
		y >>= 1;
		if (x >= b) {
			x -= b;
			y += m;
		}
		m >>= 2;
	}
	return y;
}

uint64_t fs_wmark_mult_frac(uint64_t x, uint64_t n, uint64_t d)
{
	uint64_t q = x / d, r = x % d;

	return q * n + r * n / d;
}

uint64_t fs_wmark_get(const struct fs_wmark *wm, enum fs_wmark_which which, uint64_t boost)
{
	switch (which) {
	case FS_WMARK_MIN:
		return wm->min + boost;
	case FS_WMARK_LOW:
		return wm->low + boost;
	case FS_WMARK_HIGH:
		return wm->high + boost;
	case FS_WMARK_PROMO:
		return wm->promo + boost;
	}
	return 0;
}

enum fs_wmark_zone_kind fs_wmark_zone_kind_of(const char *name)
{
	if (!strcmp(name, "HighMem"))
		return FS_WZ_HIGHMEM;
	if (!strcmp(name, "Movable"))
		return FS_WZ_MOVABLE;
	return FS_WZ_LOWMEM;
}

unsigned fs_wmark_default_reserve_ratio(const struct fs_wmark_rules *r, const char *name)
{
	/* sysctl_lowmem_reserve_ratio[]: 6.1 names each zone (DMA 256, DMA32
	 * 256, NORMAL 32, HIGHMEM 0, MOVABLE 0); 3.10's array is positional
	 * {256, 256, 32, 32} over DMA, DMA32, Normal, HighMem. */
	if (!strcmp(name, "DMA") || !strcmp(name, "DMA32"))
		return 256;
	if (!strcmp(name, "Normal"))
		return 32;
	if (!strcmp(name, "HighMem"))
		return r->reserve_clear ? 0 : 32;
	return 0;
}

/* A zone that counts in the lowmem sum of __setup_per_zone_wmarks */
static bool wmark_lowmem(const struct fs_wmark_rules *r, const struct fs_wmark_zone *z)
{
	if (z->kind == FS_WZ_HIGHMEM)
		return false;
	if (z->kind == FS_WZ_MOVABLE && r->movable_like_highmem)
		return false;
	return true;
}

/* ---- min_free_kbytes ------------------------------------------------------------ */

uint64_t fs_wmark_calculate_min_free_kbytes(const struct fs_wmark_rules *r, uint64_t lowmem_kbytes)
{
	return clamp_u64(fs_wmark_int_sqrt(lowmem_kbytes * 16), 128, r->min_free_kbytes_max);
}

uint64_t fs_wmark_nr_free_buffer_pages(const struct fs_wmark_zone *zones, const struct fs_wmark *wm,
				       unsigned nr_zones)
{
	/* nr_free_zone_pages(gfp_zone(GFP_USER)): the zonelist up to
	 * ZONE_NORMAL, i.e. the lowmem kinds; high_wmark_pages() has no boost
	 * at setup time */
	uint64_t sum = 0;

	for (unsigned i = 0; i < nr_zones; i++) {
		uint64_t high = wm ? wm[i].high : 0;

		if (zones[i].kind != FS_WZ_LOWMEM)
			continue;
		if (zones[i].managed > high)
			sum += zones[i].managed - high;
	}
	return sum;
}

uint64_t fs_wmark_thp_min_free_kbytes(unsigned nr_zones, uint64_t pageblock_nr_pages,
				      uint64_t nr_free_buffer_pages)
{
	/* "Ensure 2 pageblocks are free to assist fragmentation avoidance",
	 * plus, per zone, two pageblocks almost free of each other type for
	 * each of the MIGRATE_PCPTYPES types; never more than 5% of lowmem */
	uint64_t pages = pageblock_nr_pages * nr_zones * 2;

	pages += pageblock_nr_pages * nr_zones * FS_WMARK_MT_PCPTYPES * FS_WMARK_MT_PCPTYPES;
	pages = min_u64(pages, nr_free_buffer_pages / 20);
	return pages << 2;   /* << (PAGE_SHIFT - 10) */
}

/* ---- watermarks and lowmem reserves ---------------------------------------------- */

void fs_wmark_setup(const struct fs_wmark_rules *r, const struct fs_wmark_zone *zones,
		    unsigned nr_zones, uint64_t min_free_kbytes, unsigned watermark_scale_factor,
		    struct fs_wmark *out)
{
	uint64_t pages_min = min_free_kbytes >> 2;   /* >> (PAGE_SHIFT - 10) */
	uint64_t lowmem_pages = 0;

	for (unsigned i = 0; i < nr_zones; i++)
		if (wmark_lowmem(r, &zones[i]))
			lowmem_pages += zones[i].managed;

	for (unsigned i = 0; i < nr_zones; i++) {
		const struct fs_wmark_zone *z = &zones[i];
		struct fs_wmark *w = &out[i];
		/* tmp = (u64)pages_min * managed; do_div(tmp, lowmem_pages) */
		uint64_t share = lowmem_pages ? pages_min * z->managed / lowmem_pages : 0;

		if (!wmark_lowmem(r, z)) {
			/* __GFP_HIGH and PF_MEMALLOC allocations rarely need
			 * highmem or movable pages: cap min; the steps above it
			 * (async reclaim) still come from the share */
			w->min = clamp_u64(z->managed / 1024, WMARK_SWAP_CLUSTER_MAX, 128);
		} else {
			w->min = share;
		}
		if (r->scale_factor) {
			uint64_t step = max_u64(share >> 2,
						fs_wmark_mult_frac(z->managed, watermark_scale_factor,
								   10000));

			w->low = w->min + step;
			w->high = w->low + step;
			w->promo = w->high + step;
		} else {
			w->low = w->min + (share >> 2);
			w->high = w->min + (share >> 1);
			w->promo = w->high;
		}
	}
}

void fs_wmark_lowmem_reserve(const struct fs_wmark_rules *r, const struct fs_wmark_zone *zones,
			     unsigned nr_zones, struct fs_wmark_reserve *out)
{
	for (unsigned i = 0; i < nr_zones; i++)
		memset(&out[i], 0, sizeof(out[i]));

	for (unsigned i = 0; i + 1 < nr_zones; i++) {
		unsigned ratio = zones[i].reserve_ratio;
		bool clear = false;
		uint64_t managed = 0;

		if (r->reserve_clear)
			clear = !ratio || !zones[i].managed;
		else if (ratio < 1)
			ratio = 1;           /* 3.10 rewrites the sysctl to 1 */

		for (unsigned j = i + 1; j < nr_zones && j < FS_WMARK_MAX_ZONES; j++) {
			managed += zones[j].managed;
			out[i].pages[j] = clear ? 0 : managed / ratio;
		}
	}
}

/* ---- per-CPU page lists --------------------------------------------------------- */

uint64_t fs_wmark_zone_batchsize(const struct fs_wmark_rules *r, uint64_t managed)
{
	/* ~0.1% of the zone or the cap, /4 because the 2^n - 1 rounding below
	 * effectively multiplies back; 2^n - 1 avoids cache aliasing between
	 * tasks allocating alternate batches */
	uint64_t batch = min_u64(managed >> 10, r->batch_cap_pages) / 4;

	if (batch < 1)
		batch = 1;
	return rounddown_pow_of_two(batch + batch / 2) - 1;
}

uint64_t fs_wmark_zone_highsize(uint64_t managed, uint64_t low_wmark, uint64_t batch,
				unsigned nr_cpus, bool cpu_coming_online, unsigned high_fraction)
{
	/* high_fraction 0: the low watermark, so that full per-CPU lists do
	 * not wake kswapd early; split across the CPUs of the node */
	uint64_t total = high_fraction ? managed / high_fraction : low_wmark;
	uint64_t split = (uint64_t)nr_cpus + (cpu_coming_online ? 1 : 0);

	if (!split)
		split = 1;
	return max_u64(total / split, batch << 2);
}

int fs_wmark_pcp_sizes(const struct fs_wmark_rules *r, uint64_t managed, uint64_t low_wmark,
		       unsigned nr_cpus, bool cpu_coming_online, unsigned high_fraction,
		       struct fs_pcp_sizes *out)
{
	uint64_t raw = fs_wmark_zone_batchsize(r, managed);

	memset(out, 0, sizeof(*out));
	switch (r->pcp_high) {
	case FS_PCP_HIGH_6X_BATCH:
		/* setup_pageset: high = 6 * batch of the raw batch size (0 for
		 * a tiny zone), batch at least 1 */
		out->high = 6 * raw;
		out->batch = max_u64(1, raw);
		if (high_fraction) {
			/* setup_pagelist_highmark */
			out->high = managed / high_fraction;
			out->batch = max_u64(1, out->high / 4);
			if (out->high / 4 > 12 * 8)    /* PAGE_SHIFT * 8 */
				out->batch = 12 * 8;
		}
		out->high_min = out->high_max = out->high;
		return 0;
	case FS_PCP_HIGH_LOW_WMARK:
	case FS_PCP_HIGH_AUTOTUNE:
		if (high_fraction && high_fraction < FS_WMARK_MIN_PERCPU_HIGH_FRACTION)
			return -EINVAL;
		out->batch = max_u64(1, raw);
		if (r->pcp_high == FS_PCP_HIGH_LOW_WMARK || high_fraction) {
			/* 6.1, or 6.7+ with the fraction set by hand (which
			 * turns the auto-tuning off: high_min = high_max) */
			out->high = fs_wmark_zone_highsize(managed, low_wmark, out->batch, nr_cpus,
							   cpu_coming_online, high_fraction);
			out->high_min = out->high_max = out->high;
		} else {
			out->high_min = fs_wmark_zone_highsize(managed, low_wmark, out->batch,
							       nr_cpus, cpu_coming_online, 0);
			out->high_max = fs_wmark_zone_highsize(managed, low_wmark, out->batch,
							       nr_cpus, cpu_coming_online,
							       FS_WMARK_MIN_PERCPU_HIGH_FRACTION);
			out->high = out->high_min;
		}
		return 0;
	}
	return -EINVAL;
}

/* ---- the watermark test ---------------------------------------------------------- */

/* free_area[o].nr_free: the blocks of an order on every list */
static uint64_t area_nr_free(const struct fs_wmark_check *c, unsigned o)
{
	uint64_t n = 0;

	for (unsigned mt = 0; mt < FS_WMARK_NR_TYPES; mt++)
		n += c->nr_free[o][mt];
	return n;
}

/* The 4.4+ high-order check: some order >= the request has a block on a
 * list the caller may take from. */
static bool wmark_suitable_block(const struct fs_wmark_check *c, bool highatomic_ok)
{
	for (unsigned o = c->order; o <= c->max_order; o++) {
		if (!area_nr_free(c, o))
			continue;
		for (unsigned mt = 0; mt < FS_WMARK_MT_PCPTYPES; mt++)
			if (c->nr_free[o][mt])
				return true;
		if ((c->alloc_flags & FS_ALLOC_CMA) && c->nr_free[o][FS_WMARK_MT_CMA])
			return true;
		if (highatomic_ok && c->nr_free[o][FS_WMARK_MT_HIGHATOMIC])
			return true;
	}
	return false;
}

bool fs_wmark_ok_3_10(const struct fs_wmark_check *c)
{
	int64_t min = (int64_t)c->mark;
	int64_t free_pages = c->free_pages - (((int64_t)1 << c->order) - 1);
	int64_t free_cma = 0;

	if (c->alloc_flags & FS_ALLOC_HIGH)
		min -= min / 2;
	if (c->alloc_flags & FS_ALLOC_HARDER)
		min -= min / 4;
	if (!(c->alloc_flags & FS_ALLOC_CMA))
		free_cma = (int64_t)c->free_cma;

	if (free_pages - free_cma <= min + (int64_t)c->lowmem_reserve)
		return false;
	for (unsigned o = 0; o < c->order; o++) {
		/* at the next order, this order's pages become unavailable */
		free_pages -= (int64_t)(area_nr_free(c, o) << o);
		/* require fewer higher order pages to be free */
		min >>= 1;
		if (free_pages <= min)
			return false;
	}
	return true;
}

bool fs_wmark_ok_6_1(const struct fs_wmark_check *c)
{
	const bool alloc_harder = c->alloc_flags & (FS_ALLOC_HARDER | FS_ALLOC_OOM);
	int64_t min = (int64_t)c->mark;
	int64_t unusable = ((int64_t)1 << c->order) - 1;
	int64_t free_pages;

	/* __zone_watermark_unusable_free: callers without ALLOC_HARDER leave
	 * the highatomic reserve alone; non-CMA callers the CMA pages */
	if (!alloc_harder)
		unusable += (int64_t)c->highatomic;
	if (!(c->alloc_flags & FS_ALLOC_CMA))
		unusable += (int64_t)c->free_cma;
	free_pages = c->free_pages - unusable;   /* may go negative */

	if (c->alloc_flags & FS_ALLOC_HIGH)
		min -= min / 2;
	if (alloc_harder) {
		/* OOM victims try even harder than ALLOC_HARDER users */
		if (c->alloc_flags & FS_ALLOC_OOM)
			min -= min / 2;
		else
			min -= min / 4;
	}

	/* the order-0 check: if it fails, a high order cannot go ahead even
	 * if a suitable block happens to be free */
	if (free_pages <= min + (int64_t)c->lowmem_reserve)
		return false;
	if (!c->order)
		return true;
	return wmark_suitable_block(c, alloc_harder);
}

bool fs_wmark_ok_6_12(const struct fs_wmark_check *c)
{
	const unsigned reserves = FS_ALLOC_HIGH | FS_ALLOC_HARDER | FS_ALLOC_HIGHATOMIC | FS_ALLOC_OOM;
	int64_t min = (int64_t)c->mark;
	int64_t unusable = ((int64_t)1 << c->order) - 1;
	int64_t free_pages;

	/* callers without rights below min leave the free highatomic pages */
	if (!(c->alloc_flags & reserves))
		unusable += (int64_t)c->highatomic;
	if (!(c->alloc_flags & FS_ALLOC_CMA))
		unusable += (int64_t)c->free_cma;
	free_pages = c->free_pages - unusable;

	if (c->alloc_flags & reserves) {
		/* __GFP_HIGH: half of the min reserve */
		if (c->alloc_flags & FS_ALLOC_HIGH) {
			min -= min / 2;
			/* non-blocking __GFP_HIGH (GFP_ATOMIC) a bit more;
			 * GFP_NOWAIT alone gets nothing below min */
			if (c->alloc_flags & FS_ALLOC_HARDER)
				min -= min / 4;
		}
		/* OOM victims: half again */
		if (c->alloc_flags & FS_ALLOC_OOM)
			min -= min / 2;
	}

	if (free_pages <= min + (int64_t)c->lowmem_reserve)
		return false;
	if (!c->order)
		return true;
	return wmark_suitable_block(c, c->alloc_flags & (FS_ALLOC_HIGHATOMIC | FS_ALLOC_OOM));
}

bool fs_wmark_ok(const struct fs_wmark_rules *r, const struct fs_wmark_check *c)
{
	switch (r->test) {
	case FS_WMARK_TEST_ORDER_LOOP:
		return fs_wmark_ok_3_10(c);
	case FS_WMARK_TEST_HARDER:
		return fs_wmark_ok_6_1(c);
	case FS_WMARK_TEST_RESERVES:
		return fs_wmark_ok_6_12(c);
	}
	return false;
}

/* ---- watermark boosting ------------------------------------------------------------ */

struct fs_wmark_boost fs_wmark_boost(uint64_t boost, uint64_t high, uint64_t managed,
				     uint64_t pageblock_nr_pages, unsigned boost_factor)
{
	struct fs_wmark_boost res = { .boosted = false, .boost = boost };
	uint64_t max_boost;

	if (!boost_factor)
		return res;
	/* small zones (kdump kernels among them): boosting could OOM at once */
	if (pageblock_nr_pages * 4 > managed)
		return res;
	max_boost = fs_wmark_mult_frac(high, boost_factor, 10000);
	/* high may not be set yet if fragmentation happens early in boot:
	 * reclaim could not help then, so no boost at all */
	if (!max_boost)
		return res;
	max_boost = max_u64(pageblock_nr_pages, max_boost);
	res.boost = min_u64(boost + pageblock_nr_pages, max_boost);
	res.boosted = true;
	return res;
}

/* ---- everything at once ---------------------------------------------------------- */

int64_t fs_wmark_setup_all(const struct fs_wmark_rules *r, const struct fs_wmark_zone *zones,
			   unsigned nr_zones, const struct fs_wmark_tunables *t,
			   struct fs_wmark_zone_setup *out)
{
	struct fs_wmark wm[FS_WMARK_MAX_ZONES];
	struct fs_wmark_reserve reserve[FS_WMARK_MAX_ZONES];
	unsigned wsf = t->watermark_scale_factor ? t->watermark_scale_factor
						 : FS_WMARK_SCALE_FACTOR_DEFAULT;
	uint64_t min_free_kbytes = t->min_free_kbytes;

	if (nr_zones > FS_WMARK_MAX_ZONES)
		return -EINVAL;

	if (!min_free_kbytes) {
		/* init_per_zone_wmark_min: before any watermark is set */
		uint64_t lowmem = fs_wmark_nr_free_buffer_pages(zones, NULL, nr_zones);

		min_free_kbytes = fs_wmark_calculate_min_free_kbytes(r, lowmem << 2);
	}
	fs_wmark_setup(r, zones, nr_zones, min_free_kbytes, wsf, wm);

	if (!t->min_free_kbytes && t->thp) {
		/* khugepaged starts after the watermarks exist */
		unsigned populated = 0;

		for (unsigned i = 0; i < nr_zones; i++)
			if (zones[i].kind == FS_WZ_LOWMEM && zones[i].managed)
				populated++;
		uint64_t rec = fs_wmark_thp_min_free_kbytes(
			populated, t->pageblock_nr_pages,
			fs_wmark_nr_free_buffer_pages(zones, wm, nr_zones));
		if (rec > min_free_kbytes) {
			min_free_kbytes = rec;
			fs_wmark_setup(r, zones, nr_zones, min_free_kbytes, wsf, wm);
		}
	}
	fs_wmark_lowmem_reserve(r, zones, nr_zones, reserve);

	for (unsigned i = 0; i < nr_zones; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].wm = wm[i];
		out[i].reserve = reserve[i];
		if (!zones[i].managed)
			continue;        /* unpopulated: boot pageset, never sized */
		int rc = fs_wmark_pcp_sizes(r, zones[i].managed, wm[i].low, t->nr_cpus, false,
					    t->high_fraction, &out[i].pcp);
		if (rc < 0)
			return rc;
	}
	return (int64_t)min_free_kbytes;
}
