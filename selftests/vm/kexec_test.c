// SPDX-License-Identifier: GPL-2.0
/*
 * kexec with guests running on every CPU (tier smp; the last test of the
 * tier, because the machine it started on is gone afterwards).
 *
 * A CPU left in VMX operation cannot be handed to a new kernel: INIT is
 * blocked there, so the new kernel cannot start the other CPUs, and a
 * VMXON on an already-on CPU fails. The module's reboot notifier, which
 * the kexec path runs, must take every CPU out of VMX operation even while
 * vCPUs are inside ALTP2M_RUN.
 *
 * First half: start a spinning vCPU pinned to each CPU, load this same
 * kernel with an initramfs rebuilt from the running root, kexec. The new
 * kernel's init sees altp2m.resume=N and the runner runs this test again;
 * second half: every CPU came back, and a guest runs on each of them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/reboot.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../lib/harness.h"
#include "../lib/ucall.h"
#include "../lib/vm_util.h"

#define KEXEC_KERNEL	"/altp2m/kexec/vmlinuz"
#define KEXEC_INITRD	"/tmp/kexec-initrd.cpio"
#define MAX_CPUS	8

/* "altp2m.NAME=" on the kernel command line; NULL if absent. */
static const char *cmdline_arg(const char *cmdline, const char *name)
{
	const char *p = cmdline;
	size_t len = strlen(name);

	while ((p = strstr(p, name))) {
		if ((p == cmdline || p[-1] == ' ') && p[len] == '=')
			return p + len + 1;
		p += len;
	}
	return NULL;
}

static void read_cmdline(struct altp2m_test *_t, char *buf, size_t len)
{
	FILE *f = fopen("/proc/cmdline", "r");

	ASSERT_NE(f, NULL);
	ASSERT_NE(fgets(buf, len, f), NULL);
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
}

static void pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int sysctl_get(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static void sysctl_set(const char *path, int v)
{
	FILE *f = fopen(path, "w");

	if (f) {
		fprintf(f, "%d\n", v);
		fclose(f);
	}
}

static void guest_spin(void)
{
	GUEST_SYNC(1);
	for (;;)
		__asm__ __volatile__("pause");
}

static void guest_sum(uint64_t n)
{
	uint64_t i, sum = 0;

	for (i = 1; i <= n; i++)
		sum += i;
	GUEST_SYNC(sum);
}

struct spinner {
	struct vcpu *vcpu;
	int cpu;
	volatile int synced;
};

/* Run a vCPU on one CPU: it syncs once, then spins in the guest. */
static void *spinner_thread(void *arg)
{
	struct spinner *s = arg;
	struct ucall uc;

	pin_self(s->cpu);
	vcpu_run(s->vcpu);
	if (get_ucall(s->vcpu, &uc) == UCALL_SYNC)
		s->synced = 1;
	for (;;)
		_vcpu_run(s->vcpu);
	return NULL;
}

static void kexec_now(struct altp2m_test *_t, const char *tap_n, int cpus)
{
	static struct spinner sp[MAX_CPUS];
	char cmdline[2048], newline[2300], *p;
	pthread_t th[MAX_CPUS];
	int kfd, ifd, i, waited, thresh, saved;
	struct vm *vm;
	long ret;

	if (access(KEXEC_KERNEL, R_OK))
		SKIP("no kernel image at %s (vmtest adds it)", KEXEC_KERNEL);
	ASSERT_LE(cpus, MAX_CPUS);

	/*
	 * The new kernel's initramfs: this root, less the kernel image, the
	 * mounts (-xdev keeps their empty mount points) and the tests that
	 * ran before this one (it is the last of its tier).
	 */
	ASSERT_EQ(system("cd / && find . -xdev \\( -path ./altp2m/kexec -o "
			 "-path './altp2m/tests/*' ! -name tests.list "
			 "! -name kexec_test \\) -prune -o -print | "
			 "cpio -o -H newc >" KEXEC_INITRD " 2>/dev/null"), 0);

	read_cmdline(_t, cmdline, sizeof(cmdline));
	p = strstr(cmdline, " altp2m.resume=");
	if (p)
		*p = 0;
	snprintf(newline, sizeof(newline), "%s altp2m.resume=%s altp2m.cpus=%d",
		 cmdline, tap_n, cpus);

	kfd = open(KEXEC_KERNEL, O_RDONLY);
	ifd = open(KEXEC_INITRD, O_RDONLY);
	ASSERT_GE(kfd, 0);
	ASSERT_GE(ifd, 0);
	/*
	 * kexec_file_load() hashes the kernel and initramfs without ever
	 * rescheduling, which takes an emulated CPU longer than the soft-
	 * lockup threshold: raise it for this one call.
	 */
	thresh = sysctl_get("/proc/sys/kernel/watchdog_thresh");
	sysctl_set("/proc/sys/kernel/watchdog_thresh", 60);
	ret = syscall(SYS_kexec_file_load, kfd, ifd, strlen(newline) + 1,
		      newline, 0UL);
	saved = errno;
	if (thresh > 0)
		sysctl_set("/proc/sys/kernel/watchdog_thresh", thresh);
	if (ret)
		TEST_FAIL("kexec_file_load: %s", strerror(saved));

	vm = vm_create(0);
	for (i = 0; i < cpus; i++) {
		sp[i].vcpu = vcpu_add(vm, i, guest_spin);
		sp[i].cpu = i;
		ASSERT_EQ(pthread_create(&th[i], NULL, spinner_thread, &sp[i]),
			  0);
	}
	for (i = 0; i < cpus; i++)
		for (waited = 0; !sp[i].synced; waited++) {
			ASSERT_LT(waited, 60000);
			usleep(1000);
		}
	TH_LOG("%d vCPUs in the guest, one per CPU; kexec with \"%s\"", cpus,
	       newline);
	fflush(stdout);
	sync();
	reboot(LINUX_REBOOT_CMD_KEXEC);
	TEST_FAIL("reboot(LINUX_REBOOT_CMD_KEXEC) returned: %s",
		  strerror(errno));
}

static void after_kexec(struct altp2m_test *_t, int cpus)
{
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	int i;

	/* The new kernel brought every CPU up: none was stuck in VMX. */
	ASSERT_EQ(sysconf(_SC_NPROCESSORS_ONLN), cpus);
	/* And VMXON works on each (VM creation enables VMX everywhere). */
	vm = vm_create(0);
	for (i = 0; i < cpus; i++) {
		pin_self(i);
		ASSERT_EQ(sched_getcpu(), i);
		vcpu = vcpu_add(vm, i, guest_sum);
		vcpu_args_set(vcpu, 1, (uint64_t)(100 + i));
		vcpu_run_ucall(vcpu, &uc);
		assert_ucall_sync(vcpu, (100 + i) * (101 + i) / 2);
	}
	vm_free(vm);
}

TEST_TIMEOUT(kexec_with_vcpus_running, 600)
{
	const char *resume, *cpus_arg;
	char cmdline[2048];

	read_cmdline(_t, cmdline, sizeof(cmdline));
	resume = cmdline_arg(cmdline, "altp2m.resume");
	cpus_arg = cmdline_arg(cmdline, "altp2m.cpus");
	if (resume && cpus_arg) {
		TH_LOG("second half: kexec'd with altp2m.resume=%.*s",
		       (int)strcspn(resume, " "), resume);
		after_kexec(_t, atoi(cpus_arg));
		return;
	}
	if (!getenv("ALTP2M_TAP_N"))
		SKIP("not under the vmtest runner (ALTP2M_TAP_N unset)");
	kexec_now(_t, getenv("ALTP2M_TAP_N"),
		  (int)sysconf(_SC_NPROCESSORS_ONLN));
}

TEST_HARNESS_MAIN
