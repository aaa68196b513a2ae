#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# An introspection daemon (l2_mon, on libaltp2m's monitor fd) against
# Debian's stock kernel running as a guest of altp2m-run inside Bochs: it
# attaches by VM id, pauses the guest, reads the kernel's banner from
# guest memory by linear address through vCPU 0's paging, resumes, takes
# one synchronous CR3 write (the guest's shell forks on each command
# typed here, so the kernel switches address spaces), single-steps a few
# kernel instructions from it, lets the guest go and detaches; the guest
# then still answers on its console and powers off with status 0.
#
# Debian's linux-image ships only a stub System.map (the real one is in
# the -dbg package), so the banner's address comes from the guest
# itself: booted with nokaslr, its /proc/kallsyms gives linux_banner's
# address, and its /proc/version, which formats the same fields, the
# text the daemon must read there.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/linux_guest.sh"

[ -r "$l2_kernel" ] || { echo "# no guest kernel at $l2_kernel"; exit 4; }
mon=$(dirname "$0")/l2_mon
steps=5

tap_plan 7
l2_append=nokaslr
l2_boot monitor 1
check "boots-to-userspace" l2_wait "L2: ready" 150

l2_send "grep ' linux_banner\$' /proc/kallsyms"
# Line format: <L1 uptime> L2: answer <address> <type> linux_banner
gva=$(l2_wait "L2: answer [0-9a-f]+ [A-Za-z] linux_banner$" 60 |
	awk '{ print $4 }')
l2_send "cat /proc/version"
version=$(l2_wait "L2: answer Linux version " 60 | cut -d' ' -f4-)
diag "linux_banner at $gva; /proc/version: $version"

daemon() {
	id=$(sed -n 's/.*[Vv][Mm] id \([0-9][0-9]*\).*/\1/p' "$l2_err" | head -n1)
	[ -n "$id" ] || fails "altp2m-run printed no VM id"
	[ -n "$gva" ] || fails "no linux_banner address from the guest"
	log=$l2_dir/l2_mon.log
	"$mon" "$id" "$gva" "$steps" >"$log" 2>&1 &
	pid=$!
	# Commands make the guest's shell fork: CR3 writes for the daemon.
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt 90 ]; do
		l2_send "echo tick $i"
		sleep 1
		i=$((i + 1))
	done
	kill "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || fails "l2_mon exited with $rc"
}
check "daemon-runs" daemon
log=$l2_dir/l2_mon.log
diag "$(cat "$log")"
banner=$(sed -n 's/^l2_mon: banner //p' "$log")
check "banner-matches-proc-version" \
	sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' - "$banner" "$version"
check "cr3-write-in-kernel" grep -qE "^l2_mon: cr3 write at 0xffff[0-9a-f]+ cpl 0" "$log"
n=$(grep -cE "^l2_mon: step [0-9]+ rip 0xffff[0-9a-f]+ cpl 0$" "$log")
check "stepped-$steps-kernel-instructions(got $n)" test "$n" = "$steps"

l2_send 'echo still here'
check "runs-after-detach" l2_wait "L2: answer still here" 60
l2_send poweroff
rc=$(l2_end 120)
check "poweroff-exits-0(rc=$rc)" test "$rc" = 0
l2_stats
[ "$tap_failed" -eq 0 ] || l2_diag
tap_done
