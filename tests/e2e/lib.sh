# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034,SC2054
# Shared helpers for tmprof's end-to-end tests, demo and benchmark.
# Source it from a script as:   . "$(dirname "$0")/lib.sh" "${1:-build}"
#
# Provides:
#   REPO, BUILD (absolute), TMPROF, WORKLOADS, E2E_TMP (private temp dir)
#   ok / not_ok / check     TAP-like result lines ("ok - ...", "not ok - ...")
#   skip_all REASON         "ok - # SKIP" and exit 0, or "not ok ... (CI=true)" and exit 1 under CI
#   require_* checks        root, BPF, java, the tmprof binary, the workloads
#   start_java / start_tm   background JVMs, killed on exit (trap EXIT)
#   wait_ready PID FILE S   bounded wait for "ready" on a workload's stdout
#   folded_* awk helpers    parsing of folded stacks
# Every process started through these helpers is killed and E2E_TMP removed on
# exit, whatever the outcome.

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${1:-build}
case "$BUILD" in /*) ;; *) BUILD="$REPO/$BUILD" ;; esac
TMPROF="$BUILD/tmprof"
# A build with AddressSanitizer (make SANITIZE=1): helpers linked against
# its library need the same flags, and RSS is not the program's own (ASan
# keeps freed memory in quarantine).
SANITIZED=0
if nm "$TMPROF" 2>/dev/null | grep -q ' __asan_init$'; then SANITIZED=1; fi
SAN_FLAGS=()
[ "$SANITIZED" = 1 ] && SAN_FLAGS=(-fsanitize=address,undefined)
WORKLOADS="$BUILD/workloads"
TEST_NAME=$(basename "$0" .sh)
E2E_FAILED=0
E2E_PIDS=()
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tmprof-$TEST_NAME.XXXXXX")
chmod 755 "$E2E_TMP"

# JVM options for every stand-in TaskManager.
#  - dontinline on the hot path: HotSpot would otherwise inline
#    processInput/processElement/map into runMailboxLoop and those frames
#    would not exist in the machine stack (no profiler that walks frame
#    pointers can show them). The tests check those exact frames, so keep
#    them as real frames. quiet: no "CompileCommand: ..." lines on stdout.
#    Likewise the Flink methods on the blocking paths of the pipeline
#    scenario: tmprof classifies an off-CPU stack by these frames
#    (agent/rules/flink.rules), so they must not be inlined away.
#  - -Xss / heap small: many JVMs may run at once on a 2-CPU, small machine.
TM_JIT_OPTS=(
	-XX:CompileCommand=quiet
	-XX:CompileCommand=dontinline,org.apache.flink.runtime.taskmanager.Task::doRun
	-XX:CompileCommand=dontinline,org.apache.flink.streaming.runtime.tasks.StreamTask::invoke
	-XX:CompileCommand=dontinline,org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor::runMailboxLoop
	-XX:CompileCommand=dontinline,org.apache.flink.streaming.runtime.io.StreamOneInputProcessor::processInput
	-XX:CompileCommand=dontinline,org.apache.flink.streaming.api.operators.StreamMap::processElement
	-XX:CompileCommand=dontinline,org.apache.flink.streaming.runtime.operators.windowing.WindowOperator::processElement
	-XX:CompileCommand=dontinline,com.example.jobs.HashingMapper::map
	-XX:CompileCommand=dontinline,com.example.jobs.ClickParser::map
	-XX:CompileCommand=dontinline,com.example.jobs.SumReducer::reduce
	-XX:CompileCommand=dontinline,org.apache.flink.runtime.io.network.buffer.LocalBufferPool::requestMemorySegmentBlocking
	-XX:CompileCommand=dontinline,org.apache.flink.runtime.io.network.buffer.LocalBufferPool::requestBufferBuilderBlocking
	-XX:CompileCommand=dontinline,org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl::take
	-XX:CompileCommand=dontinline,org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor::processMail
	-XX:CompileCommand=dontinline,org.apache.flink.streaming.runtime.tasks.mailbox.MailboxProcessor::processMailsWhenDefaultActionUnavailable
	-Xms64m -Xmx256m
)

MAIN_STANDALONE=org.apache.flink.runtime.taskexecutor.TaskManagerRunner
MAIN_YARN=org.apache.flink.yarn.YarnTaskExecutorRunner
MAIN_K8S=org.apache.flink.kubernetes.taskmanager.KubernetesTaskExecutorRunner
MAIN_OTHER=tmprof.workload.OtherJvm

# The java command the JVM helpers run: "java" (the host's), or a wrapper
# such as "tests/jdk/java.sh 21" (tests/e2e/jdk_matrix.sh) that runs another
# JDK, possibly chrooted in its own PID namespace.
read -r -a E2E_JAVA_CMD <<<"${E2E_JAVA:-java}"

# ---------------------------------------------------------------- results

ok() { echo "ok - $TEST_NAME: $*"; }
not_ok() { echo "not ok - $TEST_NAME: $*"; E2E_FAILED=1; }
# check DESCRIPTION COMMAND...: ok if the command succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# skip_check DESCRIPTION REASON: one check that cannot run here.
skip_check() {
	if [ "${CI:-}" = true ]; then
		not_ok "$1: $2 (CI=true)"
	else
		echo "ok - # SKIP $TEST_NAME: $1: $2"
	fi
}
# skip_all REASON: the whole script cannot run here.
skip_all() {
	if [ "${CI:-}" = true ]; then
		echo "not ok - $TEST_NAME: cannot run: $1 (CI=true)"
		exit 1
	fi
	echo "ok - # SKIP $TEST_NAME: $1"
	exit 0
}
# finish: exit status for the script (call last).
finish() { exit "$E2E_FAILED"; }

# --------------------------------------------------------------- requirements

require_root() { [ "$(id -u)" -eq 0 ] || skip_all "needs root"; }
require_bpf() {
	[ -e /proc/sys/kernel/perf_event_paranoid ] || skip_all "kernel without perf events"
	[ -e /proc/sys/kernel/unprivileged_bpf_disabled ] || skip_all "kernel without BPF syscall"
	if command -v bpftool >/dev/null 2>&1; then
		bpftool prog show >/dev/null 2>&1 || skip_all "BPF not usable here (bpftool prog show failed)"
	fi
}
require_java() {
	if [ -n "${E2E_JAVA:-}" ]; then
		"${E2E_JAVA_CMD[@]}" -version >/dev/null 2>&1 || skip_all "'$E2E_JAVA -version' fails"
	else
		command -v java >/dev/null 2>&1 || skip_all "no java"
	fi
}
require_tmprof() { [ -x "$TMPROF" ] || skip_all "no $TMPROF (run make)"; }
require_workloads() {
	[ -f "$WORKLOADS/org/apache/flink/runtime/taskexecutor/TaskManagerRunner.class" ] ||
		skip_all "workloads not built in $WORKLOADS (make workloads)"
}
require_all() { require_root; require_bpf; require_java; require_tmprof; require_workloads; }

# ---------------------------------------------------------------- processes

e2e_cleanup() {
	local p i
	for p in "${E2E_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${E2E_PIDS[@]}"; do
		for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	# What a killed JVM (or a stand-in posing as one) leaves in /tmp: left
	# there, pids wrap (32768 here) and a later test's process finds a dead
	# attach socket or another program's perf map under its pid. Not if
	# the pid already belongs to someone else.
	for p in "${E2E_PIDS[@]}"; do
		kill -0 "$p" 2>/dev/null || rm -f "/tmp/.java_pid$p" "/tmp/perf-$p.map"
	done
	E2E_PIDS=()
	[ -n "${E2E_KEEP:-}" ] || rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT
trap 'exit 130' INT TERM HUP

# track PID: kill it on exit.
track() { E2E_PIDS+=("$1"); }

# stop PID: TERM, wait at most 5 s, KILL.
stop_pid() {
	local p=$1 i
	kill -TERM "$p" 2>/dev/null || return 0
	for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	return 0
}

# start_java NAME MAINCLASS [JVM options...] -- [program arguments...]
# Starts java in the background in E2E_TMP with stdout in E2E_TMP/NAME.out and
# stderr in E2E_TMP/NAME.err; sets JAVA_PID.
start_java() {
	local name=$1 main=$2
	shift 2
	local jvm=() app=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do jvm+=("$1"); shift; done
	[ $# -gt 0 ] && shift
	app=("$@")
	(cd "$E2E_TMP" && exec "${E2E_JAVA_CMD[@]}" "${jvm[@]}" -cp "$WORKLOADS" "$main" "${app[@]}") \
		>"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" </dev/null &
	JAVA_PID=$!
	track "$JAVA_PID"
	java_host_pid "$JAVA_PID"
}

# java_host_pid PID: sets JAVA_PID to the java process PID is or started (a
# wrapper such as tests/jdk/java.sh runs it as a descendant, in another PID
# namespace: this is its PID here, the one tmprof takes). Waits at most 10 s;
# leaves JAVA_PID alone if none shows up. The JVM is tracked as well.
java_host_pid() {
	local top=$1 i p q kids
	for i in $(seq 100); do
		p=$top
		while [ -n "$p" ]; do
			case "$(readlink "/proc/$p/exe" 2>/dev/null)" in
			*/bin/java)
				JAVA_PID=$p
				[ "$p" = "$top" ] || track "$p"
				return 0
				;;
			esac
			kids=$(cat "/proc/$p/task/$p/children" 2>/dev/null)
			q=${kids%% *}
			p=${q// /}
		done
		kill -0 "$top" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_tm NAME MAINCLASS on|off [extra JVM options...] -- [workload arguments...]
# A stand-in TaskManager with (on) or without (off) -XX:+PreserveFramePointer
# and the hot-path dontinline options; sets TM_PID and TM_OUT. Does not wait.
start_tm() {
	local name=$1 main=$2 pfp=$3
	shift 3
	local flag=-XX:-PreserveFramePointer
	[ "$pfp" = on ] && flag=-XX:+PreserveFramePointer
	start_java "$name" "$main" "$flag" "${TM_JIT_OPTS[@]}" "$@"
	TM_PID=$JAVA_PID
	TM_OUT="$E2E_TMP/$name.out"
}

# tid_map_start PID FILE: until tid_map_stop, appends "<tid in the JVM's
# namespace>\t<tid here>" of PID's live threads to FILE every 0.1 s, for
# workloads that log their own thread ids while they run in another PID
# namespace (tests/jdk/java.sh). tid_map_apply FILE COL < in > out rewrites
# column COL (tab-separated) from the first to the second.
tid_map_start() {
	local pid=$1 file=$2
	(
		while kill -0 "$pid" 2>/dev/null; do
			awk '/^NSpid:/ && NF > 2 { print $NF "\t" $2 }' /proc/"$pid"/task/*/status 2>/dev/null
			sleep 0.1
		done
	) >>"$file" &
	TID_MAP_PID=$!
	track "$TID_MAP_PID"
}
tid_map_stop() { [ -n "${TID_MAP_PID:-}" ] && stop_pid "$TID_MAP_PID"; TID_MAP_PID=; }
tid_map_apply() {
	awk -F'\t' -v OFS='\t' -v col="$2" 'FILENAME == ARGV[1] { m[$1] = $2; next }
		{ if ($col in m) $col = m[$col]; print }' "$1" -
}

# wait_ready PID STDOUT_FILE TIMEOUT_S: 0 once "ready" was printed; 1 if the
# process died or the timeout passed.
wait_ready() {
	local pid=$1 file=$2 limit=$(( $3 * 10 )) i
	for i in $(seq "$limit"); do
		grep -qx ready "$file" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# wait_exit PID TIMEOUT_S: waits for a child started with & ; sets WAIT_RC
# (124 on timeout, after killing it).
wait_exit() {
	local pid=$1 limit=$(( $2 * 10 )) i
	for i in $(seq "$limit"); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		WAIT_RC=124
		return
	fi
	wait "$pid"
	WAIT_RC=$?
}

# run_tmprof TIMEOUT_S ARGS...: runs tmprof in the foreground with a time
# limit; stdout in E2E_TMP/tmprof.out, stderr in E2E_TMP/tmprof.err; sets RC.
run_tmprof() {
	local limit=$1
	shift
	timeout -k 5 "$limit" "$TMPROF" "$@" >"$E2E_TMP/tmprof.out" 2>"$E2E_TMP/tmprof.err"
	RC=$?
}

# A PID that does not exist now.
free_pid() {
	local max p
	max=$(cat /proc/sys/kernel/pid_max)
	for p in $(( max - 1 )) $(( max - 2 )) $(( max - 3 )) 999999 ; do
		[ -e "/proc/$p" ] || { echo "$p"; return; }
	done
	echo 999999
}

# ------------------------------------------------------------- daemon output

# wait_for SECONDS COMMAND...: until the command succeeds.
wait_for() {
	local limit=$(( $1 * 10 )) i
	shift
	for i in $(seq "$limit"); do "$@" && return 0; sleep 0.1; done
	return 1
}
# nfiles ID / has_files ID [N]: the daemon's pprof files for TaskManager
# ID in $OUT (the script's [output] directory), at least N of them.
nfiles() { find "$OUT/$1" -maxdepth 1 -name '*.pb.gz' 2>/dev/null | wc -l; }
has_files() { [ "$(nfiles "$1")" -ge "${2:-1}" ]; }

# ------------------------------------------------------------- folded stacks
# Folded line: "frame;frame;...;leaf COUNT", root first. With thread frames
# (tmprof's default) the first frame is "[<thread name> tid=<tid>]".

# With several target processes tmprof puts a process frame
# "[<kind> pid=<pid>]" before the thread frame; the helpers below accept both.

# folded_strip_process FILE: the stacks without a leading process frame.
folded_strip_process() { sed -E 's/^\[[^];]* pid=[0-9]+\];//' "$1"; }

# folded_thread_states FILE: "<thread>\t<[state]>\t<sum>" per thread and the
# pseudo-frame right under its root (a wall profile's state; "<none>"), for
# stacks without a process frame (folded_strip_process).
folded_thread_states() {
	awk '{
		c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		t = f[1]; sub(/^\[/, "", t); sub(/ tid=[0-9]+\]$/, "", t)
		st = (n >= 2 && f[2] ~ /^\[[a-z]+\]$/) ? f[2] : "<none>"
		sum[t "\t" st] += c
	} END { for (k in sum) print k "\t" sum[k] }' "$1"
}

# folded_total FILE: sum of counts.
folded_total() { awk '{ n += $NF } END { print n + 0 }' "$1"; }

# folded_by_thread FILE: "<count>\t<thread name>" per thread name (tids merged).
folded_by_thread() {
	awk '{
		c = $NF; s = $0; sub(/ [0-9]+$/, "", s)
		if (s ~ /^\[[^];]* pid=[0-9]+\];/) sub(/^\[[^];]* pid=[0-9]+\];/, "", s)
		i = index(s, ";"); t = (i ? substr(s, 1, i - 1) : s)
		if (t ~ /^\[.* tid=[0-9]+\]$/) { sub(/^\[/, "", t); sub(/ tid=[0-9]+\]$/, "", t) } else t = "<no thread frame>"
		n[t] += c
	} END { for (t in n) printf "%d\t%s\n", n[t], t }' "$1"
}

# folded_has_frame FILE REGEX: some frame matches the (awk) regex.
folded_has_frame() {
	RE="$2" awk 'BEGIN { re = ENVIRON["RE"] } {
		s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		for (i = 1; i <= n; i++) if (f[i] ~ re) { found = 1; exit }
	} END { exit !found }' "$1"
}

# folded_frames_matching FILE REGEX: weighted number of samples with a frame matching.
folded_samples_with() {
	RE="$2" awk 'BEGIN { re = ENVIRON["RE"] } {
		c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		for (i = 1; i <= n; i++) if (f[i] ~ re) { m += c; break }
	} END { print m + 0 }' "$1"
}
