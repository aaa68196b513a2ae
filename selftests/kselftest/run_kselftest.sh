#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The altp2m selftests installed kselftest-style (make -C selftests install
# INSTALL_PATH=...), run on this machine: TAP on stdout, exit 0 if every
# test passed or skipped, 4 (KSFT_SKIP) if this machine cannot run them
# (no VMX, or no /dev/altp2m: load the module first), 1 otherwise.
#
# Usage: run_kselftest.sh [-l] [-t altp2m:TEST]... [-h]
#   -l   list the tests
#   -t   run only these (default: every test in kselftest-list.txt)
# ALTP2M_TEST_TIMEOUT: seconds per test (default 300).

here=$(cd "$(dirname "$0")" && pwd)
only=
while [ $# -gt 0 ]; do
	case $1 in
	-l) cat "$here/kselftest-list.txt"; exit 0 ;;
	-t) [ $# -ge 2 ] || { echo "run_kselftest.sh: -t needs altp2m:TEST" >&2; exit 2; }
	    grep -qx "$2" "$here/kselftest-list.txt" ||
		{ echo "run_kselftest.sh: no test $2 (-l lists them)" >&2; exit 2; }
	    only="$only ${2#altp2m:}"; shift ;;
	-h|--help) sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run_kselftest.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

skip() {
	echo "TAP version 13"
	echo "1..0 # SKIP altp2m: $1"
	exit 4
}
grep -qw vmx /proc/cpuinfo || skip "this CPU has no VMX (or firmware disabled it)"
[ -c /dev/altp2m ] || skip "no /dev/altp2m: load the module first (modprobe altp2m; kvm_intel must not be loaded)"

# The per-test runner of the test VM, told to leave the module alone.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086 # one word per test
ALTP2M_TIER=vmx ALTP2M_TESTS_DIR="$here/altp2m" \
	"$here/altp2m/altp2m-run-tests" -n $only | tee "$out"
grep -q '^not ok ' "$out" && exit 1
grep -q '^ok ' "$out" || exit 1
exit 0
