# plot.sh - CLI tests of `replay --dump-map` and `fragsim plot` (issue #9),
# sourced by run.sh: uses its FRAGSIM, DIR, TMP, ok, bad and expect_fail.
P="$TMP/plot"
mkdir -p "$P"
awk -f "$DIR/stress.awk" >"$P/stress.trace"

# --- the memory map agrees with the CSV: the stress on 64 MiB ends with 2
# free pageblocks under buddy and 30 under linux-6.15:pcp=off (README)
"$FRAGSIM" replay -q --memory 64M --policy buddy,linux-6.15:pcp=off --every 1000000 -o "$P/s.csv" \
	--dump-map end "$P/s.map" "$P/stress.trace" 2>/dev/null || bad "replay --dump-map: exit status $?"
freepb() { awk -F, -v p="$1" '$2 == p && $7 == $8 { n++ } END { print n + 0 }' "$P/s.map"; }
[ "$(grep -c '^[0-9].*,buddy,' "$P/s.map")" = 32 ] && [ "$(freepb buddy)" = 2 ] && [ "$(freepb linux-6.15:pcp=off)" = 30 ] &&
	ok || bad "dump-map: free pageblocks buddy $(freepb buddy), linux-6.15:pcp=off $(freepb linux-6.15:pcp=off)"
# buddy mixes: every pageblock not free holds unmovable pages in a movable block
[ "$(awk -F, '$2 == "buddy" && $7 != $8 && $6 == "movable" && $9 > 0' "$P/s.map" | wc -l)" = 30 ] && ok ||
	bad "dump-map: buddy's mixed pageblocks"
# at a time: the first sample at or after it (every 1000 events here)
"$FRAGSIM" replay -q --memory 64M --every 1000 -o /dev/null --dump-map 10ms "$P/t.map" "$P/stress.trace" 2>/dev/null
t=$(sed -n 3p "$P/t.map" | cut -d, -f1)
awk -v t="$t" 'BEGIN { exit !(t >= 0.010 && t < 0.011) }' && ok || bad "dump-map 10ms: map at $t"
"$FRAGSIM" replay -q --memory 64M -o /dev/null --dump-map 99s "$P/late.map" "$P/stress.trace" 2>"$P/late.err"
[ -s "$P/late.map" ] && grep -q 'no sample at or after 99.000000 s' "$P/late.err" && ok || bad "dump-map past the end"
expect_fail dump-map-time 2 '--dump-map expects a time' replay --dump-map soon "$P/x.map" "$P/stress.trace"
# written atomically: a failed run leaves no map
"$FRAGSIM" replay -q --memory 64M -o /dev/null --dump-map end "$P/fail.map" "$DIR/nosuch.trace" 2>/dev/null
[ ! -e "$P/fail.map" ] && ok || bad "dump-map: a failed run left a map"

# the key column: under keyed zones the cache pages of Bligh's scenario
# (tests/cli/bligh.awk, key=cache) hold whole pageblocks of their own, and
# --by key colours them with a legend naming the key
awk -f "$DIR/bligh.awk" >"$P/bligh.trace"
"$FRAGSIM" replay -q --memory 128M --policy keyed-zones --every 1000000 -o /dev/null \
	--dump-map end "$P/k.map" "$P/bligh.trace" 2>/dev/null
[ "$(sed -n 2p "$P/k.map" | awk -F, '{ print $12 }')" = key ] &&
	[ "$(awk -F, 'NR > 2 && $12 == "cache"' "$P/k.map" | wc -l)" -ge 10 ] && ok ||
	bad "dump-map: key column $(sed -n 2p "$P/k.map")"
"$FRAGSIM" plot map --by key --script-only -o "$P/k.png" "$P/k.map" 2>/dev/null &&
	grep -q "allocator key" "$P/k.gp" && grep -q "title 'cache'" "$P/k.gp" && ok ||
	bad "plot map --by key: $(grep title "$P/k.gp" | head -3)"
expect_fail plot-by 2 '--by expects type or key' plot map --by colour "$P/k.map"

# --- scripts and data without gnuplot (--script-only)
"$FRAGSIM" plot timeseries --script-only -m free_pageblocks -o "$P/ts.png" "$P/s.csv" 2>/dev/null &&
	grep -q "title 'linux-6.15:pcp=off'" "$P/ts.gp" && grep -q "set ylabel 'fully free pageblocks (pageblocks)'" "$P/ts.gp" &&
	[ "$(grep -v '^$' "$P/ts.dat" | tail -1 | cut -d' ' -f2)" = 30 ] && [ ! -e "$P/ts.png" ] && ok ||
	bad "plot timeseries --script-only: $(cat "$P/ts.gp")"
# default names beside the input
"$FRAGSIM" plot timeseries --script-only "$P/s.csv" 2>/dev/null && [ -s "$P/s-unusable_9.gp" ] && ok ||
	bad "plot timeseries: default output name"
expect_fail plot-metric 1 'unknown metric "unusable_99" in ".*s.csv" (available: .*free_pageblocks' plot timeseries -m unusable_99 "$P/s.csv"
expect_fail plot-policy 1 'several policies: choose one with --policy' plot heatmap "$P/s.csv"
expect_fail plot-kind 2 'unknown plot kind "pie"' plot pie "$P/s.csv"
expect_fail plot-ext 2 '--output must end in .png or .svg' plot timeseries -o "$P/x.jpg" "$P/s.csv"
expect_fail plot-notcsv 1 'not a map from fragsim replay --dump-map' plot map "$P/s.csv"
# no gnuplot: the error names the Debian package; the script is still written
env PATH=/nonexistent "$FRAGSIM" plot heatmap -p buddy -o "$P/nog.png" "$P/s.csv" 2>"$P/nog.err"
[ $? = 1 ] && grep -q 'gnuplot not found: install the Debian package gnuplot-nox' "$P/nog.err" && [ -s "$P/nog.gp" ] &&
	[ ! -e "$P/nog.png" ] && ok || bad "plot without gnuplot: $(cat "$P/nog.err")"
"$FRAGSIM" plot --help | grep -q 'usage: fragsim plot timeseries' && ok || bad "plot --help"

# --- rendering, when gnuplot is installed: valid PNG and SVG files
png_ok() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; }
if command -v gnuplot >/dev/null 2>&1; then
	"$FRAGSIM" plot timeseries -o "$P/r-ts.png" "$P/s.csv" 2>"$P/r.err" && png_ok "$P/r-ts.png" && ok ||
		bad "plot timeseries PNG: $(cat "$P/r.err")"
	"$FRAGSIM" plot heatmap -p buddy -o "$P/r-hm.svg" "$P/s.csv" 2>"$P/r.err" && grep -q '<svg' "$P/r-hm.svg" && ok ||
		bad "plot heatmap SVG: $(cat "$P/r.err")"
	"$FRAGSIM" plot map -p buddy -o "$P/r-map.png" "$P/s.map" 2>"$P/r.err" && png_ok "$P/r-map.png" && ok ||
		bad "plot map PNG: $(cat "$P/r.err")"
	[ -z "$(ls "$P" | grep '\.tmp\.')" ] && ok || bad "plot left temporary files"
	# the kept script reruns by hand
	(cd "$P" && gnuplot r-map.gp) 2>"$P/r.err" && png_ok "$P/r-map.png" && ok || bad "rerunning r-map.gp: $(cat "$P/r.err")"
	# a batch's bars
	if [ -s "$TMP/batch/out/summary.csv" ]; then
		"$FRAGSIM" plot bars -o "$P/r-bars.png" "$TMP/batch/out/summary.csv" 2>"$P/r.err" && png_ok "$P/r-bars.png" && ok ||
			bad "plot bars PNG: $(cat "$P/r.err")"
	fi
else
	echo "SKIP: gnuplot is not installed (apt-get install gnuplot-nox, or make deps as root): plots not rendered"
fi
