#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# On a CPU without VMX the module must refuse to load with ENODEV and one
# line saying why, leaving nothing behind.
. "$(dirname "$0")/tap.sh"

mod=${ALTP2M_MODULE:?ALTP2M_MODULE is not set}

no_vmx_here() {
	! grep -qw vmx /proc/cpuinfo || fails "this CPU has VMX"
}

refused_enodev() {
	if out=$(insmod "$mod" 2>&1); then
		rmmod altp2m
		fails "insmod succeeded on a CPU without VMX"
	fi
	diag "$out"
	echo "$out" | grep -q 'No such device' || fails "not ENODEV: $out"
}

one_line_reason() {
	n=$(dmesg | grep -c 'altp2m: cannot load: CPU has no VMX')
	[ "$n" -ge 1 ] || fails "no reason in the kernel log"
	diag "$(dmesg | grep 'altp2m:' | tail -n 1)"
}

nothing_left() {
	! grep -q '^altp2m ' /proc/modules || fails "module listed"
	[ ! -e /dev/altp2m ] || fails "/dev/altp2m exists"
	[ ! -e /sys/module/altp2m ] || fails "/sys/module/altp2m exists"
}

tap_plan 4
check "cpu-has-no-vmx" no_vmx_here
check "insmod-fails-with-enodev" refused_enodev
check "kernel-log-says-why" one_line_reason
check "nothing-left-behind" nothing_left
tap_done
