/* internal.h - prototypes shared inside sim/, grouped by the file that
 * defines them. Not for policies (they use policy.h) or the CLI's users. */
#ifndef FRAGSIM_INTERNAL_H
#define FRAGSIM_INTERNAL_H

#include "fragsim.h"
#include "policy.h"

#define FS_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "util.c" */
/* "128K", "64G", "3.5M", "4096" (bytes) -> bytes; -EINVAL if malformed */
int fs_parse_size(const char *s, uint64_t *bytes);
/* "1s", "250ms", "10us", "5ns", "0.5" (seconds) -> ns */
int fs_parse_duration(const char *s, uint64_t *ns);
/* unsigned decimal or 0x-hex in [s, s+len) */
int fs_parse_u64(const char *s, size_t len, uint64_t *out);
/* "12.000350" seconds -> ns, exactly (no floating point) */
int fs_parse_time_ns(const char *s, size_t len, uint64_t *ns);
void *fs_xcalloc(size_t n, size_t size);  /* aborts on OOM */
void *fs_xrealloc(void *p, size_t size);
char *fs_xstrdup(const char *s);
uint64_t fs_now_ns(void);                 /* CLOCK_MONOTONIC */
void *fs_big_alloc(size_t bytes);         /* zeroed, THP-advised; NULL on failure */
void fs_big_free(void *p, size_t bytes);
void *fs_big_realloc(void *p, size_t old_bytes, size_t new_bytes);

/* "keytab.c": interned allocator keys; id 0 means "no key" */
struct fs_keytab {
	char **name;                          /* name[id] */
	uint32_t n, cap;
	uint32_t *slot;                       /* open addressing, ids */
	uint32_t mask;
};
void fs_keytab_init(struct fs_keytab *k);
void fs_keytab_release(struct fs_keytab *k);
uint32_t fs_keytab_intern(struct fs_keytab *k, const char *s, size_t len);
const char *fs_keytab_name(const struct fs_keytab *k, uint32_t id);

/* "trace.c": one reader interface, one file per format */
enum fs_trace_format { FS_FMT_AUTO = 0, FS_FMT_NATIVE };

struct fs_trace_stats {
	uint64_t lines;                       /* lines read */
	uint64_t events;                      /* events produced */
	uint64_t comments;                    /* blank and comment lines */
	uint64_t malformed;                   /* lines rejected */
	uint64_t time_regressions;            /* timestamps that went back (clamped) */
};

struct fs_trace {
	char *path;                           /* as given; "-" is stdin */
	FILE *fp;
	bool own_fp;
	enum fs_trace_format format;
	uint16_t src;                         /* index among the run's inputs */
	uint64_t line;                        /* current line number */
	char *buf;
	size_t cap;
	uint64_t last_time;
	struct fs_keytab *keys;               /* shared, may be NULL */
	unsigned max_order;                   /* orders above this are malformed */
	struct fs_trace_stats st;
	/* format's line parser: 1 = event, 0 = no event (comment), <0 error */
	int (*parse)(struct fs_trace *t, char *line, size_t len, struct fs_event *ev,
		     struct fs_err *err);
};
int fs_trace_open(struct fs_trace *t, const char *path, enum fs_trace_format fmt,
		  struct fs_err *err);
/* 1 = an event in *ev, 0 = end of input, <0 = error (err has file:line) */
int fs_trace_next(struct fs_trace *t, struct fs_event *ev, struct fs_err *err);
void fs_trace_close(struct fs_trace *t);
int fs_trace_format_parse(const char *s, enum fs_trace_format *fmt);

/* "trace_native.c" */
int fs_native_parse(struct fs_trace *t, char *line, size_t len, struct fs_event *ev,
		    struct fs_err *err);
bool fs_native_sniff(const char *line, size_t len);

/* "output.c": files written under a temporary name and renamed into place
 * when complete, so an interrupted run leaves nothing that looks done. */
struct fs_outfile {
	char *path;                           /* final name; "-" = stdout */
	char *tmp;                            /* temporary name, NULL for stdout */
	FILE *fp;
};
int fs_out_open(struct fs_outfile *o, const char *path, struct fs_err *err);
int fs_out_commit(struct fs_outfile *o, struct fs_err *err);  /* close + rename */
void fs_out_abort(struct fs_outfile *o);                       /* close + unlink */
void fs_out_install_signal_cleanup(void);

/* "metrics.c": per-timestep samples */
struct fs_sample_acc {                    /* for the summary: final/mean/max */
	double sum, max, final;
	uint64_t n;
};
void fs_metrics_csv_header(FILE *fp, unsigned max_order);
/* One row per zone plus zone=all for one sim at time t. */
void fs_metrics_csv_rows(FILE *fp, const struct fs_sim *s, uint64_t time_ns,
			 uint64_t events);
/* The zone=all view: nr_free summed over zones. */
void fs_metrics_nr_free_all(const struct fs_machine *m, uint64_t *nr_free);
uint64_t fs_metrics_free_pageblocks(const uint64_t *nr_free, unsigned max_order,
				    unsigned pageblock_order);
int fs_metrics_largest_order(const uint64_t *nr_free, unsigned max_order);

/* "replay.c": the discrete-event run over traces for several policies */
struct fs_run_cfg {
	const char **inputs;
	unsigned nr_inputs;
	enum fs_trace_format format;
	const char **policies;                /* specs */
	unsigned nr_policies;
	struct fs_layout layout;
	enum fs_placement placement;
	uint64_t interval_ns;                 /* 0 = not by time */
	uint64_t every;                       /* 0 = not by events */
	const char *csv_path;                 /* NULL = stdout */
	const char *summary_path;             /* NULL = none */
	bool strict;                          /* bad events are fatal */
	bool progress;                        /* progress on stderr */
	int debug_check;
};
/* 0 ok, 1 input error, 2 usage error (message in err) */
int fs_replay_run(const struct fs_run_cfg *cfg, struct fs_err *err);

#endif
