/* compact.h - memory compaction, a mechanism any placement policy can run
 * with ("--policy buddy+compaction", "linux-6.15+compaction"). It models
 * Linux 6.12 mm/compaction.c: the migrate scanner walking up from the zone
 * start, the free scanner walking down from the zone end, a pageblock at a
 * time, COMPACT_CLUSTER_MAX (32) pages per batch, __compact_finished,
 * deferral, skip bits, and the four ways compaction runs (reference §4):
 *
 *   direct     a high-order allocation the policy cannot place: async, then
 *              sync-light, then (orders <= 3) sync-full, retrying the
 *              allocation after each (__alloc_pages_slowpath without reclaim);
 *   kcompactd  woken by a failed high-order request or by kswapd's pass
 *              ending a watermark boost (at pageblock_order, sim/reclaim.c),
 *              runs at the next event at sync-light (kcompactd_do_work);
 *   proactive  every 500 ms of simulated time when the node's fragmentation
 *              score exceeds the high mark (compaction_proactiveness);
 *   manual     a "compact" event or --compact-at, as writing
 *              /proc/sys/vm/compact_memory (sync, whole zones).
 *
 * Pages move with fs_sim_migrate, so the identity map follows them. Work is
 * counted in the sim's counters under the kernel's vmstat names
 * (compact_migrate_scanned, compact_free_scanned, compact_isolated,
 * compact_stall, compact_fail, compact_success, compact_daemon_wake) plus
 * runs by trigger and outcome. */
#ifndef FRAGSIM_COMPACT_H
#define FRAGSIM_COMPACT_H

#include "policy.h"

struct fs_compact;

/* The tunables "+compaction" adds to a policy (NULL-name terminated). */
extern const struct fs_tunable fs_compact_tunables[];

/* Set up compaction for a policy already initialised; kv holds only the
 * compaction tunables. 0 or -EINVAL with err filled. */
int fs_compact_new(struct fs_compact **out, struct fs_policy *p, const struct fs_kv *kv,
		   unsigned nkv, struct fs_err *err);
void fs_compact_free(struct fs_compact *c);

/* Direct compaction for a request the policy could not place: runs the
 * priorities in turn and retries the allocation after each. 0 with *pfn
 * set when the retry succeeded, -ENOMEM otherwise. */
int fs_compact_direct(struct fs_compact *c, const struct fs_alloc_req *req, uint64_t *pfn);
/* wakeup_kcompactd: remember the order; kcompactd runs at the next tick. */
void fs_compact_wake_kcompactd(struct fs_compact *c, unsigned order, unsigned highest_zoneidx);
/* kcompactd's work and the proactive timer, at simulated time now_ns. */
void fs_compact_tick(struct fs_compact *c, uint64_t now_ns);
/* compact_nodes(): every zone, whole, MIGRATE_SYNC. */
void fs_compact_manual(struct fs_compact *c, uint64_t now_ns);
/* The next time fs_compact_tick has work (UINT64_MAX: none). */
uint64_t fs_compact_next_tick(const struct fs_compact *c);

/* The node fragmentation score (fragmentation_score_node, 0..100) and a
 * zone's unweighted score (extfrag_for_order at order 9). */
unsigned fs_compact_node_score(const struct fs_machine *m);
unsigned fs_compact_zone_score(const struct fs_machine *m, const struct fs_zone *z);

#endif
