# SPDX-License-Identifier: GPL-2.0
# Long soak of the daemon (tests/e2e/daemon_soak.sh): TaskManager churn and
# JIT churn: RSS peaks flat within 2 MiB after the warm-up and under 29 MiB,
# open fds flat. make test runs the same script for 120 s.
#   make soak                     30 minutes
#   make soak SOAK_SECONDS=7200   any length
SOAK_SECONDS ?= 1800

.PHONY: soak
soak: deps
	$(MAKE) -j2 all workloads
	SOAK_SECONDS=$(SOAK_SECONDS) bash tests/e2e/daemon_soak.sh $(BUILD)
