#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# CPU categories benchmark: agent CPU per 1000 samples with the category
# label on (the default rules) and off (--no-categories), side by side: two
# `tmprof record --stats` of the same targets at the same time, so both see
# the same load. Targets: the CategoryMix stand-in (Java, JNI and kernel
# stacks in every category) and tests/e2e/many_stacks.c (a new user stack
# per round: many distinct stacks, the worst case for a per-stack cache).
# The category is decided once per distinct stack when the profile is built
# (agent/core/sample_category.c), so the difference is per distinct stack,
# not per sample. Prints figures; no pass/fail.
# Usage: tests/bench_categories.sh [BUILD_DIR]   (make bench)
# Environment: BENCH_PAIRS (3), BENCH_SECONDS (15), BENCH_FREQ (499).

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
. "$(dirname "$0")/bench_lib.sh"
TEST_NAME=bench_categories # shellcheck disable=SC2034

PAIRS=${BENCH_PAIRS:-3}
SECS=${BENCH_SECONDS:-15}
FREQ=${BENCH_FREQ:-499}
JNI_LIB="$WORKLOADS/librocksdbjni-linux64.so"

bench_init bench_categories
[ -f "$JNI_LIB" ] || bench_die "no $JNI_LIB (make workloads)"
bench_header
gcc -O0 -g -fno-omit-frame-pointer -pthread -o "$E2E_TMP/many_stacks" "$REPO/tests/e2e/many_stacks.c" ||
	bench_die "cannot compile tests/e2e/many_stacks.c"
start_java catmix tmprof.workload.CategoryMix -XX:+PreserveFramePointer -Xms64m -Xmx256m \
	"-Dtmprof.rocksdbjni=$JNI_LIB" -- --truth "$E2E_TMP/truth" --warmup 4
CM_PID=$JAVA_PID
wait_ready "$CM_PID" "$E2E_TMP/catmix.out" 90 || bench_die "CategoryMix did not start"
"$E2E_TMP/many_stacks" $(((SECS + 60) * PAIRS)) >"$E2E_TMP/many.out" 2>&1 &
MS_PID=$!
track "$MS_PID"
wait_ready "$MS_PID" "$E2E_TMP/many.out" 30 || bench_die "many_stacks did not start"

# one NAME ARGS...: a recording in the background; its --stats line later.
one() {
	local name=$1
	shift
	"$TMPROF" record -p "$CM_PID,$MS_PID" -e cpu -d "$SECS" -F "$FREQ" --stats "$@" \
		-o "$E2E_TMP/$name.folded" >/dev/null 2>"$E2E_TMP/$name.err" &
	RUNS+=("$!")
}
# figure NAME: "samples agent_cpu_ms" of its --stats line.
figure() {
	sed -n 's/^stats: samples=\([0-9]*\) .* agent_cpu_ms=\([0-9]*\) .*/\1 \2/p' "$E2E_TMP/$1.err"
}

echo
echo "== agent CPU per 1000 samples, categories on vs off ($PAIRS side-by-side pairs, $SECS s at $FREQ Hz)"
for i in $(seq 1 "$PAIRS"); do
	# Which one starts first alternates.
	RUNS=()
	if [ $((i % 2)) -eq 1 ]; then
		one on; one off --no-categories
	else
		one off --no-categories; one on
	fi
	wait "${RUNS[@]}"
	read -r n_on ms_on < <(figure on)
	read -r n_off ms_off < <(figure off)
	if [ -z "$n_on" ] || [ -z "$n_off" ] || [ "$n_on" -eq 0 ] || [ "$n_off" -eq 0 ]; then
		echo "   pair $i: no --stats figures ($(tail -n 1 "$E2E_TMP/on.err") / $(tail -n 1 "$E2E_TMP/off.err"))"
		continue
	fi
	stacks=$(wc -l <"$E2E_TMP/on.folded")
	awk -v i="$i" -v n1="$n_on" -v m1="$ms_on" -v n0="$n_off" -v m0="$ms_off" -v st="$stacks" \
		-v ld="$(cut -d" " -f1 /proc/loadavg)" 'BEGIN {
		on = 1000 * m1 / n1; off = 1000 * m0 / n0
		printf "   pair %d: on %.2f ms/1000 samples (%d ms, %d samples, %d distinct stacks)  off %.2f ms/1000 samples (%d ms, %d samples)  on-off %+.2f ms/1000 samples  load %s\n",
			i, on, m1, n1, st, off, m0, n0, on - off, ld }'
	echo "$ms_on $n_on $ms_off $n_off" >>"$E2E_TMP/pairs"
done
if [ -s "$E2E_TMP/pairs" ]; then
	awk '{ m1 += $1; n1 += $2; m0 += $3; n0 += $4 }
		END { printf "   all pairs: on %.2f, off %.2f ms per 1000 samples (difference %+.2f)\n", 1000 * m1 / n1, 1000 * m0 / n0, 1000 * m1 / n1 - 1000 * m0 / n0 }' "$E2E_TMP/pairs"
fi
