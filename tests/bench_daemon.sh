#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark of `tmprof daemon`: its CPU (% of one core) and RSS while it
# profiles 4 stand-in TaskManagers with 16 always-busy task threads each, at
# 19 Hz and at 99 Hz. Prints figures; the only check is the issue's bound on
# RSS growth from minute 5 to the end (<= 50 MB), reported as a line.
#   BENCH_DAEMON_MINUTES  length of each run (default 30; the issue asks 30)
#   BENCH_DAEMON_FREQS    frequencies to run (default "19 99")
#   BENCH_DAEMON_PERIOD   daemon period in seconds (default 60)
#   BENCH_DAEMON_PARALLEL 1: both frequencies at once (default 0: one after the other)
# The RSS "minute 5" sample is taken at min(5 min, 1/6 of the run) so that
# short runs still compare an early and a late point; the line says which.
# Usage: tests/bench_daemon.sh [BUILD_DIR]
. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
TEST_NAME=bench_daemon # shellcheck disable=SC2034

MINUTES=${BENCH_DAEMON_MINUTES:-30}
FREQS=${BENCH_DAEMON_FREQS:-19 99}
PERIOD=${BENCH_DAEMON_PERIOD:-60}
TMS=4
THREADS=16

die() { echo "bench_daemon: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$TMPROF" ] || die "no $TMPROF: run make"
"$TMPROF" daemon --help >/dev/null 2>&1 || die "$TMPROF has no daemon command"
require_workloads
command -v java >/dev/null || die "no java"

HZ_TICKS=$(getconf CLK_TCK)
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

tasks=()
for t in $(seq "$THREADS"); do tasks+=(--task "map:100:Source: Busy$t -> Map ($t/$THREADS)#0"); done
for i in $(seq "$TMS"); do
	start_tm "bench$i" "$MAIN_STANDALONE" on -Dtaskmanager.resource-id=bench-$i -- "${tasks[@]}"
	wait_ready "$TM_PID" "$TM_OUT" 120 || die "stand-in TaskManager $i did not start"
done
echo "# $TMS TaskManagers x $THREADS busy threads on $(nproc) CPUs; $MINUTES min per run, period ${PERIOD}s"

total_s=$(( MINUTES * 60 ))
early_s=$(( total_s / 6 < 300 ? total_s / 6 : 300 ))
# One daemon per frequency. BENCH_DAEMON_PARALLEL=1 runs them side by side
# on the same TaskManagers (half the wall time): each daemon's CPU and RSS
# are its own (BPF runs in the sampled threads' context, not the daemon's).
start_daemon() { # hz -> DPID
	local hz=$1 out="$E2E_TMP/out-$1"
	cat >"$E2E_TMP/bench-$hz.ini" <<INI
[profile]
frequency = $hz
period = ${PERIOD}s
[output]
directory = $out
max_age = 1h
[metrics]
listen = off
INI
	"$TMPROF" daemon --config "$E2E_TMP/bench-$hz.ini" >"$E2E_TMP/daemon-$hz.out" 2>"$E2E_TMP/daemon-$hz.err" &
	DPID=$!
	track "$DPID"
}

report_daemon() { # hz pid c0 t0 rss_early
	local hz=$1 dpid=$2 c0=$3 t0=$4 rss_early=$5 c1 t1 rss_end files
	kill -0 "$dpid" 2>/dev/null || die "daemon at $hz Hz died: $(tail -3 "$E2E_TMP/daemon-$hz.err")"
	c1=$(cpu_ticks "$dpid")
	t1=$(date +%s.%N)
	rss_end=$(rss_kb "$dpid")
	files=$(find "$E2E_TMP/out-$hz" -name '*.pb.gz' | wc -l)
	kill -TERM "$dpid"
	wait_exit "$dpid" 60
	awk -v hz="$hz" -v c=$(( c1 - c0 )) -v tck="$HZ_TICKS" -v t0="$t0" -v t1="$t1" \
		-v r0="$rss_early" -v r1="$rss_end" -v early="$early_s" -v files="$files" -v rc="$WAIT_RC" 'BEGIN {
		cpu = 100 * c / tck / (t1 - t0)
		printf "daemon %3d Hz: cpu %.2f%% of a core over %.0f s; rss %.1f MB at %d s, %.1f MB at end (growth %+.1f MB, bound 50 MB: %s); %d files; SIGTERM exit %d\n",
			hz, cpu, t1 - t0, r0 / 1024, early, r1 / 1024, (r1 - r0) / 1024,
			(r1 - r0) / 1024 <= 50 ? "ok" : "EXCEEDED", files, rc
	}'
}

# run_daemons HZ...: start them together, sample early RSS, report at the end.
run_daemons() {
	local hz pids=() c0s=() t0s=() early=() i
	for hz in "$@"; do start_daemon "$hz"; pids+=("$DPID"); done
	sleep 10 # start-up: attach, first perf maps
	for i in "${!pids[@]}"; do c0s+=("$(cpu_ticks "${pids[$i]}")"); t0s+=("$(date +%s.%N)"); done
	sleep $(( early_s - 10 > 0 ? early_s - 10 : 1 ))
	for i in "${!pids[@]}"; do early+=("$(rss_kb "${pids[$i]}")"); done
	sleep $(( total_s - early_s ))
	i=0
	for hz in "$@"; do
		report_daemon "$hz" "${pids[$i]}" "${c0s[$i]}" "${t0s[$i]}" "${early[$i]}"
		i=$((i + 1))
	done
}

if [ "${BENCH_DAEMON_PARALLEL:-0}" = 1 ]; then
	# shellcheck disable=SC2086
	run_daemons $FREQS
else
	for hz in $FREQS; do run_daemons "$hz"; done
fi
