#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: tmprof's documented exit codes and error behaviour.
#   2  no such PID / --all-taskmanagers with no TaskManager
#   4  output cannot be written (no file, not even a temp file, left behind)
#   3  not root
#   5  output written but incomplete: JVM refused attach, target exited
#   0  a non-JVM process (native frames), a JVM without PreserveFramePointer
#      (plus one warning line naming the flag)
# Every error is exactly one stderr line starting "tmprof: ".
# Usage: tests/e2e/bad_input.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all
command -v gcc >/dev/null 2>&1 || skip_all "no gcc (for the busy helper)"

ERR="$E2E_TMP/tmprof.err"

# one_error_line: stderr is exactly one line, starting "tmprof: ".
one_error_line() {
	[ "$(wc -l <"$ERR")" -eq 1 ] && head -n 1 "$ERR" | grep -q '^tmprof: '
}
err_text() { head -c 300 "$ERR" | tr '\n' '|'; }
# empty_dir DIR: nothing in DIR (hidden files included).
empty_dir() { [ -z "$(ls -A "$1")" ]; }
# expect_rc WHAT WANT: one ok / not ok line for the exit code of the last run.
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1: exit $RC"; else not_ok "$1: exit $RC, expected $2 (stderr: $(err_text))"; fi
}
expect_one_error_line() {
	if one_error_line; then ok "$1: one stderr line \"$(head -c 120 "$ERR")\""
	else not_ok "$1: stderr should be one line starting 'tmprof: ', got $(wc -l <"$ERR") lines: $(err_text)"; fi
}
# has_native_frame FILE: a plain native frame (not Java _[j]/_[0], not
# kernel _[k], not "[unknown] (...)", not the thread frame).
has_native_frame() {
	awk '{ s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		for (i = 1; i <= n; i++) if (f[i] !~ /_\[(j|0|k)\]$/ && f[i] !~ /^\[/) { found = 1; exit } }
		END { exit !found }' "$1"
}

# --- --all-taskmanagers with no TaskManager running -> 2 (before we start any)
if pgrep -f 'TaskManagerRunner|YarnTaskExecutorRunner|KubernetesTaskExecutorRunner' >/dev/null; then
	skip_check "--all-taskmanagers with none running" "a TaskManager is running on this machine"
else
	d="$E2E_TMP/alltm" && mkdir "$d"
	run_tmprof 60 record --all-taskmanagers -d 1 -o "$d/out.folded"
	expect_rc "--all-taskmanagers with no TaskManager" 2
	expect_one_error_line "--all-taskmanagers with no TaskManager"
	check "--all-taskmanagers with no TaskManager: no output file" empty_dir "$d"
fi

# --- usage errors -> 1, one line, no file
d="$E2E_TMP/usage" && mkdir "$d"
for args in "record -d 1 -o $d/out.folded" "record -p notapid -d 1 -o $d/out.folded" \
	"record -p 1 -d -5 -o $d/out.folded" "record -p 1 -F 0 -o $d/out.folded" "no-such-command"; do
	# shellcheck disable=SC2086 # split on purpose
	run_tmprof 60 $args
	expect_rc "usage error 'tmprof ${args//$d\//}'" 1
	if ! grep -q '^tmprof: ' "$ERR"; then not_ok "usage error 'tmprof ${args//$d\//}': no 'tmprof: ' line on stderr"; fi
done
check "usage errors: no output file" empty_dir "$d"

# --- nonexistent PID -> 2, one line, no file
d="$E2E_TMP/nopid" && mkdir "$d"
pid=$(free_pid)
run_tmprof 60 record -p "$pid" -d 1 -o "$d/out.folded"
expect_rc "nonexistent pid $pid" 2
expect_one_error_line "nonexistent pid"
check "nonexistent pid: no output file" empty_dir "$d"

# --- a non-JVM busy process -> 0, its own native frames
gcc -O0 -g -fno-omit-frame-pointer -o "$E2E_TMP/busy" "$REPO/tests/e2e/busy.c" ||
	{ not_ok "cannot compile tests/e2e/busy.c"; finish; }
"$E2E_TMP/busy" >"$E2E_TMP/busy.out" 2>&1 &
BUSY=$!
track "$BUSY"
wait_ready "$BUSY" "$E2E_TMP/busy.out" 10 || { not_ok "busy helper did not start"; finish; }
d="$E2E_TMP/busy.d" && mkdir "$d"
run_tmprof 60 record -p "$BUSY" -d 2 -o "$d/busy.folded"
expect_rc "non-JVM busy process" 0
if [ -s "$d/busy.folded" ]; then
	n=$(folded_samples_with "$d/busy.folded" '^tmprof_busy_spin$')
	t=$(folded_total "$d/busy.folded")
	if [ "$n" -gt 0 ]; then ok "non-JVM busy process: tmprof_busy_spin in $n of $t samples"
	else not_ok "non-JVM busy process: no frame tmprof_busy_spin (top: $(sort -t' ' -k2 -rn "$d/busy.folded" | head -n 2 | tr '\n' '|'))"; fi
	if folded_has_frame "$d/busy.folded" '^tmprof_busy_loop$' && folded_has_frame "$d/busy.folded" '^main$'; then
		ok "non-JVM busy process: caller frames tmprof_busy_loop and main present"
	else not_ok "non-JVM busy process: caller frames tmprof_busy_loop / main missing"; fi
else
	not_ok "non-JVM busy process: output missing or empty"
fi
if grep -q PreserveFramePointer "$ERR"; then not_ok "non-JVM busy process: PreserveFramePointer warning for a non-JVM"; fi

# --- --no-threads: no thread frame at the root
run_tmprof 60 record -p "$BUSY" -d 1 --no-threads -o "$d/nothreads.folded"
expect_rc "--no-threads" 0
if [ -s "$d/nothreads.folded" ] && ! grep -q '^\[busy tid=' "$d/nothreads.folded" &&
	folded_has_frame "$d/nothreads.folded" '^tmprof_busy_spin$'; then
	ok "--no-threads: no thread frame, stacks start at $(head -n 1 "$d/nothreads.folded" | cut -d';' -f1)"
else
	not_ok "--no-threads: expected stacks without the [busy tid=N] root: $(head -n 1 "$d/nothreads.folded" 2>/dev/null | head -c 200)"
fi

# --- unwritable outputs -> 4, nothing left behind
run_tmprof 60 record -p "$BUSY" -d 1 -o /proc/tmprof-e2e.folded
expect_rc "output /proc/tmprof-e2e.folded" 4
expect_one_error_line "output in /proc"
check "output in /proc: no file left" test ! -e /proc/tmprof-e2e.folded

d="$E2E_TMP/parent" && mkdir "$d"
run_tmprof 60 record -p "$BUSY" -d 1 -o "$d/missing-dir/out.folded"
expect_rc "output in a nonexistent directory" 4
check "output in a nonexistent directory: nothing created" empty_dir "$d"

# Root ignores permission bits, so use read-only and full file systems.
RO="$E2E_TMP/ro" && mkdir "$RO"
if mount -t tmpfs -o ro,size=1m tmpfs "$RO" 2>/dev/null; then
	run_tmprof 60 record -p "$BUSY" -d 1 -o "$RO/out.folded"
	expect_rc "output on a read-only file system" 4
	expect_one_error_line "output on a read-only file system"
	check "output on a read-only file system: nothing left" empty_dir "$RO"
	umount "$RO"
else
	skip_check "output on a read-only file system" "cannot mount tmpfs"
fi
FULL="$E2E_TMP/full" && mkdir "$FULL"
if mount -t tmpfs -o size=64k tmpfs "$FULL" 2>/dev/null; then
	dd if=/dev/zero of="$FULL/filler" bs=4k 2>/dev/null
	run_tmprof 60 record -p "$BUSY" -d 1 -o "$FULL/out.folded"
	expect_rc "output on a full file system" 4
	# The recording ran before the write failed, so informational lines may
	# precede the error: the error is the last line.
	if tail -n 1 "$ERR" | grep -q "^tmprof: .*$FULL/out.folded"; then
		ok "output on a full file system: error line \"$(tail -n 1 "$ERR" | head -c 120)\""
	else not_ok "output on a full file system: last stderr line is not a 'tmprof: ' error naming the path: $(err_text)"; fi
	left=$(ls -A "$FULL" | grep -vx filler | tr '\n' ' ')
	if [ -z "$left" ]; then ok "output on a full file system: no file or temp file left"
	else not_ok "output on a full file system: left behind: $left"; fi
	umount "$FULL"
else
	skip_check "output on a full file system" "cannot mount tmpfs"
fi

# --- not root -> 3
NR="$E2E_TMP/notroot" && mkdir "$NR" && chmod 1777 "$NR"
if command -v setpriv >/dev/null 2>&1; then
	# A copy of the binary: the build tree may not be reachable for nobody.
	cp "$TMPROF" "$NR/tmprof" && chmod 755 "$NR/tmprof"
	timeout -k 5 60 setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$NR/tmprof" record -p "$BUSY" -d 1 -o "$NR/out.folded" >"$E2E_TMP/tmprof.out" 2>"$ERR"
	RC=$?
	expect_rc "not root (setpriv --reuid=65534)" 3
	# One error line; "tmprof: warning: ..." lines before it are tolerated.
	nerr=$(grep -v '^tmprof: warning: ' "$ERR" | grep -c .)
	if [ "$nerr" -eq 1 ] && tail -n 1 "$ERR" | grep -q '^tmprof: '; then
		ok "not root: one error line \"$(tail -n 1 "$ERR" | head -c 120)\"$( [ "$(wc -l <"$ERR")" -gt 1 ] && echo " (after $(( $(wc -l <"$ERR") - 1 )) warning line(s))")"
	else not_ok "not root: stderr should end with one 'tmprof: ' error line: $(err_text)"; fi
	rm -f "$NR/tmprof"
	check "not root: no output file" empty_dir "$NR"
else
	skip_check "not root" "no setpriv"
fi
stop_pid "$BUSY"

# JVMs for the remaining cases: light loads, started together to save time.
LIGHT=(--mix light)
start_tm noattach "$MAIN_STANDALONE" on -XX:+DisableAttachMechanism -- "${LIGHT[@]}"
P_NOATTACH=$TM_PID
start_tm nopfp "$MAIN_STANDALONE" off -- "${LIGHT[@]}"
P_NOPFP=$TM_PID
start_tm victim "$MAIN_YARN" on -- "${LIGHT[@]}"
P_VICTIM=$TM_PID
for n in noattach:$P_NOATTACH nopfp:$P_NOPFP victim:$P_VICTIM; do
	wait_ready "${n#*:}" "$E2E_TMP/${n%%:*}.out" 60 ||
		{ not_ok "${n%%:*} JVM did not start ($(tail -n 2 "$E2E_TMP/${n%%:*}.err" | tr '\n' ' '))"; finish; }
done
sleep 2

# --- JVM with -XX:+DisableAttachMechanism -> 5, output with native frames
d="$E2E_TMP/noattach.d" && mkdir "$d"
run_tmprof 60 record -p "$P_NOATTACH" -d 3 -o "$d/out.folded"
expect_rc "JVM with -XX:+DisableAttachMechanism" 5
if [ -s "$d/out.folded" ]; then
	ok "JVM with -XX:+DisableAttachMechanism: output written ($(folded_total "$d/out.folded") samples)"
	check "JVM with -XX:+DisableAttachMechanism: native frames present" has_native_frame "$d/out.folded"
else
	not_ok "JVM with -XX:+DisableAttachMechanism: output missing or empty"
fi
if grep -q '^tmprof: ' "$ERR"; then ok "JVM with -XX:+DisableAttachMechanism: says why: $(grep -m1 '^tmprof: ' "$ERR" | head -c 150)"
else not_ok "JVM with -XX:+DisableAttachMechanism: no 'tmprof: ' line on stderr"; fi

# --- JVM without PreserveFramePointer, --unwind fp -> 0 and one warning line
d="$E2E_TMP/nopfp.d" && mkdir "$d"
run_tmprof 60 record -p "$P_NOPFP" --unwind fp -d 2 -o "$d/out.folded"
expect_rc "JVM without PreserveFramePointer, --unwind fp" 0
nw=$(grep -c PreserveFramePointer "$ERR")
if [ "$nw" -eq 1 ]; then ok "JVM without PreserveFramePointer, --unwind fp: one warning line: $(grep -m1 PreserveFramePointer "$ERR" | head -c 150)"
else not_ok "JVM without PreserveFramePointer, --unwind fp: $nw stderr lines mention PreserveFramePointer, expected 1 ($(err_text))"; fi
check "JVM without PreserveFramePointer, --unwind fp: output written" test -s "$d/out.folded"

# --- the same JVM with the default --unwind auto: HotSpot unwinding, no warning
d="$E2E_TMP/nopfp-auto.d" && mkdir "$d"
run_tmprof 60 record -p "$P_NOPFP" -d 2 -o "$d/out.folded"
expect_rc "JVM without PreserveFramePointer, --unwind auto" 0
nw=$(grep -c PreserveFramePointer "$ERR")
if [ "$nw" -eq 0 ]; then ok "JVM without PreserveFramePointer, --unwind auto: no warning (HotSpot unwinding)"
else not_ok "JVM without PreserveFramePointer, --unwind auto: a PreserveFramePointer warning: $(err_text)"; fi

# --- --unwind with a bad value -> 1, names the option
run_tmprof 30 record -p "$P_NOPFP" --unwind dwarf -d 1 -o "$E2E_TMP/never.folded"
expect_rc "--unwind dwarf" 1
if grep -q -- '--unwind dwarf' "$ERR"; then ok "--unwind dwarf: names the option: $(head -c 120 "$ERR")"
else not_ok "--unwind dwarf: error does not name the option: $(err_text)"; fi

# --- target killed during the recording -> 5, output written
d="$E2E_TMP/victim.d" && mkdir "$d"
timeout -k 5 60 "$TMPROF" record -p "$P_VICTIM" -d 6 -o "$d/out.folded" >"$E2E_TMP/tmprof.out" 2>"$ERR" &
TP=$!
track "$TP"
# Kill it once sampling runs (attaching can take seconds on a busy host).
for _ in $(seq 300); do grep -q '^tmprof: recording' "$ERR" 2>/dev/null && break; sleep 0.1; done
sleep 2
kill -KILL "$P_VICTIM"
{ wait "$P_VICTIM"; } 2>/dev/null # reap it here, without bash's "Killed" line
wait_exit "$TP" 60
RC=$WAIT_RC
expect_rc "target killed during the recording" 5
if [ -s "$d/out.folded" ]; then ok "target killed during the recording: output written ($(folded_total "$d/out.folded") samples)"
else not_ok "target killed during the recording: output missing or empty"; fi

finish
