#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs every test of tmprof and ends with the line "N passed, N failed"
# (CI parses it); exits non-zero if anything failed.
#   1. every BUILD/tests/test_* (cmocka unit binaries): cases counted from
#      their "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)" lines; a
#      binary that crashes or exits non-zero without a failure count counts
#      as one failure.
#   2. every tests/e2e/*.sh (not lib.sh): "ok - ..." / "not ok - ..." lines;
#      a script that exits non-zero without a "not ok" line counts as one
#      failure. Skips ("ok - # SKIP") count as passed and are listed.
#   3. with KERNEL_MATRIX=1 (CI): make test-kernels, the BPF programs and
#      tmprof on Debian's 5.10, 6.1 and 6.12 kernels under qemu.
#   4. with HARDENING=1 (CI): lint, fuzz-regress, fuzz-ci and the whole
#      suite again under ASan + UBSan, counted in the same summary.
# The E2E scripts need root, BPF and a JVM; with CI=true (exported as is)
# they fail instead of skipping when those are missing.
# Usage: tests/run.sh [BUILD_DIR]   (default: build)

set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$PWD/$BUILD" ;; esac
UNIT_TIMEOUT=${UNIT_TIMEOUT:-300}
E2E_TIMEOUT=${E2E_TIMEOUT:-600}

passed=0
failed=0
skipped=0
failures=()
skips=()
# "SECONDS NAME" per e2e script and hardening step, printed slowest first at
# the end so that the next change that stretches CI past its hour shows up.
timings=()
log=$(mktemp "${TMPDIR:-/tmp}/tmprof-run.XXXXXX")
trap 'rm -f "$log"' EXIT

echo "== unit tests ($BUILD/tests)"
nbin=0
for bin in "$BUILD"/tests/test_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	nbin=$((nbin + 1))
	name=$(basename "$bin")
	echo "-- $name"
	timeout -k 10 "$UNIT_TIMEOUT" "$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(awk '/^\[  PASSED  \] [0-9]+ test\(s\)/ { n += $4 } END { print n + 0 }' "$log")
	f=$(awk '/^\[  FAILED  \] [0-9]+ test\(s\)/ { n += $4 } END { print n + 0 }' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	# Names of failed cases: "[  FAILED  ] name" lines after "listed below".
	while IFS= read -r c; do
		failures+=("$name: $c")
	done < <(awk '/^\[  FAILED  \] [0-9]+ test\(s\), listed below/ { l = 1; next }
		l && /^\[  FAILED  \] / { sub(/^\[  FAILED  \] /, ""); if (!seen[$0]++) print }' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then why="timed out after ${UNIT_TIMEOUT}s"
		elif [ "$rc" -gt 128 ]; then why="killed by signal $((rc - 128))"
		else why="exit $rc"; fi
		failures+=("$name: $why")
		echo "-- $name: $why"
	fi
done
[ "$nbin" -gt 0 ] || echo "(no unit test binaries in $BUILD/tests)"

echo "== end-to-end tests (tests/e2e)"
for script in "$REPO"/tests/e2e/*.sh; do
	name=$(basename "$script")
	[ "$name" = lib.sh ] && continue
	echo "-- $name"
	t0=$(date +%s)
	limit=$E2E_TIMEOUT
	# Four JDKs, each through three scripts' checks.
	[ "$name" = jdk_matrix.sh ] && limit=$((E2E_TIMEOUT * 3))
	timeout -k 10 "$limit" bash "$script" "$BUILD" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(grep -c '^ok ' "$log")
	s=$(grep -c '^ok - # SKIP' "$log")
	f=$(grep -c '^not ok ' "$log")
	passed=$((passed + p))
	skipped=$((skipped + s))
	failed=$((failed + f))
	while IFS= read -r c; do failures+=("$name: $c"); done < <(grep '^not ok ' "$log" | sed 's/^not ok - //')
	while IFS= read -r c; do skips+=("$name: $c"); done < <(grep '^ok - # SKIP' "$log" | sed 's/^ok - # SKIP //')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then why="timed out after ${limit}s"; else why="exit $rc without a 'not ok' line"; fi
		failures+=("$name: $why")
	fi
	timings+=("$(( $(date +%s) - t0 )) $name")
done

# 4. Hardening (HARDENING=1; CI sets it): static analysis, the fuzzers'
# crash regressions, every fuzzer for FUZZ_CI_SECONDS, and the whole suite
# again built with AddressSanitizer + UBSan (its own build directory). Each
# step counts as tests in the same summary.
# step NAME CMD...: runs CMD; its "N passed, N failed" line is added if it
# prints one, else the step is one test passed or failed by its exit code.
step() {
	local name=$1 p f rc t0
	shift
	echo "-- $name"
	t0=$(date +%s)
	"$@" </dev/null 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\2/p' "$log" | tail -n 1)
	if [ -n "$p" ]; then
		passed=$((passed + p))
		failed=$((failed + f))
		[ "$f" -eq 0 ] || failures+=("$name: $f failed (see above)")
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); failures+=("$name: exit $rc"); fi
	elif [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$name: exit $rc")
	fi
	timings+=("$(( $(date +%s) - t0 )) $name")
}
# 3. The kernel matrix (KERNEL_MATRIX=1; CI sets it): make test-kernels
# boots Debian's 5.10, 6.1 and 6.12 cloud kernels under qemu with this
# build inside (tests/kernels/run.sh); one test, failed if any cell fails.
if [ "${KERNEL_MATRIX:-0}" = 1 ]; then
	echo "== kernel matrix"
	cd "$REPO" || exit 1
	step "kernel matrix (make test-kernels)" make -s BUILD="$BUILD" test-kernels
fi
if [ "${HARDENING:-0}" = 1 ]; then
	echo "== hardening"
	cd "$REPO" || exit 1
	step "lint (clang-tidy, cppcheck)" make -s lint
	step "fuzz-regress" make -s fuzz-regress
	# Two harnesses at once: CI has the machine's two cores to itself.
	step "fuzz-ci (${FUZZ_CI_SECONDS:-10} s per harness)" make -s -j2 fuzz-ci
	step "sanitizers: build" make -s -j2 BUILD="$BUILD/asan" SANITIZE=1 all unit e2e
	step "sanitizers: whole suite (ASan + UBSan)" env HARDENING=0 KERNEL_MATRIX=0 \
		ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		tests/run.sh "$BUILD/asan"
fi

echo "=="
echo "time per script and step, slowest first (s):"
# Those of 10 s or more, then the rest as one sum: where the budget goes.
printf '%s\n' "${timings[@]}" | sort -rn | awk '$1 >= 10 { print "  " $0; next } { n++; t += $1 }
	END { if (n) printf "  %d in %d others (under 10 s each)\n", t, n }'
if [ "$skipped" -gt 0 ]; then
	echo "skipped ($skipped, counted as passed):"
	for s in "${skips[@]}"; do echo "  $s"; done
fi
if [ "${#failures[@]}" -gt 0 ]; then
	echo "failed:"
	for f in "${failures[@]}"; do echo "  $f"; done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
