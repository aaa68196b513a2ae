// SPDX-License-Identifier: GPL-2.0
/*
 * #VE on the hardware path: with an information page registered, a
 * violation of an entry whose suppress-#VE bit is clear reaches the guest
 * as vector 20 without any EPT-violation exit, and the page says what the
 * SDM says (exit reason, qualification, gla, gpa, view, semaphore set).
 * While the semaphore is set, and for entries with suppress-#VE set, the
 * same violation exits to the VMM instead. Gfns the view has not filled
 * yet never become #VE. Registering twice, disabling, bad pages, and a
 * page whose region is deleted. Where the module delivers #VE (no CPU
 * support, or altp2m.hw_ve=0) the guest sees the same, at one exit per
 * #VE; the suite runs this file both ways.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define VE_VECTOR	20
#define VE_SEMAPHORE_SET 0xffffffffU
#define R2_SLOT		1
#define R2_GPA		0x40000000ULL
#define R2_SIZE		(2ULL << 20)

/*
 * Read @a (so that the view holds it), sync, then write it. The vCPU is on
 * view @view already (the host put it there); the VMFUNC to the same view
 * changes nothing architecturally, but Bochs 2.7 takes the EPTP index it
 * reports in #VE information only from VMFUNC, not from the VMCS field the
 * module sets at VM entry (see Documentation/testing.rst).
 */
static void guest_read_then_write(uint64_t a, uint64_t view)
{
	volatile uint64_t *p = (volatile uint64_t *)a;

	__asm__ __volatile__("vmfunc" : : "a"(0), "c"(view) : "memory");
	GUEST_SYNC(*p);
	*p = 1;
	GUEST_SYNC(2);
}

static int set_ve_page(struct vcpu *vcpu, uint32_t flags, uint64_t gfn)
{
	struct altp2m_ve_page a = { .flags = flags, .gfn = gfn };

	return ioctl(vcpu->fd, ALTP2M_SET_VE_PAGE, &a);
}

static void expect_ve(struct altp2m_test *_t, struct vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_UNHANDLED);
	EXPECT_EQ(uc.args[0], VE_VECTOR);
}

static void expect_exit(struct altp2m_test *_t, struct vcpu *vcpu,
			uint32_t view, uint64_t gpa)
{
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	EXPECT_EQ(vcpu->run->violation.view, view);
	EXPECT_EQ(vcpu->run->violation.gpa, gpa);
	EXPECT_EQ(vcpu->run->violation.access, ALTP2M_VIOLATION_W);
}

/* A vCPU on a new view, past its first read of @a. */
static struct vcpu *ve_setup(struct vm *vm, uint64_t a, uint16_t *view)
{
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_read_then_write);

	vm_views_enable(vm, 0);
	*view = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vcpu_args_set(vcpu, 2, a, *view);
	vcpu_set_view(vcpu, *view);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x5a5a);
	vm_set_mem_access(vm, *view, a >> 12, 1, ALTP2M_ACCESS_R);
	vm_set_suppress_ve(vm, *view, a >> 12, 1, 0);
	return vcpu;
}

/* Run the guest's write again from the start of its function. */
static void restart(struct vcpu *vcpu, uint64_t a)
{
	vcpu_setup(vcpu, guest_read_then_write);
	vcpu_args_set(vcpu, 2, a, vcpu_get_view(vcpu));
	vcpu_run(vcpu);
}

/* Whether the CPU delivers #VE (else the module: altp2m.hw_ve=0). */
static bool hw_ve(struct vm *vm)
{
	struct altp2m_caps caps;

	vm_caps(vm, &caps);
	return (caps.caps & ALTP2M_CAP_VE) && module_param_on("hw_ve");
}

TEST(ve_delivered_without_exit)
{
	struct altp2m_vcpu_stats s0 = { 0 }, s1 = { 0 };
	struct vm *vm = vm_create(0);
	uint64_t a = vm_alloc(vm, 4096, 4096), ve = vm_alloc(vm, 4096, 4096);
	struct altp2m_ve_info *info = addr_gva2hva(vm, ve);
	struct vcpu *vcpu;
	uint16_t v;

	*(uint64_t *)addr_gva2hva(vm, a) = 0x5a5a;
	vcpu = ve_setup(vm, a, &v);
	ASSERT_EQ(set_ve_page(vcpu, 0, ve >> 12), 0);
	expect_ve(_t, vcpu);
	EXPECT_EQ(info->exit_reason, 48);
	EXPECT_EQ(info->semaphore, VE_SEMAPHORE_SET);
	EXPECT_EQ(info->gpa, a);
	EXPECT_EQ(info->gla, a);
	EXPECT_EQ(info->qualification & 7, ALTP2M_VIOLATION_W);
	EXPECT_TRUE(info->qualification & (1 << 7));	/* gla valid */
	EXPECT_EQ(info->eptp_index, v);
	EXPECT_EQ(*(uint64_t *)addr_gva2hva(vm, a), 0x5a5a);

	/*
	 * Again, counted: the first one's handler path filled the view's
	 * pages, so only the #VE itself could exit now. Delivered by the CPU:
	 * not one exit; by the module: one.
	 */
	info->semaphore = 0;
	restart(vcpu, a);
	assert_ucall_sync(vcpu, 0x5a5a);
	vcpu_stats(vcpu, &s0);
	expect_ve(_t, vcpu);
	vcpu_stats(vcpu, &s1);
	TH_LOG("#VE delivered by %s", hw_ve(vm) ? "the CPU" : "the module");
	EXPECT_EQ(s1.ept_violation_exits - s0.ept_violation_exits,
		  hw_ve(vm) ? 0 : 1);
	EXPECT_EQ(info->semaphore, VE_SEMAPHORE_SET);

	/* Semaphore still set: the same violation exits. */
	restart(vcpu, a);
	assert_ucall_sync(vcpu, 0x5a5a);
	expect_exit(_t, vcpu, v, a);
	/* Semaphore clear, suppress-#VE set: exits too. */
	info->semaphore = 0;
	vm_set_suppress_ve(vm, v, a >> 12, 1, 1);
	expect_exit(_t, vcpu, v, a);
	/* Both clear: the retried write is a #VE again. */
	vm_set_suppress_ve(vm, v, a >> 12, 1, 0);
	expect_ve(_t, vcpu);
	EXPECT_EQ(info->semaphore, VE_SEMAPHORE_SET);
	/* In view 0, whose entry has suppress-#VE set: no #VE, no exit. */
	info->semaphore = 0;
	vcpu_set_view(vcpu, 0);
	restart(vcpu, a);
	assert_ucall_sync(vcpu, 0x5a5a);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 2);
	EXPECT_EQ(info->semaphore, 0);
	vm_free(vm);
}

TEST(ve_page_rules)
{
	struct vm *vm = vm_create(0);
	uint64_t a = vm_alloc(vm, 4096, 4096), ve = vm_alloc(vm, 4096, 4096);
	struct altp2m_ve_page bad = { .gfn = ve >> 12 };
	struct vcpu *vcpu;
	uint64_t *r2;
	uint16_t v;

	*(uint64_t *)addr_gva2hva(vm, a) = 0x5a5a;
	vcpu = ve_setup(vm, a, &v);
	EXPECT_EQ(set_ve_page(vcpu, ALTP2M_VE_PAGE_DISABLE, 0), -1);
	EXPECT_EQ(errno, ENOENT);
	EXPECT_EQ(set_ve_page(vcpu, 0, R2_GPA >> 12), -1);
	EXPECT_EQ(errno, ESRCH);
	bad.flags = 2;
	EXPECT_EQ(ioctl(vcpu->fd, ALTP2M_SET_VE_PAGE, &bad), -1);
	EXPECT_EQ(errno, EINVAL);
	bad.flags = ALTP2M_VE_PAGE_DISABLE;	/* with a gfn */
	EXPECT_EQ(ioctl(vcpu->fd, ALTP2M_SET_VE_PAGE, &bad), -1);
	EXPECT_EQ(errno, EINVAL);
	bad.flags = 0;
	bad.reserved[1] = 1;
	EXPECT_EQ(ioctl(vcpu->fd, ALTP2M_SET_VE_PAGE, &bad), -1);
	EXPECT_EQ(errno, EINVAL);

	ASSERT_EQ(set_ve_page(vcpu, 0, ve >> 12), 0);
	EXPECT_EQ(set_ve_page(vcpu, 0, ve >> 12), -1);
	EXPECT_EQ(errno, EEXIST);
	ASSERT_EQ(set_ve_page(vcpu, ALTP2M_VE_PAGE_DISABLE, 0), 0);
	/* Disabled: the violation exits. */
	expect_exit(_t, vcpu, v, a);

	/* A page in a region that is deleted is given up with it. */
	r2 = vm_add_region(vm, R2_SLOT, R2_GPA, R2_SIZE);
	ASSERT_EQ(set_ve_page(vcpu, 0, R2_GPA >> 12), 0);
	expect_ve(_t, vcpu);
	EXPECT_EQ(((struct altp2m_ve_info *)r2)->gpa, a);
	vm_delete_region(vm, R2_SLOT);
	restart(vcpu, a);
	assert_ucall_sync(vcpu, 0x5a5a);
	expect_exit(_t, vcpu, v, a);
	EXPECT_EQ(set_ve_page(vcpu, ALTP2M_VE_PAGE_DISABLE, 0), -1);
	EXPECT_EQ(errno, ENOENT);
	ASSERT_EQ(set_ve_page(vcpu, 0, ve >> 12), 0);
	vm_free(vm);
}

TEST_HARNESS_MAIN
