/* fragsim.h - the engine API: memory model, buddy core, allocation table,
 * events, simulation and metrics.
 *
 * Glossary (kernel vocabulary, include/linux/mmzone.h):
 *   pfn        page frame number; pages are 4 KiB.
 *   order      a block of order o is 2^o naturally aligned pages.
 *   max_order  the largest order a free block can have (inclusive; 10 on
 *              x86_64 = MAX_PAGE_ORDER in 6.x, MAX_ORDER-1 before 6.4).
 *   pageblock  2^pageblock_order pages (512 = 2 MiB on x86_64) carrying a
 *              migrate type; the unit of anti-fragmentation.
 *   zone       a pfn range with its own free areas (DMA, DMA32, Normal).
 *   free area  per zone and order: one list per free-list class plus
 *              nr_free, the number of free *blocks* of that order.
 *   class      which list of a free area a block sits on; the migrate type
 *              for grouping policies, always 0 for plain buddy.
 *   ident      how a trace names an allocation: the recorded pfn (kernel
 *              traces) or an id (native traces). The allocation table maps
 *              it to where the simulated policy placed the allocation.
 *   placement  the simulated pfn an allocation occupies.
 *
 * Per-page state is one 64-bit word (see "page slots" below); allocation
 * identities live in a hash table sized by live allocations. Metrics read
 * per-zone counters only, never the pages.
 */
#ifndef FRAGSIM_H
#define FRAGSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define FS_VERSION "0.1.0"
#define FS_SCHEMA_VERSION 1

#define FS_PAGE_SHIFT 12
#define FS_ORDER_LIMIT 15         /* orders are stored in 4 bits */
#define FS_NR_ORDERS (FS_ORDER_LIMIT + 1)
#define FS_MAX_ZONES 8
#define FS_LINK_BITS 29           /* page-index links: machines up to 2^29-1 pages (2 TiB) */
#define FS_NIL ((uint32_t)((1u << FS_LINK_BITS) - 1))
#define FS_MAX_PAGES ((uint64_t)FS_NIL)

/* ---- errors ----------------------------------------------------------- */

/* Functions that can fail return 0 or a negative errno and fill this with
 * what failed, subject in quotes, file:line for input errors. */
struct fs_err {
	char msg[512];
};
int fs_error(struct fs_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Put "prefix" in front of the message already in err. */
void fs_err_prefix(struct fs_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* ---- migrate types ----------------------------------------------------- */

/* Numbered as Linux 4.4+ does (include/linux/mmzone.h, 4.19 .. 6.18). */
enum fs_migratetype {
	FS_MT_UNMOVABLE = 0,
	FS_MT_MOVABLE = 1,
	FS_MT_RECLAIMABLE = 2,
	FS_MT_HIGHATOMIC = 3,
	/* MIGRATE_RESERVE (2.6.24 .. 4.3), numbered 3 there too: the slot
	 * HIGHATOMIC took over when 4.4 removed it. Only the 2.6.24 and 3.10
	 * generations have it, and they have no HIGHATOMIC. */
	FS_MT_RESERVE = 3,
	FS_MT_CMA = 4,
	FS_MT_ISOLATE = 5,
	FS_MT_NR
};
#define FS_NR_CLASSES FS_MT_NR
const char *fs_mt_name(enum fs_migratetype mt);       /* "unmovable" */
int fs_mt_parse(const char *s, size_t len);            /* name or number, -1 if bad */

/* ---- memory model ------------------------------------------------------ */

struct fs_free_list {
	uint32_t head, tail;          /* page indexes, FS_NIL when empty */
	uint32_t count;               /* blocks on this list */
};

/* Per pageblock: its migrate type and the pages allocated in it by the
 * allocations' requested type (what page_owner compares for "mixed"). */
struct fs_pageblock {
	uint8_t type;                 /* enum fs_migratetype */
	uint8_t zone;                 /* zone of its first in-zone page; FS_PB_NO_ZONE in a hole */
	uint16_t used[3];             /* allocated pages: unmovable, movable, reclaimable */
};
#define FS_PB_NO_ZONE 0xff

/* Fallbacks the policy took, as mm_page_alloc_extfrag reports them. */
struct fs_extfrag_stats {
	uint64_t events;              /* mm_page_alloc_extfrag */
	uint64_t fragmenting;         /* fallback_order < pageblock_order */
	uint64_t change_ownership;    /* the block ended up of the requested type */
	uint64_t by_type[FS_MT_NR][FS_MT_NR];  /* [requested][fallback] */
};

struct fs_zone {
	char name[16];
	unsigned idx;
	uint64_t start_pfn, end_pfn;  /* spanned range [start, end) */
	uint64_t start_idx, end_idx;  /* the same as page indexes */
	uint64_t present_pages;       /* spanned minus holes */
	struct fs_free_list lists[FS_NR_ORDERS][FS_NR_CLASSES];
	uint64_t nr_free[FS_NR_ORDERS]; /* free blocks per order, all classes (buddyinfo) */
	uint64_t free_pages;          /* sum of nr_free[o] << o */
	uint64_t nr_pageblocks[FS_MT_NR]; /* pageblocks per type (pagetypeinfo) */
	uint64_t mixed_pageblocks;    /* pageblocks holding allocations of another type */
	uint64_t pcp_pages;           /* pages on per-CPU lists (FS_PG_OTHER slots) */
	uint64_t boosts;              /* boost_watermark calls that boosted */
	uint64_t reclaim_requested;   /* pages kswapd was asked to reclaim for boosts (the
				       * boost's increments, cumulative) */
	uint64_t watermark_boost;     /* pages: zone->watermark_boost (5.0+): added to every
				       * watermark the allocator reads until kswapd's next pass
				       * (sim/reclaim.c) takes it away */
	bool boosted_watermark;       /* ZONE_BOOSTED_WATERMARK: a boost since kswapd last ran,
				       * so rmqueue wakes kswapd (5.1+; 5.0.0 woke it in
				       * steal_suitable_fallback) */
	bool reclaim_active;          /* ZONE_RECLAIM_ACTIVE: kswapd is reclaiming (6.7+ pagesets
				       * then keep at most 4 batches) */
	struct fs_extfrag_stats extfrag;
};

/* How __free_one_page treats pageblocks of different types at or above
 * pageblock_order (a per-generation switch). */
enum fs_merge_guard {
	FS_MERGE_ANY = 0,             /* no check (2.6.24, 3.10, 4.19 without isolation) */
	FS_MERGE_MERGEABLE,           /* stop unless both types are mergeable (5.18+ migratetype_is_mergeable) */
	FS_MERGE_RETYPE,              /* as above, and retype a mergeable buddy's blocks (6.10+) */
};

struct fs_hole {
	uint64_t start_pfn, nr_pages;
};

/* A machine layout before it is built: what --memory, --machine and the
 * default produce. */
struct fs_zone_spec {
	char name[16];
	uint64_t start_pfn, nr_pages;
};

struct fs_layout {
	unsigned nr_zones;
	struct fs_zone_spec zones[FS_MAX_ZONES];
	unsigned nr_holes;
	struct fs_hole holes[16];
	unsigned max_order;           /* default 10 */
	unsigned pageblock_order;     /* default 9, clamped to max_order */
};

struct fs_machine {
	unsigned max_order, pageblock_order;
	/* Largest order __free_one_page merges to and boot memory is handed
	 * over in: max_order, unless a policy caps it in its init (keyed-zones:
	 * its zone_order, so no free block spans two keyed zones). */
	unsigned merge_order;
	/* Free blocks are counted on their lists but not linked into them
	 * (fs_buddy_count_add/del): for a policy that keeps its own free areas
	 * (keyed-zones), linking would cost two random cache misses per list
	 * operation for a list order nobody reads. lists[][].count, nr_free and
	 * free_pages stay exact (metrics, pagetypeinfo, fs_check); heads stay
	 * FS_NIL, so fs_buddy_rmqueue_smallest and fs_buddy_take find nothing. */
	bool unlinked_lists;
	uint64_t base_pfn;            /* pfn of pages[0] */
	uint64_t nr_pages;            /* span of pages[] */
	uint64_t *pages;              /* one slot per page */
	unsigned nr_zones;
	struct fs_zone zones[FS_MAX_ZONES];
	unsigned nr_holes;
	struct fs_hole holes[16];
	bool merge_likely;            /* buddy_merge_likely tail placement (3.10+) */
	enum fs_merge_guard merge_guard;
	bool exact_placement;         /* --placement trace: the trace says where every page goes */
	unsigned last_zone;           /* lookup cache */
	struct fs_pageblock *pb;      /* nr_pb pageblocks from base_pfn */
	uint64_t nr_pb;
	struct fs_xf_emit *xf;        /* optional extfrag emitter (below), NULL = off */
	uint8_t pti_style;            /* enum fs_pti_style: type names of --dump-pagetypeinfo */
	bool pti_cma;                 /* a CONFIG_CMA kernel: pagetypeinfo has a CMA type */
};

/* How /proc/pagetypeinfo names and orders the migrate types, as the
 * generation a policy models printed them (set by the policy's init). */
enum fs_pti_style {
	FS_PTI_6X = 0,                /* 4.4+: Unmovable Movable Reclaimable HighAtomic [CMA] Isolate;
				       * free counts capped at 100000 (5.4+) */
	FS_PTI_3_10,                  /* 2.6.24, 3.10: Unmovable Reclaimable Movable Reserve [CMA]
				       * Isolate; uncapped */
};

/* ---- extfrag emitter (sim/emit.c) -----------------------------------------
 * `fragsim replay --emit-extfrag`: when m->xf is set, fs_zone_extfrag_event
 * also prints the fallback as a 6.x kernel's trace_pipe prints
 * mm_page_alloc_extfrag, with the page the policy names. The replay loop
 * sets time_ns and cpu (those of the event being applied) before each
 * fs_sim_apply; fp and pid are set once. */
struct fs_xf_emit {
	FILE *fp;
	uint64_t time_ns;             /* simulated time of the current event */
	unsigned cpu;                 /* its CPU */
	int pid;                      /* printed after comm "fragsim" */
	uint64_t lines;               /* lines printed */
};
void fs_xf_init(struct fs_xf_emit *xf, FILE *fp, int pid);
/* One mm_page_alloc_extfrag line for a fallback (called by fs_zone_extfrag_event). */
void fs_xf_print(struct fs_machine *m, uint64_t pfn, unsigned alloc_order, unsigned fallback_order,
		 unsigned alloc_mt, unsigned fallback_mt, bool change_ownership);
/* /proc/pagetypeinfo of node 0 as mm/vmstat.c prints it (no page_owner;
 * types as m->pti_style and m->pti_cma say): free list lengths per zone,
 * type and order, pageblocks per type. */
void fs_dump_pagetypeinfo(FILE *fp, const struct fs_machine *m);

/* ---- pageblocks (sim/pageblock.c) ----------------------------------------- */

static inline uint64_t fs_pb_idx(const struct fs_machine *m, uint64_t pfn)
{
	return (pfn - m->base_pfn) >> m->pageblock_order;
}
static inline unsigned fs_pb_type(const struct fs_machine *m, uint64_t pfn)
{
	return m->pb[fs_pb_idx(m, pfn)].type;
}
/* set_pageblock_migratetype: keeps the zone's counts and mixed blocks */
void fs_pb_set_type(struct fs_machine *m, uint64_t pfn, unsigned type);
/* change_pageblock_range: every pageblock of a block of order >= pageblock_order */
void fs_pb_set_range(struct fs_machine *m, uint64_t pfn, unsigned order, unsigned type);
/* An allocation of [pfn, 2^order) of type mt appears (delta 1) or goes (-1). */
void fs_pb_account(struct fs_machine *m, uint64_t pfn, unsigned order, unsigned mt, int delta);
/* Record one mm_page_alloc_extfrag: page is the pfn the kernel hands the
 * tracepoint (the found fallback block in 4.19, the returned page in the
 * others). */
void fs_zone_extfrag_event(struct fs_machine *m, struct fs_zone *z, uint64_t page,
			   unsigned alloc_order, unsigned fallback_order, unsigned alloc_mt,
			   unsigned fallback_mt, bool change_ownership);

/* Layouts. fs_layout_default: an x86_64-like 4 GiB box, DMA (first 16 MiB),
 * DMA32 (to 3 GiB), a PCI hole to 4 GiB, Normal (1 GiB above 4 GiB). */
void fs_layout_default(struct fs_layout *l);
void fs_layout_single(struct fs_layout *l, uint64_t nr_pages);
int fs_layout_load_yaml(struct fs_layout *l, const char *path, struct fs_err *err);
int fs_layout_validate(struct fs_layout *l, struct fs_err *err);

/* Build a machine with empty free lists; fs_machine_populate then frees all
 * present memory onto class cls as the kernel's memblock_free_all does
 * (__free_pages_memory: maximal naturally aligned blocks in ascending pfn
 * order, each through __free_one_page with FPI_TO_TAIL). */
struct fs_machine *fs_machine_new(const struct fs_layout *l, struct fs_err *err);
void fs_machine_populate(struct fs_machine *m, unsigned cls);
void fs_machine_free(struct fs_machine *m);
struct fs_zone *fs_machine_zone_of(struct fs_machine *m, uint64_t pfn);
bool fs_machine_is_hole(const struct fs_machine *m, uint64_t pfn);
size_t fs_machine_state_bytes(const struct fs_machine *m);

/* ---- page slots ---------------------------------------------------------
 * One uint64_t per page:
 *   bits 0-1  kind: FS_PG_NONE (tail of a block, a hole, or an untracked
 *             page), FS_PG_FREE (head of a free block), FS_PG_ALLOC (head
 *             of a tracked allocation), FS_PG_OTHER (owned by a policy,
 *             e.g. a per-CPU list page).
 *   OTHER: bits 2-5 order (a block on a per-CPU list).
 *   FREE:  bits 2-4 class, bit 5 "order >= 1" (the order then lives in
 *          bits 2-5 of the next page's slot, a free tail nobody else
 *          uses), bits 6-34 prev index, bits 35-63 next index.
 *   ALLOC: bits 2-5 order, bits 6-63 the allocation's identity (the
 *          reverse map: pfn -> identity -> allocation table).
 * Eight bytes a page with exact doubly linked lists, as the kernel keeps
 * them in struct page->buddy_list. */
enum fs_page_kind { FS_PG_NONE = 0, FS_PG_FREE = 1, FS_PG_ALLOC = 2, FS_PG_OTHER = 3 };

static inline unsigned fs_pg_kind(uint64_t s) { return (unsigned)(s & 3); }

/* ---- buddy core (sim/buddy.c) -------------------------------------------
 * Linux 6.12 mm/page_alloc.c semantics, see the comments in buddy.c. */
enum fs_fpi {
	FS_FPI_NONE = 0,
	FS_FPI_TO_TAIL = 1,           /* FPI_TO_TAIL: memblock release, putback */
};

unsigned fs_buddy_order(const struct fs_machine *m, uint64_t idx);   /* of a FREE head */
unsigned fs_buddy_class(const struct fs_machine *m, uint64_t idx);
bool fs_buddy_is_free_head(const struct fs_machine *m, uint64_t pfn, unsigned order);
void fs_buddy_add(struct fs_machine *m, struct fs_zone *z, uint64_t pfn,
		  unsigned order, unsigned cls, bool tail);
void fs_buddy_del(struct fs_machine *m, struct fs_zone *z, uint64_t pfn);
/* A free block counted but not linked (m->unlinked_lists): its slots and
 * the zone's counters only, O(1). The caller of _del knows the block's
 * order and class (so the head's slot is only written, never read). */
void fs_buddy_count_add(struct fs_machine *m, struct fs_zone *z, uint64_t pfn,
			unsigned order, unsigned cls);
void fs_buddy_count_del(struct fs_machine *m, struct fs_zone *z, uint64_t pfn,
			unsigned order, unsigned cls);
/* __rmqueue_smallest + expand: returns the pfn, or UINT64_MAX if no block. */
uint64_t fs_buddy_rmqueue_smallest(struct fs_machine *m, struct fs_zone *z,
				   unsigned order, unsigned cls);
/* expand(): split block [pfn, order high) down to order low, upper halves
 * on the head of class cls's lists; the piece at pfn is returned to caller. */
void fs_buddy_expand(struct fs_machine *m, struct fs_zone *z, uint64_t pfn,
		     unsigned low, unsigned high, unsigned cls);
/* __free_one_page: merge and insert. */
void fs_buddy_free(struct fs_machine *m, struct fs_zone *z, uint64_t pfn,
		   unsigned order, unsigned cls, enum fs_fpi fpi);
/* Find the free block containing pfn: its head, or UINT64_MAX. */
uint64_t fs_buddy_find_block(const struct fs_machine *m, const struct fs_zone *z,
			     uint64_t pfn, unsigned *order);
/* Exact placement: take [pfn, pfn + 2^order) out of the free block holding
 * it, splitting around it (break_down_buddy_pages). 0, or -EBUSY if the
 * range is not entirely inside one free block. */
int fs_buddy_take(struct fs_machine *m, struct fs_zone *z, uint64_t pfn, unsigned order);

/* ---- events -------------------------------------------------------------- */

enum fs_event_kind {
	FS_EV_ALLOC = 0,              /* an allocation request (mm_page_alloc) */
	FS_EV_FREE = 1,               /* a free (mm_page_free) */
	FS_EV_COMPACT = 2,            /* echo 1 > /proc/sys/vm/compact_memory */
	FS_EV_KERNEL = 3,             /* recorded kernel activity (enum fs_kact in order, value in ident) */
	/* read only for --placement kernel (sim/kexact.h): */
	FS_EV_BUDDY_TAKE = 4,         /* mm_page_alloc_zone_locked (or _extfrag with FS_EVF_IF_FREE) */
	FS_EV_BUDDY_PUT = 5,          /* mm_page_pcpu_drain: mt = the list's migrate type */
	FS_EV_MARKER = 6,             /* trace_marker: enum fs_mark in order, seq in ident */
	FS_EV_BUDDY_ISOLATE = 7,      /* mm_compaction_isolate_freepages: FS_ISO_* in ident, nr_scanned in key */
	FS_EV_NR
};

/* What an FS_EV_KERNEL event records: the kernel's own compaction and
 * migration, from mm_compaction_* and mm_migrate_pages lines, counted per
 * timestep beside what the simulated policies did. */
enum fs_kact {
	FS_KACT_COMPACT_BEGIN = 0,    /* mm_compaction_begin: a compact_zone run */
	FS_KACT_TRY_TO_COMPACT,       /* mm_compaction_try_to_compact_pages: direct compaction */
	FS_KACT_KCOMPACTD_WAKE,       /* mm_compaction_kcompactd_wake */
	FS_KACT_ISOLATE_MIGRATE,      /* isolate_migratepages: ident = nr_scanned | nr_taken << 32 */
	FS_KACT_ISOLATE_FREE,         /* (fast_)isolate_freepages: the same */
	FS_KACT_MIGRATED,             /* mm_compaction_migratepages: ident = nr_migrated */
	FS_KACT_MIGRATE_PAGES,        /* mm_migrate_pages: ident = nr_succeeded */
};

#define FS_EVF_FAILED 0x01        /* recorded allocation failed in the kernel */
#define FS_EVF_HAS_MT 0x02        /* migrate type given */
/* Workload flags (issue #8; native attribute flags=probe,lru,atomic): */
#define FS_EVF_PROBE 0x04         /* a high-order probe: counted in hugepage_attempts/successes;
				   * its free is ignored where the probe failed */
#define FS_EVF_LRU 0x08           /* on the LRU (page-cache-like): reclaim may free it */
#define FS_EVF_ATOMIC 0x10        /* may not direct-reclaim (GFP_ATOMIC, GFP_TRANSHUGE_LIGHT) */
#define FS_EVF_HAS_GFP 0x20       /* gfp flags given (gfp, sim/gfp.h bits) */
#define FS_EVF_PCP_REFILL 0x40    /* FS_EV_BUDDY_TAKE: percpu_refill=1 */
#define FS_EVF_REFERENCED 0x40    /* FS_EV_ALLOC with FS_EVF_LRU (the same bit): referenced after
				   * it was added (flags=ref): reclaim gives it a second chance */
#define FS_EVF_IF_FREE 0x80       /* FS_EV_BUDDY_TAKE: only if still free (extfrag) */
/* FS_EV_BUDDY_ISOLATE's ident: the scanned range's start pfn, its length
 * and nr_taken (one pageblock at most, so 12 bits each suffice) */
#define FS_ISO_START(id) ((id) & ((1ull << 40) - 1))
#define FS_ISO_LEN(id) ((unsigned)(((id) >> 40) & 0xfff))
#define FS_ISO_TAKEN(id) ((unsigned)(((id) >> 52) & 0xfff))

struct fs_event {
	uint64_t time_ns;             /* simulated time, ns */
	uint64_t ident;               /* recorded pfn or id */
	uint64_t seq;                 /* set by the event queue */
	uint64_t line;                /* input line, for messages */
	uint32_t key;                 /* interned key, 0 = none */
	uint16_t src;                 /* input index */
	uint16_t cpu;
	uint8_t kind, order, mt, flags;
	uint32_t gfp;                 /* FS_GFP_* (sim/gfp.h) when FS_EVF_HAS_GFP */
};

/* Binary heap ordered by (time_ns, seq): ties pop in insertion order. */
struct fs_evq {
	struct fs_event *ev;
	size_t n, cap;
	uint64_t next_seq;
};
void fs_evq_init(struct fs_evq *q);
void fs_evq_release(struct fs_evq *q);
void fs_evq_push(struct fs_evq *q, struct fs_event ev);  /* assigns seq */
bool fs_evq_pop(struct fs_evq *q, struct fs_event *out);
static inline const struct fs_event *fs_evq_peek(const struct fs_evq *q)
{
	return q->n ? &q->ev[0] : NULL;
}

/* ---- allocation table (sim/alloctab.c) -----------------------------------
 * Live allocations, stored in the hash slots themselves so that a free
 * touches one slot: identity, placement, order. Pointers returned are
 * valid until the next insert or remove. */

#define FS_IDENT_BITS 58          /* identities must be below 2^58 (page slots keep them) */
#define FS_IDENT_LIMIT (1ull << FS_IDENT_BITS)

#define FS_KEY_BITS 28            /* interned keys: below 2^28 (allocation records keep them) */
#define FS_KEY_LIMIT (1u << FS_KEY_BITS)

/* 16 bytes, so that four share a cache line: with ten million live
 * allocations the table is far larger than the caches and every lookup is
 * a miss, so its size decides how much of it the caches and TLBs hold. */
struct fs_alloc {
	uint64_t ident : FS_IDENT_BITS;
	uint64_t order : 4;           /* FS_ORDER_LIMIT */
	uint64_t live : 1;            /* 0: empty slot */
	uint64_t lru : 1;             /* on its zone's LRU list (sim/reclaim.c) */
	uint64_t pfn_idx : FS_LINK_BITS;  /* placement, page index */
	uint64_t key : FS_KEY_BITS;
	uint64_t mt : 3;              /* enum fs_migratetype (< FS_MT_NR) */
	uint64_t ref : 1;             /* FS_EVF_REFERENCED: a second chance left on the LRU */
	uint64_t zone : 3;            /* FS_MAX_ZONES */
};

struct fs_alloctab {
	struct fs_alloc *slot;        /* open addressing, linear probing */
	uint64_t mask;                /* slots - 1 */
	uint64_t live;
	uint64_t **seen;              /* two-level bitmap of idents ever allocated (< 2^32) */
};
int fs_alloctab_init(struct fs_alloctab *t);
void fs_alloctab_release(struct fs_alloctab *t);
struct fs_alloc *fs_alloctab_lookup(const struct fs_alloctab *t, uint64_t ident);
/* The live allocation covering ident (exact, or an aligned ancestor of up
 * to max_order), or NULL. */
struct fs_alloc *fs_alloctab_find_covering(const struct fs_alloctab *t, uint64_t ident,
					   unsigned max_order);
void fs_alloctab_prefetch(const struct fs_alloctab *t, uint64_t ident);
void fs_alloctab_prefetch_seen(const struct fs_alloctab *t, uint64_t ident);
/* Insert an identity known to be absent and below FS_IDENT_LIMIT; fields
 * other than ident zeroed. */
struct fs_alloc *fs_alloctab_insert(struct fs_alloctab *t, uint64_t ident);
void fs_alloctab_remove(struct fs_alloctab *t, struct fs_alloc *a);
void fs_alloctab_mark_seen(struct fs_alloctab *t, uint64_t ident, unsigned order);
bool fs_alloctab_was_seen(const struct fs_alloctab *t, uint64_t ident);
void fs_alloctab_forget(struct fs_alloctab *t, uint64_t ident, unsigned order);

/* ---- counters -------------------------------------------------------------
 * Defined once: generates the struct, the CSV header and the JSON summary.
 * X(name, csv, doc): csv 0 = JSON summary only; 1 = a CSV column counted
 * per zone; 2 = a CSV column for the whole machine (empty in zone rows). */
#define FS_COUNTERS(X)                                                           \
	X(allocs, 1, "allocations placed")                                      \
	X(frees, 1, "frees applied (whole or partial)")                         \
	X(alloc_failures, 1, "allocations the policy could not place")           \
	X(failures_order_ge1, 1, "failed allocations of order >= 1")            \
	X(unknown_frees, 1, "frees of allocations not seen in the trace")       \
	X(memory_online_blocks, 0, "max-order frees of never-allocated aligned blocks: memory coming online") \
	X(double_frees, 0, "frees of allocations already freed")                \
	X(partial_frees, 0, "frees covering part of an allocation")             \
	X(placement_conflicts, 0, "--placement trace: recorded range not free")  \
	X(kernel_failed_allocs, 0, "allocations that failed in the kernel")     \
	X(duplicate_allocs, 0, "allocations of an ident already live")           \
	X(free_order_mismatches, 0, "frees whose extent disagrees with the allocation") \
	X(bad_events, 0, "events skipped: impossible order or pfn")             \
	X(migrated_pages, 1, "pages moved by migration (compaction, defragmenters); each is one 4 KiB copy") \
	X(compact_migrate_scanned, 1, "pages the migrate scanner passed over (vmstat compact_migrate_scanned)") \
	X(compact_free_scanned, 1, "pages the free scanner passed over (vmstat compact_free_scanned)") \
	X(compact_isolated, 1, "pages isolated by both scanners (vmstat compact_isolated)") \
	X(compact_migrate_failed, 1, "isolated pages that found no target") \
	X(compact_stall, 2, "direct compactions: allocations that stalled to compact (vmstat compact_stall)") \
	X(compact_success, 2, "direct compactions after which the allocation succeeded") \
	X(compact_fail, 2, "direct compactions after which it still failed") \
	X(compact_daemon_wake, 2, "kcompactd runs (vmstat compact_daemon_wake)") \
	X(compact_runs_direct, 1, "compact_zone runs by direct compaction") \
	X(compact_runs_kcompactd, 1, "compact_zone runs by kcompactd for an order") \
	X(compact_runs_proactive, 1, "compact_zone runs by proactive compaction") \
	X(compact_runs_manual, 1, "compact_zone runs by compact_memory (manual)") \
	X(compact_result_success, 1, "runs that ended COMPACT_SUCCESS") \
	X(compact_result_complete, 1, "runs that ended COMPACT_COMPLETE (whole zone scanned)") \
	X(compact_result_partial_skipped, 1, "runs that ended COMPACT_PARTIAL_SKIPPED (scanners met)") \
	X(compact_result_deferred, 1, "zones skipped as deferred (COMPACT_DEFERRED)") \
	X(compact_result_skipped, 1, "runs skipped: not enough free memory (COMPACT_SKIPPED)") \
	X(compact_result_not_suitable_zone, 1, "runs skipped by the fragmentation index (COMPACT_NOT_SUITABLE_ZONE)") \
	X(compact_result_contended, 1, "runs that stopped with no target page left (COMPACT_CONTENDED)") \
	X(kernel_compaction_runs, 2, "traced: mm_compaction_begin (the kernel's compact_zone runs)") \
	X(kernel_compaction_stalls, 2, "traced: mm_compaction_try_to_compact_pages (direct compaction)") \
	X(kernel_kcompactd_wakes, 2, "traced: mm_compaction_kcompactd_wake") \
	X(kernel_compact_migrate_scanned, 2, "traced: nr_scanned of mm_compaction_isolate_migratepages") \
	X(kernel_compact_free_scanned, 2, "traced: nr_scanned of mm_compaction_(fast_)isolate_freepages") \
	X(kernel_compact_isolated, 2, "traced: nr_taken of both isolate events") \
	X(kernel_compact_migrated, 2, "traced: nr_migrated of mm_compaction_migratepages") \
	X(kernel_migrate_pages, 2, "traced: nr_succeeded of mm_migrate_pages (all reasons)") \
	/* workloads (issue #8): probes and reclaim */                           \
	X(hugepage_attempts, 1, "probe allocations (flags=probe) attempted")    \
	X(hugepage_successes, 1, "probe allocations placed")                     \
	X(reclaimed_pages, 1, "pages of LRU allocations freed by reclaim")      \
	X(direct_reclaim_pages, 0, "of those, freed by direct reclaim")          \
	X(kswapd_wakeups, 0, "a zone under its low watermark with LRU pages")    \
	X(reclaim_second_chances, 0, "referenced LRU allocations reclaim moved to the LRU tail instead of freeing") \
	X(reclaimed_then_freed, 0, "frees of LRU allocations already reclaimed") \
	/* a policy's say in reclaim (keyed zones, issue #7) */                  \
	X(direct_reclaim_refused, 0, "failed allocations the policy kept from direct reclaim (keyed zones: not LRU)") \
	X(direct_reclaim_passed_over, 0, "pages of LRU allocations direct reclaim scanned and left (wrongly keyed for the request)") \
	X(pressure_reclaim_runs, 0, "runs of a policy's own reclaim (keyed zones: unkeyed zones under the low-water target)") \
	X(pressure_reclaimed_pages, 0, "of reclaimed_pages, freed by a policy's own reclaim (keyed zones' low-water pressure)")

struct fs_counters {
#define FS_X(name, pz, doc) uint64_t name;
	FS_COUNTERS(FS_X)
#undef FS_X
};

/* ---- simulation (sim/engine.c) -------------------------------------------- */

enum fs_placement {
	FS_PLACE_POLICY = 0,          /* the policy chooses */
	FS_PLACE_TRACE = 1,           /* allocate exactly at the recorded pfns */
	FS_PLACE_KERNEL = 2,          /* replay the buddy lists' own events (sim/kexact.h) */
};

struct fs_policy;

struct fs_sim {
	struct fs_machine *m;
	struct fs_policy *pol;
	struct fs_alloctab at;
	enum fs_placement placement;
	struct fs_counters c;                       /* machine-wide */
	struct fs_counters zc[FS_MAX_ZONES];        /* per zone (per_zone fields) */
	uint64_t events;
	int debug_check;                            /* run fs_check after every op */
	void (*report)(void *ctx, const struct fs_event *ev, const char *what);
	void *report_ctx;
	uint8_t zone_dma, zone_dma32, zone_top;     /* gfp_zone(): highest usable zone by gfp */
	struct fs_reclaim *reclaim;                 /* LRU and watermarks, NULL until an LRU allocation */
	unsigned kswapd_cpu;                        /* CPU of the allocation that boosted a zone:
						     * kswapd's pass for the boost frees there */
	struct fs_kx *kx;                           /* --placement kernel, else NULL */
	/* per max-order block: memory not online yet at the start (--initial
	 * from a snapshot, sim/initial.h), brought in by the trace's
	 * memory-online frees; NULL = none */
	uint8_t *offline;
	bool untracked;                             /* pages allocated before the trace exist (--initial) */
};

/* A sim owns its machine and policy. spec is "name[:k=v,k=v]". */
int fs_sim_new(struct fs_sim **out, const struct fs_layout *l, const char *spec,
	       enum fs_placement placement, struct fs_err *err);
void fs_sim_free(struct fs_sim *s);
/* Apply one event. Never fails on bad input: anomalies are counted (and
 * passed to s->report). Returns 0, or -EIO if the debug checker fails. */
int fs_sim_apply(struct fs_sim *s, const struct fs_event *ev);
void fs_sim_tick(struct fs_sim *s, uint64_t now_ns);
/* Software prefetch for replay loops, in two stages: fs_sim_prefetch for
 * an event about 16 ahead (its allocation-table slot), fs_sim_prefetch2 for
 * one about 8 ahead (a free's page word, from the slot fetched by then). */
void fs_sim_prefetch(const struct fs_sim *s, const struct fs_event *ev);
void fs_sim_prefetch2(const struct fs_sim *s, const struct fs_event *ev);
/* Move live allocation a to new_pfn as migrate_pages() moves a folio: the
 * caller (compaction, a policy's defragmenter) has taken the target range
 * [new_pfn, 2^order) off the free lists; the old range is released through
 * the policy's free on cpu. The identity now maps to the new place, so
 * later trace frees release it there. a stays valid (no rehash). */
void fs_sim_migrate(struct fs_sim *s, struct fs_alloc *a, uint64_t new_pfn, unsigned cpu,
		    uint64_t now_ns);
/* The live allocation whose head is pfn, or NULL (reverse map via the
 * page slot's identity). */
struct fs_alloc *fs_sim_alloc_at(const struct fs_sim *s, uint64_t pfn);

/* Invariant checker (sim/check.c): free lists, page slots, counters and
 * the allocation table agree. 0, or -EIO with the first disagreement. */
int fs_check(const struct fs_sim *s, struct fs_err *err);
int fs_check_machine(const struct fs_machine *m, struct fs_err *err);

/* ---- metrics (sim/metrics.c) ---------------------------------------------- */

/* pageblocks_<type> columns: unmovable, movable, reclaimable, highatomic */
#define FS_CSV_PB_TYPES 4
/* The zone=all view: every zone's counters summed into *all. */
void fs_metrics_zone_all(const struct fs_machine *m, struct fs_zone *all);

/* vmstat.c:fill_contig_page_info for one zone's nr_free[] */
struct fs_contig_info {
	uint64_t free_pages, free_blocks_total, free_blocks_suitable;
};
void fs_contig_info(const uint64_t *nr_free, unsigned max_order, unsigned order,
		    struct fs_contig_info *info);
/* __fragmentation_index: -1000, 0 or 0..1000 (integer, 1000 = 1.0) */
int fs_fragmentation_index(const struct fs_contig_info *info, unsigned order);
/* unusable_free_index: 0..1000 */
int fs_unusable_index(const struct fs_contig_info *info, unsigned order);
/* extfrag_for_order (6.x, proactive compaction): 0..100 */
unsigned fs_extfrag_for_order(const struct fs_contig_info *info, unsigned order);

#endif
