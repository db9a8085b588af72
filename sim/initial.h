/* initial.h - a replay's starting state from a /proc/buddyinfo or
 * /proc/pagetypeinfo snapshot (`fragsim replay --initial FILE`): the
 * snapshot's free blocks per zone and order (and per migrate type, with the
 * pageblocks' types, from pagetypeinfo), everything else allocated before
 * the trace. A snapshot does not say where the blocks are; the rule that
 * places them is in initial.c and the README ("Starting from a snapshot"). */
#ifndef FRAGSIM_INITIAL_H
#define FRAGSIM_INITIAL_H

#include "kexact.h"
#include "procfs.h"

enum fs_initial_layout {
	FS_INITIAL_SPREAD = 0,         /* small free blocks dealt round the partly used pageblocks */
	FS_INITIAL_PACKED,             /* ... filling one pageblock before the next */
};

struct fs_initial {
	struct fs_kpf_state st;        /* the free blocks, ascending pfn (fs_kpf_install) */
	uint64_t blocks_cap;
	uint8_t *pb_type;              /* m->nr_pb entries: each pageblock's migrate type */
	/* per zone: pageblocks whose snapshot type was taken as MOVABLE
	 * (HighAtomic, Isolate: the reserve and isolation start empty), capped
	 * counts (">100000") and how they were settled */
	uint64_t retyped[FS_MAX_ZONES];
	uint64_t pb_adjusted[FS_MAX_ZONES];  /* snapshot's pageblocks - the machine's, when more */
	/* pagetypeinfo counts fewer pageblocks than the zone has: memory not
	 * online yet (a kernel initialising memory lazily), the zone's top */
	uint64_t offline_pb[FS_MAX_ZONES];
	uint8_t *offline;              /* per max-order block of the machine: offline, or NULL */
	unsigned capped[FS_MAX_ZONES];
	unsigned capped_settled[FS_MAX_ZONES];
	bool typed;                    /* the snapshot gave types (pagetypeinfo) */
};

/* Build the state for machine m from snap (a buddyinfo or pagetypeinfo
 * record). bi, when not NULL, is a buddyinfo of the same moment that
 * settles pagetypeinfo's capped counts. 0, or -EINVAL with the zone and
 * what does not fit in err. */
int fs_initial_build(struct fs_initial *in, const struct fs_procfs_rec *snap,
		     const struct fs_procfs_rec *bi, const struct fs_machine *m,
		     enum fs_initial_layout layout, struct fs_err *err);
/* Install into a simulation's machine: pageblock types (typed policies)
 * and the free lists, before the policy's first call. A policy with free
 * areas of its own (keyed zones) builds them from the installed pages on
 * its first call; -EINVAL if it already has (m->unlinked_lists). */
int fs_initial_install(const struct fs_initial *in, struct fs_machine *m, bool typed,
		       unsigned cls0, struct fs_err *err);
/* The simulation's copy of in->offline (fs_sim.offline), NULL if none. */
uint8_t *fs_initial_offline_copy(const struct fs_initial *in, const struct fs_machine *m);
void fs_initial_report(const struct fs_initial *in, const struct fs_machine *m, const char *what,
		       FILE *fp);
void fs_initial_release(struct fs_initial *in);

#endif
