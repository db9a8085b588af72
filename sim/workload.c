/* workload.c - the workload generator: arrivals, lifetimes, phases and
 * probes as a discrete-event process whose output is a trace's event
 * stream, in time order.
 *
 * Everything pending lives in one timer queue (fs_tq, 16 bytes an entry,
 * ordered by (time, data)): the end of the current phase, probes, and the
 * free of every allocation whose lifetime ends before the run does
 * (allocation time + lifetime, decided when it is made). The next arrival
 * of each active class is kept beside it (cls_state.t_arr) and taken when
 * it comes first in that same order, which saves a push and a pop per
 * allocation. A burst or a probe yields several allocations at one time;
 * they are handed out one per call from `pending`.
 *
 * Identities are recycled per order, as the kernel recycles pfns: the
 * free of an allocation pushes its identity on a LIFO list of its order,
 * and the next allocation of that order pops it; when the list is empty it
 * takes the next 2^order-aligned range of an identity counter. So an
 * identity is 2^order-aligned and names one range of one order for good
 * (on the list, live, or never freed), no two live allocations share or
 * overlap a range, identities stay dense (about the peak of live pages,
 * far below 2^58 and below 2^32 where the allocation table tells double
 * frees from unknown ones), and partial frees stay meaningful.
 *
 * Why recycle: the replay loop's cost is the random cache lines each event
 * touches, and a fresh identity's allocation-table slot is cold, a miss
 * (and on this VM a page walk) per allocation; the identity a free has
 * just released has its slot in the caches. Placement never depends on
 * the identity, so the simulations are the same as with fresh identities
 * (compaction's `pinned` tunable, which hashes identities, aside).
 *
 * What the identity used to decide is kept by a serial that advances as
 * the counter did before recycling (the next 2^order-aligned value for
 * every allocation): frees queued at one instant pop in serial order, i.e.
 * in the order they were allocated, and the serial bounds the frees queued
 * (below IDENT_MAX), so the event stream is the same but for the
 * identities it names. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "workload.h"

/* ---- PRNG: splitmix64 seeds xoshiro256** (Blackman & Vigna) --------------- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void fs_wl_rng_seed(struct fs_wl_rng *g, uint64_t seed)
{
	for (unsigned i = 0; i < 4; i++)
		g->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t fs_wl_rng_next(struct fs_wl_rng *g)
{
	uint64_t *s = g->s, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

double fs_wl_rng_unit(struct fs_wl_rng *g)
{
	return (double)(fs_wl_rng_next(g) >> 11) * 0x1.0p-53;
}

/* A standard normal variate (Box-Muller, the cosine half; the sine half is
 * dropped so that each call consumes exactly two numbers). */
static double normal(struct fs_wl_rng *g)
{
	double u1 = 1.0 - fs_wl_rng_unit(g), u2 = fs_wl_rng_unit(g);

	return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

/* Inverse-transform sampling: exponential -mean ln(1-u); Pareto
 * x_m (1-u)^(-1/alpha); lognormal e^(mu + sigma Z) with e^mu the median. */
uint64_t fs_wl_lifetime_sample(const struct fs_wl_lifetime *l, struct fs_wl_rng *g)
{
	double ns;

	switch (l->dist) {
	case FS_WL_LIFE_FIXED:
		ns = l->a;
		break;
	case FS_WL_LIFE_EXP:
		ns = -l->a * log1p(-fs_wl_rng_unit(g));
		break;
	case FS_WL_LIFE_LOGNORMAL:
		ns = l->a * exp(l->b * normal(g));
		break;
	case FS_WL_LIFE_PARETO:
		ns = l->a * pow(1.0 - fs_wl_rng_unit(g), -1.0 / l->b);
		break;
	default:
		return UINT64_MAX;
	}
	if (l->max > 0 && ns > l->max)
		ns = l->max;
	if (!(ns < 1.8e19))            /* also NaN */
		return UINT64_MAX - 1;
	return (uint64_t)llround(ns);
}

/* ---- the generator ------------------------------------------------------------ */

/* Timer entries: data bits 62-63 say what it is, so that ties at one time
 * pop frees first (by serial, i.e. in allocation order), then arrivals
 * (kept beside the queue, by class), phase ends, probes (in the order they
 * were given). */
enum { T_FREE = 0, T_ARRIVAL = 1, T_PHASE_END = 2, T_PROBE = 3 };
#define T_SHIFT 62
#define T_OF(data) ((unsigned)((data) >> T_SHIFT))
#define T_ARG(data) ((data) & ((1ull << T_SHIFT) - 1))
#define CLASS_PROBE 255u         /* class field of a probe's free */
/* T_FREE: bits 0-3 order, 4-11 class, 12-61 serial (< 2^50); the entry's
 * aux is the identity */
#define FREE_DATA(serial, order, cls) ((serial) << 12 | (uint64_t)(cls) << 4 | (uint64_t)(order))
#define IDENT_MAX (1ull << 50)

/* Identities freed and not yet taken again, of one order: a stack, so the
 * next allocation takes the one freed last (whose allocation-table slot
 * and page words are the likeliest to be in the caches). */
struct id_stack {
	uint64_t *v;
	size_t n, cap;
};

struct cls_state {
	double next_t;                /* ns, next arrival (exact, before rounding) */
	uint64_t t_arr;               /* next_t rounded: when it pops; UINT64_MAX = none */
	uint64_t live_pages;          /* allocated and not yet freed by the workload */
	uint64_t footprint;           /* pages, 0 = no cap (this phase) */
	struct fs_wl_arrive arrive;   /* this phase */
	uint32_t key;                 /* interned key, 0 = not yet */
};

struct probe_state {
	const struct fs_wl_probe *p;
	uint64_t at_ns;               /* absolute */
	uint32_t key;
};

struct fs_wl_gen {
	const struct fs_wl_spec *sp;
	struct fs_wl_rng rng;
	struct fs_tq q;
	struct fs_keytab *keys;
	uint64_t present_pages;
	uint64_t next_ident;          /* the identity counter: next range when a list is empty */
	uint64_t next_serial;         /* the allocation serial (see the head comment) */
	struct id_stack idfree[FS_NR_ORDERS];   /* freed identities, per order */
	uint64_t end_ns;
	unsigned phase;               /* current phase */
	int next_cls;                 /* the class whose arrival comes first, -1 = none */
	uint64_t phase_start, phase_end;
	struct cls_state *cs;
	struct probe_state *probes;   /* top level, then each phase's as it starts */
	unsigned nr_probes, cap_probes;
	struct {                      /* allocations still to hand out at `time` */
		uint64_t left, time;
		unsigned cls;         /* a class, or CLASS_PROBE with probe */
		unsigned probe;
	} pending;
	uint64_t events;
	bool done;                    /* the end was reached: next returns 0 from now on */
	struct fs_event ring[FS_WL_AHEAD];     /* fs_wl_gen_next_ahead: events generated ahead */
	unsigned ring_head, ring_n;
};

uint64_t fs_wl_layout_present(const struct fs_layout *l)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < l->nr_zones; i++)
		n += l->zones[i].nr_pages;
	for (unsigned i = 0; i < l->nr_holes; i++)
		n -= l->holes[i].nr_pages;
	return n;
}

static uint64_t footprint_of(const struct fs_wl_gen *g, uint64_t pages, double frac)
{
	if (frac > 0) {
		uint64_t f = (uint64_t)(frac * (double)g->present_pages);

		return f ? f : 1;
	}
	return pages;
}

/* The first or next arrival of class c after time t (ns, exact). */
static double next_arrival(struct fs_wl_gen *g, const struct fs_wl_arrive *a, double t)
{
	switch (a->process) {
	case FS_WL_POISSON:
		return t - log1p(-fs_wl_rng_unit(&g->rng)) * 1e9 / a->rate;
	case FS_WL_FIXED:
		return t + 1e9 / a->rate;
	case FS_WL_BURST:
		return t + (double)a->every_ns;
	}
	return INFINITY;
}

/* Arm class c's next arrival (none past the phase or the run), and find
 * the class whose arrival comes first: by time, then class index, as the
 * data of a queued arrival (T_ARRIVAL | c << 2) would order them. */
static void arm_arrival(struct fs_wl_gen *g, unsigned c)
{
	struct cls_state *cs = &g->cs[c];
	double t = cs->next_t;

	cs->t_arr = t >= (double)g->phase_end || t >= (double)g->end_ns ? UINT64_MAX : (uint64_t)llround(t);
	g->next_cls = -1;
	for (unsigned k = 0; k < g->sp->nr_classes; k++)
		if (g->cs[k].t_arr != UINT64_MAX &&
		    (g->next_cls < 0 || g->cs[k].t_arr < g->cs[g->next_cls].t_arr))
			g->next_cls = (int)k;
}

static void add_probe(struct fs_wl_gen *g, const struct fs_wl_probe *p, uint64_t at)
{
	if (g->nr_probes == g->cap_probes) {
		g->cap_probes = g->cap_probes ? g->cap_probes * 2 : 16;
		g->probes = fs_xrealloc(g->probes, g->cap_probes * sizeof(*g->probes));
	}
	g->probes[g->nr_probes] = (struct probe_state){ .p = p, .at_ns = at };
	if (at < g->end_ns)
		fs_tq_push(&g->q, at, (uint64_t)T_PROBE << T_SHIFT | g->nr_probes, 0);
	g->nr_probes++;
}

/* Enter phase i at time t: its classes' arrival processes start afresh
 * (arrivals queued by the previous phase are dropped when they pop). */
static void start_phase(struct fs_wl_gen *g, unsigned i, uint64_t t)
{
	const struct fs_wl_phase *ph = &g->sp->phases[i];

	g->phase = i;
	g->phase_start = t;
	g->phase_end = t + ph->duration_ns < t ? UINT64_MAX : t + ph->duration_ns;
	if (i + 1 < g->sp->nr_phases && g->phase_end < g->end_ns)
		fs_tq_push(&g->q, g->phase_end, (uint64_t)T_PHASE_END << T_SHIFT | (i + 1), 0);
	g->next_cls = -1;
	for (unsigned c = 0; c < g->sp->nr_classes; c++)
		g->cs[c].t_arr = UINT64_MAX;  /* the previous phase's arrivals end */
	for (unsigned c = 0; c < g->sp->nr_classes; c++) {
		const struct fs_wl_phase_class *pc = &ph->cls[c];
		struct cls_state *cs = &g->cs[c];

		cs->arrive = pc->arrive;
		cs->footprint = footprint_of(g, pc->footprint_pages, pc->footprint_frac);
		if (!pc->active || (pc->arrive.process != FS_WL_BURST && pc->arrive.rate <= 0))
			continue;
		cs->next_t = pc->arrive.process == FS_WL_BURST ? (double)t
							       : next_arrival(g, &pc->arrive, (double)t);
		arm_arrival(g, c);
	}
	for (unsigned k = 0; k < ph->nr_probes; k++)
		add_probe(g, &ph->probes[k], t + ph->probes[k].at_ns);
}

static int check_order(const struct fs_wl_spec *sp, unsigned order, struct fs_wl_mark mk,
		       unsigned max_order, struct fs_err *err)
{
	if (order <= max_order)
		return 0;
	return fs_error(err, -EINVAL, "%s:%zu:%zu: \"order\" %u is above the machine's max_order %u",
			sp->path, mk.line, mk.col, order, max_order);
}

int fs_wl_gen_new(struct fs_wl_gen **out, const struct fs_wl_spec *sp, unsigned max_order,
		  uint64_t present_pages, struct fs_keytab *keys, struct fs_err *err)
{
	struct fs_wl_gen *g;
	int rc;

	for (unsigned c = 0; c < sp->nr_classes; c++)
		if ((rc = check_order(sp, sp->classes[c].max_order, sp->classes[c].order_mark, max_order, err)))
			return rc;
	for (unsigned k = 0; k < sp->nr_probes; k++)
		if ((rc = check_order(sp, sp->probes[k].order, sp->probes[k].order_mark, max_order, err)))
			return rc;
	for (unsigned i = 0; i < sp->nr_phases; i++)
		for (unsigned k = 0; k < sp->phases[i].nr_probes; k++)
			if ((rc = check_order(sp, sp->phases[i].probes[k].order,
					      sp->phases[i].probes[k].order_mark, max_order, err)))
				return rc;
	g = fs_xcalloc(1, sizeof(*g));
	g->sp = sp;
	g->keys = keys;
	g->present_pages = present_pages;
	g->end_ns = sp->duration_ns;
	g->cs = fs_xcalloc(sp->nr_classes + 1, sizeof(*g->cs));
	fs_wl_rng_seed(&g->rng, sp->seed);
	fs_tq_init(&g->q);
	start_phase(g, 0, 0);
	for (unsigned k = 0; k < sp->nr_probes; k++)
		add_probe(g, &sp->probes[k], sp->probes[k].at_ns);
	*out = g;
	return 0;
}

void fs_wl_gen_free(struct fs_wl_gen *g)
{
	if (!g)
		return;
	fs_tq_release(&g->q);
	for (unsigned o = 0; o < FS_NR_ORDERS; o++)
		free(g->idfree[o].v);
	free(g->cs);
	free(g->probes);
	free(g);
}

uint64_t fs_wl_gen_events(const struct fs_wl_gen *g)
{
	return g->events;
}

size_t fs_wl_gen_pending(const struct fs_wl_gen *g)
{
	return g->q.n;
}

static uint32_t intern(struct fs_wl_gen *g, uint32_t *slot, const char *key)
{
	if (!key || !g->keys)
		return 0;
	if (!*slot)
		*slot = fs_keytab_intern(g->keys, key, strlen(key));
	return *slot;
}

static unsigned pick_order(struct fs_wl_gen *g, const struct fs_wl_class *cl)
{
	double u;
	unsigned o = 0;

	if (!cl->max_order)
		return 0;
	u = fs_wl_rng_unit(&g->rng);
	while (o < cl->max_order && u >= cl->order_cdf[o])
		o++;
	return o;
}

static unsigned pick_cpu(struct fs_wl_gen *g)
{
	return g->sp->cpus > 1 ? (unsigned)(fs_wl_rng_next(&g->rng) % g->sp->cpus) : 0;
}

/* The identity of a new allocation of this order: the one of that order
 * freed last, else the next aligned range of the counter. */
static uint64_t take_ident(struct fs_wl_gen *g, unsigned order)
{
	struct id_stack *st = &g->idfree[order];
	uint64_t id;

	if (st->n)
		return st->v[--st->n];
	id = (g->next_ident + (1ull << order) - 1) & ~((1ull << order) - 1);
	g->next_ident = id + (1ull << order);
	return id;
}

static void put_ident(struct fs_wl_gen *g, uint64_t id, unsigned order)
{
	struct id_stack *st = &g->idfree[order];

	if (st->n == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 1024;
		st->v = fs_xrealloc(st->v, st->cap * sizeof(*st->v));
	}
	st->v[st->n++] = id;
}

/* One allocation of class c (or a probe) at time t: the event, and its free
 * queued when the lifetime ends within the run. 0 when the class is at its
 * footprint (the arrival is skipped). */
static int emit_alloc(struct fs_wl_gen *g, unsigned c, unsigned probe, uint64_t t, struct fs_event *ev)
{
	unsigned order, cls_field;
	uint64_t id, serial, life;
	uint32_t key, gfp;
	uint8_t mt, flags;

	if (c == CLASS_PROBE) {
		struct probe_state *ps = &g->probes[probe];

		order = ps->p->order;
		mt = ps->p->mt;
		flags = ps->p->flags;
		gfp = ps->p->gfp;
		key = intern(g, &ps->key, ps->p->key);
		life = ps->p->hold_ns;
		cls_field = CLASS_PROBE;
	} else {
		const struct fs_wl_class *cl = &g->sp->classes[c];
		struct cls_state *cs = &g->cs[c];

		order = pick_order(g, cl);
		if (cs->footprint && cs->live_pages + (1ull << order) > cs->footprint)
			return 0;
		mt = cl->mt;
		flags = cl->flags;
		gfp = cl->gfp;
		key = intern(g, &cs->key, cl->key);
		life = fs_wl_lifetime_sample(&cl->life, &g->rng);
		cs->live_pages += 1ull << order;
		cls_field = c;
	}
	serial = (g->next_serial + (1ull << order) - 1) & ~((1ull << order) - 1);
	g->next_serial = serial + (1ull << order);
	id = take_ident(g, order);
	if (life != UINT64_MAX && life < g->end_ns - t && serial < IDENT_MAX)
		fs_tq_push(&g->q, t + life, FREE_DATA(serial, order, cls_field), id);
	memset(ev, 0, sizeof(*ev));
	ev->time_ns = t;
	ev->kind = FS_EV_ALLOC;
	ev->ident = id;
	ev->order = (uint8_t)order;
	ev->mt = mt;
	ev->flags = (uint8_t)(flags | FS_EVF_HAS_MT);
	ev->gfp = gfp;
	ev->key = key;
	ev->cpu = (uint16_t)pick_cpu(g);
	ev->line = ++g->events;
	return 1;
}

static void emit_free(struct fs_wl_gen *g, const struct fs_tq_ent *e, struct fs_event *ev)
{
	unsigned order = (unsigned)e->data & 15, c = (unsigned)(e->data >> 4) & 255;

	memset(ev, 0, sizeof(*ev));
	ev->time_ns = e->time_ns;
	ev->kind = FS_EV_FREE;
	ev->ident = e->aux;
	ev->order = (uint8_t)order;
	put_ident(g, e->aux, order);
	if (c == CLASS_PROBE) {
		ev->flags = FS_EVF_PROBE;
	} else {
		g->cs[c].live_pages -= 1ull << order;
		ev->flags = g->sp->classes[c].flags & FS_EVF_LRU;
	}
	ev->cpu = (uint16_t)pick_cpu(g);
	ev->line = ++g->events;
}

int fs_wl_gen_next(struct fs_wl_gen *g, struct fs_event *ev)
{
	struct fs_tq_ent e;
	bool have;

	if (g->done)
		return 0;
	for (;;) {
		if (g->pending.left) {
			g->pending.left--;
			if (emit_alloc(g, g->pending.cls, g->pending.probe, g->pending.time, ev))
				return 1;
			continue;
		}
		/* the queue's head, looked for no further than the next arrival:
		 * past it, the arrival comes first whatever the head is (and the
		 * queue's current bucket must not run ahead of the pushes to come;
		 * see tq_fill in sim/evq.c) */
		have = g->next_cls >= 0 ? fs_tq_peek_until(&g->q, g->cs[g->next_cls].t_arr, &e)
					: fs_tq_peek(&g->q, &e);
		/* the next arrival, if it comes before the queue's head (at equal
		 * times after frees, before phase ends and probes) */
		if (g->next_cls >= 0 &&
		    (!have || g->cs[g->next_cls].t_arr < e.time_ns ||
		     (g->cs[g->next_cls].t_arr == e.time_ns && T_OF(e.data) != T_FREE))) {
			unsigned c = (unsigned)g->next_cls;
			struct cls_state *cs = &g->cs[c];

			g->pending.left = cs->arrive.process == FS_WL_BURST ? cs->arrive.count : 1;
			g->pending.cls = c;
			g->pending.time = cs->t_arr;
			cs->next_t = next_arrival(g, &cs->arrive, cs->next_t);
			arm_arrival(g, c);
			continue;
		}
		if (!have || e.time_ns >= g->end_ns) {
			g->done = true;
			return 0;
		}
		fs_tq_pop(&g->q, &e);
		switch (T_OF(e.data)) {
		case T_FREE:
			emit_free(g, &e, ev);
			return 1;
		case T_ARRIVAL:               /* arrivals are not queued */
			continue;
		case T_PHASE_END:
			start_phase(g, (unsigned)T_ARG(e.data), e.time_ns);
			continue;
		case T_PROBE:
			g->pending.left = g->probes[T_ARG(e.data)].p->count;
			g->pending.cls = CLASS_PROBE;
			g->pending.probe = (unsigned)T_ARG(e.data);
			g->pending.time = e.time_ns;
			continue;
		}
	}
}

/* The replay loop's view: events come out of a ring kept FS_WL_AHEAD
 * ahead of the one returned, so the loop can prefetch what the newest and
 * the middle one will touch (fs_wl_lookahead, fs_wl_lookahead_half) while
 * the oldest is applied. */
int fs_wl_gen_next_ahead(struct fs_wl_gen *g, struct fs_event *ev)
{
	while (g->ring_n < FS_ARRAY_SIZE(g->ring) &&
	       fs_wl_gen_next(g, &g->ring[(g->ring_head + g->ring_n) % FS_ARRAY_SIZE(g->ring)]) > 0)
		g->ring_n++;
	if (!g->ring_n)
		return 0;
	*ev = g->ring[g->ring_head];
	g->ring_head = (g->ring_head + 1) % FS_ARRAY_SIZE(g->ring);
	g->ring_n--;
	return 1;
}

const struct fs_event *fs_wl_lookahead(const struct fs_wl_gen *g)
{
	return g->ring_n ? &g->ring[(g->ring_head + g->ring_n - 1) % FS_ARRAY_SIZE(g->ring)] : NULL;
}

const struct fs_event *fs_wl_lookahead_half(const struct fs_wl_gen *g)
{
	const unsigned k = FS_WL_AHEAD / 2 - 1;

	return g->ring_n > k ? &g->ring[(g->ring_head + k) % FS_ARRAY_SIZE(g->ring)] : NULL;
}

int fs_trace_open_workload(struct fs_trace *t, const struct fs_wl_spec *sp, unsigned max_order,
			   uint64_t present_pages, struct fs_keytab *keys, struct fs_err *err)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->path = sp->path;
	t->format = FS_FMT_WORKLOAD;
	t->keys = keys;
	t->max_order = max_order;
	if ((rc = fs_wl_gen_new(&t->gen, sp, max_order, present_pages, keys, err)))
		return rc;
	return 0;
}
