// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest guests: a few bytes of real-mode code (the vCPU's reset
 * state, which unrestricted guest lets VMX run directly) doing port I/O,
 * MMIO, VMCALL and HLT. They prove the VM/vCPU life cycle and the exit
 * paths without any guest-side library.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/altp2m.h>

#include "../lib/harness.h"

#define MEM_SIZE	0x10000

struct vm {
	int dev, vm, vcpu;
	uint8_t *mem;
	struct altp2m_run *run;
};

static void vm_setup(struct altp2m_test *_t, struct vm *v,
		     const uint8_t *code, size_t len)
{
	struct altp2m_memory_region r = { 0 };
	struct altp2m_create_vcpu c = { 0 };
	struct altp2m_create_vm cv = { 0 };
	struct altp2m_sregs s = { 0 };
	struct altp2m_regs regs = { 0 };
	int size;

	v->dev = open("/dev/altp2m", O_RDWR);
	ASSERT_GE(v->dev, 0);
	v->vm = ioctl(v->dev, ALTP2M_CREATE_VM, &cv);
	ASSERT_GE(v->vm, 0);
	ASSERT_NE(cv.vm_id, 0);
	v->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(v->mem, MAP_FAILED);
	memcpy(v->mem, code, len);
	r.slot = 0;
	r.guest_phys_addr = 0;
	r.memory_size = MEM_SIZE;
	r.userspace_addr = (uintptr_t)v->mem;
	ASSERT_EQ(ioctl(v->vm, ALTP2M_SET_MEMORY_REGION, &r), 0);
	c.vcpu_id = 0;
	v->vcpu = ioctl(v->vm, ALTP2M_CREATE_VCPU, &c);
	ASSERT_GE(v->vcpu, 0);
	size = ioctl(v->dev, ALTP2M_GET_RUN_SIZE, 0);
	ASSERT_GE(size, (int)sizeof(struct altp2m_run));
	v->run = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu, 0);
	ASSERT_NE(v->run, MAP_FAILED);

	/* From the reset state, start at 0000:0000 instead of f000:fff0. */
	ASSERT_EQ(ioctl(v->vcpu, ALTP2M_GET_SREGS, &s), 0);
	EXPECT_EQ(s.cs.selector, 0xf000);
	EXPECT_EQ(s.cs.base, 0xffff0000);
	s.cs.selector = 0;
	s.cs.base = 0;
	ASSERT_EQ(ioctl(v->vcpu, ALTP2M_SET_SREGS, &s), 0);
	ASSERT_EQ(ioctl(v->vcpu, ALTP2M_GET_REGS, &regs), 0);
	EXPECT_EQ(regs.rip, 0xfff0);
	regs.rip = 0;
	regs.rsp = 0x8000;
	ASSERT_EQ(ioctl(v->vcpu, ALTP2M_SET_REGS, &regs), 0);
}

static void vm_run(struct altp2m_test *_t, struct vm *v, unsigned int reason)
{
	ASSERT_EQ(ioctl(v->vcpu, ALTP2M_RUN, 0), 0);
	if (v->run->exit_reason != reason)
		TH_LOG("exit %u (internal suberror %u data %llx %llx %llx %llx)",
		       v->run->exit_reason, v->run->internal.suberror,
		       (unsigned long long)v->run->internal.data[0],
		       (unsigned long long)v->run->internal.data[1],
		       (unsigned long long)v->run->internal.data[2],
		       (unsigned long long)v->run->internal.data[3]);
	ASSERT_EQ(v->run->exit_reason, reason);
}

TEST(out_then_hlt)
{
	/* mov $0x42, %al; out %al, $0x10; hlt */
	static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xf4 };
	struct altp2m_regs regs = { 0 };
	struct vm v;

	vm_setup(_t, &v, code, sizeof(code));
	vm_run(_t, &v, ALTP2M_EXIT_IO);
	EXPECT_EQ(v.run->io.direction, ALTP2M_IO_OUT);
	EXPECT_EQ(v.run->io.size, 1);
	EXPECT_EQ(v.run->io.port, 0x10);
	EXPECT_EQ(v.run->io.count, 1);
	EXPECT_EQ(((uint8_t *)v.run)[v.run->io.data_offset], 0x42);
	vm_run(_t, &v, ALTP2M_EXIT_HLT);
	ASSERT_EQ(ioctl(v.vcpu, ALTP2M_GET_REGS, &regs), 0);
	EXPECT_EQ(regs.rip, 5);
	EXPECT_EQ(regs.rax & 0xff, 0x42);
}

TEST(in_data_reaches_guest)
{
	/* in $0x20, %al; mov %al, (0x100); hlt */
	static const uint8_t code[] = { 0xe4, 0x20, 0xa2, 0x00, 0x01, 0xf4 };
	struct vm v;

	vm_setup(_t, &v, code, sizeof(code));
	vm_run(_t, &v, ALTP2M_EXIT_IO);
	EXPECT_EQ(v.run->io.direction, ALTP2M_IO_IN);
	EXPECT_EQ(v.run->io.port, 0x20);
	((uint8_t *)v.run)[v.run->io.data_offset] = 0x5a;
	vm_run(_t, &v, ALTP2M_EXIT_HLT);
	EXPECT_EQ(v.mem[0x100], 0x5a);
}

TEST(mmio_read_and_write)
{
	/*
	 * mov $0x2000, %ax; mov %ax, %ds   (ds base 0x20000: not RAM)
	 * mov (0x10), %bx                  (16-bit MMIO read)
	 * mov %bx, (0x20)                  (16-bit MMIO write of it)
	 * hlt
	 */
	static const uint8_t code[] = {
		0xb8, 0x00, 0x20, 0x8e, 0xd8,
		0x8b, 0x1e, 0x10, 0x00,
		0x89, 0x1e, 0x20, 0x00,
		0xf4,
	};
	struct vm v;

	vm_setup(_t, &v, code, sizeof(code));
	vm_run(_t, &v, ALTP2M_EXIT_MMIO);
	EXPECT_EQ(v.run->mmio.gpa, 0x20010);
	EXPECT_EQ(v.run->mmio.len, 2);
	EXPECT_EQ(v.run->mmio.is_write, 0);
	v.run->mmio.data[0] = 0x34;
	v.run->mmio.data[1] = 0x12;
	vm_run(_t, &v, ALTP2M_EXIT_MMIO);
	EXPECT_EQ(v.run->mmio.gpa, 0x20020);
	EXPECT_EQ(v.run->mmio.len, 2);
	EXPECT_EQ(v.run->mmio.is_write, 1);
	EXPECT_EQ(v.run->mmio.data[0], 0x34);
	EXPECT_EQ(v.run->mmio.data[1], 0x12);
	vm_run(_t, &v, ALTP2M_EXIT_HLT);
}

TEST(vmcall_result_in_rax)
{
	/* mov $7, %ax; vmcall; mov %ax, (0x100); hlt */
	static const uint8_t code[] = {
		0xb8, 0x07, 0x00, 0x0f, 0x01, 0xc1, 0xa3, 0x00, 0x01, 0xf4,
	};
	struct vm v;

	vm_setup(_t, &v, code, sizeof(code));
	vm_run(_t, &v, ALTP2M_EXIT_HYPERCALL);
	EXPECT_EQ(v.run->hypercall.nr & 0xffff, 7);
	v.run->hypercall.ret = 0xbeef;
	vm_run(_t, &v, ALTP2M_EXIT_HLT);
	EXPECT_EQ(v.mem[0x100], 0xef);
	EXPECT_EQ(v.mem[0x101], 0xbe);
}

TEST(stats_count_exits)
{
	static const uint8_t code[] = { 0xb0, 0x42, 0xe6, 0x10, 0xf4 };
	struct altp2m_vcpu_stats st = { 0 };
	struct vm v;

	vm_setup(_t, &v, code, sizeof(code));
	vm_run(_t, &v, ALTP2M_EXIT_IO);
	vm_run(_t, &v, ALTP2M_EXIT_HLT);
	ASSERT_EQ(ioctl(v.vcpu, ALTP2M_GET_VCPU_STATS, &st), 0);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_IO], 1);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_HLT], 1);
	EXPECT_TRUE(st.hw_exits >= 2);
	st.flags = 1;
	ASSERT_ERRNO(ioctl(v.vcpu, ALTP2M_GET_VCPU_STATS, &st), EINVAL);
}

TEST_HARNESS_MAIN
