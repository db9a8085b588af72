/* extfrag.c - the kernel's recorded fallbacks (mm_page_alloc_extfrag) read
 * from ftrace / trace-cmd / perf text, counted as the kernel means them.
 *
 * What the tracepoint says (include/trace/events/kmem.h; mm/page_alloc.c):
 *   alloc_order, alloc_migratetype   the request
 *   fallback_order                   order of the free block taken from
 *                                    another type's list (current_order)
 *   fallback_migratetype             the list it came from
 *   fragmenting                      fallback_order < pageblock_order: the
 *                                    steal may mix a pageblock (computed in
 *                                    TP_printk, so trace-cmd, which evaluates
 *                                    the print fmt itself, gets it wrong)
 *   change_ownership                 4.x-6.x: alloc_migratetype == the
 *                                    block's type afterwards (it was
 *                                    claimed); 3.10: alloc == fallback type,
 *                                    after __rmqueue_fallback overwrote the
 *                                    fallback type when it moved pages
 * Lines are split by the shared ftrace reader (trace_ftrace.c); every other
 * event is counted and skipped, except that mm_page_alloc lines whose gfp
 * flags name exactly one of MOVABLE/RECLAIMABLE tell which migrate-type
 * numbering the kernel used (gfp.h: gfp_migratetype / 3.10
 * allocflags_to_migratetype).
 *
 * A plain file can be read in parts on threads (read_chunks): each part
 * counts into an analysis of its own, and the parts are merged in file
 * order into exactly what one reader would have counted, line numbers of
 * the warnings and the first error included. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "extfrag.h"

#define MAX_VOTES 256
#define MT_OTHER (FS_EXTFRAG_NR_MT - 1)

static const char *const mt_names[2][FS_EXTFRAG_NR_MT] = {
	/* include/linux/mmzone.h 4.4 .. 6.18; 4 is CMA with CONFIG_CMA, else ISOLATE */
	[FS_EXTFRAG_MT_4_4] = { "unmovable", "movable", "reclaimable", "highatomic",
				"cma_or_isolate", "isolate", "type6", "other" },
	/* 3.10 (2.6.24 had ISOLATE at 4 and no CMA) */
	[FS_EXTFRAG_MT_PRE_4_4] = { "unmovable", "reclaimable", "movable", "reserve",
				    "cma_or_isolate", "isolate", "type6", "other" },
};

/* MIGRATE_MOVABLE's number under each numbering */
static const unsigned movable_nr[2] = { 1, 2 };

const char *fs_extfrag_mt_name(enum fs_extfrag_numbering n, unsigned mt)
{
	return mt_names[n][mt < FS_EXTFRAG_NR_MT ? mt : MT_OTHER];
}

int fs_extfrag_numbering_for(const char *v, enum fs_extfrag_numbering *n)
{
	uint64_t major = 0, minor = 0;
	const char *p = v, *q;

	for (q = p; *q >= '0' && *q <= '9'; q++)
		;
	if (q == p || fs_parse_u64(p, (size_t)(q - p), &major))
		return -EINVAL;
	if (*q == '.') {
		p = q + 1;
		for (q = p; *q >= '0' && *q <= '9'; q++)
			;
		if (q == p || fs_parse_u64(p, (size_t)(q - p), &minor))
			return -EINVAL;
	}
	if (*q && *q != '.' && *q != '-' && *q != '+' && *q != '_')
		return -EINVAL;
	if (major < 2 || major > 99)
		return -EINVAL;
	*n = (major < 4 || (major == 4 && minor < 4)) ? FS_EXTFRAG_MT_PRE_4_4 : FS_EXTFRAG_MT_4_4;
	return 0;
}

static inline bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static int bad(struct fs_err *err, const char *what, const char *s, const char *e)
{
	size_t n;

	while (s < e && blank(*s))
		s++;
	n = (size_t)(e - s);
	if (!n)
		return fs_error(err, -EINVAL, "expected %s in mm_page_alloc_extfrag, but the line ends",
				what);
	return fs_error(err, -EINVAL, "expected %s in mm_page_alloc_extfrag, got \"%.*s\"", what,
			(int)(n > 40 ? 40 : n), s);
}

/* A small signed decimal ("-1" is what a bogus order would print). */
static int parse_int(const char *s, size_t len, int *out)
{
	uint64_t v;
	bool neg = len && *s == '-';

	if (neg)
		s++, len--;
	if (!len || fs_parse_u64(s, len, &v) || v > 1000000)
		return -EINVAL;
	*out = neg ? -(int)v : (int)v;
	return 0;
}

/* The common case of parse_int: one or two digits (orders, types, flags). */
static inline int parse_small(const char *s, size_t len, int *out)
{
	if (len == 1 && s[0] >= '0' && s[0] <= '9') {
		*out = s[0] - '0';
		return 0;
	}
	if (len == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9') {
		*out = (s[0] - '0') * 10 + s[1] - '0';
		return 0;
	}
	return parse_int(s, len, out);
}

/* "KEY=" at *p, then a small decimal and a blank or the end. */
static inline bool fast_int(const char **pp, const char *e, const char *key, size_t kl, int *out)
{
	const char *p = *pp;
	int v = 0;

	if ((size_t)(e - p) < kl + 1 || memcmp(p, key, kl))
		return false;
	p += kl;
	if (p == e || *p < '0' || *p > '9')
		return false;
	while (p < e && *p >= '0' && *p <= '9' && v < 100000)
		v = v * 10 + (*p++ - '0');
	if (p < e && *p++ != ' ')
		return false;
	*out = v;
	*pp = p;
	return true;
}

#define H(c, v) [c] = v + 1
/* a hex digit's value + 1, 0 for anything else (see hex_val) */
static const uint8_t hex_val1[256] = {
	H('0', 0), H('1', 1), H('2', 2), H('3', 3), H('4', 4), H('5', 5), H('6', 6), H('7', 7),
	H('8', 8), H('9', 9), H('a', 10), H('b', 11), H('c', 12), H('d', 13), H('e', 14),
	H('f', 15), H('A', 10), H('B', 11), H('C', 12), H('D', 13), H('E', 14), H('F', 15),
};
#undef H
#define hex_val(c) ((int)hex_val1[c] - 1)

/* The fields as every kernel from 3.10 to 6.18 prints them, in their order
 * and single-spaced (include/trace/events/kmem.h, mm_page_alloc_extfrag):
 * a plain extfrag log is nothing else, so this is most of its parse. Any
 * other spelling goes through the general parser. */
static bool fast_fields(const char *f, size_t len, struct fs_extfrag_rec *r)
{
	const char *p = f, *e = f + len;
	int v[8];

	if (len < 5 || memcmp(p, "page=", 5))
		return false;
	p = memchr(p, ' ', len);
	if (!p || e - ++p < 4 || memcmp(p, "pfn=", 4))
		return false;
	p += 4;
	r->pfn = 0;
	if (e - p > 2 && p[0] == '0' && p[1] == 'x') {
		const char *h = p += 2;

		/* a table, not a branch on digit or letter: a hex digit is a
		 * letter 6 times in 16, at random, and that branch was the
		 * hottest spot of the fields in the profile */
		for (; p < e; p++) {
			int d = hex_val((unsigned char)*p);

			if (d < 0)
				break;
			r->pfn = r->pfn << 4 | (unsigned)d;
		}
		if ((p < e && *p != ' ') || p == h || p - h > 15)
			return false;
	} else {
		const char *d0 = p;

		for (; p < e && *p >= '0' && *p <= '9'; p++)
			r->pfn = r->pfn * 10 + (uint64_t)(*p - '0');
		if (p == d0 || p - d0 > 19)
			return false;
	}
	if (p == e || *p++ != ' ')
		return false;
#define F(i, k) fast_int(&p, e, k "=", sizeof(k), &v[i])
	if (!(F(0, "alloc_order") && F(1, "fallback_order") && F(2, "pageblock_order") &&
	      F(3, "alloc_migratetype") && F(4, "fallback_migratetype") && F(5, "fragmenting") &&
	      F(6, "change_ownership")) || p != e)
		return false;
#undef F
	if (v[0] > FS_ORDER_LIMIT || v[1] > FS_ORDER_LIMIT || v[2] > FS_ORDER_LIMIT || v[6] > 1)
		return false;
	r->alloc_order = v[0];
	r->fallback_order = v[1];
	r->pageblock_order = v[2];
	r->alloc_mt = v[3];
	r->fallback_mt = v[4];
	r->fragmenting = v[5];
	r->change_ownership = v[6];
	return true;
}

int fs_extfrag_parse_fields(const char *f, size_t len, struct fs_extfrag_rec *r,
			    struct fs_err *err)
{
	const char *p = f, *e = f + len;
	bool have_pfn = false, have_ao = false, have_fo = false, have_am = false, have_fm = false;
	bool tabs = memchr(f, '\t', len) != NULL;

	memset(r, 0, sizeof(*r));
	if (fast_fields(f, len, r))
		return 0;
	memset(r, 0, sizeof(*r));
	r->pageblock_order = r->fragmenting = r->change_ownership = -1;
	while (p < e) {
		const char *k, *v, *te, *eq;
		size_t kl, vl;
		int x;

		while (p < e && blank(*p))
			p++;
		/* KEY=VALUE tokens split at blanks (memchr: the fields are
		 * most of a plain extfrag log's bytes); page='s value, which
		 * 3.10 pads before "(null)", is not used */
		k = p;
		if (!tabs) {
			te = memchr(p, ' ', (size_t)(e - p));
			if (!te)
				te = e;
		} else {
			for (te = p; te < e && !blank(*te); te++)
				;
		}
		p = te;
		eq = memchr(k, '=', (size_t)(te - k));
		if (!eq)
			continue;
		kl = (size_t)(eq - k);
		v = eq + 1;
		vl = (size_t)(te - v);
		/* the keys differ in length (but alloc_order/fragmenting):
		 * one compare per field */
#define KEY(s) (kl == sizeof(s) - 1 && !memcmp(k, s, sizeof(s) - 1))
		if (kl == 4 || kl < 3 || kl > 20) {
			continue;                     /* page=, unknown keys */
		} else if (KEY("pfn")) {
			/* pfn=0x%lx since ~5.14, pfn=%lu before */
			if (fs_parse_u64(v, vl, &r->pfn))
				return bad(err, "pfn=NUMBER (0x hex or decimal)", v, e);
			have_pfn = true;
		} else if (KEY("alloc_order")) {
			if (parse_small(v, vl, &x) || x < 0 || x > FS_ORDER_LIMIT)
				return bad(err, "alloc_order=N with N in 0..15", k, e);
			r->alloc_order = x;
			have_ao = true;
		} else if (KEY("fallback_order")) {
			if (parse_small(v, vl, &x) || x < 0 || x > FS_ORDER_LIMIT)
				return bad(err, "fallback_order=N with N in 0..15", k, e);
			r->fallback_order = x;
			have_fo = true;
		} else if (KEY("pageblock_order")) {
			if (!parse_small(v, vl, &x) && x >= 0 && x <= FS_ORDER_LIMIT)
				r->pageblock_order = x;
		} else if (KEY("alloc_migratetype")) {
			if (parse_small(v, vl, &x) || x < 0)
				return bad(err, "alloc_migratetype=N", k, e);
			r->alloc_mt = x;
			have_am = true;
		} else if (KEY("fallback_migratetype")) {
			if (parse_small(v, vl, &x) || x < 0)
				return bad(err, "fallback_migratetype=N", k, e);
			r->fallback_mt = x;
			have_fm = true;
		} else if (KEY("fragmenting")) {
			if (!parse_small(v, vl, &x))
				r->fragmenting = x;
		} else if (KEY("change_ownership")) {
			if (parse_small(v, vl, &x) || x < 0 || x > 1)
				return bad(err, "change_ownership=0 or 1", k, e);
			r->change_ownership = x;
		}
#undef KEY
	}
	if (!have_pfn)
		return bad(err, "pfn=", f, e);
	if (!have_ao || !have_fo)
		return bad(err, "alloc_order= and fallback_order=", f, e);
	if (!have_am || !have_fm)
		return bad(err, "alloc_migratetype= and fallback_migratetype=", f, e);
	return 0;
}

static unsigned cap_mt(int mt)
{
	return mt >= 0 && mt < MT_OTHER ? (unsigned)mt : MT_OTHER;
}

void fs_extfrag_count(struct fs_extfrag_counts *c, const struct fs_extfrag_rec *r,
		      int pageblock_order)
{
	unsigned am = cap_mt(r->alloc_mt), fm = cap_mt(r->fallback_mt);
	bool frag = r->fallback_order < pageblock_order;

	c->events++;
	c->by_type[am][fm]++;
	if (frag) {
		c->fragmenting++;
		c->frag_by_type[am][fm]++;
	}
	if (r->change_ownership == 1)
		c->change_ownership++;
	if (r->fragmenting >= 0 && r->fragmenting != (int)frag)
		c->printed_fragmenting_wrong++;
	c->by_fallback_order[r->fallback_order <= FS_ORDER_LIMIT ? r->fallback_order
								 : FS_NR_ORDERS]++;
}

/* mmtests (gormanm/mmtests bin/lib/MMTests/MonitorFtraceextfrag.pm,
 * ftraceCallback) counts, per mm_page_alloc_extfrag line:
 *   "Page alloc extfrag event"               every event
 *   "Extfrag fragmenting"                    printed fragmenting != 0
 *   "Extfrag for unmovable"                  alloc_migratetype == 0
 *   "Extfrag unmovable placed with movable"  alloc_migratetype == 0 &&
 *                                            fallback_migratetype == 2
 * Its regex reads "pfn=([0-9]*)", so every line with a hex pfn (~5.14+)
 * fails to parse and is dropped with a warning; 2 is MOVABLE only before
 * 4.4 (016c13daa5c9 made it RECLAIMABLE, which Vlastimil Babka found had
 * mixed up his linux-mm tables); and the printed fragmenting= is wrong in
 * trace-cmd output. Here: every line, fragmenting recomputed, MOVABLE's
 * number from the numbering. The fragmenting-only variants are the
 * expanded tables posted on linux-mm ("Extfrag fragmenting for
 * unmovable", "... unmovable placed with movable"). */
void fs_extfrag_mmtests(const struct fs_extfrag_counts *c, enum fs_extfrag_numbering n,
			struct fs_extfrag_mmtests *out)
{
	unsigned mov = movable_nr[n];

	memset(out, 0, sizeof(*out));
	out->events = c->events;
	out->fragmenting = c->fragmenting;
	for (unsigned f = 0; f < FS_EXTFRAG_NR_MT; f++) {
		out->unmovable += c->by_type[0][f];
		out->fragmenting_unmovable += c->frag_by_type[0][f];
	}
	out->unmovable_placed_with_movable = c->by_type[0][mov];
	out->fragmenting_unmovable_placed_with_movable = c->frag_by_type[0][mov];
}

void fs_extfrag_init(struct fs_extfrag_an *a)
{
	memset(a, 0, sizeof(*a));
	a->pageblock_order = -1;
	a->warn = stderr;
	a->pb_seen_min = a->pb_seen_max = -1;
	a->threads = 1;
	a->chunk_min = FS_EXTFRAG_CHUNK_MIN;
}

void fs_extfrag_release(struct fs_extfrag_an *a)
{
	for (unsigned i = 0; i < a->nr_inputs; i++) {
		free(a->inputs[i].path);
		for (unsigned k = 0; k < a->inputs[i].nr_shown; k++)
			free(a->inputs[i].shown[k].msg);
	}
	free(a->inputs);
	fs_big_free(a->pts, a->cap_pts * sizeof(*a->pts));
	free(a->bk);
	memset(a, 0, sizeof(*a));
}

static bool has(const char *s, size_t n, const char *w)
{
	return memmem(s, n, w, strlen(w)) != NULL;
}

/* mm_page_alloc "... migratetype=%d gfp_flags=%s": with MOVABLE and not
 * RECLAIMABLE in the flags, the number is MIGRATE_MOVABLE's (4.4+: 1,
 * before: 2); with RECLAIMABLE and not MOVABLE, MIGRATE_RECLAIMABLE's
 * (4.4+: 2, before: 1). Flag spellings: __GFP_MOVABLE, GFP_HIGHUSER_MOVABLE
 * (4.x+), GFP_MOVABLE, GFP_RECLAIMABLE (3.10's show_gfp_flags). */
int fs_mt_numbering_of_alloc(const char *f, size_t n)
{
	const char *m = memmem(f, n, "migratetype=", 12), *g = memmem(f, n, "gfp_flags=", 10);
	bool mov, rec;
	int mt;

	if (!m || !g || m + 14 > f + n || m[13] != ' ' || m[12] < '0' || m[12] > '9')
		return -1;
	mt = m[12] - '0';
	g += 10;
	n -= (size_t)(g - f);
	mov = has(g, n, "MOVABLE");
	rec = has(g, n, "RECLAIMABLE");
	if (mov == rec)
		return -1;
	if ((mov && mt == 1) || (rec && mt == 2))
		return FS_EXTFRAG_MT_4_4;
	if ((mov && mt == 2) || (rec && mt == 1))
		return FS_EXTFRAG_MT_PRE_4_4;
	return -1;
}

int fs_extfrag_detect_numbering(const struct fs_extfrag_an *a, enum fs_extfrag_numbering *n)
{
	uint64_t v[2] = { 0, 0 };

	for (unsigned i = 0; i < a->nr_inputs; i++)
		for (unsigned k = 0; k < 2; k++)
			v[k] += a->inputs[i].movable_votes[k];
	if (v[0] && v[1])
		return -1;
	if (!v[0] && !v[1])
		return 0;
	*n = v[0] ? FS_EXTFRAG_MT_4_4 : FS_EXTFRAG_MT_PRE_4_4;
	return 1;
}

/* Count the event into its interval; -EAGAIN when the stream cannot hold
 * it (see fs_extfrag_an.stream_ns). */
static int add_bucket(struct fs_extfrag_an *a, uint64_t t, const struct fs_extfrag_rec *r, int pb)
{
	uint64_t b = (t - a->first_ns) / a->stream_ns;
	struct fs_extfrag_bucket *k;
	unsigned fm = cap_mt(r->fallback_mt);
	bool frag = r->fallback_order < pb;

	if (t < a->first_ns || b >= FS_EXTFRAG_MAX_BUCKETS)
		return -EAGAIN;
	if (b >= a->cap_bk) {
		size_t cap = a->cap_bk ? a->cap_bk : 256;

		while (cap <= b)
			cap *= 2;
		a->bk = fs_xrealloc(a->bk, cap * sizeof(*a->bk));
		memset(a->bk + a->cap_bk, 0, (cap - a->cap_bk) * sizeof(*a->bk));
		a->cap_bk = cap;
	}
	if (b >= a->nr_bk)
		a->nr_bk = b + 1;
	k = &a->bk[b];
	k->events++;
	k->fragmenting += frag;
	k->change_ownership += r->change_ownership == 1;
	if (cap_mt(r->alloc_mt) == 0) {
		k->unmovable++;
		k->unmovable_from[fm]++;
		k->fragmenting_unmovable_from[fm] += frag;
	}
	return 0;
}

static void add_point(struct fs_extfrag_an *a, uint64_t t, const struct fs_extfrag_rec *r,
		      int pb)
{
	struct fs_extfrag_point *p;

	if (a->nr_pts == a->cap_pts) {
		/* THP-advised: a plain extfrag log is a point per line, and
		 * first-touch faults of 4 KiB pages were a fifth of its parse */
		size_t cap = a->cap_pts ? 2 * a->cap_pts : 65536;

		a->pts = a->pts ? fs_big_realloc(a->pts, a->cap_pts * sizeof(*a->pts), cap * sizeof(*a->pts))
			 : fs_big_alloc(cap * sizeof(*a->pts));
		if (!a->pts)
			abort();
		a->cap_pts = cap;
	}
	if (a->nr_pts && t < a->pts[a->nr_pts - 1].time_ns)
		a->pts_unsorted = true;
	p = &a->pts[a->nr_pts++];
	p->time_ns = t;
	p->alloc_mt = (uint8_t)cap_mt(r->alloc_mt);
	p->fallback_mt = (uint8_t)cap_mt(r->fallback_mt);
	p->fragmenting = r->fallback_order < pb;
	p->change_ownership = r->change_ownership == 1;
}

/* One reader of lines: a whole input, or one chunk of a mapped file (then
 * with an analysis and input counters of its own, merged afterwards). */
struct ef_reader {
	struct fs_extfrag_an *a;       /* counted into */
	struct fs_extfrag_input *in;   /* its counters; in->lines: lines read */
	bool at_start;                 /* its first line is the input's first */
	uint8_t votes[MAX_VOTES];      /* the numbering votes' kinds in line order */
};

/* Keep a skipped line to show (see struct fs_extfrag_shown). */
static void keep_shown(struct fs_extfrag_input *in, uint64_t line, bool lost, const char *msg)
{
	struct fs_extfrag_shown *s;

	if (in->nr_shown == FS_ARRAY_SIZE(in->shown))
		return;
	s = &in->shown[in->nr_shown++];
	s->line = line;
	s->lost = lost;
	s->msg = msg ? fs_xstrdup(msg) : NULL;
}

static int malformed(struct fs_extfrag_an *a, struct fs_extfrag_input *in, struct fs_err *err)
{
	in->malformed++;
	if (a->strict)
		return -EINVAL;
	if (in->malformed <= FS_EXTFRAG_SHOWN)
		keep_shown(in, in->lines, false, err->msg);
	return 0;
}

static bool all_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!blank(s[i]))
			return false;
	return true;
}

/* Count one line (without its '\n'; read-only, not NUL-terminated). 0, or
 * a negative errno: fatal, with what was wrong in err, without file:line
 * (the caller's in->lines is the line); -EAGAIN: see stream_ns. */
static int read_line(struct ef_reader *rd, const char *line, size_t len, bool has_nul,
		     struct fs_err *err)
{
	struct fs_extfrag_an *a = rd->a;
	struct fs_extfrag_input *in = rd->in;
	struct fs_ftrace_rec rec;
	struct fs_extfrag_rec r;
	int rc, pb;

	in->lines++;
	if (has_nul) {
		in->malformed++;
		return fs_error(err, -EINVAL, "binary data in a text trace");
	}
	if (len && line[len - 1] == '\r')
		len--;
	/* kernel header lines start with '#' in column 0 (trace.c) */
	if (!len || line[0] == '#') {
		in->comments++;
		return 0;
	}
	rc = fs_ftrace_split(line, len, &rec, err);
	if (rc < 0 && all_blank(line, len)) {
		in->comments++;
		return 0;
	}
	if (rc == FS_FTRACE_HEADER) {
		in->comments++;
		return 0;
	}
	if (rc == FS_FTRACE_LOST) {
		if (++in->lost_lines <= FS_EXTFRAG_SHOWN)
			keep_shown(in, in->lines, true, NULL);
		return 0;
	}
	if (rc < 0) {
		if (rd->at_start && in->lines == in->comments + 1 && fs_native_sniff(line, len)) {
			in->malformed++;
			return fs_error(err, -EINVAL, "a native fragsim trace (traces/FORMAT.md): it has "
					"no mm_page_alloc_extfrag events; 'fragsim replay' counts simulated "
					"fallbacks");
		}
		return malformed(a, in, err);
	}
	if (a->stream_ns && a->have_time && rec.time_ns < a->first_ns)
		return -EAGAIN;               /* the stream's intervals start too late */
	if (!a->have_time || rec.time_ns < a->first_ns)
		a->first_ns = rec.time_ns;
	if (!a->have_time || rec.time_ns > a->last_ns)
		a->last_ns = rec.time_ns;
	a->have_time = true;
	if (rec.name_len != 21 || memcmp(rec.name, "mm_page_alloc_extfrag", 21)) {
		uint64_t nv = in->movable_votes[0] + in->movable_votes[1];

		in->other_events++;
		/* a few hundred lines decide; reading every gfp string would
		 * cost more than the rest of the parse */
		if (rec.name_len == 13 && !memcmp(rec.name, "mm_page_alloc", 13) && nv < MAX_VOTES) {
			int k = fs_mt_numbering_of_alloc(rec.fields, rec.fields_len);

			if (k >= 0) {
				rd->votes[nv] = (uint8_t)k;
				in->movable_votes[k]++;
			}
		}
		return 0;
	}
	if (fs_extfrag_parse_fields(rec.fields, rec.fields_len, &r, err))
		return malformed(a, in, err);
	in->extfrag_lines++;
	if (r.pageblock_order >= 0) {
		if (a->pb_seen_min < 0 || r.pageblock_order < a->pb_seen_min)
			a->pb_seen_min = r.pageblock_order;
		if (r.pageblock_order > a->pb_seen_max)
			a->pb_seen_max = r.pageblock_order;
	}
	pb = a->pageblock_order >= 0 ? a->pageblock_order
	     : r.pageblock_order >= 0 ? r.pageblock_order : 9;
	fs_extfrag_count(&a->c, &r, pb);
	if (!a->stream_ns)
		add_point(a, rec.time_ns, &r, pb);
	else
		return add_bucket(a, rec.time_ns, &r, pb);
	return 0;
}

/* Read the whole lines of [*pp, e) (the last one may lack its '\n' only
 * at the end of the input), stopping before a line that starts at or
 * after limit (NULL: none). *pp moves on to the first line not read. */
#define NUL_WINDOW (256u << 10)

static int read_lines(struct ef_reader *rd, const char **pp, const char *e, const char *limit,
		      struct fs_err *err)
{
	const char *p = *pp, *clean = p;       /* no NUL in [p, clean) */
	int rc = 0;

	while (p < e && (!limit || p < limit)) {
		const char *nl = memchr(p, '\n', (size_t)(e - p)), *le = nl ? nl : e;

		/* binary data: one memchr a window ahead, not one per line */
		if (le > clean) {
			size_t w = (size_t)(e - p) < NUL_WINDOW ? (size_t)(e - p) : NUL_WINDOW;
			const char *z;

			if ((size_t)(le - p) > w)
				w = (size_t)(le - p);
			z = memchr(p, 0, w);
			clean = z ? z : p + w;
		}
		if ((rc = read_line(rd, p, (size_t)(le - p), le > clean, err)))
			break;
		p = nl ? nl + 1 : e;
	}
	*pp = p;
	return rc;
}

/* A part of a plain file, read on a thread of its own with pread: the
 * lines that start in [from, to) (to: UINT64_MAX, to the file's end). The
 * bytes from `from` to the first line start belong to the part before. */
#define CHUNK_BUF (1u << 20)
#define LINE_MAX_BYTES (64u << 20)      /* as input.c: a longer "line" is not text */

struct ef_chunk {
	struct fs_extfrag_an a;        /* its counts, intervals or points */
	struct fs_extfrag_input in;
	struct ef_reader rd;
	int fd;
	uint64_t from, to;             /* byte offsets in the file */
	int rc;                        /* 0, or fatal at line in.lines (err without */
	bool err_placed;               /* file:line, unless err_placed) or -EAGAIN */
	struct fs_err err;
	pthread_t thread;
	bool threaded;
};

static void *chunk_run(void *arg)
{
	struct ef_chunk *ch = arg;
	size_t cap = CHUNK_BUF, have = 0;
	char *buf = fs_xcalloc(1, cap);
	uint64_t off = ch->from ? ch->from - 1 : 0;   /* the file offset of buf[0] */
	bool skip = ch->from != 0, eof = false;

	while (!ch->rc) {
		const char *p = buf, *e, *limit;
		ssize_t n = pread(ch->fd, buf + have, cap - have, (off_t)(off + have));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ch->rc = fs_error(&ch->err, -errno, "%s: read error: %s (after line %" PRIu64 ")",
					  ch->in.path, strerror(errno), ch->in.lines);
			ch->err_placed = true;
			break;
		}
		eof = n == 0;
		have += (size_t)n;
		e = buf + have;
		if (skip) {
			const char *nl = memchr(buf, '\n', have);

			if (!nl && !eof) {
				off += have;
				have = 0;
				if (off >= ch->to)
					break;        /* a line longer than the part */
				continue;
			}
			p = nl ? nl + 1 : e;
			skip = false;
			if (off + (uint64_t)(p - buf) >= ch->to)
				break;                /* its first line starts in the next part */
		}
		if (!eof) {                    /* whole lines only */
			const char *last = memrchr(p, '\n', (size_t)(e - p));

			e = last ? last + 1 : p;
		}
		limit = ch->to - off <= have ? buf + (ch->to - off) : NULL;
		ch->rc = read_lines(&ch->rd, &p, e, limit, &ch->err);
		if (ch->rc || eof || (limit && p >= limit))
			break;
		/* the line not yet whole to the front, the buffer grown for it */
		have -= (size_t)(p - buf);
		off += (uint64_t)(p - buf);
		memmove(buf, p, have);
		if (have == cap) {
			if (cap >= LINE_MAX_BYTES) {
				ch->in.lines++;
				ch->rc = fs_error(&ch->err, -EINVAL, "a line longer than %u MiB: not a "
						  "text trace", LINE_MAX_BYTES >> 20);
				break;
			}
			cap *= 2;
			buf = fs_xrealloc(buf, cap);
		}
	}
	free(buf);
	return NULL;
}

static void counts_add(struct fs_extfrag_counts *d, const struct fs_extfrag_counts *s)
{
	d->events += s->events;
	d->fragmenting += s->fragmenting;
	d->change_ownership += s->change_ownership;
	d->printed_fragmenting_wrong += s->printed_fragmenting_wrong;
	for (unsigned r = 0; r < FS_EXTFRAG_NR_MT; r++)
		for (unsigned f = 0; f < FS_EXTFRAG_NR_MT; f++) {
			d->by_type[r][f] += s->by_type[r][f];
			d->frag_by_type[r][f] += s->frag_by_type[r][f];
		}
	for (unsigned o = 0; o <= FS_NR_ORDERS; o++)
		d->by_fallback_order[o] += s->by_fallback_order[o];
}

/* Add a chunk's results to what the chunks before it gave, as if one
 * reader had gone on: its line numbers shift by the lines before it, its
 * shown lines and numbering votes count only while the input's quota
 * lasts. */
static void merge_chunk(struct fs_extfrag_an *a, struct ef_reader *rd, struct ef_chunk *ch)
{
	struct fs_extfrag_input *in = rd->in, *ci = &ch->in;
	struct fs_extfrag_an *ca = &ch->a;
	uint64_t line0 = in->lines, nv = in->movable_votes[0] + in->movable_votes[1];
	unsigned sm = 0, sl = 0;

	in->lines += ci->lines;
	in->extfrag_lines += ci->extfrag_lines;
	in->other_events += ci->other_events;
	in->comments += ci->comments;
	for (unsigned i = 0; i < in->nr_shown; i++)
		*(in->shown[i].lost ? &sl : &sm) += 1;
	for (unsigned i = 0; i < ci->nr_shown; i++) {
		struct fs_extfrag_shown *s = &ci->shown[i];

		if (s->lost ? sl++ < FS_EXTFRAG_SHOWN : sm++ < FS_EXTFRAG_SHOWN) {
			in->shown[in->nr_shown] = *s;
			in->shown[in->nr_shown++].line += line0;
			s->msg = NULL;
		}
	}
	in->malformed += ci->malformed;
	in->lost_lines += ci->lost_lines;
	for (uint64_t i = 0; i < ci->movable_votes[0] + ci->movable_votes[1] && nv < MAX_VOTES; i++, nv++) {
		rd->votes[nv] = ch->rd.votes[i];
		in->movable_votes[ch->rd.votes[i]]++;
	}
	counts_add(&a->c, &ca->c);
	if (ca->pb_seen_min >= 0) {
		if (a->pb_seen_min < 0 || ca->pb_seen_min < a->pb_seen_min)
			a->pb_seen_min = ca->pb_seen_min;
		if (ca->pb_seen_max > a->pb_seen_max)
			a->pb_seen_max = ca->pb_seen_max;
	}
	if (ca->have_time) {
		if (!a->have_time || ca->first_ns < a->first_ns)
			a->first_ns = ca->first_ns;
		if (!a->have_time || ca->last_ns > a->last_ns)
			a->last_ns = ca->last_ns;
		a->have_time = true;
	}
	if (ca->nr_bk > a->cap_bk) {
		a->bk = fs_xrealloc(a->bk, ca->nr_bk * sizeof(*a->bk));
		memset(a->bk + a->cap_bk, 0, (ca->nr_bk - a->cap_bk) * sizeof(*a->bk));
		a->cap_bk = ca->nr_bk;
	}
	for (size_t b = 0; b < ca->nr_bk; b++) {
		struct fs_extfrag_bucket *d = &a->bk[b];
		const struct fs_extfrag_bucket *s = &ca->bk[b];

		d->events += s->events;
		d->fragmenting += s->fragmenting;
		d->change_ownership += s->change_ownership;
		d->unmovable += s->unmovable;
		for (unsigned f = 0; f < FS_EXTFRAG_NR_MT; f++) {
			d->unmovable_from[f] += s->unmovable_from[f];
			d->fragmenting_unmovable_from[f] += s->fragmenting_unmovable_from[f];
		}
	}
	if (ca->nr_bk > a->nr_bk)
		a->nr_bk = ca->nr_bk;
	if (ca->nr_pts) {
		size_t need = a->nr_pts + ca->nr_pts;

		if (need > a->cap_pts) {
			a->pts = a->pts ? fs_big_realloc(a->pts, a->cap_pts * sizeof(*a->pts), need * sizeof(*a->pts))
				 : fs_big_alloc(need * sizeof(*a->pts));
			if (!a->pts)
				abort();
			a->cap_pts = need;
		}
		if (ca->pts_unsorted || (a->nr_pts && ca->pts[0].time_ns < a->pts[a->nr_pts - 1].time_ns))
			a->pts_unsorted = true;
		memcpy(a->pts + a->nr_pts, ca->pts, ca->nr_pts * sizeof(*a->pts));
		a->nr_pts = need;
	}
}

/* The lines of a plain regular file from byte `from` on, in parts on
 * threads (see fs_extfrag_an.threads), merged in file order. 0, or the
 * first part's error (err with file:line), as one reader would stop. */
static int read_chunks(struct fs_extfrag_an *a, struct ef_reader *rd, int fd, uint64_t from,
		       uint64_t size, unsigned n, struct fs_err *err)
{
	struct ef_chunk *ch = fs_xcalloc(n, sizeof(*ch));
	uint64_t step = (size - from) / n;
	int rc = 0;
	unsigned k;

	for (k = 0; k < n; k++) {
		struct ef_chunk *c = &ch[k];

		fs_extfrag_init(&c->a);
		c->a.pageblock_order = a->pageblock_order;
		c->a.strict = a->strict;
		c->a.warn = NULL;
		c->a.stream_ns = a->stream_ns;
		if (a->stream_ns) {
			/* intervals from the inputs' first time, known by now
			 * (fs_extfrag_read reads up to it first) */
			c->a.have_time = a->have_time;
			c->a.first_ns = c->a.last_ns = a->first_ns;
		}
		c->in.path = rd->in->path;
		c->rd.a = &c->a;
		c->rd.in = &c->in;
		c->rd.at_start = rd->at_start && k == 0 && !rd->in->lines;
		c->fd = fd;
		c->from = from + step * k;
		c->to = k == n - 1 ? UINT64_MAX : from + step * (k + 1);
	}
	for (k = 1; k < n; k++)
		ch[k].threaded = !pthread_create(&ch[k].thread, NULL, chunk_run, &ch[k]);
	chunk_run(&ch[0]);
	for (k = 1; k < n; k++) {
		if (ch[k].threaded)
			pthread_join(ch[k].thread, NULL);
		else
			chunk_run(&ch[k]);    /* no thread: read it here */
	}
	for (k = 0; k < n; k++) {
		merge_chunk(a, rd, &ch[k]);
		if ((rc = ch[k].rc)) {
			/* one reader would have stopped here: the parts after
			 * this one were never read */
			if (rc != -EAGAIN) {
				*err = ch[k].err;
				if (!ch[k].err_placed)
					fs_err_prefix(err, "%s:%" PRIu64 ": ", rd->in->path, rd->in->lines);
			}
			break;
		}
	}
	for (k = 0; k < n; k++) {
		for (unsigned i = 0; i < ch[k].in.nr_shown; i++)
			free(ch[k].in.shown[i].msg);
		fs_extfrag_release(&ch[k].a);
	}
	free(ch);
	return rc;
}

/* How many parts a plain file from byte `from` on is read in, and an fd
 * of its own to pread them (-1 and 1 part: read on as a stream). */
static unsigned plan_chunks(const struct fs_extfrag_an *a, const char *path, uint64_t from,
			    int *fd, uint64_t *size)
{
	size_t min = a->chunk_min ? a->chunk_min : FS_EXTFRAG_CHUNK_MIN;
	uint64_t n = a->threads > FS_EXTFRAG_MAX_THREADS ? FS_EXTFRAG_MAX_THREADS : a->threads;
	struct stat st;

	*fd = -1;
	if (n < 2 || !strcmp(path, "-"))
		return 1;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	/* a regular file's size is its content's (not /proc's) */
	if (*fd < 0 || fstat(*fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size <= from)
		goto out_stream;
	if (n > ((uint64_t)st.st_size - from) / min)
		n = ((uint64_t)st.st_size - from) / min;
	if (n < 2)
		goto out_stream;
	*size = (uint64_t)st.st_size;
	return (unsigned)n;
out_stream:
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
	return 1;
}

int fs_extfrag_read(struct fs_extfrag_an *a, const char *path, struct fs_err *err)
{
	struct fs_extfrag_input *in;
	struct ef_reader rd;
	struct fs_input inp;
	uint64_t at = 0;       /* bytes read as lines */
	bool plan;
	char *line;
	size_t len;
	int rc;

	if ((rc = fs_input_open(&inp, path, err)))
		return rc;
	a->inputs = fs_xrealloc(a->inputs, (a->nr_inputs + 1) * sizeof(*a->inputs));
	in = &a->inputs[a->nr_inputs++];
	memset(in, 0, sizeof(*in));
	in->path = fs_xstrdup(inp.path);
	in->compression = fs_input_codec_name(inp.codec);
	rd.a = a;
	rd.in = in;
	rd.at_start = true;
	plan = inp.codec == FS_INPUT_PLAIN && a->threads > 1;
	for (;;) {
		/* A plain file goes to the threads once its first time is
		 * known when the timeline is streamed (every part counts its
		 * intervals from there), at once otherwise. */
		if (plan && (!a->stream_ns || a->have_time)) {
			uint64_t size;
			int fd;
			unsigned n = plan_chunks(a, path, at, &fd, &size);

			plan = false;
			if (fd >= 0) {
				rc = read_chunks(a, &rd, fd, at, size, n, err);
				close(fd);
				break;
			}
		}
		if ((rc = fs_input_getline(&inp, &line, &len, err)) <= 0)
			break;
		at += len + 1;
		if ((rc = read_line(&rd, line, len, inp.line_has_nul, err))) {
			if (rc != -EAGAIN)
				fs_err_prefix(err, "%s:%" PRIu64 ": ", in->path, in->lines);
			break;
		}
	}
	fs_input_close(&inp);
	in->complete = rc == 0;
	return rc < 0 ? rc : 0;
}

void fs_extfrag_print_warnings(const struct fs_extfrag_an *a)
{
	if (!a->warn)
		return;
	for (unsigned i = 0; i < a->nr_inputs; i++) {
		const struct fs_extfrag_input *in = &a->inputs[i];
		unsigned nm = 0;

		for (unsigned k = 0; k < in->nr_shown; k++) {
			const struct fs_extfrag_shown *s = &in->shown[k];
			struct fs_err e;

			if (s->lost) {
				fprintf(a->warn, "fragsim: warning: %s:%" PRIu64 ": the kernel lost events "
					"here; extfrag counts may be low\n", in->path, s->line);
				continue;
			}
			snprintf(e.msg, sizeof(e.msg), "%s", s->msg);
			fs_err_prefix(&e, "%s:%" PRIu64 ": ", in->path, s->line);
			fprintf(a->warn, "fragsim: warning: %s (line skipped)%s\n", e.msg,
				++nm == FS_EXTFRAG_SHOWN ? " [further ones only counted]" : "");
		}
		if (in->complete && in->malformed)
			fprintf(a->warn, "fragsim: warning: %s: %" PRIu64 " malformed line%s skipped "
				"(--strict makes them fatal)\n", in->path, in->malformed,
				in->malformed == 1 ? "" : "s");
	}
}

static int cmp_pts(const void *x, const void *y)
{
	const struct fs_extfrag_point *p = x, *q = y;

	return p->time_ns < q->time_ns ? -1 : p->time_ns > q->time_ns;
}

#define TL_COLS 7
static const char *const tl_names[TL_COLS] = {
	"events", "fragmenting", "change_ownership", "unmovable", "unmovable_placed_with_movable",
	"fragmenting_unmovable", "fragmenting_unmovable_placed_with_movable",
};

int fs_extfrag_write_csv(const struct fs_extfrag_an *a, enum fs_extfrag_numbering n,
			 uint64_t interval_ns, const char *path, struct fs_err *err)
{
	struct fs_extfrag_point *pts = NULL;
	const struct fs_extfrag_point *src;
	struct fs_outfile o;
	uint64_t nbuckets, t0 = a->first_ns;
	unsigned mov = movable_nr[n];
	size_t i = 0;
	int rc;

	if ((rc = fs_out_open(&o, path, err)))
		return rc;
	fputs("time_s", o.fp);
	for (unsigned k = 0; k < TL_COLS; k++)
		fprintf(o.fp, ",%s", tl_names[k]);
	fputc('\n', o.fp);
	if (a->nr_pts && a->pts_unsorted) {    /* several inputs, or a trace out of order */
		pts = fs_xcalloc(a->nr_pts, sizeof(*pts));
		memcpy(pts, a->pts, a->nr_pts * sizeof(*pts));
		qsort(pts, a->nr_pts, sizeof(*pts), cmp_pts);
	}
	src = pts ? pts : a->pts;
	nbuckets = a->have_time ? (a->last_ns - t0) / interval_ns + 1 : 0;
	for (uint64_t b = 0; b < nbuckets; b++) {
		uint64_t t = t0 + b * interval_ns, v[TL_COLS] = { 0 };

		if (a->stream_ns == interval_ns && b < a->nr_bk) {
			const struct fs_extfrag_bucket *k = &a->bk[b];

			v[0] = k->events;
			v[1] = k->fragmenting;
			v[2] = k->change_ownership;
			v[3] = k->unmovable;
			v[4] = k->unmovable_from[mov];
			v[5] = 0;
			for (unsigned f = 0; f < FS_EXTFRAG_NR_MT; f++)
				v[5] += k->fragmenting_unmovable_from[f];
			v[6] = k->fragmenting_unmovable_from[mov];
		}
		for (; i < a->nr_pts && src[i].time_ns < t + interval_ns; i++) {
			const struct fs_extfrag_point *p = &src[i];

			v[0]++;
			v[1] += p->fragmenting;
			v[2] += p->change_ownership;
			if (p->alloc_mt != 0)
				continue;
			v[3]++;
			v[4] += p->fallback_mt == mov;
			v[5] += p->fragmenting;
			v[6] += p->fragmenting && p->fallback_mt == mov;
		}
		fprintf(o.fp, "%" PRIu64 ".%06" PRIu64, t / 1000000000u, t % 1000000000u / 1000u);
		for (unsigned k = 0; k < TL_COLS; k++)
			fprintf(o.fp, ",%" PRIu64, v[k]);
		fputc('\n', o.fp);
	}
	free(pts);
	return fs_out_commit(&o, err);
}

static json_t *u64(uint64_t v)
{
	return json_integer((json_int_t)v);
}

int fs_extfrag_write_json(const struct fs_extfrag_an *a, enum fs_extfrag_numbering n,
			  const char *numbering_source, uint64_t interval_ns, const char *path,
			  struct fs_err *err)
{
	const struct fs_extfrag_counts *c = &a->c;
	json_t *root = json_object(), *ins = json_array(), *tot = json_object(),
	       *mm = json_object(), *mat = json_array(), *fo = json_object(), *num = json_object();
	struct fs_extfrag_mmtests m;
	int rc;

	json_object_set_new(root, "schema_version", json_integer(FS_SCHEMA_VERSION));
	json_object_set_new(root, "fragsim_version", json_string(FS_VERSION));
	json_object_set_new(num, "scheme", json_string(n == FS_EXTFRAG_MT_4_4 ? "4.4+" : "pre-4.4"));
	json_object_set_new(num, "source", json_string(numbering_source));
	for (unsigned t = 0; t < 4; t++)
		json_object_set_new(num, mt_names[n][t], json_integer(t));
	json_object_set_new(root, "migratetype_numbering", num);
	if (a->pageblock_order >= 0)
		json_object_set_new(root, "pageblock_order", json_integer(a->pageblock_order));
	else
		json_object_set_new(root, "pageblock_order", json_string("as printed"));
	for (unsigned i = 0; i < a->nr_inputs; i++) {
		const struct fs_extfrag_input *in = &a->inputs[i];
		json_t *o = json_object();

		json_object_set_new(o, "path", json_string(in->path));
		json_object_set_new(o, "compression", json_string(in->compression));
		json_object_set_new(o, "lines", u64(in->lines));
		json_object_set_new(o, "extfrag_lines", u64(in->extfrag_lines));
		json_object_set_new(o, "other_event_lines", u64(in->other_events));
		json_object_set_new(o, "comment_lines", u64(in->comments));
		json_object_set_new(o, "malformed", u64(in->malformed));
		json_object_set_new(o, "lost_events_lines", u64(in->lost_lines));
		json_object_set_new(o, "mm_page_alloc_lines_saying_4_4",
				    u64(in->movable_votes[FS_EXTFRAG_MT_4_4]));
		json_object_set_new(o, "mm_page_alloc_lines_saying_pre_4_4",
				    u64(in->movable_votes[FS_EXTFRAG_MT_PRE_4_4]));
		json_array_append_new(ins, o);
	}
	json_object_set_new(root, "inputs", ins);
	json_object_set_new(tot, "events", u64(c->events));
	json_object_set_new(tot, "fragmenting", u64(c->fragmenting));
	json_object_set_new(tot, "not_fragmenting", u64(c->events - c->fragmenting));
	json_object_set_new(tot, "change_ownership", u64(c->change_ownership));
	json_object_set_new(tot, "printed_fragmenting_wrong", u64(c->printed_fragmenting_wrong));
	json_object_set_new(root, "totals", tot);
	fs_extfrag_mmtests(c, n, &m);
	json_object_set_new(mm, "page_alloc_extfrag_event", u64(m.events));
	json_object_set_new(mm, "extfrag_fragmenting", u64(m.fragmenting));
	json_object_set_new(mm, "extfrag_for_unmovable", u64(m.unmovable));
	json_object_set_new(mm, "extfrag_unmovable_placed_with_movable",
			    u64(m.unmovable_placed_with_movable));
	json_object_set_new(mm, "extfrag_fragmenting_for_unmovable", u64(m.fragmenting_unmovable));
	json_object_set_new(mm, "extfrag_fragmenting_unmovable_placed_with_movable",
			    u64(m.fragmenting_unmovable_placed_with_movable));
	json_object_set_new(root, "mmtests", mm);
	for (unsigned r = 0; r < FS_EXTFRAG_NR_MT; r++)
		for (unsigned f = 0; f < FS_EXTFRAG_NR_MT; f++) {
			json_t *o;

			if (!c->by_type[r][f])
				continue;
			o = json_object();
			json_object_set_new(o, "requested", json_string(mt_names[n][r]));
			json_object_set_new(o, "fallback", json_string(mt_names[n][f]));
			json_object_set_new(o, "events", u64(c->by_type[r][f]));
			json_object_set_new(o, "fragmenting", u64(c->frag_by_type[r][f]));
			json_array_append_new(mat, o);
		}
	json_object_set_new(root, "by_type", mat);
	for (unsigned o = 0; o <= FS_NR_ORDERS; o++) {
		char k[16];

		if (!c->by_fallback_order[o])
			continue;
		snprintf(k, sizeof(k), o == FS_NR_ORDERS ? "other" : "%u", o);
		json_object_set_new(fo, k, u64(c->by_fallback_order[o]));
	}
	json_object_set_new(root, "by_fallback_order", fo);
	if (a->have_time) {
		json_object_set_new(root, "first_time_s", json_real(a->first_ns / 1e9));
		json_object_set_new(root, "last_time_s", json_real(a->last_ns / 1e9));
	}
	json_object_set_new(root, "interval_s", json_real(interval_ns / 1e9));

	rc = fs_out_json(path, root, 12, err);
	json_decref(root);
	return rc;
}
