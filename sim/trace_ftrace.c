/* trace_ftrace.c - kernel trace text: the lines ftrace's `trace` and
 * `trace_pipe` files print, `trace-cmd report` prints, and `perf script`
 * prints, told apart line by line (one parser for all three):
 *
 *   ftrace     "%16s-%-7d [(%7d) ][%03d] [FLAGS ]%5lu.%06lu: EVENT: FIELDS"
 *              kernel/trace/trace_output.c:trace_print_context (6.x; 3.10
 *              prints "%16s-%-5d [%03d] " and four flag characters; the
 *              "(tgid)" column is there with options/record-tgid, printed
 *              as "(-------)" when the tgid is unknown; the flags column
 *              goes with options/irq-info off)
 *   trace-cmd  "[INSTANCE: ]%16s-%-5d [%03d] TIME: EVENT:<padding> FIELDS"
 *              (an instance-name prefix for tracefs instances, no flags
 *              column unless -l, the event name padded to a column)
 *   perf       "%16s %5d[/TID] [%03d] TIME: SUBSYSTEM:EVENT: FIELDS"
 *
 * The anchor is the "[CPU]" field: a task name can hold spaces, dashes,
 * slashes and colons ("kworker/u8:1-77", "memfd:sealed-91"), but the pid
 * is the digits right before "[CPU]" (after an optional "(tgid)"), and for
 * ftrace and trace-cmd the task name ends at the dash before them - the
 * LAST dash before "[CPU]".
 *
 * Events (include/trace/events/kmem.h):
 *   mm_page_alloc  "page=%p pfn=0x%lx order=%d migratetype=%d gfp_flags=%s"
 *                  (pfn=%lu, decimal, before "mm, tracing: Unify PFN format
 *                  strings", ~5.14: decided per line by the 0x prefix). A
 *                  failed allocation prints page NULL and pfn 0: the page as
 *                  "0000000000000000" (hashed %p), "(null)" (3.10, padded
 *                  to 16) or "(nil)" (trace-cmd). pfn 0 is never handed out
 *                  on x86 (it is reserved), so pfn 0 also means failed.
 *   mm_page_free   "page=%p pfn=0x%lx order=%d"
 *   mm_page_free_batched is skipped and counted: on 6.x it is emitted in
 *   free_unref_folios for folios that mm_page_free (free_pages_prepare)
 *   already reported (traces/README.md checks this on the 6.18 captures).
 * For --placement kernel (t->buddy_events, sim/kexact.c) also:
 *   mm_page_alloc_zone_locked "page=%p pfn=0x%lx order=%u migratetype=%d
 *                  percpu_refill=%d" -> FS_EV_BUDDY_TAKE
 *   mm_page_pcpu_drain "page=%p pfn=0x%lx order=%d migratetype=%d"
 *                  -> FS_EV_BUDDY_PUT
 *   mm_page_alloc_extfrag "page=%p pfn=0x%lx alloc_order=%d ..." ->
 *                  FS_EV_BUDDY_TAKE with FS_EVF_IF_FREE
 *   tracing_mark_write / print: capture.sh's "capture_snap seq=N" and
 *                  "capture_kpageflags_begin tag=end" -> FS_EV_MARKER
 * Everything else is skipped and counted by kind. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "gfp.h"
#include "internal.h"

#define MAX_SHOWN 5

static inline bool is_digit(char c)
{
	return (unsigned)(c - '0') < 10;
}

static inline bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Past the blanks at p: eight spaces at a time first, for the padding
 * ftrace puts before every task name (right-aligned in 16 columns) and
 * before the timestamp. */
static inline const char *skip_blanks(const char *p, const char *e)
{
	uint64_t w;

	while (e - p >= 8 && (memcpy(&w, p, 8), w == 0x2020202020202020ull))
		p += 8;
	while (p < e && is_blank(*p))
		p++;
	return p;
}

static int bad(struct fs_err *err, const char *what, const char *s, const char *end)
{
	size_t n = (size_t)(end - s);

	while (n && is_blank(*s))
		s++, n--;
	if (!n)
		return fs_error(err, -EINVAL, "expected %s, but the line ends", what);
	return fs_error(err, -EINVAL, "expected %s, got \"%.*s\"", what, (int)(n > 40 ? 40 : n), s);
}

/* Decimal digits in [s, e) -> v; the first non-digit, or NULL if none. */
static const char *scan_dec(const char *s, const char *e, uint64_t *v)
{
	uint64_t x = 0;
	const char *p = s;

	while (p < e && is_digit(*p)) {
		if (x > (UINT64_MAX - 9) / 10)
			return NULL;
		x = x * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == s)
		return NULL;
	*v = x;
	return p;
}

/* "CPU:%d [LOST %lu EVENTS]" / "CPU:%d [LOST EVENTS]" (kernel/trace/trace.c:
 * print_trace_line), "CPU:%d [%lld EVENTS DROPPED]" / "CPU:%d [EVENTS
 * DROPPED]" (trace-cmd report), "PERF_RECORD_LOST" (perf script -D). */
static bool lost_line(const char *p, const char *e, uint64_t *lost)
{
	const char *b;
	uint64_t v = 0;

	*lost = 0;
	if (memmem(p, (size_t)(e - p), "PERF_RECORD_LOST", 16))
		return true;
	if (e - p < 5 || memcmp(p, "CPU:", 4) || !is_digit(p[4]))
		return false;
	b = memchr(p, '[', (size_t)(e - p));
	if (!b)
		return false;
	b++;
	if (e - b >= 5 && !memcmp(b, "LOST ", 5)) {
		if (scan_dec(b + 5, e, &v))
			*lost = v;
		return true;
	}
	if (memmem(b, (size_t)(e - b), "EVENTS DROPPED]", 15)) {
		if (scan_dec(b, e, &v))
			*lost = v;
		return true;
	}
	return false;
}

int fs_ftrace_split(const char *line, size_t len, struct fs_ftrace_rec *r, struct fs_err *err)
{
	const char *e = line + len, *p = line, *c0, *b, *q, *k, *d, *tok;
	uint64_t v;

	p = skip_blanks(p, e);
	/* A line not indented is either a trace-cmd header, or starts with
	 * an instance name ("capture_tcmd:"): the task name is printed
	 * right-aligned in 16 columns and is at most 15 characters
	 * (TASK_COMM_LEN), so a task line always starts with a blank. */
	if (p == line) {
		q = p;
		while (q < e && !is_blank(*q))
			q++;
		if (q - p > 5 && !memcmp(p, "cpus=", 5))
			return FS_FTRACE_HEADER;
		if (e - p >= 9 && !memcmp(p, "version =", 9))
			return FS_FTRACE_HEADER;
		if (q > p + 1 && q[-1] == ':' && q < e && !(q - p > 4 && !memcmp(p, "CPU:", 4))) {
			p = q;
			while (p < e && is_blank(*p))
				p++;
		}
	}
	c0 = p;
	/* the "[CPU]" field: " [" digits "]" and a blank */
	for (b = p;; b++) {
		b = memchr(b, '[', (size_t)(e - b));
		if (!b)
			break;
		if (b > c0 && is_blank(b[-1]) && (q = scan_dec(b + 1, e, &v)) && q < e && *q == ']' &&
		    (q + 1 == e || is_blank(q[1])))
			break;
	}
	if (!b) {
		if (lost_line(c0, e, &r->lost))
			return FS_FTRACE_LOST;
		return bad(err, "a kernel trace line (TASK-PID [CPU] TIME: EVENT: FIELDS)", line, e);
	}
	if (v > UINT32_MAX)
		return bad(err, "a CPU number", b, e);
	r->cpu = (uint32_t)v;

	/* Backwards from "[CPU]": blanks, "(tgid)", blanks, the pid. */
	k = b;
	while (k > c0 && is_blank(k[-1]))
		k--;
	if (k > c0 && k[-1] == ')') {
		const char *o = memrchr(c0, '(', (size_t)(k - c0));

		if (!o)
			return bad(err, "(TGID) before [CPU]", c0, b);
		k = o;
		while (k > c0 && is_blank(k[-1]))
			k--;
	}
	d = k;
	while (d > c0 && is_digit(d[-1]))
		d--;
	if (d == k || !scan_dec(d, k, &v) || v > UINT32_MAX)
		return bad(err, "TASK-PID before [CPU]", c0, b);
	r->pid = (uint32_t)v;
	if (d > c0 && d[-1] == '/') {
		/* perf script -F tid: "PID/TID"; the task's pid is the first */
		k = d - 1;
		d = k;
		while (d > c0 && is_digit(d[-1]))
			d--;
		if (d == k || !scan_dec(d, k, &v) || v > UINT32_MAX)
			return bad(err, "PID/TID before [CPU]", c0, b);
		r->pid = (uint32_t)v;
	}
	if (d > c0 && d[-1] == '-') {
		k = d - 1;                      /* ftrace, trace-cmd: COMM-PID */
	} else if (d > c0 && is_blank(d[-1])) {
		k = d;                          /* perf: COMM PID */
		while (k > c0 && is_blank(k[-1]))
			k--;
	} else {
		return bad(err, "TASK-PID before [CPU]", c0, b);
	}
	if (k == c0)
		return bad(err, "a task name before the pid", c0, b);
	r->comm = c0;
	r->comm_len = (size_t)(k - c0);

	/* After "[CPU]": optional flags, then "TIME:". */
	p = q + 1;
	p = skip_blanks(p, e);
	tok = p;
	while (p < e && !is_blank(*p))
		p++;
	if (p == tok || p[-1] != ':' || !is_digit(*tok)) {
		/* irq flags (d..3. in 6.x, d..1 in 3.10): any short token */
		if (p - tok > 8 || p == tok)
			return bad(err, "TIME (seconds.micro) or irq flags after [CPU]", tok, e);
		p = skip_blanks(p, e);
		tok = p;
		while (p < e && !is_blank(*p))
			p++;
	}
	if (p == tok || p[-1] != ':' || fs_parse_time_ns(tok, (size_t)(p - tok - 1), &r->time_ns))
		return bad(err, "TIME: in seconds (e.g. 1027.239205:)", tok, e);

	/* The event name: "mm_page_alloc:", "kmem:mm_page_alloc:" (perf),
	 * padded by trace-cmd; a line of another tracer may have no colon. */
	p = skip_blanks(p, e);
	tok = p;
	/* the name starts after the token's last colon but a final one
	 * ("subsystem:" in perf): the last two colons are noted on the way,
	 * rather than a second walk back (every line passes here) */
	b = d = NULL;
	while (p < e && !is_blank(*p)) {
		if (*p == ':')
			d = b, b = p;
		p++;
	}
	if (p == tok)
		return bad(err, "EVENT: after TIME", tok, e);
	k = p;
	if (b == p - 1)
		k--, b = d;
	r->name = b ? b + 1 : tok;
	r->name_len = (size_t)(k - r->name);
	p = skip_blanks(p, e);
	r->fields = p;
	r->fields_len = (size_t)(e - p);
	return FS_FTRACE_RECORD;
}

bool fs_ftrace_sniff(const char *line, size_t len)
{
	struct fs_ftrace_rec r;

	return fs_ftrace_split(line, len, &r, NULL) >= 0;
}

static enum fs_kernel_event classify(const char *n, size_t len)
{
	switch (len) {
	case 12:
		if (!memcmp(n, "mm_page_free", 12))
			return FS_KEV_free;
		break;
	case 13:
		if (!memcmp(n, "mm_page_alloc", 13))
			return FS_KEV_alloc;
		break;
	case 16:
		if (!memcmp(n, "mm_migrate_pages", 16))
			return FS_KEV_migrate;
		break;
	case 18:
		if (!memcmp(n, "mm_page_pcpu_drain", 18))
			return FS_KEV_pcpu_drain;
		if (!memcmp(n, "tracing_mark_write", 18))
			return FS_KEV_markers;
		break;
	case 20:
		if (!memcmp(n, "mm_page_free_batched", 20))
			return FS_KEV_free_batched;
		break;
	case 21:
		if (!memcmp(n, "mm_page_alloc_extfrag", 21))
			return FS_KEV_extfrag;
		break;
	case 25:
		if (!memcmp(n, "mm_page_alloc_zone_locked", 25))
			return FS_KEV_zone_locked;
		break;
	case 5:
		/* trace-cmd and perf print trace_marker writes as the "print"
		 * event (ftrace:print) */
		if (!memcmp(n, "print", 5))
			return FS_KEV_markers;
		break;
	}
	/* include/trace/events/compaction.h: all mm_compaction_* */
	if (len > 14 && !memcmp(n, "mm_compaction_", 14))
		return FS_KEV_compaction;
	return FS_KEV_other;
}

/* The fields fragsim reads from mm_page_alloc/mm_page_free, in one pass
 * over "key=value" pairs; it stops after the last one needed, before the
 * long gfp_flags string. 3.10 pads a NULL page ("page=          (null)"),
 * so blanks after "page=" are skipped. */
struct kfields {
	const char *page, *pfn, *order, *mt;
	size_t page_len, pfn_len, order_len, mt_len;
};

static void scan_fields(const char *p, const char *e, bool want_mt, struct kfields *f)
{
	memset(f, 0, sizeof(*f));
	while (p < e) {
		const char *a, *v;
		size_t klen;

		while (p < e && is_blank(*p))
			p++;
		a = p;
		while (p < e && *p != '=' && !is_blank(*p))
			p++;
		if (p == e || *p != '=')
			continue;
		klen = (size_t)(p - a);
		p++;
		if (klen == 4 && !memcmp(a, "page", 4))
			while (p < e && is_blank(*p))
				p++;
		v = p;
		while (p < e && !is_blank(*p))
			p++;
		if (klen == 3 && !memcmp(a, "pfn", 3)) {
			f->pfn = v;
			f->pfn_len = (size_t)(p - v);
		} else if (klen == 5 && !memcmp(a, "order", 5)) {
			f->order = v;
			f->order_len = (size_t)(p - v);
			if (!want_mt)
				break;
		} else if (klen == 4 && !memcmp(a, "page", 4)) {
			f->page = v;
			f->page_len = (size_t)(p - v);
		} else if (klen == 11 && !memcmp(a, "migratetype", 11)) {
			f->mt = v;
			f->mt_len = (size_t)(p - v);
			break;
		}
	}
}

/* A NULL struct page as printed: hashed %p "0000000000000000", "(null)"
 * (3.10 vsprintf), "(nil)" (glibc printf in trace-cmd), "0x0". */
static bool null_page(const char *v, size_t n)
{
	if ((n == 6 && !memcmp(v, "(null)", 6)) || (n == 5 && !memcmp(v, "(nil)", 5)))
		return true;
	if (n > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		v += 2, n -= 2;
	for (size_t i = 0; i < n; i++)
		if (v[i] != '0')
			return false;
	return n > 0;
}

int fs_key_by_parse(const char *s, unsigned *out)
{
	*out = 0;
	while (*s) {
		const char *e = strchr(s, '+');
		size_t n = e ? (size_t)(e - s) : strlen(s);

		if (n == 4 && !memcmp(s, "comm", 4))
			*out |= FS_KEY_BY_COMM;
		else if (n == 3 && !memcmp(s, "pid", 3))
			*out |= FS_KEY_BY_PID;
		else if (n == 3 && !memcmp(s, "gfp", 3))
			*out |= FS_KEY_BY_GFP;
		else
			return -EINVAL;
		s += n + (e != NULL);
	}
	return *out ? 0 : -EINVAL;
}

/* The value of "key=" among an event's fields, as a number. */
static bool field_u64(const char *p, const char *e, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);

	for (const char *s = p; s + kl < e; s++) {
		const char *q;

		if (memcmp(s, key, kl) || s[kl] != '=' || (s > p && s[-1] != ' ' && s[-1] != '('))
			continue;
		q = s + kl + 1;
		for (s = q; s < e && *s >= '0' && *s <= '9'; s++)
			;
		return !fs_parse_u64(q, (size_t)(s - q), v);
	}
	return false;
}

/* The kernel's compaction and migration (include/trace/events/compaction.h
 * and migrate.h, 4.19 .. 6.18) as FS_EV_KERNEL events; 1, or 2 for the
 * compaction events fragsim does not count. */
static int kernel_activity(const struct fs_ftrace_rec *r, enum fs_kernel_event k, struct fs_event *ev)
{
	const char *f = r->fields, *fe = r->fields + r->fields_len;
	const char *n = r->name + 14;
	size_t nl = r->name_len - 14;
	uint64_t a = 0, b = 0;

	ev->kind = FS_EV_KERNEL;
	ev->time_ns = r->time_ns;
	ev->cpu = (uint16_t)(r->cpu > UINT16_MAX ? UINT16_MAX : r->cpu);
	if (k == FS_KEV_migrate) {
		ev->order = FS_KACT_MIGRATE_PAGES;
		return field_u64(f, fe, "nr_succeeded", &ev->ident) ? 1 : 2;
	}
#define IS(s) (nl == sizeof(s) - 1 && !memcmp(n, s, nl))
	if (IS("begin")) {
		ev->order = FS_KACT_COMPACT_BEGIN;
	} else if (IS("try_to_compact_pages")) {
		ev->order = FS_KACT_TRY_TO_COMPACT;
	} else if (IS("kcompactd_wake")) {
		ev->order = FS_KACT_KCOMPACTD_WAKE;
	} else if (IS("isolate_migratepages") || IS("isolate_freepages") ||
		   IS("fast_isolate_freepages")) {
		if (!field_u64(f, fe, "nr_scanned", &a) || !field_u64(f, fe, "nr_taken", &b))
			return 2;
		ev->order = IS("isolate_migratepages") ? FS_KACT_ISOLATE_MIGRATE : FS_KACT_ISOLATE_FREE;
		ev->ident = (a > 0xffffffffu ? 0xffffffffu : a) | (b > 0xffffffffu ? 0xffffffffu : b) << 32;
	} else if (IS("migratepages")) {
		if (!field_u64(f, fe, "nr_migrated", &ev->ident))
			return 2;
		ev->order = FS_KACT_MIGRATED;
	} else {
		return 2;
	}
#undef IS
	return 1;
}

/* The value of "key=" as a number (0x hex or decimal). */
static bool field_num(const char *p, const char *e, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);

	for (const char *s = p; s + kl < e; s++) {
		const char *q;

		if (memcmp(s, key, kl) || s[kl] != '=' || (s > p && s[-1] != ' '))
			continue;
		q = s + kl + 1;
		for (s = q; s < e && !is_blank(*s); s++)
			;
		return !fs_parse_u64(q, (size_t)(s - q), v);
	}
	return false;
}

/* --placement kernel: the free scanner's "mm_compaction_isolate_freepages:
 * range=(0x%lx ~ 0x%lx) nr_scanned=%lu nr_taken=%lu" (isolate_freepages_block:
 * the range is the part of one pageblock it scanned, and it took every
 * free block whose head lies in it) -> FS_EV_BUDDY_ISOLATE. fast_isolate's
 * range is a search window, not where it took its page: it stays counted
 * activity. */
static bool isolate_range(const struct fs_ftrace_rec *r, struct fs_event *ev)
{
	const char *f = r->fields, *fe = r->fields + r->fields_len, *p, *q;
	uint64_t a, b, scanned, taken;

	if (r->name_len != 31 || memcmp(r->name, "mm_compaction_isolate_freepages", 31))
		return false;
	if (fe - f < 8 || memcmp(f, "range=(", 7))
		return false;
	p = f + 7;
	for (q = p; q < fe && !is_blank(*q); q++)
		;
	if (fs_parse_u64(p, (size_t)(q - p), &a) || fe - q < 3 || memcmp(q, " ~ ", 3))
		return false;
	p = q + 3;
	for (q = p; q < fe && *q != ')'; q++)
		;
	if (fs_parse_u64(p, (size_t)(q - p), &b) || b < a || b - a > 0xfff || a >> 40 ||
	    !field_u64(f, fe, "nr_scanned", &scanned) || !field_u64(f, fe, "nr_taken", &taken) ||
	    taken > 0xfff)
		return false;
	ev->kind = FS_EV_BUDDY_ISOLATE;
	ev->time_ns = r->time_ns;
	ev->cpu = (uint16_t)(r->cpu > UINT16_MAX ? UINT16_MAX : r->cpu);
	ev->ident = a | (b - a) << 40 | taken << 52;
	ev->key = scanned > UINT32_MAX ? UINT32_MAX : (uint32_t)scanned;
	return true;
}

/* --placement kernel's events (sim/kexact.c): 1 = event, 2 = skipped. */
static int buddy_event(struct fs_trace *t, const struct fs_ftrace_rec *r, enum fs_kernel_event k,
		       struct fs_event *ev, struct fs_err *err)
{
	const char *f = r->fields, *fe = r->fields + r->fields_len;
	uint64_t pfn, order, v = 0;

	ev->time_ns = r->time_ns;
	ev->cpu = (uint16_t)(r->cpu > UINT16_MAX ? UINT16_MAX : r->cpu);
	if (k == FS_KEV_markers) {
		const char *m;

		ev->kind = FS_EV_MARKER;
		if ((m = memmem(f, r->fields_len, "capture_snap seq=", 17))) {
			if (!field_num(m + 13, fe, "seq", &ev->ident))
				return bad(err, "capture_snap seq=N", m, fe);
			ev->order = 0;          /* FS_MARK_SNAP */
		} else if (memmem(f, r->fields_len, "capture_kpageflags_begin tag=end", 32)) {
			ev->order = 1;          /* FS_MARK_KPF_END_BEGIN */
		} else {
			return 2;               /* only the snapshots' markers matter */
		}
		return 1;
	}
	if (!field_num(f, fe, "pfn", &pfn))
		return bad(err, "pfn=NUMBER in the fields", f, fe);
	if (!field_num(f, fe, k == FS_KEV_extfrag ? "alloc_order" : "order", &order) ||
	    order > t->max_order) {
		char what[48];

		snprintf(what, sizeof(what), "order=N with N in 0..%u", t->max_order);
		return bad(err, what, f, fe);
	}
	ev->ident = pfn;
	ev->order = (uint8_t)order;
	ev->kind = k == FS_KEV_pcpu_drain ? FS_EV_BUDDY_PUT : FS_EV_BUDDY_TAKE;
	if (field_num(f, fe, k == FS_KEV_extfrag ? "alloc_migratetype" : "migratetype", &v) &&
	    v < FS_MT_NR) {
		ev->mt = (uint8_t)v;
		ev->flags |= FS_EVF_HAS_MT;
	}
	if (k == FS_KEV_zone_locked && field_num(f, fe, "percpu_refill", &v) && v)
		ev->flags |= FS_EVF_PCP_REFILL;
	if (k == FS_KEV_extfrag)
		ev->flags |= FS_EVF_IF_FREE | FS_EVF_PCP_REFILL;
	return 1;
}

/* A trace repeats a few dozen gfp strings: remember them (direct mapped
 * by an FNV-1a hash of the text) rather than parse every one. The unknown
 * names of a string are counted each time it occurs, as if parsed. */
static unsigned gfp_cached(struct fs_trace *t, const char *v, size_t n, uint32_t *gfp)
{
	struct fs_gfp_memo *e;
	uint32_t h = 2166136261u;

	if (n > sizeof(e->text))
		return fs_gfp_parse(v, n, gfp);
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)v[i]) * 16777619u;
	if (!t->gfp_memo)
		t->gfp_memo = fs_xcalloc(FS_GFP_MEMO, sizeof(*t->gfp_memo));
	e = &t->gfp_memo[h % FS_GFP_MEMO];
	if (e->len != n || memcmp(e->text, v, n)) {
		e->len = (uint8_t)n;
		memcpy(e->text, v, n);
		e->unknown = (uint8_t)fs_gfp_parse(v, n, &e->gfp);
	}
	*gfp = e->gfp;
	return e->unknown;
}

int fs_ftrace_parse(struct fs_trace *t, char *line, size_t len, struct fs_event *ev,
		    struct fs_err *err)
{
	struct fs_ftrace_rec r;
	enum fs_kernel_event k;
	const char *f, *fe;
	struct kfields kf;
	uint64_t pfn, order, mt;
	int rc = fs_ftrace_split(line, len, &r, err);

	if (rc < 0 || rc == FS_FTRACE_HEADER)
		return rc;
	if (rc == FS_FTRACE_LOST) {
		t->st.kev[FS_KEV_lost]++;
		t->st.lost_events += r.lost;
		if (t->warn && t->st.kev[FS_KEV_lost] <= MAX_SHOWN)
			fprintf(t->warn, "fragsim: warning: %s:%" PRIu64 ": the kernel lost events "
				"here: %.*s\n", t->path, t->line, (int)(len > 80 ? 80 : len), line);
		return 2;
	}
	k = classify(r.name, r.name_len);
	if (k != FS_KEV_alloc && k != FS_KEV_free) {
		t->st.kev[k]++;
		if (t->buddy_events && (k == FS_KEV_zone_locked || k == FS_KEV_pcpu_drain ||
					k == FS_KEV_extfrag || k == FS_KEV_markers))
			return buddy_event(t, &r, k, ev, err);
		if (t->buddy_events && k == FS_KEV_compaction && isolate_range(&r, ev))
			return 1;
		return k == FS_KEV_compaction || k == FS_KEV_migrate ? kernel_activity(&r, k, ev) : 2;
	}
	f = r.fields;
	fe = r.fields + r.fields_len;
	scan_fields(f, fe, k == FS_KEV_alloc, &kf);
	if (!kf.pfn)
		return bad(err, k == FS_KEV_alloc ? "pfn= in mm_page_alloc's fields"
						  : "pfn= in mm_page_free's fields", f, fe);
	/* pfn=0x%lx since ~5.14, pfn=%lu before: fs_parse_u64 takes both */
	if (fs_parse_u64(kf.pfn, kf.pfn_len, &pfn))
		return bad(err, "pfn=NUMBER (0x hex or decimal)", kf.pfn, fe);
	if (!kf.order)
		return bad(err, "order= in the fields", f, fe);
	if (fs_parse_u64(kf.order, kf.order_len, &order) || order > t->max_order) {
		char what[48];

		snprintf(what, sizeof(what), "order=N with N in 0..%u", t->max_order);
		return bad(err, what, kf.order - 6, fe);
	}
	ev->time_ns = r.time_ns;
	ev->ident = pfn;
	ev->order = (uint8_t)order;
	ev->cpu = (uint16_t)(r.cpu > UINT16_MAX ? UINT16_MAX : r.cpu);
	ev->mt = FS_MT_UNMOVABLE;
	if (k == FS_KEV_alloc) {
		/* The requested migrate type, as the kernel numbers it: 4.4
		 * swapped RECLAIMABLE and MOVABLE (1 and 2; reference §5.3).
		 * The first allocation whose gfp flags tell decides for the
		 * input, unless --kernel-version did. */
		if (kf.mt) {
			if (fs_parse_u64(kf.mt, kf.mt_len, &mt) || mt >= FS_MT_NR)
				return bad(err, "migratetype=N with N in 0..5", kf.mt - 12, fe);
			if (t->mt_numbering < 0 && (mt == 1 || mt == 2)) {
				t->mt_numbering = fs_mt_numbering_of_alloc(kf.mt - 12,
									   (size_t)(line + len - (kf.mt - 12)));
				if (t->mt_numbering < 0)
					t->mt_assumed++;
			}
			if (t->mt_numbering == 1 && (mt == 1 || mt == 2))
				mt = 3 - mt;
			ev->mt = (uint8_t)mt;
			ev->flags |= FS_EVF_HAS_MT;
		}
		{
			/* gfp_flags=%s ends the payload (6.x) or follows migratetype */
			const char *g = memmem(kf.mt ? kf.mt : f, (size_t)(fe - (kf.mt ? kf.mt : f)),
					       "gfp_flags=", 10);

			if (g) {
				const char *v = g + 10, *ve = v;

				while (ve < fe && !is_blank(*ve))
					ve++;
				t->st.gfp_unknown += gfp_cached(t, v, (size_t)(ve - v), &ev->gfp);
				ev->flags |= FS_EVF_HAS_GFP;
			}
		}
		if (pfn == 0 || (kf.page && null_page(kf.page, kf.page_len))) {
			ev->flags |= FS_EVF_FAILED;
			t->st.failed_allocs++;
		}
		ev->kind = FS_EV_ALLOC;
		if (t->keys && (!t->key_by || t->key_by == FS_KEY_BY_COMM)) {
			ev->key = fs_keytab_intern(t->keys, r.comm, r.comm_len);
		} else if (t->keys) {
			/* --key-by: comm, pid and the gfp text joined by '/' */
			char kb[256];
			int n = 0;

			if (t->key_by & FS_KEY_BY_COMM)
				n += snprintf(kb + n, sizeof(kb) - (size_t)n, "%.*s", (int)(r.comm_len > 100 ? 100 : r.comm_len),
					      r.comm);
			if (t->key_by & FS_KEY_BY_PID)
				n += snprintf(kb + n, sizeof(kb) - (size_t)n, "%s%u", n ? "/" : "", r.pid);
			if (t->key_by & FS_KEY_BY_GFP) {
				const char *g = memmem(f, (size_t)(fe - f), "gfp_flags=", 10), *ge;

				for (ge = g ? g + 10 : NULL; ge && ge < fe && !is_blank(*ge); ge++)
					;
				n += snprintf(kb + n, sizeof(kb) - (size_t)n, "%s%.*s", n ? "/" : "",
					      g ? (int)(ge - g - 10 > 120 ? 120 : ge - g - 10) : 4, g ? g + 10 : "none");
			}
			ev->key = fs_keytab_intern(t->keys, kb, (size_t)n < sizeof(kb) ? (size_t)n : sizeof(kb) - 1);
		}
	} else {
		ev->kind = FS_EV_FREE;
	}
	t->st.kev[k]++;
	return 1;
}
