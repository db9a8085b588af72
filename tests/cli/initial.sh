# initial.sh - CLI tests of --initial FILE from a buddyinfo or pagetypeinfo
# snapshot (sim/initial.c), sourced by run.sh (its ok/bad/expect_fail,
# $FRAGSIM, $TMP, $DIR).

# On the project's captures: the state before the first event has exactly
# the snapshot's free blocks per zone and order (the CSV's first rows), and
# per type (the simulated pagetypeinfo's free rows), in both layouts.
: > "$TMP/empty.trace"
for cd_ in traces/pagecache-churn traces/thp-burst traces/compact-manual; do
	S=$cd_/snapshots
	[ -f "$S/snap_pagetypeinfo.txt" ] || continue
	cn=${cd_##*/}
	# buddyinfo's first record as "zone c0 c1 ..."
	sed -n '2,/^###/s/^Node 0, zone *\([A-Za-z0-9]*\) */\1 /p' "$S/snap_buddyinfo.txt" | tr -s ' ' | sed 's/ $//' > "$TMP/$cn.bi"
	for lay in spread packed; do
		if ! "$FRAGSIM" replay -q -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "$S/snap_pagetypeinfo.txt" \
			--initial-layout $lay -p buddy,linux-6.15 --dump-pagetypeinfo "$TMP/$cn.pti" \
			-o "$TMP/$cn.csv" "$TMP/empty.trace" 2>"$TMP/$cn.err"; then
			bad "initial $cn $lay: exit status $? ($(tail -2 "$TMP/$cn.err"))"; continue
		fi
		# columns 3 zone, 4 policy, 6..16 free_blocks_0..10
		for p in buddy linux-6.15; do
			awk -F, -v p=$p 'NR > 1 && $2 == 0 && $4 == p && $3 != "all" { s = $3; for (i = 6; i <= 16; i++) s = s " " $i; print s }' \
				"$TMP/$cn.csv" > "$TMP/$cn.sim"
			cmp -s "$TMP/$cn.bi" "$TMP/$cn.sim" && ok ||
				bad "initial $cn $lay $p: first rows differ from buddyinfo: $(diff "$TMP/$cn.bi" "$TMP/$cn.sim" | head -4)"
		done
		sed -n '2,/^###/p' "$S/snap_pagetypeinfo.txt" | grep 'type  *[A-Z]' | tr -s ' ' > "$TMP/$cn.want"
		grep 'type  *[A-Z]' "$TMP/$cn.pti.linux-6.15" | tr -s ' ' > "$TMP/$cn.got"
		cmp -s "$TMP/$cn.want" "$TMP/$cn.got" && ok ||
			bad "initial $cn $lay: free rows per type differ: $(diff "$TMP/$cn.want" "$TMP/$cn.got" | head -4)"
	done
	grep -q "initial state from $S/snap_pagetypeinfo.txt (the pagetypeinfo record at line 1, packed)" "$TMP/$cn.err" && ok ||
		bad "initial $cn: report: $(head -2 "$TMP/$cn.err")"
done
# buddyinfo alone: every block Movable, the same free counts
S=traces/thp-burst/snapshots
"$FRAGSIM" replay -q -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "buddyinfo:$S/snap_buddyinfo.txt" -p linux-6.15 \
	-o "$TMP/bi.csv" "$TMP/empty.trace" 2>"$TMP/bi.err" &&
	awk -F, 'NR > 1 && $3 != "all" { s = $3; for (i = 6; i <= 16; i++) s = s " " $i; print s }' "$TMP/bi.csv" | cmp -s - "$TMP/thp-burst.bi" &&
	[ "$(awk -F, 'NR > 1 && $3 == "Normal" { print $41 "," $43 }' "$TMP/bi.csv")" = "0,0" ] && ok ||
	bad "initial buddyinfo: $(head -3 "$TMP/bi.err")"
# the pagecache-churn capture replayed from its snapshot: pagetypeinfo
# counts 1792 of Normal's 10752 pageblocks, the rest is not online yet
S=traces/pagecache-churn/snapshots
"$FRAGSIM" replay -q -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "$S/snap_pagetypeinfo.txt" -p buddy,linux-6.15 \
	-s "$TMP/pc.json" -o "$TMP/pc.csv" traces/pagecache-churn/trace_pipe.txt.zst 2>"$TMP/pc.err" &&
	grep -q 'Normal .*; 8960 pageblocks at the top not online yet' "$TMP/pc.err" &&
	grep -q 'linux-6.15: 141051 events, 70464 allocs' "$TMP/pc.err" && ok ||
	bad "initial pagecache-churn replay: $(grep -v warning "$TMP/pc.err" | head -4)"
# errors: a machine without the snapshot's zones, the wrong placement, a
# policy with free areas of its own, a bad layout, a file of another kind
expect_fail initial-machine 1 "the snapshot's zone DMA is not in the machine" replay -m 1G --initial "$S/snap_buddyinfo.txt" "$TMP/empty.trace"
expect_fail initial-trace 2 'needs --placement policy' replay --placement trace -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "$S/snap_buddyinfo.txt" "$TMP/empty.trace"
expect_fail initial-layout 2 '--initial-layout expects spread or packed' replay --initial-layout tight --initial "$S/snap_buddyinfo.txt" "$TMP/empty.trace"
expect_fail initial-kind 1 'no /proc/buddyinfo record' replay -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "buddyinfo:$S/snap_pagetypeinfo.txt" "$TMP/empty.trace"
expect_fail initial-zoneinfo 1 'not a buddyinfo or pagetypeinfo\|no /proc/buddyinfo or pagetypeinfo record' replay -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "$S/snap_zoneinfo.txt" "$TMP/empty.trace"
# memory coming online: the offline top of Normal (pfn 0x1e0000 on) comes in
# block by block at the trace's memory-online frees, once each
S=traces/pagecache-churn/snapshots
printf '          <idle>-0       [000] d..1.   100.000000: mm_page_free: page=0000000000000000 pfn=0x1e0000 order=10\n          <idle>-0       [000] d..1.   100.000001: mm_page_free: page=0000000000000000 pfn=0x1e0000 order=10\n          <idle>-0       [000] d..1.   100.000002: mm_page_free: page=0000000000000000 pfn=0x1e0400 order=10\n' >"$TMP/online.trace"
"$FRAGSIM" replay -q -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "$S/snap_pagetypeinfo.txt" -p linux-6.15 --debug-check \
	-e 1 -o "$TMP/online.csv" "$TMP/online.trace" 2>"$TMP/online.err" &&
	[ "$(awk -F, '$3 == "Normal" { printf "%s ", $5 }' "$TMP/online.csv")" = "778177 779201 779201 780225 " ] && ok ||
	bad "initial: memory online: $(awk -F, '$3 == "Normal"' "$TMP/online.csv" | cut -c1-60) $(tail -2 "$TMP/online.err")"
# the JSON summary says where the start came from
S=traces/thp-burst/snapshots
"$FRAGSIM" replay -q -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "$S/snap_pagetypeinfo.txt" --initial-layout packed \
	-o /dev/null -s "$TMP/init.json" "$TMP/empty.trace" 2>/dev/null &&
	tr -d ' \n' <"$TMP/init.json" | grep -q '"initial":{"path":"traces/thp-burst/snapshots/snap_pagetypeinfo.txt","kind":"pagetypeinfo","record_line":1,"layout":"packed"}' &&
	ok || bad "initial: summary: $(grep -A5 '"initial"' "$TMP/init.json")"
# keyed zones from a snapshot: the same free pages, blocks cut at
# zone_order (each order-10 block is two order-9 ones); the pages allocated
# before the trace key their zones to an unknown allocator; memory coming
# online is new unkeyed zones (both checkers after every event)
S=traces/thp-burst/snapshots
"$FRAGSIM" replay -q -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "buddyinfo:$S/snap_buddyinfo.txt" -p keyed-zones \
	-o "$TMP/kzi.csv" "$TMP/empty.trace" 2>"$TMP/kzi.err" &&
	awk '{ $11 += 2 * $12; $12 = 0; print }' "$TMP/thp-burst.bi" > "$TMP/kzi.want" &&
	awk -F, 'NR > 1 && $2 == 0 && $3 != "all" { s = $3; for (i = 6; i <= 16; i++) s = s " " $i; print s }' "$TMP/kzi.csv" |
	cmp -s - "$TMP/kzi.want" && ok || bad "initial keyed-zones: first rows: $(head -3 "$TMP/kzi.err")"
S=traces/pagecache-churn/snapshots
"$FRAGSIM" replay -q -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "$S/snap_pagetypeinfo.txt" -p keyed-zones --debug-check \
	-e 1 -o "$TMP/kzo.csv" "$TMP/online.trace" 2>"$TMP/kzo.err" &&
	[ "$(awk -F, '$3 == "Normal" { printf "%s ", $5 }' "$TMP/kzo.csv")" = "778177 779201 779201 780225 " ] && ok ||
	bad "initial keyed-zones: memory online: $(awk -F, '$3 == "Normal"' "$TMP/kzo.csv" | cut -c1-60) $(tail -2 "$TMP/kzo.err")"
"$FRAGSIM" replay -q -M "zoneinfo:$S/snap_zoneinfo.txt" --initial "$S/snap_pagetypeinfo.txt" -p keyed-zones,buddy \
	-o /dev/null traces/pagecache-churn/trace_pipe.txt.zst 2>"$TMP/kzr.err" &&
	grep -q 'keyed-zones: 141051 events, 70464 allocs' "$TMP/kzr.err" && ok ||
	bad "initial keyed-zones: pagecache-churn replay: $(grep -v warning "$TMP/kzr.err" | head -4)"
