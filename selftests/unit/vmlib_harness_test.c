// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of selftests/lib/harness.h as the VM tests use it: a test's
 * own TEST_TIMEOUT() limit, the selftest library's TEST_ASSERT ending the
 * current test as failed, EXPECT_* going on. The harness runs in a child
 * with its TAP captured, so it does not mix with this program's.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/test_util.h"
#include "../lib/harness.h"
#include "unit.h"

TEST_TIMEOUT(sleeps_past_its_timeout, 1)
{
	sleep(10);
}

TEST(quick_pass)
{
	ASSERT_EQ(1, 1);
}

TEST(library_assert_fails)
{
	TEST_ASSERT(0 == 1, "from the library");
	TH_LOG("not reached");
}

TEST(expect_goes_on)
{
	EXPECT_GE(1, 2);
	TH_LOG("after the EXPECT");
}

/* Run the harness with @args; its exit code, TAP in @out, time in ms. */
static int harness(const char *const *args, char *out, size_t len,
		   long *ms)
{
	const char *argv[8] = { "harness" };
	struct timespec t0, t1;
	int p[2], status, argc = 1;
	ssize_t n, got = 0;
	pid_t pid;

	while (args[argc - 1])
		argv[argc] = args[argc - 1], argc++;
	ck_assert_int_eq(pipe(p), 0);
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		/* The test's own limit wins over the environment's. */
		setenv("ALTP2M_TEST_TIMEOUT", "100", 1);
		status = altp2m_harness_main(argc, (char **)argv);
		fflush(stdout);
		_exit(status);
	}
	close(p[1]);
	while ((n = read(p[0], out + got, len - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	*ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	      (t1.tv_nsec - t0.tv_nsec) / 1000000;
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

START_TEST(own_timeout)
{
	const char *args[] = { "-t", "sleeps_past_its_timeout", NULL };
	char out[4096];
	long ms;

	ck_assert_int_eq(harness(args, out, sizeof(out), &ms), KSFT_FAIL);
	ck_assert_ptr_nonnull(strstr(out, "killed by signal 14 (timeout)"));
	ck_assert_ptr_nonnull(strstr(out, "not ok 1 sleeps_past_its_timeout"));
	ck_assert_int_lt(ms, 5000);
	ck_assert_int_ge(ms, 900);
}
END_TEST

START_TEST(default_timeout_kept)
{
	const char *args[] = { "-t", "quick_pass", NULL };
	char out[4096];
	long ms;

	ck_assert_int_eq(harness(args, out, sizeof(out), &ms), KSFT_PASS);
	ck_assert_ptr_nonnull(strstr(out, "TAP version 13\n1..1\n"
					  "ok 1 quick_pass\n"));
	ck_assert_ptr_nonnull(strstr(out, "# 1 passed, 0 failed, 0 skipped"));
}
END_TEST

START_TEST(test_assert_fails_the_test)
{
	const char *args[] = { "-t", "library_assert_fails", "-t", "quick_pass",
			       NULL };
	char out[4096];
	long ms;

	ck_assert_int_eq(harness(args, out, sizeof(out), &ms), KSFT_FAIL);
	ck_assert_ptr_nonnull(strstr(out,
				     "# ==== Test assertion failed ====\n"));
	ck_assert_ptr_nonnull(strstr(out, "# from the library\n"));
	ck_assert_ptr_null(strstr(out, "not reached"));
	ck_assert_ptr_nonnull(strstr(out, "not ok 2 library_assert_fails\n"));
	/* Only that test: the next one runs and passes. */
	ck_assert_ptr_nonnull(strstr(out, "ok 1 quick_pass\n"));
	ck_assert_ptr_nonnull(strstr(out, "# 1 passed, 1 failed, 0 skipped"));
}
END_TEST

START_TEST(expect_continues)
{
	const char *args[] = { "-t", "expect_goes_on", NULL };
	char out[4096];
	long ms;

	ck_assert_int_eq(harness(args, out, sizeof(out), &ms), KSFT_FAIL);
	ck_assert_ptr_nonnull(strstr(out, "expected 1 >= 2"));
	ck_assert_ptr_nonnull(strstr(out, "after the EXPECT"));
	ck_assert_ptr_nonnull(strstr(out, "not ok 1 expect_goes_on"));
}
END_TEST

START_TEST(list)
{
	const char *args[] = { "-l", NULL };
	char out[4096];
	long ms;

	ck_assert_int_eq(harness(args, out, sizeof(out), &ms), KSFT_PASS);
	ck_assert_str_eq(out, "sleeps_past_its_timeout\nquick_pass\n"
			      "library_assert_fails\nexpect_goes_on\n");
}
END_TEST

static Suite *vmlib_harness_suite(void)
{
	Suite *s = suite_create("vmlib_harness");
	TCase *tc = tcase_create("harness");

	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, own_timeout);
	tcase_add_test(tc, default_timeout_kept);
	tcase_add_test(tc, test_assert_fails_the_test);
	tcase_add_test(tc, expect_continues);
	tcase_add_test(tc, list);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(vmlib_harness_suite)
