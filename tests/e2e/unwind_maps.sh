#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: one set of unwinder maps per recording, shared by every BPF
# object (agent/unwind_maps.c). With -e cpu,offcpu,alloc on a JVM walked by
# the HotSpot unwinder, the agent's BPF map descriptors name exactly one map
# each of cfi_rows, cfi_procs, hotspot_cfgs, hs_blobs and unwind_stats, and
# the stack-walking program of every object (cpu_sample, on_sched_switch,
# on_alloc_*) uses those very maps (same map ids in bpftool prog show). The
# recording still gives Java stacks and the unwinder's counters.
# Before the maps were shared, each object had its own of each: three
# cfi_rows of 2 MiB here.
# Usage: tests/e2e/unwind_maps.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all
command -v bpftool >/dev/null 2>&1 || skip_all "no bpftool"

# Long enough for the listing on a loaded machine: stopped early by SIGINT.
DURATION=120
SHARED="cfi_rows cfi_procs hotspot_cfgs hs_blobs unwind_stats"

start_java allocmix tmprof.workload.AllocMix -XX:-PreserveFramePointer -Xms128m -Xmx128m \
	-XX:CompileCommand=quiet -- --truth "$E2E_TMP/truth.tsv"
PID=$JAVA_PID
if ! wait_ready "$PID" "$E2E_TMP/allocmix.out" 60; then
	not_ok "AllocMix did not print ready within 60 s ($(tail -n 3 "$E2E_TMP/allocmix.err" | tr '\n' ' '))"
	finish
fi
sleep 2

"$TMPROF" record -p "$PID" -e cpu,offcpu,alloc -d "$DURATION" -o "$E2E_TMP/out.folded" --stats \
	>"$E2E_TMP/rec.out" 2>"$E2E_TMP/rec.err" &
REC=$!
track "$REC"
for _ in $(seq 1200); do
	grep -q '^tmprof: recording' "$E2E_TMP/rec.err" 2>/dev/null && break
	kill -0 "$REC" 2>/dev/null || break
	sleep 0.1
done
sleep 1

# "<id> <name>" of every BPF map the agent holds a descriptor of: ids from
# its fdinfo (one awk: the machine may be loaded), names from one bpftool
# call.
awk '/^map_id:/ { print $2 }' /proc/"$REC"/fdinfo/* 2>/dev/null | sort -u >"$E2E_TMP/ids"
bpftool -j map show </dev/null 2>/dev/null | sed 's/},{"id"/}\n{"id"/g' |
	sed -nE 's/^.*"id":([0-9]+),"type":"[^"]*","name":"([^"]*)".*/\1 \2/p' |
	awk 'NR == FNR { mine[$1] = 1; next } $1 in mine' "$E2E_TMP/ids" - >"$E2E_TMP/maps"
# "<name> <map id>..." of the programs that use one of those maps: the
# agent's (bpftool here cannot tell a program's owner by pid).
bpftool -j prog show </dev/null 2>/dev/null | sed 's/},{"id"/}\n{"id"/g' |
	sed -nE 's/.*"name":"([^"]*)".*"map_ids":\[([0-9,]*)\].*/\1 \2/p' | tr ',' ' ' |
	awk 'NR == FNR { mine[$1] = 1; next } { for (i = 2; i <= NF; i++) if ($i in mine) { print; next } }' \
		"$E2E_TMP/maps" - >"$E2E_TMP/progs"
# Stop it now (Ctrl-C: it writes its outputs as at the end of -d).
kill -INT "$REC" 2>/dev/null
wait_exit "$REC" 120

nmaps=$(wc -l <"$E2E_TMP/maps")
nprogs=$(wc -l <"$E2E_TMP/progs")
if [ "$nmaps" -lt 5 ] || [ "$nprogs" -lt 3 ]; then
	not_ok "could not list the agent's BPF maps and programs ($nmaps maps, $nprogs programs; rc $WAIT_RC: $(tail -n 2 "$E2E_TMP/rec.err" | tr '\n' ' '))"
	finish
fi
for name in $SHARED; do
	n=$(awk -v n="$name" '$2 == n' "$E2E_TMP/maps" | wc -l)
	check "one $name map for three event kinds (found $n)" [ "$n" -eq 1 ]
done
# The maps each object declares for itself stay one per object: the
# sharing is of the unwinder's state only.
n=$(awk '$2 == "ustacks"' "$E2E_TMP/maps" | wc -l)
check "one ustacks map per object (found $n)" [ "$n" -eq 3 ]

rows_id=$(awk '$2 == "cfi_rows" { print $1; exit }' "$E2E_TMP/maps")
cfgs_id=$(awk '$2 == "hotspot_cfgs" { print $1; exit }' "$E2E_TMP/maps")
for prog in cpu_sample on_sched_switch on_alloc_in_new_tlab on_alloc_outside_tlab; do
	line=$(awk -v p="$prog" '$1 == p' "$E2E_TMP/progs" | head -n 1)
	if [ -z "$line" ]; then
		not_ok "program $prog not among the agent's ($(cut -d' ' -f1 "$E2E_TMP/progs" | tr '\n' ' '))"
		continue
	fi
	uses=0
	for id in ${line#* }; do
		[ "$id" = "$rows_id" ] && uses=$((uses + 1))
		[ "$id" = "$cfgs_id" ] && uses=$((uses + 1))
	done
	check "$prog walks with the shared cfi_rows ($rows_id) and hotspot_cfgs ($cfgs_id)" [ "$uses" -eq 2 ]
done

check "record -e cpu,offcpu,alloc exits 0 (rc $WAIT_RC)" [ "$WAIT_RC" -eq 0 ]
java=$(grep -c 'com\.example\.alloc\.' "$E2E_TMP/out.folded" 2>/dev/null)
check "CPU profile has the workload's Java frames ($java stacks)" [ "${java:-0}" -gt 0 ]
hs=$(sed -nE 's/^stats-java:.* hs_stacks=([0-9]+).*/\1/p' "$E2E_TMP/rec.err")
check "the unwinder's counters: hs_stacks=${hs:-none} for the CPU samples" [ "${hs:-0}" -gt 0 ]
finish
