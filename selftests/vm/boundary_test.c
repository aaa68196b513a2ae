// SPDX-License-Identifier: GPL-2.0
/*
 * Host activity on the CPU a guest runs on does not reach the guest: a
 * host perf counter sampling the CPU while a vCPU runs there writes
 * nothing into guest memory, and the guest computes undisturbed. (On a
 * CPU with PEBS the kernel's guest MSR list switches it off at entry;
 * Bochs has no PMU, so this runs with the kernel's software clock event
 * and checks the sampling path around entries only.) What a guest does
 * to the CPU's TPR is guest_cr8_test's. Needs two CPUs (the smp tier):
 * the vCPU runs on one while the test samples it from the other.
 */
#define _GNU_SOURCE
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

struct runner {
	struct vcpu *vcpu;
	int cpu;
	int ret;
	int err;
};

static void *run_pinned(void *arg)
{
	struct runner *r = arg;

	if (!pin_to_cpu(r->cpu)) {
		r->ret = -1;
		r->err = errno;
		return NULL;
	}
	r->ret = _vcpu_run(r->vcpu);
	r->err = errno;
	return NULL;
}

/* Run @vcpu once on @cpu from a thread pinned there. */
static int run_on(struct vcpu *vcpu, int cpu)
{
	struct runner r = { .vcpu = vcpu, .cpu = cpu };
	pthread_t th;

	if (pthread_create(&th, NULL, run_pinned, &r) ||
	    pthread_join(th, NULL))
		return -1;
	errno = r.err;
	return r.ret;
}

/* ----------------------------------------------------------------- perf */

#define WORK_WORDS	512
#define CANARY_WORDS	1024
#define CANARY(i)	(0x5a5a000000000000ULL | ((uint64_t)(i) * 0x9e3779b1ULL))

static uint64_t work[WORK_WORDS];
static uint64_t canary[CANARY_WORDS];

/* Steady memory traffic for a while, then a checksum of it. */
static void guest_work(uint64_t rounds)
{
	uint64_t r, i, sum = 0;

	for (r = 0; r < rounds; r++)
		for (i = 0; i < WORK_WORDS; i++)
			work[i] = work[i] * 3 + r + i;
	for (i = 0; i < WORK_WORDS; i++)
		sum ^= work[i] + i;
	GUEST_SYNC(sum);
}

static uint64_t host_work(uint64_t rounds)
{
	uint64_t r, i, sum = 0;
	static uint64_t w[WORK_WORDS];

	for (r = 0; r < rounds; r++)
		for (i = 0; i < WORK_WORDS; i++)
			w[i] = w[i] * 3 + r + i;
	for (i = 0; i < WORK_WORDS; i++)
		sum ^= w[i] + i;
	return sum;
}

/* A sampling counter on @cpu: hardware cycles, else the software clock. */
static int open_sampler(int cpu, bool *hw)
{
	struct perf_event_attr a = {
		.size = sizeof(a),
		.type = PERF_TYPE_HARDWARE,
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.sample_period = 100000,
		.sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID,
		.precise_ip = 0,
		.disabled = 1,
	};
	int fd;

	fd = syscall(SYS_perf_event_open, &a, -1, cpu, -1, 0);
	*hw = fd >= 0;
	if (fd >= 0)
		return fd;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.sample_period = 100000;	/* ns */
	return syscall(SYS_perf_event_open, &a, -1, cpu, -1, 0);
}

TEST(host_sampling_leaves_guest_alone)
{
	const uint64_t rounds = 2000;
	struct perf_event_mmap_page *pg;
	size_t len = 9 * getpagesize();
	uint64_t *c, i;
	struct vm *vm;
	struct vcpu *vcpu;
	bool hw;
	int fd;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("needs two CPUs");
	ASSERT_TRUE(pin_to_cpu(0));
	fd = open_sampler(1, &hw);
	ASSERT_GE(fd, 0);
	TH_LOG("sampling with %s", hw ? "hardware cycles" : "the software clock");
	pg = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(pg, MAP_FAILED);

	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_work);
	vcpu_args_set(vcpu, 1, rounds);
	c = addr_ptr2hva(vm, canary);
	for (i = 0; i < CANARY_WORDS; i++)
		c[i] = CANARY(i);

	ASSERT_EQ(ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
	ASSERT_EQ(run_on(vcpu, 1), 0);
	ASSERT_EQ(ioctl(fd, PERF_EVENT_IOC_DISABLE, 0), 0);
	assert_ucall_sync(vcpu, host_work(rounds));
	/* The counter really sampled that CPU while the guest ran. */
	EXPECT_TRUE(__atomic_load_n(&pg->data_head, __ATOMIC_ACQUIRE) > 0);
	for (i = 0; i < CANARY_WORDS; i++)
		if (c[i] != CANARY(i))
			break;
	EXPECT_EQ(i, CANARY_WORDS);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	munmap(pg, len);
	close(fd);
	vm_free(vm);
}

TEST_HARNESS_MAIN
