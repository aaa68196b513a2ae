// SPDX-License-Identifier: GPL-2.0
/*
 * Monitors (the uAPI's "Monitors"): attaching, the rings and their
 * mapping, GET_INFO and SET_EVENT, the guest's request as a sync and an
 * async event, full rings, pausing, responses that must be refused, a
 * monitor that dies with vCPUs parked, and RUN interrupted while parked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/monitor_util.h"
#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define REQ_NR	(ALTP2M_HC_BASE + ALTP2M_HC_MONITOR_REQUEST)

/* Counted by the spinning guests, read by the host. */
static volatile uint64_t guest_count[2];
/* How many requests guest_requests() makes. */
static uint64_t guest_nr_requests;

/* One request with known arguments; RAX comes back in a GUEST_SYNC. */
static void guest_one_request(void)
{
	GUEST_SYNC(guest_monitor_request(0x11, 0x22, 0x33, 0x44));
	GUEST_DONE();
}

/* @guest_nr_requests requests; each result goes out in a GUEST_SYNC. */
static void guest_requests(void)
{
	uint64_t i, n = guest_nr_requests;

	for (i = 0; i < n; i++)
		GUEST_SYNC(guest_monitor_request(i, 0, 0, 0));
	GUEST_DONE();
}

/* Counts forever in guest_count[id] (id in RDI). */
static void guest_spin(uint64_t id)
{
	for (;;)
		guest_count[id & 1]++;
}

/* Requests then counts forever: a sync one parks before the counting. */
static void guest_request_then_spin(uint64_t id)
{
	guest_monitor_request(id, 0, 0, 0);
	for (;;)
		guest_count[id & 1]++;
}

/*
 * A thread in ALTP2M_RUN: to the next ucall (start()), or for a guest that
 * never makes one, until a signal ends RUN (start_spin(): @ret and @err).
 */
struct runner {
	struct vcpu *vcpu;
	pthread_t th;
	bool spin;
	int ret;
	int err;
	struct ucall uc;
	uint64_t type;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;

	if (r->spin) {
		r->ret = _vcpu_run(r->vcpu);
		r->err = errno;
	} else {
		r->type = vcpu_run_ucall(r->vcpu, &r->uc);
	}
	return NULL;
}

static void start(struct runner *r, struct vcpu *vcpu)
{
	r->vcpu = vcpu;
	r->spin = false;
	TEST_ASSERT(!pthread_create(&r->th, NULL, run_thread, r), "thread");
}

static void start_spin(struct runner *r, struct vcpu *vcpu)
{
	r->vcpu = vcpu;
	r->spin = true;
	TEST_ASSERT(!pthread_create(&r->th, NULL, run_thread, r), "thread");
}

/* End a spinning runner with a signal: its RUN returns EINTR. */
static void stop_spin(struct runner *r)
{
	pthread_kill(r->th, SIGUSR1);
	TEST_ASSERT(!pthread_join(r->th, NULL), "join");
	TEST_ASSERT(r->ret == -1 && r->err == EINTR,
		    "RUN of a spinning guest: %d, %s", r->ret,
		    strerror(r->err));
}

static void join(struct runner *r)
{
	TEST_ASSERT(!pthread_join(r->th, NULL), "join");
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

TEST(attach_rules)
{
	struct altp2m_monitor_attach a = { 0 };
	struct vm *vm = vm_create_bare();
	struct vm *other = vm_create_bare();
	int fd, fd2;

	/* Owner, through the VM fd; O_CLOEXEC. */
	fd = __monitor_attach(vm->fd, &a);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(a.ring_entries, ALTP2M_MONITOR_DEFAULT_RING);
	EXPECT_EQ(a.ring_bytes, 4096 + ALTP2M_MONITOR_DEFAULT_RING * 512);
	EXPECT_EQ(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	/* One monitor per VM, by either door. */
	a = (struct altp2m_monitor_attach){ 0 };
	EXPECT_EQ(__monitor_attach(vm->fd, &a), -1);
	EXPECT_EQ(errno, EBUSY);
	a = (struct altp2m_monitor_attach){ .vm_id = vm->id };
	EXPECT_EQ(__monitor_attach(vm->dev_fd, &a), -1);
	EXPECT_EQ(errno, EBUSY);
	close(fd);
	/* Gone with its fd: attach again through /dev/altp2m. */
	a = (struct altp2m_monitor_attach){ .vm_id = vm->id,
					    .ring_entries = 2 };
	fd = __monitor_attach(vm->dev_fd, &a);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(a.ring_bytes, 8192);
	/* The same struct again, its out fields filled: no EINVAL. */
	close(fd);
	fd = __monitor_attach(vm->dev_fd, &a);
	ASSERT_GE(fd, 0);
	/* Another VM is another monitor. */
	a = (struct altp2m_monitor_attach){ 0 };
	fd2 = __monitor_attach(other->fd, &a);
	EXPECT_GE(fd2, 0);
	close(fd2);
	close(fd);

	/* Malformed. */
	{
		struct altp2m_monitor_attach bad[] = {
			{ .flags = 2 },
			{ .pad = 1 },
			{ .reserved[3] = 1 },
			{ .ring_entries = 3 },
			{ .ring_entries = 1 },
			{ .ring_entries = ALTP2M_MONITOR_MAX_RING * 2 },
			{ .vm_id = other->id },	/* on vm's fd */
		};
		unsigned int i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			a = bad[i];
			EXPECT_EQ(__monitor_attach(vm->fd, &a), -1);
			EXPECT_EQ(errno, EINVAL);
		}
	}
	/* No such VM (ids start at 1; 0 and a free one). */
	a = (struct altp2m_monitor_attach){ .vm_id = 0x7ffffff0 };
	EXPECT_EQ(__monitor_attach(vm->dev_fd, &a), -1);
	EXPECT_EQ(errno, ENOENT);
	vm_free(other);
	vm_free(vm);
}

/* In a child: as nobody (the VM's creator is root), then in another netns. */
static int child_attach(int dev, uint32_t id, bool nobody)
{
	struct altp2m_monitor_attach a = { .vm_id = id };

	if (nobody) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			return 100;
		if (__monitor_attach(dev, &a) != -1 || errno != EPERM)
			return 1;
		return 0;
	}
	if (unshare(CLONE_NEWNET))
		return 100;
	if (__monitor_attach(dev, &a) != -1 || errno != ENOENT)
		return 2;
	return 0;
}

static int in_child(int dev, uint32_t id, bool nobody)
{
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(child_attach(dev, id, nobody));
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

TEST(attach_permission_and_netns)
{
	struct vm *vm = vm_create_bare();

	EXPECT_EQ(in_child(vm->dev_fd, vm->id, true), 0);
	EXPECT_EQ(in_child(vm->dev_fd, vm->id, false), 0);
	vm_free(vm);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	(void)sig;
	siglongjmp(bus_jmp, 1);
}

/* Touch @p: true when it faulted with SIGBUS. */
static bool sigbus_at(volatile uint32_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool bus = false;

	sigaction(SIGBUS, &sa, &old);
	if (sigsetjmp(bus_jmp, 1))
		bus = true;
	else
		(void)*p;
	sigaction(SIGBUS, &old, NULL);
	return bus;
}

TEST(mmap_rings)
{
	struct vm *vm = vm_create_bare();
	struct altp2m_monitor_ring *r;
	struct monitor *m;
	void *p;

	ASSERT_GE(__vm_create_vcpu(vm, 0), 0);
	m = monitor_attach(vm, 0, 4);
	EXPECT_EQ(m->ring_bytes, 4096 + 4096);
	r = monitor_ring(m, 0);
	EXPECT_EQ(r->entries, 4);
	EXPECT_EQ(r->vcpu, 0);
	EXPECT_EQ(r->prod, 0);
	EXPECT_EQ(r->dropped, 0);
	/* vCPU 1 does not exist: no pages, until it is created. */
	EXPECT_TRUE(sigbus_at(&monitor_ring(m, 1)->entries));
	ASSERT_GE(__vm_create_vcpu(vm, 1), 0);
	EXPECT_FALSE(sigbus_at(&monitor_ring(m, 1)->entries));
	EXPECT_EQ(monitor_ring(m, 1)->vcpu, 1);
	EXPECT_EQ(monitor_ring(m, 1)->entries, 4);
	/* Private, at an offset, or larger than every vCPU's: refused. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, m->fd, 0);
	EXPECT_EQ(p, MAP_FAILED);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, m->fd, 4096);
	EXPECT_EQ(p, MAP_FAILED);
	p = mmap(NULL, m->map_len + 4096, PROT_READ, MAP_SHARED, m->fd, 0);
	EXPECT_EQ(p, MAP_FAILED);
	monitor_close(m);
	vm_free(vm);
}

TEST(get_info_and_set_event)
{
	struct vm *vm = vm_create_bare();
	struct altp2m_monitor_info in = { 0 };
	struct monitor *m = monitor_attach(vm, 0, 0);
	struct altp2m_caps caps = { 0 };

	EXPECT_EQ(m->info.vm_id, vm->id);
	EXPECT_EQ(m->info.event_size, 512);
	EXPECT_EQ(m->info.ring_entries, ALTP2M_MONITOR_DEFAULT_RING);
	EXPECT_EQ(m->info.ring_bytes, m->ring_bytes);
	EXPECT_EQ(m->info.max_msrs, ALTP2M_MONITOR_MAX_MSRS);
	EXPECT_EQ(m->info.max_ops, ALTP2M_MONITOR_MAX_OPS);
	EXPECT_EQ(m->info.max_mem, ALTP2M_MONITOR_MAX_MEM);
	EXPECT_TRUE(m->info.singlestep == ALTP2M_MON_STEP_MTF ||
		    m->info.singlestep == ALTP2M_MON_STEP_TF);
	EXPECT_TRUE(m->info.events & (1ULL << ALTP2M_MON_EV_GUEST_REQUEST));
	EXPECT_TRUE(m->info.async_events &
		    (1ULL << ALTP2M_MON_EV_GUEST_REQUEST));
	EXPECT_FALSE(m->info.async_events &
		     (1ULL << ALTP2M_MON_EV_BREAKPOINT));
	EXPECT_EQ(m->info.sync_events & ~m->info.events, 0);
	EXPECT_TRUE(m->info.responses & ALTP2M_MON_RSP_SWITCH_VIEW);
	in.reserved[0] = 1;
	EXPECT_EQ(ioctl(m->fd, ALTP2M_MONITOR_GET_INFO, &in), -1);
	EXPECT_EQ(errno, EINVAL);
	in = (struct altp2m_monitor_info){ .pad = 1 };
	EXPECT_EQ(ioctl(m->fd, ALTP2M_MONITOR_GET_INFO, &in), -1);
	EXPECT_EQ(errno, EINVAL);
	/* The out fields of a struct used before are no error. */
	in = m->info;
	EXPECT_EQ(ioctl(m->fd, ALTP2M_MONITOR_GET_INFO, &in), 0);
	EXPECT_EQ(in.events, m->info.events);
	vm_caps(vm, &caps);
	EXPECT_TRUE(caps.features & ALTP2M_FEATURE_MONITOR);
	TH_LOG("events 0x%llx sync 0x%llx async 0x%llx responses 0x%llx",
	       (unsigned long long)m->info.events,
	       (unsigned long long)m->info.sync_events,
	       (unsigned long long)m->info.async_events,
	       (unsigned long long)m->info.responses);

	/* Malformed. */
	EXPECT_EQ(__monitor_set_event(m, ALTP2M_MON_EV_NR,
				      ALTP2M_MON_CTL_ENABLE, 0, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(__monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
				      ALTP2M_MON_CTL_ENABLE | 8, 0, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(__monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
				      ALTP2M_MON_CTL_ENABLE, 1, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(__monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
				      ALTP2M_MON_CTL_ENABLE |
				      ALTP2M_MON_CTL_ONCHANGE, 0, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	/* Breakpoints are sync only. */
	EXPECT_EQ(__monitor_set_event(m, ALTP2M_MON_EV_BREAKPOINT,
				      ALTP2M_MON_CTL_ENABLE, 0, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	/* CR 2 is not one of 0, 3, 4. */
	EXPECT_EQ(__monitor_set_event(m, ALTP2M_MON_EV_CR,
				      ALTP2M_MON_CTL_ENABLE, 2, 0), -1);
	EXPECT_TRUE(errno == EINVAL || errno == EOPNOTSUPP);
	/* What this host cannot deliver. */
	if (!(m->info.events & (1ULL << ALTP2M_MON_EV_CPUID))) {
		EXPECT_EQ(__monitor_set_event(m, ALTP2M_MON_EV_CPUID,
					      ALTP2M_MON_CTL_ENABLE, 0, 0), -1);
		EXPECT_EQ(errno, EOPNOTSUPP);
	}
	if (m->info.events & (1ULL << ALTP2M_MON_EV_MSR)) {
		/* Not an MSR a guest writes. */
		EXPECT_EQ(__monitor_set_event(m, ALTP2M_MON_EV_MSR,
					      ALTP2M_MON_CTL_ENABLE, 0x12345, 0),
			  -1);
		EXPECT_EQ(errno, EINVAL);
	}
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST, 0, 0, 0);
	/* Disabling takes no settings. */
	EXPECT_EQ(__monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
				      ALTP2M_MON_CTL_SYNC, 0, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	if (m->info.events & (1ULL << ALTP2M_MON_EV_MSR)) {
		uint32_t i;

		/* The variable-range MTRRs: 16 MSRs a guest writes. */
		for (i = 0; i < ALTP2M_MONITOR_MAX_MSRS; i++)
			monitor_set_event(m, ALTP2M_MON_EV_MSR,
					  ALTP2M_MON_CTL_ENABLE, 0x200 + i, 0);
		/* Replacing one's settings takes no new slot. */
		monitor_set_event(m, ALTP2M_MON_EV_MSR, ALTP2M_MON_CTL_ENABLE |
				  ALTP2M_MON_CTL_ONCHANGE, 0x200, 1);
		EXPECT_EQ(__monitor_set_event(m, ALTP2M_MON_EV_MSR,
					      ALTP2M_MON_CTL_ENABLE, 0x250, 0),
			  -1);
		EXPECT_EQ(errno, ENOSPC);
		monitor_set_event(m, ALTP2M_MON_EV_MSR, 0, 0x205, 0);
		monitor_set_event(m, ALTP2M_MON_EV_MSR, ALTP2M_MON_CTL_ENABLE,
				  0x250, 0);
	}
	if (m->info.events & (1ULL << ALTP2M_MON_EV_CR)) {
		monitor_set_event(m, ALTP2M_MON_EV_CR, ALTP2M_MON_CTL_ENABLE |
				  ALTP2M_MON_CTL_ONCHANGE, 3, 0);
		monitor_set_event(m, ALTP2M_MON_EV_CR, ALTP2M_MON_CTL_ENABLE |
				  ALTP2M_MON_CTL_SYNC, 0, 1);
		monitor_set_event(m, ALTP2M_MON_EV_CR, 0, 3, 0);
	}
	monitor_close(m);
	vm_free(vm);
}

/* Without a monitor (or with the event off): -ENOSYS, and no exit. */
TEST(guest_request_unmonitored)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_one_request);
	struct monitor *m;
	struct ucall uc;

	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, (uint64_t)-38);
	vm_free(vm);

	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_one_request);
	m = monitor_attach(vm, 0, 0);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, (uint64_t)-38);
	EXPECT_EQ(monitor_ring(m, 0)->prod, 0);
	monitor_close(m);
	vm_free(vm);
}

TEST(guest_request_sync)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_one_request);
	struct altp2m_monitor_event ev;
	struct runner r = { 0 };
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	start(&r, vcpu);
	monitor_wait_event(m, &ev);
	EXPECT_EQ(ev.type, ALTP2M_MON_EV_GUEST_REQUEST);
	EXPECT_EQ(ev.flags, ALTP2M_MON_EVF_SYNC);
	EXPECT_EQ(ev.seq, 1);
	EXPECT_EQ(ev.vcpu, 0);
	EXPECT_EQ(ev.view, 0);
	EXPECT_EQ(ev.u.guest_request.args[0], 0x11);
	EXPECT_EQ(ev.u.guest_request.args[1], 0x22);
	EXPECT_EQ(ev.u.guest_request.args[2], 0x33);
	EXPECT_EQ(ev.u.guest_request.args[3], 0x44);
	EXPECT_EQ(ev.regs.rax, REQ_NR);
	EXPECT_EQ(ev.regs.rbx, 0x11);
	EXPECT_EQ(ev.regs.cpl, 0);
	EXPECT_NE(ev.regs.rip, 0);
	EXPECT_EQ(monitor_ring(m, 0)->parked, ev.seq);
	/* Parked: the guest does not go on while nobody answers. */
	sleep_ms(300);
	EXPECT_EQ(monitor_ring(m, 0)->parked, ev.seq);
	EXPECT_EQ(pthread_tryjoin_np(r.th, NULL), EBUSY);
	monitor_continue(m, &ev);
	join(&r);
	assert_ucall_sync(vcpu, 0);
	EXPECT_EQ(monitor_ring(m, 0)->parked, 0);
	/* Answered once. */
	{
		struct altp2m_monitor_response rsp = { .vcpu = 0,
						       .seq = ev.seq };

		EXPECT_EQ(__monitor_respond(m, &rsp), -1);
		EXPECT_EQ(errno, ESRCH);
	}
	monitor_close(m);
	vm_free(vm);
}

/* SET_REGS in the response: the guest reads what the monitor put in RAX. */
TEST(guest_request_set_regs)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_one_request);
	struct altp2m_monitor_response rsp = { 0 };
	struct altp2m_monitor_event ev;
	struct runner r = { 0 };
	struct monitor *m;
	struct altp2m_regs regs;

	m = monitor_attach(vm, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	start(&r, vcpu);
	monitor_wait_event(m, &ev);
	/* The registers as the guest goes on with: past the VMCALL. */
	memset(&regs, 0, sizeof(regs));
	regs.rax = 0x1234;
	regs.rbx = ev.regs.rbx;
	regs.rcx = ev.regs.rcx;
	regs.rdx = ev.regs.rdx;
	regs.rsi = ev.regs.rsi;
	regs.rdi = ev.regs.rdi;
	regs.rsp = ev.regs.rsp;
	regs.rbp = ev.regs.rbp;
	regs.r8 = ev.regs.r8;
	regs.r9 = ev.regs.r9;
	regs.r10 = ev.regs.r10;
	regs.r11 = ev.regs.r11;
	regs.r12 = ev.regs.r12;
	regs.r13 = ev.regs.r13;
	regs.r14 = ev.regs.r14;
	regs.r15 = ev.regs.r15;
	regs.rip = ev.regs.rip + 3;
	regs.rflags = ev.regs.rflags;
	rsp.flags = ALTP2M_MON_RSP_SET_REGS;
	rsp.vcpu = 0;
	rsp.seq = ev.seq;
	rsp.regs = regs;
	ASSERT_EQ(__monitor_respond(m, &rsp), 0);
	join(&r);
	assert_ucall_sync(vcpu, 0x1234);
	monitor_close(m);
	vm_free(vm);
}

TEST(guest_request_async_and_full)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_requests);
	struct altp2m_monitor_event ev;
	struct monitor *m;
	struct ucall uc;
	uint64_t i;

	guest_global(vm, guest_nr_requests) = 4;
	m = monitor_attach(vm, 0, 2);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE, 0, 0);
	/* Two fit; the two others find the ring full and are dropped. */
	for (i = 0; i < 4; i++) {
		vcpu_run_ucall(vcpu, &uc);
		assert_ucall_sync(vcpu, i < 2 ? 0 : (uint64_t)-EAGAIN);
	}
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_done(vcpu);
	EXPECT_EQ(monitor_ring(m, 0)->prod, 2);
	EXPECT_EQ(monitor_ring(m, 0)->dropped, 2);
	for (i = 0; i < 2; i++) {
		ASSERT_TRUE(monitor_ring_pop(m, 0, &ev));
		EXPECT_EQ(ev.flags, 0);
		EXPECT_EQ(ev.u.guest_request.args[0], i);
		EXPECT_EQ(ev.seq, i + 1);
	}
	EXPECT_FALSE(monitor_ring_pop(m, 0, &ev));
	/* An async event is not answered. */
	{
		struct altp2m_monitor_response rsp = { .vcpu = 0, .seq = 1 };

		EXPECT_EQ(__monitor_respond(m, &rsp), -1);
		EXPECT_EQ(errno, ESRCH);
	}
	monitor_close(m);
	vm_free(vm);
}

/* A nonsense @cons counts as a full ring: dropped, nothing overwritten. */
TEST(hostile_cons)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_requests);
	struct monitor *m;
	struct ucall uc;

	guest_global(vm, guest_nr_requests) = 1;
	m = monitor_attach(vm, 0, 2);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE, 0, 0);
	monitor_ring(m, 0)->cons = 7;	/* more consumed than produced */
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, (uint64_t)-EAGAIN);
	EXPECT_EQ(monitor_ring(m, 0)->prod, 0);
	EXPECT_EQ(monitor_ring(m, 0)->dropped, 1);
	monitor_close(m);
	vm_free(vm);
}

/* A sync event waits for room; it is never dropped. */
TEST(sync_waits_for_room)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_requests);
	struct altp2m_monitor_event ev;
	struct runner r = { 0 };
	struct monitor *m;
	struct ucall uc;

	guest_global(vm, guest_nr_requests) = 3;
	m = monitor_attach(vm, 0, 2);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE, 0, 0);
	/* Two async ones fill the ring. */
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	start(&r, vcpu);
	sleep_ms(300);
	/* Still waiting for room: not in the ring, not dropped. */
	EXPECT_EQ(monitor_ring(m, 0)->prod, 2);
	EXPECT_EQ(monitor_ring(m, 0)->dropped, 0);
	EXPECT_EQ(pthread_tryjoin_np(r.th, NULL), EBUSY);
	ASSERT_TRUE(monitor_ring_pop(m, 0, &ev));
	ASSERT_TRUE(monitor_ring_pop(m, 0, &ev));
	monitor_wait_event(m, &ev);
	EXPECT_EQ(ev.flags, ALTP2M_MON_EVF_SYNC);
	EXPECT_EQ(ev.u.guest_request.args[0], 2);
	EXPECT_EQ(ev.seq, 3);
	monitor_continue(m, &ev);
	join(&r);
	assert_ucall_sync(vcpu, 0);
	monitor_close(m);
	vm_free(vm);
}

/* Responses that are refused leave the vCPU parked. */
TEST(malformed_responses)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_one_request);
	struct altp2m_monitor_response rsp;
	struct altp2m_monitor_event ev;
	struct runner r = { 0 };
	struct monitor *m;
	struct vcpu *idle;
	uint16_t hidden;

	idle = vcpu_add(vm, 1, guest_spin);
	(void)idle;
	vm_views_enable(vm, 4);
	hidden = vm_view_create(vm, ALTP2M_ACCESS_RWX);
	ASSERT_EQ(__vm_set_view_visibility(vm, hidden, 0, false), 0);
	m = monitor_attach(vm, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	start(&r, vcpu);
	monitor_wait_event(m, &ev);

#define REFUSED(err, set) do {					\
		rsp = (struct altp2m_monitor_response){ .vcpu = 0,	\
			.seq = ev.seq };				\
		set;							\
		EXPECT_EQ(__monitor_respond(m, &rsp), -1);		\
		EXPECT_EQ(errno, err);					\
	} while (0)
	REFUSED(EINVAL, rsp.flags = 1u << 20);
	REFUSED(EINVAL, rsp.pad = 1);
	REFUSED(EINVAL, rsp.reserved[1] = 1);
	REFUSED(EINVAL, rsp.regs.flags = 1);
	REFUSED(ESRCH, rsp.seq = ev.seq + 1);
	REFUSED(EINVAL, rsp.seq = 0);
	REFUSED(ENOENT, rsp.vcpu = 5);
	REFUSED(ENOENT, rsp.vcpu = 1000);
	/* vCPU 1 exists and is not waiting. */
	REFUSED(ESRCH, rsp.vcpu = 1);
	/* No such view; a view hidden from the vCPU. */
	REFUSED(ENOENT, rsp.flags = ALTP2M_MON_RSP_SWITCH_VIEW;
		rsp.view = 3);
	REFUSED(EINVAL, rsp.flags = ALTP2M_MON_RSP_SWITCH_VIEW;
		rsp.view = 5000);
	REFUSED(EPERM, rsp.flags = ALTP2M_MON_RSP_SWITCH_VIEW;
		rsp.view = hidden);
	/* Fields of flags not given. */
	REFUSED(EINVAL, rsp.view = 1);
	REFUSED(EINVAL, rsp.nr_ops = 1);
	/* ACCESS with no operation, or too many. */
	REFUSED(EINVAL, rsp.flags = ALTP2M_MON_RSP_ACCESS);
	REFUSED(EINVAL, rsp.flags = ALTP2M_MON_RSP_ACCESS;
		rsp.nr_ops = ALTP2M_MONITOR_MAX_OPS + 1; rsp.ops = 4096);
	/* DENY is for CR and MSR writes. */
	if (m->info.responses & ALTP2M_MON_RSP_DENY)
		REFUSED(EINVAL, rsp.flags = ALTP2M_MON_RSP_DENY);
#undef REFUSED
	/* Still parked, still answerable. */
	EXPECT_EQ(monitor_ring(m, 0)->parked, ev.seq);
	EXPECT_EQ(pthread_tryjoin_np(r.th, NULL), EBUSY);
	monitor_continue(m, &ev);
	join(&r);
	assert_ucall_sync(vcpu, 0);
	monitor_close(m);
	vm_free(vm);
}

/* The response's view switch, and close putting the vCPU back. */
TEST(switch_view_and_close_restores)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_requests);
	struct altp2m_monitor_response rsp = { 0 };
	struct altp2m_monitor_event ev;
	struct runner r = { 0 };
	struct monitor *m;
	uint16_t v;

	guest_global(vm, guest_nr_requests) = 2;
	vm_views_enable(vm, 4);
	v = vm_view_create(vm, ALTP2M_ACCESS_RWX);
	m = monitor_attach(vm, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	start(&r, vcpu);
	monitor_wait_event(m, &ev);
	EXPECT_EQ(ev.view, 0);
	rsp.flags = ALTP2M_MON_RSP_SWITCH_VIEW;
	rsp.vcpu = 0;
	rsp.seq = ev.seq;
	rsp.view = v;
	ASSERT_EQ(__monitor_respond(m, &rsp), 0);
	join(&r);
	assert_ucall_sync(vcpu, 0);
	/* The next request is made on the new view. */
	start(&r, vcpu);
	monitor_wait_event(m, &ev);
	EXPECT_EQ(ev.view, v);
	monitor_continue(m, &ev);
	join(&r);
	assert_ucall_sync(vcpu, 0);
	EXPECT_EQ(vcpu_get_view(vcpu), v);
	/* Close: back where it was before the monitor moved it. */
	monitor_close(m);
	EXPECT_EQ(vcpu_get_view(vcpu), 0);
	vm_free(vm);
}

/* A gfn's access in @view, or 0xff when it has no entry there. */
static uint8_t access_of(struct vm *vm, uint32_t view, uint64_t gfn)
{
	uint8_t access = 0xff;

	if (__vm_get_mem_access(vm, view, gfn, &access))
		return 0xff;
	return access;
}

/*
 * ACCESS: the batch applies before the vCPU goes on, all or nothing; a
 * batch that fails leaves the vCPU parked and changes nothing.
 */
TEST(response_access_batch)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_one_request);
	struct altp2m_monitor_response rsp = { 0 };
	struct altp2m_batch_op ops[2] = { 0 };
	struct altp2m_monitor_event ev;
	struct runner r = { 0 };
	struct monitor *m;
	uint64_t gfn = vm_alloc(vm, 4096, 4096) >> 12;
	uint16_t v;

	vm_views_enable(vm, 4);
	v = vm_view_create(vm, ALTP2M_ACCESS_RWX);
	m = monitor_attach(vm, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	start(&r, vcpu);
	monitor_wait_event(m, &ev);
	ops[0] = (struct altp2m_batch_op){ .op = ALTP2M_BATCH_SET_ACCESS,
		.value = ALTP2M_ACCESS_R, .view = v, .gfn = gfn, .npages = 1 };
	/* The second fails (no view 3): the first does not apply either. */
	ops[1] = ops[0];
	ops[1].view = 3;
	rsp.flags = ALTP2M_MON_RSP_ACCESS;
	rsp.vcpu = 0;
	rsp.seq = ev.seq;
	rsp.nr_ops = 2;
	rsp.ops = (uintptr_t)ops;
	EXPECT_EQ(__monitor_respond(m, &rsp), -1);
	EXPECT_EQ(errno, ENOENT);
	/* Untouched: the view's default (no entry of its own yet). */
	EXPECT_NE(access_of(vm, v, gfn), ALTP2M_ACCESS_R);
	/* A malformed operation: EINVAL before anything. */
	ops[1] = ops[0];
	ops[1].pad = 1;
	EXPECT_EQ(__monitor_respond(m, &rsp), -1);
	EXPECT_EQ(errno, EINVAL);
	/* Unreadable operations. */
	rsp.ops = 8;
	EXPECT_EQ(__monitor_respond(m, &rsp), -1);
	EXPECT_EQ(errno, EFAULT);
	EXPECT_EQ(pthread_tryjoin_np(r.th, NULL), EBUSY);
	/* One good operation: applied, and the vCPU goes on. */
	rsp.ops = (uintptr_t)ops;
	rsp.nr_ops = 1;
	ASSERT_EQ(__monitor_respond(m, &rsp), 0);
	EXPECT_EQ(vm_get_mem_access(vm, v, gfn), ALTP2M_ACCESS_R);
	join(&r);
	assert_ucall_sync(vcpu, 0);
	monitor_close(m);
	vm_free(vm);
}

/*
 * The request in any mode, from CPL 0 only: a 32-bit protected-mode guest
 * makes one at CPL 0 (%ebx: its result), IRETs to CPL 3, makes another
 * there (%ecx), and reports both with a VMCALL the VMM sees (RAX 0). An
 * exception reports its vector + 100 in %ecx the same way.
 */
#define MT_SYS		0x20000ULL	/* GDT, IDT, TSS */
#define MT_STACK0	0x30000ULL	/* ring-0 stack top */
#define MT_USTACK	0x40000ULL	/* ring-3 stack top */
extern char mt_entry[], mt_exc_entries[];
__asm__(
	"	.text\n"
	"	.code32\n"
	"	.globl mt_entry, mt_exc_entries\n"
	"mt_entry:\n"
	"	movl $0x61700010, %eax\n"
	"	vmcall\n"
	"	movl %eax, %esi\n"
	"	pushl $0x23\n"
	"	pushl $0x40000\n"
	"	pushl $0x202\n"
	"	pushl $0x1b\n"
	"	pushl $mt_user\n"
	"	iret\n"
	"mt_user:\n"
	"	movl $0x61700010, %eax\n"
	"	vmcall\n"
	"	movl %eax, %ecx\n"
	"	movl %esi, %ebx\n"
	"	xorl %eax, %eax\n"
	"	vmcall\n"
	"	jmp .\n"
	"	.p2align 4\n"
	"mt_exc_entries:\n"
	"	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,"
	"16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	movl $(\\vec + 100), %ecx\n"
	"	xorl %eax, %eax\n"
	"	vmcall\n"
	"	jmp .\n"
	"	.p2align 4\n"
	"	.endr\n"
	"	.code64\n");

TEST(guest_request_cpl3_refused)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add_bare(vm, 0);
	uint32_t handlers[NR_EXCEPTIONS];
	struct altp2m_regs regs = { 0 };
	struct altp2m_monitor_event ev;
	struct altp2m_sregs sregs;
	struct monitor *m;
	unsigned int v;

	for (v = 0; v < NR_EXCEPTIONS; v++)
		handlers[v] = (uint32_t)(uintptr_t)mt_exc_entries + 16 * v;
	x86_build_prot32(vm->ram, MT_SYS, handlers, 0, MT_STACK0);
	x86_sregs_prot32(&sregs, MT_SYS);
	vcpu_sregs_set(vcpu, &sregs);
	regs.rip = (uint64_t)(uintptr_t)mt_entry;
	regs.rsp = MT_STACK0;
	regs.rflags = X86_RFLAGS_FIXED;
	vcpu_regs_set(vcpu, &regs);
	m = monitor_attach(vm, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE, 0, 0);
	vcpu_run(vcpu);
	ASSERT_EQ(vcpu->run->exit_reason, ALTP2M_EXIT_HYPERCALL);
	/* CPL 0 in protected mode: delivered; CPL 3: EPERM, nothing sent. */
	EXPECT_EQ((uint32_t)vcpu->run->hypercall.args[0], 0);
	EXPECT_EQ((uint32_t)vcpu->run->hypercall.args[1], (uint32_t)-EPERM);
	ASSERT_TRUE(monitor_ring_pop(m, 0, &ev));
	EXPECT_EQ(ev.regs.cpl, 0);
	EXPECT_FALSE(monitor_ring_pop(m, 0, &ev));
	monitor_close(m);
	vm_free(vm);
}

/*
 * A halted vCPU (in-kernel HLT, ALTP2M_VM_LAPIC) paused by the monitor:
 * an interrupt that comes while it is paused is not taken until RESUME,
 * and is not lost either: the vCPU wakes from HLT for it after RESUME.
 */
#define MT_APIC_GPA	0xfee00000ULL
#define MT_IRQ_VECTOR	0x40
uint64_t mt_irq_count;
void mt_irq_handler(void);
__asm__(
	"	.text\n"
	"	.globl mt_irq_handler\n"
	"mt_irq_handler:\n"
	"	push %rax\n"
	"	incq mt_irq_count\n"
	"	movabs $0xfee000b0, %rax\n"	/* EOI */
	"	movl $0, (%rax)\n"
	"	pop %rax\n"
	"	iretq\n");

static void guest_sti_hlt(void)
{
	mmio_write32(MT_APIC_GPA + 0xf0, 0x1ff);	/* SVR: enabled */
	GUEST_SYNC(0);
	__asm__ __volatile__("sti; hlt; cli" : : : "memory");
	GUEST_SYNC(READ_ONCE(mt_irq_count));
}

TEST(pause_halted_vcpu)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_sti_hlt);
	struct altp2m_msi msi = { .address = MT_APIC_GPA,
				  .data = MT_IRQ_VECTOR };
	struct runner r = { 0 };
	struct monitor *m;
	struct ucall uc;

	x86_set_idt_gate(vm->ram, MT_IRQ_VECTOR,
			 (uint64_t)(uintptr_t)mt_irq_handler);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0);
	m = monitor_attach(vm, 0, 0);
	start(&r, vcpu);
	sleep_ms(300);			/* halted, asleep in the kernel */
	monitor_pause(m, 0);
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_SIGNAL_MSI, &msi), 1);
	sleep_ms(300);
	EXPECT_EQ(guest_global(vm, mt_irq_count), 0);
	EXPECT_EQ(pthread_tryjoin_np(r.th, NULL), EBUSY);
	monitor_resume(m, 0);
	join(&r);
	assert_ucall_sync(vcpu, 1);
	monitor_close(m);
	vm_free(vm);
}

/* The barrier: both vCPUs spin in the guest; PAUSE stops their counters. */
TEST(pause_barrier)
{
	struct vm *vm = vm_create(0);
	struct vcpu *v0 = vcpu_add(vm, 0, guest_spin);
	struct vcpu *v1 = vcpu_add(vm, 1, guest_spin);
	volatile uint64_t *c = &guest_global(vm, guest_count[0]);
	struct runner r0 = { 0 }, r1 = { 0 };
	struct monitor *m;
	uint64_t a0, a1;

	vcpu_args_set(v0, 1, 0);
	vcpu_args_set(v1, 1, 1);
	m = monitor_attach(vm, 0, 0);
	start_spin(&r0, v0);
	start_spin(&r1, v1);
	while (!c[0] || !c[1])
		sleep_ms(10);
	monitor_pause(m, -1);
	a0 = c[0];
	a1 = c[1];
	sleep_ms(300);
	EXPECT_EQ(c[0], a0);
	EXPECT_EQ(c[1], a1);
	/* Counted: two pauses need two resumes. */
	monitor_pause(m, -1);
	monitor_resume(m, -1);
	sleep_ms(100);
	EXPECT_EQ(c[0], a0);
	monitor_resume(m, -1);
	EXPECT_EQ(__monitor_resume(m, -1), -1);
	EXPECT_EQ(errno, EINVAL);
	while (c[0] == a0 || c[1] == a1)
		sleep_ms(10);

	/* One vCPU: the other goes on. */
	monitor_pause(m, 1);
	a1 = c[1];
	a0 = c[0];
	sleep_ms(300);
	EXPECT_EQ(c[1], a1);
	EXPECT_NE(c[0], a0);
	EXPECT_EQ(__monitor_resume(m, 0), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(__monitor_pause(m, 7), -1);
	EXPECT_EQ(errno, ENOENT);
	monitor_resume(m, 1);
	while (c[1] == a1)
		sleep_ms(10);

	/* Closed while paused: the pause goes with it. */
	monitor_pause(m, -1);
	a0 = c[0];
	monitor_close(m);
	while (c[0] == a0)
		sleep_ms(10);
	stop_spin(&r0);
	stop_spin(&r1);
	vm_free(vm);
}

/*
 * A parked vCPU's RUN returns EINTR on a signal and parks again.  The
 * child signals only once the event is out (so the vCPU is parked), and
 * keeps signalling until the parent has seen two EINTRs: a signal that
 * lands while the parent is between two RUNs is simply taken again.
 */
TEST(run_eintr_while_parked)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_one_request);
	volatile int *eintrs;
	struct monitor *m;
	struct ucall uc;
	pid_t child;
	int status, i;

	eintrs = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(eintrs, MAP_FAILED);
	m = monitor_attach(vm, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct altp2m_monitor_event e;

		if (monitor_next_event(m, &e, 30000))
			_exit(1);
		for (i = 0; i < 1200 && *eintrs < 2; i++) {
			kill(getppid(), SIGUSR1);
			sleep_ms(50);
		}
		monitor_continue(m, &e);
		_exit(*eintrs < 2 ? 2 : 0);
	}
	/* Parked; the signal ends RUN, the next RUN parks again. */
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(_vcpu_run(vcpu), -1);
		EXPECT_EQ(errno, EINTR);
		EXPECT_EQ(vcpu->run->exit_reason, ALTP2M_EXIT_INTR);
		__atomic_add_fetch(eintrs, 1, __ATOMIC_SEQ_CST);
	}
	/* Answered only now: the guest's request completes. */
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0);
	waitpid(child, &status, 0);
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	monitor_close(m);
	munmap((void *)eintrs, 4096);
	vm_free(vm);
}

/* A second RUN while the first sleeps parked: EBUSY. */
TEST(second_run_busy)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_one_request);
	struct altp2m_monitor_event ev;
	struct runner r = { 0 };
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	start(&r, vcpu);
	monitor_wait_event(m, &ev);
	EXPECT_EQ(_vcpu_run(vcpu), -1);
	EXPECT_EQ(errno, EBUSY);
	monitor_continue(m, &ev);
	join(&r);
	assert_ucall_sync(vcpu, 0);
	monitor_close(m);
	vm_free(vm);
}

/*
 * The daemon dies (SIGKILL) with both vCPUs parked: they go on as if
 * answered, and the guest finishes.
 */
TEST(daemon_killed_with_vcpus_parked)
{
	struct vm *vm = vm_create(0);
	struct vcpu *v0 = vcpu_add(vm, 0, guest_request_then_spin);
	struct vcpu *v1 = vcpu_add(vm, 1, guest_request_then_spin);
	volatile uint64_t *c = &guest_global(vm, guest_count[0]);
	struct runner r0 = { 0 }, r1 = { 0 };
	struct monitor *m;
	int pipefd[2], status;
	pid_t child;
	char b;

	vcpu_args_set(v0, 1, 0);
	vcpu_args_set(v1, 1, 1);
	ASSERT_EQ(pipe(pipefd), 0);
	/* Attached here (only the VM's process may), held by the child. */
	m = monitor_attach(vm, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct altp2m_monitor_event e;
		int n = 0;

		/* Tell the parent to run, then collect both, answer none. */
		if (write(pipefd[1], "x", 1) != 1)
			_exit(1);
		while (n < 2 && !monitor_next_event(m, &e, 30000))
			n++;
		if (write(pipefd[1], n == 2 ? "y" : "n", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	monitor_close(m);
	ASSERT_EQ(read(pipefd[0], &b, 1), 1);
	start_spin(&r0, v0);
	start_spin(&r1, v1);
	ASSERT_EQ(read(pipefd[0], &b, 1), 1);
	EXPECT_EQ(b, 'y');
	sleep_ms(200);
	EXPECT_EQ(c[0], 0);
	EXPECT_EQ(c[1], 0);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	while (!c[0] || !c[1])
		sleep_ms(10);
	stop_spin(&r0);
	stop_spin(&r1);
	/* Without a monitor again, attaching works. */
	m = monitor_attach(vm, 0, 0);
	monitor_close(m);
	vm_free(vm);
}

/* Both vCPUs produce at once, each on its own ring. */
TEST(two_vcpus_at_once)
{
	struct vm *vm = vm_create(0);
	struct vcpu *v0 = vcpu_add(vm, 0, guest_requests);
	struct vcpu *v1 = vcpu_add(vm, 1, guest_requests);
	struct altp2m_monitor_event ev;
	struct runner r[2] = { 0 };
	struct monitor *m;
	uint64_t last_seq[2] = { 0 }, seen[2] = { 0 }, n = 50, done = 0;
	unsigned int i;

	guest_global(vm, guest_nr_requests) = n;
	m = monitor_attach(vm, 0, 4);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	for (done = 0; done < 2 * n; done++) {
		if (done == 0) {
			start(&r[0], v0);
			start(&r[1], v1);
		}
		monitor_wait_event(m, &ev);
		ASSERT_LT(ev.vcpu, 2);
		EXPECT_EQ(ev.u.guest_request.args[0], seen[ev.vcpu]);
		seen[ev.vcpu]++;
		EXPECT_GE(ev.seq, last_seq[ev.vcpu] + 1);
		last_seq[ev.vcpu] = ev.seq;
		monitor_continue(m, &ev);
		/* Each GUEST_SYNC ends a RUN: run it again. */
		i = ev.vcpu;
		join(&r[i]);
		assert_ucall_sync(r[i].vcpu, 0);
		if (seen[i] < n)
			start(&r[i], r[i].vcpu);
	}
	EXPECT_EQ(seen[0], n);
	EXPECT_EQ(seen[1], n);
	for (i = 0; i < 2; i++) {
		struct ucall uc;

		vcpu_run_ucall(r[i].vcpu, &uc);
		assert_ucall_done(r[i].vcpu);
	}
	monitor_close(m);
	vm_free(vm);
}

/*
 * poll(): EPOLLIN while a ring holds an unconsumed event; EPOLLHUP once
 * the VM fd and every vCPU fd are closed, and then the calls that need a
 * vCPU say ENODEV.
 */
TEST(poll_in_and_hup)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_requests);
	struct altp2m_monitor_event ev;
	struct pollfd p;
	struct monitor *m;
	struct ucall uc;
	int fd;

	guest_global(vm, guest_nr_requests) = 1;
	m = monitor_attach(vm, 0, 0);
	p = (struct pollfd){ .fd = m->fd, .events = POLLIN };
	EXPECT_EQ(poll(&p, 1, 0), 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE, 0, 0);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0);
	EXPECT_EQ(poll(&p, 1, 0), 1);
	EXPECT_EQ(p.revents, POLLIN);
	ASSERT_TRUE(monitor_ring_pop(m, 0, &ev));
	EXPECT_EQ(poll(&p, 1, 0), 0);
	vm_free(vm);
	/* Only the monitor holds the VM now. */
	EXPECT_EQ(poll(&p, 1, 0), 1);
	EXPECT_TRUE(p.revents & POLLHUP);
	EXPECT_EQ(__monitor_pause(m, 0), -1);
	EXPECT_EQ(errno, ENODEV);
	/* The rings stay readable. */
	EXPECT_EQ(monitor_ring(m, 0)->prod, 1);

	/* Attached through /dev/altp2m, a vCPU fd outliving the VM fd. */
	vm = vm_create_bare();
	fd = __vm_create_vcpu(vm, 0);
	ASSERT_GE(fd, 0);
	monitor_close(m);
	m = monitor_attach_dev(vm->dev_fd, vm->id, 0, 0);
	close(vm->fd);
	vm->fd = -1;
	p = (struct pollfd){ .fd = m->fd, .events = POLLIN };
	EXPECT_EQ(poll(&p, 1, 0), 0);
	close(fd);
	EXPECT_EQ(poll(&p, 1, 0), 1);
	EXPECT_TRUE(p.revents & POLLHUP);
	monitor_close(m);
	vm_free(vm);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void __attribute__((constructor)) monitor_test_init(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
}

TEST_HARNESS_MAIN
