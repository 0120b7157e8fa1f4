#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark of the HotSpot-aware unwinder against frame pointers. Prints
# figures; no pass/fail (not part of make test).
#   Two stand-in TaskManagers run the same workload (one always-busy map
#   subtask): one with -XX:+PreserveFramePointer, recorded with --unwind fp,
#   and one with -XX:-PreserveFramePointer, recorded with --unwind hotspot.
#   The two recordings alternate (fp, hotspot, fp, hotspot, ...: one tmprof
#   at a time, so each BPF program's figures are its own) for BENCH_ROUNDS
#   rounds; the JVM not being recorded is stopped (SIGSTOP) meanwhile, so
#   both are measured under the same load.
#   1. BPF ns per sample: kernel.bpf_stats_enabled=1, run_time_ns / run_cnt of
#      tmprof's perf_event program read twice during each recording, SECS apart
#      (the programs the recording tmprof holds; prog_stats from
#      tests/bench_lib.sh as the fallback) -> ns per program run (every CPU tick,
#      the target filter included) and BPF ns per recorded target sample;
#      medians per mode and the ratio hotspot / fp (target: <= 2).
#   2. agent CPU per 1000 samples: user+sys CPU of the whole tmprof process
#      (getrusage at its end, from `record --stats`: start-up, recording,
#      symbolisation, output) divided by the samples, and the same without
#      the start-up (tmprof's CPU from /proc/PID/stat when it starts
#      sampling: BPF load, attach, vmStructs...), i.e. the per-sample part;
#      medians per mode and the difference (what naming Java frames from the
#      JVM's memory costs over perf-map / frame-pointer symbolisation).
#   3. per JDK (BENCH_JDKS, default 11 17 21 25; tests/jdk/java.sh, those
#      not in the cache left out): the hotspot measurement of 1 and 2 on one
#      stand-in TaskManager per JDK, recorded in turn, side by side in one
#      table, with the share of the task thread's samples rooted (outermost
#      frame the thread's start, every frame named; the bar of
#      tests/e2e/hotspot_unwind.sh is >= 99 %).
# kernel.bpf_stats_enabled is restored on exit.
# Usage: tests/bench_hotspot.sh [BUILD_DIR]
# Environment: BENCH_ROUNDS (3), BENCH_SECONDS (10), BENCH_FREQ (499),
#   BENCH_PROG (perf_event program name prefix, default as in tests/bench_lib.sh),
#   BENCH_PARTS ("modes jdks": fp vs hotspot, per JDK; either alone).

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
# shellcheck disable=SC2034
TEST_NAME=bench_hotspot

ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-10}
FREQ=${BENCH_FREQ:-499}
PARTS=${BENCH_PARTS:-modes jdks}

die() { echo "bench_hotspot: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$TMPROF" ] || die "no $TMPROF: run make"
require_workloads
command -v java >/dev/null || die "no java"
command -v bpftool >/dev/null || die "no bpftool (BPF run-time figures need it)"

# prog_stats PID -> "id run_time_ns run_cnt" of the perf_event program
# named BENCH_PROG* (tests/bench_lib.sh's, the fallback of owned_prog_stats).
PROG_NAME=${BENCH_PROG:-}
. "$REPO/tests/bench_lib.sh"
BENCH_PROG=${PROG_NAME:-$BENCH_PROG}
prog_stats() { bench_prog_stats "$@"; }

# owned_prog_stats PID -> "ids run_time_ns run_cnt": the perf_event programs
# that tmprof process PID holds (prog_id in /proc/PID/fdinfo), summed; so
# another tmprof on the host (a daemon, a test) cannot be measured by
# mistake, even with a bpftool that does not report program owners. Tail
# calls are counted in the entry program's run time, so the sum counts no
# time twice. Falls back to prog_stats when /proc/PID/fdinfo is unreadable.
owned_prog_stats() {
	local pid=$1 ids id
	ids=$(cat /proc/"$pid"/fdinfo/* 2>/dev/null | awk '$1 == "prog_id:" { print $2 }' | sort -un)
	if [ -z "$ids" ]; then
		[ -r /proc/"$pid"/fdinfo ] || prog_stats "$pid"
		return
	fi
	for id in $ids; do
		bpftool -j prog show id "$id" 2>/dev/null
		echo
	done | awk '/"type":"perf_event"/ {
			id = $0; sub(/.*"id":/, "", id); sub(/[^0-9].*/, "", id)
			rt = $0; if (!sub(/.*"run_time_ns":/, "", rt)) rt = 0; else sub(/[^0-9].*/, "", rt)
			rc = $0; if (!sub(/.*"run_cnt":/, "", rc)) rc = 0; else sub(/[^0-9].*/, "", rc)
			ids = ids (ids == "" ? "" : ",") id; trt += rt; trc += rc
		}
		END { if (ids != "") printf "%s %.0f %.0f\n", ids, trt, trc }'
}

OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
bench_cleanup() {
	[ -n "$OLD_STATS" ] && sysctl -q -w kernel.bpf_stats_enabled="$OLD_STATS" >/dev/null 2>&1
	[ -n "${PID_FP:-}" ] && kill -CONT "$PID_FP" 2>/dev/null
	[ -n "${PID_HS:-}" ] && kill -CONT "$PID_HS" 2>/dev/null
	e2e_cleanup
}
trap bench_cleanup EXIT
sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null 2>&1 || die "cannot enable kernel.bpf_stats_enabled"

echo "bench_hotspot: tmprof $TMPROF, $(nproc) CPUs, kernel $(uname -r), $ROUNDS rounds of ${SECS} s per mode at $FREQ Hz, load $(cut -d' ' -f1-3 /proc/loadavg)"
WL=(--task 'map:100:Source: Numbers -> Map (1/1)#0')
RESULTS="$E2E_TMP/results" # mode ns_per_run ns_per_sample agent_ms samples runs startup_ms rooted_pct
: >"$RESULTS"

# The median of a[1..n] (sorts a), for the summaries.
AWK_MEDIAN='
	function median(a, n,    i, j, t) {
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}'

# rooted_pct FOLDED: % of the task thread's samples ("Source: Numbers ..."; a
# name cut to 15 characters included) whose outermost frame under the thread
# frame is the thread's start and whose every frame is named ("-": none).
# The definitions of tests/e2e/hotspot_unwind.sh's complete().
rooted_pct() {
	folded_strip_process "$1" | awk '
		{
			c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
			if (f[1] !~ /^\[Source: Numbers/) next
			all += c
			good = n >= 2 && f[2] ~ /^(start_thread|thread_native_entry|clone3|__clone3|clone|__clone)$/
			for (i = 2; i <= n && good; i++)
				if (f[i] ~ /^(\[unknown\].*|0x[0-9a-fA-F]+|)$/) good = 0
			if (good) r += c
		}
		END { if (all) printf "%.2f\n", 100 * r / all; else print "-" }'
}

# measure MODE PID ROUND: one recording with BPF stats read 1 s after it
# starts sampling and SECS later.
measure() {
	local mode=$1 pid=$2 round=$3 other=$4 label=${5:-$1} tp s1 s2 stats samples agent_ms dur startup_ms o
	# shellcheck disable=SC2086 # other: one PID or several
	for o in $other; do kill -STOP "$o" 2>/dev/null; done # the other JVMs do not compete for the CPUs meanwhile
	"$TMPROF" record --unwind "$mode" -p "$pid" -d $((SECS + 5)) -F "$FREQ" -o "$E2E_TMP/$mode.folded" --stats \
		>"$E2E_TMP/$mode.out" 2>"$E2E_TMP/$mode.err" &
	tp=$!
	track "$tp"
	# BPF loading and attaching take a while (longer on a busy machine): read
	# the stats once tmprof samples.
	for _ in $(seq 600); do
		grep -q '^tmprof: recording' "$E2E_TMP/$mode.err" 2>/dev/null && break
		kill -0 "$tp" 2>/dev/null || break
		sleep 0.1
	done
	sleep 1
	s1=$(owned_prog_stats "$tp")
	# tmprof's CPU so far (user + sys of all its threads, clock ticks): its start-up
	startup_ms=$(awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.0f", ($12 + $13) * 1000 / hz }' \
		/proc/"$tp"/stat 2>/dev/null)
	sleep "$SECS"
	s2=$(owned_prog_stats "$tp")
	wait_exit "$tp" $((SECS + 120))
	# shellcheck disable=SC2086
	for o in $other; do kill -CONT "$o" 2>/dev/null; done
	stats=$(grep -m1 '^stats:' "$E2E_TMP/$mode.err")
	samples=$(printf '%s\n' "$stats" | sed -n 's/.*samples=\([0-9]*\).*/\1/p')
	agent_ms=$(printf '%s\n' "$stats" | sed -n 's/.*agent_cpu_ms=\([0-9]*\).*/\1/p')
	dur=$(printf '%s\n' "$stats" | sed -n 's/.*duration_s=\([0-9.]*\).*/\1/p')
	if [ "$WAIT_RC" -ne 0 ] || [ -z "$samples" ] || [ "$samples" -eq 0 ]; then
		echo "   round $round $mode: tmprof exit $WAIT_RC, no usable stats ($(head -c 300 "$E2E_TMP/$mode.err" | tr '\n' ' '))"
		return
	fi
	local id1 rt1 rc1 id2 rt2 rc2 rooted
	rooted=$(rooted_pct "$E2E_TMP/$mode.folded")
	read -r id1 rt1 rc1 <<<"${s1:-x x x}"
	read -r id2 rt2 rc2 <<<"${s2:-x x x}"
	if [ "$id1" = x ] || [ "$id1" != "$id2" ] || [ "$rt1" = x ] || [ "$rc2" = x ] || [ $((rc2 - rc1)) -le 0 ]; then
		echo "   round $round $label: could not read run_time_ns/run_cnt deltas of tmprof's perf_event program ('$s1' / '$s2'); agent CPU only"
		echo "$label - - $agent_ms $samples - ${startup_ms:--} $rooted" >>"$RESULTS"
		return
	fi
	awk -v mode="$label" -v r="$round" -v rt=$((rt2 - rt1)) -v rc=$((rc2 - rc1)) -v s="$SECS" -v n="$samples" \
		-v d="$dur" -v ms="$agent_ms" -v st="${startup_ms:--}" -v id="$id1" -v out="$RESULTS" -v ro="$rooted" 'BEGIN {
			nsr = rt / rc; nss = (rt / s) / (n / d)
			printf "   round %d %-8s: prog %s: %.0f ns per run (%d runs), %.0f BPF ns per recorded sample (%.0f samples/s)\n",
				r, mode, id, nsr, rc, nss, n / d
			printf "   round %d %-8s: agent CPU %d ms for %d samples = %.2f ms per 1000", r, mode, ms, n, 1000 * ms / n
			if (st != "-") printf "; without the %d ms of start-up %.2f ms per 1000", st, 1000 * (ms - st) / n
			printf "; task samples rooted %s %%\n", ro
			printf "%s %.1f %.1f %d %d %d %s %s\n", mode, nsr, nss, ms, n, rc, st, ro >> out
		}'
}

# bench_modes: part 1 and 2, fp vs hotspot on two stand-ins (alternating).
bench_modes() {
	start_tm tm_fp "$MAIN_STANDALONE" on -- "${WL[@]}"
	PID_FP=$TM_PID
	start_tm tm_hs "$MAIN_STANDALONE" off -- "${WL[@]}"
	PID_HS=$TM_PID
	wait_ready "$PID_FP" "$E2E_TMP/tm_fp.out" 60 || die "stand-in (PFP on) did not start: $(tail -n 3 "$E2E_TMP/tm_fp.err")"
	wait_ready "$PID_HS" "$E2E_TMP/tm_hs.out" 60 || die "stand-in (PFP off) did not start: $(tail -n 3 "$E2E_TMP/tm_hs.err")"
	sleep 8 # JIT warm-up
	echo "bench_hotspot: fp -> pid $PID_FP (-XX:+PreserveFramePointer), hotspot -> pid $PID_HS (-XX:-PreserveFramePointer)"

	echo
	echo "== BPF ns per sample and agent CPU, --unwind fp vs --unwind hotspot (alternating)"
	for r in $(seq "$ROUNDS"); do
		measure fp "$PID_FP" "$r" "$PID_HS"
		measure hotspot "$PID_HS" "$r" "$PID_FP"
	done

	echo
	awk "$AWK_MEDIAN"'
		{
			m = $1
			if ($2 != "-") { nr[m]++; run[m, nr[m]] = $2; smp[m, nr[m]] = $3 }
			na[m]++; ag[m, na[m]] = 1000 * $4 / $5
			if ($7 != "-" && $7 != "") { ns_[m]++; agx[m, ns_[m]] = 1000 * ($4 - $7) / $5 }
		}
		END {
			split("fp hotspot", modes, " ")
			for (k = 1; k <= 2; k++) {
				m = modes[k]
				if (nr[m]) {
					delete a; for (i = 1; i <= nr[m]; i++) a[i] = run[m, i]; mr[m] = median(a, nr[m])
					delete a; for (i = 1; i <= nr[m]; i++) a[i] = smp[m, i]; ms[m] = median(a, nr[m])
					printf "   %-7s: median %.0f BPF ns per program run, %.0f BPF ns per recorded sample (%d rounds)\n", m, mr[m], ms[m], nr[m]
				} else printf "   %-7s: no BPF run-time figures\n", m
				if (na[m]) {
					delete a; for (i = 1; i <= na[m]; i++) a[i] = ag[m, i]; mag[m] = median(a, na[m])
					printf "   %-7s: median agent CPU %.2f ms per 1000 samples\n", m, mag[m]
				}
				if (ns_[m]) {
					delete a; for (i = 1; i <= ns_[m]; i++) a[i] = agx[m, i]; magx[m] = median(a, ns_[m])
					printf "   %-7s: median agent CPU without start-up %.2f ms per 1000 samples (recording + symbolisation + output)\n", m, magx[m]
				}
			}
			if (nr["fp"] && nr["hotspot"] && ms["fp"] > 0)
				printf "   BPF ns per sample, hotspot / fp: %.2fx (target <= 2x); per program run %.2fx\n",
					ms["hotspot"] / ms["fp"], (mr["fp"] > 0 ? mr["hotspot"] / mr["fp"] : 0)
			if (na["fp"] && na["hotspot"])
				printf "   agent CPU per 1000 samples, hotspot - fp: %+.2f ms (hotspot / fp %.2fx)\n",
					mag["hotspot"] - mag["fp"], (mag["fp"] > 0 ? mag["hotspot"] / mag["fp"] : 0)
			if (ns_["fp"] && ns_["hotspot"])
				printf "   agent CPU per 1000 samples without start-up, hotspot - fp: %+.2f ms (hotspot / fp %.2fx)\n",
					magx["hotspot"] - magx["fp"], (magx["fp"] > 0 ? magx["hotspot"] / magx["fp"] : 0)
		}' "$RESULTS"
}

# ------------------------------------------------------------ per JDK
# The same hotspot measurement on each JDK of tests/jdk/java.sh (BENCH_JDKS,
# default 11 17 21 25; those not in the cache are left out), one stand-in
# TaskManager per JDK without PreserveFramePointer, recorded in turn (the
# others stopped), side by side in one run.
bench_jdks() {
	echo
	echo "== per JDK: --unwind hotspot, BPF ns per sample and agent CPU per 1000 samples"
	# shellcheck disable=SC2086 # none, one or two PIDs
	[ -n "${PID_FP:-}" ] && kill -STOP $PID_FP $PID_HS 2>/dev/null
	JDK_PIDS=()
	JDK_NAMES=()
	for v in ${BENCH_JDKS:-11 17 21 25}; do
		if ! "$REPO/tests/jdk/java.sh" "$v" -version >/dev/null 2>&1; then
			echo "   JDK $v: not available (tests/jdk/fetch_*.sh), left out"
			continue
		fi
		# shellcheck disable=SC2034 # start_tm (tests/e2e/lib.sh) runs it
		read -r -a E2E_JAVA_CMD <<<"$REPO/tests/jdk/java.sh $v"
		start_tm "tm_jdk$v" "$MAIN_STANDALONE" off -- "${WL[@]}"
		if ! wait_ready "$TM_PID" "$E2E_TMP/tm_jdk$v.out" 90; then
			echo "   JDK $v: stand-in did not start ($(tail -n 2 "$E2E_TMP/tm_jdk$v.err" | tr '\n' ' '))"
			continue
		fi
		JDK_PIDS+=("$TM_PID")
		JDK_NAMES+=("jdk$v")
		echo "   JDK $v: pid $TM_PID ($("$REPO/tests/jdk/java.sh" "$v" -version 2>&1 | sed -n 2p))"
	done
	sleep 8 # JIT warm-up
	: >"$RESULTS"
	for r in $(seq "$ROUNDS"); do
		for i in "${!JDK_PIDS[@]}"; do
			others=
			for j in "${!JDK_PIDS[@]}"; do [ "$j" = "$i" ] || others="$others ${JDK_PIDS[$j]}"; done
			measure hotspot "${JDK_PIDS[$i]}" "$r" "$others" "${JDK_NAMES[$i]}"
		done
	done
	echo
	awk "$AWK_MEDIAN"'
		{
			m = $1; if (!(m in seen)) { seen[m] = 1; order[++nm] = m }
			if ($2 != "-") { nr[m]++; smp[m, nr[m]] = $3; run[m, nr[m]] = $2 }
			na[m]++; ag[m, na[m]] = 1000 * $4 / $5
			if ($7 != "-" && $7 != "") { ns_[m]++; agx[m, ns_[m]] = 1000 * ($4 - $7) / $5 }
			if ($8 != "-" && $8 != "") { nro[m]++; ro[m, nro[m]] = $8 }
		}
		END {
			printf "   %-6s %14s %18s %26s %22s %16s\n", "JDK", "BPF ns per run", "BPF ns per sample", "agent ms per 1000 samples", "same without start-up", "task rooted %"
			for (k = 1; k <= nm; k++) {
				m = order[k]; bpf = "-"; a1 = "-"; a2 = "-"; pr = "-"; rp = "-"
				if (nr[m]) { delete a; for (i = 1; i <= nr[m]; i++) a[i] = smp[m, i]; bpf = sprintf("%.0f", median(a, nr[m]))
					delete a; for (i = 1; i <= nr[m]; i++) a[i] = run[m, i]; pr = sprintf("%.0f", median(a, nr[m])) }
				if (na[m]) { delete a; for (i = 1; i <= na[m]; i++) a[i] = ag[m, i]; a1 = sprintf("%.2f", median(a, na[m])) }
				if (ns_[m]) { delete a; for (i = 1; i <= ns_[m]; i++) a[i] = agx[m, i]; a2 = sprintf("%.2f", median(a, ns_[m])) }
				if (nro[m]) { delete a; for (i = 1; i <= nro[m]; i++) a[i] = ro[m, i]; rp = sprintf("%.2f", median(a, nro[m])) }
				printf "   %-6s %14s %18s %26s %22s %16s\n", m, pr, bpf, a1, a2, rp
			}
		}' "$RESULTS"
	echo "   (medians of $ROUNDS rounds of ${SECS} s at $FREQ Hz; load $(cut -d' ' -f1-3 /proc/loadavg))"
}

case " $PARTS " in *" modes "*) bench_modes ;; esac
case " $PARTS " in *" jdks "*) bench_jdks ;; esac
