/* test_procfs.c - /proc readers and the debugfs layouts (sim/procfs.c):
 * the reference's worked fragmentation index example, and every snapshot
 * of the two 6.18 captures (copied from ../shared/traces/NAME/snapshots
 * into tests/cli/inspect/): fragsim's unusable_index and extfrag_index for
 * each buddyinfo record must equal, byte for byte, the debugfs files the
 * capture read at the same moment. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

#define SNAPS "tests/cli/inspect/"

static char *write_tmp(const char *text)
{
	char *path = malloc(64);
	int fd;

	snprintf(path, 64, "/tmp/fragsim-procfs-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void load_text(struct fs_procfs_file *f, const char *text)
{
	char *path = write_tmp(text);
	struct fs_err err = { "" };

	cr_assert_eq(fs_procfs_load(f, path, &err), 0, "%s", err.msg);
	unlink(path);
	free(path);
}

static char *render(void (*fn)(FILE *, const struct fs_procfs_rec *), const struct fs_procfs_rec *r)
{
	char *buf = NULL;
	size_t len;
	FILE *fp = open_memstream(&buf, &len);

	fn(fp, r);
	fclose(fp);
	return buf;
}

/* Reference 3.2: free_pages 1000, 400 blocks, none of order >= 4:
 * 1000 - (1000 + 1000 * 1000 / 16) / 400 = 842, printed " 0.842"; order 3:
 * 1000 - (1000 + 125000) / 400 = 685. */
Test(procfs, worked_fragmentation_index)
{
	struct fs_procfs_file f;
	char *s;

	load_text(&f, "Node 0, zone   Normal    200      0    200      0      0      0      0      0      0      0      0 \n");
	cr_assert_eq(f.nr_recs, 1);
	cr_assert_eq(f.recs[0].kind, FS_PROCFS_BUDDYINFO);
	cr_assert_eq(f.recs[0].nr_zones, 1);
	cr_assert_eq(f.recs[0].zones[0].nr_orders, 11);
	s = render(fs_procfs_print_extfrag, &f.recs[0]);
	cr_assert_str_eq(s, "Node 0, zone   Normal -1.000 -1.000 -1.000  0.685  0.842  0.920  0.959  0.978  "
			    "0.988  0.993  0.996 \n");
	free(s);
	s = render(fs_procfs_print_unusable, &f.recs[0]);
	cr_assert_str_eq(s, "Node 0, zone   Normal 0.000 0.200 0.200 1.000 1.000 1.000 1.000 1.000 1.000 "
			    "1.000 1.000 \n");
	free(s);
	fs_procfs_release(&f);
}

static const struct fs_procfs_rec *by_seq(const struct fs_procfs_file *f, long seq)
{
	for (unsigned i = 0; i < f->nr_recs; i++)
		if (f->recs[i].seq == seq)
			return &f->recs[i];
	return NULL;
}

/* Every record of both captures. One differs: build seq=15's
 * unusable_index was read 3.3 ms after its buddyinfo, and Normal's order-6
 * value had moved from 0.076 to 0.075 in between (its pagetypeinfo, read
 * between the two, still gives 0.076). */
static void check_capture(const char *name, unsigned want_records, long differing_unusable_seq)
{
	struct fs_procfs_file b, u, e;
	struct fs_err err = { "" };
	char path[256];
	unsigned checked = 0;

	snprintf(path, sizeof(path), SNAPS "%s-buddyinfo.txt.zst", name);
	cr_assert_eq(fs_procfs_load(&b, path, &err), 0, "%s", err.msg);
	snprintf(path, sizeof(path), SNAPS "%s-unusable_index.txt.zst", name);
	cr_assert_eq(fs_procfs_load(&u, path, &err), 0, "%s", err.msg);
	snprintf(path, sizeof(path), SNAPS "%s-extfrag_index.txt.zst", name);
	cr_assert_eq(fs_procfs_load(&e, path, &err), 0, "%s", err.msg);
	cr_assert_eq(b.nr_recs, want_records);
	cr_assert_eq(u.nr_recs, want_records);
	cr_assert_eq(e.nr_recs, want_records);
	for (unsigned i = 0; i < b.nr_recs; i++) {
		const struct fs_procfs_rec *r = &b.recs[i], *ur = by_seq(&u, r->seq),
					   *er = by_seq(&e, r->seq);
		char *us = render(fs_procfs_print_unusable, r), *es = render(fs_procfs_print_extfrag, r);

		cr_assert_eq(r->kind, FS_PROCFS_BUDDYINFO);
		cr_assert_eq(ur->kind, FS_PROCFS_INDEX);
		cr_assert(ur && er, "seq %ld missing", r->seq);
		if (r->seq == differing_unusable_seq)
			cr_assert_str_neq(us, ur->body);
		else
			cr_assert_str_eq(us, ur->body, "%s seq=%ld unusable_index", name, r->seq);
		cr_assert_str_eq(es, er->body, "%s seq=%ld extfrag_index", name, r->seq);
		checked++;
		free(us);
		free(es);
	}
	cr_assert_eq(checked, want_records);
	fs_procfs_release(&b);
	fs_procfs_release(&u);
	fs_procfs_release(&e);
}

Test(procfs, build_capture_equals_debugfs)
{
	check_capture("build", 22, 15);
}

Test(procfs, anon_churn_capture_equals_debugfs)
{
	check_capture("anon-churn", 23, -2);
}

/* pagetypeinfo summed over types equals buddyinfo of the same record
 * (read 0.2 ms apart, unchanged in build seq=0). */
Test(procfs, pagetypeinfo_sums_to_buddyinfo)
{
	struct fs_procfs_file p, b;
	struct fs_err err = { "" };
	const struct fs_procfs_rec *pr, *br;

	cr_assert_eq(fs_procfs_load(&p, SNAPS "build-pagetypeinfo.txt.zst", &err), 0, "%s", err.msg);
	cr_assert_eq(fs_procfs_load(&b, SNAPS "build-buddyinfo.txt.zst", &err), 0, "%s", err.msg);
	pr = by_seq(&p, 0);
	br = by_seq(&b, 0);
	cr_assert_eq(pr->kind, FS_PROCFS_PAGETYPEINFO);
	cr_assert_eq(pr->pageblock_order, 9);
	cr_assert_eq(pr->nr_types, 5);
	cr_assert_str_eq(pr->type_names[2], "Reclaimable");
	cr_assert_eq(pr->nr_zones, 3);
	for (unsigned z = 0; z < 3; z++) {
		cr_assert_str_eq(pr->zones[z].name, br->zones[z].name);
		cr_assert_eq(memcmp(pr->zones[z].nr_free, br->zones[z].nr_free,
				    sizeof(pr->zones[z].nr_free)), 0, "zone %s", pr->zones[z].name);
		cr_assert(pr->zones[z].has_pageblocks);
	}
	cr_assert_eq(pr->zones[2].pageblocks[0], 296);   /* Normal: Unmovable */
	cr_assert_eq(pr->zones[2].pageblocks[1], 1075);  /* Movable */
	fs_procfs_release(&p);
	fs_procfs_release(&b);
}

/* 6.1+ caps a free list's count at ">100000" (constructed). */
Test(procfs, pagetypeinfo_capped)
{
	struct fs_procfs_file f;

	load_text(&f,
		  "Page block order: 9\n"
		  "Pages per block:  512\n"
		  "\n"
		  "Free pages count per migrate type at order       0      1      2 \n"
		  "Node    0, zone   Normal, type    Unmovable      5      1      0 \n"
		  "Node    0, zone   Normal, type      Movable >100000  20000      3 \n"
		  "\n"
		  "Number of blocks type     Unmovable      Movable \n"
		  "Node 0, zone   Normal           10         2000 \n"
		  "\n"
		  "Number of mixed blocks    Unmovable      Movable \n"
		  "Node 0, zone   Normal            1            0 \n");
	cr_assert_eq(f.recs[0].kind, FS_PROCFS_PAGETYPEINFO);
	cr_assert_eq(f.recs[0].nr_zones, 1);
	cr_assert(f.recs[0].zones[0].capped);
	cr_assert_eq(f.recs[0].zones[0].nr_orders, 3);
	cr_assert_eq(f.recs[0].zones[0].nr_free[0], 100005);
	cr_assert_eq(f.recs[0].zones[0].nr_free[1], 20001);
	cr_assert_eq(f.recs[0].zones[0].pageblocks[1], 2000);
	fs_procfs_release(&f);
}

Test(procfs, zoneinfo_geometry_and_score)
{
	struct fs_procfs_file z, b;
	struct fs_err err = { "" };
	const struct fs_procfs_rec *zr;
	char *buf = NULL;
	size_t len;
	FILE *fp;

	cr_assert_eq(fs_procfs_load(&z, SNAPS "build-zoneinfo.txt.zst", &err), 0, "%s", err.msg);
	cr_assert_eq(fs_procfs_load(&b, SNAPS "build-buddyinfo.txt.zst", &err), 0, "%s", err.msg);
	zr = by_seq(&z, 0);
	cr_assert_eq(zr->kind, FS_PROCFS_ZONEINFO);
	cr_assert_eq(zr->nr_zones, 5);
	cr_assert_str_eq(zr->zones[0].name, "DMA");
	cr_assert_eq(zr->zones[0].start_pfn, 1);
	cr_assert_eq(zr->zones[0].spanned, 4095);
	cr_assert_eq(zr->zones[0].present, 3998);
	cr_assert_eq(zr->zones[0].managed, 3840);
	cr_assert_eq(zr->zones[2].start_pfn, 0x100000);
	cr_assert_eq(zr->zones[3].present, 0);
	/* Normal: unusable 0.570 at order 9 -> extfrag_for_order 36 (%),
	 * weighted 5505024 * 36 / (6291358 + 1) = 31; DMA 6 -> 0 */
	fp = open_memstream(&buf, &len);
	fs_procfs_print_score(fp, by_seq(&b, 0), zr, 9);
	fclose(fp);
	cr_assert(strstr(buf, "zone   Normal score  36  weighted  31"), "%s", buf);
	cr_assert(strstr(buf, "Node 0 fragmentation score 31 "), "%s", buf);
	free(buf);
	fs_procfs_release(&z);
	fs_procfs_release(&b);
}

Test(procfs, malformed)
{
	char *path = write_tmp("Node 0, zone      DMA      0      1 \nNode 0, zone    DMA32      x      1 \n");
	struct fs_procfs_file f;
	struct fs_err err = { "" };

	cr_assert_eq(fs_procfs_load(&f, path, &err), -EINVAL);
	cr_assert(strstr(err.msg, ":2: expected a free block count"), "%s", err.msg);
	unlink(path);
	free(path);
	path = write_tmp("hello world\n");
	cr_assert_eq(fs_procfs_load(&f, path, &err), -EINVAL);
	cr_assert(strstr(err.msg, ":1: not a /proc buddyinfo"), "%s", err.msg);
	unlink(path);
	free(path);
}

/* --machine zoneinfo:FILE on the build capture gives exactly the machine
 * traces/vm-24g.yaml describes by hand (holes included). */
Test(procfs, layout_from_zoneinfo_equals_vm_yaml)
{
	struct fs_layout z, y;
	struct fs_err err = { "" };

	cr_assert_eq(fs_procfs_layout(SNAPS "build-zoneinfo.txt.zst", &z, &err), 0, "%s", err.msg);
	cr_assert_eq(fs_layout_load_yaml(&y, "traces/vm-24g.yaml", &err), 0, "%s", err.msg);
	cr_assert_eq(z.nr_zones, 3);
	cr_assert_eq(z.nr_zones, y.nr_zones);
	for (unsigned i = 0; i < z.nr_zones; i++) {
		cr_assert_str_eq(z.zones[i].name, y.zones[i].name);
		cr_assert_eq(z.zones[i].start_pfn, y.zones[i].start_pfn);
		cr_assert_eq(z.zones[i].nr_pages, y.zones[i].nr_pages);
	}
	cr_assert_eq(z.nr_holes, 2);
	cr_assert_eq(z.nr_holes, y.nr_holes);
	for (unsigned i = 0; i < z.nr_holes; i++) {
		cr_assert_eq(z.holes[i].start_pfn, y.holes[i].start_pfn, "hole %u", i);
		cr_assert_eq(z.holes[i].nr_pages, y.holes[i].nr_pages, "hole %u", i);
	}
	cr_assert_eq(z.max_order, 10);
	cr_assert_eq(z.pageblock_order, 9);
	cr_assert_eq(fs_procfs_layout(SNAPS "build-buddyinfo.txt.zst", &z, &err), -EINVAL);
	cr_assert(strstr(err.msg, "no /proc/zoneinfo record"), "%s", err.msg);
}
