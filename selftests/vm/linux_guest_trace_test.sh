#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The product's main job, as a test: Debian's stock kernel runs as a
# guest of altp2m-run inside Bochs, and `altp2mctl trace`, a process of
# its own, hides breakpoints in the guest kernel's file-open path and
# prints each file the guest opens, read from guest memory at the
# breakpoint, while a shell in the guest opens files and runs programs.
#
# What it shows, case by case:
#  - the file names the guest's commands opened appear in the trace;
#  - the guest, reading its own kernel through /proc/kcore (l2_peek),
#    sees the function's bytes unchanged while the breakpoint is armed:
#    no INT3 (the shadow page is execute-only; the guest's reads go to
#    the original);
#  - the trace's summary counts the hits, and the exits they cost;
#  - once the trace ends (its breakpoints removed, the monitor closed)
#    the guest reads the same bytes, still runs, and powers off cleanly.
#
# The symbols come from the guest itself (booted with nokaslr, its
# /proc/kallsyms): Debian's linux-image has only a stub System.map.
# TRACE_FN (default do_filp_open:x,*s, whose second argument is a
# struct filename, the name its first field) chooses the function.
# tools/demo runs this script and shows its transcript.
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/linux_guest.sh"

[ -r "$l2_kernel" ] || { echo "# no guest kernel at $l2_kernel"; exit 4; }
ctl=$(command -v altp2mctl 2>/dev/null || echo "$(dirname "$0")/altp2mctl")
fn_spec=${TRACE_FN:-do_filp_open:x,*s}
fn=${fn_spec%%:*}
map=$l2_dir/kallsyms.map
trace_out=$l2_dir/altp2mctl-trace.out
marker=altp2m-demo-$$

tap_plan 8
l2_append=nokaslr
l2_boot trace 1
check "boots-to-userspace" l2_wait "L2: ready" 150

# The guest's symbols: the traced function, and what the trace needs
# for the task's name (init_task, the per-CPU current task).
syms() {
	l2_send "grep -E ' ($fn|init_task|current_task|pcpu_hot)\$' /proc/kallsyms | sed 's/^/L2-sym: /'"
	l2_wait "L2-sym: [0-9a-f]+ [A-Za-z] $fn\$" 60 >/dev/null || return 1
	sleep 1
	# (The console also echoes the command line itself: skip it.)
	grep -oE 'L2-sym: [0-9a-f]+ [A-Za-z] [^ ]+$' "$l2_out" |
		sed 's/^L2-sym: //' | sort -u >"$map"
	grep -q " $fn\$" "$map"
}
check "guest-symbols" syms
# (check runs its command in a subshell: nothing it sets stays.)
addr=$(awk -v f="$fn" '$3 == f { print $1; exit }' "$map")
diag "symbols: $(tr '\n' ';' <"$map")"

# peek: the guest's own read of the function's first 16 bytes.
peek() {
	l2_send "l2_peek $addr 16 | sed 's/^/L2-peek-$1: /'"
	l2_wait "L2-peek-$1: l2_peek: $addr [0-9a-f]{32}" 60 |
		sed 's/.* \([0-9a-f]\{32\}\)$/\1/'
}
before=$(peek before)
diag "guest reads $fn at $addr: $before"

id=$(sed -n 's/.*[Vv][Mm] id \([0-9][0-9]*\).*/\1/p' "$l2_err" | head -n1)
"$ctl" trace "$id" --map "$map" --fn "$fn_spec" --seconds 600 \
	>"$trace_out" 2>&1 &
tpid=$!
# Armed once the trace says so, or the first hit came.
armed() {
	i=0
	while [ $i -lt 300 ]; do
		grep -q "hidden in vm" "$trace_out" && return 0
		kill -0 "$tpid" 2>/dev/null || return 1
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
check "trace-armed" armed

work="echo $marker >/tmp/$marker.txt; cat /tmp/$marker.txt; ls /bin >/dev/null; busybox uname -r"
diag "the guest's shell runs: $work"
l2_send "$work"
l2_wait "L2: answer $marker" 120 >/dev/null
during=$(peek during)
diag "guest reads $fn at $addr while traced: $during"
check "guest-sees-no-int3" sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' - \
	"$before" "$during"

saw_file() {
	i=0
	while [ $i -lt 150 ]; do
		grep -q "/tmp/$marker.txt" "$trace_out" && return 0
		sleep 0.2
		i=$((i + 1))
	done
	return 1
}
check "trace-shows-opened-file" saw_file

kill -INT "$tpid"
wait "$tpid"
trc=$?
diag "$(cat "$trace_out")"
check "trace-ends-cleanly(rc=$trc)" test "$trc" = 0

after=$(peek after)
check "guest-untouched-after" sh -c '[ -n "$1" ] && [ "$1" = "$2" ]' - \
	"$before" "$after"
l2_send poweroff
rc=$(l2_end 120)
check "poweroff-exits-0(rc=$rc)" test "$rc" = 0
l2_stats
[ "$tap_failed" -eq 0 ] || l2_diag
tap_done
