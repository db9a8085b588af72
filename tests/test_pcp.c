/* test_pcp.c - per-CPU pagesets (policies/pcp.c) through the grouping
 * policies: refills of batch pages from the buddy, allocation from the
 * list head, frees onto the lists, drains when count reaches high, CPU
 * routing; 6.7+ auto-tuning of high (nr_pcp_alloc, nr_pcp_high,
 * ZONE_BELOW_HIGH, decay_pcp_high) and 2.6.24's single tagged list. batch
 * and high are the kernel's for the zone (sim/watermark.c).
 *
 * The machine is one 64 MiB Normal zone (16384 pages): 6.12 rules give
 * batch 3 (min(16384 >> 10, 256) / 4 = 4, rounddown_pow_of_two(4 + 2) - 1),
 * min_free_kbytes 3200 (khugepaged), watermarks min 800, low 1000, high
 * 1200; with cpus=16, high_min = max(1000 / 16, 4 * 3) = 62 and high_max =
 * max(16384 / 8 / 16, 12) = 128. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "../policies/grouping.h"
#include "test_util.h"
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

static uint64_t t;                      /* simulated time, ns */

static void ev_mt(struct fs_sim *s, unsigned kind, uint64_t id, unsigned order, unsigned cpu,
		  unsigned mt)
{
	struct fs_event e = {
		.time_ns = t += 1000, .ident = id << 12, .kind = (uint8_t)kind,
		.order = (uint8_t)order, .mt = (uint8_t)mt, .cpu = (uint16_t)cpu,
		.flags = FS_EVF_HAS_MT,
	};

	cr_assert_eq(fs_sim_apply(s, &e), 0);
}

static void ev(struct fs_sim *s, unsigned kind, uint64_t id, unsigned order, unsigned cpu)
{
	ev_mt(s, kind, id, order, cpu, FS_MT_MOVABLE);
}

/* the pageset of (zone 0, cpu) */
static struct fs_pcp *pset(struct fs_sim *s, unsigned cpu)
{
	struct fs_pcp_set *ps = &G(s->pol)->pcp;

	return &ps->pcp[cpu % ps->nr_cpus];
}

static uint64_t pfn_of(struct fs_sim *s, uint64_t id)
{
	const struct fs_alloc *a = fs_alloctab_lookup(&s->at, id << 12);

	cr_assert_not_null(a, "allocation %llu", (unsigned long long)id);
	return s->m->base_pfn + a->pfn_idx;
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

/* 6.7+ with auto-tuning off (high_min = high_max = 500, as a set
 * percpu_pagelist_high_fraction leaves it): a free that brings count to
 * high drains nr_pcp_free = clamp(free_count, batch, high - batch), where
 * free_count counts the frees in a row up to batch << 5 = 96 */
Test(pcp, drain_at_high_6x)
{
	struct fs_wmark_zone z = { .managed = PAGES, .kind = FS_WZ_LOWMEM, .reserve_ratio = 32 };
	struct fs_wmark_tunables tu = { .nr_cpus = 2, .thp = true, .pageblock_nr_pages = 512 };
	struct fs_wmark_zone_setup out;
	struct fs_sim *s = sim("linux-6.15:watermarks=off,pcp_autotune=off");
	uint64_t n, high, batch, fc = 0;

	cr_assert_geq(fs_wmark_setup_all(&fs_wmark_rules_6_12, &z, 1, &tu, &out), 0);
	high = out.pcp.high_min;
	batch = out.pcp.batch;
	cr_assert_eq(high, 500);
	cr_assert_eq(batch, 3);
	n = 2 * high + 10;
	for (uint64_t i = 1; i <= n; i++)
		ev(s, FS_EV_ALLOC, i, 0, 0);
	cr_assert_eq(pset(s, 0)->high, high, "no auto-tuning: refills leave high alone");
	for (uint64_t i = 1; i <= n; i++) {
		uint64_t before = pcp(s), drain;

		ev(s, FS_EV_FREE, i, 0, 0);
		fc = fc < 96 ? fc + 1 : fc;
		drain = fc < batch ? batch : fc > high - batch ? high - batch : fc;
		if (before + 1 >= high)
			cr_assert_eq(pcp(s), before + 1 - drain, "free %llu: drain of %llu expected",
				     (unsigned long long)i, (unsigned long long)drain);
		else
			cr_assert_eq(pcp(s), before + 1);
		cr_assert_eq(pset(s, 0)->high, high);
	}
	fs_sim_free(s);
}

/* 6.7+ nr_pcp_alloc: each order-0 refill of an empty list raises high by
 * the refill (up to high_max) and doubles the next one (alloc_factor, up
 * to batch << 5 = 96, at most max(high - count - batch, batch)); a free
 * halves alloc_factor. 2 CPUs: high_min 500, high_max 16384 / 8 / 2 = 1024. */
Test(pcp, autotune_refills_double_and_raise_high)
{
	static const uint64_t refill[] = { 3, 6, 12, 24, 48, 96, 96 };
	static const uint64_t high[] = { 503, 509, 521, 545, 593, 689, 785 };
	struct fs_sim *s = sim("linux-6.15:watermarks=off");
	struct fs_pcp *pc = pset(s, 0);
	uint64_t id = 1, free0 = s->m->zones[0].free_pages;

	cr_assert_eq(pc->high, 500);
	cr_assert_eq(pc->high_max, 1024);
	for (unsigned k = 0; k < 7; k++) {
		cr_assert_eq(pc->count, 0);
		ev(s, FS_EV_ALLOC, id++, 0, 0);
		cr_assert_eq(pc->count, refill[k] - 1, "refill %u", k);
		cr_assert_eq(pc->high, high[k], "refill %u", k);
		free0 -= refill[k];
		cr_assert_eq(s->m->zones[0].free_pages, free0);
		while (pc->count)
			ev(s, FS_EV_ALLOC, id++, 0, 0);
	}
	cr_assert_eq(pc->alloc_factor, 5);
	ev(s, FS_EV_FREE, 1, 0, 0);                     /* alloc_factor 5 >> 1 = 2 */
	cr_assert_eq(pc->alloc_factor, 2);
	ev(s, FS_EV_ALLOC, id++, 0, 0);                 /* the freed page */
	ev(s, FS_EV_ALLOC, id++, 0, 0);                 /* refill 3 << 2 = 12 */
	cr_assert_eq(pc->count, 11);
	cr_assert_eq(pc->high, 785 + 12);
	fs_sim_free(s);
}

/* 6.7+ nr_pcp_high: when count reaches high, high rises to hold the pages
 * freed in a row (free_count + batch), and the drain is clamp(free_count,
 * batch, high - batch) of the old high. CPU 0 only frees pages CPU 1
 * allocated. 16 CPUs: high_min 62, high_max 128. */
Test(pcp, autotune_frees_raise_high)
{
	struct fs_sim *s = sim("linux-6.15:watermarks=off,cpus=16");
	struct fs_pcp *pc = pset(s, 0);

	cr_assert_eq(pc->high_min, 62);
	cr_assert_eq(pc->high_max, 128);
	for (uint64_t i = 1; i <= 300; i++)
		ev(s, FS_EV_ALLOC, i, 0, 1);
	for (uint64_t k = 1; k <= 220; k++) {
		ev(s, FS_EV_FREE, k, 0, 0);
		if (k == 62) {          /* need_high 62 + 3; drain clamp(62, 3, 59) */
			cr_assert_eq(pc->high, 65);
			cr_assert_eq(pc->count, 3);
		} else if (k == 124) {  /* free_count capped at 96: high 99, drain clamp(96, 3, 62) */
			cr_assert_eq(pc->high, 99);
			cr_assert_eq(pc->count, 3);
		} else if (k == 220) {  /* drain clamp(96, 3, 96) */
			cr_assert_eq(pc->high, 99);
			cr_assert_eq(pc->count, 3);
		} else {
			cr_assert_eq(pc->count, k < 62 ? k : k < 124 ? 3 + k - 62 : 3 + k - 124,
				     "free %llu", (unsigned long long)k);
		}
		cr_assert_eq(pc->free_count, k < 96 ? k : 96);
	}
	fs_sim_free(s);
}

/* 200 allocations on CPU 0 with 16 CPUs: refills 3, 6, 12, 24, 48, 96, 96
 * raise high 62 -> 65, 71, 83, 107, 128 (high_max); 285 pages came in, 85
 * are left */
static struct fs_sim *raised(const char *spec)
{
	struct fs_sim *s = sim(spec);

	t = 0;
	fs_sim_tick(s, 0);                      /* starts the decay timer: 1 s */
	for (uint64_t i = 1; i <= 200; i++)
		ev(s, FS_EV_ALLOC, i, 0, 0);
	cr_assert_eq(pset(s, 0)->high, 128);
	cr_assert_eq(pset(s, 0)->count, 85);
	cr_assert_eq(s->m->zones[0].free_pages, PAGES - 285);
	return s;
}

/* 6.7+ ZONE_BELOW_HIGH: set when an allocation finds the zone under its
 * high watermark (1200); then every free lowers high by max(free_count,
 * batch) toward high_min and drains from max(count, high_min); a drain
 * that leaves the zone above the mark clears it. */
Test(pcp, autotune_below_high_lowers_high)
{
	static const uint64_t high[] = { 125, 122, 119, 115, 110 };
	static const uint64_t count[] = { 83, 81, 79, 76, 72 };
	struct fs_sim *s = raised("linux-6.15:watermarks=off,cpus=16");
	struct fs_pcp_set *ps = &G(s->pol)->pcp;
	struct fs_pcp *pc = pset(s, 0);
	uint64_t blocks = 0;

	/* order-8 blocks (no pcp) until the flag is set: before the 59th,
	 * 16099 - 58 * 256 = 1251 free pages, 1251 - 255 <= 1200 */
	while (!ps->below_high[0]) {
		ev(s, FS_EV_ALLOC, 1000 + blocks, 8, 1);
		blocks++;
		cr_assert_lt(blocks, 63);
	}
	cr_assert_eq(blocks, 59);
	cr_assert_eq(s->m->zones[0].free_pages, 995);
	for (unsigned k = 0; k < 5; k++) {
		ev(s, FS_EV_FREE, k + 1, 0, 0);
		cr_assert_eq(pc->high, high[k], "free %u", k + 1);
		cr_assert_eq(pc->count, count[k], "free %u", k + 1);
		cr_assert(ps->below_high[0], "998..1010 free pages: still below 1200");
	}
	/* a refill does not raise high while below */
	ev(s, FS_EV_ALLOC, 500, 0, 2);
	cr_assert_eq(pset(s, 2)->high, 62);
	for (uint64_t b = 0; b < blocks; b++)
		ev(s, FS_EV_FREE, 1000 + b, 8, 1);    /* straight to the buddy: flag stays */
	cr_assert(ps->below_high[0]);
	ev(s, FS_EV_FREE, 6, 0, 0);                     /* high 110 - 6; drain clamp(6, 3, 70) */
	cr_assert_eq(pc->high, 104);
	cr_assert_eq(pc->count, 67);
	cr_assert_not(ps->below_high[0], "the drain left the zone above its high watermark");
	fs_sim_free(s);
}

/* 6.7+ ZONE_RECLAIM_ACTIVE (kswapd in balance_pgdat): a free lowers high
 * by max(free_count, batch) toward high_min and drains from min(batch <<
 * 2, high) = 12: nr_pcp_free = clamp(free_count, 3, 12 - 3) */
Test(pcp, autotune_reclaim_active_drains)
{
	static const uint64_t high[] = { 125, 122, 119, 115, 110 };
	static const uint64_t count[] = { 83, 81, 79, 76, 72 };
	struct fs_sim *s = raised("linux-6.15:watermarks=off,cpus=16");
	struct fs_pcp *pc = pset(s, 0);

	s->m->zones[0].reclaim_active = true;
	for (unsigned k = 0; k < 5; k++) {
		ev(s, FS_EV_FREE, k + 1, 0, 0);
		cr_assert_eq(pc->high, high[k], "free %u", k + 1);
		cr_assert_eq(pc->count, count[k], "free %u", k + 1);
	}
	/* frees 6..12 drain 6, 7, 8, 9, 9, 9, 9 as high falls 104, 97, 89, 80,
	 * 70 and stops at high_min 62 */
	for (unsigned k = 5; k < 12; k++)
		ev(s, FS_EV_FREE, k + 1, 0, 0);
	cr_assert_eq(pc->high, 62);
	cr_assert_eq(pc->count, 22);
	for (unsigned k = 12; k < 15; k++)              /* 22 + 1 - 9, 14 + 1 - 9, then 6 + 1 < 12 */
		ev(s, FS_EV_FREE, k + 1, 0, 0);
	cr_assert_eq(pc->count, 7, "the lists stay under 4 batches while kswapd reclaims");
	s->m->zones[0].reclaim_active = false;
	fs_sim_free(s);
}

/* 6.7+ decay_pcp_high, every second from vmstat_update: high = max(count -
 * (batch << 5), high - high / 8, high_min), then the pages above high drain */
Test(pcp, autotune_decay_every_second)
{
	static const uint64_t high[] = { 112, 98, 86, 76, 67, 62, 62 };
	static const uint64_t count[] = { 85, 85, 85, 76, 67, 62, 62 };
	struct fs_sim *s = raised("linux-6.15:watermarks=off,cpus=16");
	struct fs_pcp *pc = pset(s, 0);

	for (unsigned k = 0; k < 7; k++) {
		fs_sim_tick(s, (k + 1) * 1000000000ull);
		cr_assert_eq(pc->high, high[k], "second %u", k + 1);
		cr_assert_eq(pc->count, count[k], "second %u", k + 1);
		fs_sim_tick(s, (k + 1) * 1000000000ull + 500000000ull);   /* not due */
		cr_assert_eq(pc->high, high[k]);
	}
	fs_sim_free(s);
	/* a long gap catches up, one round per second, until a round finds
	 * nothing to do: 6 rounds of work and the idle one */
	s = raised("linux-6.15:watermarks=off,cpus=16");
	fs_sim_tick(s, 100000000000ull);
	cr_assert_eq(pset(s, 0)->high, 62);
	cr_assert_eq(pset(s, 0)->count, 62);
	cr_assert_eq(G(s->pol)->pcp.decays, 7);
	cr_assert_eq(G(s->pol)->pcp.next_decay_ns, 101000000000ull);
	fs_sim_free(s);
}

/* with auto-tuning off nothing decays: high stays at high_min */
Test(pcp, autotune_off_keeps_high)
{
	struct fs_sim *s = sim("linux-6.10:watermarks=off,cpus=16,pcp_autotune=off");

	t = 0;
	fs_sim_tick(s, 0);
	for (uint64_t i = 1; i <= 200; i++)
		ev(s, FS_EV_ALLOC, i, 0, 0);
	cr_assert_eq(pset(s, 0)->high, 62);
	cr_assert_eq(pset(s, 0)->high_max, 62);
	fs_sim_tick(s, 5000000000ull);
	cr_assert_eq(pset(s, 0)->high, 62);
	cr_assert_leq(pset(s, 0)->count, 62, "decay drains what refills put above high");
	fs_sim_free(s);
}

Test(pcp, autotune_tunable)
{
	struct fs_layout l;
	struct fs_sim *s;
	struct fs_err err;

	fs_layout_single(&l, PAGES);
	cr_assert_neq(fs_sim_new(&s, &l, "linux-4.19:pcp_autotune=on", FS_PLACE_POLICY, &err), 0);
	cr_assert(strstr(err.msg, "6.7"), "%s", err.msg);
	cr_assert_neq(fs_sim_new(&s, &l, "linux-6.15:pcp_autotune=maybe", FS_PLACE_POLICY, &err), 0);
	cr_assert_eq(fs_sim_new(&s, &l, "linux-4.19:pcp_autotune=off", FS_PLACE_POLICY, &err), 0);
	fs_sim_free(s);
}

/* 2.6.24 buffered_rmqueue: one list; rmqueue_bulk puts its pages after
 * the head in pfn order, tagged with the requested type; allocation takes
 * the first page of its type, refilling at the head when there is none. */
Test(pcp, single_list_2_6_24)
{
	struct fs_sim *s = sim("linux-2.6.24:watermarks=off");
	struct fs_pcp *pc = pset(s, 0);
	uint64_t p, u;

	cr_assert_eq(pc->batch, 3);
	cr_assert_eq(pc->high, 18);
	ev_mt(s, FS_EV_ALLOC, 1, 0, 0, FS_MT_MOVABLE);          /* [P+1 P+2] */
	p = pfn_of(s, 1);
	cr_assert_eq(pc->count, 2);
	ev_mt(s, FS_EV_ALLOC, 2, 0, 0, FS_MT_UNMOVABLE);        /* refill: [U+1 U+2 P+1 P+2] */
	u = pfn_of(s, 2);
	cr_assert_eq(pc->count, 4);
	cr_assert_eq(pc->nr_tagged[FS_MT_UNMOVABLE], 2);
	cr_assert_eq(pc->nr_tagged[FS_MT_MOVABLE], 2);
	ev_mt(s, FS_EV_ALLOC, 3, 0, 0, FS_MT_MOVABLE);          /* the search skips U+1, U+2 */
	cr_assert_eq(pfn_of(s, 3), p + 1);
	ev_mt(s, FS_EV_ALLOC, 4, 0, 0, FS_MT_UNMOVABLE);
	cr_assert_eq(pfn_of(s, 4), u + 1);
	/* a freed page goes to the head, tagged with its pageblock's type */
	ev_mt(s, FS_EV_FREE, 1, 0, 0, FS_MT_MOVABLE);           /* [P U+2 P+2] */
	cr_assert_eq(pc->nr_tagged[FS_MT_MOVABLE], 2);
	ev_mt(s, FS_EV_ALLOC, 5, 0, 0, FS_MT_MOVABLE);
	cr_assert_eq(pfn_of(s, 5), p, "hot: the page just freed");
	ev_mt(s, FS_EV_ALLOC, 6, 0, 0, FS_MT_MOVABLE);
	cr_assert_eq(pfn_of(s, 6), p + 2);
	ev_mt(s, FS_EV_ALLOC, 7, 0, 0, FS_MT_MOVABLE);          /* none left: refill at the head */
	cr_assert_eq(pc->count, 3, "U+2 and the refill's two others");
	cr_assert_eq(pc->nr_tagged[FS_MT_UNMOVABLE], 1);
	fs_sim_free(s);
}

/* 2.6.24: when the zone has nothing left, the second rmqueue_bulk brings
 * nothing and buffered_rmqueue takes the head whatever its tag; an empty
 * list whose refill brings nothing fails */
Test(pcp, single_list_2_6_24_empty_zone)
{
	struct fs_sim *s = sim("linux-2.6.24:watermarks=off");
	uint64_t x;

	for (uint64_t i = 0; i < 15; i++)
		ev(s, FS_EV_ALLOC, 10000 + i, 10, 1);
	for (uint64_t i = 1; i <= 1024; i++)
		ev(s, FS_EV_ALLOC, i, 0, 1);
	cr_assert_eq(s->m->zones[0].free_pages, 0);
	cr_assert_eq(pcp(s), 0);
	x = pfn_of(s, 7);
	ev(s, FS_EV_FREE, 7, 0, 0);                     /* CPU 0: [X], tagged MOVABLE */
	ev_mt(s, FS_EV_ALLOC, 2000, 0, 0, FS_MT_UNMOVABLE);
	cr_assert_eq(pfn_of(s, 2000), x, "the head, although tagged MOVABLE");
	cr_assert_eq(pset(s, 0)->count, 0);
	cr_assert_eq(s->c.alloc_failures, 0);
	ev_mt(s, FS_EV_ALLOC, 2001, 0, 0, FS_MT_UNMOVABLE);
	cr_assert_eq(s->c.alloc_failures, 1);
	fs_sim_free(s);
}

/* 2.6.24 free_hot_cold_page: at count >= high (6 x batch = 18)
 * free_pages_bulk returns batch pages from the tail */
Test(pcp, drain_at_high_2_6_24)
{
	struct fs_sim *s = sim("linux-2.6.24:watermarks=off");
	struct fs_pcp *pc = pset(s, 0);
	uint64_t oldest;

	for (uint64_t i = 1; i <= 40; i++)
		ev(s, FS_EV_ALLOC, i, 0, 1);
	oldest = pfn_of(s, 1);
	for (uint64_t i = 1; i <= 40; i++) {
		uint64_t before = pc->count;

		ev(s, FS_EV_FREE, i, 0, 0);
		if (before + 1 >= 18) {
			cr_assert_eq(pc->count, before + 1 - 3, "free %llu", (unsigned long long)i);
			if (i == 18)    /* the first three freed were at the tail */
				cr_assert_eq(fs_pg_kind(s->m->pages[oldest - s->m->base_pfn]), FS_PG_FREE);
		} else {
			cr_assert_eq(pc->count, before + 1);
		}
	}
	cr_assert_eq(pc->count, pc->nr_tagged[FS_MT_MOVABLE]);
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
	cr_assert_eq(s->m->zones[0].free_pages, free0 - 6, "3 << alloc_factor 1");
	free0 = s->m->zones[0].free_pages;
	ev(s, FS_EV_ALLOC, 5, 0, 1);                      /* CPU 1 takes its own page */
	cr_assert_eq(pcp(s), 5, "CPU 0's refill left 5, CPU 1's page was taken");
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

/* Random allocations and frees of orders 0..3 and 9, of every pcp type,
 * on 4 CPUs, with time running so 6.7+ pagesets decay: the invariant
 * checker holds after every event (debug_check), the pagesets' counts add
 * up to the zone's pcp_pages, 2.6.24's tags to its counts, high stays in
 * [high_min, high_max]; draining every CPU and freeing everything gives
 * all memory back. */
Test(pcp, random_sequences_keep_invariants)
{
	static const char *const specs[] = {
		"linux-2.6.24:cpus=4", "linux-3.10:cpus=4", "linux-6.15:cpus=4",
		"linux-6.10:cpus=4,pcp_autotune=off", "linux-6.15:cpus=4,watermarks=off",
	};

	for (unsigned k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		struct fs_sim *s = sim(specs[k]);
		struct fs_pcp_set *ps = &G(s->pol)->pcp;
		static uint64_t live[4096];
		unsigned nlive = 0;
		struct tu_rng g;
		uint64_t maxpcp = 0;

		tu_rng_seed(&g, 7 + k);
		t = 0;
		for (unsigned step = 0; step < 12000; step++) {
			uint64_t sum = 0;

			t += 1000000;                   /* 1 ms per event: 12 s in all */
			fs_sim_tick(s, t);
			if (nlive < 4096 && (nlive == 0 || tu_chance(&g, nlive < 1500 ? 60 : 45))) {
				uint64_t id = step + 1;
				unsigned o = tu_chance(&g, 2) ? 9 : tu_skewed_order(&g, 3);

				ev_mt(s, FS_EV_ALLOC, id, o, (unsigned)tu_below(&g, 4),
				      (unsigned)tu_below(&g, 3));
				if (fs_alloctab_lookup(&s->at, id << 12))
					live[nlive++] = id;
			} else {
				unsigned i = (unsigned)tu_below(&g, nlive);
				const struct fs_alloc *a = fs_alloctab_lookup(&s->at, live[i] << 12);

				ev(s, FS_EV_FREE, live[i], a->order, (unsigned)tu_below(&g, 4));
				live[i] = live[--nlive];
			}
			for (unsigned c = 0; c < ps->nr_cpus; c++) {
				struct fs_pcp *pc = pset(s, c);

				sum += pc->count;
				cr_assert_geq(pc->high, pc->high_min, "%s", specs[k]);
				cr_assert_leq(pc->high, pc->high_max, "%s", specs[k]);
				if (ps->style == FS_PCP_2_6_24)
					cr_assert_eq(pc->nr_tagged[0] + pc->nr_tagged[1] + pc->nr_tagged[2],
						     pc->count, "%s", specs[k]);
			}
			cr_assert_eq(sum, s->m->zones[0].pcp_pages, "%s step %u", specs[k], step);
			maxpcp = sum > maxpcp ? sum : maxpcp;
		}
		cr_assert_gt(maxpcp, 0, "%s never used its pagesets", specs[k]);
		if (ps->style == FS_PCP_6_7)
			cr_assert_geq(ps->decays, 11, "%s: one decay round a second", specs[k]);
		cr_assert_eq(s->c.unknown_frees + s->c.double_frees + s->c.free_order_mismatches, 0);
		while (nlive) {
			const struct fs_alloc *a = fs_alloctab_lookup(&s->at, live[nlive - 1] << 12);

			ev(s, FS_EV_FREE, live[nlive - 1], a->order, 0);
			nlive--;
		}
		s->pol->ops->drain(s->pol, 0, -1);
		cr_assert_eq(s->m->zones[0].pcp_pages, 0, "%s", specs[k]);
		cr_assert_eq(s->m->zones[0].free_pages, PAGES, "%s", specs[k]);
		fs_sim_free(s);
	}
}

/* 2.6.24 free_hot_cold_page tags a page with its pageblock's type, and a
 * MIGRATE_RESERVE block's page keeps tag RESERVE on the list: no request
 * asks for that type, so a MOVABLE allocation takes a MOVABLE-tagged page
 * before it, and a drain returns it to the reserve's lists. */
Test(pcp, reserve_tag_2_6_24)
{
	struct fs_sim *s = sim("linux-2.6.24:watermarks=off,cpus=1");
	struct fs_machine *m = s->m;
	struct fs_zone *z = &m->zones[0];
	struct fs_pcp *pc = pset(s, 0);
	uint64_t rpfn = UINT64_MAX;

	for (uint64_t b = 0; b < m->nr_pb && rpfn == UINT64_MAX; b++)
		if (m->pb[b].type == FS_MT_RESERVE)
			rpfn = m->base_pfn + (b << m->pageblock_order);
	cr_assert_neq(rpfn, UINT64_MAX, "2.6.24 sets up a reserve pageblock");
	ev_mt(s, FS_EV_ALLOC, 1, 0, 0, FS_MT_MOVABLE);          /* a refill: 2 MOVABLE-tagged left */
	cr_assert_eq(pc->nr_tagged[FS_MT_MOVABLE], 2);
	cr_assert_eq(fs_buddy_take(m, z, rpfn, 0), 0);
	cr_assert(fs_pcp_free(&G(s->pol)->pcp, s->pol, z, 0, rpfn, 0));
	cr_assert_eq(pc->nr_tagged[FS_MT_RESERVE], 1);
	ev_mt(s, FS_EV_ALLOC, 2, 0, 0, FS_MT_MOVABLE);
	cr_assert_neq(pfn_of(s, 2), rpfn, "the search passes over the RESERVE-tagged head");
	cr_assert_eq(pc->nr_tagged[FS_MT_RESERVE], 1);
	s->pol->ops->drain(s->pol, 0, -1);
	cr_assert_eq(pc->nr_tagged[FS_MT_RESERVE], 0);
	cr_assert(fs_buddy_is_free_head(m, rpfn, 0) || fs_pg_kind(m->pages[rpfn - m->base_pfn]) != FS_PG_OTHER);
	cr_assert_eq(fs_check(s, &(struct fs_err){ { 0 } }), 0);
	fs_sim_free(s);
}

/* pcp_batch / pcp_high fix the sizes by hand (as the percpu_pagelist
 * sysctls do); a fixed high stops 6.7+'s auto-tuning; high must exceed
 * batch. */
Test(pcp, batch_and_high_by_hand)
{
	struct fs_sim *s = sim("linux-3.10:watermarks=off,pcp_batch=5,pcp_high=40");
	struct fs_layout l;
	struct fs_err err;

	cr_assert_eq(pset(s, 0)->batch, 5);
	cr_assert_eq(pset(s, 0)->high, 40);
	fs_sim_free(s);
	s = sim("linux-6.15:watermarks=off,pcp_high=64");
	cr_assert_eq(pset(s, 0)->high_min, 64);
	cr_assert_eq(pset(s, 0)->high_max, 64);
	for (uint64_t i = 1; i <= 200; i++)            /* refills would raise an auto-tuned high */
		ev(s, FS_EV_ALLOC, i, 0, 0);
	cr_assert_eq(pset(s, 0)->high, 64);
	fs_sim_free(s);
	fs_layout_single(&l, PAGES);
	cr_assert_neq(fs_sim_new(&s, &l, "linux-6.15:pcp_batch=64,pcp_high=64", FS_PLACE_POLICY, &err), 0);
	cr_assert(strstr(err.msg, "must exceed batch"), "%s", err.msg);
	cr_assert_neq(fs_sim_new(&s, &l, "linux-6.15:pcp_batch=x", FS_PLACE_POLICY, &err), 0);
}
