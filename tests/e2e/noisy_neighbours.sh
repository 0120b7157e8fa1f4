#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: who starves whom (issue 19). A stand-in (BlockedMix: task
# threads that wake every few ms and burn a little CPU, so they wait in the
# run queue often) runs beside NOISY CPU-bound processes of another name
# (tests/e2e/busy.c, run as "tmprof-noisy"). tmprof record -e wall charges
# every run-queue span of the stand-in's threads to the tasks that ran on
# that CPU meanwhile; then:
#  1. the burners appear in the JSON's noisy_neighbours, and their share of
#     the run-queue time that other processes cause matches their share of
#     the CPU the stand-in leaves (their CPU time from /proc/PID/stat over
#     the recording, divided by CPUs x seconds minus the stand-in's CPU
#     time) within TOL percentage points. The stand-in's own threads are
#     left out of both sides: they wake together and preempt the burners,
#     so they delay each other more than their CPU share says (278-295 ms/s
#     of their own run-queue time on a quiet machine), which put the old
#     comparison (the burners against all of the run-queue time and all of
#     the CPUs) at 10 pp off on an idle host;
#  2. per thread, runqueue_by_culprit never exceeds the thread's runqueue;
#  3. `tmprof report X.json` prints the culprit line (the TaskManager's
#     own threads as one entry);
#     Culprits are named as processes (the leader's comm): the burners burn
#     in a thread named "noisy-worker" and must show as "tmprof-noisy", the
#     stand-in's own threads as one entry named like its process;
#  4. with the burners gone, no "tmprof-noisy" entry is left;
#  5. --no-culprits: noisy_neighbours and every runqueue_by_culprit null.
# Usage: tests/e2e/noisy_neighbours.sh [BUILD_DIR]
# Environment: NOISY (burners, default 2), NOISY_TOLERANCE (pp, default 10).

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all
command -v python3 >/dev/null 2>&1 || skip_all "no python3 (parses the JSON report)"
command -v gcc >/dev/null 2>&1 || skip_all "no gcc (builds the burner)"
[ -f "$WORKLOADS/tmprof/workload/BlockedMix.class" ] || skip_all "workload BlockedMix not built (make workloads)"

DURATION=8
NOISY=${NOISY:-2}
TOL=${NOISY_TOLERANCE:-10}
NCPU=$(nproc)
HZ=$(getconf CLK_TCK)

gcc -O0 -g -fno-omit-frame-pointer -o "$E2E_TMP/tmprof-noisy" "$REPO/tests/e2e/busy.c" ||
	{ not_ok "cannot compile tests/e2e/busy.c"; finish; }

start_java blockedmix tmprof.workload.BlockedMix -XX:+PreserveFramePointer -Xms32m -Xmx128m \
	-- --fifo "$E2E_TMP/blocked.fifo" --hold-ms 20 --cpu-ms 2
BM_PID=$JAVA_PID
wait_ready "$BM_PID" "$E2E_TMP/blockedmix.out" 90 ||
	{ not_ok "BlockedMix did not print ready within 90 s ($(tail -n 3 "$E2E_TMP/blockedmix.err" | tr '\n' ' '))"; finish; }

BURNERS=()
for _ in $(seq "$NOISY"); do
	"$E2E_TMP/tmprof-noisy" -1 noisy-worker >/dev/null 2>&1 &
	BURNERS+=("$!")
	track "$!"
done
sleep 1

# cpu_ticks PID...: their utime + stime, in clock ticks.
cpu_ticks() { local p t=0; for p in "$@"; do t=$(( t + $(awk '{ print $14 + $15 }' "/proc/$p/stat") )); done; echo "$t"; }

# record JSON: -e wall for DURATION s; BURN_A/BURN_B/T_A/T_B bracket the
# sampling with the burners' CPU ticks and the time.
record() {
	"$TMPROF" record -p "$BM_PID" -e wall -d "$DURATION" -o "$1" "${@:2}" >"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" &
	local rec=$!
	track "$rec"
	BURN_A=""
	for _ in $(seq 3000); do
		if grep -q 'recording' "$E2E_TMP/rec.err" 2>/dev/null; then
			T_A=$EPOCHREALTIME; OWN_A=$(cpu_ticks "$BM_PID")
			[ ${#BURNERS[@]} -gt 0 ] && BURN_A=$(cpu_ticks "${BURNERS[@]}")
			break
		fi
		kill -0 "$rec" 2>/dev/null || break
		sleep 0.01
	done
	wait_exit "$rec" $((DURATION + 90))
	T_B=$EPOCHREALTIME
	OWN_B=$(cpu_ticks "$BM_PID")
	[ ${#BURNERS[@]} -gt 0 ] && BURN_B=$(cpu_ticks "${BURNERS[@]}")
	[ "$WAIT_RC" -eq 0 ] && [ -s "$1" ]
}

JSON="$E2E_TMP/noisy.json"
if ! record "$JSON"; then
	not_ok "tmprof record -e wall with $NOISY burners: exit $WAIT_RC (stderr: $(head -c 400 "$E2E_TMP/rec.err" | tr '\n' ' '))"
	finish
fi
ok "tmprof record -p BlockedMix -e wall -d $DURATION beside $NOISY burners (load: $(cut -d' ' -f1-3 /proc/loadavg))"

python3 - "$JSON" "$BURN_A" "$BURN_B" "$T_A" "$T_B" "$HZ" "$NCPU" "$TOL" "$TEST_NAME" "$(cat "/proc/$BM_PID/comm")" \
	"$OWN_A" "$OWN_B" "${BURNERS[@]}" <<'EOF' >"$E2E_TMP/compare" 2>&1
import json, sys
path, ba, bb, ta, tb, hz, ncpu, tol, tn, tm_comm, oa, ob = sys.argv[1:13]
pids = {int(p) for p in sys.argv[13:]}
r = json.load(open(path))
secs = float(tb) - float(ta)
burn_cpu = (int(bb) - int(ba)) / int(hz)
own_cpu = (int(ob) - int(oa)) / int(hz)
left = int(ncpu) * secs - own_cpu
cpu_share = burn_cpu / left * 100 if left > 0 else 0
nn = r.get("noisy_neighbours")
if nn is None:
    print(f"not ok - {tn}: noisy_neighbours is null")
    sys.exit(0)
others = sum(n["ms_per_s"] for n in nn if not n["target"])
burn = [n for n in nn if n["pid"] in pids]
got = sum(n["ms_per_s"] for n in burn)
share = got / others * 100 if others else 0
top = ", ".join(f'{n["comm"]}{" (own)" if n["target"] else ""} {n["ms_per_s"]:.0f}' for n in nn[:6])
line = (f"burners {sorted(n['comm'] for n in burn)}: {got:.0f} of {others:.0f} ms/s of run-queue time other processes "
        f"cause = {share:.1f} %, their share of the CPU the stand-in leaves {cpu_share:.1f} % "
        f"({burn_cpu / secs * 1000:.0f} of {left / secs * 1000:.0f} ms/s; top: {top})")
ok = len(burn) == len(pids) and all(n["comm"] == "tmprof-noisy" for n in burn) and abs(share - cpu_share) <= float(tol)
print(f"{'ok' if ok else 'not ok'} - {tn}: {line}")
own = [n for n in nn if n["target"]]
good = len(own) == 1 and own[0]["comm"] == tm_comm
print(f"{'ok' if good else 'not ok'} - {tn}: the stand-in's own threads are one entry named as its process: {[(n['comm'], n['pid']) for n in own]} (want [{tm_comm!r}])")
bad = []
for t in r["threads"]:
    c = t.get("runqueue_by_culprit") or []
    if sum(x["ms_per_s"] for x in c) > (t["ms_per_s"]["runqueue"] or 0) + 1:
        bad.append(t["name"])
print(f"{'not ok' if bad else 'ok'} - {tn}: runqueue_by_culprit within each thread's runqueue{': ' + ', '.join(bad) if bad else ''}")
EOF
cat "$E2E_TMP/compare"
grep -q '^ok' "$E2E_TMP/compare" || not_ok "comparing the report failed: $(tail -n 2 "$E2E_TMP/compare" | tr '\n' ' ')"
grep -q '^not ok' "$E2E_TMP/compare" && E2E_FAILED=1
run_tmprof 30 report "$JSON"
if [ "$RC" -eq 0 ] && grep -q '^run queue by culprit (ms/s): .* (own threads) ' "$E2E_TMP/tmprof.out"; then
	ok "tmprof report X.json: $(grep '^run queue by culprit' "$E2E_TMP/tmprof.out")"
else
	not_ok "tmprof report X.json: exit $RC, no culprit line with the TaskManager's own threads: $(tail -n 3 "$E2E_TMP/tmprof.out" | tr '\n' '|')"
fi

# 4. Without the burners.
for p in "${BURNERS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
BURNERS=()
sleep 1
JSON2="$E2E_TMP/quiet.json"
if ! record "$JSON2"; then
	not_ok "tmprof record -e wall without burners: exit $WAIT_RC"
	finish
fi
if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); nn=r["noisy_neighbours"]; sys.exit(1 if nn is None or any(n["comm"]=="tmprof-noisy" for n in nn) else 0)' "$JSON2"; then
	ok "without the burners: no tmprof-noisy in noisy_neighbours ($(python3 -c 'import json,sys; print(", ".join(n["comm"] + " %.0f" % n["ms_per_s"] for n in json.load(open(sys.argv[1]))["noisy_neighbours"][:4]))' "$JSON2"))"
else
	not_ok "without the burners: noisy_neighbours still names tmprof-noisy, or is null"
fi

# 5. Culprit tracking off by flag.
JSON3="$E2E_TMP/off.json"
if ! record "$JSON3" --no-culprits; then
	not_ok "tmprof record -e wall --no-culprits: exit $WAIT_RC"
	finish
fi
if python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r["noisy_neighbours"] is None and r["threads"] and all(t["runqueue_by_culprit"] is None and t["ms_per_s"]["runqueue"] is not None for t in r["threads"]) else 1)' "$JSON3"; then
	ok "--no-culprits: noisy_neighbours and runqueue_by_culprit null, runqueue still measured"
else
	not_ok "--no-culprits: expected noisy_neighbours and every runqueue_by_culprit null"
fi
finish
