// SPDX-License-Identifier: GPL-2.0
/*
 * Views (alternate p2m) end to end, as the guest sees them: every access
 * code stops exactly the accesses it lacks, with every field of the
 * violation exit right, and the access completes once relaxed; view 0
 * and other views are unaffected; remaps show the target's frame and
 * revert; rx2rw and n2rwx promote once; the rules for destroying views;
 * all 512 views; a deleted region drops exactly the remaps into it and
 * keeps the others; bulk calls flush each view they change once; with
 * two CPUs (tier smp), no vCPU uses an entry a call changed once the
 * call has returned; bad input; and a randomised run checked against a
 * model of the views after every step.
 *
 * Every guest runs guest_server(): it reports the result of its last
 * command with GUEST_SYNC, then does the next one (read, write or execute
 * at an address, or touch a range), so each test drives single accesses
 * from the host and sees either their result or the violation they
 * cause. Test pages hold a tag (page_tag()) in their first word and, at
 * CODE_OFF, code that returns the low half of that tag, so a read and an
 * execution both tell which frame the guest reached.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define CODE_OFF	0x100		/* mov $imm32, %eax; ret */
#define GFN(gpa)	((uint64_t)(gpa) >> 12)
#define NOT_RAM_GFN	0x80000ULL	/* 2 GiB: no region there */
#define GFN_LIMIT	(1ULL << 36)
#define KADDR		((void *)0xffff888000000000UL)

#define ACC_N		ALTP2M_ACCESS_N
#define ACC_R		ALTP2M_ACCESS_R
#define ACC_RW		ALTP2M_ACCESS_RW
#define ACC_X		ALTP2M_ACCESS_X
#define ACC_RX		ALTP2M_ACCESS_RX
#define ACC_RWX		ALTP2M_ACCESS_RWX
#define ACC_RX2RW	ALTP2M_ACCESS_RX2RW
#define ACC_N2RWX	ALTP2M_ACCESS_N2RWX
#define ACC_DEFAULT	ALTP2M_ACCESS_DEFAULT

#define V_R		ALTP2M_VIOLATION_R
#define V_W		ALTP2M_VIOLATION_W
#define V_X		ALTP2M_VIOLATION_X

/* What the CPU grants for each access code (EPT bits 0-2 = V_R/W/X). */
static const uint8_t rights[] = {
	[ACC_N] = 0,
	[ACC_R] = V_R,
	[ALTP2M_ACCESS_W] = V_W,
	[ACC_RW] = V_R | V_W,
	[ACC_X] = V_X,
	[ACC_RX] = V_R | V_X,
	[ALTP2M_ACCESS_WX] = V_W | V_X,
	[ACC_RWX] = V_R | V_W | V_X,
	[ACC_RX2RW] = V_R | V_X,
	[ACC_N2RWX] = 0,
	[ACC_DEFAULT] = V_R | V_W | V_X,
};

/* ------------------------------------------------------------ the guest */

enum { OP_READ, OP_WRITE, OP_EXEC, OP_TOUCH };

static const uint8_t op_right[] = {
	[OP_READ] = V_R, [OP_WRITE] = V_W, [OP_EXEC] = V_X,
};

static const uint64_t op_offset[] = {
	[OP_READ] = 0, [OP_WRITE] = 0, [OP_EXEC] = CODE_OFF,
};

/* The next command; the host writes the guest's copy between runs. */
struct guest_cmd {
	uint64_t op;
	uint64_t addr;
	uint64_t arg;
};

struct guest_cmd guest_cmd;

typedef uint64_t (*guest_fn_t)(void);

/*
 * Reads and writes are single movq instructions (the mmio helpers), so
 * each is exactly one read or one write access.
 */
static void guest_server(void)
{
	uint64_t ret = 0, op, addr, arg, i;

	for (;;) {
		GUEST_SYNC(ret);
		op = READ_ONCE(guest_cmd.op);
		addr = READ_ONCE(guest_cmd.addr);
		arg = READ_ONCE(guest_cmd.arg);
		switch (op) {
		case OP_READ:
			ret = mmio_read64(addr);
			break;
		case OP_WRITE:
			mmio_write64(addr, arg);
			ret = arg;
			break;
		case OP_EXEC:
			ret = ((guest_fn_t)(uintptr_t)addr)();
			break;
		case OP_TOUCH:
			/* @arg pages from @addr: the sum of their first words. */
			for (ret = 0, i = 0; i < arg; i++)
				ret += mmio_read64(addr + i * PAGE_SIZE);
			break;
		default:
			GUEST_ASSERT(0);
		}
	}
}

/* ------------------------------------------------------------- the host */

static uint64_t page_tag(uint64_t gpa)
{
	return 0x7a67000000000000ULL | gpa;
}

/* What OP_EXEC of a test page returns: the low half of its tag. */
static uint64_t code_ret(uint64_t gpa)
{
	return (uint32_t)page_tag(gpa);
}

/* The tag at +0 and, at +CODE_OFF, "mov $code_ret, %eax; ret". */
static void page_init(void *hva, uint64_t gpa)
{
	uint8_t *p = hva;
	uint64_t tag = page_tag(gpa);
	uint32_t imm = (uint32_t)code_ret(gpa);

	memcpy(p, &tag, sizeof(tag));
	p[CODE_OFF] = 0xb8;
	memcpy(p + CODE_OFF + 1, &imm, sizeof(imm));
	p[CODE_OFF + 5] = 0xc3;
}

/* @n test pages in slot 0 RAM; returns the gpa of the first. */
static uint64_t test_pages(struct vm *vm, unsigned int n)
{
	uint64_t gpa = vm_alloc(vm, n * PAGE_SIZE, PAGE_SIZE);
	unsigned int i;

	for (i = 0; i < n; i++)
		page_init(addr_gpa2hva(vm, gpa + i * PAGE_SIZE),
			  gpa + i * PAGE_SIZE);
	return gpa;
}

static uint64_t *word_at(struct vm *vm, uint64_t gpa)
{
	return addr_gpa2hva(vm, gpa);
}

/*
 * A VM with @mem bytes of RAM (0: the default) and one vCPU waiting in
 * guest_server(); views are not enabled yet.
 */
static struct vcpu *server_vm(struct vm **vmp, uint64_t mem)
{
	struct vm *vm = vm_create(mem);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_server);

	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0);
	*vmp = vm;
	return vcpu;
}

/* Start a command; the caller checks the exit it ends with. */
static void guest_op(struct vcpu *vcpu, unsigned int op, uint64_t addr,
		     uint64_t arg)
{
	struct guest_cmd *cmd = addr_ptr2hva(vcpu->vm, &guest_cmd);

	cmd->op = op;
	cmd->addr = addr;
	cmd->arg = arg;
	vcpu_run(vcpu);
}

/*
 * The last exit is the violation of an @access (V_R/W/X) at @gpa in
 * @view, whose access there was @entry: every field, and the raw
 * qualification's attempted-access, EPT-rights and linear-address bits.
 */
static void expect_violation(struct altp2m_test *_t, struct vcpu *vcpu,
			     uint32_t view, uint64_t gpa, uint8_t access,
			     uint8_t entry, bool promoted)
{
	struct altp2m_run *run = vcpu->run;
	uint8_t flags = ALTP2M_VIOLATION_GLA_VALID |
			ALTP2M_VIOLATION_GLA_FINAL |
			(promoted ? ALTP2M_VIOLATION_PROMOTED : 0);

	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	ASSERT_EQ(run->violation.view, view);
	ASSERT_EQ(run->violation.gpa, gpa);
	ASSERT_EQ(run->violation.gla, gpa);	/* identity mapped */
	ASSERT_EQ(run->violation.access, access);
	ASSERT_EQ(run->violation.entry_access, entry);
	ASSERT_EQ(run->violation.flags, flags);
	ASSERT_EQ(run->violation.pad, 0);
	ASSERT_EQ(run->violation.qualification & 0x3f,
		  access | rights[entry] << 3);
	ASSERT_EQ(run->violation.qualification & 0x180, 0x180);
}

static void expect_mmio(struct altp2m_test *_t, struct vcpu *vcpu,
			uint64_t gpa, bool write)
{
	assert_exit_reason(vcpu, ALTP2M_EXIT_MMIO);
	ASSERT_EQ(vcpu->run->mmio.gpa, gpa);
	ASSERT_EQ(vcpu->run->mmio.len, 8);
	ASSERT_EQ(vcpu->run->mmio.is_write, write);
}

static void expect_read(struct vcpu *vcpu, uint64_t gpa, uint64_t want)
{
	guest_op(vcpu, OP_READ, gpa, 0);
	assert_ucall_sync(vcpu, want);
}

static uint64_t next_value(void)
{
	static uint64_t serial;

	return 0x5700000000000000ULL | ++serial;
}

/*
 * The guest on @view does @op on the test page at @gpa, whose access
 * there is @access. Without the right for it: a violation, then the
 * access relaxed to rwx in @view and the same instruction completes.
 * Either way the result is checked. Returns the violations seen (0, 1).
 */
static unsigned int op_expect(struct altp2m_test *_t, struct vcpu *vcpu,
			      uint32_t view, uint64_t gpa, unsigned int op,
			      uint8_t access)
{
	struct vm *vm = vcpu->vm;
	uint64_t addr = gpa + op_offset[op], val = next_value(), want;
	unsigned int violations = 0;

	want = op == OP_READ ? *word_at(vm, gpa) :
	       op == OP_WRITE ? val : code_ret(gpa);
	guest_op(vcpu, op, addr, val);
	if (!(rights[access] & op_right[op])) {
		expect_violation(_t, vcpu, view, addr, op_right[op], access,
				 false);
		vm_set_mem_access(vm, view, GFN(gpa), 1, ACC_RWX);
		vcpu_run(vcpu);
		violations = 1;
	}
	assert_ucall_sync(vcpu, want);
	if (op == OP_WRITE)
		ASSERT_EQ(*word_at(vm, gpa), val);
	return violations;
}

/* Read, write and execute the page at @gpa after setting @access. */
static unsigned int ops_expect(struct altp2m_test *_t, struct vcpu *vcpu,
			       uint32_t view, uint64_t gpa, uint8_t access)
{
	unsigned int op, violations = 0;

	for (op = OP_READ; op <= OP_EXEC; op++) {
		vm_set_mem_access(vcpu->vm, view, GFN(gpa), 1, access);
		ASSERT_EQ(vm_get_mem_access(vcpu->vm, view, GFN(gpa)), access);
		violations += op_expect(_t, vcpu, view, gpa, op, access);
	}
	return violations;
}

/* The whole dump of @view, which must fit in @nr entries. */
static uint32_t dump_all(struct altp2m_test *_t, struct vm *vm,
			 uint32_t view, struct altp2m_view_entry *e,
			 uint32_t nr)
{
	uint64_t cursor = 0;
	uint32_t n = vm_dump_view(vm, view, &cursor, e, nr);

	ASSERT_EQ(cursor, ALTP2M_GFN_INVALID);
	return n;
}

static void expect_entry(struct altp2m_test *_t,
			 const struct altp2m_view_entry *e, uint64_t gfn,
			 uint64_t npages, uint64_t target, uint8_t access)
{
	ASSERT_EQ(e->gfn, gfn);
	ASSERT_EQ(e->npages, npages);
	ASSERT_EQ(e->target, target);
	ASSERT_EQ(e->access, access);
	ASSERT_EQ(e->suppress_ve, 1);
}

/* ------------------------------------------------------ access per type */

/*
 * Each access code on one page of a view: reads, writes and executions
 * it lacks the right for exit with the violation, exactly those, and
 * complete once relaxed. A violation not relaxed repeats. View 0 is not
 * affected by what view V says.
 */
TEST(access_each_type)
{
	static const uint8_t types[] = {
		ACC_N, ACC_R, ACC_RW, ACC_X, ACC_RX, ACC_RWX,
	};
	struct altp2m_vm_stats st0, st1;
	struct altp2m_vcpu_stats vst;
	struct altp2m_caps caps;
	unsigned int i, op, events;
	struct vm *vm;
	struct vcpu *vcpu = server_vm(&vm, 0);
	uint64_t p = test_pages(vm, 1);
	uint16_t v;

	vm_caps(vm, &caps);
	vm_views_enable(vm, 0);
	v = vm_view_create(vm, ACC_DEFAULT);
	ASSERT_EQ(v, 1);
	vcpu_set_view(vcpu, v);
	ASSERT_EQ(vcpu_get_view(vcpu), v);
	vm_stats(vm, &st0);

	/* Not relaxed: the instruction exits again. */
	vm_set_mem_access(vm, v, GFN(p), 1, ACC_N);
	guest_op(vcpu, OP_READ, p, 0);
	expect_violation(_t, vcpu, v, p, V_R, ACC_N, false);
	vcpu_run(vcpu);
	expect_violation(_t, vcpu, v, p, V_R, ACC_N, false);
	vm_set_mem_access(vm, v, GFN(p), 1, ACC_R);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, page_tag(p));
	events = 2;

	for (i = 0; i < ARRAY_SIZE(types); i++) {
		if (types[i] == ACC_X &&
		    !(caps.caps & ALTP2M_CAP_EPT_EXEC_ONLY)) {
			ASSERT_ERRNO(__vm_set_mem_access(vm, v, GFN(p), 1,
							 ACC_X), EINVAL);
			continue;
		}
		events += ops_expect(_t, vcpu, v, p, types[i]);
	}
	vm_stats(vm, &st1);
	EXPECT_EQ(st1.view_events - st0.view_events, events);
	vcpu_stats(vcpu, &vst);
	EXPECT_EQ(vst.exits[ALTP2M_EXIT_VIEW_VIOLATION], events);
	TH_LOG("%u violations%s", events,
	       caps.caps & ALTP2M_CAP_EPT_EXEC_ONLY ? "" :
	       " (no execute-only: x skipped)");

	/* The same page is n in V: view 0 does not care. */
	vm_set_mem_access(vm, v, GFN(p), 1, ACC_N);
	vcpu_set_view(vcpu, 0);
	for (op = OP_READ; op <= OP_EXEC; op++)
		op_expect(_t, vcpu, 0, p, op, ACC_RWX);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(p)), ACC_N);
	EXPECT_EQ(vm_get_mem_access(vm, 0, GFN(p)), ACC_RWX);
	vm_stats(vm, &st0);
	EXPECT_EQ(st0.view_events, st1.view_events);
	vm_free(vm);
}

/* ---------------------------------------------------------------- remap */

/*
 * A remapped gfn shows the target's frame (data and code, reads and
 * writes) in its view only; view 0 keeps its own. Reverting by
 * ALTP2M_GFN_INVALID or by the gfn itself brings back lazy fill. The
 * remap takes the target's access in the view, GET_MEM_ACCESS and
 * DUMP_VIEW tell what they should.
 */
TEST(remap_view0_unaffected)
{
	struct altp2m_view_entry e[8];
	struct vm *vm;
	struct vcpu *vcpu = server_vm(&vm, 0);
	uint64_t a = test_pages(vm, 2), b = a + PAGE_SIZE, val;
	uint8_t acc;
	uint16_t v;

	vm_views_enable(vm, 0);
	v = vm_view_create(vm, ACC_DEFAULT);
	vcpu_set_view(vcpu, v);
	expect_read(vcpu, a, page_tag(a));

	vm_remap_gfn(vm, v, GFN(a), GFN(b));
	expect_read(vcpu, a, page_tag(b));
	guest_op(vcpu, OP_EXEC, a + CODE_OFF, 0);
	assert_ucall_sync(vcpu, code_ret(b));
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(a)), ACC_RWX);
	ASSERT_EQ(dump_all(_t, vm, v, e, ARRAY_SIZE(e)), 1);
	expect_entry(_t, &e[0], GFN(a), 1, GFN(b), ACC_RWX);
	ASSERT_EQ(dump_all(_t, vm, 0, e, ARRAY_SIZE(e)), 0);

	vcpu_set_view(vcpu, 0);
	expect_read(vcpu, a, page_tag(a));
	vcpu_set_view(vcpu, v);
	expect_read(vcpu, a, page_tag(b));

	/* A write through the remap lands in B's frame. */
	val = next_value();
	guest_op(vcpu, OP_WRITE, a, val);
	assert_ucall_sync(vcpu, val);
	EXPECT_EQ(*word_at(vm, b), val);
	EXPECT_EQ(*word_at(vm, a), page_tag(a));
	*word_at(vm, b) = page_tag(b);

	/* Revert: lazy fill again, so the view holds nothing at A. */
	vm_remap_gfn(vm, v, GFN(a), ALTP2M_GFN_INVALID);
	ASSERT_ERRNO(__vm_get_mem_access(vm, v, GFN(a), &acc), ESRCH);
	ASSERT_EQ(dump_all(_t, vm, v, e, ARRAY_SIZE(e)), 0);
	expect_read(vcpu, a, page_tag(a));
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(a)), ACC_RWX);

	/* The remap takes B's access in V; relaxing A keeps the remap. */
	vm_set_mem_access(vm, v, GFN(b), 1, ACC_R);
	vm_remap_gfn(vm, v, GFN(a), GFN(b));
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(a)), ACC_R);
	val = next_value();
	guest_op(vcpu, OP_WRITE, a, val);
	expect_violation(_t, vcpu, v, a, V_W, ACC_R, false);
	vm_set_mem_access(vm, v, GFN(a), 1, ACC_RWX);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, val);
	EXPECT_EQ(*word_at(vm, b), val);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(b)), ACC_R);
	ASSERT_EQ(dump_all(_t, vm, v, e, ARRAY_SIZE(e)), 2);
	expect_entry(_t, &e[0], GFN(a), 1, GFN(b), ACC_RWX);
	expect_entry(_t, &e[1], GFN(b), 1, ALTP2M_GFN_INVALID, ACC_R);

	/* Revert by naming A itself. */
	vm_remap_gfn(vm, v, GFN(a), GFN(a));
	expect_read(vcpu, a, page_tag(a));
	ASSERT_EQ(dump_all(_t, vm, v, e, ARRAY_SIZE(e)), 1);
	expect_entry(_t, &e[0], GFN(b), 1, ALTP2M_GFN_INVALID, ACC_R);
	vm_free(vm);
}

/* ------------------------------------------------------------ promotion */

/*
 * rx2rw becomes rw on the first write, n2rwx rwx on the first access:
 * each once, reported with PROMOTED, the instruction completing on the
 * next RUN; the neighbour set in the same call is not promoted.
 */
TEST(promote_once)
{
	struct altp2m_vm_stats st0, st1;
	struct vm *vm;
	struct vcpu *vcpu = server_vm(&vm, 0);
	uint64_t p = test_pages(vm, 3), p2 = p + PAGE_SIZE;
	uint64_t q = p + 2 * PAGE_SIZE, val;
	unsigned int op;
	uint16_t v;

	vm_views_enable(vm, 0);
	v = vm_view_create(vm, ACC_DEFAULT);
	vcpu_set_view(vcpu, v);
	vm_stats(vm, &st0);

	vm_set_mem_access(vm, v, GFN(p), 2, ACC_RX2RW);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(p)), ACC_RX2RW);
	/* Reads and executions are allowed and promote nothing. */
	op_expect(_t, vcpu, v, p, OP_READ, ACC_RX2RW);
	op_expect(_t, vcpu, v, p, OP_EXEC, ACC_RX2RW);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(p)), ACC_RX2RW);

	val = next_value();
	guest_op(vcpu, OP_WRITE, p, val);
	expect_violation(_t, vcpu, v, p, V_W, ACC_RX2RW, true);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(p)), ACC_RW);
	EXPECT_EQ(*word_at(vm, p), page_tag(p));
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, val);
	EXPECT_EQ(*word_at(vm, p), val);
	op_expect(_t, vcpu, v, p, OP_WRITE, ACC_RW);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(p)), ACC_RW);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(p2)), ACC_RX2RW);
	/* rw, not rwx: executing it now is a plain violation. */
	op_expect(_t, vcpu, v, p, OP_EXEC, ACC_RW);

	vm_set_mem_access(vm, v, GFN(q), 1, ACC_N2RWX);
	guest_op(vcpu, OP_READ, q, 0);
	expect_violation(_t, vcpu, v, q, V_R, ACC_N2RWX, true);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(q)), ACC_RWX);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, page_tag(q));
	for (op = OP_READ; op <= OP_EXEC; op++)
		op_expect(_t, vcpu, v, q, op, ACC_RWX);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(q)), ACC_RWX);

	vm_stats(vm, &st1);
	EXPECT_EQ(st1.view_promotions - st0.view_promotions, 2);
	EXPECT_EQ(st1.view_events - st0.view_events, 3);
	vm_free(vm);
}

/* ------------------------------------------------------------- destroy */

/*
 * A view cannot go while a vCPU is on it, nor view 0; indexes beyond the
 * maximum are EINVAL, free ones ENOENT. Once the vCPU has left, it goes
 * with its remaps, and its index is the next one created, empty.
 * Disabling views keeps view 0's own access settings.
 */
TEST(destroy_busy)
{
	struct altp2m_view_entry e[4];
	struct vm *vm;
	struct vcpu *vcpu = server_vm(&vm, 0);
	uint64_t p = test_pages(vm, 2), q = p + PAGE_SIZE, val;
	uint8_t acc;
	uint16_t v;

	vm_views_enable(vm, 0);		/* 10 views, as Xen */
	v = vm_view_create(vm, ACC_DEFAULT);
	ASSERT_EQ(v, 1);
	vcpu_set_view(vcpu, v);
	vm_remap_gfn(vm, v, GFN(q), GFN(p));
	expect_read(vcpu, q, page_tag(p));

	ASSERT_ERRNO(__vm_view_destroy(vm, v), EBUSY);
	ASSERT_ERRNO(__vm_view_destroy(vm, 0), EBUSY);
	ASSERT_ERRNO(__vm_view_destroy(vm, 10), EINVAL);
	ASSERT_ERRNO(__vm_view_destroy(vm, ALTP2M_MAX_VIEWS), EINVAL);
	ASSERT_ERRNO(__vm_view_destroy(vm, 5), ENOENT);
	ASSERT_ERRNO(__vm_views_disable(vm), EBUSY);
	/* None of that touched the view. */
	ASSERT_EQ(vcpu_get_view(vcpu), v);
	expect_read(vcpu, q, page_tag(p));
	vm_set_mem_access(vm, v, GFN(p), 1, ACC_N);
	guest_op(vcpu, OP_READ, p, 0);
	expect_violation(_t, vcpu, v, p, V_R, ACC_N, false);

	/* The pending read completes on view 0. */
	vcpu_set_view(vcpu, 0);
	vm_view_destroy(vm, v);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, page_tag(p));
	ASSERT_ERRNO(__vm_view_destroy(vm, v), ENOENT);
	ASSERT_ERRNO(__vcpu_set_view(vcpu, v), ENOENT);
	ASSERT_EQ(vcpu_get_view(vcpu), 0);

	/* The index again, for a new and empty view. */
	ASSERT_EQ(vm_view_create(vm, ACC_DEFAULT), v);
	ASSERT_ERRNO(__vm_get_mem_access(vm, v, GFN(p), &acc), ESRCH);
	ASSERT_EQ(dump_all(_t, vm, v, e, ARRAY_SIZE(e)), 0);
	vcpu_set_view(vcpu, v);
	expect_read(vcpu, q, page_tag(q));
	expect_read(vcpu, p, page_tag(p));

	vcpu_set_view(vcpu, 0);
	vm_set_mem_access(vm, 0, GFN(p), 1, ACC_R);
	vm_views_disable(vm);
	ASSERT_ERRNO(__vm_view_destroy(vm, v), EOPNOTSUPP);
	EXPECT_EQ(vm_get_mem_access(vm, 0, GFN(p)), ACC_R);
	val = next_value();
	guest_op(vcpu, OP_WRITE, p, val);
	expect_violation(_t, vcpu, 0, p, V_W, ACC_R, false);
	vm_set_mem_access(vm, 0, GFN(p), 1, ACC_RWX);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, val);
	vm_free(vm);
}

/* ----------------------------------------------------------- 512 views */

#define LIST_CHUNK	100

/* Every view, LIST_CHUNK at a time; returns how many. */
static unsigned int list_check(struct altp2m_test *_t, struct vm *vm,
			       uint32_t vcpu_view, unsigned int nviews)
{
	static struct altp2m_view_info info[LIST_CHUNK];
	unsigned int total = 0, chunks = 0, i;
	uint32_t cursor = 0, n;

	do {
		ASSERT_LT(chunks++, ALTP2M_MAX_VIEWS / LIST_CHUNK + 1);
		n = vm_list_views(vm, &cursor, info, LIST_CHUNK);
		if (cursor != ALTP2M_MAX_VIEWS)
			ASSERT_EQ(n, LIST_CHUNK);
		for (i = 0; i < n; i++) {
			ASSERT_EQ(info[i].view, total + i);
			EXPECT_EQ(info[i].vcpus_on, info[i].view == vcpu_view);
			EXPECT_EQ(info[i].default_access, ACC_RWX);
			EXPECT_EQ(info[i].nr_remaps, 0);
			EXPECT_GE(info[i].nr_tables, 1);
			EXPECT_GE(info[i].nr_pages, info[i].nr_leaves);
		}
		total += n;
	} while (cursor != ALTP2M_MAX_VIEWS);
	ASSERT_EQ(total, nviews);
	return total;
}

/*
 * The most views there can be: 511 created in index order, then
 * ENOSPC; the vCPU on three of them, each restricting the same page its
 * own way; listed in chunks; destroyed again.
 */
TEST_TIMEOUT(views_512, 300)
{
	static const struct {
		uint16_t view;
		uint8_t access;
	} on[] = {
		{ 1, ACC_N }, { 255, ACC_R }, { 511, ACC_RX },
	};
	struct altp2m_vm_stats st;
	struct vm *vm;
	struct vcpu *vcpu = server_vm(&vm, 0);
	uint64_t p = test_pages(vm, 1);
	unsigned int i, j, violations;
	uint16_t idx;
	uint8_t acc;

	vm_views_enable(vm, ALTP2M_MAX_VIEWS);
	for (i = 1; i < ALTP2M_MAX_VIEWS; i++)
		ASSERT_EQ(vm_view_create(vm, ACC_RWX), i);
	ASSERT_ERRNO(__vm_view_create(vm, ACC_RWX, &idx), ENOSPC);
	vm_stats(vm, &st);
	EXPECT_EQ(st.nr_views, ALTP2M_MAX_VIEWS);

	/* All three restrictions at once, each in its own view only. */
	for (i = 0; i < ARRAY_SIZE(on); i++)
		vm_set_mem_access(vm, on[i].view, GFN(p), 1, on[i].access);
	ASSERT_ERRNO(__vm_get_mem_access(vm, 2, GFN(p), &acc), ESRCH);
	for (i = 0; i < ARRAY_SIZE(on); i++) {
		for (j = i; j < ARRAY_SIZE(on); j++)
			EXPECT_EQ(vm_get_mem_access(vm, on[j].view, GFN(p)),
				  on[j].access);
		vcpu_set_view(vcpu, on[i].view);
		violations = ops_expect(_t, vcpu, on[i].view, p, on[i].access);
		EXPECT_EQ(violations,
			  3 - __builtin_popcount(rights[on[i].access]));
	}
	list_check(_t, vm, on[ARRAY_SIZE(on) - 1].view, ALTP2M_MAX_VIEWS);

	vcpu_set_view(vcpu, 0);
	for (i = 1; i < ALTP2M_MAX_VIEWS; i++)
		vm_view_destroy(vm, i);
	list_check(_t, vm, 0, 1);
	vm_stats(vm, &st);
	EXPECT_EQ(st.nr_views, 1);
	vm_views_disable(vm);
	ASSERT_ERRNO(__vm_view_create(vm, ACC_RWX, &idx), EOPNOTSUPP);
	expect_read(vcpu, p, *word_at(vm, p));
	vm_free(vm);
}

/* ---------------------------------------------- region removed, remaps */

#define R2_SLOT		1
#define R2_GPA		0x40000000ULL
#define R2_SIZE		(2ULL << 20)

/*
 * Deleting a region reverts exactly the remaps into it (A -> T in the
 * region), not the others (C -> D, both in slot 0); T is MMIO then. The
 * region back, T is RAM again but the remap stays reverted.
 */
TEST(region_remove_with_remaps)
{
	struct altp2m_vm_stats st0, st1;
	struct altp2m_view_entry e[8];
	struct vm *vm;
	struct vcpu *vcpu = server_vm(&vm, 0);
	uint64_t a = test_pages(vm, 3), c = a + PAGE_SIZE;
	uint64_t d = a + 2 * PAGE_SIZE, t = R2_GPA + 5 * PAGE_SIZE;
	void *r2 = vm_add_region(vm, R2_SLOT, R2_GPA, R2_SIZE);
	uint8_t acc;
	uint16_t v;

	page_init((char *)r2 + (t - R2_GPA), t);
	vm_views_enable(vm, 0);
	v = vm_view_create(vm, ACC_DEFAULT);
	vcpu_set_view(vcpu, v);
	vm_remap_gfn(vm, v, GFN(a), GFN(t));
	vm_remap_gfn(vm, v, GFN(c), GFN(d));
	expect_read(vcpu, a, page_tag(t));
	expect_read(vcpu, c, page_tag(d));

	vm_stats(vm, &st0);
	vm_delete_region(vm, R2_SLOT);
	vm_stats(vm, &st1);
	EXPECT_EQ(st1.remaps_invalidated - st0.remaps_invalidated, 1);
	ASSERT_ERRNO(__vm_get_mem_access(vm, v, GFN(a), &acc), ESRCH);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(c)), ACC_RWX);
	ASSERT_EQ(dump_all(_t, vm, v, e, ARRAY_SIZE(e)), 1);
	expect_entry(_t, &e[0], GFN(c), 1, GFN(d), ACC_RWX);

	expect_read(vcpu, a, page_tag(a));
	expect_read(vcpu, c, page_tag(d));
	guest_op(vcpu, OP_READ, t, 0);
	expect_mmio(_t, vcpu, t, false);
	memcpy(vcpu->run->mmio.data, &(uint64_t){ 0x3333 }, 8);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0x3333);
	ASSERT_ERRNO(__vm_remap_gfn(vm, v, GFN(a), GFN(t)), ESRCH);

	vm_set_memory_region(vm, R2_SLOT, R2_GPA, R2_SIZE, r2);
	expect_read(vcpu, a, page_tag(a));
	expect_read(vcpu, t, page_tag(t));
	vm_remap_gfn(vm, v, GFN(a), GFN(t));
	expect_read(vcpu, a, page_tag(t));
	vm_stats(vm, &st0);
	EXPECT_EQ(st0.remaps_invalidated, st1.remaps_invalidated);
	vm_free(vm);
}

/*
 * The other direction: a gfn of the deleted region remapped to slot 0
 * RAM. That remap survives ("remaps to other gfns survive"): the view
 * still shows D's frame there, view 0 has MMIO. The gfn is not guest RAM
 * any more, so setting its access and remapping to it are ESRCH (the
 * uAPI: "every gfn must be guest RAM", "@target must be guest RAM");
 * reverting it, which the view can do to what it holds, makes it MMIO.
 */
TEST(remap_from_deleted_region)
{
	struct altp2m_vm_stats st0, st1;
	struct altp2m_view_entry e[4];
	struct vm *vm;
	struct vcpu *vcpu = server_vm(&vm, 0);
	uint64_t a = test_pages(vm, 2), d = a + PAGE_SIZE;
	uint64_t t = R2_GPA + 3 * PAGE_SIZE;
	void *r2 = vm_add_region(vm, R2_SLOT, R2_GPA, R2_SIZE);
	uint16_t v;

	page_init((char *)r2 + (t - R2_GPA), t);
	vm_views_enable(vm, 0);
	v = vm_view_create(vm, ACC_DEFAULT);
	vcpu_set_view(vcpu, v);
	vm_remap_gfn(vm, v, GFN(t), GFN(d));
	expect_read(vcpu, t, page_tag(d));

	vm_stats(vm, &st0);
	vm_delete_region(vm, R2_SLOT);
	vm_stats(vm, &st1);
	EXPECT_EQ(st1.remaps_invalidated, st0.remaps_invalidated);
	expect_read(vcpu, t, page_tag(d));
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(t)), ACC_RWX);
	ASSERT_EQ(dump_all(_t, vm, v, e, ARRAY_SIZE(e)), 1);
	expect_entry(_t, &e[0], GFN(t), 1, GFN(d), ACC_RWX);
	vcpu_set_view(vcpu, 0);
	guest_op(vcpu, OP_READ, t, 0);
	expect_mmio(_t, vcpu, t, false);
	vcpu_run(vcpu);
	assert_ucall_sync_any(vcpu);
	vcpu_set_view(vcpu, v);

	/*
	 * T left guest RAM but the view still holds it (its remap to D):
	 * it can still be edited, and remapping A to T gives A what T has
	 * in the view, D's frame (the remap is recorded against D).
	 */
	vm_set_mem_access(vm, v, GFN(t), 1, ACC_R);
	EXPECT_EQ(vm_get_mem_access(vm, v, GFN(t)), ACC_R);
	vm_set_mem_access(vm, v, GFN(t), 1, ACC_RWX);
	vm_remap_gfn(vm, v, GFN(a), GFN(t));
	expect_read(vcpu, a, page_tag(d));
	ASSERT_EQ(dump_all(_t, vm, v, e, ARRAY_SIZE(e)), 2);
	expect_entry(_t, &e[0], GFN(a), 1, GFN(d), ACC_RWX);
	vm_remap_gfn(vm, v, GFN(a), ALTP2M_GFN_INVALID);
	/* A gfn neither RAM nor held by the view is refused. */
	EXPECT_EQ(__vm_remap_gfn(vm, v, GFN(a), GFN(t) + 1), -1);
	EXPECT_EQ(errno, ESRCH);
	EXPECT_EQ(__vm_set_mem_access(vm, v, GFN(t) + 1, 1, ACC_R), -1);
	EXPECT_EQ(errno, ESRCH);
	expect_read(vcpu, a, page_tag(a));
	expect_read(vcpu, t, page_tag(d));

	vm_remap_gfn(vm, v, GFN(t), ALTP2M_GFN_INVALID);
	ASSERT_EQ(dump_all(_t, vm, v, e, ARRAY_SIZE(e)), 0);
	guest_op(vcpu, OP_READ, t, 0);
	expect_mmio(_t, vcpu, t, false);
	vm_free(vm);
}

/* --------------------------------------------------- one flush per view */

#define BULK_MEM	(32ULL << 20)
#define BULK_PAGES	2560ULL		/* 10 MiB */
#define BULK_LIST	500

/* What the counters invept and ept_flushes gained since @before. */
static void stats_delta(struct vm *vm, struct altp2m_vm_stats *before,
			uint64_t *invept, uint64_t *flushes)
{
	struct altp2m_vm_stats now;

	vm_stats(vm, &now);
	*invept = now.invept - before->invept;
	*flushes = now.ept_flushes - before->ept_flushes;
}

/*
 * With every page of a 10 MiB buffer held by views V and W (and 0): one
 * range call over all of it in V is one INVEPT, so is a list of 500
 * scattered gfns; a view-0 call that takes rights from all three views
 * (the change propagates into V and W) is three, one of them view 0's.
 */
TEST_TIMEOUT(bulk_one_invept, 300)
{
	static uint64_t gfns[BULK_LIST];
	static uint8_t vals[BULK_LIST];
	struct altp2m_vm_stats st;
	uint64_t buf, base, invept, flushes, lo, val;
	struct vm *vm;
	struct vcpu *vcpu = server_vm(&vm, BULK_MEM);
	uint16_t v, w;
	unsigned int i;

	buf = vm_alloc(vm, BULK_PAGES * PAGE_SIZE, HPAGE_SIZE);
	base = GFN(buf);
	vm_views_enable(vm, 0);
	v = vm_view_create(vm, ACC_DEFAULT);
	w = vm_view_create(vm, ACC_DEFAULT);
	for (i = 0; i < 2; i++) {
		vcpu_set_view(vcpu, i ? w : v);
		guest_op(vcpu, OP_TOUCH, buf, BULK_PAGES);
		assert_ucall_sync(vcpu, 0);
	}
	EXPECT_EQ(vm_get_mem_access(vm, v, base + BULK_PAGES - 1), ACC_RWX);
	EXPECT_EQ(vm_get_mem_access(vm, w, base), ACC_RWX);

	/* A range in V. */
	vm_stats(vm, &st);
	vm_set_mem_access(vm, v, base, BULK_PAGES, ACC_R);
	stats_delta(vm, &st, &invept, &flushes);
	EXPECT_EQ(invept, 1);
	EXPECT_EQ(flushes, 0);
	EXPECT_EQ(vm_get_mem_access(vm, v, base), ACC_R);
	EXPECT_EQ(vm_get_mem_access(vm, v, base + BULK_PAGES - 1), ACC_R);
	EXPECT_EQ(vm_get_mem_access(vm, w, base + 7), ACC_RWX);
	EXPECT_EQ(vm_get_mem_access(vm, 0, base + 7), ACC_RWX);
	vcpu_set_view(vcpu, v);
	val = next_value();
	guest_op(vcpu, OP_WRITE, buf + 100 * PAGE_SIZE, val);
	expect_violation(_t, vcpu, v, buf + 100 * PAGE_SIZE, V_W, ACC_R,
			 false);
	vm_set_mem_access(vm, v, base + 100, 1, ACC_RWX);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, val);

	/* A list in V: 7919 is prime, so the gfns are distinct. */
	for (i = 0; i < BULK_LIST; i++) {
		gfns[i] = base + (i * 7919ULL) % BULK_PAGES;
		vals[i] = i & 1 ? ACC_N : ACC_RX;
	}
	vm_stats(vm, &st);
	vm_set_mem_access_list(vm, v, gfns, vals, BULK_LIST);
	stats_delta(vm, &st, &invept, &flushes);
	EXPECT_EQ(invept, 1);
	EXPECT_EQ(flushes, 0);
	for (i = 0; i < 4; i++)
		EXPECT_EQ(vm_get_mem_access(vm, v, gfns[i]), vals[i]);

	/* View 0, propagated into V and W, which both hold the range. */
	lo = base + 1000;
	vm_stats(vm, &st);
	vm_set_mem_access(vm, 0, lo, 1000, ACC_N);
	stats_delta(vm, &st, &invept, &flushes);
	EXPECT_EQ(invept, 3);
	EXPECT_EQ(flushes, 1);
	EXPECT_EQ(vm_get_mem_access(vm, 0, lo), ACC_N);
	EXPECT_EQ(vm_get_mem_access(vm, v, lo + 5), ACC_N);
	EXPECT_EQ(vm_get_mem_access(vm, w, lo + 999), ACC_N);
	EXPECT_EQ(vm_get_mem_access(vm, w, lo + 1000), ACC_RWX);
	vcpu_set_view(vcpu, w);
	guest_op(vcpu, OP_READ, (lo + 10) << 12, 0);
	expect_violation(_t, vcpu, w, (lo + 10) << 12, V_R, ACC_N, false);
	vm_set_mem_access(vm, w, lo + 10, 1, ACC_RWX);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0);
	vm_free(vm);
}

/* ------------------------------------------------------------ bad input */

struct zfield {
	const char *name;
	size_t off, len;
};

#define ZF(type, member)						\
	{ #member, offsetof(type, member), sizeof(((type *)0)->member) }

/*
 * @cmd with @arg (@size bytes) succeeds, but not with any one of
 * @fields set to all ones instead (EINVAL). The valid call comes last,
 * so a rejected one that changed state shows there too.
 */
static void check_zero_fields(struct altp2m_test *_t, int fd,
			      unsigned long cmd, const void *arg, size_t size,
			      const struct zfield *fields, unsigned int n)
{
	uint8_t buf[128];
	unsigned int i;
	int ret;

	ASSERT_LE(size, sizeof(buf));
	for (i = 0; i < n; i++) {
		memcpy(buf, arg, size);
		memset(buf + fields[i].off, 0xff, fields[i].len);
		errno = 0;
		ret = ioctl(fd, cmd, buf);
		if (ret != -1 || errno != EINVAL)
			TH_LOG("ioctl %#lx, %s all ones: ret %d errno %d, "
			       "want EINVAL", cmd, fields[i].name, ret, errno);
		ASSERT_EQ(ret, -1);
		ASSERT_EQ(errno, EINVAL);
	}
	memcpy(buf, arg, size);
	ASSERT_GE(ioctl(fd, cmd, buf), 0);
}

#define CHECK_ZERO(fd, cmd, arg, ...) do {				\
		static const struct zfield _zf[] = { __VA_ARGS__ };	\
		check_zero_fields(_t, fd, cmd, &(arg), sizeof(arg), _zf,\
				  ARRAY_SIZE(_zf));			\
	} while (0)

/* Before ALTP2M_VIEWS_ENABLE: only view 0 exists, and works. */
static void bad_input_disabled(struct altp2m_test *_t, struct vm *vm,
			       struct vcpu *vcpu, uint64_t g)
{
	struct altp2m_view_entry e[4];
	struct altp2m_view_info info[4];
	uint32_t cursor = 0;
	uint64_t dcursor = 0;
	uint32_t nr = 4;
	uint16_t idx;
	uint8_t acc;

	ASSERT_ERRNO(__vm_view_create(vm, ACC_DEFAULT, &idx), EOPNOTSUPP);
	ASSERT_ERRNO(__vm_view_destroy(vm, 1), EOPNOTSUPP);
	ASSERT_ERRNO(__vm_set_mem_access(vm, 1, g, 1, ACC_R), EOPNOTSUPP);
	ASSERT_ERRNO(__vm_get_mem_access(vm, 1, g, &acc), EOPNOTSUPP);
	ASSERT_ERRNO(__vm_remap_gfn(vm, 1, g, g + 1), EOPNOTSUPP);
	ASSERT_ERRNO(__vm_dump_view(vm, 1, &dcursor, e, &nr), EOPNOTSUPP);
	ASSERT_ERRNO(__vcpu_set_view(vcpu, 1), EOPNOTSUPP);
	vcpu_set_view(vcpu, 0);
	vm_set_mem_access(vm, 0, g, 1, ACC_RWX);
	EXPECT_EQ(vm_get_mem_access(vm, 0, g), ACC_RWX);
	EXPECT_EQ(dump_all(_t, vm, 0, e, ARRAY_SIZE(e)), 0);
	ASSERT_EQ(vm_list_views(vm, &cursor, info, 4), 1);
	EXPECT_EQ(cursor, ALTP2M_MAX_VIEWS);
	EXPECT_EQ(info[0].view, 0);
	ASSERT_EQ(__vm_views_disable(vm), 0);
}

/* Views enabled (max 10), view @v exists: the gfn calls. */
static void bad_input_gfns(struct altp2m_test *_t, struct vm *vm,
			   uint16_t v, uint64_t g, bool exec_only)
{
	static const uint8_t bad_access[] = {
		ALTP2M_ACCESS_W, ALTP2M_ACCESS_WX, ACC_DEFAULT + 1, 0xff,
	};
	uint64_t list[4] = { g, g + 1, NOT_RAM_GFN, g + 2 }, last;
	uint8_t vals[4] = { ACC_R, ACC_R, ACC_R, ACC_R }, acc;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_access); i++) {
		ASSERT_ERRNO(__vm_set_mem_access(vm, v, g, 1, bad_access[i]),
			     EINVAL);
		vals[0] = bad_access[i];
		ASSERT_ERRNO(__vm_set_mem_access_list(vm, v, list, vals, 1),
			     EINVAL);
		ASSERT_ERRNO(__vm_view_create(vm, bad_access[i], &(uint16_t){0}),
			     EINVAL);
	}
	vals[0] = ACC_R;
	if (exec_only) {
		vm_set_mem_access(vm, v, g, 1, ACC_X);
	} else {
		ASSERT_ERRNO(__vm_set_mem_access(vm, v, g, 1, ACC_X), EINVAL);
		ASSERT_ERRNO(__vm_view_create(vm, ACC_X, &(uint16_t){0}),
			     EINVAL);
	}

	/* Ranges: empty, beyond the gfn limit, not RAM, no such view. */
	ASSERT_ERRNO(__vm_set_mem_access(vm, v, g, 0, ACC_R), EINVAL);
	ASSERT_ERRNO(__vm_set_mem_access(vm, v, GFN_LIMIT, 1, ACC_R), EINVAL);
	ASSERT_ERRNO(__vm_set_mem_access(vm, v, GFN_LIMIT - 1, 2, ACC_R),
		     EINVAL);
	ASSERT_ERRNO(__vm_set_mem_access(vm, v, NOT_RAM_GFN, 1, ACC_R), ESRCH);
	ASSERT_ERRNO(__vm_set_mem_access(vm, 10, g, 1, ACC_R), EINVAL);
	ASSERT_ERRNO(__vm_set_mem_access(vm, 5, g, 1, ACC_R), ENOENT);
	/* The last page of RAM and the next: fails, fills nothing. */
	last = GFN(vm->ram_size) - 1;
	ASSERT_ERRNO(__vm_set_mem_access(vm, v, last, 2, ACC_R), ESRCH);
	ASSERT_ERRNO(__vm_get_mem_access(vm, v, last, &acc), ESRCH);

	/* Lists: length, pointers, a gfn that is not RAM in the middle. */
	ASSERT_ERRNO(__vm_set_mem_access_list(vm, v, list, vals, 0), EINVAL);
	ASSERT_ERRNO(__vm_set_mem_access_list(vm, v, list, vals,
					      ALTP2M_GFN_LIST_MAX + 1ULL),
		     EINVAL);
	ASSERT_ERRNO(__vm_set_mem_access_list(vm, v, (uint64_t *)16, vals, 1),
		     EFAULT);
	ASSERT_ERRNO(__vm_set_mem_access_list(vm, v, list, KADDR, 1), EFAULT);
	vm_set_mem_access(vm, v, g, 3, ACC_RX);
	ASSERT_ERRNO(__vm_set_mem_access_list(vm, v, list, vals, 4), ESRCH);
	ASSERT_ERRNO(__vm_set_mem_access_list(vm, 0, list, vals, 4), ESRCH);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(vm_get_mem_access(vm, v, g + i), ACC_RX);
		EXPECT_EQ(vm_get_mem_access(vm, 0, g + i), ACC_RWX);
	}

	ASSERT_ERRNO(__vm_get_mem_access(vm, 0, NOT_RAM_GFN, &acc), ESRCH);
	ASSERT_ERRNO(__vm_get_mem_access(vm, v, g + 10, &acc), ESRCH);
	ASSERT_ERRNO(__vm_get_mem_access(vm, v, GFN_LIMIT, &acc), EINVAL);
	ASSERT_ERRNO(__vm_get_mem_access(vm, 10, g, &acc), EINVAL);
	ASSERT_ERRNO(__vm_get_mem_access(vm, 5, g, &acc), ENOENT);

	ASSERT_ERRNO(__vm_remap_gfn(vm, 0, g, g + 1), EINVAL);
	ASSERT_ERRNO(__vm_remap_gfn(vm, 10, g, g + 1), EINVAL);
	ASSERT_ERRNO(__vm_remap_gfn(vm, 5, g, g + 1), ENOENT);
	ASSERT_ERRNO(__vm_remap_gfn(vm, v, g, NOT_RAM_GFN), ESRCH);
	ASSERT_ERRNO(__vm_remap_gfn(vm, v, NOT_RAM_GFN, g), ESRCH);
	ASSERT_ERRNO(__vm_remap_gfn(vm, v, GFN_LIMIT, g), EINVAL);
	ASSERT_ERRNO(__vm_remap_gfn(vm, v, g, GFN_LIMIT), EINVAL);
}

/* Enabling: the maximum, the structure, twice; disabling's argument. */
static void bad_input_enable(struct altp2m_test *_t, struct vm *vm)
{
	struct altp2m_views_enable en = { .max_views = 10 };
	struct altp2m_view_create cr = { .default_access = ACC_DEFAULT };

	ASSERT_ERRNO(__vm_views_enable(vm, ALTP2M_MAX_VIEWS + 1), EINVAL);
	CHECK_ZERO(vm->fd, ALTP2M_VIEWS_ENABLE, en,
		   ZF(struct altp2m_views_enable, flags),
		   ZF(struct altp2m_views_enable, reserved));
	ASSERT_ERRNO(__vm_views_enable(vm, 10), EEXIST);
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_VIEWS_DISABLE, 1), EINVAL);
	/* The valid call makes view 1. */
	CHECK_ZERO(vm->fd, ALTP2M_CREATE_VIEW, cr,
		   ZF(struct altp2m_view_create, flags),
		   ZF(struct altp2m_view_create, view),
		   ZF(struct altp2m_view_create, reserved));
}

/* The structures of the gfn calls on view @v, valid on gfn @g. */
static void bad_input_gfn_structs(struct altp2m_test *_t, struct vm *vm,
				  uint16_t v, uint64_t g)
{
	static uint64_t gfn_list[1];
	static uint8_t val_list[1] = { ACC_RX };
	struct altp2m_gfn_set range = {
		.view = v, .gfn = g, .npages = 1, .value = ACC_RX,
	};
	struct altp2m_gfn_set list = {
		.flags = ALTP2M_GFN_SET_LIST, .view = v, .npages = 1,
		.gfns = (uint64_t)(uintptr_t)gfn_list,
		.values = (uint64_t)(uintptr_t)val_list,
	};
	struct altp2m_gfn_get get = { .view = v, .gfn = g };
	struct altp2m_gfn_remap remap = {
		.view = v, .gfn = g + 4, .target = g + 5,
	};

	gfn_list[0] = g;
	CHECK_ZERO(vm->fd, ALTP2M_SET_MEM_ACCESS, range,
		   ZF(struct altp2m_gfn_set, flags),
		   ZF(struct altp2m_gfn_set, pad),
		   ZF(struct altp2m_gfn_set, reserved),
		   ZF(struct altp2m_gfn_set, gfns),
		   ZF(struct altp2m_gfn_set, values));
	range.flags = 1U << 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_SET_MEM_ACCESS, &range), EINVAL);
	range.flags = 0;
	range.value = 1;
	CHECK_ZERO(vm->fd, ALTP2M_SET_SUPPRESS_VE, range,
		   ZF(struct altp2m_gfn_set, flags),
		   ZF(struct altp2m_gfn_set, pad),
		   ZF(struct altp2m_gfn_set, reserved),
		   ZF(struct altp2m_gfn_set, gfns),
		   ZF(struct altp2m_gfn_set, values));
	range.value = 2;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_SET_SUPPRESS_VE, &range), EINVAL);
	CHECK_ZERO(vm->fd, ALTP2M_SET_MEM_ACCESS, list,
		   ZF(struct altp2m_gfn_set, flags),
		   ZF(struct altp2m_gfn_set, pad),
		   ZF(struct altp2m_gfn_set, reserved),
		   ZF(struct altp2m_gfn_set, gfn),
		   ZF(struct altp2m_gfn_set, value));
	CHECK_ZERO(vm->fd, ALTP2M_GET_MEM_ACCESS, get,
		   ZF(struct altp2m_gfn_get, flags),
		   ZF(struct altp2m_gfn_get, pad),
		   ZF(struct altp2m_gfn_get, reserved));
	CHECK_ZERO(vm->fd, ALTP2M_REMAP_GFN, remap,
		   ZF(struct altp2m_gfn_remap, flags),
		   ZF(struct altp2m_gfn_remap, reserved));
}

/* LIST_VIEWS and DUMP_VIEW; view @v must differ from the host. */
static void bad_input_lists(struct altp2m_test *_t, struct vm *vm,
			    uint16_t v)
{
	static struct altp2m_view_entry entries[16];
	static struct altp2m_view_info infos[16];
	struct altp2m_view_list lv = {
		.nr = ARRAY_SIZE(infos),
		.entries = (uint64_t)(uintptr_t)infos,
	};
	struct altp2m_view_dump dv = {
		.view = v, .nr = ARRAY_SIZE(entries),
		.entries = (uint64_t)(uintptr_t)entries,
	};

	CHECK_ZERO(vm->fd, ALTP2M_LIST_VIEWS, lv,
		   ZF(struct altp2m_view_list, flags),
		   ZF(struct altp2m_view_list, pad),
		   ZF(struct altp2m_view_list, reserved));
	lv.nr = ALTP2M_MAX_VIEWS + 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_LIST_VIEWS, &lv), EINVAL);
	lv.nr = 0;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_LIST_VIEWS, &lv), EINVAL);
	lv.nr = 1;
	lv.entries = (uint64_t)(uintptr_t)KADDR;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_LIST_VIEWS, &lv), EFAULT);

	CHECK_ZERO(vm->fd, ALTP2M_DUMP_VIEW, dv,
		   ZF(struct altp2m_view_dump, flags),
		   ZF(struct altp2m_view_dump, pad),
		   ZF(struct altp2m_view_dump, reserved));
	dv.nr = ALTP2M_DUMP_MAX + 1;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_DUMP_VIEW, &dv), EINVAL);
	dv.nr = 0;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_DUMP_VIEW, &dv), EINVAL);
	dv.nr = 1;
	dv.cursor = GFN_LIMIT;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_DUMP_VIEW, &dv), EINVAL);
	dv.cursor = 0;
	dv.entries = (uint64_t)(uintptr_t)KADDR;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_DUMP_VIEW, &dv), EFAULT);
	dv.entries = (uint64_t)(uintptr_t)entries;
	dv.view = 10;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_DUMP_VIEW, &dv), EINVAL);
	dv.view = 5;
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_DUMP_VIEW, &dv), ENOENT);
}

/* The vCPU's view, destroying view 1, the VM's counters, NULL args. */
static void bad_input_rest(struct altp2m_test *_t, struct vm *vm,
			   struct vcpu *vcpu, uint16_t v)
{
	static const unsigned long vm_cmds[] = {
		ALTP2M_VIEWS_ENABLE, ALTP2M_CREATE_VIEW, ALTP2M_DESTROY_VIEW,
		ALTP2M_SET_MEM_ACCESS, ALTP2M_SET_SUPPRESS_VE,
		ALTP2M_GET_MEM_ACCESS, ALTP2M_REMAP_GFN, ALTP2M_LIST_VIEWS,
		ALTP2M_DUMP_VIEW,
	};
	struct altp2m_vcpu_view vv = { .view = v };
	struct altp2m_view_destroy de = { .view = 1 };
	struct altp2m_vm_stats st = { 0 };
	unsigned int i;

	CHECK_ZERO(vcpu->fd, ALTP2M_SET_VCPU_VIEW, vv,
		   ZF(struct altp2m_vcpu_view, flags),
		   ZF(struct altp2m_vcpu_view, reserved));
	CHECK_ZERO(vcpu->fd, ALTP2M_GET_VCPU_VIEW, vv,
		   ZF(struct altp2m_vcpu_view, flags),
		   ZF(struct altp2m_vcpu_view, reserved));
	ASSERT_ERRNO(__vcpu_set_view(vcpu, 10), EINVAL);
	ASSERT_ERRNO(__vcpu_set_view(vcpu, 5), ENOENT);
	ASSERT_EQ(vcpu_get_view(vcpu), v);
	vcpu_set_view(vcpu, 0);

	CHECK_ZERO(vm->fd, ALTP2M_DESTROY_VIEW, de,
		   ZF(struct altp2m_view_destroy, flags),
		   ZF(struct altp2m_view_destroy, reserved));
	CHECK_ZERO(vm->fd, ALTP2M_GET_VM_STATS, st,
		   ZF(struct altp2m_vm_stats, flags),
		   ZF(struct altp2m_vm_stats, reserved));

	for (i = 0; i < ARRAY_SIZE(vm_cmds); i++)
		ASSERT_ERRNO(ioctl(vm->fd, vm_cmds[i], NULL), EFAULT);
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_SET_VCPU_VIEW, NULL), EFAULT);
	ASSERT_ERRNO(ioctl(vcpu->fd, ALTP2M_GET_VCPU_VIEW, NULL), EFAULT);
}

/*
 * Every view ioctl against undefined flags, non-zero padding and reserved
 * fields, bad indexes, gfns, accesses, lengths and pointers; and the
 * all-or-nothing rule for a list with a bad gfn in the middle. Each
 * rejected structure is followed by the valid one succeeding.
 */
TEST(bad_input)
{
	struct altp2m_caps caps;
	struct vm *vm;
	struct vcpu *vcpu = server_vm(&vm, 0);
	uint64_t g = GFN(test_pages(vm, 16));
	uint16_t v;
	void *ro;

	vm_caps(vm, &caps);
	bad_input_disabled(_t, vm, vcpu, g);
	bad_input_enable(_t, vm);
	v = vm_view_create(vm, ACC_DEFAULT);
	ASSERT_EQ(v, 2);
	bad_input_gfn_structs(_t, vm, v, g);
	bad_input_lists(_t, vm, v);
	bad_input_rest(_t, vm, vcpu, v);
	bad_input_gfns(_t, vm, v, g, caps.caps & ALTP2M_CAP_EPT_EXEC_ONLY);

	/* A new view whose index cannot be copied back is not kept. */
	ro = mmap(NULL, PAGE_SIZE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(ro, MAP_FAILED);
	ASSERT_ERRNO(ioctl(vm->fd, ALTP2M_CREATE_VIEW, ro), EFAULT);
	munmap(ro, PAGE_SIZE);

	/* Nothing above broke the views: view 1 is free, the guest runs. */
	ASSERT_EQ(vm_view_create(vm, ACC_DEFAULT), 1);
	ASSERT_EQ(vm_view_create(vm, ACC_DEFAULT), 3);
	vcpu_set_view(vcpu, v);
	guest_op(vcpu, OP_WRITE, g << 12, 1);
	expect_violation(_t, vcpu, v, g << 12, V_W, ACC_RX, false);
	vm_free(vm);
}

/* ------------------------------------------------------ random, modeled */

/*
 * The pool: RND_SPARE pages in a region that comes and goes, then
 * RND_MAIN pages in one that stays; both smaller than 2 MiB, so every
 * view maps them with 4 KiB leaves and holds exactly the gfns the model
 * says (a 2 MiB fill would make a view hold neighbours too).
 */
#define RND_VIEWS	6
#define RND_SPARE	8
#define RND_MAIN	24
#define RND_PAGES	(RND_SPARE + RND_MAIN)
#define RND_SPARE_SLOT	1
#define RND_MAIN_SLOT	2
#define RND_SPARE_GPA	0x40000000ULL
#define RND_MAIN_GPA	0x50000000ULL
#define RND_STEPS	300
#define RND_FULL_EVERY	30

struct model {
	struct vm *vm;
	struct vcpu *vcpu;
	uint8_t *spare_hva, *main_hva;
	uint64_t rng;
	bool exec_only, verbose;
	bool spare;			/* the spare region is there */
	uint32_t on;			/* the vCPU's view */
	bool exists[RND_VIEWS];
	uint8_t acc[RND_VIEWS][RND_PAGES];
	bool held[RND_VIEWS][RND_PAGES];	/* views >= 1 */
	int8_t tgt[RND_VIEWS][RND_PAGES];	/* remap target page, or -1 */
	uint64_t events, promotions, invalidated;
	struct altp2m_vm_stats base;
};

static uint64_t rnd(struct model *m, uint64_t n)
{
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return n ? m->rng % n : m->rng;
}

static uint64_t pool_gpa(unsigned int p)
{
	return p < RND_SPARE ? RND_SPARE_GPA + p * PAGE_SIZE :
	       RND_MAIN_GPA + (p - RND_SPARE) * PAGE_SIZE;
}

/* The pool page of @gfn, or -1. */
static int pool_page(uint64_t gfn)
{
	unsigned int p;

	for (p = 0; p < RND_PAGES; p++)
		if (GFN(pool_gpa(p)) == gfn)
			return (int)p;
	return -1;
}

static uint64_t *frame_word(struct model *m, unsigned int p)
{
	return (uint64_t *)(p < RND_SPARE ?
			    m->spare_hva + p * PAGE_SIZE :
			    m->main_hva + (p - RND_SPARE) * PAGE_SIZE);
}

static bool present(struct model *m, unsigned int p)
{
	return p >= RND_SPARE || m->spare;
}

static uint8_t resolved(uint8_t access)
{
	return access == ACC_DEFAULT ? ACC_RWX : access;
}

static uint8_t rnd_access(struct model *m)
{
	static const uint8_t codes[] = {
		ACC_N, ACC_R, ACC_RW, ACC_RX, ACC_RWX, ACC_RX2RW, ACC_N2RWX,
		ACC_DEFAULT, ACC_X,
	};

	return codes[rnd(m, ARRAY_SIZE(codes) - !m->exec_only)];
}

/* A view that exists, 0 included. */
static uint32_t rnd_view(struct model *m, bool with0)
{
	uint32_t v;

	do {
		v = (uint32_t)rnd(m, RND_VIEWS);
	} while ((!v && !with0) || (v && !m->exists[v]));
	return v;
}

static unsigned int nr_views(struct model *m)
{
	unsigned int v, n = 1;

	for (v = 1; v < RND_VIEWS; v++)
		n += m->exists[v];
	return n;
}

static void model_forget(struct model *m, uint32_t v, unsigned int p)
{
	m->held[v][p] = false;
	m->tgt[v][p] = -1;
}

/* What a successful set of @access on @p in @v does (Xen's rule for 0). */
static void model_set(struct model *m, uint32_t v, unsigned int p,
		      uint8_t access)
{
	uint32_t w;

	access = resolved(access);
	m->acc[v][p] = access;
	if (v) {
		m->held[v][p] = true;	/* filled first if it was not */
		return;
	}
	for (w = 1; w < RND_VIEWS; w++)
		if (m->exists[w] && m->held[w][p])
			m->acc[w][p] = access;
}

/*
 * A set-access of, or a remap to, an absent spare page that view @v holds
 * (its remap to a main page survived the region) is allowed, and a remap
 * to it takes its target's frame. The model does not follow that, so the
 * random test does not ask; remap_from_deleted_region does.
 */
static bool ambiguous(struct model *m, uint32_t v, unsigned int p)
{
	return v && !present(m, p) && m->held[v][p];
}

#define RLOG(m, fmt, ...) do {						\
		if ((m)->verbose)					\
			TH_LOG(fmt, ##__VA_ARGS__);			\
	} while (0)

static void expect_ret(struct altp2m_test *_t, int ret, int err)
{
	if (!err) {
		ASSERT_EQ(ret, 0);
		return;
	}
	ASSERT_EQ(ret, -1);
	ASSERT_EQ(errno, err);
}

static void rnd_create(struct altp2m_test *_t, struct model *m)
{
	uint16_t want = 1, got = 0;
	uint8_t access = rnd(m, 2) ? ACC_DEFAULT : ACC_RWX;
	unsigned int p;

	while (want < RND_VIEWS && m->exists[want])
		want++;
	RLOG(m, "create (want %u)", want);
	if (want == RND_VIEWS) {
		ASSERT_ERRNO(__vm_view_create(m->vm, access, &got), ENOSPC);
		return;
	}
	ASSERT_EQ(__vm_view_create(m->vm, access, &got), 0);
	ASSERT_EQ(got, want);
	m->exists[want] = true;
	for (p = 0; p < RND_PAGES; p++)
		model_forget(m, want, p);
}

static void rnd_destroy(struct altp2m_test *_t, struct model *m)
{
	uint32_t v = 1 + (uint32_t)rnd(m, RND_VIEWS - 1);
	int err = !m->exists[v] ? ENOENT : v == m->on ? EBUSY : 0;

	RLOG(m, "destroy %u", v);
	expect_ret(_t, __vm_view_destroy(m->vm, v), err);
	if (!err)
		m->exists[v] = false;
}

static void rnd_switch(struct altp2m_test *_t, struct model *m)
{
	uint32_t v = (uint32_t)rnd(m, RND_VIEWS);
	int err = v && !m->exists[v] ? ENOENT : 0;

	RLOG(m, "vCPU to view %u", v);
	expect_ret(_t, __vcpu_set_view(m->vcpu, v), err);
	if (!err)
		m->on = v;
	ASSERT_EQ(vcpu_get_view(m->vcpu), m->on);
}

static void rnd_set_range(struct altp2m_test *_t, struct model *m)
{
	uint32_t v = rnd_view(m, true);
	bool spare = rnd(m, 3) == 0;
	unsigned int first = spare ? 0 : RND_SPARE;
	unsigned int size = spare ? RND_SPARE : RND_MAIN, p;
	unsigned int start = first + (unsigned int)rnd(m, size);
	unsigned int n = 1 + (unsigned int)rnd(m, first + size - start);
	uint8_t access = rnd_access(m);
	int err = 0;

	for (p = start; p < start + n; p++) {
		if (ambiguous(m, v, p))
			return;
		if (!present(m, p))
			err = ESRCH;
	}
	RLOG(m, "set view %u pages %u+%u access %u", v, start, n, access);
	expect_ret(_t, __vm_set_mem_access(m->vm, v, GFN(pool_gpa(start)), n,
					   access), err);
	for (p = start; !err && p < start + n; p++)
		model_set(m, v, p, access);
}

static void rnd_set_list(struct altp2m_test *_t, struct model *m)
{
	uint32_t v = rnd_view(m, true);
	unsigned int n = 1 + (unsigned int)rnd(m, 8), i, page[8];
	uint64_t gfns[8];
	uint8_t vals[8];
	int err = 0;

	for (i = 0; i < n; i++) {
		page[i] = (unsigned int)rnd(m, RND_PAGES);
		if (ambiguous(m, v, page[i]))
			return;
		if (!present(m, page[i]))
			err = ESRCH;
		gfns[i] = GFN(pool_gpa(page[i]));
		vals[i] = rnd_access(m);
	}
	RLOG(m, "set list view %u, %u gfns from page %u", v, n, page[0]);
	expect_ret(_t, __vm_set_mem_access_list(m->vm, v, gfns, vals, n),
		   err);
	for (i = 0; !err && i < n; i++)
		model_set(m, v, page[i], vals[i]);
}

static void rnd_remap(struct altp2m_test *_t, struct model *m)
{
	unsigned int a = (unsigned int)rnd(m, RND_PAGES);
	unsigned int b = (unsigned int)rnd(m, RND_PAGES);
	uint64_t target = GFN(pool_gpa(b));
	bool revert = a == b;
	int err = 0, real;
	uint32_t v;

	if (nr_views(m) == 1)
		return;
	v = rnd_view(m, false);
	if (rnd(m, 4) == 0) {
		target = rnd(m, 2) ? ALTP2M_GFN_INVALID : GFN(pool_gpa(a));
		revert = true;
	}
	/* The gfn must be RAM or held; the target RAM (see ambiguous()). */
	if (revert) {
		if (!present(m, a) && !m->held[v][a])
			return;		/* reverting nothing */
		RLOG(m, "revert view %u page %u", v, a);
		vm_remap_gfn(m->vm, v, GFN(pool_gpa(a)), target);
		model_forget(m, v, a);
		return;
	}
	if (ambiguous(m, v, b))
		return;
	if ((!present(m, a) && !m->held[v][a]) || !present(m, b))
		err = ESRCH;
	RLOG(m, "remap view %u page %u -> %u", v, a, b);
	expect_ret(_t, __vm_remap_gfn(m->vm, v, GFN(pool_gpa(a)), target),
		   err);
	if (err)
		return;
	/* The frame and access b has in v, or the host's if v has none. */
	real = m->held[v][b] && m->tgt[v][b] >= 0 ? m->tgt[v][b] : (int)b;
	m->acc[v][a] = m->held[v][b] ? m->acc[v][b] : m->acc[0][b];
	m->held[v][a] = true;
	m->tgt[v][a] = (int8_t)real;
}

static void rnd_region(struct altp2m_test *_t, struct model *m)
{
	struct altp2m_vm_stats st;
	uint64_t dropped = 0;
	unsigned int p;
	uint32_t v;

	if (!m->spare) {
		RLOG(m, "spare region back");
		vm_set_memory_region(m->vm, RND_SPARE_SLOT, RND_SPARE_GPA,
				     RND_SPARE * PAGE_SIZE, m->spare_hva);
		m->spare = true;
		return;
	}
	RLOG(m, "spare region deleted");
	vm_stats(m->vm, &st);
	vm_delete_region(m->vm, RND_SPARE_SLOT);
	m->spare = false;
	for (v = 1; v < RND_VIEWS; v++) {
		if (!m->exists[v])
			continue;
		for (p = 0; p < RND_PAGES; p++) {
			if (!m->held[v][p])
				continue;
			if (m->tgt[v][p] >= 0 && m->tgt[v][p] < RND_SPARE) {
				/* Exactly the remaps into the region. */
				dropped++;
				model_forget(m, v, p);
			} else if (p < RND_SPARE && m->tgt[v][p] < 0) {
				model_forget(m, v, p);
			}
		}
	}
	for (p = 0; p < RND_SPARE; p++)
		m->acc[0][p] = ACC_RWX;	/* refilled from the host later */
	m->invalidated += dropped;
	{
		struct altp2m_vm_stats now;

		vm_stats(m->vm, &now);
		ASSERT_EQ(now.remaps_invalidated - st.remaps_invalidated,
			  dropped);
	}
}

/*
 * The guest on the model's view does @op on pool page @p; the model says
 * which frame it reaches with which access, or MMIO.
 */
static void rnd_guest(struct altp2m_test *_t, struct model *m,
		      unsigned int p, unsigned int op)
{
	uint32_t v = m->on;
	uint64_t addr = pool_gpa(p) + op_offset[op], val = next_value();
	bool mmio = false, fill = false, promoted;
	uint64_t want;
	uint8_t acc = 0;
	int frame = (int)p;

	if (v == 0 || !m->held[v][p]) {
		mmio = !present(m, p);
		fill = v && !mmio;
		acc = v ? ACC_RWX : m->acc[0][p];
	} else {
		acc = m->acc[v][p];
		if (m->tgt[v][p] >= 0)
			frame = m->tgt[v][p];
	}
	promoted = (acc == ACC_RX2RW && op == OP_WRITE) || acc == ACC_N2RWX;
	if ((mmio && op == OP_EXEC) ||
	    (ambiguous(m, v, p) && !promoted &&
	     !(rights[acc] & op_right[op])))
		return;
	RLOG(m, "guest on %u: op %u page %u (frame %d, access %u%s)", v, op,
	     p, frame, acc, mmio ? ", mmio" : "");
	if (fill) {
		m->held[v][p] = true;
		m->tgt[v][p] = -1;
		m->acc[v][p] = ACC_RWX;	/* every view's default */
	}
	guest_op(m->vcpu, op, addr, val);
	if (mmio) {
		expect_mmio(_t, m->vcpu, addr, op == OP_WRITE);
		if (op == OP_WRITE) {
			ASSERT_EQ(memcmp(m->vcpu->run->mmio.data, &val, 8), 0);
		} else {
			val = next_value();
			memcpy(m->vcpu->run->mmio.data, &val, 8);
		}
		vcpu_run(m->vcpu);
		assert_ucall_sync(m->vcpu, val);
		return;
	}
	if (!(rights[acc] & op_right[op])) {
		expect_violation(_t, m->vcpu, v, addr, op_right[op], acc,
				 promoted);
		m->events++;
		if (promoted) {
			m->promotions++;
			m->acc[v][p] = acc == ACC_RX2RW ? ACC_RW : ACC_RWX;
		} else {
			vm_set_mem_access(m->vm, v, GFN(pool_gpa(p)), 1,
					  ACC_RWX);
			model_set(m, v, p, ACC_RWX);
		}
		vcpu_run(m->vcpu);
	}
	want = op == OP_READ ? *frame_word(m, frame) :
	       op == OP_WRITE ? val : code_ret(pool_gpa(frame));
	assert_ucall_sync(m->vcpu, want);
	if (op == OP_WRITE)
		ASSERT_EQ(*frame_word(m, frame), val);
}

static void rnd_check_get(struct altp2m_test *_t, struct model *m,
			  uint32_t v, unsigned int p)
{
	bool known = v ? m->held[v][p] : present(m, p);
	uint8_t acc = 0xff;

	if (!known) {
		ASSERT_ERRNO(__vm_get_mem_access(m->vm, v, GFN(pool_gpa(p)),
						 &acc), ESRCH);
		return;
	}
	ASSERT_EQ(__vm_get_mem_access(m->vm, v, GFN(pool_gpa(p)), &acc), 0);
	if (acc != m->acc[v][p])
		TH_LOG("view %u page %u: access %u, model %u", v, p, acc,
		       m->acc[v][p]);
	ASSERT_EQ(acc, m->acc[v][p]);
}

/* The dump of @v, gfn by gfn, against the pool pages the model lists. */
static void rnd_check_dump(struct altp2m_test *_t, struct model *m,
			   uint32_t v)
{
	static struct altp2m_view_entry e[RND_PAGES + 1];
	bool seen[RND_PAGES] = { false };
	uint32_t n = dump_all(_t, m->vm, v, e, ARRAY_SIZE(e)), i;
	unsigned int p;
	uint64_t k;
	int q;

	for (i = 0; i < n; i++) {
		ASSERT_EQ(e[i].suppress_ve, 1);
		for (k = 0; k < e[i].npages; k++) {
			q = pool_page(e[i].gfn + k);
			if (q < 0)
				TH_LOG("view %u: gfn %#llx dumped", v,
				       (unsigned long long)(e[i].gfn + k));
			ASSERT_GE(q, 0);
			ASSERT_FALSE(seen[q]);
			seen[q] = true;
			ASSERT_EQ(e[i].access, m->acc[v][q]);
			if (v && m->tgt[v][q] >= 0) {
				ASSERT_EQ(e[i].npages, 1);
				ASSERT_EQ(e[i].target,
					  GFN(pool_gpa(m->tgt[v][q])));
			} else {
				ASSERT_EQ(e[i].target, ALTP2M_GFN_INVALID);
			}
		}
	}
	for (p = 0; p < RND_PAGES; p++) {
		uint8_t host = present(m, p) ? m->acc[0][p] : ACC_RWX;
		bool listed = v ? m->held[v][p] && (m->tgt[v][p] >= 0 ||
						    m->acc[v][p] != host)
				: present(m, p) && m->acc[0][p] != ACC_RWX;

		if (listed != seen[p])
			TH_LOG("view %u page %u: dumped %d, model %d", v, p,
			       seen[p], listed);
		ASSERT_EQ(listed, seen[p]);
	}
}

static void rnd_check_all(struct altp2m_test *_t, struct model *m)
{
	struct altp2m_view_info info[RND_VIEWS];
	struct altp2m_vm_stats st;
	uint32_t cursor = 0, n, i, v;
	unsigned int p, remaps;

	for (v = 0; v < RND_VIEWS; v++) {
		if (v && !m->exists[v])
			continue;
		for (p = 0; p < RND_PAGES; p++)
			rnd_check_get(_t, m, v, p);
		rnd_check_dump(_t, m, v);
	}
	n = vm_list_views(m->vm, &cursor, info, RND_VIEWS);
	ASSERT_EQ(cursor, ALTP2M_MAX_VIEWS);
	ASSERT_EQ(n, nr_views(m));
	for (i = 0; i < n; i++) {
		v = info[i].view;
		ASSERT_TRUE(!v || (v < RND_VIEWS && m->exists[v]));
		ASSERT_EQ(info[i].vcpus_on, v == m->on);
		for (p = 0, remaps = 0; v && p < RND_PAGES; p++)
			remaps += m->held[v][p] && m->tgt[v][p] >= 0;
		ASSERT_EQ(info[i].nr_remaps, remaps);
		/* DEFAULT is stored as rwx, never read back. */
		ASSERT_EQ(info[i].default_access, ACC_RWX);
	}
	vm_stats(m->vm, &st);
	ASSERT_EQ(st.nr_views, nr_views(m));
	ASSERT_EQ(st.view_events - m->base.view_events, m->events);
	ASSERT_EQ(st.view_promotions - m->base.view_promotions,
		  m->promotions);
	ASSERT_EQ(st.remaps_invalidated - m->base.remaps_invalidated,
		  m->invalidated);
}

static struct model rnd_model;

/*
 * 300 random steps (create, destroy, set range and list, remap and
 * revert, the spare region deleted and back, vCPU view switches, guest
 * reads, writes and executions), each followed by a guest access and
 * GET_MEM_ACCESS calls checked against the model; every 30 steps and at
 * the end, every page of every view, the dumps, the list and the
 * counters. ALTP2M_VIEW_SEED=n repeats a run, ALTP2M_VIEW_VERBOSE=1
 * logs each step.
 */
TEST_TIMEOUT(random_invariant, 600)
{
	const char *seed_env = getenv("ALTP2M_VIEW_SEED");
	struct model *m = &rnd_model;
	struct altp2m_caps caps;
	unsigned int step, p, i;
	uint64_t seed;

	seed = seed_env ? strtoull(seed_env, NULL, 0) :
			  test_now_ms() ^ ((uint64_t)getpid() << 32);
	seed = seed ?: 1;
	TH_LOG("seed %llu (ALTP2M_VIEW_SEED to repeat)",
	       (unsigned long long)seed);
	memset(m, 0, sizeof(*m));
	m->rng = seed;
	m->verbose = !!getenv("ALTP2M_VIEW_VERBOSE");
	m->vcpu = server_vm(&m->vm, 0);
	vm_caps(m->vm, &caps);
	m->exec_only = caps.caps & ALTP2M_CAP_EPT_EXEC_ONLY;
	m->spare_hva = vm_add_region(m->vm, RND_SPARE_SLOT, RND_SPARE_GPA,
				     RND_SPARE * PAGE_SIZE);
	m->main_hva = vm_add_region(m->vm, RND_MAIN_SLOT, RND_MAIN_GPA,
				    RND_MAIN * PAGE_SIZE);
	m->spare = true;
	for (p = 0; p < RND_PAGES; p++) {
		page_init(frame_word(m, p), pool_gpa(p));
		m->acc[0][p] = ACC_RWX;
	}
	vm_views_enable(m->vm, RND_VIEWS);
	vm_stats(m->vm, &m->base);

	for (step = 0; step < RND_STEPS; step++) {
		unsigned int what = (unsigned int)rnd(m, 100);

		RLOG(m, "step %u", step);
		if (what < 10)
			rnd_create(_t, m);
		else if (what < 16)
			rnd_destroy(_t, m);
		else if (what < 28)
			rnd_switch(_t, m);
		else if (what < 42)
			rnd_set_range(_t, m);
		else if (what < 55)
			rnd_set_list(_t, m);
		else if (what < 70)
			rnd_remap(_t, m);
		else if (what < 75)
			rnd_region(_t, m);
		else
			for (i = 0; i < 3; i++)
				rnd_guest(_t, m,
					  (unsigned int)rnd(m, RND_PAGES),
					  (unsigned int)rnd(m, 3));

		/* After every step: the guest and a few entries agree. */
		rnd_guest(_t, m, (unsigned int)rnd(m, RND_PAGES), OP_READ);
		for (i = 0; i < 3; i++)
			rnd_check_get(_t, m, rnd_view(m, true),
				      (unsigned int)rnd(m, RND_PAGES));
		if (step % RND_FULL_EVERY == RND_FULL_EVERY - 1)
			rnd_check_all(_t, m);
	}
	rnd_check_all(_t, m);
	TH_LOG("%llu violations (%llu promoted), %llu remaps invalidated",
	       (unsigned long long)m->events,
	       (unsigned long long)m->promotions,
	       (unsigned long long)m->invalidated);
	vm_free(m->vm);
}

TEST_HARNESS_MAIN
