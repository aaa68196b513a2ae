// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/cpuid.c: the guest's CPUID built from a fake
 * host whose topology fields change from call to call, as they do when
 * the module's thread migrates between CPUs.
 */
#include <check.h>
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
	case 0xd:
		out[EAX] = out[EBX] = out[ECX] = out[EDX] = 0xffffffff;
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

static struct altp2m_cpuid_table table;

static void build(u32 max_basic, u32 max_ext)
{
	struct fake_host h = { .max_basic = max_basic, .max_ext = max_ext };

	altp2m_cpuid_build(&table, fake_cpuid, &h);
}

static void guest(u32 apic_id, u32 leaf, u32 subleaf, u32 *out)
{
	memset(out, 0xa5, 4 * sizeof(*out));
	altp2m_cpuid_guest(&table, apic_id, leaf, subleaf, out);
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
		/* Hypervisor bit on, VMX, MONITOR and XSAVE off. */
		ck_assert_uint_ne(r[ECX] & (1U << 31), 0);
		ck_assert_uint_eq(r[ECX] & (1U << 5 | 1U << 3 | 1U << 26), 0);
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
	guest(0, 7, 1, r);
	ck_assert_uint_eq(r[EAX] | r[EBX] | r[ECX] | r[EDX], 0);
	guest(0, 0x80000001, 0, r);
	ck_assert_uint_eq(r[EDX], 1U << 11 | 1U << 20 | 1U << 26 | 1U << 29);
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
	ck_assert_uint_eq(r[EAX], 1100);
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
	ck_assert_uint_eq(r[EBX], 0x70746c61);
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
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(cpuid_suite);
