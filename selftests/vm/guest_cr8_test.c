// SPDX-License-Identifier: GPL-2.0
/*
 * CR8 is the guest's own: a 64-bit guest writing its task priority with
 * MOV to CR8 changes what it reads back, and nothing of the host CPU it
 * runs on. Before the module made CR8 accesses exit, `mov $15,%cr8`
 * wrote the host APIC's TPR: the CPU took no interrupt again (no timer,
 * no IPI), so a sleep pinned to it never ended. The test runs the guest
 * on the last CPU (CPU 1 in the smp tier) and then sleeps there, in a
 * child watched from another CPU, so that a regression fails the test
 * instead of hanging it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

/* A sleep of 1 s that has not ended after this many seconds failed. */
#define SLEEP_LIMIT	5

static uint64_t read_cr8(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr8, %0" : "=r"(v));
	return v;
}

static void write_cr8(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr8" : : "r"(v));
}

static void guest_tpr15(void)
{
	GUEST_SYNC(read_cr8());
	/* The instructions of the report, verbatim. */
	__asm__ __volatile__("mov $15, %%rax\n\t"
			     "mov %%rax, %%cr8\n\t"
			     "hlt" : : : "rax");
	GUEST_SYNC(read_cr8());
}

/* The highest online CPU: the one a stuck TPR would cost. */
static int target_cpu(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 1 ? (int)n - 1 : 0;
}

struct tpr15 {
	struct vcpu *vcpu;
	uint64_t before, after;	/* CR8 as the guest read it */
};

/*
 * The vCPU thread, on the CPU under test. It collects what the guest
 * reads instead of asserting, so that the sleep check runs in any case.
 */
static void *tpr15_thread(void *arg)
{
	struct tpr15 *t = arg;
	struct vcpu *vcpu = t->vcpu;
	int cpu = target_cpu();
	struct ucall uc;

	TEST_ASSERT(pin_to_cpu(cpu), "pin the vCPU thread to CPU %d", cpu);
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "first sync");
	t->before = uc.args[0];
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	TEST_ASSERT(sched_getcpu() == cpu, "vCPU thread left CPU %d", cpu);
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC, "second sync");
	t->after = uc.args[0];
	return NULL;
}

/*
 * Sleep 1 s in a child pinned to @cpu; the caller runs elsewhere and
 * gives it SLEEP_LIMIT s. Returns 0 when the sleep ended, -1 otherwise.
 */
static int sleep_on(int cpu, long *took_ms)
{
	struct timespec t0, t1, one = { .tv_sec = 1 };
	int status, i;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		if (!pin_to_cpu(cpu))
			_exit(2);
		while (nanosleep(&one, &one))
			;
		_exit(0);
	}
	for (i = 0; i < SLEEP_LIMIT * 20; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			*took_ms = (t1.tv_sec - t0.tv_sec) * 1000 +
				   (t1.tv_nsec - t0.tv_nsec) / 1000000;
			return WIFEXITED(status) && !WEXITSTATUS(status) ?
			       0 : -1;
		}
		usleep(50000);
	}
	kill(pid, SIGKILL);
	return -1;
}

/*
 * The report's reproducer: HLT exit, CR8 reads back 15 in the guest, and
 * the host CPU still takes its timer interrupts afterwards.
 */
TEST(cr8_write_keeps_host_interrupts)
{
	int cpu = target_cpu();
	struct vm *vm = vm_create(0);
	struct tpr15 t = { .vcpu = vcpu_add(vm, 0, guest_tpr15) };
	struct altp2m_vcpu_stats st;
	long took_ms = 0;
	pthread_t th;

	/* The watcher stays off the CPU under test where there is another. */
	if (cpu)
		ASSERT_TRUE(pin_to_cpu(0));
	ASSERT_EQ(pthread_create(&th, NULL, tpr15_thread, &t), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	/* The guest's own TPR: 0 at reset, then what it wrote. */
	EXPECT_EQ(t.before, 0);
	EXPECT_EQ(t.after, 15);
	vcpu_stats(t.vcpu, &st);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_HLT], 1);
	if (sleep_on(cpu, &took_ms)) {
		printf("# sleep 1 pinned to CPU %d did not end within %d s: "
		       "the guest's CR8 reached the host APIC TPR\n", cpu,
		       SLEEP_LIMIT);
		fflush(stdout);
		_exit(KSFT_FAIL);
	}
	printf("# sleep 1 on CPU %d took %ld ms\n", cpu, took_ms);
	EXPECT_LT(took_ms, SLEEP_LIMIT * 1000);
	vm_free(vm);
}

static void guest_cr8_rw(uint64_t set)
{
	GUEST_SYNC(read_cr8());
	write_cr8(set);
	GUEST_SYNC(read_cr8());
}

/* Each vCPU has its own TPR, starting at 0. */
TEST(cr8_per_vcpu)
{
	struct vm *vm = vm_create(0);
	struct vcpu *a = vcpu_add(vm, 0, guest_cr8_rw);
	struct vcpu *b = vcpu_add(vm, 1, guest_cr8_rw);

	vcpu_args_set(a, 1, 9ULL);
	vcpu_args_set(b, 1, 3ULL);
	vcpu_run(a);
	assert_ucall_sync(a, 0);
	vcpu_run(a);
	assert_ucall_sync(a, 9);
	vcpu_run(b);
	assert_ucall_sync(b, 0);
	vcpu_run(b);
	assert_ucall_sync(b, 3);
	vm_free(vm);
}

/* A reserved bit (63:4) in the value: #GP, and the TPR stays as it was. */
static void guest_cr8_reserved(void)
{
	write_cr8(5);
	GUEST_SYNC(read_cr8());
	write_cr8(0x15);
	GUEST_SYNC(0xbad);
}

TEST(cr8_reserved_bits_gp)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_cr8_reserved);
	struct ucall uc;

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 5);
	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_UNHANDLED);
	EXPECT_EQ(uc.args[0], 13);	/* #GP */
	EXPECT_EQ(uc.args[1], 0);
	vm_free(vm);
}

TEST_HARNESS_MAIN
