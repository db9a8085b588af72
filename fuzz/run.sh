#!/bin/sh
# Run each libFuzzer target for SECONDS from seeds taken from the test
# fixtures; new inputs it finds stay in BUILD/corpus-TARGET for next time.
# Usage: fuzz/run.sh BUILD SECONDS TARGET...
B=$1 S=$2; shift 2
status=0
for t in "$@"; do
	c="$B/corpus-$t"
	mkdir -p "$c"
	case $t in
	trace) cp tests/cli/*.trace tests/cli/ftrace/* traces/tiny.trace "$c/" ;;
	procfs) cp tests/cli/inspect/* "$c/" ;;
	yaml) cp traces/vm-24g.yaml "$c/" ;;
	extfrag) cp tests/cli/extfrag/* "$c/" ;;
	esac 2>/dev/null
	echo "fuzz: $t for ${S}s"
	if ! "$B/fuzz-$t" -max_total_time="$S" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$B/crash-$t-" "$c" >"$B/fuzz-$t.log" 2>&1; then
		echo "fuzz: $t FAILED, see $B/fuzz-$t.log and $B/crash-$t-*"
		tail -30 "$B/fuzz-$t.log"
		status=1
	else
		grep -E "stat::number_of_executed_units|cov:" "$B/fuzz-$t.log" | tail -2 | sed "s/^/fuzz: $t: /"
	fi
done
exit $status
