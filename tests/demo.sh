#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Demo: profile the bundled stand-in Flink TaskManager with tmprof.
#   1. starts the stand-in TaskManager (a JVM whose main class is Flink's
#      TaskManagerRunner, with Flink-named task threads) with
#      Flink's default flags (no -XX:+PreserveFramePointer: tmprof walks
#      HotSpot's own frame layout),
#   2. shows `tmprof list`,
#   3. records every TaskManager for 10 s: tmprof record --all-taskmanagers,
#   4. leaves the folded stacks in ./demo-out/cpu.folded (DEMO_OUT=DIR to
#      change) and stops the stand-in.
# Needs root (BPF). Usage: tests/demo.sh [BUILD_DIR]   (make demo)

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
TEST_NAME=demo # shellcheck disable=SC2034

OUT_DIR=${DEMO_OUT:-$PWD/demo-out}
case "$OUT_DIR" in /*) ;; *) OUT_DIR="$PWD/$OUT_DIR" ;; esac
OUT="$OUT_DIR/cpu.folded"

die() { echo "demo: $*" >&2; exit 1; }
[ -x "$TMPROF" ] || die "no $TMPROF: run make"
[ -f "$WORKLOADS/org/apache/flink/runtime/taskexecutor/TaskManagerRunner.class" ] || die "workloads not built: make workloads"
command -v java >/dev/null || die "no java"
[ "$(id -u)" -eq 0 ] || die "needs root (tmprof loads BPF programs)"
mkdir -p "$OUT_DIR" || die "cannot create $OUT_DIR"

echo "==> Starting the stand-in TaskManager (main class $MAIN_STANDALONE, without -XX:+PreserveFramePointer)"
echo "    task threads: 'Source: Numbers -> Map (1/2)#0' 90 %, '(2/2)#0' 45 %,"
echo "    'Window(TumblingEventTimeWindows) -> Sink: Print (1/1)#0' 25 %, 'Source: Clicks -> Map (1/1)#0' 10 % busy"
start_tm taskmanager "$MAIN_STANDALONE" off -- --truth "$E2E_TMP/truth.tsv"
wait_ready "$TM_PID" "$TM_OUT" 60 || die "the stand-in did not start: $(tail -n 3 "$E2E_TMP/taskmanager.err")"
echo "    running as pid $TM_PID; letting the JIT warm up for 5 s"
sleep 5

echo
echo "==> $TMPROF list"
"$TMPROF" list || echo "(tmprof list exited $?)"

echo
echo "==> $TMPROF record --all-taskmanagers -d 10 -o $OUT"
"$TMPROF" record --all-taskmanagers -d 10 -o "$OUT"
rc=$?
echo "    (tmprof exited $rc)"

echo
echo "==> Ground truth from the TaskManager itself (ThreadMXBean CPU since start):"
awk -F'\t' '$2 != "total_ops" { printf "    %-60s %8.1f s CPU %12d records\n", $2, $3 / 1e9, $4 }' "$E2E_TMP/truth.tsv"

echo
echo "==> Stopping the stand-in TaskManager (pid $TM_PID)"
stop_pid "$TM_PID"

echo
if [ -s "$OUT" ]; then
	echo "==> Folded stacks: $OUT ($(wc -l <"$OUT") stacks, $(folded_total "$OUT") samples)"
	echo "    hottest stack (leaf end):"
	awk '$NF > max { max = $NF; line = $0 } END { s = line; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		printf "      %d samples: %s", max, f[1]; if (n > 6) printf " ; ..."
		for (i = (n > 6 ? n - 4 : 2); i <= n; i++) printf " ; %s", f[i]; print "" }' "$OUT"
	echo "    Make a flame graph with e.g.: flamegraph.pl $OUT > $OUT_DIR/cpu.svg"
else
	echo "==> No folded output was written ($OUT)"
fi
exit "$rc"
