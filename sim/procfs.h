/* procfs.h - the allocator's state as /proc prints it: buddyinfo,
 * pagetypeinfo, zoneinfo (and the debugfs extfrag files, kept as text to
 * compare against), read from plain files or from capture snapshots that
 * hold several records, each headed
 *   ### capture_snap seq=N phase=P mono_ns=T name=NAME ...
 * Formats: mm/vmstat.c (frag_show_print, pagetypeinfo_showfree_print,
 * pagetypeinfo_showblockcount_print, zoneinfo_show_print,
 * unusable_show_print, extfrag_show_print), identical from 2.6.24 to 6.18
 * except pagetypeinfo's ">100000" cap (6.1+). */
#ifndef FRAGSIM_PROCFS_H
#define FRAGSIM_PROCFS_H

#include "internal.h"

#define FS_PROCFS_MAX_TYPES 8

enum fs_procfs_kind {
	FS_PROCFS_UNKNOWN = 0,
	FS_PROCFS_BUDDYINFO,
	FS_PROCFS_PAGETYPEINFO,
	FS_PROCFS_ZONEINFO,
	FS_PROCFS_INDEX,               /* debugfs extfrag_index / unusable_index */
};

struct fs_procfs_zone {
	int node;
	char name[16];
	unsigned nr_orders;            /* orders printed (max_order + 1) */
	uint64_t nr_free[FS_NR_ORDERS];  /* free blocks per order, all types */
	bool capped;                   /* a pagetypeinfo count was ">100000" */
	/* pagetypeinfo's free rows by type: [index in rec->free_types][order],
	 * and the orders whose count was ">100000" (bit per order) */
	uint64_t type_free[FS_PROCFS_MAX_TYPES][FS_NR_ORDERS];
	uint32_t type_capped[FS_PROCFS_MAX_TYPES];
	uint64_t pageblocks[FS_PROCFS_MAX_TYPES];  /* pagetypeinfo: blocks per type */
	bool has_pageblocks;
	uint64_t start_pfn, spanned, present, managed;  /* zoneinfo */
	bool has_geometry;
};

struct fs_procfs_rec {
	enum fs_procfs_kind kind;
	char *header;                  /* the "### capture_snap" line, or NULL */
	long seq;                      /* from the header, -1 if none */
	uint64_t line;                 /* first line of the record in the file */
	char *body;                    /* the record's text (for comparisons) */
	size_t body_len;
	struct fs_procfs_zone *zones;
	unsigned nr_zones;
	int pageblock_order;           /* pagetypeinfo, -1 if not given */
	char type_names[FS_PROCFS_MAX_TYPES][16];   /* "Number of blocks type" columns */
	unsigned nr_types;
	char free_types[FS_PROCFS_MAX_TYPES][16];   /* types of the free rows, as met */
	unsigned nr_free_types;
	bool foreign;                  /* a capture record of another file (meminfo...) */
};

struct fs_procfs_file {
	char *path;
	struct fs_procfs_rec *recs;
	unsigned nr_recs;
};

/* Read a file (plain, gzip or zstd, "-" = stdin) of one or more records.
 * 0, or a negative errno with file:line in err. */
int fs_procfs_load(struct fs_procfs_file *f, const char *path, struct fs_err *err);
void fs_procfs_release(struct fs_procfs_file *f);
const char *fs_procfs_kind_name(enum fs_procfs_kind k);
/* The debugfs files' lines for a record with free counts, exactly as
 * mm/vmstat.c prints them. */
void fs_procfs_print_unusable(FILE *fp, const struct fs_procfs_rec *r);
void fs_procfs_print_extfrag(FILE *fp, const struct fs_procfs_rec *r);
/* Proactive compaction's fragmentation score (mm/compaction.c,
 * fragmentation_score_node): per zone extfrag_for_order(order), weighted by
 * present pages from a zoneinfo record (NULL: zone scores only). */
void fs_procfs_print_score(FILE *fp, const struct fs_procfs_rec *r,
			   const struct fs_procfs_rec *zoneinfo, unsigned order);
/* A machine from the first zoneinfo record of a file: populated zones with
 * their start_pfn and spanned pages; spanned - present pages become a hole
 * at the x86 ISA hole (0x9f..0xff) when the zone covers it and the count
 * fits, else at the zone's end. max_order 10, pageblock_order 9. */
int fs_procfs_layout(const char *path, struct fs_layout *l, struct fs_err *err);
/* Geometry of a zoneinfo record. */
void fs_procfs_print_zones(FILE *fp, const struct fs_procfs_rec *r);

#endif
