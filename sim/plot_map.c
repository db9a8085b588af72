/* plot_map.c - the memory map picture: one cell per pageblock in a grid,
 * row after row in pfn order (the textbook's picture of a fragmented
 * memory, seeds/textbook-ch3-fragmentation.txt, for a real machine):
 *
 *   colour   the pageblock's migrate type (unmovable red, movable green,
 *            reclaimable blue, highatomic purple, others grey)
 *   shade    how full it is: pale when few of its pages are allocated,
 *            saturated when all are
 *   blank    a pageblock entirely free; holes and pfns outside zones are
 *            light grey hatching
 *
 * The data are one gnuplot box per cell with its colour as 0xRRGGBB. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

static const struct {
	const char *type;
	unsigned rgb;
} colours[] = {
	{ "unmovable", 0xd62728 },
	{ "movable", 0x2ca02c },
	{ "reclaimable", 0x1f77b4 },
	{ "highatomic", 0x9467bd },
};
#define OTHER_RGB 0x7f7f7f
#define HOLE_RGB 0xe8e8e8

/* --by key: the most common keys get these (tab10 without its grey), the
 * rest OTHER_RGB; pageblocks with no keyed allocation NOKEY_RGB */
static const unsigned key_palette[] = { 0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
					0x8c564b, 0xe377c2, 0xbcbd22, 0x17becf };
#define NOKEY_RGB 0xb0b0b0

struct keycount {
	const char *key;
	size_t n;
};

static int by_count(const void *a, const void *b)
{
	const struct keycount *x = a, *y = b;

	return x->n != y->n ? (x->n < y->n ? 1 : -1) : strcmp(x->key, y->key);
}

/* base colour mixed with white: share s of the colour, 0.25 for an almost
 * empty block to 1 for a full one, so that even one page shows */
static unsigned shade(unsigned rgb, double fullness)
{
	double s = 0.25 + 0.75 * (fullness < 0 ? 0 : fullness > 1 ? 1 : fullness);
	unsigned out = 0;

	for (int sh = 16; sh >= 0; sh -= 8) {
		double c = (rgb >> sh) & 0xff;

		out |= (unsigned)(255 - (255 - c) * s + 0.5) << sh;
	}
	return out;
}

unsigned fs_plot_map_colour(const char *type, double fullness)
{
	for (unsigned i = 0; i < FS_ARRAY_SIZE(colours); i++)
		if (!strcmp(colours[i].type, type))
			return shade(colours[i].rgb, fullness);
	return shade(OTHER_RGB, fullness);
}

struct mapcols {
	int time, policy, pb, pfn, zone, type, pages, free, used[3], key;
};

static int columns(const struct fs_csv *t, struct mapcols *c, struct fs_err *err)
{
	static const char *const names[] = { "time_s", "policy", "pageblock", "start_pfn", "zone",
					     "migratetype", "pages", "free_pages", "used_unmovable",
					     "used_movable", "used_reclaimable" };
	int *slot[] = { &c->time, &c->policy, &c->pb, &c->pfn, &c->zone, &c->type, &c->pages,
			&c->free, &c->used[0], &c->used[1], &c->used[2] };

	for (unsigned i = 0; i < FS_ARRAY_SIZE(names); i++)
		if ((*slot[i] = fs_csv_col(t, names[i])) < 0)
			return fs_error(err, -EINVAL, "\"%s\" has no column \"%s\": not a map from fragsim replay --dump-map",
					t->path, names[i]);
	c->key = fs_csv_col(t, "key");          /* maps of session 1 have none */
	return 0;
}

int fs_plot_map(const struct fs_plot *p, const char *mapfile, const char *policy,
		struct fs_err *err)
{
	struct fs_csv t;
	struct mapcols c;
	struct fs_outfile gp, dat;
	char gpath[4096], dpath[4096], title[1200], first_time[32] = "";
	size_t n = 0, nfree = 0, cols, rows, step, mixed_len = 0;
	unsigned pages_per_pb = 0, cell;
	const char **row_pfn, *last_zone = "";
	char (*zone_at)[48];
	char *mixed_buf = NULL;
	FILE *mixed;
	struct keycount *keys = NULL;
	size_t nkeys = 0;
	int rc;

	if ((rc = fs_csv_load(&t, mapfile, err)))
		return rc;
	if ((rc = columns(&t, &c, err)))
		goto out_csv;
	if (!t.nrows) {
		rc = fs_error(err, -EINVAL, "\"%s\" has no pageblocks", mapfile);
		goto out_csv;
	}
	if (!policy) {
		policy = fs_csv_get(&t, 0, (unsigned)c.policy);
		for (size_t r = 0; r < t.nrows; r++)
			if (strcmp(fs_csv_get(&t, r, (unsigned)c.policy), policy)) {
				fprintf(stderr, "fragsim plot: \"%s\" has several policies; drawing \"%s\" (choose with --policy)\n",
					mapfile, policy);
				break;
			}
	}
	for (size_t r = 0; r < t.nrows; r++)
		if (!strcmp(fs_csv_get(&t, r, (unsigned)c.policy), policy)) {
			unsigned pg = (unsigned)atol(fs_csv_get(&t, r, (unsigned)c.pages));

			if (!n)
				snprintf(first_time, sizeof(first_time), "%s", fs_csv_get(&t, r, (unsigned)c.time));
			pages_per_pb = pg > pages_per_pb ? pg : pages_per_pb;
			n++;
		}
	if (!n) {
		rc = fs_error(err, -EINVAL, "\"%s\" has no pageblocks of policy \"%s\"", mapfile, policy);
		goto out_csv;
	}
	if (p->by_key && c.key < 0) {
		rc = fs_error(err, -EINVAL, "\"%s\" has no key column (written by an older fragsim): --by key needs one",
			      mapfile);
		goto out_csv;
	}
	if (p->by_key) {
		/* pageblocks per key, most first: the top ones get colours */
		for (size_t r = 0; r < t.nrows; r++) {
			const char *k = fs_csv_get(&t, r, (unsigned)c.key);
			size_t j;

			if (strcmp(fs_csv_get(&t, r, (unsigned)c.policy), policy) || !strcmp(k, "-"))
				continue;
			for (j = 0; j < nkeys && strcmp(keys[j].key, k); j++)
				;
			if (j == nkeys) {
				keys = fs_xrealloc(keys, (nkeys + 1) * sizeof(*keys));
				keys[nkeys++] = (struct keycount){ k, 0 };
			}
			keys[j].n++;
		}
		qsort(keys, nkeys, sizeof(*keys), by_count);
	}
	/* a grid about twice as wide as high, rows a power of two of pageblocks
	 * so that row starts are round pfns */
	for (cols = 1; cols * cols < 2 * n; cols <<= 1)
		;
	rows = (n + cols - 1) / cols;
	cell = 1100 / (unsigned)cols;
	fs_plot_sibling(p->out, ".gp", gpath, sizeof(gpath));
	fs_plot_sibling(p->out, ".dat", dpath, sizeof(dpath));
	if ((rc = fs_out_open(&dat, dpath, err)))
		goto out_csv;
	if ((rc = fs_out_open(&gp, gpath, err))) {
		fs_out_abort(&dat);
		goto out_csv;
	}
	row_pfn = fs_xcalloc(rows + 1, sizeof(*row_pfn));
	zone_at = fs_xcalloc(rows + 1, sizeof(*zone_at));
	/* index 0: the cells; index 1: a dot in the cells that hold pages of
	 * another type than the pageblock's (mixed), in that type's colour */
	fputs("# column row 0xRRGGBB pageblock start_pfn zone migratetype pages free used\n", dat.fp);
	mixed = open_memstream(&mixed_buf, &mixed_len);
	for (size_t r = 0, i = 0; r < t.nrows; r++) {
		const char *type = fs_csv_get(&t, r, (unsigned)c.type), *zone = fs_csv_get(&t, r, (unsigned)c.zone);
		double pages, nfp, used = 0, u[3], foreign = 0;
		unsigned rgb, fk = 0;

		if (strcmp(fs_csv_get(&t, r, (unsigned)c.policy), policy))
			continue;
		if (i % cols == 0)
			row_pfn[i / cols] = fs_csv_get(&t, r, (unsigned)c.pfn);
		if (strcmp(zone, "-") && strcmp(zone, last_zone)) {     /* a zone starts in this row */
			char *z = zone_at[i / cols];

			snprintf(z + strlen(z), sizeof(zone_at[0]) - strlen(z), "%s%s", *z ? "+" : "", zone);
			last_zone = zone;
		}
		pages = atof(fs_csv_get(&t, r, (unsigned)c.pages));
		nfp = atof(fs_csv_get(&t, r, (unsigned)c.free));
		for (unsigned k = 0; k < 3; k++) {
			used += u[k] = atof(fs_csv_get(&t, r, (unsigned)c.used[k]));
			if (strcmp(type, colours[k].type) && u[k] > foreign) {
				foreign = u[k];
				fk = k;
			}
		}
		i++;
		if (pages <= 0) {
			rgb = HOLE_RGB;
		} else if (nfp >= pages) {
			nfree++;                       /* blank */
			continue;
		} else if (p->by_key) {
			const char *k = fs_csv_get(&t, r, (unsigned)c.key);
			unsigned base = NOKEY_RGB;

			if (strcmp(k, "-")) {
				size_t j;

				for (j = 0; j < nkeys && j < FS_ARRAY_SIZE(key_palette) && strcmp(keys[j].key, k); j++)
					;
				base = j < nkeys && j < FS_ARRAY_SIZE(key_palette) ? key_palette[j] : OTHER_RGB;
			}
			rgb = shade(base, used / pages);
			foreign = 0;                   /* the dots are about migrate types */
		} else {
			rgb = fs_plot_map_colour(type, used / pages);
		}
		if (foreign > 0)
			fprintf(mixed, "%zu %zu 0x%06x\n", (i - 1) % cols, (i - 1) / cols, colours[fk].rgb);
		fprintf(dat.fp, "%zu %zu 0x%06x %s %s %s %s %.0f %.0f %.0f\n", (i - 1) % cols, (i - 1) / cols, rgb,
			fs_csv_get(&t, r, (unsigned)c.pb), fs_csv_get(&t, r, (unsigned)c.pfn), zone, type, pages,
			nfp, used);
	}
	fclose(mixed);
	fprintf(dat.fp, "\n\n# column row 0xRRGGBB: mixed pageblocks, the colour of the other type\n%s", mixed_buf);
	if (!mixed_len)
		fputs("NaN NaN 0\n", dat.fp);              /* gnuplot refuses an empty index */
	free(mixed_buf);
	{
		/* square cells of 3 to 32 pixels, the plot area sized to the grid
		 * and the margins placed in screen coordinates around it */
		struct fs_plot big = *p;
		unsigned L = 200, R = 330, B = 70, T = 60;

		cell = cell < 3 ? 3 : cell > 32 ? 32 : cell;
		if (!big.width) {
			big.width = L + (unsigned)cols * cell + R;
			big.height = B + (unsigned)rows * cell + T;
			if (big.width < 900) {                  /* room for the title */
				R += 900 - big.width;
				big.width = 900;
			}
			if (big.height < 300) {                 /* room for the key */
				T += 300 - big.height;
				big.height = 300;
			}
		}
		fs_plot_preamble(gp.fp, &big);
		if (!p->width)
			fprintf(gp.fp, "set lmargin at screen %.5f\nset rmargin at screen %.5f\n"
				       "set bmargin at screen %.5f\nset tmargin at screen %.5f\n",
				(double)L / big.width, (double)(L + cols * cell) / big.width,
				(double)B / big.height, (double)(B + rows * cell) / big.height);
		else
			fputs("set size ratio -1\n", gp.fp);
	}
	snprintf(title, sizeof(title), "memory map at %s s, policy %s: %zu pageblocks of %u pages, %zu free (blank)",
		 first_time, policy, n, pages_per_pb, nfree);
	/* the title centred on the image (the plot area can be narrower) */
	fputs("set label 1000 ", gp.fp);
	fs_plot_quote(gp.fp, p->title ? p->title : title);
	fputs(" at screen 0.5, screen 1 offset 0, -1.5 center", gp.fp);
	/* rows labelled by their first pfn, and by the zone that starts in them */
	for (step = 1; rows / step > 16; step = step * 2)
		;
	fputs("\nset ytics (", gp.fp);
	for (size_t r = 0, k = 0; r < rows; r++) {
		bool near_zone = false;

		for (size_t z = r > step / 2 ? r - step / 2 : 0; z < rows && z <= r + step / 2; z++)
			near_zone |= *zone_at[z] && z != r;
		if (!*zone_at[r] && (r % step || near_zone))
			continue;
		fprintf(gp.fp, "%s'%s%s%s' %zu", k++ ? ", " : "", zone_at[r], *zone_at[r] ? " " : "",
			row_pfn[r] ? row_pfn[r] : "", r);
	}
	fprintf(gp.fp, ")\nset xtics %zu\n"
		       "set xlabel 'pageblock within the row (%zu per row, pfns ascending; %u KiB each)'\n"
		       "set ylabel 'first pfn of the row'\n"
		       "set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\n"
		       "set grid noxtics noytics\nset tics out nomirror\n"
		       "set key outside right top title '%s (pale: few pages used)'\n"
		       "set style fill solid 1.0 noborder\n"
		       "plot data index 0 using 1:2:(0.5):(0.5):3 with boxxyerror lc rgb variable notitle, \\\n"
		       "  data index 1 using 1:2:3 with points pt 7 ps %.2f lc rgb variable notitle",
		cols / 8 ? cols / 8 : 1, cols, pages_per_pb * 4, cols - 1, rows - 1,
		p->by_key ? "allocator key" : "migrate type", cell / 12.0);
	if (p->by_key) {
		for (size_t i = 0; i < nkeys && i < FS_ARRAY_SIZE(key_palette); i++) {
			fprintf(gp.fp, ", \\\n  NaN with boxes lc rgb '#%06x' title ", key_palette[i]);
			fs_plot_quote(gp.fp, keys[i].key);
		}
		if (nkeys > FS_ARRAY_SIZE(key_palette))
			fprintf(gp.fp, ", \\\n  NaN with boxes lc rgb '#%06x' title 'other keys'", OTHER_RGB);
		fprintf(gp.fp, ", \\\n  NaN with boxes lc rgb '#%06x' title 'no keyed allocation'", NOKEY_RGB);
	} else {
		for (unsigned i = 0; i < FS_ARRAY_SIZE(colours); i++)
			fprintf(gp.fp, ", \\\n  NaN with boxes lc rgb '#%06x' title '%s'", colours[i].rgb, colours[i].type);
	}
	fprintf(gp.fp, ", \\\n  NaN with boxes lc rgb '#%06x' title 'hole / outside zones'%s\n", HOLE_RGB,
		p->by_key ? "" : ", \\\n  NaN with points pt 7 lc rgb '#000000' title 'dot: holds pages of another type'");
	free(row_pfn);
	free(zone_at);
	if ((rc = fs_out_commit(&dat, err)))
		fs_out_abort(&gp);
	else
		rc = fs_out_commit(&gp, err);
out_csv:
	free(keys);
	fs_csv_release(&t);
	return rc;
}
