/* evq.c - the discrete-event queue: a binary min-heap on (time_ns, seq).
 * seq is assigned at push, so events with equal times pop in the order
 * they were pushed (git prio-queue.c does the same with insertion_ctr). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static inline bool ev_less(const struct fs_event *a, const struct fs_event *b)
{
	return a->time_ns < b->time_ns || (a->time_ns == b->time_ns && a->seq < b->seq);
}

void fs_evq_init(struct fs_evq *q)
{
	memset(q, 0, sizeof(*q));
}

void fs_evq_release(struct fs_evq *q)
{
	free(q->ev);
	memset(q, 0, sizeof(*q));
}

void fs_evq_push(struct fs_evq *q, struct fs_event ev)
{
	size_t i;

	if (q->n == q->cap) {
		q->cap = q->cap ? q->cap * 2 : 64;
		q->ev = fs_xrealloc(q->ev, q->cap * sizeof(*q->ev));
	}
	ev.seq = q->next_seq++;
	for (i = q->n++; i > 0; i = (i - 1) / 2) {
		size_t parent = (i - 1) / 2;

		if (!ev_less(&ev, &q->ev[parent]))
			break;
		q->ev[i] = q->ev[parent];
	}
	q->ev[i] = ev;
}

bool fs_evq_pop(struct fs_evq *q, struct fs_event *out)
{
	struct fs_event last;
	size_t i = 0;

	if (!q->n)
		return false;
	*out = q->ev[0];
	last = q->ev[--q->n];
	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= q->n)
			break;
		if (c + 1 < q->n && ev_less(&q->ev[c + 1], &q->ev[c]))
			c++;
		if (!ev_less(&q->ev[c], &last))
			break;
		q->ev[i] = q->ev[c];
		i = c;
	}
	if (q->n)
		q->ev[i] = last;
	return true;
}

/* ---- fs_tq: the generator's timer queue -------------------------------------
 * A 4-ary heap halves the depth of a binary one; with ten million pending
 * frees the top levels stay in cache and a pop costs a few misses. */
static inline bool tq_less(const struct fs_tq_ent *a, const struct fs_tq_ent *b)
{
	return a->time_ns < b->time_ns || (a->time_ns == b->time_ns && a->data < b->data);
}

void fs_tq_init(struct fs_tq *q)
{
	memset(q, 0, sizeof(*q));
}

void fs_tq_release(struct fs_tq *q)
{
	if (q->e)
		fs_big_free(q->e, q->cap * sizeof(*q->e));
	memset(q, 0, sizeof(*q));
}

void fs_tq_push(struct fs_tq *q, uint64_t time_ns, uint64_t data)
{
	struct fs_tq_ent ev = { time_ns, data };
	size_t i;

	if (q->n == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 1024;

		q->e = q->e ? fs_big_realloc(q->e, q->cap * sizeof(*q->e), cap * sizeof(*q->e))
			    : fs_big_alloc(cap * sizeof(*q->e));
		if (!q->e) {
			fprintf(stderr, "fragsim: out of memory (timer queue of %zu entries)\n", cap);
			abort();
		}
		q->cap = cap;
	}
	for (i = q->n++; i > 0; i = (i - 1) / 4) {
		size_t parent = (i - 1) / 4;

		if (!tq_less(&ev, &q->e[parent]))
			break;
		q->e[i] = q->e[parent];
	}
	q->e[i] = ev;
}

bool fs_tq_pop(struct fs_tq *q, struct fs_tq_ent *out)
{
	struct fs_tq_ent last;
	size_t i = 0;

	if (!q->n)
		return false;
	*out = q->e[0];
	last = q->e[--q->n];
	for (;;) {
		size_t c = 4 * i + 1, best, end;

		if (c >= q->n)
			break;
		best = c;
		end = c + 4 < q->n ? c + 4 : q->n;
		for (size_t k = c + 1; k < end; k++)
			if (tq_less(&q->e[k], &q->e[best]))
				best = k;
		if (!tq_less(&q->e[best], &last))
			break;
		q->e[i] = q->e[best];
		i = best;
	}
	if (q->n)
		q->e[i] = last;
	return true;
}
