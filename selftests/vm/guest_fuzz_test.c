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
 * the VM-instruction error the kernel logged. An exit whose fields break
 * the uAPI's promises (I/O data beyond the run page or over 3072 bytes,
 * an I/O size not 1, 2 or 4, an MMIO length not 1 to 8) fails it too.
 *
 * A third mode ("states") does not run random bytes but random picks of
 * the instructions that exit or fault: RDMSR/WRMSR of random MSRs, moves
 * to and from CRs and DRs, port and string I/O, MMIO, VMCALL (the altp2m
 * hypercalls with random arguments among them), VMFUNC, LGDT/LIDT/LLDT/
 * LTR, INT n, INT3, UD2, divide errors, CPUID, HLT, IRETQ, SWAPGS,
 * SYSCALL, with random immediates, from a random register, segment and
 * control state set through SET_REGS/SET_SREGS (a valid 64-bit state
 * with random changes; a state SET_SREGS refuses is replaced by the valid
 * one), random MSRs through SET_MSRS and now and then a random event
 * through SET_VCPU_EVENTS, on a random view of VMs with views enabled
 * (in EXTERNAL or MIXED mode) whose views have random default access and
 * random access on random pages.
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
#include <sys/ioctl.h>
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

enum fuzz_mode { MODE_REAL, MODE_LONG, MODE_STATE, NR_MODES };

static const char *const mode_name[NR_MODES] = {
	"real mode", "64-bit", "states"
};

/* Outcomes beyond the exit reasons. */
enum { OUT_EINTR = ALTP2M_EXIT_NR, OUT_EIO, OUT_ERRNO, OUT_BAD_EXIT, NR_OUT };

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
	unsigned int notes_internal, notes_fail_entry, notes_eio, notes_bad;
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

/*
 * Views with random default access and random rights on random pages
 * (code, stack, page tables, IDT included); the vCPU on a random one.
 * Errors are fine: what the calls refuse is not what is fuzzed here.
 */
static void new_views(struct worker *w)
{
	struct altp2m_views_enable en = {
		.max_views = 4, .mode = rnd(w) % 2 ? ALTP2M_MODE_MIXED :
					ALTP2M_MODE_EXTERNAL,
	};
	uint64_t pages = w->vm->ram_size / PAGE_SIZE, gfn;
	unsigned int i, n = rnd(w) % 3;
	uint16_t view;

	if (ioctl(w->vm->fd, ALTP2M_VIEWS_ENABLE, &en))
		return;
	for (i = 0; i < n; i++)
		__vm_view_create(w->vm, rnd(w) % (ALTP2M_ACCESS_DEFAULT + 1),
				 &view);
	for (i = 0; i < 8; i++) {
		gfn = rnd(w) % 2 ? w->code_gpa / PAGE_SIZE + rnd(w) % 16 :
		      rnd(w) % pages;
		__vm_set_mem_access(w->vm, rnd(w) % (n + 1), gfn,
				    1 + rnd(w) % 4,
				    rnd(w) % (ALTP2M_ACCESS_N2RWX + 1));
	}
	__vcpu_set_view(w->vcpu, rnd(w) % (n + 1));
}

/* A few bytes of machine code at *@p. */
static uint8_t *emit(uint8_t *p, const void *bytes, size_t n)
{
	memcpy(p, bytes, n);
	return p + n;
}

static uint8_t *emit_imm(uint8_t *p, uint8_t op, uint32_t imm)
{
	*p++ = op;
	memcpy(p, &imm, 4);
	return p + 4;
}

/* mov $imm64, %rax */
static uint8_t *emit_rax(uint8_t *p, uint64_t imm)
{
	*p++ = 0x48;
	*p++ = 0xb8;
	memcpy(p, &imm, 8);
	return p + 8;
}

static uint32_t pick_msr(struct worker *w)
{
	static const uint32_t msrs[] = {
		0x10, 0x1b, 0x3a, 0x48, 0x8b, 0xfe, 0x174, 0x175, 0x176, 0x1d9,
		0x277, 0x2ff, 0x480, 0x48d, 0x6e0, 0x802, 0x80b, 0x830,
		0xc0000080, 0xc0000081, 0xc0000082, 0xc0000084, 0xc0000100,
		0xc0000101, 0xc0000102, 0xc0000103,
	};

	return rnd(w) % 4 ? msrs[rnd(w) % (sizeof(msrs) / sizeof(msrs[0]))] :
	       (uint32_t)rnd(w);
}

/* An address the guest may touch: its RAM, MMIO, or anywhere. */
static uint64_t pick_addr(struct worker *w)
{
	switch (rnd(w) % 4) {
	case 0:
		return w->code_gpa + (rnd(w) % CODE_SIZE);
	case 1:
		return 0xc0000000ULL + (rnd(w) & 0xfff8);
	case 2:
		return rnd(w) % w->vm->ram_size;
	default:
		return rnd(w);
	}
}

/* One instruction (with its setup) that exits, faults or changes state. */
static uint8_t *emit_one(struct worker *w, uint8_t *p)
{
	static const uint8_t cr_regs[] = { 0, 2, 3, 4, 8 };
	uint64_t r = rnd(w);
	uint8_t b[4];

	switch (r % 20) {
	case 0:		/* mov $msr, %ecx; rdmsr */
		p = emit_imm(p, 0xb9, pick_msr(w));
		return emit(p, "\x0f\x32", 2);
	case 1:		/* mov $msr, %ecx; mov $v, %eax; mov $v, %edx; wrmsr */
		p = emit_imm(p, 0xb9, pick_msr(w));
		p = emit_imm(p, 0xb8, rnd(w));
		p = emit_imm(p, 0xba, rnd(w) % 2 ? 0 : rnd(w));
		return emit(p, "\x0f\x30", 2);
	case 2:		/* mov %rax, %crN (or back) */
		if (r & 0x100)
			p = emit_rax(p, rnd(w) % 2 ? 1ULL << (rnd(w) % 64) :
					rnd(w));
		b[0] = 0x0f;
		b[1] = r & 0x200 ? 0x22 : 0x20;
		b[2] = 0xc0 | cr_regs[(r >> 12) % 5] << 3;
		if (cr_regs[(r >> 12) % 5] == 8) {
			p = emit(p, "\x44", 1);	/* REX.R: CR8 */
			b[2] = 0xc0;
		}
		return emit(p, b, 3);
	case 3:		/* mov %rax, %drN (or back) */
		p = emit_rax(p, rnd(w));
		b[0] = 0x0f;
		b[1] = r & 0x200 ? 0x23 : 0x21;
		b[2] = 0xc0 | ((r >> 12) % 8) << 3;
		return emit(p, b, 3);
	case 4:		/* port I/O, byte to dword, in or out, string too */
		p = emit_imm(p, 0xba, rnd(w) % 2 ? rnd(w) & 0xffff :
				      0x60 + rnd(w) % 0x40);
		if (r & 0x100) {	/* rep ins/outs, rcx items at rdi/rsi */
			p = emit_imm(p, 0xb9, rnd(w) % 2 ? rnd(w) % 8 : rnd(w));
			p = emit_rax(p, pick_addr(w));
			p = emit(p, "\x48\x89\xc7\x48\x89\xc6", 6);
			b[0] = 0xf3;
			b[1] = 0x6c + (r >> 12) % 4;
			return emit(p, b, 2);
		}
		b[0] = 0xec + (r >> 12) % 4;
		return emit(p, b, 1);
	case 5:		/* MMIO or RAM: mov (%rax) both ways, sizes */
		p = emit_rax(p, pick_addr(w));
		switch ((r >> 12) % 4) {
		case 0:
			return emit(p, "\x8b\x00", 2);
		case 1:
			return emit(p, "\x89\x00", 2);
		case 2:
			return emit(p, "\x48\x89\x00", 3);
		default:
			return emit(p, "\x0f\xb6\x00", 3);
		}
	case 6:		/* vmcall: altp2m's calls and others */
		p = emit_imm(p, 0xb8, r & 0x100 ? ALTP2M_HC_BASE +
			     rnd(w) % (ALTP2M_HC_NR + 1) : rnd(w));
		p = emit_imm(p, 0xbb, rnd(w) % 2 ? rnd(w) % 6 : rnd(w));
		p = emit_imm(p, 0xb9, rnd(w) % 2 ?
			     w->code_gpa / PAGE_SIZE + rnd(w) % 32 : rnd(w));
		p = emit_imm(p, 0xba, rnd(w) % 12);
		return emit(p, "\x0f\x01\xc1", 3);
	case 7:		/* vmfunc */
		p = emit_imm(p, 0xb8, r & 0x100 ? rnd(w) : 0);
		p = emit_imm(p, 0xb9, rnd(w) % 2 ? rnd(w) % 6 : rnd(w));
		return emit(p, "\x0f\x01\xd4", 3);
	case 8:		/* lgdt/lidt/sgdt/sidt (%rax) */
		p = emit_rax(p, pick_addr(w));
		b[0] = 0x0f;
		b[1] = 0x01;
		b[2] = ((r >> 12) % 4) << 3;
		return emit(p, b, 3);
	case 9:		/* mov $sel, %ax; lldt/ltr/mov to ss, ds, es, fs */
		b[0] = 0x66;
		b[1] = 0xb8;
		b[2] = rnd(w) % 2 ? rnd(w) % 0x40 : rnd(w);
		b[3] = rnd(w) % 4 ? 0 : rnd(w);
		p = emit(p, b, 4);
		switch ((r >> 12) % 6) {
		case 0:
			return emit(p, "\x0f\x00\xd0", 3);
		case 1:
			return emit(p, "\x0f\x00\xd8", 3);
		case 2:
			return emit(p, "\x8e\xd0", 2);
		case 3:
			return emit(p, "\x8e\xd8", 2);
		case 4:
			return emit(p, "\x8e\xc0", 2);
		default:
			return emit(p, "\x8e\xe0", 2);
		}
	case 10:	/* int $n */
		b[0] = 0xcd;
		b[1] = rnd(w);
		return emit(p, b, 2);
	case 11:	/* int3, into-less ud2, icebp */
		switch ((r >> 12) % 3) {
		case 0:
			return emit(p, "\xcc", 1);
		case 1:
			return emit(p, "\x0f\x0b", 2);
		default:
			return emit(p, "\xf1", 1);
		}
	case 12:	/* xor %ecx, %ecx; div %ecx */
		return emit(p, "\x31\xc9\xf7\xf1", 4);
	case 13:	/* cpuid */
		p = emit_imm(p, 0xb8, rnd(w) % 2 ? rnd(w) % 0x20 :
				      0x80000000 + rnd(w) % 0x10);
		p = emit_imm(p, 0xb9, rnd(w) % 4);
		return emit(p, "\x0f\xa2", 2);
	case 14:	/* hlt, cli, sti, pause */
		b[0] = "\xf4\xfa\xfb\x90"[(r >> 12) % 4];
		return emit(p, b, 1);
	case 15:	/* swapgs, syscall, sysenter, iretq, lret */
		switch ((r >> 12) % 5) {
		case 0:
			return emit(p, "\x0f\x01\xf8", 3);
		case 1:
			return emit(p, "\x0f\x05", 2);
		case 2:
			return emit(p, "\x0f\x34", 2);
		case 3:
			return emit(p, "\x48\xcf", 2);
		default:
			return emit(p, "\x48\xcb", 2);
		}
	case 16:	/* invlpg, wbinvd, clts, rdtsc(p), rdpmc, xsetbv */
		p = emit_rax(p, pick_addr(w));
		switch ((r >> 12) % 7) {
		case 0:
			return emit(p, "\x0f\x01\x38", 3);
		case 1:
			return emit(p, "\x0f\x09", 2);
		case 2:
			return emit(p, "\x0f\x06", 2);
		case 3:
			return emit(p, "\x0f\x31", 2);
		case 4:
			return emit(p, "\x0f\x01\xf9", 3);
		case 5:
			return emit(p, "\x0f\x33", 2);
		default:
			return emit(p, "\x31\xc9\x0f\x01\xd1", 5);
		}
	case 17:	/* pushf; set TF or AC; popf */
		return emit(p, r & 0x100 ?
			    "\x9c\x48\x81\x0c\x24\x00\x01\x00\x00\x9d" :
			    "\x9c\x48\x81\x0c\x24\x00\x00\x04\x00\x9d",
			    10);
	default:	/* random bytes */
		for (b[0] = 1 + (r >> 12) % 6; b[0]; b[0]--)
			*p++ = rnd(w);
		return p;
	}
}

/* Random changes to a valid 64-bit state: bits, attributes, limits. */
static void mutate_sregs(struct worker *w, struct altp2m_sregs *s)
{
	struct altp2m_segment *segs[] = {
		&s->cs, &s->ds, &s->es, &s->fs, &s->gs, &s->ss, &s->tr, &s->ldt
	};
	struct altp2m_segment *g;
	unsigned int i, n = rnd(w) % 4;

	for (i = 0; i < n; i++) {
		g = segs[rnd(w) % 8];
		switch (rnd(w) % 12) {
		case 0:
			s->cr0 ^= 1ULL << (rnd(w) % 32);
			break;
		case 1:
			s->cr4 ^= 1ULL << (rnd(w) % 24);
			break;
		case 2:
			s->efer ^= 1ULL << (rnd(w) % 16);
			break;
		case 3:
			s->cr3 = rnd(w) % 2 ? rnd(w) % w->vm->ram_size : rnd(w);
			break;
		case 4:
			g->type = rnd(w) % 16;
			break;
		case 5:
			g->dpl = rnd(w) % 4;
			g->selector = (g->selector & ~3) | g->dpl;
			break;
		case 6:
			g->present = !g->present;
			break;
		case 7:
			g->db = rnd(w) % 2;
			g->l = rnd(w) % 2;
			break;
		case 8:
			g->unusable = !g->unusable;
			break;
		case 9:
			g->limit = rnd(w) % 2 ? rnd(w) % 0x10000 : rnd(w);
			g->g = rnd(w) % 2;
			break;
		case 10:
			g->base = rnd(w) % 2 ? rnd(w) % w->vm->ram_size :
			     rnd(w);
			break;
		default:
			if (rnd(w) % 2)
				s->idt.limit = rnd(w);
			else
				s->gdt.limit = rnd(w);
			break;
		}
	}
}

/* Random MSRs and, now and then, an event to deliver. */
static void random_msrs_events(struct worker *w)
{
	struct altp2m_msr_entry e = { .index = pick_msr(w) };
	struct altp2m_vcpu_events ev;

	if (rnd(w) % 4 == 0) {
		e.value = rnd(w) % 2 ? 1ULL << (rnd(w) % 64) : rnd(w);
		_vcpu_msrs(w->vcpu, ALTP2M_SET_MSRS, &e, 1);
	}
	if (rnd(w) % 8 == 0) {
		memset(&ev, 0, sizeof(ev));
		ev.flags = ALTP2M_EVENTS_SET_EVENT;
		ev.event_valid = 1;
		ev.event_type = rnd(w) % 7;
		ev.event_vector = rnd(w) % 3 ? rnd(w) % 32 : rnd(w);
		ev.event_has_error = rnd(w) % 2;
		ev.event_error = rnd(w) % 2 ? 0 : rnd(w);
		ev.event_insn_len = rnd(w) % 16;
		__vcpu_ioctl(w->vcpu, ALTP2M_SET_VCPU_EVENTS, &ev);
	}
}

static void new_guest(struct worker *w)
{
	w->vm = vm_create(0);
	w->vcpu = vcpu_add_bare(w->vm, 0);
	vcpu_sregs_get(w->vcpu, &w->reset_sregs);
	w->code_gpa = w->mode == MODE_REAL ? REAL_CODE :
		      vm_alloc(w->vm, CODE_SIZE, PAGE_SIZE);
	if (w->mode == MODE_STATE)
		new_views(w);
}

/* Fresh random bytes and registers, system tables rewritten. */
static void reset_guest(struct worker *w)
{
	struct altp2m_regs r;
	struct altp2m_sregs s;
	uint64_t *code = addr_gpa2hva(w->vm, w->code_gpa);
	__u64 *gpr;
	unsigned int i;

	if (w->mode == MODE_STATE) {
		uint8_t *p = (uint8_t *)code, *end = p + CODE_SIZE - 64;

		while (p < end)
			p = emit_one(w, p);
		memset(p, 0xf4, end + 64 - p);	/* hlt */
	} else {
		for (i = 0; i < CODE_SIZE / 8; i++)
			code[i] = rnd(w);
	}
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
		if (w->mode == MODE_STATE) {
			struct altp2m_sregs m = s;

			r.rflags |= rnd(w) % 4 ? 0 : rnd(w) & 0x3f0fd5;
			/* Mostly valid: a refused entry costs a new VM. */
			if (rnd(w) % 3 == 0)
				mutate_sregs(w, &m);
			/* What SET_SREGS refuses gets the valid state. */
			if (!__vcpu_ioctl(w->vcpu, ALTP2M_SET_SREGS, &m))
				s = m;
			random_msrs_events(w);
		}
		r.rip = w->code_gpa + (rnd(w) & 0xfff);
		/* Half the time a stack that works, else whatever. */
		if (rnd(w) & 1)
			r.rsp = w->code_gpa + CODE_SIZE - 8;
	}
	vcpu_sregs_set(w->vcpu, &s);
	/* Random RFLAGS bits SET_REGS refuses: the fixed ones only. */
	if (w->mode != MODE_STATE ||
	    __vcpu_ioctl(w->vcpu, ALTP2M_SET_REGS, &r)) {
		r.rflags = X86_RFLAGS_FIXED;
		vcpu_regs_set(w->vcpu, &r);
	}
}

/*
 * A signal every @ms until arm(w, 0): not one, which a thread preempted
 * between arming and RUN would take in user space, leaving a guest in a
 * loop without exits to run on unbounded.
 */
static void arm(struct worker *w, long ms)
{
	struct itimerspec its = { .it_value.tv_nsec = ms * 1000000L,
				  .it_interval.tv_nsec = ms * 1000000L };

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
			if (!vcpu_exit_sane(w->vcpu->run, w->vm->run_size)) {
				w->count[OUT_BAD_EXIT]++;
				note(w, "exit breaks the uAPI", &w->notes_bad);
			}
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
		[OUT_ERRNO] = "other-errno", [OUT_BAD_EXIT] = "bad-exit",
	};
	int cpus = sysconf(_SC_NPROCESSORS_ONLN), i, j, stuck = 0;
	struct worker w[MAX_CPUS];
	uint64_t seed = fuzz_seed(), eio = 0, other = 0, bad = 0;
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
		bad += w[i].count[OUT_BAD_EXIT];
	}
	fflush(stdout);
	EXPECT_EQ(eio, 0);
	EXPECT_EQ(other, 0);
	EXPECT_EQ(bad, 0);
}

TEST_TIMEOUT(fuzz_real_mode, 2 * WATCHDOG_S + 4 * FUZZ_SECONDS)
{
	fuzz(_t, MODE_REAL);
}

TEST_TIMEOUT(fuzz_64bit, 2 * WATCHDOG_S + 4 * FUZZ_SECONDS)
{
	fuzz(_t, MODE_LONG);
}

TEST_TIMEOUT(fuzz_states, 2 * WATCHDOG_S + 4 * FUZZ_SECONDS)
{
	fuzz(_t, MODE_STATE);
}

TEST_HARNESS_MAIN
