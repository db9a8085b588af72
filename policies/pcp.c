/* pcp.c - per-CPU pagesets ("pcp"), the lists that sit between callers and
 * the buddy free lists for small orders (mm/page_alloc.c: rmqueue_pcplist,
 * rmqueue_bulk, free_unref_page_commit, free_pcppages_bulk, decay_pcp_high;
 * 2.6.24 buffered_rmqueue, free_hot_cold_page, free_pages_bulk).
 *
 * A page on a pcp list is allocated as far as the buddy allocator is
 * concerned: it does not merge and is not in nr_free. Its page slot is
 * FS_PG_OTHER with its order, and the zone's pcp_pages counts it.
 *
 * Modelled, by style:
 *
 * 2.6.24  One order-0 list per CPU (the hot list of pcp[2]; the cold list
 *         is for __GFP_COLD allocations and free_cold_page, which traces do
 *         not tell apart, so every page is hot). Each page carries the
 *         type it was tagged with (page_private): the requested type when
 *         rmqueue_bulk brought it in, the pageblock's type when it was
 *         freed. buffered_rmqueue refills an empty list with `batch` pages,
 *         takes the first page of the requested type from the head, and
 *         when there is none refills again (inserted at the head in pfn
 *         order) and takes the head - whatever its tag if the refill found
 *         nothing. A free goes to the head; at count >= high (6 x batch)
 *         free_pages_bulk returns `batch` pages from the tail. The search is
 *         linear in the list as in the kernel, bounded by high + batch; a
 *         count of pages per tag skips it when no page of the type is there
 *         (the kernel walks the whole list and then refills: same result).
 * 3.10    Lists per migrate type (3.10, 4.19: order 0), refills of `batch`
 *         pages taken one by one with __rmqueue and appended at the tail,
 *         allocation from the head, frees to the head of the list of the
 *         pageblock's current type (HIGHATOMIC and CMA to MOVABLE, ISOLATE
 *         straight to the buddy), drains of `batch` pages round-robin over
 *         the lists from their tails (batch_free) when count reaches high.
 * 6.1     (5.14 .. 6.6) orders 0..3 and the THP order, index 3 * order +
 *         type, THP lists movable/other; refills of max(batch >> order, 2);
 *         drains of nr_pcp_free() pages (batch doubled per consecutive
 *         drain up to 2^5, clamped to [batch, high - batch]; everything
 *         after consecutive high-order frees), list by list from the tails
 *         starting with the list freed to; high fixed.
 * 6.7     (6.7+, read in a 6.10-era page_pcp.c split of page_alloc.c, the
 *         same as 6.18's) Huang Ying's auto-tuning, on the 6.1 lists:
 *         - nr_pcp_alloc: a refill first clamps high into [high_min,
 *           high_max] and, unless the zone is ZONE_BELOW_HIGH, raises it
 *           by the refill's batch (up to high_max); order-0 refills are
 *           batch << alloc_factor, at most max(high - count - batch,
 *           batch), alloc_factor growing per refill up to 5 and halved by
 *           every free;
 *         - free_count counts pages freed (capped at batch << 5), halved by
 *           every allocation; nr_pcp_free drains clamp(free_count, batch,
 *           high - batch);
 *         - nr_pcp_high: at count >= high, high rises to free_count +
 *           batch; under ZONE_BELOW_HIGH (set by get_page_from_freelist
 *           when a zone fails the high watermark, cleared by a drain that
 *           leaves it above) high falls by max(free_count, batch) to
 *           high_min and the pageset drains from max(count, high_min);
 *         - consecutive frees of orders 1..3 (free_count >= batch, the
 *           previous free of such an order, count >= batch with
 *           PCPF_FREE_HIGH_BATCH) drain min(count, batch << 5) and lower
 *           high by batch << 5 ("avoid to drain PCP when process exit");
 *         - decay_pcp_high every second (vmstat_update, sysctl_stat_interval)
 *           through the policy's tick: high = max(count - (batch << 5),
 *           high - high / 8, high_min), then the excess over high drains.
 *         With high_min = high_max (pcp_autotune=off, as a set
 *         percpu_pagelist_high_fraction does) high stays fixed.
 *
 * Sources: 2.6.24 fulei0920/linux-2.6.24 mm/page_alloc.c (rmqueue_bulk,
 * buffered_rmqueue, free_hot_cold_page, free_pages_bulk; the commit
 * "Choose pages from the per-cpu list based on migration type"); 3.10
 * harviswang/linux-3.10.99; 6.1 torvalds/linux at dac22531bbd4; 6.7+ a
 * 6.10-era page_pcp.c (nr_pcp_alloc, nr_pcp_high, nr_pcp_free,
 * free_unref_page_commit, decay_pcp_high, rmqueue_pcplist) and 6.18's
 * get_page_from_freelist for ZONE_BELOW_HIGH.
 *
 *         While kswapd reclaims (ZONE_RECLAIM_ACTIVE, sim/reclaim.c) a free
 *         lowers high by max(free_count, batch) toward high_min and drains
 *         from min(4 * batch, high).
 *
 * Not modelled: the cold list, the per-CPU skew of vmstat_update's timer
 * (every pageset decays on the same whole second of simulated time), and
 * vmstat_shepherd leaving idle CPUs' timers off (decay runs for every
 * pageset each second).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcp.h"

#define PCP_BATCH_SCALE_MAX 5           /* CONFIG_PCP_BATCH_SCALE_MAX */
#define COSTLY_ORDER 3                  /* PAGE_ALLOC_COSTLY_ORDER */
#define NONE UINT64_MAX
/* 2.6.24 ring entries carry page_private (the tag) above the page index,
 * which fits in FS_LINK_BITS (29) bits */
#define TAG_SHIFT 30
#define IDX_MASK ((1u << TAG_SHIFT) - 1)

static void ring_grow(struct fs_pcp_ring *r)
{
	uint32_t cap = r->cap ? r->cap * 2 : 64;
	uint32_t *n = malloc(cap * sizeof(*n));

	if (!n)
		abort();
	for (uint32_t i = 0; i < r->len; i++)
		n[i] = r->idx[(r->head + i) % r->cap];
	free(r->idx);
	r->idx = n;
	r->head = 0;
	r->cap = cap;
}

static void push_head(struct fs_pcp_ring *r, uint32_t v)
{
	if (r->len == r->cap)
		ring_grow(r);
	r->head = (r->head + r->cap - 1) % r->cap;
	r->idx[r->head] = v;
	r->len++;
}

static void push_tail(struct fs_pcp_ring *r, uint32_t v)
{
	if (r->len == r->cap)
		ring_grow(r);
	r->idx[(r->head + r->len) % r->cap] = v;
	r->len++;
}

static uint32_t pop_head(struct fs_pcp_ring *r)
{
	uint32_t v = r->idx[r->head];

	r->head = (r->head + 1) % r->cap;
	r->len--;
	return v;
}

static uint32_t pop_tail(struct fs_pcp_ring *r)
{
	r->len--;
	return r->idx[(r->head + r->len) % r->cap];
}

static uint32_t *at(struct fs_pcp_ring *r, uint32_t i)
{
	return &r->idx[(r->head + i) % r->cap];
}

/* list_del of the i-th entry from the head: the entries before it move
 * one place toward the tail, so the cost is the search's */
static uint32_t take_at(struct fs_pcp_ring *r, uint32_t i)
{
	uint32_t v = *at(r, i);

	for (; i; i--)
		*at(r, i) = *at(r, i - 1);
	pop_head(r);
	return v;
}

int fs_pcp_init(struct fs_pcp_set *s, struct fs_machine *m, enum fs_pcp_style style,
		unsigned nr_cpus, const struct fs_pcp_zone_sizes *sizes, fs_pcp_rmqueue_fn fn,
		fs_pcp_high_ok_fn high_ok)
{
	memset(s, 0, sizeof(*s));
	s->style = style;
	s->nr_cpus = nr_cpus ? nr_cpus : 1;
	s->rmqueue = fn;
	s->high_ok = high_ok;
	/* zone_pcp_update_cacheinfo: set when a CPU's share of the data cache
	 * holds more than 3 batches (63 pages: 756 KiB), true of the x86
	 * machines of the last decade */
	s->free_high_batch = true;
	if (style == FS_PCP_OFF)
		return 0;
	s->pcp = calloc((size_t)m->nr_zones * s->nr_cpus, sizeof(*s->pcp));
	if (!s->pcp)
		return -ENOMEM;
	for (unsigned z = 0; z < m->nr_zones; z++)
		for (unsigned c = 0; c < s->nr_cpus; c++) {
			struct fs_pcp *pcp = &s->pcp[z * s->nr_cpus + c];

			pcp->batch = sizes[z].batch;
			/* the kernel's pcp->high starts at 0 and is clamped up
			 * to high_min on first use (nr_pcp_alloc, nr_pcp_high) */
			pcp->high = pcp->high_min = sizes[z].high_min;
			pcp->high_max = sizes[z].high_max < pcp->high_min ? pcp->high_min
									  : sizes[z].high_max;
		}
	return 0;
}

void fs_pcp_release(struct fs_pcp_set *s, const struct fs_machine *m)
{
	if (s->pcp)
		for (unsigned i = 0; i < m->nr_zones * s->nr_cpus; i++)
			for (unsigned l = 0; l < FS_PCP_LISTS; l++)
				free(s->pcp[i].l[l].idx);
	free(s->pcp);
	s->pcp = NULL;
}

static bool high_orders(const struct fs_pcp_set *s)
{
	return s->style == FS_PCP_6_1 || s->style == FS_PCP_6_7;
}

/* pcp_allowed_order (6.1): orders up to PAGE_ALLOC_COSTLY_ORDER and the THP
 * order; before 5.13 order 0 only. */
bool fs_pcp_allowed(const struct fs_pcp_set *s, const struct fs_machine *m, unsigned order,
		    unsigned mt)
{
	if (s->style == FS_PCP_OFF || mt > FS_MT_RECLAIMABLE)
		return false;
	if (!high_orders(s))
		return order == 0;
	return order <= COSTLY_ORDER || order == m->pageblock_order;
}

static unsigned pindex(const struct fs_pcp_set *s, unsigned order, unsigned mt)
{
	if (s->style == FS_PCP_2_6_24)
		return 0;
	if (high_orders(s) && order > COSTLY_ORDER)
		return 3 * (COSTLY_ORDER + 1) + (mt == FS_MT_MOVABLE);
	return 3 * order + mt;
}

static unsigned pindex_to_order(const struct fs_pcp_set *s, const struct fs_machine *m,
				unsigned pi)
{
	if (high_orders(s) && pi >= 3 * (COSTLY_ORDER + 1))
		return m->pageblock_order;
	return pi / 3;
}

static struct fs_pcp *pcp_of(struct fs_pcp_set *s, const struct fs_zone *z, unsigned cpu)
{
	return &s->pcp[z->idx * s->nr_cpus + cpu % s->nr_cpus];
}

static void mark(struct fs_machine *m, struct fs_zone *z, uint64_t idx, unsigned order, int delta)
{
	m->pages[idx] = delta > 0 ? FS_PG_OTHER | (uint64_t)order << 2 : FS_PG_NONE;
	z->pcp_pages += (uint64_t)(delta * (1ll << order));
}

/* Return one page from a pcp list to the buddy, with the pageblock's type
 * at drain time (6.1+ get_pfnblock_migratetype, 2.6.24 __free_one_page's
 * get_pageblock_migratetype; 3.10 cached it at free time, which is the
 * same unless the block was retyped meanwhile). */
static void drain_one(struct fs_machine *m, struct fs_zone *z, struct fs_pcp *pcp, uint32_t v,
		      unsigned order, bool tagged)
{
	uint32_t idx = v & IDX_MASK;
	uint64_t pfn = m->base_pfn + idx;

	if (tagged)
		pcp->nr_tagged[v >> TAG_SHIFT]--;
	mark(m, z, idx, order, -1);
	pcp->count -= 1ull << order;
	fs_buddy_free(m, z, pfn, order, fs_pb_type(m, pfn), FS_FPI_NONE);
}

/* free_pages_bulk, 2.6.24: count pages from the tail of the one list */
static void bulk_2624(struct fs_machine *m, struct fs_zone *z, struct fs_pcp *pcp,
		      uint64_t count)
{
	while (count-- && pcp->l[0].len)
		drain_one(m, z, pcp, pop_tail(&pcp->l[0]), 0, true);
}

/* free_pcppages_bulk, 3.10 / 4.19: round-robin over the type lists,
 * batch_free growing past empty lists so fuller lists give more */
static void bulk_3_10(struct fs_machine *m, struct fs_zone *z, struct fs_pcp *pcp,
		      uint64_t to_free)
{
	unsigned mt = 0, batch_free = 0;

	while (to_free && pcp->count) {
		struct fs_pcp_ring *r;

		do {
			batch_free++;
			if (++mt == 3)
				mt = 0;
			r = &pcp->l[mt];
		} while (!r->len);
		if (batch_free == 3)
			batch_free = (unsigned)to_free;
		do {
			drain_one(m, z, pcp, pop_tail(r), 0, false);
		} while (--to_free && --batch_free && r->len);
	}
}

/* free_pcppages_bulk, 6.x: drain list by list from the tails, starting
 * with the list just freed to */
static void bulk_6_1(struct fs_pcp_set *s, struct fs_machine *m, struct fs_zone *z,
		     struct fs_pcp *pcp, uint64_t count, unsigned pi)
{
	int64_t left = (int64_t)(count < pcp->count ? count : pcp->count);
	unsigned i = (pi + FS_PCP_LISTS - 1) % FS_PCP_LISTS;

	while (left > 0) {
		struct fs_pcp_ring *r;
		unsigned order;

		do {
			i = (i + 1) % FS_PCP_LISTS;
			r = &pcp->l[i];
		} while (!r->len);
		order = pindex_to_order(s, m, i);
		do {
			drain_one(m, z, pcp, pop_tail(r), order, false);
			left -= 1ll << order;
		} while (left > 0 && r->len);
	}
}

static void bulk(struct fs_pcp_set *s, struct fs_machine *m, struct fs_zone *z,
		 struct fs_pcp *pcp, uint64_t count, unsigned pi)
{
	switch (s->style) {
	case FS_PCP_2_6_24:
		bulk_2624(m, z, pcp, count);
		break;
	case FS_PCP_3_10:
		bulk_3_10(m, z, pcp, count);
		break;
	default:
		bulk_6_1(s, m, z, pcp, count, pi);
		break;
	}
}

void fs_pcp_drain(struct fs_pcp_set *s, struct fs_machine *m, struct fs_zone *z, int cpu)
{
	for (unsigned c = 0; s->pcp && c < s->nr_cpus; c++) {
		struct fs_pcp *pcp = pcp_of(s, z, c);

		if ((cpu >= 0 && (unsigned)cpu % s->nr_cpus != c) || !pcp->count)
			continue;
		bulk(s, m, z, pcp, pcp->count, 0);
	}
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* nr_pcp_free (5.14 .. 6.6, read: 6.1) */
static uint64_t nr_pcp_free_6_1(struct fs_pcp *pcp, bool free_high)
{
	uint64_t batch = pcp->batch, min_nr = pcp->batch, max_nr;

	if (free_high)
		return pcp->count;
	if (pcp->high < pcp->batch)
		return 1;
	max_nr = pcp->high - pcp->batch;
	batch <<= pcp->free_factor;
	if (batch < max_nr && pcp->free_factor < PCP_BATCH_SCALE_MAX)
		pcp->free_factor++;
	return batch < min_nr ? min_nr : batch > max_nr ? max_nr : batch;
}

/* nr_pcp_free (6.7+): the pages freed in a row, clamped to [batch, high -
 * batch]; after consecutive high-order frees at most batch << 5 */
static uint64_t nr_pcp_free_6_7(const struct fs_pcp *pcp, int64_t batch, int64_t high,
				bool free_high)
{
	if (free_high) {
		int64_t most = batch << PCP_BATCH_SCALE_MAX;

		return (uint64_t)((int64_t)pcp->count < most ? (int64_t)pcp->count : most);
	}
	if (high < batch)
		return 1;
	return (uint64_t)clamp64((int64_t)pcp->free_count, batch, high - batch);
}

/* nr_pcp_high (6.7+): the threshold for this free, tuning pcp->high on
 * the way. */
static int64_t nr_pcp_high(struct fs_pcp_set *s, const struct fs_zone *z, struct fs_pcp *pcp,
			   int64_t batch, bool free_high)
{
	int64_t high_min = (int64_t)pcp->high_min, high_max = (int64_t)pcp->high_max;
	int64_t high = clamp64((int64_t)pcp->high, high_min, high_max);

	pcp->high = (uint64_t)high;
	if (!high)
		return 0;
	if (free_high) {
		pcp->high = (uint64_t)max64(high - (batch << PCP_BATCH_SCALE_MAX), high_min);
		return 0;
	}
	/* if reclaim is active, limit the pages that can stay on the lists */
	if (z->reclaim_active) {
		int64_t free_count = max64((int64_t)pcp->free_count, batch);

		pcp->high = (uint64_t)max64(high - free_count, high_min);
		return (batch << 2) < (int64_t)pcp->high ? batch << 2 : (int64_t)pcp->high;
	}
	if (high_min == high_max)
		return high;
	if (s->below_high[z->idx]) {
		int64_t free_count = max64((int64_t)pcp->free_count, batch);

		pcp->high = (uint64_t)max64(high - free_count, high_min);
		high = max64((int64_t)pcp->count, high_min);
	} else if ((int64_t)pcp->count >= high) {
		int64_t need_high = (int64_t)pcp->free_count + batch;

		/* pcp->high should be large enough to hold batch freed pages */
		if ((int64_t)pcp->high < need_high)
			pcp->high = (uint64_t)clamp64(need_high, high_min, high_max);
	}
	return high;
}

/* nr_pcp_alloc (6.7+): the refill's size in blocks of the order, raising
 * pcp->high by it unless the zone is below its high watermark. */
static uint64_t nr_pcp_alloc(struct fs_pcp_set *s, const struct fs_zone *z, struct fs_pcp *pcp,
			     unsigned order)
{
	int64_t base_batch = (int64_t)pcp->batch, batch;
	int64_t high_min = (int64_t)pcp->high_min, high_max = (int64_t)pcp->high_max;
	int64_t high = clamp64((int64_t)pcp->high, high_min, high_max);

	pcp->high = (uint64_t)high;
	if (high < base_batch)
		return 1;
	batch = order ? base_batch : base_batch << pcp->alloc_factor;
	/* if we had larger pcp->high, we could avoid to allocate from zone */
	if (high_min != high_max && !s->below_high[z->idx]) {
		high = high + batch < high_max ? high + batch : high_max;
		pcp->high = (uint64_t)high;
	}
	if (!order) {
		int64_t max_nr_alloc = max64(high - (int64_t)pcp->count - base_batch, base_batch);

		/* double the refill on each consecutive order-0 refill */
		if (batch <= max_nr_alloc && pcp->alloc_factor < PCP_BATCH_SCALE_MAX)
			pcp->alloc_factor++;
		batch = batch < max_nr_alloc ? batch : max_nr_alloc;
	}
	if (batch > 1)
		batch = max64(batch >> order, 2);
	return (uint64_t)batch;
}

/* decay_pcp_high (6.7+): lower high by an eighth toward high_min (at most
 * to count - batch << 5) and drain what is above it. Whether work is left
 * for the next round. */
static bool decay_pcp_high(struct fs_pcp_set *s, struct fs_machine *m, struct fs_zone *z,
			   struct fs_pcp *pcp)
{
	int64_t high_min = (int64_t)pcp->high_min, batch = (int64_t)pcp->batch;
	int64_t high = (int64_t)pcp->high, to_drain;
	bool todo = false;

	if (high > high_min) {
		high = max64(max64((int64_t)pcp->count - (batch << PCP_BATCH_SCALE_MAX),
				   high - (high >> 3)), high_min);
		pcp->high = (uint64_t)high;
		todo = high > high_min;
	}
	to_drain = (int64_t)pcp->count - (int64_t)pcp->high;
	if (to_drain > 0) {
		bulk_6_1(s, m, z, pcp, (uint64_t)to_drain, 0);
		todo = true;
	}
	return todo;
}

void fs_pcp_tick(struct fs_pcp_set *s, struct fs_policy *p, uint64_t now_ns)
{
	struct fs_machine *m = p->m;
	bool todo;

	if (s->style != FS_PCP_6_7 || now_ns < s->next_decay_ns)
		return;
	/* the first event starts the timer: the next whole second */
	if (!s->next_decay_ns) {
		s->next_decay_ns = (now_ns / FS_PCP_DECAY_NS + 1) * FS_PCP_DECAY_NS;
		return;
	}
	/* every missed second, until a round finds nothing to do */
	do {
		todo = false;
		for (unsigned zi = 0; zi < m->nr_zones; zi++)
			for (unsigned c = 0; c < s->nr_cpus; c++)
				todo |= decay_pcp_high(s, m, &m->zones[zi], pcp_of(s, &m->zones[zi], c));
		s->decays++;
		s->next_decay_ns += FS_PCP_DECAY_NS;
	} while (todo && s->next_decay_ns <= now_ns);
	if (s->next_decay_ns <= now_ns)
		s->next_decay_ns = (now_ns / FS_PCP_DECAY_NS + 1) * FS_PCP_DECAY_NS;
}

/* rmqueue_bulk: `batch` blocks taken one by one with __rmqueue; 6.x and
 * 3.10 append them at the tail; 2.6.24 inserts them after the head in the
 * order taken (list_add after the previous page), tagged with the
 * requested type (set_page_private). Blocks taken. */
static uint64_t rmqueue_bulk(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z,
			     struct fs_pcp *pcp, struct fs_pcp_ring *r, uint64_t batch,
			     unsigned order, unsigned mt)
{
	struct fs_machine *m = p->m;
	uint64_t i;

	for (i = 0; i < batch; i++) {
		uint64_t pfn = s->rmqueue(p, z, order, mt);
		uint32_t idx;

		if (pfn == NONE)
			break;
		idx = (uint32_t)(pfn - m->base_pfn);
		mark(m, z, idx, order, 1);
		pcp->count += 1ull << order;
		if (s->style == FS_PCP_2_6_24) {
			push_head(r, idx | (uint32_t)mt << TAG_SHIFT);
			pcp->nr_tagged[mt]++;
		} else {
			push_tail(r, idx);
		}
	}
	/* 2.6.24: pushed at the head one by one, so reverse them into pfn
	 * order */
	if (s->style == FS_PCP_2_6_24)
		for (uint32_t a = 0, b = (uint32_t)i; b > a + 1; a++, b--) {
			uint32_t t = *at(r, a);

			*at(r, a) = *at(r, b - 1);
			*at(r, b - 1) = t;
		}
	return i;
}

/* buffered_rmqueue, 2.6.24 (order 0): refill an empty list; take the
 * first page tagged with the requested type; if none, refill again and
 * take the head. */
static uint64_t alloc_2624(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z,
			   struct fs_pcp *pcp, unsigned mt)
{
	struct fs_pcp_ring *r = &pcp->l[0];
	uint32_t i = 0, v;

	if (!r->len)
		rmqueue_bulk(s, p, z, pcp, r, pcp->batch, 0, mt);
	if (!r->len)
		return NONE;
	if (!pcp->nr_tagged[mt])
		rmqueue_bulk(s, p, z, pcp, r, pcp->batch, 0, mt);
	if (pcp->nr_tagged[mt])
		while (*at(r, i) >> TAG_SHIFT != mt)
			i++;
	v = take_at(r, i);
	pcp->nr_tagged[v >> TAG_SHIFT]--;
	mark(p->m, z, v & IDX_MASK, 0, -1);
	pcp->count--;
	return p->m->base_pfn + (v & IDX_MASK);
}

uint64_t fs_pcp_alloc(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z,
		      unsigned cpu, unsigned order, unsigned mt)
{
	struct fs_machine *m = p->m;
	struct fs_pcp *pcp = pcp_of(s, z, cpu);
	struct fs_pcp_ring *r;
	uint32_t idx;

	if (s->style == FS_PCP_2_6_24)
		return alloc_2624(s, p, z, pcp, mt);
	r = &pcp->l[pindex(s, order, mt)];
	if (s->style == FS_PCP_6_1)
		pcp->free_factor >>= 1;
	else if (s->style == FS_PCP_6_7)
		pcp->free_count >>= 1;
	if (!r->len) {
		uint64_t batch = pcp->batch;

		if (s->style == FS_PCP_6_7)
			batch = nr_pcp_alloc(s, z, pcp, order);
		else if (s->style == FS_PCP_6_1 && batch > 1)
			batch = batch >> order > 2 ? batch >> order : 2;
		if (!rmqueue_bulk(s, p, z, pcp, r, batch, order, mt))
			return NONE;
	}
	idx = pop_head(r);
	mark(m, z, idx, order, -1);
	pcp->count -= 1ull << order;
	return m->base_pfn + idx;
}

/* free_unref_page_commit, 6.7+ */
static void free_commit_6_7(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z,
			    struct fs_pcp *pcp, unsigned order, unsigned pi)
{
	int64_t batch = (int64_t)pcp->batch, high;
	bool free_high = false;

	if (order && order <= COSTLY_ORDER) {
		free_high = (int64_t)pcp->free_count >= batch && pcp->prev_free_high_order &&
			    (!s->free_high_batch || (int64_t)pcp->count >= batch);
		pcp->prev_free_high_order = true;
	} else {
		pcp->prev_free_high_order = false;
	}
	if ((int64_t)pcp->free_count < batch << PCP_BATCH_SCALE_MAX)
		pcp->free_count += 1ull << order;
	high = nr_pcp_high(s, z, pcp, batch, free_high);
	if ((int64_t)pcp->count >= high) {
		bulk_6_1(s, p->m, z, pcp, nr_pcp_free_6_7(pcp, batch, high, free_high), pi);
		if (s->below_high[z->idx] && s->high_ok && s->high_ok(p, z))
			s->below_high[z->idx] = false;
	}
}

bool fs_pcp_free(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z, unsigned cpu,
		 uint64_t pfn, unsigned order)
{
	struct fs_machine *m = p->m;
	struct fs_pcp *pcp = pcp_of(s, z, cpu);
	unsigned mt = fs_pb_type(m, pfn), pi;
	uint32_t idx = (uint32_t)(pfn - m->base_pfn);
	bool free_high;

	if (mt == FS_MT_ISOLATE)
		return false;
	mark(m, z, idx, order, 1);
	pcp->count += 1ull << order;
	if (s->style == FS_PCP_2_6_24) {
		/* free_hot_cold_page: tagged with get_pageblock_migratetype,
		 * MIGRATE_RESERVE too (slot 3 here): no request asks for it, so
		 * the page waits for a drain or an untyped take */
		push_head(&pcp->l[0], idx | (uint32_t)mt << TAG_SHIFT);
		pcp->nr_tagged[mt]++;
		if (pcp->count >= pcp->high)
			bulk_2624(m, z, pcp, pcp->batch);
		return true;
	}
	if (mt > FS_MT_RECLAIMABLE)
		mt = FS_MT_MOVABLE;       /* HIGHATOMIC, RESERVE and CMA pages go on the MOVABLE list */
	pi = pindex(s, order, mt);
	push_head(&pcp->l[pi], idx);
	switch (s->style) {
	case FS_PCP_3_10:
		if (pcp->count >= pcp->high)
			bulk_3_10(m, z, pcp, pcp->batch);
		break;
	case FS_PCP_6_7:
		/* on freeing, reduce the number of pages batch allocated */
		pcp->alloc_factor >>= 1;
		free_commit_6_7(s, p, z, pcp, order, pi);
		break;
	default:
		/* 6.1: high-order frees while already freeing drain everything */
		free_high = pcp->free_factor && order && order <= COSTLY_ORDER;
		if (pcp->count >= (free_high ? 0 : pcp->high))
			bulk_6_1(s, m, z, pcp, nr_pcp_free_6_1(pcp, free_high), pi);
		break;
	}
	return true;
}
