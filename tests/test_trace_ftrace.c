/* test_trace_ftrace.c - the kernel trace text reader (sim/trace_ftrace.c)
 * and the input layer under it (sim/input.c), pinned with real lines from
 * the 6.18 captures in ../shared/traces (trace_pipe and trace-cmd report of
 * the "build" capture), the reference's section 5 examples (6.x, the
 * constructed 3.10 line, trace-cmd and perf script), and constructed lines
 * for the layouts the captures do not show (tgid column, comm names with
 * spaces, failed allocations, lost events). */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "gfp.h"
#include "internal.h"

/* ---- helpers ------------------------------------------------------------ */

static struct fs_ftrace_rec split_ok(const char *line)
{
	struct fs_ftrace_rec r;
	struct fs_err err = { "" };
	int rc;

	memset(&r, 0, sizeof(r));
	rc = fs_ftrace_split(line, strlen(line), &r, &err);
	cr_assert_eq(rc, FS_FTRACE_RECORD, "split(\"%s\") = %d: %s", line, rc, err.msg);
	return r;
}

static void assert_str(const char *s, size_t len, const char *want, const char *what)
{
	cr_assert(len == strlen(want) && !memcmp(s, want, len), "%s is \"%.*s\", expected \"%s\"",
		  what, (int)len, s, want);
}

static void check_prefix(const char *line, const char *comm, uint32_t pid, uint32_t cpu,
			 uint64_t time_ns, const char *event)
{
	struct fs_ftrace_rec r = split_ok(line);

	assert_str(r.comm, r.comm_len, comm, "comm");
	cr_assert_eq(r.pid, pid, "pid %u, expected %u in: %s", r.pid, pid, line);
	cr_assert_eq(r.cpu, cpu, "cpu %u, expected %u in: %s", r.cpu, cpu, line);
	cr_assert_eq(r.time_ns, time_ns, "time %llu, expected %llu in: %s",
		     (unsigned long long)r.time_ns, (unsigned long long)time_ns, line);
	assert_str(r.name, r.name_len, event, "event name");
}

/* A reader state for calling fs_ftrace_parse directly. */
struct rd {
	struct fs_trace t;
	struct fs_keytab keys;
};

static void rd_init(struct rd *rd)
{
	memset(rd, 0, sizeof(*rd));
	fs_keytab_init(&rd->keys);
	rd->t.keys = &rd->keys;
	rd->t.max_order = 10;
	rd->t.path = "test";
	rd->t.format = FS_FMT_FTRACE;
}

static void rd_fini(struct rd *rd)
{
	free(rd->t.gfp_memo);
	fs_keytab_release(&rd->keys);
}

/* parse one line: the return code, the event in *ev, the message in *err */
static int parse(struct rd *rd, const char *line, struct fs_event *ev, struct fs_err *err)
{
	char buf[1024];
	size_t len = strlen(line);

	cr_assert_lt(len, sizeof(buf));
	memcpy(buf, line, len + 1);
	memset(ev, 0, sizeof(*ev));
	err->msg[0] = 0;
	return rd->t.parse ? rd->t.parse(&rd->t, buf, len, ev, err)
			   : fs_ftrace_parse(&rd->t, buf, len, ev, err);
}

static struct fs_event parse_event(struct rd *rd, const char *line)
{
	struct fs_event ev;
	struct fs_err err;
	int rc = parse(rd, line, &ev, &err);

	cr_assert_eq(rc, 1, "parse(\"%s\") = %d: %s", line, rc, err.msg);
	return ev;
}

static char *write_tmp(const void *data, size_t len, const char *suffix)
{
	char *path = malloc(64);
	int fd;

	snprintf(path, 64, "/tmp/fragsim-test-XXXXXX%s", suffix);
	fd = mkstemps(path, (int)strlen(suffix));
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

/* ---- real lines: trace_pipe of the 6.18 "build" capture ----------------- */

Test(ftrace_split, trace_pipe_6_18)
{
	check_prefix("      capture.sh-14093   [001] .....  1027.238302: mm_page_alloc: page=00000000393a26ae "
		     "pfn=0x1b50d4 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP",
		     "capture.sh", 14093, 1, 1027238302000ull, "mm_page_alloc");
	check_prefix("      capture.sh-14170   [000] ...2.  1027.239205: mm_page_free: page=000000001453b91e "
		     "pfn=0x15039d order=0", "capture.sh", 14170, 0, 1027239205000ull, "mm_page_free");
	check_prefix("      capture.sh-14170   [000] ...4.  1027.239209: mm_page_free_batched: "
		     "page=000000001453b91e pfn=0x15039d order=0",
		     "capture.sh", 14170, 0, 1027239209000ull, "mm_page_free_batched");
	check_prefix("            zstd-14170   [000] d..3.  1027.249487: mm_page_alloc_zone_locked: "
		     "page=00000000332755db pfn=0x16ffcd order=0 migratetype=1 percpu_refill=1",
		     "zstd", 14170, 0, 1027249487000ull, "mm_page_alloc_zone_locked");
	check_prefix("             cc1-14319   [000] dN.3.  1033.297553: mm_page_pcpu_drain: "
		     "page=000000002e4a20a1 pfn=0x17c913 order=0 migratetype=1",
		     "cc1", 14319, 0, 1033297553000ull, "mm_page_pcpu_drain");
	check_prefix("      capture.sh-14093   [001] ...1.  1027.250388: tracing_mark_write: "
		     "capture_capture_start name=build",
		     "capture.sh", 14093, 1, 1027250388000ull, "tracing_mark_write");
	check_prefix("      kcompactd0-36      [001] .....  1027.396054: mm_compaction_kcompactd_sleep: nid=0",
		     "kcompactd0", 36, 1, 1027396054000ull, "mm_compaction_kcompactd_sleep");
	check_prefix("            bash-14429   [000] d..3.  1039.212348: mm_page_alloc_extfrag: "
		     "page=0000000036607fe1 pfn=0x119000 alloc_order=0 fallback_order=10 pageblock_order=9 "
		     "alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1",
		     "bash", 14429, 0, 1039212348000ull, "mm_page_alloc_extfrag");
	/* the reference's section 5.2 and 4.8 lines (6.18) */
	check_prefix("       migration/0-18      [000] ..s2.   693.211408: mm_page_free: "
		     "page=00000000e5c8b72c pfn=0x106932 order=0",
		     "migration/0", 18, 0, 693211408000ull, "mm_page_free");
	check_prefix("            bash-10533   [000] .....   709.143657: mm_compaction_end: zone_start=0x1 "
		     "migrate_pfn=0xe00 free_pfn=0xe00 zone_end=0x1000, mode=sync status=complete",
		     "bash", 10533, 0, 709143657000ull, "mm_compaction_end");
}

/* ---- real lines: trace-cmd report (3.1.6) of the same capture ---------- */

Test(ftrace_split, trace_cmd_report)
{
	struct fs_ftrace_rec r;

	check_prefix("capture_tcmd:        trace-cmd-14147 [001]  1026.078376: mm_page_alloc:        "
		     "page=0x12e4a3 pfn=0x12e4a3 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP",
		     "trace-cmd", 14147, 1, 1026078376000ull, "mm_page_alloc");
	check_prefix("capture_tcmd:           <idle>-0     [000]  1026.080085: mm_page_free:         "
		     "page=0x1188ee pfn=0x1188ee order=0", "<idle>", 0, 0, 1026080085000ull, "mm_page_free");
	check_prefix("capture_tcmd:      kworker/1:0-6170  [001]  1026.096155: mm_page_free:         "
		     "page=0x1a6372 pfn=0x1a6372 order=0", "kworker/1:0", 6170, 1, 1026096155000ull,
		     "mm_page_free");
	r = split_ok("capture_tcmd:       capture.sh-14093 [001]  1027.250387: print:                "
		     "tracing_mark_write: capture_capture_start name=build");
	assert_str(r.name, r.name_len, "print", "event");
	assert_str(r.fields, r.fields_len, "tracing_mark_write: capture_capture_start name=build", "fields");
	/* the reference's section 5.4 line, recorded in instance "refdoc5" */
	check_prefix("refdoc5:             bash-10637 [000]   720.316091: mm_page_alloc:        page=0x12a3fa "
		     "pfn=0x12a3fa order=1 migratetype=0 gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP",
		     "bash", 10637, 0, 720316091000ull, "mm_page_alloc");
	/* without an instance prefix, and with ns timestamps (report -t) */
	check_prefix("            bash-10637 [000]   720.316091123: mm_page_free:         page=0x12a3fa "
		     "pfn=0x12a3fa order=1", "bash", 10637, 0, 720316091123ull, "mm_page_free");
}

Test(ftrace_split, headers)
{
	struct fs_ftrace_rec r;

	cr_assert_eq(fs_ftrace_split("cpus=2", 6, &r, NULL), FS_FTRACE_HEADER);
	cr_assert_eq(fs_ftrace_split("version = 6", 11, &r, NULL), FS_FTRACE_HEADER);
}

/* ---- perf script (reference 5.4, perf 6.1.192) ----------------------------- */

Test(ftrace_split, perf_script)
{
	struct fs_ftrace_rec r;

	check_prefix("            perf 10734 [001]   732.858669: kmem:mm_page_alloc: page=0x13446a pfn=0x13446a "
		     "order=0 migratetype=2 gfp_flags=GFP_KERNEL|__GFP_RECLAIMABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP",
		     "perf", 10734, 1, 732858669000ull, "mm_page_alloc");
	/* -F with tid: PID/TID, the pid first */
	r = split_ok("            perf 10734/10736 [001]   732.858669: kmem:mm_page_free: page=0x13446a "
		     "pfn=0x13446a order=0");
	cr_assert_eq(r.pid, 10734);
	assert_str(r.comm, r.comm_len, "perf", "comm");
	assert_str(r.name, r.name_len, "mm_page_free", "event");
	/* a task name with a space */
	r = split_ok("     Web Content  4242 [000]   732.858700: kmem:mm_page_free: page=0x1 pfn=0x1 order=0");
	assert_str(r.comm, r.comm_len, "Web Content", "comm");
	cr_assert_eq(r.pid, 4242);
}

/* ---- layouts: 3.10, tgid, no flags, awkward task names ------------------ */

Test(ftrace_split, kernel_3_10_four_flags)
{
	/* reference 5.3: constructed from the 3.10 format strings */
	check_prefix("            bash-1234  [001] d..1   123.456789: mm_page_alloc: page=ffffea0001a2b3c0 "
		     "pfn=429871 order=0 migratetype=2 gfp_flags=GFP_HIGHUSER_MOVABLE",
		     "bash", 1234, 1, 123456789000ull, "mm_page_alloc");
}

Test(ftrace_split, tgid_column)
{
	/* options/record-tgid: "(%7d) " or "(-------) " (trace_print_context) */
	check_prefix("            bash-10397   (  10397) [000] .....   693.209698: mm_page_alloc: "
		     "page=00000000b7460713 pfn=0x1095fe order=1 migratetype=0 gfp_flags=GFP_KERNEL",
		     "bash", 10397, 0, 693209698000ull, "mm_page_alloc");
	check_prefix("     kworker/0:1-12      (-------) [000] .....   693.209700: mm_page_free: "
		     "page=00000000b7460713 pfn=0x1095fe order=1",
		     "kworker/0:1", 12, 0, 693209700000ull, "mm_page_free");
}

Test(ftrace_split, no_flags_column)
{
	/* options/irq-info off */
	check_prefix("            bash-10397   [000]   693.209698: mm_page_free: page=00000000b7460713 "
		     "pfn=0x1095fe order=1", "bash", 10397, 0, 693209698000ull, "mm_page_free");
}

Test(ftrace_split, task_names)
{
	/* the pid is the digits after the LAST dash before [cpu] */
	check_prefix("    kworker/u8:1-77      [001] d..2.   100.000001: mm_page_free: page=0000000000000001 "
		     "pfn=0x1000 order=0", "kworker/u8:1", 77, 1, 100000001000ull, "mm_page_free");
	check_prefix(" memfd:sealed-91-777     [001] .....   100.000002: mm_page_free: page=0000000000000001 "
		     "pfn=0x1000 order=0", "memfd:sealed-91", 777, 1, 100000002000ull, "mm_page_free");
	check_prefix("     Web Content-3305    [000] .....   100.000003: mm_page_free: page=0000000000000001 "
		     "pfn=0x1000 order=0", "Web Content", 3305, 0, 100000003000ull, "mm_page_free");
	check_prefix("  Isolated Web Co-3390    [001] .....   100.000004: mm_page_free: page=0000000000000001 "
		     "pfn=0x1000 order=0", "Isolated Web Co", 3390, 1, 100000004000ull, "mm_page_free");
	check_prefix("           <...>-14170   [000] ...2.   100.000005: mm_page_free: page=0000000000000001 "
		     "pfn=0x1000 order=0", "<...>", 14170, 0, 100000005000ull, "mm_page_free");
	check_prefix("          <idle>-0       [001] d.s3.   100.000006: mm_page_free: page=0000000000000001 "
		     "pfn=0x1000 order=0", "<idle>", 0, 1, 100000006000ull, "mm_page_free");
	/* a task name holding what looks like a cpu field */
	check_prefix("      a [7]b-c-5         [003] .....   100.000007: mm_page_free: page=0000000000000001 "
		     "pfn=0x1000 order=0", "a [7]b-c", 5, 3, 100000007000ull, "mm_page_free");
}

Test(ftrace_split, lost_events)
{
	struct fs_ftrace_rec r;
	const char *l;

	/* kernel/trace/trace.c:print_trace_line */
	l = "CPU:1 [LOST 123 EVENTS]";
	cr_assert_eq(fs_ftrace_split(l, strlen(l), &r, NULL), FS_FTRACE_LOST);
	cr_assert_eq(r.lost, 123);
	l = "CPU:0 [LOST EVENTS]";
	cr_assert_eq(fs_ftrace_split(l, strlen(l), &r, NULL), FS_FTRACE_LOST);
	cr_assert_eq(r.lost, 0);
	/* trace-cmd report */
	l = "CPU:7 [204600 EVENTS DROPPED]";
	cr_assert_eq(fs_ftrace_split(l, strlen(l), &r, NULL), FS_FTRACE_LOST);
	cr_assert_eq(r.lost, 204600);
	l = "CPU:3 [EVENTS DROPPED]";
	cr_assert_eq(fs_ftrace_split(l, strlen(l), &r, NULL), FS_FTRACE_LOST);
}

Test(ftrace_split, malformed)
{
	static const char *const bad[] = {
		"",
		"hello world",
		"            bash-1234   [001] .....",                       /* cut after flags */
		"            bash-1234   [001] .....  12.5",                 /* no colon after time */
		"            bash-1234   [001] .....  12x.5: mm_page_free: pfn=0x1 order=0",
		"            bash-1234   [001] .....  1027.238302:",          /* no event */
		"            bash        [001] .....  1027.238302: mm_page_free: pfn=0x1 order=0",
		"                -1234   [001] .....  1027.238302: mm_page_free: pfn=0x1 order=0",
		"            bash-1234   [0x1] .....  1027.238302: mm_page_free: pfn=0x1 order=0",
		"            bash-1234   [001] toolongflags  1027.238302: mm_page_free: pfn=0x1 order=0",
	};
	struct fs_ftrace_rec r;
	struct fs_err err;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = 0;
		cr_assert_lt(fs_ftrace_split(bad[i], strlen(bad[i]), &r, &err), 0, "accepted: \"%s\"", bad[i]);
		cr_assert(strstr(err.msg, "expected"), "message for \"%s\" is \"%s\"", bad[i], err.msg);
	}
}

/* ---- events -------------------------------------------------------------- */

Test(ftrace_parse, alloc_and_free_6_18)
{
	struct rd rd;
	struct fs_event ev;

	rd_init(&rd);
	ev = parse_event(&rd, "      capture.sh-14093   [001] .....  1027.238562: mm_page_alloc: "
			 "page=000000009d1f1855 pfn=0x199eb6 order=1 migratetype=0 "
			 "gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP");
	cr_assert_eq(ev.kind, FS_EV_ALLOC);
	cr_assert_eq(ev.ident, 0x199eb6);
	cr_assert_eq(ev.order, 1);
	cr_assert_eq(ev.mt, 0);
	cr_assert_eq(ev.flags, FS_EVF_HAS_MT | FS_EVF_HAS_GFP);
	cr_assert_eq(ev.gfp, FS_GFP_DIRECT_RECLAIM | FS_GFP_KSWAPD_RECLAIM | FS_GFP_IO | FS_GFP_FS |
				     FS_GFP_ACCOUNT | FS_GFP_ZERO | FS_GFP_COMP);
	cr_assert_eq(ev.cpu, 1);
	cr_assert_eq(ev.time_ns, 1027238562000ull);
	cr_assert_str_eq(fs_keytab_name(&rd.keys, ev.key), "capture.sh");

	ev = parse_event(&rd, "            zstd-14170   [000] .....  1027.249483: mm_page_alloc: "
			 "page=00000000be893f54 pfn=0x16f2fd order=0 migratetype=1 gfp_flags=GFP_NOFS|"
			 "__GFP_HIGHMEM|__GFP_MOVABLE|__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP|__GFP_HARDWALL");
	cr_assert_eq(ev.ident, 0x16f2fd);
	cr_assert_eq(ev.mt, FS_MT_MOVABLE);
	cr_assert_eq(ev.gfp, FS_GFP_DIRECT_RECLAIM | FS_GFP_KSWAPD_RECLAIM | FS_GFP_IO | FS_GFP_HIGHMEM |
				     FS_GFP_MOVABLE | FS_GFP_NOWARN | FS_GFP_NORETRY | FS_GFP_COMP |
				     FS_GFP_HARDWALL);
	cr_assert_eq(rd.t.st.gfp_unknown, 0);
	cr_assert_str_eq(fs_keytab_name(&rd.keys, ev.key), "zstd");

	ev = parse_event(&rd, "      capture.sh-14170   [000] ...2.  1027.239205: mm_page_free: "
			 "page=000000001453b91e pfn=0x15039d order=0");
	cr_assert_eq(ev.kind, FS_EV_FREE);
	cr_assert_eq(ev.ident, 0x15039d);
	cr_assert_eq(ev.order, 0);
	cr_assert_eq(ev.cpu, 0);
	cr_assert_eq(ev.key, 0);
	cr_assert_eq(rd.t.st.kev[FS_KEV_alloc], 2);
	cr_assert_eq(rd.t.st.kev[FS_KEV_free], 1);
	rd_fini(&rd);
}

Test(ftrace_parse, decimal_pfn_3_10)
{
	struct rd rd;
	struct fs_event ev;

	rd_init(&rd);
	ev = parse_event(&rd, "            bash-1234  [001] d..1   123.456789: mm_page_alloc: "
			 "page=ffffea0001a2b3c0 pfn=429871 order=0 migratetype=2 gfp_flags=GFP_HIGHUSER_MOVABLE");
	cr_assert_eq(ev.ident, 429871);
	/* the raw number: pre-4.4 MOVABLE=2 is remapped in a later increment */
	cr_assert_eq(ev.mt, 2);
	cr_assert_eq(ev.flags & FS_EVF_FAILED, 0);
	ev = parse_event(&rd, "            bash-1234  [001] d..1   123.456790: mm_page_free: "
			 "page=ffffea0001a2b3c0 pfn=429871 order=0");
	cr_assert_eq(ev.kind, FS_EV_FREE);
	cr_assert_eq(ev.ident, 429871);
	rd_fini(&rd);
}

Test(ftrace_parse, trace_cmd_and_perf_events)
{
	struct rd rd;
	struct fs_event ev;

	rd_init(&rd);
	ev = parse_event(&rd, "refdoc5:             bash-10637 [000]   720.316091: mm_page_alloc:        "
			 "page=0x12a3fa pfn=0x12a3fa order=1 migratetype=0 "
			 "gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP");
	cr_assert_eq(ev.ident, 0x12a3fa);
	cr_assert_eq(ev.order, 1);
	cr_assert_str_eq(fs_keytab_name(&rd.keys, ev.key), "bash");
	ev = parse_event(&rd, "            perf 10734 [001]   732.858669: kmem:mm_page_alloc: page=0x13446a "
			 "pfn=0x13446a order=0 migratetype=2 gfp_flags=GFP_KERNEL|__GFP_RECLAIMABLE|"
			 "__GFP_NOWARN|__GFP_NORETRY|__GFP_COMP");
	cr_assert_eq(ev.ident, 0x13446a);
	cr_assert_eq(ev.mt, FS_MT_RECLAIMABLE);
	cr_assert_eq(ev.cpu, 1);
	cr_assert_str_eq(fs_keytab_name(&rd.keys, ev.key), "perf");
	rd_fini(&rd);
}

Test(ftrace_parse, failed_allocations)
{
	static const char *const failed[] = {
		/* trace_pipe 6.x: NULL page hashed as zeros, pfn 0 */
		"        python3-10468   [000] .....   703.123252: mm_page_alloc: page=0000000000000000 pfn=0x0 "
		"order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE",
		/* trace-cmd report */
		"capture_tcmd:          python3-10468 [000]   703.123252: mm_page_alloc:        page=(nil) "
		"pfn=0x0 order=9 migratetype=1 gfp_flags=GFP_TRANSHUGE",
		/* 3.10: "(null)" padded to 16, decimal pfn 0 */
		"            bash-1234  [001] d..1   123.456789: mm_page_alloc: page=          (null) pfn=0 "
		"order=3 migratetype=0 gfp_flags=GFP_KERNEL",
	};
	struct rd rd;

	rd_init(&rd);
	for (unsigned i = 0; i < 3; i++) {
		struct fs_event ev = parse_event(&rd, failed[i]);

		cr_assert_eq(ev.kind, FS_EV_ALLOC);
		cr_assert(ev.flags & FS_EVF_FAILED, "not failed: %s", failed[i]);
	}
	cr_assert_eq(rd.t.st.failed_allocs, 3);
	cr_assert_eq(rd.t.st.kev[FS_KEV_alloc], 3);
	rd_fini(&rd);
}

/* --key-by: an allocation's key from comm, pid and the gfp text */
Test(ftrace_parse, key_by_parts)
{
	static const char *line = "      capture.sh-14093   [001] .....  1027.238562: mm_page_alloc: "
				  "page=000000009d1f1855 pfn=0x199eb6 order=1 migratetype=0 "
				  "gfp_flags=GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP";
	static const struct {
		const char *by, *key;
	} cases[] = {
		{ "comm", "capture.sh" },
		{ "pid", "14093" },
		{ "comm+pid", "capture.sh/14093" },
		{ "gfp", "GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP" },
		{ "pid+gfp+comm", "capture.sh/14093/GFP_KERNEL_ACCOUNT|__GFP_ZERO|__GFP_COMP" },
	};
	unsigned by;

	cr_assert_lt(fs_key_by_parse("comm+tid", &by), 0);
	cr_assert_lt(fs_key_by_parse("", &by), 0);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rd rd;
		struct fs_event ev;

		rd_init(&rd);
		cr_assert_eq(fs_key_by_parse(cases[i].by, &rd.t.key_by), 0);
		ev = parse_event(&rd, line);
		cr_assert_str_eq(fs_keytab_name(&rd.keys, ev.key), cases[i].key, "--key-by %s", cases[i].by);
		rd_fini(&rd);
	}
}

/* The kernel's compaction and migration become FS_EV_KERNEL events with
 * the numbers fragsim counts per timestep. */
Test(ftrace_parse, kernel_compaction_events)
{
	static const struct {
		const char *line;
		unsigned kact;
		uint64_t value;
	} lines[] = {
		{ "            bash-10533   [000] .....   709.143642: mm_compaction_begin: zone_start=0x1 "
		  "migrate_pfn=0x1 free_pfn=0xe00 zone_end=0x1000, mode=sync", FS_KACT_COMPACT_BEGIN, 0 },
		{ "            bash-10533   [000] .....   709.143649: mm_compaction_isolate_migratepages: "
		  "range=(0x1 ~ 0x200) nr_scanned=511 nr_taken=3", FS_KACT_ISOLATE_MIGRATE, 511 | 3ull << 32 },
		{ "            bash-10533   [000] .....   709.146016: mm_compaction_fast_isolate_freepages: "
		  "range=(0x1b7e00 ~ 0x1b7e30) nr_scanned=48 nr_taken=16", FS_KACT_ISOLATE_FREE, 48 | 16ull << 32 },
		{ "            bash-10533   [000] .....   709.146033: mm_compaction_migratepages: nr_migrated=2 "
		  "nr_failed=0", FS_KACT_MIGRATED, 2 },
		{ "            bash-10533   [000] .....   709.146040: mm_migrate_pages: nr_succeeded=2 "
		  "nr_failed=0 nr_thp_succeeded=0 nr_thp_failed=0 nr_thp_split=0 mode=MIGRATE_SYNC "
		  "reason=compaction", FS_KACT_MIGRATE_PAGES, 2 },
		{ "      kcompactd0-36      [001] .....  1027.396054: mm_compaction_kcompactd_wake: nid=0 "
		  "order=9 highest_zoneidx=Normal", FS_KACT_KCOMPACTD_WAKE, 0 },
	};
	struct rd rd;
	struct fs_event ev;
	struct fs_err err;

	rd_init(&rd);
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		cr_assert_eq(parse(&rd, lines[i].line, &ev, &err), 1, "not an event: %s", lines[i].line);
		cr_assert_eq(ev.kind, FS_EV_KERNEL);
		cr_assert_eq(ev.order, lines[i].kact, "%s", lines[i].line);
		cr_assert_eq(ev.ident, lines[i].value, "%s: %#llx", lines[i].line,
			     (unsigned long long)ev.ident);
	}
	rd_fini(&rd);
}

Test(ftrace_parse, skipped_kinds_counted)
{
	static const struct {
		const char *line;
		enum fs_kernel_event k;
	} lines[] = {
		{ "      capture.sh-14170   [000] ...4.  1027.239209: mm_page_free_batched: "
		  "page=000000001453b91e pfn=0x15039d order=0", FS_KEV_free_batched },
		{ "            zstd-14170   [000] d..3.  1027.249487: mm_page_alloc_zone_locked: "
		  "page=00000000332755db pfn=0x16ffcd order=0 migratetype=1 percpu_refill=1", FS_KEV_zone_locked },
		{ "             cc1-14319   [000] dN.3.  1033.297553: mm_page_pcpu_drain: "
		  "page=000000002e4a20a1 pfn=0x17c913 order=0 migratetype=1", FS_KEV_pcpu_drain },
		{ "            bash-14429   [000] d..3.  1039.212348: mm_page_alloc_extfrag: "
		  "page=0000000036607fe1 pfn=0x119000 alloc_order=0 fallback_order=10 pageblock_order=9 "
		  "alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1", FS_KEV_extfrag },
		{ "      kcompactd0-36      [001] .....  1027.396054: mm_compaction_kcompactd_sleep: nid=0",
		  FS_KEV_compaction },
		{ "            bash-10533   [000] .....   709.143644: mm_compaction_finished: node=0 "
		  "zone=DMA      order=-1 ret=continue", FS_KEV_compaction },
		{ "      capture.sh-14093   [001] ...1.  1027.250388: tracing_mark_write: capture_capture_start "
		  "name=build", FS_KEV_markers },
		{ "capture_tcmd:       capture.sh-14093 [001]  1027.250387: print:                "
		  "tracing_mark_write: capture_capture_start name=build", FS_KEV_markers },
		{ "            bash-10533   [000] .....   709.146050: sched_switch: prev_comm=bash", FS_KEV_other },
		{ "            bash-10533   [000] .....   709.146051: do_sys_open <-__x64_sys_openat", FS_KEV_other },
		{ "CPU:1 [LOST 123 EVENTS]", FS_KEV_lost },
	};
	struct rd rd;
	struct fs_event ev;
	struct fs_err err;

	rd_init(&rd);
	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		uint64_t before = rd.t.st.kev[lines[i].k];

		cr_assert_eq(parse(&rd, lines[i].line, &ev, &err), 2, "not skipped: %s (%s)",
			     lines[i].line, err.msg);
		cr_assert_eq(rd.t.st.kev[lines[i].k], before + 1, "not counted as %s: %s",
			     fs_kernel_event_keys[lines[i].k], lines[i].line);
	}
	cr_assert_eq(rd.t.st.lost_events, 123);
	cr_assert_eq(rd.t.st.kev[FS_KEV_alloc] + rd.t.st.kev[FS_KEV_free], 0);
	rd_fini(&rd);
}

Test(ftrace_parse, malformed_events)
{
	static const char *const bad[] = {
		/* cut mid-field, as when a capture is stopped */
		"            bash-14429   [000] .....  1039.212348: mm_page_alloc: page=00000000366",
		"            bash-14429   [000] .....  1039.212348: mm_page_alloc: page=0000000036607fe1 pfn=0x1190",
		"            bash-14429   [000] .....  1039.212348: mm_page_free: page=0000000036607fe1 pfn=0x11g0 order=0",
		"            bash-14429   [000] .....  1039.212348: mm_page_free: page=0000000036607fe1 pfn=0x1190 order=11",
		"            bash-14429   [000] .....  1039.212348: mm_page_free: page=0000000036607fe1 pfn=0x1190 order=-1",
		"            bash-14429   [000] .....  1039.212348: mm_page_alloc: page=0000000036607fe1 pfn=0x1190 "
		"order=0 migratetype=9 gfp_flags=GFP_KERNEL",
		"            bash-14429   [000] .....  1039.212348: mm_page_free:",
	};
	struct rd rd;
	struct fs_event ev;
	struct fs_err err;

	rd_init(&rd);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_lt(parse(&rd, bad[i], &ev, &err), 0, "accepted: %s", bad[i]);
		cr_assert(strstr(err.msg, "expected"), "message \"%s\" for %s", err.msg, bad[i]);
	}
	cr_assert(strstr(err.msg, "pfn="), "%s", err.msg);
	/* nothing counted as an event kind */
	for (unsigned k = 0; k < FS_KEV_NR; k++)
		cr_assert_eq(rd.t.st.kev[k], 0);
	rd_fini(&rd);
}

/* ---- whole files through fs_trace (trace.c + input.c) ---------------------- */

static const char real_lines[] =
	/* the first lines of the build capture's trace_pipe window for tiny.trace */
	"              as-14412   [001] .....  1038.266272: mm_page_alloc: page=000000009c0030e8 pfn=0x1934c7 "
	"order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP\n"
	"              as-14412   [001] .....  1038.266285: mm_page_alloc: page=000000004a8ee161 pfn=0x1b536c "
	"order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP\n"
	"            zstd-14170   [000] d..3.  1038.266290: mm_page_alloc_zone_locked: page=00000000332755db "
	"pfn=0x16ffcd order=0 migratetype=1 percpu_refill=1\n"
	"             cat-14415   [000] .....  1038.266384: mm_page_free: page=00000000ad0b2b80 pfn=0x11899b "
	"order=0\n";

struct counts {
	uint64_t events, lines;
};

static int read_all(const char *path, enum fs_trace_format fmt, bool strict, struct fs_trace *t,
		    struct counts *c, struct fs_err *err)
{
	struct fs_event ev;
	int rc;

	memset(c, 0, sizeof(*c));
	rc = fs_trace_open(t, path, fmt, err);
	if (rc)
		return rc;
	t->warn = NULL;
	t->strict = strict;
	t->max_order = 10;
	while ((rc = fs_trace_next(t, &ev, err)) > 0)
		c->events++;
	c->lines = t->st.lines;
	return rc;
}

static void check_accounting(const struct fs_trace *t)
{
	uint64_t kinds = 0;

	for (unsigned k = 0; k < FS_KEV_NR; k++)
		kinds += t->st.kev[k];
	/* every line is an event, a skipped kind, a comment or malformed */
	cr_assert_eq(t->st.lines, t->st.events + t->st.skipped + t->st.comments + t->st.malformed);
	cr_assert_eq(kinds, t->st.events + t->st.skipped);
}

Test(ftrace_file, auto_detect_crlf_and_header)
{
	/* the kernel's `trace` header, CRLF line ends, no final newline */
	const char text[] =
		"# tracer: nop\r\n"
		"#\r\n"
		"#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION\r\n"
		"#              | |         |   |||||     |         |\r\n"
		"              as-14412   [001] .....  1038.266272: mm_page_alloc: page=000000009c0030e8 "
		"pfn=0x1934c7 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP\r\n"
		"\r\n"
		"              as-14412   [001] .....  1038.266384: mm_page_free: page=000000009c0030e8 "
		"pfn=0x1934c7 order=0";
	char *path = write_tmp(text, sizeof(text) - 1, ".txt");
	struct fs_trace t;
	struct counts c;
	struct fs_err err;

	cr_assert_eq(read_all(path, FS_FMT_AUTO, false, &t, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(t.format, FS_FMT_FTRACE);
	cr_assert_eq(c.events, 2);
	cr_assert_eq(t.st.comments, 5);
	cr_assert_eq(t.st.malformed, 0);
	cr_assert_eq(t.st.lines, 7);
	check_accounting(&t);
	fs_trace_close(&t);
	unlink(path);
	free(path);
}

Test(ftrace_file, malformed_lenient_and_strict)
{
	const char text[] =
		"              as-14412   [001] .....  1038.266272: mm_page_alloc: page=000000009c0030e8 "
		"pfn=0x1934c7 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_COMP\n"
		"              as-14412   [001] .....  1038.266285: mm_page_alloc: page=00000000\n"
		"garbage\n"
		"CPU:0 [LOST 7 EVENTS]\n"
		"              as-14412   [001] .....  1038.266384: mm_page_free: page=000000009c0030e8 "
		"pfn=0x1934c7 order=0\n";
	char *path = write_tmp(text, sizeof(text) - 1, ".txt");
	struct fs_trace t;
	struct counts c;
	struct fs_err err;

	cr_assert_eq(read_all(path, FS_FMT_FTRACE, false, &t, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c.events, 2);
	cr_assert_eq(t.st.malformed, 2);
	cr_assert_eq(t.st.kev[FS_KEV_lost], 1);
	cr_assert_eq(t.st.lost_events, 7);
	check_accounting(&t);
	fs_trace_close(&t);

	cr_assert_lt(read_all(path, FS_FMT_FTRACE, true, &t, &c, &err), 0);
	cr_assert(strstr(err.msg, ":2: expected pfn="), "%s", err.msg);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
	fs_trace_close(&t);
	unlink(path);
	free(path);
}

Test(ftrace_file, native_still_strict)
{
	const char text[] = "0.0 A 0x10 0\n0.1 X 0x20 1\n";
	char *path = write_tmp(text, sizeof(text) - 1, ".trace");
	struct fs_trace t;
	struct counts c;
	struct fs_err err;

	cr_assert_lt(read_all(path, FS_FMT_AUTO, false, &t, &c, &err), 0);
	cr_assert_eq(t.format, FS_FMT_NATIVE);
	cr_assert(strstr(err.msg, ":2: expected OP"), "%s", err.msg);
	fs_trace_close(&t);
	unlink(path);
	free(path);
}

/* ---- compressed input -------------------------------------------------------- */

/* with a content checksum, so any corruption is detected */
static void *zstd_of(const char *text, size_t len, size_t *out_len)
{
	size_t cap = ZSTD_compressBound(len);
	void *buf = malloc(cap);
	ZSTD_CCtx *cc = ZSTD_createCCtx();

	ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
	*out_len = ZSTD_compress2(cc, buf, cap, text, len);
	cr_assert(!ZSTD_isError(*out_len));
	ZSTD_freeCCtx(cc);
	return buf;
}

static char *gzip_file(const char *text, size_t len)
{
	char *path = write_tmp("", 0, ".gz");
	gzFile gz = gzopen(path, "wb9");

	cr_assert(gz);
	cr_assert_eq(gzwrite(gz, text, (unsigned)len), (int)len);
	cr_assert_eq(gzclose(gz), Z_OK);
	return path;
}

static void same_as_plain(const char *path)
{
	struct fs_trace t;
	struct counts c;
	struct fs_err err;

	cr_assert_eq(read_all(path, FS_FMT_AUTO, true, &t, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c.events, 3);
	cr_assert_eq(t.st.lines, 4);
	cr_assert_eq(t.st.kev[FS_KEV_zone_locked], 1);
	cr_assert_eq(t.format, FS_FMT_FTRACE);
	fs_trace_close(&t);
}

Test(input, zstd_and_gzip_read_like_plain)
{
	size_t zlen;
	void *z = zstd_of(real_lines, sizeof(real_lines) - 1, &zlen);
	/* the name says nothing: the magic bytes decide */
	char *zpath = write_tmp(z, zlen, ".txt");
	char *gpath = gzip_file(real_lines, sizeof(real_lines) - 1);
	char *ppath = write_tmp(real_lines, sizeof(real_lines) - 1, ".zst");
	struct fs_input in;
	struct fs_err err;

	same_as_plain(ppath);
	same_as_plain(zpath);
	same_as_plain(gpath);
	cr_assert_eq(fs_input_open(&in, zpath, &err), 0);
	cr_assert_eq(in.codec, FS_INPUT_ZSTD);
	fs_input_close(&in);
	cr_assert_eq(fs_input_open(&in, gpath, &err), 0);
	cr_assert_eq(in.codec, FS_INPUT_GZIP);
	fs_input_close(&in);
	unlink(zpath);
	unlink(gpath);
	unlink(ppath);
	free(zpath);
	free(gpath);
	free(ppath);
	free(z);
}

static int drain(const char *path, struct fs_err *err)
{
	struct fs_input in;
	char *line;
	size_t len;
	int rc = fs_input_open(&in, path, err);

	if (rc)
		return rc;
	while ((rc = fs_input_getline(&in, &line, &len, err)) > 0)
		;
	fs_input_close(&in);
	return rc;
}

Test(input, truncated_and_corrupt)
{
	/* big enough for several zstd blocks and deflate blocks */
	size_t n = 0, cap = 200000, zlen;
	char *text = malloc(cap);
	struct fs_err err;

	while (n + sizeof(real_lines) < cap) {
		memcpy(text + n, real_lines, sizeof(real_lines) - 1);
		n += sizeof(real_lines) - 1;
	}
	unsigned char *z = zstd_of(text, n, &zlen);
	char *path = write_tmp(z, zlen / 2, ".zst");

	cr_assert_lt(drain(path, &err), 0);
	cr_assert(strstr(err.msg, "truncated zstd input"), "%s", err.msg);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
	unlink(path);
	free(path);

	/* cut just before the end: the last block is missing */
	path = write_tmp(z, zlen - 3, ".zst");
	cr_assert_lt(drain(path, &err), 0);
	cr_assert(strstr(err.msg, "truncated zstd input"), "%s", err.msg);
	unlink(path);
	free(path);

	/* a flipped byte in a block */
	z[zlen / 2] ^= 0x55;
	z[zlen / 2 + 1] ^= 0x55;
	path = write_tmp(z, zlen, ".zst");
	cr_assert_lt(drain(path, &err), 0);
	cr_assert(strstr(err.msg, "zstd input"), "%s", err.msg);
	unlink(path);
	free(path);

	/* gzip cut in the middle */
	char *gpath = gzip_file(text, n);
	FILE *fp = fopen(gpath, "rb");
	unsigned char *g = malloc(cap);
	size_t glen = fread(g, 1, cap, fp);

	fclose(fp);
	unlink(gpath);
	free(gpath);
	path = write_tmp(g, glen - 20, ".gz");
	cr_assert_lt(drain(path, &err), 0);
	cr_assert(strstr(err.msg, "truncated gzip input"), "%s", err.msg);
	cr_assert(strstr(err.msg, path), "%s", err.msg);
	unlink(path);
	free(path);
	/* the whole gzip twice: concatenated members read as one stream */
	memcpy(g + glen, g, glen);
	path = write_tmp(g, 2 * glen, ".gz");
	{
		struct fs_trace t;
		struct counts c;

		cr_assert_eq(read_all(path, FS_FMT_AUTO, true, &t, &c, &err), 0, "%s", err.msg);
		cr_assert_eq(t.st.lines, 2 * (n / (sizeof(real_lines) - 1)) * 4);
		fs_trace_close(&t);
	}
	unlink(path);
	free(path);
	free(g);
	free(z);
	free(text);
}

Test(input, long_lines_and_no_final_newline)
{
	/* a 3 MiB line (the line buffer starts at 1 MiB and grows) */
	size_t n = 3u << 20;
	char *text = malloc(n + 16);
	struct fs_input in;
	struct fs_err err;
	char *line, *path;
	size_t len;

	memset(text, 'x', n);
	memcpy(text + n, "\nab", 3);
	path = write_tmp(text, n + 3, ".txt");
	cr_assert_eq(fs_input_open(&in, path, &err), 0);
	cr_assert_eq(fs_input_getline(&in, &line, &len, &err), 1);
	cr_assert_eq(len, n);
	cr_assert_eq(line[len], 0);
	cr_assert_eq(fs_input_getline(&in, &line, &len, &err), 1);
	cr_assert_eq(len, 2);
	cr_assert_str_eq(line, "ab");
	cr_assert_eq(fs_input_getline(&in, &line, &len, &err), 0);
	fs_input_close(&in);
	unlink(path);
	free(path);
	free(text);
}

/* Lines of every length around the ring's 1 MiB blocks, for the reader
 * that cuts them out of the decompression thread's blocks in place (input.c
 * ring_next): random short ones across many block boundaries, ones just
 * under, at and over the 64 KiB carried into the next block's headroom, a
 * 3 MiB one (read by copying, then back to the blocks), a NUL byte inside
 * one, no final newline. */
static char *mixed_lines(size_t *len)
{
	static const size_t big[] = { 65534, 65535, 65536, 65537, 200000, 3u << 20, 65536 };
	size_t cap = 12u << 20, n = 0;
	char *t = malloc(cap);
	uint64_t x = 88172645463325252ull;

	for (unsigned i = 0; i < 40000; i++) {
		size_t l;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		l = i % 5000 == 2500 ? big[(i / 5000) % 7] : x % 200;
		for (size_t k = 0; k < l; k++)
			t[n + k] = (char)('a' + (x >> (k % 50)) % 26);
		if (i == 12345)
			t[n + l / 2] = 0;
		n += l;
		t[n++] = '\n';
	}
	memcpy(t + n, "last line", 9);
	*len = n + 9;
	return t;
}

/* path's lines are exactly text's, with the right NUL flags; a peek first */
static void same_lines(const char *path, const char *text, size_t n)
{
	struct fs_input in;
	struct fs_err err;
	const char *p;
	char *line;
	size_t len, have, pos = 0, lines = 0;

	cr_assert_eq(fs_input_open(&in, path, &err), 0, "%s", err.msg);
	cr_assert_eq(fs_input_peek(&in, 10, &p, &have, &err), 0);
	cr_assert(have >= 10 && !memcmp(p, text, 10));
	while (fs_input_getline(&in, &line, &len, &err) == 1) {
		const char *nl = memchr(text + pos, '\n', n - pos);
		size_t want = nl ? (size_t)(nl - text) - pos : n - pos;

		cr_assert_eq(len, want, "%s: line %zu is %zu bytes, expected %zu", path, lines + 1, len, want);
		cr_assert(!memcmp(line, text + pos, len), "%s: line %zu differs", path, lines + 1);
		cr_assert_eq(line[len], 0);
		cr_assert_eq(in.line_has_nul, memchr(text + pos, 0, len) != NULL, "%s: line %zu", path,
			     lines + 1);
		pos += len + 1;
		lines++;
	}
	cr_assert_eq(pos, n + 1, "%s: stopped at byte %zu of %zu: %s", path, pos, n, err.msg);
	cr_assert_eq(in.lines, lines);
	fs_input_close(&in);
}

/* some lines, then the rest as raw bytes (fs_input_read): the same bytes */
static void same_bytes_after_lines(const char *path, const char *text, size_t n)
{
	struct fs_input in;
	struct fs_err err;
	char *line, *rest = malloc(n);
	size_t len, pos = 0, got = 0;
	int r;

	cr_assert_eq(fs_input_open(&in, path, &err), 0, "%s", err.msg);
	for (unsigned i = 0; i < 12000; i++) {
		cr_assert_eq(fs_input_getline(&in, &line, &len, &err), 1);
		pos += len + 1;
	}
	while ((r = fs_input_read(&in, rest + got, 100000, &err)) > 0)
		got += (size_t)r;
	cr_assert_eq(r, 0, "%s", err.msg);
	cr_assert_eq(pos + got, n);
	cr_assert(!memcmp(rest, text + pos, got));
	fs_input_close(&in);
	free(rest);
}

Test(input, lines_across_decompressed_blocks, .timeout = 60)
{
	size_t n, zlen;
	char *text = mixed_lines(&n);
	void *z = zstd_of(text, n, &zlen);
	char *paths[3] = { write_tmp(text, n, ".txt"), write_tmp(z, zlen, ".zst"), gzip_file(text, n) };

	for (unsigned i = 0; i < 3; i++) {
		same_lines(paths[i], text, n);
		same_bytes_after_lines(paths[i], text, n);
		unlink(paths[i]);
		free(paths[i]);
	}
	free(z);
	free(text);
}

/* zstd's window and the ring come from fs_big_alloc: from 2 MiB up the
 * mapping starts on a 2 MiB boundary, so transparent huge pages can back
 * all of it (the kernel aligns only lengths that are multiples of 2 MiB) */
Test(input, big_alloc_huge_aligned)
{
	static const size_t sizes[] = { 4096, (2u << 20) - 4096, 2u << 20, (128u << 20) + (256u << 10) + 8 };

	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = fs_big_alloc(sizes[i]);

		cr_assert(p);
		cr_assert_eq((uintptr_t)p % (sizes[i] >= (2u << 20) ? 2u << 20 : 4096), 0, "%zu bytes at %p",
			     sizes[i], (void *)p);
		cr_assert_eq(p[0] | p[sizes[i] - 1], 0);
		p[0] = p[sizes[i] - 1] = 1;
		fs_big_free(p, sizes[i]);
	}
}

Test(input, empty_file_and_refused_binaries)
{
	char *path = write_tmp("", 0, ".txt");
	struct fs_input in;
	struct fs_err err;
	char *line;
	size_t len;

	cr_assert_eq(fs_input_open(&in, path, &err), 0);
	cr_assert_eq(fs_input_getline(&in, &line, &len, &err), 0);
	fs_input_close(&in);
	unlink(path);
	free(path);

	/* a trace.dat is not refused by the input layer: the trace layer reads
	 * it through libtracecmd; a truncated one is an error there */
	path = write_tmp("\027\010\104tracing6\0\0\0\0", 14, ".dat");
	{
		struct fs_trace t;

		cr_assert(fs_tracedat_sniff("\027\010\104tracing6", 11));
		cr_assert(!fs_tracedat_sniff("\027\010\104tracin", 9));
		cr_assert_lt(fs_trace_open(&t, path, FS_FMT_AUTO, &err), 0);
		cr_assert(strstr(err.msg, "cannot read this trace.dat"), "%s", err.msg);
	}
	unlink(path);
	free(path);
	path = write_tmp("\xfd" "7zXZ\0\0\0", 9, ".xz");
	cr_assert_lt(fs_input_open(&in, path, &err), 0);
	cr_assert(strstr(err.msg, "xz"), "%s", err.msg);
	unlink(path);
	free(path);
}

/* NUL bytes (binary data passed as text) are flagged on exactly the lines
 * that hold them, across buffer refills (one memchr runs ahead over many
 * lines) and on a last line without '\n'. */
Test(input, nul_bytes_flag_their_lines)
{
	size_t nl = 200000, i, pos = 0;
	char *text = malloc(nl * 12 + 16), *line, *path;
	struct fs_input in;
	struct fs_err err;
	size_t len;

	for (i = 0; i < nl; i++) {
		memcpy(text + pos, "0123456789\n", 11);
		if (i == 7 || i == 99999 || i == 150001)
			text[pos + 3] = 0;
		pos += 11;
	}
	memcpy(text + pos, "ab\0c", 4);
	path = write_tmp(text, pos + 4, ".txt");
	cr_assert_eq(fs_input_open(&in, path, &err), 0);
	for (i = 0; i < nl; i++) {
		cr_assert_eq(fs_input_getline(&in, &line, &len, &err), 1);
		cr_assert_eq(len, 10);
		cr_assert_eq(in.line_has_nul, i == 7 || i == 99999 || i == 150001, "line %zu", i);
	}
	cr_assert_eq(fs_input_getline(&in, &line, &len, &err), 1);
	cr_assert_eq(len, 4);
	cr_assert(in.line_has_nul);
	cr_assert_eq(fs_input_getline(&in, &line, &len, &err), 0);
	fs_input_close(&in);
	unlink(path);
	free(path);
	free(text);
}
