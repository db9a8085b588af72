/* engine.c - one simulation: a machine, a policy, and the allocation table
 * that maps trace identities to simulated placements. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compact.h"
#include "gfp.h"
#include "internal.h"
#include "kexact.h"

#define A_ORDER_SHIFT 2
#define A_IDENT_SHIFT 6

int fs_sim_new(struct fs_sim **out, const struct fs_layout *l, const char *spec,
	       enum fs_placement placement, struct fs_err *err)
{
	struct fs_sim *s = fs_xcalloc(1, sizeof(*s));
	int rc;

	s->m = fs_machine_new(l, err);
	if (!s->m) {
		free(s);
		return -EINVAL;
	}
	s->m->exact_placement = placement == FS_PLACE_TRACE;
	rc = fs_policy_create(&s->pol, s, spec, err);
	if (rc) {
		fs_machine_free(s->m);
		free(s);
		return rc;
	}
	fs_machine_populate(s->m, s->pol->initial_class);
	if (s->pol->ops->boot)
		s->pol->ops->boot(s->pol);
	fs_alloctab_init(&s->at);
	/* gfp_zone(): __GFP_DMA and __GFP_DMA32 requests stop at those zones
	 * when the machine has them (OPT_ZONE_DMA32 is Normal otherwise); a
	 * Movable zone only serves __GFP_HIGHMEM|__GFP_MOVABLE */
	s->zone_top = s->zone_dma = s->zone_dma32 = (uint8_t)(s->m->nr_zones - 1);
	for (unsigned i = 0; i < s->m->nr_zones; i++) {
		if (!strcmp(s->m->zones[i].name, "DMA"))
			s->zone_dma = (uint8_t)i;
		else if (!strcmp(s->m->zones[i].name, "DMA32"))
			s->zone_dma32 = (uint8_t)i;
	}
	if (s->m->nr_zones > 1 && !strcmp(s->m->zones[s->m->nr_zones - 1].name, "Movable"))
		s->zone_top = (uint8_t)(s->m->nr_zones - 2);
	if (s->zone_dma32 == s->m->nr_zones - 1)
		s->zone_dma32 = s->zone_top;
	if (s->zone_dma == s->m->nr_zones - 1)
		s->zone_dma = s->zone_dma32;
	s->placement = placement;
	if (placement == FS_PLACE_KERNEL)
		s->kx = fs_kx_new(s->pol->typed_pageblocks, s->pol->initial_class);
	*out = s;
	return 0;
}

void fs_sim_free(struct fs_sim *s)
{
	if (!s)
		return;
	fs_policy_destroy(s->pol);
	fs_reclaim_release(s);
	fs_kx_free(s->kx);
	free(s->offline);
	fs_alloctab_release(&s->at);
	fs_machine_free(s->m);
	free(s);
}

static void report(struct fs_sim *s, const struct fs_event *ev, const char *what)
{
	if (s->report)
		s->report(s->report_ctx, ev, what);
}

static struct fs_alloc *add_record(struct fs_sim *s, uint64_t ident, uint64_t pfn, unsigned order,
				   unsigned mt, uint32_t key, unsigned zone)
{
	struct fs_alloc *a = fs_alloctab_insert(&s->at, ident);

	a->pfn_idx = (uint32_t)(pfn - s->m->base_pfn);
	a->order = (uint8_t)order;
	a->mt = (uint8_t)mt;
	a->key = key;
	a->zone = (uint8_t)zone;
	s->m->pages[a->pfn_idx] = FS_PG_ALLOC | (uint64_t)order << A_ORDER_SHIFT |
				  ident << A_IDENT_SHIFT;
	return a;
}

/* Release [pfn, 2^order) of an allocation whose record is already gone. */
static void release(struct fs_sim *s, uint64_t pfn, unsigned order, unsigned mt,
		    unsigned zone, bool lru, const struct fs_event *ev)
{
	struct fs_free_req fr = {
		.pfn = pfn, .order = order, .mt = (enum fs_migratetype)mt,
		.cpu = ev->cpu, .time_ns = ev->time_ns, .lru = lru,
	};

	s->m->pages[pfn - s->m->base_pfn] = FS_PG_NONE;
	fs_pb_account(s->m, pfn, order, mt, -1);
	s->pol->ops->free(s->pol, &fr);
	s->c.frees++;
	s->zc[zone].frees++;
}

void fs_sim_migrate(struct fs_sim *s, struct fs_alloc *a, uint64_t new_pfn, unsigned cpu,
		    uint64_t now_ns)
{
	struct fs_machine *m = s->m;
	uint64_t old = m->base_pfn + a->pfn_idx;
	unsigned order = a->order, mt = a->mt;
	struct fs_free_req fr = {
		.pfn = old, .order = order, .mt = (enum fs_migratetype)mt, .cpu = cpu,
		.time_ns = now_ns, .lru = a->lru,
	};
	struct fs_zone *z = fs_machine_zone_of(m, new_pfn);
	uint32_t old_idx = a->pfn_idx;
	unsigned old_zone = a->zone;

	/* The new copy exists before the old one is freed, so the free's
	 * merging never sees the target range as a buddy. */
	a->pfn_idx = (uint32_t)(new_pfn - m->base_pfn);
	a->zone = (uint8_t)z->idx;
	if (a->lru) {
		/* the LRU is linked by page index: the copy takes the
		 * original's place (its age), or the tail of another zone's */
		uint32_t prev = fs_reclaim_lru_del(s, old_idx, old_zone, order);

		if (old_zone == z->idx)
			fs_reclaim_lru_insert_after(s, prev, a->pfn_idx, z->idx, order);
		else
			fs_reclaim_lru_add(s, a->pfn_idx, z->idx, order);
	}
	m->pages[a->pfn_idx] = FS_PG_ALLOC | (uint64_t)order << A_ORDER_SHIFT |
			       a->ident << A_IDENT_SHIFT;
	fs_pb_account(m, new_pfn, order, mt, 1);
	m->pages[old - m->base_pfn] = FS_PG_NONE;
	fs_pb_account(m, old, order, mt, -1);
	s->pol->ops->free(s->pol, &fr);
	s->c.migrated_pages += 1ull << order;
	s->zc[z->idx].migrated_pages += 1ull << order;
}

static void free_record(struct fs_sim *s, struct fs_alloc *ap, const struct fs_event *ev)
{
	struct fs_alloc a = *ap;

	if (a.lru)
		fs_reclaim_lru_del(s, a.pfn_idx, a.zone, a.order);
	fs_alloctab_remove(&s->at, ap);
	release(s, s->m->base_pfn + a.pfn_idx, a.order, a.mt, a.zone, a.lru, ev);
}

/* A free naming an aligned part of a live allocation: split the record as
 * split_page() would, halving down to the freed part, and free that. */
static void free_part(struct fs_sim *s, struct fs_alloc *ap, uint64_t ident, unsigned order,
		      const struct fs_event *ev)
{
	struct fs_alloc a = *ap;
	uint64_t id = a.ident, pfn = s->m->base_pfn + a.pfn_idx;
	unsigned o = a.order;
	uint32_t lru_at = a.lru ? fs_reclaim_lru_del(s, a.pfn_idx, a.zone, a.order) : FS_NIL;

	fs_alloctab_remove(&s->at, ap);
	while (o > order) {
		struct fs_alloc *rest;
		uint64_t half;

		o--;
		half = 1ull << o;
		if (ident >= id + half) {
			rest = add_record(s, id, pfn, o, a.mt, a.key, a.zone);
			id += half;
			pfn += half;
		} else {
			rest = add_record(s, id + half, pfn + half, o, a.mt, a.key, a.zone);
		}
		if (a.lru) {          /* the parts left keep the allocation's LRU position */
			rest->lru = 1;
			rest->ref = a.ref;
			fs_reclaim_lru_insert_after(s, lru_at, rest->pfn_idx, a.zone, o);
			lru_at = rest->pfn_idx;
		}
	}
	s->c.partial_frees++;
	release(s, pfn, order, a.mt, a.zone, a.lru, ev);
}

static void online_block(struct fs_sim *s, const struct fs_event *ev)
{
	uint64_t blk = (ev->ident - s->m->base_pfn) >> s->m->max_order;

	if (!s->offline || ev->ident < s->m->base_pfn || ev->ident - s->m->base_pfn >= s->m->nr_pages ||
	    !s->offline[blk])
		return;
	s->offline[blk] = 0;
	if (s->pol->ops->online) {
		s->pol->ops->online(s->pol, ev->ident, ev->order);
	} else {
		struct fs_free_req fr = {
			.pfn = ev->ident, .order = ev->order, .mt = FS_MT_MOVABLE,
			.cpu = ev->cpu, .time_ns = ev->time_ns,
		};

		s->pol->ops->free(s->pol, &fr);
	}
}

static void do_free(struct fs_sim *s, const struct fs_event *ev)
{
	struct fs_alloc *a = fs_alloctab_find_covering(&s->at, ev->ident, s->m->max_order);

	if (!a) {
		if (ev->flags & FS_EVF_PROBE)
			return;               /* the probe failed in this simulation */
		if ((ev->flags & FS_EVF_LRU) && fs_alloctab_was_seen(&s->at, ev->ident)) {
			s->c.reclaimed_then_freed++;
			return;
		}
		if (fs_alloctab_was_seen(&s->at, ev->ident)) {
			s->c.double_frees++;
			report(s, ev, "free of an identity already freed (a double free, or a re-allocation the trace did not record)");
		} else if (ev->order == s->m->max_order && s->m->max_order >= s->m->pageblock_order &&
			   !(ev->ident & ((1ull << ev->order) - 1))) {
			/* memory coming online: a kernel that initialises memory
			 * lazily (deferred_init) hands it to the allocator as
			 * mm_page_free events of max-order blocks never
			 * allocated; the simulated machine has it free already,
			 * unless a snapshot start left it offline */
			s->c.memory_online_blocks++;
			online_block(s, ev);
		} else {
			s->c.unknown_frees++;
			if (s->placement == FS_PLACE_TRACE) {
				struct fs_zone *z = fs_machine_zone_of(s->m, ev->ident);

				if (z)
					s->zc[z->idx].unknown_frees++;
			}
		}
		return;
	}
	if (a->ident == ev->ident && a->order == ev->order) {
		free_record(s, a, ev);
	} else if (ev->order < a->order && !((ev->ident - a->ident) & ((1ull << ev->order) - 1)) &&
		   ev->ident + (1ull << ev->order) <= a->ident + (1ull << a->order)) {
		free_part(s, a, ev->ident, ev->order, ev);
	} else {
		/* The free disagrees with the allocation's extent: release the
		 * whole allocation, and say so. */
		s->c.free_order_mismatches++;
		report(s, ev, "free order does not match the allocation");
		free_record(s, a, ev);
	}
}

static void do_alloc(struct fs_sim *s, const struct fs_event *ev)
{
	struct fs_machine *m = s->m;
	struct fs_alloc_req req = {
		.order = ev->order, .mt = (enum fs_migratetype)ev->mt,
		.highest_zone = m->nr_zones - 1, .cpu = ev->cpu, .key = ev->key,
		.time_ns = ev->time_ns, .gfp = ev->gfp, .has_gfp = ev->flags & FS_EVF_HAS_GFP,
		.lru = ev->flags & FS_EVF_LRU,
	};
	struct fs_zone *z;
	struct fs_alloc *old;
	uint64_t pfn;
	bool atomic;
	int rc;

	if (ev->flags & FS_EVF_FAILED) {
		s->c.kernel_failed_allocs++;
		return;
	}
	/* a workload's atomic class without gfp flags asks as GFP_ATOMIC does */
	if ((ev->flags & FS_EVF_ATOMIC) && !req.has_gfp) {
		req.has_gfp = true;
		req.gfp = FS_GFP_HIGH | FS_GFP_KSWAPD_RECLAIM;
	}
	atomic = req.has_gfp && !(req.gfp & FS_GFP_DIRECT_RECLAIM);
	s->kswapd_cpu = ev->cpu;      /* where kswapd frees if this allocation boosts */
	if (req.has_gfp)
		req.highest_zone = ev->gfp & FS_GFP_DMA       ? s->zone_dma
				 : ev->gfp & FS_GFP_DMA32     ? s->zone_dma32
				 : (ev->gfp & (FS_GFP_HIGHMEM | FS_GFP_MOVABLE)) ==
					   (FS_GFP_HIGHMEM | FS_GFP_MOVABLE)
					   ? m->nr_zones - 1
					   : s->zone_top;
	old = fs_alloctab_lookup(&s->at, ev->ident);
	if (old) {
		s->c.duplicate_allocs++;
		report(s, ev, "allocation of an identity that is still allocated (missed free)");
		free_record(s, old, ev);
	}
	if (s->placement == FS_PLACE_TRACE) {
		pfn = ev->ident;
		z = fs_machine_zone_of(m, pfn);
		if (!z || pfn + (1ull << ev->order) > z->end_pfn || fs_machine_is_hole(m, pfn)) {
			s->c.bad_events++;
			report(s, ev, "pfn outside the machine's zones (give the traced machine with --machine zoneinfo:FILE, a /proc/zoneinfo of it, or --machine FILE.yaml)");
			return;
		}
		rc = s->pol->ops->alloc_at ? s->pol->ops->alloc_at(s->pol, &req, pfn)
					   : fs_buddy_take(m, z, pfn, ev->order);
		if (rc) {
			s->c.placement_conflicts++;
			report(s, ev, "recorded pages are not free in the simulation");
			return;
		}
	} else {
		if (ev->flags & FS_EVF_PROBE) {
			s->c.hugepage_attempts++;
			s->zc[req.highest_zone].hugepage_attempts++;
		}
		rc = s->pol->ops->alloc(s->pol, &req, &pfn);
		/* direct reclaim, then retry, for callers that may block */
		for (unsigned round = 0; rc && !atomic && s->reclaim &&
		     fs_reclaim_direct(s, &req, round, ev); round++)
			rc = s->pol->ops->alloc(s->pol, &req, &pfn);
		if (rc && s->pol->compact && ev->order)
			rc = fs_compact_direct(s->pol->compact, &req, &pfn);
		if (rc && s->pol->compact && ev->order)
			fs_compact_wake_kcompactd(s->pol->compact, ev->order, req.highest_zone);
		if (rc) {
			/* a later free of it is one of an identity never
			 * allocated, as when identities were fresh: an earlier
			 * life of a reused identity (a pfn, a workload's recycled
			 * identity) must not make it a double free */
			fs_alloctab_forget(&s->at, ev->ident, ev->order);
			s->c.alloc_failures++;
			s->zc[req.highest_zone].alloc_failures++;
			if (ev->order >= 1) {
				s->c.failures_order_ge1++;
				s->zc[req.highest_zone].failures_order_ge1++;
			}
			return;
		}
		z = fs_machine_zone_of(m, pfn);
	}
	{
		struct fs_alloc *a = add_record(s, ev->ident, pfn, ev->order, ev->mt, ev->key, z->idx);

		if (ev->flags & FS_EVF_LRU) {
			a->lru = 1;
			a->ref = !!(ev->flags & FS_EVF_REFERENCED);
			fs_reclaim_lru_add(s, a->pfn_idx, z->idx, ev->order);
		}
	}
	fs_pb_account(m, pfn, ev->order, ev->mt, 1);
	fs_alloctab_mark_seen(&s->at, ev->ident, ev->order);
	s->c.allocs++;
	s->zc[z->idx].allocs++;
	if (ev->flags & FS_EVF_PROBE) {
		s->c.hugepage_successes++;
		s->zc[z->idx].hugepage_successes++;
	}
	if (s->reclaim)
		fs_reclaim_kswapd(s, z, ev);
}

static void kernel_activity(struct fs_sim *s, const struct fs_event *ev)
{
	uint64_t lo = ev->ident & 0xffffffffu, hi = ev->ident >> 32;

	switch (ev->order) {
	case FS_KACT_COMPACT_BEGIN: s->c.kernel_compaction_runs++; break;
	case FS_KACT_TRY_TO_COMPACT: s->c.kernel_compaction_stalls++; break;
	case FS_KACT_KCOMPACTD_WAKE: s->c.kernel_kcompactd_wakes++; break;
	case FS_KACT_ISOLATE_MIGRATE:
		s->c.kernel_compact_migrate_scanned += lo;
		s->c.kernel_compact_isolated += hi;
		break;
	case FS_KACT_ISOLATE_FREE:
		s->c.kernel_compact_free_scanned += lo;
		s->c.kernel_compact_isolated += hi;
		break;
	case FS_KACT_MIGRATED: s->c.kernel_compact_migrated += ev->ident; break;
	case FS_KACT_MIGRATE_PAGES: s->c.kernel_migrate_pages += ev->ident; break;
	}
}

int fs_sim_apply(struct fs_sim *s, const struct fs_event *ev)
{
	s->events++;
	if (ev->kind == FS_EV_KERNEL) {
		kernel_activity(s, ev);
		return 0;
	}
	if (s->kx) {                  /* --placement kernel: sim/kexact.c */
		if (ev->order > s->m->max_order && ev->kind != FS_EV_MARKER) {
			s->c.bad_events++;
			report(s, ev, "order above the machine's max_order");
			return 0;
		}
		fs_kx_apply(s, ev);
		goto check;
	}
	if (ev->kind > FS_EV_KERNEL)
		return 0;
	if (ev->kind != FS_EV_COMPACT && ev->order > s->m->max_order) {
		s->c.bad_events++;
		report(s, ev, "order above the machine's max_order");
		return 0;
	}
	if (ev->ident > FS_IDENT_LIMIT - (1ull << ev->order)) {
		s->c.bad_events++;
		report(s, ev, "identity above 2^58");
		return 0;
	}
	if (ev->kind == FS_EV_ALLOC)
		do_alloc(s, ev);
	else if (ev->kind == FS_EV_FREE)
		do_free(s, ev);
	else if (ev->kind == FS_EV_COMPACT && s->pol->compact)
		fs_compact_manual(s->pol->compact, ev->time_ns);
check:
	if (s->debug_check) {
		struct fs_err err;

		/* kernel placement tracks no allocations: pages are free, on
		 * a per-CPU list, or allocated (untracked) */
		if (s->kx ? fs_check_machine(s->m, &err) : fs_check(s, &err)) {
			fprintf(stderr, "fragsim: invariant check failed after event at line %llu: %s\n",
				(unsigned long long)ev->line, err.msg);
			return -EIO;
		}
	}
	return 0;
}

/* Software prefetch for replay loops: fs_sim_prefetch starts fetching the
 * hash slot an event's identity will probe, ~16 events ahead;
 * fs_sim_prefetch2, ~8 ahead, looks a free's allocation up in that slot
 * (arrived by then) and starts fetching its page word, which the free
 * writes and the buddy's merging reads: without it, the page word is a
 * miss that depends on the slot's. (Looking the slot up only 4 events after
 * its prefetch cost more than it saved: the lookup is a demand load, and it
 * stalled while the prefetch was still on its way.) */
void fs_sim_prefetch(const struct fs_sim *s, const struct fs_event *ev)
{
	fs_alloctab_prefetch(&s->at, ev->ident);
	if (ev->kind == FS_EV_ALLOC)
		fs_alloctab_prefetch_seen(&s->at, ev->ident);
	/* a policy whose placement is a chain of dependent lookups (keyed
	 * zones: key record, zone record, its bitmap, the page) pipelines its
	 * own prefetches over the events announced here */
	if (s->pol->ops->prefetch && s->placement == FS_PLACE_POLICY && !s->kx)
		s->pol->ops->prefetch(s->pol, ev, &s->at);
}

void fs_sim_prefetch2(const struct fs_sim *s, const struct fs_event *ev)
{
	const struct fs_alloc *a;

	if (ev->kind != FS_EV_FREE)
		return;
	a = fs_alloctab_lookup(&s->at, ev->ident);
	if (a) {
		__builtin_prefetch(&s->m->pages[a->pfn_idx], 1);
		/* and its pageblock's counters, which fs_pb_account updates:
		 * 256 KiB on 64 GiB, yet a miss (7% of the generator
		 * benchmark's time) once the table's misses have evicted it */
		__builtin_prefetch(&s->m->pb[fs_pb_idx(s->m, s->m->base_pfn + a->pfn_idx)], 1);
	}
}

/* Daemons, which the replay loop runs before each event at its time: the
 * policy's tick, kswapd when a watermark boost woke it (its pass ends the
 * boost, sim/reclaim.c), then kcompactd when it was woken (by that pass
 * among others) or its proactive timer is due. */
void fs_sim_tick(struct fs_sim *s, uint64_t now_ns)
{
	if (s->pol->ops->tick)
		s->pol->ops->tick(s->pol, now_ns);
	if (fs_reclaim_boost_pending(s))
		fs_reclaim_boosted(s, now_ns);
	if (s->pol->compact && fs_compact_next_tick(s->pol->compact) <= now_ns)
		fs_compact_tick(s->pol->compact, now_ns);
}

struct fs_alloc *fs_sim_alloc_at(const struct fs_sim *s, uint64_t pfn)
{
	uint64_t slot = s->m->pages[pfn - s->m->base_pfn];

	if (fs_pg_kind(slot) != FS_PG_ALLOC)
		return NULL;
	return fs_alloctab_lookup(&s->at, slot >> A_IDENT_SHIFT);
}
