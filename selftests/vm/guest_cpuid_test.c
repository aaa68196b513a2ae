// SPDX-License-Identifier: GPL-2.0
/*
 * CPUID in the guest tells nothing about where the vCPU runs: its APIC ID
 * (leaf 1 EBX[31:24], leaves 0xB and 0x1F EDX) is its vCPU id, it is one
 * thread of one core of its own package, caches carry no sharing fields,
 * and all of it is the same whichever host CPU answers. The vCPU thread
 * moves between the CPUs (smp tier) from one CPUID round to the next.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

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

static void guest_platform(void)
{
	uint32_t r[4];

	cpuid(0x40000000, 0, r);
	GUEST_SYNC_ARGS(r[0], r[1], r[2], r[3]);
	cpuid(0x15, 0, r);
	GUEST_SYNC_ARGS(r[0], r[1], r[2], r[3]);
	cpuid(1, 0, r);
	GUEST_SYNC_ARGS(r[0], r[1], r[2], r[3]);
	cpuid(0, 0, r);
	GUEST_SYNC_ARGS(r[0], r[1], r[2], r[3]);
	GUEST_DONE();
}

static void run_regs(struct altp2m_test *_t, struct vcpu *vcpu, uint32_t *r)
{
	struct ucall uc;
	unsigned int i;

	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	for (i = 0; i < 4; i++)
		r[i] = uc.args[i];
}

/* The host's TSC rate, measured against CLOCK_MONOTONIC over 300 ms. */
static uint64_t measured_tsc_khz(void)
{
	struct timespec a, b;
	uint64_t t0, t1, ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t0 = __rdtsc();
	usleep(300000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	t1 = __rdtsc();
	ns = (b.tv_sec - a.tv_sec) * 1000000000ULL + b.tv_nsec - a.tv_nsec;
	return (t1 - t0) * 1000000ULL / ns;
}

/*
 * The guest sees the hypervisor bit, the "altp2maltp2m" signature and, in
 * leaf 0x15, the TSC frequency it can compute as Linux does (crystal kHz
 * times EBX / EAX in 32 bits) with the APIC timer's 1 GHz as the crystal.
 */
TEST(hypervisor_and_tsc_leaves)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_platform);
	uint32_t r[4], linux_khz;
	uint64_t khz, measured;
	char sig[13];

	ASSERT_TRUE(pin_to_cpu(0));
	run_regs(_t, vcpu, r);
	EXPECT_EQ(r[0], 0x40000000);
	memcpy(sig, &r[1], 12);
	sig[12] = 0;
	EXPECT_EQ(strcmp(sig, "altp2maltp2m"), 0);
	run_regs(_t, vcpu, r);
	EXPECT_EQ(r[2], 1000000000U);
	ASSERT_NE(r[0], 0);
	ASSERT_NE(r[1], 0);
	/* Linux's arithmetic must not overflow. */
	EXPECT_LT((uint64_t)(r[2] / 1000) * r[1], 1ULL << 32);
	linux_khz = (r[2] / 1000) * r[1] / r[0];
	khz = (uint64_t)(r[2] / 1000) * r[1] / r[0];
	EXPECT_EQ(linux_khz, khz);
	measured = measured_tsc_khz();
	printf("# leaf 0x15: %u/%u x %u Hz = %llu kHz; measured %llu kHz\n",
	       r[1], r[0], r[2], (unsigned long long)khz,
	       (unsigned long long)measured);
	EXPECT_LT(khz * 100, measured * 105);
	EXPECT_LT(measured * 100, khz * 105);
	run_regs(_t, vcpu, r);
	EXPECT_EQ(r[2] >> 31, 1);		/* hypervisor */
	EXPECT_EQ(r[3] & (1U << 9), 0);		/* no APIC in this VM */
	run_regs(_t, vcpu, r);
	EXPECT_GE(r[0], 0x15);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

static int get_supported(int fd, uint32_t flags, struct altp2m_cpuid_entry *e,
			 uint32_t *nent)
{
	struct altp2m_cpuid c = {
		.flags = flags, .nent = *nent,
		.entries = (uint64_t)(uintptr_t)e,
	};
	int ret = ioctl(fd, ALTP2M_GET_SUPPORTED_CPUID, &c);

	*nent = c.nent;
	return ret;
}

static int vm_cpuid(struct vm *vm, unsigned long cmd,
		    struct altp2m_cpuid_entry *e, uint32_t *nent)
{
	struct altp2m_cpuid c = {
		.nent = *nent, .entries = (uint64_t)(uintptr_t)e,
	};
	int ret = ioctl(vm->fd, cmd, &c);

	*nent = c.nent;
	return ret;
}

static struct altp2m_cpuid_entry *find(struct altp2m_cpuid_entry *e,
				       uint32_t n, uint32_t function)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (e[i].function == function)
			return &e[i];
	return NULL;
}

/*
 * GET_SUPPORTED_CPUID: both tables, the APIC bits only in the one for
 * ALTP2M_VM_LAPIC; E2BIG says how much room; a new VM answers with the
 * supported table (GET_CPUID).
 */
TEST(supported_tables)
{
	static struct altp2m_cpuid_entry a[ALTP2M_MAX_CPUID_ENTRIES],
		b[ALTP2M_MAX_CPUID_ENTRIES], v[ALTP2M_MAX_CPUID_ENTRIES];
	struct vm *vm = vm_create(0);
	uint32_t na = ALTP2M_MAX_CPUID_ENTRIES, nb = na, nv = na, small = 2;
	struct altp2m_caps caps;

	vm_caps(vm, &caps);
	EXPECT_EQ(caps.features & (ALTP2M_FEATURE_CPUID | ALTP2M_FEATURE_TSC),
		  ALTP2M_FEATURE_CPUID | ALTP2M_FEATURE_TSC);

	ASSERT_EQ(get_supported(vm->dev_fd, 0, a, &na), 0);
	ASSERT_EQ(get_supported(vm->dev_fd, ALTP2M_VM_LAPIC, b, &nb), 0);
	ASSERT_GT(na, 10);
	ASSERT_EQ(na, nb);
	ASSERT_TRUE(find(a, na, 1) && find(b, nb, 1));
	EXPECT_EQ(find(a, na, 1)->edx & (1U << 9), 0);
	EXPECT_EQ(find(a, na, 1)->ecx & (1U << 21 | 1U << 24), 0);
	EXPECT_EQ(find(b, nb, 1)->edx & (1U << 9), 1U << 9);
	EXPECT_EQ(find(b, nb, 1)->ecx & (1U << 21 | 1U << 24),
		  1U << 21 | 1U << 24);
	/* Never VMX, MONITOR, a PMU, XSAVE state beyond x87, SSE, AVX. */
	EXPECT_EQ(find(b, nb, 1)->ecx & (1U << 5 | 1U << 3), 0);
	if (find(b, nb, 0xa))
		EXPECT_EQ(find(b, nb, 0xa)->eax, 0);
	if (find(b, nb, 0xd)) {
		EXPECT_EQ(find(b, nb, 0xd)->eax & ~7U, 0);
		EXPECT_EQ(find(b, nb, 0xd)->edx, 0);
	}
	ASSERT_TRUE(find(a, na, 0x40000000) != NULL);

	errno = 0;
	EXPECT_EQ(get_supported(vm->dev_fd, 0, a, &small), -1);
	EXPECT_EQ(errno, E2BIG);
	EXPECT_EQ(small, na);
	small = na;
	errno = 0;
	EXPECT_EQ(get_supported(vm->dev_fd, 2, a, &small), -1);
	EXPECT_EQ(errno, EINVAL);

	ASSERT_EQ(vm_cpuid(vm, ALTP2M_GET_CPUID, v, &nv), 0);
	ASSERT_EQ(nv, na);
	EXPECT_EQ(memcmp(v, a, na * sizeof(a[0])), 0);
	vm_free(vm);
}

static void *run_until_done(void *arg)
{
	struct vcpu *vcpu = arg;

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	return NULL;
}

/*
 * SET_CPUID: a feature the module lacks is EINVAL, the table in force
 * while a vCPU runs is EBUSY, and a table the VMM trimmed is what the
 * guest then sees (its own APIC ID still in leaf 1).
 */
TEST(set_cpuid)
{
	static struct altp2m_cpuid_entry t[ALTP2M_MAX_CPUID_ENTRIES],
		g[ALTP2M_MAX_CPUID_ENTRIES];
	struct vm *vm = vm_create(0);
	struct vcpu *spin = vcpu_add(vm, 0, guest_wait_release);
	struct vcpu *vcpu;
	uint32_t n = ALTP2M_MAX_CPUID_ENTRIES, ng = n, r[4];
	uint64_t end = test_now_ms() + 60000;
	pthread_t th;

	ASSERT_EQ(get_supported(vm->dev_fd, 0, t, &n), 0);
	/* x2APIC in a VM without the in-kernel APIC; VMX. */
	find(t, n, 1)->ecx |= 1U << 21;
	errno = 0;
	EXPECT_EQ(vm_cpuid(vm, ALTP2M_SET_CPUID, t, &n), -1);
	EXPECT_EQ(errno, EINVAL);
	find(t, n, 1)->ecx &= ~(1U << 21);
	find(t, n, 1)->ecx |= 1U << 5;
	errno = 0;
	EXPECT_EQ(vm_cpuid(vm, ALTP2M_SET_CPUID, t, &n), -1);
	EXPECT_EQ(errno, EINVAL);
	find(t, n, 1)->ecx &= ~(1U << 5);

	/* Trimmed: no hypervisor bit, another vendor, a model of its own. */
	find(t, n, 1)->ecx &= ~(1U << 31);
	find(t, n, 1)->eax = 0x000506e3;
	find(t, n, 1)->ebx |= 0xee000000;
	find(t, n, 0)->ebx = 0x74736574;	/* "test" */

	/* While a vCPU runs: EBUSY. */
	vcpu_set_if(spin, true);
	ASSERT_EQ(pthread_create(&th, NULL, run_until_done, spin), 0);
	while (!READ_ONCE(guest_global(vm, guest_wait_started)) &&
	       test_now_ms() < end)
		usleep(1000);
	ASSERT_TRUE(READ_ONCE(guest_global(vm, guest_wait_started)));
	errno = 0;
	EXPECT_EQ(vm_cpuid(vm, ALTP2M_SET_CPUID, t, &n), -1);
	EXPECT_EQ(errno, EBUSY);
	WRITE_ONCE(guest_global(vm, guest_wait_go), 1);
	ASSERT_EQ(pthread_join(th, NULL), 0);

	ASSERT_EQ(vm_cpuid(vm, ALTP2M_SET_CPUID, t, &n), 0);
	ASSERT_EQ(vm_cpuid(vm, ALTP2M_GET_CPUID, g, &ng), 0);
	ASSERT_EQ(ng, n);
	EXPECT_EQ(memcmp(g, t, n * sizeof(t[0])), 0);

	vcpu = vcpu_add(vm, 5, guest_platform);
	run_regs(_t, vcpu, r);
	EXPECT_EQ(r[0], 0x40000000);
	run_regs(_t, vcpu, r);
	run_regs(_t, vcpu, r);
	EXPECT_EQ(r[0], 0x000506e3);
	EXPECT_EQ(r[1] >> 24, 5);
	EXPECT_EQ(r[2] >> 31, 0);
	run_regs(_t, vcpu, r);
	EXPECT_EQ(r[1], 0x74736574);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/*
 * #GP in the XSAVE guest: counted, and the faulting XSETBV (three bytes)
 * skipped.
 */
volatile uint64_t xsave_gp_count;

void guest_xsetbv_gp(void);
__asm__(
	"	.text\n"
	"	.globl guest_xsetbv_gp\n"
	"guest_xsetbv_gp:\n"
	"	add $8, %rsp\n"
	"	addq $3, (%rsp)\n"
	"	incq xsave_gp_count\n"
	"	iretq\n");

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return lo | (uint64_t)hi << 32;
}

static bool xsetbv_faults(uint32_t index, uint64_t value)
{
	uint64_t before = xsave_gp_count;

	__asm__ __volatile__("xsetbv" : : "c"(index), "a"((uint32_t)value),
			     "d"((uint32_t)(value >> 32)) : "memory");
	return xsave_gp_count != before;
}

static const uint64_t ymm_pattern[4] = {
	0x0123456789abcdefULL, 0xfedcba9876543210ULL,
	0x1111222233334444ULL, 0x5555666677778888ULL,
};
static uint64_t ymm_out[4];

#define X86_CR4_OSXSAVE_BIT	(1ULL << 18)

static void guest_xsave(void)
{
	uint32_t r[4], mask;

	cpuid(1, 0, r);
	if (!(r[2] & (1U << 26))) {
		GUEST_SYNC_ARGS(0, 0, 0);
		GUEST_DONE();
	}
	GUEST_ASSERT(!(r[2] & (1U << 27)));
	__asm__ __volatile__("mov %0, %%cr4"
			     : : "r"(get_cr4() | X86_CR4_OSXSAVE_BIT));
	cpuid(1, 0, r);
	GUEST_ASSERT(r[2] & (1U << 27));		/* OSXSAVE follows CR4 */
	GUEST_ASSERT_EQ(xgetbv0(), 1);
	cpuid(0xd, 0, r);
	mask = r[0];
	GUEST_ASSERT_EQ(r[1], 576);
	GUEST_ASSERT_EQ(r[3], 0);
	GUEST_ASSERT((mask & 3) == 3 && !(mask & ~7U));

	/* What the CPU refuses: #GP, XCR0 unchanged. */
	GUEST_ASSERT(xsetbv_faults(0, 0));		/* no x87 */
	GUEST_ASSERT(xsetbv_faults(0, 2));
	GUEST_ASSERT(xsetbv_faults(1, 1));		/* XCR1 */
	GUEST_ASSERT(xsetbv_faults(0, 5));		/* AVX without SSE */
	GUEST_ASSERT(xsetbv_faults(0, 0x1b));		/* MPX */
	GUEST_ASSERT(xsetbv_faults(0, 0x203));		/* PKRU */
	GUEST_ASSERT(xsetbv_faults(0, 1ULL << 62 | 3));
	GUEST_ASSERT_EQ(xgetbv0(), 1);

	GUEST_ASSERT(!xsetbv_faults(0, 3));
	GUEST_ASSERT_EQ(xgetbv0(), 3);
	if (mask & 4) {
		GUEST_ASSERT(!xsetbv_faults(0, 7));
		GUEST_ASSERT_EQ(xgetbv0(), 7);
		cpuid(0xd, 0, r);
		GUEST_ASSERT_EQ(r[1], r[2]);
		__asm__ __volatile__("vmovdqu %0, %%ymm3" : : "m"(ymm_pattern));
		/* The VMM runs (and uses AVX itself) in between. */
		GUEST_SYNC_ARGS(2, mask, xgetbv0());
		__asm__ __volatile__("vmovdqu %%ymm3, %0" : "=m"(ymm_out));
		GUEST_ASSERT_EQ(memcmp(ymm_out, ymm_pattern,
				       sizeof(ymm_out)), 0);
	}
	GUEST_SYNC_ARGS(1, mask, xgetbv0());
	GUEST_DONE();
}

/*
 * XSAVE: CR4.OSXSAVE may be set and shows in CPUID; XSETBV takes what the
 * CPU would (x87, SSE, AVX as the table says) and #GPs on the rest; the
 * guest's AVX registers survive an exit to a VMM that uses its own; the
 * host's XCR0 is its own again after every exit.
 */
TEST(xsave_xcr0)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_xsave);
	uint64_t host_xcr0 = xgetbv0(), zero[4] = { 0 };
	struct ucall uc;

	x86_set_idt_gate(vm->ram, 13, (uint64_t)(uintptr_t)guest_xsetbv_gp);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(xgetbv0(), host_xcr0);
	if (!uc.args[0]) {
		uint32_t r[4];

		/* Only a host without XSAVE enabled may leave it out. */
		cpuid(1, 0, r);
		EXPECT_EQ(r[2] & (1U << 27), 0);
		printf("# no XSAVE in the guest's CPUID\n");
		vm_free(vm);
		return;
	}
	printf("# guest XCR0 mask %#llx, XCR0 %#llx; host XCR0 %#llx\n",
	       (unsigned long long)uc.args[1], (unsigned long long)uc.args[2],
	       (unsigned long long)host_xcr0);
	if (uc.args[0] == 2) {
		EXPECT_EQ(uc.args[2], 7);
		/* Clobber the host's own YMM3 before the guest runs again. */
		__asm__ __volatile__("vmovdqu %0, %%ymm3" : : "m"(zero));
		ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
		EXPECT_EQ(xgetbv0(), host_xcr0);
	}
	EXPECT_EQ(uc.args[0], 1);
	EXPECT_EQ(guest_global(vm, xsave_gp_count), 7);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	EXPECT_EQ(xgetbv0(), host_xcr0);
	vm_free(vm);
}

TEST_HARNESS_MAIN
