/* trace.c - the reader interface: open an input, read lines, hand each to
 * the format's parser. One file per format (trace_native.c, ...). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct {
	const char *name;
	enum fs_trace_format fmt;
} formats[] = {
	{ "auto", FS_FMT_AUTO },
	{ "native", FS_FMT_NATIVE },
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

int fs_trace_open(struct fs_trace *t, const char *path, enum fs_trace_format fmt,
		  struct fs_err *err)
{
	memset(t, 0, sizeof(*t));
	t->path = fs_xstrdup(path);
	t->format = fmt;
	t->max_order = FS_ORDER_LIMIT;
	if (!strcmp(path, "-")) {
		t->fp = stdin;
	} else {
		t->fp = fopen(path, "rb");
		if (!t->fp) {
			int e = errno;

			free(t->path);
			t->path = NULL;
			return fs_error(err, -e, "cannot open trace \"%s\": %s", path, strerror(e));
		}
		t->own_fp = true;
	}
	if (fmt == FS_FMT_NATIVE)
		t->parse = fs_native_parse;
	return 0;
}

void fs_trace_close(struct fs_trace *t)
{
	if (t->own_fp && t->fp)
		fclose(t->fp);
	free(t->buf);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

static bool is_blank_or_comment(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '#')
			return true;
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	}
	return true;
}

/* Auto-detection looks at the first line that is not blank or a comment. */
static int detect(struct fs_trace *t, const char *line, size_t len, struct fs_err *err)
{
	if (fs_native_sniff(line, len)) {
		t->format = FS_FMT_NATIVE;
		t->parse = fs_native_parse;
		return 0;
	}
	return fs_error(err, -EINVAL,
			"%s:%llu: cannot tell the trace format from this line; fragsim reads "
			"native traces (traces/FORMAT.md) - use --format to force one",
			t->path, (unsigned long long)t->line);
}

int fs_trace_next(struct fs_trace *t, struct fs_event *ev, struct fs_err *err)
{
	ssize_t n;

	while ((n = getline(&t->buf, &t->cap, t->fp)) >= 0) {
		size_t len = (size_t)n;
		int rc;

		t->line++;
		t->st.lines++;
		if (memchr(t->buf, 0, len)) {
			t->st.malformed++;
			return fs_error(err, -EINVAL, "%s:%llu: binary data in a text trace",
					t->path, (unsigned long long)t->line);
		}
		while (len && (t->buf[len - 1] == '\n' || t->buf[len - 1] == '\r'))
			len--;
		t->buf[len] = 0;
		if (is_blank_or_comment(t->buf, len)) {
			t->st.comments++;
			continue;
		}
		if (!t->parse && (rc = detect(t, t->buf, len, err)))
			return rc;
		memset(ev, 0, sizeof(*ev));
		rc = t->parse(t, t->buf, len, ev, err);
		if (rc < 0) {
			t->st.malformed++;
			fs_err_prefix(err, "%s:%llu: ", t->path, (unsigned long long)t->line);
			return rc;
		}
		if (rc == 0) {
			t->st.comments++;
			continue;
		}
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
	if (ferror(t->fp))
		return fs_error(err, -EIO, "%s: read error: %s", t->path, strerror(errno));
	return 0;
}
