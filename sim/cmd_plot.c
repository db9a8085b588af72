/* cmd_plot.c - `fragsim plot KIND`: write a gnuplot script and its data
 * next to the image, then run gnuplot on them. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "plot.h"

static const char plot_usage[] =
	"usage: fragsim plot timeseries [options] CSV...     a metric over time, one line per policy\n"
	"       fragsim plot heatmap [options] CSV           free blocks per order over time\n"
	"       fragsim plot bars [options] DIR/summary.csv  a batch's policies side by side\n"
	"       fragsim plot map [options] MAPFILE           pageblocks (replay --dump-map)\n"
	"\n"
	"Writes OUT.png or OUT.svg through gnuplot (Debian package gnuplot-nox), with the\n"
	"script OUT.gp and its data OUT.dat beside it: edit and rerun with\n"
	"'cd DIR && gnuplot OUT.gp'. CSV columns are found by name.\n"
	"\n"
	"options:\n"
	"  -o, --output FILE     the image, .png or .svg (default: beside the input,\n"
	"                        NAME-METRIC.png, NAME-buddyinfo.png, bars-METRIC.png, NAME-map.png)\n"
	"  -m, --metric COLUMN   timeseries: a CSV column (default unusable_9); bars: a\n"
	"                        summary.csv column (default unusable_pb_final)\n"
	"      --rate            timeseries: per second, for cumulative counters such as\n"
	"                        extfrag_events\n"
	"  -z, --zone ZONE       timeseries, heatmap: the zone's rows (default all)\n"
	"  -p, --policy SPEC     heatmap, map: the policy to draw (needed when the file has\n"
	"                        several; map: default the first)\n"
	"      --by type|key     map: colour pageblocks by migrate type (default) or by the\n"
	"                        allocator key holding most of their pages\n"
	"  -t, --title TEXT      the title (default: the metric, input and policy)\n"
	"      --size WxH        pixels (default 1000x600; map: 4 pixels a pageblock)\n"
	"      --script-only     write the script and data only, do not run gnuplot\n"
	"  -h, --help            this help\n"
	"\n"
	"Exit status: 0 ok, 1 bad input or gnuplot missing or failing, 2 bad usage.\n";

#define usage_error(...) fs_cli_usage_error("plot", __VA_ARGS__)

/* INPUT's directory and stem + "-" + what + ".png" */
static char *default_out(const char *input, const char *what)
{
	char stem[4096], *out;
	size_t len;

	fs_plot_sibling(input, "", stem, sizeof(stem));
	len = strlen(stem) + strlen(what) + 8;
	out = fs_xcalloc(1, len);
	snprintf(out, len, "%s-%s.png", stem, what);
	return out;
}

static char *bars_out(const char *summary, const char *metric)
{
	const char *slash = strrchr(summary, '/');
	size_t len = strlen(summary) + strlen(metric) + 16;
	char *out = fs_xcalloc(1, len);

	snprintf(out, len, "%.*sbars-%s.png", slash ? (int)(slash - summary + 1) : 0, summary, metric);
	return out;
}

int fs_cmd_plot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "metric", required_argument, NULL, 'm' },
		{ "rate", no_argument, NULL, 'R' },
		{ "zone", required_argument, NULL, 'z' },
		{ "policy", required_argument, NULL, 'p' },
		{ "title", required_argument, NULL, 't' },
		{ "size", required_argument, NULL, 'S' },
		{ "script-only", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ "by", required_argument, NULL, 'Y' },
		{ NULL, 0, NULL, 0 },
	};
	struct fs_plot p = { 0 };
	struct fs_err err = { "" };
	const char *kind, *metric = NULL, *zone = "all", *policy = NULL;
	char *out = NULL;
	bool rate = false, script_only = false;
	int c, rc, nin;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:m:z:p:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			p.out = optarg;
			break;
		case 'm':
			metric = optarg;
			break;
		case 'R':
			rate = true;
			break;
		case 'z':
			zone = optarg;
			break;
		case 'p':
			policy = optarg;
			break;
		case 't':
			p.title = optarg;
			break;
		case 'S':
			if (sscanf(optarg, "%ux%u", &p.width, &p.height) != 2 || p.width < 100 || p.height < 100 ||
			    p.width > 10000 || p.height > 10000)
				return usage_error("--size expects WIDTHxHEIGHT in pixels such as 1200x700, got \"%s\"", optarg);
			break;
		case 'O':
			script_only = true;
			break;
		case 'Y':
			if (strcmp(optarg, "type") && strcmp(optarg, "key"))
				return usage_error("--by expects type or key, got \"%s\"", optarg);
			p.by_key = !strcmp(optarg, "key");
			break;
		case 'h':
			fputs(plot_usage, stdout);
			return 0;
		default:
			fputs("(see fragsim plot --help)\n", stderr);
			return 2;
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no plot kind given (timeseries, heatmap, bars or map)");
	kind = argv[optind++];
	nin = argc - optind;
	if (!nin)
		return usage_error("no input file given to plot %s", kind);
	if (p.out) {
		size_t n = strlen(p.out);

		if (n < 5 || (strcmp(p.out + n - 4, ".png") && strcmp(p.out + n - 4, ".svg")))
			return usage_error("--output must end in .png or .svg, got \"%s\"", p.out);
	}
	if (!strcmp(kind, "timeseries")) {
		metric = metric ? metric : "unusable_9";
		if (!p.out)
			p.out = out = default_out(argv[optind], rate ? "rate" : metric);
		rc = fs_plot_timeseries(&p, (const char *const *)(argv + optind), (unsigned)nin, metric, rate,
					zone, &err);
	} else if (!strcmp(kind, "heatmap") || !strcmp(kind, "bars") || !strcmp(kind, "map")) {
		if (nin > 1)
			return usage_error("plot %s takes one input file", kind);
		if (kind[0] == 'h') {
			if (!p.out)
				p.out = out = default_out(argv[optind], "buddyinfo");
			rc = fs_plot_heatmap(&p, argv[optind], policy, zone, &err);
		} else if (kind[0] == 'b') {
			metric = metric ? metric : "unusable_pb_final";
			if (!p.out)
				p.out = out = bars_out(argv[optind], metric);
			rc = fs_plot_bars(&p, argv[optind], metric, &err);
		} else {
			if (!p.out)
				p.out = out = default_out(argv[optind], "map");
			rc = fs_plot_map(&p, argv[optind], policy, &err);
		}
	} else {
		return usage_error("unknown plot kind \"%s\" (timeseries, heatmap, bars or map)", kind);
	}
	if (!rc && !script_only)
		rc = fs_plot_render(&p, &err);
	if (rc)
		fprintf(stderr, "fragsim plot: %s\n", err.msg);
	else
		fprintf(stderr, "fragsim plot: wrote %s%s\n", script_only ? "the script for " : "", p.out);
	free(out);
	return rc ? 1 : 0;
}
