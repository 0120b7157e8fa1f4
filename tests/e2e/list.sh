#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: `tmprof list` finds the stand-in TaskManagers with the right
# KIND (standalone, YARN, Kubernetes main classes), a plain JVM as 'other JVM',
# PFP on/off from -XX:+/-PreserveFramePointer, the JDK of the java on PATH, CONTAINER
# no, and JAVA hotspot (Java frames from the JVM's own layout).
# Usage: tests/e2e/list.sh [BUILD_DIR]

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_all

# Light workloads: only their command lines matter here.
LIGHT=(--task 'map:3:Source: Numbers -> Map (1/1)#0')

start_tm standalone "$MAIN_STANDALONE" on -- "${LIGHT[@]}"
P_STANDALONE=$TM_PID
start_tm yarn "$MAIN_YARN" off -- "${LIGHT[@]}"
P_YARN=$TM_PID
start_tm k8s "$MAIN_K8S" on -- "${LIGHT[@]}"
P_K8S=$TM_PID
start_java other "$MAIN_OTHER" -Xmx64m --
P_OTHER=$JAVA_PID

for n in standalone:$P_STANDALONE yarn:$P_YARN k8s:$P_K8S other:$P_OTHER; do
	if ! wait_ready "${n#*:}" "$E2E_TMP/${n%%:*}.out" 60; then
		not_ok "${n%%:*} JVM did not start ($(tail -n 2 "$E2E_TMP/${n%%:*}.err" | tr '\n' ' '))"
		finish
	fi
done

run_tmprof 60 list
if [ "$RC" -eq 0 ]; then ok "tmprof list exit 0"; else not_ok "tmprof list exit $RC, expected 0 ($(head -c 300 "$E2E_TMP/tmprof.err"))"; fi
sed 's/^/#   /' "$E2E_TMP/tmprof.out"

# Header: find the columns by name so their order may change.
hdr=$(grep -m1 -E '(^|[[:space:]])PID([[:space:]]|$)' "$E2E_TMP/tmprof.out")
for col in PID KIND JDK CONTAINER PFP JAVA MAIN; do
	if printf '%s\n' "$hdr" | tr -s ' \t' '\n\n' | grep -qx "$col"; then :; else
		not_ok "header has no column $col (header: $hdr)"
	fi
done

# row PID: the fields of that PID's row, as "COL=value" lines. A tab-separated
# table is split on tabs; an aligned one by the header's column offsets (so a
# value with a space in it stays whole).
row() {
	awk -v pid="$1" -v hdr="$hdr" '
		function trim(x) { gsub(/^[ \t]+|[ \t]+$/, "", x); return x }
		BEGIN {
			tabs = index(hdr, "\t") > 0
			if (tabs) nh = split(hdr, name, "\t")
			else { rest = hdr; off = 0; nh = 0
				while (match(rest, /[^ ]+/)) { name[++nh] = substr(rest, RSTART, RLENGTH); start[nh] = off + RSTART
					off += RSTART + RLENGTH - 1; rest = substr(rest, RSTART + RLENGTH) } }
		}
		$0 == hdr { next }
		{
			if (tabs) { n = split($0, v, "\t"); for (i = 1; i <= nh; i++) v[i] = trim(v[i]) }
			else for (i = 1; i <= nh; i++) v[i] = trim(i < nh ? substr($0, start[i], start[i + 1] - start[i]) : substr($0, start[i]))
			if (v[1] == pid) { for (i = 1; i <= nh; i++) print trim(name[i]) "=" v[i]; exit }
		}' "$E2E_TMP/tmprof.out"
}

# The JDK the JVMs run: the java on PATH (17 by default, 11 with tests/jdk).
JDK_MAJOR=$(java -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')

# expect LABEL PID KIND PFP MAIN
expect() {
	local label=$1 pid=$2 kind=$3 pfp=$4 main=$5 r
	r=$(row "$pid")
	if [ -z "$r" ]; then not_ok "$label JVM (pid $pid) not listed"; return; fi
	local got_kind got_pfp got_jdk got_main got_cont got_java
	got_kind=$(printf '%s\n' "$r" | sed -n 's/^KIND=//p')
	got_pfp=$(printf '%s\n' "$r" | sed -n 's/^PFP=//p')
	got_jdk=$(printf '%s\n' "$r" | sed -n 's/^JDK=//p')
	got_main=$(printf '%s\n' "$r" | sed -n 's/^MAIN=//p')
	got_cont=$(printf '%s\n' "$r" | sed -n 's/^CONTAINER=//p')
	got_java=$(printf '%s\n' "$r" | sed -n 's/^JAVA=//p')
	if [ "$got_kind" = "$kind" ]; then ok "$label: KIND $got_kind"; else not_ok "$label: KIND '$got_kind', expected '$kind'"; fi
	if [ "$got_pfp" = "$pfp" ]; then ok "$label: PFP $got_pfp"; else not_ok "$label: PFP '$got_pfp', expected '$pfp'"; fi
	case "$got_jdk" in "$JDK_MAJOR"*) ok "$label: JDK $got_jdk" ;; *) not_ok "$label: JDK '$got_jdk', expected $JDK_MAJOR*" ;; esac
	if [ "$got_cont" = no ]; then ok "$label: CONTAINER no"; else not_ok "$label: CONTAINER '$got_cont', expected no"; fi
	# A running JVM of a JDK tmprof knows: its own layout, read without attaching.
	if [ "$got_java" = hotspot ]; then ok "$label: JAVA hotspot"; else not_ok "$label: JAVA '$got_java', expected hotspot ($(grep "^PID $pid: " "$E2E_TMP/tmprof.out"))"; fi
	case "$got_main" in *"$main"*) ok "$label: MAIN $got_main" ;; *) not_ok "$label: MAIN '$got_main', expected $main" ;; esac
}

expect standalone "$P_STANDALONE" 'TaskManager (standalone)' on "$MAIN_STANDALONE"
expect YARN "$P_YARN" 'TaskManager (YARN)' off "$MAIN_YARN"
expect Kubernetes "$P_K8S" 'TaskManager (Kubernetes)' on "$MAIN_K8S"
expect other "$P_OTHER" 'other JVM' off "$MAIN_OTHER"

finish
