/* plot.h - `fragsim plot`: gnuplot scripts and their data from fragsim's
 * CSVs (read by column name, never by position: columns get added), and
 * the memory map `replay --dump-map` writes.
 *
 *   csv.c       a small RFC 4180 reader: header, rows, columns by name
 *   plot.c      time series, free-blocks heatmap, bar charts; running gnuplot
 *   plot_map.c  the memory map picture: one cell per pageblock
 *
 * Every plot is three files side by side: OUT.png (or .svg), OUT.gp (the
 * script, to tweak and rerun with `cd DIR && gnuplot OUT.gp`) and OUT.dat
 * (its data). The script and data are written without gnuplot, so they are
 * unit-tested without it; fs_plot_render runs gnuplot on the script. */
#ifndef FRAGSIM_PLOT_H
#define FRAGSIM_PLOT_H

#include "internal.h"

/* "csv.c" */
struct fs_csv {
	char *buf;                    /* the file, fields NUL-terminated in place */
	char **cell;                  /* nrows * ncols pointers; missing fields "" */
	char **head;                  /* ncols names */
	unsigned ncols;
	size_t nrows;
	char *path;
};
int fs_csv_load(struct fs_csv *t, const char *path, struct fs_err *err);
void fs_csv_release(struct fs_csv *t);
int fs_csv_col(const struct fs_csv *t, const char *name);          /* -1 if absent */
static inline const char *fs_csv_get(const struct fs_csv *t, size_t row, unsigned col)
{
	return t->cell[row * t->ncols + col];
}
/* The numeric columns (those of the first row that parse as numbers),
 * comma-separated, for "unknown metric" errors. */
void fs_csv_numeric_cols(const struct fs_csv *t, char *buf, size_t len);

/* "plot.c" */
struct fs_plot {
	const char *out;              /* OUT.png or OUT.svg */
	const char *title;            /* NULL: made from the inputs */
	unsigned width, height;       /* pixels; 0: 1000 x 600 */
	bool by_key;                  /* map: colour pageblocks by allocator key, not migrate type */
};
/* OUT without its extension + ext, into buf */
void fs_plot_sibling(const char *out, const char *ext, char *buf, size_t len);
/* The script's opening: terminal by OUT's extension, output name overridable
 * with gnuplot -e "outfile='...'" (fs_plot_render renders to a temporary
 * name and renames). */
void fs_plot_preamble(FILE *fp, const struct fs_plot *p);
/* Quote s for a gnuplot string ('...', quotes doubled). */
void fs_plot_quote(FILE *fp, const char *s);

/* One line per policy (and CSV), x = time_s. metric is a column; rate
 * plots its change per second (for cumulative counters); zone "all" by
 * default. */
int fs_plot_timeseries(const struct fs_plot *p, const char *const *csvs, unsigned n,
		       const char *metric, bool rate, const char *zone, struct fs_err *err);
/* free_blocks_<order> over time for one policy and zone, log colour scale. */
int fs_plot_heatmap(const struct fs_plot *p, const char *csv, const char *policy,
		    const char *zone, struct fs_err *err);
/* One bar per policy and input of a batch's summary.csv (mean over seeds,
 * min..max error bars when there are several). */
int fs_plot_bars(const struct fs_plot *p, const char *summary, const char *metric,
		 struct fs_err *err);
/* Run gnuplot on OUT.gp in OUT's directory, writing OUT atomically.
 * -ENOENT with the package to install when gnuplot is missing. */
int fs_plot_render(const struct fs_plot *p, struct fs_err *err);
bool fs_plot_have_gnuplot(void);

/* "plot_map.c": a cell's colour, 0xRRGGBB: the migrate type's colour
 * mixed with white by how full the pageblock is (0..1) */
unsigned fs_plot_map_colour(const char *type, double fullness);
/* The memory map of `replay --dump-map` for one policy
 * (NULL: the first in the file). */
int fs_plot_map(const struct fs_plot *p, const char *mapfile, const char *policy,
		struct fs_err *err);

#endif
