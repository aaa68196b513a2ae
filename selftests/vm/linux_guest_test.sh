#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Debian's stock kernel (the one this test VM runs) boots as a guest of
# altp2m-run on one vCPU, inside Bochs: it reaches userspace, keeps time
# (a 2 s sleep measured by its own clock and by this kernel's), talks over
# the serial console both ways, keeps running while altp2mctl restricts a
# page it writes in a view (the violation reaches altp2m-run, which relaxes
# it) and switches it between views, and powers off with status 0.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/linux_guest.sh"

[ -r "$l2_kernel" ] || { echo "# no guest kernel at $l2_kernel"; exit 4; }
ctl=$(dirname "$0")/altp2mctl

# within A B LOW HIGH: LOW <= B - A <= HIGH
within() {
	awk -v a="$1" -v b="$2" -v lo="$3" -v hi="$4" \
		'BEGIN { d = b - a; print "interval " d; exit !(d >= lo && d <= hi) }'
}

# field PATTERN N: field N of the first guest line matching PATTERN
field() {
	grep -E "$1" "$l2_out" | head -n1 | awk -v n="$2" '{ print $n }'
}

tap_plan 9
l2_boot one 1 --views
check "boots-to-userspace" l2_wait "L2: ready" 150
check "one-vcpu" l2_wait "L2: cpus 1$" 1
cs=$(field "L2: clocksource" 4)
diag "guest clocksource: $cs; $(grep -E 'L2: (init at|online)' "$l2_out")"
check "stable-clocksource($cs)" sh -c "[ -n '$cs' ] && [ '$cs' != jiffies ] && [ '$cs' != refined-jiffies ]"
# Line format: <L1 uptime> L2: sleep start <guest uptime>
check "sleep-2s-guest-clock" within "$(field 'L2: sleep start' 5)" "$(field 'L2: sleep end' 5)" 1.8 2.2
check "sleep-2s-host-clock" within "$(field 'L2: sleep start' 1)" "$(field 'L2: sleep end' 1)" 1.8 2.2
l2_send 'echo $((6 * 7))'
check "serial-both-ways" l2_wait "L2: answer 42$" 60

views() {
	id=$(sed -n 's/.*[Vv][Mm] id \([0-9][0-9]*\).*/\1/p' "$l2_err" | head -n1)
	[ -n "$id" ] || fails "altp2m-run printed no VM id"
	l2_send poke
	pfn=$(l2_wait "l2_poke: pfn" 60 | awk '{ print $4 }')
	[ -n "$pfn" ] || fails "no pfn from l2_poke"
	# altp2m-run --views enabled views already.
	view=$("$ctl" view create "$id") || fails "view create"
	"$ctl" access set "$id" "$view" "$pfn" r || fails "access set"
	"$ctl" switch "$id" "$view" || fails "switch to $view"
	l2_send "write 1000"
	l2_wait "l2_poke: wrote 1000" 60 || fails "the guest stopped"
	gpa=$(printf '%#x' $((pfn << 12)))
	grep -q "view $view violation: .* page $gpa" "$l2_err" ||
		fails "no violation at $gpa reported by altp2m-run"
	"$ctl" switch "$id" 0 || fails "switch back to 0"
	l2_send "write 10"
	l2_wait "l2_poke: wrote 10 " 60 || fails "the guest stopped on view 0"
	l2_send quit
}
check "views-on-a-running-os" views
# l2_poke leaves on "quit"; after a failed case it may still be reading.
l2_send quit
l2_send 'echo still here'
check "runs-after-views" l2_wait "L2: answer still here" 60
l2_send poweroff
rc=$(l2_end 120)
check "poweroff-exits-0(rc=$rc)" test "$rc" = 0
l2_stats
[ "$tap_failed" -eq 0 ] || l2_diag
tap_done
