/* reclaim.c - page-cache-like memory and its reclaim, per simulation
 * (issue #8). Each policy's simulation places allocations differently, so
 * each has its own LRU and reclaims on its own.
 *
 * Allocations flagged FS_EVF_LRU (a workload's reclaimable classes) join
 * their zone's LRU list at allocation time. The lists are intrusive and
 * live in a side array indexed by the allocation's head page (unique among
 * live allocations), so adding, removing and taking the oldest are O(1)
 * and nothing is ever scanned. The array is allocated on the first LRU
 * allocation (8 bytes a page, zero pages until touched): traces without
 * LRU allocations pay nothing.
 *
 * Reclaim follows the kernel's shape, simplified:
 *   kswapd   wakes when an allocation leaves every zone under its low
 *            watermark plus the lowmem reserve against the highest zone
 *            (the fast path would fail everywhere: the slow path's
 *            wake_all_kswapds). It frees LRU-oldest allocations of the
 *            zone just allocated from, then of the others from the highest
 *            down, until one zone is at its high watermark plus reserve
 *            (pgdat_balanced: any eligible zone balanced) or the lists are
 *            empty. It runs at once, not as a thread that lags behind.
 *   boosts   a grouping policy's watermark boost (5.0+: the zone's
 *            watermark_boost, raised by every fragmenting fallback) stays
 *            in the zone's watermarks until kswapd's next pass, which runs
 *            before the next event (fs_reclaim_boosted, from fs_sim_tick)
 *            or at the end of the allocation when that pass is due anyway.
 *            The pass is balance_pgdat's (5.0, 1c30844d2dfe): a node out of
 *            balance against the boosted high watermarks is reclaimed to
 *            balance; a balanced one has the boost reclaimed from the
 *            boosted zone's LRU (stopping when nothing comes back: boosted
 *            reclaim neither writes back nor swaps, so it can fail). Either
 *            way the boost is then taken away and kcompactd woken at
 *            pageblock_order. Without LRU memory (a trace replay) the pass
 *            reclaims nothing and still ends the boost the same way.
 *   direct   an allocation that fails and may block (no FS_EVF_ATOMIC)
 *            reclaims max(SWAP_CLUSTER_MAX = 32, 2^order) pages from the
 *            zones of its zonelist, highest first, then retries; at most
 *            MAX_RECLAIM_RETRIES (16) rounds, and only while something is
 *            reclaimed (should_reclaim_retry).
 *   policy   a policy with placement rules for reclaim (ops->reclaim_ok:
 *            keyed zones) says which failed requests may direct-reclaim
 *            and which LRU allocations direct reclaim may free for them;
 *            the others are passed over. A policy may also reclaim on its
 *            own (fs_reclaim_at: keyed zones' low-water pressure).
 * The kernel's LRU is per node and has active/inactive halves with
 * second chances for referenced pages. Here an allocation is referenced
 * at most once (FS_EVF_REFERENCED: a workload class with `referenced`):
 * reclaim meeting it at the LRU head moves it to the tail instead, once
 * (second_chance); otherwise allocation order is LRU order.
 *
 * Watermarks are the kernel's (sim/watermark.c, 6.12 rules): min_free_kbytes
 * as computed at boot with THP's raise, watermark_scale_factor 10, the
 * zones' present pages as managed pages, 2 CPUs. Pages on per-CPU lists
 * do not count as free, as in NR_FREE_PAGES. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compact.h"
#include "internal.h"
#include "policy.h"
#include "watermark.h"

#define SWAP_CLUSTER_MAX 32
#define MAX_RECLAIM_RETRIES 16

struct lru_link {
	uint32_t prev, next;          /* page indexes of LRU heads, FS_NIL at the ends */
};

struct fs_reclaim {
	struct lru_link *link;        /* per page index; meaningful for LRU heads only */
	size_t link_bytes;
	struct {
		uint32_t head, tail;  /* oldest, newest */
		uint64_t pages;       /* pages of the allocations on the list */
	} lru[FS_MAX_ZONES];
	struct fs_wmark wm[FS_MAX_ZONES];
	uint64_t low[FS_MAX_ZONES];   /* pages: low watermark + lowmem reserve for the highest zone */
	uint64_t high[FS_MAX_ZONES];  /* pages: high watermark + the same reserve */
	uint64_t reserve[FS_MAX_ZONES][FS_MAX_ZONES]; /* pages: lowmem_reserve[classzone] */
};

static struct fs_reclaim *reclaim_get(struct fs_sim *s)
{
	struct fs_machine *m = s->m;
	struct fs_reclaim *r;
	struct fs_wmark_zone zones[FS_MAX_ZONES];
	struct fs_wmark_zone_setup out[FS_MAX_ZONES];
	struct fs_wmark_tunables t = { .nr_cpus = 2, .thp = true,
				       .pageblock_nr_pages = 1ull << m->pageblock_order };

	if (s->reclaim)
		return s->reclaim;
	r = fs_xcalloc(1, sizeof(*r));
	r->link_bytes = m->nr_pages * sizeof(*r->link);
	r->link = fs_big_alloc(r->link_bytes);
	if (!r->link) {
		fprintf(stderr, "fragsim: out of memory (LRU links for %llu pages)\n",
			(unsigned long long)m->nr_pages);
		abort();
	}
	for (unsigned i = 0; i < FS_MAX_ZONES; i++)
		r->lru[i].head = r->lru[i].tail = FS_NIL;
	for (unsigned i = 0; i < m->nr_zones; i++) {
		zones[i].managed = m->zones[i].present_pages;
		zones[i].kind = fs_wmark_zone_kind_of(m->zones[i].name);
		zones[i].reserve_ratio = fs_wmark_default_reserve_ratio(&fs_wmark_rules_6_12, m->zones[i].name);
	}
	if (fs_wmark_setup_all(&fs_wmark_rules_6_12, zones, m->nr_zones, &t, out) >= 0)
		for (unsigned i = 0; i < m->nr_zones; i++) {
			uint64_t reserve = out[i].reserve.pages[m->nr_zones - 1];

			r->wm[i] = out[i].wm;
			r->low[i] = out[i].wm.low + reserve;
			r->high[i] = out[i].wm.high + reserve;
			for (unsigned j = 0; j < m->nr_zones; j++)
				r->reserve[i][j] = out[i].reserve.pages[j];
		}
	s->reclaim = r;
	return r;
}

void fs_reclaim_release(struct fs_sim *s)
{
	if (!s->reclaim)
		return;
	fs_big_free(s->reclaim->link, s->reclaim->link_bytes);
	free(s->reclaim);
	s->reclaim = NULL;
}

const struct fs_wmark *fs_reclaim_wmark(struct fs_sim *s, unsigned zone)
{
	return &reclaim_get(s)->wm[zone];
}

void fs_reclaim_lru_insert_after(struct fs_sim *s, uint32_t after, uint32_t idx, unsigned zone,
				 unsigned order)
{
	struct fs_reclaim *r = reclaim_get(s);
	struct lru_link *l = r->link;
	uint32_t next = after == FS_NIL ? r->lru[zone].head : l[after].next;

	l[idx].prev = after;
	l[idx].next = next;
	if (after == FS_NIL)
		r->lru[zone].head = idx;
	else
		l[after].next = idx;
	if (next == FS_NIL)
		r->lru[zone].tail = idx;
	else
		l[next].prev = idx;
	r->lru[zone].pages += 1ull << order;
}

void fs_reclaim_lru_add(struct fs_sim *s, uint32_t idx, unsigned zone, unsigned order)
{
	struct fs_reclaim *r = reclaim_get(s);

	fs_reclaim_lru_insert_after(s, r->lru[zone].tail, idx, zone, order);
}

uint32_t fs_reclaim_lru_del(struct fs_sim *s, uint32_t idx, unsigned zone, unsigned order)
{
	struct fs_reclaim *r = s->reclaim;
	struct lru_link *l = r->link;
	uint32_t prev = l[idx].prev, next = l[idx].next;

	if (prev == FS_NIL)
		r->lru[zone].head = next;
	else
		l[prev].next = next;
	if (next == FS_NIL)
		r->lru[zone].tail = prev;
	else
		l[next].prev = prev;
	r->lru[zone].pages -= 1ull << order;
	return prev;
}

uint64_t fs_reclaim_lru_pages(const struct fs_sim *s, unsigned zone)
{
	return s->reclaim ? s->reclaim->lru[zone].pages : 0;
}

/* Free the LRU allocation headed at page index idx of zone; its pages. */
static uint64_t reclaim_idx(struct fs_sim *s, uint32_t idx, unsigned zone, unsigned cpu,
			    uint64_t now_ns)
{
	struct fs_machine *m = s->m;
	struct fs_alloc *ap, a;
	struct fs_free_req fr;

	ap = fs_alloctab_lookup(&s->at, m->pages[idx] >> 6);
	a = *ap;
	fs_reclaim_lru_del(s, idx, zone, a.order);
	fs_alloctab_remove(&s->at, ap);
	fr = (struct fs_free_req){
		.pfn = m->base_pfn + idx, .order = a.order, .mt = (enum fs_migratetype)a.mt,
		.cpu = cpu, .time_ns = now_ns, .lru = true,
	};
	m->pages[idx] = FS_PG_NONE;
	fs_pb_account(m, fr.pfn, a.order, a.mt, -1);
	s->pol->ops->free(s->pol, &fr);
	s->c.reclaimed_pages += 1ull << a.order;
	s->zc[zone].reclaimed_pages += 1ull << a.order;
	return 1ull << a.order;
}

/* A referenced LRU allocation gets a second chance: its reference is
 * used up and it goes to the LRU tail (folio_check_references keeping a
 * referenced folio). True if idx was referenced and moved. */
static bool second_chance(struct fs_sim *s, uint32_t idx, unsigned zone)
{
	struct fs_alloc *a = fs_alloctab_lookup(&s->at, s->m->pages[idx] >> 6);

	if (!a->ref)
		return false;
	a->ref = 0;
	fs_reclaim_lru_del(s, idx, zone, a->order);
	fs_reclaim_lru_add(s, idx, zone, a->order);
	s->c.reclaim_second_chances++;
	return true;
}

/* Free the zone's LRU-oldest allocation that has no reference left; its
 * pages, 0 if the list is empty. */
static uint64_t reclaim_oldest(struct fs_sim *s, unsigned zone, const struct fs_event *ev)
{
	uint32_t idx;

	while ((idx = s->reclaim->lru[zone].head) != FS_NIL && second_chance(s, idx, zone))
		;
	return idx == FS_NIL ? 0 : reclaim_idx(s, idx, zone, ev->cpu, ev->time_ns);
}

uint64_t fs_reclaim_at(struct fs_sim *s, uint64_t pfn, unsigned cpu, uint64_t now_ns)
{
	const struct fs_alloc *a = s->reclaim ? fs_sim_alloc_at(s, pfn) : NULL;
	uint64_t n;
	unsigned zone;

	if (!a || !a->lru || a->pfn_idx != pfn - s->m->base_pfn)
		return 0;
	zone = a->zone;
	n = reclaim_idx(s, a->pfn_idx, zone, cpu, now_ns);
	s->c.pressure_reclaimed_pages += n;
	s->zc[zone].pressure_reclaimed_pages += n;
	return n;
}

/* pgdat_balanced (5.0): some zone up to classzone at its high watermark,
 * boost included (high_wmark_pages), plus the lowmem reserve against
 * classzone */
static bool pgdat_balanced(struct fs_sim *s, unsigned classzone)
{
	const struct fs_reclaim *r = s->reclaim;

	for (unsigned i = 0; i <= classzone; i++) {
		const struct fs_zone *z = &s->m->zones[i];

		if (z->present_pages &&
		    z->free_pages >= r->wm[i].high + z->watermark_boost + r->reserve[i][classzone])
			return true;
	}
	return false;
}

/* kswapd's normal reclaim: LRU-oldest allocations of zone `first`, then
 * of the others up to classzone from the highest down, until the node is
 * balanced (at the boosted high watermarks) or the lists are empty */
static void reclaim_to_balance(struct fs_sim *s, unsigned first, unsigned classzone,
			       const struct fs_event *ev)
{
	const struct fs_reclaim *r = s->reclaim;

	for (int k = -1; k <= (int)classzone; k++) {
		unsigned y = k < 0 ? first : classzone - (unsigned)k;
		const struct fs_zone *zy = &s->m->zones[y];
		uint64_t high = r->wm[y].high + r->reserve[y][classzone];

		if (k >= 0 && y == first)
			continue;
		while (zy->free_pages < high + zy->watermark_boost && reclaim_oldest(s, y, ev))
			;
		if (pgdat_balanced(s, classzone))
			return;
	}
}

/* One balance_pgdat pass (5.0, mm/vmscan.c, 1c30844d2dfe) for classzone,
 * starting with zone `first`. nr_boost_reclaim is the boosts of the zones
 * up to classzone as the pass starts; out of balance, the boost is
 * ignored and the node reclaimed to balance ("ignore boosting and preserve
 * the watermarks for a later time and restart"); balanced, each boosted
 * zone's boost is reclaimed from its LRU until done or nothing comes back
 * ("if reclaim made no progress for a boost, stop reclaim"). At `out`,
 * each zone's boost loses what it was at the start (boosts added since
 * stay; none can be here, as the pass runs between events) and, if there
 * was one, kcompactd is woken at pageblock_order for classzone ("as there
 * is now likely space, wakeup kcompact to defragment pageblocks"). Without
 * LRU memory (s->reclaim NULL: a replay) only `out` happens. */
static void balance_pgdat(struct fs_sim *s, unsigned first, unsigned classzone,
			  const struct fs_event *ev)
{
	struct fs_machine *m = s->m;
	uint64_t zone_boosts[FS_MAX_ZONES] = { 0 }, nr_boost = 0;

	for (unsigned i = 0; i <= classzone; i++) {
		zone_boosts[i] = m->zones[i].watermark_boost;
		nr_boost += zone_boosts[i];
	}
	if (s->reclaim) {
		if (!pgdat_balanced(s, classzone)) {
			reclaim_to_balance(s, first, classzone, ev);
		} else {
			for (int i = (int)classzone; i >= 0; i--) {
				uint64_t got = 0, n;

				while (got < zone_boosts[i] && (n = reclaim_oldest(s, (unsigned)i, ev)))
					got += n;
			}
		}
	}
	if (!nr_boost)
		return;
	for (unsigned i = 0; i <= classzone; i++) {
		struct fs_zone *z = &m->zones[i];

		z->watermark_boost -= zone_boosts[i] < z->watermark_boost ? zone_boosts[i]
									  : z->watermark_boost;
	}
	if (s->pol->compact)
		fs_compact_wake_kcompactd(s->pol->compact, m->pageblock_order, classzone);
}

/* balance_pgdat runs with ZONE_RECLAIM_ACTIVE set on the node's zones
 * (set_reclaim_active, 5.16+), which 6.7+ per-CPU pagesets read to drain
 * the pages kswapd frees at once (nr_pcp_high) */
static void kswapd_pass(struct fs_sim *s, unsigned first, unsigned classzone,
			const struct fs_event *ev)
{
	for (unsigned i = 0; i < s->m->nr_zones; i++)
		s->m->zones[i].reclaim_active = s->m->zones[i].present_pages > 0;
	balance_pgdat(s, first, classzone, ev);
	for (unsigned i = 0; i < s->m->nr_zones; i++)
		s->m->zones[i].reclaim_active = false;
}

/* After an allocation in z: kswapd wakes when every zone is under its
 * low watermark, boost included, plus the reserve against the highest
 * zone (the fast path failed everywhere: wake_all_kswapds). Its pass also
 * accounts any boost (balance_pgdat always does), so a boost ends here
 * when this pass comes first. */
void fs_reclaim_kswapd(struct fs_sim *s, const struct fs_zone *z, const struct fs_event *ev)
{
	const struct fs_reclaim *r = s->reclaim;
	const struct fs_machine *m = s->m;

	for (unsigned i = 0; i < m->nr_zones; i++)
		if (m->zones[i].present_pages &&
		    m->zones[i].free_pages >= r->low[i] + m->zones[i].watermark_boost)
			return;               /* the fast path still has a zone */
	s->c.kswapd_wakeups++;
	for (unsigned i = 0; i < m->nr_zones; i++)
		s->m->zones[i].boosted_watermark = false;
	kswapd_pass(s, z->idx, m->nr_zones - 1, ev);
}

bool fs_reclaim_boost_pending(const struct fs_sim *s)
{
	for (unsigned i = 0; i < s->m->nr_zones; i++)
		if (s->m->zones[i].boosted_watermark)
			return true;
	return false;
}

/* kswapd woken for boosts (ZONE_BOOSTED_WATERMARK: rmqueue's
 * wakeup_kswapd(zone, 0, 0, zone_idx(zone))), running before the next
 * event: classzone is the highest boosted zone (kswapd keeps the highest
 * classzone_idx it was woken for), reclaim starts there. */
void fs_reclaim_boosted(struct fs_sim *s, uint64_t now_ns)
{
	struct fs_event ev = { .time_ns = now_ns, .cpu = (uint16_t)s->kswapd_cpu };
	unsigned classzone = 0;

	for (unsigned i = 0; i < s->m->nr_zones; i++)
		if (s->m->zones[i].boosted_watermark) {
			s->m->zones[i].boosted_watermark = false;
			classzone = i;
		}
	if (s->reclaim)
		s->c.kswapd_wakeups++;
	kswapd_pass(s, classzone, classzone, &ev);
}

bool fs_reclaim_direct(struct fs_sim *s, const struct fs_alloc_req *req, unsigned round,
		       const struct fs_event *ev)
{
	bool (*ok)(struct fs_policy *, const struct fs_alloc_req *, uint64_t) = s->pol->ops->reclaim_ok;
	uint64_t want = req->order >= 5 ? 1ull << req->order : SWAP_CLUSTER_MAX, got = 0;
	struct fs_reclaim *r = s->reclaim;

	if (!r || round >= MAX_RECLAIM_RETRIES)
		return false;
	if (ok && !ok(s->pol, req, FS_RECLAIM_REQUEST)) {
		s->c.direct_reclaim_refused++;
		return false;
	}
	for (int zi = (int)req->highest_zone; zi >= 0 && got < want; zi--) {
		uint64_t n;

		if (!ok) {
			while (got < want && (n = reclaim_oldest(s, (unsigned)zi, ev)))
				got += n;
			continue;
		}
		/* oldest first, each entry looked at once a round; what the
		 * policy refuses stays where it is (isolate_lru_folios puts
		 * back the folios of ineligible zones it skips) */
		for (uint32_t idx = r->lru[zi].head, next; idx != FS_NIL && got < want; idx = next) {
			next = r->link[idx].next;
			if (!ok(s->pol, req, s->m->base_pfn + idx)) {
				s->c.direct_reclaim_passed_over += 1ull << ((s->m->pages[idx] >> 2) & 15);
				continue;
			}
			if (!second_chance(s, idx, (unsigned)zi))
				got += reclaim_idx(s, idx, (unsigned)zi, ev->cpu, ev->time_ns);
			else if (next == FS_NIL)
				next = idx;     /* it was the newest: met again at once, unreferenced */
		}
	}
	s->c.direct_reclaim_pages += got;
	return got > 0;
}

int fs_reclaim_check(const struct fs_sim *s, struct fs_err *err)
{
	const struct fs_reclaim *r = s->reclaim;
	uint64_t marked = 0, listed = 0;

	for (uint64_t i = 0; i <= s->at.mask; i++)
		marked += s->at.slot[i].live && s->at.slot[i].lru;
	if (!r)
		return marked ? fs_error(err, -EIO, "%llu allocations marked lru, but no LRU lists",
					 (unsigned long long)marked) : 0;
	for (unsigned z = 0; z < s->m->nr_zones; z++) {
		uint64_t pages = 0;
		uint32_t prev = FS_NIL;

		for (uint32_t idx = r->lru[z].head; idx != FS_NIL; prev = idx, idx = r->link[idx].next) {
			uint64_t slot = s->m->pages[idx];
			const struct fs_alloc *a;

			if (++listed > marked)
				return fs_error(err, -EIO, "zone %s: LRU list longer than the %llu lru allocations (a cycle?)",
						s->m->zones[z].name, (unsigned long long)marked);
			if (r->link[idx].prev != prev)
				return fs_error(err, -EIO, "zone %s: LRU entry at page index %u has a wrong prev link",
						s->m->zones[z].name, idx);
			a = fs_pg_kind(slot) == FS_PG_ALLOC ? fs_alloctab_lookup(&s->at, slot >> 6) : NULL;
			if (!a || !a->lru || a->pfn_idx != idx || a->zone != z)
				return fs_error(err, -EIO, "zone %s: LRU entry at page index %u is not an lru allocation of the zone",
						s->m->zones[z].name, idx);
			pages += 1ull << a->order;
		}
		if (r->lru[z].tail != prev || pages != r->lru[z].pages)
			return fs_error(err, -EIO, "zone %s: LRU tail or page count (%llu listed, %llu counted) wrong",
					s->m->zones[z].name, (unsigned long long)pages,
					(unsigned long long)r->lru[z].pages);
	}
	if (listed != marked)
		return fs_error(err, -EIO, "%llu allocations marked lru, %llu on the LRU lists",
				(unsigned long long)marked, (unsigned long long)listed);
	return 0;
}
