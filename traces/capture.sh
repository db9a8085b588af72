#!/bin/bash
# capture.sh - record the Linux page allocator's kmem/compaction/migrate ftrace events for fragsim.
#
# usage: capture.sh [options] OUTDIR -- CMD [ARGS...]   trace while CMD runs
#        capture.sh [options] OUTDIR -d SECONDS         trace for SECONDS seconds
# options:
#   -b KB      per-CPU ring-buffer size of the tracefs instance in KiB (default 65536)
#   -K         skip the /proc/kpageflags dumps
#   -s SECONDS snapshot /proc every SECONDS during the run too (default 1; 0 = before and after
#              only): fragsim replay --placement kernel --checkpoints compares at each one
#   -h         this help
#
# Runs as root with plain tracefs (no trace-cmd). Everything is recorded in a dedicated tracefs
# instance (instances/fragsim_capture_PID) so the top-level buffer and its settings are left alone;
# the instance's trace clock is 'mono' (CLOCK_MONOTONIC), so snapshot mono_ns values line up with
# the event timestamps. tracefs and debugfs are mounted only if they are not already, and unmounted
# again at the end. Writes into OUTDIR:
#   trace_pipe.txt.zst            the instance's trace_pipe text (zstd; read with zstd -dc)
#   snapshots/snap_NAME.txt       /proc/buddyinfo, pagetypeinfo, zoneinfo, vmstat, meminfo and
#                                 debugfs extfrag/unusable_index, extfrag_index, before, every -s
#                                 seconds during the run, and after;
#                                 each record headed "### capture_snap seq=N phase=P mono_ns=T
#                                 name=NAME read_mono_ns=R" and announced in the trace by a marker
#                                 "capture_snap seq=N phase=P mono_ns=T" (fragsim inspect reads them)
#   kpageflags_{start,end}.bin.zst  raw /proc/kpageflags (one little-endian u64 per pfn)
#   stats.txt                     per-CPU ring-buffer stats of the instance when tracing stopped
#   workload.log                  the command's stdout and stderr
#   capture.log, README.md        what was done: command, kernel, date, event counts, lost events
# Every change (mounts, the instance and its settings) is undone by an EXIT trap, also on Ctrl-C or
# error. Exit status: the workload's (0 in -d mode); 1 when the capture itself failed; 2 for usage.
set -u -o pipefail

PROG=${0##*/}
usage() { sed -n '2,12s/^# \{0,1\}//p' "$0"; }
die() { echo "$PROG: $*" >&2; exit 1; }

BUFKB=65536
KPF=1
SNAP_EVERY=1
while getopts ":b:Ks:h" opt; do
	case $opt in
	b) BUFKB=$OPTARG ;;
	K) KPF=0 ;;
	s) SNAP_EVERY=$OPTARG ;;
	h) usage; exit 0 ;;
	:) echo "$PROG: -$OPTARG needs a value" >&2; usage >&2; exit 2 ;;
	*) echo "$PROG: unknown option -$OPTARG" >&2; usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 2 ] || { usage >&2; exit 2; }
OUT=$1; shift
DURATION=""
case $1 in
--) shift; [ $# -ge 1 ] || { echo "$PROG: no command after --" >&2; exit 2; } ;;
-d) [ $# = 2 ] || { echo "$PROG: -d takes one value: SECONDS" >&2; exit 2; }
    DURATION=$2; shift 2 ;;
*) echo "$PROG: expected '-- CMD ARGS' or '-d SECONDS' after OUTDIR, not '$1'" >&2; exit 2 ;;
esac
[[ $BUFKB =~ ^[1-9][0-9]*$ ]] || { echo "$PROG: -b expects a size in KiB, not '$BUFKB'" >&2; exit 2; }
[[ $SNAP_EVERY =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "$PROG: -s expects seconds, not '$SNAP_EVERY'" >&2; exit 2; }
if [ -n "$DURATION" ] && ! [[ $DURATION =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
	echo "$PROG: -d expects seconds, not '$DURATION'" >&2; exit 2
fi

# ---- preconditions ------------------------------------------------------------------------------
[ "$(id -u)" = 0 ] || die "must run as root (tracefs, /proc/kpageflags and debugfs need it)"
for tool in zstd awk; do
	command -v "$tool" >/dev/null || die "'$tool' is not installed"
done
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
	die "$OUT exists and is not empty; give a new directory"
fi

KMEM_EVENTS="mm_page_alloc mm_page_free mm_page_free_batched mm_page_pcpu_drain mm_page_alloc_zone_locked mm_page_alloc_extfrag"
MOUNTED_TRACEFS=""
MOUNTED_DEBUGFS=""
TI=""
INST="fragsim_capture_$$"
READER_PID=""
ZSTD_PID=""
WL_PID=""
SLEEP_PID=""
SNAP_PID=""
FIFO=""
DONE=0

log() {
	if [ -d "$OUT" ]; then echo "[$(date +%T)] $*" | tee -a "$OUT/capture.log" >&2; else echo "$PROG: $*" >&2; fi
}

# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM HUP
	if [ -n "$WL_PID" ] && kill -0 "$WL_PID" 2>/dev/null; then
		log "stopping the workload (process group $WL_PID)"
		kill -TERM -- "-$WL_PID" 2>/dev/null
		sleep 1
		kill -KILL -- "-$WL_PID" 2>/dev/null
		wait "$WL_PID" 2>/dev/null
	fi
	[ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
	[ -n "$SNAP_PID" ] && kill "$SNAP_PID" 2>/dev/null && wait "$SNAP_PID" 2>/dev/null
	if [ -n "$TI" ] && [ -d "$TI" ]; then
		echo 0 >"$TI/tracing_on"
		echo 0 >"$TI/events/enable"
	fi
	if [ -n "$READER_PID" ]; then
		kill "$READER_PID" 2>/dev/null
		wait "$READER_PID" 2>/dev/null
	fi
	[ -n "$ZSTD_PID" ] && wait "$ZSTD_PID" 2>/dev/null
	[ -n "$FIFO" ] && rm -f "$FIFO"
	if [ -n "$TI" ] && [ -d "$TI" ]; then
		# rmdir also frees the instance's ring buffers and restores the events it enabled
		for _ in 1 2 3 4 5; do
			rmdir "$TI" 2>/dev/null && break
			sleep 0.5
		done
		[ -d "$TI" ] && log "WARNING: could not remove the tracefs instance $TI: rmdir it by hand"
	fi
	if [ -n "$MOUNTED_DEBUGFS" ]; then
		umount "$MOUNTED_DEBUGFS" || log "WARNING: could not unmount debugfs at $MOUNTED_DEBUGFS"
	fi
	if [ -n "$MOUNTED_TRACEFS" ]; then
		umount "$MOUNTED_TRACEFS" || log "WARNING: could not unmount tracefs at $MOUNTED_TRACEFS"
	fi
	if [ "$DONE" != 1 ]; then
		log "capture aborted (status $rc); every setting was restored, partial output is in $OUT"
		[ "$rc" = 0 ] && rc=1
	fi
	exit "$rc"
}
# Traps are set before anything is changed.
trap cleanup EXIT
trap 'echo "$PROG: interrupted" >&2; exit 130' INT
trap 'echo "$PROG: terminated" >&2; exit 143' TERM HUP

mkdir -p "$OUT/snapshots" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
: >"$OUT/capture.log"

# ---- tracefs ------------------------------------------------------------------------------------
T=""
for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
	if [ -e "$d/trace_marker" ]; then T=$d; break; fi
done
if [ -z "$T" ]; then
	grep -qw tracefs /proc/filesystems || die "this kernel has no tracefs (CONFIG_TRACING is off): nothing to capture with"
	[ -d /sys/kernel/tracing ] || die "tracefs is not mounted and /sys/kernel/tracing does not exist"
	mount -t tracefs nodev /sys/kernel/tracing || die "cannot mount tracefs on /sys/kernel/tracing"
	MOUNTED_TRACEFS=/sys/kernel/tracing
	T=/sys/kernel/tracing
	log "mounted tracefs on $T (will unmount it at the end)"
fi
[ -d "$T/instances" ] || die "$T has no instances/ directory (kernel too old for tracefs instances)"
for e in $KMEM_EVENTS; do
	[ -d "$T/events/kmem/$e" ] || die "tracefs has no kmem:$e event"
done
HAVE_COMPACTION=0; [ -d "$T/events/compaction" ] && HAVE_COMPACTION=1
HAVE_MIGRATE=0; [ -d "$T/events/migrate/mm_migrate_pages" ] && HAVE_MIGRATE=1
[ -d "$T/instances/$INST" ] && die "tracefs instance $INST already exists"

# ---- debugfs (only for extfrag/*) ------------------------------------------------------------------
DBG=""
if [ -d /sys/kernel/debug/extfrag ]; then
	DBG=/sys/kernel/debug
elif ! mountpoint -q /sys/kernel/debug 2>/dev/null && grep -qw debugfs /proc/filesystems &&
	[ -d /sys/kernel/debug ]; then
	if mount -t debugfs none /sys/kernel/debug; then
		MOUNTED_DEBUGFS=/sys/kernel/debug
		log "mounted debugfs on /sys/kernel/debug (will unmount it at the end)"
		[ -d /sys/kernel/debug/extfrag ] && DBG=/sys/kernel/debug
	fi
fi
[ -z "$DBG" ] && log "debugfs extfrag/ not available: no unusable_index/extfrag_index snapshots"

# ---- the instance -----------------------------------------------------------------------------
mkdir "$T/instances/$INST" || die "cannot create the tracefs instance $T/instances/$INST"
TI=$T/instances/$INST
echo 0 >"$TI/tracing_on"
echo "$BUFKB" >"$TI/buffer_size_kb" || die "cannot set buffer_size_kb=$BUFKB (not enough memory?)"
if grep -qw mono "$TI/trace_clock"; then
	echo mono >"$TI/trace_clock"; CLOCK=mono
else
	CLOCK=$(sed 's/.*\[\(.*\)\].*/\1/' "$TI/trace_clock")
	log "WARNING: no 'mono' trace clock; using $CLOCK"
fi
for e in $KMEM_EVENTS; do echo 1 >"$TI/events/kmem/$e/enable" || die "cannot enable kmem:$e"; done
[ $HAVE_COMPACTION = 1 ] && { echo 1 >"$TI/events/compaction/enable" || die "cannot enable compaction:*"; }
[ $HAVE_MIGRATE = 1 ] && { echo 1 >"$TI/events/migrate/mm_migrate_pages/enable" || die "cannot enable migrate:mm_migrate_pages"; }
[ $HAVE_COMPACTION = 1 ] || log "WARNING: no compaction events on this kernel"
[ $HAVE_MIGRATE = 1 ] || log "WARNING: no migrate:mm_migrate_pages event on this kernel"
cp "$TI/set_event" "$OUT/set_event.txt"
log "instance $TI: buffer_size_kb=$(cat "$TI/buffer_size_kb") per CPU, clock=$CLOCK, $(wc -l <"$TI/set_event") events"

# ---- reader: trace_pipe -> zstd ------------------------------------------------------------------
FIFO=$OUT/.trace_pipe.fifo
mkfifo "$FIFO"
zstd -q -3 --single-thread -f -o "$OUT/trace_pipe.txt.zst" <"$FIFO" &
ZSTD_PID=$!
cat "$TI/trace_pipe" >"$FIFO" &
READER_PID=$!

marker() { echo "$*" >"$TI/trace_marker"; }

# CLOCK_MONOTONIC in ns (the trace clock), without a fork: bash's $EPOCHREALTIME plus the offset
# between the two clocks, measured once (python3, else /proc/timer_list's "now at N nsecs").
if command -v python3 >/dev/null; then
	MONO_OFF=$(python3 -c 'import time; print(time.clock_gettime_ns(time.CLOCK_MONOTONIC) - time.time_ns())')
else
	r=${EPOCHREALTIME//[!0-9]/}
	MONO_OFF=$(($(sed -n 's/^now at \([0-9]*\) nsecs$/\1/p' /proc/timer_list | head -n 1) - r * 1000))
fi
[[ $MONO_OFF =~ ^-?[0-9]+$ ]] || die "cannot read CLOCK_MONOTONIC"
mono_ns() { echo $((${EPOCHREALTIME//[!0-9]/} * 1000 + MONO_OFF)); }

# buddyinfo and the debugfs indices first and back to back: the indices are computed from the same
# free counts, so the closer the reads, the likelier they describe the same state.
SOURCES="buddyinfo:/proc/buddyinfo"
[ -n "$DBG" ] && SOURCES="$SOURCES unusable_index:$DBG/extfrag/unusable_index extfrag_index:$DBG/extfrag/extfrag_index"
SOURCES="$SOURCES pagetypeinfo:/proc/pagetypeinfo zoneinfo:/proc/zoneinfo vmstat:/proc/vmstat meminfo:/proc/meminfo"

snapshot() { # SEQ PHASE   (builtins only between the reads: no fork delays them)
	local seq=$1 phase=$2 t r src name path lines
	t=$((${EPOCHREALTIME//[!0-9]/} * 1000 + MONO_OFF))
	marker "capture_snap seq=$seq phase=$phase mono_ns=$t"
	for src in $SOURCES; do
		name=${src%%:*}; path=${src#*:}
		r=$((${EPOCHREALTIME//[!0-9]/} * 1000 + MONO_OFF))
		lines=()
		mapfile -t lines <"$path" || lines=("ERROR reading $path")
		printf '### capture_snap seq=%s phase=%s mono_ns=%s name=%s read_mono_ns=%s\n' \
			"$seq" "$phase" "$t" "$name" "$r" >>"$OUT/snapshots/snap_$name.txt"
		[ ${#lines[@]} = 0 ] || printf '%s\n' "${lines[@]}" >>"$OUT/snapshots/snap_$name.txt"
	done
	marker "capture_snap_done seq=$seq mono_ns=$((${EPOCHREALTIME//[!0-9]/} * 1000 + MONO_OFF))"
}

kpageflags() { # TAG
	[ $KPF = 1 ] || return 0
	marker "capture_kpageflags_begin tag=$1"
	zstd -q -3 --single-thread </proc/kpageflags >"$OUT/kpageflags_$1.bin.zst" || log "WARNING: /proc/kpageflags could not be read"
	marker "capture_kpageflags_end tag=$1"
}

# ---- record -------------------------------------------------------------------------------------
if [ -n "$DURATION" ]; then WHAT="for $DURATION s"; else WHAT="$*"; fi
echo 1 >"$TI/tracing_on"
marker "capture_start"
log "tracing on"
kpageflags start
snapshot 0 before

marker "capture_workload_start"
T0=$(mono_ns)
# periodic snapshots in a subshell; it stops between two snapshots, never inside one, when the
# stop file appears (each record is whole, and each marker has its record)
SNAP_STOP="$OUT/snapshots/.stop"
rm -f "$SNAP_STOP"
if [ "$SNAP_EVERY" != 0 ] && [ "$SNAP_EVERY" != 0.0 ]; then
	(
		trap - EXIT INT TERM HUP
		seq=1
		while sleep "$SNAP_EVERY" && [ ! -e "$SNAP_STOP" ]; do
			snapshot "$seq" during
			seq=$((seq + 1))
		done
	) &
	SNAP_PID=$!
fi
WL_RC=0
if [ -n "$DURATION" ]; then
	log "recording for $DURATION s"
	sleep "$DURATION" &
	SLEEP_PID=$!
	wait "$SLEEP_PID"; SLEEP_PID=""
else
	log "running: $WHAT"
	# own process group, so that it and its children can be stopped together on Ctrl-C
	setsid "$@" >"$OUT/workload.log" 2>&1 </dev/null &
	WL_PID=$!
	wait "$WL_PID"; WL_RC=$?; WL_PID=""
	log "workload exit status $WL_RC"
fi
T1=$(mono_ns)
marker "capture_workload_end rc=$WL_RC"
if [ -n "$SNAP_PID" ]; then
	: >"$SNAP_STOP"
	wait "$SNAP_PID"; SNAP_PID=""
fi
rm -f "$SNAP_STOP"
NSNAP=$(grep -c '^### capture_snap' "$OUT/snapshots/snap_buddyinfo.txt")

snapshot "$NSNAP" after
kpageflags end
marker "capture_end"
echo 0 >"$TI/tracing_on"

# ---- lost events, drain -------------------------------------------------------------------------
for c in "$TI"/per_cpu/cpu*; do echo "== ${c##*/}"; cat "$c/stats"; done >"$OUT/stats.txt"
stat_sum() { awk -v k="$1" 'index($0, k) == 1 { s += $NF } END { print s + 0 }' "$OUT/stats.txt"; }
OVERRUN=$(stat_sum "overrun:")
COMMIT_OVERRUN=$(stat_sum "commit overrun:")
DROPPED=$(stat_sum "dropped events:")

# cat trace_pipe does not reach end-of-file when tracing stops: wait until the instance's per-CPU
# buffers are empty (entries: 0), give cat a moment to write out, then stop it.
n=-1
for _ in $(seq 600); do
	n=$(cat "$TI"/per_cpu/cpu*/stats | awk '/^entries:/ { s += $2 } END { print s + 0 }')
	[ "$n" = 0 ] && break
	sleep 0.2
done
sleep 1
[ "$n" = 0 ] || log "WARNING: $n entries were still unread after 120 s"
kill "$READER_PID" 2>/dev/null; wait "$READER_PID" 2>/dev/null; READER_PID=""
wait "$ZSTD_PID"; ZRC=$?; ZSTD_PID=""
rm -f "$FIFO"; FIFO=""
[ $ZRC = 0 ] || die "zstd failed (status $ZRC)"
# recompress harder now that the events are safe (the live pass uses a fast level to keep up)
log "recompressing the trace (zstd -19)"
if zstd -dc "$OUT/trace_pipe.txt.zst" | zstd -q -19 -T0 -o "$OUT/.trace_pipe.txt.zst.new"; then
	mv "$OUT/.trace_pipe.txt.zst.new" "$OUT/trace_pipe.txt.zst"
else
	rm -f "$OUT/.trace_pipe.txt.zst.new"; log "WARNING: recompression failed; kept the fast-level file"
fi

# ---- counts and README --------------------------------------------------------------------------
zstd -dc "$OUT/trace_pipe.txt.zst" | awk '
	/^CPU:[0-9]+ \[LOST [0-9]+ EVENTS\]/ { lostl++; lost += $3; next }
	match($0, /[0-9]+\.[0-9]+: [a-z_]+:/) { s = substr($0, RSTART, RLENGTH); sub(/^[^ ]+ /, "", s); sub(/:$/, "", s); c[s]++; n++ }
	END { for (k in c) printf "%d %s\n", c[k], k; printf "%d LOST_EVENTS_LINES\n%d LOST_EVENTS\n%d ALL_EVENTS\n", lostl, lost, n }
' | sort -k2 >"$OUT/event_counts.txt"
count() { awk -v k="$1" '$2 == k { print $1; f = 1 } END { if (!f) print 0 }' "$OUT/event_counts.txt"; }
LOST_LINES=$(count LOST_EVENTS_LINES)
LOST_IN_TEXT=$(count LOST_EVENTS)
ELAPSED=$(awk -v a="$T0" -v b="$T1" 'BEGIN { printf "%.2f", (b - a) / 1e9 }')
TOTAL=$(count ALL_EVENTS)

{
	echo "# fragsim capture: $(basename "$OUT")"
	echo
	echo "Made by \`traces/capture.sh\` (plain tracefs, instance \`$INST\`, trace clock \`$CLOCK\`)."
	echo
	echo "- workload: \`$WHAT\` (exit status $WL_RC, $ELAPSED s)"
	echo "- date: $(date -u +%FT%TZ)"
	echo "- kernel: \`$(uname -srvm)\`"
	echo "- CPUs: $(nproc); memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "- THP: enabled \`$(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)\`, defrag \`$(cat /sys/kernel/mm/transparent_hugepage/defrag 2>/dev/null)\`"
	echo "- per-CPU buffer: $BUFKB KiB"
	echo "- snapshots: seq 0 before, 1..$((NSNAP - 1)) every $SNAP_EVERY s during, $NSNAP after ($(for s in $SOURCES; do printf '%s ' "${s%%:*}"; done | sed 's/ $//'))"
	echo "- kpageflags: $([ $KPF = 1 ] && echo 'kpageflags_start.bin.zst, kpageflags_end.bin.zst' || echo 'not taken (-K)')"
	echo
	echo "## Lost events"
	echo
	echo "ring-buffer overrun $OVERRUN, commit overrun $COMMIT_OVERRUN, dropped events $DROPPED (sums over CPUs, \`stats.txt\`);"
	echo "\`LOST EVENTS\` lines in the text: $LOST_LINES ($LOST_IN_TEXT events)."
	echo
	echo "## Event counts (lines of \`trace_pipe.txt.zst\`)"
	echo
	echo "| event | lines |"
	echo "|---|---:|"
	awk '$2 != "LOST_EVENTS_LINES" && $2 != "LOST_EVENTS" && $2 != "ALL_EVENTS" { printf "| %s | %d |\n", $2, $1 }' "$OUT/event_counts.txt"
	echo "| all | $TOTAL |"
	echo
	echo "Markers (\`tracing_mark_write\`) are in the counts. Read the trace with"
	echo "\`fragsim replay --format ftrace --machine zoneinfo:snapshots/snap_zoneinfo.txt trace_pipe.txt.zst\`;"
	echo "the snapshots with \`fragsim inspect snapshots/*\`."
	echo
	echo "## Files"
	echo
	(cd "$OUT" && find . -type f ! -name README.md -printf '%P %s\n' | sort | awk '{ printf "- `%s` %d bytes\n", $1, $2 }')
} >"$OUT/README.md"

LOSS=$((OVERRUN + COMMIT_OVERRUN + DROPPED + LOST_IN_TEXT))
log "$TOTAL events in $OUT/trace_pipe.txt.zst ($(stat -c %s "$OUT/trace_pipe.txt.zst") bytes)"
if [ "$LOSS" -gt 0 ]; then
	log "LOST EVENTS: overrun $OVERRUN, commit overrun $COMMIT_OVERRUN, dropped $DROPPED, LOST lines $LOST_LINES ($LOST_IN_TEXT events): use a larger -b"
else
	log "no events lost"
fi
DONE=1
exit "$WL_RC"
