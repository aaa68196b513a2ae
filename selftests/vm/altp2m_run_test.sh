#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# altp2m-run on the live module with pvh_test_kernel (an ELF and the same
# as an xz bzImage): what the kernel is handed (start info, command line,
# initrd, RSDP, e820), the platform's answers (unknown port, no-RAM
# address, I/O APIC version), serial both ways, the exit statuses of
# power-off, reset (0xcf9 and the keyboard controller) and triple fault,
# the VM id altp2mctl attaches with, --views with a violation the VMM
# relaxes, SIGTERM, and the one-line errors of bad images and options.
. "$(dirname "$0")/tap.sh"

run=./altp2m-run
ctl=./altp2mctl
kernel=./pvh_test_kernel
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "first line of the initrd" >"$tmp/initrd"
printf 'second line\n' >>"$tmp/initrd"

# boot ENDING [IMAGE] [ARGS...]: boot with the line "typed 42" on stdin
# and pvh.mode=ENDING; output in $tmp/out and $tmp/err, status in $rc.
boot() {
	mode=$1
	shift
	img=$kernel
	if [ $# -gt 0 ]; then
		img=$1
		shift
	fi
	printf 'typed 42\r' | $run -k "$img" -i "$tmp/initrd" \
		-a "console=ttyS0 pvh.mode=$mode" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# has FILE TEXT: FILE has the line TEXT (fixed string, whole line).
has() {
	grep -qxF "$2" "$1" || fails "no line '$2' in $1: $(cat "$1")"
}

no_fail() {
	! grep -q FAIL "$tmp/out" || fails "the guest says: $(grep FAIL "$tmp/out")"
}

poweroff() {
	boot off || return 1
	[ "$rc" -eq 0 ] || fails "exit $rc, want 0: $(cat "$tmp/err")"
	has "$tmp/out" "pvh-test: hello from the PVH entry"
	has "$tmp/out" "pvh-test: power off"
	no_fail
	grep -q '^altp2m-run: VM id [0-9][0-9]* (1 vCPU, 256 MiB' "$tmp/err" ||
		fails "no VM id line: $(cat "$tmp/err")"
}

# What the start info carries, as the guest read it.
start_info() {
	boot off || return 1
	has "$tmp/out" "pvh-test: cmdline: console=ttyS0 pvh.mode=off"
	has "$tmp/out" "pvh-test: initrd: first line of the initrd"
	has "$tmp/out" "pvh-test: rsdp: RSD PTR "
	has "$tmp/out" "pvh-test: e820 0x00000000 0x000a0000 0x00000001"
	has "$tmp/out" "pvh-test: e820 0x000e0000 0x00020000 0x00000002"
	has "$tmp/out" "pvh-test: e820 0x00100000 0x0ff00000 0x00000001"
	[ "$(grep -c 'pvh-test: e820' "$tmp/out")" -eq 3 ] ||
		fails "not 3 e820 entries: $(cat "$tmp/out")"
}

# Ports and addresses with no device, and the I/O APIC's registers.
platform() {
	boot off || return 1
	has "$tmp/out" "pvh-test: port 0x61 reads 0x000000ff"
	has "$tmp/out" "pvh-test: no-RAM address reads 0xffffffff"
	has "$tmp/out" "pvh-test: ioapic version 0x00170020"
}

serial_input() {
	boot off || return 1
	has "$tmp/out" "pvh-test: you typed: typed 42"
}

bzimage() {
	boot off ./pvh_test_kernel.bz || return 1
	[ "$rc" -eq 0 ] || fails "exit $rc, want 0: $(cat "$tmp/err")"
	has "$tmp/out" "pvh-test: you typed: typed 42"
	no_fail
}

reboot_cf9() {
	boot reboot || return 1
	[ "$rc" -eq 3 ] || fails "exit $rc, want 3: $(cat "$tmp/err")"
	has "$tmp/out" "pvh-test: reset through 0xcf9"
	grep -q 'reset through port 0xcf9' "$tmp/err" || fails "$(cat "$tmp/err")"
	no_fail
}

reboot_kbd() {
	boot kbd || return 1
	[ "$rc" -eq 3 ] || fails "exit $rc, want 3: $(cat "$tmp/err")"
	grep -q 'reset through port 0x64' "$tmp/err" || fails "$(cat "$tmp/err")"
	no_fail
}

triple_fault() {
	boot triple || return 1
	[ "$rc" -eq 4 ] || fails "exit $rc, want 4: $(cat "$tmp/err")"
	has "$tmp/out" "pvh-test: triple fault"
	grep -q 'vcpu 0: triple fault' "$tmp/err" || fails "$(cat "$tmp/err")"
	no_fail
}

# Without the in-kernel local APIC, more than one vCPU is refused; with
# it, vCPU 1 waits for a SIPI and power-off still ends every thread.
two_vcpus() {
	boot off "$kernel" --cpus 2 || return 1
	if grep -q 'no in-kernel local APIC' "$tmp/err"; then
		[ "$rc" -eq 1 ] || fails "exit $rc, want 1"
		[ "$(wc -l <"$tmp/err")" -eq 1 ] || fails "$(cat "$tmp/err")"
		return 0
	fi
	[ "$rc" -eq 0 ] || fails "exit $rc, want 0: $(cat "$tmp/err")"
	grep -q 'VM id [0-9]* (2 vCPUs' "$tmp/err" || fails "$(cat "$tmp/err")"
	has "$tmp/out" "pvh-test: you typed: typed 42"
}

# wait_for FILE TEXT: up to 120 s for TEXT to appear in FILE.
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 1200 ] || fails "timed out waiting for '$2' in $1: $(cat "$1")"
		sleep 0.1
	done
}

# While the guest waits for its line: altp2mctl finds the VM by the id
# printed, with views on (--views); a view that makes the line buffer's
# page read-only takes vCPU 0, the guest's first write there exits, the
# VMM logs it at the buffer's address and makes the page rwx, and the
# guest goes on to power off.
views_violation() {
	mkfifo "$tmp/in"
	$run -k "$kernel" --views <"$tmp/in" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	# A failed check leaves this subshell: take the VMM with it.
	trap 'kill $pid 2>/dev/null' EXIT
	exec 3>"$tmp/in"
	wait_for "$tmp/out" "pvh-test: type a line"
	id=$(sed -n 's/^altp2m-run: VM id \([0-9]*\) .*/\1/p' "$tmp/err")
	[ -n "$id" ] || fails "no VM id: $(cat "$tmp/err")"
	json=$($ctl -j vm show "$id") || fails "altp2mctl vm show $id failed"
	echo "$json" | grep -q "\"owner_pid\":${pid}[,}]" ||
		fails "VM $id is not altp2m-run's ($pid): $json"
	echo "$json" | grep -q '"views_enabled":true' ||
		fails "--views did not enable views: $json"
	echo "$json" | grep -q '"mode":"external"' || fails "mode: $json"
	line=$(sed -n 's/^pvh-test: line buffer at \(0x[0-9a-f]*\)$/\1/p' "$tmp/out")
	[ -n "$line" ] || fails "no line buffer address: $(cat "$tmp/out")"
	view=$($ctl view create "$id" --default-access rwx) ||
		fails "view create failed"
	$ctl access set "$id" "$view" $((line >> 12)) rx ||
		fails "access set failed"
	$ctl switch "$id" "$view" || fails "switch failed"
	printf 'through a view\n' >&3
	exec 3>&-
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || fails "exit $rc, want 0: $(cat "$tmp/err")"
	has "$tmp/out" "pvh-test: you typed: through a view"
	gpa=$(printf '0x%x' "$line")
	grep -q "vcpu 0: view $view violation: -w- gpa $gpa page $gpa gla 0x[0-9a-f]*: made rwx" \
		"$tmp/err" || fails "no violation at $gpa logged: $(cat "$tmp/err")"
	no_fail
}

# --dry-run: where everything goes, without a VM.
dry_run() {
	$run -k ./pvh_test_kernel.bz -i "$tmp/initrd" -a "x y" --mem 64M \
		--dry-run >"$tmp/out" 2>"$tmp/err" || fails "exit $?: $(cat "$tmp/err")"
	grep -q '^kernel: bzImage (xz), 0x100000-0x[0-9a-f]*, PVH entry 0x100000$' \
		"$tmp/out" || fails "$(cat "$tmp/out")"
	has "$tmp/out" "initrd: 0x3fff000-0x3fff024 (37 bytes)"
	has "$tmp/out" 'start_info: 0x2000, cmdline 0x3000 "x y", rsdp 0xe0000'
	has "$tmp/out" "e820: 0x100000-0x3ffffff ram"
	has "$tmp/out" "vcpus: 1"
	[ ! -s "$tmp/err" ] || fails "stderr: $(cat "$tmp/err")"
	# More than fits below the I/O APIC continues at 4 GiB.
	$run -k "$kernel" --mem 5G -n >"$tmp/out" 2>"$tmp/err" ||
		fails "--mem 5G: exit $?: $(cat "$tmp/err")"
	has "$tmp/out" "e820: 0x100000-0xfebfffff ram"
	has "$tmp/out" "e820: 0x100000000-0x1413fffff ram"
}

# SIGTERM while the guest waits for input: every vCPU thread stops, the
# status is 128 + 15, and the VM is gone with the process.
sigterm() {
	mkfifo "$tmp/in2"
	$run -k "$kernel" <"$tmp/in2" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	trap 'kill -9 $pid 2>/dev/null' EXIT
	exec 4>"$tmp/in2"
	wait_for "$tmp/out" "pvh-test: type a line"
	id=$(sed -n 's/^altp2m-run: VM id \([0-9]*\) .*/\1/p' "$tmp/err")
	$ctl vm show "$id" >/dev/null || fails "VM $id not found while running"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	exec 4>&-
	[ "$rc" -eq 143 ] || fails "exit $rc, want 143: $(cat "$tmp/err")"
	grep -q 'Terminated: stopping the guest' "$tmp/err" ||
		fails "$(cat "$tmp/err")"
	! $ctl vm show "$id" >/dev/null 2>&1 || fails "VM $id outlived altp2m-run"
}

# err_case WANT_STATUS WANT_TEXT ARGS...: altp2m-run ARGS fails with the
# status and exactly one line on stderr that contains the text.
err_case() {
	want=$1
	text=$2
	shift 2
	$run "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq "$want" ] || fails "'$*': exit $rc, want $want: $(cat "$tmp/err")"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] || fails "'$*': not one line: $(cat "$tmp/err")"
	grep -q "^altp2m-run: .*$text" "$tmp/err" ||
		fails "'$*': '$(cat "$tmp/err")' lacks '$text'"
	[ ! -s "$tmp/out" ] || fails "'$*': wrote to stdout"
}

bad_images() {
	head -c 4096 /dev/urandom >"$tmp/random"
	err_case 1 "not an ELF file or a bzImage" -k "$tmp/random"
	: >"$tmp/empty"
	err_case 1 "not an ELF file or a bzImage" -k "$tmp/empty"
	# A static ELF program has no PVH note.
	err_case 1 "no PVH entry point" -k "$ctl"
	head -c 200 "$kernel" >"$tmp/short"
	err_case 1 "kernel $tmp/short: " -k "$tmp/short"
	head -c 1500 ./pvh_test_kernel.bz >"$tmp/short.bz"
	err_case 1 "bzImage: " -k "$tmp/short.bz"
	err_case 1 "No such file" -k "$tmp/absent"
	err_case 1 "initrd too large" -k "$kernel" -i ./altp2mctl --mem 1200K
	err_case 1 "is empty" -k "$kernel" -i "$tmp/empty"
	err_case 1 "outside RAM" -k "$kernel" --mem 1M
}

bad_options() {
	err_case 2 "guest memory cannot be zero" -k "$kernel" --mem 0
	err_case 2 "not a size" -k "$kernel" --mem lots
	err_case 2 "1 to 64" -k "$kernel" --cpus 65
	err_case 2 "1 to 64" -k "$kernel" --cpus 0
	err_case 2 "not a number" -k "$kernel" --cpus two
	err_case 2 "unknown mode 'sideways'" -k "$kernel" --views sideways
	err_case 2 "unknown option '--bogus'" -k "$kernel" --bogus
	err_case 2 "unexpected argument" -k "$kernel" extra
	err_case 2 "kernel is required"
	$run --help | grep -q '^Usage: altp2m-run' || fails "--help"
}

tap_plan 15
check poweroff poweroff
check start-info start_info
check platform-no-device platform
check serial-input-echo serial_input
check bzimage-xz bzimage
check reboot-cf9 reboot_cf9
check reboot-keyboard-controller reboot_kbd
check triple-fault triple_fault
check two-vcpus two_vcpus
check views-violation-relaxed views_violation
check sigterm-stops-every-vcpu sigterm
check dry-run-layout dry_run
check bad-images bad_images
check bad-options bad_options
check no-vm-left sh -c "! $ctl vm list | grep -q '^ *[0-9]'"
tap_done
