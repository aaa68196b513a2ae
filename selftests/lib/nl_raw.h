/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generic netlink byte by byte, for the tests that must send what no
 * library would (netlink_test, netlink_txn_test): the socket, attribute
 * parsing and the extended ack. Each test builds its own requests.
 */
#ifndef SELFTESTS_NL_RAW_H
#define SELFTESTS_NL_RAW_H

#include <stdint.h>
#include <linux/netlink.h>

/* What a request's ack (or a dump's NLMSG_DONE) said. */
struct nlerr {
	int err;
	char msg[256];
	int offs;		/* of the bad attribute in the request, or -1 */
	int miss_type;		/* of the missing attribute, or -1 */
	int cookie_len;
	uint32_t cookie;	/* an operation's index, when cookie_len is 4 */
};

/* A NETLINK_GENERIC socket with extended and capped acks. */
int nl_open(void);
/* @tb[type] = the last attribute of that type in @data (0 .. @max). */
void parse_attrs(struct nlattr **tb, int max, void *data, int len);
void *nla_data(struct nlattr *a);
uint32_t get_u32(struct nlattr *a);
/* Fill @e from an NLMSG_ERROR or NLMSG_DONE message. */
void parse_err(struct nlmsghdr *h, struct nlerr *e);

#endif /* SELFTESTS_NL_RAW_H */
