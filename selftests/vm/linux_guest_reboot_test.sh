#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# How a Linux guest's reboot ends altp2m-run: `reboot -f` on one vCPU and
# on two reports a reboot (status 3); with reboot=t on the guest's command
# line Linux reboots by triple fault, reported as one (status 4).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/linux_guest.sh"

[ -r "$l2_kernel" ] || { echo "# no guest kernel at $l2_kernel"; exit 4; }

# reboot_case NAME CPUS WANT [ALTP2M-RUN OPTIONS...]
reboot_case() {
	case_name=$1 cpus=$2 want=$3
	shift 3
	l2_boot "$case_name" "$cpus" -v "$@"
	check "$case_name-boots" l2_wait "L2: ready" 150
	l2_send reboot
	rc=$(l2_end 120)
	check "$case_name-exits-$want(rc=$rc)" test "$rc" = "$want"
	diag "$(tail -n 8 "$l2_err")"
	[ "$rc" = "$want" ] || l2_diag
}

tap_plan 6
reboot_case reboot-1cpu 1 3
reboot_case reboot-2cpus 2 3
l2_append=reboot=t
reboot_case triple-fault 1 4
tap_done
