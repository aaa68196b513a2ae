// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libaltp2m's monitor fd (lib/introspect.c) over a fake
 * transport: the rings are ordinary memory laid out as the module lays
 * them out, the ioctls are answered by a script, so ring consumption,
 * response checks, memory splitting and the errors run without a kernel.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/internal.h"
#include "unit.h"

#define ENTRIES		4
#define RING_BYTES	8192	/* header page and 4 entries, in pages */

struct monfd {
	unsigned char *rings;	/* ALTP2M_MAX_VCPUS * RING_BYTES */
	uint64_t present;
	int revents;		/* what poll says; -1: readable iff a ring has events */
	int polls, closed, unmapped;
	int ioctls;
	unsigned long last_cmd;
	struct altp2m_monitor_response rsp;	/* the last RESPOND */
	struct altp2m_batch_op rsp_ops[4];
	int rsp_err;
	struct altp2m_monitor_pause pause;
	/* Guest memory for READ/WRITE_MEM: [0, mem_len) exists. */
	unsigned char *mem;
	uint64_t mem_len;
	int mem_calls;
	uint64_t mem_max_chunk;
	uint32_t ring_entries_lie;	/* a header that says otherwise */
	struct altp2m_hidden_frames hidden;	/* the last ADD/REMOVE_HIDDEN */
	int hidden_err;
	/* The last guest-RAM mmap: offset, length, protection; its answer. */
	uint64_t map_off;
	size_t map_len;
	int map_prot, map_err;
	unsigned char map_area[8192];
};

static struct altp2m_monitor_ring *hdr(struct monfd *f, unsigned int v)
{
	return (void *)(f->rings + (size_t)v * RING_BYTES);
}

static bool any_event(struct monfd *f)
{
	unsigned int v;

	for (v = 0; v < ALTP2M_MAX_VCPUS; v++)
		if (hdr(f, v)->prod != hdr(f, v)->cons)
			return true;
	return false;
}

static int f_ioctl(void *priv, unsigned long cmd, void *arg)
{
	struct monfd *f = priv;

	f->ioctls++;
	f->last_cmd = cmd;
	switch (cmd) {
	case ALTP2M_GET_VCPU_VIEWS: {
		struct altp2m_vcpu_views *vv = arg;

		vv->present = f->present;
		return 0;
	}
	case ALTP2M_MONITOR_RESPOND: {
		const struct altp2m_monitor_response *r = arg;

		f->rsp = *r;
		if (r->flags & ALTP2M_MON_RSP_ACCESS)
			memcpy(f->rsp_ops, (void *)(uintptr_t)r->ops,
			       r->nr_ops * sizeof(f->rsp_ops[0]));
		return f->rsp_err;
	}
	case ALTP2M_MONITOR_PAUSE:
	case ALTP2M_MONITOR_RESUME:
		f->pause = *(struct altp2m_monitor_pause *)arg;
		return 0;
	case ALTP2M_MONITOR_READ_MEM:
	case ALTP2M_MONITOR_WRITE_MEM: {
		struct altp2m_monitor_mem *a = arg;
		uint64_t n = 0;

		f->mem_calls++;
		if (a->len > f->mem_max_chunk)
			f->mem_max_chunk = a->len;
		if (a->len > ALTP2M_MONITOR_MAX_MEM)
			return -EINVAL;
		if (a->addr < f->mem_len)
			n = f->mem_len - a->addr < a->len ?
			    f->mem_len - a->addr : a->len;
		if (cmd == ALTP2M_MONITOR_READ_MEM)
			memcpy((void *)(uintptr_t)a->buf, f->mem + a->addr, n);
		else
			memcpy(f->mem + a->addr, (void *)(uintptr_t)a->buf, n);
		a->done = n;
		a->fault_addr = a->addr + n;
		return 0;
	}
	case ALTP2M_MONITOR_TRANSLATE: {
		struct altp2m_monitor_translate *t = arg;

		if (t->gva >= 0x1000) {
			t->error = 0x4;
			return -ENXIO;
		}
		t->gpa = t->gva + 0x100000;
		return 0;
	}
	case ALTP2M_MONITOR_GET_VCPU_STATE:
		return -EBUSY;
	case ALTP2M_ADD_HIDDEN_FRAMES:
	case ALTP2M_REMOVE_HIDDEN_FRAMES:
		f->hidden = *(struct altp2m_hidden_frames *)arg;
		return f->hidden_err;
	case ALTP2M_MONITOR_GET_STATS: {
		struct altp2m_monitor_stats *st = arg;
		unsigned int i;

		/* What the module checks: no flags, reserved zero. */
		for (i = 0; i < sizeof(st->reserved) / sizeof(st->reserved[0]); i++)
			if (st->reserved[i])
				return -EINVAL;
		if (st->flags)
			return -EINVAL;
		if (st->vcpu >= ALTP2M_MAX_VCPUS ||
		    !(f->present & (UINT64_C(1) << st->vcpu)))
			return -ENOENT;
		st->poll_hits = 7;
		st->poll_misses = 3;
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static void *f_map(void *priv, size_t len, int *err)
{
	struct monfd *f = priv;

	(void)err;
	ck_assert_uint_eq(len, (size_t)ALTP2M_MAX_VCPUS * RING_BYTES);
	return f->rings;
}

static void *f_map_gpa(void *priv, uint64_t off, size_t len, int prot,
		       int *err)
{
	struct monfd *f = priv;

	f->map_off = off;
	f->map_len = len;
	f->map_prot = prot;
	if (f->map_err) {
		*err = f->map_err;
		return NULL;
	}
	return f->map_area;
}

static void f_unmap(void *priv, void *addr, size_t len)
{
	struct monfd *f = priv;

	(void)addr;
	(void)len;
	f->unmapped++;
}

static int f_poll(void *priv, int timeout_ms)
{
	struct monfd *f = priv;

	(void)timeout_ms;
	f->polls++;
	if (f->revents >= 0)
		return f->revents;
	return any_event(f) ? POLLIN : 0;
}

static int f_fd(void *priv)
{
	(void)priv;
	return 77;
}

static void f_close(void *priv)
{
	struct monfd *f = priv;

	f->closed++;
}

static const struct altp2m__mon_transport fake_tr = {
	.ioctl = f_ioctl,
	.map = f_map,
	.unmap = f_unmap,
	.map_gpa = f_map_gpa,
	.poll = f_poll,
	.fd = f_fd,
	.close = f_close,
};

/* A VM whose vCPUs are @present, each with an empty ring. */
static void fake_init(struct monfd *f, uint64_t present)
{
	unsigned int v;

	memset(f, 0, sizeof(*f));
	f->rings = calloc(ALTP2M_MAX_VCPUS, RING_BYTES);
	ck_assert_ptr_nonnull(f->rings);
	f->present = present;
	f->revents = -1;
	for (v = 0; v < ALTP2M_MAX_VCPUS; v++) {
		if (!(present & (UINT64_C(1) << v)))
			continue;
		hdr(f, v)->entries = ENTRIES;
		hdr(f, v)->vcpu = v;
	}
}

static void fake_free(struct monfd *f)
{
	free(f->rings);
	free(f->mem);
}

/* vCPU @v gets a ring now (as the module does at CREATE_VCPU). */
static void fake_add_vcpu(struct monfd *f, unsigned int v)
{
	f->present |= UINT64_C(1) << v;
	hdr(f, v)->entries = ENTRIES;
	hdr(f, v)->vcpu = v;
}

/* The module's side: write event @seq to @v's ring, then publish it. */
static void produce(struct monfd *f, unsigned int v, uint64_t seq,
		    uint32_t type)
{
	struct altp2m_monitor_ring *h = hdr(f, v);
	struct altp2m_monitor_event *ev;

	ev = (void *)((unsigned char *)h + ALTP2M_MONITOR_RING_HDR +
		      (h->prod % ENTRIES) * ALTP2M_MONITOR_EVENT_SIZE);
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->seq = seq;
	ev->vcpu = v;
	ev->flags = ALTP2M_MON_EVF_SYNC;
	ev->regs.rip = 0x1000 + seq;
	h->prod++;
}

static struct altp2m_mon *open_fake(struct monfd *f)
{
	struct altp2m_monitor_attach att = {
		.vm_id = 5, .ring_entries = ENTRIES, .ring_bytes = RING_BYTES,
	};
	struct altp2m_mon *m;
	char err[256] = "";

	ck_assert_int_eq(altp2m__mon_open_transport(&m, &fake_tr, f, &att, err,
						    sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(altp2m_mon_vm_id(m), 5);
	ck_assert_int_eq(altp2m_mon_fd(m), 77);
	return m;
}

START_TEST(rings_in_turn)
{
	struct altp2m_monitor_event ev;
	struct altp2m_mon *m;
	struct monfd f;

	fake_init(&f, 0x5);	/* vCPUs 0 and 2 */
	m = open_fake(&f);
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), 0);
	produce(&f, 0, 1, ALTP2M_MON_EV_VIOLATION);
	produce(&f, 0, 2, ALTP2M_MON_EV_CR);
	produce(&f, 2, 3, ALTP2M_MON_EV_BREAKPOINT);
	/* vCPU 0, then 2 (its turn), then 0 again. */
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), 1);
	ck_assert_uint_eq(ev.seq, 1);
	ck_assert_uint_eq(ev.regs.rip, 0x1001);
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), 1);
	ck_assert_uint_eq(ev.seq, 3);
	ck_assert_uint_eq(ev.vcpu, 2);
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, -1), 1);
	ck_assert_uint_eq(ev.seq, 2);
	ck_assert_uint_eq(ev.type, ALTP2M_MON_EV_CR);
	/* Every slot released to the module. */
	ck_assert_uint_eq(hdr(&f, 0)->cons, 2);
	ck_assert_uint_eq(hdr(&f, 2)->cons, 1);
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), 0);
	ck_assert_str_eq(altp2m_mon_errmsg(m), "");
	altp2m_mon_close(m);
	ck_assert_int_eq(f.closed, 1);
	ck_assert_int_eq(f.unmapped, 1);
	fake_free(&f);
}
END_TEST

/* Free-running indices wrap at 2^32 and the slots at ENTRIES. */
START_TEST(rings_wrap)
{
	struct altp2m_monitor_event ev;
	struct altp2m_mon *m;
	struct monfd f;
	uint64_t seq;

	fake_init(&f, 0x1);
	hdr(&f, 0)->prod = UINT32_MAX - 5;
	hdr(&f, 0)->cons = UINT32_MAX - 5;
	m = open_fake(&f);
	for (seq = 1; seq <= 20; seq++) {
		produce(&f, 0, seq, ALTP2M_MON_EV_MSR);
		if (seq % 3)
			continue;
		/* Three at a time: fewer than ENTRIES in flight. */
		ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), 1);
		ck_assert_uint_eq(ev.seq, seq - 2);
		ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), 1);
		ck_assert_uint_eq(ev.seq, seq - 1);
		ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), 1);
		ck_assert_uint_eq(ev.seq, seq);
	}
	ck_assert_uint_eq(hdr(&f, 0)->cons, (uint32_t)(UINT32_MAX - 5 + 18));
	altp2m_mon_close(m);
	fake_free(&f);
}
END_TEST

/* A prod more than ENTRIES ahead: nothing read, nothing consumed. */
START_TEST(rings_untrusted_prod)
{
	struct altp2m_monitor_event ev;
	struct altp2m_error e = { .sz = sizeof(e) };
	struct altp2m_mon *m;
	struct monfd f;

	fake_init(&f, 0x1);
	m = open_fake(&f);
	hdr(&f, 0)->prod = ENTRIES + 1;
	memset(&ev, 0xaa, sizeof(ev));
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), -EPROTO);
	ck_assert_uint_eq(hdr(&f, 0)->cons, 0);
	ck_assert_uint_eq(ev.seq, 0xaaaaaaaaaaaaaaaaull);
	ck_assert_int_eq(altp2m_mon_last_error(m, &e), 0);
	ck_assert_int_eq(e.err, -EPROTO);
	ck_assert_ptr_nonnull(strstr(e.msg, "more than its 4 entries"));
	/* Our own cons: a scribbled ring @cons does not move us. */
	hdr(&f, 0)->prod = 1;
	produce(&f, 0, 9, ALTP2M_MON_EV_CPUID);	/* slot 1 */
	hdr(&f, 0)->cons = 1000;
	/* Slot 0 holds junk; it is read as the module left it. */
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), 1);
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), 1);
	ck_assert_uint_eq(ev.seq, 9);
	ck_assert_uint_eq(hdr(&f, 0)->cons, 2);
	altp2m_mon_close(m);
	fake_free(&f);
}
END_TEST

START_TEST(rings_new_vcpu_and_hangup)
{
	struct altp2m_monitor_event ev;
	struct altp2m_mon *m;
	struct monfd f;
	uint64_t dropped = 1;

	fake_init(&f, 0x1);
	m = open_fake(&f);
	/* vCPU 3 comes after the attach; its event makes the fd readable. */
	fake_add_vcpu(&f, 3);
	produce(&f, 3, 4, ALTP2M_MON_EV_GUEST_REQUEST);
	hdr(&f, 3)->dropped = 6;
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 100), 1);
	ck_assert_uint_eq(ev.vcpu, 3);
	ck_assert_int_eq(altp2m_mon_dropped(m, 3, &dropped), 0);
	ck_assert_uint_eq(dropped, 6);
	ck_assert_int_eq(altp2m_mon_dropped(m, 9, &dropped), -ENOENT);
	ck_assert_int_eq(altp2m_mon_dropped(m, 64, &dropped), -EINVAL);
	/* Readable but no ring has anything, even after a look: EPROTO. */
	f.revents = POLLIN;
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), -EPROTO);
	/* The VM's fds are gone. */
	f.revents = POLLHUP;
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, -1), -ENODEV);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "the VM is gone"));
	/* Nothing: a timeout. */
	f.revents = 0;
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 10), 0);
	altp2m_mon_close(m);
	fake_free(&f);
}
END_TEST

START_TEST(open_checks)
{
	struct altp2m_monitor_attach att = {
		.vm_id = 5, .ring_entries = ENTRIES, .ring_bytes = RING_BYTES,
	};
	struct altp2m_mon_opts o = { .sz = sizeof(o) };
	struct altp2m_mon *m = (void *)1;
	char err[256];
	struct monfd f;

	fake_init(&f, 0x1);
	/* A ring too small for its entries. */
	att.ring_bytes = 4096;
	ck_assert_int_eq(altp2m__mon_open_transport(&m, &fake_tr, &f, &att,
						    err, sizeof(err)), -EPROTO);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(f.closed, 1);
	ck_assert_ptr_nonnull(strstr(err, "make no sense"));
	/* A header that disagrees with the attach. */
	att.ring_bytes = RING_BYTES;
	hdr(&f, 0)->entries = 8;
	ck_assert_int_eq(altp2m__mon_open_transport(&m, &fake_tr, &f, &att,
						    err, sizeof(err)), -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "says 8 entries"));
	ck_assert_int_eq(f.unmapped, 1);
	/* Options are checked before the device is opened. */
	o.flags = 2;
	ck_assert_int_eq(altp2m_mon_attach(&m, 1, &o, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unknown flags"));
	o.flags = ALTP2M_MONITOR_DROP_VIEWS;
	o.ring_entries = 3;
	ck_assert_int_eq(altp2m_mon_attach(&m, 1, &o, err, sizeof(err)),
			 -EINVAL);
	o.ring_entries = ALTP2M_MONITOR_MAX_RING * 2;
	ck_assert_int_eq(altp2m_mon_attach(&m, 1, &o, err, sizeof(err)),
			 -EINVAL);
	o.ring_entries = 1;
	ck_assert_int_eq(altp2m_mon_attach(&m, 1, &o, err, sizeof(err)),
			 -EINVAL);
	/* A device that is not there. */
	o.ring_entries = 2;
	o.device = "/nonexistent/altp2m";
	ck_assert_int_eq(altp2m_mon_attach(&m, 1, &o, err, sizeof(err)),
			 -ENOENT);
	ck_assert_ptr_nonnull(strstr(err, "module loaded"));
	fake_free(&f);
}
END_TEST

START_TEST(responses)
{
	struct altp2m_batch_builder *b;
	struct altp2m_monitor_response r;
	struct altp2m_monitor_event ev = { .seq = 41, .vcpu = 2 };
	struct altp2m_mon *m;
	struct monfd f;
	int i, n;

	fake_init(&f, 0x5);
	m = open_fake(&f);
	ck_assert_int_eq(altp2m_mon_continue(m, &ev), 0);
	ck_assert_uint_eq(f.last_cmd, ALTP2M_MONITOR_RESPOND);
	ck_assert_uint_eq(f.rsp.flags, 0);
	ck_assert_uint_eq(f.rsp.seq, 41);
	ck_assert_uint_eq(f.rsp.vcpu, 2);
	ck_assert_int_eq(altp2m_mon_switch_view(m, &ev, 3), 0);
	ck_assert_uint_eq(f.rsp.flags, ALTP2M_MON_RSP_SWITCH_VIEW);
	ck_assert_uint_eq(f.rsp.view, 3);
	ck_assert_int_eq(altp2m_mon_fast_singlestep(m, &ev, 1, 2), 0);
	ck_assert_uint_eq(f.rsp.flags, ALTP2M_MON_RSP_FAST_SINGLESTEP);
	ck_assert_uint_eq(f.rsp.step_view, 1);
	ck_assert_uint_eq(f.rsp.view, 2);
	ck_assert_int_eq(altp2m_mon_reinject(m, &ev), 0);
	ck_assert_uint_eq(f.rsp.flags, ALTP2M_MON_RSP_REINJECT);

	/* Relax and step: the batch's operations ride in the response. */
	ck_assert_int_eq(altp2m_batch_new(&b), 0);
	ck_assert_int_eq(altp2m_mon_relax_step(m, &ev, b), -EINVAL);
	ck_assert_int_eq(altp2m_batch_set_access(b, 1, 0x100, 1,
						 ALTP2M_ACCESS_RWX), 0);
	ck_assert_int_eq(altp2m_mon_relax_step(m, &ev, b), 0);
	ck_assert_uint_eq(f.rsp.flags,
			  ALTP2M_MON_RSP_ACCESS | ALTP2M_MON_RSP_SINGLESTEP);
	ck_assert_uint_eq(f.rsp.step_view, ALTP2M_MON_VIEW_CURRENT);
	ck_assert_uint_eq(f.rsp.nr_ops, 1);
	ck_assert_uint_eq(f.rsp_ops[0].gfn, 0x100);
	ck_assert_uint_eq(f.rsp_ops[0].value, ALTP2M_ACCESS_RWX);
	for (i = 0; i < ALTP2M_MONITOR_MAX_OPS; i++)
		ck_assert_int_eq(altp2m_batch_set_access(b, 1, 0x200 + i, 1,
							 ALTP2M_ACCESS_R), 0);
	altp2m_mon_rsp_init(&r, &ev);
	ck_assert_int_eq(altp2m_mon_rsp_set_ops(&r, b), -E2BIG);
	altp2m_batch_free(b);

	/* Malformed: refused here, nothing sent, reason given. */
	n = f.ioctls;
	altp2m_mon_rsp_init(&r, &ev);
	r.flags = 1u << 7;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "unknown flags 0x80"));
	r.flags = ALTP2M_MON_RSP_SINGLESTEP | ALTP2M_MON_RSP_FAST_SINGLESTEP;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	r.flags = ALTP2M_MON_RSP_SWITCH_VIEW;
	r.view = ALTP2M_MAX_VIEWS;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	r.view = ALTP2M_MON_VIEW_CURRENT;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	r.flags = ALTP2M_MON_RSP_SINGLESTEP;
	r.view = 0;
	r.step_view = ALTP2M_MAX_VIEWS;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	r.step_view = 0;
	r.nr_ops = 1;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "without ALTP2M_MON_RSP_ACCESS"));
	r.flags = ALTP2M_MON_RSP_ACCESS;
	r.ops = 0;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	altp2m_mon_rsp_init(&r, &ev);
	r.regs.rip = 5;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	r.flags = ALTP2M_MON_RSP_SET_REGS;
	r.pad = 1;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	r.pad = 0;
	r.reserved[3] = 1;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	altp2m_mon_rsp_init(&r, &ev);
	r.seq = 0;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	r.seq = 1;
	r.vcpu = ALTP2M_MAX_VCPUS;
	ck_assert_int_eq(altp2m_mon_respond(m, &r), -EINVAL);
	ck_assert_int_eq(f.ioctls, n);

	/* The module's no: said with the event. */
	f.rsp_err = -ESRCH;
	ck_assert_int_eq(altp2m_mon_continue(m, &ev), -ESRCH);
	ck_assert_str_eq(altp2m_mon_errmsg(m),
			 "respond: No such process (no event 41 parked on vCPU 2)");
	f.rsp_err = 0;
	ck_assert_int_eq(altp2m_mon_continue(m, &ev), 0);
	ck_assert_str_eq(altp2m_mon_errmsg(m), "");
	altp2m_mon_close(m);
	fake_free(&f);
}
END_TEST

START_TEST(memory_split)
{
	size_t len = 2 * ALTP2M_MONITOR_MAX_MEM + 100, done = 1, i;
	unsigned char *buf = malloc(len);
	struct altp2m_mon *m;
	struct monfd f;
	uint32_t pf = 0;
	uint64_t gpa;

	fake_init(&f, 0x1);
	f.mem_len = len + 50;
	f.mem = malloc(f.mem_len);
	for (i = 0; i < f.mem_len; i++)
		f.mem[i] = i * 7;
	m = open_fake(&f);
	ck_assert_int_eq(altp2m_mon_read_gpa(m, 0, 0, buf, len, &done), 0);
	ck_assert_uint_eq(done, len);
	ck_assert_int_eq(f.mem_calls, 3);
	ck_assert_uint_eq(f.mem_max_chunk, ALTP2M_MONITOR_MAX_MEM);
	ck_assert_int_eq(memcmp(buf, f.mem, len), 0);
	/* A hole: a partial copy, no error, and no call past it. */
	f.mem_calls = 0;
	ck_assert_int_eq(altp2m_mon_read_gpa(m, 1, 100, buf, len, &done), 0);
	ck_assert_uint_eq(done, len - 50);
	ck_assert_int_eq(f.mem_calls, 3);
	f.mem_calls = 0;
	ck_assert_int_eq(altp2m_mon_read_gpa(m, 1, f.mem_len - 10, buf, len,
					     &done), 0);
	ck_assert_uint_eq(done, 10);
	ck_assert_int_eq(f.mem_calls, 1);
	memset(buf, 0x5a, 16);
	ck_assert_int_eq(altp2m_mon_write_gva(m, 0, ALTP2M_MON_VIEW_CURRENT,
					      8, buf, 16, &done), 0);
	ck_assert_uint_eq(done, 16);
	ck_assert_uint_eq(f.mem[8], 0x5a);
	ck_assert_uint_eq(f.mem[23], 0x5a);
	/* Arguments the module would refuse. */
	f.mem_calls = 0;
	ck_assert_int_eq(altp2m_mon_read_gpa(m, ALTP2M_MON_VIEW_CURRENT, 0, buf,
					     16, &done), -EINVAL);
	ck_assert_int_eq(altp2m_mon_read_gpa(m, 0, 0, buf, 16, NULL), -EINVAL);
	ck_assert_int_eq(altp2m_mon_read_gva(m, 64, 0, 0, buf, 16, &done),
			 -EINVAL);
	ck_assert_int_eq(altp2m_mon_read_gpa(m, 0, UINT64_MAX - 4, buf, 16,
					     &done), -EINVAL);
	ck_assert_int_eq(f.mem_calls, 0);
	/* Translation and state. */
	ck_assert_int_eq(altp2m_mon_translate(m, 0, 0x10, 0, &gpa, &pf), 0);
	ck_assert_uint_eq(gpa, 0x100010);
	ck_assert_int_eq(altp2m_mon_translate(m, 0, 0x2000, 0, &gpa, &pf),
			 -ENXIO);
	ck_assert_uint_eq(pf, 4);
	ck_assert_int_eq(altp2m_mon_translate(m, 0, 0, 1u << 3, &gpa, &pf),
			 -EINVAL);
	{
		struct altp2m_regs regs;

		ck_assert_int_eq(altp2m_mon_get_state(m, 1, &regs, NULL, NULL),
				 -EBUSY);
		ck_assert_str_eq(altp2m_mon_errmsg(m),
				 "get vCPU state: Device or resource busy (vCPU 1 is neither paused nor parked on an event)");
		ck_assert_int_eq(altp2m_mon_get_state(m, 1, NULL, NULL, NULL),
				 -EINVAL);
	}
	ck_assert_int_eq(altp2m_mon_pause(m, ALTP2M_VCPU_ALL), 0);
	ck_assert_uint_eq(f.pause.flags, 0);
	ck_assert_int_eq(altp2m_mon_resume(m, 3), 0);
	ck_assert_uint_eq(f.pause.flags, ALTP2M_MON_PAUSE_VCPU);
	ck_assert_uint_eq(f.pause.vcpu, 3);
	ck_assert_int_eq(altp2m_mon_pause(m, 64), -EINVAL);
	ck_assert_int_eq(altp2m_mon_set_event(m, ALTP2M_MON_EV_NR, 1, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(altp2m_mon_set_event(m, ALTP2M_MON_EV_CR, 1, 2, 0),
			 -EINVAL);
	ck_assert_int_eq(altp2m_mon_set_event(m, ALTP2M_MON_EV_VIOLATION,
					      ALTP2M_MON_CTL_ENABLE |
					      ALTP2M_MON_CTL_ONCHANGE, 0, 0),
			 -EINVAL);
	altp2m_mon_close(m);
	fake_free(&f);
	free(buf);
}
END_TEST

START_TEST(event_names)
{
	uint32_t t, back;

	for (t = 0; t < ALTP2M_MON_EV_NR; t++) {
		ck_assert_ptr_nonnull(altp2m_mon_event_name(t));
		ck_assert_int_eq(altp2m_mon_event_parse(altp2m_mon_event_name(t),
							&back), 0);
		ck_assert_uint_eq(back, t);
	}
	ck_assert_ptr_null(altp2m_mon_event_name(ALTP2M_MON_EV_NR));
	ck_assert_int_eq(altp2m_mon_event_parse("guest-request", &t), 0);
	ck_assert_uint_eq(t, ALTP2M_MON_EV_GUEST_REQUEST);
	ck_assert_int_eq(altp2m_mon_event_parse("Violation", &t), -EINVAL);
	ck_assert_int_eq(altp2m_mon_event_parse("", &t), -EINVAL);
}
END_TEST


/* A file of the source tree (from the binary's directory) in memory. */
static char *slurp(const char *rel)
{
	char path[PATH_MAX], *slash, *buf;
	long len;
	ssize_t n;
	FILE *f;

	n = readlink("/proc/self/exe", path, sizeof(path) - 1);
	ck_assert_int_gt(n, 0);
	path[n] = '\0';
	slash = strrchr(path, '/');
	ck_assert_ptr_nonnull(slash);
	snprintf(slash + 1, sizeof(path) - (slash + 1 - path), "../../%s", rel);
	f = fopen(path, "r");
	ck_assert_msg(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	ck_assert_int_eq(fread(buf, 1, len, f), len);
	fclose(f);
	return buf;
}

/*
 * Documentation/monitor.rst shows lib/examples/mon-example.c verbatim:
 * its last literal block, indented four spaces, is the file.
 */
START_TEST(example_in_doc)
{
	const char *mark = "\n.. mon-example.c, verbatim:\n\n::\n\n";
	char *doc = slurp("Documentation/monitor.rst");
	char *src = slurp("lib/examples/mon-example.c");
	char *p, *out, *o;

	p = strstr(doc, mark);
	ck_assert_msg(p, "monitor.rst: no '.. mon-example.c, verbatim:' block");
	p += strlen(mark);
	out = calloc(1, strlen(p) + 1);
	for (o = out; *p; ) {
		if (*p == '\n') {
			*o++ = *p++;
			continue;
		}
		ck_assert_msg(!strncmp(p, "    ", 4),
			      "monitor.rst: the example block ends early");
		p += 4;
		while (*p && *p != '\n')
			*o++ = *p++;
		if (*p)
			*o++ = *p++;
	}
	ck_assert_msg(!strcmp(out, src),
		      "monitor.rst's copy of mon-example.c differs from the file");
	free(out);
	free(doc);
	free(src);
}
END_TEST

/* Hidden frames through the monitor fd: the struct, the range, errors. */
START_TEST(hidden_frames)
{
	struct altp2m_mon *m;
	struct monfd f;
	int calls;

	fake_init(&f, 0x1);
	m = open_fake(&f);
	ck_assert_int_eq(altp2m_mon_hidden_add(m, 0x80000, 3), 0);
	ck_assert_uint_eq(f.last_cmd, ALTP2M_ADD_HIDDEN_FRAMES);
	ck_assert_uint_eq(f.hidden.flags, 0);
	ck_assert_uint_eq(f.hidden.pad, 0);
	ck_assert_uint_eq(f.hidden.gfn, 0x80000);
	ck_assert_uint_eq(f.hidden.nr, 3);
	ck_assert_uint_eq(f.hidden.reserved[0] | f.hidden.reserved[1], 0);
	ck_assert_int_eq(altp2m_mon_hidden_remove(m, 0x80001, 1), 0);
	ck_assert_uint_eq(f.last_cmd, ALTP2M_REMOVE_HIDDEN_FRAMES);
	ck_assert_uint_eq(f.hidden.gfn, 0x80001);
	ck_assert_uint_eq(f.hidden.nr, 1);

	/* The range is checked before anything is sent. */
	calls = f.ioctls;
	ck_assert_int_eq(altp2m_mon_hidden_add(m, 1, 0), -EINVAL);
	ck_assert_int_eq(altp2m_mon_hidden_remove(m, 1,
						  ALTP2M_MAX_HIDDEN_ADD + 1),
			 -EINVAL);
	ck_assert_int_eq(f.ioctls, calls);
	ck_assert_str_eq(altp2m_mon_errmsg(m),
			 "remove hidden frames: Invalid argument (513 frames: 1 to 512 at once)");
	ck_assert_int_eq(altp2m_mon_hidden_add(m, 1, ALTP2M_MAX_HIDDEN_ADD), 0);

	f.hidden_err = -EEXIST;
	ck_assert_int_eq(altp2m_mon_hidden_add(m, 2, 1), -EEXIST);
	ck_assert_str_eq(altp2m_mon_errmsg(m),
			 "add hidden frames: File exists (a gfn of the range is guest RAM or hidden already)");
	f.hidden_err = -ENOSPC;
	ck_assert_int_eq(altp2m_mon_hidden_add(m, 2, 1), -ENOSPC);
	ck_assert_str_eq(altp2m_mon_errmsg(m),
			 "add hidden frames: No space left on device (beyond the module's max_hidden_frames for this VM)");
	f.hidden_err = -EBUSY;
	ck_assert_int_eq(altp2m_mon_hidden_remove(m, 2, 1), -EBUSY);
	ck_assert_str_eq(altp2m_mon_errmsg(m),
			 "remove hidden frames: Device or resource busy (a hidden breakpoint lives in the range)");
	f.hidden_err = -ENOENT;
	ck_assert_int_eq(altp2m_mon_hidden_remove(m, 2, 1), -ENOENT);
	ck_assert_str_eq(altp2m_mon_errmsg(m),
			 "remove hidden frames: No such file or directory (a gfn of the range is not hidden)");
	f.hidden_err = 0;
	ck_assert_int_eq(altp2m_mon_hidden_remove(m, 2, 1), 0);
	altp2m_mon_close(m);
	fake_free(&f);
}
END_TEST

/* The module's side from another thread: one event after @delay_ms. */
struct late_event {
	struct monfd *f;
	unsigned int delay_ms;
	pthread_t th;
};

static void *produce_late(void *arg)
{
	struct late_event *l = arg;
	struct altp2m_monitor_ring *h = hdr(l->f, 0);
	struct altp2m_monitor_event *ev;
	struct timespec ts = { 0, l->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	ev = (void *)((unsigned char *)h + ALTP2M_MONITOR_RING_HDR +
		      (h->prod % ENTRIES) * ALTP2M_MONITOR_EVENT_SIZE);
	memset(ev, 0, sizeof(*ev));
	ev->type = ALTP2M_MON_EV_VIOLATION;
	ev->seq = 42;
	/* The entry before @prod, as the module publishes it. */
	__atomic_store_n(&h->prod, h->prod + 1, __ATOMIC_RELEASE);
	return NULL;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(busy_poll)
{
	struct altp2m_monitor_event ev;
	struct late_event l;
	struct altp2m_mon *m;
	struct monfd f;
	int64_t t0;

	fake_init(&f, 0x1);
	f.revents = 0;		/* poll() says "nothing" at once */
	m = open_fake(&f);
	/* Off by default: straight to poll(). */
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 50), 0);
	ck_assert_int_eq(f.polls, 1);

	ck_assert_int_eq(altp2m_mon_set_busy_poll(m,
						  ALTP2M_MON_BUSY_POLL_MAX + 1),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "busy poll"));
	/* An event that comes while it spins: no poll() at all. */
	ck_assert_int_eq(altp2m_mon_set_busy_poll(m, ALTP2M_MON_BUSY_POLL_MAX),
			 0);
	ck_assert_str_eq(altp2m_mon_errmsg(m), "");
	l.f = &f;
	l.delay_ms = 20;
	ck_assert_int_eq(pthread_create(&l.th, NULL, produce_late, &l), 0);
	f.polls = 0;
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, -1), 1);
	ck_assert_int_eq(pthread_join(l.th, NULL), 0);
	ck_assert_uint_eq(ev.seq, 42);
	ck_assert_int_eq(f.polls, 0);
	ck_assert_uint_eq(hdr(&f, 0)->cons, 1);

	/* None comes: it spins its 30 ms, then poll() once. */
	ck_assert_int_eq(altp2m_mon_set_busy_poll(m, 30000), 0);
	t0 = mono_ms();
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, -1), 0);
	ck_assert_int_ge(mono_ms() - t0, 30);
	ck_assert_int_eq(f.polls, 1);
	/* Never beyond the call's own timeout... */
	ck_assert_int_eq(altp2m_mon_set_busy_poll(m, ALTP2M_MON_BUSY_POLL_MAX),
			 0);
	t0 = mono_ms();
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 20), 0);
	ck_assert_int_lt(mono_ms() - t0, 500);
	ck_assert_int_eq(f.polls, 2);
	/* ... and not at all for a timeout of 0. */
	t0 = mono_ms();
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, 0), 0);
	ck_assert_int_lt(mono_ms() - t0, 500);
	ck_assert_int_eq(f.polls, 3);
	/* Off again. */
	ck_assert_int_eq(altp2m_mon_set_busy_poll(m, 0), 0);
	t0 = mono_ms();
	ck_assert_int_eq(altp2m_mon_next_event(m, &ev, -1), 0);
	ck_assert_int_lt(mono_ms() - t0, 500);
	ck_assert_int_eq(f.polls, 4);
	altp2m_mon_close(m);
	fake_free(&f);
}
END_TEST

/* ALTP2M_MONITOR_GET_STATS: the request as the module wants it. */
START_TEST(get_stats)
{
	struct altp2m_monitor_stats st;
	struct altp2m_mon *m;
	struct monfd f;

	fake_init(&f, 0x1);
	m = open_fake(&f);
	memset(&st, 0xff, sizeof(st));
	ck_assert_int_eq(altp2m_mon_get_stats(m, 0, &st), 0);
	ck_assert_uint_eq(f.last_cmd, ALTP2M_MONITOR_GET_STATS);
	ck_assert_uint_eq(st.vcpu, 0);
	ck_assert_uint_eq(st.poll_hits, 7);
	ck_assert_uint_eq(st.poll_misses, 3);
	ck_assert_uint_eq(st.flags, 0);
	ck_assert_int_eq(altp2m_mon_get_stats(m, 1, &st), -ENOENT);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "no vCPU 1"));
	altp2m_mon_close(m);
	fake_free(&f);
}
END_TEST

/* altp2m_mon_map_gpa: the offset and protection asked for, and refusals. */
START_TEST(map_gpa)
{
	struct altp2m_mon *m;
	struct monfd f;
	void *p = NULL;

	fake_init(&f, 0x1);
	m = open_fake(&f);
	ck_assert_int_eq(altp2m_mon_map_gpa(m, 0x200000, 8192, 0, &p), 0);
	ck_assert_ptr_eq(p, f.map_area);
	ck_assert_uint_eq(f.map_off, ALTP2M_MONITOR_MEM_OFFSET + 0x200000);
	ck_assert_uint_eq(f.map_len, 8192);
	ck_assert_int_eq(f.map_prot, PROT_READ);
	ck_assert_int_eq(altp2m_mon_map_gpa(m, 0, 4096, ALTP2M_MON_MAP_WRITE,
					    &p), 0);
	ck_assert_int_eq(f.map_prot, PROT_READ | PROT_WRITE);
	altp2m_mon_unmap_gpa(m, p, 4096);
	ck_assert_int_eq(f.unmapped, 1);

	/* Refused before the module sees them. */
	f.map_off = 0;
	ck_assert_int_eq(altp2m_mon_map_gpa(m, 0x1001, 4096, 0, &p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "page multiples"));
	ck_assert_int_eq(altp2m_mon_map_gpa(m, 0, 0, 0, &p), -EINVAL);
	ck_assert_int_eq(altp2m_mon_map_gpa(m, 0, 100, 0, &p), -EINVAL);
	ck_assert_int_eq(altp2m_mon_map_gpa(m, 0, 4096, 2, &p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "unknown flags 0x2"));
	ck_assert_int_eq(altp2m_mon_map_gpa(m, 0, 4096, 0, NULL), -EINVAL);
	ck_assert_int_eq(altp2m_mon_map_gpa(m, ALTP2M_MONITOR_MEM_OFFSET -
					    4096, 8192, 0, &p), -EINVAL);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "beyond any guest"));
	ck_assert_uint_eq(f.map_off, 0);

	/* The module's EINVAL, explained. */
	f.map_err = -EINVAL;
	ck_assert_int_eq(altp2m_mon_map_gpa(m, 1ULL << 48, 4096, 0, &p),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m),
				     "map guest memory: Invalid argument"));
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m),
				     "ALTP2M_FEATURE_MONITOR_MAP"));
	altp2m_mon_close(m);
	fake_free(&f);
}
END_TEST

static Suite *lib_mon_suite(void)
{
	Suite *s = suite_create("libaltp2m-mon");
	TCase *tc = tcase_create("mon");

	tcase_add_test(tc, rings_in_turn);
	tcase_add_test(tc, rings_wrap);
	tcase_add_test(tc, rings_untrusted_prod);
	tcase_add_test(tc, rings_new_vcpu_and_hangup);
	tcase_add_test(tc, open_checks);
	tcase_add_test(tc, responses);
	tcase_add_test(tc, memory_split);
	tcase_add_test(tc, event_names);
	tcase_add_test(tc, example_in_doc);
	tcase_add_test(tc, hidden_frames);
	tcase_add_test(tc, busy_poll);
	tcase_add_test(tc, get_stats);
	tcase_add_test(tc, map_gpa);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(lib_mon_suite)
