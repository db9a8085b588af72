/* ref_model.h - a naive reference model of the Linux buddy allocator, for
 * differential tests against sim/buddy.c.
 *
 * Written for obviousness, not speed: one int per page saying "this page is
 * the head of a free block of order o" (-1 otherwise), and per order a plain
 * array of pfns where element 0 is the list head. Inserting at the head is a
 * memmove, removing is a linear search. One zone, one free-list class (plain
 * buddy), optional holes. All pfn arithmetic is on absolute pfns, as the
 * kernel's __find_buddy_pfn does.
 *
 * Semantics (Linux 6.12 mm/page_alloc.c, as documented in sim/buddy.c):
 *   rmqueue   __rmqueue_smallest: the head of the first non-empty list from
 *             the requested order up; expand() puts upper halves on the HEAD
 *             of their lists and returns the lowest piece.
 *   free      __free_one_page: merge while pfn ^ (1 << order) is a free head
 *             of exactly that order inside the zone, merged start pfn & buddy,
 *             stop at max_order; then tail if FPI_TO_TAIL, else tail iff
 *             merge_likely and buddy_merge_likely(), else head.
 *   populate  memblock_free_all: maximal naturally aligned blocks of each
 *             present range in ascending order, each freed with FPI_TO_TAIL.
 *   take      break_down_buddy_pages: remove the free block containing the
 *             range, halve it, the half NOT holding the target to the HEAD of
 *             its list, down to the target order; -EBUSY if the range is not
 *             inside one free block, -EINVAL if it is misaligned.
 */
#ifndef FRAGSIM_REF_MODEL_H
#define FRAGSIM_REF_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define REF_NR_ORDERS 16
#define REF_NONE UINT64_MAX

struct ref_list {
	uint64_t *pfn;                /* pfn[0] is the head */
	size_t n, cap;
};

struct ref_model {
	uint64_t start_pfn, end_pfn;  /* zone span [start, end) */
	unsigned max_order;
	bool merge_likely;
	int *order_of_free_head;      /* [pfn - start_pfn]: order, or -1 */
	bool *hole;                   /* [pfn - start_pfn] */
	struct ref_list list[REF_NR_ORDERS];
	uint64_t nr_free[REF_NR_ORDERS];
	uint64_t free_pages;
};

struct ref_model *ref_new(uint64_t start_pfn, uint64_t nr_pages, unsigned max_order,
			  bool merge_likely);
void ref_free_model(struct ref_model *r);
/* Mark [pfn, pfn + n) as a hole (clipped to the zone). Before ref_populate. */
void ref_add_hole(struct ref_model *r, uint64_t pfn, uint64_t n);
void ref_populate(struct ref_model *r);

/* __rmqueue_smallest + expand: the pfn, or REF_NONE. */
uint64_t ref_rmqueue(struct ref_model *r, unsigned order);
/* __free_one_page */
void ref_free(struct ref_model *r, uint64_t pfn, unsigned order, bool to_tail);
/* break_down_buddy_pages: 0, -EBUSY or -EINVAL */
int ref_take(struct ref_model *r, uint64_t pfn, unsigned order);

bool ref_in_zone(const struct ref_model *r, uint64_t pfn);
/* order of the free block headed at pfn, -1 if none */
int ref_order_at(const struct ref_model *r, uint64_t pfn);
/* the head of the free block containing pfn (order in *order), or REF_NONE */
uint64_t ref_find_block(const struct ref_model *r, uint64_t pfn, unsigned *order);
bool ref_page_is_free(const struct ref_model *r, uint64_t pfn);
uint64_t ref_present_pages(const struct ref_model *r);

#endif
