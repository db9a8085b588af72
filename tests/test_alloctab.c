/* test_alloctab.c - the allocation table (sim/alloctab.c): identity ->
 * allocation hash with backward-shift deletion, growth, find_covering for
 * aligned sub-blocks, and the seen-bitmap. Entries live in the hash slots,
 * so pointers are re-looked-up after every insert or remove. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "fragsim.h"
#include "test_util.h"

/* Insert ident with an order and a payload (kept in pfn_idx) to verify. */
static void insert_order(struct fs_alloctab *t, uint64_t ident, unsigned order, uint32_t payload)
{
	struct fs_alloc *a = fs_alloctab_insert(t, ident);

	cr_assert_not_null(a, "insert %#llx failed", (unsigned long long)ident);
	cr_assert_eq(a->ident, ident);
	cr_assert_eq(a->live, 1);
	cr_assert_eq(a->pfn_idx, 0, "a new entry's fields are cleared");
	a->order = (uint8_t)order;
	a->pfn_idx = payload;
}

/* The payload found for ident, or UINT32_MAX when absent. */
static uint32_t payload_of(const struct fs_alloctab *t, uint64_t ident)
{
	const struct fs_alloc *a = fs_alloctab_lookup(t, ident);

	if (!a)
		return UINT32_MAX;
	cr_assert_eq(a->ident, ident);
	return a->pfn_idx;
}

static void remove_ident(struct fs_alloctab *t, uint64_t ident)
{
	struct fs_alloc *a = fs_alloctab_lookup(t, ident);

	cr_assert_not_null(a, "remove %#llx: not present", (unsigned long long)ident);
	fs_alloctab_remove(t, a);
}

static uint64_t covering(const struct fs_alloctab *t, uint64_t ident, unsigned max_order)
{
	const struct fs_alloc *a = fs_alloctab_find_covering(t, ident, max_order);

	return a ? a->ident : UINT64_MAX;
}

Test(alloctab, empty)
{
	struct fs_alloctab t;

	cr_assert_eq(fs_alloctab_init(&t), 0);
	cr_assert_eq(t.live, 0);
	cr_assert_null(fs_alloctab_lookup(&t, 0));
	cr_assert_null(fs_alloctab_lookup(&t, 12345));
	cr_assert_null(fs_alloctab_lookup(&t, UINT64_MAX));
	cr_assert_null(fs_alloctab_find_covering(&t, 4096, 10));
	cr_assert(!fs_alloctab_was_seen(&t, 0));
	cr_assert(!fs_alloctab_was_seen(&t, 4096));
	fs_alloctab_release(&t);
}

Test(alloctab, insert_lookup_remove)
{
	struct fs_alloctab t;
	const uint64_t TOP = FS_IDENT_LIMIT - 1;   /* the highest identity records hold */

	fs_alloctab_init(&t);
	insert_order(&t, 0, 0, 10);      /* ident 0 is a valid pfn */
	insert_order(&t, 0x1000, 3, 11);
	insert_order(&t, TOP, 0, 12);
	cr_assert_eq(t.live, 3);
	cr_assert_eq(payload_of(&t, 0), 10);
	cr_assert_eq(payload_of(&t, 0x1000), 11);
	cr_assert_eq(payload_of(&t, TOP), 12);
	cr_assert_eq(payload_of(&t, 0x1001), UINT32_MAX);

	remove_ident(&t, 0x1000);
	cr_assert_eq(t.live, 2);
	cr_assert_eq(payload_of(&t, 0x1000), UINT32_MAX);
	cr_assert_eq(payload_of(&t, 0), 10);
	cr_assert_eq(payload_of(&t, TOP), 12);
	insert_order(&t, 0x2000, 1, 13);
	cr_assert_eq(payload_of(&t, 0x2000), 13);
	remove_ident(&t, 0);
	remove_ident(&t, TOP);
	remove_ident(&t, 0x2000);
	cr_assert_eq(t.live, 0);
	cr_assert_eq(payload_of(&t, 0x2000), UINT32_MAX);
	fs_alloctab_release(&t);
}

/* Growth with sequential pfns: the table must grow past its initial size
 * and keep every entry findable. */
Test(alloctab, growth_sequential)
{
	struct fs_alloctab t;
	const uint64_t n = 200000;
	uint64_t mask0;

	fs_alloctab_init(&t);
	mask0 = t.mask;
	for (uint64_t i = 0; i < n; i++)
		insert_order(&t, 0x100000 + i, 0, (uint32_t)i);
	cr_assert_eq(t.live, n);
	cr_assert_gt(t.mask, mask0, "the hash never grew");
	cr_assert_geq((t.mask + 1) * 3, 4 * n, "load above 3/4");
	cr_assert_lt((t.mask + 1) * 3, 8 * n, "the table grew before load 3/4");
	for (uint64_t i = 0; i < n; i++)
		cr_assert_eq(payload_of(&t, 0x100000 + i), (uint32_t)i, "ident %#llx",
			     (unsigned long long)(0x100000 + i));
	cr_assert_eq(payload_of(&t, 0x100000 + n), UINT32_MAX);
	cr_assert_eq(payload_of(&t, 0xfffff), UINT32_MAX);
	/* remove every other one, then check both halves */
	for (uint64_t i = 0; i < n; i += 2)
		remove_ident(&t, 0x100000 + i);
	cr_assert_eq(t.live, n / 2);
	for (uint64_t i = 0; i < n; i++)
		cr_assert_eq(payload_of(&t, 0x100000 + i), i % 2 ? (uint32_t)i : UINT32_MAX,
			     "ident %#llx after removals", (unsigned long long)(0x100000 + i));
	fs_alloctab_release(&t);
}

/* Random identities of up to FS_IDENT_BITS bits (and some with many
 * trailing zeros, which a weak hash would cluster), inserted and removed in
 * random interleaving, checked against a plain array model. */
#define PAYLOAD(id) ((uint32_t)((id) ^ ((id) >> 32)) & FS_NIL)   /* fits pfn_idx */

Test(alloctab, random_idents_against_model)
{
	struct fs_alloctab t;
	struct tu_rng g;
	uint64_t *live = NULL;
	size_t nlive = 0, cap = 0;
	uint64_t *gone = NULL;
	size_t ngone = 0, capg = 0;

	fs_alloctab_init(&t);
	tu_rng_seed(&g, 0xa110c);
	for (int op = 0; op < 300000; op++) {
		bool ins = nlive == 0 || tu_below(&g, 100) < (op < 150000 ? 65 : 35);

		if (ins) {
			uint64_t ident;

			switch (tu_below(&g, 4)) {
			case 0: ident = tu_rand(&g) & (FS_IDENT_LIMIT - 1); break;
			case 1: ident = (tu_rand(&g) << 32) & (FS_IDENT_LIMIT - 1); break;
			case 2: ident = (tu_rand(&g) & 0xffff) << 20; break;
			default: ident = tu_rand(&g) & 0xfffff; break;
			}
			if (fs_alloctab_lookup(&t, ident))
				continue;        /* the caller checks presence first */
			if (nlive == cap) {
				cap = cap ? 2 * cap : 1024;
				live = realloc(live, cap * sizeof(*live));
				cr_assert_not_null(live);
			}
			live[nlive++] = ident;
			insert_order(&t, ident, 0, PAYLOAD(ident));
		} else {
			size_t i = tu_below(&g, nlive);

			remove_ident(&t, live[i]);
			if (ngone == capg) {
				capg = capg ? 2 * capg : 1024;
				gone = realloc(gone, capg * sizeof(*gone));
				cr_assert_not_null(gone);
			}
			gone[ngone++] = live[i];
			live[i] = live[--nlive];
		}
		cr_assert_eq(t.live, nlive, "op %d", op);
		if (op % 10007 == 0 || op == 299999) {
			for (size_t i = 0; i < nlive; i++)
				cr_assert_eq(payload_of(&t, live[i]), PAYLOAD(live[i]),
					     "op %d: ident %#llx", op, (unsigned long long)live[i]);
			for (size_t i = 0; i < ngone; i++) {
				bool relive = false;

				/* it may have been re-inserted since */
				for (size_t j = 0; j < nlive && !relive && i % 97 == 0; j++)
					relive = live[j] == gone[i];
				if (i % 97 == 0 && !relive)
					cr_assert_null(fs_alloctab_lookup(&t, gone[i]), "op %d: removed %#llx still found",
						       op, (unsigned long long)gone[i]);
			}
		}
	}
	free(live);
	free(gone);
	fs_alloctab_release(&t);
}

/* Records are 16 bytes of bit fields: each field holds its largest value
 * without touching its neighbours, and an identity of 2^58 or more (which
 * fs_sim_apply refuses) is never found. */
Test(alloctab, record_fields_hold_their_ranges)
{
	struct fs_alloctab t;
	struct fs_alloc *a;

	cr_assert_eq(sizeof(struct fs_alloc), 16);
	fs_alloctab_init(&t);
	a = fs_alloctab_insert(&t, FS_IDENT_LIMIT - 1);
	a->order = FS_ORDER_LIMIT;
	a->pfn_idx = FS_NIL;
	a->key = FS_KEY_LIMIT - 1;
	a->mt = FS_MT_NR - 1;
	a->zone = FS_MAX_ZONES - 1;
	a->lru = 1;
	a = fs_alloctab_insert(&t, 5);       /* a neighbour with every field 0 but live */
	a = fs_alloctab_lookup(&t, FS_IDENT_LIMIT - 1);
	cr_assert_not_null(a);
	cr_assert_eq(a->ident, FS_IDENT_LIMIT - 1);
	cr_assert_eq(a->order, FS_ORDER_LIMIT);
	cr_assert_eq(a->pfn_idx, FS_NIL);
	cr_assert_eq(a->key, FS_KEY_LIMIT - 1);
	cr_assert_eq(a->mt, FS_MT_NR - 1);
	cr_assert_eq(a->zone, FS_MAX_ZONES - 1);
	cr_assert_eq(a->lru, 1);
	cr_assert_eq(a->live, 1);
	a->key = 0;                          /* clearing one field leaves the others */
	cr_assert_eq(a->pfn_idx, FS_NIL);
	cr_assert_eq(a->mt, FS_MT_NR - 1);
	a = fs_alloctab_lookup(&t, 5);
	cr_assert(a && a->ident == 5 && !a->order && !a->pfn_idx && !a->key && !a->mt && !a->zone && !a->lru);
	cr_assert_null(fs_alloctab_lookup(&t, FS_IDENT_LIMIT + 5), "identities are kept in 58 bits");
	fs_alloctab_release(&t);
}

/* find_covering: the exact identity, or an aligned ancestor up to
 * max_order whose allocation is large enough to contain it. */
Test(alloctab, find_covering)
{
	struct fs_alloctab t;

	fs_alloctab_init(&t);
	insert_order(&t, 64, 3, 0);           /* covers 64..71 */
	insert_order(&t, 128, 1, 0);          /* covers 128..129 */
	insert_order(&t, 1024, 10, 0);        /* covers 1024..2047 */
	insert_order(&t, 5, 0, 0);

	for (uint64_t i = 64; i < 72; i++)
		cr_assert_eq(covering(&t, i, 10), 64, "ident %llu", (unsigned long long)i);
	cr_assert_eq(covering(&t, 63, 10), UINT64_MAX);
	cr_assert_eq(covering(&t, 72, 10), UINT64_MAX);
	/* the ancestor must be within max_order */
	cr_assert_eq(covering(&t, 68, 2), UINT64_MAX);
	cr_assert_eq(covering(&t, 68, 3), 64);
	cr_assert_eq(covering(&t, 64, 0), 64);   /* exact always */

	cr_assert_eq(covering(&t, 128, 10), 128);
	cr_assert_eq(covering(&t, 129, 10), 128);
	/* 130 is not inside 128's order-1 block although 128 is its order-2 head */
	cr_assert_eq(covering(&t, 130, 10), UINT64_MAX);
	cr_assert_eq(covering(&t, 131, 10), UINT64_MAX);

	cr_assert_eq(covering(&t, 1024, 10), 1024);
	cr_assert_eq(covering(&t, 1536, 10), 1024);
	cr_assert_eq(covering(&t, 2047, 10), 1024);
	cr_assert_eq(covering(&t, 2047, 9), UINT64_MAX);
	cr_assert_eq(covering(&t, 2048, 10), UINT64_MAX);

	cr_assert_eq(covering(&t, 5, 10), 5);
	cr_assert_eq(covering(&t, 4, 10), UINT64_MAX);
	cr_assert_eq(covering(&t, 6, 10), UINT64_MAX);

	remove_ident(&t, 64);
	cr_assert_eq(covering(&t, 68, 10), UINT64_MAX);
	cr_assert_eq(covering(&t, 1100, 10), 1024);
	fs_alloctab_release(&t);
}

/* Randomized find_covering against a brute-force search over
 * non-overlapping aligned allocations. */
Test(alloctab, find_covering_random)
{
	struct fs_alloctab t;
	struct tu_rng g;
	enum { SPACE = 1 << 16 };
	uint64_t *owner = malloc(SPACE * sizeof(uint64_t));   /* ident -> allocation or MAX */

	cr_assert_not_null(owner);
	for (uint64_t p = 0; p < SPACE; p++)
		owner[p] = UINT64_MAX;
	fs_alloctab_init(&t);
	tu_rng_seed(&g, 0xc0fe);
	for (int i = 0; i < 3000; i++) {
		unsigned order = tu_skewed_order(&g, 10);
		uint64_t ident = tu_below(&g, SPACE) & ~((1ull << order) - 1);
		bool clash = false;

		for (uint64_t p = ident; p < ident + (1ull << order); p++)
			clash |= owner[p] != UINT64_MAX;
		if (clash)
			continue;
		insert_order(&t, ident, order, 0);
		for (uint64_t p = ident; p < ident + (1ull << order); p++)
			owner[p] = ident;
	}
	for (uint64_t p = 0; p < SPACE; p++)
		cr_assert_eq(covering(&t, p, 10), owner[p], "ident %llu", (unsigned long long)p);
	free(owner);
	fs_alloctab_release(&t);
}

Test(alloctab, seen_bitmap)
{
	struct fs_alloctab t;
	struct tu_rng g;

	fs_alloctab_init(&t);
	fs_alloctab_mark_seen(&t, 100, 0);
	cr_assert(fs_alloctab_was_seen(&t, 100));
	cr_assert(!fs_alloctab_was_seen(&t, 99));
	cr_assert(!fs_alloctab_was_seen(&t, 101));

	/* an order-3 allocation marks its whole range */
	fs_alloctab_mark_seen(&t, 200, 3);
	for (uint64_t i = 200; i < 208; i++)
		cr_assert(fs_alloctab_was_seen(&t, i), "ident %llu", (unsigned long long)i);
	cr_assert(!fs_alloctab_was_seen(&t, 199));
	cr_assert(!fs_alloctab_was_seen(&t, 208));

	/* large blocks and a range across a 64 Ki chunk boundary */
	fs_alloctab_mark_seen(&t, 1ull << 20, 10);
	for (uint64_t i = 0; i < 1024; i++)
		cr_assert(fs_alloctab_was_seen(&t, (1ull << 20) + i));
	cr_assert(!fs_alloctab_was_seen(&t, (1ull << 20) + 1024));
	cr_assert(!fs_alloctab_was_seen(&t, (1ull << 20) - 1));
	fs_alloctab_mark_seen(&t, 65536 - 8, 4);
	for (uint64_t i = 65536 - 8; i < 65536 + 8; i++)
		cr_assert(fs_alloctab_was_seen(&t, i), "ident %llu", (unsigned long long)i);
	cr_assert(!fs_alloctab_was_seen(&t, 65536 + 8));

	/* the top of the 32-bit range */
	fs_alloctab_mark_seen(&t, (1ull << 32) - 4, 2);
	cr_assert(fs_alloctab_was_seen(&t, (1ull << 32) - 1));
	cr_assert(fs_alloctab_was_seen(&t, (1ull << 32) - 4));
	cr_assert(!fs_alloctab_was_seen(&t, (1ull << 32) - 5));
	/* identities >= 2^32 are not remembered (documented limit) */
	fs_alloctab_mark_seen(&t, 1ull << 40, 0);
	cr_assert(!fs_alloctab_was_seen(&t, 1ull << 40));
	cr_assert(!fs_alloctab_was_seen(&t, UINT64_MAX));

	/* random marks, checked exactly against a model of sorted ranges */
	tu_rng_seed(&g, 0x5ee);
	{
		enum { N = 2000 };
		uint64_t start[N];
		unsigned ord[N];

		for (int i = 0; i < N; i++) {
			ord[i] = tu_skewed_order(&g, 12);
			start[i] = (tu_rand(&g) % (1ull << 32)) & ~((1ull << ord[i]) - 1);
			if (start[i] + (1ull << ord[i]) > (1ull << 32))
				start[i] -= 1ull << ord[i];
			fs_alloctab_mark_seen(&t, start[i], ord[i]);
		}
		for (int i = 0; i < N; i++) {
			cr_assert(fs_alloctab_was_seen(&t, start[i]));
			cr_assert(fs_alloctab_was_seen(&t, start[i] + (1ull << ord[i]) - 1));
		}
		for (int k = 0; k < 20000; k++) {
			uint64_t p = tu_rand(&g) % (1ull << 32);
			bool want;

			if (k % 2) {   /* near a marked range's edges */
				int i = (int)tu_below(&g, N);

				p = start[i] + tu_below(&g, (1ull << ord[i]) + 2) - 1;
				if (p >= (1ull << 32))
					p = start[i];
			}
			want = (p >= 100 && p < 101) || (p >= 200 && p < 208) ||
				    (p >= (1ull << 20) && p < (1ull << 20) + 1024) ||
				    (p >= 65536 - 8 && p < 65536 + 8) || p >= (1ull << 32) - 4;

			for (int i = 0; i < N && !want; i++)
				want = p >= start[i] && p < start[i] + (1ull << ord[i]);
			cr_assert_eq(fs_alloctab_was_seen(&t, p), want, "ident %llu",
				     (unsigned long long)p);
		}
	}
	fs_alloctab_release(&t);
	/* release leaves a table that can be initialised again */
	fs_alloctab_init(&t);
	cr_assert(!fs_alloctab_was_seen(&t, 100));
	fs_alloctab_release(&t);
}
