/* pcp.h - per-CPU pagesets for the grouping policies (policies/pcp.c). */
#ifndef FRAGSIM_PCP_H
#define FRAGSIM_PCP_H

#include "../sim/policy.h"

/* NR_PCP_LISTS (6.x with THP): 3 types x orders 0..3, plus the THP order's
 * movable and non-movable lists */
#define FS_PCP_LISTS 14

struct fs_pcp_ring {                /* a deque of page indexes; [head] is the list head */
	uint32_t *idx;
	uint32_t head, len, cap;
};

struct fs_pcp {
	struct fs_pcp_ring l[FS_PCP_LISTS];
	uint64_t count;                 /* pages on the lists */
	uint64_t high, batch;           /* pages: the drain threshold (6.7+: tuned), refill/drain unit */
	uint64_t high_min, high_max;    /* pages: 6.7+ bounds of high (equal: no auto-tuning) */
	uint64_t free_count;            /* pages: 6.7+ pages freed since allocations halved it,
					 * capped at batch << CONFIG_PCP_BATCH_SCALE_MAX */
	unsigned free_factor;           /* 5.14 .. 6.6 nr_pcp_free: doubles drains on consecutive frees */
	unsigned alloc_factor;          /* 6.7+ nr_pcp_alloc: doubles refills on consecutive allocations */
	bool prev_free_high_order;      /* 6.7+ PCPF_PREV_FREE_HIGH_ORDER: the last free was of order 1..3 */
	uint32_t nr_tagged[4];          /* 2.6.24: pages on the list per page_private type (3: RESERVE) */
};

enum fs_pcp_style {
	FS_PCP_OFF = 0,
	FS_PCP_2_6_24,                  /* one order-0 list of mixed types tagged by page_private,
					 * searched for the requested type (2.6.24 hot list) */
	FS_PCP_3_10,                    /* order 0; drain `batch` round-robin with batch_free (3.10, 4.19) */
	FS_PCP_6_1,                     /* orders 0..3 + THP; nr_pcp_free with free_factor (5.14 .. 6.6;
					 * no generation of the table uses it now) */
	FS_PCP_6_7,                     /* 6.7+: free_count, alloc_factor, ZONE_BELOW_HIGH and high
					 * auto-tuned between high_min and high_max (decay_pcp_high) */
};

/* What the grouping policy gives the pagesets: its __rmqueue for refills,
 * and for 6.7+ the test that clears ZONE_BELOW_HIGH (zone_watermark_ok at
 * order 0 against the high watermark, highest zone index ZONE_MOVABLE). */
typedef uint64_t (*fs_pcp_rmqueue_fn)(struct fs_policy *p, struct fs_zone *z, unsigned order,
				      unsigned mt);
typedef bool (*fs_pcp_high_ok_fn)(struct fs_policy *p, const struct fs_zone *z);

#define FS_PCP_DECAY_NS 1000000000ull   /* sysctl_stat_interval: HZ, vmstat_update's period */

struct fs_pcp_set {
	enum fs_pcp_style style;
	unsigned nr_cpus;
	struct fs_pcp *pcp;             /* [zone * nr_cpus + cpu] */
	fs_pcp_rmqueue_fn rmqueue;
	fs_pcp_high_ok_fn high_ok;
	bool below_high[FS_MAX_ZONES];  /* 6.7+ ZONE_BELOW_HIGH */
	bool free_high_batch;           /* 6.7+ PCPF_FREE_HIGH_BATCH (a CPU's cache slice > 3 batches) */
	uint64_t next_decay_ns;         /* 6.7+: the next vmstat_update (decay_pcp_high) */
	uint64_t decays;                /* 6.7+: decay_pcp_high rounds run (all pagesets each) */
};

/* Sizes of one zone's pagesets: high_min = high_max for a fixed high. */
struct fs_pcp_zone_sizes {
	uint64_t batch, high_min, high_max;   /* pages */
};

int fs_pcp_init(struct fs_pcp_set *s, struct fs_machine *m, enum fs_pcp_style style,
		unsigned nr_cpus, const struct fs_pcp_zone_sizes *sizes, fs_pcp_rmqueue_fn fn,
		fs_pcp_high_ok_fn high_ok);
void fs_pcp_release(struct fs_pcp_set *s, const struct fs_machine *m);
/* Is this request served through the per-CPU lists? (pcp_allowed_order and
 * a pcp migrate type) */
bool fs_pcp_allowed(const struct fs_pcp_set *s, const struct fs_machine *m, unsigned order,
		    unsigned mt);
/* rmqueue_pcplist (2.6.24: buffered_rmqueue): the page for the request,
 * refilling the list from the buddy when empty; UINT64_MAX if the zone has
 * none. */
uint64_t fs_pcp_alloc(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z,
		      unsigned cpu, unsigned order, unsigned mt);
/* free_unref_page_commit (2.6.24: free_hot_cold_page): onto the list of
 * the pageblock's type, draining to the buddy when the list set is over
 * high. False if the page must go straight to the buddy (ISOLATE). */
bool fs_pcp_free(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z, unsigned cpu,
		 uint64_t pfn, unsigned order);
/* drain_pages_zone: every page of the zone's lists on cpu (cpu < 0: on
 * every CPU) back to the buddy through free_pcppages_bulk. */
void fs_pcp_drain(struct fs_pcp_set *s, struct fs_machine *m, struct fs_zone *z, int cpu);
/* 6.7+ ZONE_BELOW_HIGH, set by get_page_from_freelist when a zone fails
 * the high watermark test; cleared in the free path (fs_pcp_free). */
static inline bool fs_pcp_tracks_below_high(const struct fs_pcp_set *s)
{
	return s->style == FS_PCP_6_7;
}
/* vmstat_update every sysctl_stat_interval: decay_pcp_high on every
 * pageset whose whole-second timer has passed by now_ns. */
void fs_pcp_tick(struct fs_pcp_set *s, struct fs_policy *p, uint64_t now_ns);

#endif
