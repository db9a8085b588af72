/* replay.c - the discrete-event run: inputs merged by (time, seq) through
 * the event queue, each event applied to every policy's simulation in
 * lockstep, metrics sampled by simulated time or event count. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "replay.h"
#include "workload.h"

#define MAX_EXAMPLES 5

static void on_report(void *ctx, const struct fs_event *ev, const char *what)
{
	struct fs_run *r = ctx;
	unsigned k;

	for (k = 0; k < r->nr_kinds && r->kinds[k].what != what; k++)
		;
	if (k == r->nr_kinds) {
		if (k == FS_ARRAY_SIZE(r->kinds))
			return;
		r->kinds[r->nr_kinds++].what = what;
	}
	if (r->cfg->strict && !r->fatal[0] && strstr(what, "outside")) {
		snprintf(r->fatal, sizeof(r->fatal), "%s:%" PRIu64 ": %s (pfn 0x%" PRIx64 ")",
			 r->cfg->inputs[ev->src], ev->line, what, ev->ident);
		return;
	}
	/* every policy sees the same event: report it once */
	if (r->kinds[k].last_line == ev->line && r->kinds[k].last_src == ev->src && r->kinds[k].n)
		return;
	r->kinds[k].last_line = ev->line;
	r->kinds[k].last_src = ev->src;
	if (r->kinds[k].n++ < MAX_EXAMPLES)
		fprintf(stderr, "fragsim: warning: %s:%" PRIu64 ": %s (ident 0x%" PRIx64 ", order %u)%s\n",
			r->cfg->inputs[ev->src], ev->line, what, ev->ident, ev->order,
			r->kinds[k].n == MAX_EXAMPLES ? " [further ones only counted]" : "");
}

/* --dump-map: every policy's pageblocks, once */
static void dump_map(struct fs_run *r, uint64_t time_ns)
{
	for (unsigned i = 0; i < r->nr_sims; i++)
		fs_map_write(r->map.fp, r->sims[i], time_ns, i == 0, &r->keys);
	r->map_done = true;
}

static void sample(struct fs_run *r, uint64_t time_ns)
{
	for (unsigned i = 0; i < r->nr_sims; i++) {
		fs_metrics_csv_rows(r->csv.fp, r->sims[i], time_ns, r->events, &r->cols);
		fs_summary_accumulate(&r->acc[i], r->sims[i]);
	}
	r->samples++;
	r->sampled_at_events = r->events;
	if (r->cfg->map_path && !r->map_done && !r->cfg->map_at_end && time_ns >= r->cfg->map_time_ns)
		dump_map(r, time_ns);
}

static void progress(struct fs_run *r, bool done)
{
	uint64_t now = fs_now_ns();
	double secs;

	if (!r->cfg->progress)
		return;
	if (!done && now - r->last_progress_ns < 500000000ull)
		return;
	r->last_progress_ns = now;
	secs = (double)(now - r->start_ns) / 1e9;
	fprintf(stderr, "\rfragsim: %" PRIu64 " events, %.1f M events/s, simulated %.1f s%s",
		r->events, secs > 0 ? (double)r->events / secs / 1e6 : 0.0,
		r->events ? (double)(r->last_time - r->first_time) / 1e9 : 0.0, done ? "\n" : "   ");
}

/* Pull the next event of input i into the queue. */
static int refill(struct fs_run *r, unsigned i, struct fs_err *err)
{
	struct fs_event ev;
	int rc = fs_trace_next(&r->tr[i], &ev, err);

	if (rc > 0)
		fs_evq_push(&r->q, ev);
	if (r->tr[i].gen) {                   /* a workload: prefetch for the events ahead */
		const struct fs_event *ahead = fs_wl_lookahead(r->tr[i].gen);
		const struct fs_event *half = fs_wl_lookahead_half(r->tr[i].gen);

		for (unsigned s = 0; ahead && s < r->nr_sims; s++)
			fs_sim_prefetch(r->sims[s], ahead);
		for (unsigned s = 0; half && s < r->nr_sims; s++)
			fs_sim_prefetch2(r->sims[s], half);
	}
	return rc < 0 ? rc : 0;
}

/* The file of policy i for --emit-extfrag and --dump-pagetypeinfo: PATH
 * itself with one policy; with several PATH.SPEC, the spec's characters
 * other than letters, digits and ._=+- made '_', and .N (1-based) added to a
 * name an earlier policy already has. Caller frees. */
static char *policy_path(const struct fs_run_cfg *cfg, const char *path, unsigned i)
{
	char *out, *p;
	size_t len;

	if (cfg->nr_policies == 1 || !strcmp(path, "-"))
		return fs_xstrdup(path);
	len = strlen(path) + strlen(cfg->policies[i]) + 16;
	out = fs_xcalloc(1, len);
	snprintf(out, len, "%s.%s", path, cfg->policies[i]);
	for (p = out + strlen(path) + 1; *p; p++)
		if (!strchr("._=+-", *p) && !(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') &&
		    !(*p >= '0' && *p <= '9'))
			*p = '_';
	for (unsigned j = 0; j < i; j++) {
		char *other = policy_path(cfg, path, j);
		bool same = !strcmp(other, out);

		free(other);
		if (same) {
			snprintf(out + strlen(out), len - strlen(out), ".%u", i + 1);
			break;
		}
	}
	return out;
}

static int open_extfrag(struct fs_run *r, struct fs_err *err)
{
	const struct fs_run_cfg *cfg = r->cfg;

	r->xf_out = fs_xcalloc(r->nr_sims, sizeof(*r->xf_out));
	r->xf = fs_xcalloc(r->nr_sims, sizeof(*r->xf));
	for (unsigned i = 0; i < r->nr_sims; i++) {
		char *path = policy_path(cfg, cfg->extfrag_path, i);
		int rc = fs_out_open(&r->xf_out[i], path, err);

		free(path);
		if (rc)
			return 1;
		fs_xf_init(&r->xf[i], r->xf_out[i].fp, (int)i + 1);
		r->sims[i]->m->xf = &r->xf[i];
	}
	return 0;
}

static int dump_pagetypeinfo(struct fs_run *r, struct fs_err *err)
{
	const struct fs_run_cfg *cfg = r->cfg;

	for (unsigned i = 0; i < r->nr_sims; i++) {
		struct fs_outfile o;
		char *path = policy_path(cfg, cfg->pagetypeinfo_path, i);
		int rc = fs_out_open(&o, path, err);

		free(path);
		if (rc)
			return 1;
		fs_dump_pagetypeinfo(o.fp, r->sims[i]->m);
		if (fs_out_commit(&o, err))
			return 1;
	}
	return 0;
}

static int setup(struct fs_run *r, const struct fs_run_cfg *cfg, struct fs_err *err)
{
	int rc;

	r->cfg = cfg;
	fs_keytab_init(&r->keys);
	fs_evq_init(&r->q);
	r->sims = fs_xcalloc(cfg->nr_policies, sizeof(*r->sims));
	r->acc = fs_xcalloc(cfg->nr_policies, sizeof(*r->acc));
	for (unsigned i = 0; i < cfg->nr_policies; i++) {
		if ((rc = fs_sim_new(&r->sims[i], &cfg->layout, cfg->policies[i], cfg->placement, err)))
			return 2;
		r->nr_sims++;
		r->sims[i]->report = on_report;
		r->sims[i]->report_ctx = r;
		r->sims[i]->debug_check = cfg->debug_check;
	}
	r->tr = fs_xcalloc(cfg->nr_inputs, sizeof(*r->tr));
	if (cfg->workload) {                  /* fragsim run: the generator is the one input */
		const struct fs_machine *m = r->sims[0]->m;
		uint64_t present = 0;

		for (unsigned z = 0; z < m->nr_zones; z++)
			present += m->zones[z].present_pages;
		if (fs_trace_open_workload(&r->tr[0], cfg->workload, m->max_order, present, &r->keys, err))
			return 1;
		r->nr_tr = 1;
	}
	for (unsigned i = r->nr_tr; i < cfg->nr_inputs; i++) {
		if (fs_trace_open(&r->tr[i], cfg->inputs[i], cfg->format, err))
			return 1;
		r->nr_tr++;
		r->tr[i].src = (uint16_t)i;
		r->tr[i].keys = &r->keys;
		r->tr[i].max_order = r->sims[0]->m->max_order;
		r->tr[i].strict = cfg->strict_input;
		r->tr[i].key_by = cfg->key_by;
		if (cfg->mt_numbering) {
			r->tr[i].mt_numbering = cfg->mt_numbering - 1;
			r->tr[i].mt_numbering_forced = true;
		}
	}
	if (cfg->placement == FS_PLACE_KERNEL && (rc = fs_replay_kernel_setup(r, err)))
		return rc;
	if (cfg->initial_snapshot && fs_replay_initial_setup(r, err))
		return 1;
	if (fs_out_open(&r->csv, cfg->csv_path, err))
		return 1;
	if (cfg->extfrag_path && open_extfrag(r, err))
		return 1;
	if (cfg->map_path && fs_out_open(&r->map, cfg->map_path, err))
		return 1;
	return 0;
}

static void teardown(struct fs_run *r)
{
	for (unsigned i = 0; i < r->nr_tr; i++)
		fs_trace_close(&r->tr[i]);
	for (unsigned i = 0; i < r->nr_sims; i++)
		fs_sim_free(r->sims[i]);
	if (r->xf_out)
		for (unsigned i = 0; i < r->nr_sims; i++)
			fs_out_abort(&r->xf_out[i]);   /* no-op once committed */
	fs_out_abort(&r->map);                /* no-op once committed */
	free(r->xf_out);
	free(r->xf);
	free(r->tr);
	free(r->sims);
	free(r->acc);
	fs_evq_release(&r->q);
	fs_keytab_release(&r->keys);
	fs_replay_kernel_release(r);
}

static int run_loop(struct fs_run *r, struct fs_err *err)
{
	const struct fs_run_cfg *cfg = r->cfg;
	struct fs_event ev;

	for (unsigned i = 0; i < r->nr_tr; i++)
		if (refill(r, i, err))
			return 1;
	for (unsigned i = 0; i < cfg->nr_compact_at; i++)
		fs_evq_push(&r->q, (struct fs_event){ .time_ns = cfg->compact_at[i], .kind = FS_EV_COMPACT,
						      .src = FS_SRC_SYNTHETIC });
	fs_metrics_stat_cols(&r->cols, r->sims, r->nr_sims);
	fs_metrics_csv_header(r->csv.fp, r->sims[0]->m->max_order, &r->cols);
	r->start_ns = fs_now_ns();
	while (fs_evq_pop(&r->q, &ev)) {
		if (r->nr_ckpt_pending)
			fs_replay_kernel_before(r, ev.time_ns);
		if (!r->events) {
			r->first_time = ev.time_ns;
			r->next_sample = ev.time_ns;
			if (!cfg->interval_ns)
				sample(r, ev.time_ns);  /* the state before the first event */
		}
		while (cfg->interval_ns && ev.time_ns >= r->next_sample) {
			sample(r, r->next_sample);
			r->next_sample += cfg->interval_ns;
		}
		r->events++;
		r->last_time = ev.time_ns;
		for (unsigned i = 0; i < r->nr_sims; i++) {
			if (r->xf) {
				r->xf[i].time_ns = ev.time_ns;
				r->xf[i].cpu = ev.cpu;
			}
			/* daemons (a policy's tick) run before the event, at its time */
			fs_sim_tick(r->sims[i], ev.time_ns);
			if (fs_sim_apply(r->sims[i], &ev))
				return fs_error(err, 1, "%s:%" PRIu64 ": invariant check failed (see above)",
						ev.src == FS_SRC_SYNTHETIC ? "--compact-at" : cfg->inputs[ev.src],
						ev.line);
		}
		if (r->fatal[0])
			return fs_error(err, 1, "%s", r->fatal);
		if (ev.kind == FS_EV_MARKER && fs_replay_kernel_marker(r, &ev, err))
			return 1;
		if (cfg->every && r->events % cfg->every == 0)
			sample(r, ev.time_ns);
		if (ev.src != FS_SRC_SYNTHETIC && refill(r, ev.src, err))
			return 1;
		if ((r->events & 0xffff) == 0)
			progress(r, false);
	}
	if (r->nr_ckpt_pending)
		fs_replay_kernel_before(r, UINT64_MAX);
	if (!r->samples || r->sampled_at_events != r->events)
		sample(r, r->last_time);
	if (cfg->map_path && !r->map_done) {
		if (!cfg->map_at_end)
			fprintf(stderr, "fragsim: warning: --dump-map: no sample at or after %.6f s (the trace "
				"ends at %.6f s); the map is of the final state\n",
				(double)cfg->map_time_ns / 1e9, (double)r->last_time / 1e9);
		dump_map(r, r->last_time);
	}
	if (r->events >= 0x10000)
		progress(r, true);
	return 0;
}

int fs_replay_run(const struct fs_run_cfg *cfg, struct fs_err *err)
{
	struct fs_run r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = setup(&r, cfg, err);
	if (!rc)
		rc = run_loop(&r, err);
	if (!rc) {
		if (fs_out_commit(&r.csv, err))
			rc = 1;
		for (unsigned i = 0; !rc && r.xf_out && i < r.nr_sims; i++)
			if (fs_out_commit(&r.xf_out[i], err))
				rc = 1;
		if (rc)
			;
		else if (cfg->pagetypeinfo_path && dump_pagetypeinfo(&r, err))
			rc = 1;
		else if (cfg->summary_path && fs_summary_write(&r, cfg->summary_path, err))
			rc = 1;
		else if (cfg->map_path && fs_out_commit(&r.map, err))
			rc = 1;
	} else {
		fs_out_abort(&r.csv);
	}
	if (!rc && cfg->placement == FS_PLACE_KERNEL && fs_replay_kernel_finish(&r, err))
		rc = 1;
	if (!rc)
		fs_summary_print(&r, stderr);
	teardown(&r);
	return rc;
}
