// SPDX-License-Identifier: GPL-2.0
/*
 * bp_rt: the cost of a hidden breakpoint's hit handled by the module by
 * itself (count only) against the same hit answered by a daemon (a sync
 * event and a FAST_SINGLESTEP response on the clean view), in guest TSC
 * ticks, in one VM. It prints figures only; nothing here is
 * a pass/fail test (it fails only when a run goes wrong).
 *
 *   bp_rt [N]        N iterations per phase (default 2000)
 *
 * The guest (one vCPU, on the execute view, where its functions' page is
 * a shadow copy, execute-only) times each call of a function with
 * LFENCE; RDTSC around it and stores the N deltas. The function starts
 * with the 5-byte NOP (0f 1f 44 00 00) as a Linux function built with
 * ftrace does; a second one starts with a MOV. The phases:
 *
 *   base    no breakpoint: the loop's own cost
 *   kernel  a count-only breakpoint at the function's NOP: the module
 *           completes the NOP in place (one exit)
 *   step    a count-only breakpoint at the other function's MOV: the
 *           module steps over it on view 0 and comes back (two exits)
 *   thread  a SYNC breakpoint at the NOP, answered by a daemon thread of
 *           this process (waiting in poll()) with FAST_SINGLESTEP on view
 *           0, back to the execute view: what a daemon does on Xen
 *   spin    the same daemon, but it never sleeps (sched_yield())
 *
 * Output: one line per phase (median, min, 90th percentile, mean), the
 * ratios daemon/kernel, and "BENCH {json}" lines for tools/bench-bp.
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
#include "bench_pin.h"
#include "bench_stats.h"

#define DEFAULT_N	2000
/* Beyond the guest's RAM: the shadow frame, hidden. */
#define SHADOW_GFN	0x10000ULL

enum handler { H_NONE, H_KERNEL, H_THREAD, H_SPIN };

/* @mov: the function that starts with a MOV, not the NOP. */
struct phase {
	const char *name;
	enum handler h;
	bool mov;
};

static const struct phase phases[] = {
	{ "bp-base",	H_NONE,		false },
	{ "bp-kernel",	H_KERNEL,	false },
	{ "bp-step",	H_KERNEL,	true },
	{ "bp-thread",	H_THREAD,	false },
	{ "bp-spin",	H_SPIN,		false },
};

#define PH_KERNEL	1
#define PH_STEP		2
#define PH_THREAD	3
#define PH_SPIN		4

#define NR_PHASES	(sizeof(phases) / sizeof(phases[0]))

/* ------------------------------------------------------ guest code */

uint64_t bench_fn(uint64_t x);
uint64_t bench_fn_mov(uint64_t x);
void bench_page(void);

/* The traced functions, alone in their page. */
__asm__("	.pushsection .text.bench_bp, \"ax\"\n"
	"	.balign 4096\n"
	"	.globl bench_page\n"
	"bench_page:\n"
	"	.globl bench_fn\n"
	"bench_fn:\n"
	"	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"
	"	mov %rdi, %rax\n"
	"	add $1, %rax\n"
	"	ret\n"
	"	.globl bench_fn_mov\n"
	"bench_fn_mov:\n"
	"	mov %rdi, %rax\n"
	"	add $1, %rax\n"
	"	ret\n"
	"	.balign 4096\n"
	"	.popsection\n");

static inline uint64_t guest_tsc(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* @ticks: NR_PHASES * @n deltas; GUEST_SYNC(phase) before each phase. */
static void guest_code(uint64_t n, uint64_t ticks)
{
	uint64_t ph, i, t0, t1, *out, sum = 0;
	uint64_t (*fn)(uint64_t x);

	for (ph = 0; ph < NR_PHASES; ph++) {
		GUEST_SYNC(ph);
		out = (uint64_t *)ticks + ph * n;
		fn = phases[ph].mov ? bench_fn_mov : bench_fn;
		for (i = 0; i < n; i++) {
			t0 = guest_tsc();
			sum += fn(i);
			t1 = guest_tsc();
			out[i] = t1 - t0;
		}
	}
	GUEST_SYNC_ARGS(NR_PHASES, sum);
}

/* ------------------------------------------------------ the daemon */

struct daemon {
	struct monitor *m;
	uint32_t exec;
	uint64_t events;
	bool spin;
	int stop;		/* atomic */
	pthread_t th;
};

/* FAST_SINGLESTEP on view 0, back to the execute view. */
static void daemon_answer(struct daemon *d,
			  const struct altp2m_monitor_event *ev)
{
	struct altp2m_monitor_response r = {
		.flags = ALTP2M_MON_RSP_FAST_SINGLESTEP,
		.vcpu = ev->vcpu, .seq = ev->seq,
		.view = d->exec, .step_view = 0,
	};

	TEST_ASSERT(ev->type == ALTP2M_MON_EV_BREAKPOINT &&
		    (ev->u.breakpoint.flags & ALTP2M_MON_BPF_HIDDEN),
		    "event type %u", ev->type);
	TEST_ASSERT(!__monitor_respond(d->m, &r), "RESPOND seq %llu: %s",
		    (unsigned long long)ev->seq, strerror(errno));
	d->events++;
}

static void *daemon_thread(void *arg)
{
	struct altp2m_monitor_event ev;
	struct daemon *d = arg;

	bench_pin(BENCH_CPU_DAEMON);
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
	return NULL;
}

/* ------------------------------------------------------ the VMM */

/* The vCPU's VM exits so far, by basic reason. */
static void vcpu_exits(struct vcpu *vcpu, uint64_t *by_reason)
{
	struct altp2m_vcpu_exit_counts c = { 0 };

	TEST_ASSERT(!__vcpu_ioctl(vcpu, ALTP2M_GET_VCPU_EXIT_COUNTS, &c),
		    "GET_VCPU_EXIT_COUNTS: %s", strerror(errno));
	memcpy(by_reason, c.counts, sizeof(c.counts));
}

/* The exits of a phase, per iteration, by basic reason. */
static void print_exits(const char *name, uint64_t n, const uint64_t *before,
			const uint64_t *after)
{
	unsigned int i;

	printf("%-16s exits per call:", name);
	/* The phase's own ucall is one exit in all: not per call. */
	for (i = 0; i < ALTP2M_VMX_EXIT_REASONS; i++)
		if (after[i] - before[i] > 1)
			printf(" reason %u: %.2f", i,
			       (double)(after[i] - before[i]) / n);
	printf("\n");
}

static uint32_t bp_add(struct monitor *m, uint32_t exec, uint32_t flags,
		       bool mov)
{
	struct altp2m_monitor_breakpoint b = {
		.flags = flags,
		.gpa = (uint64_t)(uintptr_t)(mov ? bench_fn_mov : bench_fn),
		.shadow_gfn = SHADOW_GFN,
		.exec_view = exec,
	};

	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &b),
		    "ADD_BREAKPOINT: %s", strerror(errno));
	return b.id;
}

static uint64_t bp_remove(struct monitor *m, uint32_t id)
{
	struct altp2m_monitor_breakpoint b = { .id = id };

	struct altp2m_monitor_breakpoint r = { .id = id };

	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_GET_BREAKPOINT, &b),
		    "GET_BREAKPOINT: %s", strerror(errno));
	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_REMOVE_BREAKPOINT, &r),
		    "REMOVE_BREAKPOINT: %s", strerror(errno));
	return b.hits;
}

/* The execute view: bench_page remapped to its shadow, execute-only. */
static uint32_t shadow_setup(struct vm *vm, struct monitor *m)
{
	uint64_t gfn = (uint64_t)(uintptr_t)bench_page >> 12;
	struct altp2m_hidden_frames h = { .gfn = SHADOW_GFN, .nr = 1 };
	struct altp2m_monitor_mem w = {
		.addr = SHADOW_GFN << 12, .len = 4096,
		.buf = (uint64_t)(uintptr_t)addr_gva2hva(vm, gfn << 12),
	};
	uint32_t exec;

	TEST_ASSERT(!ioctl(vm->fd, ALTP2M_ADD_HIDDEN_FRAMES, &h),
		    "ADD_HIDDEN_FRAMES: %s", strerror(errno));
	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_WRITE_MEM, &w),
		    "WRITE_MEM: %s", strerror(errno));
	vm_views_enable(vm, 0);
	exec = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vm_remap_gfn(vm, exec, gfn, SHADOW_GFN);
	vm_set_mem_access(vm, exec, gfn, 1, ALTP2M_ACCESS_X);
	return exec;
}

int main(int argc, char **argv)
{
	uint64_t n = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_N;
	struct altp2m_monitor_stats ms = { 0 };
	struct stats st[NR_PHASES];
	struct daemon d = { 0 };
	struct altp2m_caps caps;
	uint64_t ticks, ph, hits;
	struct monitor *m;
	struct vcpu *vcpu;
	struct ucall uc;
	struct vm *vm;
	uint32_t id = 0;

	if (!n || n > 100000) {
		fprintf(stderr, "usage: bp_rt [N], 1 <= N <= 100000\n");
		return 2;
	}
	bench_pin(BENCH_CPU_VCPU);
	setvbuf(stdout, NULL, _IOLBF, 0);
	vm = vm_create(64 << 20);
	vm_caps(vm, &caps);
	TEST_ASSERT(caps.caps & ALTP2M_CAP_EPT_EXEC_ONLY,
		    "no execute-only EPT entries");
	ticks = vm_alloc(vm, NR_PHASES * n * 8, 4096);
	vcpu = vcpu_add(vm, 0, guest_code);
	vcpu_args_set(vcpu, 2, n, ticks);
	m = monitor_attach(vm, 0, 0);
	d.m = m;
	d.exec = shadow_setup(vm, m);
	vcpu_set_view(vcpu, d.exec);

	printf("hidden breakpoint hits, N = %llu per phase, guest TSC ticks\n",
	       (unsigned long long)n);
	TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC && !uc.args[0],
		    "guest did not start");
	for (ph = 0; ph < NR_PHASES; ph++) {
		const struct phase *p = &phases[ph];
		uint64_t *t = addr_gva2hva(vm, ticks + ph * n * 8);
		uint64_t before[ALTP2M_VMX_EXIT_REASONS];
		uint64_t after[ALTP2M_VMX_EXIT_REASONS];

		if (p->h == H_KERNEL)
			id = bp_add(m, d.exec, 0, p->mov);
		if (p->h == H_THREAD || p->h == H_SPIN) {
			id = bp_add(m, d.exec, ALTP2M_MON_BP_SYNC, p->mov);
			d.spin = p->h == H_SPIN;
			d.events = 0;
			__atomic_store_n(&d.stop, 0, __ATOMIC_RELEASE);
			TEST_ASSERT(!pthread_create(&d.th, NULL, daemon_thread,
						    &d), "pthread_create");
		}
		vcpu_exits(vcpu, before);
		/* The phase runs up to the next phase's GUEST_SYNC. */
		TEST_ASSERT(vcpu_run_ucall(vcpu, &uc) == UCALL_SYNC &&
			    uc.args[0] == ph + 1, "%s: guest out of step",
			    p->name);
		vcpu_exits(vcpu, after);
		print_exits(p->name, n, before, after);
		hits = p->h == H_NONE ? 0 : bp_remove(m, id);
		if (p->h == H_THREAD || p->h == H_SPIN) {
			__atomic_store_n(&d.stop, 1, __ATOMIC_RELEASE);
			pthread_join(d.th, NULL);
		}
		TEST_ASSERT(hits == (p->h == H_NONE ? 0 : n) &&
			    d.events == (p->h >= H_THREAD ? n : 0),
			    "%s: %llu hits, %llu events", p->name,
			    (unsigned long long)hits,
			    (unsigned long long)d.events);
		d.events = 0;
		st[ph] = stats_of(t, n);
		printf("%-16s median %8llu  min %8llu  p90 %8llu  mean %10.1f  max %10llu @%llu\n",
		       p->name, (unsigned long long)st[ph].median,
		       (unsigned long long)st[ph].min,
		       (unsigned long long)st[ph].p90, st[ph].mean,
		       (unsigned long long)st[ph].max,
		       (unsigned long long)st[ph].max_at);
		printf("BENCH {\"phase\": \"%s\", \"n\": %llu, ", p->name,
		       (unsigned long long)n);
		printf("\"median\": %llu, \"min\": %llu, ",
		       (unsigned long long)st[ph].median,
		       (unsigned long long)st[ph].min);
		printf("\"p90\": %llu, \"mean\": %.1f, ",
		       (unsigned long long)st[ph].p90, st[ph].mean);
		printf("\"max\": %llu, \"max_at\": %llu}\n",
		       (unsigned long long)st[ph].max,
		       (unsigned long long)st[ph].max_at);
	}
	ms.vcpu = 0;
	TEST_ASSERT(!ioctl(m->fd, ALTP2M_MONITOR_GET_STATS, &ms),
		    "GET_STATS: %s", strerror(errno));
	printf("stats: bp_hits %llu bp_steps %llu events %llu\n",
	       (unsigned long long)ms.bp_hits,
	       (unsigned long long)ms.bp_steps,
	       (unsigned long long)ms.events);
	/* Steps: the MOV's and the daemons' FAST_SINGLESTEPs; no NOP's. */
	TEST_ASSERT(ms.bp_steps == n, "%llu steps, not %llu",
		    (unsigned long long)ms.bp_steps, (unsigned long long)n);
	ratio("thread/kernel", &st[PH_THREAD], &st[PH_KERNEL]);
	ratio("spin/kernel", &st[PH_SPIN], &st[PH_KERNEL]);
	ratio("step/kernel", &st[PH_STEP], &st[PH_KERNEL]);
	ratio("thread/step", &st[PH_THREAD], &st[PH_STEP]);
	ratio("spin/step", &st[PH_SPIN], &st[PH_STEP]);
	monitor_close(m);
	vm_free(vm);
	return 0;
}
