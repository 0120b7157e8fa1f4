#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark of operator placement (agent/core/operator_place.h): agent CPU
# per 1000 CPU samples with placement on and off (TMPROF_OPERATORS=off),
# side by side. Prints figures; no pass/fail.
#   On the OperatorChains stand-in (two busy chains of 3 and 4 operators),
#   BENCH_RUNS recordings per mode, alternating, -F 999 for BENCH_SECONDS:
#   - whole agent: tmprof's CPU (stats: agent_cpu_ms, BPF load and
#     symbolization included) per 1000 samples, median;
#   - placement alone: the stats-operators line, the placement replayed on
#     the built profile's stacks with a fresh cache (every stack a miss: an
#     upper bound), timed with the thread's CPU clock, per 1000 samples.
# Usage: tests/bench_operators.sh [BUILD_DIR]   (make bench)
# Environment: BENCH_RUNS (3), BENCH_SECONDS (8).

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
. "$(dirname "$0")/bench_lib.sh"
TEST_NAME=bench_operators # shellcheck disable=SC2034

RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-8}

bench_init bench_operators
[ -f "$WORKLOADS/tmprof/workload/OperatorChains.class" ] || bench_die "OperatorChains not built (make workloads)"
bench_header

start_java oc tmprof.workload.OperatorChains -Xms64m -Xmx128m -- --duty 100 --warmup 5
wait_ready "$JAVA_PID" "$E2E_TMP/oc.out" 90 || bench_die "OperatorChains did not start"
OC=$JAVA_PID

declare -A WHOLE PLACE
for run in $(seq "$RUNS"); do
	for mode in on off; do
		TMPROF_OPERATORS=$mode "$TMPROF" record -p "$OC" -F 999 -d "$SECS" --stats \
			-o "$E2E_TMP/b.json" >/dev/null 2>"$E2E_TMP/b.err" || bench_die "record failed: $(tail -n 2 "$E2E_TMP/b.err")"
		# stats: samples=N ... agent_cpu_ms=M
		w=$(awk '/^stats: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			if (v["samples"] > 0) printf "%.1f", v["agent_cpu_ms"] * 1000 / v["samples"] }' "$E2E_TMP/b.err")
		p=$(awk '/^stats-operators: / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			if (v["samples"] > 0) printf "%.2f %d %d %d", v["cpu_us"] * 1000 / v["samples"], v["samples"], v["stacks"], v["unplaced"] }' "$E2E_TMP/b.err")
		WHOLE[$mode]+="$w "
		[ "$mode" = on ] && PLACE[on]+="${p%% *} " && LAST="$p"
		echo "   run $run placement $mode: agent ${w} ms CPU per 1000 samples${p:+; placement replay ${p%% *} us per 1000 samples}"
	done
done
read -r _ n stacks unplaced <<<"$LAST"
printf '%-28s %12s %12s\n' "" "placement on" "placement off"
printf '%-28s %12s %12s\n' "agent ms CPU / 1000 samples" "$(tr ' ' '\n' <<<"${WHOLE[on]}" | grep . | bench_median)" "$(tr ' ' '\n' <<<"${WHOLE[off]}" | grep . | bench_median)"
printf '%-28s %12s %12s\n' "placement us / 1000 samples" "$(tr ' ' '\n' <<<"${PLACE[on]}" | grep . | bench_median)" "-"
echo "   (last run: $n samples in $stacks distinct stacks, $unplaced unplaced; median of $RUNS runs; load $(cut -d' ' -f1-3 /proc/loadavg))"
