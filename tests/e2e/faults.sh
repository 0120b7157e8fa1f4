#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: faults during a recording, as root.
#   target killed during the attach exchange     -> exit 5 or 2, bounded time, no hang
#   a "JVM" that accepts the attach socket and   -> gives up within 5 s, says so, exit 5
#     never answers (tests/e2e/fake_jvm.c)
#   ENOSPC while writing the output (tmpfs)      -> exit 4, one error line, earlier
#                                                   outputs intact, no temp file left
#   BPF stack map full (a million distinct       -> losses counted and reported ("lost: ...")
#     stacks, tests/e2e/many_stacks.c)
#   target execs into another binary mid-run     -> no crash; exit 5, or 0 with a warning;
#                                                   the new binary's frames are named
# Usage: tests/e2e/faults.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all
command -v gcc >/dev/null 2>&1 || skip_all "no gcc (for the helpers)"

ERR="$E2E_TMP/tmprof.err"
MOUNTS=()
PLANTED=()
faults_cleanup() {
	local m p
	for p in "${PLANTED[@]}"; do rm -f "$p"; done
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	e2e_cleanup
}
trap faults_cleanup EXIT

err_text() { head -c 400 "$ERR" | tr '\n' '|'; }
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1: exit $RC"; else not_ok "$1: exit $RC, expected $2 (stderr: $(err_text))"; fi
}
# last_error_line WHAT PATTERN: the last stderr line is a "tmprof: " line
# matching PATTERN (informational lines may come before it).
last_error_line() {
	if tail -n 1 "$ERR" | grep -q "^tmprof: .*$2"; then ok "$1: error line \"$(tail -n 1 "$ERR" | head -c 140)\""
	else not_ok "$1: last stderr line is not a 'tmprof: ' error matching '$2': $(err_text)"; fi
}
now_ms() { date +%s%3N; }

gcc -O0 -g -pthread -o "$E2E_TMP/fake_jvm" "$REPO/tests/e2e/fake_jvm.c" ||
	{ not_ok "cannot compile tests/e2e/fake_jvm.c"; finish; }
gcc -O0 -g -fno-omit-frame-pointer -o "$E2E_TMP/busy" "$REPO/tests/e2e/busy.c" ||
	{ not_ok "cannot compile tests/e2e/busy.c"; finish; }
gcc -O0 -g -fno-omit-frame-pointer -pthread -o "$E2E_TMP/many_stacks" "$REPO/tests/e2e/many_stacks.c" ||
	{ not_ok "cannot compile tests/e2e/many_stacks.c"; finish; }
LIBJVM=$(find /usr/lib/jvm -name libjvm.so -path '*server*' 2>/dev/null | head -n 1)
[ -n "$LIBJVM" ] || skip_all "no libjvm.so under /usr/lib/jvm (for the fake JVM)"

# start_fake MODE NOTES: a fake JVM; sets FAKE (pid). Its socket is
# /tmp/.java_pid<pid>, removed on exit.
start_fake() {
	"$E2E_TMP/fake_jvm" "$LIBJVM" "$1" "$2" >"$E2E_TMP/fake.out" 2>&1 </dev/null &
	FAKE=$!
	track "$FAKE"
	PLANTED+=("/tmp/.java_pid$FAKE")
	wait_ready "$FAKE" "$E2E_TMP/fake.out" 20
}

# ------------------------------------------------ attach never answered
NOTES="$E2E_TMP/hang.notes"
if start_fake hang "$NOTES"; then
	d="$E2E_TMP/hang" && mkdir "$d"
	t0=$(now_ms)
	run_tmprof 120 record -p "$FAKE" -d 1 -o "$d/out.folded"
	t1=$(now_ms)
	expect_rc "attach never answered" 5
	# How long tmprof's attach kept the connection open, seen from the
	# fake JVM: connected -> closed.
	c=$(awk '$1 == "connected" { print $2; exit }' "$NOTES" 2>/dev/null)
	z=$(awk '$1 == "closed" { print $2; exit }' "$NOTES" 2>/dev/null)
	# The limit is 5 s for the whole exchange; the fake sees the hang-up
	# when tmprof has killed and reaped its attach child: allow 500 ms of
	# scheduling on a busy machine.
	if [ -n "$c" ] && [ -n "$z" ] && [ $((z - c)) -le 5500 ]; then
		ok "attach never answered: gave up after $((z - c)) ms (limit 5000 + 500), whole run $((t1 - t0)) ms"
	elif [ -n "$c" ] && [ -n "$z" ]; then
		not_ok "attach never answered: waited $((z - c)) ms for the answer, more than 5 s"
	else
		not_ok "attach never answered: the fake JVM saw no complete connection ($(tr '\n' ' ' <"$NOTES" 2>/dev/null))"
	fi
	if grep -qiE 'did not answer|no answer|timed out|timeout' "$ERR" && grep -q '5 s' "$ERR"; then
		ok "attach never answered: says so: $(grep -iE -m1 'did not answer|no answer|timed out|timeout' "$ERR" | head -c 160)"
	else not_ok "attach never answered: no clear stderr line (answer, 5 s): $(err_text)"; fi
	# The fake's CPU thread may get no sample on a loaded machine: the
	# file must exist, it may be empty.
	check "attach never answered: output written" test -f "$d/out.folded"
	stop_pid "$FAKE"
else
	not_ok "fake JVM (hang) did not start: $(head -c 200 "$E2E_TMP/fake.out")"
fi

# ------------------------------------------------ target killed during attach
NOTES="$E2E_TMP/announce.notes"
if start_fake announce "$NOTES"; then
	d="$E2E_TMP/killed" && mkdir "$d"
	t0=$(now_ms)
	timeout -k 5 120 "$TMPROF" record -p "$FAKE" -d 3 -o "$d/out.folded" >"$E2E_TMP/tmprof.out" 2>"$ERR" &
	TP=$!
	track "$TP"
	for _ in $(seq 600); do grep -q connected "$NOTES" 2>/dev/null && break; sleep 0.1; done
	if grep -q connected "$NOTES" 2>/dev/null; then
		kill -KILL "$FAKE"
		{ wait "$FAKE"; } 2>/dev/null
		t1=$(now_ms)
		wait_exit "$TP" 60
		RC=$WAIT_RC
		t2=$(now_ms)
		if [ "$RC" -eq 5 ] || [ "$RC" -eq 2 ]; then ok "target killed during attach: exit $RC"
		else not_ok "target killed during attach: exit $RC, expected 5 or 2 (stderr: $(err_text))"; fi
		# The attach gives up at once (target gone) or at its 5 s limit;
		# then the recording (3 s) ends early or runs out.
		if [ "$RC" -ne 124 ] && [ $((t2 - t1)) -le 15000 ]; then
			ok "target killed during attach: tmprof ended $((t2 - t1)) ms after the kill (run $((t2 - t0)) ms)"
		else not_ok "target killed during attach: tmprof took $((t2 - t1)) ms after the kill (limit 15000)"; fi
		if grep -q '^tmprof: ' "$ERR"; then ok "target killed during attach: says why: $(grep -m1 -E 'exited|gone|attach' "$ERR" | head -c 160)"
		else not_ok "target killed during attach: no 'tmprof: ' line on stderr"; fi
	else
		not_ok "target killed during attach: tmprof never connected to the fake JVM ($(err_text))"
		stop_pid "$TP"
	fi
else
	not_ok "fake JVM (announce) did not start: $(head -c 200 "$E2E_TMP/fake.out")"
fi

# ------------------------------------------------ ENOSPC while writing
"$E2E_TMP/busy" >"$E2E_TMP/busy.out" 2>&1 &
BUSY=$!
track "$BUSY"
wait_ready "$BUSY" "$E2E_TMP/busy.out" 10 || { not_ok "busy helper did not start"; finish; }
FULL="$E2E_TMP/full" && mkdir "$FULL"
if mount -t tmpfs -o size=256k tmpfs "$FULL" 2>/dev/null; then
	MOUNTS+=("$FULL")
	# Earlier outputs, written while there is room.
	run_tmprof 60 record -p "$BUSY" -d 1 -o "$FULL/earlier.folded"
	run_tmprof 60 record -p "$BUSY" -d 1 -o "$FULL/earlier.json"
	if [ -s "$FULL/earlier.folded" ] && [ -s "$FULL/earlier.json" ]; then
		cp "$FULL/earlier.folded" "$FULL/earlier.json" "$E2E_TMP/"
		dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
		for out in earlier.folded earlier.json new.folded new.json; do
			run_tmprof 60 record -p "$BUSY" -d 1 -o "$FULL/$out"
			expect_rc "ENOSPC writing $out" 4
			last_error_line "ENOSPC writing $out" "$FULL/$out"
		done
		if cmp -s "$FULL/earlier.folded" "$E2E_TMP/earlier.folded" && cmp -s "$FULL/earlier.json" "$E2E_TMP/earlier.json"; then
			ok "ENOSPC: earlier outputs intact"
		else not_ok "ENOSPC: an earlier output changed"; fi
		left=$(ls -A "$FULL" | grep -vx -e filler -e earlier.folded -e earlier.json | tr '\n' ' ')
		if [ -z "$left" ]; then ok "ENOSPC: no temp file or partial output left"
		else not_ok "ENOSPC: left behind: $left"; fi
		# Room for part of the output only: the write fails midway. The
		# wall-clock profile of many_stacks is some 30 KB, 4 KiB are free.
		rm -f "$FULL/filler" && dd if=/dev/zero of="$FULL/filler" bs=4k count=$(( $(df -B4096 --output=avail "$FULL" | tail -n 1) - 1 )) 2>/dev/null
		free=$(df -B1 --output=avail "$FULL" | tail -n 1 | tr -d ' ')
		"$E2E_TMP/many_stacks" 60 sleep >"$E2E_TMP/many.out" 2>&1 &
		MANY=$!
		track "$MANY"
		wait_ready "$MANY" "$E2E_TMP/many.out" 10
		run_tmprof 60 record -e wall -p "$MANY" -d 2 -o "$FULL/partial.folded"
		stop_pid "$MANY"
		if [ "$RC" -eq 4 ]; then
			ok "ENOSPC midway ($free bytes free): exit 4"
			last_error_line "ENOSPC midway" "$FULL/partial.folded"
			check "ENOSPC midway: no partial output" test ! -e "$FULL/partial.folded"
		elif [ "$RC" -eq 0 ]; then
			ok "ENOSPC midway: the output ($(wc -c <"$FULL/partial.folded") bytes) fit in $free bytes: nothing to check"
		else not_ok "ENOSPC midway: exit $RC, expected 4 (stderr: $(err_text))"; fi
		left=$(ls -A "$FULL" | grep -vx -e filler -e earlier.folded -e earlier.json -e partial.folded | tr '\n' ' ')
		if [ -z "$left" ]; then ok "ENOSPC midway: no temp file left"; else not_ok "ENOSPC midway: left behind: $left"; fi
	else
		not_ok "ENOSPC: the earlier outputs could not be written first (exit $RC: $(err_text))"
	fi
	umount "$FULL" && MOUNTS=()
else
	skip_check "ENOSPC while writing" "cannot mount tmpfs"
fi
stop_pid "$BUSY"

# ------------------------------------------------ BPF stack map full
# Eight threads that switch out thousands of times a second, each time
# with a new user stack: the off-CPU stack map (16384 entries, never
# emptied during a recording) fills within seconds.
"$E2E_TMP/many_stacks" 120 sleep >"$E2E_TMP/many.out" 2>&1 &
MANY=$!
track "$MANY"
if wait_ready "$MANY" "$E2E_TMP/many.out" 10; then
	d="$E2E_TMP/full-maps" && mkdir "$d"
	run_tmprof 120 record -e offcpu -p "$MANY" -d 8 -o "$d/out.folded" --stats
	expect_rc "stack map full" 0
	check "stack map full: output written" test -s "$d/out.folded"
	lost=$(sed -n 's/^tmprof: .*lost: \([0-9]*\) user stacks.*/\1/p' "$ERR" | head -n 1)
	if [ -n "$lost" ] && [ "$lost" -gt 0 ]; then
		ok "stack map full: losses reported: $(grep -m1 'lost: ' "$ERR" | head -c 160)"
	else not_ok "stack map full: no 'lost: N user stacks' line with N > 0 (stderr: $(err_text))"; fi
	stats_lost=$(sed -n 's/^stats: .* lost=\([0-9]*\).*/\1/p' "$ERR")
	if [ -n "$stats_lost" ] && [ "$stats_lost" -gt 0 ]; then ok "stack map full: --stats counts them (lost=$stats_lost)"
	else not_ok "stack map full: --stats line without lost > 0: $(grep '^stats:' "$ERR")"; fi
else
	not_ok "many_stacks helper did not start"
fi
stop_pid "$MANY"

# ------------------------------------------------ exec during the recording
# bash burns CPU for 3 s, then execs into the busy helper: same pid, new
# binary, new mappings.
bash -c 'end=$((SECONDS + 3)); while [ "$SECONDS" -lt "$end" ]; do :; done; exec "$0" 60' \
	"$E2E_TMP/busy" >"$E2E_TMP/exec.out" 2>&1 </dev/null &
EXE=$!
track "$EXE"
d="$E2E_TMP/exec" && mkdir "$d"
run_tmprof 120 record -p "$EXE" -d 7 -o "$d/out.folded"
# Paths out of the way: E2E_TMP contains the word "exec".
warning=$(sed "s|$E2E_TMP[^ ]*|PATH|g" "$ERR" | grep -m1 -iE 'exec|new (binary|program|image)|replaced')
if [ "$RC" -eq 5 ]; then ok "target execs mid-run: exit 5"
elif [ "$RC" -eq 0 ] && [ -n "$warning" ]; then
	ok "target execs mid-run: exit 0 with a warning: $(echo "$warning" | head -c 160)"
elif [ "$RC" -eq 0 ]; then not_ok "target execs mid-run: exit 0 without a warning about the exec (stderr: $(err_text))"
else not_ok "target execs mid-run: exit $RC, expected 5, or 0 with a warning (stderr: $(err_text))"; fi
check "target execs mid-run: output written" test -s "$d/out.folded"
if [ -s "$d/out.folded" ]; then
	n=$(folded_samples_with "$d/out.folded" '^tmprof_busy_spin$')
	if [ "$n" -gt 0 ]; then ok "target execs mid-run: the new binary's frames are named (tmprof_busy_spin in $n samples)"
	else not_ok "target execs mid-run: no tmprof_busy_spin frame after the exec (top: $(sort -t' ' -k2 -rn "$d/out.folded" | head -n 2 | cut -c1-160 | tr '\n' '|'))"; fi
fi
stop_pid "$EXE"

finish
