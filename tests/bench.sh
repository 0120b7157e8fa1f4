#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks of tmprof against the stand-in TaskManager. Prints figures; no
# pass/fail.
#   1. BPF cost per sample: kernel.bpf_stats_enabled=1, run_time_ns and
#      run_cnt of tmprof's perf_event program (bpftool prog show -j) read
#      twice during a recording -> ns per program run (every CPU tick, the
#      target filter included) and BPF ns per recorded sample.
#   2. agent CPU per 1000 samples and peak RSS, from `tmprof record --stats`.
#   3. throughput (records/s, from the stand-in's truth file) with and
#      without recording at 99 Hz: interleaved off/on runs, ratio and loss %.
#   4. -e wall on a context-switch-heavy native workload: BPF ns per
#      scheduler event and throughput loss (tests/bench_wall.sh).
# kernel.bpf_stats_enabled is restored on exit.
# Usage: tests/bench.sh [BUILD_DIR]   (make bench)
# Environment: BENCH_PAIRS (5), BENCH_SECONDS (10), BENCH_FREQ for part 1/2 (499),
#   BENCH_MIX (unset: two always-busy subtasks; or default / light).
# Other load on the machine (builds...) makes the figures noisy: the pairs
# are interleaved and the median ratio is printed for that reason.

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
. "$(dirname "$0")/bench_lib.sh"
TEST_NAME=bench # shellcheck disable=SC2034

PAIRS=${BENCH_PAIRS:-5}
SECS=${BENCH_SECONDS:-10}
FREQ=${BENCH_FREQ:-499}
PROG_NAME=$BENCH_PROG

bench_init bench
bench_header
bench_start_saturated
prog_stats() { bench_prog_stats "$@"; }

echo
echo "== 1+2. BPF cost per sample, agent CPU and RSS ($((SECS + 5)) s recording at $FREQ Hz)"
have_stats=$BENCH_HAVE_STATS
"$TMPROF" record -p "$TM_PID" -d $((SECS + 5)) -F "$FREQ" -o "$E2E_TMP/bench.folded" --stats \
	>"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" &
TP=$!
track "$TP"
s1="" s2=""
if [ "$have_stats" = 1 ]; then
	sleep 3
	s1=$(prog_stats "$TP")
	sleep "$SECS"
	s2=$(prog_stats "$TP")
fi
wait_exit "$TP" $((SECS + 120))
echo "   tmprof exit $WAIT_RC"
stats=$(grep -m1 '^stats:' "$E2E_TMP/rec.err")
echo "   $stats"
samples=$(printf '%s\n' "$stats" | sed -n 's/.*samples=\([0-9]*\).*/\1/p')
agent_ms=$(printf '%s\n' "$stats" | sed -n 's/.*agent_cpu_ms=\([0-9]*\).*/\1/p')
rss=$(printf '%s\n' "$stats" | sed -n 's/.*max_rss_kb=\([0-9]*\).*/\1/p')
if [ -n "$s1" ] && [ -n "$s2" ]; then
	read -r id1 rt1 rc1 <<<"$s1"
	read -r id2 rt2 rc2 <<<"$s2"
	if [ "$id1" = "$id2" ] && [ "$rt1" != x ] && [ "$rc2" != x ] && [ "$((rc2 - rc1))" -gt 0 ]; then
		awk -v rt=$((rt2 - rt1)) -v rc=$((rc2 - rc1)) -v s="$SECS" -v id="$id1" 'BEGIN {
			printf "   BPF program %s (%s): %d runs in %d s, %.0f ns per run (every sampled CPU tick)\n", id, "'"$PROG_NAME"'", rc, s, rt / rc
			printf "   BPF CPU: %.3f %% of one CPU\n", 100 * rt / (s * 1e9) }'
		dur=$(printf '%s\n' "$stats" | sed -n 's/.*duration_s=\([0-9.]*\).*/\1/p')
		if [ -n "$samples" ] && [ "$samples" -gt 0 ] && [ -n "$dur" ]; then
			# target samples per second from --stats, BPF ns per second from the deltas
			awk -v rt=$((rt2 - rt1)) -v s="$SECS" -v n="$samples" -v d="$dur" 'BEGIN {
				printf "   BPF ns per recorded target sample: %.0f (%.0f samples/s recorded)\n", (rt / s) / (n / d), n / d }'
		fi
	else
		echo "   could not read run_time_ns/run_cnt deltas (readings: '$s1' / '$s2')"
	fi
elif [ "$have_stats" = 1 ]; then
	echo "   no perf_event program named $PROG_NAME* found via bpftool"
fi
if [ -n "$samples" ] && [ "$samples" -gt 0 ] && [ -n "$agent_ms" ]; then
	awk -v ms="$agent_ms" -v n="$samples" 'BEGIN { printf "   agent CPU: %.2f ms per 1000 samples (%d ms for %d samples)\n", 1000 * ms / n, ms, n }'
fi
[ -n "$rss" ] && echo "   agent peak RSS: $rss kB"

echo
echo "== 3. Throughput without / with recording at 99 Hz ($PAIRS interleaved pairs of ${SECS} s)"
# The on window is measured while tmprof samples (from its "recording" line
# on): what a running recording costs. Its fixed start and end (BPF load and
# verification, kallsyms, attach, symbolisation) are reported apart, from
# its CPU time: they do not grow with the recording's length.
results="$E2E_TMP/throughput"
: >"$results"
for i in $(seq "$PAIRS"); do
	off=$(bench_rate "$SECS")
	TIMEFORMAT='%R %U %S'
	{ time timeout -k 5 $((SECS + 120)) "$TMPROF" record -p "$TM_PID" -d $((SECS + 4)) -F 99 \
		-o "$E2E_TMP/tp.folded" >/dev/null 2>"$E2E_TMP/tp.err"; } 2>"$E2E_TMP/tp.time" &
	TP=$!
	bench_wait_recording "$E2E_TMP/tp.err"
	sleep 1
	on=$(bench_rate "$SECS")
	wait "$TP"
	read -r wall usr sys <"$E2E_TMP/tp.time"
	echo "$off $on" >>"$results"
	printf "   pair %d: off %s records/s, on %s records/s (tmprof: wall %s s, CPU user %s s + sys %s s in all)\n" \
		"$i" "$off" "$on" "$wall" "$usr" "$sys"
done
awk '{ off += $1; on += $2; n++; r[n] = ($1 > 0 ? $2 / $1 : 0) }
	END {
		if (n == 0 || off == 0) { print "   no figures"; exit }
		# median of per-pair ratios, robust to one noisy pair
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (r[j] < r[i]) { t = r[i]; r[i] = r[j]; r[j] = t }
		med = (n % 2) ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
		printf "   mean off %.0f records/s, mean on %.0f records/s\n", off / n, on / n
		printf "   ratio on/off %.4f (median of pairs %.4f): throughput loss %.2f %% (median %.2f %%)\n",
			on / off, med, 100 * (1 - on / off), 100 * (1 - med)
	}' "$results"

# 4. -e wall (scheduler tracepoints) on a context-switch-heavy workload: its
# own script, without the stand-in's CPU burners in the way.
stop_pid "$TM_PID"
"$REPO/tests/bench_wall.sh" "$BUILD"
