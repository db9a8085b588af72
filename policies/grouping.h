/* grouping.h - what the mobility-grouping files share: grouping.c (the
 * generations, fallback and claiming) and grouping_alloc.c (the zonelist
 * walk, alloc flags from gfp, the HIGHATOMIC reserve). */
#ifndef FRAGSIM_GROUPING_H
#define FRAGSIM_GROUPING_H

#include "../sim/policy.h"
#include "../sim/watermark.h"
#include "pcp.h"

enum fb_style { FB_2624, FB_310, FB_419, FB_610, FB_615 };

/* gfp_to_alloc_flags and the HIGHATOMIC reserve, by era */
enum ha_style {
	HA_NONE,                       /* 2.6.24, 3.10: no HIGHATOMIC (MIGRATE_RESERVE instead) */
	HA_44,                         /* 4.4 .. 6.2: ALLOC_HARDER from __GFP_ATOMIC; reserve for order && HARDER */
	HA_63,                         /* 6.3+: ALLOC_NON_BLOCK for !__GFP_DIRECT_RECLAIM; ALLOC_HIGHATOMIC
					* for order > 0 with __GFP_HIGH (6.12.y, 6.13) */
};

struct generation {
	const char *name;
	enum fb_style style;
	const struct fs_wmark_rules *wmark;   /* watermark and pcp sizing rules */
	bool nofragment;               /* ALLOC_NOFRAGMENT and watermark boosting (5.0+) */
	enum fs_pcp_style pcp;         /* per-CPU pagesets */
	bool merge_likely;             /* buddy_merge_likely (3.10+) */
	enum fs_merge_guard guard;     /* __free_one_page pageblock guard */
	bool move_to_tail;             /* move_freepages: list_move_tail (6.1+) or list_move */
	bool steal_for_unmovable;      /* can_steal_fallback counts UNMOVABLE requests (4.x+) */
	bool split_large_frees;        /* split_large_buddy (6.10+) */
	enum ha_style highatomic;
	uint8_t reserve_max;           /* MIGRATE_RESERVE pageblocks per zone at most: 0 none (4.4
					* removed it), RESERVE_UNCAPPED (2.6.24), 2 (3.10) */
};

#define RESERVE_UNCAPPED UINT8_MAX

/* build_all_zonelists_init: MIGRATE_TYPES on a kernel without CMA, as the
 * traced 6.18 machine shows (Unmovable, Movable, Reclaimable, HighAtomic,
 * Isolate) */
#define MIGRATE_TYPES_NO_CMA 5

struct grouping {
	const struct generation *gen;
	bool disabled;                 /* page_group_by_mobility_disabled */
	bool watermarks;               /* zone choice by the watermark test */
	bool nofragment;               /* ALLOC_NOFRAGMENT on the fast path */
	bool pass_nofragment;          /* set while a walk runs with it */
	int nofrag_zone;               /* the Normal zone, -1 if none: requests preferring it get
					* ALLOC_NOFRAGMENT (alloc_flags_nofragment) */
	int64_t min_free_kbytes;
	unsigned boost_factor;         /* vm.watermark_boost_factor, 0 = no boosting */
	struct fs_wmark_zone_setup wz[FS_MAX_ZONES];
	struct fs_pcp_set pcp;
	bool highatomic;               /* the HIGHATOMIC reserve is on */
	bool reserve;                  /* MIGRATE_RESERVE is on (2.6.24, 3.10) */
	bool cma;                      /* a CMA area is configured (cma_pages > 0) */
	uint64_t cma_start, cma_pages; /* the CMA area: pfns [cma_start, cma_start + cma_pages) */
	uint64_t nr_reserved_highatomic[FS_MAX_ZONES];  /* pages (zone->nr_reserved_highatomic) */
};

#define NONE UINT64_MAX

static inline struct grouping *G(struct fs_policy *p)
{
	return p->state;
}


/* grouping.c */
uint64_t fs_grp_free_cma(const struct fs_machine *m, const struct fs_zone *z);
uint64_t fs_grp_rmqueue(struct fs_policy *p, struct fs_zone *z, unsigned order, unsigned start);
uint64_t fs_grp_move_freepages_block(struct fs_policy *p, struct fs_zone *z, uint64_t pfn,
				     unsigned to);
void fs_grp_drain(struct fs_policy *p, int zone, int cpu);
/* boost_watermark (5.0+) on a fallback that may mix a pageblock: raise
 * z->watermark_boost and flag the zone for kswapd (see grouping.c) */
void fs_grp_boost(struct fs_policy *p, struct fs_zone *z);
/* move_freepages_block + set_pageblock_migratetype: the block's free pages
 * to type to's lists and the block to type to; false (nothing changed)
 * where 6.10+ refuses a block that straddles the zone. */
bool fs_grp_retype_block(struct fs_policy *p, struct fs_zone *z, uint64_t pfn, unsigned to);
/* grouping_alloc.c */
int fs_grp_alloc(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t *pfn);
/* zone_watermark_ok(zone, 0, high_wmark_pages(zone), ZONE_MOVABLE, 0): what
 * clears 6.7+'s ZONE_BELOW_HIGH after a pcp drain */
bool fs_grp_zone_above_high(struct fs_policy *p, const struct fs_zone *z);

#endif
