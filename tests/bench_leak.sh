#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Overhead of `tmprof leak` (figures, not pass/fail):
#   1. ns per malloc+free pair of a malloc/free-heavy C program
#      (tests/workloads/leak/malloc_churn.c), without and with tmprof leak
#      attached; the added cost is what the uprobes + BPF take (target <= 1.5 us)
#   2. the tracked-table size over a longer run of a leaking program, per
#      snapshot (bounded by --max-tracked; overflow is counted)
#   3. the agent's CPU time and peak RSS
# Usage: tests/bench_leak.sh [BUILD_DIR]   (root; PAIRS, LONG_S to scale)

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
require_root
require_bpf
require_tmprof
"$TMPROF" leak --help >/dev/null 2>&1 || skip_all "$TMPROF has no 'leak' command"

PAIRS=${PAIRS:-200000}
LONG_S=${LONG_S:-60}
REPEAT=${REPEAT:-3}
CHURN="$E2E_TMP/malloc_churn"
gcc -O2 -g -fno-omit-frame-pointer -o "$CHURN" "$REPO/tests/workloads/leak/malloc_churn.c" ||
	skip_all "cannot build malloc_churn"

# one_run with|without: prints ns per pair.
one_run() {
	local mode=$1 pid lpid out="$E2E_TMP/churn.out"
	"$CHURN" "$PAIRS" 64 0 3 >"$out" &
	pid=$!
	track "$pid"
	if [ "$mode" = with ]; then
		"$TMPROF" leak -p "$pid" --dir "$E2E_TMP/bench-snaps" --interval 1h \
			2>"$E2E_TMP/bench-leak.err" &
		lpid=$!
		track "$lpid"
	fi
	wait "$pid"
	[ "$mode" = with ] && { kill -INT "$lpid" 2>/dev/null; wait "$lpid" 2>/dev/null; }
	awk '/^ns_per_pair/ { print $2 }' "$out"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

echo "== malloc+free pairs (64 B), $PAIRS per run, median of $REPEAT runs"
without=$(for i in $(seq "$REPEAT"); do one_run without; done | median)
with=$(for i in $(seq "$REPEAT"); do one_run with; done | median)
added=$(awk -v a="$with" -v b="$without" 'BEGIN { printf "%.0f", a - b }')
echo "without tmprof: ${without} ns/pair"
echo "with tmprof leak: ${with} ns/pair"
echo "added: ${added} ns per malloc+free pair (target <= 1500)"

echo "== long run: ${LONG_S}s, a 4 KiB leak every 1000 pairs, snapshot every 10 s"
"$CHURN" 0 64 1000 0 >/dev/null &
pid=$!
track "$pid"
sleep 0.5
"$TMPROF" leak -p "$pid" --dir "$E2E_TMP/long-snaps" --interval 10s --keep 0 --stats \
	-d "${LONG_S}s" 2>"$E2E_TMP/long.err"
stop_pid "$pid"
echo "snapshot  tracked  overflow  sampled  live_bytes_est"
for f in $(ls -1 "$E2E_TMP"/long-snaps/leak-*.snap); do
	awk -v n="$(basename "$f")" '/^# tracked/ { t = $3 } /^# overflow/ { o = $3 } /^# sampled/ { s = $3 }
		!/^#/ { b += $1 } END { printf "%s  %s  %s  %s  %.0f\n", n, t, o, s, b }' "$f"
done
grep '^stats:' "$E2E_TMP/long.err" | sed 's/^/agent /'
