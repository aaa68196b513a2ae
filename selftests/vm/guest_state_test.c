// SPDX-License-Identifier: GPL-2.0
/*
 * State userspace sets after an exit must be enterable. A guest stopped in
 * the shadow of STI (the instruction after it exited) has "blocking by
 * STI" in its VMCS; a VMM that then moves it elsewhere with interrupts off
 * (SET_REGS with RFLAGS.IF = 0, as a reset does) must get a guest that
 * runs, not a VM entry the CPU refuses on every RUN after (found by
 * guest_fuzz_test).
 */
#include "../lib/vm_util.h"
#include "../lib/harness.h"

static uint64_t target[512] __attribute__((aligned(4096)));

/* The write right after STI: a violation in the vCPU's view. */
static void guest_sti_write(uint64_t p)
{
	__asm__ __volatile__("sti\n\tmovq $1, (%0)" : : "r"(p) : "memory");
	GUEST_SYNC(1);
}

/* An OUT right after STI: the exit is in the shadow too. */
static void guest_sti_out(void)
{
	__asm__ __volatile__("sti\n\toutb %%al, $0x80" : : "a"(0) : "memory");
	GUEST_SYNC(1);
}

static void guest_elsewhere(void)
{
	GUEST_SYNC(2);
}

/* Move the vCPU to guest_elsewhere with RFLAGS = 0x2 and run it. */
static void restart_elsewhere(struct vcpu *vcpu)
{
	char buf[256];

	vcpu_setup(vcpu, guest_elsewhere);
	vcpu_run(vcpu);
	if (vcpu->run->exit_reason != ALTP2M_EXIT_IO) {
		vcpu_describe_exit(vcpu, buf, sizeof(buf));
		TH_LOG("after SET_REGS with IF=0: %s", buf);
	}
	assert_ucall_sync(vcpu, 2);
}

TEST(set_regs_after_violation_in_sti_shadow)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_sti_write);
	uint64_t p = (uint64_t)(uintptr_t)target;
	uint16_t view;

	vcpu_args_set(vcpu, 1, p);
	vm_views_enable(vm, 0);
	view = vm_view_create(vm, ALTP2M_ACCESS_RWX);
	vcpu_set_view(vcpu, view);
	vm_set_mem_access(vm, view, p >> 12, 1, ALTP2M_ACCESS_R);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	restart_elsewhere(vcpu);
	vm_free(vm);
}

TEST(set_regs_after_io_in_sti_shadow)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_sti_out);

	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_IO);
	ASSERT_EQ(vcpu->run->io.port, 0x80);
	restart_elsewhere(vcpu);
	vm_free(vm);
}

TEST_HARNESS_MAIN
