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
 * allocflags_to_migratetype). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "extfrag.h"

#define MAX_SHOWN 5
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

		for (; p < e && *p != ' '; p++) {
			unsigned d = (unsigned)*p - '0';

			if (d > 9) {
				d = ((unsigned)*p | 0x20) - 'a';
				if (d > 5)
					return false;
				d += 10;
			}
			r->pfn = r->pfn << 4 | d;
		}
		if (p == h || p - h > 15)
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
}

void fs_extfrag_release(struct fs_extfrag_an *a)
{
	for (unsigned i = 0; i < a->nr_inputs; i++)
		free(a->inputs[i].path);
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

	if (!m || !g || m + 13 > f + n || m[13] != ' ' || m[12] < '0' || m[12] > '9')
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

static void vote(struct fs_extfrag_input *in, const char *f, size_t n)
{
	int k = fs_mt_numbering_of_alloc(f, n);

	if (k >= 0)
		in->movable_votes[k]++;
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

static int malformed(struct fs_extfrag_an *a, struct fs_extfrag_input *in, uint64_t line,
		     struct fs_err *err)
{
	in->malformed++;
	fs_err_prefix(err, "%s:%" PRIu64 ": ", in->path, line);
	if (a->strict)
		return -EINVAL;
	if (a->warn && in->malformed <= MAX_SHOWN)
		fprintf(a->warn, "fragsim: warning: %s (line skipped)%s\n", err->msg,
			in->malformed == MAX_SHOWN ? " [further ones only counted]" : "");
	return 0;
}

int fs_extfrag_read(struct fs_extfrag_an *a, const char *path, struct fs_err *err)
{
	struct fs_extfrag_input *in;
	struct fs_input inp;
	struct fs_ftrace_rec rec;
	struct fs_extfrag_rec r;
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
	while ((rc = fs_input_getline(&inp, &line, &len, err)) > 0) {
		uint64_t ln = ++in->lines;
		int pb;

		if (inp.line_has_nul) {
			rc = fs_error(err, -EINVAL, "%s:%" PRIu64 ": binary data in a text trace",
				      in->path, ln);
			in->malformed++;
			break;
		}
		if (len && line[len - 1] == '\r')
			line[--len] = 0;
		/* kernel header lines start with '#' in column 0 (trace.c) */
		if (!len || line[0] == '#') {
			in->comments++;
			continue;
		}
		rc = fs_ftrace_split(line, len, &rec, err);
		if (rc < 0 && strspn(line, " \t") == len) {   /* blank */
			in->comments++;
			continue;
		}
		if (rc == FS_FTRACE_HEADER) {
			in->comments++;
			continue;
		}
		if (rc == FS_FTRACE_LOST) {
			in->lost_lines++;
			if (a->warn && in->lost_lines <= MAX_SHOWN)
				fprintf(a->warn, "fragsim: warning: %s:%" PRIu64 ": the kernel lost "
					"events here; extfrag counts may be low\n", in->path, ln);
			continue;
		}
		if (rc < 0) {
			if (in->lines == in->comments + 1 && fs_native_sniff(line, len)) {
				rc = fs_error(err, -EINVAL, "%s:%" PRIu64 ": a native fragsim trace "
					      "(traces/FORMAT.md): it has no mm_page_alloc_extfrag events; "
					      "'fragsim replay' counts simulated fallbacks", in->path, ln);
				in->malformed++;
				break;
			}
			if ((rc = malformed(a, in, ln, err)))
				break;
			continue;
		}
		if (a->stream_ns && a->have_time && rec.time_ns < a->first_ns) {
			rc = -EAGAIN;         /* the stream's intervals start too late */
			break;
		}
		if (!a->have_time || rec.time_ns < a->first_ns)
			a->first_ns = rec.time_ns;
		if (!a->have_time || rec.time_ns > a->last_ns)
			a->last_ns = rec.time_ns;
		a->have_time = true;
		if (rec.name_len != 21 || memcmp(rec.name, "mm_page_alloc_extfrag", 21)) {
			in->other_events++;
			/* a few hundred lines decide; reading every gfp string would
			 * cost more than the rest of the parse */
			if (rec.name_len == 13 && !memcmp(rec.name, "mm_page_alloc", 13) &&
			    in->movable_votes[0] + in->movable_votes[1] < MAX_VOTES)
				vote(in, rec.fields, rec.fields_len);
			continue;
		}
		if ((rc = fs_extfrag_parse_fields(rec.fields, rec.fields_len, &r, err))) {
			if ((rc = malformed(a, in, ln, err)))
				break;
			continue;
		}
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
		else if ((rc = add_bucket(a, rec.time_ns, &r, pb)))
			break;
	}
	if (rc == 0 && a->warn && in->malformed)
		fprintf(a->warn, "fragsim: warning: %s: %" PRIu64 " malformed line%s skipped "
			"(--strict makes them fatal)\n", in->path, in->malformed,
			in->malformed == 1 ? "" : "s");
	fs_input_close(&inp);
	return rc < 0 ? rc : 0;
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
