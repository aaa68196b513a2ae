// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: generic netlink exchanges with the family "altp2m". A request
 * is a struct nl_msg; the answer's messages go through
 * altp2m__nl_deliver(), which both the libnl socket below and the unit
 * tests' fake transports call. Errors carry the kernel's extended ack,
 * which is mapped back to the attribute of the request it blames.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "internal.h"

struct nl_msg *altp2m__nl_new(int family, uint8_t cmd, int flags,
			      size_t payload)
{
	struct nl_msg *msg;

	msg = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + 256 + payload);
	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, flags,
			 cmd, ALTP2M_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The extended-ack attributes from @len bytes at @head. */
static void altp2m__nl_extack(struct altp2m__nl_reply *rep,
			      struct nlattr *head, int len)
{
	struct nlattr *nla;
	int rem;

	if (len <= 0)
		return;
	nla_for_each_attr(nla, head, len, rem) {
		switch (nla_type(nla)) {
		case NLMSGERR_ATTR_MSG:
			if (nla_len(nla) > 0)
				nla_strlcpy(rep->kmsg, nla, sizeof(rep->kmsg));
			break;
		case NLMSGERR_ATTR_OFFS:
			if (nla_len(nla) >= 4) {
				rep->has_offs = true;
				rep->offs = nla_get_u32(nla);
			}
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (nla_len(nla) >= 4) {
				rep->has_miss_type = true;
				rep->miss_type = nla_get_u32(nla);
			}
			break;
		case NLMSGERR_ATTR_COOKIE:
			/* The failing operation's index, host order. */
			if (nla_len(nla) == 4) {
				rep->has_cookie = true;
				memcpy(&rep->cookie, nla_data(nla), 4);
			}
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			if (nla_len(nla) >= 4) {
				rep->has_miss_nest = true;
				rep->miss_nest = nla_get_u32(nla);
			}
			break;
		}
	}
}

/* NLMSG_ERROR: an ack (error 0) or an error with its extended ack. */
static int altp2m__nl_error(struct altp2m__nl_reply *rep, struct nlmsghdr *nlh)
{
	struct nlmsgerr *e = nlmsg_data(nlh);
	size_t off;

	rep->done = true;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e)) {
		rep->err = -EPROTO;
		return NL_STOP;
	}
	if (e->error >= 0) {
		rep->err = e->error ? -EPROTO : 0;
		return NL_STOP;
	}
	rep->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	/* The TLVs follow the request's header, or the whole request. */
	off = NLMSG_HDRLEN + sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) &&
	    e->msg.nlmsg_len >= NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	if (off < nlh->nlmsg_len)
		altp2m__nl_extack(rep, (struct nlattr *)((char *)nlh + off),
				  nlh->nlmsg_len - off);
	return NL_STOP;
}

/* NLMSG_DONE: the end of a dump, with the dump's error if it failed. */
static int altp2m__nl_done(struct altp2m__nl_reply *rep, struct nlmsghdr *nlh)
{
	size_t off = NLMSG_HDRLEN + sizeof(int);
	int err;

	rep->done = true;
	if (nlh->nlmsg_len < off)
		return NL_STOP;
	memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err > 0)
		err = -EPROTO;
	rep->err = err;
	if (err && (nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < nlh->nlmsg_len)
		altp2m__nl_extack(rep, (struct nlattr *)((char *)nlh + off),
				  nlh->nlmsg_len - off);
	return NL_STOP;
}

int altp2m__nl_deliver(struct altp2m__nl_reply *rep, struct nlmsghdr *nlh)
{
	struct nlmsghdr *req = nlmsg_hdr(rep->req);
	int err;

	if (rep->done || nlh->nlmsg_seq != req->nlmsg_seq)
		return NL_SKIP;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		rep->intr = true;
	switch (nlh->nlmsg_type) {
	case NLMSG_NOOP:
		return NL_OK;
	case NLMSG_ERROR:
		return altp2m__nl_error(rep, nlh);
	case NLMSG_DONE:
		return altp2m__nl_done(rep, nlh);
	case NLMSG_OVERRUN:
		rep->done = true;
		rep->err = -EOVERFLOW;
		return NL_STOP;
	}
	rep->nmsgs++;
	err = 0;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN)
		err = -EPROTO;
	else if (rep->parse)
		err = rep->parse(rep->arg, nlh);
	if (err && !rep->parse_err)
		rep->parse_err = err;
	return NL_OK;
}

static bool altp2m__nl_is_nest(int type)
{
	return type == ALTP2M_A_ENTRY || type == ALTP2M_A_OP ||
	       type == ALTP2M_A_STATS || type == ALTP2M_A_VCPU_VIEW;
}

/*
 * Find the attribute of @req that starts at @off: *top is its top-level
 * type (or its nest's), *inner its type inside a nest or -1, *entry the
 * ordinal of its ALTP2M_A_ENTRY or ALTP2M_A_OP nest among the nests of
 * that type, or -1. Returns 0 or -ENOENT.
 */
static int altp2m__nl_find(struct nl_msg *req, uint32_t off, int *top,
			   int *inner, long *entry)
{
	struct nlmsghdr *nlh = nlmsg_hdr(req);
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *nla, *in;
	long entries = 0, ops = 0;
	int rem, irem;

	*inner = -1;
	*entry = -1;
	nla_for_each_attr(nla, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		uint32_t at = (char *)nla - (char *)nlh;

		*top = nla_type(nla);
		*entry = -1;
		if (*top == ALTP2M_A_ENTRY)
			*entry = entries++;
		else if (*top == ALTP2M_A_OP)
			*entry = ops++;
		if (at == off)
			return 0;
		if (!altp2m__nl_is_nest(*top) || off < at ||
		    off >= at + nla->nla_len)
			continue;
		nla_for_each_nested(in, nla, irem) {
			if ((uint32_t)((char *)in - (char *)nlh) == off) {
				*inner = nla_type(in);
				return 0;
			}
		}
		return -ENOENT;
	}
	return -ENOENT;
}

/* "vm-id", "entry.gfn", or a number for a type the library does not know. */
static void altp2m__nl_name(int top, int inner, char *name, size_t len)
{
	const char *t = altp2m__attr_name(0, top);
	const char *i = inner >= 0 ? altp2m__attr_name(top, inner) : NULL;

	if (!t)
		snprintf(name, len, "%d", top);
	else if (inner < 0)
		snprintf(name, len, "%s", t);
	else if (i)
		snprintf(name, len, "%s.%s", t, i);
	else
		snprintf(name, len, "%s.%d", t, inner);
}

int altp2m__nl_attr_at(struct nl_msg *req, uint32_t off, char *name,
		       size_t len, long *entry, int *top)
{
	int inner;
	long ent;

	*top = -1;
	if (altp2m__nl_find(req, off, top, &inner, &ent)) {
		*entry = -1;
		*top = -1;
		return -ENOENT;
	}
	altp2m__nl_name(*top, inner, name, len);
	*entry = ent;
	return 0;
}

/*
 * What the module blamed, into @e's fields, and as a phrase into @buf:
 * "attribute entry.gfn of list entry 17", "missing attribute gfn", "".
 */
static void altp2m__nl_where(const struct altp2m__nl_reply *rep,
			     size_t entry_base, size_t op_base,
			     struct altp2m__err *e, char *buf, size_t len)
{
	char name[64];
	int top, inner;
	long entry = -1;

	buf[0] = '\0';
	if (rep->has_cookie)
		e->op = (long)(op_base + rep->cookie);
	if (rep->has_offs) {
		if (altp2m__nl_attr_at(rep->req, rep->offs, name, sizeof(name),
				       &entry, &top)) {
			snprintf(buf, len, "attribute at offset %u", rep->offs);
			return;
		}
		e->attr = top;
		snprintf(e->attr_name, sizeof(e->attr_name), "%s", name);
		if (entry >= 0 && top == ALTP2M_A_ENTRY) {
			e->entry = (long)(entry_base + (size_t)entry);
			snprintf(buf, len, "attribute %s of list entry %ld",
				 name, e->entry);
		} else if (entry >= 0 && top == ALTP2M_A_OP) {
			e->op = (long)(op_base + (size_t)entry);
			snprintf(buf, len, "attribute %s of operation %ld",
				 name, e->op);
		} else {
			snprintf(buf, len, "attribute %s", name);
		}
		return;
	}
	if (!rep->has_miss_type)
		return;
	if (rep->has_miss_nest &&
	    !altp2m__nl_find(rep->req, rep->miss_nest, &top, &inner, &entry) &&
	    inner < 0) {
		altp2m__nl_name(top, rep->miss_type, name, sizeof(name));
		e->attr = top;
		snprintf(e->attr_name, sizeof(e->attr_name), "%s", name);
		if (top == ALTP2M_A_ENTRY && entry >= 0) {
			e->entry = (long)(entry_base + (size_t)entry);
			snprintf(buf, len,
				 "missing attribute %s in list entry %ld",
				 name, e->entry);
			return;
		}
		if (top == ALTP2M_A_OP && entry >= 0) {
			e->op = (long)(op_base + (size_t)entry);
			snprintf(buf, len,
				 "missing attribute %s in operation %ld",
				 name, e->op);
			return;
		}
	} else {
		altp2m__nl_name(rep->miss_type, -1, name, sizeof(name));
		e->attr = rep->miss_type;
		snprintf(e->attr_name, sizeof(e->attr_name), "%s", name);
	}
	snprintf(buf, len, "missing attribute %s", name);
}

/*
 * The module's own messages start with the attribute's name ("view: no
 * such view"), or with the operation and the attribute's name inside it
 * ("operation 4: target: ..."); saying "attribute view" after them again
 * adds nothing.
 */
static bool altp2m__nl_names_attr(const char *kmsg, const char *where,
				  const struct altp2m__err *e)
{
	const char *name = e->attr_name;
	size_t n;

	if (strncmp(where, "attribute ", 10))
		return false;
	if (strstr(where, " of operation ")) {
		if (strncmp(kmsg, "operation ", 10))
			return false;
		kmsg += 10 + strspn(kmsg + 10, "0123456789");
		if (strncmp(kmsg, ": ", 2))
			return false;
		kmsg += 2;
		name = strchr(name, '.') ? strchr(name, '.') + 1 : name;
	} else if (strstr(where, " of ")) {
		return false;
	}
	n = strlen(name);
	return n && !strncmp(kmsg, name, n) && kmsg[n] == ':';
}

void altp2m__nl_describe(const struct altp2m__nl_reply *rep, int err,
			 size_t entry_base, size_t op_base,
			 struct altp2m__err *e)
{
	char where[128];

	altp2m__nl_where(rep, entry_base, op_base, e, where, sizeof(where));
	if (rep->kmsg[0] && altp2m__nl_names_attr(rep->kmsg, where, e))
		where[0] = '\0';
	e->err = err;
	/* The end of a long kernel message gives way to what it blamed. */
	if (rep->kmsg[0] && where[0])
		snprintf(e->msg, sizeof(e->msg), "%.*s; %s",
			 (int)(sizeof(e->msg) - sizeof(where) - 2), rep->kmsg,
			 where);
	else if (rep->kmsg[0])
		snprintf(e->msg, sizeof(e->msg), "%s", rep->kmsg);
	else if (err == -EPERM)
		snprintf(e->msg, sizeof(e->msg),
			 "%s%sneeds CAP_NET_ADMIN or CAP_SYS_ADMIN over the VM, in the user namespace of its creator",
			 where, where[0] ? "; " : "");
	else
		snprintf(e->msg, sizeof(e->msg), "%s", where);
}

static void altp2m__nl_reply_reset(struct altp2m__nl_reply *rep)
{
	rep->done = false;
	rep->intr = false;
	rep->err = 0;
	rep->parse_err = 0;
	rep->nmsgs = 0;
	rep->kmsg[0] = '\0';
	rep->has_offs = false;
	rep->has_miss_type = false;
	rep->has_miss_nest = false;
	rep->has_cookie = false;
	rep->offs = 0;
	rep->miss_type = 0;
	rep->miss_nest = 0;
	rep->cookie = 0;
}

int altp2m__nl_transact(const struct altp2m__nl_transport *tr, void *priv,
			struct altp2m__nl_reply *rep, size_t entry_base,
			size_t op_base, struct altp2m__err *e)
{
	struct nlmsghdr *nlh = nlmsg_hdr(rep->req);
	int err;

	altp2m__nl_reply_reset(rep);
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	/* A new sequence number for every attempt. */
	nlh->nlmsg_seq = NL_AUTO_SEQ;
	nlh->nlmsg_pid = NL_AUTO_PORT;
	err = tr->exchange(priv, rep->req, rep);
	if (err == -ETIMEDOUT)
		return altp2m__err_set(e, err, "no answer from the module in time");
	if (err)
		return altp2m__err_set(e, err, "netlink");
	if (!rep->done)
		return altp2m__err_set(e, -EPROTO,
				       "the module's answer ended early");
	if (rep->err) {
		altp2m__nl_describe(rep, rep->err, entry_base, op_base, e);
		return rep->err;
	}
	if (rep->parse_err)
		return altp2m__err_set(e, rep->parse_err,
				       "malformed answer from the module");
	return 0;
}

int altp2m__nl_dump(const struct altp2m__nl_transport *tr, void *priv,
		    struct altp2m__nl_reply *rep, void (*reset)(void *arg),
		    struct altp2m__err *e)
{
	int attempt, err;

	for (attempt = 0; attempt < ALTP2M_DUMP_RETRIES; attempt++) {
		if (attempt)
			reset(rep->arg);
		err = altp2m__nl_transact(tr, priv, rep, 0, 0, e);
		if (err || !rep->intr)
			return err;
	}
	reset(rep->arg);
	return altp2m__err_set(e, -EAGAIN,
			       "the dump was interrupted by concurrent changes %d times in a row",
			       ALTP2M_DUMP_RETRIES);
}

/* ---- the socket ---- */

static long long altp2m__nl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Wait until @fd is readable, at most until @deadline: 0, -ETIMEDOUT, or
 * a negative errno. Signals do not move the deadline.
 */
static int altp2m__nl_wait(int fd, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left;
	int n;

	for (;;) {
		left = deadline - altp2m__nl_now_ms();
		if (left < 0)
			left = 0;
		n = poll(&pfd, 1, left > INT_MAX ? INT_MAX : (int)left);
		if (n > 0)
			return 0;
		if (!n)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* One datagram, every message of it to @rep. */
static int altp2m__nl_recv(int fd, struct altp2m__nl_reply *rep)
{
	struct nlmsghdr *nlh;
	ssize_t n;
	void *buf;
	int len;

	n = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	buf = malloc(n ? n : 1);
	if (!buf)
		return -ENOMEM;
	n = recv(fd, buf, n, MSG_DONTWAIT);
	if (n < 0) {
		n = errno == EAGAIN || errno == EINTR ? 0 : -errno;
		free(buf);
		return n;
	}
	len = n;
	for (nlh = buf; nlmsg_ok(nlh, len); nlh = nlmsg_next(nlh, &len))
		altp2m__nl_deliver(rep, nlh);
	free(buf);
	return 0;
}

/*
 * Send, then read until the exchange is over. The timeout bounds the wait
 * for each datagram, not the whole answer: a dump of a large view takes
 * as long as it takes, a module that stops answering does not.
 */
static int altp2m__nl_sock_exchange(void *priv, struct nl_msg *req,
				    struct altp2m__nl_reply *rep)
{
	struct altp2m__nl_sock *s = priv;
	struct nlmsghdr *nlh = nlmsg_hdr(req);
	ssize_t n;
	int err;

	/* 0 is what a stale ack of an unnumbered request would carry. */
	if (!++s->seq)
		s->seq = 1;
	nlh->nlmsg_seq = s->seq;
	nlh->nlmsg_pid = 0;
	do {
		n = send(s->fd, nlh, nlh->nlmsg_len, 0);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != nlh->nlmsg_len)
		return -EMSGSIZE;
	while (!rep->done) {
		err = altp2m__nl_wait(s->fd, altp2m__nl_now_ms() +
					     s->timeout_ms);
		if (!err)
			err = altp2m__nl_recv(s->fd, rep);
		if (err)
			return err;
	}
	return 0;
}

static void altp2m__nl_sock_close(void *priv)
{
	struct altp2m__nl_sock *s = priv;

	close(s->fd);
	free(s);
}

const struct altp2m__nl_transport altp2m__nl_sock_transport = {
	.exchange = altp2m__nl_sock_exchange,
	.close = altp2m__nl_sock_close,
};

int altp2m__nl_sock_wrap(struct altp2m__nl_sock **sp, int fd, int timeout_ms)
{
	*sp = calloc(1, sizeof(**sp));
	if (!*sp) {
		close(fd);
		return -ENOMEM;
	}
	(*sp)->fd = fd;
	(*sp)->timeout_ms = timeout_ms > 0 ? timeout_ms :
					     ALTP2M_DEFAULT_TIMEOUT_MS;
	return 0;
}

int altp2m__nl_sock_open(struct altp2m__nl_sock **sp, int timeout_ms,
			 char *errbuf, size_t errlen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, fd, err;

	*sp = NULL;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		altp2m__fmt(errbuf, errlen,
			    "cannot open a generic netlink socket: %s",
			    strerror(-err));
		goto fail;
	}
	/*
	 * Acks are asked for per request (altp2m__nl_transact) and sequence
	 * numbers checked by altp2m__nl_deliver().
	 */
	if (setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one))) {
		err = -errno;
		altp2m__fmt(errbuf, errlen,
			    "cannot enable extended netlink acks: %s",
			    strerror(-err));
		goto fail;
	}
	err = altp2m__nl_sock_wrap(sp, fd, timeout_ms);
	if (err)
		altp2m__fmt(errbuf, errlen, "%s", strerror(-err));
	return err;
fail:
	if (fd >= 0)
		close(fd);
	return err;
}
