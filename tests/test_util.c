/* test_util.c - see test_util.h */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"

/* page slots, FREE kind: bits 6-34 prev index, bits 35-63 next index */
#define TU_PREV_SHIFT 6
#define TU_NEXT_SHIFT 35

uint32_t tu_slot_next(uint64_t slot)
{
	return (uint32_t)((slot >> TU_NEXT_SHIFT) & FS_NIL);
}

uint32_t tu_slot_prev(uint64_t slot)
{
	return (uint32_t)((slot >> TU_PREV_SHIFT) & FS_NIL);
}

void tu_layout(struct fs_layout *l, uint64_t start_pfn, uint64_t nr_pages, unsigned max_order)
{
	fs_layout_single(l, nr_pages);
	l->zones[0].start_pfn = start_pfn;
	l->zones[0].nr_pages = nr_pages;
	l->max_order = max_order;
	l->pageblock_order = max_order < 9 ? max_order : 9;
}

void tu_layout_two(struct fs_layout *l, uint64_t zone_pages, unsigned max_order, unsigned pbo)
{
	fs_layout_single(l, 2 * zone_pages);
	l->nr_zones = 2;
	snprintf(l->zones[0].name, sizeof(l->zones[0].name), "DMA32");
	l->zones[0].start_pfn = 0;
	l->zones[0].nr_pages = zone_pages;
	snprintf(l->zones[1].name, sizeof(l->zones[1].name), "Normal");
	l->zones[1].start_pfn = zone_pages;
	l->zones[1].nr_pages = zone_pages;
	l->max_order = max_order;
	l->pageblock_order = pbo;
}

struct fs_machine *tu_machine_from(const struct fs_layout *l, bool merge_likely)
{
	struct fs_err err = { { 0 } };
	struct fs_layout copy = *l;
	struct fs_machine *m;
	int rc = fs_layout_validate(&copy, &err);

	cr_assert_eq(rc, 0, "fs_layout_validate: %s", err.msg);
	m = fs_machine_new(&copy, &err);
	cr_assert_not_null(m, "fs_machine_new: %s", err.msg);
	m->merge_likely = merge_likely;
	fs_machine_populate(m, 0);
	return m;
}

struct fs_machine *tu_machine(uint64_t start_pfn, uint64_t nr_pages, unsigned max_order,
			      bool merge_likely)
{
	struct fs_layout l;

	tu_layout(&l, start_pfn, nr_pages, max_order);
	return tu_machine_from(&l, merge_likely);
}

long tu_list_pfns(const struct fs_machine *m, const struct fs_zone *z, unsigned order,
		  unsigned cls, uint64_t *out, size_t max)
{
	const struct fs_free_list *l = &z->lists[order][cls];
	uint32_t idx = l->head, prev = FS_NIL;
	long n = 0;

	while (idx != FS_NIL) {
		if ((uint64_t)n > m->nr_pages || idx >= m->nr_pages)
			return -1;
		if (tu_slot_prev(m->pages[idx]) != prev)
			return -1;
		if ((size_t)n < max)
			out[n] = m->base_pfn + idx;
		n++;
		prev = idx;
		idx = tu_slot_next(m->pages[idx]);
	}
	if (l->tail != prev)
		return -1;
	return n;
}

void tu_compare(const struct fs_machine *m, const struct fs_zone *z,
		const struct ref_model *r, const char *ctx)
{
	static uint64_t *buf;
	static size_t cap;

	cr_assert_eq(z->free_pages, r->free_pages, "%s: free_pages %llu, reference %llu",
		     ctx, (unsigned long long)z->free_pages, (unsigned long long)r->free_pages);
	for (unsigned o = 0; o < FS_NR_ORDERS; o++) {
		uint64_t want = o < REF_NR_ORDERS ? r->nr_free[o] : 0;
		long n;

		cr_assert_eq(z->nr_free[o], want, "%s: nr_free[%u] %llu, reference %llu", ctx, o,
			     (unsigned long long)z->nr_free[o], (unsigned long long)want);
		if (cap < want + 1) {
			cap = 2 * (want + 1);
			buf = realloc(buf, cap * sizeof(*buf));
			cr_assert_not_null(buf);
		}
		n = tu_list_pfns(m, z, o, 0, buf, cap);
		cr_assert_geq(n, 0, "%s: order %u list links are corrupt", ctx, o);
		cr_assert_eq((uint64_t)n, want, "%s: order %u list has %ld blocks, reference %llu",
			     ctx, o, n, (unsigned long long)want);
		cr_assert_eq(z->lists[o][0].count, want, "%s: order %u list count %u, reference %llu",
			     ctx, o, z->lists[o][0].count, (unsigned long long)want);
		for (long i = 0; i < n; i++)
			cr_assert_eq(buf[i], r->list[o].pfn[i],
				     "%s: order %u list position %ld: pfn %llu, reference %llu",
				     ctx, o, i, (unsigned long long)buf[i],
				     (unsigned long long)r->list[o].pfn[i]);
		for (unsigned c = 1; c < FS_NR_CLASSES; c++)
			cr_assert_eq(z->lists[o][c].head, FS_NIL,
				     "%s: order %u class %u list not empty", ctx, o, c);
	}
}

void tu_check(const struct fs_machine *m, const char *ctx)
{
	struct fs_err err = { { 0 } };
	int rc = fs_check_machine(m, &err);

	cr_assert_eq(rc, 0, "%s: fs_check_machine: %s", ctx, err.msg);
}

struct fs_sim *tu_try_sim(const char *spec, uint64_t pages, unsigned max_order, unsigned pbo)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };

	fs_layout_single(&l, pages);
	l.max_order = max_order;
	l.pageblock_order = pbo;
	return fs_sim_new(&s, &l, spec, FS_PLACE_POLICY, &err) ? NULL : s;
}

struct fs_sim *tu_sim(const char *spec, uint64_t pages, unsigned max_order, unsigned pbo)
{
	struct fs_sim *s = tu_try_sim(spec, pages, max_order, pbo);

	cr_assert_not_null(s, "fs_sim_new(\"%s\") refused a %llu-page machine", spec,
			   (unsigned long long)pages);
	return s;
}

/* Make pfn's pageblock of `type` and move its free blocks (none may be
 * larger than the pageblock) to the tails of that type's lists, in pfn
 * order. A construction step: the kernel state it yields is one a claim
 * produces. */
void tu_retype(struct fs_sim *s, uint64_t pfn, unsigned type)
{
	struct fs_machine *m = s->m;
	struct fs_zone *z = fs_machine_zone_of(m, pfn);
	uint64_t pbn = 1ull << m->pageblock_order, start = pfn & ~(pbn - 1);
	struct fs_err err = { { 0 } };

	fs_pb_set_type(m, start, type);
	for (uint64_t q = start; q < start + pbn;) {
		uint64_t slot = m->pages[q - m->base_pfn];

		if (fs_pg_kind(slot) == FS_PG_FREE) {
			unsigned o = fs_buddy_order(m, q - m->base_pfn);

			cr_assert_leq(o, m->pageblock_order, "retype: free block larger than the pageblock");
			fs_buddy_del(m, z, q);
			fs_buddy_add(m, z, q, o, type, true);
			q += 1ull << o;
		} else if (fs_pg_kind(slot) == FS_PG_ALLOC) {
			q += 1ull << ((slot >> 2) & 15);
		} else {
			q++;
		}
	}
	cr_assert_eq(fs_check(s, &err), 0, "retype: %s", err.msg);
}

/* Apply one event with a migrate type (time advancing 1 us per event);
 * asserts the invariant checker passes. ctx names the case. */
void tu_apply_mt(struct fs_sim *s, unsigned kind, uint64_t ident, unsigned order, unsigned mt,
		 const char *ctx)
{
	static uint64_t t;
	struct fs_event e = {
		.time_ns = t += 1000, .ident = ident, .kind = (uint8_t)kind,
		.order = (uint8_t)order, .mt = (uint8_t)mt, .flags = FS_EVF_HAS_MT,
	};

	cr_assert_eq(fs_sim_apply(s, &e), 0, "%s: %s %#llx order %u: invariant check failed", ctx,
		     kind == FS_EV_ALLOC ? "alloc" : "free", (unsigned long long)ident, order);
}

/* Place an allocation exactly at pfn (--placement trace); identity = pfn. */
void tu_at(struct fs_sim *s, uint64_t pfn, unsigned order, unsigned mt, const char *ctx)
{
	uint64_t before = s->c.allocs;

	s->placement = FS_PLACE_TRACE;
	tu_apply_mt(s, FS_EV_ALLOC, pfn, order, mt, ctx);
	s->placement = FS_PLACE_POLICY;
	cr_assert_eq(s->c.allocs, before + 1, "%s: pfn %llu order %u could not be placed exactly", ctx,
		     (unsigned long long)pfn, order);
}

char *tu_tmpfile(const void *data, size_t len)
{
	char *path = malloc(64);
	int fd;

	snprintf(path, 64, "/tmp/fragsim-test-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}
