/* trace_dat.c - trace-cmd's binary trace.dat, read through libtracecmd and
 * libtraceevent (Debian libtracecmd-dev), so users need not convert.
 *
 * A thread walks the records of every buffer (the top level and each
 * instance) in time order with tracecmd_iterate_events_multi and writes
 * each as the line `trace-cmd report` prints -
 *     comm-pid [cpu] secs.nanoseconds: event: payload
 * with the payload formatted by libtraceevent from the event's own print
 * format - into a pipe the ordinary line reader reads. So a trace.dat goes
 * through the same ftrace text parser as trace_pipe and trace-cmd report
 * text, and every quirk is handled in one place. Records the kernel lost
 * are reported as trace-cmd reports them ("CPU:N [LOST M EVENTS]").
 * Line numbers in messages count these rendered lines.
 *
 * libtracecmd needs a seekable file: a compressed trace.dat (.zst, .gz) is
 * first decompressed into an unlinked temporary file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <trace-cmd.h>

#include "internal.h"

struct fs_tracedat {
	struct tracecmd_input *top;
	struct tracecmd_input *h[64];         /* top level + instances */
	int nh;
	int tmp_fd;                           /* the decompressed copy, -1 if none */
	int wfd;                              /* the pipe's write end (thread) */
	pthread_t thread;
	bool started;
	struct trace_seq seq;
	char line[8192];
	char out[1 << 16];                    /* lines not yet written to the pipe */
	size_t nout;
	/* the hot events, formatted here from their fields instead of by
	 * libtraceevent's print-format interpreter (4x less CPU): per event
	 * (one struct tep_event per buffer's tep), the fields read */
	struct fast {
		struct tep_event *ev;
		struct tep_format_field *pfn, *order, *mt, *gfp, *refill;
		int kind;                     /* enum fast_kind */
	} fast[16];
	int nfast;
	/* gfp_flags value -> the names libtraceevent prints for it */
	struct gfpname {
		unsigned long long val;
		char name[200];
	} gfp[128];
	int ngfp;
};

/* The trace.dat magic: lib/trace-cmd/trace-output.c "\027\010\104tracing" */
bool fs_tracedat_sniff(const char *p, size_t n)
{
	return n >= 10 && !memcmp(p, "\027\010\104tracing", 10);
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

/* Queue a line; write to the pipe in 64 KiB pieces (a write per record
 * would cost a system call per event). -1 when the reader has gone. */
static int emit(struct fs_tracedat *d, const char *p, size_t n)
{
	if (d->nout + n > sizeof(d->out)) {
		if (write_all(d->wfd, d->out, d->nout))
			return -1;
		d->nout = 0;
	}
	memcpy(d->out + d->nout, p, n);
	d->nout += n;
	return 0;
}

/* The fast-path description of ev, set up on first sight; NULL when ev is
 * not one of the hot events or lacks an expected field. */
enum fast_kind { FK_ALLOC, FK_FREE, FK_FREE_BATCHED, FK_ZONE_LOCKED, FK_PCPU_DRAIN, FK_NR };

static const struct fast *fast_of(struct fs_tracedat *d, struct tep_event *ev)
{
	static const char *const names[FK_NR] = { "mm_page_alloc", "mm_page_free", "mm_page_free_batched",
						  "mm_page_alloc_zone_locked", "mm_page_pcpu_drain" };
	struct fast *f;
	int kind;

	for (int i = 0; i < d->nfast; i++)
		if (d->fast[i].ev == ev)
			return d->fast[i].pfn ? &d->fast[i] : NULL;
	if (d->nfast == (int)FS_ARRAY_SIZE(d->fast))
		return NULL;
	f = &d->fast[d->nfast++];
	memset(f, 0, sizeof(*f));
	f->ev = ev;
	for (kind = 0; kind < FK_NR && strcmp(ev->name, names[kind]); kind++)
		;
	if (kind == FK_NR || strcmp(ev->system, "kmem"))
		return NULL;
	f->kind = kind;
	f->order = tep_find_field(ev, "order");
	if (kind == FK_ALLOC || kind == FK_ZONE_LOCKED || kind == FK_PCPU_DRAIN) {
		f->mt = tep_find_field(ev, "migratetype");
		if (!f->mt)
			return NULL;
	}
	if (kind == FK_ALLOC && !(f->gfp = tep_find_field(ev, "gfp_flags")))
		return NULL;
	if (kind == FK_ZONE_LOCKED)
		f->refill = tep_find_field(ev, "percpu_refill");       /* 5.x+ */
	/* 6.x mm_page_free_batched records the pfn alone and prints order=0 */
	if (!f->order && kind != FK_FREE_BATCHED)
		return NULL;
	f->pfn = tep_find_field(ev, "pfn");   /* 3.10 recorded a struct page *: no fast path */
	return f->pfn ? f : NULL;
}

/* The names of a gfp value, as libtraceevent prints them: cached per
 * value, formatted once by the full printer. */
static const char *gfp_names(struct fs_tracedat *d, struct tep_handle *tep, struct tep_record *rec,
			     unsigned long long val)
{
	const char *g, *e;
	struct gfpname *c;

	for (int i = 0; i < d->ngfp; i++)
		if (d->gfp[i].val == val)
			return d->gfp[i].name;
	trace_seq_reset(&d->seq);
	tep_print_event(tep, &d->seq, rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&d->seq);
	g = d->seq.buffer ? strstr(d->seq.buffer, "gfp_flags=") : NULL;
	if (!g || d->ngfp == (int)FS_ARRAY_SIZE(d->gfp))
		return NULL;
	c = &d->gfp[d->ngfp++];
	g += 10;
	for (e = g; *e && *e != ' '; e++)
		;
	c->val = val;
	snprintf(c->name, sizeof(c->name), "%.*s", (int)(e - g), g);
	return c->name;
}

/* Hand-rolled formatting for the fast path (snprintf was a fifth of the
 * reader's time). */
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

/* "comm-pid [cpu] secs.ns: name: " as trace-cmd report lays it out */
static char *put_prefix(char *p, const char *comm, int pid, int cpu, unsigned long long ts,
			const char *name)
{
	p = put_str(p, comm);
	*p++ = '-';
	p = put_u64(p, (unsigned long long)(pid < 0 ? 0 : pid), 10, 1);
	p = put_str(p, " [");
	p = put_u64(p, (unsigned long long)cpu, 10, 3);
	p = put_str(p, "] ");
	p = put_u64(p, ts / 1000000000ull, 10, 1);
	*p++ = '.';
	p = put_u64(p, ts % 1000000000ull, 10, 9);
	p = put_str(p, ": ");
	p = put_str(p, name);
	return put_str(p, ": ");
}

static int on_record(struct tracecmd_input *h, struct tep_record *rec, int cpu, void *data)
{
	struct fs_tracedat *d = data;
	struct tep_handle *tep = tracecmd_get_tep(h);
	struct tep_event *ev = tep_find_event_by_record(tep, rec);
	const struct fast *f;
	int pid, n;
	const char *comm;

	if (rec->missed_events) {
		n = rec->missed_events > 0
			    ? snprintf(d->line, sizeof(d->line), "CPU:%d [LOST %lld EVENTS]\n", cpu,
				       rec->missed_events)
			    : snprintf(d->line, sizeof(d->line), "CPU:%d [LOST EVENTS]\n", cpu);
		if (emit(d, d->line, (size_t)n))
			return 1;
	}
	if (!ev)
		return 0;
	pid = tep_data_pid(tep, rec);
	comm = tep_data_comm_from_pid(tep, pid);
	if ((f = fast_of(d, ev))) {
		unsigned long long pfn, order = 0, mt = 0, gfp = 0, refill = 0;
		const char *gn = NULL;
		char *p = d->line;

		tep_read_number_field(f->pfn, rec->data, &pfn);
		if (f->order)
			tep_read_number_field(f->order, rec->data, &order);
		if (f->mt)
			tep_read_number_field(f->mt, rec->data, &mt);
		if (f->refill)
			tep_read_number_field(f->refill, rec->data, &refill);
		if (f->kind == FK_ALLOC) {
			tep_read_number_field(f->gfp, rec->data, &gfp);
			if (pfn == ~0ull)
				pfn = 0;        /* a failed allocation: no page (-1UL in the record) */
			gn = gfp_names(d, tep, rec, gfp);
		}
		if (strlen(comm ? comm : "") < 64 && (f->kind != FK_ALLOC || (gn && strlen(gn) < 200))) {
			p = put_prefix(p, comm ? comm : "<...>", pid, cpu, rec->ts, ev->name);
			if (f->kind == FK_ALLOC && !pfn) {
				p = put_str(p, "page=(nil) pfn=0x0");
			} else {
				p = put_str(p, "page=0x");
				p = put_u64(p, pfn, 16, 1);
				p = put_str(p, " pfn=0x");
				p = put_u64(p, pfn, 16, 1);
			}
			/* the fields in the order include/trace/events/kmem.h prints them */
			p = put_str(p, " order=");
			p = put_u64(p, order, 10, 1);
			if (f->mt) {
				p = put_str(p, " migratetype=");
				p = put_u64(p, mt, 10, 1);
			}
			if (f->kind == FK_ALLOC) {
				p = put_str(p, " gfp_flags=");
				p = put_str(p, gn);
			}
			if (f->refill) {
				p = put_str(p, " percpu_refill=");
				p = put_u64(p, refill, 10, 1);
			}
			*p++ = '\n';
			return emit(d, d->line, (size_t)(p - d->line)) ? 1 : 0;
		}
	}
	trace_seq_reset(&d->seq);
	tep_print_event(tep, &d->seq, rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&d->seq);
	n = snprintf(d->line, sizeof(d->line), "%16s-%-7d [%03d] %5llu.%09llu: %s: %s\n",
		     comm ? comm : "<...>", pid, cpu, rec->ts / 1000000000ull, rec->ts % 1000000000ull,
		     ev->name, d->seq.buffer ? d->seq.buffer : "");
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(d->line)) {
		d->line[sizeof(d->line) - 2] = '\n';
		n = sizeof(d->line) - 1;
	}
	return emit(d, d->line, (size_t)n) ? 1 : 0;
}

static void *producer(void *arg)
{
	struct fs_tracedat *d = arg;
	sigset_t set;

	/* a reader that stops early closes the pipe: get EPIPE, not SIGPIPE */
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	tracecmd_iterate_events_multi(d->h, d->nh, on_record, d);
	if (d->nout)
		write_all(d->wfd, d->out, d->nout);
	close(d->wfd);
	d->wfd = -1;
	return NULL;
}

/* Copy the rest of a compressed input into an unlinked temporary file. */
static int decompress_to_tmp(struct fs_input *in, int *out, struct fs_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], *buf = malloc(1 << 20);
	int fd;
	int64_t n;

	snprintf(path, sizeof(path), "%s/fragsim-tracedat-XXXXXX", dir && *dir ? dir : "/tmp");
	fd = buf ? mkstemp(path) : -1;
	if (fd < 0) {
		free(buf);
		return fs_error(err, -EIO, "%s: cannot create a temporary file to decompress the trace.dat into (%s)",
				in->path, strerror(errno));
	}
	unlink(path);
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
	if (d->started)
		pthread_join(d->thread, NULL);
	if (d->wfd >= 0)
		close(d->wfd);
	/* instance handles are separate references to the file: close them
	 * before the top level */
	for (int i = d->nh - 1; i > 0; i--)
		tracecmd_close(d->h[i]);
	if (d->top)
		tracecmd_close(d->top);
	if (d->tmp_fd >= 0)
		close(d->tmp_fd);
	trace_seq_destroy(&d->seq);
	free(d);
}

int fs_tracedat_open(struct fs_trace *t, struct fs_err *err)
{
	struct fs_tracedat *d = fs_xcalloc(1, sizeof(*d));
	char fdpath[64], *path = fs_xstrdup(t->in.path);
	int pfd[2], rc, ninst;

	d->tmp_fd = d->wfd = -1;
	trace_seq_init(&d->seq);
	if (t->in.codec != FS_INPUT_PLAIN || !strcmp(path, "-")) {
		if ((rc = decompress_to_tmp(&t->in, &d->tmp_fd, err)))
			goto fail;
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", d->tmp_fd);
		d->top = tracecmd_open(fdpath, TRACECMD_FL_LOAD_NO_PLUGINS);
	} else {
		d->top = tracecmd_open(path, TRACECMD_FL_LOAD_NO_PLUGINS);
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
	if (pipe2(pfd, O_CLOEXEC)) {
		rc = fs_error(err, -errno, "%s: pipe: %s", path, strerror(errno));
		goto fail;
	}
	d->wfd = pfd[1];
	if (pthread_create(&d->thread, NULL, producer, d)) {
		close(pfd[0]);
		rc = fs_error(err, -EAGAIN, "%s: cannot start the trace.dat reader thread", path);
		goto fail;
	}
	d->started = true;
	/* from here the trace is the text the thread writes */
	fs_input_close(&t->in);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", pfd[0]);
	rc = fs_input_open(&t->in, fdpath, err);
	close(pfd[0]);
	if (rc)
		goto fail;
	free(t->in.path);
	t->in.path = path;
	t->path = path;
	t->dat = d;
	return 0;
fail:
	/* a started thread stops at its next write (the reader end is gone);
	 * fs_tracedat_close joins it */
	fs_tracedat_close(d);
	free(path);
	return rc;
}
