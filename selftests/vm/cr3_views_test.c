// SPDX-License-Identifier: GPL-2.0
/*
 * CR3 views (the uAPI's "CR3 views", kmod/cr3_views.c): a table on the
 * monitor fd that moves a vCPU to a view when its guest writes CR3. The
 * guest switches between page-table roots that all map the same code and
 * data (copies of the one vm_create() builds); views 1 and 2 remap one
 * data page to frames holding 1 and 2 (view 0 reads 0), so what the guest
 * reads after each write says which view it is on. No event reaches the
 * ring for any of it; the switches and exits are counted.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/monitor_util.h"
#include "../lib/harness.h"

#define EV_TIMEOUT_MS		60000
#define EXIT_CR_ACCESS		28
#define VMX_BASIC_TRUE_CTLS	(1ULL << 55)
#define PTI_MASK		(ALTP2M_MON_CR3_MASK_DEFAULT & ~(1ULL << 12))
#define CUR			ALTP2M_MON_VIEW_CURRENT

/* ------------------------------------------------------ guest side */

/* The CR3 the guest writes next (the host sets it before each run). */
static uint64_t next_cr3;

/* Write next_cr3, report what the data page holds; forever. */
static void guest_cr3_switcher(uint64_t data_gva)
{
	uint64_t *data = (uint64_t *)data_gva;
	uint64_t cr3;

	for (;;) {
		cr3 = READ_ONCE(next_cr3);
		__asm__ __volatile__("mov %0, %%cr3" : : "r"(cr3) : "memory");
		GUEST_SYNC(READ_ONCE(*data));
	}
}

/* ------------------------------------------------------- host side */

/*
 * A VM with @nr_vcpus vCPUs running @guest_fn(data page), views 1 and 2
 * remapping the data page, and page-table roots: A (the one vm_create()
 * built), and an 8 KiB-aligned pair P, P | 0x1000 (a PTI pair: kernel and
 * user CR3 of one process), copies of A.
 */
struct fixture {
	struct vm *vm;
	struct vcpu *vcpu[2];
	uint64_t data;
	uint64_t a, p, p_user;
};

static void fixture_init(struct altp2m_test *_t, struct fixture *f,
			 unsigned int nr_vcpus, void *guest_fn)
{
	struct altp2m_sregs s;
	uint64_t one, two, pair;
	unsigned int i;

	f->vm = vm_create(0);
	for (i = 0; i < nr_vcpus; i++)
		f->vcpu[i] = vcpu_add(f->vm, i, guest_fn);
	f->data = vm_alloc(f->vm, 4096, 4096);
	one = vm_alloc(f->vm, 4096, 4096);
	two = vm_alloc(f->vm, 4096, 4096);
	*(uint64_t *)addr_gpa2hva(f->vm, f->data) = 0;
	*(uint64_t *)addr_gpa2hva(f->vm, one) = 1;
	*(uint64_t *)addr_gpa2hva(f->vm, two) = 2;
	for (i = 0; i < nr_vcpus; i++)
		vcpu_args_set(f->vcpu[i], 1, f->data);

	vcpu_sregs_get(f->vcpu[0], &s);
	f->a = s.cr3;
	pair = vm_alloc(f->vm, 8192, 8192);
	f->p = pair;
	f->p_user = pair | 0x1000;
	memcpy(addr_gpa2hva(f->vm, f->p), addr_gpa2hva(f->vm, f->a), 4096);
	memcpy(addr_gpa2hva(f->vm, f->p_user), addr_gpa2hva(f->vm, f->a),
	       4096);
	ASSERT_EQ(f->a & 0xfff, 0);
	ASSERT_NE(f->a, f->p);
	ASSERT_NE(f->a, f->p_user);

	vm_views_enable(f->vm, 0);
	ASSERT_EQ(vm_view_create(f->vm, ALTP2M_ACCESS_DEFAULT), 1);
	ASSERT_EQ(vm_view_create(f->vm, ALTP2M_ACCESS_DEFAULT), 2);
	vm_remap_gfn(f->vm, 1, f->data >> 12, one >> 12);
	vm_remap_gfn(f->vm, 2, f->data >> 12, two >> 12);
}

/* The guest writes @cr3 and reads the data page: which view it is on. */
static uint64_t guest_write_cr3(struct altp2m_test *_t, struct vcpu *vcpu,
				uint64_t cr3)
{
	struct ucall uc;

	*(uint64_t *)addr_gva2hva(vcpu->vm, (uintptr_t)&next_cr3) = cr3;
	ASSERT_EQ(vcpu_run_ucall(vcpu, &uc), UCALL_SYNC);
	return uc.args[0];
}

/* ALTP2M_GET_VCPU_VIEWS' answer for vCPU @id. */
static uint32_t vm_vcpu_view(struct altp2m_test *_t, struct vm *vm,
			     uint32_t id)
{
	struct altp2m_vcpu_views vv = { 0 };

	ASSERT_EQ(ioctl(vm->fd, ALTP2M_GET_VCPU_VIEWS, &vv), 0);
	ASSERT_TRUE(vv.present & (1ULL << id));
	return vv.view[id];
}

/* The guest is on @view by what it read, and by both ioctls. */
#define EXPECT_ON(f, cpu, read, view) do {				\
		struct vcpu *_v = (cpu);				\
		uint32_t _w = (view);					\
									\
		EXPECT_EQ(read, _w);					\
		EXPECT_EQ(vcpu_get_view(_v), _w);			\
		EXPECT_EQ(vm_vcpu_view(_t, (f)->vm, _v->id), _w);	\
	} while (0)

static int __set_cr3_views(struct monitor *m, uint32_t flags, uint64_t mask,
			   uint32_t default_view,
			   const struct altp2m_monitor_cr3_view *e,
			   uint32_t nr)
{
	struct altp2m_monitor_cr3_table t = {
		.flags = flags, .default_view = default_view,
		.cr3_mask = mask, .nr = nr,
		.entries = (uint64_t)(uintptr_t)e,
	};

	return ioctl(m->fd, ALTP2M_MONITOR_SET_CR3_VIEWS, &t);
}

#define set_cr3_views(m, mask, dflt, e, nr)				\
	ASSERT_EQ(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, mask, dflt,	\
				  e, nr), 0)

#define clear_cr3_views(m)						\
	ASSERT_EQ(__set_cr3_views(m, 0, 0, 0, NULL, 0), 0)

static void mon_stats(struct altp2m_test *_t, struct monitor *m,
		      uint32_t vcpu, struct altp2m_monitor_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->vcpu = vcpu;
	ASSERT_EQ(ioctl(m->fd, ALTP2M_MONITOR_GET_STATS, st), 0);
}

static uint64_t cr_exits(struct altp2m_test *_t, struct vcpu *vcpu)
{
	struct altp2m_vcpu_exit_counts c;

	memset(&c, 0, sizeof(c));
	ASSERT_EQ(ioctl(vcpu->fd, ALTP2M_GET_VCPU_EXIT_COUNTS, &c), 0);
	return c.counts[EXIT_CR_ACCESS];
}

static void expect_no_event(struct altp2m_test *_t, struct monitor *m)
{
	struct altp2m_monitor_event ev;

	EXPECT_EQ(monitor_next_event(m, &ev, 0), -1);
}

/*
 * The table moves the vCPU at each write, without an event: A -> view 1,
 * P -> view 2, anything else -> view 0; the PCID/PWT/PCD bits and bit 63
 * of the write do not count (default mask). Installing applies the table
 * at once to every vCPU's current CR3, also to one that never ran.
 */
TEST(switches_without_events)
{
	struct altp2m_monitor_cr3_view e[2];
	struct altp2m_monitor_stats st;
	struct fixture f;
	struct altp2m_sregs s;
	struct vcpu *v;
	struct monitor *m;

	fixture_init(_t, &f, 2, guest_cr3_switcher);
	v = f.vcpu[0];
	vcpu_sregs_get(f.vcpu[1], &s);
	s.cr3 = f.p;
	vcpu_sregs_set(f.vcpu[1], &s);
	m = monitor_attach(f.vm, 0, 0);
	e[0] = (struct altp2m_monitor_cr3_view){ .cr3 = f.a, .view = 1 };
	e[1] = (struct altp2m_monitor_cr3_view){ .cr3 = f.p, .view = 2 };
	set_cr3_views(m, 0, 0, e, 2);
	/* Applied before either vCPU entered: by their CR3 now. */
	EXPECT_EQ(vcpu_get_view(v), 1);
	EXPECT_EQ(vm_vcpu_view(_t, f.vm, 0), 1);
	EXPECT_EQ(vm_vcpu_view(_t, f.vm, 1), 2);

	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p), 2);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p_user), 0);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a | 0x18), 1);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a), 1);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p | 0x800), 2);
	/* The other vCPU runs on its own table entry. */
	EXPECT_ON(&f, f.vcpu[1], guest_write_cr3(_t, f.vcpu[1], f.a), 1);

	expect_no_event(_t, m);
	mon_stats(_t, m, 0, &st);
	EXPECT_EQ(st.cr3_exits, 5);
	/* The install's 0 -> 1, then 1 -> 2 -> 0 -> 1, 1 -> 2. */
	EXPECT_EQ(st.cr3_switches, 5);
	EXPECT_EQ(st.events, 0);
	mon_stats(_t, m, 1, &st);
	EXPECT_EQ(st.cr3_exits, 1);
	EXPECT_EQ(st.cr3_switches, 2);
	monitor_close(m);
	vm_free(f.vm);
}

/*
 * A default view of ALTP2M_MON_VIEW_CURRENT leaves a vCPU where it is; a
 * mask with bit 12 clear makes a PTI pair one CR3; a new table replaces
 * the old one whole; removing it stops the switches and CR3-load exiting.
 */
TEST(pti_mask_replace_remove)
{
	struct altp2m_monitor_cr3_view e[2];
	struct altp2m_monitor_stats st;
	struct altp2m_caps caps;
	struct fixture f;
	struct vcpu *v;
	struct monitor *m;
	uint64_t exits, cr;

	fixture_init(_t, &f, 1, guest_cr3_switcher);
	v = f.vcpu[0];
	m = monitor_attach(f.vm, 0, 0);
	/* Default mask: P and P | 0x1000 are two processes. */
	e[0] = (struct altp2m_monitor_cr3_view){ .cr3 = f.p, .view = 2 };
	set_cr3_views(m, 0, CUR, e, 1);
	EXPECT_EQ(vcpu_get_view(v), 0);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p), 2);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p_user), 2);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a), 2);

	/* The PTI mask: the pair is one; replaced while on view 2 by A. */
	e[0] = (struct altp2m_monitor_cr3_view){ .cr3 = f.p_user, .view = 1 };
	e[1] = (struct altp2m_monitor_cr3_view){ .cr3 = f.a, .view = 0 };
	set_cr3_views(m, PTI_MASK, 2, e, 2);
	EXPECT_EQ(vcpu_get_view(v), 0);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p), 1);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a), 0);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p_user), 1);
	/* Under the PTI mask the two entries of one pair clash. */
	e[0] = (struct altp2m_monitor_cr3_view){ .cr3 = f.p, .view = 1 };
	e[1] = (struct altp2m_monitor_cr3_view){ .cr3 = f.p_user, .view = 2 };
	EXPECT_EQ(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, PTI_MASK, 0,
				  e, 2), -1);
	EXPECT_EQ(errno, EINVAL);
	/* Refused: the table before it is still there. */
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a), 0);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p), 1);

	mon_stats(_t, m, 0, &st);
	exits = st.cr3_exits;
	EXPECT_EQ(exits, 8);
	cr = cr_exits(_t, v);
	clear_cr3_views(m);
	/* Gone: no switch, no count, and MOV to CR3 no longer exits. */
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a), 1);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p_user), 1);
	mon_stats(_t, m, 0, &st);
	EXPECT_EQ(st.cr3_exits, exits);
	vm_caps(f.vm, &caps);
	if (caps.msr_vmx_basic & VMX_BASIC_TRUE_CTLS)
		EXPECT_EQ(cr_exits(_t, v), cr);
	else
		TH_LOG("CPU without true VMX controls: CR3 exits stay on");
	/* Removing what is not there is fine. */
	clear_cr3_views(m);
	expect_no_event(_t, m);
	monitor_close(m);
	vm_free(f.vm);
}

/*
 * An entry whose view is destroyed after the install is skipped: the
 * vCPU stays where it is, the write is counted, no switch is.
 */
TEST(destroyed_view_skipped)
{
	struct altp2m_monitor_cr3_view e[2];
	struct altp2m_monitor_stats st;
	struct fixture f;
	struct vcpu *v;
	struct monitor *m;

	fixture_init(_t, &f, 1, guest_cr3_switcher);
	v = f.vcpu[0];
	m = monitor_attach(f.vm, 0, 0);
	e[0] = (struct altp2m_monitor_cr3_view){ .cr3 = f.a, .view = 1 };
	e[1] = (struct altp2m_monitor_cr3_view){ .cr3 = f.p, .view = 2 };
	set_cr3_views(m, 0, CUR, e, 2);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a), 1);
	vm_view_destroy(f.vm, 2);
	mon_stats(_t, m, 0, &st);
	EXPECT_EQ(st.cr3_switches, 1);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p), 1);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a), 1);
	mon_stats(_t, m, 0, &st);
	EXPECT_EQ(st.cr3_exits, 3);
	EXPECT_EQ(st.cr3_switches, 1);
	/* Installing a table that names it now is ESRCH. */
	EXPECT_EQ(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, CUR, e, 2), -1);
	EXPECT_EQ(errno, ESRCH);
	monitor_close(m);
	vm_free(f.vm);
}

/*
 * Closing the monitor removes the table and puts back the vCPUs it moved
 * (step 5 of "Closing"): the view they were on before the monitor's first
 * switch. After it CR3 writes move nobody.
 */
TEST(close_removes_and_puts_back)
{
	struct altp2m_monitor_cr3_view e[2];
	struct fixture f;
	struct vcpu *v;
	struct monitor *m;

	fixture_init(_t, &f, 1, guest_cr3_switcher);
	v = f.vcpu[0];
	m = monitor_attach(f.vm, 0, 0);
	e[0] = (struct altp2m_monitor_cr3_view){ .cr3 = f.a, .view = 1 };
	e[1] = (struct altp2m_monitor_cr3_view){ .cr3 = f.p, .view = 2 };
	set_cr3_views(m, 0, CUR, e, 2);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p), 2);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a), 1);
	monitor_close(m);
	EXPECT_EQ(vcpu_get_view(v), 0);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.p), 0);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a), 0);

	/* A vCPU the VMM moved after the table did stays where it is. */
	m = monitor_attach(f.vm, 0, 0);
	set_cr3_views(m, 0, CUR, e, 2);
	EXPECT_EQ(vcpu_get_view(v), 1);
	vcpu_set_view(v, 2);
	monitor_close(m);
	EXPECT_EQ(vcpu_get_view(v), 2);
	EXPECT_ON(&f, v, guest_write_cr3(_t, v, f.a), 2);
	vm_free(f.vm);
}

/* ------------------------------------------- with a sync CR3 event */

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

/* The guest writes @cr3 in a thread of its own: a sync event parks it. */
static void run_async(struct altp2m_test *_t, struct runner *r, uint64_t cr3)
{
	*(uint64_t *)addr_gva2hva(r->vcpu->vm, (uintptr_t)&next_cr3) = cr3;
	ASSERT_EQ(pthread_create(&r->th, NULL, runner_fn, r), 0);
}

/* Back from the guest with what it read. */
static uint64_t run_wait(struct altp2m_test *_t, struct runner *r)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += EV_TIMEOUT_MS / 1000;
	ASSERT_EQ(pthread_timedjoin_np(r->th, NULL, &ts), 0);
	ASSERT_EQ(r->type, UCALL_SYNC);
	return r->uc.args[0];
}

static void cr3_event(struct altp2m_test *_t, struct monitor *m,
		      struct altp2m_monitor_event *ev, uint64_t cr3)
{
	ASSERT_EQ(monitor_next_event(m, ev, EV_TIMEOUT_MS), 0);
	ASSERT_EQ(ev->type, ALTP2M_MON_EV_CR);
	EXPECT_EQ(ev->u.cr.index, 3);
	EXPECT_EQ(ev->u.cr.new_value, cr3);
}

static void respond(struct altp2m_test *_t, struct monitor *m,
		    const struct altp2m_monitor_event *ev, uint32_t flags,
		    uint32_t view)
{
	struct altp2m_monitor_response r = {
		.flags = flags, .vcpu = ev->vcpu, .seq = ev->seq,
		.view = view,
	};

	ASSERT_EQ(__monitor_respond(m, &r), 0);
}

/*
 * With a sync CR3 event enabled too, the table switches when the write
 * happens: after a "continue" response, not while parked, not with DENY;
 * a response that switches the view itself has the last word.
 */
TEST_TIMEOUT(sync_event_then_switch, 180)
{
	struct altp2m_monitor_cr3_view e[2];
	struct altp2m_monitor_event ev;
	struct altp2m_monitor_stats st;
	struct fixture f;
	struct runner r;
	struct monitor *m;

	fixture_init(_t, &f, 1, guest_cr3_switcher);
	r.vcpu = f.vcpu[0];
	m = monitor_attach(f.vm, 0, 0);
	e[0] = (struct altp2m_monitor_cr3_view){ .cr3 = f.a, .view = 1 };
	e[1] = (struct altp2m_monitor_cr3_view){ .cr3 = f.p, .view = 2 };
	set_cr3_views(m, 0, 0, e, 2);
	EXPECT_EQ(vcpu_get_view(r.vcpu), 1);
	monitor_set_event(m, ALTP2M_MON_EV_CR,
			  ALTP2M_MON_CTL_ENABLE | ALTP2M_MON_CTL_SYNC, 3, 0);

	/* Parked: not written, not switched; "continue": both. */
	run_async(_t, &r, f.p);
	cr3_event(_t, m, &ev, f.p);
	EXPECT_EQ(ev.view, 1);
	EXPECT_EQ(vm_vcpu_view(_t, f.vm, 0), 1);
	respond(_t, m, &ev, 0, 0);
	EXPECT_EQ(run_wait(_t, &r), 2);
	EXPECT_EQ(vcpu_get_view(r.vcpu), 2);

	/* DENY: CR3 stays P, the vCPU on view 2. */
	run_async(_t, &r, f.a);
	cr3_event(_t, m, &ev, f.a);
	respond(_t, m, &ev, ALTP2M_MON_RSP_DENY, 0);
	EXPECT_EQ(run_wait(_t, &r), 2);
	EXPECT_EQ(vcpu_get_view(r.vcpu), 2);
	EXPECT_EQ(ev.regs.cr3, f.p);

	/* The response's own switch wins over the table's (view 0). */
	run_async(_t, &r, f.p_user);
	cr3_event(_t, m, &ev, f.p_user);
	respond(_t, m, &ev, ALTP2M_MON_RSP_SWITCH_VIEW, 1);
	EXPECT_EQ(run_wait(_t, &r), 1);
	EXPECT_EQ(vcpu_get_view(r.vcpu), 1);

	mon_stats(_t, m, 0, &st);
	/*
	 * Written twice (not the denied one); moved at the install, to 2,
	 * and to 0 before the response's own switch to 1.
	 */
	EXPECT_EQ(st.cr3_exits, 2);
	EXPECT_EQ(st.cr3_switches, 3);
	EXPECT_EQ(st.events, 3);
	monitor_close(m);
	vm_free(f.vm);
}

/* ---------------------------------------- installed while running */

/* What guest_spinner read last, plus one (0: nothing yet); its stop. */
static uint64_t spin_seen, spin_stop;

/* Read the data page until told to stop: no exit of its own. */
static void guest_spinner(uint64_t data_gva)
{
	uint64_t *data = (uint64_t *)data_gva;

	while (!READ_ONCE(spin_stop))
		WRITE_ONCE(spin_seen, READ_ONCE(*data) + 1);
	GUEST_SYNC(READ_ONCE(*data));
}

/* Until the guest reports @want (bounded: false after @secs). */
static bool wait_seen(struct vm *vm, uint64_t want, unsigned int secs)
{
	uint64_t end = test_now_ms() + secs * 1000ULL;

	while (READ_ONCE(guest_global(vm, spin_seen)) != want)
		if (test_now_ms() > end)
			return false;
	return true;
}

/*
 * A vCPU in the guest, in a loop that never exits by itself, is stopped
 * and moved by the install before SET_CR3_VIEWS returns; the removal
 * leaves it where it is.
 */
TEST_TIMEOUT(install_moves_running_vcpu, 180)
{
	struct altp2m_monitor_cr3_view e[1];
	struct altp2m_monitor_stats st;
	struct fixture f;
	struct runner r;
	struct monitor *m;

	fixture_init(_t, &f, 1, guest_spinner);
	r.vcpu = f.vcpu[0];
	/* Timer exits let this thread run on a one-CPU machine. */
	vcpu_set_if(r.vcpu, true);
	m = monitor_attach(f.vm, 0, 0);
	ASSERT_EQ(pthread_create(&r.th, NULL, runner_fn, &r), 0);
	ASSERT_TRUE(wait_seen(f.vm, 1, 60));

	e[0] = (struct altp2m_monitor_cr3_view){ .cr3 = f.a, .view = 2 };
	set_cr3_views(m, 0, CUR, e, 1);
	EXPECT_EQ(vm_vcpu_view(_t, f.vm, 0), 2);
	ASSERT_TRUE(wait_seen(f.vm, 3, 60));
	clear_cr3_views(m);
	EXPECT_EQ(vm_vcpu_view(_t, f.vm, 0), 2);

	WRITE_ONCE(guest_global(f.vm, spin_stop), 1);
	EXPECT_EQ(run_wait(_t, &r), 2);
	mon_stats(_t, m, 0, &st);
	EXPECT_EQ(st.cr3_exits, 0);
	EXPECT_EQ(st.cr3_switches, 1);
	monitor_close(m);
	vm_free(f.vm);
}

/* ------------------------------------------------------ bad input */

TEST(bad_input)
{
	struct altp2m_monitor_cr3_view e[3];
	struct altp2m_monitor_cr3_table t;
	struct altp2m_monitor_stats st;
	struct fixture f;
	struct monitor *m;
	void *unmapped;
	char *edge;

	fixture_init(_t, &f, 1, guest_cr3_switcher);
	m = monitor_attach(f.vm, 0, 0);
	e[0] = (struct altp2m_monitor_cr3_view){ .cr3 = f.a, .view = 1 };
	e[1] = (struct altp2m_monitor_cr3_view){ .cr3 = f.p, .view = 2 };
	e[2] = (struct altp2m_monitor_cr3_view){ .cr3 = f.p_user, .view = 0 };

#define EXPECT_ERR(call, err) do {					\
		errno = 0;						\
		EXPECT_EQ(call, -1);					\
		EXPECT_EQ(errno, err);					\
	} while (0)
	/* Flags, padding, reserved. */
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE | 2, 0, 0, e, 2),
		   EINVAL);
	memset(&t, 0, sizeof(t));
	t.flags = ALTP2M_MON_CR3_ENABLE;
	t.nr = 2;
	t.entries = (uintptr_t)e;
	t.pad = 1;
	EXPECT_ERR(ioctl(m->fd, ALTP2M_MONITOR_SET_CR3_VIEWS, &t), EINVAL);
	t.pad = 0;
	t.reserved[3] = 1;
	EXPECT_ERR(ioctl(m->fd, ALTP2M_MONITOR_SET_CR3_VIEWS, &t), EINVAL);
	e[1].pad = 1;
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 0, e, 2),
		   EINVAL);
	e[1].pad = 0;
	/* Sizes: over the maximum, or entries without ENABLE. */
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 0, e,
				   ALTP2M_MONITOR_MAX_CR3_VIEWS + 1), EINVAL);
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 0, e,
				   0xffffffffu), EINVAL);
	EXPECT_ERR(__set_cr3_views(m, 0, 0, 0, e, 2), EINVAL);
	/* Two entries for one CR3 once masked (PCID bits differ). */
	e[1].cr3 = f.a | 0x5;
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 0, e, 2),
		   EINVAL);
	e[1].cr3 = f.p;
	/* Views that do not exist: an entry's, the default. */
	e[1].view = 3;
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 0, e, 2),
		   ESRCH);
	e[1].view = 0xfffe;
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 0, e, 2),
		   ESRCH);
	e[1].view = CUR;
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 0, e, 2),
		   ESRCH);
	e[1].view = 2;
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 9, e, 2),
		   ESRCH);
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0,
				   ALTP2M_MAX_VIEWS, e, 2), ESRCH);
	/* Bad pointers: the entries, the struct. */
	unmapped = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	ASSERT_NE(unmapped, MAP_FAILED);
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 0,
				   unmapped, 1), EFAULT);
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 0,
				   (void *)(uintptr_t)1, 2), EFAULT);
	/* Entries running off the end of readable memory. */
	edge = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(edge, MAP_FAILED);
	ASSERT_EQ(munmap(edge + 4096, 4096), 0);
	memcpy(edge + 4096 - sizeof(e[0]), &e[0], sizeof(e[0]));
	EXPECT_ERR(__set_cr3_views(m, ALTP2M_MON_CR3_ENABLE, 0, 0,
				   (void *)(edge + 4096 - sizeof(e[0])), 2),
		   EFAULT);
	EXPECT_ERR(ioctl(m->fd, ALTP2M_MONITOR_SET_CR3_VIEWS, unmapped),
		   EFAULT);
	EXPECT_ERR(ioctl(m->fd, ALTP2M_MONITOR_SET_CR3_VIEWS, NULL), EFAULT);
#undef EXPECT_ERR

	/* Nothing of it installed a table: writes move nobody. */
	EXPECT_ON(&f, f.vcpu[0], guest_write_cr3(_t, f.vcpu[0], f.a), 0);
	EXPECT_ON(&f, f.vcpu[0], guest_write_cr3(_t, f.vcpu[0], f.p), 0);
	mon_stats(_t, m, 0, &st);
	EXPECT_EQ(st.cr3_exits, 0);
	EXPECT_EQ(st.cr3_switches, 0);
	/* The good table after all that works: an empty one, default 2. */
	set_cr3_views(m, 0, 2, NULL, 0);
	EXPECT_EQ(vcpu_get_view(f.vcpu[0]), 2);
	EXPECT_ON(&f, f.vcpu[0], guest_write_cr3(_t, f.vcpu[0], f.a), 2);
	munmap(unmapped, 4096);
	munmap(edge, 4096);
	monitor_close(m);
	vm_free(f.vm);
}

TEST_HARNESS_MAIN
