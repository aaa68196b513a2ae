// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: connections. A connection is one generic netlink socket, the
 * family "altp2m" resolved and checked on it once, and the timeout of its
 * requests; VM handles, the VM list and monitors use what it resolved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/genetlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "internal.h"

struct altp2m__family {
	int id;
	uint32_t version;
	uint32_t events_grp;
	bool seen;
};

static const struct nla_policy altp2m__ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID]	= { .type = NLA_U16 },
	[CTRL_ATTR_VERSION]	= { .type = NLA_U32 },
	[CTRL_ATTR_MCAST_GROUPS] = { .type = NLA_NESTED },
};

static const struct nla_policy altp2m__grp_policy[CTRL_ATTR_MCAST_GRP_MAX + 1] = {
	[CTRL_ATTR_MCAST_GRP_NAME] = { .type = NLA_STRING },
	[CTRL_ATTR_MCAST_GRP_ID] = { .type = NLA_U32 },
};

/* The id of the group "events" among CTRL_ATTR_MCAST_GROUPS, or 0. */
static int altp2m__ctrl_groups(struct nlattr *groups, uint32_t *grp)
{
	struct nlattr *tb[CTRL_ATTR_MCAST_GRP_MAX + 1];
	struct nlattr *g;
	int rem;

	nla_for_each_nested(g, groups, rem) {
		if (nla_parse_nested(tb, CTRL_ATTR_MCAST_GRP_MAX, g,
				     altp2m__grp_policy))
			return -EPROTO;
		if (tb[CTRL_ATTR_MCAST_GRP_NAME] && tb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(nla_get_string(tb[CTRL_ATTR_MCAST_GRP_NAME]),
			    ALTP2M_GENL_MCGRP_EVENTS))
			*grp = nla_get_u32(tb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

static int altp2m__ctrl_parse(void *arg, struct nlmsghdr *nlh)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct altp2m__family *f = arg;

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, altp2m__ctrl_policy) ||
	    !tb[CTRL_ATTR_FAMILY_ID] || !tb[CTRL_ATTR_VERSION])
		return -EPROTO;
	f->id = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	f->version = nla_get_u32(tb[CTRL_ATTR_VERSION]);
	f->events_grp = 0;
	if (tb[CTRL_ATTR_MCAST_GROUPS] &&
	    altp2m__ctrl_groups(tb[CTRL_ATTR_MCAST_GROUPS], &f->events_grp))
		return -EPROTO;
	f->seen = true;
	return 0;
}

/* CTRL_CMD_GETFAMILY "altp2m": its id, version and group. */
static int altp2m__conn_resolve(struct altp2m_conn *conn)
{
	struct altp2m__family f = { 0 };
	struct altp2m__nl_reply rep = { .parse = altp2m__ctrl_parse, .arg = &f };
	struct nl_msg *req;
	int err;

	req = nlmsg_alloc();
	if (!req || !genlmsg_put(req, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL,
				 0, 0, CTRL_CMD_GETFAMILY, 1) ||
	    nla_put_string(req, CTRL_ATTR_FAMILY_NAME, ALTP2M_GENL_NAME)) {
		nlmsg_free(req);
		conn->e.err = -ENOMEM;
		return -ENOMEM;
	}
	rep.req = req;
	err = altp2m__nl_transact(conn->tr, conn->priv, &rep, 0, 0, &conn->e);
	nlmsg_free(req);
	if (err == -ENOENT)
		return altp2m__err_set(&conn->e, err,
				       "the generic netlink family " ALTP2M_GENL_NAME
				       " does not exist: is the module loaded?");
	if (!err && !f.seen)
		err = altp2m__err_set(&conn->e, -EPROTO,
				      "the controller's answer has no family");
	if (err)
		return err;
	if (f.version != ALTP2M_GENL_VERSION)
		return altp2m__err_set(&conn->e, -EPROTO,
				       "the family " ALTP2M_GENL_NAME
				       " has version %u, this library speaks version %u",
				       f.version, ALTP2M_GENL_VERSION);
	conn->family = f.id;
	conn->version = f.version;
	conn->events_grp = f.events_grp;
	return 0;
}

int altp2m__conn_open_transport(struct altp2m_conn **connp,
				const struct altp2m__nl_transport *tr,
				void *priv, const struct altp2m_conn_opts *opts,
				char *errbuf, size_t errlen)
{
	struct altp2m_conn_opts o;
	struct altp2m_conn *conn;
	int err;

	*connp = NULL;
	err = altp2m__opts_copy(&o, sizeof(o), opts);
	if (!err && o.timeout_ms < 0)
		err = -EINVAL;
	if (err) {
		altp2m__fmt(errbuf, errlen,
			    "open connection: %s (bad struct altp2m_conn_opts)",
			    strerror(-err));
		tr->close(priv);
		return err;
	}
	conn = calloc(1, sizeof(*conn));
	if (!conn) {
		altp2m__fmt(errbuf, errlen, "open connection: %s",
			    strerror(ENOMEM));
		tr->close(priv);
		return -ENOMEM;
	}
	conn->tr = tr;
	conn->priv = priv;
	conn->refs = 1;
	conn->timeout_ms = o.timeout_ms ? o.timeout_ms :
					  ALTP2M_DEFAULT_TIMEOUT_MS;
	altp2m__err_clear(&conn->e);
	err = altp2m__conn_resolve(conn);
	if (err) {
		altp2m__err_finish(&conn->e, err, "open connection");
		altp2m__fmt(errbuf, errlen, "%s", conn->e.msg);
		altp2m__conn_put(conn);
		return err;
	}
	*connp = conn;
	return 0;
}

void altp2m__conn_put(struct altp2m_conn *conn)
{
	if (--conn->refs)
		return;
	conn->tr->close(conn->priv);
	free(conn);
}

ALTP2M_EXPORT
int altp2m_conn_open(struct altp2m_conn **connp,
		     const struct altp2m_conn_opts *opts,
		     char *errbuf, size_t errlen)
{
	struct altp2m_conn_opts o;
	struct altp2m__nl_sock *s;
	int err;

	*connp = NULL;
	err = altp2m__opts_copy(&o, sizeof(o), opts);
	if (err || o.timeout_ms < 0) {
		altp2m__fmt(errbuf, errlen,
			    "open connection: %s (bad struct altp2m_conn_opts)",
			    strerror(EINVAL));
		return -EINVAL;
	}
	err = altp2m__nl_sock_open(&s, o.timeout_ms, errbuf, errlen);
	if (err)
		return err;
	return altp2m__conn_open_transport(connp, &altp2m__nl_sock_transport,
					   s, opts, errbuf, errlen);
}

ALTP2M_EXPORT
void altp2m_conn_close(struct altp2m_conn *conn)
{
	if (conn)
		altp2m__conn_put(conn);
}

ALTP2M_EXPORT
const char *altp2m_conn_errmsg(const struct altp2m_conn *conn)
{
	return conn->e.msg;
}

ALTP2M_EXPORT
int altp2m_conn_last_error(const struct altp2m_conn *conn,
			   struct altp2m_error *e)
{
	return altp2m__err_export(&conn->e, e);
}

ALTP2M_EXPORT
int altp2m_conn_list_vms(struct altp2m_conn *conn,
			 struct altp2m_vm_info **vms, size_t *nr)
{
	int err;

	altp2m__err_clear(&conn->e);
	if (!vms || !nr)
		err = altp2m__err_set(&conn->e, -EINVAL, "NULL result pointer");
	else
		err = altp2m__nl_list_vms(conn, vms, nr);
	if (err)
		altp2m__err_finish(&conn->e, err, "list VMs");
	return err;
}
