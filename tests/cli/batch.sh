# batch.sh - CLI tests of `fragsim batch` (issue #9), sourced by run.sh:
# uses its FRAGSIM, DIR, TMP, ok, bad and expect_fail.
B="$TMP/batch"
mkdir -p "$B"
REPO=$(pwd)
awk -f "$DIR/stress.awk" >"$B/stress.trace"
printf '0.0 A 0x10 0\n0.1 X 0x20 1\n' >"$B/bad.trace"

# field NAME CSV ROWMATCH: column NAME (by header) of the first row containing ROWMATCH
field() {
	awk -F, -v col="$1" -v m="$3" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == col) c = i; next }
		index($0, m) { print $c; exit }' "$2"
}

# --- an output directory on a full disk is refused before any run starts:
# a 1 MiB tmpfs in a private mount namespace (root only; skipped otherwise)
printf 'inputs: [%s/traces/tiny.trace]\npolicies: [buddy]\nmemory: 64M\n' "$REPO" >"$B/one.yaml"
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
	mkdir -p "$B/full"
	unshare -m sh -c "mount -t tmpfs -o size=1M tmpfs '$B/full' && '$FRAGSIM' batch -q '$B/one.yaml' -o '$B/full/out'" \
		>"$B/full.out" 2>&1
	rc=$?
	[ $rc = 126 ] && grep -q 'is on a full disk' "$B/full.out" && [ ! -e "$B/full/out" ] && ok ||
		bad "batch on a full disk: exit status $rc ($(cat "$B/full.out"))"
else
	echo "cli: skipped the full-disk batch check (needs root and unshare)"
fi

# --- a grid: 1 + 2 policy specs x 2 traces, relative paths, run with -j 2
cat >"$B/grid.yaml" <<EOF
# two traces, buddy and a linux-6.15 grid
inputs: [stress.trace, $REPO/traces/tiny.trace]
policies:
  - buddy
  - linux-6.15: {pcp: [on, off]}
memory: 64M
every: 1000000
EOF
"$FRAGSIM" batch -j 2 "$B/grid.yaml" -o "$B/out" >"$B/out.stdout" 2>"$B/out.err"
rc=$?
[ $rc = 0 ] && ok || bad "batch grid: exit status $rc ($(cat "$B/out.err"))"
[ "$(ls "$B/out/runs" | grep -c '\.json$')" = 6 ] && ok || bad "batch grid: not 6 run summaries: $(ls "$B/out/runs")"
for id in stress__buddy stress__linux-6.15_pcp=on stress__linux-6.15_pcp=off tiny__buddy; do
	[ -s "$B/out/runs/$id.csv" ] && [ -s "$B/out/runs/$id.json" ] && [ -e "$B/out/runs/$id.log" ] && ok ||
		bad "batch grid: run id $id missing"
done
# the stress figures of the README, through the batch
[ "$(field unusable_pb_final "$B/out/summary.csv" stress__buddy,)" = 0.933 ] && ok || bad "batch: buddy's final unusable index"
[ "$(field free_pageblocks_final "$B/out/summary.csv" stress__buddy,)" = 2 ] && ok || bad "batch: buddy's free pageblocks"
[ "$(field unusable_pb_final "$B/out/summary.csv" 'stress__linux-6.15_pcp=off,')" = 0.005 ] && ok || bad "batch: pcp=off"
[ "$(field policy "$B/out/summary.csv" 'stress__linux-6.15_pcp=on,')" = linux-6.15:pcp=on ] && ok || bad "batch: policy column"
[ "$(field status "$B/out/summary.csv" tiny__buddy,)" = done ] && ok || bad "batch: status column"
# pages migrated is a real 0 without compaction; a counter no run has
# (hugepage probes come with workloads) is empty, not 0
[ "$(field pages_migrated "$B/out/summary.csv" stress__buddy,)" = 0 ] &&
	[ -z "$(field hugepage_success_rate "$B/out/summary.csv" stress__buddy,)" ] && ok || bad "batch: absent counters not empty"
# a run's outputs are what replay itself writes
"$FRAGSIM" replay -q --memory 64M --every 1000000 --policy linux-6.15:pcp=on -o "$B/direct.csv" "$B/stress.trace" 2>/dev/null
cmp -s "$B/direct.csv" "$B/out/runs/stress__linux-6.15_pcp=on.csv" && ok || bad "batch: run CSV differs from a direct replay"
# compare.csv ranks: pcp=off 0.005, pcp=on 0.044, buddy 0.933
[ "$(grep stress "$B/out/compare.csv" | cut -d, -f2,3 | tr '\n' ' ')" = "1,linux-6.15:pcp=off 2,linux-6.15:pcp=on 3,buddy " ] &&
	ok || bad "batch compare.csv: $(cat "$B/out/compare.csv")"
grep -q '"runs_done": 6' "$B/out/summary.json" && grep -q '"run_id": "stress__buddy"' "$B/out/summary.json" &&
	grep -q '"pages_migrated": 0' "$B/out/summary.json" && grep -q '"hugepage_success_rate": null' "$B/out/summary.json" &&
	ok || bad "batch summary.json"
# not a terminal: no progress display; on one (script(1) gives a pty): runs done/total and ETA
grep -q 'runs done' "$B/out.err" && bad "batch: progress shown on a non-terminal" || ok
if command -v script >/dev/null 2>&1; then
	script -qec "$FRAGSIM batch --force -j 2 $B/grid.yaml -o $B/out" /dev/null >"$B/tty.out" 2>&1
	grep -q '6/6 runs done, 0 failed, 0 running, .* M events/s, ETA 0:00:00' "$B/tty.out" && ok ||
		bad "batch: no progress on a terminal: $(tr '\r' '\n' <"$B/tty.out" | tail -3)"
fi

# --- resumable: complete runs are skipped, an invalid one is redone, --force reruns all
"$FRAGSIM" batch "$B/grid.yaml" -o "$B/out" 2>"$B/re.err" && grep -q '6 runs: 0 ran, 6 skipped' "$B/re.err" && ok ||
	bad "batch rerun: $(cat "$B/re.err")"
head -c 100 "$B/out/runs/tiny__buddy.json" >"$B/cut.json" && mv "$B/cut.json" "$B/out/runs/tiny__buddy.json"
"$FRAGSIM" batch "$B/grid.yaml" -o "$B/out" 2>"$B/re.err" && grep -q '6 runs: 1 ran, 5 skipped' "$B/re.err" &&
	grep -q '"policies"' "$B/out/runs/tiny__buddy.json" && ok || bad "batch: a truncated JSON is not redone: $(cat "$B/re.err")"
"$FRAGSIM" batch --force -j 2 "$B/grid.yaml" -o "$B/out" 2>"$B/re.err" && grep -q '6 runs: 6 ran, 0 skipped' "$B/re.err" &&
	ok || bad "batch --force: $(cat "$B/re.err")"
# a result another fragsim build made (its summary's fragsim_build differs) is rerun
sed 's/"fragsim_build": *"[0-9a-f]*"/"fragsim_build": "0123456789abcdef"/' "$B/out/runs/tiny__buddy.json" >"$B/old.json" &&
	mv "$B/old.json" "$B/out/runs/tiny__buddy.json"
"$FRAGSIM" batch "$B/grid.yaml" -o "$B/out" 2>"$B/re.err" && grep -q '6 runs: 1 ran, 5 skipped' "$B/re.err" &&
	grep -q 'made by another fragsim build (0123456789abcdef): such runs are rerun' "$B/re.err" &&
	! grep -q 0123456789abcdef "$B/out/runs/tiny__buddy.json" && ok || bad "batch: another build's result is not rerun: $(cat "$B/re.err")"

# --- a failing run is reported with its error and does not stop the others;
# the exit status is the number of failed runs
cat >"$B/fail.yaml" <<EOF
inputs: [bad.trace, stress.trace]
policies: [buddy, linux-6.15]
memory: 64M
every: 1000000
EOF
"$FRAGSIM" batch -j 2 "$B/fail.yaml" -o "$B/fail" 2>"$B/fail.err"
rc=$?
[ $rc = 2 ] && ok || bad "batch with 2 failing runs: exit status $rc"
grep -q 'run bad__buddy failed, exit status 1: fragsim replay: .*bad.trace:2: expected OP' "$B/fail.err" && ok ||
	bad "batch: failed run's error not shown: $(cat "$B/fail.err")"
[ -s "$B/fail/runs/stress__linux-6.15.json" ] && [ "$(field status "$B/fail/summary.csv" bad__buddy,)" = incomplete ] &&
	[ -z "$(field unusable_pb_final "$B/fail/summary.csv" bad__buddy,)" ] && ok || bad "batch: failing run's summary row"

# --- a run killed by SIGKILL leaves nothing that looks complete and is redone:
# the trace is a FIFO, so the run is in the middle of it when killed
mkfifo "$B/slow.trace"
cat >"$B/kill.yaml" <<EOF
inputs: [slow.trace]
policies: [buddy]
memory: 64M
every: 100
EOF
( exec 3>"$B/slow.trace"; head -n 20000 "$B/stress.trace" >&3; exec sleep 60 ) &
writer=$!
"$FRAGSIM" batch -j 1 "$B/kill.yaml" -o "$B/kill" 2>"$B/kill.err" &
bpid=$!
tmpf=""
for i in $(seq 100); do
	tmpf=$(ls "$B/kill/runs/" 2>/dev/null | grep 'slow__buddy\.csv\.tmp\.' | head -1)
	[ -n "$tmpf" ] && [ -s "$B/kill/runs/$tmpf" ] && break
	sleep 0.1
done
if [ -n "$tmpf" ]; then
	kill -9 "${tmpf##*.tmp.}"
	wait $bpid
	rc=$?
	[ $rc = 1 ] && grep -q 'run slow__buddy failed, killed by signal 9' "$B/kill.err" && ok ||
		bad "batch: SIGKILLed run: exit status $rc, $(cat "$B/kill.err")"
	[ ! -e "$B/kill/runs/slow__buddy.csv" ] && [ ! -e "$B/kill/runs/slow__buddy.json" ] && ok ||
		bad "batch: a SIGKILLed run left a complete-looking output"
	[ -e "$B/kill/runs/$tmpf" ] && ok || bad "batch: no partial temporary file (the run was not midway?)"
else
	bad "batch: the run on the FIFO never started writing"
	kill $bpid 2>/dev/null
fi
kill $writer 2>/dev/null
wait $writer 2>/dev/null
( cat "$B/stress.trace" >"$B/slow.trace" ) &
"$FRAGSIM" batch -j 1 "$B/kill.yaml" -o "$B/kill" 2>"$B/kill2.err" && grep -q '1 runs: 1 ran' "$B/kill2.err" &&
	[ -z "$(ls "$B/kill/runs" | grep tmp)" ] && ok || bad "batch: killed run not redone cleanly: $(cat "$B/kill2.err"; ls "$B/kill/runs")"
"$FRAGSIM" replay -q --memory 64M --every 100 -o "$B/slow-direct.csv" "$B/stress.trace" 2>/dev/null
cmp -s "$B/slow-direct.csv" "$B/kill/runs/slow__buddy.csv" && ok || bad "batch: redone run differs from a direct replay"

# --- interrupting the batch (SIGTERM, as Slurm cancels) stops its runs, which
# leave nothing behind; --force removed the complete outputs first
( exec 3>"$B/slow.trace"; head -n 20000 "$B/stress.trace" >&3; exec sleep 60 ) &
writer=$!
"$FRAGSIM" batch --force -j 1 "$B/kill.yaml" -o "$B/kill" 2>"$B/term.err" &
bpid=$!
tmpf=""
for i in $(seq 100); do
	tmpf=$(ls "$B/kill/runs/" 2>/dev/null | grep 'slow__buddy\.csv\.tmp\.' | head -1)
	[ -n "$tmpf" ] && break
	sleep 0.1
done
if [ -n "$tmpf" ]; then
	kill -TERM $bpid
	{ wait $bpid; rc=$?; } 2>/dev/null
	[ $rc = 143 ] && ! kill -0 "${tmpf##*.tmp.}" 2>/dev/null && [ -z "$(ls "$B/kill/runs" | grep -v '\.log$')" ] && ok ||
		bad "batch SIGTERM: exit status $rc, runs left: $(ls "$B/kill/runs")"
else
	bad "batch SIGTERM: the run never started"
	kill $bpid 2>/dev/null
fi
kill $writer 2>/dev/null
wait $writer 2>/dev/null

# --- scaling out: --emit-jobs lists the runs still to do as shell commands
"$FRAGSIM" batch --emit-jobs "$B/grid.yaml" -o "$B/emit" >"$B/jobs.txt" 2>"$B/emit.err" &&
	[ "$(wc -l <"$B/jobs.txt")" = 6 ] && grep -q '6 of 6 runs to do' "$B/emit.err" && ok ||
	bad "batch --emit-jobs: $(cat "$B/emit.err")"
grep -q "^rm -f $B/emit/runs/stress__buddy.csv $B/emit/runs/stress__buddy.json && .*fragsim replay -q --policy buddy --memory 64M --every 1000000 -o $B/emit/runs/stress__buddy.csv --summary $B/emit/runs/stress__buddy.json $B/stress.trace >$B/emit/runs/stress__buddy.log 2>&1\$" "$B/jobs.txt" &&
	ok || bad "batch --emit-jobs line: $(head -1 "$B/jobs.txt")"
# the Slurm array template runs line $SLURM_ARRAY_TASK_ID
SLURM_ARRAY_TASK_ID=1 sh tools/fragsim-array.sbatch "$B/jobs.txt" && [ -s "$B/emit/runs/stress__buddy.json" ] && ok ||
	bad "tools/fragsim-array.sbatch did not run line 1"
"$FRAGSIM" batch --emit-jobs "$B/grid.yaml" -o "$B/emit" 2>/dev/null | grep -c . | grep -qx 5 && ok ||
	bad "batch --emit-jobs lists a complete run"
# GNU parallel runs the rest (as it would across hosts with --sshloginfile)
if command -v parallel >/dev/null 2>&1; then
	"$FRAGSIM" batch --emit-jobs "$B/grid.yaml" -o "$B/emit" 2>/dev/null | parallel --will-cite -j 2 &&
		"$FRAGSIM" batch --collect "$B/emit" 2>"$B/coll.err" && grep -q '6 of 6 runs complete' "$B/coll.err" && ok ||
		bad "batch via GNU parallel: $(cat "$B/coll.err")"
	# the same summary as the local run, paths aside
	cut -d, -f1-18 "$B/out/summary.csv" >"$B/local.sum"
	cut -d, -f1-18 "$B/emit/summary.csv" >"$B/par.sum"
	cmp -s "$B/local.sum" "$B/par.sum" && cmp -s "$B/out/compare.csv" "$B/emit/compare.csv" && ok ||
		bad "batch via GNU parallel: summaries differ from the local run's"
else
	echo "SKIP: GNU parallel is not installed (apt-get install parallel, or make deps as root): batch via parallel not tested"
fi
# --collect of a partial directory: done and not-run rows
"$FRAGSIM" batch --emit-jobs "$B/grid.yaml" -o "$B/part" >/dev/null 2>&1
sed -n 2p "$B/jobs.txt" | sed "s|$B/emit/|$B/part/|g" | sh
"$FRAGSIM" batch --collect "$B/part" 2>"$B/part.err" && grep -q '1 of 6 runs complete' "$B/part.err" &&
	[ "$(grep -c ',not_run,' "$B/part/summary.csv")" = 5 ] && ok || bad "batch --collect partial: $(cat "$B/part.err")"
expect_fail batch-collect-none 126 'batch.json' batch --collect "$B/nosuch"

# --- workloads (.yaml inputs) run with `fragsim run --seed N`, once per seed
printf 'duration: 1s\n' >"$B/w.yaml"
printf 'inputs: [w.yaml, stress.trace]\npolicies: [buddy]\nseeds: [7, 8]\n' >"$B/wl.yaml"
"$FRAGSIM" batch --emit-jobs "$B/wl.yaml" -o "$B/wl" >"$B/wl.txt" 2>/dev/null
[ "$(wc -l <"$B/wl.txt")" = 3 ] && grep -q "fragsim run -q --policy buddy --seed 8 -o $B/wl/runs/w__buddy__s8.csv .* $B/w.yaml >" "$B/wl.txt" &&
	ok || bad "batch workloads: $(cat "$B/wl.txt")"

# --- bad input: clear errors before any run starts, exit status 126
printf 'inputs: [stress.trace]\npolicies: [buddy\n' >"$B/e1.yaml"
expect_fail batch-yaml-syntax 126 'e1.yaml:3:1: ' batch "$B/e1.yaml" -o "$B/e"
printf 'inputs: [stress.trace]\npolicies: [buddy]\nsedes: [1]\n' >"$B/e2.yaml"
expect_fail batch-yaml-key 126 'e2.yaml:3:1: unknown key "sedes"' batch "$B/e2.yaml" -o "$B/e"
printf 'inputs:\n  - stress.trace\n  - nosuch.trace\npolicies: [buddy]\n' >"$B/e3.yaml"
expect_fail batch-missing-trace 126 'e3.yaml:3:5: cannot read input ".*/nosuch.trace": No such file' batch "$B/e3.yaml" -o "$B/e"
printf 'inputs: [stress.trace]\npolicies: [buddy, nosuch]\n' >"$B/e4.yaml"
expect_fail batch-unknown-policy 126 'e4.yaml:2:19: unknown policy "nosuch"' batch "$B/e4.yaml" -o "$B/e"
printf 'inputs: [stress.trace]\npolicies:\n  - linux-6.15: {nofragmnt: [on, off]}\n' >"$B/e5.yaml"
expect_fail batch-unknown-tunable 126 'e5.yaml:3:18: policy "linux-6.15" has no tunable "nofragmnt"' batch "$B/e5.yaml" -o "$B/e"
printf 'inputs: [stress.trace]\npolicies:\n  - linux-6.15: {nofragment: [on, maybe]}\n' >"$B/e6.yaml"
expect_fail batch-bad-value 126 'e6.yaml:3:35: tunable "nofragment" expects on or off, got "maybe"' batch "$B/e6.yaml" -o "$B/e"
printf 'inputs: [stress.trace]\npolicies: [buddy]\n' >"$B/ok.yaml"
: >"$B/afile"
expect_fail batch-unwritable 126 'cannot create directory' batch "$B/ok.yaml" -o "$B/afile/out"
expect_fail batch-no-dir 126 'no output directory' batch "$B/ok.yaml"
expect_fail batch-jobs 126 '--jobs expects' batch -j 0 "$B/ok.yaml" -o "$B/e"
[ ! -e "$B/e/runs/stress__buddy.log" ] && ok || bad "batch: a run started despite a bad spec"
"$FRAGSIM" batch --help | grep -q 'usage: fragsim batch' && ok || bad "batch --help"
