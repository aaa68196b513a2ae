/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host-side test helpers shared by the selftest library and the tests:
 * TEST_ASSERT and a few small utilities.
 *
 * TEST_ASSERT(cond, fmt, ...) checks a condition in host code (test or
 * library, any thread). On failure it prints a TAP diagnostic, every line
 * starting with "# ":
 *
 *	# ==== Test assertion failed ====
 *	# vm_util.c:123: ret == 0
 *	# errno: 22 (Invalid argument)
 *	# ALTP2M_SET_MEMORY_REGION(slot 1) failed
 *
 * and ends the process with _exit(KSFT_FAIL). Under selftests/lib/harness.h
 * each TEST() runs in a child process of its own, so this ends exactly the
 * current test, which the harness reports as "not ok". The errno line
 * shows errno as it was when the assertion was evaluated (only when it is
 * not 0).
 */
#ifndef SELFTEST_TEST_UTIL_H
#define SELFTEST_TEST_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifndef KSFT_FAIL
#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

#ifndef READ_ONCE
#define READ_ONCE(x)	(*(const volatile __typeof__(x) *)&(x))
#endif
#ifndef WRITE_ONCE
#define WRITE_ONCE(x, val)					\
	do {							\
		*(volatile __typeof__(x) *)&(x) = (val);	\
	} while (0)
#endif

#define ALIGN_UP(x, a)		(((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	((x) & ~((__typeof__(x))(a) - 1))
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)

void __attribute__((noreturn, format(printf, 5, 6)))
test_assert_fail(const char *file, int line, const char *expr, int err,
		 const char *fmt, ...);

#define TEST_ASSERT(cond, fmt, ...) do {				\
		int _ta_errno = errno;					\
		if (!(cond))						\
			test_assert_fail(__FILE__, __LINE__, #cond,	\
					 _ta_errno, fmt, ##__VA_ARGS__);\
	} while (0)

/* Both values shown, in decimal and hex. */
#define TEST_ASSERT_EQ(a, b) do {					\
		unsigned long long _ta_a = (unsigned long long)(a);	\
		unsigned long long _ta_b = (unsigned long long)(b);	\
		TEST_ASSERT(_ta_a == _ta_b, "%s = %llu (%#llx), %s = "	\
			    "%llu (%#llx)", #a, _ta_a, _ta_a, #b, _ta_b,\
			    _ta_b);					\
	} while (0)

#define TEST_FAIL(fmt, ...)						\
	test_assert_fail(__FILE__, __LINE__, "failure", 0, fmt, ##__VA_ARGS__)

/*
 * Print a multi-line message as TAP diagnostics ("# " before each line)
 * on stdout.
 */
void test_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Monotonic milliseconds, for bounded waits. */
uint64_t test_now_ms(void);
/* Wait (host side, bounded by @secs) until *@p becomes non-zero. */
bool host_wait(volatile uint64_t *p, unsigned int secs);

/*
 * Whether the loaded module's boolean parameter @name is on (a missing
 * parameter counts as on, the defaults).
 */
bool module_param_on(const char *name);
/* Bind the calling thread to @cpu alone; false (errno set) if it cannot. */
bool pin_to_cpu(int cpu);
/* Write @s to the file at @path (sysfs, cgroupfs): 0, or -1 with errno. */
int write_str(const char *path, const char *s);
/*
 * Print the file at @path (its first 4 KiB: a /proc stack, wchan) as TAP
 * diagnostics under a line naming it; nothing if it cannot be read.
 */
void test_diag_file(const char *path);

#endif /* SELFTEST_TEST_UTIL_H */
