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
extern const char fs_build_id[];          /* a hash of the sources (build/gen/buildid.c) */
void *fs_big_alloc(size_t bytes);         /* zeroed, THP-advised (2 MiB-aligned from 2 MiB); NULL on failure */
void fs_big_free(void *p, size_t bytes);
void *fs_big_realloc(void *p, size_t old_bytes, size_t new_bytes);

/* "machine_yaml.c": a machine given as a mapping inside another YAML
 * document (same keys as --machine files) */
struct yaml_document_s;
struct yaml_node_s;
int fs_layout_from_yaml_node(struct fs_layout *l, const char *path, struct yaml_document_s *doc,
			     struct yaml_node_s *node, struct fs_err *err);

/* "evq.c": the generator's timer queue (sim/workload.c): entries pop in
 * (time_ns, data) order, so ties pop in an order fixed by their data
 * alone; aux rides along and takes no part in the order (the generator's
 * frees order ties by an allocation serial in data and carry the recycled
 * identity in aux). A timing wheel of ~1 ms buckets: millions of pending
 * frees cost an append each, and each bucket is sorted once when its time
 * comes. */
struct fs_tq_ent {
	uint64_t time_ns;
	uint64_t data;
	uint64_t aux;                         /* payload, not part of the order */
};
struct fs_tq_heap {
	struct fs_tq_ent *e;
	size_t n, cap;
};
#define FS_TQ_SHIFT 20                        /* bucket width: 2^20 ns */
#define FS_TQ_SLOTS 16384                     /* buckets the wheels reach: ~17 s */
#define FS_TQ_FINE_BITS 6                     /* a coarse bucket is 64 buckets (67 ms) */
#define FS_TQ_FINE (1u << FS_TQ_FINE_BITS)
#define FS_TQ_COARSE (FS_TQ_SLOTS >> FS_TQ_FINE_BITS)  /* 256 coarse buckets */
#define FS_TQ_CHUNK 170                       /* entries per 4 KiB chunk of a bucket */
struct fs_tq_chunk {
	uint32_t next;                        /* chunk index, or UINT32_MAX */
	uint32_t pad[3];
	struct fs_tq_ent e[FS_TQ_CHUNK];
};
struct fs_tq_bucket {
	uint32_t head, tail;                  /* chunk indexes, UINT32_MAX when empty */
	uint32_t tail_n;                      /* entries in the tail chunk (the others are full) */
	uint32_t pad;
};
struct fs_tq {
	struct fs_tq_ent *run;                /* bucket cur, sorted: run[pos..run_n) */
	struct fs_tq_ent *tmp;                /* radix sort's other buffer */
	size_t pos, run_n, run_cap;
	struct fs_tq_heap late;               /* pushed to bucket <= cur after its sort */
	struct fs_tq_bucket *slot;            /* FS_TQ_FINE buckets (the rest of cur's
					       * coarse bucket), then FS_TQ_COARSE coarse
					       * ones (the next ~17 s); unsorted */
	struct fs_tq_chunk *chunk;            /* the buckets' storage (fs_big_alloc) */
	uint32_t nr_chunks, cap_chunks;       /* chunks made, and room for */
	uint32_t free_chunk;                  /* free list head */
	struct fs_tq_heap far;                /* further out, a 4-ary heap */
	uint64_t cur;                         /* the bucket being popped */
	size_t in_wheel;                      /* entries in slot[] */
	size_t in_fine;                       /* of which in the fine buckets */
	size_t n;                             /* entries in all */
};
void fs_tq_init(struct fs_tq *q);
void fs_tq_release(struct fs_tq *q);
void fs_tq_push(struct fs_tq *q, uint64_t time_ns, uint64_t data, uint64_t aux);
bool fs_tq_pop(struct fs_tq *q, struct fs_tq_ent *out);
bool fs_tq_peek(struct fs_tq *q, struct fs_tq_ent *out);   /* the next pop, left in place */
/* The same, but false when the next pop (if any) is certainly after
 * limit_ns (it may return one that is after it too): it never sorts in a
 * bucket past limit_ns's, so a caller that peeks up to its present keeps
 * the queue's current bucket from running ahead of the pushes to come. */
bool fs_tq_peek_until(struct fs_tq *q, uint64_t limit_ns, struct fs_tq_ent *out);

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

/* "input.c": the byte source under the readers - a plain file, stdin
 * ("-"), gzip or zstd, detected by magic bytes - handed out as lines. */
enum fs_input_codec { FS_INPUT_PLAIN = 0, FS_INPUT_GZIP, FS_INPUT_ZSTD };

struct fs_input_dec;
struct fs_input_ring;
struct fs_input {
	char *path;                           /* as given; "-" is stdin */
	enum fs_input_codec codec;
	bool own_fd;
	char *buf;                            /* decompressed text: own, or a ring block */
	size_t cap, start, scan, end;         /* [start, end) not yet handed out */
	char *own;                            /* the reader's own buffer (bytes) */
	size_t own_cap;
	bool held;                            /* buf is in the ring block the reader holds */
	bool eof;
	uint64_t lines;                       /* lines handed out */
	bool line_has_nul;                    /* the last line holds a NUL byte (binary data) */
	/* no NUL in [nul_lo, nul_hi); buf[nul_hi] is one unless nul_hi == nul_end,
	 * the data's end when searched (one memchr over many lines) */
	size_t nul_lo, nul_hi, nul_end;
	struct fs_input_dec *dec;             /* decompressor */
	struct fs_input_ring *ring;           /* decompression thread, NULL = inline */
};
int fs_input_open(struct fs_input *in, const char *path, struct fs_err *err);
/* 1 = a line in *line (without its '\n', NUL-terminated at *len, writable,
 * valid until the next call; in->line_has_nul says whether it holds a NUL
 * byte before *len), 0 = end of input, <0 = error (a read error, truncated
 * or corrupt compressed data; err names the file) */
int fs_input_getline(struct fs_input *in, char **line, size_t *len, struct fs_err *err);
/* The first n decoded bytes without consuming them (fewer at the end). */
int fs_input_peek(struct fs_input *in, size_t n, const char **p, size_t *have, struct fs_err *err);
/* Raw decoded bytes instead of lines (binary inputs: /proc/kpageflags, a
 * compressed trace.dat): first what getline buffered, then the decoder.
 * The count, 0 at the end, <0 error. */
int fs_input_read(struct fs_input *in, void *dst, size_t cap, struct fs_err *err);
void fs_input_close(struct fs_input *in);
const char *fs_input_codec_name(enum fs_input_codec c);  /* "none", "gzip", "zstd" */

/* "trace.c": one reader interface, one file per format */
enum fs_trace_format { FS_FMT_AUTO = 0, FS_FMT_NATIVE, FS_FMT_FTRACE, FS_FMT_TRACEDAT,
		       FS_FMT_WORKLOAD /* generated (fragsim run), not a --format */ };

/* Kernel trace lines per event kind: (name, JSON key). Every line of a
 * kernel trace is an event (alloc, free), one of these skipped kinds, a
 * comment or header, or malformed. */
#define FS_KERNEL_EVENTS(X)                                   \
	X(alloc, "mm_page_alloc")                             \
	X(free, "mm_page_free")                               \
	X(free_batched, "mm_page_free_batched")               \
	X(pcpu_drain, "mm_page_pcpu_drain")                   \
	X(zone_locked, "mm_page_alloc_zone_locked")           \
	X(extfrag, "mm_page_alloc_extfrag")                   \
	X(compaction, "compaction")                           \
	X(migrate, "mm_migrate_pages")                        \
	X(markers, "markers")                                 \
	X(other, "other")                                     \
	X(lost, "lost_events_lines")

enum fs_kernel_event {
#define FS_X(name, key) FS_KEV_##name,
	FS_KERNEL_EVENTS(FS_X)
#undef FS_X
	FS_KEV_NR
};
extern const char *const fs_kernel_event_keys[FS_KEV_NR];

struct fs_trace_stats {
	uint64_t lines;                       /* lines read */
	uint64_t events;                      /* events produced */
	uint64_t comments;                    /* blank, comment and header lines */
	uint64_t malformed;                   /* lines rejected */
	uint64_t skipped;                     /* lines of events fragsim does not replay */
	uint64_t time_regressions;            /* timestamps that went back (clamped) */
	uint64_t kev[FS_KEV_NR];              /* kernel traces: lines per event kind */
	uint64_t lost_events;                 /* kernel traces: events the kernel said it lost */
	uint64_t failed_allocs;               /* kernel traces: mm_page_alloc that failed */
	uint64_t gfp_unknown;                 /* gfp flag names fragsim does not know */
};

/* trace_ftrace.c: parsed gfp strings, remembered */
#define FS_GFP_MEMO 256
struct fs_gfp_memo {
	uint32_t gfp;
	uint8_t len, unknown;
	char text[160];
};

struct fs_trace {
	struct fs_input in;
	const char *path;                     /* in.path */
	enum fs_trace_format format;
	uint16_t src;                         /* index among the run's inputs */
	uint64_t line;                        /* current line number */
	uint64_t last_time;
	struct fs_keytab *keys;               /* shared, may be NULL */
	unsigned max_order;                   /* orders above this are malformed */
	bool strict;                          /* kernel traces: malformed lines are fatal */
	bool buddy_events;                    /* --placement kernel: zone_locked, pcpu_drain,
						 extfrag and markers become events too */
	/* migrate-type numbering of the kernel that wrote the trace: 0 = 4.4+,
	 * 1 = before 4.4 (RECLAIMABLE and MOVABLE swapped), -1 = not known
	 * yet (decided by the first mm_page_alloc whose gfp flags tell) */
	int mt_numbering;
	bool mt_numbering_forced;             /* given with --kernel-version */
	uint64_t mt_assumed;                  /* mt 1/2 lines read before it was known (taken as 4.4+) */
	bool eof_reported;
	struct fs_tracedat *dat;              /* trace.dat: the reader thread (trace_dat.c) */
	struct fs_gfp_memo *gfp_memo;         /* FS_GFP_MEMO entries, allocated on first use */
	unsigned key_by;                      /* kernel traces: FS_KEY_BY_* parts of an event's key */
	FILE *warn;                           /* warnings (stderr), NULL = quiet */
	struct fs_trace_stats st;
	/* format's line parser: 1 = event, 0 = no event (a comment or header
	 * line, counted by the caller), 2 = no event (a line of an event kind
	 * fragsim does not replay, counted by the parser), <0 error */
	int (*parse)(struct fs_trace *t, char *line, size_t len, struct fs_event *ev,
		     struct fs_err *err);
	struct fs_wl_gen *gen;                /* FS_FMT_WORKLOAD: events come from it */
};
int fs_trace_open(struct fs_trace *t, const char *path, enum fs_trace_format fmt,
		  struct fs_err *err);
/* 1 = an event in *ev, 0 = end of input, <0 = error (err has file:line) */
int fs_trace_next(struct fs_trace *t, struct fs_event *ev, struct fs_err *err);
/* For readers that make their own lines (trace_dat.c): one more line of
 * the input, counted and parsed as fs_trace_next does (1 = an event in
 * *ev, 0 = none, <0 = error); and an event decoded without a line, which
 * the caller has counted as one (line number, source, time clamp; 1). */
int fs_trace_line(struct fs_trace *t, char *line, size_t len, bool has_nul, struct fs_event *ev,
		  struct fs_err *err);
int fs_trace_event_done(struct fs_trace *t, struct fs_event *ev);
void fs_trace_close(struct fs_trace *t);
/* A workload's generator as a trace (sim/workload.c): for a machine with
 * max_order and present_pages; keys shared with the run. */
struct fs_wl_spec;
int fs_trace_open_workload(struct fs_trace *t, const struct fs_wl_spec *sp, unsigned max_order,
			   uint64_t present_pages, struct fs_keytab *keys, struct fs_err *err);
int fs_trace_format_parse(const char *s, enum fs_trace_format *fmt);
/* "extfrag.c": the numbering an mm_page_alloc payload's gfp flags and
 * migratetype tell (0 = 4.4+, 1 = before 4.4), or -1 */
int fs_mt_numbering_of_alloc(const char *fields, size_t len);
const char *fs_trace_format_name(enum fs_trace_format fmt);

/* "trace_dat.c": trace-cmd's trace.dat through libtracecmd: the page
 * events decoded from their fields, the rest rendered as trace-cmd report
 * lines for the ftrace parser */
struct fs_tracedat;
bool fs_tracedat_sniff(const char *p, size_t n);
int fs_tracedat_open(struct fs_trace *t, struct fs_err *err);
/* Before t->in is opened: a .zst trace.dat at path read straight into
 * memory. 1 opened, 0 not one (open path as any input), <0 error. */
int fs_tracedat_zst_open(struct fs_trace *t, const char *path, struct fs_err *err);
/* fs_trace_next for a trace.dat: 1 = an event, 0 = the end, <0 = error */
int fs_tracedat_next(struct fs_trace *t, struct fs_event *ev, struct fs_err *err);
void fs_tracedat_close(struct fs_tracedat *d);

/* "trace_native.c" */
int fs_native_parse(struct fs_trace *t, char *line, size_t len, struct fs_event *ev,
		    struct fs_err *err);
bool fs_native_sniff(const char *line, size_t len);
/* One event as a native line (fragsim gen): exact nanosecond times. */
void fs_native_write(FILE *fp, const struct fs_event *ev, const struct fs_keytab *keys);

/* "trace_ftrace.c": kernel trace text - ftrace's trace and trace_pipe,
 * trace-cmd report, perf script. */
struct fs_ftrace_rec {
	const char *comm;                     /* task name, not NUL-terminated */
	size_t comm_len;
	const char *name;                     /* event name without "subsystem:" */
	size_t name_len;
	const char *fields;                   /* the event's payload to end of line */
	size_t fields_len;
	uint64_t time_ns;
	uint32_t pid, cpu;
	uint64_t lost;                        /* FS_FTRACE_LOST: events lost, 0 if not said */
};
enum { FS_FTRACE_HEADER = 0, FS_FTRACE_RECORD = 1, FS_FTRACE_LOST = 2 };
/* Split one line: FS_FTRACE_RECORD (rec filled), FS_FTRACE_HEADER (a
 * trace-cmd "cpus=N" / "version = N" line), FS_FTRACE_LOST (the kernel or
 * trace-cmd reports lost events), or -EINVAL with what was expected. */
int fs_ftrace_split(const char *line, size_t len, struct fs_ftrace_rec *rec,
		    struct fs_err *err);
int fs_ftrace_parse(struct fs_trace *t, char *line, size_t len, struct fs_event *ev,
		    struct fs_err *err);
bool fs_ftrace_sniff(const char *line, size_t len);

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
struct json_t;
/* A jansson document written atomically (root is not released). */
int fs_out_json(const char *path, struct json_t *root, int precision, struct fs_err *err);

/* "metrics.c": per-timestep samples */
struct fs_sample_acc {                    /* for the summary: final/mean/max */
	double sum, max, final;
	uint64_t n;
};
/* Policy-specific columns of one CSV: the union of the run's policies'
 * ops->stats names, in order of first appearance. */
#define FS_MAX_STAT_COLS 32
struct fs_stat_cols {
	unsigned n;
	const char *name[FS_MAX_STAT_COLS];
	const char *doc[FS_MAX_STAT_COLS];
};
void fs_metrics_stat_cols(struct fs_stat_cols *cols, struct fs_sim *const *sims, unsigned n);
void fs_metrics_csv_header(FILE *fp, unsigned max_order, const struct fs_stat_cols *cols);
/* One row per zone plus zone=all for one sim at time t; a policy without
 * one of cols' statistics leaves that cell empty. */
void fs_metrics_csv_rows(FILE *fp, const struct fs_sim *s, uint64_t time_ns,
			 uint64_t events, const struct fs_stat_cols *cols);
/* The policy's statistics for zone (< 0: all) as (count, values) in
 * ops->stats order; 0 when the policy has none. */
unsigned fs_metrics_policy_stats(const struct fs_sim *s, int zone, uint64_t *vals);
/* The zone=all view: nr_free summed over zones. */
void fs_metrics_nr_free_all(const struct fs_machine *m, uint64_t *nr_free);
uint64_t fs_metrics_free_pageblocks(const uint64_t *nr_free, unsigned max_order,
				    unsigned pageblock_order);
int fs_metrics_largest_order(const uint64_t *nr_free, unsigned max_order);

/* "reclaim.c": LRU lists of FS_EVF_LRU allocations and their reclaim, per
 * simulation (s->reclaim, created by the first LRU allocation). idx is the
 * allocation's head page index. */
struct fs_wmark;
void fs_reclaim_lru_add(struct fs_sim *s, uint32_t idx, unsigned zone, unsigned order);
/* Insert after the LRU entry `after` (FS_NIL: as the oldest). */
void fs_reclaim_lru_insert_after(struct fs_sim *s, uint32_t after, uint32_t idx, unsigned zone,
				 unsigned order);
/* Unlink; returns the entry before it (FS_NIL if it was the oldest). */
uint32_t fs_reclaim_lru_del(struct fs_sim *s, uint32_t idx, unsigned zone, unsigned order);
uint64_t fs_reclaim_lru_pages(const struct fs_sim *s, unsigned zone);
const struct fs_wmark *fs_reclaim_wmark(struct fs_sim *s, unsigned zone);
/* kswapd: after an allocation in z (s->reclaim set) */
void fs_reclaim_kswapd(struct fs_sim *s, const struct fs_zone *z, const struct fs_event *ev);
/* Is a zone's watermark boosted since kswapd's last pass
 * (ZONE_BOOSTED_WATERMARK)? Then fs_reclaim_boosted runs kswapd's pass
 * for it (with s->reclaim NULL, the pass that reclaims nothing): the
 * boost is reclaimed, taken away, and kcompactd woken at pageblock_order. */
bool fs_reclaim_boost_pending(const struct fs_sim *s);
void fs_reclaim_boosted(struct fs_sim *s, uint64_t now_ns);
/* Direct reclaim round `round` (0-based) for the failed request req: true
 * if pages were reclaimed and the allocation should be retried. The
 * policy's reclaim_ok, if any, says whether req may reclaim and what. */
struct fs_alloc_req;
bool fs_reclaim_direct(struct fs_sim *s, const struct fs_alloc_req *req, unsigned round,
		       const struct fs_event *ev);
/* A policy's own reclaim: free the LRU allocation headed at pfn (counted in
 * reclaimed_pages and pressure_reclaimed_pages); its pages, 0 when there
 * is no LRU allocation headed there. */
uint64_t fs_reclaim_at(struct fs_sim *s, uint64_t pfn, unsigned cpu, uint64_t now_ns);
void fs_reclaim_release(struct fs_sim *s);
/* For fs_check: the LRU lists hold exactly the allocations marked lru, each
 * once, in both directions, with the pages counted. 0 or -EIO. */
int fs_reclaim_check(const struct fs_sim *s, struct fs_err *err);

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
	const char *extfrag_path;             /* --emit-extfrag, NULL = none */
	const char *pagetypeinfo_path;        /* --dump-pagetypeinfo, NULL = none */
	const char *map_path;                 /* --dump-map: memory map file, NULL = none */
	uint64_t map_time_ns;                 /* ... at the first sample at or after this */
	bool map_at_end;                      /* ... or of the final state ("end") */
	bool strict;                          /* bad events are fatal */
	bool strict_input;                    /* malformed kernel trace lines are fatal */
	int mt_numbering;                     /* --kernel-version: 0 detect, 1 4.4+, 2 before 4.4 */
	bool progress;                        /* progress on stderr */
	int debug_check;
	unsigned key_by;                      /* --key-by, FS_KEY_BY_*; 0 = comm */
	uint64_t compact_at[16];              /* --compact-at: manual compaction times, ns */
	unsigned nr_compact_at;
	const struct fs_wl_spec *workload;    /* fragsim run: the one input, inputs[0] its path */
	/* --placement kernel (sim/kexact.h) */
	const char *initial_kpageflags;       /* --initial kpageflags:FILE, NULL = all free */
	const char *initial_buddyinfo;        /* --initial-buddyinfo FILE, NULL = none */
	/* --initial [buddyinfo:|pagetypeinfo:]FILE (sim/initial.h): policy placement */
	const char *initial_snapshot;
	int initial_kind;                     /* enum fs_procfs_kind wanted; 0 = the first of either */
	int initial_layout;                   /* enum fs_initial_layout */
	const char *final_kpageflags;         /* --final kpageflags:FILE, NULL = none */
	const char *checkpoints;              /* --checkpoints FILE (buddyinfo snapshots) */
	const char *checkpoints_out;          /* --checkpoints-out FILE (CSV), NULL = none */
};
/* --key-by: what a kernel trace's allocation key is made of (joined with
 * '/'); 0 means the task name alone */
#define FS_KEY_BY_COMM 1u
#define FS_KEY_BY_PID 2u
#define FS_KEY_BY_GFP 4u
int fs_key_by_parse(const char *s, unsigned *out);

/* fs_event.src of events fragsim adds itself (--compact-at) */
#define FS_SRC_SYNTHETIC 0xffff
/* 0 ok, 1 input error, 2 usage error (message in err) */
int fs_replay_run(const struct fs_run_cfg *cfg, struct fs_err *err);

/* "map.c": one CSV row per pageblock (type, free and used pages) of sim s
 * at time_ns, for `replay --dump-map` and `fragsim plot map` */
void fs_map_write(FILE *fp, const struct fs_sim *s, uint64_t time_ns, bool header,
		  const struct fs_keytab *keys);

#endif
