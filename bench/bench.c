/* bench.c - `make bench`: figures for the engine's speed and memory.
 *
 *  1. plain buddy events/s on a synthetic alloc/free mix in a 64 GiB
 *     machine, through fs_sim_apply (allocation table included);
 *  2. bytes of simulator state per simulated page;
 *  3. cost of one metrics sample on 1 GiB, 64 GiB and 1 TiB (must be flat);
 *  4. a 1 TiB machine (2^28 pages): initialise and run, peak RSS;
 *  5. the workload generator end to end (issue #8): generated events
 *     through plain buddy with ten million live allocations, the timer
 *     queue holding their frees; target >= 5 M events/s.
 *  6. keyed-zones (issue #7) with thousands of keys and keyed zones, against
 *     plain buddy on the same mix, daemons ticking before every event.
 *
 * Each part runs in a child process so its peak RSS is its own. Targets
 * (issue #2): >= 10 M events/s, <= 8 bytes/page, 1 TiB within 3 GiB RSS.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "workload.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static inline uint64_t rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

/* Kernel-like order mix: mostly order 0, a tail up to order 9. */
static unsigned pick_order(void)
{
	unsigned r = (unsigned)(rng() % 1000);

	if (r < 700) return 0;
	if (r < 850) return 1;
	if (r < 930) return 2;
	if (r < 970) return 3;
	if (r < 990) return 4;
	return 5 + (unsigned)(rng() % 5);
}

/* keyed-zones bench: events carry one of mix_keys allocator keys (0: none),
 * and the policy's tick runs before every event, as replay does */
static unsigned mix_keys;
static bool mix_tick;
/* time the run in thread CPU time (the keyed figure compares policies on a
 * shared machine: CPU time does not count the time other processes ran) */
static bool mix_cpu_clock;

static uint64_t mix_now(void)
{
	struct timespec ts;

	if (!mix_cpu_clock)
		return fs_now_ns();
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct mix {
	uint64_t *live;                   /* live identities, newest last */
	uint8_t *live_order;
	uint64_t nlive, cap, next_id;
	unsigned recent_pct;              /* frees that pick one of the 4096 newest */
	uint64_t *freed;                  /* identities freed, reused LIFO */
	uint64_t nfreed;
	bool reuse;
};

/* Fill buf with n events: allocate until `target` live, then 50/50. */
static void gen(struct mix *x, struct fs_event *buf, size_t n, uint64_t target, uint64_t *t)
{
	for (size_t i = 0; i < n; i++) {
		struct fs_event *e = &buf[i];
		unsigned r;

		memset(e, 0, sizeof(*e));
		e->time_ns = (*t += 1000);
		e->cpu = (uint16_t)(rng() & 1);
		if (x->nlive < target && (x->nlive == 0 || x->nlive < target / 2 || (rng() & 1))) {
			e->kind = FS_EV_ALLOC;
			e->order = (uint8_t)pick_order();
			/* kernel traces name allocations by pfn, and the buddy
			 * allocator hands out a just-freed page next (list
			 * heads): identities recur, most recently freed first */
			e->ident = x->reuse && x->nfreed ? x->freed[--x->nfreed] : x->next_id++;
			/* kernel-like types: mostly movable user and page-cache pages */
			r = (unsigned)(rng() % 100);
			e->mt = r < 80 ? FS_MT_MOVABLE : r < 95 ? FS_MT_UNMOVABLE : FS_MT_RECLAIMABLE;
			if (mix_keys)
				e->key = 1 + (uint32_t)(rng() % mix_keys);
			x->live[x->nlive] = e->ident;
			x->live_order[x->nlive++] = e->order;
		} else {
			uint64_t j = rng() % x->nlive;

			/* kernel pages mostly die young: pick among the newest */
			if (x->nlive > 4096 && rng() % 100 < x->recent_pct)
				j = x->nlive - 1 - rng() % 4096;

			e->kind = FS_EV_FREE;
			e->ident = x->live[j];
			if (x->reuse)
				x->freed[x->nfreed++] = e->ident;
			e->order = x->live_order[j];
			x->live[j] = x->live[--x->nlive];
			x->live_order[j] = x->live_order[x->nlive];
		}
	}
}

static double run_mix(struct fs_sim *s, uint64_t target, uint64_t warm, uint64_t measured,
		      unsigned recent_pct)
{
	const size_t chunk = 1 << 20;
	struct fs_event *buf = fs_xcalloc(chunk, sizeof(*buf));
	struct mix x = { .recent_pct = recent_pct, .reuse = recent_pct > 0 };
	uint64_t t = 0, done = 0, ns = 0;

	x.cap = target + 1;
	x.live = fs_xcalloc(x.cap, sizeof(*x.live));
	x.live_order = fs_xcalloc(x.cap, 1);
	x.freed = fs_xcalloc(x.cap, sizeof(*x.freed));
	while (done < warm + measured) {
		size_t n = chunk;
		uint64_t t0;

		gen(&x, buf, n, target, &t);
		t0 = mix_now();
		for (size_t i = 0; i < n; i++) {
			if (i + 8 < n)
				fs_sim_prefetch(s, &buf[i + 8]);
			if (mix_tick)
				fs_sim_tick(s, buf[i].time_ns);
			fs_sim_apply(s, &buf[i]);
		}
		if (done >= warm)
			ns += mix_now() - t0;
		done += n;
	}
	free(buf);
	free(x.live);
	free(x.live_order);
	free(x.freed);
	return ns ? (double)(done - warm) / ((double)ns / 1e9) : 0;
}

static struct fs_sim *new_sim(uint64_t bytes, const char *policy)
{
	struct fs_layout l;
	struct fs_sim *s;
	struct fs_err err;

	fs_layout_single(&l, bytes >> FS_PAGE_SHIFT);
	if (fs_sim_new(&s, &l, policy, FS_PLACE_POLICY, &err)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	return s;
}

static double peak_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

static void bench_events(void)
{
	struct fs_sim *s = new_sim(64ull << 30, "buddy");
	double evs = run_mix(s, 4000000, 8 << 20, 24 << 20, 90);

	printf("buddy, 64 GiB, kernel-like mix (2-4M live, orders 0..9, 90%% of frees among the\n"
	       "  4096 newest allocations, identities recycled LIFO as pfns are): %.1f M events/s"
	       "  [target >= 10]\n", evs / 1e6);
	printf("  live allocations %llu, free pages %llu, failures %llu\n",
	       (unsigned long long)s->at.live, (unsigned long long)s->m->zones[0].free_pages,
	       (unsigned long long)s->c.alloc_failures);
	printf("state per page: %zu bytes (one word per page)  [target <= 8]; with the zones and the\n"
	       "  per-pageblock types and counters: %.3f bytes per page\n", sizeof(*s->m->pages),
	       (double)fs_machine_state_bytes(s->m) / (double)s->m->nr_pages);
	printf("  allocation table: %.1f bytes per live allocation (16-byte hash slots at load <= 3/4)\n",
	       (double)((s->at.mask + 1) * sizeof(struct fs_alloc)) / (double)s->at.live);
	fs_sim_free(s);
	s = new_sim(64ull << 30, "buddy");
	evs = run_mix(s, 4000000, 8 << 20, 8 << 20, 0);
	printf("buddy, 64 GiB, uniform-random frees, fresh identities (cache-hostile worst case): %.1f M events/s\n",
	       evs / 1e6);
	fs_sim_free(s);
}

/* Each policy runs twice on the kernel-like mix (nev events), the runs
 * interleaved so that a busy neighbour costs both alike; best[] keeps each
 * policy's better rate, and collect() reads what a part reports after every
 * run. */
static void best_of_two(const char *const *pols, unsigned np, uint64_t nev, double *best,
			void (*collect)(struct fs_sim *s, unsigned i, void *ctx), void *ctx)
{
	for (unsigned r = 0; r < 2; r++)
		for (unsigned i = 0; i < np; i++) {
			struct fs_sim *s = new_sim(64ull << 30, pols[i]);
			double evs;

			rng_state = 0x9e3779b97f4a7c15ull;
			evs = run_mix(s, nev, 4 << 20, 8 << 20, 90);
			if (evs > best[i])
				best[i] = evs;
			collect(s, i, ctx);
			fs_sim_free(s);
		}
}

static void collect_fallbacks(struct fs_sim *s, unsigned i, void *ctx)
{
	uint64_t *ext = ctx;

	ext[i] = 0;
	for (unsigned z = 0; z < s->m->nr_zones; z++)
		ext[i] += s->m->zones[z].extfrag.events;
}

struct keyed_out {
	uint64_t *fails;
	uint64_t (*v)[FS_MAX_POLICY_STATS];
};

static void collect_keyed(struct fs_sim *s, unsigned i, void *ctx)
{
	struct keyed_out *o = ctx;

	o->fails[i] = s->c.alloc_failures;
	memset(o->v[i], 0, sizeof(o->v[i]));
	if (s->pol->ops->get_stats)
		s->pol->ops->get_stats(s->pol, -1, o->v[i]);
}

/* issue #4: each grouping generation on the same mix, against plain buddy.
 * The policies' ticks run before every event, as in replays (6.7+
 * pagesets decay their high once a simulated second); thread CPU time,
 * the better of two interleaved runs, so that neighbours on a shared
 * machine cost less of the comparison. */
static void bench_generations(void)
{
	static const char *const pols[] = {
		"buddy", "linux-2.6.24", "linux-3.10", "linux-3.10:pcp=off", "linux-4.19",
		"linux-4.19:pcp=off", "linux-5.0", "linux-6.10", "linux-6.10:pcp=off", "linux-6.15",
		"linux-6.15:pcp=off", "linux-6.15:pcp_autotune=off",
	};
	enum { NP = sizeof(pols) / sizeof(pols[0]) };
	double best[NP] = { 0 };
	uint64_t ext[NP] = { 0 };

	mix_tick = true;
	mix_cpu_clock = true;
	best_of_two(pols, NP, 4000000, best, collect_fallbacks, ext);
	printf("64 GiB, kernel-like mix with 80/15/5%% movable/unmovable/reclaimable, 2 CPUs,\n"
	       "  policy ticks before every event (thread CPU time, better of two runs):\n");
	for (unsigned i = 0; i < NP; i++)
		printf("  %-27s %5.1f M events/s (%.2fx the time of buddy)  [target <= 2x], %llu fallbacks\n",
		       pols[i], best[i] / 1e6, best[0] / best[i], (unsigned long long)ext[i]);
}

/* index of a keyed-zones statistic by name */
static unsigned stat_idx(const char *name)
{
	const struct fs_policy_ops *ops = fs_policy_find("keyed-zones", strlen("keyed-zones"));
	unsigned i = 0;

	while (ops->stats[i].name && strcmp(ops->stats[i].name, name))
		i++;
	return i;
}

/* issue #7: keyed zones with thousands of keys (1000 tasks x migrate type
 * x order) and 32768 keyed zones of 2 MiB, against plain buddy. Each
 * policy runs twice, interleaved, and keeps its better figure: on a shared
 * machine one run can lose a quarter to its neighbours. */
static void bench_keyed(void)
{
	static const char *const pols[] = {
		"buddy", "keyed-zones", "keyed-zones:defrag=off", "keyed-zones:key=comm",
	};
	enum { NP = sizeof(pols) / sizeof(pols[0]) };
	uint64_t v[NP][FS_MAX_POLICY_STATS] = { { 0 } }, fails[NP] = { 0 };
	double best[NP] = { 0 };

	struct keyed_out out = { fails, v };

	mix_keys = 1000;
	mix_tick = true;
	mix_cpu_clock = true;
	best_of_two(pols, NP, 2000000, best, collect_keyed, &out);
	printf("64 GiB, kernel-like mix, 1000 task keys, policy ticks before every event\n"
	       "  (thread CPU time, better of two runs):\n");
	for (unsigned i = 0; i < NP; i++) {
		printf("  %-23s %5.1f M events/s (%.2fx the time of buddy)  [target <= 3x], %llu failures\n",
		       pols[i], best[i] / 1e6, best[0] / best[i], (unsigned long long)fails[i]);
		if (i)
			printf("    %llu keyed zones, %llu unkeyed, %llu distinct keys, %llu misplaced pages, %llu defragmenter moves\n",
			       (unsigned long long)v[i][stat_idx("keyed_zones")],
			       (unsigned long long)v[i][stat_idx("unkeyed_zones")],
			       (unsigned long long)v[i][stat_idx("distinct_keys")],
			       (unsigned long long)v[i][stat_idx("misplaced_pages")],
			       (unsigned long long)v[i][stat_idx("defrag_moves")]);
	}
}

static void bench_sample(void)
{
	static const struct { const char *name; uint64_t bytes; } sizes[] = {
		{ "1 GiB", 1ull << 30 }, { "64 GiB", 64ull << 30 }, { "1 TiB", 1ull << 40 },
	};
	FILE *null = fopen("/dev/null", "w");

	for (unsigned i = 0; i < 3; i++) {
		struct fs_sim *s = new_sim(sizes[i].bytes, "buddy");
		const int reps = 20000;
		uint64_t t0;

		run_mix(s, 10000, 0, 1 << 20, 90);  /* some fragmentation to report */
		t0 = fs_now_ns();
		for (int r = 0; r < reps; r++)
			fs_metrics_csv_rows(null, s, (uint64_t)r, (uint64_t)r, NULL);
		printf("metrics sample (CSV rows, all orders) on %-6s: %.2f us\n", sizes[i].name,
		       (double)(fs_now_ns() - t0) / reps / 1e3);
		fs_sim_free(s);
	}
	fclose(null);
}

static void bench_tib(void)
{
	uint64_t t0 = fs_now_ns();
	struct fs_sim *s = new_sim(1ull << 40, "buddy");
	double init_s = (double)(fs_now_ns() - t0) / 1e9;
	double evs = run_mix(s, 4000000, 0, 16 << 20, 90);

	printf("1 TiB machine (2^28 pages): init %.2f s, %.1f M events/s on the mix, peak RSS %.0f MiB  [target <= 3072]\n",
	       init_s, evs / 1e6, peak_rss_mib());
	fs_sim_free(s);
}

/* One full-zone compaction (compact_memory) of a 16 GiB zone after the
 * proactive-compaction fragmenter: every page allocated movable, then 3 of
 * every 4 freed. */
static void bench_compaction(void)
{
	static const char *const specs[] = { "buddy+compaction:compaction_proactiveness=0",
					     "linux-6.15+compaction:compaction_proactiveness=0" };

	for (unsigned k = 0; k < 2; k++) {
		struct fs_sim *s = new_sim(16ull << 30, specs[k]);
		uint64_t pages = s->m->zones[0].present_pages, t0, ns, scanned;
		struct fs_event ev = { .kind = FS_EV_ALLOC, .mt = FS_MT_MOVABLE };

		for (uint64_t i = 0; i < pages; i++) {
			ev.ident = i;
			ev.time_ns = i;
			fs_sim_apply(s, &ev);
		}
		ev.kind = FS_EV_FREE;
		for (uint64_t g = 0; g < pages; g += 4) {
			uint64_t keep = rng() % 4;

			for (uint64_t j = 0; j < 4; j++) {
				if (j == keep)
					continue;
				ev.ident = g + j;
				ev.time_ns++;
				fs_sim_apply(s, &ev);
			}
		}
		ev.kind = FS_EV_COMPACT;
		ev.time_ns++;
		t0 = fs_now_ns();
		fs_sim_apply(s, &ev);
		ns = fs_now_ns() - t0;
		scanned = s->c.compact_migrate_scanned + s->c.compact_free_scanned;
		if (!k)
			printf("full-zone compaction of a 16 GiB zone after the fragmenter (3 of 4 pages freed):\n");
		printf("  %-11s %6.0f ms, %5.1f M pages scanned/s, %4.1f M pages migrated/s, %llu free pageblocks after\n",
		       specs[k][0] == 'b' ? "buddy" : "linux-6.15", (double)ns / 1e6,
		       (double)scanned / ((double)ns / 1e9) / 1e6,
		       (double)s->c.migrated_pages / ((double)ns / 1e9) / 1e6,
		       (unsigned long long)(s->m->zones[0].nr_free[9] + 2 * s->m->zones[0].nr_free[10]));
		fs_sim_free(s);
	}
}

/* Replay of real captures, read as they are stored: zstd-compressed
 * trace_pipe text and the trace.dat of the same kind of capture, next to
 * the cost of only reading the text (zstd -dc FILE | wc -l). Needs
 * ../shared/traces (skipped without it). */
static double replay_seconds(const char *path)
{
	static const char *inputs[1];
	static const char *policies[1] = { "buddy" };
	struct fs_run_cfg cfg = { .strict = false };
	struct fs_err err;
	uint64_t t0;

	inputs[0] = path;
	cfg.inputs = inputs;
	cfg.nr_inputs = 1;
	cfg.policies = policies;
	cfg.nr_policies = 1;
	cfg.csv_path = "/dev/null";
	cfg.every = 1000000;
	fs_layout_default(&cfg.layout);
	if (fs_layout_load_yaml(&cfg.layout, "traces/vm-24g.yaml", &err))
		return -1;
	t0 = fs_now_ns();
	if (fs_replay_run(&cfg, &err))
		return -1;
	return (double)(fs_now_ns() - t0) / 1e9;
}

static void bench_replay(void)
{
	static const char *const text = "../shared/traces/build/trace_pipe.txt.zst";
	static const char *const dat = "../shared/traces/build/trace.dat.zst";
	char cmd[512];
	uint64_t t0;
	double floor_s, text_s, dat_s;
	FILE *null = freopen("/dev/null", "w", stderr);

	(void)null;
	if (access(text, R_OK) || access(dat, R_OK)) {
		printf("replay of real captures: skipped (../shared/traces/build not found)\n");
		return;
	}
	snprintf(cmd, sizeof(cmd), "zstd -dc %s | wc -l >/dev/null", text);
	t0 = fs_now_ns();
	if (system(cmd))
		return;
	floor_s = (double)(fs_now_ns() - t0) / 1e9;
	text_s = replay_seconds(text);
	dat_s = replay_seconds(dat);
	printf("replay of the build capture (822,731 trace_pipe lines, zstd; plain buddy):\n"
	       "  zstd -dc | wc -l alone  %.2f s\n"
	       "  trace_pipe.txt.zst     %.2f s (%.1f M events/s, %.2fx the reading floor)  [target <= 2x, >= 3 M/s]\n"
	       "  trace.dat.zst          %.2f s (%.1f M events/s)  [target: as fast as the text]\n",
	       floor_s, text_s, 0.8227 / text_s, text_s / floor_s, dat_s, 0.826 / dat_s);
}

/* `fragsim extfrag` against a lean Perl parser (bench/extfrag_ref.pl: one
 * regex for the line prefix, one for the extfrag fields) on the same logs:
 * a plain extfrag log as the classic recipe captures it (1 M lines,
 * generated here: comm names with dashes and slashes, 6.x flag columns, hex
 * pfns) and the build capture's full trace_pipe (1.3 M lines, one extfrag
 * event), both uncompressed. Best of three wall-clock runs each; the CPU
 * time (all of fragsim's threads) beside it. fragsim runs with its default
 * --threads (a part of the file per online CPU, up to 8) and, for the
 * single-thread figure, with -j 1. */
#define FRAGSIM_BIN "build/fragsim"   /* make bench builds it */

static void child_times(const char *cmd, double *wall, double *cpu)
{
	*wall = *cpu = 1e9;
	for (int i = 0; i < 3; i++) {
		struct rusage r0, r1;
		uint64_t t0 = fs_now_ns();
		double w, c;

		getrusage(RUSAGE_CHILDREN, &r0);
		if (system(cmd))
			return;
		w = (double)(fs_now_ns() - t0) / 1e9;
		getrusage(RUSAGE_CHILDREN, &r1);
		c = (double)(r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) +
		    (double)(r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
		*wall = w < *wall ? w : *wall;
		*cpu = c < *cpu ? c : *cpu;
	}
}

static void extfrag_vs_perl(const char *what, const char *log)
{
	char cmd[1024];
	double fw, fc, f1w, f1c, pw, pc;

	snprintf(cmd, sizeof(cmd), "%s extfrag -q %s -o /dev/null 2>/dev/null", FRAGSIM_BIN, log);
	child_times(cmd, &fw, &fc);
	snprintf(cmd, sizeof(cmd), "%s extfrag -j 1 -q %s -o /dev/null 2>/dev/null", FRAGSIM_BIN, log);
	child_times(cmd, &f1w, &f1c);
	snprintf(cmd, sizeof(cmd), "perl bench/extfrag_ref.pl %s >/dev/null", log);
	child_times(cmd, &pw, &pc);
	printf("  %-34s fragsim %.3f s (CPU %.3f), Perl %.2f s (CPU %.2f): %.1fx (CPU %.1fx)  [target >= 20x]\n"
	       "  %-34s one thread (-j 1): %.3f s (CPU %.3f): %.1fx\n",
	       what, fw, fc, pw, pc, pw / fw, pc / fc, "", f1w, f1c, pw / f1w);
}

static void bench_extfrag(void)
{
	static const char *const comms[] = { "kworker/u8:1", "bash", "kswapd0", "java", "systemd-journal",
					     "khugepaged", "kcompactd0", "postgres" };
	static const char *const text = "../shared/traces/build/trace_pipe.txt.zst";
	char log[128], full[128], cmd[512];
	uint64_t x = 88172645463325252ull, t = 1000000000ull;
	FILE *fp;

	if (system("perl -e 1 2>/dev/null") || access(FRAGSIM_BIN, X_OK)) {
		printf("extfrag vs Perl: skipped (needs perl and " FRAGSIM_BIN ")\n");
		return;
	}
	snprintf(log, sizeof(log), "/tmp/fragsim-bench-extfrag-%d.log", (int)getpid());
	fp = fopen(log, "w");
	if (!fp)
		return;
	for (int i = 0; i < 1000000; i++) {
		unsigned ao, fo, am, fm;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		t += x % 500000;
		ao = (x >> 8) % 10 == 0 ? 9 : (unsigned)(x >> 12) % 4;
		fo = ao + (unsigned)(x >> 16) % (11 - ao);
		am = (unsigned)(x >> 20) % 3;
		fm = (am + 1 + (unsigned)(x >> 24) % 2) % 3;
		fprintf(fp, "%16s-%-7u [%03u] d..1. %6" PRIu64 ".%06" PRIu64 ": mm_page_alloc_extfrag: "
			"page=%016" PRIx64 " pfn=0x%" PRIx64 " alloc_order=%u fallback_order=%u pageblock_order=9 "
			"alloc_migratetype=%u fallback_migratetype=%u fragmenting=%d change_ownership=%d\n",
			comms[(x >> 28) % 8], 100 + (unsigned)(x >> 32) % 30000, (unsigned)(x >> 40) % 4,
			t / 1000000000u, t % 1000000000u / 1000u, x >> 16, (x >> 20) % 0x600000, ao, fo, am, fm,
			fo < 9, fo >= 4);
	}
	fclose(fp);
	{
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);

		printf("fragsim extfrag (%ld threads: the online CPUs) vs a Perl line parser "
		       "(bench/extfrag_ref.pl), best of 3:\n", cpus < 1 ? 1 : cpus > 8 ? 8 : cpus);
	}
	extfrag_vs_perl("plain extfrag log (1 M lines)", log);
	unlink(log);
	if (access(text, R_OK))
		return;
	snprintf(full, sizeof(full), "/tmp/fragsim-bench-build-%d.txt", (int)getpid());
	snprintf(cmd, sizeof(cmd), "zstd -dcq %s > %s", text, full);
	if (!system(cmd))
		extfrag_vs_perl("build trace_pipe (1.3 M lines)", full);
	unlink(full);
}

/* A fill phase takes memory to ~10^7 live order-0..2 allocations (lifetimes
 * exponential, mean 2 s, their frees queued), then churn keeps it there
 * (Little's law: 5 M/s x 2 s). Only the churn phase is timed: every event
 * is generated (arrival, lifetime, a push and a pop of the timer queue per
 * allocation) and applied. */
static const char bench_workload[] =
	"seed: 1\n"
	"machine: 64G\n"
	"classes:\n"
	"  - {name: a, rate: 5000000, order: {0: 90, 1: 7, 2: 3}, lifetime: {dist: exponential, mean: 2s}}\n"
	"phases:\n"
	"  - {name: fill, duration: 1s, classes: {a: {rate: 12000000}}}\n"
	"  - {name: churn, duration: 3s}\n";

static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void bench_workload_gen(void)
{
	struct fs_wl_spec *sp;
	struct fs_wl_gen *g;
	struct fs_sim *s = new_sim(64ull << 30, "buddy");
	struct fs_event ev;
	struct fs_err err;
	uint64_t t0, t1, c0, c1, n = 0, live_at, pending_at;
	const uint64_t churn_start = 1000000000ull;

	if (fs_wl_load_buffer(&sp, "bench", bench_workload, sizeof(bench_workload) - 1, &err) ||
	    fs_wl_gen_new(&g, sp, 10, s->m->zones[0].present_pages, NULL, &err)) {
		fprintf(stderr, "bench: %s\n", err.msg);
		exit(1);
	}
	while (fs_wl_gen_next(g, &ev) > 0 && ev.time_ns < churn_start)
		fs_sim_apply(s, &ev);
	live_at = s->at.live;
	pending_at = fs_wl_gen_pending(g);
	/* as fragsim run's loop does: events generated 16 ahead of the one
	 * applied, the newest one's hash slot prefetched, and the page word
	 * of the free 8 ahead */
	fs_sim_apply(s, &ev);
	n++;
	t0 = fs_now_ns();
	c0 = cpu_ns();
	while (fs_wl_gen_next_ahead(g, &ev) > 0) {
		const struct fs_event *ahead = fs_wl_lookahead(g);
		const struct fs_event *half = fs_wl_lookahead_half(g);

		if (ahead)
			fs_sim_prefetch(s, ahead);
		if (half)
			fs_sim_prefetch2(s, half);
		fs_sim_apply(s, &ev);
		n++;
	}
	t1 = fs_now_ns();
	c1 = cpu_ns();
	printf("workload generator + buddy, 64 GiB, %.1f M live allocations and %.1f M queued frees\n"
	       "  when timing starts (Poisson arrivals, exponential lifetimes, orders 0..2):\n"
	       "  %.1f M events/s end to end  [target >= 5] (%.1f M per CPU second);\n"
	       "  %.1f M live at the end, %llu failures\n",
	       (double)live_at / 1e6, (double)pending_at / 1e6, (double)n / ((double)(t1 - t0) / 1e9) / 1e6,
	       (double)n / ((double)(c1 - c0) / 1e9) / 1e6,
	       (double)s->at.live / 1e6, (unsigned long long)s->c.alloc_failures);
	fs_wl_gen_free(g);
	fs_wl_free(sp);
	fs_sim_free(s);
}

static void in_child(void (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench: a benchmark failed\n");
		exit(1);
	}
}

/* `bench [NAME...]` or BENCH=NAME,NAME: all parts, or only the named ones */
int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} parts[] = {
		{ "events", bench_events }, { "generations", bench_generations },
		{ "keyed", bench_keyed }, { "sample", bench_sample }, { "tib", bench_tib },
		{ "compaction", bench_compaction }, { "replay", bench_replay },
		{ "workload", bench_workload_gen }, { "extfrag", bench_extfrag },
	};
	const char *only = getenv("BENCH");     /* make bench BENCH=compaction,sample */

	printf("fragsim %s bench (single thread)\n", FS_VERSION);
	fflush(stdout);
	for (unsigned i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		bool run = argc < 2 && (!only || strstr(only, parts[i].name));

		for (int a = 1; a < argc; a++)
			run |= !strcmp(argv[a], parts[i].name);
		if (run)
			in_child(parts[i].fn);
	}
	return 0;
}
