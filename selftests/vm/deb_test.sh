#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The project's Debian packages, installed with Debian's dpkg into a
# minimal Debian root (lib/mk-debroot: dpkg, libc, libnl, ... and their
# status entries), used against the module the runner loaded: the
# module is the prebuilt altp2m.ko of this tree (building it with DKMS
# needs a compiler and the kernel's headers in the VM; tools/check-dkms
# builds it with DKMS on the host). dpkg checks the packages' real
# dependencies, and the programs run with the packages' dynamic libraries.
. "$(dirname "$0")/tap.sh"

here=$(pwd)
root=/tmp/debroot
in_root() {
	env -i PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		chroot "$root" "$@"
}

cleanup() {
	[ -n "${mon:-}" ] && kill "$mon" 2>/dev/null
	umount "$root/proc" 2>/dev/null
	umount "$root/dev" 2>/dev/null
	rm -rf "$root"
}
trap cleanup EXIT

setup() {
	[ -e "$here/debroot.tar" ] || {
		echo "no debroot.tar: the stage was made without the packaging tools (debhelper, dh-dkms, lintian: tools/deps.sh)"
		return 1
	}
	rm -rf "$root" && mkdir -p "$root" &&
		tar -xf "$here/debroot.tar" -C "$root" &&
		mount --bind /dev "$root/dev" &&
		mount -t proc proc "$root/proc"
}

# Before the packages: the example cannot find libaltp2m.so.1, so what
# passes after them is the package's doing.
example_needs_package() {
	in_root attach-and-restrict >/tmp/ex.out 2>&1
	rc=$?
	[ $rc -eq 127 ] || fails "exit $rc without libaltp2m1: $(cat /tmp/ex.out)"
	grep -q 'libaltp2m.so.1' /tmp/ex.out || fails "$(cat /tmp/ex.out)"
}

dpkg_install() {
	# The names are the root's: its shell expands them.
	in_root sh -c 'dpkg -i /debs/libaltp2m1_*.deb /debs/altp2mctl_*.deb \
		/debs/altp2m-run_*.deb' || fails "dpkg -i failed"
	out=$(in_root dpkg-query -W -f '${Package} ${Status}\n' \
		libaltp2m1 altp2mctl altp2m-run) || fails "dpkg-query: $out"
	[ "$(echo "$out" | grep -c ' install ok installed$')" -eq 3 ] ||
		fails "not all installed: $out"
	[ -x "$root/usr/sbin/altp2mctl" ] || fails "no /usr/sbin/altp2mctl"
	[ -e "$root/usr/lib/x86_64-linux-gnu/libaltp2m.so.1" ] ||
		fails "no libaltp2m.so.1"
}

# The packaged altp2mctl is dynamically linked (libnl from the root).
ctl_caps() {
	out=$(in_root altp2mctl caps) || fails "altp2mctl caps: $out"
	echo "$out" | grep -q '^API version *1$' || fails "no API line: $out"
	echo "$out" | grep -q '^ept  *yes ' || fails "ept not reported: $out"
	[ "$(in_root altp2mctl version)" = "altp2m API version 1" ] ||
		fails "version: $(in_root altp2mctl version)"
}

# Over netlink: a VM a test program creates is seen by the packaged
# altp2mctl's monitor, created and destroyed.
ctl_monitor_sees_vm() {
	in_root altp2mctl -j monitor --count 2 --timeout 120 \
		>"$root/tmp/mon.out" 2>"$root/tmp/mon.err" &
	mon=$!
	i=0
	until grep -q 'monitor: subscribed$' "$root/tmp/mon.err"; do
		kill -0 "$mon" 2>/dev/null ||
			fails "monitor exited: $(cat "$root/tmp/mon.err")"
		i=$((i + 1))
		[ $i -le 600 ] || fails "no subscribed line: $(cat "$root/tmp/mon.err")"
		sleep 0.1
	done
	"$here/hello_guest" >/tmp/guest.out 2>&1 ||
		fails "hello_guest: $(cat /tmp/guest.out)"
	wait "$mon" || fails "monitor: $(cat "$root/tmp/mon.err")"
	mon=
	grep -q '"event":"vm-created"' "$root/tmp/mon.out" &&
		grep -q '"event":"vm-destroyed"' "$root/tmp/mon.out" ||
		fails "events: $(cat "$root/tmp/mon.out")"
}

# The library's example, linked against the package's libaltp2m.so.1,
# lists the VMs over netlink.
example_runs() {
	out=$(in_root attach-and-restrict 2>&1) || fails "exit $?: $out"
	echo "$out" | grep -q '^VM  *PID  *VCPUS' || fails "no VM table: $out"
}

run_help() {
	in_root altp2m-run --help | grep -q '^Usage: altp2m-run' ||
		fails "altp2m-run --help"
}

dpkg_remove() {
	in_root dpkg -r altp2mctl altp2m-run libaltp2m1 || fails "dpkg -r failed"
	[ ! -e "$root/usr/sbin/altp2mctl" ] || fails "altp2mctl left behind"
	[ ! -e "$root/usr/lib/x86_64-linux-gnu/libaltp2m.so.1" ] ||
		fails "libaltp2m.so.1 left behind"
}

tap_plan 7
if ! out=$(setup 2>&1); then
	diag "cannot set up $root: $out"
	exit 1
fi
check "example-fails-without-libaltp2m1" example_needs_package
check "dpkg-install-libaltp2m1-altp2mctl-altp2m-run" dpkg_install
check "packaged-altp2mctl-caps" ctl_caps
check "packaged-altp2mctl-monitor-sees-vm" ctl_monitor_sees_vm
check "example-against-packaged-libaltp2m" example_runs
check "packaged-altp2m-run-help" run_help
check "dpkg-remove" dpkg_remove
tap_done
