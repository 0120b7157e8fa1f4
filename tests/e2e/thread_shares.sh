#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: CPU shares per thread and per function against the threads' own
# clocks, on threads a per-CPU sampling clock gets wrong.
#
# tests/workloads/tmprof/workload/BurstyThreads.java runs always-busy "src-N"
# threads, timer-woken "sink-N" threads (parkNanos 1-5 ms, bursts 0.2-2 ms)
# and a pool whose workers start and stop all the time; every 100 ms it
# appends each group's cumulative CPU (ThreadMXBean) and each work function's
# CPU (its own thread clock around each call), stamped with System.nanoTime
# (CLOCK_MONOTONIC). tmprof's --stats prints its sampling window on the same
# clock; the truth is interpolated at both ends. In each of 3 recordings:
#  1. each thread group's share of the samples is within +-1 pp of its share
#     of the CPU time,
#  2. each work function's share (samples with its frame) within +-2 pp,
#  3. pool workers started during the recording are sampled (>= 10 of them),
#  4. the sampler's open perf events stay bounded (<= threads at start + 64).
# THREAD_SHARES_ARGS adds tmprof options (e.g. --per-cpu, for comparison).
# Usage: tests/e2e/thread_shares.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all

DURATION=10
FREQ=${THREAD_SHARES_FREQ:-499}
RUNS=${THREAD_SHARES_RUNS:-3}
MAX_THREAD_PP=1
MAX_FN_PP=2
# Under ASan (CI's second pass, for memory errors) the agent runs several
# times slower and lags behind thread churn: the issue's bars are checked
# in the plain pass; here wider ones (measured: pool-worker -1.5 pp).
# One recording there: the three that the bars need run in the plain pass,
# and CI's hour is better spent elsewhere.
if [ "$SANITIZED" = 1 ]; then MAX_THREAD_PP=3; MAX_FN_PP=4; RUNS=${THREAD_SHARES_RUNS:-1}; fi
MIN_NEW_THREADS=10
read -r -a EXTRA <<<"${THREAD_SHARES_ARGS:-}"

TRUTH="$E2E_TMP/truth.tsv"
start_java bursty tmprof.workload.BurstyThreads -XX:CompileCommand=quiet -Xms32m -Xmx128m \
	-- --truth "$TRUTH"
BT_PID=$JAVA_PID
if ! wait_ready "$BT_PID" "$E2E_TMP/bursty.out" 60; then
	not_ok "BurstyThreads did not print ready within 60 s ($(tail -n 3 "$E2E_TMP/bursty.err" | tr '\n' ' '))"
	finish
fi
sleep 5 # JIT warm-up

for run in $(seq "$RUNS"); do
	OUT="$E2E_TMP/run$run.folded"
	ls "/proc/$BT_PID/task" | sort >"$E2E_TMP/tids.before"
	nbefore=$(wc -l <"$E2E_TMP/tids.before")
	run_tmprof $((DURATION + 150)) record -p "$BT_PID" -d "$DURATION" -F "$FREQ" "${EXTRA[@]}" \
		-o "$OUT" --stats
	if [ "$RC" -ne 0 ] || [ ! -s "$OUT" ]; then
		not_ok "run $run: tmprof record exit $RC (stderr: $(head -c 400 "$E2E_TMP/tmprof.err" | tr '\n' ' '))"
		continue
	fi
	ev=$(grep '^stats-events:' "$E2E_TMP/tmprof.err")
	echo "# run $run: $ev"
	window=$(printf '%s\n' "$ev" | sed -nE 's/.* window_ns=([0-9]+-[0-9]+).*/\1/p')
	if [ -z "$window" ]; then
		not_ok "run $run: no window_ns in the --stats events line"
		continue
	fi

	# Samples per group (pool-worker-N merged) and per function frame.
	folded_strip_process "$OUT" | awk '{
		c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		t = f[1]; if (t !~ /^\[.* tid=[0-9]+\]$/) next
		sub(/^\[/, "", t); tid = t; sub(/ tid=[0-9]+\]$/, "", t); sub(/.* tid=/, "", tid); sub(/\]$/, "", tid)
		if (t ~ /^pool-worker-[0-9]+$/) { t = "pool-worker"; if (!(tid in seen)) { seen[tid] = 1; print "tid\t" tid } }
		print "thread\t" t "\t" c
		for (i = 2; i <= n; i++)
			if (f[i] ~ /BurstyThreads\.(sourceWork|sinkWork|poolWork)_\[[ji0]\]$/) {
				fn = f[i]; sub(/_\[[ji0]\]$/, "", fn); sub(/.*\./, "", fn)
				print "fn\tfn:" fn "\t" c; break
			}
	}' >"$E2E_TMP/samples.tsv"

	awk -F'\t' -v w="$window" -v maxt="$MAX_THREAD_PP" -v maxf="$MAX_FN_PP" -v tn="$TEST_NAME" -v run="$run" '
		function at(name, t,    i, k, lo, hi) {
			# truth of name at time t: linear between the snapshots around t
			k = cnt[name]; lo = 0; hi = 0
			for (i = 1; i <= k; i++) { if (ts[name, i] <= t) lo = i; else { hi = i; break } }
			if (!lo || !hi) return -1
			return v[name, lo] + (v[name, hi] - v[name, lo]) * (t - ts[name, lo]) / (ts[name, hi] - ts[name, lo])
		}
		FILENAME == ARGV[1] { k = ++cnt[$2]; ts[$2, k] = $1; v[$2, k] = $3; names[$2] = 1; next }
		$1 == "thread" { st[$2] += $3; if ($2 in names) sall += $3; next }
		$1 == "fn" { sf[$2] += $3; next }
		END {
			split(w, ww, "-"); t0 = ww[1]; t1 = ww[2]
			for (n in names) {
				a = at(n, t0); b = at(n, t1)
				if (a < 0 || b < 0) { printf "not ok - %s: run %d: truth of %s does not cover the window\n", tn, run, n; bad = 1; continue }
				d[n] = b - a
				if (n !~ /^fn:/) cpu += d[n]
			}
			if (bad) exit
			printf "# run %d: window %.2f s, CPU of the threads %.2f s, their samples %d\n", run, (t1 - t0) / 1e9, cpu / 1e9, sall
			if (sall == 0 || cpu <= 0) { printf "not ok - %s: run %d: no samples of the workload threads\n", tn, run; exit }
			for (n in names) {
				if (n ~ /^fn:/) { ps = 100 * sf[n] / sall; lim = maxf } else { ps = 100 * st[n] / sall; lim = maxt }
				pt = 100 * d[n] / cpu; diff = ps - pt; ad = diff < 0 ? -diff : diff
				printf "%s - %s: run %d: share of %s: samples %.2f %% (%d) vs own clock %.2f %% (%.0f ms), diff %+.2f pp (limit %d)\n",
					(ad <= lim ? "ok" : "not ok"), tn, run, n, ps, (n ~ /^fn:/ ? sf[n] : st[n]), pt, d[n] / 1e6, diff, lim
			}
		}' "$TRUTH" "$E2E_TMP/samples.tsv" | sort >"$E2E_TMP/shares"
	cat "$E2E_TMP/shares"
	grep -q '^not ok' "$E2E_TMP/shares" && E2E_FAILED=1

	new=$(awk -F'\t' '$1 == "tid" { print $2 }' "$E2E_TMP/samples.tsv" | sort | comm -13 "$E2E_TMP/tids.before" - | wc -l)
	check "run $run: $new pool workers started during the recording were sampled (limit >= $MIN_NEW_THREADS)" \
		[ "$new" -ge "$MIN_NEW_THREADS" ]
	open=$(printf '%s\n' "$ev" | sed -nE 's/.* open=([0-9]+).*/\1/p')
	if printf '%s\n' "$ev" | grep -q 'mode=per-cpu'; then
		ok "run $run: per-CPU mode: $open perf events"
	else
		check "run $run: $open perf events open at the end, $nbefore threads at the start (limit <= $((nbefore + 64)))" \
			[ "${open:-999999}" -le $((nbefore + 64)) ]
	fi
done

finish
