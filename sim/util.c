/* util.c - errors, number/size/time parsing, allocation helpers. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>

#include "internal.h"

int fs_error(struct fs_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

void fs_err_prefix(struct fs_err *err, const char *fmt, ...)
{
	char pre[256];
	size_t pl, ml;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	pl = strlen(pre);
	ml = strlen(err->msg);
	if (pl + ml >= sizeof(err->msg))
		ml = sizeof(err->msg) - pl - 1;
	memmove(err->msg + pl, err->msg, ml);
	memcpy(err->msg, pre, pl);
	err->msg[pl + ml] = 0;
}

static const char *const mt_names[FS_MT_NR] = {
	[FS_MT_UNMOVABLE] = "unmovable",
	[FS_MT_MOVABLE] = "movable",
	[FS_MT_RECLAIMABLE] = "reclaimable",
	[FS_MT_HIGHATOMIC] = "highatomic",
	[FS_MT_CMA] = "cma",
	[FS_MT_ISOLATE] = "isolate",
};

const char *fs_mt_name(enum fs_migratetype mt)
{
	return (unsigned)mt < FS_MT_NR ? mt_names[mt] : "?";
}

int fs_mt_parse(const char *s, size_t len)
{
	if (len == 1 && s[0] >= '0' && s[0] < '0' + FS_MT_NR)
		return s[0] - '0';
	for (int i = 0; i < FS_MT_NR; i++)
		if (strlen(mt_names[i]) == len && !strncasecmp(s, mt_names[i], len))
			return i;
	return -1;
}

int fs_parse_u64(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	if (len == 0)
		return -EINVAL;
	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (i = 2; i < len; i++) {
			int d;

			if (s[i] >= '0' && s[i] <= '9')
				d = s[i] - '0';
			else if (s[i] >= 'a' && s[i] <= 'f')
				d = s[i] - 'a' + 10;
			else if (s[i] >= 'A' && s[i] <= 'F')
				d = s[i] - 'A' + 10;
			else
				return -EINVAL;
			if (v >> 60)
				return -ERANGE;
			v = v << 4 | (uint64_t)d;
		}
		*out = v;
		return 0;
	}
	for (; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

/* "SSS.fffffffff" -> ns without going through a double, so timestamps are
 * reproduced exactly in the output. Digits past the ninth are dropped. */
int fs_parse_time_ns(const char *s, size_t len, uint64_t *ns)
{
	uint64_t sec = 0, frac = 0;
	size_t dot = 0;
	unsigned digits = 0;

	while (dot < len && s[dot] != '.')
		dot++;
	if (dot == 0 || dot + 1 == len)
		return -EINVAL;
	for (size_t i = 0; i < dot; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (sec > UINT64_MAX / 1000000000ull / 10)
			return -ERANGE;
		sec = sec * 10 + (uint64_t)(s[i] - '0');
	}
	for (size_t i = dot + 1; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		if (digits < 9) {
			frac = frac * 10 + (uint64_t)(s[i] - '0');
			digits++;
		}
	}
	for (; digits < 9; digits++)
		frac *= 10;
	*ns = sec * 1000000000ull + frac;
	return 0;
}

struct unit {
	const char *suffix;
	double mult;
};

/* A non-negative decimal number followed by one of the units' suffixes
 * (compared without case), scaled and rounded. */
static int parse_scaled(const char *s, const struct unit *units, size_t nunits, double limit,
			uint64_t *out)
{
	char *end;
	double v;

	if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '.'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < nunits; i++) {
		if (strcasecmp(end, units[i].suffix))
			continue;
		if (v * units[i].mult > limit)
			return -ERANGE;
		*out = (uint64_t)(v * units[i].mult + 0.5);
		return 0;
	}
	return -EINVAL;
}

/* Sizes: a number with an optional K/M/G/T suffix (powers of 1024, with an
 * optional B or iB after it); a bare number or one ending in B is bytes. */
int fs_parse_size(const char *s, uint64_t *bytes)
{
	static const struct unit units[] = {
		{ "", 1 }, { "B", 1 },
		{ "K", 0x1p10 }, { "KB", 0x1p10 }, { "KiB", 0x1p10 },
		{ "M", 0x1p20 }, { "MB", 0x1p20 }, { "MiB", 0x1p20 },
		{ "G", 0x1p30 }, { "GB", 0x1p30 }, { "GiB", 0x1p30 },
		{ "T", 0x1p40 }, { "TB", 0x1p40 }, { "TiB", 0x1p40 },
	};

	return parse_scaled(s, units, FS_ARRAY_SIZE(units), 9.0e18, bytes);
}

/* Durations: s (the default), ms, us, ns, m or min. */
int fs_parse_duration(const char *s, uint64_t *ns)
{
	static const struct unit units[] = {
		{ "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 }, { "ns", 1 },
		{ "m", 60e9 }, { "min", 60e9 },
	};

	return parse_scaled(s, units, FS_ARRAY_SIZE(units), 1.8e19, ns);
}

void *fs_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p) {
		fprintf(stderr, "fragsim: out of memory (%zu x %zu bytes)\n", n, size);
		abort();
	}
	return p;
}

void *fs_xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (!p) {
		fprintf(stderr, "fragsim: out of memory (%zu bytes)\n", size);
		abort();
	}
	return p;
}

char *fs_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(fs_xcalloc(1, n), s, n);
}

uint64_t fs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Large zeroed arrays (page slots, hash tables, zstd's window): anonymous
 * mappings with transparent huge pages where the kernel allows them (THP
 * "madvise" mode is common), which cuts the TLB misses of random access
 * across hundreds of MiB, and the page faults of first touch 512-fold.
 * Untouched parts cost no memory.
 *
 * A mapping of 2 MiB or more starts on a 2 MiB boundary: the kernel aligns
 * only anonymous mappings whose length is a multiple of 2 MiB (6.7+), and
 * THP covers only the aligned 2 MiB pieces of a range, so a 128.25 MiB
 * buffer at a 4 KiB boundary had up to 511 pages at its head faulted one
 * by one (about 10 us each on a VM). The mapping is made 2 MiB longer and
 * the excess on both sides unmapped, so fs_big_free's munmap of exactly
 * [p, p + bytes) stays right. Without THP (never mode, or an old kernel)
 * the madvise fails harmlessly and the memory is ordinary pages. */
#define FS_HUGE (2u << 20)

void *fs_big_alloc(size_t bytes)
{
	char *p, *q;
	size_t head;

	bytes = (bytes + 4095) & ~(size_t)4095;
	if (bytes < FS_HUGE) {
		p = mmap(NULL, bytes ? bytes : 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	p = mmap(NULL, bytes + FS_HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		/* no room for the slack: unaligned, THP for the aligned part */
		p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return NULL;
		q = p;
	} else {
		q = (char *)(((uintptr_t)p + FS_HUGE - 1) & ~(uintptr_t)(FS_HUGE - 1));
		head = (size_t)(q - p);
		if (head)
			munmap(p, head);
		munmap(q + bytes, FS_HUGE - head);
	}
#ifdef MADV_HUGEPAGE
	madvise(q, bytes, MADV_HUGEPAGE);
#endif
	return q;
}

void fs_big_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, ((bytes + 4095) & ~(size_t)4095) ?: 4096);
}

/* Grow a fs_big_alloc array, keeping its contents (mremap may move it). */
void *fs_big_realloc(void *p, size_t old_bytes, size_t new_bytes)
{
	void *q;

	old_bytes = (old_bytes + 4095) & ~(size_t)4095;
	new_bytes = (new_bytes + 4095) & ~(size_t)4095;
	q = mremap(p, old_bytes, new_bytes, MREMAP_MAYMOVE);
	if (q == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	if (new_bytes >= (2u << 20))
		madvise(q, new_bytes, MADV_HUGEPAGE);
#endif
	return q;
}
