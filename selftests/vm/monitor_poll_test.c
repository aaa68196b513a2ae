// SPDX-License-Identifier: GPL-2.0
/*
 * A vCPU parked on a sync monitor event polls for its response before it
 * sleeps (the module parameter mon_poll_ns; ALTP2M_MONITOR_GET_STATS'
 * @poll_hits and @poll_misses count the polls): polls answered in time
 * with a quick daemon on a CPU of its own, none with mon_poll_ns 0, the
 * poll giving way to the daemon on a single CPU, responses applied either
 * way, a signal ending the poll at once, and a paused vCPU not polling.
 *
 * The guest writes to page P0 on even iterations and P1 on odd ones; view
 * A has P0 read-only and view B P1, and the vCPU starts on A, so each
 * write violates once and retires only if the response's switch to the
 * other view was applied: a lost response is an extra event.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../lib/monitor_util.h"
#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define POLL_PARAM	"/sys/module/altp2m/parameters/mon_poll_ns"
#define N_WRITES	64

/* ------------------------------------------------------ guest */

/* @n writes, GUEST_SYNC(n), then one more write (to P0), GUEST_DONE. */
static void guest_writes(uint64_t n, uint64_t p0, uint64_t p1)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		WRITE_ONCE(*(uint64_t *)(i & 1 ? p1 : p0), i);
	GUEST_SYNC(n);
	WRITE_ONCE(*(uint64_t *)(n & 1 ? p1 : p0), n);
	GUEST_DONE();
}

/* ------------------------------------------------------ host helpers */

static uint32_t read_poll_ns(void)
{
	char buf[32] = { 0 };
	int fd = open(POLL_PARAM, O_RDONLY);

	TEST_ASSERT(fd >= 0, "%s: %s", POLL_PARAM, strerror(errno));
	TEST_ASSERT(read(fd, buf, sizeof(buf) - 1) > 0, "read %s", POLL_PARAM);
	close(fd);
	return strtoul(buf, NULL, 10);
}

static void write_poll_ns(uint32_t ns)
{
	char buf[32];
	int fd = open(POLL_PARAM, O_WRONLY), len;

	TEST_ASSERT(fd >= 0, "%s: %s", POLL_PARAM, strerror(errno));
	len = snprintf(buf, sizeof(buf), "%u\n", ns);
	TEST_ASSERT(write(fd, buf, len) == len, "write %s: %s", POLL_PARAM,
		    strerror(errno));
	close(fd);
	TEST_ASSERT(read_poll_ns() == ns, "mon_poll_ns did not take %u", ns);
}

static int nr_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

/* On two CPUs or more, this thread on @cpu: the vCPU and daemon apart. */
static void pin(int cpu)
{
	cpu_set_t set;

	if (nr_cpus() < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set),
		    "sched_setaffinity: %s", strerror(errno));
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * Busy-wait @ms: nanosleep() in the test VM ends a scheduler tick or more
 * late, and the daemon's delays must be exact to steer the vCPU's window.
 */
static void spin_ms(unsigned int ms)
{
	int64_t end = now_ms() + ms;

	while (now_ms() < end)
		;
}

/* The scheduler state of thread @tid of this process ('R', 'S', ...). */
static char thread_state(pid_t tid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	TEST_ASSERT(fd >= 0, "%s: %s", path, strerror(errno));
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	TEST_ASSERT(n > 0, "read %s", path);
	buf[n] = 0;
	/* "tid (comm) S ...": the comm may hold anything but a ')' last. */
	p = strrchr(buf, ')');
	TEST_ASSERT(p && p[1] == ' ', "%s: %s", path, buf);
	return p[2];
}

/* vCPU 0's monitor counters (ALTP2M_MONITOR_GET_STATS). */
static struct altp2m_monitor_stats mon_stats(struct monitor *m)
{
	struct altp2m_monitor_stats st = { 0 };

	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_GET_STATS, &st),
		    "ALTP2M_MONITOR_GET_STATS: %s", strerror(errno));
	return st;
}

struct setup {
	struct vm *vm;
	struct vcpu *vcpu;
	struct monitor *m;
	uint32_t view_a, view_b;
	uint64_t p0, p1;
	uint32_t saved_poll_ns;
};

static void setup(struct setup *s, uint32_t poll_ns, uint64_t n)
{
	s->saved_poll_ns = read_poll_ns();
	write_poll_ns(poll_ns);
	s->vm = vm_create(0);
	s->p0 = vm_alloc(s->vm, 4096, 4096);
	s->p1 = vm_alloc(s->vm, 4096, 4096);
	s->vcpu = vcpu_add(s->vm, 0, guest_writes);
	vcpu_args_set(s->vcpu, 3, n, s->p0, s->p1);
	vm_views_enable(s->vm, 0);
	s->view_a = vm_view_create(s->vm, ALTP2M_ACCESS_DEFAULT);
	s->view_b = vm_view_create(s->vm, ALTP2M_ACCESS_DEFAULT);
	vm_set_mem_access(s->vm, s->view_a, s->p0 >> 12, 1, ALTP2M_ACCESS_RX);
	vm_set_mem_access(s->vm, s->view_b, s->p1 >> 12, 1, ALTP2M_ACCESS_RX);
	vcpu_set_view(s->vcpu, s->view_a);
	s->m = monitor_attach(s->vm, 0, 0);
	monitor_set_event(s->m, ALTP2M_MON_EV_VIOLATION,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
}

static void teardown(struct setup *s)
{
	monitor_close(s->m);
	vm_free(s->vm);
	write_poll_ns(s->saved_poll_ns);
}

/*
 * A daemon thread that never sleeps: it looks at the ring and answers
 * each violation with a switch to the other view, at once or @delay_ms
 * later. It answers @answer events so; the one after, it holds (@held):
 * with @signal it looks at the vCPU thread's state (@state) 10 ms later,
 * sends it SIGUSR1 10 ms after that and answers once @release is set;
 * with @pause it pauses the VM, looks at the vCPU thread's state 50 ms
 * later, answers and resumes.
 */
struct daemon {
	struct setup *s;
	pthread_t th;
	uint64_t answer;
	unsigned int delay_ms;
	uint64_t events;		/* answered */
	bool signal, pause;
	pthread_t vcpu_th;
	pid_t vcpu_tid;
	char state;
	struct altp2m_monitor_event held;
	int have_held, release, stop;	/* atomic */
};

static void answer(struct setup *s, const struct altp2m_monitor_event *ev)
{
	struct altp2m_monitor_response r = {
		.vcpu = ev->vcpu,
		.seq = ev->seq,
		.flags = ALTP2M_MON_RSP_SWITCH_VIEW,
		.view = ev->view == s->view_a ? s->view_b : s->view_a,
	};

	TEST_ASSERT(ev->type == ALTP2M_MON_EV_VIOLATION, "event type %u",
		    ev->type);
	TEST_ASSERT(!__monitor_respond(s->m, &r), "RESPOND: %s",
		    strerror(errno));
}

static void daemon_hold(struct daemon *d, const struct altp2m_monitor_event *ev)
{
	d->held = *ev;
	__atomic_store_n(&d->have_held, 1, __ATOMIC_RELEASE);
	if (d->signal) {
		spin_ms(10);
		d->state = thread_state(d->vcpu_tid);
		spin_ms(10);
		pthread_kill(d->vcpu_th, SIGUSR1);
		while (!__atomic_load_n(&d->release, __ATOMIC_ACQUIRE))
			sleep_ms(1);
		answer(d->s, ev);
	} else if (d->pause) {
		monitor_pause(d->s->m, -1);
		spin_ms(50);
		d->state = thread_state(d->vcpu_tid);
		answer(d->s, ev);
		monitor_resume(d->s->m, -1);
	} else {
		answer(d->s, ev);
	}
}

static void *daemon_thread(void *arg)
{
	struct daemon *d = arg;
	struct altp2m_monitor_event ev;

	pin(1);
	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
		if (!monitor_ring_pop(d->s->m, 0, &ev)) {
			sched_yield();
			continue;
		}
		if (d->events < d->answer) {
			if (d->delay_ms)
				spin_ms(d->delay_ms);
			answer(d->s, &ev);
		} else {
			daemon_hold(d, &ev);
		}
		d->events++;
	}
	return NULL;
}

/* The daemon, for a vCPU that runs on this thread (pinned to CPU 0). */
static void daemon_start(struct daemon *d, struct setup *s, uint64_t answer,
			 unsigned int delay_ms, bool signal, bool pause)
{
	memset(d, 0, sizeof(*d));
	d->s = s;
	d->answer = answer;
	d->delay_ms = delay_ms;
	d->signal = signal;
	d->pause = pause;
	d->vcpu_th = pthread_self();
	d->vcpu_tid = (pid_t)syscall(SYS_gettid);
	pin(0);
	TEST_ASSERT(!pthread_create(&d->th, NULL, daemon_thread, d),
		    "pthread_create");
}

static uint64_t daemon_stop(struct daemon *d)
{
	__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
	TEST_ASSERT(!pthread_join(d->th, NULL), "join");
	return d->events;
}

/* Every write retired once, on the view its response chose. */
static void check_writes(struct setup *s, uint64_t n)
{
	uint64_t *p0 = addr_gva2hva(s->vm, s->p0);
	uint64_t *p1 = addr_gva2hva(s->vm, s->p1);

	TEST_ASSERT(*p0 == (n - 1 - ((n - 1) & 1)) && *p1 == n - 1 - (n & 1),
		    "P0 %llu, P1 %llu after %llu writes",
		    (unsigned long long)*p0, (unsigned long long)*p1,
		    (unsigned long long)n);
}

/* ------------------------------------------------------ tests */

/*
 * A daemon that answers at once: on a CPU of its own the vCPU finds most
 * responses while it polls; on a single CPU the poll gives the CPU up to
 * the daemon, it cannot answer first.
 */
TEST(polls_with_a_quick_daemon)
{
	struct altp2m_monitor_stats h;
	struct setup s;
	struct daemon d;
	struct ucall uc;

	/* A limit far above any round trip, so the window keeps growing. */
	setup(&s, 1000000000, N_WRITES);
	daemon_start(&d, &s, N_WRITES + 1, 0, false, false);
	EXPECT_EQ(vcpu_run_ucall(s.vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], N_WRITES);
	EXPECT_EQ(daemon_stop(&d), N_WRITES);
	check_writes(&s, N_WRITES);
	h = mon_stats(s.m);
	TH_LOG("%d CPUs: %llu polls answered, %llu slept", nr_cpus(),
	       (unsigned long long)h.poll_hits,
	       (unsigned long long)h.poll_misses);
	EXPECT_EQ(h.sync_waits, N_WRITES);
	/* The first wait only measures (the window starts at 0). */
	EXPECT_GE(N_WRITES - 1, h.poll_hits + h.poll_misses);
	if (nr_cpus() >= 2) {
		EXPECT_GE(h.poll_hits, N_WRITES / 2);
	} else {
		EXPECT_LT(0, h.poll_misses);
		EXPECT_LT(h.poll_hits, h.poll_misses);
	}
	teardown(&s);
}

/* mon_poll_ns 0: no vCPU polls, the responses are applied all the same. */
TEST(no_polling_at_zero)
{
	struct altp2m_monitor_stats h;
	struct setup s;
	struct daemon d;
	struct ucall uc;

	setup(&s, 0, N_WRITES);
	daemon_start(&d, &s, N_WRITES + 1, 0, false, false);
	EXPECT_EQ(vcpu_run_ucall(s.vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(daemon_stop(&d), N_WRITES);
	check_writes(&s, N_WRITES);
	h = mon_stats(s.m);
	EXPECT_EQ(h.sync_waits, N_WRITES);
	EXPECT_EQ(h.poll_hits, 0);
	EXPECT_EQ(h.poll_misses, 0);
	teardown(&s);
}

/*
 * A long window: the limit is 200 ms and the daemon answers the WARM
 * first events 150 ms late, so that each wait is longer than the window
 * and shorter than the limit: the window doubles from 10 us at each to
 * 10 us * 2^14 = 164 ms, then stays (the answers come within it).
 */
#define WARM		16
#define LIMIT_NS	200000000u
#define LATE_MS		150

/*
 * A vCPU polling with its 164 ms window while its daemon holds the
 * answer: a signal 20 ms in ends RUN then (EINTR, still parked), not at
 * the window's end; the next RUN parks again and takes the response.
 */
TEST(signal_ends_the_poll)
{
	struct setup s;
	struct daemon d;
	struct ucall uc;
	int64_t t0, took;

	setup(&s, LIMIT_NS, WARM);
	daemon_start(&d, &s, WARM, LATE_MS, true, false);
	EXPECT_EQ(vcpu_run_ucall(s.vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], WARM);
	/* The last write: the daemon holds it and signals at 200 ms. */
	t0 = now_ms();
	EXPECT_EQ(_vcpu_run(s.vcpu), -1);
	EXPECT_EQ(errno, EINTR);
	took = now_ms() - t0;
	EXPECT_EQ(s.vcpu->run->exit_reason, ALTP2M_EXIT_INTR);
	TH_LOG("RUN ended after %lld ms (signal at 20 ms; vCPU '%c' at 10)",
	       (long long)took, d.state);
	/* Not at the end of the window. */
	EXPECT_LT(took, 100);
	EXPECT_TRUE(__atomic_load_n(&d.have_held, __ATOMIC_ACQUIRE));
	EXPECT_EQ(monitor_ring(s.m, 0)->parked, d.held.seq);
	__atomic_store_n(&d.release, 1, __ATOMIC_RELEASE);
	EXPECT_EQ(vcpu_run_ucall(s.vcpu, &uc), UCALL_DONE);
	EXPECT_EQ(daemon_stop(&d), WARM + 1);
	check_writes(&s, WARM + 1);
	teardown(&s);
}

/*
 * Parked with its 164 ms window, then paused by the monitor: 50 ms later
 * the vCPU sleeps ('S') rather than spin out its window (a pause is
 * long); answered and resumed, it goes on.
 */
TEST(paused_vcpu_does_not_poll)
{
	struct setup s;
	struct daemon d;
	struct ucall uc;

	setup(&s, LIMIT_NS, WARM);
	daemon_start(&d, &s, WARM, LATE_MS, false, true);
	EXPECT_EQ(vcpu_run_ucall(s.vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(vcpu_run_ucall(s.vcpu, &uc), UCALL_DONE);
	EXPECT_EQ(daemon_stop(&d), WARM + 1);
	EXPECT_EQ(d.state, 'S');
	check_writes(&s, WARM + 1);
	teardown(&s);
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void __attribute__((constructor)) monitor_poll_test_init(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };

	sigaction(SIGUSR1, &sa, NULL);
}

TEST_HARNESS_MAIN
