// SPDX-License-Identifier: GPL-2.0
/*
 * libaltp2m's monitor fd calls (lib/introspect.c) on the real module:
 * attach from a VM fd handle and by id (one monitor at a time), events
 * read from the mapped rings and answered while the vCPU is parked, a
 * parked vCPU's memory by linear address and registers, a ring that
 * drops async events when full (and the wrap the library then reads
 * through), pause as a barrier, translate and read by gpa.
 */
#define _GNU_SOURCE	/* setresuid */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "altp2m.h"
#include "../lib/monitor_util.h"
#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define NR_REQ	8

static char marker[32] = "the marker of monitor_lib_test";
static volatile uint64_t count;

/* NR_REQ requests (RBX = i, RCX = &marker), each RAX in a GUEST_SYNC. */
static void guest_requests(void)
{
	uint64_t i;

	for (i = 0; i < NR_REQ; i++)
		GUEST_SYNC(guest_monitor_request(i, (uint64_t)marker, 0, 0));
	GUEST_DONE();
}

/*
 * One read-modify-write instruction: a pause between a load and a store
 * of count++ would let the guest's store undo the monitor's write of it.
 */
static void guest_spin(void)
{
	for (;;)
		__asm__ __volatile__("incq %0" : "+m"(count));
}

struct runner {
	struct vcpu *vcpu;
	pthread_t th;
	bool spin;
	uint64_t syncs;		/* GUEST_SYNCs seen */
	int64_t last_rax;
	uint64_t type;		/* the ucall that ended it */
};

/* To the guest's GUEST_DONE, or for a spinner until SIGUSR1. */
static void *run_thread(void *arg)
{
	struct runner *r = arg;
	struct ucall uc;

	if (r->spin) {
		_vcpu_run(r->vcpu);
		return NULL;
	}
	for (;;) {
		r->type = vcpu_run_ucall(r->vcpu, &uc);
		if (r->type != UCALL_SYNC)
			return NULL;
		r->syncs++;
		r->last_rax = uc.args[0];
	}
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void start(struct runner *r, struct vcpu *vcpu, bool spin)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
	r->vcpu = vcpu;
	r->spin = spin;
	TEST_ASSERT(!pthread_create(&r->th, NULL, run_thread, r), "thread");
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static struct altp2m_mon *attach_fd(struct vm *vm, uint32_t entries,
				    struct altp2m_vm **vmh)
{
	struct altp2m_mon_opts o = { .sz = sizeof(o), .ring_entries = entries };
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct altp2m_mon *m = NULL;

	TEST_ASSERT(!altp2m_vm_from_fd(vmh, vm->fd, err, sizeof(err)),
		    "VM handle: %s", err);
	TEST_ASSERT(!altp2m_mon_attach_vm(&m, *vmh, &o, err, sizeof(err)),
		    "attach: %s", err);
	return m;
}

TEST(sync_events_answered_parked)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_requests);
	struct altp2m_monitor_event ev;
	struct altp2m_monitor_info info;
	struct altp2m_sregs sregs;
	struct altp2m_regs regs;
	struct runner r = { 0 };
	char err[ALTP2M_ERRMSG_LEN];
	struct altp2m_mon *m, *m2;
	struct altp2m_vm *vmh;
	uint64_t i, last_seq = 0;
	char buf[sizeof(marker)];
	size_t done;

	m = attach_fd(vm, 0, &vmh);
	ASSERT_EQ(altp2m_mon_vm_id(m), vm->id);
	ASSERT_EQ(altp2m_mon_get_info(m, &info), 0);
	EXPECT_EQ(info.ring_entries, ALTP2M_MONITOR_DEFAULT_RING);
	/* One monitor at a time, by either door. */
	EXPECT_EQ(altp2m_mon_attach(&m2, vm->id, NULL, err, sizeof(err)),
		  -EBUSY);
	EXPECT_TRUE(strstr(err, "another monitor is attached") != NULL);
	ASSERT_EQ(altp2m_mon_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
				       ALTP2M_MON_CTL_ENABLE |
				       ALTP2M_MON_CTL_SYNC, 0, 0), 0);
	start(&r, vcpu, false);
	for (i = 0; i < NR_REQ; i++) {
		ASSERT_EQ(altp2m_mon_next_event(m, &ev, 30000), 1);
		EXPECT_EQ(ev.type, ALTP2M_MON_EV_GUEST_REQUEST);
		EXPECT_TRUE(ev.flags & ALTP2M_MON_EVF_SYNC);
		EXPECT_EQ(ev.vcpu, 0);
		EXPECT_EQ(ev.u.guest_request.args[0], i);
		EXPECT_TRUE(ev.seq > last_seq);
		last_seq = ev.seq;
		/* Parked: its paging and registers hold still. */
		memset(buf, 0, sizeof(buf));
		ASSERT_EQ(altp2m_mon_read_gva(m, 0, ALTP2M_MON_VIEW_CURRENT,
					      ev.u.guest_request.args[1], buf,
					      sizeof(buf), &done), 0);
		EXPECT_EQ(done, sizeof(buf));
		EXPECT_EQ(memcmp(buf, marker, sizeof(buf)), 0);
		ASSERT_EQ(altp2m_mon_get_state(m, 0, &regs, &sregs, NULL), 0);
		EXPECT_EQ(regs.rbx, i);
		EXPECT_EQ(sregs.cr3, ev.regs.cr3);
		/* Nothing else comes while it waits. */
		EXPECT_EQ(altp2m_mon_next_event(m, &ev, 50), 0);
		ev.seq = last_seq;
		ev.vcpu = 0;
		ASSERT_EQ(altp2m_mon_continue(m, &ev), 0);
		/* Answered once: a second answer finds nothing parked. */
		EXPECT_EQ(altp2m_mon_continue(m, &ev), -ESRCH);
	}
	TEST_ASSERT(!pthread_join(r.th, NULL), "join");
	EXPECT_EQ(r.type, UCALL_DONE);
	EXPECT_EQ(r.syncs, NR_REQ);
	EXPECT_EQ(r.last_rax, 0);	/* delivered */
	altp2m_mon_close(m);
	/* Gone with the handle: the next may attach, by id this time. */
	ASSERT_EQ(altp2m_mon_attach(&m2, vm->id, NULL, err, sizeof(err)), 0);
	altp2m_mon_close(m2);
	altp2m_vm_close(vmh);
	vm_free(vm);
}

/*
 * A ring of 2 and async requests that nobody reads: the first two go in,
 * the others are dropped, counted, and the guest sees -EAGAIN. Then the
 * two are read and the ring is empty again.
 */
TEST(async_ring_full_drops)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_requests);
	struct altp2m_monitor_event ev;
	struct runner r = { 0 };
	struct altp2m_mon *m;
	struct altp2m_vm *vmh;
	uint64_t dropped = 0;

	m = attach_fd(vm, 2, &vmh);
	ASSERT_EQ(altp2m_mon_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
				       ALTP2M_MON_CTL_ENABLE, 0, 0), 0);
	start(&r, vcpu, false);
	TEST_ASSERT(!pthread_join(r.th, NULL), "join");
	EXPECT_EQ(r.type, UCALL_DONE);
	EXPECT_EQ(r.last_rax, -EAGAIN);
	ASSERT_EQ(altp2m_mon_dropped(m, 0, &dropped), 0);
	EXPECT_EQ(dropped, NR_REQ - 2);
	ASSERT_EQ(altp2m_mon_next_event(m, &ev, 0), 1);
	EXPECT_EQ(ev.u.guest_request.args[0], 0);
	EXPECT_FALSE(ev.flags & ALTP2M_MON_EVF_SYNC);
	ASSERT_EQ(altp2m_mon_next_event(m, &ev, 0), 1);
	EXPECT_EQ(ev.u.guest_request.args[0], 1);
	EXPECT_EQ(altp2m_mon_next_event(m, &ev, 0), 0);
	altp2m_mon_close(m);
	altp2m_vm_close(vmh);
	vm_free(vm);
}

/* Whether the guest's counter goes past @mark within 20 s. */
static bool counts_past(const uint64_t *c, uint64_t mark)
{
	int i;

	for (i = 0; i < 2000; i++) {
		if (READ_ONCE(*c) > mark)
			return true;
		sleep_ms(10);
	}
	return false;
}

TEST(pause_translate_read)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_spin);
	volatile uint64_t *c = addr_gva2hva(vm, (uint64_t)&count);
	struct runner r = { 0 };
	struct altp2m_mon *m;
	struct altp2m_vm *vmh;
	uint64_t a, b, gpa = 0, v = 0;
	volatile uint64_t *mc;
	uint32_t pf = 0;
	size_t done = 0;
	void *map;

	start(&r, vcpu, true);
	while (!*c)
		sleep_ms(10);
	m = attach_fd(vm, 0, &vmh);
	ASSERT_EQ(altp2m_mon_pause(m, ALTP2M_VCPU_ALL), 0);
	a = *c;
	sleep_ms(300);
	b = *c;
	EXPECT_EQ(a, b);
	ASSERT_EQ(altp2m_mon_translate(m, 0, (uint64_t)&count, 0, &gpa, &pf),
		  0);
	EXPECT_EQ(gpa, (uint64_t)&count);	/* identity page tables */
	EXPECT_EQ(altp2m_mon_translate(m, 0, 0x10, 0, &gpa, &pf), -ENXIO);
	ASSERT_EQ(altp2m_mon_read_gpa(m, 0, (uint64_t)&count, &v, sizeof(v),
				      &done), 0);
	EXPECT_EQ(done, sizeof(v));
	EXPECT_EQ(v, b);
	/* A write by linear address lands where the guest counts. */
	v = 1ULL << 40;
	ASSERT_EQ(altp2m_mon_write_gva(m, 0, ALTP2M_MON_VIEW_CURRENT,
				       (uint64_t)&count, &v, sizeof(v), &done),
		  0);
	EXPECT_EQ(done, sizeof(v));
	EXPECT_EQ(*c, 1ULL << 40);
	/* Guest RAM mapped read-only: the same counter, no copy. */
	ASSERT_EQ(altp2m_mon_map_gpa(m, gpa & ~4095ULL, 4096, 0, &map), 0);
	mc = (volatile uint64_t *)((char *)map + (gpa & 4095));
	EXPECT_EQ(*mc, 1ULL << 40);
	ASSERT_EQ(altp2m_mon_resume(m, ALTP2M_VCPU_ALL), 0);
	EXPECT_EQ(altp2m_mon_resume(m, ALTP2M_VCPU_ALL), -EINVAL);
	/* Running again; on a debug kernel that may take a while to show. */
	EXPECT_TRUE(counts_past((const uint64_t *)mc, 1ULL << 40));
	/* Unmapped before the close, which a mapping would hold off. */
	altp2m_mon_unmap_gpa(m, map, 4096);
	/* Paused again, then closed: the close drops the pause. */
	ASSERT_EQ(altp2m_mon_pause(m, 0), 0);
	altp2m_mon_close(m);
	a = *c;
	EXPECT_TRUE(counts_past((const uint64_t *)c, a));
	pthread_kill(r.th, SIGUSR1);
	TEST_ASSERT(!pthread_join(r.th, NULL), "join");
	altp2m_vm_close(vmh);
	vm_free(vm);
}

/*
 * In a child as nobody: altp2m_mon_attach(@vm_id) fails with @want and a
 * message holding @words. Returns the child's verdict (0: as expected).
 */
static int attach_as_nobody(uint32_t vm_id, int want, const char *words)
{
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct altp2m_mon *m;
	int status, ret;
	pid_t pid;

	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		ret = altp2m_mon_attach(&m, vm_id, NULL, err, sizeof(err));
		if (ret != want || !strstr(err, words)) {
			fprintf(stderr, "as nobody: %d, '%s'\n", ret, err);
			_exit(1);
		}
		_exit(0);
	}
	TEST_ASSERT(waitpid(pid, &status, 0) == pid, "waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 3;
}

/*
 * Attaching by id needs access to the device node, then CAP_NET_ADMIN or
 * CAP_SYS_ADMIN in the VM creator's user namespace: a process with the
 * first and without the second gets -EPERM and a message that says what
 * is missing.
 */
TEST(attach_by_id_unprivileged)
{
	struct vm *vm = vm_create_bare();
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct altp2m_mon *m;
	struct stat st;

	ASSERT_EQ(stat(ALTP2M_DEFAULT_DEVICE, &st), 0);
	/* The node's own mode (0660, root's) keeps nobody out first. */
	EXPECT_EQ(attach_as_nobody(vm->id, -EACCES, "Permission denied"), 0);
	ASSERT_EQ(chmod(ALTP2M_DEFAULT_DEVICE, 0666), 0);
	EXPECT_EQ(attach_as_nobody(vm->id, -EPERM, "CAP_NET_ADMIN"), 0);
	ASSERT_EQ(chmod(ALTP2M_DEFAULT_DEVICE, st.st_mode & 07777), 0);
	/* Root may. */
	ASSERT_EQ(altp2m_mon_attach(&m, vm->id, NULL, err, sizeof(err)), 0);
	altp2m_mon_close(m);
	vm_free(vm);
}

TEST_HARNESS_MAIN
