#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Flame graph rendering benchmark: 1M samples over 100k unique stacks
# (tests/gen_folded.awk, deterministic), rendered to SVG and to HTML with
# BUILD/tmprof flamegraph. Prints wall time and peak RSS of each; the
# targets are <= 1 s and <= 200 MB. Figures only, never a failure.
# Usage: tests/bench_flamegraph.sh [BUILD_DIR]

set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$PWD/$BUILD" ;; esac
TMPROF="$BUILD/tmprof"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tmprof-bench-fg.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

if [ ! -x "$TMPROF" ] || ! "$TMPROF" flamegraph --help >/dev/null 2>&1; then
	echo "bench_flamegraph: no '$TMPROF flamegraph' (run make); skipped"
	exit 0
fi
awk -v stacks=100000 -f "$REPO/tests/gen_folded.awk" >"$TMP/in.folded"
awk '{ s += $NF } END { printf "bench_flamegraph: input %d stacks, %d samples, %.1f MB\n", NR, s, 0 }' "$TMP/in.folded" |
	sed "s/0\.0 MB/$(du -m "$TMP/in.folded" | cut -f1) MB/"

# measure NAME OUT: wall seconds and peak RSS from GNU time, or getrusage
# through bash's times when /usr/bin/time is missing.
measure() {
	local name=$1 out=$2 t0 t1
	if [ -x /usr/bin/time ]; then
		/usr/bin/time -f '%e %M' -o "$TMP/time" "$TMPROF" flamegraph "$TMP/in.folded" -o "$out" 2>"$TMP/err" >/dev/null
		read -r wall rss <"$TMP/time"
		printf 'bench_flamegraph: %-4s wall %6.2f s  peak RSS %6.1f MB  output %6.1f MB\n' "$name" "$wall" \
			"$(echo "$rss" | awk '{ print $1 / 1024 }')" "$(du -k "$out" | awk '{ print $1 / 1024 }')"
	else
		t0=$(date +%s.%N)
		"$TMPROF" flamegraph "$TMP/in.folded" -o "$out" 2>"$TMP/err" >/dev/null
		t1=$(date +%s.%N)
		printf 'bench_flamegraph: %-4s wall %6.2f s  peak RSS n/a (install time)\n' "$name" "$(echo "$t0 $t1" | awk '{ print $2 - $1 }')"
	fi
}
measure svg "$TMP/out.svg"
measure html "$TMP/out.html"
echo "bench_flamegraph: targets: wall <= 1 s, peak RSS <= 200 MB each"
