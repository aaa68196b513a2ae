// SPDX-License-Identifier: GPL-2.0
/*
 * TEST_ASSERT's failure path and small host-side helpers.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

/* Each line of @msg as a TAP diagnostic. */
static void diag_lines(const char *msg)
{
	const char *p = msg, *nl;

	while (*p) {
		nl = strchr(p, '\n');
		if (!nl) {
			printf("# %s\n", p);
			break;
		}
		printf("# %.*s\n", (int)(nl - p), p);
		p = nl + 1;
	}
}

void test_diag(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	diag_lines(buf);
	fflush(stdout);
}

void test_assert_fail(const char *file, int line, const char *expr, int err,
		      const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	printf("# ==== Test assertion failed ====\n");
	printf("# %s:%d: %s\n", file, line, expr);
	if (err)
		printf("# errno: %d (%s)\n", err, strerror(err));
	diag_lines(buf);
	fflush(stdout);
	fflush(stderr);
	_exit(KSFT_FAIL);
}

uint64_t test_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool host_wait(volatile uint64_t *p, unsigned int secs)
{
	uint64_t end = test_now_ms() + secs * 1000ULL;

	while (!__atomic_load_n(p, __ATOMIC_SEQ_CST)) {
		if (test_now_ms() > end)
			return false;
		usleep(1000);
	}
	return true;
}

bool module_param_on(const char *name)
{
	char path[128], c = 'Y';
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/altp2m/parameters/%s", name);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fread(&c, 1, 1, f) != 1)
		c = 'Y';
	fclose(f);
	return c != 'N' && c != '0';
}

int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ret;

	if (fd < 0)
		return -1;
	ret = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
	close(fd);
	return ret;
}

void test_diag_file(const char *path)
{
	char buf[4096], *save, *l;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	printf("# %s:\n", path);
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		printf("#   %s\n", l);
}

bool pin_to_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return !sched_setaffinity(0, sizeof(set), &set);
}
