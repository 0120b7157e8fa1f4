# SPDX-License-Identifier: GPL-2.0
# Shared parts of tests/bench.sh and tests/bench_threads.sh; source it after
# tests/e2e/lib.sh. Functions print figures, never pass/fail.

BENCH_PROG=cpu_sample # SEC("perf_event") int cpu_sample(...) in bpf/cpu_sample.bpf.c

# bench_init NAME: dies unless root, tmprof built, workloads and java there;
# turns kernel.bpf_stats_enabled on (BENCH_HAVE_STATS=1) and restores it at
# exit, with e2e_cleanup.
bench_init() {
	BENCH_NAME=$1
	[ "$(id -u)" -eq 0 ] || bench_die "needs root"
	[ -x "$TMPROF" ] || bench_die "no $TMPROF: run make"
	require_workloads
	command -v java >/dev/null || bench_die "no java"
	BENCH_OLD_STATS=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
	trap bench_cleanup EXIT
	if command -v bpftool >/dev/null && sysctl -q -w kernel.bpf_stats_enabled=1 >/dev/null 2>&1; then
		BENCH_HAVE_STATS=1
	else
		BENCH_HAVE_STATS=0
		echo "   (no bpftool or cannot enable kernel.bpf_stats_enabled: no BPF run-time figures)"
	fi
}
bench_die() { echo "${BENCH_NAME:-bench}: $*" >&2; exit 1; }
bench_cleanup() {
	[ -n "$BENCH_OLD_STATS" ] && sysctl -q -w kernel.bpf_stats_enabled="$BENCH_OLD_STATS" >/dev/null 2>&1
	e2e_cleanup
}
# One line on what the figures were measured on, load included: other work
# on the machine makes them noisy.
bench_header() {
	echo "$BENCH_NAME: tmprof $TMPROF, $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_prog_stats TMPROF_PID: "id run_time_ns run_cnt" of the newest
# perf_event program named $BENCH_PROG*, preferring one the given tmprof
# loaded (when bpftool reports pids); "x" for a figure bpftool lacks.
bench_prog_stats() {
	bpftool -j prog show 2>/dev/null | sed 's/},{"id"/}\n{"id"/g' | awk -v name="$BENCH_PROG" -v tpid="$1" '
		/"type":"perf_event"/ && index($0, "\"name\":\"" name) {
			id = $0; sub(/.*"id":/, "", id); sub(/[^0-9].*/, "", id)
			rt = $0; if (!sub(/.*"run_time_ns":/, "", rt)) rt = "x"; else sub(/[^0-9].*/, "", rt)
			rc = $0; if (!sub(/.*"run_cnt":/, "", rc)) rc = "x"; else sub(/[^0-9].*/, "", rc)
			mine = index($0, "\"pid\":" tpid ",") > 0
			if (mine > bm || (mine == bm && id + 0 > best + 0)) { best = id; bm = mine; brt = rt; brc = rc }
		}
		END { if (best != "") print best, brt, brc }'
}
# bench_prog_delta "S1" "S2": "ns_per_run runs" between two readings of
# bench_prog_stats of the same program; empty if they cannot be compared.
bench_prog_delta() {
	echo "$1 $2" | awk 'NF == 6 && $1 == $4 && $2 != "x" && $6 != "x" && $6 > $3 {
		printf "%.0f %d\n", ($5 - $2) / ($6 - $3), $6 - $3 }'
}

# utime + stime of a process, in ms.
bench_proc_cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($14 + $15) * 1000 / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# The stand-in TaskManager with two always-busy map subtasks, one per CPU:
# the machine is CPU-bound, any CPU tmprof takes shows as lost throughput
# (the worst case). BENCH_MIX=default|light: the duty-cycle mixes instead.
# Sets TM_PID, BENCH_TRUTH; JIT warmed up.
bench_start_saturated() {
	local wl
	BENCH_TRUTH="$E2E_TMP/truth.tsv"
	if [ -n "${BENCH_MIX:-}" ]; then
		wl=(--mix "$BENCH_MIX")
	else
		wl=(--task 'map:100:Source: Numbers -> Map (1/2)#0' --task 'map:100:Source: Numbers -> Map (2/2)#0')
	fi
	echo "   stand-in TaskManager: ${wl[*]}"
	start_tm tm "$MAIN_STANDALONE" on -- --truth "$BENCH_TRUTH" "${wl[@]}"
	wait_ready "$TM_PID" "$TM_OUT" 60 || bench_die "stand-in did not start: $(tail -n 3 "$E2E_TMP/tm.err")"
	sleep 8 # JIT warm-up
}

# bench_rate SECONDS: the stand-in's records/s over the next SECONDS (from
# its truth file: monotonic ns and the total of records).
bench_rate() {
	cp "$BENCH_TRUTH" "$E2E_TMP/rate.a"; sleep "$1"; cp "$BENCH_TRUTH" "$E2E_TMP/rate.b"
	awk -F'\t' '$2 == "total_ops" { print $1, $4 }' "$E2E_TMP/rate.a" "$E2E_TMP/rate.b" |
		awk 'NR == 1 { t0 = $1; o0 = $2 } NR == 2 { printf "%.0f\n", ($2 - o0) / (($1 - t0) / 1e9) }'
}

# bench_rate_split SECONDS [AGENT_PID]: "records/s records/CPU-s agent-ms/s"
# over the next SECONDS. records per CPU-second of the task threads (their
# ThreadMXBean time, from the truth file) is what the profiler costs inside
# the sampled threads (this kernel charges interrupt time, the BPF program
# included, to the interrupted thread); the agent's own CPU is what it takes
# from a saturated machine besides. Neither moves with the host's other load,
# which makes records/s noisy (a few % per window on a shared VM).
bench_rate_split() {
	local c0=0 c1=0
	[ -n "${2:-}" ] && c0=$(bench_proc_cpu_ms "$2")
	cp "$BENCH_TRUTH" "$E2E_TMP/rate.a"; sleep "$1"; cp "$BENCH_TRUTH" "$E2E_TMP/rate.b"
	[ -n "${2:-}" ] && c1=$(bench_proc_cpu_ms "$2")
	awk -F'\t' '$2 == "total_ops" { print $1, $3, $4 }' "$E2E_TMP/rate.a" "$E2E_TMP/rate.b" |
		awk -v a="$c0" -v b="$c1" 'NR == 1 { t0 = $1; c0 = $2; o0 = $3 }
			NR == 2 { s = ($1 - t0) / 1e9; printf "%.0f %.1f %.2f\n", ($3 - o0) / s, ($3 - o0) / (($2 - c0) / 1e9), (b - a) / s }'
}

# bench_wait_recording ERRFILE: until tmprof printed its "recording" line
# (the start cost is behind it), at most 180 s: loading and verifying the
# BPF programs took 50 s on a 2-CPU machine at load 90.
bench_wait_recording() {
	for _ in $(seq 1800); do grep -q "^tmprof: recording" "$1" 2>/dev/null && return 0; sleep 0.1; done
	return 1
}

# Median of the numbers on stdin (one a line).
bench_median() {
	sort -g | awk '{ x[++n] = $1 } END { if (!n) exit 1; print (n % 2) ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }'
}

# "mean ± standard error" of the numbers on stdin (one a line): with a
# per-window noise of a few %, the error says whether a mean below a bar
# of half a % means anything.
bench_mean_se() {
	awk '{ s += $1; q += $1 * $1; n++ }
		END { if (!n) exit 1; m = s / n; v = n > 1 ? (q - n * m * m) / (n - 1) : 0
			printf "%.2f ± %.2f", m, (v > 0 ? sqrt(v / n) : 0) }'
}

# bench_switch_rate PID SECONDS: context switches per second of all PID's
# threads (voluntary and not) over the next SECONDS.
bench_switch_rate() {
	local a b
	sw() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'; }
	a=$(sw "$1"); sleep "$2"; b=$(sw "$1")
	echo $(((b - a) / $2))
}
