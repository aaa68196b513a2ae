// SPDX-License-Identifier: GPL-2.0
/*
 * Hidden frames (the uAPI's "Hidden frames"), end to end: the guest
 * cannot reach one at its own gfn from view 0 or any other view (an MMIO
 * exit to the VMM); a remap G -> H in a view makes the guest read what
 * the host wrote into H through a monitor fd's WRITE_MEM at H's own gfn;
 * REMOVE reverts exactly that remap (the guest reads G's own bytes
 * again), frees the frame and counts the remap in remaps_invalidated;
 * the errors (EINVAL, EEXIST over RAM, over hidden frames and over a gfn
 * a view still remaps, a memory region over one, ENOSPC past
 * max_hidden_frames, ENOENT); the module's reads for a vCPU follow a
 * remap to one; the same on the monitor fd and over netlink, where an
 * unprivileged caller gets EPERM; the guest's own REMAP hypercall cannot
 * target one; and all of it while a vCPU runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../lib/monitor_util.h"
#include "../lib/nl_raw.h"
#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define GFN(gpa)	((uint64_t)(gpa) >> 12)
#define H_GPA		0x80000000ULL	/* 2 GiB: no region, identity mapped */
#define H		GFN(H_GPA)
#define H_TAG		0x68696464656e2121ULL	/* "hidden!!" */
#define G_TAG		0x6775657374212121ULL	/* "guest!!!" */
#define PARAM		"/sys/module/altp2m/parameters/max_hidden_frames"
#define R_SIZE		(2ULL << 20)
#define R3_GPA		(H_GPA + (64ULL << 20))
#define R4_GPA		(H_GPA + (128ULL << 20))

/* ------------------------------------------------------------ the guest */

/* Report the word last read, then read the one at read_addr (a movq). */
static uint64_t read_addr;

static void guest_reader(void)
{
	uint64_t ret = 0;

	for (;;) {
		GUEST_SYNC(ret);
		ret = mmio_read64(READ_ONCE(read_addr));
	}
}

/* The running test's guest: read @addr into @seen until told to stop. */
static uint64_t seen, reads, stop_reading;

static void guest_spin(uint64_t addr)
{
	while (!READ_ONCE(stop_reading)) {
		WRITE_ONCE(seen, mmio_read64(addr));
		WRITE_ONCE(reads, reads + 1);
	}
	GUEST_SYNC(0);
}

/* OUTS of 4 bytes from @src: the module reads them as the view maps @src. */
static void guest_outs(uint64_t src)
{
	uint64_t n = 4;

	__asm__ __volatile__("rep outsb"
			     : "+S"(src), "+c"(n) : "d"(0x3f0) : "memory");
	GUEST_SYNC(n);
}

static inline int64_t hc(uint64_t nr, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t ret;

	__asm__ __volatile__("vmcall"
			     : "=a"(ret)
			     : "a"(ALTP2M_HC_BASE + nr), "b"(a), "c"(b), "d"(c)
			     : "memory");
	return ret;
}

/* Mixed mode: remap @a to @t in view 1, then to @a + 4096 (RAM). */
static void guest_remaps(uint64_t a, uint64_t t)
{
	int64_t r0 = hc(ALTP2M_HC_REMAP, 1, a >> 12, t >> 12);
	int64_t r1 = hc(ALTP2M_HC_REMAP, 1, (a >> 12) + 1, a >> 12);
	int64_t r2 = hc(ALTP2M_HC_REMAP, 1, (a >> 12) + 2, (a >> 12) + 3);

	GUEST_SYNC_ARGS(r0, r1, r2);
}

/* ------------------------------------------------------------- the host */

static int hidden_ioctl(int fd, unsigned long cmd, uint64_t gfn, uint64_t nr)
{
	struct altp2m_hidden_frames a = { .gfn = gfn, .nr = nr };

	return ioctl(fd, cmd, &a);
}

static int add(int fd, uint64_t gfn, uint64_t nr)
{
	return hidden_ioctl(fd, ALTP2M_ADD_HIDDEN_FRAMES, gfn, nr);
}

static int del(int fd, uint64_t gfn, uint64_t nr)
{
	return hidden_ioctl(fd, ALTP2M_REMOVE_HIDDEN_FRAMES, gfn, nr);
}

static uint64_t nr_hidden(struct vm *vm)
{
	struct altp2m_vm_stats st;

	vm_stats(vm, &st);
	return st.nr_hidden;
}

static uint64_t invalidated(struct vm *vm)
{
	struct altp2m_vm_stats st;

	vm_stats(vm, &st);
	return st.remaps_invalidated;
}

static int mon_mem(struct monitor *m, unsigned long cmd, uint32_t view,
		   uint64_t gpa, void *buf, uint64_t len, uint64_t *done)
{
	struct altp2m_monitor_mem a = {
		.view = view, .addr = gpa, .len = len,
		.buf = (uint64_t)(uintptr_t)buf,
	};
	int ret = ioctl(m->fd, cmd, &a);

	*done = a.done;
	return ret;
}

/* A vCPU in guest_reader(), waiting for its first address. */
static struct vcpu *reader(struct vm *vm)
{
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_reader);

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0);
	return vcpu;
}

/* The guest reads @gpa; the exit is an MMIO read there, answered 0x5a5a. */
static void expect_mmio_read(struct altp2m_test *_t, struct vcpu *vcpu,
			     uint64_t gpa)
{
	WRITE_ONCE(*(uint64_t *)addr_ptr2hva(vcpu->vm, &read_addr), gpa);
	vcpu_run(vcpu);
	assert_exit_reason(vcpu, ALTP2M_EXIT_MMIO);
	ASSERT_EQ(vcpu->run->mmio.gpa, gpa);
	ASSERT_EQ(vcpu->run->mmio.is_write, 0);
	ASSERT_EQ(vcpu->run->mmio.len, 8);
	memcpy(vcpu->run->mmio.data, &(uint64_t){ 0x5a5a }, 8);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x5a5a);
}

/* The guest reads @gpa, which is memory: the value it reports. */
static uint64_t guest_read(struct vcpu *vcpu, uint64_t gpa)
{
	struct ucall uc;

	WRITE_ONCE(*(uint64_t *)addr_ptr2hva(vcpu->vm, &read_addr), gpa);
	vcpu_run(vcpu);
	TEST_ASSERT(get_ucall(vcpu, &uc) == UCALL_SYNC, "no sync reading %#llx",
		    (unsigned long long)gpa);
	return uc.args[0];
}

/*
 * The whole story on one vCPU: MMIO at H from view 0 and view 1, the
 * host fills H through a monitor, G -> H shows it to the guest in view 1
 * only, REMOVE puts G back and frees H.
 */
TEST(remap_and_remove)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = reader(vm);
	uint64_t g = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE), v, done, x = 0;
	struct monitor *m;
	uint64_t before;

	*(uint64_t *)addr_gpa2hva(vm, g) = G_TAG;
	vm_views_enable(vm, 0);
	v = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	ASSERT_EQ(nr_hidden(vm), 0);
	ASSERT_EQ(add(vm->fd, H, 2), 0);
	ASSERT_EQ(nr_hidden(vm), 2);

	/* Not the guest's, at its own gfn, in any view. */
	expect_mmio_read(_t, vcpu, H_GPA);
	vcpu_set_view(vcpu, v);
	expect_mmio_read(_t, vcpu, H_GPA);
	expect_mmio_read(_t, vcpu, H_GPA + PAGE_SIZE + 8);

	/* The host fills it at its own gfn, through any view; zeroed first. */
	m = monitor_attach(vm, 0, 0);
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_READ_MEM, 0, H_GPA + 64, &x, 8,
			  &done), 0);
	ASSERT_EQ(done, 8);
	ASSERT_EQ(x, 0);
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_WRITE_MEM, v, H_GPA,
			  &(uint64_t){ H_TAG }, 8, &done), 0);
	ASSERT_EQ(done, 8);
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_READ_MEM, 0, H_GPA, &x, 8, &done),
		  0);
	ASSERT_EQ(x, H_TAG);
	/* Still nothing for the guest there. */
	expect_mmio_read(_t, vcpu, H_GPA);

	/* G -> H in view 1: the guest there reads H; view 0 keeps G. */
	vm_remap_gfn(vm, v, GFN(g), H);
	ASSERT_EQ(guest_read(vcpu, g), H_TAG);
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_READ_MEM, v, g, &x, 8, &done), 0);
	ASSERT_EQ(x, H_TAG);
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_READ_MEM, 0, g, &x, 8, &done), 0);
	ASSERT_EQ(x, G_TAG);
	/* A write through the remap lands in H, not in G. */
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_WRITE_MEM, v, g + 8,
			  &(uint64_t){ 0x77 }, 8, &done), 0);
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_READ_MEM, 0, H_GPA + 8, &x, 8,
			  &done), 0);
	ASSERT_EQ(x, 0x77);
	ASSERT_EQ(*(uint64_t *)addr_gpa2hva(vm, g + 8), 0);
	vcpu_set_view(vcpu, 0);
	ASSERT_EQ(guest_read(vcpu, g), G_TAG);
	vcpu_set_view(vcpu, v);
	ASSERT_EQ(guest_read(vcpu, g), H_TAG);

	/* Remove: exactly that remap reverts, counted; H is gone. */
	before = invalidated(vm);
	ASSERT_EQ(del(vm->fd, H, 2), 0);
	ASSERT_EQ(invalidated(vm) - before, 1);
	ASSERT_EQ(nr_hidden(vm), 0);
	ASSERT_EQ(guest_read(vcpu, g), G_TAG);
	ASSERT_ERRNO(del(vm->fd, H, 1), ENOENT);
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_READ_MEM, 0, H_GPA, &x, 8, &done),
		  0);
	ASSERT_EQ(done, 0);
	ASSERT_ERRNO(__vm_remap_gfn(vm, v, GFN(g), H), ESRCH);
	expect_mmio_read(_t, vcpu, H_GPA);

	/* The monitor fd's door: the same. */
	ASSERT_EQ(add(m->fd, H, 1), 0);
	ASSERT_EQ(nr_hidden(vm), 1);
	ASSERT_ERRNO(add(m->fd, H, 1), EEXIST);
	ASSERT_ERRNO(add(vm->fd, H, 1), EEXIST);
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_READ_MEM, 0, H_GPA, &x, 8, &done),
		  0);
	ASSERT_EQ(x, 0);	/* a new page, zeroed */
	vm_remap_gfn(vm, v, GFN(g), H);
	ASSERT_EQ(guest_read(vcpu, g), 0);
	ASSERT_EQ(del(m->fd, H, 1), 0);
	ASSERT_EQ(nr_hidden(vm), 0);
	ASSERT_EQ(guest_read(vcpu, g), G_TAG);
	monitor_close(m);
	vm_free(vm);
}

/*
 * The module's own reads for a vCPU (string I/O) follow a remap to a
 * hidden frame, as the guest's accesses do.
 */
TEST(emulation_through_remap)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_outs);
	uint64_t g = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE), done, tag = H_TAG;
	uint8_t out[8] = { 0 };
	unsigned int n = 0;
	struct monitor *m;
	struct ucall uc;
	uint16_t v;

	*(uint64_t *)addr_gpa2hva(vm, g) = G_TAG;
	vm_views_enable(vm, 0);
	v = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	ASSERT_EQ(add(vm->fd, H, 1), 0);
	m = monitor_attach(vm, 0, 0);
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_WRITE_MEM, 0, H_GPA, &tag, 8,
			  &done), 0);
	vm_remap_gfn(vm, v, GFN(g), H);
	vcpu_set_view(vcpu, v);
	vcpu_args_set(vcpu, 1, g);
	for (;;) {
		vcpu_run(vcpu);
		/* The ucall is port I/O too, on its own port. */
		if (vcpu->run->exit_reason != ALTP2M_EXIT_IO ||
		    vcpu->run->io.port != 0x3f0)
			break;
		ASSERT_EQ(vcpu->run->io.direction, ALTP2M_IO_OUT);
		ASSERT_LE(n + vcpu->run->io.count, 4);
		memcpy(out + n, vcpu_io_data(vcpu), vcpu->run->io.count);
		n += vcpu->run->io.count;
	}
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	ASSERT_EQ(uc.args[0], 0);
	ASSERT_EQ(n, 4);
	ASSERT_EQ(memcmp(out, &tag, 4), 0);
	monitor_close(m);
	vm_free(vm);
}

/* The guest's own REMAP (mixed mode) never targets a hidden frame. */
TEST(guest_cannot_remap)
{
	struct altp2m_views_enable en = { .mode = ALTP2M_MODE_MIXED };
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_remaps);
	uint64_t a = vm_alloc(vm, 4 * PAGE_SIZE, PAGE_SIZE);
	struct ucall uc;

	ASSERT_EQ(ioctl(vm->fd, ALTP2M_VIEWS_ENABLE, &en), 0);
	ASSERT_EQ(vm_view_create(vm, ALTP2M_ACCESS_DEFAULT), 1);
	ASSERT_EQ(add(vm->fd, H, 1), 0);
	/* The host remaps a to H; the guest tries H and a, then RAM. */
	vm_remap_gfn(vm, 1, GFN(a), H);
	vcpu_args_set(vcpu, 2, a, H_GPA);
	vcpu_run(vcpu);
	ASSERT_EQ(get_ucall(vcpu, &uc), UCALL_SYNC);
	EXPECT_EQ((int64_t)uc.args[0], -ESRCH);
	EXPECT_EQ((int64_t)uc.args[1], -ESRCH);
	EXPECT_EQ((int64_t)uc.args[2], 0);
	vm_free(vm);
}

/* What every door refuses, and what is left unchanged by it. */
TEST(errors)
{
	struct vm *vm = vm_create(0);
	struct altp2m_hidden_frames a = { .gfn = H, .nr = 1 };
	uint64_t ram = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE);
	char old[32] = "";
	void *mem, *mem4;
	uint16_t v;
	int fd;

	/* Bad structs. */
	a.flags = 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_ADD_HIDDEN_FRAMES, &a), EINVAL);
	a.flags = 0;
	a.pad = 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_ADD_HIDDEN_FRAMES, &a), EINVAL);
	a.pad = 0;
	a.reserved[1] = 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_REMOVE_HIDDEN_FRAMES, &a), EINVAL);
	ASSERT_ERRNO(add(vm->fd, H, 0), EINVAL);
	ASSERT_ERRNO(add(vm->fd, H, ALTP2M_MAX_HIDDEN_ADD + 1), EINVAL);
	ASSERT_ERRNO(add(vm->fd, 1ULL << 36, 1), EINVAL);
	ASSERT_ERRNO(add(vm->fd, ~0ULL, 2), EINVAL);
	ASSERT_ERRNO(del(vm->fd, H, 0), EINVAL);
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_ADD_HIDDEN_FRAMES, NULL), EFAULT);
	ASSERT_EQ(nr_hidden(vm), 0);

	/* Over guest RAM, whole or in part; over hidden frames. */
	ASSERT_ERRNO(add(vm->fd, GFN(ram), 1), EEXIST);
	ASSERT_ERRNO(add(vm->fd, GFN(vm->ram_size) - 1, 2), EEXIST);
	ASSERT_EQ(add(vm->fd, GFN(vm->ram_size), 4), 0);
	ASSERT_ERRNO(add(vm->fd, GFN(vm->ram_size) + 3, 2), EEXIST);
	ASSERT_ERRNO(add(vm->fd, GFN(vm->ram_size) + 1, 1), EEXIST);
	ASSERT_EQ(nr_hidden(vm), 4);
	/* Remove: all or nothing. */
	ASSERT_ERRNO(del(vm->fd, GFN(vm->ram_size) + 2, 3), ENOENT);
	ASSERT_ERRNO(del(vm->fd, GFN(ram), 1), ENOENT);
	ASSERT_EQ(nr_hidden(vm), 4);
	ASSERT_EQ(del(vm->fd, GFN(vm->ram_size) + 1, 2), 0);
	ASSERT_EQ(nr_hidden(vm), 2);

	/*
	 * A memory region over a hidden gfn, new or moved there: EEXIST
	 * while it is hidden, fine once it is not.
	 */
	mem = vm_add_region(vm, 3, R3_GPA, R_SIZE);
	mem4 = vm_add_region(vm, 4, R4_GPA, R_SIZE);
	vm_delete_region(vm, 4);
	ASSERT_EQ(add(vm->fd, H + 5, 1), 0);
	ASSERT_ERRNO(__vm_set_memory_region(vm, 4, 0, H_GPA, R_SIZE, mem4),
		     EEXIST);
	ASSERT_EQ(del(vm->fd, H + 5, 1), 0);
	ASSERT_EQ(__vm_set_memory_region(vm, 4, 0, H_GPA, R_SIZE, mem4), 0);
	ASSERT_ERRNO(add(vm->fd, H + 5, 1), EEXIST);
	ASSERT_EQ(add(vm->fd, GFN(R4_GPA) + 511, 1), 0);
	ASSERT_ERRNO(__vm_set_memory_region(vm, 3, 0, R4_GPA, R_SIZE, mem),
		     EEXIST);
	/* The region stayed where it was. */
	ASSERT_ERRNO(add(vm->fd, GFN(R3_GPA), 1), EEXIST);
	ASSERT_EQ(del(vm->fd, GFN(R4_GPA) + 511, 1), 0);
	ASSERT_EQ(__vm_set_memory_region(vm, 3, 0, R4_GPA, R_SIZE, mem), 0);
	ASSERT_EQ(add(vm->fd, GFN(R3_GPA), 1), 0);
	ASSERT_EQ(del(vm->fd, GFN(R3_GPA), 1), 0);

	/*
	 * A remap of a gfn outlives its region; while a view holds it, the
	 * gfn cannot be hidden (no view maps a hidden gfn).
	 */
	vm_views_enable(vm, 0);
	v = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vm_remap_gfn(vm, v, GFN(R4_GPA) + 7, GFN(ram));
	ASSERT_EQ(__vm_set_memory_region(vm, 3, 0, R4_GPA, 0, mem), 0);
	ASSERT_ERRNO(add(vm->fd, GFN(R4_GPA) + 6, 2), EEXIST);
	ASSERT_EQ(add(vm->fd, GFN(R4_GPA) + 8, 1), 0);
	ASSERT_EQ(del(vm->fd, GFN(R4_GPA) + 8, 1), 0);
	vm_remap_gfn(vm, v, GFN(R4_GPA) + 7, ALTP2M_GFN_INVALID);
	ASSERT_EQ(add(vm->fd, GFN(R4_GPA) + 6, 2), 0);
	ASSERT_EQ(del(vm->fd, GFN(R4_GPA) + 6, 2), 0);

	/* ENOSPC past max_hidden_frames (per VM), lowered for the test. */
	fd = open(PARAM, O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_GT(read(fd, old, sizeof(old) - 1), 0);
	ASSERT_EQ(pwrite(fd, "3\n", 2, 0), 2);
	ASSERT_ERRNO(add(vm->fd, H + 1000, 2), ENOSPC);
	ASSERT_EQ(add(vm->fd, H + 1000, 1), 0);
	ASSERT_ERRNO(add(vm->fd, H + 1001, 1), ENOSPC);
	ASSERT_EQ(nr_hidden(vm), 3);
	ASSERT_EQ(pwrite(fd, old, strlen(old), 0), (ssize_t)strlen(old));
	close(fd);
	ASSERT_EQ(add(vm->fd, H + 1001, ALTP2M_MAX_HIDDEN_ADD), 0);
	ASSERT_EQ(nr_hidden(vm), 3 + ALTP2M_MAX_HIDDEN_ADD);
	/* The VM goes with its frames (the leak checkers look). */
	vm_free(vm);
}

struct runner {
	struct vcpu *vcpu;
	int ret;
};

static void *run_vcpu(void *arg)
{
	struct runner *r = arg;

	r->ret = _vcpu_run(r->vcpu);
	return NULL;
}

/* Wait until the guest reads @want at least twice after now. */
static bool guest_sees(struct vm *vm, uint64_t want)
{
	uint64_t *s = addr_ptr2hva(vm, &seen);
	uint64_t *n = addr_ptr2hva(vm, &reads);
	uint64_t from = READ_ONCE(*n);
	int i;

	for (i = 0; i < 3000; i++) {
		if (READ_ONCE(*s) == want && READ_ONCE(*n) > from + 1)
			return true;
		usleep(10 * 1000);
	}
	return false;
}

/* Add, fill, remap and remove while the vCPU runs in the guest. */
TEST_TIMEOUT(while_running, 300)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_spin);
	uint64_t g = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE), done, before;
	struct runner r = { .vcpu = vcpu };
	struct monitor *m;
	pthread_t th;
	uint16_t v;

	*(uint64_t *)addr_gpa2hva(vm, g) = G_TAG;
	vm_views_enable(vm, 0);
	v = vm_view_create(vm, ALTP2M_ACCESS_DEFAULT);
	vcpu_set_view(vcpu, v);
	vcpu_args_set(vcpu, 1, g);
	m = monitor_attach(vm, 0, 0);
	ASSERT_EQ(pthread_create(&th, NULL, run_vcpu, &r), 0);
	ASSERT_TRUE(guest_sees(vm, G_TAG));

	ASSERT_EQ(add(m->fd, H, 1), 0);
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_WRITE_MEM, 0, H_GPA,
			  &(uint64_t){ H_TAG }, 8, &done), 0);
	ASSERT_EQ(done, 8);
	vm_remap_gfn(vm, v, GFN(g), H);
	ASSERT_TRUE(guest_sees(vm, H_TAG));
	before = invalidated(vm);
	ASSERT_EQ(del(vm->fd, H, 1), 0);
	ASSERT_EQ(invalidated(vm) - before, 1);
	ASSERT_TRUE(guest_sees(vm, G_TAG));
	/* Again, the remap made before the frame gets its bytes. */
	ASSERT_EQ(add(vm->fd, H, 1), 0);
	vm_remap_gfn(vm, v, GFN(g), H);
	ASSERT_TRUE(guest_sees(vm, 0));
	ASSERT_EQ(mon_mem(m, ALTP2M_MONITOR_WRITE_MEM, v, g,
			  &(uint64_t){ H_TAG + 1 }, 8, &done), 0);
	ASSERT_TRUE(guest_sees(vm, H_TAG + 1));
	ASSERT_EQ(*(uint64_t *)addr_gpa2hva(vm, g), G_TAG);
	ASSERT_EQ(del(m->fd, H, 1), 0);
	ASSERT_TRUE(guest_sees(vm, G_TAG));
	ASSERT_EQ(nr_hidden(vm), 0);

	WRITE_ONCE(*(uint64_t *)addr_ptr2hva(vm, &stop_reading), 1);
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_EQ(r.ret, 0);
	assert_ucall_sync(vcpu, 0);
	monitor_close(m);
	vm_free(vm);
}

/* ---------------------------------------------------------- netlink */

struct nlmsg {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char buf[256];
};

static void nl_put(struct nlmsg *r, uint16_t type, const void *data, int len)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/*
 * Send @r and read until its ack: 0 or the -errno, with the extack in
 * @e; @family_id gets CTRL_CMD_GETFAMILY's answer when asked.
 */
static int nl_call(int fd, struct nlmsg *r, struct nlerr *e,
		   uint16_t *family_id)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	static char buf[16384];
	struct nlmsghdr *h;
	ssize_t n;

	r->n.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	r->n.nlmsg_seq = 1;
	TEST_ASSERT(sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&sa,
			   sizeof(sa)) == (ssize_t)r->n.nlmsg_len, "sendto");
	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		TEST_ASSERT(n > 0, "recv");
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				parse_err(h, e);
				return e->err;
			}
			if (!family_id)
				continue;
			parse_attrs(tb, CTRL_ATTR_MAX,
				    (char *)NLMSG_DATA(h) + GENL_HDRLEN,
				    h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
			if (tb[CTRL_ATTR_FAMILY_ID])
				*family_id = *(uint16_t *)
					     nla_data(tb[CTRL_ATTR_FAMILY_ID]);
		}
	}
}

static uint16_t nl_family(int fd)
{
	struct nlmsg r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
		       .nlmsg_type = GENL_ID_CTRL },
		.g = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 },
	};
	uint16_t id = 0;
	struct nlerr e;

	nl_put(&r, CTRL_ATTR_FAMILY_NAME, ALTP2M_GENL_NAME,
	       sizeof(ALTP2M_GENL_NAME));
	TEST_ASSERT(!nl_call(fd, &r, &e, &id) && id, "family %s",
		    ALTP2M_GENL_NAME);
	return id;
}

/* ADD_HIDDEN or REMOVE_HIDDEN; @nr 0: no NPAGES attribute. */
static int nl_hidden(int fd, uint16_t family, uint8_t cmd, uint32_t vm_id,
		     uint64_t gfn, uint64_t nr, struct nlerr *e)
{
	struct nlmsg r = {
		.n = { .nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN),
		       .nlmsg_type = family },
		.g = { .cmd = cmd, .version = ALTP2M_GENL_VERSION },
	};

	nl_put(&r, ALTP2M_A_VM_ID, &vm_id, 4);
	nl_put(&r, ALTP2M_A_GFN, &gfn, 8);
	if (nr)
		nl_put(&r, ALTP2M_A_NPAGES, &nr, 8);
	return nl_call(fd, &r, e, NULL);
}

/* As nobody: EPERM for both commands, and nothing changes. */
static int nobody_tries(uint32_t vm_id)
{
	struct nlerr e;
	int fd;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 100;
	fd = nl_open();
	if (nl_hidden(fd, nl_family(fd), ALTP2M_CMD_ADD_HIDDEN, vm_id, H + 9,
		      1, &e) != -EPERM || !strstr(e.msg, "CAP_NET_ADMIN"))
		return 1;
	if (nl_hidden(fd, nl_family(fd), ALTP2M_CMD_REMOVE_HIDDEN, vm_id, H,
		      1, &e) != -EPERM)
		return 2;
	return 0;
}

TEST(netlink)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = reader(vm);
	uint64_t g = vm_alloc(vm, PAGE_SIZE, PAGE_SIZE), before;
	int fd = nl_open(), status;
	uint16_t family = nl_family(fd);
	struct nlerr e;
	pid_t pid;

	*(uint64_t *)addr_gpa2hva(vm, g) = G_TAG;
	vm_views_enable(vm, 0);
	ASSERT_EQ(vm_view_create(vm, ALTP2M_ACCESS_DEFAULT), 1);
	ASSERT_EQ(nl_hidden(fd, family, ALTP2M_CMD_ADD_HIDDEN, vm->id, H, 0,
			    &e), 0);
	ASSERT_EQ(nr_hidden(vm), 1);
	ASSERT_EQ(nl_hidden(fd, family, ALTP2M_CMD_ADD_HIDDEN, vm->id, H + 1,
			    3, &e), 0);
	ASSERT_EQ(nr_hidden(vm), 4);
	/* The errors, each explained against its attribute. */
	ASSERT_EQ(nl_hidden(fd, family, ALTP2M_CMD_ADD_HIDDEN, vm->id, H + 3,
			    2, &e), -EEXIST);
	TH_LOG("EEXIST: %s", e.msg);
	ASSERT_TRUE(strstr(e.msg, "gfn:"));
	ASSERT_GE(e.offs, 0);
	ASSERT_EQ(nl_hidden(fd, family, ALTP2M_CMD_ADD_HIDDEN, vm->id, H,
			    ALTP2M_MAX_HIDDEN_ADD + 1, &e), -EINVAL);
	ASSERT_TRUE(strstr(e.msg, "npages:"));
	ASSERT_EQ(nl_hidden(fd, family, ALTP2M_CMD_REMOVE_HIDDEN, vm->id,
			    H + 3, 2, &e), -ENOENT);
	ASSERT_TRUE(strstr(e.msg, "not hidden"));
	ASSERT_EQ(nl_hidden(fd, family, ALTP2M_CMD_ADD_HIDDEN, vm->id,
			    1ULL << 40, 1, &e), -EINVAL);
	ASSERT_TRUE(strstr(e.msg, "width"));

	pid = fork();
	ASSERT_GE(pid, 0);
	if (!pid)
		_exit(nobody_tries(vm->id));
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	ASSERT_EQ(nr_hidden(vm), 4);

	/* Remove over netlink reverts the remaps as the ioctl does. */
	vm_remap_gfn(vm, 1, GFN(g), H + 2);
	vcpu_set_view(vcpu, 1);
	ASSERT_EQ(guest_read(vcpu, g), 0);
	before = invalidated(vm);
	ASSERT_EQ(nl_hidden(fd, family, ALTP2M_CMD_REMOVE_HIDDEN, vm->id, H,
			    4, &e), 0);
	ASSERT_EQ(invalidated(vm) - before, 1);
	ASSERT_EQ(nr_hidden(vm), 0);
	ASSERT_EQ(guest_read(vcpu, g), G_TAG);
	close(fd);
	vm_free(vm);
}

/* ---------------------------------------------------- memory accounting */

#define CG		"/sys/fs/cgroup"
#define CG_TEST		CG "/altp2m-hidden-test"

static uint64_t cg_current(void)
{
	char buf[32] = "";
	int fd = open(CG_TEST "/memory.current", O_RDONLY);

	if (fd < 0)
		return 0;
	if (read(fd, buf, sizeof(buf) - 1) < 0)
		buf[0] = 0;
	close(fd);
	return strtoull(buf, NULL, 10);
}

#define CG_VCPUS	4
#define CG_FRAMES	256

/*
 * Hidden frames and the monitor's rings are memory userspace asks for:
 * charged to the asking task's memory cgroup, so its limit holds. In a
 * cgroup of its own, memory.current grows by at least what was asked.
 */
TEST(memcg_charged)
{
	struct monitor *m;
	uint64_t before, frames, rings;
	char pid[16];
	struct vm *vm;
	unsigned int i;

	if (access(CG "/cgroup.controllers", F_OK) &&
	    mount("none", CG, "cgroup2", 0, NULL))
		SKIP("no cgroup2 here: %s", strerror(errno));
	if (write_str(CG "/cgroup.subtree_control", "+memory"))
		SKIP("no memory controller: %s", strerror(errno));
	ASSERT_TRUE(!mkdir(CG_TEST, 0755) || errno == EEXIST);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(write_str(CG_TEST "/cgroup.procs", pid), 0);

	vm = vm_create(0);
	for (i = 0; i < CG_VCPUS; i++)
		vcpu_add_bare(vm, i);
	before = cg_current();
	ASSERT_NE(before, 0);
	ASSERT_EQ(add(vm->fd, H, CG_FRAMES), 0);
	frames = cg_current() - before;
	/* memory.current moves in per-CPU batches of 64 pages: a tenth off. */
	EXPECT_GE(frames, CG_FRAMES * 4096ULL * 9 / 10);
	before = cg_current();
	m = monitor_attach(vm, 0, ALTP2M_MONITOR_MAX_RING);
	rings = cg_current() - before;
	EXPECT_GE(rings, CG_VCPUS * (uint64_t)m->ring_bytes * 9 / 10);
	printf("# charged: %llu bytes for %u hidden frames, %llu for %u rings of %llu bytes\n",
	       (unsigned long long)frames, CG_FRAMES,
	       (unsigned long long)rings, CG_VCPUS,
	       (unsigned long long)m->ring_bytes);
	monitor_close(m);
	vm_free(vm);
	/* Back to the root, so that the test cgroup can go. */
	write_str(CG "/cgroup.procs", pid);
	rmdir(CG_TEST);
}

TEST_HARNESS_MAIN
