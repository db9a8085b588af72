/* test_pcp.c - per-CPU pagesets (policies/pcp.c) through the grouping
 * policies: refills of batch pages from the buddy, allocation from the
 * list head, frees onto the lists, drains when count reaches high, CPU
 * routing. batch and high are the kernel's for the zone (sim/watermark.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "fragsim.h"
#include "watermark.h"

#define PAGES 16384ull                  /* 64 MiB: managed >> 10 = 16, batch 3 */

static struct fs_sim *sim(const char *spec)
{
	struct fs_layout l;
	struct fs_sim *s;
	struct fs_err err;

	fs_layout_single(&l, PAGES);
	cr_assert_eq(fs_sim_new(&s, &l, spec, FS_PLACE_POLICY, &err), 0, "%s", err.msg);
	s->debug_check = 1;
	return s;
}

static void ev(struct fs_sim *s, unsigned kind, uint64_t id, unsigned order, unsigned cpu)
{
	static uint64_t t;
	struct fs_event e = {
		.time_ns = t += 1000, .ident = id << 12, .kind = (uint8_t)kind,
		.order = (uint8_t)order, .mt = FS_MT_MOVABLE, .cpu = (uint16_t)cpu,
		.flags = FS_EVF_HAS_MT,
	};

	cr_assert_eq(fs_sim_apply(s, &e), 0);
}

static uint64_t pcp(const struct fs_sim *s)
{
	return s->m->zones[0].pcp_pages;
}

/* 6.x: an empty list is refilled with max(batch >> order, 2) blocks taken
 * one by one from the buddy; one goes to the caller */
Test(pcp, refill_6x)
{
	uint64_t batch = fs_wmark_zone_batchsize(&fs_wmark_rules_6_12, PAGES);
	struct fs_sim *s = sim("linux-6.15:watermarks=off");
	uint64_t free0 = s->m->zones[0].free_pages, want = batch > 2 ? batch : 2;

	cr_assert_eq(batch, 3);
	ev(s, FS_EV_ALLOC, 1, 0, 0);
	cr_assert_eq(pcp(s), want - 1);
	cr_assert_eq(s->m->zones[0].free_pages, free0 - want, "the refill came from the buddy");
	/* the next allocations are served from the list without touching the buddy */
	for (uint64_t i = 2; i <= want; i++)
		ev(s, FS_EV_ALLOC, i, 0, 0);
	cr_assert_eq(pcp(s), 0);
	cr_assert_eq(s->m->zones[0].free_pages, free0 - want);
	/* order 2: max(3 >> 2, 2) = 2 blocks */
	ev(s, FS_EV_ALLOC, 100, 2, 0);
	cr_assert_eq(pcp(s), 4);
	/* orders 4..8 are not per-CPU: straight from the buddy */
	ev(s, FS_EV_ALLOC, 200, 5, 0);
	cr_assert_eq(pcp(s), 4);
	fs_sim_free(s);
}

/* 3.10 and 4.19: order 0 only, refill with batch pages */
Test(pcp, order0_only_3_10)
{
	struct fs_sim *s = sim("linux-3.10:watermarks=off");

	ev(s, FS_EV_ALLOC, 1, 0, 0);
	cr_assert_eq(pcp(s), fs_wmark_zone_batchsize(&fs_wmark_rules_3_10, PAGES) - 1);
	ev(s, FS_EV_ALLOC, 2, 1, 0);
	cr_assert_eq(pcp(s), fs_wmark_zone_batchsize(&fs_wmark_rules_3_10, PAGES) - 1);
	fs_sim_free(s);
}

/* frees go onto the list; when count reaches high (3.10: 6 * batch) batch
 * pages go back to the buddy */
Test(pcp, drain_at_high_3_10)
{
	uint64_t batch = fs_wmark_zone_batchsize(&fs_wmark_rules_3_10, PAGES), high = 6 * batch;
	struct fs_sim *s = sim("linux-3.10:watermarks=off");
	uint64_t n = 40;

	for (uint64_t i = 1; i <= n; i++)
		ev(s, FS_EV_ALLOC, i, 0, 0);
	cr_assert_lt(pcp(s), batch);
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t before = pcp(s);

		ev(s, FS_EV_FREE, i, 0, 0);
		if (before + 1 >= high)
			cr_assert_eq(pcp(s), before + 1 - batch, "free %llu: drain of %llu expected",
				     (unsigned long long)i, (unsigned long long)batch);
		else
			cr_assert_eq(pcp(s), before + 1);
		cr_assert_lt(pcp(s), high);
	}
	fs_sim_free(s);
}

/* 6.x: drains at high, nr_pcp_free between batch and high - batch */
Test(pcp, drain_at_high_6x)
{
	struct fs_wmark_zone z = { .managed = PAGES, .kind = FS_WZ_LOWMEM, .reserve_ratio = 32 };
	struct fs_wmark_tunables t = { .nr_cpus = 2, .thp = true, .pageblock_nr_pages = 512 };
	struct fs_wmark_zone_setup out;
	struct fs_sim *s = sim("linux-6.15:watermarks=off");
	uint64_t n, high, batch;

	cr_assert_geq(fs_wmark_setup_all(&fs_wmark_rules_6_12, &z, 1, &t, &out), 0);
	high = out.pcp.high;
	batch = out.pcp.batch;
	cr_assert_gt(high, 2 * batch);
	n = 2 * high + 10;
	cr_assert_lt(n, PAGES / 2);
	for (uint64_t i = 1; i <= n; i++)
		ev(s, FS_EV_ALLOC, i, 0, 0);
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t before = pcp(s);

		ev(s, FS_EV_FREE, i, 0, 0);
		if (before + 1 >= high) {
			cr_assert_leq(pcp(s), before + 1 - batch, "free %llu", (unsigned long long)i);
			cr_assert_geq(pcp(s), batch, "at least batch pages stay");
		} else {
			cr_assert_eq(pcp(s), before + 1);
		}
	}
	fs_sim_free(s);
}

/* each CPU has its own lists: a page freed on CPU 1 is not used by CPU 0 */
Test(pcp, per_cpu_lists)
{
	struct fs_sim *s = sim("linux-6.15:watermarks=off,cpus=2");
	uint64_t free0;

	ev(s, FS_EV_ALLOC, 1, 0, 0);                      /* CPU 0 list: 2 left */
	ev(s, FS_EV_ALLOC, 2, 0, 0);
	ev(s, FS_EV_ALLOC, 3, 0, 0);                      /* CPU 0 list empty */
	ev(s, FS_EV_FREE, 1, 0, 1);                       /* onto CPU 1's list */
	cr_assert_eq(pcp(s), 1);
	free0 = s->m->zones[0].free_pages;
	ev(s, FS_EV_ALLOC, 4, 0, 0);                      /* CPU 0 refills from the buddy */
	cr_assert_lt(s->m->zones[0].free_pages, free0);
	free0 = s->m->zones[0].free_pages;
	ev(s, FS_EV_ALLOC, 5, 0, 1);                      /* CPU 1 takes its own page */
	cr_assert_eq(pcp(s), 2, "CPU 0's refill left 2, CPU 1's page was taken");
	cr_assert_eq(s->m->zones[0].free_pages, free0, "no refill for CPU 1");
	fs_sim_free(s);
}

/* pcp=off: no page is ever on a list */
Test(pcp, off)
{
	struct fs_sim *s = sim("linux-6.15:watermarks=off,pcp=off");

	ev(s, FS_EV_ALLOC, 1, 0, 0);
	ev(s, FS_EV_FREE, 1, 0, 0);
	cr_assert_eq(pcp(s), 0);
	cr_assert_eq(s->m->zones[0].free_pages, PAGES);
	fs_sim_free(s);
}
