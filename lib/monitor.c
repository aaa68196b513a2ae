// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: notifications of the family "altp2m" (multicast group
 * "events").
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "internal.h"

struct altp2m_monitor {
	const struct altp2m__monitor_transport *tr;
	void *priv;
	int family;
	struct altp2m_monitor_opts o;
	/* Events read but not handed out yet: q[head .. head + len). */
	struct altp2m_event *q;
	size_t head, len, cap;
	size_t lost;		/* events dropped for lack of memory */
	char errmsg[ALTP2M_ERRMSG_LEN];
};

static const struct nla_policy altp2m_event_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= { .type = NLA_U32 },
	[ALTP2M_A_VIEW]		= { .type = NLA_U32 },
	[ALTP2M_A_MAX_VIEWS]	= { .type = NLA_U32 },
	[ALTP2M_A_MODE]		= { .type = NLA_U32 },
	[ALTP2M_A_GENERATION]	= { .type = NLA_U64 },
};

int altp2m__event_parse(struct nlmsghdr *nlh, int family,
			struct altp2m_event *ev)
{
	struct nlattr *tb[ALTP2M_A_MAX + 1];
	struct genlmsghdr *g;

	if (nlh->nlmsg_type != family ||
	    nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EPROTO;
	g = nlmsg_data(nlh);
	if (!altp2m_event_name(g->cmd) ||
	    genlmsg_parse(nlh, 0, tb, ALTP2M_A_MAX, altp2m_event_policy) ||
	    !tb[ALTP2M_A_VM_ID])
		return -EPROTO;
	memset(ev, 0, sizeof(*ev));
	ev->type = g->cmd;
	ev->vm_id = nla_get_u32(tb[ALTP2M_A_VM_ID]);
	if (tb[ALTP2M_A_VIEW])
		ev->view = nla_get_u32(tb[ALTP2M_A_VIEW]);
	if (tb[ALTP2M_A_MAX_VIEWS])
		ev->max_views = nla_get_u32(tb[ALTP2M_A_MAX_VIEWS]);
	if (tb[ALTP2M_A_MODE])
		ev->mode = nla_get_u32(tb[ALTP2M_A_MODE]);
	if (tb[ALTP2M_A_GENERATION]) {
		ev->generation = nla_get_u64(tb[ALTP2M_A_GENERATION]);
		ev->flags |= ALTP2M_EVENT_HAS_GENERATION;
	}
	return 0;
}

/* Queue a notification; anything else on the socket is ignored. */
static void altp2m_monitor_deliver(void *arg, struct nlmsghdr *nlh)
{
	struct altp2m_monitor *m = arg;
	struct altp2m_event ev, *q;

	if (altp2m__event_parse(nlh, m->family, &ev))
		return;
	if ((m->o.flags & ALTP2M_MONITOR_ONE_VM) && ev.vm_id != m->o.vm_id)
		return;
	if (m->head + m->len == m->cap) {
		if (m->head) {
			memmove(m->q, m->q + m->head, m->len * sizeof(*m->q));
			m->head = 0;
		} else {
			size_t cap = m->cap ? m->cap * 2 : 8;

			q = realloc(m->q, cap * sizeof(*q));
			if (!q) {
				m->lost++;
				return;
			}
			m->q = q;
			m->cap = cap;
		}
	}
	m->q[m->head + m->len++] = ev;
}

static bool altp2m_monitor_pop(struct altp2m_monitor *m,
			       struct altp2m_event *ev)
{
	if (!m->len)
		return false;
	*ev = m->q[m->head++];
	if (!--m->len)
		m->head = 0;
	return true;
}

static long long altp2m_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

ALTP2M_EXPORT
int altp2m_monitor_next(struct altp2m_monitor *m, struct altp2m_event *ev,
			int timeout_ms)
{
	long long deadline = altp2m_now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	long long left;
	size_t lost;
	int err;

	m->errmsg[0] = '\0';
	if (!ev) {
		snprintf(m->errmsg, sizeof(m->errmsg),
			 "next event: %s (NULL result pointer)",
			 strerror(EINVAL));
		return -EINVAL;
	}
	for (;;) {
		if (m->lost) {
			lost = m->lost;
			m->lost = 0;
			snprintf(m->errmsg, sizeof(m->errmsg),
				 "next event: %s (%zu events lost)",
				 strerror(ENOMEM), lost);
			return -ENOMEM;
		}
		if (altp2m_monitor_pop(m, ev))
			return 1;
		left = timeout_ms < 0 ? -1 : deadline - altp2m_now_ms();
		if (timeout_ms >= 0 && left < 0)
			left = 0;
		err = m->tr->wait(m->priv, (int)left, altp2m_monitor_deliver,
				  m);
		if (err == -ENOBUFS) {
			snprintf(m->errmsg, sizeof(m->errmsg),
				 "next event: %s (events were lost: the socket's receive buffer overflowed)",
				 strerror(ENOBUFS));
			return err;
		}
		if (err) {
			snprintf(m->errmsg, sizeof(m->errmsg),
				 "next event: %s", strerror(-err));
			return err;
		}
		if (altp2m_monitor_pop(m, ev))
			return 1;
		if (!m->lost && timeout_ms >= 0 &&
		    altp2m_now_ms() >= deadline)
			return 0;
	}
}

int altp2m__monitor_open_transport(struct altp2m_monitor **mp,
				   const struct altp2m__monitor_transport *tr,
				   void *priv, int family,
				   const struct altp2m_monitor_opts *opts,
				   char *errbuf, size_t errlen)
{
	struct altp2m_monitor *m;
	int err;

	*mp = NULL;
	m = calloc(1, sizeof(*m));
	err = m ? altp2m__opts_copy(&m->o, sizeof(m->o), opts) : -ENOMEM;
	if (!err && (m->o.flags & ~ALTP2M_MONITOR_ONE_VM))
		err = -EINVAL;
	if (err) {
		altp2m__fmt(errbuf, errlen, "open monitor: %s%s",
			    strerror(-err), err == -EINVAL ?
			    " (bad struct altp2m_monitor_opts)" : "");
		free(m);
		tr->close(priv);
		return err;
	}
	m->tr = tr;
	m->priv = priv;
	m->family = family;
	*mp = m;
	return 0;
}

ALTP2M_EXPORT
int altp2m_monitor_fd(const struct altp2m_monitor *m)
{
	return m->tr->fd(m->priv);
}

ALTP2M_EXPORT
const char *altp2m_monitor_errmsg(const struct altp2m_monitor *m)
{
	return m->errmsg;
}

ALTP2M_EXPORT
void altp2m_monitor_close(struct altp2m_monitor *m)
{
	if (!m)
		return;
	m->tr->close(m->priv);
	free(m->q);
	free(m);
}

/* ---- the socket ---- */

static int altp2m_nlmon_fd(void *priv)
{
	return ((struct altp2m__nl_sock *)priv)->fd;
}

static void altp2m_nlmon_close(void *priv)
{
	altp2m__nl_sock_transport.close(priv);
}

/* One datagram, if one is there within @timeout_ms. */
static int altp2m_nlmon_wait(void *priv, int timeout_ms,
			     void (*deliver)(void *arg, struct nlmsghdr *nlh),
			     void *arg)
{
	struct pollfd pfd = { .fd = altp2m_nlmon_fd(priv), .events = POLLIN };
	struct nlmsghdr *nlh;
	ssize_t n;
	void *buf;
	int len;

	n = poll(&pfd, 1, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (!n)
		return 0;
	n = recv(pfd.fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	n = recv(pfd.fd, buf, n, MSG_DONTWAIT);
	if (n < 0) {
		n = errno == EAGAIN ? 0 : -errno;
		free(buf);
		return n;
	}
	len = n;
	for (nlh = buf; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len))
		deliver(arg, nlh);
	free(buf);
	return 0;
}

static const struct altp2m__monitor_transport altp2m_nlmon_transport = {
	.wait = altp2m_nlmon_wait,
	.fd = altp2m_nlmon_fd,
	.close = altp2m_nlmon_close,
};

/*
 * The socket is opened as the connection's is, and joins the group the
 * connection resolved: one lookup, one way to fail.
 */
ALTP2M_EXPORT
int altp2m_monitor_open(struct altp2m_conn *conn,
			const struct altp2m_monitor_opts *opts,
			struct altp2m_monitor **mp)
{
	struct altp2m__nl_sock *s;
	char why[ALTP2M_ERRMSG_LEN] = "";
	uint32_t grp = conn->events_grp;
	int err;

	altp2m__err_clear(&conn->e);
	if (!mp) {
		altp2m__err_set(&conn->e, -EINVAL, "NULL result pointer");
		altp2m__err_finish(&conn->e, -EINVAL, "open monitor");
		return -EINVAL;
	}
	*mp = NULL;
	if (!grp) {
		altp2m__err_set(&conn->e, -ENOENT,
				"the family " ALTP2M_GENL_NAME
				" has no multicast group " ALTP2M_GENL_MCGRP_EVENTS);
		altp2m__err_finish(&conn->e, -ENOENT, "open monitor");
		return -ENOENT;
	}
	err = altp2m__nl_sock_open(&s, conn->timeout_ms, why, sizeof(why));
	if (err) {
		snprintf(conn->e.msg, sizeof(conn->e.msg), "open monitor: %.200s",
			 why);
		conn->e.err = err;
		return err;
	}
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp))) {
		err = -errno;
		altp2m__nl_sock_transport.close(s);
		altp2m__err_set(&conn->e, err,
				"cannot join the multicast group "
				ALTP2M_GENL_MCGRP_EVENTS);
		altp2m__err_finish(&conn->e, err, "open monitor");
		return err;
	}
	err = altp2m__monitor_open_transport(mp, &altp2m_nlmon_transport, s,
					     conn->family, opts, why,
					     sizeof(why));
	if (err) {
		snprintf(conn->e.msg, sizeof(conn->e.msg), "%s", why);
		conn->e.err = err;
	}
	return err;
}
