/* buddy.c - plain buddy: one free-list class, no grouping by mobility.
 *
 * This is the Linux 6.12 buddy core (expand, __free_one_page with
 * buddy_merge_likely) with mobility grouping disabled, which is what the
 * kernel itself runs when page_group_by_mobility_disabled is set (fewer
 * pages than pageblock_nr_pages * MIGRATE_TYPES) and what every kernel
 * before 2.6.24 ran. merge_likely=off gives the 2.6.24 list order (freed
 * blocks always at the head).
 *
 * Zone choice is the zonelist walk from the highest usable zone down
 * (build_zonerefs_node: Normal -> DMA32 -> DMA), first zone with a block
 * large enough; watermarks and lowmem reserves come with the migrate-type
 * policy.
 */
#include <errno.h>

#include "../sim/policy.h"

static const struct fs_tunable buddy_tunables[] = {
	{ "merge_likely", "on", "buddy_merge_likely tail placement of freed blocks (Linux 3.10+); off = always head (2.6.24)" },
	{ NULL, NULL, NULL }
};

static int buddy_init(struct fs_policy *p, const struct fs_kv *kv, unsigned nkv,
		      struct fs_err *err)
{
	bool ml;
	int rc = fs_tunable_bool("merge_likely",
				 fs_tunable_get(p->ops, kv, nkv, "merge_likely"), &ml, err);

	if (rc)
		return rc;
	p->m->merge_likely = ml;
	return 0;
}

static int buddy_alloc(struct fs_policy *p, const struct fs_alloc_req *req, uint64_t *pfn)
{
	struct fs_machine *m = p->m;

	for (int zi = (int)req->highest_zone; zi >= 0; zi--) {
		uint64_t got = fs_buddy_rmqueue_smallest(m, &m->zones[zi], req->order, 0);

		if (got != UINT64_MAX) {
			*pfn = got;
			return 0;
		}
	}
	return -ENOMEM;
}

static void buddy_free(struct fs_policy *p, const struct fs_free_req *req)
{
	struct fs_machine *m = p->m;

	fs_buddy_free(m, fs_machine_zone_of(m, req->pfn), req->pfn, req->order, 0, FS_FPI_NONE);
}

const struct fs_policy_ops fs_buddy_policy = {
	.name = "buddy",
	.summary = "plain buddy allocator, no mobility grouping (Linux buddy core, pre-2.6.24 placement)",
	.state_size = 0,
	.tunables = buddy_tunables,
	.init = buddy_init,
	.alloc = buddy_alloc,
	.free = buddy_free,
};
