#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: native memory leaks (tmprof leak, leak report, jeprof).
#
# tmprof.workload.NativeLeak leaks 16 KiB of malloc'd memory every 5 ms from
# one Java method (LeakyCache.retain) while two others (BalancedBuffers.process,
# ScratchArena.use) allocate and free several times more through the same JNI
# malloc (tests/workloads/leak/nativemem.c, compiled here with frame
# pointers). tmprof leak snapshots every 5 s; after a few intervals the top
# growth stack of `tmprof leak report` must name the leaking method and none
# of the balanced ones: once with glibc's malloc, once with jemalloc
# preloaded. The jemalloc run also writes heap profiles (MALLOC_CONF
# prof:true), read back with `tmprof jeprof`. Bad input must give one error
# line and the documented exit code.
# Usage: tests/e2e/leak.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all

JEMALLOC=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2
INTERVAL=5
RUN_S=17
LAST_PID=
LEAK_FRAME='NativeLeak$LeakyCache.retain_[j]'
BALANCED_RE='BalancedBuffers|ScratchArena'

"$TMPROF" leak --help >/dev/null 2>&1 ||
	skip_all "$TMPROF has no 'leak' command (agent/cli/main.c does not dispatch it yet)"
command -v gcc >/dev/null 2>&1 || skip_all "no gcc for the JNI library"
JHOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
if ! gcc -O2 -fno-omit-frame-pointer -shared -fPIC -I"$JHOME/include" -I"$JHOME/include/linux" \
	-o "$E2E_TMP/libnativemem.so" "$REPO/tests/workloads/leak/nativemem.c" 2>"$E2E_TMP/gcc.err"; then
	skip_all "cannot build the JNI library: $(head -c 200 "$E2E_TMP/gcc.err")"
fi

LEAK_JVM_OPTS=(
	-XX:+PreserveFramePointer -Xmx64m -Djava.library.path="$E2E_TMP"
	-XX:CompileCommand=quiet
	-XX:CompileCommand=dontinline,tmprof.workload.NativeLeak\$LeakyCache::retain
	-XX:CompileCommand=dontinline,tmprof.workload.NativeLeak\$BalancedBuffers::process
	-XX:CompileCommand=dontinline,tmprof.workload.NativeLeak\$ScratchArena::use
)

# The first table row of a report (stdout of tmprof in E2E_TMP/tmprof.out).
top_row() { awk '/^ +GROWTH +PER HOUR/ { getline; print; exit }' "$E2E_TMP/tmprof.out"; }
# The heaviest stack of a folded file.
# (The count is the last field: frames may hold spaces, "StubRoutines (1)".)
top_folded() { awk '{ print $NF "\t" $0 }' "$1" 2>/dev/null | sort -t"$(printf '\t')" -k1,1 -nr | cut -f2- | awk '{ print; exit }'; }

# scenario NAME EXPECTED_ALLOCATOR [env assignments for the JVM...]
scenario() {
	local name=$1 want=$2 dir="$E2E_TMP/$1-snaps" pid lpid row n
	shift 2
	(cd "$E2E_TMP" && exec env "$@" "${E2E_JAVA_CMD[@]}" "${LEAK_JVM_OPTS[@]}" -cp "$WORKLOADS" \
		tmprof.workload.NativeLeak) >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" </dev/null &
	pid=$!
	track "$pid"
	java_host_pid "$pid" && pid=$JAVA_PID
	if ! wait_ready "$pid" "$E2E_TMP/$name.out" 60; then
		not_ok "$name: NativeLeak did not print ready ($(tail -n 3 "$E2E_TMP/$name.err" | tr '\n' ' '))"
		return
	fi
	# JIT warm-up: the methods get compiled (and appear in the perf map);
	# in the JDK matrix longer, so that C2's own arenas (which newer JDKs
	# grow for seconds) are not the biggest growth.
	sleep "$([ -n "${E2E_QUICK:-}" ] && echo 8 || echo 3)"
	"$TMPROF" leak -p "$pid" --dir "$dir" --interval ${INTERVAL}s --keep 3 \
		>"$E2E_TMP/$name-leak.out" 2>"$E2E_TMP/$name-leak.err" &
	lpid=$!
	track "$lpid"
	sleep "$RUN_S"
	kill -INT "$lpid" 2>/dev/null
	wait_exit "$lpid" 30
	n=$(find "$dir" -name 'leak-*.snap' 2>/dev/null | wc -l)
	if [ "$WAIT_RC" -eq 0 ] && [ "$n" -eq 3 ]; then
		ok "$name: leak ran ${RUN_S}s, SIGINT: exit 0, $n snapshots kept (--keep 3)"
	else
		not_ok "$name: leak exit $WAIT_RC with $n snapshots, expected 0 and 3 (stderr: $(head -c 600 "$E2E_TMP/$name-leak.err" | tr '\n' ' '))"
		return
	fi
	check "$name: allocator detected as $want" grep -q "allocates with $want" "$E2E_TMP/$name-leak.err"
	local last
	last=$(find "$dir" -name 'leak-*.snap' | sort | tail -n 1)
	check "$name: snapshot header (period, tracked, overflow)" \
		grep -q '^# period 524288$' "$last"
	grep -q '^# overflow 0$' "$last" && grep -q '^# tracked [1-9]' "$last" ||
		not_ok "$name: snapshot counts: $(grep '^# ' "$last" | tr '\n' ' ')"

	run_tmprof 60 leak report "$dir" --depth 0 -o "$E2E_TMP/$name-growth.folded"
	row=$(top_row)
	if [ "$RC" -eq 0 ] && [[ "$row" == *"$LEAK_FRAME"* ]] && ! [[ "$row" =~ $BALANCED_RE ]]; then
		ok "$name: top growth stack names LeakyCache.retain, not the balanced methods ($(echo "$row" | awk '{ print $1, $2 }'))"
	else
		not_ok "$name: top growth row (exit $RC): ${row:0:600} (stderr: $(head -c 300 "$E2E_TMP/tmprof.err"))"
	fi
	row=$(top_folded "$E2E_TMP/$name-growth.folded")
	if [[ "$row" == *"$LEAK_FRAME"* ]] && ! [[ "$row" =~ $BALANCED_RE ]]; then
		ok "$name: heaviest stack of growth.folded is the leak"
	else
		not_ok "$name: heaviest growth.folded stack: ${row:0:600}"
	fi
	run_tmprof 60 leak report "$dir" -o "$E2E_TMP/$name-growth.html"
	check "$name: differential flame graph growth.html written" \
		test "$RC" -eq 0 -a -s "$E2E_TMP/$name-growth.html"
	LAST_PID=$pid
}

scenario glibc glibc
stop_pid "$LAST_PID"
# tests/e2e/jdk_matrix.sh: the glibc run only (the host's jemalloc is not in
# another JDK's root, and the rest does not depend on the JDK).
[ -n "${E2E_QUICK:-}" ] && finish

# jemalloc, with its own heap profiling on: a dump per 256 MiB allocated.
JEDIR="$E2E_TMP/jeprof"
mkdir -p "$JEDIR"
LAST_PID=
scenario jemalloc jemalloc LD_PRELOAD="$JEMALLOC" \
	MALLOC_CONF="prof:true,lg_prof_interval:28,prof_prefix:$JEDIR/jeprof"
mapfile -t dumps < <(ls -1v "$JEDIR"/jeprof.*.heap 2>/dev/null)
if [ -z "$LAST_PID" ]; then
	not_ok "jeprof: no jemalloc run"
elif [ "${#dumps[@]}" -lt 2 ]; then
	not_ok "jeprof: jemalloc wrote ${#dumps[@]} heap profiles with prof:true, expected several"
else
	ok "jeprof: Debian's jemalloc wrote ${#dumps[@]} heap profiles (prof:true)"
	run_tmprof 60 jeprof "${dumps[0]}" "${dumps[-1]}" --pid "$LAST_PID" -o "$E2E_TMP/je.folded"
	if [ "$RC" -eq 0 ] && [ -s "$E2E_TMP/je.folded" ] &&
		grep -q 'tmprof.workload.NativeMem.alloc_\[j\]' "$E2E_TMP/je.folded"; then
		ok "jeprof: growth between two dumps, JIT frame NativeMem.alloc named from the perf map"
	else
		not_ok "jeprof: exit $RC, folded: $(head -c 400 "$E2E_TMP/je.folded" 2>/dev/null) (stderr: $(head -c 300 "$E2E_TMP/tmprof.err"))"
	fi
	run_tmprof 60 jeprof "${dumps[-1]}" --pid "$LAST_PID" -o "$E2E_TMP/je.svg"
	check "jeprof: one dump as an SVG flame graph" test "$RC" -eq 0 -a -s "$E2E_TMP/je.svg"
	head -c 300 "${dumps[-1]}" >"$E2E_TMP/cut.heap"
	run_tmprof 30 jeprof "$E2E_TMP/cut.heap" --pid "$LAST_PID"
	if [ "$RC" -eq 1 ] && grep -q 'truncated' "$E2E_TMP/tmprof.err" &&
		[ "$(grep -c . "$E2E_TMP/tmprof.err")" -eq 1 ]; then
		ok "jeprof: truncated dump: exit 1, one line: $(cat "$E2E_TMP/tmprof.err")"
	else
		not_ok "jeprof: truncated dump: exit $RC, stderr: $(head -c 300 "$E2E_TMP/tmprof.err")"
	fi
fi
[ -n "$LAST_PID" ] && stop_pid "$LAST_PID"

# Bad input: one line, documented exit codes, nothing written.
mkdir -p "$E2E_TMP/empty" "$E2E_TMP/bad"
run_tmprof 30 leak report "$E2E_TMP/empty"
check "report of an empty directory: exit 1" test "$RC" -eq 1 -a "$(grep -c . "$E2E_TMP/tmprof.err")" -eq 1
printf '# tmprof leak snapshot v1\n# time_ms 1\n' >"$E2E_TMP/bad/leak-20240101T000000.000Z.snap"
printf 'garbage\n' >"$E2E_TMP/bad/leak-20240101T000100.000Z.snap"
run_tmprof 30 leak report "$E2E_TMP/bad" -o "$E2E_TMP/bad/out.folded"
if [ "$RC" -eq 1 ] && grep -q 'leak-20240101T000100.000Z.snap:1: not a valid' "$E2E_TMP/tmprof.err" &&
	[ ! -e "$E2E_TMP/bad/out.folded" ]; then
	ok "corrupt snapshot: exit 1 naming file and line, no output"
else
	not_ok "corrupt snapshot: exit $RC, stderr: $(head -c 300 "$E2E_TMP/tmprof.err")"
fi
run_tmprof 30 leak -p "$(free_pid)" --dir "$E2E_TMP/none"
check "leak -p of a missing process: exit 2" test "$RC" -eq 2
run_tmprof 30 leak -p 1 --dir "$E2E_TMP/x" --interval 0s
check "leak --interval 0s: exit 1" test "$RC" -eq 1
finish
