#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: the interactive HTML flame graph in headless Chromium.
#   tmprof flamegraph IN.folded -o OUT.html, then tests/e2e/html_view.mjs
#   checks that the canvas renders, a click zooms (the frame fills the
#   width), a regex search highlights and reports the share computed from
#   the folded input, tooltips, the operator filter and the icicle toggle,
#   that no network request is made, and that a 100k-stack page stays
#   responsive. Screenshot: BUILD/artifacts/html_view.png.
#   Categories (issue 17; needs root, BPF and java): tmprof records the
#   stand-in CategoryMix (tests/e2e/category_mix.bash) into an HTML page and,
#   at the same time, a JSON report; the browser checks that the page opens
#   coloured by category, the legend lists every category the report saw,
#   each category's frames are painted in its legend colour (canvas pixels
#   against the legend swatch's computed colour), and the serialization
#   filter leaves exactly the serialization samples of the page's data on
#   screen (total, frames drawn, colours) at the report's share (+-5 pp).
#   Screenshot: BUILD/artifacts/html_categories.png.
# Installs what it needs (Debian's chromium, npm's playwright-core into
# BUILD/node) and skips without them, or fails under CI=true.
# The category part needs root, BPF and a JVM (skipped without, failed
# under CI=true); the rest needs neither.
# Usage: tests/e2e/html_view.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
. "$(dirname "$0")/category_mix.bash"
require_tmprof
"$TMPROF" flamegraph --help >/dev/null 2>&1 || skip_all "$TMPROF has no flamegraph command"

# apt_install PKG...: install missing Debian packages (root only).
apt_install() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || return 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 ||
		{ apt-get update -qq >/dev/null 2>&1 &&
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1; }
}

apt_install chromium || skip_all "chromium is not installed and cannot be (apt-get install chromium)"
[ -x /usr/bin/chromium ] || skip_all "no /usr/bin/chromium"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	apt_install nodejs npm || skip_all "node/npm are not installed and cannot be (apt-get install nodejs npm)"
fi

NODE_DIR="$BUILD/node"
if [ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ] ||
	! cmp -s "$REPO/tests/e2e/html_view/package-lock.json" "$NODE_DIR/package-lock.json"; then
	mkdir -p "$NODE_DIR"
	cp "$REPO/tests/e2e/html_view/package.json" "$REPO/tests/e2e/html_view/package-lock.json" "$NODE_DIR/"
	(cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error >"$E2E_TMP/npm.log" 2>&1) ||
		skip_all "npm ci playwright-core failed: $(tail -n 2 "$E2E_TMP/npm.log" | tr '\n' ' ')"
fi

IN="$E2E_TMP/view.folded"
cat >"$IN" <<'FOLDED'
[TaskManager pid=100];[Source: A -> Map (1/2)#0 tid=11];[cpu];start_thread;StreamTask.invoke_[j];MyMapper.map_[j];String.hashCode_[i] 500
[TaskManager pid=100];[Source: A -> Map (1/2)#0 tid=11];[cpu];start_thread;StreamTask.invoke_[j];MyMapper.map_[j];Interp.slow_[0] 120
[TaskManager pid=100];[Source: A -> Map (1/2)#0 tid=11];[cpu];start_thread;StreamTask.invoke_[j];do_syscall_64_[k];ksys_write_[k] 200
[TaskManager pid=100];[Source: A -> Map (2/2)#0 tid=12];[cpu];start_thread;StreamTask.invoke_[j];MyMapper.map_[j];String.hashCode_[i] 300
[TaskManager pid=100];[Source: A -> Map (2/2)#0 tid=12];[idle];start_thread;StreamTask.invoke_[j];TaskMailboxImpl.take_[j];futex_wait 900
[TaskManager pid=100];[Sink: Print (1/1)#0 tid=13];[cpu];start_thread;StreamTask.invoke_[j];PrintSink.invoke_[j];std::ostream::write 150
[TaskManager pid=100];[Sink: Print (1/1)#0 tid=13];[backpressured];start_thread;StreamTask.invoke_[j];LocalBufferPool.requestMemorySegmentBlocking_[j];do_syscall_64_[k] 80
[TaskManager pid=100];[Flink Netty Server (8) tid=20];[cpu];start_thread;epoll_wait 60
FOLDED
OUT="$E2E_TMP/view.html"
run_tmprof 60 flamegraph "$IN" -o "$OUT" --title "tmprof e2e"
if [ "$RC" -ne 0 ] || [ ! -s "$OUT" ]; then
	not_ok "tmprof flamegraph exit $RC: $(head -c 300 "$E2E_TMP/tmprof.err")"
	finish
fi
ok "tmprof flamegraph wrote $(wc -c <"$OUT") bytes of HTML"

BIG_FOLDED="$E2E_TMP/big.folded"
BIG="$E2E_TMP/big.html"
awk -v stacks=100000 -f "$REPO/tests/gen_folded.awk" >"$BIG_FOLDED"
run_tmprof 120 flamegraph "$BIG_FOLDED" -o "$BIG"
check "tmprof flamegraph of 100k stacks" [ "$RC" -eq 0 ]

# record_category_mix: CAT_HTML and CAT_JSON from one CategoryMix, recorded
# side by side over the same seconds; empty CAT_HTML when it cannot run.
record_category_mix() {
	local why dur=8 rpid
	CAT_HTML=
	why=$(category_mix_missing)
	[ "$(id -u)" -eq 0 ] || why="needs root"
	[ -e /proc/sys/kernel/unprivileged_bpf_disabled ] || why="kernel without BPF"
	require_java_ok || why="no java"
	if [ -n "$why" ]; then
		skip_check "category colours" "$why"
		return
	fi
	start_category_mix "$E2E_TMP/catmix.truth" --warmup 3
	if ! wait_ready "$JAVA_PID" "$E2E_TMP/catmix.out" 90; then
		not_ok "CategoryMix did not print ready within 90 s ($(tail -n 3 "$E2E_TMP/catmix.err" | tr '\n' ' '))"
		return
	fi
	timeout -k 5 $((dur + 60)) "$TMPROF" record -p "$JAVA_PID" -e cpu -d "$dur" -F 499 -o "$E2E_TMP/cat.json" \
		>"$E2E_TMP/json.out" 2>"$E2E_TMP/json.err" &
	rpid=$!
	run_tmprof $((dur + 60)) record -p "$JAVA_PID" -e cpu -d "$dur" -F 499 -o "$E2E_TMP/cat.html"
	wait_exit "$rpid" 60
	stop_pid "$JAVA_PID"
	if [ "$RC" -ne 0 ] || [ "$WAIT_RC" -ne 0 ] || [ ! -s "$E2E_TMP/cat.html" ] || [ ! -s "$E2E_TMP/cat.json" ]; then
		not_ok "tmprof record CategoryMix: html exit $RC, json exit $WAIT_RC ($(head -c 300 "$E2E_TMP/tmprof.err" "$E2E_TMP/json.err" | tr '\n' ' '))"
		return
	fi
	ok "tmprof record -e cpu -d $dur of CategoryMix: $(wc -c <"$E2E_TMP/cat.html") bytes of HTML and a JSON report (load: $(cut -d' ' -f1-3 /proc/loadavg))"
	CAT_HTML="$E2E_TMP/cat.html"
}
require_java_ok() {
	if [ -n "${E2E_JAVA:-}" ]; then "${E2E_JAVA_CMD[@]}" -version >/dev/null 2>&1; else command -v java >/dev/null 2>&1; fi
}
record_category_mix

mkdir -p "$BUILD/artifacts"
PLAYWRIGHT_DIR="$NODE_DIR" CAT_HTML="$CAT_HTML" CAT_JSON="$E2E_TMP/cat.json" CAT_SHOT="$BUILD/artifacts/html_categories.png" \
	timeout -k 5 300 node "$REPO/tests/e2e/html_view.mjs" \
	"$OUT" "$IN" "$BUILD/artifacts/html_view.png" "$BIG" 2>"$E2E_TMP/node.err"
rc=$?
if [ "$rc" -ne 0 ]; then
	[ -s "$E2E_TMP/node.err" ] && sed 's/^/# /' "$E2E_TMP/node.err" | head -n 20
	not_ok "browser checks (node exit $rc)"
fi
[ -s "$BUILD/artifacts/html_view.png" ] && ok "screenshot $BUILD/artifacts/html_view.png"
finish
