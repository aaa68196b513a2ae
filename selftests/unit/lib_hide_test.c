// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libaltp2m's hidden breakpoints (lib/hide.c) over a fake
 * monitor fd that logs every ioctl and plays the module: hidden frames,
 * views, memory, batches and breakpoints, with a failure planted at any
 * call. They check the order of the calls, the sharing of a shadow, the
 * choice of gfns and that every failure leaves nothing behind.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/internal.h"
#include "unit.h"

#define RING_BYTES	8192
#define LOG_MAX		64
#define MAX_FRAMES	16
#define TOP		ALTP2M_HIDE_GFN_TOP
/* Kernel text at gva 0xffffffff81000000 is guest-physical 0x1000000. */
#define KBASE		0xffffffff81000000ull
#define PBASE		0x1000000ull

struct hfd {
	unsigned char *rings;
	unsigned long log[LOG_MAX];
	int nlog;
	/* Fail the @fail_nth (from 1) call of @fail_cmd with @fail_err. */
	unsigned long fail_cmd;
	int fail_nth, fail_seen, fail_err;
	bool short_read;	/* READ_MEM stops at half a page */
	int pauses;		/* PAUSE minus successful RESUME */
	int views;		/* views alive that CREATE_VIEW made */
	uint64_t taken_from;	/* ADD_HIDDEN: EEXIST at and above it */
	uint64_t gfn_limit;	/* ADD_HIDDEN: EINVAL at and above it */
	int adds;		/* ADD_HIDDEN calls */
	uint64_t frames[MAX_FRAMES];	/* hidden frames, 0: free slot */
	uint64_t written_gfn;
	unsigned char written[4096];
	struct altp2m_batch_op ops[8][2];	/* each BATCH's two ops */
	int nbatch;
	struct altp2m_monitor_breakpoint bps[8];	/* ADD_BREAKPOINTs */
	int nbp, live_bps;
	uint32_t removed[8];
	int nremoved;
	uint8_t access;		/* GET_MEM_ACCESS's answer */
	struct altp2m_switch_view sw;
};

static int nframes(struct hfd *f)
{
	int i, n = 0;

	for (i = 0; i < MAX_FRAMES; i++)
		n += !!f->frames[i];
	return n;
}

static int frame_slot(struct hfd *f, uint64_t gfn)
{
	int i;

	for (i = 0; i < MAX_FRAMES; i++)
		if (f->frames[i] == gfn)
			return i;
	return -1;
}

/* Guest page G's bytes: a pattern of G. */
static unsigned char gbyte(uint64_t gfn, size_t i)
{
	return (unsigned char)(gfn * 7 + i);
}

static int h_ioctl(void *priv, unsigned long cmd, void *arg)
{
	struct hfd *f = priv;

	if (cmd != ALTP2M_GET_VCPU_VIEWS) {
		ck_assert_int_lt(f->nlog, LOG_MAX);
		f->log[f->nlog++] = cmd;
	}
	if (cmd == f->fail_cmd && ++f->fail_seen == f->fail_nth) {
		/* The module's EINVAL for RESUME: no pause left to undo. */
		if (cmd == ALTP2M_MONITOR_RESUME)
			f->pauses = 0;
		return f->fail_err;
	}
	switch (cmd) {
	case ALTP2M_GET_VCPU_VIEWS:
		((struct altp2m_vcpu_views *)arg)->present = 1;
		return 0;
	case ALTP2M_MONITOR_PAUSE:
		f->pauses++;
		return 0;
	case ALTP2M_MONITOR_RESUME:
		ck_assert_int_gt(f->pauses, 0);
		f->pauses--;
		return 0;
	case ALTP2M_MONITOR_TRANSLATE: {
		struct altp2m_monitor_translate *t = arg;

		ck_assert_uint_eq(t->flags, ALTP2M_MON_XLATE_FETCH);
		if (t->gva < KBASE) {
			t->error = 0x10;
			return -ENXIO;
		}
		t->gpa = t->gva - KBASE + PBASE;
		return 0;
	}
	case ALTP2M_CREATE_VIEW:
		((struct altp2m_view_create *)arg)->view = 3;
		f->views++;
		return 0;
	case ALTP2M_DESTROY_VIEW:
		ck_assert_uint_eq(((struct altp2m_view_destroy *)arg)->view, 3);
		f->views--;
		return 0;
	case ALTP2M_GET_MEM_ACCESS:
		((struct altp2m_gfn_get *)arg)->access = f->access;
		return 0;
	case ALTP2M_ADD_HIDDEN_FRAMES: {
		struct altp2m_hidden_frames *hf = arg;
		int slot;

		ck_assert_uint_eq(hf->nr, 1);
		f->adds++;
		if (hf->gfn >= f->gfn_limit)
			return -EINVAL;
		if (hf->gfn >= f->taken_from || frame_slot(f, hf->gfn) >= 0)
			return -EEXIST;
		slot = frame_slot(f, 0);
		ck_assert_int_ge(slot, 0);
		f->frames[slot] = hf->gfn;
		return 0;
	}
	case ALTP2M_REMOVE_HIDDEN_FRAMES: {
		struct altp2m_hidden_frames *hf = arg;
		int slot = frame_slot(f, hf->gfn);

		if (slot < 0)
			return -ENOENT;
		f->frames[slot] = 0;
		return 0;
	}
	case ALTP2M_MONITOR_READ_MEM:
	case ALTP2M_MONITOR_WRITE_MEM: {
		struct altp2m_monitor_mem *a = arg;
		unsigned char *buf = (void *)(uintptr_t)a->buf;
		size_t i;

		ck_assert_uint_eq(a->len, 4096);
		ck_assert_uint_eq(a->addr % 4096, 0);
		ck_assert_uint_eq(a->view, 0);
		if (cmd == ALTP2M_MONITOR_WRITE_MEM) {
			ck_assert_int_ge(frame_slot(f, a->addr / 4096), 0);
			f->written_gfn = a->addr / 4096;
			memcpy(f->written, buf, 4096);
			a->done = 4096;
			return 0;
		}
		a->done = f->short_read ? 2048 : 4096;
		for (i = 0; i < a->done; i++)
			buf[i] = gbyte(a->addr / 4096, i);
		return 0;
	}
	case ALTP2M_BATCH: {
		struct altp2m_batch *b = arg;

		ck_assert_uint_eq(b->nr_ops, 2);
		ck_assert_int_lt(f->nbatch, 8);
		memcpy(f->ops[f->nbatch++], (void *)(uintptr_t)b->ops,
		       sizeof(f->ops[0]));
		return 0;
	}
	case ALTP2M_MONITOR_ADD_BREAKPOINT: {
		struct altp2m_monitor_breakpoint *bp = arg;

		ck_assert_int_ge(frame_slot(f, bp->shadow_gfn), 0);
		ck_assert_int_lt(f->nbp, 8);
		bp->id = 100 + f->nbp;
		bp->orig = 0x55;
		f->bps[f->nbp++] = *bp;
		f->live_bps++;
		return 0;
	}
	case ALTP2M_MONITOR_REMOVE_BREAKPOINT: {
		struct altp2m_monitor_breakpoint *bp = arg;

		ck_assert_uint_eq(bp->flags, 0);
		ck_assert_uint_eq(bp->gpa, 0);
		ck_assert_int_lt(f->nremoved, 8);
		f->removed[f->nremoved++] = bp->id;
		f->live_bps--;
		return 0;
	}
	case ALTP2M_MONITOR_GET_BREAKPOINT: {
		struct altp2m_monitor_breakpoint *bp = arg;

		if (bp->id != 100)
			return -ENOENT;
		bp->hits = 42;
		return 0;
	}
	case ALTP2M_SWITCH_VIEW:
		f->sw = *(struct altp2m_switch_view *)arg;
		return 0;
	case ALTP2M_MONITOR_GET_STATS: {
		struct altp2m_monitor_stats *st = arg;

		if (st->vcpu)
			return -ENOENT;
		st->bp_hits = 9;
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static void *h_map(void *priv, size_t len, int *err)
{
	struct hfd *f = priv;

	(void)len;
	(void)err;
	return f->rings;
}

static void h_unmap(void *priv, void *addr, size_t len)
{
	(void)priv;
	(void)addr;
	(void)len;
}

static int h_poll(void *priv, int timeout_ms)
{
	(void)priv;
	(void)timeout_ms;
	return 0;
}

static int h_fd(void *priv)
{
	(void)priv;
	return 78;
}

static void h_close(void *priv)
{
	(void)priv;
}

static const struct altp2m__mon_transport hide_tr = {
	.ioctl = h_ioctl,
	.map = h_map,
	.unmap = h_unmap,
	.poll = h_poll,
	.fd = h_fd,
	.close = h_close,
};

static struct altp2m_mon *hopen(struct hfd *f)
{
	struct altp2m_monitor_attach att = {
		.vm_id = 1, .ring_entries = 4, .ring_bytes = RING_BYTES,
	};
	struct altp2m_monitor_ring *hdr;
	struct altp2m_mon *m;

	memset(f, 0, sizeof(*f));
	f->rings = calloc(ALTP2M_MAX_VCPUS, RING_BYTES);
	ck_assert_ptr_nonnull(f->rings);
	hdr = (void *)f->rings;
	hdr->entries = 4;
	f->taken_from = UINT64_MAX;
	f->gfn_limit = TOP;
	f->access = ALTP2M_ACCESS_RX;
	ck_assert_int_eq(altp2m__mon_open_transport(&m, &hide_tr, f, &att,
						    NULL, 0), 0);
	ck_assert_int_eq(altp2m__hide_set_caps(m, ALTP2M_CAP_EPT |
					       ALTP2M_CAP_EPT_EXEC_ONLY), 0);
	f->nlog = 0;
	return m;
}

static void hclose(struct altp2m_mon *m, struct hfd *f)
{
	altp2m_mon_close(m);
	free(f->rings);
}

static void log_is(struct hfd *f, const unsigned long *want, int n)
{
	int i;

	for (i = 0; i < n && i < f->nlog; i++)
		ck_assert_msg(f->log[i] == want[i],
			      "call %d: 0x%lx, expected 0x%lx", i, f->log[i],
			      want[i]);
	ck_assert_int_eq(f->nlog, n);
	f->nlog = 0;
}

static void op_is(const struct altp2m_batch_op *op, uint16_t code,
		  uint32_t view, uint64_t gfn, uint8_t value, uint64_t target)
{
	ck_assert_uint_eq(op->op, code);
	ck_assert_uint_eq(op->view, view);
	ck_assert_uint_eq(op->gfn, gfn);
	ck_assert_uint_eq(op->npages, 1);
	ck_assert_uint_eq(op->value, value);
	ck_assert_uint_eq(op->target, target);
	ck_assert_uint_eq(op->flags, 0);
}

static const unsigned long first_hide[] = {
	ALTP2M_MONITOR_PAUSE, ALTP2M_MONITOR_TRANSLATE, ALTP2M_CREATE_VIEW,
	ALTP2M_ADD_HIDDEN_FRAMES, ALTP2M_MONITOR_READ_MEM,
	ALTP2M_MONITOR_WRITE_MEM, ALTP2M_BATCH,
	ALTP2M_MONITOR_ADD_BREAKPOINT, ALTP2M_MONITOR_RESUME,
};

START_TEST(hide_sequence)
{
	uint64_t g = (PBASE + 0x2000) / 4096;
	struct altp2m_mon *m;
	uint32_t id = 0, view = 0;
	struct hfd f;
	size_t i;

	m = hopen(&f);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 1, KBASE + 0x2345,
						    ALTP2M_MON_BP_SYNC, &id), 0);
	log_is(&f, first_hide, ARRAY_LEN(first_hide));
	ck_assert_uint_eq(id, 100);
	ck_assert_int_eq(f.pauses, 0);
	/* The shadow: the highest gfn below 2^36, holding G's bytes. */
	ck_assert_uint_eq(f.written_gfn, TOP - 1);
	for (i = 0; i < 4096; i++)
		ck_assert_uint_eq(f.written[i], gbyte(g, i));
	ck_assert_int_eq(f.nbatch, 1);
	op_is(&f.ops[0][0], ALTP2M_BATCH_REMAP, 3, g, 0, TOP - 1);
	op_is(&f.ops[0][1], ALTP2M_BATCH_SET_ACCESS, 3, g, ALTP2M_ACCESS_X, 0);
	ck_assert_uint_eq(f.bps[0].gpa, g * 4096 + 0x345);
	ck_assert_uint_eq(f.bps[0].shadow_gfn, TOP - 1);
	ck_assert_uint_eq(f.bps[0].exec_view, 3);
	ck_assert_uint_eq(f.bps[0].clean_view, 0);
	ck_assert_uint_eq(f.bps[0].flags, ALTP2M_MON_BP_SYNC);
	ck_assert_str_eq(altp2m_mon_errmsg(m), "");
	/* The view is made once per handle. */
	ck_assert_int_eq(altp2m_mon_hide_view(m, &view), 0);
	ck_assert_uint_eq(view, 3);
	ck_assert_int_eq(f.nlog, 0);
	hclose(m, &f);
}
END_TEST

/* Two breakpoints in a page share its shadow; the last one takes it. */
START_TEST(hide_shadow_shared)
{
	static const unsigned long reuse[] = {
		ALTP2M_MONITOR_PAUSE, ALTP2M_MONITOR_TRANSLATE,
		ALTP2M_MONITOR_ADD_BREAKPOINT, ALTP2M_MONITOR_RESUME,
	};
	static const unsigned long unhide_last[] = {
		ALTP2M_MONITOR_REMOVE_BREAKPOINT, ALTP2M_BATCH,
		ALTP2M_REMOVE_HIDDEN_FRAMES,
	};
	static const unsigned long unhide_one[] = {
		ALTP2M_MONITOR_REMOVE_BREAKPOINT,
	};
	uint64_t g = PBASE / 4096;
	uint32_t a, b, c;
	struct altp2m_mon *m;
	struct hfd f;

	m = hopen(&f);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE + 0x10, 0, &a), 0);
	f.nlog = 0;
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE + 0x80,
						    ALTP2M_MON_BP_ASYNC, &b), 0);
	log_is(&f, reuse, ARRAY_LEN(reuse));
	ck_assert_uint_eq(f.bps[1].shadow_gfn, TOP - 1);
	ck_assert_uint_eq(f.bps[1].gpa, g * 4096 + 0x80);
	ck_assert_int_eq(nframes(&f), 1);
	/* Another page: another shadow, the next gfn down. */
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE + 0x5000, 0,
						    &c), 0);
	f.nlog = 0;
	ck_assert_uint_eq(f.bps[2].shadow_gfn, TOP - 2);
	ck_assert_int_eq(nframes(&f), 2);

	ck_assert_int_eq(altp2m_mon_unhide_breakpoint(m, a), 0);
	log_is(&f, unhide_one, ARRAY_LEN(unhide_one));
	ck_assert_int_eq(nframes(&f), 2);
	ck_assert_int_eq(altp2m_mon_unhide_breakpoint(m, b), 0);
	log_is(&f, unhide_last, ARRAY_LEN(unhide_last));
	ck_assert_uint_eq(f.removed[1], b);
	/* Back to what lazy fill gives in the library's own view. */
	op_is(&f.ops[2][0], ALTP2M_BATCH_REMAP, 3, g, 0, ALTP2M_GFN_INVALID);
	op_is(&f.ops[2][1], ALTP2M_BATCH_SET_ACCESS, 3, g,
	      ALTP2M_ACCESS_DEFAULT, 0);
	ck_assert_int_eq(nframes(&f), 1);
	ck_assert_int_eq(frame_slot(&f, TOP - 1), -1);
	ck_assert_int_eq(altp2m_mon_unhide_breakpoint(m, a), -ENOENT);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "no breakpoint"));
	/* A page whose shadow went gets a new one. */
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE + 0x20, 0, &a), 0);
	ck_assert_int_eq(nframes(&f), 2);
	hclose(m, &f);
}
END_TEST

START_TEST(hide_gfn_choice)
{
	struct altp2m_hide_opts o = { .sz = sizeof(o) };
	struct altp2m_mon *m;
	uint32_t id;
	struct hfd f;

	m = hopen(&f);
	/* Taken at and above TOP - 3: the first free one is TOP - 4. */
	f.taken_from = TOP - 3;
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &id), 0);
	ck_assert_uint_eq(f.bps[0].shadow_gfn, TOP - 4);
	hclose(m, &f);

	/*
	 * A host whose guest-physical width is 40 bits: gfns below 2^28.
	 * The search steps down a power of two per EINVAL, then by one.
	 */
	m = hopen(&f);
	f.gfn_limit = UINT64_C(1) << 28;
	f.taken_from = f.gfn_limit - 2;
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &id), 0);
	ck_assert_uint_eq(f.bps[0].shadow_gfn, f.gfn_limit - 3);
	ck_assert_int_eq(f.adds, 8 + 3);
	/* The next search starts where this one ended. */
	f.adds = 0;
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE + 0x1000, 0,
						    &id), 0);
	ck_assert_uint_eq(f.bps[1].shadow_gfn, f.gfn_limit - 4);
	ck_assert_int_eq(f.adds, 1);
	hclose(m, &f);

	/* A lower top, set before anything is hidden. */
	m = hopen(&f);
	o.gfn_top = 0x100000;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), 0);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &id), 0);
	ck_assert_uint_eq(f.bps[0].shadow_gfn, 0xfffff);
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), -EBUSY);
	hclose(m, &f);

	/* Nothing free below the top: ENOSPC, and nothing left behind. */
	m = hopen(&f);
	o.gfn_top = 50;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), 0);
	f.taken_from = 0;
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &id),
			 -ENOSPC);
	ck_assert_int_eq(f.views, 0);
	ck_assert_int_eq(f.pauses, 0);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "no free gfn"));
	hclose(m, &f);

	m = hopen(&f);
	o.gfn_top = 1;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), -EINVAL);
	o.gfn_top = TOP + 1;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), -EINVAL);
	ck_assert_int_eq(f.nlog, 0);
	hclose(m, &f);
}
END_TEST

/*
 * A failure at each call of the first hide: the error comes back, the
 * VM runs again, and no view, hidden frame or breakpoint is left.
 */
static const struct {
	unsigned long cmd;
	int err;
	bool short_read;
} fail_points[] = {
	{ ALTP2M_MONITOR_PAUSE, -ENODEV, false },
	{ ALTP2M_MONITOR_TRANSLATE, -ENXIO, false },
	{ ALTP2M_CREATE_VIEW, -ENOSPC, false },
	{ ALTP2M_ADD_HIDDEN_FRAMES, -ENOMEM, false },
	{ ALTP2M_MONITOR_READ_MEM, -EFAULT, true },
	{ ALTP2M_MONITOR_READ_MEM, -EIO, false },
	{ ALTP2M_MONITOR_WRITE_MEM, -EIO, false },
	{ ALTP2M_BATCH, -EINVAL, false },
	{ ALTP2M_MONITOR_ADD_BREAKPOINT, -EEXIST, false },
	{ ALTP2M_MONITOR_RESUME, -EINVAL, false },
};

START_TEST(hide_undo)
{
	struct altp2m_mon *m;
	uint32_t id = 7;
	struct hfd f;

	m = hopen(&f);
	if (fail_points[_i].short_read) {
		f.short_read = true;
	} else {
		f.fail_cmd = fail_points[_i].cmd;
		f.fail_nth = 1;
		f.fail_err = fail_points[_i].err;
	}
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE + 0x1000, 0,
						    &id), fail_points[_i].err);
	ck_assert_uint_eq(id, 7);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "hide breakpoint: "));
	ck_assert_int_eq(f.pauses, 0);
	ck_assert_int_eq(f.views, 0);
	ck_assert_int_eq(nframes(&f), 0);
	ck_assert_int_eq(f.live_bps, 0);
	/* A batch that went through was reverted by a second one. */
	if (f.nbatch)
		op_is(&f.ops[f.nbatch - 1][0], ALTP2M_BATCH_REMAP, 3,
		      (PBASE + 0x1000) / 4096, 0, ALTP2M_GFN_INVALID);
	/* The handle is as new: the next hide does all of it again. */
	f.fail_cmd = 0;
	f.short_read = false;
	f.nlog = 0;
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE + 0x1000, 0,
						    &id), 0);
	log_is(&f, first_hide, ARRAY_LEN(first_hide));
	hclose(m, &f);
}
END_TEST

/* A failure on a page with a shadow leaves the shadow to its users. */
START_TEST(hide_undo_keeps_shared)
{
	struct altp2m_mon *m;
	uint32_t a, b;
	struct hfd f;

	m = hopen(&f);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &a), 0);
	f.fail_cmd = ALTP2M_MONITOR_ADD_BREAKPOINT;
	f.fail_nth = 1;
	f.fail_err = -EEXIST;
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &b),
			 -EEXIST);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "sits at gpa"));
	ck_assert_int_eq(nframes(&f), 1);
	ck_assert_int_eq(f.views, 1);
	ck_assert_int_eq(f.nbatch, 1);
	ck_assert_int_eq(f.pauses, 0);
	ck_assert_int_eq(altp2m_mon_unhide_breakpoint(m, a), 0);
	ck_assert_int_eq(nframes(&f), 0);
	hclose(m, &f);
	ck_assert_int_eq(f.views, 0);
}
END_TEST

/* Unhide: a failed batch keeps the shadow; close gets rid of it. */
START_TEST(unhide_failure_and_close)
{
	static const unsigned long close_calls[] = {
		ALTP2M_MONITOR_REMOVE_BREAKPOINT, ALTP2M_BATCH,
		ALTP2M_REMOVE_HIDDEN_FRAMES, ALTP2M_BATCH,
		ALTP2M_REMOVE_HIDDEN_FRAMES, ALTP2M_DESTROY_VIEW,
	};
	struct altp2m_mon *m;
	uint32_t a, b;
	struct hfd f;

	m = hopen(&f);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &a), 0);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE + 0x3000, 0,
						    &b), 0);
	f.fail_cmd = ALTP2M_BATCH;
	f.fail_nth = 1;
	f.fail_err = -EIO;
	ck_assert_int_eq(altp2m_mon_unhide_breakpoint(m, a), -EIO);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "cannot undo the remap"));
	ck_assert_int_eq(f.live_bps, 1);
	ck_assert_int_eq(nframes(&f), 2);
	/* The id is gone from the handle: the breakpoint is. */
	ck_assert_int_eq(altp2m_mon_unhide_breakpoint(m, a), -ENOENT);
	f.nlog = 0;
	altp2m_mon_close(m);
	log_is(&f, close_calls, ARRAY_LEN(close_calls));
	ck_assert_int_eq(nframes(&f), 0);
	ck_assert_int_eq(f.live_bps, 0);
	ck_assert_int_eq(f.views, 0);
	free(f.rings);
}
END_TEST

START_TEST(hide_needs_exec_only)
{
	struct altp2m_mon *m;
	uint32_t id, view;
	struct hfd f;

	m = hopen(&f);
	ck_assert_int_eq(altp2m__hide_set_caps(m, ALTP2M_CAP_EPT), 0);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &id),
			 -EOPNOTSUPP);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "execute-only"));
	ck_assert_int_eq(altp2m_mon_hide_view(m, &view), -EOPNOTSUPP);
	ck_assert_int_eq(f.nlog, 0);
	/* Bad arguments: nothing sent. */
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, ALTP2M_MAX_VCPUS, KBASE,
						    0, &id), -EINVAL);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE,
						    ALTP2M_MON_BP_SYNC |
						    ALTP2M_MON_BP_ASYNC, &id),
			 -EINVAL);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 4, &id),
			 -EINVAL);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(f.nlog, 0);
	hclose(m, &f);
}
END_TEST

/* The caller's execute view: not created, its access given back. */
START_TEST(hide_caller_view)
{
	struct altp2m_hide_opts o = {
		.sz = sizeof(o), .flags = ALTP2M_HIDE_EXEC_VIEW,
		.exec_view = 5, .clean_view = 2,
	};
	uint64_t g = PBASE / 4096;
	struct altp2m_mon *m;
	uint32_t id, view;
	struct hfd f;

	m = hopen(&f);
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), 0);
	/* The fake reads through view 0 only: let the clean view be 0. */
	o.clean_view = 0;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), 0);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &id), 0);
	ck_assert_int_eq(f.views, 0);
	ck_assert_uint_eq(f.log[2], ALTP2M_GET_MEM_ACCESS);
	ck_assert_uint_eq(f.bps[0].exec_view, 5);
	op_is(&f.ops[0][0], ALTP2M_BATCH_REMAP, 5, g, 0, TOP - 1);
	ck_assert_int_eq(altp2m_mon_hide_view(m, &view), 0);
	ck_assert_uint_eq(view, 5);
	ck_assert_int_eq(altp2m_mon_unhide_breakpoint(m, id), 0);
	op_is(&f.ops[1][1], ALTP2M_BATCH_SET_ACCESS, 5, g, ALTP2M_ACCESS_RX, 0);
	/* Bad setups. */
	o.exec_view = 0;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), -EINVAL);
	o.exec_view = 2;
	o.clean_view = 2;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), -EINVAL);
	o.clean_view = ALTP2M_MAX_VIEWS;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), -EINVAL);
	o.clean_view = 0;
	o.flags = 2;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), -EINVAL);
	ck_assert_int_eq(altp2m_mon_hide_setup(m, NULL), 0);
	hclose(m, &f);
	ck_assert_int_eq(f.views, 0);
}
END_TEST

/* A new setup keeps the library's view, or destroys it for the caller's. */
START_TEST(setup_and_own_view)
{
	struct altp2m_hide_opts o = { .sz = sizeof(o), .gfn_top = 0x1000 };
	struct altp2m_mon *m;
	uint32_t id, view;
	struct hfd f;

	m = hopen(&f);
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &id), 0);
	ck_assert_int_eq(altp2m_mon_unhide_breakpoint(m, id), 0);
	ck_assert_int_eq(f.views, 1);
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), 0);
	ck_assert_int_eq(f.views, 1);
	f.nlog = 0;
	ck_assert_int_eq(altp2m_mon_hide_breakpoint(m, 0, KBASE, 0, &id), 0);
	ck_assert_uint_eq(f.log[2], ALTP2M_ADD_HIDDEN_FRAMES);
	ck_assert_uint_eq(f.bps[1].shadow_gfn, 0xfff);
	ck_assert_int_eq(altp2m_mon_unhide_breakpoint(m, id), 0);
	/* The execute view cannot be the clean one. */
	o.clean_view = 3;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), -EINVAL);
	/* A vCPU on the library's view keeps it: EBUSY. */
	o.clean_view = 0;
	o.flags = ALTP2M_HIDE_EXEC_VIEW;
	o.exec_view = 7;
	f.fail_cmd = ALTP2M_DESTROY_VIEW;
	f.fail_nth = 1;
	f.fail_err = -EBUSY;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), -EBUSY);
	ck_assert_int_eq(altp2m_mon_hide_view(m, &view), 0);
	ck_assert_uint_eq(view, 3);
	f.fail_cmd = 0;
	ck_assert_int_eq(altp2m_mon_hide_setup(m, &o), 0);
	ck_assert_int_eq(f.views, 0);
	ck_assert_int_eq(altp2m_mon_hide_view(m, &view), 0);
	ck_assert_uint_eq(view, 7);
	hclose(m, &f);
}
END_TEST

START_TEST(thin_wrappers)
{
	struct altp2m_monitor_breakpoint bp = {
		.gpa = 0x1234, .shadow_gfn = TOP - 1, .exec_view = 1,
	};
	struct altp2m_monitor_stats st;
	struct altp2m_mon *m;
	struct hfd f;

	m = hopen(&f);
	f.frames[0] = TOP - 1;
	ck_assert_int_eq(altp2m_mon_add_breakpoint(m, &bp), 0);
	ck_assert_uint_eq(bp.id, 100);
	ck_assert_uint_eq(bp.orig, 0x55);
	ck_assert_int_eq(altp2m_mon_get_breakpoint(m, 100, &bp), 0);
	ck_assert_uint_eq(bp.hits, 42);
	ck_assert_int_eq(altp2m_mon_get_breakpoint(m, 5, &bp), -ENOENT);
	ck_assert_ptr_nonnull(strstr(altp2m_mon_errmsg(m), "no breakpoint 5"));
	ck_assert_int_eq(altp2m_mon_remove_breakpoint(m, 100), 0);
	ck_assert_uint_eq(f.removed[0], 100);
	f.nlog = 0;
	bp.exec_view = 1;
	bp.flags = ALTP2M_MON_BP_SYNC | ALTP2M_MON_BP_ASYNC;
	ck_assert_int_eq(altp2m_mon_add_breakpoint(m, &bp), -EINVAL);
	bp.flags = 0;
	bp.clean_view = 1;
	ck_assert_int_eq(altp2m_mon_add_breakpoint(m, &bp), -EINVAL);
	bp.clean_view = 0;
	bp.reserved[3] = 1;
	ck_assert_int_eq(altp2m_mon_add_breakpoint(m, &bp), -EINVAL);
	ck_assert_int_eq(altp2m_mon_get_breakpoint(m, 100, NULL), -EINVAL);
	ck_assert_int_eq(f.nlog, 0);

	ck_assert_int_eq(altp2m_mon_view_switch(m, 4, 2), 0);
	ck_assert_uint_eq(f.sw.flags, ALTP2M_SWITCH_ONE_VCPU);
	ck_assert_uint_eq(f.sw.vcpu_id, 2);
	ck_assert_uint_eq(f.sw.view, 4);
	ck_assert_int_eq(altp2m_mon_view_switch(m, 3, ALTP2M_VCPU_ALL), 0);
	ck_assert_uint_eq(f.sw.flags, 0);
	ck_assert_int_eq(altp2m_mon_view_switch(m, ALTP2M_MAX_VIEWS, 0),
			 -EINVAL);
	ck_assert_int_eq(altp2m_mon_get_stats(m, 0, &st), 0);
	ck_assert_uint_eq(st.bp_hits, 9);
	ck_assert_int_eq(altp2m_mon_get_stats(m, 1, &st), -ENOENT);
	ck_assert_int_eq(altp2m_mon_get_stats(m, ALTP2M_MAX_VCPUS, &st),
			 -EINVAL);
	hclose(m, &f);
}
END_TEST

static Suite *lib_hide_suite(void)
{
	Suite *s = suite_create("lib_hide");
	TCase *tc = tcase_create("hide");

	tcase_add_test(tc, hide_sequence);
	tcase_add_test(tc, hide_shadow_shared);
	tcase_add_test(tc, hide_gfn_choice);
	tcase_add_loop_test(tc, hide_undo, 0, ARRAY_LEN(fail_points));
	tcase_add_test(tc, hide_undo_keeps_shared);
	tcase_add_test(tc, unhide_failure_and_close);
	tcase_add_test(tc, hide_needs_exec_only);
	tcase_add_test(tc, hide_caller_view);
	tcase_add_test(tc, setup_and_own_view);
	tcase_add_test(tc, thin_wrappers);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(lib_hide_suite)
