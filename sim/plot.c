/* plot.c - gnuplot scripts and data for fragsim's CSVs: a metric over time
 * per policy, free blocks per order over time (buddyinfo as a heatmap), bar
 * charts of a batch's summary; and running gnuplot on them.
 *
 * Columns are found by name. Axis labels carry units, the legend names
 * the policies, the title the input (from the run's JSON summary beside the
 * CSV when there is one) and the policy. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plot.h"

void fs_plot_sibling(const char *out, const char *ext, char *buf, size_t len)
{
	const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');
	size_t n = dot && (!slash || dot > slash + 1) ? (size_t)(dot - out) : strlen(out);

	snprintf(buf, len, "%.*s%s", (int)n, out, ext);
}

static const char *base_name(const char *p)
{
	return strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
}

void fs_plot_quote(FILE *fp, const char *s)
{
	fputc('\'', fp);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', fp);
		if (*s != '\n')
			fputc(*s, fp);
	}
	fputc('\'', fp);
}

static bool is_svg(const char *out)
{
	size_t n = strlen(out);

	return n > 4 && !strcmp(out + n - 4, ".svg");
}

void fs_plot_preamble(FILE *fp, const struct fs_plot *p)
{
	unsigned w = p->width ? p->width : 1000, h = p->height ? p->height : 600;
	char dat[4096];

	fs_plot_sibling(base_name(p->out), ".dat", dat, sizeof(dat));
	fputs("# Written by fragsim plot. Rerun after editing with:\n#   cd ", fp);
	fprintf(fp, "%.*s && gnuplot ", (int)(base_name(p->out) - p->out), p->out);
	fs_plot_sibling(base_name(p->out), ".gp\n", dat, sizeof(dat));
	fputs(dat, fp);
	fputs("if (!exists(\"outfile\")) outfile = ", fp);
	fs_plot_quote(fp, base_name(p->out));
	fputc('\n', fp);
	if (is_svg(p->out))
		fprintf(fp, "set terminal svg size %u,%u dynamic font 'sans,11' background '#ffffff'\n", w, h);
	else
		fprintf(fp, "set terminal pngcairo size %u,%u font 'sans,10' background '#ffffff'\n", w, h);
	fputs("set output outfile\n"
	      "set termoption noenhanced   # policy and column names have underscores\n"
	      "set grid lc rgb '#dddddd'\n", fp);
	/* ten colours that stay apart on white (gnuplot's fifth is a pale yellow) */
	fputs("set linetype 1 lc rgb '#1f77b4'\nset linetype 2 lc rgb '#ff7f0e'\nset linetype 3 lc rgb '#2ca02c'\n"
	      "set linetype 4 lc rgb '#d62728'\nset linetype 5 lc rgb '#9467bd'\nset linetype 6 lc rgb '#8c564b'\n"
	      "set linetype 7 lc rgb '#e377c2'\nset linetype 8 lc rgb '#7f7f7f'\nset linetype 9 lc rgb '#bcbd22'\n"
	      "set linetype 10 lc rgb '#17becf'\nset linetype cycle 10\n", fp);
	fs_plot_sibling(base_name(p->out), ".dat", dat, sizeof(dat));
	fputs("data = ", fp);
	fs_plot_quote(fp, dat);
	fputc('\n', fp);
}

/* What a column measures, with its unit, for axis labels. */
static void describe(const char *col, bool rate, char *buf, size_t len)
{
	unsigned o;
	int n = 0;

	if (sscanf(col, "unusable_%u%n", &o, &n) == 1 && !col[n])
		snprintf(buf, len, "unusable free space index at order %u (0 = none, 1 = all unusable)", o);
	else if (sscanf(col, "fragindex_%u%n", &o, &n) == 1 && !col[n])
		snprintf(buf, len, "fragmentation index at order %u (-1: a free block exists)", o);
	else if (sscanf(col, "free_blocks_%u%n", &o, &n) == 1 && !col[n])
		snprintf(buf, len, "free blocks of order %u (blocks)", o);
	else if (!strcmp(col, "free_pages"))
		snprintf(buf, len, "free memory (4 KiB pages)");
	else if (!strcmp(col, "free_pageblocks"))
		snprintf(buf, len, "fully free pageblocks (pageblocks)");
	else if (!strcmp(col, "largest_free_order"))
		snprintf(buf, len, "largest free block (order)");
	else if (!strncmp(col, "pageblocks_", 11) || !strcmp(col, "mixed_pageblocks"))
		snprintf(buf, len, "%s (pageblocks)", col);
	else if (!strcmp(col, "unusable_pb_final") || !strcmp(col, "unusable_pb_mean"))
		snprintf(buf, len, "%s unusable free space index at pageblock order (0 to 1)",
			 strstr(col, "final") ? "final" : "mean");
	else if (!strcmp(col, "free_pageblocks_final") || !strcmp(col, "free_pageblocks_mean"))
		snprintf(buf, len, "%s fully free pageblocks (pageblocks)", strstr(col, "final") ? "final" : "mean");
	else if (!strcmp(col, "hugepage_success_rate"))
		snprintf(buf, len, "hugepage success rate (0 to 1)");
	else if (!strcmp(col, "pages_migrated"))
		snprintf(buf, len, "pages migrated (4 KiB pages)");
	else
		snprintf(buf, len, "%s%s", col, rate ? "" : " (count)");
	if (rate)
		snprintf(buf + strlen(buf), len - strlen(buf), " per second (/s)");
}

/* The input a run CSV came from: the sibling JSON summary's inputs, else
 * the CSV's own name. */
static void input_name(const char *csv, char *buf, size_t len)
{
	char json[4096];
	json_t *root, *in;
	size_t i, used = 0;

	fs_plot_sibling(csv, ".json", json, sizeof(json));
	fs_plot_sibling(base_name(csv), "", buf, len);
	if (!(root = json_load_file(json, 0, NULL)))
		return;
	json_array_foreach(json_object_get(root, "inputs"), i, in) {
		const char *path = json_string_value(json_object_get(in, "path"));

		if (path && used + 1 < len)
			used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " + " : "", base_name(path));
	}
	json_decref(root);
}

static int need_col(const struct fs_csv *t, const char *name, const char *what, struct fs_err *err)
{
	int c = fs_csv_col(t, name);
	char avail[2048];

	if (c >= 0)
		return c;
	fs_csv_numeric_cols(t, avail, sizeof(avail));
	if (what)
		return fs_error(err, -EINVAL, "unknown %s \"%s\" in \"%s\" (available: %s)", what, name,
				t->path, avail);
	return fs_error(err, -EINVAL, "\"%s\" has no column \"%s\" (is it a fragsim CSV?)", t->path, name);
}

/* The distinct values of column c, in order of appearance ("" skipped). */
static unsigned distinct(const struct fs_csv *t, unsigned c, const char **out, unsigned max)
{
	unsigned n = 0;

	for (size_t r = 0; r < t->nrows; r++) {
		const char *v = fs_csv_get(t, r, c);
		unsigned k;

		for (k = 0; k < n && strcmp(out[k], v); k++)
			;
		if (k == n && n < max && *v)
			out[n++] = v;
	}
	return n;
}

static void list(char *buf, size_t len, const char **v, unsigned n)
{
	size_t used = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < n && used + 1 < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", v[i]);
}

static int open_pair(const struct fs_plot *p, struct fs_outfile *gp, struct fs_outfile *dat,
		     struct fs_err *err)
{
	char path[4096];
	int rc;

	fs_plot_sibling(p->out, ".dat", path, sizeof(path));
	if ((rc = fs_out_open(dat, path, err)))
		return rc;
	fs_plot_sibling(p->out, ".gp", path, sizeof(path));
	if ((rc = fs_out_open(gp, path, err))) {
		fs_out_abort(dat);
		return rc;
	}
	fs_plot_preamble(gp->fp, p);
	return 0;
}

static int commit_pair(struct fs_outfile *gp, struct fs_outfile *dat, struct fs_err *err)
{
	int rc = fs_out_commit(dat, err);

	if (rc) {
		fs_out_abort(gp);
		return rc;
	}
	return fs_out_commit(gp, err);
}

#define MAX_SERIES 256

static void set_title(FILE *fp, const struct fs_plot *p, const char *made)
{
	fputs("set title ", fp);
	fs_plot_quote(fp, p->title ? p->title : made);
	fputc('\n', fp);
}

/* One CSV's series (a policy each) into dat and the plot command pc. */
static int series_of(const char *csv, const char *metric, bool rate, const char *zone, unsigned n,
		     FILE *dat, FILE *pc, unsigned *series, char *in, size_t inlen, char *pol1,
		     size_t pol1len, struct fs_err *err)
{
	struct fs_csv t;
	const char *pols[MAX_SERIES], *zones[FS_MAX_ZONES + 1];
	unsigned npol, nz, z;
	int ct, cz, cp, cm, rc;

	if ((rc = fs_csv_load(&t, csv, err)))
		return rc;
	if ((ct = need_col(&t, "time_s", NULL, err)) < 0 || (cz = need_col(&t, "zone", NULL, err)) < 0 ||
	    (cp = need_col(&t, "policy", NULL, err)) < 0 || (cm = need_col(&t, metric, "metric", err)) < 0) {
		fs_csv_release(&t);
		return -EINVAL;
	}
	nz = distinct(&t, (unsigned)cz, zones, FS_ARRAY_SIZE(zones));
	for (z = 0; z < nz && strcmp(zones[z], zone); z++)
		;
	if (z == nz) {
		char zl[256];

		list(zl, sizeof(zl), zones, nz);
		rc = fs_error(err, -EINVAL, "\"%s\" has no zone \"%s\" (zones: %s)", csv, zone, zl);
		fs_csv_release(&t);
		return rc;
	}
	input_name(csv, in, inlen);
	npol = distinct(&t, (unsigned)cp, pols, MAX_SERIES);
	for (unsigned k = 0; k < npol; k++) {
		double last_t = NAN, last_v = NAN;
		char label[600];

		fprintf(dat, "# %s: %s, zone %s\n", in, pols[k], zone);
		for (size_t r = 0; r < t.nrows; r++) {
			double tv, v;

			if (strcmp(fs_csv_get(&t, r, (unsigned)cp), pols[k]) ||
			    strcmp(fs_csv_get(&t, r, (unsigned)cz), zone))
				continue;
			tv = atof(fs_csv_get(&t, r, (unsigned)ct));
			v = atof(fs_csv_get(&t, r, (unsigned)cm));
			if (!rate)
				fprintf(dat, "%.6f %.9g\n", tv, v);
			else if (!isnan(last_t) && tv > last_t)   /* change per second since the last row */
				fprintf(dat, "%.6f %.9g\n", tv, (v - last_v) / (tv - last_t));
			last_t = tv;
			last_v = v;
		}
		fputs("\n\n", dat);
		if (n > 1)
			snprintf(label, sizeof(label), "%s: %s", in, pols[k]);
		else
			snprintf(label, sizeof(label), "%s", pols[k]);
		fprintf(pc, "%s data index %u using 1:2 with lines lw 2 title ", *series ? ", \\\n" : "plot \\\n",
			*series);
		fs_plot_quote(pc, label);
		if (!*series)
			snprintf(pol1, pol1len, "%s", pols[k]);
		(*series)++;
	}
	fs_csv_release(&t);
	return 0;
}

int fs_plot_timeseries(const struct fs_plot *p, const char *const *csvs, unsigned n,
		       const char *metric, bool rate, const char *zone, struct fs_err *err)
{
	struct fs_outfile gp, dat;
	char label[300], inputs[1024] = "", in[512], pol1[256] = "", title[1600];
	char *cmd = NULL;
	size_t cmdlen = 0;
	FILE *pc;
	unsigned series = 0;
	int rc;

	if ((rc = open_pair(p, &gp, &dat, err)))
		return rc;
	pc = open_memstream(&cmd, &cmdlen);
	for (unsigned i = 0; i < n; i++) {
		if ((rc = series_of(csvs[i], metric, rate, zone, n, dat.fp, pc, &series, in, sizeof(in),
				    pol1, sizeof(pol1), err)))
			break;
		if (!strstr(inputs, in))
			snprintf(inputs + strlen(inputs), sizeof(inputs) - strlen(inputs), "%s%s",
				 *inputs ? ", " : "", in);
	}
	fclose(pc);
	if (!rc && !series)
		rc = fs_error(err, -EINVAL, "no rows to plot in \"%s\"", csvs[0]);
	if (rc) {
		free(cmd);
		fs_out_abort(&gp);
		fs_out_abort(&dat);
		return rc;
	}
	describe(metric, rate, label, sizeof(label));
	if (series == 1)
		snprintf(title, sizeof(title), "%s%s, zone %s: %s, policy %s", metric, rate ? " per second" : "",
			 zone, inputs, pol1);
	else
		snprintf(title, sizeof(title), "%s%s, zone %s: %s", metric, rate ? " per second" : "", zone, inputs);
	set_title(gp.fp, p, title);
	fputs("set xlabel 'time (s)'\nset ylabel ", gp.fp);
	fs_plot_quote(gp.fp, label);
	fputs("\nset key outside right top box\n", gp.fp);
	fputs(cmd, gp.fp);
	fputc('\n', gp.fp);
	free(cmd);
	return commit_pair(&gp, &dat, err);
}

/* ---- heatmap: free blocks per order over time ----------------------------------------- */

int fs_plot_heatmap(const struct fs_plot *p, const char *csv, const char *policy,
		    const char *zone, struct fs_err *err)
{
	struct fs_csv t;
	struct fs_outfile gp, dat;
	const char *pols[MAX_SERIES];
	int ct, cz, cp, cf[FS_NR_ORDERS], rc;
	unsigned norders = 0, npol;
	size_t *rows, nr = 0;
	char in[512], title[1200], name[32];

	if ((rc = fs_csv_load(&t, csv, err)))
		return rc;
	if ((ct = need_col(&t, "time_s", NULL, err)) < 0 || (cz = need_col(&t, "zone", NULL, err)) < 0 ||
	    (cp = need_col(&t, "policy", NULL, err)) < 0 || (cf[0] = need_col(&t, "free_blocks_0", NULL, err)) < 0) {
		fs_csv_release(&t);
		return -EINVAL;
	}
	for (norders = 1; norders < FS_NR_ORDERS; norders++) {
		snprintf(name, sizeof(name), "free_blocks_%u", norders);
		if ((cf[norders] = fs_csv_col(&t, name)) < 0)
			break;
	}
	npol = distinct(&t, (unsigned)cp, pols, MAX_SERIES);
	if (!policy && npol == 1)
		policy = pols[0];
	for (unsigned k = 0; policy && k < npol; k++)
		if (!strcmp(pols[k], policy))
			npol = 0;
	if (npol) {
		char pl[1024];

		list(pl, sizeof(pl), pols, npol);
		if (policy)
			rc = fs_error(err, -EINVAL, "\"%s\" has no policy \"%s\" (policies: %s)", csv, policy, pl);
		else
			rc = fs_error(err, -EINVAL, "\"%s\" has several policies: choose one with --policy (policies: %s)",
				      csv, pl);
		fs_csv_release(&t);
		return rc;
	}
	rows = fs_xcalloc(t.nrows + 1, sizeof(*rows));
	for (size_t r = 0; r < t.nrows; r++)
		if (!strcmp(fs_csv_get(&t, r, (unsigned)cp), policy) && !strcmp(fs_csv_get(&t, r, (unsigned)cz), zone))
			rows[nr++] = r;
	if (!nr) {
		free(rows);
		fs_csv_release(&t);
		return fs_error(err, -EINVAL, "\"%s\" has no rows of zone \"%s\" for policy \"%s\"", csv, zone, policy);
	}
	if ((rc = open_pair(p, &gp, &dat, err))) {
		free(rows);
		fs_csv_release(&t);
		return rc;
	}
	/* one box per sample and order, from its time to the next sample's;
	 * empty lists are left out (blank on the log colour scale) */
	fputs("# time_center order half_width half_height free_blocks\n", dat.fp);
	for (size_t i = 0; i < nr; i++) {
		double t0 = atof(fs_csv_get(&t, rows[i], (unsigned)ct)), t1;

		if (i + 1 < nr)
			t1 = atof(fs_csv_get(&t, rows[i + 1], (unsigned)ct));
		else
			t1 = nr > 1 ? t0 + (t0 - atof(fs_csv_get(&t, rows[i - 1], (unsigned)ct))) : t0 + 1;
		if (t1 <= t0)
			continue;
		for (unsigned o = 0; o < norders; o++) {
			double v = atof(fs_csv_get(&t, rows[i], (unsigned)cf[o]));

			if (v > 0)
				fprintf(dat.fp, "%.6f %u %.6f 0.5 %.0f\n", (t0 + t1) / 2, o, (t1 - t0) / 2, v);
		}
	}
	input_name(csv, in, sizeof(in));
	snprintf(title, sizeof(title), "free blocks per order over time (buddyinfo), zone %s: %s, policy %s",
		 zone, in, policy);
	set_title(gp.fp, p, title);
	fprintf(gp.fp, "set xlabel 'time (s)'\nset ylabel 'block order (2^order pages)'\n"
		       "set yrange [-0.5:%u.5]\nset ytics 1\nset logscale cb\n"
		       "set cblabel 'free blocks (log scale; blank: none)'\n"
		       "set palette defined (0 '#fff7bc', 1 '#fe9929', 2 '#cc4c02', 3 '#4d1d02')\n"
		       "set grid noxtics noytics\nunset key\n"
		       "plot data using 1:2:3:4:5 with boxxyerror fillstyle solid noborder fillcolor palette\n",
		norders - 1);
	free(rows);
	fs_csv_release(&t);
	return commit_pair(&gp, &dat, err);
}

/* ---- bars from a batch's summary.csv --------------------------------------------------- */

struct bar {
	const char *input, *policy;
	double sum, min, max;
	unsigned n;
};

int fs_plot_bars(const struct fs_plot *p, const char *summary, const char *metric,
		 struct fs_err *err)
{
	struct fs_csv t;
	struct fs_outfile gp, dat;
	struct bar *bars;
	const char *pols[MAX_SERIES], *inputs[MAX_SERIES];
	unsigned nb = 0, npol = 0, nin = 0;
	int ci, cp, cm, rc;
	bool spread = false;
	char label[300], title[1200];
	double x = 0;

	if ((rc = fs_csv_load(&t, summary, err)))
		return rc;
	if ((ci = need_col(&t, "input", NULL, err)) < 0 || (cp = need_col(&t, "policy", NULL, err)) < 0 ||
	    (cm = need_col(&t, metric, "metric", err)) < 0) {
		fs_csv_release(&t);
		return -EINVAL;
	}
	bars = fs_xcalloc(t.nrows + 1, sizeof(*bars));
	for (size_t r = 0; r < t.nrows; r++) {
		const char *in = fs_csv_get(&t, r, (unsigned)ci), *pol = fs_csv_get(&t, r, (unsigned)cp);
		const char *vs = fs_csv_get(&t, r, (unsigned)cm);
		double v = atof(vs);
		unsigned b;

		if (!*vs)                 /* not done, or a counter this run lacks */
			continue;
		for (b = 0; b < nb && (strcmp(bars[b].input, in) || strcmp(bars[b].policy, pol)); b++)
			;
		if (b == nb) {
			bars[nb++] = (struct bar){ .input = in, .policy = pol, .min = v, .max = v };
		}
		bars[b].sum += v;
		bars[b].min = v < bars[b].min ? v : bars[b].min;
		bars[b].max = v > bars[b].max ? v : bars[b].max;
		spread |= ++bars[b].n > 1;
	}
	if (!nb) {
		free(bars);
		fs_csv_release(&t);
		return fs_error(err, -EINVAL, "no run in \"%s\" has a value for \"%s\"", summary, metric);
	}
	if ((rc = open_pair(p, &gp, &dat, err))) {
		free(bars);
		fs_csv_release(&t);
		return rc;
	}
	fputs("# x mean min max colour policy\n", dat.fp);
	for (unsigned i = 0; i < nb; i++) {
		unsigned k, in;

		for (k = 0; k < npol && strcmp(pols[k], bars[i].policy); k++)
			;
		if (k == npol && npol < MAX_SERIES)
			pols[npol++] = bars[i].policy;
		for (in = 0; in < nin && strcmp(inputs[in], bars[i].input); in++)
			;
		if (in == nin && nin < MAX_SERIES) {      /* a new input: a gap, its name above */
			x += nin ? 1.0 : 0.0;
			inputs[nin++] = bars[i].input;
			fprintf(gp.fp, "set label %u ", nin);
			fs_plot_quote(gp.fp, base_name(bars[i].input));
			fprintf(gp.fp, " at first %.1f, graph 1.025 left\n", x + 1);
		}
		x += 1;
		fprintf(dat.fp, "%.1f %.9g %.9g %.9g %u ", x, bars[i].sum / bars[i].n, bars[i].min, bars[i].max,
			k % 10 + 1);
		fprintf(dat.fp, "\"%s\"\n", bars[i].policy);
	}
	describe(metric, false, label, sizeof(label));
	snprintf(title, sizeof(title), "%s by policy%s", metric,
		 spread ? " (mean over seeds; bars: min to max)" : "");
	set_title(gp.fp, p, title);
	fputs("set ylabel ", gp.fp);
	fs_plot_quote(gp.fp, label);
	fprintf(gp.fp, "\nset xrange [0.3:%.1f]\nset yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\n"
		       "set style fill solid 0.85 border rgb '#333333'\nset boxwidth 0.8\n"
		       "set xtics rotate by 30 right nomirror\nset grid noxtics\nunset key\n"
		       "set bmargin 9\nset tmargin 5\nset title offset 0, 1.5\n"
		       "plot data using 1:2:5:xtic(6) with boxes lc variable", x + 0.7);
	if (spread)
		fputs(", \\\n  data using 1:2:3:4 with yerrorbars lc rgb '#000000' pt -1", gp.fp);
	fputc('\n', gp.fp);
	free(bars);
	fs_csv_release(&t);
	return commit_pair(&gp, &dat, err);
}

/* ---- running gnuplot ------------------------------------------------------------------- */

bool fs_plot_have_gnuplot(void)
{
	const char *path = getenv("PATH");
	char buf[4096];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(buf, sizeof(buf), "%.*s/gnuplot", (int)n, p);
		if (n && !access(buf, X_OK))
			return true;
		p += n + (p[n] == ':');
	}
	return false;
}

int fs_plot_render(const struct fs_plot *p, struct fs_err *err)
{
	char gp[4096], tmp[4200], def[4300];
	const char *dir_end = strrchr(p->out, '/');
	int status;
	pid_t pid;

	if (!fs_plot_have_gnuplot())
		return fs_error(err, -ENOENT, "gnuplot not found: install the Debian package gnuplot-nox "
				"(apt-get install gnuplot-nox); the script %s.gp and its data are written",
				p->out);
	fs_plot_sibling(base_name(p->out), ".gp", gp, sizeof(gp));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", base_name(p->out), (long)getpid());
	snprintf(def, sizeof(def), "outfile='%s'", tmp);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return fs_error(err, -errno, "cannot run gnuplot: %s", strerror(errno));
	if (pid == 0) {
		if (dir_end) {
			char dir[4096];

			snprintf(dir, sizeof(dir), "%.*s", (int)(dir_end - p->out), p->out);
			if (*dir && chdir(dir))
				_exit(126);
		}
		execlp("gnuplot", "gnuplot", "-e", def, gp, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fs_error(err, -errno, "waitpid: %s", strerror(errno));
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", p->out, (long)getpid());
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		unlink(tmp);
		fs_plot_sibling(p->out, ".gp", gp, sizeof(gp));
		return fs_error(err, -EIO, "gnuplot failed on \"%s\" (see its message above)", gp);
	}
	if (rename(tmp, p->out)) {
		unlink(tmp);
		return fs_error(err, -errno, "cannot rename \"%s\" to \"%s\": %s", tmp, p->out, strerror(errno));
	}
	return 0;
}
