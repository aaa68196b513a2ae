// SPDX-License-Identifier: GPL-2.0
/*
 * CPU hotplug with live VMs (needs two CPUs: tier smp). A CPU that goes
 * offline must first VMCLEAR the VMCSs it holds and leave VMX operation; a
 * vCPU last run there must carry on elsewhere; a CPU that comes back must
 * enter VMX operation again before a guest runs on it.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>

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

static void set_online(struct altp2m_test *_t, int cpu, int on)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online",
		 cpu);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		SKIP("CPU %d cannot be hotplugged", cpu);
	ASSERT_EQ(write(fd, on ? "1" : "0", 1), 1);
	close(fd);
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
