#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (tools/bench-guest boots it): the same guest,
# Debian's kernel (the test VM's own, as an ELF through its PVH entry)
# with a busybox initramfs whose init prints a line, sleeps 1 s and powers
# off, booted once under kvm_intel + QEMU's microvm and once under
# altp2m-run, one after the other in this one boot. Prints each run's
# time from start to exit on this kernel's clock and the guest's own
# uptime at init, then the ratio; "BENCH {json}" lines for the host.
# Exits non-zero only when a run failed or gave no figure.
dir=$(dirname "$0")
. "$dir/linux_guest.sh"
extra=/altp2m/extra
mem=${BENCH_MEM:-128M}
append="console=ttyS0 loglevel=4 cryptomgr.notests=1 l2.bench"

up() { cut -d' ' -f1 /proc/uptime; }
mkdir -p "$l2_dir"
l2_initrd "$l2_dir/initrd"

# run NAME COMMAND...: time COMMAND, take the guest's init line.
run() {
	name=$1
	shift
	t0=$(up)
	"$@" </dev/null >"$l2_dir/$name.out" 2>&1
	rc=$?
	t1=$(up)
	init=$(sed -n 's/.*L2: bench init at \([0-9.]*\).*/\1/p' "$l2_dir/$name.out" | head -n1)
	cs=$(sed -n 's/.*L2: bench init at [0-9.]* clocksource \([^ ]*\).*/\1/p' "$l2_dir/$name.out" | head -n1)
	total=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	echo "# $name: rc $rc, $total s from start to exit, guest init at ${init:-?} s of its uptime, clocksource ${cs:-?}"
	if [ "$rc" != 0 ] || [ -z "$init" ]; then
		sed 's/^/#   /' "$l2_dir/$name.out" | tail -n 30
		return 1
	fi
	echo "BENCH {\"run\": \"$name\", \"total_s\": $total, \"guest_init_s\": $init, \"clocksource\": \"$cs\"}"
	eval "${name}_total=$total ${name}_init=$init"
}

load_kvm() {
	[ -x "$extra/qemu-system-x86_64" ] || return 1
	for m in irqbypass kvm kvm-intel; do
		insmod "$dir/modules/$m.ko" || return 1
	done
}

fail=0
if load_kvm; then
	run kvm "$extra/qemu-system-x86_64" -L "$extra/qemu-fw" \
		-M microvm,rtc=on -accel kvm -cpu host -m "$mem" -smp 1 \
		-nographic -no-reboot -kernel "$l2_kernel" \
		-initrd "$l2_dir/initrd" -append "$append" || fail=1
	rmmod kvm_intel kvm irqbypass
else
	echo "# kvm: kvm_intel or QEMU missing, no baseline"
	fail=1
fi
run altp2m "$(l2_runner)" --kernel "$l2_kernel" --initrd "$l2_dir/initrd" \
	--mem "$mem" --cpus 1 --append "$append" || fail=1
if [ -n "${kvm_total:-}" ] && [ -n "${altp2m_total:-}" ]; then
	r=$(awk -v a="$altp2m_total" -v k="$kvm_total" 'BEGIN { printf "%.2f", a / k }')
	echo "# altp2m-run / KVM+QEMU: $r (goal <= 1.2)"
	echo "BENCH {\"run\": \"ratio\", \"altp2m_over_kvm\": $r}"
fi
exit $fail
