// SPDX-License-Identifier: GPL-2.0
/*
 * Exits to userspace, each checked field by field: HLT, port I/O (IN data
 * reaching the guest register, string I/O), MMIO reads and writes of every
 * size, VMCALL, triple fault, a signal interrupting ALTP2M_RUN,
 * immediate_exit, and a VM entry that must fail.
 */
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

/* Guest-physical addresses that no memory region backs. */
#define MMIO_BASE	0xc0000000ULL
#define PRELOAD		0x1122334455667788ULL
#define MMIO_DATA	0xa1a2a3a4a5a6a7a8ULL

static void expect_io(struct altp2m_test *_t, struct vcpu *vcpu,
		      unsigned int dir, unsigned int port, unsigned int size,
		      unsigned int count)
{
	struct altp2m_run *run = vcpu->run;

	assert_exit_reason(vcpu, ALTP2M_EXIT_IO);
	ASSERT_EQ(run->io.direction, dir);
	ASSERT_EQ(run->io.port, port);
	ASSERT_EQ(run->io.size, size);
	ASSERT_EQ(run->io.count, count);
}

static void expect_mmio(struct altp2m_test *_t, struct vcpu *vcpu,
			uint64_t gpa, unsigned int len, bool write)
{
	struct altp2m_run *run = vcpu->run;

	assert_exit_reason(vcpu, ALTP2M_EXIT_MMIO);
	ASSERT_EQ(run->mmio.gpa, gpa);
	ASSERT_EQ(run->mmio.len, len);
	ASSERT_EQ(run->mmio.is_write, write);
}

/* ------------------------------------------------------------------ HLT */

static void guest_hlt(void)
{
	GUEST_SYNC(1);
	halt();
	GUEST_SYNC(2);
}

/* HLT exits to userspace; the next RUN goes on after it. */
TEST(hlt_exit)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_hlt);
	struct altp2m_vcpu_stats st;

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HLT);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 2);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_HLT], 1);
	vm_free(vm);
}

/* ------------------------------------------------------------- port I/O */

static void guest_io_out(void)
{
	outb(0x80, 0x5a);		/* immediate port */
	outw(0x1234, 0xbeef);		/* port in dx */
	outl(0x5678, 0xdeadbeef);
	outb(0xffff, 0xa5);
	GUEST_SYNC(1);
}

TEST(io_out)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_io_out);
	uint8_t *d;

	vcpu_run(vcpu);
	expect_io(_t, vcpu, ALTP2M_IO_OUT, 0x80, 1, 1);
	d = vcpu_io_data(vcpu);
	ASSERT_EQ(d[0], 0x5a);

	vcpu_run(vcpu);
	expect_io(_t, vcpu, ALTP2M_IO_OUT, 0x1234, 2, 1);
	d = vcpu_io_data(vcpu);
	ASSERT_EQ(d[0] | d[1] << 8, 0xbeef);

	vcpu_run(vcpu);
	expect_io(_t, vcpu, ALTP2M_IO_OUT, 0x5678, 4, 1);
	d = vcpu_io_data(vcpu);
	ASSERT_EQ((uint32_t)d[0] | (uint32_t)d[1] << 8 |
		  (uint32_t)d[2] << 16 | (uint32_t)d[3] << 24, 0xdeadbeef);

	vcpu_run(vcpu);
	expect_io(_t, vcpu, ALTP2M_IO_OUT, 0xffff, 1, 1);
	ASSERT_EQ(*(uint8_t *)vcpu_io_data(vcpu), 0xa5);

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	vm_free(vm);
}

static uint64_t in8(uint16_t port, uint64_t rax)
{
	__asm__ __volatile__("inb %%dx, %%al" : "+a"(rax) : "d"(port));
	return rax;
}

static uint64_t in16(uint16_t port, uint64_t rax)
{
	__asm__ __volatile__("inw %%dx, %%ax" : "+a"(rax) : "d"(port));
	return rax;
}

static uint64_t in32(uint16_t port, uint64_t rax)
{
	__asm__ __volatile__("inl %%dx, %%eax" : "+a"(rax) : "d"(port));
	return rax;
}

static uint64_t in8_imm(uint64_t rax)
{
	__asm__ __volatile__("inb $0x71, %%al" : "+a"(rax));
	return rax;
}

static void guest_io_in(void)
{
	GUEST_SYNC(in8(0x3f8, PRELOAD));
	GUEST_SYNC(in16(0x2345, PRELOAD));
	GUEST_SYNC(in32(0x6789, PRELOAD));
	GUEST_SYNC(in8_imm(PRELOAD));
}

/*
 * IN data from the host lands in AL / AX / EAX, with the architectural
 * effect on the rest of RAX: AL and AX merge, EAX zero-extends.
 */
TEST(io_in)
{
	static const struct {
		uint16_t port;
		uint8_t size;
		uint32_t data;
		uint64_t rax;
	} in[] = {
		{ 0x3f8, 1, 0xc5, 0x11223344556677c5ULL },
		{ 0x2345, 2, 0xbeef, 0x112233445566beefULL },
		{ 0x6789, 4, 0xdeadbeef, 0xdeadbeefULL },
		{ 0x71, 1, 0x00, 0x1122334455667700ULL },
	};
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_io_in);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(in); i++) {
		vcpu_run(vcpu);
		expect_io(_t, vcpu, ALTP2M_IO_IN, in[i].port, in[i].size, 1);
		/* Little-endian, like the guest. */
		memcpy(vcpu_io_data(vcpu), &in[i].data, in[i].size);
		vcpu_run(vcpu);
		assert_ucall_sync(vcpu, in[i].rax);
	}

	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

static const uint8_t outs_src[5] = { 0x10, 0x21, 0x32, 0x43, 0x54 };
static const uint16_t outsw_src[3] = { 0x1111, 0x2222, 0x3333 };
static uint16_t insw_dst[4] = { 0, 0, 0, 0xffff };

extern char outsb_insn[];

static void __attribute__((noinline)) guest_io_string(void)
{
	const void *src = outs_src;
	void *dst = insw_dst;
	uint64_t n = 5;

	__asm__ __volatile__(".globl outsb_insn\noutsb_insn: rep outsb"
			     : "+S"(src), "+c"(n) : "d"(0x3f0) : "memory");
	GUEST_SYNC_ARGS((const uint8_t *)src - outs_src, n);

	src = outsw_src;
	n = 3;
	__asm__ __volatile__("rep outsw"
			     : "+S"(src), "+c"(n) : "d"(0x3f2) : "memory");
	GUEST_SYNC_ARGS((const uint8_t *)src - (const uint8_t *)outsw_src, n);

	n = 3;
	__asm__ __volatile__("rep insw"
			     : "+D"(dst), "+c"(n) : "d"(0x3f4) : "memory");
	GUEST_SYNC_ARGS((uint8_t *)dst - (uint8_t *)insw_dst, n,
			insw_dst[0], insw_dst[1], insw_dst[2], insw_dst[3]);
}

/*
 * Exits of a REP string I/O instruction, however the module splits them:
 * the items in order, the right port and size, and RSI/RDI and RCX as
 * after the whole instruction. The data of IN items comes from the host.
 */
static void string_io(struct altp2m_test *_t, struct vcpu *vcpu,
		      bool taken, unsigned int dir, unsigned int port,
		      unsigned int size, unsigned int items, const void *out,
		      uint8_t *in_fill)
{
	struct altp2m_run *run = vcpu->run;
	unsigned int done = 0;

	while (done < items) {
		uint8_t *d;

		if (!taken)
			vcpu_run(vcpu);
		taken = false;
		assert_exit_reason(vcpu, ALTP2M_EXIT_IO);
		ASSERT_EQ(run->io.direction, dir);
		ASSERT_EQ(run->io.port, port);
		ASSERT_EQ(run->io.size, size);
		ASSERT_GE(run->io.count, 1);
		ASSERT_LE(done + run->io.count, items);
		d = vcpu_io_data(vcpu);
		if (dir == ALTP2M_IO_OUT)
			ASSERT_EQ(memcmp(d, (const uint8_t *)out + done * size,
					 run->io.count * size), 0);
		else
			memcpy(d, in_fill + done * size, run->io.count * size);
		done += run->io.count;
	}
}

TEST(io_string)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_io_string);
	uint8_t in[6] = { 0x01, 0xa0, 0x02, 0xb0, 0x03, 0xc0 };
	struct altp2m_run *run = vcpu->run;
	struct ucall uc;

	vcpu_run(vcpu);
	ASSERT_EQ(run->exit_reason, ALTP2M_EXIT_IO);
	ASSERT_EQ(run->io.port, 0x3f0);
	/* Every item, in order. */
	string_io(_t, vcpu, true, ALTP2M_IO_OUT, 0x3f0, 1, 5, outs_src, NULL);
	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 5);	/* RSI advanced past every item */
	EXPECT_EQ(uc.args[1], 0);	/* RCX counted down */

	string_io(_t, vcpu, false, ALTP2M_IO_OUT, 0x3f2, 2, 3, outsw_src,
		  NULL);
	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 6);
	EXPECT_EQ(uc.args[1], 0);

	string_io(_t, vcpu, false, ALTP2M_IO_IN, 0x3f4, 2, 3, NULL, in);
	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 6);	/* RDI */
	EXPECT_EQ(uc.args[1], 0);
	EXPECT_EQ(uc.args[2], 0xa001);
	EXPECT_EQ(uc.args[3], 0xb002);
	EXPECT_EQ(uc.args[4], 0xc003);
	EXPECT_EQ(uc.args[5], 0xffff);	/* nothing past the last item */
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

#define BIG_OUTS	10000

static uint8_t big_src[BIG_OUTS];
static const uint32_t outsl_src[3] = { 0x11111111, 0x22222222, 0x33333333 };
static uint8_t insb_dst[8];
static const uint8_t fs_src[4] = { 0xf0, 0xf1, 0xf2, 0xf3 };

extern char ins_fault_insn[];

static void __attribute__((noinline)) guest_io_string_forms(void)
{
	const void *src;
	void *dst;
	uint64_t n, i;

	/* DF = 1: items go downwards, RDI ends one item below the start. */
	dst = &insb_dst[7];
	n = 8;
	__asm__ __volatile__("std\n\trep insb\n\tcld"
			     : "+D"(dst), "+c"(n) : "d"(0x3f6) : "memory");
	GUEST_SYNC_ARGS((uint8_t *)dst - insb_dst + 1, n, insb_dst[0],
			insb_dst[7]);

	src = &outsl_src[2];
	n = 3;
	__asm__ __volatile__("std\n\trep outsl\n\tcld"
			     : "+S"(src), "+c"(n) : "d"(0x3f8) : "memory");
	GUEST_SYNC_ARGS((const uint8_t *)src - (const uint8_t *)outsl_src + 4,
			n);

	/* No REP: one item, RCX untouched. */
	src = outs_src;
	n = 77;
	__asm__ __volatile__("outsb" : "+S"(src), "+c"(n) : "d"(0x3fa)
			     : "memory");
	GUEST_SYNC_ARGS((const uint8_t *)src - outs_src, n);

	/* REP with RCX = 0: no exit at all, nothing moves. */
	src = outs_src;
	n = 0;
	__asm__ __volatile__("rep outsb" : "+S"(src), "+c"(n) : "d"(0x3fc)
			     : "memory");
	GUEST_SYNC_ARGS((const uint8_t *)src - outs_src, n);

	/* Many pages, many rounds. */
	for (i = 0; i < BIG_OUTS; i++)
		big_src[i] = i * 13 + 5;
	src = big_src;
	n = BIG_OUTS;
	__asm__ __volatile__("rep outsb" : "+S"(src), "+c"(n) : "d"(0x3fe)
			     : "memory");
	GUEST_SYNC_ARGS((const uint8_t *)src - big_src, n);

	/* Address size 32: ESI and ECX count, and their upper halves clear. */
	src = (const void *)((uintptr_t)outs_src | 0xdead00000000ULL);
	n = 0xbeef00000002ULL;
	__asm__ __volatile__(".byte 0x67\n\trep outsb"
			     : "+S"(src), "+c"(n) : "d"(0x3e0) : "memory");
	GUEST_SYNC_ARGS((uintptr_t)src, n);

	/* An FS override: the FS base is added to RSI. */
	wrmsr(MSR_FS_BASE, (uintptr_t)fs_src - 0x100);
	src = (const void *)0x100;
	n = 4;
	__asm__ __volatile__("rep outsb %%fs:(%%rsi), %%dx"
			     : "+S"(src), "+c"(n) : "d"(0x3e2) : "memory");
	wrmsr(MSR_FS_BASE, 0);
	GUEST_SYNC_ARGS((uintptr_t)src, n);

	/* INS into an unmapped page: #PF in the guest, no exit. */
	dst = (void *)0x10;
	n = 4;
	__asm__ __volatile__(".globl ins_fault_insn\nins_fault_insn: rep insb"
			     : "+D"(dst), "+c"(n) : "d"(0x3e4) : "memory");
}

TEST(io_string_forms)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_io_string_forms);
	const uint8_t insb_fill[8] = { 0xa0, 0xa1, 0xa2, 0xa3,
				       0xa4, 0xa5, 0xa6, 0xa7 };
	const uint32_t outsl_want[3] = { 0x33333333, 0x22222222, 0x11111111 };
	uint8_t *big_want = malloc(BIG_OUTS);
	struct altp2m_vcpu_stats before, after;
	struct ucall uc;
	unsigned int i;

	ASSERT_NE(big_want, NULL);
	string_io(_t, vcpu, false, ALTP2M_IO_IN, 0x3f6, 1, 8, NULL,
		  (uint8_t *)insb_fill);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 0);	/* RDI = start - 8 */
	EXPECT_EQ(uc.args[1], 0);
	EXPECT_EQ(uc.args[2], 0xa7);	/* the first item went to the top */
	EXPECT_EQ(uc.args[3], 0xa0);

	string_io(_t, vcpu, false, ALTP2M_IO_OUT, 0x3f8, 4, 3, outsl_want,
		  NULL);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 0);	/* RSI = start - 12 */
	EXPECT_EQ(uc.args[1], 0);

	string_io(_t, vcpu, false, ALTP2M_IO_OUT, 0x3fa, 1, 1, outs_src,
		  NULL);
	ASSERT_EQ(vcpu->run->io.count, 1);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 1);
	EXPECT_EQ(uc.args[1], 77);

	vcpu_stats(vcpu, &before);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 0);
	EXPECT_EQ(uc.args[1], 0);
	vcpu_stats(vcpu, &after);
	/* Only the ucall's own exit came between the two syncs. */
	EXPECT_EQ(after.exits[ALTP2M_EXIT_IO] - before.exits[ALTP2M_EXIT_IO],
		  1);

	for (i = 0; i < BIG_OUTS; i++)
		big_want[i] = i * 13 + 5;
	vcpu_stats(vcpu, &before);
	string_io(_t, vcpu, false, ALTP2M_IO_OUT, 0x3fe, 1, BIG_OUTS,
		  big_want, NULL);
	vcpu_stats(vcpu, &after);
	/* At most 3072 bytes a round, and a round per page part: >= 4. */
	TH_LOG("%u-byte REP OUTSB took %llu exits", BIG_OUTS,
	       (unsigned long long)(after.exits[ALTP2M_EXIT_IO] -
				    before.exits[ALTP2M_EXIT_IO]));
	EXPECT_GE(after.exits[ALTP2M_EXIT_IO] - before.exits[ALTP2M_EXIT_IO],
		  4);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], BIG_OUTS);
	EXPECT_EQ(uc.args[1], 0);

	string_io(_t, vcpu, false, ALTP2M_IO_OUT, 0x3e0, 1, 2, outs_src,
		  NULL);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], (uint64_t)(uintptr_t)outs_src + 2);
	EXPECT_EQ(uc.args[1], 0);	/* ECX counted; a 32-bit write */

	string_io(_t, vcpu, false, ALTP2M_IO_OUT, 0x3e2, 1, 4, fs_src, NULL);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 0x104);
	EXPECT_EQ(uc.args[1], 0);

	/* #PF, write to a not-present page, at the INS itself. */
	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_UNHANDLED);
	EXPECT_EQ(uc.args[0], PF_VECTOR);
	EXPECT_EQ(uc.args[1], 2);
	EXPECT_EQ(uc.args[2], (uint64_t)(uintptr_t)ins_fault_insn);
	EXPECT_EQ(uc.args[3], 0x10);
	free(big_want);
	vm_free(vm);
}

/* ------------------------------------------------------ debug registers */

/* Watched by a host hardware breakpoint; the guest writes it too. */
static volatile uint64_t dr_watched;

#define GUEST_READ_DR(n) ({						\
	uint64_t _v;							\
	__asm__ __volatile__("mov %%dr" #n ", %0" : "=r"(_v));		\
	_v; })
#define GUEST_WRITE_DR(n, v)						\
	__asm__ __volatile__("mov %0, %%dr" #n : : "r"((uint64_t)(v)))

static void guest_dr_initial(void)
{
	GUEST_SYNC_ARGS(GUEST_READ_DR(0), GUEST_READ_DR(3), GUEST_READ_DR(6),
			GUEST_READ_DR(7));
}

static void guest_dr_isolated(void)
{
	GUEST_WRITE_DR(0, (uintptr_t)&dr_watched);
	GUEST_WRITE_DR(1, 0x1111);
	GUEST_WRITE_DR(2, 0x2222);
	GUEST_WRITE_DR(3, 0x3333);
	GUEST_WRITE_DR(6, 0x400f);		/* BS, B0-B3 */
	/* Every breakpoint enabled, write watch on DR0, and reserved bits. */
	GUEST_WRITE_DR(7, 0xf00ff | 0xd800);
	/* Neither its own breakpoint nor the host's may fire here. */
	dr_watched = 7;
	GUEST_SYNC_ARGS(GUEST_READ_DR(0), GUEST_READ_DR(1), GUEST_READ_DR(2),
			GUEST_READ_DR(3), GUEST_READ_DR(6), GUEST_READ_DR(7));
	/* DR4/DR5 alias DR6/DR7 (CR4.DE is off). */
	GUEST_SYNC_ARGS(GUEST_READ_DR(4), GUEST_READ_DR(5));
	/* Bits 63:32 of DR7 must be 0: #GP, the register unchanged. */
	GUEST_WRITE_DR(7, 1ULL << 32);
}

extern char dr_gd_insn[];

/* DR7.GD: the next MOV DR is a #DB fault, and GD clears itself. */
static void guest_dr_gd(void)
{
	uint64_t v;

	GUEST_WRITE_DR(7, 1 << 13);
	__asm__ __volatile__(".globl dr_gd_insn\ndr_gd_insn: mov %%dr0, %0"
			     : "=r"(v));
}

static int host_breakpoint(volatile uint64_t *addr)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(a),
		.bp_type = HW_BREAKPOINT_W,
		.bp_addr = (uintptr_t)addr,
		.bp_len = HW_BREAKPOINT_LEN_8,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	return syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static uint64_t breakpoint_hits(int fd)
{
	uint64_t n = 0;

	if (fd < 0 || read(fd, &n, sizeof(n)) != sizeof(n))
		return 0;
	return n;
}

/*
 * Guest debug registers live in the vCPU: the guest reads back what it
 * wrote, another vCPU does not see it, no guest breakpoint reaches the
 * hardware, and a host breakpoint set by this process keeps working
 * across VM entries and exits (which reset the hardware DR7).
 */
TEST(debug_registers_isolated)
{
	struct vm *vm = vm_create(0);
	struct vcpu *v0 = vcpu_add(vm, 0, guest_dr_isolated);
	struct vcpu *v1 = vcpu_add(vm, 1, guest_dr_initial);
	struct vcpu *v2 = vcpu_add(vm, 2, guest_dr_gd);
	int bp = host_breakpoint(&dr_watched);
	uint64_t base = 0;
	struct ucall uc;

	if (bp < 0)
		TH_LOG("no host hardware breakpoint (%s): host half not checked",
		       strerror(errno));
	if (bp >= 0) {
		dr_watched = 1;
		base = breakpoint_hits(bp);
		if (!base) {
			TH_LOG("the CPU does not fire data breakpoints: host half not checked");
			close(bp);
			bp = -1;
		}
	}

	ASSERT_EQ(vcpu_run_ucall(v0, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], (uint64_t)(uintptr_t)&dr_watched);
	EXPECT_EQ(uc.args[1], 0x1111);
	EXPECT_EQ(uc.args[2], 0x2222);
	EXPECT_EQ(uc.args[3], 0x3333);
	EXPECT_EQ(uc.args[4], 0xffff4fffULL);	/* fixed bits read as 1 */
	EXPECT_EQ(uc.args[5], 0xf04ffULL);	/* reserved 0, bit 10 is 1 */
	ASSERT_EQ(vcpu_run_ucall(v0, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 0xffff4fffULL);
	EXPECT_EQ(uc.args[1], 0xf04ffULL);
	vcpu_run(v0);
	ASSERT_EQ(get_ucall(v0, &uc), UCALL_UNHANDLED);
	EXPECT_EQ(uc.args[0], GP_VECTOR);

	ASSERT_EQ(vcpu_run_ucall(v1, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], 0);
	EXPECT_EQ(uc.args[1], 0);
	EXPECT_EQ(uc.args[2], 0xffff0ff0ULL);
	EXPECT_EQ(uc.args[3], 0x400);

	vcpu_run(v2);
	ASSERT_EQ(get_ucall(v2, &uc), UCALL_UNHANDLED);
	EXPECT_EQ(uc.args[0], DB_VECTOR);
	EXPECT_EQ(uc.args[2], (uint64_t)(uintptr_t)dr_gd_insn);

	if (bp >= 0) {
		/* The guest's own write was not the host's to count. */
		EXPECT_EQ(breakpoint_hits(bp), base);
		dr_watched = 2;
		EXPECT_EQ(breakpoint_hits(bp), base + 1);
		close(bp);
	}
	vm_free(vm);
}

/* ----------------------------------------------------------------- MMIO */

/*
 * Load from MMIO_BASE + @off with @insn into RAX, which holds PRELOAD
 * before, so that the host sees what the load left of the upper bits; a
 * macro because each size is its own instruction.
 */
#define GUEST_MMIO_LOAD(insn, off) ({					\
	uint64_t _v = PRELOAD;						\
	__asm__ __volatile__(insn : "+a"(_v)				\
			     : "r"(MMIO_BASE + (off)) : "memory");	\
	_v; })

static void guest_mmio_read(void)
{
	GUEST_SYNC(GUEST_MMIO_LOAD("movb (%1), %%al", 0x10));
	GUEST_SYNC(GUEST_MMIO_LOAD("movw (%1), %%ax", 0x21));
	GUEST_SYNC(GUEST_MMIO_LOAD("movl (%1), %%eax", 0x32));
	GUEST_SYNC(GUEST_MMIO_LOAD("movq (%1), %%rax", 0x48));
}

/* Fill a read's data: all 8 bytes, of which the access takes len. */
static void mmio_fill(struct vcpu *vcpu, uint64_t v)
{
	memcpy(vcpu->run->mmio.data, &v, sizeof(v));
}

/*
 * An MMIO read of 1, 2, 4 and 8 bytes: exact gpa, length and direction,
 * and the host's data in the destination register with the architectural
 * effect on its upper bits (8/16-bit loads merge, 32-bit zero-extends).
 */
TEST(mmio_read_sizes)
{
	static const struct {
		uint64_t off;
		unsigned int len;
		uint64_t result;
	} c[] = {
		{ 0x10, 1, 0x11223344556677a8ULL },
		{ 0x21, 2, 0x112233445566a7a8ULL },
		{ 0x32, 4, 0x00000000a5a6a7a8ULL },
		{ 0x48, 8, 0xa1a2a3a4a5a6a7a8ULL },
	};
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_mmio_read);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		vcpu_run(vcpu);
		expect_mmio(_t, vcpu, MMIO_BASE + c[i].off, c[i].len, false);
		mmio_fill(vcpu, MMIO_DATA);
		vcpu_run(vcpu);
		assert_ucall_sync(vcpu, c[i].result);
	}
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

static void guest_mmio_write(void)
{
	const uint64_t v = 0x0102030405060708ULL;

	__asm__ __volatile__("movb %%al, (%1)"
			     : : "a"(v), "r"(MMIO_BASE + 0x10) : "memory");
	__asm__ __volatile__("movw %%ax, (%1)"
			     : : "a"(v), "r"(MMIO_BASE + 0x21) : "memory");
	__asm__ __volatile__("movl %%eax, (%1)"
			     : : "a"(v), "r"(MMIO_BASE + 0x32) : "memory");
	__asm__ __volatile__("movq %%rax, (%1)"
			     : : "a"(v), "r"(MMIO_BASE + 0x48) : "memory");
	GUEST_SYNC(1);
}

/* MMIO writes of 1, 2, 4 and 8 bytes: address, length, the data. */
TEST(mmio_write_sizes)
{
	static const struct {
		uint64_t off;
		unsigned int len;
	} c[] = { { 0x10, 1 }, { 0x21, 2 }, { 0x32, 4 }, { 0x48, 8 } };
	static const uint8_t bytes[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_mmio_write);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c); i++) {
		vcpu_run(vcpu);
		expect_mmio(_t, vcpu, MMIO_BASE + c[i].off, c[i].len, true);
		ASSERT_EQ(memcmp(vcpu->run->mmio.data, bytes, c[i].len), 0);
	}
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	vm_free(vm);
}

static void guest_mmio_forms(void)
{
	register uint64_t r9 __asm__("r9") = 0x5555555555555555ULL;
	register uint64_t r10 __asm__("r10") = MMIO_BASE + 0x100;
	register uint64_t r11 __asm__("r11") = 0xffffffffffffffffULL;
	register uint64_t r12 __asm__("r12") = MMIO_BASE + 0x204;
	uint64_t rsi = PRELOAD;

	/* REX.W + REX.R + REX.B: 8 bytes into r9, address in r10 */
	__asm__ __volatile__("movq (%1), %0" : "+r"(r9) : "r"(r10) : "memory");
	/* REX.R + REX.B, 32-bit: zero-extends r11 */
	__asm__ __volatile__("movl (%1), %k0" : "+r"(r11) : "r"(r12)
			     : "memory");
	/* a REX prefix makes this SIL, not DH */
	__asm__ __volatile__("movb (%1), %%sil" : "+S"(rsi)
			     : "b"(MMIO_BASE + 0x301) : "memory");
	GUEST_SYNC_ARGS(r9, r11, rsi);
	/* store of an immediate (C7 /0) */
	__asm__ __volatile__("movl $0xcafef00d, (%0)"
			     : : "r"(MMIO_BASE + 0x400) : "memory");
	/* store from r9 with a displacement */
	__asm__ __volatile__("movq %0, 8(%1)"
			     : : "r"(r9), "r"(r10 + 0x400) : "memory");
	GUEST_SYNC(2);
}

/* MMIO through REX-encoded registers, a displacement and an immediate. */
TEST(mmio_other_forms)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_mmio_forms);
	static const uint8_t imm[4] = { 0x0d, 0xf0, 0xfe, 0xca };
	const uint64_t d2 = 0x0f1e2d3c4b5a6978ULL;
	struct ucall uc;

	vcpu_run(vcpu);
	expect_mmio(_t, vcpu, MMIO_BASE + 0x100, 8, false);
	mmio_fill(vcpu, d2);
	vcpu_run(vcpu);
	expect_mmio(_t, vcpu, MMIO_BASE + 0x204, 4, false);
	mmio_fill(vcpu, d2);
	vcpu_run(vcpu);
	expect_mmio(_t, vcpu, MMIO_BASE + 0x301, 1, false);
	mmio_fill(vcpu, d2);
	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ(uc.args[0], d2);
	EXPECT_EQ(uc.args[1], 0x4b5a6978ULL);
	EXPECT_EQ(uc.args[2], 0x1122334455667778ULL);

	vcpu_run(vcpu);
	expect_mmio(_t, vcpu, MMIO_BASE + 0x400, 4, true);
	ASSERT_EQ(memcmp(vcpu->run->mmio.data, imm, 4), 0);
	vcpu_run(vcpu);
	expect_mmio(_t, vcpu, MMIO_BASE + 0x508, 8, true);
	ASSERT_EQ(memcmp(vcpu->run->mmio.data, &d2, 8), 0);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 2);
	vm_free(vm);
}

/* ------------------------------------------------------------ hypercall */

static uint64_t vmcall(uint64_t nr, const uint64_t a[5], uint64_t after[5])
{
	uint64_t rax = nr, rbx = a[0], rcx = a[1], rdx = a[2], rsi = a[3];
	uint64_t rdi = a[4];

	__asm__ __volatile__("vmcall"
			     : "+a"(rax), "+b"(rbx), "+c"(rcx), "+d"(rdx),
			       "+S"(rsi), "+D"(rdi) : : "memory");
	after[0] = rbx;
	after[1] = rcx;
	after[2] = rdx;
	after[3] = rsi;
	after[4] = rdi;
	return rax;
}

static const uint64_t hc_args1[5] = { 0x1111, 0x2222, 0x3333, 0x4444,
				      0x5555 };
static const uint64_t hc_args2[5] = { ~0ULL, 0, 0x8000000000000000ULL, 1,
				      0x0123456789abcdefULL };

static void guest_hypercall(void)
{
	uint64_t after[5], ret;
	unsigned int i;

	ret = vmcall(0x1234abcd, hc_args1, after);
	for (i = 0; i < 5; i++)
		GUEST_ASSERT_EQ(after[i], hc_args1[i]);
	GUEST_SYNC(ret);
	ret = vmcall(0, hc_args2, after);
	for (i = 0; i < 5; i++)
		GUEST_ASSERT_EQ(after[i], hc_args2[i]);
	GUEST_SYNC(ret);
}

/*
 * VMCALL: nr and the five arguments reach the host, the host's return
 * value reaches RAX, and the argument registers are left alone.
 */
TEST(hypercall)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_hypercall);
	struct altp2m_run *run = vcpu->run;
	unsigned int i;

	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HYPERCALL);
	ASSERT_EQ(run->hypercall.nr, 0x1234abcd);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(run->hypercall.args[i], hc_args1[i]);
	run->hypercall.ret = 0xfeedfacecafebeefULL;
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0xfeedfacecafebeefULL);

	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_HYPERCALL);
	ASSERT_EQ(run->hypercall.nr, 0);
	for (i = 0; i < 5; i++)
		ASSERT_EQ(run->hypercall.args[i], hc_args2[i]);
	run->hypercall.ret = 0;
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* --------------------------------------------------------- triple fault */

static void guest_triple_fault(void)
{
	static const struct x86_dtr empty = { 0, 0 };

	GUEST_SYNC(1);
	set_idt(&empty);
	/* #UD cannot be delivered: #GP, then #DF, then shutdown. */
	__asm__ __volatile__("ud2");
	GUEST_SYNC(0xbad);
}

TEST(triple_fault_shutdown)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_triple_fault);
	struct altp2m_vcpu_stats st;

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_SHUTDOWN);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_SHUTDOWN], 1);
	vm_free(vm);
}

/* ------------------------------------------------ signals, immediate_exit */

static uint64_t wait_entries, wait_started, wait_release;

static void guest_count_and_wait(void)
{
	WRITE_ONCE(wait_entries, READ_ONCE(wait_entries) + 1);
	WRITE_ONCE(wait_started, 1);
	while (!READ_ONCE(wait_release))
		cpu_relax();
	GUEST_SYNC(READ_ONCE(wait_entries));
}

struct run_result {
	struct vcpu *vcpu;
	int ret, err;
	uint32_t exit_reason;
	uint64_t returned;
};

static void sig_noop(int sig)
{
	(void)sig;
}

static void *interrupted_run(void *arg)
{
	struct run_result *r = arg;

	r->ret = _vcpu_run(r->vcpu);
	r->err = errno;
	r->exit_reason = r->vcpu->run->exit_reason;
	__atomic_store_n(&r->returned, 1, __ATOMIC_SEQ_CST);
	if (r->ret == -1 && r->err == EINTR) {
		/* Not restarted: resumed where it was. */
		vcpu_run(r->vcpu);
		assert_ucall_sync(r->vcpu, 1);
	}
	return NULL;
}

/*
 * A signal to the thread in ALTP2M_RUN makes it return EINTR with exit
 * reason INTR; the next RUN continues the guest where it was.
 */
TEST(signal_interrupts_run)
{
	/* Without SA_RESTART. */
	struct sigaction sa = { .sa_handler = sig_noop };
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_count_and_wait);
	struct run_result r = { .vcpu = vcpu };
	pthread_t th;

	/* The host must run this thread while the guest spins. */
	vcpu_set_if(vcpu, true);
	ASSERT_EQ(sigaction(SIGUSR1, &sa, NULL), 0);
	ASSERT_EQ(pthread_create(&th, NULL, interrupted_run, &r), 0);
	ASSERT_TRUE(host_wait(&guest_global(vm, wait_started), 60));
	ASSERT_EQ(pthread_kill(th, SIGUSR1), 0);
	if (!host_wait(&r.returned, 30))
		TH_LOG("ALTP2M_RUN did not return within 30 s of the signal");
	/* Let the guest finish in any case, so the thread ends. */
	WRITE_ONCE(guest_global(vm, wait_release), 1);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_EQ(r.ret, -1);
	ASSERT_EQ(r.err, EINTR);
	ASSERT_EQ(r.exit_reason, ALTP2M_EXIT_INTR);
	EXPECT_EQ(guest_global(vm, wait_entries), 1);
	vm_free(vm);
}

static void guest_spin_irqs_off(void)
{
	asm volatile("cli");
	for (;;)
		asm volatile("pause");
}

/*
 * A guest spinning with interrupts off never gives the CPU back by itself;
 * the module's backstop (the VMX-preemption timer) must, so that a signal
 * still ends ALTP2M_RUN. Without it this test hangs in Bochs.
 */
TEST(signal_interrupts_irqs_off_spin)
{
	struct sigaction sa = { .sa_handler = sig_noop };
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2,
	};
	struct itimerspec its = { .it_value.tv_sec = 1 };
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_spin_irqs_off);
	timer_t timer;

	/* A timer of its own: the harness's alarm() stays the test timeout. */
	ASSERT_EQ(sigaction(SIGUSR2, &sa, NULL), 0);
	ASSERT_EQ(timer_create(CLOCK_MONOTONIC, &sev, &timer), 0);
	ASSERT_EQ(timer_settime(timer, 0, &its, NULL), 0);
	vcpu->run->exit_reason = ALTP2M_EXIT_NR;
	ASSERT_ERRNO(_vcpu_run(vcpu), EINTR);
	EXPECT_EQ(vcpu->run->exit_reason, ALTP2M_EXIT_INTR);
	timer_delete(timer);
	vm_free(vm);
}

static void guest_counts_entries(void)
{
	WRITE_ONCE(wait_entries, READ_ONCE(wait_entries) + 1);
	GUEST_SYNC(READ_ONCE(wait_entries));
}

/* immediate_exit: EINTR at once, the guest not entered, every time. */
TEST(immediate_exit)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_counts_entries);
	struct altp2m_regs before, after;
	int i;

	vcpu_regs_get(vcpu, &before);
	vcpu->run->immediate_exit = 1;
	for (i = 0; i < 2; i++) {
		vcpu->run->exit_reason = ALTP2M_EXIT_NR;
		ASSERT_ERRNO(_vcpu_run(vcpu), EINTR);
		ASSERT_EQ(vcpu->run->exit_reason, ALTP2M_EXIT_INTR);
	}
	vcpu_regs_get(vcpu, &after);
	ASSERT_EQ(after.rip, before.rip);
	ASSERT_EQ(after.rsp, before.rsp);
	ASSERT_EQ(guest_global(vm, wait_entries), 0);

	vcpu->run->immediate_exit = 0;
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);

	/* Between two exits as well: the guest stays where it stopped. */
	vcpu_regs_get(vcpu, &before);
	vcpu->run->immediate_exit = 1;
	ASSERT_ERRNO(_vcpu_run(vcpu), EINTR);
	vcpu_regs_get(vcpu, &after);
	ASSERT_EQ(after.rip, before.rip);
	vcpu->run->immediate_exit = 0;
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* -------------------------------------------------- failed VM entry */

/*
 * CS.L and CS.D both set is invalid in IA-32e mode (SDM 26.3.1.2). SET_SREGS
 * takes any value; the next RUN does not enter the guest but reports
 * FAIL_ENTRY, basic reason 33 (invalid guest state), with the VMCS field
 * at fault: GUEST_CS_AR_BYTES (0x4816). Made valid again, the guest runs.
 */
TEST(invalid_guest_state_fails_entry)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_counts_entries);
	struct altp2m_sregs sregs;
	struct altp2m_regs before, after;

	vcpu_regs_get(vcpu, &before);
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs.db = 1;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_FAIL_ENTRY);
	ASSERT_EQ(vcpu->run->fail_entry.hardware_reason, 33);
	ASSERT_EQ(vcpu->run->fail_entry.qualification, 0x4816);
	vcpu_regs_get(vcpu, &after);
	ASSERT_EQ(after.rip, before.rip);
	ASSERT_EQ(guest_global(vm, wait_entries), 0);

	sregs.cs.db = 0;
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	vm_free(vm);
}

static void guest_wrmsr(uint64_t index, uint64_t value)
{
	wrmsr(index, value);
	GUEST_DONE();
}

static void guest_rdmsr(uint64_t index)
{
	(void)rdmsr(index);
	GUEST_DONE();
}

/*
 * A guest touching MSRs it has no business with (feature control, speculation
 * control, APIC base, VMX capabilities, DEBUGCTL, an MSR that does not exist,
 * EFER with a reserved bit) gets #GP, as on a CPU without them, and the host
 * is none the worse (the kernel log check after the suite says so).
 */
TEST(wild_msrs_raise_gp)
{
	static const struct { uint32_t index; uint64_t value; } wild[] = {
		{ 0x3a, 0 }, { 0x48, 1 }, { 0x1b, 0xfee00000 }, { 0x480, 0 },
		{ 0x1d9, 1 }, { 0x12345678, 0 }, { 0xc0000104, 0 },
		{ 0xc0000080, 1ULL << 20 },
	};
	unsigned int i, rd;
	struct ucall uc;

	for (i = 0; i < sizeof(wild) / sizeof(wild[0]); i++) {
		for (rd = 0; rd < 2; rd++) {
			struct vm *vm = vm_create(0);
			struct vcpu *vcpu;

			if (rd && wild[i].index == 0xc0000080)
				continue;	/* reading EFER is allowed */
			vcpu = vcpu_add(vm, 0, rd ? (void *)guest_rdmsr :
						    (void *)guest_wrmsr);
			vcpu_args_set(vcpu, 2, (uint64_t)wild[i].index,
				      wild[i].value);
			vcpu_run(vcpu);
			if (get_ucall(vcpu, &uc) != UCALL_UNHANDLED ||
			    uc.args[0] != 13)
				TH_LOG("%s of MSR %#x: no #GP", rd ? "RDMSR" :
				       "WRMSR", wild[i].index);
			ASSERT_EQ(uc.type, UCALL_UNHANDLED);
			ASSERT_EQ(uc.args[0], 13);
			vm_free(vm);
		}
	}
}

TEST_HARNESS_MAIN
