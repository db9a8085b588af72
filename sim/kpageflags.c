/* kpageflags.c - the free blocks a real machine had, from /proc/kpageflags.
 *
 * fs/proc/page.c:kpageflags_read writes one u64 per pfn; stable_page_flags
 * sets KPF_BUDDY (bit 10) for free pages and KPF_NOPAGE (bit 20) where no
 * struct page exists. The documentation says only a free block's first
 * page is flagged, but on the traced 6.18 kernel every page of a free block
 * is (../shared/traces/README.md item 11), and the order is not exported.
 *
 * A run of flagged pages is therefore cut into blocks as the allocator
 * itself would hold them: __free_one_page merges a freed block with its
 * buddy whenever the buddy is free with the same order, so a fully merged
 * free area is exactly the run cut into the largest naturally aligned
 * blocks (as __free_pages_memory cuts a range), capped at MAX_PAGE_ORDER
 * and never crossing a zone boundary (page_is_buddy's zone check). The
 * layout is ambiguous only where the kernel did not merge two free buddies:
 * at pageblock_order and above when the pageblocks' types are not both
 * mergeable (HIGHATOMIC, ISOLATE; __free_one_page's migratetype_is_mergeable
 * guard). A buddyinfo taken at the same moment settles that: while it has
 * fewer blocks of an order than the cut, the highest block of that order is
 * split in two (fs_kpf_settle). When buddyinfo and kpageflags disagree on
 * the number of free pages they were not taken at the same moment, and no
 * block is split. Pages on per-CPU lists and pages isolated by free-page
 * reporting or compaction are not PageBuddy: they are "allocated". */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kexact.h"
#include "procfs.h"

#define BLK(pfn, o) ((uint64_t)(pfn) << 4 | (o))
#define BLK_PFN(b) ((b) >> 4)
#define BLK_ORDER(b) ((unsigned)((b) & 15))

static void push(struct fs_kpf_state *st, uint64_t *cap, uint64_t b)
{
	if (st->nr_blocks == *cap) {
		*cap = *cap ? *cap * 2 : 1024;
		st->blocks = fs_xrealloc(st->blocks, *cap * sizeof(*st->blocks));
	}
	st->blocks[st->nr_blocks++] = b;
}

/* [start, end) of free pages in zone zi -> the largest aligned blocks */
static void cut_run(struct fs_kpf_state *st, uint64_t *cap, const struct fs_machine *m,
		    unsigned zi, uint64_t start, uint64_t end)
{
	while (start < end) {
		unsigned o = start ? (unsigned)__builtin_ctzll(start) : m->max_order;

		if (o > m->max_order)
			o = m->max_order;
		while (start + (1ull << o) > end)
			o--;
		push(st, cap, BLK(start, o));
		st->nr_free[zi][o]++;
		st->free_pages[zi] += 1ull << o;
		start += 1ull << o;
	}
}

void fs_kpf_build(struct fs_kpf_state *st, const uint64_t *words, uint64_t nr_pfns,
		  const struct fs_machine *m)
{
	uint64_t cap = 0;

	st->nr_pfns = nr_pfns;
	for (uint64_t pfn = 0; pfn < nr_pfns; pfn++)
		st->nopage += (words[pfn] >> FS_KPF_NOPAGE) & 1;
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct fs_zone *z = &m->zones[zi];
		uint64_t end = z->end_pfn < nr_pfns ? z->end_pfn : nr_pfns;

		for (uint64_t pfn = z->start_pfn; pfn < end;) {
			uint64_t run;

			if (!((words[pfn] >> FS_KPF_BUDDY) & 1) || ((words[pfn] >> FS_KPF_NOPAGE) & 1)) {
				pfn++;
				continue;
			}
			for (run = pfn; run < end && ((words[run] >> FS_KPF_BUDDY) & 1) &&
					!((words[run] >> FS_KPF_NOPAGE) & 1);
			     run++)
				;
			/* a run may cross a hole of the layout (zoneinfo says
			 * how many pages are missing, not where): free pages
			 * there are ignored and counted */
			for (uint64_t p = pfn; p < run;) {
				uint64_t q = p;

				if (fs_machine_is_hole(m, p)) {
					st->buddy_outside++;
					p++;
					continue;
				}
				while (q < run && !fs_machine_is_hole(m, q))
					q++;
				cut_run(st, &cap, m, zi, p, q);
				p = q;
			}
			pfn = run;
		}
	}
	/* flagged pages below the first zone or above the last */
	for (uint64_t pfn = 0; pfn < nr_pfns; pfn++)
		if (((words[pfn] >> FS_KPF_BUDDY) & 1) && !((words[pfn] >> FS_KPF_NOPAGE) & 1) &&
		    (pfn < m->zones[0].start_pfn || pfn >= m->zones[m->nr_zones - 1].end_pfn))
			st->buddy_outside++;
}

int fs_kpf_load(struct fs_kpf_state *st, const char *path, const struct fs_machine *m,
		struct fs_err *err)
{
	struct fs_input in;
	uint64_t want = m->zones[m->nr_zones - 1].end_pfn, got = 0;
	size_t cap = (size_t)(want + 1) * sizeof(uint64_t), have = 0;
	uint64_t *words;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = fs_input_open(&in, path, err)))
		return rc;
	words = fs_big_alloc(cap);
	if (!words) {
		fs_input_close(&in);
		return fs_error(err, -ENOMEM, "%s: cannot allocate %zu bytes", path, cap);
	}
	/* one word more than the layout needs, to see a longer file */
	for (;;) {
		uint64_t extra;

		if (have == cap) {
			rc = fs_input_read(&in, &extra, sizeof(extra), err);
			if (rc > 0)
				have += (size_t)rc;
			break;
		}
		rc = fs_input_read(&in, (char *)words + have, cap - have, err);
		if (rc <= 0)
			break;
		have += (size_t)rc;
	}
	fs_input_close(&in);
	if (rc < 0) {
		fs_big_free(words, cap);
		return rc;
	}
	got = have / sizeof(uint64_t);
	if (have % sizeof(uint64_t) || got != want) {
		fs_big_free(words, cap);
		return fs_error(err, -EINVAL, "%s: %s%zu bytes (%" PRIu64 " pfns) of kpageflags, but the "
				"machine layout (--machine) ends at pfn 0x%" PRIx64 ", which needs exactly %"
				PRIu64 " bytes: the file and the zoneinfo come from different machines, or "
				"the file is truncated", path, have >= cap ? "more than " : "", have,
				got, want, want * 8);
	}
	fs_kpf_build(st, words, want, m);
	fs_big_free(words, cap);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The highest block of order o in zone z, split in two (o - 1). */
static bool split_one(struct fs_kpf_state *st, const struct fs_zone *z, unsigned o)
{
	for (uint64_t i = st->nr_blocks; i-- > 0;) {
		uint64_t b = st->blocks[i], pfn = BLK_PFN(b);

		if (BLK_ORDER(b) != o || pfn < z->start_pfn || pfn >= z->end_pfn)
			continue;
		st->blocks[i] = BLK(pfn, o - 1);
		st->blocks = fs_xrealloc(st->blocks, (st->nr_blocks + 1) * sizeof(*st->blocks));
		st->blocks[st->nr_blocks++] = BLK(pfn + (1ull << (o - 1)), o - 1);
		return true;
	}
	return false;
}

void fs_kpf_settle(struct fs_kpf_state *st, const struct fs_machine *m,
		   const struct fs_procfs_rec *bi)
{
	st->settled_given = true;
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct fs_zone *z = &m->zones[zi];
		const struct fs_procfs_zone *pz = NULL;
		uint64_t pages = 0, *nf = st->nr_free[zi];

		for (unsigned i = 0; i < bi->nr_zones && !pz; i++)
			if (!strcmp(bi->zones[i].name, z->name))
				pz = &bi->zones[i];
		if (!pz)
			continue;
		for (unsigned o = 0; o < pz->nr_orders && o < FS_ARRAY_SIZE(pz->nr_free); o++)
			pages += pz->nr_free[o] << o;
		st->unsettled_pages[zi] = (int64_t)st->free_pages[zi] - (int64_t)pages;
		if (pages != st->free_pages[zi])
			continue;
		/* from the top: an order with more blocks than buddyinfo says
		 * holds unmerged pairs */
		for (unsigned o = m->max_order; o >= 1; o--)
			while (o < pz->nr_orders && nf[o] > pz->nr_free[o] && split_one(st, z, o)) {
				nf[o]--;
				nf[o - 1] += 2;
				st->ambiguous[zi]++;
			}
		st->zone_settled[zi] = true;
		for (unsigned o = 0; o < pz->nr_orders && o <= m->max_order; o++)
			if (nf[o] != pz->nr_free[o])
				st->zone_settled[zi] = false;
	}
	qsort(st->blocks, st->nr_blocks, sizeof(*st->blocks), cmp_u64);
}

void fs_kpf_install(const struct fs_kpf_state *st, struct fs_machine *m, bool typed, unsigned cls0)
{
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		struct fs_zone *z = &m->zones[zi];

		for (unsigned o = 0; o < FS_NR_ORDERS; o++)
			for (unsigned c = 0; c < FS_NR_CLASSES; c++)
				while (z->lists[o][c].head != FS_NIL)
					fs_buddy_del(m, z, m->base_pfn + z->lists[o][c].head);
	}
	/* ascending, each at the tail: the lists read in pfn order, as after
	 * boot (memblock_free_all frees with FPI_TO_TAIL); blocks above a
	 * policy's merge cap (keyed zones' zone_order) in pieces of it, as
	 * boot memory is handed over */
	for (uint64_t i = 0; i < st->nr_blocks; i++) {
		uint64_t pfn = BLK_PFN(st->blocks[i]);
		unsigned o = BLK_ORDER(st->blocks[i]), po = o < m->merge_order ? o : m->merge_order;
		struct fs_zone *z = fs_machine_zone_of(m, pfn);

		for (uint64_t q = pfn; q < pfn + (1ull << o); q += 1ull << po)
			fs_buddy_add(m, z, q, po, typed ? fs_pb_type(m, q) : cls0, true);
	}
}

void fs_kpf_report(const struct fs_kpf_state *st, const struct fs_machine *m, FILE *fp)
{
	fprintf(fp, "fragsim: initial state from kpageflags: %" PRIu64 " pfns, %" PRIu64
		" free blocks", st->nr_pfns, st->nr_blocks);
	if (st->buddy_outside)
		fprintf(fp, ", %" PRIu64 " free pages outside the layout's zones or in its holes ignored",
			st->buddy_outside);
	fputc('\n', fp);
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		fprintf(fp, "fragsim:   %-8s %10" PRIu64 " free pages", m->zones[zi].name, st->free_pages[zi]);
		if (!st->settled_given)
			fprintf(fp, " (no --initial-buddyinfo: blocks as the allocator merges them)");
		else if (st->unsettled_pages[zi])
			fprintf(fp, "; buddyinfo says %+" PRId64 " pages: not the same moment, layout kept as merged",
				-st->unsettled_pages[zi]);
		else
			fprintf(fp, "; %" PRIu64 " ambiguous blocks split to match buddyinfo%s",
				st->ambiguous[zi], st->zone_settled[zi] ? ", now identical" : ", still different");
		fputc('\n', fp);
	}
}

void fs_kpf_release(struct fs_kpf_state *st)
{
	free(st->blocks);
	st->blocks = NULL;
	st->nr_blocks = 0;
}

/* Free pages of the simulation against a kpageflags of the same moment
 * (--final kpageflags:FILE): per zone, pages free in one and not in the
 * other, and the first few of each. Pages on the kernel's per-CPU lists
 * are not PageBuddy, so a page the simulation has on a per-CPU list counts
 * as not free in both. */
void fs_kpf_compare(const struct fs_kpf_state *st, const struct fs_machine *m, FILE *fp)
{
	uint64_t words = (m->nr_pages + 63) / 64;
	uint64_t *k = fs_xcalloc(words, sizeof(*k)), *sim = fs_xcalloc(words, sizeof(*sim));

	for (uint64_t i = 0; i < st->nr_blocks; i++) {
		uint64_t pfn = BLK_PFN(st->blocks[i]);

		for (uint64_t p = pfn; p < pfn + (1ull << BLK_ORDER(st->blocks[i])); p++)
			k[(p - m->base_pfn) / 64] |= 1ull << ((p - m->base_pfn) % 64);
	}
	for (uint64_t idx = 0; idx < m->nr_pages;) {
		unsigned o;

		if (fs_pg_kind(m->pages[idx]) != FS_PG_FREE) {
			idx++;
			continue;
		}
		o = fs_buddy_order(m, idx);
		for (uint64_t p = idx; p < idx + (1ull << o); p++)
			sim[p / 64] |= 1ull << (p % 64);
		idx += 1ull << o;
	}
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct fs_zone *z = &m->zones[zi];
		uint64_t only_sim = 0, only_k = 0, ex_s[4], ex_k[4];

		for (uint64_t idx = z->start_idx; idx < z->end_idx; idx++) {
			bool a = (sim[idx / 64] >> (idx % 64)) & 1, b = (k[idx / 64] >> (idx % 64)) & 1;

			if (a && !b && only_sim < 4)
				ex_s[only_sim] = m->base_pfn + idx;
			if (b && !a && only_k < 4)
				ex_k[only_k] = m->base_pfn + idx;
			only_sim += a && !b;
			only_k += b && !a;
		}
		fprintf(fp, "fragsim: final pages vs kpageflags, zone %s: %" PRIu64 " free only in the "
			"simulation, %" PRIu64 " free only in the kernel", z->name, only_sim, only_k);
		for (uint64_t i = 0; i < only_sim && i < 4; i++)
			fprintf(fp, "%s0x%" PRIx64, i ? " " : "; sim-only e.g. ", ex_s[i]);
		for (uint64_t i = 0; i < only_k && i < 4; i++)
			fprintf(fp, "%s0x%" PRIx64, i ? " " : "; kernel-only e.g. ", ex_k[i]);
		fputc('\n', fp);
	}
	free(k);
	free(sim);
}
