/* keyed_zones.h - Bligh's keyed zones, private to policies/keyed_zones.c
 * (placement, keys, statistics) and policies/keyed_zones_defrag.c (the
 * defragmenter). See the essay at the top of keyed_zones.c.
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
/* zone_order limit: a keyed zone's order-0 free-head bitmap is at most 64 words */
#define FS_KZ_MAX_ORDER 12
#define FS_KZ_ORDERS (FS_KZ_MAX_ORDER + 1)

/* A bitmap with a search hint: every word below `hint` is zero, so
 * first-set-bit searches resume where the last one stopped (amortised
 * O(1) while bits are set near the front, as "in order" use does). */
struct fs_kz_bits {
	uint64_t *w;
	uint32_t nw;                  /* words */
	uint32_t hint;                /* words [0, hint) are zero */
};

/* What a key is made of (the key= tunable). */
enum fs_kz_part {
	FS_KZ_PART_MT = 1,            /* migrate type (stands in for the gfp flags) */
	FS_KZ_PART_ORDER = 2,         /* the request's order */
	FS_KZ_PART_COMM = 4,          /* the event's key: task name or key=NAME */
};

/* One key in one zone type's hash table: the keyed zones carrying it, in
 * the order they are tried (slot order). */
struct fs_kz_key {
	uint64_t val;                 /* composite key (fs_kz_key_of) */
	uint32_t nzones;              /* keyed zones carrying it */
	uint32_t nslots, cap;         /* slots in use (high-water), allocated */
	uint32_t *slot_zone;          /* keyed zone (index in the type) per slot, FS_KZ_NONE if free */
	struct fs_kz_bits free_slots; /* slots below nslots not in use */
	struct fs_kz_bits avail[FS_KZ_ORDERS];  /* slot's zone has a free block of order >= o */
};

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

struct fs_kz_zone {
	uint64_t start_pfn;           /* aligned to 2^zone_order (may precede the zone type's start) */
	uint32_t key;                 /* index in the type's keys, FS_KZ_NONE = unkeyed */
	uint32_t slot;                /* position in the key's zone list */
	uint32_t present;             /* pages that are RAM of its zone type */
	uint32_t used;                /* allocated pages */
	uint32_t misplaced;           /* allocated pages of another key ("inappropriately keyed") */
	uint32_t mis_movable;         /* of those, MOVABLE ones: what the defragmenter moves first */
	uint32_t pinned;              /* allocated pages that are not MOVABLE */
	uint16_t fmask;               /* bit o set: a free block of order o */
	uint16_t nr_free[FS_KZ_ORDERS];  /* free blocks per order */
	uint8_t type;                 /* zone type index */
	uint8_t on[FS_KZ_NR_LISTS];
	struct fs_kz_link link[FS_KZ_NR_LISTS];
};

struct fs_kz_type {
	struct fs_zone *z;
	uint64_t base_pfn;            /* start of keyed zone 0 */
	uint32_t first, nr;           /* global index of keyed zone 0; keyed zones spanned */
	uint32_t nr_present;          /* keyed zones with RAM */
	uint32_t nr_keyed, nr_unkeyed;
	uint32_t low_water;           /* target of unkeyed zones (low_water tunable) */
	uint32_t live_keys;           /* keys carried by a zone */
	uint64_t keyed_pages;         /* allocated pages in a zone of their own key */
	uint64_t misplaced;           /* allocated pages in a zone of another key */
	uint64_t rekeys;              /* cumulative: unkeyed zones labelled */
	uint64_t low_hits;            /* cumulative: labellings leaving unkeyed < low_water */
	uint64_t moves, emptied;      /* cumulative: defragmenter moves out of, zones emptied in this type */
	struct fs_kz_bits unkeyed;    /* keyed zones (index in the type) without a key */
	struct fs_kz_bits any[FS_KZ_ORDERS];  /* keyed zone has a free block of order >= o */
	struct fs_kz_key *keys;       /* nkeys records, never removed */
	uint32_t nkeys, keycap;
	uint32_t *hash;               /* open addressing: key index + 1, 0 = empty */
	uint32_t hmask;
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
	bool wake;                    /* unkeyed zones fell under the target: run a pass now */
	bool deferred;                /* the last pass moved nothing: no wake-up passes until the period */
	uint64_t period_ns, next_pass_ns;
	uint32_t batch;               /* pages moved per pass at most */
	uint32_t scan;                /* keyed zones examined per pass at most */
	uint32_t sparse_pct;          /* sparse: allocated pages <= sparse_pct % of the zone */
	uint32_t low_water_pct;
	uint64_t passes, wake_passes;
	uint64_t oversize;            /* requests above zone_order (always fail) */
	/* keyed zones */
	struct fs_kz_type type[FS_MAX_ZONES];
	struct fs_kz_zone *zones;
	uint32_t nzones;
	uint64_t *fb;                 /* free-head bitmaps: fb_words per keyed zone */
	unsigned fb_words;
	unsigned fb_off[FS_KZ_ORDERS];  /* word offset of order o's bitmap */
	uint64_t *mis_bits;           /* per page: part of an inappropriately keyed allocation */
	struct fs_kz_list list[FS_KZ_NR_LISTS];
	struct fs_kz_keyset keyset;
};

/* keyed_zones.c, for the defragmenter */
uint64_t fs_kz_key_of(const struct fs_kz *st, unsigned mt, unsigned order, uint32_t key);
uint32_t fs_kz_key_find(const struct fs_kz_type *t, uint64_t val);
uint32_t fs_kz_zone_of(struct fs_kz *st, struct fs_machine *m, uint64_t pfn);
bool fs_kz_is_misplaced(const struct fs_kz *st, const struct fs_machine *m, uint64_t pfn);
/* Take a free block of order o (the zone has one) and account an
 * allocation of type mt there; returns its pfn. */
uint64_t fs_kz_place(struct fs_kz *st, struct fs_machine *m, uint32_t gz, unsigned order,
		     unsigned mt, bool misplaced);
/* First set bit at or after i, or FS_KZ_NONE. */
uint32_t fs_kz_bits_next(const struct fs_kz_bits *b, uint32_t i);
void fs_kz_list_del(struct fs_kz *st, unsigned id, uint32_t gz);
void fs_kz_list_add_tail(struct fs_kz *st, unsigned id, uint32_t gz);

/* keyed_zones_defrag.c: one pass at simulated time now_ns; pages moved */
uint64_t fs_kz_defrag_pass(struct fs_policy *p, uint64_t now_ns);

#endif
