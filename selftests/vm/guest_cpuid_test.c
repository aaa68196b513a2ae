// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID in the guest tells nothing about where the vCPU runs: its APIC ID
 * (leaf 1 EBX[31:24], leaves 0xB and 0x1F EDX) is its vCPU id, it is one
 * thread of one core of its own package, caches carry no sharing fields,
 * and all of it is the same whichever host CPU answers. The vCPU thread
 * moves between the CPUs (smp tier) from one CPUID round to the next.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define ROUNDS		6

enum { Q_MAX, Q_1, Q_B0, Q_B1, Q_B2, Q_4_0, Q_HIGH, Q_TOP, NR_Q };

static const uint32_t queries[NR_Q][2] = {
	[Q_MAX] = { 0, 0 }, [Q_1] = { 1, 0 }, [Q_B0] = { 0xb, 0 },
	[Q_B1] = { 0xb, 1 }, [Q_B2] = { 0xb, 2 }, [Q_4_0] = { 4, 0 },
	/* Out of range: the highest basic leaf's data, with ECX = 0. */
	[Q_HIGH] = { 0x3fffffff, 0 },
	/* Q_TOP: the highest basic leaf itself, filled in by the guest. */
};

static uint32_t answers[NR_Q][4];

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t *r)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(sub));
}

static void guest_cpuid(void)
{
	unsigned int round, i;

	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < Q_TOP; i++)
			cpuid(queries[i][0], queries[i][1], answers[i]);
		cpuid(answers[Q_MAX][0], 0, answers[Q_TOP]);
		GUEST_SYNC(round);
	}
}

static int nr_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

static void check_round(struct altp2m_test *_t, uint32_t id,
			uint32_t (*a)[4])
{
	/* Leaf 1: APIC ID = vCPU id, one logical processor, no HTT. */
	EXPECT_EQ(a[Q_1][1] >> 24, id);
	EXPECT_EQ((a[Q_1][1] >> 16) & 0xff, 1);
	EXPECT_EQ(a[Q_1][3] & (1U << 28), 0);
	EXPECT_EQ(a[Q_1][2] >> 31, 1);		/* hypervisor */
	/* Leaf 0xB: SMT level, core level, then no level; x2APIC ID = id. */
	if (a[Q_MAX][0] >= 0xb) {
		EXPECT_EQ(a[Q_B0][0], 0);
		EXPECT_EQ(a[Q_B0][1], 1);
		EXPECT_EQ(a[Q_B0][2], 1 << 8);
		EXPECT_EQ(a[Q_B0][3], id);
		EXPECT_EQ(a[Q_B1][0], 0);
		EXPECT_EQ(a[Q_B1][1], 1);
		EXPECT_EQ(a[Q_B1][2], 2 << 8 | 1);
		EXPECT_EQ(a[Q_B1][3], id);
		EXPECT_EQ(a[Q_B2][1], 0);
		EXPECT_EQ(a[Q_B2][2], 2);
	}
	/* Leaf 4: no sharing, one core per package. */
	EXPECT_EQ(a[Q_4_0][0] >> 14, 0);
	EXPECT_EQ(memcmp(a[Q_HIGH], a[Q_TOP], sizeof(a[0])), 0);
}

static void run_rounds(struct altp2m_test *_t, struct vcpu *vcpu,
		       uint32_t (*first)[4])
{
	uint32_t (*a)[4] = addr_ptr2hva(vcpu->vm, answers);
	int cpus = nr_cpus(), round, cpu;

	for (round = 0; round < ROUNDS; round++) {
		cpu = round % cpus;
		ASSERT_TRUE(pin_to_cpu(cpu));
		vcpu_run(vcpu);
		assert_ucall_sync(vcpu, round);
		ASSERT_EQ(sched_getcpu(), cpu);
		check_round(_t, vcpu->id, a);
		if (_t->failed)
			return;		/* once is enough to read */
		if (!round)
			memcpy(first, a, sizeof(answers));
		else if (memcmp(first, a, sizeof(answers))) {
			TH_LOG("vCPU %u: CPUID on CPU %d differs from CPU 0",
			       vcpu->id, cpu);
			EXPECT_TRUE(false);
		}
	}
}

/* One vCPU moving between the CPUs sees the same values everywhere. */
TEST(cpuid_stable_across_cpus)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_cpuid);
	uint32_t first[NR_Q][4];

	if (nr_cpus() < 2)
		printf("# one CPU: the vCPU cannot move\n");
	run_rounds(_t, vcpu, first);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* Each vCPU sees its own id, on every CPU. */
TEST(cpuid_apic_id_is_vcpu_id)
{
	static const uint32_t ids[] = { 0, 1, 7, 63 };
	struct vm *vm = vm_create(0);
	uint32_t first[NR_Q][4];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ids); i++) {
		struct vcpu *vcpu = vcpu_add(vm, ids[i], guest_cpuid);

		run_rounds(_t, vcpu, first);
	}
	vm_free(vm);
}

TEST_HARNESS_MAIN
