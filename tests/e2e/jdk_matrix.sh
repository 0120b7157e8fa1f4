#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# End-to-end: Java frames on every JDK Flink runs, 11, 17, 21 and 25
# (Debian's builds; tests/jdk/java.sh runs each: 11 and 17 on the host, 21
# and 25 chrooted in a trixie root in their own PID and mount namespaces,
# which is the container case as well). For each JDK, the checks of
#   - hotspot_unwind.sh (JVMs without PreserveFramePointer; stand-in
#     TaskManager >= 99 % of task samples rooted with every frame named and
#     the task threads' full names; InlineHot shares within +-5 pp and the
#     interpreted method named; ClassChurn without a stale name),
#   - alloc_profile.sh (allocated class as the leaf, sites within 5 pp),
#   - leak.sh (the leaking Java method named; glibc malloc),
# each run with E2E_JAVA set to that JDK and E2E_QUICK (shorter recordings),
# their result lines prefixed with the JDK. A JDK not in the cache is
# fetched first (tests/jdk/fetch_*.sh); one that cannot be had is a skip, a
# failure with CI=true.
# Usage: tests/e2e/jdk_matrix.sh [BUILD_DIR]   (JDKS="21 25" to pick)

. "$(dirname "$0")/lib.sh" "${1:-build}"
require_root
require_bpf
require_tmprof
require_workloads

# JDK 17 is the host's java: hotspot_unwind.sh, alloc_profile.sh and
# leak.sh run on it in the same suite, so the matrix adds the others (JDKS
# names any set, 17 included). Under ASan (the CI's second pass) the
# newest layout only: the readers are the same code on every JDK, and the
# normal pass checks each JDK's results.
if [ "$SANITIZED" = 1 ]; then JDKS=${JDKS:-25}; else JDKS=${JDKS:-11 21 25}; fi
read -r -a SCRIPTS <<<"${MATRIX_SCRIPTS:-hotspot_unwind alloc_profile leak}"

# jdk_ready V: the JDK runs, after fetching it if needed.
jdk_ready() {
	local v=$1 fetch=
	"$REPO/tests/jdk/java.sh" "$v" -version >/dev/null 2>&1 && return 0
	case "$v" in
	11) fetch=$REPO/tests/jdk/fetch_jdk11.sh ;;
	21 | 25) fetch=$REPO/tests/jdk/fetch_trixie.sh ;;
	esac
	[ -n "$fetch" ] && [ -x "$fetch" ] || return 1
	echo "# fetching JDK $v: $fetch"
	"$fetch" >"$E2E_TMP/fetch-$v.log" 2>&1 || { tail -n 5 "$E2E_TMP/fetch-$v.log" | sed 's/^/# /'; return 1; }
	"$REPO/tests/jdk/java.sh" "$v" -version >/dev/null 2>&1
}

for v in $JDKS; do
	if ! jdk_ready "$v"; then
		skip_check "JDK $v" "not available ($("$REPO/tests/jdk/java.sh" "$v" -version 2>&1 | head -n 1))"
		continue
	fi
	echo "# JDK $v: $("$REPO/tests/jdk/java.sh" "$v" -version 2>&1 | sed -n 2p)"
	# The same bars on every JDK (issue: Java frames on every JDK). JDK 21
	# and 25 had a few stale ClassChurn names (0.07-0.41 %: the compiled
	# invoke of generation N calling N+1's method through its type check,
	# whose pcs took N's inlined frames), gone since such a pc is named
	# down to the call site (symbolize/hotspot_nmethod.c scopes_shared);
	# JDK 11's InlineHot (5-10 pp) since the leaf pc is named by following
	# the code to its next debug record.
	for s in "${SCRIPTS[@]}"; do
		t0=$(date +%s)
		env E2E_JAVA="$REPO/tests/jdk/java.sh $v" E2E_QUICK=1 \
			bash "$REPO/tests/e2e/$s.sh" "$BUILD" </dev/null >"$E2E_TMP/$v-$s.log" 2>&1
		rc=$?
		# Their result lines, attributed to this JDK; the rest as comments.
		sed -E "s/^(ok|not ok) - (# SKIP )?/\\1 - \\2jdk_matrix: JDK $v: /; t; s/^/# /" \
			"$E2E_TMP/$v-$s.log"
		grep -q '^not ok' "$E2E_TMP/$v-$s.log" && E2E_FAILED=1
		if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$E2E_TMP/$v-$s.log"; then
			not_ok "JDK $v: $s.sh exit $rc without a 'not ok' line"
		fi
		echo "# JDK $v: $s.sh took $(( $(date +%s) - t0 )) s"
	done
done
finish
