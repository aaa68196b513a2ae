#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# install.sh STAGE INSTALL_PATH [TEST...]: a kselftest_install-style tree
# from the staged selftests (selftests/Makefile's `install` target):
#
#   INSTALL_PATH/run_kselftest.sh      the runner (TAP, KSFT_SKIP = 4)
#   INSTALL_PATH/kselftest-list.txt    one "altp2m:TEST" a line
#   INSTALL_PATH/altp2m/               the tests, their helpers, tests.list
#                                      and the per-test runner
#
# Without TEST arguments: the vmx tier, except the tests that need the test
# VM (the Linux guests boot its kernel image; kexec, suspend and module
# reloads would disturb a real host). With them: those tests only, with
# the helpers they name.
set -eu

stage=$1
dest=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)

# Not on a real host by default: they need the VM's kernel image at
# /altp2m/guest, suspend or kexec the machine, or unload and reload the
# module from /altp2m/altp2m.ko.
vm_only=" linux_guest_test.sh linux_guest_smp_test.sh linux_guest_reboot_test.sh
linux_guest_monitor_test.sh linux_guest_trace_test.sh suspend_test
load_unload.sh huge_pages.sh views_emulated.sh kvm_conflict_test
deb_test.sh kselftest_test.sh "

all=$(sed -e 's/#.*//' "$stage/tests.list" | awk 'NF { print $2 }' | sort -u)
if [ $# -gt 0 ]; then
	tests=$*
	for t in $tests; do
		echo "$all" | grep -qx "$t" ||
			{ echo "install.sh: $t is not in tests.list" >&2; exit 1; }
	done
else
	tests=$(sed -e 's/#.*//' "$stage/tests.list" | awk '$1 == "vmx" { print $2 }' |
		while read -r t; do
			case $vm_only in *[[:space:]]"$t"[[:space:]]*) ;; *) echo "$t" ;; esac
		done)
fi

rm -rf "$dest/altp2m"
mkdir -p "$dest/altp2m"
for f in "$stage"/*; do
	n=${f##*/}
	# The VM's own kselftest copy, and deb_test.sh's root.
	case $n in kselftest|debroot.tar) continue ;; esac
	if echo "$all" | grep -qx "$n"; then
		# A test: only the chosen ones.
		echo "$tests" | tr ' ' '\n' | grep -qx "$n" || continue
	elif [ $# -gt 0 ]; then
		# A helper (tap.sh, altp2mctl, hello_guest, ...): only if a
		# chosen test names it (scripts by path, programs in their
		# strings).
		used=
		for t in $tests; do
			grep -aqF "$n" "$stage/$t" && { used=1; break; }
		done
		[ -n "$used" ] || continue
	fi
	cp -R "$f" "$dest/altp2m/"
done
# One tier: every test here is for a host with VMX and the module loaded.
for t in $tests; do echo "vmx $t"; done >"$dest/altp2m/tests.list"
for t in $tests; do echo "altp2m:$t"; done >"$dest/kselftest-list.txt"
install -m 755 "$here/../../tools/vmtest/altp2m-run-tests" "$dest/altp2m/"
install -m 755 "$here/run_kselftest.sh" "$dest/"
