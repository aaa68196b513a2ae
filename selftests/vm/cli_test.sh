#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# altp2mctl against the live module: output, JSON, errors, exit codes, and
# monitor's subscribed line, VM filter and timestamps on the events of
# hello_guest's VMs.
. "$(dirname "$0")/tap.sh"

ctl=./altp2mctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

caps_text() {
	out=$($ctl caps) || return 1
	echo "$out" | grep -q '^API version *1$' || fails "no API line: $out"
	echo "$out" | grep -q '^ept  *yes ' || fails "ept not reported: $out"
	echo "$out" | grep -q '^IA32_VMX_BASIC  *0x' || fails "no raw MSRs"
}

caps_json() {
	out=$($ctl -j caps) || return 1
	case $out in
	'{"api_version":1,'*'"caps":["ept"'*'"msrs":{"IA32_VMX_BASIC":"0x'*'}}')
		;;
	*) fails "unexpected JSON: $out" ;;
	esac
}

json_agrees_with_text() {
	for cap in $($ctl -j caps | sed 's/.*"caps":\[\([^]]*\)\].*/\1/' |
		     tr -d '"' | tr ',' ' '); do
		$ctl caps | grep -q "^$cap  *yes " ||
			fails "$cap in JSON but not 'yes' in text"
	done
}

version() {
	[ "$($ctl version)" = "altp2m API version 1" ]
}

usage_errors() {
	$ctl >/dev/null 2>&1; [ $? -eq 2 ] || fails "no command: not exit 2"
	$ctl bogus >/dev/null 2>&1; [ $? -eq 2 ] || fails "bogus: not exit 2"
	$ctl --bogus caps >/dev/null 2>&1; [ $? -eq 2 ] ||
		fails "bad option: not exit 2"
	$ctl caps extra >/dev/null 2>&1; [ $? -eq 2 ] ||
		fails "extra argument: not exit 2"
	$ctl --help | grep -q '^Usage: altp2mctl' || fails "--help"
}

# usage CMD...: exit status 2. With the module loaded and VM 1 absent, a
# request that reached the kernel would fail with status 1 instead.
usage() {
	"$ctl" "$@" >/dev/null 2>"$tmp/usage.err"
	rc=$?
	[ $rc -eq 2 ] || fails "'$*': exit $rc, want 2: $(cat "$tmp/usage.err")"
}

usage_errors_new() {
	usage help bogus
	grep -q "unknown command 'bogus'" "$tmp/usage.err" ||
		fails "help bogus: $(cat "$tmp/usage.err")"
	usage help vm frob
	usage view destroy 1 512
	grep -q "out of range (0 .. 511)" "$tmp/usage.err" ||
		fails "view 512: $(cat "$tmp/usage.err")"
	usage access get 1 512 0x10
	usage switch 1 1 --vcpu 64
	usage visibility 1 1 on --vcpu 64
	usage vm enable 1 --max-views 513
	usage vm enable 1 --max-views 0
	usage -t vm list
	usage monitor vm x
	usage monitor -t 5
	# In range, the same commands reach the kernel: no VM 1, status 1.
	"$ctl" view destroy 1 511 >/dev/null 2>&1
	rc=$?
	[ $rc -eq 1 ] || fails "view destroy 1 511: exit $rc, want 1"
}

json_after_command() {
	a=$($ctl -j vm list) || fails "-j vm list failed"
	b=$($ctl vm list -j) || fails "vm list -j failed"
	[ "$a" = "$b" ] || fails "'$a' != '$b'"
	case $b in '['*']') ;; *) fails "not a JSON array: $b" ;; esac
	[ "$($ctl version --json)" = '{"api_version":1}' ] ||
		fails "version --json: $($ctl version --json)"
}

# start_monitor NAME ARGS...: monitor in the background, stdout in
# $tmp/NAME.out, stderr in $tmp/NAME.err, pid in $tmp/NAME.pid; returns
# once it says it has joined the group (60 s at most).
start_monitor() {
	name=$1
	shift
	"$ctl" -j monitor "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	echo $! >"$tmp/$name.pid"
	i=0
	until grep -q '^altp2mctl: monitor: subscribed$' "$tmp/$name.err"; do
		i=$((i + 1))
		[ $i -le 600 ] || fails "$name: no subscribed line: $(cat "$tmp/$name.err")"
		kill -0 "$(cat "$tmp/$name.pid")" 2>/dev/null ||
			fails "$name: exited early: $(cat "$tmp/$name.err")"
		sleep 0.1
	done
}

# wait_monitor NAME: its exit status.
wait_monitor() {
	wait "$(cat "$tmp/$1.pid")"
}

# The VM id of the first vm-created event in $tmp/NAME.out.
created_id() {
	sed -n 's/.*"event":"vm-created","vm_id":\([0-9]*\).*/\1/p' \
		"$tmp/$1.out" | head -n 1
}

# Subscribed before any event: a VM created right after the line is seen,
# with its destruction, and each line has an RFC 3339 timestamp.
monitor_subscribed_timestamps() {
	start_monitor all -t --count 2 --timeout 120
	./hello_guest >"$tmp/guest.out" 2>&1 || fails "hello_guest: $(cat "$tmp/guest.out")"
	wait_monitor all || fails "monitor: $(cat "$tmp/all.err")"
	id=$(created_id all)
	[ -n "$id" ] || fails "no vm-created: $(cat "$tmp/all.out")"
	ts='{"timestamp":"[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]\{6\}[+-][0-9][0-9]:[0-9][0-9]",'
	[ "$(grep -c "^$ts\"event\":\"vm-created\",\"vm_id\":$id}\$" "$tmp/all.out")" -eq 1 ] ||
		fails "created line: $(cat "$tmp/all.out")"
	[ "$(grep -c "^$ts\"event\":\"vm-destroyed\",\"vm_id\":$id}\$" "$tmp/all.out")" -eq 1 ] ||
		fails "destroyed line: $(cat "$tmp/all.out")"
	echo "$id" >"$tmp/last_id"
}

# VM ids are allocated cyclically (kmod/vm.c), so the next hello_guest
# VM is the last one plus 1: a filter for it sees exactly its two events,
# a filter for the old id sees nothing, and no filter sees both.
monitor_vm_filter() {
	[ -s "$tmp/last_id" ] || fails "needs monitor-subscribed-timestamps"
	old=$(cat "$tmp/last_id")
	next=$((old + 1))
	start_monitor all --count 2 --timeout 120
	start_monitor mine vm "$next" --count 2 --timeout 120
	start_monitor other --vm "$old" --timeout 120
	./hello_guest >"$tmp/guest.out" 2>&1 || fails "hello_guest: $(cat "$tmp/guest.out")"
	wait_monitor all || fails "unfiltered: $(cat "$tmp/all.err")"
	[ "$(created_id all)" = "$next" ] ||
		fails "VM id $(created_id all), expected $next: $(cat "$tmp/all.out")"
	wait_monitor mine || fails "filtered: $(cat "$tmp/mine.err")"
	cmp -s "$tmp/all.out" "$tmp/mine.out" ||
		fails "filtered '$(cat "$tmp/mine.out")' != '$(cat "$tmp/all.out")'"
	kill "$(cat "$tmp/other.pid")"
	wait_monitor other
	[ ! -s "$tmp/other.out" ] || fails "vm $old filter printed: $(cat "$tmp/other.out")"
}

missing_device() {
	err=$($ctl -d /dev/nonexistent caps 2>&1); rc=$?
	[ $rc -eq 1 ] || fails "exit $rc, want 1"
	echo "$err" | grep -q 'does not exist: is the altp2m module loaded' ||
		fails "unhelpful message: $err"
}

tap_plan 10
check "caps-text" caps_text
check "caps-json" caps_json
check "json-agrees-with-text" json_agrees_with_text
check "version" version
check "usage-errors-exit-2" usage_errors
check "usage-errors-help-and-bounds-exit-2" usage_errors_new
check "json-option-after-command" json_after_command
check "monitor-subscribed-timestamps" monitor_subscribed_timestamps
check "monitor-vm-filter" monitor_vm_filter
check "missing-device-message" missing_device
tap_done
