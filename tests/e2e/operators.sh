#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: CPU per operator inside a chain against the operators' own clocks.
#
# tmprof.workload.OperatorChains runs two task threads, chains of 3 and 4
# operators nested as Flink nests them (ChainingOutput, CopyingChainingOutput,
# BroadcastingOutputCollector to a chained operator and a network output);
# each operator's user function times its own CPU (see the workload). The
# JVM runs twice: with C2's inlining (default: the chaining calls become
# inlined frames) and with -XX:-Inline (every call a real frame). Each time
# tmprof records -F 999 for 10 s into JSON; then per chain:
#  1. every operator's share of its thread's placed+unplaced CPU samples is
#     within +-TOL pp (default 5) of its user function's share of the
#     thread's CPU over the recording window (truth snapshots taken when
#     tmprof says "recording" and after it ends); the workload's own
#     overhead outside the user functions (loop, chaining, clock reads, about
#     2 %) is part of the error;
#  2. operators come in chain order with the names of the task name;
#  3. unplaced samples are under 2 %;
#  4. with inlining, the recording has inlined chaining frames (checked in
#     the folded output of a short second recording), so that case is
#     really exercised; `tmprof top -n 2` prints one row per operator.
# Usage: tests/e2e/operators.sh [BUILD_DIR]
# Environment: OPERATORS_TOLERANCE (pp, default 5), OPERATORS_SECONDS (10).

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all
[ -f "$WORKLOADS/tmprof/workload/OperatorChains.class" ] || skip_all "OperatorChains not built (make workloads)"
command -v python3 >/dev/null 2>&1 || skip_all "no python3 (parses the JSON report)"

TOL=${OPERATORS_TOLERANCE:-5}
DURATION=${OPERATORS_SECONDS:-10}
MAIN=tmprof.workload.OperatorChains

# run_case NAME [JVM options...]
run_case() {
	local name=$1
	shift
	local truth="$E2E_TMP/$name.truth" json="$E2E_TMP/$name.json" rec i
	start_java "$name" "$MAIN" -Xms64m -Xmx128m "$@" -- --truth "$truth" --duty 100 --warmup 8
	if ! wait_ready "$JAVA_PID" "$E2E_TMP/$name.out" 90; then
		not_ok "$name: OperatorChains did not print ready within 90 s ($(tail -n 3 "$E2E_TMP/$name.err" | tr '\n' ' '))"
		stop_pid "$JAVA_PID"
		return
	fi
	"$TMPROF" record -p "$JAVA_PID" -F 999 -d "$DURATION" -o "$json" \
		>"$E2E_TMP/$name.rec.out" 2>"$E2E_TMP/$name.rec.err" &
	rec=$!
	track "$rec"
	: >"$E2E_TMP/$name.t0"
	for i in $(seq 3000); do # 30 s for the BPF load under load
		if grep -q 'recording' "$E2E_TMP/$name.rec.err" 2>/dev/null; then
			cp "$truth" "$E2E_TMP/$name.t0"
			break
		fi
		kill -0 "$rec" 2>/dev/null || break
		sleep 0.01
	done
	wait_exit "$rec" $((DURATION + 120))
	cp "$truth" "$E2E_TMP/$name.t1" 2>/dev/null
	if [ "$WAIT_RC" -ne 0 ] || [ ! -s "$E2E_TMP/$name.t0" ]; then
		not_ok "$name: tmprof record -F 999 -o X.json: exit $WAIT_RC ($(head -c 300 "$E2E_TMP/$name.rec.err" | tr '\n' ' '))"
		stop_pid "$JAVA_PID"
		return
	fi
	if [ "$name" = inline ]; then
		# The inlined case must have the chaining calls inlined.
		run_tmprof 60 record -p "$JAVA_PID" -F 999 -d 3 -o "$E2E_TMP/$name.folded"
		local n
		n=$(folded_samples_with "$E2E_TMP/$name.folded" 'ChainingOutput\.(collect|pushToOperator)_\[i\]$')
		check "$name: C2 inlined the chaining calls ($n samples under an inlined ChainingOutput frame)" \
			test "${n:-0}" -gt 0
		# tmprof top: one row per operator under each subtask.
		run_tmprof 90 top -p "$JAVA_PID" -n 2
		local rows
		rows=$(awk '/^tmprof top /{ b++ } b == 2' "$E2E_TMP/tmprof.out" |
			grep -cE '^    (Source: Gen|Filter|Map|Parse|Enrich|Sink: Out) +[0-9]+ +[0-9]+ %$')
		check "$name: tmprof top -n 2 (piped): 7 operator rows under the two subtasks (got $rows; exit $RC)" \
			test "$RC" -eq 0 -a "$rows" -eq 7
	fi
	stop_pid "$JAVA_PID"
	python3 - "$json" "$E2E_TMP/$name.t0" "$E2E_TMP/$name.t1" "$TOL" "$TEST_NAME: $name" \
		>"$E2E_TMP/$name.cmp" 2>&1 <<'PY'
import json, sys
report, f0, f1, tol, tn = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
def load(f):
    th, op = {}, {}
    for line in open(f):
        p = line.rstrip("\n").split("\t")
        try:
            if p[1] == "thread":
                th[p[2]] = int(p[3])
            elif p[1] == "op":
                op[(p[2], int(p[3]))] = (p[4], int(p[5]))
        except (IndexError, ValueError):
            pass
    return th, op
t0, o0 = load(f0)
t1, o1 = load(f1)
threads = {t["name"]: t for t in json.load(open(report))["threads"]}
chains = 0
for name in sorted(t0):
    want = [o1[k][0] for k in sorted(k for k in o1 if k[0] == name)]
    t = threads.get(name)
    if t is None or "operators" not in t:
        print("not ok - %s: \"%s\" has no operators in the report" % (tn, name))
        continue
    ops = t["operators"]
    names = [o["name"] for o in ops]
    idx = [o["index"] for o in ops]
    if names != want or idx != list(range(len(want))):
        print("not ok - %s: \"%s\": operators %s, want %s in chain order" % (tn, name, names, want))
        continue
    print("ok - %s: \"%s\": %d operators in chain order" % (tn, name, len(ops)))
    chains += 1
    total = sum(o["samples"] for o in ops) + t["operators_unplaced"]["samples"]
    dt = t1[name] - t0[name]
    if total < 300 or dt <= 0:
        print("not ok - %s: \"%s\": %d samples, %.0f ms of thread CPU: too few to compare" % (tn, name, total, dt / 1e6))
        continue
    covered = 0.0
    worst = 0.0
    rows = []
    for i, o in enumerate(ops):
        k = (name, i)
        truth = 100.0 * (o1[k][1] - o0[k][1]) / dt
        covered += truth
        meas = 100.0 * o["samples"] / total
        worst = max(worst, abs(meas - truth))
        rows.append("%s %.1f%% (truth %.1f%%)" % (o["name"], meas, truth))
    line = "\"%s\": %s; worst %.2f pp over %d samples; user functions cover %.1f%% of the thread" % (
        name, ", ".join(rows), worst, total, covered)
    print(("ok - %s: %s" if worst <= tol else "not ok - %s: %s (> %g pp)") % ((tn, line) + ((tol,) if worst > tol else ())))
    un = 100.0 * t["operators_unplaced"]["samples"] / total
    print(("ok" if un < 2.0 else "not ok") + " - %s: \"%s\": unplaced %.2f%% of samples (< 2 %%)" % (tn, name, un))
if chains != 2:
    print("not ok - %s: %d chains of 3 and 4 operators checked, want 2" % (tn, chains))
PY
	cat "$E2E_TMP/$name.cmp"
	# A python error (no "ok" line at all) or any "not ok" fails the script.
	if grep -q '^not ok' "$E2E_TMP/$name.cmp" || ! grep -q '^ok' "$E2E_TMP/$name.cmp"; then
		E2E_FAILED=1
		grep -q '^not ok' "$E2E_TMP/$name.cmp" || echo "not ok - $TEST_NAME: $name: comparison failed"
	fi
}

run_case inline
run_case noinline -XX:-Inline
finish
