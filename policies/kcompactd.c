/* kcompactd.c - when compaction runs (Linux 6.12 mm/compaction.c and the
 * slow path of mm/page_alloc.c): direct compaction with its priorities and
 * deferral, kcompactd woken for an order, proactive compaction on the node
 * fragmentation score, and compact_memory. The scanners are in
 * compaction.c; sim/compact.h has the overview. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/gfp.h"
#include "compact_int.h"

#define CHECK_INTERVAL_NS 500000000ull  /* HPAGE_FRAG_CHECK_INTERVAL_MSEC */

const struct fs_tunable fs_compact_tunables[] = {
	{ "compaction_proactiveness", "20", "vm.compaction_proactiveness, 0..100 (0: no proactive compaction)" },
	{ "extfrag_threshold", "500", "vm.extfrag_threshold, 0..1000: costly orders skip compaction when the fragmentation index is at or below it" },
	{ "pinned", "0", "permille of movable allocations that are pinned and never move (chosen by a hash of the identity)" },
	{ "direct", "on", "direct compaction when a high-order allocation fails" },
	{ "min_free_kbytes", "0", "vm.min_free_kbytes in KiB for compaction's watermark tests; 0: as a 6.12 kernel computes it at boot (with THP)" },
	{ "kcompactd", "on", "kcompactd woken by failed high-order requests and boosted fallbacks" },
	{ NULL, NULL, NULL }
};

static int uint_tunable(const struct fs_kv *kv, unsigned nkv, const char *name, unsigned max,
			unsigned *out, struct fs_err *err)
{
	const char *v = fs_tunable_lookup(fs_compact_tunables, kv, nkv, name);

	if (!*v || strspn(v, "0123456789") != strlen(v) || strlen(v) > 7 || strtoul(v, NULL, 10) > max)
		return fs_error(err, -EINVAL, "tunable \"%s\" expects 0..%u, got \"%s\"", name, max, v);
	*out = (unsigned)strtoul(v, NULL, 10);
	return 0;
}

static int bool_tunable(const struct fs_kv *kv, unsigned nkv, const char *name, bool *out,
			struct fs_err *err)
{
	return fs_tunable_bool(name, fs_tunable_lookup(fs_compact_tunables, kv, nkv, name), out, err);
}

/* The zones' watermarks and lowmem reserves as a 6.12 kernel sets them at
 * boot (min_free_kbytes computed, THP's raise), for compaction_suitable and
 * __isolate_free_page; managed pages are the present pages. */
static int setup_watermarks(struct fs_compact *c, unsigned min_free_kbytes, struct fs_err *err)
{
	struct fs_machine *m = c->m;
	struct fs_wmark_zone zones[FS_MAX_ZONES];
	struct fs_wmark_tunables t = {
		.nr_cpus = 2, .thp = true, .pageblock_nr_pages = 1ull << m->pageblock_order,
		.min_free_kbytes = min_free_kbytes,
	};

	for (unsigned i = 0; i < m->nr_zones; i++) {
		zones[i].managed = m->zones[i].present_pages;
		zones[i].kind = fs_wmark_zone_kind_of(m->zones[i].name);
		zones[i].reserve_ratio = fs_wmark_default_reserve_ratio(&fs_wmark_rules_6_12,
									m->zones[i].name);
	}
	if (fs_wmark_setup_all(&fs_wmark_rules_6_12, zones, m->nr_zones, &t, c->wz) < 0)
		return fs_error(err, -EINVAL, "compaction: cannot set up watermarks for this machine");
	return 0;
}

int fs_compact_new(struct fs_compact **out, struct fs_policy *p, const struct fs_kv *kv,
		   unsigned nkv, struct fs_err *err)
{
	struct fs_compact *c = fs_xcalloc(1, sizeof(*c));
	unsigned kb;

	c->p = p;
	c->s = p->sim;
	c->m = p->m;
	if (uint_tunable(kv, nkv, "compaction_proactiveness", 100, &c->proactiveness, err) ||
	    uint_tunable(kv, nkv, "extfrag_threshold", 1000, &c->extfrag_threshold, err) ||
	    uint_tunable(kv, nkv, "pinned", 1000, &c->pinned_permille, err) ||
	    bool_tunable(kv, nkv, "direct", &c->direct, err) ||
	    bool_tunable(kv, nkv, "kcompactd", &c->kcompactd, err) ||
	    uint_tunable(kv, nkv, "min_free_kbytes", 9999999, &kb, err) || setup_watermarks(c, kb, err)) {
		free(c);
		return -EINVAL;
	}
	c->skip = fs_xcalloc(c->m->nr_pb ? c->m->nr_pb : 1, 1);
	c->src = fs_xcalloc((size_t)1 << c->m->pageblock_order, sizeof(*c->src));
	for (unsigned i = 0; i < c->m->nr_zones; i++)
		fs_cc_reset_cached_positions(c, &c->m->zones[i]);
	c->kc_highest_zoneidx = c->m->nr_zones - 1;
	*out = c;
	return 0;
}

void fs_compact_free(struct fs_compact *c)
{
	if (!c)
		return;
	for (unsigned o = 0; o < FS_NR_ORDERS; o++)
		free(c->freepages[o].pfn);
	free(c->src);
	free(c->skip);
	free(c);
}

/* ---- watermarks and suitability ----------------------------------------------- */

bool fs_cc_watermark_ok(const struct fs_compact *c, const struct fs_zone *z, unsigned order,
			uint64_t mark, unsigned highest_zoneidx)
{
	uint64_t nr_free[FS_NR_ORDERS][FS_WMARK_NR_TYPES];
	uint64_t highatomic = 0, cma = 0;
	struct fs_wmark_check chk;

	for (unsigned o = 0; o <= c->m->max_order && o < FS_NR_ORDERS; o++) {
		for (unsigned t = 0; t < FS_WMARK_NR_TYPES; t++)
			nr_free[o][t] = z->lists[o][t].count;
		highatomic += (uint64_t)z->lists[o][FS_MT_HIGHATOMIC].count << o;
		cma += (uint64_t)z->lists[o][FS_MT_CMA].count << o;
	}
	chk = (struct fs_wmark_check){
		.order = order, .mark = mark,
		.lowmem_reserve = c->wz[z->idx].reserve.pages[highest_zoneidx],
		.alloc_flags = FS_ALLOC_CMA, .free_pages = (int64_t)z->free_pages,
		.free_cma = cma, .highatomic = highatomic,
		.nr_free = (const uint64_t (*)[FS_WMARK_NR_TYPES])nr_free, .max_order = c->m->max_order,
	};
	return fs_wmark_ok(&fs_wmark_rules_6_12, &chk);
}

/* compaction_suitable (6.12): enough order-0 memory above the watermark
 * plus compact_gap (2 << order) to migrate into, and, for costly orders,
 * a fragmentation index above extfrag_threshold (at or below it the
 * failure is lack of memory, which reclaim fixes better). */
static enum fs_cc_result compaction_suitable(struct fs_compact *c, struct fs_zone *z, unsigned order,
					     unsigned highest_zoneidx)
{
	const struct fs_wmark *wm = &c->wz[z->idx].wm;
	/* low_wmark_pages / min_wmark_pages: the boost included */
	uint64_t mark = (order > FS_CC_COSTLY_ORDER ? wm->low : wm->min) + z->watermark_boost +
			(2ull << order);

	if (!fs_cc_watermark_ok(c, z, 0, mark, highest_zoneidx))
		return FS_CC_SKIPPED;
	if (order > FS_CC_COSTLY_ORDER) {
		struct fs_contig_info info;
		int fi;

		fs_contig_info(z->nr_free, c->m->max_order, order, &info);
		fi = fs_fragmentation_index(&info, order);
		if (fi >= 0 && fi <= (int)c->extfrag_threshold)
			return FS_CC_NOT_SUITABLE_ZONE;
	}
	return FS_CC_CONTINUE;
}

/* compaction_suit_allocation_order (6.12) with ALLOC_WMARK_MIN: SUCCESS if
 * the allocation would pass the min watermark (wmark_pages: boost
 * included) already. */
enum fs_cc_result fs_cc_suit_allocation_order(struct fs_compact *c, struct fs_zone *z,
					      unsigned order, unsigned highest_zoneidx)
{
	if (fs_cc_watermark_ok(c, z, order, c->wz[z->idx].wm.min + z->watermark_boost, highest_zoneidx))
		return FS_CC_SUCCESS;
	return compaction_suitable(c, z, order, highest_zoneidx);
}

/* ---- deferral (defer_compaction & co., 6.12) -------------------------------------------- */

void fs_cc_defer(struct fs_compact *c, const struct fs_zone *z, unsigned order)
{
	struct fs_cc_zone *cz = &c->cz[z->idx];

	cz->considered = 0;
	if (++cz->defer_shift > FS_CC_MAX_DEFER_SHIFT)
		cz->defer_shift = FS_CC_MAX_DEFER_SHIFT;
	if ((int)order < cz->order_failed)
		cz->order_failed = (int)order;
}

bool fs_cc_deferred(struct fs_compact *c, const struct fs_zone *z, unsigned order)
{
	struct fs_cc_zone *cz = &c->cz[z->idx];
	unsigned limit = 1u << cz->defer_shift;

	if ((int)order < cz->order_failed)
		return false;
	if (++cz->considered >= limit) {
		cz->considered = limit;
		return false;
	}
	return true;
}

void fs_cc_defer_reset(struct fs_compact *c, const struct fs_zone *z, unsigned order, bool success)
{
	struct fs_cc_zone *cz = &c->cz[z->idx];

	if (success)
		cz->considered = cz->defer_shift = 0;
	if ((int)order >= cz->order_failed)
		cz->order_failed = (int)order + 1;
}

bool fs_cc_restarting(const struct fs_compact *c, const struct fs_zone *z, unsigned order)
{
	const struct fs_cc_zone *cz = &c->cz[z->idx];

	if ((int)order < cz->order_failed)
		return false;
	return cz->defer_shift == FS_CC_MAX_DEFER_SHIFT && cz->considered >= 1u << cz->defer_shift;
}

/* ---- scores ----------------------------------------------------------------------------------- */

static unsigned score_order(const struct fs_machine *m)
{
	return m->pageblock_order;      /* COMPACTION_HPAGE_ORDER: HPAGE_PMD_ORDER = pageblock_order */
}

unsigned fs_compact_zone_score(const struct fs_machine *m, const struct fs_zone *z)
{
	struct fs_contig_info info;

	fs_contig_info(z->nr_free, m->max_order, score_order(m), &info);
	return fs_extfrag_for_order(&info, score_order(m));
}

/* fragmentation_score_node: sum of present * zone score / (node present + 1) */
unsigned fs_compact_node_score(const struct fs_machine *m)
{
	uint64_t node_present = 0, score = 0;

	for (unsigned i = 0; i < m->nr_zones; i++)
		node_present += m->zones[i].present_pages;
	for (unsigned i = 0; i < m->nr_zones; i++)
		if (m->zones[i].present_pages)
			score += m->zones[i].present_pages * fs_compact_zone_score(m, &m->zones[i]) /
				 (node_present + 1);
	return (unsigned)score;
}

/* fragmentation_score_wmark: low = max(100 - proactiveness, 5), high = min(low + 10, 100) */
unsigned fs_cc_score_wmark(const struct fs_compact *c, bool low)
{
	unsigned wl = 100 - c->proactiveness > 5 ? 100 - c->proactiveness : 5;

	return low ? wl : (wl + 10 < 100 ? wl + 10 : 100);
}

/* ---- one run, counted ------------------------------------------------------------------------- */

static void count_run(struct fs_compact *c, const struct fs_zone *z, enum fs_cc_trigger tr,
		      enum fs_cc_result r)
{
	struct fs_counters *g = &c->s->c, *zc = &c->s->zc[z->idx];

#define BOTH(f)            \
	do {               \
		g->f++;    \
		zc->f++;   \
	} while (0)
	switch (tr) {
	case FS_CC_DIRECT: BOTH(compact_runs_direct); break;
	case FS_CC_KCOMPACTD: BOTH(compact_runs_kcompactd); break;
	case FS_CC_PROACTIVE: BOTH(compact_runs_proactive); break;
	case FS_CC_MANUAL: BOTH(compact_runs_manual); break;
	}
	switch (r) {
	case FS_CC_SUCCESS: BOTH(compact_result_success); break;
	case FS_CC_COMPLETE: BOTH(compact_result_complete); break;
	case FS_CC_PARTIAL_SKIPPED: BOTH(compact_result_partial_skipped); break;
	case FS_CC_DEFERRED: BOTH(compact_result_deferred); break;
	case FS_CC_SKIPPED: BOTH(compact_result_skipped); break;
	case FS_CC_NOT_SUITABLE_ZONE: BOTH(compact_result_not_suitable_zone); break;
	case FS_CC_CONTENDED: BOTH(compact_result_contended); break;
	default: break;
	}
#undef BOTH
}

static enum fs_cc_result run(struct fs_compact *c, struct cc *cc, enum fs_cc_trigger tr)
{
	enum fs_cc_result r = fs_cc_compact_zone(cc);

	count_run(c, cc->z, tr, r);
	return r;
}

/* ---- direct compaction -------------------------------------------------------------------------- */

enum prio { PRIO_SYNC_FULL = 0, PRIO_SYNC_LIGHT = 1, PRIO_ASYNC = 2 };

/* try_to_compact_pages: the zonelist from the highest usable zone down */
static enum fs_cc_result try_to_compact(struct fs_compact *c, const struct fs_alloc_req *req,
					enum prio prio)
{
	enum fs_cc_result rc = FS_CC_SKIPPED;

	for (int i = (int)req->highest_zone; i >= 0; i--) {
		struct fs_zone *z = &c->m->zones[i];
		struct cc cc = {
			.c = c, .z = z, .order = (int)req->order, .mt = req->mt,
			.mode = prio == PRIO_ASYNC ? FS_CC_ASYNC : FS_CC_SYNC_LIGHT,
			.highest_zoneidx = req->highest_zone, .direct = true,
			.whole_zone = prio == PRIO_SYNC_FULL, .ignore_skip_hint = prio == PRIO_SYNC_FULL,
			.ignore_block_suitable = prio == PRIO_SYNC_FULL,
		};
		enum fs_cc_result st;

		if (!z->present_pages)
			continue;
		if (prio > PRIO_SYNC_FULL && fs_cc_deferred(c, z, req->order)) {
			count_run(c, z, FS_CC_DIRECT, FS_CC_DEFERRED);
			if (rc < FS_CC_DEFERRED)
				rc = FS_CC_DEFERRED;
			continue;
		}
		st = run(c, &cc, FS_CC_DIRECT);
		if (st > rc)
			rc = st;
		if (st == FS_CC_SUCCESS) {
			fs_cc_defer_reset(c, z, req->order, false);
			break;
		}
		if (prio != PRIO_ASYNC && (st == FS_CC_COMPLETE || st == FS_CC_PARTIAL_SKIPPED))
			fs_cc_defer(c, z, req->order);
	}
	return rc;
}

/* __alloc_pages_slowpath without reclaim: async compaction first for
 * costly or non-movable requests, then sync-light, then (not for costly
 * orders, whose floor is sync-light) sync-full; the allocation is retried
 * after each, as __alloc_pages_direct_compact does. */
int fs_compact_direct(struct fs_compact *c, const struct fs_alloc_req *req, uint64_t *pfn)
{
	bool costly = req->order > FS_CC_COSTLY_ORDER;
	enum prio prio = costly || req->mt != FS_MT_MOVABLE ? PRIO_ASYNC : PRIO_SYNC_LIGHT;
	enum prio floor = costly ? PRIO_SYNC_LIGHT : PRIO_SYNC_FULL;

	if (!c->direct || !req->order)
		return -ENOMEM;
	/* only a caller that may sleep compacts (can_direct_reclaim); a
	 * costly __GFP_NORETRY request (THP faults) stops after async */
	if (req->has_gfp && !(req->gfp & FS_GFP_DIRECT_RECLAIM))
		return -ENOMEM;
	if (req->has_gfp && costly && (req->gfp & FS_GFP_NORETRY))
		floor = PRIO_ASYNC;
	c->now_ns = req->time_ns;
	for (;; prio--) {
		enum fs_cc_result r = try_to_compact(c, req, prio);

		/* __alloc_pages_direct_compact: anything but SKIPPED (no zone
		 * compacted or deferred) is a stall, and the allocation is retried */
		if (r != FS_CC_SKIPPED) {
			c->s->c.compact_stall++;
			if (!c->p->ops->alloc(c->p, req, pfn)) {
				struct fs_zone *z = fs_machine_zone_of(c->m, *pfn);

				fs_cc_defer_reset(c, z, req->order, true);
				c->s->c.compact_success++;
				return 0;
			}
			c->s->c.compact_fail++;
		}
		if (prio == floor)
			break;
	}
	return -ENOMEM;
}

/* ---- kcompactd ------------------------------------------------------------------------------------ */

/* kcompactd_node_suitable: some zone up to highest_zoneidx would compact */
static bool node_suitable(struct fs_compact *c)
{
	for (unsigned i = 0; i <= c->kc_highest_zoneidx && i < c->m->nr_zones; i++)
		if (c->m->zones[i].present_pages &&
		    fs_cc_suit_allocation_order(c, &c->m->zones[i], (unsigned)c->kc_max_order,
						c->kc_highest_zoneidx) == FS_CC_CONTINUE)
			return true;
	return false;
}

/* wakeup_kcompactd (6.12): the order and zone are remembered even when
 * the node is not suitable and kcompactd stays asleep. */
void fs_compact_wake_kcompactd(struct fs_compact *c, unsigned order, unsigned highest_zoneidx)
{
	if (!c->kcompactd || !order)
		return;
	if ((int)order > c->kc_max_order)
		c->kc_max_order = (int)order;
	if (highest_zoneidx < c->kc_highest_zoneidx)
		c->kc_highest_zoneidx = highest_zoneidx;
	if (node_suitable(c))
		c->kc_woken = true;
}

/* kcompactd_do_work (6.12): each zone up to the highest, sync-light, for
 * kcompactd_max_order, with GFP_KERNEL's migrate type (UNMOVABLE). */
static void kcompactd_do_work(struct fs_compact *c)
{
	int order = c->kc_max_order;
	unsigned highest = c->kc_highest_zoneidx;

	c->kc_woken = false;
	c->s->c.compact_daemon_wake++;
	/* kswapd_try_to_sleep flushes the skip bits direct compaction asked
	 * to flush (compact_blockskip_flush), then wakes kcompactd */
	for (unsigned i = 0; i < c->m->nr_zones; i++)
		if (c->cz[i].blockskip_flush)
			fs_cc_reset_skip(c, &c->m->zones[i]);
	for (unsigned i = 0; i <= highest && i < c->m->nr_zones; i++) {
		struct fs_zone *z = &c->m->zones[i];
		struct cc cc = {
			.c = c, .z = z, .order = order, .mt = FS_MT_UNMOVABLE, .mode = FS_CC_SYNC_LIGHT,
			.highest_zoneidx = highest,
		};
		enum fs_cc_result r;

		if (!z->present_pages || fs_cc_deferred(c, z, (unsigned)order))
			continue;
		if (fs_cc_suit_allocation_order(c, z, (unsigned)order, highest) != FS_CC_CONTINUE)
			continue;
		r = run(c, &cc, FS_CC_KCOMPACTD);
		if (r == FS_CC_SUCCESS) {
			fs_cc_defer_reset(c, z, (unsigned)order, false);
		} else if (r == FS_CC_PARTIAL_SKIPPED || r == FS_CC_COMPLETE) {
			if (c->p->ops->drain)
				c->p->ops->drain(c->p, (int)i, -1);
			fs_cc_defer(c, z, (unsigned)order);
		}
	}
	c->kc_max_order = 0;
	c->kc_highest_zoneidx = c->m->nr_zones - 1;
}

/* proactive_compact_node: every zone, whole, until its score is at or
 * under the low mark */
static void proactive_compact_node(struct fs_compact *c)
{
	for (unsigned i = 0; i < c->m->nr_zones; i++) {
		struct cc cc = {
			.c = c, .z = &c->m->zones[i], .order = -1, .mt = FS_MT_UNMOVABLE,
			.mode = FS_CC_SYNC_LIGHT, .highest_zoneidx = i, .whole_zone = true,
			.ignore_skip_hint = true, .proactive = true,
		};

		if (c->m->zones[i].present_pages)
			run(c, &cc, FS_CC_PROACTIVE);
	}
}

void fs_compact_manual(struct fs_compact *c, uint64_t now_ns)
{
	c->now_ns = now_ns;
	for (unsigned i = 0; i < c->m->nr_zones; i++) {
		struct cc cc = {
			.c = c, .z = &c->m->zones[i], .order = -1, .mt = FS_MT_UNMOVABLE,
			.mode = FS_CC_SYNC, .highest_zoneidx = i, .whole_zone = true,
			.ignore_skip_hint = true,
		};

		if (c->m->zones[i].present_pages)
			run(c, &cc, FS_CC_MANUAL);
	}
}

/* kcompactd's loop: woken work first; otherwise, every 500 ms, proactive
 * compaction when the node score is over the high mark, backing off to
 * 500 ms << 6 when a pass did not lower the score. (kswapd is never
 * running in a replay, so should_proactive_compact_node never defers to it.) */
void fs_compact_tick(struct fs_compact *c, uint64_t now_ns)
{
	c->now_ns = now_ns;
	if (!c->timer_started) {
		c->timer_started = true;
		c->next_proactive_ns = now_ns + CHECK_INTERVAL_NS;
	}
	if (c->kc_woken) {
		kcompactd_do_work(c);
		c->next_proactive_ns = now_ns + CHECK_INTERVAL_NS;
		return;
	}
	if (!c->proactiveness || now_ns < c->next_proactive_ns)
		return;
	c->next_proactive_ns = now_ns + CHECK_INTERVAL_NS;
	if (fs_compact_node_score(c->m) > fs_cc_score_wmark(c, false)) {
		unsigned prev = fs_compact_node_score(c->m);

		proactive_compact_node(c);
		if (fs_compact_node_score(c->m) >= prev)
			c->next_proactive_ns = now_ns + (CHECK_INTERVAL_NS << FS_CC_MAX_DEFER_SHIFT);
	}
}

uint64_t fs_compact_next_tick(const struct fs_compact *c)
{
	if (c->kc_woken || !c->timer_started)
		return 0;
	return c->proactiveness ? c->next_proactive_ns : UINT64_MAX;
}
