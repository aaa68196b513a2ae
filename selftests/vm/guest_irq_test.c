// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupts and NMIs for the guest (GET/SET_VCPU_EVENTS, GET/SET_MP_STATE).
 *
 * Without a local APIC only what the VMM sets reaches the guest: an
 * external interrupt reaches the handler of its vector, and waits while
 * RFLAGS.IF is clear, until STI and the instruction after it; an NMI is
 * delivered and a second one is held until the handler's IRET, also when
 * that IRET exits before it completes; an exception with its error code;
 * an event whose delivery exited is in flight for GET and delivered
 * after; bad events and mp_states are EINVAL before anything is written.
 *
 * With one (ALTP2M_VM_LAPIC): HLT sleeps in the kernel without VM exits,
 * a signal ends RUN with EINTR and the next RUN sleeps again; an
 * interrupt wakes it, but with IF clear only an NMI does; the APIC timer
 * wakes a HLT; a self-IPI is taken at STI, an NMI IPI at once; an IPI
 * from another vCPU wakes a halted vCPU and reaches one running in the
 * guest; vCPU 0 starts vCPU 1 with INIT, SIPI, SIPI in real mode at the
 * vector; INIT to itself resets a vCPU (the bootstrap processor to the
 * reset vector, another to wait-for-SIPI).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define IRQ_VECTOR	0x40
#define IRQ_VECTOR2	0x41

/* ------------------------------------------------------- guest handlers */

/*
 * Each interrupt handler counts, notes its vector and what the guest's
 * marker held when it ran, and returns.
 */
uint64_t irq_count, irq_vector, irq_mark, sti_mark;
uint64_t nmi_count, nmi_check_nesting;

void guest_irq40(void);
void guest_irq41(void);
__asm__(
	"	.text\n"
	"	.globl guest_irq40\n"
	"guest_irq40:\n"
	"	push %rax\n"
	"	mov $0x40, %eax\n"
	"	jmp 1f\n"
	"	.globl guest_irq41\n"
	"guest_irq41:\n"
	"	push %rax\n"
	"	mov $0x41, %eax\n"
	"1:	mov %rax, irq_vector\n"
	"	mov sti_mark, %rax\n"
	"	mov %rax, irq_mark\n"
	"	incq irq_count\n"
	"	pop %rax\n"
	"	iretq\n");

/*
 * The NMI handler counts. With nmi_check_nesting, the first NMI reports
 * from inside the handler (NMIs blocked) and checks that the second one
 * the host raises meanwhile waits; the second only counts.
 */
void guest_nmi_inside(void);
void guest_nmi_handler(void);
__asm__(
	"	.text\n"
	"	.globl guest_nmi_handler\n"
	"guest_nmi_handler:\n"
	"	push %rax\n"
	"	push %rcx\n"
	"	push %rdx\n"
	"	push %rsi\n"
	"	push %rdi\n"
	"	push %r8\n"
	"	push %r9\n"
	"	push %r10\n"
	"	push %r11\n"
	"	incq nmi_count\n"
	"	cmpq $0, nmi_check_nesting\n"
	"	je 1f\n"
	"	cmpq $1, nmi_count\n"
	"	jne 1f\n"
	"	call guest_nmi_inside\n"
	"1:	pop %r11\n"
	"	pop %r10\n"
	"	pop %r9\n"
	"	pop %r8\n"
	"	pop %rdi\n"
	"	pop %rsi\n"
	"	pop %rdx\n"
	"	pop %rcx\n"
	"	pop %rax\n"
	"	iretq\n");

void guest_nmi_inside(void)
{
	unsigned int i;

	GUEST_SYNC(READ_ONCE(nmi_count));
	/* The host raised the second NMI: blocked until the IRET. */
	for (i = 0; i < 1000; i++)
		cpu_relax();
	GUEST_ASSERT_EQ(READ_ONCE(nmi_count), 1);
}

static void install_handlers(struct vm *vm)
{
	x86_set_idt_gate(vm->ram, IRQ_VECTOR, (uint64_t)(uintptr_t)guest_irq40);
	x86_set_idt_gate(vm->ram, IRQ_VECTOR2,
			 (uint64_t)(uintptr_t)guest_irq41);
	x86_set_idt_gate(vm->ram, NMI_VECTOR,
			 (uint64_t)(uintptr_t)guest_nmi_handler);
}

/* ------------------------------------------------------------ host side */

static int __get_events(struct vcpu *vcpu, struct altp2m_vcpu_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	return __vcpu_ioctl(vcpu, ALTP2M_GET_VCPU_EVENTS, ev);
}

static void get_events(struct vcpu *vcpu, struct altp2m_vcpu_events *ev)
{
	TEST_ASSERT(!__get_events(vcpu, ev), "GET_VCPU_EVENTS: %s",
		    strerror(errno));
}

static void set_events(struct vcpu *vcpu, struct altp2m_vcpu_events *ev)
{
	TEST_ASSERT(!__vcpu_ioctl(vcpu, ALTP2M_SET_VCPU_EVENTS, ev),
		    "SET_VCPU_EVENTS: %s", strerror(errno));
}

static void set_extint(struct vcpu *vcpu, uint8_t vector)
{
	struct altp2m_vcpu_events ev = {
		.flags = ALTP2M_EVENTS_SET_EVENT,
		.event_valid = 1,
		.event_type = ALTP2M_EVENT_TYPE_EXTINT,
		.event_vector = vector,
	};

	set_events(vcpu, &ev);
}

/* -------------------------------------------- external interrupt, STI */

extern char sti_done[];

static void guest_sti(void)
{
	unsigned int i;

	GUEST_SYNC(0);
	/* IF is clear: the interrupt the host set waits. */
	for (i = 0; i < 1000; i++)
		cpu_relax();
	GUEST_ASSERT_EQ(READ_ONCE(irq_count), 0);
	/* The instruction after STI runs in its shadow, before it. */
	__asm__ __volatile__("sti\n\t"
			     "movq $1, sti_mark\n\t"
			     "movq $2, sti_mark\n"
			     ".globl sti_done\nsti_done:\n\t"
			     "cli" : : : "memory");
	GUEST_SYNC_ARGS(READ_ONCE(irq_count), READ_ONCE(irq_vector),
			READ_ONCE(irq_mark));
}

TEST(extint_waits_for_sti)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_sti);
	struct altp2m_vcpu_stats st;
	struct altp2m_vcpu_events ev;
	struct ucall uc;

	install_handlers(vm);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	set_extint(vcpu, IRQ_VECTOR);
	/* Waiting for the window, it is the event in flight for GET. */
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.event_valid, 1);
	EXPECT_EQ(ev.event_type, ALTP2M_EVENT_TYPE_EXTINT);
	EXPECT_EQ(ev.event_vector, IRQ_VECTOR);
	EXPECT_EQ(ev.event_has_error, 0);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 1);		/* delivered once */
	EXPECT_EQ(uc.args[1], IRQ_VECTOR);	/* to its own handler */
	EXPECT_EQ(uc.args[2], 1);		/* after the shadow */
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.event_valid, 0);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.irqs_injected, 1);
	EXPECT_EQ(st.nmis_injected, 0);
	EXPECT_GE(st.irq_window_exits, 1);
	vm_free(vm);
}

/* With IF set and no shadow the next entry delivers it, to its vector. */
static void guest_if_on(void)
{
	GUEST_SYNC(0);
	GUEST_SYNC_ARGS(READ_ONCE(irq_count), READ_ONCE(irq_vector));
}

TEST(extint_delivered_at_once)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_if_on);
	struct altp2m_vcpu_stats st;
	struct ucall uc;

	install_handlers(vm);
	vcpu_set_if(vcpu, true);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	set_extint(vcpu, IRQ_VECTOR2);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 1);
	EXPECT_EQ(uc.args[1], IRQ_VECTOR2);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.irqs_injected, 1);
	EXPECT_EQ(st.irq_window_exits, 0);
	vm_free(vm);
}

/* ------------------------------------------------------------------ NMI */

static void guest_nmis(void)
{
	GUEST_SYNC(0);
	while (READ_ONCE(nmi_count) < 2)
		cpu_relax();
	GUEST_SYNC(READ_ONCE(nmi_count));
}

TEST(nmi_held_until_iret)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_nmis);
	struct altp2m_vcpu_stats st;
	struct altp2m_vcpu_events ev;
	struct ucall uc;

	install_handlers(vm);
	guest_global(vm, nmi_check_nesting) = 1;
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	ASSERT_EQ(uc.args[0], 0);
	ev = (struct altp2m_vcpu_events){
		.flags = ALTP2M_EVENTS_SET_NMI, .nmi_pending = 1,
	};
	set_events(vcpu, &ev);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.nmi_pending, 1);
	EXPECT_EQ(ev.nmi_masked, 0);
	EXPECT_EQ(ev.event_valid, 0);

	/* In the handler of the first: NMIs are blocked. */
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	ASSERT_EQ(uc.args[0], 1);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.nmi_pending, 0);
	EXPECT_EQ(ev.nmi_masked, 1);
	ev = (struct altp2m_vcpu_events){
		.flags = ALTP2M_EVENTS_SET_NMI, .nmi_pending = 1,
		.nmi_masked = 1,
	};
	set_events(vcpu, &ev);

	/* The handler saw no second NMI; its IRET let it in. */
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 2);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.nmi_pending, 0);
	EXPECT_EQ(ev.nmi_masked, 0);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.nmis_injected, 2);
	EXPECT_EQ(st.irqs_injected, 0);
	EXPECT_GE(st.irq_window_exits, 1);
	vm_free(vm);
}

/*
 * An IRET that exits before it completes (its frame not readable in the
 * view) has already unblocked NMIs in the CPU; the exit says so and the
 * module blocks them again, since the IRET runs again. Otherwise a
 * pending NMI would be delivered on top of the first handler, before its
 * IRET: the second NMI's frame would point at that IRET.
 */
#define IRET_PORT	0xe9

uint64_t nmi_rip;

void guest_nmi_iret_handler(void);
extern char nmi_iret[];
__asm__(
	"	.text\n"
	"	.globl guest_nmi_iret_handler\n"
	"guest_nmi_iret_handler:\n"
	"	push %rax\n"
	"	incq nmi_count\n"
	"	mov 8(%rsp), %rax\n"		/* the interrupted RIP */
	"	mov %rax, nmi_rip\n"
	"	pop %rax\n"
	"	cmpq $1, nmi_count\n"
	"	jne 1f\n"
	"	outb %al, $0xe9\n"		/* the first: the VMM acts */
	"1:\n"
	"	.globl nmi_iret\n"
	"nmi_iret:\n"
	"	iretq\n");

static void guest_nmi_iret(void)
{
	GUEST_SYNC(0);
	while (READ_ONCE(nmi_count) < 2)
		cpu_relax();
	GUEST_SYNC(READ_ONCE(nmi_rip));
}

TEST(nmi_blocked_across_faulting_iret)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_nmi_iret);
	struct altp2m_vcpu_events ev;
	struct altp2m_regs regs;
	struct ucall uc;
	uint16_t view;
	uint64_t gfn;

	x86_set_idt_gate(vm->ram, NMI_VECTOR,
			 (uint64_t)(uintptr_t)guest_nmi_iret_handler);
	vm_views_enable(vm, 0);
	view = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vcpu_set_view(vcpu, view);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	ev = (struct altp2m_vcpu_events){
		.flags = ALTP2M_EVENTS_SET_NMI, .nmi_pending = 1,
	};
	set_events(vcpu, &ev);
	/* In the handler, right before its IRET. */
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_IO);
	ASSERT_EQ(vcpu->run->io.port, IRET_PORT);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(regs.rip, (uint64_t)(uintptr_t)nmi_iret);
	gfn = regs.rsp >> 12;
	vm_set_mem_access(vm, view, gfn, 1, ALTP2M_ACCESS_N);
	ev = (struct altp2m_vcpu_events){
		.flags = ALTP2M_EVENTS_SET_NMI, .nmi_pending = 1,
		.nmi_masked = 1,
	};
	set_events(vcpu, &ev);
	/* The IRET reads its frame: a violation, NMIs still blocked. */
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	EXPECT_EQ(vcpu->run->violation.gpa >> 12, gfn);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.nmi_masked, 1);
	EXPECT_EQ(ev.nmi_pending, 1);
	vm_set_mem_access(vm, view, gfn, 1, ALTP2M_ACCESS_RWX);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	/* The second NMI came after the IRET, not on top of the handler. */
	EXPECT_NE(uc.args[0], (uint64_t)(uintptr_t)nmi_iret);
	EXPECT_EQ(guest_global(vm, nmi_count), 2);
	vm_free(vm);
}

/* ------------------------------------------- exception with error code */

static void guest_wait(void)
{
	GUEST_SYNC(0);
	for (;;)
		cpu_relax();
}

TEST(exception_with_error_code)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_wait);
	struct altp2m_vcpu_events ev;
	struct ucall uc;

	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	ev = (struct altp2m_vcpu_events){
		.flags = ALTP2M_EVENTS_SET_EVENT, .event_valid = 1,
		.event_type = ALTP2M_EVENT_TYPE_EXCEPTION,
		.event_vector = GP_VECTOR, .event_has_error = 1,
		.event_error = 0x1234,
	};
	set_events(vcpu, &ev);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.event_valid, 1);
	EXPECT_EQ(ev.event_type, ALTP2M_EVENT_TYPE_EXCEPTION);
	EXPECT_EQ(ev.event_vector, GP_VECTOR);
	EXPECT_EQ(ev.event_has_error, 1);
	EXPECT_EQ(ev.event_error, 0x1234);
	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_UNHANDLED);
	EXPECT_EQ(uc.args[0], GP_VECTOR);
	EXPECT_EQ(uc.args[1], 0x1234);
	vm_free(vm);
}

/* --------------------------------- an event whose delivery exited */

static void guest_wait_irq(void)
{
	GUEST_SYNC(0);
	while (!READ_ONCE(irq_count))
		cpu_relax();
	GUEST_SYNC_ARGS(READ_ONCE(irq_count), READ_ONCE(irq_vector));
}

/*
 * The IDT is not readable in the vCPU's view: delivering the interrupt
 * exits as a view violation with the interrupt in flight, which GET
 * shows and which is delivered once the access is relaxed, counted then.
 */
TEST(event_in_flight_across_exit)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_wait_irq);
	uint64_t idt_gfn = GUEST_IDT_GPA >> 12;
	struct altp2m_vcpu_stats st;
	struct altp2m_vcpu_events ev;
	struct ucall uc;
	uint16_t view;

	install_handlers(vm);
	vm_views_enable(vm, 0);
	view = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vm_set_mem_access(vm, view, idt_gfn, 1, ALTP2M_ACCESS_N);
	vcpu_set_view(vcpu, view);
	vcpu_set_if(vcpu, true);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	set_extint(vcpu, IRQ_VECTOR);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	EXPECT_EQ(vcpu->run->violation.gpa >> 12, idt_gfn);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.event_valid, 1);
	EXPECT_EQ(ev.event_type, ALTP2M_EVENT_TYPE_EXTINT);
	EXPECT_EQ(ev.event_vector, IRQ_VECTOR);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.irqs_injected, 0);

	vm_set_mem_access(vm, view, idt_gfn, 1, ALTP2M_ACCESS_RWX);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 1);
	EXPECT_EQ(uc.args[1], IRQ_VECTOR);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.irqs_injected, 1);
	vm_free(vm);
}

/* ------------------------------------------------------------ bad input */

static void expect_set_einval(struct vcpu *vcpu,
			      const struct altp2m_vcpu_events *ev)
{
	struct altp2m_vcpu_events copy = *ev;

	ASSERT_ERRNO(__vcpu_ioctl(vcpu, ALTP2M_SET_VCPU_EVENTS, &copy),
		     EINVAL);
}

#define BAD(...)							\
	expect_set_einval(vcpu, &(struct altp2m_vcpu_events){ __VA_ARGS__ })

TEST(bad_events_einval)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_wait);
	struct altp2m_vcpu_events ev;
	const uint32_t E = ALTP2M_EVENTS_SET_EVENT;

	/* GET: flags, pad, reserved in must be 0. */
	memset(&ev, 0, sizeof(ev));
	ev.flags = 1;
	ASSERT_ERRNO(__vcpu_ioctl(vcpu, ALTP2M_GET_VCPU_EVENTS, &ev), EINVAL);
	memset(&ev, 0, sizeof(ev));
	ev.reserved[4] = 1;
	ASSERT_ERRNO(__vcpu_ioctl(vcpu, ALTP2M_GET_VCPU_EVENTS, &ev), EINVAL);

	BAD(.flags = 1U << 4);
	BAD(.flags = E, .pad = 1);
	BAD(.flags = E, .reserved[0] = 1);
	BAD(.flags = E, .event_valid = 2);
	BAD(.flags = E, .event_valid = 1, .event_type = 1, .event_vector = 32);
	BAD(.flags = E, .event_valid = 1, .event_type = 7);
	BAD(.flags = E, .event_valid = 1,
	    .event_type = ALTP2M_EVENT_TYPE_NMI, .event_vector = 3);
	BAD(.flags = E, .event_valid = 1,
	    .event_type = ALTP2M_EVENT_TYPE_EXCEPTION, .event_vector = 32);
	BAD(.flags = E, .event_valid = 1,
	    .event_type = ALTP2M_EVENT_TYPE_EXCEPTION, .event_vector = 3,
	    .event_has_error = 1);
	BAD(.flags = E, .event_valid = 1,
	    .event_type = ALTP2M_EVENT_TYPE_EXCEPTION, .event_vector = 13,
	    .event_has_error = 1, .event_error = 0x10000);
	BAD(.flags = E, .event_valid = 1,
	    .event_type = ALTP2M_EVENT_TYPE_EXTINT, .event_vector = 0x40,
	    .event_has_error = 1);
	BAD(.flags = E, .event_valid = 1,
	    .event_type = ALTP2M_EVENT_TYPE_SOFT_INT, .event_vector = 0x80);
	BAD(.flags = E, .event_valid = 1,
	    .event_type = ALTP2M_EVENT_TYPE_SOFT_EXC, .event_vector = 3,
	    .event_insn_len = 16);
	BAD(.flags = ALTP2M_EVENTS_SET_NMI, .nmi_pending = 2);
	BAD(.flags = ALTP2M_EVENTS_SET_NMI, .nmi_masked = 2);
	BAD(.flags = ALTP2M_EVENTS_SET_SHADOW,
	    .shadow = ALTP2M_SHADOW_STI | ALTP2M_SHADOW_MOV_SS);
	BAD(.flags = ALTP2M_EVENTS_SET_SHADOW, .shadow = 4);
	/* RFLAGS.IF is clear: no STI shadow. */
	BAD(.flags = ALTP2M_EVENTS_SET_SHADOW, .shadow = ALTP2M_SHADOW_STI);
	BAD(.flags = ALTP2M_EVENTS_SET_SIPI, .sipi_vector = 256);
	/* A good part with a bad one: nothing is written. */
	BAD(.flags = ALTP2M_EVENTS_SET_NMI | E, .nmi_pending = 1,
	    .nmi_masked = 1, .event_valid = 1, .event_type = 7);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.nmi_pending, 0);
	EXPECT_EQ(ev.nmi_masked, 0);
	EXPECT_EQ(ev.event_valid, 0);

	/* Parts not named are left alone, whatever their fields say. */
	ev = (struct altp2m_vcpu_events){
		.flags = ALTP2M_EVENTS_SET_SIPI, .sipi_vector = 0x9a,
		.event_valid = 7, .nmi_pending = 9, .shadow = 0xff,
	};
	set_events(vcpu, &ev);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.sipi_vector, 0x9a);
	EXPECT_EQ(ev.event_valid, 0);
	EXPECT_EQ(ev.nmi_pending, 0);
	EXPECT_EQ(ev.shadow, 0);
	vm_free(vm);
}

/* The shadow the VMM sets reads back, and follows RFLAGS.IF as entry will. */
TEST(shadow_round_trip)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_wait);
	struct altp2m_vcpu_events ev;

	vcpu_set_if(vcpu, true);
	ev = (struct altp2m_vcpu_events){
		.flags = ALTP2M_EVENTS_SET_SHADOW, .shadow = ALTP2M_SHADOW_STI,
	};
	set_events(vcpu, &ev);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.shadow, ALTP2M_SHADOW_STI);
	ev = (struct altp2m_vcpu_events){
		.flags = ALTP2M_EVENTS_SET_SHADOW,
		.shadow = ALTP2M_SHADOW_MOV_SS,
	};
	set_events(vcpu, &ev);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.shadow, ALTP2M_SHADOW_MOV_SS);
	/* The STI shadow goes with IF, as VM entry wants it. */
	ev = (struct altp2m_vcpu_events){
		.flags = ALTP2M_EVENTS_SET_SHADOW, .shadow = ALTP2M_SHADOW_STI,
	};
	set_events(vcpu, &ev);
	vcpu_set_if(vcpu, false);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.shadow, 0);
	vm_free(vm);
}

/* --------------------------------------------------------- mp_state */

static int __mp_state(struct vcpu *vcpu, unsigned long cmd, uint32_t state,
		      uint32_t flags, uint64_t reserved, uint32_t *out)
{
	struct altp2m_mp_state mp = {
		.flags = flags, .state = state, .reserved[1] = reserved,
	};
	int ret = __vcpu_ioctl(vcpu, cmd, &mp);

	if (out)
		*out = mp.state;
	return ret;
}

TEST(mp_state_without_lapic)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 1, guest_wait);
	struct altp2m_caps caps;
	uint32_t state = 99;

	/* The module says it has these ioctls. */
	vm_caps(vm, &caps);
	EXPECT_TRUE(caps.features & ALTP2M_FEATURE_VCPU_EVENTS);

	/* Every vCPU runs: there is no APIC to start one. */
	ASSERT_EQ(__mp_state(vcpu, ALTP2M_GET_MP_STATE, 0, 0, 0, &state), 0);
	EXPECT_EQ(state, ALTP2M_MP_STATE_RUNNABLE);
	ASSERT_ERRNO(__mp_state(vcpu, ALTP2M_GET_MP_STATE, 0, 1, 0, NULL),
		     EINVAL);
	ASSERT_ERRNO(__mp_state(vcpu, ALTP2M_GET_MP_STATE, 0, 0, 1, NULL),
		     EINVAL);
	ASSERT_ERRNO(__mp_state(vcpu, ALTP2M_SET_MP_STATE,
				ALTP2M_MP_STATE_HALTED, 0, 0, NULL), EINVAL);
	ASSERT_ERRNO(__mp_state(vcpu, ALTP2M_SET_MP_STATE,
				ALTP2M_MP_STATE_WAIT_SIPI, 0, 0, NULL),
		     EINVAL);
	ASSERT_ERRNO(__mp_state(vcpu, ALTP2M_SET_MP_STATE, 3, 0, 0, NULL),
		     EINVAL);
	ASSERT_ERRNO(__mp_state(vcpu, ALTP2M_SET_MP_STATE,
				ALTP2M_MP_STATE_RUNNABLE, 1, 0, NULL), EINVAL);
	ASSERT_ERRNO(__mp_state(vcpu, ALTP2M_SET_MP_STATE,
				ALTP2M_MP_STATE_RUNNABLE, 0, 1, NULL), EINVAL);
	ASSERT_EQ(__mp_state(vcpu, ALTP2M_SET_MP_STATE,
			     ALTP2M_MP_STATE_RUNNABLE, 0, 0, NULL), 0);
	ASSERT_EQ(__mp_state(vcpu, ALTP2M_GET_MP_STATE, 0, 0, 0, &state), 0);
	EXPECT_EQ(state, ALTP2M_MP_STATE_RUNNABLE);
	vm_free(vm);
}

/* ------------------------------------------------- with a local APIC */

#define APIC_BASE_GPA	0xfee00000ULL
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_TMICT	0x380
#define APIC_TDCR	0x3e0

#define SIPI_VECTOR	0x70	/* the AP's real-mode code at 0x70000 */
#define AP_PORT		0xe8

static void apic_write(uint32_t off, uint32_t v)
{
	mmio_write32(APIC_BASE_GPA + off, v);
}

static uint32_t mp_state(struct vcpu *vcpu)
{
	uint32_t state = ~0U;

	TEST_ASSERT(!__mp_state(vcpu, ALTP2M_GET_MP_STATE, 0, 0, 0, &state),
		    "GET_MP_STATE");
	return state;
}

static void set_mp_state(struct vcpu *vcpu, uint32_t state)
{
	TEST_ASSERT(!__mp_state(vcpu, ALTP2M_SET_MP_STATE, state, 0, 0, NULL),
		    "SET_MP_STATE %u", state);
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* RUN that a SIGALRM after @secs ends: it must not return before. */
static void run_until_alarm(struct altp2m_test *_t, struct vcpu *vcpu,
			    unsigned int secs)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	int ret;

	ASSERT_EQ(sigaction(SIGALRM, &sa, NULL), 0);
	alarm(secs);
	ret = _vcpu_run(vcpu);
	alarm(0);
	if (ret != -1) {
		char buf[256];

		vcpu_describe_exit(vcpu, buf, sizeof(buf));
		TH_LOG("RUN returned %d: %s", ret, buf);
	}
	ASSERT_EQ(ret, -1);
	ASSERT_EQ(errno, EINTR);
	EXPECT_EQ(vcpu->run->exit_reason, ALTP2M_EXIT_INTR);
}

static void guest_sti_hlt(void)
{
	GUEST_SYNC(0);
	__asm__ __volatile__("sti; hlt; cli" : : : "memory");
	GUEST_SYNC_ARGS(READ_ONCE(irq_count), READ_ONCE(irq_vector));
}

/*
 * HLT with nothing to wake it sleeps in the kernel: a signal ends RUN with
 * EINTR, the vCPU stays halted, and the next RUN sleeps again without a
 * single VM exit. An interrupt the VMM sets then wakes it.
 */
TEST(hlt_sleeps_until_interrupt)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_sti_hlt);
	struct altp2m_vcpu_stats st;
	struct ucall uc;
	uint64_t hw;

	install_handlers(vm);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	run_until_alarm(_t, vcpu, 1);
	EXPECT_EQ(mp_state(vcpu), ALTP2M_MP_STATE_HALTED);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.halts_blocked, 1);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_HLT], 0);
	hw = st.hw_exits;

	run_until_alarm(_t, vcpu, 1);
	EXPECT_EQ(mp_state(vcpu), ALTP2M_MP_STATE_HALTED);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.hw_exits, hw);		/* no busy loop */
	EXPECT_EQ(st.halts_blocked, 1);		/* the same HLT */

	set_extint(vcpu, IRQ_VECTOR);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 1);
	EXPECT_EQ(uc.args[1], IRQ_VECTOR);
	EXPECT_EQ(mp_state(vcpu), ALTP2M_MP_STATE_RUNNABLE);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.irqs_injected, 1);
	vm_free(vm);
}

static void guest_cli_hlt(void)
{
	GUEST_SYNC(0);
	__asm__ __volatile__("cli; hlt" : : : "memory");
	GUEST_SYNC_ARGS(READ_ONCE(nmi_count), READ_ONCE(irq_count));
}

/* With IF clear an interrupt leaves HLT halted; an NMI ends it. */
TEST(hlt_if_clear_wakes_for_nmi_only)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_cli_hlt);
	struct altp2m_vcpu_events ev;
	struct ucall uc;

	install_handlers(vm);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	set_extint(vcpu, IRQ_VECTOR);
	run_until_alarm(_t, vcpu, 1);
	EXPECT_EQ(mp_state(vcpu), ALTP2M_MP_STATE_HALTED);
	ev = (struct altp2m_vcpu_events){
		.flags = ALTP2M_EVENTS_SET_NMI, .nmi_pending = 1,
	};
	set_events(vcpu, &ev);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 1);
	EXPECT_EQ(uc.args[1], 0);
	get_events(vcpu, &ev);
	EXPECT_EQ(ev.event_valid, 1);		/* still waiting for IF */
	EXPECT_EQ(ev.event_vector, IRQ_VECTOR);
	vm_free(vm);
}

static void guest_timer_hlt(void)
{
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_TDCR, 0xb);		/* divide by 1 */
	apic_write(APIC_LVTT, IRQ_VECTOR);	/* one-shot */
	apic_write(APIC_TMICT, 50000000);	/* 50 ms */
	__asm__ __volatile__("sti; hlt; cli" : : : "memory");
	apic_write(APIC_EOI, 0);
	GUEST_SYNC_ARGS(READ_ONCE(irq_count), READ_ONCE(irq_vector));
}

/* The APIC timer ends a HLT the vCPU slept in. */
TEST(apic_timer_wakes_hlt)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_timer_hlt);
	struct altp2m_vcpu_stats st;
	struct ucall uc;

	install_handlers(vm);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 1);
	EXPECT_EQ(uc.args[1], IRQ_VECTOR);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.halts_blocked, 1);
	EXPECT_EQ(st.irqs_injected, 1);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_HLT], 0);
	vm_free(vm);
}

static void guest_self_ipi(void)
{
	unsigned int i;

	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_ICR, 0x40000 | IRQ_VECTOR2);	/* self, fixed */
	for (i = 0; i < 100; i++)
		cpu_relax();
	GUEST_ASSERT_EQ(READ_ONCE(irq_count), 0);	/* IF is clear */
	__asm__ __volatile__("sti\n\t"
			     "movq $1, sti_mark\n\t"
			     "movq $2, sti_mark\n\t"
			     "cli" : : : "memory");
	apic_write(APIC_EOI, 0);
	GUEST_SYNC_ARGS(READ_ONCE(irq_count), READ_ONCE(irq_vector),
			READ_ONCE(irq_mark));
}

/* A self-IPI waits for IF and is taken after the STI shadow. */
TEST(self_ipi_taken)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_self_ipi);
	struct altp2m_vcpu_stats st;
	struct ucall uc;

	install_handlers(vm);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 1);
	EXPECT_EQ(uc.args[1], IRQ_VECTOR2);
	EXPECT_EQ(uc.args[2], 1);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.irqs_injected, 1);
	EXPECT_GE(st.irq_window_exits, 1);
	vm_free(vm);
}

/* An NMI IPI to itself: taken before the next instruction. */
static void guest_nmi_ipi(void)
{
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_ICR2, 0);
	apic_write(APIC_ICR, 0x400);		/* NMI, to ID 0: itself */
	GUEST_SYNC(READ_ONCE(nmi_count));
}

TEST(nmi_ipi_to_self)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_nmi_ipi);
	struct altp2m_vcpu_stats st;
	struct ucall uc;

	install_handlers(vm);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 1);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.nmis_injected, 1);
	vm_free(vm);
}

/* vCPU 0, the bootstrap processor, starts vCPU 1 as firmware does. */
static void guest_bsp_starts_ap(void)
{
	unsigned int i;

	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_ICR2, 1U << 24);
	apic_write(APIC_ICR, 0x4500);			/* INIT, assert */
	for (i = 0; i < 1000; i++)
		cpu_relax();
	apic_write(APIC_ICR2, 1U << 24);
	apic_write(APIC_ICR, 0x4600 | SIPI_VECTOR);	/* SIPI */
	apic_write(APIC_ICR2, 1U << 24);
	apic_write(APIC_ICR, 0x4600 | SIPI_VECTOR);	/* and again */
	GUEST_SYNC(0);
}

/* Real mode: mov $0x1234, %ax; out %ax, $AP_PORT; 1: hlt; jmp 1b */
static const uint8_t ap_code[] = {
	0xb8, 0x34, 0x12, 0xe7, AP_PORT, 0xf4, 0xeb, 0xfd,
};

struct ap_run {
	struct vcpu *vcpu;
	int ret;
};

static void *ap_thread(void *arg)
{
	struct ap_run *a = arg;

	a->ret = _vcpu_run(a->vcpu);
	return NULL;
}

TEST(init_sipi_starts_ap)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *bsp = vcpu_add(vm, 0, guest_bsp_starts_ap);
	struct vcpu *ap = vcpu_add(vm, 1, guest_wait);
	struct ap_run a = { .vcpu = ap, .ret = -2 };
	struct altp2m_sregs sregs;
	struct altp2m_regs regs;
	struct timespec limit;
	struct ucall uc;
	pthread_t t;

	memcpy(addr_gpa2hva(vm, (uint64_t)SIPI_VECTOR << 12), ap_code,
	       sizeof(ap_code));
	EXPECT_EQ(mp_state(bsp), ALTP2M_MP_STATE_RUNNABLE);
	EXPECT_EQ(mp_state(ap), ALTP2M_MP_STATE_WAIT_SIPI);
	ASSERT_EQ(pthread_create(&t, NULL, ap_thread, &a), 0);
	ASSERT_EQ(vcpu_run_ucall(bsp, &uc), UCALL_SYNC);
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 20;
	ASSERT_EQ(pthread_timedjoin_np(t, NULL, &limit), 0);
	ASSERT_EQ(a.ret, 0);
	assert_exit_reason(ap, ALTP2M_EXIT_IO);
	EXPECT_EQ(ap->run->io.port, AP_PORT);
	EXPECT_EQ(ap->run->io.size, 2);
	EXPECT_EQ(*(uint16_t *)vcpu_io_data(ap), 0x1234);
	vcpu_sregs_get(ap, &sregs);
	EXPECT_EQ(sregs.cs.selector, SIPI_VECTOR << 8);
	EXPECT_EQ(sregs.cs.base, (uint64_t)SIPI_VECTOR << 12);
	EXPECT_EQ(sregs.cr0 & X86_CR0_PE, 0);
	vcpu_regs_get(ap, &regs);
	EXPECT_EQ(regs.rip, 5);			/* after the OUT */
	EXPECT_EQ(mp_state(ap), ALTP2M_MP_STATE_RUNNABLE);
	vm_free(vm);
}

/* vCPU 1: halts with interrupts on, reports the interrupt that woke it. */
static void guest_ap_halts(void)
{
	apic_write(APIC_SVR, 0x1ff);
	__asm__ __volatile__("sti; hlt; cli" : : : "memory");
	apic_write(APIC_EOI, 0);
	GUEST_SYNC_ARGS(READ_ONCE(irq_count), READ_ONCE(irq_vector));
}

/* vCPU 1: spins with interrupts on until one comes. */
static void guest_ap_spins(void)
{
	apic_write(APIC_SVR, 0x1ff);
	__asm__ __volatile__("sti" : : : "memory");
	while (!READ_ONCE(irq_count))
		cpu_relax();
	__asm__ __volatile__("cli" : : : "memory");
	apic_write(APIC_EOI, 0);
	GUEST_SYNC_ARGS(READ_ONCE(irq_count), READ_ONCE(irq_vector));
}

/* vCPU 0: a fixed IPI to vCPU 1. */
static void guest_send_ipi(void)
{
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_ICR2, 1U << 24);
	apic_write(APIC_ICR, IRQ_VECTOR);
	GUEST_SYNC(0);
}

static void *ap_run_thread(void *arg)
{
	struct ap_run *a = arg;
	struct ucall uc;

	a->ret = _vcpu_run(a->vcpu);
	if (!a->ret && get_ucall(a->vcpu, &uc) != UCALL_SYNC)
		a->ret = -3;
	return NULL;
}

/*
 * An IPI from vCPU 0 reaches vCPU 1 whether it sleeps in HLT (the kick
 * wakes it) or runs in the guest (the kick makes it exit).
 */
static void ipi_to_ap(struct altp2m_test *_t, void *ap_fn, bool halts)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *bsp = vcpu_add(vm, 0, guest_send_ipi);
	struct vcpu *ap = vcpu_add(vm, 1, ap_fn);
	struct ap_run a = { .vcpu = ap, .ret = -2 };
	struct altp2m_vcpu_stats st;
	struct timespec limit;
	struct ucall uc;
	pthread_t t;

	install_handlers(vm);
	set_mp_state(ap, ALTP2M_MP_STATE_RUNNABLE);
	ASSERT_EQ(pthread_create(&t, NULL, ap_run_thread, &a), 0);
	/* Time for vCPU 1 to halt (or spin) first. */
	usleep(500000);
	ASSERT_EQ(vcpu_run_ucall(bsp, &uc), UCALL_SYNC);
	clock_gettime(CLOCK_REALTIME, &limit);
	limit.tv_sec += 20;
	ASSERT_EQ(pthread_timedjoin_np(t, NULL, &limit), 0);
	ASSERT_EQ(a.ret, 0);
	get_ucall(ap, &uc);
	EXPECT_EQ(uc.args[0], 1);
	EXPECT_EQ(uc.args[1], IRQ_VECTOR);
	vcpu_stats(ap, &st);
	EXPECT_EQ(st.irqs_injected, 1);
	EXPECT_EQ(st.halts_blocked, halts ? 1 : 0);
	vm_free(vm);
}

TEST(ipi_wakes_halted_vcpu)
{
	ipi_to_ap(_t, guest_ap_halts, true);
}

TEST(ipi_reaches_running_vcpu)
{
	ipi_to_ap(_t, guest_ap_spins, false);
}

static void guest_init_self(uint64_t id)
{
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_ICR2, (uint32_t)id << 24);
	apic_write(APIC_ICR, 0x4500);		/* INIT, assert, to itself */
	GUEST_SYNC(0xbad);
}

/* INIT to itself: an AP resets and waits for a SIPI. */
TEST(init_to_self_ap)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 1, guest_init_self);
	struct altp2m_sregs sregs;
	struct altp2m_regs regs;

	vcpu_args_set(vcpu, 1, 1ULL);
	set_mp_state(vcpu, ALTP2M_MP_STATE_RUNNABLE);
	run_until_alarm(_t, vcpu, 1);
	EXPECT_EQ(mp_state(vcpu), ALTP2M_MP_STATE_WAIT_SIPI);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(regs.rip, 0xfff0);
	EXPECT_EQ(regs.rflags, X86_RFLAGS_FIXED);
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(sregs.cs.selector, 0xf000);
	EXPECT_EQ(sregs.cs.base, 0xffff0000);
	EXPECT_EQ(sregs.cr0, X86_CR0_ET);
	EXPECT_EQ(sregs.efer, 0);
	vm_free(vm);
}

/*
 * INIT to itself on the bootstrap processor: it runs again from the reset
 * vector (SDM "Processor state after reset"; KVM and Bochs agree), which
 * here is not RAM: the fetch there ends in an exit for the VMM.
 */
TEST(init_to_self_bsp)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_init_self);
	struct altp2m_sregs sregs;
	struct altp2m_regs regs;

	vcpu_args_set(vcpu, 1, 0ULL);
	vcpu_run(vcpu);
	EXPECT_NE(vcpu->run->exit_reason, ALTP2M_EXIT_IO);	/* no 0xbad */
	EXPECT_EQ(mp_state(vcpu), ALTP2M_MP_STATE_RUNNABLE);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(regs.rip, 0xfff0);
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(sregs.cs.selector, 0xf000);
	EXPECT_EQ(sregs.cs.base, 0xffff0000);
	vm_free(vm);
}

/* The states that need an APIC exist with one. */
TEST(mp_state_with_lapic)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 1, guest_wait);

	EXPECT_EQ(mp_state(vcpu), ALTP2M_MP_STATE_WAIT_SIPI);
	set_mp_state(vcpu, ALTP2M_MP_STATE_HALTED);
	EXPECT_EQ(mp_state(vcpu), ALTP2M_MP_STATE_HALTED);
	/* Halted with IF clear and nothing pending: RUN sleeps. */
	run_until_alarm(_t, vcpu, 1);
	set_mp_state(vcpu, ALTP2M_MP_STATE_RUNNABLE);
	EXPECT_EQ(mp_state(vcpu), ALTP2M_MP_STATE_RUNNABLE);
	ASSERT_ERRNO(__mp_state(vcpu, ALTP2M_SET_MP_STATE, 3, 0, 0, NULL),
		     EINVAL);
	vm_free(vm);
}

TEST_HARNESS_MAIN
