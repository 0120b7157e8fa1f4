# SPDX-License-Identifier: GPL-2.0
# The kernel matrix (tests/kernels/run.sh): every event kind, the stand-in
# TaskManager and tmprof doctor on Debian's cloud kernels 5.10, 6.1 and 6.12,
# each booted under qemu (emulation, no KVM) with an initramfs built from
# this build. Kernels are downloaded once into /var/cache/tmprof-test/kernels.
#   make test-kernels                      all three (18m46s measured with the 2-core
#                                          host at load 30-80; bullseye alone 87 s at load 9)
#   make test-kernels KERNELS=bookworm     one
KERNEL_DEPS_PKGS := qemu-system-x86 busybox-static cpio kmod
KERNELS ?= bullseye bookworm trixie

.PHONY: test-kernels deps-kernels
deps-kernels:
	@missing=""; for p in $(KERNEL_DEPS_PKGS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi

test-kernels: deps deps-kernels
	$(MAKE) -j2 all workloads $(BUILD)/bpf_budget
	KERNELS="$(KERNELS)" tests/kernels/run.sh $(BUILD)
