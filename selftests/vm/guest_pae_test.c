// SPDX-License-Identifier: GPL-2.0
/*
 * 32-bit guests with PAE paging. Under EPT the CPU translates PAE
 * addresses through four PDPTEs it holds in registers, which VM entry
 * loads from the VMCS; the module emulates every MOV to CR0 and CR4 and
 * takes states from SET_SREGS, so it must load them itself from the PDPT
 * at CR3. A guest enables paging with MOV to CR3, CR4 and CR0, reads data
 * and runs code through the second PDPTE, and switches PDPTs with MOV to
 * CR3 (which the CPU handles itself); a state set by SET_SREGS runs the
 * same way; a PDPTE with a reserved bit is #GP for MOV to CR0 (nothing
 * changes) and EINVAL for SET_SREGS.
 *
 * The guest code is 32-bit code of this binary, run where vm_create()
 * loaded it; the tables live in guest memory the host writes.
 */
#include <errno.h>
#include <sys/ioctl.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define MEM_SIZE	(16ULL << 20)
#define HI		0x40000000ULL	/* what the second PDPTE maps */
#define MB2		(2ULL << 20)
#define MAGIC_A		0x11aa22bbU
#define MAGIC_B		0x33cc44ddU
#define CODE_HIGH	0x600dc0deU

#define PORT_DATA	0x10
#define PORT_HIGH	0x11
#define PORT_EIP	0x12
#define PORT_DATA2	0x13
#define PORT_GP		0x1d

#define SEL_CODE32	0x08
#define SEL_DATA	0x10
#define SEL_TSS		0x18

/*
 * pae32_enable: CR3 = EBX, then CR4.PAE, then CR0.PG (PAE paging from
 * here), and on at pae32_paged. pae32_paged: the dword at HI + ESI out to
 * PORT_DATA, a jump to this code's copy at HI + (address), which reports
 * from there, loads CR3 = EDI and reads HI + ESI again. pae32_gp: the
 * #GP handler, error code out to PORT_GP.
 */
__asm__(
	".pushsection .text\n"
	".code32\n"
	".globl pae32_enable\n"
	"pae32_enable:\n"
	"	mov %ebx, %cr3\n"
	"	mov %cr4, %eax\n"
	"	or $0x20, %eax\n"
	"	mov %eax, %cr4\n"
	"	mov %cr0, %eax\n"
	"	or $0x80000000, %eax\n"
	"	mov %eax, %cr0\n"
	".globl pae32_paged\n"
	"pae32_paged:\n"
	"	mov 0x40000000(%esi), %eax\n"
	"	out %eax, $0x10\n"
	"	mov $pae32_high + 0x40000000, %eax\n"
	"	jmp *%eax\n"
	"pae32_high:\n"
	"	mov $0x600dc0de, %eax\n"
	"	out %eax, $0x11\n"
	"	call 1f\n"
	"1:	pop %eax\n"
	"	out %eax, $0x12\n"
	"	mov %edi, %cr3\n"
	"	mov 0x40000000(%esi), %eax\n"
	"	out %eax, $0x13\n"
	"	hlt\n"
	".globl pae32_gp\n"
	"pae32_gp:\n"
	"	pop %eax\n"
	"	out %eax, $0x1d\n"
	"	hlt\n"
	".code64\n"
	".popsection\n");

extern char pae32_enable[], pae32_paged[], pae32_gp[];

struct pae_vm {
	struct vm *vm;
	struct vcpu *vcpu;
	uint64_t data_a, data_b;	/* 2 MiB regions, MAGIC_A / MAGIC_B */
	uint64_t pdpt_a;	/* PD0 (identity), PD1 (HI + x -> x) */
	uint64_t pdpt_b;	/* PD0, PD2 (as PD1, but data_a -> data_b) */
	uint64_t pdpt_bad;	/* as pdpt_a with a reserved bit in entry 2 */
	uint64_t stack_top;
};

static uint64_t *gpa_ptr(struct vm *vm, uint64_t gpa)
{
	return addr_gpa2hva(vm, gpa);
}

/* A PD of 2 MiB pages: entry i maps gpa i * 2 MiB, but @from -> @to. */
static uint64_t pd_2m(struct vm *vm, uint64_t from, uint64_t to)
{
	uint64_t pd = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE), *e = gpa_ptr(vm, pd);
	unsigned int i;

	for (i = 0; i < 512; i++) {
		uint64_t gpa = (uint64_t)i * MB2;

		if (gpa == from)
			gpa = to;
		e[i] = gpa | PTE_LARGE | PTE_WRITE | PTE_PRESENT;
	}
	return pd;
}

static uint64_t pdpt(struct vm *vm, uint64_t pd0, uint64_t pd1)
{
	/* 32-byte aligned is all PAE needs; a page keeps it simple. */
	uint64_t p = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE), *e = gpa_ptr(vm, p);

	e[0] = pd0 | PTE_PRESENT;
	e[1] = pd1 | PTE_PRESENT;
	return p;
}

static void pae_sregs(const struct pae_vm *p, struct altp2m_sregs *s,
		      bool paging, uint64_t cr3)
{
	struct altp2m_segment code = {
		.limit = 0xffffffff, .selector = SEL_CODE32, .type = 11,
		.present = 1, .db = 1, .s = 1, .g = 1,
	};
	struct altp2m_segment data = code;
	uint64_t sys = p->stack_top;	/* GDT, IDT and TSS above the stack */

	memset(s, 0, sizeof(*s));
	data.selector = SEL_DATA;
	data.type = 3;
	s->cs = code;
	s->ds = data;
	s->es = data;
	s->fs = data;
	s->gs = data;
	s->ss = data;
	s->tr = (struct altp2m_segment){
		.base = sys + 0x1000, .limit = 0x67, .selector = SEL_TSS,
		.type = 11, .present = 1,
	};
	s->ldt.type = 2;
	s->ldt.unusable = 1;
	s->gdt.base = sys;
	s->gdt.limit = 4 * 8 - 1;
	s->idt.base = sys + 0x800;
	s->idt.limit = 32 * 8 - 1;
	s->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_NE |
		 (paging ? X86_CR0_PG : 0);
	s->cr4 = paging ? X86_CR4_PAE : 0;
	s->cr3 = cr3;
	s->efer = 0;
}

static void pae_vm_create(struct pae_vm *p)
{
	uint64_t pd0, pd1, pd2, sys, *gdt, *idt, h, *bad;

	p->vm = vm_create(MEM_SIZE);
	p->vcpu = vcpu_add_bare(p->vm, 0);
	p->data_a = vm_alloc(p->vm, MB2, MB2);
	p->data_b = vm_alloc(p->vm, MB2, MB2);
	*(uint32_t *)gpa_ptr(p->vm, p->data_a + 0x40) = MAGIC_A;
	*(uint32_t *)gpa_ptr(p->vm, p->data_b + 0x40) = MAGIC_B;

	pd0 = pd_2m(p->vm, ~0ULL, 0);
	pd1 = pd_2m(p->vm, ~0ULL, 0);
	pd2 = pd_2m(p->vm, p->data_a, p->data_b);
	p->pdpt_a = pdpt(p->vm, pd0, pd1);
	p->pdpt_b = pdpt(p->vm, pd0, pd2);
	p->pdpt_bad = pdpt(p->vm, pd0, pd1);
	bad = gpa_ptr(p->vm, p->pdpt_bad);
	/* Present with bit 5 set: reserved in a PDPTE (bits 8:5). */
	bad[2] = pd1 | 1U << 5 | PTE_PRESENT;

	p->stack_top = vm_alloc(p->vm, 4 * PAGE_SIZE, PAGE_SIZE) +
		       2 * PAGE_SIZE;
	sys = p->stack_top;
	gdt = gpa_ptr(p->vm, sys);
	gdt[0] = 0;
	gdt[1] = x86_seg_desc(0, 0xfffff, 11, 1, 0, 1, 0, 0, 1, 1);
	gdt[2] = x86_seg_desc(0, 0xfffff, 3, 1, 0, 1, 0, 0, 1, 1);
	gdt[3] = x86_seg_desc(sys + 0x1000, 0x67, 11, 0, 0, 1, 0, 0, 0, 0);
	/* One gate: #GP, a 32-bit interrupt gate. */
	idt = gpa_ptr(p->vm, sys + 0x800);
	h = (uint64_t)(uintptr_t)pae32_gp;
	idt[GP_VECTOR] = (h & 0xffff) | (uint64_t)SEL_CODE32 << 16 |
			 0x8eULL << 40 | ((h >> 16) & 0xffff) << 48;
}

static void pae_regs(struct pae_vm *p, void *start, uint64_t cr3)
{
	struct altp2m_regs r = { 0 };

	r.rip = (uint64_t)(uintptr_t)start;
	r.rbx = cr3;
	r.rsi = p->data_a + 0x40;
	r.rdi = p->pdpt_b;
	r.rsp = p->stack_top;
	r.rflags = X86_RFLAGS_FIXED;
	vcpu_regs_set(p->vcpu, &r);
}

static uint32_t expect_out(struct altp2m_test *_t, struct vcpu *vcpu,
			   unsigned int port)
{
	uint32_t v;
	char buf[256];

	vcpu_run(vcpu);
	if (vcpu->run->exit_reason != ALTP2M_EXIT_IO ||
	    vcpu->run->io.port != port) {
		vcpu_describe_exit(vcpu, buf, sizeof(buf));
		TH_LOG("expected OUT to port %#x, got %s", port, buf);
		ASSERT_TRUE(false);
	}
	ASSERT_EQ(vcpu->run->io.direction, ALTP2M_IO_OUT);
	ASSERT_EQ(vcpu->run->io.size, 4);
	memcpy(&v, vcpu_io_data(vcpu), 4);
	return v;
}

/* From PAE paging on: both PDPTEs, code at HI, then MOV CR3. */
static void expect_paged_run(struct altp2m_test *_t, struct pae_vm *p)
{
	struct altp2m_sregs s;
	uint32_t eip;

	ASSERT_EQ(expect_out(_t, p->vcpu, PORT_DATA), MAGIC_A);
	ASSERT_EQ(expect_out(_t, p->vcpu, PORT_HIGH), CODE_HIGH);
	eip = expect_out(_t, p->vcpu, PORT_EIP);
	EXPECT_GE(eip, HI);
	/* The CPU's own PDPTE load: the other PDPT maps data_b there. */
	ASSERT_EQ(expect_out(_t, p->vcpu, PORT_DATA2), MAGIC_B);
	vcpu_run(p->vcpu);
	assert_exit_reason(p->vcpu, ALTP2M_EXIT_HLT);
	vcpu_sregs_get(p->vcpu, &s);
	EXPECT_EQ(s.cr3, p->pdpt_b);
	EXPECT_EQ(s.cr0 & X86_CR0_PG, X86_CR0_PG);
	EXPECT_EQ(s.cr4 & X86_CR4_PAE, X86_CR4_PAE);
	EXPECT_EQ(s.efer & EFER_LMA, 0);
}

TEST(pae_enabled_by_mov_cr)
{
	struct altp2m_sregs s;
	struct pae_vm p;

	pae_vm_create(&p);
	pae_sregs(&p, &s, false, 0);
	vcpu_sregs_set(p.vcpu, &s);
	pae_regs(&p, pae32_enable, p.pdpt_a);
	expect_paged_run(_t, &p);
	vm_free(p.vm);
}

TEST(pae_state_from_set_sregs)
{
	struct altp2m_sregs s;
	struct pae_vm p;

	pae_vm_create(&p);
	pae_sregs(&p, &s, true, p.pdpt_a);
	vcpu_sregs_set(p.vcpu, &s);
	pae_regs(&p, pae32_paged, p.pdpt_a);
	expect_paged_run(_t, &p);
	vm_free(p.vm);
}

/* A reserved bit in a present PDPTE: MOV to CR0 is #GP(0), PG stays 0. */
TEST(pae_reserved_pdpte_gp)
{
	struct altp2m_sregs s;
	struct altp2m_regs r;
	struct pae_vm p;

	pae_vm_create(&p);
	pae_sregs(&p, &s, false, 0);
	vcpu_sregs_set(p.vcpu, &s);
	pae_regs(&p, pae32_enable, p.pdpt_bad);
	ASSERT_EQ(expect_out(_t, p.vcpu, PORT_GP), 0);
	vcpu_sregs_get(p.vcpu, &s);
	EXPECT_EQ(s.cr0 & X86_CR0_PG, 0);
	EXPECT_EQ(s.cr4 & X86_CR4_PAE, X86_CR4_PAE);
	EXPECT_EQ(s.cr3, p.pdpt_bad);
	vcpu_regs_get(p.vcpu, &r);
	/* The handler ran: its OUT is behind RIP. */
	EXPECT_GE(r.rip, (uint64_t)(uintptr_t)pae32_gp);
	vm_free(p.vm);
}

/* SET_SREGS refuses PDPTEs VM entry would refuse, and a PDPT not in RAM. */
TEST(pae_set_sregs_checks_pdptes)
{
	struct altp2m_sregs s, before;
	struct pae_vm p;

	pae_vm_create(&p);
	vcpu_sregs_get(p.vcpu, &before);
	pae_sregs(&p, &s, true, p.pdpt_bad);
	ASSERT_EQ(__vcpu_ioctl(p.vcpu, ALTP2M_SET_SREGS, &s), -1);
	ASSERT_EQ(errno, EINVAL);
	pae_sregs(&p, &s, true, 0xf0000000);
	ASSERT_EQ(__vcpu_ioctl(p.vcpu, ALTP2M_SET_SREGS, &s), -1);
	ASSERT_EQ(errno, EINVAL);
	/* Nothing was written. */
	vcpu_sregs_get(p.vcpu, &s);
	ASSERT_EQ(memcmp(&s, &before, sizeof(s)), 0);
	/* The same state without paging is fine: no PDPTEs in use. */
	pae_sregs(&p, &s, false, p.pdpt_bad);
	ASSERT_EQ(__vcpu_ioctl(p.vcpu, ALTP2M_SET_SREGS, &s), 0);
	vm_free(p.vm);
}

TEST_HARNESS_MAIN
