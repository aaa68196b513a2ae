// SPDX-License-Identifier: GPL-2.0
/*
 * The guest's own view calls (VMCALL, RAX = ALTP2M_HC_BASE + call) in each
 * mode: external allows nothing but asking the mode, limited only the
 * guest's #VE page, mixed the view operations too, whose effects the
 * guest then lives with (a violation in a view it made exits to the VMM).
 * Refused calls fail in the guest with -EPERM; none of them exits to
 * userspace.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

static inline int64_t hc(uint64_t nr, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t ret;

	__asm__ __volatile__("vmcall"
			     : "=a"(ret)
			     : "a"(ALTP2M_HC_BASE + nr), "b"(a), "c"(b), "d"(c)
			     : "memory");
	return ret;
}

/*
 * Every call once, the page at @ve for the #VE ones; report each result
 * (in order: the calls have effects, so they are made one by one).
 */
static void guest_each_call(uint64_t ve)
{
	int64_t r[6];

	r[0] = hc(ALTP2M_HC_GET_MODE, 0, 0, 0);
	r[1] = hc(ALTP2M_HC_VE_ENABLE, ve >> 12, 0, 0);
	r[2] = hc(ALTP2M_HC_VE_ENABLE, ve >> 12, 0, 0);
	r[3] = hc(ALTP2M_HC_VE_DISABLE, 0, 0, 0);
	r[4] = hc(ALTP2M_HC_CREATE_VIEW, ALTP2M_ACCESS_RWX, 0, 0);
	r[5] = hc(ALTP2M_HC_NR, 0, 0, 0);
	GUEST_SYNC_ARGS(r[0], r[1], r[2], r[3], r[4], r[5]);
}

/* Make a view, restrict @a in it, go there, write @a; then clean up. */
static void guest_mixed(uint64_t a)
{
	int64_t v = hc(ALTP2M_HC_CREATE_VIEW, ALTP2M_ACCESS_RWX, 0, 0);
	int64_t r[6];

	r[0] = hc(ALTP2M_HC_SET_ACCESS, v, a >> 12, ALTP2M_ACCESS_R);
	r[1] = hc(ALTP2M_HC_SWITCH_VIEW, v, 0, 0);
	GUEST_SYNC_ARGS(v, r[0], r[1]);
	*(volatile uint64_t *)a = 7;	/* a violation: the VMM sees it */
	r[0] = hc(ALTP2M_HC_DESTROY_VIEW, v, 0, 0);
	r[1] = hc(ALTP2M_HC_SWITCH_VIEW, 0, 0, 0);
	r[2] = hc(ALTP2M_HC_DESTROY_VIEW, v, 0, 0);
	r[3] = hc(ALTP2M_HC_REMAP, 0, a >> 12, a >> 12);
	r[4] = hc(ALTP2M_HC_SET_SVE, 3, a >> 12, 1);
	r[5] = hc(ALTP2M_HC_SWITCH_VIEW, 600, 0, 0);
	GUEST_SYNC_ARGS(r[0], r[1], r[2], r[3], r[4], r[5]);
}

static struct vcpu *mode_vm(struct vm **vmp, uint32_t mode, void *fn,
			    uint64_t *page)
{
	struct altp2m_views_enable en = { .mode = mode };
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, fn);

	*page = vm_alloc(vm, 4096, 4096);
	vcpu_args_set(vcpu, 1, *page);
	TEST_ASSERT(!ioctl(vm->fd, ALTP2M_VIEWS_ENABLE, &en), "enable %u",
		    mode);
	*vmp = vm;
	return vcpu;
}

static void expect_calls(struct altp2m_test *_t, struct vcpu *vcpu,
			 const int64_t *want)
{
	struct altp2m_vcpu_stats st = { 0 };
	struct ucall uc;
	unsigned int i;

	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync_any(vcpu);
	for (i = 0; i < 6; i++)
		EXPECT_EQ((int64_t)uc.args[i], want[i]);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_HYPERCALL], 0);
}

TEST(external_allows_nothing)
{
	static const int64_t want[] = {
		ALTP2M_MODE_EXTERNAL, -EPERM, -EPERM, -EPERM, -EPERM, -EINVAL,
	};
	uint64_t ve;
	struct vm *vm;
	struct vcpu *vcpu = mode_vm(&vm, ALTP2M_MODE_EXTERNAL,
				    guest_each_call, &ve);

	expect_calls(_t, vcpu, want);
	vm_free(vm);
}

TEST(limited_allows_ve_only)
{
	static const int64_t want[] = {
		ALTP2M_MODE_LIMITED, 0, -EEXIST, 0, -EPERM, -EINVAL,
	};
	uint64_t ve;
	struct vm *vm;
	struct vcpu *vcpu = mode_vm(&vm, ALTP2M_MODE_LIMITED,
				    guest_each_call, &ve);

	expect_calls(_t, vcpu, want);
	vm_free(vm);
}

TEST(mixed_guest_runs_its_views)
{
	static const int64_t want[] = {
		ALTP2M_MODE_MIXED, 0, -EEXIST, 0, 1, -EINVAL,
	};
	static const int64_t after[] = {
		-EBUSY, 0, 0, -EINVAL, -ENOENT, -EINVAL,
	};
	struct altp2m_views_enable bad = { .mode = 3 };
	uint64_t a;
	struct ucall uc;
	struct vm *vm;
	struct vcpu *vcpu = mode_vm(&vm, ALTP2M_MODE_MIXED, guest_each_call,
				    &a);
	unsigned int i;

	expect_calls(_t, vcpu, want);
	vm_free(vm);

	vcpu = mode_vm(&vm, ALTP2M_MODE_MIXED, guest_mixed, &a);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync_any(vcpu);
	EXPECT_EQ(uc.args[0], 1);
	EXPECT_EQ(uc.args[1], 0);
	EXPECT_EQ(uc.args[2], 0);
	/* The guest's own restriction, reported to the VMM as any other. */
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	EXPECT_EQ(vcpu->run->violation.view, 1);
	EXPECT_EQ(vcpu->run->violation.gpa, a);
	EXPECT_EQ(vcpu_get_view(vcpu), 1);
	vm_set_mem_access(vm, 1, a >> 12, 1, ALTP2M_ACCESS_RWX);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync_any(vcpu);
	for (i = 0; i < 6; i++)
		EXPECT_EQ((int64_t)uc.args[i], after[i]);
	EXPECT_EQ(*(uint64_t *)addr_gva2hva(vm, a), 7);
	EXPECT_EQ(vcpu_get_view(vcpu), 0);
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_VIEWS_DISABLE, 0), 0);
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_VIEWS_ENABLE, &bad), -1);
	EXPECT_EQ(errno, EINVAL);
	vm_free(vm);
}

TEST_HARNESS_MAIN
