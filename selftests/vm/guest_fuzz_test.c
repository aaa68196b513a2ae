// SPDX-License-Identifier: GPL-2.0
/*
 * Guests executing random instruction bytes, in real mode and in 64-bit
 * mode, one vCPU thread pinned to each CPU at the same time. Whatever the
 * bytes do, ALTP2M_RUN must come back with an exit for the VMM (or EINTR
 * when the slice timer fires): every exit resets the guest to fresh random
 * bytes and random registers and goes on (a fail-entry exit or EIO with a
 * new VM, as such a vCPU may stay broken). The test fails if RUN ever
 * returns EIO (the module could not enter the guest: a guest must never
 * cause that) or another error, if a RUN does not return (watchdog), or,
 * through the runner, if the kernel log gets a warning. Internal errors
 * and fail-entry exits are allowed (documented exits to the VMM) but the
 * first few are printed with the RUN before them, as is every EIO with
 * the VM-instruction error the kernel logged.
 *
 * Known at the time of writing (issue 12): real-mode guests still get EIO
 * with VM-instruction error 7, an exception injected with an error code
 * into real mode; that fix is in the exception-injection work, not here.
 *
 * Seeded: the seed is printed; ALTP2M_FUZZ_SEED=<n> replays it (per CPU
 * and mode the sequence is fixed; the interleaving of the two CPUs and
 * where a slice timer lands are not). ALTP2M_FUZZ_SECONDS sets the time
 * per mode (default 20 s), in the test VM's own clock.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#ifndef FUZZ_SECONDS
#define FUZZ_SECONDS	20
#endif
#define SLICE_MS	20		/* guest time per RUN at most */
#define WATCHDOG_S	30		/* a RUN taking this long hung */
#define CODE_SIZE	0x10000ULL	/* random bytes per guest */
#define REAL_CODE	0x10000ULL	/* real mode: 1000:0000 */
#define MAX_CPUS	2
#define MAX_NOTES	4		/* details printed per kind */

enum fuzz_mode { MODE_REAL, MODE_LONG, NR_MODES };

static const char *const mode_name[NR_MODES] = { "real mode", "64-bit" };

/* Outcomes beyond the exit reasons. */
enum { OUT_EINTR = ALTP2M_EXIT_NR, OUT_EIO, OUT_ERRNO, NR_OUT };

struct worker {
	int cpu;
	enum fuzz_mode mode;
	uint64_t seed, rng;
	double seconds;
	pthread_t thread;
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t code_gpa;
	struct altp2m_sregs reset_sregs;
	atomic_ulong runs;	/* RUN calls returned, for the watchdog */
	atomic_int in_run;
	uint64_t count[NR_OUT];
	unsigned int notes_internal, notes_fail_entry, notes_eio;
	char prev[1024];	/* how the RUN before this one ended */
	int last_errno;
	timer_t timer;
};

static uint64_t rnd(struct worker *w)
{
	/* xorshift64* */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * 0x2545f4914f6cdd1dULL;
}

static void on_slice(int sig)
{
	(void)sig;	/* only makes RUN return EINTR */
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	TEST_ASSERT(!sched_setaffinity(0, sizeof(set), &set),
		    "pin to CPU %d", cpu);
}

static void new_guest(struct worker *w)
{
	w->vm = vm_create(0);
	w->vcpu = vcpu_add_bare(w->vm, 0);
	vcpu_sregs_get(w->vcpu, &w->reset_sregs);
	w->code_gpa = w->mode == MODE_REAL ? REAL_CODE :
		      vm_alloc(w->vm, CODE_SIZE, PAGE_SIZE);
}

/* Fresh random bytes and registers, system tables rewritten. */
static void reset_guest(struct worker *w)
{
	struct altp2m_regs r;
	struct altp2m_sregs s;
	uint64_t *code = addr_gpa2hva(w->vm, w->code_gpa);
	__u64 *gpr;
	unsigned int i;

	for (i = 0; i < CODE_SIZE / 8; i++)
		code[i] = rnd(w);
	/* The guest may have written anything anywhere: tables again. */
	vm_setup_system(w->vm);

	memset(&r, 0, sizeof(r));
	gpr = &r.rax;
	for (i = 0; i < 16; i++)
		gpr[i] = rnd(w);
	r.rflags = X86_RFLAGS_FIXED;
	if (w->mode == MODE_REAL) {
		s = w->reset_sregs;
		s.cs.selector = REAL_CODE >> 4;
		s.cs.base = REAL_CODE;
		s.idt.base = 0;
		s.idt.limit = 0x3ff;
		r.rip = rnd(w) & 0xfff;
		r.rsp &= 0xffff;
	} else {
		x86_sregs_long_mode(&s);
		r.rip = w->code_gpa + (rnd(w) & 0xfff);
		/* Half the time a stack that works, else whatever. */
		if (rnd(w) & 1)
			r.rsp = w->code_gpa + CODE_SIZE - 8;
	}
	vcpu_sregs_set(w->vcpu, &s);
	vcpu_regs_set(w->vcpu, &r);
}

static void arm(struct worker *w, long ms)
{
	struct itimerspec its = { .it_value.tv_nsec = ms * 1000000L };

	timer_settime(w->timer, 0, &its, NULL);
}

/* The bytes at the guest's CS:RIP, for the reports. */
static void describe_guest(struct worker *w, char *buf, size_t len)
{
	struct altp2m_regs r;
	struct altp2m_sregs s;
	uint64_t la;
	uint8_t *p;
	size_t n;
	int i;

	vcpu_regs_get(w->vcpu, &r);
	vcpu_sregs_get(w->vcpu, &s);
	la = (s.efer & EFER_LMA) && s.cs.l ? r.rip :
	     (s.cs.base + r.rip) & 0xffffffff;
	n = snprintf(buf, len, "cs %#x base %#llx rip %#llx cr0 %#llx cr4 %#llx efer %#llx rflags %#llx bytes",
		     s.cs.selector, (unsigned long long)s.cs.base,
		     (unsigned long long)r.rip, (unsigned long long)s.cr0,
		     (unsigned long long)s.cr4, (unsigned long long)s.efer,
		     (unsigned long long)r.rflags);
	/* Only where paging is off or identity: enough for a first look. */
	p = addr_gpa2hva_range(w->vm, la, 15);
	for (i = 0; p && i < 15 && n < len; i++)
		n += snprintf(buf + n, len - n, " %02x", p[i]);
	if (!p && n < len)
		snprintf(buf + n, len - n, " (not in RAM)");
}

/* The last "VM-instruction error" line of the kernel log, if any. */
static void vm_insn_error(char *buf, size_t len)
{
	static char log[1 << 17];
	char *p, *line = NULL;
	int n = klogctl(3, log, sizeof(log) - 1);	/* SYSLOG_ACTION_READ_ALL */

	snprintf(buf, len, "(no VM-instruction error in the kernel log)");
	if (n <= 0)
		return;
	log[n] = 0;
	for (p = strstr(log, "VM-instruction error"); p;
	     p = strstr(p + 1, "VM-instruction error"))
		line = p;
	if (line)
		snprintf(buf, len, "%.*s", (int)strcspn(line, "\n"), line);
}

/* Remember how this RUN ended, for a report on the next one. */
static void remember(struct worker *w, const char *outcome)
{
	char exit_buf[256], guest_buf[384];

	if (outcome)
		snprintf(exit_buf, sizeof(exit_buf), "%s", outcome);
	else
		vcpu_describe_exit(w->vcpu, exit_buf, sizeof(exit_buf));
	describe_guest(w, guest_buf, sizeof(guest_buf));
	snprintf(w->prev, sizeof(w->prev), "%s\n#     at %s", exit_buf,
		 guest_buf);
}

static void note(struct worker *w, const char *what, unsigned int *seen)
{
	char exit_buf[256], guest_buf[384];

	if ((*seen)++ >= MAX_NOTES)
		return;
	vcpu_describe_exit(w->vcpu, exit_buf, sizeof(exit_buf));
	describe_guest(w, guest_buf, sizeof(guest_buf));
	printf("# CPU %d %s: %s: %s\n#   %s\n#   the RUN before: %s\n",
	       w->cpu, mode_name[w->mode], what, exit_buf, guest_buf,
	       w->prev);
}

/*
 * Answer the exit as a VMM does before it changes the state: a RUN with
 * immediate_exit completes what the exit left pending (an IN, a string
 * IN round, an MMIO read, a hypercall) and returns EINTR at once.
 */
static void complete_exit(struct worker *w)
{
	int ret;

	w->vcpu->run->immediate_exit = 1;
	ret = _vcpu_run(w->vcpu);
	w->vcpu->run->immediate_exit = 0;
	if (ret == -1 && errno == EINTR)
		return;
	w->count[OUT_ERRNO]++;
	w->last_errno = ret ? errno : 0;
}

static void *fuzz_thread(void *arg)
{
	struct worker *w = arg;
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
				.sigev_signo = SIGUSR1 };
	char guest_buf[384], err_buf[160];
	double end;
	int ret;

	pin(w->cpu);
	sev._sigev_un._tid = syscall(SYS_gettid);
	TEST_ASSERT(!timer_create(CLOCK_MONOTONIC, &sev, &w->timer),
		    "timer_create");
	new_guest(w);
	snprintf(w->prev, sizeof(w->prev), "(new VM)");
	end = now() + w->seconds;
	while (now() < end) {
		reset_guest(w);
		arm(w, SLICE_MS);
		atomic_store(&w->in_run, 1);
		ret = _vcpu_run(w->vcpu);
		atomic_store(&w->in_run, 0);
		arm(w, 0);
		atomic_fetch_add(&w->runs, 1);
		if (!ret) {
			uint32_t reason = w->vcpu->run->exit_reason;

			w->count[reason < ALTP2M_EXIT_NR ? reason :
				 ALTP2M_EXIT_UNKNOWN]++;
			if (reason == ALTP2M_EXIT_INTERNAL_ERROR)
				note(w, "internal error", &w->notes_internal);
			if (reason != ALTP2M_EXIT_FAIL_ENTRY) {
				remember(w, NULL);
				complete_exit(w);
				continue;
			}
			/*
			 * The state was set by the test and checked by the
			 * module: what the guest did before made entry fail.
			 * Such a vCPU may stay broken: go on with a new VM.
			 */
			note(w, "fail-entry", &w->notes_fail_entry);
			vm_free(w->vm);
			new_guest(w);
			snprintf(w->prev, sizeof(w->prev), "(new VM)");
			continue;
		}
		if (errno == EINTR) {
			w->count[OUT_EINTR]++;
			remember(w, "slice timer (EINTR)");
			continue;
		}
		if (errno == EIO) {
			w->count[OUT_EIO]++;
			if (w->notes_eio++ < MAX_NOTES) {
				describe_guest(w, guest_buf, sizeof(guest_buf));
				vm_insn_error(err_buf, sizeof(err_buf));
				printf("# CPU %d %s: RUN returned EIO: %s\n#   at %s\n#   the RUN before: %s\n",
				       w->cpu, mode_name[w->mode], err_buf,
				       guest_buf, w->prev);
			}
			/* Such a vCPU may stay broken: go on with a new VM. */
			vm_free(w->vm);
			new_guest(w);
			snprintf(w->prev, sizeof(w->prev), "(new VM)");
			continue;
		}
		w->count[OUT_ERRNO]++;
		w->last_errno = errno;
	}
	timer_delete(w->timer);
	vm_free(w->vm);
	return NULL;
}

static uint64_t fuzz_seed(void)
{
	const char *env = getenv("ALTP2M_FUZZ_SEED");

	if (env && *env)
		return strtoull(env, NULL, 0);
	return (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
}

static double fuzz_seconds(void)
{
	const char *env = getenv("ALTP2M_FUZZ_SECONDS");

	return env && *env ? atof(env) : FUZZ_SECONDS;
}

static void fuzz(struct altp2m_test *_t, enum fuzz_mode mode)
{
	static const char *const names[NR_OUT] = {
		[ALTP2M_EXIT_UNKNOWN] = "unknown", [ALTP2M_EXIT_IO] = "io",
		[ALTP2M_EXIT_MMIO] = "mmio", [ALTP2M_EXIT_HLT] = "hlt",
		[ALTP2M_EXIT_HYPERCALL] = "hypercall",
		[ALTP2M_EXIT_SHUTDOWN] = "shutdown",
		[ALTP2M_EXIT_EPT_MISCONFIG] = "ept-misconfig",
		[ALTP2M_EXIT_INTERNAL_ERROR] = "internal-error",
		[ALTP2M_EXIT_FAIL_ENTRY] = "fail-entry",
		[ALTP2M_EXIT_INTR] = "intr",
		[ALTP2M_EXIT_VIEW_VIOLATION] = "view-violation",
		[OUT_EINTR] = "slice-timer", [OUT_EIO] = "EIO",
		[OUT_ERRNO] = "other-errno",
	};
	int cpus = sysconf(_SC_NPROCESSORS_ONLN), i, j, stuck = 0;
	struct worker w[MAX_CPUS];
	uint64_t seed = fuzz_seed(), eio = 0, other = 0;
	struct sigaction sa = { .sa_handler = on_slice };
	unsigned long last[MAX_CPUS] = { 0 };
	bool joined[MAX_CPUS] = { false };
	double last_t[MAX_CPUS];

	if (cpus > MAX_CPUS)
		cpus = MAX_CPUS;
	printf("# %s, %d CPU(s), %.0f s: ALTP2M_FUZZ_SEED=%#llx\n",
	       mode_name[mode], cpus, fuzz_seconds(),
	       (unsigned long long)seed);
	fflush(stdout);
	/* No SA_RESTART: the slice timer must end the RUN ioctl. */
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);

	memset(w, 0, sizeof(w));
	for (i = 0; i < cpus; i++) {
		w[i].cpu = i;
		w[i].mode = mode;
		w[i].seed = seed;
		w[i].rng = (seed ^ (0x9e3779b97f4a7c15ULL * (i + 1 + 2 * mode)))
			   | 1;
		w[i].seconds = fuzz_seconds();
		ASSERT_EQ(pthread_create(&w[i].thread, NULL, fuzz_thread,
					 &w[i]), 0);
		last_t[i] = now();
	}
	/* The watchdog: a RUN that the slice timer does not end hung. */
	for (;;) {
		bool running = false;

		usleep(200000);
		for (i = 0; i < cpus; i++) {
			if (!joined[i] &&
			    pthread_tryjoin_np(w[i].thread, NULL) == EBUSY)
				running = true;
			else
				joined[i] = true;
			if (atomic_load(&w[i].runs) != last[i] ||
			    !atomic_load(&w[i].in_run)) {
				last[i] = atomic_load(&w[i].runs);
				last_t[i] = now();
			} else if (now() - last_t[i] > WATCHDOG_S && !stuck) {
				printf("# CPU %d %s: a RUN has not returned for %d s (run %lu)\n",
				       i, mode_name[mode], WATCHDOG_S, last[i]);
				fflush(stdout);
				stuck = 1;
			}
		}
		if (stuck) {
			/* The thread cannot be joined; the test fails. */
			ASSERT_FALSE(stuck);
		}
		if (!running)
			break;
	}

	for (i = 0; i < cpus; i++) {
		char line[512];
		size_t n = 0;

		n += snprintf(line + n, sizeof(line) - n,
			      "# CPU %d %s: %lu runs:", i, mode_name[mode],
			      atomic_load(&w[i].runs));
		for (j = 0; j < NR_OUT; j++)
			if (w[i].count[j])
				n += snprintf(line + n, sizeof(line) - n,
					      " %s %llu", names[j],
					      (unsigned long long)w[i].count[j]);
		printf("%s\n", line);
		if (w[i].count[OUT_ERRNO])
			printf("# CPU %d: last unexpected errno %d (%s)\n", i,
			       w[i].last_errno, strerror(w[i].last_errno));
		eio += w[i].count[OUT_EIO];
		other += w[i].count[OUT_ERRNO];
	}
	fflush(stdout);
	EXPECT_EQ(eio, 0);
	EXPECT_EQ(other, 0);
}

TEST_TIMEOUT(fuzz_real_mode, 2 * WATCHDOG_S + 4 * FUZZ_SECONDS)
{
	fuzz(_t, MODE_REAL);
}

TEST_TIMEOUT(fuzz_64bit, 2 * WATCHDOG_S + 4 * FUZZ_SECONDS)
{
	fuzz(_t, MODE_LONG);
}

TEST_HARNESS_MAIN
