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
 * A hashed timing wheel (Varghese & Lauck). Time is cut into buckets of
 * 2^FS_TQ_SHIFT ns (about 1 ms); `cur` is the bucket being popped. The next
 * FS_TQ_SLOTS - 1 buckets are unsorted lists of 4 KiB chunks taken from one
 * THP-advised pool (a push is an append; a free list hands the chunks of a
 * bucket just emptied to the next appends, so they are still in cache), and
 * entries further out wait in the `far` heap. When `cur` runs dry the next
 * bucket is copied out and radix-sorted on its time bits, and pops walk it
 * in order; the rare push into a bucket already sorted (a lifetime shorter
 * than the bucket) goes to the small `late` heap, merged at each pop. Pops
 * come out in exactly (time, data) order. (The queue used to pour each
 * bucket into a 4-ary heap: with thousands of entries a bucket, every pop
 * walked it down with a miss and a mispredicted branch per level, and
 * per-bucket arrays spread the appends over thousands of pages.) */
#define NO_CHUNK UINT32_MAX

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
	for (size_t i = 0; i < FS_TQ_SLOTS; i++)
		q->slot[i].head = q->slot[i].tail = NO_CHUNK;
	q->free_chunk = NO_CHUNK;
}

void fs_tq_release(struct fs_tq *q)
{
	free(q->slot);
	fs_big_free(q->chunk, (size_t)q->cap_chunks * sizeof(*q->chunk));
	free(q->run);
	free(q->tmp);
	free(q->late.e);
	free(q->far.e);
	memset(q, 0, sizeof(*q));
}

static uint32_t chunk_get(struct fs_tq *q)
{
	uint32_t c = q->free_chunk;

	if (c != NO_CHUNK) {
		q->free_chunk = q->chunk[c].next;
	} else {
		if (q->nr_chunks == q->cap_chunks) {
			uint32_t cap = q->cap_chunks ? q->cap_chunks * 2 : 512;
			size_t old = (size_t)q->cap_chunks * sizeof(*q->chunk), bytes = (size_t)cap * sizeof(*q->chunk);
			struct fs_tq_chunk *p = q->chunk ? fs_big_realloc(q->chunk, old, bytes) : fs_big_alloc(bytes);

			if (!p || cap <= q->cap_chunks) {
				fprintf(stderr, "fragsim: out of memory (timer queue of %zu entries)\n", q->n);
				abort();
			}
			q->chunk = p;
			q->cap_chunks = cap;
		}
		c = q->nr_chunks++;
	}
	q->chunk[c].next = NO_CHUNK;
	return c;
}

static void wheel_put(struct fs_tq *q, struct fs_tq_ent ev)
{
	uint64_t b = ev.time_ns >> FS_TQ_SHIFT;

	if (b <= q->cur) {
		heap_push(&q->late, ev);
	} else if (b - q->cur < FS_TQ_SLOTS) {
		struct fs_tq_bucket *bk = &q->slot[b & (FS_TQ_SLOTS - 1)];

		if (bk->tail == NO_CHUNK || bk->tail_n == FS_TQ_CHUNK) {
			uint32_t c = chunk_get(q);

			if (bk->tail == NO_CHUNK)
				bk->head = c;
			else
				q->chunk[bk->tail].next = c;
			bk->tail = c;
			bk->tail_n = 0;
		}
		q->chunk[bk->tail].e[bk->tail_n++] = ev;
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

static int cmp_data(const void *a, const void *b)
{
	const struct fs_tq_ent *x = a, *y = b;

	return x->data < y->data ? -1 : x->data > y->data;
}

/* Sort run[0..n) of one bucket by (time, data): two stable counting passes
 * on the time's low FS_TQ_SHIFT bits (the high bits are the bucket's), then
 * each group of equal times by data (ties are rare but come in bursts: a
 * burst's allocations with a fixed lifetime are freed at one instant). */
static void sort_run(struct fs_tq *q, size_t n)
{
	enum { BITS = (FS_TQ_SHIFT + 1) / 2, RADIX = 1u << BITS };
	struct fs_tq_ent *a = q->run, *b = q->tmp;
	size_t i, j;

	if (n < 64) {                 /* insertion sort */
		for (i = 1; i < n; i++) {
			struct fs_tq_ent x = a[i];

			for (j = i; j > 0 && tq_less(&x, &a[j - 1]); j--)
				a[j] = a[j - 1];
			a[j] = x;
		}
		return;
	}
	for (unsigned pass = 0; pass < 2; pass++) {
		unsigned shift = pass * BITS;
		size_t count[RADIX] = { 0 }, sum = 0;
		struct fs_tq_ent *t;

		for (i = 0; i < n; i++)
			count[(a[i].time_ns >> shift) & (RADIX - 1)]++;
		for (unsigned k = 0; k < RADIX; k++) {
			size_t c = count[k];

			count[k] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			b[count[(a[i].time_ns >> shift) & (RADIX - 1)]++] = a[i];
		t = a, a = b, b = t;
	}
	/* two passes: the sorted entries are back in q->run */
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && a[j].time_ns == a[i].time_ns; j++)
			;
		if (j - i > 1)
			qsort(a + i, j - i, sizeof(*a), cmp_data);
	}
}

/* Make the next entry available (sorting buckets in); false if all is empty. */
static bool tq_fill(struct fs_tq *q)
{
	while (q->pos == q->run_n && !q->late.n) {
		struct fs_tq_bucket *bk;
		size_t n = 0;

		if (!q->in_wheel) {
			if (!q->far.n)
				return false;
			/* nothing within reach: jump to the bucket before the far minimum */
			q->cur = (q->far.e[0].time_ns >> FS_TQ_SHIFT) - 1;
		}
		q->cur++;
		bk = &q->slot[q->cur & (FS_TQ_SLOTS - 1)];
		for (uint32_t c = bk->head, next; c != NO_CHUNK; c = next) {
			size_t cnt = c == bk->tail ? bk->tail_n : FS_TQ_CHUNK;

			if (n + cnt > q->run_cap) {
				q->run_cap = q->run_cap ? q->run_cap * 2 : 4096;
				if (q->run_cap < n + cnt)
					q->run_cap = n + cnt;
				q->run = fs_xrealloc(q->run, q->run_cap * sizeof(*q->run));
				q->tmp = fs_xrealloc(q->tmp, q->run_cap * sizeof(*q->tmp));
			}
			memcpy(q->run + n, q->chunk[c].e, cnt * sizeof(*q->run));
			n += cnt;
			next = q->chunk[c].next;
			q->chunk[c].next = q->free_chunk;
			q->free_chunk = c;
		}
		bk->head = bk->tail = NO_CHUNK;
		bk->tail_n = 0;
		q->in_wheel -= n;
		sort_run(q, n);
		q->pos = 0;
		q->run_n = n;
		while (q->far.n && (q->far.e[0].time_ns >> FS_TQ_SHIFT) - q->cur < FS_TQ_SLOTS)
			wheel_put(q, heap_pop(&q->far));
	}
	return true;
}

static inline bool take_late(const struct fs_tq *q)
{
	return q->late.n && (q->pos == q->run_n || tq_less(&q->late.e[0], &q->run[q->pos]));
}

bool fs_tq_peek(struct fs_tq *q, struct fs_tq_ent *out)
{
	if (!tq_fill(q))
		return false;
	*out = take_late(q) ? q->late.e[0] : q->run[q->pos];
	return true;
}

bool fs_tq_pop(struct fs_tq *q, struct fs_tq_ent *out)
{
	if (!tq_fill(q))
		return false;
	*out = take_late(q) ? heap_pop(&q->late) : q->run[q->pos++];
	q->n--;
	return true;
}
