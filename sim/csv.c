/* csv.c - a small CSV reader for the plots: the header names the columns,
 * fields may be quoted (RFC 4180: policy specs with commas are), '#' lines
 * before the header are comments (the memory map's description). The
 * whole file is read once and fields are cut in place. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

/* Cut one field at *p (quoted or not), NUL-terminate it in place, advance
 * *p past its separator; *eol set when the record ends. */
static char *field(char **p, bool *eol)
{
	char *s = *p, *start = s, *w;

	if (*s == '"') {
		start = w = ++s;
		for (;;) {
			if (!*s)
				break;
			if (*s == '"' && s[1] == '"') {
				*w++ = '"';
				s += 2;
			} else if (*s == '"') {
				s++;
				break;
			} else {
				*w++ = *s++;
			}
		}
		*w = 0;
	}
	while (*s && *s != ',' && *s != '\n' && *s != '\r')
		s++;
	*eol = *s != ',';
	if (*s == '\r')
		*s++ = 0;
	if (*s == ',' || *s == '\n')
		*s++ = 0;
	*p = s;
	return start;
}

int fs_csv_load(struct fs_csv *t, const char *path, struct fs_err *err)
{
	FILE *fp = fopen(path, "rb");
	size_t len = 0, cap = 1 << 16, rows_cap = 0, got;
	char *p;
	bool eol;

	memset(t, 0, sizeof(*t));
	if (!fp)
		return fs_error(err, -errno, "cannot open \"%s\": %s", path, strerror(errno));
	t->buf = fs_xcalloc(1, cap + 1);
	while ((got = fread(t->buf + len, 1, cap - len, fp)) > 0) {
		len += got;
		if (len == cap) {
			t->buf = fs_xrealloc(t->buf, cap * 2 + 1);
			cap *= 2;
		}
	}
	fclose(fp);
	t->buf[len] = 0;
	t->path = fs_xstrdup(path);
	p = t->buf;
	while (*p == '#' || *p == '\n')                 /* comments before the header */
		p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n');
	if (!*p) {
		fs_csv_release(t);
		return fs_error(err, -EINVAL, "\"%s\" is empty (no CSV header)", path);
	}
	do {
		t->head = fs_xrealloc(t->head, (t->ncols + 1) * sizeof(*t->head));
		t->head[t->ncols++] = field(&p, &eol);
	} while (!eol);
	while (*p) {
		unsigned c = 0;

		if (*p == '\n' || *p == '#') {
			p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n');
			continue;
		}
		if (t->nrows == rows_cap) {
			rows_cap = rows_cap ? rows_cap * 2 : 1024;
			t->cell = fs_xrealloc(t->cell, rows_cap * t->ncols * sizeof(*t->cell));
		}
		do {
			char *f = field(&p, &eol);

			if (c < t->ncols)
				t->cell[t->nrows * t->ncols + c] = f;
			c++;
		} while (!eol);
		for (; c < t->ncols; c++)
			t->cell[t->nrows * t->ncols + c] = (char *)"";
		t->nrows++;
	}
	return 0;
}

void fs_csv_release(struct fs_csv *t)
{
	free(t->buf);
	free(t->cell);
	free(t->head);
	free(t->path);
	memset(t, 0, sizeof(*t));
}

int fs_csv_col(const struct fs_csv *t, const char *name)
{
	for (unsigned c = 0; c < t->ncols; c++)
		if (!strcmp(t->head[c], name))
			return (int)c;
	return -1;
}

/* "free_blocks_7" -> prefix length up to the digits and the number, or -1 */
static int numbered(const char *name, size_t *plen)
{
	size_t n = strlen(name), d = n;

	while (d > 0 && name[d - 1] >= '0' && name[d - 1] <= '9')
		d--;
	if (d == n || d == 0 || name[d - 1] != '_')
		return -1;
	*plen = d;
	return atoi(name + d);
}

/* Numeric columns, families of numbered ones shortened to
 * "free_blocks_0..10" so the list fits in an error message. */
void fs_csv_numeric_cols(const struct fs_csv *t, char *buf, size_t len)
{
	size_t used = 0, plen = 0, prev_plen = 0;
	int num = -1, prev_num = -2;
	const char *prev = NULL;
	bool in_run = false;

	buf[0] = 0;
	for (unsigned c = 0; c <= t->ncols && used + 1 < len; c++) {
		const char *v = "";
		char *end;

		if (c < t->ncols) {
			for (size_t r = 0; r < t->nrows && !*v; r++)    /* the first non-empty value */
				v = fs_csv_get(t, r, c);
			if (!*v || !strcmp(t->head[c], "time_s"))
				continue;
			strtod(v, &end);
			if (*end)
				continue;
			num = numbered(t->head[c], &plen);
			if (num >= 0 && prev && num == prev_num + 1 && plen == prev_plen &&
			    !strncmp(prev, t->head[c], plen)) {
				in_run = true;              /* the family goes on */
				prev = t->head[c];
				prev_num = num;
				continue;
			}
		}
		if (in_run)
			used += (size_t)snprintf(buf + used, len - used, "..%d", prev_num);
		in_run = false;
		if (c == t->ncols)
			break;
		used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? ", " : "", t->head[c]);
		prev = t->head[c];
		prev_num = num;
		prev_plen = plen;
	}
}
