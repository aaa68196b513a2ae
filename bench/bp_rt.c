// SPDX-License-Identifier: GPL-2.0
/*
 * bp_rt: what one hit of a hidden breakpoint costs the guest, when the
 * module steps over it by itself and when a daemon answers it, in guest
 * TSC ticks, in one VM. It prints figures only; nothing here is a
 * pass/fail test (it fails only when a run goes wrong).
 *
 *   bp_rt [N]        N calls per phase (default 2000)
 *
 * The guest (one vCPU) calls a small function N times per phase, timing
 * each call with LFENCE; RDTSC. The function lives alone in page F
 * ("mov eax, ecx; ret"); view X (the execute view) remaps F to a hidden
 * frame H holding the same bytes, execute-only, and the vCPU runs on X,
 * as under a tracer. The phases:
 *
 *   base     no breakpoint: the call's own cost on view X
 *   count    a count-only hidden breakpoint on the function's first
 *            instruction: the module steps over it on view 0 and goes
 *            back to X, with no exit to anyone
 *   async    the same with an async event per hit, consumed by a daemon
 *            thread (the vCPU does not wait for it)
 *   daemon   a sync hidden breakpoint answered by a daemon thread with
 *            FAST_SINGLESTEP on view 0 back to X: what an introspection
 *            daemon on Xen's altp2m does for every hit (DRAKVUF's
 *            breakpoint handling), one round trip through the ring
 *   spin     the same daemon, never sleeping (sched_yield() on an empty
 *            ring)
 *
 * Output: one line per phase (median, min, 90th percentile, mean, ticks
 * per call), the ratios daemon/count and spin/count (the target:
 * the daemon path at least 3 times dearer than the module's own
 * step-over), the module's counters (ALTP2M_MONITOR_GET_STATS) and
 * "BENCH {json}" lines for tools/bench-bp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../selftests/lib/vm_util.h"
#include "../selftests/lib/monitor_util.h"
#include "../selftests/lib/test_util.h"

#define DEFAULT_N	2000
/* A gfn far above the guest's RAM for the shadow. */
#define SHADOW_GFN	0x800000ULL

enum mode { M_NONE, M_COUNT, M_ASYNC, M_DAEMON, M_SPIN };

struct phase {
	const char *name;
	enum mode mode;
};

static const struct phase phases[] = {
	{ "base",	M_NONE },
	{ "count",	M_COUNT },
	{ "async",	M_ASYNC },
	{ "daemon",	M_DAEMON },
	{ "spin",	M_SPIN },
};

#define NR_PHASES	(sizeof(phases) / sizeof(phases[0]))

/* mov eax, ecx; ret: the function under the breakpoint. */
static const uint8_t fn_code[] = { 0x89, 0xc8, 0xc3 };

/* ------------------------------------------------------ guest code */

static inline uint64_t guest_tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

static void guest_code(uint64_t n, uint64_t ticks, uint64_t fn)
{
	uint32_t (*f)(uint32_t) = (void *)fn;
	uint64_t ph, i, t0, t1, *out;
	uint32_t sum = 0;

	for (ph = 0; ph < NR_PHASES; ph++) {
		GUEST_SYNC(ph);
		out = (uint64_t *)ticks + ph * n;
		for (i = 0; i < n; i++) {
			t0 = guest_tsc();
			/* The function gets the argument in ECX. */
			__asm__ __volatile__("call *%[f]"
					     : "=a"(sum)
					     : [f] "r"(f), "c"((uint32_t)i)
					     : "memory", "rdx", "rsi", "rdi",
					       "r8", "r9", "r10", "r11");
			t1 = guest_tsc();
			GUEST_ASSERT(sum == (uint32_t)i);
			out[i] = t1 - t0;
		}
	}
}

/* ------------------------------------------------------ the daemon */

struct daemon {
	struct monitor *m;
	uint32_t exec_view;
	bool spin, fast_step;
	uint64_t events;
	int stop;		/* atomic */
	pthread_t th;
};

static void daemon_answer(struct daemon *d,
			  const struct altp2m_monitor_event *ev)
{
	struct altp2m_monitor_response r = { .vcpu = ev->vcpu, .seq = ev->seq };

	d->events++;
	if (!(ev->flags & ALTP2M_MON_EVF_SYNC))
		return;
	TEST_ASSERT(ev->type == ALTP2M_MON_EV_BREAKPOINT &&
		    (ev->u.breakpoint.flags & ALTP2M_MON_BPF_HIDDEN),
		    "event type %u", ev->type);
	r.flags = ALTP2M_MON_RSP_FAST_SINGLESTEP;
	r.step_view = 0;
	r.view = d->exec_view;
	TEST_ASSERT(!__monitor_respond(d->m, &r), "RESPOND seq %llu: %s",
		    (unsigned long long)ev->seq, strerror(errno));
}

static void *daemon_thread(void *arg)
{
	struct daemon *d = arg;
	struct altp2m_monitor_event ev;

	while (!__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE)) {
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
	/* Whatever came last (async events after the guest's last hit). */
	while (monitor_ring_pop(d->m, 0, &ev))
		daemon_answer(d, &ev);
	return NULL;
}

/* ------------------------------------------------------ set-up */

static uint32_t bp_add(struct monitor *m, uint64_t gpa, uint32_t exec_view,
		       uint32_t flags)
{
	struct altp2m_monitor_breakpoint bp = {
		.flags = flags,
		.gpa = gpa,
		.shadow_gfn = SHADOW_GFN,
		.exec_view = exec_view,
		.clean_view = 0,
	};

	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &bp),
		    "ADD_BREAKPOINT: %s", strerror(errno));
	TEST_ASSERT(bp.orig == fn_code[0], "orig %#x", bp.orig);
	return bp.id;
}

static uint64_t bp_remove(struct monitor *m, uint32_t id)
{
	struct altp2m_monitor_breakpoint bp = { .id = id };

	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_GET_BREAKPOINT, &bp),
		    "GET_BREAKPOINT: %s", strerror(errno));
	bp = (struct altp2m_monitor_breakpoint){ .id = id, .hits = bp.hits };
	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_REMOVE_BREAKPOINT, &bp),
		    "REMOVE_BREAKPOINT: %s", strerror(errno));
	return bp.hits;
}

static void shadow_write(struct monitor *m, const void *buf, size_t len)
{
	struct altp2m_monitor_mem mem = {
		.view = 0,
		.addr = SHADOW_GFN << 12,
		.len = len,
		.buf = (uintptr_t)buf,
	};

	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_WRITE_MEM, &mem) &&
		    mem.done == len, "WRITE_MEM to the shadow: %s (done %llu)",
		    strerror(errno), (unsigned long long)mem.done);
}

static void run_to_sync(struct vcpu *vcpu, struct ucall *uc)
{
	vcpu_run(vcpu);
	TEST_ASSERT(get_ucall(vcpu, uc) != UCALL_NONE, "exit %s, not a ucall",
		    exit_reason_str(vcpu->run->exit_reason));
	TEST_ASSERT(uc->type == UCALL_SYNC || uc->type == UCALL_DONE,
		    "guest ucall %llu", (unsigned long long)uc->type);
}

/* ------------------------------------------------------ figures */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct stats {
	uint64_t median, min, p90;
	double mean;
};

static struct stats stats_of(uint64_t *t, uint64_t n)
{
	struct stats s = { 0 };
	double sum = 0;
	uint64_t i;

	qsort(t, n, sizeof(*t), cmp_u64);
	for (i = 0; i < n; i++)
		sum += t[i];
	s.min = t[0];
	s.median = t[n / 2];
	s.p90 = t[n * 9 / 10];
	s.mean = sum / n;
	return s;
}

/* Ratio of two phases' costs over the base call's. */
static void ratio(const char *what, const struct stats *a,
		  const struct stats *b, const struct stats *base)
{
	double r = (double)(a->median - base->median) /
		   (b->median - base->median);

	printf("%-22s %.2f (per hit, the call's own cost taken out)\n",
	       what, r);
	printf("BENCH {\"pair\": \"%s\", \"median\": %.3f}\n", what, r);
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_N;
	struct altp2m_monitor_stats ms = { .vcpu = 0 };
	struct altp2m_hidden_frames hf = { .gfn = SHADOW_GFN, .nr = 1 };
	struct stats st[NR_PHASES];
	struct daemon d = { 0 };
	struct ucall uc;
	struct vcpu *vcpu;
	uint64_t fn, ticks, ph, hits;
	uint32_t exec_view, id = 0;
	struct monitor *m;
	struct vm *vm;

	if (!n || n > 100000) {
		fprintf(stderr, "usage: bp_rt [N], 1 <= N <= 100000\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	vm = vm_create(64 << 20);
	fn = vm_alloc(vm, 4096, 4096);
	memcpy(addr_gva2hva(vm, fn), fn_code, sizeof(fn_code));
	ticks = vm_alloc(vm, NR_PHASES * n * 8, 4096);
	vcpu = vcpu_add(vm, 0, guest_code);
	vcpu_args_set(vcpu, 3, n, ticks, fn);

	vm_views_enable(vm, 0);
	exec_view = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	TEST_ASSERT(!ioctl(vm->fd, ALTP2M_ADD_HIDDEN_FRAMES, &hf),
		    "ADD_HIDDEN_FRAMES: %s", strerror(errno));
	m = monitor_attach(vm, 0, 0);
	shadow_write(m, addr_gva2hva(vm, fn), 4096);
	vm_remap_gfn(vm, exec_view, fn >> 12, SHADOW_GFN);
	vm_set_mem_access(vm, exec_view, fn >> 12, 1, ALTP2M_ACCESS_X);
	vcpu_set_view(vcpu, exec_view);
	d.m = m;
	d.exec_view = exec_view;

	printf("hidden breakpoint hits, N = %llu per phase, guest TSC ticks per call\n",
	       (unsigned long long)n);
	run_to_sync(vcpu, &uc);		/* GUEST_SYNC(0) */
	for (ph = 0; ph < NR_PHASES; ph++) {
		const struct phase *p = &phases[ph];
		uint64_t *t = addr_gva2hva(vm, ticks + ph * n * 8);

		TEST_ASSERT(uc.type == UCALL_SYNC && uc.args[0] == ph,
			    "guest out of step at phase %llu",
			    (unsigned long long)ph);
		if (p->mode != M_NONE)
			id = bp_add(m, fn, exec_view,
				    p->mode == M_ASYNC ? ALTP2M_MON_BP_ASYNC :
				    p->mode >= M_DAEMON ? ALTP2M_MON_BP_SYNC : 0);
		d.events = 0;
		d.stop = 0;
		d.spin = p->mode == M_SPIN;
		if (p->mode >= M_ASYNC)
			TEST_ASSERT(!pthread_create(&d.th, NULL, daemon_thread,
						    &d), "pthread_create");
		run_to_sync(vcpu, &uc);
		if (p->mode >= M_ASYNC) {
			__atomic_store_n(&d.stop, 1, __ATOMIC_RELEASE);
			pthread_join(d.th, NULL);
		}
		hits = p->mode != M_NONE ? bp_remove(m, id) : 0;
		/* Every call hit the breakpoint exactly once, or never. */
		TEST_ASSERT(hits == (p->mode == M_NONE ? 0 : n) &&
			    d.events == (p->mode >= M_ASYNC ? n : 0),
			    "%s: %llu hits, %llu events", p->name,
			    (unsigned long long)hits,
			    (unsigned long long)d.events);
		TEST_ASSERT(vcpu_get_view(vcpu) == exec_view,
			    "%s: the vCPU left the execute view", p->name);
		st[ph] = stats_of(t, n);
		printf("%-8s median %8llu  min %8llu  p90 %8llu  mean %10.1f\n",
		       p->name, (unsigned long long)st[ph].median,
		       (unsigned long long)st[ph].min,
		       (unsigned long long)st[ph].p90, st[ph].mean);
		printf("BENCH {\"phase\": \"%s\", \"n\": %llu, ", p->name,
		       (unsigned long long)n);
		printf("\"median\": %llu, \"min\": %llu, ",
		       (unsigned long long)st[ph].median,
		       (unsigned long long)st[ph].min);
		printf("\"p90\": %llu, \"mean\": %.1f}\n",
		       (unsigned long long)st[ph].p90, st[ph].mean);
	}
	TEST_ASSERT(uc.type == UCALL_DONE, "guest did not finish");
	ratio("daemon/count", &st[3], &st[1], &st[0]);
	ratio("spin/count", &st[4], &st[1], &st[0]);
	ratio("async/count", &st[2], &st[1], &st[0]);
	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_GET_STATS, &ms),
		    "GET_STATS: %s", strerror(errno));
	printf("module: bp_hits %llu bp_steps %llu events %llu sync_waits %llu\n",
	       (unsigned long long)ms.bp_hits, (unsigned long long)ms.bp_steps,
	       (unsigned long long)ms.events,
	       (unsigned long long)ms.sync_waits);
	monitor_close(m);
	vm_free(vm);
	return 0;
}
