/* extfrag.h - analysis of recorded mm_page_alloc_extfrag events (the
 * kernel's own fallbacks), as `fragsim extfrag` reports them.
 *
 * The tracepoint (include/trace/events/kmem.h, 3.10 .. 6.18):
 *   "page=%p pfn=0x%lx alloc_order=%d fallback_order=%d pageblock_order=%d
 *    alloc_migratetype=%d fallback_migratetype=%d fragmenting=%d
 *    change_ownership=%d"     (pfn=%lu, decimal, before ~5.14)
 * fragmenting= is computed at print time as fallback_order < pageblock_order;
 * trace-cmd report evaluates that expression wrongly (prints
 * "fragmenting=10"), so it is always recomputed from the orders here.
 * Migrate types are printed as numbers whose meaning changed in 4.4
 * (016c13daa5c9, "mm, page_alloc: use masks and shifts when converting GFP
 * flags to migrate types": MOVABLE and RECLAIMABLE swapped). */
#ifndef FRAGSIM_EXTFRAG_H
#define FRAGSIM_EXTFRAG_H

#include "internal.h"

#define FS_EXTFRAG_NR_MT 8             /* printed numbers 0..6; 7 = anything else */

enum fs_extfrag_numbering {
	FS_EXTFRAG_MT_4_4 = 0,         /* 0 UNMOVABLE 1 MOVABLE 2 RECLAIMABLE 3 HIGHATOMIC */
	FS_EXTFRAG_MT_PRE_4_4,         /* 0 UNMOVABLE 1 RECLAIMABLE 2 MOVABLE 3 RESERVE */
};

/* One mm_page_alloc_extfrag payload. */
struct fs_extfrag_rec {
	uint64_t pfn;
	int alloc_order, fallback_order;
	int pageblock_order;           /* as printed, -1 if absent */
	int alloc_mt, fallback_mt;     /* as printed (raw numbers) */
	int fragmenting;               /* as printed, -1 if absent (never trusted) */
	int change_ownership;          /* as printed, -1 if absent */
};
/* Parse "page=... pfn=... alloc_order=..." (the fields after the event
 * name). 0, or -EINVAL with what was expected in err. */
int fs_extfrag_parse_fields(const char *f, size_t len, struct fs_extfrag_rec *r,
			    struct fs_err *err);

/* Counters over a set of events. Types are indexed by the printed number
 * (capped at FS_EXTFRAG_NR_MT - 1); names come from the numbering. */
struct fs_extfrag_counts {
	uint64_t events;
	uint64_t fragmenting;          /* fallback_order < pageblock_order */
	uint64_t change_ownership;
	uint64_t printed_fragmenting_wrong;  /* printed fragmenting= disagreed */
	uint64_t by_type[FS_EXTFRAG_NR_MT][FS_EXTFRAG_NR_MT];      /* [requested][fallback] */
	uint64_t frag_by_type[FS_EXTFRAG_NR_MT][FS_EXTFRAG_NR_MT]; /* fragmenting ones */
	uint64_t by_fallback_order[FS_NR_ORDERS + 1];              /* last: out of range */
};

/* The four counters mmtests prints (MMTests::MonitorFtraceextfrag), with
 * its definitions, corrected (see fs_extfrag_mmtests), and the
 * fragmenting-only breakdown of the expanded tables on linux-mm. */
struct fs_extfrag_mmtests {
	uint64_t events;                     /* Page alloc extfrag event */
	uint64_t fragmenting;                /* Extfrag fragmenting */
	uint64_t unmovable;                  /* Extfrag for unmovable */
	uint64_t unmovable_placed_with_movable; /* Extfrag unmovable placed with movable */
	uint64_t fragmenting_unmovable;      /* ... fragmenting for unmovable */
	uint64_t fragmenting_unmovable_placed_with_movable;
};

/* A skipped line shown as a warning: the first FS_EXTFRAG_SHOWN malformed
 * lines and the first FS_EXTFRAG_SHOWN where the kernel lost events. They
 * are printed once the reading is over (fs_extfrag_print_warnings), not as
 * they come: a file read in chunks finds them out of order, and a re-read
 * (stream_ns) would show them twice. */
#define FS_EXTFRAG_SHOWN 5
struct fs_extfrag_shown {
	uint64_t line;                 /* in the input */
	bool lost;                     /* lost events, else a malformed line */
	char *msg;                     /* malformed: what was wrong, without file:line */
};

struct fs_extfrag_input {
	char *path;
	const char *compression;
	uint64_t lines, extfrag_lines, other_events, comments, malformed, lost_lines;
	uint64_t movable_votes[2];     /* mm_page_alloc lines telling the numbering */
	struct fs_extfrag_shown shown[2 * FS_EXTFRAG_SHOWN];   /* in line order */
	unsigned nr_shown;
	bool complete;                 /* read to its end */
};

struct fs_extfrag_point {              /* one event, for the timeline */
	uint64_t time_ns;
	uint8_t alloc_mt, fallback_mt;
	uint8_t fragmenting, change_ownership;
};

/* One timeline interval, counted as the events are read (the stream). */
struct fs_extfrag_bucket {
	uint32_t events, fragmenting, change_ownership, unmovable;
	/* unmovable requests by fallback type: the movable type's number is
	 * known only once the numbering is decided, after reading */
	uint32_t unmovable_from[FS_EXTFRAG_NR_MT], fragmenting_unmovable_from[FS_EXTFRAG_NR_MT];
};
#define FS_EXTFRAG_MAX_BUCKETS (1u << 20)
/* below this a thread costs more than it saves */
#define FS_EXTFRAG_CHUNK_MIN (4u << 20)
#define FS_EXTFRAG_MAX_THREADS 64

struct fs_extfrag_an {
	/* configuration */
	int pageblock_order;           /* -1: as printed in each event, else 9 */
	bool strict;                   /* malformed lines are fatal */
	FILE *warn;                    /* warnings, NULL = quiet */
	/* A plain regular file is mapped and split at line boundaries into
	 * up to `threads` chunks of at least chunk_min bytes, parsed in
	 * parallel and merged in file order: the results are those of one
	 * reader, line numbers included. 1 (the default) reads on the calling
	 * thread; stdin and compressed input are always read so. */
	unsigned threads;
	size_t chunk_min;              /* bytes; default FS_EXTFRAG_CHUNK_MIN */
	/* results */
	struct fs_extfrag_counts c;
	struct fs_extfrag_input *inputs;
	unsigned nr_inputs;
	struct fs_extfrag_point *pts;
	size_t nr_pts, cap_pts;
	bool pts_unsorted;             /* a point earlier than the one before */
	/* stream_ns (set before reading): count the timeline into intervals of
	 * stream_ns from the first record line as the events come, instead of
	 * keeping every point - memory per interval, not per event. A record
	 * line earlier than the first (or an interval past
	 * FS_EXTFRAG_MAX_BUCKETS) makes fs_extfrag_read return -EAGAIN: read
	 * everything again with stream_ns 0. */
	uint64_t stream_ns;
	struct fs_extfrag_bucket *bk;
	size_t nr_bk, cap_bk;
	bool have_time;
	uint64_t first_ns, last_ns;    /* over every record line */
	int pb_seen_min, pb_seen_max;  /* printed pageblock orders, -1 if none */
};

void fs_extfrag_init(struct fs_extfrag_an *a);
void fs_extfrag_release(struct fs_extfrag_an *a);
/* Account one event (pageblock order already decided). */
void fs_extfrag_count(struct fs_extfrag_counts *c, const struct fs_extfrag_rec *r,
		      int pageblock_order);
/* Read one log or trace (any text format the ftrace reader splits, plain,
 * gzip or zstd, "-" = stdin). 0 or a negative errno with file:line. The
 * warnings about skipped lines are kept in the inputs, for: */
int fs_extfrag_read(struct fs_extfrag_an *a, const char *path, struct fs_err *err);
/* Print the kept warnings to a->warn (nothing if NULL): per input, its
 * shown lines with file:line, and for an input read to its end how many
 * malformed lines were skipped. Once, after the last fs_extfrag_read. */
void fs_extfrag_print_warnings(const struct fs_extfrag_an *a);
/* mmtests' four counters from the totals, for a numbering. */
void fs_extfrag_mmtests(const struct fs_extfrag_counts *c, enum fs_extfrag_numbering n,
			struct fs_extfrag_mmtests *out);
/* "unmovable", "movable", ... for a printed number under a numbering. */
const char *fs_extfrag_mt_name(enum fs_extfrag_numbering n, unsigned mt);
/* "4.19", "3.10.0-1160.el7" -> numbering; -EINVAL if not a version */
int fs_extfrag_numbering_for(const char *version, enum fs_extfrag_numbering *n);
/* The numbering the mm_page_alloc lines' gfp flags tell: 1 = found (in *n),
 * 0 = nothing decisive, -1 = contradictory. */
int fs_extfrag_detect_numbering(const struct fs_extfrag_an *a, enum fs_extfrag_numbering *n);
/* Timeline CSV: one row per interval from the first record line on. */
int fs_extfrag_write_csv(const struct fs_extfrag_an *a, enum fs_extfrag_numbering n,
			 uint64_t interval_ns, const char *path, struct fs_err *err);
/* JSON summary, written atomically. */
int fs_extfrag_write_json(const struct fs_extfrag_an *a, enum fs_extfrag_numbering n,
			  const char *numbering_source, uint64_t interval_ns, const char *path,
			  struct fs_err *err);

#endif
