// SPDX-License-Identifier: GPL-2.0
/*
 * Monitor events from the hardware side (kmod/vmx/monitor.c): each event
 * type a guest can raise, sync and async where both exist, and what each
 * response does to the guest. The vCPU runs in a thread of its own,
 * because a sync event parks it inside ALTP2M_RUN until this thread, the
 * monitor, answers.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/monitor_util.h"
#include "../lib/harness.h"

#define EV_TIMEOUT_MS	60000
#define MSR_SYSENTER_ESP	0x175
#define CR4_PCE		(1ULL << 8)
#define CPUID_LEAF	0x4000abcdU

/* ------------------------------------------------------ monitor side */

/* Every event type here is enabled with no mask. */
#define mon_set_event(m, type, flags, index) \
	monitor_set_event(m, type, flags, index, 0)

static int __mon_respond(struct monitor *m,
			 const struct altp2m_monitor_response *rsp)
{
	int ret = __monitor_respond(m, rsp);

	if (ret)
		printf("# RESPOND seq %llu flags %#x: %s\n",
		       (unsigned long long)rsp->seq, rsp->flags,
		       strerror(errno));
	return ret;
}

/* A response to @ev with @flags; the registers are the event's. */
static struct altp2m_monitor_response
rsp_for(const struct altp2m_monitor_event *ev, uint32_t flags)
{
	const struct altp2m_monitor_regs *g = &ev->regs;
	struct altp2m_monitor_response r = {
		.flags = flags, .vcpu = ev->vcpu, .seq = ev->seq,
		.regs = {
			.rax = g->rax, .rbx = g->rbx, .rcx = g->rcx,
			.rdx = g->rdx, .rsi = g->rsi, .rdi = g->rdi,
			.rsp = g->rsp, .rbp = g->rbp, .r8 = g->r8,
			.r9 = g->r9, .r10 = g->r10, .r11 = g->r11,
			.r12 = g->r12, .r13 = g->r13, .r14 = g->r14,
			.r15 = g->r15, .rip = g->rip, .rflags = g->rflags,
		},
	};

	/* The step's view only with a step; 0 otherwise. */
	if (flags & (ALTP2M_MON_RSP_SINGLESTEP |
		     ALTP2M_MON_RSP_FAST_SINGLESTEP))
		r.step_view = ALTP2M_MON_VIEW_CURRENT;
	return r;
}

#define mon_respond(m, ev, flags) do {					\
		struct altp2m_monitor_response _r = rsp_for(ev, flags);	\
		ASSERT_EQ(__mon_respond(m, &_r), 0);			\
	} while (0)

/* --------------------------------------------------------- vCPU side */

struct runner {
	struct vcpu *vcpu;
	pthread_t th;
	struct ucall uc;
	uint64_t type;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	r->type = vcpu_run_ucall(r->vcpu, &r->uc);
	return NULL;
}

/* Run the vCPU in a thread up to its next ucall. */
static void run_async(struct altp2m_test *_t, struct runner *r)
{
	ASSERT_EQ(pthread_create(&r->th, NULL, runner_fn, r), 0);
}

/* A vCPU still parked after EV_TIMEOUT_MS is a failure, not a hang. */
static void run_wait(struct altp2m_test *_t, struct runner *r)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += EV_TIMEOUT_MS / 1000;
	ASSERT_EQ(pthread_timedjoin_np(r->th, NULL, &ts), 0);
}

/* The next event, which must be of @type. */
static void next_event(struct altp2m_test *_t, struct monitor *m,
		       struct altp2m_monitor_event *ev, uint32_t type)
{
	ASSERT_EQ(monitor_next_event(m, ev, EV_TIMEOUT_MS), 0);
	if (ev->type != type)
		TH_LOG("event %llu: type %u at %#llx", (unsigned long long)ev->seq,
		       ev->type, (unsigned long long)ev->regs.rip);
	ASSERT_EQ(ev->type, type);
	EXPECT_EQ(ev->vcpu, 0);
}

/* ------------------------------------------------------ guest code */

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ __volatile__("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(uint64_t v)
{
	__asm__ __volatile__("mov %0, %%cr4" : : "r"(v) : "memory");
}

static void guest_cr4_flip(void)
{
	write_cr4(read_cr4() ^ CR4_PCE);
	GUEST_SYNC(read_cr4());
}

/*
 * CR0 by its three instructions: MOV sets TS, CLTS clears it twice (the
 * monitor denies the first), LMSW flips MP and then restores it, then
 * LMSW 0 tries to leave protected mode (it cannot clear PE) and the
 * guest restores CR0 once more. Written in assembly: nothing may touch
 * the FPU while TS is set.
 */
static void guest_cr0_writes(void)
{
	uint64_t cr0, denied, cleared, flipped, zeroed;

	__asm__ __volatile__("mov %%cr0, %0\n\t"
			     "mov %0, %%rax\n\t"
			     "or $8, %%rax\n\t"
			     "mov %%rax, %%cr0\n\t"
			     "clts\n\t"
			     "mov %%cr0, %1\n\t"
			     "clts\n\t"
			     "mov %%cr0, %2\n\t"
			     "mov %0, %%rax\n\t"
			     "xor $2, %%eax\n\t"
			     "lmsw %%ax\n\t"
			     "mov %%cr0, %3\n\t"
			     "mov %0, %%rax\n\t"
			     "lmsw %%ax\n\t"
			     "xor %%eax, %%eax\n\t"
			     "lmsw %%ax\n\t"
			     "mov %%cr0, %4\n\t"
			     "mov %0, %%rax\n\t"
			     "lmsw %%ax"
			     : "=&r"(cr0), "=&r"(denied), "=&r"(cleared),
			       "=&r"(flipped), "=&r"(zeroed)
			     : : "rax", "memory");
	GUEST_SYNC_ARGS(cr0, denied, cleared, flipped, zeroed);
}

static void guest_cr3_reload(void)
{
	uint64_t cr3;

	__asm__ __volatile__("mov %%cr3, %0\n\t"
			     "mov %0, %%cr3" : "=r"(cr3) : : "memory");
	GUEST_SYNC(cr3);
}

static void guest_msr_write(void)
{
	wrmsr(MSR_SYSENTER_ESP, 0x1234);
	GUEST_SYNC(rdmsr(MSR_SYSENTER_ESP));
}

static void guest_cpuid(uint32_t leaf)
{
	uint32_t a = leaf, b, c = 7, d;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	GUEST_SYNC_ARGS(a, b, c, d);
}

/* The guest's own #BP handler counts. */
uint64_t bp_count;
void guest_bp_handler(void);
__asm__("	.text\n"
	"	.globl guest_bp_handler\n"
	"guest_bp_handler:\n"
	"	incq bp_count\n"
	"	iretq\n");

void guest_int3_at(void);

static void guest_int3(void)
{
	__asm__ __volatile__(".globl guest_int3_at\n"
			     "guest_int3_at: int3" : : : "memory");
	GUEST_SYNC(bp_count);
}

static void guest_write_page(uint64_t gva)
{
	uint64_t *p = (uint64_t *)gva;

	WRITE_ONCE(*p, 0x55);
	GUEST_SYNC(READ_ONCE(*p));
}

/*
 * The stepped sequence: an INT3 for the monitor to start from, an STI
 * whose shadow covers the next NOP, and a PUSHF whose image the guest
 * keeps.
 */
uint64_t step_pushf;
void guest_step_code(void);
void step_l0(void);
void step_l1(void);
void step_l2(void);
void step_l3(void);
void step_l4(void);
void step_l5(void);
void step_l6(void);
void step_end(void);
__asm__("	.text\n"
	"	.globl guest_step_code\n"
	"guest_step_code:\n"
	"	int3\n"
	"	.globl step_l0\n"
	"step_l0: nop\n"
	"	.globl step_l1\n"
	"step_l1: sti\n"
	"	.globl step_l2\n"
	"step_l2: nop\n"
	"	.globl step_l3\n"
	"step_l3: cli\n"
	"	.globl step_l4\n"
	"step_l4: pushfq\n"
	"	.globl step_l5\n"
	"step_l5: pop %rax\n"
	"	.globl step_l6\n"
	"step_l6: mov %rax, step_pushf\n"
	"	.globl step_end\n"
	"step_end: ret\n");

static void guest_step(void)
{
	guest_step_code();
	GUEST_SYNC(step_pushf);
}

/*
 * Steps that deliver an event: INT n and an exception (UD2). Each
 * handler keeps the RFLAGS image of its frame; the #UD one skips UD2.
 */
uint64_t int_frame_flags, ud_frame_flags;
void guest_int21_handler(void);
void guest_ud_handler(void);
void guest_deliver_code(void);
__asm__("	.text\n"
	"	.globl guest_int21_handler\n"
	"guest_int21_handler:\n"
	"	push %rax\n"
	"	mov 24(%rsp), %rax\n"
	"	mov %rax, int_frame_flags\n"
	"	pop %rax\n"
	"	iretq\n"
	"	.globl guest_ud_handler\n"
	"guest_ud_handler:\n"
	"	push %rax\n"
	"	mov 24(%rsp), %rax\n"
	"	mov %rax, ud_frame_flags\n"
	"	addq $2, 8(%rsp)\n"
	"	pop %rax\n"
	"	iretq\n"
	"	.globl guest_deliver_code\n"
	"guest_deliver_code:\n"
	"	int3\n"
	"	int $0x21\n"
	"	int3\n"
	"	ud2\n"
	"	ret\n");

static void guest_step_deliver(void)
{
	int_frame_flags = ~0ULL;
	ud_frame_flags = ~0ULL;
	guest_deliver_code();
	GUEST_SYNC_ARGS(int_frame_flags, ud_frame_flags);
}

static void guest_call(uint64_t fn)
{
	uint64_t ret;

	__asm__ __volatile__("call *%1" : "=a"(ret) : "r"(fn)
			     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
			       "r11", "memory");
	GUEST_SYNC(ret & 0xffffffff);
}

/* ------------------------------------------------------------ tests */

static uint64_t guest_u64(struct vm *vm, void *sym)
{
	return *(uint64_t *)addr_gva2hva(vm, (uint64_t)(uintptr_t)sym);
}

/* Async CR4 write: done by the time the event is read, reported once. */
TEST(cr_async_write_happens)
{
	struct vm *vm = vm_create(0);
	struct runner r = { .vcpu = vcpu_add(vm, 0, guest_cr4_flip) };
	struct altp2m_monitor_event ev;
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_CR, ALTP2M_MON_CTL_ENABLE, 4);
	run_async(_t, &r);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	next_event(_t, m, &ev, ALTP2M_MON_EV_CR);
	EXPECT_EQ(ev.flags & ALTP2M_MON_EVF_SYNC, 0);
	EXPECT_EQ(ev.u.cr.index, 4);
	EXPECT_EQ(ev.u.cr.new_value, ev.u.cr.old_value ^ CR4_PCE);
	EXPECT_EQ(r.uc.args[0], ev.u.cr.new_value);
	/* Written before the event: the registers show the new value. */
	EXPECT_EQ(ev.regs.cr4, ev.u.cr.new_value);
	EXPECT_EQ(monitor_next_event(m, &ev, 0), -1);
	monitor_close(m);
	vm_free(vm);
}

/* Sync CR4 write: parked unwritten; DENY skips it, the guest goes on. */
TEST(cr_sync_deny_keeps_value)
{
	struct vm *vm = vm_create(0);
	struct runner r = { .vcpu = vcpu_add(vm, 0, guest_cr4_flip) };
	struct altp2m_monitor_event ev;
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_CR,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 4);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_CR);
	EXPECT_EQ(ev.flags & ALTP2M_MON_EVF_SYNC, ALTP2M_MON_EVF_SYNC);
	EXPECT_EQ(ev.u.cr.index, 4);
	/* Not written yet: the registers show the old value. */
	EXPECT_EQ(ev.regs.cr4, ev.u.cr.old_value);
	mon_respond(m, &ev, ALTP2M_MON_RSP_DENY);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], ev.u.cr.old_value);
	monitor_close(m);
	vm_free(vm);
}

/* Sync CR4 write answered "continue": written as without a monitor. */
TEST(cr_sync_continue_writes)
{
	struct vm *vm = vm_create(0);
	struct runner r = { .vcpu = vcpu_add(vm, 0, guest_cr4_flip) };
	struct altp2m_monitor_event ev;
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_CR,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 4);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_CR);
	/* DENY is for CR and MSR only; REINJECT is not: EINVAL, parked. */
	{
		struct altp2m_monitor_response bad =
			rsp_for(&ev, ALTP2M_MON_RSP_REINJECT);

		EXPECT_EQ(__mon_respond(m, &bad), -1);
		EXPECT_EQ(errno, EINVAL);
	}
	mon_respond(m, &ev, 0);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], ev.u.cr.new_value);
	monitor_close(m);
	vm_free(vm);
}

/*
 * CLTS and LMSW are CR0 writes to the monitor, as MOV is: each one that
 * changes CR0 parks the vCPU with its value computed and not written;
 * DENY skips it, "continue" writes it. A hostile LMSW 0 keeps PE.
 */
TEST(cr0_clts_lmsw)
{
	struct vm *vm = vm_create(0);
	struct runner r = { .vcpu = vcpu_add(vm, 0, guest_cr0_writes) };
	struct altp2m_monitor_event ev[7];
	uint64_t cr0, ts = 8, mp = 2;
	struct monitor *m;
	int i;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_CR,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	run_async(_t, &r);
	for (i = 0; i < 7; i++) {
		next_event(_t, m, &ev[i], ALTP2M_MON_EV_CR);
		EXPECT_EQ(ev[i].u.cr.index, 0);
		EXPECT_EQ(ev[i].flags & ALTP2M_MON_EVF_SYNC,
			  ALTP2M_MON_EVF_SYNC);
		/* Parked unwritten. */
		EXPECT_EQ(ev[i].regs.cr0, ev[i].u.cr.old_value);
		mon_respond(m, &ev[i], i == 1 ? ALTP2M_MON_RSP_DENY : 0);
	}
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	cr0 = r.uc.args[0];
	EXPECT_EQ(cr0 & ts, 0);
	/* MOV, CLTS denied, CLTS, LMSW flipping MP, LMSW restoring it. */
	EXPECT_EQ(ev[0].u.cr.new_value, cr0 | ts);
	EXPECT_EQ(ev[1].u.cr.old_value, cr0 | ts);
	EXPECT_EQ(ev[1].u.cr.new_value, cr0);
	EXPECT_EQ(r.uc.args[1], cr0 | ts);
	EXPECT_EQ(ev[2].u.cr.old_value, cr0 | ts);
	EXPECT_EQ(ev[2].u.cr.new_value, cr0);
	EXPECT_EQ(r.uc.args[2], cr0);
	EXPECT_EQ(ev[3].u.cr.new_value, cr0 ^ mp);
	EXPECT_EQ(r.uc.args[3], cr0 ^ mp);
	EXPECT_EQ(ev[4].u.cr.old_value, cr0 ^ mp);
	EXPECT_EQ(ev[4].u.cr.new_value, cr0);
	/* LMSW 0 clears MP (set in the test guest's CR0), never PE. */
	EXPECT_EQ(cr0 & (mp | 1), mp | 1);
	EXPECT_EQ(ev[5].u.cr.new_value, cr0 & ~0xeULL);
	EXPECT_EQ(r.uc.args[4], cr0 & ~0xeULL);
	EXPECT_EQ(ev[6].u.cr.new_value, cr0);
	EXPECT_EQ(monitor_next_event(m, &ev[0], 0), -1);
	monitor_close(m);
	vm_free(vm);
}

/* MOV to CR3 exits only for a monitor; the write then happens. */
TEST(cr3_sync_event)
{
	struct vm *vm = vm_create(0);
	struct runner r = { .vcpu = vcpu_add(vm, 0, guest_cr3_reload) };
	struct altp2m_monitor_event ev;
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_CR,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 3);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_CR);
	EXPECT_EQ(ev.u.cr.index, 3);
	EXPECT_EQ(ev.u.cr.old_value, ev.regs.cr3);
	EXPECT_EQ(ev.u.cr.new_value, ev.regs.cr3);
	mon_respond(m, &ev, 0);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], ev.u.cr.new_value);
	monitor_close(m);
	vm_free(vm);
}

/* WRMSR, async: written and reported; sync DENY: the MSR keeps its value. */
TEST(msr_async_and_deny)
{
	struct vm *vm = vm_create(0);
	struct runner r = { .vcpu = vcpu_add(vm, 0, guest_msr_write) };
	struct altp2m_monitor_event ev;
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_MSR, ALTP2M_MON_CTL_ENABLE,
		      MSR_SYSENTER_ESP);
	run_async(_t, &r);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], 0x1234);
	next_event(_t, m, &ev, ALTP2M_MON_EV_MSR);
	EXPECT_EQ(ev.flags & ALTP2M_MON_EVF_SYNC, 0);
	EXPECT_EQ(ev.u.msr.index, MSR_SYSENTER_ESP);
	EXPECT_EQ(ev.u.msr.old_value, 0);
	EXPECT_EQ(ev.u.msr.new_value, 0x1234);

	/* Again from the start, the MSR back at 0, now sync and denied. */
	vcpu_set_msr(r.vcpu, MSR_SYSENTER_ESP, 0);
	vcpu_setup(r.vcpu, guest_msr_write);
	mon_set_event(m, ALTP2M_MON_EV_MSR,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC,
		      MSR_SYSENTER_ESP);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_MSR);
	EXPECT_EQ(ev.flags & ALTP2M_MON_EVF_SYNC, ALTP2M_MON_EVF_SYNC);
	EXPECT_EQ(ev.u.msr.new_value, 0x1234);
	mon_respond(m, &ev, ALTP2M_MON_RSP_DENY);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], 0);
	monitor_close(m);
	vm_free(vm);
}

#define MSR_APIC_BASE		0x1b
#define APIC_BASE_EN		(1ULL << 11)

static void guest_apic_base_off(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_EN);
	GUEST_SYNC_ARGS(base, rdmsr(MSR_APIC_BASE));
}

/*
 * The in-kernel APIC's base MSR: its write is reported with the APIC's
 * value as the old one, and DENY keeps the APIC enabled.
 */
TEST(msr_apic_base_deny)
{
	struct vm *vm = vm_create_lapic();
	struct runner r = { .vcpu = vcpu_add(vm, 0, guest_apic_base_off) };
	struct altp2m_monitor_event ev;
	struct monitor *m = monitor_attach(vm, 0, 0);

	mon_set_event(m, ALTP2M_MON_EV_MSR,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC,
		      MSR_APIC_BASE);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_MSR);
	EXPECT_EQ(ev.u.msr.index, MSR_APIC_BASE);
	EXPECT_TRUE(ev.u.msr.old_value & APIC_BASE_EN);
	EXPECT_EQ(ev.u.msr.new_value, ev.u.msr.old_value & ~APIC_BASE_EN);
	mon_respond(m, &ev, ALTP2M_MON_RSP_DENY);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], ev.u.msr.old_value);
	EXPECT_EQ(r.uc.args[1], ev.u.msr.old_value);
	monitor_close(m);
	vm_free(vm);
}

/*
 * CPUID: the monitor answers with SET_REGS (and moves RIP itself); a
 * "continue" gets the module's answer.
 */
TEST(cpuid_answered_by_monitor)
{
	struct vm *vm = vm_create(0);
	struct runner r = { .vcpu = vcpu_add(vm, 0, guest_cpuid) };
	struct altp2m_monitor_response rsp;
	struct altp2m_monitor_event ev;
	struct monitor *m;

	vcpu_args_set(r.vcpu, 1, (uint64_t)CPUID_LEAF);
	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_CPUID,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_CPUID);
	EXPECT_EQ(ev.u.cpuid.leaf, CPUID_LEAF);
	EXPECT_EQ(ev.u.cpuid.subleaf, 7);
	EXPECT_EQ(ev.u.cpuid.insn_len, 2);
	rsp = rsp_for(&ev, ALTP2M_MON_RSP_SET_REGS);
	rsp.regs.rax = 0x11;
	rsp.regs.rbx = 0x22;
	rsp.regs.rcx = 0x33;
	rsp.regs.rdx = 0x44;
	rsp.regs.rip += ev.u.cpuid.insn_len;
	ASSERT_EQ(__mon_respond(m, &rsp), 0);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], 0x11);
	EXPECT_EQ(r.uc.args[1], 0x22);
	EXPECT_EQ(r.uc.args[2], 0x33);
	EXPECT_EQ(r.uc.args[3], 0x44);

	/* Leaf 0 answered "continue": the module's vendor, not 0x22. */
	vcpu_setup(r.vcpu, guest_cpuid);
	vcpu_args_set(r.vcpu, 1, 0ULL);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_CPUID);
	EXPECT_EQ(ev.u.cpuid.leaf, 0);
	mon_respond(m, &ev, 0);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_GE(r.uc.args[0], 1);
	EXPECT_NE(r.uc.args[1], 0x22);
	EXPECT_NE(r.uc.args[1], 0);
	monitor_close(m);
	vm_free(vm);
}

static struct vm *bp_vm(struct runner *r, void *guest)
{
	struct vm *vm = vm_create(0);

	x86_set_idt_gate(vm->ram, 3, (uint64_t)(uintptr_t)guest_bp_handler);
	r->vcpu = vcpu_add(vm, 0, guest);
	return vm;
}

/* INT3 with REINJECT: the guest's handler runs once, after the INT3. */
TEST(breakpoint_reinject)
{
	struct altp2m_monitor_event ev;
	struct runner r;
	struct vm *vm = bp_vm(&r, guest_int3);
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_BREAKPOINT,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_BREAKPOINT);
	EXPECT_EQ(ev.regs.rip, (uint64_t)(uintptr_t)guest_int3_at);
	EXPECT_EQ(ev.u.breakpoint.gla, (uint64_t)(uintptr_t)guest_int3_at);
	EXPECT_EQ(ev.u.breakpoint.gpa, (uint64_t)(uintptr_t)guest_int3_at);
	EXPECT_EQ(ev.u.breakpoint.insn_len, 1);
	mon_respond(m, &ev, ALTP2M_MON_RSP_REINJECT);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], 1);
	monitor_close(m);
	vm_free(vm);
}

/* INT3 answered by moving RIP past it: the guest never sees a #BP. */
TEST(breakpoint_consumed)
{
	struct altp2m_monitor_event ev;
	struct altp2m_monitor_response rsp;
	struct runner r;
	struct vm *vm = bp_vm(&r, guest_int3);
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_BREAKPOINT,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_BREAKPOINT);
	rsp = rsp_for(&ev, ALTP2M_MON_RSP_SET_REGS);
	rsp.regs.rip += ev.u.breakpoint.insn_len;
	ASSERT_EQ(__mon_respond(m, &rsp), 0);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], 0);
	monitor_close(m);
	vm_free(vm);
}

/* A vCPU created after BREAKPOINT was enabled has the intercept too. */
TEST(breakpoint_vcpu_created_later)
{
	struct vm *vm = vm_create(0);
	struct altp2m_monitor_event ev;
	struct monitor *m = monitor_attach(vm, 0, 0);
	struct runner r;

	mon_set_event(m, ALTP2M_MON_EV_BREAKPOINT,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	x86_set_idt_gate(vm->ram, 3, (uint64_t)(uintptr_t)guest_bp_handler);
	r.vcpu = vcpu_add(vm, 0, guest_int3);
	m->nr_rings = 1;
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_BREAKPOINT);
	EXPECT_EQ(ev.regs.rip, (uint64_t)(uintptr_t)guest_int3_at);
	mon_respond(m, &ev, ALTP2M_MON_RSP_REINJECT);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], 1);
	monitor_close(m);
	vm_free(vm);
}

/* Closing the monitor with a breakpoint parked: the guest gets its #BP. */
TEST(close_reinjects_parked_breakpoint)
{
	struct altp2m_monitor_event ev;
	struct runner r;
	struct vm *vm = bp_vm(&r, guest_int3);
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_BREAKPOINT,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_BREAKPOINT);
	monitor_close(m);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], 1);
	EXPECT_EQ(guest_u64(vm, &bp_count), 1);
	vm_free(vm);
}

/* A view where @gva's page is read-only, the vCPU on it. */
static struct vm *ro_view_vm(struct runner *r, uint64_t *gva, uint32_t *view)
{
	struct vm *vm = vm_create(0);

	*gva = vm_alloc(vm, 4096, 4096);
	r->vcpu = vcpu_add(vm, 0, guest_write_page);
	vcpu_args_set(r->vcpu, 1, *gva);
	vm_views_enable(vm, 0);
	*view = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vm_set_mem_access(vm, *view, *gva >> 12, 1, ALTP2M_ACCESS_R);
	vcpu_set_view(r->vcpu, *view);
	return vm;
}

/* A violation, relaxed by the response's batch: the write then happens. */
TEST(violation_relaxed_by_batch)
{
	struct altp2m_monitor_response rsp;
	struct altp2m_monitor_event ev;
	struct altp2m_batch_op op = { 0 };
	struct runner r;
	uint64_t gva;
	uint32_t view;
	struct vm *vm = ro_view_vm(&r, &gva, &view);
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_VIOLATION,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_VIOLATION);
	EXPECT_EQ(ev.view, view);
	EXPECT_EQ(ev.u.violation.gpa, gva);
	EXPECT_TRUE(ev.u.violation.access & ALTP2M_ACCESS_W);
	op.op = ALTP2M_BATCH_SET_ACCESS;
	op.value = ALTP2M_ACCESS_RW;
	op.view = view;
	op.gfn = gva >> 12;
	op.npages = 1;
	rsp = rsp_for(&ev, ALTP2M_MON_RSP_ACCESS);
	rsp.nr_ops = 1;
	rsp.ops = (uint64_t)(uintptr_t)&op;
	ASSERT_EQ(__mon_respond(m, &rsp), 0);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], 0x55);
	EXPECT_EQ(vm_get_mem_access(vm, view, gva >> 12), ALTP2M_ACCESS_RW);
	EXPECT_EQ(vcpu_get_view(r.vcpu), view);
	EXPECT_EQ(monitor_next_event(m, &ev, 0), -1);
	monitor_close(m);
	vm_free(vm);
}

/* A violation answered by a switch to view 0: the write happens there. */
TEST(violation_switch_view)
{
	struct altp2m_monitor_response rsp;
	struct altp2m_monitor_event ev;
	struct runner r;
	uint64_t gva;
	uint32_t view;
	struct vm *vm = ro_view_vm(&r, &gva, &view);
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_VIOLATION,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_VIOLATION);
	rsp = rsp_for(&ev, ALTP2M_MON_RSP_SWITCH_VIEW);
	rsp.view = 0;
	ASSERT_EQ(__mon_respond(m, &rsp), 0);
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], 0x55);
	EXPECT_EQ(vcpu_get_view(r.vcpu), 0);
	EXPECT_EQ(vm_get_mem_access(vm, view, gva >> 12), ALTP2M_ACCESS_R);
	monitor_close(m);
	vm_free(vm);
}

/*
 * Single steps from an INT3: one SINGLESTEP event per instruction, at the
 * next instruction's RIP, through an STI shadow; the guest's PUSHF reads
 * TF clear, and no event shows TF set.
 */
TEST(singlestep_sequence)
{
	const uint64_t want[] = {
		(uintptr_t)step_l1, (uintptr_t)step_l2, (uintptr_t)step_l3,
		(uintptr_t)step_l4, (uintptr_t)step_l5, (uintptr_t)step_l6,
		(uintptr_t)step_end,
	};
	struct altp2m_monitor_response rsp;
	struct altp2m_monitor_event ev;
	struct runner r;
	struct vm *vm = bp_vm(&r, guest_step);
	struct altp2m_monitor_info info = { 0 };
	unsigned int i;
	struct monitor *m;

	m = monitor_attach(vm, 0, 0);
	ASSERT_EQ(ioctl(m->fd, ALTP2M_MONITOR_GET_INFO, &info), 0);
	EXPECT_TRUE(info.events & (1ULL << ALTP2M_MON_EV_SINGLESTEP));
	TH_LOG("single step by %s", info.singlestep == ALTP2M_MON_STEP_MTF ?
	       "MTF" : "TF");
	mon_set_event(m, ALTP2M_MON_EV_BREAKPOINT,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	run_async(_t, &r);
	next_event(_t, m, &ev, ALTP2M_MON_EV_BREAKPOINT);
	EXPECT_EQ(ev.regs.rip, (uint64_t)(uintptr_t)guest_step_code);
	/* SINGLESTEP events not enabled: a step is refused. */
	rsp = rsp_for(&ev, ALTP2M_MON_RSP_SET_REGS | ALTP2M_MON_RSP_SINGLESTEP);
	rsp.regs.rip += 1;
	EXPECT_EQ(__mon_respond(m, &rsp), -1);
	EXPECT_EQ(errno, EINVAL);
	mon_set_event(m, ALTP2M_MON_EV_SINGLESTEP,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	ASSERT_EQ(__mon_respond(m, &rsp), 0);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		next_event(_t, m, &ev, ALTP2M_MON_EV_SINGLESTEP);
		TH_LOG("step %u: seq %llu at %#llx", i,
		       (unsigned long long)ev.seq,
		       (unsigned long long)ev.regs.rip);
		EXPECT_EQ(ev.regs.rip, want[i]);
		EXPECT_EQ(ev.u.singlestep.gla, ev.regs.rip);
		EXPECT_EQ(ev.regs.rflags & X86_RFLAGS_TF, 0);
		if (ev.regs.rip == want[2])
			EXPECT_EQ(ev.regs.rflags & X86_RFLAGS_IF,
				  X86_RFLAGS_IF);
		mon_respond(m, &ev, i + 1 < sizeof(want) / sizeof(want[0]) ?
			    ALTP2M_MON_RSP_SINGLESTEP : 0);
	}
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0] & X86_RFLAGS_TF, 0);
	EXPECT_EQ(r.uc.args[0] & X86_RFLAGS_IF, 0);
	EXPECT_EQ(monitor_next_event(m, &ev, 0), -1);
	monitor_close(m);
	vm_free(vm);
}

/*
 * A step over INT n and over a faulting UD2 ends at the first instruction
 * of the handler, and the frame the CPU pushed holds the guest's TF (0),
 * not the step's.
 */
TEST(singlestep_into_handlers)
{
	const uint64_t handlers[] = {
		(uintptr_t)guest_int21_handler, (uintptr_t)guest_ud_handler,
	};
	struct altp2m_monitor_response rsp;
	struct altp2m_monitor_event ev;
	struct runner r;
	struct vm *vm = bp_vm(&r, guest_step_deliver);
	unsigned int i;
	struct monitor *m;

	x86_set_idt_gate(vm->ram, 0x21,
			 (uint64_t)(uintptr_t)guest_int21_handler);
	x86_set_idt_gate(vm->ram, 6, (uint64_t)(uintptr_t)guest_ud_handler);
	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_BREAKPOINT,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	mon_set_event(m, ALTP2M_MON_EV_SINGLESTEP,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	run_async(_t, &r);
	for (i = 0; i < 2; i++) {
		next_event(_t, m, &ev, ALTP2M_MON_EV_BREAKPOINT);
		rsp = rsp_for(&ev, ALTP2M_MON_RSP_SET_REGS |
			      ALTP2M_MON_RSP_SINGLESTEP);
		rsp.regs.rip += 1;
		ASSERT_EQ(__mon_respond(m, &rsp), 0);
		next_event(_t, m, &ev, ALTP2M_MON_EV_SINGLESTEP);
		EXPECT_EQ(ev.regs.rip, handlers[i]);
		EXPECT_EQ(ev.regs.rflags & X86_RFLAGS_TF, 0);
		mon_respond(m, &ev, 0);
	}
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0] & X86_RFLAGS_TF, 0);
	EXPECT_EQ(r.uc.args[1] & X86_RFLAGS_TF, 0);
	EXPECT_NE(r.uc.args[0], ~0ULL);
	EXPECT_NE(r.uc.args[1], ~0ULL);
	EXPECT_EQ(monitor_next_event(m, &ev, 0), -1);
	monitor_close(m);
	vm_free(vm);
}

/* mov $imm32, %eax; ret */
static void put_ret_imm(struct vm *vm, uint64_t gva, uint32_t imm)
{
	uint8_t *p = addr_gva2hva(vm, gva);

	p[0] = 0xb8;
	memcpy(p + 1, &imm, 4);
	p[5] = 0xc3;
}

/*
 * FAST_SINGLESTEP: the vCPU's view has the code page without execute
 * rights; each fetch is stepped on a view that remaps the page to another
 * one, then the vCPU is back on its view, with no SINGLESTEP event. The
 * guest ran the other page's code: it returns 2, not 1.
 */
TEST(fast_singlestep_remapped_code)
{
	struct altp2m_monitor_response rsp;
	struct altp2m_monitor_event ev;
	struct vm *vm = vm_create(0);
	struct runner r = { .vcpu = vcpu_add(vm, 0, guest_call) };
	uint64_t a = vm_alloc(vm, 4096, 4096), b = vm_alloc(vm, 4096, 4096);
	uint32_t noexec, remap;
	unsigned int n = 0;
	struct monitor *m;

	put_ret_imm(vm, a, 1);
	put_ret_imm(vm, b, 2);
	vcpu_args_set(r.vcpu, 1, a);
	vm_views_enable(vm, 0);
	noexec = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	remap = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vm_set_mem_access(vm, noexec, a >> 12, 1, ALTP2M_ACCESS_RW);
	vm_remap_gfn(vm, remap, a >> 12, b >> 12);
	vcpu_set_view(r.vcpu, noexec);

	m = monitor_attach(vm, 0, 0);
	mon_set_event(m, ALTP2M_MON_EV_VIOLATION,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	mon_set_event(m, ALTP2M_MON_EV_SINGLESTEP,
		      ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0);
	run_async(_t, &r);
	/* The MOV and the RET: one violation each, at the page's code. */
	for (n = 0; n < 2; n++) {
		next_event(_t, m, &ev, ALTP2M_MON_EV_VIOLATION);
		EXPECT_EQ(ev.view, noexec);
		EXPECT_EQ(ev.regs.rip, a + 5 * n);
		EXPECT_TRUE(ev.u.violation.access & ALTP2M_ACCESS_X);
		rsp = rsp_for(&ev, ALTP2M_MON_RSP_FAST_SINGLESTEP);
		rsp.step_view = remap;
		rsp.view = noexec;
		ASSERT_EQ(__mon_respond(m, &rsp), 0);
	}
	run_wait(_t, &r);
	ASSERT_EQ(r.type, UCALL_SYNC);
	EXPECT_EQ(r.uc.args[0], 2);
	EXPECT_EQ(vcpu_get_view(r.vcpu), noexec);
	EXPECT_EQ(monitor_next_event(m, &ev, 0), -1);
	monitor_close(m);
	vm_free(vm);
}

TEST_HARNESS_MAIN
