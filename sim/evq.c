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
