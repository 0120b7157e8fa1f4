#!/usr/bin/env bash
# Benchmarks of per-thread sampling (default) against per-CPU sampling
# (--per-cpu). Prints figures; no pass/fail.
#   1. On a ~300-thread JVM (BurstyThreads --idle 290: busy, timer-woken,
#      pool and idle threads), per mode: perf events open, BPF ns per
#      program run (= per sample per thread; per CPU every tick of every CPU
#      runs it), agent start cost (CPU and wall to the "recording" line) and
#      steady agent CPU (tmprof's utime+stime over the middle of a 12 s
#      recording, per second; start cost = CPU of a 2 s recording minus 2 s
#      of steady CPU).
#   2. Throughput of the CPU-saturated stand-in TaskManager (two always-busy
#      subtasks) without tmprof, with per-thread and with per-CPU sampling at
#      99 Hz: BENCH_PAIRS interleaved triplets, median loss per mode.
# Usage: tests/bench_threads.sh [BUILD_DIR]   (make bench)
# Environment: BENCH_PAIRS (5), BENCH_SECONDS (10).
# Other load on the machine makes the figures noisy: medians for that reason.

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
TEST_NAME=bench_threads # shellcheck disable=SC2034

PAIRS=${BENCH_PAIRS:-5}
SECS=${BENCH_SECONDS:-10}
PROG_NAME=cpu_sample

die() { echo "bench_threads: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$TMPROF" ] || die "no $TMPROF: run make"
require_workloads
command -v java >/dev/null || die "no java"

OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
bench_cleanup() {
	[ -n "$OLD_STATS" ] && sysctl -q -w kernel.bpf_stats_enabled="$OLD_STATS" >/dev/null 2>&1
	e2e_cleanup
}
trap bench_cleanup EXIT
sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null 2>&1 || echo "   (cannot enable kernel.bpf_stats_enabled: no BPF figures)"

# prog_stats TMPROF_PID: "run_time_ns run_cnt" of the cpu_sample program that
# tmprof pid loaded (when bpftool reports pids), else of the newest one.
prog_stats() {
	bpftool -j prog show 2>/dev/null | sed 's/},{"id"/}\n{"id"/g' | awk -v name="$PROG_NAME" -v tpid="$1" '
		/"type":"perf_event"/ && index($0, "\"name\":\"" name) {
			id = $0; sub(/.*"id":/, "", id); sub(/[^0-9].*/, "", id)
			rt = $0; sub(/.*"run_time_ns":/, "", rt); sub(/[^0-9].*/, "", rt)
			rc = $0; sub(/.*"run_cnt":/, "", rc); sub(/[^0-9].*/, "", rc)
			mine = index($0, "\"pid\":" tpid ",") > 0
			if (mine > bm || (mine == bm && id + 0 > best + 0)) { best = id; bm = mine; brt = rt; brc = rc }
		}
		END { if (best != "") print brt + 0, brc + 0 }'
}

# utime + stime of a process, in clock ticks.
proc_cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }

cpu_ms() { awk '{ printf "%.0f", ($2 + $3) * 1000 }' "$1"; }

# record_once MODE SECONDS: runs tmprof; sets START_WALL_MS (launch to the
# "recording" line), AGENT_MS (its CPU), EVENTS (stats-events line), BPF
# ("ns_per_run runs") over the middle of the recording.
record_once() {
	local mode=$1 d=$2 args=() t0 t1 s1 s2
	[ "$mode" = per-cpu ] && args=(--per-cpu)
	TIMEFORMAT='%R %U %S'
	t0=$EPOCHREALTIME
	{ time "$TMPROF" record -p "$BT_PID" -d "$d" -F 99 "${args[@]}" -o "$E2E_TMP/b.folded" --stats \
		>/dev/null 2>"$E2E_TMP/b.err"; } 2>"$E2E_TMP/b.time" &
	local tp=$!
	for _ in $(seq 600); do grep -q '^tmprof: recording' "$E2E_TMP/b.err" 2>/dev/null && break; sleep 0.05; done
	t1=$EPOCHREALTIME
	START_WALL_MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) * 1000 }')
	BPF="" STEADY=""
	if [ "$d" -ge 6 ]; then
		local rp
		rp=$(pgrep -P "$tp" -f "$TMPROF" | head -n1)
		[ -n "$rp" ] || rp=$tp
		sleep 1; s1=$(prog_stats "$rp"); c1=$(proc_cpu_ticks "$rp")
		sleep $((d - 3)); s2=$(prog_stats "$rp"); c2=$(proc_cpu_ticks "$rp")
		STEADY=$(awk -v a="$c1" -v b="$c2" -v s=$((d - 3)) -v hz="$(getconf CLK_TCK)" \
			'BEGIN { if (b > a) printf "%.2f", (b - a) * 1000 / hz / s }')
		if [ -n "$s1" ] && [ -n "$s2" ]; then
			BPF=$(echo "$s1 $s2" | awk '{ n = $4 - $2; printf "%.0f %d", (n > 0 ? ($3 - $1) / n : 0), n }')
		fi
	fi
	wait "$tp"
	AGENT_MS=$(cpu_ms "$E2E_TMP/b.time")
	EVENTS=$(grep -m1 '^stats-events:' "$E2E_TMP/b.err")
}

echo "bench_threads: tmprof $TMPROF, $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "== 1. A ~300-thread JVM, 99 Hz"
start_java bt tmprof.workload.BurstyThreads -XX:CompileCommand=quiet -Xms32m -Xmx128m \
	-- --truth "$E2E_TMP/bt.truth" --sources 1 --sinks 2 --idle 290
BT_PID=$JAVA_PID
wait_ready "$BT_PID" "$E2E_TMP/bt.out" 60 || die "BurstyThreads did not start"
sleep 5
echo "   threads in the JVM: $(ls "/proc/$BT_PID/task" | wc -l)"
for mode in per-thread per-cpu; do
	record_once "$mode" 2
	short_ms=$AGENT_MS short_start=$START_WALL_MS
	record_once "$mode" 12
	long_ms=$AGENT_MS
	open=$(printf '%s\n' "$EVENTS" | sed -nE 's/.* open=([0-9]+).*/\1/p')
	opened=$(printf '%s\n' "$EVENTS" | sed -nE 's/.* opened=([0-9]+).*/\1/p')
	awk -v m="$mode" -v s="$short_ms" -v l="$long_ms" -v sw="$short_start" -v lw="$START_WALL_MS" \
		-v open="$open" -v opened="$opened" -v bpf="$BPF" -v st="$STEADY" 'BEGIN {
		if (st == "") { steady = -1; start = s } else { steady = st + 0; start = s - 2 * steady }
		split(bpf, b, " ")
		printf "   %-10s perf events open %s (opened %s); start: %.0f ms CPU, %d/%d ms wall to recording; steady agent CPU %s; BPF %s ns per run, %s runs\n",
			m, open, opened, start, sw, lw, (steady < 0 ? "?" : sprintf("%.2f ms/s", steady)), (b[1] == "" ? "?" : b[1]), (b[2] == "" ? "?" : b[2]) }'
done
stop_pid "$BT_PID"

echo
echo "== 2. Throughput of the CPU-saturated stand-in: off / per-thread / per-CPU at 99 Hz ($PAIRS triplets of ${SECS} s)"
TRUTH="$E2E_TMP/truth.tsv"
start_tm tm "$MAIN_STANDALONE" on -- --truth "$TRUTH" \
	--task 'map:100:Source: Numbers -> Map (1/2)#0' --task 'map:100:Source: Numbers -> Map (2/2)#0'
wait_ready "$TM_PID" "$TM_OUT" 60 || die "stand-in did not start: $(tail -n 3 "$E2E_TMP/tm.err")"
sleep 8
truth_total() { awk -F'\t' '$2 == "total_ops" { print $1, $4 }' "$1"; }
rate() {
	cp "$TRUTH" "$E2E_TMP/a"; sleep "$SECS"; cp "$TRUTH" "$E2E_TMP/b"
	{ truth_total "$E2E_TMP/a"; truth_total "$E2E_TMP/b"; } |
		awk 'NR == 1 { t0 = $1; o0 = $2 } NR == 2 { printf "%.0f", ($2 - o0) / (($1 - t0) / 1e9) }'
}
rate_on() {
	local args=()
	[ "$1" = per-cpu ] && args=(--per-cpu)
	"$TMPROF" record -p "$TM_PID" -d $((SECS + 4)) -F 99 "${args[@]}" -o "$E2E_TMP/tp.folded" \
		>/dev/null 2>"$E2E_TMP/tp.err" &
	local tp=$!
	for _ in $(seq 300); do grep -q '^tmprof: recording' "$E2E_TMP/tp.err" 2>/dev/null && break; sleep 0.1; done
	sleep 1
	rate
	wait "$tp"
}
: >"$E2E_TMP/tp"
for i in $(seq "$PAIRS"); do
	off=$(rate); pt=$(rate_on per-thread); pc=$(rate_on per-cpu)
	echo "$off $pt $pc" >>"$E2E_TMP/tp"
	printf "   triplet %d: off %s, per-thread %s, per-CPU %s records/s\n" "$i" "$off" "$pt" "$pc"
done
awk '{ n++; a[n] = ($1 > 0 ? $2 / $1 : 0); b[n] = ($1 > 0 ? $3 / $1 : 0) }
	function med(x, n,   i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
		return (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2
	}
	END {
		if (!n) { print "   no figures"; exit }
		printf "   median throughput loss: per-thread %.2f %%, per-CPU %.2f %%\n", 100 * (1 - med(a, n)), 100 * (1 - med(b, n))
	}' "$E2E_TMP/tp"
