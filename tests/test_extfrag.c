/* test_extfrag.c - mm_page_alloc_extfrag analysis (sim/extfrag.c) with
 * real lines from the 6.18 "build" capture in ../shared/traces (trace_pipe
 * and trace-cmd report, whose fragmenting=10 is wrong), the reference's
 * section 5.2 line, and constructed ones for what the captures lack: 3.10
 * decimal pfns and 4-flag prefixes, perf script, task names with dashes,
 * fragmenting fallbacks under both migrate-type numberings. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extfrag.h"
#include "test_util.h"

/* trace_pipe, build capture (the only extfrag event in it) */
#define PIPE_LINE "            bash-14429   [000] d..3.  1039.212348: mm_page_alloc_extfrag: " \
	"page=0000000036607fe1 pfn=0x119000 alloc_order=0 fallback_order=10 pageblock_order=9 " \
	"alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1"
/* the same event in trace-cmd report: fragmenting=10 */
#define REPORT_LINE "capture_tcmd:             bash-14429 [000]  1039.212347: mm_page_alloc_extfrag: " \
	"page=0x119000 pfn=0x119000 alloc_order=0 fallback_order=10 pageblock_order=9 " \
	"alloc_migratetype=0 fallback_migratetype=1 fragmenting=10 change_ownership=1"
/* reference section 5.2 (live 6.18) */
#define REF_LINE "         python3-10468   [000] d..3.   703.123252: mm_page_alloc_extfrag: " \
	"page=00000000614cc4b4 pfn=0x16ac00 alloc_order=0 fallback_order=10 pageblock_order=9 " \
	"alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1"
/* constructed: 3.10 prefix (4 flags, pid in 5), decimal pfn, pre-4.4
 * numbering: unmovable (0) from a movable (2) order-3 block */
#define OLD_LINE "         kswapd0-45    [001] d..1   123.456789: mm_page_alloc_extfrag: " \
	"page=ffffea0001a2b3c0 pfn=429871 alloc_order=0 fallback_order=3 pageblock_order=9 " \
	"alloc_migratetype=0 fallback_migratetype=2 fragmenting=1 change_ownership=0"
/* constructed: a task name with dashes, 6.x, 4.4+ numbering: unmovable
 * from movable (1), order 2 */
#define DASH_LINE " systemd-journal-312     [001] d..2.  1040.000001: mm_page_alloc_extfrag: " \
	"page=00000000deadbeef pfn=0x1a2b3c alloc_order=1 fallback_order=2 pageblock_order=9 " \
	"alloc_migratetype=0 fallback_migratetype=1 fragmenting=1 change_ownership=0"
/* constructed: perf script, reclaimable (2) from unmovable (0), order 4 */
#define PERF_LINE "            perf 10734 [001]   1040.500000: kmem:mm_page_alloc_extfrag: " \
	"page=0x13446a pfn=0x13446a alloc_order=0 fallback_order=4 pageblock_order=9 " \
	"alloc_migratetype=2 fallback_migratetype=0 fragmenting=1 change_ownership=0"

static struct fs_extfrag_rec rec_of(const char *line)
{
	struct fs_ftrace_rec r;
	struct fs_extfrag_rec e;
	struct fs_err err = { "" };
	int rc = fs_ftrace_split(line, strlen(line), &r, &err);

	cr_assert_eq(rc, FS_FTRACE_RECORD, "split: %s", err.msg);
	cr_assert(r.name_len == 21 && !memcmp(r.name, "mm_page_alloc_extfrag", 21));
	rc = fs_extfrag_parse_fields(r.fields, r.fields_len, &e, &err);
	cr_assert_eq(rc, 0, "parse: %s", err.msg);
	return e;
}

Test(extfrag, parse_real_trace_pipe)
{
	struct fs_extfrag_rec e = rec_of(PIPE_LINE);

	cr_assert_eq(e.pfn, 0x119000);
	cr_assert_eq(e.alloc_order, 0);
	cr_assert_eq(e.fallback_order, 10);
	cr_assert_eq(e.pageblock_order, 9);
	cr_assert_eq(e.alloc_mt, 0);
	cr_assert_eq(e.fallback_mt, 1);
	cr_assert_eq(e.fragmenting, 0);
	cr_assert_eq(e.change_ownership, 1);
}

Test(extfrag, trace_cmd_fragmenting_is_recomputed)
{
	struct fs_extfrag_rec e = rec_of(REPORT_LINE);
	struct fs_extfrag_counts c;

	cr_assert_eq(e.fragmenting, 10);
	memset(&c, 0, sizeof(c));
	fs_extfrag_count(&c, &e, e.pageblock_order);
	cr_assert_eq(c.events, 1);
	cr_assert_eq(c.fragmenting, 0, "fallback_order 10 >= pageblock_order 9");
	cr_assert_eq(c.printed_fragmenting_wrong, 1);
	cr_assert_eq(c.change_ownership, 1);
	cr_assert_eq(c.by_type[0][1], 1);
	cr_assert_eq(c.by_fallback_order[10], 1);
}

Test(extfrag, parse_reference_and_constructed)
{
	struct fs_extfrag_rec e = rec_of(REF_LINE);

	cr_assert_eq(e.pfn, 0x16ac00);
	e = rec_of(OLD_LINE);
	cr_assert_eq(e.pfn, 429871, "3.10 prints the pfn in decimal");
	cr_assert_eq(e.fallback_order, 3);
	cr_assert_eq(e.fallback_mt, 2);
	e = rec_of(DASH_LINE);
	cr_assert_eq(e.pfn, 0x1a2b3c);
	cr_assert_eq(e.alloc_order, 1);
	e = rec_of(PERF_LINE);
	cr_assert_eq(e.alloc_mt, 2);
	cr_assert_eq(e.fallback_order, 4);
}

Test(extfrag, comm_with_dashes)
{
	struct fs_ftrace_rec r;
	struct fs_err err;

	cr_assert_eq(fs_ftrace_split(DASH_LINE, strlen(DASH_LINE), &r, &err), FS_FTRACE_RECORD);
	cr_assert(r.comm_len == 15 && !memcmp(r.comm, "systemd-journal", 15));
	cr_assert_eq(r.pid, 312);
}

Test(extfrag, malformed_fields)
{
	struct fs_extfrag_rec e;
	struct fs_err err = { "" };
	const char *f1 = "page=0 pfn=0x10 alloc_order=0 fallback_order=3";
	const char *f2 = "page=0 pfn=zz alloc_order=0 fallback_order=3 alloc_migratetype=0 "
			 "fallback_migratetype=1";
	const char *f3 = "page=0 pfn=1 alloc_order=0 fallback_order=16 alloc_migratetype=0 "
			 "fallback_migratetype=1";

	cr_assert_eq(fs_extfrag_parse_fields(f1, strlen(f1), &e, &err), -EINVAL);
	cr_assert(strstr(err.msg, "alloc_migratetype="), "%s", err.msg);
	cr_assert_eq(fs_extfrag_parse_fields(f2, strlen(f2), &e, &err), -EINVAL);
	cr_assert(strstr(err.msg, "pfn=NUMBER"), "%s", err.msg);
	cr_assert_eq(fs_extfrag_parse_fields(f3, strlen(f3), &e, &err), -EINVAL);
	cr_assert(strstr(err.msg, "fallback_order=N"), "%s", err.msg);
	/* a truncated line: the change_ownership= value is cut */
	f1 = "page=0 pfn=1 alloc_order=0 fallback_order=1 alloc_migratetype=0 "
	     "fallback_migratetype=1 fragmenting=1 change_ownership=";
	cr_assert_eq(fs_extfrag_parse_fields(f1, strlen(f1), &e, &err), -EINVAL);
}

Test(extfrag, numbering_from_version)
{
	enum fs_extfrag_numbering n;

	cr_assert_eq(fs_extfrag_numbering_for("3.10", &n), 0);
	cr_assert_eq(n, FS_EXTFRAG_MT_PRE_4_4);
	cr_assert_eq(fs_extfrag_numbering_for("3.10.0-1160.el7.x86_64", &n), 0);
	cr_assert_eq(n, FS_EXTFRAG_MT_PRE_4_4);
	cr_assert_eq(fs_extfrag_numbering_for("4.3.6", &n), 0);
	cr_assert_eq(n, FS_EXTFRAG_MT_PRE_4_4);
	cr_assert_eq(fs_extfrag_numbering_for("4.4", &n), 0);
	cr_assert_eq(n, FS_EXTFRAG_MT_4_4);
	cr_assert_eq(fs_extfrag_numbering_for("6.12.0-rc1", &n), 0);
	cr_assert_eq(n, FS_EXTFRAG_MT_4_4);
	cr_assert_eq(fs_extfrag_numbering_for("new", &n), -EINVAL);
	cr_assert_eq(fs_extfrag_numbering_for("4.x", &n), -EINVAL);
	cr_assert_str_eq(fs_extfrag_mt_name(FS_EXTFRAG_MT_4_4, 1), "movable");
	cr_assert_str_eq(fs_extfrag_mt_name(FS_EXTFRAG_MT_PRE_4_4, 1), "reclaimable");
	cr_assert_str_eq(fs_extfrag_mt_name(FS_EXTFRAG_MT_PRE_4_4, 3), "reserve");
	cr_assert_str_eq(fs_extfrag_mt_name(FS_EXTFRAG_MT_4_4, 3), "highatomic");
}

/* mmtests' counters (MonitorFtraceextfrag.pm): "for unmovable" and
 * "unmovable placed with movable" count every event, fragmenting or not.
 * Unmovable from printed type 2 is "placed with movable" only under the
 * pre-4.4 numbering, from printed type 1 only under 4.4+. */
Test(extfrag, mmtests_counters_both_numberings)
{
	const char *lines[] = { PIPE_LINE, OLD_LINE, DASH_LINE, PERF_LINE };
	struct fs_extfrag_counts c;
	struct fs_extfrag_mmtests m;

	memset(&c, 0, sizeof(c));
	for (unsigned i = 0; i < 4; i++) {
		struct fs_extfrag_rec e = rec_of(lines[i]);

		fs_extfrag_count(&c, &e, 9);
	}
	fs_extfrag_mmtests(&c, FS_EXTFRAG_MT_4_4, &m);
	cr_assert_eq(m.events, 4);
	cr_assert_eq(m.fragmenting, 3);
	cr_assert_eq(m.unmovable, 3);
	cr_assert_eq(m.unmovable_placed_with_movable, 2, "PIPE_LINE, DASH_LINE: fallback 1 = movable");
	cr_assert_eq(m.fragmenting_unmovable, 2);
	cr_assert_eq(m.fragmenting_unmovable_placed_with_movable, 1, "DASH_LINE");
	fs_extfrag_mmtests(&c, FS_EXTFRAG_MT_PRE_4_4, &m);
	cr_assert_eq(m.unmovable, 3);
	cr_assert_eq(m.unmovable_placed_with_movable, 1, "OLD_LINE: fallback 2 = movable");
	cr_assert_eq(m.fragmenting_unmovable_placed_with_movable, 1);
	cr_assert_eq(c.printed_fragmenting_wrong, 0);
}

static char *write_tmp(const char *text)
{
	char *path = malloc(64);
	int fd;

	snprintf(path, 64, "/tmp/fragsim-extfrag-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(extfrag, read_full_trace)
{
	const char *text =
		"# tracer: nop\n"
		"#\n"
		"      capture.sh-14093   [001] .....  1027.238302: mm_page_alloc: page=00000000393a26ae "
		"pfn=0x1b50d4 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP\n"
		PIPE_LINE "\n"
		DASH_LINE "\r\n"
		"            bash-1   [000] d..3.  1041.000000: mm_page_alloc_extfrag: page=0 pfn=0x1 "
		"alloc_order=0\n"
		"\n"
		"garbage\n";
	char *path = write_tmp(text);
	struct fs_extfrag_an a;
	struct fs_err err = { "" };
	enum fs_extfrag_numbering n;

	fs_extfrag_init(&a);
	a.warn = NULL;
	cr_assert_eq(fs_extfrag_read(&a, path, &err), 0, "%s", err.msg);
	cr_assert_eq(a.nr_inputs, 1);
	cr_assert_eq(a.inputs[0].lines, 8);
	cr_assert_eq(a.inputs[0].extfrag_lines, 2);
	cr_assert_eq(a.inputs[0].other_events, 1);
	cr_assert_eq(a.inputs[0].comments, 3);
	cr_assert_eq(a.inputs[0].malformed, 2);
	cr_assert_eq(a.c.events, 2);
	cr_assert_eq(a.c.fragmenting, 1);
	cr_assert_eq(fs_extfrag_detect_numbering(&a, &n), 1);
	cr_assert_eq(n, FS_EXTFRAG_MT_4_4, "GFP_HIGHUSER_MOVABLE with migratetype=1");
	cr_assert_eq(a.first_ns, 1027238302000ull);
	cr_assert_eq(a.last_ns, 1041000000000ull);
	fs_extfrag_release(&a);

	/* --strict: the first malformed line is fatal, with file:line */
	fs_extfrag_init(&a);
	a.warn = NULL;
	a.strict = true;
	cr_assert_eq(fs_extfrag_read(&a, path, &err), -EINVAL);
	cr_assert(strstr(err.msg, ":6: expected alloc_order= and fallback_order="), "%s", err.msg);
	fs_extfrag_release(&a);
	unlink(path);
	free(path);
}

Test(extfrag, numbering_detected_pre_4_4)
{
	const char *text =
		"            bash-1234  [001] d..1   123.456789: mm_page_alloc: page=ffffea0001a2b3c0 "
		"pfn=429871 order=0 migratetype=2 gfp_flags=GFP_HIGHUSER_MOVABLE\n"
		OLD_LINE "\n";
	char *path = write_tmp(text);
	struct fs_extfrag_an a;
	struct fs_err err = { "" };
	enum fs_extfrag_numbering n;

	fs_extfrag_init(&a);
	cr_assert_eq(fs_extfrag_read(&a, path, &err), 0, "%s", err.msg);
	cr_assert_eq(fs_extfrag_detect_numbering(&a, &n), 1);
	cr_assert_eq(n, FS_EXTFRAG_MT_PRE_4_4);
	fs_extfrag_release(&a);
	unlink(path);
	free(path);
}

/* The real capture, when ../shared is beside the repository. */
Test(extfrag, real_capture_trace_pipe)
{
	const char *p = "../shared/traces/build/trace_pipe.txt.zst";
	struct fs_extfrag_an a;
	struct fs_err err = { "" };

	if (access(p, R_OK))
		cr_skip_test("%s not readable", p);
	fs_extfrag_init(&a);
	cr_assert_eq(fs_extfrag_read(&a, p, &err), 0, "%s", err.msg);
	cr_assert_eq(a.c.events, 1);
	cr_assert_eq(a.c.fragmenting, 0);
	cr_assert_eq(a.c.change_ownership, 1);
	cr_assert_eq(a.c.by_type[0][1], 1);
	cr_assert_eq(a.inputs[0].malformed, 0);
	fs_extfrag_release(&a);
}

/* The canonical spelling (fast path) and the same fields spaced or ordered
 * otherwise (general parser) give the same record, for hex and decimal
 * pfns and every order and type; malformed canonical lines still fail. */
Test(extfrag, fast_and_general_field_parsers_agree)
{
	struct fs_err err;

	for (int i = 0; i < 2000; i++) {
		unsigned ao = i % 11, fo = (i / 11) % 11, am = i % 5, fm = (i / 5) % 5, co = i & 1;
		unsigned long long pfn = 0x1234567ull * (unsigned long long)i;
		char canon[256], other[256];
		struct fs_extfrag_rec a, b;

		if (i & 2)
			snprintf(canon, sizeof(canon), "page=%016llx pfn=0x%llx alloc_order=%u fallback_order=%u "
				 "pageblock_order=9 alloc_migratetype=%u fallback_migratetype=%u fragmenting=%d "
				 "change_ownership=%u", pfn * 64, pfn, ao, fo, am, fm, fo < 9, co);
		else
			snprintf(canon, sizeof(canon), "page=ffffea0000000000 pfn=%llu alloc_order=%u fallback_order=%u "
				 "pageblock_order=9 alloc_migratetype=%u fallback_migratetype=%u fragmenting=%d "
				 "change_ownership=%u", pfn, ao, fo, am, fm, fo < 9, co);
		snprintf(other, sizeof(other), "change_ownership=%u  fallback_migratetype=%u pfn=%llu page=(null) "
			 "alloc_order=%u\tfallback_order=%u pageblock_order=9 alloc_migratetype=%u fragmenting=%d",
			 co, fm, pfn, ao, fo, am, fo < 9);
		cr_assert_eq(fs_extfrag_parse_fields(canon, strlen(canon), &a, &err), 0, "%s: %s", canon, err.msg);
		cr_assert_eq(fs_extfrag_parse_fields(other, strlen(other), &b, &err), 0, "%s: %s", other, err.msg);
		cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "%s", canon);
		cr_assert_eq(a.pfn, pfn);
		cr_assert_eq(a.fallback_order, (int)fo);
		cr_assert_eq(a.change_ownership, (int)co);
	}
	{
		static const char *const bad[] = {
			"page=0 pfn=0xzz alloc_order=0 fallback_order=1 pageblock_order=9 alloc_migratetype=0 "
			"fallback_migratetype=1 fragmenting=1 change_ownership=0",
			"page=0 pfn=0x10 alloc_order=99 fallback_order=1 pageblock_order=9 alloc_migratetype=0 "
			"fallback_migratetype=1 fragmenting=1 change_ownership=0",
			"page=0 pfn=0x10 alloc_order=0 fallback_order=1 pageblock_order=9 alloc_migratetype=0 "
			"fallback_migratetype=1 fragmenting=1 change_ownership=2",
			"page=0 pfn=0x10 alloc_order=0 pageblock_order=9 alloc_migratetype=0 "
			"fallback_migratetype=1 fragmenting=1 change_ownership=0",
		};
		struct fs_extfrag_rec r;

		for (unsigned k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
			cr_assert_eq(fs_extfrag_parse_fields(bad[k], strlen(bad[k]), &r, &err), -EINVAL, "%s", bad[k]);
	}
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 1 << 16);

	cr_assert_not_null(fp);
	cr_assert_lt(fread(buf, 1, (1 << 16) - 1, fp), (size_t)(1 << 16) - 1);
	fclose(fp);
	return buf;
}

/* The timeline counted into intervals as it is read (stream_ns) gives the
 * CSV keeping every point gives, out-of-order lines included; a line
 * earlier than the first stops the stream with -EAGAIN. */
Test(extfrag, stream_timeline_matches_points)
{
	static const char *const fields = ": mm_page_alloc_extfrag: page=0 pfn=0x1 alloc_order=0 fallback_order=%d "
					  "pageblock_order=9 alloc_migratetype=%d fallback_migratetype=%d fragmenting=0 "
					  "change_ownership=%d\n";
	char *text = calloc(1, 1 << 16), *path, csv[2][64], *out[2];
	size_t len = 0;
	struct fs_extfrag_an a;
	struct fs_err err = { "" };

	for (int i = 0; i < 200; i++) {
		int t = 1000000 + (i * 7919) % 3000000 + (i > 100 ? 500000 : 0);   /* us, out of order */

		len += (size_t)sprintf(text + len, "   bash-1  [000] d..1. %d.%06d", 100 + t / 1000000, t % 1000000);
		len += (size_t)sprintf(text + len, fields, i % 11, i % 3, (i / 3) % 3, i & 1);
	}
	path = write_tmp(text);
	for (int mode = 0; mode < 2; mode++) {
		fs_extfrag_init(&a);
		a.warn = NULL;
		a.stream_ns = mode ? 100000000ull : 0;
		cr_assert_eq(fs_extfrag_read(&a, path, &err), 0, "%s", err.msg);
		cr_assert_eq(mode ? a.nr_pts : a.nr_bk, 0, "one form only");
		snprintf(csv[mode], sizeof(csv[mode]), "%s.%d.csv", path, mode);
		cr_assert_eq(fs_extfrag_write_csv(&a, FS_EXTFRAG_MT_4_4, 100000000ull, csv[mode], &err), 0, "%s", err.msg);
		out[mode] = slurp(csv[mode]);
		unlink(csv[mode]);
		fs_extfrag_release(&a);
	}
	cr_assert_str_eq(out[0], out[1]);
	/* a line earlier than the first */
	sprintf(text + len, "   bash-1  [000] d..1. 50.000000");
	sprintf(text + strlen(text), fields, 1, 0, 1, 0);
	unlink(path);
	free(path);
	path = write_tmp(text);
	fs_extfrag_init(&a);
	a.warn = NULL;
	a.stream_ns = 100000000ull;
	cr_assert_eq(fs_extfrag_read(&a, path, &err), -EAGAIN);
	fs_extfrag_release(&a);
	unlink(path);
	free(path);
	free(text);
	free(out[0]);
	free(out[1]);
}

/* --- a plain file read in parts on threads (fs_extfrag_an.threads) gives
 * what one reader gives: every counter, the intervals or points, the
 * numbering votes, the shown lines with their line numbers, the warnings,
 * the CSV and JSON, and the same error at the same line. */


/* A log of every kind of line: comments, blank and CRLF lines, lost
 * events, mm_page_alloc lines telling both numberings (over 256, so the
 * votes' quota ends inside some part), extfrag events of every type and
 * two pageblock orders, and malformed lines (more than are shown) every
 * few dozen lines, so that part boundaries fall next to them. The last
 * line has no '\n'. With `earlier`, a line earlier than the first comes
 * two thirds in (the streamed timeline must start again). */
static char *mixed_log(unsigned lines, bool earlier, size_t *len)
{
	char *t = malloc((size_t)lines * 260 + 64), *p = t;
	uint64_t x = 0x9e3779b97f4a7c15ull;

	p += sprintf(p, "# tracer: nop\n#\n");
	for (unsigned i = 0; i < lines; i++) {
		unsigned us = 1000 + i * 37, k;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		k = (unsigned)(x % 100);
		if (earlier && i == lines * 2 / 3)
			us = 10, k = 99;                   /* an event */
		if (i % 41 == 7)
			p += sprintf(p, "      bash-1  [000] d..1. 5.%06u: mm_page_alloc_extfrag: page=0 pfn=0x1 "
				     "alloc_order=%u\n", us, i);          /* cut: malformed */
		else if (i % 53 == 11)
			p += sprintf(p, "garbage line %u\n", i);           /* malformed */
		else if (i % 97 == 5)
			p += sprintf(p, "CPU:%u [LOST %u EVENTS]\n", i % 2, i);
		else if (i % 89 == 3)
			p += sprintf(p, "%s\n", i & 1 ? "" : "   \t ");
		else if (k < 30)
			p += sprintf(p, "   kworker/u8:1-%u  [001] d..1. 5.%06u: mm_page_alloc: page=0 pfn=0x%x order=0 "
				     "migratetype=%u gfp_flags=%s\n", i, us, i, 1 + (i / 400) % 2,
				     i % 3 ? "GFP_HIGHUSER_MOVABLE|__GFP_COMP" : "GFP_KERNEL");
		else if (k < 35)
			p += sprintf(p, "   cc1-%u  [001] d..1. 5.%06u: mm_page_free: page=0 pfn=0x%x order=0\r\n",
				     i, us, i);
		else
			p += sprintf(p, "   cc1-%u  [000] d..3. 5.%06u: mm_page_alloc_extfrag: page=0 pfn=0x%x "
				     "alloc_order=%u fallback_order=%u pageblock_order=%u alloc_migratetype=%u "
				     "fallback_migratetype=%u fragmenting=1 change_ownership=%u\n",
				     i, us, i, (unsigned)(x >> 8) % 4, (unsigned)(x >> 12) % 11, 9 + (k & 1),
				     (unsigned)(x >> 20) % 5, (unsigned)(x >> 24) % 5, (unsigned)(x >> 28) & 1);
	}
	if (p[-1] == '\n')
		p--;                                   /* no '\n' at the end */
	*len = (size_t)(p - t);
	return t;
}

struct read_result {
	int rc;
	char err[512], *csv, *json, *warn;
	struct fs_extfrag_an a;
};

static void read_with(const char *path, unsigned threads, uint64_t stream_ns, bool strict,
		      struct read_result *r)
{
	struct fs_err err = { "" };
	char out[80];
	size_t n;
	FILE *w;

	memset(r, 0, sizeof(*r));
	w = open_memstream(&r->warn, &n);
	fs_extfrag_init(&r->a);
	r->a.warn = w;
	r->a.threads = threads;
	r->a.chunk_min = 1;            /* parts of a few lines */
	r->a.stream_ns = stream_ns;
	r->a.strict = strict;
	r->rc = fs_extfrag_read(&r->a, path, &err);
	fs_extfrag_print_warnings(&r->a);
	fclose(w);
	/* with -EAGAIN err holds nothing meant to be shown */
	snprintf(r->err, sizeof(r->err), "%s", r->rc && r->rc != -EAGAIN ? err.msg : "");
	if (r->rc)
		return;
	snprintf(out, sizeof(out), "%s.csv", path);
	cr_assert_eq(fs_extfrag_write_csv(&r->a, FS_EXTFRAG_MT_4_4, 100000ull, out, &err), 0, "%s", err.msg);
	r->csv = slurp(out);
	unlink(out);
	snprintf(out, sizeof(out), "%s.json", path);
	cr_assert_eq(fs_extfrag_write_json(&r->a, FS_EXTFRAG_MT_4_4, "test", 100000ull, out, &err), 0,
		     "%s", err.msg);
	r->json = slurp(out);
	unlink(out);
}

static void result_free(struct read_result *r)
{
	fs_extfrag_release(&r->a);
	free(r->csv);
	free(r->json);
	free(r->warn);
}

static void same_results(const struct read_result *x, const struct read_result *y, const char *what)
{
	const struct fs_extfrag_an *a = &x->a, *b = &y->a;
	const struct fs_extfrag_input *i = &a->inputs[0], *j = &b->inputs[0];

	cr_assert_eq(x->rc, y->rc, "%s: rc %d, %d", what, x->rc, y->rc);
	cr_assert_str_eq(x->err, y->err, "%s", what);
	cr_assert_str_eq(x->warn, y->warn, "%s", what);
	cr_assert_eq(memcmp(&a->c, &b->c, sizeof(a->c)), 0, "%s: counts", what);
	cr_assert_eq(i->lines, j->lines, "%s: lines %lu, %lu", what, (unsigned long)i->lines,
		     (unsigned long)j->lines);
	cr_assert_eq(i->extfrag_lines, j->extfrag_lines, "%s", what);
	cr_assert_eq(i->other_events, j->other_events, "%s", what);
	cr_assert_eq(i->comments, j->comments, "%s", what);
	cr_assert_eq(i->malformed, j->malformed, "%s", what);
	cr_assert_eq(i->lost_lines, j->lost_lines, "%s", what);
	cr_assert_eq(i->movable_votes[0], j->movable_votes[0], "%s", what);
	cr_assert_eq(i->movable_votes[1], j->movable_votes[1], "%s", what);
	cr_assert_eq(i->nr_shown, j->nr_shown, "%s", what);
	for (unsigned k = 0; k < i->nr_shown; k++) {
		cr_assert_eq(i->shown[k].line, j->shown[k].line, "%s: shown %u", what, k);
		cr_assert_eq(i->shown[k].lost, j->shown[k].lost, "%s", what);
		if (!i->shown[k].lost)
			cr_assert_str_eq(i->shown[k].msg, j->shown[k].msg, "%s", what);
	}
	cr_assert_eq(i->complete, j->complete, "%s", what);
	cr_assert_eq(a->have_time, b->have_time, "%s", what);
	cr_assert_eq(a->first_ns, b->first_ns, "%s", what);
	cr_assert_eq(a->last_ns, b->last_ns, "%s", what);
	cr_assert_eq(a->pb_seen_min, b->pb_seen_min, "%s", what);
	cr_assert_eq(a->pb_seen_max, b->pb_seen_max, "%s", what);
	cr_assert_eq(a->nr_bk, b->nr_bk, "%s", what);
	cr_assert_eq(a->nr_bk ? memcmp(a->bk, b->bk, a->nr_bk * sizeof(*a->bk)) : 0, 0, "%s: intervals", what);
	cr_assert_eq(a->nr_pts, b->nr_pts, "%s", what);
	cr_assert_eq(a->pts_unsorted, b->pts_unsorted, "%s", what);
	cr_assert_eq(a->nr_pts ? memcmp(a->pts, b->pts, a->nr_pts * sizeof(*a->pts)) : 0, 0, "%s: points", what);
	if (x->rc)
		return;
	cr_assert_str_eq(x->csv, y->csv, "%s", what);
	cr_assert_str_eq(x->json, y->json, "%s", what);
}

Test(extfrag, threads_give_one_readers_results)
{
	static const unsigned nt[] = { 2, 3, 4, 5, 7, 8, 13, 64 };

	for (int earlier = 0; earlier < 2; earlier++) {
		size_t len;
		char *text = mixed_log(1500, earlier, &len), *path = tu_tmpfile(text, len), what[64];

		for (int mode = 0; mode < 3; mode++) {
			/* streamed intervals, points, --strict */
			uint64_t sns = mode == 1 ? 0 : 100000ull;
			struct read_result one, many;

			read_with(path, 1, sns, mode == 2, &one);
			if (mode == 0)
				cr_assert_eq(one.rc, earlier ? -EAGAIN : 0, "%s", one.err);
			if (mode == 1) {
				cr_assert_eq(one.rc, 0, "%s", one.err);
				cr_assert_gt(one.a.inputs[0].malformed, FS_EXTFRAG_SHOWN);
				cr_assert_gt(one.a.inputs[0].movable_votes[0], 0);
				cr_assert_gt(one.a.inputs[0].movable_votes[1], 0);
				cr_assert_eq(one.a.inputs[0].movable_votes[0] + one.a.inputs[0].movable_votes[1], 256);
				cr_assert_eq(one.a.pts_unsorted, earlier);
				cr_assert(strstr(one.warn, "[further ones only counted]"), "%s", one.warn);
			}
			if (mode == 2)
				cr_assert_eq(one.rc, -EINVAL);
			for (unsigned k = 0; k < sizeof(nt) / sizeof(nt[0]); k++) {
				snprintf(what, sizeof(what), "earlier %d mode %d threads %u", earlier, mode, nt[k]);
				read_with(path, nt[k], sns, mode == 2, &many);
				same_results(&one, &many, what);
				result_free(&many);
			}
			result_free(&one);
		}
		unlink(path);
		free(path);
		free(text);
	}
}

/* Binary data in a later part: the same error, at the same line, as one
 * reader finds it; a part that fails stops the parts after it. */
Test(extfrag, threads_binary_data_at_the_same_line)
{
	size_t len;
	char *text = mixed_log(800, false, &len), *path, *q;
	struct read_result one, many;

	q = text + len / 2;
	q = strchr(q, '\n') + 20;
	*q = 0;                                        /* a NUL inside a line */
	path = tu_tmpfile(text, len);
	read_with(path, 1, 100000ull, false, &one);
	cr_assert_eq(one.rc, -EINVAL);
	cr_assert(strstr(one.err, ": binary data in a text trace"), "%s", one.err);
	for (unsigned n = 2; n < 9; n++) {
		read_with(path, n, 100000ull, false, &many);
		same_results(&one, &many, "binary data");
		result_free(&many);
	}
	result_free(&one);
	unlink(path);
	free(path);
	free(text);
}

/* A line longer than a part (and than a part's 1 MiB buffer): the parts
 * that start inside it have no line of their own. */
Test(extfrag, threads_line_longer_than_a_part)
{
	size_t len, big = 3u << 20, n;
	char *head = mixed_log(300, false, &len), *text = malloc(2 * len + big + 4), *path;
	struct read_result one, many;

	memcpy(text, head, len);
	n = len;
	text[n++] = '\n';
	memset(text + n, 'x', big);                    /* malformed, no NUL */
	n += big;
	text[n++] = '\n';
	memcpy(text + n, head, len);
	n += len;
	path = tu_tmpfile(text, n);
	read_with(path, 1, 100000ull, false, &one);
	cr_assert_eq(one.rc, 0, "%s", one.err);
	for (unsigned k = 2; k < 20; k += 3) {
		read_with(path, k, 100000ull, false, &many);
		same_results(&one, &many, "a long line");
		result_free(&many);
	}
	result_free(&one);
	unlink(path);
	free(path);
	free(text);
	free(head);
}
