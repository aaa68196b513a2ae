// SPDX-License-Identifier: GPL-2.0
/*
 * The CPUID a guest sees (see cpuid.h).
 *
 * Why a snapshot: the host's CPUID differs between its CPUs (the APIC ID
 * in leaf 1, the x2APIC ID in leaves 0xB and 0x1F, on hybrid parts the
 * caches and core type too), so passing it through tells a guest which
 * physical CPU it runs on at every CPUID and changes under it as its
 * thread migrates. The module reads the host's values once, on the CPU
 * that loads it, keeps what describes the processor model (family, model,
 * features the guest can use, cache sizes, brand string) and replaces
 * what describes where the guest runs with a fixed topology: each vCPU is
 * one package of one core of one thread, its APIC ID its vCPU id.
 *
 * Caches: leaf 4 keeps the host's cache geometry (type, level, ways,
 * partitions, line size, sets) without its two topology fields (logical
 * processors sharing the cache, cores per package), which are 0 (one).
 * Real sizes keep a guest's cache blocking right and agree with leaf 2's
 * descriptors and leaf 0x80000006, which pass through as well; they say
 * no more than the model in leaf 1 already does, and they are the same on
 * every CPU of the host, as read at load time.
 *
 * Features: only those a guest here can use. Leaves describing what the
 * module does not offer (MONITOR/MWAIT, power management, performance
 * monitoring, XSAVE, RDT, SGX, processor trace, key locker, hybrid core
 * types, AMX, ...) are zero, which each of them defines as "none", and
 * leaf 1, 7 and 0x80000001 feature bits of instructions and MSRs the
 * guest would get #UD or #GP for are cleared.
 *
 * Leaves out of range: as the SDM says for Intel processors, a leaf above
 * the highest basic leaf (outside the hypervisor range) or above the
 * highest extended leaf returns the highest basic leaf's data.
 */
#include <linux/bits.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "cpuid.h"

#define EAX	ALTP2M_CPUID_EAX
#define EBX	ALTP2M_CPUID_EBX
#define ECX	ALTP2M_CPUID_ECX
#define EDX	ALTP2M_CPUID_EDX

/*
 * Leaf 1 ECX: MONITOR, VMX, SMX, EST, TM2, SDBG, FMA, PDCM, DCA, x2APIC,
 * TSC deadline, XSAVE, OSXSAVE, AVX, F16C (no XSAVE state, no MWAIT, no
 * nested VMX, no APIC or thermal MSRs).
 */
#define ALTP2M_1_ECX_DROP	(BIT(3) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | \
				 BIT(11) | BIT(12) | BIT(15) | BIT(18) |	\
				 BIT(21) | BIT(24) | BIT(26) | BIT(27) |	\
				 BIT(28) | BIT(29))
#define ALTP2M_1_ECX_HYPERVISOR	BIT(31)
/* Leaf 1 EDX: DS, ACPI, HTT, TM, PBE. */
#define ALTP2M_1_EDX_DROP	(BIT(21) | BIT(22) | BIT(28) | BIT(29) | BIT(31))
/* Leaf 1 EBX: brand index and CLFLUSH size stay; 23:16 and 31:24 not. */
#define ALTP2M_1_EBX_KEEP	0xffffU
#define ALTP2M_1_EBX_ONE_CPU	BIT(16)
#define ALTP2M_1_EBX_APIC_SHIFT	24

/*
 * Leaf 4 EAX: 31:26 cores per package - 1 and 25:14 logical processors
 * sharing the cache - 1 go; type, level and the rest stay.
 */
#define ALTP2M_4_EAX_KEEP	0x3fffU
#define ALTP2M_4_TYPE		0x1fU

/*
 * Leaf 7.0 EBX: SGX, AVX2, RDT-M, MPX, RDT-A, AVX-512 (F, DQ, IFMA, PF,
 * ER, CD, BW, VL), PT.
 */
#define ALTP2M_7_EBX_DROP	(BIT(2) | BIT(5) | BIT(12) | BIT(14) |	\
				 BIT(15) | BIT(16) | BIT(17) | BIT(21) |	\
				 BIT(25) | BIT(26) | BIT(27) | BIT(28) |	\
				 BIT(30) | BIT(31))
/*
 * Leaf 7.0 ECX: AVX512_VBMI, PKU, OSPKE, WAITPKG, AVX512_VBMI2, CET_SS,
 * VAES, VPCLMULQDQ, AVX512_VNNI, AVX512_BITALG, TME, AVX512_VPOPCNTDQ,
 * LA57, RDPID, KL, ENQCMD, SGX_LC.
 */
#define ALTP2M_7_ECX_DROP	(BIT(1) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | \
				 BIT(7) | BIT(9) | BIT(10) | BIT(11) |	\
				 BIT(12) | BIT(13) | BIT(14) | BIT(16) |	\
				 BIT(22) | BIT(23) | BIT(29) | BIT(30))
/*
 * Leaf 7.0 EDX: AVX512_4VNNIW, AVX512_4FMAPS, hybrid, PCONFIG, arch LBR,
 * CET_IBT, AMX (BF16, TILE, INT8), AVX512_FP16, and the speculation
 * control MSRs the guest cannot reach (IBRS/IBPB, STIBP, L1D_FLUSH,
 * ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD).
 */
#define ALTP2M_7_EDX_DROP	(BIT(2) | BIT(3) | BIT(15) | BIT(18) |	\
				 BIT(19) | BIT(20) | BIT(22) | BIT(23) |	\
				 BIT(24) | BIT(25) | BIT(26) | BIT(27) |	\
				 BIT(28) | BIT(29) | BIT(30) | BIT(31))

/* 0x80000001: LAHF, LZCNT, PREFETCHW; SYSCALL, NX, 1 GiB pages, LM. */
#define ALTP2M_X1_ECX_KEEP	(BIT(0) | BIT(5) | BIT(8))
#define ALTP2M_X1_EDX_KEEP	(BIT(11) | BIT(20) | BIT(26) | BIT(29))
/* 0x80000007 EDX: invariant TSC. */
#define ALTP2M_X7_EDX_KEEP	BIT(8)

/* Leaves 0xB and 0x1F: level types in ECX[15:8]. */
#define ALTP2M_TOPO_SMT		1
#define ALTP2M_TOPO_CORE	2

static void altp2m_cpuid_basic_leaf(struct altp2m_cpuid_table *t, u32 leaf,
				    const u32 *r)
{
	u32 *o = t->basic[leaf];

	switch (leaf) {
	case 0:
		o[EAX] = t->max_basic;
		o[EBX] = r[EBX];
		o[ECX] = r[ECX];
		o[EDX] = r[EDX];
		break;
	case 1:
		o[EAX] = r[EAX];
		o[EBX] = (r[EBX] & ALTP2M_1_EBX_KEEP) | ALTP2M_1_EBX_ONE_CPU;
		o[ECX] = (r[ECX] & ~ALTP2M_1_ECX_DROP) | ALTP2M_1_ECX_HYPERVISOR;
		o[EDX] = r[EDX] & ~ALTP2M_1_EDX_DROP;
		break;
	case 2:		/* cache and TLB descriptors: sizes only */
	case 0x15:	/* TSC and crystal clock ratio */
	case 0x16:	/* nominal frequencies */
		memcpy(o, r, sizeof(t->basic[leaf]));
		break;
	case 7:		/* subleaf 0 only: EAX (the last subleaf) is 0 */
		o[EBX] = r[EBX] & ~ALTP2M_7_EBX_DROP;
		o[ECX] = r[ECX] & ~ALTP2M_7_ECX_DROP;
		o[EDX] = r[EDX] & ~ALTP2M_7_EDX_DROP;
		break;
	default:	/* not offered, or computed per vCPU (4, 0xB, 0x1F) */
		break;
	}
}

static void altp2m_cpuid_ext_leaf(struct altp2m_cpuid_table *t, u32 leaf,
				  const u32 *r)
{
	u32 *o = t->ext[leaf - ALTP2M_CPUID_EXT_BASE];

	switch (leaf) {
	case ALTP2M_CPUID_EXT_BASE:
		o[EAX] = t->max_ext;
		break;
	case 0x80000001:
		o[ECX] = r[ECX] & ALTP2M_X1_ECX_KEEP;
		o[EDX] = r[EDX] & ALTP2M_X1_EDX_KEEP;
		break;
	case 0x80000002:	/* the brand string */
	case 0x80000003:
	case 0x80000004:
	case 0x80000006:	/* L2 line size, ways and size */
		memcpy(o, r, sizeof(t->ext[0]));
		break;
	case 0x80000007:
		o[EDX] = r[EDX] & ALTP2M_X7_EDX_KEEP;
		break;
	case 0x80000008:	/* physical and linear address bits */
		o[EAX] = r[EAX] & 0xffffU;
		break;
	default:
		break;
	}
}

/**
 * altp2m_cpuid_build - snapshot and filter the host's CPUID
 * @t: the table to fill
 * @host: reads one host leaf
 * @opaque: for @host
 */
void altp2m_cpuid_build(struct altp2m_cpuid_table *t,
			altp2m_cpuid_host_fn host, void *opaque)
{
	u32 r[ALTP2M_CPUID_NR_REGS], leaf, i;

	memset(t, 0, sizeof(*t));
	host(opaque, 0, 0, r);
	t->max_basic = r[EAX] < ALTP2M_CPUID_MAX_BASIC ? r[EAX] :
		       ALTP2M_CPUID_MAX_BASIC;
	for (leaf = 0; leaf <= t->max_basic; leaf++) {
		if (leaf)
			host(opaque, leaf, 0, r);
		altp2m_cpuid_basic_leaf(t, leaf, r);
	}
	for (i = 0; t->max_basic >= 4 && i < ALTP2M_CPUID_MAX_CACHES; i++) {
		host(opaque, 4, i, r);
		if (!(r[EAX] & ALTP2M_4_TYPE))
			break;
		t->cache[i][EAX] = r[EAX] & ALTP2M_4_EAX_KEEP;
		t->cache[i][EBX] = r[EBX];
		t->cache[i][ECX] = r[ECX];
		t->cache[i][EDX] = r[EDX];
	}

	host(opaque, ALTP2M_CPUID_EXT_BASE, 0, r);
	if (r[EAX] < ALTP2M_CPUID_EXT_BASE)
		return;		/* no extended leaves: max_ext stays 0 */
	t->max_ext = r[EAX] < ALTP2M_CPUID_MAX_EXT ? r[EAX] : ALTP2M_CPUID_MAX_EXT;
	for (leaf = ALTP2M_CPUID_EXT_BASE; leaf <= t->max_ext; leaf++) {
		if (leaf != ALTP2M_CPUID_EXT_BASE)
			host(opaque, leaf, 0, r);
		altp2m_cpuid_ext_leaf(t, leaf, r);
	}
}

/* Leaves 0xB and 0x1F: a thread level and a core level of one each. */
static void altp2m_cpuid_topology(u32 apic_id, u32 subleaf, u32 *out)
{
	out[ECX] = subleaf & 0xff;
	out[EDX] = apic_id;
	if (subleaf == 0)
		out[ECX] |= ALTP2M_TOPO_SMT << 8;
	else if (subleaf == 1)
		out[ECX] |= ALTP2M_TOPO_CORE << 8;
	else
		return;		/* an invalid level: EAX = EBX = 0 */
	/* No bits of the APIC ID below the package: EAX[4:0] = 0. */
	out[EBX] = 1;
}

/**
 * altp2m_cpuid_guest - what CPUID returns in a guest
 * @t: from altp2m_cpuid_build()
 * @apic_id: the vCPU's APIC ID (its id)
 * @leaf: EAX at the CPUID
 * @subleaf: ECX at the CPUID
 * @out: EAX, EBX, ECX, EDX to return
 */
void altp2m_cpuid_guest(const struct altp2m_cpuid_table *t, u32 apic_id,
			u32 leaf, u32 subleaf, u32 out[ALTP2M_CPUID_NR_REGS])
{
	memset(out, 0, ALTP2M_CPUID_NR_REGS * sizeof(*out));

	if (leaf >= ALTP2M_CPUID_HV_BASE && leaf <= ALTP2M_CPUID_HV_LAST) {
		/* Our signature, "altp2maltp2m" in EBX, ECX, EDX. */
		if (leaf == ALTP2M_CPUID_HV_BASE) {
			out[EAX] = ALTP2M_CPUID_HV_BASE;
			out[EBX] = 0x70746c61;
			out[ECX] = 0x61326d70;
			out[EDX] = 0x00006d32;
		}
		return;
	}
	if (leaf >= ALTP2M_CPUID_EXT_BASE && t->max_ext &&
	    leaf <= t->max_ext) {
		memcpy(out, t->ext[leaf - ALTP2M_CPUID_EXT_BASE],
		       sizeof(t->ext[0]));
		return;
	}
	if (leaf > t->max_basic)
		leaf = t->max_basic;

	switch (leaf) {
	case 4:
		if (subleaf < ALTP2M_CPUID_MAX_CACHES)
			memcpy(out, t->cache[subleaf], sizeof(t->cache[0]));
		break;
	case 7:
		if (!subleaf)
			memcpy(out, t->basic[7], sizeof(t->basic[0]));
		break;
	case 0xb:
	case 0x1f:
		altp2m_cpuid_topology(apic_id, subleaf, out);
		break;
	default:
		memcpy(out, t->basic[leaf], sizeof(t->basic[0]));
		if (leaf == 1)
			out[EBX] |= apic_id << ALTP2M_1_EBX_APIC_SHIFT;
		break;
	}
}
