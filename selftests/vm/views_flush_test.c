// SPDX-License-Identifier: GPL-2.0
/*
 * A view change reaches the other CPUs before its ioctl returns: while a
 * vCPU on another CPU writes a page without pause, the host makes that
 * page read-only in the vCPU's view. From the moment the ioctl returns the
 * guest can write it no more (its CPU took the flush IPI, left the guest
 * and invalidated the view's cached translations), and the vCPU stops
 * with a write violation at that page. Repeated, with the access given
 * back in between; every other round the change is made in view 0 and
 * reaches the vCPU's view by propagation. Likewise a vCPU that went to a
 * view by VMFUNC and spins there without exits: destroying that view
 * from another CPU is refused (the module makes it exit to learn where
 * it is), and ALTP2M_SWITCH_VIEW moves it out. Needs two CPUs (the smp
 * tier).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define ROUNDS		20

static void guest_write_forever(uint64_t gva)
{
	volatile uint64_t *p = (volatile uint64_t *)gva;

	for (;;)
		p[0]++;
}

struct runner {
	struct vcpu *vcpu;
	int ret;
	int err;
};

static void *run_on_cpu1(void *arg)
{
	struct runner *r = arg;

	if (!pin_to_cpu(1)) {
		r->ret = -1;
		r->err = errno;
		return NULL;
	}
	r->ret = _vcpu_run(r->vcpu);
	r->err = errno;
	return NULL;
}

/* Until the guest has written @p twice more (it runs), or 60 s. */
static bool guest_writing(volatile uint64_t *p)
{
	uint64_t start = *p, t0 = test_now_ms();

	while (test_now_ms() - t0 < 60000)
		if (*p - start >= 2)
			return true;
	return false;
}

TEST(restrict_while_running_elsewhere)
{
	struct altp2m_vm_stats st0, st1;
	struct vm *vm;
	struct vcpu *vcpu;
	struct runner r;
	volatile uint64_t *hva;
	uint64_t page, c1, c2;
	unsigned int i;
	uint32_t where;
	uint16_t view;
	pthread_t th;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("needs two CPUs");
	ASSERT_TRUE(pin_to_cpu(0));
	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_write_forever);
	page = vm_alloc(vm, 4096, 4096);
	hva = addr_gva2hva(vm, page);
	vcpu_args_set(vcpu, 1, page);
	/* The guest must take the flush IPI's exit (see vm_util.h). */
	vcpu_set_if(vcpu, true);
	vm_views_enable(vm, 2);
	view = vm_view_create(vm, ALTP2M_ACCESS_RWX);
	vcpu_set_view(vcpu, view);
	vm_stats(vm, &st0);

	for (i = 0; i < ROUNDS; i++) {
		where = i & 1 ? 0 : view;
		r = (struct runner){ .vcpu = vcpu };
		ASSERT_EQ(pthread_create(&th, NULL, run_on_cpu1, &r), 0);
		if (!guest_writing(hva)) {
			/* Stop it so that the thread can be joined. */
			__vm_set_mem_access(vm, view, page >> 12, 1,
					    ALTP2M_ACCESS_R);
			pthread_join(th, NULL);
			ASSERT_TRUE(false);
		}
		vm_set_mem_access(vm, where, page >> 12, 1, ALTP2M_ACCESS_R);
		c1 = *hva;
		usleep(20000);
		c2 = *hva;
		ASSERT_EQ(pthread_join(th, NULL), 0);
		ASSERT_EQ(r.ret, 0);
		/* Not one write after the ioctl returned. */
		EXPECT_EQ(c2, c1);
		assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
		EXPECT_EQ(vcpu->run->violation.view, view);
		EXPECT_EQ(vcpu->run->violation.gpa, page);
		EXPECT_EQ(vcpu->run->violation.access, ALTP2M_VIOLATION_W);
		EXPECT_EQ(vcpu->run->violation.entry_access, ALTP2M_ACCESS_R);
		vm_set_mem_access(vm, where, page >> 12, 1, ALTP2M_ACCESS_RWX);
	}
	vm_stats(vm, &st1);
	/*
	 * Each restriction flushed the view (and view 0 in the rounds made
	 * there) once; relaxing may too.
	 */
	EXPECT_GE(st1.invept - st0.invept, ROUNDS + ROUNDS / 2);
	EXPECT_GE(2 * (ROUNDS + ROUNDS / 2), st1.invept - st0.invept);
	EXPECT_EQ(st1.view_events - st0.view_events, ROUNDS);
	vm_free(vm);
}

/*
 * Go to view 1 by VMFUNC, say so in the word after *@stop, then spin
 * until *@stop, reporting @a.
 */
static void guest_vmfunc_spin(uint64_t stop, uint64_t a)
{
	__asm__ __volatile__("vmfunc" : : "a"(0), "c"(1) : "memory");
	((volatile uint64_t *)stop)[1] = 1;
	while (!*(volatile uint64_t *)stop)
		;
	GUEST_SYNC(*(volatile uint64_t *)a);
}

TEST(destroy_and_switch_while_running_elsewhere)
{
	volatile uint64_t *stop;
	struct vcpu *vcpu;
	uint64_t a, b, s;
	struct runner r = { 0 };
	struct vm *vm;
	pthread_t th;
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("needs two CPUs");
	ASSERT_TRUE(pin_to_cpu(0));
	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_vmfunc_spin);
	s = vm_alloc(vm, 4096, 4096);
	a = vm_alloc(vm, 4096, 4096);
	b = vm_alloc(vm, 4096, 4096);
	stop = addr_gva2hva(vm, s);
	*(uint64_t *)addr_gva2hva(vm, a) = 0xa;
	*(uint64_t *)addr_gva2hva(vm, b) = 0xb;
	vcpu_args_set(vcpu, 2, s, a);
	vcpu_set_if(vcpu, true);
	vm_views_enable(vm, 2);
	ASSERT_EQ(vm_view_create(vm, ALTP2M_ACCESS_RWX), 1);
	vm_remap_gfn(vm, 1, a >> 12, b >> 12);

	r.vcpu = vcpu;
	ASSERT_EQ(pthread_create(&th, NULL, run_on_cpu1, &r), 0);
	/* Wait until it is in the guest on view 1 (a slow boot may take long). */
	for (i = 0; !stop[1] && i < 1000; i++)
		usleep(10 * 1000);
	ASSERT_EQ(stop[1], 1);
	EXPECT_EQ(__vm_view_destroy(vm, 1), -1);
	EXPECT_EQ(errno, EBUSY);
	/* Moved out while it spins, then let go: it reads A's own data. */
	ASSERT_EQ(__vm_switch_view(vm, 0, -1), 0);
	*stop = 1;
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_EQ(r.ret, 0);
	assert_ucall_sync(vcpu, 0xa);
	vm_view_destroy(vm, 1);
	vm_free(vm);
}

TEST_HARNESS_MAIN
