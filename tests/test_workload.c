/* test_workload.c - workload specs (parsing and its errors), the generator
 * (determinism, distributions, arrivals, phases, footprints, probes, free
 * times) and the engine's side of workloads (probe counters, LRU reclaim). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../policies/compact_int.h"
#include "internal.h"
#include "watermark.h"
#include "gfp.h"
#include "workload.h"
#include "test_util.h"

static struct fs_wl_spec *parse(const char *yaml)
{
	struct fs_wl_spec *sp = NULL;
	struct fs_err err = { "" };
	int rc = fs_wl_load_buffer(&sp, "w.yaml", yaml, strlen(yaml), &err);

	cr_assert_eq(rc, 0, "parse failed: %s", err.msg);
	return sp;
}

/* The message of a spec that must be refused (at parse, or at generator
 * creation for a machine with max_order 10). */
static const char *refuse(const char *yaml)
{
	static struct fs_err err;
	struct fs_wl_spec *sp = NULL;
	struct fs_wl_gen *g = NULL;
	int rc = fs_wl_load_buffer(&sp, "w.yaml", yaml, strlen(yaml), &err);

	if (!rc) {
		rc = fs_wl_gen_new(&g, sp, 10, 1 << 20, NULL, &err);
		fs_wl_gen_free(g);
		fs_wl_free(sp);
	}
	cr_assert_lt(rc, 0, "accepted: %s", yaml);
	return err.msg;
}

#define assert_msg(yaml, want)                                                            \
	do {                                                                              \
		const char *m_ = refuse(yaml);                                            \
		cr_assert(strstr(m_, want), "message \"%s\" lacks \"%s\"", m_, want);     \
	} while (0)

static struct fs_wl_gen *gen(const struct fs_wl_spec *sp, uint64_t pages, struct fs_keytab *keys)
{
	struct fs_wl_gen *g = NULL;
	struct fs_err err = { "" };

	cr_assert_eq(fs_wl_gen_new(&g, sp, 10, pages, keys, &err), 0, "%s", err.msg);
	return g;
}

/* ---- parsing -------------------------------------------------------------------- */

Test(workload, parses_every_part)
{
	struct fs_wl_spec *sp = parse(
		"seed: 99\n"
		"machine: {memory: 256M, max_order: 10}\n"
		"cpus: 4\n"
		"classes:\n"
		"  - name: cache\n"
		"    rate: 1500.5\n"
		"    order: {0: 3, 2: 1}\n"
		"    gfp: GFP_HIGHUSER_MOVABLE\n"
		"    key: pagecache\n"
		"    lifetime: until_reclaimed\n"
		"    referenced: yes\n"
		"    footprint: 40%\n"
		"  - name: net\n"
		"    arrival: burst\n"
		"    every: 10ms\n"
		"    count: 8\n"
		"    gfp: GFP_ATOMIC\n"
		"    order: 1\n"
		"    lifetime: {dist: lognormal, median: 2ms, sigma: 0.5, max: 1s}\n"
		"phases:\n"
		"  - {name: fill, duration: 2s, classes: [cache]}\n"
		"  - name: churn\n"
		"    duration: 500ms\n"
		"    classes: {net: {count: 16}, cache: {rate: 10, footprint: 1G}}\n"
		"    probes: [{at: 100ms, order: 9, count: 3, hold: 1s}]\n");

	cr_assert_eq(sp->seed, 99);
	cr_assert(sp->has_machine);
	cr_assert_eq(sp->layout.zones[0].nr_pages, 65536);
	cr_assert_eq(sp->cpus, 4);
	cr_assert_eq(sp->duration_ns, 2500000000ull, "duration = the phases' sum");
	cr_assert_eq(sp->nr_classes, 2);
	cr_assert_float_eq(sp->classes[0].arrive.rate, 1500.5, 1e-9);
	cr_assert_float_eq(sp->classes[0].order_cdf[0], 0.75, 1e-12);
	cr_assert_float_eq(sp->classes[0].order_cdf[1], 0.75, 1e-12);
	cr_assert_float_eq(sp->classes[0].order_cdf[2], 1.0, 1e-12);
	cr_assert_eq(sp->classes[0].max_order, 2);
	cr_assert_eq(sp->classes[0].mt, FS_MT_MOVABLE);
	cr_assert_eq(sp->classes[0].flags, FS_EVF_LRU | FS_EVF_REFERENCED | FS_EVF_HAS_GFP,
		     "until_reclaimed implies reclaimable");
	cr_assert_str_eq(sp->classes[0].key, "pagecache");
	cr_assert_float_eq(sp->classes[0].footprint_frac, 0.4, 1e-12);
	cr_assert_eq(sp->classes[1].arrive.process, FS_WL_BURST);
	cr_assert_eq(sp->classes[1].arrive.every_ns, 10000000ull);
	cr_assert_eq(sp->classes[1].flags, FS_EVF_ATOMIC | FS_EVF_HAS_GFP);
	cr_assert_eq(sp->classes[1].gfp & FS_GFP_DIRECT_RECLAIM, 0);
	cr_assert_eq(sp->classes[1].mt, FS_MT_UNMOVABLE);
	cr_assert_eq(sp->classes[1].life.dist, FS_WL_LIFE_LOGNORMAL);
	cr_assert_float_eq(sp->classes[1].life.a, 2e6, 1e-6);
	cr_assert_float_eq(sp->classes[1].life.b, 0.5, 1e-12);
	cr_assert_float_eq(sp->classes[1].life.max, 1e9, 1e-6);
	cr_assert_eq(sp->nr_phases, 2);
	cr_assert(sp->phases[0].cls[0].active);
	cr_assert_not(sp->phases[0].cls[1].active);
	cr_assert_eq(sp->phases[1].cls[1].arrive.count, 16, "phase override");
	cr_assert_eq(sp->phases[1].cls[1].arrive.every_ns, 10000000ull, "class value kept");
	cr_assert_float_eq(sp->phases[1].cls[0].arrive.rate, 10, 1e-12);
	cr_assert_eq(sp->phases[1].cls[0].footprint_pages, 262144);
	cr_assert_eq(sp->phases[1].nr_probes, 1);
	cr_assert_eq(sp->phases[1].probes[0].order, 9);
	cr_assert_eq(sp->phases[1].probes[0].hold_ns, 1000000000ull);
	cr_assert_eq(sp->phases[1].probes[0].flags, FS_EVF_PROBE | FS_EVF_ATOMIC | FS_EVF_HAS_GFP);
	fs_wl_free(sp);
}

Test(workload, errors_name_file_line_col_and_key)
{
	assert_msg("duration: 1s\nclasses: [{name: a, rate: 1}]\nbogus: 3\n",
		   "w.yaml:3:1: unknown key \"bogus\"");
	assert_msg("duration: 1s\nclasses:\n  - name: a\n    rate: 1\n    colour: red\n",
		   "w.yaml:5:5: unknown key \"colour\" in a class");
	assert_msg("duration: 1s\nclasses:\n  - name: a\n    rate: 1\n    referenced: true\n",
		   "w.yaml:3:5: class \"a\": referenced needs reclaimable: true");
	assert_msg("duration: 1s\nclasses:\n  - name: a\n    rate: -5\n",
		   "w.yaml:4:11: \"rate\" must be at least 0, got -5");
	assert_msg("duration: 1s\nclasses:\n  - name: a\n    rate: 1\n    lifetime: {dist: weibull, mean: 1s}\n",
		   "w.yaml:5:22: unknown distribution \"weibull\"");
	assert_msg("duration: 1s\nclasses:\n  - name: a\n    rate: 1\n    order: 11\n",
		   "w.yaml:5:12: \"order\" 11 is above the machine's max_order 10");
	assert_msg("duration: 1s\nclasses:\n  - name: a\n    rate: 1\n    order: 16\n",
		   "w.yaml:5:12: \"order\" 16 is above 15");
	assert_msg("duration: 1s\nclasses:\n  - name: a\n    rate: 1\n    lifetime: {dist: pareto, min: 1s}\n",
		   "a pareto lifetime needs \"min\" and alpha");
	assert_msg("duration: 1s\nclasses:\n  - name: a\n    arrival: burst\n    every: 1s\n",
		   "w.yaml:3:5: a: burst arrivals need \"every\" and \"count\"");
	assert_msg("classes: [{name: a, rate: 1}]\nphases:\n  - {duration: 1s, classes: [b]}\n",
		   "w.yaml:3:30: unknown class \"b\" in a phase");
	assert_msg("classes: [{name: a}]\nduration: 1s\n", "class \"a\" needs \"rate\"");
	assert_msg("classes: [{name: a, rate: 1}]\n", "\"duration\" is needed");
	assert_msg("duration: 1s\nclasses: [{name: a, rate: 1, gfp: GFP_MAGIC}]\n",
		   "w.yaml:2:35: \"gfp\" expects kernel gfp flags");
	assert_msg("duration: 1s\nclasses: [{name: a, rate: 1, footprint: 120%}]\n",
		   "\"footprint\" expects a percentage in (0, 100]");
	assert_msg("duration: 1s\nprobes: [{at: 1s, order: 12}]\n",
		   "w.yaml:2:26: \"order\" 12 is above the machine's max_order 10");
	assert_msg("duration: 1s\nmachine: {memory: 1G, zones: []}\nclasses: [{name: a, rate: 1}]\n",
		   "\"memory\" excludes \"zones\"");
	assert_msg("duration: 1s\nprobes: [{order: 9, key: \"a b\"}]\n", "w.yaml:2:26: \"key\" may not contain blanks");
	assert_msg("duration: [1s\n", "w.yaml:");
}

/* ---- PRNG and distributions ------------------------------------------------------------ */

/* The reference xoshiro256** output for the state {1, 2, 3, 4}: if the
 * generator's formula changed, every workload's events would. */
Test(workload, xoshiro_reference_output)
{
	struct fs_wl_rng g = { { 1, 2, 3, 4 } };

	cr_assert_eq(fs_wl_rng_next(&g), 11520ull);
	cr_assert_eq(fs_wl_rng_next(&g), 0ull);
	cr_assert_eq(fs_wl_rng_next(&g), 1509978240ull);
	cr_assert_eq(fs_wl_rng_next(&g), 1215971899390074240ull);
}

static double sample_mean(const struct fs_wl_lifetime *l, unsigned n, double *min, double *median)
{
	struct fs_wl_rng g;
	double sum = 0;
	double *v = malloc(n * sizeof(*v));

	fs_wl_rng_seed(&g, 12345);
	*min = INFINITY;
	for (unsigned i = 0; i < n; i++) {
		v[i] = (double)fs_wl_lifetime_sample(l, &g);
		sum += v[i];
		if (v[i] < *min)
			*min = v[i];
	}
	if (median) {
		/* nth element by counting: values below the true median */
		unsigned below = 0;

		for (unsigned i = 0; i < n; i++)
			below += v[i] < *median;
		*median = (double)below / n;
	}
	free(v);
	return sum / n;
}

Test(workload, lifetime_distributions_have_their_moments)
{
	const unsigned n = 200000;
	double min, frac;
	struct fs_wl_lifetime exp_l = { .dist = FS_WL_LIFE_EXP, .a = 5e8 };
	struct fs_wl_lifetime logn = { .dist = FS_WL_LIFE_LOGNORMAL, .a = 1e9, .b = 0.5 };
	struct fs_wl_lifetime par = { .dist = FS_WL_LIFE_PARETO, .a = 1e8, .b = 3 };
	struct fs_wl_lifetime fixed = { .dist = FS_WL_LIFE_FIXED, .a = 250e6 };
	struct fs_wl_lifetime capped = { .dist = FS_WL_LIFE_EXP, .a = 5e8, .max = 1e8 };
	struct fs_wl_lifetime forever = { .dist = FS_WL_LIFE_FOREVER };
	struct fs_wl_rng g;

	double mean;

	/* (criterion's float asserts evaluate their arguments twice: sample first) */
	/* exponential: mean 0.5 s, standard error 0.5/sqrt(n) = 0.22% */
	mean = sample_mean(&exp_l, n, &min, NULL);
	cr_assert_float_eq(mean, 5e8, 5e8 * 0.01, "exponential mean %g", mean);
	/* lognormal: half the samples below the median e^mu, mean e^(mu + sigma^2/2) */
	frac = 1e9;
	mean = sample_mean(&logn, n, &min, &frac);
	cr_assert_float_eq(mean, 1e9 * exp(0.125), 1e9 * 0.01, "lognormal mean %g", mean);
	cr_assert_float_eq(frac, 0.5, 0.01, "below the median: %f", frac);
	/* Pareto: nothing below x_m, mean alpha x_m / (alpha - 1) = 1.5 x_m */
	mean = sample_mean(&par, n, &min, NULL);
	cr_assert_float_eq(mean, 1.5e8, 1.5e8 * 0.02, "pareto mean %g", mean);
	cr_assert_geq(min, 1e8);
	cr_assert_lt(min, 1.001e8);
	mean = sample_mean(&fixed, 10, &min, NULL);
	cr_assert_float_eq(mean, 250e6, 0.5);
	fs_wl_rng_seed(&g, 1);
	for (unsigned i = 0; i < 1000; i++)
		cr_assert_leq(fs_wl_lifetime_sample(&capped, &g), 100000000ull);
	cr_assert_eq(fs_wl_lifetime_sample(&forever, &g), UINT64_MAX);
}

/* ---- the generator -------------------------------------------------------------------------- */

struct rec {
	uint64_t allocs, frees, probes, last_time;
	uint64_t per_class_key[8];
};

static void drain(struct fs_wl_gen *g, struct rec *r)
{
	struct fs_event ev;

	memset(r, 0, sizeof(*r));
	while (fs_wl_gen_next(g, &ev) > 0) {
		cr_assert_geq(ev.time_ns, r->last_time, "events in time order");
		r->last_time = ev.time_ns;
		if (ev.kind == FS_EV_ALLOC) {
			r->allocs++;
			r->probes += !!(ev.flags & FS_EVF_PROBE);
			if (ev.key < 8)
				r->per_class_key[ev.key]++;
		} else {
			r->frees++;
		}
	}
}

static const char churn_yaml[] =
	"seed: SEED\n"
	"duration: 3s\n"
	"cpus: 2\n"
	"classes:\n"
	"  - {name: a, rate: 3000, order: {0: 5, 1: 2, 3: 1}, lifetime: {dist: exponential, mean: 200ms}}\n"
	"  - {name: b, rate: 500, key: bee, lifetime: {dist: pareto, min: 10ms, alpha: 1.2}}\n"
	"probes: [{at: 2s, order: 9, count: 4, hold: 100ms}]\n";

static struct fs_wl_spec *churn(uint64_t seed)
{
	char buf[sizeof(churn_yaml) + 32], *p;
	size_t off;

	strcpy(buf, churn_yaml);
	p = strstr(buf, "SEED");
	off = (size_t)(p - buf);
	snprintf(buf + off, sizeof(buf) - off, "%llu%s", (unsigned long long)seed, churn_yaml + off + 4);
	return parse(buf);
}

Test(workload, same_seed_same_events_other_seed_other_events)
{
	struct fs_wl_spec *sp1 = churn(5), *sp2 = churn(5), *sp3 = churn(6);
	struct fs_wl_gen *g1 = gen(sp1, 1 << 20, NULL), *g2 = gen(sp2, 1 << 20, NULL), *g3 = gen(sp3, 1 << 20, NULL);
	struct fs_event a, b, c;
	uint64_t n = 0, differ = 0;
	int r1, r2;

	do {
		r1 = fs_wl_gen_next(g1, &a);
		r2 = fs_wl_gen_next(g2, &b);
		cr_assert_eq(r1, r2);
		if (r1 > 0) {
			cr_assert_eq(memcmp(&a, &b, sizeof(a)), 0, "event %llu differs", (unsigned long long)n);
			n++;
			if (fs_wl_gen_next(g3, &c) > 0 && (c.time_ns != a.time_ns || c.order != a.order))
				differ++;
		}
	} while (r1 > 0);
	cr_assert_gt(n, 10000);
	cr_assert_gt(differ, n / 2, "another seed gives other events");
	fs_wl_gen_free(g1);
	fs_wl_gen_free(g2);
	fs_wl_gen_free(g3);
	fs_wl_free(sp1);
	fs_wl_free(sp2);
	fs_wl_free(sp3);
}

/* The ring the replay loop reads through gives the same stream, and its
 * two prefetch views are the events FS_WL_AHEAD - 1 and FS_WL_AHEAD / 2
 * after the one just returned (NULL past the end). */
Test(workload, lookahead_ring_same_events_and_views)
{
	struct fs_wl_spec *sp1 = churn(9), *sp2 = churn(9);
	struct fs_wl_gen *g1 = gen(sp1, 1 << 20, NULL), *g2 = gen(sp2, 1 << 20, NULL);
	struct fs_event *ref = NULL, ev;
	size_t n = 0, cap = 0;

	for (;;) {
		if (n == cap) {
			cap = cap ? 2 * cap : 4096;
			ref = realloc(ref, cap * sizeof(*ref));
			cr_assert_not_null(ref);
		}
		if (fs_wl_gen_next(g1, &ref[n]) <= 0)
			break;
		n++;
	}
	cr_assert_gt(n, 10000);
	for (size_t i = 0; i < n; i++) {
		const struct fs_event *far, *half;

		cr_assert_eq(fs_wl_gen_next_ahead(g2, &ev), 1, "event %zu missing", i);
		cr_assert_eq(memcmp(&ev, &ref[i], sizeof(ev)), 0, "event %zu differs", i);
		far = fs_wl_lookahead(g2);
		half = fs_wl_lookahead_half(g2);
		if (i + FS_WL_AHEAD - 1 < n)
			cr_assert(far && !memcmp(far, &ref[i + FS_WL_AHEAD - 1], sizeof(*far)),
				  "lookahead after event %zu", i);
		if (i + FS_WL_AHEAD / 2 < n)
			cr_assert(half && !memcmp(half, &ref[i + FS_WL_AHEAD / 2], sizeof(*half)),
				  "lookahead_half after event %zu", i);
		else
			cr_assert_null(half, "lookahead_half past the end, after event %zu", i);
	}
	cr_assert_eq(fs_wl_gen_next_ahead(g2, &ev), 0);
	cr_assert_null(fs_wl_lookahead(g2));
	free(ref);
	fs_wl_gen_free(g1);
	fs_wl_gen_free(g2);
	fs_wl_free(sp1);
	fs_wl_free(sp2);
}

/* Every free comes at its allocation's time + a lifetime of the class's
 * distribution, names the allocation's identity and order, and comes once;
 * identities are aligned to their order and never name a live one. */
Test(workload, frees_at_alloc_time_plus_lifetime)
{
	struct fs_wl_spec *sp = parse("seed: 3\nduration: 2s\nclasses:\n"
				      "  - {name: a, rate: 2000, order: {0: 1, 2: 1, 5: 1}, lifetime: 250ms}\n");
	struct fs_wl_gen *g = gen(sp, 1 << 20, NULL);
	uint64_t *at = calloc(1 << 20, sizeof(*at));
	uint8_t *ord = calloc(1 << 20, 1);
	struct fs_event ev;
	uint64_t allocs = 0, frees = 0;

	while (fs_wl_gen_next(g, &ev) > 0) {
		cr_assert_lt(ev.ident, 1u << 20);
		if (ev.kind == FS_EV_ALLOC) {
			cr_assert_eq(ev.ident & ((1ull << ev.order) - 1), 0, "aligned to the order");
			cr_assert_eq(at[ev.ident], 0, "an identity still live taken again");
			at[ev.ident] = ev.time_ns + 1;
			ord[ev.ident] = ev.order;
			allocs++;
		} else {
			cr_assert_neq(at[ev.ident], 0, "free of an identity never allocated");
			cr_assert_eq(ev.time_ns, at[ev.ident] - 1 + 250000000ull, "free = alloc + 250 ms");
			cr_assert_eq(ev.order, ord[ev.ident]);
			at[ev.ident] = 0;
			frees++;
		}
	}
	/* allocations in the last 250 ms outlive the run: no free is queued */
	cr_assert_float_eq((double)allocs, 4000, 4 * sqrt(4000.0));
	cr_assert_float_eq((double)frees, 4000 * 0.875, 4 * sqrt(4000.0));
	fs_wl_gen_free(g);
	fs_wl_free(sp);
	free(at);
	free(ord);
}

Test(workload, arrival_processes)
{
	struct fs_wl_spec *sp = parse("seed: 11\nduration: 10s\nclasses:\n"
				      "  - {name: p, rate: 1000, key: p}\n"
				      "  - {name: f, arrival: fixed, rate: 100, key: f}\n"
				      "  - {name: b, arrival: burst, every: 1s, count: 7, key: b}\n");
	struct fs_keytab keys;
	struct fs_wl_gen *g;
	struct rec r;

	fs_keytab_init(&keys);
	g = gen(sp, 1 << 20, &keys);
	drain(g, &r);
	/* keys are interned in order of first appearance: the burst at t = 0 first */
	cr_assert_str_eq(fs_keytab_name(&keys, 1), "b");
	/* Poisson: 10000 expected, standard deviation 100 */
	cr_assert_float_eq((double)r.per_class_key[fs_keytab_intern(&keys, "p", 1)], 10000, 400);
	/* fixed: one every 10 ms from 10 ms on: 999 before 10 s */
	cr_assert_eq(r.per_class_key[fs_keytab_intern(&keys, "f", 1)], 999);
	/* bursts at 0, 1, ..., 9 s */
	cr_assert_eq(r.per_class_key[fs_keytab_intern(&keys, "b", 1)], 70);
	cr_assert_eq(r.frees, 0, "forever by default");
	fs_wl_gen_free(g);
	fs_keytab_release(&keys);
	fs_wl_free(sp);
}

Test(workload, phases_switch_classes_and_rates)
{
	struct fs_wl_spec *sp = parse("seed: 1\nclasses:\n"
				      "  - {name: a, arrival: fixed, rate: 1000, key: a}\n"
				      "  - {name: b, arrival: fixed, rate: 1000, key: b}\n"
				      "phases:\n"
				      "  - {name: one, duration: 1s, classes: [a]}\n"
				      "  - {name: idle, duration: 1s, classes: []}\n"
				      "  - {name: two, duration: 1s, classes: {a: {rate: 10}, b: {}}}\n"
				      "  - {name: probe, duration: 1s, classes: [], probe: {at: 500ms, order: 4, count: 5}}\n");
	struct fs_keytab keys;
	struct fs_wl_gen *g;
	struct fs_event ev;
	uint64_t a[4] = { 0 }, b[4] = { 0 }, probes = 0;

	fs_keytab_init(&keys);
	g = gen(sp, 1 << 20, &keys);
	while (fs_wl_gen_next(g, &ev) > 0) {
		unsigned ph = (unsigned)(ev.time_ns / 1000000000u);

		cr_assert_lt(ph, 4);
		if (ev.flags & FS_EVF_PROBE) {
			cr_assert_eq(ev.time_ns, 3500000000ull);
			cr_assert_eq(ev.order, 4);
			cr_assert_eq(ev.mt, FS_MT_MOVABLE);
			probes++;
		} else if (!strcmp(fs_keytab_name(&keys, ev.key), "a")) {
			a[ph]++;
		} else {
			b[ph]++;
		}
	}
	cr_assert_eq(a[0], 999);
	cr_assert_eq(b[0], 0);
	cr_assert_eq(a[1] + b[1], 0, "idle");
	cr_assert_eq(a[2], 9, "rate 10 in phase two: 2.1 s, 2.2 s, ... 2.9 s");
	cr_assert_eq(b[2], 999);
	cr_assert_eq(a[3] + b[3], 0);
	cr_assert_eq(probes, 5);
	fs_wl_gen_free(g);
	fs_keytab_release(&keys);
	fs_wl_free(sp);
}

Test(workload, footprint_caps_live_pages)
{
	struct fs_wl_spec *sp = parse("seed: 2\nduration: 4s\nclasses:\n"
				      "  - {name: a, rate: 20000, order: {0: 1, 3: 1}, footprint: 25%,"
				      " lifetime: {dist: exponential, mean: 1s}}\n");
	struct fs_wl_gen *g = gen(sp, 40000, NULL);
	struct fs_event ev;
	uint64_t live = 0, peak = 0;

	while (fs_wl_gen_next(g, &ev) > 0) {
		if (ev.kind == FS_EV_ALLOC)
			live += 1ull << ev.order;
		else
			live -= 1ull << ev.order;
		if (live > peak)
			peak = live;
		cr_assert_leq(live, 10000, "25%% of 40000 pages");
	}
	cr_assert_geq(peak, 9992, "the cap is reached");
	fs_wl_gen_free(g);
	fs_wl_free(sp);
}

/* ---- the engine's side: probes and reclaim --------------------------------------------------- */

static uint64_t t_now;

static void apply(struct fs_sim *s, unsigned kind, uint64_t ident, unsigned order, uint8_t flags)
{
	struct fs_event e = {
		.time_ns = t_now += 1000, .ident = ident, .kind = (uint8_t)kind,
		.order = (uint8_t)order, .mt = FS_MT_MOVABLE, .flags = flags | FS_EVF_HAS_MT,
	};

	cr_assert_eq(fs_sim_apply(s, &e), 0, "invariant check failed");
}

static struct fs_sim *small_sim(const char *policy, uint64_t pages)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { "" };

	fs_layout_single(&l, pages);
	cr_assert_eq(fs_sim_new(&s, &l, policy, FS_PLACE_POLICY, &err), 0, "%s", err.msg);
	s->debug_check = 1;
	return s;
}

Test(workload, probes_are_counted_and_their_frees_ignored_where_they_failed)
{
	struct fs_sim *s = small_sim("buddy", 64);

	apply(s, FS_EV_ALLOC, 0, 5, FS_EVF_PROBE);      /* fits */
	apply(s, FS_EV_ALLOC, 1000, 0, 0);              /* breaks the other half */
	apply(s, FS_EV_ALLOC, 64, 5, FS_EVF_PROBE);     /* cannot fit */
	cr_assert_eq(s->c.hugepage_attempts, 2);
	cr_assert_eq(s->c.hugepage_successes, 1);
	cr_assert_eq(s->zc[0].hugepage_attempts, 2);
	apply(s, FS_EV_FREE, 64, 5, FS_EVF_PROBE);
	apply(s, FS_EV_FREE, 0, 5, FS_EVF_PROBE);
	cr_assert_eq(s->c.unknown_frees, 0, "the failed probe's free is not unknown");
	cr_assert_eq(s->c.frees, 1);
	fs_sim_free(s);
}

/* The kernel's watermarks for a 1024-page zone (6.12 rules): min_free_kbytes
 * 256 (int_sqrt(16 * 4096)), min 64, low 80, high 96. */
Test(workload, kswapd_reclaims_lru_oldest_to_the_high_watermark)
{
	struct fs_sim *s = small_sim("buddy", 1024);
	const struct fs_wmark *wm;
	uint64_t n = 0;

	apply(s, FS_EV_ALLOC, 1u << 20, 3, 0);        /* unmovable, never reclaimed */
	while (!s->c.reclaimed_pages)
		apply(s, FS_EV_ALLOC, n++, 0, FS_EVF_LRU);
	wm = fs_reclaim_wmark(s, 0);
	cr_assert_eq(wm->min, 64);
	cr_assert_eq(wm->low, 80);
	cr_assert_eq(wm->high, 96);
	/* reclaim began when an allocation left free pages under low (80) */
	cr_assert_eq(n, 1024 - 8 - 79);
	cr_assert_eq(s->m->zones[0].free_pages, 96, "reclaimed up to high");
	cr_assert_eq(s->c.reclaimed_pages, 96 - 79);
	cr_assert_eq(s->c.kswapd_wakeups, 1);
	/* the oldest went first */
	for (uint64_t id = 0; id < n; id++)
		cr_assert_eq(fs_alloctab_lookup(&s->at, id) == NULL, id < 96 - 79, "ident %llu",
			     (unsigned long long)id);
	cr_assert_not_null(fs_alloctab_lookup(&s->at, 1u << 20));
	cr_assert_eq(fs_reclaim_lru_pages(s, 0), n - (96 - 79));
	/* a workload's free of a reclaimed allocation is not a double free */
	apply(s, FS_EV_FREE, 0, 0, FS_EVF_LRU);
	cr_assert_eq(s->c.reclaimed_then_freed, 1);
	cr_assert_eq(s->c.double_frees, 0);
	/* an ordinary free of a live LRU allocation leaves the list */
	apply(s, FS_EV_FREE, n - 1, 0, FS_EVF_LRU);
	cr_assert_eq(fs_reclaim_lru_pages(s, 0), n - (96 - 79) - 1);
	fs_sim_free(s);
}

/* A referenced LRU allocation (flags=ref) gets one second chance: kswapd
 * moves it to the LRU tail and frees the next oldest instead. */
Test(workload, referenced_lru_pages_get_a_second_chance)
{
	struct fs_sim *s = small_sim("buddy", 1024);
	uint64_t n = 1;

	apply(s, FS_EV_ALLOC, 1u << 20, 3, 0);
	apply(s, FS_EV_ALLOC, 0, 0, FS_EVF_LRU | FS_EVF_REFERENCED);
	while (!s->c.reclaimed_pages)
		apply(s, FS_EV_ALLOC, n++, 0, FS_EVF_LRU);
	cr_assert_eq(s->c.reclaimed_pages, 96 - 79);
	cr_assert_eq(s->c.reclaim_second_chances, 1);
	cr_assert_not_null(fs_alloctab_lookup(&s->at, 0), "the referenced page was reclaimed");
	for (uint64_t id = 1; id <= 96 - 79; id++)
		cr_assert_null(fs_alloctab_lookup(&s->at, id), "ident %llu", (unsigned long long)id);
	cr_assert_not_null(fs_alloctab_lookup(&s->at, 96 - 79 + 1));
	/* its reference is used up: it is now the newest, without one */
	while (fs_alloctab_lookup(&s->at, 0))
		apply(s, FS_EV_ALLOC, n++, 0, FS_EVF_LRU);
	cr_assert_eq(s->c.reclaim_second_chances, 1, "one reference, one second chance");
	fs_sim_free(s);
}

Test(workload, direct_reclaim_for_allocations_that_may_block)
{
	struct fs_sim *s = small_sim("buddy", 1024);
	uint64_t n = 0, before;

	while (!s->c.reclaimed_pages)
		apply(s, FS_EV_ALLOC, n++, 0, FS_EVF_LRU);
	/* 96 free pages: an order-7 (128-page) allocation cannot be placed */
	before = s->c.reclaimed_pages;
	apply(s, FS_EV_ALLOC, 1u << 20, 7, FS_EVF_ATOMIC);
	cr_assert_eq(s->c.alloc_failures, 1, "atomic: no direct reclaim");
	cr_assert_eq(s->c.direct_reclaim_pages, 0);
	apply(s, FS_EV_ALLOC, 1u << 21, 7, 0);
	cr_assert_eq(s->c.alloc_failures, 1, "reclaim made room");
	cr_assert_gt(s->c.direct_reclaim_pages, 0);
	cr_assert_not_null(fs_alloctab_lookup(&s->at, 1u << 21));
	cr_assert_gt(s->c.reclaimed_pages, before);
	fs_sim_free(s);
}

/* A partial free of an LRU allocation keeps the rest on the list, in its
 * place: reclaim then takes the rest before newer allocations. */
Test(workload, partial_free_keeps_lru_position)
{
	struct fs_sim *s = small_sim("buddy", 1024);
	uint64_t n = 16;

	apply(s, FS_EV_ALLOC, 0, 3, FS_EVF_LRU);
	apply(s, FS_EV_FREE, 4, 2, 0);                  /* the upper half */
	cr_assert_eq(s->c.partial_frees, 1);
	cr_assert_eq(fs_reclaim_lru_pages(s, 0), 4);
	while (!s->c.reclaimed_pages)
		apply(s, FS_EV_ALLOC, n++, 0, FS_EVF_LRU);
	cr_assert_null(fs_alloctab_lookup(&s->at, 0), "the oldest, the remaining half, went first");
	cr_assert_not_null(fs_alloctab_lookup(&s->at, n - 1));
	fs_sim_free(s);
}

/* ---- identity recycling ---------------------------------------------------------------------- */

/* A model of the generator's identities: per-order LIFO lists of the
 * identities freed, a counter for fresh ranges, and which pages of the
 * identity space are live. Checks each event of a stream against it. */
struct idmodel {
	uint64_t *stack[FS_NR_ORDERS];
	size_t n[FS_NR_ORDERS];
	uint64_t next;                /* the counter */
	uint8_t *live;                /* per identity page: order + 1 at a head, 0xff inside, 0 free */
	uint64_t span;                /* identity pages covered by live */
	uint64_t recycled, fresh, frees;
};

static void idmodel_init(struct idmodel *m, uint64_t span, size_t depth)
{
	memset(m, 0, sizeof(*m));
	for (unsigned o = 0; o < FS_NR_ORDERS; o++) {
		m->stack[o] = calloc(depth, sizeof(uint64_t));
		cr_assert_not_null(m->stack[o]);
	}
	m->live = calloc(span, 1);
	cr_assert_not_null(m->live);
	m->span = span;
}

static void idmodel_release(struct idmodel *m)
{
	for (unsigned o = 0; o < FS_NR_ORDERS; o++)
		free(m->stack[o]);
	free(m->live);
}

static void idmodel_event(struct idmodel *m, const struct fs_event *ev, uint64_t i)
{
	uint64_t id = ev->ident, n = 1ull << ev->order;

	cr_assert_lt(id + n, m->span, "event %llu: identity 0x%llx far above the live pages",
		     (unsigned long long)i, (unsigned long long)id);
	if (ev->kind == FS_EV_ALLOC) {
		uint64_t want;

		if (m->n[ev->order]) {            /* the one of its order freed last */
			want = m->stack[ev->order][--m->n[ev->order]];
			m->recycled++;
		} else {                          /* the counter's next aligned range */
			want = (m->next + n - 1) & ~(n - 1);
			m->next = want + n;
			m->fresh++;
		}
		cr_assert_eq(id, want, "event %llu: order-%u allocation got 0x%llx, expected 0x%llx",
			     (unsigned long long)i, ev->order, (unsigned long long)id,
			     (unsigned long long)want);
		for (uint64_t p = id; p < id + n; p++)
			cr_assert_eq(m->live[p], 0, "event %llu: identity page 0x%llx is live already",
				     (unsigned long long)i, (unsigned long long)p);
		memset(m->live + id, 0xff, n);
		m->live[id] = (uint8_t)(ev->order + 1);
	} else {
		cr_assert_eq(m->live[id], ev->order + 1, "event %llu: free of 0x%llx order %u, not live so",
			     (unsigned long long)i, (unsigned long long)id, ev->order);
		memset(m->live + id, 0, n);
		m->stack[ev->order][m->n[ev->order]++] = id;
		m->frees++;
	}
}

/* A freed identity goes on a LIFO list of its order and the next
 * allocation of that order takes it; with the list empty it takes the
 * counter's next aligned range. Checked event by event against a model on
 * random streams (several seeds, orders 0..9 mixed, a burst class, probes
 * with a hold), with no allocation ever overlapping a live one. */
Test(workload, identities_recycled_lifo_per_order_never_live)
{
	static const char yaml[] =
		"seed: %u\nduration: 3s\n"
		"classes:\n"
		"  - {name: a, rate: 4000, order: {0: 6, 1: 2, 2: 1, 3: 1}, lifetime: {dist: exponential, mean: 150ms}}\n"
		"  - {name: b, rate: 300, order: {0: 1, 4: 1, 9: 1}, lifetime: {dist: pareto, min: 5ms, alpha: 1.1}}\n"
		"  - {name: c, arrival: burst, every: 100ms, count: 50, order: {0: 1, 2: 1}, lifetime: 30ms}\n"
		"  - {name: d, rate: 200, lifetime: forever}\n"
		"probes: [{at: 1s, order: 9, count: 8, hold: 200ms}, {at: 2s, order: 9, count: 8, hold: 10ms}]\n";

	for (unsigned seed = 1; seed <= 4; seed++) {
		char buf[sizeof(yaml) + 16];
		struct fs_wl_spec *sp;
		struct fs_wl_gen *g;
		struct idmodel m;
		struct fs_event ev;
		uint64_t i = 0, peak_live = 0, live = 0;

		snprintf(buf, sizeof(buf), yaml, seed);
		sp = parse(buf);
		g = gen(sp, 1 << 20, NULL);
		idmodel_init(&m, 1 << 22, 1 << 20);
		while (fs_wl_gen_next(g, &ev) > 0) {
			idmodel_event(&m, &ev, i++);
			live = ev.kind == FS_EV_ALLOC ? live + (1ull << ev.order) : live - (1ull << ev.order);
			peak_live = live > peak_live ? live : peak_live;
		}
		cr_assert_gt(m.recycled, m.fresh, "seed %u: most allocations reuse an identity", seed);
		cr_assert_gt(m.frees, 5000);
		/* dense: the counter went little past the peak of live pages
		 * (each order's list holds at most its own peak) */
		cr_assert_lt(m.next, 4 * peak_live, "seed %u: identities reach 0x%llx, peak live %llu", seed,
			     (unsigned long long)m.next, (unsigned long long)peak_live);
		idmodel_release(&m);
		fs_wl_gen_free(g);
		fs_wl_free(sp);
	}
}

/* Frees at one instant pop in allocation order, not identity order: a
 * burst's allocations with a fixed lifetime, the second burst's identities
 * recycled (LIFO: descending), are freed in the order they were made. The
 * event stream is what it was with fresh identities but for the names. */
Test(workload, frees_at_one_instant_in_allocation_order)
{
	struct fs_wl_spec *sp = parse("duration: 2500ms\nclasses:\n"
				      "  - {name: b, arrival: burst, every: 1s, count: 5, lifetime: 10ms}\n");
	struct fs_wl_gen *g = gen(sp, 1 << 20, NULL);
	struct fs_event ev;
	uint64_t made[3][5], freed[3][5];
	unsigned nm[3] = { 0 }, nf[3] = { 0 };

	while (fs_wl_gen_next(g, &ev) > 0) {
		unsigned burst = (unsigned)(ev.time_ns / 1000000000ull);

		cr_assert_lt(burst, 3);
		if (ev.kind == FS_EV_ALLOC) {
			cr_assert_eq(ev.time_ns % 1000000000ull, 0);
			made[burst][nm[burst]++] = ev.ident;
		} else {
			cr_assert_eq(ev.time_ns % 1000000000ull, 10000000ull);
			freed[burst][nf[burst]++] = ev.ident;
		}
	}
	for (unsigned b = 0; b < 3; b++) {
		cr_assert_eq(nm[b], 5);
		cr_assert_eq(nf[b], 5);
		for (unsigned k = 0; k < 5; k++) {
			cr_assert_eq(freed[b][k], made[b][k], "burst %u: free %u out of allocation order", b, k);
			/* first burst fresh 0..4; later ones the last burst's, LIFO */
			cr_assert_eq(made[b][k], b == 0 ? k : made[b - 1][4 - k], "burst %u allocation %u", b, k);
		}
	}
	fs_wl_gen_free(g);
	fs_wl_free(sp);
}

/* An allocation that fails in a simulation and is freed later is a free of
 * an identity never allocated (unknown), as it was with fresh identities,
 * even when an earlier life of the recycled identity was placed: not a
 * double free, nor (reclaimable) the free of a reclaimed allocation. */
Test(workload, free_of_a_failed_recycled_identity_is_unknown)
{
	struct fs_sim *s = small_sim("buddy", 64);

	apply(s, FS_EV_ALLOC, 0, 0, 0);
	apply(s, FS_EV_ALLOC, 1, 0, FS_EVF_LRU);
	apply(s, FS_EV_FREE, 0, 0, 0);
	apply(s, FS_EV_FREE, 1, 0, FS_EVF_LRU);
	apply(s, FS_EV_ALLOC, 64, 6, 0);              /* all of memory */
	apply(s, FS_EV_ALLOC, 0, 0, 0);               /* recycled, fails */
	apply(s, FS_EV_ALLOC, 1, 0, FS_EVF_LRU | FS_EVF_ATOMIC);
	cr_assert_eq(s->c.alloc_failures, 2);
	apply(s, FS_EV_FREE, 0, 0, 0);
	apply(s, FS_EV_FREE, 1, 0, FS_EVF_LRU);
	cr_assert_eq(s->c.unknown_frees, 2);
	cr_assert_eq(s->c.double_frees, 0);
	cr_assert_eq(s->c.reclaimed_then_freed, 0);
	/* a real double free is still one */
	apply(s, FS_EV_FREE, 64, 6, 0);
	apply(s, FS_EV_FREE, 64, 6, 0);
	cr_assert_eq(s->c.double_frees, 1);
	fs_sim_free(s);
}

/* ---- the timer queue ------------------------------------------------------------------------ */

/* Pops come out in (time, data) order whatever the mix of near, wheel and
 * far entries, with pushes between pops at or after the last time popped
 * (as the generator does), against a brute-force minimum. */
Test(workload, timer_queue_pops_in_time_data_order)
{
	struct fs_tq q;
	struct fs_tq_ent *ref = calloc(200000, sizeof(*ref)), e;
	size_t nref = 0;
	uint64_t now = 0, x = 88172645463325252ull, popped = 0;

	fs_tq_init(&q);
	for (unsigned round = 0; round < 60000; round++) {
		unsigned pushes;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		pushes = (unsigned)(x % 4);

		for (unsigned k = 0; k < pushes; k++) {
			uint64_t dt;

			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			switch (x % 5) {
			case 0: dt = 0; break;                            /* same time */
			case 1: dt = x % (1u << 20); break;               /* this bucket */
			case 2: dt = x % (1ull << 30); break;             /* the wheel */
			case 3: dt = x % (1ull << 36); break;             /* far */
			default: dt = (x % 64) << 20; break;              /* bucket edges */
			}
			ref[nref] = (struct fs_tq_ent){ now + dt, x >> 40, x };
			fs_tq_push(&q, ref[nref].time_ns, ref[nref].data, ref[nref].aux);
			nref++;
		}
		if ((x >> 20) % 3 && nref) {
			size_t best = 0;

			for (size_t i = 1; i < nref; i++)
				if (ref[i].time_ns < ref[best].time_ns ||
				    (ref[i].time_ns == ref[best].time_ns && ref[i].data < ref[best].data))
					best = i;
			cr_assert(fs_tq_pop(&q, &e));
			cr_assert(e.time_ns == ref[best].time_ns && e.data == ref[best].data,
				  "pop %llu: got (%llu, %llu), expected (%llu, %llu)", (unsigned long long)popped,
				  (unsigned long long)e.time_ns, (unsigned long long)e.data,
				  (unsigned long long)ref[best].time_ns, (unsigned long long)ref[best].data);
			now = e.time_ns;
			ref[best] = ref[--nref];
			popped++;
		}
		cr_assert_eq(q.n, nref);
	}
	while (nref) {
		cr_assert(fs_tq_pop(&q, &e));
		nref--;
	}
	cr_assert_not(fs_tq_pop(&q, &e));
	cr_assert_gt(popped, 30000);
	fs_tq_release(&q);
	free(ref);
}

/* ---- native traces: what fragsim gen writes, replay reads back ------------------------------ */

Test(workload, native_lines_round_trip_with_flags)
{
	struct fs_keytab keys;
	struct fs_trace t = { 0 };
	struct fs_event in = {
		.time_ns = 12000000345ull, .kind = FS_EV_ALLOC, .ident = 0x1230, .order = 4,
		.mt = FS_MT_MOVABLE, .cpu = 3,
		.flags = FS_EVF_HAS_MT | FS_EVF_PROBE | FS_EVF_LRU | FS_EVF_ATOMIC,
	}, out;
	struct fs_err err = { "" };
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	fs_keytab_init(&keys);
	in.key = fs_keytab_intern(&keys, "net", 3);
	fs_native_write(fp, &in, &keys);
	fclose(fp);
	cr_assert_str_eq(buf, "12.000000345 A 0x1230 4 movable key=net cpu=3 flags=probe,lru,atomic\n");
	t.keys = &keys;
	t.max_order = 10;
	memset(&out, 0, sizeof(out));
	buf[strlen(buf) - 1] = 0;
	cr_assert_eq(fs_native_parse(&t, buf, strlen(buf), &out, &err), 1, "%s", err.msg);
	cr_assert_eq(out.time_ns, in.time_ns);
	cr_assert_eq(out.ident, in.ident);
	cr_assert_eq(out.order, in.order);
	cr_assert_eq(out.mt, in.mt);
	cr_assert_eq(out.key, in.key);
	cr_assert_eq(out.cpu, in.cpu);
	cr_assert_eq(out.flags, in.flags);
	strcpy(buf, "1.0 F 0x10 0 flags=lru,bogus");
	cr_assert_lt(fs_native_parse(&t, buf, strlen(buf), &out, &err), 0);
	cr_assert(strstr(err.msg, "flags=NAME[,NAME] with names probe, lru, atomic"), "%s", err.msg);
	free(buf);
	fs_keytab_release(&keys);
}

/* At one instant: frees first (in allocation order), then arrivals, then probes. */
Test(workload, ties_at_one_time_in_documented_order)
{
	struct fs_wl_spec *sp = parse("duration: 50ms\nclasses:\n"
				      "  - {name: b, arrival: burst, every: 1s, count: 3, lifetime: 10ms}\n"
				      "  - {name: f, arrival: fixed, rate: 100, key: f}\n"
				      "probes: [{at: 10ms, order: 3, count: 2}]\n");
	struct fs_wl_gen *g = gen(sp, 1 << 20, NULL);
	struct fs_event ev;
	char seq[16] = "";
	size_t n = 0;

	while (fs_wl_gen_next(g, &ev) > 0 && n < sizeof(seq) - 1)
		if (ev.time_ns == 10000000ull)
			seq[n++] = ev.kind == FS_EV_FREE ? 'F' : (ev.flags & FS_EVF_PROBE) ? 'P' : 'A';
	cr_assert_str_eq(seq, "FFFAPP");
	fs_wl_gen_free(g);
	fs_wl_free(sp);
}

/* A watermark boost (a fragmenting fallback, 5.0+ generations) stays in
 * the zone's watermarks until kswapd's next pass, before the next event;
 * the node is balanced (free memory far above the boosted high watermark),
 * so the pass reclaims the boost from the LRU, oldest first, then takes
 * the boost away (balance_pgdat, 5.0). 4096 pages, every pageblock half
 * full of page cache, then unmovable allocations that must steal from
 * them. With compaction, the pass wakes kcompactd at pageblock_order
 * ("wakeup_kcompactd(pgdat, pageblock_order, classzone_idx)"), not the
 * fallback itself. */
static struct fs_sim *boosted_sim(const char *policy)
{
	struct fs_sim *s = small_sim(policy, 4096);
	const struct fs_wmark *wm;
	uint64_t n = 0;

	apply(s, FS_EV_ALLOC, n++, 0, FS_EVF_LRU);
	wm = fs_reclaim_wmark(s, 0);
	while (s->m->zones[0].free_pages > wm->low + 10)
		apply(s, FS_EV_ALLOC, n++, 0, FS_EVF_LRU);
	for (uint64_t id = 1; id < n; id += 2)
		apply(s, FS_EV_FREE, id, 0, FS_EVF_LRU);
	cr_assert_eq(s->c.reclaimed_pages, 0, "no reclaim yet");
	cr_assert_gt(s->m->zones[0].free_pages, 4 * wm->low);
	for (uint64_t k = 0; k < 64 && !s->m->zones[0].reclaim_requested; k++) {
		struct fs_event e = { .time_ns = t_now += 1000, .ident = (1u << 20) + k,
				      .kind = FS_EV_ALLOC, .mt = FS_MT_UNMOVABLE, .flags = FS_EVF_HAS_MT };

		cr_assert_eq(fs_sim_apply(s, &e), 0);
	}
	cr_assert_gt(s->m->zones[0].reclaim_requested, 0, "a fragmenting fallback boosted");
	return s;
}

Test(workload, watermark_boost_lasts_until_kswapd_reclaims_it)
{
	struct fs_sim *s = boosted_sim("linux-6.15:pcp=off");
	struct fs_zone *z = &s->m->zones[0];
	uint64_t boost = z->watermark_boost;

	cr_assert_eq(boost, z->reclaim_requested, "the boost is in the watermarks");
	cr_assert(z->boosted_watermark, "kswapd to wake");
	cr_assert_eq(s->c.reclaimed_pages, 0, "kswapd has not run yet");
	fs_sim_tick(s, t_now += 1000);
	cr_assert_eq(z->watermark_boost, 0, "kswapd's pass took the boost away");
	cr_assert_not(z->boosted_watermark);
	cr_assert_eq(s->c.reclaimed_pages, boost, "reclaimed %llu pages for a boost of %llu",
		     (unsigned long long)s->c.reclaimed_pages, (unsigned long long)boost);
	cr_assert_null(fs_alloctab_lookup(&s->at, 0), "the oldest went first");
	fs_sim_free(s);
}

Test(workload, boosted_reclaim_wakes_kcompactd_at_pageblock_order)
{
	struct fs_sim *s = boosted_sim("linux-6.15+compaction:pcp=off");
	struct fs_compact *c = s->pol->compact;

	cr_assert_not(c->kc_woken, "the fallback itself does not wake kcompactd");
	cr_assert_eq(c->kc_max_order, 0);
	fs_reclaim_boosted(s, t_now += 1000);
	cr_assert_eq(s->m->zones[0].watermark_boost, 0);
	cr_assert_eq(c->kc_max_order, (int)s->m->pageblock_order, "woken at pageblock_order");
	cr_assert_eq(c->kc_highest_zoneidx, 0);
	fs_sim_free(s);
}

/* Out of balance against the boosted high watermark, balance_pgdat
 * ignores the boost's amount and reclaims to balance ("if the pgdat is
 * imbalanced then ignore boosting ... and restart"): high + boost, more
 * than the boost when free memory was under high. */
Test(workload, boosted_reclaim_out_of_balance_reclaims_to_the_boosted_high)
{
	struct fs_sim *s = boosted_sim("linux-6.15:pcp=off");
	struct fs_zone *z = &s->m->zones[0];
	const struct fs_wmark *wm = fs_reclaim_wmark(s, 0);
	uint64_t boost = z->watermark_boost, n = 1u << 21;

	while (z->free_pages > wm->low + 1) {    /* unmovable pages the LRU cannot free */
		struct fs_event e = { .time_ns = t_now, .ident = n++, .kind = FS_EV_ALLOC,
				      .mt = FS_MT_UNMOVABLE, .flags = FS_EVF_HAS_MT };

		cr_assert_eq(fs_sim_apply(s, &e), 0);
	}
	z->watermark_boost = boost;              /* whatever the fallbacks did meanwhile */
	z->boosted_watermark = true;
	fs_reclaim_boosted(s, t_now += 1000);
	cr_assert_geq(z->free_pages, wm->high + boost, "free %llu, high %llu + boost %llu",
		      (unsigned long long)z->free_pages, (unsigned long long)wm->high,
		      (unsigned long long)boost);
	cr_assert_eq(z->watermark_boost, 0);
	fs_sim_free(s);
}

/* Two zones: kswapd waits until neither can take an allocation at its low
 * watermark (plus reserve), then reclaims the zone just allocated from. */
Test(workload, kswapd_waits_for_every_zone)
{
	struct fs_layout l;
	struct fs_sim *s = NULL;
	struct fs_err err = { "" };
	uint64_t n = 0;

	tu_layout_two(&l, 4096, 10, 9);
	cr_assert_eq(fs_sim_new(&s, &l, "buddy", FS_PLACE_POLICY, &err), 0, "%s", err.msg);
	s->debug_check = 1;
	while (!s->c.reclaimed_pages) {
		apply(s, FS_EV_ALLOC, n++, 0, FS_EVF_LRU);
		if (s->m->zones[1].free_pages)
			cr_assert_eq(s->m->zones[0].free_pages, 4096, "Normal first (buddy's zonelist)");
	}
	cr_assert_eq(s->m->zones[1].free_pages, 0, "no reclaim while DMA32 had room");
	cr_assert_geq(s->m->zones[0].free_pages, fs_reclaim_wmark(s, 0)->high);
	cr_assert_not_null(fs_alloctab_lookup(&s->at, 0), "Normal's pages were not reclaimed");
	cr_assert_null(fs_alloctab_lookup(&s->at, 4096), "DMA32's oldest was");
	cr_assert_eq(s->c.kswapd_wakeups, 1);
	fs_sim_free(s);
}
