/* replay.h - the state of one replay run, shared by replay.c and summary.c */
#ifndef FRAGSIM_REPLAY_H
#define FRAGSIM_REPLAY_H

#include "internal.h"

/* Headline metrics of the zone=all view, for final/mean/max in the summary. */
#define FS_HEADLINES(X)                                       \
	X(free_pages, "free pages")                           \
	X(free_pageblocks, "fully free pageblocks")           \
	X(largest_free_order, "largest free block order")     \
	X(unusable_pb, "unusable free space index at pageblock order") \
	X(fragindex_pb, "fragmentation index at pageblock order") \
	X(unusable_max, "unusable free space index at max order")

enum {
#define FS_X(name, doc) FS_H_##name,
	FS_HEADLINES(FS_X)
#undef FS_X
	FS_NR_HEADLINES
};

struct fs_run_acc {
	struct fs_sample_acc h[FS_NR_HEADLINES];
};

struct fs_run {
	int initial_kind;                     /* --initial: the kind of record used (enum fs_procfs_kind) */
	uint64_t initial_line;                /* ... and its line in the file */
	const struct fs_run_cfg *cfg;
	struct fs_trace *tr;
	unsigned nr_tr;
	struct fs_sim **sims;
	unsigned nr_sims;
	struct fs_run_acc *acc;
	struct fs_keytab keys;
	struct fs_evq q;
	struct fs_outfile csv;
	struct fs_stat_cols cols;             /* policy-specific CSV columns */
	struct fs_outfile *xf_out;            /* --emit-extfrag: one file per policy */
	struct fs_xf_emit *xf;
	struct fs_outfile map;                /* --dump-map */
	bool map_done;
	uint64_t events, samples, sampled_at_events;
	uint64_t first_time, last_time, next_sample;
	uint64_t start_ns, last_progress_ns;
	struct {
		const char *what;
		uint64_t n, last_line;
		uint16_t last_src;
	} kinds[16];
	unsigned nr_kinds;
	char fatal[512];
	struct fs_ckpt *ckpt;                 /* --checkpoints, NULL = none */
	bool final_done;                      /* --final compared (at its marker) */
	struct {
		uint64_t seq, due_ns;
	} ckpt_pending[8];                    /* checkpoints waiting for their read time */
	unsigned nr_ckpt_pending;
};

/* "replay_kernel.c": --placement kernel (sim/kexact.h). setup: 0, or the
 * exit status (1) with err; before: checkpoints due before now_ns (all with
 * UINT64_MAX); marker: an FS_EV_MARKER after it was applied; finish: the
 * reports at the end. */
int fs_replay_kernel_setup(struct fs_run *r, struct fs_err *err);
/* --initial FILE (a buddyinfo or pagetypeinfo snapshot) in every simulation */
int fs_replay_initial_setup(struct fs_run *r, struct fs_err *err);
void fs_replay_kernel_before(struct fs_run *r, uint64_t now_ns);
int fs_replay_kernel_marker(struct fs_run *r, const struct fs_event *ev, struct fs_err *err);
int fs_replay_kernel_finish(struct fs_run *r, struct fs_err *err);
void fs_replay_kernel_release(struct fs_run *r);

/* "summary.c" */
void fs_summary_accumulate(struct fs_run_acc *acc, const struct fs_sim *s);
int fs_summary_write(const struct fs_run *r, const char *path, struct fs_err *err);
void fs_summary_print(const struct fs_run *r, FILE *fp);

#endif
