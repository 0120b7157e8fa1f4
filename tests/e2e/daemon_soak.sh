#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tmprof daemon soak: TaskManager churn (one started and the oldest killed
# every CHURN_S seconds, some with SIGKILL) and JIT churn (a TaskManager that
# loads its work class through a fresh class loader every 200 ms, so new JIT
# code keeps appearing and old code is unloaded) for SOAK_SECONDS; the daemon's
# RSS must stay flat after the warm-up and under a ceiling, and its open fds
# (from /proc) must not grow.
# RSS is sampled every second. Within a period it swings by a few MiB
# (writing a period builds profiles, then frees them and trims the heap), so
# "flat" compares peaks: the highest RSS in the first WINDOW_S after the
# warm-up against the highest in the last WINDOW_S.
#   SOAK_SECONDS     length (default 120: inside make test; make soak: 1800)
#   SOAK_RSS_KB      allowed growth of the median RSS after warm-up (default 2048 KiB;
#                    3072 KiB for runs under 10 min, whose caches still fill)
#   SOAK_RSS_MAX_KB  ceiling for the peak after warm-up (default 29696 KiB;
#                    measured 25.1-26.2 MiB at load 11-16 on 2 cores: RSS
#                    ~19 MiB between brief peaks. It was 32768 when libcurl
#                    was linked at start, +5.7 MiB, which this now catches)
#   SOAK_FDS         allowed open-fd growth after warm-up (default 8)
# Warm-up: the caches fill up to their steady size (a target's symbols and
# Java names are emptied past 1/96 of [limits] memory, so the JIT churn
# target's take a few minutes): a sixth of the run, 30 s to 5 min.
# Usage: tests/e2e/daemon_soak.sh [BUILD_DIR]
. "$(dirname "$0")/lib.sh" "${1:-build}"

# Under ASan (CI's second pass) RSS is not bounded (below): a minute is
# enough to run every path of the churn with leak and memory checks.
[ "$SANITIZED" = 1 ] && SOAK_SECONDS=${SOAK_SECONDS:-60}
SOAK_SECONDS=${SOAK_SECONDS:-120}
# In the 120 s run the bounded caches are still filling (a target's symbols
# 0.4 -> 0.7 MB, Java names 0.24 -> 0.42 MB between the windows, measured):
# there the medians rose 1.7 MiB without a leak, so the short run allows 3
# MiB and the long soaks, whose caches reach their bound, keep the issue's 2.
if [ "$SOAK_SECONDS" -lt 600 ]; then SOAK_RSS_KB=${SOAK_RSS_KB:-3072}; fi
SOAK_RSS_KB=${SOAK_RSS_KB:-2048}
SOAK_RSS_MAX_KB=${SOAK_RSS_MAX_KB:-29696}
SOAK_FDS=${SOAK_FDS:-8}
CHURN_S=${CHURN_S:-10}
WARMUP_S=$(( SOAK_SECONDS / 6 ))
[ "$WARMUP_S" -lt 30 ] && WARMUP_S=30
[ "$WARMUP_S" -gt 300 ] && WARMUP_S=300
WINDOW_S=$(( (SOAK_SECONDS - WARMUP_S) / 4 ))
[ "$WINDOW_S" -gt 120 ] && WINDOW_S=120

require_all
"$TMPROF" daemon --help >/dev/null 2>&1 || skip_all "$TMPROF has no daemon command (agent/cli/main.c table line missing)"
command -v javac >/dev/null 2>&1 || skip_all "no javac"

# ---------------------------------------------------------------- JIT churn TaskManager
# Named like Flink's standalone TaskManager so that the daemon picks it up.
mkdir -p "$E2E_TMP/churn/src/org/apache/flink/runtime/taskexecutor" "$E2E_TMP/churn/work" "$E2E_TMP/churn/classes"
cat >"$E2E_TMP/churn/src/org/apache/flink/runtime/taskexecutor/TaskManagerRunner.java" <<'JAVA'
package org.apache.flink.runtime.taskexecutor;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;

public final class TaskManagerRunner {
    public static void main(String[] args) throws Exception {
        URL[] urls = { new File(args[0]).toURI().toURL() };
        Thread t = new Thread(() -> {
            long sink = 0;
            while (true) {
                // A new loader: a new class, compiled anew; the old one is unloaded.
                try (URLClassLoader l = new URLClassLoader(urls, null)) {
                    Method m = l.loadClass("Work").getMethod("run", long.class);
                    long end = System.nanoTime() + 200_000_000L;
                    while (System.nanoTime() < end)
                        sink += (Long) m.invoke(null, 20_000L);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
                if (sink == 42) System.out.println(sink);
                try { Thread.sleep(100); } catch (InterruptedException e) { return; }
            }
        }, "Source: Churn -> Map (1/1)#0");
        t.setDaemon(true);
        t.start();
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
JAVA
cat >"$E2E_TMP/churn/work/Work.java" <<'JAVA'
public final class Work {
    public static long run(long n) {
        long h = 1125899906842597L;
        for (long i = 0; i < n; i++) h = 31 * h + (i ^ (h >>> 7));
        return h;
    }
}
JAVA
javac -d "$E2E_TMP/churn/classes" "$E2E_TMP/churn/src/org/apache/flink/runtime/taskexecutor/TaskManagerRunner.java" &&
	javac -d "$E2E_TMP/churn/work" "$E2E_TMP/churn/work/Work.java" || { not_ok "cannot compile the JIT churn workload"; finish; }
(cd "$E2E_TMP" && exec java -XX:+PreserveFramePointer -Xmx64m -Dtaskmanager.resource-id=jit-churn \
	-cp "$E2E_TMP/churn/classes" org.apache.flink.runtime.taskexecutor.TaskManagerRunner "$E2E_TMP/churn/work") \
	>"$E2E_TMP/churn.out" 2>"$E2E_TMP/churn.err" </dev/null &
CHURN=$!
track "$CHURN"
wait_ready "$CHURN" "$E2E_TMP/churn.out" 60 || { not_ok "JIT churn TaskManager did not start"; finish; }

# ---------------------------------------------------------------- daemon
OUT="$E2E_TMP/out"
PORT=$(( 20000 + RANDOM % 20000 ))
cat >"$E2E_TMP/daemon.ini" <<INI
[profile]
frequency = 99
period = 5s
[output]
directory = $OUT
folded = on
max_age = 60s
max_bytes = 2M
[metrics]
listen = 127.0.0.1:$PORT
INI
"$TMPROF" daemon --config "$E2E_TMP/daemon.ini" >"$E2E_TMP/daemon.out" 2>"$E2E_TMP/daemon.err" &
DPID=$!
track "$DPID"

usage() { # "RSS_KB FDS" of the daemon
	echo "$(awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status" 2>/dev/null) $(ls "/proc/$DPID/fd" 2>/dev/null | wc -l)"
}
# "SECONDS RSS_KB" every second, for the peaks.
RSS_LOG="$E2E_TMP/rss.log"
(
	t0=$(date +%s)
	while kill -0 "$DPID" 2>/dev/null; do
		echo "$(( $(date +%s) - t0 )) $(awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status" 2>/dev/null)"
		sleep 1
	done
) >"$RSS_LOG" &
track $!
# peak_rss FROM TO: the highest RSS sampled in [FROM, TO) seconds.
peak_rss() { awk -v a="$1" -v b="$2" 'NF == 2 && $1 >= a && $1 < b && $2 > m { m = $2 } END { print m + 0 }' "$RSS_LOG"; }
# median_rss FROM TO: the median RSS sampled in [FROM, TO) seconds. Since
# buffers freed after a target's start are trimmed at once, the peaks are
# brief (under a second, +4-6 MiB) and a 1 s sampler catches one in a
# window or not: growth (a leak) is judged on the medians, which a leak
# raises and a missed spike does not; the ceiling stays on the peaks.
median_rss() {
	awk -v a="$1" -v b="$2" 'NF == 2 && $1 >= a && $1 < b { print $2 }' "$RSS_LOG" | sort -n |
		awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : 0 }'
}

# ---------------------------------------------------------------- churn
TMS=()
n=0
start=$(date +%s)
warm=""
max_rss=0
while [ $(( $(date +%s) - start )) -lt "$SOAK_SECONDS" ]; do
	kill -0 "$DPID" 2>/dev/null || { not_ok "daemon died during the soak"; break; }
	n=$((n + 1))
	start_tm "tm$n" "$MAIN_STANDALONE" on -Dtaskmanager.resource-id=soak-$((n % 5)) -- \
		--task "map:5:Source: Soak$n -> Map (1/1)#0"
	TMS+=("$TM_PID")
	if [ "${#TMS[@]}" -gt 2 ]; then
		# Every other one dies without a chance to clean up.
		if [ $((n % 2)) -eq 0 ]; then kill -KILL "${TMS[0]}"; else kill -TERM "${TMS[0]}"; fi
		wait "${TMS[0]}" 2>/dev/null
		TMS=("${TMS[@]:1}")
	fi
	sleep "$CHURN_S"
	read -r rss fds <<<"$(usage)"
	[ -n "$rss" ] && [ "$rss" -gt "$max_rss" ] && max_rss=$rss
	# One line a minute: where the RSS goes is the soak's main figure.
	el=$(( $(date +%s) - start ))
	if [ $(( el / 60 )) -gt "${last_min:--1}" ]; then
		last_min=$(( el / 60 ))
		echo "# t=${el}s rss=${rss} KiB fds=${fds} $(curl -s --max-time 2 "http://127.0.0.1:$PORT/metrics" 2>/dev/null |
			awk '/^tmprof_cache_bytes\{/ { sub(/^tmprof_cache_bytes\{cache="/, ""); sub(/"\} /, "="); printf "%s ", $0 }')"
	fi
	if [ -z "$warm" ] && [ $(( $(date +%s) - start )) -ge "$WARMUP_S" ]; then
		warm="$rss $fds"
		echo "# warm-up done at $(( $(date +%s) - start )) s: rss ${rss} KiB, fds $fds"
	fi
done
read -r end_rss end_fds <<<"$(usage)"
read -r warm_rss warm_fds <<<"$warm"
el=$(( $(date +%s) - start ))
warm_peak=$(peak_rss "$WARMUP_S" $(( WARMUP_S + WINDOW_S )))
end_peak=$(peak_rss $(( el - WINDOW_S )) $(( el + 1 )))
after_peak=$(peak_rss "$WARMUP_S" $(( el + 1 )))
warm_med=$(median_rss "$WARMUP_S" $(( WARMUP_S + WINDOW_S )))
end_med=$(median_rss $(( el - WINDOW_S )) $(( el + 1 )))
echo "# soak ${SOAK_SECONDS}s, $n TaskManagers started: rss ${warm_rss} -> ${end_rss} KiB (max ${max_rss}), fds ${warm_fds} -> ${end_fds}"
echo "# RSS peaks (${WINDOW_S} s windows): after warm-up ${warm_peak} KiB, at the end ${end_peak} KiB, highest after warm-up ${after_peak} KiB (load: $(cut -d' ' -f1-3 /proc/loadavg))"
echo "# RSS medians (same windows): after warm-up ${warm_med} KiB, at the end ${end_med} KiB"
check "daemon alive after the soak" kill -0 "$DPID"
if [ "$SANITIZED" = 1 ]; then
	ok "RSS growth after warm-up not bounded in an ASan build ($(( end_peak - warm_peak )) KiB): its quarantine keeps freed memory; the normal build checks the bound"
else
	check "RSS growth after warm-up (medians) $(( end_med - warm_med )) KiB <= $SOAK_RSS_KB KiB" \
		[ $(( end_med - warm_med )) -le "$SOAK_RSS_KB" -a "$warm_med" -gt 0 ]
	check "RSS peak after warm-up ${after_peak} KiB <= $SOAK_RSS_MAX_KB KiB" \
		[ "$after_peak" -le "$SOAK_RSS_MAX_KB" -a "$after_peak" -gt 0 ]
fi
check "open fds growth after warm-up $(( ${end_fds:-0} - ${warm_fds:-0} )) <= $SOAK_FDS" \
	[ $(( ${end_fds:-999} - ${warm_fds:-0} )) -le "$SOAK_FDS" ]
check "JIT churn TaskManager profiled" bash -c "ls '$OUT/jit-churn/' | grep -q 'pb.gz'"
check "retention keeps each directory under max_bytes" \
	bash -c "! du -sb '$OUT'/*/ | awk '\$1 > 2 * 1048576 { bad = 1 } END { exit !bad }'"
dropped=$(grep -c 'exited; dropped' "$E2E_TMP/daemon.err")
check "exited TaskManagers were dropped ($dropped)" [ "$dropped" -ge $(( n - 4 )) ]
kill -TERM "$DPID"
wait_exit "$DPID" 30
check "SIGTERM: exit 0 ($WAIT_RC)" [ "$WAIT_RC" -eq 0 ]
[ "$E2E_FAILED" -eq 0 ] || { echo "# daemon log:"; tail -30 "$E2E_TMP/daemon.err" | sed 's/^/# /'; }
finish
