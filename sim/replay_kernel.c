/* replay_kernel.c - the replay loop's part of `--placement kernel`
 * (sim/kexact.h): the initial state from kpageflags before the first event,
 * the capture markers (checkpoints, the end kpageflags comparison) and the
 * report at the end. replay.c calls in through the fs_replay_kernel_*
 * hooks. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "kexact.h"
#include "procfs.h"
#include "replay.h"

/* The initial free blocks from kpageflags (settled with a buddyinfo of the
 * same moment) in every simulation, the read's window from the trace's
 * capture_kpageflags markers, the checkpoints' snapshots. */
int fs_replay_kernel_setup(struct fs_run *r, struct fs_err *err)
{
	const struct fs_run_cfg *cfg = r->cfg;
	struct fs_kpf_state st;
	struct fs_kx_window w;

	for (unsigned i = 0; i < r->nr_tr; i++)
		r->tr[i].buddy_events = true;
	if (cfg->checkpoints && fs_ckpt_open(&r->ckpt, cfg->checkpoints, cfg->checkpoints_out, err))
		return 1;
	if (!cfg->initial_kpageflags) {
		fprintf(stderr, "fragsim: warning: --placement kernel without --initial kpageflags:FILE: "
			"the machine starts all free, so frees of pages allocated before the trace are "
			"counted as return_conflicts\n");
		return 0;
	}
	if (fs_kpf_load(&st, cfg->initial_kpageflags, r->sims[0]->m, err))
		return 1;
	if (cfg->initial_buddyinfo) {
		struct fs_procfs_file f;
		const struct fs_procfs_rec *bi = NULL;

		if (fs_procfs_load(&f, cfg->initial_buddyinfo, err)) {
			fs_kpf_release(&st);
			return 1;
		}
		for (unsigned i = 0; i < f.nr_recs && !bi; i++)
			if (f.recs[i].kind == FS_PROCFS_BUDDYINFO)
				bi = &f.recs[i];
		if (!bi) {
			fs_kpf_release(&st);
			fs_error(err, -EINVAL, "%s: no /proc/buddyinfo record in it", f.path);
			fs_procfs_release(&f);
			return 1;
		}
		fs_kpf_settle(&st, r->sims[0]->m, bi);
		fs_procfs_release(&f);
	}
	for (unsigned i = 0; i < r->nr_sims; i++)
		fs_kpf_install(&st, r->sims[i]->m, r->sims[i]->kx->typed, r->sims[i]->kx->cls0);
	fs_kpf_report(&st, r->sims[0]->m, stderr);
	fs_kpf_release(&st);
	/* capture.sh's markers around the read of kpageflags: what happened
	 * before it is in the file (kexact.h: struct fs_kx_window) */
	if (fs_kx_find_window(cfg->inputs[0], 10000000, &w, err))
		return 1;
	w.nr_pfns = r->sims[0]->m->zones[r->sims[0]->m->nr_zones - 1].end_pfn;
	if (w.end_line) {
		fprintf(stderr, "fragsim: %s:%" PRIu64 "-%" PRIu64 ": kpageflags was read between these "
			"capture_kpageflags markers; events before are in it, events during the read "
			"are applied where the file does not hold them yet\n", cfg->inputs[0],
			w.begin_line ? w.begin_line : w.end_line, w.end_line);
		for (unsigned i = 0; i < r->nr_sims; i++)
			r->sims[i]->kx->win = w;
	} else {
		fprintf(stderr, "fragsim: warning: %s: no capture_kpageflags_end marker in its first "
			"10000000 lines: the initial state is taken as the trace's start\n", cfg->inputs[0]);
	}
	return 0;
}

/* --final kpageflags:FILE, at the marker before its read (or the end) */
static int compare_final(struct fs_run *r, struct fs_err *err)
{
	struct fs_kpf_state st;

	r->final_done = true;
	if (fs_kpf_load(&st, r->cfg->final_kpageflags, r->sims[0]->m, err))
		return 1;
	for (unsigned i = 0; i < r->nr_sims; i++)
		fs_kpf_compare(&st, r->sims[i]->m, stderr);
	fs_kpf_release(&st);
	return 0;
}

/* Checkpoints whose snapshot was read before now_ns (all: UINT64_MAX). */
void fs_replay_kernel_before(struct fs_run *r, uint64_t now_ns)
{
	unsigned k = 0;

	for (unsigned j = 0; j < r->nr_ckpt_pending; j++) {
		if (now_ns != UINT64_MAX && r->ckpt_pending[j].due_ns >= now_ns) {
			r->ckpt_pending[k++] = r->ckpt_pending[j];
			continue;
		}
		for (unsigned i = 0; i < r->nr_sims; i++)
			fs_ckpt_marker(r->ckpt, r->sims[i], r->sims[i]->pol->label, r->ckpt_pending[j].seq,
				       r->ckpt_pending[j].due_ns);
	}
	r->nr_ckpt_pending = k;
}

int fs_replay_kernel_marker(struct fs_run *r, const struct fs_event *ev, struct fs_err *err)
{
	if (ev->order == FS_MARK_KPF_END_BEGIN && r->cfg->final_kpageflags && !r->final_done)
		return compare_final(r, err);
	if (ev->order != FS_MARK_SNAP || !r->ckpt)
		return 0;
	if (r->nr_ckpt_pending == FS_ARRAY_SIZE(r->ckpt_pending))
		fs_replay_kernel_before(r, UINT64_MAX);
	r->ckpt_pending[r->nr_ckpt_pending].seq = ev->ident;
	r->ckpt_pending[r->nr_ckpt_pending++].due_ns = fs_ckpt_due(r->ckpt, ev->ident, ev->time_ns);
	return 0;
}

int fs_replay_kernel_finish(struct fs_run *r, struct fs_err *err)
{
	if (r->ckpt && fs_ckpt_finish(r->ckpt, stderr, err))
		return 1;
	if (r->cfg->final_kpageflags && !r->final_done && compare_final(r, err))
		return 1;
	for (unsigned i = 0; i < r->nr_sims; i++)
		if (r->sims[i]->kx)
			fs_kx_print(r->sims[i]->kx, stderr);
	return 0;
}

void fs_replay_kernel_release(struct fs_run *r)
{
	fs_ckpt_free(r->ckpt);
	r->ckpt = NULL;
}
