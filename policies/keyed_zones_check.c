/* keyed_zones_check.c - the keyed zones' invariant walker, for the tests
 * (O(pages + keys); never on the normal path). Everything the policy keeps
 * incrementally is recounted from the machine's page slots and the
 * allocation table:
 *   - the free-head bitmaps and order masks hold exactly
 *     the machine's free blocks, none above zone_order;
 *   - used, misplaced, misplaced-movable, pinned and LRU pages per keyed zone,
 *     and each allocation marked misplaced as a whole or not at all;
 *   - a keyed zone carries a key exactly when it holds allocated pages,
 *     FS_KZ_PRETRACE when some were allocated before the trace;
 *   - the search bitmaps (type's any[o] and unkeyed, key's avail[o]) say
 *     what the free areas say, and no bit lies below a search hint;
 *   - key slots, zone counts per key, live keys per type and machine-wide;
 *   - the work lists are well linked and hold every zone that
 *     fs_kz_wants_list wants (and maybe some that wait to leave lazily).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "keyed_zones.h"

#define FAIL(...) do { rc = fs_error(err, -EIO, __VA_ARGS__); goto out; } while (0)

static bool bit(const struct fs_kz_bits *b, uint32_t i)
{
	return fs_kz_bits_test(b, i);
}

static bool hint_ok(const struct fs_kz_bits *b)
{
	for (uint32_t j = 0; j < b->hint && j < fs_kz_nwords(b); j++)
		if (fs_kz_cwords(b)[j])
			return false;
	return true;
}

static int top_order(uint16_t mask)
{
	return mask ? 31 - __builtin_clz(mask) : -1;
}

/* Recount keyed zone gz from the pages into c[]. */
struct recount {
	uint32_t nr_free[FS_KZ_ORDERS], present, used, mis, mis_movable, pinned, lru;
};

static int recount_zone(const struct fs_policy *p, const struct fs_kz *st, uint32_t gz,
			struct recount *c, struct fs_err *err)
{
	const struct fs_machine *m = p->m;
	const struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	const struct fs_kz_type *t = &st->type[kz->type];
	uint64_t start = fs_kz_start(st, gz), lo, hi;
	uint64_t zval = kz->key != FS_KZ_NONE ? t->keys[kz->key].val : 0;
	const uint64_t order_bits = 0xffull << 8;
	int rc = 0;

	fs_kz_span(st, gz, &lo, &hi);
	for (uint64_t pfn = lo; pfn < hi;) {
		uint64_t idx = pfn - m->base_pfn, s = m->pages[idx], marks = 0, pages;
		const uint64_t *fb;
		unsigned o;
		const struct fs_alloc *a;

		switch (fs_pg_kind(s)) {
		case FS_PG_FREE:
			o = fs_buddy_order(m, idx);
			if (o > st->zone_order)
				FAIL("keyed zone at pfn 0x%llx: free block of order %u above zone_order",
				     (unsigned long long)start, o);
			fb = fs_kz_fb(st, gz, o);
			if (!(fb[((pfn - start) >> o) / 64] >> (((pfn - start) >> o) & 63) & 1))
				FAIL("free block at pfn 0x%llx (order %u) is not in its keyed zone's bitmap",
				     (unsigned long long)pfn, o);
			c->nr_free[o]++;
			c->present += 1u << o;
			pfn += 1ull << o;
			continue;
		case FS_PG_NONE:
			if (fs_kz_pretrace_page(p, pfn)) {
				/* allocated before the trace: the zone's key is theirs */
				if (zval != FS_KZ_PRETRACE)
					FAIL("pfn 0x%llx, allocated before the trace, is in a zone of another key",
					     (unsigned long long)pfn);
				c->used++;
				c->present++;
				c->pinned++;
			} else if (!fs_machine_is_hole(m, pfn) &&
				   !(p->sim && p->sim->offline &&
				     p->sim->offline[(pfn - m->base_pfn) >> m->max_order])) {
				FAIL("pfn 0x%llx is neither free nor allocated", (unsigned long long)pfn);
			}
			pfn++;
			continue;
		case FS_PG_OTHER:
			FAIL("pfn 0x%llx is on a per-CPU list (keyed zones have none)", (unsigned long long)pfn);
		default:
			break;
		}
		o = (unsigned)((s >> 2) & 15);
		pages = 1ull << o;
		a = fs_sim_alloc_at(p->sim, pfn);
		if (!a)
			FAIL("allocated head at pfn 0x%llx has no allocation", (unsigned long long)pfn);
		for (uint64_t q = pfn; q < pfn + pages; q++)
			marks += fs_kz_is_misplaced(st, m, q);
		if (marks && marks != pages)
			FAIL("allocation at pfn 0x%llx: %llu of %llu pages marked misplaced", (unsigned long long)pfn,
			     (unsigned long long)marks, (unsigned long long)pages);
		/* appropriately keyed: the zone's key, but for the order when a
		 * partial free split the allocation */
		if (!marks && ((fs_kz_key_of(st, a->mt, a->order, a->key) ^ zval) & ~order_bits))
			FAIL("allocation at pfn 0x%llx is in a zone of another key but not counted misplaced",
			     (unsigned long long)pfn);
		c->used += (uint32_t)pages;
		c->present += (uint32_t)pages;
		if (marks) {
			c->mis += (uint32_t)pages;
			if (a->mt == FS_MT_MOVABLE)
				c->mis_movable += (uint32_t)pages;
		}
		if (a->mt != FS_MT_MOVABLE)
			c->pinned += (uint32_t)pages;
		if (a->lru)
			c->lru += (uint32_t)pages;
		pfn += pages;
	}
out:
	return rc;
}

static int check_zone(const struct fs_policy *p, const struct fs_kz *st, uint32_t gz,
		      uint32_t *key_zones, struct fs_err *err)
{
	const struct fs_kz_zone *kz = fs_kz_zone_at(st, gz);
	const struct fs_kz_type *t = &st->type[kz->type];
	uint32_t l = gz - t->first;
	struct recount c;
	unsigned long long at = (unsigned long long)fs_kz_start(st, gz);
	uint16_t mask = 0;
	int rc, top;

	memset(&c, 0, sizeof(c));
	if ((rc = recount_zone(p, st, gz, &c, err)))
		return rc;
	for (unsigned o = 0; o <= st->zone_order; o++) {
		const uint64_t *fb = fs_kz_fb(st, gz, o);
		uint64_t nbits = 1ull << (st->zone_order - o), n = 0;

		for (uint64_t i = 0; i < nbits; i++)
			n += fb[i / 64] >> (i & 63) & 1;
		if (n != c.nr_free[o])
			FAIL("keyed zone at 0x%llx order %u: %llu bits, %u free blocks", at, o,
			     (unsigned long long)n, c.nr_free[o]);
		if (n)
			mask |= (uint16_t)(1u << o);
	}
	if (mask != kz->fmask)
		FAIL("keyed zone at 0x%llx: order mask %#x, free blocks say %#x", at, kz->fmask, mask);
	if (c.present != kz->present || c.used != kz->used || c.mis != kz->misplaced ||
	    c.mis_movable != kz->mis_movable || c.pinned != kz->pinned || c.lru != kz->lru)
		FAIL("keyed zone at 0x%llx: present/used/misplaced/movable/pinned/lru %u/%u/%u/%u/%u/%u, recounted %u/%u/%u/%u/%u/%u",
		     at, kz->present, kz->used, kz->misplaced, kz->mis_movable, kz->pinned, kz->lru,
		     c.present, c.used, c.mis, c.mis_movable, c.pinned, c.lru);
	if (!kz->present) {
		if (kz->key != FS_KZ_NONE || bit(&t->unkeyed, l))
			FAIL("keyed zone at 0x%llx has no RAM but is keyed or listed unkeyed", at);
		return 0;
	}
	if ((kz->key != FS_KZ_NONE) != (kz->used > 0))
		FAIL("keyed zone at 0x%llx: %u pages allocated but %s", at, kz->used,
		     kz->key != FS_KZ_NONE ? "keyed" : "unkeyed");
	if (bit(&t->unkeyed, l) != (kz->key == FS_KZ_NONE))
		FAIL("keyed zone at 0x%llx: unkeyed bitmap disagrees", at);
	top = top_order(kz->fmask);
	for (unsigned o = 0; o <= st->zone_order; o++)
		if (bit(&t->any[o], l) != ((int)o <= top))
			FAIL("keyed zone at 0x%llx: any[%u] bit disagrees with its free blocks", at, o);
	if (kz->key != FS_KZ_NONE) {
		const struct fs_kz_key *k = &t->keys[kz->key];

		if (kz->slot >= k->nslots || fs_kz_cslots(k)[kz->slot] != l)
			FAIL("keyed zone at 0x%llx: slot %u of its key does not name it", at, kz->slot);
		for (unsigned o = 0; o <= st->zone_order; o++)
			if (bit(&k->avail[o], kz->slot) != ((int)o <= top))
				FAIL("keyed zone at 0x%llx: its key's avail[%u] bit disagrees", at, o);
		key_zones[kz->key]++;
	}
	/* targets are on their lists; others may wait there to leave lazily */
	for (unsigned id = 0; id < FS_KZ_NR_LISTS; id++)
		if (!kz->on[id] && fs_kz_wants_list(st, kz, id))
			FAIL("keyed zone at 0x%llx: not on work list %u", at, id);
out:
	return rc;
}

static int check_type(const struct fs_policy *p, const struct fs_kz *st, const struct fs_kz_type *t,
		      struct fs_err *err)
{
	uint32_t nk = t->keys ? t->kmask + 1 : 0, *key_zones = calloc(nk + 1, sizeof(*key_zones));
	uint32_t keyed = 0, unkeyed = 0, live = 0, in_use = 0, largest = 0;
	uint64_t keyed_pages = 0, mis = 0;
	int rc = 0;

	if (!hint_ok(&t->unkeyed))
		FAIL("zone %s: unkeyed bitmap has bits below its hint", t->z->name);
	for (unsigned o = 0; o <= st->zone_order; o++)
		if (!hint_ok(&t->any[o]))
			FAIL("zone %s: any[%u] has bits below its hint", t->z->name, o);
	for (uint32_t l = 0; l < t->nr; l++) {
		const struct fs_kz_zone *kz = fs_kz_zone_at(st, t->first + l);

		if ((rc = check_zone(p, st, t->first + l, key_zones, err)))
			goto out;
		if (!kz->present)
			continue;
		if (kz->key != FS_KZ_NONE) {
			keyed++;
			keyed_pages += kz->used - kz->misplaced;
			mis += kz->misplaced;
		} else {
			unkeyed++;
		}
	}
	for (uint32_t i = 0; i < nk; i++) {
		const struct fs_kz_key *k = &t->keys[i];
		uint32_t used_slots = 0;

		if (!k->in_use) {
			if (key_zones[i])
				FAIL("zone %s: %u zones carry an empty key entry %u", t->z->name, key_zones[i], i);
			continue;
		}
		if (fs_kz_key_find(t, k->val) != i)
			FAIL("zone %s: key %u is not found by its value", t->z->name, i);
		if (k->nzones != key_zones[i])
			FAIL("zone %s: key %u says %u zones, %u carry it", t->z->name, i, k->nzones, key_zones[i]);
		for (uint32_t s = 0; s < k->nslots; s++) {
			used_slots += fs_kz_cslots(k)[s] != FS_KZ_NONE;
			if ((fs_kz_cslots(k)[s] == FS_KZ_NONE) != bit(&k->free_slots, s))
				FAIL("zone %s: key %u slot %u free-slot bit disagrees", t->z->name, i, s);
		}
		if (used_slots != k->nzones || (k->nslots && fs_kz_cslots(k)[k->nslots - 1] == FS_KZ_NONE))
			FAIL("zone %s: key %u has %u slots in use for %u zones", t->z->name, i, used_slots, k->nzones);
		if (fs_kz_bits_next(&k->free_slots, k->nslots) != FS_KZ_NONE || !hint_ok(&k->free_slots))
			FAIL("zone %s: key %u free-slot bitmap beyond its slots", t->z->name, i);
		for (unsigned o = 0; o <= st->zone_order; o++)
			if (fs_kz_bits_next(&k->avail[o], k->nslots) != FS_KZ_NONE || !hint_ok(&k->avail[o]))
				FAIL("zone %s: key %u avail[%u] beyond its slots or below its hint", t->z->name, i, o);
		live += k->nzones > 0;
		in_use++;
		if (k->nzones > largest)
			largest = k->nzones;
	}
	if (!t->largest_stale && largest != t->largest_key)
		FAIL("zone %s: the most widespread key has %u zones, kept as %u", t->z->name, largest,
		     t->largest_key);
	if (in_use != t->nkeys)
		FAIL("zone %s: %u keys in the table, %u counted", t->z->name, in_use, t->nkeys);
	if (keyed != t->nr_keyed || unkeyed != t->nr_unkeyed || live != t->live_keys ||
	    keyed_pages != t->keyed_pages || mis != t->misplaced)
		FAIL("zone %s: keyed/unkeyed/keys/keyed pages/misplaced %u/%u/%u/%llu/%llu, recounted %u/%u/%u/%llu/%llu",
		     t->z->name, t->nr_keyed, t->nr_unkeyed, t->live_keys, (unsigned long long)t->keyed_pages,
		     (unsigned long long)t->misplaced, keyed, unkeyed, live, (unsigned long long)keyed_pages,
		     (unsigned long long)mis);
out:
	free(key_zones);
	return rc;
}

static int check_lists(const struct fs_kz *st, struct fs_err *err)
{
	int rc = 0;

	for (unsigned id = 0; id < FS_KZ_NR_LISTS; id++) {
		uint32_t n = 0, prev = FS_KZ_NONE, on = 0;

		for (uint32_t gz = st->list[id].head; gz != FS_KZ_NONE; gz = fs_kz_zone_at(st, gz)->link[id].next) {
			if (++n > st->nzones || !fs_kz_zone_at(st, gz)->on[id] || fs_kz_zone_at(st, gz)->link[id].prev != prev)
				FAIL("work list %u is badly linked at keyed zone %u", id, gz);
			prev = gz;
		}
		for (uint32_t gz = 0; gz < st->nzones; gz++)
			on += fs_kz_zone_at(st, gz)->on[id];
		if (prev != st->list[id].tail || n != st->list[id].n || n != on)
			FAIL("work list %u: %u linked, count %u, %u zones marked", id, n, st->list[id].n, on);
	}
out:
	return rc;
}

int fs_kz_check(const struct fs_policy *p, struct fs_err *err)
{
	const struct fs_kz *st = p->state;
	uint32_t live = 0;
	int rc;

	if (!st->built)
		return 0;
	for (unsigned ti = 0; ti < p->m->nr_zones; ti++)
		if ((rc = check_type(p, st, &st->type[ti], err)))
			return rc;
	if ((rc = check_lists(st, err)))
		return rc;
	/* distinct keys machine-wide: a key live in several types counts once */
	for (unsigned ti = 0; ti < p->m->nr_zones; ti++)
		for (uint32_t i = 0; st->type[ti].keys && i <= st->type[ti].kmask; i++) {
			const struct fs_kz_key *k = &st->type[ti].keys[i];
			bool first = k->in_use && k->nzones > 0;

			for (unsigned tj = 0; first && tj < ti; tj++) {
				uint32_t j = fs_kz_key_find(&st->type[tj], k->val);

				first = j == FS_KZ_NONE || !st->type[tj].keys[j].nzones;
			}
			live += first;
		}
	if (live != st->keyset.live)
		return fs_error(err, -EIO, "%u distinct live keys, the key set says %u", live, st->keyset.live);
	return 0;
}
