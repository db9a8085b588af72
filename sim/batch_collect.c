/* batch_collect.c - a batch's results: each run's headline metrics from
 * its JSON summary, one row per run in DIR/summary.csv and
 * DIR/summary.json, and DIR/compare.csv ranking the policies per input.
 *
 * Runs that are not complete are listed with an empty row and their status
 * (incomplete: a log exists; not_run), never with made-up numbers; the
 * same for counters a run's JSON does not have (hugepage_success_rate
 * comes with workloads; migrated_pages is the counters' name for pages
 * migrated). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"

/* A key anywhere below o (depth first): where other modules put their
 * counters is theirs to decide. */
static json_t *find_key(json_t *o, const char *key)
{
	const char *k;
	json_t *v, *hit;
	size_t i;

	if (json_is_object(o)) {
		if ((v = json_object_get(o, key)))
			return v;
		json_object_foreach(o, k, v)
			if ((hit = find_key(v, key)))
				return hit;
	} else if (json_is_array(o)) {
		json_array_foreach(o, i, v)
			if ((hit = find_key(v, key)))
				return hit;
	}
	return NULL;
}

static bool num(json_t *o, const char *path, double *out)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	if (!json_is_number(o))
		return false;
	*out = json_number_value(o);
	return true;
}

static int csv_complete(const char *path, const char *id, char *why, size_t len)
{
	char head[8] = "";
	FILE *fp = fopen(path, "r");
	int last;

	if (!fp) {
		snprintf(why, len, "no runs/%.200s.csv", id);
		return -ENOENT;
	}
	if (!fgets(head, sizeof(head), fp) || strncmp(head, "time_s,", 7) || fseek(fp, -1, SEEK_END) ||
	    (last = fgetc(fp)) != '\n') {
		fclose(fp);
		snprintf(why, len, "runs/%.200s.csv is not a complete fragsim CSV", id);
		return -EINVAL;
	}
	fclose(fp);
	return 0;
}

int fs_batch_result_read(const char *dir, const char *id, struct fs_batch_result *r)
{
	char path[4400];
	json_error_t je;
	json_t *root, *p0, *v;
	double d[10], att, succ;
	int rc;

	memset(r, 0, sizeof(*r));
	fs_batch_path(path, sizeof(path), dir, id, "csv");
	if ((rc = csv_complete(path, id, r->error, sizeof(r->error))))
		return rc;
	fs_batch_path(path, sizeof(path), dir, id, "json");
	if (access(path, F_OK)) {
		snprintf(r->error, sizeof(r->error), "no runs/%.200s.json", id);
		return -ENOENT;
	}
	if (!(root = json_load_file(path, 0, &je))) {
		snprintf(r->error, sizeof(r->error), "runs/%.100s.json:%d: %.100s", id, je.line, je.text);
		return -EINVAL;
	}
	/* a result another build made may differ: not this build's (rerun) */
	v = json_object_get(root, "fragsim_build");
	if (!json_is_string(v) || strcmp(json_string_value(v), fs_build_id)) {
		snprintf(r->error, sizeof(r->error), "runs/%.150s.json was made by another fragsim build (%.20s)",
			 id, json_is_string(v) ? json_string_value(v) : "unknown");
		r->stale = true;
		json_decref(root);
		return -ESTALE;
	}
	p0 = json_array_get(json_object_get(root, "policies"), 0);
	if (!num(root, "events", &d[0]) || !num(root, "machine.pageblock_order", &d[1]) ||
	    !num(p0, "metrics.unusable_pb.final", &d[2]) || !num(p0, "metrics.unusable_pb.mean", &d[3]) ||
	    !num(p0, "metrics.free_pageblocks.final", &d[4]) || !num(p0, "metrics.free_pageblocks.mean", &d[5]) ||
	    !num(p0, "counters.alloc_failures", &d[6]) || !num(p0, "counters.failures_order_ge1", &d[7]) ||
	    !num(p0, "extfrag.events", &d[8]) || !num(p0, "extfrag.fragmenting", &d[9])) {
		snprintf(r->error, sizeof(r->error), "runs/%.150s.json lacks the summary fields (events, metrics, counters, extfrag)", id);
		json_decref(root);
		return -EINVAL;
	}
	r->events = (uint64_t)d[0];
	r->pageblock_order = (unsigned)d[1];
	r->unusable_pb_final = d[2];
	r->unusable_pb_mean = d[3];
	r->free_pageblocks_final = d[4];
	r->free_pageblocks_mean = d[5];
	r->alloc_failures = (uint64_t)d[6];
	r->high_order_failures = (uint64_t)d[7];
	r->extfrag_events = (uint64_t)d[8];
	r->fragmenting_events = (uint64_t)d[9];
	if (json_is_number(v = find_key(p0, "migrated_pages")) ||
	    json_is_number(v = find_key(p0, "pages_migrated"))) {
		r->has_pages_migrated = true;
		r->pages_migrated = (uint64_t)json_number_value(v);
	}
	if (json_is_number(v = find_key(p0, "hugepage_success_rate"))) {
		r->has_hugepage_rate = true;
		r->hugepage_success_rate = json_number_value(v);
	} else if (json_is_number(v = find_key(p0, "hugepage_attempts")) && (att = json_number_value(v)) > 0 &&
		   json_is_number(v = find_key(p0, "hugepage_successes"))) {
		succ = json_number_value(v);
		r->has_hugepage_rate = true;
		r->hugepage_success_rate = succ / att;
	}
	json_decref(root);
	r->done = true;
	return 0;
}

void fs_batch_log_tail(const char *dir, const char *id, unsigned n, char *buf, size_t len)
{
	char path[4400], line[512], ring[8][512];
	unsigned count = 0;
	FILE *fp;
	size_t used = 0;

	buf[0] = 0;
	if (n > 8)
		n = 8;
	fs_batch_path(path, sizeof(path), dir, id, "log");
	if (!(fp = fopen(path, "r")))
		return;
	while (fgets(line, sizeof(line), fp)) {
		/* progress lines end in \r; keep what follows the last one */
		char *cr = strrchr(line, '\r');

		line[strcspn(line, "\n")] = 0;
		if (cr)
			memmove(line, cr + 1, strlen(cr + 1) + 1);
		if (!*line)
			continue;
		snprintf(ring[count++ % 8], sizeof(ring[0]), "%s", line);
	}
	fclose(fp);
	for (unsigned i = count > n ? count - n : 0; i < count && used + 1 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? " | " : "", ring[i % 8]);
}

/* ---- summary.csv, summary.json ------------------------------------------------ */

static void csv_field(FILE *fp, const char *s, bool first)
{
	if (!first)
		fputc(',', fp);
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, fp);
		return;
	}
	fputc('"', fp);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

#define SUMMARY_HEADER                                                                         \
	"run_id,input,kind,policy,seed,status,pageblock_order,events,unusable_pb_final,"       \
	"unusable_pb_mean,free_pageblocks_final,free_pageblocks_mean,alloc_failures,"          \
	"high_order_failures,extfrag_events,fragmenting_events,pages_migrated,"                \
	"hugepage_success_rate,csv,error\n"

static const char *status_of(const char *dir, const struct fs_batch_run *run,
			     const struct fs_batch_result *r)
{
	char log[4400];

	if (r->done)
		return "done";
	fs_batch_path(log, sizeof(log), dir, run->id, "log");
	return access(log, F_OK) ? "not_run" : "incomplete";
}

static void summary_row(FILE *fp, json_t *arr, const char *dir, const struct fs_batch_run *run,
			const struct fs_batch_result *r)
{
	char seed[32] = "", v[16][48], csv[300], err[400] = "";
	const char *status = status_of(dir, run, r);
	json_t *o = json_object();

	memset(v, 0, sizeof(v));
	if (run->has_seed)
		snprintf(seed, sizeof(seed), "%" PRIu64, run->seed);
	if (r->done) {
		snprintf(v[0], 48, "%u", r->pageblock_order);
		snprintf(v[1], 48, "%" PRIu64, r->events);
		snprintf(v[2], 48, "%.6g", r->unusable_pb_final);
		snprintf(v[3], 48, "%.6g", r->unusable_pb_mean);
		snprintf(v[4], 48, "%.6g", r->free_pageblocks_final);
		snprintf(v[5], 48, "%.6g", r->free_pageblocks_mean);
		snprintf(v[6], 48, "%" PRIu64, r->alloc_failures);
		snprintf(v[7], 48, "%" PRIu64, r->high_order_failures);
		snprintf(v[8], 48, "%" PRIu64, r->extfrag_events);
		snprintf(v[9], 48, "%" PRIu64, r->fragmenting_events);
		if (r->has_pages_migrated)
			snprintf(v[10], 48, "%" PRIu64, r->pages_migrated);
		if (r->has_hugepage_rate)
			snprintf(v[11], 48, "%.6g", r->hugepage_success_rate);
		snprintf(csv, sizeof(csv), "runs/%s.csv", run->id);
	} else {
		csv[0] = 0;
		if (!strcmp(status, "incomplete"))
			fs_batch_log_tail(dir, run->id, 1, err, sizeof(err));
	}
	csv_field(fp, run->id, true);
	csv_field(fp, run->input, false);
	csv_field(fp, run->kind == FS_BATCH_WORKLOAD ? "workload" : "trace", false);
	csv_field(fp, run->policy, false);
	csv_field(fp, seed, false);
	csv_field(fp, status, false);
	for (unsigned i = 0; i < 12; i++)
		csv_field(fp, v[i], false);
	csv_field(fp, csv, false);
	csv_field(fp, err, false);
	fputc('\n', fp);

	json_object_set_new(o, "run_id", json_string(run->id));
	json_object_set_new(o, "input", json_string(run->input));
	json_object_set_new(o, "kind", json_string(run->kind == FS_BATCH_WORKLOAD ? "workload" : "trace"));
	json_object_set_new(o, "policy", json_string(run->policy));
	json_object_set_new(o, "seed", run->has_seed ? json_integer((json_int_t)run->seed) : json_null());
	json_object_set_new(o, "status", json_string(status));
	if (r->done) {
		json_object_set_new(o, "pageblock_order", json_integer(r->pageblock_order));
		json_object_set_new(o, "events", json_integer((json_int_t)r->events));
		json_object_set_new(o, "unusable_pb_final", json_real(r->unusable_pb_final));
		json_object_set_new(o, "unusable_pb_mean", json_real(r->unusable_pb_mean));
		json_object_set_new(o, "free_pageblocks_final", json_real(r->free_pageblocks_final));
		json_object_set_new(o, "free_pageblocks_mean", json_real(r->free_pageblocks_mean));
		json_object_set_new(o, "alloc_failures", json_integer((json_int_t)r->alloc_failures));
		json_object_set_new(o, "high_order_failures", json_integer((json_int_t)r->high_order_failures));
		json_object_set_new(o, "extfrag_events", json_integer((json_int_t)r->extfrag_events));
		json_object_set_new(o, "fragmenting_events", json_integer((json_int_t)r->fragmenting_events));
		json_object_set_new(o, "pages_migrated", r->has_pages_migrated
				    ? json_integer((json_int_t)r->pages_migrated) : json_null());
		json_object_set_new(o, "hugepage_success_rate", r->has_hugepage_rate
				    ? json_real(r->hugepage_success_rate) : json_null());
		json_object_set_new(o, "csv", json_string(csv));
	} else if (*err) {
		json_object_set_new(o, "error", json_string(err));
	}
	json_array_append_new(arr, o);
}

/* ---- compare.csv ------------------------------------------------------------------ */

struct rank_row {
	const char *policy;
	unsigned runs;                /* complete runs (seeds) averaged */
	double unusable_final, unusable_mean, free_pb_final, high_order_failures, fragmenting;
};

/* Lower final unusable index at pageblock order first; ties broken by the
 * lower mean over the run, then more free pageblocks at the end, then fewer
 * high-order failures (rows equal in all four share a rank, listed by
 * spec). */
static int rank_cmp(const void *a, const void *b)
{
	const struct rank_row *x = a, *y = b;

	if (x->unusable_final != y->unusable_final)
		return x->unusable_final < y->unusable_final ? -1 : 1;
	if (x->unusable_mean != y->unusable_mean)
		return x->unusable_mean < y->unusable_mean ? -1 : 1;
	if (x->free_pb_final != y->free_pb_final)
		return x->free_pb_final > y->free_pb_final ? -1 : 1;
	if (x->high_order_failures != y->high_order_failures)
		return x->high_order_failures < y->high_order_failures ? -1 : 1;
	return strcmp(x->policy, y->policy);
}

static void compare_input(FILE *fp, const struct fs_batch *b, const struct fs_batch_result *res,
			  const char *input)
{
	struct rank_row *rows = fs_xcalloc(b->nr_runs, sizeof(*rows));
	unsigned n = 0, rank = 0;

	for (unsigned i = 0; i < b->nr_runs; i++) {
		const struct fs_batch_run *run = &b->runs[i];
		unsigned k;

		if (strcmp(run->input, input) || !res[i].done)
			continue;
		for (k = 0; k < n && strcmp(rows[k].policy, run->policy); k++)
			;
		if (k == n)
			rows[n++].policy = run->policy;
		rows[k].runs++;
		rows[k].unusable_final += res[i].unusable_pb_final;
		rows[k].unusable_mean += res[i].unusable_pb_mean;
		rows[k].free_pb_final += res[i].free_pageblocks_final;
		rows[k].high_order_failures += (double)res[i].high_order_failures;
		rows[k].fragmenting += (double)res[i].fragmenting_events;
	}
	for (unsigned k = 0; k < n; k++) {       /* means over seeds */
		rows[k].unusable_final /= rows[k].runs;
		rows[k].unusable_mean /= rows[k].runs;
		rows[k].free_pb_final /= rows[k].runs;
		rows[k].high_order_failures /= rows[k].runs;
		rows[k].fragmenting /= rows[k].runs;
	}
	qsort(rows, n, sizeof(*rows), rank_cmp);
	for (unsigned k = 0; k < n; k++) {
		char line[256];

		if (!k || rows[k].unusable_final != rows[k - 1].unusable_final ||
		    rows[k].unusable_mean != rows[k - 1].unusable_mean ||
		    rows[k].free_pb_final != rows[k - 1].free_pb_final ||
		    rows[k].high_order_failures != rows[k - 1].high_order_failures)
			rank = k + 1;
		csv_field(fp, input, true);
		snprintf(line, sizeof(line), "%u", rank);
		csv_field(fp, line, false);
		csv_field(fp, rows[k].policy, false);
		fprintf(fp, ",%u,%.6g,%.6g,%.6g,%.6g,%.6g\n", rows[k].runs, rows[k].unusable_final,
			rows[k].unusable_mean, rows[k].free_pb_final, rows[k].high_order_failures,
			rows[k].fragmenting);
	}
	free(rows);
}

int fs_batch_collect(const struct fs_batch *b, const char *dir, unsigned *done, struct fs_err *err)
{
	struct fs_batch_result *res = fs_xcalloc(b->nr_runs + 1, sizeof(*res));
	struct fs_outfile csv, cmp;
	json_t *root = json_object(), *arr = json_array();
	char path[4200];
	int rc;

	*done = 0;
	snprintf(path, sizeof(path), "%s/summary.csv", dir);
	if ((rc = fs_out_open(&csv, path, err)))
		goto out_free;
	fputs(SUMMARY_HEADER, csv.fp);
	for (unsigned i = 0; i < b->nr_runs; i++) {
		fs_batch_result_read(dir, b->runs[i].id, &res[i]);
		*done += res[i].done;
		summary_row(csv.fp, arr, dir, &b->runs[i], &res[i]);
	}
	if ((rc = fs_out_commit(&csv, err)))
		goto out_free;
	json_object_set_new(root, "schema_version", json_integer(1));
	json_object_set_new(root, "runs_total", json_integer(b->nr_runs));
	json_object_set_new(root, "runs_done", json_integer(*done));
	json_object_set_new(root, "runs", arr);
	arr = NULL;
	snprintf(path, sizeof(path), "%s/summary.json", dir);
	if ((rc = fs_out_json(path, root, 6, err)))
		goto out_free;
	snprintf(path, sizeof(path), "%s/compare.csv", dir);
	if ((rc = fs_out_open(&cmp, path, err)))
		goto out_free;
	fputs("input,rank,policy,runs,unusable_pb_final,unusable_pb_mean,free_pageblocks_final,"
	      "high_order_failures,fragmenting_events\n", cmp.fp);
	for (unsigned i = 0; i < b->nr_runs; i++) {
		unsigned j;

		for (j = 0; j < i && strcmp(b->runs[j].input, b->runs[i].input); j++)
			;
		if (j == i)                           /* first run of this input */
			compare_input(cmp.fp, b, res, b->runs[i].input);
	}
	rc = fs_out_commit(&cmp, err);
out_free:
	json_decref(arr);
	json_decref(root);
	free(res);
	return rc;
}
