/* compact_int.h - what compaction.c (compact_zone and its scanners) and
 * kcompactd.c (the triggers) share. See sim/compact.h. */
#ifndef FRAGSIM_COMPACT_INT_H
#define FRAGSIM_COMPACT_INT_H

#include "../sim/compact.h"
#include "../sim/internal.h"
#include "../sim/watermark.h"

#define FS_CC_CLUSTER_MAX 32       /* COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX */
#define FS_CC_MAX_DEFER_SHIFT 6    /* COMPACT_MAX_DEFER_SHIFT */
#define FS_CC_COSTLY_ORDER 3       /* PAGE_ALLOC_COSTLY_ORDER */

enum fs_cc_mode { FS_CC_ASYNC = 0, FS_CC_SYNC_LIGHT, FS_CC_SYNC };

enum fs_cc_trigger { FS_CC_DIRECT = 0, FS_CC_KCOMPACTD, FS_CC_PROACTIVE, FS_CC_MANUAL };

/* enum compact_result, in the kernel's order (try_to_compact_pages takes
 * the max over zones). */
enum fs_cc_result {
	FS_CC_NOT_SUITABLE_ZONE = 0,
	FS_CC_SKIPPED,
	FS_CC_DEFERRED,
	FS_CC_NO_SUITABLE_PAGE,
	FS_CC_CONTINUE,
	FS_CC_COMPLETE,
	FS_CC_PARTIAL_SKIPPED,
	FS_CC_CONTENDED,
	FS_CC_SUCCESS,
};

struct fs_cc_zone {                /* the compaction fields of struct zone */
	uint64_t cached_migrate[2];     /* compact_cached_migrate_pfn[async, sync] */
	uint64_t cached_free;           /* compact_cached_free_pfn */
	unsigned considered, defer_shift;
	int order_failed;               /* compact_order_failed */
	bool blockskip_flush;
};

struct fs_cc_list {                /* isolated free blocks of one order */
	uint64_t *pfn;
	unsigned n, cap;
};

struct fs_compact {
	struct fs_policy *p;
	struct fs_sim *s;
	struct fs_machine *m;
	/* tunables */
	unsigned proactiveness;         /* vm.compaction_proactiveness, 0..100 */
	unsigned extfrag_threshold;     /* vm.extfrag_threshold, 0..1000 */
	unsigned pinned_permille;       /* movable allocations that never move */
	bool direct, kcompactd;
	/* state */
	uint8_t *skip;                  /* PB_migrate_skip per pageblock */
	struct fs_cc_zone cz[FS_MAX_ZONES];
	struct fs_wmark_zone_setup wz[FS_MAX_ZONES];
	uint64_t *src;                  /* isolated sources (pfns of allocation heads) */
	unsigned nr_src;
	struct fs_cc_list freepages[FS_NR_ORDERS];
	int kc_max_order;               /* kcompactd_max_order, 0 = not woken */
	unsigned kc_highest_zoneidx;
	bool kc_woken;                  /* kcompactd has work (runs at the next event) */
	uint64_t now_ns;
	uint64_t next_proactive_ns;     /* kcompactd's timer */
	bool timer_started;
};

/* compact_control */
struct cc {
	struct fs_compact *c;
	struct fs_zone *z;
	int order;                      /* -1: compact_memory / proactive */
	unsigned mt;                    /* the request's migrate type */
	enum fs_cc_mode mode;
	unsigned highest_zoneidx;
	bool direct, whole_zone, ignore_skip_hint, ignore_block_suitable, proactive;
	bool finish_pageblock;
	uint64_t migrate_pfn, free_pfn;
	uint64_t nr_migratepages, nr_freepages;
};

/* compaction.c */
enum fs_cc_result fs_cc_compact_zone(struct cc *cc);
unsigned fs_cc_class_of(const struct fs_compact *c, uint64_t pfn);
bool fs_cc_movable(const struct fs_compact *c, const struct fs_alloc *a);
void fs_cc_reset_cached_positions(struct fs_compact *c, const struct fs_zone *z);
void fs_cc_reset_skip(struct fs_compact *c, const struct fs_zone *z);
void fs_cc_move_freepages_block(struct fs_compact *c, struct fs_zone *z, uint64_t block, unsigned mt);

/* kcompactd.c */
bool fs_cc_watermark_ok(const struct fs_compact *c, const struct fs_zone *z, unsigned order,
			uint64_t mark, unsigned highest_zoneidx);
enum fs_cc_result fs_cc_suit_allocation_order(struct fs_compact *c, struct fs_zone *z,
					      unsigned order, unsigned highest_zoneidx);
void fs_cc_defer(struct fs_compact *c, const struct fs_zone *z, unsigned order);
bool fs_cc_deferred(struct fs_compact *c, const struct fs_zone *z, unsigned order);
void fs_cc_defer_reset(struct fs_compact *c, const struct fs_zone *z, unsigned order, bool success);
bool fs_cc_restarting(const struct fs_compact *c, const struct fs_zone *z, unsigned order);
unsigned fs_cc_score_wmark(const struct fs_compact *c, bool low);

#endif
