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
 * monitoring, RDT, SGX, processor trace, key locker, hybrid core types,
 * AMX, ...) are zero, which each of them defines as "none", and
 * leaf 1, 7 and 0x80000001 feature bits of instructions and MSRs the
 * guest would get #UD or #GP for are cleared. What the module emulates
 * itself is set whatever the host has: IA32_TSC_ADJUST, and in a VM with
 * the in-kernel local APIC the APIC, x2APIC and TSC-deadline bits.
 *
 * XSAVE: where the module switches XCR0 (vmx/state.c), XSAVE, AVX and
 * the AVX-encoded FMA, F16C and AVX2 stay, with leaf 0xD limited to the
 * x87, SSE and AVX components and XSAVEOPT (no XSAVES: IA32_XSS is not
 * virtualised; no XSAVEC, whose compacted sizes would follow XCR0 too).
 * OSXSAVE and the size of the enabled components (0xD.0 EBX) are the
 * vCPU's, computed when it asks.
 *
 * The TSC: leaf 0x15 says the guest's TSC runs at EBX/EAX times the
 * crystal clock in ECX, which is the local APIC timer's clock. Linux
 * computes its TSC frequency from it as crystal kHz * EBX / EAX in 32-bit
 * arithmetic (native_calibrate_tsc()), so EBX is kept below 2^32 divided
 * by the crystal's kHz, and the ratio is the closest fraction to the
 * host's TSC frequency under that bound.
 *
 * Leaves out of range: as the SDM says for Intel processors, a leaf above
 * the highest basic leaf (outside the hypervisor range) or above the
 * highest extended leaf returns the highest basic leaf's data.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "cpuid.h"

#define EAX	ALTP2M_CPUID_EAX
#define EBX	ALTP2M_CPUID_EBX
#define ECX	ALTP2M_CPUID_ECX
#define EDX	ALTP2M_CPUID_EDX

/*
 * Leaf 1 ECX: DTES64, MONITOR, DS-CPL, VMX, SMX, EST, TM2, SDBG, FMA,
 * xTPR, PDCM, PCID, DCA, x2APIC, TSC deadline, XSAVE, OSXSAVE, AVX, F16C
 * (no debug store, no MWAIT, no nested VMX, no PCIDs: CR4 refuses PCIDE,
 * no thermal MSRs; the APIC bits are per VM, OSXSAVE per vCPU, and the
 * XSAVE ones come back with XSAVE).
 */
#define ALTP2M_1_ECX_DROP	(BIT(2) | BIT(3) | BIT(4) | BIT(5) |	\
				 BIT(6) | BIT(7) | BIT(8) | BIT(11) |	\
				 BIT(12) | BIT(14) | BIT(15) | BIT(17) |	\
				 BIT(18) | BIT(21) | BIT(24) | BIT(26) |	\
				 BIT(27) | BIT(28) | BIT(29))
/*
 * Leaf 1 EDX: MCE, APIC (per VM), MCA, PSN, DS, ACPI, HTT, TM, PBE (no
 * machine-check MSRs, no serial number, no debug store).
 */
#define ALTP2M_1_EDX_DROP	(BIT(7) | BIT(9) | BIT(14) | BIT(18) |	\
				 BIT(21) | BIT(22) | BIT(28) | BIT(29) |	\
				 BIT(31))
/* Leaf 1 EBX: brand index and CLFLUSH size stay; 23:16 and 31:24 not. */
/* Leaf 1 ECX: XSAVE; FMA, AVX, F16C with AVX state. */
#define ALTP2M_1_ECX_XSAVE	BIT(26)
#define ALTP2M_1_ECX_AVX	(BIT(12) | BIT(28) | BIT(29))
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
 * Leaf 7.0 EBX: SGX, AVX2, INVPCID (its VM-execution control is off),
 * RDT-M, MPX, RDT-A, AVX-512 (F, DQ, IFMA, PF, ER, CD, BW, VL), PT.
 */
#define ALTP2M_7_EBX_DROP	(BIT(2) | BIT(5) | BIT(10) | BIT(12) |	\
				 BIT(14) | BIT(15) | BIT(16) | BIT(17) |	\
				 BIT(21) | BIT(25) | BIT(26) | BIT(27) |	\
				 BIT(28) | BIT(30) | BIT(31))
/* Leaf 7.0 EBX: IA32_TSC_ADJUST, emulated (state.c). */
#define ALTP2M_7_EBX_TSC_ADJUST	BIT(1)
/* Leaf 7.0 EBX: AVX2, with AVX state. */
#define ALTP2M_7_EBX_AVX2	BIT(5)
/* Leaf 0xD.1 EAX: XSAVEOPT. */
#define ALTP2M_D1_EAX_KEEP	BIT(0)
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
 * control MSRs, which are not virtualised (IBRS/IBPB, STIBP, L1D_FLUSH,
 * ARCH_CAPABILITIES, CORE_CAPABILITIES, SSBD): the guest gets #GP for
 * them and must not think it has them.
 */
#define ALTP2M_7_EDX_DROP	(BIT(2) | BIT(3) | BIT(15) | BIT(18) |	\
				 BIT(19) | BIT(20) | BIT(22) | BIT(23) |	\
				 BIT(24) | BIT(25) | BIT(26) | BIT(27) |	\
				 BIT(28) | BIT(29) | BIT(30) | BIT(31))

/* 0x80000001: LAHF, LZCNT, PREFETCHW; SYSCALL, NX, 1 GiB pages, LM. */
#define ALTP2M_X1_ECX_KEEP	(BIT(0) | BIT(5) | BIT(8))
#define ALTP2M_X1_EDX_KEEP	(BIT(11) | BIT(20) | BIT(26) | BIT(29))
/* ... and RDTSCP where IA32_TSC_AUX is virtualised. */
#define ALTP2M_X1_EDX_RDTSCP	BIT(27)
/* 0x80000007 EDX: invariant TSC. */
#define ALTP2M_X7_EDX_KEEP	BIT(8)

/* Leaves 0xB and 0x1F: level types in ECX[15:8]; three subleaves. */
#define ALTP2M_TOPO_SMT		1
#define ALTP2M_TOPO_CORE	2
#define ALTP2M_TOPO_LEVELS	3

/* The hypervisor signature "altp2maltp2m", EBX, ECX, EDX. */
#define ALTP2M_HV_SIG_EBX	0x70746c61	/* "altp" */
#define ALTP2M_HV_SIG_ECX	0x6c616d32	/* "2mal" */
#define ALTP2M_HV_SIG_EDX	0x6d327074	/* "tp2m" */

static void altp2m_cpuid_basic_leaf(struct altp2m_cpuid_table *t, u32 leaf,
				    const u32 *r, u64 xcr0)
{
	u32 *o = t->basic[leaf];
	u32 ecx_keep = (xcr0 ? ALTP2M_1_ECX_XSAVE : 0) |
		       (xcr0 & ALTP2M_XCR0_AVX ? ALTP2M_1_ECX_AVX : 0);

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
		o[ECX] = (r[ECX] & (~ALTP2M_1_ECX_DROP | ecx_keep)) |
			 ALTP2M_CPUID_1_ECX_HYPERVISOR;
		o[EDX] = r[EDX] & ~ALTP2M_1_EDX_DROP;
		break;
	case 2:		/* cache and TLB descriptors: sizes only */
		memcpy(o, r, sizeof(t->basic[leaf]));
		break;
	case 7:		/* subleaf 0 only: EAX (the last subleaf) is 0 */
		o[EBX] = (r[EBX] & (~ALTP2M_7_EBX_DROP |
				    (xcr0 & ALTP2M_XCR0_AVX ?
				     ALTP2M_7_EBX_AVX2 : 0))) |
			 ALTP2M_7_EBX_TSC_ADJUST;
		o[ECX] = r[ECX] & ~ALTP2M_7_ECX_DROP;
		o[EDX] = r[EDX] & ~ALTP2M_7_EDX_DROP;
		break;
	default:	/* not offered, per vCPU (0xB, 0x1F), or 0x15/0x16 */
		break;
	}
}

static void altp2m_cpuid_ext_leaf(struct altp2m_cpuid_table *t, u32 leaf,
				  const u32 *r, bool rdtscp)
{
	u32 *o = t->ext[leaf - ALTP2M_CPUID_EXT_BASE];

	switch (leaf) {
	case ALTP2M_CPUID_EXT_BASE:
		o[EAX] = t->max_ext;
		break;
	case 0x80000001:
		o[ECX] = r[ECX] & ALTP2M_X1_ECX_KEEP;
		o[EDX] = r[EDX] & (ALTP2M_X1_EDX_KEEP |
				   (rdtscp ? ALTP2M_X1_EDX_RDTSCP : 0));
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

static u64 altp2m_cpuid_absdiff(u64 a, u64 b)
{
	return a > b ? a - b : b - a;
}

/**
 * altp2m_cpuid_tsc_ratio - leaf 0x15's EBX/EAX for a TSC frequency
 * @tsc_khz: the TSC's frequency
 * @crystal_hz: the crystal clock (leaf 0x15 ECX), at least 1 kHz
 * @num: EBX: the numerator, at most 2^32 - 1 divided by the crystal's kHz
 * @den: EAX: the denominator, not 0
 *
 * The closest fraction to @tsc_khz / (@crystal_hz / 1000) whose numerator
 * stays under the bound: the last convergent of the continued fraction
 * within it, or the semiconvergent after it where that is closer.
 */
void altp2m_cpuid_tsc_ratio(u32 tsc_khz, u32 crystal_hz, u32 *num, u32 *den)
{
	u64 p = tsc_khz, q = crystal_hz / 1000, max = 0xffffffffULL / q;
	u64 h0 = 0, h1 = 1, k0 = 1, k1 = 0, a, m, h, k, r;
	u64 p0 = p, q0 = q;

	while (q) {
		a = p / q;
		if (a * h1 + h0 > max) {
			/* The largest step that fits, if it beats h1/k1. */
			m = (max - h0) / h1;
			h = m * h1 + h0;
			k = m * k1 + k0;
			if (m && altp2m_cpuid_absdiff(h * q0, p0 * k) * k1 <
			    altp2m_cpuid_absdiff(h1 * q0, p0 * k1) * k) {
				h1 = h;
				k1 = k;
			}
			break;
		}
		h = a * h1 + h0;
		k = a * k1 + k0;
		h0 = h1;
		h1 = h;
		k0 = k1;
		k1 = k;
		r = p % q;
		p = q;
		q = r;
	}
	if (!k1 || !h1) {
		/* Slower than the bound can say: the smallest nonzero ratio. */
		h1 = 1;
		k1 = q0 / (p0 ?: 1) ?: 1;
	}
	*num = h1;
	*den = k1;
}

/*
 * Leaves 0x15 and 0x16 from the TSC frequency: EBX/EAX and the crystal,
 * and the nominal frequency in MHz (no bus frequency).
 */
static void altp2m_cpuid_tsc_leaves(struct altp2m_cpuid_table *t,
				    const struct altp2m_cpuid_opts *o)
{
	u32 *l15 = t->basic[ALTP2M_CPUID_TSC_LEAF];

	if (!o->tsc_khz || o->crystal_hz < 1000)
		return;
	altp2m_cpuid_tsc_ratio(o->tsc_khz, o->crystal_hz, &l15[EBX],
			       &l15[EAX]);
	l15[ECX] = o->crystal_hz;
	if (t->max_basic >= ALTP2M_CPUID_FREQ_LEAF) {
		t->basic[ALTP2M_CPUID_FREQ_LEAF][EAX] = o->tsc_khz / 1000;
		t->basic[ALTP2M_CPUID_FREQ_LEAF][EBX] = o->tsc_khz / 1000;
	}
}

/*
 * Leaf 0xD for @xcr0 (x87, SSE, AVX at most): the components and the
 * largest size they need (0xD.0 EBX is per vCPU), XSAVEOPT, and the AVX
 * component's size and offset from the host.
 */
static void altp2m_cpuid_xsave_leaves(struct altp2m_cpuid_table *t,
				      altp2m_cpuid_host_fn host, void *opaque,
				      u64 xcr0)
{
	u32 r[ALTP2M_CPUID_NR_REGS], *x = t->xsave[0];

	if (!xcr0 || t->max_basic < ALTP2M_CPUID_XSAVE_LEAF)
		return;
	x[EAX] = xcr0;
	x[ECX] = ALTP2M_XSAVE_BASE_SIZE;
	host(opaque, ALTP2M_CPUID_XSAVE_LEAF, 1, r);
	t->xsave[1][EAX] = r[EAX] & ALTP2M_D1_EAX_KEEP;
	if (!(xcr0 & ALTP2M_XCR0_AVX))
		return;
	host(opaque, ALTP2M_CPUID_XSAVE_LEAF, 2, r);
	t->xsave[2][EAX] = r[EAX];	/* size */
	t->xsave[2][EBX] = r[EBX];	/* offset */
	if (r[EAX] + r[EBX] > x[ECX])
		x[ECX] = r[EAX] + r[EBX];
}

/**
 * altp2m_cpuid_build - snapshot and filter the host's CPUID
 * @t: the table to fill
 * @host: reads one host leaf
 * @opaque: for @host
 * @opts: the TSC and what else the module virtualises
 */
void altp2m_cpuid_build(struct altp2m_cpuid_table *t,
			altp2m_cpuid_host_fn host, void *opaque,
			const struct altp2m_cpuid_opts *opts)
{
	u32 r[ALTP2M_CPUID_NR_REGS], leaf, i, host_max;

	memset(t, 0, sizeof(*t));
	host(opaque, 0, 0, r);
	host_max = r[EAX];
	t->max_basic = host_max < ALTP2M_CPUID_MAX_BASIC ? host_max :
		       ALTP2M_CPUID_MAX_BASIC;
	/*
	 * Leaf 0x15 is the guest's TSC frequency, whatever the host has, and
	 * 0x16 its nominal frequency: Linux asks 0x16 first and, without
	 * it, times the TSC against the PIT (seconds of port exits, and a
	 * failure here, where there is no PIT) before it reads 0x15.
	 */
	if (opts->tsc_khz && t->max_basic < ALTP2M_CPUID_FREQ_LEAF)
		t->max_basic = ALTP2M_CPUID_FREQ_LEAF;
	for (leaf = 0; leaf <= t->max_basic; leaf++) {
		if (leaf && leaf > host_max)
			memset(r, 0, sizeof(r));
		else if (leaf)
			host(opaque, leaf, 0, r);
		altp2m_cpuid_basic_leaf(t, leaf, r, opts->xcr0_mask);
	}
	for (i = 0; host_max >= 4 && i < ALTP2M_CPUID_MAX_CACHES; i++) {
		host(opaque, 4, i, r);
		if (!(r[EAX] & ALTP2M_4_TYPE))
			break;
		t->cache[i][EAX] = r[EAX] & ALTP2M_4_EAX_KEEP;
		t->cache[i][EBX] = r[EBX];
		t->cache[i][ECX] = r[ECX];
		t->cache[i][EDX] = r[EDX];
	}
	t->nr_caches = i;
	altp2m_cpuid_tsc_leaves(t, opts);
	altp2m_cpuid_xsave_leaves(t, host, opaque, opts->xcr0_mask);

	host(opaque, ALTP2M_CPUID_EXT_BASE, 0, r);
	if (r[EAX] < ALTP2M_CPUID_EXT_BASE)
		return;		/* no extended leaves: max_ext stays 0 */
	t->max_ext = r[EAX] < ALTP2M_CPUID_MAX_EXT ? r[EAX] : ALTP2M_CPUID_MAX_EXT;
	for (leaf = ALTP2M_CPUID_EXT_BASE; leaf <= t->max_ext; leaf++) {
		if (leaf != ALTP2M_CPUID_EXT_BASE)
			host(opaque, leaf, 0, r);
		altp2m_cpuid_ext_leaf(t, leaf, r, opts->rdtscp);
	}
}

static struct altp2m_cpuid_entry *
altp2m_cpuid_put(struct altp2m_cpuid_entry *e, u32 function, int index,
		 const u32 *regs)
{
	memset(e, 0, sizeof(*e));
	e->function = function;
	if (index >= 0) {
		e->index = index;
		e->flags = ALTP2M_CPUID_INDEXED;
	}
	if (regs) {
		e->eax = regs[EAX];
		e->ebx = regs[EBX];
		e->ecx = regs[ECX];
		e->edx = regs[EDX];
	}
	return e + 1;
}

/* Leaves 0xB and 0x1F: a thread level and a core level of one each. */
static void altp2m_cpuid_topology(u32 subleaf, u32 *out)
{
	memset(out, 0, ALTP2M_CPUID_NR_REGS * sizeof(*out));
	out[ECX] = subleaf & 0xff;
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
 * altp2m_cpuid_supported - the supported table (GET_SUPPORTED_CPUID)
 * @t: from altp2m_cpuid_build()
 * @lapic: for a VM with the in-kernel local APIC
 * @ent: room for ALTP2M_MAX_CPUID_ENTRIES entries
 *
 * Every leaf up to the highest basic and extended ones and the hypervisor
 * leaf, leaves with subleaves (4, 7, 0xB, 0x1F) by subleaf. The APIC IDs
 * are 0: each vCPU's goes in when it asks (altp2m_cpuid_answer()).
 *
 * Return: the number of entries written.
 */
unsigned int altp2m_cpuid_supported(const struct altp2m_cpuid_table *t,
				    bool lapic,
				    struct altp2m_cpuid_entry *ent)
{
	struct altp2m_cpuid_entry *e = ent;
	u32 r[ALTP2M_CPUID_NR_REGS], leaf, i;
	static const u32 hv[ALTP2M_CPUID_NR_REGS] = {
		ALTP2M_CPUID_HV_BASE, ALTP2M_HV_SIG_EBX, ALTP2M_HV_SIG_ECX,
		ALTP2M_HV_SIG_EDX,
	};

	for (leaf = 0; leaf <= t->max_basic; leaf++) {
		switch (leaf) {
		case 1:
			memcpy(r, t->basic[1], sizeof(r));
			if (lapic) {
				r[EDX] |= ALTP2M_CPUID_1_EDX_APIC;
				r[ECX] |= ALTP2M_CPUID_1_ECX_X2APIC |
					  ALTP2M_CPUID_1_ECX_DEADLINE;
			}
			e = altp2m_cpuid_put(e, leaf, -1, r);
			break;
		case 4:
			for (i = 0; i < t->nr_caches; i++)
				e = altp2m_cpuid_put(e, leaf, i, t->cache[i]);
			break;
		case 7:
			e = altp2m_cpuid_put(e, leaf, 0, t->basic[leaf]);
			break;
		case ALTP2M_CPUID_XSAVE_LEAF:
			for (i = 0; i < ALTP2M_CPUID_XSAVE_SUBLEAVES; i++)
				e = altp2m_cpuid_put(e, leaf, i, t->xsave[i]);
			break;
		case 0xb:
		case 0x1f:
			for (i = 0; i < ALTP2M_TOPO_LEVELS; i++) {
				altp2m_cpuid_topology(i, r);
				e = altp2m_cpuid_put(e, leaf, i, r);
			}
			break;
		default:
			e = altp2m_cpuid_put(e, leaf, -1, t->basic[leaf]);
			break;
		}
	}
	e = altp2m_cpuid_put(e, ALTP2M_CPUID_HV_BASE, -1, hv);
	for (leaf = ALTP2M_CPUID_EXT_BASE; t->max_ext && leaf <= t->max_ext;
	     leaf++)
		e = altp2m_cpuid_put(e, leaf, -1,
				     t->ext[leaf - ALTP2M_CPUID_EXT_BASE]);
	return e - ent;
}

/* The first entry answering @leaf/@subleaf, or NULL. */
static const struct altp2m_cpuid_entry *
altp2m_cpuid_find(const struct altp2m_cpuid_entry *ent, unsigned int n,
		  u32 leaf, u32 subleaf)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (ent[i].function == leaf &&
		    (!(ent[i].flags & ALTP2M_CPUID_INDEXED) ||
		     ent[i].index == subleaf))
			return &ent[i];
	return NULL;
}

static void altp2m_cpuid_regs(const struct altp2m_cpuid_entry *e, u32 *out)
{
	memset(out, 0, ALTP2M_CPUID_NR_REGS * sizeof(*out));
	if (!e)
		return;
	out[EAX] = e->eax;
	out[EBX] = e->ebx;
	out[ECX] = e->ecx;
	out[EDX] = e->edx;
}

/* Where every bit is a feature: leaves the VMM may only clear bits of. */
static u32 altp2m_cpuid_feature_regs(u32 leaf, u32 subleaf)
{
	switch (leaf) {
	case 1:
	case 0x80000001:
		return BIT(ECX) | BIT(EDX);
	case 7:
		return subleaf ? 0xf : BIT(EBX) | BIT(ECX) | BIT(EDX);
	case ALTP2M_CPUID_XSAVE_LEAF:	/* XCR0 bits; instructions */
		if (subleaf > 1)
			return 0;
		return subleaf ? BIT(EAX) : BIT(EAX) | BIT(EDX);
	case 5:		/* MONITOR/MWAIT */
	case 6:		/* thermal and power management */
	case 0xa:	/* performance monitoring */
		return 0xf;
	default:
		return 0;
	}
}

/* The module's own leaves: the VMM may leave them out, not change them. */
static bool altp2m_cpuid_fixed_leaf(u32 leaf)
{
	return leaf == ALTP2M_CPUID_TSC_LEAF ||
	       (leaf >= ALTP2M_CPUID_HV_BASE && leaf <= ALTP2M_CPUID_HV_LAST);
}

/**
 * altp2m_cpuid_check - may a VM answer with this table (SET_CPUID)?
 * @sup: the supported table for the VM
 * @nsup: its entries
 * @ent: the VMM's table
 * @n: its entries
 * @why: set to the reason on failure
 *
 * Each entry must be well-formed (flags, index and pad as the uAPI says);
 * feature registers may only clear bits of the supported table's (leaves
 * 1, 7, 0x80000001, the XCR0 bits and instructions of 0xD, and the leaves
 * of features the module does not virtualise: 5, 6, 0xA); the TSC leaf and the hypervisor leaves,
 * if present, are the module's exactly. Everything else (vendor, model,
 * cache descriptors, the highest leaves) is the VMM's to choose.
 *
 * Return: 0, or -EINVAL.
 */
int altp2m_cpuid_check(const struct altp2m_cpuid_entry *sup,
		       unsigned int nsup,
		       const struct altp2m_cpuid_entry *ent, unsigned int n,
		       const char **why)
{
	u32 s[ALTP2M_CPUID_NR_REGS], v[ALTP2M_CPUID_NR_REGS], regs;
	const struct altp2m_cpuid_entry *e;
	unsigned int i, r;

	for (i = 0; i < n; i++) {
		e = &ent[i];
		if (e->pad || (e->flags & ~ALTP2M_CPUID_INDEXED) ||
		    (!(e->flags & ALTP2M_CPUID_INDEXED) && e->index)) {
			*why = "malformed entry";
			return -EINVAL;
		}
		altp2m_cpuid_regs(altp2m_cpuid_find(sup, nsup, e->function,
						    e->index), s);
		altp2m_cpuid_regs(e, v);
		if (altp2m_cpuid_fixed_leaf(e->function) &&
		    memcmp(s, v, sizeof(s))) {
			*why = "the module's own leaf changed";
			return -EINVAL;
		}
		regs = altp2m_cpuid_feature_regs(e->function, e->index);
		for (r = 0; r < ALTP2M_CPUID_NR_REGS; r++) {
			if ((regs & BIT(r)) && (v[r] & ~s[r])) {
				*why = "feature not supported";
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* 0xD.0 EBX: the XSAVE area the enabled components need. */
static u32 altp2m_cpuid_xsave_size(const struct altp2m_cpuid_entry *ent,
				   unsigned int n, u64 xcr0)
{
	u32 r[ALTP2M_CPUID_NR_REGS], size = ALTP2M_XSAVE_BASE_SIZE, i;

	for (i = 2; i < 64; i++) {
		if (!(xcr0 & BIT_ULL(i)))
			continue;
		altp2m_cpuid_regs(altp2m_cpuid_find(ent, n,
						    ALTP2M_CPUID_XSAVE_LEAF, i),
				  r);
		if (r[EAX] + r[EBX] > size)
			size = r[EAX] + r[EBX];
	}
	return size;
}

/**
 * altp2m_cpuid_answer_vcpu - what CPUID returns in a guest
 * @ent: the VM's table
 * @n: its entries
 * @who: the vCPU's APIC ID, CR4.OSXSAVE and XCR0
 * @leaf: EAX at the CPUID
 * @subleaf: ECX at the CPUID
 * @out: EAX, EBX, ECX, EDX to return
 *
 * The first entry for the leaf (and subleaf, for indexed entries); a leaf
 * in range without one reads 0. The APIC ID is the vCPU's whatever the
 * table says, OSXSAVE is its CR4's, and the XSAVE size (0xD.0 EBX) is for
 * its XCR0.
 */
void altp2m_cpuid_answer_vcpu(const struct altp2m_cpuid_entry *ent,
			      unsigned int n, const struct altp2m_cpuid_vcpu *who,
			      u32 leaf, u32 subleaf,
			      u32 out[ALTP2M_CPUID_NR_REGS])
{
	const struct altp2m_cpuid_entry *e;
	u32 max_basic, max_ext;

	e = altp2m_cpuid_find(ent, n, 0, 0);
	max_basic = e ? e->eax : 0;
	if (leaf >= ALTP2M_CPUID_HV_BASE && leaf <= ALTP2M_CPUID_HV_LAST) {
		altp2m_cpuid_regs(altp2m_cpuid_find(ent, n, leaf, subleaf),
				  out);
		return;
	}
	if (leaf >= ALTP2M_CPUID_EXT_BASE) {
		e = altp2m_cpuid_find(ent, n, ALTP2M_CPUID_EXT_BASE, 0);
		max_ext = e ? e->eax : 0;
		if (max_ext < ALTP2M_CPUID_EXT_BASE || leaf > max_ext)
			leaf = max_basic;
	} else if (leaf > max_basic) {
		leaf = max_basic;
	}

	e = altp2m_cpuid_find(ent, n, leaf, subleaf);
	altp2m_cpuid_regs(e, out);
	switch (leaf) {
	case 1:
		out[EBX] = (out[EBX] & ~(0xffU << ALTP2M_1_EBX_APIC_SHIFT)) |
			   who->apic_id << ALTP2M_1_EBX_APIC_SHIFT;
		out[ECX] &= ~ALTP2M_CPUID_1_ECX_OSXSAVE;
		if (who->osxsave && (out[ECX] & ALTP2M_1_ECX_XSAVE))
			out[ECX] |= ALTP2M_CPUID_1_ECX_OSXSAVE;
		break;
	case 0xb:
	case 0x1f:
		/* ECX[7:0] echoes the level asked for, even a missing one. */
		if (!e)
			out[ECX] = subleaf & 0xff;
		out[EDX] = who->apic_id;
		break;
	case ALTP2M_CPUID_XSAVE_LEAF:
		if (!subleaf && out[EAX])
			out[EBX] = altp2m_cpuid_xsave_size(ent, n, who->xcr0);
		break;
	default:
		break;
	}
}

/**
 * altp2m_cpuid_answer - altp2m_cpuid_answer_vcpu() for a vCPU as at reset
 * @ent: the VM's table
 * @n: its entries
 * @apic_id: the vCPU's APIC ID
 * @leaf: EAX at the CPUID
 * @subleaf: ECX at the CPUID
 * @out: EAX, EBX, ECX, EDX to return
 *
 * CR4.OSXSAVE clear and XCR0 x87 only: for what does not depend on them.
 */
void altp2m_cpuid_answer(const struct altp2m_cpuid_entry *ent, unsigned int n,
			 u32 apic_id, u32 leaf, u32 subleaf,
			 u32 out[ALTP2M_CPUID_NR_REGS])
{
	const struct altp2m_cpuid_vcpu who = {
		.apic_id = apic_id, .xcr0 = ALTP2M_XCR0_FP,
	};

	altp2m_cpuid_answer_vcpu(ent, n, &who, leaf, subleaf, out);
}
