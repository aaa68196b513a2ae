// SPDX-License-Identifier: GPL-2.0
/*
 * monitor_rt: the round trip of a synchronous monitor event against the
 * same exit handled by the VMM, in guest TSC ticks, in one VM. It prints
 * figures only; nothing here is a pass/fail test (it fails only when a
 * run goes wrong).
 *
 *   monitor_rt [N [POLL_NS [BUSY_US]]]
 *
 * N iterations per phase (default 2000); POLL_NS the module parameter
 * mon_poll_ns for the phases where the vCPU polls (default: the value the
 * module has when the program starts); BUSY_US the library daemons' busy
 * poll (altp2m_mon_set_busy_poll(), default 1000).
 *
 * The guest (one vCPU) runs each phase as a loop of N iterations timed
 * with LFENCE; RDTSC around one operation, and stores the N deltas:
 *
 *   write   a write to page P0 on even iterations and P1 on odd ones.
 *           View A has P0 read-only, view B has P1 read-only, and the vCPU
 *           starts on A, so every write violates once; the handler
 *           switches the vCPU to the other view, where the write retires,
 *           and the next write (to the other page) violates there. The
 *           handler does the same work in every phase: one view switch.
 *   vmcall  a VMCALL answered "continue".
 *
 * and the phases differ in who handles them:
 *
 *   base    the write on view 0 (no violation): the loop's own cost
 *   vmm     ALTP2M_EXIT_VIEW_VIOLATION to this VMM thread, which calls
 *           ALTP2M_SET_VCPU_VIEW and ALTP2M_RUN again; for vmcall a VMCALL
 *           outside the module's range, ALTP2M_EXIT_HYPERCALL, RUN again
 *   thread  VIOLATION (sync) events on the monitor fd, answered by a
 *           daemon thread of this process with one RESPOND SWITCH_VIEW;
 *           for vmcall ALTP2M_HC_MONITOR_REQUEST as a sync GUEST_REQUEST
 *           event answered "continue"
 *   process the same answered by a daemon process (fork, attached by VM
 *           id through /dev/altp2m)
 *   spin    the daemon thread again, but it never sleeps: it looks at the
 *           ring and calls sched_yield() when it is empty
 *
 * with the module parameter mon_poll_ns at 0 (a parked vCPU sleeps at
 * once), then the daemons that use the polling on both sides, with
 * mon_poll_ns at POLL_NS (a parked vCPU polls for its response first):
 *
 *   thread-kp   the thread daemon (poll()), the vCPU polling
 *   spin-kp     the spinning daemon, the vCPU polling
 *   lib         a daemon thread on libaltp2m (altp2m_mon_next_event())
 *               with busy polling (altp2m_mon_set_busy_poll(BUSY_US)),
 *               mon_poll_ns 0: the daemon's side alone
 *   lib-kp      the same, the vCPU polling: both sides
 *   lib-proc-kp the same daemon in a process of its own
 *
 * The thread and process daemons wait in poll() when the rings are
 * empty, as a real one would; the spinning one shows what of the round
 * trip is poll()'s sleep and wake-up. Output: one line per phase (median,
 * min, 90th percentile, mean, and the vCPU's polls answered/slept from
 * ALTP2M_MONITOR_GET_STATS), the ratios daemon/VMM, and "BENCH {json}"
 * lines for tools/bench-monitor.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../selftests/lib/vm_util.h"
#include "../selftests/lib/monitor_util.h"
#include "../selftests/lib/test_util.h"
#include "bench_pin.h"
#include "bench_stats.h"
#include "altp2m.h"

#define DEFAULT_N	2000
#define DEFAULT_BUSY_US	1000
#define POLL_PARAM	"/sys/module/altp2m/parameters/mon_poll_ns"
/* A VMCALL number outside the module's range: an exit to the VMM. */
#define VMM_HC_NR	0x1234

enum op { OP_WRITE, OP_VMCALL_VMM, OP_VMCALL_MON };
enum handler { H_NONE, H_VMM, H_THREAD, H_PROCESS, H_SPIN, H_LIB,
	       H_LIB_PROCESS };

struct phase {
	const char *name;
	enum op op;
	enum handler h;
	bool kpoll;		/* mon_poll_ns POLL_NS, else 0 */
};

static const struct phase phases[] = {
	{ "write-base",		OP_WRITE,	H_NONE,		false },
	{ "write-vmm",		OP_WRITE,	H_VMM,		false },
	{ "write-thread",	OP_WRITE,	H_THREAD,	false },
	{ "write-process",	OP_WRITE,	H_PROCESS,	false },
	{ "write-spin",		OP_WRITE,	H_SPIN,		false },
	{ "write-thread-kp",	OP_WRITE,	H_THREAD,	true },
	{ "write-spin-kp",	OP_WRITE,	H_SPIN,		true },
	{ "write-lib",		OP_WRITE,	H_LIB,		false },
	{ "write-lib-kp",	OP_WRITE,	H_LIB,		true },
	{ "write-lib-proc-kp",	OP_WRITE,	H_LIB_PROCESS,	true },
	{ "vmcall-vmm",		OP_VMCALL_VMM,	H_VMM,		false },
	{ "vmcall-thread",	OP_VMCALL_MON,	H_THREAD,	false },
	{ "vmcall-process",	OP_VMCALL_MON,	H_PROCESS,	false },
	{ "vmcall-spin",	OP_VMCALL_MON,	H_SPIN,		false },
	{ "vmcall-thread-kp",	OP_VMCALL_MON,	H_THREAD,	true },
	{ "vmcall-spin-kp",	OP_VMCALL_MON,	H_SPIN,		true },
	{ "vmcall-lib",		OP_VMCALL_MON,	H_LIB,		false },
	{ "vmcall-lib-kp",	OP_VMCALL_MON,	H_LIB,		true },
	{ "vmcall-lib-proc-kp",	OP_VMCALL_MON,	H_LIB_PROCESS,	true },
};

#define NR_PHASES	(sizeof(phases) / sizeof(phases[0]))

/* ------------------------------------------------------ guest code */

static inline uint64_t guest_tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static inline void guest_vmcall_vmm(uint64_t i)
{
	uint64_t rax = VMM_HC_NR;

	__asm__ __volatile__("vmcall" : "+a"(rax) : "b"(i) : "memory");
}

/*
 * @ops: the phases' operations, one byte each; @ticks: NR_PHASES * @n
 * deltas. GUEST_SYNC(phase) before each phase lets the host set it up.
 */
static void guest_code(uint64_t n, uint64_t ticks, uint64_t p0, uint64_t p1,
		       uint64_t ops)
{
	uint64_t ph, i, t0, t1, *out;
	uint8_t op;

	for (ph = 0; ph < NR_PHASES; ph++) {
		GUEST_SYNC(ph);
		op = READ_ONCE(((uint8_t *)ops)[ph]);
		out = (uint64_t *)ticks + ph * n;
		for (i = 0; i < n; i++) {
			t0 = guest_tsc();
			if (op == OP_WRITE)
				WRITE_ONCE(*(uint64_t *)(i & 1 ? p1 : p0), i);
			else if (op == OP_VMCALL_VMM)
				guest_vmcall_vmm(i);
			else
				guest_monitor_request(i, 0, 0, 0);
			t1 = guest_tsc();
			out[i] = t1 - t0;
		}
	}
}

/* ------------------------------------------------------ the daemon */

struct daemon {
	struct monitor *m;	/* selftests' monitor_util, or */
	struct altp2m_mon *lm;	/* libaltp2m's, with busy polling */
	uint32_t view_a, view_b;
	unsigned int busy_us;
	uint64_t res[3];	/* events answered, vCPU polls hit, missed */
	uint64_t polls0[2];	/* the vCPU's poll counts at the start */
	int stop_fd;		/* readable: stop (process); -1 for a thread */
	bool spin;		/* sched_yield(), not poll(), on an empty ring */
	int stop;		/* thread; atomic */
	int ready;		/* thread: pinned, in its loop; atomic */
	pthread_t th;
};

static void daemon_enable(struct monitor *m)
{
	monitor_set_event(m, ALTP2M_MON_EV_VIOLATION,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	monitor_set_event(m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
}

/* libaltp2m's attach by VM id, both events sync, busy polling. */
static void daemon_lib_attach(struct daemon *d, uint32_t vm_id)
{
	const uint32_t sync = ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC;
	char err[ALTP2M_ERRMSG_LEN];

	TEST_ASSERT(!altp2m_mon_attach(&d->lm, vm_id, NULL, err, sizeof(err)),
		    "altp2m_mon_attach: %s", err);
	TEST_ASSERT(!altp2m_mon_set_event(d->lm, ALTP2M_MON_EV_VIOLATION,
					  sync, 0, 0) &&
		    !altp2m_mon_set_event(d->lm, ALTP2M_MON_EV_GUEST_REQUEST,
					  sync, 0, 0) &&
		    !altp2m_mon_set_busy_poll(d->lm, d->busy_us),
		    "libaltp2m: %s", altp2m_mon_errmsg(d->lm));
}

/* One RESPOND per event: the other view for a violation, else continue. */
static void daemon_answer(struct daemon *d,
			  const struct altp2m_monitor_event *ev)
{
	struct altp2m_monitor_response r = { .vcpu = ev->vcpu, .seq = ev->seq };
	uint32_t other = ev->view == d->view_a ? d->view_b : d->view_a;
	int ret;

	if (d->lm) {
		ret = ev->type == ALTP2M_MON_EV_VIOLATION ?
		      altp2m_mon_switch_view(d->lm, ev, other) :
		      altp2m_mon_continue(d->lm, ev);
		TEST_ASSERT(!ret, "%s", altp2m_mon_errmsg(d->lm));
		d->res[0]++;
		return;
	}
	if (ev->type == ALTP2M_MON_EV_VIOLATION) {
		r.flags = ALTP2M_MON_RSP_SWITCH_VIEW;
		r.view = other;
	}
	TEST_ASSERT(!__monitor_respond(d->m, &r), "RESPOND seq %llu: %s",
		    (unsigned long long)ev->seq, strerror(errno));
	d->res[0]++;
}

static bool daemon_stopped(struct daemon *d)
{
	struct pollfd p = { .fd = d->stop_fd, .events = POLLIN };

	if (d->stop_fd < 0)
		return __atomic_load_n(&d->stop, __ATOMIC_ACQUIRE);
	return poll(&p, 1, 0) == 1;
}

static void daemon_loop(struct daemon *d)
{
	struct altp2m_monitor_event ev;
	int ret;

	while (!daemon_stopped(d)) {
		if (d->lm) {
			ret = altp2m_mon_next_event(d->lm, &ev, 100);
			TEST_ASSERT(ret >= 0, "next event: %s",
				    altp2m_mon_errmsg(d->lm));
			if (ret)
				daemon_answer(d, &ev);
			continue;
		}
		if (d->spin) {
			if (monitor_ring_pop(d->m, 0, &ev))
				daemon_answer(d, &ev);
			else
				sched_yield();
			continue;
		}
		if (monitor_next_event(d->m, &ev, 100)) {
			TEST_ASSERT(errno == ETIMEDOUT, "next event: %s",
				    strerror(errno));
			continue;
		}
		daemon_answer(d, &ev);
	}
}

/* vCPU 0's poll counts (ALTP2M_MONITOR_GET_STATS, since it exists). */
static void daemon_polls(struct daemon *d, uint64_t *polls)
{
	struct altp2m_monitor_stats st = { 0 };

	if (d->lm)
		TEST_ASSERT(!altp2m_mon_get_stats(d->lm, 0, &st), "%s",
			    altp2m_mon_errmsg(d->lm));
	else
		TEST_ASSERT(!ioctl(d->m->fd, ALTP2M_MONITOR_GET_STATS, &st),
			    "ALTP2M_MONITOR_GET_STATS: %s", strerror(errno));
	polls[0] = st.poll_hits;
	polls[1] = st.poll_misses;
}

/* The vCPU's polls during the phase, then detach. */
static void daemon_close(struct daemon *d)
{
	uint64_t polls[2];

	daemon_polls(d, polls);
	d->res[1] = polls[0] - d->polls0[0];
	d->res[2] = polls[1] - d->polls0[1];
	if (d->lm) {
		altp2m_mon_close(d->lm);
		d->lm = NULL;
		return;
	}
	monitor_close(d->m);
}

static void *daemon_thread(void *arg)
{
	struct daemon *d = arg;

	bench_pin(BENCH_CPU_DAEMON);
	__atomic_store_n(&d->ready, 1, __ATOMIC_RELEASE);
	daemon_loop(d);
	return NULL;
}

static void thread_start(struct daemon *d, struct vm *vm, enum handler h)
{
	memset(d->res, 0, sizeof(d->res));
	d->spin = h == H_SPIN;
	d->stop_fd = -1;
	d->stop = 0;
	d->lm = NULL;
	if (h == H_LIB) {
		daemon_lib_attach(d, vm->id);
	} else {
		d->m = monitor_attach(vm, 0, 0);
		daemon_enable(d->m);
	}
	daemon_polls(d, d->polls0);
	d->ready = 0;
	TEST_ASSERT(!pthread_create(&d->th, NULL, daemon_thread, d),
		    "pthread_create");
	/*
	 * The first timed event waits for a daemon already on its CPU, as
	 * the process daemons' start does: a new thread starts on this
	 * thread's CPU and moves, which took up to seconds of the guest's
	 * time in the first iteration.
	 */
	while (!__atomic_load_n(&d->ready, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void thread_stop(struct daemon *d)
{
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
	pthread_join(d->th, NULL);
	daemon_close(d);
}

struct child {
	pid_t pid;
	int stop_w;		/* close: stop */
	int res_r;		/* the child's struct daemon .res */
};

/* A daemon process: attaches by VM id, as an outside daemon would. */
static void process_start(struct child *c, struct daemon *d, uint32_t vm_id,
			  enum handler h)
{
	int stop[2], res[2];
	char ready;

	TEST_ASSERT(!pipe(stop) && !pipe(res), "pipe: %s", strerror(errno));
	c->pid = fork();
	TEST_ASSERT(c->pid >= 0, "fork: %s", strerror(errno));
	if (!c->pid) {
		bench_pin(BENCH_CPU_DAEMON);
		close(stop[1]);
		close(res[0]);
		memset(d->res, 0, sizeof(d->res));
		d->lm = NULL;
		if (h == H_LIB_PROCESS) {
			daemon_lib_attach(d, vm_id);
		} else {
			d->m = monitor_attach_dev(altp2m_open_dev(), vm_id,
						  0, 0);
			daemon_enable(d->m);
		}
		daemon_polls(d, d->polls0);
		d->stop_fd = stop[0];
		d->spin = false;
		ready = 1;
		TEST_ASSERT(write(res[1], &ready, 1) == 1, "ready");
		daemon_loop(d);
		daemon_close(d);
		TEST_ASSERT(write(res[1], d->res, sizeof(d->res)) ==
			    sizeof(d->res), "result");
		_exit(0);
	}
	close(stop[0]);
	close(res[1]);
	c->stop_w = stop[1];
	c->res_r = res[0];
	TEST_ASSERT(read(c->res_r, &ready, 1) == 1, "daemon did not start");
}

static void process_stop(struct child *c, struct daemon *d)
{
	int status;

	/* A byte makes the pipe readable (the parent's own copy stays open). */
	TEST_ASSERT(write(c->stop_w, "", 1) == 1, "stop");
	TEST_ASSERT(read(c->res_r, d->res, sizeof(d->res)) == sizeof(d->res),
		    "daemon gave no result");
	TEST_ASSERT(waitpid(c->pid, &status, 0) == c->pid &&
		    WIFEXITED(status) && !WEXITSTATUS(status),
		    "daemon failed");
	close(c->stop_w);
	close(c->res_r);
}

/* The module parameter mon_poll_ns: read, or written (@ns >= 0). */
static uint32_t poll_ns(int64_t ns)
{
	char buf[32] = { 0 };
	int fd, len;

	fd = open(POLL_PARAM, ns >= 0 ? O_WRONLY : O_RDONLY);
	TEST_ASSERT(fd >= 0, "%s: %s", POLL_PARAM, strerror(errno));
	if (ns >= 0) {
		len = snprintf(buf, sizeof(buf), "%lld\n", (long long)ns);
		TEST_ASSERT(write(fd, buf, len) == len, "%s: %s", POLL_PARAM,
			    strerror(errno));
	} else {
		TEST_ASSERT(read(fd, buf, sizeof(buf) - 1) > 0, "%s: %s",
			    POLL_PARAM, strerror(errno));
	}
	close(fd);
	return ns >= 0 ? (uint32_t)ns : strtoul(buf, NULL, 10);
}

/* ------------------------------------------------------ the VMM */

/*
 * Run up to the next ucall; view violations go to the other view, VMCALLs
 * continue. Returns how many exits this thread handled.
 */
static uint64_t vmm_run(struct vcpu *vcpu, uint32_t view_a, uint32_t view_b,
			struct ucall *uc)
{
	struct altp2m_run *run = vcpu->run;
	uint64_t exits = 0;

	for (;;) {
		vcpu_run(vcpu);
		switch (run->exit_reason) {
		case ALTP2M_EXIT_VIEW_VIOLATION:
			vcpu_set_view(vcpu, run->violation.view == view_a ?
				      view_b : view_a);
			exits++;
			continue;
		case ALTP2M_EXIT_HYPERCALL:
			TEST_ASSERT(run->hypercall.nr == VMM_HC_NR,
				    "hypercall %#llx",
				    (unsigned long long)run->hypercall.nr);
			exits++;
			continue;
		}
		break;
	}
	TEST_ASSERT(get_ucall(vcpu, uc) != UCALL_NONE,
		    "exit %s, not a ucall", exit_reason_str(run->exit_reason));
	TEST_ASSERT(uc->type == UCALL_SYNC || uc->type == UCALL_DONE,
		    "guest ucall %llu", (unsigned long long)uc->type);
	return exits;
}

/* ------------------------------------------------------ figures */

/* Daemon's median over the VMM's of the same operation. */
static void ratios(const struct stats *st)
{
	char what[64];
	unsigned int i, vmm = 0;

	for (i = 0; i < NR_PHASES; i++) {
		if (phases[i].h == H_VMM) {
			vmm = i;
			continue;
		}
		if (phases[i].h == H_NONE)
			continue;
		snprintf(what, sizeof(what), "%s/vmm", phases[i].name);
		ratio(what, &st[i], &st[vmm]);
	}
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_N;
	uint64_t kp_ns = argc > 2 ? strtoull(argv[2], NULL, 0) : poll_ns(-1);
	uint64_t busy = argc > 3 ? strtoull(argv[3], NULL, 0) : DEFAULT_BUSY_US;
	uint32_t saved_ns = poll_ns(-1);
	struct stats st[NR_PHASES];
	struct daemon d = { 0 };
	struct child c;
	struct ucall uc;
	struct vcpu *vcpu;
	uint64_t p0, p1, ticks, ops, handled, ph;
	uint32_t view_a, view_b;
	uint8_t *opb;
	struct vm *vm;

	if (!n || n > 100000 || kp_ns > UINT32_MAX ||
	    busy > ALTP2M_MON_BUSY_POLL_MAX) {
		fprintf(stderr, "usage: monitor_rt [N [POLL_NS [BUSY_US]]], 1 <= N <= 100000\n");
		return 2;
	}
	bench_pin(BENCH_CPU_VCPU);
	setvbuf(stdout, NULL, _IOLBF, 0);
	vm = vm_create(64 << 20);
	p0 = vm_alloc(vm, 4096, 4096);
	p1 = vm_alloc(vm, 4096, 4096);
	ticks = vm_alloc(vm, NR_PHASES * n * 8, 4096);
	ops = vm_alloc(vm, 4096, 4096);
	opb = addr_gva2hva(vm, ops);
	for (ph = 0; ph < NR_PHASES; ph++)
		opb[ph] = phases[ph].op;
	vcpu = vcpu_add(vm, 0, guest_code);
	vcpu_args_set(vcpu, 5, n, ticks, p0, p1, ops);

	vm_views_enable(vm, 0);
	view_a = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	view_b = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vm_set_mem_access(vm, view_a, p0 >> 12, 1, ALTP2M_ACCESS_RX);
	vm_set_mem_access(vm, view_b, p1 >> 12, 1, ALTP2M_ACCESS_RX);
	d.view_a = view_a;
	d.view_b = view_b;
	d.busy_us = busy;

	printf("monitor round trips, N = %llu per phase, guest TSC ticks\n",
	       (unsigned long long)n);
	printf("-kp: mon_poll_ns %llu; lib: busy poll %llu us\n",
	       (unsigned long long)kp_ns, (unsigned long long)busy);
	vmm_run(vcpu, view_a, view_b, &uc);	/* GUEST_SYNC(0) */
	for (ph = 0; ph < NR_PHASES; ph++) {
		const struct phase *p = &phases[ph];
		uint64_t *t = addr_gva2hva(vm, ticks + ph * n * 8);
		bool daemon = p->h >= H_THREAD;

		TEST_ASSERT(uc.type == UCALL_SYNC && uc.args[0] == ph,
			    "guest out of step at phase %llu",
			    (unsigned long long)ph);
		/* Writes start on view A, where P0 is read-only. */
		vcpu_set_view(vcpu, p->op == OP_WRITE && p->h != H_NONE ?
			      view_a : 0);
		poll_ns(p->kpoll ? (int64_t)kp_ns : 0);
		memset(d.res, 0, sizeof(d.res));
		if (p->h == H_THREAD || p->h == H_SPIN || p->h == H_LIB)
			thread_start(&d, vm, p->h);
		else if (p->h == H_PROCESS || p->h == H_LIB_PROCESS)
			process_start(&c, &d, vm->id, p->h);
		handled = vmm_run(vcpu, view_a, view_b, &uc);
		if (p->h == H_THREAD || p->h == H_SPIN || p->h == H_LIB)
			thread_stop(&d);
		else if (p->h == H_PROCESS || p->h == H_LIB_PROCESS)
			process_stop(&c, &d);
		/* Every iteration went exactly where this phase says. */
		TEST_ASSERT(handled == (p->h == H_VMM ? n : 0) &&
			    d.res[0] == (daemon ? n : 0),
			    "%s: %llu exits to the VMM, %llu events", p->name,
			    (unsigned long long)handled,
			    (unsigned long long)d.res[0]);
		st[ph] = stats_of(t, n);
		printf("%-20s median %8llu  min %8llu  p90 %8llu  mean %10.1f",
		       p->name, (unsigned long long)st[ph].median,
		       (unsigned long long)st[ph].min,
		       (unsigned long long)st[ph].p90, st[ph].mean);
		printf("  max %10llu @%-5llu polls %llu/%llu\n",
		       (unsigned long long)st[ph].max,
		       (unsigned long long)st[ph].max_at,
		       (unsigned long long)d.res[1],
		       (unsigned long long)d.res[2]);
		/* One line, in four calls (no string split across lines). */
		printf("BENCH {\"phase\": \"%s\", \"n\": %llu, ", p->name,
		       (unsigned long long)n);
		printf("\"median\": %llu, \"min\": %llu, ",
		       (unsigned long long)st[ph].median,
		       (unsigned long long)st[ph].min);
		printf("\"p90\": %llu, \"mean\": %.1f, ",
		       (unsigned long long)st[ph].p90, st[ph].mean);
		printf("\"max\": %llu, \"max_at\": %llu, ",
		       (unsigned long long)st[ph].max,
		       (unsigned long long)st[ph].max_at);
		printf("\"poll_hits\": %llu, \"poll_misses\": %llu}\n",
		       (unsigned long long)d.res[1],
		       (unsigned long long)d.res[2]);
	}
	TEST_ASSERT(uc.type == UCALL_DONE, "guest did not finish");
	poll_ns(saved_ns);
	ratios(st);
	vm_free(vm);
	return 0;
}
