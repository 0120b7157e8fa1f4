#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetches one Debian cloud kernel package and unpacks it into the cache:
#   tests/kernels/fetch_kernel.sh SUITE        (bullseye, bookworm, trixie)
# prints the directory it unpacked to, which holds
#   vmlinuz        the kernel image
#   modules/       lib/modules/<release> of the same package
#   release        the kernel release (uname -r in the guest)
#   package        the concrete package name and version
#
# The metapackage linux-image-cloud-amd64 of SUITE is resolved to the
# concrete image package (linux-image-<abi>-cloud-amd64) through a PRIVATE
# apt configuration (sources list, lists, cache and an empty dpkg status of
# its own under the cache folder): the host's apt setup is never touched.
# The mirror is the one the host's own sources use.
#
# Cache: $KERNEL_CACHE (default /var/cache/tmprof-test/kernels), created on
# demand. A suite already unpacked there is reused without any network
# access; KERNELS_REFRESH=1 resolves the metapackage again (a newer ABI is
# fetched next to the old one).
# Exit 0 with the directory on stdout; non-zero with one line on stderr.

set -euo pipefail

SUITE=${1:?usage: fetch_kernel.sh SUITE}
CACHE=${KERNEL_CACHE:-/var/cache/tmprof-test/kernels}
META=linux-image-cloud-amd64

die() { echo "fetch_kernel: $SUITE: $*" >&2; exit 1; }

mkdir -p "$CACHE" || die "cannot create $CACHE"
current="$CACHE/$SUITE.current"
if [ "${KERNELS_REFRESH:-0}" != 1 ] && [ -s "$current" ]; then
	dir=$(cat "$current")
	if [ -s "$dir/vmlinuz" ] && [ -d "$dir/modules" ] && [ -s "$dir/release" ]; then
		echo "$dir"
		exit 0
	fi
fi

# The host's Debian mirror (deb822 or one-line format); deb.debian.org if none.
mirror=$(grep -hoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list \
	/etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1 | tr -d ' ' || true)
mirror=${mirror%/}
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
security=${mirror%/debian}/debian-security

apt_dir="$CACHE/apt-$SUITE"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/etc/preferences.d" "$apt_dir/etc/sources.list.d"
cat >"$apt_dir/etc/sources.list" <<EOF
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $SUITE main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $security $SUITE-security main
EOF
: >"$apt_dir/status"
APT_OPTS=(
	-o "Dir::Etc::SourceList=$apt_dir/etc/sources.list"
	-o "Dir::Etc::SourceParts=$apt_dir/etc/sources.list.d"
	-o "Dir::Etc::Preferences=$apt_dir/etc/preferences"
	-o "Dir::Etc::PreferencesParts=$apt_dir/etc/preferences.d"
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::State::status=$apt_dir/status"
	-o "Dir::Cache=$apt_dir"
	-o "Dir::Cache::Archives=$apt_dir/archives"
	-o "APT::Architecture=amd64"
	-o "APT::Architectures=amd64"
	-o "Acquire::Languages=none"
	-o "Debug::NoLocking=1"
)

apt-get "${APT_OPTS[@]}" -qq update >"$apt_dir/update.log" 2>&1 ||
	die "apt-get update from $mirror failed: $(grep -m1 -E '^(E|W):' "$apt_dir/update.log" || tail -n 1 "$apt_dir/update.log")"

# linux-image-cloud-amd64 depends on exactly one linux-image-<abi>-cloud-amd64.
pkg=$(apt-cache "${APT_OPTS[@]}" depends "$META" 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)\( .*\)\{0,1\}$/\1/p' | head -n 1)
[ -n "$pkg" ] || die "cannot resolve $META to a concrete image package"
ver=$(apt-cache "${APT_OPTS[@]}" policy "$pkg" | sed -n 's/^ *Candidate: //p')
[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no candidate version of $pkg"

dir="$CACHE/$SUITE/$pkg"
if ! [ -s "$dir/vmlinuz" ]; then
	dl="$apt_dir/download"
	rm -rf "$dl" && mkdir -p "$dl"
	(cd "$dl" && apt-get "${APT_OPTS[@]}" -qq download "$pkg=$ver") >"$apt_dir/download.log" 2>&1 ||
		die "apt-get download $pkg=$ver failed: $(tail -n 1 "$apt_dir/download.log")"
	deb=$(ls "$dl"/*.deb)
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp/x"
	dpkg-deb -x "$deb" "$dir.tmp/x" || die "cannot unpack $deb"
	release=$(ls "$dir.tmp/x/lib/modules" 2>/dev/null | head -n 1 || true)
	[ -n "$release" ] || release=$(ls "$dir.tmp/x/usr/lib/modules" 2>/dev/null | head -n 1 || true)
	[ -n "$release" ] || die "$pkg has no lib/modules/<release>"
	mods="$dir.tmp/x/lib/modules/$release"
	[ -d "$mods" ] || mods="$dir.tmp/x/usr/lib/modules/$release"
	[ -s "$dir.tmp/x/boot/vmlinuz-$release" ] || die "$pkg has no boot/vmlinuz-$release"
	mv "$dir.tmp/x/boot/vmlinuz-$release" "$dir.tmp/vmlinuz"
	cp "$dir.tmp/x/boot/config-$release" "$dir.tmp/config" 2>/dev/null || true
	mv "$mods" "$dir.tmp/modules"
	echo "$release" >"$dir.tmp/release"
	echo "$pkg $ver" >"$dir.tmp/package"
	rm -rf "$dir.tmp/x" "$dl"
	# modules.dep is built by depmod at install time, not shipped: make it here.
	if [ ! -s "$dir.tmp/modules/modules.dep" ]; then
		mkdir -p "$dir.tmp/_root/lib/modules"
		ln -s "$dir.tmp/modules" "$dir.tmp/_root/lib/modules/$release"
		depmod -b "$dir.tmp/_root" "$release" || die "depmod failed for $release"
		rm -rf "$dir.tmp/_root"
	fi
	rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir" >"$current.tmp" && mv "$current.tmp" "$current"
echo "$dir"
