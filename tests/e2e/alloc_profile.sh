#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: Java allocation profiling (-e alloc) against the workload's own
# accounting.
#
# tmprof.workload.AllocMix allocates from three sites, one thread each
# (byte[] in BufferFiller.fill, Event in EventFactory.create, long[] in
# WindowBuffers.allocate), and rewrites a truth file every 200 ms with each
# thread's cumulative allocated bytes (ThreadMXBean#getThreadAllocatedBytes).
# tmprof records 10 s; then each site's share of the profile's bytes must be
# within +-5 percentage points of its share of the truth over the same window,
# the allocated class must be the leaf under the site's frame, -e cpu,alloc
# must write both profiles, and a libjvm without a symbol table must be a
# clear error (exit 2).
# Usage: tests/e2e/alloc_profile.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all

DURATION=10
MAX_SHARE_DIFF_PP=5
TRUTH="$E2E_TMP/truth.tsv"
OUT="$E2E_TMP/alloc.folded"

ALLOC_JIT_OPTS=(
	-XX:CompileCommand=quiet
	-XX:CompileCommand=dontinline,com.example.alloc.BufferFiller::burst
	-XX:CompileCommand=dontinline,com.example.alloc.EventFactory::burst
	-XX:CompileCommand=dontinline,com.example.alloc.WindowBuffers::burst
)
start_java allocmix tmprof.workload.AllocMix -XX:+PreserveFramePointer -Xms256m -Xmx256m \
	"${ALLOC_JIT_OPTS[@]}" -- --truth "$TRUTH"
PID=$JAVA_PID
if ! wait_ready "$PID" "$E2E_TMP/allocmix.out" 60; then
	not_ok "AllocMix did not print ready within 60 s ($(tail -n 3 "$E2E_TMP/allocmix.err" | tr '\n' ' '))"
	finish
fi
sleep 3 # JIT warm-up: the sites' loops get compiled

cp "$TRUTH" "$E2E_TMP/truth.start"
run_tmprof $((DURATION + 60)) record -p "$PID" -e alloc -d "$DURATION" -o "$OUT"
cp "$TRUTH" "$E2E_TMP/truth.end"
if [ "$RC" -ne 0 ] || [ ! -s "$OUT" ]; then
	not_ok "record -e alloc exit $RC, expected 0 and an output (stderr: $(head -c 400 "$E2E_TMP/tmprof.err" | tr '\n' ' '))"
	finish
fi
ok "record -e alloc -d $DURATION exit 0 ($(grep -c . "$OUT") stacks)"

# site thread, site frame, class
# (the allocation test is about bytes: big numbers, kept integral in awk)
SITES=(
	"Source: Buffers -> Fill (1/1)#0|com.example.alloc.BufferFiller.burst_[j]|byte[]"
	"Map: Events (1/1)#0|com.example.alloc.EventFactory.burst_[j]|com.example.alloc.Event"
	"Window: Panes (1/1)#0|com.example.alloc.WindowBuffers.burst_[j]|long[]"
)

# Truth: each site thread's bytes between the snapshots around the recording.
truth_bytes() {
	awk -F'\t' -v t="$1" 'FNR == NR { if ($2 == t) a = $3; next } $2 == t { printf "%.0f\n", $3 - a }' \
		"$E2E_TMP/truth.start" "$E2E_TMP/truth.end"
}
# Profile: bytes of the site thread's stacks whose leaf is the site's class
# right under the site's frame.
profile_bytes() {
	awk -v t="[$1 tid=" -v site="$2" -v cls="$3" '
		{ n = $NF; line = $0; sub(/ [0-9]+$/, "", line); k = split(line, f, ";")
		  if (index(f[1], t) != 1) next
		  if (f[k] == cls && f[k - 1] == site) m += n }
		END { printf "%.0f\n", m }' "$OUT"
}
thread_bytes() {
	awk -v t="[$1 tid=" '{ if (index($0, t) == 1) m += $NF } END { printf "%.0f\n", m }' "$OUT"
}

truth_total=0
prof_total=0
declare -A T P
for s in "${SITES[@]}"; do
	IFS='|' read -r thread frame cls <<<"$s"
	T[$thread]=$(truth_bytes "$thread")
	P[$thread]=$(thread_bytes "$thread")
	truth_total=$((truth_total + T[$thread]))
	prof_total=$((prof_total + P[$thread]))
done
if [ "$truth_total" -le 0 ] || [ "$prof_total" -le 0 ]; then
	not_ok "no bytes: truth $truth_total, profile $prof_total"
	finish
fi
for s in "${SITES[@]}"; do
	IFS='|' read -r thread frame cls <<<"$s"
	read -r tshare pshare diff < <(awk -v t="${T[$thread]}" -v tt="$truth_total" \
		-v p="${P[$thread]}" -v pt="$prof_total" \
		'BEGIN { a = 100 * t / tt; b = 100 * p / pt; printf "%.2f %.2f %.2f\n", a, b, b - a }')
	if awk -v d="$diff" -v m="$MAX_SHARE_DIFF_PP" 'BEGIN { exit !(d <= m && d >= -m) }'; then
		ok "site $frame: $pshare % of profiled bytes vs $tshare % allocated (diff $diff pp, limit $MAX_SHARE_DIFF_PP)"
	else
		not_ok "site $frame: $pshare % of profiled bytes vs $tshare % allocated (diff $diff pp, limit $MAX_SHARE_DIFF_PP)"
	fi
	named=$(profile_bytes "$thread" "$frame" "$cls")
	if awk -v a="$named" -v b="${P[$thread]}" 'BEGIN { exit !(b > 0 && a >= 0.95 * b) }'; then
		ok "site $frame: class $cls is the leaf under the site in $(awk -v a="$named" -v b="${P[$thread]}" 'BEGIN { printf "%.1f", 100 * a / b }') % of its bytes"
	else
		not_ok "site $frame: class $cls under the site in only $named of ${P[$thread]} bytes ($(grep -F "[$thread" "$OUT" | sort -t' ' -k2 -nr | head -n 1 | cut -c1-300))"
	fi
done

# Both events at once: two outputs.
BOTH="$E2E_TMP/both.folded"
run_tmprof 60 record -p "$PID" -e cpu,alloc -d 2 -o "$BOTH"
if [ "$RC" -eq 0 ] && [ -s "$BOTH" ] && [ -s "$E2E_TMP/both.alloc.folded" ] &&
	grep -q 'com.example.alloc.Event 1*[0-9]*$' "$E2E_TMP/both.alloc.folded" &&
	! grep -q 'com.example.alloc.Event [0-9]*$' "$BOTH"; then
	ok "-e cpu,alloc writes both.folded (CPU) and both.alloc.folded (allocations)"
else
	not_ok "-e cpu,alloc: exit $RC, outputs: $(ls "$E2E_TMP" | tr '\n' ' ')"
fi
stop_pid "$PID"

# tests/e2e/jdk_matrix.sh: the stripped-libjvm case below is the host JDK's.
[ -n "${E2E_QUICK:-}" ] && finish
# A libjvm without .symtab: a JDK whose libjvm.so is stripped (symlinks to
# the real JDK for everything else).
JHOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
SJDK="$E2E_TMP/jdk-stripped"
mkdir -p "$SJDK/bin" "$SJDK/lib/server"
cp "$JHOME/bin/java" "$SJDK/bin/"
for f in "$JHOME"/*; do
	case "$(basename "$f")" in bin | lib) ;; *) ln -s "$f" "$SJDK/" ;; esac
done
for f in "$JHOME"/lib/*; do
	[ "$(basename "$f")" = server ] || ln -s "$f" "$SJDK/lib/"
done
cp "$JHOME/lib/server/libjsig.so" "$SJDK/lib/server/" 2>/dev/null
if strip --strip-all -o "$SJDK/lib/server/libjvm.so" "$JHOME/lib/server/libjvm.so"; then
	(cd "$E2E_TMP" && exec "$SJDK/bin/java" -Xshare:off -cp "$WORKLOADS" tmprof.workload.AllocMix) \
		>"$E2E_TMP/stripped.out" 2>"$E2E_TMP/stripped.err" </dev/null &
	SPID=$!
	track "$SPID"
	if wait_ready "$SPID" "$E2E_TMP/stripped.out" 60; then
		run_tmprof 30 record -p "$SPID" -e alloc -d 1 -o "$E2E_TMP/stripped.folded"
		if [ "$RC" -eq 2 ] && [ ! -e "$E2E_TMP/stripped.folded" ] &&
			grep -q 'has no symbol table' "$E2E_TMP/tmprof.err" &&
			[ "$(grep -c . "$E2E_TMP/tmprof.err")" -eq 1 ]; then
			ok "stripped libjvm: exit 2, one line: $(cat "$E2E_TMP/tmprof.err")"
		else
			not_ok "stripped libjvm: exit $RC, expected 2 with one 'has no symbol table' line and no output (stderr: $(head -c 400 "$E2E_TMP/tmprof.err"))"
		fi
	else
		not_ok "JVM with a stripped libjvm.so did not start ($(tail -n 2 "$E2E_TMP/stripped.err" | tr '\n' ' '))"
	fi
else
	not_ok "strip failed on libjvm.so"
fi
finish
