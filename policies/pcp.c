/* pcp.c - per-CPU pagesets ("pcp"), the lists that sit between callers and
 * the buddy free lists for small orders (mm/page_alloc.c: rmqueue_pcplist,
 * rmqueue_bulk, free_unref_page_commit, free_pcppages_bulk; 3.10 and 6.1).
 *
 * A page on a pcp list is allocated as far as the buddy allocator is
 * concerned: it does not merge and is not in nr_free. Its page slot is
 * FS_PG_OTHER with its order, and the zone's pcp_pages counts it.
 *
 * Modelled: lists per migrate type (3.10, 4.19: order 0; 6.x: orders 0..3
 * and the THP order, index 3 * order + type, THP lists movable/other),
 * refills of `batch` pages taken one by one with __rmqueue and appended at
 * the tail (6.x: max(batch >> order, 2)), allocation from the head, frees
 * to the head of the list of the pageblock's current type (HIGHATOMIC and
 * CMA to MOVABLE, ISOLATE straight to the buddy), and drains when count
 * reaches high: 3.10/4.19 free `batch` pages round-robin over the lists
 * from their tails (batch_free), 6.x free nr_pcp_free() pages (batch
 * doubled per consecutive drain up to 2^5, clamped to [batch, high -
 * batch]; everything after consecutive high-order frees), list by list
 * from the tails starting with the list freed to. high is fixed at its
 * boot value: 6.7+'s auto-tuning between high_min and high_max is not
 * modelled.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pcp.h"

#define PCP_BATCH_SCALE_MAX 5           /* CONFIG_PCP_BATCH_SCALE_MAX */
#define COSTLY_ORDER 3                  /* PAGE_ALLOC_COSTLY_ORDER */
#define NONE UINT64_MAX

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

int fs_pcp_init(struct fs_pcp_set *s, struct fs_machine *m, enum fs_pcp_style style,
		unsigned nr_cpus, const uint64_t *batch, const uint64_t *high, fs_pcp_rmqueue_fn fn)
{
	memset(s, 0, sizeof(*s));
	s->style = style;
	s->nr_cpus = nr_cpus ? nr_cpus : 1;
	s->rmqueue = fn;
	if (style == FS_PCP_OFF)
		return 0;
	s->pcp = calloc((size_t)m->nr_zones * s->nr_cpus, sizeof(*s->pcp));
	if (!s->pcp)
		return -ENOMEM;
	for (unsigned z = 0; z < m->nr_zones; z++)
		for (unsigned c = 0; c < s->nr_cpus; c++) {
			s->pcp[z * s->nr_cpus + c].batch = batch[z];
			s->pcp[z * s->nr_cpus + c].high = high[z];
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

/* pcp_allowed_order (6.1): orders up to PAGE_ALLOC_COSTLY_ORDER and the THP
 * order; before 5.13 order 0 only. */
bool fs_pcp_allowed(const struct fs_pcp_set *s, const struct fs_machine *m, unsigned order,
		    unsigned mt)
{
	if (s->style == FS_PCP_OFF || mt > FS_MT_RECLAIMABLE)
		return false;
	if (s->style == FS_PCP_3_10)
		return order == 0;
	return order <= COSTLY_ORDER || order == m->pageblock_order;
}

static unsigned pindex(const struct fs_pcp_set *s, unsigned order, unsigned mt)
{
	if (s->style == FS_PCP_6_1 && order > COSTLY_ORDER)
		return 3 * (COSTLY_ORDER + 1) + (mt == FS_MT_MOVABLE);
	return 3 * order + mt;
}

static unsigned pindex_to_order(const struct fs_pcp_set *s, const struct fs_machine *m,
				unsigned pi)
{
	if (s->style == FS_PCP_6_1 && pi >= 3 * (COSTLY_ORDER + 1))
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
 * at drain time (6.1+ get_pfnblock_migratetype; 3.10 cached it at free
 * time, which is the same unless the block was retyped meanwhile). */
static void drain_one(struct fs_machine *m, struct fs_zone *z, struct fs_pcp *pcp, uint32_t idx,
		      unsigned order)
{
	uint64_t pfn = m->base_pfn + idx;

	mark(m, z, idx, order, -1);
	pcp->count -= 1ull << order;
	fs_buddy_free(m, z, pfn, order, fs_pb_type(m, pfn), FS_FPI_NONE);
}

/* free_pcppages_bulk, 3.10 / 4.19: round-robin over the type lists,
 * batch_free growing past empty lists so fuller lists give more */
static void bulk_3_10(struct fs_pcp_set *s, struct fs_machine *m, struct fs_zone *z,
		      struct fs_pcp *pcp, uint64_t to_free)
{
	unsigned mt = 0, batch_free = 0;

	(void)s;
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
			drain_one(m, z, pcp, pop_tail(r), 0);
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
			drain_one(m, z, pcp, pop_tail(r), order);
			left -= 1ll << order;
		} while (left > 0 && r->len);
	}
}

void fs_pcp_drain(struct fs_pcp_set *s, struct fs_machine *m, struct fs_zone *z, int cpu)
{
	for (unsigned c = 0; s->pcp && c < s->nr_cpus; c++) {
		struct fs_pcp *pcp = pcp_of(s, z, c);

		if ((cpu >= 0 && (unsigned)cpu % s->nr_cpus != c) || !pcp->count)
			continue;
		if (s->style == FS_PCP_3_10)
			bulk_3_10(s, m, z, pcp, pcp->count);
		else
			bulk_6_1(s, m, z, pcp, pcp->count, 0);
	}
}

/* nr_pcp_free (6.1) */
static uint64_t nr_pcp_free(struct fs_pcp *pcp, bool free_high)
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

uint64_t fs_pcp_alloc(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z,
		      unsigned cpu, unsigned order, unsigned mt)
{
	struct fs_machine *m = p->m;
	struct fs_pcp *pcp = pcp_of(s, z, cpu);
	struct fs_pcp_ring *r = &pcp->l[pindex(s, order, mt)];
	uint32_t idx;

	if (s->style == FS_PCP_6_1)
		pcp->free_factor >>= 1;
	if (!r->len) {
		uint64_t batch = pcp->batch;

		if (s->style == FS_PCP_6_1 && batch > 1)
			batch = batch >> order > 2 ? batch >> order : 2;
		/* rmqueue_bulk: __rmqueue one page at a time, appended */
		for (uint64_t i = 0; i < batch; i++) {
			uint64_t pfn = s->rmqueue(p, z, order, mt);

			if (pfn == NONE)
				break;
			push_tail(r, (uint32_t)(pfn - m->base_pfn));
			mark(m, z, pfn - m->base_pfn, order, 1);
			pcp->count += 1ull << order;
		}
		if (!r->len)
			return NONE;
	}
	idx = pop_head(r);
	mark(m, z, idx, order, -1);
	pcp->count -= 1ull << order;
	return m->base_pfn + idx;
}

bool fs_pcp_free(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z, unsigned cpu,
		 uint64_t pfn, unsigned order)
{
	struct fs_machine *m = p->m;
	struct fs_pcp *pcp = pcp_of(s, z, cpu);
	unsigned mt = fs_pb_type(m, pfn), pi;
	bool free_high;

	if (mt == FS_MT_ISOLATE)
		return false;
	if (mt > FS_MT_RECLAIMABLE)
		mt = FS_MT_MOVABLE;       /* HIGHATOMIC and CMA pages go on the MOVABLE list */
	pi = pindex(s, order, mt);
	push_head(&pcp->l[pi], (uint32_t)(pfn - m->base_pfn));
	mark(m, z, pfn - m->base_pfn, order, 1);
	pcp->count += 1ull << order;
	if (s->style == FS_PCP_3_10) {
		if (pcp->count >= pcp->high)
			bulk_3_10(s, m, z, pcp, pcp->batch);
		return true;
	}
	/* 6.1: high-order frees while already freeing drain everything */
	free_high = pcp->free_factor && order && order <= COSTLY_ORDER;
	if (pcp->count >= (free_high ? 0 : pcp->high))
		bulk_6_1(s, m, z, pcp, nr_pcp_free(pcp, free_high), pi);
	return true;
}
