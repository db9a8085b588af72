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
 * Hierarchical timing wheels (Varghese & Lauck). Time is cut into buckets
 * of 2^FS_TQ_SHIFT ns (about 1 ms); `cur` is the bucket being popped. The
 * rest of cur's coarse bucket (64 buckets, 67 ms) are fine buckets, the
 * next FS_TQ_COARSE - 1 coarse buckets (~17 s) are coarse ones, all
 * unsorted lists of 4 KiB chunks taken from one THP-advised pool (a push is
 * an append; a free list hands the chunks of a bucket just emptied to the
 * next appends, so they are still in cache), and entries further out wait
 * in the `far` heap. When `cur` enters a coarse bucket, its entries are
 * dealt out to the fine buckets (a sequential read, appends to 64 tails);
 * when `cur` runs dry the next fine bucket is copied out and radix-sorted
 * on its time bits, and pops walk it in order; the rare push into a bucket
 * already sorted (a lifetime shorter than the bucket) goes to the small
 * `late` heap, merged at each pop. Pops come out in exactly (time, data)
 * order.
 *
 * Why two levels: with one wheel of 16384 fine buckets, the pushes of
 * lifetimes spread over seconds appended to thousands of tail chunks at
 * random, each in its own 4 KiB page, and on this VM (whose TLB entries
 * are 4 KiB whatever the guest's huge pages) that was a TLB miss and a
 * cache miss per push: a tenth of the generator benchmark's time, on one
 * store. Appends now go to at most 64 + 256 tails, which stay in the TLB
 * and the caches; each entry is copied once more, sequentially. (Before
 * the wheel, the queue poured each bucket into a 4-ary heap: every pop
 * walked it down with a miss and a mispredicted branch per level.) */
#define NO_CHUNK UINT32_MAX
_Static_assert(sizeof(struct fs_tq_chunk) == 4096, "a bucket chunk is one 4 KiB page");

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
	q->slot = fs_xcalloc(FS_TQ_FINE + FS_TQ_COARSE, sizeof(*q->slot));
	for (size_t i = 0; i < FS_TQ_FINE + FS_TQ_COARSE; i++)
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

static void bucket_append(struct fs_tq *q, struct fs_tq_bucket *bk, struct fs_tq_ent ev)
{
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
}

static void wheel_put(struct fs_tq *q, struct fs_tq_ent ev)
{
	uint64_t b = ev.time_ns >> FS_TQ_SHIFT, cb = b >> FS_TQ_FINE_BITS;
	uint64_t ccur = q->cur >> FS_TQ_FINE_BITS;

	if (b <= q->cur) {
		heap_push(&q->late, ev);
	} else if (cb == ccur) {
		bucket_append(q, &q->slot[b & (FS_TQ_FINE - 1)], ev);
		q->in_wheel++;
		q->in_fine++;
	} else if (cb - ccur < FS_TQ_COARSE) {
		bucket_append(q, &q->slot[FS_TQ_FINE + (cb & (FS_TQ_COARSE - 1))], ev);
		q->in_wheel++;
	} else {
		heap_push(&q->far, ev);
	}
}

/* `cur` has just entered coarse bucket cb: deal its entries out to the
 * fine buckets (all after cur, or at it: none is before its first bucket,
 * which is where cur enters unless it jumped to the far heap's minimum, and
 * then the wheels are empty). Chunks go back to the free list as they are
 * read, after their last entry: an append may take one. */
static void deal_coarse(struct fs_tq *q, uint64_t cb)
{
	struct fs_tq_bucket *bk = &q->slot[FS_TQ_FINE + (cb & (FS_TQ_COARSE - 1))];
	uint32_t c = bk->head, tail = bk->tail, tail_n = bk->tail_n;

	bk->head = bk->tail = NO_CHUNK;
	bk->tail_n = 0;
	while (c != NO_CHUNK) {
		uint32_t cnt = c == tail ? tail_n : FS_TQ_CHUNK, next;

		for (uint32_t i = 0; i < cnt; i++) {
			struct fs_tq_ent ev = q->chunk[c].e[i];

			bucket_append(q, &q->slot[(ev.time_ns >> FS_TQ_SHIFT) & (FS_TQ_FINE - 1)], ev);
		}
		q->in_fine += cnt;
		next = q->chunk[c].next;
		q->chunk[c].next = q->free_chunk;
		q->free_chunk = c;
		c = next;
	}
}

void fs_tq_push(struct fs_tq *q, uint64_t time_ns, uint64_t data, uint64_t aux)
{
	wheel_put(q, (struct fs_tq_ent){ time_ns, data, aux });
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

/* Make the next entry available (sorting buckets in), looking no further
 * than bucket max_b; false if there is none up to there (or at all).
 *
 * The bound is what keeps `cur` from running ahead of the caller's present:
 * the generator peeks before each arrival, and an unbounded peek on a
 * sparse queue (a workload's start, when the few frees queued are seconds
 * away) sorted in the bucket of the first of them, so every free pushed
 * meanwhile fell at or before `cur` and into the late heap: millions of
 * entries, a miss per heap level at each push and pop (15% of the time of
 * the benchmark's fill phase). */
static bool tq_fill(struct fs_tq *q, uint64_t max_b)
{
	while (q->pos == q->run_n && !q->late.n) {
		struct fs_tq_bucket *bk;
		uint64_t nb;
		size_t n = 0;

		if (q->in_fine) {
			nb = q->cur + 1;
		} else if (q->in_wheel) {     /* the rest of this coarse bucket is empty */
			nb = ((q->cur >> FS_TQ_FINE_BITS) + 1) << FS_TQ_FINE_BITS;
		} else {
			if (!q->far.n)
				return false;
			/* nothing within reach: jump to the far minimum's bucket */
			nb = q->far.e[0].time_ns >> FS_TQ_SHIFT;
		}
		if (nb > max_b)
			return false;
		if (nb >> FS_TQ_FINE_BITS != q->cur >> FS_TQ_FINE_BITS) {
			q->cur = nb;
			deal_coarse(q, nb >> FS_TQ_FINE_BITS);
		}
		q->cur = nb;
		bk = &q->slot[q->cur & (FS_TQ_FINE - 1)];
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
		q->in_fine -= n;
		sort_run(q, n);
		q->pos = 0;
		q->run_n = n;
		while (q->far.n && (q->far.e[0].time_ns >> (FS_TQ_SHIFT + FS_TQ_FINE_BITS)) -
					   (q->cur >> FS_TQ_FINE_BITS) < FS_TQ_COARSE)
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
	return fs_tq_peek_until(q, UINT64_MAX, out);
}

bool fs_tq_peek_until(struct fs_tq *q, uint64_t limit_ns, struct fs_tq_ent *out)
{
	if (!tq_fill(q, limit_ns >> FS_TQ_SHIFT))
		return false;
	*out = take_late(q) ? q->late.e[0] : q->run[q->pos];
	return true;
}

bool fs_tq_pop(struct fs_tq *q, struct fs_tq_ent *out)
{
	if (!tq_fill(q, UINT64_MAX))
		return false;
	*out = take_late(q) ? heap_pop(&q->late) : q->run[q->pos++];
	q->n--;
	return true;
}
