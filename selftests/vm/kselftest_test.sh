#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kselftest entry point a real host uses: the tree that `make -C
# selftests install` made (staged in ./kselftest with two quick tests) is
# run through its run_kselftest.sh, as on a host with the module loaded;
# without /dev/altp2m it must skip (KSFT_SKIP, 4), and a failing test
# must make it fail.
. "$(dirname "$0")/tap.sh"

ks=$(pwd)/kselftest
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; is_loaded || insmod "$ALTP2M_MODULE" >/dev/null 2>&1' EXIT
is_loaded() { grep -q '^altp2m ' /proc/modules; }

lists_tests() {
	out=$("$ks/run_kselftest.sh" -l) || fails "-l: exit $?"
	[ "$out" = "$(printf 'altp2m:dev_test\naltp2m:guest_basic_test')" ] ||
		fails "list: $out"
}

runs_and_passes() {
	"$ks/run_kselftest.sh" >"$tmp/out" 2>&1 || fails "exit $?: $(cat "$tmp/out")"
	grep -q '^1\.\.2$' "$tmp/out" || fails "no plan 1..2: $(cat "$tmp/out")"
	grep -q '^ok 1 dev_test$' "$tmp/out" && grep -q '^ok 2 guest_basic_test$' "$tmp/out" ||
		fails "$(cat "$tmp/out")"
}

one_test() {
	"$ks/run_kselftest.sh" -t altp2m:dev_test >"$tmp/out" 2>&1 ||
		fails "exit $?: $(cat "$tmp/out")"
	grep -q '^1\.\.1$' "$tmp/out" && grep -q '^ok 1 dev_test$' "$tmp/out" ||
		fails "$(cat "$tmp/out")"
	"$ks/run_kselftest.sh" -t altp2m:nonexistent >/dev/null 2>&1
	[ $? -eq 2 ] || fails "unknown test: not exit 2"
}

# A copy of the tree with a test that fails: the runner says "not ok" and
# exits 1.
failure_fails() {
	cp -R "$ks" "$tmp/ks"
	printf '#!/bin/sh\necho "planted failure"\nexit 1\n' >"$tmp/ks/altp2m/false_test"
	chmod +x "$tmp/ks/altp2m/false_test"
	echo "vmx false_test" >>"$tmp/ks/altp2m/tests.list"
	echo "altp2m:false_test" >>"$tmp/ks/kselftest-list.txt"
	"$tmp/ks/run_kselftest.sh" -t altp2m:false_test >"$tmp/out" 2>&1
	rc=$?
	[ $rc -eq 1 ] || fails "exit $rc: $(cat "$tmp/out")"
	grep -q '^not ok 1 false_test' "$tmp/out" || fails "$(cat "$tmp/out")"
}

# Without the module: KSFT_SKIP and a TAP skip plan, no test run.
skips_without_module() {
	rmmod altp2m || fails "rmmod altp2m"
	"$ks/run_kselftest.sh" >"$tmp/out" 2>&1
	rc=$?
	insmod "$ALTP2M_MODULE" || fails "insmod $ALTP2M_MODULE"
	[ $rc -eq 4 ] || fails "exit $rc, want 4: $(cat "$tmp/out")"
	grep -q '^1\.\.0 # SKIP altp2m: no /dev/altp2m' "$tmp/out" ||
		fails "$(cat "$tmp/out")"
}

tap_plan 5
check "run_kselftest-lists-tests" lists_tests
check "run_kselftest-runs-installed-tests" runs_and_passes
check "run_kselftest-one-test" one_test
check "run_kselftest-failure-exits-1" failure_fails
check "run_kselftest-skips-without-module" skips_without_module
tap_done
