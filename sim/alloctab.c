/* alloctab.c - the allocation table: trace identity -> simulated placement.
 *
 * An open-addressing hash (linear probing, backward-shift deletion, load
 * <= 3/4) whose 16-byte slots are the allocations themselves, so a lookup
 * costs one cache miss and memory is proportional to live allocations, not
 * to simulated pages. The load is high for linear probing because the
 * table's size is what costs: with ten million live allocations it is far
 * larger than the caches, and at load 3/4 a successful lookup still probes
 * 2.5 slots on average, all but always in the one 64-byte line. A sparse bitmap remembers which identities were ever
 * allocated, so a free of a dead identity can be told apart as a double
 * free rather than a free of something allocated before the trace.
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

static struct fs_alloc *slots_alloc(uint64_t n)
{
	struct fs_alloc *s = fs_big_alloc(n * sizeof(*s));

	if (!s) {
		fprintf(stderr, "fragsim: out of memory (allocation table of %llu slots)\n",
			(unsigned long long)n);
		abort();
	}
	return s;
}

/* Start fetching the slot an identity will probe: replay loops call this a
 * few events ahead, hiding the cache miss of a table larger than the caches. */
void fs_alloctab_prefetch(const struct fs_alloctab *t, uint64_t ident)
{
	__builtin_prefetch(&t->slot[hash_ident(ident) & t->mask]);
}

/* The same for the seen bit an allocation will set: a workload's recycled
 * identities come back in random order, so the word is a miss as the slot
 * used to be (13% of the generator benchmark's time, on a demand store). */
void fs_alloctab_prefetch_seen(const struct fs_alloctab *t, uint64_t ident)
{
	const uint64_t *bits;

	if (!t->seen || ident >= (1ull << 32))
		return;
	bits = t->seen[ident >> SEEN_CHUNK_BITS];
	if (bits)
		__builtin_prefetch(&bits[(ident & ((1u << SEEN_CHUNK_BITS) - 1)) >> 6], 1);
}

int fs_alloctab_init(struct fs_alloctab *t)
{
	memset(t, 0, sizeof(*t));
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
	fs_big_free(t->slot, (t->mask + 1) * sizeof(*t->slot));
	memset(t, 0, sizeof(*t));
}

struct fs_alloc *fs_alloctab_lookup(const struct fs_alloctab *t, uint64_t ident)
{
	uint64_t i = hash_ident(ident) & t->mask;

	for (;; i = (i + 1) & t->mask) {
		if (!t->slot[i].live)
			return NULL;
		if (t->slot[i].ident == ident)
			return &t->slot[i];
	}
}

struct fs_alloc *fs_alloctab_find_covering(const struct fs_alloctab *t, uint64_t ident,
					   unsigned max_order)
{
	struct fs_alloc *a = fs_alloctab_lookup(t, ident);

	if (a)
		return a;
	for (unsigned o = 1; o <= max_order; o++) {
		uint64_t head = ident & ~((1ull << o) - 1);

		if (head == ident)
			continue;
		a = fs_alloctab_lookup(t, head);
		if (a && a->order >= o)
			return a;
	}
	return NULL;
}

static void grow(struct fs_alloctab *t)
{
	uint64_t old_mask = t->mask;
	struct fs_alloc *old = t->slot;

	t->mask = (old_mask + 1) * 2 - 1;
	t->slot = slots_alloc(t->mask + 1);
	for (uint64_t i = 0; i <= old_mask; i++) {
		uint64_t j;

		if (!old[i].live)
			continue;
		for (j = hash_ident(old[i].ident) & t->mask; t->slot[j].live; j = (j + 1) & t->mask)
			;
		t->slot[j] = old[i];
	}
	fs_big_free(old, (old_mask + 1) * sizeof(*old));
}

struct fs_alloc *fs_alloctab_insert(struct fs_alloctab *t, uint64_t ident)
{
	uint64_t i;

	if ((t->live + 1) * 4 > (t->mask + 1) * 3)
		grow(t);
	for (i = hash_ident(ident) & t->mask; t->slot[i].live; i = (i + 1) & t->mask)
		;
	memset(&t->slot[i], 0, sizeof(t->slot[i]));
	t->slot[i].ident = ident;
	t->slot[i].live = 1;
	t->live++;
	return &t->slot[i];
}

/* Backward-shift deletion keeps probe sequences intact without tombstones:
 * each later entry of the cluster moves back into the hole unless its home
 * slot lies cyclically in (hole, entry]. */
void fs_alloctab_remove(struct fs_alloctab *t, struct fs_alloc *a)
{
	uint64_t i = (uint64_t)(a - t->slot), j = i;

	for (;;) {
		uint64_t k;

		t->slot[i].live = 0;
		for (;;) {
			j = (j + 1) & t->mask;
			if (!t->slot[j].live)
				goto done;
			k = hash_ident(t->slot[j].ident) & t->mask;
			if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
				continue;
			break;
		}
		t->slot[i] = t->slot[j];
		i = j;
	}
done:
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

/* Undo mark_seen for the range: its allocation failed, so a free of it
 * must be told as one of an identity never allocated, whatever the
 * identity's earlier lives (pfns and workload identities are reused). */
void fs_alloctab_forget(struct fs_alloctab *t, uint64_t ident, unsigned order)
{
	uint64_t end = ident + (1ull << order);

	if (!t->seen || end > (1ull << 32) || end < ident)
		return;
	for (; ident < end; ident++) {
		uint64_t *bits = t->seen[ident >> SEEN_CHUNK_BITS];
		uint64_t off = ident & ((1u << SEEN_CHUNK_BITS) - 1);

		if (!bits) {          /* a whole chunk unseen: skip to the next */
			ident |= (1u << SEEN_CHUNK_BITS) - 1;
			continue;
		}
		bits[off >> 6] &= ~(1ull << (off & 63));
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

_Static_assert(sizeof(struct fs_alloc) == 16, "allocation records are 16 bytes");
