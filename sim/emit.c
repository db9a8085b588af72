/* emit.c - the simulated state in the kernel's own text formats:
 * mm_page_alloc_extfrag lines as a 6.x trace_pipe prints them
 * (`replay --emit-extfrag`) and /proc/pagetypeinfo (`replay
 * --dump-pagetypeinfo`), so that fragsim extfrag, fragsim inspect and diff
 * read simulated and real files alike.
 *
 * Formats (../shared/reference/linux-page-allocator.md §3.3, §5.1, §5.2):
 *   prefix   trace_print_context, 6.x: "%16s-%-7d [%03d] %s %5lu.%06lu: "
 *            with five flag characters
 *   payload  include/trace/events/kmem.h mm_page_alloc_extfrag
 *   pagetypeinfo  mm/vmstat.c pagetypeinfo_show, _showfree_print,
 *            _showblockcount_print */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

void fs_xf_init(struct fs_xf_emit *xf, FILE *fp, int pid)
{
	memset(xf, 0, sizeof(*xf));
	xf->fp = fp;
	xf->pid = pid;
}

/* page=%p: 6.x hashes pointers by default (hash-ptr), printing a 32-bit
 * value zero-padded to 16 digits. fragsim has no struct page, so it hashes
 * the x86_64 vmemmap address the page would have (0xffffea0000000000 +
 * pfn * 64): stable per pfn, shaped like the kernel's. */
static uint64_t page_hash(uint64_t pfn)
{
	uint64_t x = 0xffffea0000000000ull + pfn * 64;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x & 0xffffffffull;
}

void fs_xf_print(struct fs_machine *m, uint64_t pfn, unsigned alloc_order, unsigned fallback_order,
		 unsigned alloc_mt, unsigned fallback_mt, bool change_ownership)
{
	struct fs_xf_emit *xf = m->xf;

	fprintf(xf->fp,
		"%16s-%-7d [%03u] %s %5" PRIu64 ".%06" PRIu64 ": mm_page_alloc_extfrag: "
		"page=%016" PRIx64 " pfn=0x%" PRIx64 " alloc_order=%u fallback_order=%u "
		"pageblock_order=%u alloc_migratetype=%u fallback_migratetype=%u "
		"fragmenting=%d change_ownership=%d\n",
		"fragsim", xf->pid, xf->cpu, ".....", (uint64_t)(xf->time_ns / 1000000000u),
		(uint64_t)(xf->time_ns % 1000000000u / 1000), page_hash(pfn), pfn, alloc_order,
		fallback_order, m->pageblock_order, alloc_mt, fallback_mt,
		fallback_order < m->pageblock_order, change_ownership);
	xf->lines++;
}

/* migratetype_names[] with CONFIG_MEMORY_ISOLATION, in the kernel's
 * numbering: 4.4+ (mmzone.h, 6.x) and 2.6.24/3.10 (UNMOVABLE, RECLAIMABLE,
 * MOVABLE, RESERVE). The CMA entry exists only with CONFIG_CMA (skipped
 * unless m->pti_cma); ISOLATE then follows it. */
struct pti_type {
	unsigned mt;
	const char *name;
};
static const struct pti_type pti_6x[] = {
	{ FS_MT_UNMOVABLE, "Unmovable" },
	{ FS_MT_MOVABLE, "Movable" },
	{ FS_MT_RECLAIMABLE, "Reclaimable" },
	{ FS_MT_HIGHATOMIC, "HighAtomic" },
	{ FS_MT_CMA, "CMA" },
	{ FS_MT_ISOLATE, "Isolate" },
	{ FS_MT_NR, NULL },
};
static const struct pti_type pti_3_10[] = {
	{ FS_MT_UNMOVABLE, "Unmovable" },
	{ FS_MT_RECLAIMABLE, "Reclaimable" },
	{ FS_MT_MOVABLE, "Movable" },
	{ FS_MT_RESERVE, "Reserve" },
	{ FS_MT_CMA, "CMA" },
	{ FS_MT_ISOLATE, "Isolate" },
	{ FS_MT_NR, NULL },
};

void fs_dump_pagetypeinfo(FILE *fp, const struct fs_machine *m)
{
	const struct pti_type *all = m->pti_style == FS_PTI_3_10 ? pti_3_10 : pti_6x;
	struct pti_type pti_types[FS_MT_NR];
	unsigned nt = 0;

	for (const struct pti_type *t = all; t->name; t++)
		if (t->mt != FS_MT_CMA || m->pti_cma)
			pti_types[nt++] = *t;
	fprintf(fp, "Page block order: %u\n", m->pageblock_order);
	fprintf(fp, "Pages per block:  %lu\n", 1ul << m->pageblock_order);
	fputc('\n', fp);
	fprintf(fp, "%-43s ", "Free pages count per migrate type at order");
	for (unsigned o = 0; o <= m->max_order; o++)
		fprintf(fp, "%6u ", o);
	fputc('\n', fp);
	/* walk_zones_in_node(..., populated only) */
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct fs_zone *z = &m->zones[zi];

		if (!z->present_pages)
			continue;
		for (unsigned t = 0; t < nt; t++) {
			fprintf(fp, "Node %4d, zone %8s, type %12s ", 0, z->name, pti_types[t].name);
			for (unsigned o = 0; o <= m->max_order; o++) {
				uint64_t n = z->lists[o][pti_types[t].mt].count;

				/* 5.4+ stops counting a list at 100000 */
				if (n >= 100000 && m->pti_style == FS_PTI_6X)
					fprintf(fp, ">%6lu ", 100000ul);
				else
					fprintf(fp, "%6lu ", (unsigned long)n);
			}
			fputc('\n', fp);
		}
	}
	fprintf(fp, "\n%-23s", "Number of blocks type ");
	for (unsigned t = 0; t < nt; t++)
		fprintf(fp, "%12s ", pti_types[t].name);
	fputc('\n', fp);
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		const struct fs_zone *z = &m->zones[zi];

		if (!z->present_pages)
			continue;
		fprintf(fp, "Node %d, zone %8s ", 0, z->name);
		for (unsigned t = 0; t < nt; t++)
			fprintf(fp, "%12lu ", (unsigned long)z->nr_pageblocks[pti_types[t].mt]);
		fputc('\n', fp);
	}
}
