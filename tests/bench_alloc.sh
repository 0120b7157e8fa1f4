#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark of -e alloc (figures, not pass/fail): AllocMix --unpaced
# allocates as fast as it can from three threads; its allocated bytes per
# second (ThreadMXBean) are compared with and without `tmprof record -e alloc`
# in interleaved runs, and the BPF programs' cost per event is read from
# kernel.bpf_stats_enabled.
# Usage: tests/bench_alloc.sh [BUILD_DIR]   (PAIRS=4 RUN_S=8 to change)

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
require_all

PAIRS=${PAIRS:-4}
RUN_S=${RUN_S:-8}
TRUTH="$E2E_TMP/truth.tsv"

start_java allocmix tmprof.workload.AllocMix -XX:+PreserveFramePointer -Xms256m -Xmx256m \
	-- --truth "$TRUTH" --unpaced
PID=$JAVA_PID
wait_ready "$PID" "$E2E_TMP/allocmix.out" 60 || { echo "AllocMix did not start"; exit 1; }
sleep 5

total_bytes() { awk -F'\t' '{ n += $3 } END { printf "%.0f\n", n }' "$TRUTH"; }
stamp() { awk -F'\t' 'NR == 1 { print $1 }' "$TRUTH"; }
# bytes per second over RUN_S seconds, from the workload's own clock
rate() {
	local b0 t0 b1 t1
	b0=$(total_bytes); t0=$(stamp)
	sleep "$RUN_S"
	b1=$(total_bytes); t1=$(stamp)
	awk -v b="$((b1 - b0))" -v t="$((t1 - t0))" 'BEGIN { printf "%.0f\n", b / (t / 1e9) }'
}

sysctl -qw kernel.bpf_stats_enabled=1
off=() on=() events=()
for i in $(seq "$PAIRS"); do
	off+=("$(rate)")
	"$TMPROF" record -p "$PID" -e alloc -d $((RUN_S + 2)) -o "$E2E_TMP/a$i.folded" \
		>"$E2E_TMP/rec$i.out" 2>"$E2E_TMP/rec$i.err" &
	REC=$!
	sleep 1
	on+=("$(rate)")
	ns=$(bpftool prog show -j 2>/dev/null | python3 -c '
import json, sys
runs = ns = 0
for p in json.load(sys.stdin):
    if p.get("name", "").startswith("on_alloc"):
        runs += p.get("run_cnt", 0); ns += p.get("run_time_ns", 0)
print(f"{ns / runs:.0f} {runs}" if runs else "- 0")')
	wait "$REC"
	ev=$(sed -nE 's/.*: ([0-9]+) events from .* in ([0-9.]+) s.*/\1 \2/p' "$E2E_TMP/rec$i.err")
	events+=("$ev")
	echo "pair $i: off $(numfmt --to=iec "${off[-1]}")B/s  on $(numfmt --to=iec "${on[-1]}")B/s  events ${ev:-?}  bpf ns/event(run count) $ns"
done
sysctl -qw kernel.bpf_stats_enabled=0
printf '%s\n' "${off[@]}" >"$E2E_TMP/off"
printf '%s\n' "${on[@]}" >"$E2E_TMP/on"
paste "$E2E_TMP/off" "$E2E_TMP/on" | gawk '
	{ r[NR] = $2 / $1; so += $1; sn += $2 }
	END {
		n = asort(r)
		med = n % 2 ? r[(n + 1) / 2] : (r[n / 2] + r[n / 2 + 1]) / 2
		printf "alloc throughput with -e alloc / without: median ratio %.4f (loss %.2f %%), mean %.4f\n", med, 100 * (1 - med), sn / so
	}'
printf '%s\n' "${events[@]}" | awk '$2 > 0 { e += $1; t += $2 } END { if (t) printf "events per second while recording: %.0f\n", e / t }'
finish
