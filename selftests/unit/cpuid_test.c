// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/cpuid.c: the guest's CPUID built from a fake
 * host whose topology fields change from call to call, as they do when
 * the module's thread migrates between CPUs.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "../../kmod/core/cpuid.h"
#include "unit.h"

#define EAX	ALTP2M_CPUID_EAX
#define EBX	ALTP2M_CPUID_EBX
#define ECX	ALTP2M_CPUID_ECX
#define EDX	ALTP2M_CPUID_EDX

struct fake_host {
	u32 max_basic, max_ext;
	u32 apic_id;		/* of the CPU answering, changes per call */
	unsigned int calls;
};

static void fake_cpuid(void *opaque, u32 leaf, u32 subleaf, u32 *out)
{
	struct fake_host *h = opaque;

	h->calls++;
	h->apic_id = h->calls * 7;
	memset(out, 0, 4 * sizeof(*out));
	switch (leaf) {
	case 0:
		out[EAX] = h->max_basic;
		out[EBX] = 0x756e6547;	/* "GenuineIntel" */
		out[EDX] = 0x49656e69;
		out[ECX] = 0x6c65746e;
		break;
	case 1:
		out[EAX] = 0x306d4;
		/* APIC ID, 16 logical CPUs, CLFLUSH 8, brand 0 */
		out[EBX] = h->apic_id << 24 | 16 << 16 | 8 << 8;
		out[ECX] = 0xffffffff;
		out[EDX] = 0xffffffff;
		break;
	case 4:
		if (subleaf < 3) {
			/* level 1 + subleaf, 8 cores, 2 sharing, type 1 */
			out[EAX] = 7U << 26 | 1U << 14 | (1 + subleaf) << 5 | 1;
			out[EBX] = 0x01c0003f;
			out[ECX] = 0x3f + subleaf;
			out[EDX] = subleaf;
		}
		break;
	case 6:
	case 0xa:
		out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0xffffffff;
		break;
	case 0xd:
		/* x87, SSE, AVX, MPX, AVX-512; XSAVEOPT, XSAVEC, XSAVES. */
		if (subleaf == 0) {
			out[EAX] = 0xff;
			out[EBX] = out[ECX] = 2696;
		} else if (subleaf == 1) {
			out[EAX] = 0xf;
		} else if (subleaf == 2) {
			out[EAX] = 256;
			out[EBX] = 576;
		} else {
			out[EAX] = 64;
			out[EBX] = 960 + 64 * subleaf;
		}
		break;
	case 7:
		out[EAX] = subleaf ? 0 : 2;
		out[EBX] = out[ECX] = out[EDX] = 0xffffffff;
		break;
	case 0xb:
	case 0x1f:
		out[EAX] = subleaf < 2 ? 4 : 0;
		out[EBX] = subleaf < 2 ? 16 : 0;
		out[ECX] = subleaf | (subleaf < 2 ? (subleaf + 1) << 8 : 0);
		out[EDX] = h->apic_id;
		break;
	case 0x16:
		out[EAX] = 1100;
		break;
	case 0x80000000:
		out[EAX] = h->max_ext;
		break;
	case 0x80000001:
		out[ECX] = out[EDX] = 0xffffffff;
		break;
	case 0x80000002:
		out[EAX] = 0x65746e49;	/* "Inte" */
		break;
	case 0x80000008:
		out[EAX] = 0x3027;
		out[ECX] = 0xff;	/* AMD's core count: never passed */
		break;
	default:
		if (leaf > 0x80000008)
			out[EAX] = 0xdeadbeef;
		break;
	}
}

#define TSC_KHZ		2900000U
#define CRYSTAL_HZ	1000000000U

static struct altp2m_cpuid_table table;
static struct altp2m_cpuid_entry sup[ALTP2M_MAX_CPUID_ENTRIES];
static unsigned int nsup;
static struct altp2m_cpuid_entry sup_lapic[ALTP2M_MAX_CPUID_ENTRIES];
static unsigned int nsup_lapic;

static void build_opts(u32 max_basic, u32 max_ext, u32 tsc_khz, u64 xcr0)
{
	struct fake_host h = { .max_basic = max_basic, .max_ext = max_ext };
	struct altp2m_cpuid_opts o = {
		.tsc_khz = tsc_khz, .crystal_hz = CRYSTAL_HZ, .rdtscp = true,
		.xcr0_mask = xcr0,
	};

	altp2m_cpuid_build(&table, fake_cpuid, &h, &o);
	nsup = altp2m_cpuid_supported(&table, false, sup);
	nsup_lapic = altp2m_cpuid_supported(&table, true, sup_lapic);
	ck_assert_uint_le(nsup, ALTP2M_MAX_CPUID_ENTRIES);
	ck_assert_uint_eq(nsup, nsup_lapic);
}

static void build_tsc(u32 max_basic, u32 max_ext, u32 tsc_khz)
{
	build_opts(max_basic, max_ext, tsc_khz, 0);
}

static void build(u32 max_basic, u32 max_ext)
{
	build_tsc(max_basic, max_ext, TSC_KHZ);
}

static void altp2m_cpuid_guest(const struct altp2m_cpuid_table *t, u32 id,
			       u32 leaf, u32 subleaf, u32 *out)
{
	struct altp2m_cpuid_entry e[ALTP2M_MAX_CPUID_ENTRIES];
	unsigned int n = altp2m_cpuid_supported(t, false, e);

	altp2m_cpuid_answer(e, n, id, leaf, subleaf, out);
}

static void guest(u32 apic_id, u32 leaf, u32 subleaf, u32 *out)
{
	memset(out, 0xa5, 4 * sizeof(*out));
	altp2m_cpuid_answer(sup, nsup, apic_id, leaf, subleaf, out);
}

START_TEST(leaf1_apic_id_is_vcpu_id)
{
	u32 r[4], id;

	build(0x20, 0x80000008);
	for (id = 0; id < 64; id += 21) {
		guest(id, 1, 0, r);
		ck_assert_uint_eq(r[EAX], 0x306d4);
		ck_assert_uint_eq(r[EBX] >> 24, id);
		/* One logical processor, no HTT; CLFLUSH size kept. */
		ck_assert_uint_eq((r[EBX] >> 16) & 0xff, 1);
		ck_assert_uint_eq((r[EBX] >> 8) & 0xff, 8);
		ck_assert_uint_eq(r[EDX] & (1U << 28), 0);
		/* Hypervisor bit on, VMX, MONITOR, PCID and XSAVE off. */
		ck_assert_uint_ne(r[ECX] & (1U << 31), 0);
		ck_assert_uint_eq(r[ECX] & (1U << 5 | 1U << 3 | 1U << 17 |
					    1U << 26 | 1U << 27), 0);
		/* No APIC without the in-kernel one, no MCE/MCA. */
		ck_assert_uint_eq(r[EDX] & (1U << 9 | 1U << 7 | 1U << 14), 0);
		ck_assert_uint_eq(r[ECX] & (1U << 21 | 1U << 24), 0);
		/* TSC, MSR, MTRR, PAT stay. */
		ck_assert_uint_eq(r[EDX] & (1U << 4 | 1U << 5 | 1U << 12 |
					    1U << 16),
				  1U << 4 | 1U << 5 | 1U << 12 | 1U << 16);
	}
}
END_TEST

START_TEST(topology_leaves_synthetic)
{
	static const u32 leaves[] = { 0xb, 0x1f };
	u32 r[4], i;

	build(0x1f, 0x80000008);
	for (i = 0; i < 2; i++) {
		guest(5, leaves[i], 0, r);
		ck_assert_uint_eq(r[EAX], 0);
		ck_assert_uint_eq(r[EBX], 1);
		ck_assert_uint_eq(r[ECX], 1 << 8);
		ck_assert_uint_eq(r[EDX], 5);
		guest(5, leaves[i], 1, r);
		ck_assert_uint_eq(r[EAX], 0);
		ck_assert_uint_eq(r[EBX], 1);
		ck_assert_uint_eq(r[ECX], 2 << 8 | 1);
		ck_assert_uint_eq(r[EDX], 5);
		guest(5, leaves[i], 2, r);
		ck_assert_uint_eq(r[EAX], 0);
		ck_assert_uint_eq(r[EBX], 0);
		ck_assert_uint_eq(r[ECX], 2);
		ck_assert_uint_eq(r[EDX], 5);
	}
}
END_TEST

/* The host's caches without the sharing and core-count fields. */
START_TEST(caches_without_topology)
{
	u32 r[4], i;

	build(0x1f, 0x80000008);
	for (i = 0; i < 3; i++) {
		guest(0, 4, i, r);
		ck_assert_uint_eq(r[EAX], (1 + i) << 5 | 1);
		ck_assert_uint_eq(r[EBX], 0x01c0003f);
		ck_assert_uint_eq(r[ECX], 0x3f + i);
		ck_assert_uint_eq(r[EDX], i);
	}
	guest(0, 4, 3, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
	guest(0, 4, 1000, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
}
END_TEST

/* Leaves the module does not offer read as 0 ("none"). */
START_TEST(unoffered_leaves_zero)
{
	static const u32 zero[] = { 3, 5, 6, 0xa, 0xd, 0x12, 0x14, 0x1a };
	u32 r[4], i;

	build(0x1f, 0x80000008);
	for (i = 0; i < sizeof(zero) / sizeof(zero[0]); i++) {
		guest(0, zero[i], 0, r);
		ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
	}
	/* Leaf 7: subleaf 0 only, AVX2 and hybrid gone. */
	guest(0, 7, 0, r);
	ck_assert_uint_eq(r[EAX], 0);
	ck_assert_uint_eq(r[EBX] & (1U << 5), 0);
	ck_assert_uint_ne(r[EBX] & 1U, 0);		/* FSGSBASE stays */
	ck_assert_uint_eq(r[EDX] & (1U << 15), 0);
	/* TSC_ADJUST is emulated: on whatever the host says; INVPCID off. */
	ck_assert_uint_ne(r[EBX] & (1U << 1), 0);
	ck_assert_uint_eq(r[EBX] & (1U << 10), 0);
	guest(0, 7, 1, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
	guest(0, 0x80000001, 0, r);
	ck_assert_uint_eq(r[EDX], 1U << 11 | 1U << 20 | 1U << 26 | 1U << 27 |
			  1U << 29);
	guest(0, 0x80000008, 0, r);
	ck_assert_uint_eq(r[EAX], 0x3027);
	ck_assert_uint_eq(r[ECX], 0);
}
END_TEST

/* Max leaves are clamped; beyond them is the highest basic leaf. */
START_TEST(out_of_range_is_highest_basic)
{
	u32 r[4], top[4];

	build(0x20, 0x80000020);
	guest(0, 0, 0, r);
	ck_assert_uint_eq(r[EAX], ALTP2M_CPUID_MAX_BASIC);
	ck_assert_uint_eq(r[EBX], 0x756e6547);
	guest(0, 0x80000000, 0, r);
	ck_assert_uint_eq(r[EAX], ALTP2M_CPUID_MAX_EXT);

	guest(3, 0x1f, 1, top);
	guest(3, 0x20, 1, r);
	ck_assert_mem_eq(r, top, sizeof(r));
	guest(3, 0x3fffffff, 1, r);
	ck_assert_mem_eq(r, top, sizeof(r));
	guest(3, 0x40000100, 1, r);
	ck_assert_mem_eq(r, top, sizeof(r));
	guest(3, 0x80000009, 1, r);
	ck_assert_mem_eq(r, top, sizeof(r));
	guest(3, 0xffffffff, 1, r);
	ck_assert_mem_eq(r, top, sizeof(r));

	/* A host with fewer leaves: its own highest leaf is the top. */
	build(0x16, 0x80000008);
	guest(0, 0, 0, r);
	ck_assert_uint_eq(r[EAX], 0x16);
	guest(0, 0x1f, 0, r);
	ck_assert_uint_eq(r[EAX], TSC_KHZ / 1000);
	guest(0, 0xb, 0, r);
	ck_assert_uint_eq(r[EBX], 1);
}
END_TEST

START_TEST(hypervisor_leaves)
{
	u32 r[4];

	build(0x1f, 0x80000008);
	guest(0, 0x40000000, 0, r);
	ck_assert_uint_eq(r[EAX], 0x40000000);
	ck_assert_mem_eq(&r[EBX], "altp2maltp2m", 12);
	guest(0, 0x40000001, 0, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
	guest(0, 0x400000ff, 0, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
}
END_TEST

/* The answers depend on the vCPU only, not on which CPU built them. */
START_TEST(stable_across_builds)
{
	static const u32 leaves[] = { 0, 1, 2, 4, 7, 0xb, 0x1f, 0x80000001 };
	struct altp2m_cpuid_table first;
	u32 a[4], b[4], i, sub;

	build(0x1f, 0x80000008);
	first = table;
	build(0x1f, 0x80000008);
	ck_assert_mem_eq(&first, &table, sizeof(table));
	for (i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		for (sub = 0; sub < 3; sub++) {
			altp2m_cpuid_guest(&first, 9, leaves[i], sub, a);
			altp2m_cpuid_guest(&table, 9, leaves[i], sub, b);
			ck_assert_mem_eq(a, b, sizeof(a));
		}
	}
}
END_TEST

/* Linux's arithmetic (native_calibrate_tsc()): 32-bit, crystal in kHz. */
static unsigned long linux_tsc_khz(const u32 *r)
{
	unsigned int crystal_khz = r[ECX] / 1000;

	return crystal_khz * r[EBX] / r[EAX];
}

/*
 * The closest fraction whose numerator the guest can multiply by the
 * crystal's kHz in 32 bits, by brute force: for each numerator, the best
 * denominator is the nearest one.
 */
static double best_error(u32 khz, u32 max_num)
{
	double r = khz / (CRYSTAL_HZ / 1000.0), best = 1e9, e;
	u32 num, den;

	for (num = 1; num <= max_num; num++) {
		den = (u32)(num / r + 0.5);
		if (!den)
			continue;
		e = (double)num / den - r;
		e = e < 0 ? -e : e;
		if (e < best)
			best = e;
	}
	return best;
}

/* Leaf 0x15 gives Linux the TSC frequency, even past 4.29 GHz. */
START_TEST(tsc_leaf)
{
	static const u32 khz[] = {
		TSC_KHZ, 1000000, 2195012, 2593905, 3000000, 3000300, 3399999,
		4294967, 4500123, 5800000, 9999999, 12345,
	};
	u32 r[4], i, max_num = 0xffffffffU / (CRYSTAL_HZ / 1000);
	double err, best;

	for (i = 0; i < sizeof(khz) / sizeof(khz[0]); i++) {
		build_tsc(0x1f, 0x80000008, khz[i]);
		guest(0, 0x15, 0, r);
		ck_assert_uint_eq(r[ECX], CRYSTAL_HZ);
		ck_assert_uint_ne(r[EAX], 0);
		ck_assert_uint_ne(r[EBX], 0);
		/* No 32-bit overflow in the guest's multiplication. */
		ck_assert_uint_le(r[EBX], max_num);
		err = (double)r[EBX] / r[EAX] - khz[i] / 1e6;
		err = err < 0 ? -err : err;
		best = best_error(khz[i], max_num);
		ck_assert_msg(err <= best * (1 + 1e-9) + 1e-12,
			      "%u kHz: %u/%u is %g off, %g possible", khz[i],
			      r[EBX], r[EAX], err, best);
		/* What that costs: under 250 ppm for any TSC above 1 GHz. */
		if (khz[i] >= 1000000)
			ck_assert_msg(err * 1e6 / khz[i] * 1e6 < 250,
				      "%u kHz reported as %lu kHz", khz[i],
				      linux_tsc_khz(r));
	}
	/* Exact where a small fraction is. */
	build(0x1f, 0x80000008);
	guest(0, 0x15, 0, r);
	ck_assert_uint_eq(linux_tsc_khz(r), TSC_KHZ);
	ck_assert_uint_eq(r[EBX] * 10, r[EAX] * 29);

	/* A host whose leaves stop below 0x15 still gets it, and 0x16. */
	build(0xd, 0x80000008);
	guest(0, 0, 0, r);
	ck_assert_uint_eq(r[EAX], 0x16);
	guest(0, 0x15, 0, r);
	ck_assert_uint_eq(linux_tsc_khz(r), TSC_KHZ);
	guest(0, 0x16, 0, r);
	ck_assert_uint_eq(r[EAX], TSC_KHZ / 1000);
	guest(0, 0xe, 0, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);

	/* Unknown TSC: the leaf says nothing, Linux calibrates. */
	build_tsc(0x1f, 0x80000008, 0);
	guest(0, 0x15, 0, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
}
END_TEST

/* The APIC bits are in the table for VMs with the in-kernel APIC only. */
START_TEST(lapic_table_bits)
{
	u32 r[4], i;

	build(0x1f, 0x80000008);
	altp2m_cpuid_answer(sup_lapic, nsup_lapic, 3, 1, 0, r);
	ck_assert_uint_ne(r[EDX] & (1U << 9), 0);
	ck_assert_uint_ne(r[ECX] & (1U << 21), 0);
	ck_assert_uint_ne(r[ECX] & (1U << 24), 0);
	ck_assert_uint_eq(r[EBX] >> 24, 3);
	/* Everything else is the same table. */
	for (i = 0; i < nsup; i++) {
		if (sup[i].function == 1)
			continue;
		ck_assert_mem_eq(&sup[i], &sup_lapic[i], sizeof(sup[i]));
	}
}
END_TEST

static struct altp2m_cpuid_entry *entry(struct altp2m_cpuid_entry *e,
					unsigned int n, u32 function)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (e[i].function == function)
			return &e[i];
	ck_abort_msg("no entry %#x", function);
	return NULL;
}

/* SET_CPUID's rules: a subset of the features, the module's own leaves. */
START_TEST(check_vmm_table)
{
	struct altp2m_cpuid_entry t[ALTP2M_MAX_CPUID_ENTRIES];
	const char *why = NULL;
	u32 r[4];

	build(0x1f, 0x80000008);
	memcpy(t, sup, sizeof(t));
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why), 0);

	/* Fewer features and another model are the VMM's choice. */
	entry(t, nsup, 1)->ecx &= ~(1U << 31);
	entry(t, nsup, 1)->eax = 0x50654;
	entry(t, nsup, 0)->ebx = 0x12345678;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why), 0);

	/* A feature the module does not have: x2APIC without the APIC. */
	entry(t, nsup, 1)->ecx |= 1U << 21;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);
	ck_assert_str_eq(why, "feature not supported");
	ck_assert_int_eq(altp2m_cpuid_check(sup_lapic, nsup_lapic, t, nsup,
					    &why), 0);
	entry(t, nsup, 1)->ecx &= ~(1U << 21);
	/* VMX, a PMU, XSAVE state, MONITOR: never. */
	entry(t, nsup, 1)->ecx |= 1U << 5;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);
	entry(t, nsup, 1)->ecx &= ~(1U << 5);
	entry(t, nsup, 0xa)->eax = 4;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);
	entry(t, nsup, 0xa)->eax = 0;
	entry(t, nsup, 0xd)->eax = 7;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);
	entry(t, nsup, 0xd)->eax = 0;
	entry(t, nsup, 0x80000001)->edx |= 1U << 2;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);
	entry(t, nsup, 0x80000001)->edx &= ~(1U << 2);

	/* The TSC leaf and the signature are the module's. */
	entry(t, nsup, 0x15)->ebx++;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);
	ck_assert_str_eq(why, "the module's own leaf changed");
	entry(t, nsup, 0x15)->ebx--;
	entry(t, nsup, 0x40000000)->ecx = 0x4d564b4d;	/* "KVMKVMKVM" */
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);
	entry(t, nsup, 0x40000000)->ecx = sup[0].ecx;
	memcpy(entry(t, nsup, 0x40000000), entry(sup, nsup, 0x40000000),
	       sizeof(t[0]));

	/* Malformed entries. */
	t[0].pad = 1;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);
	ck_assert_str_eq(why, "malformed entry");
	t[0].pad = 0;
	t[0].flags = 2;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);
	t[0].flags = 0;
	t[0].index = 1;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);
	t[0].index = 0;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why), 0);

	/* What the VM then answers: the VMM's values, the vCPU's APIC ID. */
	entry(t, nsup, 1)->ebx = 0xff000000 | 0x10800;
	entry(t, nsup, 1)->ecx |= 1U << 27;	/* OSXSAVE: CR4's, not the VMM's */
	altp2m_cpuid_answer(t, nsup, 6, 1, 0, r);
	ck_assert_uint_eq(r[EAX], 0x50654);
	ck_assert_uint_eq(r[EBX], 6U << 24 | 0x10800);
	ck_assert_uint_eq(r[ECX] & (1U << 31 | 1U << 27), 0);
	altp2m_cpuid_answer(t, nsup, 6, 0, 0, r);
	ck_assert_uint_eq(r[EBX], 0x12345678);
	altp2m_cpuid_answer(t, nsup, 6, 0xb, 1, r);
	ck_assert_uint_eq(r[EDX], 6);
	altp2m_cpuid_answer(t, nsup, 6, 0xb, 9, r);
	ck_assert_uint_eq(r[ECX], 9);
	ck_assert_uint_eq(r[EDX], 6);
}
END_TEST

/* Unsorted tables with duplicates: the first entry for a leaf answers. */
START_TEST(answer_first_match)
{
	struct altp2m_cpuid_entry t[4] = {
		{ .function = 0x80000000, .eax = 0x80000001 },
		{ .function = 0x80000001, .edx = 1U << 20 },
		{ .function = 0, .eax = 1, .ebx = 0x11 },
		{ .function = 0, .eax = 1, .ebx = 0x22 },
	};
	const char *why;
	u32 r[4];

	build(0x1f, 0x80000008);
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, 4, &why), 0);
	altp2m_cpuid_answer(t, 4, 0, 0, 0, r);
	ck_assert_uint_eq(r[EBX], 0x11);
	/* Leaf 1 in range but absent: zeros, and the APIC ID. */
	altp2m_cpuid_answer(t, 4, 2, 1, 0, r);
	ck_assert_uint_eq(r[EAX], 0);
	ck_assert_uint_eq(r[EBX], 2U << 24);
	/* Above the VMM's maximum: leaf 1's data (the highest basic). */
	altp2m_cpuid_answer(t, 4, 2, 5, 0, r);
	ck_assert_uint_eq(r[EBX], 2U << 24);
	altp2m_cpuid_answer(t, 4, 2, 0x80000002, 0, r);
	ck_assert_uint_eq(r[EBX], 2U << 24);
	altp2m_cpuid_answer(t, 4, 2, 0x80000001, 0, r);
	ck_assert_uint_eq(r[EDX], 1U << 20);
	/* No signature in this table: the hypervisor range reads 0. */
	altp2m_cpuid_answer(t, 4, 2, 0x40000000, 0, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
}
END_TEST

/*
 * With XSAVE: XSAVE, AVX and what needs AVX state in leaves 1 and 7;
 * leaf 0xD limited to x87, SSE, AVX and XSAVEOPT; OSXSAVE and the size of
 * the enabled components the vCPU's.
 */
START_TEST(xsave_leaves)
{
	struct altp2m_cpuid_vcpu who = { .apic_id = 1, .xcr0 = 1 };
	struct altp2m_cpuid_entry t[ALTP2M_MAX_CPUID_ENTRIES];
	const char *why;
	u32 r[4];

	build_opts(0x1f, 0x80000008, TSC_KHZ, 7);
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 1, 0, r);
	ck_assert_uint_eq(r[ECX] & (1U << 26 | 1U << 28 | 1U << 12 | 1U << 29),
			  1U << 26 | 1U << 28 | 1U << 12 | 1U << 29);
	ck_assert_uint_eq(r[ECX] & (1U << 27), 0);
	who.osxsave = true;
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 1, 0, r);
	ck_assert_uint_ne(r[ECX] & (1U << 27), 0);
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 7, 0, r);
	ck_assert_uint_ne(r[EBX] & (1U << 5), 0);	/* AVX2 */
	ck_assert_uint_eq(r[EBX] & (1U << 16), 0);	/* AVX-512F */

	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 0xd, 0, r);
	ck_assert_uint_eq(r[EAX], 7);
	ck_assert_uint_eq(r[EBX], 576);
	ck_assert_uint_eq(r[ECX], 832);
	ck_assert_uint_eq(r[EDX], 0);
	who.xcr0 = 7;
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 0xd, 0, r);
	ck_assert_uint_eq(r[EBX], 832);
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 0xd, 1, r);
	ck_assert_uint_eq(r[EAX], 1);			/* XSAVEOPT only */
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 0xd, 2, r);
	ck_assert_uint_eq(r[EAX], 256);
	ck_assert_uint_eq(r[EBX], 576);
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 0xd, 5, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);

	/* A VMM may drop AVX (and must not add MPX or XSAVES). */
	memcpy(t, sup, sizeof(t));
	entry(t, nsup, 0xd)->eax = 3;
	entry(t, nsup, 0xd)->ecx = 576;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why), 0);
	entry(t, nsup, 0xd)->eax = 0x1f;
	ck_assert_int_eq(altp2m_cpuid_check(sup, nsup, t, nsup, &why),
			 -EINVAL);

	/* SSE state only: no AVX, FMA, F16C, AVX2, no AVX component. */
	build_opts(0x1f, 0x80000008, TSC_KHZ, 3);
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 1, 0, r);
	ck_assert_uint_eq(r[ECX] & (1U << 28 | 1U << 12 | 1U << 29), 0);
	ck_assert_uint_ne(r[ECX] & (1U << 26), 0);
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 7, 0, r);
	ck_assert_uint_eq(r[EBX] & (1U << 5), 0);
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 0xd, 0, r);
	ck_assert_uint_eq(r[EAX], 3);
	ck_assert_uint_eq(r[ECX], 576);

	/* No XSAVE: none of it, and OSXSAVE stays clear. */
	build(0x1f, 0x80000008);
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 1, 0, r);
	ck_assert_uint_eq(r[ECX] & (1U << 26 | 1U << 27 | 1U << 28), 0);
	altp2m_cpuid_answer_vcpu(sup, nsup, &who, 0xd, 0, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
}
END_TEST

static Suite *cpuid_suite(void)
{
	Suite *s = suite_create("cpuid");
	TCase *tc = tcase_create("guest");

	tcase_add_test(tc, leaf1_apic_id_is_vcpu_id);
	tcase_add_test(tc, topology_leaves_synthetic);
	tcase_add_test(tc, caches_without_topology);
	tcase_add_test(tc, unoffered_leaves_zero);
	tcase_add_test(tc, out_of_range_is_highest_basic);
	tcase_add_test(tc, hypervisor_leaves);
	tcase_add_test(tc, stable_across_builds);
	tcase_add_test(tc, tsc_leaf);
	tcase_add_test(tc, lapic_table_bits);
	tcase_add_test(tc, check_vmm_table);
	tcase_add_test(tc, answer_first_match);
	tcase_add_test(tc, xsave_leaves);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(cpuid_suite);
