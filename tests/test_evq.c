/* test_evq.c - the generator's timer queue (sim/evq.c, fs_tq): whatever
 * the mix of pushes and pops, entries come out in exactly (time, data)
 * order, checked against a plain array model. The shapes exercise each
 * path: pushes into the bucket being popped (the late heap), the wheel's
 * chunk lists (buckets of more than one 4 KiB chunk), the radix sort of
 * big buckets and the insertion sort of small ones, ties on time broken by
 * data (a burst freed at one instant), the coarse wheel's buckets dealt
 * out to the fine ones, the far heap beyond the wheels, and peeks bounded
 * by a limit (fs_tq_peek_until) that must not let the wheel run ahead.
 * Each entry's aux (a payload outside the order) must come back with it.
 * Every run uses a fixed seed; failures name the operation. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "internal.h"
#include "test_util.h"

struct model {
	struct fs_tq_ent *e;
	size_t n, cap;
};

/* the payload pushed with data d: any function of it will do */
#define AUX_OF(d) (~(d) * 31)

static void model_push(struct model *m, uint64_t t, uint64_t d)
{
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 1024;
		m->e = realloc(m->e, m->cap * sizeof(*m->e));
		cr_assert_not_null(m->e);
	}
	m->e[m->n++] = (struct fs_tq_ent){ t, d, AUX_OF(d) };
}

static bool ent_less(const struct fs_tq_ent *a, const struct fs_tq_ent *b)
{
	return a->time_ns < b->time_ns || (a->time_ns == b->time_ns && a->data < b->data);
}

/* Remove and return the model's minimum (linear: the model stays small). */
static struct fs_tq_ent model_pop(struct model *m)
{
	size_t best = 0;
	struct fs_tq_ent r;

	for (size_t i = 1; i < m->n; i++)
		if (ent_less(&m->e[i], &m->e[best]))
			best = i;
	r = m->e[best];
	m->e[best] = m->e[--m->n];
	return r;
}

/* A time for a push at `now`, of one of the shapes above. */
static uint64_t pick_time(struct tu_rng *g, uint64_t now, uint64_t *tie)
{
	const uint64_t bucket = 1ull << FS_TQ_SHIFT;

	switch (tu_below(g, 8)) {
	case 0: return now + tu_below(g, bucket);               /* often the current bucket */
	case 1: return now;                                     /* at once */
	case 2: return now + tu_below(g, 64 * bucket);          /* the next buckets */
	case 3: return now + tu_below(g, (uint64_t)FS_TQ_SLOTS * bucket * 3);  /* to the far heap */
	case 4: return *tie > now ? *tie : (*tie = now + tu_below(g, 8 * bucket));  /* a burst's instant */
	default: return now + tu_below(g, 4 * bucket);          /* crowded buckets */
	}
}

static void run_shape(uint64_t seed, unsigned ops, unsigned push_pct)
{
	struct fs_tq q;
	struct model m = { 0 };
	struct tu_rng g;
	uint64_t now = 0, tie = 0, data = 0;

	fs_tq_init(&q);
	tu_rng_seed(&g, seed);
	for (unsigned op = 0; op < ops; op++) {
		if (!m.n || tu_below(&g, 100) < push_pct) {
			unsigned burst = tu_below(&g, 50) ? 1 : 1 + (unsigned)tu_below(&g, 300);

			for (unsigned k = 0; k < burst; k++) {
				uint64_t t = pick_time(&g, now, &tie);
				/* data unique but not in push order, so ties must be sorted */
				uint64_t d = (++data * 0x9e3779b97f4a7c15ull) >> 8;

				fs_tq_push(&q, t, d, AUX_OF(d));
				model_push(&m, t, d);
			}
		} else {
			struct fs_tq_ent got, peek, want = model_pop(&m);
			/* as the generator peeks, up to its next arrival: nothing
			 * only if the head is after the limit, else the head */
			uint64_t lim = now + tu_below(&g, 128ull << FS_TQ_SHIFT);
			bool any = fs_tq_peek_until(&q, lim, &peek);

			cr_assert(any || want.time_ns > lim, "seed %llu op %u: peek_until(%llu) missed %llu",
				  (unsigned long long)seed, op, (unsigned long long)lim,
				  (unsigned long long)want.time_ns);
			cr_assert(!any || (peek.time_ns == want.time_ns && peek.data == want.data),
				  "seed %llu op %u: peek_until gave another head", (unsigned long long)seed, op);
			cr_assert(fs_tq_peek(&q, &peek), "seed %llu op %u: peek found nothing",
				  (unsigned long long)seed, op);
			cr_assert(fs_tq_pop(&q, &got), "seed %llu op %u: pop found nothing",
				  (unsigned long long)seed, op);
			cr_assert(peek.time_ns == got.time_ns && peek.data == got.data,
				  "seed %llu op %u: peek and pop disagree", (unsigned long long)seed, op);
			cr_assert(got.time_ns == want.time_ns && got.data == want.data && got.aux == want.aux,
				  "seed %llu op %u: popped (%llu, %#llx), expected (%llu, %#llx)",
				  (unsigned long long)seed, op, (unsigned long long)got.time_ns,
				  (unsigned long long)got.data, (unsigned long long)want.time_ns,
				  (unsigned long long)want.data);
			now = got.time_ns;
		}
		cr_assert_eq(q.n, m.n, "seed %llu op %u", (unsigned long long)seed, op);
	}
	while (m.n) {                       /* drain */
		struct fs_tq_ent got, want = model_pop(&m);

		cr_assert(fs_tq_pop(&q, &got));
		cr_assert(got.time_ns == want.time_ns && got.data == want.data && got.aux == want.aux,
			  "seed %llu drain: popped (%llu, %#llx), expected (%llu, %#llx)",
			  (unsigned long long)seed, (unsigned long long)got.time_ns,
			  (unsigned long long)got.data, (unsigned long long)want.time_ns,
			  (unsigned long long)want.data);
	}
	{
		struct fs_tq_ent e;

		cr_assert(!fs_tq_peek(&q, &e) && !fs_tq_pop(&q, &e), "an empty queue pops nothing");
	}
	free(m.e);
	fs_tq_release(&q);
}

Test(evq, timer_queue_against_model_growing)
{
	run_shape(1, 20000, 70);
}

Test(evq, timer_queue_against_model_steady)
{
	run_shape(2, 30000, 50);
	run_shape(3, 30000, 52);
}

/* One bucket of thousands of entries (several chunks, the radix sort) with
 * big groups of equal times: popped in (time, data) order. */
Test(evq, big_bucket_with_ties)
{
	struct fs_tq q;
	struct tu_rng g;
	struct fs_tq_ent prev = { 0, 0, 0 }, e;
	const uint64_t base = 5ull << FS_TQ_SHIFT;
	size_t n = 0;

	fs_tq_init(&q);
	tu_rng_seed(&g, 4);
	for (unsigned i = 0; i < 5000; i++) {
		uint64_t t = base + (i % 3 ? tu_below(&g, 1ull << FS_TQ_SHIFT) : 777);

		uint64_t d = tu_rand(&g);

		fs_tq_push(&q, t, d, AUX_OF(d));
	}
	cr_assert_eq(q.n, 5000);
	while (fs_tq_pop(&q, &e)) {
		cr_assert(n == 0 || !ent_less(&e, &prev), "entry %zu out of order", n);
		cr_assert_eq(e.time_ns >> FS_TQ_SHIFT, 5);
		cr_assert_eq(e.aux, AUX_OF(e.data), "entry %zu lost its payload", n);
		prev = e;
		n++;
	}
	cr_assert_eq(n, 5000);
	fs_tq_release(&q);
}
