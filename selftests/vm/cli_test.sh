#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# altp2mctl against the live module: output, JSON, errors, exit codes.
. "$(dirname "$0")/tap.sh"

ctl=./altp2mctl

caps_text() {
	out=$($ctl caps) || return 1
	echo "$out" | grep -q '^API version *1$' || fails "no API line: $out"
	echo "$out" | grep -q '^ept  *yes ' || fails "ept not reported: $out"
	echo "$out" | grep -q '^IA32_VMX_BASIC  *0x' || fails "no raw MSRs"
}

caps_json() {
	out=$($ctl -j caps) || return 1
	case $out in
	'{"api_version":1,'*'"caps":["ept"'*'"msrs":{"IA32_VMX_BASIC":"0x'*'}}')
		;;
	*) fails "unexpected JSON: $out" ;;
	esac
}

json_agrees_with_text() {
	for cap in $($ctl -j caps | sed 's/.*"caps":\[\([^]]*\)\].*/\1/' |
		     tr -d '"' | tr ',' ' '); do
		$ctl caps | grep -q "^$cap  *yes " ||
			fails "$cap in JSON but not 'yes' in text"
	done
}

version() {
	[ "$($ctl version)" = "altp2m API version 1" ]
}

usage_errors() {
	$ctl >/dev/null 2>&1; [ $? -eq 2 ] || fails "no command: not exit 2"
	$ctl bogus >/dev/null 2>&1; [ $? -eq 2 ] || fails "bogus: not exit 2"
	$ctl --bogus caps >/dev/null 2>&1; [ $? -eq 2 ] ||
		fails "bad option: not exit 2"
	$ctl caps extra >/dev/null 2>&1; [ $? -eq 2 ] ||
		fails "extra argument: not exit 2"
	$ctl --help | grep -q '^Usage: altp2mctl' || fails "--help"
}

missing_device() {
	err=$($ctl -d /dev/nonexistent caps 2>&1); rc=$?
	[ $rc -eq 1 ] || fails "exit $rc, want 1"
	echo "$err" | grep -q 'does not exist: is the altp2m module loaded' ||
		fails "unhelpful message: $err"
}

tap_plan 6
check "caps-text" caps_text
check "caps-json" caps_json
check "json-agrees-with-text" json_agrees_with_text
check "version" version
check "usage-errors-exit-2" usage_errors
check "missing-device-message" missing_device
tap_done
