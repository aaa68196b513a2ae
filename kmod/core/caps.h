/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Decoding of the VMX capability MSRs into what altp2m can use.
 *
 * Hardware-independent: the MSR values come in a plain structure, so the
 * same decoder runs in the module and in the userspace unit tests.
 */
#ifndef ALTP2M_CAPS_H
#define ALTP2M_CAPS_H

#include <linux/bits.h>
#include <linux/types.h>

struct altp2m_caps;

/* Architectural MSR numbers and the bits of them the decoder reads. */
#define ALTP2M_MSR_FEATURE_CONTROL		0x03a
#define ALTP2M_MSR_VMX_BASIC			0x480
#define ALTP2M_MSR_VMX_PROCBASED_CTLS		0x482
#define ALTP2M_MSR_VMX_PROCBASED_CTLS2		0x48b
#define ALTP2M_MSR_VMX_EPT_VPID_CAP		0x48c
#define ALTP2M_MSR_VMX_TRUE_PROCBASED_CTLS	0x48e
#define ALTP2M_MSR_VMX_VMFUNC			0x491

/*
 * The ALTP2M_FEATURE_* bits of struct altp2m_caps.features: what this
 * build of the module implements. A bit is added here with the code and
 * the Bochs test that prove it, never ahead of them.
 */
#define ALTP2M_MODULE_FEATURES	(ALTP2M_FEATURE_LAPIC | ALTP2M_FEATURE_IRQFD | \
				 ALTP2M_FEATURE_VCPU_EVENTS | \
				 ALTP2M_FEATURE_CPUID | ALTP2M_FEATURE_TSC | \
				 ALTP2M_FEATURE_EXIT_COUNTS | \
				 ALTP2M_FEATURE_MONITOR | \
				 ALTP2M_FEATURE_MONITOR_MAP)

#define ALTP2M_FC_LOCKED		BIT_ULL(0)
#define ALTP2M_FC_VMX_OUTSIDE_SMX	BIT_ULL(2)

#define ALTP2M_BASIC_REVISION_MASK	0x7fffffffULL
#define ALTP2M_BASIC_SIZE_SHIFT		32
#define ALTP2M_BASIC_SIZE_MASK		0x1fffULL
#define ALTP2M_BASIC_32BIT_ADDR		BIT_ULL(48)
#define ALTP2M_BASIC_MEMTYPE_SHIFT	50
#define ALTP2M_BASIC_MEMTYPE_MASK	0xfULL
#define ALTP2M_BASIC_TRUE_CTLS		BIT_ULL(55)
#define ALTP2M_MEMTYPE_WB		6

/* Allowed-1 settings live in the high half of a VMX control MSR. */
#define ALTP2M_ALLOWED1(bit)		BIT_ULL(32 + (bit))
#define ALTP2M_PROC_SECONDARY		ALTP2M_ALLOWED1(31)
#define ALTP2M_PROC2_EPT		ALTP2M_ALLOWED1(1)
#define ALTP2M_PROC2_VPID		ALTP2M_ALLOWED1(5)
#define ALTP2M_PROC2_UNRESTRICTED	ALTP2M_ALLOWED1(7)
#define ALTP2M_PROC2_VMFUNC		ALTP2M_ALLOWED1(13)
#define ALTP2M_PROC2_EPT_VE		ALTP2M_ALLOWED1(18)

#define ALTP2M_EPTCAP_EXEC_ONLY		BIT_ULL(0)
#define ALTP2M_EPTCAP_WALK_4		BIT_ULL(6)
#define ALTP2M_EPTCAP_WB		BIT_ULL(14)
#define ALTP2M_EPTCAP_2M		BIT_ULL(16)
#define ALTP2M_EPTCAP_1G		BIT_ULL(17)
#define ALTP2M_EPTCAP_INVEPT		BIT_ULL(20)
#define ALTP2M_EPTCAP_AD		BIT_ULL(21)
#define ALTP2M_EPTCAP_INVEPT_SINGLE	BIT_ULL(25)
#define ALTP2M_EPTCAP_INVEPT_ALL	BIT_ULL(26)
#define ALTP2M_EPTCAP_INVVPID		BIT_ULL(32)

#define ALTP2M_VMFUNC_EPTP_SWITCHING	BIT_ULL(0)

/**
 * struct altp2m_vmx_msrs - raw VMX capability state of one CPU
 * @has_vmx: CPUID.1:ECX.VMX
 * @feature_control: IA32_FEATURE_CONTROL
 * @basic: IA32_VMX_BASIC
 * @procbased: IA32_VMX_TRUE_PROCBASED_CTLS if BASIC says true controls
 *	exist, IA32_VMX_PROCBASED_CTLS otherwise
 * @procbased2: IA32_VMX_PROCBASED_CTLS2, 0 when it does not exist
 * @ept_vpid_cap: IA32_VMX_EPT_VPID_CAP, 0 when it does not exist
 * @vmfunc: IA32_VMX_VMFUNC, 0 when it does not exist
 *
 * An MSR that does not exist on this CPU (the controls above it say so,
 * or reading it faulted) reads as 0; the decoder never trusts a value the
 * CPU says is not there.
 */
struct altp2m_vmx_msrs {
	bool has_vmx;
	u64 feature_control;
	u64 basic;
	u64 procbased;
	u64 procbased2;
	u64 ept_vpid_cap;
	u64 vmfunc;
};

/**
 * struct altp2m_hw - what altp2m may use on this host
 * @caps: ALTP2M_CAP_* bits
 * @vmcs_revision: revision identifier to stamp into VMXON/VMCS regions
 * @vmcs_size: bytes of a VMCS region
 * @msrs: the raw values the decision was made from
 */
struct altp2m_hw {
	u64 caps;
	u32 vmcs_revision;
	u32 vmcs_size;
	struct altp2m_vmx_msrs msrs;
};

int altp2m_caps_decode(const struct altp2m_vmx_msrs *msrs,
		       struct altp2m_hw *hw, const char **why);
int altp2m_caps_describe(u64 caps, char *buf, size_t len);
int altp2m_caps_fill(const struct altp2m_hw *hw, struct altp2m_caps *out);

#endif /* ALTP2M_CAPS_H */
