#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: CPU categories (issue 17) on real stacks, and the outputs
# that carry them. The stand-in CategoryMix
# (tests/workloads/tmprof/workload/CategoryMix.java) runs two task threads
# ("Keyed Enrich -> Sink: Store (i/2)#0") whose CPU goes, in known and
# different proportions, to a user function, to serializers named like
# Flink's, Kryo's and Avro's, to RocksDB (org.rocksdb.RocksDB.get -> JNI ->
# rocksdb::DBImpl::Get... in librocksdbjni-linux64.so) and to Netty-named
# buffer and socket code; the rest (its loop, in a Flink-named class) is
# framework. The workload measures each category's CPU itself (thread CPU
# clock around each call). tmprof records it (-e cpu, folded); the helper
# tests/e2e/categorize_folded.c classifies every stack with the default
# rules (agent/rules/categories.rules, through agent/core/category_rules.h)
# and the checks are:
#   - each category's share of each task thread's samples within +-5
#     percentage points of its measured share of the thread's CPU over the
#     recording (framework: the thread's CPU minus the measured calls;
#     checkpoint, gc and jit: 0);
#   - the RocksDB functions appear as native frames (no suffix) under the
#     Java caller org.rocksdb.RocksDB.get (_[j], _[i] or _[0]) in >= 95 % of
#     the samples that hold a rocksdb:: frame;
#   - the socket system calls under NioSocketChannel.doWrite are network;
#   - tmprof's own outputs, recorded at the same time: the "[category]"
#     frames of --category-frames folded output, the JSON report's
#     cpu_by_category (every default category, summing to the thread's cpu)
#     and the "category" label of pprof samples (read with the tests' own
#     decoder, tests/e2e/pprof_categories.c) each within +-5 pp of the
#     truth per task thread; `tmprof top` prints a category line per subtask
#     and per operator chain;
#   - --categories FILE with a custom rule (com.example. is network, nothing
#     else named: Flink's classes become user code) moves the user function's
#     share to network; a bad line is reported with file:line, exit 1.
# Usage: tests/e2e/categories.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
. "$(dirname "$0")/category_mix.bash"
require_all
MISSING=$(category_mix_missing)
[ -z "$MISSING" ] || skip_all "$MISSING"

DURATION=${CATEGORIES_DURATION:-20}
FREQ=499
TOLERANCE_PP=5

# ------------------------------------------------------------- the helper
CAT="$E2E_TMP/categorize_folded"
gcc -std=c11 -D_GNU_SOURCE -O1 "${SAN_FLAGS[@]}" -I"$REPO" -o "$CAT" "$REPO/tests/e2e/categorize_folded.c" \
	"$BUILD/libtmprof.a" -lm 2>"$E2E_TMP/gcc.err" ||
	{ not_ok "cannot compile tests/e2e/categorize_folded.c: $(head -c 400 "$E2E_TMP/gcc.err")"; finish; }
PPCAT="$E2E_TMP/pprof_categories"
gcc -std=c11 -D_GNU_SOURCE -O1 "${SAN_FLAGS[@]}" -I"$REPO" -o "$PPCAT" "$REPO/tests/e2e/pprof_categories.c" \
	"$REPO/tests/unit/pprof_reader.c" -lz 2>"$E2E_TMP/gcc.err" ||
	{ not_ok "cannot compile tests/e2e/pprof_categories.c: $(head -c 400 "$E2E_TMP/gcc.err")"; finish; }
command -v python3 >/dev/null 2>&1 || skip_all "no python3 (reads the JSON report)"

# ------------------------------------------------------------- --categories FILE
# A bad line: named with its file and number, exit 1 (EXIT_USAGE), before
# any recording.
BAD_RULES="$E2E_TMP/bad.rules"
printf '# custom\nstate prefix org.rocksdb.\nserialisation prefix com.example.\n' >"$BAD_RULES"
run_tmprof 60 record -p 1 -e cpu -d 1 --categories "$BAD_RULES" -o "$E2E_TMP/never.folded"
if [ "$RC" -eq 1 ] && grep -q "bad.rules: line 3" "$E2E_TMP/tmprof.err" && [ ! -e "$E2E_TMP/never.folded" ]; then
	ok "--categories with a bad line 3: exit 1, '$(head -n 1 "$E2E_TMP/tmprof.err")'"
else
	not_ok "--categories with a bad line 3: exit $RC (want 1), stderr '$(head -c 300 "$E2E_TMP/tmprof.err")'"
fi
CUSTOM_RULES="$E2E_TMP/custom.rules"
printf '# every frame of the example job is network\nnetwork prefix com.example.\n' >"$CUSTOM_RULES"

# ------------------------------------------------------------- the workload
TRUTH="$E2E_TMP/truth"
start_category_mix "$TRUTH" --warmup 4
CM_PID=$JAVA_PID
if ! wait_ready "$CM_PID" "$E2E_TMP/catmix.out" 90; then
	not_ok "CategoryMix did not print ready within 90 s ($(tail -n 3 "$E2E_TMP/catmix.err" | tr '\n' ' '))"
	finish
fi
sleep 0.5
cp "$TRUTH" "$E2E_TMP/truth.0"
# The other outputs are recorded alongside the folded one (each tmprof
# opens its own events), over the same stretch of the workload.
declare -A SIDE_PIDS=()
side() { # NAME ARGS...: a tmprof in the background, output in $E2E_TMP/NAME.*
	local name=$1
	shift
	timeout -k 5 $((DURATION + 90)) "$TMPROF" "$@" >"$E2E_TMP/$name.out" 2>"$E2E_TMP/$name.err" &
	SIDE_PIDS[$name]=$!
	track "$!"
}
side json record -p "$CM_PID" -e cpu -d "$DURATION" -F "$FREQ" -o "$E2E_TMP/cpu.json"
side pprof record -p "$CM_PID" -e cpu -d "$DURATION" -F "$FREQ" -o "$E2E_TMP/cpu.pb.gz"
side custom record -p "$CM_PID" -e cpu -d "$DURATION" -F "$FREQ" --categories "$CUSTOM_RULES" \
	-o "$E2E_TMP/custom.json"
side top top -p "$CM_PID" -i 4 -n $((DURATION / 4))
run_tmprof $((DURATION + 90)) record -p "$CM_PID" -e cpu -d "$DURATION" -F "$FREQ" --category-frames \
	-o "$E2E_TMP/cpu.cat.folded"
declare -A SIDE_RC=()
for name in "${!SIDE_PIDS[@]}"; do
	wait "${SIDE_PIDS[$name]}"
	SIDE_RC[$name]=$?
done
cp "$TRUTH" "$E2E_TMP/truth.1"
if [ "$RC" -ne 0 ] || [ ! -s "$E2E_TMP/cpu.cat.folded" ]; then
	not_ok "tmprof record -e cpu -d $DURATION exit $RC ($(head -c 400 "$E2E_TMP/tmprof.err" | tr '\n' ' '))"
	finish
fi
# The stacks without their "[category]" frame (the thread frame's child)
# for the checks of the plain folded output; the frames' own tally apart.
awk '{
	c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
	if (n < 2 || f[1] !~ / tid=[0-9]+\]$/ || f[2] !~ /^\[[a-z]+\]$/) { bad += c; print; next }
	t = f[1]; sub(/^\[/, "", t); sub(/ tid=[0-9]+\]$/, "", t)
	k = f[2]; gsub(/[][]/, "", k); tally[t "\t" k] += c
	out = f[1]; for (i = 3; i <= n; i++) out = out ";" f[i]
	print out " " c
} END {
	for (x in tally) print x "\t" tally[x] > "/dev/stderr"
	if (bad) printf "unframed\t-\t%d\n", bad > "/dev/stderr"
}' "$E2E_TMP/cpu.cat.folded" >"$E2E_TMP/cpu.folded" 2>"$E2E_TMP/frames.tsv"
ok "tmprof record -e cpu --category-frames -p CategoryMix -d $DURATION -F $FREQ: $(folded_total "$E2E_TMP/cpu.folded") samples (load: $(cut -d' ' -f1-3 /proc/loadavg))"
if grep -q '^unframed' "$E2E_TMP/frames.tsv"; then
	not_ok "--category-frames: $(grep '^unframed' "$E2E_TMP/frames.tsv" | cut -f3) samples without a [category] frame under the thread frame"
else
	ok "--category-frames: every stack has a [category] frame under its thread frame"
fi

if ! "$CAT" "$E2E_TMP/cpu.folded" >"$E2E_TMP/categories.tsv" 2>"$E2E_TMP/cat.err"; then
	not_ok "categorize_folded failed: $(head -c 400 "$E2E_TMP/cat.err")"
	finish
fi
ok "classified: $(cat "$E2E_TMP/cat.err")"

# ------------------------------------------------------------- shares vs truth
# truth lines: monotonic_ns, thread, cpu ns, user, serialization, state, network ns
# shares_vs_truth WHAT MIN TSV: TSV lines "thread TAB category TAB amount"
# (samples or ms/s); each task thread's shares against the truth. MIN: the
# least total amount per thread worth comparing.
shares_vs_truth() {
awk -F'\t' -v tol="$TOLERANCE_PP" -v what="$1" -v min="$2" '
	FILENAME == ARGV[1] { c0[$2] = $3; for (i = 4; i <= 7; i++) t0[$2, i] = $i; next }
	FILENAME == ARGV[2] { c1[$2] = $3; for (i = 4; i <= 7; i++) t1[$2, i] = $i; names[$2] = 1; next }
	{ n[$1, $2] = $3; tot[$1] += $3 }
	END {
		split("user serialization state network", cat4, " ")
		split("serialization state network checkpoint gc jit user framework", all, " ")
		bad = 0; threads = 0
		for (t in names) {
			threads++
			cpu = c1[t] - c0[t]
			if (cpu <= 0 || tot[t] <= 0 || tot[t] < min) {
				printf "not ok - categories: %s: %s: %d in all, %.0f ms of CPU in the window: too few to compare\n", what, t, tot[t], cpu / 1e6
				bad = 1; continue
			}
			for (k in all) truth[all[k]] = 0
			rest = cpu
			for (i = 1; i <= 4; i++) { d = t1[t, i + 3] - t0[t, i + 3]; truth[cat4[i]] = d; rest -= d }
			truth["framework"] = rest
			line = ""; worst = 0; worstc = ""
			for (k = 1; k <= 8; k++) {
				c = all[k]
				m = 100 * n[t, c] / tot[t]; e = 100 * truth[c] / cpu
				line = line sprintf(" %s %.1f/%.1f", c, m, e)
				if (m - e > worst || e - m > worst) { worst = (m > e ? m - e : e - m); worstc = c }
			}
			res = (worst <= tol) ? "ok" : "not ok"
			if (worst > tol) bad = 1
			printf "%s - categories: %s: %s (%.0f in all, %.0f ms CPU): measured/truth %%:%s; worst %s %.1f pp (limit %d)\n", res, what, t, tot[t], cpu / 1e6, line, worstc, worst, tol
		}
		if (!threads) { print "not ok - categories: no task thread in the truth file"; bad = 1 }
		exit bad
	}' "$E2E_TMP/truth.0" "$E2E_TMP/truth.1" "$3" || E2E_FAILED=1
}
shares_vs_truth "default rules on the folded stacks" 200 "$E2E_TMP/categories.tsv"
shares_vs_truth "[category] frames" 200 "$E2E_TMP/frames.tsv"

# ------------------------------------------------------------- RocksDB frames
# In a stack with a rocksdb:: frame: a Java org.rocksdb.RocksDB.get frame
# before (rootward of) the first rocksdb:: frame, and every rocksdb:: frame
# native (no _[x] suffix).
read -r ROCKS_ALL ROCKS_UNDER < <(awk '{
	c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
	first = 0
	for (i = 1; i <= n; i++) if (f[i] ~ /^rocksdb::/) { first = i; break }
	if (!first) next
	all += c
	java = 0; native = 1
	for (i = 1; i < first; i++) if (f[i] ~ /^org\.rocksdb\.RocksDB\.get_\[[ji0]\]$/) java = 1
	for (i = first; i <= n; i++) if (f[i] ~ /^rocksdb::/ && f[i] ~ /_\[.\]$/) native = 0
	if (java && native) under += c
} END { print all + 0, under + 0 }' "$E2E_TMP/cpu.folded")
if [ "$ROCKS_ALL" -gt 0 ] && [ $((ROCKS_UNDER * 100)) -ge $((ROCKS_ALL * 95)) ]; then
	ok "RocksDB native frames under org.rocksdb.RocksDB.get: $ROCKS_UNDER of $ROCKS_ALL samples with a rocksdb:: frame"
else
	not_ok "RocksDB native frames under org.rocksdb.RocksDB.get: $ROCKS_UNDER of $ROCKS_ALL samples with a rocksdb:: frame (want >= 95 %)"
fi
if folded_has_frame "$E2E_TMP/cpu.folded" '^rocksdb::DBImpl::Get$'; then
	ok "rocksdb::DBImpl::Get is a frame"
else
	not_ok "no rocksdb::DBImpl::Get frame"
fi

# ------------------------------------------------------------- socket calls
# Samples in the kernel under NioSocketChannel.doWrite: the kernel rules
# make them network (not the caller's); counted through the helper on
# those stacks alone.
grep -E 'NioSocketChannel\.doWrite_\[[ji0]\];.*(tcp_|sock_)[a-z_]*_\[k\]' "$E2E_TMP/cpu.folded" >"$E2E_TMP/sock.folded"
if [ -s "$E2E_TMP/sock.folded" ]; then
	"$CAT" "$E2E_TMP/sock.folded" 2>/dev/null | awk -F'\t' '
		{ tot += $3; if ($2 == "network") net += $3 }
		END { printf "%s - categories: socket system calls under NioSocketChannel.doWrite: %d of %d samples network\n", (tot && net == tot) ? "ok" : "not ok", net, tot; exit !(tot && net == tot) }' ||
		E2E_FAILED=1
else
	skip_check "socket system calls are network" "no sample in tcp_/sock_ kernel frames under NioSocketChannel.doWrite"
fi
# ------------------------------------------------------------- JSON report
# cpu_by_category: every default category, summing to the thread's cpu
# (3-decimal rounding: within 0.01 ms/s); its shares against the truth.
json_categories() { # JSON OUT.tsv: per thread and category, ms/s; problems on stderr
	python3 - "$1" >"$2" <<'PY'
import json, sys
want = "serialization state network checkpoint gc jit user framework".split()
r = json.load(open(sys.argv[1]))
for t in r["threads"]:
    c, cpu = t.get("cpu_by_category"), t["ms_per_s"]["cpu"]
    if c is None:
        print("thread %s: no cpu_by_category" % t["name"], file=sys.stderr)
        continue
    missing = [k for k in want if k not in c]
    if missing:
        print("thread %s: missing %s" % (t["name"], ",".join(missing)), file=sys.stderr)
    if abs(sum(c.values()) - cpu) > 0.01:
        print("thread %s: categories sum to %.3f, cpu %.3f" % (t["name"], sum(c.values()), cpu),
              file=sys.stderr)
    for k, v in c.items():
        print("%s\t%s\t%.3f" % (t["name"], k, v))
PY
}
if [ "${SIDE_RC[json]}" -eq 0 ] && json_categories "$E2E_TMP/cpu.json" "$E2E_TMP/json.tsv" 2>"$E2E_TMP/json.check"; then
	if [ -s "$E2E_TMP/json.check" ]; then
		not_ok "JSON cpu_by_category: $(head -n 3 "$E2E_TMP/json.check" | tr '\n' ' ')"
	else
		ok "JSON cpu_by_category: every thread has the 8 default categories, summing to its cpu within 0.01 ms/s"
	fi
	shares_vs_truth "JSON cpu_by_category" 0 "$E2E_TMP/json.tsv"
else
	not_ok "record -o cpu.json: exit ${SIDE_RC[json]} ($(head -c 300 "$E2E_TMP/json.err" "$E2E_TMP/json.check" 2>/dev/null | tr '\n' ' '))"
fi

# ------------------------------------------------------------- pprof label
if [ "${SIDE_RC[pprof]}" -eq 0 ] && "$PPCAT" "$E2E_TMP/cpu.pb.gz" >"$E2E_TMP/pprof.tsv" 2>"$E2E_TMP/pprof.check"; then
	UNLABELLED=$(awk -F'\t' '$1 == "unlabelled" { print $2 }' "$E2E_TMP/pprof.check")
	if [ "${UNLABELLED:-1}" -eq 0 ] && [ -s "$E2E_TMP/pprof.tsv" ]; then
		ok "pprof: every sample of a thread carries a category label ($(cut -f2 "$E2E_TMP/pprof.tsv" | sort -u | tr '\n' ' '))"
	else
		not_ok "pprof: ${UNLABELLED:-?} samples without a category label"
	fi
	shares_vs_truth "pprof category label" 200 "$E2E_TMP/pprof.tsv"
else
	not_ok "record -o cpu.pb.gz: exit ${SIDE_RC[pprof]} ($(head -c 300 "$E2E_TMP/pprof.err" "$E2E_TMP/pprof.check" 2>/dev/null | tr '\n' ' '))"
fi

# ------------------------------------------------------------- custom rules
# "network prefix com.example." alone: the user function's CPU is network,
# every other Java frame user code (no platform rule), nothing serialization
# or state.
if [ "${SIDE_RC[custom]}" -eq 0 ] && json_categories "$E2E_TMP/custom.json" "$E2E_TMP/custom.tsv" 2>/dev/null; then
	awk -F'\t' -v tol="$TOLERANCE_PP" '
		FILENAME == ARGV[1] { c0[$2] = $3; u0[$2] = $4; next }
		FILENAME == ARGV[2] { c1[$2] = $3; u1[$2] = $4; names[$2] = 1; next }
		{ v[$1, $2] = $3; tot[$1] += $3 }
		END {
			bad = 0
			for (t in names) {
				cpu = c1[t] - c0[t]
				if (cpu <= 0 || tot[t] <= 0) { printf "not ok - categories: --categories FILE: %s: no CPU\n", t; bad = 1; continue }
				net = 100 * v[t, "network"] / tot[t]; want = 100 * (u1[t] - u0[t]) / cpu
				other = 100 * (v[t, "serialization"] + v[t, "state"]) / tot[t]
				d = net > want ? net - want : want - net
				res = (d <= tol && other == 0) ? "ok" : "not ok"
				if (res != "ok") bad = 1
				printf "%s - categories: --categories FILE (network prefix com.example.): %s: network %.1f%% (the user function: %.1f%%), serialization + state %.1f%% (want 0)\n", res, t, net, want, other
			}
			exit bad
		}' "$E2E_TMP/truth.0" "$E2E_TMP/truth.1" "$E2E_TMP/custom.tsv" || E2E_FAILED=1
else
	not_ok "record --categories $CUSTOM_RULES: exit ${SIDE_RC[custom]} ($(head -c 300 "$E2E_TMP/custom.err" | tr '\n' ' '))"
fi

# ------------------------------------------------------------- tmprof top
# Under each subtask row "cpu: user 52% ser 31% ...", per chain "chain cpu".
TOP_ROWS=$(grep -cE '^ +cpu:( [a-z_-]+ [0-9]+%)+$' "$E2E_TMP/top.out")
TOP_CHAINS=$(grep -cE '^  chain cpu \([0-9]+ subtasks?\):( [a-z_-]+ [0-9]+%)+$' "$E2E_TMP/top.out")
if [ "${SIDE_RC[top]}" -eq 0 ] && [ "$TOP_ROWS" -gt 0 ] && [ "$TOP_CHAINS" -gt 0 ]; then
	ok "top: $TOP_ROWS subtask category lines, $TOP_CHAINS chain lines, e.g. '$(grep -m1 -E '^ +cpu:' "$E2E_TMP/top.out" | sed 's/^ *//')' / '$(grep -m1 -E '^  chain cpu' "$E2E_TMP/top.out" | sed 's/^ *//')'"
else
	not_ok "top: exit ${SIDE_RC[top]}, $TOP_ROWS subtask category lines, $TOP_CHAINS chain lines ($(head -c 300 "$E2E_TMP/top.err" | tr '\n' ' '))"
fi
finish
