/* kexact.h - kernel-exact replay (`--placement kernel`): the free-page
 * layout a real machine had, read from /proc/kpageflags (kpageflags.c),
 * then the buddy allocator's own history replayed from the kmem events that
 * say which pages left and re-entered the buddy free lists (kexact.c), and
 * the result compared with the machine's /proc/buddyinfo snapshots at the
 * trace's capture markers (checkpoint.c). */
#ifndef FRAGSIM_KEXACT_H
#define FRAGSIM_KEXACT_H

#include "internal.h"

struct fs_procfs_rec;

/* ---- initial state from /proc/kpageflags (kpageflags.c) ------------------
 * fs/proc/page.c: one little-endian u64 per pfn from pfn 0. */
#define FS_KPF_BUDDY 10                /* KPF_BUDDY: page of a free block */
#define FS_KPF_NOPAGE 20               /* KPF_NOPAGE: no struct page at this pfn */

struct fs_kpf_state {
	uint64_t *blocks;              /* free blocks, pfn << 4 | order, ascending pfn */
	uint64_t nr_blocks;
	uint64_t nr_free[FS_MAX_ZONES][FS_NR_ORDERS];  /* per zone and order */
	uint64_t free_pages[FS_MAX_ZONES];
	uint64_t nr_pfns;              /* words in the file */
	uint64_t nopage;               /* pfns with KPF_NOPAGE */
	uint64_t buddy_outside;        /* buddy pages in a hole or outside every zone (ignored) */
	/* settling against a buddyinfo taken at the same moment */
	bool settled_given;            /* a buddyinfo was given */
	uint64_t ambiguous[FS_MAX_ZONES];  /* blocks split to match buddyinfo */
	int64_t unsettled_pages[FS_MAX_ZONES];  /* kpageflags - buddyinfo free pages, when they differ */
	bool zone_settled[FS_MAX_ZONES];
};

/* Read FILE (plain, gzip or zstd) and build the free blocks of machine m's
 * zones. The file must hold exactly one word per pfn up to the end of the
 * last zone (the zoneinfo layout): anything else is -EINVAL naming both
 * sizes. */
int fs_kpf_load(struct fs_kpf_state *st, const char *path, const struct fs_machine *m,
		struct fs_err *err);
/* Build the blocks from the words (exported for tests): runs of KPF_BUDDY
 * pages in each zone, cut into the largest naturally aligned blocks. */
void fs_kpf_build(struct fs_kpf_state *st, const uint64_t *words, uint64_t nr_pfns,
		  const struct fs_machine *m);
/* Settle with a buddyinfo record of the same moment (see kpageflags.c). */
void fs_kpf_settle(struct fs_kpf_state *st, const struct fs_machine *m,
		   const struct fs_procfs_rec *buddyinfo);
/* Replace m's free lists with the blocks: everything else is allocated
 * before the trace (untracked). Blocks go on their pageblock type's list
 * when typed, else on class cls0. */
void fs_kpf_install(const struct fs_kpf_state *st, struct fs_machine *m, bool typed, unsigned cls0);
void fs_kpf_report(const struct fs_kpf_state *st, const struct fs_machine *m, FILE *fp);
/* --final kpageflags:FILE: the simulation's free pages against the file's,
 * per zone (counts and first examples). */
void fs_kpf_compare(const struct fs_kpf_state *st, const struct fs_machine *m, FILE *fp);
void fs_kpf_release(struct fs_kpf_state *st);

/* ---- the replay (kexact.c) ----------------------------------------------- */

/* ev->order of FS_EV_MARKER events */
enum fs_mark {
	FS_MARK_SNAP = 0,              /* "capture_snap seq=N": ident = N */
	FS_MARK_KPF_END_BEGIN = 1,     /* "capture_kpageflags_begin tag=end": the end read starts */
};

#define FS_KX_MAX_CPUS 256
#define FS_KX_EXAMPLES 5

#define FS_KX_COUNTERS(X)                                                        \
	X(buddy_takes, "blocks taken off the free lists (mm_page_alloc_zone_locked)") \
	X(extfrag_takes, "blocks a fallback took without mm_page_alloc_zone_locked (mm_page_alloc_extfrag)") \
	X(buddy_returns, "blocks returned to the free lists (mm_page_pcpu_drain and direct frees)") \
	X(pcp_drains, "mm_page_pcpu_drain events applied")                      \
	X(direct_frees, "frees that bypass the per-CPU lists (orders 4-8, 10; isolated blocks)") \
	X(pcp_frees, "frees put on a per-CPU list")                             \
	X(pcp_allocs, "allocations served from a per-CPU list")                 \
	X(pcp_allocs_before, "allocations of per-CPU pages not seen arriving (on the list before the trace)") \
	X(take_conflicts, "mm_page_alloc_zone_locked of pages not free in the simulation") \
	X(take_from_pcp, "of those, pages the simulation had on a per-CPU list (an untraced free to the buddy)") \
	X(return_conflicts, "returns of pages already free in the simulation (skipped)") \
	X(alloc_of_free, "mm_page_alloc of pages still free in the simulation (taken then)") \
	X(before_initial, "events before kpageflags was read (in the file already)") \
	X(window_skipped, "events during the read that the file already holds (skipped)") \
	X(pcp_untraced_allocs, "frees of per-CPU pages with no mm_page_alloc since they arrived (alloc_pages_bulk is not traced)") \
	X(compaction_isolated, "free pages compaction's free scanner took (mm_compaction_isolate_freepages)") \
	X(isolate_inexact, "isolate_freepages events no stride reproduces (blocks taken in pfn order up to nr_taken)") \
	X(isolate_mismatches, "isolate_freepages events with fewer free pages in the range than nr_taken") \
	X(outside, "events naming pfns outside the zones")

struct fs_kx_counters {
#define FS_X(name, doc) uint64_t name;
	FS_KX_COUNTERS(FS_X)
#undef FS_X
};

/* When the initial state was read: /proc/kpageflags is read in pfn order
 * between two trace markers (capture.sh), so an event during the read is
 * in the file if the read had already passed its pfn. When is not known
 * (the read is piped through zstd and is not linear in time), but the
 * file says it: an event in the window is applied when it is consistent
 * with the state (a take of free pages, a return of pages not free) and
 * skipped otherwise - each of the three orders (read before, between,
 * after a take and a return of the same page) ends in the kernel's state.
 * Events before the window are in the file and never applied. */
struct fs_kx_window {
	uint64_t begin_ns, end_ns;     /* 0, 0 = no markers: apply everything */
	uint64_t nr_pfns;
	uint64_t begin_line, end_line;
};

struct fs_kx {
	struct fs_kx_window win;
	bool in_window;                /* the current event is during the read */
	bool typed;                    /* the policy's lists are per migrate type */
	unsigned cls0;                 /* else the one class it uses */
	uint64_t pcp_pages[FS_KX_MAX_CPUS];  /* pages on each CPU's lists */
	struct fs_kx_counters c;
};

struct fs_kx *fs_kx_new(bool typed, unsigned cls0);
void fs_kx_free(struct fs_kx *kx);
/* Apply an event in kernel placement (any kind but FS_EV_KERNEL). */
void fs_kx_apply(struct fs_sim *s, const struct fs_event *ev);
void fs_kx_print(const struct fs_kx *kx, FILE *fp);
/* pcp_allowed_order() on the traced kernel (6.x with THP): 0..3 and the
 * PMD order (= pageblock order on x86_64) */
static inline bool fs_kx_pcp_order(const struct fs_machine *m, unsigned order)
{
	return order <= 3 || order == m->pageblock_order;
}
/* The "capture_kpageflags_begin/end tag=start" markers in the first
 * max_lines lines of a trace (times and lines; zero if absent). <0 on a
 * read error. */
int fs_kx_find_window(const char *path, uint64_t max_lines, struct fs_kx_window *w,
		      struct fs_err *err);

/* ---- checkpoints (checkpoint.c) ------------------------------------------ */

struct fs_ckpt;
/* Load concatenated buddyinfo snapshots (capture_snap records) and open the
 * CSV (NULL path: no CSV). */
int fs_ckpt_open(struct fs_ckpt **out, const char *snap_path, const char *csv_path,
		 struct fs_err *err);
/* When snapshot seq was read: its header's read_mono_ns, or marker_ns. */
uint64_t fs_ckpt_due(struct fs_ckpt *c, uint64_t seq, uint64_t marker_ns);
/* Compare sim (labelled policy) with snapshot seq, at time_ns (reported). */
void fs_ckpt_marker(struct fs_ckpt *c, const struct fs_sim *s, const char *policy,
		    uint64_t seq, uint64_t time_ns);
/* Close the CSV, print the per-zone scores and the unmatched snapshots. */
int fs_ckpt_finish(struct fs_ckpt *c, FILE *fp, struct fs_err *err);
void fs_ckpt_free(struct fs_ckpt *c);

#endif
