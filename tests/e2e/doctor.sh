#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: `tmprof doctor` on this host.
#  1. With a stand-in TaskManager running (-XX:-PreserveFramePointer):
#     `doctor -p PID` prints ✔ for the kernel (this uname -r) and BTF,
#     privileges (root), perf events, tracefs, uprobes, every event kind
#     (cpu, offcpu, wall, alloc, leak: really loaded), and for the JVM:
#     attach, Java frames through the hotspot unwinder, thread names (most
#     threads named in full); exit 0. A plain `doctor` finds the same JVM
#     as a standalone TaskManager (the JVM discovery of `tmprof list`).
#  2. Broken on purpose, safely:
#     - in a private mount namespace (unshare -m), the uprobe PMU hidden
#       under an empty tmpfs and tracefs unmounted: ✘ tracefs and ✘ uprobes,
#       each with the fix "mount -t tracefs nodev /sys/kernel/tracing", exit
#       3; the fix applied in another private namespace: ✔ uprobes again
#       (libbpf's tracefs fallback). The host's mounts are not touched.
#     - a JVM started with -XX:+DisableAttachMechanism: ✘ attach naming
#       the flag to remove, ✘ thread names, exit 5 (host items all ✔).
#     - run as user nobody: ✘ privileges with "run as root", every event
#       kind ✘ "permission denied; run as root" (a real EPERM without
#       privileges), exit 3.
# Usage: tests/e2e/doctor.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all
command -v unshare >/dev/null 2>&1 || skip_all "no unshare (util-linux)"
command -v setpriv >/dev/null 2>&1 || skip_all "no setpriv (util-linux)"

LIGHT=(--task 'map:3:Source: Numbers -> Map (1/1)#0')
MIN_NAMED_PCT=80

OUT="$E2E_TMP/tmprof.out"
# has_line PATTERN DESCRIPTION: one output line matches the ERE.
has_line() {
	if grep -qE -- "$1" "$OUT"; then ok "$2"; else
		not_ok "$2: no line matching '$1'"
	fi
}
show() { sed 's/^/#   /' "$OUT"; [ -s "$E2E_TMP/tmprof.err" ] && sed 's/^/#   err: /' "$E2E_TMP/tmprof.err"; return 0; }

start_tm tm "$MAIN_STANDALONE" off -- "${LIGHT[@]}"
P_TM=$TM_PID
start_tm noattach "$MAIN_STANDALONE" off -XX:+DisableAttachMechanism -- "${LIGHT[@]}"
P_NOATTACH=$TM_PID
for n in tm:$P_TM noattach:$P_NOATTACH; do
	if ! wait_ready "${n#*:}" "$E2E_TMP/${n%%:*}.out" 60; then
		not_ok "${n%%:*} JVM did not start ($(tail -n 2 "$E2E_TMP/${n%%:*}.err" | tr '\n' ' '))"
		finish
	fi
done

# ------------------------------------------------------------ 1. all well
# The TaskManager's own switch rate, as the test counts it (ctxt_switches of
# every thread over 2 s), for doctor's figure to be compared with.
sw() { cat /proc/"$P_TM"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'; }
sw_a=$(sw); sleep 2; sw_b=$(sw)
TM_SWITCHES=$(((sw_b - sw_a) / 2))
run_tmprof 120 doctor -p "$P_TM"
show
if [ "$RC" -eq 0 ]; then ok "doctor -p TM: exit 0"; else not_ok "doctor -p TM: exit $RC, expected 0"; fi
release=$(uname -r)
has_line "^✔ kernel: Linux ${release//./\\.}, BTF at /sys/kernel/btf/vmlinux$" "kernel and BTF ✔"
has_line '^✔ privileges: root$' "privileges ✔"
has_line '^✔ perf events: ' "perf events ✔"
has_line '^✔ tracefs: ' "tracefs ✔ (mounted, or not needed with the uprobe PMU)"
has_line '^✔ uprobes: a uprobe attaches ' "uprobes ✔"
for k in cpu offcpu alloc; do
	has_line "^✔ $k: BPF programs load \(-e $k needs Linux [0-9]+\.[0-9]+ or newer\)$" "$k loads ✔"
done
has_line '^✔ wall: cpu and offcpu both load$' "wall ✔"
has_line '^✔ leak: BPF programs load \(tmprof leak needs Linux [0-9]+\.[0-9]+ or newer\)$' "leak loads ✔"
has_line "^JVM $P_TM: TaskManager \(standalone\), JDK " "the JVM is identified"
has_line "^✔ PID $P_TM attach: " "attach ✔"
has_line "^✔ PID $P_TM Java frames: hotspot unwinder " "Java frames ✔ through the hotspot unwinder (no -XX:+PreserveFramePointer)"
named=$(sed -nE "s/^✔ PID $P_TM thread names: ([0-9]+) of ([0-9]+) threads.*/\1 \2/p" "$OUT")
if [ -n "$named" ] && [ "${named% *}" -ge 1 ] && [ $(( ${named% *} * 100 )) -ge $(( ${named#* } * MIN_NAMED_PCT )) ]; then
	ok "thread names ✔ (${named% *} of ${named#* } threads named)"
else
	not_ok "thread names: expected ✔ with >= $MIN_NAMED_PCT % of threads named, got '${named:-no ✔ line}'"
fi
has_line '^✔ per-thread sampling: adds -?[0-9]+\.[0-9]+ µs to each context switch of a sampled thread here \(a switch takes [0-9]+\.[0-9]+ µs without\)' \
	"per-thread sampling's cost per switch measured"
rate=$(sed -nE "s/^✔ PID $P_TM context switches: ([0-9]+) a second.*/\1/p" "$OUT")
# Within a factor of 3 of the test's own count: doctor counts over 0.5 s,
# after its own thread dump.
if [ -n "$rate" ] && [ $((rate * 3)) -ge "$TM_SWITCHES" ] && [ "$rate" -le $((TM_SWITCHES * 3 + 30)) ]; then
	ok "the TaskManager's switch rate: $rate a second (the test counted $TM_SWITCHES)"
else
	not_ok "the TaskManager's switch rate: '${rate:-no line}', the test counted $TM_SWITCHES a second"
fi
n_lines=$(grep -c '^[✔✘] ' "$OUT")
n_bad=$(grep -c '^✘ ' "$OUT")
if [ "$n_bad" -eq 0 ] && [ "$n_lines" -eq 15 ]; then ok "15 items, none ✘"; else not_ok "$n_lines items, $n_bad ✘ (expected 15, 0)"; fi

# Discovery without -p: the same JVM, as `tmprof list` finds it. Other JVMs
# on the host may fail their own checks: only ours is asserted.
run_tmprof 300 doctor
if grep -qE "^JVM $P_TM: TaskManager \(standalone\)" "$OUT" && grep -qE "^✔ PID $P_TM Java frames: hotspot" "$OUT"; then
	ok "doctor without -p finds and checks the TaskManager"
else
	show
	not_ok "doctor without -p: no ✔ lines for PID $P_TM"
fi

# ------------------------------------------------ 2a. no uprobe PMU, no tracefs
# Everything happens in a private mount namespace: the host's mounts stay.
PMU=/sys/bus/event_source/devices/uprobe
if [ -d "$PMU" ]; then
	# shellcheck disable=SC2016
	timeout -k 5 120 unshare -m sh -c '
		mount --make-rprivate / || exit 90
		mount -t tmpfs none "$1" || exit 91
		for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
			while grep -q " $t " /proc/self/mountinfo; do umount -l "$t" || exit 92; done
		done
		exec "$2" doctor -p "$3"' sh "$PMU" "$TMPROF" "$P_TM" >"$OUT" 2>"$E2E_TMP/tmprof.err"
	RC=$?
	show
	if [ "$RC" -eq 3 ]; then ok "no tracefs, no uprobe PMU: exit 3"; else not_ok "no tracefs, no uprobe PMU: exit $RC, expected 3"; fi
	has_line '^✘ tracefs: not mounted.*; mount -t tracefs nodev /sys/kernel/tracing$' "tracefs ✘ with the fix"
	has_line '^✘ uprobes: cannot attach .*; this kernel has no uprobe PMU, so libbpf needs tracefs: mount -t tracefs nodev /sys/kernel/tracing$' "uprobes ✘ with the fix"
	has_line '^✔ cpu: ' "cpu still ✔ (perf_event programs need neither)"

	# shellcheck disable=SC2016
	timeout -k 5 120 unshare -m sh -c '
		mount --make-rprivate / || exit 90
		mount -t tmpfs none "$1" || exit 91
		grep -q " /sys/kernel/tracing " /proc/self/mountinfo ||
			mount -t tracefs nodev /sys/kernel/tracing || exit 92
		exec "$2" doctor -p "$3"' sh "$PMU" "$TMPROF" "$P_TM" >"$OUT" 2>"$E2E_TMP/tmprof.err"
	RC=$?
	if grep -qE '^✔ uprobes: a uprobe attaches' "$OUT" && grep -qE '^✔ tracefs: mounted at /sys/kernel/tracing$' "$OUT"; then
		ok "the fix works: tracefs mounted, uprobes ✔ without the PMU (exit $RC)"
	else
		show
		not_ok "with tracefs mounted and no uprobe PMU, expected ✔ tracefs and ✔ uprobes"
	fi
else
	skip_check "no uprobe PMU to hide" "this kernel has no $PMU"
fi
grep -q ' - tracefs ' /proc/self/mountinfo && mounted=yes || mounted=no
ok "host mounts untouched (tracefs mounted on the host: $mounted, PMU present: $([ -e $PMU/type ] && echo yes || echo no))"

# ------------------------------------------------ 2b. a JVM that refuses attach
run_tmprof 120 doctor -p "$P_NOATTACH"
show
if [ "$RC" -eq 5 ]; then ok "attach disabled: exit 5"; else not_ok "attach disabled: exit $RC, expected 5"; fi
has_line "^✘ PID $P_NOATTACH attach: .*; remove -XX:\+DisableAttachMechanism from the JVM options$" "attach ✘ naming the flag"
has_line "^✘ PID $P_NOATTACH thread names: cut to 15 characters" "thread names ✘"
n_bad=$(grep -c '^✘ ' "$OUT")
if [ "$n_bad" -eq 2 ]; then ok "only the JVM items are ✘"; else not_ok "$n_bad ✘ lines, expected 2 (attach, thread names)"; fi

# ------------------------------------------------------- 2c. not privileged
timeout -k 5 120 setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$TMPROF" doctor -p "$P_TM" >"$OUT" 2>"$E2E_TMP/tmprof.err"
RC=$?
show
if [ "$RC" -eq 3 ]; then ok "as nobody: exit 3"; else not_ok "as nobody: exit $RC, expected 3"; fi
has_line '^✘ privileges: not root and lacking CAP_BPF.*; run as root' "privileges ✘ with the fix"
for k in cpu offcpu alloc; do
	has_line "^✘ $k: -e $k: cannot load BPF programs: permission denied; run as root" "$k ✘: permission denied, run as root"
done

finish
