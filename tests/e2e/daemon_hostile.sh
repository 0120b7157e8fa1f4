#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Hostile TaskManagers beside a well-behaved one, as root with real BPF
# (issue 18). Around one daemon:
#   tm-trunc    maps a library (LD_PRELOAD) that a loop truncates and
#               rewrites in place while tmprof parses it      -> no SIGBUS
#   tm-perfmap  its /tmp/perf-PID.map is a 512 MiB sparse file (bind-mounted
#               read-only so the JVM cannot rewrite it)       -> read under a cap
#   copycat     another user's process claiming tm-good's resource id
#                                                            -> its own series, a warning
#   Pyroscope   a stand-in on 127.0.0.1 answering 503 after 9 s
#                                                            -> pushes bounded per period
#   /metrics    clients that connect and never send (more than the slots)
#   tm-garbage  answers every attach request with 64 MiB of garbage
#               (made-up thread headers and junk)             -> refused at 4 MiB
#   tm-hang     accepts the attach connection, never answers  -> costs a worker
#                                                               thread, not the loop
#   tm-threads  starts and ends threads by the thousand, names them with
#               1000 bytes each, and 500 made-up nids         -> thread names bounded
#   tm-symbols  burns its CPU in a library of 700000 functions (29 MiB of
#               .symtab + .strtab, as much again of .dynsym)  -> not read: one
#                                                               warning, named by library
#   (the last four: tests/workloads/hostile/hostile_tm.c)
# Throughout: tm-good gets a file every period, on time, the daemon stays up
# under an RSS bound (its [limits] memory), /metrics answers within 1 s.
# `tmprof record` of tm-perfmap and of tm-trunc (repeatedly, while the loop
# runs) stays up and bounded too.
# Usage: tests/e2e/daemon_hostile.sh [BUILD_DIR]
. "$(dirname "$0")/lib.sh" "${1:-build}"

require_all
command -v gcc >/dev/null 2>&1 || skip_all "no gcc (for the hostile library)"
command -v python3 >/dev/null 2>&1 || skip_all "no python3 (for the Pyroscope stand-in)"
command -v setpriv >/dev/null 2>&1 || skip_all "no setpriv (to act as another user)"
command -v curl >/dev/null 2>&1 || skip_all "no curl (to time /metrics)"

OUT="$E2E_TMP/out"
CFG="$E2E_TMP/daemon.ini"
PORT=$(( 20000 + RANDOM % 20000 ))
PYRO_PORT=$(( PORT + 1 ))
PERIOD=${HOSTILE_PERIOD:-5}
# Under ASan (CI's second pass) half as long: 6 periods are enough for its
# memory checks; the normal pass holds the timing bars over 12.
[ "$SANITIZED" = 1 ] && HOSTILE_S=${HOSTILE_S:-30}
HOSTILE_S=${HOSTILE_S:-60}
# Normal TaskManagers beside the hostile ones (tests/bench_hostile.sh: 4).
EXTRA_TMS=${HOSTILE_EXTRA_TMS:-0}
# The daemon's RSS bound here, its [limits] memory (measured: 31-40 MiB
# with these targets), far below the 512 MiB perf map that used to be read
# whole and the 64 MiB attach reply that used to be taken whole.
RSS_BOUND_KB=$(( 96 * 1024 ))
# record's bound on the 512 MiB sparse perf map: far below the map itself.
REC_RSS_BOUND_KB=$(( 150 * 1024 ))
# Under ASan (CI's second pass) the shadow memory and the quarantine of
# freed blocks are in RSS too (measured: daemon 209 MiB): bounds that still
# sit below what reading the 512 MiB map would take.
if [ "$SANITIZED" = 1 ]; then
	RSS_BOUND_KB=$(( 400 * 1024 ))
	REC_RSS_BOUND_KB=$(( 450 * 1024 ))
fi
NOBODY=65534
MOUNTS=()
LOOP_PID=
hostile_cleanup() {
	local m
	[ -n "$LOOP_PID" ] && kill "$LOOP_PID" 2>/dev/null
	for m in "${MOUNTS[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
	rm -f /tmp/perf-"${P_MAP:-none}".map
	e2e_cleanup
	# The copycat JVM runs as nobody: the perf map the daemon had it write
	# stays in /tmp under nobody's name. A later root JVM that gets the
	# same pid rewrites it in place, still owned by nobody, and tmprof
	# reads no perf map its target does not own: that JVM's JIT frames go
	# unnamed (CI: jdk_matrix's JDK 17 leak check).
	rm -f /tmp/perf-"${COPYCAT:-none}".map
}
trap hostile_cleanup EXIT

# ---------------------------------------------------------------- the hostile library
# Many small functions: a few hundred KiB of .eh_frame, so that parsing it
# takes long enough for the truncation loop to hit it. No code of it runs
# after load (the process itself would take SIGBUS from its own pages).
LIB="$E2E_TMP/libhostile.so"
awk 'BEGIN { for (i = 0; i < 6000; i++) printf "int hostile_f%d(int x) { volatile int a[%d]; a[0] = x; return a[0] * %d; }\n", i, 2 + i % 7, i }' \
	>"$E2E_TMP/hostile.c"
gcc -O1 -fomit-frame-pointer -shared -fPIC -o "$LIB" "$E2E_TMP/hostile.c" ||
	{ not_ok "cannot build the hostile library"; finish; }
cp "$LIB" "$E2E_TMP/libhostile.bak"
# Truncate and rewrite the same inode (cp opens it with O_TRUNC), forever.
truncation_loop() {
	while :; do
		truncate -s 4096 "$LIB"
		cp "$E2E_TMP/libhostile.bak" "$LIB"
		truncate -s 100 "$LIB"
		cp "$E2E_TMP/libhostile.bak" "$LIB"
	done
}

# ---------------------------------------------------------------- attach attackers
gcc -O1 -pthread -o "$E2E_TMP/hostile_tm" "$REPO/tests/workloads/hostile/hostile_tm.c" ||
	{ not_ok "cannot compile tests/workloads/hostile/hostile_tm.c"; finish; }
LIBJVM=$(find /usr/lib/jvm -name libjvm.so -path '*server*' 2>/dev/null | head -n 1)
[ -n "$LIBJVM" ] || skip_all "no libjvm.so under /usr/lib/jvm (for the posing TaskManagers)"
start_hostile() { # MODE: its pid in HOSTILE_PID
	"$E2E_TMP/hostile_tm" -Dtaskmanager.resource-id="tm-$1" \
		org.apache.flink.runtime.taskexecutor.TaskManagerRunner "$1" "$LIBJVM" \
		>"$E2E_TMP/$1.out" 2>"$E2E_TMP/$1.err" </dev/null &
	HOSTILE_PID=$!
	track "$HOSTILE_PID"
}
start_hostile garbage
H_GARBAGE=$HOSTILE_PID
start_hostile hang
H_HANG=$HOSTILE_PID
start_hostile threads
H_THREADS=$HOSTILE_PID
# tm-symbols burns its CPU in a library of 700000 functions: its symbol
# tables (.symtab + .strtab, and .dynsym + .dynstr: 29 MiB each) are over a
# quarter of the daemon's [limits] memory (24 MiB of 96), so they are never
# read; read, they cost 75 MiB of RSS at their peak and 170 ms of the loop
# (measured on a quiet machine).
SYMS_LIB="$E2E_TMP/libhostile_syms.so"
python3 - "$E2E_TMP/syms.s" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write(".text\n.globl hostile_spin\n.type hostile_spin,@function\n"
            "hostile_spin: mov $3000000,%ecx\n1: imul %ecx,%eax\n dec %ecx\n jnz 1b\n ret\n"
            ".size hostile_spin,.-hostile_spin\n")
    for i in range(700000):
        f.write(f".globl hostile_sym_{i:06d}\n.type hostile_sym_{i:06d},@function\n"
                f"hostile_sym_{i:06d}: ret\n.size hostile_sym_{i:06d},1\n")
PY
{ as -o "$E2E_TMP/syms.o" "$E2E_TMP/syms.s" && ld -shared -o "$SYMS_LIB" "$E2E_TMP/syms.o"; } ||
	{ not_ok "cannot build the library with huge symbol tables"; finish; }
rm -f "$E2E_TMP/syms.s" "$E2E_TMP/syms.o"
HOSTILE_SYMBOLS_LIB="$SYMS_LIB" start_hostile symbols
H_SYMBOLS=$HOSTILE_PID

# ---------------------------------------------------------------- Pyroscope stand-in
cat >"$E2E_TMP/pyro.py" <<'PY'
import http.server, sys, time
class Slow503(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        with open(sys.argv[2], "a") as f:
            f.write("%.3f\n" % time.time())
        time.sleep(9)
        self.send_response(503)
        self.send_header("Content-Length", "11")
        self.end_headers()
        self.wfile.write(b"unavailable")
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Slow503).serve_forever()
PY
python3 "$E2E_TMP/pyro.py" "$PYRO_PORT" "$E2E_TMP/pyro.hits" 2>"$E2E_TMP/pyro.err" &
PYRO=$!
track "$PYRO"

# ---------------------------------------------------------------- TaskManagers
start_tm good "$MAIN_STANDALONE" on -Dtaskmanager.resource-id=tm-good -- --task 'map:25:Source: Good -> Map (1/1)#0'
GOOD=$TM_PID
LD_PRELOAD="$LIB" start_tm trunc "$MAIN_STANDALONE" on -Dtaskmanager.resource-id=tm-trunc -- --mix light
TRUNC=$TM_PID
start_tm perfmap "$MAIN_STANDALONE" on -Dtaskmanager.resource-id=tm-perfmap -- --mix light
P_MAP=$TM_PID
# Another user's process claiming tm-good's id.
mkdir -m 777 "$E2E_TMP/nobody"
(cd "$E2E_TMP/nobody" && exec setpriv --reuid "$NOBODY" --regid "$NOBODY" --clear-groups \
	java -XX:+PreserveFramePointer "${TM_JIT_OPTS[@]}" -Dtaskmanager.resource-id=tm-good -cp "$WORKLOADS" \
	"$MAIN_STANDALONE" --task 'map:25:Source: Copycat -> Map (1/1)#0') \
	>"$E2E_TMP/copycat.out" 2>"$E2E_TMP/copycat.err" </dev/null &
COPYCAT=$!
track "$COPYCAT"
EXTRA=()
for i in $(seq "$EXTRA_TMS"); do
	start_tm "extra$i" "$MAIN_STANDALONE" on -Dtaskmanager.resource-id=tm-normal-$i -- \
		--task "map:50:Source: Normal$i -> Map (1/2)#0" --task "map:50:Source: Normal$i -> Map (2/2)#0"
	EXTRA+=("extra$i:$TM_PID")
done
for n in "${EXTRA[@]}" good:$GOOD trunc:$TRUNC perfmap:$P_MAP copycat:$COPYCAT garbage:$H_GARBAGE hang:$H_HANG threads:$H_THREADS; do
	wait_ready "${n#*:}" "$E2E_TMP/${n%%:*}.out" 90 ||
		{ not_ok "${n%%:*} did not start ($(tail -n 2 "$E2E_TMP/${n%%:*}.err" | tr '\n' ' '))"; finish; }
done
grep -q libhostile "/proc/$TRUNC/maps" || not_ok "tm-trunc does not map the hostile library"

# The 512 MiB sparse perf map: one real line, then holes. Read-only, so the
# JVM's own perf map dump cannot replace it.
RO="$E2E_TMP/ro" && mkdir "$RO"
mount -t tmpfs -o size=1m tmpfs "$RO" || skip_all "cannot mount tmpfs"
MOUNTS+=("$RO")
echo '0x1000 0x10 void hostile.Sparse.map()' >"$RO/perf.map"
truncate -s 512M "$RO/perf.map"
mount -o remount,ro "$RO" || { not_ok "cannot remount $RO read-only"; finish; }
MAP=/tmp/perf-$P_MAP.map
: >"$MAP"
mount --bind "$RO/perf.map" "$MAP" || { not_ok "cannot bind-mount the sparse perf map"; finish; }
MOUNTS=("$MAP" "${MOUNTS[@]}")

# ---------------------------------------------------------------- record on the hostile perf map
# The peak RSS (KiB) of record, from GNU time.
/usr/bin/time -f 'MAXRSS %M' -o "$E2E_TMP/time.out" \
	timeout -k 5 120 "$TMPROF" record -p "$P_MAP" -d 3 -o "$E2E_TMP/perfmap.folded" 2>"$E2E_TMP/rec-perfmap.err"
RC=$?
REC_RSS=$(sed -n 's/^MAXRSS //p' "$E2E_TMP/time.out")
check "record on a 512 MiB sparse perf map: exit 0 ($RC)" [ "$RC" -eq 0 ]
check "record on a 512 MiB sparse perf map: one warning naming the file" \
	grep -q "perf-$P_MAP.map is over tmprof's cap" "$E2E_TMP/rec-perfmap.err"
if [ "${REC_RSS:-999999}" -lt "$REC_RSS_BOUND_KB" ]; then ok "record on a 512 MiB sparse perf map: peak RSS $(( REC_RSS / 1024 )) MiB (bound $(( REC_RSS_BOUND_KB / 1024 )) MiB)"
else not_ok "record on a 512 MiB sparse perf map: peak RSS ${REC_RSS:-?} KiB over $(( REC_RSS_BOUND_KB / 1024 )) MiB"; fi

# record of tm-trunc, several times, while its library is truncated in a loop.
truncation_loop &
LOOP_PID=$!
rec_fail=0
for i in 1 2 3 4 5; do
	timeout -k 5 60 "$TMPROF" record -p "$TRUNC" -d 1 -o "$E2E_TMP/trunc-$i.folded" 2>"$E2E_TMP/rec-trunc-$i.err"
	rc=$?
	# 0, or a clean error exit: never a signal (SIGBUS: 135).
	if [ "$rc" -ge 128 ]; then rec_fail=1; not_ok "record during library truncation: run $i died (exit $rc)"; fi
done
[ "$rec_fail" -eq 0 ] && ok "record during library truncation: 5 runs, no signal"

# ---------------------------------------------------------------- the daemon
cat >"$CFG" <<-INI
[profile]
mode = cpu
frequency = 49
period = ${PERIOD}s
[output]
directory = $OUT
max_age = 1h
max_bytes = 100M
[push]
url = http://user:s3cretpw@127.0.0.1:$PYRO_PORT
app_name = tmprof.hostile
[metrics]
listen = 127.0.0.1:$PORT
[limits]
memory = $(( RSS_BOUND_KB / 1024 ))M
INI
DAEMON_LOG="$E2E_TMP/daemon.err"
"$TMPROF" daemon --config "$CFG" >"$E2E_TMP/daemon.out" 2>"$DAEMON_LOG" &
DPID=$!
track "$DPID"

# metrics_ms: the time /metrics takes to answer in full, in ms, as curl
# measures it from the connect (not counting the start of a process on a
# busy machine); 9999: no answer.
metrics_ms() {
	local t
	t=$(curl -s --max-time 5 -o "$E2E_TMP/metrics.txt" -w '%{http_code} %{time_total}' \
		"http://127.0.0.1:$PORT/metrics" 2>/dev/null)
	case "$t" in
	200\ *) awk -v t="${t#200 }" 'BEGIN { printf "%d\n", t * 1000 }' ;;
	*) echo 9999 ;;
	esac
}
check "tm-good files within 2 periods" wait_for $(( 2 * PERIOD + 20 )) has_files tm-good

# ---------------------------------------------------------------- the hostile phase
# Silent /metrics clients: more than the server's 8 slots, held open.
exec {S1}<>"/dev/tcp/127.0.0.1/$PORT" {S2}<>"/dev/tcp/127.0.0.1/$PORT" {S3}<>"/dev/tcp/127.0.0.1/$PORT" \
	{S4}<>"/dev/tcp/127.0.0.1/$PORT" {S5}<>"/dev/tcp/127.0.0.1/$PORT" {S6}<>"/dev/tcp/127.0.0.1/$PORT" \
	{S7}<>"/dev/tcp/127.0.0.1/$PORT" {S8}<>"/dev/tcp/127.0.0.1/$PORT" {S9}<>"/dev/tcp/127.0.0.1/$PORT" \
	{S10}<>"/dev/tcp/127.0.0.1/$PORT" ||
	not_ok "cannot open the silent /metrics clients"
good_before=$(nfiles tm-good)
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null; }
cpu_start=$(cpu_ticks "$DPID")
t_start=$(date +%s)
last_min=-1
max_rss=0
max_metrics=0
slow_metrics=0
while [ $(( $(date +%s) - t_start )) -lt "$HOSTILE_S" ]; do
	kill -0 "$DPID" 2>/dev/null || break
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status" 2>/dev/null)
	[ "${rss:-0}" -gt "$max_rss" ] && max_rss=$rss
	ms=$(metrics_ms)
	[ "$ms" -gt "$max_metrics" ] && max_metrics=$ms
	[ "$ms" -ge 1000 ] && slow_metrics=$(( slow_metrics + 1 ))
	el=$(( $(date +%s) - t_start ))
	if [ $(( el / 60 )) -gt "$last_min" ]; then
		last_min=$(( el / 60 ))
		echo "# t=${el}s daemon rss=${rss} KiB cpu=$(( ($(cpu_ticks "$DPID") - cpu_start) * 100 / $(getconf CLK_TCK) / (el > 0 ? el : 1) ))% /metrics ${ms} ms"
	fi
	# New silent clients now and then: the old ones may have been expired.
	exec {SX}<>"/dev/tcp/127.0.0.1/$PORT" 2>/dev/null
	sleep 1
done
elapsed=$(( $(date +%s) - t_start ))
good_after=$(nfiles tm-good)
cpu_end=$(cpu_ticks "$DPID")
cpu_pct=$(awk -v a="${cpu_start:-0}" -v b="${cpu_end:-0}" -v hz="$(getconf CLK_TCK)" -v s="$elapsed" \
	'BEGIN { printf "%.1f", (s > 0 ? (b - a) / hz / s * 100 : 0) }')
echo "# daemon CPU over the hostile phase: ${cpu_pct}% of one core ($elapsed s, $EXTRA_TMS normal TaskManagers beside; load: $(cut -d' ' -f1-3 /proc/loadavg))"

check "daemon stays up through the hostile phase" kill -0 "$DPID"
if [ "$max_rss" -gt 0 ] && [ "$max_rss" -lt "$RSS_BOUND_KB" ]; then
	ok "daemon RSS stays under $(( RSS_BOUND_KB / 1024 )) MiB: peak $(( max_rss / 1024 )) MiB"
else
	not_ok "daemon RSS peak ${max_rss} KiB (bound $RSS_BOUND_KB KiB)"
fi
if [ "$slow_metrics" -eq 0 ]; then ok "/metrics answers within 1 s with silent clients connected (slowest ${max_metrics} ms)"
else not_ok "/metrics took >= 1 s $slow_metrics times (slowest ${max_metrics} ms)"; fi
# Complete periods on time: attach requests run on worker threads, so a JVM
# that never answers (tm-hang) or answers 64 MiB (tm-garbage) delays no
# period. One period of slack each side of the phase, a gap of at most two
# periods between files (the machine is shared); the figures are printed.
want=$(( elapsed / PERIOD - 2 ))
got=$(( good_after - good_before ))
gaps=$(ls "$OUT/tm-good" | sed -n 's/^[0-9]*T\([0-9][0-9]\)\([0-9][0-9]\)\([0-9][0-9]\)Z.*/\1 \2 \3/p' |
	awk '{ t = $1 * 3600 + $2 * 60 + $3; if (NR > 1 && t - p > m) m = t - p; p = t } END { print m + 0 }')
echo "# tm-good: $got files in ${elapsed} s (period ${PERIOD} s), longest gap between period starts ${gaps} s"
if [ "$got" -ge "$want" ] && [ "$gaps" -le $(( 2 * PERIOD )) ]; then
	ok "tm-good: $got files in ${elapsed} s, longest gap ${gaps} s (period ${PERIOD} s)"
else
	not_ok "tm-good: $got files in ${elapsed} s (want at least $want), longest gap ${gaps} s (at most $(( 2 * PERIOD ))), period ${PERIOD} s"
	ls "$OUT/tm-good" | tr '\n' ' ' | sed 's/^/# /'; echo
	grep -vE 'TaskManager .* added' "$DAEMON_LOG" | tail -n 20 | sed 's/^/# log: /'
fi

# The loop's own work per turn is bounded: attach exchanges and perf-map
# reads (tm-perfmap's 512 MiB sparse map) run on the worker threads, target
# starts have a time budget per scan, pushes one per period. A turn or a
# period's writing that took a period would show here before it shows as a
# gap.
loop_max=$(awk '$1 == "tmprof_loop_turn_max_milliseconds" { print $2 }' "$E2E_TMP/metrics.txt")
write_max=$(awk '$1 == "tmprof_period_write_max_milliseconds" { print $2 }' "$E2E_TMP/metrics.txt")
late=$(awk '$1 == "tmprof_stacks_named_late_total" { print $2 }' "$E2E_TMP/metrics.txt")
left=$(awk '$1 == "tmprof_stacks_left_to_build_total" { print $2 }' "$E2E_TMP/metrics.txt")
echo "# loop: longest turn ${loop_max:-?} ms, longest period writing ${write_max:-?} ms (load: $(cut -d' ' -f1-3 /proc/loadavg))"
cheap=$(awk '$1 == "tmprof_stacks_named_cheaply_total" { print $2 }' "$E2E_TMP/metrics.txt")
dropped=$(awk '$1 == "tmprof_setup_results_dropped_total" { print $2 }' "$E2E_TMP/metrics.txt")
echo "# new stacks past the loop's naming budget: ${late:-?} named in a later turn, ${left:-?} left to the period's build, ${cheap:-?} named cheaply past its budget; set-up results dropped: ${dropped:-?}"
check "/metrics counts the stacks past the loop's naming budget" \
	bash -c "[ -n '$late' ] && [ -n '$left' ] && [ -n '$cheap' ] && [ -n '$dropped' ]"
check "the loop's longest turn (${loop_max:-?} ms) is under a period" \
	[ "${loop_max:-999999}" -lt $(( PERIOD * 1000 )) ]
check "the longest period writing (${write_max:-?} ms; pushes go out on their own thread) is under a period" \
	[ "${write_max:-999999}" -lt $(( PERIOD * 1000 )) ]

# Identity: the copycat has its own series, and the log says so.
check "copycat of tm-good: its own directory tm-good-u$NOBODY" has_files "tm-good-u$NOBODY"
check "copycat of tm-good: one warning naming both PIDs" \
	grep -q "TaskManager id tm-good is claimed by PID $GOOD (uid 0) and PID $COPYCAT (uid $NOBODY)" "$DAEMON_LOG"
if command -v go >/dev/null 2>&1; then
	export GOFLAGS=-mod=mod GOTOOLCHAIN=local GOCACHE="$E2E_TMP/gocache"
	for f in "$OUT"/tm-good/*.pb.gz; do go tool pprof -raw "$f" 2>/dev/null; done >"$E2E_TMP/raw-good.txt"
	check "tm-good's files hold none of the copycat's stacks" bash -c "grep -q 'Source: Good' '$E2E_TMP/raw-good.txt' && ! grep -q 'Copycat' '$E2E_TMP/raw-good.txt'"
else
	skip_check "tm-good's files hold none of the copycat's stacks" "no go"
fi

# Pushes: bounded per period, backing off, and no password in the log.
pushes=$(wc -l <"$E2E_TMP/pyro.hits" 2>/dev/null || echo 0)
periods=$(awk '$1 == "tmprof_periods_written_total" { print $2 }' "$E2E_TMP/metrics.txt")
push_ms=$(awk '$1 == "tmprof_push_milliseconds_total" { print $2 }' "$E2E_TMP/metrics.txt")
echo "# pushes: $pushes requests to the slow-503 stand-in in ${periods:-?} periods; ${push_ms:-?} ms pushing in all"
if [ -n "$periods" ] && [ -n "$push_ms" ] && [ "$periods" -gt 0 ] &&
	[ $(( push_ms / periods )) -le $(( PERIOD * 1000 / 4 + 1000 )) ]; then
	ok "push time per period: $(( push_ms / periods )) ms on average (budget $(( PERIOD * 1000 / 4 )) ms, period ${PERIOD} s)"
else
	not_ok "push time per period over budget: ${push_ms:-?} ms in ${periods:-?} periods"
fi
check "pushes back off: fewer requests ($pushes) than periods (${periods:-0})" [ "$pushes" -lt "${periods:-0}" ]
check "the push password never reaches the log" bash -c "! grep -q s3cretpw '$DAEMON_LOG'"
check "push failures are logged with the redacted URL" grep -q "push to http://127.0.0.1:$PYRO_PORT" "$DAEMON_LOG"

# The truncated library: the daemon parsed it (tm-trunc is profiled) and lived.
check "tm-trunc profiled during the truncation loop" has_files tm-trunc
check "tm-perfmap: the perf map cap is one warning naming the file" \
	grep -q "perf-$P_MAP.map is over tmprof's cap" "$DAEMON_LOG"

# The attach attackers.
check "tm-garbage: the 64 MiB reply refused, one warning" \
	grep -q "TaskManager tm-garbage (PID $H_GARBAGE): the JVM's attach reply was over tmprof's cap" "$DAEMON_LOG"
check "tm-hang: the silent JVM reported" \
	grep -q "TaskManager tm-hang (PID $H_HANG): the JVM did not answer the attach request" "$DAEMON_LOG"
check "tm-garbage, tm-hang, tm-threads are profiled (files)" \
	bash -c "ls '$OUT/tm-garbage' '$OUT/tm-hang' '$OUT/tm-threads' | grep -q 'pb.gz'"

# The library with huge symbol tables: not read, one warning with the fix,
# its frames named by library; the RSS bound above held with it.
check "tm-symbols (PID $H_SYMBOLS) is profiled (files)" has_files tm-symbols
if [ "$SANITIZED" = 1 ]; then
	# Under ASan [limits] memory is 400M: its .symtab and .strtab (29 MiB)
	# are under the cap of 100 MiB, and read.
	check "tm-symbols: tables under the cap are read (no warning)" \
		bash -c "! grep -q 'libhostile_syms.so: its symbol tables' '$DAEMON_LOG'"
else
	check "tm-symbols: its symbol tables refused, one warning with the fix" \
		grep -q "libhostile_syms.so: its symbol tables (29 MiB) are over a quarter of \[limits\] memory (96 MiB), so its frames are named by library only; set \[limits\] memory = 115M or more" "$DAEMON_LOG"
	check "tm-symbols: the warning is given once" \
		[ "$(grep -c 'libhostile_syms.so: its symbol tables' "$DAEMON_LOG")" -eq 1 ]
fi
tn_bytes=$(awk '$1 == "tmprof_cache_bytes{cache=\"thread_names\"}" { print $2 }' "$E2E_TMP/metrics.txt")
budget=$(awk '$1 == "tmprof_memory_budget_bytes" { print $2 }' "$E2E_TMP/metrics.txt")
echo "# thread names held: ${tn_bytes:-?} bytes; memory budget ${budget:-?} bytes; pending attach requests: $(awk '$1 == "tmprof_attach_requests_pending" { print $2 }' "$E2E_TMP/metrics.txt")"
# Per target at most 1 MiB of names and a 16384-thread table; unbounded,
# tm-threads' storm (a thousand new threads every ~0.2 s, 2000-byte names)
# would add megabytes a minute.
check "thread names held stay bounded (${tn_bytes:-?} bytes <= 4 MiB)" \
	[ "${tn_bytes:-999999999}" -le $(( 4 << 20 )) ]
check "tm-threads: its ~3 MiB dump is taken (under the reply cap)" \
	bash -c "! grep -q 'TaskManager tm-threads (PID $H_THREADS): the JVM.s attach reply was over' '$DAEMON_LOG'"
check "/metrics reports the memory budget ([limits] memory)" [ "${budget:-0}" -eq $(( RSS_BOUND_KB * 1024 )) ]

kill -TERM "$DPID"
wait_exit "$DPID" 30
# The daemon's log outlives the temporary directory, for a failure's reader.
cp "$DAEMON_LOG" "$BUILD/daemon_hostile.daemon.log" 2>/dev/null
check "SIGTERM: exit 0 ($WAIT_RC)" [ "$WAIT_RC" -eq 0 ]
echo "# daemon RSS peak: $(( max_rss / 1024 )) MiB; /metrics slowest: ${max_metrics} ms; record RSS on the sparse perf map: $(( ${REC_RSS:-0} / 1024 )) MiB"
finish
