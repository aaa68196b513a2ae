#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The views tests again with the module emulating what the CPU would do
# itself (altp2m.hw_vmfunc=0, hw_ve=0): the guest must see exactly the same; only
# the exit counts differ, which the tests check for the path they are on.
# Leaves the module loaded with its default parameters.
. "$(dirname "$0")/tap.sh"

mod=${ALTP2M_MODULE:?ALTP2M_MODULE is not set}
dir=$(dirname "$0")

reload() {
	if grep -q '^altp2m ' /proc/modules; then rmmod altp2m || return 1; fi
	insmod "$mod" "$@"
}

# run_masked PARAMS TEST: TEST under the module loaded with PARAMS.
run_masked() {
	params=$1
	test=$2
	reload $params || { echo "insmod $params failed"; return 1; }
	"$dir/$test"
}

# Each test's own TAP goes into the log as diagnostics.
masked() {
	name=$2-$1
	out=$(run_masked "$@" 2>&1)
	rc=$?
	diag "$out"
	check "$name" test "$rc" -eq 0
}

tap_plan 3
masked "hw_vmfunc=0" views_switch_test
masked "hw_ve=0" views_ve_test
check "reload-default" reload
tap_done
