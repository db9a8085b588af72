/* summary.c - the JSON summary of a run (jansson) and the short report on
 * stderr. Counters and headline metrics come from their X-macro lists, so
 * a new counter appears here without touching this file. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <string.h>

#include "kexact.h"
#include "procfs.h"
#include "replay.h"
#include "workload.h"

static double headline(const struct fs_sim *s, unsigned h)
{
	const struct fs_machine *m = s->m;
	uint64_t nr_free[FS_NR_ORDERS];
	struct fs_contig_info info;

	fs_metrics_nr_free_all(m, nr_free);
	switch (h) {
	case FS_H_free_pages:
		fs_contig_info(nr_free, m->max_order, 0, &info);
		return (double)info.free_pages;
	case FS_H_free_pageblocks:
		return (double)fs_metrics_free_pageblocks(nr_free, m->max_order, m->pageblock_order);
	case FS_H_largest_free_order:
		return fs_metrics_largest_order(nr_free, m->max_order);
	case FS_H_unusable_pb:
		fs_contig_info(nr_free, m->max_order, m->pageblock_order, &info);
		return fs_unusable_index(&info, m->pageblock_order) / 1000.0;
	case FS_H_fragindex_pb:
		fs_contig_info(nr_free, m->max_order, m->pageblock_order, &info);
		return fs_fragmentation_index(&info, m->pageblock_order) / 1000.0;
	case FS_H_unusable_max:
		fs_contig_info(nr_free, m->max_order, m->max_order, &info);
		return fs_unusable_index(&info, m->max_order) / 1000.0;
	}
	return 0;
}

void fs_summary_accumulate(struct fs_run_acc *acc, const struct fs_sim *s)
{
	for (unsigned h = 0; h < FS_NR_HEADLINES; h++) {
		struct fs_sample_acc *a = &acc->h[h];
		double v = headline(s, h);

		if (!a->n || v > a->max)
			a->max = v;
		a->sum += v;
		a->final = v;
		a->n++;
	}
}

static json_t *nr_free_json(const uint64_t *nr_free, unsigned max_order)
{
	json_t *a = json_array();

	for (unsigned o = 0; o <= max_order; o++)
		json_array_append_new(a, json_integer((json_int_t)nr_free[o]));
	return a;
}

static json_t *zone_json(const struct fs_machine *m, const char *name, const uint64_t *nr_free)
{
	json_t *z = json_object(), *u = json_array(), *f = json_array();
	struct fs_contig_info info;

	json_object_set_new(z, "zone", json_string(name));
	fs_contig_info(nr_free, m->max_order, 0, &info);
	json_object_set_new(z, "free_pages", json_integer((json_int_t)info.free_pages));
	json_object_set_new(z, "free_blocks", nr_free_json(nr_free, m->max_order));
	for (unsigned o = 0; o <= m->max_order; o++) {
		fs_contig_info(nr_free, m->max_order, o, &info);
		json_array_append_new(u, json_real(fs_unusable_index(&info, o) / 1000.0));
		json_array_append_new(f, json_real(fs_fragmentation_index(&info, o) / 1000.0));
	}
	json_object_set_new(z, "unusable", u);
	json_object_set_new(z, "fragindex", f);
	json_object_set_new(z, "largest_free_order",
			    json_integer(fs_metrics_largest_order(nr_free, m->max_order)));
	json_object_set_new(z, "free_pageblocks",
			    json_integer((json_int_t)fs_metrics_free_pageblocks(nr_free, m->max_order,
										m->pageblock_order)));
	return z;
}

/* The simulated mm_page_alloc_extfrag events, with the (requested,
 * fallback) type pairs named as fragsim extfrag and mmtests name them. */
static json_t *extfrag_json(const struct fs_zone *all)
{
	json_t *o = json_object(), *pairs = json_array();

	json_object_set_new(o, "events", json_integer((json_int_t)all->extfrag.events));
	json_object_set_new(o, "fragmenting", json_integer((json_int_t)all->extfrag.fragmenting));
	json_object_set_new(o, "change_ownership", json_integer((json_int_t)all->extfrag.change_ownership));
	for (unsigned a = 0; a < FS_MT_NR; a++)
		for (unsigned f = 0; f < FS_MT_NR; f++) {
			json_t *e;

			if (!all->extfrag.by_type[a][f])
				continue;
			e = json_object();
			json_object_set_new(e, "alloc_migratetype", json_string(fs_mt_name(a)));
			json_object_set_new(e, "fallback_migratetype", json_string(fs_mt_name(f)));
			json_object_set_new(e, "events", json_integer((json_int_t)all->extfrag.by_type[a][f]));
			json_array_append_new(pairs, e);
		}
	json_object_set_new(o, "by_type", pairs);
	return o;
}

static json_t *sim_json(const struct fs_run *r, unsigned i)
{
	const struct fs_sim *s = r->sims[i];
	json_t *p = json_object(), *c = json_object(), *h = json_object(), *zs = json_array();
	struct fs_zone all;

	json_object_set_new(p, "policy", json_string(s->pol->label));
#define FS_X(name, pz, doc) json_object_set_new(c, #name, json_integer((json_int_t)s->c.name));
	FS_COUNTERS(FS_X)
#undef FS_X
	json_object_set_new(c, "live_allocations", json_integer((json_int_t)s->at.live));
	json_object_set_new(p, "counters", c);
	if (s->kx) {                  /* --placement kernel (sim/kexact.h) */
		json_t *k = json_object();

#define FS_X(name, doc) json_object_set_new(k, #name, json_integer((json_int_t)s->kx->c.name));
		FS_KX_COUNTERS(FS_X)
#undef FS_X
		json_object_set_new(p, "kernel_exact", k);
	}
#define FS_X(name, doc)                                                                    \
	{                                                                                  \
		const struct fs_sample_acc *a = &r->acc[i].h[FS_H_##name];                 \
		json_t *o = json_object();                                                 \
		json_object_set_new(o, "final", json_real(a->final));                      \
		json_object_set_new(o, "mean", json_real(a->n ? a->sum / (double)a->n : 0)); \
		json_object_set_new(o, "max", json_real(a->max));                          \
		json_object_set_new(h, #name, o);                                          \
	}
	FS_HEADLINES(FS_X)
#undef FS_X
	json_object_set_new(p, "metrics", h);
	for (unsigned z = 0; z < s->m->nr_zones; z++)
		json_array_append_new(zs, zone_json(s->m, s->m->zones[z].name, s->m->zones[z].nr_free));
	fs_metrics_zone_all(s->m, &all);
	json_array_append_new(zs, zone_json(s->m, "all", all.nr_free));
	json_object_set_new(p, "final", zs);
	json_object_set_new(p, "extfrag", extfrag_json(&all));
	{
		uint64_t vals[FS_MAX_POLICY_STATS];
		unsigned n = fs_metrics_policy_stats(s, -1, vals);

		if (n) {
			json_t *ps = json_object();

			for (unsigned k = 0; k < n; k++)
				json_object_set_new(ps, s->pol->ops->stats[k].name,
						    json_integer((json_int_t)vals[k]));
			json_object_set_new(p, "policy_stats", ps);
		}
	}
	return p;
}

static json_t *machine_json(const struct fs_machine *m)
{
	json_t *o = json_object(), *zs = json_array(), *hs = json_array();

	json_object_set_new(o, "max_order", json_integer(m->max_order));
	json_object_set_new(o, "pageblock_order", json_integer(m->pageblock_order));
	for (unsigned i = 0; i < m->nr_zones; i++) {
		json_t *z = json_object();

		json_object_set_new(z, "name", json_string(m->zones[i].name));
		json_object_set_new(z, "start_pfn", json_integer((json_int_t)m->zones[i].start_pfn));
		json_object_set_new(z, "spanned_pages",
				    json_integer((json_int_t)(m->zones[i].end_pfn - m->zones[i].start_pfn)));
		json_object_set_new(z, "present_pages", json_integer((json_int_t)m->zones[i].present_pages));
		json_array_append_new(zs, z);
	}
	for (unsigned i = 0; i < m->nr_holes; i++) {
		json_t *h = json_object();

		json_object_set_new(h, "start_pfn", json_integer((json_int_t)m->holes[i].start_pfn));
		json_object_set_new(h, "pages", json_integer((json_int_t)m->holes[i].nr_pages));
		json_array_append_new(hs, h);
	}
	json_object_set_new(o, "zones", zs);
	json_object_set_new(o, "holes", hs);
	json_object_set_new(o, "state_bytes_per_page",
			    json_real((double)fs_machine_state_bytes(m) / (double)m->nr_pages));
	return o;
}

int fs_summary_write(const struct fs_run *r, const char *path, struct fs_err *err)
{
	const struct fs_run_cfg *cfg = r->cfg;
	json_t *root = json_object(), *inputs = json_array(), *pols = json_array();
	int rc;

	json_object_set_new(root, "schema_version", json_integer(FS_SCHEMA_VERSION));
	json_object_set_new(root, "fragsim_version", json_string(FS_VERSION));
	json_object_set_new(root, "fragsim_build", json_string(fs_build_id));
	json_object_set_new(root, "command", json_string(cfg->workload ? "run" : "replay"));
	if (cfg->workload) {
		json_t *w = json_object();

		json_object_set_new(w, "path", json_string(cfg->workload->path));
		json_object_set_new(w, "seed", json_integer((json_int_t)cfg->workload->seed));
		json_object_set_new(w, "duration_s", json_real((double)cfg->workload->duration_ns / 1e9));
		json_object_set_new(w, "classes", json_integer(cfg->workload->nr_classes));
		json_object_set_new(w, "phases", json_integer(cfg->workload->nr_phases));
		json_object_set_new(root, "workload", w);
	}
	if (cfg->initial_snapshot || cfg->initial_kpageflags) {
		json_t *w = json_object();

		/* where the machine's state at the start came from (README:
		 * Starting from a snapshot, Kernel-exact replay) */
		json_object_set_new(w, "path", json_string(cfg->initial_snapshot ? cfg->initial_snapshot
							   : cfg->initial_kpageflags));
		json_object_set_new(w, "kind", json_string(cfg->initial_kpageflags ? "kpageflags"
							   : fs_procfs_kind_name(r->initial_kind)));
		if (cfg->initial_snapshot) {
			json_object_set_new(w, "record_line", json_integer((json_int_t)r->initial_line));
			json_object_set_new(w, "layout", json_string(cfg->initial_layout ? "packed" : "spread"));
		}
		if (cfg->initial_buddyinfo)
			json_object_set_new(w, "buddyinfo", json_string(cfg->initial_buddyinfo));
		json_object_set_new(root, "initial", w);
	}
	for (unsigned i = 0; i < r->nr_tr; i++) {
		const struct fs_trace *t = &r->tr[i];
		const struct fs_trace_stats *st = &t->st;
		json_t *in = json_object();

		json_object_set_new(in, "path", json_string(cfg->inputs[i]));
		json_object_set_new(in, "format", json_string(t->dat ? "trace.dat" : fs_trace_format_name(t->format)));
		json_object_set_new(in, "compression", json_string(fs_input_codec_name(t->in.codec)));
		json_object_set_new(in, "migratetype_numbering",
				    json_string(t->mt_numbering == 1 ? "pre-4.4" : "4.4+"));
		json_object_set_new(in, "migratetype_numbering_source",
				    json_string(t->mt_numbering_forced ? "--kernel-version"
						: t->mt_numbering >= 0 ? "gfp flags" : "assumed"));
		json_object_set_new(in, "migratetype_lines_before_known",
				    json_integer((json_int_t)t->mt_assumed));
		json_object_set_new(in, "lines", json_integer((json_int_t)st->lines));
		json_object_set_new(in, "events", json_integer((json_int_t)st->events));
		json_object_set_new(in, "comment_lines", json_integer((json_int_t)st->comments));
		json_object_set_new(in, "malformed", json_integer((json_int_t)st->malformed));
		json_object_set_new(in, "time_regressions", json_integer((json_int_t)st->time_regressions));
		if (t->format == FS_FMT_FTRACE) {
			/* every line accounted for: lines = events + comment_lines
			 * + malformed + skipped_lines; kernel_events splits events
			 * and skipped lines by kind (as grep -c counts them) */
			json_t *kev = json_object();

			json_object_set_new(in, "skipped_lines", json_integer((json_int_t)st->skipped));
			for (unsigned k = 0; k < FS_KEV_NR; k++)
				json_object_set_new(kev, fs_kernel_event_keys[k],
						    json_integer((json_int_t)st->kev[k]));
			json_object_set_new(in, "kernel_events", kev);
			json_object_set_new(in, "failed_allocs", json_integer((json_int_t)st->failed_allocs));
			json_object_set_new(in, "gfp_unknown_names", json_integer((json_int_t)st->gfp_unknown));
			json_object_set_new(in, "lost_events", json_integer((json_int_t)st->lost_events));
		}
		json_array_append_new(inputs, in);
	}
	json_object_set_new(root, "inputs", inputs);
	json_object_set_new(root, "machine", machine_json(r->sims[0]->m));
	json_object_set_new(root, "placement",
			    json_string(cfg->placement == FS_PLACE_TRACE ? "trace" :
					cfg->placement == FS_PLACE_KERNEL ? "kernel" : "policy"));
	json_object_set_new(root, "interval_s", json_real((double)cfg->interval_ns / 1e9));
	json_object_set_new(root, "every_events", json_integer((json_int_t)cfg->every));
	json_object_set_new(root, "events", json_integer((json_int_t)r->events));
	json_object_set_new(root, "samples", json_integer((json_int_t)r->samples));
	json_object_set_new(root, "first_time_s", json_real((double)r->first_time / 1e9));
	json_object_set_new(root, "last_time_s", json_real((double)r->last_time / 1e9));
	for (unsigned i = 0; i < r->nr_sims; i++)
		json_array_append_new(pols, sim_json(r, i));
	json_object_set_new(root, "policies", pols);
	rc = fs_out_json(path, root, 6, err);
	json_decref(root);
	return rc;
}

void fs_summary_print(const struct fs_run *r, FILE *fp)
{
	for (unsigned i = 0; i < r->nr_sims; i++) {
		const struct fs_sim *s = r->sims[i];

		fprintf(fp, "fragsim: %s: %" PRIu64 " events, %" PRIu64 " allocs, %" PRIu64
			" frees (%" PRIu64 " partial), %" PRIu64 " failed, %" PRIu64 " unknown frees, %"
			PRIu64 " double frees, %" PRIu64 " failed in the kernel; final unusable index at order %u: %.3f\n",
			s->pol->label, r->events, s->c.allocs, s->c.frees, s->c.partial_frees,
			s->c.alloc_failures, s->c.unknown_frees, s->c.double_frees, s->c.kernel_failed_allocs,
			s->m->pageblock_order, r->acc[i].h[FS_H_unusable_pb].final);
		if (s->c.hugepage_attempts || s->c.reclaimed_pages || s->c.reclaimed_then_freed)
			fprintf(fp, "fragsim: %s: probes %" PRIu64 " of %" PRIu64 " placed; reclaimed %" PRIu64
				" pages (%" PRIu64 " direct, %" PRIu64 " kswapd wakeups), %" PRIu64
				" frees of reclaimed allocations\n", s->pol->label, s->c.hugepage_successes,
				s->c.hugepage_attempts, s->c.reclaimed_pages, s->c.direct_reclaim_pages,
				s->c.kswapd_wakeups, s->c.reclaimed_then_freed);
		if (s->c.placement_conflicts || s->c.bad_events || s->c.duplicate_allocs ||
		    s->c.free_order_mismatches)
			fprintf(fp, "fragsim: %s: %" PRIu64 " placement conflicts, %" PRIu64
				" bad events, %" PRIu64 " duplicate allocs, %" PRIu64 " free order mismatches\n",
				s->pol->label, s->c.placement_conflicts, s->c.bad_events,
				s->c.duplicate_allocs, s->c.free_order_mismatches);
	}
}
