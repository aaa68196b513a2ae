// SPDX-License-Identifier: GPL-2.0
/*
 * The monitor fd's data ioctls (the uAPI's "Monitors"): a stopped vCPU's
 * registers, special registers and MSRs (GET/SET_VCPU_STATE, EBUSY while
 * it is not stopped, SET all or nothing); guest memory by guest-physical
 * address through view 0 and through a view with a remap, and by linear
 * address with the vCPU's 4-level and PAE paging, stopping at a hole or
 * an unmapped page with @done and @fault_addr; TRANSLATE with its levels,
 * error codes and a page-table loop; the VM fd's view ioctls on the
 * monitor fd; and ALTP2M_MONITOR_DROP_VIEWS at close, which destroys the
 * views made through the fd and nothing else.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/monitor_util.h"
#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define MB		(1ULL << 20)
#define RAM		(8 * MB)

static void guest_sync_arg(uint64_t a)
{
	GUEST_SYNC(a);
}

static void guest_read_u64(uint64_t gva)
{
	GUEST_SYNC(*(volatile uint64_t *)gva);
}

static int state_ioctl(struct monitor *m, unsigned long cmd, uint32_t flags,
		       uint32_t vcpu, struct altp2m_regs *r,
		       struct altp2m_sregs *s, struct altp2m_msrs *msrs)
{
	struct altp2m_monitor_vcpu_state a = {
		.flags = flags,
		.vcpu = vcpu,
		.regs = (uint64_t)(uintptr_t)r,
		.sregs = (uint64_t)(uintptr_t)s,
		.msrs = (uint64_t)(uintptr_t)msrs,
	};

	return ioctl(m->fd, cmd, &a);
}

static int mem_ioctl(struct monitor *m, unsigned long cmd, uint32_t flags,
		     uint32_t vcpu, uint32_t view, uint64_t addr, void *buf,
		     uint64_t len, struct altp2m_monitor_mem *out)
{
	struct altp2m_monitor_mem a = {
		.flags = flags,
		.vcpu = vcpu,
		.view = view,
		.addr = addr,
		.len = len,
		.buf = (uint64_t)(uintptr_t)buf,
		.done = 0xdead,
		.fault_addr = 0xdead,
	};
	int ret = ioctl(m->fd, cmd, &a);

	if (out)
		*out = a;
	return ret;
}

/* Read @len bytes at @addr, asserting the call succeeds; returns @done. */
static uint64_t mread(struct monitor *m, uint32_t flags, uint32_t view,
		      uint64_t addr, void *buf, uint64_t len,
		      uint64_t *fault_addr)
{
	struct altp2m_monitor_mem a;

	TEST_ASSERT(!mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, flags, 0, view,
			       addr, buf, len, &a),
		    "READ_MEM %#llx: %s", (unsigned long long)addr,
		    strerror(errno));
	if (fault_addr)
		*fault_addr = a.fault_addr;
	return a.done;
}

static uint64_t mwrite(struct monitor *m, uint32_t flags, uint32_t view,
		       uint64_t addr, const void *buf, uint64_t len)
{
	struct altp2m_monitor_mem a;

	TEST_ASSERT(!mem_ioctl(m, ALTP2M_MONITOR_WRITE_MEM, flags, 0, view,
			       addr, (void *)buf, len, &a),
		    "WRITE_MEM %#llx: %s", (unsigned long long)addr,
		    strerror(errno));
	return a.done;
}

static int xlate(struct monitor *m, uint32_t flags, uint64_t gva,
		 struct altp2m_monitor_translate *out)
{
	memset(out, 0, sizeof(*out));
	out->flags = flags;
	out->gva = gva;
	out->gpa = 0xdead;
	out->error = 0xdead;
	out->levels = 99;
	return ioctl(m->fd, ALTP2M_MONITOR_TRANSLATE, out);
}

static void fill(void *p, size_t len, uint8_t seed)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = (uint8_t)(seed + i * 7 + (i >> 12));
}

/* A VM with one vCPU at guest_sync_arg() and a monitor on it. */
static struct monitor *setup(struct vm **vmp, struct vcpu **vcpup,
			     uint32_t flags)
{
	struct vm *vm = vm_create(RAM);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_sync_arg);

	*vmp = vm;
	*vcpup = vcpu;
	return monitor_attach(vm, flags, 0);
}

TEST(state_needs_a_stopped_vcpu)
{
	struct altp2m_regs r = {}, vr;
	struct altp2m_sregs s = {};
	struct monitor *m;
	struct vcpu *vcpu;
	struct vm *vm;

	m = setup(&vm, &vcpu, 0);
	/* Neither paused nor parked, though not running either. */
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS, 0, &r, NULL, NULL),
		     EBUSY);
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_SET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS, 0, &r, NULL, NULL),
		     EBUSY);
	monitor_pause(m, 0);
	ASSERT_EQ(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
			      ALTP2M_MON_STATE_REGS | ALTP2M_MON_STATE_SREGS,
			      0, &r, &s, NULL), 0);
	vcpu_regs_get(vcpu, &vr);
	ASSERT_EQ(memcmp(&r, &vr, sizeof(r)), 0);
	ASSERT_EQ(r.rip, (uint64_t)(uintptr_t)guest_sync_arg);
	ASSERT_EQ(s.cr3, GUEST_PML4_GPA);
	ASSERT_EQ(s.efer & EFER_LMA, EFER_LMA);
	/* No such vCPU. */
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS, 1, &r, NULL, NULL),
		     ENOENT);
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS, ALTP2M_MAX_VCPUS, &r,
				 NULL, NULL), ENOENT);
	monitor_resume(m, 0);
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS, 0, &r, NULL, NULL),
		     EBUSY);
	/* A VM-wide pause stops it too. */
	monitor_pause(m, -1);
	ASSERT_EQ(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
			      ALTP2M_MON_STATE_REGS, 0, &r, NULL, NULL), 0);
	monitor_resume(m, -1);
	monitor_close(m);
	vm_free(vm);
}

static void *run_thread(void *arg)
{
	struct vcpu *vcpu = arg;

	vcpu_run(vcpu);
	return NULL;
}

/*
 * A vCPU inside ALTP2M_RUN, in the guest: EBUSY, not a wait for its
 * lock; once paused (its thread still inside RUN) the calls work.
 */
TEST(running_vcpu_is_busy)
{
	struct altp2m_monitor_translate t;
	struct altp2m_regs r = {};
	struct monitor *m;
	struct vcpu *vcpu;
	struct vm *vm;
	uint64_t word;
	pthread_t th;

	vm = vm_create(RAM);
	vcpu = vcpu_add(vm, 0, guest_wait_release);
	/* Interrupts exit, so that this thread gets the CPU (vm_util.h). */
	vcpu_set_if(vcpu, true);
	m = monitor_attach(vm, 0, 0);
	ASSERT_EQ(pthread_create(&th, NULL, run_thread, vcpu), 0);
	while (!READ_ONCE(guest_global(vm, guest_wait_started)))
		usleep(1000);
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS, 0, &r, NULL, NULL),
		     EBUSY);
	ASSERT_ERRNO(xlate(m, 0, 0x100000, &t), EBUSY);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, ALTP2M_MON_MEM_GVA,
			       0, ALTP2M_MON_VIEW_CURRENT, 0x100000, &word,
			       sizeof(word), NULL), EBUSY);
	/* By gpa no vCPU is needed. */
	ASSERT_EQ(mread(m, 0, 0, 0x100000, &word, sizeof(word), NULL),
		  sizeof(word));
	monitor_pause(m, -1);
	ASSERT_EQ(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
			      ALTP2M_MON_STATE_REGS, 0, &r, NULL, NULL), 0);
	ASSERT_EQ(xlate(m, 0, 0x100000, &t), 0);
	ASSERT_EQ(t.gpa, 0x100000);
	guest_global(vm, guest_wait_go) = 1;
	monitor_resume(m, -1);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	assert_ucall_sync(vcpu, 1);
	monitor_close(m);
	vm_free(vm);
}

static uint64_t parked_word;

/* Asks its monitor (sync), then reports what parked_word holds. */
static void guest_parked(void)
{
	WRITE_ONCE(parked_word, 0x1111);
	guest_monitor_request((uint64_t)(uintptr_t)&parked_word, 0, 0, 0);
	GUEST_SYNC(READ_ONCE(parked_word));
}

/*
 * Parked on a sync event, its thread asleep inside ALTP2M_RUN: the
 * monitor reads its registers, reads and writes its memory by the
 * linear address the event carried and translates it; the guest goes on
 * with what the monitor wrote.
 */
TEST(parked_vcpu)
{
	struct altp2m_monitor_translate t;
	struct altp2m_monitor_event ev;
	struct altp2m_regs r = {};
	uint64_t word, gva;
	struct monitor *m;
	struct vcpu *vcpu;
	struct vm *vm;
	pthread_t th;

	vm = vm_create(RAM);
	vcpu = vcpu_add(vm, 0, guest_parked);
	m = monitor_attach(vm, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	ASSERT_EQ(pthread_create(&th, NULL, run_thread, vcpu), 0);
	monitor_wait_event(m, &ev);
	ASSERT_EQ(ev.type, ALTP2M_MON_EV_GUEST_REQUEST);
	gva = ev.u.guest_request.args[0];
	ASSERT_EQ(gva, (uint64_t)(uintptr_t)&parked_word);

	ASSERT_EQ(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
			      ALTP2M_MON_STATE_REGS, 0, &r, NULL, NULL), 0);
	ASSERT_EQ(r.rbx, gva);
	ASSERT_EQ(r.rsp, ev.regs.rsp);
	ASSERT_EQ(mread(m, ALTP2M_MON_MEM_GVA, ALTP2M_MON_VIEW_CURRENT, gva,
			&word, sizeof(word), NULL), sizeof(word));
	ASSERT_EQ(word, 0x1111);
	ASSERT_EQ(xlate(m, ALTP2M_MON_XLATE_WRITE, gva, &t), 0);
	ASSERT_EQ(t.gpa, gva);
	word = 0x2222;
	ASSERT_EQ(mwrite(m, ALTP2M_MON_MEM_GVA, 0, gva, &word, sizeof(word)),
		  sizeof(word));
	/* The thread is still parked: RUN has not returned. */
	ASSERT_EQ(pthread_tryjoin_np(th, NULL), EBUSY);
	monitor_continue(m, &ev);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	assert_ucall_sync(vcpu, 0x2222);
	/* Answered and not paused: busy again. */
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS, 0, &r, NULL, NULL),
		     EBUSY);
	monitor_close(m);
	vm_free(vm);
}

TEST(state_get_set)
{
	struct altp2m_msr_entry e[2] = {
		{ .index = MSR_IA32_SYSENTER_CS },
		{ .index = MSR_IA32_SYSENTER_ESP },
	};
	struct altp2m_msrs msrs = {
		.nmsrs = 2,
		.entries = (uint64_t)(uintptr_t)e,
	};
	struct altp2m_regs r = {}, before;
	struct altp2m_sregs s = {};
	struct monitor *m;
	struct vcpu *vcpu;
	struct vm *vm;

	m = setup(&vm, &vcpu, 0);
	vcpu_set_msr(vcpu, MSR_IA32_SYSENTER_CS, 0x10);
	vcpu_set_msr(vcpu, MSR_IA32_SYSENTER_ESP, 0x1234000);
	monitor_pause(m, 0);
	ASSERT_EQ(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
			      ALTP2M_MON_STATE_REGS | ALTP2M_MON_STATE_SREGS |
			      ALTP2M_MON_STATE_MSRS, 0, &r, &s, &msrs), 0);
	ASSERT_EQ(e[0].value, 0x10);
	ASSERT_EQ(e[1].value, 0x1234000);
	before = r;

	/* SET: the guest's argument; its MSRs. */
	r.rdi = 0x5eed;
	e[0].value = 0x20;
	e[1].value = 0x4321000;
	ASSERT_EQ(state_ioctl(m, ALTP2M_MONITOR_SET_VCPU_STATE,
			      ALTP2M_MON_STATE_REGS | ALTP2M_MON_STATE_SREGS |
			      ALTP2M_MON_STATE_MSRS, 0, &r, &s, &msrs), 0);
	ASSERT_EQ(vcpu_get_msr(vcpu, MSR_IA32_SYSENTER_CS), 0x20);
	ASSERT_EQ(vcpu_get_msr(vcpu, MSR_IA32_SYSENTER_ESP), 0x4321000);

	/* All or nothing: an MSR it may not write keeps the registers. */
	r.rdi = 0xbad;
	e[1].index = 0xc0010000;	/* an AMD MSR no guest here has */
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_SET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS |
				 ALTP2M_MON_STATE_MSRS, 0, &r, NULL, &msrs),
		     EINVAL);
	vcpu_regs_get(vcpu, &before);
	ASSERT_EQ(before.rdi, 0x5eed);
	ASSERT_EQ(vcpu_get_msr(vcpu, MSR_IA32_SYSENTER_CS), 0x20);
	/* ... and so does a padding field of another part. */
	e[1].index = MSR_IA32_SYSENTER_ESP;
	s.pad = 1;
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_SET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS | ALTP2M_MON_STATE_SREGS,
				 0, &r, &s, NULL), EINVAL);
	s.pad = 0;
	r.flags = 1;
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_SET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS, 0, &r, NULL, NULL),
		     EINVAL);
	r.flags = 0;
	vcpu_regs_get(vcpu, &before);
	ASSERT_EQ(before.rdi, 0x5eed);

	/* The argument's form. */
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE, 0, 0, NULL,
				 NULL, NULL), EINVAL);
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE, 8, 0, &r,
				 NULL, NULL), EINVAL);
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS, 0, &r, &s, NULL),
		     EINVAL);
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS, 0, (void *)8, NULL,
				 NULL), EFAULT);

	monitor_resume(m, 0);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x5eed);
	monitor_close(m);
	vm_free(vm);
}

/* Physical: view 0, a view with a remap, a hole, the limits. */
TEST(mem_by_gpa)
{
	static uint8_t buf[3 * 4096], want[3 * 4096];
	const uint64_t a = 0x180000, b = 0x1c0000;
	uint64_t fault, done;
	struct monitor *m;
	struct vcpu *vcpu;
	uint16_t view;
	struct vm *vm;
	void *big;

	m = setup(&vm, &vcpu, 0);
	fill(addr_gpa2hva(vm, a - 4096), sizeof(want), 1);
	fill(addr_gpa2hva(vm, b), 4096, 99);

	/* Across pages, through view 0. */
	ASSERT_EQ(mread(m, 0, 0, a - 100, buf, 4296, &fault), 4296);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, a - 100), 4296), 0);
	fill(want, sizeof(want), 42);
	ASSERT_EQ(mwrite(m, 0, 0, a - 4000, want, 8000), 8000);
	ASSERT_EQ(memcmp(addr_gpa2hva(vm, a - 4000), want, 8000), 0);

	/* A view remapping A to B reads and writes B there, rights aside. */
	vm_views_enable(vm, 0);
	view = vm_view_create(vm, ALTP2M_ACCESS_N);
	vm_remap_gfn(vm, view, a >> 12, b >> 12);
	ASSERT_EQ(mread(m, 0, view, a, buf, 4096, NULL), 4096);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, b), 4096), 0);
	ASSERT_EQ(mread(m, 0, 0, a, buf, 4096, NULL), 4096);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, a), 4096), 0);
	memcpy(want, addr_gpa2hva(vm, a), 4096);
	fill(buf, 4096, 7);
	ASSERT_EQ(mwrite(m, 0, view, a + 16, buf, 64), 64);
	ASSERT_EQ(memcmp(addr_gpa2hva(vm, b + 16), buf, 64), 0);
	ASSERT_EQ(memcmp(addr_gpa2hva(vm, a), want, 4096), 0);
	/* The page after A is not remapped: a read across sees both. */
	ASSERT_EQ(mread(m, 0, view, a + 4000, buf, 200, NULL), 200);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, b + 4000), 96), 0);
	ASSERT_EQ(memcmp(buf + 96, addr_gpa2hva(vm, a + 4096), 104), 0);
	/* Views that do not exist. */
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, 0, 0, view + 1, a,
			       buf, 8, NULL), ENOENT);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, 0, 0,
			       ALTP2M_MAX_VIEWS, a, buf, 8, NULL), EINVAL);

	/* A hole (the end of RAM): what is before it, and where it is. */
	fault = 0;
	done = mread(m, 0, 0, RAM - 100, buf, 300, &fault);
	ASSERT_EQ(done, 100);
	ASSERT_EQ(fault, RAM);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, RAM - 100), 100), 0);
	ASSERT_EQ(mwrite(m, 0, 0, RAM - 8, buf, 16), 8);
	ASSERT_EQ(mread(m, 0, 0, 1ULL << 40, buf, 16, &fault), 0);
	ASSERT_EQ(fault, 1ULL << 40);

	/* Limits and form. */
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, 0, 0, 0, a, buf, 0,
			       NULL), EINVAL);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, 0, 0, 0, a, buf,
			       ALTP2M_MONITOR_MAX_MEM + 1, NULL), EINVAL);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, 0, 0,
			       ALTP2M_MON_VIEW_CURRENT, a, buf, 8, NULL),
		     EINVAL);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, 0, 1, 0, a, buf, 8,
			       NULL), EINVAL);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, 2, 0, 0, a, buf, 8,
			       NULL), EINVAL);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, 0, 0, 0, ~0ULL - 3,
			       buf, 8, NULL), EINVAL);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, 0, 0, 0, a,
			       (void *)8, 8, NULL), EFAULT);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_WRITE_MEM, 0, 0, 0, a,
			       (void *)8, 8, NULL), EFAULT);
	big = malloc(ALTP2M_MONITOR_MAX_MEM);
	ASSERT_TRUE(big);
	ASSERT_EQ(mread(m, 0, 0, 2 * MB, big, ALTP2M_MONITOR_MAX_MEM, NULL),
		  ALTP2M_MONITOR_MAX_MEM);
	ASSERT_EQ(memcmp(big, addr_gpa2hva(vm, 2 * MB),
			 ALTP2M_MONITOR_MAX_MEM), 0);
	free(big);
	monitor_close(m);
	vm_free(vm);
}

static sigjmp_buf bus_jmp;

static void on_fault(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/* Read @p: 0, or the signal the read raised (SIGBUS, SIGSEGV). */
static int touch(volatile uint64_t *p)
{
	struct sigaction sa = { .sa_handler = on_fault }, ob, os;
	int sig;

	sigaction(SIGBUS, &sa, &ob);
	sigaction(SIGSEGV, &sa, &os);
	sig = sigsetjmp(bus_jmp, 1);
	if (!sig)
		(void)*p;
	sigaction(SIGBUS, &ob, NULL);
	sigaction(SIGSEGV, &os, NULL);
	return sig;
}

static void *map_gpa(struct monitor *m, uint64_t gpa, uint64_t len,
		     int flags)
{
	return mmap(NULL, len, PROT_READ | PROT_WRITE, flags, m->fd,
		    ALTP2M_MONITOR_MEM_OFFSET + gpa);
}

/*
 * Guest RAM mapped through the monitor fd: the same pages as the VMM's
 * and the guest's (a write through the mapping is what the guest reads),
 * SIGBUS for what is not RAM, regions added, moved and deleted while it
 * is mapped, not inherited by a child, and the mmap()s refused.
 */
TEST(mem_mapped)
{
	const uint64_t a = 0x180000, r1 = 16 * MB, r2 = 32 * MB;
	struct altp2m_caps caps;
	uint8_t *ram, *hva, *at1, *at2;
	struct monitor *m;
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	int status;
	pid_t pid;

	vm = vm_create(RAM);
	vcpu = vcpu_add(vm, 0, guest_read_u64);
	vcpu_args_set(vcpu, 1, a + 8);
	m = monitor_attach(vm, 0, 0);
	vm_caps(vm, &caps);
	ASSERT_TRUE(caps.features & ALTP2M_FEATURE_MONITOR_MAP);

	/* All of RAM and the page after it. */
	ram = map_gpa(m, 0, RAM + 4096, MAP_SHARED);
	ASSERT_NE(ram, MAP_FAILED);
	fill(addr_gpa2hva(vm, a), 4096, 3);
	ASSERT_EQ(memcmp(ram + a, addr_gpa2hva(vm, a), 4096), 0);
	*(volatile uint64_t *)(ram + a + 8) = 0x1122334455667788ULL;
	ASSERT_EQ(*(uint64_t *)addr_gpa2hva(vm, a + 8), 0x1122334455667788ULL);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 0x1122334455667788ULL);
	EXPECT_EQ(touch((uint64_t *)(ram + RAM)), SIGBUS);

	/* A region added under a mapping made before it. */
	at1 = map_gpa(m, r1, 2 * MB, MAP_SHARED);
	at2 = map_gpa(m, r2, 2 * MB, MAP_SHARED);
	ASSERT_NE(at1, MAP_FAILED);
	ASSERT_NE(at2, MAP_FAILED);
	EXPECT_EQ(touch((uint64_t *)at1), SIGBUS);
	hva = vm_add_region(vm, 1, r1, 2 * MB);
	fill(hva, 2 * MB, 9);
	ASSERT_EQ(memcmp(at1, hva, 2 * MB), 0);
	/* Moved: gone from the old gpa, found at the new one. */
	vm_move_region(vm, 1, r2);
	EXPECT_EQ(touch((uint64_t *)at1), SIGBUS);
	EXPECT_EQ(touch((uint64_t *)(at1 + MB)), SIGBUS);
	ASSERT_EQ(memcmp(at2, hva, 2 * MB), 0);
	/* A child of the daemon has no guest RAM. */
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(touch((uint64_t *)(ram + a)) == SIGSEGV ? 0 : 1);
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* Deleted (and its memory freed by the VMM): SIGBUS, not its pages. */
	vm_delete_region(vm, 1);
	EXPECT_EQ(touch((uint64_t *)at2), SIGBUS);
	EXPECT_EQ(touch((uint64_t *)(at2 + 2 * MB - 8)), SIGBUS);
	EXPECT_EQ(*(volatile uint64_t *)(ram + a + 8), 0x1122334455667788ULL);

	/* Shared only, within the guest-physical width. */
	EXPECT_EQ(map_gpa(m, 0, 4096, MAP_PRIVATE), MAP_FAILED);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(map_gpa(m, 1ULL << caps.gpa_bits, 4096, MAP_SHARED),
		  MAP_FAILED);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(map_gpa(m, (1ULL << caps.gpa_bits) - 4096, 8192,
			  MAP_SHARED), MAP_FAILED);
	EXPECT_EQ(errno, EINVAL);
	munmap(at1, 2 * MB);
	munmap(at2, 2 * MB);
	munmap(ram, RAM + 4096);
	monitor_close(m);
	vm_free(vm);
}

/* The PTE of @gva in the first 2 MiB (4 KiB pages there: x86.c). */
static uint64_t *pt0_entry(struct vm *vm, uint64_t gva)
{
	return (uint64_t *)addr_gpa2hva(vm, GUEST_PT0_GPA + (gva >> 12) * 8);
}

/* Linear, with the selftest guest's 4-level identity paging. */
TEST(mem_by_gva)
{
	static uint8_t buf[2 * 4096], want[2 * 4096];
	const uint64_t gva = 0x100000;
	struct altp2m_monitor_mem a;
	uint64_t fault, done;
	struct monitor *m;
	struct vcpu *vcpu;
	uint16_t view;
	struct vm *vm;

	m = setup(&vm, &vcpu, 0);
	fill(addr_gpa2hva(vm, gva - 4096), 3 * 4096, 5);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, ALTP2M_MON_MEM_GVA,
			       0, ALTP2M_MON_VIEW_CURRENT, gva, buf, 8, NULL),
		     EBUSY);
	monitor_pause(m, 0);
	ASSERT_EQ(mread(m, ALTP2M_MON_MEM_GVA, ALTP2M_MON_VIEW_CURRENT,
			gva - 50, buf, 4196, NULL), 4196);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, gva - 50), 4196), 0);
	/* 2 MiB pages above the first 2 MiB. */
	ASSERT_EQ(mread(m, ALTP2M_MON_MEM_GVA, 0, 3 * MB - 10, buf, 20,
			NULL), 20);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, 3 * MB - 10), 20), 0);

	/* The page after gva is not mapped: the copy stops there. */
	*pt0_entry(vm, gva + 4096) &= ~PTE_PRESENT;
	fault = 0;
	done = mread(m, ALTP2M_MON_MEM_GVA, ALTP2M_MON_VIEW_CURRENT,
		     gva + 4000, buf, 200, &fault);
	ASSERT_EQ(done, 96);
	ASSERT_EQ(fault, gva + 4096);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, gva + 4000), 96), 0);
	fill(want, sizeof(want), 77);
	ASSERT_EQ(mem_ioctl(m, ALTP2M_MONITOR_WRITE_MEM, ALTP2M_MON_MEM_GVA, 0,
			    0, gva + 4000, want, 200, &a), 0);
	ASSERT_EQ(a.done, 96);
	ASSERT_EQ(a.fault_addr, gva + 4096);
	ASSERT_EQ(memcmp(addr_gpa2hva(vm, gva + 4000), want, 96), 0);
	/* Page 0 is never mapped. */
	ASSERT_EQ(mread(m, ALTP2M_MON_MEM_GVA, 0, 0x10, buf, 8, &fault), 0);
	ASSERT_EQ(fault, 0x10);

	/*
	 * Through a view that remaps the data page: the walk gives the gpa,
	 * the view the frame.
	 */
	*pt0_entry(vm, gva + 4096) |= PTE_PRESENT;
	vm_views_enable(vm, 0);
	view = vm_view_create(vm, ALTP2M_ACCESS_RWX);
	vm_remap_gfn(vm, view, gva >> 12, (gva >> 12) + 2);
	ASSERT_EQ(mread(m, ALTP2M_MON_MEM_GVA, view, gva, buf, 64, NULL), 64);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, gva + 2 * 4096), 64), 0);
	ASSERT_EQ(mread(m, ALTP2M_MON_MEM_GVA, ALTP2M_MON_VIEW_CURRENT, gva,
			buf, 64, NULL), 64);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, gva), 64), 0);
	monitor_resume(m, 0);
	vcpu_set_view(vcpu, view);
	monitor_pause(m, 0);
	ASSERT_EQ(mread(m, ALTP2M_MON_MEM_GVA, ALTP2M_MON_VIEW_CURRENT, gva,
			buf, 64, NULL), 64);
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, gva + 2 * 4096), 64), 0);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, ALTP2M_MON_MEM_GVA,
			       0, view + 1, gva, buf, 8, NULL), ENOENT);
	ASSERT_ERRNO(mem_ioctl(m, ALTP2M_MONITOR_READ_MEM, ALTP2M_MON_MEM_GVA,
			       1, 0, gva, buf, 8, NULL), ENOENT);
	monitor_resume(m, 0);
	monitor_close(m);
	vm_free(vm);
}

/*
 * PAE paging, set through SET_VCPU_STATE (the module reads the PDPTEs
 * there): a 32-bit linear address through PDPT, PD and PT.
 */
TEST(mem_by_gva_pae)
{
	const uint64_t pdpt = 0x200000, pd = 0x201000, pt = 0x202000;
	const uint64_t data = 0x280000, la = 0x40123000;
	struct altp2m_monitor_translate t;
	struct altp2m_sregs s = {};
	struct altp2m_regs r = {};
	uint64_t *e, fault;
	struct monitor *m;
	struct vcpu *vcpu;
	uint8_t buf[64];
	struct vm *vm;

	m = setup(&vm, &vcpu, 0);
	/* la: PDPT index 1, PD index 0, PT index 0x123. */
	e = addr_gpa2hva(vm, pdpt);
	memset(e, 0, 4096);
	e[1] = pd | PTE_PRESENT;
	e = addr_gpa2hva(vm, pd);
	memset(e, 0, 4096);
	e[0] = pt | PTE_PRESENT | PTE_WRITE;
	e = addr_gpa2hva(vm, pt);
	memset(e, 0, 4096);
	e[0x123] = data | PTE_PRESENT | PTE_WRITE;
	fill(addr_gpa2hva(vm, data), 4096, 3);

	monitor_pause(m, 0);
	ASSERT_EQ(state_ioctl(m, ALTP2M_MONITOR_GET_VCPU_STATE,
			      ALTP2M_MON_STATE_REGS | ALTP2M_MON_STATE_SREGS,
			      0, &r, &s, NULL), 0);
	s.efer = 0;
	s.cr4 = X86_CR4_PAE;
	s.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET | X86_CR0_NE;
	s.cr3 = pdpt;
	s.cs.l = 0;
	s.cs.db = 1;
	/* A reserved bit in a PDPTE: refused, the registers untouched. */
	e = addr_gpa2hva(vm, pdpt);
	e[2] = pd | PTE_PRESENT | PTE_WRITE;
	r.rbx = 0xbad;
	ASSERT_ERRNO(state_ioctl(m, ALTP2M_MONITOR_SET_VCPU_STATE,
				 ALTP2M_MON_STATE_REGS |
				 ALTP2M_MON_STATE_SREGS, 0, &r, &s, NULL),
		     EINVAL);
	ASSERT_EQ(xlate(m, 0, 0x100000, &t), 0);
	ASSERT_EQ(t.levels, 4);	/* still 4-level paging */
	vcpu_regs_get(vcpu, &r);
	ASSERT_NE(r.rbx, 0xbad);
	e[2] = 0;
	ASSERT_EQ(state_ioctl(m, ALTP2M_MONITOR_SET_VCPU_STATE,
			      ALTP2M_MON_STATE_SREGS, 0, NULL, &s, NULL), 0);

	ASSERT_EQ(mread(m, ALTP2M_MON_MEM_GVA, 0, la + 8, buf, sizeof(buf),
			NULL), sizeof(buf));
	ASSERT_EQ(memcmp(buf, addr_gpa2hva(vm, data + 8), sizeof(buf)), 0);
	/* Bits 63:32 of a linear address do not exist outside IA-32e. */
	ASSERT_EQ(mread(m, ALTP2M_MON_MEM_GVA, 0, (1ULL << 32) | (la + 8), buf,
			sizeof(buf), NULL), sizeof(buf));
	ASSERT_EQ(xlate(m, 0, la + 0x45, &t), 0);
	ASSERT_EQ(t.gpa, data + 0x45);
	ASSERT_EQ(t.levels, 3);
	/* The next page's PTE is empty. */
	ASSERT_EQ(mread(m, ALTP2M_MON_MEM_GVA, 0, la + 4090, buf, 20, &fault),
		  6);
	ASSERT_EQ(fault, la + 4096);
	ASSERT_ERRNO(xlate(m, ALTP2M_MON_XLATE_WRITE, la + 4096, &t), ENXIO);
	ASSERT_EQ(t.error, ALTP2M_MON_XLATE_WRITE);
	ASSERT_EQ(t.levels, 3);
	monitor_resume(m, 0);
	monitor_close(m);
	vm_free(vm);
}

TEST(translate)
{
	/* PML4, PDPT, PD and PT index all 0x1ed: the PML4 maps itself. */
	const uint64_t idx = 0x1ed;
	const uint64_t loop = 0xffff000000000000ULL | idx << 39 | idx << 30 |
			      idx << 21 | idx << 12 | 0x18;
	struct altp2m_monitor_translate t;
	struct monitor *m;
	struct vcpu *vcpu;
	struct vm *vm;
	uint64_t *pml4;

	m = setup(&vm, &vcpu, 0);
	monitor_pause(m, 0);
	ASSERT_EQ(xlate(m, 0, 0x123456, &t), 0);
	ASSERT_EQ(t.gpa, 0x123456);
	ASSERT_EQ(t.levels, 4);
	ASSERT_EQ(t.error, 0);
	ASSERT_EQ(xlate(m, ALTP2M_MON_XLATE_WRITE, 0x40000123, &t), 0);
	ASSERT_EQ(t.gpa, 0x40000123);
	ASSERT_EQ(t.levels, 3);		/* a 2 MiB page */

	/* Not present: the #PF error code, the levels read. */
	ASSERT_ERRNO(xlate(m, 0, 0x10, &t), ENXIO);
	ASSERT_EQ(t.error, 0);
	ASSERT_EQ(t.levels, 4);
	ASSERT_ERRNO(xlate(m, ALTP2M_MON_XLATE_WRITE | ALTP2M_MON_XLATE_USER,
			   0x10, &t), ENXIO);
	ASSERT_EQ(t.error, ALTP2M_MON_XLATE_WRITE | ALTP2M_MON_XLATE_USER);
	ASSERT_ERRNO(xlate(m, 0, 1ULL << 40, &t), ENXIO);
	ASSERT_EQ(t.levels, 1);		/* PML4 entry 2 is empty */
	/* Present but supervisor-only: P and U/S in the code. */
	ASSERT_ERRNO(xlate(m, ALTP2M_MON_XLATE_USER, 0x123456, &t), ENXIO);
	ASSERT_EQ(t.error, 1 | ALTP2M_MON_XLATE_USER);
	ASSERT_EQ(t.levels, 4);
	/* Non-canonical: no walk, no #PF. */
	ASSERT_ERRNO(xlate(m, 0, 1ULL << 47, &t), ENXIO);
	ASSERT_EQ(t.error, 0);
	ASSERT_EQ(t.levels, 0);

	/* Tables that point at themselves: four levels, then a page. */
	pml4 = addr_gpa2hva(vm, GUEST_PML4_GPA);
	pml4[idx] = GUEST_PML4_GPA | PTE_PRESENT | PTE_WRITE;
	ASSERT_EQ(xlate(m, 0, loop, &t), 0);
	ASSERT_EQ(t.levels, 4);
	ASSERT_EQ(t.gpa, GUEST_PML4_GPA + 0x18);
	/* A loop through a PS entry there ends at the PDPT: a 1 GiB page. */
	pml4[idx] |= PTE_LARGE;
	ASSERT_ERRNO(xlate(m, 0, loop, &t), ENXIO);
	ASSERT_EQ(t.error, 1 | 8);	/* reserved bit (PS in a PML4E) */
	ASSERT_EQ(t.levels, 1);

	/* Form. */
	ASSERT_ERRNO(xlate(m, ALTP2M_MON_XLATE_WRITE | ALTP2M_MON_XLATE_FETCH,
			   0x123456, &t), EINVAL);
	ASSERT_ERRNO(xlate(m, 1, 0x123456, &t), EINVAL);
	t = (struct altp2m_monitor_translate){ .gva = 0x123456,
					       .reserved[1] = 1 };
	ASSERT_ERRNO(ioctl(m->fd, ALTP2M_MONITOR_TRANSLATE, &t), EINVAL);
	t = (struct altp2m_monitor_translate){ .vcpu = 3, .gva = 0x123456 };
	ASSERT_ERRNO(ioctl(m->fd, ALTP2M_MONITOR_TRANSLATE, &t), ENOENT);
	ASSERT_ERRNO(ioctl(m->fd, _IO(ALTP2MIO, 0x4f), 0), ENOTTY);
	monitor_resume(m, 0);
	monitor_close(m);
	vm_free(vm);
}

static uint32_t views_now(struct vm *vm, uint32_t *present)
{
	struct altp2m_view_info info[16];
	uint32_t cursor = 0, n, i;

	n = vm_list_views(vm, &cursor, info, 16);
	*present = 0;
	for (i = 0; i < n; i++)
		*present |= 1U << info[i].view;
	return n;
}

static uint16_t mon_view_create(struct monitor *m)
{
	struct altp2m_view_create c = { .default_access = ALTP2M_ACCESS_RWX };

	TEST_ASSERT(!ioctl(m->fd, ALTP2M_CREATE_VIEW, &c), "CREATE_VIEW: %s",
		    strerror(errno));
	return c.view;
}

/*
 * The VM fd's view ioctls through the monitor fd, and DROP_VIEWS: the
 * close destroys the views made through the fd (moving a vCPU off one
 * first), not one made through the VM fd, not one someone else
 * destroyed, nor the view that took its index afterwards.
 */
TEST(views_through_the_monitor)
{
	struct altp2m_views_enable en = {};
	struct altp2m_vm_status st = {};
	struct altp2m_gfn_get g = {};
	struct altp2m_gfn_set set = {};
	struct altp2m_batch_op op = {};
	struct altp2m_batch b = {};
	uint16_t mine, gone, theirs, later;
	struct monitor *m;
	struct vcpu *vcpu;
	uint32_t present;
	struct vm *vm;

	m = setup(&vm, &vcpu, ALTP2M_MONITOR_DROP_VIEWS);
	ASSERT_EQ(ioctl(m->fd, ALTP2M_VIEWS_ENABLE, &en), 0);
	ASSERT_EQ(ioctl(m->fd, ALTP2M_GET_VM_STATUS, &st), 0);
	ASSERT_EQ(st.views_enabled, 1);
	ASSERT_EQ(st.vm_id, vm->id);
	theirs = vm_view_create(vm, ALTP2M_ACCESS_RWX);
	mine = mon_view_create(m);
	gone = mon_view_create(m);
	ASSERT_EQ(views_now(vm, &present), 4);

	set.view = mine;
	set.gfn = 0x100;
	set.npages = 1;
	set.value = ALTP2M_ACCESS_R;
	ASSERT_EQ(ioctl(m->fd, ALTP2M_SET_MEM_ACCESS, &set), 0);
	ASSERT_EQ(vm_get_mem_access(vm, mine, 0x100), ALTP2M_ACCESS_R);
	g.view = mine;
	g.gfn = 0x100;
	ASSERT_EQ(ioctl(m->fd, ALTP2M_GET_MEM_ACCESS, &g), 0);
	ASSERT_EQ(g.access, ALTP2M_ACCESS_R);
	op.op = ALTP2M_BATCH_SET_ACCESS;
	op.view = theirs;
	op.gfn = 0x101;
	op.npages = 1;
	op.value = ALTP2M_ACCESS_RX;
	b.nr_ops = 1;
	b.ops = (uint64_t)(uintptr_t)&op;
	ASSERT_EQ(ioctl(m->fd, ALTP2M_BATCH, &b), 0);
	ASSERT_EQ(vm_get_mem_access(vm, theirs, 0x101), ALTP2M_ACCESS_RX);

	/* Someone else destroys one, and the next view takes its index. */
	vm_view_destroy(vm, gone);
	later = vm_view_create(vm, ALTP2M_ACCESS_RWX);
	ASSERT_EQ(later, gone);
	/* A vCPU on the monitor's view goes to view 0 first. */
	vcpu_set_view(vcpu, mine);

	monitor_close(m);
	ASSERT_EQ(views_now(vm, &present), 3);
	ASSERT_EQ(present, 1U << 0 | 1U << theirs | 1U << later);
	ASSERT_EQ(vcpu_get_view(vcpu), 0);
	vcpu_run(vcpu);
	assert_ucall_sync_any(vcpu);
	vm_free(vm);
}

/* Without DROP_VIEWS the monitor's views stay; so does a VM's own. */
TEST(views_kept_without_drop)
{
	struct monitor *m;
	struct vcpu *vcpu;
	uint32_t present;
	uint16_t mine;
	struct vm *vm;

	m = setup(&vm, &vcpu, 0);
	vm_views_enable(vm, 0);
	mine = mon_view_create(m);
	monitor_close(m);
	ASSERT_EQ(views_now(vm, &present), 2);
	ASSERT_EQ(present, 1U << 0 | 1U << mine);
	/* A second monitor with DROP_VIEWS leaves the first one's views. */
	m = monitor_attach(vm, ALTP2M_MONITOR_DROP_VIEWS, 0);
	monitor_close(m);
	ASSERT_EQ(views_now(vm, &present), 2);
	vm_free(vm);
}

TEST_HARNESS_MAIN
