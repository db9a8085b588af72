/* trace.c - the reader interface: open an input (plain, stdin, gzip, zstd:
 * input.c), read lines, hand each to the format's parser. One file per
 * format (trace_native.c, trace_ftrace.c).
 *
 * Native traces are written by people and tools that can be fixed, so
 * any bad line is fatal. Kernel traces are what the machine printed, junk
 * included (lines cut when a capture is stopped, interleaved output of
 * other tracers), so their malformed lines are counted and the first few
 * shown, unless --strict asks for the native behaviour. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "workload.h"

#define MAX_SHOWN 5

static const struct {
	const char *name;
	enum fs_trace_format fmt;
} formats[] = {
	{ "auto", FS_FMT_AUTO },
	{ "native", FS_FMT_NATIVE },
	{ "ftrace", FS_FMT_FTRACE },
	{ "trace.dat", FS_FMT_TRACEDAT },
};

const char *const fs_kernel_event_keys[FS_KEV_NR] = {
#define FS_X(name, key) key,
	FS_KERNEL_EVENTS(FS_X)
#undef FS_X
};

int fs_trace_format_parse(const char *s, enum fs_trace_format *fmt)
{
	for (unsigned i = 0; i < FS_ARRAY_SIZE(formats); i++)
		if (!strcmp(s, formats[i].name)) {
			*fmt = formats[i].fmt;
			return 0;
		}
	return -EINVAL;
}

const char *fs_trace_format_name(enum fs_trace_format fmt)
{
	if (fmt == FS_FMT_WORKLOAD)
		return "workload";
	for (unsigned i = 0; i < FS_ARRAY_SIZE(formats); i++)
		if (formats[i].fmt == fmt)
			return formats[i].name;
	return "?";
}

static void set_format(struct fs_trace *t, enum fs_trace_format fmt)
{
	t->format = fmt;
	if (fmt == FS_FMT_NATIVE)
		t->parse = fs_native_parse;
	else if (fmt == FS_FMT_FTRACE)
		t->parse = fs_ftrace_parse;
}

int fs_trace_open(struct fs_trace *t, const char *path, enum fs_trace_format fmt,
		  struct fs_err *err)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->mt_numbering = -1;
	t->max_order = FS_ORDER_LIMIT;
	t->warn = stderr;
	if (fmt == FS_FMT_AUTO || fmt == FS_FMT_TRACEDAT) {
		if ((rc = fs_tracedat_zst_open(t, path, err)) < 0)
			return rc;
		if (rc) {
			set_format(t, FS_FMT_FTRACE);
			return 0;
		}
	}
	if ((rc = fs_input_open(&t->in, path, err)))
		return rc;
	t->path = t->in.path;
	if (fmt == FS_FMT_AUTO || fmt == FS_FMT_TRACEDAT) {
		const char *p;
		size_t n;

		if ((rc = fs_input_peek(&t->in, 10, &p, &n, err))) {
			fs_input_close(&t->in);
			return rc;
		}
		if (fs_tracedat_sniff(p, n)) {
			if ((rc = fs_tracedat_open(t, err))) {
				fs_input_close(&t->in);
				return rc;
			}
			fmt = FS_FMT_FTRACE;
		} else if (fmt == FS_FMT_TRACEDAT) {
			fs_input_close(&t->in);
			return fs_error(err, -EINVAL, "%s: not a trace-cmd trace.dat file (--format trace.dat)", path);
		}
	}
	set_format(t, fmt);
	return 0;
}

void fs_trace_close(struct fs_trace *t)
{
	if (t->gen) {
		fs_wl_gen_free(t->gen);
	} else {
		fs_input_close(&t->in); /* first: a reader thread still writing stops */
		fs_tracedat_close(t->dat);
	}
	free(t->gfp_memo);
	memset(t, 0, sizeof(*t));
}

static bool is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

/* Native comments start at the first non-blank '#'. The kernel's header
 * lines (trace_default_header, print_event_info) start with '#' in
 * column 0, and a task name may itself contain '#', so for kernel traces
 * only column 0 counts. */
static bool is_comment(const struct fs_trace *t, const char *s, size_t len)
{
	if (t->format == FS_FMT_FTRACE)
		return len && s[0] == '#';
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '#')
			return true;
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	}
	return false;
}

/* Auto-detection looks at the first line that is not blank or a comment;
 * native first, as the simplest and strictest. */
static int detect(struct fs_trace *t, const char *line, size_t len, struct fs_err *err)
{
	if (fs_native_sniff(line, len)) {
		set_format(t, FS_FMT_NATIVE);
		return 0;
	}
	if (fs_ftrace_sniff(line, len)) {
		set_format(t, FS_FMT_FTRACE);
		return 0;
	}
	return fs_error(err, -EINVAL,
			"%s:%" PRIu64 ": cannot tell the trace format from this line; fragsim reads "
			"native traces (traces/FORMAT.md) and kernel trace text (ftrace trace_pipe, "
			"trace-cmd report, perf script) - use --format to force one",
			t->path, t->line);
}

/* A malformed line: fatal for native traces and with --strict, otherwise
 * counted and the first few shown. */
static int malformed(struct fs_trace *t, int rc, struct fs_err *err)
{
	t->st.malformed++;
	fs_err_prefix(err, "%s:%" PRIu64 ": ", t->path, t->line);
	if (t->format != FS_FMT_FTRACE || t->strict)
		return rc;
	if (t->warn && t->st.malformed <= MAX_SHOWN)
		fprintf(t->warn, "fragsim: warning: %s (line skipped)%s\n", err->msg,
			t->st.malformed == MAX_SHOWN ? " [further ones only counted]" : "");
	return 0;
}

/* At the end of a kernel trace: what was skipped, in one place. */
static void report_end(struct fs_trace *t)
{
	if (t->eof_reported || !t->warn || t->format != FS_FMT_FTRACE)
		return;
	t->eof_reported = true;
	if (t->st.malformed)
		fprintf(t->warn, "fragsim: warning: %s: %" PRIu64 " malformed line%s skipped "
			"(--strict makes them fatal)\n", t->path, t->st.malformed,
			t->st.malformed == 1 ? "" : "s");
	if (t->st.kev[FS_KEV_lost])
		fprintf(t->warn, "fragsim: warning: %s: the kernel lost events: %" PRIu64
			" line%s report%s %" PRIu64 " lost event%s; the replay misses their "
			"allocations and frees\n", t->path, t->st.kev[FS_KEV_lost],
			t->st.kev[FS_KEV_lost] == 1 ? "" : "s", t->st.kev[FS_KEV_lost] == 1 ? "s" : "",
			t->st.lost_events, t->st.lost_events == 1 ? "" : "s");
}

/* An event read: where it came from, its time kept from going back. */
int fs_trace_event_done(struct fs_trace *t, struct fs_event *ev)
{
	ev->line = t->line;
	ev->src = t->src;
	if (ev->time_ns < t->last_time) {
		t->st.time_regressions++;
		ev->time_ns = t->last_time;
	}
	t->last_time = ev->time_ns;
	t->st.events++;
	return 1;
}

int fs_trace_line(struct fs_trace *t, char *line, size_t len, bool has_nul, struct fs_event *ev,
		  struct fs_err *err)
{
	int rc;

	t->line++;
	t->st.lines++;
	if (has_nul) {
		t->st.malformed++;
		return fs_error(err, -EINVAL, "%s:%" PRIu64 ": binary data in a text trace",
				t->path, t->line);
	}
	if (len && line[len - 1] == '\r')       /* CRLF */
		line[--len] = 0;
	if (is_blank(line, len) || is_comment(t, line, len)) {
		t->st.comments++;
		return 0;
	}
	if (!t->parse && (rc = detect(t, line, len, err)))
		return rc;
	memset(ev, 0, sizeof(*ev));
	rc = t->parse(t, line, len, ev, err);
	if (rc < 0)
		return malformed(t, rc, err);
	if (rc == 0) {
		t->st.comments++;
		return 0;
	}
	if (rc == 2) {
		t->st.skipped++;
		return 0;
	}
	return fs_trace_event_done(t, ev);
}

int fs_trace_next(struct fs_trace *t, struct fs_event *ev, struct fs_err *err)
{
	char *line;
	size_t len;
	int rc;

	if (t->gen) {
		if ((rc = fs_wl_gen_next_ahead(t->gen, ev)) > 0) {
			ev->src = t->src;
			t->st.events++;
		}
		return rc;
	}
	if (t->dat) {
		rc = fs_tracedat_next(t, ev, err);
		if (rc == 0)
			report_end(t);
		return rc;
	}
	while ((rc = fs_input_getline(&t->in, &line, &len, err)) > 0)
		if ((rc = fs_trace_line(t, line, len, t->in.line_has_nul, ev, err)))
			return rc;
	if (rc == 0)
		report_end(t);
	return rc;
}
