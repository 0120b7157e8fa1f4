#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: profile the stand-in TaskManager and compare with its own clock.
#
# The stand-in (tests/workloads) runs four task threads with different duty
# cycles and rewrites a "truth" file every 200 ms with each task thread's
# cumulative CPU time (ThreadMXBean). tmprof records it for 10 s at 499 Hz;
# then:
#  1. each task thread's share of the task-thread samples is within
#     +-2 percentage points of its share of task-thread CPU over the window,
#  2. >= 99 % of task-thread samples reach the thread's root frame,
#  3. >= 99 % of JIT frames are named,
#  4. the Flink frames (StreamTask.invoke, ... , the user map function) appear,
#     root first, in call order.
# Usage: tests/e2e/cpu_profile.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all

DURATION=10
FREQ=499
MAX_SHARE_DIFF_PP=2
MIN_ROOT_PCT=99
MIN_JIT_NAMED_PCT=99
# The outermost frame of a complete stack of a JVM-created thread (frames are
# root first: the first frame after the thread frame). glibc's clone3/clone
# are written in assembly without a frame record, so a frame-pointer walk of
# a correct stack stops at start_thread (glibc) -- the first C frame of every
# pthread -- or, if start_thread was inlined/unsymbolised, at HotSpot's
# thread_native_entry. clone/clone3 are accepted for unwinders (DWARF) that
# get one frame further. Anything else (a JIT frame, "[unknown] (...)",
# Interpreter, JavaCalls::call_helper...) means the walk stopped early.
ROOT_RE='^(start_thread|thread_native_entry|clone3|__clone3|clone|__clone)$'

TRUTH="$E2E_TMP/truth.tsv"
OUT="$E2E_TMP/tm.folded"

start_tm tm "$MAIN_STANDALONE" on -- --truth "$TRUTH"
if ! wait_ready "$TM_PID" "$TM_OUT" 60; then
	not_ok "stand-in TaskManager did not print ready within 60 s ($(tail -n 3 "$E2E_TMP/tm.err" | tr '\n' ' '))"
	finish
fi
sleep 5 # JIT warm-up: the hot path gets compiled before the recording

# Keep every truth snapshot seen during the recording (one per 200 ms), so
# the ones nearest to the sampling window can be picked afterwards.
cp "$TRUTH" "$E2E_TMP/truth.start"
T0=$EPOCHREALTIME
run_tmprof $((DURATION + 60)) record -p "$TM_PID" -d "$DURATION" -F "$FREQ" -o "$OUT" --stats
T1=$EPOCHREALTIME
cp "$TRUTH" "$E2E_TMP/truth.end"

if [ "$RC" -ne 0 ]; then
	not_ok "tmprof record -p PID -d $DURATION -F $FREQ exit $RC, expected 0 (stderr: $(head -c 400 "$E2E_TMP/tmprof.err" | tr '\n' ' '))"
else
	ok "tmprof record -p PID -d $DURATION -F $FREQ exit 0 (wall $(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.1f", b-a}') s)"
fi
if [ ! -s "$OUT" ]; then
	not_ok "output $OUT missing or empty"
	finish
fi
stats=$(grep '^stats:' "$E2E_TMP/tmprof.err")
if printf '%s\n' "$stats" | grep -Eqx 'stats: samples=[0-9]+ lost=[0-9]+ duration_s=[0-9.]+ agent_cpu_ms=[0-9]+ max_rss_kb=[0-9]+'; then
	ok "--stats line: $stats"
else
	not_ok "--stats: expected one line 'stats: samples=N lost=N duration_s=F agent_cpu_ms=N max_rss_kb=N', got '$stats'"
fi
if grep -q PreserveFramePointer "$E2E_TMP/tmprof.err"; then
	not_ok "PreserveFramePointer warning printed for a JVM started with -XX:+PreserveFramePointer"
fi

# One target: no process frame expected, but strip one if present.
folded_strip_process "$OUT" >"$E2E_TMP/norm.folded"
OUT="$E2E_TMP/norm.folded"

# Task thread names, from the truth file.
awk -F'\t' '$2 != "total_ops" { print $2 }' "$E2E_TMP/truth.end" >"$E2E_TMP/tasks"
folded_by_thread "$OUT" >"$E2E_TMP/by_thread"
total=$(folded_total "$OUT")
echo "# samples in output: $total"
sort -rn "$E2E_TMP/by_thread" | head -n 12 | sed 's/^/#   /'

# 1. shares: samples vs ThreadMXBean CPU over the recording.
awk -F'\t' -v maxd="$MAX_SHARE_DIFF_PP" -v tn="$TEST_NAME" '
	FILENAME == ARGV[1] { task[$1] = 1; order[++nt] = $1; next }
	FILENAME == ARGV[2] { if ($2 in task) c0[$2] = $3; t0 = $1; next }
	FILENAME == ARGV[3] { if ($2 in task) c1[$2] = $3; t1 = $1; next }
	{ if ($2 in task) s[$2] += $1 }
	END {
		for (i = 1; i <= nt; i++) { n = order[i]; d[n] = c1[n] - c0[n]; cpu += d[n]; ss += s[n] }
		printf "# truth window %.2f s, task-thread CPU %.2f s, task-thread samples %d\n", (t1 - t0) / 1e9, cpu / 1e9, ss
		if (ss == 0 || cpu <= 0) { printf "not ok - %s: no task-thread samples (%d) or no task CPU (%d ns); are thread names resolved?\n", tn, ss, cpu; exit }
		for (i = 1; i <= nt; i++) {
			n = order[i]; ps = 100 * s[n] / ss; pt = 100 * d[n] / cpu; diff = ps - pt
			ad = diff < 0 ? -diff : diff
			printf "%s - %s: share of \"%s\": samples %.2f %% (%d) vs ThreadMXBean %.2f %% (%.0f ms), diff %+.2f pp (limit %d)\n",
				(ad <= maxd ? "ok" : "not ok"), tn, n, ps, s[n], pt, d[n] / 1e6, diff, maxd
		}
	}' "$E2E_TMP/tasks" "$E2E_TMP/truth.start" "$E2E_TMP/truth.end" "$E2E_TMP/by_thread" >"$E2E_TMP/shares"
cat "$E2E_TMP/shares"
grep -q '^not ok' "$E2E_TMP/shares" && E2E_FAILED=1

# Only the task threads' stacks, for checks 2-4.
awk -F'\t' 'FILENAME == ARGV[1] { task["[" $1 " tid="] = 1; next }
	{ t = $0; sub(/tid=.*/, "tid=", t); if (t in task) print }' "$E2E_TMP/tasks" "$OUT" >"$E2E_TMP/task.folded"

# 2. stacks reach the thread root.
awk -v re="$ROOT_RE" -v min="$MIN_ROOT_PCT" -v tn="$TEST_NAME" '{
		c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		all += c
		if (n >= 2 && f[2] ~ re) good += c; else bad[n >= 2 ? f[2] : "<none>"] += c
	} END {
		if (all == 0) { printf "not ok - %s: no task-thread samples to check roots\n", tn; exit }
		p = 100 * good / all
		printf "%s - %s: %.2f %% of %d task-thread samples reach the thread root (limit %d %%)\n",
			(p >= min ? "ok" : "not ok"), tn, p, all, min
		for (k in bad) printf "#   outermost frame %s: %d samples\n", k, bad[k]
	}' "$E2E_TMP/task.folded" | head -n 12 >"$E2E_TMP/roots"
cat "$E2E_TMP/roots"
grep -q '^not ok' "$E2E_TMP/roots" && E2E_FAILED=1

# 3. JIT frames named: named frames end _[j] (compiled) or _[0] (interpreted),
# unnamed JIT code is "[unknown] ([anon])". Counted per frame occurrence,
# weighted by the stack's count.
awk -v min="$MIN_JIT_NAMED_PCT" -v tn="$TEST_NAME" '{
		c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		for (i = 2; i <= n; i++) {
			if (f[i] ~ /_\[(j|0)\]$/) named += c
			else if (f[i] == "[unknown] ([anon])") unnamed += c
		}
	} END {
		all = named + unnamed
		if (all == 0) { printf "not ok - %s: no JIT frames at all in task-thread stacks\n", tn; exit }
		p = 100 * named / all
		printf "%s - %s: %.2f %% of %d JIT frames named (%d \"[unknown] ([anon])\"; limit %d %%)\n",
			(p >= min ? "ok" : "not ok"), tn, p, all, unnamed, min
	}' "$E2E_TMP/task.folded" >"$E2E_TMP/jit"
cat "$E2E_TMP/jit"
grep -q '^not ok' "$E2E_TMP/jit" && E2E_FAILED=1

# 4. Flink frames, and their order root -> leaf in at least one stack.
for fr in org.apache.flink.streaming.runtime.tasks.StreamTask.invoke \
	org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor.runMailboxLoop \
	org.apache.flink.streaming.runtime.io.StreamOneInputProcessor.processInput \
	org.apache.flink.streaming.api.operators.StreamMap.processElement \
	com.example.jobs.HashingMapper.map; do
	re="^$(printf '%s' "$fr" | sed 's/\./\\./g')_\\[(j|0)\\]\$"
	n=$(folded_samples_with "$E2E_TMP/task.folded" "$re")
	if [ "$n" -gt 0 ]; then ok "frame ${fr}_[j] in $n task-thread samples"; else not_ok "frame ${fr}_[j] not found"; fi
done
ordered=$(awk '{
		s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";"); k = 1
		want[1] = "StreamTask.invoke_"; want[2] = "MailboxProcessor.runMailboxLoop_"
		want[3] = "StreamOneInputProcessor.processInput_"; want[4] = "StreamMap.processElement_"
		want[5] = "HashingMapper.map_"
		for (i = 2; i <= n && k <= 5; i++) if (index(f[i], want[k])) k++
		if (k > 5) m += $NF
	} END { print m + 0 }' "$E2E_TMP/task.folded")
if [ "$ordered" -gt 0 ]; then
	ok "root-first call order Task thread -> StreamTask.invoke -> runMailboxLoop -> processInput -> StreamMap.processElement -> HashingMapper.map in $ordered samples"
else
	not_ok "no stack with StreamTask.invoke -> runMailboxLoop -> processInput -> StreamMap.processElement -> HashingMapper.map in root-first order"
fi

# Non-task Flink threads should be named too (mostly sleeping: may have few samples).
if grep -q '^\[Source: Numbers -> Map (1/2)#0 tid=' "$OUT"; then
	ok "full Flink thread names (longer than the 15-character comm) in the thread frames"
else
	not_ok "thread frame \"[Source: Numbers -> Map (1/2)#0 tid=N]\" not found"
fi

finish
