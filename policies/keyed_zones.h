/* keyed_zones.h - Bligh's keyed zones, private to policies/keyed_zones*.c:
 * keyed_zones.c (placement, labelling, the ops), keyed_zones_keys.c
 * (bitmaps, key tables, work lists), keyed_zones_setup.c (tunables,
 * set-up, statistics), keyed_zones_defrag.c (the defragmenter) and
 * keyed_zones_check.c (the invariant walker, used by the tests). See the
 * essay at the top of keyed_zones.c.
 *
 * Vocabulary: a *zone type* is one of the machine's zones (DMA, DMA32,
 * Normal; struct fs_zone); a *keyed zone* (struct fs_kz_zone) is one
 * 2^zone_order-aligned piece of a zone type, with its own buddy free areas;
 * a *key* identifies an allocator (migrate type, order, subsystem); a
 * keyed zone carries at most one key, and is *unkeyed* while it holds no
 * allocated page.
 */
#ifndef FRAGSIM_KEYED_ZONES_H
#define FRAGSIM_KEYED_ZONES_H

#include "../sim/policy.h"

#define FS_KZ_NONE UINT32_MAX
/* the key of pages allocated before the trace: fs_kz_key_of's values are
 * below 2^48, and the keyset stores values + 1 */
#define FS_KZ_PRETRACE (1ull << 63)
/* zone_order limit: a keyed zone's order-0 free-head bitmap is at most 64 words */
#define FS_KZ_MAX_ORDER 12
#define FS_KZ_ORDERS (FS_KZ_MAX_ORDER + 1)

/* A bitmap with a search hint: every word below `hint` is zero, so
 * first-set-bit searches resume where the last one stopped (amortised
 * O(1) while bits are set near the front, as "in order" use does). Up to
 * 64 bits live in the struct itself (most keys have a few zones: one cache
 * miss fewer on the allocation path), more on the heap. */
struct fs_kz_bits {
	union {
		uint64_t inl;         /* nw == 0: the one word */
		uint64_t *w;          /* nw > 0: nw words */
	};
	uint32_t nw;                  /* heap words, 0 = the inline word */
	uint32_t hint;                /* words [0, hint) are zero */
};

static inline uint64_t *fs_kz_words(struct fs_kz_bits *b)
{
	return b->nw ? b->w : &b->inl;
}

static inline const uint64_t *fs_kz_cwords(const struct fs_kz_bits *b)
{
	return b->nw ? b->w : &b->inl;
}

static inline uint32_t fs_kz_nwords(const struct fs_kz_bits *b)
{
	return b->nw ? b->nw : 1;
}

/* What a key is made of (the key= tunable). */
enum fs_kz_part {
	FS_KZ_PART_MT = 1,            /* migrate type (stands in for the gfp flags) */
	FS_KZ_PART_ORDER = 2,         /* the request's order */
	FS_KZ_PART_COMM = 4,          /* the event's key: task name or key=NAME */
};

#define FS_KZ_INLINE_SLOTS 2

/* One key in one zone type's hash table: the keyed zones carrying it, in
 * the order they are tried (slot order). */
struct fs_kz_key {
	uint64_t val;                 /* composite key (fs_kz_key_of) */
	uint32_t nzones;              /* keyed zones carrying it */
	uint32_t nslots, cap;         /* slots in use (high-water); heap slots, 0 = the inline ones */
	uint32_t in_use;              /* this hash-table entry holds a key */
	union {                       /* keyed zone (index in the type) per slot, FS_KZ_NONE if free */
		uint32_t slot_inl[FS_KZ_INLINE_SLOTS];
		uint32_t *slot_heap;
	};
	struct fs_kz_bits avail[FS_KZ_ORDERS];  /* slot's zone has a free block of order >= o */
	struct fs_kz_bits free_slots; /* slots below nslots not in use */
};

static inline uint32_t *fs_kz_slots(struct fs_kz_key *k)
{
	return k->cap ? k->slot_heap : k->slot_inl;
}

static inline const uint32_t *fs_kz_cslots(const struct fs_kz_key *k)
{
	return k->cap ? k->slot_heap : k->slot_inl;
}

/* Defragmenter work lists (intrusive, global keyed-zone indexes). */
enum fs_kz_list_id {
	FS_KZ_MISPLACED = 0,          /* zones holding inappropriately keyed MOVABLE pages */
	FS_KZ_SPARSE = 1,             /* keyed zones sparsely used, all pages MOVABLE */
	FS_KZ_NR_LISTS
};

struct fs_kz_link {
	uint32_t prev, next;
};

struct fs_kz_list {
	uint32_t head, tail, n;
};

/* One keyed zone: this header, then its free-head bitmaps in the same
 * record (st->zrec, fs_kz_zone_at), so the header and the order-0 bitmap
 * share a pair of cache lines. Counts are pages (zone_order <= 12). */
struct fs_kz_zone {
	uint32_t key;                 /* index in the type's keys, FS_KZ_NONE = unkeyed */
	uint32_t slot;                /* position in the key's zone list */
	uint16_t present;             /* pages that are RAM of its zone type */
	uint16_t used;                /* allocated pages */
	uint16_t misplaced;           /* allocated pages of another key ("inappropriately keyed") */
	uint16_t mis_movable;         /* of those, MOVABLE ones: what the defragmenter moves first */
	uint16_t pinned;              /* allocated pages that are not MOVABLE */
	uint16_t lru;                 /* allocated pages on the reclaim LRU (page-cache-like) */
	uint16_t fmask;               /* bit o set: a free block of order o */
	uint8_t type;                 /* zone type index */
	uint8_t on[FS_KZ_NR_LISTS];
	struct fs_kz_link link[FS_KZ_NR_LISTS];
};
#define FS_KZ_HDR 64                  /* bytes of a zone record before its bitmaps */
_Static_assert(sizeof(struct fs_kz_zone) <= FS_KZ_HDR, "keyed zone header larger than FS_KZ_HDR");

struct fs_kz_type {
	struct fs_zone *z;
	uint64_t base_pfn;            /* start of keyed zone 0 */
	uint32_t first, nr;           /* global index of keyed zone 0; keyed zones spanned */
	uint32_t nr_present;          /* keyed zones with RAM */
	uint32_t nr_keyed, nr_unkeyed;
	uint32_t low_water;           /* target of unkeyed zones (low_water tunable) */
	uint32_t live_keys;           /* keys carried by a zone */
	uint32_t largest_key;         /* zones of the most widespread key, when !largest_stale */
	bool largest_stale;           /* a key at the maximum lost a zone: recount on demand */
	uint64_t keyed_pages;         /* allocated pages in a zone of their own key */
	uint64_t misplaced;           /* allocated pages in a zone of another key */
	uint64_t rekeys;              /* cumulative: unkeyed zones labelled */
	uint64_t low_hits;            /* cumulative: labellings leaving unkeyed < low_water */
	uint64_t moves, emptied;      /* cumulative: defragmenter moves out of, zones emptied in this type */
	struct fs_kz_bits unkeyed;    /* keyed zones (index in the type) without a key */
	struct fs_kz_bits any[FS_KZ_ORDERS];  /* keyed zone has a free block of order >= o */
	struct fs_kz_key *keys;       /* the key hash table itself: kmask + 1 records, open
				       * addressing, linear probing; keys are never removed */
	uint32_t kmask, nkeys;
};

/* Keys machine-wide, for distinct_keys: value -> zone types carrying it. */
struct fs_kz_keyset {
	uint64_t *val;
	uint32_t *ref;                /* zone types carrying the key, 0 = not live */
	uint32_t mask, n, live;
};

struct fs_kz {
	unsigned zone_order;
	unsigned parts;               /* enum fs_kz_part bits */
	bool built;                   /* free areas read from the machine (first call) */
	/* defragmenter */
	bool defrag;
	bool wake;                    /* unkeyed zones fell under the target or a request of order
				       * >= 1 failed: run a pass at the next tick */
	bool deferred;                /* the last pass moved nothing: no wake-up passes until new
				       * work reaches the lists or the period ends */
	uint64_t period_ns, next_pass_ns;
	uint32_t batch;               /* pages moved per pass at most */
	uint32_t scan;                /* keyed zones examined per pass at most */
	uint32_t sparse_pct;          /* sparse: allocated pages <= sparse_pct % of the zone */
	uint32_t low_water_pct;
	uint64_t passes, wake_passes;
	uint64_t oversize;            /* requests above zone_order (always fail) */
	/* the proposal's reclaim rules (keyed_zones_reclaim.c) */
	bool reclaim_keyed;           /* direct reclaim: LRU requests, correctly keyed pages only */
	bool pressure;                /* reclaim when unkeyed zones fall under low_water */
	bool pressure_wake;           /* a type may be under its target: run a pressure pass */
	uint64_t pressure_next_ns;    /* after a pass that could not reach the target: not before */
	uint64_t *cand;               /* pressure pass scratch: (used << 32 | keyed zone), nzones */
	/* keyed zones */
	struct fs_kz_type type[FS_MAX_ZONES];
	unsigned char *zrec;          /* nzones records of zstride bytes: header, bitmaps */
	size_t zstride;
	uint32_t nzones;
	unsigned fb_words;            /* free-head bitmap words per keyed zone */
	unsigned fb_off[FS_KZ_ORDERS + 1];  /* word offset of order o's bitmap (fb_off[zone_order + 1] = fb_words) */
	uint64_t *mis_bits;           /* per page: part of an inappropriately keyed allocation */
	/* kz_prefetch's pipeline: the last 8 events announced (a ring indexed
	 * by pf_n mod 8), each taken a stage further two calls later */
	struct fs_kz_pf {
		uint64_t ident;
		uint64_t val;                 /* an allocation's key (fs_kz_key_of) */
		uint32_t gz;                  /* its predicted keyed zone, FS_KZ_NONE: none */
		uint8_t kind, order, ok;      /* ok: an allocation or free worth following */
	} pf[8];
	uint32_t pf_n;
	struct fs_kz_list list[FS_KZ_NR_LISTS];
	struct fs_kz_keyset keyset;
};


/* ---- bitmaps (keyed_zones_keys.c; the hot ones inline) ---- */
void fs_kz_bits_grow(struct fs_kz_bits *b, uint32_t nbits);
void fs_kz_bits_release(struct fs_kz_bits *b);
static inline void fs_kz_bits_set(struct fs_kz_bits *b, uint32_t i)
{
	if (i / 64 >= fs_kz_nwords(b))
		fs_kz_bits_grow(b, i + 1);
	fs_kz_words(b)[i / 64] |= 1ull << (i & 63);
	if (i / 64 < b->hint)
		b->hint = i / 64;
}

static inline void fs_kz_bits_clear(struct fs_kz_bits *b, uint32_t i)
{
	if (i / 64 < fs_kz_nwords(b))
		fs_kz_words(b)[i / 64] &= ~(1ull << (i & 63));
}

static inline bool fs_kz_bits_test(const struct fs_kz_bits *b, uint32_t i)
{
	return i / 64 < fs_kz_nwords(b) && (fs_kz_cwords(b)[i / 64] >> (i & 63) & 1);
}

static inline uint32_t fs_kz_bits_first(struct fs_kz_bits *b)
{
	const uint64_t *w = fs_kz_words(b);
	uint32_t n = fs_kz_nwords(b);

	for (uint32_t j = b->hint; j < n; j++)
		if (w[j]) {
			b->hint = j;
			return j * 64 + (uint32_t)__builtin_ctzll(w[j]);
		}
	b->hint = n;
	return FS_KZ_NONE;
}

/* fs_kz_bits_first without moving the hint (for prefetch hints, which
 * must not change the state). */
static inline uint32_t fs_kz_bits_peek(const struct fs_kz_bits *b)
{
	const uint64_t *w = fs_kz_cwords(b);
	uint32_t n = fs_kz_nwords(b);

	for (uint32_t j = b->hint; j < n; j++)
		if (w[j])
			return j * 64 + (uint32_t)__builtin_ctzll(w[j]);
	return FS_KZ_NONE;
}

/* First set bit at or after i, or FS_KZ_NONE. */
uint32_t fs_kz_bits_next(const struct fs_kz_bits *b, uint32_t i);

/* keyed_zones_keys.c: key hash tables, work lists */
static inline uint32_t fs_kz_key_hash(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return (uint32_t)v;
}

/* The key's index in the type's table (its place in the hash table), or
 * FS_KZ_NONE. */
static inline uint32_t fs_kz_key_find(const struct fs_kz_type *t, uint64_t val)
{
	if (!t->keys)
		return FS_KZ_NONE;
	for (uint32_t i = fs_kz_key_hash(val) & t->kmask; t->keys[i].in_use; i = (i + 1) & t->kmask)
		if (t->keys[i].val == val)
			return i;
	return FS_KZ_NONE;
}

void fs_kz_list_del(struct fs_kz *st, unsigned id, uint32_t gz);
void fs_kz_list_add_tail(struct fs_kz *st, unsigned id, uint32_t gz);
uint32_t fs_kz_key_add(struct fs_kz *st, struct fs_kz_type *t, uint64_t val);
void fs_kz_keyset_ref(struct fs_kz_keyset *ks, uint64_t val, int delta);

static inline struct fs_kz_zone *fs_kz_zone_at(const struct fs_kz *st, uint32_t gz)
{
	return (struct fs_kz_zone *)(st->zrec + (size_t)gz * st->zstride);
}

/* keyed zone gz's free-head bitmap of order o: bit i = a free block at
 * fs_kz_start + (i << o) */
static inline uint64_t *fs_kz_fb(const struct fs_kz *st, uint32_t gz, unsigned o)
{
	return (uint64_t *)(st->zrec + (size_t)gz * st->zstride + FS_KZ_HDR) + st->fb_off[o];
}

/* first pfn of keyed zone gz (aligned; may precede its zone type's start) */
static inline uint64_t fs_kz_start(const struct fs_kz *st, uint32_t gz)
{
	const struct fs_kz_type *t = &st->type[fs_kz_zone_at(st, gz)->type];

	return t->base_pfn + ((uint64_t)(gz - t->first) << st->zone_order);
}

/* the pfns [*lo, *hi) keyed zone gz holds inside its (real) zone */
static inline void fs_kz_span(const struct fs_kz *st, uint32_t gz, uint64_t *lo, uint64_t *hi)
{
	const struct fs_kz_type *t = &st->type[fs_kz_zone_at(st, gz)->type];
	uint64_t start = fs_kz_start(st, gz);

	*lo = start > t->z->start_pfn ? start : t->z->start_pfn;
	*hi = start + (1ull << st->zone_order);
	if (*hi > t->z->end_pfn)
		*hi = t->z->end_pfn;
}

/* keyed_zones.c, for the defragmenter and the checker */
uint64_t fs_kz_key_of(const struct fs_kz *st, unsigned mt, unsigned order, uint32_t key);
uint32_t fs_kz_zone_of(struct fs_kz *st, struct fs_machine *m, uint64_t pfn);
bool fs_kz_is_misplaced(const struct fs_kz *st, const struct fs_machine *m, uint64_t pfn);
bool fs_kz_pretrace_page(const struct fs_policy *p, uint64_t pfn);
/* Take a free block of order o (the zone has one) and account an
 * allocation of type mt there; returns its pfn. */
uint64_t fs_kz_place(struct fs_kz *st, struct fs_machine *m, uint32_t gz, unsigned order,
		     unsigned mt, bool misplaced, bool lru);

/* keyed_zones_defrag.c: one pass at simulated time now_ns; pages moved */
uint64_t fs_kz_defrag_pass(struct fs_policy *p, uint64_t now_ns);

/* keyed_zones_reclaim.c: the proposal's reclaim rules. reclaim_ok is the
 * ops callback (policy.h); the pressure pass runs from the tick when
 * pressure_wake is set: true when every zone type has its unkeyed target. */
bool fs_kz_reclaim_ok(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t pfn);
bool fs_kz_pressure_pass(struct fs_policy *p, uint64_t now_ns);


/* keyed_zones_setup.c: the ops' set-up and statistics callbacks */
extern const struct fs_tunable fs_kz_tunables[];
extern const struct fs_policy_stat fs_kz_stats[];
int fs_kz_init(struct fs_policy *p, const struct fs_kv *kv, unsigned nkv, struct fs_err *err);
void fs_kz_destroy(struct fs_policy *p);
void fs_kz_get_stats(const struct fs_policy *p, int zone, uint64_t *vals);
/* keyed_zones.c: read the boot free areas (first use: the machine is
 * populated after the policy's init) */
void fs_kz_build(struct fs_policy *p);
static inline void fs_kz_ensure_built(struct fs_policy *p)
{
	if (__builtin_expect(!((struct fs_kz *)p->state)->built, 0))
		fs_kz_build(p);
}

/* Should keyed zone kz be on work list id? "the role of the defragmenter
 * becomes firstly to target pages which have an inappropriate key for the
 * zone concerned, and secondly to target pages in sparsely allocated
 * zones": membership follows the per-zone counts. A sparse zone is listed
 * only when every page in it can move. */
static inline bool fs_kz_wants_list(const struct fs_kz *st, const struct fs_kz_zone *kz, unsigned id)
{
	if (!st->defrag)
		return false;
	if (id == FS_KZ_MISPLACED)
		return kz->mis_movable > 0;
	return st->sparse_pct && kz->key != FS_KZ_NONE && kz->used && !kz->pinned &&
	       (uint64_t)kz->used * 100 <= (uint64_t)st->sparse_pct * kz->present;
}

/* keyed_zones_check.c: the policy's own invariants (tests, DEBUG) - keyed
 * free areas against the machine's pages, per-zone and per-type counts
 * against the allocations, key slots, search bitmaps and work lists. 0 or
 * -EIO with the first disagreement. */
int fs_kz_check(const struct fs_policy *p, struct fs_err *err);

#endif
