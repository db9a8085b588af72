/* trace_native.c - the native line format (traces/FORMAT.md):
 *   TIME OP IDENT ORDER [MIGRATETYPE] [gfp=FLAGS] [key=NAME] [cpu=N] [flags=F,F]   # comment
 *   TIME compact */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "gfp.h"
#include "internal.h"

struct tok {
	const char *s;
	size_t len;
};

/* Split on blanks up to a '#' comment; at most max tokens (+1 to detect excess). */
static unsigned tokenize(const char *line, size_t len, struct tok *tok, unsigned max)
{
	unsigned n = 0;
	size_t i = 0;

	while (i < len && n < max) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i >= len || line[i] == '#')
			break;
		tok[n].s = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '#')
			i++;
		tok[n].len = (size_t)(line + i - tok[n].s);
		n++;
	}
	return n;
}

static int bad(struct fs_err *err, const char *what, const struct tok *t)
{
	if (!t)
		return fs_error(err, -EINVAL, "expected %s, but the line ends", what);
	return fs_error(err, -EINVAL, "expected %s, got \"%.*s\"", what,
			(int)(t->len > 40 ? 40 : t->len), t->s);
}

static bool tok_is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && !memcmp(t->s, s, t->len);
}

/* flags=NAME[,NAME]: the workload flags (fragsim gen writes them) */
static const struct {
	const char *name;
	uint8_t bit;
} flag_names[] = {
	{ "probe", FS_EVF_PROBE },
	{ "lru", FS_EVF_LRU },
	{ "atomic", FS_EVF_ATOMIC },
	{ "ref", FS_EVF_REFERENCED },           /* allocations only (the bit means more elsewhere) */
};

static int parse_flags(const char *s, size_t len, uint8_t *flags)
{
	while (len) {
		const char *comma = memchr(s, ',', len);
		size_t n = comma ? (size_t)(comma - s) : len;
		unsigned i;

		for (i = 0; i < FS_ARRAY_SIZE(flag_names); i++)
			if (n == strlen(flag_names[i].name) && !memcmp(s, flag_names[i].name, n))
				break;
		if (i == FS_ARRAY_SIZE(flag_names))
			return -EINVAL;
		*flags |= flag_names[i].bit;
		s += n + (comma ? 1 : 0);
		len -= n + (comma ? 1 : 0);
		if (comma && !len)
			return -EINVAL;
	}
	return 0;
}

void fs_native_write(FILE *fp, const struct fs_event *ev, const struct fs_keytab *keys)
{
	char flags[32];
	size_t n = 0;

	fprintf(fp, "%" PRIu64 ".%09" PRIu64 " %c 0x%" PRIx64 " %u", ev->time_ns / 1000000000u,
		ev->time_ns % 1000000000u, ev->kind == FS_EV_ALLOC ? 'A' : 'F', ev->ident, ev->order);
	if (ev->kind == FS_EV_ALLOC && (ev->flags & FS_EVF_HAS_MT))
		fprintf(fp, " %s", fs_mt_name(ev->mt));
	if (ev->kind == FS_EV_ALLOC && (ev->flags & FS_EVF_HAS_GFP)) {
		char g[256];

		fs_gfp_format(ev->gfp, g, sizeof(g));
		fprintf(fp, " gfp=%s", g);
	}
	if (ev->key && keys)
		fprintf(fp, " key=%s", fs_keytab_name(keys, ev->key));
	if (ev->cpu)
		fprintf(fp, " cpu=%u", ev->cpu);
	for (unsigned i = 0; i < FS_ARRAY_SIZE(flag_names); i++)
		if ((ev->flags & flag_names[i].bit) &&
		    (flag_names[i].bit != FS_EVF_REFERENCED || ev->kind == FS_EV_ALLOC))
			n += (size_t)snprintf(flags + n, sizeof(flags) - n, "%s%s", n ? "," : "",
					      flag_names[i].name);
	if (n)
		fprintf(fp, " flags=%s", flags);
	fputc('\n', fp);
}

bool fs_native_sniff(const char *line, size_t len)
{
	struct tok t[2];
	uint64_t v;

	if (tokenize(line, len, t, 2) < 2)
		return false;
	return !fs_parse_time_ns(t[0].s, t[0].len, &v) &&
	       (tok_is(&t[1], "A") || tok_is(&t[1], "F") || tok_is(&t[1], "alloc") ||
		tok_is(&t[1], "free") || tok_is(&t[1], "compact"));
}

int fs_native_parse(struct fs_trace *t, char *line, size_t len, struct fs_event *ev,
		    struct fs_err *err)
{
	struct tok tok[10];
	unsigned n = tokenize(line, len, tok, 10), i;
	uint64_t v;
	char what[64];

	if (n == 0)
		return 0;
	if (fs_parse_time_ns(tok[0].s, tok[0].len, &ev->time_ns))
		return bad(err, "TIME in seconds (e.g. 12.000350)", &tok[0]);
	if (n < 2)
		return bad(err, "OP (A, F or compact) after TIME", NULL);
	if (tok_is(&tok[1], "A") || tok_is(&tok[1], "alloc")) {
		ev->kind = FS_EV_ALLOC;
	} else if (tok_is(&tok[1], "F") || tok_is(&tok[1], "free")) {
		ev->kind = FS_EV_FREE;
	} else if (tok_is(&tok[1], "compact")) {
		/* echo 1 > /proc/sys/vm/compact_memory */
		ev->kind = FS_EV_COMPACT;
		ev->ident = 0;
		ev->order = 0;
		return n > 2 ? bad(err, "end of line after compact", &tok[2]) : 1;
	} else {
		return bad(err, "OP (A, F or compact) after TIME", &tok[1]);
	}
	if (n < 3 || fs_parse_u64(tok[2].s, tok[2].len, &ev->ident))
		return bad(err, "IDENT (a pfn or id, decimal or 0x hex) after OP", n < 3 ? NULL : &tok[2]);
	snprintf(what, sizeof(what), "ORDER (0..%u) after IDENT", t->max_order);
	if (n < 4 || fs_parse_u64(tok[3].s, tok[3].len, &v) || v > t->max_order)
		return bad(err, what, n < 4 ? NULL : &tok[3]);
	ev->order = (uint8_t)v;
	ev->mt = FS_MT_UNMOVABLE;
	if (n > 9)
		return bad(err, "end of line (at most 9 fields)", &tok[9]);
	i = 4;
	if (ev->kind == FS_EV_ALLOC && i < n && !memchr(tok[i].s, '=', tok[i].len)) {
		int mt = fs_mt_parse(tok[i].s, tok[i].len);

		if (mt < 0)
			return bad(err, "MIGRATETYPE (unmovable, movable, reclaimable, highatomic, cma, isolate or 0..5)",
				   &tok[i]);
		ev->mt = (uint8_t)mt;
		ev->flags |= FS_EVF_HAS_MT;
		i++;
	}
	for (; i < n; i++) {
		const char *eq = memchr(tok[i].s, '=', tok[i].len);
		size_t klen = eq ? (size_t)(eq - tok[i].s) : 0, vlen = eq ? tok[i].len - klen - 1 : 0;

		if (eq && klen == 3 && !memcmp(tok[i].s, "gfp", 3) && vlen && ev->kind == FS_EV_ALLOC) {
			if (fs_gfp_parse(eq + 1, vlen, &ev->gfp))
				return bad(err, "gfp=FLAGS with kernel gfp names (GFP_KERNEL|__GFP_COMP)", &tok[i]);
			ev->flags |= FS_EVF_HAS_GFP;
			if (!(ev->flags & FS_EVF_HAS_MT))
				ev->mt = (uint8_t)fs_gfp_migratetype(ev->gfp);
			continue;
		}
		if (eq && klen == 3 && !memcmp(tok[i].s, "key", 3) && vlen) {
			ev->key = t->keys ? fs_keytab_intern(t->keys, eq + 1, vlen) : 0;
		} else if (eq && klen == 3 && !memcmp(tok[i].s, "cpu", 3)) {
			if (fs_parse_u64(eq + 1, vlen, &v) || v > 65535)
				return bad(err, "cpu=N with N in 0..65535", &tok[i]);
			ev->cpu = (uint16_t)v;
		} else if (eq && klen == 5 && !memcmp(tok[i].s, "flags", 5)) {
			if (parse_flags(eq + 1, vlen, &ev->flags))
				return bad(err, "flags=NAME[,NAME] with names probe, lru, atomic, ref", &tok[i]);
		} else {
			return bad(err, ev->kind == FS_EV_ALLOC && i == 4 ? "MIGRATETYPE, gfp=FLAGS, key=NAME, cpu=N or flags=F"
					 : ev->kind == FS_EV_ALLOC ? "gfp=FLAGS, key=NAME, cpu=N or flags=F"
								   : "key=NAME, cpu=N or flags=F",
				   &tok[i]);
		}
	}
	return 1;
}
