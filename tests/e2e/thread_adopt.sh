#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: per-thread sampling of threads that exist when tmprof attaches,
# and adoption of threads whose inherited event went away with their creator.
#
# tmprof opens one task-clock event per thread that exists at attach; threads
# created later inherit a copy of their creator's event. Closing the event of
# an exited creator removes those copies (agent/collect/thread_events.h), so
# after each batch of closes tmprof watches the threads without an event of
# their own and gives one to those that run without samples ("adopted").
#
# BurstyThreads (tests/workloads/tmprof/workload/BurstyThreads.java) with
# --handoff: "handoff-parent" exists at attach; on a trigger file it starts a
# busy "handoff-child" and exits.
#  1. A 14 s recording, no handoff: every thread present at attach got its own
#     event (opened >= threads then, minus those that exited meanwhile), the
#     busy and timer-woken threads present at attach are sampled, exited pool
#     workers' events are closed, and nobody is adopted (the pool workers
#     started later are covered by the spawner's event: adopted=0).
#  2. A 30 s recording, the handoff 2 s in: handoff-child is adopted
#     (adopted >= 1), and sampled after that: 22 s in it switches from
#     sourceWork to sinkWork (trigger FILE.2), long after the parent's event
#     was closed (10 s after attach, which took the child's inherited copy
#     with it), and sinkWork samples of it must exist. It is also sampled
#     for at least half of its CPU time / period when it got enough CPU to
#     tell (>= 100 periods; a loaded machine may give it less).
# Usage: tests/e2e/thread_adopt.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all

FREQ=99
GO="$E2E_TMP/go"
start_java bursty tmprof.workload.BurstyThreads -XX:CompileCommand=quiet -Xms32m -Xmx128m \
	-- --truth "$E2E_TMP/truth.tsv" --sources 1 --sinks 1 --handoff "$GO"
BT_PID=$JAVA_PID
if ! wait_ready "$BT_PID" "$E2E_TMP/bursty.out" 60; then
	not_ok "BurstyThreads did not print ready within 60 s ($(tail -n 3 "$E2E_TMP/bursty.err" | tr '\n' ' '))"
	finish
fi
sleep 3

field() { printf '%s\n' "$1" | sed -nE "s/.* $2=([0-9]+).*/\\1/p"; }
samples_of() { folded_by_thread "$1" | awk -F'\t' -v t="$2" '$2 == t { n += $1 } END { print n + 0 }'; }

# ---------------------------------------------------------------- 1. threads at attach
nbefore=$(ls "/proc/$BT_PID/task" | wc -l)
run_tmprof 240 record -p "$BT_PID" -d 14 -F "$FREQ" -o "$E2E_TMP/one.folded" --stats
ev=$(grep -m1 '^stats-events:' "$E2E_TMP/tmprof.err")
echo "# recording 1: $nbefore threads at attach; $ev"
check "recording 1: tmprof exit 0 ($RC)" [ "$RC" -eq 0 ]
opened=$(field "$ev" opened) closed=$(field "$ev" closed) adopted=$(field "$ev" adopted)
# Pool workers live 1-3 s: some present at attach may exit before their
# event is opened (no event needed then).
check "recording 1: ${opened:-no} events opened for the $nbefore threads at attach (>= $((nbefore - 10)))" \
	[ "${opened:-0}" -ge $((nbefore - 10)) ]
for t in src-0 sink-0 pool-spawner; do
	n=$(samples_of "$E2E_TMP/one.folded" "$t")
	check "recording 1: $t (present at attach) sampled ($n)" [ "$n" -gt 0 ]
done
check "recording 1: exited threads' events closed (closed=${closed:-none})" [ "${closed:-0}" -ge 1 ]
check "recording 1: nobody adopted when creators live on (adopted=${adopted:-none})" [ "${adopted:-x}" = 0 ]

# ---------------------------------------------------------------- 2. adoption
"$TMPROF" record -p "$BT_PID" -d 30 -F "$FREQ" -o "$E2E_TMP/two.folded" --stats \
	>"$E2E_TMP/two.out" 2>"$E2E_TMP/two.err" &
TP=$!
track "$TP"
for _ in $(seq 300); do grep -q '^tmprof: recording' "$E2E_TMP/two.err" 2>/dev/null && break; sleep 0.1; done
sleep 2
touch "$GO"
( sleep 20; touch "$GO.2" ) &
child=""
for _ in $(seq 100); do
	child=$(grep -lx handoff-child /proc/"$BT_PID"/task/*/comm 2>/dev/null | head -n1 | sed -E 's|.*/task/([0-9]+)/comm|\1|')
	[ -n "$child" ] && break
	sleep 0.1
done
cpu0=$(awk '{ print $1 }' "/proc/$BT_PID/task/$child/schedstat" 2>/dev/null)
parent_gone=1
grep -qx handoff-parent /proc/"$BT_PID"/task/*/comm 2>/dev/null && parent_gone=0
wait_exit "$TP" 240
cpu1=$(awk '{ print $1 }' "/proc/$BT_PID/task/$child/schedstat" 2>/dev/null)
ev=$(grep -m1 '^stats-events:' "$E2E_TMP/two.err")
echo "# recording 2: $ev"
check "recording 2: tmprof exit 0 ($WAIT_RC)" [ "$WAIT_RC" -eq 0 ]
check "recording 2: handoff-child started (tid ${child:-none}), handoff-parent exited" \
	bash -c "[ -n '$child' ] && [ $parent_gone = 1 ]"
adopted=$(field "$ev" adopted)
check "recording 2: handoff-child adopted (adopted=${adopted:-none}, >= 1)" [ "${adopted:-0}" -ge 1 ]
n=$(samples_of "$E2E_TMP/two.folded" handoff-child)
expect=$(awk -v a="${cpu0:-0}" -v b="${cpu1:-0}" -v f="$FREQ" 'BEGIN { printf "%.0f", (b - a) / 1e9 * f }')
late=$(folded_strip_process "$E2E_TMP/two.folded" |
	awk '/^\[handoff-child tid=[0-9]+\];/ && /sinkWork/ { c += $NF } END { print c + 0 }')
check "recording 2: handoff-child sampled in sinkWork, after its adoption ($late samples)" [ "${late:-0}" -gt 0 ]
if [ "${expect:-0}" -ge 100 ]; then
	check "recording 2: handoff-child sampled $n times for $expect periods of CPU (>= half)" \
		[ "$((2 * n))" -ge "$expect" ]
else
	echo "# recording 2: handoff-child got $expect periods of CPU (< 100: the machine is loaded), $n samples; no ratio check"
fi
finish
