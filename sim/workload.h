/* workload.h - synthetic workloads (issue #8): a YAML spec (workload_yaml.c)
 * and a generator (workload.c) that turns it into the event stream a trace
 * would give, in time order, so the replay loop runs every policy on the
 * same generated events (`fragsim run`) and `fragsim gen` can write them
 * as a native trace. Every key is documented in workloads/README.md.
 *
 * Randomness: one xoshiro256** generator seeded from the spec's seed
 * through splitmix64 (both Vigna's reference algorithms, public domain);
 * the same spec and seed give the same events, byte for byte, on the same
 * build (the distributions use libm's log/exp/pow/sqrt/cos).
 *
 * Time is in nanoseconds; rates in events per simulated second. */
#ifndef FRAGSIM_WORKLOAD_H
#define FRAGSIM_WORKLOAD_H

#include "internal.h"

/* ---- PRNG ------------------------------------------------------------------ */

struct fs_wl_rng {
	uint64_t s[4];
};
void fs_wl_rng_seed(struct fs_wl_rng *g, uint64_t seed);     /* splitmix64 x4 */
uint64_t fs_wl_rng_next(struct fs_wl_rng *g);                 /* xoshiro256** */
double fs_wl_rng_unit(struct fs_wl_rng *g);                   /* [0, 1), 53 bits */

/* ---- the spec ---------------------------------------------------------------- */

struct fs_wl_mark {                   /* where a value is in the YAML file, 1-based */
	size_t line, col;
};

enum fs_wl_arrival {
	FS_WL_POISSON = 0,            /* exponential inter-arrival times, mean 1/rate */
	FS_WL_FIXED,                  /* one every 1/rate */
	FS_WL_BURST,                  /* count at once, every `every` (first at the phase start) */
};

struct fs_wl_arrive {
	enum fs_wl_arrival process;
	double rate;                  /* per second: poisson, fixed */
	uint64_t every_ns;            /* burst period */
	uint64_t count;               /* allocations per burst */
};

enum fs_wl_life {
	FS_WL_LIFE_FIXED = 0,         /* a = the lifetime */
	FS_WL_LIFE_EXP,               /* a = mean */
	FS_WL_LIFE_LOGNORMAL,         /* a = median (e^mu), b = sigma */
	FS_WL_LIFE_PARETO,            /* a = minimum (x_m), b = alpha */
	FS_WL_LIFE_UNTIL_RECLAIMED,   /* never freed by the workload; reclaim may take it */
	FS_WL_LIFE_FOREVER,           /* never freed */
};

struct fs_wl_lifetime {
	enum fs_wl_life dist;
	double a;                     /* ns, see enum */
	double b;                     /* sigma or alpha */
	double max;                   /* ns, lifetimes are capped at it; 0 = no cap */
};

/* Sample one lifetime in ns (UINT64_MAX: never freed). */
uint64_t fs_wl_lifetime_sample(const struct fs_wl_lifetime *l, struct fs_wl_rng *g);

/* Event flags a class sets (FS_EVF_*). */
struct fs_wl_class {
	char *name;
	struct fs_wl_arrive arrive;
	double order_cdf[FS_NR_ORDERS]; /* cumulative weights, normalized; [max_order] = 1 */
	unsigned max_order;           /* highest order with weight */
	struct fs_wl_mark order_mark;
	uint8_t mt;                   /* enum fs_migratetype */
	uint8_t flags;                /* FS_EVF_LRU, FS_EVF_ATOMIC, FS_EVF_HAS_GFP */
	uint32_t gfp;                 /* FS_GFP_* (sim/gfp.h) when FS_EVF_HAS_GFP */
	char *key;                    /* NULL = none */
	struct fs_wl_lifetime life;
	uint64_t footprint_pages;     /* cap on live pages, 0 = none (or see footprint_frac) */
	double footprint_frac;        /* of the machine's present pages, 0 = not given so */
};

/* What a phase says about one class. */
struct fs_wl_phase_class {
	bool active;
	struct fs_wl_arrive arrive;
	uint64_t footprint_pages;
	double footprint_frac;
};

struct fs_wl_probe {
	uint64_t at_ns;               /* top level: absolute; in a phase: from its start */
	unsigned order;
	struct fs_wl_mark order_mark;
	uint64_t count;
	uint64_t hold_ns;             /* UINT64_MAX = never freed */
	uint8_t mt, flags;
	uint32_t gfp;                 /* as in a class */
	char *key;
};

struct fs_wl_phase {
	char *name;
	uint64_t duration_ns;
	struct fs_wl_phase_class *cls; /* one per class */
	struct fs_wl_probe *probes;
	unsigned nr_probes;
};

struct fs_wl_spec {
	char *path;                   /* for messages */
	bool has_machine;
	struct fs_layout layout;      /* when has_machine */
	uint64_t seed;
	uint64_t duration_ns;         /* the run ends here */
	unsigned cpus;                /* events go to CPUs 0 .. cpus-1 at random */
	struct fs_wl_class *classes;
	unsigned nr_classes;
	struct fs_wl_phase *phases;   /* at least one */
	unsigned nr_phases;
	struct fs_wl_probe *probes;   /* top level, absolute times */
	unsigned nr_probes;
	uint64_t compact_ns[16];      /* compact: manual compactions (compact_memory), sorted */
	unsigned nr_compact;
};

/* Parse a workload. 0, or -errno with err naming file:line:col and the key. */
int fs_wl_load(struct fs_wl_spec **out, const char *path, struct fs_err *err);
/* The same from a buffer; name is used in messages. */
int fs_wl_load_buffer(struct fs_wl_spec **out, const char *name, const char *buf, size_t len,
		      struct fs_err *err);
void fs_wl_free(struct fs_wl_spec *sp);

/* ---- the generator ------------------------------------------------------------ */

struct fs_wl_gen;
/* A generator for a machine with max_order and present_pages (for
 * footprints given in percent). Class keys are interned into keys (may be
 * NULL) when first emitted, as a trace reader would. -EINVAL with
 * file:line:col if an order is above max_order. */
int fs_wl_gen_new(struct fs_wl_gen **out, const struct fs_wl_spec *sp, unsigned max_order,
		  uint64_t present_pages, struct fs_keytab *keys, struct fs_err *err);
/* 1 = an event in *ev (line = its number in the stream), 0 = the end. */
int fs_wl_gen_next(struct fs_wl_gen *g, struct fs_event *ev);
void fs_wl_gen_free(struct fs_wl_gen *g);
/* The same events through a ring kept FS_WL_AHEAD ahead, for prefetching
 * in two stages: fs_wl_lookahead is the newest event generated (whose
 * allocation-table slot the loop starts fetching, fs_sim_prefetch), and
 * fs_wl_lookahead_half the one FS_WL_AHEAD / 2 ahead (whose slot has
 * arrived by then, so the page it names can be fetched, fs_sim_prefetch2).
 * NULL when there is no such event. */
#define FS_WL_AHEAD 16
int fs_wl_gen_next_ahead(struct fs_wl_gen *g, struct fs_event *ev);
const struct fs_event *fs_wl_lookahead(const struct fs_wl_gen *g);
const struct fs_event *fs_wl_lookahead_half(const struct fs_wl_gen *g);
/* Events produced so far; pending scheduled events (frees, arrivals). */
uint64_t fs_wl_gen_events(const struct fs_wl_gen *g);
size_t fs_wl_gen_pending(const struct fs_wl_gen *g);

/* Present pages of a layout (zones minus holes). */
uint64_t fs_wl_layout_present(const struct fs_layout *l);

#endif
