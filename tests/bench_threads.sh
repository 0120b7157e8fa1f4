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
#      BENCH_PAIRS interleaved triplets, median loss per mode: of records/s,
#      and split into records per task-CPU-second plus the agent's CPU share
#      (what the host's other load does not move; see bench_rate_split).
#   3. The same cost, paired: two stand-ins with one busy subtask each, only
#      one profiled; its records per task-CPU-second over the other's in the
#      same window (common-mode noise cancels), against the off window.
#   4. What each mode adds to a context switch (switch_pingpong: two threads
#      on one CPU), applied to the stand-in's own switch rate from part 2.
# Usage: tests/bench_threads.sh [BUILD_DIR]   (make bench)
# Environment: BENCH_PARTS ("1 2 3 4"), BENCH_PAIRS (5), BENCH_SECONDS (10), BENCH_RUNS (3),
#   BENCH_PAIR_CPU (part 3: pin both stand-ins to this CPU),
#   BENCH_MODES (per-thread per-cpu; jitter and weighted can be added).

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
. "$(dirname "$0")/bench_lib.sh"
TEST_NAME=bench_threads # shellcheck disable=SC2034

PAIRS=${BENCH_PAIRS:-5}
SECS=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-3}
read -r -a MODES <<<"${BENCH_MODES:-per-thread per-cpu}"
PARTS=${BENCH_PARTS:-1 2 3 4}

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

# with_recording PID MODE WINDOW_FN: WINDOW_FN SECS TMPROF_PID while tmprof
# records PID with --sampler MODE, from its "recording" line on (start cost
# excluded).
with_recording() {
	"$TMPROF" record -p "$1" -d $((SECS + 4)) -F 99 --sampler "$2" -o "$E2E_TMP/w.folded" \
		>/dev/null 2>"$E2E_TMP/w.err" &
	local tp=$!
	bench_wait_recording "$E2E_TMP/w.err"
	sleep 1
	"$3" "$SECS" "$tp"
	wait "$tp"
}

# interleaved_rounds PID WINDOW_FN OUT LEGEND: PAIRS rounds of an off window
# and one window per mode; OUT gets a line "mode <WINDOW_FN's figures>" each.
# Each round starts one place further in the list (off, modes...): with a
# fixed order, a drift within the round (the JIT, the heap, the host) was
# charged to whichever mode came last, and per-cpu showed a negative loss.
interleaved_rounds() {
	local i k mode
	local -a order=(off "${MODES[@]}")
	: >"$3"
	for i in $(seq "$PAIRS"); do
		for k in $(seq 0 $((${#order[@]} - 1))); do
			mode=${order[$(((i + k) % ${#order[@]}))]}
			if [ "$mode" = off ]; then
				echo "off $("$2" "$SECS")" >>"$3"
			else
				echo "$mode $(with_recording "$1" "$mode" "$2")" >>"$3"
			fi
		done
		echo "   round $i ($4): $(tail -n ${#order[@]} "$3" | paste -sd'|')"
	done
}

# with_off FILE: interleaved_rounds' lines as "mode <the round's off
# figures> <the mode's figures>", one per mode and round.
with_off() {
	awk -v k=$((${#MODES[@]} + 1)) '{ r = int((NR - 1) / k); line[NR] = $0; if ($1 == "off") off[r] = $0 }
		END { for (i = 1; i <= NR; i++) { split(line[i], f, " "); if (f[1] == "off") continue
			o = off[int((i - 1) / k)]; sub(/^off /, "", o); m = line[i]; sub(/^[^ ]+ /, "", m); print f[1], o, m } }' "$1"
}

part1() {
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
}

part2() {
echo
echo "== 2. Throughput of the CPU-saturated stand-in: off / ${MODES[*]} at 99 Hz ($PAIRS rounds of ${SECS} s, interleaved)"
bench_start_saturated
interleaved_rounds "$TM_PID" bench_rate_split "$E2E_TMP/tp" "mode records/s records-per-task-CPU-s agent-ms/s"
NCPU=$(nproc)
echo "   loss against the off window of the same round, median of $PAIRS; in-thread = fewer records per"
echo "   task-CPU-second, agent = its CPU over all $NCPU CPUs, their sum = the loss on a saturated"
echo "   machine without the host's noise (the plain records/s loss carries it):"
for mode in "${MODES[@]}"; do
	with_off "$E2E_TMP/tp" | awk -v m="$mode" -v n="$NCPU" '$1 == m && $2 > 0 && $3 > 0 {
		w = 100 * (1 - $5 / $2); t = 100 * (1 - $6 / $3); a = $7 / (10 * n); print w, t, a, t + a }' \
		>"$E2E_TMP/tp.$mode"
	col() { awk -v c="$1" '{ print $c }' "$E2E_TMP/tp.$mode" | bench_median; }
	printf "   %-10s records/s loss %.2f %%; in-thread %.2f %% + agent %.2f %% = %.2f %% (sum of medians %.2f %%; mean %s %%)\n" \
		"$mode" "$(col 1)" "$(col 2)" "$(col 3)" "$(col 4)" "$(awk -v a="$(col 2)" -v b="$(col 3)" 'BEGIN { print a + b }')" \
		"$(awk '{ print $4 }' "$E2E_TMP/tp.$mode" | bench_mean_se)"
done
STANDIN_SWITCHES=$(bench_switch_rate "$TM_PID" 5)
echo "   the stand-in's threads switch $STANDIN_SWITCHES times a second (what part 4's cost per switch applies to)"
stop_pid "$TM_PID"
}

part3() {
echo
echo "== 3. Paired: two stand-ins A and B with one always-busy subtask each, only A profiled at 99 Hz"
echo "   ($PAIRS rounds of ${SECS} s: off and each mode, rotated). A's records per task-CPU-second over B's in the"
echo "   same window cancels what the host does to both (the caches, the other load); the ratio's"
echo "   change from the off window is the in-thread cost. Per CPU, B's threads still run the"
echo "   program's target check at each tick: a little of per-cpu's cost falls on B."
start_tm tma "$MAIN_STANDALONE" on -- --truth "$E2E_TMP/a.truth" --task 'map:100:Source: Numbers -> Map (1/2)#0'
A_PID=$TM_PID
start_tm tmb "$MAIN_STANDALONE" on -- --truth "$E2E_TMP/b.truth" --task 'map:100:Source: Numbers -> Map (2/2)#0'
B_PID=$TM_PID
wait_ready "$A_PID" "$E2E_TMP/tma.out" 60 && wait_ready "$B_PID" "$E2E_TMP/tmb.out" 60 ||
	bench_die "paired stand-ins did not start"
# BENCH_PAIR_CPU=N: both on CPU N, where they share one core's caches and
# neighbours (and take turns, which adds switches), tmprof on the others.
if [ -n "${BENCH_PAIR_CPU:-}" ]; then
	taskset -a -cp "$BENCH_PAIR_CPU" "$A_PID" >/dev/null && taskset -a -cp "$BENCH_PAIR_CPU" "$B_PID" >/dev/null ||
		bench_die "cannot pin the stand-ins to CPU $BENCH_PAIR_CPU"
	echo "   both stand-ins on CPU $BENCH_PAIR_CPU"
fi
sleep 8 # JIT warm-up
# pair_window SECONDS [AGENT_PID]: "A records/CPU-s, B records/CPU-s, agent ms/s"
pair_window() {
	local c0=0 c1=0
	[ -n "${2:-}" ] && c0=$(bench_proc_cpu_ms "$2")
	cp "$E2E_TMP/a.truth" "$E2E_TMP/pa.0"; cp "$E2E_TMP/b.truth" "$E2E_TMP/pb.0"
	sleep "$1"
	cp "$E2E_TMP/a.truth" "$E2E_TMP/pa.1"; cp "$E2E_TMP/b.truth" "$E2E_TMP/pb.1"
	[ -n "${2:-}" ] && c1=$(bench_proc_cpu_ms "$2")
	eff() { awk -F'\t' '$2 == "total_ops" { print $1, $3, $4 }' "$1" "$2" |
		awk 'NR == 1 { t = $1; c = $2; o = $3 } NR == 2 { printf "%.1f %.3f", ($3 - o) / (($2 - c) / 1e9), ($1 - t) / 1e9 }'; }
	read -r ea sa <<<"$(eff "$E2E_TMP/pa.0" "$E2E_TMP/pa.1")"
	read -r eb _ <<<"$(eff "$E2E_TMP/pb.0" "$E2E_TMP/pb.1")"
	awk -v a="$ea" -v b="$eb" -v x="$c0" -v y="$c1" -v s="$sa" 'BEGIN { printf "%s %s %.2f\n", a, b, (y - x) / s }'
}
interleaved_rounds "$A_PID" pair_window "$E2E_TMP/pair" "mode A-records/CPU-s B-records/CPU-s agent-ms/s"
for mode in "${MODES[@]}"; do
	with_off "$E2E_TMP/pair" | awk -v m="$mode" -v n="$(nproc)" '$1 == m && $2 > 0 && $3 > 0 {
		t = 100 * (1 - ($5 / $6) / ($2 / $3)); a = $7 / (10 * n); print t, a, t + a }' \
		>"$E2E_TMP/pair.$mode"
	pcol() { awk -v c="$1" '{ print $c }' "$E2E_TMP/pair.$mode" | bench_median; }
	printf "   %-10s paired in-thread loss %.2f %% (rounds: %s) + agent %.2f %% = %.2f %% (median of sums; mean %s %%)\n" \
		"$mode" "$(pcol 1)" "$(awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 }' "$E2E_TMP/pair.$mode")" "$(pcol 2)" "$(pcol 3)" \
		"$(awk '{ print $3 }' "$E2E_TMP/pair.$mode" | bench_mean_se)"
done
stop_pid "$A_PID"; stop_pid "$B_PID"
}

part4() {
echo
echo "== 4. Cost per context switch: two threads on one CPU hand a byte back and forth (two switches a"
echo "   round trip, tests/workloads/sched/switch_pingpong.c); round trips/s off and with each mode,"
echo "   $PAIRS rounds of ${SECS} s, rotated. A per-thread event is switched out and in with its thread"
echo "   (its hrtimer cancelled and restarted); a per-CPU one is not."
gcc -O2 -pthread -o "$E2E_TMP/switch_pingpong" "$REPO/tests/workloads/sched/switch_pingpong.c" ||
	bench_die "cannot build switch_pingpong"
"$E2E_TMP/switch_pingpong" 0 >"$E2E_TMP/pp.out" &
PP_PID=$!
track "$PP_PID"
sleep 2
# pp_window SECONDS [AGENT_PID]: round trips per second
pp_window() {
	local a b
	a=$(tail -n1 "$E2E_TMP/pp.out"); sleep "$1"; b=$(tail -n1 "$E2E_TMP/pp.out")
	echo "$a $b" | awk '{ printf "%.0f\n", ($5 - $2) / ($4 - $1) }'
}
interleaved_rounds "$PP_PID" pp_window "$E2E_TMP/pp" "mode round-trips/s"
for mode in "${MODES[@]}"; do
	# µs added per switch = (1/rate - 1/off) / 2 switches, in µs
	with_off "$E2E_TMP/pp" | awk -v m="$mode" '$1 == m && $2 > 0 && $3 > 0 { print (1 / $3 - 1 / $2) / 2 * 1e6 }' >"$E2E_TMP/pp.$mode"
	us=$(bench_median <"$E2E_TMP/pp.$mode")
	printf "   %-10s %.2f µs added per switch (median; mean %s)" "$mode" "$us" "$(bench_mean_se <"$E2E_TMP/pp.$mode")"
	if [ -n "${STANDIN_SWITCHES:-}" ]; then
		awk -v u="$us" -v r="$STANDIN_SWITCHES" -v n="$(nproc)" \
			'BEGIN { printf "; at part 2 stand-in'"'"'s %d switches/s: %.3f %% of %d CPUs", r, u * r / (1e4 * n), n }'
	fi
	echo
done
kill "$PP_PID" 2>/dev/null; wait "$PP_PID" 2>/dev/null
}

case " $PARTS " in *" 1 "*) part1 ;; esac
case " $PARTS " in *" 2 "*) part2 ;; esac
case " $PARTS " in *" 3 "*) part3 ;; esac
case " $PARTS " in *" 4 "*) part4 ;; esac
echo "   load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
