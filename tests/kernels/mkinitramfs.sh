#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the initramfs the kernel-matrix guests boot (tests/kernels/run.sh):
#   tests/kernels/mkinitramfs.sh BUILD_DIR OUT.cpio
# An uncompressed newc cpio (the kernel unpacks it into its rootfs; no
# compression: gzip under qemu's emulation costs seconds per boot) holding
#   /init                        tests/kernels/init
#   /bin/busybox (+ applets), /bin/bash
#   /opt/tmprof/tmprof           BUILD/tmprof
#   /opt/tmprof/bpf_budget, bpf/ BUILD/bpf_budget and BUILD/*.bpf.o, if built
#   /opt/tmprof/bin/             busy, pingpong (tests/e2e) and leaker
#                                (tests/kernels), built here
#   /opt/tmprof/workloads        BUILD/workloads (the stand-in TaskManager)
#   /opt/tmprof/guest.sh         tests/kernels/guest.sh
#   /usr/lib/jvm/<JDK 17>        what java needs of the host's JDK, at the
#                                same path (libjvm.so with its symbols)
# and every shared library these ELF files need (ldd), at the host's paths,
# under a merged /usr (/lib, /lib64, /bin, /sbin link into /usr) like the
# host. Why not share the host's root over 9p: Debian's cloud kernels are
# built without 9p (CONFIG_NET_9P unset), and a packed root needs neither a
# host daemon nor kernel modules.
set -euo pipefail

BUILD=${1:?usage: mkinitramfs.sh BUILD_DIR OUT.cpio}
OUT=${2:?usage: mkinitramfs.sh BUILD_DIR OUT.cpio}
REPO=$(cd "$(dirname "$0")/../.." && pwd)
JDK=${KERNEL_JDK:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
ROOT="$BUILD/kernels/root"
BIN="$BUILD/kernels/bin"

die() { echo "mkinitramfs: $*" >&2; exit 1; }
[ -x "$BUILD/tmprof" ] || die "no $BUILD/tmprof (run make)"
[ -d "$BUILD/workloads" ] || die "no $BUILD/workloads (make workloads)"
[ -x "$JDK/bin/java" ] || die "no JDK 17 at $JDK"
BUSYBOX=$(command -v busybox) || die "no busybox (apt-get install busybox-static)"
file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' || [ -x /bin/busybox ] || die "busybox is not static"

# Test helpers, built like the e2e tests build them.
mkdir -p "$BIN"
gcc -O0 -g -fno-omit-frame-pointer -o "$BIN/busy" "$REPO/tests/e2e/busy.c"
gcc -O2 -g -fno-omit-frame-pointer -pthread -o "$BIN/pingpong" "$REPO/tests/e2e/pingpong.c"
gcc -O0 -g -fno-omit-frame-pointer -o "$BIN/leaker" "$REPO/tests/kernels/leaker.c"

rm -rf "$ROOT"
mkdir -p "$ROOT"/{usr/bin,usr/sbin,usr/lib,usr/lib64,proc,sys,dev,tmp,run,opt/tmprof,etc}
ln -s usr/bin "$ROOT/bin"
ln -s usr/sbin "$ROOT/sbin"
ln -s usr/lib "$ROOT/lib"
ln -s usr/lib64 "$ROOT/lib64"

# guest_path PATH: where PATH lands in the merged-/usr root.
guest_path() {
	case "$1" in
	/lib/* | /lib64/* | /bin/* | /sbin/*) echo "/usr$1" ;;
	*) echo "$1" ;;
	esac
}
# add_file SRC [DEST]: copy (dereferenced) to DEST (default: SRC's own path).
add_file() {
	local dst
	dst="$ROOT$(guest_path "${2:-$1}")"
	[ -e "$dst" ] && return 0
	mkdir -p "$(dirname "$dst")"
	cp -L "$1" "$dst"
}
# add_elf SRC [DEST]: the file and the libraries ldd lists for it.
add_elf() {
	local lib
	add_file "$@"
	while read -r lib; do
		add_file "$lib"
	done < <(ldd "$1" 2>/dev/null | sed -n -e 's/^.*=> \(\/[^ ]*\) (0x.*$/\1/p' -e 's/^[[:space:]]*\(\/[^ ]*\) (0x.*$/\1/p')
}

add_file "$REPO/tests/kernels/init" /init
chmod 755 "$ROOT/init"
add_file "$BUSYBOX" /bin/busybox
add_elf "$(command -v bash)" /bin/bash
add_elf "$BUILD/tmprof" /opt/tmprof/tmprof
# The BPF budget tool (make e2e builds it) and the objects it loads.
if [ -x "$BUILD/bpf_budget" ]; then
	add_elf "$BUILD/bpf_budget" /opt/tmprof/bpf_budget
	mkdir -p "$ROOT/opt/tmprof/bpf"
	cp "$BUILD"/*.bpf.o "$ROOT/opt/tmprof/bpf/"
fi
for b in busy pingpong leaker; do add_elf "$BIN/$b" "/opt/tmprof/bin/$b"; done
add_file "$REPO/tests/kernels/guest.sh" /opt/tmprof/guest.sh
cp -r "$BUILD/workloads" "$ROOT/opt/tmprof/workloads"
rm -f "$ROOT/opt/tmprof/workloads/.stamp"

# The JDK: the launcher, lib/ (modules image, libjvm.so, CDS archive) and
# conf/ (links into /etc on Debian: dereferenced). Not: the tools, jmods,
# sources, man pages, legal texts.
mkdir -p "$ROOT$JDK"
(cd "$JDK" && tar -chf - --exclude=src.zip --exclude=ct.sym --exclude='*.diz' --exclude=classes_nocoops.jsa \
	bin/java lib conf release 2>/dev/null) | tar -C "$ROOT$JDK" -xf - ||
	die "cannot copy the JDK from $JDK"
while read -r so; do
	add_elf "$so" "${so}"
done < <(find "$JDK/bin/java" "$JDK/lib" -name java -o -name '*.so' | sort)
ln -sf "$JDK/bin/java" "$ROOT/usr/bin/java"
# glibc and the JVM look these up.
echo "root:x:0:0:root:/root:/bin/sh" >"$ROOT/etc/passwd"
echo "root:x:0:" >"$ROOT/etc/group"
echo "127.0.0.1 localhost tmprof-guest" >"$ROOT/etc/hosts"
mkdir -p "$ROOT/root"

(cd "$ROOT" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) >"$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "mkinitramfs: $OUT $(du -m "$OUT" | cut -f1) MiB"
