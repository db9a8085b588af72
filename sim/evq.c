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
 * A hashed timing wheel (Varghese & Lauck) in front of two 4-ary heaps.
 * Time is cut into buckets of 2^FS_TQ_SHIFT ns (about 1 ms); `cur` is the
 * bucket being popped, and a min-heap holds every entry of buckets up to
 * it. The next FS_TQ_SLOTS - 1 buckets are unsorted arrays (a push is an
 * append), and entries further out wait in the `far` heap. When `cur` runs
 * dry the next bucket is poured into its heap and the far entries that
 * came within reach move into the wheel. The heaps stay small and in
 * cache where one heap of ten million pending frees would miss on every
 * level; pops come out in exactly (time, data) order either way. */
static inline bool tq_less(const struct fs_tq_ent *a, const struct fs_tq_ent *b)
{
	return a->time_ns < b->time_ns || (a->time_ns == b->time_ns && a->data < b->data);
}

static void heap_push(struct fs_tq_heap *h, struct fs_tq_ent ev)
{
	size_t i;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 256;
		h->e = fs_xrealloc(h->e, h->cap * sizeof(*h->e));
	}
	for (i = h->n++; i > 0; i = (i - 1) / 4) {
		size_t parent = (i - 1) / 4;

		if (!tq_less(&ev, &h->e[parent]))
			break;
		h->e[i] = h->e[parent];
	}
	h->e[i] = ev;
}

static struct fs_tq_ent heap_pop(struct fs_tq_heap *h)
{
	struct fs_tq_ent top = h->e[0], last = h->e[--h->n];
	size_t i = 0;

	for (;;) {
		size_t c = 4 * i + 1, best, end;

		if (c >= h->n)
			break;
		best = c;
		end = c + 4 < h->n ? c + 4 : h->n;
		for (size_t k = c + 1; k < end; k++)
			if (tq_less(&h->e[k], &h->e[best]))
				best = k;
		if (!tq_less(&h->e[best], &last))
			break;
		h->e[i] = h->e[best];
		i = best;
	}
	if (h->n)
		h->e[i] = last;
	return top;
}

void fs_tq_init(struct fs_tq *q)
{
	memset(q, 0, sizeof(*q));
	q->slot = fs_xcalloc(FS_TQ_SLOTS, sizeof(*q->slot));
}

void fs_tq_release(struct fs_tq *q)
{
	if (q->slot)
		for (size_t i = 0; i < FS_TQ_SLOTS; i++)
			free(q->slot[i].e);
	free(q->slot);
	free(q->near.e);
	free(q->far.e);
	memset(q, 0, sizeof(*q));
}

static void wheel_put(struct fs_tq *q, struct fs_tq_ent ev)
{
	uint64_t b = ev.time_ns >> FS_TQ_SHIFT;

	if (b <= q->cur) {
		heap_push(&q->near, ev);
	} else if (b - q->cur < FS_TQ_SLOTS) {
		struct fs_tq_heap *sl = &q->slot[b & (FS_TQ_SLOTS - 1)];

		if (sl->n == sl->cap) {
			sl->cap = sl->cap ? sl->cap * 2 : 64;
			sl->e = fs_xrealloc(sl->e, sl->cap * sizeof(*sl->e));
		}
		sl->e[sl->n++] = ev;
		q->in_wheel++;
	} else {
		heap_push(&q->far, ev);
	}
}

void fs_tq_push(struct fs_tq *q, uint64_t time_ns, uint64_t data)
{
	wheel_put(q, (struct fs_tq_ent){ time_ns, data });
	q->n++;
}

/* Make the near heap non-empty (pouring buckets in); false if all is empty. */
static bool tq_fill(struct fs_tq *q)
{
	while (!q->near.n) {
		struct fs_tq_heap *sl;

		if (!q->in_wheel) {
			if (!q->far.n)
				return false;
			/* nothing within reach: jump to the bucket before the far minimum */
			q->cur = (q->far.e[0].time_ns >> FS_TQ_SHIFT) - 1;
		}
		q->cur++;
		sl = &q->slot[q->cur & (FS_TQ_SLOTS - 1)];
		for (size_t i = 0; i < sl->n; i++)
			heap_push(&q->near, sl->e[i]);
		q->in_wheel -= sl->n;
		sl->n = 0;
		while (q->far.n && (q->far.e[0].time_ns >> FS_TQ_SHIFT) - q->cur < FS_TQ_SLOTS)
			wheel_put(q, heap_pop(&q->far));
	}
	return true;
}

bool fs_tq_peek(struct fs_tq *q, struct fs_tq_ent *out)
{
	if (!tq_fill(q))
		return false;
	*out = q->near.e[0];
	return true;
}

bool fs_tq_pop(struct fs_tq *q, struct fs_tq_ent *out)
{
	if (!tq_fill(q))
		return false;
	*out = heap_pop(&q->near);
	q->n--;
	return true;
}
