# SPDX-License-Identifier: GPL-2.0
# Booting Debian's own kernel as a guest of altp2m-run inside the test VM
# (an L2 guest under Bochs), for linux_guest*_test.sh. Busybox sh.
# The guest's console also goes to the test's output as it comes
# ("guest| " lines), so a test log shows how far a guest got.
#
# l2_boot NAME CPUS [ALTP2M-RUN OPTIONS...] starts the guest in the
# background with a busybox initramfs built here, whose init reports the
# platform and then obeys lines on its console (see l2_init below). Every
# line the guest prints lands in $l2_dir/NAME.out prefixed with the test
# VM's uptime when it arrived, so the test can time the guest against this
# kernel's clock. l2_send LINE types a line on the guest's console;
# l2_wait PATTERN [SECONDS] waits for a line matching the extended regular
# expression PATTERN and prints it; l2_end [SECONDS] waits for altp2m-run
# to exit and prints its status. l2_append, when set, is added to the
# guest's command line.

l2_dir=${L2_DIR:-/tmp/linux_guest}
l2_kernel=${L2_KERNEL:-/altp2m/guest/vmlinux}
l2_tests=$(dirname "$0")
l2_cr=$(printf '\r')

l2_runner() {
	command -v altp2m-run 2>/dev/null || echo "$l2_tests/altp2m-run"
}

# The guest's init: platform facts, a timed sleep, then a command loop.
l2_init() {
	cat <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
up() { cut -d' ' -f1 /proc/uptime; }
# The boot benchmark (bench/guest_boot.sh) only wants to reach init.
if grep -q 'l2\.bench' /proc/cmdline; then
	echo "L2: bench init at $(up) clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	sleep 1
	poweroff -f
fi
echo "L2: cpus $(grep -c '^processor' /proc/cpuinfo)"
echo "L2: online $(cat /sys/devices/system/cpu/online)"
echo "L2: clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "L2: init at $(up)"
echo "L2: sleep start $(up)"
sleep 2
echo "L2: sleep end $(up)"
echo "L2: ready"
while read -r cmd; do
	case $cmd in
	poweroff) poweroff -f ;;
	reboot) reboot -f ;;
	poke) /bin/l2_poke ;;
	dmesg) dmesg | sed 's/^/L2-dmesg: /' ;;
	*) echo "L2: answer $(eval "$cmd" 2>&1)" ;;
	esac
done
INIT
}

# l2_initrd FILE: a newc cpio with busybox, l2_poke, l2_peek and the init
# above.
l2_initrd() {
	r=$l2_dir/root
	rm -rf "$r"
	mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp"
	# The kernel opens the initial console before init runs.
	mknod "$r/dev/console" c 5 1
	cp /bin/busybox "$r/bin/busybox"
	cp "$l2_tests/l2_poke" "$r/bin/l2_poke"
	cp "$l2_tests/l2_peek" "$r/bin/l2_peek"
	l2_init >"$r/init"
	chmod 755 "$r/init"
	(cd "$r" && find . | cpio -o -H newc 2>/dev/null) >"$1"
}

l2_boot() {
	name=$1 cpus=$2
	shift 2
	mkdir -p "$l2_dir"
	l2_out=$l2_dir/$name.out
	l2_err=$l2_dir/$name.err
	l2_rc=$l2_dir/$name.rc
	l2_in=$l2_dir/$name.in
	rm -f "$l2_out" "$l2_err" "$l2_rc" "$l2_in"
	[ -f "$l2_dir/initrd" ] || l2_initrd "$l2_dir/initrd"
	mkfifo "$l2_in"
	( (
		"$(l2_runner)" --kernel "$l2_kernel" --initrd "$l2_dir/initrd" \
			--mem 128M --cpus "$cpus" --stats \
			--append "console=ttyS0 loglevel=4 cryptomgr.notests=1${l2_append:+ $l2_append}" \
			"$@" <"$l2_in" 2>"$l2_err"
		echo $? >"$l2_rc"
	) | while IFS= read -r line; do
		# The guest's tty ends lines with CR LF.
		line=${line%"$l2_cr"}
		line="$(cut -d' ' -f1 /proc/uptime) $line"
		echo "$line" >>"$l2_out"
		echo "guest| $line"
	done ) &
	# Hold the guest's input open until l2_end.
	exec 7>"$l2_in"
}

l2_send() {
	echo "$*" >&7
}

l2_wait() {
	i=0 lim=$((${2:-240} * 5))
	while [ $i -lt $lim ]; do
		if grep -E "$1" "$l2_out" 2>/dev/null | head -n1 | grep .; then
			return 0
		fi
		[ -f "$l2_rc" ] && break
		sleep 0.2
		i=$((i + 1))
	done
	grep -E "$1" "$l2_out" 2>/dev/null | head -n1 | grep . && return 0
	echo "no line matching '$1' from the guest"
	return 1
}

l2_end() {
	i=0 lim=$((${1:-120} * 5))
	while [ ! -s "$l2_rc" ] && [ $i -lt $lim ]; do
		sleep 0.2
		i=$((i + 1))
	done
	exec 7>&-
	if [ -s "$l2_rc" ]; then
		cat "$l2_rc"
	else
		pkill -f "$(l2_runner)" 2>/dev/null
		echo timeout
	fi
}

# l2_stats: the VM exits each vCPU took (altp2m-run --stats), for the log.
l2_stats() {
	diag "$(grep 'altp2m-run: vcpu [0-9]*: ' "$l2_err" |
		grep -v 'view [0-9]* violation')"
}

# l2_diag: what the guest and altp2m-run said, for a failed run.
l2_diag() {
	diag "guest console (last 40 lines):"
	diag "$(tail -n 40 "$l2_out" 2>/dev/null)"
	diag "altp2m-run:"
	diag "$(tail -n 20 "$l2_err" 2>/dev/null)"
}
