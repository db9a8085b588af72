/* test_pagetypeinfo.c - the simulated state in the kernel's text formats
 * (sim/emit.c): the /proc/pagetypeinfo dump, read back by sim/procfs.c, and
 * the mm_page_alloc_extfrag lines of `replay --emit-extfrag`, whose pfns
 * the buddy core derives without the policy's help (fragsim.h, struct
 * fs_xf_emit). Expected pfns come from the kernel's __rmqueue_fallback of
 * each generation: 4.19 traces the fallback block found at the head of
 * free_list[fallback_mt] of fallback_order (before the retried
 * __rmqueue_smallest); 2.6.24/3.10 the same block, which they return;
 * 6.10/6.15 the page they return (inside the claimed pageblock or the
 * stolen block). */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fragsim.h"
#include "internal.h"
#include "procfs.h"
#include "test_util.h"


static void alloc(struct fs_sim *s, uint64_t t, uint64_t id, unsigned order, unsigned mt)
{
	struct fs_event ev = { .time_ns = t, .ident = id, .kind = FS_EV_ALLOC, .order = (uint8_t)order,
			       .mt = (uint8_t)mt, .flags = FS_EVF_HAS_MT };

	cr_assert_eq(fs_sim_apply(s, &ev), 0);
}

static void release(struct fs_sim *s, uint64_t t, uint64_t id, unsigned order)
{
	struct fs_event ev = { .time_ns = t, .ident = id, .kind = FS_EV_FREE, .order = (uint8_t)order };

	cr_assert_eq(fs_sim_apply(s, &ev), 0);
}

/* ---- pagetypeinfo --------------------------------------------------------- */

/* The default x86_64-like machine (DMA, DMA32, Normal), some allocations of
 * each type under linux-6.15, dumped and read back. */
Test(pagetypeinfo, dump_reads_back)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { { 0 } };
	struct fs_procfs_file f;
	char path[] = "/tmp/fragsim-pti-XXXXXX";
	int fd = mkstemp(path);
	FILE *fp;
	struct tu_rng g;

	cr_assert(fd >= 0);
	fs_layout_default(&l);
	cr_assert_eq(fs_sim_new(&s, &l, "linux-6.15", FS_PLACE_POLICY, &err), 0, "%s", err.msg);
	tu_rng_seed(&g, 7);
	for (uint64_t i = 0; i < 3000; i++)
		alloc(s, i * 1000, i, tu_skewed_order(&g, 4), (unsigned)tu_below(&g, 3));
	for (uint64_t i = 0; i < 3000; i += 3)
		release(s, 4000000 + i, i, 0);
	fp = fdopen(fd, "w");
	fs_dump_pagetypeinfo(fp, s->m);
	fclose(fp);
	cr_assert_eq(fs_procfs_load(&f, path, &err), 0, "%s", err.msg);
	unlink(path);
	cr_assert_eq(f.nr_recs, 1);
	cr_assert_eq(f.recs[0].kind, FS_PROCFS_PAGETYPEINFO);
	cr_assert_eq(f.recs[0].pageblock_order, 9);
	cr_assert_eq(f.recs[0].nr_types, 5);
	cr_assert_str_eq(f.recs[0].type_names[3], "HighAtomic");
	cr_assert_str_eq(f.recs[0].type_names[4], "Isolate");
	cr_assert_eq(f.recs[0].nr_zones, s->m->nr_zones);
	for (unsigned z = 0; z < s->m->nr_zones; z++) {
		const struct fs_procfs_zone *pz = &f.recs[0].zones[z];
		const struct fs_zone *mz = &s->m->zones[z];

		cr_assert_str_eq(pz->name, mz->name);
		cr_assert_eq(pz->nr_orders, s->m->max_order + 1);
		cr_assert(pz->has_pageblocks);
		for (unsigned o = 0; o <= s->m->max_order; o++)
			cr_assert_eq(pz->nr_free[o], mz->nr_free[o], "zone %s order %u", mz->name, o);
		cr_assert_eq(pz->pageblocks[0], mz->nr_pageblocks[FS_MT_UNMOVABLE]);
		cr_assert_eq(pz->pageblocks[1], mz->nr_pageblocks[FS_MT_MOVABLE]);
		cr_assert_eq(pz->pageblocks[2], mz->nr_pageblocks[FS_MT_RECLAIMABLE]);
		cr_assert_eq(pz->pageblocks[3], mz->nr_pageblocks[FS_MT_HIGHATOMIC]);
		cr_assert_eq(pz->pageblocks[4], mz->nr_pageblocks[FS_MT_ISOLATE]);
	}
	cr_assert(s->m->zones[2].nr_pageblocks[FS_MT_UNMOVABLE] +
		  s->m->zones[1].nr_pageblocks[FS_MT_UNMOVABLE] > 0, "the workload claimed no block");
	fs_procfs_release(&f);
	fs_sim_free(s);
}

/* The exact text of a small machine: one zone of 64 pages, max_order 3,
 * pageblock_order 3, plain buddy (every block MOVABLE, lists on class 0 =
 * Unmovable's row, as buddy keeps one list). */
Test(pagetypeinfo, exact_layout)
{
	struct fs_sim *s = tu_sim("buddy", 64, 3, 3);
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	alloc(s, 0, 1, 0, FS_MT_MOVABLE);
	fs_dump_pagetypeinfo(fp, s->m);
	fclose(fp);
	cr_assert_str_eq(buf,
		"Page block order: 3\n"
		"Pages per block:  8\n"
		"\n"
		"Free pages count per migrate type at order       0      1      2      3 \n"
		"Node    0, zone   Normal, type    Unmovable      1      1      1      7 \n"
		"Node    0, zone   Normal, type      Movable      0      0      0      0 \n"
		"Node    0, zone   Normal, type  Reclaimable      0      0      0      0 \n"
		"Node    0, zone   Normal, type   HighAtomic      0      0      0      0 \n"
		"Node    0, zone   Normal, type      Isolate      0      0      0      0 \n"
		"\n"
		"Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
		"Node 0, zone   Normal            0            8            0            0            0 \n");
	free(buf);
	fs_sim_free(s);
}

/* ---- extfrag lines -------------------------------------------------------- */

struct line {
	uint64_t pfn;
	unsigned ao, fo, pbo, amt, fmt, frag, co;
};

static unsigned parse_lines(const char *buf, struct line *out, unsigned max)
{
	unsigned n = 0;

	for (const char *p = buf; p && *p && n < max; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *q = strstr(p, "mm_page_alloc_extfrag: ");
		struct line *l = &out[n];

		cr_assert(q, "not an extfrag line: %.120s", p);
		cr_assert_eq(sscanf(q, "mm_page_alloc_extfrag: page=%*16x pfn=0x%" SCNx64
				    " alloc_order=%u fallback_order=%u pageblock_order=%u alloc_migratetype=%u"
				    " fallback_migratetype=%u fragmenting=%u change_ownership=%u",
				    &l->pfn, &l->ao, &l->fo, &l->pbo, &l->amt, &l->fmt, &l->frag, &l->co), 8,
			     "bad line %.200s", p);
		n++;
	}
	return n;
}

/* Random churn of mixed types and orders; before every event the heads of
 * every free list are noted, and the lines an event produced are checked
 * against them and against where the allocation went. */
#define NSLOT 1100
static void churn(const char *gen, int rule)
{
	char spec[96];
	struct fs_sim *s;
	struct fs_xf_emit xf;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct tu_rng g;
	uint64_t live[NSLOT] = { 0 }, next = 1, lines = 0, heads[FS_NR_ORDERS][FS_NR_CLASSES];
	unsigned lorder[NSLOT] = { 0 };
	struct line ln[8];

	/* straight from the buddy lists: without per-CPU lists (the pcp
	 * tunable, where the policy has it) each fallback serves the request */
	snprintf(spec, sizeof(spec), "%s:watermarks=off,nofragment=off,pcp=off", gen);
	s = tu_try_sim(spec, 1024, 5, 4);
	if (!s) {
		snprintf(spec, sizeof(spec), "%s:watermarks=off,nofragment=off", gen);
		s = tu_sim(spec, 1024, 5, 4);
	}
	fs_xf_init(&xf, fp, 1);
	s->m->xf = &xf;
	tu_rng_seed(&g, 42);
	for (uint64_t t = 0; t < 40000; t++) {
		unsigned k = (unsigned)tu_below(&g, NSLOT);
		struct fs_zone *z = &s->m->zones[0];
		size_t before = len;

		for (unsigned o = 0; o <= s->m->max_order; o++)
			for (unsigned c = 0; c < FS_NR_CLASSES; c++)
				heads[o][c] = z->lists[o][c].head == FS_NIL ? UINT64_MAX
									 : s->m->base_pfn + z->lists[o][c].head;
		fflush(fp);
		before = len;
		xf.time_ns = t * 1000;
		xf.cpu = (unsigned)(t % 3);
		if (live[k]) {
			release(s, t * 1000, live[k], lorder[k]);
			live[k] = 0;
		} else {
			unsigned o = tu_skewed_order(&g, 2);

			lorder[k] = o;
			live[k] = next++;
			/* phases of one type at a time, on a machine kept
			 * mostly full: fallbacks of every size */
			alloc(s, t * 1000, live[k], o,
			      tu_chance(&g, 90) ? (unsigned)(t / 2500 % 3) : (unsigned)tu_below(&g, 3));
		}
		fflush(fp);
		if (len == before)
			continue;
		unsigned n = parse_lines(buf + before, ln, 8);
		const struct fs_alloc *a = fs_alloctab_lookup(&s->at, live[k]);

		lines += n;
		cr_assert_eq(n, 1, "%s: %u fallbacks in one allocation", gen, n);
		cr_assert(a, "%s: a fallback but no allocation", gen);
		uint64_t head = heads[ln[0].fo][ln[0].fmt], placed = s->m->base_pfn + a->pfn_idx;
		uint64_t span = 1ull << (ln[0].fo > 4 ? ln[0].fo : 4);

		cr_assert_eq(ln[0].pbo, 4);
		cr_assert_eq(ln[0].frag, ln[0].fo < 4);
		if (rule == 0) {        /* the fallback block, also what is returned (2.6.24, 3.10,
					 * whose printed fallback type may be the requested one) */
			bool found = false;

			for (unsigned c = 0; c < 3; c++)
				found |= c != ln[0].amt && heads[ln[0].fo][c] == ln[0].pfn;
			cr_assert(found && placed == ln[0].pfn, "%s t=%" PRIu64 ": pfn 0x%" PRIx64
				  " placed 0x%" PRIx64, gen, t, ln[0].pfn, placed);
			continue;
		}
		cr_assert_neq(head, UINT64_MAX, "%s: the fallback list was empty", gen);
		if (rule == 1)     /* the fallback block, the allocation in its pageblock (4.19) */
			cr_assert(ln[0].pfn == head && placed / span == head / span,
				  "%s t=%" PRIu64 ": pfn 0x%" PRIx64 " head 0x%" PRIx64 " placed 0x%" PRIx64,
				  gen, t, ln[0].pfn, head, placed);
		else                    /* the page returned (6.10, 6.15) */
			cr_assert(ln[0].pfn == placed && placed / span == head / span,
				  "%s t=%" PRIu64 ": pfn 0x%" PRIx64 " head 0x%" PRIx64 " placed 0x%" PRIx64,
				  gen, t, ln[0].pfn, head, placed);
	}
	cr_assert_eq(xf.lines, lines);
	cr_assert_eq(xf.lines, s->m->zones[0].extfrag.events);
	cr_assert_gt(lines, 20, "%s: only %" PRIu64 " fallbacks", gen, lines);
	s->m->xf = NULL;
	fclose(fp);
	free(buf);
	fs_sim_free(s);
}

Test(extfrag_emit, pfn_2624) { churn("linux-2.6.24", 0); }
Test(extfrag_emit, pfn_310) { churn("linux-3.10", 0); }
Test(extfrag_emit, pfn_419) { churn("linux-4.19", 1); }
Test(extfrag_emit, pfn_50) { churn("linux-5.0", 1); }
Test(extfrag_emit, pfn_610) { churn("linux-6.10", 2); }
Test(extfrag_emit, pfn_615) { churn("linux-6.15", 2); }

/* The line itself, byte for byte (trace_print_context of 6.x). */
Test(extfrag_emit, line_format)
{
	struct fs_sim *s = tu_try_sim("linux-6.15:watermarks=off,nofragment=off,pcp=off", 128, 5, 4);
	struct fs_xf_emit xf;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	char want[512];

	if (!s)
		s = tu_sim("linux-6.15:watermarks=off,nofragment=off", 128, 5, 4);
	fs_xf_init(&xf, fp, 3);
	s->m->xf = &xf;
	xf.time_ns = 693209698123ull;
	xf.cpu = 1;
	alloc(s, 693209698123ull, 1, 0, FS_MT_UNMOVABLE);    /* claims a MOVABLE order-5 block */
	fclose(fp);
	cr_assert_eq(xf.lines, 1);
	snprintf(want, sizeof(want),
		 "         fragsim-3       [001] .....   693.209698: mm_page_alloc_extfrag: page=%.16s "
		 "pfn=0x0 alloc_order=0 fallback_order=5 pageblock_order=4 alloc_migratetype=0 "
		 "fallback_migratetype=1 fragmenting=0 change_ownership=1\n",
		 strstr(buf, "page=") + 5);
	cr_assert_str_eq(buf, want);
	cr_assert_eq(strspn(strstr(buf, "page=") + 5, "0123456789abcdef"), 16);
	cr_assert_eq(strncmp(strstr(buf, "page=") + 5, "00000000", 8), 0, "a 32-bit hash");
	s->m->xf = NULL;
	free(buf);
	fs_sim_free(s);
}

/* With per-CPU lists (the generations' default) a refill may fall back
 * several times in one event, for pages that go to a per-CPU list: every
 * fallback still gets a line with a derived pfn, and on 6.x that page has
 * left the free lists (allocated or on a per-CPU list). */
#define PCP_SLOTS (16 * NSLOT)
static void churn_pcp(const char *gen, bool taken)
{
	char spec[96];
	struct fs_sim *s;
	struct fs_xf_emit xf;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct tu_rng g;
	uint64_t *live = calloc(PCP_SLOTS, sizeof(*live)), next = 1;
	unsigned *lorder = calloc(PCP_SLOTS, sizeof(*lorder));
	struct line ln[64];

	snprintf(spec, sizeof(spec), "%s:watermarks=off,nofragment=off", gen);
	s = tu_sim(spec, 16 * 1024, 5, 4);   /* big enough for batches > 1 */
	fs_xf_init(&xf, fp, 1);
	s->m->xf = &xf;
	tu_rng_seed(&g, 43);
	for (uint64_t t = 0; t < 200000; t++) {
		unsigned k = (unsigned)tu_below(&g, PCP_SLOTS);
		struct fs_event ev = { .time_ns = t * 1000, .cpu = (uint16_t)(t % 2) };
		size_t before;

		fflush(fp);
		before = len;
		xf.time_ns = ev.time_ns;
		xf.cpu = ev.cpu;
		if (live[k]) {
			ev.kind = FS_EV_FREE;
			ev.ident = live[k];
			ev.order = (uint8_t)lorder[k];
			live[k] = 0;
		} else {
			lorder[k] = tu_skewed_order(&g, 2);
			live[k] = next++;
			ev.kind = FS_EV_ALLOC;
			ev.ident = live[k];
			ev.order = (uint8_t)lorder[k];
			ev.flags = FS_EVF_HAS_MT;
			ev.mt = (uint8_t)(tu_chance(&g, 90) ? t / 40000 % 3 : tu_below(&g, 3));
		}
		cr_assert_eq(fs_sim_apply(s, &ev), 0);
		fflush(fp);
		if (len == before || !taken)
			continue;
		unsigned n = parse_lines(buf + before, ln, 64);

		for (unsigned i = 0; i < n; i++)
			cr_assert_neq(fs_pg_kind(s->m->pages[ln[i].pfn - s->m->base_pfn]), FS_PG_FREE,
				      "%s t=%" PRIu64 ": traced pfn 0x%" PRIx64 " is still free", gen, t, ln[i].pfn);
	}
	fflush(fp);
	cr_assert_eq(xf.lines, s->m->zones[0].extfrag.events);
	cr_assert_gt(xf.lines, 20);
	s->m->xf = NULL;
	fclose(fp);
	free(buf);
	free(live);
	free(lorder);
	fs_sim_free(s);
}

Test(extfrag_emit, pcp_310) { churn_pcp("linux-3.10", true); }
Test(extfrag_emit, pcp_419) { churn_pcp("linux-4.19", false); }
Test(extfrag_emit, pcp_50) { churn_pcp("linux-5.0", false); }
Test(extfrag_emit, pcp_610) { churn_pcp("linux-6.10", true); }
Test(extfrag_emit, pcp_615) { churn_pcp("linux-6.15", true); }
