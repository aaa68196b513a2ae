/* SPDX-License-Identifier: GPL-2.0 */
/*
 * x86-64 definitions for the selftest guests, and the builders of the
 * guest's system structures: identity-mapping page tables, GDT, TSS, IDT
 * and the long-mode register state that goes with them.
 *
 * The builders are pure functions over a buffer that stands for guest RAM
 * (host pointer of guest-physical address 0), so the unit tests run them
 * without a kernel.
 *
 * Guest-physical layout of the system area (all in slot 0 RAM):
 *
 *	0x0000	not mapped by the guest page tables (catches NULL and
 *		%fs-relative accesses of guest code: TLS, stack protector)
 *	0x1000	PML4
 *	0x2000	PDPT
 *	0x3000	4 page directories: 0-1 GiB, 1-2, 2-3, 3-4 GiB
 *	0x7000	page table of the first 2 MiB (4 KiB pages, page 0 absent)
 *	0x8000	GDT
 *	0x9000	TSS
 *	0xa000	IDT (256 gates; 0-31 present)
 *	0xb000	end of the system area
 *
 * The page tables map gva == gpa for [4 KiB, 4 GiB): 4 KiB pages below
 * 2 MiB, 2 MiB pages above, present and writable, supervisor, executable.
 * Everything from 4 GiB up is not mapped.
 */
#ifndef SELFTEST_X86_H
#define SELFTEST_X86_H

#include <stdint.h>
#include <linux/altp2m.h>

#define PAGE_SIZE		0x1000ULL
#define HPAGE_SIZE		0x200000ULL	/* 2 MiB */

/* Control registers and EFER. */
#define X86_CR0_PE		(1ULL << 0)
#define X86_CR0_MP		(1ULL << 1)
#define X86_CR0_EM		(1ULL << 2)
#define X86_CR0_TS		(1ULL << 3)
#define X86_CR0_ET		(1ULL << 4)
#define X86_CR0_NE		(1ULL << 5)
#define X86_CR0_WP		(1ULL << 16)
#define X86_CR0_AM		(1ULL << 18)
#define X86_CR0_NW		(1ULL << 29)
#define X86_CR0_CD		(1ULL << 30)
#define X86_CR0_PG		(1ULL << 31)

#define X86_CR4_PAE		(1ULL << 5)
#define X86_CR4_PGE		(1ULL << 7)
#define X86_CR4_OSFXSR		(1ULL << 9)
#define X86_CR4_OSXMMEXCPT	(1ULL << 10)
#define X86_CR4_VMXE		(1ULL << 13)
#define X86_CR4_OSXSAVE		(1ULL << 18)

#define EFER_SCE		(1ULL << 0)
#define EFER_LME		(1ULL << 8)
#define EFER_LMA		(1ULL << 10)
#define EFER_NXE		(1ULL << 11)

#define X86_RFLAGS_FIXED	(1ULL << 1)
#define X86_RFLAGS_TF		(1ULL << 8)
#define X86_RFLAGS_IF		(1ULL << 9)
#define X86_RFLAGS_AC		(1ULL << 18)

#define X86_DR6_BS		(1ULL << 14)	/* single-step */

/* What vcpu_add() gives every vCPU. */
#define GUEST_CR0	(X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE | \
			 X86_CR0_WP | X86_CR0_AM | X86_CR0_PG)
#define GUEST_CR4	(X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)
#define GUEST_EFER	(EFER_LME | EFER_LMA | EFER_NXE)

/* MSRs. */
#define MSR_IA32_SYSENTER_CS	0x174
#define MSR_IA32_SYSENTER_ESP	0x175
#define MSR_IA32_SYSENTER_EIP	0x176
#define MSR_IA32_CR_PAT		0x277
#define MSR_EFER		0xc0000080
#define MSR_STAR		0xc0000081
#define MSR_LSTAR		0xc0000082
#define MSR_CSTAR		0xc0000083
#define MSR_SYSCALL_MASK	0xc0000084
#define MSR_FS_BASE		0xc0000100
#define MSR_GS_BASE		0xc0000101
#define MSR_KERNEL_GS_BASE	0xc0000102
#define MSR_TSC_AUX		0xc0000103

/* Exception vectors. */
#define DE_VECTOR	0
#define DB_VECTOR	1
#define NMI_VECTOR	2
#define BP_VECTOR	3
#define OF_VECTOR	4
#define BR_VECTOR	5
#define UD_VECTOR	6
#define NM_VECTOR	7
#define DF_VECTOR	8
#define TS_VECTOR	10
#define NP_VECTOR	11
#define SS_VECTOR	12
#define GP_VECTOR	13
#define PF_VECTOR	14
#define MF_VECTOR	16
#define AC_VECTOR	17
#define MC_VECTOR	18
#define XM_VECTOR	19
#define VE_VECTOR	20
#define CP_VECTOR	21
#define NR_EXCEPTIONS	32

/* Page-table entries. */
#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITE	(1ULL << 1)
#define PTE_USER	(1ULL << 2)
#define PTE_PWT		(1ULL << 3)
#define PTE_PCD		(1ULL << 4)
#define PTE_ACCESSED	(1ULL << 5)
#define PTE_DIRTY	(1ULL << 6)
#define PTE_LARGE	(1ULL << 7)	/* PS in a PDE/PDPTE */
#define PTE_GLOBAL	(1ULL << 8)
#define PTE_NX		(1ULL << 63)
#define PTE_ADDR_MASK	0x000ffffffffff000ULL

/* The guest-physical layout (see the top of this file). */
#define GUEST_PML4_GPA		0x1000ULL
#define GUEST_PDPT_GPA		0x2000ULL
#define GUEST_PD_GPA		0x3000ULL
#define GUEST_NR_PDS		4
#define GUEST_PT0_GPA		0x7000ULL
#define GUEST_GDT_GPA		0x8000ULL
#define GUEST_TSS_GPA		0x9000ULL
#define GUEST_IDT_GPA		0xa000ULL
#define GUEST_SYS_END		0xb000ULL
#define GUEST_MAP_SIZE		(GUEST_NR_PDS * (1ULL << 30))	/* 4 GiB */

/* GDT selectors. */
#define GDT_NULL_SEL		0x00
#define GDT_CODE_SEL		0x08	/* 64-bit code, DPL 0 */
#define GDT_DATA_SEL		0x10	/* data, DPL 0 */
#define GDT_TSS_SEL		0x18	/* 64-bit TSS, 16 bytes */
#define GDT_ENTRIES		5	/* 8-byte slots; the TSS takes two */
#define GDT_LIMIT		(GDT_ENTRIES * 8 - 1)

/* Descriptor types (the 4-bit type field). */
#define SEG_TYPE_DATA_RW_A	3	/* read/write, accessed */
#define SEG_TYPE_CODE_XR_A	11	/* execute/read, accessed */
#define SEG_TYPE_TSS64_AVAIL	9
#define SEG_TYPE_TSS64_BUSY	11
#define SEG_TYPE_LDT		2
#define GATE_TYPE_INTR64	14

#define TSS64_SIZE		104
#define TSS_LIMIT		(TSS64_SIZE - 1)
#define IDT_ENTRIES		256
#define IDT_LIMIT		(IDT_ENTRIES * 16 - 1)

/* An 8-byte code or data descriptor. */
static inline uint64_t x86_seg_desc(uint32_t base, uint32_t limit,
				    unsigned int type, unsigned int s,
				    unsigned int dpl, unsigned int p,
				    unsigned int avl, unsigned int l,
				    unsigned int db, unsigned int g)
{
	return (uint64_t)(limit & 0xffff) |
	       (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)(type & 0xf) << 40 |
	       (uint64_t)(s & 1) << 44 |
	       (uint64_t)(dpl & 3) << 45 |
	       (uint64_t)(p & 1) << 47 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(avl & 1) << 52 |
	       (uint64_t)(l & 1) << 53 |
	       (uint64_t)(db & 1) << 54 |
	       (uint64_t)(g & 1) << 55 |
	       (uint64_t)(base >> 24) << 56;
}

/*
 * Write the guest page tables into @ram (host pointer of gpa 0, at least
 * GUEST_SYS_END bytes). Returns the CR3 value (GUEST_PML4_GPA).
 */
uint64_t x86_build_page_tables(void *ram);

/* GDT at GUEST_GDT_GPA, TSS at GUEST_TSS_GPA (busy, as after LTR). */
void x86_build_gdt(void *ram);
void x86_build_tss(void *ram);

/*
 * IDT at GUEST_IDT_GPA: vectors 0-31 are 64-bit interrupt gates (DPL 0,
 * IST 0, selector GDT_CODE_SEL) to @handlers[vector]; 32-255 are not
 * present.
 */
void x86_build_idt(void *ram, const uint64_t handlers[NR_EXCEPTIONS]);

/*
 * Fill @sregs with the 64-bit state matching the GDT/IDT/page tables
 * above: CR0 = GUEST_CR0, CR3 = GUEST_PML4_GPA, CR4 = GUEST_CR4, EFER =
 * GUEST_EFER, CS = 64-bit code, DS/ES/FS/GS/SS = data, TR = busy 64-bit
 * TSS, LDTR unusable, GDTR/IDTR. flags, pads and reserved are 0.
 */
void x86_sregs_long_mode(struct altp2m_sregs *sregs);

/*
 * A 32-bit protected-mode system (no paging, flat 4 GiB segments) in one
 * page of guest RAM at @base: the GDT at @base, the IDT (32 gates) at
 * @base + PROT32_IDT_OFF, a 32-bit TSS at @base + PROT32_TSS_OFF. The
 * GDT has ring-0 and ring-3 code and data segments and the (busy) TSS.
 */
#define PROT32_IDT_OFF		0x100
#define PROT32_TSS_OFF		0x200
#define PROT32_CODE_SEL		0x08	/* 32-bit code, DPL 0 */
#define PROT32_DATA_SEL		0x10	/* data, DPL 0 */
#define PROT32_UCODE_SEL	0x1b	/* 32-bit code, DPL 3 (RPL 3) */
#define PROT32_UDATA_SEL	0x23	/* data, DPL 3 (RPL 3) */
#define PROT32_TSS_SEL		0x28	/* 32-bit TSS */
#define PROT32_GDT_LIMIT	(6 * 8 - 1)
#define PROT32_IDT_LIMIT	(NR_EXCEPTIONS * 8 - 1)
#define SEG_TYPE_TSS32_BUSY	11
#define GATE_TYPE_INTR32	14

/*
 * Build it: gate v goes to @handlers[v] (a 32-bit address); a vector
 * whose bit is set in @user_gates gets a DPL-3 gate to the ring-3 code
 * segment (its handler runs at CPL 3 on the interrupted stack), the others
 * DPL-0 gates to ring-0 code. @esp0 is the TSS's ring-0 stack. Returns
 * nothing; x86_sregs_prot32() gives the matching register state.
 */
void x86_build_prot32(void *ram, uint64_t base,
		      const uint32_t handlers[NR_EXCEPTIONS],
		      uint32_t user_gates, uint32_t esp0);

/*
 * CPL 0 in the system above: CS = PROT32_CODE_SEL, data segments
 * PROT32_DATA_SEL, TR, GDTR, IDTR; CR0 = PE | ET | NE, CR4 = 0, EFER = 0.
 */
void x86_sregs_prot32(struct altp2m_sregs *sregs, uint64_t base);

/*
 * Real mode at CS:IP = @cs:0 with every data segment and SS = @cs too
 * (bases @cs * 16), the IVT at 0 (limit 0x3ff); CR0 = ET.
 */
void x86_sregs_real_mode(struct altp2m_sregs *sregs, uint16_t cs);

/* Point the 64-bit gate of @vector of the IDT x86_build_idt() wrote. */
void x86_set_idt_gate(void *ram, unsigned int vector, uint64_t handler);

/* True when @v is canonical for 48-bit linear addresses. */
static inline int x86_is_canonical(uint64_t v)
{
	return (uint64_t)((int64_t)(v << 16) >> 16) == v;
}

/* Name of an exception vector ("#PF"), or "vector" for others. */
const char *x86_exception_name(unsigned int vector);

/*
 * Guest-side instructions. In a host process most of these fault; they are
 * for guest code only.
 */
struct x86_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static inline uint64_t rdmsr(uint32_t index)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(index));
	return lo | (uint64_t)hi << 32;
}

static inline void wrmsr(uint32_t index, uint64_t value)
{
	__asm__ __volatile__("wrmsr" : : "c"(index), "a"((uint32_t)value),
			     "d"((uint32_t)(value >> 32)) : "memory");
}

#define __X86_READ(name, insn)						\
static inline uint64_t name(void)					\
{									\
	uint64_t v;							\
									\
	__asm__ __volatile__(insn : "=r"(v));				\
	return v;							\
}
__X86_READ(get_cr0, "mov %%cr0, %0")
__X86_READ(get_cr2, "mov %%cr2, %0")
__X86_READ(get_cr3, "mov %%cr3, %0")
__X86_READ(get_cr4, "mov %%cr4, %0")
__X86_READ(get_rflags, "pushfq; popq %0")
#undef __X86_READ

#define __X86_READ_SEL(name, insn)					\
static inline uint16_t name(void)					\
{									\
	uint16_t v;							\
									\
	__asm__ __volatile__(insn : "=r"(v));				\
	return v;							\
}
__X86_READ_SEL(get_cs, "mov %%cs, %0")
__X86_READ_SEL(get_ds, "mov %%ds, %0")
__X86_READ_SEL(get_es, "mov %%es, %0")
__X86_READ_SEL(get_fs, "mov %%fs, %0")
__X86_READ_SEL(get_gs, "mov %%gs, %0")
__X86_READ_SEL(get_ss, "mov %%ss, %0")
__X86_READ_SEL(get_tr, "str %0")
__X86_READ_SEL(get_ldtr, "sldt %0")
#undef __X86_READ_SEL

static inline void get_gdt(struct x86_dtr *d)
{
	__asm__ __volatile__("sgdt %0" : "=m"(*d));
}

static inline void get_idt(struct x86_dtr *d)
{
	__asm__ __volatile__("sidt %0" : "=m"(*d));
}

static inline void set_idt(const struct x86_dtr *d)
{
	__asm__ __volatile__("lidt %0" : : "m"(*d) : "memory");
}

static inline void halt(void)
{
	__asm__ __volatile__("hlt" : : : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ __volatile__("pause" : : : "memory");
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ __volatile__("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ __volatile__("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ __volatile__("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ __volatile__("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ __volatile__("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ __volatile__("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/*
 * MMIO accessors: always one MOV between a general-purpose register and
 * memory addressed by a register (8A/8B/88/89, with 66 or REX.W for the
 * size), whatever the compiler would have chosen for a dereference.
 */
static inline uint8_t mmio_read8(uint64_t gva)
{
	uint8_t v;

	__asm__ __volatile__("movb (%1), %0" : "=q"(v) : "r"(gva) : "memory");
	return v;
}

static inline uint16_t mmio_read16(uint64_t gva)
{
	uint16_t v;

	__asm__ __volatile__("movw (%1), %0" : "=r"(v) : "r"(gva) : "memory");
	return v;
}

static inline uint32_t mmio_read32(uint64_t gva)
{
	uint32_t v;

	__asm__ __volatile__("movl (%1), %0" : "=r"(v) : "r"(gva) : "memory");
	return v;
}

static inline uint64_t mmio_read64(uint64_t gva)
{
	uint64_t v;

	__asm__ __volatile__("movq (%1), %0" : "=r"(v) : "r"(gva) : "memory");
	return v;
}

static inline void mmio_write8(uint64_t gva, uint8_t v)
{
	__asm__ __volatile__("movb %0, (%1)" : : "q"(v), "r"(gva) : "memory");
}

static inline void mmio_write16(uint64_t gva, uint16_t v)
{
	__asm__ __volatile__("movw %0, (%1)" : : "r"(v), "r"(gva) : "memory");
}

static inline void mmio_write32(uint64_t gva, uint32_t v)
{
	__asm__ __volatile__("movl %0, (%1)" : : "r"(v), "r"(gva) : "memory");
}

static inline void mmio_write64(uint64_t gva, uint64_t v)
{
	__asm__ __volatile__("movq %0, (%1)" : : "r"(v), "r"(gva) : "memory");
}

#endif /* SELFTEST_X86_H */
