// SPDX-License-Identifier: GPL-2.0
/*
 * Hidden breakpoints (the uAPI's "Hidden breakpoints"): an INT3 in a
 * shadow copy of a guest code page, a hidden frame that the execute view
 * remaps the page to with execute-only access. Each action (count only,
 * async, sync), the module's step-over of instructions that fault, that
 * are the guest's own INT3 or sit in an STI shadow, on two vCPUs at once;
 * the guest reading the page (original bytes) and writing it (the shadow
 * follows); removal and the monitor's close while vCPUs hit; bad input.
 * Breakpoints on no-ops (5-byte NOP, ENDBR64, NOP) are completed in place,
 * one exit per hit, with the guest's TF and an STI shadow as a retired
 * instruction has them, and stepped again once the guest patches them.
 *
 * The guest's code under test is in a page of its own (bp_page), so that
 * the remap moves nothing else.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/monitor_util.h"
#include "../lib/harness.h"

#define EV_TIMEOUT_MS	60000
/* Beyond the 8 MiB of guest RAM: the shadow frame, hidden. */
#define SHADOW_GFN	0x1000ULL
#define LOOPS		20

/* --------------------------------------------------------- guest code */

uint64_t bp_fn(uint64_t x);
uint64_t bp_ud(void);
uint64_t bp_int3(void);
uint64_t bp_sti(void);
uint64_t bp_patch(void);
void bp_page(void);
void bp_fn_ret(void);
void bp_sti_next(void);
void bp_patch_imm(void);
extern uint64_t bp_data;
uint64_t bp_nop5(uint64_t x);
uint64_t bp_endbr(uint64_t x);
uint64_t bp_nop1(uint64_t x);
uint64_t bp_nop_tf(void);
uint64_t bp_sti_nop(void);
uint64_t bp_morph(void);
void bp_nop_tf_nop(void);
void bp_nop_tf_after(void);
void bp_sti_nop_nop(void);

__asm__("	.pushsection .text.hidden_bp, \"ax\"\n"
	"	.balign 4096\n"
	"	.globl bp_page\n"
	"bp_page:\n"
	/* The traced function: returns its argument plus one. */
	"	.globl bp_fn\n"
	"bp_fn:	mov %rdi, %rax\n"
	"	add $1, %rax\n"
	"	.globl bp_fn_ret\n"
	"bp_fn_ret:\n"
	"	ret\n"
	/* A breakpoint on an instruction that faults (#UD). */
	"	.globl bp_ud\n"
	"bp_ud:	ud2\n"
	"	mov $7, %eax\n"
	"	ret\n"
	/* ... on the guest's own INT3. */
	"	.globl bp_int3\n"
	"bp_int3:\n"
	"	int3\n"
	"	mov $8, %eax\n"
	"	ret\n"
	/* ... in the shadow of an STI. */
	"	.globl bp_sti\n"
	"bp_sti:	sti\n"
	"	.globl bp_sti_next\n"
	"bp_sti_next:\n"
	"	mov $9, %eax\n"
	"	cli\n"
	"	ret\n"
	/* Code the guest patches: mov $imm32, %eax; ret. */
	"	.globl bp_patch\n"
	"bp_patch:\n"
	"	.byte 0xb8\n"
	"	.globl bp_patch_imm\n"
	"bp_patch_imm:\n"
	"	.long 1\n"
	"	ret\n"
	/* bp_fn's code behind the no-ops functions start with. */
	"	.globl bp_nop5\n"
	"bp_nop5:	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"
	"	mov %rdi, %rax\n"
	"	add $1, %rax\n"
	"	ret\n"
	"	.globl bp_endbr\n"
	"bp_endbr:	.byte 0xf3, 0x0f, 0x1e, 0xfa\n"
	"	mov %rdi, %rax\n"
	"	add $1, %rax\n"
	"	ret\n"
	"	.globl bp_nop1\n"
	"bp_nop1:	nop\n"
	"	mov %rdi, %rax\n"
	"	add $1, %rax\n"
	"	ret\n"
	/* A NOP run with TF set: the #DB comes after it. */
	"	.globl bp_nop_tf\n"
	"bp_nop_tf:\n"
	"	pushfq\n"
	"	orq $0x100, (%rsp)\n"
	"	popfq\n"
	"	.globl bp_nop_tf_nop\n"
	"bp_nop_tf_nop:\n"
	"	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"
	"	.globl bp_nop_tf_after\n"
	"bp_nop_tf_after:\n"
	"	mov $11, %eax\n"
	"	ret\n"
	/* A NOP in the shadow of an STI. */
	"	.globl bp_sti_nop\n"
	"bp_sti_nop:	sti\n"
	"	.globl bp_sti_nop_nop\n"
	"bp_sti_nop_nop:\n"
	"	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"
	"	mov $12, %eax\n"
	"	cli\n"
	"	ret\n"
	/* A NOP the guest patches into mov $imm32, %eax (5 bytes too). */
	"	.globl bp_morph\n"
	"bp_morph:	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"
	"	ret\n"
	"	.balign 8\n"
	"	.globl bp_data\n"
	"bp_data:\n"
	"	.quad 0x1122334455667788\n"
	"	.balign 4096\n"
	"	.popsection\n");

/*
 * The guest's #BP and #UD handlers count; #UD skips the UD2. #DB counts,
 * notes where it came and DR6, and clears TF in the frame.
 */
uint64_t bp_count, ud_count, db_count, db_rip, db_dr6;
void guest_bp_handler(void);
void guest_ud_handler(void);
void guest_db_handler(void);
__asm__("	.text\n"
	"	.globl guest_db_handler\n"
	"guest_db_handler:\n"
	"	push %rax\n"
	"	mov 8(%rsp), %rax\n"
	"	mov %rax, db_rip\n"
	"	mov %dr6, %rax\n"
	"	mov %rax, db_dr6\n"
	"	andq $~0x100, 24(%rsp)\n"
	"	lock incq db_count\n"
	"	pop %rax\n"
	"	iretq\n"
	"	.globl guest_bp_handler\n"
	"guest_bp_handler:\n"
	"	lock incq bp_count\n"
	"	iretq\n"
	"	.globl guest_ud_handler\n"
	"guest_ud_handler:\n"
	"	lock incq ud_count\n"
	"	addq $2, (%rsp)\n"
	"	iretq\n");

/* @n calls of bp_fn: the sum of 1 .. @n. */
static void guest_loop(uint64_t n)
{
	uint64_t i, sum = 0;

	for (i = 0; i < n; i++)
		sum += bp_fn(i);
	GUEST_SYNC(sum);
}

/* @n calls of @fn, a function that returns its argument plus one. */
static void guest_loop_fn(uint64_t n, uint64_t fn)
{
	uint64_t (*f)(uint64_t x) = (uint64_t (*)(uint64_t))fn;
	uint64_t i, sum = 0;

	for (i = 0; i < n; i++)
		sum += f(i);
	GUEST_SYNC(sum);
}

/* A call of @fn with RAX 0 first: what it returns, and the #DBs. */
static void guest_call_db(uint64_t fn)
{
	uint64_t ret;

	__asm__ __volatile__("call *%1" : "=a"(ret) : "r"(fn), "a"(0)
			     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
			       "r11", "memory");
	GUEST_SYNC_ARGS(ret, db_count, db_rip, db_dr6);
}

/* bp_morph run, patched into mov $7, %eax, run again. */
static void guest_morph(void)
{
	uint64_t before, after;

	__asm__ __volatile__("call bp_morph" : "=a"(before) : "a"(0)
			     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
			       "r11", "memory");
	/* The immediate first: no byte of it is run before the opcode. */
	WRITE_ONCE(*(uint32_t *)((uint8_t *)bp_morph + 1), 7);
	WRITE_ONCE(*(uint8_t *)bp_morph, 0xb8);
	__asm__ __volatile__("call bp_morph" : "=a"(after) : "a"(0)
			     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
			       "r11", "memory");
	GUEST_SYNC_ARGS(before, after);
}

static void guest_call(uint64_t fn)
{
	uint64_t ret;

	__asm__ __volatile__("call *%1" : "=a"(ret) : "r"(fn)
			     : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
			       "r11", "memory");
	GUEST_SYNC_ARGS(ret, bp_count, ud_count);
}

/* The page's bytes as the guest reads them on the execute view. */
static void guest_read(void)
{
	GUEST_SYNC_ARGS(READ_ONCE(*(uint8_t *)bp_fn), READ_ONCE(bp_data),
			bp_fn(41));
}

/*
 * A monitor request, then a read of the code page: the instruction a
 * daemon's step covers.
 */
static void guest_request_read(void)
{
	uint64_t rax = ALTP2M_HC_BASE + ALTP2M_HC_MONITOR_REQUEST, v = 0;

	__asm__ __volatile__("vmcall\n\t"
			     "movzbl bp_fn(%%rip), %%ecx"
			     : "+a"(rax), "+c"(v) : "b"(0), "d"(0), "S"(0)
			     : "memory");
	GUEST_SYNC(v);
}

/* Run the patchable code, patch it, run it again. */
static void guest_patch(void)
{
	uint64_t before = bp_patch(), after;

	WRITE_ONCE(*(uint32_t *)bp_patch_imm, 2);
	after = bp_patch();
	GUEST_SYNC_ARGS(before, after);
}

/* ------------------------------------------------------- host side */

struct runner {
	struct vcpu *vcpu;
	pthread_t th;
	struct ucall uc;
	uint64_t type;
};

static void *runner_fn(void *arg)
{
	struct runner *r = arg;

	r->type = vcpu_run_ucall(r->vcpu, &r->uc);
	return NULL;
}

static void run_async(struct altp2m_test *_t, struct runner *r)
{
	ASSERT_EQ(pthread_create(&r->th, NULL, runner_fn, r), 0);
}

static void run_wait(struct altp2m_test *_t, struct runner *r)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += EV_TIMEOUT_MS / 1000;
	ASSERT_EQ(pthread_timedjoin_np(r->th, NULL, &ts), 0);
}

static uint64_t sym(void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* The VM, its shadow and its views. */
struct env {
	struct vm *vm;
	struct monitor *m;
	struct runner r[2];
	uint32_t exec;
	uint64_t gfn;		/* bp_page's */
};

static int hidden_frames(struct vm *vm, unsigned long cmd, uint64_t gfn,
			 uint64_t nr)
{
	struct altp2m_hidden_frames h = { .gfn = gfn, .nr = nr };

	return ioctl(vm->fd, cmd, &h);
}

static int shadow_rw(struct monitor *m, unsigned long cmd, uint64_t gpa,
		     void *buf, uint64_t len)
{
	struct altp2m_monitor_mem a = {
		.addr = gpa, .len = len, .buf = (uint64_t)(uintptr_t)buf,
	};

	return ioctl(m->fd, cmd, &a);
}

/*
 * @nr vCPUs running @guest on the execute view, which maps bp_page to its
 * shadow (a copy) execute-only; a monitor attached.
 */
static void env_setup(struct altp2m_test *_t, struct env *e, void *guest,
		      unsigned int nr)
{
	struct altp2m_caps caps;
	unsigned int i;

	memset(e, 0, sizeof(*e));
	e->vm = vm_create(0);
	vm_caps(e->vm, &caps);
	if (!(caps.caps & ALTP2M_CAP_EPT_EXEC_ONLY))
		SKIP("no execute-only EPT entries");
	x86_set_idt_gate(e->vm->ram, 3, sym(guest_bp_handler));
	x86_set_idt_gate(e->vm->ram, 6, sym(guest_ud_handler));
	x86_set_idt_gate(e->vm->ram, 1, sym(guest_db_handler));
	for (i = 0; i < nr; i++)
		e->r[i].vcpu = vcpu_add(e->vm, i, guest);
	e->gfn = sym(bp_page) >> 12;
	ASSERT_EQ(sym(&bp_data) >> 12, e->gfn);
	ASSERT_EQ(hidden_frames(e->vm, ALTP2M_ADD_HIDDEN_FRAMES, SHADOW_GFN,
				1), 0);
	vm_views_enable(e->vm, 0);
	e->exec = vm_view_create(e->vm, ALTP2M_ACCESS_DEFAULT);
	vm_remap_gfn(e->vm, e->exec, e->gfn, SHADOW_GFN);
	vm_set_mem_access(e->vm, e->exec, e->gfn, 1, ALTP2M_ACCESS_X);
	e->m = monitor_attach(e->vm, 0, 0);
	ASSERT_EQ(shadow_rw(e->m, ALTP2M_MONITOR_WRITE_MEM, SHADOW_GFN << 12,
			    addr_gva2hva(e->vm, sym(bp_page)), 4096), 0);
	for (i = 0; i < nr; i++)
		vcpu_set_view(e->r[i].vcpu, e->exec);
}

static int __bp_add(struct env *e, uint64_t gva, uint32_t flags,
		    struct altp2m_monitor_breakpoint *b)
{
	memset(b, 0, sizeof(*b));
	b->flags = flags;
	b->gpa = gva;
	b->shadow_gfn = SHADOW_GFN;
	b->exec_view = e->exec;
	b->clean_view = 0;
	return ioctl(e->m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, b);
}

static uint32_t bp_add(struct altp2m_test *_t, struct env *e, void *at,
		       uint32_t flags)
{
	struct altp2m_monitor_breakpoint b;

	ASSERT_EQ(__bp_add(e, sym(at), flags, &b), 0);
	EXPECT_GE(b.id, 1);
	EXPECT_EQ(b.orig, *(uint8_t *)addr_gva2hva(e->vm, sym(at)));
	return b.id;
}

static int __bp_call(struct env *e, unsigned long cmd, uint32_t id,
		     struct altp2m_monitor_breakpoint *b)
{
	memset(b, 0, sizeof(*b));
	b->id = id;
	return ioctl(e->m->fd, cmd, b);
}

static uint64_t bp_hits(struct altp2m_test *_t, struct env *e, uint32_t id)
{
	struct altp2m_monitor_breakpoint b;

	ASSERT_EQ(__bp_call(e, ALTP2M_MONITOR_GET_BREAKPOINT, id, &b), 0);
	return b.hits;
}

static struct altp2m_monitor_stats stats(struct altp2m_test *_t,
					 struct env *e, uint32_t vcpu)
{
	struct altp2m_monitor_stats st = { .vcpu = vcpu };

	ASSERT_EQ(ioctl(e->m->fd, ALTP2M_MONITOR_GET_STATS, &st), 0);
	return st;
}

static uint8_t shadow_byte(struct altp2m_test *_t, struct env *e, void *at)
{
	uint8_t b = 0;

	ASSERT_EQ(shadow_rw(e->m, ALTP2M_MONITOR_READ_MEM,
			    (SHADOW_GFN << 12) | (sym(at) & 0xfff), &b, 1), 0);
	return b;
}

static void env_free(struct env *e)
{
	if (e->m)
		monitor_close(e->m);
	vm_free(e->vm);
}

static void next_bp_event(struct altp2m_test *_t, struct env *e,
			  struct altp2m_monitor_event *ev)
{
	ASSERT_EQ(monitor_next_event(e->m, ev, EV_TIMEOUT_MS), 0);
	ASSERT_EQ(ev->type, ALTP2M_MON_EV_BREAKPOINT);
	EXPECT_EQ(ev->u.breakpoint.flags, ALTP2M_MON_BPF_HIDDEN);
	EXPECT_EQ(ev->u.breakpoint.gpa, sym(bp_fn));
	EXPECT_EQ(ev->u.breakpoint.gla, sym(bp_fn));
	EXPECT_EQ(ev->regs.rip, sym(bp_fn));
	EXPECT_EQ(ev->view, e->exec);
}

/* A response to @ev with @flags; the registers are the event's. */
static struct altp2m_monitor_response
rsp_for(const struct altp2m_monitor_event *ev, uint32_t flags)
{
	const struct altp2m_monitor_regs *g = &ev->regs;
	struct altp2m_monitor_response r = {
		.flags = flags, .vcpu = ev->vcpu, .seq = ev->seq,
		.regs = {
			.rax = g->rax, .rbx = g->rbx, .rcx = g->rcx,
			.rdx = g->rdx, .rsi = g->rsi, .rdi = g->rdi,
			.rsp = g->rsp, .rbp = g->rbp, .r8 = g->r8,
			.r9 = g->r9, .r10 = g->r10, .r11 = g->r11,
			.r12 = g->r12, .r13 = g->r13, .r14 = g->r14,
			.r15 = g->r15, .rip = g->rip, .rflags = g->rflags,
		},
	};

	return r;
}

/* ------------------------------------------------------------ tests */

/* Count only: every hit stepped over in the module, nothing in the ring. */
TEST(count_only)
{
	struct altp2m_monitor_event ev;
	struct altp2m_monitor_stats st;
	struct env e;
	uint32_t id;

	env_setup(_t, &e, guest_loop, 1);
	vcpu_args_set(e.r[0].vcpu, 1, (uint64_t)LOOPS);
	id = bp_add(_t, &e, bp_fn, 0);
	EXPECT_EQ(shadow_byte(_t, &e, bp_fn), 0xcc);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], LOOPS * (LOOPS + 1) / 2);
	EXPECT_EQ(bp_hits(_t, &e, id), LOOPS);
	st = stats(_t, &e, 0);
	EXPECT_EQ(st.bp_hits, LOOPS);
	EXPECT_EQ(st.bp_steps, LOOPS);
	EXPECT_EQ(st.events, 0);
	EXPECT_EQ(monitor_next_event(e.m, &ev, 0), -1);
	EXPECT_EQ(vcpu_get_view(e.r[0].vcpu), e.exec);
	/* The original page never had the INT3. */
	EXPECT_EQ(*(uint8_t *)addr_gva2hva(e.vm, sym(bp_fn)), 0x48);
	env_free(&e);
}

/* ASYNC: one event per hit with the registers, the guest never waits. */
TEST(async_events)
{
	struct altp2m_monitor_event ev;
	struct env e;
	uint32_t id;
	unsigned int i;

	env_setup(_t, &e, guest_loop, 1);
	vcpu_args_set(e.r[0].vcpu, 1, 5ULL);
	id = bp_add(_t, &e, bp_fn, ALTP2M_MON_BP_ASYNC);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 15);
	for (i = 0; i < 5; i++) {
		next_bp_event(_t, &e, &ev);
		EXPECT_EQ(ev.flags & ALTP2M_MON_EVF_SYNC, 0);
		EXPECT_EQ(ev.u.breakpoint.id, id);
		EXPECT_EQ(ev.u.breakpoint.hits, i + 1);
		EXPECT_EQ(ev.regs.rdi, i);
	}
	EXPECT_EQ(monitor_next_event(e.m, &ev, 0), -1);
	EXPECT_EQ(stats(_t, &e, 0).bp_steps, 5);
	env_free(&e);
}

/*
 * SYNC: parked at each hit; REINJECT is refused, "continue" steps over,
 * SET_REGS moving RIP replaces the step-over (the function returns what
 * the monitor says).
 */
TEST(sync_respond)
{
	struct altp2m_monitor_response rsp;
	struct altp2m_monitor_event ev;
	struct env e;
	unsigned int i;

	env_setup(_t, &e, guest_loop, 1);
	vcpu_args_set(e.r[0].vcpu, 1, 3ULL);
	bp_add(_t, &e, bp_fn, ALTP2M_MON_BP_SYNC);
	run_async(_t, &e.r[0]);
	for (i = 0; i < 3; i++) {
		next_bp_event(_t, &e, &ev);
		EXPECT_EQ(ev.flags & ALTP2M_MON_EVF_SYNC, ALTP2M_MON_EVF_SYNC);
		EXPECT_EQ(ev.u.breakpoint.hits, i + 1);
		rsp = rsp_for(&ev, ALTP2M_MON_RSP_REINJECT);
		EXPECT_EQ(__monitor_respond(e.m, &rsp), -1);
		EXPECT_EQ(errno, EINVAL);
		rsp = rsp_for(&ev, 0);
		if (i == 2) {
			/* Return 100 from bp_fn, skipping its code. */
			rsp.flags = ALTP2M_MON_RSP_SET_REGS;
			rsp.regs.rax = 100;
			rsp.regs.rip = sym(bp_fn_ret);
		}
		ASSERT_EQ(__monitor_respond(e.m, &rsp), 0);
	}
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 1 + 2 + 100);
	EXPECT_EQ(stats(_t, &e, 0).bp_steps, 2);
	EXPECT_EQ(vcpu_get_view(e.r[0].vcpu), e.exec);
	env_free(&e);
}

/*
 * Step-over of a UD2: the guest's #UD handler runs (once), the step ends
 * there, and the vCPU is back on the execute view.
 */
TEST(step_over_fault)
{
	struct env e;

	env_setup(_t, &e, guest_call, 1);
	vcpu_args_set(e.r[0].vcpu, 1, sym(bp_ud));
	bp_add(_t, &e, bp_ud, 0);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 7);
	EXPECT_EQ(e.r[0].uc.args[1], 0);
	EXPECT_EQ(e.r[0].uc.args[2], 1);
	EXPECT_EQ(vcpu_get_view(e.r[0].vcpu), e.exec);
	EXPECT_EQ(stats(_t, &e, 0).bp_hits, 1);
	env_free(&e);
}

/* Step-over of the guest's own INT3: its #BP handler runs, once. */
TEST(step_over_guest_int3)
{
	struct env e;
	uint32_t id;

	env_setup(_t, &e, guest_call, 1);
	vcpu_args_set(e.r[0].vcpu, 1, sym(bp_int3));
	id = bp_add(_t, &e, bp_int3, 0);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 8);
	EXPECT_EQ(e.r[0].uc.args[1], 1);
	EXPECT_EQ(bp_hits(_t, &e, id), 1);
	EXPECT_EQ(vcpu_get_view(e.r[0].vcpu), e.exec);
	env_free(&e);
}

/* A breakpoint in an STI shadow is stepped over like any other. */
TEST(step_over_in_sti_shadow)
{
	struct env e;
	uint32_t id;

	env_setup(_t, &e, guest_call, 1);
	vcpu_args_set(e.r[0].vcpu, 1, sym(bp_sti));
	id = bp_add(_t, &e, bp_sti_next, 0);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 9);
	EXPECT_EQ(bp_hits(_t, &e, id), 1);
	EXPECT_EQ(vcpu_get_view(e.r[0].vcpu), e.exec);
	env_free(&e);
}

/*
 * Reads of the code page from the execute view (execute-only there) see
 * the original bytes, the INT3 is in the shadow only, and no read reaches
 * the VMM or the monitor.
 */
TEST(reads_see_original)
{
	struct altp2m_monitor_event ev;
	struct altp2m_monitor_stats st;
	struct env e;
	uint32_t id;

	env_setup(_t, &e, guest_read, 1);
	id = bp_add(_t, &e, bp_fn, 0);
	monitor_set_event(e.m, ALTP2M_MON_EV_VIOLATION,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 0x48);
	EXPECT_EQ(e.r[0].uc.args[1], 0x1122334455667788ULL);
	EXPECT_EQ(e.r[0].uc.args[2], 42);
	EXPECT_EQ(bp_hits(_t, &e, id), 1);
	EXPECT_EQ(shadow_byte(_t, &e, bp_fn), 0xcc);
	st = stats(_t, &e, 0);
	EXPECT_GE(st.shadow_steps, 2);
	EXPECT_EQ(st.shadow_resyncs, 0);
	EXPECT_EQ(monitor_next_event(e.m, &ev, 0), -1);
	env_free(&e);
}

/*
 * A daemon's own FAST_SINGLESTEP on the execute view over a read of the
 * code page: the read is stepped on the clean view inside that step, and
 * both come back to the execute view; the guest reads the original.
 */
TEST(read_in_daemon_step)
{
	struct altp2m_monitor_response rsp;
	struct altp2m_monitor_event ev;
	struct env e;

	env_setup(_t, &e, guest_request_read, 1);
	bp_add(_t, &e, bp_fn, 0);
	monitor_set_event(e.m, ALTP2M_MON_EV_GUEST_REQUEST,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 0, 0);
	run_async(_t, &e.r[0]);
	ASSERT_EQ(monitor_next_event(e.m, &ev, EV_TIMEOUT_MS), 0);
	ASSERT_EQ(ev.type, ALTP2M_MON_EV_GUEST_REQUEST);
	rsp = rsp_for(&ev, ALTP2M_MON_RSP_FAST_SINGLESTEP);
	rsp.step_view = e.exec;
	rsp.view = e.exec;
	ASSERT_EQ(__monitor_respond(e.m, &rsp), 0);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 0x48);
	EXPECT_EQ(stats(_t, &e, 0).shadow_steps, 1);
	EXPECT_EQ(vcpu_get_view(e.r[0].vcpu), e.exec);
	EXPECT_EQ(monitor_next_event(e.m, &ev, 0), -1);
	env_free(&e);
}

/*
 * A guest write to the page lands in the original, and the shadow
 * follows: the patched instruction runs on the execute view, with the
 * breakpoint on it still planted and hit.
 */
TEST(write_resyncs_shadow)
{
	struct altp2m_monitor_breakpoint b;
	struct env e;
	uint32_t id;

	env_setup(_t, &e, guest_patch, 1);
	id = bp_add(_t, &e, bp_patch, 0);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 1);
	EXPECT_EQ(e.r[0].uc.args[1], 2);
	EXPECT_EQ(*(uint32_t *)addr_gva2hva(e.vm, sym(bp_patch_imm)), 2);
	EXPECT_EQ(shadow_byte(_t, &e, bp_patch_imm), 2);
	EXPECT_EQ(shadow_byte(_t, &e, bp_patch), 0xcc);
	ASSERT_EQ(__bp_call(&e, ALTP2M_MONITOR_GET_BREAKPOINT, id, &b), 0);
	EXPECT_EQ(b.hits, 2);
	EXPECT_EQ(b.orig, 0xb8);
	EXPECT_GE(stats(_t, &e, 0).shadow_resyncs, 1);
	env_free(&e);
}

/* Two vCPUs hitting one breakpoint at once: every hit counted. */
TEST(two_vcpus)
{
	struct env e;
	unsigned int i;
	uint32_t id;

	env_setup(_t, &e, guest_loop, 2);
	for (i = 0; i < 2; i++)
		vcpu_args_set(e.r[i].vcpu, 1, (uint64_t)LOOPS);
	e.m->nr_rings = 2;
	id = bp_add(_t, &e, bp_fn, 0);
	for (i = 0; i < 2; i++)
		run_async(_t, &e.r[i]);
	for (i = 0; i < 2; i++) {
		run_wait(_t, &e.r[i]);
		ASSERT_EQ(e.r[i].type, UCALL_SYNC);
		EXPECT_EQ(e.r[i].uc.args[0], LOOPS * (LOOPS + 1) / 2);
		EXPECT_EQ(stats(_t, &e, i).bp_hits, LOOPS);
		EXPECT_EQ(vcpu_get_view(e.r[i].vcpu), e.exec);
	}
	EXPECT_EQ(bp_hits(_t, &e, id), 2 * LOOPS);
	env_free(&e);
}

/*
 * The breakpoint's clean view destroyed while it is armed: the module
 * steps on view 0 instead (never on the shadow, whose INT3 would reach
 * the guest).
 */
TEST(clean_view_destroyed)
{
	struct altp2m_monitor_breakpoint b;
	uint32_t clean;
	struct env e;

	env_setup(_t, &e, guest_loop, 1);
	vcpu_args_set(e.r[0].vcpu, 1, 3ULL);
	clean = vm_view_create(e.vm, ALTP2M_ACCESS_DEFAULT);
	memset(&b, 0, sizeof(b));
	b.gpa = sym(bp_fn);
	b.shadow_gfn = SHADOW_GFN;
	b.exec_view = e.exec;
	b.clean_view = clean;
	ASSERT_EQ(ioctl(e.m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &b), 0);
	vm_view_destroy(e.vm, clean);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 6);
	EXPECT_EQ(bp_hits(_t, &e, b.id), 3);
	EXPECT_EQ(*(uint64_t *)addr_gva2hva(e.vm, sym(&bp_count)), 0);
	EXPECT_EQ(vcpu_get_view(e.r[0].vcpu), e.exec);
	env_free(&e);
}

/* Wait until breakpoint @id was hit at least once. */
static void wait_hit(struct altp2m_test *_t, struct env *e, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < 6000 && !bp_hits(_t, e, id); i++)
		usleep(10000);
	ASSERT_GE(bp_hits(_t, e, id), 1);
}

/*
 * Removal while the vCPU hits: it goes on, right, and the breakpoint is
 * gone; removal while a vCPU is parked on a hit: the response still
 * steps over.
 */
TEST(remove_while_hitting)
{
	struct altp2m_monitor_breakpoint b;
	struct altp2m_monitor_event ev;
	struct altp2m_monitor_response rsp;
	struct env e;
	uint32_t id;

	env_setup(_t, &e, guest_loop, 1);
	vcpu_args_set(e.r[0].vcpu, 1, 400ULL);
	id = bp_add(_t, &e, bp_fn, 0);
	run_async(_t, &e.r[0]);
	wait_hit(_t, &e, id);
	ASSERT_EQ(__bp_call(&e, ALTP2M_MONITOR_REMOVE_BREAKPOINT, id, &b), 0);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 400 * 401 / 2);
	EXPECT_EQ(__bp_call(&e, ALTP2M_MONITOR_GET_BREAKPOINT, id, &b), -1);
	EXPECT_EQ(errno, ENOENT);
	EXPECT_EQ(shadow_byte(_t, &e, bp_fn), 0x48);

	vcpu_setup(e.r[0].vcpu, guest_loop);
	vcpu_args_set(e.r[0].vcpu, 1, 2ULL);
	id = bp_add(_t, &e, bp_fn, ALTP2M_MON_BP_SYNC);
	run_async(_t, &e.r[0]);
	next_bp_event(_t, &e, &ev);
	ASSERT_EQ(__bp_call(&e, ALTP2M_MONITOR_REMOVE_BREAKPOINT, id, &b), 0);
	rsp = rsp_for(&ev, 0);
	ASSERT_EQ(__monitor_respond(e.m, &rsp), 0);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 3);
	EXPECT_EQ(monitor_next_event(e.m, &ev, 0), -1);
	EXPECT_EQ(vcpu_get_view(e.r[0].vcpu), e.exec);
	env_free(&e);
}

/*
 * Closing the monitor while the guest hits, or while it is parked on a
 * hit: the breakpoints go first, the guest runs on right.
 */
TEST(close_while_hitting)
{
	struct altp2m_monitor_event ev;
	struct env e;
	uint32_t id;

	env_setup(_t, &e, guest_loop, 1);
	vcpu_args_set(e.r[0].vcpu, 1, 400ULL);
	id = bp_add(_t, &e, bp_fn, 0);
	run_async(_t, &e.r[0]);
	wait_hit(_t, &e, id);
	monitor_close(e.m);
	e.m = NULL;
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 400 * 401 / 2);
	/* The shadow's byte is the original again. */
	e.m = monitor_attach(e.vm, 0, 0);
	EXPECT_EQ(shadow_byte(_t, &e, bp_fn), 0x48);

	vcpu_setup(e.r[0].vcpu, guest_loop);
	vcpu_args_set(e.r[0].vcpu, 1, 2ULL);
	bp_add(_t, &e, bp_fn, ALTP2M_MON_BP_SYNC);
	run_async(_t, &e.r[0]);
	next_bp_event(_t, &e, &ev);
	monitor_close(e.m);
	e.m = NULL;
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 3);
	EXPECT_EQ(*(uint64_t *)addr_gva2hva(e.vm, sym(&bp_count)), 0);
	env_free(&e);
}

/* The VM's file closed first, with a breakpoint armed: no leak, no oops. */
TEST(close_vm_first)
{
	struct env e;
	struct monitor *m;

	env_setup(_t, &e, guest_loop, 1);
	bp_add(_t, &e, bp_fn, 0);
	m = e.m;
	e.m = NULL;
	env_free(&e);
	monitor_close(m);
}

/* How many hits in no-op tests. */
#define NOP_HITS	200
/* Basic exit reasons: exception (#BP, a TF step's #DB), monitor trap flag. */
#define EXIT_EXCEPTION	0
#define EXIT_MTF	37

/* The vCPU's exits a hit costs: exceptions and MTF exits, so far. */
static uint64_t hit_exits(struct altp2m_test *_t, struct vcpu *vcpu)
{
	struct altp2m_vcpu_exit_counts c = { 0 };

	ASSERT_EQ(__vcpu_ioctl(vcpu, ALTP2M_GET_VCPU_EXIT_COUNTS, &c), 0);
	return c.counts[EXIT_EXCEPTION] + c.counts[EXIT_MTF];
}

/*
 * NOP_HITS calls of @fn, a breakpoint with @flags on its first
 * instruction: the sum right, every hit counted; the exits the hits cost
 * (the loop itself raises no exception) and the stats after the run.
 */
static uint64_t nop_run(struct altp2m_test *_t, void *fn, uint32_t flags,
			struct altp2m_monitor_stats *st)
{
	struct env e;
	uint64_t exits;
	uint32_t id;

	env_setup(_t, &e, guest_loop_fn, 1);
	vcpu_args_set(e.r[0].vcpu, 2, (uint64_t)NOP_HITS, sym(fn));
	id = bp_add(_t, &e, fn, flags);
	exits = hit_exits(_t, e.r[0].vcpu);
	run_async(_t, &e.r[0]);
	if (flags & ALTP2M_MON_BP_SYNC) {
		struct altp2m_monitor_response rsp;
		struct altp2m_monitor_event ev;
		unsigned int i;

		for (i = 0; i < NOP_HITS; i++) {
			ASSERT_EQ(monitor_next_event(e.m, &ev, EV_TIMEOUT_MS),
				  0);
			EXPECT_EQ(ev.regs.rip, sym(fn));
			rsp = rsp_for(&ev, 0);
			ASSERT_EQ(__monitor_respond(e.m, &rsp), 0);
		}
	}
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], NOP_HITS * (NOP_HITS + 1) / 2);
	EXPECT_EQ(bp_hits(_t, &e, id), NOP_HITS);
	exits = hit_exits(_t, e.r[0].vcpu) - exits;
	*st = stats(_t, &e, 0);
	EXPECT_EQ(st->bp_hits, NOP_HITS);
	EXPECT_EQ(vcpu_get_view(e.r[0].vcpu), e.exec);
	env_free(&e);
	return exits;
}

/*
 * A no-op under the breakpoint is completed in place: one exit per hit
 * (the #BP), where a step-over costs two (the #BP and the step's #DB or
 * MTF exit).
 */
static void nop_one_exit(struct altp2m_test *_t, void *fn, uint32_t flags)
{
	struct altp2m_monitor_stats st;
	uint64_t exits = nop_run(_t, fn, flags, &st);

	EXPECT_EQ(st.bp_steps, 0);
	EXPECT_EQ(exits, NOP_HITS);
}

TEST(nop5_one_exit)
{
	nop_one_exit(_t, bp_nop5, 0);
}

TEST(endbr64_one_exit)
{
	nop_one_exit(_t, bp_endbr, 0);
}

TEST(nop1_one_exit)
{
	nop_one_exit(_t, bp_nop1, 0);
}

/* ASYNC and SYNC ("continue") hits of a no-op: completed in place too. */
TEST(nop5_async_sync)
{
	nop_one_exit(_t, bp_nop5, ALTP2M_MON_BP_ASYNC);
	nop_one_exit(_t, bp_nop5, ALTP2M_MON_BP_SYNC);
}

/* Anything else is still stepped: two exits per hit. */
TEST(non_nop_steps)
{
	struct altp2m_monitor_stats st;
	uint64_t exits = nop_run(_t, bp_fn, 0, &st);

	EXPECT_EQ(st.bp_steps, NOP_HITS);
	EXPECT_EQ(exits, 2 * NOP_HITS);
}

/* A counter of /proc/stat ("intr": its total; "ctxt"), 0 if none. */
static uint64_t proc_stat(const char *key)
{
	unsigned long long v = 0;
	char line[256];
	size_t n = strlen(key);
	FILE *f = fopen("/proc/stat", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ' &&
		    sscanf(line + n, "%llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* Whether the module flushes L1D before every entry ("always"). */
static bool l1d_flush_always(void)
{
	char mode[16] = "", cmd[4096] = "";
	FILE *f;

	f = fopen("/sys/module/altp2m/parameters/l1d_flush", "r");
	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = 0;
		fclose(f);
	}
	f = fopen("/proc/cmdline", "r");
	if (f) {
		if (!fgets(cmd, sizeof(cmd), f))
			cmd[0] = 0;
		fclose(f);
	}
	return !strncmp(mode, "always", 6) ||
	       (!strncmp(mode, "auto", 4) && strstr(cmd, "l1tf=full"));
}

#define HC_LOOPS	50

static void hc_loop(uint64_t n, uint64_t nr)
{
	uint64_t i, ret;

	for (i = 0; i < n; i++)
		__asm__ __volatile__("vmcall"
				     : "=a"(ret)
				     : "a"(ALTP2M_HC_BASE + nr),
				       "b"(0), "c"(0), "d"(0)
				     : "memory");
}

/*
 * @n of each of three hypercalls the module answers itself: GET_MODE
 * and a request to the monitor (which has the event off: ENOSYS) touch
 * only the VM's state; SET_ACCESS is a view call (EPERM in the external
 * mode, after the exit was taken as one that may allocate).
 */
static void guest_hc_loops(uint64_t n)
{
	hc_loop(n, ALTP2M_HC_GET_MODE);
	GUEST_SYNC(1);
	hc_loop(n, ALTP2M_HC_MONITOR_REQUEST);
	GUEST_SYNC(2);
	hc_loop(n, ALTP2M_HC_SET_ACCESS);
	GUEST_SYNC(3);
}

/*
 * One run of guest_hc_loops() to its next ucall: the flushes it took,
 * and the interrupts and context switches of the whole system meanwhile.
 */
static uint64_t hc_run(struct altp2m_test *_t, struct env *e, uint64_t *why)
{
	uint64_t before = stats(_t, e, 0).l1d_flushes;
	uint64_t intr = proc_stat("intr"), ctxt = proc_stat("ctxt");

	run_async(_t, &e->r[0]);
	run_wait(_t, &e->r[0]);
	TEST_ASSERT(e->r[0].type == UCALL_SYNC, "guest_hc_loops: ucall %llu",
		    (unsigned long long)e->r[0].type);
	*why = proc_stat("intr") - intr + proc_stat("ctxt") - ctxt;
	return stats(_t, e, 0).l1d_flushes - before;
}

/*
 * L1TF, "cond" (the kernel's default l1tf=flush): the L1D flush comes
 * before the first entry of each RUN and after host work that may have
 * read others' data, not after the exits of step-overs the module
 * handled by itself, which touch only the VM's own state.
 */
TEST(l1d_flush_cond)
{
	struct altp2m_monitor_stats st;
	uint64_t intr, ctxt, n, why;
	struct env e;

	intr = proc_stat("intr");
	ctxt = proc_stat("ctxt");
	nop_run(_t, bp_fn, 0, &st);
	intr = proc_stat("intr") - intr;
	ctxt = proc_stat("ctxt") - ctxt;
	if (!st.l1d_flushes)
		SKIP("no L1D flush at VM entry here (no L1TF, or l1tf=off)");
	EXPECT_EQ(st.bp_steps, NOP_HITS);
	printf("# %llu flushes, %llu entries, %llu interrupts, %llu context switches\n",
	       (unsigned long long)st.l1d_flushes,
	       (unsigned long long)st.exits, (unsigned long long)intr,
	       (unsigned long long)ctxt);
	if (l1d_flush_always()) {
		EXPECT_EQ(st.l1d_flushes, st.exits);
	} else {
		/*
		 * Each flush has a cause: a RUN's start (a few here), an
		 * interrupt or a context switch (system-wide counts bound
		 * them; a slow debug kernel takes a timer tick in most
		 * exits), never a step-over by itself.
		 */
		EXPECT_GE(st.l1d_flushes, 1);
		EXPECT_LT(st.l1d_flushes, st.exits);
		EXPECT_GE(4 + intr + ctxt, st.l1d_flushes);
	}
	/*
	 * A view call may allocate: the next entry flushes. GET_MODE and a
	 * request to the monitor do not: only the RUN's start, interrupts
	 * and context switches flush around them.
	 */
	env_setup(_t, &e, guest_hc_loops, 1);
	vcpu_args_set(e.r[0].vcpu, 1, (uint64_t)HC_LOOPS);
	n = hc_run(_t, &e, &why);
	printf("# GET_MODE: %llu flushes, %llu interrupts and switches\n",
	       (unsigned long long)n, (unsigned long long)why);
	EXPECT_GE(1 + why, n);
	n = hc_run(_t, &e, &why);
	printf("# MONITOR_REQUEST: %llu flushes, %llu interrupts and switches\n",
	       (unsigned long long)n, (unsigned long long)why);
	EXPECT_GE(1 + why, n);
	n = hc_run(_t, &e, &why);
	EXPECT_GE(n, HC_LOOPS);
	env_free(&e);
}

/*
 * A no-op run with the guest's TF set: the guest's single-step #DB comes
 * after it (DR6.BS), once, as after the instruction on bare metal.
 */
TEST(nop_guest_tf)
{
	struct env e;

	env_setup(_t, &e, guest_call_db, 1);
	vcpu_args_set(e.r[0].vcpu, 1, sym(bp_nop_tf));
	bp_add(_t, &e, bp_nop_tf_nop, 0);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 11);
	EXPECT_EQ(e.r[0].uc.args[1], 1);
	EXPECT_EQ(e.r[0].uc.args[2], sym(bp_nop_tf_after));
	EXPECT_NE(e.r[0].uc.args[3] & (1ULL << 14), 0);
	EXPECT_EQ(stats(_t, &e, 0).bp_hits, 1);
	EXPECT_EQ(stats(_t, &e, 0).bp_steps, 0);
	env_free(&e);
}

/* A no-op in an STI shadow: completed, the shadow ends with it. */
TEST(nop_in_sti_shadow)
{
	struct env e;

	env_setup(_t, &e, guest_call_db, 1);
	vcpu_args_set(e.r[0].vcpu, 1, sym(bp_sti_nop));
	bp_add(_t, &e, bp_sti_nop_nop, 0);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 12);
	EXPECT_EQ(e.r[0].uc.args[1], 0);
	EXPECT_EQ(stats(_t, &e, 0).bp_hits, 1);
	EXPECT_EQ(stats(_t, &e, 0).bp_steps, 0);
	env_free(&e);
}

/*
 * The guest patches the no-op into a MOV: after the resync the next hit
 * steps it (the MOV runs) instead of skipping five bytes.
 */
TEST(nop_patched_steps)
{
	struct altp2m_monitor_stats st;
	struct altp2m_monitor_breakpoint b;
	struct env e;
	uint32_t id;

	env_setup(_t, &e, guest_morph, 1);
	id = bp_add(_t, &e, bp_morph, 0);
	run_async(_t, &e.r[0]);
	run_wait(_t, &e.r[0]);
	ASSERT_EQ(e.r[0].type, UCALL_SYNC);
	EXPECT_EQ(e.r[0].uc.args[0], 0);
	EXPECT_EQ(e.r[0].uc.args[1], 7);
	ASSERT_EQ(__bp_call(&e, ALTP2M_MONITOR_GET_BREAKPOINT, id, &b), 0);
	EXPECT_EQ(b.hits, 2);
	EXPECT_EQ(b.orig, 0xb8);
	st = stats(_t, &e, 0);
	EXPECT_EQ(st.bp_steps, 1);
	EXPECT_GE(st.shadow_resyncs, 1);
	env_free(&e);
}

/*
 * ALTP2M_MONITOR_MAX_BREAKPOINTS per VM, then ENOSPC; the monitor's close
 * takes them all out of the shadow.
 */
TEST(enospc_and_close_releases_all)
{
	struct altp2m_monitor_breakpoint b;
	static uint8_t page[4096];
	unsigned int i;
	struct env e;

	env_setup(_t, &e, guest_loop, 1);
	ASSERT_EQ(hidden_frames(e.vm, ALTP2M_ADD_HIDDEN_FRAMES,
				SHADOW_GFN + 1, 1), 0);
	vm_remap_gfn(e.vm, e.exec, e.gfn + 1, SHADOW_GFN + 1);
	for (i = 0; i < ALTP2M_MONITOR_MAX_BREAKPOINTS; i++)
		ASSERT_EQ(__bp_add(&e, sym(bp_page) + i, 0, &b), 0);
	memset(&b, 0, sizeof(b));
	b.gpa = sym(bp_page) + 4096;
	b.shadow_gfn = SHADOW_GFN + 1;
	b.exec_view = e.exec;
	EXPECT_EQ(ioctl(e.m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &b), -1);
	EXPECT_EQ(errno, ENOSPC);
	ASSERT_EQ(shadow_rw(e.m, ALTP2M_MONITOR_READ_MEM, SHADOW_GFN << 12,
			    page, sizeof(page)), 0);
	for (i = 0; i < sizeof(page); i++)
		ASSERT_EQ(page[i], 0xcc);
	monitor_close(e.m);
	e.m = monitor_attach(e.vm, 0, 0);
	ASSERT_EQ(shadow_rw(e.m, ALTP2M_MONITOR_READ_MEM, SHADOW_GFN << 12,
			    page, sizeof(page)), 0);
	EXPECT_EQ(memcmp(page, addr_gva2hva(e.vm, sym(bp_page)),
			 sizeof(page)), 0);
	/* Room again: the table is empty. */
	EXPECT_EQ(ioctl(e.m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &b), 0);
	env_free(&e);
}

TEST(bad_input)
{
	struct altp2m_monitor_breakpoint b;
	struct env e;
	uint32_t id, view2;

	env_setup(_t, &e, guest_loop, 1);
	/* Not a shadow frame: a hidden frame the view does not remap to. */
	ASSERT_EQ(hidden_frames(e.vm, ALTP2M_ADD_HIDDEN_FRAMES,
				SHADOW_GFN + 1, 1), 0);
	memset(&b, 0, sizeof(b));
	b.gpa = sym(bp_fn);
	b.shadow_gfn = SHADOW_GFN + 1;
	b.exec_view = e.exec;
	EXPECT_EQ(ioctl(e.m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &b), -1);
	EXPECT_EQ(errno, EINVAL);
	/* A frame that is not hidden (guest RAM), remapped or not. */
	b.shadow_gfn = e.gfn;
	EXPECT_EQ(ioctl(e.m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &b), -1);
	EXPECT_EQ(errno, EINVAL);
	/* A view that does not remap the page. */
	id = bp_add(_t, &e, bp_fn, 0);
	view2 = vm_view_create(e.vm, ALTP2M_ACCESS_DEFAULT);
	memset(&b, 0, sizeof(b));
	b.gpa = sym(bp_ud);
	b.shadow_gfn = SHADOW_GFN;
	b.exec_view = view2;
	EXPECT_EQ(ioctl(e.m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &b), -1);
	EXPECT_EQ(errno, EINVAL);
	/* No such view; clean == exec; both actions; unknown flags. */
	b.exec_view = 9;
	EXPECT_EQ(ioctl(e.m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &b), -1);
	EXPECT_EQ(errno, ESRCH);
	b.exec_view = e.exec;
	b.clean_view = 9;
	EXPECT_EQ(ioctl(e.m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &b), -1);
	EXPECT_EQ(errno, ESRCH);
	b.clean_view = e.exec;
	EXPECT_EQ(ioctl(e.m->fd, ALTP2M_MONITOR_ADD_BREAKPOINT, &b), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(__bp_add(&e, sym(bp_ud),
			   ALTP2M_MON_BP_SYNC | ALTP2M_MON_BP_ASYNC, &b), -1);
	EXPECT_EQ(errno, EINVAL);
	EXPECT_EQ(__bp_add(&e, sym(bp_ud), 4, &b), -1);
	EXPECT_EQ(errno, EINVAL);
	/* The same byte twice. */
	EXPECT_EQ(__bp_add(&e, sym(bp_fn), ALTP2M_MON_BP_ASYNC, &b), -1);
	EXPECT_EQ(errno, EEXIST);
	/* Unknown ids; REMOVE with flags. */
	EXPECT_EQ(__bp_call(&e, ALTP2M_MONITOR_REMOVE_BREAKPOINT, id + 1000,
			    &b), -1);
	EXPECT_EQ(errno, ENOENT);
	EXPECT_EQ(__bp_call(&e, ALTP2M_MONITOR_GET_BREAKPOINT, 0, &b), -1);
	EXPECT_EQ(errno, ENOENT);
	memset(&b, 0, sizeof(b));
	b.id = id;
	b.flags = 1;
	EXPECT_EQ(ioctl(e.m->fd, ALTP2M_MONITOR_REMOVE_BREAKPOINT, &b), -1);
	EXPECT_EQ(errno, EINVAL);
	/* The shadow frame cannot go while a breakpoint lives in it. */
	EXPECT_EQ(hidden_frames(e.vm, ALTP2M_REMOVE_HIDDEN_FRAMES, SHADOW_GFN,
				1), -1);
	EXPECT_EQ(errno, EBUSY);
	EXPECT_EQ(__bp_call(&e, ALTP2M_MONITOR_REMOVE_BREAKPOINT, id, &b), 0);
	EXPECT_EQ(__bp_call(&e, ALTP2M_MONITOR_REMOVE_BREAKPOINT, id, &b), -1);
	EXPECT_EQ(errno, ENOENT);
	EXPECT_EQ(hidden_frames(e.vm, ALTP2M_REMOVE_HIDDEN_FRAMES, SHADOW_GFN,
				1), 0);
	env_free(&e);
}

TEST_HARNESS_MAIN
