#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Every BPF program of tmprof loads into this kernel with room to spare:
# combined stack (deepest call chain, as the verifier counts it) at most
# 384 of the 512 bytes, verified instructions at most half the kernel's
# limit. Prints both figures per program, so that a change creeping toward
# a limit is caught here and not by a user on the next kernel.
# bpf_budget itself is tests/e2e/bpf_budget.c (built by make e2e).
. "$(dirname "$0")/lib.sh" "${1:-build}"
require_root
require_bpf

BUDGET="$BUILD/bpf_budget"
[ -x "$BUDGET" ] || { not_ok "no $BUDGET (run make e2e)"; finish; }
objs=("$BUILD"/*.bpf.o)
[ -e "${objs[0]}" ] || { not_ok "no BPF objects in $BUILD (run make)"; finish; }

echo "# kernel $(uname -r)"
"$BUDGET" "${objs[@]}" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
rc=$?
cat "$E2E_TMP/out"
nprog=$(grep -c '^budget ' "$E2E_TMP/out")
[ "$nprog" -ge 10 ] || not_ok "only $nprog programs reported (expected every program of ${#objs[@]} objects)"
while read -r _ obj prog rest; do
	case "$rest" in
	*" ok") ok "$obj $prog within budget: ${rest% ok}" ;;
	*) not_ok "$obj $prog: $rest" ;;
	esac
done < <(grep '^budget ' "$E2E_TMP/out")
if [ "$rc" -ne 0 ]; then
	tail -n 40 "$E2E_TMP/err"
	grep -q -v ' ok$' "$E2E_TMP/out" || not_ok "bpf_budget exit $rc: $(tail -n 1 "$E2E_TMP/err")"
fi

# The check bites: a program with 448 bytes of stack is reported over.
if clang -g -O2 -target bpf -I/usr/include/x86_64-linux-gnu -c "$REPO/tests/e2e/budget_over.bpf.c" -o "$E2E_TMP/budget_over.bpf.o" 2>"$E2E_TMP/cc"; then
	"$BUDGET" "$E2E_TMP/budget_over.bpf.o" >"$E2E_TMP/over" 2>&1
	orc=$?
	if [ "$orc" -eq 1 ] && grep -q 'budget_over.bpf.o budget_over stack=448/384 .* OVER$' "$E2E_TMP/over"; then
		ok "a 448-byte stack is reported over budget (exit 1)"
	else
		not_ok "a 448-byte stack was not reported over budget (exit $orc): $(head -n 1 "$E2E_TMP/over")"
	fi
else
	not_ok "cannot compile tests/e2e/budget_over.bpf.c: $(tail -n 1 "$E2E_TMP/cc")"
fi
finish
