/* kexact.c - `--placement kernel`: the buddy allocator's own history,
 * replayed from the kmem tracepoints of a 6.x kernel (reference §1.3, §1.6,
 * §5.2; checked on the 6.18 captures, ../shared/traces/README.md):
 *
 *   mm_page_alloc_zone_locked  a block left the buddy lists (__rmqueue_smallest,
 *                              for a caller or a per-CPU refill): fs_buddy_take
 *                              (break_down_buddy_pages). With percpu_refill=1
 *                              it goes on the CPU's per-CPU list (rmqueue_bulk);
 *                              the trylock-failed path that hands it straight to
 *                              the caller is followed by its mm_page_alloc alike.
 *   mm_page_alloc_extfrag      6.15+ try_to_claim_block (a whole free block
 *                              >= pageblock_order) and __rmqueue_steal take a
 *                              block without mm_page_alloc_zone_locked: the
 *                              recorded page is taken if it is still free.
 *   mm_page_pcpu_drain         free_pcppages_bulk returned a block from a
 *                              per-CPU list: __free_one_page with the migrate
 *                              type the event prints (get_pfnblock_migratetype).
 *   mm_page_free               free_pages_prepare, for every free. Orders that
 *                              pcp_allowed_order() refuses (4..8, 10) and pages
 *                              of ISOLATE pageblocks go to free_one_page, i.e.
 *                              straight back to the buddy (free_frozen_pages /
 *                              __free_pages_ok); the others go on the CPU's
 *                              per-CPU list and reach the buddy only through a
 *                              later mm_page_pcpu_drain.
 *   mm_page_alloc              for per-CPU orders: the page leaves the list.
 *   mm_page_free_batched       repeats mm_page_free (free_unref_folios), so
 *                              it stays skipped: nothing is freed twice.
 *   mm_compaction_isolate_freepages  the free scanner took every free block
 *                              whose head lies in the range it scanned
 *                              (isolate_freepages_block, __isolate_free_page):
 *                              no alloc event names them. They come back by
 *                              mm_page_free, as migration targets later or
 *                              unused at once (release_free_list: __free_pages).
 *
 * Pages not free at the initial state are "allocated before the trace":
 * their frees return them like any other. Per-CPU pages are FS_PG_OTHER
 * slots (order in bits 2-5, CPU in bits 6-21). Every inconsistency is
 * counted and the first ones reported with their trace line. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "kexact.h"

#define PCP_CPU_SHIFT 6

struct fs_kx *fs_kx_new(bool typed, unsigned cls0)
{
	struct fs_kx *kx = fs_xcalloc(1, sizeof(*kx));

	kx->typed = typed;
	kx->cls0 = cls0;
	return kx;
}

void fs_kx_free(struct fs_kx *kx)
{
	free(kx);
}

static void report(struct fs_sim *s, const struct fs_event *ev, const char *what)
{
	if (s->report)
		s->report(s->report_ctx, ev, what);
}

static unsigned cpu_of(const struct fs_event *ev)
{
	return ev->cpu < FS_KX_MAX_CPUS ? ev->cpu : FS_KX_MAX_CPUS - 1;
}

/* Is any page of [pfn, 2^order) free: a free block holding pfn, or a free
 * head inside the range. The scan is bounded by the block's own size (at
 * most 2^max_order slots, for the rare high-order frees). */
static bool range_has_free(const struct fs_machine *m, const struct fs_zone *z, uint64_t pfn,
			   unsigned order)
{
	uint64_t idx = pfn - m->base_pfn;

	if (fs_buddy_find_block(m, z, pfn, NULL) != UINT64_MAX)
		return true;
	for (uint64_t i = idx + 1; i < idx + (1ull << order); i++)
		if (fs_pg_kind(m->pages[i]) == FS_PG_FREE)
			return true;
	return false;
}

static void pcp_add(struct fs_sim *s, struct fs_zone *z, uint64_t pfn, unsigned order,
		    const struct fs_event *ev)
{
	s->m->pages[pfn - s->m->base_pfn] = FS_PG_OTHER | (uint64_t)order << 2 |
					    (uint64_t)cpu_of(ev) << PCP_CPU_SHIFT;
	z->pcp_pages += 1ull << order;
	s->kx->pcp_pages[cpu_of(ev)] += 1ull << order;
}

/* Take a per-CPU page off its list (it is allocated now); false if the
 * slot is not a per-CPU block. */
static bool pcp_del(struct fs_sim *s, struct fs_zone *z, uint64_t pfn)
{
	uint64_t *slot = &s->m->pages[pfn - s->m->base_pfn];
	unsigned order, cpu;

	if (fs_pg_kind(*slot) != FS_PG_OTHER)
		return false;
	order = (unsigned)((*slot >> 2) & 15);
	cpu = (unsigned)((*slot >> PCP_CPU_SHIFT) & 0xffff);
	*slot = FS_PG_NONE;
	z->pcp_pages -= 1ull << order;
	s->kx->pcp_pages[cpu < FS_KX_MAX_CPUS ? cpu : FS_KX_MAX_CPUS - 1] -= 1ull << order;
	return true;
}

static void take(struct fs_sim *s, struct fs_zone *z, const struct fs_event *ev, bool if_free)
{
	struct fs_kx *kx = s->kx;
	uint64_t pfn = ev->ident;
	bool refill = ev->flags & FS_EVF_PCP_REFILL;

	if (if_free) {
		if (fs_buddy_take(s->m, z, pfn, ev->order))
			return;                 /* mm_page_alloc_zone_locked took it */
		kx->c.extfrag_takes++;
	} else if (fs_buddy_take(s->m, z, pfn, ev->order)) {
		if (kx->in_window && !range_has_free(s->m, z, pfn, ev->order)) {
			kx->c.window_skipped++;     /* taken before the read reached it */
			return;
		}
		kx->c.take_conflicts++;
		if (pcp_del(s, z, pfn)) {
			/* on a per-CPU list in the simulation, free in the
			 * kernel: it went back by a path without an event
			 * (free_one_page after a failed pcp trylock) */
			kx->c.take_from_pcp++;
			report(s, ev, "mm_page_alloc_zone_locked of a page the simulation has on a per-CPU list");
		} else {
			report(s, ev, "mm_page_alloc_zone_locked of pages not free in the simulation");
			if (range_has_free(s->m, z, pfn, ev->order))
				return;
		}
	} else {
		kx->c.buddy_takes++;
	}
	if (refill && fs_kx_pcp_order(s->m, ev->order) && ev->mt < FS_MT_HIGHATOMIC)
		pcp_add(s, z, pfn, ev->order, ev);
}

/* __free_one_page for [pfn, 2^order), unless some of it is free already. */
static void buddy_return(struct fs_sim *s, struct fs_zone *z, const struct fs_event *ev,
			 unsigned cls)
{
	if (range_has_free(s->m, z, ev->ident, ev->order)) {
		if (s->kx->in_window) {
			s->kx->c.window_skipped++;  /* returned before the read reached it */
			return;
		}
		s->kx->c.return_conflicts++;
		report(s, ev, "pages returned to the buddy are already free in the simulation");
		return;
	}
	pcp_del(s, z, ev->ident);
	fs_buddy_free(s->m, z, ev->ident, ev->order, s->kx->typed ? cls : s->kx->cls0, FS_FPI_NONE);
	s->kx->c.buddy_returns++;
}

static void do_free(struct fs_sim *s, struct fs_zone *z, const struct fs_event *ev)
{
	struct fs_kx *kx = s->kx;
	uint64_t slot = s->m->pages[ev->ident - s->m->base_pfn];
	unsigned pbt = fs_pb_type(s->m, ev->ident);

	s->c.frees++;
	s->zc[z->idx].frees++;
	if (!fs_kx_pcp_order(s->m, ev->order) || pbt == FS_MT_ISOLATE) {
		kx->c.direct_frees++;
		buddy_return(s, z, ev, pbt);
		return;
	}
	if (fs_pg_kind(slot) == FS_PG_OTHER) {
		/* it left the list without mm_page_alloc: alloc_pages_bulk
		 * (vmalloc, page_pool, ...) takes per-CPU pages untraced */
		kx->c.pcp_untraced_allocs++;
		pcp_del(s, z, ev->ident);
	}
	if (range_has_free(s->m, z, ev->ident, ev->order)) {
		if (kx->in_window) {
			kx->c.window_skipped++;
			return;
		}
		kx->c.return_conflicts++;
		report(s, ev, "free of pages that are free in the simulation");
		return;
	}
	kx->c.pcp_frees++;
	pcp_add(s, z, ev->ident, ev->order, ev);
}

static void do_alloc(struct fs_sim *s, struct fs_zone *z, const struct fs_event *ev)
{
	struct fs_kx *kx = s->kx;

	s->c.allocs++;
	s->zc[z->idx].allocs++;
	if (pcp_del(s, z, ev->ident)) {
		kx->c.pcp_allocs++;
		return;
	}
	if (!fs_buddy_take(s->m, z, ev->ident, ev->order)) {
		/* no mm_page_alloc_zone_locked was seen for it */
		if (kx->in_window) {
			kx->c.window_skipped++;
			return;
		}
		kx->c.alloc_of_free++;
		report(s, ev, "mm_page_alloc of pages free in the simulation (taken now)");
		return;
	}
	if (fs_kx_pcp_order(s->m, ev->order))
		kx->c.pcp_allocs_before++;
}

/* isolate_freepages_block() (6.12) over [start, end) probing every stride
 * pages: a free head is isolated whole and the probe moves past it; with
 * limit, blocks are taken only while they fit in it. The pages taken (or,
 * with take false, that would be). Compound pages, which the kernel skips
 * whole, are not known here (allocations are untracked in this mode). */
static uint64_t scan_free(struct fs_machine *m, struct fs_zone *z, uint64_t start, uint64_t end,
			  unsigned stride, uint64_t limit, bool take)
{
	uint64_t taken = 0;

	for (uint64_t pfn = start; pfn < end; pfn += stride) {
		uint64_t idx = pfn - m->base_pfn;
		unsigned o;

		if (fs_pg_kind(m->pages[idx]) != FS_PG_FREE)
			continue;
		o = fs_buddy_order(m, idx);
		if (taken + (1ull << o) > limit)
			continue;
		if (take)
			fs_buddy_del(m, z, pfn);
		taken += 1ull << o;
		pfn += (1ull << o) - 1;
	}
	return taken;
}

/* The free scanner's isolation. The event gives the range it scanned and
 * how many pages it took, not its stride: isolate_freepages() starts at 1
 * (sync) or COMPACT_CLUSTER_MAX (async), doubles it after a pageblock that
 * yielded nothing and resets it after one that did. The smallest power of
 * two up to 32 whose probes take exactly nr_taken pages is used; if none
 * does, blocks are taken in pfn order while they fit in nr_taken (right
 * in number, maybe not in place) and the event is counted. */
static void isolate(struct fs_sim *s, const struct fs_event *ev)
{
	struct fs_machine *m = s->m;
	uint64_t start = FS_ISO_START(ev->ident), end = start + FS_ISO_LEN(ev->ident);
	uint64_t want = FS_ISO_TAKEN(ev->ident), taken;
	struct fs_zone *z = fs_machine_zone_of(m, start);
	unsigned stride;

	s->c.kernel_compact_free_scanned += ev->key;
	s->c.kernel_compact_isolated += want;
	if (!z || end > z->end_pfn) {
		s->kx->c.outside++;
		report(s, ev, "mm_compaction_isolate_freepages range outside the machine's zones");
		return;
	}
	if (!want)
		return;
	for (stride = 1; stride <= 32; stride *= 2)
		if (scan_free(m, z, start, end, stride, UINT64_MAX, false) == want)
			break;
	if (stride <= 32) {
		taken = scan_free(m, z, start, end, stride, UINT64_MAX, true);
	} else {
		taken = scan_free(m, z, start, end, 1, want, true);
		s->kx->c.isolate_inexact++;
	}
	s->kx->c.compaction_isolated += taken;
	if (taken != want && !s->kx->in_window) {
		s->kx->c.isolate_mismatches++;
		report(s, ev, "mm_compaction_isolate_freepages: fewer free pages in the range than nr_taken");
	}
}

void fs_kx_apply(struct fs_sim *s, const struct fs_event *ev)
{
	struct fs_kx *kx = s->kx;
	struct fs_zone *z;

	if (ev->kind == FS_EV_MARKER || ev->kind == FS_EV_COMPACT)
		return;
	if (ev->kind == FS_EV_ALLOC && (ev->flags & FS_EVF_FAILED)) {
		s->c.kernel_failed_allocs++;
		return;
	}
	kx->in_window = false;
	if (kx->win.end_ns && ev->time_ns <= kx->win.end_ns) {
		if (ev->time_ns < kx->win.begin_ns) {
			kx->c.before_initial++;
			return;
		}
		kx->in_window = true;
	}
	if (ev->kind == FS_EV_BUDDY_ISOLATE) {
		isolate(s, ev);
		return;
	}
	z = fs_machine_zone_of(s->m, ev->ident);
	if (!z || ev->ident + (1ull << ev->order) > z->end_pfn || fs_machine_is_hole(s->m, ev->ident) ||
	    (ev->ident & ((1ull << ev->order) - 1))) {
		kx->c.outside++;
		s->c.bad_events++;
		report(s, ev, "pfn outside the machine's zones, or not aligned to its order (give the traced machine with --machine zoneinfo:)");
		return;
	}
	switch (ev->kind) {
	case FS_EV_BUDDY_TAKE:
		take(s, z, ev, ev->flags & FS_EVF_IF_FREE);
		break;
	case FS_EV_BUDDY_PUT:
		kx->c.pcp_drains++;
		buddy_return(s, z, ev, ev->mt < FS_MT_NR ? ev->mt : FS_MT_MOVABLE);
		break;
	case FS_EV_ALLOC:
		do_alloc(s, z, ev);
		break;
	case FS_EV_FREE:
		do_free(s, z, ev);
		break;
	}
}

void fs_kx_print(const struct fs_kx *kx, FILE *fp)
{
	uint64_t pcp = 0;

	for (unsigned c = 0; c < FS_KX_MAX_CPUS; c++)
		pcp += kx->pcp_pages[c];
	fprintf(fp, "fragsim: kernel-exact replay:");
#define FS_X(name, doc) \
	if (kx->c.name) \
		fprintf(fp, " %s=%" PRIu64, #name, kx->c.name);
	FS_KX_COUNTERS(FS_X)
#undef FS_X
	fprintf(fp, " pcp_pages_now=%" PRIu64 "\n", pcp);
}

int fs_kx_find_window(const char *path, uint64_t max_lines, struct fs_kx_window *w,
		      struct fs_err *err)
{
	struct fs_input in;
	struct fs_ftrace_rec r;
	char *l;
	size_t len;
	int rc;

	w->begin_ns = w->end_ns = w->begin_line = w->end_line = 0;
	if (!strcmp(path, "-"))
		return 0;
	if ((rc = fs_input_open(&in, path, err)))
		return rc;
	while (in.lines < max_lines && (rc = fs_input_getline(&in, &l, &len, err)) > 0) {
		bool b = memmem(l, len, "capture_kpageflags_begin tag=start", 34) != NULL;
		bool e = !b && memmem(l, len, "capture_kpageflags_end tag=start", 32) != NULL;

		if ((!b && !e) || fs_ftrace_split(l, len, &r, NULL) != FS_FTRACE_RECORD)
			continue;
		if (b) {
			w->begin_ns = r.time_ns;
			w->begin_line = in.lines;
		} else {
			w->end_ns = r.time_ns;
			w->end_line = in.lines;
			break;
		}
	}
	fs_input_close(&in);
	if (!w->begin_line || w->end_ns < w->begin_ns)
		w->begin_ns = w->end_ns;        /* only the end: nothing read during it */
	return rc < 0 ? rc : 0;
}
