#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# guest_memory_test under both settings of altp2m.huge_pages: with 1 the
# module maps guest RAM with 2 MiB EPT leaves where the backing allows,
# with 0 (the default on CPUs with the iTLB multihit erratum) never. The
# test reads the parameter and checks the mappings it asks for. Leaves
# the module loaded with its default parameters.
. "$(dirname "$0")/tap.sh"

mod=${ALTP2M_MODULE:?ALTP2M_MODULE is not set}
dir=$(dirname "$0")

reload() {
	if grep -q '^altp2m ' /proc/modules; then rmmod altp2m || return 1; fi
	insmod "$mod" "$@"
}

with() {
	out=$( (reload "huge_pages=$1" && "$dir/guest_memory_test") 2>&1)
	rc=$?
	diag "$out"
	check "guest_memory_test-huge_pages=$1" test "$rc" -eq 0
}

tap_plan 4
with 1
with 0
check "reload-default" reload
# The default follows the kernel's view of the CPU.
bug=0
grep -qw itlb_multihit /proc/cpuinfo && bug=1
want=Y
[ "$bug" -eq 0 ] || want=N
got=$(cat /sys/module/altp2m/parameters/huge_pages 2>/dev/null)
case $got in 1) got=Y ;; 0) got=N ;; esac
check "default-follows-itlb-multihit(bug=$bug)" test "$got" = "$want"
tap_done
