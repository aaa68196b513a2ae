// SPDX-License-Identifier: GPL-2.0
/*
 * Runner of the userspace unit tests: every registered suite, TAP on
 * stdout. Check's own variables select a part: CK_RUN_SUITE=caps,
 * CK_RUN_CASE=decode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <check.h>

#include "unit.h"

#define MAX_SUITES 64

static Suite *(*suites[MAX_SUITES])(void);
static int nsuites;

void unit_register(Suite *(*fn)(void))
{
	if (nsuites == MAX_SUITES) {
		fprintf(stderr, "unit: too many suites\n");
		exit(EXIT_FAILURE);
	}
	suites[nsuites++] = fn;
}

int main(void)
{
	SRunner *sr;
	int i, failed;

	if (!nsuites) {
		fprintf(stderr, "unit: no suites\n");
		return EXIT_FAILURE;
	}
	sr = srunner_create(suites[0]());
	for (i = 1; i < nsuites; i++)
		srunner_add_suite(sr, suites[i]());
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
