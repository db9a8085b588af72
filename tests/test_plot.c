/* test_plot.c - the plots' scripts and data without gnuplot (sim/plot.c,
 * sim/plot_map.c), the CSV reader (sim/csv.c) and the memory map dump
 * (sim/map.c). Rendering is tested from the CLI when gnuplot is there. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plot.h"
#include "test_util.h"

static char tmpdir[64];

static void setup_dir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fs-test-plot.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown_dir(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

static char *path_of(const char *name)
{
	static char buf[4][256];
	static unsigned k;

	snprintf(buf[k % 4], sizeof(buf[0]), "%s/%s", tmpdir, name);
	return buf[k++ % 4];
}

static void write_file(const char *name, const char *text)
{
	FILE *fp = fopen(path_of(name), "w");

	cr_assert_not_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static char *slurp(const char *name)
{
	FILE *fp = fopen(path_of(name), "r");
	char *buf = calloc(1, 1 << 16);
	size_t n;

	cr_assert_not_null(fp, "%s not written", name);
	n = fread(buf, 1, (1 << 16) - 1, fp);
	buf[n] = 0;
	fclose(fp);
	return buf;
}

Test(csv, quoted_fields_and_comments, .init = setup_dir, .fini = teardown_dir)
{
	struct fs_csv t;
	struct fs_err err = { "" };

	write_file("a.csv", "# a comment\nx,policy,y\r\n1,\"a:b=1,c=2\",3\r\n4,\"say \"\"hi\"\"\"\n5\n");
	cr_assert_eq(fs_csv_load(&t, path_of("a.csv"), &err), 0, "%s", err.msg);
	cr_assert_eq(t.ncols, 3);
	cr_assert_eq(t.nrows, 3);
	cr_assert_eq(fs_csv_col(&t, "policy"), 1);
	cr_assert_eq(fs_csv_col(&t, "nosuch"), -1);
	cr_assert_str_eq(fs_csv_get(&t, 0, 1), "a:b=1,c=2");
	cr_assert_str_eq(fs_csv_get(&t, 0, 2), "3");
	cr_assert_str_eq(fs_csv_get(&t, 1, 1), "say \"hi\"");
	cr_assert_str_eq(fs_csv_get(&t, 1, 2), "", "missing fields are empty");
	cr_assert_str_eq(fs_csv_get(&t, 2, 0), "5");
	fs_csv_release(&t);
}

/* Columns in another order than replay writes them, and one replay does
 * not write: the plots must find theirs by name. */
static const char run_csv[] =
	"zone,policy,extra_column,time_s,unusable_9,extfrag_events,free_blocks_0,free_blocks_1,free_blocks_2\n"
	"Normal,buddy,7,0.000000,0.100,0,4,0,1\n"
	"all,buddy,7,0.000000,0.200,0,4,0,1\n"
	"all,\"linux-6.15:pcp=off,boost=0\",7,0.000000,0.300,0,4,0,1\n"
	"all,buddy,7,1.000000,0.250,10,3,2,0\n"
	"all,\"linux-6.15:pcp=off,boost=0\",7,1.000000,0.350,4,0,0,1\n"
	"all,buddy,7,3.000000,0.500,30,0,5,2\n"
	"all,\"linux-6.15:pcp=off,boost=0\",7,3.000000,0.400,4,9,0,1\n";

Test(plot, timeseries_script_and_data, .init = setup_dir, .fini = teardown_dir)
{
	struct fs_plot p = { .out = path_of("ts.png") };
	struct fs_err err = { "" };
	const char *csvs[1];
	char *dat, *gp;

	write_file("run.csv", run_csv);
	csvs[0] = path_of("run.csv");
	cr_assert_eq(fs_plot_timeseries(&p, csvs, 1, "unusable_9", false, "all", &err), 0, "%s", err.msg);
	dat = slurp("ts.dat");
	/* zone=all rows only, one block per policy */
	cr_assert(strstr(dat, "# run: buddy, zone all\n0.000000 0.2\n1.000000 0.25\n3.000000 0.5\n\n\n"), "%s", dat);
	cr_assert(strstr(dat, "# run: linux-6.15:pcp=off,boost=0, zone all\n0.000000 0.3\n1.000000 0.35\n3.000000 0.4\n"), "%s", dat);
	cr_assert_null(strstr(dat, "0.1\n"), "a Normal row was plotted");
	gp = slurp("ts.gp");
	cr_assert(strstr(gp, "set terminal pngcairo"), "%s", gp);
	cr_assert(strstr(gp, "if (!exists(\"outfile\")) outfile = 'ts.png'"), "%s", gp);
	cr_assert(strstr(gp, "data = 'ts.dat'"));
	cr_assert(strstr(gp, "set xlabel 'time (s)'"));
	cr_assert(strstr(gp, "set ylabel 'unusable free space index at order 9 (0 = none, 1 = all unusable)'"), "%s", gp);
	cr_assert(strstr(gp, "set title 'unusable_9, zone all: run'"), "%s", gp);
	cr_assert(strstr(gp, "data index 0 using 1:2 with lines lw 2 title 'buddy'"), "%s", gp);
	cr_assert(strstr(gp, "data index 1 using 1:2 with lines lw 2 title 'linux-6.15:pcp=off,boost=0'"), "%s", gp);
	free(dat);
	free(gp);
}

Test(plot, timeseries_rate_svg_and_title, .init = setup_dir, .fini = teardown_dir)
{
	struct fs_plot p = { .out = path_of("r.svg"), .title = "it's mine" };
	struct fs_err err = { "" };
	const char *csvs[1];
	char *dat, *gp;

	write_file("run.csv", run_csv);
	/* the input's name comes from the run's JSON summary beside the CSV */
	write_file("run.json", "{\"inputs\": [{\"path\": \"/x/build-2s.trace\"}]}");
	csvs[0] = path_of("run.csv");
	cr_assert_eq(fs_plot_timeseries(&p, csvs, 1, "extfrag_events", true, "all", &err), 0, "%s", err.msg);
	dat = slurp("r.dat");
	/* cumulative 0, 10, 30 at 0, 1, 3 s: 10/s, then 20/2 = 10/s */
	cr_assert(strstr(dat, "# build-2s.trace: buddy, zone all\n1.000000 10\n3.000000 10\n"), "%s", dat);
	cr_assert(strstr(dat, "1.000000 4\n3.000000 0\n"), "%s", dat);
	gp = slurp("r.gp");
	cr_assert(strstr(gp, "set terminal svg"), "%s", gp);
	cr_assert(strstr(gp, "set title 'it''s mine'"), "%s", gp);
	cr_assert(strstr(gp, "extfrag_events per second (/s)"), "%s", gp);
	free(dat);
	free(gp);
}

Test(plot, errors_name_what_is_available, .init = setup_dir, .fini = teardown_dir)
{
	struct fs_plot p = { .out = path_of("e.png") };
	struct fs_err err = { "" };
	const char *csvs[1];

	write_file("run.csv", run_csv);
	csvs[0] = path_of("run.csv");
	cr_assert_neq(fs_plot_timeseries(&p, csvs, 1, "unusable_99", false, "all", &err), 0);
	cr_assert(strstr(err.msg, "unknown metric \"unusable_99\""), "%s", err.msg);
	cr_assert(strstr(err.msg, "available: extra_column, unusable_9, extfrag_events, free_blocks_0..2)"), "%s", err.msg);
	cr_assert(access(path_of("e.gp"), F_OK), "a script was left for a failed plot");
	cr_assert_neq(fs_plot_timeseries(&p, csvs, 1, "unusable_9", false, "DMA", &err), 0);
	cr_assert(strstr(err.msg, "no zone \"DMA\" (zones: Normal, all)"), "%s", err.msg);
	cr_assert_neq(fs_plot_heatmap(&p, csvs[0], NULL, "all", &err), 0);
	cr_assert(strstr(err.msg, "several policies: choose one with --policy (policies: buddy, linux-6.15:pcp=off,boost=0)"),
		  "%s", err.msg);
}

Test(plot, heatmap_boxes, .init = setup_dir, .fini = teardown_dir)
{
	struct fs_plot p = { .out = path_of("h.png") };
	struct fs_err err = { "" };
	char *dat, *gp;

	write_file("run.csv", run_csv);
	cr_assert_eq(fs_plot_heatmap(&p, path_of("run.csv"), "buddy", "all", &err), 0, "%s", err.msg);
	dat = slurp("h.dat");
	/* sample at 0 s spans to 1 s (centre 0.5, half width 0.5); at 1 s to
	 * 3 s; the last as wide as the one before; no box for an empty list */
	cr_assert(strstr(dat, "0.500000 0 0.500000 0.5 4\n0.500000 2 0.500000 0.5 1\n"), "%s", dat);
	cr_assert(strstr(dat, "2.000000 0 1.000000 0.5 3\n2.000000 1 1.000000 0.5 2\n"), "%s", dat);
	cr_assert(strstr(dat, "4.000000 1 1.000000 0.5 5\n4.000000 2 1.000000 0.5 2\n"), "%s", dat);
	cr_assert_null(strstr(dat, "0.500000 1 "), "a box for zero free blocks");
	gp = slurp("h.gp");
	cr_assert(strstr(gp, "set logscale cb"));
	cr_assert(strstr(gp, "set yrange [-0.5:2.5]"), "%s", gp);
	cr_assert(strstr(gp, "set ylabel 'block order (2^order pages)'"));
	cr_assert(strstr(gp, "policy buddy"));
	free(dat);
	free(gp);
}

Test(plot, bars_mean_over_seeds, .init = setup_dir, .fini = teardown_dir)
{
	struct fs_plot p = { .out = path_of("b.png") };
	struct fs_err err = { "" };
	char *dat, *gp;

	write_file("summary.csv",
		   "run_id,input,policy,seed,status,unusable_pb_final,pages_migrated\n"
		   "a,w.yaml,buddy,1,done,0.5,\n"
		   "b,w.yaml,buddy,2,done,0.7,\n"
		   "c,w.yaml,linux-6.15,1,done,0.1,\n"
		   "d,w.yaml,linux-6.15,2,incomplete,,\n"
		   "e,t.trace,buddy,,done,0.9,\n");
	cr_assert_eq(fs_plot_bars(&p, path_of("summary.csv"), "unusable_pb_final", &err), 0, "%s", err.msg);
	dat = slurp("b.dat");
	cr_assert(strstr(dat, "1.0 0.6 0.5 0.7 1 \"buddy\"\n2.0 0.1 0.1 0.1 2 \"linux-6.15\"\n4.0 0.9 0.9 0.9 1 \"buddy\"\n"),
		  "%s", dat);
	gp = slurp("b.gp");
	cr_assert(strstr(gp, "yerrorbars"), "several seeds: min..max bars");
	cr_assert(strstr(gp, "set label 2 't.trace' at first 4.0"), "%s", gp);
	cr_assert(strstr(gp, "final unusable free space index at pageblock order"), "%s", gp);
	free(dat);
	free(gp);
	/* a counter no run has: an error, not bars of zero */
	cr_assert_neq(fs_plot_bars(&p, path_of("summary.csv"), "pages_migrated", &err), 0);
	cr_assert(strstr(err.msg, "no run in"), "%s", err.msg);
}

Test(plot, map_colours)
{
	/* pale for an almost empty block, the full colour for a full one */
	cr_assert_eq(fs_plot_map_colour("unmovable", 1.0), 0xd62728);
	cr_assert_eq(fs_plot_map_colour("movable", 0.0), 0xcae7ca);
	cr_assert_eq(fs_plot_map_colour("cma", 1.0), 0x7f7f7f);
}

/* 32 pages, pageblocks of 8: an order-0 and an order-2 allocation land in
 * pageblock 0 (the lowest free pieces), the other three stay free. */
Test(map, dump_rows_and_plot, .init = setup_dir, .fini = teardown_dir)
{
	struct fs_sim *s = tu_sim("buddy", 32, 5, 3);
	struct fs_event e = { .time_ns = 1000, .ident = 1, .kind = FS_EV_ALLOC, .order = 0,
			      .mt = FS_MT_UNMOVABLE, .flags = FS_EVF_HAS_MT };
	struct fs_plot p = { .out = path_of("m.png") };
	struct fs_err err = { "" };
	char *buf = NULL, *dat;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	struct fs_keytab keys;

	fs_keytab_init(&keys);
	e.key = fs_keytab_intern(&keys, "net", 3);
	cr_assert_eq(fs_sim_apply(s, &e), 0);
	e.ident = 2;
	e.order = 2;
	e.mt = FS_MT_RECLAIMABLE;
	e.key = fs_keytab_intern(&keys, "cache,x", 7);
	cr_assert_eq(fs_sim_apply(s, &e), 0);
	fs_map_write(fp, s, 1500000000ull, true, &keys);
	fclose(fp);
	cr_assert(strstr(buf, "time_s,policy,pageblock,start_pfn,zone,migratetype,pages,free_pages,"
			      "used_unmovable,used_movable,used_reclaimable,key\n"), "%s", buf);
	/* the key of most pages (4 of "cache,x" against 1 of "net"), quoted */
	cr_assert(strstr(buf, "1.500000,buddy,0,0x0,Normal,movable,8,3,1,0,4,\"cache,x\"\n"), "%s", buf);
	cr_assert(strstr(buf, "1.500000,buddy,1,0x8,Normal,movable,8,8,0,0,0,-\n"), "%s", buf);
	cr_assert(strstr(buf, "1.500000,buddy,3,0x18,Normal,movable,8,8,0,0,0,-\n"), "%s", buf);
	fs_keytab_release(&keys);
	write_file("m.map", buf);
	free(buf);
	fs_sim_free(s);
	cr_assert_eq(fs_plot_map(&p, path_of("m.map"), NULL, &err), 0, "%s", err.msg);
	dat = slurp("m.dat");
	/* one cell drawn (pageblock 0: 5 of 8 pages used, movable: green
	 * shaded), three blank; a dot: it holds pages of other types, the
	 * most of them reclaimable (blue) */
	cr_assert(strstr(dat, "0 0 0x"), "%s", dat);
	cr_assert_null(strstr(dat, "\n1 0 0x"), "a free pageblock was drawn: %s", dat);
	cr_assert(strstr(dat, "\n\n\n# column row 0xRRGGBB: mixed pageblocks, the colour of the other type\n0 0 0x1f77b4\n"),
		  "%s", dat);
	free(dat);
}
