/* pcp.h - per-CPU pagesets for the grouping policies (policies/pcp.c). */
#ifndef FRAGSIM_PCP_H
#define FRAGSIM_PCP_H

#include "../sim/policy.h"

/* NR_PCP_LISTS (6.x with THP): 3 types x orders 0..3, plus the THP order's
 * movable and non-movable lists */
#define FS_PCP_LISTS 14

struct fs_pcp_ring {                /* a deque of page indexes; [head] is the list head */
	uint32_t *idx;
	uint32_t head, len, cap;
};

struct fs_pcp {
	struct fs_pcp_ring l[FS_PCP_LISTS];
	uint64_t count;                 /* pages on the lists */
	uint64_t high, batch;           /* pages */
	unsigned free_factor;           /* 6.1 nr_pcp_free: doubles drains on consecutive frees */
};

enum fs_pcp_style {
	FS_PCP_OFF = 0,
	FS_PCP_3_10,                    /* order 0; drain `batch` round-robin with batch_free (3.10, 4.19) */
	FS_PCP_6_1,                     /* orders 0..3 + THP; nr_pcp_free with free_factor (5.14 .. 6.x) */
};

/* What the grouping policy gives the pagesets: its __rmqueue for refills. */
typedef uint64_t (*fs_pcp_rmqueue_fn)(struct fs_policy *p, struct fs_zone *z, unsigned order,
				      unsigned mt);

struct fs_pcp_set {
	enum fs_pcp_style style;
	unsigned nr_cpus;
	struct fs_pcp *pcp;             /* [zone * nr_cpus + cpu] */
	fs_pcp_rmqueue_fn rmqueue;
};

int fs_pcp_init(struct fs_pcp_set *s, struct fs_machine *m, enum fs_pcp_style style,
		unsigned nr_cpus, const uint64_t *batch, const uint64_t *high, fs_pcp_rmqueue_fn fn);
void fs_pcp_release(struct fs_pcp_set *s, const struct fs_machine *m);
/* Is this request served through the per-CPU lists? (pcp_allowed_order and
 * a pcp migrate type) */
bool fs_pcp_allowed(const struct fs_pcp_set *s, const struct fs_machine *m, unsigned order,
		    unsigned mt);
/* rmqueue_pcplist: the page for the request, refilling the list from the
 * buddy when empty; UINT64_MAX if the zone has none. */
uint64_t fs_pcp_alloc(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z,
		      unsigned cpu, unsigned order, unsigned mt);
/* free_unref_page_commit: onto the list of the pageblock's type, draining
 * to the buddy when the list set is over high. False if the page must go
 * straight to the buddy (ISOLATE). */
bool fs_pcp_free(struct fs_pcp_set *s, struct fs_policy *p, struct fs_zone *z, unsigned cpu,
		 uint64_t pfn, unsigned order);
/* drain_pages_zone: every page of the zone's lists on cpu (cpu < 0: on
 * every CPU) back to the buddy through free_pcppages_bulk. */
void fs_pcp_drain(struct fs_pcp_set *s, struct fs_machine *m, struct fs_zone *z, int cpu);

#endif
