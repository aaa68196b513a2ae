/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Software VM-entry checks of a vCPU's register state.
 *
 * Before VM entry, the module runs the Intel SDM's "Checks on the Guest
 * State Area" (Vol. 3C, 27.3.1) that apply to the state userspace sets
 * with ALTP2M_SET_REGS / ALTP2M_SET_SREGS. A state that fails becomes an
 * ALTP2M_EXIT_FAIL_ENTRY exit with hardware_reason
 * ALTP2M_ENTRY_FAIL_GUEST_STATE and the VMCS encoding of the field at
 * fault in qualification, instead of an anonymous failure from the CPU.
 *
 * Hardware-independent: the same code runs in the module and in the
 * userspace unit tests.
 */
#ifndef ALTP2M_ENTRY_CHECKS_H
#define ALTP2M_ENTRY_CHECKS_H

#include <linux/bits.h>
#include <linux/types.h>

struct altp2m_regs;
struct altp2m_sregs;
struct altp2m_segment;

/* Basic exit reason of "VM-entry failure due to invalid guest state". */
#define ALTP2M_ENTRY_FAIL_GUEST_STATE	33

/*
 * VMCS field encodings of the guest-state fields the checks name (SDM
 * Vol. 3D, appendix B). Userspace sees them in fail_entry.qualification,
 * so they are ABI. An encoding is width[14:13] | type[11:10] (2: guest
 * state) | index[9:1]; the segment registers have indexes in the order
 * ES, CS, SS, DS, FS, GS, LDTR, TR within each group.
 */
/* 16-bit (B.1.2) */
#define ALTP2M_VMCS_GUEST_ES_SELECTOR		0x0800
#define ALTP2M_VMCS_GUEST_CS_SELECTOR		0x0802
#define ALTP2M_VMCS_GUEST_SS_SELECTOR		0x0804
#define ALTP2M_VMCS_GUEST_DS_SELECTOR		0x0806
#define ALTP2M_VMCS_GUEST_FS_SELECTOR		0x0808
#define ALTP2M_VMCS_GUEST_GS_SELECTOR		0x080a
#define ALTP2M_VMCS_GUEST_LDTR_SELECTOR		0x080c
#define ALTP2M_VMCS_GUEST_TR_SELECTOR		0x080e
/* 64-bit (B.2.3) */
#define ALTP2M_VMCS_GUEST_IA32_EFER		0x2806
/* 32-bit (B.3.3) */
#define ALTP2M_VMCS_GUEST_ES_LIMIT		0x4800
#define ALTP2M_VMCS_GUEST_CS_LIMIT		0x4802
#define ALTP2M_VMCS_GUEST_SS_LIMIT		0x4804
#define ALTP2M_VMCS_GUEST_DS_LIMIT		0x4806
#define ALTP2M_VMCS_GUEST_FS_LIMIT		0x4808
#define ALTP2M_VMCS_GUEST_GS_LIMIT		0x480a
#define ALTP2M_VMCS_GUEST_LDTR_LIMIT		0x480c
#define ALTP2M_VMCS_GUEST_TR_LIMIT		0x480e
#define ALTP2M_VMCS_GUEST_GDTR_LIMIT		0x4810
#define ALTP2M_VMCS_GUEST_IDTR_LIMIT		0x4812
#define ALTP2M_VMCS_GUEST_ES_AR_BYTES		0x4814
#define ALTP2M_VMCS_GUEST_CS_AR_BYTES		0x4816
#define ALTP2M_VMCS_GUEST_SS_AR_BYTES		0x4818
#define ALTP2M_VMCS_GUEST_DS_AR_BYTES		0x481a
#define ALTP2M_VMCS_GUEST_FS_AR_BYTES		0x481c
#define ALTP2M_VMCS_GUEST_GS_AR_BYTES		0x481e
#define ALTP2M_VMCS_GUEST_LDTR_AR_BYTES		0x4820
#define ALTP2M_VMCS_GUEST_TR_AR_BYTES		0x4822
/* natural width (B.4.3) */
#define ALTP2M_VMCS_GUEST_CR0			0x6800
#define ALTP2M_VMCS_GUEST_CR3			0x6802
#define ALTP2M_VMCS_GUEST_CR4			0x6804
#define ALTP2M_VMCS_GUEST_ES_BASE		0x6806
#define ALTP2M_VMCS_GUEST_CS_BASE		0x6808
#define ALTP2M_VMCS_GUEST_SS_BASE		0x680a
#define ALTP2M_VMCS_GUEST_DS_BASE		0x680c
#define ALTP2M_VMCS_GUEST_FS_BASE		0x680e
#define ALTP2M_VMCS_GUEST_GS_BASE		0x6810
#define ALTP2M_VMCS_GUEST_LDTR_BASE		0x6812
#define ALTP2M_VMCS_GUEST_TR_BASE		0x6814
#define ALTP2M_VMCS_GUEST_GDTR_BASE		0x6816
#define ALTP2M_VMCS_GUEST_IDTR_BASE		0x6818
#define ALTP2M_VMCS_GUEST_RIP			0x681e
#define ALTP2M_VMCS_GUEST_RFLAGS		0x6820

/* The VMX segment access-rights format (SDM Vol. 3C, table 25-2). */
#define ALTP2M_AR_TYPE_MASK	0xfU
#define ALTP2M_AR_S		BIT(4)
#define ALTP2M_AR_DPL_SHIFT	5
#define ALTP2M_AR_DPL_MASK	(3U << ALTP2M_AR_DPL_SHIFT)
#define ALTP2M_AR_P		BIT(7)
#define ALTP2M_AR_AVL		BIT(12)
#define ALTP2M_AR_L		BIT(13)
#define ALTP2M_AR_DB		BIT(14)
#define ALTP2M_AR_G		BIT(15)
#define ALTP2M_AR_UNUSABLE	BIT(16)

/**
 * struct altp2m_entry_limits - what the host and the VMX setup allow
 * @cr0_fixed0: IA32_VMX_CR0_FIXED0, raw: bits CR0 must have set. With
 *	@unrestricted the checks drop PE and PG from it themselves.
 * @cr0_fixed1: IA32_VMX_CR0_FIXED1: bits CR0 may have set
 * @cr4_fixed0: IA32_VMX_CR4_FIXED0: bits CR4 must have set
 * @cr4_fixed1: IA32_VMX_CR4_FIXED1: bits CR4 may have set. Its LA57 bit
 *	(12) also says whether the CPU has 57-bit linear addresses, the width
 *	the SDM's canonical checks on segment and descriptor-table bases use.
 * @cr0_always_on: bits the VMX layer sets in the guest CR0 field whatever
 *	userspace asked for, hiding them behind the CR0 read shadow (CR0.NE,
 *	for instance). The checks see CR0 as the VMCS will hold it.
 * @cr4_always_on: the same for CR4 (CR4.VMXE, which VMX non-root
 *	operation requires and a guest without nested VMX must not see)
 * @maxphyaddr: the CPU's physical-address width (CPUID.80000008H:EAX[7:0]);
 *	values outside 32..52 are taken as the nearer bound, as the SDM's CR3
 *	check covers bits 63:32 only
 * @unrestricted: the guest runs with the "unrestricted guest" control
 *
 * The checks assume the VMX layer loads EFER on entry ("load IA32_EFER")
 * and sets the "IA-32e mode guest" entry control to EFER.LMA.
 */
struct altp2m_entry_limits {
	u64 cr0_fixed0;
	u64 cr0_fixed1;
	u64 cr4_fixed0;
	u64 cr4_fixed1;
	u64 cr0_always_on;
	u64 cr4_always_on;
	u8 maxphyaddr;
	bool unrestricted;
};

int altp2m_check_guest_state(const struct altp2m_regs *regs,
			     const struct altp2m_sregs *sregs,
			     const struct altp2m_entry_limits *lim,
			     u32 *field, const char **why);
u32 altp2m_seg_to_ar(const struct altp2m_segment *s);
void altp2m_ar_to_seg(u32 ar, struct altp2m_segment *s);

#endif /* ALTP2M_ENTRY_CHECKS_H */
