/* batch.h - `fragsim batch`: a grid of inputs x policies (with tunable
 * grids) x seeds, each run one fragsim process writing DIR/runs/ID.csv and
 * DIR/runs/ID.json atomically, then one row per run in DIR/summary.csv and
 * DIR/summary.json and a ranking of policies per input in DIR/compare.csv.
 *
 *   batch_spec.c     the YAML spec, checked (grids, inputs, policies)
 *   batch_runs.c     the runs of a spec: ids, commands
 *   batch_exec.c     the manifest, completeness, the -j executor, --emit-jobs
 *   batch_collect.c  run JSONs -> summary.csv, summary.json, compare.csv
 *
 * DIR/batch.json (the manifest) lists every run with its command, so that
 * `--collect DIR` and jobs run elsewhere (Slurm, GNU parallel) need only
 * the directory. */
#ifndef FRAGSIM_BATCH_H
#define FRAGSIM_BATCH_H

#include "internal.h"

enum fs_batch_kind {
	FS_BATCH_TRACE = 0,           /* replayed with `fragsim replay` */
	FS_BATCH_WORKLOAD = 1,        /* a .yaml workload, `fragsim run --seed N` */
};

struct fs_batch_run {
	char *id;                     /* stable, filesystem safe: input + policy [+ seed] [+ hash] */
	char *input;                  /* as written in the spec */
	enum fs_batch_kind kind;
	char *policy;                 /* one policy spec, "linux-6.15:nofragment=on" */
	bool has_seed;                /* workloads only */
	uint64_t seed;
	char **argv;                  /* the command (absolute paths), NULL-terminated */
};

struct fs_batch {
	struct fs_batch_run *runs;
	unsigned nr_runs;
};

/* Parameters of the spec shared by every run. */
struct fs_batch_spec {
	char *path;                   /* the spec file */
	char **inputs;                /* as written */
	char **input_abs;             /* absolute paths */
	unsigned nr_inputs;
	char **policies;              /* expanded specs */
	unsigned nr_policies;
	uint64_t *seeds;
	unsigned nr_seeds;
	char *machine_abs;            /* machine YAML, absolute; NULL = none */
	char *memory;                 /* --memory SIZE; NULL = none */
	char *interval;               /* --interval; NULL = none */
	char *every;                  /* --every; NULL = none */
	char *placement;              /* --placement; NULL = default */
};

/* "batch_spec.c" */
/* Load and check a spec: YAML errors, unknown keys, a missing input or
 * machine file, an unknown policy or tunable, a bad tunable value are
 * errors with file:line:col. */
int fs_batch_spec_load(struct fs_batch_spec *s, const char *path, struct fs_err *err);
void fs_batch_spec_release(struct fs_batch_spec *s);

/* "batch_runs.c" */
/* The runs of a spec: inputs x policies x seeds (seeds for workloads only),
 * in that order, with their commands for the fragsim binary exe writing
 * into dir (both absolute). */
void fs_batch_expand(const struct fs_batch_spec *s, const char *exe, const char *dir,
		     struct fs_batch *b);
void fs_batch_release(struct fs_batch *b);
/* Run id of (input, policy, seed): the input's base name without .zst,
 * .gz and one more extension, "__", the spec with ':' and ',' made '_',
 * "__sSEED" for workloads; characters other than [A-Za-z0-9._=+-] become
 * '_' and then an 8-hex-digit hash of the three is added. */
char *fs_batch_run_id(const char *input, const char *policy, bool has_seed, uint64_t seed,
		      bool force_hash);
/* Shell-quote one word into a fresh string ('...' when needed). */
char *fs_batch_shell_quote(const char *s);

/* "batch_exec.c" */
struct fs_batch_opts {
	const char *dir;              /* output directory, absolute */
	unsigned jobs;                /* parallel runs */
	bool force;                   /* rerun complete runs */
	bool progress;                /* progress line on stderr */
};
/* DIR/runs/ID.EXT into buf */
void fs_batch_path(char *buf, size_t len, const char *dir, const char *id, const char *ext);
/* Create DIR and DIR/runs, check they are writable and not on a full disk. */
int fs_batch_prepare_dir(const char *dir, struct fs_err *err);
int fs_batch_manifest_write(const struct fs_batch *b, const char *dir, const char *spec,
			    struct fs_err *err);
int fs_batch_manifest_read(struct fs_batch *b, const char *dir, struct fs_err *err);
/* Run every incomplete run (all with force), at most jobs at a time;
 * *skipped gets the number of runs found complete. Returns the number of
 * failed runs, or a negative errno (err). */
int fs_batch_execute(const struct fs_batch *b, const struct fs_batch_opts *o, unsigned *skipped,
		     struct fs_err *err);
/* One shell command per incomplete run (all with force) on fp. */
unsigned fs_batch_emit_jobs(const struct fs_batch *b, const struct fs_batch_opts *o, FILE *fp);

/* "batch_collect.c" */
/* Headline results of one run, from its JSON summary. */
struct fs_batch_result {
	bool done;                    /* CSV and JSON complete and valid */
	bool stale;                   /* complete, but made by another fragsim build */
	unsigned pageblock_order;
	uint64_t events;
	double unusable_pb_final, unusable_pb_mean;
	double free_pageblocks_final, free_pageblocks_mean;
	uint64_t alloc_failures, high_order_failures;
	uint64_t extfrag_events, fragmenting_events;
	bool has_pages_migrated;      /* counters others add: absent = unknown, never 0 */
	uint64_t pages_migrated;
	bool has_hugepage_rate;
	double hugepage_success_rate;
	char error[256];              /* why not done: the JSON's problem or the log's last line */
};
/* 0 and r->done when DIR/runs/ID.csv and .json are complete and valid,
 * else -ENOENT/-EINVAL with r->error saying why. */
int fs_batch_result_read(const char *dir, const char *id, struct fs_batch_result *r);
/* The last n lines of DIR/runs/ID.log, joined with " | ", into buf. */
void fs_batch_log_tail(const char *dir, const char *id, unsigned n, char *buf, size_t len);
/* summary.csv, summary.json, compare.csv from whatever runs are complete;
 * *done gets their number. */
int fs_batch_collect(const struct fs_batch *b, const char *dir, unsigned *done, struct fs_err *err);

#endif
