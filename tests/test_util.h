/* test_util.h - helpers shared by the unit tests: machine construction,
 * free-list walking (decoding the page slots), comparison against the
 * reference model, and a fixed-seed PRNG. */
#ifndef FRAGSIM_TEST_UTIL_H
#define FRAGSIM_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "fragsim.h"
#include "ref_model.h"

/* xorshift64*: deterministic, seed must be non-zero */
struct tu_rng {
	uint64_t s;
};
static inline void tu_rng_seed(struct tu_rng *g, uint64_t seed)
{
	g->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}
static inline uint64_t tu_rand(struct tu_rng *g)
{
	uint64_t x = g->s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	g->s = x;
	return x * 0x2545f4914f6cdd1dull;
}
/* uniform in [0, n), n > 0 */
static inline uint64_t tu_below(struct tu_rng *g, uint64_t n)
{
	return tu_rand(g) % n;
}
/* true with probability pct/100 */
static inline bool tu_chance(struct tu_rng *g, unsigned pct)
{
	return tu_below(g, 100) < pct;
}
/* an order in 0..max skewed to small ones: P(o) = 2^-(o+1), the rest at max */
static inline unsigned tu_skewed_order(struct tu_rng *g, unsigned max)
{
	return (unsigned)__builtin_ctzll(tu_rand(g) | (1ull << max));
}

/* A one-zone layout: zone [start, start + nr) with max_order, pageblock
 * order min(9, max_order), no holes. */
void tu_layout(struct fs_layout *l, uint64_t start_pfn, uint64_t nr_pages, unsigned max_order);
/* Two zones of zone_pages each: DMA32 from pfn 0, Normal right after it
 * (a zonelist with a fallback zone, as ALLOC_NOFRAGMENT needs). */
void tu_layout_two(struct fs_layout *l, uint64_t zone_pages, unsigned max_order, unsigned pbo);
/* fs_machine_new + merge_likely + fs_machine_populate(m, 0); asserts. */
struct fs_machine *tu_machine_from(const struct fs_layout *l, bool merge_likely);
struct fs_machine *tu_machine(uint64_t start_pfn, uint64_t nr_pages, unsigned max_order,
			      bool merge_likely);

/* Slot decoding (bit layout of sim/buddy.c, documented in fragsim.h). */
uint32_t tu_slot_next(uint64_t slot);
uint32_t tu_slot_prev(uint64_t slot);

/* Walk zone z's list (order, cls) from the head via the slot links; store up
 * to max pfns in out. Returns the number of blocks walked, or -1 if the
 * walk is longer than the machine (a cycle) or a prev link is wrong. */
long tu_list_pfns(const struct fs_machine *m, const struct fs_zone *z, unsigned order,
		  unsigned cls, uint64_t *out, size_t max);

/* Assert that zone z of m and the reference model have the same nr_free,
 * free_pages and list contents in the same order. ctx is printed. */
void tu_compare(const struct fs_machine *m, const struct fs_zone *z,
		const struct ref_model *r, const char *ctx);

/* Assert fs_check_machine(m) == 0. */
void tu_check(const struct fs_machine *m, const char *ctx);

/* A simulation of one zone of `pages` from pfn 0 under policy spec, or
 * NULL if fs_sim_new refuses it; tu_sim asserts that it does not. */
struct fs_sim *tu_try_sim(const char *spec, uint64_t pages, unsigned max_order, unsigned pbo);
struct fs_sim *tu_sim(const char *spec, uint64_t pages, unsigned max_order, unsigned pbo);

/* Make pfn's pageblock of `type` and move its free blocks (none larger than
 * the pageblock) to the tails of that type's lists in pfn order, as a claim
 * would; asserts the checker agrees. */
void tu_retype(struct fs_sim *s, uint64_t pfn, unsigned type);

/* An event with a migrate type through fs_sim_apply (checker must pass),
 * and an allocation placed exactly at pfn; ctx names the case in failures. */
void tu_apply_mt(struct fs_sim *s, unsigned kind, uint64_t ident, unsigned order, unsigned mt,
		 const char *ctx);
void tu_at(struct fs_sim *s, uint64_t pfn, unsigned order, unsigned mt, const char *ctx);

/* A /tmp file holding len bytes of data; the caller unlinks it and frees the path. */
char *tu_tmpfile(const void *data, size_t len);

#endif
