/* alloctab.c - the allocation table: trace identity -> simulated placement.
 *
 * Records live in one array recycled through a free chain; an open-
 * addressing hash (linear probing, backward-shift deletion, load <= 1/2)
 * maps identities to records. Memory is proportional to live allocations,
 * not to simulated pages. A sparse bitmap remembers which identities were
 * ever allocated, so a free of a dead identity can be told apart as a
 * double free rather than a free of something allocated before the trace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SEEN_CHUNK_BITS 16                  /* 64 Ki identities per chunk */
#define SEEN_TOP (1u << (32 - SEEN_CHUNK_BITS))

static inline uint64_t hash_ident(uint64_t x)
{
	x *= 0x9e3779b97f4a7c15ull;
	return x ^ (x >> 31);
}

static struct fs_alloctab_slot *slots_alloc(uint64_t n)
{
	struct fs_alloctab_slot *s = fs_big_alloc(n * sizeof(*s));

	if (!s) {
		fprintf(stderr, "fragsim: out of memory (allocation table of %llu slots)\n",
			(unsigned long long)n);
		abort();
	}
	return s;
}

/* Start fetching the hash slot an identity will probe: replay loops call
 * this a few events ahead, hiding the cache miss of a table far larger
 * than the caches. */
void fs_alloctab_prefetch(const struct fs_alloctab *t, uint64_t ident)
{
	__builtin_prefetch(&t->slot[hash_ident(ident) & t->mask]);
}

int fs_alloctab_init(struct fs_alloctab *t)
{
	memset(t, 0, sizeof(*t));
	t->cap_rec = 1024;
	t->rec = fs_big_alloc(t->cap_rec * sizeof(*t->rec));
	if (!t->rec)
		return -ENOMEM;
	t->nr_rec = 1;                          /* record 0 means "none" */
	t->mask = 2047;
	t->slot = slots_alloc(t->mask + 1);
	return 0;
}

void fs_alloctab_release(struct fs_alloctab *t)
{
	if (t->seen) {
		for (unsigned i = 0; i < SEEN_TOP; i++)
			free(t->seen[i]);
		free(t->seen);
	}
	fs_big_free(t->rec, (size_t)t->cap_rec * sizeof(*t->rec));
	fs_big_free(t->slot, (t->mask + 1) * sizeof(*t->slot));
	memset(t, 0, sizeof(*t));
}

uint32_t fs_alloctab_lookup(const struct fs_alloctab *t, uint64_t ident)
{
	uint64_t i = hash_ident(ident) & t->mask;

	for (;; i = (i + 1) & t->mask) {
		if (!t->slot[i].idx)
			return 0;
		if (t->slot[i].ident == ident)
			return t->slot[i].idx;
	}
}

uint32_t fs_alloctab_find_covering(const struct fs_alloctab *t, uint64_t ident,
				   unsigned max_order)
{
	uint32_t idx = fs_alloctab_lookup(t, ident);

	if (idx)
		return idx;
	for (unsigned o = 1; o <= max_order; o++) {
		uint64_t head = ident & ~((1ull << o) - 1);

		if (head == ident)
			continue;
		idx = fs_alloctab_lookup(t, head);
		if (idx && t->rec[idx].order >= o)
			return idx;
	}
	return 0;
}

static void grow_slots(struct fs_alloctab *t)
{
	uint64_t old_mask = t->mask;
	struct fs_alloctab_slot *old = t->slot;

	t->mask = (old_mask + 1) * 2 - 1;
	t->slot = slots_alloc(t->mask + 1);
	for (uint64_t i = 0; i <= old_mask; i++) {
		uint64_t j;

		if (!old[i].idx)
			continue;
		for (j = hash_ident(old[i].ident) & t->mask; t->slot[j].idx; j = (j + 1) & t->mask)
			;
		t->slot[j] = old[i];
	}
	fs_big_free(old, (old_mask + 1) * sizeof(*old));
}

/* The caller has checked the identity is not present. */
uint32_t fs_alloctab_insert(struct fs_alloctab *t, uint64_t ident)
{
	uint32_t idx;
	uint64_t i;

	if ((t->live + 1) * 2 > t->mask + 1)
		grow_slots(t);
	if (t->free_head) {
		idx = t->free_head;
		t->free_head = t->rec[idx].next_free;
	} else {
		if (t->nr_rec == UINT32_MAX)
			return 0;
		if (t->nr_rec == t->cap_rec) {
			uint32_t cap = t->cap_rec > UINT32_MAX / 2 ? UINT32_MAX : t->cap_rec * 2;
			struct fs_alloc *rec = fs_big_realloc(t->rec, (size_t)t->cap_rec * sizeof(*rec),
							      (size_t)cap * sizeof(*rec));

			if (!rec)
				return 0;
			t->rec = rec;
			t->cap_rec = cap;
		}
		idx = t->nr_rec++;
	}
	memset(&t->rec[idx], 0, sizeof(t->rec[idx]));
	t->rec[idx].ident = ident;
	t->rec[idx].live = 1;
	for (i = hash_ident(ident) & t->mask; t->slot[i].idx; i = (i + 1) & t->mask)
		;
	t->slot[i].ident = ident;
	t->slot[i].idx = idx;
	t->live++;
	return idx;
}

/* Backward-shift deletion keeps probe sequences intact without tombstones. */
void fs_alloctab_remove(struct fs_alloctab *t, uint32_t idx)
{
	uint64_t ident = t->rec[idx].ident;
	uint64_t i = hash_ident(ident) & t->mask, j;

	while (t->slot[i].idx != idx)
		i = (i + 1) & t->mask;
	for (j = i;;) {
		uint64_t k;

		t->slot[i].idx = 0;
		for (;;) {
			j = (j + 1) & t->mask;
			if (!t->slot[j].idx)
				goto done;
			k = hash_ident(t->slot[j].ident) & t->mask;
			/* move j back to i unless its home k lies cyclically in (i, j] */
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		t->slot[i] = t->slot[j];
		i = j;
	}
done:
	t->rec[idx].live = 0;
	t->rec[idx].next_free = t->free_head;
	t->free_head = idx;
	t->live--;
}

void fs_alloctab_mark_seen(struct fs_alloctab *t, uint64_t ident, unsigned order)
{
	uint64_t end = ident + (1ull << order);

	if (end > (1ull << 32) || end < ident)
		return;
	if (!t->seen)
		t->seen = fs_xcalloc(SEEN_TOP, sizeof(*t->seen));
	while (ident < end) {
		uint64_t chunk = ident >> SEEN_CHUNK_BITS;
		uint64_t *bits = t->seen[chunk];
		uint64_t off = ident & ((1u << SEEN_CHUNK_BITS) - 1);

		if (!bits)
			bits = t->seen[chunk] = fs_xcalloc(1u << (SEEN_CHUNK_BITS - 6), sizeof(uint64_t));
		if ((off & 63) == 0 && end - ident >= 64) {
			bits[off >> 6] = UINT64_MAX;
			ident += 64;
		} else {
			bits[off >> 6] |= 1ull << (off & 63);
			ident++;
		}
	}
}

bool fs_alloctab_was_seen(const struct fs_alloctab *t, uint64_t ident)
{
	const uint64_t *bits;
	uint64_t off;

	if (!t->seen || ident >= (1ull << 32))
		return false;
	bits = t->seen[ident >> SEEN_CHUNK_BITS];
	if (!bits)
		return false;
	off = ident & ((1u << SEEN_CHUNK_BITS) - 1);
	return bits[off >> 6] >> (off & 63) & 1;
}
