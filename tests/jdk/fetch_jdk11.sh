#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetches OpenJDK 11 (Debian bullseye's openjdk-11-jre-headless and
# openjdk-11-jdk-headless) into /var/cache/tmprof-test/jdk11, so that
#   JAVA_HOME=/var/cache/tmprof-test/jdk11/usr/lib/jvm/java-11-openjdk-amd64
# runs on this Debian 12 host. Bullseye's JDK 11 needs nothing newer than
# bookworm's glibc, so its binaries run here as they are.
#
# Why a private apt configuration: the host's sources list is bookworm's and
# must not change (CI machines and developers' hosts are not ours to alter).
# apt-get reads a sources list, a state dir and a cache dir of our own under
# the cache folder; it uses the same mirror host as the host's own sources.
#
# Why the conf/ copy: Debian's package ships JAVA_HOME/conf/* as symlinks into
# /etc/java-11-openjdk, which is not installed here; dpkg -x extracts /etc too,
# so the links are replaced by the extracted files.
#
# Idempotent: a stamp file records a complete fetch; a second run only checks
# that java starts. Any failure exits non-zero with one line saying what.
# Usage: tests/jdk/fetch_jdk11.sh [CACHE_DIR]   (default /var/cache/tmprof-test/jdk11)
set -euo pipefail

DEST=${1:-/var/cache/tmprof-test/jdk11}
JH="$DEST/usr/lib/jvm/java-11-openjdk-amd64"
STAMP="$DEST/.complete"
PKGS=(openjdk-11-jre-headless openjdk-11-jdk-headless)

die() { echo "fetch_jdk11: $*" >&2; exit 1; }

check_java() {
	"$JH/bin/java" -version 2>&1 | grep -q 'version "11\.' ||
		die "$JH/bin/java does not run as JDK 11 (remove $DEST and retry)"
}

if [ -f "$STAMP" ] && [ -x "$JH/bin/java" ]; then
	check_java
	exit 0
fi
[ "$(id -u)" -eq 0 ] || die "needs root to write $DEST"
command -v apt-get >/dev/null && command -v dpkg >/dev/null || die "needs apt-get and dpkg (Debian)"

# The mirror the host already uses: first deb.debian.org-style URI found in
# the host's sources (deb822 "URIs:" or one-line "deb URI suite ...").
mirror=$({ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
	awk '/^URIs:/ && $2 ~ /debian\/?$/ && $2 !~ /security/ { print $2; exit }
	     /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { if ($i ~ /debian\/?$/ && $i !~ /security/) { print $i; exit } break } }')
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
mirror=${mirror%/}

APT="$DEST.apt"
rm -rf "$APT" "$DEST.tmp"
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$APT/etc/preferences.d" "$APT/debs" "$DEST.tmp"
cat >"$APT/etc/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror bullseye main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror}-security bullseye-security main
SRC
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || die "no /usr/share/keyrings/debian-archive-keyring.gpg (apt-get install debian-archive-keyring)"

# Only our own files: sources, lists, cache, no host sources.list.d nor
# preferences; the host's dpkg status is read but never written (download only).
apt_opts=(
	-o Dir::Etc::SourceList="$APT/etc/sources.list"
	-o Dir::Etc::SourceParts=/dev/null
	-o Dir::Etc::Preferences=/dev/null
	-o Dir::Etc::PreferencesParts="$APT/etc/preferences.d"
	-o Dir::State::Lists="$APT/lists"
	-o Dir::Cache="$APT/cache"
	-o APT::Architecture=amd64
	-o Acquire::Languages=none
	-o Debug::NoLocking=1
)
echo "fetch_jdk11: bullseye from $mirror into $DEST"
apt-get "${apt_opts[@]}" -q update >"$APT/update.log" 2>&1 ||
	{ cat "$APT/update.log" >&2; die "apt-get update of bullseye failed (mirror $mirror)"; }
(cd "$APT/debs" && apt-get "${apt_opts[@]}" -q download "${PKGS[@]}") >"$APT/download.log" 2>&1 ||
	{ cat "$APT/download.log" >&2; die "apt-get download ${PKGS[*]} failed"; }
for p in "${PKGS[@]}"; do
	deb=$(ls "$APT/debs/${p}_"*.deb 2>/dev/null | head -1)
	[ -n "$deb" ] || die "no .deb for $p after download"
	dpkg -x "$deb" "$DEST.tmp" || die "dpkg -x $deb failed"
done

# conf/ links point into /etc/java-11-openjdk: replace each with the copy
# dpkg -x put under DEST.tmp/etc (relative to the new root, not the host).
# Other absolute links (lib/security/cacerts -> /etc/ssl/certs/java/cacerts,
# from ca-certificates-java) are left as they are: the JVM runs without them.
tjh="$DEST.tmp/usr/lib/jvm/java-11-openjdk-amd64"
[ -d "$tjh/conf" ] || die "no conf/ in the extracted JDK"
nconf=0
while IFS= read -r -d '' link; do
	target=$(readlink "$link")
	case "$target" in /*) ;; *) continue ;; esac
	src="$DEST.tmp$target"
	[ -e "$src" ] || die "conf link $link -> $target: no $src in the packages"
	rm -f "$link"
	cp -a "$src" "$link"
	nconf=$((nconf + 1))
done < <(find "$tjh/conf" -type l -print0)
[ "$nconf" -gt 0 ] || die "no conf/ link replaced (package layout changed?)"
# jvm.cfg and friends under lib/ may also point into /etc: same treatment
# where the packages carry the target.
while IFS= read -r -d '' link; do
	target=$(readlink "$link")
	case "$target" in /etc/*) ;; *) continue ;; esac
	[ -e "$DEST.tmp$target" ] || continue
	rm -f "$link"
	cp -a "$DEST.tmp$target" "$link"
done < <(find "$tjh" -type l -print0)
if find "$tjh/conf" -type l | grep -q .; then die "conf/ still has links"; fi

rm -rf "$DEST"
mv "$DEST.tmp" "$DEST"
check_java
"$JH/bin/javac" -version >/dev/null 2>&1 || die "$JH/bin/javac does not run"
rm -rf "$APT"
date -u +%FT%TZ >"$STAMP"
echo "fetch_jdk11: $("$JH/bin/java" -version 2>&1 | head -1) in $JH"
