/* keyed_zones_setup.c - the keyed zones' tunables, set-up and statistics:
 * what `fragsim policies` lists, how the keyed zones are laid over the
 * machine's zone types, and the CSV/JSON columns. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/internal.h"   /* fs_xcalloc, fs_parse_duration */
#include "keyed_zones.h"

/* ---- statistics ----------------------------------------------------------------- */

enum {
	S_KEYED_ZONES, S_UNKEYED_ZONES, S_DISTINCT_KEYS, S_LARGEST_KEY, S_KEYED_PAGES,
	S_MISPLACED, S_REKEYED, S_LOW_WATER_HITS, S_PASSES, S_WAKE_PASSES, S_MOVES, S_EMPTIED,
	S_OVERSIZE,
	S_NR
};

const struct fs_policy_stat fs_kz_stats[S_NR + 1] = {
	[S_KEYED_ZONES] = { "keyed_zones", "keyed zones carrying a key (holding allocated pages)" },
	[S_UNKEYED_ZONES] = { "unkeyed_zones", "keyed zones without a key (empty, free for rekeying)" },
	[S_DISTINCT_KEYS] = { "distinct_keys", "keys carried by at least one keyed zone" },
	[S_LARGEST_KEY] = { "largest_key_zones", "keyed zones carrying the most widespread key" },
	[S_KEYED_PAGES] = { "keyed_pages", "allocated pages in a zone of their own key (appropriately keyed)" },
	[S_MISPLACED] = { "misplaced_pages", "allocated pages in a zone of another key (inappropriately keyed)" },
	[S_REKEYED] = { "rekeyed_zones", "cumulative: unkeyed zones labelled with a key" },
	[S_LOW_WATER_HITS] = { "low_water_hits", "cumulative: labellings that left unkeyed zones under the low-water target" },
	[S_PASSES] = { "defrag_passes", "cumulative: defragmenter passes, machine-wide (in every row)" },
	[S_WAKE_PASSES] = { "defrag_wakeups", "cumulative: of those, passes run early (low water, failed high-order request), machine-wide" },
	[S_MOVES] = { "defrag_moves", "cumulative: allocations the defragmenter moved out of this zone type" },
	[S_EMPTIED] = { "defrag_emptied", "cumulative: keyed zones the defragmenter emptied (unkeyed)" },
	[S_OVERSIZE] = { "oversize_failures", "cumulative: requests above zone_order (they always fail), machine-wide" },
	[S_NR] = { NULL, NULL },
};

void fs_kz_get_stats(const struct fs_policy *p, int zone, uint64_t *v)
{
	struct fs_kz *st = p->state;

	fs_kz_ensure_built((struct fs_policy *)p);
	for (unsigned ti = 0; ti < p->m->nr_zones; ti++) {
		struct fs_kz_type *t = &st->type[ti];

		if (zone >= 0 && (unsigned)zone != ti)
			continue;
		v[S_KEYED_ZONES] += t->nr_keyed;
		v[S_UNKEYED_ZONES] += t->nr_unkeyed;
		v[S_KEYED_PAGES] += t->keyed_pages;
		v[S_MISPLACED] += t->misplaced;
		v[S_REKEYED] += t->rekeys;
		v[S_LOW_WATER_HITS] += t->low_hits;
		v[S_MOVES] += t->moves;
		v[S_EMPTIED] += t->emptied;
		if (t->largest_stale) {           /* O(keys), only after the maximum shrank */
			t->largest_key = 0;
			for (uint32_t k = 0; t->keys && k <= t->kmask; k++)
				if (t->keys[k].nzones > t->largest_key)
					t->largest_key = t->keys[k].nzones;
			t->largest_stale = false;
		}
		if (t->largest_key > v[S_LARGEST_KEY])
			v[S_LARGEST_KEY] = t->largest_key;
		if (zone >= 0)
			v[S_DISTINCT_KEYS] = t->live_keys;
	}
	if (zone < 0)
		v[S_DISTINCT_KEYS] = st->keyset.live;
	v[S_PASSES] = st->passes;
	v[S_WAKE_PASSES] = st->wake_passes;
	v[S_OVERSIZE] = st->oversize;
}

/* ---- set-up ---------------------------------------------------------------------- */

const struct fs_tunable fs_kz_tunables[] = {
	{ "key", "mt+order+comm", "what identifies an allocator: '+'-joined parts of mt (migrate type, for the gfp flags), order, comm (task name or key=NAME); or none" },
	{ "zone_order", "pageblock", "keyed zone size, 2^zone_order pages: a number up to max_order (and 12), or pageblock" },
	{ "low_water", "1", "target of unkeyed zones per zone type, % of its zones (rounded up); under it the pressure reclaim and the defragmenter are woken" },
	{ "defrag", "on", "the background defragmenter" },
	{ "defrag_period", "100ms", "simulated time between defragmenter passes (and after a pressure reclaim short of its target)" },
	{ "defrag_batch", "1024", "pages moved per pass at most" },
	{ "defrag_zones", "64", "keyed zones examined per pass at most" },
	{ "sparse", "25", "a keyed zone is sparse when at most this % of its pages are allocated (0: never empty zones)" },
	{ "reclaim_keyed", "on", "direct reclaim only for LRU (page-cache-like) requests, and only of LRU pages correctly keyed in zones of the request's key" },
	{ "reclaim_pressure", "on", "under low_water unkeyed zones, reclaim the LRU pages of zones holding only LRU pages, sparsest first, up to the target" },
	{ NULL, NULL, NULL }
};

static int parse_uint(const char *name, const char *v, uint64_t max, uint64_t *out,
		      struct fs_err *err)
{
	char *end;

	*out = strtoull(v, &end, 10);
	if (!*v || *end || strspn(v, "0123456789") != strlen(v) || *out > max)
		return fs_error(err, -EINVAL, "tunable \"%s\" expects 0..%llu, got \"%s\"", name,
				(unsigned long long)max, v);
	return 0;
}

static int parse_key(struct fs_kz *st, const char *v, struct fs_err *err)
{
	st->parts = 0;
	if (!strcmp(v, "none"))
		return 0;
	for (const char *s = v; *s;) {
		size_t n = strcspn(s, "+");

		if (n == 2 && !strncmp(s, "mt", 2))
			st->parts |= FS_KZ_PART_MT;
		else if (n == 5 && !strncmp(s, "order", 5))
			st->parts |= FS_KZ_PART_ORDER;
		else if (n == 4 && !strncmp(s, "comm", 4))
			st->parts |= FS_KZ_PART_COMM;
		else
			return fs_error(err, -EINVAL, "tunable \"key\": unknown part \"%.*s\" (expected mt, order, comm, joined by '+', or none)",
					(int)n, s);
		s += n + (s[n] == '+');
	}
	return 0;
}

static int parse_tunables(struct fs_policy *p, const struct fs_kv *kv, unsigned nkv,
			  struct fs_err *err)
{
	struct fs_kz *st = p->state;
	const struct fs_machine *m = p->m;
	const char *v;
	uint64_t x, lim = m->max_order < FS_KZ_MAX_ORDER ? m->max_order : FS_KZ_MAX_ORDER;

	if (parse_key(st, fs_tunable_get(p->ops, kv, nkv, "key"), err))
		return -EINVAL;
	v = fs_tunable_get(p->ops, kv, nkv, "zone_order");
	if (!strcmp(v, "pageblock"))
		x = m->pageblock_order < lim ? m->pageblock_order : lim;
	else if (parse_uint("zone_order", v, lim, &x, err))
		return -EINVAL;
	st->zone_order = (unsigned)x;
	if (parse_uint("low_water", fs_tunable_get(p->ops, kv, nkv, "low_water"), 100, &x, err))
		return -EINVAL;
	st->low_water_pct = (uint32_t)x;
	if (fs_tunable_bool("defrag", fs_tunable_get(p->ops, kv, nkv, "defrag"), &st->defrag, err))
		return -EINVAL;
	/* with exact placement the trace says where every page is: pages the
	 * defragmenter moved would only conflict with it */
	if (m->exact_placement)
		st->defrag = false;
	v = fs_tunable_get(p->ops, kv, nkv, "defrag_period");
	if (fs_parse_duration(v, &st->period_ns))
		return fs_error(err, -EINVAL, "tunable \"defrag_period\" expects a duration (100ms, 1s), got \"%s\"", v);
	if (parse_uint("defrag_batch", fs_tunable_get(p->ops, kv, nkv, "defrag_batch"), 1u << 30, &x, err))
		return -EINVAL;
	st->batch = (uint32_t)x;
	if (parse_uint("defrag_zones", fs_tunable_get(p->ops, kv, nkv, "defrag_zones"), 1u << 30, &x, err))
		return -EINVAL;
	st->scan = (uint32_t)x;
	if (parse_uint("sparse", fs_tunable_get(p->ops, kv, nkv, "sparse"), 100, &x, err))
		return -EINVAL;
	st->sparse_pct = (uint32_t)x;
	if (fs_tunable_bool("reclaim_keyed", fs_tunable_get(p->ops, kv, nkv, "reclaim_keyed"),
			    &st->reclaim_keyed, err) ||
	    fs_tunable_bool("reclaim_pressure", fs_tunable_get(p->ops, kv, nkv, "reclaim_pressure"),
			    &st->pressure, err))
		return -EINVAL;
	return 0;
}

int fs_kz_init(struct fs_policy *p, const struct fs_kv *kv, unsigned nkv, struct fs_err *err)
{
	struct fs_kz *st = p->state;
	struct fs_machine *m = p->m;
	uint64_t zsize;
	uint32_t n = 0;

	if (parse_tunables(p, kv, nkv, err))
		return -EINVAL;
	zsize = 1ull << st->zone_order;
	/* blocks never merge across keyed zones, boot memory included */
	m->merge_order = st->zone_order;
	m->merge_likely = false;                /* list order is not used by this policy */
	for (unsigned ti = 0; ti < m->nr_zones; ti++) {
		struct fs_kz_type *t = &st->type[ti];

		t->z = &m->zones[ti];
		t->base_pfn = t->z->start_pfn & ~(zsize - 1);
		t->first = n;
		t->nr = (uint32_t)((t->z->end_pfn - t->base_pfn + zsize - 1) >> st->zone_order);
		n += t->nr;
		fs_kz_bits_grow(&t->unkeyed, t->nr);
		for (unsigned o = 0; o <= st->zone_order; o++)
			fs_kz_bits_grow(&t->any[o], t->nr);
	}
	st->nzones = n;
	for (unsigned o = 0; o <= st->zone_order; o++) {
		st->fb_off[o] = st->fb_words;
		st->fb_words += (unsigned)(((1ull << (st->zone_order - o)) + 63) / 64);
	}
	st->fb_off[st->zone_order + 1] = st->fb_words;
	/* header and bitmaps in one record, whole cache lines */
	st->zstride = (FS_KZ_HDR + st->fb_words * sizeof(uint64_t) + 63) & ~(size_t)63;
	st->zrec = fs_big_alloc((size_t)n * st->zstride);
	if (!st->zrec) {
		fs_kz_destroy(p);
		return fs_error(err, -ENOMEM, "cannot allocate %u keyed zones", n);
	}
	for (unsigned ti = 0; ti < m->nr_zones; ti++)
		for (uint32_t l = 0; l < st->type[ti].nr; l++) {
			struct fs_kz_zone *kz = fs_kz_zone_at(st, st->type[ti].first + l);

			kz->key = FS_KZ_NONE;
			kz->type = (uint8_t)ti;
		}
	st->mis_bits = fs_xcalloc(m->nr_pages / 64 + 2, sizeof(*st->mis_bits));
	for (unsigned i = 0; i < FS_KZ_NR_LISTS; i++)
		st->list[i].head = st->list[i].tail = FS_KZ_NONE;
	return 0;
}

void fs_kz_destroy(struct fs_policy *p)
{
	struct fs_kz *st = p->state;

	for (unsigned ti = 0; ti < FS_MAX_ZONES; ti++) {
		struct fs_kz_type *t = &st->type[ti];

		for (uint32_t k = 0; t->keys && k <= t->kmask; k++) {
			if (!t->keys[k].in_use)
				continue;
			if (t->keys[k].cap)
				free(t->keys[k].slot_heap);
			fs_kz_bits_release(&t->keys[k].free_slots);
			for (unsigned o = 0; o < FS_KZ_ORDERS; o++)
				fs_kz_bits_release(&t->keys[k].avail[o]);
		}
		if (t->keys)
			fs_big_free(t->keys, ((size_t)t->kmask + 1) * sizeof(*t->keys));
		fs_kz_bits_release(&t->unkeyed);
		for (unsigned o = 0; o < FS_KZ_ORDERS; o++)
			fs_kz_bits_release(&t->any[o]);
	}
	if (st->zrec)
		fs_big_free(st->zrec, (size_t)st->nzones * st->zstride);
	free(st->mis_bits);
	free(st->cand);
	free(st->keyset.val);
	free(st->keyset.ref);
}
