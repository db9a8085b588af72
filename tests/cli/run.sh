#!/bin/sh
# CLI regression tests: golden CSV outputs on small traces, exit codes and
# messages for bad input, atomic outputs. Usage: run.sh FRAGSIM
# UPDATE=1 rewrites the golden files (review the diff before committing).
FRAGSIM=${1:-./fragsim}
DIR=$(dirname "$0")
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# golden NAME ARGS...: stdout CSV must equal expected/NAME.csv
golden() {
	name=$1; shift
	if ! "$FRAGSIM" replay -q "$@" -o "$TMP/$name.csv" 2>"$TMP/$name.err"; then
		bad "$name: exit status $? ($(cat "$TMP/$name.err"))"; return
	fi
	if [ -n "$UPDATE" ]; then
		cp "$TMP/$name.csv" "$DIR/expected/$name.csv"; ok; return
	fi
	if diff -u "$DIR/expected/$name.csv" "$TMP/$name.csv" >"$TMP/$name.diff"; then ok
	else bad "$name: output differs from $DIR/expected/$name.csv"; head -20 "$TMP/$name.diff"; fi
}

# expect_fail NAME STATUS PATTERN ARGS...: exit status and message
expect_fail() {
	name=$1 want=$2 pat=$3; shift 3
	"$FRAGSIM" "$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" != "$want" ]; then bad "$name: exit status $got, expected $want"; cat "$TMP/err"; return; fi
	if ! grep -q -- "$pat" "$TMP/err"; then bad "$name: stderr lacks \"$pat\""; cat "$TMP/err"; return; fi
	ok
}

# --- golden outputs
golden textbook --memory 128K --placement trace --every 1 "$DIR/textbook.trace"
golden anomalies --memory 4M --every 1 "$DIR/anomalies.trace"
golden tiny-policy --machine traces/vm-24g.yaml --every 10 traces/tiny.trace
golden tiny-trace --machine traces/vm-24g.yaml --placement trace --every 10 traces/tiny.trace
golden two-policies --memory 1M --policy buddy,buddy:merge_likely=off --interval 1ms traces/tiny.trace

# --- the textbook example's figures (README): after the four allocations
row=$(sed -n '11p' "$TMP/textbook.csv")  # time 0.003, zone=all
echo "$row" | grep -q '^0.003000,4,all,buddy,28,4,4,2,1,0,0,' && ok || bad "textbook: free blocks row is $row"
echo "$row" | cut -d, -f20 | grep -qx '0.714' && ok || bad "textbook: unusable_3 != 0.714"
echo "$row" | cut -d, -f32 | grep -qx '0.750' && ok || bad "textbook: fragindex_4 != 0.750"

# --- mobility grouping against plain buddy on a constructed stress (issue #4):
# long-lived unmovable pages interleaved with short-lived movable ones
awk -f "$DIR/stress.awk" >"$TMP/stress.trace"
"$FRAGSIM" replay -q --memory 64M --policy buddy,linux-2.6.24,linux-3.10,linux-4.19,linux-6.10,linux-6.15 \
	--every 1000000 -o "$TMP/stress.csv" "$TMP/stress.trace" 2>/dev/null || bad "stress run failed"
# final zone=all rows: policy, unusable_9, free_pageblocks, mixed_pageblocks
final() { grep ",all,$1," "$TMP/stress.csv" | tail -1 | cut -d, -f26,40,45; }
[ "$(final buddy)" = "0.933,2,30" ] && ok || bad "stress: buddy ends with $(final buddy), expected 0.933,2,30"
# with per-CPU lists the pages still on them at the end keep a block or
# two from being whole; without them grouping frees all 30. 6.7+ pagesets
# end with 979 pages: 15000 allocations in a row raised high toward
# high_max (1024), and the 30 ms trace leaves no second to decay it
for g in linux-3.10 linux-4.19; do
	[ "$(final $g)" = "0.037,29,0" ] && ok || bad "stress: $g ends with $(final $g), expected 0.037,29,0"
done
for g in linux-6.10 linux-6.15; do
	[ "$(final $g)" = "0.044,27,0" ] && ok || bad "stress: $g ends with $(final $g), expected 0.044,27,0"
done
"$FRAGSIM" replay -q --memory 64M --policy linux-6.15:pcp_autotune=off --every 1000000 -o "$TMP/stress-fixed.csv" \
	"$TMP/stress.trace" 2>/dev/null
[ "$(grep ',all,' "$TMP/stress-fixed.csv" | tail -1 | cut -d, -f26,40,45,49)" = "0.040,28,0,499" ] && ok ||
	bad "stress: linux-6.15:pcp_autotune=off keeps high at high_min (500)"
"$FRAGSIM" replay -q --memory 64M --policy linux-6.15:pcp=off --every 1000000 -o "$TMP/stress-nopcp.csv" \
	"$TMP/stress.trace" 2>/dev/null
[ "$(grep ',all,' "$TMP/stress-nopcp.csv" | tail -1 | cut -d, -f26,40,45)" = "0.005,30,0" ] && ok ||
	bad "stress: linux-6.15:pcp=off"
# linux-5.0 (4.19's fallback and per-CPU lists, with ALLOC_NOFRAGMENT) ends as 4.19
"$FRAGSIM" replay -q --memory 64M --policy linux-5.0 --every 1000000 -o "$TMP/stress-50.csv" \
	"$TMP/stress.trace" 2>/dev/null
[ "$(grep ',all,' "$TMP/stress-50.csv" | tail -1 | cut -d, -f26,40,45)" = "0.037,29,0" ] && ok ||
	bad "stress: linux-5.0"

# the summary names the fallbacks by type: one unmovable claim of a movable block
"$FRAGSIM" replay -q --memory 64M --policy linux-6.15 --summary "$TMP/stress.json" -o /dev/null \
	"$TMP/stress.trace" 2>/dev/null
tr -d ' \n' <"$TMP/stress.json" | grep -q '"extfrag":{"events":1,"fragmenting":0,"change_ownership":1,"by_type":\[{"alloc_migratetype":"unmovable","fallback_migratetype":"movable","events":1}\]}' \
	&& ok || bad "stress: extfrag summary for linux-6.15"
# 2.6.24 retypes only the first pageblock of the order-10 block it takes;
# its one per-CPU list keeps a block from being whole, as 3.10's lists do
[ "$(final linux-2.6.24)" = "0.037,29,1" ] && ok || bad "stress: linux-2.6.24 ends with $(final linux-2.6.24)"

# --- summary JSON carries the counters
"$FRAGSIM" replay -q --memory 4M --summary "$TMP/s.json" -o /dev/null "$DIR/anomalies.trace" 2>/dev/null
for k in '"partial_frees": 2' '"double_frees": 1' '"unknown_frees": 1' '"free_order_mismatches": 1' \
	 '"duplicate_allocs": 1' '"frees": 5' '"allocs": 3' '"live_allocations": 0' \
	 '"schema_version": 1' '"placement": "policy"'; do
	grep -q "$k" "$TMP/s.json" && ok || bad "summary lacks $k"
done

# --- bad input: one-line errors, exit 2 for usage, 1 for input
expect_fail unknown-policy 2 'unknown policy "nosuch"' replay --policy nosuch traces/tiny.trace
expect_fail unknown-tunable 2 'no tunable "bogus"' replay --policy buddy:bogus=1 traces/tiny.trace
expect_fail bad-memory 2 'expects a size' replay --memory 3X traces/tiny.trace
expect_fail bad-interval 2 'expects a duration' replay --interval 5parsecs traces/tiny.trace
expect_fail no-trace 2 'no trace given' replay
expect_fail unknown-command 2 'unknown command' frobnicate
expect_fail missing-file 1 'cannot open trace "nope.trace"' replay nope.trace
printf '0.0 A 0x10 0\n0.1 A 0x20 11\n' >"$TMP/order.trace"
expect_fail big-order 1 "order.trace:2: expected ORDER (0..10) after IDENT, got \"11\"" replay "$TMP/order.trace"
printf '0.0 A 0x10 0\n0.1 X 0x20 1\n' >"$TMP/op.trace"
expect_fail bad-op 1 'op.trace:2: expected OP (A, F or compact)' replay "$TMP/op.trace"
printf '0.0 A 0x10 0 sideways\n' >"$TMP/mt.trace"
expect_fail bad-mt 1 'mt.trace:1: expected MIGRATETYPE' replay "$TMP/mt.trace"
printf '0.0 A 0x10 0 movable colour=red\n' >"$TMP/attr.trace"
expect_fail bad-attr 1 'attr.trace:1: expected gfp=FLAGS, key=NAME, cpu=N or flags=F' replay "$TMP/attr.trace"
printf '0.0 A 0x10\n' >"$TMP/cut.trace"
expect_fail cut-line 1 'cut.trace:1: expected ORDER' replay "$TMP/cut.trace"
printf '0.0 A 0x10 0\r\n0.1 F 0x10 0\r\n' >"$TMP/crlf.trace"
"$FRAGSIM" replay -q --memory 1M -o /dev/null "$TMP/crlf.trace" 2>/dev/null && ok || bad "CRLF line ends rejected"
printf '0.0 A 0x10 0\n\0\0\0\n' >"$TMP/bin.trace"
expect_fail binary 1 'bin.trace:2: binary data' replay "$TMP/bin.trace"
printf '0.0 A 0x100000 0\n' >"$TMP/far.trace"
expect_fail pfn-outside 1 'far.trace:1: pfn outside' replay --memory 1M --placement trace "$TMP/far.trace"
"$FRAGSIM" replay -q --memory 1M --placement trace --keep-going --summary "$TMP/k.json" -o /dev/null \
	"$TMP/far.trace" 2>/dev/null && grep -q '"bad_events": 1' "$TMP/k.json" && ok || bad "--keep-going does not count the event"
printf 'zones:\n  - name: X\n    start_pfn: 0\n    pagez: 10\n' >"$TMP/m.yaml"
expect_fail yaml-key 1 'm.yaml:4:5: unknown key "pagez"' replay --machine "$TMP/m.yaml" traces/tiny.trace
printf 'zones:\n  - name: X\n   start_pfn: 0\n' >"$TMP/m2.yaml"
expect_fail yaml-syntax 1 'm2.yaml:3:' replay --machine "$TMP/m2.yaml" traces/tiny.trace

# --- an input error leaves no output behind, not even a partial one
rm -f "$TMP/none.csv"
"$FRAGSIM" replay -q --memory 1M -o "$TMP/none.csv" "$TMP/op.trace" 2>/dev/null
[ ! -e "$TMP/none.csv" ] && [ -z "$(ls "$TMP" | grep 'none.csv.tmp')" ] && ok || bad "failed run left $TMP/none.csv"

# --- every command has --help
for c in replay run gen policies; do
	"$FRAGSIM" $c --help | grep -q "usage: fragsim $c" && ok || bad "$c --help"
done
for p in buddy linux-2.6.24 linux-3.10 linux-4.19 linux-5.0 linux-6.10 linux-6.15; do
	"$FRAGSIM" policies | grep -q "^$p " && ok || bad "policies does not list $p"
done
# the grouping tunables of issue #4's later items are listed, and refused where the kernel had no such thing
for t in reserve cma; do
	"$FRAGSIM" policies | grep -q "^  $t  *default" && ok || bad "policies does not list tunable $t"
done
for spec in "linux-4.19:reserve=on/no MIGRATE_RESERVE" "linux-2.6.24:cma=4M/has no CMA"; do
	if "$FRAGSIM" replay -q --memory 64M --policy "${spec%%/*}" -o /dev/null "$TMP/stress.trace" 2>"$TMP/gen.err"; then
		bad "${spec%%/*} accepted"
	elif grep -q "${spec#*/}" "$TMP/gen.err"; then
		ok
	else
		bad "${spec%%/*}: $(cat "$TMP/gen.err")"
	fi
done

# --- kernel trace text (issue #3): excerpts of ../shared/traces/build (see
# tests/cli/ftrace/): trace_pipe, trace-cmd report, compressed, stdin
FT="$DIR/ftrace"
VM=traces/vm-24g.yaml
# json_num FILE KEY: the first "KEY": N in a summary
json_num() { sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p" "$1" | head -1; }

# The tiny.trace window read straight from the capture's trace_pipe and its
# trace-cmd report: the same events as the native conversion, so the same
# CSV but for time_s (native times start at 0; the report's buffer clock
# differs by a microsecond on some lines).
for pl in policy trace; do
	"$FRAGSIM" replay -q --machine $VM --placement $pl --every 10 -o "$TMP/tn.csv" traces/tiny.trace 2>/dev/null
	cut -d, -f2- "$TMP/tn.csv" >"$TMP/tn.cut"
	for f in tiny-pipe tiny-report; do
		for fmt in auto ftrace; do
			if "$FRAGSIM" replay -q --format $fmt --machine $VM --placement $pl --every 10 \
				-o "$TMP/$f.csv" "$FT/$f.txt" 2>"$TMP/$f.err"; then
				cut -d, -f2- "$TMP/$f.csv" >"$TMP/$f.cut"
				cmp -s "$TMP/tn.cut" "$TMP/$f.cut" && ok ||
					bad "$f ($fmt, $pl placement): CSV differs from traces/tiny.trace's"
			else
				bad "$f ($fmt): exit status $? ($(cat "$TMP/$f.err"))"
			fi
		done
	done
done

# .gz, .zst (compressed with --long=28 from a pipe: needs windowLogMax > 27),
# stdin, and a misleading name: the same CSV as the plain file
"$FRAGSIM" replay -q --machine $VM --interval 1ms -o "$TMP/hp.csv" "$FT/head-pipe.txt" 2>/dev/null || bad "head-pipe.txt failed"
cp "$FT/head-pipe.txt.zst" "$TMP/misnamed.txt"
for src in "$FT/head-pipe.txt.gz" "$FT/head-pipe.txt.zst" "$TMP/misnamed.txt"; do
	"$FRAGSIM" replay -q --machine $VM --interval 1ms -o "$TMP/hz.csv" "$src" 2>"$TMP/hz.err" &&
		cmp -s "$TMP/hp.csv" "$TMP/hz.csv" && ok || bad "$src: CSV differs from the plain file's ($(cat "$TMP/hz.err"))"
done
for src in "$FT/head-pipe.txt" "$FT/head-pipe.txt.zst" "$FT/head-pipe.txt.gz"; do
	"$FRAGSIM" replay -q --machine $VM --interval 1ms -o "$TMP/hs.csv" - <"$src" 2>"$TMP/hs.err" &&
		cmp -s "$TMP/hp.csv" "$TMP/hs.csv" && ok || bad "stdin <$src: CSV differs ($(cat "$TMP/hs.err"))"
done
"$FRAGSIM" replay -q --machine $VM -o /dev/null --summary "$TMP/hz.json" "$FT/head-pipe.txt.zst" 2>/dev/null
grep -q '"compression": "zstd"' "$TMP/hz.json" && grep -q '"format": "ftrace"' "$TMP/hz.json" && ok ||
	bad "summary lacks the input's format and compression"

# truncated and corrupt compressed input: an error naming the file
head -c 1500 "$FT/head-pipe.txt.zst" >"$TMP/cut.zst"
expect_fail truncated-zst 1 'cut.zst: truncated zstd input' replay -q -o /dev/null "$TMP/cut.zst"
head -c 2000 "$FT/head-pipe.txt.gz" >"$TMP/cut.gz"
expect_fail truncated-gz 1 'cut.gz: truncated gzip input' replay -q -o /dev/null "$TMP/cut.gz"
{ head -c 1000 "$FT/head-pipe.txt.zst"; printf 'XXXXXXXXXXXXXXXX'; tail -c +1017 "$FT/head-pipe.txt.zst"; } >"$TMP/bad.zst"
expect_fail corrupt-zst 1 'bad.zst: corrupt zstd input' replay -q -o /dev/null "$TMP/bad.zst"
rm -f "$TMP/none.csv"
"$FRAGSIM" replay -q -o "$TMP/none.csv" "$TMP/cut.zst" 2>/dev/null
[ ! -e "$TMP/none.csv" ] && ok || bad "a truncated input left $TMP/none.csv"
printf '\027\010\104tracing6\0\0\0\0' >"$TMP/trace.dat"
expect_fail trace-dat 1 'trace.dat: libtracecmd cannot read this trace.dat' replay "$TMP/trace.dat"
expect_fail bad-format 2 '--format expects auto, native, ftrace or trace.dat' replay --format ctf traces/tiny.trace
expect_fail not-trace-dat 1 'not a trace-cmd trace.dat file' replay --format trace.dat traces/tiny.trace
# trace.dat read through libtracecmd gives the same events as the capture's
# own trace-cmd report text: every kind counted alike, the same CSV (but for
# the first sample's time, which the report rounds to microseconds)
SHARED=${SHARED:-../shared/traces}
ndat=0
for c in build anon-churn; do
	C=$SHARED/$c
	[ -r "$C/trace.dat.zst" ] && [ -r "$C/trace-cmd-report.txt.zst" ] || continue
	ndat=$((ndat + 1))
	"$FRAGSIM" replay -q -M traces/vm-24g.yaml -s "$TMP/dat.json" -o "$TMP/dat.csv" "$C/trace.dat.zst" 2>/dev/null &&
	"$FRAGSIM" replay -q -M traces/vm-24g.yaml -s "$TMP/rep.json" -o "$TMP/rep.csv" "$C/trace-cmd-report.txt.zst" 2>/dev/null &&
	grep -q '"format": "trace.dat"' "$TMP/dat.json" &&
	[ "$(tr -d ' \n' <"$TMP/dat.json" | grep -o '"kernel_events":{[^}]*}')" = "$(tr -d ' \n' <"$TMP/rep.json" | grep -o '"kernel_events":{[^}]*}')" ] &&
	cut -d, -f2- "$TMP/dat.csv" >"$TMP/dat.cut" && cut -d, -f2- "$TMP/rep.csv" >"$TMP/rep.cut" &&
	cmp -s "$TMP/dat.cut" "$TMP/rep.cut" && ok ||
		bad "$c: trace.dat and trace-cmd report of the same capture disagree"
	# The page events of a trace.dat are decoded from their fields; with
	# FRAGSIM_TRACEDAT_TEXT=1 every record is rendered as its report line
	# and parsed. Both must give the same summary (all counts, the gfp and
	# key statistics), CSV and messages: with policy placement and keys,
	# --key-by and small orders (records sent back to the parser), and the
	# buddy-list events and markers of --placement kernel.
	S=$C/snapshots
	i=0
	for opts in "-M traces/vm-24g.yaml -p buddy,keyed-zones -i 100ms" \
		"-M traces/vm-24g.yaml -p keyed-zones --key-by comm+pid+gfp --max-order 3 --pageblock-order 3" \
		"--placement kernel -M zoneinfo:$S/snap_zoneinfo.txt.zst --checkpoints $S/snap_buddyinfo.txt.zst -i 100ms"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		"$FRAGSIM" replay -q $opts -s "$TMP/raw.json" -o "$TMP/raw.csv" "$C/trace.dat.zst" >"$TMP/raw.err" 2>&1
		echo "exit $?" >>"$TMP/raw.err"
		# shellcheck disable=SC2086
		FRAGSIM_TRACEDAT_TEXT=1 "$FRAGSIM" replay -q $opts -s "$TMP/txt.json" -o "$TMP/txt.csv" "$C/trace.dat.zst" >"$TMP/txt.err" 2>&1
		echo "exit $?" >>"$TMP/txt.err"
		grep -q '"mm_page_alloc": [1-9]' "$TMP/raw.json" &&
		cmp -s "$TMP/raw.json" "$TMP/txt.json" && cmp -s "$TMP/raw.csv" "$TMP/txt.csv" &&
		cmp -s "$TMP/raw.err" "$TMP/txt.err" && ok ||
			bad "$c: trace.dat decoded and rendered as text disagree (options $i: $opts)"
	done
done
[ "$ndat" -gt 0 ] || echo "cli: skipped the trace.dat comparisons ($SHARED not found)"
# a decoded record the parser rejects is rejected as its line would be, and
# the reader thread stops when the replay does
[ -r "$SHARED/build/trace.dat.zst" ] &&
	expect_fail dat-strict 1 'build/trace.dat.zst:4920: expected order=N with N in 0..2, got "order=3 migratetype=0' \
		replay -q --strict --max-order 2 --pageblock-order 2 -o /dev/null "$SHARED/build/trace.dat.zst"
# a .zst trace.dat is decompressed in one call into memory; the streaming
# path (taken with $TMPDIR set, and for a file whose frames do not say
# their size) gives the same replay; a corrupt one fails the checksum, a
# cut one is "truncated" as any input
if [ -r "$SHARED/anon-churn/trace.dat.zst" ]; then
	A=$SHARED/anon-churn/trace.dat.zst
	"$FRAGSIM" replay -q -M traces/vm-24g.yaml -s "$TMP/one.json" -o "$TMP/one.csv" "$A" 2>"$TMP/one.err" &&
	TMPDIR=$TMP "$FRAGSIM" replay -q -M traces/vm-24g.yaml -s "$TMP/str.json" -o "$TMP/str.csv" "$A" 2>"$TMP/str.err" &&
	zstd -dcq "$A" | zstd -q --no-content-size -c >"$TMP/nosize.dat.zst" &&
	"$FRAGSIM" replay -q -M traces/vm-24g.yaml -o "$TMP/nos.csv" "$TMP/nosize.dat.zst" 2>/dev/null &&
	cmp -s "$TMP/one.csv" "$TMP/str.csv" && cmp -s "$TMP/one.err" "$TMP/str.err" && cmp -s "$TMP/one.csv" "$TMP/nos.csv" &&
	[ "$(grep -v fragsim_build "$TMP/one.json")" = "$(grep -v fragsim_build "$TMP/str.json")" ] && ok ||
		bad "trace.dat.zst: the one-call and streaming decompressions disagree"
	n=$(wc -c <"$A")
	cp "$A" "$TMP/corrupt.dat.zst" && chmod u+w "$TMP/corrupt.dat.zst" &&
	printf '\377\376\375\374\373\372\371\370' | dd of="$TMP/corrupt.dat.zst" bs=1 seek=$((n / 2)) conv=notrunc 2>/dev/null
	expect_fail dat-zst-corrupt 1 'corrupt.dat.zst: corrupt zstd input' replay -q -M traces/vm-24g.yaml -o /dev/null "$TMP/corrupt.dat.zst"
	head -c $((n / 2)) "$A" >"$TMP/cut.dat.zst"
	expect_fail dat-zst-cut 1 'cut.dat.zst: truncated zstd input' replay -q -M traces/vm-24g.yaml -o /dev/null "$TMP/cut.dat.zst"
fi

# Per-event counts in the summary equal grep -c on the same file, and every
# line is accounted for (real excerpts: no malformed lines).
for f in head-pipe head-report kinds-pipe kinds-report tiny-pipe tiny-report; do
	"$FRAGSIM" replay -q --machine $VM -o /dev/null --summary "$TMP/$f.json" "$FT/$f.txt" 2>/dev/null ||
		{ bad "$f: replay failed"; continue; }
	for kv in 'mm_page_alloc: mm_page_alloc' 'mm_page_free: mm_page_free' \
		'mm_page_free_batched: mm_page_free_batched' 'mm_page_pcpu_drain: mm_page_pcpu_drain' \
		'mm_page_alloc_zone_locked: mm_page_alloc_zone_locked' \
		'mm_page_alloc_extfrag: mm_page_alloc_extfrag' 'mm_compaction_[a-z_]*: compaction' \
		'tracing_mark_write: markers'; do
		pat=${kv% *} key=${kv##* }
		want=$(grep -c " $pat " "$FT/$f.txt")
		got=$(json_num "$TMP/$f.json" "$key")
		[ "$got" = "$want" ] && ok || bad "$f: $key is $got, grep -c says $want"
	done
	lines=$(wc -l <"$FT/$f.txt")
	sum=$(( $(json_num "$TMP/$f.json" events) + $(json_num "$TMP/$f.json" comment_lines) + \
		$(json_num "$TMP/$f.json" malformed) + $(json_num "$TMP/$f.json" skipped_lines) ))
	[ "$(json_num "$TMP/$f.json" lines)" = "$lines" ] && [ "$sum" = "$lines" ] && ok ||
		bad "$f: $lines lines, summary accounts for $sum"
	[ "$(json_num "$TMP/$f.json" malformed)" = 0 ] && ok || bad "$f: malformed lines in a real excerpt"
done

# Constructed lines (tgid column, task names with spaces and dashes, failed
# allocations, 3.10, perf, trace-cmd, lost events, 2 malformed lines):
# malformed lines are counted and shown, not fatal; --strict makes them so.
"$FRAGSIM" replay -q --placement trace -o /dev/null --summary "$TMP/q.json" "$FT/quirks.txt" 2>"$TMP/q.err" ||
	bad "quirks.txt: exit status $? ($(cat "$TMP/q.err"))"
for k in '"malformed": 2' '"mm_page_alloc": 7' '"mm_page_free": 4' '"failed_allocs": 3' \
	 '"kernel_failed_allocs": 3' '"allocs": 4' '"frees": 4' '"unknown_frees": 0' \
	 '"lost_events_lines": 1' '"lost_events": 123' '"mm_page_free_batched": 1' '"markers": 1' \
	 '"live_allocations": 0' '"events": 11'; do
	grep -q "$k" "$TMP/q.json" && ok || bad "quirks.txt summary lacks $k"
done
grep -q 'quirks.txt:30: expected pfn=' "$TMP/q.err" && grep -q 'quirks.txt:31: expected a kernel trace line' "$TMP/q.err" &&
	grep -q 'quirks.txt:28: the kernel lost events' "$TMP/q.err" && ok || bad "quirks.txt warnings: $(cat "$TMP/q.err")"
expect_fail strict 1 'quirks.txt:30: expected pfn= in mm_page_free' replay -q --strict -o /dev/null "$FT/quirks.txt"

# --- fragsim extfrag (issue #3): the kernel's fallbacks counted from logs
EF=$DIR/extfrag
# the real event in trace_pipe and in trace-cmd report (fragmenting=10 there)
for f in build-pipe.txt build-report.txt.zst; do
	"$FRAGSIM" extfrag -s "$TMP/ef.json" "$EF/$f" >"$TMP/ef.out" 2>"$TMP/ef.err" || bad "extfrag $f: exit $?"
	for k in '"events": 1' '"fragmenting": 0' '"change_ownership": 1' '"extfrag_lines": 1' \
		 '"other_event_lines": 7' '"malformed": 0' '"requested": "unmovable"' '"fallback": "movable"' \
		 '"extfrag_unmovable_placed_with_movable": 1' '"extfrag_fragmenting_unmovable_placed_with_movable": 0'; do
		grep -q "$k" "$TMP/ef.json" && ok || bad "extfrag $f: summary lacks $k"
	done
	grep -q '^Extfrag fragmenting  *0$' "$TMP/ef.out" && ok || bad "extfrag $f: report $(cat "$TMP/ef.out")"
done
grep -q '"printed_fragmenting_wrong": 1' "$TMP/ef.json" && ok || bad "extfrag: trace-cmd's fragmenting=10 not flagged"
# constructed: dashes in task names, perf, trace-cmd, a cut line (counted, shown, not fatal)
"$FRAGSIM" extfrag -s "$TMP/mx.json" "$EF/mixed.txt" >"$TMP/mx.out" 2>"$TMP/mx.err" || bad "extfrag mixed.txt: exit $?"
for k in '"events": 4' '"fragmenting": 3' '"malformed": 1' '"extfrag_for_unmovable": 2' \
	 '"extfrag_unmovable_placed_with_movable": 2' '"extfrag_fragmenting_for_unmovable": 1' \
	 '"extfrag_fragmenting_unmovable_placed_with_movable": 1' '"scheme": "4.4+"'; do
	grep -q "$k" "$TMP/mx.json" && ok || bad "extfrag mixed.txt: summary lacks $k"
done
grep -q 'mixed.txt:9: expected fallback_order=N' "$TMP/mx.err" && ok || bad "extfrag mixed.txt: warning $(cat "$TMP/mx.err")"
# the numbering: detected from gfp flags, forced by --kernel-version
"$FRAGSIM" extfrag -s "$TMP/old.json" "$EF/old-3.10.txt" >"$TMP/old.out" 2>&1 || bad "extfrag old-3.10.txt: exit $?"
grep -q 'numbered as Linux before 4.4.*detected' "$TMP/old.out" && ok || bad "extfrag old: numbering not detected"
grep -q '^Extfrag unmovable placed with movable  *1$' "$TMP/old.out" && ok || bad "extfrag old: mmtests counter"
"$FRAGSIM" extfrag --kernel-version 6.1 "$EF/old-3.10.txt" >"$TMP/old2.out" 2>"$TMP/old2.err"
grep -q 'numbered as Linux 4.4+.*--kernel-version 6.1' "$TMP/old2.out" && grep -q 'suggest the pre-4.4 numbering' "$TMP/old2.err" &&
	grep -q '^Extfrag unmovable placed with movable  *0$' "$TMP/old2.out" && ok || bad "extfrag old --kernel-version 6.1"
"$FRAGSIM" extfrag --kernel-version 3.10 "$EF/mixed.txt" 2>/dev/null | grep -q '^Extfrag unmovable placed with movable  *0$' &&
	ok || bad "extfrag mixed --kernel-version 3.10"
# the timeline CSV
"$FRAGSIM" extfrag -q -i 500ms -o "$TMP/old.csv" "$EF/old-3.10.txt" || bad "extfrag -o: exit $?"
[ "$(sed -n '2p;5p' "$TMP/old.csv" | tr '\n' ' ')" = "123.456789,1,1,0,1,1,1,1 124.956789,1,0,1,1,0,0,0 " ] && ok ||
	bad "extfrag timeline: $(cat "$TMP/old.csv")"
[ "$(wc -l <"$TMP/old.csv")" = 5 ] && ok || bad "extfrag timeline rows"
# the timeline is counted into intervals as it is read; an input that starts
# earlier than the first (here: the 3.10 log after the mixed one, whose
# times come later) makes extfrag read everything again keeping every
# event's time: the same CSV in either order (3 + 4 events), and from stdin
# (never streamed)
"$FRAGSIM" extfrag -q -i 250ms -o "$TMP/ab.csv" "$EF/old-3.10.txt" "$EF/mixed.txt" 2>/dev/null &&
	"$FRAGSIM" extfrag -q -i 250ms -o "$TMP/ba.csv" "$EF/mixed.txt" "$EF/old-3.10.txt" 2>/dev/null &&
	cat "$EF/mixed.txt" | "$FRAGSIM" extfrag -q -i 250ms -o "$TMP/m1.csv" - 2>/dev/null &&
	"$FRAGSIM" extfrag -q -i 250ms -o "$TMP/m2.csv" "$EF/mixed.txt" 2>/dev/null &&
	cmp -s "$TMP/ab.csv" "$TMP/ba.csv" && cmp -s "$TMP/m1.csv" "$TMP/m2.csv" &&
	[ "$(awk -F, 'NR > 1 { s += $2 } END { print s }' "$TMP/ab.csv")" = 7 ] && ok ||
	bad "extfrag timeline by input order: $(diff "$TMP/ab.csv" "$TMP/ba.csv" | head -4)"
# a line earlier than the first makes extfrag read again: each warning is
# shown once (the first reading's were shown too, before)
"$FRAGSIM" extfrag -q -o /dev/null "$EF/mixed.txt" "$EF/old-3.10.txt" 2>"$TMP/rr.err"
[ "$(grep -c 'mixed.txt:9: expected fallback_order' "$TMP/rr.err")" = 1 ] &&
	[ "$(grep -c 'mixed.txt: 1 malformed line skipped' "$TMP/rr.err")" = 1 ] && ok ||
	bad "extfrag re-read, two inputs: warnings $(cat "$TMP/rr.err")"
{ cat "$EF/mixed.txt"; echo "            bash-1   [000] d..3.  1000.000000: mm_page_alloc_extfrag: page=0 pfn=0x1" \
	"alloc_order=0 fallback_order=1 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1" \
	"fragmenting=1 change_ownership=0"; } >"$TMP/early.txt"
"$FRAGSIM" extfrag -q -o "$TMP/early.csv" "$TMP/early.txt" 2>"$TMP/rr.err"
[ "$(grep -c 'early.txt:9: expected fallback_order' "$TMP/rr.err")" = 1 ] &&
	[ "$(grep -c 'early.txt: 1 malformed line skipped' "$TMP/rr.err")" = 1 ] &&
	[ "$(awk -F, 'NR > 1 { s += $2 } END { print s }' "$TMP/early.csv")" = 5 ] && ok ||
	bad "extfrag re-read, one input: warnings $(cat "$TMP/rr.err")"
# --threads: a plain file is read in parts at once, with one reader's
# results. ef_same NAME FILE ARGS: -j 1, 2 and 3 give the same report,
# warnings (file:line), timeline CSV and JSON summary
ef_same() {
	name=$1 f=$2; shift 2
	for j in 1 2 3; do
		"$FRAGSIM" extfrag -j $j "$@" -o "$TMP/j$j.csv" -s "$TMP/j$j.json" "$f" >"$TMP/j$j.out" 2>"$TMP/j$j.err"
		echo "exit $?" >>"$TMP/j$j.out"
	done
	for x in out err csv json; do
		cmp -s "$TMP/j1.$x" "$TMP/j2.$x" && cmp -s "$TMP/j1.$x" "$TMP/j3.$x" && ok ||
			bad "extfrag --threads $name: the $x differs: $(diff "$TMP/j1.$x" "$TMP/j2.$x" | head -4)"
	done
}
# constructed, 15 MB (parts of at least 4 MiB): runs of malformed lines
# where -j 2 and -j 3 cut it, lost events, and a last line earlier than the
# first (the reading starts again, keeping every event's time)
awk 'BEGIN {
	n = 66000
	for (i = 0; i < n; i++) {
		t = sprintf("%d.%06d", 10 + int(i / 10000), (i % 10000) * 100)
		if ((i >= n / 3 - 5 && i < n / 3 + 5) || (i >= n / 2 - 5 && i < n / 2 + 5) ||
		    (i >= 2 * n / 3 - 5 && i < 2 * n / 3 + 5))
			printf "            bash-%05d   [000] d..3.  %s: mm_page_alloc_extfrag: page=0 pfn=0x%06x alloc_order=%d\n", i, t, i, i % 4
		else if (i % 9973 == 17)
			printf "CPU:1 [LOST %d EVENTS]\n", i
		else
			printf "    kworker/u8:1-%05d   [001] d..1.  %s: mm_page_alloc_extfrag: page=%016x pfn=0x%06x alloc_order=%d fallback_order=%d pageblock_order=9 alloc_migratetype=%d fallback_migratetype=%d fragmenting=1 change_ownership=%d\n", i, t, i * 64, i, i % 4, i % 11, i % 3, (i + 1) % 3, i % 2
	}
	printf "            bash-1   [000] d..3.  9.000000: mm_page_alloc_extfrag: page=0 pfn=0x1 alloc_order=0 fallback_order=1 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=1 change_ownership=0\n"
}' >"$TMP/cut.txt"
ef_same cut.txt "$TMP/cut.txt" -i 100ms
grep -q 'cut.txt:22000: expected alloc_order= and fallback_order=.*\[further ones only counted\]' "$TMP/j2.err" &&
	grep -q 'cut.txt: 30 malformed lines skipped' "$TMP/j2.err" && ok || bad "extfrag --threads cut.txt: $(cat "$TMP/j2.err")"
ef_same cut.txt-strict "$TMP/cut.txt" --strict
grep -q 'cut.txt:21996: expected alloc_order=' "$TMP/j3.err" && ok || bad "extfrag --threads --strict: $(cat "$TMP/j3.err")"
# the real captures, when ../shared is beside the repository
for c in build/trace_pipe build/trace-cmd-report anon-churn/trace_pipe; do
	z=../shared/traces/$c.txt.zst
	[ -r "$z" ] || continue
	zstd -dcq "$z" >"$TMP/cap.txt" || { bad "zstd -dc $z"; continue; }
	ef_same "$c" "$TMP/cap.txt" -i 10ms
done
rm -f "$TMP/cap.txt" "$TMP/cut.txt"
expect_fail extfrag-threads 2 '--threads expects 1..64' extfrag -j 0 "$EF/mixed.txt"
# errors
expect_fail extfrag-strict 1 'mixed.txt:9: expected fallback_order=N' extfrag --strict "$EF/mixed.txt"
expect_fail extfrag-missing 1 'nosuch.txt' extfrag "$EF/nosuch.txt"
expect_fail extfrag-kver 2 '--kernel-version expects' extfrag --kernel-version new "$EF/mixed.txt"
expect_fail extfrag-native 1 'tiny.trace:.*a native fragsim trace' extfrag traces/tiny.trace
expect_fail extfrag-nolog 2 'no log given' extfrag
"$FRAGSIM" extfrag --help | grep -q 'usage: fragsim extfrag' && ok || bad "extfrag --help"

# --- fragsim inspect (issue #3): debugfs layouts from /proc snapshots
IN=$DIR/inspect
"$FRAGSIM" inspect -q "$IN/anon-churn-buddyinfo.txt.zst" "$IN/anon-churn-unusable_index.txt.zst" \
	"$IN/anon-churn-extfrag_index.txt.zst" >"$TMP/in.out" 2>&1 &&
	grep -q 'debugfs check: 46 records equal, 0 different' "$TMP/in.out" && ok || bad "inspect anon-churn: $(tail -3 "$TMP/in.out")"
# build seq=15: the unusable_index was read 3.3 ms after the buddyinfo, and differs
"$FRAGSIM" inspect -q "$IN/build-buddyinfo.txt.zst" "$IN/build-unusable_index.txt.zst" \
	"$IN/build-extfrag_index.txt.zst" >"$TMP/out" 2>&1
[ $? = 1 ] && ok || bad "inspect build: exit status is not 1"
grep -q 'debugfs check: 43 records equal, 1 different' "$TMP/out" && grep -q 'unusable_index seq=15: DIFFERS' "$TMP/out" &&
	ok || bad "inspect build: $(tail -3 "$TMP/out")"
# a plain one-record /proc/buddyinfo prints exactly the debugfs file
zstd -dc "$IN/build-buddyinfo.txt.zst" | sed -n '2,4p' >"$TMP/buddyinfo"
zstd -dc "$IN/build-extfrag_index.txt.zst" | sed -n '2,4p' >"$TMP/extfrag_index"
zstd -dc "$IN/build-unusable_index.txt.zst" | sed -n '2,4p' >"$TMP/unusable_index"
"$FRAGSIM" inspect --only extfrag_index "$TMP/buddyinfo" | cmp -s - "$TMP/extfrag_index" && ok || bad "inspect --only extfrag_index"
"$FRAGSIM" inspect --only unusable_index "$TMP/buddyinfo" | cmp -s - "$TMP/unusable_index" && ok || bad "inspect --only unusable_index"
"$FRAGSIM" inspect --only score "$TMP/buddyinfo" "$IN/build-zoneinfo.txt.zst" | grep -q '^Node 0 fragmentation score 31 ' &&
	ok || bad "inspect score"
"$FRAGSIM" inspect --only zones "$IN/build-zoneinfo.txt.zst" | grep -q '^0      DMA                 0x1         4095         3998         3840$' &&
	ok || bad "inspect zones"
"$FRAGSIM" inspect "$IN/build-pagetypeinfo.txt.zst" | grep -q 'Normal Unmovable 296 Movable 1075 Reclaimable 101' &&
	ok || bad "inspect pagetypeinfo"
printf 'Node 0, zone   Normal      1 x\n' >"$TMP/badbuddy"
expect_fail inspect-bad 1 'badbuddy:1: expected a free block count' inspect "$TMP/badbuddy"
expect_fail inspect-only 2 '--only expects' inspect --only nothing "$TMP/buddyinfo"
# replay --machine zoneinfo:FILE builds the same machine as traces/vm-24g.yaml
"$FRAGSIM" replay -q --machine "zoneinfo:$IN/build-zoneinfo.txt.zst" --every 10 -o "$TMP/zi.csv" traces/tiny.trace 2>/dev/null &&
	cmp -s "$TMP/zi.csv" "$DIR/expected/tiny-policy.csv" && ok || bad "replay --machine zoneinfo: differs from the vm-24g.yaml golden"
expect_fail zoneinfo-none 1 'no /proc/zoneinfo record' replay -q --machine "zoneinfo:$IN/build-buddyinfo.txt.zst" traces/tiny.trace
# other capture snapshots among the files are skipped with a note
zstd -dc "$IN/build-buddyinfo.txt.zst" | sed -n '1,4p' >"$TMP/two"
printf '### capture_snap seq=0 phase=before mono_ns=1 name=meminfo\nMemTotal:       24576000 kB\n' >>"$TMP/two"
"$FRAGSIM" inspect --only extfrag_index "$TMP/two" >"$TMP/two.out" 2>"$TMP/two.err" &&
	grep -q '1 capture record of other files' "$TMP/two.err" && [ "$(wc -l <"$TMP/two.out")" = 4 ] && ok ||
	bad "inspect foreign records: $(cat "$TMP/two.err" "$TMP/two.out")"
"$FRAGSIM" inspect --help | grep -q 'usage: fragsim inspect' && ok || bad "inspect --help"

# --- replay --emit-extfrag and --dump-pagetypeinfo (issue #4): the simulated
# fallbacks as mm_page_alloc_extfrag lines, read back by fragsim extfrag, and
# the final state as /proc/pagetypeinfo, read back by fragsim inspect. 16 MiB
# makes the stress fall back 13 times on 4.19, mostly fragmenting, in both
# directions; 66 times on 6.15, whose refills double up to 32 pages
# (alloc_factor, 6.7+) although batch is 1, each page of an UNMOVABLE refill
# a single-page steal.
"$FRAGSIM" replay -q --memory 16M --policy linux-6.15,linux-4.19 --every 1000000 -o "$TMP/xf.csv" \
	--summary "$TMP/xf.json" --emit-extfrag "$TMP/xf.log" --dump-pagetypeinfo "$TMP/pti.txt" \
	"$TMP/stress.trace" 2>/dev/null || bad "replay --emit-extfrag: exit status $?"
# "events=N fragmenting=N change_ownership=N requested>fallback:N ..." from
# the replay summary's extfrag of policy $2, and from fragsim extfrag's summary
xf_sim() {
	tr -d ' \n' <"$1" | awk -v RS='"policy":' -v p="\"$2\"" 'index($0, p) == 1' |
		grep -o '"extfrag":{"events":[0-9]*,"fragmenting":[0-9]*,"change_ownership":[0-9]*,"by_type":\[[^]]*\]' |
		sed 's/"extfrag":{//; s/"alloc_migratetype"/"requested"/g; s/"fallback_migratetype"/"fallback"/g' |
		grep -o '"[a-z_]*":[0-9]*,"fragmenting":[0-9]*,"change_ownership":[0-9]*\|"requested":"[a-z]*","fallback":"[a-z]*","events":[0-9]*' |
		sed 's/"requested":"\([a-z]*\)","fallback":"\([a-z]*\)","events":/\1>\2:/; /^"events"/{s/"//g; s/:/=/g; s/,/ /g;}' |
		sort | tr '\n' ' '
}
xf_log() {
	tr -d ' \n' <"$1" | grep -o '"totals":{"events":[0-9]*,"fragmenting":[0-9]*,"not_fragmenting":[0-9]*,"change_ownership":[0-9]*' |
		sed 's/"totals":{//; s/,"not_fragmenting":[0-9]*//; s/"//g; s/:/=/g; s/,/ /g'
	tr -d ' \n' <"$1" | grep -o '"by_type":\[[^]]*\]' | grep -o '"requested":"[a-z]*","fallback":"[a-z]*","events":[0-9]*' |
		sed 's/"requested":"\([a-z]*\)","fallback":"\([a-z]*\)","events":/\1>\2:/'
}
for p in linux-6.15 linux-4.19; do
	"$FRAGSIM" extfrag -s "$TMP/xf-$p.json" "$TMP/xf.log.$p" >"$TMP/xf-$p.out" 2>"$TMP/xf-$p.err" ||
		bad "extfrag on the emitted $p log: exit $? ($(cat "$TMP/xf-$p.err"))"
	sim=$(xf_sim "$TMP/xf.json" "$p")
	log=$(xf_log "$TMP/xf-$p.json" | sort | tr '\n' ' ')
	[ -n "$sim" ] && [ "$sim" = "$log" ] && ok || bad "emit-extfrag $p: replay says \"$sim\", fragsim extfrag \"$log\""
	n=13; [ "$p" = linux-6.15 ] && n=66
	[ "$(grep -c 'mm_page_alloc_extfrag: page=' "$TMP/xf.log.$p")" = $n ] && ok || bad "emit-extfrag $p: not $n lines"
	grep -q '0 malformed' "$TMP/xf-$p.out" && ok || bad "emit-extfrag $p: malformed lines: $(head -3 "$TMP/xf-$p.out")"
	# pagetypeinfo: inspect's indices and pageblocks equal the CSV's final row
	row=$(grep ",all,$p," "$TMP/xf.csv" | tail -1)
	want=$(echo "$row" | cut -d, -f17-27 | tr , ' ')
	got=$("$FRAGSIM" inspect --only unusable_index "$TMP/pti.txt.$p" | sed -n 's/^Node 0, zone   Normal \(.*\) $/\1/p')
	[ "$got" = "$want" ] && ok || bad "dump-pagetypeinfo $p: unusable index \"$got\", CSV \"$want\""
	want=$(echo "$row" | cut -d, -f41-44 | awk -F, '{printf "Unmovable %s Movable %s Reclaimable %s HighAtomic %s Isolate 0", $1, $2, $3, $4}')
	"$FRAGSIM" inspect "$TMP/pti.txt.$p" | grep -q "Node 0, zone   Normal $want\$" && ok ||
		bad "dump-pagetypeinfo $p: pageblocks differ from the CSV ($want)"
done
[ "$(sed -n '1s/page=.*//p' "$TMP/xf.log.linux-4.19")" = "         fragsim-2       [000] .....     0.000000: mm_page_alloc_extfrag: " ] && ok ||
	bad "emit-extfrag: line prefix $(sed -n '1p' "$TMP/xf.log.linux-4.19")"
# 3.10 with a CMA area: that kernel's type names and order, and inspect
# reads the Reserve and CMA rows (pageblocks as the CSV: RESERVE in the
# highatomic column; 64M of CMA is 32 pageblocks at the top of Normal)
"$FRAGSIM" replay -q --policy linux-3.10:cma=64M -o "$TMP/cma.csv" --every 1000000 --dump-pagetypeinfo "$TMP/cma.pti" \
	"$TMP/stress.trace" 2>/dev/null || bad "dump-pagetypeinfo linux-3.10:cma=64M: exit $?"
grep -q '^Number of blocks type     Unmovable  Reclaimable      Movable      Reserve          CMA      Isolate $' "$TMP/cma.pti" &&
	ok || bad "dump-pagetypeinfo 3.10 with CMA: header $(grep 'Number of blocks' "$TMP/cma.pti")"
want=$(grep ',Normal,' "$TMP/cma.csv" | tail -1 | cut -d, -f41-44 |
	awk -F, '{printf "Unmovable %s Reclaimable %s Movable %s Reserve %s CMA 32 Isolate 0", $1, $3, $2, $4}')
"$FRAGSIM" inspect "$TMP/cma.pti" | grep -q "Node 0, zone   Normal $want\$" && ok ||
	bad "dump-pagetypeinfo 3.10 with CMA: inspect does not show $want"
# one policy: FILE itself; the 6.15 stress on 64 MiB has its one claim
"$FRAGSIM" replay -q --memory 64M --policy linux-6.15 -o /dev/null --emit-extfrag "$TMP/one.log" \
	--dump-pagetypeinfo "$TMP/one.pti" "$TMP/stress.trace" 2>/dev/null && [ -f "$TMP/one.log" ] && [ -f "$TMP/one.pti" ] &&
	grep -q ' mm_page_alloc_extfrag: page=[0-9a-f]\{16\} pfn=0x[0-9a-f]* alloc_order=0 fallback_order=10 pageblock_order=9 alloc_migratetype=0 fallback_migratetype=1 fragmenting=0 change_ownership=1$' "$TMP/one.log" &&
	[ "$(wc -l <"$TMP/one.log")" = 1 ] && ok || bad "emit-extfrag, one policy: $(cat "$TMP/one.log")"
# the default machine's dump is laid out as a real 6.x /proc/pagetypeinfo:
# the same header, rows and block-count header as the bundled capture
"$FRAGSIM" replay -q --policy linux-6.15 -o /dev/null --dump-pagetypeinfo "$TMP/def.pti" traces/tiny.trace 2>/dev/null ||
	bad "dump-pagetypeinfo default machine: exit $?"
zstd -dc "$IN/anon-churn-pagetypeinfo.txt.zst" | sed -n '2,25p' >"$TMP/real.pti"
[ "$(sed -n '1,4p;21p' "$TMP/def.pti")" = "$(sed -n '1,4p;21p' "$TMP/real.pti")" ] && ok || bad "dump-pagetypeinfo: header differs from a real file"
[ "$(sed 's/ *[0-9][0-9]*/ N/g' "$TMP/def.pti")" = "$(sed 's/ *[0-9][0-9]*/ N/g' "$TMP/real.pti")" ] && ok ||
	bad "dump-pagetypeinfo: rows differ from a real file's beyond the numbers"
awk 'NR > 4 && NR < 20 && (NF != 17 || $5 != "type" || !/ $/) { exit 1 }' "$TMP/def.pti" && ok ||
	bad "dump-pagetypeinfo: a free-count row is malformed"
# written atomically: a failed run leaves neither file
"$FRAGSIM" replay -q --memory 128K -o /dev/null --emit-extfrag "$TMP/fail.log" --dump-pagetypeinfo "$TMP/fail.pti" \
	"$DIR/nosuch.trace" 2>/dev/null
[ ! -e "$TMP/fail.log" ] && [ ! -e "$TMP/fail.pti" ] && [ -z "$(ls "$TMP" | grep 'fail\..*tmp')" ] && ok ||
	bad "emit-extfrag: a failed run left files"

# --- captures made with traces/capture.sh on this kind of machine (traces/README.md): the replay
# summary's per-event counts equal `zstd -dc FILE | grep -c ': EVENT: '` (measured when captured)
# capture_counts NAME LINES ALLOC FREE BATCHED DRAIN ZONE_LOCKED EXTFRAG COMPACTION MIGRATE MARKERS
capture_counts() {
	cn=$1; shift
	cd_=traces/$cn
	if ! "$FRAGSIM" replay --format ftrace --machine "zoneinfo:$cd_/snapshots/snap_zoneinfo.txt" -q -o /dev/null \
		--summary "$TMP/$cn.json" "$cd_/trace_pipe.txt.zst" 2>"$TMP/$cn.err"; then
		bad "capture $cn: replay exit status $? ($(tail -2 "$TMP/$cn.err"))"; return
	fi
	got=""
	for k in lines mm_page_alloc mm_page_free mm_page_free_batched mm_page_pcpu_drain mm_page_alloc_zone_locked \
		mm_page_alloc_extfrag compaction mm_migrate_pages markers malformed lost_events_lines lost_events; do
		got="$got $(json_num "$TMP/$cn.json" "$k")"
	done
	[ "$got" = " $* 0 0 0" ] && ok || bad "capture $cn: counts $got, expected $* 0 0 0"
}
capture_counts pagecache-churn 261622 70464 70587 63977 28140 28436 0 6 0 12
capture_counts thp-burst 52174 17878 17761 10437 3942 2139 1 4 0 12
# their debugfs extfrag files, read right after buddyinfo, equal what fragsim inspect computes from it
for cn in pagecache-churn thp-burst; do
	sd=traces/$cn/snapshots
	"$FRAGSIM" inspect -q "$sd/snap_buddyinfo.txt" "$sd/snap_unusable_index.txt" "$sd/snap_extfrag_index.txt" \
		>"$TMP/$cn.in" 2>&1 && grep -q 'debugfs check: 4 records equal, 0 different' "$TMP/$cn.in" && ok ||
		bad "capture $cn inspect: $(tail -2 "$TMP/$cn.in")"
	# the before-snapshot (seq=0) byte for byte, header aside
	for w in unusable_index extfrag_index; do
		"$FRAGSIM" inspect --only "$w" "$sd/snap_buddyinfo.txt" | awk '/^###/ { n++; next } n == 1' >"$TMP/$cn.$w.got"
		awk '/^###/ { n++; next } n == 1' "$sd/snap_$w.txt" >"$TMP/$cn.$w.want"
		[ -s "$TMP/$cn.$w.want" ] && cmp -s "$TMP/$cn.$w.got" "$TMP/$cn.$w.want" && ok || bad "capture $cn: inspect --only $w seq=0"
	done
done

# --- pre-4.4 migrate-type numbering (RECLAIMABLE=1, MOVABLE=2): told by the
# gfp flags, or forced with --kernel-version
printf '            bash-1234  [001] d..1   123.456789: mm_page_alloc: page=ffffea0001a2b3c0 pfn=429871 order=0 migratetype=2 gfp_flags=GFP_HIGHUSER_MOVABLE\n' >"$TMP/old310.txt"
"$FRAGSIM" replay -q --memory 4G --policy linux-6.15 --summary "$TMP/old310.json" -o /dev/null "$TMP/old310.txt" 2>/dev/null
tr -d ' \n' <"$TMP/old310.json" | grep -q '"migratetype_numbering":"pre-4.4","migratetype_numbering_source":"gfpflags"' &&
	tr -d ' \n' <"$TMP/old310.json" | grep -q '"extfrag":{"events":0' && ok ||
	bad "pre-4.4 numbering not detected from the gfp flags (a MOVABLE allocation fell back)"
"$FRAGSIM" replay -q --memory 4G --policy linux-6.15 --kernel-version 5.4 --summary "$TMP/old54.json" \
	-o /dev/null "$TMP/old310.txt" 2>/dev/null
tr -d ' \n' <"$TMP/old54.json" | grep -q '"alloc_migratetype":"reclaimable","fallback_migratetype":"movable"' && ok ||
	bad "--kernel-version 5.4 does not read migratetype=2 as RECLAIMABLE"
expect_fail bad-kernel-version 2 'expects a version' replay --kernel-version banana "$TMP/old310.txt"

# --- watermark boosting (5.0+): fill 64 MiB with movable pages, free every
# other one, then ask for unmovable pages: each claim attempt on a partial
# movable block boosts by a pageblock, counted as reclaim requested
awk 'BEGIN { print "# fragsim-native 1"
	for (i = 0; i < 15000; i++) printf "0.%06d A %d 0 movable\n", i, i
	for (i = 0; i < 15000; i += 2) printf "1.%06d F %d 0\n", i, i
	for (i = 0; i < 2000; i++) printf "2.%06d A %d 0 unmovable\n", i, 100000 + i }' >"$TMP/boost.trace"
"$FRAGSIM" replay -q --memory 64M --policy linux-6.15,linux-6.15:boost=0,linux-4.19,linux-5.0 --every 1000000 \
	-o "$TMP/boost.csv" "$TMP/boost.trace" 2>/dev/null
boosts() { grep ",all,$1," "$TMP/boost.csv" | tail -1 | cut -d, -f47,50,51; }
[ "$(boosts linux-6.15)" = "5,5,2560" ] && ok || bad "boost: linux-6.15 fragmenting,boosts,reclaim = $(boosts linux-6.15), expected 5,5,2560"
[ "$(boosts linux-6.15:boost=0)" = "5,0,0" ] && ok || bad "boost: boost=0 still boosts ($(boosts linux-6.15:boost=0))"
[ "$(boosts linux-4.19)" = "4,0,0" ] && ok || bad "boost: linux-4.19 (before 5.0) boosts ($(boosts linux-4.19))"
# 5.0 boosts in steal_suitable_fallback on each of 4.19's fragmenting fallbacks
[ "$(boosts linux-5.0)" = "4,4,2048" ] && ok || bad "boost: linux-5.0 fragmenting,boosts,reclaim = $(boosts linux-5.0), expected 4,4,2048"

# --- workloads (issue #8): fragsim run equals fragsim gen + replay; the
# same seed gives the same bytes; errors name file:line:col and the key
W=workloads/smoke.yaml
"$FRAGSIM" run -q -p buddy,linux-6.15 -i 100ms -o "$TMP/run.csv" -s "$TMP/run.json" $W 2>/dev/null ||
	bad "run $W failed"
"$FRAGSIM" gen $W -o "$TMP/w.trace" 2>/dev/null || bad "gen $W failed"
"$FRAGSIM" replay -q --memory 64M -p buddy,linux-6.15 -i 100ms -o "$TMP/rep.csv" "$TMP/w.trace" 2>/dev/null
cmp -s "$TMP/run.csv" "$TMP/rep.csv" && ok || bad "run and gen + replay differ"
"$FRAGSIM" gen $W -o "$TMP/w2.trace" 2>/dev/null
cmp -s "$TMP/w.trace" "$TMP/w2.trace" && ok || bad "gen is not deterministic"
sed 's/^seed: 2026/seed: 2027/' $W >"$TMP/seed.yaml"
"$FRAGSIM" gen "$TMP/seed.yaml" -o "$TMP/w3.trace" 2>/dev/null
cmp -s "$TMP/w.trace" "$TMP/w3.trace" && bad "another seed gives the same trace" || ok
grep -q 'flags=probe' "$TMP/w.trace" && grep -q 'flags=lru' "$TMP/w.trace" && grep -q 'key=net cpu=1 flags=atomic' "$TMP/w.trace" &&
	ok || bad "gen: flags, keys or cpus missing"
# identities are recycled per order (sim/workload.c): a trace whose bursts
# with a fixed lifetime free at one instant, atomic requests fail and are
# freed later, reclaim takes page cache and probes are held, replays as run
# gives it, the frees of failed allocations are unknown frees, not double
# frees of an earlier life, and identities do recur
cat >"$TMP/recyc.yaml" <<'EOF'
seed: 5
duration: 2s
machine: 16M
classes:
  - {name: cache, rate: 2000, lifetime: until_reclaimed}
  - {name: anon, rate: 4000, order: {0: 8, 1: 1, 2: 1}, lifetime: {dist: exponential, mean: 300ms}, reclaimable: true}
  - {name: net, arrival: burst, every: 50ms, count: 1500, order: {1: 1, 2: 1}, gfp: GFP_ATOMIC, lifetime: 20ms}
probes: [{at: 1s, order: 9, count: 4, hold: 100ms}, {at: 1500ms, order: 9, count: 4, hold: 100ms}]
EOF
"$FRAGSIM" run -q -p buddy,linux-6.15,keyed-zones -i 100ms -o "$TMP/rrun.csv" -s "$TMP/rrun.json" "$TMP/recyc.yaml" 2>/dev/null &&
"$FRAGSIM" gen "$TMP/recyc.yaml" -o "$TMP/r.trace" 2>/dev/null &&
"$FRAGSIM" replay -q --memory 16M -p buddy,linux-6.15,keyed-zones -i 100ms -o "$TMP/rrep.csv" "$TMP/r.trace" 2>/dev/null &&
	cmp -s "$TMP/rrun.csv" "$TMP/rrep.csv" && ok || bad "recycled identities: run and gen + replay differ"
rj() { tr -d ' \n' <"$TMP/rrun.json" | grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2; }
[ "$(rj unknown_frees)" -gt 1000 ] && [ "$(rj double_frees)" = 0 ] && [ "$(rj reclaimed_then_freed)" -gt 0 ] && ok ||
	bad "recycled identities: unknown $(rj unknown_frees), double $(rj double_frees), reclaimed then freed $(rj reclaimed_then_freed)"
[ "$(awk '$2 == "A" && ++n[$3] == 2 { r++ } END { print r + 0 }' "$TMP/r.trace")" -gt 1000 ] && ok ||
	bad "recycled identities: gen names few identities twice"
# probes, reclaim and the frees of reclaimed allocations are counted
tr -d ' \n' <"$TMP/run.json" | grep -q '"command":"run","workload":{"path":"workloads/smoke.yaml","seed":2026' && ok ||
	bad "run summary lacks the workload"
for k in hugepage_attempts reclaimed_pages kswapd_wakeups reclaimed_then_freed; do
	v=$(tr -d ' \n' <"$TMP/run.json" | grep -o "\"$k\":[0-9]*" | head -1 | cut -d: -f2)
	[ "${v:-0}" -gt 0 ] && ok || bad "run summary: $k is ${v:-missing}"
done
head -1 "$TMP/run.csv" | grep -q ',hugepage_attempts,hugepage_successes,reclaimed_pages$' && ok ||
	bad "CSV lacks the workload columns"
printf 'duration: 1s\nclasses: [{name: a, rate: 1}]\nbogus: 3\n' >"$TMP/w.yaml"
expect_fail wl-unknown-key 1 'w.yaml:3:1: unknown key "bogus"' run "$TMP/w.yaml"
printf 'duration: 1s\nclasses:\n  - {name: a, rate: 1, order: 9}\n' >"$TMP/w9.yaml"
expect_fail wl-order 1 'w9.yaml:3:31: "order" 9 is above the machine'"'"'s max_order 8' run --max-order 8 "$TMP/w9.yaml"
expect_fail wl-order-gen 1 'w9.yaml:3:31: "order" 9 is above' gen --max-order 8 "$TMP/w9.yaml"
printf 'duration: 1s\nclasses: [{name: a, rate: 1}]\nmachine: nosuch.yaml\n' >"$TMP/wm.yaml"
expect_fail wl-machine 1 'wm.yaml:3:10: machine: cannot open machine file' run "$TMP/wm.yaml"
expect_fail run-format 2 'fragsim run: --format applies to traces, not to workloads' run --format native $W
expect_fail run-placement 2 'fragsim run: --placement applies to traces' run --placement trace $W
expect_fail run-none 2 'no workload given' run
expect_fail run-two 2 'one workload at a time' run $W $W
expect_fail run-missing 1 'cannot open workload "nope.yaml"' run nope.yaml
"$FRAGSIM" gen "$TMP/w9.yaml" --max-order 8 -o "$TMP/none.trace" 2>/dev/null
[ ! -e "$TMP/none.trace" ] && ok || bad "a failed gen left an output behind"

# --- --placement trace with a policy that has per-CPU lists: the lists are
# off, so the kernel's reuse of freed pages never conflicts
"$FRAGSIM" replay -q --machine traces/vm-24g.yaml --policy linux-6.15 --placement trace \
	--summary "$TMP/tp.json" -o /dev/null traces/build-2s.trace 2>/dev/null
grep -q '"placement_conflicts": 0' "$TMP/tp.json" && grep -q '"double_frees": 24' "$TMP/tp.json" && ok ||
	bad "trace placement with linux-6.15 conflicts with its per-CPU lists"

# --- compaction (issue #5): the proactive-compaction fragmenter on 256 MiB
awk -f "$DIR/fragmenter.awk" >"$TMP/frag.trace"
# last zone=all value of column NAME for POLICY in CSV: col CSV POLICY NAME
col() {
	awk -F, -v p="$2" -v n="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next }
		$3 == "all" && $4 == p { v = $c } END { print v }' "$1"
}
"$FRAGSIM" replay -q --memory 256M --every 1000000 --compact-at 4.0 -o "$TMP/frag.csv" \
	--policy buddy,buddy+compaction:compaction_proactiveness=0,linux-6.15+compaction:compaction_proactiveness=0 \
	"$TMP/frag.trace" 2>/dev/null || bad "compaction: replay of the fragmenter failed"
[ "$(col "$TMP/frag.csv" buddy free_pageblocks)" = 0 ] && ok ||
	bad "fragmenter: plain buddy has $(col "$TMP/frag.csv" buddy free_pageblocks) free pageblocks, expected 0"
fb=$(col "$TMP/frag.csv" buddy+compaction:compaction_proactiveness=0 free_pageblocks)
[ "${fb:-0}" -ge 90 ] && ok || bad "fragmenter: manual compaction left $fb free pageblocks of 96 possible"
fb=$(col "$TMP/frag.csv" linux-6.15+compaction:compaction_proactiveness=0 free_pageblocks)
[ "${fb:-0}" -ge 70 ] && ok || bad "fragmenter: linux-6.15 with manual compaction left $fb free pageblocks"
[ "$(col "$TMP/frag.csv" buddy+compaction:compaction_proactiveness=0 compact_runs_manual)" = 1 ] && ok ||
	bad "fragmenter: --compact-at did not run exactly one manual compaction"
# proactive compaction (default proactiveness 20): kcompactd's timer finds the
# node score over 90 and compacts each zone until its score is <= 80 (an
# integer percentage: an unusable index of 0.801 is a score of 80)
"$FRAGSIM" replay -q --memory 256M --every 1000000 -o "$TMP/pro.csv" \
	--policy buddy+compaction,buddy+compaction:compaction_proactiveness=0 "$TMP/frag.trace" 2>/dev/null
u=$(col "$TMP/pro.csv" buddy+compaction unusable_9)
awk -v u="$u" 'BEGIN { exit !(u > 0.70 && u < 0.81) }' && ok ||
	bad "proactive: unusable index at order 9 is $u, expected just under the low mark 0.80"
[ "$(col "$TMP/pro.csv" buddy+compaction:compaction_proactiveness=0 unusable_9)" = 1.000 ] && ok ||
	bad "proactiveness=0 still compacted"
[ "$(col "$TMP/pro.csv" buddy+compaction compact_runs_proactive)" -ge 1 ] && ok || bad "no proactive run counted"
expect_fail compaction-tunable 2 'tunable "pinned" expects 0..1000' replay -p buddy+compaction:pinned=2000 traces/tiny.trace
expect_fail compaction-tunable-base 2 'has no tunable "nofragment"' replay -p buddy+compaction:nofragment=on traces/tiny.trace
expect_fail compact-at-bad 2 '--compact-at expects' replay --compact-at soon traces/tiny.trace
"$FRAGSIM" policies | grep -q 'compaction_proactiveness *default 20' && ok || bad "policies does not list compaction tunables"
# the kernel's own compaction in a trace (reference §4.8 lines) is counted per
# timestep: runs, scanned, isolated, migrated, mm_migrate_pages successes
"$FRAGSIM" replay -q --every 1 -o "$TMP/kc.csv" "$DIR/ftrace/compaction-6.18.txt" 2>/dev/null
[ "$(col "$TMP/kc.csv" buddy kernel_compaction_runs),$(col "$TMP/kc.csv" buddy kernel_compact_migrate_scanned),$(col "$TMP/kc.csv" buddy kernel_compact_free_scanned),$(col "$TMP/kc.csv" buddy kernel_compact_isolated),$(col "$TMP/kc.csv" buddy kernel_compact_migrated),$(col "$TMP/kc.csv" buddy kernel_migrate_pages)" = "1,511,48,16,2,14" ] && ok ||
	bad "kernel compaction events not counted as recorded"

# a workload's compact: times are manual compactions in run and compact
# lines in gen, so run and gen + replay still agree
cat >"$TMP/wc.yaml" <<'YAML'
seed: 5
machine: 64M
compact: [3s, 1500ms]
classes:
  - {name: keep, rate: 4000, gfp: GFP_HIGHUSER_MOVABLE, lifetime: forever, footprint: 24%}
  - {name: drop, rate: 12000, gfp: GFP_HIGHUSER_MOVABLE, lifetime: 1s, footprint: 70%}
phases:
  - {name: fill, duration: 1s}
  - {name: settle, duration: 3s, classes: []}
YAML
"$FRAGSIM" run -q "$TMP/wc.yaml" -p buddy+compaction:compaction_proactiveness=0,buddy -i 500ms \
	-o "$TMP/wc-run.csv" 2>/dev/null &&
	"$FRAGSIM" gen "$TMP/wc.yaml" -o "$TMP/wc.trace" 2>/dev/null &&
	"$FRAGSIM" replay -q --memory 64M -p buddy+compaction:compaction_proactiveness=0,buddy -i 500ms \
		-o "$TMP/wc-rep.csv" "$TMP/wc.trace" 2>/dev/null &&
	[ "$(grep -c ' compact$' "$TMP/wc.trace")" = 2 ] && cmp -s "$TMP/wc-run.csv" "$TMP/wc-rep.csv" &&
	[ "$(col "$TMP/wc-run.csv" buddy+compaction:compaction_proactiveness=0 compact_runs_manual)" = 2 ] && ok ||
	bad "workload compact: times not run alike by run and gen + replay"

# run --seed replaces the workload's seed (batch seeds use it); replay refuses it
"$FRAGSIM" run -q workloads/smoke.yaml --seed 7 -o "$TMP/s7a.csv" 2>/dev/null &&
	"$FRAGSIM" run -q workloads/smoke.yaml --seed 7 -o "$TMP/s7b.csv" 2>/dev/null &&
	"$FRAGSIM" run -q workloads/smoke.yaml --seed 8 -o "$TMP/s8.csv" 2>/dev/null &&
	cmp -s "$TMP/s7a.csv" "$TMP/s7b.csv" && ! cmp -s "$TMP/s7a.csv" "$TMP/s8.csv" && ok ||
	bad "run --seed does not replace the workload's seed"
expect_fail replay-seed 2 '--seed applies to workloads' replay --seed 3 traces/tiny.trace

# --- batch runs and plots (issue #9)
. "$DIR/batch.sh"
. "$DIR/plot.sh"
# --- kernel-exact replay (issue #6)
. "$DIR/kexact.sh"
. "$DIR/initial.sh"
# --- keyed zones (issue #7): Bligh's 2001 proposal
"$FRAGSIM" policies | grep -q "^keyed-zones " && ok || bad "policies does not list keyed-zones"
"$FRAGSIM" policies | grep -q "^  defrag_period " && ok || bad "policies does not list keyed-zones tunables"
expect_fail keyed-bad-key 2 'unknown part "pid"' replay --memory 1M -p keyed-zones:key=mt+pid traces/tiny.trace
expect_fail keyed-bad-order 2 'tunable "zone_order" expects 0..10' replay --memory 64M -p keyed-zones:zone_order=11 traces/tiny.trace
golden keyed-tiny --machine traces/vm-24g.yaml --policy buddy,keyed-zones --every 10 traces/tiny.trace
# Bligh's scenario (tests/cli/bligh.awk): long-lived cache pages among short-lived
# task and packet pages, to half the memory and back. Plain buddy and grouping
# (cache and task pages are both movable) leave the cache pages dispersed; keyed
# zones keep them in cache zones: 46 free pageblocks of 64, the optimum.
awk -f "$DIR/bligh.awk" >"$TMP/bligh.trace"
"$FRAGSIM" replay -q --memory 128M --policy buddy,linux-6.15,keyed-zones,keyed-zones:defrag=off --every 1000000 \
	-o "$TMP/bligh.csv" -s "$TMP/bligh.json" "$TMP/bligh.trace" 2>/dev/null || bad "bligh run failed"
# final zone=all rows: policy, unusable_9, free_pageblocks
kfinal() { grep ",all,$1," "$TMP/bligh.csv" | tail -1 | cut -d, -f26,40; }
[ "$(kfinal buddy)" = "0.359,30" ] && ok || bad "bligh: buddy ends with $(kfinal buddy), expected 0.359,30"
[ "$(kfinal linux-6.15)" = "0.354,29" ] && ok || bad "bligh: linux-6.15 ends with $(kfinal linux-6.15), expected 0.354,29"
[ "$(kfinal keyed-zones)" = "0.017,46" ] && ok || bad "bligh: keyed-zones ends with $(kfinal keyed-zones), expected 0.017,46"
[ "$(kfinal keyed-zones:defrag=off)" = "0.017,46" ] && ok || bad "bligh: keyed-zones:defrag=off ends with $(kfinal keyed-zones:defrag=off)"
tr -d ' \n' <"$TMP/bligh.json" | grep -q '"policy_stats":{"keyed_zones":18,"unkeyed_zones":46,"distinct_keys":2,' && ok ||
	bad "bligh: keyed-zones policy_stats in the summary"
# the defragmenter's moves are migrated pages, and every page is accounted for
[ "$(grep ',all,keyed-zones,' "$TMP/bligh.csv" | tail -1 | awk -F, '{ print ($57 > 0) }')" = 1 ] && ok ||
	bad "bligh: keyed-zones migrated no page"
# Bligh's scenario as a workload (tests/cli/bligh-small.yaml: workloads/bligh.yaml
# at 1/8 scale): after busy then idle, a surge of atomic order-1/2 requests fails
# under plain buddy with most memory free; keyed zones give the network key zones
# of its own, kept available by the low-water pressure reclaim
"$FRAGSIM" run -q -p buddy,keyed-zones,keyed-zones:reclaim_pressure=off -o /dev/null -s "$TMP/bw.json" \
	"$DIR/bligh-small.yaml" 2>/dev/null || bad "bligh-small run failed"
# bwf N KEY: counter KEY of the summary's Nth policy
bwf() { tr -d ' \n' <"$TMP/bw.json" | grep -o "\"$2\":[0-9]*" | sed -n "$1p" | cut -d: -f2; }
b=$(bwf 1 failures_order_ge1) k=$(bwf 2 failures_order_ge1) kp=$(bwf 3 failures_order_ge1)
[ "${b:-0}" -gt 1000 ] && ok || bad "bligh-small: buddy failed ${b:-?} atomic high-order requests, expected over 1000"
[ "$k" = 0 ] && ok || bad "bligh-small: keyed-zones failed ${k:-?}, expected 0"
[ "${kp:-0}" -gt 0 ] && [ "$kp" -lt "$b" ] && ok ||
	bad "bligh-small: keyed-zones without pressure failed ${kp:-?}, expected between 0 and buddy's $b"
[ "$(bwf 2 pressure_reclaimed_pages)" -gt 0 ] && [ "$(bwf 3 pressure_reclaimed_pages)" = 0 ] && ok ||
	bad "bligh-small: pressure reclaim counted wrong"
# Gorman's stress (above): the migrate type in the key separates the long-lived
# unmovable pages as grouping does (their 2 pageblocks count as mixed: keyed
# zones leave pageblock types alone)
"$FRAGSIM" replay -q --memory 64M --policy keyed-zones --every 1000000 -o "$TMP/stress-kz.csv" "$TMP/stress.trace" 2>/dev/null
[ "$(grep ',all,' "$TMP/stress-kz.csv" | tail -1 | cut -d, -f26,40,45)" = "0.005,30,2" ] && ok ||
	bad "stress: keyed-zones ends with $(grep ',all,' "$TMP/stress-kz.csv" | tail -1 | cut -d, -f26,40,45)"
# with trace placement the defragmenter is off: no conflicts with the trace
"$FRAGSIM" replay -q --machine traces/vm-24g.yaml --placement trace --policy keyed-zones -o /dev/null \
	-s "$TMP/kzt.json" traces/build-2s.trace 2>/dev/null
grep -q '"placement_conflicts": 0' "$TMP/kzt.json" && grep -q '"migrated_pages": 0' "$TMP/kzt.json" && ok ||
	bad "keyed-zones: trace placement conflicts with the defragmenter"
# a debug-checked run with several zone types and holes
"$FRAGSIM" replay -q --debug-check --machine traces/vm-24g.yaml --policy keyed-zones:zone_order=4 -o /dev/null \
	traces/tiny.trace 2>/dev/null && ok || bad "keyed-zones: debug-checked run of tiny.trace failed"

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
