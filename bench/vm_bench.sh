#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM (tools/bench-vm boots it): bench/vm_bench on
# KVM, then on altp2m, one after the other in this one boot, then the two
# side by side. kvm_intel (Debian's, from ./modules) is loaded with
# altp2m unloaded, and unloaded before altp2m is loaded again: only one
# of them may hold VMX. Prints each run's figures, the table, and the
# JSON as "BENCH-JSON " lines for the host. Exits non-zero only when a
# run failed or a figure is missing.
#
# Environment: VM_BENCH_SHORT=1 for the short mode.
dir=$(cd "$(dirname "$0")" && pwd)
module=${ALTP2M_MODULE:-/altp2m/altp2m.ko}
out=/tmp/vm_bench
mode=
[ "${VM_BENCH_SHORT:-0}" = 1 ] && mode=--short
mkdir -p "$out"
# Huge pages for the 1 GiB region (vm_bench uses 4 KiB pages without).
echo 2 >/proc/sys/vm/nr_hugepages 2>/dev/null
echo "# huge pages: $(cat /proc/sys/vm/nr_hugepages 2>/dev/null)"

# KVM's counters (exits, L1D flushes) are in debugfs.
[ -d /sys/kernel/debug/kvm ] || grep -q ' /sys/kernel/debug ' /proc/mounts ||
	mount -t debugfs none /sys/kernel/debug 2>/dev/null

fail=0
grep -q '^altp2m ' /proc/modules && rmmod altp2m
# kvm.ko of 6.12 and later holds VMX from its load unless told not to.
insmod "$dir/modules/irqbypass.ko" &&
	{ insmod "$dir/modules/kvm.ko" enable_virt_at_load=0 2>/dev/null ||
	  insmod "$dir/modules/kvm.ko"; } &&
	insmod "$dir/modules/kvm-intel.ko" || fail=1
if [ "$fail" = 0 ]; then
	for p in vmentry_l1d_flush ple_gap enable_apicv pml; do
		f=/sys/module/kvm_intel/parameters/$p
		[ -r "$f" ] && echo "# kvm_intel.$p = $(cat "$f")"
	done
	echo "# kvm_intel: ept $(cat /sys/module/kvm_intel/parameters/ept 2>/dev/null), unrestricted_guest $(cat /sys/module/kvm_intel/parameters/unrestricted_guest 2>/dev/null)"
	"$dir/vm_bench" kvm $mode --out "$out/kvm" || fail=1
else
	echo "# kvm: kvm_intel does not load"
fi
rmmod kvm_intel kvm irqbypass 2>/dev/null
insmod "$module" || fail=1
# What each hypervisor does at every entry, for the figures' reading.
echo "# l1tf: $(cat /sys/devices/system/cpu/vulnerabilities/l1tf 2>/dev/null)"
for p in /sys/module/altp2m/parameters/*; do
	[ -r "$p" ] && echo "# altp2m.${p##*/} = $(cat "$p")"
done
"$dir/vm_bench" altp2m $mode --out "$out/altp2m" || fail=1
[ -s "$out/kvm" ] || : >"$out/kvm"
[ -s "$out/altp2m" ] || : >"$out/altp2m"
echo "# altp2m / KVM, guest TSC ticks per operation:"
"$dir/vm_bench" --table "$out/kvm" "$out/altp2m" --json "$out/json" || fail=1
sed 's/^/BENCH-JSON /' "$out/json" 2>/dev/null
exit $fail
