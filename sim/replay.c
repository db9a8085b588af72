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

static void sample(struct fs_run *r, uint64_t time_ns)
{
	for (unsigned i = 0; i < r->nr_sims; i++) {
		fs_metrics_csv_rows(r->csv.fp, r->sims[i], time_ns, r->events);
		fs_summary_accumulate(&r->acc[i], r->sims[i]);
	}
	r->samples++;
	r->sampled_at_events = r->events;
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
	return rc < 0 ? rc : 0;
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
	for (unsigned i = 0; i < cfg->nr_inputs; i++) {
		if (fs_trace_open(&r->tr[i], cfg->inputs[i], cfg->format, err))
			return 1;
		r->nr_tr++;
		r->tr[i].src = (uint16_t)i;
		r->tr[i].keys = &r->keys;
		r->tr[i].max_order = r->sims[0]->m->max_order;
		r->tr[i].strict = cfg->strict_input;
	}
	if (fs_out_open(&r->csv, cfg->csv_path, err))
		return 1;
	return 0;
}

static void teardown(struct fs_run *r)
{
	for (unsigned i = 0; i < r->nr_tr; i++)
		fs_trace_close(&r->tr[i]);
	for (unsigned i = 0; i < r->nr_sims; i++)
		fs_sim_free(r->sims[i]);
	free(r->tr);
	free(r->sims);
	free(r->acc);
	fs_evq_release(&r->q);
	fs_keytab_release(&r->keys);
}

static int run_loop(struct fs_run *r, struct fs_err *err)
{
	const struct fs_run_cfg *cfg = r->cfg;
	struct fs_event ev;

	for (unsigned i = 0; i < r->nr_tr; i++)
		if (refill(r, i, err))
			return 1;
	fs_metrics_csv_header(r->csv.fp, r->sims[0]->m->max_order);
	r->start_ns = fs_now_ns();
	while (fs_evq_pop(&r->q, &ev)) {
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
		for (unsigned i = 0; i < r->nr_sims; i++)
			if (fs_sim_apply(r->sims[i], &ev))
				return fs_error(err, 1, "%s:%" PRIu64 ": invariant check failed (see above)",
						cfg->inputs[ev.src], ev.line);
		if (r->fatal[0])
			return fs_error(err, 1, "%s", r->fatal);
		if (cfg->every && r->events % cfg->every == 0)
			sample(r, ev.time_ns);
		if (refill(r, ev.src, err))
			return 1;
		if ((r->events & 0xffff) == 0)
			progress(r, false);
	}
	if (!r->samples || r->sampled_at_events != r->events)
		sample(r, r->last_time);
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
		else if (cfg->summary_path && fs_summary_write(&r, cfg->summary_path, err))
			rc = 1;
	} else {
		fs_out_abort(&r.csv);
	}
	if (!rc)
		fs_summary_print(&r, stderr);
	teardown(&r);
	return rc;
}
