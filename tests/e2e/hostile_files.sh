#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: files that another user planted where tmprof looks, as root.
#   perf map /tmp/perf-PID.map that is a symlink      -> not used, still records, -v says why
#   perf map owned by another user                    -> not used, one line says so
#   /tmp/.java_pidPID that is a symlink to a socket   -> never connected to (attach refused)
#   /tmp/.java_pidPID socket owned by another uid     -> never connected to (attach refused)
#   .attach_pidPID trigger that is a symlink          -> its target is never written
#   -o FILE that is a symlink to a victim file        -> victim untouched, FILE replaced
# The planted perf maps hold one "tmprof_hostile" entry covering all of user
# space: if tmprof used them, that name would show in the output. The JVM
# runs as root and would overwrite a planted file itself (that is the JVM's
# business), so the planted content sits on read-only mounts.
# Usage: tests/e2e/hostile_files.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all
command -v gcc >/dev/null 2>&1 || skip_all "no gcc (for the helpers)"
command -v setpriv >/dev/null 2>&1 || skip_all "no setpriv (to act as another user)"

ERR="$E2E_TMP/tmprof.err"
NOBODY=65534
MOUNTS=()
PLANTED=()
hostile_cleanup() {
	local m p
	for p in "${PLANTED[@]}"; do rm -f "$p"; done
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	e2e_cleanup
}
trap hostile_cleanup EXIT

err_text() { head -c 400 "$ERR" | tr '\n' '|'; }
expect_rc() {
	if [ "$RC" -eq "$2" ]; then ok "$1: exit $RC"; else not_ok "$1: exit $RC, expected $2 (stderr: $(err_text))"; fi
}
# no_hostile FILE: the planted perf map name is nowhere in the output.
no_hostile() { ! grep -q tmprof_hostile "$1"; }
# A perf map line covering [0x1000, 0x7fffffffffff).
HOSTILE_MAP='0x0000000000001000 0x00007ffffffff000 void tmprof_hostile.Planted.frame()'

gcc -O0 -g -pthread -o "$E2E_TMP/fake_jvm" "$REPO/tests/e2e/fake_jvm.c" ||
	{ not_ok "cannot compile tests/e2e/fake_jvm.c"; finish; }
gcc -O0 -g -fno-omit-frame-pointer -o "$E2E_TMP/busy" "$REPO/tests/e2e/busy.c" ||
	{ not_ok "cannot compile tests/e2e/busy.c"; finish; }
LIBJVM=$(find /usr/lib/jvm -name libjvm.so -path '*server*' 2>/dev/null | head -n 1)

# Read-only directory with the planted perf maps: a tmpfs filled, then
# remounted read-only (the root JVM cannot write through a link into it).
RO="$E2E_TMP/ro" && mkdir "$RO"
if ! mount -t tmpfs -o size=1m tmpfs "$RO" 2>/dev/null; then
	skip_all "cannot mount tmpfs"
fi
MOUNTS+=("$RO")
echo "$HOSTILE_MAP" >"$RO/root-owned.map"
echo "$HOSTILE_MAP" >"$RO/nobody-owned.map" && chown "$NOBODY" "$RO/nobody-owned.map"
mount -o remount,ro "$RO" || { not_ok "cannot remount $RO read-only"; finish; }

# Two JVMs: one for the perf map cases, one for the attach socket cases
# (it must not have attached before them), each in its own directory (the
# JVM looks for .attach_pid in its cwd).
mkdir -m 755 "$E2E_TMP/jvm-map" "$E2E_TMP/jvm-sock"
LIGHT=(--mix light)
start_in() { # start_in DIR NAME: a TaskManager with cwd DIR; sets TM_PID
	local dir=$1 name=$2
	(cd "$dir" && exec java -XX:+PreserveFramePointer "${TM_JIT_OPTS[@]}" -cp "$WORKLOADS" \
		"$MAIN_STANDALONE" "${LIGHT[@]}") >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" </dev/null &
	TM_PID=$!
	track "$TM_PID"
}
start_in "$E2E_TMP/jvm-map" mapjvm
P_MAP=$TM_PID
start_in "$E2E_TMP/jvm-sock" sockjvm
P_SOCK=$TM_PID
for n in mapjvm:$P_MAP sockjvm:$P_SOCK; do
	wait_ready "${n#*:}" "$E2E_TMP/${n%%:*}.out" 90 ||
		{ not_ok "${n%%:*} JVM did not start ($(tail -n 2 "$E2E_TMP/${n%%:*}.err" | tr '\n' ' '))"; finish; }
done

# The perf map cases record with --unwind fp: with the HotSpot unwinder
# every compiled frame is named from the JVM's memory and the perf map is
# read for nothing (the control below would prove nothing). The JVMs keep
# their frame pointers, so the perf map is what names their frames.

# ------------------------------------------------ perf map: a symlink
# As another user would plant it: a link owned by nobody, to a root-owned
# file with plausible content.
MAP=/tmp/perf-$P_MAP.map
rm -f "$MAP"
ln -s "$RO/root-owned.map" "$MAP" && chown -h "$NOBODY" "$MAP"
PLANTED+=("$MAP")
d="$E2E_TMP/map-symlink" && mkdir "$d"
run_tmprof 120 record -v --unwind fp -p "$P_MAP" -d 3 -o "$d/out.folded"
expect_rc "perf map is a symlink: still records" 0
if [ -s "$d/out.folded" ]; then ok "perf map is a symlink: output written ($(folded_total "$d/out.folded") samples)"
else not_ok "perf map is a symlink: output missing or empty"; fi
check "perf map is a symlink: its content is not used" no_hostile "$d/out.folded"
why=$(grep -iE 'perf[ -]?map|perf-[0-9]+\.map' "$ERR" | grep -iE 'symbolic link|symlink|ELOOP' | head -n 1)
if [ -n "$why" ]; then ok "perf map is a symlink: -v says why: $(echo "$why" | head -c 160)"
else not_ok "perf map is a symlink: no stderr line naming the perf map and the symlink (stderr: $(err_text))"; fi
check "perf map is a symlink: the link is left alone" test -L "$MAP"
rm -f "$MAP"

# ------------------------------------------------ perf map: another owner
# The file itself (not a link), owned by nobody: a read-only bind mount of
# the planted file on /tmp/perf-PID.map keeps the JVM from rewriting it.
: >"$MAP" && PLANTED+=("$MAP")
if mount --bind "$RO/nobody-owned.map" "$MAP" 2>/dev/null; then
	MOUNTS=("$MAP" "${MOUNTS[@]}")
	d="$E2E_TMP/map-owner" && mkdir "$d"
	run_tmprof 120 record --unwind fp -p "$P_MAP" -d 3 -o "$d/out.folded"
	expect_rc "perf map owned by another user: still records" 0
	check "perf map owned by another user: output written" test -s "$d/out.folded"
	check "perf map owned by another user: its content is not used" no_hostile "$d/out.folded"
	# Said without -v: a stale map of a dead process of another user is a
	# real-world case, and the fix (remove it) is the operator's.
	why=$(grep -E "perf-[0-9]+\.map belongs to uid $NOBODY, not to the JVM's user" "$ERR" | head -n 1)
	if [ -n "$why" ]; then ok "perf map owned by another user: the normal output says why: $(echo "$why" | head -c 160)"
	else not_ok "perf map owned by another user: no stderr line naming the perf map and its owner (stderr: $(err_text))"; fi
	umount "$MAP"
	MOUNTS=("${MOUNTS[@]:1}")
else
	skip_check "perf map owned by another user" "cannot bind-mount a file"
fi
rm -f "$MAP"

# ------------------------------------------------ control
# The same content in a regular root-owned file is used: the checks above
# would see the planted name if tmprof had read the planted files.
: >"$MAP"
if mount --bind "$RO/root-owned.map" "$MAP" 2>/dev/null; then
	MOUNTS=("$MAP" "${MOUNTS[@]}")
	d="$E2E_TMP/map-control" && mkdir "$d"
	run_tmprof 120 record --unwind fp -p "$P_MAP" -d 3 -o "$d/out.folded"
	if [ "$RC" -eq 0 ] && ! no_hostile "$d/out.folded"; then
		ok "control: a root-owned perf map with the same content is used ($(folded_samples_with "$d/out.folded" tmprof_hostile) samples)"
	else not_ok "control: a root-owned perf map was not used (exit $RC): the checks above prove nothing"; fi
	umount "$MAP"
	MOUNTS=("${MOUNTS[@]:1}")
else
	skip_check "control: root-owned perf map" "cannot bind-mount a file"
fi
rm -f "$MAP"
stop_pid "$P_MAP"

# ------------------------------------------------ attach socket: a symlink
# nobody listens on a socket of its own and links /tmp/.java_pidPID to it;
# the listener logs every connection. tmprof must refuse the link (exit 5:
# no Java names) rather than talk to nobody's socket as root.
NB="$E2E_TMP/nobody" && mkdir -m 1777 "$NB"
cp "$E2E_TMP/fake_jvm" "$NB/fake_jvm" && chmod 755 "$NB/fake_jvm"
setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
	"$NB/fake_jvm" "$LIBJVM" listen "$NB/planted.sock" >"$NB/listen.out" 2>&1 </dev/null &
LISTENER=$!
track "$LISTENER"
wait_ready "$LISTENER" "$NB/listen.out" 20 || { not_ok "planted listener did not start: $(head -c 200 "$NB/listen.out")"; finish; }
SOCK=/tmp/.java_pid$P_SOCK
rm -f "$SOCK"
ln -s "$NB/planted.sock" "$SOCK" && chown -h "$NOBODY" "$SOCK"
PLANTED+=("$SOCK")
d="$E2E_TMP/sock-symlink" && mkdir "$d"
run_tmprof 120 record -v -p "$P_SOCK" -d 2 -o "$d/out.folded"
expect_rc "attach socket is a symlink: attach refused" 5
check "attach socket is a symlink: no connection to the planted socket" test ! -s "$NB/planted.sock.log"
check "attach socket is a symlink: output still written" test -s "$d/out.folded"
if grep -qi 'attach' "$ERR"; then ok "attach socket is a symlink: says so: $(grep -i -m1 attach "$ERR" | head -c 160)"
else not_ok "attach socket is a symlink: no stderr line about the attach (stderr: $(err_text))"; fi
rm -f "$SOCK"
stop_pid "$LISTENER"

# ------------------------------------------------ attach socket: another uid
# A real socket at the JVM's path, but nobody's.
rm -f "$NB/planted.sock.log"
setpriv --reuid="$NOBODY" --regid="$NOBODY" --clear-groups \
	"$NB/fake_jvm" "$LIBJVM" listen "$NB/owned.sock" >"$NB/listen2.out" 2>&1 </dev/null &
LISTENER=$!
track "$LISTENER"
wait_ready "$LISTENER" "$NB/listen2.out" 20 || { not_ok "planted listener did not start: $(head -c 200 "$NB/listen2.out")"; finish; }
# Move it into place: a hard link keeps the owner and the listening inode.
ln "$NB/owned.sock" "$SOCK" 2>/dev/null || mv "$NB/owned.sock" "$SOCK"
PLANTED+=("$SOCK")
owner=$(stat -c %u "$SOCK" 2>/dev/null)
d="$E2E_TMP/sock-owner" && mkdir "$d"
run_tmprof 120 record -v -p "$P_SOCK" -d 2 -o "$d/out.folded"
expect_rc "attach socket owned by uid $owner: attach refused" 5
check "attach socket owned by uid $owner: no connection to it" test ! -s "$NB/owned.sock.log"
check "attach socket owned by uid $owner: output still written" test -s "$d/out.folded"
rm -f "$SOCK"
stop_pid "$LISTENER"

# ------------------------------------------------ .attach_pid: a symlink
# Links in both places HotSpot looks (the JVM's cwd, /tmp) to victim files:
# tmprof creates its trigger with O_EXCL | O_NOFOLLOW, so the victims must
# stay as they are whatever the outcome of the attach.
for v in cwd tmp; do printf 'victim %s\n' "$v" >"$E2E_TMP/victim-$v" && touch -d '2001-01-01' "$E2E_TMP/victim-$v"; done
ln -s "$E2E_TMP/victim-cwd" "$E2E_TMP/jvm-sock/.attach_pid$P_SOCK"
ln -s "$E2E_TMP/victim-tmp" "/tmp/.attach_pid$P_SOCK"
PLANTED+=("$E2E_TMP/jvm-sock/.attach_pid$P_SOCK" "/tmp/.attach_pid$P_SOCK")
d="$E2E_TMP/trigger-symlink" && mkdir "$d"
t0=$(date +%s)
run_tmprof 120 record -v -p "$P_SOCK" -d 2 -o "$d/out.folded"
t1=$(date +%s)
if [ "$RC" -eq 0 ] || [ "$RC" -eq 5 ]; then ok "attach trigger is a symlink: exit $RC in $((t1 - t0)) s"
else not_ok "attach trigger is a symlink: exit $RC, expected 0 or 5 (stderr: $(err_text))"; fi
for v in cwd tmp; do
	if [ "$(cat "$E2E_TMP/victim-$v")" = "victim $v" ] &&
		[ "$(stat -c %Y "$E2E_TMP/victim-$v")" = "$(date -d '2001-01-01' +%s)" ]; then
		ok "attach trigger is a symlink: victim in $v untouched"
	else not_ok "attach trigger is a symlink: victim in $v was modified: $(head -c 80 "$E2E_TMP/victim-$v")"; fi
done
check "attach trigger is a symlink: output written" test -s "$d/out.folded"
stop_pid "$P_SOCK"

# ------------------------------------------------ output: a symlink
"$E2E_TMP/busy" >"$E2E_TMP/busy.out" 2>&1 &
BUSY=$!
track "$BUSY"
wait_ready "$BUSY" "$E2E_TMP/busy.out" 10 || { not_ok "busy helper did not start"; finish; }
for fmt in folded json; do
	d="$E2E_TMP/out-$fmt" && mkdir "$d"
	printf 'precious data\n' >"$d/victim"
	touch -d '2001-01-01' "$d/victim"
	ln -s "$d/victim" "$d/out.$fmt"
	run_tmprof 60 record -p "$BUSY" -d 1 -o "$d/out.$fmt"
	expect_rc "output is a symlink to a victim ($fmt)" 0
	if [ "$(cat "$d/victim")" = "precious data" ] && [ "$(stat -c %Y "$d/victim")" = "$(date -d '2001-01-01' +%s)" ]; then
		ok "output is a symlink ($fmt): victim untouched"
	else not_ok "output is a symlink ($fmt): victim changed: $(head -c 80 "$d/victim" | tr '\n' '|')"; fi
	if [ -f "$d/out.$fmt" ] && [ ! -L "$d/out.$fmt" ] && [ -s "$d/out.$fmt" ]; then
		ok "output is a symlink ($fmt): replaced by a regular file ($(wc -c <"$d/out.$fmt") bytes)"
	else not_ok "output is a symlink ($fmt): $d/out.$fmt is not a new regular file ($(ls -l "$d/out.$fmt" 2>&1))"; fi
	left=$(ls -A "$d" | grep -vx -e victim -e "out.$fmt" | tr '\n' ' ')
	if [ -z "$left" ]; then ok "output is a symlink ($fmt): no temp file left"; else not_ok "output is a symlink ($fmt): left behind: $left"; fi
done
# A dangling link into another directory: the link is replaced, nothing is
# created where it pointed.
d="$E2E_TMP/out-dangling" && mkdir -p "$d" "$E2E_TMP/elsewhere"
ln -s "$E2E_TMP/elsewhere/created.folded" "$d/out.folded"
run_tmprof 60 record -p "$BUSY" -d 1 -o "$d/out.folded"
expect_rc "output is a dangling symlink" 0
check "output is a dangling symlink: nothing created at its target" test ! -e "$E2E_TMP/elsewhere/created.folded"
check "output is a dangling symlink: replaced by a regular file" test -f "$d/out.folded" -a ! -L "$d/out.folded"
stop_pid "$BUSY"

finish
