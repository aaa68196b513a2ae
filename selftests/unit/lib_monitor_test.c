// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libaltp2m's event monitor over a fake transport that hands
 * it scripted notifications, and of the low-level netlink answer handling
 * (altp2m__nl_deliver) on messages a fake exchange rarely sends.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "../../lib/internal.h"
#include "unit.h"

#define FAMILY	0x21

struct monfake {
	struct nl_msg *script[16];	/* handed out by successive waits */
	int per_wait[16];		/* messages per wait, 0: one */
	int nscript, next, waits;
	int last_timeout;
	int err;			/* what wait returns */
	int closed;
};

static struct nl_msg *event(uint8_t cmd, int family, uint32_t vm_id,
			    int view, int max_views, int mode)
{
	struct nl_msg *m = nlmsg_alloc();

	ck_assert_ptr_nonnull(genlmsg_put(m, 0, 0, family, 0, 0, cmd,
					  ALTP2M_GENL_VERSION));
	if (vm_id != ~0u)
		nla_put_u32(m, ALTP2M_A_VM_ID, vm_id);
	if (view >= 0)
		nla_put_u32(m, ALTP2M_A_VIEW, view);
	if (max_views >= 0)
		nla_put_u32(m, ALTP2M_A_MAX_VIEWS, max_views);
	if (mode >= 0)
		nla_put_u32(m, ALTP2M_A_MODE, mode);
	return m;
}

static int mon_wait(void *priv, int timeout_ms,
		    void (*deliver)(void *arg, struct nlmsghdr *nlh), void *arg)
{
	struct monfake *f = priv;
	int n;

	f->waits++;
	f->last_timeout = timeout_ms;
	if (f->err)
		return f->err;
	if (f->next >= f->nscript)
		return 0;	/* nothing came: a timeout */
	n = f->per_wait[f->waits - 1] ? f->per_wait[f->waits - 1] : 1;
	while (n-- && f->next < f->nscript)
		deliver(arg, nlmsg_hdr(f->script[f->next++]));
	return 0;
}

static int mon_fd(void *priv)
{
	(void)priv;
	return 42;
}

static void mon_close(void *priv)
{
	struct monfake *f = priv;
	int i;

	f->closed++;
	for (i = 0; i < f->nscript; i++)
		nlmsg_free(f->script[i]);
}

static const struct altp2m__monitor_transport mon_tr = {
	.wait = mon_wait,
	.fd = mon_fd,
	.close = mon_close,
};

static struct altp2m_monitor *monitor(struct monfake *f)
{
	struct altp2m_monitor *m = NULL;

	ck_assert_int_eq(altp2m__monitor_open_transport(&m, &mon_tr, f, FAMILY,
							NULL, NULL, 0), 0);
	ck_assert_ptr_nonnull(m);
	return m;
}

START_TEST(monitor_events)
{
	struct monfake f = { 0 };
	struct altp2m_monitor *m;
	struct altp2m_event ev;

	f.script[f.nscript++] = event(ALTP2M_CMD_VM_CREATED, FAMILY, 4, -1, -1, -1);
	f.script[f.nscript++] = event(ALTP2M_CMD_VIEWS_ENABLED, FAMILY, 4, -1, 10,
				      ALTP2M_MODE_MIXED);
	f.script[f.nscript++] = event(ALTP2M_CMD_VIEW_CREATED, FAMILY, 4, 3, -1, -1);
	f.script[f.nscript++] = event(ALTP2M_CMD_VIEW_DESTROYED, FAMILY, 4, 3, -1, -1);
	f.script[f.nscript++] = event(ALTP2M_CMD_VIEWS_DISABLED, FAMILY, 4, -1, -1, -1);
	f.script[f.nscript++] = event(ALTP2M_CMD_VM_DESTROYED, FAMILY, 4, -1, -1, -1);
	m = monitor(&f);
	ck_assert_int_eq(altp2m_monitor_fd(m), 42);

	memset(&ev, 0xaa, sizeof(ev));
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, -1), 1);
	ck_assert_uint_eq(ev.type, ALTP2M_CMD_VM_CREATED);
	ck_assert_uint_eq(ev.vm_id, 4);
	ck_assert_uint_eq(ev.view, 0);
	ck_assert_uint_eq(ev.max_views, 0);
	ck_assert_uint_eq(ev.mode, 0);
	ck_assert_uint_eq(ev.flags, 0);
	ck_assert_uint_eq(ev.generation, 0);
	ck_assert_uint_eq(ev.reserved[0] | ev.reserved[3], 0);
	ck_assert_int_eq(f.last_timeout, -1);

	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 1000), 1);
	ck_assert_uint_eq(ev.type, ALTP2M_CMD_VIEWS_ENABLED);
	ck_assert_uint_eq(ev.max_views, 10);
	ck_assert_uint_eq(ev.mode, ALTP2M_MODE_MIXED);
	ck_assert_int_le(f.last_timeout, 1000);
	ck_assert_int_gt(f.last_timeout, 900);

	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 1);
	ck_assert_uint_eq(ev.type, ALTP2M_CMD_VIEW_CREATED);
	ck_assert_uint_eq(ev.view, 3);
	ck_assert_int_eq(f.last_timeout, 0);
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 1);
	ck_assert_uint_eq(ev.type, ALTP2M_CMD_VIEW_DESTROYED);
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 1);
	ck_assert_uint_eq(ev.type, ALTP2M_CMD_VIEWS_DISABLED);
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 1);
	ck_assert_uint_eq(ev.type, ALTP2M_CMD_VM_DESTROYED);
	ck_assert_str_eq(altp2m_event_name(ev.type), "vm-destroyed");
	ck_assert_int_eq(f.waits, 6);

	/* Nothing more: a timeout. */
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 0);
	ck_assert_str_eq(altp2m_monitor_errmsg(m), "");
	altp2m_monitor_close(m);
	ck_assert_int_eq(f.closed, 1);
	altp2m_monitor_close(NULL);
}
END_TEST

START_TEST(monitor_queues_a_burst)
{
	struct monfake f = { .per_wait = { 20 } };
	struct altp2m_monitor *m;
	struct altp2m_event ev;
	int i;

	for (i = 0; i < 12; i++)
		f.script[f.nscript++] = event(ALTP2M_CMD_VIEW_CREATED, FAMILY, 1, i,
					      -1, -1);
	m = monitor(&f);
	for (i = 0; i < 12; i++) {
		ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 1);
		ck_assert_uint_eq(ev.view, i);
	}
	ck_assert_int_eq(f.waits, 1);	/* one read, twelve events */
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 0);
	altp2m_monitor_close(m);
}
END_TEST

START_TEST(monitor_ignores_others)
{
	struct monfake f = { .per_wait = { 4 } };
	struct altp2m_monitor *m;
	struct altp2m_event ev;

	/* A command, another family, no VM id: not events. */
	f.script[f.nscript++] = event(ALTP2M_CMD_GET_VM, FAMILY, 1, -1, -1, -1);
	f.script[f.nscript++] = event(ALTP2M_CMD_VM_CREATED, FAMILY + 1, 1, -1, -1, -1);
	f.script[f.nscript++] = event(ALTP2M_CMD_VM_CREATED, FAMILY, ~0u, -1, -1, -1);
	f.script[f.nscript++] = event(ALTP2M_CMD_VIEW_DESTROYED + 1, FAMILY, 1, -1, -1, -1);
	m = monitor(&f);
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 0);
	ck_assert_int_eq(f.waits, 1);
	altp2m_monitor_close(m);
}
END_TEST

/* A filter by VM, in the library: the others' events are read and dropped. */
START_TEST(monitor_filters_vm)
{
	struct monfake f = { .per_wait = { 4 } };
	struct altp2m_monitor_opts o = {
		.sz = sizeof(o), .flags = ALTP2M_MONITOR_ONE_VM, .vm_id = 5,
	};
	struct altp2m_monitor *m = NULL;
	struct altp2m_event ev;

	f.script[f.nscript++] = event(ALTP2M_CMD_VM_CREATED, FAMILY, 4, -1, -1, -1);
	f.script[f.nscript++] = event(ALTP2M_CMD_VM_CREATED, FAMILY, 5, -1, -1, -1);
	f.script[f.nscript++] = event(ALTP2M_CMD_VIEW_CREATED, FAMILY, 6, 1, -1, -1);
	f.script[f.nscript++] = event(ALTP2M_CMD_VIEW_CREATED, FAMILY, 5, 2, -1, -1);
	ck_assert_int_eq(altp2m__monitor_open_transport(&m, &mon_tr, &f, FAMILY,
							&o, NULL, 0), 0);
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 1);
	ck_assert_uint_eq(ev.type, ALTP2M_CMD_VM_CREATED);
	ck_assert_uint_eq(ev.vm_id, 5);
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 1);
	ck_assert_uint_eq(ev.type, ALTP2M_CMD_VIEW_CREATED);
	ck_assert_uint_eq(ev.view, 2);
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 0);
	altp2m_monitor_close(m);
	ck_assert_int_eq(f.closed, 1);
}
END_TEST

START_TEST(monitor_bad_opts)
{
	struct monfake f = { 0 };
	struct altp2m_monitor_opts o = { .sz = sizeof(o), .flags = 2 };
	struct altp2m_monitor *m = (void *)1;
	char err[ALTP2M_ERRMSG_LEN] = "";

	ck_assert_int_eq(altp2m__monitor_open_transport(&m, &mon_tr, &f, FAMILY,
							&o, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_int_eq(f.closed, 1);
	ck_assert_str_eq(err, "open monitor: Invalid argument (bad struct altp2m_monitor_opts)");
}
END_TEST

START_TEST(monitor_times_out)
{
	struct monfake f = { 0 };
	struct altp2m_monitor *m = monitor(&f);
	struct altp2m_event ev;
	struct timespec a, b;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 30), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	ck_assert_int_ge(ms, 29);
	ck_assert_int_lt(ms, 2000);
	/* It counted down, never forever. */
	ck_assert_int_ge(f.last_timeout, 0);
	ck_assert_int_lt(f.last_timeout, 30);
	altp2m_monitor_close(m);
}
END_TEST

START_TEST(monitor_errors)
{
	struct monfake f = { .err = -ENOBUFS };
	struct altp2m_monitor *m = monitor(&f);
	struct altp2m_event ev;

	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), -ENOBUFS);
	ck_assert_str_eq(altp2m_monitor_errmsg(m),
			 "next event: No buffer space available (events were lost: the socket's receive buffer overflowed)");
	f.err = -EINTR;
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, -1), -EINTR);
	ck_assert_str_eq(altp2m_monitor_errmsg(m), "next event: Interrupted system call");
	f.err = 0;
	ck_assert_int_eq(altp2m_monitor_next(m, NULL, 0), -EINVAL);
	ck_assert_str_eq(altp2m_monitor_errmsg(m),
			 "next event: Invalid argument (NULL result pointer)");
	ck_assert_int_eq(f.waits, 2);
	/* Every call starts clean. */
	ck_assert_int_eq(altp2m_monitor_next(m, &ev, 0), 0);
	ck_assert_str_eq(altp2m_monitor_errmsg(m), "");
	altp2m_monitor_close(m);
}
END_TEST

START_TEST(event_parse)
{
	struct altp2m_event ev;
	struct nl_msg *m;

	/* A generation, if the module ever sends one, is kept and flagged. */
	m = event(ALTP2M_CMD_VIEW_CREATED, FAMILY, 7, 2, -1, -1);
	nla_put_u64(m, ALTP2M_A_GENERATION, 0x1122334455ULL);
	ck_assert_int_eq(altp2m__event_parse(nlmsg_hdr(m), FAMILY, &ev), 0);
	ck_assert_uint_eq(ev.flags, ALTP2M_EVENT_HAS_GENERATION);
	ck_assert_uint_eq(ev.generation, 0x1122334455ULL);
	nlmsg_free(m);

	m = event(ALTP2M_CMD_VIEWS_ENABLED, FAMILY, 7, -1, 512, ALTP2M_MODE_LIMITED);
	ck_assert_int_eq(altp2m__event_parse(nlmsg_hdr(m), FAMILY, &ev), 0);
	ck_assert_uint_eq(ev.flags, 0);
	ck_assert_uint_eq(ev.type, ALTP2M_CMD_VIEWS_ENABLED);
	ck_assert_uint_eq(ev.vm_id, 7);
	ck_assert_uint_eq(ev.max_views, 512);
	ck_assert_uint_eq(ev.mode, ALTP2M_MODE_LIMITED);
	ck_assert_int_eq(altp2m__event_parse(nlmsg_hdr(m), FAMILY + 1, &ev), -EPROTO);
	nlmsg_free(m);
	/* A VIEW attribute of the wrong size. */
	m = event(ALTP2M_CMD_VIEW_CREATED, FAMILY, 7, -1, -1, -1);
	nla_put_u8(m, ALTP2M_A_VIEW, 1);
	ck_assert_int_eq(altp2m__event_parse(nlmsg_hdr(m), FAMILY, &ev), -EPROTO);
	nlmsg_free(m);
}
END_TEST

/* ---- altp2m__nl_deliver on its own ---- */

static int count_parse(void *arg, struct nlmsghdr *nlh)
{
	(void)nlh;
	return ++*(int *)arg > 1 ? -EBADMSG : 0;
}

static struct nl_msg *raw(int type, int flags, uint32_t seq, const void *data,
			  int len)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlmsghdr *h = nlmsg_put(m, 0, seq, type, len, flags);

	ck_assert_ptr_nonnull(h);
	if (data)
		memcpy(nlmsg_data(h), data, len);
	else
		memset(nlmsg_data(h), 0, len);
	return m;
}

START_TEST(deliver_rules)
{
	struct nl_msg *req = altp2m__nl_new(FAMILY, ALTP2M_CMD_GET_VIEW, NLM_F_DUMP, 0);
	struct altp2m__nl_reply rep = { .req = req, .parse = count_parse };
	struct nlmsgerr e = { .error = 0 };
	struct nl_msg *m;
	int parsed = 0;
	int err;

	rep.arg = &parsed;
	nlmsg_hdr(req)->nlmsg_seq = 5;
	/* Stale: another sequence number. */
	m = raw(FAMILY, NLM_F_MULTI, 4, NULL, GENL_HDRLEN);
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_SKIP);
	nlmsg_free(m);
	ck_assert_int_eq(parsed, 0);
	/* Too short for a genetlink header: a parse error, kept. */
	m = raw(FAMILY, NLM_F_MULTI, 5, NULL, 0);
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_OK);
	nlmsg_free(m);
	ck_assert_int_eq(rep.parse_err, -EPROTO);
	m = raw(FAMILY, NLM_F_MULTI | NLM_F_DUMP_INTR, 5, NULL, GENL_HDRLEN);
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_OK);
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_OK);
	nlmsg_free(m);
	ck_assert(rep.intr);
	ck_assert_int_eq(parsed, 2);
	ck_assert_int_eq(rep.parse_err, -EPROTO);	/* the first one stays */
	ck_assert_uint_eq(rep.nmsgs, 3);
	m = raw(NLMSG_NOOP, 0, 5, NULL, 0);
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_OK);
	nlmsg_free(m);
	ck_assert(!rep.done);
	/* NLMSG_DONE without the error int: done, no error. */
	m = raw(NLMSG_DONE, NLM_F_MULTI, 5, NULL, 0);
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_STOP);
	ck_assert(rep.done);
	ck_assert_int_eq(rep.err, 0);
	/* Nothing after the end counts. */
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_SKIP);
	nlmsg_free(m);

	memset(&rep, 0, sizeof(rep));
	rep.req = req;
	m = raw(NLMSG_OVERRUN, 0, 5, NULL, 0);
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_STOP);
	nlmsg_free(m);
	ck_assert_int_eq(rep.err, -EOVERFLOW);

	/* An NLMSG_ERROR too short, and one with a positive "errno". */
	memset(&rep, 0, sizeof(rep));
	rep.req = req;
	m = raw(NLMSG_ERROR, 0, 5, &e, 4);
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_STOP);
	nlmsg_free(m);
	ck_assert_int_eq(rep.err, -EPROTO);
	memset(&rep, 0, sizeof(rep));
	rep.req = req;
	e.error = 5;
	m = raw(NLMSG_ERROR, 0, 5, &e, sizeof(e));
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_STOP);
	nlmsg_free(m);
	ck_assert_int_eq(rep.err, -EPROTO);
	/* An error without TLVs: no extack. */
	memset(&rep, 0, sizeof(rep));
	rep.req = req;
	e.error = -EMSGSIZE;
	m = raw(NLMSG_ERROR, NLM_F_CAPPED, 5, &e, sizeof(e));
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_STOP);
	nlmsg_free(m);
	ck_assert_int_eq(rep.err, -EMSGSIZE);
	ck_assert(!rep.has_offs && !rep.has_miss_type && !rep.kmsg[0]);
	/* BATCH's cookie: the failing operation, a u32 in host order. */
	memset(&rep, 0, sizeof(rep));
	rep.req = req;
	e.error = -ENOENT;
	m = raw(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 5, &e, sizeof(e));
	{
		uint32_t op = 0x10203;

		nla_put(m, NLMSGERR_ATTR_COOKIE, sizeof(op), &op);
	}
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_STOP);
	nlmsg_free(m);
	ck_assert(rep.has_cookie);
	ck_assert_uint_eq(rep.cookie, 0x10203);
	/* A cookie of another size is not ours. */
	memset(&rep, 0, sizeof(rep));
	rep.req = req;
	m = raw(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 5, &e, sizeof(e));
	nla_put_u64(m, NLMSGERR_ATTR_COOKIE, 7);
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_STOP);
	nlmsg_free(m);
	ck_assert(!rep.has_cookie);
	/* A dump's error in NLMSG_DONE, with its message. */
	memset(&rep, 0, sizeof(rep));
	rep.req = req;
	err = -ESRCH;
	m = raw(NLMSG_DONE, NLM_F_MULTI | NLM_F_ACK_TLVS, 5, &err, sizeof(err));
	nla_put_string(m, NLMSGERR_ATTR_MSG, "gone");
	ck_assert_int_eq(altp2m__nl_deliver(&rep, nlmsg_hdr(m)), NL_STOP);
	nlmsg_free(m);
	ck_assert_int_eq(rep.err, -ESRCH);
	ck_assert_str_eq(rep.kmsg, "gone");
	nlmsg_free(req);
}
END_TEST

static Suite *lib_monitor_suite(void)
{
	Suite *s = suite_create("libaltp2m-monitor");
	TCase *tc = tcase_create("monitor");
	TCase *nl = tcase_create("deliver");

	tcase_add_test(tc, monitor_events);
	tcase_add_test(tc, monitor_queues_a_burst);
	tcase_add_test(tc, monitor_ignores_others);
	tcase_add_test(tc, monitor_times_out);
	tcase_add_test(tc, monitor_filters_vm);
	tcase_add_test(tc, monitor_bad_opts);
	tcase_add_test(tc, monitor_errors);
	tcase_add_test(tc, event_parse);
	suite_add_tcase(s, tc);
	tcase_add_test(nl, deliver_rules);
	suite_add_tcase(s, nl);
	return s;
}
UNIT_SUITE(lib_monitor_suite)
