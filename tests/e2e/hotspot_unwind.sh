#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: full Java stacks WITHOUT -XX:+PreserveFramePointer, through
# tmprof's HotSpot-aware unwinder (`record --unwind hotspot`) and the naming
# of compiled (_[j]), inlined (_[i]) and interpreted (_[0]) frames from the
# JVM's memory. Every JVM here runs with -XX:-PreserveFramePointer.
#
#  1. Stand-in TaskManager (default mix, WITHOUT the dontinline options the
#     frame-pointer tests need: the Flink frames may be inlined), --unwind
#     hotspot, 10 s at 499 Hz:
#       - >= 99 % of task-thread samples reach the thread root (same root
#         definition as cpu_profile.sh) with every frame named (no
#         "[unknown] (...)", no bare address);
#       - the Flink frames StreamTask.invoke -> runMailboxLoop ->
#         processInput -> StreamMap.processElement -> HashingMapper.map, root
#         first, as _[j], _[i] or _[0].
#     The same JVM recorded with --unwind fp (contrast: figures only) and
#     --unwind auto (must behave like hotspot: >= 99 % complete stacks).
#  2. InlineHot (tests/workloads/tmprof/workload/InlineHot.java): one task
#     thread whose hot method has four small user functions inlined by C2
#     (-XX:CompileCommand=inline makes it independent of the order of
#     compilation), plus one method kept interpreted
#     (-XX:CompileCommand=exclude). The
#     workload measures each function's CPU itself (thread CPU clock around
#     phases; see InlineHot.java). A sample counts for function f when f is
#     the innermost of the five user functions in the stack (as _[i], _[j]
#     or _[0]); each function's share of the task thread's samples must be
#     within +-5 percentage points of its measured share of the thread's CPU
#     over the recording; the four compiled ones must show as _[i] (inlined)
#     in most of their samples; the interpreted one as _[0] and never as
#     compiled; >= 99 % complete stacks.
#  3. ClassChurn (tests/workloads/tmprof/workload/ClassChurn.java), ~20 s:
#     every ~0.5 s a new class loader defines tmprof.workload.Gen<N> (methods
#     work<N>, mix<N>), a NEW task thread "Source: Churn -> Map (1/1)#<N>"
#     runs it until C2 has compiled it, then the loader is dropped and the
#     class unloaded (System.gc(); the JVM's own class+unload log is kept).
#     The workload's log maps every task thread (tid) to its generation. A
#     stale name -- a name cached for an address (code cache, Method*,
#     Klass*) that now holds a later generation's code or metadata, or a
#     method named with another generation's class -- shows up as a Gen<M>
#     frame (class M, or method suffix M) in a thread of generation N != M.
#     Checks: no such frame in any sample; the thread frame's attempt number
#     (#N) is the thread's generation; almost every generation sampled
#     enough has its own work<N> frame named; classes were really unloaded
#     during the recording (else the check proves nothing); >= 99 % complete
#     stacks.
# Usage: tests/e2e/hotspot_unwind.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all
for c in InlineHot ClassChurn GenXXXXXX; do
	[ -f "$WORKLOADS/tmprof/workload/$c.class" ] || skip_all "workload $c not built in $WORKLOADS (make workloads)"
done

DURATION=10
FREQ=499
CHURN_DURATION=20
CONTRAST_DURATION=6
# tests/e2e/jdk_matrix.sh runs this once per JDK: shorter, no contrasts.
if [ -n "${E2E_QUICK:-}" ]; then
	DURATION=8
fi
MIN_COMPLETE_PCT=99
# Two bars can be widened for measurements (the JDK matrix no longer does,
# see jdk_matrix.sh): the figures are printed either way.
MAX_SHARE_DIFF_PP=${E2E_MAX_SHARE_DIFF_PP:-5}
MAX_STALE_PCT=${E2E_MAX_STALE_PCT:-0}   # % of ClassChurn samples with a stale Gen frame
MIN_INLINED_PCT=50      # of a compiled user function's samples, as _[i]
MIN_GEN_SAMPLES=20      # a generation with fewer samples is not checked for coverage
MIN_GEN_NAMED_PCT=90    # of generations with enough samples, own work<N> frame named
MIN_UNLOADED=5          # Gen classes unloaded during the churn recording
MIN_CHURN_NAMED_PCT=60  # ClassChurn samples named before their class went (timing: ~90 % on an
                        # idle machine, ~80 % under load; the bar is no stale name)
# Same root definition as cpu_profile.sh: the outermost frame (after the
# thread frame) of a complete stack of a JVM-created thread.
ROOT_RE='^(start_thread|thread_native_entry|clone3|__clone3|clone|__clone)$'
# A frame that is not named: tmprof's "[unknown] (module)" / "[unknown] ([anon])",
# an empty frame, or a bare address.
UNNAMED_RE='^(\[unknown\].*|0x[0-9a-fA-F]+|)$'
# JVM options shared by the three workloads: no frame pointers, small heaps.
JVM_OPTS=(-XX:-PreserveFramePointer -XX:CompileCommand=quiet -Xms64m -Xmx256m)

# ------------------------------------------------------------------ helpers

# record NAME PID DURATION UNWIND [extra tmprof args...]: tmprof record into
# E2E_TMP/NAME.folded (process frame stripped); stderr kept in
# E2E_TMP/NAME.err. ok/not_ok on the exit status; returns non-zero if there
# is no output to check.
record() {
	local name=$1 pid=$2 dur=$3 unwind=$4 t0 t1
	shift 4
	t0=$EPOCHREALTIME
	run_tmprof $((dur + 60)) record --unwind "$unwind" -p "$pid" -d "$dur" -F "$FREQ" \
		-o "$E2E_TMP/$name.raw.folded" --stats "$@"
	t1=$EPOCHREALTIME
	cp "$E2E_TMP/tmprof.err" "$E2E_TMP/$name.err"
	# --unwind fp on a JVM without Compiler.perfmap (JDK 11): no Java
	# names at all, which tmprof says and exits 5 for (README).
	if [ "$RC" -eq 5 ] && [ "$unwind" = fp ] && grep -q 'no Compiler.perfmap' "$E2E_TMP/$name.err"; then
		ok "$name: tmprof record --unwind fp exit 5 on a JVM without Compiler.perfmap (Java frames missing, as documented)"
	elif [ "$RC" -ne 0 ]; then
		not_ok "$name: tmprof record --unwind $unwind -p PID -d $dur -F $FREQ exit $RC, expected 0 (stderr: $(head -c 400 "$E2E_TMP/$name.err" | tr '\n' ' '))"
	else
		ok "$name: tmprof record --unwind $unwind -p PID -d $dur -F $FREQ exit 0 (wall $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s; $(grep -m1 '^stats:' "$E2E_TMP/$name.err"))"
	fi
	if [ ! -s "$E2E_TMP/$name.raw.folded" ]; then
		not_ok "$name: output missing or empty"
		return 1
	fi
	folded_strip_process "$E2E_TMP/$name.raw.folded" >"$E2E_TMP/$name.folded"
}

# stacks_of_threads NAMES_FILE FOLDED: the stacks whose thread frame is
# "[<name> tid=N]" with a name listed (one per line) in NAMES_FILE.
stacks_of_threads() {
	awk 'FILENAME == ARGV[1] { want["[" $0 " tid="] = 1; next }
		{ t = $0; sub(/ tid=.*/, " tid=", t); if (t in want) print }' "$1" "$2"
}

# stacks_of_tids TIDS_FILE FOLDED: the stacks whose thread frame has a tid listed.
stacks_of_tids() {
	awk 'FILENAME == ARGV[1] { want[$1] = 1; next }
		{ t = $0; sub(/\].*/, "", t); if (t !~ / tid=[0-9]+$/) next
		  sub(/.* tid=/, "", t); if (t in want) print }' "$1" "$2"
}

# complete LABEL FOLDED ASSERT: share of samples that reach the thread root
# with every frame named. ASSERT=1: ok / not ok against MIN_COMPLETE_PCT;
# ASSERT=0: a "# figure" line only. Sets COMPLETE_PCT.
# TOLERATE (env, a regex): unnamed frames that are an honest answer rather
# than a failure (ClassChurn: a class unloaded before tmprof read its
# name); they count as named here and are reported apart.
complete() {
	local label=$1 file=$2 assert=$3
	UNN="$UNNAMED_RE" TOL="${TOLERATE:-^\$^}" awk -v re="$ROOT_RE" -v min="$MIN_COMPLETE_PCT" -v tn="$TEST_NAME" \
		-v label="$label" -v assert="$assert" 'BEGIN { unn = ENVIRON["UNN"]; tol = ENVIRON["TOL"] } {
			c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
			all += c
			rooted = (n >= 2 && f[2] ~ re)
			named = 1
			for (i = 2; i <= n; i++) {
				if (f[i] ~ tol) { tolerated[f[i]] += c; continue }
				if (f[i] ~ unn) { named = 0; unk[f[i] == "" ? "<empty>" : f[i]] += c }
			}
			if (rooted) r += c; else outer[n >= 2 ? f[2] : "<none>"] += c
			if (named) nm += c
			if (rooted && named) good += c
			else if (!shown++) ex = substr(s, 1, 600)
		} END {
			if (all == 0) {
				if (assert) printf "not ok - %s: %s: no samples to check\n", tn, label
				else printf "# %s: no samples\n", label
				print "pct -1"; exit
			}
			p = 100 * good / all
			line = sprintf("%s: %.2f %% of %d samples complete (reach the thread root and every frame named; %.2f %% rooted, %.2f %% fully named)",
				label, p, all, 100 * r / all, 100 * nm / all)
			if (assert) printf "%s - %s: %s (limit %d %%)\n", (p >= min ? "ok" : "not ok"), tn, line, min
			else printf "# %s\n", line
			k = 0; for (x in outer) if (k++ < 6) printf "#   outermost frame %s: %d samples\n", x, outer[x]
			k = 0; for (x in unk) if (k++ < 6) printf "#   unnamed frame %s: %d frames\n", x, unk[x]
			for (x in tolerated) printf "#   tolerated frame %s: %d frames\n", x, tolerated[x]
			if (ex != "") printf "#   e.g. %s\n", ex
			printf "pct %.2f\n", p
		}' "$file" >"$E2E_TMP/complete.out"
	grep -v '^pct ' "$E2E_TMP/complete.out"
	COMPLETE_PCT=$(sed -n 's/^pct //p' "$E2E_TMP/complete.out")
	grep -q '^not ok' "$E2E_TMP/complete.out" && E2E_FAILED=1
	return 0
}

# flink_order FOLDED: samples with StreamTask.invoke -> runMailboxLoop ->
# processInput -> StreamMap.processElement -> HashingMapper.map, root first,
# each a Java frame (_[j], _[i] or _[0]).
flink_order() {
	awk '{
		s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";"); k = 1
		want[1] = "org.apache.flink.streaming.runtime.tasks.StreamTask.invoke"
		want[2] = "org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor.runMailboxLoop"
		want[3] = "org.apache.flink.streaming.runtime.io.StreamOneInputProcessor.processInput"
		want[4] = "org.apache.flink.streaming.api.operators.StreamMap.processElement"
		want[5] = "com.example.jobs.HashingMapper.map"
		for (i = 2; i <= n && k <= 5; i++) {
			fr = f[i]
			if (fr ~ /_\[[ij0]\]$/ && substr(fr, 1, length(fr) - 4) == want[k]) k++
		}
		if (k > 5) m += $NF
	} END { print m + 0 }' "$1"
}

# ------------------------------------------------ 1. stand-in TaskManager
echo "# 1. stand-in TaskManager, -XX:-PreserveFramePointer, no dontinline options"
TRUTH="$E2E_TMP/truth.tsv"
start_java tm "$MAIN_STANDALONE" "${JVM_OPTS[@]}" -- --truth "$TRUTH"
TM_PID=$JAVA_PID
if ! wait_ready "$TM_PID" "$E2E_TMP/tm.out" 60; then
	not_ok "stand-in TaskManager did not print ready within 60 s ($(tail -n 3 "$E2E_TMP/tm.err" | tr '\n' ' '))"
else
	sleep 5 # JIT warm-up
	awk -F'\t' '$2 != "total_ops" { print $2 }' "$TRUTH" >"$E2E_TMP/tm.tasks"
	if record tm_hotspot "$TM_PID" "$DURATION" hotspot; then
		stacks_of_threads "$E2E_TMP/tm.tasks" "$E2E_TMP/tm_hotspot.folded" >"$E2E_TMP/tm_hotspot.task"
		complete "--unwind hotspot, stand-in TaskManager task threads" "$E2E_TMP/tm_hotspot.task" 1
		HS_PCT=$COMPLETE_PCT
		n=$(flink_order "$E2E_TMP/tm_hotspot.task")
		if [ "$n" -gt 0 ]; then
			ok "--unwind hotspot: root-first StreamTask.invoke -> runMailboxLoop -> processInput -> StreamMap.processElement -> HashingMapper.map in $n task-thread samples (inlined frames: $(folded_samples_with "$E2E_TMP/tm_hotspot.task" '_\[i\]$') samples with one)"
		else
			not_ok "--unwind hotspot: no task-thread stack with StreamTask.invoke -> runMailboxLoop -> processInput -> StreamMap.processElement -> HashingMapper.map (as _[j]/_[i]/_[0]) in root-first order"
		fi
		if grep -q PreserveFramePointer "$E2E_TMP/tm_hotspot.err"; then
			echo "# note: tmprof printed a PreserveFramePointer hint with --unwind hotspot: $(grep -m1 PreserveFramePointer "$E2E_TMP/tm_hotspot.err")"
		fi
	fi

	# Contrast: frame pointers on a JVM without them (figures, sanity only).
	if [ -z "${E2E_QUICK:-}" ] && record tm_fp "$TM_PID" "$CONTRAST_DURATION" fp; then
		stacks_of_threads "$E2E_TMP/tm.tasks" "$E2E_TMP/tm_fp.folded" >"$E2E_TMP/tm_fp.task"
		complete "--unwind fp (contrast), stand-in TaskManager task threads" "$E2E_TMP/tm_fp.task" 0
		if [ "$(folded_total "$E2E_TMP/tm_fp.task")" -gt 0 ]; then
			ok "--unwind fp on a -XX:-PreserveFramePointer JVM: $COMPLETE_PCT % complete task-thread stacks vs ${HS_PCT:-?} % with --unwind hotspot (figures only)"
		else
			not_ok "--unwind fp: no task-thread samples at all"
		fi
	fi

	# auto: vmStructs are readable in this JVM, so auto must pick hotspot.
	if [ -z "${E2E_QUICK:-}" ] && record tm_auto "$TM_PID" "$CONTRAST_DURATION" auto -v; then
		stacks_of_threads "$E2E_TMP/tm.tasks" "$E2E_TMP/tm_auto.folded" >"$E2E_TMP/tm_auto.task"
		complete "--unwind auto (must be hotspot here), stand-in TaskManager task threads" "$E2E_TMP/tm_auto.task" 1
		said=$(grep -i -m2 'unwind' "$E2E_TMP/tm_auto.err" | tr '\n' ' ')
		echo "# --unwind auto, tmprof -v says: ${said:-<nothing about the unwinder>}"
		if printf '%s' "$said" | grep -qiE '(^|[^a-z])fp([^a-z]|$)|frame.pointer' &&
			! printf '%s' "$said" | grep -qi hotspot; then
			not_ok "--unwind auto: tmprof reports the frame-pointer unwinder for a JVM with readable vmStructs: $said"
		fi
	fi
fi
stop_pid "$TM_PID"

# ------------------------------------------------------------- 2. InlineHot
echo "# 2. InlineHot: user functions inlined by C2, one method interpreted"
IH_TRUTH="$E2E_TMP/inline_truth.tsv"
# exclude: checksumInterpreted stays interpreted. inline: C2 inlines the four
# user functions whatever the order of compilation (see InlineHot.java).
start_java inline tmprof.workload.InlineHot "${JVM_OPTS[@]}" \
	-XX:CompileCommand=exclude,tmprof.workload.InlineHot::checksumInterpreted \
	'-XX:CompileCommand=inline,tmprof.workload.InlineHot::*Record' -- --truth "$IH_TRUTH"
IH_PID=$JAVA_PID
if ! wait_ready "$IH_PID" "$E2E_TMP/inline.out" 60; then
	not_ok "InlineHot did not print ready within 60 s ($(tail -n 3 "$E2E_TMP/inline.err" | tr '\n' ' '))"
else
	sleep 4 # C2 has compiled process with the functions inlined (PrintInlining: within ~0.2 s)
	if grep -q 'warning' "$E2E_TMP/inline.err"; then not_ok "InlineHot: $(grep -m1 warning "$E2E_TMP/inline.err")"; fi
	cp "$IH_TRUTH" "$E2E_TMP/inline_truth.start"
	if record inline "$IH_PID" "$DURATION" hotspot; then
		cp "$IH_TRUTH" "$E2E_TMP/inline_truth.end"
		awk -F'\t' '$2 == "thread" { print $3 }' "$E2E_TMP/inline_truth.end" >"$E2E_TMP/inline.tasks"
		stacks_of_threads "$E2E_TMP/inline.tasks" "$E2E_TMP/inline.folded" >"$E2E_TMP/inline.task"
		complete "--unwind hotspot, InlineHot task thread" "$E2E_TMP/inline.task" 1
		# Shares: innermost user function per sample vs the workload's own measure.
		awk -F'\t' -v maxd="$MAX_SHARE_DIFF_PP" -v mini="$MIN_INLINED_PCT" -v tn="$TEST_NAME" '
			FILENAME == ARGV[1] {
				if ($2 == "thread") c0 = $4
				else { kind[$3] = $2; v0[$3] = $4; order[++nf] = $3 }
				next
			}
			FILENAME == ARGV[2] { if ($2 == "thread") c1 = $4; else v1[$3] = $4; next }
			{
				line = $0; c = line; sub(/.* /, "", c); s = line; sub(/ [0-9]+$/, "", s)
				n = split(s, f, ";"); all += c
				for (i = n; i >= 2; i--) {
					fr = f[i]
					if (fr !~ /_\[[ij0]\]$/) continue
					base = substr(fr, 1, length(fr) - 4); suf = substr(fr, length(fr) - 1, 1)
					if (base in kind) { cnt[base] += c; ks[base, suf] += c; break }
				}
			}
			END {
				cpu = c1 - c0
				printf "# InlineHot: truth window: task-thread CPU %.2f s; %d task-thread samples\n", cpu / 1e9, all
				if (all == 0 || cpu <= 0) { printf "not ok - %s: InlineHot: no task-thread samples (%d) or no task CPU (%d ns)\n", tn, all, cpu; exit }
				for (k = 1; k <= nf; k++) {
					fn = order[k]; ps = 100 * cnt[fn] / all; pt = 100 * (v1[fn] - v0[fn]) / cpu; d = ps - pt
					ad = d < 0 ? -d : d; used += cnt[fn]; tru += pt
					printf "%s - %s: InlineHot %s %s: samples %.2f %% (%d: %d _[i], %d _[j], %d _[0]) vs measured %.2f %% of task CPU, diff %+.2f pp (limit %d)\n",
						(ad <= maxd ? "ok" : "not ok"), tn, kind[fn], fn, ps, cnt[fn], ks[fn, "i"], ks[fn, "j"], ks[fn, "0"], pt, d, maxd
					if (kind[fn] == "inlined") {
						pi = cnt[fn] ? 100 * ks[fn, "i"] / cnt[fn] : 0
						printf "%s - %s: InlineHot %s named as an inlined frame _[i] in %.1f %% of its samples (limit %d %%)\n",
							(pi >= mini ? "ok" : "not ok"), tn, fn, pi, mini
					} else {
						bad = ks[fn, "i"] + ks[fn, "j"]
						printf "%s - %s: InlineHot interpreted %s named _[0] in %d samples, as compiled in %d (expected > 0 and 0)\n",
							(ks[fn, "0"] > 0 && bad == 0 ? "ok" : "not ok"), tn, fn, ks[fn, "0"], bad
					}
				}
				printf "# InlineHot: no user function in %.2f %% of samples (measured: %.2f %% of CPU outside the phases)\n",
					100 * (all - used) / all, 100 - tru
			}' "$E2E_TMP/inline_truth.start" "$E2E_TMP/inline_truth.end" "$E2E_TMP/inline.task" >"$E2E_TMP/inline.shares"
		cat "$E2E_TMP/inline.shares"
		grep -q '^not ok' "$E2E_TMP/inline.shares" && E2E_FAILED=1
	fi
fi
stop_pid "$IH_PID"

# ------------------------------------------------------------ 3. ClassChurn
echo "# 3. ClassChurn: classes generated, JIT-compiled and unloaded continuously"
CH_LOG="$E2E_TMP/churn.log"
start_java churn tmprof.workload.ClassChurn "${JVM_OPTS[@]}" -Xmx64m \
	"-Xlog:class+unload=info:file=$E2E_TMP/unload.log" -- --log "$CH_LOG"
CH_PID=$JAVA_PID
if ! wait_ready "$CH_PID" "$E2E_TMP/churn.out" 60; then
	not_ok "ClassChurn did not print ready within 60 s ($(tail -n 3 "$E2E_TMP/churn.err" | tr '\n' ' '))"
else
	sleep 2
	l0=$(wc -l <"$CH_LOG")
	# The workload logs tids of its own PID namespace; tmprof records ours.
	: >"$E2E_TMP/tid.map"
	tid_map_start "$CH_PID" "$E2E_TMP/tid.map"
	if record churn "$CH_PID" "$CHURN_DURATION" hotspot; then
		tid_map_stop
		tid_map_apply "$E2E_TMP/tid.map" 4 <"$CH_LOG" >"$CH_LOG.here"
		CH_LOG="$CH_LOG.here"
		l1=$(wc -l <"$CH_LOG")
		awk -F'\t' '$1 == "start" && $4 > 0 { print $4 }' "$CH_LOG" >"$E2E_TMP/churn.tids"
		stacks_of_tids "$E2E_TMP/churn.tids" "$E2E_TMP/churn.folded" >"$E2E_TMP/churn.task"
		# A generation runs ~0.5 s of CPU, then its classes are unloaded;
		# its last samples may be drained (every 200 ms) after that: those
		# frames say so instead of borrowing a newer class's name.
		TOLERATE='^\[unknown\] \(class unloaded before naming\)$' \
			complete "--unwind hotspot, ClassChurn task threads" "$E2E_TMP/churn.task" 1
		n_unl=$(folded_samples_with "$E2E_TMP/churn.task" '^\[unknown\] \(class unloaded before naming\)$')
		n_all=$(awk '{ s += $NF } END { print s + 0 }' "$E2E_TMP/churn.task")
		pct_named=$(awk -v a="$n_all" -v u="$n_unl" 'BEGIN { printf "%.2f", a ? 100 * (a - u) / a : 0 }')
		if awk -v p="$pct_named" -v m="$MIN_CHURN_NAMED_PCT" 'BEGIN { exit !(p >= m) }'; then
			ok "ClassChurn: $pct_named % of samples named before their class was unloaded ($n_unl of $n_all say 'class unloaded before naming'; limit $MIN_CHURN_NAMED_PCT %)"
		else
			not_ok "ClassChurn: only $pct_named % of samples named before their class was unloaded ($n_unl of $n_all; limit $MIN_CHURN_NAMED_PCT %)"
		fi
		unloaded=$(sed -n "$((l0 + 1)),${l1}p" "$CH_LOG" | grep -c '^unloaded')
		started=$(sed -n "$((l0 + 1)),${l1}p" "$CH_LOG" | grep -c '^start')
		jvm_unloaded=$(grep -c 'unloading class tmprof\.workload\.Gen' "$E2E_TMP/unload.log" 2>/dev/null)
		if [ "$unloaded" -ge "$MIN_UNLOADED" ]; then
			ok "ClassChurn: $started generations started and $unloaded unloaded during the recording ($jvm_unloaded Gen classes in the JVM's class+unload log in all; limit >= $MIN_UNLOADED unloaded)"
		else
			not_ok "ClassChurn: only $unloaded generations unloaded during the recording (limit >= $MIN_UNLOADED; JVM class+unload log: $jvm_unloaded): the stale-name check would prove nothing"
		fi
		awk -F'\t' -v tn="$TEST_NAME" -v ming="$MIN_GEN_SAMPLES" -v minp="$MIN_GEN_NAMED_PCT" -v maxst="$MAX_STALE_PCT" '
			FILENAME == ARGV[1] { if ($1 == "start") gen[$4] = $2 + 0; next }
			{
				line = $0; c = line; sub(/.* /, "", c); c += 0; s = line; sub(/ [0-9]+$/, "", s)
				n = split(s, f, ";"); t = f[1]
				tid = t; sub(/\]$/, "", tid); sub(/.* tid=/, "", tid)
				if (!(tid in gen)) next
				g = gen[tid]; samples[g] += c; all += c
				nm = t; sub(/^\[/, "", nm); sub(/ tid=[0-9]+\]$/, "", nm)
				if (nm ~ /#[0-9]+$/) {
					k = nm; sub(/.*#/, "", k); full += c
					if (k + 0 != g) { badthr += c; if (exthr == "") exthr = t " in generation " g }
				}
				stale = 0
				for (i = 2; i <= n; i++) {
					fr = f[i]
					if (fr !~ /(^|\.)Gen[0-9X][0-9X][0-9X][0-9X][0-9X][0-9X]\./) continue
					genframes += c
					m = fr; sub(/^.*\.Gen[0-9X]+\./, "", m); sub(/_\[.\]$/, "", m)
					cg = fr; sub(/^.*\.Gen/, "", cg); sub(/\..*/, "", cg)
					mg = ""; if (match(m, /[0-9]+$/)) mg = substr(m, RSTART) + 0
					if (cg !~ /^[0-9]+$/ || cg + 0 != g || (mg != "" && mg != g)) {
						stale = 1
						if (nex < 3) ex[++nex] = sprintf("frame %s in a sample of generation %d (tid %s)", fr, g, tid)
					} else if (m ~ /^work[0-9]+$/) own[g] += c
				}
				if (stale) staled += c
			}
			END {
				if (all == 0) { printf "not ok - %s: ClassChurn: no samples of its task threads\n", tn; exit }
				for (g in samples) {
					ng++
					if (samples[g] >= ming) { enough++; if (own[g] > 0) named++; else miss = miss " " g "(" samples[g] ")" }
				}
				printf "%s - %s: ClassChurn: %d samples with a stale Gen frame out of %d samples of %d generations (%d Gen frames; expected %s)\n",
					(staled == 0 || 100 * staled / all <= maxst ? "ok" : "not ok"), tn, staled, all, ng, genframes,
					(maxst > 0 ? "at most " maxst " %" : "0")
				for (i = 1; i <= nex; i++) printf "#   %s\n", ex[i]
				printf "%s - %s: ClassChurn: thread frame attempt #N is the thread'"'"'s generation: %d of %d samples with a full thread name wrong%s\n",
					(badthr == 0 ? "ok" : "not ok"), tn, badthr + 0, full + 0, (exthr != "" ? ", e.g. " exthr : "")
				p = enough ? 100 * named / enough : 0
				printf "%s - %s: ClassChurn: %d of %d generations with >= %d samples show their own work<N> frame (%.1f %%, limit %d %%)%s\n",
					(enough >= 5 && p >= minp ? "ok" : "not ok"), tn, named, enough, ming, p, minp,
					(miss != "" ? "; missing in" miss : "")
			}' "$CH_LOG" "$E2E_TMP/churn.task" >"$E2E_TMP/churn.check"
		cat "$E2E_TMP/churn.check"
		grep -q '^not ok' "$E2E_TMP/churn.check" && E2E_FAILED=1
	fi
fi
stop_pid "$CH_PID"

finish
