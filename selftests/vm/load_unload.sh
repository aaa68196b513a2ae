#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Loading and unloading: 20 clean cycles, the one-line capability report,
# the device node's life, and that an open /dev/altp2m pins the module.
. "$(dirname "$0")/tap.sh"

mod=${ALTP2M_MODULE:?ALTP2M_MODULE is not set}
cycles=${ALTP2M_LOAD_CYCLES:-20}

loaded() { grep -q '^altp2m ' /proc/modules; }

unload_if_loaded() {
	if loaded; then rmmod altp2m; fi
}

vmalloc_kb() { awk '/^VmallocUsed:/ { print $2 }' /proc/meminfo; }

cycle_many() {
	before=$(dmesg | grep -c 'altp2m: API ')
	vm_before=$(vmalloc_kb)
	i=0
	while [ "$i" -lt "$cycles" ]; do
		insmod "$mod" || fails "insmod failed in cycle $i"
		[ -c /dev/altp2m ] || fails "no /dev/altp2m in cycle $i"
		rmmod altp2m || fails "rmmod failed in cycle $i"
		! loaded || fails "still loaded after rmmod in cycle $i"
		[ ! -e /dev/altp2m ] || fails "/dev/altp2m outlived the module"
		[ ! -e /sys/module/altp2m ] || fails "/sys/module/altp2m remains"
		i=$((i + 1))
	done
	after=$(dmesg | grep -c 'altp2m: API ')
	[ $((after - before)) -eq "$cycles" ] ||
		fails "expected $cycles capability lines, got $((after - before))"
	# Each load maps the module image (tens of KiB) in vmalloc space; a
	# leaked image or vmalloc'd buffer per cycle would show up here.
	grown=$(($(vmalloc_kb) - vm_before))
	diag "VmallocUsed grew by ${grown} KiB over $cycles cycles"
	[ "$grown" -lt 64 ] || fails "vmalloc grew by $grown KiB"
}

report_line() {
	insmod "$mod" || return 1
	line=$(dmesg | grep 'altp2m: API ' | tail -n 1)
	diag "$line"
	for word in 'API 1,' 'VMCS revision 0x' 'EPT' 'INVEPT'; do
		echo "$line" | grep -q "$word" || fails "no '$word' in: $line"
	done
}

refcount_pins() {
	loaded || insmod "$mod" || return 1
	[ "$(cat /sys/module/altp2m/refcnt)" = 0 ] || fails "refcnt not 0"
	exec 3</dev/altp2m
	[ "$(cat /sys/module/altp2m/refcnt)" = 1 ] || fails "open fd holds no ref"
	if rmmod altp2m 2>/dev/null; then
		exec 3<&-
		fails "rmmod succeeded while /dev/altp2m was open"
	fi
	exec 3<&-
	[ "$(cat /sys/module/altp2m/refcnt)" = 0 ] || fails "ref leaked by close"
	rmmod altp2m
}

tap_plan 4
unload_if_loaded
check "load-unload-${cycles}-cycles" cycle_many
check "capability-report-line" report_line
check "open-device-pins-module" refcount_pins
check "reload-after-cycles" insmod "$mod"
tap_done
