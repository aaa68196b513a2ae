// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "altp2m", spoken byte by byte (no libnl), so
 * that malformed messages can be sent: each command reaches the same
 * state as the VM fd's ioctls; strict policies reject missing, oversized,
 * wrong-type, unknown and nested-garbage attributes with an extended ack
 * that points at the attribute; an unprivileged caller gets EPERM, another
 * network namespace sees nothing; notifications arrive in order; a dump
 * that races with a change is flagged NLM_F_DUMP_INTR.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../lib/nl_raw.h"
#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define NL_BUF		65536
#define MAX_ATTR	64

struct nlreq {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char buf[NL_BUF];
};

static uint16_t family_id;
static uint32_t mcgrp_id;

static void req_init(struct nlreq *r, uint16_t type, uint8_t cmd,
		     uint16_t flags)
{
	memset(r, 0, sizeof(*r));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST | flags;
	r->n.nlmsg_seq = 1;
	r->g.cmd = cmd;
	r->g.version = 1;
}

/* Append an attribute; returns its offset in the message. */
static int put(struct nlreq *r, uint16_t type, const void *data, int len)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));
	int off = (char *)a - (char *)r;

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return off;
}

static int put_u8(struct nlreq *r, uint16_t type, uint8_t v)
{
	return put(r, type, &v, 1);
}

static int put_u32(struct nlreq *r, uint16_t type, uint32_t v)
{
	return put(r, type, &v, 4);
}

static int put_u64(struct nlreq *r, uint16_t type, uint64_t v)
{
	return put(r, type, &v, 8);
}

static struct nlattr *nest_start(struct nlreq *r, uint16_t type)
{
	int off = put(r, type | NLA_F_NESTED, NULL, 0);

	return (void *)((char *)r + off);
}

static void nest_end(struct nlreq *r, struct nlattr *nest)
{
	nest->nla_len = (char *)r + r->n.nlmsg_len - (char *)nest;
}

static void nl_send(int fd, struct nlreq *r)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	TEST_ASSERT(sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&sa,
			   sizeof(sa)) == (ssize_t)r->n.nlmsg_len, "sendto");
}

static uint64_t get_u64(struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, nla_data(a), 8);
	return v;
}

static uint8_t get_u8(struct nlattr *a)
{
	return *(uint8_t *)nla_data(a);
}

typedef void (*msg_fn)(struct nlmsghdr *h, struct nlattr **tb, void *arg);

/*
 * Send @r and read until its ack (do) or NLMSG_DONE (dump), calling @fn
 * for each reply. Returns 0 or the negative errno; *@intr counts
 * NLM_F_DUMP_INTR messages. @between runs after each read (for dumps that
 * must race with something).
 */
static int nl_xfer(int fd, struct nlreq *r, msg_fn fn, void *arg,
		   struct nlerr *e, int *intr, void (*between)(void *),
		   void *barg)
{
	static char buf[NL_BUF];
	struct nlerr dummy;
	bool dump = r->n.nlmsg_flags & NLM_F_DUMP;

	if (!e)
		e = &dummy;
	memset(e, 0, sizeof(*e));
	e->offs = e->miss_type = -1;
	if (intr)
		*intr = 0;
	r->n.nlmsg_flags |= NLM_F_ACK;
	nl_send(fd, r);
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		TEST_ASSERT(n > 0, "recv: %s", strerror(errno));
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			struct nlattr *tb[MAX_ATTR + 1];

			if (h->nlmsg_type == NLMSG_ERROR) {
				parse_err(h, e);
				if (e->err || !dump)
					return e->err;
				continue;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				int err = *(int *)NLMSG_DATA(h);

				if (err)
					parse_err(h, e), e->err = err;
				return err;
			}
			if (intr && (h->nlmsg_flags & NLM_F_DUMP_INTR))
				(*intr)++;
			parse_attrs(tb, MAX_ATTR,
				    (char *)NLMSG_DATA(h) + GENL_HDRLEN,
				    h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
			if (fn)
				fn(h, tb, arg);
		}
		if (between)
			between(barg);
	}
}

static int nl_do(int fd, struct nlreq *r, msg_fn fn, void *arg,
		 struct nlerr *e)
{
	return nl_xfer(fd, r, fn, arg, e, NULL, NULL, NULL);
}

static void family_cb(struct nlmsghdr *h, struct nlattr **tb, void *arg)
{
	struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1], *a;
	int rem;

	(void)h;
	(void)arg;
	family_id = *(uint16_t *)nla_data(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return;
	a = nla_data(tb[CTRL_ATTR_MCAST_GROUPS]);
	rem = tb[CTRL_ATTR_MCAST_GROUPS]->nla_len - NLA_HDRLEN;
	for (; rem >= NLA_HDRLEN; rem -= NLA_ALIGN(a->nla_len),
	     a = (void *)((char *)a + NLA_ALIGN(a->nla_len))) {
		parse_attrs(g, CTRL_ATTR_MCAST_GRP_MAX, nla_data(a),
			    a->nla_len - NLA_HDRLEN);
		if (g[CTRL_ATTR_MCAST_GRP_NAME] &&
		    !strcmp(nla_data(g[CTRL_ATTR_MCAST_GRP_NAME]),
			    ALTP2M_GENL_MCGRP_EVENTS))
			mcgrp_id = get_u32(g[CTRL_ATTR_MCAST_GRP_ID]);
	}
}

static void resolve_family(int fd)
{
	struct nlreq r;

	req_init(&r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 0);
	put(&r, CTRL_ATTR_FAMILY_NAME, ALTP2M_GENL_NAME,
	    sizeof(ALTP2M_GENL_NAME));
	TEST_ASSERT(!nl_do(fd, &r, family_cb, NULL, NULL),
		    "family " ALTP2M_GENL_NAME " not found");
	TEST_ASSERT(family_id && mcgrp_id, "family id %u group %u",
		    family_id, mcgrp_id);
}

/* A request to the altp2m family about VM @id (0: no VM_ID attribute). */
static int cmd(struct nlreq *r, uint8_t c, uint32_t id)
{
	req_init(r, family_id, c, 0);
	return id ? put_u32(r, ALTP2M_A_VM_ID, id) : -1;
}

/* One reply's attributes, copied. */
struct reply {
	int n;
	uint32_t u32[MAX_ATTR + 1];
	uint64_t u64[MAX_ATTR + 1];
	bool has[MAX_ATTR + 1];
};

static void reply_cb(struct nlmsghdr *h, struct nlattr **tb, void *arg)
{
	struct reply *rp = arg;
	int i;

	(void)h;
	rp->n++;
	for (i = 1; i <= MAX_ATTR; i++) {
		if (!tb[i])
			continue;
		rp->has[i] = true;
		switch (tb[i]->nla_len - NLA_HDRLEN) {
		case 1:
			rp->u32[i] = get_u8(tb[i]);
			break;
		case 4:
			rp->u32[i] = get_u32(tb[i]);
			break;
		case 8:
			rp->u64[i] = get_u64(tb[i]);
			break;
		}
	}
}

static int do_simple(int fd, uint8_t c, uint32_t vm, int view, struct nlerr *e)
{
	struct nlreq r;

	cmd(&r, c, vm);
	if (view >= 0)
		put_u32(&r, ALTP2M_A_VIEW, view);
	return nl_do(fd, &r, NULL, NULL, e);
}

static struct vm *make_vm(uint64_t mem)
{
	struct vm *vm = vm_create(mem);

	vcpu_add(vm, 0, NULL);
	return vm;
}

TEST(family_and_vm_list)
{
	struct altp2m_vm_stats st;
	struct reply rp = {};
	struct vm *vm;
	struct nlreq r;
	int fd = nl_open();

	resolve_family(fd);
	vm = make_vm(0);
	vm_stats(vm, &st);

	cmd(&r, ALTP2M_CMD_GET_VM, vm->id);
	ASSERT_EQ(nl_do(fd, &r, reply_cb, &rp, NULL), 0);
	ASSERT_EQ(rp.n, 1);
	EXPECT_EQ(rp.u32[ALTP2M_A_VM_ID], vm->id);
	EXPECT_EQ(rp.u32[ALTP2M_A_OWNER_PID], (uint32_t)getpid());
	EXPECT_EQ(rp.u32[ALTP2M_A_NR_VCPUS], 1);
	EXPECT_EQ(rp.u64[ALTP2M_A_MEM_PAGES], st.mem_pages);
	EXPECT_EQ(rp.u32[ALTP2M_A_VIEWS_ENABLED], 0);
	EXPECT_EQ(rp.u32[ALTP2M_A_NR_VIEWS], 1);
	EXPECT_TRUE(rp.has[ALTP2M_A_GENERATION]);

	/* The dump lists it (and only VMs that exist). */
	memset(&rp, 0, sizeof(rp));
	req_init(&r, family_id, ALTP2M_CMD_GET_VM, NLM_F_DUMP);
	ASSERT_EQ(nl_do(fd, &r, reply_cb, &rp, NULL), 0);
	EXPECT_EQ(rp.n, 1);
	EXPECT_EQ(rp.u32[ALTP2M_A_VM_ID], vm->id);

	vm_free(vm);
	cmd(&r, ALTP2M_CMD_GET_VM, vm->id);
	EXPECT_EQ(nl_do(fd, &r, NULL, NULL, NULL), -ENOENT);
}

static void list_cb(struct nlmsghdr *h, struct nlattr **tb, void *arg)
{
	struct altp2m_view_entry *e = arg, *x;
	struct nlattr *en[ALTP2M_ENTRY_A_MAX + 1];

	(void)h;
	for (x = e; x->npages; x++)
		;
	parse_attrs(en, ALTP2M_ENTRY_A_MAX, nla_data(tb[ALTP2M_A_ENTRY]),
		    tb[ALTP2M_A_ENTRY]->nla_len - NLA_HDRLEN);
	x->gfn = get_u64(en[ALTP2M_ENTRY_A_GFN]);
	x->npages = get_u64(en[ALTP2M_ENTRY_A_NPAGES]);
	x->target = get_u64(en[ALTP2M_ENTRY_A_TARGET]);
	x->access = get_u8(en[ALTP2M_ENTRY_A_ACCESS]);
	x->suppress_ve = get_u8(en[ALTP2M_ENTRY_A_SVE]);
}

/* Every command lands where the ioctl would have put it. */
TEST(commands_match_ioctls)
{
	struct altp2m_view_entry io[64] = {}, nl[64] = {};
	struct altp2m_vcpu_views vv;
	struct reply rp = {};
	struct nlattr *nest;
	struct vm *vm;
	struct nlreq r;
	uint64_t gfn, cursor = 0;
	uint32_t view;
	int fd = nl_open(), i, n;

	resolve_family(fd);
	vm = make_vm(0);
	gfn = vm_alloc(vm, 8 * 4096, 4096) >> 12;

	cmd(&r, ALTP2M_CMD_VIEWS_ENABLE, vm->id);
	put_u32(&r, ALTP2M_A_MAX_VIEWS, 16);
	ASSERT_EQ(nl_do(fd, &r, NULL, NULL, NULL), 0);
	ASSERT_ERRNO(__vm_views_enable(vm, 4), EEXIST);

	cmd(&r, ALTP2M_CMD_CREATE_VIEW, vm->id);
	put_u8(&r, ALTP2M_A_DEFAULT_ACCESS, ALTP2M_ACCESS_RWX);
	ASSERT_EQ(nl_do(fd, &r, reply_cb, &rp, NULL), 0);
	view = rp.u32[ALTP2M_A_VIEW];
	ASSERT_EQ(view, 1);

	/* A range, a list, suppress-#VE, a remap. */
	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, view);
	put_u64(&r, ALTP2M_A_GFN, gfn);
	put_u64(&r, ALTP2M_A_NPAGES, 2);
	put_u8(&r, ALTP2M_A_ACCESS, ALTP2M_ACCESS_R);
	ASSERT_EQ(nl_do(fd, &r, NULL, NULL, NULL), 0);
	EXPECT_EQ(vm_get_mem_access(vm, view, gfn + 1), ALTP2M_ACCESS_R);

	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, view);
	for (i = 3; i < 6; i++) {
		nest = nest_start(&r, ALTP2M_A_ENTRY);
		put_u64(&r, ALTP2M_ENTRY_A_GFN, gfn + i);
		put_u8(&r, ALTP2M_ENTRY_A_ACCESS, ALTP2M_ACCESS_X);
		nest_end(&r, nest);
	}
	ASSERT_EQ(nl_do(fd, &r, NULL, NULL, NULL), 0);
	for (i = 3; i < 6; i++)
		EXPECT_EQ(vm_get_mem_access(vm, view, gfn + i), ALTP2M_ACCESS_X);

	cmd(&r, ALTP2M_CMD_SET_SVE, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, view);
	put_u64(&r, ALTP2M_A_GFN, gfn + 6);
	put_u8(&r, ALTP2M_A_SVE, 0);
	ASSERT_EQ(nl_do(fd, &r, NULL, NULL, NULL), 0);

	cmd(&r, ALTP2M_CMD_REMAP, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, view);
	put_u64(&r, ALTP2M_A_GFN, gfn + 7);
	put_u64(&r, ALTP2M_A_TARGET, gfn);
	ASSERT_EQ(nl_do(fd, &r, NULL, NULL, NULL), 0);

	memset(&rp, 0, sizeof(rp));
	cmd(&r, ALTP2M_CMD_GET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, view);
	put_u64(&r, ALTP2M_A_GFN, gfn + 6);
	ASSERT_EQ(nl_do(fd, &r, reply_cb, &rp, NULL), 0);
	EXPECT_EQ(rp.u32[ALTP2M_A_ACCESS], ALTP2M_ACCESS_RWX);
	EXPECT_EQ(rp.u32[ALTP2M_A_SVE], 0);

	/* The netlink dump of the view is the ioctl's, run for run. */
	n = vm_dump_view(vm, view, &cursor, io, 63);
	ASSERT_GE(n, 4);
	cmd(&r, ALTP2M_CMD_DUMP_VIEW, vm->id);
	r.n.nlmsg_flags |= NLM_F_DUMP;
	put_u32(&r, ALTP2M_A_VIEW, view);
	ASSERT_EQ(nl_do(fd, &r, list_cb, nl, NULL), 0);
	for (i = 0; i <= n; i++) {
		EXPECT_EQ(nl[i].gfn, io[i].gfn);
		EXPECT_EQ(nl[i].npages, io[i].npages);
		EXPECT_EQ(nl[i].target, io[i].target);
		EXPECT_EQ(nl[i].access, io[i].access);
		EXPECT_EQ(nl[i].suppress_ve, io[i].suppress_ve);
	}

	/* Views listed: 0 and 1. */
	memset(&rp, 0, sizeof(rp));
	cmd(&r, ALTP2M_CMD_GET_VIEW, vm->id);
	r.n.nlmsg_flags |= NLM_F_DUMP;
	ASSERT_EQ(nl_do(fd, &r, reply_cb, &rp, NULL), 0);
	EXPECT_EQ(rp.n, 2);
	EXPECT_EQ(rp.u32[ALTP2M_A_VIEW], view);
	EXPECT_EQ(rp.u64[ALTP2M_A_NR_REMAPS], 1);

	/* Switch vCPU 0, then hide the view from it. */
	cmd(&r, ALTP2M_CMD_SWITCH_VIEW, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, view);
	put_u32(&r, ALTP2M_A_VCPU, 0);
	ASSERT_EQ(nl_do(fd, &r, NULL, NULL, NULL), 0);
	ASSERT_EQ(ioctl(vm->fd, ALTP2M_GET_VCPU_VIEWS, memset(&vv, 0, sizeof(vv))), 0);
	EXPECT_EQ(vv.view[0], view);
	EXPECT_EQ(do_simple(fd, ALTP2M_CMD_DESTROY_VIEW, vm->id, view, NULL),
		  -EBUSY);

	cmd(&r, ALTP2M_CMD_SET_VISIBILITY, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, view);
	put_u8(&r, ALTP2M_A_VISIBLE, 0);
	ASSERT_EQ(nl_do(fd, &r, NULL, NULL, NULL), 0);

	memset(&rp, 0, sizeof(rp));
	cmd(&r, ALTP2M_CMD_GET_STATS, vm->id);
	ASSERT_EQ(nl_do(fd, &r, reply_cb, &rp, NULL), 0);
	EXPECT_TRUE(rp.has[ALTP2M_A_STATS]);

	cmd(&r, ALTP2M_CMD_SWITCH_VIEW, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 0);
	ASSERT_EQ(nl_do(fd, &r, NULL, NULL, NULL), 0);
	EXPECT_EQ(do_simple(fd, ALTP2M_CMD_DESTROY_VIEW, vm->id, view, NULL), 0);
	ASSERT_ERRNO(__vm_view_destroy(vm, view), ENOENT);
	EXPECT_EQ(do_simple(fd, ALTP2M_CMD_VIEWS_DISABLE, vm->id, -1, NULL), 0);
	vm_free(vm);
}

/*
 * One malformed request: the errno, an extack message, and the offset of
 * the attribute at fault (@off >= 0) or the type that was missing.
 */
static void expect_bad(struct altp2m_test *_t, int fd, struct nlreq *r,
		       int err, int off, int miss, const char *what)
{
	struct nlerr e;
	int ret = nl_do(fd, r, NULL, NULL, &e);

	printf("# %s: %d (%s) offs %d miss %d\n", what, ret, e.msg, e.offs,
	       e.miss_type);
	EXPECT_EQ(ret, err);
	EXPECT_NE(e.msg[0], 0);
	if (off >= 0)
		EXPECT_EQ(e.offs, off);
	if (miss >= 0)
		EXPECT_EQ(e.miss_type, miss);
}

TEST(malformed_messages)
{
	uint64_t big = 1ULL << 40;
	struct nlattr *nest;
	struct vm *vm;
	struct nlreq r;
	int fd = nl_open(), off;

	resolve_family(fd);
	vm = make_vm(0);
	vm_views_enable(vm, 4);
	ASSERT_EQ(vm_view_create(vm, ALTP2M_ACCESS_RWX), 1);

	cmd(&r, ALTP2M_CMD_SET_ACCESS, 0);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	expect_bad(_t, fd, &r, -EINVAL, -1, ALTP2M_A_VM_ID, "missing vm-id");

	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	put_u8(&r, ALTP2M_A_ACCESS, ALTP2M_ACCESS_R);
	expect_bad(_t, fd, &r, -EINVAL, -1, ALTP2M_A_GFN, "missing gfn");

	cmd(&r, ALTP2M_CMD_DESTROY_VIEW, vm->id);
	off = put_u32(&r, ALTP2M_A_VIEW, 512);
	expect_bad(_t, fd, &r, -ERANGE, off, -1, "view out of range");

	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	put_u64(&r, ALTP2M_A_GFN, 0);
	off = put_u8(&r, ALTP2M_A_ACCESS, 11);
	expect_bad(_t, fd, &r, -ERANGE, off, -1, "access out of range");

	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	put_u64(&r, ALTP2M_A_GFN, 0);
	off = put_u64(&r, ALTP2M_A_ACCESS, ALTP2M_ACCESS_R);
	expect_bad(_t, fd, &r, -EINVAL, off, -1, "oversized access (u64 for u8)");

	cmd(&r, ALTP2M_CMD_DESTROY_VIEW, 0);
	off = put(&r, ALTP2M_A_VM_ID, &big, 2);
	expect_bad(_t, fd, &r, -EINVAL, off, -1, "short vm-id");

	cmd(&r, ALTP2M_CMD_DESTROY_VIEW, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	off = put_u32(&r, ALTP2M_A_MAX + 5, 1);
	expect_bad(_t, fd, &r, -EINVAL, off, -1, "unknown attribute");

	/* Known to the family, not taken by this command. */
	cmd(&r, ALTP2M_CMD_DESTROY_VIEW, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	off = put_u64(&r, ALTP2M_A_TARGET, 1);
	expect_bad(_t, fd, &r, -EINVAL, off, -1, "attribute of another command");

	/* Nested garbage: bytes that are not attributes. */
	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	off = put(&r, ALTP2M_A_ENTRY | NLA_F_NESTED, "\x07\x00\xff\xffgarbage", 12);
	expect_bad(_t, fd, &r, -EINVAL, -1, -1, "nested garbage");

	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	nest = nest_start(&r, ALTP2M_A_ENTRY);
	put_u64(&r, ALTP2M_ENTRY_A_GFN, 0);
	off = put_u32(&r, ALTP2M_ENTRY_A_MAX + 3, 0);
	nest_end(&r, nest);
	expect_bad(_t, fd, &r, -EINVAL, off, -1, "unknown attribute in a nest");

	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	nest = nest_start(&r, ALTP2M_A_ENTRY);
	put_u64(&r, ALTP2M_ENTRY_A_GFN, 0);
	nest_end(&r, nest);
	expect_bad(_t, fd, &r, -EINVAL, -1, ALTP2M_ENTRY_A_ACCESS,
		   "entry without access");

	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	put_u64(&r, ALTP2M_A_GFN, 0);
	off = put_u64(&r, ALTP2M_A_NPAGES, 0);
	expect_bad(_t, fd, &r, -ERANGE, off, -1, "npages 0");

	/* Trailing bytes that are no attribute. */
	cmd(&r, ALTP2M_CMD_DESTROY_VIEW, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	r.n.nlmsg_len += 3;
	expect_bad(_t, fd, &r, -EINVAL, -1, -1, "trailing garbage");

	/* Semantic errors name the attribute too. */
	cmd(&r, ALTP2M_CMD_DESTROY_VIEW, vm->id);
	off = put_u32(&r, ALTP2M_A_VIEW, 3);
	expect_bad(_t, fd, &r, -ENOENT, off, -1, "no such view");

	cmd(&r, ALTP2M_CMD_SWITCH_VIEW, vm->id);
	off = put_u32(&r, ALTP2M_A_VIEW, 8);
	expect_bad(_t, fd, &r, -EINVAL, off, -1, "view beyond max-views");

	cmd(&r, ALTP2M_CMD_CREATE_VIEW, vm->id);
	off = put_u8(&r, ALTP2M_A_DEFAULT_ACCESS, ALTP2M_ACCESS_W);
	expect_bad(_t, fd, &r, -EINVAL, off, -1, "write-only default access");

	cmd(&r, ALTP2M_CMD_GET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	off = put_u64(&r, ALTP2M_A_GFN, 1ULL << 50);
	expect_bad(_t, fd, &r, -EINVAL, off, -1, "gfn beyond the address width");

	cmd(&r, ALTP2M_CMD_GET_VM, 0);
	off = put_u32(&r, ALTP2M_A_VM_ID, 65000);
	expect_bad(_t, fd, &r, -ENOENT, off, -1, "no such VM");

	/* The view still works after all that. */
	EXPECT_EQ(do_simple(fd, ALTP2M_CMD_DESTROY_VIEW, vm->id, 1, NULL), 0);
	vm_free(vm);
}

/* As expect_bad(), and the message says @msg. */
static void expect_msg(struct altp2m_test *_t, int fd, struct nlreq *r,
		       int err, int off, const char *msg)
{
	struct nlerr e;
	int ret = nl_do(fd, r, NULL, NULL, &e);

	printf("# %s: %d (%s) offs %d (want %d)\n", msg, ret, e.msg, e.offs,
	       off);
	EXPECT_EQ(ret, err);
	EXPECT_EQ(e.offs, off);
	EXPECT_TRUE(strstr(e.msg, msg) != NULL);
}

/*
 * What the view engine refuses is explained against the attribute that
 * caused it, with the reason: ranges, lists (the pair's attribute inside
 * its nest), remaps, and vCPUs that do not exist.
 */
/*
 * SET_ACCESS on view 1 with a list of two pairs: (@gfn, r), then (@gfn2,
 * @acc2). Returns the offset of the second pair's gfn, or of its access
 * when @blame_access.
 */
static int access_list_of_two(struct nlreq *r, uint32_t vm_id, uint64_t gfn,
			      uint64_t gfn2, uint8_t acc2, bool blame_access)
{
	struct nlattr *nest;
	int off_gfn, off_acc;

	cmd(r, ALTP2M_CMD_SET_ACCESS, vm_id);
	put_u32(r, ALTP2M_A_VIEW, 1);
	nest = nest_start(r, ALTP2M_A_ENTRY);
	put_u64(r, ALTP2M_ENTRY_A_GFN, gfn);
	put_u8(r, ALTP2M_ENTRY_A_ACCESS, ALTP2M_ACCESS_R);
	nest_end(r, nest);
	nest = nest_start(r, ALTP2M_A_ENTRY);
	off_gfn = put_u64(r, ALTP2M_ENTRY_A_GFN, gfn2);
	off_acc = put_u8(r, ALTP2M_ENTRY_A_ACCESS, acc2);
	nest_end(r, nest);
	return blame_access ? off_acc : off_gfn;
}

TEST(semantic_errors_name_the_attribute)
{
	uint64_t limit = 1ULL << 36;	/* gfns of the 48-bit gpa space */
	uint64_t hole = 0x100000;	/* 4 GiB: not guest RAM */
	uint8_t acc;
	struct vm *vm;
	struct nlreq r;
	uint64_t gfn;
	int fd = nl_open(), off;

	resolve_family(fd);
	vm = make_vm(0);
	gfn = vm_alloc(vm, 4 * 4096, 4096) >> 12;
	vm_views_enable(vm, 4);
	ASSERT_EQ(vm_view_create(vm, ALTP2M_ACCESS_RWX), 1);

	/* Finding 18: a vCPU that does not exist is the vcpu's fault. */
	cmd(&r, ALTP2M_CMD_SWITCH_VIEW, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	off = put_u32(&r, ALTP2M_A_VCPU, 63);
	expect_msg(_t, fd, &r, -ENOENT, off, "vcpu: no such vCPU");
	cmd(&r, ALTP2M_CMD_SET_VISIBILITY, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	put_u8(&r, ALTP2M_A_VISIBLE, 0);
	off = put_u32(&r, ALTP2M_A_VCPU, 63);
	expect_msg(_t, fd, &r, -ENOENT, off, "vcpu: no such vCPU");
	/* ...and a view that does not exist still the view's. */
	cmd(&r, ALTP2M_CMD_SWITCH_VIEW, vm->id);
	off = put_u32(&r, ALTP2M_A_VIEW, 2);
	put_u32(&r, ALTP2M_A_VCPU, 0);
	expect_msg(_t, fd, &r, -ENOENT, off, "view: no such view");

	/* SET_ACCESS over a range. */
	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	off = put_u32(&r, ALTP2M_A_VIEW, 8);
	put_u64(&r, ALTP2M_A_GFN, gfn);
	put_u8(&r, ALTP2M_A_ACCESS, ALTP2M_ACCESS_R);
	expect_msg(_t, fd, &r, -EINVAL, off, "view: at or beyond the VM's max-views");
	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	off = put_u64(&r, ALTP2M_A_GFN, limit);
	put_u8(&r, ALTP2M_A_ACCESS, ALTP2M_ACCESS_R);
	expect_msg(_t, fd, &r, -EINVAL, off, "gfn: beyond the guest-physical address width");
	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	put_u64(&r, ALTP2M_A_GFN, limit - 1);
	off = put_u64(&r, ALTP2M_A_NPAGES, 2);
	put_u8(&r, ALTP2M_A_ACCESS, ALTP2M_ACCESS_R);
	expect_msg(_t, fd, &r, -EINVAL, off, "npages: the range ends beyond");
	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	put_u64(&r, ALTP2M_A_GFN, gfn);
	off = put_u8(&r, ALTP2M_A_ACCESS, ALTP2M_ACCESS_W);
	expect_msg(_t, fd, &r, -EINVAL, off, "access: not one this CPU's EPT can express");
	cmd(&r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	off = put_u64(&r, ALTP2M_A_GFN, hole);
	put_u64(&r, ALTP2M_A_NPAGES, 4);
	put_u8(&r, ALTP2M_A_ACCESS, ALTP2M_ACCESS_R);
	expect_msg(_t, fd, &r, -ESRCH, off, "gfn: the range holds a gfn that is not guest RAM");

	/* SET_SVE: the same checks. */
	cmd(&r, ALTP2M_CMD_SET_SVE, vm->id);
	off = put_u32(&r, ALTP2M_A_VIEW, 8);
	put_u64(&r, ALTP2M_A_GFN, gfn);
	put_u8(&r, ALTP2M_A_SVE, 0);
	expect_msg(_t, fd, &r, -EINVAL, off, "view: at or beyond the VM's max-views");
	cmd(&r, ALTP2M_CMD_SET_SVE, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	off = put_u64(&r, ALTP2M_A_GFN, limit + 5);
	put_u8(&r, ALTP2M_A_SVE, 0);
	expect_msg(_t, fd, &r, -EINVAL, off, "gfn: beyond the guest-physical address width");

	/* Lists: the pair at fault, inside its nest. */
	off = access_list_of_two(&r, vm->id, gfn, limit, ALTP2M_ACCESS_R, false);
	expect_msg(_t, fd, &r, -EINVAL, off, "entry: gfn beyond the guest-physical address width");
	off = access_list_of_two(&r, vm->id, gfn, gfn + 1, ALTP2M_ACCESS_W, true);
	expect_msg(_t, fd, &r, -EINVAL, off, "entry: access not one this CPU's EPT can express");
	off = access_list_of_two(&r, vm->id, gfn, hole, ALTP2M_ACCESS_R, false);
	expect_msg(_t, fd, &r, -ESRCH, off, "entry: gfn is not guest RAM");
	/* All or nothing: the good pair before it was not filled either. */
	EXPECT_EQ(__vm_get_mem_access(vm, 1, gfn, &acc), -1);
	EXPECT_EQ(errno, ESRCH);

	/* REMAP. */
	cmd(&r, ALTP2M_CMD_REMAP, vm->id);
	off = put_u32(&r, ALTP2M_A_VIEW, 0);
	put_u64(&r, ALTP2M_A_GFN, gfn);
	put_u64(&r, ALTP2M_A_TARGET, gfn + 1);
	expect_msg(_t, fd, &r, -EINVAL, off, "view: view 0 is the host's");
	cmd(&r, ALTP2M_CMD_REMAP, vm->id);
	off = put_u32(&r, ALTP2M_A_VIEW, 4);
	put_u64(&r, ALTP2M_A_GFN, gfn);
	put_u64(&r, ALTP2M_A_TARGET, gfn + 1);
	expect_msg(_t, fd, &r, -EINVAL, off, "view: at or beyond the VM's max-views");
	cmd(&r, ALTP2M_CMD_REMAP, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	off = put_u64(&r, ALTP2M_A_GFN, limit);
	put_u64(&r, ALTP2M_A_TARGET, gfn + 1);
	expect_msg(_t, fd, &r, -EINVAL, off, "gfn: beyond the guest-physical address width");
	cmd(&r, ALTP2M_CMD_REMAP, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	put_u64(&r, ALTP2M_A_GFN, gfn);
	off = put_u64(&r, ALTP2M_A_TARGET, limit);
	expect_msg(_t, fd, &r, -EINVAL, off, "target: beyond the guest-physical address width");
	cmd(&r, ALTP2M_CMD_REMAP, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	off = put_u64(&r, ALTP2M_A_GFN, hole);
	put_u64(&r, ALTP2M_A_TARGET, gfn + 1);
	expect_msg(_t, fd, &r, -ESRCH, off, "gfn: not guest RAM");
	cmd(&r, ALTP2M_CMD_REMAP, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	put_u64(&r, ALTP2M_A_GFN, gfn);
	off = put_u64(&r, ALTP2M_A_TARGET, hole);
	expect_msg(_t, fd, &r, -ESRCH, off, "target: not guest RAM");

	/* None of it changed anything: the remap still works. */
	cmd(&r, ALTP2M_CMD_REMAP, vm->id);
	put_u32(&r, ALTP2M_A_VIEW, 1);
	put_u64(&r, ALTP2M_A_GFN, gfn);
	put_u64(&r, ALTP2M_A_TARGET, gfn + 1);
	EXPECT_EQ(nl_do(fd, &r, NULL, NULL, NULL), 0);
	vm_free(vm);
}

static int count_fds(void)
{
	struct dirent *d;
	DIR *dir = opendir("/proc/self/fd");
	int n = 0;

	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

static int count_vms(int fd)
{
	struct reply rp = {};
	struct nlreq r;

	req_init(&r, family_id, ALTP2M_CMD_GET_VM, NLM_F_DUMP);
	TEST_ASSERT(!nl_do(fd, &r, reply_cb, &rp, NULL), "VM dump");
	return rp.n;
}

/*
 * CREATE_VM whose argument can be read but not written back: EFAULT, and
 * neither a file descriptor nor a VM is left behind.
 */
TEST(failed_create_leaves_nothing)
{
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	int fd = nl_open(), dev = altp2m_open_dev(), fds, vms;

	resolve_family(fd);
	ASSERT_NE(ro, MAP_FAILED);
	fds = count_fds();
	vms = count_vms(fd);
	ASSERT_ERRNO(ioctl(dev, ALTP2M_CREATE_VM, ro), EFAULT);
	TH_LOG("fds %d -> %d, VMs %d -> %d", fds, count_fds(), vms,
	       count_vms(fd));
	EXPECT_EQ(count_fds(), fds);
	EXPECT_EQ(count_vms(fd), vms);
	munmap(ro, 4096);
	close(dev);
	close(fd);
}

/* Run @fn in a child that is root no more; its exit status is the result. */
static int as_nobody(int (*fn)(uint32_t), uint32_t id)
{
	int status;
	pid_t pid = fork();

	if (!pid) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(fn(id));
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

static int nobody_tries(uint32_t id)
{
	struct reply rp = {};
	struct nlerr e;
	struct nlreq r;
	int fd = nl_open();

	resolve_family(fd);
	if (do_simple(fd, ALTP2M_CMD_GET_VM, id, -1, &e) != -EPERM ||
	    !strstr(e.msg, "CAP_NET_ADMIN"))
		return 1;
	printf("# unprivileged: %s\n", e.msg);
	if (do_simple(fd, ALTP2M_CMD_CREATE_VIEW, id, -1, &e) != -EPERM)
		return 2;
	if (do_simple(fd, ALTP2M_CMD_DESTROY_VIEW, id, 1, &e) != -EPERM)
		return 3;
	/* The list shows nothing it may not touch. */
	req_init(&r, family_id, ALTP2M_CMD_GET_VM, NLM_F_DUMP);
	if (nl_do(fd, &r, reply_cb, &rp, NULL) || rp.n)
		return 4;
	return 0;
}

static int other_netns_looks(uint32_t id)
{
	struct reply rp = {};
	struct nlreq r;
	int fd;

	if (unshare(CLONE_NEWNET))
		return 10;
	fd = nl_open();
	resolve_family(fd);
	if (do_simple(fd, ALTP2M_CMD_GET_VM, id, -1, NULL) != -ENOENT)
		return 11;
	req_init(&r, family_id, ALTP2M_CMD_GET_VM, NLM_F_DUMP);
	if (nl_do(fd, &r, reply_cb, &rp, NULL) || rp.n)
		return 12;
	return 0;
}

static int in_child(int (*fn)(uint32_t), uint32_t id)
{
	int status;
	pid_t pid = fork();

	if (!pid)
		_exit(fn(id));
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 101;
}

TEST(permission_and_namespace)
{
	struct vm *vm = make_vm(0);

	vm_views_enable(vm, 4);
	ASSERT_EQ(vm_view_create(vm, ALTP2M_ACCESS_RWX), 1);
	EXPECT_EQ(as_nobody(nobody_tries, vm->id), 0);
	EXPECT_EQ(in_child(other_netns_looks, vm->id), 0);
	/* Nothing the refused calls did stuck. */
	EXPECT_EQ(__vm_view_destroy(vm, 1), 0);
	vm_free(vm);
}

struct event {
	uint8_t cmd;
	uint32_t vm, view, max_views;
};

static void event_cb(struct nlmsghdr *h, struct nlattr **tb, void *arg)
{
	struct genlmsghdr *g = NLMSG_DATA(h);
	struct event *ev = arg;

	while (ev->cmd)
		ev++;
	ev->cmd = g->cmd;
	ev->vm = tb[ALTP2M_A_VM_ID] ? get_u32(tb[ALTP2M_A_VM_ID]) : 0;
	ev->view = tb[ALTP2M_A_VIEW] ? get_u32(tb[ALTP2M_A_VIEW]) : 0;
	ev->max_views = tb[ALTP2M_A_MAX_VIEWS] ?
			get_u32(tb[ALTP2M_A_MAX_VIEWS]) : 0;
}

/* Read what has arrived on a subscribed socket, without blocking. */
static int read_events(int fd, struct event *ev)
{
	static char buf[NL_BUF];
	struct nlattr *tb[MAX_ATTR + 1];
	int count = 0;
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
		struct nlmsghdr *h;

		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			parse_attrs(tb, MAX_ATTR,
				    (char *)NLMSG_DATA(h) + GENL_HDRLEN,
				    h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
			event_cb(h, tb, ev);
			count++;
		}
	}
	return count;
}

TEST(notifications)
{
	struct event ev[16] = {};
	int fd = nl_open(), mon = nl_open();
	struct nlreq r;
	struct vm *vm;
	uint32_t id;

	resolve_family(fd);
	ASSERT_EQ(setsockopt(mon, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			     &mcgrp_id, sizeof(mcgrp_id)), 0);
	vm = make_vm(0);
	id = vm->id;
	vm_views_enable(vm, 8);				/* the ioctl door */
	cmd(&r, ALTP2M_CMD_CREATE_VIEW, id);		/* the netlink door */
	ASSERT_EQ(nl_do(fd, &r, NULL, NULL, NULL), 0);
	vm_view_destroy(vm, 1);
	vm_views_disable(vm);
	vm_free(vm);

	ASSERT_EQ(read_events(mon, ev), 6);
	EXPECT_EQ(ev[0].cmd, ALTP2M_CMD_VM_CREATED);
	EXPECT_EQ(ev[1].cmd, ALTP2M_CMD_VIEWS_ENABLED);
	EXPECT_EQ(ev[1].max_views, 8);
	EXPECT_EQ(ev[2].cmd, ALTP2M_CMD_VIEW_CREATED);
	EXPECT_EQ(ev[2].view, 1);
	EXPECT_EQ(ev[3].cmd, ALTP2M_CMD_VIEW_DESTROYED);
	EXPECT_EQ(ev[3].view, 1);
	EXPECT_EQ(ev[4].cmd, ALTP2M_CMD_VIEWS_DISABLED);
	EXPECT_EQ(ev[5].cmd, ALTP2M_CMD_VM_DESTROYED);
	for (int i = 0; i < 6; i++)
		EXPECT_EQ(ev[i].vm, id);
}

/*
 * As nobody: joining "events" fails with EPERM, and nothing arrives on
 * the socket while root's listener hears a VM come and go. @sync: the
 * child says "ready" on [1] of the first pipe and waits for the parent's
 * "done" on [0] of the second.
 */
static int nobody_listens(int ready, int done)
{
	struct event ev[16] = {};
	int mon, ret;
	char c;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 100;
	mon = nl_open();
	resolve_family(mon);
	ret = setsockopt(mon, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &mcgrp_id,
			 sizeof(mcgrp_id));
	printf("# nobody joins events: %d (%s)\n", ret,
	       ret ? strerror(errno) : "joined");
	if (write(ready, "r", 1) != 1 || read(done, &c, 1) != 1)
		return 101;
	if (ret != -1 || errno != EPERM)
		return 1;
	if (read_events(mon, ev))
		return 2;
	return 0;
}

TEST(events_need_cap_net_admin)
{
	struct event ev[16] = {};
	int mon = nl_open(), p1[2], p2[2], status;
	struct vm *vm;
	pid_t pid;
	char c;

	resolve_family(mon);
	ASSERT_EQ(setsockopt(mon, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
			     &mcgrp_id, sizeof(mcgrp_id)), 0);
	ASSERT_EQ(pipe(p1), 0);
	ASSERT_EQ(pipe(p2), 0);
	pid = fork();
	if (!pid)
		_exit(nobody_listens(p1[1], p2[0]));
	ASSERT_EQ(read(p1[0], &c, 1), 1);
	vm = make_vm(0);
	vm_views_enable(vm, 4);
	ASSERT_EQ(vm_view_create(vm, ALTP2M_ACCESS_RWX), 1);
	vm_free(vm);
	ASSERT_EQ(write(p2[1], "d", 1), 1);
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
	EXPECT_EQ(read_events(mon, ev), 4);
	EXPECT_EQ(ev[0].cmd, ALTP2M_CMD_VM_CREATED);
	EXPECT_EQ(ev[3].cmd, ALTP2M_CMD_VM_DESTROYED);
	close(mon);
}

/*
 * A listener that is admin of a network namespace, but not over the user
 * namespace a VM there was created in, hears nothing of that VM: the
 * child makes a user and network namespace of its own and listens there;
 * root joins that network namespace and creates a VM in it.
 */
static int userns_admin_listens(int ready, int done)
{
	struct event ev[16] = {};
	int mon;
	char c;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		return 100;
	mon = nl_open();
	resolve_family(mon);
	if (setsockopt(mon, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &mcgrp_id,
		       sizeof(mcgrp_id)))
		return 1;
	if (write(ready, "r", 1) != 1 || read(done, &c, 1) != 1)
		return 101;
	if (read_events(mon, ev)) {
		printf("# heard event %u about VM %u\n", ev[0].cmd, ev[0].vm);
		return 2;
	}
	return 0;
}

TEST(events_only_of_vms_listeners_may_touch)
{
	int p1[2], p2[2], status, self, other;
	struct vm *vm;
	char path[64];
	pid_t pid;
	char c;

	self = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_GE(self, 0);
	ASSERT_EQ(pipe(p1), 0);
	ASSERT_EQ(pipe(p2), 0);
	pid = fork();
	if (!pid)
		_exit(userns_admin_listens(p1[1], p2[0]));
	ASSERT_EQ(read(p1[0], &c, 1), 1);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	other = open(path, O_RDONLY);
	ASSERT_GE(other, 0);
	ASSERT_EQ(setns(other, CLONE_NEWNET), 0);
	vm = make_vm(0);
	vm_views_enable(vm, 4);
	vm_free(vm);
	ASSERT_EQ(setns(self, CLONE_NEWNET), 0);
	ASSERT_EQ(write(p2[1], "d", 1), 1);
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
	close(other);
	close(self);
}

/* Enough runs that a dump spans many reads: every other gfn restricted. */
#define DUMP_GFNS	3000

static struct vm *dump_vm(uint64_t *gfn)
{
	struct vm *vm = make_vm(32 << 20);
	uint64_t *gfns = malloc(DUMP_GFNS * sizeof(*gfns));
	uint8_t *acc = malloc(DUMP_GFNS);
	int i;

	*gfn = vm_alloc(vm, 2 * DUMP_GFNS * 4096ULL, 4096) >> 12;
	vm_views_enable(vm, 4);
	TEST_ASSERT(vm_view_create(vm, ALTP2M_ACCESS_RWX) == 1, "view 1");
	for (i = 0; i < DUMP_GFNS; i++) {
		gfns[i] = *gfn + 2 * i;
		acc[i] = ALTP2M_ACCESS_R;
	}
	vm_set_mem_access_list(vm, 1, gfns, acc, DUMP_GFNS);
	free(gfns);
	free(acc);
	return vm;
}

struct count {
	int n;
};

static void count_cb(struct nlmsghdr *h, struct nlattr **tb, void *arg)
{
	(void)h;
	(void)tb;
	((struct count *)arg)->n++;
}

struct racer {
	struct vm *vm;
	uint64_t gfn;
	int reads;
};

/* Between two reads of the dump, change the view once. */
static void change_once(void *arg)
{
	struct racer *rc = arg;

	if (rc->reads++ == 1)
		vm_set_mem_access(rc->vm, 1, rc->gfn + 1, 1, ALTP2M_ACCESS_X);
}

static volatile bool racing;

static void *race_thread(void *arg)
{
	struct racer *rc = arg;
	unsigned int i = 0;

	while (racing)
		vm_set_mem_access(rc->vm, 1, rc->gfn + 1, 1,
				  i++ & 1 ? ALTP2M_ACCESS_X : ALTP2M_ACCESS_RWX);
	return NULL;
}

TEST_TIMEOUT(dump_consistency, 240)
{
	struct racer rc = {};
	struct count c = {};
	struct nlreq r;
	pthread_t th;
	int fd = nl_open(), intr, flagged = 0, i;

	resolve_family(fd);
	rc.vm = dump_vm(&rc.gfn);

	/* Undisturbed: every run, never flagged. */
	cmd(&r, ALTP2M_CMD_DUMP_VIEW, rc.vm->id);
	r.n.nlmsg_flags |= NLM_F_DUMP;
	put_u32(&r, ALTP2M_A_VIEW, 1);
	ASSERT_EQ(nl_xfer(fd, &r, count_cb, &c, NULL, &intr, NULL, NULL), 0);
	EXPECT_EQ(intr, 0);
	EXPECT_GE(c.n, DUMP_GFNS);

	/* One change between two reads: flagged. */
	cmd(&r, ALTP2M_CMD_DUMP_VIEW, rc.vm->id);
	r.n.nlmsg_flags |= NLM_F_DUMP;
	put_u32(&r, ALTP2M_A_VIEW, 1);
	ASSERT_EQ(nl_xfer(fd, &r, NULL, NULL, NULL, &intr, change_once, &rc), 0);
	ASSERT_GE(rc.reads, 3);
	EXPECT_GE(intr, 1);

	/* Changes from another thread all along: some dumps flagged. */
	racing = true;
	ASSERT_EQ(pthread_create(&th, NULL, race_thread, &rc), 0);
	for (i = 0; i < 10; i++) {
		cmd(&r, ALTP2M_CMD_DUMP_VIEW, rc.vm->id);
		r.n.nlmsg_flags |= NLM_F_DUMP;
		put_u32(&r, ALTP2M_A_VIEW, 1);
		ASSERT_EQ(nl_xfer(fd, &r, NULL, NULL, NULL, &intr, NULL, NULL), 0);
		flagged += intr > 0;
	}
	racing = false;
	pthread_join(th, NULL);
	printf("# %d of 10 dumps under concurrent changes flagged\n", flagged);
	EXPECT_GE(flagged, 1);

	vm_free(rc.vm);
}

TEST_HARNESS_MAIN
