// SPDX-License-Identifier: GPL-2.0
/*
 * Exceptions and events at the guest/host boundary: an #AC whose delivery
 * raises #AC again (CVE-2015-5307) leaves the host responsive; a guest
 * single-stepping over instructions the module emulates gets its #DB after
 * each of them, with DR6.BS, also in an STI or MOV SS shadow, and its
 * single-steps never reach the host's DR6; INT1 is delivered after itself;
 * real-mode guests get their exceptions without an error code (no failed
 * entry), also for an event left pending across a mode change; INVD goes
 * on; an event whose delivery exits is delivered afterwards.
 */
#define _GNU_SOURCE
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define TEST_PORT	0xe8	/* what the guests here report through */

/* ------------------------------------------------ 64-bit #DB recorder */

/*
 * The guests' #DB handler: logs the RIP it returns to and the DR6 the
 * guest reads (MOV DR exits: the module's virtual DR6), clears DR6, and
 * returns with the interrupted RFLAGS, so a guest with TF keeps stepping.
 */
#define DB_LOG_MAX	16
struct db_entry {
	uint64_t rip, dr6;
};
struct db_entry db_log[DB_LOG_MAX];
uint64_t db_count;

void guest_db_handler(void);
__asm__(
	"	.text\n"
	"	.globl guest_db_handler\n"
	"guest_db_handler:\n"
	"	push %rax\n"
	"	push %rbx\n"
	"	mov db_count, %rbx\n"
	"	cmp $" "16" ", %rbx\n"
	"	jae 1f\n"
	"	shl $4, %rbx\n"
	"	mov 16(%rsp), %rax\n"
	"	mov %rax, db_log(%rbx)\n"
	"	mov %dr6, %rax\n"
	"	mov %rax, db_log+8(%rbx)\n"
	"	incq db_count\n"
	"1:	xor %eax, %eax\n"
	"	mov %rax, %dr6\n"
	"	pop %rbx\n"
	"	pop %rax\n"
	"	iretq\n");

static void db_setup(struct vm *vm)
{
	x86_set_idt_gate(vm->ram, DB_VECTOR,
			 (uint64_t)(uintptr_t)guest_db_handler);
}

static void expect_db(struct altp2m_test *_t, struct vm *vm, unsigned int i,
		      const void *rip)
{
	struct db_entry *log = guest_global(vm, db_log);

	ASSERT_TRUE(guest_global(vm, db_count) > i);
	if (log[i].rip != (uint64_t)(uintptr_t)rip)
		TH_LOG("#DB %u at %#llx, expected %p", i,
		       (unsigned long long)log[i].rip, rip);
	EXPECT_EQ(log[i].rip, (uint64_t)(uintptr_t)rip);
	EXPECT_TRUE(log[i].dr6 & X86_DR6_BS);
}

/* ------------------------------------- single-step over emulated insns */

extern char ss_after_nop[], ss_after_cpuid[], ss_after_out[], ss_after_hlt[];

static void guest_single_step(void)
{
	__asm__ __volatile__(
		"pushfq\n\t"
		"orq $0x100, (%%rsp)\n\t"
		"popfq\n\t"
		"nop\n"				/* TF takes effect after this */
		".globl ss_after_nop\nss_after_nop:\n\t"
		"xor %%eax, %%eax\n\t"		/* #DB 1 */
		"cpuid\n"			/* emulated */
		".globl ss_after_cpuid\nss_after_cpuid:\n\t"
		"outb %%al, $" "0xe8" "\n"	/* to the VMM */
		".globl ss_after_out\nss_after_out:\n\t"
		"hlt\n"				/* to the VMM */
		".globl ss_after_hlt\nss_after_hlt:\n\t"
		"pushfq\n\t"
		"andq $~0x100, (%%rsp)\n\t"
		"popfq\n\t"
		: : : "rax", "rbx", "rcx", "rdx", "memory");
	GUEST_SYNC(READ_ONCE(db_count));
}

/*
 * TF over CPUID (emulated in the module), OUT (completed by the VMM) and
 * HLT (likewise): the guest's #DB handler runs after each, at the next
 * instruction, with DR6.BS; and after a native instruction (the #DB is
 * intercepted and reflected) the same.
 */
TEST(single_step_over_emulated)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_single_step);
	struct ucall uc;

	db_setup(vm);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_IO);
	ASSERT_EQ(vcpu->run->io.port, TEST_PORT);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	/* After the nop, xor, cpuid, out, hlt, pushfq, andq (, popfq). */
	EXPECT_TRUE(uc.args[0] >= 7);
	expect_db(_t, vm, 0, ss_after_nop);
	expect_db(_t, vm, 2, ss_after_cpuid);
	expect_db(_t, vm, 3, ss_after_out);
	expect_db(_t, vm, 4, ss_after_hlt);
	vm_free(vm);
}

extern char icebp_after[];

static void guest_icebp(void)
{
	__asm__ __volatile__(".byte 0xf1\n"	/* INT1 (ICEBP) */
			     ".globl icebp_after\nicebp_after:\n"
			     : : : "memory");
	GUEST_SYNC(READ_ONCE(db_count));
}

/*
 * INT1 exits as a #DB of the privileged-software-exception type, before
 * it executes: delivered again as that type, with its length, the handler
 * returns after it; INT1 sets no DR6 status bit.
 */
TEST(icebp_is_delivered_after_it)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_icebp);
	struct db_entry *log;
	struct ucall uc;

	db_setup(vm);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	ASSERT_EQ(uc.args[0], 1);
	log = guest_global(vm, db_log);
	EXPECT_EQ(log[0].rip, (uint64_t)(uintptr_t)icebp_after);
	EXPECT_EQ(log[0].dr6 & X86_DR6_BS, 0);
	vm_free(vm);
}

/* ------------------------------------------------------ host DR6 */

static void guest_step_natively(void)
{
	__asm__ __volatile__(
		"pushfq\n\t"
		"orq $0x100, (%%rsp)\n\t"
		"popfq\n\t"
		"nop\n\t"
		"nop\n\t"
		"pushfq\n\t"
		"andq $~0x100, (%%rsp)\n\t"
		"popfq\n\t"
		: : : "memory");
	GUEST_SYNC(READ_ONCE(db_count));
}

static volatile uint64_t host_watched;
static volatile sig_atomic_t host_sigtraps;

static void on_sigtrap(int sig)
{
	(void)sig;
	host_sigtraps++;
}

/*
 * The guest single-steps on this CPU while the host has no breakpoint
 * armed; then a host data breakpoint of this process fires. Its #DB must
 * find only its own bit in DR6: a guest #DB that reached the hardware
 * would have left DR6.BS there, and the kernel would take the host's #DB
 * for a single-step too and send this process a SIGTRAP.
 */
TEST(guest_single_step_leaves_host_dr6)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(a),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (uintptr_t)&host_watched,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.exclude_kernel = 1,
		.exclude_hv = 1,
		.disabled = 1,
	};
	struct sigaction sa = { .sa_handler = on_sigtrap };
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	uint64_t hits = 0;
	cpu_set_t cpu0;
	int bp;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	ASSERT_EQ(sched_setaffinity(0, sizeof(cpu0), &cpu0), 0);
	ASSERT_EQ(sigaction(SIGTRAP, &sa, NULL), 0);
	bp = syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
	if (bp < 0)
		SKIP("no host hardware breakpoint: %s", strerror(errno));

	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_step_natively);
	db_setup(vm);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_TRUE(uc.args[0] >= 3);

	ASSERT_EQ(ioctl(bp, PERF_EVENT_IOC_ENABLE, 0), 0);
	host_watched = 1;
	ASSERT_EQ(ioctl(bp, PERF_EVENT_IOC_DISABLE, 0), 0);
	ASSERT_EQ(read(bp, &hits, sizeof(hits)), (ssize_t)sizeof(hits));
	if (!hits) {
		close(bp);
		vm_free(vm);
		SKIP("the CPU does not fire data breakpoints");
	}
	EXPECT_EQ(hits, 1);
	EXPECT_EQ(host_sigtraps, 0);
	close(bp);
	vm_free(vm);
}

/* ------------------------------------------------- interrupt shadows */

extern char sh_after_cpuid[], sh_after_nop[];

/*
 * MOV SS holds the single-step trap of the instruction before it back to
 * after the next one, CPUID, which the module emulates: one #DB right
 * after CPUID, then one after the following NOP.
 */
static void guest_movss_cpuid(void)
{
	uint64_t rax = 0;

	__asm__ __volatile__(
		"mov %%ss, %%ax\n\t"
		"pushfq\n\t"
		"orq $0x100, (%%rsp)\n\t"
		"popfq\n\t"
		"mov %%ax, %%ss\n\t"
		"cpuid\n"
		".globl sh_after_cpuid\nsh_after_cpuid:\n\t"
		"nop\n"
		".globl sh_after_nop\nsh_after_nop:\n\t"
		"pushfq\n\t"
		"andq $~0x100, (%%rsp)\n\t"
		"popfq\n\t"
		: "+a"(rax) : : "rbx", "rcx", "rdx", "memory");
	GUEST_SYNC(READ_ONCE(db_count));
}

TEST(single_step_movss_shadow)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_movss_cpuid);
	struct ucall uc;

	db_setup(vm);
	struct db_entry *log;
	unsigned int i;

	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	/*
	 * Where the trap of POPF lands differs between CPUs (Bochs takes it
	 * before the MOV SS); what counts is that CPUID, run in the MOV SS
	 * shadow, has its #DB right after it and the NOP its own after that.
	 */
	log = guest_global(vm, db_log);
	for (i = 0; i < uc.args[0] && i < DB_LOG_MAX; i++)
		if (log[i].rip == (uint64_t)(uintptr_t)sh_after_cpuid)
			break;
	if (i >= uc.args[0])
		TH_LOG("no #DB after CPUID; %llu #DBs, the first at %#llx",
		       (unsigned long long)uc.args[0],
		       (unsigned long long)log[0].rip);
	ASSERT_TRUE(i < uc.args[0]);
	expect_db(_t, vm, i, sh_after_cpuid);
	expect_db(_t, vm, i + 1, sh_after_nop);
	vm_free(vm);
}

extern char sti_hlt_next[], sti_hlt_after_nop[];

static void guest_sti_hlt(void)
{
	__asm__ __volatile__(
		"cli\n\t"
		"sti\n\t"
		"hlt\n"
		".globl sti_hlt_next\nsti_hlt_next:\n\t"
		"nop\n"
		".globl sti_hlt_after_nop\nsti_hlt_after_nop:\n\t"
		"pushfq\n\t"
		"andq $~0x300, (%%rsp)\n\t"
		"popfq\n\t"
		: : : "memory");
	GUEST_SYNC(READ_ONCE(db_count));
}

/*
 * `sti; hlt`: HLT runs in the STI shadow and the module completes it; the
 * shadow must end with it. Then the VMM may set TF (the next instruction
 * single-steps; with a stale shadow VM entry would insist on a pending
 * single-step and fail) or clear IF (a stale STI shadow with IF=0 fails
 * VM entry too).
 */
TEST(sti_hlt_shadow_ends)
{
	unsigned int variant;

	for (variant = 0; variant < 2; variant++) {
		struct vm *vm = vm_create(0);
		struct vcpu *vcpu = vcpu_add(vm, 0, guest_sti_hlt);
		struct altp2m_regs regs;
		struct ucall uc;

		db_setup(vm);
		vcpu_run(vcpu);
		assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
		vcpu_regs_get(vcpu, &regs);
		ASSERT_EQ(regs.rip, (uint64_t)(uintptr_t)sti_hlt_next);
		if (variant == 0)
			regs.rflags |= X86_RFLAGS_TF;
		else
			regs.rflags &= ~X86_RFLAGS_IF;
		vcpu_regs_set(vcpu, &regs);
		ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
		if (variant == 0) {
			EXPECT_TRUE(uc.args[0] >= 1);
			expect_db(_t, vm, 0, sti_hlt_after_nop);
		} else {
			EXPECT_EQ(uc.args[0], 0);
		}
		vm_free(vm);
	}
}

extern char sti_store_next[], sti_store_after_nop[];
uint8_t shadow_page[4096] __attribute__((aligned(4096)));

static void guest_sti_store(void)
{
	__asm__ __volatile__(
		"cli\n\t"
		"sti\n\t"
		"movb %%al, (%0)\n"
		".globl sti_store_next\nsti_store_next:\n\t"
		"nop\n"
		".globl sti_store_after_nop\nsti_store_after_nop:\n\t"
		"pushfq\n\t"
		"andq $~0x300, (%%rsp)\n\t"
		"popfq\n\t"
		: : "r"(shadow_page) : "rax", "memory");
	GUEST_SYNC(READ_ONCE(db_count));
}

/*
 * An exit the module does not complete, inside the STI shadow: a store
 * the vCPU's view forbids goes to the VMM, which allows it and then sets
 * TF (a debugger stepping the guest) or clears IF. VM entry checks the
 * shadow against both; the guest must go on, with the #DB after the
 * store when TF was set, never a failed entry.
 */
TEST(vmm_sets_tf_or_clears_if_in_sti_shadow)
{
	uint64_t gfn = ((uint64_t)(uintptr_t)shadow_page) >> 12;
	unsigned int variant;

	for (variant = 0; variant < 2; variant++) {
		struct vm *vm = vm_create(0);
		struct vcpu *vcpu = vcpu_add(vm, 0, guest_sti_store);
		struct altp2m_regs regs;
		struct ucall uc;
		uint16_t view;

		db_setup(vm);
		vm_views_enable(vm, 4);
		view = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
		vm_set_mem_access(vm, view, gfn, 1, ALTP2M_ACCESS_RX);
		vcpu_set_view(vcpu, view);
		vcpu_run(vcpu);
		assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
		EXPECT_EQ(vcpu->run->violation.gpa >> 12, gfn);
		vm_set_mem_access(vm, view, gfn, 1, ALTP2M_ACCESS_RWX);
		vcpu_regs_get(vcpu, &regs);
		if (variant == 0)
			regs.rflags |= X86_RFLAGS_TF;
		else
			regs.rflags &= ~X86_RFLAGS_IF;
		vcpu_regs_set(vcpu, &regs);
		ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
		if (variant == 0) {
			EXPECT_TRUE(uc.args[0] >= 2);
			expect_db(_t, vm, 0, sti_store_next);
			expect_db(_t, vm, 1, sti_store_after_nop);
		} else {
			EXPECT_EQ(uc.args[0], 0);
		}
		vm_free(vm);
	}
}

/* ----------------------------------------------------------------- INVD */

static void guest_invd(void)
{
	__asm__ __volatile__("invd" : : : "memory");
	GUEST_SYNC(1);
}

/* INVD at CPL 0 completes (as WBINVD would: nothing to see). */
TEST(invd_continues)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_invd);
	struct ucall uc;

	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 1);
	vm_free(vm);
}

/* ------------------------------------------------------------ real mode */

/*
 * Real-mode code, copied to RM_CS:0. The #GP handler reports its SP at
 * entry (the frame is IP, CS, FLAGS: 6 bytes, no error code) and returns
 * past the 2-byte instruction that faulted.
 */
#define RM_CS		0x1000
#define RM_SP		0xfff0
extern char rm_start[], rm_rdpmc[], rm_wrmsr[], rm_gp_handler[], rm_end[];
extern char rm_report_sp[];
__asm__(
	"	.text\n"
	"	.code16\n"
	"	.globl rm_start, rm_rdpmc, rm_wrmsr, rm_gp_handler, rm_end\n"
	"	.globl rm_report_sp\n"
	"rm_start:\n"
	"	xor %ax, %ax\n"
	"	mov %ax, %ds\n"
	"	movw $(rm_gp_handler - rm_start), 0x34\n"
	"	movw $0x1000, 0x36\n"
	"	xor %ecx, %ecx\n"
	"rm_rdpmc:\n"
	"	rdpmc\n"
	"	mov $0x12345678, %ecx\n"
	"rm_wrmsr:\n"
	"	wrmsr\n"
	"	hlt\n"
	"rm_gp_handler:\n"
	"	mov %sp, %ax\n"
	"	out %ax, $0xe8\n"
	"	mov %sp, %bp\n"
	"	addw $2, (%bp)\n"
	"	iret\n"
	"rm_report_sp:\n"
	"	mov %sp, %ax\n"
	"	out %ax, $0xe8\n"
	"	hlt\n"
	"rm_end:\n"
	"	.code64\n");

#define RM_OFF(sym)	((uint64_t)((sym) - rm_start))

static struct vcpu *rm_vcpu(struct vm *vm, uint32_t id, uint64_t ip)
{
	struct vcpu *vcpu = vcpu_add_bare(vm, id);
	struct altp2m_sregs sregs;
	struct altp2m_regs regs = { 0 };

	memcpy(addr_gpa2hva(vm, (uint64_t)RM_CS << 4), rm_start,
	       rm_end - rm_start);
	x86_sregs_real_mode(&sregs, RM_CS);
	vcpu_sregs_set(vcpu, &sregs);
	regs.rip = ip;
	regs.rsp = RM_SP;
	regs.rflags = X86_RFLAGS_FIXED;
	vcpu_regs_set(vcpu, &regs);
	return vcpu;
}

/* An OUT of the SP at entry of a real-mode handler: check its frame. */
static void expect_rm_frame(struct altp2m_test *_t, struct vcpu *vcpu,
			    uint64_t ip)
{
	uint16_t sp, *frame;

	if (vcpu->run->exit_reason != ALTP2M_EXIT_IO) {
		char desc[256];

		vcpu_describe_exit(vcpu, desc, sizeof(desc));
		TH_LOG("%s", desc);
	}
	assert_exit_reason(vcpu, ALTP2M_EXIT_IO);
	ASSERT_EQ(vcpu->run->io.port, TEST_PORT);
	memcpy(&sp, vcpu_io_data(vcpu), sizeof(sp));
	/* IP, CS, FLAGS and nothing else: no error code in real mode. */
	EXPECT_EQ(sp, RM_SP - 6);
	frame = addr_gpa2hva(vcpu->vm, ((uint64_t)RM_CS << 4) + sp);
	EXPECT_EQ(frame[0], ip);
	EXPECT_EQ(frame[1], RM_CS);
}

/*
 * RDPMC and WRMSR of an MSR that does not exist raise #GP, which in real
 * mode goes through the IVT without an error code. An error code there
 * makes VM entry fail (and RUN return EIO): the guest must never cause
 * that.
 */
TEST(real_mode_gp_without_error_code)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = rm_vcpu(vm, 0, 0);
	int ret;

	ret = _vcpu_run(vcpu);
	if (ret)
		TH_LOG("RUN: %s", strerror(errno));
	ASSERT_EQ(ret, 0);
	expect_rm_frame(_t, vcpu, RM_OFF(rm_rdpmc));
	ASSERT_EQ(_vcpu_run(vcpu), 0);
	expect_rm_frame(_t, vcpu, RM_OFF(rm_wrmsr));
	ASSERT_EQ(_vcpu_run(vcpu), 0);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	vm_free(vm);
}

/*
 * The delivery of that #GP exits: the stack page is read-only in the
 * vCPU's view, so pushing the frame is a violation for the VMM. The #GP
 * stays pending across the exit to userspace and is delivered, still
 * without an error code, once the VMM gave write access back.
 */
TEST(real_mode_gp_delivery_interrupted)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = rm_vcpu(vm, 0, 0);
	uint64_t stack_gfn = (((uint64_t)RM_CS << 4) + RM_SP - 6) >> 12;
	uint16_t view;

	vm_views_enable(vm, 4);
	view = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vm_set_mem_access(vm, view, stack_gfn, 1, ALTP2M_ACCESS_RX);
	vcpu_set_view(vcpu, view);
	ASSERT_EQ(_vcpu_run(vcpu), 0);
	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	EXPECT_EQ(vcpu->run->violation.gpa >> 12, stack_gfn);
	vm_set_mem_access(vm, view, stack_gfn, 1, ALTP2M_ACCESS_RWX);
	ASSERT_EQ(_vcpu_run(vcpu), 0);
	expect_rm_frame(_t, vcpu, RM_OFF(rm_rdpmc));
	vm_free(vm);
}

/* ------------------------------------------- interrupted INT3 delivery */

extern char bp_after_int3[];
uint64_t bp_stack[1024] __attribute__((aligned(4096)));

static void guest_int3_on_stack(void)
{
	__asm__ __volatile__(
		"mov %0, %%rsp\n\t"
		"int3\n"
		".globl bp_after_int3\nbp_after_int3:\n\t"
		"ud2\n\t"
		: : "r"(&bp_stack[1024]) : "memory");
}

/*
 * INT3 whose delivery exits (the stack is read-only in the view): the
 * software exception is delivered again, with its length, so the frame
 * holds the address after the INT3.
 */
TEST(int3_delivery_interrupted)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_int3_on_stack);
	uint64_t gfn = ((uint64_t)(uintptr_t)&bp_stack[1023]) >> 12;
	struct ucall uc;
	uint16_t view;

	vm_views_enable(vm, 4);
	view = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vm_set_mem_access(vm, view, gfn, 1, ALTP2M_ACCESS_RX);
	vcpu_set_view(vcpu, view);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	EXPECT_EQ(vcpu->run->violation.gpa >> 12, gfn);
	vm_set_mem_access(vm, view, gfn, 1, ALTP2M_ACCESS_RWX);
	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_UNHANDLED);
	EXPECT_EQ(uc.args[0], BP_VECTOR);
	EXPECT_EQ(uc.args[2], (uint64_t)(uintptr_t)bp_after_int3);
	vm_free(vm);
}

/* ------------------------------------------- #AC during #AC delivery */

/*
 * A 32-bit protected-mode guest: CPL 0 sets up nothing more and IRETs to
 * CPL 3 with EFLAGS.AC and a misaligned ESP (%ebx), where a misaligned
 * load from %esi raises #AC. The #AC gate is DPL 3 into ring-3 code, so
 * delivery pushes its frame onto that same misaligned stack: #AC again,
 * for ever. Its handler, once the stack is fixed, reports its ESP with a
 * VMCALL (RAX 0: a hypercall exit for the VMM); any other exception
 * reports its vector the same way from ring 0.
 */
#define PM_SYS		0x20000ULL	/* GDT, IDT, TSS */
#define PM_STACK0	0x30000ULL	/* ring-0 stack top */
#define PM_USTACK	0x40000ULL	/* ring-3 stack top */
#define PM_DATA		0x50000ULL
extern char pm32_entry[], pm32_ac_insn[], pm32_ac_handler[];
extern char pm32_exc_entries[];
__asm__(
	"	.text\n"
	"	.code32\n"
	"	.globl pm32_entry, pm32_ac_insn, pm32_ac_handler\n"
	"	.globl pm32_exc_entries\n"
	"pm32_entry:\n"
	"	pushl $0x23\n"
	"	pushl %ebx\n"
	"	pushl $0x40202\n"
	"	pushl $0x1b\n"
	"	pushl $pm32_user\n"
	"	iret\n"
	"pm32_user:\n"
	"	movl $0x23, %eax\n"	/* IRET to CPL 3 nulled DS */
	"	movl %eax, %ds\n"
	"pm32_ac_insn:\n"
	"	movl (%esi), %eax\n"
	"	ud2\n"
	"pm32_ac_handler:\n"
	"	movl %esp, %ebx\n"
	"	movl $17, %ecx\n"
	"	xorl %eax, %eax\n"
	"	vmcall\n"
	"	jmp .\n"
	"	.p2align 4\n"
	"pm32_exc_entries:\n"
	"	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,"
	"16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31\n"
	"	movl $\\vec, %ecx\n"
	"	xorl %eax, %eax\n"
	"	vmcall\n"
	"	jmp .\n"
	"	.p2align 4\n"
	"	.endr\n"
	"	.code64\n");

static struct vcpu *pm32_vcpu(struct vm *vm)
{
	struct vcpu *vcpu = vcpu_add_bare(vm, 0);
	uint32_t handlers[NR_EXCEPTIONS];
	struct altp2m_sregs sregs;
	struct altp2m_regs regs = { 0 };
	unsigned int v;

	for (v = 0; v < NR_EXCEPTIONS; v++)
		handlers[v] = (uint32_t)(uintptr_t)pm32_exc_entries + 16 * v;
	handlers[AC_VECTOR] = (uint32_t)(uintptr_t)pm32_ac_handler;
	x86_build_prot32(vm->ram, PM_SYS, handlers, 1U << AC_VECTOR,
			 PM_STACK0);
	x86_sregs_prot32(&sregs, PM_SYS);
	sregs.cr0 |= X86_CR0_AM;
	vcpu_sregs_set(vcpu, &sregs);
	regs.rip = (uint64_t)(uintptr_t)pm32_entry;
	regs.rsp = PM_STACK0;
	regs.rbx = PM_USTACK - 0x101;	/* misaligned */
	regs.rsi = PM_DATA + 1;		/* misaligned */
	regs.rflags = X86_RFLAGS_FIXED;
	vcpu_regs_set(vcpu, &regs);
	return vcpu;
}

struct ac_run {
	struct vcpu *vcpu;
	uint64_t returned;
	int ret, err;
};

static void *ac_run_thread(void *arg)
{
	struct ac_run *r = arg;

	r->ret = _vcpu_run(r->vcpu);
	r->err = errno;
	__atomic_store_n(&r->returned, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void sig_noop(int sig)
{
	(void)sig;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Run the looping guest on CPU 0 while this thread, also on CPU 0, sleeps
 * and wakes: the host CPU keeps taking its timer interrupt and schedules.
 * A signal then ends RUN with EINTR; the guest is still at the faulting
 * load with its stack untouched, the #AC pending.
 */
static void ac_loop_and_interrupt(struct altp2m_test *_t, struct vcpu *vcpu)
{
	struct sigaction sa = { .sa_handler = sig_noop };
	struct ac_run r = { .vcpu = vcpu };
	struct altp2m_regs regs;
	cpu_set_t cpu0;
	uint64_t t0;
	pthread_t th;
	int i;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	ASSERT_EQ(sched_setaffinity(0, sizeof(cpu0), &cpu0), 0);
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	ASSERT_EQ(pthread_create(&th, NULL, ac_run_thread, &r), 0);
	t0 = now_ms();
	for (i = 0; i < 5; i++)
		usleep(100 * 1000);
	TH_LOG("5 sleeps of 100 ms beside the looping guest: %llu ms",
	       (unsigned long long)(now_ms() - t0));
	/* The guest loops: RUN is still in there. */
	if (__atomic_load_n(&r.returned, __ATOMIC_SEQ_CST)) {
		uint32_t *f = addr_gpa2hva(vcpu->vm, PM_STACK0 - 24);
		char desc[256];

		vcpu_describe_exit(vcpu, desc, sizeof(desc));
		TH_LOG("RUN returned %d (%s): %s", r.ret,
		       r.ret ? strerror(r.err) : "no error", desc);
		TH_LOG("ring-0 stack: %x %x %x %x %x %x", f[0], f[1], f[2],
		       f[3], f[4], f[5]);
	}
	EXPECT_EQ(__atomic_load_n(&r.returned, __ATOMIC_SEQ_CST), 0);
	ASSERT_EQ(pthread_kill(th, SIGUSR1), 0);
	if (!host_wait(&r.returned, 30))
		TH_LOG("RUN did not return within 30 s of the signal");
	ASSERT_EQ(pthread_join(th, NULL), 0);
	if (r.ret)
		EXPECT_EQ(r.err, EINTR);
	ASSERT_EQ(r.ret, -1);
	EXPECT_EQ(vcpu->run->exit_reason, ALTP2M_EXIT_INTR);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(regs.rip, (uint64_t)(uintptr_t)pm32_ac_insn);
	EXPECT_EQ(regs.rsp, PM_USTACK - 0x101);
}

TEST_TIMEOUT(ac_during_ac_delivery, 240)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = pm32_vcpu(vm);
	struct altp2m_vcpu_stats st;
	struct altp2m_regs regs;
	uint32_t *frame;

	ac_loop_and_interrupt(_t, vcpu);
	vcpu_stats(vcpu, &st);
	TH_LOG("%llu exits", (unsigned long long)st.hw_exits);
	EXPECT_TRUE(st.hw_exits > 10);

	/* With an aligned stack the pending #AC reaches its handler. */
	vcpu_regs_get(vcpu, &regs);
	regs.rsp = PM_USTACK - 0x100;
	vcpu_regs_set(vcpu, &regs);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HYPERCALL);
	EXPECT_EQ(vcpu->run->hypercall.args[1], AC_VECTOR);
	EXPECT_EQ(vcpu->run->hypercall.args[0], PM_USTACK - 0x100 - 16);
	frame = addr_gpa2hva(vm, PM_USTACK - 0x100 - 16);
	EXPECT_EQ(frame[0], 0);				/* error code */
	EXPECT_EQ(frame[1], (uint32_t)(uintptr_t)pm32_ac_insn);
	EXPECT_EQ(frame[2], PROT32_UCODE_SEL);
	EXPECT_TRUE(frame[3] & X86_RFLAGS_AC);
	vm_free(vm);
}

/*
 * The same loop, interrupted with an #AC (error code 0) pending; the VMM
 * then puts the vCPU in real mode. Delivered there, the #AC goes through
 * the IVT without an error code, and the vCPU runs on: a pending event
 * never makes an entry fail, whatever state the VMM sets.
 */
TEST_TIMEOUT(pending_event_survives_mode_change, 240)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = pm32_vcpu(vm);
	struct altp2m_sregs sregs;
	struct altp2m_regs regs = { 0 };
	uint16_t *ivt = addr_gpa2hva(vm, 0);

	ac_loop_and_interrupt(_t, vcpu);
	memcpy(addr_gpa2hva(vm, (uint64_t)RM_CS << 4), rm_start,
	       rm_end - rm_start);
	ivt[AC_VECTOR * 2] = RM_OFF(rm_report_sp);
	ivt[AC_VECTOR * 2 + 1] = RM_CS;
	x86_sregs_real_mode(&sregs, RM_CS);
	vcpu_sregs_set(vcpu, &sregs);
	regs.rip = RM_OFF(rm_report_sp) + 4;	/* the HLT */
	regs.rsp = RM_SP;
	regs.rflags = X86_RFLAGS_FIXED;
	vcpu_regs_set(vcpu, &regs);
	ASSERT_EQ(_vcpu_run(vcpu), 0);
	expect_rm_frame(_t, vcpu, RM_OFF(rm_report_sp) + 4);
	ASSERT_EQ(_vcpu_run(vcpu), 0);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	vm_free(vm);
}

TEST_HARNESS_MAIN
