// SPDX-License-Identifier: GPL-2.0
/*
 * Switching views. The guest switches with VMFUNC leaf 0 on the hardware
 * path with no exit at all (counted: no EPT-violation and no VMFUNC exit)
 * and reads a remapped gfn differently on each side; the module learns
 * where it went at its next exit. Where the module emulates VMFUNC (the
 * CPU lacks it, or altp2m.hw_vmfunc=0) the guest sees the same, at one
 * exit per VMFUNC; the suite runs this file both ways. VMFUNC to a hidden or missing view is
 * #UD with the view unchanged; visibility per VM and per vCPU. A view a
 * guest went to by VMFUNC cannot be destroyed. The host switches one vCPU
 * or all of them, stopped or running.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define TAG_A		0xaaaa0000aaaa0000ULL
#define TAG_B		0xbbbb0000bbbb0000ULL

static inline void guest_vmfunc(uint64_t view)
{
	__asm__ __volatile__("vmfunc" : : "a"(0), "c"(view) : "memory");
}

/*
 * @a is remapped in view 1. Two identical rounds of switches, each ending
 * on view 1 for its sync: the first warms up (its first touches of code
 * and stack fill view 1 through exits), the second is measured.
 */
static void guest_switch_rounds(uint64_t a)
{
	volatile uint64_t *p = (volatile uint64_t *)a;
	uint64_t v0, v1, v2;
	int i;

	for (i = 0; i < 2; i++) {
		v0 = *p;
		guest_vmfunc(1);
		v1 = *p;
		guest_vmfunc(0);
		v2 = *p;
		guest_vmfunc(1);
		GUEST_SYNC_ARGS(v0, v1, v2, *p);
		guest_vmfunc(0);
	}
	GUEST_SYNC(*p);
}

/* A VMFUNC to @view, then what the guest reads at @a. */
static void guest_switch_once(uint64_t view, uint64_t a)
{
	guest_vmfunc(view);
	GUEST_SYNC(*(volatile uint64_t *)a);
	guest_vmfunc(0);
	GUEST_SYNC(*(volatile uint64_t *)a);
}

/* Spin on view @a until it stops reading @old, then report. */
static void guest_wait_change(uint64_t a, uint64_t old)
{
	while (*(volatile uint64_t *)a == old)
		;
	GUEST_SYNC(*(volatile uint64_t *)a);
}

/* Report what @a reads whenever the host lets it go on. */
static void guest_read_loop(uint64_t a)
{
	for (;;)
		GUEST_SYNC(*(volatile uint64_t *)a);
}

/*
 * Whether guest VMFUNC runs on the CPU (else the module emulates it: the
 * CPU lacks it, or the hw_vmfunc parameter says not to use it).
 */
static bool hw_vmfunc(struct vm *vm)
{
	struct altp2m_caps caps;

	vm_caps(vm, &caps);
	return (caps.caps & ALTP2M_CAP_VMFUNC_EPTP) &&
	       module_param_on("hw_vmfunc");
}

/* A VM with view 1 remapping @a to @b, and the tags in place. */
static struct vm *remap_vm(uint64_t *a, uint64_t *b)
{
	struct vm *vm = vm_create(0);

	*a = vm_alloc(vm, 4096, 4096);
	*b = vm_alloc(vm, 4096, 4096);
	*(uint64_t *)addr_gva2hva(vm, *a) = TAG_A;
	*(uint64_t *)addr_gva2hva(vm, *b) = TAG_B;
	vm_views_enable(vm, 0);
	vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vm_remap_gfn(vm, 1, *a >> 12, *b >> 12);
	return vm;
}

static uint32_t vcpu_view_of(struct altp2m_test *_t, struct vm *vm,
			     uint32_t id)
{
	struct altp2m_vcpu_views vv = { 0 };

	ASSERT_EQ(ioctl(vm->fd, ALTP2M_GET_VCPU_VIEWS, &vv), 0);
	ASSERT_TRUE(vv.present & (1ULL << id));
	return vv.view[id];
}

static void expect_ud(struct altp2m_test *_t, struct vcpu *vcpu)
{
	struct ucall uc;

	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_UNHANDLED);
	EXPECT_EQ(uc.args[0], 6);	/* #UD */
}

TEST(vmfunc_switch_without_exits)
{
	struct altp2m_vcpu_stats s0 = { 0 }, s1 = { 0 };
	struct vcpu *vcpu;
	struct ucall uc;
	uint64_t a, b;
	struct vm *vm = remap_vm(&a, &b);

	vcpu = vcpu_add(vm, 0, guest_switch_rounds);
	vcpu_args_set(vcpu, 1, a);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync_any(vcpu);
	vcpu_stats(vcpu, &s0);
	/* That exit found the guest on view 1, where VMFUNC had put it. */
	EXPECT_GE(s0.guest_view_switches, 1);
	EXPECT_EQ(vcpu_view_of(_t, vm, 0), 1);

	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync_any(vcpu);
	vcpu_stats(vcpu, &s1);
	EXPECT_EQ(uc.args[0], TAG_A);
	EXPECT_EQ(uc.args[1], TAG_B);
	EXPECT_EQ(uc.args[2], TAG_A);
	EXPECT_EQ(uc.args[3], TAG_B);
	/*
	 * Four switches and the reads: not one EPT exit, and no VMFUNC exit
	 * on the CPU's path; emulated, one #UD exit per VMFUNC.
	 */
	TH_LOG("VMFUNC %s", hw_vmfunc(vm) ? "in the CPU" : "emulated");
	EXPECT_EQ(s1.ept_violation_exits, s0.ept_violation_exits);
	EXPECT_EQ(s1.vmfunc_exits - s0.vmfunc_exits, hw_vmfunc(vm) ? 0 : 4);
	EXPECT_EQ(vcpu_view_of(_t, vm, 0), 1);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, TAG_A);
	EXPECT_EQ(vcpu_view_of(_t, vm, 0), 0);
	vm_free(vm);
}

TEST(vmfunc_hidden_or_missing_view_is_ud)
{
	struct altp2m_vcpu_stats s0 = { 0 }, s1 = { 0 };
	struct altp2m_vm_stats st = { 0 };
	struct vcpu *vcpu;
	uint64_t a, b;
	struct vm *vm = remap_vm(&a, &b);

	vcpu = vcpu_add(vm, 0, guest_switch_once);
	ASSERT_EQ(__vm_set_view_visibility(vm, 1, -1, false), 0);
	vcpu_args_set(vcpu, 2, 1, a);
	vcpu_stats(vcpu, &s0);
	expect_ud(_t, vcpu);
	vcpu_stats(vcpu, &s1);
	EXPECT_EQ(s1.vmfunc_exits - s0.vmfunc_exits, 1);
	EXPECT_EQ(vcpu_view_of(_t, vm, 0), 0);

	/* Visible again: the same call works. */
	ASSERT_EQ(__vm_set_view_visibility(vm, 1, -1, true), 0);
	vcpu_setup(vcpu, guest_switch_once);
	vcpu_args_set(vcpu, 2, 1, a);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, TAG_B);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, TAG_A);

	/* A view that does not exist, and one beyond the list. */
	vcpu_setup(vcpu, guest_switch_once);
	vcpu_args_set(vcpu, 2, 5, a);
	expect_ud(_t, vcpu);
	vcpu_setup(vcpu, guest_switch_once);
	vcpu_args_set(vcpu, 2, 512, a);
	expect_ud(_t, vcpu);
	EXPECT_EQ(vcpu_view_of(_t, vm, 0), 0);
	vm_stats(vm, &st);
	EXPECT_EQ(st.nr_views, 2);
	vm_free(vm);
}

TEST(visibility_per_vcpu)
{
	struct vcpu *v0, *v1;
	uint64_t a, b;
	struct vm *vm = remap_vm(&a, &b);

	v0 = vcpu_add(vm, 0, guest_switch_once);
	v1 = vcpu_add(vm, 1, guest_switch_once);
	vcpu_args_set(v0, 2, 1, a);
	vcpu_args_set(v1, 2, 1, a);
	ASSERT_EQ(__vm_set_view_visibility(vm, 1, 1, false), 0);
	vcpu_run(v0);
	assert_ucall_sync(v0, TAG_B);
	expect_ud(_t, v1);
	EXPECT_EQ(vcpu_view_of(_t, vm, 0), 1);
	EXPECT_EQ(vcpu_view_of(_t, vm, 1), 0);

	/* Hidden from all, then shown to vCPU 0 alone. */
	ASSERT_EQ(__vm_set_view_visibility(vm, 1, -1, false), 0);
	ASSERT_EQ(__vm_set_view_visibility(vm, 1, 0, true), 0);
	vcpu_run(v0);
	assert_ucall_sync(v0, TAG_A);
	vcpu_setup(v0, guest_switch_once);
	vcpu_args_set(v0, 2, 1, a);
	vcpu_run(v0);
	assert_ucall_sync(v0, TAG_B);
	vm_free(vm);
}

TEST(destroy_view_reached_by_vmfunc)
{
	struct vcpu *vcpu;
	uint64_t a, b;
	struct vm *vm = remap_vm(&a, &b);

	vcpu = vcpu_add(vm, 0, guest_switch_once);
	vcpu_args_set(vcpu, 2, 1, a);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, TAG_B);
	EXPECT_EQ(__vm_view_destroy(vm, 1), -1);
	EXPECT_EQ(errno, EBUSY);
	/* Still there and still usable: the failed destroy undid itself. */
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, TAG_A);
	vcpu_setup(vcpu, guest_switch_once);
	vcpu_args_set(vcpu, 2, 1, a);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, TAG_B);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, TAG_A);
	vm_view_destroy(vm, 1);
	EXPECT_EQ(__vm_views_disable(vm), 0);
	vm_free(vm);
}

static void *run_once(void *arg)
{
	vcpu_run(arg);
	return NULL;
}

TEST(host_switch_one_or_all)
{
	struct altp2m_switch_view bad = { .view = 1, .vcpu_id = 1 };
	struct vcpu *v0, *v1, *v2;
	uint64_t a, b;
	struct vm *vm = remap_vm(&a, &b);
	pthread_t th;

	v0 = vcpu_add(vm, 0, guest_read_loop);
	v1 = vcpu_add(vm, 1, guest_read_loop);
	v2 = vcpu_add(vm, 2, guest_wait_change);
	vcpu_args_set(v0, 1, a);
	vcpu_args_set(v1, 1, a);
	vcpu_args_set(v2, 2, a, TAG_A);
	vcpu_run(v0);
	assert_ucall_sync(v0, TAG_A);

	/* One vCPU: it moves, the others stay. */
	ASSERT_EQ(__vm_switch_view(vm, 1, 0), 0);
	EXPECT_EQ(vcpu_view_of(_t, vm, 0), 1);
	EXPECT_EQ(vcpu_view_of(_t, vm, 1), 0);
	vcpu_run(v0);
	assert_ucall_sync(v0, TAG_B);
	vcpu_run(v1);
	assert_ucall_sync(v1, TAG_A);

	/*
	 * All of them, v2 spinning in the guest meanwhile: it leaves view 0
	 * without an exit of its own and sees B's data.
	 */
	vcpu_set_if(v2, true);
	ASSERT_EQ(pthread_create(&th, NULL, run_once, v2), 0);
	usleep(200 * 1000);
	ASSERT_EQ(__vm_switch_view(vm, 1, -1), 0);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	assert_ucall_sync(v2, TAG_B);
	EXPECT_EQ(vcpu_view_of(_t, vm, 0), 1);
	EXPECT_EQ(vcpu_view_of(_t, vm, 1), 1);
	EXPECT_EQ(vcpu_view_of(_t, vm, 2), 1);
	vcpu_run(v1);
	assert_ucall_sync(v1, TAG_B);
	/* The vCPU fd says the same once they are out. */
	EXPECT_EQ(vcpu_get_view(v1), 1);
	/* A destroy of the view they are on is refused. */
	EXPECT_EQ(__vm_view_destroy(vm, 1), -1);
	EXPECT_EQ(errno, EBUSY);

	/* Bad requests change nothing. */
	EXPECT_EQ(__vm_switch_view(vm, 3, -1), -1);
	EXPECT_EQ(errno, ENOENT);
	EXPECT_EQ(__vm_switch_view(vm, 1, 7), -1);
	EXPECT_EQ(errno, ENOENT);
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_SWITCH_VIEW, &bad), -1);
	EXPECT_EQ(errno, EINVAL);
	bad.flags = 2;
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_SWITCH_VIEW, &bad), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(vcpu_view_of(_t, vm, 0), 1);
	ASSERT_EQ(__vm_switch_view(vm, 0, -1), 0);
	vcpu_run(v0);
	assert_ucall_sync(v0, TAG_A);
	/*
	 * v1 and v2 were not inside an ioctl: they moved at once, so view 1
	 * is free without running them.
	 */
	EXPECT_EQ(vcpu_get_view(v1), 0);
	EXPECT_EQ(vcpu_get_view(v2), 0);
	vm_view_destroy(vm, 1);
	vm_free(vm);
}

TEST(visibility_bad_input)
{
	struct altp2m_view_visibility a = { .view = 1, .visible = 1 };
	struct altp2m_vcpu_views vv = { .flags = 1 };
	uint64_t ga, gb;
	struct vm *vm = remap_vm(&ga, &gb);

	vcpu_add(vm, 0, guest_read_loop);
	a.visible = 2;
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_SET_VIEW_VISIBILITY, &a), -1);
	EXPECT_EQ(errno, EINVAL);
	a.visible = 1;
	a.vcpu_id = 1;		/* without the flag */
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_SET_VIEW_VISIBILITY, &a), -1);
	EXPECT_EQ(errno, EINVAL);
	a.flags = ALTP2M_VISIBILITY_ONE_VCPU;
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_SET_VIEW_VISIBILITY, &a), -1);
	EXPECT_EQ(errno, ENOENT);	/* no vCPU 1 */
	a.vcpu_id = 0;
	a.pad[1] = 1;
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_SET_VIEW_VISIBILITY, &a), -1);
	EXPECT_EQ(errno, EINVAL);
	a.pad[1] = 0;
	a.view = 4;
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_SET_VIEW_VISIBILITY, &a), -1);
	EXPECT_EQ(errno, ENOENT);
	a.view = 0;
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_SET_VIEW_VISIBILITY, &a), 0);
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_GET_VCPU_VIEWS, &vv), -1);
	EXPECT_EQ(errno, EINVAL);
	vm_free(vm);
}

TEST_HARNESS_MAIN
