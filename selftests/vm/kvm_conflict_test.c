// SPDX-License-Identifier: GPL-2.0
/*
 * altp2m and KVM cannot both own VMX on a CPU. Whichever creates a VM
 * first wins; the other must fail cleanly with EBUSY, and once the winner
 * is gone the other works. Uses Debian's own kvm and kvm_intel modules.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/altp2m.h>

#include "../lib/harness.h"

#define KVM_CREATE_VM_IOCTL	0xae01	/* _IO(KVMIO, 0x01) */

static int load_kvm(struct altp2m_test *_t)
{
	int fd;

	/*
	 * Since 6.12 KVM holds VMX from its load on, VMs or not, unless told
	 * otherwise (kvm.enable_virt_at_load=0); older kvm.ko lacks the
	 * parameter and refuses to load with it.
	 */
	if (system("insmod modules/irqbypass.ko 2>/dev/null; "
		   "(insmod modules/kvm.ko enable_virt_at_load=0 || insmod modules/kvm.ko) 2>/dev/null; "
		   "insmod modules/kvm-intel.ko 2>/dev/null") < 0)
		SKIP("cannot run insmod");
	fd = open("/dev/kvm", O_RDWR);
	if (fd < 0)
		SKIP("kvm_intel does not load here");
	return fd;
}

static int altp2m_vm(void)
{
	struct altp2m_create_vm c = { 0 };
	int dev = open("/dev/altp2m", O_RDWR), vm;

	if (dev < 0)
		return -1;
	vm = ioctl(dev, ALTP2M_CREATE_VM, &c);
	close(dev);
	return vm;
}

TEST(kvm_first_then_altp2m)
{
	int kvm = load_kvm(_t), kvm_vm, vm;

	kvm_vm = ioctl(kvm, KVM_CREATE_VM_IOCTL, 0);
	ASSERT_GE(kvm_vm, 0);
	ASSERT_ERRNO(altp2m_vm(), EBUSY);
	close(kvm_vm);
	vm = altp2m_vm();
	ASSERT_GE(vm, 0);
	close(vm);
	close(kvm);
}

TEST(altp2m_first_then_kvm)
{
	int kvm = load_kvm(_t), kvm_vm, vm;

	vm = altp2m_vm();
	ASSERT_GE(vm, 0);
	kvm_vm = ioctl(kvm, KVM_CREATE_VM_IOCTL, 0);
	EXPECT_EQ(kvm_vm, -1);
	/* KVM's errno for it: EBUSY up to 6.11, EIO from 6.12 on. */
	EXPECT_TRUE(errno == EBUSY || errno == EIO);
	if (kvm_vm >= 0)
		close(kvm_vm);
	close(vm);
	kvm_vm = ioctl(kvm, KVM_CREATE_VM_IOCTL, 0);
	ASSERT_GE(kvm_vm, 0);
	close(kvm_vm);
	close(kvm);
}

TEST(unload_kvm)
{
	ASSERT_EQ(system("rmmod kvm_intel && rmmod kvm && rmmod irqbypass"), 0);
}

TEST_HARNESS_MAIN
