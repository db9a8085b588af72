/* initial.c - a starting state from a /proc/buddyinfo or /proc/pagetypeinfo
 * snapshot. The snapshot gives how many free blocks each zone has per order
 * (pagetypeinfo: per migrate type too, and how many pageblocks each type
 * has), never where they are, so fragsim chooses positions by a fixed rule
 * that honours what the snapshot does say:
 *
 *  1. Pageblock types (pagetypeinfo) are laid out in runs from the zone's
 *     start: Unmovable, Reclaimable, CMA, then Movable to the zone's end
 *     (early boot's unmovable allocations sit low; the bulk of movable memory
 *     and of large free blocks above). HighAtomic and Isolate blocks are
 *     taken as Movable: the reserve and isolation start empty, as the
 *     policies' counters do. Without pagetypeinfo every block is Movable,
 *     as the kernel initialises them.
 *  2. Free blocks of pageblock order and above go to the top of their type's
 *     run, largest first, at naturally aligned positions whose buddy is not a
 *     free block of the same order (else __free_one_page would have merged
 *     them and buddyinfo would show one block of the next order).
 *  3. Smaller free blocks go to the remaining (partly used) pageblocks of
 *     their type, largest order first, dealt round-robin over them in
 *     address order ("spread", the default: free pages scattered over every
 *     partly used block, as after long uptime) or filling one pageblock
 *     before the next ("packed": as few partly used blocks as possible),
 *     each at the lowest aligned offset whose buddy is not free at the same
 *     order - so no two blocks could merge and a pageblock always keeps an
 *     allocated page.
 *  4. Everything else is allocated before the trace: untracked pages of
 *     unknown lifetime, never freed by the replay (a trace's free of such a
 *     page names an identity the replay never saw: an unknown free).
 *
 * The free counts per zone, order and type are then exactly the snapshot's;
 * what does not fit (more free memory than the type's pageblocks hold) is an
 * error naming the zone, type and order. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "initial.h"

#define BLK(pfn, o) ((uint64_t)(pfn) << 4 | (o))       /* as fs_kpf_state.blocks */
#define DEAD UINT64_MAX

/* runs from the zone's start */
static const unsigned run_types[] = { FS_MT_UNMOVABLE, FS_MT_RECLAIMABLE, FS_MT_CMA, FS_MT_MOVABLE };

struct zb {
	const struct fs_machine *m;
	const struct fs_zone *z;
	struct fs_initial *in;
	uint64_t *zpb;                 /* the zone's pageblocks (m->pb indexes), ascending */
	uint64_t nb;
	uint64_t pbp;                  /* pages per pageblock */
	uint8_t *full;                 /* [position] every page present in the zone */
	uint8_t *big;                  /* [position] order + 1 of a large free block headed here */
	uint8_t *covered;              /* [position] inside a large free block */
	uint64_t *bits;                /* [position] pbp bits: pages of placed small blocks */
	uint32_t *cur;                 /* [position] next offset to try at this order */
	uint64_t words;
	uint64_t want[FS_MT_NR][FS_NR_ORDERS];
	uint64_t run_lo[FS_MT_NR], run_hi[FS_MT_NR];   /* positions in zpb */
};

static uint64_t pb_pfn(const struct zb *b, uint64_t pos)
{
	return b->m->base_pfn + (b->zpb[pos] << b->m->pageblock_order);
}

static bool present(const struct zb *b, uint64_t pfn, uint64_t n)
{
	for (uint64_t p = pfn; p < pfn + n; p++)
		if (p < b->z->start_pfn || p >= b->z->end_pfn || fs_machine_is_hole(b->m, p))
			return false;
	return true;
}

static void emit(struct zb *b, uint64_t pfn, unsigned o)
{
	struct fs_kpf_state *st = &b->in->st;

	if (st->nr_blocks == b->in->blocks_cap) {
		b->in->blocks_cap = b->in->blocks_cap ? b->in->blocks_cap * 2 : 1024;
		st->blocks = fs_xrealloc(st->blocks, b->in->blocks_cap * sizeof(*st->blocks));
	}
	st->blocks[st->nr_blocks++] = BLK(pfn, o);
	st->nr_free[b->z->idx][o]++;
	st->free_pages[b->z->idx] += 1ull << o;
}

/* Position in zpb of pageblock idx, near position pos; b->nb if none. */
static uint64_t pos_of(const struct zb *b, uint64_t pos, uint64_t idx)
{
	uint64_t p = pos + (idx - b->zpb[pos]);  /* wraps for idx below: checked next */

	return p < b->nb && b->zpb[p] == idx ? p : b->nb;
}

/* Step 2: blocks of order >= pageblock_order from the top of the run. */
static int place_large(struct zb *b, unsigned t, struct fs_err *err)
{
	const struct fs_machine *m = b->m;
	uint64_t lo = b->run_lo[t], hi = b->run_hi[t];

	for (unsigned o = m->max_order; o >= m->pageblock_order && o <= m->max_order; o--) {
		uint64_t span = 1ull << (o - m->pageblock_order), need = b->want[t][o];

		for (uint64_t pos = hi; need && pos-- > lo;) {
			uint64_t head = pb_pfn(b, pos), bp;
			bool ok = !(head & ((1ull << o) - 1)) && pos + span <= hi;

			for (uint64_t i = 0; ok && i < span; i++)
				ok = b->full[pos + i] && !b->covered[pos + i] && b->zpb[pos + i] == b->zpb[pos] + i;
			if (!ok)
				continue;
			/* not beside a free block of the same order: they would have merged */
			bp = pos_of(b, pos, fs_pb_idx(m, head ^ (1ull << o)));
			if (o < m->max_order && bp < b->nb && b->big[bp] == o + 1)
				continue;
			for (uint64_t i = 0; i < span; i++)
				b->covered[pos + i] = 1;
			b->big[pos] = (uint8_t)(o + 1);
			emit(b, head, o);
			need--;
		}
		if (need)
			return fs_error(err, -EINVAL, "zone %s: the snapshot's %" PRIu64 " free %s blocks of order %u "
					"do not fit in the type's %" PRIu64 " pageblocks (%" PRIu64 " left over)",
					b->z->name, b->want[t][o], fs_mt_name(t), o, hi - lo, need);
	}
	return 0;
}

static bool bit(const uint64_t *w, uint64_t x)
{
	return w[x >> 6] >> (x & 63) & 1;
}

/* The lowest free slot of order o in the pageblock at position pos. */
static bool slot(struct zb *b, uint64_t pos, unsigned o, uint64_t *off)
{
	const uint64_t *w = b->bits + pos * b->words;
	uint64_t n = 1ull << o;

	for (uint64_t x = b->cur[pos]; x < b->pbp; x += n) {
		if (bit(w, x) || bit(w, x ^ n) || (!b->full[pos] && !present(b, pb_pfn(b, pos) + x, n)))
			continue;
		b->cur[pos] = (uint32_t)(x + n);
		*off = x;
		return true;
	}
	b->cur[pos] = (uint32_t)b->pbp;
	return false;
}

/* Step 3: the blocks below pageblock order, dealt over the run's partly
 * used pageblocks. */
static int place_small(struct zb *b, unsigned t, enum fs_initial_layout layout, struct fs_err *err)
{
	const struct fs_machine *m = b->m;
	uint64_t *act = fs_xcalloc(b->run_hi[t] - b->run_lo[t] + 1, sizeof(*act));
	uint64_t ncand = 0, rr = 0;

	for (uint64_t p = b->run_lo[t]; p < b->run_hi[t]; p++)
		if (!b->covered[p])
			act[ncand++] = p;
	for (unsigned o = m->pageblock_order; o-- > 0;) {
		uint64_t need = b->want[t][o], na = ncand, dead = 0;

		if (!need)
			continue;
		for (uint64_t i = 0; i < ncand; i++)
			b->cur[act[i]] = 0;
		while (need) {
			uint64_t off;

			if (na == dead) {
				free(act);
				return fs_error(err, -EINVAL, "zone %s: the snapshot's free %s blocks of order %u "
						"(%" PRIu64 " of %" PRIu64 " left) do not fit in the type's %" PRIu64
						" partly used pageblocks", b->z->name, fs_mt_name(t), o, need,
						b->want[t][o], ncand);
			}
			if (rr >= na)
				rr = 0;
			if (act[rr] == DEAD) {
				rr++;
				continue;
			}
			if (slot(b, act[rr], o, &off)) {
				uint64_t *w = b->bits + act[rr] * b->words;

				for (uint64_t x = off; x < off + (1ull << o); x++)
					w[x >> 6] |= 1ull << (x & 63);
				emit(b, pb_pfn(b, act[rr]) + off, o);
				need--;
				if (layout == FS_INITIAL_SPREAD)
					rr++;
				continue;
			}
			act[rr++] = DEAD;
			if (++dead * 2 > na) {         /* drop the exhausted, keeping order */
				uint64_t k = 0, nrr = 0;

				for (uint64_t i = 0; i < na; i++) {
					if (i == rr)
						nrr = k;
					if (act[i] != DEAD)
						act[k++] = act[i];
				}
				rr = rr >= na ? k : nrr;
				na = k;
				dead = 0;
			}
		}
		/* the next order starts over the whole set */
		na = 0;
		for (uint64_t p = b->run_lo[t]; p < b->run_hi[t]; p++)
			if (!b->covered[p])
				act[na++] = p;
	}
	free(act);
	return 0;
}

/* The snapshot's type names (Unmovable, HighAtomic, Reserve...) as the runs'
 * types; *retyped set where the type is taken as Movable. */
static unsigned run_type_of(const char *name, bool *retyped)
{
	int t = fs_mt_parse(name, strlen(name));

	*retyped = false;
	if (t == FS_MT_UNMOVABLE || t == FS_MT_RECLAIMABLE || t == FS_MT_CMA || t == FS_MT_MOVABLE)
		return (unsigned)t;
	*retyped = true;
	return FS_MT_MOVABLE;
}

/* Free counts (and pageblocks per type) the snapshot gives for zone z. */
static int targets(struct zb *b, const struct fs_procfs_rec *snap, const struct fs_procfs_zone *pz,
		   const struct fs_procfs_rec *bi, uint64_t *blocks_of, struct fs_err *err)
{
	const struct fs_machine *m = b->m;
	unsigned zi = b->z->idx;
	uint64_t free_pages = 0;

	for (unsigned o = m->max_order + 1; o < pz->nr_orders; o++)
		if (pz->nr_free[o])
			return fs_error(err, -EINVAL, "zone %s: the snapshot has free blocks of order %u, above the "
					"machine's max order %u (--max-order)", pz->name, o, m->max_order);
	if (snap->kind == FS_PROCFS_BUDDYINFO) {
		for (unsigned o = 0; o < pz->nr_orders && o <= m->max_order; o++)
			b->want[FS_MT_MOVABLE][o] = pz->nr_free[o];
	} else {
		const struct fs_procfs_zone *bz = NULL;

		for (unsigned i = 0; bi && i < bi->nr_zones && !bz; i++)
			if (bi->zones[i].node == pz->node && !strcmp(bi->zones[i].name, pz->name))
				bz = &bi->zones[i];
		for (unsigned o = 0; o < pz->nr_orders && o <= m->max_order; o++) {
			uint64_t known = 0, ncap = 0;

			for (unsigned k = 0; k < snap->nr_free_types; k++) {
				if (pz->type_capped[k] >> o & 1)
					ncap++;
				else
					known += pz->type_free[k][o];
			}
			b->in->capped[zi] += (unsigned)ncap;
			/* 6.1+ stops counting at 100000: a buddyinfo of the same
			 * moment says how many the capped types hold together */
			for (unsigned k = 0, seen = 0; k < snap->nr_free_types; k++) {
				bool re;
				unsigned t = run_type_of(snap->free_types[k], &re);
				uint64_t n = pz->type_free[k][o];

				if (pz->type_capped[k] >> o & 1 && bz && o < bz->nr_orders &&
				    bz->nr_free[o] >= known + ncap * n) {
					uint64_t rest = bz->nr_free[o] - known;

					n = rest / ncap + (seen++ < rest % ncap);
					b->in->capped_settled[zi]++;
				}
				b->want[t][o] += n;
			}
		}
		if (pz->has_pageblocks) {
			b->in->typed = true;
			for (unsigned k = 0; k < snap->nr_types; k++) {
				bool re;
				unsigned t = run_type_of(snap->type_names[k], &re);

				blocks_of[t] += pz->pageblocks[k];
				if (re)
					b->in->retyped[zi] += pz->pageblocks[k];
			}
		}
	}
	for (unsigned t = 0; t < FS_MT_NR; t++)
		for (unsigned o = 0; o <= m->max_order; o++)
			free_pages += b->want[t][o] << o;
	if (free_pages > b->z->present_pages)
		return fs_error(err, -EINVAL, "zone %s: the snapshot has %" PRIu64 " free pages, the machine's "
				"zone only %" PRIu64 " (give the snapshot's machine: -M zoneinfo:FILE)",
				pz->name, free_pages, b->z->present_pages);
	return 0;
}

static int build_zone(struct fs_initial *in, const struct fs_machine *m, const struct fs_zone *z,
		      const struct fs_procfs_rec *snap, const struct fs_procfs_zone *pz,
		      const struct fs_procfs_rec *bi, enum fs_initial_layout layout, struct fs_err *err)
{
	struct zb b = { .m = m, .z = z, .in = in, .pbp = 1ull << m->pageblock_order };
	uint64_t blocks_of[FS_MT_NR] = { 0 }, total = 0, pos = 0;
	int rc;

	b.zpb = fs_xcalloc(m->nr_pb, sizeof(*b.zpb));
	for (uint64_t i = fs_pb_idx(m, z->start_pfn); i < m->nr_pb && i <= fs_pb_idx(m, z->end_pfn - 1); i++)
		if (m->pb[i].zone == z->idx)
			b.zpb[b.nb++] = i;
	b.words = (b.pbp + 63) / 64;
	b.full = fs_xcalloc(b.nb + 1, 1);
	b.big = fs_xcalloc(b.nb + 1, 1);
	b.covered = fs_xcalloc(b.nb + 1, 1);
	b.cur = fs_xcalloc(b.nb + 1, sizeof(*b.cur));
	b.bits = fs_xcalloc((b.nb + 1) * b.words, sizeof(*b.bits));
	for (uint64_t p = 0; p < b.nb; p++)
		b.full[p] = present(&b, pb_pfn(&b, p), b.pbp);
	rc = targets(&b, snap, pz, bi, blocks_of, err);
	if (rc)
		goto out;
	/* runs: every pageblock once; the snapshot's count wins while it fits,
	 * Movable takes up the difference */
	for (unsigned t = 0; t < FS_MT_NR; t++)
		total += blocks_of[t];
	if (!in->typed || total == 0) {
		memset(blocks_of, 0, sizeof(blocks_of));
		blocks_of[FS_MT_MOVABLE] = b.nb;
	} else if (total != b.nb) {
		if (total < b.nb) {
			/* not counted: not online yet (deferred_init), at the top */
			uint64_t nblk = (m->nr_pages >> m->max_order) + 1;

			in->offline_pb[z->idx] = b.nb - total;
			if (!in->offline)
				in->offline = fs_xcalloc(nblk, 1);
			for (uint64_t p = total; p < b.nb; p++) {
				unsigned k = m->max_order - m->pageblock_order;
				uint64_t first = b.zpb[p] >> k << k;

				b.covered[p] = 1;
				in->pb_type[b.zpb[p]] = FS_MT_MOVABLE;
				/* a max-order block half online stays as it is */
				if (first >= b.zpb[total] && first + (1ull << k) - 1 <= b.zpb[b.nb - 1])
					in->offline[first >> k] = 1;
			}
			b.nb = total;
		} else {
			uint64_t over = total - b.nb;

			in->pb_adjusted[z->idx] = over;

			for (unsigned i = FS_ARRAY_SIZE(run_types); over && i-- > 0;) {
				uint64_t cut = blocks_of[run_types[i]] < over ? blocks_of[run_types[i]] : over;

				blocks_of[run_types[i]] -= cut;
				over -= cut;
			}
		}
	}
	for (unsigned i = 0; i < FS_ARRAY_SIZE(run_types); i++) {
		unsigned t = run_types[i];

		b.run_lo[t] = pos;
		pos += blocks_of[t];
		b.run_hi[t] = pos;
		for (uint64_t p = b.run_lo[t]; p < b.run_hi[t]; p++)
			in->pb_type[b.zpb[p]] = (uint8_t)t;
	}
	for (unsigned t = 0; t < FS_MT_NR; t++) {
		bool any = false;

		for (unsigned o = 0; o <= m->max_order; o++)
			any |= b.want[t][o] != 0;
		if (any && b.run_hi[t] == b.run_lo[t]) {
			rc = fs_error(err, -EINVAL, "zone %s: the snapshot has free %s pages but no %s pageblocks",
				      z->name, fs_mt_name(t), fs_mt_name(t));
			goto out;
		}
	}
	for (unsigned i = 0; i < FS_ARRAY_SIZE(run_types) && !rc; i++)
		rc = place_large(&b, run_types[i], err);
	for (unsigned i = 0; i < FS_ARRAY_SIZE(run_types) && !rc; i++)
		rc = place_small(&b, run_types[i], layout, err);
out:
	free(b.zpb);
	free(b.full);
	free(b.big);
	free(b.covered);
	free(b.cur);
	free(b.bits);
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int fs_initial_build(struct fs_initial *in, const struct fs_procfs_rec *snap,
		     const struct fs_procfs_rec *bi, const struct fs_machine *m,
		     enum fs_initial_layout layout, struct fs_err *err)
{
	int rc = 0;

	memset(in, 0, sizeof(*in));
	if (snap->kind != FS_PROCFS_BUDDYINFO && snap->kind != FS_PROCFS_PAGETYPEINFO)
		return fs_error(err, -EINVAL, "a %s record is not a buddyinfo or pagetypeinfo",
				fs_procfs_kind_name(snap->kind));
	if (snap->kind == FS_PROCFS_PAGETYPEINFO && snap->pageblock_order >= 0 &&
	    (unsigned)snap->pageblock_order != m->pageblock_order)
		return fs_error(err, -EINVAL, "the snapshot's pageblock order is %d, the machine's %u "
				"(--pageblock-order)", snap->pageblock_order, m->pageblock_order);
	for (unsigned i = 0; i < snap->nr_zones; i++) {
		bool found = false;

		if (snap->zones[i].node != 0)
			return fs_error(err, -EINVAL, "the snapshot has NUMA node %d: fragsim machines are one "
					"node (take node 0's rows)", snap->zones[i].node);
		for (unsigned zi = 0; zi < m->nr_zones && !found; zi++)
			found = !strcmp(m->zones[zi].name, snap->zones[i].name);
		if (!found)
			return fs_error(err, -EINVAL, "the snapshot's zone %s is not in the machine (give the "
					"snapshot's machine: -M zoneinfo:FILE)", snap->zones[i].name);
	}
	in->pb_type = fs_xcalloc(m->nr_pb ? m->nr_pb : 1, 1);
	for (uint64_t i = 0; i < m->nr_pb; i++)
		in->pb_type[i] = m->pb[i].type;
	for (unsigned zi = 0; zi < m->nr_zones && !rc; zi++) {
		const struct fs_procfs_zone *pz = NULL;

		for (unsigned i = 0; i < snap->nr_zones && !pz; i++)
			if (!strcmp(snap->zones[i].name, m->zones[zi].name))
				pz = &snap->zones[i];
		if (!pz) {
			rc = fs_error(err, -EINVAL, "zone %s is not in the snapshot: a snapshot of another "
				      "machine? (-M zoneinfo:FILE of the same one)", m->zones[zi].name);
			break;
		}
		rc = build_zone(in, m, &m->zones[zi], snap, pz, bi, layout, err);
	}
	if (rc) {
		fs_initial_release(in);
		return rc;
	}
	qsort(in->st.blocks, in->st.nr_blocks, sizeof(*in->st.blocks), cmp_u64);
	return 0;
}

int fs_initial_install(const struct fs_initial *in, struct fs_machine *m, bool typed,
		       unsigned cls0, struct fs_err *err)
{
	if (m->unlinked_lists)
		return fs_error(err, -EINVAL, "%s", "the policy has built its own free areas already: "
				"a snapshot start must come before its first call");
	if (typed)
		for (uint64_t i = 0; i < m->nr_pb; i++)
			fs_pb_set_type(m, m->base_pfn + (i << m->pageblock_order), in->pb_type[i]);
	fs_kpf_install(&in->st, m, typed, cls0);
	return 0;
}

void fs_initial_report(const struct fs_initial *in, const struct fs_machine *m, const char *what,
		       FILE *fp)
{
	fprintf(fp, "fragsim: initial state from %s: %" PRIu64 " free blocks placed by fragsim's rule "
		"(README: Starting from a snapshot); the rest is allocated before the trace\n",
		what, in->st.nr_blocks);
	for (unsigned zi = 0; zi < m->nr_zones; zi++) {
		fprintf(fp, "fragsim:   %-8s %10" PRIu64 " free pages", m->zones[zi].name, in->st.free_pages[zi]);
		if (in->capped[zi])
			fprintf(fp, "; %u of %u capped (>100000) counts settled by a buddyinfo", in->capped_settled[zi],
				in->capped[zi]);
		if (in->retyped[zi])
			fprintf(fp, "; %" PRIu64 " HighAtomic/Isolate pageblocks taken as Movable", in->retyped[zi]);
		if (in->pb_adjusted[zi])
			fprintf(fp, "; the snapshot counts %" PRIu64 " pageblocks more than the zone has (Movable "
				"takes the cut)", in->pb_adjusted[zi]);
		if (in->offline_pb[zi])
			fprintf(fp, "; %" PRIu64 " pageblocks at the top not online yet (uncounted by "
				"pagetypeinfo): the trace's memory-online frees bring them in", in->offline_pb[zi]);
		fputc('\n', fp);
	}
}

uint8_t *fs_initial_offline_copy(const struct fs_initial *in, const struct fs_machine *m)
{
	uint64_t n = (m->nr_pages >> m->max_order) + 1;
	uint8_t *c;

	if (!in->offline)
		return NULL;
	c = fs_xcalloc(n, 1);
	memcpy(c, in->offline, n);
	return c;
}

void fs_initial_release(struct fs_initial *in)
{
	free(in->offline);
	in->offline = NULL;
	fs_kpf_release(&in->st);
	free(in->pb_type);
	in->pb_type = NULL;
}
