#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# altp2mctl's introspection commands (monitor attach, monitor pause,
# mem read, regs get) against a running guest, monitor_cli_guest: memory
# by gpa and by gva, registers, live guest-request and CR3 events in text
# and JSON, one monitor at a time, Ctrl-C and the end of a pause detach,
# and the guest runs on after each.
. "$(dirname "$0")/tap.sh"

ctl=./altp2mctl
tmp=$(mktemp -d)
gpid=
cleanup() {
	[ -n "$gpid" ] && kill "$gpid" 2>/dev/null && wait "$gpid"
	rm -rf "$tmp"
}
trap cleanup EXIT

# The guest's first line: "vm N marker 0x... loops 0x...".
./monitor_cli_guest >"$tmp/guest.out" 2>"$tmp/guest.err" &
gpid=$!
i=0
while ! grep -q '^vm ' "$tmp/guest.out" && [ $i -lt 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
set -- $(cat "$tmp/guest.out")
vm=$2 marker=$4 loops=$6
want="altp2m monitor CLI marker"

# The guest's loop count, read through the CLI.
loops_now() {
	$ctl -j mem read "$vm" "$loops" 8 | sed 's/.*"data":"\([0-9a-f]*\)".*/\1/'
}

# The guest runs: its count moves between two reads.
guest_runs() {
	a=$(loops_now) || return 1
	sleep 1
	b=$(loops_now) || return 1
	[ -n "$a" ] && [ "$a" != "$b" ] || fails "loop count stuck at '$a'"
}

guest_started() {
	[ -n "$vm" ] && [ -n "$marker" ] ||
		fails "guest: $(cat "$tmp/guest.out" "$tmp/guest.err")"
	guest_runs
}

mem_read_gpa() {
	out=$($ctl mem read "$vm" "$marker" 25 --raw) || return 1
	[ "$out" = "$want" ] || fails "raw read '$out'"
	out=$($ctl mem read "$vm" "$marker" 16) || return 1
	echo "$out" | grep -q "|altp2m monitor C|$" || fails "hexdump: $out"
	out=$($ctl -j mem read "$vm" "$marker" 6 --view 0) || return 1
	echo "$out" | grep -q '"done":6,"data":"616c7470326d"}' ||
		fails "JSON: $out"
}

mem_read_gva() {
	out=$($ctl mem read "$vm" "$marker" 25 --gva --vcpu 0 --raw) || return 1
	[ "$out" = "$want" ] || fails "gva read '$out'"
}

# Past the end of guest RAM: what was there, then status 1 and where.
mem_read_hole() {
	$ctl mem read "$vm" 0xfffff000 16 >"$tmp/hole.out" 2>"$tmp/hole.err"
	rc=$?
	[ $rc -eq 1 ] || fails "exit $rc: $(cat "$tmp/hole.err")"
	grep -q "read 0 of 16 bytes: nothing there at 0xfffff000" "$tmp/hole.err" ||
		fails "message: $(cat "$tmp/hole.err")"
	# A linear address the page tables do not map (page 0).
	$ctl mem read "$vm" 0 16 --gva --vcpu 0 >/dev/null 2>"$tmp/hole.err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "nothing mapped at 0x0" "$tmp/hole.err" ||
		fails "gva 0: exit $rc: $(cat "$tmp/hole.err")"
}

regs_get() {
	out=$($ctl regs get "$vm" --vcpu 0) || return 1
	echo "$out" | grep -q '^rip      0x' || fails "no rip: $out"
	echo "$out" | grep -q '^cr0      0x00000000800' || fails "paging off? $out"
	out=$($ctl -j regs get "$vm") || return 1
	case $out in
	'{"vcpu":0,"rax":'*'"cr3":'*'}') ;;
	*) fails "JSON: $out" ;;
	esac
	$ctl regs get "$vm" --vcpu 5 >/dev/null 2>"$tmp/regs.err" &&
		fails "vCPU 5 does not exist"
	grep -q "no vCPU 5\|No such file" "$tmp/regs.err" ||
		fails "vCPU 5: $(cat "$tmp/regs.err")"
}

guest_request_events() {
	out=$($ctl monitor attach "$vm" --events guest-request --count 2 \
		--timeout 120 2>"$tmp/attach.err") ||
		fails "exit $?: $(cat "$tmp/attach.err")"
	[ "$(echo "$out" | wc -l)" -eq 2 ] || fails "lines: $out"
	echo "$out" | grep -q "^seq=[0-9]* vcpu=0 view=0 guest-request sync rip=0x[0-9a-f]* rbx=$marker rcx=0x" ||
		fails "line: $out"
	grep -q "attached to vm $vm" "$tmp/attach.err" ||
		fails "no attached line: $(cat "$tmp/attach.err")"
	out=$($ctl -j monitor attach "$vm" -e guest-request --async -c 1 \
		--timeout 120) || return 1
	case $out in
	'{"seq":'*',"event":"guest-request","sync":false,"vcpu":0,'*'"rbx":'$((marker))','*) ;;
	*) fails "JSON: $out" ;;
	esac
	guest_runs
}

cr3_events() {
	out=$($ctl monitor attach "$vm" --events cr3 --count 1 --timeout 120) ||
		return 1
	echo "$out" | grep -q " cr sync rip=0x[0-9a-f]* index=0x3 old=0x[0-9a-f]* new=0x" ||
		fails "line: $out"
	guest_runs
}

# While one command holds the monitor, the others are refused; Ctrl-C
# ends the hold, exit 0, and the guest goes on.
one_monitor_and_ctrl_c() {
	$ctl monitor pause "$vm" >"$tmp/pause.out" 2>"$tmp/pause.err" &
	p=$!
	i=0
	while ! grep -q paused "$tmp/pause.out" && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	grep -q "vm $vm: every vCPU paused" "$tmp/pause.out" ||
		fails "pause: $(cat "$tmp/pause.out" "$tmp/pause.err")"
	$ctl mem read "$vm" "$marker" 4 >/dev/null 2>"$tmp/busy.err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "busy" "$tmp/busy.err" ||
		fails "second monitor: exit $rc: $(cat "$tmp/busy.err")"
	kill -INT $p
	wait $p || fails "pause exit $?: $(cat "$tmp/pause.err")"
	guest_runs
	# The same for monitor attach.
	$ctl monitor attach "$vm" --events guest-request >"$tmp/att.out" \
		2>"$tmp/att.err" &
	p=$!
	i=0
	while ! grep -q attached "$tmp/att.err" && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -INT $p
	wait $p || fails "attach exit $?: $(cat "$tmp/att.err")"
	grep -q "guest-request sync" "$tmp/att.out" ||
		fails "no event before Ctrl-C: $(cat "$tmp/att.out")"
	guest_runs
}

pause_for() {
	$ctl monitor pause "$vm" --vcpu 0 --for 1 >"$tmp/for.out" || return 1
	grep -q "vCPU 0 paused" "$tmp/for.out" || fails "$(cat "$tmp/for.out")"
	guest_runs
}

# lib/examples/mon-example, the daemon of Documentation/monitor.rst, on
# the same guest: guest requests answered after a gva read, and with the
# page of the guest's loop count read-only in a view of its own, each
# write relaxed, stepped and restricted again; Ctrl-C detaches and the
# view goes with it (DROP_VIEWS).
example_daemon() {
	[ -x ./mon-example ] || fails "mon-example not staged"
	pg=$(printf '0x%x' $((loops >> 12)))
	./mon-example "$vm" "$pg" >"$tmp/ex.out" 2>"$tmp/ex.err" &
	p=$!
	i=0
	while [ "$(grep -c ' singlestep ' "$tmp/ex.out")" -lt 2 ] &&
	      [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -INT $p
	wait $p || fails "exit $?: $(cat "$tmp/ex.err" "$tmp/ex.out")"
	grep -q "^view 1: gfn $pg read-only, every vCPU on it$" "$tmp/ex.out" ||
		fails "no view: $(head -5 "$tmp/ex.out")"
	grep -q "guest-request rip 0x[0-9a-f]* rbx $marker: 61 6c 74 70 32 6d 20 6d" \
		"$tmp/ex.out" || fails "request: $(head -5 "$tmp/ex.out")"
	grep -q "view 1 violation rip 0x[0-9a-f]* gpa $(printf '0x%x' $((loops)))" \
		"$tmp/ex.out" || fails "violation: $(head -8 "$tmp/ex.out")"
	[ "$(grep -c ' singlestep ' "$tmp/ex.out")" -ge 2 ] ||
		fails "steps: $(head -8 "$tmp/ex.out")"
	guest_runs
	views=$($ctl -j view list "$vm") || return 1
	case $views in
	*'"view":1,'*) fails "the example's view stayed: $views" ;;
	esac
}

usage_and_absent_vm() {
	$ctl monitor attach "$vm" --events cr2 >/dev/null 2>&1
	[ $? -eq 2 ] || fails "cr2: not a usage error"
	$ctl mem read "$vm" "$marker" 0 >/dev/null 2>&1
	[ $? -eq 2 ] || fails "LEN 0: not a usage error"
	$ctl regs get 4000000 >/dev/null 2>"$tmp/absent.err"
	[ $? -eq 1 ] && grep -q "No such file or directory" "$tmp/absent.err" ||
		fails "absent VM: $(cat "$tmp/absent.err")"
}

tap_plan 11
check "guest-started" guest_started
check "mem-read-gpa" mem_read_gpa
check "mem-read-gva" mem_read_gva
check "mem-read-hole" mem_read_hole
check "regs-get" regs_get
check "monitor-attach-guest-request" guest_request_events
check "monitor-attach-cr3" cr3_events
check "one-monitor-and-ctrl-c" one_monitor_and_ctrl_c
check "monitor-pause-for" pause_for
check "example-daemon" example_daemon
check "usage-and-absent-vm" usage_and_absent_vm
tap_done
