// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug with live VMs (needs two CPUs: tier smp). A CPU that goes
 * offline must first VMCLEAR the VMCSs it holds and leave VMX operation; a
 * vCPU last run there must carry on elsewhere; a CPU that comes back must
 * enter VMX operation again before a guest runs on it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/harness.h"
#include "../lib/ucall.h"
#include "../lib/vm_util.h"

static void guest_count(void)
{
	unsigned long i;

	for (i = 0;; i++)
		GUEST_SYNC(i);
}

static void pin(struct altp2m_test *_t, int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
	ASSERT_EQ(sched_getcpu(), cpu);
}

/* Longer than any CPU hotplug under Bochs; shorter than the test's alarm. */
#define HOTPLUG_WAIT_S	40

struct online_write {
	int fd;
	const char *val;
	ssize_t ret;
	int err;
	pid_t tid;
	sem_t done;
};

static void *online_writer(void *arg)
{
	struct online_write *w = arg;

	w->tid = gettid();
	w->ret = write(w->fd, w->val, 1);
	w->err = errno;
	sem_post(&w->done);
	return NULL;
}

/*
 * A CPU that never comes or goes leaves the writer in an uninterruptible
 * sleep no signal ends. Rather than hang until the runner's timeout, say
 * where it sleeps (its kernel stack; sysrq-w puts every blocked task's in
 * the kernel log) and fail.
 */
static void set_online(struct altp2m_test *_t, int cpu, int on)
{
	struct online_write w = { .val = on ? "1" : "0" };
	struct timespec deadline;
	pthread_t thread;
	char path[64];
	int sysrq;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	w.fd = open(path, O_WRONLY);
	if (w.fd < 0)
		SKIP("CPU %d cannot be hotplugged", cpu);
	ASSERT_EQ(sem_init(&w.done, 0, 0), 0);
	ASSERT_EQ(pthread_create(&thread, NULL, online_writer, &w), 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += HOTPLUG_WAIT_S;
	while (sem_timedwait(&w.done, &deadline)) {
		if (errno == EINTR)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/stack", w.tid);
		test_diag_file(path);
		snprintf(path, sizeof(path), "/proc/self/task/%d/wchan", w.tid);
		test_diag_file(path);
		sysrq = open("/proc/sysrq-trigger", O_WRONLY);
		if (sysrq >= 0) {
			if (write(sysrq, "w", 1) != 1)
				printf("# sysrq-w: %s\n", strerror(errno));
			close(sysrq);
		}
		printf("# FAIL: setting CPU %d %s has not finished in %d s\n",
		       cpu, on ? "online" : "offline", HOTPLUG_WAIT_S);
		fflush(stdout);
		_exit(KSFT_FAIL);
	}
	pthread_join(thread, NULL);
	close(w.fd);
	sem_destroy(&w.done);
	errno = w.err;
	ASSERT_EQ(w.ret, 1);
}

TEST(offline_cpu_under_a_vcpu)
{
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("needs two CPUs");
	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_count);

	pin(_t, 1);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0);

	/* The VMCS is loaded on CPU 1; take CPU 1 away. */
	pin(_t, 0);
	set_online(_t, 1, 0);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 1);

	/* A VM created while CPU 1 is away must work on it later, too. */
	struct vm *vm2 = vm_create(0);
	struct vcpu *vcpu2 = vcpu_add(vm2, 0, guest_count);

	set_online(_t, 1, 1);
	pin(_t, 1);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 2);
	vcpu_run_ucall(vcpu2, &uc);
	assert_ucall_sync(vcpu2, 0);
	pin(_t, 0);
	vcpu_run_ucall(vcpu2, &uc);
	assert_ucall_sync(vcpu2, 1);
	vm_free(vm2);
	vm_free(vm);
}

TEST(offline_online_without_vms)
{
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("needs two CPUs");
	/* No VM: the module has nothing to do, and must not get in the way. */
	set_online(_t, 1, 0);
	set_online(_t, 1, 1);
}

TEST_HARNESS_MAIN
