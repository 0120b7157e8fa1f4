#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: CPU categories (issue 17) on real stacks, before the profile
# writers carry them. The stand-in CategoryMix
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
#   - the socket system calls under NioSocketChannel.doWrite are network.
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
run_tmprof $((DURATION + 60)) record -p "$CM_PID" -e cpu -d "$DURATION" -F "$FREQ" -o "$E2E_TMP/cpu.folded"
cp "$TRUTH" "$E2E_TMP/truth.1"
if [ "$RC" -ne 0 ] || [ ! -s "$E2E_TMP/cpu.folded" ]; then
	not_ok "tmprof record -e cpu -d $DURATION exit $RC ($(head -c 400 "$E2E_TMP/tmprof.err" | tr '\n' ' '))"
	finish
fi
ok "tmprof record -e cpu -p CategoryMix -d $DURATION -F $FREQ: $(folded_total "$E2E_TMP/cpu.folded") samples (load: $(cut -d' ' -f1-3 /proc/loadavg))"

if ! "$CAT" "$E2E_TMP/cpu.folded" >"$E2E_TMP/categories.tsv" 2>"$E2E_TMP/cat.err"; then
	not_ok "categorize_folded failed: $(head -c 400 "$E2E_TMP/cat.err")"
	finish
fi
ok "classified: $(cat "$E2E_TMP/cat.err")"

# ------------------------------------------------------------- shares vs truth
# truth lines: monotonic_ns, thread, cpu ns, user, serialization, state, network ns
awk -F'\t' -v tol="$TOLERANCE_PP" '
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
			if (cpu <= 0 || tot[t] < 200) {
				printf "not ok - categories: %s: %d samples, %.0f ms of CPU in the window: too few to compare\n", t, tot[t], cpu / 1e6
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
			printf "%s - categories: %s (%d samples, %.0f ms CPU): measured/truth %%:%s; worst %s %.1f pp (limit %d)\n", res, t, tot[t], cpu / 1e6, line, worstc, worst, tol
		}
		if (!threads) { print "not ok - categories: no task thread in the truth file"; bad = 1 }
		exit bad
	}' "$E2E_TMP/truth.0" "$E2E_TMP/truth.1" "$E2E_TMP/categories.tsv" || E2E_FAILED=1

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
finish
