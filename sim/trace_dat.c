/* trace_dat.c - trace-cmd's binary trace.dat, read through libtracecmd and
 * libtraceevent (Debian libtracecmd-dev), so users need not convert.
 *
 * A thread walks the records of every buffer (the top level and each
 * instance) in time order with tracecmd_iterate_events_multi and hands
 * them to the replay through a ring of blocks (no pipe, no system call per
 * block). The page events the replay reads - mm_page_alloc, mm_page_free,
 * mm_page_free_batched, mm_page_alloc_zone_locked, mm_page_pcpu_drain,
 * nearly every record of a capture - travel as their fields (read at the
 * offsets the event's format gives, looked up once per event) and become
 * events without any text. Every other record travels as the line
 * `trace-cmd report` prints -
 *     comm-pid [cpu] secs.nanoseconds: event: payload
 * with the payload formatted by libtraceevent from the event's own print
 * format - and goes through the ftrace text parser like trace_pipe and
 * trace-cmd report text, so every quirk is handled in one place. Records
 * the kernel lost are reported as trace-cmd reports them ("CPU:N [LOST M
 * EVENTS]"). Each record counts as one line, so line numbers in messages
 * and the summary's per-kind counts are those of the report's text.
 *
 * The decoding gives exactly what parsing the rendered line would: a
 * decoded record the parser would treat specially (an order above the
 * machine's, a migrate type out of range, --key-by with a pid or gfp
 * part, a task name the text could not carry unambiguously) is rendered
 * and parsed instead. FRAGSIM_TRACEDAT_TEXT=1 in the environment renders
 * every record (the tests compare the two).
 *
 * libtracecmd needs a seekable file: a compressed trace.dat (.zst, .gz) is
 * first decompressed into a memfd (or an unlinked file in $TMPDIR); a .zst
 * file whose frames give their size is decompressed in one call straight
 * into the memfd's pages (fs_tracedat_zst_open), with no window buffer:
 * on a VM where first-touch memory is dear, the 44 MiB window of a
 * 44 MiB capture cost as much as the copy itself. Opening a file
 * parses the kernel's symbol table (kallsyms, tens of thousands of lines,
 * most of the time of tracecmd_open); only tracing_mark_write's entry is
 * kept (see tep_parse_kallsyms below). */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <trace-cmd.h>
#include <zstd.h>

#include "gfp.h"
#include "internal.h"

/* What a record travels as: one of the page events, decoded, or a line. */
enum dat_kind { DK_ALLOC, DK_FREE, DK_FREE_BATCHED, DK_ZONE_LOCKED, DK_PCPU_DRAIN, DK_NR_FAST,
		DK_TEXT = DK_NR_FAST };

/* gfp_flags value -> the names libtraceevent prints for it, and what
 * fs_gfp_parse makes of them (set by the thread before the first record
 * that names it is handed over; never changed after) */
struct gfpname {
	unsigned long long val;
	uint32_t gfp;                         /* FS_GFP_* */
	unsigned unknown;                     /* names fs_gfp_parse does not know */
	char name[200];
};

/* One record in a block: a fixed part, then the task name (DK_TEXT: the
 * line), NUL-terminated, padded to 8 bytes. */
struct dat_item {
	uint64_t ts;                          /* ns */
	uint64_t pfn;
	const struct gfpname *gfp;            /* DK_ALLOC */
	int32_t pid;
	uint32_t cpu, order, mt, refill;
	uint16_t size;                        /* bytes of the whole item */
	uint16_t len;                         /* bytes of text[] before its NUL */
	uint8_t kind;                         /* enum dat_kind */
	bool has_mt, has_refill;
	bool plain;                           /* the task name reads back (comm_plain) */
	char text[];
};

#define DAT_BLOCK (256u << 10)                /* bytes of items per block */
#define DAT_BLOCKS 4                          /* blocks in flight */
#define DAT_LINE 8192                         /* a rendered line, at most */

struct fs_tracedat {
	struct tracecmd_input *top;
	struct tracecmd_input *h[64];         /* top level + instances */
	int nh;
	int tmp_fd;                           /* the decompressed copy, -1 if none */
	bool text_only;                       /* FRAGSIM_TRACEDAT_TEXT: render every record */
	pthread_t thread;
	bool started;

	/* the ring: the thread fills block filled % DAT_BLOCKS while fewer
	 * than DAT_BLOCKS are published and not yet released; the replay
	 * reads block consumed % DAT_BLOCKS while consumed < filled */
	pthread_mutex_t mu;
	pthread_cond_t cond;
	char *blk[DAT_BLOCKS];
	size_t used[DAT_BLOCKS];              /* bytes of items in each */
	uint64_t filled, consumed;            /* blocks published, released */
	bool eof;                             /* the thread has published its last */
	bool stop;                            /* the replay has gone */
	size_t roff;                          /* the replay's offset in its block */
	bool holding;                         /* the replay holds block consumed % N */
	char *text, *text_end;                /* lines of a DK_TEXT item still to read */
	char rline[1024];                     /* a decoded record rendered (replay side) */

	/* the thread's */
	struct trace_seq seq;
	char line[DAT_LINE];
	/* per event (one struct tep_event per buffer's tep): its kind and the
	 * fields read */
	struct fast {
		struct tep_event *ev;
		struct tep_format_field *pfn, *order, *mt, *gfp, *refill, *pid;
		int kind;                     /* enum dat_kind, DK_TEXT if not decoded */
		bool native;                  /* the file's byte order is ours */
	} fast[32];
	int nfast;
	struct {                              /* the last lookups by type id */
		struct tep_handle *tep;
		int type;
		struct tep_event *ev;
		const struct fast *f;
	} evc[64];
	struct {                              /* pid -> task name */
		struct tep_handle *tep;
		int pid;
		const char *comm;
		size_t len;
		bool plain;                   /* decodable: see comm_plain */
	} comm[256];
	struct gfpname gfpn[128];
	int ngfp;
};

/* The trace.dat magic: lib/trace-cmd/trace-output.c "\027\010\104tracing" */
bool fs_tracedat_sniff(const char *p, size_t n)
{
	return n >= 10 && !memcmp(p, "\027\010\104tracing", 10);
}

/* tracecmd_open hands the whole kallsyms section of the file to this
 * libtraceevent function, which registers every symbol (a malloc and an
 * sscanf each: 0.2 s of the 0.25 s an open of the build capture took).
 * Symbols only print %pS/%ps arguments, and of the records fragsim reads
 * only the markers have one (ftrace's print event: "%ps: %s", the ip of
 * tracing_mark_write). So while fs_tracedat_open opens a file, in that
 * thread, this definition - the executable's, which the dynamic linker
 * binds libtracecmd's call to - passes libtraceevent's own only the lines
 * naming tracing_mark_write; elsewhere it passes everything. The markers'
 * lines come out as before; another event's %pS argument would print as an
 * address (the parser reads none). */
static _Thread_local bool kallsyms_markers_only;

int tep_parse_kallsyms(struct tep_handle *tep, const char *kallsyms);
int tep_parse_kallsyms(struct tep_handle *tep, const char *kallsyms)
{
	static const char sym[] = " tracing_mark_write";
	int (*real)(struct tep_handle *, const char *);
	char *keep, *o;
	const char *p;
	int rc;

	*(void **)&real = dlsym(RTLD_NEXT, "tep_parse_kallsyms");
	if (!real)
		return -1;
	if (!kallsyms_markers_only)
		return real(tep, kallsyms);
	keep = o = malloc(4096);
	if (!keep)
		return real(tep, kallsyms);
	for (p = kallsyms; (p = strstr(p, sym)); p += sizeof(sym) - 1) {
		const char *b = p, *e = p + sizeof(sym) - 1;

		while (b > kallsyms && b[-1] != '\n')
			b--;
		if (*e && *e != '\n' && *e != '\t' && *e != ' ')
			continue;               /* tracing_mark_write_foo */
		while (*e && *e != '\n')
			e++;
		if ((size_t)(e - b) + 2 > 4096 - (size_t)(o - keep))
			break;
		memcpy(o, b, (size_t)(e - b));
		o += e - b;
		*o++ = '\n';
	}
	*o = 0;
	rc = real(tep, keep);
	free(keep);
	return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- the ring (thread side) ---------------------------------------------- */

/* Room for an item of size bytes in the block being filled, publishing
 * it and waiting for a free one when full; NULL once the replay has gone. */
static struct dat_item *item_room(struct fs_tracedat *d, size_t size)
{
	unsigned b = (unsigned)(d->filled % DAT_BLOCKS);

	if (d->used[b] + size > DAT_BLOCK) {
		bool stop;

		pthread_mutex_lock(&d->mu);
		d->filled++;
		pthread_cond_broadcast(&d->cond);
		while (d->filled - d->consumed >= DAT_BLOCKS && !d->stop)
			pthread_cond_wait(&d->cond, &d->mu);
		stop = d->stop;
		pthread_mutex_unlock(&d->mu);
		if (stop)
			return NULL;
		b = (unsigned)(d->filled % DAT_BLOCKS);
		d->used[b] = 0;
	}
	return (struct dat_item *)(d->blk[b] + d->used[b]);
}

static size_t item_size(size_t text_len)
{
	return (sizeof(struct dat_item) + text_len + 1 + 7) & ~(size_t)7;
}

/* A rendered line (without its '\n') as a DK_TEXT item; -1 when the
 * replay has gone. */
static int put_text(struct fs_tracedat *d, const char *line, size_t len)
{
	size_t size = item_size(len);
	struct dat_item *it = item_room(d, size);

	if (!it)
		return -1;
	memset(it, 0, sizeof(*it));
	it->kind = DK_TEXT;
	it->size = (uint16_t)size;
	it->len = (uint16_t)len;
	memcpy(it->text, line, len);
	it->text[len] = 0;
	d->used[d->filled % DAT_BLOCKS] += size;
	return 0;
}

/* ---- decoding (thread side) ---------------------------------------------- */

/* The description of ev, set up on first sight: its kind (DK_TEXT when it
 * is not one of the page events or lacks a field the line prints) and the
 * fields read. */
static const struct fast *fast_of(struct fs_tracedat *d, struct tep_handle *tep, struct tep_event *ev)
{
	static const char *const names[DK_NR_FAST] = { "mm_page_alloc", "mm_page_free", "mm_page_free_batched",
						       "mm_page_alloc_zone_locked", "mm_page_pcpu_drain" };
	static const struct fast text = { .kind = DK_TEXT };
	struct fast *f;
	int kind;

	for (int i = 0; i < d->nfast; i++)
		if (d->fast[i].ev == ev)
			return &d->fast[i];
	if (d->nfast == (int)FS_ARRAY_SIZE(d->fast))
		return &text;
	f = &d->fast[d->nfast++];
	memset(f, 0, sizeof(*f));
	f->ev = ev;
	f->kind = DK_TEXT;
	for (kind = 0; kind < DK_NR_FAST && strcmp(ev->name, names[kind]); kind++)
		;
	if (kind == DK_NR_FAST || strcmp(ev->system, "kmem") || d->text_only)
		return f;
	f->native = tep_is_file_bigendian(tep) == tep_is_local_bigendian(tep);
	f->pid = tep_find_common_field(ev, "common_pid");
	f->order = tep_find_field(ev, "order");
	if (kind == DK_ALLOC || kind == DK_ZONE_LOCKED || kind == DK_PCPU_DRAIN) {
		f->mt = tep_find_field(ev, "migratetype");
		if (!f->mt)
			return f;
	}
	if (kind == DK_ALLOC && !(f->gfp = tep_find_field(ev, "gfp_flags")))
		return f;
	if (kind == DK_ZONE_LOCKED)
		f->refill = tep_find_field(ev, "percpu_refill");       /* 5.x+ */
	/* 6.x mm_page_free_batched records the pfn alone and prints order=0 */
	if (!f->order && kind != DK_FREE_BATCHED)
		return f;
	f->pfn = tep_find_field(ev, "pfn");   /* 3.10 recorded a struct page *: rendered */
	if (f->pfn)
		f->kind = kind;
	return f;
}

/* The names of a gfp value, as libtraceevent prints them: cached per
 * value, formatted once by the full printer. */
static const struct gfpname *gfp_names(struct fs_tracedat *d, struct tep_handle *tep,
				       struct tep_record *rec, unsigned long long val)
{
	const char *g, *e;
	struct gfpname *c;

	for (int i = 0; i < d->ngfp; i++)
		if (d->gfpn[i].val == val)
			return &d->gfpn[i];
	trace_seq_reset(&d->seq);
	tep_print_event(tep, &d->seq, rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&d->seq);
	g = d->seq.buffer ? strstr(d->seq.buffer, "gfp_flags=") : NULL;
	if (!g || d->ngfp == (int)FS_ARRAY_SIZE(d->gfpn))
		return NULL;
	g += 10;
	for (e = g; *e && *e != ' '; e++)
		;
	if (e - g >= (ptrdiff_t)sizeof(c->name))
		return NULL;
	c = &d->gfpn[d->ngfp++];
	c->val = val;
	memcpy(c->name, g, (size_t)(e - g));
	c->name[e - g] = 0;
	c->unknown = fs_gfp_parse(c->name, (size_t)(e - g), &c->gfp);
	return c;
}

/* Whether a task name reads back from the line as itself: the parser
 * finds the pid as the digits before " [CPU]" and takes a first word
 * ending in ':' for an instance name, so a record whose task name has a
 * blank, a control character or a '[' (or is empty) is rendered and
 * parsed, to be read as the parser reads it. Real names ("kworker/u8:1",
 * "cc1") are plain. */
static bool comm_plain(const char *s, size_t n)
{
	if (!n || n >= 64 || (n >= 5 && !memcmp(s, "cpus=", 5)))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '[' || s[i] == 0x7f)
			return false;
	return true;
}

/* A field's value as tep_read_number_field gives it (zero-extended),
 * read in place when the file's byte order is ours (a call into
 * libtraceevent per field was a tenth of the thread's time). */
static inline uint64_t read_field(const struct fast *f, struct tep_format_field *fl, const void *data)
{
	const char *p = (const char *)data + fl->offset;
	unsigned long long v = 0;

	if (f->native) {
		switch (fl->size) {
		case 1:
			return *(const uint8_t *)p;
		case 2: {
			uint16_t x;

			memcpy(&x, p, 2);
			return x;
		}
		case 4: {
			uint32_t x;

			memcpy(&x, p, 4);
			return x;
		}
		case 8: {
			uint64_t x;

			memcpy(&x, p, 8);
			return x;
		}
		}
	}
	tep_read_number_field(fl, data, &v);
	return v;
}

/* The record as a decoded item; 0 done, 1 not decodable (render it), -1
 * the replay has gone. */
static int put_fast(struct fs_tracedat *d, struct tep_handle *tep, struct tep_record *rec,
		    const struct fast *f, int cpu)
{
	unsigned h;
	/* tep_data_pid: common_pid, an int */
	int pid = f->pid && f->pid->size == 4 ? (int)(uint32_t)read_field(f, f->pid, rec->data)
					       : tep_data_pid(tep, rec);
	const struct gfpname *gn = NULL;
	struct dat_item *it;
	size_t size;
	uint64_t pfn;

	h = (unsigned)pid % FS_ARRAY_SIZE(d->comm);
	if (d->comm[h].tep != tep || d->comm[h].pid != pid || !d->comm[h].comm) {
		const char *c = tep_data_comm_from_pid(tep, pid);

		d->comm[h].tep = tep;
		d->comm[h].pid = pid;
		d->comm[h].comm = c ? c : "<...>";
		d->comm[h].len = strlen(d->comm[h].comm);
		d->comm[h].plain = comm_plain(d->comm[h].comm, d->comm[h].len);
	}
	if (d->comm[h].len >= 64)
		return 1;               /* rendered by the full printer, as before */
	pfn = read_field(f, f->pfn, rec->data);
	if (f->kind == DK_ALLOC) {
		gn = gfp_names(d, tep, rec, read_field(f, f->gfp, rec->data));
		if (!gn)
			return 1;
		if (pfn == ~0ull)
			pfn = 0;        /* a failed allocation: no page (-1UL in the record) */
	}
	size = item_size(d->comm[h].len);
	if (!(it = item_room(d, size)))
		return -1;
	it->ts = rec->ts;
	it->pfn = pfn;
	it->gfp = gn;
	it->pid = pid;
	it->cpu = (uint32_t)cpu;
	it->order = f->order ? (uint32_t)read_field(f, f->order, rec->data) : 0;
	it->mt = f->mt ? (uint32_t)read_field(f, f->mt, rec->data) : 0;
	it->refill = f->refill ? (uint32_t)read_field(f, f->refill, rec->data) : 0;
	it->size = (uint16_t)size;
	it->len = (uint16_t)d->comm[h].len;
	it->kind = (uint8_t)f->kind;
	it->has_mt = f->mt != NULL;
	it->has_refill = f->refill != NULL;
	it->plain = d->comm[h].plain;
	memcpy(it->text, d->comm[h].comm, d->comm[h].len + 1);
	d->used[d->filled % DAT_BLOCKS] += size;
	return 0;
}

/* tracecmd_iterate_events_multi's callback: 0 to go on, -1 to stop (the
 * replay has gone; libtracecmd 3.1 goes on after a positive value). */
static int on_record(struct tracecmd_input *h, struct tep_record *rec, int cpu, void *data)
{
	struct fs_tracedat *d = data;
	struct tep_handle *tep = tracecmd_get_tep(h);
	int type = tep_data_type(tep, rec);
	unsigned c = (unsigned)type % FS_ARRAY_SIZE(d->evc);
	struct tep_event *ev;
	const struct fast *f;
	const char *comm;
	int pid, n, rc;

	if (rec->missed_events) {
		n = rec->missed_events > 0
			    ? snprintf(d->line, sizeof(d->line), "CPU:%d [LOST %lld EVENTS]", cpu,
				       rec->missed_events)
			    : snprintf(d->line, sizeof(d->line), "CPU:%d [LOST EVENTS]", cpu);
		if (put_text(d, d->line, (size_t)n))
			return -1;
	}
	if (d->evc[c].tep != tep || d->evc[c].type != type || !d->evc[c].ev) {
		ev = tep_find_event(tep, type);
		if (!ev)
			return 0;
		d->evc[c].tep = tep;
		d->evc[c].type = type;
		d->evc[c].ev = ev;
		d->evc[c].f = fast_of(d, tep, ev);
	}
	ev = d->evc[c].ev;
	f = d->evc[c].f;
	if (f->kind != DK_TEXT && (rc = put_fast(d, tep, rec, f, cpu)) <= 0)
		return rc < 0 ? -1 : 0;
	pid = tep_data_pid(tep, rec);
	comm = tep_data_comm_from_pid(tep, pid);
	trace_seq_reset(&d->seq);
	tep_print_event(tep, &d->seq, rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&d->seq);
	n = snprintf(d->line, sizeof(d->line), "%16s-%-7d [%03d] %5llu.%09llu: %s: %s",
		     comm ? comm : "<...>", pid, cpu, rec->ts / 1000000000ull, rec->ts % 1000000000ull,
		     ev->name, d->seq.buffer ? d->seq.buffer : "");
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(d->line))
		n = sizeof(d->line) - 1;
	return put_text(d, d->line, (size_t)n) ? -1 : 0;
}

static void *producer(void *arg)
{
	struct fs_tracedat *d = arg;

	tracecmd_iterate_events_multi(d->h, d->nh, on_record, d);
	pthread_mutex_lock(&d->mu);
	if (d->used[d->filled % DAT_BLOCKS])
		d->filled++;
	d->eof = true;
	pthread_cond_broadcast(&d->cond);
	pthread_mutex_unlock(&d->mu);
	return NULL;
}

/* ---- the replay's side --------------------------------------------------- */

/* The next item, NULL at the end. The item stays valid until the next call. */
static const struct dat_item *next_item(struct fs_tracedat *d)
{
	unsigned b = (unsigned)(d->consumed % DAT_BLOCKS);
	const struct dat_item *it;

	if (!d->holding || d->roff >= d->used[b]) {
		pthread_mutex_lock(&d->mu);
		if (d->holding) {
			d->consumed++;
			d->holding = false;
			pthread_cond_broadcast(&d->cond);
		}
		while (d->consumed == d->filled && !d->eof)
			pthread_cond_wait(&d->cond, &d->mu);
		if (d->consumed < d->filled)
			d->holding = true;
		pthread_mutex_unlock(&d->mu);
		if (!d->holding)
			return NULL;
		d->roff = 0;
		b = (unsigned)(d->consumed % DAT_BLOCKS);
	}
	it = (const struct dat_item *)(d->blk[b] + d->roff);
	d->roff += it->size;
	return it;
}

/* Hand-rolled formatting (snprintf was a fifth of the reader's time when
 * every record was rendered). */
static char *put_str(char *p, const char *s)
{
	while (*s)
		*p++ = *s++;
	return p;
}

static char *put_u64(char *p, unsigned long long v, unsigned base, unsigned min_digits)
{
	char tmp[24];
	unsigned n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n < min_digits)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* A decoded record as the line trace-cmd report prints ("comm-pid [cpu]
 * secs.ns: name: fields", the fields in the order include/trace/events/
 * kmem.h prints them) into d->rline; its length. */
static size_t render(struct fs_tracedat *d, const struct dat_item *it)
{
	static const char *const names[DK_NR_FAST] = { "mm_page_alloc", "mm_page_free", "mm_page_free_batched",
						       "mm_page_alloc_zone_locked", "mm_page_pcpu_drain" };
	char *p = d->rline;

	p = put_str(p, it->text);
	*p++ = '-';
	p = put_u64(p, (unsigned long long)(it->pid < 0 ? 0 : it->pid), 10, 1);
	p = put_str(p, " [");
	p = put_u64(p, it->cpu, 10, 3);
	p = put_str(p, "] ");
	p = put_u64(p, it->ts / 1000000000ull, 10, 1);
	*p++ = '.';
	p = put_u64(p, it->ts % 1000000000ull, 10, 9);
	p = put_str(p, ": ");
	p = put_str(p, names[it->kind]);
	p = put_str(p, ": ");
	if (it->kind == DK_ALLOC && !it->pfn) {
		p = put_str(p, "page=(nil) pfn=0x0");
	} else {
		p = put_str(p, "page=0x");
		p = put_u64(p, it->pfn, 16, 1);
		p = put_str(p, " pfn=0x");
		p = put_u64(p, it->pfn, 16, 1);
	}
	p = put_str(p, " order=");
	p = put_u64(p, it->order, 10, 1);
	if (it->has_mt) {
		p = put_str(p, " migratetype=");
		p = put_u64(p, it->mt, 10, 1);
	}
	if (it->kind == DK_ALLOC) {
		p = put_str(p, " gfp_flags=");
		p = put_str(p, it->gfp->name);
	}
	if (it->has_refill) {
		p = put_str(p, " percpu_refill=");
		p = put_u64(p, it->refill, 10, 1);
	}
	*p = 0;
	return (size_t)(p - d->rline);
}

/* A decoded record as fs_ftrace_parse would read its line: 1 = an event,
 * 0 = none (counted), -1 = the parser would do something else with it
 * (render it). Keep in step with fs_ftrace_parse and its buddy_event. */
static int decode(struct fs_trace *t, const struct dat_item *it, struct fs_event *ev)
{
	static const enum fs_kernel_event kev[DK_NR_FAST] = {
		[DK_ALLOC] = FS_KEV_alloc, [DK_FREE] = FS_KEV_free,
		[DK_FREE_BATCHED] = FS_KEV_free_batched, [DK_ZONE_LOCKED] = FS_KEV_zone_locked,
		[DK_PCPU_DRAIN] = FS_KEV_pcpu_drain,
	};
	enum fs_kernel_event k = kev[it->kind];
	bool buddy = t->buddy_events && (k == FS_KEV_zone_locked || k == FS_KEV_pcpu_drain);

	if (!it->plain)
		return -1;
	if (k == FS_KEV_free_batched || ((k == FS_KEV_zone_locked || k == FS_KEV_pcpu_drain) && !buddy)) {
		t->line++;
		t->st.lines++;
		t->st.kev[k]++;
		t->st.skipped++;
		return 0;
	}
	if (it->order > t->max_order)
		return -1;              /* malformed: the parser says so */
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = it->ts;
	ev->ident = it->pfn;
	ev->order = (uint8_t)it->order;
	ev->cpu = (uint16_t)(it->cpu > UINT16_MAX ? UINT16_MAX : it->cpu);
	if (buddy) {
		ev->kind = k == FS_KEV_pcpu_drain ? FS_EV_BUDDY_PUT : FS_EV_BUDDY_TAKE;
		if (it->has_mt && it->mt < FS_MT_NR) {
			ev->mt = (uint8_t)it->mt;
			ev->flags |= FS_EVF_HAS_MT;
		}
		if (k == FS_KEV_zone_locked && it->has_refill && it->refill)
			ev->flags |= FS_EVF_PCP_REFILL;
	} else if (k == FS_KEV_free) {
		ev->kind = FS_EV_FREE;
		ev->mt = FS_MT_UNMOVABLE;
	} else {
		uint32_t mt = it->mt;

		if (mt >= FS_MT_NR || (t->keys && t->key_by && t->key_by != FS_KEY_BY_COMM))
			return -1;
		if (t->mt_numbering < 0 && (mt == 1 || mt == 2)) {
			/* what the parser hands fs_mt_numbering_of_alloc: the
			 * line from "migratetype=" to its end */
			char *p = t->dat->rline;

			p = put_str(p, "migratetype=");
			p = put_u64(p, mt, 10, 1);
			p = put_str(p, " gfp_flags=");
			p = put_str(p, it->gfp->name);
			t->mt_numbering = fs_mt_numbering_of_alloc(t->dat->rline, (size_t)(p - t->dat->rline));
			if (t->mt_numbering < 0)
				t->mt_assumed++;
		}
		if (t->mt_numbering == 1 && (mt == 1 || mt == 2))
			mt = 3 - mt;
		ev->mt = (uint8_t)mt;
		ev->flags |= FS_EVF_HAS_MT | FS_EVF_HAS_GFP;
		ev->gfp = it->gfp->gfp;
		t->st.gfp_unknown += it->gfp->unknown;
		if (!it->pfn) {
			ev->flags |= FS_EVF_FAILED;
			t->st.failed_allocs++;
		}
		ev->kind = FS_EV_ALLOC;
		if (t->keys)
			ev->key = fs_keytab_intern(t->keys, it->text, it->len);
	}
	t->line++;
	t->st.lines++;
	t->st.kev[k]++;
	return 1;
}

int fs_tracedat_next(struct fs_trace *t, struct fs_event *ev, struct fs_err *err)
{
	struct fs_tracedat *d = t->dat;
	const struct dat_item *it;
	int rc;

	for (;;) {
		/* a rendered record is one line, or more: a marker's text ends
		 * in '\n', and the reader of the lines trace-cmd report prints
		 * sees an empty line after it */
		while (d->text) {
			char *l = d->text, *e = memchr(l, '\n', (size_t)(d->text_end - l));

			if (e) {
				*e = 0;
				d->text = e + 1;
			} else {
				e = d->text_end;
				d->text = NULL;
			}
			if ((rc = fs_trace_line(t, l, (size_t)(e - l), false, ev, err)))
				return rc;
		}
		if (!(it = next_item(d)))
			return 0;
		if (it->kind == DK_TEXT) {
			/* the item is the replay's until the next call: writable */
			d->text = (char *)it->text;
			d->text_end = d->text + it->len;
			continue;
		}
		if ((rc = decode(t, it, ev)) > 0) {
			return fs_trace_event_done(t, ev);
		} else if (rc < 0) {
			size_t n = render(d, it);

			if ((rc = fs_trace_line(t, d->rline, n, false, ev, err)))
				return rc;
		}
	}
}

/* Copy the rest of a compressed input into an unlinked temporary file:
 * in $TMPDIR when it is set, else a memfd (memory, as tmpfs: an unlinked
 * file on a disk's file system cost twice the system time here, for
 * writeback the replay never needs). */
static int decompress_to_tmp(struct fs_input *in, int *out, struct fs_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], *buf = malloc(1 << 20);
	int fd = -1;
	int64_t n;

	if (buf && !(dir && *dir))
		fd = memfd_create("fragsim-tracedat", MFD_CLOEXEC);
	if (buf && fd < 0) {
		snprintf(path, sizeof(path), "%s/fragsim-tracedat-XXXXXX", dir && *dir ? dir : "/tmp");
		if ((fd = mkstemp(path)) >= 0)
			unlink(path);
	}
	if (fd < 0) {
		free(buf);
		return fs_error(err, -EIO, "%s: cannot create a temporary file to decompress the trace.dat into (%s)",
				in->path, strerror(errno));
	}
	while ((n = fs_input_read(in, buf, 1 << 20, err)) > 0)
		if (write_all(fd, buf, (size_t)n)) {
			int e = errno;

			free(buf);
			close(fd);
			return fs_error(err, -EIO, "%s: writing the decompressed trace.dat to %s: %s",
					in->path, dir && *dir ? dir : "/tmp", strerror(e));
		}
	free(buf);
	if (n < 0) {
		close(fd);
		return (int)n;
	}
	*out = fd;
	return 0;
}

void fs_tracedat_close(struct fs_tracedat *d)
{
	if (!d)
		return;
	if (d->started) {
		/* a thread still reading stops at its next block */
		pthread_mutex_lock(&d->mu);
		d->stop = true;
		pthread_cond_broadcast(&d->cond);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->thread, NULL);
	}
	/* instance handles are separate references to the file: close them
	 * before the top level */
	for (int i = d->nh - 1; i > 0; i--)
		tracecmd_close(d->h[i]);
	if (d->top)
		tracecmd_close(d->top);
	if (d->tmp_fd >= 0)
		close(d->tmp_fd);
	trace_seq_destroy(&d->seq);
	for (int i = 0; i < DAT_BLOCKS; i++)
		free(d->blk[i]);
	pthread_cond_destroy(&d->cond);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

static struct tracecmd_input *open_dat(const char *path)
{
	struct tracecmd_input *h;

	kallsyms_markers_only = true;
	h = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
	kallsyms_markers_only = false;
	return h;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23          /* Linux 5.14; older kernels say EINVAL */
#endif

struct populate {
	char *p;
	size_t n;
};

static void *populate_thread(void *arg)
{
	const struct populate *pp = arg;

	/* fills page tables without touching the data, so the decoder may
	 * overtake it; on older kernels it fails and the decoder faults alone */
	(void)madvise(pp->p, pp->n, MADV_POPULATE_WRITE);
	return NULL;
}

/* A zstd-compressed trace.dat at path, decompressed whole into a memfd
 * (*out) in one call: 1 done, 0 not such a file or its size is not in its
 * frame headers (the streaming path takes it, and reports truncation its
 * way), <0 error (corrupt data). Only the first block is decoded to tell
 * a trace.dat from a text trace, so text traces lose nothing. */
static int zst_oneshot(const char *path, int *out, struct fs_err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), mfd = -1, rc = 0;
	struct stat st;
	void *src = MAP_FAILED, *dst = MAP_FAILED;
	unsigned long long total = 0;
	ZSTD_DCtx *dc = NULL;
	char head[16];

	if (fd < 0)
		return 0;
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size >= 18)
		src = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (src == MAP_FAILED)
		return 0;
	if (memcmp(src, "\x28\xb5\x2f\xfd", 4) || getenv("TMPDIR") || !(dc = ZSTD_createDCtx()))
		goto out;
	{
		ZSTD_inBuffer in = { src, (size_t)st.st_size, 0 };
		ZSTD_outBuffer o = { head, 10, 0 };

		while (o.pos < o.size && in.pos < in.size) {
			size_t r = ZSTD_decompressStream(dc, &o, &in);

			if (ZSTD_isError(r) || (r == 0 && o.pos < o.size))
				break;
		}
		if (!fs_tracedat_sniff(head, o.pos))
			goto out;
	}
	/* every frame must say its size and be whole (a cut file: the
	 * streaming path reports "truncated" as for any input) */
	for (size_t at = 0, left = (size_t)st.st_size; left;) {
		unsigned long long n = ZSTD_getFrameContentSize((const char *)src + at, left);
		size_t c = ZSTD_findFrameCompressedSize((const char *)src + at, left);

		if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || ZSTD_isError(c) || !c)
			goto out;
		total += n;
		at += c;
		left -= c;
	}
	if (!total || total > ((unsigned long long)1 << 40))
		goto out;
	mfd = memfd_create("fragsim-tracedat", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, (off_t)total) ||
	    (dst = mmap(NULL, (size_t)total, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0)) == MAP_FAILED)
		goto out;                     /* the streaming path will say what is wrong */
	ZSTD_DCtx_reset(dc, ZSTD_reset_session_and_parameters);
	{
		/* a second thread faults in the back half of the memfd's pages
		 * while the decoder writes the front half */
		struct populate pp = { (char *)dst + (total / 2 & ~(size_t)4095), (size_t)total - (total / 2 & ~(size_t)4095) };
		pthread_t th;
		bool helper = !pthread_create(&th, NULL, populate_thread, &pp);
		size_t r = ZSTD_decompressDCtx(dc, dst, (size_t)total, src, (size_t)st.st_size);

		if (helper)
			pthread_join(th, NULL);

		if (ZSTD_isError(r))
			rc = fs_error(err, -EIO, "%s: corrupt zstd input: %s", path, ZSTD_getErrorName(r));
		else if (r != total)
			rc = fs_error(err, -EIO, "%s: corrupt zstd input: %zu bytes where the frame headers "
				      "say %llu", path, r, total);
		else
			rc = 1;
	}
out:
	if (dst != MAP_FAILED)
		munmap(dst, (size_t)total);
	munmap(src, (size_t)st.st_size);
	ZSTD_freeDCtx(dc);
	if (rc == 1)
		*out = mfd;
	else if (mfd >= 0)
		close(mfd);
	return rc;
}

/* The reader for a trace.dat already decompressed into tmp_fd (>= 0), or
 * for t->in (a plain file, or decompressed now). */
static int tracedat_start(struct fs_trace *t, const char *given, int tmp_fd, struct fs_err *err)
{
	struct fs_tracedat *d = fs_xcalloc(1, sizeof(*d));
	char fdpath[64], *path = fs_xstrdup(given);
	const char *env = getenv("FRAGSIM_TRACEDAT_TEXT");
	int rc, ninst;

	d->tmp_fd = tmp_fd;
	d->text_only = env && *env && strcmp(env, "0");
	trace_seq_init(&d->seq);
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cond, NULL);
	for (int i = 0; i < DAT_BLOCKS; i++)
		d->blk[i] = fs_xcalloc(1, DAT_BLOCK);
	if (d->tmp_fd < 0 && (t->in.codec != FS_INPUT_PLAIN || !strcmp(path, "-")) &&
	    (rc = decompress_to_tmp(&t->in, &d->tmp_fd, err)))
		goto fail;
	if (d->tmp_fd >= 0) {
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", d->tmp_fd);
		d->top = open_dat(fdpath);
	} else {
		d->top = open_dat(path);
	}
	if (!d->top) {
		rc = fs_error(err, -EINVAL, "%s: libtracecmd cannot read this trace.dat (truncated, or "
				"written by a newer trace-cmd?)", path);
		goto fail;
	}
	d->h[d->nh++] = d->top;
	ninst = tracecmd_buffer_instances(d->top);
	for (int i = 0; i < ninst && d->nh < (int)FS_ARRAY_SIZE(d->h); i++) {
		struct tracecmd_input *ih = tracecmd_buffer_instance_handle(d->top, i);

		if (ih)
			d->h[d->nh++] = ih;
	}
	if (pthread_create(&d->thread, NULL, producer, d)) {
		rc = fs_error(err, -EAGAIN, "%s: cannot start the trace.dat reader thread", path);
		goto fail;
	}
	d->started = true;
	/* from here the records come from the thread; the summary says the
	 * input was read as a plain file (what libtracecmd read) */
	fs_input_close(&t->in);
	t->in.path = path;
	t->path = path;
	t->dat = d;
	return 0;
fail:
	fs_tracedat_close(d);
	free(path);
	return rc;
}

int fs_tracedat_open(struct fs_trace *t, struct fs_err *err)
{
	return tracedat_start(t, t->in.path, -1, err);
}

int fs_tracedat_zst_open(struct fs_trace *t, const char *path, struct fs_err *err)
{
	int fd = -1, rc;

	if (!strcmp(path, "-") || (rc = zst_oneshot(path, &fd, err)) <= 0)
		return strcmp(path, "-") ? rc : 0;
	if ((rc = tracedat_start(t, path, fd, err)))
		return rc;
	return 1;
}
