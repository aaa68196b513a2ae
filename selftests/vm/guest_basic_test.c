// SPDX-License-Identifier: GPL-2.0
/*
 * Guests built from the test binary's own C code: computation reported by
 * ucall, memory shared with the host, the CPU state the guest starts in,
 * registers and MSRs in both directions, FPU/SSE state isolation, exit
 * statistics, two vCPUs of one VM at once and two VMs at once.
 *
 * Guest code follows the rules at the top of selftests/lib/vm_util.h.
 */
#include <pthread.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

/* Bounded waits in guests: about 10 s of Bochs time, far more on HW. */
#define SPIN_LIMIT	(1ULL << 27)

static bool guest_spin_until(volatile uint64_t *p, uint64_t v)
{
	uint64_t i;

	for (i = 0; i < SPIN_LIMIT; i++) {
		if (*p == v)
			return true;
		cpu_relax();
	}
	return false;
}

/* ------------------------------------------------------------ arithmetic */

/* Called from both sides: the host computes what the guest must report. */
static uint64_t fib(unsigned int n)
{
	uint64_t a = 0, b = 1, t;

	while (n--) {
		t = a + b;
		a = b;
		b = t;
	}
	return a;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

static void guest_arith(uint64_t n, uint64_t m)
{
	uint64_t sum = 0, i;

	for (i = 1; i <= n; i++)
		sum += i;
	GUEST_SYNC(sum);
	GUEST_SYNC(fib(90));
	GUEST_SYNC(sum * m + 0xdeadbeefcafebabeULL / m);
	GUEST_SYNC(mix(n) % 1000003);
	GUEST_SYNC((int64_t)-1000 / (int64_t)m);
}

TEST(guest_arithmetic)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_arith);

	vcpu_args_set(vcpu, 2, 100ULL, 7ULL);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 5050);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 2880067194370816120ULL);	/* fib(90) */
	ASSERT_EQ(fib(90), 2880067194370816120ULL);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 5050 * 7 + 0xdeadbeefcafebabeULL / 7);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, mix(100) % 1000003);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, (uint64_t)(int64_t)-142);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

static void guest_args6(uint64_t a, uint64_t b, uint64_t c, uint64_t d,
			   uint64_t e, uint64_t f)
{
	GUEST_SYNC_ARGS(a, b, c, d, e, f);
}

TEST(guest_six_args)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_args6);
	const uint64_t want[6] = {
		1, 0xffffffffffffffffULL, 0x8000000000000000ULL, 42,
		0x0123456789abcdefULL, 0,
	};
	struct ucall uc;
	int i;

	vcpu_args_set(vcpu, 6, want[0], want[1], want[2], want[3], want[4],
		      want[5]);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	ASSERT_EQ(uc.nargs, 6);
	for (i = 0; i < 6; i++)
		EXPECT_EQ(uc.args[i], want[i]);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

static void guest_returns(void)
{
}

/* Returning from the guest function is DONE; after it the vCPU halts. */
TEST(guest_return_is_done)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_returns);

	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	vm_free(vm);
}

/* ---------------------------------------------------------- shared memory */

static uint64_t shared_buf[512];

static void guest_shared_memory(void)
{
	uint64_t i, sum = 0;

	/* The host filled it before the first run. */
	for (i = 0; i < 512; i++) {
		GUEST_ASSERT_EQ(shared_buf[i], 0x1000 + i);
		sum += shared_buf[i];
	}
	GUEST_SYNC(sum);
	for (i = 0; i < 512; i++)
		shared_buf[i] = i * 3 + 1;
	GUEST_SYNC(1);
	/* The host wrote these between the runs. */
	GUEST_SYNC(READ_ONCE(shared_buf[0]));
	GUEST_SYNC(READ_ONCE(shared_buf[511]));
}

TEST(guest_memory_shared_with_host)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_shared_memory);
	uint64_t *g = addr_ptr2hva(vm, shared_buf);
	uint64_t i, sum = 0;

	/* The guest's copy of the .bss array starts zeroed. */
	for (i = 0; i < 512; i++)
		ASSERT_EQ(g[i], 0);
	for (i = 0; i < 512; i++) {
		g[i] = 0x1000 + i;
		sum += 0x1000 + i;
	}
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, sum);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	for (i = 0; i < 512; i++)
		ASSERT_EQ(g[i], i * 3 + 1);
	/* The host's own array is another object. */
	for (i = 0; i < 512; i++)
		ASSERT_EQ(shared_buf[i], 0);
	g[0] = 0xabcdef0123456789ULL;
	g[511] = 0x5555aaaa5555aaaaULL;
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0xabcdef0123456789ULL);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x5555aaaa5555aaaaULL);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* The image is loaded from the file: initialised data as linked. */
static uint64_t initialised_data[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };
static const char rodata_text[] = "read-only data of the test binary";

static void guest_reads_image(void)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		GUEST_ASSERT_EQ(initialised_data[i], 0x1111 * (i + 1));
	for (i = 0; i < sizeof(rodata_text); i++)
		GUEST_ASSERT_EQ(rodata_text[i], "read-only data of the test "
						"binary"[i]);
	GUEST_SYNC(initialised_data[3]);
}

/*
 * The guest sees the binary's data as in the file, not what the host
 * changed before vm_create(), unless the host syncs it.
 */
TEST(guest_sees_image_data)
{
	struct vm *vm;
	struct vcpu *vcpu;

	initialised_data[3] = 7;
	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_reads_image);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x4444);
	vm_free(vm);

	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_reads_image);
	sync_global_to_guest(vm, initialised_data);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 7);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* -------------------------------------------------- assertion reporting */

static const int assert_line = __LINE__ + 5;

static void guest_failing_assert(uint64_t x)
{
	GUEST_SYNC(x);
	GUEST_ASSERT_EQ(x, 3);
	GUEST_SYNC(0xbad);
}

/* GUEST_ASSERT_EQ reaches the host with file, line, text and values. */
TEST(guest_assert_reported)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_failing_assert);
	char file[256], expr[256], desc[1024];
	struct ucall uc;
	char want[300];

	vcpu_args_set(vcpu, 1, 2ULL);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 2);
	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_ABORT);
	ASSERT_EQ(uc.line, assert_line);
	ASSERT_EQ(uc.nargs, 2);
	ASSERT_EQ(uc.args[0], 2);
	ASSERT_EQ(uc.args[1], 3);
	vm_read_str(vm, uc.file, file, sizeof(file));
	vm_read_str(vm, uc.expr, expr, sizeof(expr));
	ASSERT_EQ(strcmp(file, __FILE__), 0);
	ASSERT_EQ(strcmp(expr, "x == 3"), 0);
	ucall_describe(vm, &uc, desc, sizeof(desc));
	snprintf(want, sizeof(want),
		 "guest assertion failed: %s:%d: x == 3\n"
		 "  values: 2 (0x2), 3 (0x3)", __FILE__, assert_line);
	ASSERT_EQ(strcmp(desc, want), 0);
	/* The guest stops there. */
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	vm_free(vm);
}

/* ----------------------------------------------------- guest exceptions */

/* Each faulting instruction has a label, so the host knows its RIP. */
extern char ud2_insn[], pf_read_insn[], pf_write_insn[], de_insn[];
extern char gp_insn[], bp_insn_end[];

static void __attribute__((noinline)) guest_ud(void)
{
	__asm__ __volatile__(".globl ud2_insn\nud2_insn: ud2");
}

static void __attribute__((noinline)) guest_pf_read(void)
{
	uint64_t v;

	__asm__ __volatile__(".globl pf_read_insn\npf_read_insn: movq (%1), %0"
			     : "=r"(v) : "r"(0ULL) : "memory");
}

static void __attribute__((noinline)) guest_pf_write(void)
{
	__asm__ __volatile__(".globl pf_write_insn\n"
			     "pf_write_insn: movq %0, (%1)"
			     : : "r"(0ULL), "r"(0x18ULL) : "memory");
}

static void __attribute__((noinline)) guest_de(void)
{
	__asm__ __volatile__(".globl de_insn\nde_insn: divl %%ecx"
			     : : "a"(1), "d"(0), "c"(0));
}

static void __attribute__((noinline)) guest_gp(void)
{
	uint64_t v;

	/* A non-canonical address: #GP(0). */
	__asm__ __volatile__(".globl gp_insn\ngp_insn: movq (%1), %0"
			     : "=r"(v) : "r"(0x8000000000000000ULL)
			     : "memory");
}

static void __attribute__((noinline)) guest_bp(void)
{
	__asm__ __volatile__("int3\n.globl bp_insn_end\nbp_insn_end:");
}

static const struct exc_case {
	void (*fn)(void);
	const char *rip;
	uint64_t vector, error_code, cr2;
} exc_cases[] = {
	{ guest_ud, ud2_insn, UD_VECTOR, 0, 0 },
	/* not present, read, supervisor */
	{ guest_pf_read, pf_read_insn, PF_VECTOR, 0, 0 },
	/* not present, write, supervisor */
	{ guest_pf_write, pf_write_insn, PF_VECTOR, 2, 0x18 },
	{ guest_de, de_insn, DE_VECTOR, 0, 0 },
	{ guest_gp, gp_insn, GP_VECTOR, 0, 0 },
	/* a trap: RIP after the instruction */
	{ guest_bp, bp_insn_end, BP_VECTOR, 0, 0 },
};

/* Exceptions reach the library's IDT and are reported exactly. */
TEST(guest_exception_reported)
{
	struct vm *vm = vm_create(0);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(exc_cases); i++) {
		const struct exc_case *c = &exc_cases[i];
		struct vcpu *vcpu = vcpu_add(vm, i, c->fn);
		struct ucall uc;

		vcpu_run(vcpu);
		ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_UNHANDLED);
		TH_LOG("case %u: vector %llu error %#llx rip %#llx cr2 %#llx",
		       i, (unsigned long long)uc.args[0],
		       (unsigned long long)uc.args[1],
		       (unsigned long long)uc.args[2],
		       (unsigned long long)uc.args[3]);
		ASSERT_EQ(uc.nargs, 4);
		ASSERT_EQ(uc.args[0], c->vector);
		ASSERT_EQ(uc.args[1], c->error_code);
		ASSERT_EQ(uc.args[2], (uint64_t)(uintptr_t)c->rip);
		if (c->vector == PF_VECTOR)
			ASSERT_EQ(uc.args[3], c->cr2);
		vcpu_run(vcpu);
		assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	}
	vm_free(vm);
}

/* --------------------------------------------------- initial CPU state */

static void guest_cpu_state(void)
{
	struct x86_dtr gdt, idt;
	uint64_t rflags = get_rflags();

	GUEST_SYNC_ARGS(get_cr0(), get_cr3(), get_cr4(), rflags);
	GUEST_SYNC_ARGS(get_cs(), get_ds(), get_es(), get_fs(), get_gs(),
			get_ss());
	GUEST_SYNC_ARGS(get_tr(), get_ldtr());
	get_gdt(&gdt);
	get_idt(&idt);
	GUEST_SYNC_ARGS(gdt.base, gdt.limit, idt.base, idt.limit);
	GUEST_SYNC_ARGS(rdmsr(MSR_FS_BASE), rdmsr(MSR_GS_BASE));
}

/* What the guest sees is what vcpu_add() set (CR4 without VMXE). */
TEST(guest_sees_initial_state)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_cpu_state);
	struct ucall uc;

	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], GUEST_CR0);
	EXPECT_EQ(uc.args[1], GUEST_PML4_GPA);
	EXPECT_EQ(uc.args[2], GUEST_CR4);
	EXPECT_EQ(uc.args[3] & X86_RFLAGS_IF, 0);
	EXPECT_EQ(uc.args[3] & X86_RFLAGS_FIXED, X86_RFLAGS_FIXED);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], GDT_CODE_SEL);
	EXPECT_EQ(uc.args[1], GDT_DATA_SEL);
	EXPECT_EQ(uc.args[2], GDT_DATA_SEL);
	EXPECT_EQ(uc.args[3], GDT_DATA_SEL);
	EXPECT_EQ(uc.args[4], GDT_DATA_SEL);
	EXPECT_EQ(uc.args[5], GDT_DATA_SEL);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], GDT_TSS_SEL);
	EXPECT_EQ(uc.args[1], 0);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], GUEST_GDT_GPA);
	EXPECT_EQ(uc.args[1], GDT_LIMIT);
	EXPECT_EQ(uc.args[2], GUEST_IDT_GPA);
	EXPECT_EQ(uc.args[3], IDT_LIMIT);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 0);
	EXPECT_EQ(uc.args[1], 0);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

static bool seg_eq(const char *name,
		   const struct altp2m_segment *got,
		   const struct altp2m_segment *want)
{
	if (!memcmp(got, want, sizeof(*got)))
		return true;
	TH_LOG("%s: got base %#llx limit %#x sel %#x type %u p %u dpl %u "
	       "db %u s %u l %u g %u avl %u unusable %u pad %u", name,
	       (unsigned long long)got->base, got->limit, got->selector,
	       got->type, got->present, got->dpl, got->db, got->s, got->l,
	       got->g, got->avl, got->unusable, got->pad);
	TH_LOG("%s: want base %#llx limit %#x sel %#x type %u p %u dpl %u "
	       "db %u s %u l %u g %u avl %u unusable %u", name,
	       (unsigned long long)want->base, want->limit, want->selector,
	       want->type, want->present, want->dpl, want->db, want->s,
	       want->l, want->g, want->avl, want->unusable);
	return false;
}

/* GET_SREGS / GET_REGS give back exactly what SET_* stored. */
TEST(sregs_regs_roundtrip)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_returns);
	struct altp2m_sregs want, got;
	struct altp2m_regs regs;
	unsigned int i;

	x86_sregs_long_mode(&want);
	vcpu_sregs_get(vcpu, &got);
	EXPECT_TRUE(seg_eq("cs", &got.cs, &want.cs));
	EXPECT_TRUE(seg_eq("ds", &got.ds, &want.ds));
	EXPECT_TRUE(seg_eq("es", &got.es, &want.es));
	EXPECT_TRUE(seg_eq("fs", &got.fs, &want.fs));
	EXPECT_TRUE(seg_eq("gs", &got.gs, &want.gs));
	EXPECT_TRUE(seg_eq("ss", &got.ss, &want.ss));
	EXPECT_TRUE(seg_eq("tr", &got.tr, &want.tr));
	/* Only "unusable" is meaningful in an unusable LDTR. */
	EXPECT_EQ(got.ldt.unusable, 1);
	EXPECT_EQ(got.gdt.base, GUEST_GDT_GPA);
	EXPECT_EQ(got.gdt.limit, GDT_LIMIT);
	EXPECT_EQ(got.idt.base, GUEST_IDT_GPA);
	EXPECT_EQ(got.idt.limit, IDT_LIMIT);
	EXPECT_EQ(got.cr0, GUEST_CR0);
	EXPECT_EQ(got.cr2, 0);
	EXPECT_EQ(got.cr3, GUEST_PML4_GPA);
	EXPECT_EQ(got.cr4, GUEST_CR4);
	EXPECT_EQ(got.efer, GUEST_EFER);
	EXPECT_EQ(got.flags, 0);
	EXPECT_EQ(got.pad, 0);
	for (i = 0; i < ARRAY_SIZE(got.reserved); i++)
		EXPECT_EQ(got.reserved[i], 0);

	/* A changed base and CR2 come back too. */
	got.fs.base = 0x7f0000001000ULL;
	got.gs.base = 0xffff888000000000ULL;
	got.cr2 = 0x123456789000ULL;
	vcpu_sregs_set(vcpu, &got);
	vcpu_sregs_get(vcpu, &want);
	EXPECT_EQ(want.fs.base, 0x7f0000001000ULL);
	EXPECT_EQ(want.gs.base, 0xffff888000000000ULL);
	EXPECT_EQ(want.cr2, 0x123456789000ULL);

	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(regs.rip, (uint64_t)(uintptr_t)guest_returns);
	EXPECT_EQ(regs.rsp, vcpu->stack_top - 8);
	EXPECT_EQ(regs.rflags, X86_RFLAGS_FIXED);
	EXPECT_EQ(regs.rax | regs.rbx | regs.rcx | regs.rdx | regs.rsi |
		  regs.rdi | regs.rbp | regs.r8 | regs.r9 | regs.r10 |
		  regs.r11 | regs.r12 | regs.r13 | regs.r14 | regs.r15, 0);
	EXPECT_EQ(regs.flags, 0);
	EXPECT_EQ(regs.pad, 0);
	for (i = 0; i < ARRAY_SIZE(regs.reserved); i++)
		EXPECT_EQ(regs.reserved[i], 0);
	vm_free(vm);
}

/* ------------------------------------------------ registers, both ways */

/* rax..r15 in x86 encoding order, then rflags. */
uint64_t regs_dump[17] __attribute__((used));
void guest_regs_dumped(void);
void guest_dump_regs(void);
void guest_load_regs(void);

void guest_regs_dumped(void)
{
	GUEST_DONE();
}

__asm__(".pushsection .text\n"
	".globl guest_dump_regs\n"
	"guest_dump_regs:\n"
	"	movq %rax, regs_dump + 0 * 8(%rip)\n"
	"	movq %rcx, regs_dump + 1 * 8(%rip)\n"
	"	movq %rdx, regs_dump + 2 * 8(%rip)\n"
	"	movq %rbx, regs_dump + 3 * 8(%rip)\n"
	"	movq %rsp, regs_dump + 4 * 8(%rip)\n"
	"	movq %rbp, regs_dump + 5 * 8(%rip)\n"
	"	movq %rsi, regs_dump + 6 * 8(%rip)\n"
	"	movq %rdi, regs_dump + 7 * 8(%rip)\n"
	"	movq %r8, regs_dump + 8 * 8(%rip)\n"
	"	movq %r9, regs_dump + 9 * 8(%rip)\n"
	"	movq %r10, regs_dump + 10 * 8(%rip)\n"
	"	movq %r11, regs_dump + 11 * 8(%rip)\n"
	"	movq %r12, regs_dump + 12 * 8(%rip)\n"
	"	movq %r13, regs_dump + 13 * 8(%rip)\n"
	"	movq %r14, regs_dump + 14 * 8(%rip)\n"
	"	movq %r15, regs_dump + 15 * 8(%rip)\n"
	"	pushfq\n"
	"	popq regs_dump + 16 * 8(%rip)\n"
	"	andq $-16, %rsp\n"
	"	call guest_regs_dumped\n"
	"	ud2\n"
	".globl guest_load_regs\n"
	"guest_load_regs:\n"
	"	movabsq $0x1111111111111101, %rax\n"
	"	movabsq $0x2222222222222202, %rcx\n"
	"	movabsq $0x3333333333333303, %rdx\n"
	"	movabsq $0x4444444444444404, %rbx\n"
	"	movabsq $0x6666666666666606, %rbp\n"
	"	movabsq $0x7777777777777707, %rsi\n"
	"	movabsq $0x8888888888888808, %rdi\n"
	"	movabsq $0x9999999999999909, %r8\n"
	"	movabsq $0xaaaaaaaaaaaaaa0a, %r9\n"
	"	movabsq $0xbbbbbbbbbbbbbb0b, %r10\n"
	"	movabsq $0xcccccccccccccc0c, %r11\n"
	"	movabsq $0xdddddddddddddd0d, %r12\n"
	"	movabsq $0xeeeeeeeeeeeeee0e, %r13\n"
	"	movabsq $0xffffffffffffff0f, %r14\n"
	"	movabsq $0x0101010101010110, %r15\n"
	"	hlt\n"
	"	andq $-16, %rsp\n"
	"	call guest_regs_dumped\n"
	"	ud2\n"
	".popsection\n");

/* SET_REGS reaches the guest's registers, every one of them. */
TEST(regs_reach_guest)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_dump_regs);
	struct altp2m_regs regs;
	uint64_t *dump = addr_ptr2hva(vm, regs_dump);
	/* regs_dump's order: x86 encoding, then RFLAGS. */
	__u64 *order[17] = {
		&regs.rax, &regs.rcx, &regs.rdx, &regs.rbx, &regs.rsp,
		&regs.rbp, &regs.rsi, &regs.rdi, &regs.r8, &regs.r9,
		&regs.r10, &regs.r11, &regs.r12, &regs.r13, &regs.r14,
		&regs.r15, &regs.rflags,
	};
	uint64_t want[17];
	unsigned int i;

	vcpu_regs_get(vcpu, &regs);
	for (i = 0; i < 16; i++)
		if (i != 4)	/* rsp: the stack, a little lower */
			*order[i] = 0x0102030405060708ULL +
				    i * 0x1010101010101010ULL;
	regs.rsp -= 0x100;
	/* CF, PF, ZF, SF and the fixed bit; never DF or IF. */
	regs.rflags = 0xc7;
	vcpu_regs_set(vcpu, &regs);
	for (i = 0; i < 17; i++)
		want[i] = *order[i];

	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	for (i = 0; i < 17; i++) {
		if (dump[i] != want[i])
			TH_LOG("register %u: guest saw %#llx, set %#llx", i,
			       (unsigned long long)dump[i],
			       (unsigned long long)want[i]);
		EXPECT_EQ(dump[i], want[i]);
	}
	vm_free(vm);
}

/* GET_REGS shows the guest's registers at an exit. */
TEST(guest_regs_reach_host)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_load_regs);
	struct altp2m_regs regs;
	uint64_t rsp;

	vcpu_regs_get(vcpu, &regs);
	rsp = regs.rsp;
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	vcpu_regs_get(vcpu, &regs);
	EXPECT_EQ(regs.rax, 0x1111111111111101ULL);
	EXPECT_EQ(regs.rcx, 0x2222222222222202ULL);
	EXPECT_EQ(regs.rdx, 0x3333333333333303ULL);
	EXPECT_EQ(regs.rbx, 0x4444444444444404ULL);
	EXPECT_EQ(regs.rsp, rsp);
	EXPECT_EQ(regs.rbp, 0x6666666666666606ULL);
	EXPECT_EQ(regs.rsi, 0x7777777777777707ULL);
	EXPECT_EQ(regs.rdi, 0x8888888888888808ULL);
	EXPECT_EQ(regs.r8, 0x9999999999999909ULL);
	EXPECT_EQ(regs.r9, 0xaaaaaaaaaaaaaa0aULL);
	EXPECT_EQ(regs.r10, 0xbbbbbbbbbbbbbb0bULL);
	EXPECT_EQ(regs.r11, 0xcccccccccccccc0cULL);
	EXPECT_EQ(regs.r12, 0xdddddddddddddd0dULL);
	EXPECT_EQ(regs.r13, 0xeeeeeeeeeeeeee0eULL);
	EXPECT_EQ(regs.r14, 0xffffffffffffff0fULL);
	EXPECT_EQ(regs.r15, 0x0101010101010110ULL);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* ----------------------------------------------------------------- MSRs */

static const struct altp2m_msr_entry msr_set1[] = {
	{ .index = MSR_IA32_SYSENTER_CS, .value = 0x10 },
	{ .index = MSR_IA32_SYSENTER_ESP, .value = 0xffffc90000004000ULL },
	{ .index = MSR_IA32_SYSENTER_EIP, .value = 0xffffffff81001000ULL },
	{ .index = MSR_STAR, .value = 0x0023001000000000ULL },
	{ .index = MSR_LSTAR, .value = 0xffffffff81000000ULL },
	{ .index = MSR_CSTAR, .value = 0xffffffff81000040ULL },
	{ .index = MSR_SYSCALL_MASK, .value = 0x47700 },
	{ .index = MSR_FS_BASE, .value = 0x7f0000001000ULL },
	{ .index = MSR_GS_BASE, .value = 0x7f0000002000ULL },
	{ .index = MSR_KERNEL_GS_BASE, .value = 0xffff888000000000ULL },
	{ .index = MSR_IA32_CR_PAT, .value = 0x0007010600070106ULL },
};

#define NR_MSRS	ARRAY_SIZE(msr_set1)

/* What the guest writes: each value changed, still valid. */
static uint64_t msr_value2(unsigned int i)
{
	switch (msr_set1[i].index) {
	case MSR_IA32_SYSENTER_CS:
		return 0x08;
	case MSR_SYSCALL_MASK:
		return 0x700;
	case MSR_IA32_CR_PAT:
		return 0x0007040600070406ULL;	/* the reset value */
	default:
		return msr_set1[i].value + 0x1000;
	}
}

static void guest_msrs(void)
{
	unsigned int i;

	for (i = 0; i < NR_MSRS; i++)
		GUEST_ASSERT_EQ(rdmsr(msr_set1[i].index), msr_set1[i].value);
	for (i = 0; i < NR_MSRS; i++)
		wrmsr(msr_set1[i].index, msr_value2(i));
	for (i = 0; i < NR_MSRS; i++)
		GUEST_ASSERT_EQ(rdmsr(msr_set1[i].index), msr_value2(i));
	GUEST_SYNC(NR_MSRS);
}

/* The allowed MSRs go from SET_MSRS to RDMSR, and from WRMSR to GET. */
TEST(msrs_host_guest)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_msrs);
	struct altp2m_msr_entry e[NR_MSRS];
	struct altp2m_sregs sregs;
	unsigned int i;

	vcpu_msrs_set(vcpu, msr_set1, NR_MSRS);
	memset(e, 0, sizeof(e));
	for (i = 0; i < NR_MSRS; i++)
		e[i].index = msr_set1[i].index;
	vcpu_msrs_get(vcpu, e, NR_MSRS);
	for (i = 0; i < NR_MSRS; i++) {
		EXPECT_EQ(e[i].index, msr_set1[i].index);
		EXPECT_EQ(e[i].value, msr_set1[i].value);
	}
	/* FS/GS base are the segment bases. */
	vcpu_sregs_get(vcpu, &sregs);
	EXPECT_EQ(sregs.fs.base, 0x7f0000001000ULL);
	EXPECT_EQ(sregs.gs.base, 0x7f0000002000ULL);

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, NR_MSRS);
	for (i = 0; i < NR_MSRS; i++) {
		e[i].value = 0;
		e[i].pad = 0;
	}
	vcpu_msrs_get(vcpu, e, NR_MSRS);
	for (i = 0; i < NR_MSRS; i++) {
		if (e[i].value != msr_value2(i))
			TH_LOG("MSR %#x: %#llx, guest wrote %#llx", e[i].index,
			       (unsigned long long)e[i].value,
			       (unsigned long long)msr_value2(i));
		EXPECT_EQ(e[i].value, msr_value2(i));
	}
	EXPECT_EQ(vcpu_get_msr(vcpu, MSR_LSTAR), 0xffffffff81001000ULL);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* ------------------------------------------------------------ FPU / SSE */

static void guest_fpu_init(void)
{
	uint32_t mxcsr;
	uint16_t fcw;

	__asm__ __volatile__("stmxcsr %0" : "=m"(mxcsr));
	__asm__ __volatile__("fnstcw %0" : "=m"(fcw));
	GUEST_SYNC_ARGS(mxcsr, fcw);
}

/* A new vCPU's FPU is in its reset state: MXCSR 0x1f80, FCW 0x37f. */
TEST(fpu_initial_state)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_fpu_init);
	struct ucall uc;

	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 0x1f80);
	EXPECT_EQ(uc.args[1], 0x37f);
	vm_free(vm);
}

static const uint8_t guest_xmm_in[16][16] __attribute__((aligned(16))) = {
#define ROW(n) { n, n + 1, n + 2, n + 3, n + 4, n + 5, n + 6, n + 7, \
		 n + 8, n + 9, n + 10, n + 11, n + 12, n + 13, n + 14, 0x5a }
	ROW(0x00), ROW(0x10), ROW(0x20), ROW(0x30), ROW(0x40), ROW(0x50),
	ROW(0x60), ROW(0x70), ROW(0x80), ROW(0x90), ROW(0xa0), ROW(0xb0),
	ROW(0xc0), ROW(0xd0), ROW(0xe0), ROW(0xf0),
#undef ROW
};

#define XMM_ALL "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", \
	"xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", \
	"xmm15"

#define XMM_LOAD(src)							\
	"movdqa 0*16(" src "), %%xmm0\n\tmovdqa 1*16(" src "), %%xmm1\n\t" \
	"movdqa 2*16(" src "), %%xmm2\n\tmovdqa 3*16(" src "), %%xmm3\n\t" \
	"movdqa 4*16(" src "), %%xmm4\n\tmovdqa 5*16(" src "), %%xmm5\n\t" \
	"movdqa 6*16(" src "), %%xmm6\n\tmovdqa 7*16(" src "), %%xmm7\n\t" \
	"movdqa 8*16(" src "), %%xmm8\n\tmovdqa 9*16(" src "), %%xmm9\n\t" \
	"movdqa 10*16(" src "), %%xmm10\n\tmovdqa 11*16(" src "), %%xmm11\n\t" \
	"movdqa 12*16(" src "), %%xmm12\n\tmovdqa 13*16(" src "), %%xmm13\n\t" \
	"movdqa 14*16(" src "), %%xmm14\n\tmovdqa 15*16(" src "), %%xmm15\n\t"

#define XMM_STORE(dst)							\
	"movdqa %%xmm0, 0*16(" dst ")\n\tmovdqa %%xmm1, 1*16(" dst ")\n\t" \
	"movdqa %%xmm2, 2*16(" dst ")\n\tmovdqa %%xmm3, 3*16(" dst ")\n\t" \
	"movdqa %%xmm4, 4*16(" dst ")\n\tmovdqa %%xmm5, 5*16(" dst ")\n\t" \
	"movdqa %%xmm6, 6*16(" dst ")\n\tmovdqa %%xmm7, 7*16(" dst ")\n\t" \
	"movdqa %%xmm8, 8*16(" dst ")\n\tmovdqa %%xmm9, 9*16(" dst ")\n\t" \
	"movdqa %%xmm10, 10*16(" dst ")\n\tmovdqa %%xmm11, 11*16(" dst ")\n\t" \
	"movdqa %%xmm12, 12*16(" dst ")\n\tmovdqa %%xmm13, 13*16(" dst ")\n\t" \
	"movdqa %%xmm14, 14*16(" dst ")\n\tmovdqa %%xmm15, 15*16(" dst ")\n\t"

static void guest_fpu_state(void)
{
	uint8_t out[16][16] __attribute__((aligned(16)));
	struct ucall uc;
	unsigned int i, j;

	/*
	 * xmm0-15 loaded, a ucall exit (the host then clobbers its own
	 * xmm registers), xmm0-15 stored: all in one asm statement so the
	 * compiler cannot touch them in between.
	 */
	ucall_fill(&uc, UCALL_SYNC, 1, (const uint64_t[]){ 1 });
	__asm__ __volatile__(XMM_LOAD("%[in]")
			     "outb %%al, %[port]\n\t"
			     XMM_STORE("%[out]")
			     : : [in] "r"(guest_xmm_in), [out] "r"(out),
			       [port] "i"(UCALL_PORT), "a"(0), "D"(&uc)
			     : "memory", XMM_ALL);
	for (i = 0; i < 16; i++)
		for (j = 0; j < 16; j++)
			GUEST_ASSERT_EQ(out[i][j], guest_xmm_in[i][j]);
	GUEST_SYNC(2);
}

/*
 * The guest's SSE registers survive an exit to a host that uses its own,
 * and the host's survive ALTP2M_RUN of a guest that loads others.
 */
TEST(fpu_state_isolated)
{
	static const uint8_t host_in[16][16] __attribute__((aligned(16))) = {
		[0 ... 15] = { [0 ... 15] = 0xc3 },
	};
	uint8_t host_out[16][16] __attribute__((aligned(16)));
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_fpu_state);
	long ret;

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	/* Host: own values in every xmm register, then RUN, then compare. */
	memset(host_out, 0, sizeof(host_out));
	__asm__ __volatile__(XMM_LOAD("%[in]")
			     "syscall\n\t"
			     XMM_STORE("%[out]")
			     : "=a"(ret)
			     : "a"((long)SYS_ioctl), "D"((long)vcpu->fd),
			       "S"((long)ALTP2M_RUN), "d"(0L),
			       [in] "r"(host_in), [out] "r"(host_out)
			     : "rcx", "r11", "memory", XMM_ALL);
	ASSERT_EQ(ret, 0);
	ASSERT_EQ(memcmp(host_out, host_in, sizeof(host_in)), 0);
	assert_ucall_sync(vcpu, 2);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* ---------------------------------------------------------------- stats */

static void guest_for_stats(void)
{
	GUEST_SYNC(1);
	halt();
	halt();
	GUEST_SYNC(2);
}

/* GET_VCPU_STATS counts exactly the exits userspace saw. */
TEST(vcpu_stats_count_exits)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_for_stats);
	struct altp2m_vcpu_stats st;
	unsigned int i;

	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.hw_exits, 0);
	for (i = 0; i < ARRAY_SIZE(st.exits); i++)
		EXPECT_EQ(st.exits[i], 0);

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 2);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);

	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.flags, 0);
	EXPECT_EQ(st.pad, 0);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_IO], 3);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_HLT], 2);
	for (i = 0; i < ARRAY_SIZE(st.exits); i++)
		if (i != ALTP2M_EXIT_IO && i != ALTP2M_EXIT_HLT)
			EXPECT_EQ(st.exits[i], 0);
	EXPECT_GE(st.hw_exits, 5);
	/* No interrupt controller in this VM: nothing of it counted. */
	EXPECT_EQ(st.irqs_injected, 0);
	EXPECT_EQ(st.nmis_injected, 0);
	EXPECT_EQ(st.irq_window_exits, 0);
	EXPECT_EQ(st.halts_blocked, 0);
	EXPECT_EQ(st.apic_exits, 0);
	TH_LOG("hw_exits %llu", (unsigned long long)st.hw_exits);
	vm_free(vm);
}

/* ------------------------------------------------- two vCPUs, one VM */

#define PAIR_ADDS	10000

static uint64_t pair_flag[2];
static uint64_t pair_counter;
static uint64_t pair_finished;

static void guest_pair(uint64_t id)
{
	uint64_t i;

	/*
	 * Neither vCPU gets past this unless the other one runs guest code
	 * at the same time.
	 */
	WRITE_ONCE(pair_flag[id], 1);
	GUEST_ASSERT(guest_spin_until(&pair_flag[!id], 1));
	for (i = 0; i < PAIR_ADDS; i++)
		__atomic_fetch_add(&pair_counter, 1, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&pair_finished, 1, __ATOMIC_SEQ_CST);
	GUEST_ASSERT(guest_spin_until(&pair_finished, 2));
	GUEST_SYNC(READ_ONCE(pair_counter));
	GUEST_SYNC(id);
}

static void *pair_thread(void *arg)
{
	struct vcpu *vcpu = arg;

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 2 * PAIR_ADDS);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, vcpu->id);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	return NULL;
}

/* Two vCPUs of a VM run at the same time, from two threads. */
TEST(two_vcpus_concurrent)
{
	struct vm *vm = vm_create(0);
	struct vcpu *v[2];
	pthread_t th[2];
	int i;

	for (i = 0; i < 2; i++) {
		v[i] = vcpu_add(vm, i, guest_pair);
		vcpu_args_set(v[i], 1, (uint64_t)i);
		/* The host must switch threads while a guest spins. */
		vcpu_set_if(v[i], true);
	}
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, pair_thread, v[i]), 0);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_join(th[i], NULL), 0);
	EXPECT_EQ(guest_global(vm, pair_counter), 2 * PAIR_ADDS);
	EXPECT_EQ(guest_global(vm, pair_finished), 2);
	EXPECT_EQ(pair_counter, 0);
	vm_free(vm);
}

/* ------------------------------------------------------ two VMs at once */

static uint64_t vm_marker;

static uint64_t vm_work(uint64_t seed)
{
	uint64_t h = seed, i;

	for (i = 0; i < 20000; i++)
		h = mix(h + i);
	return h;
}

static void guest_vm_work(uint64_t seed)
{
	WRITE_ONCE(vm_marker, seed);
	GUEST_SYNC(vm_work(seed));
	GUEST_SYNC(READ_ONCE(vm_marker));
}

static void *vm_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	struct altp2m_regs regs;

	vcpu_regs_get(vcpu, &regs);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, vm_work(regs.rdi));
	return NULL;
}

/* Two VMs run at the same time, each with its own memory. */
TEST(two_vms_at_once)
{
	const uint64_t seed[2] = { 0x1234, 0xabcdef };
	struct vm *vm[2];
	struct vcpu *v[2];
	pthread_t th[2];
	int i;

	for (i = 0; i < 2; i++) {
		vm[i] = vm_create(0);
		v[i] = vcpu_add(vm[i], 0, guest_vm_work);
		vcpu_args_set(v[i], 1, seed[i]);
	}
	EXPECT_NE(vm[0]->id, vm[1]->id);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_create(&th[i], NULL, vm_thread, v[i]), 0);
	for (i = 0; i < 2; i++)
		ASSERT_EQ(pthread_join(th[i], NULL), 0);
	/* Each wrote its own copy of vm_marker. */
	for (i = 0; i < 2; i++)
		EXPECT_EQ(guest_global(vm[i], vm_marker), seed[i]);
	EXPECT_EQ(vm_marker, 0);
	/* Interleaved, one thread. */
	vcpu_run(v[1]);
	assert_ucall_sync(v[1], seed[1]);
	vcpu_run(v[0]);
	assert_ucall_sync(v[0], seed[0]);
	for (i = 0; i < 2; i++) {
		vcpu_run(v[i]);
		assert_ucall_done(v[i]);
	}
	vm_free(vm[0]);
	/* The other VM does not notice. */
	EXPECT_EQ(guest_global(vm[1], vm_marker), seed[1]);
	vm_free(vm[1]);
}

TEST_HARNESS_MAIN
