#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark of the daemon beside hostile TaskManagers (issue 18): the
# hostile suite of tests/e2e/daemon_hostile.sh (attach garbage, a silent
# attach socket, a thread storm, a library truncated in a loop, a 512 MiB
# sparse perf map, a copied resource id, a slow-503 Pyroscope, silent
# /metrics clients) plus 4 normal TaskManagers, for BENCH_HOSTILE_MINUTES
# (default 30). Prints the daemon's RSS and CPU each minute and over the
# run, and the suite's own checks (tm-good's periods, /metrics latency).
# Usage: tests/bench_hostile.sh [BUILD_DIR]
MINUTES=${BENCH_HOSTILE_MINUTES:-30}
HOSTILE_S=$(( MINUTES * 60 )) HOSTILE_EXTRA_TMS=${BENCH_HOSTILE_TMS:-4} \
	exec bash "$(dirname "$0")/e2e/daemon_hostile.sh" "${1:-build}"
