#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark of the shared unwinder maps (agent/collect/unwind_maps.c)
# against the commit before them. Prints figures and ratios; no pass/fail.
#   A JVM (AllocMix, -XX:-PreserveFramePointer: HotSpot unwinding, .eh_frame
#   rows for libc) is recorded with -e cpu,offcpu,alloc by this build and by
#   the base build, alternately, BENCH_RUNS times each. Per recording:
#   1. BPF map memory of the agent, while it records: every BPF map it holds
#      a descriptor of (/proc/PID/fdinfo, each map id once), summed as
#      value_size * max_entries and as the kernel's memlock figure; and the
#      unwinder's part (cfi_rows, cfi_procs, hotspot_cfgs, hs_blobs, and
#      the per-event stats maps' share).
#   2. start-up CPU: tmprof's utime + stime (/proc/PID/stat) when it prints
#      "tmprof: recording" (BPF objects loaded, JVM attached, rows and
#      HotSpot configs in the maps: sampling starts there).
#   3. RSS: VmRSS at that moment, and max_rss_kb of the whole run (--stats).
#   Medians per build, and the ratio this / base.
# The base is the commit before agent/collect/unwind_maps.c was added
# (BENCH_BASE_REV to choose another), built once from `git archive` into
# /var/cache/tmprof-test/bench_maps/<rev> (BENCH_BASE_BUILD: use a build
# directory instead).
# Usage: tests/bench_maps.sh [BUILD_DIR]
# Environment: BENCH_RUNS (3), BENCH_SECONDS (8), BENCH_BASE_REV, BENCH_BASE_BUILD.

. "$(dirname "$0")/e2e/lib.sh" "${1:-build}"
# shellcheck disable=SC2034
TEST_NAME=bench_maps
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-8}

die() { echo "bench_maps: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root"
[ -x "$TMPROF" ] || die "no $TMPROF: run make"
require_workloads
command -v java >/dev/null || die "no java"

base_build() {
	local rev dir
	if [ -n "${BENCH_BASE_BUILD:-}" ]; then
		BASE_TMPROF="$BENCH_BASE_BUILD/tmprof"
		[ -x "$BASE_TMPROF" ] || die "no $BASE_TMPROF"
		return
	fi
	rev=${BENCH_BASE_REV:-}
	if [ -z "$rev" ]; then
		rev=$(git -C "$REPO" log --diff-filter=A --format=%H -1 -- agent/collect/unwind_maps.c) ||
			die "not a git checkout: set BENCH_BASE_BUILD"
		[ -n "$rev" ] || die "no commit adds agent/collect/unwind_maps.c: set BENCH_BASE_REV"
		rev=$(git -C "$REPO" rev-parse "$rev^")
	fi
	dir=/var/cache/tmprof-test/bench_maps/$rev
	BASE_TMPROF="$dir/build/tmprof"
	[ -x "$BASE_TMPROF" ] && return
	echo "bench_maps: building the base ${rev:0:12} in $dir (once)"
	rm -rf "$dir" && mkdir -p "$dir" || die "cannot create $dir"
	git -C "$REPO" archive "$rev" | tar -x -C "$dir" || die "git archive $rev failed"
	make -C "$dir" -j2 all >"$dir/build.log" 2>&1 || die "base build failed: $dir/build.log"
}
base_build

NCPU=$(getconf _NPROCESSORS_CONF)
# map_memory PID: "<maps> <value bytes> <memlock bytes> <unwinder value bytes>"
# over the BPF maps PID holds (each map once). Per-CPU maps count
# value_size * max_entries * CPUs. The unwinder's maps are those of the
# names in bpf/ustack.bpf.h and its unwinders.
map_memory() {
	local pid=$1
	# One awk over every descriptor's fdinfo: quick, the agent records
	# for a few seconds only and the machine may be loaded.
	awk 'FNR == 1 { if (id != "") print id, t, vs, me, ml; id = "" }
		/^map_id:/ { id = $2 } /^map_type:/ { t = $2 } /^value_size:/ { vs = $2 }
		/^max_entries:/ { me = $2 } /^memlock:/ { ml = $2 }
		END { if (id != "") print id, t, vs, me, ml }' /proc/"$pid"/fdinfo/* 2>/dev/null |
		sort -u -k1,1 >"$E2E_TMP/fdmaps"
	bpftool -j map show </dev/null 2>/dev/null | sed 's/},{"id"/}\n{"id"/g' |
		sed -nE 's/^.*"id":([0-9]+),"type":"[^"]*","name":"([^"]*)".*/\1 \2/p' >"$E2E_TMP/names"
	awk -v ncpu="$NCPU" 'NR == FNR { name[$1] = $2; next }
		{
			per = ($2 == 5 || $2 == 6 || $2 == 10) ? ncpu : 1 # percpu hash, percpu array, lru percpu
			b = $3 * $4 * per
			n++; v += b; m += $5
			if (name[$1] ~ /^(cfi_rows|cfi_procs|hotspot_cfgs|hs_blobs|unwind_stats)$/) u += b
		}
		END { printf "%d %d %d %d\n", n, v, m, u }' "$E2E_TMP/names" "$E2E_TMP/fdmaps"
}

ticks_ms() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' "/proc/$1/stat" 2>/dev/null; }

# record_once TMPROF OUTFILE: one recording; appends
# "maps value_bytes memlock_bytes unwinder_bytes start_cpu_ms rss_start_kb max_rss_kb" to OUTFILE.
record_once() {
	local bin=$1 out=$2 rec cpu="" rss="" mem="" i
	# Not the last run's: the shell truncates it only once the child runs.
	rm -f "$E2E_TMP/r.err"
	"$bin" record -p "$PID" -e cpu,offcpu,alloc -d "$SECS" -o "$E2E_TMP/r.folded" --stats \
		>/dev/null 2>"$E2E_TMP/r.err" &
	rec=$!
	for i in $(seq 3000); do
		if grep -q '^tmprof: recording' "$E2E_TMP/r.err" 2>/dev/null; then
			cpu=$(ticks_ms "$rec")
			rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$rec/status" 2>/dev/null)
			break
		fi
		kill -0 "$rec" 2>/dev/null || break
		sleep 0.01
	done
	[ -n "$cpu" ] && mem=$(map_memory "$rec")
	wait "$rec"
	local maxrss
	maxrss=$(sed -nE 's/^stats:.* max_rss_kb=([0-9]+).*/\1/p' "$E2E_TMP/r.err")
	if [ -z "$cpu" ] || [ -z "$mem" ] || [ -z "$maxrss" ]; then
		echo "   (a recording by $bin failed: $(tail -n 1 "$E2E_TMP/r.err"))"
		return
	fi
	echo "$mem $cpu $rss $maxrss" >>"$out"
}

echo "bench_maps: $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   this: $TMPROF"
echo "   base: $BASE_TMPROF"
start_java allocmix tmprof.workload.AllocMix -XX:-PreserveFramePointer -Xms128m -Xmx128m \
	-XX:CompileCommand=quiet -- --truth "$E2E_TMP/truth.tsv"
PID=$JAVA_PID
wait_ready "$PID" "$E2E_TMP/allocmix.out" 60 || die "AllocMix did not start"
sleep 3

: >"$E2E_TMP/base" && : >"$E2E_TMP/this"
for i in $(seq "$RUNS"); do
	record_once "$BASE_TMPROF" "$E2E_TMP/base"
	record_once "$TMPROF" "$E2E_TMP/this"
done
[ -s "$E2E_TMP/base" ] && [ -s "$E2E_TMP/this" ] || die "no successful recordings"

# median FILE COLUMN
median() { sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ a[NR] = $c } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
echo
printf '   %-34s %14s %14s %8s\n' "-e cpu,offcpu,alloc, medians of $RUNS" base this "this/base"
row() {
	local label=$1 col=$2 unit=$3 b t
	b=$(median "$E2E_TMP/base" "$col")
	t=$(median "$E2E_TMP/this" "$col")
	awk -v l="$label" -v b="$b" -v t="$t" -v u="$unit" 'BEGIN {
		if (u == "MiB") { bs = sprintf("%.1f MiB", b / 1048576); ts = sprintf("%.1f MiB", t / 1048576) }
		else { bs = b " " u; ts = t " " u }
		printf "   %-34s %14s %14s %8s\n", l, bs, ts, (b > 0 ? sprintf("%.2f", t / b) : "-") }'
}
row "BPF maps held by the agent" 1 ""
row "map memory (value_size*entries)" 2 MiB
row "map memory (kernel memlock)" 3 MiB
row "  of which the unwinder state maps" 4 MiB
row "start-up CPU to 'recording'" 5 ms
row "RSS at 'recording'" 6 kB
row "max RSS of the run" 7 kB
echo "   load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
