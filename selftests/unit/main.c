// SPDX-License-Identifier: GPL-2.0
/*
 * Runner of the userspace unit tests: every suite, TAP on stdout.
 */
#include <stdlib.h>
#include <check.h>

#include "unit.h"

int main(void)
{
	SRunner *sr = srunner_create(caps_suite());
	int failed;

	srunner_add_suite(sr, lib_suite());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
