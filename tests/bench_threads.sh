#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmarks of per-thread sampling (default) against per-CPU sampling
# (--per-cpu) and no profiler, side by side in one run. Prints figures; no
# pass/fail.
#   1. On a ~300-thread JVM (BurstyThreads --idle 290: busy, timer-woken,
#      pool and idle threads), per mode, median of BENCH_RUNS recordings at
#      99 Hz: perf events open, BPF ns per program run (bpf_stats
#      run_time_ns / run_cnt; per thread each run is one sample, per CPU
#      every tick of every CPU runs it, target or not), agent start cost
#      (CPU of a 2 s recording minus 2 s of steady CPU; wall to the
#      "recording" line) and steady agent CPU (tmprof's utime+stime over the
#      middle of a 12 s recording, per second).
#   2. Throughput of the CPU-saturated stand-in TaskManager (two always-busy
#      subtasks) without tmprof, with per-thread and with per-CPU sampling at
#      99 Hz, measured from the "recording" line on (start cost excluded):
#      BENCH_PAIRS interleaved triplets, median loss per mode.
# Usage: tests/bench_threads.sh [BUILD_DIR]   (make bench)
# Environment: BENCH_PAIRS (5), BENCH_SECONDS (10), BENCH_RUNS (3),
#   BENCH_MODES (per-thread per-cpu; jitter and weighted can be added).

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
. "$(dirname "$0")/bench_lib.sh"
TEST_NAME=bench_threads # shellcheck disable=SC2034

PAIRS=${BENCH_PAIRS:-5}
SECS=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-3}
read -r -a MODES <<<"${BENCH_MODES:-per-thread per-cpu}"

bench_init bench_threads
bench_header

# record_once MODE SECONDS: one recording of BT_PID; sets START_WALL_MS
# (launch to the "recording" line), AGENT_MS (its CPU in all), EVENTS (the
# stats-events line), and for SECONDS >= 6 STEADY (ms/s) and BPF ("ns_per_run
# runs") over the middle of the recording.
record_once() {
	local mode=$1 d=$2 t0 t1 s1 s2 c1 c2 w1 w2 tp rp
	TIMEFORMAT='%R %U %S'
	t0=$EPOCHREALTIME
	{ time "$TMPROF" record -p "$BT_PID" -d "$d" -F 99 --sampler "$mode" -o "$E2E_TMP/b.folded" --stats \
		>/dev/null 2>"$E2E_TMP/b.err"; } 2>"$E2E_TMP/b.time" &
	tp=$!
	bench_wait_recording "$E2E_TMP/b.err"
	t1=$EPOCHREALTIME
	START_WALL_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
	BPF="" STEADY=""
	if [ "$d" -ge 6 ]; then
		rp=$(pgrep -P "$tp" -f "$TMPROF" | head -n1)
		[ -n "$rp" ] || rp=$tp
		# bpftool takes over a second on a loaded host: the second reading
		# must still find tmprof running, and CPU is per elapsed second.
		sleep 1; s1=$(bench_prog_stats "$rp"); c1=$(bench_proc_cpu_ms "$rp"); w1=$EPOCHREALTIME
		sleep $((d - 6)); c2=$(bench_proc_cpu_ms "$rp"); w2=$EPOCHREALTIME; s2=$(bench_prog_stats "$rp")
		STEADY=$(awk -v a="$c1" -v b="$c2" -v s="$w1" -v e="$w2" 'BEGIN { if (b > a && e > s) printf "%.2f", (b - a) / (e - s) }')
		BPF=$(bench_prog_delta "$s1" "$s2")
	fi
	wait "$tp"
	AGENT_MS=$(awk '{ printf "%.0f", ($2 + $3) * 1000 }' "$E2E_TMP/b.time")
	EVENTS=$(grep -m1 '^stats-events:' "$E2E_TMP/b.err")
}

echo
echo "== 1. A ~300-thread JVM, 99 Hz, median of $RUNS recordings per mode"
start_java bt tmprof.workload.BurstyThreads -XX:CompileCommand=quiet -Xms32m -Xmx128m \
	-- --truth "$E2E_TMP/bt.truth" --sources 1 --sinks 2 --idle 290
BT_PID=$JAVA_PID
wait_ready "$BT_PID" "$E2E_TMP/bt.out" 60 || bench_die "BurstyThreads did not start"
sleep 5
echo "   threads in the JVM: $(ls "/proc/$BT_PID/task" | wc -l)"
for mode in "${MODES[@]}"; do
	: >"$E2E_TMP/runs.$mode"
	for r in $(seq "$RUNS"); do
		record_once "$mode" 2
		short_ms=$AGENT_MS short_wall=$START_WALL_MS
		record_once "$mode" 12
		open=$(printf '%s\n' "$EVENTS" | sed -nE 's/.* open=([0-9]+).*/\1/p')
		# start CPU = CPU of the 2 s recording - 2 s of steady CPU
		awk -v s="$short_ms" -v st="${STEADY:--1}" -v w="$short_wall" -v o="${open:--1}" -v b="${BPF:--1 -1}" \
			'BEGIN { split(b, x, " "); printf "%s %s %s %s %s %s\n", (st < 0 ? -1 : s - 2 * st), w, st, o, x[1], x[2] }' \
			>>"$E2E_TMP/runs.$mode"
		echo "   $mode run $r: start CPU, start wall ms, steady ms/s, events open, BPF ns/run, runs: $(tail -n1 "$E2E_TMP/runs.$mode")"
	done
	med() { awk -v c="$1" '$c >= 0 { print $c }' "$E2E_TMP/runs.$mode" | bench_median || echo "?"; }
	printf "   %-10s median: perf events open %s; start %s ms CPU, %s ms wall to recording; steady agent CPU %s ms/s; BPF %s ns per run (%s runs in ~6 s)\n" \
		"$mode" "$(med 4)" "$(med 1)" "$(med 2)" "$(med 3)" "$(med 5)" "$(med 6)"
done
stop_pid "$BT_PID"

echo
echo "== 2. Throughput of the CPU-saturated stand-in: off / ${MODES[*]} at 99 Hz ($PAIRS rounds of ${SECS} s, interleaved)"
bench_start_saturated
rate_on() {
	"$TMPROF" record -p "$TM_PID" -d $((SECS + 4)) -F 99 --sampler "$1" -o "$E2E_TMP/tp.folded" \
		>/dev/null 2>"$E2E_TMP/tp.err" &
	local tp=$!
	bench_wait_recording "$E2E_TMP/tp.err"
	sleep 1
	bench_rate "$SECS"
	wait "$tp"
}
: >"$E2E_TMP/tp"
for i in $(seq "$PAIRS"); do
	line=$(bench_rate "$SECS")
	for mode in "${MODES[@]}"; do line="$line $(rate_on "$mode")"; done
	echo "$line" >>"$E2E_TMP/tp"
	echo "   round $i: records/s off ${line// / | }  (order: off ${MODES[*]})"
done
for k in "${!MODES[@]}"; do
	loss=$(awk -v c=$((k + 2)) '$1 > 0 { print 100 * (1 - $c / $1) }' "$E2E_TMP/tp" | bench_median)
	printf "   median throughput loss %-10s %.2f %%\n" "${MODES[$k]}" "$loss"
done
echo "   load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
