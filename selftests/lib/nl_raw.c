// SPDX-License-Identifier: GPL-2.0
/* Generic netlink byte by byte: see nl_raw.h. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>

#include "nl_raw.h"
#include "test_util.h"

int nl_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	TEST_ASSERT(fd >= 0, "netlink socket");
	TEST_ASSERT(!bind(fd, (struct sockaddr *)&sa, sizeof(sa)), "bind");
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return fd;
}

void parse_attrs(struct nlattr **tb, int max, void *data, int len)
{
	struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	for (a = data; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	     a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len),
	     a = (void *)((char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) <= max)
			tb[a->nla_type & NLA_TYPE_MASK] = a;
}

void *nla_data(struct nlattr *a)
{
	return (char *)a + NLA_HDRLEN;
}

uint32_t get_u32(struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, nla_data(a), 4);
	return v;
}

void parse_err(struct nlmsghdr *h, struct nlerr *e)
{
	struct nlmsgerr *me = NLMSG_DATA(h);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int hlen = sizeof(*me);

	e->err = me->error;
	e->msg[0] = 0;
	e->offs = -1;
	e->miss_type = -1;
	e->cookie_len = 0;
	e->cookie = 0;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		hlen += me->msg.nlmsg_len - sizeof(me->msg);
	parse_attrs(tb, NLMSGERR_ATTR_MAX, (char *)me + hlen,
		    h->nlmsg_len - NLMSG_HDRLEN - hlen);
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(e->msg, sizeof(e->msg), "%s",
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	if (tb[NLMSGERR_ATTR_OFFS])
		e->offs = get_u32(tb[NLMSGERR_ATTR_OFFS]);
	if (tb[NLMSGERR_ATTR_MISS_TYPE])
		e->miss_type = get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
	if (tb[NLMSGERR_ATTR_COOKIE]) {
		e->cookie_len = tb[NLMSGERR_ATTR_COOKIE]->nla_len - NLA_HDRLEN;
		if (e->cookie_len == 4)
			e->cookie = get_u32(tb[NLMSGERR_ATTR_COOKIE]);
	}
}
