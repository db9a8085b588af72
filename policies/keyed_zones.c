/* keyed_zones.c - Bligh's keyed zones (LKML, 6 Sep 2001, "[RFC]
 * Defragmentation proposal: preventative maintenance and cleanup"), the
 * proposal nobody built, as a placement policy.
 *
 * "Imagine instead, there were many more zones, and the above three labels
 * became 'zone types'." Every zone type (the machine's DMA, DMA32, Normal)
 * is cut into keyed zones of 2^zone_order pages ("at least the highest
 * order allocation in size"; default pageblock_order), each with its own
 * buddy free areas: blocks never merge across keyed zones ("the buddy
 * allocator has no visibility of coalescence etc. above this level
 * anyway"). "Each zone type would have an associated hash table": here a
 * hash from a key - the allocator's identity, "the GFP flags, the order,
 * and perhaps some ID for the subsystem" - to the keyed zones carrying it.
 *
 * Allocation order, as the proposal lists it:
 *   1. "all zones in the hash table with the appropriate key ... are first
 *      tried, in order" - the key's zones in slot order (a zone takes the
 *      lowest free slot of its key when labelled), the first one with a
 *      free block large enough;
 *   2. "then an empty zone (special key) is found, which is then labelled"
 *      - the lowest-addressed unkeyed zone of the type;
 *   3. "then, other zone types" - steps 1-2 in the next zone type of the
 *      zonelist (Normal -> DMA32 -> DMA);
 *   4. "starting with the first zone type again, the first page in ANY
 *      zone" - the lowest-addressed keyed zone with a block large enough,
 *      type by type: these are the "inappropriately keyed" pages.
 * Inside a keyed zone the smallest free block that fits is split as
 * expand() does; among blocks of that order the lowest-addressed one is
 * taken (free heads are found through per-order bitmaps, not lists).
 * "A zone whose last page is freed becomes unkeyed and free for rekeying."
 * Per-zone statistics of appropriately and inappropriately keyed pages
 * feed the defragmenter (keyed_zones_defrag.c) and the CSV.
 *
 * How keyed free areas coexist with the machine's free lists: the machine
 * keeps counting every free block (nr_free, free_pages, the per-list
 * counts: metrics, /proc dumps and fs_check stay exact), but with
 * m->unlinked_lists the blocks are counted, not linked (fs_buddy_count_add
 * and _del): linking them into one list per zone type would cost two
 * random cache misses per operation for a list order this policy never
 * reads. Each keyed zone instead tracks its free blocks in per-order
 * bitmaps (a bit per possible head: 2^(zone_order+1) bits, 168 bytes for a
 * 2 MiB zone - the 2.4 kernel's free_area bitmaps, one set per keyed zone)
 * and an order mask, stored right after the zone's 64-byte header so an
 * order-0 operation touches one pair of cache lines. Merging is capped at
 * zone_order (m->merge_order, which also caps the boot memory handed over)
 * and done here, on the bitmaps. Zone choice is O(1) amortised: per type
 * and per key, bitmaps with a search hint say which zones (slots) have a
 * block of order >= o; they change only when a zone's largest free order
 * does.
 *
 * Choices where the proposal is vague (README, tunables): the key's parts
 * (key=mt+order+comm; gfp flags are not in events yet, the migrate type
 * stands in for them), zone_order, slot order as "in order", the lowest
 * unkeyed zone, requests above zone_order fail, low_water, and the
 * defragmenter's period, batch and sparseness.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/internal.h"   /* fs_xcalloc */
#include "keyed_zones.h"

static struct fs_kz *KZ(const struct fs_policy *p)
{
	return p->state;
}

/* The defragmenter's work lists: a zone joins when its counts make it a
 * target (O(1), after every change of them) and leaves lazily, when the
 * defragmenter finds it no longer is one - a zone hovering at the sparse
 * threshold would otherwise be linked and unlinked on every other event. */
static void lists_update(struct fs_kz *st, uint32_t gz)
{
	const struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);

	if (!st->defrag)
		return;
	for (unsigned id = 0; id < FS_KZ_NR_LISTS; id++)
		if (!kz->on[id] && fs_kz_wants_list(st, kz, id)) {
			fs_kz_list_add_tail(st, id, gz);
			st->deferred = false;           /* new work: wake-ups may run passes again */
		}
}

/* ---- keyed zones: free areas ---------------------------------------------- */

/* A block's bit in its keyed zone's order-o bitmap: keyed zones are
 * aligned to 2^zone_order pfns, so the offset is the pfn's low bits. */
static inline uint64_t fb_bit(const struct fs_kz *st, uint64_t pfn, unsigned o)
{
	return (pfn & ((1ull << st->zone_order) - 1)) >> o;
}

/* no free block of order o left in keyed zone gz */
static inline bool fb_empty(const struct fs_kz *st, uint32_t gz, unsigned o)
{
	const uint64_t *w = fs_kz_fb(st, gz, o);

	for (unsigned j = 0; j < st->fb_off[o + 1] - st->fb_off[o]; j++)
		if (w[j])
			return false;
	return true;
}

static inline int top_order(uint16_t mask)
{
	return mask ? 31 - __builtin_clz(mask) : -1;
}

/* The zone's largest free order changed from that of old_mask: say so in
 * the type's and the key's "has a block of order >= o" bitmaps. */
static void avail_update(struct fs_kz *st, uint32_t gz, uint16_t old_mask)
{
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	int a = top_order(old_mask), b = top_order(kz->fmask);
	struct fs_kz_type *t;
	struct fs_kz_key *k;
	uint32_t local;

	if (a == b)
		return;
	t = &st->type[kz->type];
	local = gz - t->first;
	k = kz->key != FS_KZ_NONE ? &t->keys[kz->key] : NULL;
	for (int o = b + 1; o <= a; o++) {
		fs_kz_bits_clear(&t->any[o], local);
		if (k)
			fs_kz_bits_clear(&k->avail[o], kz->slot);
	}
	for (int o = a + 1; o <= b; o++) {
		fs_kz_bits_set(&t->any[o], local);
		if (k)
			fs_kz_bits_set(&k->avail[o], kz->slot);
	}
}

/* Put a free block on the machine's list and the zone's bitmap. */
static void fb_add(struct fs_kz *st, struct fs_machine *m, uint32_t gz, uint64_t pfn, unsigned o)
{
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	uint64_t i = fb_bit(st, pfn, o);

	fs_kz_fb(st, gz, o)[i / 64] |= 1ull << (i & 63);
	kz->fmask |= (uint16_t)(1u << o);
	fs_buddy_count_add(m, st->type[kz->type].z, pfn, o, 0);
}

static void fb_del(struct fs_kz *st, struct fs_machine *m, uint32_t gz, uint64_t pfn, unsigned o)
{
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	uint64_t i = fb_bit(st, pfn, o);

	fs_kz_fb(st, gz, o)[i / 64] &= ~(1ull << (i & 63));
	if (fb_empty(st, gz, o))
		kz->fmask &= (uint16_t)~(1u << o);
	fs_buddy_count_del(m, st->type[kz->type].z, pfn, o, 0);
}

static inline bool fb_test(const struct fs_kz *st, uint32_t gz, uint64_t pfn, unsigned o)
{
	uint64_t i = fb_bit(st, pfn, o);

	return fs_kz_fb(st, gz, o)[i / 64] >> (i & 63) & 1;
}

uint32_t fs_kz_zone_of(struct fs_kz *st, struct fs_machine *m, uint64_t pfn)
{
	const struct fs_kz_type *t = &st->type[fs_machine_zone_of(m, pfn)->idx];

	return t->first + (uint32_t)((pfn - t->base_pfn) >> st->zone_order);
}

/* The smallest free block of order >= o in keyed zone gz (lowest address
 * among those), split as expand() splits: upper halves stay free. */
static uint64_t take_block(struct fs_kz *st, struct fs_machine *m, uint32_t gz, unsigned o)
{
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	uint16_t old = kz->fmask;
	unsigned h = o + (unsigned)__builtin_ctz(kz->fmask >> o);
	const uint64_t *w = fs_kz_fb(st, gz, h);
	uint64_t i = 0, pfn;

	while (!*w) {
		w++;
		i += 64;
	}
	i += (uint64_t)__builtin_ctzll(*w);
	pfn = fs_kz_start(st, gz) + (i << h);
	fb_del(st, m, gz, pfn, h);
	while (h > o) {
		h--;
		fb_add(st, m, gz, pfn + (1ull << h), h);
	}
	avail_update(st, gz, old);
	return pfn;
}

/* __free_one_page within a keyed zone: merge while the buddy is a free
 * block of the same order in the same zone type, never above zone_order
 * (so never across keyed zones: they are aligned to it). */
static void put_block(struct fs_kz *st, struct fs_machine *m, uint32_t gz, uint64_t pfn, unsigned o)
{
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	const struct fs_zone *z = st->type[kz->type].z;
	uint16_t old = kz->fmask;

	while (o < st->zone_order) {
		uint64_t buddy = pfn ^ (1ull << o);

		if (buddy < z->start_pfn || buddy >= z->end_pfn || !fb_test(st, gz, buddy, o))
			break;
		fb_del(st, m, gz, buddy, o);
		pfn &= ~(1ull << o);
		o++;
	}
	fb_add(st, m, gz, pfn, o);
	avail_update(st, gz, old);
}

/* ---- labelling ------------------------------------------------------------- */

/* "an empty zone (special key) is found, which is then labelled": the
 * zone takes its key's lowest free slot, so the key's zones are tried in
 * the order they were labelled, refilling the places of unkeyed ones. */
static void label(struct fs_kz *st, uint32_t gz, uint32_t kidx)
{
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	struct fs_kz_type *t = &st->type[kz->type];
	struct fs_kz_key *k = &t->keys[kidx];
	uint32_t slot = fs_kz_bits_first(&k->free_slots);

	if (slot == FS_KZ_NONE) {
		if (k->nslots == (k->cap ? k->cap : FS_KZ_INLINE_SLOTS)) {
			uint32_t cap = 2 * k->nslots, *heap = fs_xcalloc(cap, sizeof(*heap));

			memcpy(heap, fs_kz_slots(k), k->nslots * sizeof(*heap));
			if (k->cap)
				free(k->slot_heap);
			k->slot_heap = heap;
			k->cap = cap;
		}
		slot = k->nslots++;
	} else {
		fs_kz_bits_clear(&k->free_slots, slot);
	}
	fs_kz_slots(k)[slot] = gz - t->first;
	kz->key = kidx;
	kz->slot = slot;
	for (int o = 0; o <= top_order(kz->fmask); o++)
		fs_kz_bits_set(&k->avail[o], slot);
	if (k->nzones++ == 0) {
		t->live_keys++;
		fs_kz_keyset_ref(&st->keyset, k->val, 1);
	}
	if (k->nzones > t->largest_key)
		t->largest_key = k->nzones;
	fs_kz_bits_clear(&t->unkeyed, gz - t->first);
	t->nr_unkeyed--;
	t->nr_keyed++;
	t->rekeys++;
	/* "the number unkeyed (i.e. empty) zones will need to have a
	 * particular low water market target, below which memory pressure
	 * must somehow be caused": under it, wake the pressure reclaim and
	 * the defragmenter */
	if (t->nr_unkeyed < t->low_water) {
		t->low_hits++;
		st->wake = true;
		st->pressure_wake = st->pressure;
	}
}

/* "A zone whose last page is freed becomes unkeyed and free for rekeying." */
static void unlabel(struct fs_kz *st, uint32_t gz)
{
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	struct fs_kz_type *t = &st->type[kz->type];
	struct fs_kz_key *k = &t->keys[kz->key];

	for (unsigned o = 0; o <= st->zone_order; o++)
		fs_kz_bits_clear(&k->avail[o], kz->slot);
	fs_kz_slots(k)[kz->slot] = FS_KZ_NONE;
	if (kz->slot == k->nslots - 1)
		k->nslots--;
	else
		fs_kz_bits_set(&k->free_slots, kz->slot);
	/* trailing free slots are dropped, so free_slots stays below nslots */
	while (k->nslots && fs_kz_slots(k)[k->nslots - 1] == FS_KZ_NONE)
		fs_kz_bits_clear(&k->free_slots, --k->nslots);
	if (k->nzones-- == t->largest_key)
		t->largest_stale = true;
	if (k->nzones == 0) {
		t->live_keys--;
		fs_kz_keyset_ref(&st->keyset, k->val, -1);
	}
	kz->key = FS_KZ_NONE;
	fs_kz_bits_set(&t->unkeyed, gz - t->first);
	t->nr_unkeyed++;
	t->nr_keyed--;
}

/* ---- per-page misplaced marks ------------------------------------------------ */

/* Mark [pfn, 2^order) (aligned) as part of an inappropriately keyed
 * allocation (set), or count and clear the marks in it: partial frees and
 * migration release ranges of any alignment the engine produces. */
static uint64_t mis_mark(struct fs_kz *st, const struct fs_machine *m, uint64_t pfn,
			 unsigned order, bool set)
{
	uint64_t idx = pfn - m->base_pfn, n = 0;

	if (order >= 6) {
		for (uint64_t w = idx / 64; w < (idx + (1ull << order)) / 64; w++) {
			n += (uint64_t)__builtin_popcountll(st->mis_bits[w]);
			st->mis_bits[w] = set ? ~0ull : 0;
		}
	} else {
		uint64_t mask = ((1ull << (1u << order)) - 1) << (idx & 63);

		n = (uint64_t)__builtin_popcountll(st->mis_bits[idx / 64] & mask);
		if (set)
			st->mis_bits[idx / 64] |= mask;
		else
			st->mis_bits[idx / 64] &= ~mask;
	}
	return n;
}

bool fs_kz_is_misplaced(const struct fs_kz *st, const struct fs_machine *m, uint64_t pfn)
{
	uint64_t idx = pfn - m->base_pfn;

	return st->mis_bits[idx / 64] >> (idx & 63) & 1;
}

/* An allocation of type mt now occupies [pfn, 2^order) in zone gz. */
static void account(struct fs_kz *st, struct fs_machine *m, uint32_t gz, uint64_t pfn,
		    unsigned order, unsigned mt, bool misplaced, bool lru)
{
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	struct fs_kz_type *t = &st->type[kz->type];
	uint32_t pages = 1u << order;

	kz->used += pages;
	if (lru)
		kz->lru += pages;
	if (mt != FS_MT_MOVABLE)
		kz->pinned += pages;
	if (misplaced) {
		mis_mark(st, m, pfn, order, true);
		kz->misplaced += pages;
		t->misplaced += pages;
		if (mt == FS_MT_MOVABLE)
			kz->mis_movable += pages;
	} else {
		t->keyed_pages += pages;
	}
	lists_update(st, gz);
}

uint64_t fs_kz_place(struct fs_kz *st, struct fs_machine *m, uint32_t gz, unsigned order,
		     unsigned mt, bool misplaced, bool lru)
{
	uint64_t pfn = take_block(st, m, gz, order);

	account(st, m, gz, pfn, order, mt, misplaced, lru);
	return pfn;
}

/* The low_water tunable is a percentage of the zones with RAM, rounded up. */
static void set_low_water(const struct fs_kz *st, struct fs_kz_type *t)
{
	t->low_water = (uint32_t)(((uint64_t)t->nr_present * st->low_water_pct + 99) / 100);
}

/* ---- building the keyed zones from the boot free lists ------------------------ */

/* A page allocated before the trace (a snapshot start, --initial): RAM that
 * is neither free nor a tracked allocation and not waiting to come online. */
bool fs_kz_pretrace_page(const struct fs_policy *p, uint64_t pfn)
{
	const struct fs_machine *m = p->m;
	const struct fs_sim *s = p->sim;

	if (!s || !s->untracked || fs_pg_kind(m->pages[pfn - m->base_pfn]) != FS_PG_NONE ||
	    fs_machine_is_hole(m, pfn))
		return false;
	return !s->offline || !s->offline[(pfn - m->base_pfn) >> m->max_order];
}

/* A keyed zone holding pages allocated before the trace carries the key
 * FS_KZ_PRETRACE: their allocator is unknown, so they are a key of their
 * own, never rekeyed while one remains; the zone's free blocks serve other
 * keys only as "the first page in ANY zone" (counted misplaced). Not a
 * rekeying (rekeys), and not MOVABLE: the defragmenter cannot move pages it
 * has no record of (pinned). */
static void label_pretrace(struct fs_kz *st, struct fs_kz_type *t, uint32_t gz, uint32_t pages)
{
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	uint32_t kidx = fs_kz_key_find(t, FS_KZ_PRETRACE);

	if (kidx == FS_KZ_NONE)
		kidx = fs_kz_key_add(st, t, FS_KZ_PRETRACE);
	label(st, gz, kidx);
	t->rekeys--;
	kz->used += pages;
	kz->pinned += pages;
	t->keyed_pages += pages;
	lists_update(st, gz);
}

/* Boot memory was handed over by fs_machine_populate after init, and a
 * snapshot start installed before the first call, both in blocks capped at
 * zone_order (m->merge_order), so the keyed free areas are read from the
 * machine's pages on the first call: every free head, in pfn order, and
 * the pages allocated before the trace (O(pages), once). */
void fs_kz_build(struct fs_policy *p)
{
	struct fs_kz *st = KZ(p);
	struct fs_machine *m = p->m;
	bool snapshot = p->sim && p->sim->untracked;

	for (unsigned ti = 0; ti < m->nr_zones; ti++) {
		struct fs_kz_type *t = &st->type[ti];
		const struct fs_zone *z = t->z;
		uint32_t *pre = snapshot ? fs_xcalloc(t->nr ? t->nr : 1, sizeof(*pre)) : NULL;

		for (uint64_t idx = z->start_idx; idx < z->end_idx;) {
			uint64_t pfn = m->base_pfn + idx;
			uint32_t gz = t->first + (uint32_t)((pfn - t->base_pfn) >> st->zone_order);

			if (fs_pg_kind(m->pages[idx]) == FS_PG_FREE) {
				unsigned o = fs_buddy_order(m, idx);

				/* off the linked lists: counted only from now on */
				fs_buddy_del(m, t->z, pfn);
				fs_buddy_count_add(m, t->z, pfn, o, 0);
				uint64_t i = fb_bit(st, pfn, o);

				fs_kz_fb(st, gz, o)[i / 64] |= 1ull << (i & 63);
				fs_kz_zone_at(st, gz)->fmask |= (uint16_t)(1u << o);
				fs_kz_zone_at(st, gz)->present += 1u << o;
				idx += 1ull << o;
			} else {
				if (pre && fs_kz_pretrace_page(p, pfn)) {
					pre[gz - t->first]++;
					fs_kz_zone_at(st, gz)->present++;
				}
				idx++;                  /* a hole */
			}
		}
		for (uint32_t l = 0; l < t->nr; l++) {
			uint32_t gz = t->first + l;

			if (!fs_kz_zone_at(st, gz)->present)
				continue;
			t->nr_present++;
			t->nr_unkeyed++;
			fs_kz_bits_set(&t->unkeyed, l);
			avail_update(st, gz, 0);
		}
		set_low_water(st, t);
		for (uint32_t l = 0; pre && l < t->nr; l++)
			if (pre[l])
				label_pretrace(st, t, t->first + l, pre[l]);
		free(pre);
	}
	m->unlinked_lists = true;
	st->built = true;
}

/* Memory coming online (a snapshot start left it offline, sim/engine.c):
 * new RAM for the keyed zones it falls in, free, in zone_order pieces. */
static void kz_online(struct fs_policy *p, uint64_t pfn, unsigned order)
{
	struct fs_kz *st = KZ(p);
	unsigned o = order < st->zone_order ? order : st->zone_order;

	fs_kz_ensure_built(p);
	for (uint64_t q = pfn; q < pfn + (1ull << order); q += 1ull << o) {
		uint32_t gz = fs_kz_zone_of(st, p->m, q);
		struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
		struct fs_kz_type *t = &st->type[kz->type];

		if (!kz->present) {
			t->nr_present++;
			t->nr_unkeyed++;
			fs_kz_bits_set(&t->unkeyed, gz - t->first);
			set_low_water(st, t);
		}
		kz->present += 1u << o;
		put_block(st, p->m, gz, q, o);
		lists_update(st, gz);
	}
}


/* ---- the policy ----------------------------------------------------------------- */

/* The lowest-addressed unkeyed zone of type t with a block of order o
 * (only keyed zones cut by holes or zone edges can lack one). */
static uint32_t find_unkeyed(struct fs_kz *st, struct fs_kz_type *t, unsigned o)
{
	for (uint32_t l = fs_kz_bits_first(&t->unkeyed); l != FS_KZ_NONE;
	     l = fs_kz_bits_next(&t->unkeyed, l + 1))
		if (fs_kz_zone_at(st, t->first + l)->fmask >> o)
			return t->first + l;
	return FS_KZ_NONE;
}

static int kz_alloc(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t *pfn)
{
	struct fs_kz *st = KZ(p);
	unsigned o = req->order;
	uint64_t val;

	fs_kz_ensure_built(p);
	if (o > st->zone_order) {
		st->oversize++;
		return -ENOMEM;
	}
	val = fs_kz_key_of(st, req->mt, o, req->key);
	/* zones with the key, then an empty zone labelled with it, type by type */
	for (int ti = (int)req->highest_zone; ti >= 0; ti--) {
		struct fs_kz_type *t = &st->type[ti];
		uint32_t kidx = fs_kz_key_find(t, val), gz;

		if (kidx != FS_KZ_NONE) {
			struct fs_kz_key *k = &t->keys[kidx];
			uint32_t s = fs_kz_bits_first(&k->avail[o]);

			if (s != FS_KZ_NONE) {
				*pfn = fs_kz_place(st, p->m, t->first + fs_kz_slots(k)[s], o, req->mt, false,
						   req->lru);
				return 0;
			}
		}
		gz = find_unkeyed(st, t, o);
		if (gz != FS_KZ_NONE) {
			if (kidx == FS_KZ_NONE)
				kidx = fs_kz_key_add(st, t, val);
			label(st, gz, kidx);
			*pfn = fs_kz_place(st, p->m, gz, o, req->mt, false, req->lru);
			return 0;
		}
	}
	/* "the first page in ANY zone within that zone hash table is utilized,
	 * and so on through other suitable zone types" */
	for (int ti = (int)req->highest_zone; ti >= 0; ti--) {
		struct fs_kz_type *t = &st->type[ti];
		uint32_t l = fs_kz_bits_first(&t->any[o]);

		/* never an unkeyed zone: the first loop takes any with a block */
		if (l != FS_KZ_NONE) {
			const struct fs_kz_zone *kz = fs_kz_zone_at(st, t->first + l);

			*pfn = fs_kz_place(st, p->m, t->first + l, o, req->mt,
					   t->keys[kz->key].val != val, req->lru);
			/* all unkeyed zones are used up: memory pressure */
			st->pressure_wake = st->pressure;
			return 0;
		}
	}
	/* "Non atomic high order allocations which are failing should allow
	 * the defragmenter to run": the next tick runs a pass (the trace's
	 * request is not retried; gfp flags would tell which are atomic) */
	if (o)
		st->wake = true;
	st->pressure_wake = st->pressure;
	return -ENOMEM;
}

/* --placement trace: the trace names the page; the zone is labelled with
 * the request's key if it was empty, otherwise the page counts as
 * appropriately or inappropriately keyed against the zone's key. */
static int kz_alloc_at(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t pfn)
{
	struct fs_kz *st = KZ(p);
	struct fs_machine *m = p->m;
	unsigned o = req->order, h;
	uint32_t gz;
	struct fs_kz_zone *kz;
	struct fs_kz_type *t;
	uint64_t head = 0, val;
	uint16_t old;
	bool mis;

	fs_kz_ensure_built(p);
	if (o > st->zone_order || (pfn & ((1ull << o) - 1)))
		return -EBUSY;
	gz = fs_kz_zone_of(st, m, pfn);
	kz = fs_kz_zone_at(st, gz);
	t = &st->type[kz->type];
	if (pfn + (1ull << o) > t->z->end_pfn)
		return -EBUSY;
	for (h = o; h <= st->zone_order; h++) {
		head = pfn & ~((1ull << h) - 1);
		if (head >= t->z->start_pfn && fb_test(st, gz, head, h))
			break;
	}
	if (h > st->zone_order)
		return -EBUSY;
	/* break_down_buddy_pages: the halves without the target stay free */
	old = kz->fmask;
	fb_del(st, m, gz, head, h);
	while (h > o) {
		h--;
		if (pfn >= head + (1ull << h)) {
			fb_add(st, m, gz, head, h);
			head += 1ull << h;
		} else {
			fb_add(st, m, gz, head + (1ull << h), h);
		}
	}
	avail_update(st, gz, old);
	val = fs_kz_key_of(st, req->mt, o, req->key);
	if (kz->key == FS_KZ_NONE) {
		uint32_t kidx = fs_kz_key_find(t, val);

		label(st, gz, kidx != FS_KZ_NONE ? kidx : fs_kz_key_add(st, t, val));
	}
	mis = t->keys[kz->key].val != val;
	account(st, m, gz, pfn, o, req->mt, mis, req->lru);
	return 0;
}

static void kz_free(struct fs_policy *p, const struct fs_free_req *req)
{
	struct fs_kz *st = KZ(p);
	struct fs_machine *m = p->m;
	uint32_t gz = fs_kz_zone_of(st, m, req->pfn), pages = 1u << req->order;
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	struct fs_kz_type *t = &st->type[kz->type];
	/* most zones hold no misplaced page: skip the marks' cache line */
	uint32_t mis = kz->misplaced ? (uint32_t)mis_mark(st, m, req->pfn, req->order, false) : 0;

	kz->used -= pages;
	if (req->lru)
		kz->lru -= pages;
	kz->misplaced -= mis;
	t->misplaced -= mis;
	t->keyed_pages -= pages - mis;
	if (req->mt == FS_MT_MOVABLE)
		kz->mis_movable -= mis;
	else
		kz->pinned -= pages;
	put_block(st, m, gz, req->pfn, req->order);
	if (!kz->used && kz->key != FS_KZ_NONE)
		unlabel(st, gz);
	lists_update(st, gz);
}

/* Compaction's free scanner takes a free block of a keyed zone, and gives
 * back what it did not use (policy.h isolate_free / release_free). */
static void kz_isolate_free(struct fs_policy *p, uint64_t pfn, unsigned order)
{
	struct fs_kz *st = KZ(p);
	uint32_t gz;
	struct fs_kz_zone *kz;
	uint16_t old;

	fs_kz_ensure_built(p);
	gz = fs_kz_zone_of(st, p->m, pfn);
	kz = fs_kz_zone_at(st, gz);
	old = kz->fmask;
	fb_del(st, p->m, gz, pfn, order);
	avail_update(st, gz, old);
}

static void kz_release_free(struct fs_policy *p, uint64_t pfn, unsigned order)
{
	struct fs_kz *st = KZ(p);

	fs_kz_ensure_built(p);
	put_block(st, p->m, fs_kz_zone_of(st, p->m, pfn), pfn, order);
}

static void kz_tick(struct fs_policy *p, uint64_t now_ns)
{
	struct fs_kz *st = KZ(p);

	/* pressure first: the zones it empties are no work for the defragmenter */
	if (st->pressure_wake && now_ns >= st->pressure_next_ns) {
		fs_kz_ensure_built(p);
		st->pressure_wake = false;
		/* a pass that could not reach the target waits a period */
		st->pressure_next_ns = fs_kz_pressure_pass(p, now_ns) ? 0 : now_ns + st->period_ns;
	}
	if (!st->defrag)
		return;
	if (now_ns < st->next_pass_ns) {
		if (!st->wake || st->deferred)
			return;
		st->wake_passes++;
	} else {
		st->deferred = false;
	}
	fs_kz_ensure_built(p);
	st->wake = false;
	st->next_pass_ns = now_ns + st->period_ns;
	st->passes++;
	/* a pass that could move nothing is not repeated on every labelling
	 * under the target or failed request: wake-ups wait for new work on
	 * the lists or the next periodic pass (as compaction defers) */
	st->deferred = fs_kz_defrag_pass(p, now_ns) == 0;
}

/* Only with a key table of 1 MiB or more (4096 records; the bench's 20,000
 * keys make 16 MB): with fewer keys (key=comm's 1000, any trace's few
 * dozen) the records and each key's current zone stay in the caches, and
 * the pipeline's own loads measured as pure overhead. */
static bool kz_prefetch_worth(const struct fs_kz_type *t)
{
	return ((size_t)t->kmask + 1) * sizeof(struct fs_kz_key) >= (1u << 20);
}

/* Prefetching. An allocation here is a chain of dependent cache misses
 * on a large machine with thousands of keys: the key's hash record (64K
 * records of 256 bytes in the bench), then the zone its avail bitmap
 * names (a 256-byte record among 32K), then that zone's free-head bitmap,
 * then the page word of the block found (128 MB of them for 64 GiB) -
 * about a third of the time of an event, profiled, as stalls. The engine
 * announces each event some way ahead (fs_sim_prefetch); each is taken
 * one link further every second call, so every miss has two events'
 * time to arrive before the next link reads it:
 *   call n    the event's key record (hash slot, and the avail word);
 *   call n+2  the key lookup (now cached): the zone its first avail slot
 *             names, as kz_alloc will pick it; fetch its header and
 *             free-head bitmap;
 *   call n+4  the block take_block will choose there: fetch its page word
 *             (written by fs_buddy_count_del and the engine);
 * and for a free:
 *   call n+6  its allocation record (fetched by the engine at call n)
 *             gives the pages; fetch their word and their zone's header
 *             and bitmap, which kz_free and put_block read.
 * Only reads: the state the later events meet decides, so a prediction
 * made stale by the events in between costs a wasted fetch, nothing else. */
static void kz_prefetch(struct fs_policy *p, const struct fs_event *ev, const struct fs_alloctab *at)
{
	struct fs_kz *st = KZ(p);
	const struct fs_machine *m = p->m;
	const struct fs_kz_type *t = &st->type[m->nr_zones - 1];
	uint32_t n = st->pf_n++;
	struct fs_kz_pf *e = &st->pf[n & 7];

	e->ok = 0;
	if (!st->built || !kz_prefetch_worth(t))
		return;
	e->kind = ev->kind;
	e->order = ev->order;
	e->ident = ev->ident;
	e->gz = FS_KZ_NONE;
	if (ev->kind == FS_EV_ALLOC && ev->order <= st->zone_order && !(ev->flags & FS_EVF_FAILED)) {
		e->val = fs_kz_key_of(st, ev->mt, ev->order, ev->key);
		if (t->keys) {
			const struct fs_kz_key *k = &t->keys[fs_kz_key_hash(e->val) & t->kmask];

			__builtin_prefetch(k);
			__builtin_prefetch(&k->avail[ev->order]);
		}
		e->ok = 1;
	} else if (ev->kind == FS_EV_FREE && ev->order <= st->zone_order) {
		e->ok = 1;
	}

	e = &st->pf[(n - 2) & 7];
	if (e->ok && e->kind == FS_EV_ALLOC) {
		uint32_t kidx = fs_kz_key_find(t, e->val);

		if (kidx != FS_KZ_NONE) {
			const struct fs_kz_key *k = &t->keys[kidx];
			uint32_t s = fs_kz_bits_peek(&k->avail[e->order]);

			if (s != FS_KZ_NONE && fs_kz_cslots(k)[s] != FS_KZ_NONE) {
				e->gz = t->first + fs_kz_cslots(k)[s];
				__builtin_prefetch(fs_kz_zone_at(st, e->gz));
				__builtin_prefetch(fs_kz_fb(st, e->gz, e->order));
			}
		}
	}

	e = &st->pf[(n - 4) & 7];
	if (e->ok && e->kind == FS_EV_ALLOC && e->gz != FS_KZ_NONE &&
	    fs_kz_zone_at(st, e->gz)->fmask >> e->order) {
		const struct fs_kz_zone *kz = fs_kz_zone_at(st, e->gz);
		unsigned o = e->order, h, nw;
		const uint64_t *w;

		h = o + (unsigned)__builtin_ctz(kz->fmask >> o);
		w = fs_kz_fb(st, e->gz, h);
		nw = st->fb_off[h + 1] - st->fb_off[h];
		for (unsigned j = 0; j < nw; j++)
			if (w[j]) {
				uint64_t i = (uint64_t)j * 64 + (uint64_t)__builtin_ctzll(w[j]);

				__builtin_prefetch(&m->pages[fs_kz_start(st, e->gz) + (i << h) - m->base_pfn], 1);
				break;
			}
	}

	/* a free's allocation record: its slot was fetched 6 calls ago (a
	 * lookup sooner stalls on it, as fs_sim_prefetch2's comment says) */
	e = &st->pf[(n - 6) & 7];
	if (e->ok && e->kind == FS_EV_FREE) {
		const struct fs_alloc *a = fs_alloctab_lookup(at, e->ident);
		const struct fs_kz_type *ft;
		uint64_t pfn;
		uint32_t gz;

		if (!a || a->zone >= m->nr_zones || a->order > st->zone_order)
			return;
		ft = &st->type[a->zone];
		pfn = m->base_pfn + a->pfn_idx;
		__builtin_prefetch(&m->pages[a->pfn_idx], 1);
		if (pfn < ft->base_pfn)
			return;
		gz = ft->first + (uint32_t)((pfn - ft->base_pfn) >> st->zone_order);
		if (gz >= ft->first + ft->nr)
			return;
		__builtin_prefetch(fs_kz_zone_at(st, gz));
		__builtin_prefetch(&fs_kz_fb(st, gz, a->order)[fb_bit(st, pfn, a->order) / 64]);
	}
}

const struct fs_policy_ops fs_keyed_zones_policy = {
	.name = "keyed-zones",
	.summary = "Bligh's keyed zones (LKML 2001): many small zones labelled by allocator key, with a defragmenter",
	.state_size = sizeof(struct fs_kz),
	.tunables = fs_kz_tunables,
	.init = fs_kz_init,
	.alloc = kz_alloc,
	.alloc_at = kz_alloc_at,
	.free = kz_free,
	.isolate_free = kz_isolate_free,
	.release_free = kz_release_free,
	.online = kz_online,
	.reclaim_ok = fs_kz_reclaim_ok,
	.tick = kz_tick,
	.stats = fs_kz_stats,
	.get_stats = fs_kz_get_stats,
	.destroy = fs_kz_destroy,
	.prefetch = kz_prefetch,
};
