#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Demo: profile the bundled stand-in Flink TaskManager with tmprof.
#   1. starts the stand-in TaskManager (a JVM whose main class is Flink's
#      TaskManagerRunner, with Flink-named task threads) with
#      Flink's default flags (no -XX:+PreserveFramePointer: tmprof walks
#      HotSpot's own frame layout),
#   2. shows `tmprof list`,
#   3. records every TaskManager for 10 s: tmprof record --all-taskmanagers,
#      three recordings side by side over the same seconds: folded stacks,
#      the interactive flame graph (opens coloured by CPU category, with a
#      legend and a category filter) and the JSON report (per thread
#      "cpu_by_category"),
#   4. prints each subtask's CPU categories from the JSON report (tmprof
#      report), leaves ./demo-out/cpu.folded, cpu.html and report.json
#      (DEMO_OUT=DIR to change) and stops the stand-in.
# Needs root (BPF). Usage: tests/demo.sh [BUILD_DIR]   (make demo)

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
TEST_NAME=demo # shellcheck disable=SC2034

OUT_DIR=${DEMO_OUT:-$PWD/demo-out}
case "$OUT_DIR" in /*) ;; *) OUT_DIR="$PWD/$OUT_DIR" ;; esac
OUT="$OUT_DIR/cpu.folded"
HTML="$OUT_DIR/cpu.html"
JSON="$OUT_DIR/report.json"

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
echo "==> $TMPROF record --all-taskmanagers -d 10 -o $OUT   (and, alongside, -o $HTML and -o $JSON)"
"$TMPROF" record --all-taskmanagers -d 10 -o "$HTML" 2>"$E2E_TMP/html.err" &
html_pid=$!
"$TMPROF" record --all-taskmanagers -d 10 -o "$JSON" 2>"$E2E_TMP/json.err" &
json_pid=$!
"$TMPROF" record --all-taskmanagers -d 10 -o "$OUT"
rc=$?
wait "$html_pid"; html_rc=$?
wait "$json_pid"; json_rc=$?
echo "    (tmprof exited $rc; the HTML recording $html_rc, the JSON report $json_rc)"
[ "$html_rc" -eq 0 ] || { sed 's/^/    /' "$E2E_TMP/html.err" | tail -n 3; rc=$html_rc; }
[ "$json_rc" -eq 0 ] || { sed 's/^/    /' "$E2E_TMP/json.err" | tail -n 3; rc=$json_rc; }

echo
echo "==> Ground truth from the TaskManager itself (ThreadMXBean CPU since start):"
awk -F'\t' '$2 != "total_ops" { printf "    %-60s %8.1f s CPU %12d records\n", $2, $3 / 1e9, $4 }' "$E2E_TMP/truth.tsv"

echo
if [ -s "$JSON" ]; then
	echo "==> Where each subtask's CPU went (ms/s; the line under each row: its CPU by category,"
	echo "    from \"cpu_by_category\" in $JSON): $TMPROF report $JSON"
	"$TMPROF" report "$JSON" | sed 's/^/    /'
else
	echo "==> No JSON report was written ($JSON)"
fi

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
if [ -s "$HTML" ]; then
	echo "==> Interactive flame graph: $HTML ($(wc -c <"$HTML") bytes, self-contained; open it in a browser)."
	echo "    It opens coloured by CPU category (legend at the top; click one, or pick it in the"
	echo "    category list, to see only its stacks); 'Colour: frame kind' switches back."
else
	echo "==> No HTML flame graph was written ($HTML)"
fi
exit "$rc"
