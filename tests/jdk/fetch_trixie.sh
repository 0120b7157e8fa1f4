#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Builds a minimal Debian trixie root holding OpenJDK 21 and 25 in
# /var/cache/tmprof-test/trixie-root. Their packages need glibc 2.38, newer
# than the host's bookworm, so they run there under chroot (tests/jdk/java.sh).
# Idempotent: a stamp file marks a finished root; a half-built one is redone.
# Uses the same Debian mirror host as the host's apt sources; never touches
# the host's apt configuration.
set -euo pipefail

CACHE=${TMPROF_TEST_CACHE:-/var/cache/tmprof-test}
ROOT=$CACHE/trixie-root
STAMP=$CACHE/trixie-root.done
# libc6-dbg: trixie's libc is stripped; its debug files name start_thread and
# the other libc frames at the root of every thread.
PACKAGES="openjdk-21-jdk-headless openjdk-25-jdk-headless libc6-dbg"

die() { echo "fetch_trixie: $*" >&2; exit 1; }

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$PACKAGES" ] &&
   [ -x "$ROOT/usr/lib/jvm/java-21-openjdk-amd64/bin/java" ] &&
   [ -x "$ROOT/usr/lib/jvm/java-25-openjdk-amd64/bin/java" ]; then
    exit 0
fi
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"

# The mirror host the host already uses (deb822 URIs: or one-line deb form).
mirror=$(grep -rhoE '^(URIs:[[:space:]]*|deb[[:space:]]+)https?://[^[:space:]]+/debian/?' \
             /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
         grep -oE 'https?://[^[:space:]]+' | grep -v security | head -1) || true
[ -n "$mirror" ] || die "no Debian mirror found in /etc/apt/sources.list*"

if ! command -v debootstrap >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=600 install -y -q debootstrap >/dev/null || die "apt-get install debootstrap failed"
fi

mkdir -p "$CACHE"
rm -f "$STAMP"
# A root from an interrupted run may be unusable; start it afresh.
if [ -d "$ROOT" ] && [ ! -f "$ROOT/.debootstrap-done" ]; then
    umount -R "$ROOT/proc" 2>/dev/null || true
    rm -rf --one-file-system "$ROOT"
fi
if [ ! -f "$ROOT/.debootstrap-done" ]; then
    debootstrap --variant=minbase trixie "$ROOT" "$mirror" ||
        die "debootstrap trixie from $mirror failed"
    touch "$ROOT/.debootstrap-done"
fi

echo "deb $mirror trixie main" > "$ROOT/etc/apt/sources.list"
# apt inside the chroot needs /proc for some maintainer scripts.
mount -t proc proc "$ROOT/proc" 2>/dev/null || true
trap 'umount "$ROOT/proc" 2>/dev/null || true' EXIT
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive apt-get update -q ||
    die "apt-get update inside $ROOT failed"
# shellcheck disable=SC2086
chroot "$ROOT" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends $PACKAGES ||
    die "apt-get install $PACKAGES inside $ROOT failed"
chroot "$ROOT" apt-get clean
for v in 21 25; do
    "$ROOT/usr/lib/jvm/java-$v-openjdk-amd64/bin/java" -version >/dev/null 2>&1 ||
        chroot "$ROOT" /usr/lib/jvm/java-$v-openjdk-amd64/bin/java -version >/dev/null 2>&1 ||
        die "java $v in $ROOT does not run"
done
echo "$PACKAGES" > "$STAMP"
echo "fetch_trixie: $ROOT ready ($PACKAGES)"
