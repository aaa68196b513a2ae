#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# On a CPU that cannot run altp2m the module must refuse to load, with the
# errno and the one-line reason the CPU deserves, leaving nothing behind:
#   novmx tier (QEMU TCG, no VMX at all): ENODEV, "CPU has no VMX"
#   noept tier (Bochs Penryn, VMX without EPT): EOPNOTSUPP, "cannot load:"
. "$(dirname "$0")/tap.sh"

mod=${ALTP2M_MODULE:?ALTP2M_MODULE is not set}
case ${ALTP2M_TIER:?} in
novmx) errmsg='No such device' why='cannot load: CPU has no VMX' ;;
noept) errmsg='Operation not supported' why='cannot load: ' ;;
*) echo "refusal.sh: no refusal expected on tier $ALTP2M_TIER"; exit 1 ;;
esac

cpu_as_expected() {
	if [ "$ALTP2M_TIER" = novmx ]; then
		! grep -qw vmx /proc/cpuinfo || fails "this CPU has VMX"
	else
		grep -qw vmx /proc/cpuinfo || fails "this CPU has no VMX"
		! grep -qw ept /proc/cpuinfo || fails "this CPU has EPT"
	fi
}

refused() {
	if out=$(insmod "$mod" 2>&1); then
		rmmod altp2m
		fails "insmod succeeded"
	fi
	diag "$out"
	echo "$out" | grep -q "$errmsg" || fails "not '$errmsg': $out"
}

# One line per load attempt; busybox insmod tries finit_module and then
# init_module, so there are two. Both must say why, and nothing else may.
one_line_reason() {
	n=$(dmesg | grep -c "altp2m: $why")
	[ "$n" -ge 1 ] || fails "no '$why' line"
	other=$(dmesg | grep 'altp2m: ' | grep -v "altp2m: $why" |
		grep -v -e 'taints kernel' -e 'module verification failed')
	[ -z "$other" ] || fails "unexpected: $other"
	diag "$(dmesg | grep 'altp2m:' | tail -n 1)"
}

nothing_left() {
	! grep -q '^altp2m ' /proc/modules || fails "module listed"
	[ ! -e /dev/altp2m ] || fails "/dev/altp2m exists"
	[ ! -e /sys/module/altp2m ] || fails "/sys/module/altp2m exists"
}

tap_plan 4
check "cpu-is-$ALTP2M_TIER" cpu_as_expected
check "insmod-refused" refused
check "kernel-log-says-why" one_line_reason
check "nothing-left-behind" nothing_left
tap_done
