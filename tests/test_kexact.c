/* test_kexact.c - kernel-exact replay: free blocks from a constructed
 * /proc/kpageflags, settling with buddyinfo, the buddy-level replay of
 * zone_locked / pcpu_drain / frees, the read window, checkpoints, and the
 * ftrace reader's buddy events. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "kexact.h"
#include "procfs.h"
#include "test_util.h"

#define BUDDY (1ull << FS_KPF_BUDDY)
#define NOPAGE (1ull << FS_KPF_NOPAGE)

static struct fs_layout layout64(void)
{
	struct fs_layout l;

	fs_layout_single(&l, 64);
	l.max_order = 5;
	l.pageblock_order = 5;          /* per-CPU orders 0..3 and 5; 4 is direct */
	return l;
}

/* free: 0-7, 9-11, 16-47, 60-63; pfn 50 flagged but without a page */
static void words64(uint64_t *w)
{
	memset(w, 0, 64 * sizeof(*w));
	for (unsigned p = 0; p < 8; p++)
		w[p] = BUDDY;
	for (unsigned p = 9; p < 12; p++)
		w[p] = BUDDY;
	for (unsigned p = 16; p < 48; p++)
		w[p] = BUDDY | (1ull << 5);     /* other flags do not matter */
	w[50] = BUDDY | NOPAGE;
	for (unsigned p = 60; p < 64; p++)
		w[p] = BUDDY;
}

static uint64_t blk(uint64_t pfn, unsigned o)
{
	return pfn << 4 | o;
}

Test(kpageflags, runs_cut_into_aligned_blocks)
{
	struct fs_layout l = layout64();
	struct fs_err err;
	struct fs_machine *m = fs_machine_new(&l, &err);
	struct fs_kpf_state st;
	uint64_t w[64];
	const uint64_t want[] = { blk(0, 3), blk(9, 0), blk(10, 1), blk(16, 4), blk(32, 4), blk(60, 2) };

	cr_assert_not_null(m);
	words64(w);
	memset(&st, 0, sizeof(st));
	fs_kpf_build(&st, w, 64, m);
	cr_assert_eq(st.nr_blocks, FS_ARRAY_SIZE(want));
	for (unsigned i = 0; i < FS_ARRAY_SIZE(want); i++)
		cr_assert_eq(st.blocks[i], want[i], "block %u: 0x%llx", i, (unsigned long long)st.blocks[i]);
	cr_assert_eq(st.nr_free[0][0], 1);
	cr_assert_eq(st.nr_free[0][1], 1);
	cr_assert_eq(st.nr_free[0][2], 1);
	cr_assert_eq(st.nr_free[0][3], 1);
	cr_assert_eq(st.nr_free[0][4], 2);
	cr_assert_eq(st.nr_free[0][5], 0);
	cr_assert_eq(st.free_pages[0], 47);
	cr_assert_eq(st.nopage, 1);
	fs_kpf_install(&st, m, false, 0);
	tu_check(m, "installed");
	cr_assert_eq(m->zones[0].free_pages, 47);
	cr_assert(fs_buddy_is_free_head(m, 32, 4));
	fs_kpf_release(&st);
	fs_machine_free(m);
}

static void buddyinfo_rec(struct fs_procfs_rec *r, struct fs_procfs_zone *z, const uint64_t *nf,
			  unsigned n)
{
	memset(r, 0, sizeof(*r));
	memset(z, 0, sizeof(*z));
	r->kind = FS_PROCFS_BUDDYINFO;
	r->zones = z;
	r->nr_zones = 1;
	strcpy(z->name, "Normal");
	z->nr_orders = n;
	memcpy(z->nr_free, nf, n * sizeof(*nf));
}

Test(kpageflags, settled_by_buddyinfo)
{
	struct fs_layout l = layout64();
	struct fs_err err;
	struct fs_machine *m = fs_machine_new(&l, &err);
	struct fs_kpf_state st;
	struct fs_procfs_rec r;
	struct fs_procfs_zone z;
	uint64_t w[64];
	/* two order-4 blocks were not merged... as one order 4 and two order 3 */
	const uint64_t nf[] = { 1, 1, 1, 3, 1, 0 };
	const uint64_t want[] = { blk(0, 3), blk(9, 0), blk(10, 1), blk(16, 4), blk(32, 3),
				  blk(40, 3), blk(60, 2) };

	words64(w);
	memset(&st, 0, sizeof(st));
	fs_kpf_build(&st, w, 64, m);
	buddyinfo_rec(&r, &z, nf, 6);
	fs_kpf_settle(&st, m, &r);
	cr_assert_eq(st.ambiguous[0], 1);
	cr_assert(st.zone_settled[0]);
	cr_assert_eq(st.unsettled_pages[0], 0);
	cr_assert_eq(st.nr_blocks, FS_ARRAY_SIZE(want));
	for (unsigned i = 0; i < FS_ARRAY_SIZE(want); i++)
		cr_assert_eq(st.blocks[i], want[i], "block %u: 0x%llx", i, (unsigned long long)st.blocks[i]);
	fs_kpf_release(&st);
	fs_machine_free(m);
}

Test(kpageflags, other_moment_not_settled)
{
	struct fs_layout l = layout64();
	struct fs_err err;
	struct fs_machine *m = fs_machine_new(&l, &err);
	struct fs_kpf_state st;
	struct fs_procfs_rec r;
	struct fs_procfs_zone z;
	uint64_t w[64];
	const uint64_t nf[] = { 2, 1, 1, 3, 1, 0 };   /* one page more */

	words64(w);
	memset(&st, 0, sizeof(st));
	fs_kpf_build(&st, w, 64, m);
	buddyinfo_rec(&r, &z, nf, 6);
	fs_kpf_settle(&st, m, &r);
	cr_assert_eq(st.ambiguous[0], 0);
	cr_assert_eq(st.unsettled_pages[0], -1);
	cr_assert_eq(st.nr_free[0][4], 2);
	fs_kpf_release(&st);
	fs_machine_free(m);
}


Test(kpageflags, file_size_must_match_layout)
{
	struct fs_layout l = layout64();
	struct fs_err err = { "" };
	struct fs_machine *m = fs_machine_new(&l, &err);
	struct fs_kpf_state st;
	uint64_t w[65];
	char *ok, *shrt, *lng;

	words64(w);
	w[64] = 0;
	ok = tu_tmpfile(w, 64 * 8);
	shrt = tu_tmpfile(w, 63 * 8);
	lng = tu_tmpfile(w, 65 * 8);
	cr_assert_eq(fs_kpf_load(&st, ok, m, &err), 0, "%s", err.msg);
	cr_assert_eq(st.free_pages[0], 47);
	fs_kpf_release(&st);
	cr_assert_eq(fs_kpf_load(&st, shrt, m, &err), -EINVAL);
	cr_assert(strstr(err.msg, "504 bytes (63 pfns)") && strstr(err.msg, "exactly 512 bytes"), "%s", err.msg);
	cr_assert_eq(fs_kpf_load(&st, lng, m, &err), -EINVAL);
	cr_assert(strstr(err.msg, "more than"), "%s", err.msg);
	unlink(ok);
	unlink(shrt);
	unlink(lng);
	free(ok);
	free(shrt);
	free(lng);
	fs_machine_free(m);
}

/* ---- the replay ---------------------------------------------------------- */

static struct fs_sim *kernel_sim_of(const char *spec)
{
	struct fs_layout l = layout64();
	struct fs_err err;
	struct fs_sim *s;
	struct fs_kpf_state st;
	uint64_t w[64];

	cr_assert_eq(fs_sim_new(&s, &l, spec, FS_PLACE_KERNEL, &err), 0, "%s", err.msg);
	cr_assert_not_null(s->kx);
	s->debug_check = 1;
	words64(w);
	memset(&st, 0, sizeof(st));
	fs_kpf_build(&st, w, 64, s->m);
	fs_kpf_install(&st, s->m, s->kx->typed, s->kx->cls0);
	fs_kpf_release(&st);
	return s;
}

static struct fs_sim *kernel_sim(void)
{
	return kernel_sim_of("buddy");
}

static void ev(struct fs_sim *s, unsigned kind, uint64_t pfn, unsigned order, unsigned flags,
	       unsigned cpu)
{
	struct fs_event e = { .time_ns = 1000, .ident = pfn, .kind = (uint8_t)kind,
			      .order = (uint8_t)order, .flags = (uint8_t)flags, .cpu = (uint16_t)cpu,
			      .mt = FS_MT_MOVABLE };

	cr_assert_eq(fs_sim_apply(s, &e), 0);
}

Test(kexact, refill_alloc_free_drain_merge)
{
	struct fs_sim *s = kernel_sim();
	struct fs_zone *z = &s->m->zones[0];

	/* zone_locked of pfn 8... is not free: 0-7 is; take pfn 3 */
	ev(s, FS_EV_BUDDY_TAKE, 3, 0, FS_EVF_PCP_REFILL, 1);
	cr_assert_eq(s->kx->c.buddy_takes, 1);
	cr_assert_eq(z->free_pages, 46);
	cr_assert_eq(z->pcp_pages, 1);
	cr_assert_eq(s->kx->pcp_pages[1], 1);
	/* break_down_buddy_pages left 0-1 (o1), 2 (o0), 4-7 (o2) */
	cr_assert(fs_buddy_is_free_head(s->m, 0, 1));
	cr_assert(fs_buddy_is_free_head(s->m, 2, 0));
	cr_assert(fs_buddy_is_free_head(s->m, 4, 2));
	/* the caller gets it from the list */
	ev(s, FS_EV_ALLOC, 3, 0, 0, 1);
	cr_assert_eq(s->kx->c.pcp_allocs, 1);
	cr_assert_eq(z->pcp_pages, 0);
	/* freed: to the per-CPU list of CPU 0, the buddy does not change */
	ev(s, FS_EV_FREE, 3, 0, 0, 0);
	cr_assert_eq(s->kx->c.pcp_frees, 1);
	cr_assert_eq(z->free_pages, 46);
	cr_assert_eq(s->kx->pcp_pages[0], 1);
	/* drained: merges back to order 3 at 0, then with 8? 8 is allocated */
	ev(s, FS_EV_BUDDY_PUT, 3, 0, 0, 0);
	cr_assert_eq(s->kx->c.pcp_drains, 1);
	cr_assert_eq(z->pcp_pages, 0);
	cr_assert_eq(z->free_pages, 47);
	cr_assert(fs_buddy_is_free_head(s->m, 0, 3));
	cr_assert_eq(s->kx->c.take_conflicts + s->kx->c.return_conflicts, 0);
	fs_sim_free(s);
}

/* A grouping policy's lists are per migrate type: installed blocks go on
 * their pageblock's type, a drained block on the type the event prints
 * (free_pcppages_bulk's get_pfnblock_migratetype). */
Test(kexact, typed_lists_take_the_drain_type)
{
	struct fs_sim *s = kernel_sim_of("linux-6.15:pcp=off");
	struct fs_event e = { .time_ns = 1, .ident = 12, .order = 2, .kind = FS_EV_BUDDY_PUT,
			      .mt = FS_MT_UNMOVABLE };

	cr_assert(s->kx->typed);
	cr_assert_eq(fs_buddy_class(s->m, 60), fs_pb_type(s->m, 60));
	cr_assert_eq(fs_sim_apply(s, &e), 0);
	/* 12-15 has no free buddy (8 is allocated): it stays order 2, unmovable */
	cr_assert(fs_buddy_is_free_head(s->m, 12, 2));
	cr_assert_eq(fs_buddy_class(s->m, 12), FS_MT_UNMOVABLE);
	cr_assert_neq(fs_pb_type(s->m, 12), FS_MT_UNMOVABLE);
	fs_sim_free(s);
}

Test(kexact, direct_free_of_page_allocated_before_trace)
{
	struct fs_sim *s = kernel_sim();
	struct fs_zone *z = &s->m->zones[0];

	/* 48-63: 48-59 allocated before the trace, 60-63 free. An order-4
	 * free of 48 skips the per-CPU lists (pcp_allowed_order(4) is false
	 * here) and merges with 32 (o4) into 32-63 (o5)? 60-63 is inside the
	 * freed range... no: the range 48-63 includes free pages 60-63. */
	ev(s, FS_EV_FREE, 48, 4, 0, 0);
	cr_assert_eq(s->kx->c.return_conflicts, 1, "a free over free pages is an inconsistency");
	cr_assert_eq(z->free_pages, 47);
	/* 12-15 (o2) were allocated before the trace: back they go */
	ev(s, FS_EV_FREE, 12, 2, 0, 0);
	cr_assert_eq(s->kx->c.pcp_frees, 1);
	ev(s, FS_EV_BUDDY_PUT, 12, 2, 0, 0);
	cr_assert_eq(z->free_pages, 51);
	/* 8 (o0) freed and drained: 8-15 merge with 0-7 and then 16-31 stays
	 * separate (16's buddy at order 4 is 0-15, now free: merges to o5) */
	ev(s, FS_EV_FREE, 8, 0, 0, 0);
	ev(s, FS_EV_BUDDY_PUT, 8, 0, 0, 0);
	/* 9-11 were free: 8 merges with 9 (o0), then 10 (o1), 12 (o2), 0 (o3),
	 * 16 (o4) -> 0-31 (o5) */
	cr_assert(fs_buddy_is_free_head(s->m, 0, 5), "nr_free o5 %llu",
		  (unsigned long long)z->nr_free[5]);
	cr_assert_eq(z->free_pages, 52);
	fs_sim_free(s);
}

Test(kexact, conflicts_counted_not_fatal)
{
	struct fs_sim *s = kernel_sim();
	struct fs_zone *z = &s->m->zones[0];

	ev(s, FS_EV_BUDDY_TAKE, 8, 0, 0, 0);           /* 8 is allocated */
	cr_assert_eq(s->kx->c.take_conflicts, 1);
	ev(s, FS_EV_BUDDY_PUT, 0, 0, 0, 0);            /* 0 is free */
	cr_assert_eq(s->kx->c.return_conflicts, 1);
	ev(s, FS_EV_BUDDY_TAKE, 70, 0, 0, 0);          /* outside */
	cr_assert_eq(s->kx->c.outside, 1);
	cr_assert_eq(z->free_pages, 47);
	/* a page freed twice to the per-CPU lists: it left the list untraced
	 * (alloc_pages_bulk) in between, not a double free */
	ev(s, FS_EV_FREE, 8, 0, 0, 0);
	ev(s, FS_EV_FREE, 8, 0, 0, 1);
	cr_assert_eq(s->kx->c.pcp_untraced_allocs, 1);
	cr_assert_eq(z->pcp_pages, 1);
	cr_assert_eq(s->kx->pcp_pages[0], 0);
	cr_assert_eq(s->kx->pcp_pages[1], 1);
	/* an allocation of a free page with no zone_locked: taken, counted */
	ev(s, FS_EV_ALLOC, 60, 2, 0, 0);
	cr_assert_eq(s->kx->c.alloc_of_free, 1);
	cr_assert_eq(z->free_pages, 43);
	fs_sim_free(s);
}

Test(kexact, read_window)
{
	struct fs_sim *s = kernel_sim();
	struct fs_zone *z = &s->m->zones[0];
	struct fs_event e = { .ident = 3, .kind = FS_EV_BUDDY_TAKE, .flags = FS_EVF_PCP_REFILL };

	s->kx->win = (struct fs_kx_window){ .begin_ns = 100, .end_ns = 200, .nr_pfns = 64 };
	e.time_ns = 50;                                 /* before the read: in the file */
	fs_sim_apply(s, &e);
	cr_assert_eq(s->kx->c.before_initial, 1);
	cr_assert_eq(z->free_pages, 47);
	e.time_ns = 150;                                /* during: the file shows it free, take */
	fs_sim_apply(s, &e);
	cr_assert_eq(s->kx->c.buddy_takes, 1);
	e.ident = 8;                                    /* during, not free: read after it */
	fs_sim_apply(s, &e);
	cr_assert_eq(s->kx->c.window_skipped, 1);
	cr_assert_eq(s->kx->c.take_conflicts, 0);
	e.time_ns = 250;                                /* after: a real conflict */
	fs_sim_apply(s, &e);
	cr_assert_eq(s->kx->c.take_conflicts, 1);
	fs_sim_free(s);
}

/* ---- the reader ---------------------------------------------------------- */

static int parse_line(struct fs_trace *t, const char *line, struct fs_event *e)
{
	char buf[512];
	struct fs_err err;

	snprintf(buf, sizeof(buf), "%s", line);
	memset(e, 0, sizeof(*e));
	return fs_ftrace_parse(t, buf, strlen(buf), e, &err);
}

Test(kexact, ftrace_buddy_events)
{
	struct fs_trace t;
	struct fs_event e;
	const char *zl = "            zstd-14179   [001] d..3.  1027.336077: mm_page_alloc_zone_locked: "
			 "page=00000000a2c817da pfn=0x18b334 order=0 migratetype=1 percpu_refill=1";
	const char *dr = "     kworker/0:2-31155   [000] d..2.  3080.064121: mm_page_pcpu_drain: "
			 "page=00000000e7d685b3 pfn=0x27aae7 order=2 migratetype=0";
	const char *mk = "         python3-14228   [001] .n.1.  1028.709833: tracing_mark_write: "
			 "capture_snap seq=1 phase=during mono_ns=1028709820978";
	const char *done = "         python3-14228   [001] ...1.  1028.712548: tracing_mark_write: "
			   "capture_snap_done seq=1 mono_ns=1028712543354";
	const char *xf = "         python3-10468   [000] d..3.   703.123252: mm_page_alloc_extfrag: "
			 "page=00000000614cc4b4 pfn=0x16ac00 alloc_order=0 fallback_order=10 pageblock_order=9 "
			 "alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1";

	memset(&t, 0, sizeof(t));
	t.max_order = 10;
	t.path = "test";
	/* other placements: skipped as before */
	cr_assert_eq(parse_line(&t, zl, &e), 2);
	cr_assert_eq(parse_line(&t, mk, &e), 2);
	t.buddy_events = true;
	cr_assert_eq(parse_line(&t, zl, &e), 1);
	cr_assert_eq(e.kind, FS_EV_BUDDY_TAKE);
	cr_assert_eq(e.ident, 0x18b334);
	cr_assert_eq(e.order, 0);
	cr_assert_eq(e.mt, 1);
	cr_assert(e.flags & FS_EVF_PCP_REFILL);
	cr_assert_eq(parse_line(&t, dr, &e), 1);
	cr_assert_eq(e.kind, FS_EV_BUDDY_PUT);
	cr_assert_eq(e.ident, 0x27aae7);
	cr_assert_eq(e.order, 2);
	cr_assert_eq(e.mt, 0);
	cr_assert_eq(e.cpu, 0);
	cr_assert_eq(parse_line(&t, mk, &e), 1);
	cr_assert_eq(e.kind, FS_EV_MARKER);
	cr_assert_eq(e.order, FS_MARK_SNAP);
	cr_assert_eq(e.ident, 1);
	cr_assert_eq(parse_line(&t, done, &e), 2);
	cr_assert_eq(parse_line(&t, xf, &e), 1);
	cr_assert_eq(e.kind, FS_EV_BUDDY_TAKE);
	cr_assert_eq(e.ident, 0x16ac00);
	cr_assert(e.flags & FS_EVF_IF_FREE);
}

/* ---- checkpoints ----------------------------------------------------------- */

Test(kexact, checkpoint_csv)
{
	const char snaps[] =
		"### capture_snap seq=0 phase=before mono_ns=1 name=buddyinfo\n"
		"Node 0, zone   Normal      1      1      1      1      2      0 \n"
		"### capture_snap seq=1 phase=during mono_ns=2 name=buddyinfo\n"
		"Node 0, zone   Normal      0      1      1      1      2      0 \n";
	char *path = tu_tmpfile(snaps, sizeof(snaps) - 1);
	char csv[] = "/tmp/fragsim-kx-csv-XXXXXX";
	struct fs_sim *s = kernel_sim();
	struct fs_ckpt *c;
	struct fs_err err;
	char line[256];
	FILE *fp;
	int fd = mkstemp(csv);

	close(fd);
	cr_assert_eq(fs_ckpt_open(&c, path, csv, &err), 0, "%s", err.msg);
	fs_ckpt_marker(c, s, "buddy", 0, 1000000000);
	fs_ckpt_marker(c, s, "buddy", 1, 2000000000);
	fs_ckpt_marker(c, s, "buddy", 7, 3000000000);  /* no snapshot 7 */
	fp = fopen("/dev/null", "w");
	cr_assert_eq(fs_ckpt_finish(c, fp, &err), 0, "%s", err.msg);
	fclose(fp);
	fs_ckpt_free(c);
	fp = fopen(csv, "r");
	cr_assert_not_null(fp);
	cr_assert_not_null(fgets(line, sizeof(line), fp));
	cr_assert(!strncmp(line, "policy,seq,time_s,zone,kernel_free_pages", 40), "%s", line);
	cr_assert_not_null(fgets(line, sizeof(line), fp));
	cr_assert_str_eq(line, "buddy,0,1.000000,Normal,47,47,0,0,0,0,0,0,0,0,0\n");
	cr_assert_not_null(fgets(line, sizeof(line), fp));
	cr_assert_str_eq(line, "buddy,1,2.000000,Normal,46,47,1,1,1,1,0,0,0,0,0\n");
	cr_assert_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	unlink(csv);
	unlink(path);
	free(path);
	fs_sim_free(s);
}

/* --final: the simulation's free pages against a kpageflags, per zone */
Test(kpageflags, compare_with_final)
{
	struct fs_layout l = layout64();
	struct fs_err err;
	struct fs_machine *m = fs_machine_new(&l, &err);
	struct fs_kpf_state st;
	uint64_t w[64];
	char *out = NULL;
	size_t len = 0;
	FILE *fp;

	words64(w);
	memset(&st, 0, sizeof(st));
	fs_kpf_build(&st, w, 64, m);
	fs_kpf_install(&st, m, false, 0);
	fp = open_memstream(&out, &len);
	fs_kpf_compare(&st, m, fp);
	fclose(fp);
	cr_assert_str_eq(out, "fragsim: final pages vs kpageflags, zone Normal: 0 free only in the "
			 "simulation, 0 free only in the kernel\n");
	free(out);
	/* the simulation takes 60-63 and frees 13 (allocated in the file) */
	cr_assert_eq(fs_buddy_take(m, &m->zones[0], 60, 2), 0);
	fs_buddy_free(m, &m->zones[0], 13, 0, 0, FS_FPI_NONE);
	fp = open_memstream(&out, &len);
	fs_kpf_compare(&st, m, fp);
	fclose(fp);
	cr_assert_str_eq(out, "fragsim: final pages vs kpageflags, zone Normal: 1 free only in the "
			 "simulation, 4 free only in the kernel; sim-only e.g. 0xd; kernel-only e.g. "
			 "0x3c 0x3d 0x3e 0x3f\n");
	free(out);
	fs_kpf_release(&st);
	fs_machine_free(m);
}

/* Compaction's free scanner takes free blocks with no alloc event: the
 * isolate_freepages range says which (every free head in it). */
Test(kexact, compaction_isolates_free_blocks)
{
	struct fs_trace t;
	struct fs_event e;
	struct fs_sim *s = kernel_sim();
	struct fs_zone *z = &s->m->zones[0];
	char line[] = "            bash-10533   [000] .....   709.146016: mm_compaction_isolate_freepages: "
		      "range=(0x1b7e00 ~ 0x1b7e30) nr_scanned=48 nr_taken=16";
	char mine[] = "            bash-10533   [000] .....   709.146016: mm_compaction_isolate_freepages: "
		      "range=(0x0 ~ 0x10) nr_scanned=16 nr_taken=11";
	struct fs_err err;

	memset(&t, 0, sizeof(t));
	t.max_order = 10;
	t.path = "test";
	memset(&e, 0, sizeof(e));
	cr_assert_eq(fs_ftrace_parse(&t, line, strlen(line), &e, &err), 1);
	cr_assert_eq(e.kind, FS_EV_KERNEL, "other placements: counted activity as before");
	t.buddy_events = true;
	memset(&e, 0, sizeof(e));
	cr_assert_eq(fs_ftrace_parse(&t, line, strlen(line), &e, &err), 1);
	cr_assert_eq(e.kind, FS_EV_BUDDY_ISOLATE);
	cr_assert_eq(FS_ISO_START(e.ident), 0x1b7e00);
	cr_assert_eq(FS_ISO_LEN(e.ident), 0x30);
	cr_assert_eq(FS_ISO_TAKEN(e.ident), 16);
	cr_assert_eq(e.key, 48);
	/* 0-15 holds free 0-7 (o3), 9 (o0), 10-11 (o1): 11 pages */
	memset(&e, 0, sizeof(e));
	cr_assert_eq(fs_ftrace_parse(&t, mine, strlen(mine), &e, &err), 1);
	cr_assert_eq(fs_sim_apply(s, &e), 0);
	cr_assert_eq(s->kx->c.compaction_isolated, 11);
	cr_assert_eq(s->kx->c.isolate_mismatches, 0);
	cr_assert_eq(z->free_pages, 36);
	cr_assert_eq(s->c.kernel_compact_isolated, 11);
	cr_assert_eq(s->c.kernel_compact_free_scanned, 16);
	/* one of them comes back unused (release_free_list -> __free_pages) */
	ev(s, FS_EV_FREE, 9, 0, 0, 0);
	ev(s, FS_EV_BUDDY_PUT, 9, 0, 0, 0);
	cr_assert_eq(s->kx->c.return_conflicts, 0);
	cr_assert_eq(z->free_pages, 37);
	/* the same range again: nothing free but 9, nr_taken says 11 */
	cr_assert_eq(fs_sim_apply(s, &e), 0);
	cr_assert_eq(s->kx->c.isolate_mismatches, 1);
	fs_sim_free(s);
}

/* The free scanner's stride is not in the event: the smallest one that
 * reproduces nr_taken is used (isolate_freepages doubles it after each
 * pageblock that yields nothing). */
Test(kexact, compaction_stride_from_nr_taken)
{
	struct fs_sim *s = kernel_sim();
	struct fs_zone *z = &s->m->zones[0];
	struct fs_event e = { .time_ns = 1, .kind = FS_EV_BUDDY_ISOLATE, .key = 8 };

	/* 0-15: 0 (o3), 9 (o0), 10 (o1). Stride 2 probes 0 (takes 0-7), 9
	 * (takes 9), 11 and 13 (inside 10-11 and allocated): 9 pages */
	e.ident = 0 | 16ull << 40 | 9ull << 52;
	cr_assert_eq(fs_sim_apply(s, &e), 0);
	cr_assert_eq(s->kx->c.compaction_isolated, 9);
	cr_assert_eq(s->kx->c.isolate_inexact, 0);
	cr_assert(fs_buddy_is_free_head(s->m, 10, 1));
	cr_assert_eq(z->free_pages, 38);
	/* 16-47 holds 16 (o4) and 32 (o4): no stride takes 8 of them, and
	 * blocks are whole: nothing fits, counted */
	e.ident = 16 | 32ull << 40 | 8ull << 52;
	cr_assert_eq(fs_sim_apply(s, &e), 0);
	cr_assert_eq(s->kx->c.isolate_inexact, 1);
	cr_assert_eq(s->kx->c.isolate_mismatches, 1);
	cr_assert_eq(z->free_pages, 38);
	fs_sim_free(s);
}
