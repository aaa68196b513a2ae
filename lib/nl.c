// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: generic netlink exchanges with the family "altp2m". A request
 * is a struct nl_msg; the answer's messages go through
 * altp2m_nl_deliver(), which both the libnl socket below and the unit
 * tests' fake transports call. Errors carry the kernel's extended ack,
 * which is mapped back to the attribute of the request it blames.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>

#include "internal.h"

struct nl_msg *altp2m_nl_new(int family, uint8_t cmd, int flags,
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
static void altp2m_nl_extack(struct altp2m_nl_reply *rep,
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
static int altp2m_nl_error(struct altp2m_nl_reply *rep, struct nlmsghdr *nlh)
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
		altp2m_nl_extack(rep, (struct nlattr *)((char *)nlh + off),
				 nlh->nlmsg_len - off);
	return NL_STOP;
}

/* NLMSG_DONE: the end of a dump, with the dump's error if it failed. */
static int altp2m_nl_done(struct altp2m_nl_reply *rep, struct nlmsghdr *nlh)
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
		altp2m_nl_extack(rep, (struct nlattr *)((char *)nlh + off),
				 nlh->nlmsg_len - off);
	return NL_STOP;
}

int altp2m_nl_deliver(struct altp2m_nl_reply *rep, struct nlmsghdr *nlh)
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
		return altp2m_nl_error(rep, nlh);
	case NLMSG_DONE:
		return altp2m_nl_done(rep, nlh);
	case NLMSG_OVERRUN:
		rep->done = true;
		rep->err = -EOVERFLOW;
		return NL_STOP;
	}
	rep->nmsgs++;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
		err = -EPROTO;
	} else if (rep->parse) {
		err = rep->parse(rep->arg, nlh);
	} else {
		err = 0;
	}
	if (err && !rep->parse_err)
		rep->parse_err = err;
	return NL_OK;
}

static bool altp2m_nl_is_nest(int type)
{
	return type == ALTP2M_A_ENTRY || type == ALTP2M_A_STATS ||
	       type == ALTP2M_A_VCPU_VIEW;
}

/*
 * Find the attribute of @req that starts at @off: *top is its top-level
 * type (or its nest's), *inner its type inside a nest or -1, *entry the
 * ordinal of its ALTP2M_A_ENTRY nest or -1. Returns 0 or -ENOENT.
 */
static int altp2m_nl_find(struct nl_msg *req, uint32_t off, int *top,
			  int *inner, long *entry)
{
	struct nlmsghdr *nlh = nlmsg_hdr(req);
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *nla, *in;
	long entries = 0;
	int rem, irem;

	*inner = -1;
	*entry = -1;
	nla_for_each_attr(nla, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		uint32_t at = (char *)nla - (char *)nlh;

		*top = nla_type(nla);
		if (*top == ALTP2M_A_ENTRY)
			*entry = entries++;
		if (at == off)
			return 0;
		if (!altp2m_nl_is_nest(*top) || off < at ||
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
static void altp2m_nl_name(int top, int inner, char *name, size_t len)
{
	const char *t = altp2m_attr_name(0, top);
	const char *i = inner >= 0 ? altp2m_attr_name(top, inner) : NULL;

	if (!t)
		snprintf(name, len, "%d", top);
	else if (inner < 0)
		snprintf(name, len, "%s", t);
	else if (i)
		snprintf(name, len, "%s.%s", t, i);
	else
		snprintf(name, len, "%s.%d", t, inner);
}

int altp2m_nl_attr_at(struct nl_msg *req, uint32_t off, char *name,
		      size_t len, long *entry)
{
	int top, inner;
	long ent;

	if (altp2m_nl_find(req, off, &top, &inner, &ent)) {
		*entry = -1;
		return -ENOENT;
	}
	altp2m_nl_name(top, inner, name, len);
	*entry = top == ALTP2M_A_ENTRY ? ent : -1;
	return 0;
}

/* " (attribute entry.gfn of list entry 17)", " (missing attribute gfn)" */
static void altp2m_nl_where(const struct altp2m_nl_reply *rep,
			    size_t entry_base, char *buf, size_t len)
{
	char name[64];
	int top, inner;
	long entry = -1;

	buf[0] = '\0';
	if (rep->has_offs) {
		if (altp2m_nl_attr_at(rep->req, rep->offs, name, sizeof(name),
				      &entry)) {
			snprintf(buf, len, " (attribute at offset %u)",
				 rep->offs);
			return;
		}
		if (entry >= 0)
			snprintf(buf, len, " (attribute %s of list entry %zu)",
				 name, entry_base + (size_t)entry);
		else
			snprintf(buf, len, " (attribute %s)", name);
		return;
	}
	if (!rep->has_miss_type)
		return;
	if (rep->has_miss_nest &&
	    !altp2m_nl_find(rep->req, rep->miss_nest, &top, &inner, &entry) &&
	    inner < 0) {
		altp2m_nl_name(top, rep->miss_type, name, sizeof(name));
		if (top == ALTP2M_A_ENTRY && entry >= 0) {
			snprintf(buf, len,
				 " (missing attribute %s in list entry %zu)",
				 name, entry_base + (size_t)entry);
			return;
		}
	} else {
		altp2m_nl_name(rep->miss_type, -1, name, sizeof(name));
	}
	snprintf(buf, len, " (missing attribute %s)", name);
}

/*
 * The module's own messages start with the attribute's name ("view: no
 * such view"); saying "(attribute view)" after them again adds nothing.
 */
static bool altp2m_nl_names_attr(const char *kmsg, const char *where)
{
	const char *name = strstr(where, "(attribute ");
	size_t n;

	if (!name || strstr(where, "list entry"))
		return false;
	name += strlen("(attribute ");
	n = strcspn(name, ")");
	return !strncmp(kmsg, name, n) && kmsg[n] == ':';
}

void altp2m_nl_describe(const struct altp2m_nl_reply *rep, int err,
			size_t entry_base, char *buf, size_t len)
{
	const char *msg = rep->kmsg[0] ? rep->kmsg : strerror(-err);
	char where[128];

	altp2m_nl_where(rep, entry_base, where, sizeof(where));
	if (rep->kmsg[0] && altp2m_nl_names_attr(rep->kmsg, where))
		where[0] = '\0';
	if (err == -EPERM && !rep->kmsg[0])
		altp2m_fmt(buf, len,
			   "%s%s: needs CAP_NET_ADMIN or CAP_SYS_ADMIN over the VM (in the user namespace of its creator)",
			   msg, where);
	else
		altp2m_fmt(buf, len, "%s%s", msg, where);
}

static void altp2m_nl_reply_reset(struct altp2m_nl_reply *rep)
{
	rep->done = false;
	rep->intr = false;
	rep->err = 0;
	rep->parse_err = 0;
	rep->nmsgs = 0;
	rep->kmsg[0] = '\0';
	rep->has_offs = rep->has_miss_type = rep->has_miss_nest = false;
	rep->offs = rep->miss_type = rep->miss_nest = 0;
}

int altp2m_nl_transact(const struct altp2m_nl_transport *tr, void *priv,
		       struct altp2m_nl_reply *rep, size_t entry_base,
		       char *buf, size_t len)
{
	struct nlmsghdr *nlh = nlmsg_hdr(rep->req);
	int err;

	altp2m_nl_reply_reset(rep);
	nlh->nlmsg_flags |= NLM_F_REQUEST;
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	/* A new sequence number for every attempt. */
	nlh->nlmsg_seq = NL_AUTO_SEQ;
	nlh->nlmsg_pid = NL_AUTO_PORT;
	err = tr->exchange(priv, rep->req, rep);
	if (err) {
		altp2m_fmt(buf, len, "netlink: %s", strerror(-err));
		return err;
	}
	if (!rep->done) {
		altp2m_fmt(buf, len, "netlink: the answer ended early");
		return -EPROTO;
	}
	if (rep->err) {
		altp2m_nl_describe(rep, rep->err, entry_base, buf, len);
		return rep->err;
	}
	if (rep->parse_err) {
		altp2m_fmt(buf, len, "malformed answer from the module: %s",
			   strerror(-rep->parse_err));
		return rep->parse_err;
	}
	return 0;
}

int altp2m_nl_dump(const struct altp2m_nl_transport *tr, void *priv,
		   struct altp2m_nl_reply *rep, void (*reset)(void *arg),
		   char *buf, size_t len)
{
	int attempt, err;

	for (attempt = 0; attempt < ALTP2M_DUMP_RETRIES; attempt++) {
		if (attempt)
			reset(rep->arg);
		err = altp2m_nl_transact(tr, priv, rep, 0, buf, len);
		if (err || !rep->intr)
			return err;
	}
	reset(rep->arg);
	altp2m_fmt(buf, len,
		   "the dump was interrupted by concurrent changes %d times in a row",
		   ALTP2M_DUMP_RETRIES);
	return -EAGAIN;
}

/* ---- the libnl socket ---- */

/* libnl's error codes as errno values, as far as they have one. */
static int altp2m_nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_INTR:		return EINTR;
	case NLE_BAD_SOCK:	return EBADF;
	case NLE_AGAIN:		return EAGAIN;
	case NLE_NOMEM:		return ENOMEM;
	case NLE_EXIST:		return EEXIST;
	case NLE_INVAL:		return EINVAL;
	case NLE_RANGE:		return ERANGE;
	case NLE_MSGSIZE:	return EMSGSIZE;
	case NLE_OPNOTSUPP:	return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:	return ENOENT;
	case NLE_BUSY:		return EBUSY;
	case NLE_NOACCESS:	return EACCES;
	case NLE_PERM:		return EPERM;
	case NLE_NODEV:		return ENODEV;
	case NLE_DUMP_INTR:	return EAGAIN;
	default:		return EIO;
	}
}

static int altp2m_sock_msg(struct nl_msg *msg, void *arg)
{
	return altp2m_nl_deliver(arg, nlmsg_hdr(msg));
}

static int altp2m_sock_intr(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	/* Noted by altp2m_nl_deliver(); the message is read as any other. */
	return NL_OK;
}

/* libnl hands us the nlmsgerr inside the NLMSG_ERROR message. */
static int altp2m_sock_err(struct sockaddr_nl *nla, struct nlmsgerr *e,
			   void *arg)
{
	(void)nla;
	return altp2m_nl_deliver(arg, (struct nlmsghdr *)((char *)e -
							   NLMSG_HDRLEN));
}

static int altp2m_sock_exchange(void *priv, struct nl_msg *req,
				struct altp2m_nl_reply *rep)
{
	struct nl_sock *sk = priv;
	struct nl_cb *cb;
	int ret, err = 0;

	cb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, altp2m_sock_msg, rep);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, altp2m_sock_msg, rep);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, altp2m_sock_msg, rep);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, altp2m_sock_intr, rep);
	nl_cb_err(cb, NL_CB_CUSTOM, altp2m_sock_err, rep);
	ret = nl_send_auto(sk, req);
	if (ret < 0)
		err = -altp2m_nl_errno(ret);
	while (!err && !rep->done) {
		ret = nl_recvmsgs(sk, cb);
		if (ret < 0 && !rep->done)
			err = -altp2m_nl_errno(ret);
	}
	nl_cb_put(cb);
	return err;
}

static void altp2m_sock_close(void *priv)
{
	nl_socket_free(priv);
}

const struct altp2m_nl_transport altp2m_nl_sock_transport = {
	.exchange = altp2m_sock_exchange,
	.close = altp2m_sock_close,
};

int altp2m_nl_sock_open(void **privp, int *family, char *errbuf,
			size_t errlen)
{
	struct nl_sock *sk;
	int one = 1, ret;

	*privp = NULL;
	sk = nl_socket_alloc();
	if (!sk) {
		altp2m_fmt(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = genl_connect(sk);
	if (ret < 0) {
		ret = -altp2m_nl_errno(ret);
		altp2m_fmt(errbuf, errlen,
			   "cannot open a generic netlink socket: %s",
			   strerror(-ret));
		goto fail;
	}
	ret = genl_ctrl_resolve(sk, ALTP2M_GENL_NAME);
	if (ret < 0) {
		ret = -altp2m_nl_errno(ret);
		if (ret == -ENOENT)
			altp2m_fmt(errbuf, errlen,
				   "generic netlink family " ALTP2M_GENL_NAME
				   " not found: is the module loaded?");
		else
			altp2m_fmt(errbuf, errlen,
				   "cannot resolve generic netlink family "
				   ALTP2M_GENL_NAME ": %s", strerror(-ret));
		goto fail;
	}
	*family = ret;
	/*
	 * Acks are asked for per request (altp2m_nl_transact) and sequence
	 * numbers checked by altp2m_nl_deliver().
	 */
	nl_socket_disable_auto_ack(sk);
	if (setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK,
		       &one, sizeof(one)) ||
	    setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK,
		       &one, sizeof(one))) {
		ret = -errno;
		altp2m_fmt(errbuf, errlen,
			   "cannot enable extended netlink acks: %s",
			   strerror(-ret));
		goto fail;
	}
	*privp = sk;
	return 0;
fail:
	nl_socket_free(sk);
	return ret;
}
