// SPDX-License-Identifier: GPL-2.0
/*
 * The in-kernel local APIC (ALTP2M_VM_LAPIC): its registers as a guest
 * sees them through the xAPIC page and the x2APIC MSRs, the timer in its
 * three modes, IPIs between vCPUs, MSIs from the VMM (SIGNAL_MSI and
 * irqfds), GET/SET_LAPIC, and what a hostile guest can throw at it.
 * Values are the Intel SDM's; the register model is also unit-tested
 * (selftests/unit/lapic_test.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define APIC_BASE_GPA	0xfee00000ULL
#define MSR_APIC_BASE	0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define X2(off)		(0x800 + (off) / 16)

#define APIC_ID		0x020
#define APIC_VER	0x030
#define APIC_TPR	0x080
#define APIC_APR	0x090
#define APIC_PPR	0x0a0
#define APIC_EOI	0x0b0
#define APIC_LDR	0x0d0
#define APIC_DFR	0x0e0
#define APIC_SVR	0x0f0
#define APIC_ISR	0x100
#define APIC_TMR	0x180
#define APIC_IRR	0x200
#define APIC_ESR	0x280
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_LVT0	0x350
#define APIC_LVTERR	0x370
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define APIC_SELF_IPI	0x3f0

#define LVT_MASKED	(1U << 16)
#define TIMER_PERIODIC	(1U << 17)
#define TIMER_DEADLINE	(2U << 17)

/* ------------------------------------------------------------ helpers */

static void lapic_get(struct vcpu *vcpu, struct altp2m_lapic_state *s)
{
	memset(s, 0, sizeof(*s));
	TEST_ASSERT(!ioctl(vcpu->fd, ALTP2M_GET_LAPIC, s), "GET_LAPIC");
}

static void lapic_set(struct vcpu *vcpu, struct altp2m_lapic_state *s)
{
	TEST_ASSERT(!ioctl(vcpu->fd, ALTP2M_SET_LAPIC, s), "SET_LAPIC");
}

static uint32_t reg(const struct altp2m_lapic_state *s, unsigned int off)
{
	uint32_t v;

	memcpy(&v, s->regs + off, 4);
	return v;
}

static void set_reg(struct altp2m_lapic_state *s, unsigned int off,
		    uint32_t v)
{
	memcpy(s->regs + off, &v, 4);
}

static bool vec_bit(const struct altp2m_lapic_state *s, unsigned int base,
		    unsigned int vec)
{
	return reg(s, base + (vec / 32) * 16) & (1U << (vec % 32));
}

/* Software-enable a vCPU's APIC from the VMM (SVR vector 0xff). */
static void lapic_enable(struct vcpu *vcpu)
{
	struct altp2m_lapic_state s;

	lapic_get(vcpu, &s);
	set_reg(&s, APIC_SVR, 0x1ff);
	lapic_set(vcpu, &s);
}

static int signal_msi(struct vm *vm, uint64_t address, uint32_t data)
{
	struct altp2m_msi msi = { .address = address, .data = data };

	return ioctl(vm->fd, ALTP2M_SIGNAL_MSI, &msi);
}

static int irqfd(struct vm *vm, int fd, uint32_t flags, uint64_t address,
		 uint32_t data)
{
	struct altp2m_irqfd a = {
		.flags = flags, .fd = fd, .msi_address = address,
		.msi_data = data,
	};

	return ioctl(vm->fd, ALTP2M_IRQFD, &a);
}

static void msleep(unsigned int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&t, &t))
		;
}

static uint32_t apic_read(uint32_t off)
{
	return mmio_read32(APIC_BASE_GPA + off);
}

static void apic_write(uint32_t off, uint32_t v)
{
	mmio_write32(APIC_BASE_GPA + off, v);
}

static uint64_t rdtsc_guest(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/*
 * #GP handler: counts the fault and steps over the 2-byte RDMSR/WRMSR
 * that raised it, so a guest can probe MSRs; it returns 0 in EDX:EAX for
 * a read.
 */
uint64_t gp_count;

void guest_gp_handler(void);
__asm__(
	"	.text\n"
	"	.globl guest_gp_handler\n"
	"guest_gp_handler:\n"
	"	incq gp_count\n"
	"	add $8, %rsp\n"			/* the error code */
	"	addq $2, (%rsp)\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	iretq\n");

static void gp_setup(struct vm *vm)
{
	x86_set_idt_gate(vm->ram, GP_VECTOR,
			 (uint64_t)(uintptr_t)guest_gp_handler);
}

/* A RDMSR or WRMSR and whether it faulted. */
static bool wrmsr_gp(uint32_t index, uint64_t v)
{
	uint64_t before = READ_ONCE(gp_count);

	wrmsr(index, v);
	return READ_ONCE(gp_count) != before;
}

static bool rdmsr_gp(uint32_t index)
{
	uint64_t before = READ_ONCE(gp_count);

	rdmsr(index);
	return READ_ONCE(gp_count) != before;
}

/* ---------------------------------------------- creation and the VMM */

TEST(create_flags)
{
	struct altp2m_create_vm c = { .flags = 2 };
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, NULL);
	struct altp2m_lapic_state s = { 0 };
	struct altp2m_msi msi = { .address = APIC_BASE_GPA, .data = 0x40 };
	struct altp2m_irqfd a = { .fd = -1 };

	ASSERT_ERRNO(ioctl(vm->dev_fd, ALTP2M_CREATE_VM, &c), EINVAL);
	/* Without the flag there is no APIC to get, set or signal. */
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_GET_LAPIC, &s), EINVAL);
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_SET_LAPIC, &s), EINVAL);
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_SIGNAL_MSI, &msi), EINVAL);
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_IRQFD, &a), EINVAL);
	vm_free(vm);
}

/* Power-on values (SDM "Local APIC State After Power-Up or Reset"). */
TEST(reset_state)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *v0 = vcpu_add(vm, 0, NULL), *v1 = vcpu_add(vm, 1, NULL);
	struct altp2m_lapic_state s;
	unsigned int off;

	lapic_get(v0, &s);
	EXPECT_EQ(s.apic_base, 0xfee00900ULL);	/* enabled, BSP */
	EXPECT_EQ(reg(&s, APIC_ID), 0);
	EXPECT_EQ(reg(&s, APIC_VER), 0x00050014);
	EXPECT_EQ(reg(&s, APIC_DFR), 0xffffffffU);
	EXPECT_EQ(reg(&s, APIC_SVR), 0xff);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 16)
		EXPECT_EQ(reg(&s, off), LVT_MASKED);
	EXPECT_EQ(s.tsc_deadline, 0);
	lapic_get(v1, &s);
	EXPECT_EQ(s.apic_base, 0xfee00800ULL);
	EXPECT_EQ(reg(&s, APIC_ID), 1U << 24);
	vm_free(vm);
}

TEST(lapic_state_checks)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, NULL);
	struct altp2m_lapic_state s, t;

	lapic_get(vcpu, &s);
	t = s;
	t.flags = 1;
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_SET_LAPIC, &t), EINVAL);
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_GET_LAPIC, &t), EINVAL);
	t = s;
	t.pad = 1;
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_SET_LAPIC, &t), EINVAL);
	t = s;
	t.reserved[4] = 1;
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_SET_LAPIC, &t), EINVAL);
	t = s;
	t.apic_base = 0xfee00000ULL | (1 << 10);	/* x2APIC, disabled */
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_SET_LAPIC, &t), EINVAL);
	t = s;
	t.apic_base |= 1;				/* reserved bit 0 */
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_SET_LAPIC, &t), EINVAL);
	t = s;
	t.apic_base |= 1ULL << 52;			/* beyond MAXPHYADDR */
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_SET_LAPIC, &t), EINVAL);

	/* Written as a guest would, read-only registers but ID kept. */
	t = s;
	set_reg(&t, APIC_ID, 0x05123456);
	set_reg(&t, APIC_VER, 0);
	set_reg(&t, APIC_TPR, 0xfff);
	set_reg(&t, APIC_LVT0, 0xffffffffU);
	set_reg(&t, APIC_SVR, 0xffffffffU);
	set_reg(&t, APIC_IRR + 0x20, 0x10);		/* vector 0x44 */
	set_reg(&t, APIC_TMR + 0x20, 0x10);
	lapic_set(vcpu, &t);
	lapic_get(vcpu, &t);
	EXPECT_EQ(reg(&t, APIC_ID), 0x05000000);
	EXPECT_EQ(reg(&t, APIC_VER), 0x00050014);
	EXPECT_EQ(reg(&t, APIC_TPR), 0xff);
	EXPECT_EQ(reg(&t, APIC_LVT0), 0x1a7ff);
	EXPECT_EQ(reg(&t, APIC_SVR), 0x1ff);
	EXPECT_TRUE(vec_bit(&t, APIC_IRR, 0x44));
	EXPECT_TRUE(vec_bit(&t, APIC_TMR, 0x44));
	EXPECT_EQ(reg(&t, APIC_PPR), 0xff);
	EXPECT_EQ(reg(&t, APIC_APR), 0xff);

	/* x2APIC: the 32-bit ID is taken, the LDR follows from it. */
	t.apic_base = 0xfee00000ULL | (1 << 11) | (1 << 10) | (1 << 8);
	set_reg(&t, APIC_ID, 0x23);
	lapic_set(vcpu, &t);
	lapic_get(vcpu, &t);
	EXPECT_EQ(reg(&t, APIC_ID), 0x23);
	EXPECT_EQ(reg(&t, APIC_LDR), (2U << 16) | (1U << 3));
	vm_free(vm);
}

/*
 * The timer seen from the VMM alone: the count runs down between two
 * GETs, and the vector is in IRR once the programmed time has passed,
 * in each mode; TSC-deadline disarms when it fires.
 */
TEST(timer_from_vmm)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, NULL);
	struct altp2m_lapic_state s, t;
	uint32_t c1, c2;

	/*
	 * One-shot, divide by 1. The count-down is watched on a 4.29 s
	 * count: a 5 ms one ran out between SET and GET on the debug
	 * kernel when this thread was preempted. Then 5 ms must fire.
	 */
	lapic_get(vcpu, &s);
	set_reg(&s, APIC_SVR, 0x1ff);
	set_reg(&s, APIC_TDCR, 0xb);
	set_reg(&s, APIC_LVTT, 0x31);
	set_reg(&s, APIC_TMICT, 0xffffffffU);
	lapic_set(vcpu, &s);
	lapic_get(vcpu, &t);
	c1 = reg(&t, APIC_TMCCT);
	msleep(1);
	lapic_get(vcpu, &t);
	c2 = reg(&t, APIC_TMCCT);
	EXPECT_TRUE(c1 > 0);
	EXPECT_LT(c2, c1);
	EXPECT_FALSE(vec_bit(&t, APIC_IRR, 0x31));
	set_reg(&s, APIC_TMICT, 5000000);
	lapic_set(vcpu, &s);
	msleep(50);
	lapic_get(vcpu, &t);
	EXPECT_TRUE(vec_bit(&t, APIC_IRR, 0x31));
	EXPECT_EQ(reg(&t, APIC_TMCCT), 0);

	/* Periodic, 2 ms, masked: it runs and reloads, IRR stays clear. */
	lapic_get(vcpu, &s);
	set_reg(&s, APIC_IRR + 0x10, 0);
	set_reg(&s, APIC_LVTT, TIMER_PERIODIC | LVT_MASKED | 0x32);
	set_reg(&s, APIC_TMICT, 2000000);
	lapic_set(vcpu, &s);
	msleep(30);
	lapic_get(vcpu, &t);
	EXPECT_FALSE(vec_bit(&t, APIC_IRR, 0x32));
	EXPECT_TRUE(reg(&t, APIC_TMCCT) > 0 &&
		    reg(&t, APIC_TMCCT) <= 2000000);
	/* Unmasked: the vector comes. */
	set_reg(&t, APIC_LVTT, TIMER_PERIODIC | 0x32);
	set_reg(&t, APIC_TMICT, 2000000);
	lapic_set(vcpu, &t);
	msleep(30);
	lapic_get(vcpu, &t);
	EXPECT_TRUE(vec_bit(&t, APIC_IRR, 0x32));
	EXPECT_TRUE(reg(&t, APIC_TMCCT) > 0);

	/* TSC-deadline: TMICT ignored; a past deadline fires and disarms. */
	lapic_get(vcpu, &s);
	set_reg(&s, APIC_IRR + 0x10, 0);
	set_reg(&s, APIC_LVTT, TIMER_DEADLINE | 0x33);
	set_reg(&s, APIC_TMICT, 1000);
	s.tsc_deadline = 1;
	lapic_set(vcpu, &s);
	msleep(20);
	lapic_get(vcpu, &t);
	EXPECT_TRUE(vec_bit(&t, APIC_IRR, 0x33));
	EXPECT_EQ(t.tsc_deadline, 0);
	EXPECT_EQ(reg(&t, APIC_TMICT), 0);
	/* A far deadline stays armed. */
	set_reg(&t, APIC_IRR + 0x10, 0);
	t.tsc_deadline = 1ULL << 62;
	lapic_set(vcpu, &t);
	msleep(20);
	lapic_get(vcpu, &t);
	EXPECT_FALSE(vec_bit(&t, APIC_IRR, 0x33));
	EXPECT_EQ(t.tsc_deadline, 1ULL << 62);
	vm_free(vm);
}

/* SIGNAL_MSI: physical, logical, broadcast, lowest priority, errors. */
TEST(msi_from_vmm)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *v0 = vcpu_add(vm, 0, NULL), *v1 = vcpu_add(vm, 1, NULL);
	struct altp2m_lapic_state s;
	struct altp2m_msi msi = { .address = APIC_BASE_GPA, .data = 0x40 };

	/* Software-disabled APICs (the reset state) accept nothing. */
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | (1 << 12), 0x41), 0);
	lapic_enable(v0);
	lapic_enable(v1);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | (1 << 12), 0x41), 1);
	lapic_get(v1, &s);
	EXPECT_TRUE(vec_bit(&s, APIC_IRR, 0x41));
	EXPECT_FALSE(vec_bit(&s, APIC_TMR, 0x41));
	lapic_get(v0, &s);
	EXPECT_FALSE(vec_bit(&s, APIC_IRR, 0x41));
	/* Level-triggered: TMR too. */
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA, 0xc042), 1);
	lapic_get(v0, &s);
	EXPECT_TRUE(vec_bit(&s, APIC_IRR, 0x42));
	EXPECT_TRUE(vec_bit(&s, APIC_TMR, 0x42));
	/* No such APIC ID: dropped. */
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | (0x20 << 12), 0x43), 0);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | (0x1ULL << 40), 0x43), 0);
	/* Broadcast. */
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | (0xff << 12), 0x44), 2);
	/* Logical flat: LDRs 0x01 and 0x02. */
	lapic_get(v0, &s);
	set_reg(&s, APIC_LDR, 0x01000000);
	lapic_set(v0, &s);
	lapic_get(v1, &s);
	set_reg(&s, APIC_LDR, 0x02000000);
	lapic_set(v1, &s);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | (0x03 << 12) | 4, 0x45), 2);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | (0x02 << 12) | 4, 0x46), 1);
	lapic_get(v1, &s);
	EXPECT_TRUE(vec_bit(&s, APIC_IRR, 0x46));
	/* Lowest priority: one of them, round robin. */
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | (0x03 << 12) | 4, 0x147), 1);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | (0x03 << 12) | 4, 0x148), 1);
	{
		struct altp2m_lapic_state a, b;

		lapic_get(v0, &a);
		lapic_get(v1, &b);
		EXPECT_EQ(vec_bit(&a, APIC_IRR, 0x47) +
			  vec_bit(&b, APIC_IRR, 0x47), 1);
		EXPECT_EQ(vec_bit(&a, APIC_IRR, 0x48) +
			  vec_bit(&b, APIC_IRR, 0x48), 1);
		EXPECT_NE(vec_bit(&a, APIC_IRR, 0x47),
			  vec_bit(&a, APIC_IRR, 0x48));
	}
	/* Malformed messages. */
	EXPECT_EQ(signal_msi(vm, 0xfec00000, 0x40), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | 0x10, 0x40), -1);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA | (1ULL << 32), 0x40), -1);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA, 0x240), -1);	/* SMI */
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA, 0x740), -1);	/* ExtINT */
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA, 0x640), -1);	/* SIPI */
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA, 0x10040), -1);
	EXPECT_EQ(errno, EINVAL);
	msi.flags = 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_SIGNAL_MSI, &msi), EINVAL);
	msi.flags = 0;
	msi.reserved[1] = 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_SIGNAL_MSI, &msi), EINVAL);
	/* An illegal vector reaches the APIC as a receive error. */
	lapic_get(v0, &s);
	set_reg(&s, APIC_ESR, 0);
	lapic_set(v0, &s);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA, 0x05), 1);
	lapic_get(v0, &s);
	EXPECT_FALSE(vec_bit(&s, APIC_IRR, 0x05));
	vm_free(vm);
}

static void irr_clear(struct vcpu *vcpu)
{
	struct altp2m_lapic_state s;
	unsigned int off;

	lapic_get(vcpu, &s);
	for (off = APIC_IRR; off < APIC_IRR + 0x80; off += 16)
		set_reg(&s, off, 0);
	lapic_set(vcpu, &s);
}

static bool irr_has(struct vcpu *vcpu, unsigned int vec)
{
	struct altp2m_lapic_state s;

	lapic_get(vcpu, &s);
	return vec_bit(&s, APIC_IRR, vec);
}

TEST(irqfd_bind_signal_deassign)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, NULL);
	int efd = eventfd(0, EFD_CLOEXEC), efd2 = eventfd(0, EFD_CLOEXEC);
	int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct altp2m_irqfd a = { .fd = efd, .msi_address = APIC_BASE_GPA,
				  .msi_data = 0x51 };
	uint64_t one = 1;

	ASSERT_TRUE(efd >= 0 && efd2 >= 0 && nullfd >= 0);
	lapic_enable(vcpu);
	/* Bad arguments. */
	ASSERT_ERRNO(irqfd(vm, 1000, 0, APIC_BASE_GPA, 0x51), EBADF);
	ASSERT_ERRNO(irqfd(vm, nullfd, 0, APIC_BASE_GPA, 0x51), EINVAL);
	ASSERT_ERRNO(irqfd(vm, efd, 0, 0xfec00000, 0x51), EINVAL);
	ASSERT_ERRNO(irqfd(vm, efd, 0, APIC_BASE_GPA, 0x251), EINVAL);
	ASSERT_ERRNO(irqfd(vm, efd, 2, APIC_BASE_GPA, 0x51), EINVAL);
	a.pad = 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_IRQFD, &a), EINVAL);
	a.pad = 0;
	a.reserved[0] = 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_IRQFD, &a), EINVAL);
	ASSERT_ERRNO(irqfd(vm, efd, ALTP2M_IRQFD_DEASSIGN, 0, 0), ENOENT);

	/* Bind, signal: the vector is pending. */
	ASSERT_EQ(irqfd(vm, efd, 0, APIC_BASE_GPA, 0x51), 0);
	ASSERT_ERRNO(irqfd(vm, efd, 0, APIC_BASE_GPA, 0x52), EEXIST);
	EXPECT_FALSE(irr_has(vcpu, 0x51));
	ASSERT_EQ(write(efd, &one, 8), 8);
	EXPECT_TRUE(irr_has(vcpu, 0x51));
	/* Unbound: signals do nothing more. */
	ASSERT_EQ(irqfd(vm, efd, ALTP2M_IRQFD_DEASSIGN, 0, 0), 0);
	ASSERT_ERRNO(irqfd(vm, efd, ALTP2M_IRQFD_DEASSIGN, 0, 0), ENOENT);
	irr_clear(vcpu);
	ASSERT_EQ(write(efd, &one, 8), 8);
	EXPECT_FALSE(irr_has(vcpu, 0x51));
	/* A signal that came before the binding is sent at binding. */
	ASSERT_EQ(write(efd2, &one, 8), 8);
	ASSERT_EQ(irqfd(vm, efd2, 0, APIC_BASE_GPA, 0x53), 0);
	EXPECT_TRUE(irr_has(vcpu, 0x53));
	close(nullfd);
	close(efd);
	/* efd2 stays bound: the VM goes first, then the eventfd fires. */
	vm_free(vm);
	ASSERT_EQ(write(efd2, &one, 8), 8);
	close(efd2);
}

/* At most ALTP2M_MAX_IRQFDS; closing an eventfd ends its binding. */
TEST(irqfd_limit_and_close)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, NULL);
	int fds[ALTP2M_MAX_IRQFDS + 1], i, extra;
	uint64_t one = 1;

	lapic_enable(vcpu);
	for (i = 0; i <= ALTP2M_MAX_IRQFDS; i++) {
		fds[i] = eventfd(0, EFD_CLOEXEC);
		ASSERT_TRUE(fds[i] >= 0);
	}
	for (i = 0; i < ALTP2M_MAX_IRQFDS; i++)
		ASSERT_EQ(irqfd(vm, fds[i], 0, APIC_BASE_GPA, 0x60 + (i % 64)),
			  0);
	ASSERT_ERRNO(irqfd(vm, fds[ALTP2M_MAX_IRQFDS], 0, APIC_BASE_GPA,
			   0x40), ENOSPC);
	/* Close one: its binding goes, the slot is free again. */
	close(fds[3]);
	ASSERT_EQ(irqfd(vm, fds[ALTP2M_MAX_IRQFDS], 0, APIC_BASE_GPA, 0x40),
		  0);
	ASSERT_EQ(write(fds[ALTP2M_MAX_IRQFDS], &one, 8), 8);
	EXPECT_TRUE(irr_has(vcpu, 0x40));
	/* The closed fd's number, reused by a new eventfd, is not bound. */
	extra = eventfd(0, EFD_CLOEXEC);
	ASSERT_TRUE(extra >= 0);
	ASSERT_ERRNO(irqfd(vm, extra, ALTP2M_IRQFD_DEASSIGN, 0, 0), ENOENT);
	close(extra);
	/* Half closed now, half left to the VM's teardown. */
	for (i = 0; i < ALTP2M_MAX_IRQFDS / 2; i++)
		if (i != 3)
			close(fds[i]);
	vm_free(vm);
	for (i = ALTP2M_MAX_IRQFDS / 2; i <= ALTP2M_MAX_IRQFDS; i++) {
		ASSERT_EQ(write(fds[i], &one, 8), 8);
		close(fds[i]);
	}
}

/* ---------------------------------------------------- guest registers */

static void guest_xapic_registers(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	unsigned int off;

	GUEST_ASSERT_EQ(base, 0xfee00900ULL);
	GUEST_ASSERT_EQ(apic_read(APIC_ID), 0);
	GUEST_ASSERT_EQ(apic_read(APIC_VER), 0x00050014);
	GUEST_ASSERT_EQ(apic_read(APIC_SVR), 0xff);
	GUEST_ASSERT_EQ(apic_read(APIC_DFR), 0xffffffffU);
	for (off = APIC_LVTT; off <= APIC_LVTERR; off += 16)
		GUEST_ASSERT_EQ(apic_read(off), LVT_MASKED);
	/* Writable bits only. */
	apic_write(APIC_SVR, 0xffffffffU);
	GUEST_ASSERT_EQ(apic_read(APIC_SVR), 0x1ff);
	apic_write(APIC_TPR, 0xffffffffU);
	GUEST_ASSERT_EQ(apic_read(APIC_TPR), 0xff);
	GUEST_ASSERT_EQ(apic_read(APIC_PPR), 0xff);
	apic_write(APIC_TPR, 0x20);
	apic_write(APIC_LDR, 0xffffffffU);
	GUEST_ASSERT_EQ(apic_read(APIC_LDR), 0xff000000U);
	apic_write(APIC_DFR, 0);
	GUEST_ASSERT_EQ(apic_read(APIC_DFR), 0x0fffffff);
	apic_write(APIC_DFR, 0xffffffffU);
	apic_write(APIC_LVT0, 0xffffffffU);
	GUEST_ASSERT_EQ(apic_read(APIC_LVT0), 0x1a7ff);
	apic_write(APIC_TDCR, 0xffffffffU);
	GUEST_ASSERT_EQ(apic_read(APIC_TDCR), 0xb);
	apic_write(APIC_ICR2, 0xffffffffU);
	GUEST_ASSERT_EQ(apic_read(APIC_ICR2), 0xff000000U);
	/* Read-only registers drop writes. */
	apic_write(APIC_VER, 0);
	GUEST_ASSERT_EQ(apic_read(APIC_VER), 0x00050014);
	apic_write(APIC_IRR, 0xffffffffU);
	GUEST_ASSERT_EQ(apic_read(APIC_IRR), 0);
	apic_write(APIC_PPR, 0);
	GUEST_ASSERT_EQ(apic_read(APIC_PPR), 0x20);
	/* CR8 is the TPR's high nibble. */
	__asm__ __volatile__("mov %0, %%cr8" : : "r"(9ULL));
	GUEST_ASSERT_EQ(apic_read(APIC_TPR), 0x90);
	apic_write(APIC_TPR, 0x5f);
	{
		uint64_t cr8;

		__asm__ __volatile__("mov %%cr8, %0" : "=r"(cr8));
		GUEST_ASSERT_EQ(cr8, 5);
	}
	/* ESR: write, then read what was latched. */
	apic_write(APIC_ESR, 0);
	GUEST_ASSERT_EQ(apic_read(APIC_ESR), 0);
	apic_read(0x2f0);			/* no CMCI register */
	apic_write(APIC_ESR, 0);
	GUEST_ASSERT_EQ(apic_read(APIC_ESR), 0x80);
	apic_write(APIC_ICR2, 0);
	apic_write(APIC_ICR, 0x07);		/* fixed, illegal vector */
	apic_write(APIC_ESR, 0);
	GUEST_ASSERT_EQ(apic_read(APIC_ESR), 0x20);
	apic_write(APIC_ESR, 0);
	GUEST_ASSERT_EQ(apic_read(APIC_ESR), 0);
	GUEST_ASSERT_EQ(apic_read(APIC_ICR) & (1U << 12), 0);
	/* Timer: the count runs down. */
	apic_write(APIC_LVTT, LVT_MASKED | 0x30);
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_TMICT, 0x7fffffff);
	{
		uint32_t c1 = apic_read(APIC_TMCCT), c2;

		for (off = 0; off < 1000; off++)
			cpu_relax();
		c2 = apic_read(APIC_TMCCT);
		GUEST_ASSERT(c1 > c2);
		GUEST_ASSERT(c1 <= 0x7fffffff);
	}
	/* Relocated: the old page is plain MMIO for the VMM again. */
	wrmsr(MSR_APIC_BASE, 0xfed00900ULL);
	GUEST_ASSERT_EQ(mmio_read32(0xfed00000ULL + APIC_VER), 0x00050014);
	wrmsr(MSR_APIC_BASE, 0xfee00900ULL);
}

TEST(xapic_registers)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_xapic_registers);
	struct altp2m_vcpu_stats st;

	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vcpu_stats(vcpu, &st);
	EXPECT_GE(st.apic_exits, 40);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_MMIO], 0);
	vm_free(vm);
}

static void guest_x2apic(uint64_t id)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);

	/* Not in x2APIC mode yet: its MSRs #GP. */
	GUEST_ASSERT(rdmsr_gp(X2(APIC_ID)));
	/* EXTD without EN, and reserved bits: #GP. */
	GUEST_ASSERT(wrmsr_gp(MSR_APIC_BASE,
			      (base & ~(1ULL << 11)) | (1 << 10)));
	GUEST_ASSERT(wrmsr_gp(MSR_APIC_BASE, base | (1 << 10) | 1));
	wrmsr(MSR_APIC_BASE, base | (1 << 10));
	GUEST_ASSERT_EQ(rdmsr(X2(APIC_ID)), id);
	GUEST_ASSERT_EQ(rdmsr(X2(APIC_LDR)),
			((id >> 4) << 16) | (1U << (id & 15)));
	GUEST_ASSERT_EQ(rdmsr(X2(APIC_VER)), 0x00050014);
	/* x2APIC -> xAPIC directly: #GP. */
	GUEST_ASSERT(wrmsr_gp(MSR_APIC_BASE, base));
	/* Read-only, write-only and absent registers. */
	GUEST_ASSERT(wrmsr_gp(X2(APIC_ID), 7));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_LDR), 1));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_VER), 0));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_PPR), 0));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_ISR), 0));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_TMCCT), 0));
	GUEST_ASSERT(rdmsr_gp(X2(APIC_EOI)));
	GUEST_ASSERT(rdmsr_gp(X2(APIC_SELF_IPI)));
	GUEST_ASSERT(rdmsr_gp(X2(APIC_APR)));
	GUEST_ASSERT(rdmsr_gp(X2(APIC_DFR)));
	GUEST_ASSERT(rdmsr_gp(X2(APIC_ICR2)));
	GUEST_ASSERT(rdmsr_gp(0x82f));
	GUEST_ASSERT(rdmsr_gp(0x8ff));
	/* Reserved bits. */
	GUEST_ASSERT(wrmsr_gp(X2(APIC_TPR), 0x100));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_TPR), 1ULL << 32));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_SVR), 0x1000));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_EOI), 1));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_ESR), 1));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_LVTT), 3U << 17));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_TDCR), 4));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_SELF_IPI), 0x100));
	GUEST_ASSERT(wrmsr_gp(X2(APIC_ICR), 1U << 13));
	GUEST_ASSERT_EQ(rdmsr(X2(APIC_TPR)), 0);
	/* Good writes. */
	GUEST_ASSERT(!wrmsr_gp(X2(APIC_SVR), 0x1ff));
	GUEST_ASSERT(!wrmsr_gp(X2(APIC_TPR), 0x10));
	GUEST_ASSERT_EQ(rdmsr(X2(APIC_TPR)), 0x10);
	GUEST_ASSERT_EQ(rdmsr(X2(APIC_PPR)), 0x10);
	/* SELF IPI: IRR (interrupts are off); an illegal one is an error. */
	wrmsr(X2(APIC_SELF_IPI), 0x77);
	GUEST_ASSERT_EQ(rdmsr(X2(APIC_IRR + 0x30)), 1U << (0x77 - 0x60));
	wrmsr(X2(APIC_SELF_IPI), 0x03);
	wrmsr(X2(APIC_ESR), 0);
	GUEST_ASSERT_EQ(rdmsr(X2(APIC_ESR)), 0x40);
	/* ICR: 64 bits at once, the destination in the high half. */
	wrmsr(X2(APIC_ICR), (0x1234ULL << 32) | 0x4840);
	GUEST_ASSERT_EQ(rdmsr(X2(APIC_ICR)), (0x1234ULL << 32) | 0x4840);
	/* The APIC MMIO page means nothing in x2APIC mode. */
	GUEST_SYNC(rdmsr(MSR_APIC_BASE));
	mmio_read32(APIC_BASE_GPA + APIC_VER);
	/* x2APIC -> disabled -> xAPIC is the way back, in reset state. */
	wrmsr(MSR_APIC_BASE, base & ~(1ULL << 11));
	GUEST_ASSERT(wrmsr_gp(MSR_APIC_BASE, base | (1 << 10)));
	wrmsr(MSR_APIC_BASE, base);
	GUEST_ASSERT_EQ(apic_read(APIC_ID), id << 24);
	GUEST_ASSERT_EQ(apic_read(APIC_SVR), 0xff);
	GUEST_ASSERT_EQ(apic_read(APIC_IRR + 0x30), 0);
}

TEST(x2apic_msrs)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 5, guest_x2apic);
	struct altp2m_mp_state mp = { .state = ALTP2M_MP_STATE_RUNNABLE };
	struct altp2m_lapic_state s;

	gp_setup(vm);
	vcpu_args_set(vcpu, 1, 5ULL);
	/* An AP: the VMM starts it with the registers it set. */
	ASSERT_EQ(ioctl(vcpu->fd, ALTP2M_SET_MP_STATE, &mp), 0);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0xfee00c00ULL);
	lapic_get(vcpu, &s);
	EXPECT_EQ(reg(&s, APIC_ID), 5);
	EXPECT_EQ(reg(&s, APIC_ICR2), 0x1234);
	vcpu_run(vcpu);
	/* The APIC page in x2APIC mode: an MMIO exit. */
	ASSERT_EQ(vcpu->run->exit_reason, ALTP2M_EXIT_MMIO);
	EXPECT_EQ(vcpu->run->mmio.gpa, APIC_BASE_GPA + APIC_VER);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	EXPECT_EQ(guest_global(vm, gp_count), 27);
	vm_free(vm);
}

/*
 * The guest programs the timer and exits; the VMM sees the vector in IRR
 * once the time has passed. TSC-deadline from the guest's own TSC.
 */
static void guest_timer(void)
{
	uint64_t dl;

	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_LVTT, 0x34);
	apic_write(APIC_TMICT, 2000000);	/* 2 ms */
	GUEST_ASSERT(apic_read(APIC_TMCCT) <= 2000000);
	GUEST_SYNC(1);
	GUEST_ASSERT_EQ(apic_read(APIC_TMCCT), 0);
	apic_write(APIC_LVTT, TIMER_DEADLINE | 0x35);
	GUEST_ASSERT_EQ(rdmsr(MSR_TSC_DEADLINE), 0);
	dl = rdtsc_guest() + 1000000;
	wrmsr(MSR_TSC_DEADLINE, dl);
	GUEST_ASSERT_EQ(rdmsr(MSR_TSC_DEADLINE), dl);
	GUEST_SYNC(2);
	GUEST_ASSERT_EQ(rdmsr(MSR_TSC_DEADLINE), 0);
	/* Outside the deadline mode the MSR reads 0 and ignores writes. */
	apic_write(APIC_LVTT, 0x35);
	wrmsr(MSR_TSC_DEADLINE, 5);
	GUEST_ASSERT_EQ(rdmsr(MSR_TSC_DEADLINE), 0);
}

TEST(timer_from_guest)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_timer);
	struct altp2m_lapic_state s;

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	msleep(30);
	lapic_get(vcpu, &s);
	EXPECT_TRUE(vec_bit(&s, APIC_IRR, 0x34));
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 2);
	msleep(30);
	lapic_get(vcpu, &s);
	EXPECT_TRUE(vec_bit(&s, APIC_IRR, 0x35));
	EXPECT_EQ(s.tsc_deadline, 0);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* IPIs from vCPU 0: physical, logical, shorthands, absent targets. */
static void guest_ipi(void)
{
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_LDR, 0x01000000);
	apic_write(APIC_ICR2, 1U << 24);
	apic_write(APIC_ICR, 0x61);			/* fixed to ID 1 */
	apic_write(APIC_ICR2, 0x02U << 24);
	apic_write(APIC_ICR, 0x862);			/* logical to 0x02 */
	apic_write(APIC_ICR, 0xc0063);			/* all but self */
	apic_write(APIC_ICR, 0x40064);			/* self */
	apic_write(APIC_ICR2, 0x20U << 24);
	apic_write(APIC_ICR, 0x65);			/* nobody has ID 0x20 */
	apic_write(APIC_ICR, 0x80066);			/* all, self too */
	apic_write(APIC_ESR, 0);
	GUEST_ASSERT_EQ(apic_read(APIC_ESR), 0);
	GUEST_ASSERT(apic_read(APIC_IRR + 0x30) & (1U << 4));	/* 0x64 */
	GUEST_ASSERT(apic_read(APIC_IRR + 0x30) & (1U << 6));	/* 0x66 */
	GUEST_ASSERT(!(apic_read(APIC_IRR + 0x30) & (1U << 3)));
}

static void guest_ipi_target(void)
{
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_LDR, 0x02000000);
}

TEST(ipis_between_vcpus)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *v0 = vcpu_add(vm, 0, guest_ipi);
	struct vcpu *v1 = vcpu_add(vm, 1, guest_ipi_target);
	struct altp2m_mp_state mp = { .state = ALTP2M_MP_STATE_RUNNABLE };
	struct altp2m_lapic_state s;
	unsigned int v;

	/* vCPU 1 is an AP: the VMM starts it with its own registers. */
	ASSERT_EQ(ioctl(v1->fd, ALTP2M_SET_MP_STATE, &mp), 0);
	vcpu_run(v1);
	assert_ucall_done(v1);
	vcpu_run(v0);
	assert_ucall_done(v0);
	lapic_get(v1, &s);
	for (v = 0x61; v <= 0x66; v++)
		EXPECT_EQ(vec_bit(&s, APIC_IRR, v), v != 0x64 && v != 0x65);
	vm_free(vm);
}

/* Garbage everywhere: architectural results, nothing else. */
static void guest_wild(void)
{
	unsigned int off, i;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	apic_write(APIC_SVR, 0x1ff);
	for (i = 0; i < 4; i++) {
		for (off = 0; off < 0x1000; off += 4) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Not the ICR: that would INIT or SIPI ourselves. */
			if ((off & ~0xfU) == APIC_ICR)
				continue;
			mmio_write32(APIC_BASE_GPA + off, (uint32_t)x);
			mmio_read32(APIC_BASE_GPA + off);
		}
	}
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_ID, 0);
	/* IPIs to vCPUs that do not exist, every mode. */
	for (i = 0; i < 8; i++) {
		apic_write(APIC_ICR2, (0x30 + i) << 24);
		apic_write(APIC_ICR, (i << 8) | 0x70);
	}
	/* A storm of self-IPIs in x2APIC mode, illegal vectors included. */
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1 << 10));
	for (i = 0; i < 5000; i++)
		wrmsr(X2(APIC_SELF_IPI), i & 0xff);
	for (i = 0; i < 0x100; i++)
		wrmsr_gp(0x800 + i, ~0ULL);
	wrmsr_gp(MSR_TSC_DEADLINE, ~0ULL);
	GUEST_SYNC(rdmsr(X2(APIC_IRR + 0x70)));
}

TEST(wild_input)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_wild);

	gp_setup(vm);
	vcpu_run(vcpu);
	/* The storm left every legal vector pending (interrupts off). */
	assert_ucall_sync(vcpu, 0xffffffffULL);
	vm_free(vm);
}

/*
 * INIT to itself: an AP waits for a start-up IPI (the BSP would restart
 * at the reset vector).
 */
static void guest_init_self(void)
{
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_ICR2, 1U << 24);
	apic_write(APIC_ICR, 0x4500);		/* INIT, assert, to ID 1 */
	GUEST_SYNC(0xbad);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST(init_to_self)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 1, guest_init_self);
	struct sigaction sa = { .sa_handler = on_alarm };
	struct altp2m_mp_state mp = { .state = ALTP2M_MP_STATE_RUNNABLE };
	int ret;

	ASSERT_EQ(ioctl(vcpu->fd, ALTP2M_SET_MP_STATE, &mp), 0);

	ASSERT_EQ(sigaction(SIGALRM, &sa, NULL), 0);
	alarm(2);
	ret = _vcpu_run(vcpu);
	alarm(0);
	ASSERT_EQ(ret, -1);
	ASSERT_EQ(errno, EINTR);
	memset(&mp, 0, sizeof(mp));
	ASSERT_EQ(ioctl(vcpu->fd, ALTP2M_GET_MP_STATE, &mp), 0);
	EXPECT_EQ(mp.state, ALTP2M_MP_STATE_WAIT_SIPI);
	vm_free(vm);
}

/* ------------------------------------------------------- end to end */

/*
 * Interrupt handlers for a few vectors: each logs its vector and ends the
 * interrupt with an EOI, through the MSR in x2APIC mode.
 */
#define IRQ_LOG_MAX	64
uint64_t irq_log[IRQ_LOG_MAX];
uint64_t irq_count;
uint64_t irq_x2apic;

void guest_irq_common(void);
__asm__(
	"	.text\n"
	"guest_irq_common:\n"
	"	push %rax\n"
	"	push %rcx\n"
	"	push %rdx\n"
	"	mov irq_count, %rax\n"
	"	cmp $64, %rax\n"
	"	jae 1f\n"
	"	mov 24(%rsp), %rdx\n"
	"	mov %rdx, irq_log(,%rax,8)\n"
	"1:	incq irq_count\n"
	"	cmpq $0, irq_x2apic\n"
	"	je 2f\n"
	"	mov $0x80b, %ecx\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	wrmsr\n"
	"	jmp 3f\n"
	"2:	mov $0xfee000b0, %edx\n"
	"	movl $0, (%rdx)\n"
	"3:	pop %rdx\n"
	"	pop %rcx\n"
	"	pop %rax\n"
	"	add $8, %rsp\n"
	"	iretq\n");

#define GUEST_IRQ_ENTRY(vec)						\
	void guest_irq_##vec(void);					\
	__asm__("	.text\n"					\
		"guest_irq_" #vec ":\n"					\
		"	push $" #vec "\n"				\
		"	jmp guest_irq_common\n")

GUEST_IRQ_ENTRY(0x30);
GUEST_IRQ_ENTRY(0x31);
GUEST_IRQ_ENTRY(0x32);
GUEST_IRQ_ENTRY(0x40);
GUEST_IRQ_ENTRY(0x41);
GUEST_IRQ_ENTRY(0x50);
GUEST_IRQ_ENTRY(0x58);

static void irq_setup(struct vm *vm)
{
	x86_set_idt_gate(vm->ram, 0x30, (uint64_t)(uintptr_t)guest_irq_0x30);
	x86_set_idt_gate(vm->ram, 0x31, (uint64_t)(uintptr_t)guest_irq_0x31);
	x86_set_idt_gate(vm->ram, 0x32, (uint64_t)(uintptr_t)guest_irq_0x32);
	x86_set_idt_gate(vm->ram, 0x40, (uint64_t)(uintptr_t)guest_irq_0x40);
	x86_set_idt_gate(vm->ram, 0x41, (uint64_t)(uintptr_t)guest_irq_0x41);
	x86_set_idt_gate(vm->ram, 0x50, (uint64_t)(uintptr_t)guest_irq_0x50);
	x86_set_idt_gate(vm->ram, 0x58, (uint64_t)(uintptr_t)guest_irq_0x58);
}

/* Sleep in HLT until @n interrupts have been handled (no lost wake-up). */
static void wait_irqs(uint64_t n)
{
	for (;;) {
		__asm__ __volatile__("cli" ::: "memory");
		if (READ_ONCE(irq_count) >= n)
			break;
		__asm__ __volatile__("sti; hlt" ::: "memory");
	}
	__asm__ __volatile__("sti" ::: "memory");
}

static void guest_end_to_end(void)
{
	uint64_t n = 0;

	apic_write(APIC_SVR, 0x1ff);
	__asm__ __volatile__("sti" ::: "memory");
	/* A self IPI: its handler runs before the next instruction. */
	apic_write(APIC_ICR, 0x40040);
	GUEST_ASSERT_EQ(READ_ONCE(irq_count), ++n);
	GUEST_ASSERT_EQ(irq_log[n - 1], 0x40);
	/* One-shot timer, 1 ms: HLT sleeps until it fires. */
	apic_write(APIC_TDCR, 0xb);
	apic_write(APIC_LVTT, 0x30);
	apic_write(APIC_TMICT, 1000000);
	wait_irqs(++n);
	GUEST_ASSERT_EQ(irq_log[n - 1], 0x30);
	GUEST_ASSERT_EQ(apic_read(APIC_TMCCT), 0);
	/*
	 * Periodic, 10 ms: three ticks, then masked. Not shorter: on the
	 * debug kernel in Bochs one tick's injection and EOI exit take more
	 * than 1 ms of the host's time, and a tick pending at each IRET
	 * starves this loop as it would on hardware.
	 */
	apic_write(APIC_LVTT, TIMER_PERIODIC | 0x31);
	apic_write(APIC_TMICT, 10000000);
	n += 3;
	wait_irqs(n);
	apic_write(APIC_LVTT, LVT_MASKED | TIMER_PERIODIC | 0x31);
	GUEST_ASSERT_EQ(irq_log[n - 1], 0x31);
	GUEST_ASSERT_EQ(irq_log[n - 3], 0x31);
	/* TSC-deadline. */
	apic_write(APIC_LVTT, TIMER_DEADLINE | 0x32);
	wrmsr(MSR_TSC_DEADLINE, rdtsc_guest() + 100000);
	wait_irqs(++n);
	GUEST_ASSERT_EQ(irq_log[n - 1], 0x32);
	GUEST_ASSERT_EQ(rdmsr(MSR_TSC_DEADLINE), 0);
	/* MSIs from the VMM: edge, then level (whose EOI exits). */
	GUEST_SYNC(n);
	wait_irqs(++n);
	GUEST_ASSERT_EQ(irq_log[n - 1], 0x50);
	GUEST_SYNC(n);
	wait_irqs(++n);
	GUEST_ASSERT_EQ(irq_log[n - 1], 0x58);
	GUEST_ASSERT_EQ(apic_read(APIC_ISR + 0x20), 0);
	/* x2APIC: SELF IPI, EOI by MSR. */
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1 << 10));
	WRITE_ONCE(irq_x2apic, 1);
	wrmsr(X2(APIC_SELF_IPI), 0x40);
	GUEST_ASSERT_EQ(READ_ONCE(irq_count), ++n);
	GUEST_ASSERT_EQ(irq_log[n - 1], 0x40);
	GUEST_ASSERT_EQ(rdmsr(X2(APIC_ISR + 0x20)), 0);
	GUEST_SYNC(n);
}

TEST(end_to_end)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_end_to_end);
	struct altp2m_vcpu_stats st;

	irq_setup(vm);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 6);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA, 0x50), 1);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 7);
	EXPECT_EQ(signal_msi(vm, APIC_BASE_GPA, 0xc058), 1);
	vcpu_run(vcpu);
	/* The level-triggered vector's EOI comes to the VMM. */
	ASSERT_EQ(vcpu->run->exit_reason, ALTP2M_EXIT_EOI);
	EXPECT_EQ(vcpu->run->eoi.vector, 0x58);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 9);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_EOI], 1);
	EXPECT_GE(st.irqs_injected, 9);
	EXPECT_GE(st.halts_blocked, 1);
	vm_free(vm);
}

/*
 * Ping-pong between two vCPU threads (real concurrency in the smp tier):
 * vCPU 0 sends a fixed IPI and waits until vCPU 1's handler has counted
 * it; vCPU 1 sleeps in HLT between them.
 */
#define PINGS	100

static void guest_ping(void)
{
	uint64_t i, spins;

	apic_write(APIC_SVR, 0x1ff);
	for (i = 0; i < PINGS; i++) {
		apic_write(APIC_ICR2, 1U << 24);
		apic_write(APIC_ICR, 0x41);
		for (spins = 0; READ_ONCE(irq_count) <= i; spins++)
			GUEST_ASSERT(spins < 100000000ULL);
	}
}

static void guest_pong(void)
{
	apic_write(APIC_SVR, 0x1ff);
	wait_irqs(PINGS);
	GUEST_ASSERT_EQ(irq_log[0], 0x41);
}

static void *run_thread(void *arg)
{
	struct vcpu *vcpu = arg;

	vcpu_run(vcpu);
	return NULL;
}

TEST(ipi_ping_pong)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *v0 = vcpu_add(vm, 0, guest_ping);
	struct vcpu *v1 = vcpu_add(vm, 1, guest_pong);
	struct altp2m_mp_state mp = { .state = ALTP2M_MP_STATE_RUNNABLE };
	pthread_t t0, t1;

	irq_setup(vm);
	ASSERT_EQ(ioctl(v1->fd, ALTP2M_SET_MP_STATE, &mp), 0);
	/* Enabled before the first ping, whichever thread runs first. */
	lapic_enable(v1);
	vcpu_set_if(v0, true);
	ASSERT_EQ(pthread_create(&t1, NULL, run_thread, v1), 0);
	ASSERT_EQ(pthread_create(&t0, NULL, run_thread, v0), 0);
	ASSERT_EQ(pthread_join(t0, NULL), 0);
	ASSERT_EQ(pthread_join(t1, NULL), 0);
	assert_ucall_done(v0);
	assert_ucall_done(v1);
	EXPECT_EQ(guest_global(vm, irq_count), PINGS);
	vm_free(vm);
}

/*
 * irqfds under fire: a thread signals an eventfd without pause while the
 * VMM binds and unbinds it, closes and replaces it, and finally destroys
 * the VM with a binding in place. Nothing may be lost track of (the
 * kernel log stays clean, kmemleak on the debug kernel finds nothing).
 */
struct hammer {
	int fd;
	volatile int stop;
};

static void *hammer_thread(void *arg)
{
	struct hammer *h = arg;
	uint64_t one = 1;

	while (!h->stop)
		if (write(READ_ONCE(h->fd), &one, 8) != 8)
			usleep(10);
	return NULL;
}

TEST(irqfd_races)
{
	struct vm *vm = vm_create_lapic();
	struct vcpu *vcpu = vcpu_add(vm, 0, NULL);
	struct hammer h = { .fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) };
	int i, fd, old;
	pthread_t t;

	lapic_enable(vcpu);
	ASSERT_TRUE(h.fd >= 0);
	ASSERT_EQ(pthread_create(&t, NULL, hammer_thread, &h), 0);
	for (i = 0; i < 200; i++) {
		ASSERT_EQ(irqfd(vm, h.fd, 0, APIC_BASE_GPA, 0x40 + i % 32), 0);
		if (i % 3) {
			ASSERT_EQ(irqfd(vm, h.fd, ALTP2M_IRQFD_DEASSIGN, 0, 0),
				  0);
			continue;
		}
		/* Closed while bound, and replaced under the writer. */
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		ASSERT_TRUE(fd >= 0);
		old = h.fd;
		WRITE_ONCE(h.fd, fd);
		close(old);
	}
	ASSERT_EQ(irqfd(vm, h.fd, 0, APIC_BASE_GPA, 0x41), 0);
	vm_free(vm);
	usleep(10000);
	h.stop = 1;
	ASSERT_EQ(pthread_join(t, NULL), 0);
	close(h.fd);
}

TEST_HARNESS_MAIN
