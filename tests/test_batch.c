/* test_batch.c - fragsim batch: run ids, shell quoting, the spec's grid
 * expansion and its errors (sim/batch_spec.c), results read from run JSONs
 * (sim/batch_collect.c). The executor is tested from the CLI
 * (tests/cli/batch.sh). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"

static char tmpdir[64];

static void setup_dir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fs-test-batch.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	cr_assert_not_null(fp);
	fputs(text, fp);
	fclose(fp);
}

Test(batch, run_id_readable_and_safe)
{
	char *id = fs_batch_run_id("../traces/build-2s.trace", "linux-6.15:nofragment=on,pcp=off", false, 0, false);

	cr_assert_str_eq(id, "build-2s__linux-6.15_nofragment=on_pcp=off");
	free(id);
	/* compression and one extension go; seeds are named */
	id = fs_batch_run_id("/x/y/trace_pipe.txt.zst", "buddy", false, 0, false);
	cr_assert_str_eq(id, "trace_pipe__buddy");
	free(id);
	id = fs_batch_run_id("w/thp.yaml", "buddy", true, 42, false);
	cr_assert_str_eq(id, "thp__buddy__s42");
	free(id);
}

Test(batch, run_id_hash_when_lossy)
{
	/* a space and a slash are not kept: the id gets a hash, and two inputs
	 * that sanitize alike get different ones */
	char *a = fs_batch_run_id("my trace.txt", "buddy", false, 0, false);
	char *b = fs_batch_run_id("my_trace.txt", "buddy", false, 0, false);
	char *c = fs_batch_run_id("my trace.txt", "buddy", false, 0, false);

	cr_assert_eq(strncmp(a, "my_trace__buddy__", 17), 0, "%s", a);
	cr_assert_eq(strlen(a), 17 + 8);
	cr_assert_str_eq(b, "my_trace__buddy");
	cr_assert_str_eq(a, c, "ids are stable");
	for (const char *p = a; *p; p++)
		cr_assert(strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._=+-", *p), "%s", a);
	free(a);
	free(b);
	free(c);
	/* forced (same stem in two directories): differ by directory */
	a = fs_batch_run_id("build/trace_pipe.txt.zst", "buddy", false, 0, true);
	b = fs_batch_run_id("churn/trace_pipe.txt.zst", "buddy", false, 0, true);
	cr_assert_str_neq(a, b);
	cr_assert_eq(strncmp(a, "trace_pipe__buddy__", 19), 0);
	free(a);
	free(b);
}

Test(batch, shell_quote)
{
	char *q = fs_batch_shell_quote("/a/b-c.trace");

	cr_assert_str_eq(q, "/a/b-c.trace");
	free(q);
	q = fs_batch_shell_quote("it's a file");
	cr_assert_str_eq(q, "'it'\\''s a file'");
	free(q);
	q = fs_batch_shell_quote("");
	cr_assert_str_eq(q, "''");
	free(q);
}

Test(batch, grid_expansion, .init = setup_dir, .fini = teardown_dir)
{
	struct fs_batch_spec s;
	struct fs_batch b;
	struct fs_err err = { "" };
	char path[256];
	int rc;

	write_file("a.trace", "0.0 A 1 0\n");
	write_file("w.yaml", "duration: 1s\n");
	write_file("b.yaml",
		   "inputs: [a.trace, w.yaml]\n"
		   "policies:\n"
		   "  - buddy\n"
		   "  - linux-6.15: {nofragment: [on, off], boost: [0, 15000, 30000]}\n"
		   "seeds: [3, 4]\n"
		   "memory: 64M\n"
		   "interval: 10ms\n");
	snprintf(path, sizeof(path), "%s/b.yaml", tmpdir);
	rc = fs_batch_spec_load(&s, path, &err);
	cr_assert_eq(rc, 0, "%s", err.msg);
	cr_assert_eq(s.nr_policies, 1 + 2 * 3);
	cr_assert_str_eq(s.policies[1], "linux-6.15:nofragment=on,boost=0");
	cr_assert_str_eq(s.policies[2], "linux-6.15:nofragment=on,boost=15000");
	cr_assert_str_eq(s.policies[4], "linux-6.15:nofragment=off,boost=0");
	fs_batch_expand(&s, "/bin/fragsim", "/out", &b);
	/* the trace once per policy, the workload once per policy and seed */
	cr_assert_eq(b.nr_runs, 7 + 7 * 2);
	cr_assert_str_eq(b.runs[0].id, "a__buddy");
	cr_assert_str_eq(b.runs[0].argv[1], "replay");
	cr_assert_str_eq(b.runs[7].id, "w__buddy__s3");
	cr_assert_str_eq(b.runs[8].id, "w__buddy__s4");
	cr_assert_str_eq(b.runs[8].argv[1], "run");
	cr_assert_str_eq(b.runs[8].argv[5], "--seed");
	cr_assert_str_eq(b.runs[8].argv[6], "4");
	/* ids are unique */
	for (unsigned i = 0; i < b.nr_runs; i++)
		for (unsigned j = i + 1; j < b.nr_runs; j++)
			cr_assert_str_neq(b.runs[i].id, b.runs[j].id);
	fs_batch_release(&b);
	fs_batch_spec_release(&s);
}

static void load_fails(const char *text, const char *want)
{
	struct fs_batch_spec s;
	struct fs_err err = { "" };
	char path[256];

	write_file("a.trace", "0.0 A 1 0\n");
	write_file("e.yaml", text);
	snprintf(path, sizeof(path), "%s/e.yaml", tmpdir);
	cr_assert_neq(fs_batch_spec_load(&s, path, &err), 0, "accepted: %s", text);
	cr_assert(strstr(err.msg, want), "error \"%s\" lacks \"%s\"", err.msg, want);
	fs_batch_spec_release(&s);
}

Test(batch, spec_errors, .init = setup_dir, .fini = teardown_dir)
{
	load_fails("inputs: [a.trace]\n", "e.yaml:1:1: a batch needs \"inputs\" and \"policies\"");
	load_fails("inputs: [a.trace]\npolicies: [buddy, buddy]\n", "e.yaml:2:19: policy \"buddy\" is listed twice");
	load_fails("inputs: [a.trace, a.trace]\npolicies: [buddy]\n", "e.yaml:1:19: input \"a.trace\" is listed twice");
	load_fails("inputs: [a.trace]\npolicies: [buddy]\nseeds: [1, x]\n", "e.yaml:3:12: \"seeds\" expects whole numbers");
	load_fails("inputs: [a.trace]\npolicies: [buddy]\ninterval: 1s\nevery: 5\n", "e.yaml:4:8: \"interval\" and \"every\" exclude");
	load_fails("inputs: [a.trace]\npolicies: [buddy]\nmachine: nosuch.yaml\n", "e.yaml:3:10: machine: cannot open machine file");
	load_fails("inputs: [a.trace]\npolicies:\n  - linux-6.15: {pcp: []}\n", "e.yaml:3:23: \"pcp\" is empty");
	load_fails("inputs: [a.trace]\npolicies: [buddy]\nplacement: exact\n", "e.yaml:3:12: \"placement\" expects policy or trace");
}

static void write_run(const char *id, const char *json)
{
	char name[128];

	snprintf(name, sizeof(name), "runs/%s.csv", id);
	write_file(name, "time_s,events,zone,policy\n0.000000,0,all,buddy\n");
	snprintf(name, sizeof(name), "runs/%s.json", id);
	/* as this build wrote it (fs_batch_result_read reruns another's) */
	if (json[0] == '{') {
		char *j = NULL;

		cr_assert_geq(asprintf(&j, "{\"fragsim_build\": \"%s\", %s", fs_build_id, json + 1), 0);
		write_file(name, j);
		free(j);
	} else {
		write_file(name, json);
	}
}

#define RUN_JSON(extra)                                                                      \
	"{\"events\": 10, \"machine\": {\"pageblock_order\": 9}, \"policies\": [{"           \
	"\"counters\": {\"alloc_failures\": 3, \"failures_order_ge1\": 2" extra "},"         \
	"\"metrics\": {\"unusable_pb\": {\"final\": 0.5, \"mean\": 0.25},"                   \
	"\"free_pageblocks\": {\"final\": 7, \"mean\": 8.5}},"                               \
	"\"extfrag\": {\"events\": 4, \"fragmenting\": 1}}]}"

Test(batch, result_read, .init = setup_dir, .fini = teardown_dir)
{
	struct fs_batch_result r;
	char runs[128];

	snprintf(runs, sizeof(runs), "%s/runs", tmpdir);
	mkdir(runs, 0777);
	write_run("a", RUN_JSON(""));
	cr_assert_eq(fs_batch_result_read(tmpdir, "a", &r), 0, "%s", r.error);
	cr_assert(r.done);
	cr_assert_not(r.stale);
	/* another build's result is stale: not done, rerun */
	{
		char *j = NULL;

		write_file("runs/old.csv", "time_s,events,zone,policy\n0.000000,0,all,buddy\n");
		cr_assert_geq(asprintf(&j, "{\"fragsim_build\": \"0000000000000000\", %s", RUN_JSON("") + 1), 0);
		write_file("runs/old.json", j);
		free(j);
		cr_assert_eq(fs_batch_result_read(tmpdir, "old", &r), -ESTALE);
		cr_assert(r.stale);
		cr_assert_not(r.done);
		cr_assert(strstr(r.error, "another fragsim build"), "%s", r.error);
		write_run("a", RUN_JSON(""));
		cr_assert_eq(fs_batch_result_read(tmpdir, "a", &r), 0, "%s", r.error);
	}
	cr_assert_float_eq(r.unusable_pb_final, 0.5, 1e-9);
	cr_assert_float_eq(r.free_pageblocks_mean, 8.5, 1e-9);
	cr_assert_eq(r.high_order_failures, 2);
	cr_assert_eq(r.fragmenting_events, 1);
	cr_assert_not(r.has_pages_migrated, "absent counters stay unknown");
	cr_assert_not(r.has_hugepage_rate);
	/* counters other modules add, wherever they put them */
	write_run("b", RUN_JSON(", \"pages_migrated\": 12, \"hugepage_attempts\": 4, \"hugepage_successes\": 3"));
	cr_assert_eq(fs_batch_result_read(tmpdir, "b", &r), 0, "%s", r.error);
	cr_assert(r.has_pages_migrated);
	cr_assert_eq(r.pages_migrated, 12);
	cr_assert_float_eq(r.hugepage_success_rate, 0.75, 1e-9);
	/* a JSON cut short, or lacking the fields, is not complete */
	write_run("c", "{\"events\": 10, \"machine\": {");
	cr_assert_neq(fs_batch_result_read(tmpdir, "c", &r), 0);
	cr_assert_not(r.done);
	write_run("d", "{\"events\": 10}");
	cr_assert_neq(fs_batch_result_read(tmpdir, "d", &r), 0);
	cr_assert(strstr(r.error, "lacks the summary fields"), "%s", r.error);
	/* a CSV without its last newline (cut) is not complete */
	write_run("e", RUN_JSON(""));
	write_file("runs/e.csv", "time_s,events\n0.0,1");
	cr_assert_neq(fs_batch_result_read(tmpdir, "e", &r), 0);
	cr_assert_eq(fs_batch_result_read(tmpdir, "nosuch", &r), -ENOENT);
}

static struct fs_batch_run mkrun(const char *id, const char *input, const char *policy, int seed)
{
	struct fs_batch_run r = { .id = (char *)id, .input = (char *)input, .policy = (char *)policy,
				  .kind = seed ? FS_BATCH_WORKLOAD : FS_BATCH_TRACE, .has_seed = seed != 0,
				  .seed = (uint64_t)seed };
	return r;
}

#define RES(final, mean, freepb, hof)                                                          \
	"{\"events\": 10, \"machine\": {\"pageblock_order\": 9}, \"policies\": [{"             \
	"\"counters\": {\"alloc_failures\": " #hof ", \"failures_order_ge1\": " #hof "},"      \
	"\"metrics\": {\"unusable_pb\": {\"final\": " #final ", \"mean\": " #mean "},"         \
	"\"free_pageblocks\": {\"final\": " #freepb ", \"mean\": 1}},"                         \
	"\"extfrag\": {\"events\": 0, \"fragmenting\": 0}}]}"

/* compare.csv: ranked by final unusable index, ties broken by the mean,
 * then free pageblocks, then high-order failures; equal rows share a rank;
 * seeds averaged; runs not done left out of the ranking but listed in the
 * summary with their status. */
Test(batch, collect_ranks_and_statuses, .init = setup_dir, .fini = teardown_dir)
{
	struct fs_batch_run runs[] = {
		mkrun("t__a", "t.trace", "a", 0), mkrun("t__b", "t.trace", "b", 0),
		mkrun("t__c", "t.trace", "c", 0), mkrun("t__d", "t.trace", "d", 0),
		mkrun("t__e", "t.trace", "e", 0), mkrun("t__f", "t.trace", "f", 0),
		mkrun("w__a__s1", "w.yaml", "a", 1), mkrun("w__a__s2", "w.yaml", "a", 2),
		mkrun("w__b__s1", "w.yaml", "b", 1), mkrun("w__b__s2", "w.yaml", "b", 2),
	};
	struct fs_batch b = { .runs = runs, .nr_runs = 10 };
	struct fs_err err = { "" };
	char runsdir[128], path[256], *cmp, *sum;
	unsigned done;
	FILE *fp;

	snprintf(runsdir, sizeof(runsdir), "%s/runs", tmpdir);
	mkdir(runsdir, 0777);
	write_run("t__a", RES(0.5, 0.2, 10, 0));
	write_run("t__b", RES(0.1, 0.3, 10, 0));
	write_run("t__c", RES(0.1, 0.2, 10, 5));
	write_run("t__d", RES(0.1, 0.2, 12, 9));    /* more free pageblocks beats fewer failures */
	write_run("t__e", RES(0.1, 0.2, 10, 5));    /* equal to c: the same rank */
	write_file("runs/t__f.log", "fragsim replay: t.trace:3: expected OP\n");
	write_run("w__a__s1", RES(0.2, 0.2, 10, 0));
	write_run("w__a__s2", RES(0.4, 0.2, 10, 0));  /* mean 0.3 */
	write_run("w__b__s1", RES(0.25, 0.2, 10, 0));
	cr_assert_eq(fs_batch_collect(&b, tmpdir, &done, &err), 0, "%s", err.msg);
	cr_assert_eq(done, 8);
	snprintf(path, sizeof(path), "%s/compare.csv", tmpdir);
	fp = fopen(path, "r");
	cmp = calloc(1, 4096);
	cr_assert_gt(fread(cmp, 1, 4095, fp), 0);
	fclose(fp);
	cr_assert_str_eq(cmp,
			 "input,rank,policy,runs,unusable_pb_final,unusable_pb_mean,free_pageblocks_final,"
			 "high_order_failures,fragmenting_events\n"
			 "t.trace,1,d,1,0.1,0.2,12,9,0\n"
			 "t.trace,2,c,1,0.1,0.2,10,5,0\n"
			 "t.trace,2,e,1,0.1,0.2,10,5,0\n"
			 "t.trace,4,b,1,0.1,0.3,10,0,0\n"
			 "t.trace,5,a,1,0.5,0.2,10,0,0\n"
			 "w.yaml,1,b,1,0.25,0.2,10,0,0\n"
			 "w.yaml,2,a,2,0.3,0.2,10,0,0\n");
	snprintf(path, sizeof(path), "%s/summary.csv", tmpdir);
	fp = fopen(path, "r");
	sum = calloc(1, 8192);
	cr_assert_gt(fread(sum, 1, 8191, fp), 0);
	fclose(fp);
	cr_assert(strstr(sum, "\nt__f,t.trace,trace,f,,incomplete,,,,,,,,,,,,,,fragsim replay: t.trace:3: expected OP\n"), "%s", sum);
	cr_assert(strstr(sum, "\nw__b__s2,w.yaml,workload,b,2,not_run,"), "%s", sum);
	cr_assert(strstr(sum, "\nw__a__s2,w.yaml,workload,a,2,done,9,10,0.4,0.2,10,1,0,0,0,0,,,runs/w__a__s2.csv,\n"), "%s", sum);
	free(cmp);
	free(sum);
}
