#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: the bottleneck behind backpressure (issue 19), against the
# stand-in TaskManager's own clocks.
#
# The pipeline scenario (tests/workloads/tmprof/workload/Pipeline.java) with
# only its two chains: "Source: Events -> Map" (1/2),(2/2) write keyed
# records through bounded LocalBufferPools to "Keyed Aggregation -> Sink:
# Store" (1/2),(2/2).
#  1. Slow sinks that wait on I/O (a store round trip every 64 records,
#     3-6 ms each): tmprof record -e wall -o X.json; the truth (the
#     workload's WaitClock and ThreadMXBean over the recording) must show the
#     sources backpressured and the busiest sink mostly blocked in its
#     store read; then the JSON's first bottleneck is the sink chain, its
#     why is io (the sink's dominant state, also by the truth), its blocks
#     name the source chain, and the frame it waits in (its blocked_in, the
#     thread's blocked_in.io, "io in Class.method" in the evidence) is the
#     method the stand-in says its store client blocks in (StoreDevice
#     prints it on stderr, from a StackWalker in that method); the end of
#     record prints the paragraph; `tmprof explain X.json` names the sink,
#     "blocked on I/O in" that method, the source chain and a knob;
#     `tmprof top -n 1` prints the bottleneck line with the method.
#  2. Bad input to explain: not JSON (exit 1), a report without task threads
#     (exit 2), an -e cpu report without off-CPU states (exit 1): one line
#     each, naming the file.
#  3. Fast sinks (no store round trip, little CPU): the truth shows the
#     sources not backpressured; "bottlenecks" is [] and explain says "No
#     bottleneck".
# Usage: tests/e2e/bottleneck.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all
command -v python3 >/dev/null 2>&1 || skip_all "no python3 (parses the JSON report)"

DURATION=8
WARMUP=6
SOURCE="Source: Events -> Map"
SINK="Keyed Aggregation -> Sink: Store"
TASKS=(--burst-ms 50
	--task "events:60:$SOURCE (1/2)#0" --task "events:60:$SOURCE (2/2)#0"
	--task "store:100:$SINK (1/2)#0" --task "store:100:$SINK (2/2)#0")

# run_pipeline TAG WORKLOAD-ARGS...: starts the stand-in, records -e wall for
# DURATION s into $E2E_TMP/TAG.json (stdout TAG.rec.out) with a truth
# snapshot just before and after it (TAG.truth0, TAG.truth1).
run_pipeline() {
	local tag=$1 truth="$E2E_TMP/$1.truth.tsv"
	shift
	start_tm "$tag" "$MAIN_STANDALONE" on -- --truth "$truth" "${TASKS[@]}" "$@"
	if ! wait_ready "$TM_PID" "$TM_OUT" 60; then
		not_ok "$tag: stand-in TaskManager did not print ready within 60 s ($(tail -n 3 "$E2E_TMP/$tag.err" | tr '\n' ' '))"
		return 1
	fi
	sleep "$WARMUP"
	cp "$truth" "$E2E_TMP/$tag.truth0"
	timeout -k 5 $((DURATION + 90)) "$TMPROF" record -p "$TM_PID" -e wall -d "$DURATION" \
		-o "$E2E_TMP/$tag.json" >"$E2E_TMP/$tag.rec.out" 2>"$E2E_TMP/$tag.rec.err"
	RC=$?
	cp "$truth" "$E2E_TMP/$tag.truth1"
	if [ "$RC" -ne 0 ]; then
		not_ok "$tag: tmprof record -e wall -d $DURATION -o X.json: exit $RC (stderr: $(head -c 400 "$E2E_TMP/$tag.rec.err" | tr '\n' ' '))"
		return 1
	fi
	ok "$tag: tmprof record -p PID -e wall -d $DURATION -o X.json exit 0"
}

# check_report TAG EXPECT(slow|fast): the JSON's bottlenecks against the
# truth over the recording (deltas of the two snapshots). Truth lines:
# mono_ns name cpu_ns records bp_ns idle_ns blocked_ns run_delay_ns epoch_us.
check_report() {
	python3 - "$E2E_TMP/$1.json" "$E2E_TMP/$1.truth0" "$E2E_TMP/$1.truth1" "$2" "$TEST_NAME: $1" \
		"$SOURCE" "$SINK" "${BLOCKS_IN:-}" <<'PY'
import json, sys
path, t0, t1, expect, tn, source, sink, blocks_in = sys.argv[1:]
r = json.load(open(path))

def snap(p):
    d = {}
    for line in open(p):
        f = line.rstrip("\n").split("\t")
        if len(f) >= 9 and f[1] != "total_ops":
            d[f[1]] = [int(f[0])] + [int(x) for x in (f[2], f[4], f[5], f[6])]
    return d

a, b = snap(t0), snap(t1)
truth = {}  # name -> ms/s: cpu, backpressured, idle, blocked
for name in a:
    if name in b:
        wall = (b[name][0] - a[name][0]) / 1e9
        if wall > 0:
            truth[name] = [(y - x) / 1e6 / wall for x, y in zip(a[name][1:], b[name][1:])]
for name in sorted(truth):
    c = truth[name]
    print("# truth %s: cpu %.0f, backpressured %.0f, idle %.0f, blocked (io) %.0f ms/s" % (name, *c))
bn = r.get("bottlenecks")
print("# bottlenecks: %s" % json.dumps(bn))
src_bp = [v[1] for n, v in truth.items() if n.startswith(source + " (")]
sinks = {n: v for n, v in truth.items() if n.startswith(sink + " (")}
if len(src_bp) != 2 or len(sinks) != 2:
    print("not ok - %s: truth: expected 2 source and 2 sink threads, got %d and %d" % (tn, len(src_bp), len(sinks)))
    sys.exit(0)
mean_bp = sum(src_bp) / 2
if not isinstance(bn, list):
    print("not ok - %s: \"bottlenecks\" is %s, expected a list (-e wall)" % (tn, json.dumps(bn)))
    sys.exit(0)
if expect == "slow":
    busiest = max(sinks, key=lambda n: sinks[n][0] + sinks[n][3])
    cpu, bp, idle, blk = sinks[busiest]
    if mean_bp < 100 or blk < cpu:
        print("not ok - %s: truth: the scenario did not hold: sources backpressured %.0f ms/s (want >= 100), %s blocked %.0f vs cpu %.0f ms/s" % (tn, mean_bp, busiest, blk, cpu))
        sys.exit(0)
    print("ok - %s: truth: sources backpressured %.0f ms/s, busiest sink %s blocked in the store read %.0f ms/s > cpu %.0f ms/s" % (tn, mean_bp, busiest, blk, cpu))
    if not bn:
        print("not ok - %s: no bottleneck reported, expected %s" % (tn, sink))
        sys.exit(0)
    b0 = bn[0]
    name0 = "%s (%d/%d)#0" % (b0["chain"], b0["subtask"], b0["parallelism"])
    fig = "first %s why %s blocks %s; evidence: %s" % (name0, b0["why"], b0["blocks"], b0["evidence"])
    good = b0["chain"] == sink and b0["why"] == "io" and source in b0["blocks"]
    print("%s - %s: first bottleneck is the sink chain, why io (truth: blocked > cpu), blocks the source chain: %s" % ("ok" if good else "not ok", tn, fig))
    # The figures behind it against the truth (snapshots 200 ms apart: +-75 ms/s).
    t = {x["tid"]: x for x in r["threads"]}.get(b0["tid"])
    if t and name0 in truth:
        io, tio = t["blocked_by"]["io"], truth[name0][3]
        srcs = [x for x in r["threads"] if x.get("task") and " -> ".join(x["task"]["chain"]) == source]
        bp = sum(x["ms_per_s"]["backpressured"] for x in srcs) / max(len(srcs), 1)
        good = abs(io - tio) <= 75 and abs(bp - mean_bp) <= 75
        print("%s - %s: tmprof/truth: %s io %.0f/%.0f ms/s, sources backpressured %.0f/%.0f ms/s (+-75)" % ("ok" if good else "not ok", tn, name0, io, tio, bp, mean_bp))
    else:
        print("not ok - %s: bottleneck thread %s not in the report or the truth" % (tn, name0))
    # Where it waits: the method the stand-in's store client blocks in.
    short = ".".join(blocks_in.split(".")[-2:])
    w = (t or {}).get("blocked_in") or {}
    io_in = (w.get("io") or {}).get("frame")
    good = bool(blocks_in) and b0.get("blocked_in") == blocks_in and io_in == blocks_in and \
        (" io in %s," % short) in b0["evidence"]
    print("%s - %s: the sink waits in the workload's blocking method %s: bottleneck blocked_in %s, thread blocked_in.io %s (%s ms/s), evidence '%s'" % (
        "ok" if good else "not ok", tn, blocks_in or "(not announced)", b0.get("blocked_in"), io_in,
        (w.get("io") or {}).get("ms_per_s"), b0["evidence"]))
    for x in r["threads"]:
        if x.get("task") and " -> ".join(x["task"]["chain"]) == source:
            print("# %s (%d/%d) blocked_in: %s" % (source, x["task"]["subtask"], x["task"]["parallelism"], json.dumps(x.get("blocked_in"))))
    others = [x for x in bn if x["chain"] != sink]
    if others:
        print("not ok - %s: bottlenecks outside the sink chain: %s" % (tn, others))
else:
    if mean_bp >= 100:
        print("not ok - %s: truth: the fast sinks still backpressure the sources (%.0f ms/s)" % (tn, mean_bp))
        sys.exit(0)
    print("%s - %s: fast sinks (truth: sources backpressured %.0f ms/s): bottlenecks %s, expected []" % ("ok" if bn == [] else "not ok", tn, mean_bp, json.dumps(bn)))
PY
}

# explain_rejects WHAT FILE CODE TEXT: tmprof explain E2E_TMP/FILE exits CODE
# with one line on stderr that contains TEXT.
explain_rejects() {
	run_tmprof 10 explain "$E2E_TMP/$2"
	if [ "$RC" -eq "$3" ] && [ "$(wc -l <"$E2E_TMP/tmprof.err")" -eq 1 ] && grep -qF "$4" "$E2E_TMP/tmprof.err"; then
		ok "explain on $1: exit $3, '$(cat "$E2E_TMP/tmprof.err")'"
	else
		not_ok "explain on $1: exit $RC (want $3 and one line with '$4'), stderr: $(head -c 300 "$E2E_TMP/tmprof.err")"
	fi
}

# 1. Slow sinks waiting on I/O.
if run_pipeline slow --store-flush-ms 0 --store-io-ms 3:6 --sink-rounds 200; then
	SLOW_PID=$TM_PID
	# "store client blocks in tmprof.workload.StoreDevice.call": the
	# workload's own word for where its sink waits.
	BLOCKS_IN=$(sed -n 's/^store client blocks in //p' "$E2E_TMP/slow.err" | head -n 1)
	BLOCKS_SHORT=$(awk -F. '{ print $(NF-1) "." $NF }' <<<"$BLOCKS_IN")
	check_report slow slow >"$E2E_TMP/slow.check"
	cat "$E2E_TMP/slow.check"
	grep -q '^not ok' "$E2E_TMP/slow.check" && E2E_FAILED=1
	if grep -q "^Bottleneck: $SINK ([12]/2, pid $SLOW_PID) holds the" "$E2E_TMP/slow.rec.out"; then
		ok "slow: the end of record -e wall names the bottleneck: '$(grep -m1 '^Bottleneck: ' "$E2E_TMP/slow.rec.out")'"
	else
		not_ok "slow: the end of record -e wall does not name $SINK: $(tail -n 8 "$E2E_TMP/slow.rec.out" | tr '\n' ' ')"
	fi
	run_tmprof 30 explain "$E2E_TMP/slow.json"
	text=$(tr '\n' ' ' <"$E2E_TMP/tmprof.out")
	if [ "$RC" -eq 0 ] && [[ "$text" == "Bottleneck: $SINK ("*"holds the pipeline back: $SOURCE is backpressured"*"blocked on I/O in $BLOCKS_SHORT. "*"What usually helps: raise the parallelism of $SINK"*"Async I/O"* ]]; then
		ok "slow: tmprof explain X.json names the sink, I/O in $BLOCKS_SHORT, the source chain and the knob"
	else
		not_ok "slow: tmprof explain X.json: exit $RC, got: $text"
	fi
	sed 's/^/#   /' "$E2E_TMP/tmprof.out"
	timeout -k 5 60 "$TMPROF" top -p "$SLOW_PID" -n 1 -i 3 >"$E2E_TMP/top.out" 2>"$E2E_TMP/top.err" </dev/null
	rc=$?
	line=$(grep -m1 '^bottleneck: ' "$E2E_TMP/top.out")
	if [ "$rc" -eq 0 ] && [[ "$line" == "bottleneck: $SINK ("*") io in $BLOCKS_SHORT, backpressures $SOURCE"* ]]; then
		ok "slow: tmprof top -n 1: '$line'"
	else
		not_ok "slow: tmprof top -n 1: exit $rc, expected 'bottleneck: $SINK (s/p) io in $BLOCKS_SHORT, backpressures $SOURCE', got '$line' ($(head -c 300 "$E2E_TMP/top.err" | tr '\n' ' '))"
	fi

	# 2. Bad input: one line naming the file, documented exit codes.
	printf 'not json\n' >"$E2E_TMP/bad.json"
	explain_rejects "a file that is not JSON" bad.json 1 "bad.json: line 1"
	printf '{"duration_s":1.0,"threads":[],"noisy_neighbours":null}\n' >"$E2E_TMP/empty.json"
	explain_rejects "a report without task threads" empty.json 2 "empty.json: no Flink task threads"
	run_tmprof 60 record -p "$SLOW_PID" -e cpu -d 2 -o "$E2E_TMP/cpu.json"
	if python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["bottlenecks"] is not None)' "$E2E_TMP/cpu.json"; then
		ok "an -e cpu report has \"bottlenecks\": null"
	else
		not_ok "an -e cpu report: \"bottlenecks\" should be null (record exit $RC)"
	fi
	explain_rejects "an -e cpu report" cpu.json 1 "cpu.json: no off-CPU states"
	stop_pid "$SLOW_PID"
fi

# 3. Fast sinks: no store round trip, one reduce round per record.
if run_pipeline fast --store-flush-ms 100000000 --sink-rounds 1; then
	check_report fast fast >"$E2E_TMP/fast.check"
	cat "$E2E_TMP/fast.check"
	grep -q '^not ok' "$E2E_TMP/fast.check" && E2E_FAILED=1
	run_tmprof 30 explain "$E2E_TMP/fast.json"
	if [ "$RC" -eq 0 ] && grep -q '^No bottleneck' "$E2E_TMP/tmprof.out"; then
		ok "fast: tmprof explain X.json: '$(head -n 1 "$E2E_TMP/tmprof.out")'"
	else
		not_ok "fast: tmprof explain X.json: exit $RC, expected 'No bottleneck...', got: $(head -c 300 "$E2E_TMP/tmprof.out" | tr '\n' ' ')"
	fi
fi

finish
