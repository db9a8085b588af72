/* keyed_zones_keys.c - the keyed zones' bookkeeping structures: growable
 * bitmaps with a search hint, the defragmenter's work lists, the per-zone
 * type key hash tables ("Each zone type would have an associated hash
 * table") and the machine-wide set of live keys. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/internal.h"   /* fs_xcalloc, fs_xrealloc */
#include "keyed_zones.h"

/* ---- bitmaps -------------------------------------------------------------- */

void fs_kz_bits_grow(struct fs_kz_bits *b, uint32_t nbits)
{
	uint32_t need = (nbits + 63) / 64, have = fs_kz_nwords(b), cap = have;
	uint64_t *w;

	if (need <= have)
		return;
	while (cap < need)
		cap *= 2;
	w = fs_xcalloc(cap, sizeof(*w));
	memcpy(w, fs_kz_words(b), have * sizeof(*w));
	if (b->nw)
		free(b->w);
	b->w = w;
	b->nw = cap;
}

uint32_t fs_kz_bits_next(const struct fs_kz_bits *b, uint32_t i)
{
	uint32_t j = i / 64;
	uint64_t w;

	if (j < b->hint) {
		j = b->hint;
		i = j * 64;
	}
	if (j >= fs_kz_nwords(b))
		return FS_KZ_NONE;
	w = fs_kz_cwords(b)[j] & (~0ull << (i & 63));
	while (!w) {
		if (++j >= fs_kz_nwords(b))
			return FS_KZ_NONE;
		w = fs_kz_cwords(b)[j];
	}
	return j * 64 + (uint32_t)__builtin_ctzll(w);
}

void fs_kz_bits_release(struct fs_kz_bits *b)
{
	if (b->nw)
		free(b->w);
	memset(b, 0, sizeof(*b));
}

/* ---- defragmenter work lists ---------------------------------------------- */

void fs_kz_list_add_tail(struct fs_kz *st, unsigned id, uint32_t gz)
{
	struct fs_kz_list *l = &st->list[id];
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);

	kz->link[id].prev = l->tail;
	kz->link[id].next = FS_KZ_NONE;
	if (l->tail != FS_KZ_NONE)
		fs_kz_zone_at(st, l->tail)->link[id].next = gz;
	else
		l->head = gz;
	l->tail = gz;
	l->n++;
	kz->on[id] = 1;
}

void fs_kz_list_del(struct fs_kz *st, unsigned id, uint32_t gz)
{
	struct fs_kz_list *l = &st->list[id];
	struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	uint32_t prev = kz->link[id].prev, next = kz->link[id].next;

	if (prev != FS_KZ_NONE)
		fs_kz_zone_at(st, prev)->link[id].next = next;
	else
		l->head = next;
	if (next != FS_KZ_NONE)
		fs_kz_zone_at(st, next)->link[id].prev = prev;
	else
		l->tail = prev;
	l->n--;
	kz->on[id] = 0;
}


/* ---- keys ----------------------------------------------------------------- */

uint64_t fs_kz_key_of(const struct fs_kz *st, unsigned mt, unsigned order, uint32_t key)
{
	uint64_t v = 0;

	if (st->parts & FS_KZ_PART_MT)
		v |= (uint64_t)(mt + 1);
	if (st->parts & FS_KZ_PART_ORDER)
		v |= (uint64_t)(order + 1) << 8;
	if (st->parts & FS_KZ_PART_COMM)
		v |= (uint64_t)key << 16;
	return v;
}

/* Grow the type's key table (the hash table holds the key records
 * themselves, so a lookup and the zone search share a cache line) and
 * re-point the zones carrying each moved key at its new place. */
static void key_rehash(struct fs_kz *st, struct fs_kz_type *t)
{
	struct fs_kz_key *old = t->keys;
	uint32_t omask = t->kmask;
	size_t n = old ? 2 * ((size_t)omask + 1) : 64;

	/* mmap'd (zeroed, page-aligned) and THP-advised once 2 MiB or more:
	 * with tens of thousands of keys the table is 16 MB of 256-byte
	 * records looked up at random, a TLB miss per lookup on 4 KiB pages */
	t->keys = fs_big_alloc(n * sizeof(*t->keys));
	if (!t->keys) {
		fprintf(stderr, "fragsim: out of memory (%zu key records)\n", n);
		abort();
	}
	t->kmask = (uint32_t)(n - 1);
	for (uint32_t j = 0; old && j <= omask; j++) {
		struct fs_kz_key *k;
		uint32_t i;

		if (!old[j].in_use)
			continue;
		for (i = fs_kz_key_hash(old[j].val) & t->kmask; t->keys[i].in_use; i = (i + 1) & t->kmask)
			;
		k = &t->keys[i];
		*k = old[j];
		for (uint32_t s = 0; s < k->nslots; s++)
			if (fs_kz_cslots(k)[s] != FS_KZ_NONE)
				fs_kz_zone_at(st, t->first + fs_kz_cslots(k)[s])->key = i;
	}
	if (old)
		fs_big_free(old, ((size_t)omask + 1) * sizeof(*old));
}

/* A new key record (never removed: a key whose zones all emptied keeps
 * its record for when it comes back). Invalidates pointers into keys and
 * key indexes held across the call (zones are re-pointed). */
uint32_t fs_kz_key_add(struct fs_kz *st, struct fs_kz_type *t, uint64_t val)
{
	uint32_t i;

	if (!t->keys || (t->nkeys + 1) * 2 > t->kmask + 1)
		key_rehash(st, t);
	for (i = fs_kz_key_hash(val) & t->kmask; t->keys[i].in_use; i = (i + 1) & t->kmask)
		;
	t->keys[i].val = val;
	t->keys[i].in_use = 1;
	t->nkeys++;
	return i;
}

/* distinct_keys machine-wide: a key live in two zone types counts once */
void fs_kz_keyset_ref(struct fs_kz_keyset *ks, uint64_t val, int delta)
{
	uint32_t i;

	if (!ks->val || (ks->n + 1) * 2 > ks->mask + 1) {
		struct fs_kz_keyset old = *ks;

		ks->mask = ks->mask ? ks->mask * 2 + 1 : 63;
		ks->val = fs_xcalloc(ks->mask + 1, sizeof(*ks->val));
		ks->ref = fs_xcalloc(ks->mask + 1, sizeof(*ks->ref));
		for (uint32_t j = 0; old.val && j <= old.mask; j++) {
			if (!old.val[j])
				continue;
			for (i = fs_kz_key_hash(old.val[j]) & ks->mask; ks->val[i]; i = (i + 1) & ks->mask)
				;
			ks->val[i] = old.val[j];
			ks->ref[i] = old.ref[j];
		}
		free(old.val);
		free(old.ref);
	}
	/* values are stored + 1 so that 0 marks an empty slot */
	for (i = fs_kz_key_hash(val + 1) & ks->mask; ks->val[i] && ks->val[i] != val + 1; i = (i + 1) & ks->mask)
		;
	if (!ks->val[i]) {
		ks->val[i] = val + 1;
		ks->n++;
	}
	if (delta > 0 && ks->ref[i]++ == 0)
		ks->live++;
	if (delta < 0 && --ks->ref[i] == 0)
		ks->live--;
}
