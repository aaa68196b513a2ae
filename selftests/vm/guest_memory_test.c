// SPDX-License-Identifier: GPL-2.0
/*
 * Memory regions as the guest sees them: a region added between runs
 * appears, a moved one shows its data at the new gpa and leaves MMIO at
 * the old one, a deleted one becomes MMIO, one re-added comes back; all 31
 * extra slots at once; and no change while a vCPU runs (EBUSY).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define REGION_A	0x40000000ULL	/* 1 GiB */
#define REGION_B	0x60000000ULL
#define REGION_SIZE	(2ULL << 20)
#define WORDS		(REGION_SIZE / 8)

static void expect_mmio(struct altp2m_test *_t, struct vcpu *vcpu,
			uint64_t gpa, unsigned int len, bool write)
{
	assert_exit_reason(vcpu, ALTP2M_EXIT_MMIO);
	ASSERT_EQ(vcpu->run->mmio.gpa, gpa);
	ASSERT_EQ(vcpu->run->mmio.len, len);
	ASSERT_EQ(vcpu->run->mmio.is_write, write);
}

static void mmio_fill(struct vcpu *vcpu, uint64_t v)
{
	memcpy(vcpu->run->mmio.data, &v, sizeof(v));
}

/* ------------------------------------------------- add, read and write */

static void guest_region_rw(void)
{
	volatile uint64_t *p = (volatile uint64_t *)REGION_A;
	uint64_t i, sum = 0;

	/* Not there yet: MMIO. */
	GUEST_SYNC(mmio_read64(REGION_A + 0x18));
	/* Added by the host meanwhile: one word of every page. */
	for (i = 0; i < WORDS; i += 512)
		sum += p[i];
	GUEST_SYNC(sum);
	GUEST_SYNC_ARGS(p[0], p[WORDS - 1]);
	for (i = 0; i < WORDS; i += 512)
		p[i] = ~i;
	p[WORDS - 1] = 0x600dcafe600dcafeULL;
	GUEST_SYNC(2);
	/* Written by the host between the runs. */
	GUEST_SYNC(p[1]);
}

/*
 * A region added between two runs: host data reaches the guest, guest
 * writes reach the host's memory, both ways again after an exit.
 */
TEST(region_add_host_guest)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_region_rw);
	uint64_t *hva, i, sum = 0;
	struct ucall uc;

	vcpu_run(vcpu);
	expect_mmio(_t, vcpu, REGION_A + 0x18, 8, false);
	mmio_fill(vcpu, 0x0123456789abcdefULL);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x0123456789abcdefULL);

	hva = vm_add_region(vm, 1, REGION_A, REGION_SIZE);
	for (i = 0; i < WORDS; i++)
		hva[i] = 0x5a5a000000000000ULL | i;
	for (i = 0; i < WORDS; i += 512)
		sum += hva[i];
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, sum);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	ASSERT_EQ(uc.args[0], 0x5a5a000000000000ULL);
	ASSERT_EQ(uc.args[1], 0x5a5a000000000000ULL | (WORDS - 1));
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 2);
	for (i = 0; i < WORDS - 1; i++)
		ASSERT_EQ(hva[i], i % 512 ? 0x5a5a000000000000ULL | i : ~i);
	ASSERT_EQ(hva[WORDS - 1], 0x600dcafe600dcafeULL);
	hva[1] = 0x0badf00d0badf00dULL;
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x0badf00d0badf00dULL);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* ------------------------------------------------ move, delete, re-add */

static void guest_move_delete(void)
{
	volatile uint64_t *a = (volatile uint64_t *)REGION_A;
	volatile uint64_t *b = (volatile uint64_t *)REGION_B;

	/* 1: slot 1 at A. Read and write it, so translations are cached. */
	GUEST_SYNC(a[0]);
	a[1] = 0xfeed;
	GUEST_SYNC(1);
	/* 2: moved to B: the same memory there, MMIO at A. */
	GUEST_SYNC_ARGS(b[0], b[1]);
	GUEST_SYNC(mmio_read64(REGION_A));
	GUEST_SYNC(mmio_read64(REGION_A + REGION_SIZE - 8));
	/* 3: deleted: MMIO at B too. */
	GUEST_SYNC(mmio_read64(REGION_B + 8));
	mmio_write32(REGION_B + 0x10, 0x12345678);
	GUEST_SYNC(3);
	/* 4: added again at A. */
	GUEST_SYNC_ARGS(a[0], a[1]);
}

TEST(region_move_delete_readd)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_move_delete);
	static const uint8_t w32[4] = { 0x78, 0x56, 0x34, 0x12 };
	uint64_t *hva = vm_add_region(vm, 1, REGION_A, REGION_SIZE);
	struct ucall uc;

	hva[0] = 0x1111;
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x1111);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	ASSERT_EQ(hva[1], 0xfeed);

	vm_move_region(vm, 1, REGION_B);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	ASSERT_EQ(uc.args[0], 0x1111);
	ASSERT_EQ(uc.args[1], 0xfeed);
	vcpu_run(vcpu);
	expect_mmio(_t, vcpu, REGION_A, 8, false);
	mmio_fill(vcpu, 0xa0a0a0a0a0a0a0a0ULL);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0xa0a0a0a0a0a0a0a0ULL);
	vcpu_run(vcpu);
	expect_mmio(_t, vcpu, REGION_A + REGION_SIZE - 8, 8, false);
	mmio_fill(vcpu, 0xa1a1a1a1a1a1a1a1ULL);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0xa1a1a1a1a1a1a1a1ULL);

	vm_delete_region(vm, 1);
	vcpu_run(vcpu);
	expect_mmio(_t, vcpu, REGION_B + 8, 8, false);
	mmio_fill(vcpu, 0xb0b0b0b0b0b0b0b0ULL);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0xb0b0b0b0b0b0b0b0ULL);
	vcpu_run(vcpu);
	expect_mmio(_t, vcpu, REGION_B + 0x10, 4, true);
	ASSERT_EQ(memcmp(vcpu->run->mmio.data, w32, 4), 0);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 3);
	/* The host memory itself is untouched by the deletion. */
	ASSERT_EQ(hva[0], 0x1111);
	ASSERT_EQ(hva[2], 0);

	hva[0] = 0x2222;
	vm_set_memory_region(vm, 1, REGION_A, REGION_SIZE, hva);
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	ASSERT_EQ(uc.args[0], 0x2222);
	ASSERT_EQ(uc.args[1], 0xfeed);
	vcpu_run(vcpu);
	assert_ucall_done(vcpu);
	vm_free(vm);
}

/* ------------------------------------------------------ every slot used */

#define MANY_BASE	0x50000000ULL

static void guest_many_slots(void)
{
	uint64_t i;

	for (i = 1; i < ALTP2M_MAX_MEM_SLOTS; i++) {
		volatile uint8_t *p = (volatile uint8_t *)(MANY_BASE +
							   (i - 1) * PAGE_SIZE);

		GUEST_ASSERT_EQ(p[0], i);
		GUEST_ASSERT_EQ(p[PAGE_SIZE - 1], i);
		*(volatile uint64_t *)(p + 8) = 0x100 + i;
	}
	GUEST_SYNC(i);
}

/* All 32 slots, 31 of them one page each and adjacent. */
TEST(region_all_slots)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_many_slots);
	uint8_t *page[ALTP2M_MAX_MEM_SLOTS];
	unsigned int i;

	for (i = 1; i < ALTP2M_MAX_MEM_SLOTS; i++) {
		page[i] = vm_add_region(vm, i, MANY_BASE + (i - 1) * PAGE_SIZE,
					PAGE_SIZE);
		memset(page[i], i, PAGE_SIZE);
	}
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, ALTP2M_MAX_MEM_SLOTS);
	for (i = 1; i < ALTP2M_MAX_MEM_SLOTS; i++)
		ASSERT_EQ(*(uint64_t *)(page[i] + 8), 0x100 + i);
	vm_free(vm);
}

/* ---------------------------------------------- no change while running */

static void *run_thread(void *arg)
{
	struct vcpu *vcpu = arg;

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 1);
	return NULL;
}

/*
 * While a vCPU is in ALTP2M_RUN, every region change is EBUSY: adding,
 * moving and deleting. Each would be valid once the vCPU is out.
 */
TEST(region_change_while_running)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_wait_release);
	uint64_t *slot1 = vm_add_region(vm, 1, REGION_A, REGION_SIZE);
	void *slot2 = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int add = 0, move = 0, del = 0, err[3] = { 0, 0, 0 };
	bool started;
	pthread_t th;

	ASSERT_NE(slot2, MAP_FAILED);
	/* The host must run this thread while the guest spins. */
	vcpu_set_if(vcpu, true);
	ASSERT_EQ(pthread_create(&th, NULL, run_thread, vcpu), 0);
	started = host_wait(&guest_global(vm, guest_wait_started), 60);
	if (started) {
		add = __vm_set_memory_region(vm, 2, 0, REGION_B, REGION_SIZE,
					     slot2);
		err[0] = errno;
		move = __vm_set_memory_region(vm, 1, 0, REGION_B, REGION_SIZE,
					      slot1);
		err[1] = errno;
		del = __vm_set_memory_region(vm, 1, 0, REGION_A, 0, slot1);
		err[2] = errno;
	}
	WRITE_ONCE(guest_global(vm, guest_wait_go), 1);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_TRUE(started);
	EXPECT_EQ(add, -1);
	EXPECT_EQ(err[0], EBUSY);
	EXPECT_EQ(move, -1);
	EXPECT_EQ(err[1], EBUSY);
	EXPECT_EQ(del, -1);
	EXPECT_EQ(err[2], EBUSY);

	/* The same changes once the vCPU is out of RUN. */
	ASSERT_EQ(__vm_set_memory_region(vm, 2, 0, REGION_B + REGION_SIZE,
					 REGION_SIZE, slot2), 0);
	ASSERT_EQ(__vm_set_memory_region(vm, 1, 0, REGION_B, REGION_SIZE,
					 slot1), 0);
	ASSERT_EQ(__vm_set_memory_region(vm, 1, 0, REGION_B, 0, slot1), 0);
	ASSERT_EQ(__vm_set_memory_region(vm, 2, 0, REGION_B + REGION_SIZE, 0,
					 slot2), 0);
	vm_free(vm);
	munmap(slot2, REGION_SIZE);
}

#define PIN_GPA		0x10000000ULL
#define PIN_SIZE	(2ULL << 20)

static void guest_rw(uint64_t *p)
{
	GUEST_SYNC(READ_ONCE(*p));
	WRITE_ONCE(*p, 0x2222);
	GUEST_SYNC(READ_ONCE(*p));
}

/*
 * The owner unmaps a region's memory while the region exists: the guest
 * keeps its pages (they are pinned), reads and writes them, and deleting
 * the region later releases them with nothing left behind.
 */
TEST(munmap_under_a_region)
{
	struct vm *vm = vm_create(0);
	uint64_t *hva = vm_add_region(vm, 1, PIN_GPA, PIN_SIZE);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_rw);
	struct ucall uc;

	*hva = 0x1111;
	vcpu_args_set(vcpu, 1, PIN_GPA);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0x1111);
	ASSERT_EQ(munmap(hva, PIN_SIZE), 0);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0x2222);
	vm_delete_region(vm, 1);
	vm_free(vm);
}

static void guest_watch(uint64_t *p)
{
	for (;;)
		GUEST_SYNC(READ_ONCE(*p));
}

/*
 * fork() copies the address space; the parent, which owns the VM, must
 * still share the region's pages with the guest afterwards, and the
 * child's exit must not take them away.
 */
TEST(fork_keeps_guest_memory_shared)
{
	struct vm *vm = vm_create(0);
	volatile uint64_t *hva = vm_add_region(vm, 1, PIN_GPA, PIN_SIZE);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_watch);
	struct ucall uc;
	int status;
	pid_t pid;

	*hva = 0x1111;
	vcpu_args_set(vcpu, 1, PIN_GPA);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0x1111);
	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid) {
		*hva = 0xdead;	/* the child's own copy */
		_exit(0);
	}
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_EQ(status, 0);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0x1111);
	*hva = 0x3333;
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0x3333);
	vm_free(vm);
}

static void guest_touch2(uint64_t *a, uint64_t *b)
{
	GUEST_SYNC(0);		/* code and stack are mapped by now */
	WRITE_ONCE(*a, 1);
	WRITE_ONCE(*b, 2);
	GUEST_DONE();
}

/* 1 if the 512 pages at @hva are one 2 MiB-aligned physical run. */
static int backed_by_2m(struct altp2m_test *_t, const void *hva)
{
	uint64_t e, first = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY), i;

	ASSERT_GE(fd, 0);
	for (i = 0; i < 512; i++) {
		ASSERT_EQ(pread(fd, &e, 8, ((uintptr_t)hva / 4096 + i) * 8), 8);
		e &= (1ULL << 55) - 1;		/* the PFN */
		if (!i)
			first = e;
		if (!e || e != first + i || (first & 511)) {
			close(fd);
			return 0;
		}
	}
	close(fd);
	return 1;
}

/*
 * VM counters, and 2 MiB EPT mappings exactly where the region's backing
 * is a 2 MiB-aligned physical run (as the page tables of the owner say),
 * unless the module maps with 4 KiB leaves only (altp2m.huge_pages=0, the
 * default on CPUs with the iTLB multihit erratum): then none at all.
 * huge_pages.sh runs this test under both settings.
 */
TEST(vm_stats_and_2m_mappings)
{
	struct altp2m_vm_stats st = { 0 }, st2 = { 0 };
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_touch2);
	bool huge = module_param_on("huge_pages");
	uint64_t want_2m;
	char *raw, *hva;
	struct ucall uc;

	/* hugetlbfs pages are 2 MiB physical runs for sure; reserve two. */
	if (system("echo 4 > /proc/sys/vm/nr_hugepages") != 0)
		SKIP("cannot reserve huge pages");
	raw = mmap(NULL, PIN_SIZE * 3, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (raw == MAP_FAILED)
		SKIP("no huge pages");
	hva = raw;
	memset(hva, 0, 2 * PIN_SIZE);
	vm_set_memory_region(vm, 1, PIN_GPA, 2 * PIN_SIZE, hva);
	want_2m = backed_by_2m(_t, hva) + backed_by_2m(_t, hva + PIN_SIZE);

	EXPECT_EQ(want_2m, 2);
	vcpu_args_set(vcpu, 2, PIN_GPA, PIN_GPA + PIN_SIZE);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_sync(vcpu, 0);
	ASSERT_EQ(ioctl(vm->fd, ALTP2M_GET_VM_STATS, &st), 0);
	vcpu_run_ucall(vcpu, &uc);
	assert_ucall_done(vcpu);
	ASSERT_EQ(ioctl(vm->fd, ALTP2M_GET_VM_STATS, &st2), 0);
	EXPECT_EQ(st2.nr_vcpus, 1);
	EXPECT_EQ(st2.mem_pages, vm->ram_size / 4096 + 2 * PIN_SIZE / 4096);
	EXPECT_TRUE(st2.ept_tables > 0);
	TH_LOG("huge_pages=%d; region halves on 2 MiB physical runs: %llu; 2M maps %llu -> %llu",
	       huge, (unsigned long long)want_2m,
	       (unsigned long long)st.ept_maps_2m,
	       (unsigned long long)st2.ept_maps_2m);
	if (huge) {
		EXPECT_EQ(st2.ept_maps_2m - st.ept_maps_2m, want_2m);
		EXPECT_EQ(st2.ept_maps_4k, st.ept_maps_4k);
	} else {
		/* One 4 KiB leaf for each of the two pages the guest wrote. */
		EXPECT_EQ(st2.ept_maps_2m, 0);
		EXPECT_EQ(st2.ept_maps_4k - st.ept_maps_4k, 2);
	}
	EXPECT_EQ(((char *)hva)[0], 1);
	EXPECT_EQ(((char *)hva)[PIN_SIZE], 2);

	/* Removing mapped memory forces the vCPUs to flush. */
	vm_delete_region(vm, 1);
	ASSERT_EQ(ioctl(vm->fd, ALTP2M_GET_VM_STATS, &st), 0);
	EXPECT_EQ(st.ept_flushes, st2.ept_flushes + 1);
	EXPECT_EQ(st.invept, st2.invept + 1);
	EXPECT_EQ(st.nr_views, 1);
	EXPECT_EQ(st.mem_pages, vm->ram_size / 4096);

	st.flags = 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_GET_VM_STATS, &st), EINVAL);
	st.flags = 0;
	st.reserved[0] = 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_GET_VM_STATS, &st), EINVAL);
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_GET_VM_STATS, NULL), EFAULT);
	vm_free(vm);
	munmap(raw, PIN_SIZE * 3);
	EXPECT_EQ(system("echo 0 > /proc/sys/vm/nr_hugepages"), 0);
}

TEST_HARNESS_MAIN
