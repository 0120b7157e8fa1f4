#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kernel matrix (make test-kernels): boots Debian's cloud kernels under
# qemu (emulation: KVM does not work inside this project's VMs) with an
# initramfs holding tmprof, its libraries, busybox, the test helpers and the
# JDK, runs tests/kernels/guest.sh in each and prints one table
#   kernel x {cpu, offcpu, wall, alloc, leak, taskmanager-hotspot, wall-states, doctor, bpf-budget}
# Cells: ok; FAIL; exit3-clear-line (tmprof exited 3 with one line naming
# the kernel, what it lacks and the minimum: accepted only on kernels
# listed as below the minimum, 5.10 here); n/a (the build has no such tool);
# rejected-below-min (bpf_budget's programs do not load on a kernel below
# the minimum: its figures are printed, not counted as a failure).
# Exits non-zero if any cell fails.
#
# Usage: tests/kernels/run.sh [BUILD_DIR]
# Environment:
#   KERNELS        suites to boot (default "bullseye bookworm trixie")
#   BELOW_MIN      suites whose kernel may answer exit 3 (default "bullseye")
#   KERNEL_CACHE   downloaded kernels (default /var/cache/tmprof-test/kernels)
#   QEMU_TIMEOUT   seconds per guest, boot to power-off (default 900)
#   QEMU_MEM       guest memory (default 2G)
#   KERNEL_JOBS    guests booted at once (default 2: each runs on one host
#                  thread, see boot_suite)
#   CI=true        a missing piece (qemu, a download, a kernel that does not
#                  boot, a missing doctor command) is a failure, never a skip
# Per kernel, BUILD/kernels/<suite>/ keeps console.log (ttyS0: kernel and
# init), results.txt (ttyS1: the guest's result lines) and the artifacts
# the guest sent.

set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$REPO/$BUILD" ;; esac
KERNELS=${KERNELS:-bullseye bookworm trixie}
BELOW_MIN=${BELOW_MIN:-bullseye}
QEMU_TIMEOUT=${QEMU_TIMEOUT:-900}
QEMU_MEM=${QEMU_MEM:-2G}
KERNEL_JOBS=${KERNEL_JOBS:-2}
CHECKS=(cpu offcpu wall alloc leak taskmanager-hotspot wall-states doctor bpf-budget)
KDIR="$BUILD/kernels"
T0=$(date +%s)

fail_all() { # cannot run at all
	if [ "${CI:-}" = true ]; then
		echo "test-kernels: FAIL: $* (CI=true)"
		exit 1
	fi
	echo "test-kernels: SKIP: $*"
	exit 0
}
command -v qemu-system-x86_64 >/dev/null 2>&1 || fail_all "no qemu-system-x86_64 (make deps-kernels)"
command -v busybox >/dev/null 2>&1 || fail_all "no busybox (apt-get install busybox-static)"
command -v cpio >/dev/null 2>&1 || fail_all "no cpio"
[ -x "$BUILD/tmprof" ] || fail_all "no $BUILD/tmprof (make)"

mkdir -p "$KDIR"
echo "== building the initramfs"
if ! bash "$REPO/tests/kernels/mkinitramfs.sh" "$BUILD" "$KDIR/initramfs.cpio"; then
	echo "test-kernels: FAIL: cannot build the initramfs"
	exit 1
fi

declare -A CELL     # suite,check -> cell text
declare -A RELEASE  # suite -> uname -r
declare -A SECS     # suite -> seconds for boot + checks
failed=0

# decode_files RESULTS OUTDIR: the FILE ... ENDFILE blocks into OUTDIR/<name>.
decode_files() {
	awk -v dir="$2" '
		/^FILE / { name = $2; f = dir "/" name ".b64"; printf "" > f; infile = 1; next }
		/^ENDFILE$/ { close(f); infile = 0; next }
		infile { print >> f }' "$1"
	local b
	for b in "$2"/*.b64; do
		[ -e "$b" ] || continue
		base64 -d "$b" >"${b%.b64}" 2>/dev/null
		rm -f "$b"
	done
}

# boot_suite SUITE KDIR: one guest, boot to power-off; its exit status
# and seconds into $KDIR/SUITE/{qrc,secs}.
#
# thread=single: one host thread runs both vCPUs in turn. With a thread per
# vCPU (qemu's default) a vCPU can go on executing code another vCPU just
# patched: attaching and detaching tracepoint programs flips static keys,
# which the kernel patches through an int3, and 6.12 died of an "Oops:
# int3" in ttwu_do_activate (the sched_wakeup site) 1 boot in 3 here. Two
# guests run at once instead, one host core each.
boot_suite() {
	local suite=$1 kdir=$2 out="$KDIR/$1" t0 qrc
	t0=$(date +%s)
	timeout -k 10 "$QEMU_TIMEOUT" qemu-system-x86_64 -accel tcg,thread=single -cpu max -m "$QEMU_MEM" -smp 2 \
		-nographic -no-reboot -monitor none \
		-serial "file:$out/console.log" -serial "file:$out/results.txt" \
		-kernel "$kdir/vmlinuz" -initrd "$KDIR/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4" </dev/null >"$out/qemu.out" 2>&1
	qrc=$?
	echo "$qrc" >"$out/qrc"
	echo $(($(date +%s) - t0)) >"$out/secs"
}

# Fetch one after another (apt shares its cache), boot KERNEL_JOBS at once.
declare -A KPATH    # suite -> unpacked kernel dir
for suite in $KERNELS; do
	out="$KDIR/$suite"
	rm -rf "$out" && mkdir -p "$out"
	echo "== $suite: fetching linux-image-cloud-amd64"
	if ! kdir=$(bash "$REPO/tests/kernels/fetch_kernel.sh" "$suite" 2>"$out/fetch.err"); then
		cat "$out/fetch.err"
		for c in "${CHECKS[@]}"; do CELL[$suite,$c]="FAIL(download)"; done
		RELEASE[$suite]="$suite (no kernel)"
		failed=1
		continue
	fi
	KPATH[$suite]=$kdir
	RELEASE[$suite]=$(cat "$kdir/release")
done
running=0
# Newest first: the newer kernels take longest, the oldest fills in after.
for suite in $(printf '%s\n' $KERNELS | tac); do
	[ -n "${KPATH[$suite]:-}" ] || continue
	if [ "$running" -ge "$KERNEL_JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
	echo "== $suite: booting $(cat "${KPATH[$suite]}/package") under qemu (TCG), at most ${QEMU_TIMEOUT}s"
	boot_suite "$suite" "${KPATH[$suite]}" &
	running=$((running + 1))
done
wait

for suite in $KERNELS; do
	[ -n "${KPATH[$suite]:-}" ] || continue
	out="$KDIR/$suite"
	echo "== $suite: $(cat "${KPATH[$suite]}/package")"
	qrc=$(cat "$out/qrc" 2>/dev/null || echo 255)
	SECS[$suite]=$(cat "$out/secs" 2>/dev/null || echo -)
	tr -d '\r' <"$out/results.txt" >"$out/results.clean" 2>/dev/null
	decode_files "$out/results.clean" "$out"
	grep -E '^(KERNEL|RESULT|INFO)' "$out/results.clean" | sed 's/^/   /'
	for f in "$out"/bpf-budget; do
		[ -s "$f" ] && { echo "   -- bpf_budget on $suite:"; sed 's/^/   | /' "$f"; }
	done
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		why="qemu killed after ${QEMU_TIMEOUT}s"
	elif ! grep -q '^DONE$' "$out/results.clean"; then
		why="guest did not finish (qemu exit $qrc)"
	else
		why=""
	fi
	if [ -n "$why" ]; then
		# An oops: its head names the fault, the task and the call
		# trace (the tail after it is the panic's register dump).
		oops=$(grep -n -m1 -E 'BUG:|Oops|general protection|kernel BUG|WARNING:|invalid opcode|stack-protector|double fault' \
			"$out/console.log" | cut -d: -f1)
		if [ -n "$oops" ]; then
			echo "   $suite: $why; the kernel's first report (console line $oops on):"
			tr -d '\r' <"$out/console.log" | sed -n "$((oops > 3 ? oops - 3 : 1)),$((oops + 45))p" | sed 's/^/   | /'
		else
			echo "   $suite: $why; last console lines:"
			grep -v '^\s*$' "$out/console.log" | tail -n 15 | sed 's/^/   | /'
		fi
	fi
	for c in "${CHECKS[@]}"; do
		line=$(grep -m1 "^RESULT $c " "$out/results.clean")
		status=$(echo "$line" | awk '{ print $3 }')
		case "$status" in
		ok) CELL[$suite,$c]=ok ;;
		exit3)
			if [[ " $BELOW_MIN " == *" $suite "* ]]; then
				CELL[$suite,$c]=exit3-clear-line
			else
				CELL[$suite,$c]="FAIL(exit3)"
				failed=1
			fi
			;;
		missing)
			if [ "$c" = doctor ] && [ "${CI:-}" = true ]; then
				CELL[$suite,$c]="FAIL(missing)"
				failed=1
			else
				CELL[$suite,$c]=n/a
			fi
			;;
		FAIL)
			# Below the minimum kernel programs are not expected to load:
			# the budget tool's figures are shown, not held against it.
			if [ "$c" = bpf-budget ] && [[ " $BELOW_MIN " == *" $suite "* ]]; then
				CELL[$suite,$c]=rejected-below-min
			else
				CELL[$suite,$c]=FAIL
				failed=1
			fi
			;;
		*)
			CELL[$suite,$c]="FAIL(${why:-no result})"
			failed=1
			;;
		esac
	done
done

echo
echo "== kernel matrix ($(($(date +%s) - T0)) s in all)"
{
	printf 'kernel\tsecs'
	for c in "${CHECKS[@]}"; do printf '\t%s' "$c"; done
	printf '\n'
	for suite in $KERNELS; do
		printf '%s\t%s' "${RELEASE[$suite]}" "${SECS[$suite]:--}"
		for c in "${CHECKS[@]}"; do printf '\t%s' "${CELL[$suite,$c]}"; done
		printf '\n'
	done
} | awk -F'\t' '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR; if (NF > nf) nf = NF }
	END { for (r = 1; r <= n; r++) { for (i = 1; i <= nf; i++) printf "%-*s%s", w[i], c[r, i], (i < nf ? "  " : "\n") } }'
if [ "$failed" -ne 0 ]; then
	echo "test-kernels: FAIL (details above; console logs in $KDIR/<suite>/console.log)"
	exit 1
fi
echo "test-kernels: ok"
