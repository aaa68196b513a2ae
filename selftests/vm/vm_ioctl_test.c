// SPDX-License-Identifier: GPL-2.0
/*
 * The VM and vCPU ioctls against bad input: undefined flags, non-zero
 * padding and reserved fields (EINVAL), bad pointers (EFAULT), unknown
 * numbers and wrong encodings (ENOTTY), out-of-range values; calls from a
 * process other than the VM's creator (EIO); and the lifetimes of the
 * device, VM and vCPU fds and of the run mapping, closed in every order.
 *
 * Each check of a rejected input is followed by the same call with the
 * input fixed succeeding, so a test cannot pass on a wrong template.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define KADDR		((void *)0xffff888000000000UL)
#define REGION_A	0x40000000ULL

/* A field that must be zero on input. */
struct zfield {
	const char *name;
	size_t off, len;
};

#define ZF(type, member)						\
	{ #member, offsetof(type, member), sizeof(((type *)0)->member) }

/*
 * With @valid (@size bytes) as the argument @cmd succeeds; with the first
 * or the last byte of any of @fields non-zero it must fail with EINVAL.
 * @after (may be NULL) runs after every rejected call, to check that
 * nothing changed.
 */
static void check_zero_fields(struct altp2m_test *_t, int fd,
			      unsigned long cmd, const void *valid,
			      size_t size, const struct zfield *fields,
			      unsigned int n)
{
	uint8_t buf[1024];
	unsigned int i, j;

	ASSERT_LE(size, sizeof(buf));
	for (i = 0; i < n; i++) {
		for (j = 0; j < 2; j++) {
			size_t at = fields[i].off + (j ? fields[i].len - 1 : 0);
			int ret;

			memcpy(buf, valid, size);
			buf[at] = j ? 0x80 : 0x01;
			errno = 0;
			ret = ioctl(fd, cmd, buf);
			if (ret != -1 || errno != EINVAL)
				TH_LOG("%s byte %zu = %#x: ret %d errno %d "
				       "(%s), want EINVAL", fields[i].name,
				       at - fields[i].off, buf[at], ret, errno,
				       strerror(errno));
			ASSERT_EQ(ret, -1);
			ASSERT_EQ(errno, EINVAL);
		}
	}
}

/* Pointers the kernel cannot read: EFAULT. */
static void check_bad_pointers(int fd, unsigned long cmd)
{
	ASSERT_ERRNO(ioctl(fd, cmd, NULL), EFAULT);
	ASSERT_ERRNO(ioctl(fd, cmd, (void *)16), EFAULT);
	ASSERT_ERRNO(ioctl(fd, cmd, KADDR), EFAULT);
	ASSERT_ERRNO(ioctl(fd, cmd, (void *)~0UL), EFAULT);
}

/* How many file descriptors this process has open. */
static int count_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

/*
 * For ioctls that write back: a valid input (the zeroes of a fresh page)
 * the kernel can read but cannot write. The call fails and leaves no new
 * file descriptor behind (for the ioctls that make one).
 */
static void check_readonly_arg(struct altp2m_test *_t, int fd,
			       unsigned long cmd)
{
	void *ro = mmap(NULL, PAGE_SIZE, PROT_READ,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int before = count_fds();

	ASSERT_NE(ro, MAP_FAILED);
	ASSERT_ERRNO(ioctl(fd, cmd, ro), EFAULT);
	if (count_fds() != before)
		TH_LOG("%d fds before the failed call, %d after", before,
		       count_fds());
	ASSERT_EQ(count_fds(), before);
	munmap(ro, PAGE_SIZE);
}

/* The right number with another size or direction is another ioctl. */
static void check_bad_encodings(int fd, unsigned long cmd)
{
	static uint8_t buf[4096];
	unsigned int nr = _IOC_NR(cmd), size = _IOC_SIZE(cmd);
	unsigned int dir = _IOC_DIR(cmd), other;

	ASSERT_ERRNO(ioctl(fd, _IOC(dir == _IOC_NONE ? _IOC_WRITE : dir,
				    ALTP2MIO, nr, size + 8), buf), ENOTTY);
	if (size >= 8)
		ASSERT_ERRNO(ioctl(fd, _IOC(dir, ALTP2MIO, nr, size - 8), buf),
			     ENOTTY);
	other = dir == (_IOC_READ | _IOC_WRITE) ? _IOC_WRITE :
		dir == _IOC_NONE ? _IOC_READ : _IOC_READ | _IOC_WRITE;
	ASSERT_ERRNO(ioctl(fd, _IOC(other, ALTP2MIO, nr, size ?: 8), buf),
		     ENOTTY);
}

static bool has_cloexec(int fd)
{
	int f = fcntl(fd, F_GETFD);

	return f >= 0 && (f & FD_CLOEXEC);
}

static void guest_sync_done(void)
{
	GUEST_SYNC(0x5a);
}

/* ---------------------------------------------------------- /dev/altp2m */

TEST(get_run_size)
{
	int fd = altp2m_open_dev();
	int size = ioctl(fd, ALTP2M_GET_RUN_SIZE, 0);

	ASSERT_GE(size, (int)sizeof(struct altp2m_run));
	ASSERT_EQ(size % PAGE_SIZE, 0);
	/* Like GET_API_VERSION, the argument must be 0. */
	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_RUN_SIZE, 1), EINVAL);
	ASSERT_EQ(ioctl(fd, ALTP2M_GET_RUN_SIZE, 0), size);
	check_bad_encodings(fd, ALTP2M_GET_RUN_SIZE);
	close(fd);
}

/* The vm_id is a line of the VM fd's fdinfo: "altp2m-vm-id:\t<id>". */
static bool fdinfo_has_id(int fd, uint32_t id)
{
	char path[64], line[256], key[128];
	unsigned long long v;
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127[^:]: %llu", key, &v) == 2 &&
		    !strcmp(key, "altp2m-vm-id") && v == id)
			found = true;
	fclose(f);
	return found;
}

TEST(create_vm_checks)
{
	/* vm_id is an output, and 0 on input (Documentation/uapi.rst). */
	static const struct zfield zf[] = {
		ZF(struct altp2m_create_vm, vm_id),
		ZF(struct altp2m_create_vm, reserved),
	};
	struct altp2m_create_vm c = { 0 };
	int dev = altp2m_open_dev();
	int fd[2];
	uint32_t id[2];
	int i;

	check_zero_fields(_t, dev, ALTP2M_CREATE_VM, &c, sizeof(c), zf,
			  ARRAY_SIZE(zf));
	/* Every flag but ALTP2M_VM_LAPIC is unknown: EINVAL. */
	for (i = 0; i < 32; i++) {
		memset(&c, 0, sizeof(c));
		c.flags = 1u << i;
		if (c.flags == ALTP2M_VM_LAPIC) {
			fd[0] = ioctl(dev, ALTP2M_CREATE_VM, &c);
			ASSERT_GE(fd[0], 0);
			close(fd[0]);
			continue;
		}
		ASSERT_ERRNO(ioctl(dev, ALTP2M_CREATE_VM, &c), EINVAL);
	}
	memset(&c, 0, sizeof(c));
	check_bad_pointers(dev, ALTP2M_CREATE_VM);
	check_readonly_arg(_t, dev, ALTP2M_CREATE_VM);
	check_bad_encodings(dev, ALTP2M_CREATE_VM);

	for (i = 0; i < 2; i++) {
		memset(&c, 0, sizeof(c));
		fd[i] = ioctl(dev, ALTP2M_CREATE_VM, &c);
		ASSERT_GE(fd[i], 0);
		id[i] = c.vm_id;
		EXPECT_TRUE(has_cloexec(fd[i]));
		EXPECT_EQ(c.flags, 0);
		EXPECT_EQ(c.reserved[0] | c.reserved[1] | c.reserved[2], 0);
		if (!fdinfo_has_id(fd[i], id[i]))
			TH_LOG("vm_id %u not in /proc/self/fdinfo/%d", id[i],
			       fd[i]);
		EXPECT_TRUE(fdinfo_has_id(fd[i], id[i]));
	}
	EXPECT_NE(id[0], id[1]);
	close(fd[0]);
	close(fd[1]);
	close(dev);
}

/* An id is not handed out again as soon as its VM is gone. */
TEST(vm_ids_not_reused)
{
	struct altp2m_create_vm c = { 0 };
	int dev = altp2m_open_dev();
	uint32_t first;
	int fd, i;

	fd = ioctl(dev, ALTP2M_CREATE_VM, &c);
	ASSERT_GE(fd, 0);
	first = c.vm_id;
	close(fd);
	for (i = 0; i < 4; i++) {
		memset(&c, 0, sizeof(c));
		fd = ioctl(dev, ALTP2M_CREATE_VM, &c);
		ASSERT_GE(fd, 0);
		TH_LOG("VM %u after VM %u went", c.vm_id, first);
		ASSERT_NE(c.vm_id, first);
		ASSERT_GT(c.vm_id, first + i);
		close(fd);
	}
	close(dev);
}

#define MAX_VMS_PARAM	"/sys/module/altp2m/parameters/max_vms_per_user"

static int param_rw(const char *path, int set)
{
	char buf[32];
	int fd, n;

	fd = open(path, set < 0 ? O_RDONLY : O_WRONLY);
	if (fd < 0)
		return -1;
	if (set < 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = 0;
		n = n > 0 ? atoi(buf) : -1;
	} else {
		n = snprintf(buf, sizeof(buf), "%d\n", set);
		n = write(fd, buf, n) == n ? set : -1;
	}
	close(fd);
	return n;
}

/*
 * As uid nobody (through a /dev/altp2m fd root opened): @limit VMs, then
 * EDQUOT; one closed, one more. Exit status: 0 or the failing step.
 */
static int nobody_creates(int dev, int limit)
{
	struct altp2m_create_vm c;
	int fds[16], i;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 100;
	for (i = 0; i < limit; i++) {
		memset(&c, 0, sizeof(c));
		fds[i] = ioctl(dev, ALTP2M_CREATE_VM, &c);
		if (fds[i] < 0)
			return 1;
	}
	memset(&c, 0, sizeof(c));
	if (ioctl(dev, ALTP2M_CREATE_VM, &c) != -1 || errno != EDQUOT)
		return 2;
	close(fds[0]);
	memset(&c, 0, sizeof(c));
	fds[0] = ioctl(dev, ALTP2M_CREATE_VM, &c);
	if (fds[0] < 0)
		return 3;
	memset(&c, 0, sizeof(c));
	if (ioctl(dev, ALTP2M_CREATE_VM, &c) != -1 || errno != EDQUOT)
		return 4;
	return 0;
}

static int in_child_status(int (*fn)(int, int), int dev, int arg)
{
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(fn(dev, arg));
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

/*
 * max_vms_per_user: a user at the limit gets EDQUOT; VMs that go give
 * their place back (also when their process exits); root, with
 * CAP_SYS_RESOURCE, goes past it.
 */
TEST(vms_per_user_limit)
{
	int dev = altp2m_open_dev();
	int old = param_rw(MAX_VMS_PARAM, -1);
	struct altp2m_create_vm c;
	int fds[4], i;

	TH_LOG("max_vms_per_user default %d", old);
	ASSERT_GT(old, 0);
	ASSERT_EQ(param_rw(MAX_VMS_PARAM, 3), 3);
	EXPECT_EQ(in_child_status(nobody_creates, dev, 3), 0);
	/* The child's VMs went with it: the same user starts afresh. */
	EXPECT_EQ(in_child_status(nobody_creates, dev, 3), 0);
	for (i = 0; i < 4; i++) {
		memset(&c, 0, sizeof(c));
		fds[i] = ioctl(dev, ALTP2M_CREATE_VM, &c);
		EXPECT_GE(fds[i], 0);
	}
	for (i = 0; i < 4; i++)
		close(fds[i]);
	ASSERT_EQ(param_rw(MAX_VMS_PARAM, old), old);
	close(dev);
}

/* ----------------------------------------------------------- VM fd */

static int set_region(int fd, uint32_t slot, uint32_t flags, uint64_t gpa,
		      uint64_t size, uint64_t uaddr)
{
	struct altp2m_memory_region mr = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = uaddr,
	};

	return ioctl(fd, ALTP2M_SET_MEMORY_REGION, &mr);
}

TEST(set_memory_region_checks)
{
	static const struct zfield zf[] = {
		ZF(struct altp2m_memory_region, flags),
		ZF(struct altp2m_memory_region, reserved),
	};
	struct vm *vm = vm_create(0);	/* slot 0: RAM at [0, ram_size) */
	uint64_t ram = vm->ram_size, ua;
	void *mem = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct altp2m_memory_region valid = {
		.slot = 1,
		.guest_phys_addr = REGION_A,
		.memory_size = 2 << 20,
	};
	int fd = vm->fd, ret;
	void *unmapped;

	ASSERT_NE(mem, MAP_FAILED);
	ua = ALIGN_UP((uint64_t)(uintptr_t)mem, PAGE_SIZE);
	valid.userspace_addr = ua;

	check_zero_fields(_t, fd, ALTP2M_SET_MEMORY_REGION, &valid,
			  sizeof(valid), zf, ARRAY_SIZE(zf));
	check_bad_pointers(fd, ALTP2M_SET_MEMORY_REGION);
	check_bad_encodings(fd, ALTP2M_SET_MEMORY_REGION);

	/* Slot numbers. */
	ASSERT_ERRNO(set_region(fd, ALTP2M_MAX_MEM_SLOTS, 0, REGION_A, 2 << 20,
				ua), EINVAL);
	ASSERT_ERRNO(set_region(fd, 0xffffffff, 0, REGION_A, 2 << 20, ua),
		     EINVAL);
	/* Alignment of gpa, size, userspace address. */
	ASSERT_ERRNO(set_region(fd, 1, 0, REGION_A + 0x800, 2 << 20, ua),
		     EINVAL);
	ASSERT_ERRNO(set_region(fd, 1, 0, REGION_A, 0x1800, ua), EINVAL);
	ASSERT_ERRNO(set_region(fd, 1, 0, REGION_A, 2 << 20, ua + 0x10),
		     EINVAL);
	/* Deleting a slot that does not exist. */
	ASSERT_ERRNO(set_region(fd, 1, 0, REGION_A, 0, ua), EINVAL);
	/* Beyond any guest physical address width; wrapping. */
	ASSERT_ERRNO(set_region(fd, 1, 0, 1ULL << 52, 2 << 20, ua), EINVAL);
	ASSERT_ERRNO(set_region(fd, 1, 0, 0xfffffffffffff000ULL, 0x2000, ua),
		     EINVAL);
	/* Overlapping slot 0: inside, across its end, covering it. */
	ASSERT_ERRNO(set_region(fd, 1, 0, 0x100000, 0x2000, ua), EEXIST);
	ASSERT_ERRNO(set_region(fd, 1, 0, ram - 0x1000, 0x2000, ua), EEXIST);
	ASSERT_ERRNO(set_region(fd, 1, 0, 0, ram + 0x1000, ua), EEXIST);
	/*
	 * A userspace range that is not the caller's memory: a kernel
	 * address, one that wraps. The uAPI does not say EINVAL (KVM) or
	 * EFAULT: either is taken.
	 */
	errno = 0;
	ret = set_region(fd, 1, 0, REGION_A, 2 << 20, (uint64_t)KADDR);
	TH_LOG("kernel userspace_addr: errno %d", errno);
	ASSERT_EQ(ret, -1);
	ASSERT_TRUE(errno == EINVAL || errno == EFAULT);
	errno = 0;
	ret = set_region(fd, 1, 0, REGION_A, 0x2000, 0xfffffffffffff000ULL);
	TH_LOG("wrapping userspace_addr: errno %d", errno);
	ASSERT_EQ(ret, -1);
	ASSERT_TRUE(errno == EINVAL || errno == EFAULT);
	/* Memory that is not mapped cannot be pinned. */
	unmapped = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(unmapped, MAP_FAILED);
	ASSERT_EQ(munmap(unmapped, 2 << 20), 0);
	ASSERT_ERRNO(set_region(fd, 1, 0, REGION_A, 2 << 20,
				(uint64_t)(uintptr_t)unmapped), EFAULT);
	/* Adjacent to slot 0 is fine. */
	ASSERT_EQ(set_region(fd, 2, 0, ram, 0x1000, ua), 0);
	ASSERT_EQ(set_region(fd, 2, 0, ram, 0, ua), 0);

	/* Now the valid region, and changes to it. */
	ASSERT_EQ(ioctl(fd, ALTP2M_SET_MEMORY_REGION, &valid), 0);
	/* Overlap with slot 1 from another slot. */
	ASSERT_ERRNO(set_region(fd, 2, 0, REGION_A + 0x1000, 0x1000, ua),
		     EEXIST);
	/* Another size, another userspace address: not a move. */
	ASSERT_ERRNO(set_region(fd, 1, 0, REGION_A, 1 << 20, ua), EINVAL);
	ASSERT_ERRNO(set_region(fd, 1, 0, REGION_A, 2 << 20, ua + 0x1000),
		     EINVAL);
	ASSERT_ERRNO(set_region(fd, 1, 0, REGION_A + (2 << 20), 1 << 20, ua),
		     EINVAL);
	/* Moving onto slot 0. */
	ASSERT_ERRNO(set_region(fd, 1, 0, ram - 0x1000, 2 << 20, ua), EEXIST);
	/* The same again changes nothing and succeeds. */
	ASSERT_EQ(ioctl(fd, ALTP2M_SET_MEMORY_REGION, &valid), 0);
	/* A move, a delete, a second delete. */
	ASSERT_EQ(set_region(fd, 1, 0, REGION_A + (4 << 20), 2 << 20, ua), 0);
	ASSERT_EQ(set_region(fd, 1, 0, REGION_A + (4 << 20), 0, ua), 0);
	ASSERT_ERRNO(set_region(fd, 1, 0, REGION_A + (4 << 20), 0, ua),
		     EINVAL);
	/* A deleted slot is a new slot again, with any size. */
	ASSERT_EQ(set_region(fd, 1, 0, REGION_A, 1 << 20, ua + 0x1000), 0);
	ASSERT_EQ(set_region(fd, 1, 0, REGION_A, 0, ua), 0);
	munmap(mem, 4 << 20);
	vm_free(vm);
}

/*
 * As nobody with RLIMIT_MEMLOCK at 1 MiB: a region one page beyond it is
 * ENOMEM, one within it is pinned. Exit status: 0 or the failing step.
 */
static int nobody_memlock(int dev, int unused)
{
	struct rlimit rl = { .rlim_cur = 1 << 20, .rlim_max = 1 << 20 };
	struct altp2m_create_vm c = { 0 };
	void *mem;
	int vm;

	(void)unused;
	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 100;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		return 101;
	vm = ioctl(dev, ALTP2M_CREATE_VM, &c);
	if (vm < 0)
		return 102;
	mem = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 103;
	if (set_region(vm, 1, 0, REGION_A, (1 << 20) + PAGE_SIZE,
		       (uint64_t)(uintptr_t)mem) != -1 || errno != ENOMEM)
		return 1;
	if (set_region(vm, 1, 0, REGION_A, 1 << 20, (uint64_t)(uintptr_t)mem))
		return 2;
	return 0;
}

/*
 * Region sizes are bounded before anything is allocated for them: beyond
 * ALTP2M_MAX_MEMORY_SIZE E2BIG (whatever the address width), beyond the
 * host's RAM ENOMEM even with CAP_IPC_LOCK, beyond RLIMIT_MEMLOCK ENOMEM
 * without it; and no warning in the kernel log (the harness checks).
 */
TEST(region_size_bounded)
{
	struct vm *vm = vm_create(0);
	uint64_t tib4 = 4ULL << 40;
	void *va = mmap(NULL, tib4, PROT_NONE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint64_t ua = (uint64_t)(uintptr_t)va;
	int dev = altp2m_open_dev();

	ASSERT_NE(va, MAP_FAILED);
	ASSERT_ERRNO(set_region(vm->fd, 1, 0, 0, tib4, ua), E2BIG);
	ASSERT_ERRNO(set_region(vm->fd, 1, 0, 0, ALTP2M_MAX_MEMORY_SIZE + PAGE_SIZE,
				ua), E2BIG);
	/*
	 * Within the cap but more than the machine has (the test VM has
	 * 512 MiB): never pinnable.
	 */
	ASSERT_ERRNO(set_region(vm->fd, 1, 0, 4ULL << 30, 4ULL << 30, ua),
		     ENOMEM);
	EXPECT_EQ(in_child_status(nobody_memlock, dev, 0), 0);
	munmap(va, tib4);
	close(dev);
	vm_free(vm);
}

TEST(create_vcpu_checks)
{
	static const struct zfield zf[] = {
		ZF(struct altp2m_create_vcpu, flags),
		ZF(struct altp2m_create_vcpu, reserved),
	};
	struct altp2m_create_vcpu c = { .vcpu_id = 3 };
	struct vm *vm = vm_create_bare();
	int fd;

	check_zero_fields(_t, vm->fd, ALTP2M_CREATE_VCPU, &c, sizeof(c), zf,
			  ARRAY_SIZE(zf));
	check_bad_pointers(vm->fd, ALTP2M_CREATE_VCPU);
	check_bad_encodings(vm->fd, ALTP2M_CREATE_VCPU);
	ASSERT_ERRNO(__vm_create_vcpu(vm, ALTP2M_MAX_VCPUS), EINVAL);
	ASSERT_ERRNO(__vm_create_vcpu(vm, 0xffffffff), EINVAL);
	ASSERT_ERRNO(__vm_create_vcpu(vm, 0x80000003), EINVAL);

	fd = ioctl(vm->fd, ALTP2M_CREATE_VCPU, &c);
	ASSERT_GE(fd, 0);
	ASSERT_ERRNO(__vm_create_vcpu(vm, 3), EEXIST);
	close(fd);
	vm_free(vm);
}

/* Every id, in any order, each with its own run area. */
TEST(create_all_vcpus)
{
	struct vm *vm = vm_create_bare();
	int i;

	for (i = ALTP2M_MAX_VCPUS - 1; i >= 0; i -= 2)
		vcpu_add_bare(vm, i);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i += 2)
		vcpu_add_bare(vm, i);
	ASSERT_ERRNO(__vm_create_vcpu(vm, ALTP2M_MAX_VCPUS), EINVAL);
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		vm->vcpus[i]->run->immediate_exit = (uint8_t)i;
		ASSERT_EQ(vm->vcpus[i]->run->exit_reason, 0);
	}
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++)
		ASSERT_EQ(vm->vcpus[i]->run->immediate_exit, (uint8_t)i);
	vm_free(vm);
}

/* ----------------------------------------------------------- vCPU fd */

static struct vm *vm_one_vcpu(struct vcpu **vcpu, void *fn)
{
	struct vm *vm = vm_create(0);

	*vcpu = vcpu_add(vm, 0, fn);
	return vm;
}

TEST(regs_checks)
{
	static const struct zfield zf[] = {
		ZF(struct altp2m_regs, flags),
		ZF(struct altp2m_regs, pad),
		ZF(struct altp2m_regs, reserved),
	};
	struct vcpu *vcpu;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_sync_done);
	struct altp2m_regs regs, now;
	int fd = vcpu->fd;

	vcpu_regs_get(vcpu, &regs);
	check_zero_fields(_t, fd, ALTP2M_GET_REGS, &regs, sizeof(regs), zf,
			  ARRAY_SIZE(zf));
	check_bad_pointers(fd, ALTP2M_GET_REGS);
	check_readonly_arg(_t, fd, ALTP2M_GET_REGS);
	check_bad_encodings(fd, ALTP2M_GET_REGS);

	regs.rax = 0x1234;
	check_zero_fields(_t, fd, ALTP2M_SET_REGS, &regs, sizeof(regs), zf,
			  ARRAY_SIZE(zf));
	check_bad_pointers(fd, ALTP2M_SET_REGS);
	check_bad_encodings(fd, ALTP2M_SET_REGS);
	/* None of the rejected calls set anything. */
	vcpu_regs_get(vcpu, &now);
	ASSERT_EQ(now.rax, 0);
	vcpu_regs_set(vcpu, &regs);
	vcpu_regs_get(vcpu, &now);
	ASSERT_EQ(now.rax, 0x1234);
	vm_free(vm);
}

TEST(sregs_checks)
{
	static const struct zfield zf[] = {
		ZF(struct altp2m_sregs, flags),
		ZF(struct altp2m_sregs, pad),
		ZF(struct altp2m_sregs, reserved),
		ZF(struct altp2m_sregs, cs.pad),
		ZF(struct altp2m_sregs, ds.pad),
		ZF(struct altp2m_sregs, es.pad),
		ZF(struct altp2m_sregs, fs.pad),
		ZF(struct altp2m_sregs, gs.pad),
		ZF(struct altp2m_sregs, ss.pad),
		ZF(struct altp2m_sregs, tr.pad),
		ZF(struct altp2m_sregs, ldt.pad),
		ZF(struct altp2m_sregs, gdt.pad),
		ZF(struct altp2m_sregs, idt.pad),
	};
	struct vcpu *vcpu;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_sync_done);
	struct altp2m_sregs sregs, orig, now;
	int fd = vcpu->fd;

	vcpu_sregs_get(vcpu, &orig);
	check_zero_fields(_t, fd, ALTP2M_GET_SREGS, &orig, sizeof(orig),
			  zf, ARRAY_SIZE(zf));
	check_bad_pointers(fd, ALTP2M_GET_SREGS);
	check_readonly_arg(_t, fd, ALTP2M_GET_SREGS);
	check_bad_encodings(fd, ALTP2M_GET_SREGS);

	sregs = orig;
	sregs.fs.base = 0x10000;
	check_zero_fields(_t, fd, ALTP2M_SET_SREGS, &sregs, sizeof(sregs),
			  zf, ARRAY_SIZE(zf));
	check_bad_pointers(fd, ALTP2M_SET_SREGS);
	check_bad_encodings(fd, ALTP2M_SET_SREGS);
	vcpu_sregs_get(vcpu, &now);
	ASSERT_EQ(memcmp(&now, &orig, sizeof(now)), 0);
	vcpu_sregs_set(vcpu, &sregs);
	vcpu_sregs_get(vcpu, &now);
	ASSERT_EQ(now.fs.base, 0x10000);
	vm_free(vm);
}

TEST(msrs_checks)
{
	static const struct zfield zf[] = {
		ZF(struct altp2m_msrs, flags),
		ZF(struct altp2m_msrs, reserved),
	};
	static const uint32_t bad_index[] = {
		0, 0x17 /* PLATFORM_ID */, 0x1b /* APIC_BASE */, 0x3a, 0x480,
		MSR_EFER, 0xc0000104, 0x40000000, 0xffffffff,
	};
	/* Values WRMSR would refuse with #GP. */
	static const struct altp2m_msr_entry bad_value[] = {
		{ .index = MSR_LSTAR, .value = 0x0000800000000000ULL },
		{ .index = MSR_FS_BASE, .value = 0x8000000000000000ULL },
		{ .index = MSR_KERNEL_GS_BASE, .value = 0x00ff000000000000ULL },
		{ .index = MSR_IA32_SYSENTER_EIP,
		  .value = 0x0001000000000000ULL },
		{ .index = MSR_IA32_CR_PAT, .value = 0x0007040600070402ULL },
		{ .index = MSR_IA32_CR_PAT, .value = 0x0807040600070406ULL },
	};
	struct vcpu *vcpu;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_sync_done);
	struct altp2m_msr_entry e[ALTP2M_MAX_MSR_ENTRIES + 1];
	struct altp2m_msrs m = { .nmsrs = 1 };
	unsigned int i;
	int fd = vcpu->fd, ret;
	void *ro;

	memset(e, 0, sizeof(e));
	e[0].index = MSR_LSTAR;
	m.entries = (uint64_t)(uintptr_t)e;
	check_zero_fields(_t, fd, ALTP2M_GET_MSRS, &m, sizeof(m), zf,
			  ARRAY_SIZE(zf));
	check_bad_pointers(fd, ALTP2M_GET_MSRS);
	check_bad_encodings(fd, ALTP2M_GET_MSRS);
	e[0].value = 0xffffffff81000000ULL;
	check_zero_fields(_t, fd, ALTP2M_SET_MSRS, &m, sizeof(m), zf,
			  ARRAY_SIZE(zf));
	check_bad_pointers(fd, ALTP2M_SET_MSRS);
	check_bad_encodings(fd, ALTP2M_SET_MSRS);
	ASSERT_NE(vcpu_get_msr(vcpu, MSR_LSTAR), 0xffffffff81000000ULL);

	/* nmsrs above the limit; entries the kernel cannot read or write. */
	for (i = 0; i <= ALTP2M_MAX_MSR_ENTRIES; i++)
		e[i].index = MSR_LSTAR;
	ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_GET_MSRS, e,
				ALTP2M_MAX_MSR_ENTRIES + 1), EINVAL);
	ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_SET_MSRS, e,
				ALTP2M_MAX_MSR_ENTRIES + 1), EINVAL);
	ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_GET_MSRS, NULL, 1), EFAULT);
	ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_SET_MSRS, NULL, 1), EFAULT);
	ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_GET_MSRS, KADDR, 1), EFAULT);
	ro = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(ro, MAP_FAILED);
	/* Index 0 in the zero page is not an allowed MSR: use a copy. */
	memset(e, 0, sizeof(e));
	e[0].index = MSR_LSTAR;
	ASSERT_EQ(mprotect(ro, PAGE_SIZE, PROT_READ | PROT_WRITE), 0);
	memcpy(ro, e, sizeof(e[0]));
	ASSERT_EQ(mprotect(ro, PAGE_SIZE, PROT_READ), 0);
	ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_GET_MSRS, ro, 1), EFAULT);
	munmap(ro, PAGE_SIZE);

	/* Entry padding. */
	memset(e, 0, sizeof(e));
	e[0].index = MSR_LSTAR;
	e[0].pad = 1;
	ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_GET_MSRS, e, 1), EINVAL);
	e[0].value = 0xffffffff81000000ULL;
	ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_SET_MSRS, e, 1), EINVAL);
	e[0].pad = 0;

	/* Indices a guest may not use, alone and after a good one. */
	for (i = 0; i < ARRAY_SIZE(bad_index); i++) {
		e[0].index = MSR_LSTAR;
		e[0].value = 0xffffffff81000000ULL;
		e[1].index = bad_index[i];
		e[1].value = 0;
		ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_SET_MSRS, &e[1], 1),
			     EINVAL);
		ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_SET_MSRS, e, 2), EINVAL);
		/* All or nothing: LSTAR was not written ... */
		ASSERT_NE(vcpu_get_msr(vcpu, MSR_LSTAR),
			  0xffffffff81000000ULL);
		/* ... and GET wrote nothing either. */
		e[0].value = 0x5a5a5a5a;
		e[1].value = 0x5a5a5a5a;
		ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_GET_MSRS, e, 2), EINVAL);
		ASSERT_EQ(e[0].value, 0x5a5a5a5a);
		ASSERT_EQ(e[1].value, 0x5a5a5a5a);
	}

	/* Values WRMSR would refuse, alone and after a good entry. */
	for (i = 0; i < ARRAY_SIZE(bad_value); i++) {
		e[0].index = MSR_LSTAR;
		e[0].value = 0xffffffff81000000ULL;
		e[1] = bad_value[i];
		ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_SET_MSRS, &e[1], 1),
			     EINVAL);
		ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_SET_MSRS, e, 2), EINVAL);
		ASSERT_NE(vcpu_get_msr(vcpu, MSR_LSTAR),
			  0xffffffff81000000ULL);
	}

	/* Zero entries is a valid, empty call. */
	ret = _vcpu_msrs(vcpu, ALTP2M_GET_MSRS, NULL, 0);
	ASSERT_EQ(ret, 0);
	ret = _vcpu_msrs(vcpu, ALTP2M_SET_MSRS, NULL, 0);
	ASSERT_EQ(ret, 0);
	/* And the valid call works. */
	vcpu_set_msr(vcpu, MSR_LSTAR, 0xffffffff81000000ULL);
	ASSERT_EQ(vcpu_get_msr(vcpu, MSR_LSTAR), 0xffffffff81000000ULL);
	vm_free(vm);
}

TEST(stats_checks)
{
	static const struct zfield zf[] = {
		ZF(struct altp2m_vcpu_stats, flags),
		ZF(struct altp2m_vcpu_stats, pad),
		ZF(struct altp2m_vcpu_stats, irqs_injected),
		ZF(struct altp2m_vcpu_stats, apic_exits),
	};
	struct vcpu *vcpu;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_sync_done);
	struct altp2m_vcpu_stats st, zero;
	int fd = vcpu->fd;

	memset(&st, 0, sizeof(st));
	check_zero_fields(_t, fd, ALTP2M_GET_VCPU_STATS, &st, sizeof(st), zf,
			  ARRAY_SIZE(zf));
	check_bad_pointers(fd, ALTP2M_GET_VCPU_STATS);
	check_readonly_arg(_t, fd, ALTP2M_GET_VCPU_STATS);
	check_bad_encodings(fd, ALTP2M_GET_VCPU_STATS);
	memset(&zero, 0, sizeof(zero));
	memset(&st, 0, sizeof(st));
	st.hw_exits = 77;	/* output: overwritten */
	ASSERT_EQ(ioctl(fd, ALTP2M_GET_VCPU_STATS, &st), 0);
	ASSERT_EQ(memcmp(&st, &zero, sizeof(st)), 0);
	vm_free(vm);
}

TEST(run_checks)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_sync_done);

	/* Like GET_API_VERSION, the argument must be 0. */
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_RUN, 1), EINVAL);
	check_bad_encodings(vcpu->fd, ALTP2M_RUN);
	/* Not entered by the rejected calls. */
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x5a);
	vm_free(vm);
}

static void guest_three_cpuids(void)
{
	unsigned int a, b, c, d, i;

	for (i = 0; i < 3; i++)
		asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			     : "a"(0), "c"(0));
	GUEST_SYNC(0x5a);
}

/* Every exit counted under its basic reason, and nothing else. */
TEST(exit_counts)
{
	static const struct zfield zf[] = {
		ZF(struct altp2m_vcpu_exit_counts, flags),
		ZF(struct altp2m_vcpu_exit_counts, nr),
		ZF(struct altp2m_vcpu_exit_counts, reserved),
	};
	struct vcpu *vcpu;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_three_cpuids);
	struct altp2m_vcpu_exit_counts c;
	struct altp2m_vcpu_stats st;
	uint64_t sum = 0;
	unsigned int i;
	int fd = vcpu->fd;

	memset(&c, 0, sizeof(c));
	check_zero_fields(_t, fd, ALTP2M_GET_VCPU_EXIT_COUNTS, &c, sizeof(c),
			  zf, ARRAY_SIZE(zf));
	check_bad_pointers(fd, ALTP2M_GET_VCPU_EXIT_COUNTS);
	check_readonly_arg(_t, fd, ALTP2M_GET_VCPU_EXIT_COUNTS);
	check_bad_encodings(fd, ALTP2M_GET_VCPU_EXIT_COUNTS);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x5a);
	memset(&c, 0, sizeof(c));
	c.counts[10] = 99;	/* output: overwritten */
	ASSERT_EQ(ioctl(fd, ALTP2M_GET_VCPU_EXIT_COUNTS, &c), 0);
	ASSERT_EQ(c.nr, ALTP2M_VMX_EXIT_REASONS);
	EXPECT_EQ(c.counts[10], 3);	/* CPUID */
	EXPECT_GE(c.counts[30], 1);	/* I/O: the sync */
	for (i = 0; i < ALTP2M_VMX_EXIT_REASONS; i++)
		sum += c.counts[i];
	memset(&st, 0, sizeof(st));
	ASSERT_EQ(ioctl(fd, ALTP2M_GET_VCPU_STATS, &st), 0);
	EXPECT_EQ(sum, st.hw_exits);
	vm_free(vm);
}

/* Each file knows its own ioctls only. */
TEST(ioctls_on_wrong_fd)
{
	static const unsigned long dev_cmds[] = {
		ALTP2M_GET_API_VERSION, ALTP2M_GET_CAPS, ALTP2M_CREATE_VM,
		ALTP2M_GET_RUN_SIZE,
	};
	static const unsigned long vm_cmds[] = {
		ALTP2M_SET_MEMORY_REGION, ALTP2M_CREATE_VCPU,
	};
	static const unsigned long vcpu_cmds[] = {
		ALTP2M_RUN, ALTP2M_GET_REGS, ALTP2M_SET_REGS,
		ALTP2M_GET_SREGS, ALTP2M_SET_SREGS, ALTP2M_GET_MSRS,
		ALTP2M_SET_MSRS, ALTP2M_GET_VCPU_STATS,
	};
	static uint8_t buf[4096];
	struct vm *vm = vm_create_bare();
	struct vcpu *vcpu = vcpu_add_bare(vm, 0);
	int fds[3] = { vm->dev_fd, vm->fd, vcpu->fd };
	const unsigned long *cmds[3] = { dev_cmds, vm_cmds, vcpu_cmds };
	const unsigned int n[3] = { ARRAY_SIZE(dev_cmds), ARRAY_SIZE(vm_cmds),
				    ARRAY_SIZE(vcpu_cmds) };
	unsigned int f, g, i;

	for (f = 0; f < 3; f++) {
		for (g = 0; g < 3; g++) {
			if (f == g)
				continue;
			for (i = 0; i < n[g]; i++) {
				memset(buf, 0, sizeof(buf));
				errno = 0;
				if (ioctl(fds[f], cmds[g][i], buf) != -1 ||
				    errno != ENOTTY)
					TH_LOG("fd %u, ioctl %#lx: errno %d, "
					       "want ENOTTY", f, cmds[g][i],
					       errno);
				ASSERT_EQ(errno, ENOTTY);
			}
		}
		ASSERT_ERRNO(ioctl(fds[f], _IO(ALTP2MIO, 0x7f), 0), ENOTTY);
		ASSERT_ERRNO(ioctl(fds[f], _IO('T', 0x01), 0), ENOTTY);
	}
	vm_free(vm);
}

/* ------------------------------------------------------- other process */

/*
 * A forked child holds the VM and vCPU fds but is not the VM's creator:
 * every VM and vCPU ioctl fails with EIO, even valid ones. /dev/altp2m
 * itself works there, and the child's own VMs do. The parent's VM is
 * unaffected, during and after.
 */
TEST(other_process_eio)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_sync_done);
	struct altp2m_regs regs;
	struct altp2m_sregs sregs;
	struct altp2m_vcpu_stats st;
	struct altp2m_msr_entry e = { .index = MSR_LSTAR };
	void *mem = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int status, fd;
	pid_t pid;

	ASSERT_NE(mem, MAP_FAILED);
	vcpu_regs_get(vcpu, &regs);
	vcpu_sregs_get(vcpu, &sregs);
	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		struct altp2m_create_vm c = { 0 };
		int own;

		ASSERT_ERRNO(set_region(vm->fd, 1, 0, REGION_A, 2 << 20,
					(uint64_t)(uintptr_t)mem), EIO);
		ASSERT_ERRNO(__vm_create_vcpu(vm, 1), EIO);
		ASSERT_ERRNO(_vcpu_run(vcpu), EIO);
		ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_GET_REGS, &regs), EIO);
		ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_SET_REGS, &regs), EIO);
		ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_GET_SREGS, &sregs), EIO);
		ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_SET_SREGS, &sregs), EIO);
		ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_GET_MSRS, &e, 1), EIO);
		ASSERT_ERRNO(_vcpu_msrs(vcpu, ALTP2M_SET_MSRS, &e, 1), EIO);
		memset(&st, 0, sizeof(st));
		ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_GET_VCPU_STATS, &st), EIO);

		ASSERT_EQ(ioctl(vm->dev_fd, ALTP2M_GET_API_VERSION, 0),
			  ALTP2M_API_VERSION);
		own = ioctl(vm->dev_fd, ALTP2M_CREATE_VM, &c);
		ASSERT_GE(own, 0);
		ASSERT_NE(c.vm_id, vm->id);
		ASSERT_EQ(set_region(own, 0, 0, 0, 2 << 20,
				     (uint64_t)(uintptr_t)mem), 0);
		fflush(stdout);
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);

	/*
	 * Nothing the child tried happened: vCPU 1 and slot 1 are free (a
	 * slot 1 the child made would refuse another size).
	 */
	fd = __vm_create_vcpu(vm, 1);
	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(set_region(vm->fd, 1, 0, REGION_A, 1 << 20,
			     (uint64_t)(uintptr_t)mem), 0);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x5a);
	vm_free(vm);
	munmap(mem, 2 << 20);
}

/* A process that exits with its VM open and a vCPU mid-run. */
TEST(process_exit_with_open_vm)
{
	struct vcpu *vcpu;
	struct vm *vm;
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		vm = vm_one_vcpu(&vcpu, guest_sync_done);
		vcpu_add_bare(vm, 5);
		vcpu_run(vcpu);
		assert_ucall_sync(vcpu, 0x5a);
		fflush(stdout);
		_exit(0);	/* no close, no munmap */
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	/* Still usable afterwards. */
	vm = vm_one_vcpu(&vcpu, guest_sync_done);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x5a);
	vm_free(vm);
}

/* ------------------------------------------------------- fd lifetimes */

static void guest_two_syncs(void)
{
	GUEST_SYNC(1);
	GUEST_SYNC(2);
}

/* The vCPU keeps its VM: it runs, with its memory, after the VM fd closed. */
TEST(close_vm_fd_first)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_two_syncs);
	struct altp2m_vcpu_stats st;

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	ASSERT_EQ(close(vm->fd), 0);
	vm->fd = -1;
	ASSERT_EQ(close(vm->dev_fd), 0);
	vm->dev_fd = -1;
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 2);
	vcpu_stats(vcpu, &st);
	EXPECT_EQ(st.exits[ALTP2M_EXIT_IO], 2);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	ASSERT_EQ(close(vcpu->fd), 0);
	vcpu->fd = -1;
	vm_free(vm);	/* unmaps the run area last */
}

/*
 * Closing a vCPU fd: its run mapping stays valid, and the VM goes on
 * (new vCPUs, new regions, running them).
 */
TEST(close_vcpu_fd_first)
{
	struct vcpu *vcpu, *other;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_two_syncs);

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	ASSERT_EQ(close(vcpu->fd), 0);
	vcpu->fd = -1;
	/* The mapping outlives the fd and still shows the last exit. */
	ASSERT_EQ(vcpu->run->exit_reason, ALTP2M_EXIT_IO);
	ASSERT_EQ(vcpu->run->io.port, UCALL_PORT);
	vcpu->run->immediate_exit = 0;

	vm_add_region(vm, 1, REGION_A, 2 << 20);
	other = vcpu_add(vm, 1, guest_two_syncs);
	vcpu_run(other);
	assert_ucall_sync(other, 1);
	ASSERT_EQ(close(vm->fd), 0);
	vm->fd = -1;
	vcpu_run(other);
	assert_ucall_sync(other, 2);
	vm_free(vm);
}

/* /dev/altp2m closed first: VMs and vCPUs do not depend on it. */
TEST(close_dev_fd_first)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu;

	ASSERT_EQ(close(vm->dev_fd), 0);
	vm->dev_fd = -1;
	vcpu = vcpu_add(vm, 0, guest_two_syncs);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	vm_free(vm);
}

static void *run_thread(void *arg)
{
	struct vcpu *vcpu = arg;

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	return NULL;
}

/* The VM fd closed while its vCPU is in ALTP2M_RUN in another thread. */
TEST(close_vm_fd_while_running)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_wait_release);
	uint64_t end = test_now_ms() + 60000;
	pthread_t th;

	/* The host must run this thread while the guest spins. */
	vcpu_set_if(vcpu, true);
	ASSERT_EQ(pthread_create(&th, NULL, run_thread, vcpu), 0);
	while (!READ_ONCE(guest_global(vm, guest_wait_started)) &&
	       test_now_ms() < end)
		usleep(1000);
	ASSERT_EQ(close(vm->fd), 0);
	vm->fd = -1;
	ASSERT_EQ(close(vm->dev_fd), 0);
	vm->dev_fd = -1;
	WRITE_ONCE(guest_global(vm, guest_wait_go), 1);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_TRUE(READ_ONCE(guest_global(vm, guest_wait_started)));
	vm_free(vm);
}

/*
 * The run area is one shared page set: two mappings see each other's
 * writes, and RUN works with none mapped (a new mapping shows the exit).
 */
TEST(run_area_mappings)
{
	struct vcpu *vcpu;
	struct vm *vm = vm_one_vcpu(&vcpu, guest_two_syncs);
	struct altp2m_run *second, *third;

	second = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      vcpu->fd, 0);
	ASSERT_NE(second, MAP_FAILED);
	vcpu->run->immediate_exit = 1;
	ASSERT_EQ(second->immediate_exit, 1);
	second->immediate_exit = 0;
	ASSERT_EQ(vcpu->run->immediate_exit, 0);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	ASSERT_EQ(second->exit_reason, ALTP2M_EXIT_IO);
	ASSERT_EQ(second->io.port, UCALL_PORT);

	ASSERT_EQ(munmap(second, vm->run_size), 0);
	ASSERT_EQ(munmap(vcpu->run, vm->run_size), 0);
	vcpu->run = NULL;
	ASSERT_EQ(_vcpu_run(vcpu), 0);
	third = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		     vcpu->fd, 0);
	ASSERT_NE(third, MAP_FAILED);
	vcpu->run = third;
	assert_ucall_sync(vcpu, 2);
	vm_free(vm);
}

TEST_HARNESS_MAIN
