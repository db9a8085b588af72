/* grouping.c - grouping pages by mobility (Mel Gorman's anti-fragmentation,
 * merged in 2.6.24) as Linux does it, one generation at a time.
 *
 * Free lists are kept per (order, migrate type); every pageblock has a
 * type; an allocation is served from its own type's lists first
 * (__rmqueue_smallest), and only when those are empty does it fall back to
 * another type's free blocks, stealing or claiming pageblocks by the rules
 * of the generation it names. The generations differ in where the fallback
 * search starts, when a pageblock changes owner and where the remainders of
 * a split go; those differences are the table below, not scattered ifs.
 *
 *   linux-2.6.24  __rmqueue_fallback: largest order first; steal the free
 *                 pages of the block when order >= pageblock_order/2 or the
 *                 request is RECLAIMABLE; claim it when they are >= half
 *   linux-3.10    the same, remainders always to the requested type
 *   linux-4.19    find_suitable_fallback + steal_suitable_fallback (4.x to
 *                 6.9): free + alike pages >= half claims the block;
 *                 MOVABLE requests that cannot steal take the smallest block
 *   linux-5.0     the same fallback with Mel Gorman's fragmentation-avoidance
 *                 series (039531d219fb, 9bcadc70ec1c): ALLOC_NOFRAGMENT on
 *                 the first zonelist pass and watermark boosting on every
 *                 fallback below pageblock_order
 *   linux-6.10    freelist hygiene (c0cd6f557b90): claim as a transaction,
 *                 else take only the requested order and leave the rest on
 *                 the block's own type
 *   linux-6.15    claim/steal split (c2f6ea38fc1b): claim from the largest
 *                 order while claiming is allowed, else steal from the
 *                 smallest fallback block
 *
 * Sources: ../shared/reference/linux-page-allocator.md section 2 and the
 * kernel functions named above.
 *
 * Zone choice is get_page_from_freelist's zonelist walk (highest zone
 * first) with the generation's watermark test and lowmem reserves
 * (sim/watermark.c): the fast path at the LOW watermark - for 5.0+
 * generations first with ALLOC_NOFRAGMENT, which lets the fallback take
 * only whole pageblocks, then without - and then the slow path's retry at
 * the MIN watermark. Reclaim and compaction are not modelled, so a request
 * that fails at MIN in every zone is an allocation failure (one the kernel
 * would enter reclaim or compaction for).
 *
 * Small orders go through per-CPU pagesets (policies/pcp.c), routed by the
 * event's CPU: 2.6.24's one mixed-type list, 3.10's lists per type, 6.7's
 * per type and order with high auto-tuned (pcp_autotune). Claim attempts on partial blocks boost the
 * watermarks (5.0+) until kswapd's next pass (sim/reclaim.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/internal.h"
#include "grouping.h"

static const struct generation generations[] = {
	{ "linux-2.6.24", FB_2624, &fs_wmark_rules_3_10, false, FS_PCP_2_6_24, false, FS_MERGE_ANY, false, false, false, HA_NONE, RESERVE_UNCAPPED },
	{ "linux-3.10", FB_310, &fs_wmark_rules_3_10, false, FS_PCP_3_10, true, FS_MERGE_ANY, false, false, false, HA_NONE, 2 },
	{ "linux-4.19", FB_419, &fs_wmark_rules_6_1, false, FS_PCP_3_10, true, FS_MERGE_ANY, false, true, false, HA_44, 0 },
	{ "linux-5.0", FB_419, &fs_wmark_rules_6_1, true, FS_PCP_3_10, true, FS_MERGE_ANY, false, true, false, HA_44, 0 },
	{ "linux-6.10", FB_610, &fs_wmark_rules_6_12, true, FS_PCP_6_7, true, FS_MERGE_RETYPE, true, true, true, HA_63, 0 },
	{ "linux-6.15", FB_615, &fs_wmark_rules_6_12, true, FS_PCP_6_7, true, FS_MERGE_RETYPE, true, true, true, HA_63, 0 },
};

/* page_alloc.c:fallbacks[] (4.4+ numbering; the same rows in every
 * generation once RESERVE and CMA are left out) */
static const uint8_t fallbacks[3][2] = {
	[FS_MT_UNMOVABLE] = { FS_MT_RECLAIMABLE, FS_MT_MOVABLE },
	[FS_MT_MOVABLE] = { FS_MT_RECLAIMABLE, FS_MT_UNMOVABLE },
	[FS_MT_RECLAIMABLE] = { FS_MT_UNMOVABLE, FS_MT_MOVABLE },
};

static const struct fs_tunable grouping_tunables[] = {
	{ "merge_likely", "gen", "buddy_merge_likely tail placement: on, off, or gen (as the generation)" },
	{ "watermarks", "on", "zone choice by the watermark test and lowmem reserves; off: first zone with a block" },
	{ "min_free_kbytes", "0", "vm.min_free_kbytes in KiB; 0: as the kernel computes it at boot" },
	{ "thp", "on", "THP enabled, so khugepaged raises a computed min_free_kbytes (set_recommended_min_free_kbytes)" },
	{ "nofragment", "gen", "ALLOC_NOFRAGMENT (Linux 5.0): on, off, or gen (on from 5.0)" },
	{ "pcp", "gen", "per-CPU pagesets: on, off, or gen (on; 2.6.24: one mixed-type list, hot pages only)" },
	{ "pcp_autotune", "gen", "6.7+ PCP high auto-tuning between high_min and high_max: on, off (high fixed at high_min), or gen (on from 6.10 here)" },
	{ "boost", "gen", "vm.watermark_boost_factor (Linux 5.0, 1/10000 of high); gen: 15000 from 5.0, 0 before" },
	{ "cpus", "2", "CPUs with pagesets; events go to cpu % cpus" },
	{ "pcp_batch", "0", "per-CPU list batch in pages, every zone; 0: as the kernel computes it (zone_batchsize)" },
	{ "pcp_high", "0", "per-CPU list high in pages, every zone, fixed (no auto-tuning); 0: as the kernel computes it" },
	{ "highatomic", "gen", "the HIGHATOMIC reserve for high-order atomic requests (gfp flags needed): on, off, or gen (4.4+)" },
	{ "reserve", "gen", "MIGRATE_RESERVE pageblocks, the last resort before failing: on, off, or gen (2.6.24 to 4.3)" },
	{ "cma", "0", "CMA area (K/M/G suffix; 0: none): MIGRATE_CMA pageblocks at the top of the highest zone, for movable requests only (3.10+)" },
	{ NULL, NULL, NULL }
};

/* What the kernel has set up at boot: watermarks, lowmem reserves. Zones'
 * managed pages are taken as their present pages (no memory is reserved
 * at boot in the simulation). */
static int setup_watermarks(struct fs_policy *p, const struct fs_kv *kv, unsigned nkv,
			    struct fs_err *err)
{
	struct grouping *st = G(p);
	struct fs_machine *m = p->m;
	struct fs_wmark_zone zones[FS_MAX_ZONES];
	struct fs_wmark_tunables t = { .nr_cpus = 2, .pageblock_nr_pages = 1ull << m->pageblock_order };
	const char *v = fs_tunable_get(p->ops, kv, nkv, "cpus");
	unsigned long cpus = strtoul(v, NULL, 10);
	uint64_t kb;
	bool thp;

	/* zone_highsize splits high over the CPUs (validated in setup_pcp) */
	if (cpus >= 1 && cpus <= 1024)
		t.nr_cpus = (unsigned)cpus;
	if (fs_tunable_bool("watermarks", fs_tunable_get(p->ops, kv, nkv, "watermarks"),
			    &st->watermarks, err) ||
	    fs_tunable_bool("thp", fs_tunable_get(p->ops, kv, nkv, "thp"), &thp, err))
		return -EINVAL;
	v = fs_tunable_get(p->ops, kv, nkv, "nofragment");
	st->nofragment = st->gen->nofragment;
	if (strcmp(v, "gen") && fs_tunable_bool("nofragment", v, &st->nofragment, err))
		return -EINVAL;
	v = fs_tunable_get(p->ops, kv, nkv, "boost");
	st->boost_factor = st->gen->nofragment ? FS_WMARK_BOOST_FACTOR_DEFAULT : 0;
	if (strcmp(v, "gen")) {
		if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 6)
			return fs_error(err, -EINVAL, "tunable \"boost\" expects 0..999999, got \"%s\"", v);
		st->boost_factor = (unsigned)strtoul(v, NULL, 10);
	}
	v = fs_tunable_get(p->ops, kv, nkv, "min_free_kbytes");
	kb = strtoull(v, NULL, 10);
	if (!*v || strspn(v, "0123456789") != strlen(v))
		return fs_error(err, -EINVAL, "tunable \"min_free_kbytes\" expects KiB, got \"%s\"", v);
	/* alloc_flags_nofragment (5.0, 6.1): only when the preferred zone is
	 * ZONE_NORMAL (with CONFIG_ZONE_DMA32, as on x86_64; on one node the
	 * DMA32 zone is assumed populated); fs_grp_alloc tests the request's
	 * preferred zone against this one */
	st->nofrag_zone = -1;
	for (unsigned i = 0; i < m->nr_zones; i++)
		if (!strcmp(m->zones[i].name, "Normal"))
			st->nofrag_zone = (int)i;
	if (st->nofrag_zone < 0)
		st->nofragment = false;
	for (unsigned i = 0; i < m->nr_zones; i++) {
		zones[i].managed = m->zones[i].present_pages;
		zones[i].kind = fs_wmark_zone_kind_of(m->zones[i].name);
		zones[i].reserve_ratio = fs_wmark_default_reserve_ratio(st->gen->wmark, m->zones[i].name);
	}
	t.min_free_kbytes = kb;
	t.thp = thp;
	st->min_free_kbytes = fs_wmark_setup_all(st->gen->wmark, zones, m->nr_zones, &t, st->wz);
	if (st->min_free_kbytes < 0)
		return fs_error(err, -EINVAL, "cannot set up watermarks for this machine");
	return 0;
}


/* Per-CPU pagesets with the kernel's batch and high for each zone: 6.x
 * from zone_batchsize/zone_highsize (6.7+: auto-tuned between high_min and
 * high_max, or fixed at high_min with pcp_autotune=off, as a set
 * percpu_pagelist_high_fraction fixes it), 2.6.24 (the hot list), 3.10 and
 * 4.19 high = 6 * batch (setup_pageset, pageset_set_batch). */
/* pcp_batch / pcp_high: the sizes fixed by hand, as the sysctls
 * percpu_pagelist_fraction (until 5.13) and percpu_pagelist_high_fraction
 * (5.14+) fix high for every pageset (and stop 6.7+'s auto-tuning) */
static int pcp_override(struct fs_policy *p, const struct fs_kv *kv, unsigned nkv,
			struct fs_pcp_zone_sizes *sz, struct fs_err *err)
{
	static const char *const names[2] = { "pcp_batch", "pcp_high" };
	uint64_t val[2];

	for (unsigned k = 0; k < 2; k++) {
		const char *v = fs_tunable_get(p->ops, kv, nkv, names[k]);

		if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 9)
			return fs_error(err, -EINVAL, "tunable \"%s\" expects pages (0: as the kernel computes), got \"%s\"",
					names[k], v);
		val[k] = strtoull(v, NULL, 10);
	}
	for (unsigned i = 0; i < p->m->nr_zones; i++) {
		if (val[0])
			sz[i].batch = val[0];
		if (val[1])
			sz[i].high_min = sz[i].high_max = val[1];
		if (sz[i].high_min <= sz[i].batch)
			return fs_error(err, -EINVAL, "per-CPU list high (%llu) must exceed batch (%llu) in zone %s",
					(unsigned long long)sz[i].high_min, (unsigned long long)sz[i].batch,
					p->m->zones[i].name);
	}
	return 0;
}

static int setup_pcp(struct fs_policy *p, const struct fs_kv *kv, unsigned nkv,
		     struct fs_err *err)
{
	struct grouping *st = G(p);
	const char *v = fs_tunable_get(p->ops, kv, nkv, "pcp");
	const char *c = fs_tunable_get(p->ops, kv, nkv, "cpus");
	const char *a = fs_tunable_get(p->ops, kv, nkv, "pcp_autotune");
	struct fs_pcp_zone_sizes sz[FS_MAX_ZONES];
	enum fs_pcp_style style = st->gen->pcp;
	unsigned long cpus = strtoul(c, NULL, 10);
	bool on, autotune = style == FS_PCP_6_7;

	if (!*c || strspn(c, "0123456789") != strlen(c) || cpus < 1 || cpus > 1024)
		return fs_error(err, -EINVAL, "tunable \"cpus\" expects 1..1024, got \"%s\"", c);
	if (strcmp(v, "gen")) {
		if (fs_tunable_bool("pcp", v, &on, err))
			return -EINVAL;
		if (!on)
			style = FS_PCP_OFF;
	}
	if (strcmp(a, "gen")) {
		if (fs_tunable_bool("pcp_autotune", a, &autotune, err))
			return -EINVAL;
		if (autotune && st->gen->pcp != FS_PCP_6_7)
			return fs_error(err, -EINVAL, "%s: PCP high auto-tuning came in 6.7", p->ops->name);
	}
	/* with exact placement the trace says where every page goes: pages
	 * held on simulated per-CPU lists would only conflict with it */
	if (p->m->exact_placement)
		style = FS_PCP_OFF;
	for (unsigned i = 0; i < p->m->nr_zones; i++) {
		const struct fs_pcp_sizes *ps = &st->wz[i].pcp;

		sz[i].batch = ps->batch ? ps->batch : 1;
		if (st->gen->pcp == FS_PCP_3_10 || st->gen->pcp == FS_PCP_2_6_24)
			sz[i].high_min = 6 * sz[i].batch;
		else
			sz[i].high_min = ps->high_min;
		sz[i].high_max = autotune ? ps->high_max : sz[i].high_min;
	}
	if (pcp_override(p, kv, nkv, sz, err))
		return -EINVAL;
	if (fs_pcp_init(&st->pcp, p->m, style, (unsigned)cpus, sz, fs_grp_rmqueue,
			fs_grp_zone_above_high))
		return fs_error(err, -ENOMEM, "out of memory for per-CPU pagesets");
	return 0;
}

static void grouping_destroy(struct fs_policy *p)
{
	fs_pcp_release(&G(p)->pcp, p->m);
}

/* Whether [start, end) holds a page of a hole (a reserved page, in the
 * kernel's terms). */
static bool has_hole(const struct fs_machine *m, uint64_t start, uint64_t end)
{
	for (unsigned h = 0; h < m->nr_holes; h++)
		if (m->holes[h].start_pfn < end && m->holes[h].start_pfn + m->holes[h].nr_pages > start)
			return true;
	return false;
}

/* The CMA area (cma=SIZE), placed where the kernel's default area lands on
 * x86_64: dma_contiguous_reserve -> cma_declare_contiguous allocates it
 * from memblock top-down below the end of memory, the size rounded up to
 * and the base aligned to the larger of MAX_ORDER_NR_PAGES and
 * pageblock_nr_pages (3.10 .. 5.x; 5.18+ needs only pageblock alignment,
 * not modelled): the highest such range without a hole, which must lie in
 * the highest zone. Its pageblocks become MIGRATE_CMA at boot (below). */
static int setup_cma_area(struct fs_policy *p, const struct fs_kv *kv, unsigned nkv,
			  struct fs_err *err)
{
	struct grouping *st = G(p);
	struct fs_machine *m = p->m;
	const char *v = fs_tunable_get(p->ops, kv, nkv, "cma");
	const struct fs_zone *z = &m->zones[m->nr_zones - 1];
	uint64_t bytes, align = 1ull << m->max_order, pages;

	if (fs_parse_size(v, &bytes))
		return fs_error(err, -EINVAL, "tunable \"cma\" expects a size (e.g. 64M), got \"%s\"", v);
	pages = (bytes / 4096 + align - 1) & ~(align - 1);
	if (!pages)
		return 0;
	if (st->gen->style == FB_2624)
		return fs_error(err, -EINVAL, "%s has no CMA (it came in 3.5)", p->ops->name);
	for (uint64_t start = (z->end_pfn - pages) & ~(align - 1);
	     pages <= z->end_pfn && start >= z->start_pfn && start + pages <= z->end_pfn; start -= align) {
		if (!has_hole(m, start, start + pages)) {
			st->cma = true;
			st->cma_start = start;
			st->cma_pages = pages;
			m->pti_cma = true;
			return 0;
		}
		if (start < align)
			break;
	}
	return fs_error(err, -EINVAL, "tunable \"cma\": no hole-free %llu pages in zone %s",
			(unsigned long long)pages, z->name);
}

/* cma_activate_area -> init_cma_reserved_pageblock: each pageblock of the
 * area becomes MIGRATE_CMA and its pages go to the CMA free lists; they
 * never change type again. */
static void setup_cma(struct fs_policy *p)
{
	struct grouping *st = G(p);
	struct fs_machine *m = p->m;
	uint64_t pbn = 1ull << m->pageblock_order;

	for (uint64_t pfn = st->cma_start; pfn < st->cma_start + st->cma_pages; pfn += pbn)
		fs_grp_retype_block(p, fs_machine_zone_of(m, pfn), pfn, FS_MT_CMA);
}

static int grouping_init(struct fs_policy *p, const struct fs_kv *kv, unsigned nkv,
			 struct fs_err *err)
{
	struct grouping *st = G(p);
	struct fs_machine *m = p->m;
	const char *ml = fs_tunable_get(p->ops, kv, nkv, "merge_likely");
	uint64_t pages = 0;

	for (unsigned i = 0; i < sizeof(generations) / sizeof(generations[0]); i++)
		if (!strcmp(generations[i].name, p->ops->name))
			st->gen = &generations[i];
	m->merge_likely = st->gen->merge_likely;
	if (strcmp(ml, "gen") && fs_tunable_bool("merge_likely", ml, &m->merge_likely, err))
		return -EINVAL;
	m->merge_guard = st->gen->guard;
	/* the tunables that can fail first: setup_pcp allocates, and a
	 * failed init is not destroyed */
	ml = fs_tunable_get(p->ops, kv, nkv, "highatomic");
	st->highatomic = st->gen->highatomic != HA_NONE;
	if (strcmp(ml, "gen") && fs_tunable_bool("highatomic", ml, &st->highatomic, err))
		return -EINVAL;
	if (st->highatomic && st->gen->highatomic == HA_NONE)
		return fs_error(err, -EINVAL, "%s has no HIGHATOMIC reserve (it came in 4.4)", p->ops->name);
	ml = fs_tunable_get(p->ops, kv, nkv, "reserve");
	st->reserve = st->gen->reserve_max != 0;
	if (strcmp(ml, "gen") && fs_tunable_bool("reserve", ml, &st->reserve, err))
		return -EINVAL;
	if (st->reserve && !st->gen->reserve_max)
		return fs_error(err, -EINVAL, "%s has no MIGRATE_RESERVE (4.4 removed it)", p->ops->name);
	if (setup_cma_area(p, kv, nkv, err) || setup_watermarks(p, kv, nkv, err) ||
	    setup_pcp(p, kv, nkv, err))
		return -EINVAL;
	for (unsigned i = 0; i < m->nr_zones; i++)
		pages += m->zones[i].present_pages;
	/* too small to group: every request is treated as UNMOVABLE
	 * (gfp_migratetype). Boot memory stays MOVABLE: memmap_init() typed
	 * the pageblocks before build_all_zonelists() computed the flag, so
	 * the first requests fall back and claim blocks. */
	st->disabled = pages < ((uint64_t)(MIGRATE_TYPES_NO_CMA + st->cma) << m->pageblock_order);
	p->initial_class = FS_MT_MOVABLE;
	p->typed_pageblocks = true;
	m->pti_style = st->gen->style <= FB_310 ? FS_PTI_3_10 : FS_PTI_6X;
	return 0;
}

/* setup_zone_migrate_reserve (2.6.24, 3.10), run at boot on free memory:
 * reserve = roundup(min_wmark_pages(zone), pageblock_nr_pages) >>
 * pageblock_order blocks (3.10: min(2, reserve)); walking the zone's
 * pageblocks from its first aligned one, a RESERVE block counts, a MOVABLE
 * one becomes RESERVE with its free pages (set_pageblock_migratetype +
 * move_freepages_block), others are passed over, as are blocks with
 * reserved pages (pageblock_is_reserved; here: a hole) - 2.6.24 tests only
 * the first page, which is the same at boot here. A free block larger than
 * the pageblock moves whole, so with one reserve block the order-10 boot
 * block heads the RESERVE list while its second pageblock stays MOVABLE,
 * as in the kernel. */
static void setup_reserve(struct fs_policy *p)
{
	struct grouping *st = G(p);
	struct fs_machine *m = p->m;
	uint64_t pbn = 1ull << m->pageblock_order;

	if (!st->reserve)
		return;
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		struct fs_zone *z = &m->zones[zi];
		uint64_t n = (st->wz[zi].wm.min + pbn - 1) >> m->pageblock_order;

		if (st->gen->reserve_max != RESERVE_UNCAPPED && n > st->gen->reserve_max)
			n = st->gen->reserve_max;
		for (uint64_t pfn = (z->start_pfn + pbn - 1) & ~(pbn - 1); pfn < z->end_pfn && n; pfn += pbn) {
			uint64_t end = pfn + pbn < z->end_pfn ? pfn + pbn : z->end_pfn;
			unsigned t;

			if (has_hole(m, pfn, end))
				continue;
			t = fs_pb_type(m, pfn);
			if (t == FS_MT_RESERVE) {
				n--;
			} else if (t == FS_MT_MOVABLE) {
				fs_grp_retype_block(p, z, pfn, FS_MT_RESERVE);
				n--;
			}
		}
	}
}

/* What the kernel sets up on free memory at boot: the CMA area
 * (cma_init_reserved_areas, a core_initcall) before MIGRATE_RESERVE
 * (init_per_zone_wmark_min, a module_init), which so never takes a CMA
 * block. */
static void grouping_boot(struct fs_policy *p)
{
	setup_cma(p);
	setup_reserve(p);
}

/* One mm_page_alloc_extfrag: page is the one the kernel hands the
 * tracepoint (the block found in 4.19, the page returned elsewhere). */
static void extfrag(struct fs_policy *p, struct fs_zone *z, uint64_t page, unsigned order,
		    unsigned co, unsigned start, unsigned fallback, bool change)
{
	fs_zone_extfrag_event(p->m, z, page, order, co, start, fallback, change);
}

/* ---- moving free pages between lists ---------------------------------- */

static void move_block(struct fs_policy *p, struct fs_zone *z, uint64_t pfn, unsigned order,
		       unsigned to)
{
	fs_buddy_del(p->m, z, pfn);
	fs_buddy_add(p->m, z, pfn, order, to, G(p)->gen->move_to_tail);
}

/* Walk [start, end] and move every free block to `to`'s lists; pages moved. */
static uint64_t move_range(struct fs_policy *p, struct fs_zone *z, uint64_t start,
			   uint64_t end, unsigned to)
{
	struct fs_machine *m = p->m;
	uint64_t moved = 0, pfn = start;

	while (pfn <= end) {
		uint64_t s = m->pages[pfn - m->base_pfn];
		unsigned kind = fs_pg_kind(s), o;

		if (kind == FS_PG_FREE) {
			o = fs_buddy_order(m, pfn - m->base_pfn);
			move_block(p, z, pfn, o, to);
			moved += 1ull << o;
			pfn += 1ull << o;
		} else if (kind == FS_PG_ALLOC) {
			pfn += 1ull << ((s >> 2) & 15);
		} else {
			pfn++;
		}
	}
	return moved;
}

/* move_freepages_block (2.6.24 .. 6.9): a block whose end lies outside the
 * zone moves nothing; one whose start does is walked from the page. The
 * found page is still on its list and counts. */
static uint64_t move_freepages_block(struct fs_policy *p, struct fs_zone *z, uint64_t pfn,
				     unsigned to)
{
	uint64_t pbn = 1ull << p->m->pageblock_order;
	uint64_t start = pfn & ~(pbn - 1), end = start + pbn - 1;

	if (start < z->start_pfn)
		start = pfn;
	if (end >= z->end_pfn)
		return 0;
	return move_range(p, z, start, end, to);
}

bool fs_grp_retype_block(struct fs_policy *p, struct fs_zone *z, uint64_t pfn, unsigned to)
{
	uint64_t pbn = 1ull << p->m->pageblock_order, start = pfn & ~(pbn - 1);

	if (G(p)->gen->style >= FB_610 && (start < z->start_pfn || start + pbn > z->end_pfn))
		return false;
	move_freepages_block(p, z, pfn, to);
	fs_pb_set_type(p->m, start, to);
	return true;
}

/* prep_move_freepages_block (6.10+): count, do not move; refuse blocks
 * that straddle the zone. Movable pages are the block's allocated pages of
 * MOVABLE allocations (the kernel counts PageLRU or __PageMovable pages). */
static bool prep_move(struct fs_policy *p, struct fs_zone *z, uint64_t pfn,
		      uint64_t *free_pages, uint64_t *movable)
{
	struct fs_machine *m = p->m;
	uint64_t pbn = 1ull << m->pageblock_order;
	uint64_t start = pfn & ~(pbn - 1), end = start + pbn - 1;

	if (start < z->start_pfn || end >= z->end_pfn)
		return false;
	*free_pages = 0;
	for (uint64_t q = start; q <= end;) {
		uint64_t s = m->pages[q - m->base_pfn];

		if (fs_pg_kind(s) == FS_PG_FREE) {
			unsigned o = fs_buddy_order(m, q - m->base_pfn);

			*free_pages += 1ull << o;
			q += 1ull << o;
		} else if (fs_pg_kind(s) == FS_PG_ALLOC) {
			q += 1ull << ((s >> 2) & 15);
		} else {
			q++;
		}
	}
	*movable = m->pb[fs_pb_idx(m, pfn)].used[FS_MT_MOVABLE];
	return true;
}

/* The claim rule shared by 4.19 .. 6.15 (steal_suitable_fallback,
 * try_to_steal_block): free pages plus pages "alike" the request reach
 * half the block. For a MOVABLE request alike pages are the movable ones;
 * for others falling back from a MOVABLE block, every page neither free nor
 * movable; otherwise none (UNMOVABLE and RECLAIMABLE cannot be told apart). */
static bool claim_ok(struct fs_policy *p, unsigned start, unsigned block_type,
		     uint64_t free_pages, uint64_t movable)
{
	uint64_t pbn = 1ull << p->m->pageblock_order, alike;

	if (start == FS_MT_MOVABLE)
		alike = movable;
	else if (block_type == FS_MT_MOVABLE)
		alike = pbn - (free_pages + movable);
	else
		alike = 0;
	return free_pages + alike >= pbn / 2 || G(p)->disabled;
}

/* ---- fallback search ---------------------------------------------------- */

/* can_steal_fallback (4.19 .. 6.12); 2.6.24 and 3.10 wrote it inline
 * without the UNMOVABLE case */
static bool can_steal(struct fs_policy *p, unsigned order, unsigned start)
{
	unsigned pbo = p->m->pageblock_order;

	if (order >= pbo || order >= pbo / 2 || start == FS_MT_RECLAIMABLE || G(p)->disabled)
		return true;
	return G(p)->gen->steal_for_unmovable && start == FS_MT_UNMOVABLE;
}

/* find_suitable_fallback: the first type in the fallback row with a free
 * block of this order. */
static int find_fallback(struct fs_policy *p, struct fs_zone *z, unsigned order, unsigned start,
			 bool *steal)
{
	*steal = false;
	for (unsigned i = 0; i < 2; i++) {
		unsigned fb = fallbacks[start][i];

		if (z->lists[order][fb].head == FS_NIL)
			continue;
		*steal = can_steal(p, order, start);
		return (int)fb;
	}
	return -1;
}

static uint64_t head_of(struct fs_policy *p, struct fs_zone *z, unsigned order, unsigned mt)
{
	return p->m->base_pfn + z->lists[order][mt].head;
}

/* ALLOC_NOFRAGMENT: the fallback takes whole pageblocks only. 5.0's
 * __rmqueue_fallback sets min_order = pageblock_order whatever the order,
 * so a request above pageblock_order also looks at (and takes ownership
 * of) smaller whole pageblocks, which __rmqueue's retry then cannot use;
 * 6.1+ only lowers min_order for orders below pageblock_order. */
static unsigned min_order(struct fs_policy *p, unsigned order)
{
	if (G(p)->pass_nofragment &&
	    (order < p->m->pageblock_order || G(p)->gen->style == FB_419))
		return p->m->pageblock_order;
	return order;
}

/* 2.6.24 and 3.10 __rmqueue_fallback. 3.10 with CMA: MOVABLE's row starts
 * with MIGRATE_CMA, whose blocks are taken without stealing or retyping and
 * split with their remainders kept on the CMA lists (expand with
 * is_migrate_cma(migratetype) ? migratetype : start_migratetype). */
static uint64_t fallback_old(struct fs_policy *p, struct fs_zone *z, unsigned order, unsigned start)
{
	struct fs_machine *m = p->m;
	const struct generation *g = G(p)->gen;
	unsigned pbo = m->pageblock_order, row[3], n = 0;

	if (start == FS_MT_MOVABLE && G(p)->cma)
		row[n++] = FS_MT_CMA;
	row[n++] = fallbacks[start][0];
	row[n++] = fallbacks[start][1];
	for (int co = (int)m->max_order; co >= (int)order; co--) {
		for (unsigned i = 0; i < n; i++) {
			unsigned fb = row[i], mt = fb;
			uint64_t pfn;

			if (z->lists[co][fb].head == FS_NIL)
				continue;
			pfn = head_of(p, z, (unsigned)co, fb);
			if (fb == FS_MT_CMA) {
				fs_buddy_del(m, z, pfn);
				fs_buddy_expand(m, z, pfn, order, (unsigned)co, FS_MT_CMA);
				extfrag(p, z, pfn, order, (unsigned)co, start, FS_MT_CMA, false);
				return pfn;
			}
			if ((unsigned)co >= pbo / 2 || start == FS_MT_RECLAIMABLE ||
			    (g->style == FB_310 && G(p)->disabled)) {
				uint64_t pages = move_freepages_block(p, z, pfn, start);

				if (pages >= (1ull << (pbo - 1)) || (g->style == FB_310 && G(p)->disabled))
					fs_pb_set_type(m, pfn, start);
				mt = start;
			}
			fs_buddy_del(m, z, pfn);
			if (g->style == FB_2624 ? (unsigned)co == pbo : (unsigned)co >= pbo)
				fs_pb_set_range(m, pfn, (unsigned)co, start);
			fs_buddy_expand(m, z, pfn, order, (unsigned)co, g->style == FB_310 ? start : mt);
			/* 3.10 trace: the printed fallback type was overwritten
			 * when pages moved; change_ownership = alloc == fallback */
			extfrag(p, z, pfn, order, (unsigned)co, start, mt, start == mt);
			return pfn;
		}
	}
	return NONE;
}

/* 4.19 .. 6.10: largest order first; a MOVABLE request that may not steal
 * a whole block takes the smallest fallback block instead. Returns the
 * order searched (and *fb), or -1. */
static int search_419(struct fs_policy *p, struct fs_zone *z, unsigned order, unsigned start,
		      int *fb, bool *steal)
{
	int co;

	for (co = (int)p->m->max_order; co >= (int)min_order(p, order); co--) {
		*fb = find_fallback(p, z, (unsigned)co, start, steal);
		if (*fb < 0)
			continue;
		if (!*steal && start == FS_MT_MOVABLE && co > (int)order)
			break;
		return co;
	}
	/* find_smallest is reached only by that goto: a search that found
	 * nothing (e.g. above min_order under ALLOC_NOFRAGMENT) fails */
	if (co < (int)min_order(p, order))
		return -1;
	for (co = (int)order; co <= (int)p->m->max_order; co++) {
		*fb = find_fallback(p, z, (unsigned)co, start, steal);
		if (*fb >= 0)
			return co;
	}
	return -1;
}

/* 4.19 .. 6.9: steal_suitable_fallback moves pages onto the requested
 * type's lists; __rmqueue then retries __rmqueue_smallest. 5.0+ boosts
 * the watermarks (boost_watermark) for every block below pageblock_order
 * that is not HIGHATOMIC, before the whole_block test; a no-op for 4.19,
 * whose boost factor is 0. */
static bool fallback_419(struct fs_policy *p, struct fs_zone *z, unsigned order, unsigned start)
{
	struct fs_machine *m = p->m;
	unsigned pbo = m->pageblock_order, old;
	bool whole;
	int fb, co = search_419(p, z, order, start, &fb, &whole);
	uint64_t pfn;

	if (co < 0)
		return false;
	pfn = head_of(p, z, (unsigned)co, (unsigned)fb);
	old = fs_pb_type(m, pfn);
	if (old == FS_MT_HIGHATOMIC) {
		move_block(p, z, pfn, (unsigned)co, start);
	} else if ((unsigned)co >= pbo) {
		fs_pb_set_range(m, pfn, (unsigned)co, start);
		move_block(p, z, pfn, (unsigned)co, start);
	} else {
		fs_grp_boost(p, z);
		if (!whole) {
			move_block(p, z, pfn, (unsigned)co, start);
		} else {
			uint64_t movable = m->pb[fs_pb_idx(m, pfn)].used[FS_MT_MOVABLE];
			uint64_t free_pages = move_freepages_block(p, z, pfn, start);

			if (!free_pages)
				move_block(p, z, pfn, (unsigned)co, start);
			else if (claim_ok(p, start, old, free_pages, movable))
				fs_pb_set_type(m, pfn, start);
		}
	}
	/* change_ownership is recorded at trace time: is the page's block
	 * now of the requested type? */
	extfrag(p, z, pfn, order, (unsigned)co, start, (unsigned)fb, fs_pb_type(m, pfn) == start);
	return true;
}

/* __move_freepages_block (6.10+): move and retype as one step */
static void claim_block(struct fs_policy *p, struct fs_zone *z, uint64_t pfn, unsigned start)
{
	uint64_t pbn = 1ull << p->m->pageblock_order;
	uint64_t bs = pfn & ~(pbn - 1);

	move_range(p, z, bs, bs + pbn - 1, start);
	fs_pb_set_type(p->m, bs, start);
}

/* boost_watermark (5.0, 1c30844d2dfe), on a fallback that may mix a
 * pageblock: zone->watermark_boost grows by a pageblock, capped at
 * max(pageblock_nr_pages, _watermark[WMARK_HIGH] * factor / 10000) (the
 * unboosted high), and stays in every watermark the allocator reads
 * (wmark_pages() = _watermark[i] + watermark_boost; grouping_alloc.c
 * zone_ok) until kswapd's next pass (balance_pgdat, sim/reclaim.c
 * fs_reclaim_boosted) has reclaimed it and taken it away, then wakes
 * kcompactd at pageblock_order. The flag is ZONE_BOOSTED_WATERMARK, which
 * rmqueue turns into wakeup_kswapd (73444bc4d8f9, 5.1; 5.0.0 called
 * wakeup_kswapd here directly): every boost wakes kswapd. A replay without
 * reclaimable memory still has that pass, which reclaims nothing. */
void fs_grp_boost(struct fs_policy *p, struct fs_zone *z)
{
	struct grouping *st = G(p);
	struct fs_wmark_boost b;

	if (!st->boost_factor)
		return;
	b = fs_wmark_boost(z->watermark_boost, st->wz[z->idx].wm.high, z->present_pages,
			   1ull << p->m->pageblock_order, st->boost_factor);
	if (b.boosted) {
		z->boosts++;
		z->reclaim_requested += b.boost - z->watermark_boost;
		z->watermark_boost = b.boost;
		z->boosted_watermark = true;
	}
}

/* try_to_steal_block (6.15; the claim half of 6.10's steal_suitable_fallback):
 * the allocated pfn, or NONE when the block cannot be claimed. */
static uint64_t try_claim(struct fs_policy *p, struct fs_zone *z, uint64_t pfn, unsigned co,
			  unsigned order, unsigned start, bool whole)
{
	struct fs_machine *m = p->m;
	unsigned bt = fs_pb_type(m, pfn);
	uint64_t free_pages, movable;

	if (bt == FS_MT_HIGHATOMIC)
		return NONE;
	if (co >= m->pageblock_order) {
		fs_buddy_del(m, z, pfn);
		fs_pb_set_range(m, pfn, co, start);
		fs_buddy_expand(m, z, pfn, order, co, start);
		return pfn;
	}
	fs_grp_boost(p, z);
	if (!whole || !prep_move(p, z, pfn, &free_pages, &movable) ||
	    !claim_ok(p, start, bt, free_pages, movable))
		return NONE;
	claim_block(p, z, pfn, start);
	return fs_buddy_rmqueue_smallest(m, z, order, start);
}

/* page_del_and_expand: the single-page steal of 6.10+, which leaves the
 * remainder on the lists of type `keep` (6.10: the block's type; 6.15:
 * the fallback list it came from) */
static uint64_t steal_single(struct fs_policy *p, struct fs_zone *z, uint64_t pfn, unsigned co,
			     unsigned order, unsigned keep)
{
	fs_buddy_del(p->m, z, pfn);
	fs_buddy_expand(p->m, z, pfn, order, co, keep);
	return pfn;
}

/* 6.10 .. 6.14 __rmqueue_fallback */
static uint64_t fallback_610(struct fs_policy *p, struct fs_zone *z, unsigned order, unsigned start)
{
	struct fs_machine *m = p->m;
	bool whole;
	int fb, co = search_419(p, z, order, start, &fb, &whole);
	uint64_t pfn, got;

	if (co < 0)
		return NONE;
	pfn = head_of(p, z, (unsigned)co, (unsigned)fb);
	got = try_claim(p, z, pfn, (unsigned)co, order, start, whole);
	if (got == NONE)
		got = steal_single(p, z, pfn, (unsigned)co, order, fs_pb_type(m, pfn));
	extfrag(p, z, got, order, (unsigned)co, start, (unsigned)fb, fs_pb_type(m, got) == start);
	return got;
}

/* 6.15 __rmqueue_claim then __rmqueue_steal */
static uint64_t fallback_615(struct fs_policy *p, struct fs_zone *z, unsigned order, unsigned start)
{
	struct fs_machine *m = p->m;
	bool steal;
	int fb;

	for (int co = (int)m->max_order; co >= (int)min_order(p, order); co--) {
		uint64_t pfn, got;

		fb = find_fallback(p, z, (unsigned)co, start, &steal);
		if (fb < 0)
			continue;
		if (!steal)
			break;          /* advanced into orders too low to claim */
		pfn = head_of(p, z, (unsigned)co, (unsigned)fb);
		got = try_claim(p, z, pfn, (unsigned)co, order, start, true);
		if (got != NONE) {
			extfrag(p, z, got, order, (unsigned)co, start, (unsigned)fb, fs_pb_type(m, got) == start);
			return got;
		}
	}
	if (G(p)->pass_nofragment)
		return NONE;           /* __rmqueue_steal is skipped under ALLOC_NOFRAGMENT */
	for (unsigned co = order; co <= m->max_order; co++) {
		uint64_t pfn;

		fb = find_fallback(p, z, co, start, &steal);
		if (fb < 0)
			continue;
		pfn = steal_single(p, z, head_of(p, z, co, (unsigned)fb), co, order, (unsigned)fb);
		extfrag(p, z, pfn, order, co, start, (unsigned)fb, fs_pb_type(m, pfn) == start);
		return pfn;
	}
	return NONE;
}

/* NR_FREE_CMA_PAGES: the free pages on the CMA lists */
uint64_t fs_grp_free_cma(const struct fs_machine *m, const struct fs_zone *z)
{
	uint64_t n = 0;

	for (unsigned o = 0; o <= m->max_order && o < FS_NR_ORDERS; o++)
		n += (uint64_t)z->lists[o][FS_MT_CMA].count << o;
	return n;
}

/* __rmqueue for one zone. ALLOC_CMA is set for exactly the MOVABLE
 * requests (gfp_to_alloc_flags_cma, 4.19's prepare_alloc_pages, 3.10's
 * __alloc_pages_nodemask), so CMA is decided by the requested type:
 * 5.7+ (here 6.10, 6.15) takes CMA first while it holds more than half
 * the zone's free pages; 4.19+ tries __rmqueue_cma_fallback after
 * __rmqueue_smallest fails and before the fallback; 3.10 has CMA at the
 * head of MOVABLE's fallback row (fallback_old). */
uint64_t fs_grp_rmqueue(struct fs_policy *p, struct fs_zone *z, unsigned order, unsigned start)
{
	struct fs_machine *m = p->m;
	const struct generation *g = G(p)->gen;
	bool cma = G(p)->cma && start == FS_MT_MOVABLE;
	uint64_t pfn;

	if (cma && g->style >= FB_610 && fs_grp_free_cma(m, z) > z->free_pages / 2) {
		pfn = fs_buddy_rmqueue_smallest(m, z, order, FS_MT_CMA);
		if (pfn != NONE)
			return pfn;
	}
	pfn = fs_buddy_rmqueue_smallest(m, z, order, start);
	if (pfn != NONE)
		return pfn;
	if (cma && g->style >= FB_419) {
		pfn = fs_buddy_rmqueue_smallest(m, z, order, FS_MT_CMA);
		if (pfn != NONE)
			return pfn;
	}
	switch (g->style) {
	case FB_2624:
	case FB_310:
		/* __rmqueue_fallback skips (2.6.24) or stops at (3.10) the
		 * fallback rows' MIGRATE_RESERVE; then "use MIGRATE_RESERVE
		 * rather than fail an allocation": __rmqueue_smallest of the
		 * reserve lists, whose remainders stay there (expand) */
		pfn = fallback_old(p, z, order, start);
		if (pfn == NONE && G(p)->reserve)
			pfn = fs_buddy_rmqueue_smallest(m, z, order, FS_MT_RESERVE);
		return pfn;
	case FB_419:
		/* __rmqueue: "goto retry" after every successful fallback;
		 * only 5.0's ALLOC_NOFRAGMENT pass above pageblock_order can
		 * move a block too small for the request */
		while (fallback_419(p, z, order, start)) {
			pfn = fs_buddy_rmqueue_smallest(m, z, order, start);
			if (pfn != NONE)
				return pfn;
		}
		return NONE;
	case FB_610:
		return fallback_610(p, z, order, start);
	case FB_615:
		return fallback_615(p, z, order, start);
	}
	return NONE;
}

/* Frees go to the list of the pageblock's current type
 * (get_pfnblock_migratetype); 6.10+ frees a block larger than a pageblock
 * one pageblock at a time, each with its own type (split_large_buddy). */
static void grouping_free(struct fs_policy *p, const struct fs_free_req *req)
{
	struct fs_machine *m = p->m;
	struct fs_zone *z = fs_machine_zone_of(m, req->pfn);
	unsigned order = req->order;
	uint64_t pfn = req->pfn, end = pfn + (1ull << order);

	if (fs_pcp_allowed(&G(p)->pcp, m, order, FS_MT_UNMOVABLE) &&
	    fs_pcp_free(&G(p)->pcp, p, z, req->cpu, pfn, order))
		return;
	if (G(p)->gen->split_large_frees && order > m->pageblock_order)
		order = m->pageblock_order;
	for (; pfn < end; pfn += 1ull << order)
		fs_buddy_free(m, z, pfn, order, fs_pb_type(m, pfn), FS_FPI_NONE);
}

void fs_grp_drain(struct fs_policy *p, int zone, int cpu)
{
	fs_pcp_drain(&G(p)->pcp, p->m, &p->m->zones[zone], cpu);
}

/* vmstat_update's decay_pcp_high, once a second (6.7+ pagesets) */
static void grouping_tick(struct fs_policy *p, uint64_t now_ns)
{
	fs_pcp_tick(&G(p)->pcp, p, now_ns);
}

#define GROUPING_POLICY(var, gname, text)                        \
	const struct fs_policy_ops var = {                       \
		.name = gname,                                   \
		.summary = text,                                 \
		.state_size = sizeof(struct grouping),           \
		.initial_class = FS_MT_MOVABLE,                  \
		.tunables = grouping_tunables,                   \
		.init = grouping_init,                           \
		.destroy = grouping_destroy,                     \
		.alloc = fs_grp_alloc,                         \
		.free = grouping_free,                           \
		.drain = fs_grp_drain,                         \
		.boot = grouping_boot,                           \
		.tick = grouping_tick,                           \
	}

GROUPING_POLICY(fs_linux_2_6_24_policy, "linux-2.6.24",
		"mobility grouping as merged in 2.6.24: steal when order >= pageblock_order/2");
GROUPING_POLICY(fs_linux_3_10_policy, "linux-3.10",
		"mobility grouping, 3.10: remainders always to the requested type");
GROUPING_POLICY(fs_linux_4_19_policy, "linux-4.19",
		"mobility grouping, 4.19 to 6.9: claim a block when free + alike pages >= half");
GROUPING_POLICY(fs_linux_5_0_policy, "linux-5.0",
		"mobility grouping, 5.0 to 6.9: 4.19's fallback with ALLOC_NOFRAGMENT and watermark boosting");
GROUPING_POLICY(fs_linux_6_10_policy, "linux-6.10",
		"mobility grouping, 6.10 to 6.14: freelist hygiene, single-page steals keep the block's type");
GROUPING_POLICY(fs_linux_6_15_policy, "linux-6.15",
		"mobility grouping, 6.15 (default for Linux): claim from the largest block, else steal the smallest");
