#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: the blocked state split into lock, io and sleep (issue 17,
# off-CPU), against the stand-in's own clocks.
#
# The stand-in BlockedMix (tests/workloads/tmprof/workload/BlockedMix.java)
# runs five task threads, each blocking over and over in one known way:
# a contended monitor and a contended ReentrantLock (lock), a FIFO read and a
# loopback socket read (io), Thread.sleep / LockSupport.parkNanos (sleep),
# each wait timed by the workload up to the kernel's wakeup. tmprof records
# it with -e wall; then:
#  1. for every task thread, each of lock, io and sleep in the JSON's
#     blocked_by is within +-TOL ms/s of the truth over the same window;
#  2. blocked_by sums to blocked, and the five states still sum to
#     1000 +- 50 ms/s (what the kernel matrix's wall-states check reads);
#  3. `tmprof report X.json` shows the LOCK, IO and SLEEP columns;
#  4. the wall flame graph (folded) puts each thread's waits under its
#     reason's pseudo-frame ([lock], [io], [sleep]).
# Usage: tests/e2e/blocked_split.sh [BUILD_DIR]
# Environment: BLOCKED_SPLIT_TOLERANCE (ms/s, default 50 -- the issue's figure).

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all
command -v python3 >/dev/null 2>&1 || skip_all "no python3 (parses the JSON report)"
[ -f "$WORKLOADS/tmprof/workload/BlockedMix.class" ] || skip_all "workload BlockedMix not built (make workloads)"

DURATION=8
TOL=${BLOCKED_SPLIT_TOLERANCE:-50}
TRUTH="$E2E_TMP/truth"
JSON="$E2E_TMP/wall.json"

start_java blockedmix tmprof.workload.BlockedMix -XX:+PreserveFramePointer -Xms32m -Xmx128m \
	-- --truth "$TRUTH" --fifo "$E2E_TMP/blocked.fifo"
BM_PID=$JAVA_PID
if ! wait_ready "$BM_PID" "$E2E_TMP/blockedmix.out" 90; then
	not_ok "BlockedMix did not print ready within 90 s ($(tail -n 3 "$E2E_TMP/blockedmix.err" | tr '\n' ' '))"
	finish
fi
sleep 3 # JIT warm-up: the waits' Java frames settle

# 1. The recording; the truth is copied when tmprof starts sampling and
# when it ends (snapshots every 200 ms: rates over nearly the same window).
"$TMPROF" record -p "$BM_PID" -e wall -d "$DURATION" -o "$JSON" \
	>"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" &
REC=$!
track "$REC"
for _ in $(seq 3000); do # 30 s
	if grep -q 'recording' "$E2E_TMP/rec.err" 2>/dev/null; then cp "$TRUTH" "$E2E_TMP/truth.a"; break; fi
	kill -0 "$REC" 2>/dev/null || break
	sleep 0.01
done
wait_exit "$REC" $((DURATION + 90))
cp "$TRUTH" "$E2E_TMP/truth.b"
if [ "$WAIT_RC" -ne 0 ] || [ ! -s "$E2E_TMP/truth.a" ] || [ ! -s "$JSON" ]; then
	not_ok "tmprof record -p PID -e wall -d $DURATION -o X.json: exit $WAIT_RC (stderr: $(head -c 400 "$E2E_TMP/rec.err" | tr '\n' ' '))"
	finish
fi
ok "tmprof record -p BlockedMix -e wall -d $DURATION -o X.json (load: $(cut -d' ' -f1-3 /proc/loadavg))"

python3 - "$JSON" "$E2E_TMP/truth.a" "$E2E_TMP/truth.b" "$TOL" "$TEST_NAME" <<'EOF' >"$E2E_TMP/compare"
import json, sys
report, ta, tb, tol, tn = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
def load(path):
    out = {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        out[f[1]] = [int(x) for x in [f[0]] + f[2:]]
    return out
a, b = load(ta), load(tb)
threads = {t["name"]: t for t in json.load(open(report))["threads"]}
reasons = ["lock", "io", "sleep"]
# The reason each thread waits for: a comparison where its truth is near 0
# (a thread starved by load never waits) would check nothing.
own = {"Monitor": "lock", "ReentrantLock": "lock", "FileRead": "io", "SocketRead": "io", "Sleep": "sleep"}
for name in sorted(a):
    t = threads.get(name)
    if t is None:
        print(f"not ok - {tn}: {name}: not in the report")
        continue
    secs = (b[name][0] - a[name][0]) / 1e9
    truth = {r: (b[name][2 + i] - a[name][2 + i]) / 1e6 / secs for i, r in enumerate(reasons)}
    by = t.get("blocked_by") or {}
    figs, bad = [], []
    for r in reasons:
        got = by.get(r)
        figs.append(f"{r} {got if got is None else round(got)} (truth {truth[r]:.0f})")
        if got is None or abs(got - truth[r]) > tol:
            bad.append(r)
    ms = t["ms_per_s"]
    total = sum(v for v in ms.values() if v is not None)
    split = sum(by.get(r) or 0 for r in reasons)
    line = f"{name}: " + ", ".join(figs) + f" ms/s; blocked {ms['blocked']:.0f} = split {split:.0f}; five states sum {total:.0f}"
    mine = own.get(name.split(": ")[1].split(" (")[0])
    if mine and truth[mine] < 50:
        bad.append(f"{mine} truth below 50 ms/s (too loaded to test)")
    if bad or abs(split - ms["blocked"]) > 1 or abs(total - 1000) > 50 or len(ms) != 5:
        print(f"not ok - {tn}: {line} -- off by more than {tol:.0f} ms/s: {' '.join(bad) or '-'}")
    else:
        print(f"ok - {tn}: {line}")
EOF
cat "$E2E_TMP/compare"
grep -q '^not ok' "$E2E_TMP/compare" && E2E_FAILED=1
[ "$(grep -c '^ok' "$E2E_TMP/compare")" -eq 5 ] || not_ok "expected 5 task threads compared, got $(grep -c '^ok' "$E2E_TMP/compare") ok lines"

# 3. The table.
run_tmprof 30 report "$JSON"
if [ "$RC" -eq 0 ] && grep -Eq '^SUBTASK .* LOCK +IO +SLEEP ' "$E2E_TMP/tmprof.out" &&
	[ "$(grep -c '^Blocked: ' "$E2E_TMP/tmprof.out")" -eq 5 ]; then
	ok "tmprof report X.json: LOCK, IO and SLEEP columns, 5 chains"
else
	not_ok "tmprof report X.json: exit $RC; expected LOCK IO SLEEP columns and 5 chains; got: $(head -c 600 "$E2E_TMP/tmprof.out" | tr '\n' '|')"
fi

# 4. The wall flame graph: each thread's heaviest off-CPU pseudo-frame.
FOLDED="$E2E_TMP/wall.folded"
run_tmprof 60 record -p "$BM_PID" -e wall -d 4 -o "$FOLDED"
if [ "$RC" -ne 0 ] || [ ! -s "$FOLDED" ]; then
	not_ok "tmprof record -e wall -d 4 -o X.folded: exit $RC (stderr: $(head -c 300 "$E2E_TMP/tmprof.err" | tr '\n' ' '))"
else
	folded_strip_process "$FOLDED" >"$E2E_TMP/wall.norm"
	folded_thread_states "$E2E_TMP/wall.norm" | grep -E "$(printf '\t')\[(lock|io|sleep|blocked)\]$(printf '\t')" |
		sort -t"$(printf '\t')" -k1,1 -k3,3nr >"$E2E_TMP/wall.states"
	top_state() { awk -F'\t' -v t="$1" '$1 == t { print $2; exit }' "$E2E_TMP/wall.states"; }
	for pair in "Monitor:lock" "ReentrantLock:lock" "FileRead:io" "SocketRead:io" "Sleep:sleep"; do
		t="Blocked: ${pair%%:*} (1/1)#0"; want="[${pair##*:}]"; got=$(top_state "$t")
		if [ "$got" = "$want" ]; then
			ok "wall flame graph: \"$t\" waits mostly under $want"
		else
			not_ok "wall flame graph: \"$t\" waits mostly under ${got:-nothing}, expected $want ($(grep -F "$t" "$E2E_TMP/wall.states" | tr '\t\n' ' |'))"
		fi
	done
fi
finish
