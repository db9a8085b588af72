/* ref_model.c - the naive reference buddy allocator (see ref_model.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ref_model.h"

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		abort();
	return p;
}

static void ref_die(const char *what, uint64_t pfn, unsigned order)
{
	fprintf(stderr, "ref_model: %s (pfn %llu order %u)\n", what,
		(unsigned long long)pfn, order);
	abort();
}

struct ref_model *ref_new(uint64_t start_pfn, uint64_t nr_pages, unsigned max_order,
			  bool merge_likely)
{
	struct ref_model *r = xcalloc(1, sizeof(*r));

	if (max_order >= REF_NR_ORDERS)
		ref_die("max_order too large", start_pfn, max_order);
	r->start_pfn = start_pfn;
	r->end_pfn = start_pfn + nr_pages;
	r->max_order = max_order;
	r->merge_likely = merge_likely;
	r->order_of_free_head = xcalloc(nr_pages, sizeof(int));
	r->hole = xcalloc(nr_pages, sizeof(bool));
	for (uint64_t i = 0; i < nr_pages; i++)
		r->order_of_free_head[i] = -1;
	return r;
}

void ref_free_model(struct ref_model *r)
{
	if (!r)
		return;
	for (unsigned o = 0; o < REF_NR_ORDERS; o++)
		free(r->list[o].pfn);
	free(r->order_of_free_head);
	free(r->hole);
	free(r);
}

bool ref_in_zone(const struct ref_model *r, uint64_t pfn)
{
	return pfn >= r->start_pfn && pfn < r->end_pfn;
}

int ref_order_at(const struct ref_model *r, uint64_t pfn)
{
	if (!ref_in_zone(r, pfn))
		return -1;
	return r->order_of_free_head[pfn - r->start_pfn];
}

uint64_t ref_present_pages(const struct ref_model *r)
{
	uint64_t n = 0;

	for (uint64_t pfn = r->start_pfn; pfn < r->end_pfn; pfn++)
		n += !r->hole[pfn - r->start_pfn];
	return n;
}

/* ---- the lists: plain arrays, element 0 is the head ---- */

static void list_insert(struct ref_list *l, size_t pos, uint64_t pfn)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->pfn = realloc(l->pfn, l->cap * sizeof(uint64_t));
		if (!l->pfn)
			abort();
	}
	memmove(&l->pfn[pos + 1], &l->pfn[pos], (l->n - pos) * sizeof(uint64_t));
	l->pfn[pos] = pfn;
	l->n++;
}

static void list_remove(struct ref_list *l, uint64_t pfn)
{
	for (size_t i = 0; i < l->n; i++) {
		if (l->pfn[i] == pfn) {
			memmove(&l->pfn[i], &l->pfn[i + 1], (l->n - i - 1) * sizeof(uint64_t));
			l->n--;
			return;
		}
	}
	ref_die("list_remove: pfn not on its list", pfn, 0);
}

/* Make [pfn, 2^order) a free block: mark its head, put it on a list. */
static void add_block(struct ref_model *r, uint64_t pfn, unsigned order, bool tail)
{
	struct ref_list *l = &r->list[order];

	if (!ref_in_zone(r, pfn) || r->order_of_free_head[pfn - r->start_pfn] != -1)
		ref_die("add_block: bad pfn", pfn, order);
	r->order_of_free_head[pfn - r->start_pfn] = (int)order;
	list_insert(l, tail ? l->n : 0, pfn);
	r->nr_free[order]++;
	r->free_pages += 1ull << order;
}

static void del_block(struct ref_model *r, uint64_t pfn)
{
	int order = ref_order_at(r, pfn);

	if (order < 0)
		ref_die("del_block: not a free head", pfn, 0);
	list_remove(&r->list[order], pfn);
	r->order_of_free_head[pfn - r->start_pfn] = -1;
	r->nr_free[order]--;
	r->free_pages -= 1ull << order;
}

/* ---- queries ---- */

uint64_t ref_find_block(const struct ref_model *r, uint64_t pfn, unsigned *order)
{
	for (unsigned o = 0; o <= r->max_order; o++) {
		uint64_t head = pfn & ~((1ull << o) - 1);

		if (ref_order_at(r, head) == (int)o) {
			if (order)
				*order = o;
			return head;
		}
	}
	return REF_NONE;
}

bool ref_page_is_free(const struct ref_model *r, uint64_t pfn)
{
	return ref_find_block(r, pfn, NULL) != REF_NONE;
}

/* ---- the allocator ---- */

uint64_t ref_rmqueue(struct ref_model *r, unsigned order)
{
	for (unsigned o = order; o <= r->max_order; o++) {
		uint64_t pfn;

		if (r->list[o].n == 0)
			continue;
		pfn = r->list[o].pfn[0];
		del_block(r, pfn);
		/* expand(): upper halves to the head, keep the lowest piece */
		while (o > order) {
			o--;
			add_block(r, pfn + (1ull << o), o, false);
		}
		return pfn;
	}
	return REF_NONE;
}

void ref_free(struct ref_model *r, uint64_t pfn, unsigned order, bool to_tail)
{
	bool tail;

	/* catch test-driver bugs: only allocated present pages may be freed */
	if (order > r->max_order || (pfn & ((1ull << order) - 1)))
		ref_die("ref_free: bad order or alignment", pfn, order);
	for (uint64_t p = pfn; p < pfn + (1ull << order); p++)
		if (!ref_in_zone(r, p) || r->hole[p - r->start_pfn] || ref_page_is_free(r, p))
			ref_die("ref_free: page outside the zone, in a hole or free", p, order);

	while (order < r->max_order) {
		uint64_t buddy = pfn ^ (1ull << order);

		if (ref_order_at(r, buddy) != (int)order)
			break;
		del_block(r, buddy);
		pfn = pfn & buddy;
		order++;
	}

	if (to_tail) {
		tail = true;
	} else if (r->merge_likely && order + 1 < r->max_order) {
		/* buddy_merge_likely(): is the buddy of the enclosing order+1
		 * block a free head of exactly order+1? */
		uint64_t buddy = pfn ^ (1ull << order);
		uint64_t higher = buddy & pfn;
		uint64_t higher_buddy = higher ^ (1ull << (order + 1));

		/* page_is_buddy(higher_page, higher_buddy): both in the same
		 * zone; in this one-zone model, both inside the zone */
		tail = higher >= r->start_pfn && higher < r->end_pfn &&
		       ref_order_at(r, higher_buddy) == (int)(order + 1);
	} else {
		tail = false;
	}
	add_block(r, pfn, order, tail);
}

int ref_take(struct ref_model *r, uint64_t pfn, unsigned order)
{
	unsigned o;
	uint64_t head;

	if (pfn & ((1ull << order) - 1))
		return -EINVAL;
	head = ref_find_block(r, pfn, &o);
	if (head == REF_NONE || o < order)
		return -EBUSY;
	del_block(r, head);
	while (o > order) {
		uint64_t half = 1ull << (o - 1);

		o--;
		if (pfn >= head + half) {
			add_block(r, head, o, false);          /* lower half is free */
			head += half;
		} else {
			add_block(r, head + half, o, false);   /* upper half is free */
		}
	}
	return 0;
}

void ref_add_hole(struct ref_model *r, uint64_t pfn, uint64_t n)
{
	for (uint64_t p = pfn; p < pfn + n; p++)
		if (ref_in_zone(r, p))
			r->hole[p - r->start_pfn] = true;
}

/* memblock_free_all -> __free_pages_memory for each present range */
void ref_populate(struct ref_model *r)
{
	uint64_t pfn = r->start_pfn;

	while (pfn < r->end_pfn) {
		uint64_t start, end;

		if (r->hole[pfn - r->start_pfn]) {
			pfn++;
			continue;
		}
		start = pfn;
		while (pfn < r->end_pfn && !r->hole[pfn - r->start_pfn])
			pfn++;
		end = pfn;
		while (start < end) {
			unsigned order = start ? (unsigned)__builtin_ctzll(start) : r->max_order;

			if (order > r->max_order)
				order = r->max_order;
			while (start + (1ull << order) > end)
				order--;
			ref_free(r, start, order, true);
			start += 1ull << order;
		}
	}
}
