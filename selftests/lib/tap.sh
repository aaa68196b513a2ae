# SPDX-License-Identifier: GPL-2.0
# TAP helpers for shell selftests (busybox sh compatible). Source it, call
# tap_plan N, then check/skip per case, then tap_done (exits 0 / 1 / 4).

tap_n=0
tap_failed=0
tap_skipped=0

tap_plan() {
	echo "TAP version 13"
	echo "1..$1"
}

# check NAME COMMAND...: one test case that passes when COMMAND succeeds.
check() {
	name=$1
	shift
	tap_n=$((tap_n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $tap_n $name"
	else
		[ -n "$out" ] && echo "$out" | sed 's/^/# /'
		echo "not ok $tap_n $name"
		tap_failed=$((tap_failed + 1))
	fi
}

skip() {
	tap_n=$((tap_n + 1))
	tap_skipped=$((tap_skipped + 1))
	echo "ok $tap_n $1 # SKIP $2"
}

diag() {
	echo "$*" | sed 's/^/# /'
}

tap_done() {
	[ "$tap_failed" -eq 0 ] || exit 1
	[ "$tap_skipped" -lt "$tap_n" ] || exit 4
	exit 0
}

# fails MESSAGE: end the current case as failed, saying why. check runs
# each case in a subshell, so this leaves the case, not the script.
fails() {
	echo "$*"
	exit 1
}
