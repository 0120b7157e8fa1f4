#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: tmprof's pprof output read by two independent readers.
#   (a) `go tool pprof -raw` (Debian golang-go)
#   (b) the npm package pprof-format (tests/e2e/pprof_read.mjs)
# A known folded file (thread, process and state frames, spaces, parentheses,
# UTF-8, a deep stack, a large count, a repeated stack) is converted by
# tests/e2e/folded2pprof.c through flamegraph/pprof.h; each reader's stacks
# and total must equal the folded input exactly. With the default options
# (pseudo-frames dropped) the thread and process frames must come back from
# the sample labels.
# go, node and npm are installed when missing (root: apt-get install
# golang-go / nodejs npm; pprof-format from the npm registry into
# BUILD/node_pprof); when that is impossible the checks skip, or fail under
# CI=true.
# Usage: tests/e2e/pprof_readers.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
command -v gcc >/dev/null 2>&1 || skip_all "no gcc (for the folded2pprof helper)"

NODE_DIR="$BUILD/node_pprof"
PPROF_FORMAT_VERSION=2.3.2

# ------------------------------------------------------------- the helper

F2P="$E2E_TMP/folded2pprof"
# Against the library the build made, when it has pprof.o; otherwise (a
# library built before flamegraph/pprof.c existed) the sources themselves.
if [ -f "$BUILD/libtmprof.a" ] && ar t "$BUILD/libtmprof.a" 2>/dev/null | grep -qx pprof.o; then
	gcc -std=c11 -D_GNU_SOURCE -O1 "${SAN_FLAGS[@]}" -I"$REPO" -o "$F2P" "$REPO/tests/e2e/folded2pprof.c" \
		"$BUILD/libtmprof.a" -lz -lm
else
	gcc -std=c11 -D_GNU_SOURCE -O1 -I"$REPO" -o "$F2P" "$REPO/tests/e2e/folded2pprof.c" \
		"$REPO/flamegraph/pprof.c" "$REPO/flamegraph/profile.c" "$REPO/flamegraph/atomic_file.c" \
		"$REPO/flamegraph/folded_parse.c" "$REPO/flamegraph/frame_text.c" "$REPO/flamegraph/text_escape.c" -lz -lm
fi || { not_ok "cannot compile tests/e2e/folded2pprof.c"; finish; }

# ------------------------------------------------------------- the input

IN="$E2E_TMP/in.folded"
{
	echo '[Source: Numbers -> Map (1/2)#0 tid=4242];start_thread;thread_native_entry;org.apache.flink.streaming.runtime.tasks.StreamTask.invoke_[j];MyMapper.map_[j] 812'
	echo '[Source: Numbers -> Map (1/2)#0 tid=4242];start_thread;thread_native_entry;org.apache.flink.streaming.runtime.tasks.StreamTask.invoke_[j] 5'
	echo '[Source: Numbers -> Map (1/2)#0 tid=4242];start_thread;thread_native_entry;org.apache.flink.streaming.runtime.tasks.StreamTask.invoke_[j];MyMapper.map_[j] 8'
	echo '[Window(TumblingEventTimeWindows(5000)) -> Sink: Print (2/2)#1 tid=4300];[backpressured];LocalBufferPool.requestMemorySegmentBlocking_[j];futex_wait_[k] 123456789012'
	echo '[tm-1 pid=100];[Flink Netty Server (6121) Thread 0 tid=101];epoll_wait;[unknown] (libnetty_transport_native_epoll.so) 3'
	echo '[tm-2 pid=200];[main tid=201];JavaMain;日本語.メソッド_[i];café_[0] 2'
	echo '[G1 Conc#0 tid=9] 4'
	echo 'no_thread_frame;leaf 7'
	# A deep stack.
	printf '[deep tid=1]'
	for i in $(seq 1 300); do printf ';frame_%d' "$i"; done
	echo ' 11'
} >"$IN"
# The folded form of the input: one line per distinct stack, counts summed.
# pprof function names are the frames' names: the folded suffixes (_[j],
# _[i], _[k], _[0]) are the frames' kinds, which pprof does not spell in
# names.
EXPECT="$E2E_TMP/expect.txt"
sed -E 's/_\[[jik0]\](;| [0-9]+$)/\1/g' "$IN" | awk '{ c = $NF; s = $0; sub(/ [0-9]+$/, "", s); n[s] += c } END { for (s in n) printf "%s %.0f\n", s, n[s] }' \
	| LC_ALL=C sort >"$EXPECT"
TOTAL=$(awk '{ t += $NF } END { printf "%.0f", t }' "$IN")

KEEP="$E2E_TMP/keep.pb.gz"
DEFAULT="$E2E_TMP/default.pb.gz"
"$F2P" --keep "$IN" "$KEEP" && "$F2P" "$IN" "$DEFAULT" ||
	{ not_ok "folded2pprof failed"; finish; }
check "pprof files are gzip" bash -c "[ \"\$(head -c2 '$KEEP' | od -An -tx1 | tr -d ' ')\" = 1f8b ]"

# compare WHAT GOT: ok when GOT (sorted) equals the expected stacks.
compare() {
	local what=$1 got=$2
	if diff -u "$EXPECT" <(LC_ALL=C sort "$got") >"$E2E_TMP/diff.txt"; then
		ok "$what: every stack and count equal the folded input ($(wc -l <"$EXPECT") stacks)"
	else
		not_ok "$what: stacks differ from the folded input: $(head -c 600 "$E2E_TMP/diff.txt" | tr '\n' '|')"
	fi
}

# --------------------------------------------------------- (a) go tool pprof

have_go() {
	command -v go >/dev/null 2>&1 && return 0
	[ "$(id -u)" -eq 0 ] || return 1
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go; } \
		>"$E2E_TMP/apt.log" 2>&1
	command -v go >/dev/null 2>&1
}

# go_raw_folded FILE: `go tool pprof -raw` output turned into folded lines
# (first value per sample; location names from the Locations section).
go_raw_folded() {
	awk '
	/^Samples:/ { sec = "s"; next }
	/^Locations/ { sec = "l"; next }
	/^Mappings/ { sec = "m"; next }
	sec == "s" && /^ *-?[0-9]+( +-?[0-9]+)*: / {
		i = index($0, ": "); vals = substr($0, 1, i - 1); ids = substr($0, i + 2)
		split(vals, v, " "); ns++; cnt[ns] = v[1]; loc[ns] = ids
		next
	}
	sec == "l" && /^ *[0-9]+: 0x[0-9a-f]+ / {
		line = $0; id = $1; sub(/:$/, "", id)
		sub(/^ *[0-9]+: 0x[0-9a-f]+ (M=[0-9]+ )?/, "", line)
		sub(/ :0 s=0(\(\))?$/, "", line)
		name[id] = line
	}
	END {
		for (k = 1; k <= ns; k++) {
			n = split(loc[k], f, " "); s = ""
			for (j = n; j >= 1; j--) s = s (s == "" ? "" : ";") name[f[j]]
			tot[s] += cnt[k]
		}
		for (s in tot) printf "%s %.0f\n", s, tot[s]
	}' "$1"
}

if have_go; then
	# -symbolize=none: the names are final, nothing to look up.
	if (cd "$E2E_TMP" && go tool pprof -symbolize=none -raw "$KEEP") >"$E2E_TMP/go.raw" 2>"$E2E_TMP/go.err"; then
		go_raw_folded "$E2E_TMP/go.raw" >"$E2E_TMP/go.folded"
		compare "go tool pprof -raw" "$E2E_TMP/go.folded"
		got=$(awk '{ t += $NF } END { printf "%.0f", t }' "$E2E_TMP/go.folded")
		check "go tool pprof -raw: total $got = $TOTAL" [ "$got" = "$TOTAL" ]
		check "go tool pprof -raw: sample types samples/count cpu/nanoseconds" \
			grep -q '^samples/count cpu/nanoseconds' "$E2E_TMP/go.raw"
		# Default options: no pseudo-frame functions, labels instead.
		(cd "$E2E_TMP" && go tool pprof -symbolize=none -raw "$DEFAULT") >"$E2E_TMP/go2.raw" 2>>"$E2E_TMP/go.err"
		if grep -q 'thread:\[Source: Numbers -> Map (1/2)#0\]' "$E2E_TMP/go2.raw" &&
			! grep -q ' tid=4242\]' "$E2E_TMP/go2.raw"; then
			ok "go tool pprof -raw: thread frames became labels"
		else
			not_ok "go tool pprof -raw: thread labels missing or thread frames left in the default output"
		fi
	else
		not_ok "go tool pprof -raw rejected the file: $(head -c 400 "$E2E_TMP/go.err" | tr '\n' '|')"
	fi
else
	skip_check "go tool pprof reader" "go not installed and cannot be installed (apt-get install golang-go)"
fi

# ------------------------------------------------------- (b) npm pprof-format

have_pprof_format() {
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		[ "$(id -u)" -eq 0 ] || return 1
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; } \
			>"$E2E_TMP/npm.log" 2>&1
		command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || return 1
	fi
	[ -f "$NODE_DIR/node_modules/pprof-format/package.json" ] && return 0
	mkdir -p "$NODE_DIR" &&
		npm install --prefix "$NODE_DIR" --no-audit --no-fund --loglevel=error \
			"pprof-format@$PPROF_FORMAT_VERSION" >"$E2E_TMP/npm.log" 2>&1 &&
		[ -f "$NODE_DIR/node_modules/pprof-format/package.json" ]
}

if have_pprof_format; then
	if node "$REPO/tests/e2e/pprof_read.mjs" "$NODE_DIR" "$KEEP" >"$E2E_TMP/node.out" 2>"$E2E_TMP/node.err"; then
		grep -v '^# ' "$E2E_TMP/node.out" >"$E2E_TMP/node.folded"
		compare "pprof-format" "$E2E_TMP/node.folded"
		check "pprof-format: total = $TOTAL" grep -qx "# total $TOTAL" "$E2E_TMP/node.out"
		check "pprof-format: sample types samples/count,cpu/nanoseconds" \
			grep -qx '# sample_types samples/count,cpu/nanoseconds' "$E2E_TMP/node.out"
	else
		not_ok "pprof-format rejected the file: $(head -c 400 "$E2E_TMP/node.err" | tr '\n' '|')"
	fi
	# Default options: the root frames rebuilt from the labels give the input back.
	if node "$REPO/tests/e2e/pprof_read.mjs" "$NODE_DIR" "$DEFAULT" --labels >"$E2E_TMP/node2.out" 2>"$E2E_TMP/node2.err"; then
		grep -v '^# ' "$E2E_TMP/node2.out" >"$E2E_TMP/node2.folded"
		compare "pprof-format, thread and process from labels" "$E2E_TMP/node2.folded"
	else
		not_ok "pprof-format rejected the default file: $(head -c 400 "$E2E_TMP/node2.err" | tr '\n' '|')"
	fi
else
	skip_check "pprof-format reader" "node/npm missing or npm install pprof-format failed: $(tail -c 300 "$E2E_TMP/npm.log" 2>/dev/null | tr '\n' '|')"
fi

finish
