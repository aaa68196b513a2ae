// SPDX-License-Identifier: GPL-2.0
/*
 * Suspend and resume with a live VM. The kernel's pm_test "core" mode runs
 * the whole suspend path, syscore callbacks included (where the module
 * leaves VMX operation and VMCLEARs what it holds), then resumes without
 * sleeping (where it enters VMX operation again). The vCPU must carry on.
 */
#include <fcntl.h>
#include <string.h>

#include "../lib/harness.h"
#include "../lib/ucall.h"
#include "../lib/vm_util.h"

static void guest_count(void)
{
	unsigned long i;

	for (i = 0;; i++)
		GUEST_SYNC(i);
}

TEST(suspend_resume_with_a_vm)
{
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	int ret;

	if (write_str("/sys/power/pm_test", "core"))
		SKIP("no pm_test (CONFIG_PM_DEBUG)");
	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_count);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0);

	ret = write_str("/sys/power/state", "mem");
	if (ret) {
		write_str("/sys/power/pm_test", "none");
		SKIP("suspend to mem refused here: %s", strerror(errno));
	}
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 1);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 2);
	vm_free(vm);
	ASSERT_EQ(write_str("/sys/power/pm_test", "none"), 0);
}

TEST_HARNESS_MAIN
