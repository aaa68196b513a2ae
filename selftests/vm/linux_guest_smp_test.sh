#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Debian's stock kernel boots as a guest of altp2m-run on two vCPUs inside
# Bochs (the second brought up by the guest with INIT and SIPI), sees both,
# answers on its console and powers off (linux_guest_reboot_test.sh
# reboots it).
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/linux_guest.sh"

[ -r "$l2_kernel" ] || { echo "# no guest kernel at $l2_kernel"; exit 4; }

tap_plan 5
l2_boot two 2
check "boots-to-userspace" l2_wait "L2: ready" 150
check "two-vcpus" l2_wait "L2: cpus 2$" 1
check "both-online" l2_wait "L2: online 0-1$" 1
l2_send 'echo $(( $(cat /proc/uptime | cut -d. -f1) >= 0 ))'
check "serial-both-ways" l2_wait "L2: answer 1$" 60
l2_send poweroff
rc=$(l2_end 120)
check "poweroff-exits-0(rc=$rc)" test "$rc" = 0
l2_stats
[ "$tap_failed" -eq 0 ] || l2_diag
tap_done
