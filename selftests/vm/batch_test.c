// SPDX-License-Identifier: GPL-2.0
/*
 * ALTP2M_BATCH and ALTP2M_GET_VM_STATUS on the VM fd: a batch over
 * several views is applied whole, in order, with one generation step; a
 * batch whose last operation fails leaves every view as it was and
 * flushes nothing; malformed batches are refused with the operation
 * named; the generation guard; and (two CPUs) a guest that reads two
 * pages on another CPU while batches remap both never sees one remapped
 * and not the other.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

static int batch(struct vm *vm, struct altp2m_batch_op *ops, uint32_t nr,
		 uint32_t flags, uint64_t *gen, uint32_t *index)
{
	struct altp2m_batch b = {
		.flags = flags,
		.nr_ops = nr,
		.ops = (uint64_t)(uintptr_t)ops,
		.error_index = 0xdeadbeef,
		.generation = gen ? *gen : 0,
	};
	int ret = ioctl(vm->fd, ALTP2M_BATCH, &b);

	if (index)
		*index = b.error_index;
	if (gen)
		*gen = b.generation;
	return ret;
}

static struct altp2m_batch_op op_access(uint32_t view, uint64_t gfn,
					uint64_t npages, uint8_t access)
{
	return (struct altp2m_batch_op){
		.op = ALTP2M_BATCH_SET_ACCESS, .view = view, .gfn = gfn,
		.npages = npages, .value = access,
	};
}

static struct altp2m_batch_op op_sve(uint32_t view, uint64_t gfn, uint8_t sve)
{
	return (struct altp2m_batch_op){
		.op = ALTP2M_BATCH_SET_SVE, .view = view, .gfn = gfn,
		.npages = 1, .value = sve,
	};
}

static struct altp2m_batch_op op_remap(uint32_t view, uint64_t gfn,
				       uint64_t target)
{
	return (struct altp2m_batch_op){
		.op = ALTP2M_BATCH_REMAP, .view = view, .gfn = gfn,
		.npages = 1, .target = target,
	};
}

static void vm_status(struct vm *vm, struct altp2m_vm_status *st)
{
	memset(st, 0, sizeof(*st));
	TEST_ASSERT(!ioctl(vm->fd, ALTP2M_GET_VM_STATUS, st),
		    "ALTP2M_GET_VM_STATUS");
}

static uint64_t vm_gen(struct vm *vm)
{
	struct altp2m_vm_status st;

	vm_status(vm, &st);
	return st.generation;
}

/* Every run of every view 0 .. @nviews - 1, in one buffer, for compares. */
#define DUMP_MAX	256
struct views_dump {
	uint32_t n[4];
	struct altp2m_view_entry e[4][DUMP_MAX];
};

static void dump_views(struct vm *vm, unsigned int nviews,
		       struct views_dump *d)
{
	unsigned int v;
	uint64_t cursor;

	memset(d, 0, sizeof(*d));
	for (v = 0; v < nviews; v++) {
		cursor = 0;
		d->n[v] = vm_dump_view(vm, v, &cursor, d->e[v], DUMP_MAX);
		TEST_ASSERT(cursor == ALTP2M_GFN_INVALID,
			    "view %u has more than %d runs", v, DUMP_MAX);
	}
}

static uint8_t access_of(struct vm *vm, uint32_t view, uint64_t gfn,
			 uint8_t *sve)
{
	struct altp2m_gfn_get g = { .view = view, .gfn = gfn };

	TEST_ASSERT(!ioctl(vm->fd, ALTP2M_GET_MEM_ACCESS, &g),
		    "ALTP2M_GET_MEM_ACCESS view %u gfn %#llx", view,
		    (unsigned long long)gfn);
	if (sve)
		*sve = g.suppress_ve;
	return g.access;
}

/* A VM with three views on top of view 0, and eight pages to play with. */
static struct vm *setup(uint64_t *gfn)
{
	struct vm *vm = vm_create(0);
	unsigned int i;

	vm_views_enable(vm, 4);
	for (i = 1; i <= 3; i++)
		TEST_ASSERT(vm_view_create(vm, ALTP2M_ACCESS_RWX) == i,
			    "view %u", i);
	for (i = 0; i < 8; i++)
		gfn[i] = vm_alloc(vm, 4096, 4096) >> 12;
	return vm;
}

TEST(status_reports_the_vm)
{
	struct altp2m_vm_status st;
	struct vm *vm = vm_create(0);
	uint64_t g0;

	vcpu_add(vm, 0, NULL);
	vm_status(vm, &st);
	EXPECT_EQ(st.vm_id, vm->id);
	EXPECT_EQ(st.nr_vcpus, 1);
	EXPECT_EQ(st.mem_pages, vm->ram_size >> 12);
	EXPECT_EQ(st.views_enabled, 0);
	EXPECT_EQ(st.max_views, 0);
	EXPECT_EQ(st.nr_views, 1);
	g0 = st.generation;
	vm_views_enable(vm, 5);
	vm_view_create(vm, ALTP2M_ACCESS_RX);
	vm_status(vm, &st);
	EXPECT_EQ(st.views_enabled, 1);
	EXPECT_EQ(st.max_views, 5);
	EXPECT_EQ(st.mode, ALTP2M_MODE_EXTERNAL);
	EXPECT_EQ(st.nr_views, 2);
	EXPECT_EQ(st.generation, g0 + 2);
	/* Everything but flags is output: a non-zero input is refused. */
	memset(&st, 0, sizeof(st));
	st.reserved[3] = 1;
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_GET_VM_STATUS, &st), -1);
	EXPECT_EQ(errno, EINVAL);
	memset(&st, 0, sizeof(st));
	st.flags = 1;
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_GET_VM_STATUS, &st), -1);
	EXPECT_EQ(errno, EINVAL);
	vm_free(vm);
}

TEST(batch_applies_everything_in_order)
{
	struct altp2m_batch_op ops[7];
	uint64_t gfn[8], g0, gen = 0;
	uint32_t idx;
	uint8_t sve;
	struct vm *vm = setup(gfn);

	g0 = vm_gen(vm);
	ops[0] = op_access(1, gfn[0], 2, ALTP2M_ACCESS_R);
	ops[1] = op_sve(2, gfn[2], 0);
	ops[2] = op_remap(3, gfn[3], gfn[4]);
	/* Later operations see the earlier ones: the remapped gfn's access. */
	ops[3] = op_access(3, gfn[3], 1, ALTP2M_ACCESS_X);
	/* A remap made and reverted within the batch leaves nothing. */
	ops[4] = op_remap(2, gfn[5], gfn[6]);
	ops[5] = op_remap(2, gfn[5], ALTP2M_GFN_INVALID);
	/* View 0's access reaches the views that hold the gfn (view 1). */
	ops[6] = op_access(0, gfn[1], 1, ALTP2M_ACCESS_RX);
	ASSERT_EQ(batch(vm, ops, 7, 0, &gen, &idx), 0);
	EXPECT_EQ(gen, g0 + 1);
	EXPECT_EQ(vm_gen(vm), g0 + 1);

	EXPECT_EQ(access_of(vm, 1, gfn[0], NULL), ALTP2M_ACCESS_R);
	EXPECT_EQ(access_of(vm, 1, gfn[1], NULL), ALTP2M_ACCESS_RX);
	EXPECT_EQ(access_of(vm, 0, gfn[1], NULL), ALTP2M_ACCESS_RX);
	EXPECT_EQ(access_of(vm, 2, gfn[2], &sve), ALTP2M_ACCESS_RWX);
	EXPECT_EQ(sve, 0);
	EXPECT_EQ(access_of(vm, 3, gfn[3], &sve), ALTP2M_ACCESS_X);
	EXPECT_EQ(sve, 1);
	EXPECT_EQ(__vm_get_mem_access(vm, 2, gfn[5], &sve), -1);
	EXPECT_EQ(errno, ESRCH);
	vm_free(vm);
}

TEST(failing_last_operation_applies_and_flushes_nothing)
{
	struct altp2m_vm_stats st0, st1;
	struct views_dump *before, *after;
	struct altp2m_batch_op ops[5];
	uint64_t gfn[8], g0, outside;
	uint32_t idx;
	struct vm *vm = setup(gfn);

	before = calloc(1, sizeof(*before));
	after = calloc(1, sizeof(*after));
	ASSERT_TRUE(before && after);
	/* Something in every view first, so that an undo has work to do. */
	vm_set_mem_access(vm, 1, gfn[7], 1, ALTP2M_ACCESS_R);
	vm_remap_gfn(vm, 2, gfn[7], gfn[6]);
	vm_set_mem_access(vm, 3, gfn[7], 1, ALTP2M_ACCESS_RX);
	outside = (vm->ram_size >> 12) + 0x100;

	dump_views(vm, 4, before);
	vm_stats(vm, &st0);
	g0 = vm_gen(vm);
	ops[0] = op_access(1, gfn[0], 4, ALTP2M_ACCESS_N);
	ops[1] = op_sve(2, gfn[1], 0);
	ops[2] = op_remap(3, gfn[2], gfn[3]);
	ops[3] = op_access(0, gfn[7], 1, ALTP2M_ACCESS_R);
	/* Not guest RAM: ESRCH, as the single ALTP2M_REMAP_GFN says. */
	ops[4] = op_remap(3, gfn[4], outside);
	EXPECT_EQ(batch(vm, ops, 5, 0, NULL, &idx), -1);
	EXPECT_EQ(errno, ESRCH);
	EXPECT_EQ(idx, 4);

	dump_views(vm, 4, after);
	EXPECT_EQ(memcmp(before, after, sizeof(*before)), 0);
	vm_stats(vm, &st1);
	EXPECT_EQ(st1.invept, st0.invept);
	EXPECT_EQ(st1.ept_flushes, st0.ept_flushes);
	EXPECT_EQ(st1.ept_tables, st0.ept_tables);
	EXPECT_EQ(vm_gen(vm), g0);
	EXPECT_EQ(access_of(vm, 0, gfn[7], NULL), ALTP2M_ACCESS_RWX);

	/* The same batch without the bad operation goes through. */
	EXPECT_EQ(batch(vm, ops, 4, 0, NULL, &idx), 0);
	EXPECT_EQ(access_of(vm, 1, gfn[3], NULL), ALTP2M_ACCESS_N);
	EXPECT_EQ(access_of(vm, 3, gfn[7], NULL), ALTP2M_ACCESS_R);
	free(before);
	free(after);
	vm_free(vm);
}

TEST(malformed_batches_are_refused)
{
	struct altp2m_batch_op ops[3];
	struct altp2m_batch b;
	uint64_t gfn[8], gen;
	uint32_t idx;
	uint8_t acc;
	struct vm *vm = setup(gfn);

	ops[0] = op_access(1, gfn[0], 1, ALTP2M_ACCESS_R);
	ops[1] = op_access(1, gfn[1], 1, ALTP2M_ACCESS_R);
	ops[2] = op_access(1, gfn[2], 1, ALTP2M_ACCESS_R);
#define REFUSED(i, field, val) do {					\
		struct altp2m_batch_op o[3];				\
									\
		memcpy(o, ops, sizeof(o));				\
		o[i].field = val;					\
		EXPECT_EQ(batch(vm, o, 3, 0, NULL, &idx), -1);		\
		EXPECT_EQ(errno, EINVAL);				\
		EXPECT_EQ(idx, i);					\
	} while (0)
	REFUSED(2, op, 0);
	REFUSED(1, op, 4);
	REFUSED(0, flags, 1);
	REFUSED(1, pad, 1);
	REFUSED(2, reserved, 1);
	REFUSED(1, npages, 0);
	REFUSED(0, value, ALTP2M_ACCESS_DEFAULT + 1);
	REFUSED(2, target, gfn[3]);
	REFUSED(1, view, ALTP2M_MAX_VIEWS);
	ops[1] = op_sve(1, gfn[1], 1);
	REFUSED(1, value, 2);
	ops[1] = op_remap(1, gfn[1], gfn[2]);
	REFUSED(1, npages, 2);
	REFUSED(1, value, 1);
#undef REFUSED
	/* The batch as a whole. */
	EXPECT_EQ(batch(vm, ops, 0, 0, NULL, NULL), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(batch(vm, ops, 3, 2, NULL, NULL), -1);
	EXPECT_EQ(errno, EINVAL);
	gen = 5;	/* a generation without the flag */
	EXPECT_EQ(batch(vm, ops, 3, 0, &gen, NULL), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(batch(vm, ops, ALTP2M_BATCH_MAX_OPS + 1, 0, NULL, NULL),
		  -1);
	EXPECT_EQ(errno, E2BIG);
	memset(&b, 0, sizeof(b));
	b.nr_ops = 3;
	b.ops = 8;	/* unmapped */
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_BATCH, &b), -1);
	EXPECT_EQ(errno, EFAULT);
	b.ops = (uint64_t)(uintptr_t)ops;
	b.reserved[1] = 1;
	EXPECT_EQ(ioctl(vm->fd, ALTP2M_BATCH, &b), -1);
	EXPECT_EQ(errno, EINVAL);
	/* A view that does not exist: the engine's answer, index named. */
	ops[1] = op_access(3, gfn[1], 1, ALTP2M_ACCESS_R);
	ops[2] = op_access(4, gfn[1], 1, ALTP2M_ACCESS_R);
	EXPECT_EQ(batch(vm, ops, 3, 0, NULL, &idx), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(idx, 2);
	EXPECT_EQ(__vm_get_mem_access(vm, 1, gfn[0], &acc), -1);
	EXPECT_EQ(errno, ESRCH);
	EXPECT_EQ(__vm_get_mem_access(vm, 3, gfn[1], &acc), -1);
	EXPECT_EQ(errno, ESRCH);
	vm_free(vm);
}

TEST(generation_guard)
{
	struct altp2m_batch_op op;
	uint64_t gfn[8], gen, old;
	uint32_t idx;
	uint8_t acc;
	struct vm *vm = setup(gfn);

	op = op_access(2, gfn[0], 1, ALTP2M_ACCESS_R);
	gen = old = vm_gen(vm);
	ASSERT_EQ(batch(vm, &op, 1, ALTP2M_BATCH_IF_GENERATION, &gen, &idx),
		  0);
	EXPECT_EQ(gen, old + 1);
	/* Built against the old generation: refused, nothing applied. */
	gen = old;
	op = op_access(2, gfn[1], 1, ALTP2M_ACCESS_R);
	EXPECT_EQ(batch(vm, &op, 1, ALTP2M_BATCH_IF_GENERATION, &gen, &idx),
		  -1);
	EXPECT_EQ(errno, ESTALE);
	EXPECT_EQ(idx, 1);
	EXPECT_EQ(__vm_get_mem_access(vm, 2, gfn[1], &acc), -1);
	EXPECT_EQ(errno, ESRCH);
	EXPECT_EQ(vm_gen(vm), old + 1);
	vm_free(vm);
}

/*
 * The guest on the other CPU: forever read B, then A, both in view 1,
 * with their translations dropped first so that each read walks the EPT
 * as it is then. Every batch remaps both to pages holding the round's
 * number, B first and A last, so a guest that ever read B newer than the
 * A it read after it saw a batch half applied. Counts its loops in
 * shared[0] and such sightings in shared[1]; stops when shared[2] is set.
 */
static void guest_read_pair(uint64_t a, uint64_t b, uint64_t shared)
{
	volatile uint64_t *s = (volatile uint64_t *)shared;
	uint64_t va, vb;

	while (!s[2]) {
		__asm__ __volatile__("invlpg (%0)" : : "r"(b) : "memory");
		vb = *(volatile uint64_t *)b;
		__asm__ __volatile__("invlpg (%0)" : : "r"(a) : "memory");
		va = *(volatile uint64_t *)a;
		if (va < vb)
			s[1]++;
		s[0]++;
	}
	GUEST_DONE();
}

struct runner {
	struct vcpu *vcpu;
	int ret;
};

static void *run_on_cpu1(void *arg)
{
	struct runner *r = arg;

	r->ret = pin_to_cpu(1) ? _vcpu_run(r->vcpu) : -1;
	return NULL;
}

#define ROUNDS		20
#define FILLER		400

TEST(guest_never_sees_half_a_batch)
{
	struct altp2m_batch_op *ops;
	uint64_t a, b, shared, *pa, *pb, filler, loops;
	volatile uint64_t *s;
	struct runner r = { 0 };
	struct vcpu *vcpu;
	unsigned int k, i;
	struct vm *vm;
	pthread_t th;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP("needs two CPUs");
	ASSERT_TRUE(pin_to_cpu(0));
	vm = vm_create(0);
	vcpu = vcpu_add(vm, 0, guest_read_pair);
	a = vm_alloc(vm, 4096, 4096);
	b = vm_alloc(vm, 4096, 4096);
	shared = vm_alloc(vm, 4096, 4096);
	filler = vm_alloc(vm, 4096, 4096);
	pa = calloc(ROUNDS + 1, sizeof(*pa));
	pb = calloc(ROUNDS + 1, sizeof(*pb));
	ops = calloc(FILLER + 2, sizeof(*ops));
	ASSERT_TRUE(pa && pb && ops);
	for (k = 1; k <= ROUNDS; k++) {
		pa[k] = vm_alloc(vm, 4096, 4096);
		pb[k] = vm_alloc(vm, 4096, 4096);
		*(uint64_t *)addr_gva2hva(vm, pa[k]) = k;
		*(uint64_t *)addr_gva2hva(vm, pb[k]) = k;
	}
	s = addr_gva2hva(vm, shared);
	vcpu_args_set(vcpu, 3, a, b, shared);
	vcpu_set_if(vcpu, true);
	vm_views_enable(vm, 3);
	ASSERT_EQ(vm_view_create(vm, ALTP2M_ACCESS_RWX), 1);
	ASSERT_EQ(vm_view_create(vm, ALTP2M_ACCESS_RWX), 2);
	vcpu_set_view(vcpu, 1);

	r.vcpu = vcpu;
	ASSERT_EQ(pthread_create(&th, NULL, run_on_cpu1, &r), 0);
	for (i = 0; !s[0] && i < 6000; i++)
		usleep(10 * 1000);
	ASSERT_NE(s[0], 0);
	for (k = 1; k <= ROUNDS; k++) {
		/*
		 * B first, A last, with work in between (in a view the guest
		 * is not on), so that a batch applied under the guest's feet
		 * would leave it a long window to see the first remap alone.
		 */
		ops[0] = op_remap(1, b >> 12, pb[k] >> 12);
		for (i = 1; i <= FILLER; i++)
			ops[i] = op_access(2, filler >> 12, 1,
					   i & 1 ? ALTP2M_ACCESS_R :
						   ALTP2M_ACCESS_RW);
		ops[FILLER + 1] = op_remap(1, a >> 12, pa[k] >> 12);
		loops = s[0];
		ASSERT_EQ(batch(vm, ops, FILLER + 2, 0, NULL, NULL), 0);
		/* The guest ran between batches. */
		for (i = 0; s[0] - loops < 10 && i < 6000; i++)
			usleep(1000);
	}
	s[2] = 1;
	ASSERT_EQ(pthread_join(th, NULL), 0);
	ASSERT_EQ(r.ret, 0);
	assert_ucall_done(vcpu);
	EXPECT_EQ(s[1], 0);
	EXPECT_GE(s[0], ROUNDS * 10);
	TH_LOG("guest loops %llu, half-applied sightings %llu",
	       (unsigned long long)s[0], (unsigned long long)s[1]);
	free(ops);
	free(pa);
	free(pb);
	vm_free(vm);
}

TEST_HARNESS_MAIN
