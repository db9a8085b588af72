# kexact.sh - CLI tests of kernel-exact replay (--placement kernel, issue #6),
# sourced by run.sh (its ok/bad/expect_fail, $FRAGSIM, $TMP, $DIR).

# The project's captures replayed at the buddy level from kpageflags_start:
# at every capture_snap checkpoint DMA and DMA32 are identical to the
# kernel's buddyinfo and Normal is within 0.1% of its free pages (the
# issue's target is 1%; all captures so far are under 0.1%); the first
# checkpoint (seq 0, just after the kpageflags read) is identical.
# The shared captures (../shared/traces, 22 and 23 per-second checkpoints)
# are used when they are there.
# kx_run NAME DIR: the checkpoint CSV in $TMP/NAME.kx.csv, stderr in .kx.err
kx_run() {
	d=$2
	z=$d/snapshots/snap_zoneinfo.txt; [ -f "$z" ] || z=$z.zst
	b=$d/snapshots/snap_buddyinfo.txt; [ -f "$b" ] || b=$b.zst
	"$FRAGSIM" replay -q --placement kernel -M "zoneinfo:$z" \
		--initial "kpageflags:$d/kpageflags_start.bin.zst" --initial-buddyinfo "$b" \
		--checkpoints "$b" --checkpoints-out "$TMP/$1.kx.csv" \
		-o "$TMP/$1.kx.ts.csv" "$d/trace_pipe.txt.zst" 2>"$TMP/$1.kx.err"
}
for cd_ in traces/pagecache-churn traces/thp-burst traces/compact-manual ../shared/traces/build ../shared/traces/anon-churn; do
	[ -f "$cd_/kpageflags_start.bin.zst" ] || continue
	cn=${cd_##*/}
	if ! kx_run "$cn" "$cd_"; then bad "kernel replay $cn: exit status $? ($(tail -2 "$TMP/$cn.kx.err"))"; continue; fi
	n=$(grep -c ',DMA32,' "$TMP/$cn.kx.csv")
	[ "$n" -ge 2 ] && ok || bad "kernel replay $cn: $n DMA32 checkpoints"
	# columns: policy,seq,time_s,zone,kernel_free_pages,sim_free_pages,diff_free_pages,abs_diff_blocks,abs_diff_pages
	awk -F, 'NR > 1 && ($4 == "DMA" || $4 == "DMA32") && ($8 != 0 || $9 != 0) { exit 1 }' "$TMP/$cn.kx.csv" && ok ||
		bad "kernel replay $cn: DMA/DMA32 differ from buddyinfo: $(awk -F, '$4 ~ /DMA/ && $9 != 0' "$TMP/$cn.kx.csv" | head -2)"
	awk -F, 'NR > 1 && $4 == "Normal" { d = $7 < 0 ? -$7 : $7; if (d * 1000 > $5) exit 1 }' "$TMP/$cn.kx.csv" && ok ||
		bad "kernel replay $cn: Normal off by more than 0.1%: $(grep ',Normal,' "$TMP/$cn.kx.csv" | head -3)"
	[ "$(awk -F, '$2 == 0 { s += $8 + $9 } END { print s + 0 }' "$TMP/$cn.kx.csv")" = 0 ] && ok ||
		bad "kernel replay $cn: the first checkpoint is not identical"
	grep -q 'kernel-exact replay: buddy_takes=' "$TMP/$cn.kx.err" && grep -q 'checkpoints: [0-9]* capture_snap markers, 0 without' "$TMP/$cn.kx.err" &&
		ok || bad "kernel replay $cn: no counters or checkpoint summary on stderr"
	# the per-timestep CSV is the machine's history: its first Normal row
	# (before any event) holds the free pages the kpageflags state has
	kp=$(sed -n 's/^fragsim:   Normal *\([0-9]*\) free pages.*/\1/p' "$TMP/$cn.kx.err")
	[ -n "$kp" ] && [ "$(grep -m1 ',Normal,' "$TMP/$cn.kx.ts.csv" | cut -d, -f2,5)" = "0,$kp" ] && ok ||
		bad "kernel replay $cn: first Normal row $(grep -m1 ',Normal,' "$TMP/$cn.kx.ts.csv" | cut -c1-40), kpageflags $kp"
done
# the initial layout is reported per zone and settled by buddyinfo
grep -q 'Normal .* free pages; 0 ambiguous blocks split to match buddyinfo, now identical' "$TMP/thp-burst.kx.err" && ok ||
	bad "kernel replay: initial-state report: $(head -4 "$TMP/thp-burst.kx.err")"

# --final: page by page against kpageflags_end at the end read's marker
"$FRAGSIM" replay -q --placement kernel -M "zoneinfo:traces/thp-burst/snapshots/snap_zoneinfo.txt" \
	--initial kpageflags:traces/thp-burst/kpageflags_start.bin.zst --final kpageflags:traces/thp-burst/kpageflags_end.bin.zst \
	-o /dev/null traces/thp-burst/trace_pipe.txt.zst 2>"$TMP/final.err" &&
	grep -q 'final pages vs kpageflags, zone DMA32: 0 free only in the simulation, 0 free only in the kernel' "$TMP/final.err" &&
	grep -q 'final pages vs kpageflags, zone Normal: [0-9]* free only' "$TMP/final.err" && ok ||
	bad "kernel replay --final: $(grep 'final pages' "$TMP/final.err")"
expect_fail final-spec 2 '--final expects kpageflags:FILE' replay --placement kernel --final x.bin traces/tiny.trace

# compaction's free scanner: every page it took is found in the ranges
grep -q 'compaction_isolated=57158 ' "$TMP/compact-manual.kx.err" && ! grep -q 'isolate_mismatches=' "$TMP/compact-manual.kx.err" &&
	ok || bad "kernel replay compact-manual: $(grep 'kernel-exact replay' "$TMP/compact-manual.kx.err")"

# bad input: clear messages, no crash
KD=traces/thp-burst
KZ="zoneinfo:$KD/snapshots/snap_zoneinfo.txt"
zstd -dc "$KD/kpageflags_start.bin.zst" | head -c 4096000 >"$TMP/short.kpf"
expect_fail kpf-size 1 'needs exactly 52428800 bytes' replay -q --placement kernel -M "$KZ" \
	--initial "kpageflags:$TMP/short.kpf" -o /dev/null "$KD/trace_pipe.txt.zst"
expect_fail kpf-no-machine 2 'need the machine' replay --placement kernel --initial "kpageflags:$TMP/short.kpf" "$KD/trace_pipe.txt.zst"
expect_fail kpf-not-kernel 2 'need --placement kernel' replay -M "$KZ" --initial "kpageflags:$TMP/short.kpf" "$KD/trace_pipe.txt.zst"
expect_fail kpf-spec 2 'needs --placement policy' replay --placement kernel -M "$KZ" --initial "$TMP/short.kpf" "$KD/trace_pipe.txt.zst"
expect_fail kpf-missing 1 'cannot open' replay -q --placement kernel -M "$KZ" --initial "kpageflags:$TMP/nosuch" "$KD/trace_pipe.txt.zst"
expect_fail kx-two-traces 2 'replays one trace' replay --placement kernel traces/tiny.trace traces/tiny.trace
expect_fail placement-bad 2 'policy, trace or kernel' replay --placement exact traces/tiny.trace
expect_fail kx-compact-at 2 '--compact-at acts on simulated policies' replay --placement kernel --compact-at 1 traces/tiny.trace
# checkpoints need the capture headers to match markers
zstd -dc "$DIR/inspect/build-buddyinfo.txt.zst" 2>/dev/null | grep -v '^###' >"$TMP/nohdr.bi"
expect_fail ckpt-no-header 1 'without a "### capture_snap seq=N" header' replay -q --placement kernel -M "$KZ" \
	--checkpoints "$TMP/nohdr.bi" -o /dev/null "$KD/trace_pipe.txt.zst"
# snapshots the trace has no marker for are reported, and the run goes on
{ cat "$KD/snapshots/snap_buddyinfo.txt"; sed -n '/^### capture_snap seq=1 /,$p' "$KD/snapshots/snap_buddyinfo.txt" |
	sed '1s/seq=1 /seq=9 /'; } >"$TMP/extra.bi"
"$FRAGSIM" replay -q --placement kernel -M "$KZ" --checkpoints "$TMP/extra.bi" -o /dev/null "$KD/trace_pipe.txt.zst" \
	2>"$TMP/extra.err" && grep -q '1 snapshots had no marker in the trace (first seq=9)' "$TMP/extra.err" && ok ||
	bad "checkpoints: unmatched snapshot not reported: $(grep checkpoints "$TMP/extra.err")"
# lost events: reported, the replay continues with its counts
{ zstd -dc "$KD/trace_pipe.txt.zst" | sed -n '1,3000p'; echo 'CPU:1 [LOST 17 EVENTS]'
  zstd -dc "$KD/trace_pipe.txt.zst" | sed -n '3001,6000p'; } >"$TMP/lost.txt"
"$FRAGSIM" replay -q --placement kernel -M "$KZ" --initial "kpageflags:$KD/kpageflags_start.bin.zst" -o /dev/null \
	"$TMP/lost.txt" 2>"$TMP/lost.err" && grep -q 'reports 17 lost events' "$TMP/lost.err" &&
	grep -q 'kernel-exact replay: ' "$TMP/lost.err" && grep -q 'no capture_kpageflags_end marker' "$TMP/lost.err" && ok ||
	bad "kernel replay with lost events: $(grep -i lost "$TMP/lost.err" | head -2)"
# other placements keep skipping the buddy-level events: kernel placement
# reads zone_locked, pcpu_drain, extfrag and the 3 capture markers (two
# capture_snap, the end kpageflags read's begin) on top of the rest
for p in trace kernel; do
	"$FRAGSIM" replay -q --placement $p -M "$KZ" --summary "$TMP/kx-$p.json" -o /dev/null "$KD/trace_pipe.txt.zst" 2>/dev/null ||
		bad "placement $p on $KD: exit status $?"
done
j=$TMP/kx-kernel.json
[ "$(json_num "$TMP/kx-trace.json" events)" = 35639 ] &&
	[ "$(json_num "$j" events)" = $((35639 + $(json_num "$j" mm_page_pcpu_drain) + $(json_num "$j" mm_page_alloc_zone_locked) + $(json_num "$j" mm_page_alloc_extfrag) + 3)) ] &&
	ok || bad "placement trace/kernel: event counts $(json_num "$TMP/kx-trace.json" events) / $(json_num "$j" events)"
