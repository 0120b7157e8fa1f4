#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: the interactive HTML flame graph in headless Chromium.
#   tmprof flamegraph IN.folded -o OUT.html, then tests/e2e/html_view.mjs
#   checks that the canvas renders, a click zooms (the frame fills the
#   width), a regex search highlights and reports the share computed from
#   the folded input, tooltips, the operator filter and the icicle toggle,
#   that no network request is made, and that a 100k-stack page stays
#   responsive. Screenshot: BUILD/artifacts/html_view.png.
# Installs what it needs (Debian's chromium, npm's playwright-core into
# BUILD/node) and skips without them, or fails under CI=true.
# Needs no root or BPF of its own.
# Usage: tests/e2e/html_view.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
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

mkdir -p "$BUILD/artifacts"
PLAYWRIGHT_DIR="$NODE_DIR" timeout -k 5 300 node "$REPO/tests/e2e/html_view.mjs" \
	"$OUT" "$IN" "$BUILD/artifacts/html_view.png" "$BIG" 2>"$E2E_TMP/node.err"
rc=$?
if [ "$rc" -ne 0 ]; then
	[ -s "$E2E_TMP/node.err" ] && sed 's/^/# /' "$E2E_TMP/node.err" | head -n 20
	not_ok "browser checks (node exit $rc)"
fi
[ -s "$BUILD/artifacts/html_view.png" ] && ok "screenshot $BUILD/artifacts/html_view.png"
finish
