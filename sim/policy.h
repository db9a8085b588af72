/* policy.h - the placement-policy contract.
 *
 * A policy decides where allocations go and how frees return to the free
 * lists. It is one file in policies/ defining a const struct fs_policy_ops
 * and one line in policies/registry.c. That is the whole recipe:
 *
 *   1. policies/mine.c:  static int mine_alloc(...) { ... }
 *                        const struct fs_policy_ops fs_mine_policy = {
 *                                .name = "mine", .summary = "...", ... };
 *   2. policies/registry.c: add &fs_mine_policy to fs_policy_table[].
 *
 * The engine owns the machine (zones, page slots, free-list counters) and
 * the allocation table; a policy manipulates free lists through the buddy
 * core (fs_buddy_*) so that counters, metrics and the checker stay exact.
 */
#ifndef FRAGSIM_POLICY_H
#define FRAGSIM_POLICY_H

#include "fragsim.h"

struct fs_compact;

/* One allocation request, as the kernel's alloc_context + order. */
struct fs_alloc_req {
	unsigned order;
	enum fs_migratetype mt;       /* requested migrate type */
	unsigned highest_zone;        /* highest zone index usable (zonelist start) */
	unsigned cpu;
	uint32_t key;                 /* allocator identity, 0 = none */
	uint64_t time_ns;
	uint32_t gfp;                 /* FS_GFP_* (sim/gfp.h), when has_gfp */
	bool has_gfp;                 /* the trace gave gfp flags; else the policy assumes GFP_KERNEL-like */
	bool lru;                     /* page-cache-like (FS_EVF_LRU): the pages go on the reclaim LRU */
};

/* One free: the placement being released and the original request's type. */
struct fs_free_req {
	uint64_t pfn;
	unsigned order;
	enum fs_migratetype mt;
	unsigned cpu;
	uint64_t time_ns;
	bool lru;                     /* the pages were on the reclaim LRU */
};

/* reclaim_ok's pfn when the question is about the request itself. */
#define FS_RECLAIM_REQUEST UINT64_MAX

/* A tunable: name, default, one-line doc (what `fragsim policies` prints). */
struct fs_tunable {
	const char *name;
	const char *def;
	const char *doc;
};

/* A policy's own metric: a CSV column (empty for policies without it) and
 * a "policy_stats" entry of the JSON summary. */
struct fs_policy_stat {
	const char *name;             /* CSV column, snake_case */
	const char *doc;
};
#define FS_MAX_POLICY_STATS 16

/* key=value pairs from "--policy name:k=v,k=v" */
struct fs_kv {
	char key[32];
	char val[64];
};
#define FS_MAX_KV 16

struct fs_policy {
	const struct fs_policy_ops *ops;
	struct fs_machine *m;
	void *state;                  /* ops->state_size bytes, zeroed */
	unsigned initial_class;       /* class of boot memory; init may change it */
	struct fs_sim *sim;           /* the simulation (for moving allocations), set before init */
	bool typed_pageblocks;        /* free lists are per pageblock migrate type (grouping) */
	struct fs_compact *compact;   /* "+compaction": the compaction state, else NULL */
	char label[96];               /* spec as given, for the CSV policy column */
};

/* Callbacks. NULL means "not supported"; the engine checks.
 *
 * init     Parse tunables (unknown keys are an error), set up state.
 *          0 or -EINVAL with err filled.
 * alloc    Place a request. 0 with *pfn set (the pages are off the free
 *          lists, slots of the range are FS_PG_NONE), or -ENOMEM.
 * alloc_at Place a request exactly at pfn (--placement trace). 0, or
 *          -EBUSY when the range is not free (nothing is changed then).
 *          NULL: the engine takes the range with fs_buddy_take.
 * free     Return [pfn, pfn + 2^order) to the free lists. Never fails.
 * tick     Periodic work at simulated time now_ns (daemons). May be NULL.
 * isolate_free / release_free  For a policy that keeps free areas of its own
 *          (m->unlinked_lists): take the free block headed at pfn off them
 *          (compaction's __isolate_free_page), and give a free block back
 *          (release_free_list). NULL: the buddy core's lists are the free
 *          areas (fs_buddy_del, fs_buddy_free). Compaction then places a
 *          moved page with alloc_at, so the policy accounts it.
 * online   Memory coming online: [pfn, 2^order) was not RAM yet (a snapshot
 *          start left it offline) and is now free. NULL: free (the buddy
 *          core's lists are the free areas).
 * drain    Return the per-CPU lists of zone index zone (cpu < 0: of every
 *          CPU) to the buddy (drain_local_pages / drain_all_pages). May be NULL.
 * reclaim_ok  Placement rules for direct reclaim (sim/reclaim.c), for a
 *          policy that makes some reclaim useless. With pfn ==
 *          FS_RECLAIM_REQUEST: may the failed request req direct-reclaim
 *          at all (false: it fails without reclaiming). Otherwise: may
 *          direct reclaim for req free the LRU allocation headed at pfn
 *          (false: it is passed over and stays on the LRU, in its place).
 *          NULL: every request that may block reclaims, LRU-oldest first.
 *          A policy that reclaims on its own (keyed zones' low-water
 *          pressure) calls fs_reclaim_at (sim/internal.h) instead.
 * prefetch A hint, from fs_sim_prefetch, with policy placement only: event
 *          ev is about to be applied (8-16 events ahead, in order; some
 *          may be skipped); start fetching what its alloc or free will
 *          touch. Must not change anything the simulation reads (only
 *          the policy's own prefetch bookkeeping). at is the engine's
 *          allocation table, to find a free's pages. May be NULL.
 * stats    Values of ops->stats for zone index zone, or every zone when
 *          zone < 0, into vals[] (same order). May be NULL.
 * boot     Once, after boot memory is on the free lists (fs_machine_populate):
 *          the setup a kernel does at boot on free memory (3.10's
 *          setup_zone_migrate_reserve, the CMA area). May be NULL.
 * destroy  Release what init allocated (not the state block itself).
 */
struct fs_policy_ops {
	const char *name;
	const char *summary;
	size_t state_size;
	unsigned initial_class;                 /* free-list class of boot memory */
	const struct fs_tunable *tunables;      /* NULL-name terminated */
	int (*init)(struct fs_policy *p, const struct fs_kv *kv, unsigned nkv,
		    struct fs_err *err);
	int (*alloc)(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t *pfn);
	int (*alloc_at)(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t pfn);
	void (*free)(struct fs_policy *p, const struct fs_free_req *req);
	void (*tick)(struct fs_policy *p, uint64_t now_ns);
	void (*drain)(struct fs_policy *p, int zone, int cpu);
	void (*isolate_free)(struct fs_policy *p, uint64_t pfn, unsigned order);
	void (*release_free)(struct fs_policy *p, uint64_t pfn, unsigned order);
	void (*online)(struct fs_policy *p, uint64_t pfn, unsigned order);
	bool (*reclaim_ok)(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t pfn);
	const struct fs_policy_stat *stats;     /* NULL-name terminated, at most FS_MAX_POLICY_STATS */
	void (*get_stats)(const struct fs_policy *p, int zone, uint64_t *vals);
	void (*destroy)(struct fs_policy *p);
	void (*boot)(struct fs_policy *p);
	void (*prefetch)(struct fs_policy *p, const struct fs_event *ev, const struct fs_alloctab *at);
};

/* policies/registry.c */
extern const struct fs_policy_ops *const fs_policy_table[];
const struct fs_policy_ops *fs_policy_find(const char *name, size_t len);

/* sim/policy.c: "name[+compaction]:k=v,k=v" -> ops + kv list (the
 * policy's tunables first, then compaction's) */
bool fs_policy_spec_compaction(const char *spec);
int fs_policy_parse_spec(const char *spec, const struct fs_policy_ops **ops,
			 struct fs_kv *kv, unsigned *nkv, struct fs_err *err);
int fs_policy_create(struct fs_policy **out, struct fs_sim *sim, const char *spec,
		     struct fs_err *err);
void fs_policy_destroy(struct fs_policy *p);
/* Check kv keys against ops->tunables; -EINVAL naming the unknown key. */
int fs_tunables_check(const struct fs_policy_ops *ops, const struct fs_kv *kv,
		      unsigned nkv, struct fs_err *err);
/* The value for key (the last one given), else the default in tunables. */
const char *fs_tunable_lookup(const struct fs_tunable *tunables, const struct fs_kv *kv,
			      unsigned nkv, const char *key);
/* The value for key, else the tunable's default. */
const char *fs_tunable_get(const struct fs_policy_ops *ops, const struct fs_kv *kv,
			   unsigned nkv, const char *key);
int fs_tunable_bool(const char *name, const char *val, bool *out, struct fs_err *err);

#endif
