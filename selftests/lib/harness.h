/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small kselftest-style harness printing TAP 13.
 *
 *	TEST(name) { ASSERT_EQ(1, 1); }
 *	TEST_HARNESS_MAIN
 *
 * Each test runs in its own child process, so a crash or an ASSERT failure
 * ends that test only. ASSERT_* stop the test, EXPECT_* record a failure
 * and go on. SKIP(fmt, ...) ends the test as skipped. A test that runs
 * longer than ALTP2M_TEST_TIMEOUT seconds (default 60) is killed and
 * fails; TEST_TIMEOUT(name, seconds) { ... } declares a test with a limit
 * of its own instead. The program exits 0 when nothing failed, KSFT_FAIL
 * otherwise, and KSFT_SKIP when every test was skipped.
 *
 * Code outside the TEST() body (helpers, selftests/lib's TEST_ASSERT) can
 * end the current test the same way: print "# ..." diagnostics on stdout,
 * fflush(stdout) and _exit(KSFT_FAIL), or _exit(KSFT_SKIP).
 *
 * Run one test with: prog -t name (repeatable); list them with: prog -l.
 */
#ifndef ALTP2M_HARNESS_H
#define ALTP2M_HARNESS_H

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

#define ALTP2M_TEST_MAX		128
#define ALTP2M_SKIP_LEN		200

struct altp2m_test {
	const char *name;
	void (*fn)(struct altp2m_test *t);
	bool failed;
	unsigned int timeout;	/* seconds; 0: the program's default */
	/* In shared memory: the child writes, the parent reports. */
	char *skip_reason;
};

static struct altp2m_test altp2m_tests[ALTP2M_TEST_MAX];
static unsigned int altp2m_ntests;

static inline void
altp2m_test_register_timeout(const char *name, void (*fn)(struct altp2m_test *),
			     unsigned int timeout)
{
	if (altp2m_ntests == ALTP2M_TEST_MAX) {
		fprintf(stderr, "too many tests\n");
		abort();
	}
	altp2m_tests[altp2m_ntests].name = name;
	altp2m_tests[altp2m_ntests].fn = fn;
	altp2m_tests[altp2m_ntests].timeout = timeout;
	altp2m_ntests++;
}

static inline void altp2m_test_register(const char *name,
					void (*fn)(struct altp2m_test *))
{
	altp2m_test_register_timeout(name, fn, 0);
}

#define TEST(name)							\
	static void name(struct altp2m_test *_t);			\
	static void __attribute__((constructor)) _reg_##name(void)	\
	{								\
		altp2m_test_register(#name, name);			\
	}								\
	static void name(struct altp2m_test *_t __attribute__((unused)))

/* A test killed (and failed) after @secs seconds whatever the default. */
#define TEST_TIMEOUT(name, secs)					\
	static void name(struct altp2m_test *_t);			\
	static void __attribute__((constructor)) _reg_##name(void)	\
	{								\
		altp2m_test_register_timeout(#name, name, secs);	\
	}								\
	static void name(struct altp2m_test *_t __attribute__((unused)))

/* Print a TAP diagnostic line. */
#define TH_LOG(fmt, ...)						\
	printf("# %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__)

#define SKIP(fmt, ...) do {						\
		snprintf(_t->skip_reason, ALTP2M_SKIP_LEN, fmt,		\
			 ##__VA_ARGS__);				\
		fflush(stdout);						\
		_exit(KSFT_SKIP);					\
	} while (0)

#define _ALTP2M_CMP(a, op, b, fatal) do {				\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (!(_a op _b)) {					\
			TH_LOG("expected %s %s %s, got %lld (%#llx) vs "\
			       "%lld (%#llx)", #a, #op, #b, _a,		\
			       (unsigned long long)_a, _b,		\
			       (unsigned long long)_b);			\
			_t->failed = true;				\
			if (fatal) {					\
				fflush(stdout);				\
				_exit(KSFT_FAIL);			\
			}						\
		}							\
	} while (0)

#define ASSERT_EQ(a, b)	_ALTP2M_CMP(a, ==, b, 1)
#define ASSERT_NE(a, b)	_ALTP2M_CMP(a, !=, b, 1)
#define ASSERT_GE(a, b)	_ALTP2M_CMP(a, >=, b, 1)
#define ASSERT_LT(a, b)	_ALTP2M_CMP(a, <, b, 1)
#define ASSERT_LE(a, b)	_ALTP2M_CMP(a, <=, b, 1)
#define ASSERT_GT(a, b)	_ALTP2M_CMP(a, >, b, 1)
#define ASSERT_TRUE(a)	_ALTP2M_CMP(!!(a), ==, 1, 1)
#define ASSERT_FALSE(a)	_ALTP2M_CMP(!!(a), ==, 0, 1)
#define EXPECT_EQ(a, b)	_ALTP2M_CMP(a, ==, b, 0)
#define EXPECT_NE(a, b)	_ALTP2M_CMP(a, !=, b, 0)
#define EXPECT_GE(a, b)	_ALTP2M_CMP(a, >=, b, 0)
#define EXPECT_LT(a, b)	_ALTP2M_CMP(a, <, b, 0)
#define EXPECT_TRUE(a)	_ALTP2M_CMP(!!(a), ==, 1, 0)
#define EXPECT_FALSE(a)	_ALTP2M_CMP(!!(a), ==, 0, 0)

/* A syscall that must fail with a given errno. */
#define ASSERT_ERRNO(call, err) do {					\
		errno = 0;						\
		long _r = (long)(call);					\
		if (_r != -1 || errno != (err)) {			\
			TH_LOG("expected %s to fail with %s, got %ld "	\
			       "(errno %d: %s)", #call, #err, _r,	\
			       errno, strerror(errno));			\
			fflush(stdout);					\
			_exit(KSFT_FAIL);				\
		}							\
	} while (0)

static inline int altp2m_run_one(struct altp2m_test *t, unsigned int nr,
				 unsigned int timeout)
{
	int status, result;
	pid_t pid;

	t->skip_reason[0] = '\0';
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("not ok %u %s # fork: %s\n", nr, t->name,
		       strerror(errno));
		return KSFT_FAIL;
	}
	if (pid == 0) {
		/* The alarm must kill, whatever handler was inherited. */
		signal(SIGALRM, SIG_DFL);
		alarm(timeout);
		t->fn(t);
		fflush(stdout);
		_exit(t->failed ? KSFT_FAIL : KSFT_PASS);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status)) {
		result = WEXITSTATUS(status);
	} else {
		printf("# %s: killed by signal %d%s\n", t->name,
		       WTERMSIG(status),
		       WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
		result = KSFT_FAIL;
	}
	if (result == KSFT_SKIP)
		printf("ok %u %s # SKIP %s\n", nr, t->name, t->skip_reason);
	else if (result == KSFT_PASS)
		printf("ok %u %s\n", nr, t->name);
	else
		printf("not ok %u %s\n", nr, t->name);
	return result == KSFT_SKIP || result == KSFT_PASS ? result : KSFT_FAIL;
}

static inline bool altp2m_selected(const char *name, int argc, char **argv)
{
	bool any = false;
	int i;

	for (i = 1; i < argc - 1; i++) {
		if (strcmp(argv[i], "-t"))
			continue;
		any = true;
		if (!strcmp(argv[i + 1], name))
			return true;
	}
	return !any;
}

static inline int altp2m_harness_main(int argc, char **argv)
{
	unsigned int i, nr = 0, run = 0, pass = 0, fail = 0, skip = 0;
	const char *env = getenv("ALTP2M_TEST_TIMEOUT");
	unsigned int timeout = env ? (unsigned int)atoi(env) : 60;
	unsigned int t_timeout;
	char *shm;

	if (argc == 2 && !strcmp(argv[1], "-l")) {
		for (i = 0; i < altp2m_ntests; i++)
			printf("%s\n", altp2m_tests[i].name);
		return KSFT_PASS;
	}
	shm = mmap(NULL, ALTP2M_SKIP_LEN, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED) {
		perror("mmap");
		return KSFT_FAIL;
	}
	for (i = 0; i < altp2m_ntests; i++)
		if (altp2m_selected(altp2m_tests[i].name, argc, argv))
			run++;
	printf("TAP version 13\n1..%u\n", run);
	for (i = 0; i < altp2m_ntests; i++) {
		if (!altp2m_selected(altp2m_tests[i].name, argc, argv))
			continue;
		altp2m_tests[i].skip_reason = shm;
		t_timeout = altp2m_tests[i].timeout ?: timeout ?: 60;
		switch (altp2m_run_one(&altp2m_tests[i], ++nr, t_timeout)) {
		case KSFT_PASS:
			pass++;
			break;
		case KSFT_SKIP:
			skip++;
			break;
		default:
			fail++;
		}
	}
	printf("# %u passed, %u failed, %u skipped\n", pass, fail, skip);
	munmap(shm, ALTP2M_SKIP_LEN);
	if (fail)
		return KSFT_FAIL;
	return run && skip == run ? KSFT_SKIP : KSFT_PASS;
}

#define TEST_HARNESS_MAIN						\
	int main(int argc, char **argv)					\
	{								\
		return altp2m_harness_main(argc, argv);			\
	}

#endif /* ALTP2M_HARNESS_H */
