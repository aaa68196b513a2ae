// SPDX-License-Identifier: GPL-2.0
/*
 * The TSC and the MSRs an operating system uses: the guest's TSC starts
 * near 0 at ALTP2M_CREATE_VM and only goes forward, also as its thread
 * moves between host CPUs (smp tier); RDTSC and RDTSCP do not exit, and
 * RDTSCP reads the guest's IA32_TSC_AUX while the host's comes back at
 * the exit; IA32_TSC and IA32_TSC_ADJUST move each other as on hardware;
 * MTRRs, PAT and MISC_ENABLE keep what is written and #GP on reserved
 * bits; GET/SET_MSRS reach all of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include <x86intrin.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define MSR_IA32_TSC		0x10
#define MSR_IA32_TSC_ADJUST	0x3b
#define MSR_BIOS_SIGN_ID	0x8b
#define MSR_MTRRCAP		0xfe
#define MSR_MISC_ENABLE		0x1a0
#define MSR_MTRR_BASE0		0x200
#define MSR_MTRR_FIX_64K	0x250
#define MSR_MTRR_FIX_4K_F8000	0x26f
#define MSR_PAT			0x277
#define MSR_MTRR_DEF_TYPE	0x2ff
#define MSR_TSC_AUX		0xc0000103

/*
 * #GP in the guest: counted, and the faulting RDMSR or WRMSR (two bytes)
 * skipped, so one guest can try many values.
 */
volatile uint64_t gp_count;

void guest_gp_skip(void);
__asm__(
	"	.text\n"
	"	.globl guest_gp_skip\n"
	"guest_gp_skip:\n"
	"	add $8, %rsp\n"		/* the error code */
	"	addq $2, (%rsp)\n"
	"	incq gp_count\n"
	"	iretq\n");

static bool guest_wrmsr_faults(uint32_t index, uint64_t value)
{
	uint64_t before = gp_count;

	wrmsr(index, value);
	return gp_count != before;
}

static struct vm *vm_with_gp_handler(void)
{
	struct vm *vm = vm_create(0);

	x86_set_idt_gate(vm->ram, 13, (uint64_t)(uintptr_t)guest_gp_skip);
	return vm;
}

static uint64_t guest_rdtscp(uint32_t *aux)
{
	uint32_t lo, hi, c;

	__asm__ __volatile__("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
	*aux = c;
	return lo | (uint64_t)hi << 32;
}

static bool has_rdtscp(void)
{
	uint32_t a = 0x80000001, b, c = 0, d;

	__asm__ __volatile__("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return d & (1U << 27);
}

#define NR_RDTSC	1000

static void guest_tsc(void)
{
	uint64_t t0, t1, t2;
	uint32_t aux = 0;
	unsigned int i;

	t0 = __rdtsc();
	for (i = 0; i < NR_RDTSC; i++)
		t1 = __rdtsc();
	t2 = has_rdtscp() ? guest_rdtscp(&aux) : t1;
	GUEST_SYNC_ARGS(t0, t1, t2, aux);
	GUEST_DONE();
}

/*
 * The TSC reads about the time since CREATE_VM, not the host's TSC, and
 * a thousand RDTSCs cost no exits. RDTSCP reads the TSC_AUX the VMM set,
 * and the host's own RDTSCP still says which CPU it is on afterwards.
 */
TEST(tsc_starts_at_zero)
{
	struct altp2m_vcpu_stats before, after;
	uint64_t h0, h1, g0, g1, g2;
	struct vm *vm;
	struct vcpu *vcpu;
	struct ucall uc;
	unsigned int aux;
	int cpu;

	ASSERT_TRUE(pin_to_cpu(0));
	h0 = __rdtsc();
	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_tsc);
	vcpu_set_msr(vcpu, MSR_TSC_AUX, 0x1234);
	vcpu_stats(vcpu, &before);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	h1 = __rdtsc();
	vcpu_stats(vcpu, &after);
	g0 = uc.args[0];
	g1 = uc.args[1];
	g2 = uc.args[2];
	TH_LOG("host TSC %llu..%llu, guest TSC %llu..%llu, %llu exits",
	       (unsigned long long)h0, (unsigned long long)h1,
	       (unsigned long long)g0, (unsigned long long)g2,
	       (unsigned long long)(after.hw_exits - before.hw_exits));
	ASSERT_LT(g0, g1);
	ASSERT_LE(g1, g2);
	/* Between 0 and what the host counted since before CREATE_VM. */
	ASSERT_LT(g2, h1 - h0);
	EXPECT_LT(after.hw_exits - before.hw_exits, NR_RDTSC / 2);
	if (uc.args[3] || g2 != g1) {
		EXPECT_EQ(uc.args[3], 0x1234);
		cpu = sched_getcpu();
		__rdtscp(&aux);
		EXPECT_EQ(aux & 0xfff, (unsigned int)cpu);
	} else {
		printf("# no RDTSCP in the guest's CPUID\n");
	}
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

static void guest_tsc_rounds(void)
{
	uint64_t last = 0, now;

	for (;;) {
		now = __rdtsc();
		GUEST_ASSERT(now > last);
		last = now;
		GUEST_SYNC(now);
	}
}

/*
 * One offset for the VM: a vCPU moved from CPU to CPU (and a second vCPU
 * created later) reads a TSC that only goes forward and agrees with the
 * other's.
 */
TEST(tsc_monotonic_across_cpus)
{
	int cpus = (int)sysconf(_SC_NPROCESSORS_ONLN), round;
	struct vm *vm = vm_create(0);
	struct vcpu *a = vcpu_add(vm, 0, guest_tsc_rounds);
	struct vcpu *b = vcpu_add(vm, 1, guest_tsc_rounds);
	uint64_t last = 0;
	struct ucall uc;

	if (cpus < 2)
		printf("# one CPU: the vCPUs cannot move\n");
	for (round = 0; round < 8; round++) {
		struct vcpu *v = round & 2 ? b : a;

		ASSERT_TRUE(pin_to_cpu(round % cpus));
		ASSERT_EQ(vcpu_run_ucall(v, &uc), UCALL_SYNC);
		ASSERT_EQ(sched_getcpu(), round % cpus);
		if (uc.args[0] <= last)
			TH_LOG("round %d, CPU %d, vCPU %u: TSC %llu after %llu",
			       round, round % cpus, v->id,
			       (unsigned long long)uc.args[0],
			       (unsigned long long)last);
		ASSERT_GT(uc.args[0], last);
		last = uc.args[0];
	}
	vm_free(vm);
}

#define ADJUST		(1ULL << 40)

static void guest_tsc_adjust(void)
{
	uint64_t t0, t1, adj;

	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_ADJUST), 0);
	/* IA32_TSC_ADJUST moves the TSC by the change. */
	t0 = __rdtsc();
	wrmsr(MSR_IA32_TSC_ADJUST, ADJUST);
	t1 = __rdtsc();
	GUEST_ASSERT(t1 - t0 >= ADJUST && t1 - t0 < ADJUST + (1ULL << 36));
	GUEST_ASSERT_EQ(rdmsr(MSR_IA32_TSC_ADJUST), ADJUST);
	/* IA32_TSC reads what RDTSC does. */
	t0 = rdmsr(MSR_IA32_TSC);
	GUEST_ASSERT(t0 >= t1 && t0 - t1 < (1ULL << 36));
	/* A write of IA32_TSC adds how far it moved to IA32_TSC_ADJUST. */
	t0 = __rdtsc();
	wrmsr(MSR_IA32_TSC, 1000);
	t1 = __rdtsc();
	GUEST_ASSERT(t1 >= 1000 && t1 < 1000 + (1ULL << 36));
	adj = rdmsr(MSR_IA32_TSC_ADJUST);
	/* ADJUST + (1000 - t0), up to the cycles between the reads. */
	GUEST_ASSERT(adj <= ADJUST + 1000 - t0 &&
		     ADJUST + 1000 - t0 - adj < (1ULL << 36));
	GUEST_SYNC(adj);
	GUEST_SYNC(__rdtsc());
	GUEST_DONE();
}

/*
 * The guest's writes tie IA32_TSC and IA32_TSC_ADJUST together; the VMM
 * sees both and restores each on its own.
 */
TEST(tsc_adjust)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_tsc_adjust);
	struct altp2m_msr_entry e[2] = {
		{ .index = MSR_IA32_TSC_ADJUST, .value = 77 },
		{ .index = MSR_IA32_TSC, .value = 1ULL << 50 },
	};
	struct ucall uc;
	uint64_t adj;

	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	adj = uc.args[0];
	EXPECT_EQ(vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST), adj);
	/* The second vCPU has its own, untouched. */
	EXPECT_EQ(vcpu_get_msr(vcpu_add(vm, 1, guest_tsc_adjust),
			       MSR_IA32_TSC_ADJUST), 0);
	/* SET_MSRS: both values as given, neither moves the other. */
	vcpu_msrs_set(vcpu, e, 2);
	EXPECT_EQ(vcpu_get_msr(vcpu, MSR_IA32_TSC_ADJUST), 77);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_GE(uc.args[0], 1ULL << 50);
	EXPECT_LT(uc.args[0], (1ULL << 50) + (1ULL << 40));
	EXPECT_GE(vcpu_get_msr(vcpu, MSR_IA32_TSC), uc.args[0]);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* Bad values: none of them is stored. */
static const struct { uint32_t index; uint64_t value; } bad[] = {
	{ MSR_MTRRCAP, 0x508 },			/* read-only */
	{ MSR_MTRR_DEF_TYPE, 2 },		/* no such type */
	{ MSR_MTRR_DEF_TYPE, 0x106 },		/* reserved 9:8 */
	{ MSR_MTRR_DEF_TYPE, 1ULL << 12 | 6 },	/* reserved 63:12 */
	{ MSR_MTRR_FIX_64K, 0x0606060606060607ULL },
	{ MSR_MTRR_FIX_4K_F8000, 3ULL << 56 },
	{ MSR_MTRR_BASE0, 0x106 },		/* reserved 11:8 */
	{ MSR_MTRR_BASE0, 1ULL << 52 | 6 },	/* above MAXPHYADDR */
	{ MSR_MTRR_BASE0 + 1, 0x801 },		/* reserved 10:0 */
	{ MSR_MTRR_BASE0 + 15, 1ULL << 63 },
	{ MSR_PAT, 0x0007040600070402ULL },	/* no type 2 */
	{ MSR_MISC_ENABLE, 0x1801 | 1ULL << 22 },
	{ MSR_MISC_ENABLE, 0x1801 | 1ULL << 18 },
	{ MSR_MISC_ENABLE, 0x1 },		/* read-only 11, 12 */
	{ MSR_TSC_AUX, 1ULL << 32 },
};

static const struct { uint32_t index; uint64_t value; } good[] = {
	{ MSR_MTRR_DEF_TYPE, 0xc06 },
	{ MSR_MTRR_FIX_64K, 0x0606060606060606ULL },
	{ 0x258, 0x0000000006060606ULL },
	{ 0x259, 0x0101010101010101ULL },
	{ 0x268, 0x0505050505050505ULL },
	{ MSR_MTRR_FIX_4K_F8000, 0x0504010006050401ULL },
	{ MSR_MTRR_BASE0, 0x80000000ULL },		/* UC from 2 GiB */
	{ MSR_MTRR_BASE0 + 1, 0xff80000800ULL },
	{ MSR_MTRR_BASE0 + 14, 0xc0000001ULL },		/* WC */
	{ MSR_MTRR_BASE0 + 15, 0xffc0000800ULL },
	{ MSR_PAT, 0x0007010600070106ULL },
	{ MSR_MISC_ENABLE, 0x1800 },
	{ MSR_TSC_AUX, 0xfeedbeef },
};

static void guest_msrs(void)
{
	unsigned int i;

	GUEST_ASSERT_EQ(rdmsr(MSR_MTRRCAP), 0x508);
	GUEST_ASSERT_EQ(rdmsr(MSR_MISC_ENABLE), 0x1801);
	GUEST_ASSERT_EQ(rdmsr(MSR_MTRR_DEF_TYPE), 0);
	/* Linux's microcode revision read: write 0, CPUID, read. */
	wrmsr(MSR_BIOS_SIGN_ID, 0);
	GUEST_ASSERT_EQ(rdmsr(MSR_BIOS_SIGN_ID), 0);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (good[i].index == MSR_TSC_AUX && !has_rdtscp())
			continue;
		GUEST_ASSERT(!guest_wrmsr_faults(good[i].index,
						 good[i].value));
		GUEST_ASSERT_EQ(rdmsr(good[i].index), good[i].value);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!guest_wrmsr_faults(bad[i].index, bad[i].value))
			GUEST_SYNC_ARGS(1, bad[i].index, bad[i].value);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (good[i].index == MSR_TSC_AUX && !has_rdtscp())
			continue;
		GUEST_ASSERT_EQ(rdmsr(good[i].index), good[i].value);
	}
	GUEST_SYNC_ARGS(0, gp_count, 0);
	GUEST_DONE();
}

/* The guest writes what an OS writes, reads it back, and #GPs on the rest. */
TEST(msrs_round_trip_and_gp)
{
	struct vm *vm = vm_with_gp_handler();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_msrs);
	struct ucall uc;
	unsigned int i, nbad = sizeof(bad) / sizeof(bad[0]);

	for (;;) {
		ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
		if (!uc.args[0])
			break;
		TH_LOG("WRMSR %#llx <- %#llx: no #GP",
		       (unsigned long long)uc.args[1],
		       (unsigned long long)uc.args[2]);
		EXPECT_TRUE(false);
	}
	if (!has_rdtscp())
		nbad--;		/* TSC_AUX #GPs whatever the value */
	EXPECT_GE(uc.args[1], nbad);
	/* The VMM sees what the guest wrote. */
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (good[i].index == MSR_TSC_AUX && !has_rdtscp())
			continue;
		EXPECT_EQ(vcpu_get_msr(vcpu, good[i].index), good[i].value);
	}
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* GET/SET_MSRS: every new MSR, all or nothing. */
TEST(get_set_msrs)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add_bare(vm, 0);
	struct altp2m_msr_entry e[32], r[32];
	unsigned int i, n = 0;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (good[i].index == MSR_TSC_AUX && !has_rdtscp())
			continue;
		e[n].index = good[i].index;
		e[n].pad = 0;
		e[n++].value = good[i].value;
	}
	e[n].index = MSR_IA32_TSC_ADJUST;
	e[n].pad = 0;
	e[n++].value = 12345;
	vcpu_msrs_set(vcpu, e, n);
	memset(r, 0, sizeof(r));
	for (i = 0; i < n; i++)
		r[i].index = e[i].index;
	vcpu_msrs_get(vcpu, r, n);
	for (i = 0; i < n; i++)
		EXPECT_EQ(r[i].value, e[i].value);
	EXPECT_EQ(vcpu_get_msr(vcpu, MSR_MTRRCAP), 0x508);

	/* One bad value among good ones: EINVAL, nothing written. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct altp2m_msr_entry two[2] = {
			{ .index = MSR_MTRR_DEF_TYPE, .value = 0x806 },
			{ .index = bad[i].index, .value = bad[i].value },
		};

		errno = 0;
		EXPECT_EQ(_vcpu_msrs(vcpu, ALTP2M_SET_MSRS, two, 2), -1);
		EXPECT_EQ(errno, EINVAL);
	}
	EXPECT_EQ(vcpu_get_msr(vcpu, MSR_MTRR_DEF_TYPE), 0xc06);
	vm_free(vm);
}

TEST_HARNESS_MAIN
