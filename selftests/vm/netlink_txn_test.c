// SPDX-License-Identifier: GPL-2.0
/*
 * Batches and transactions of the generic netlink family "altp2m",
 * spoken byte by byte as netlink_test.c does: a BATCH and a transaction
 * staged over several messages are all-or-nothing (a bad operation in the
 * last message applies nothing, and its index comes back in the extended
 * ack's cookie), flush nothing when they fail, follow the generation rule
 * for concurrent changes; a transaction belongs to its socket (another
 * socket cannot reach it, closing the socket frees it) and to its VM
 * (destroying the VM frees it); the limits (transactions per socket,
 * operations per transaction) hold; malformed operations are blamed on
 * their attribute; an unprivileged sender gets EPERM at every command.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "../lib/nl_raw.h"
#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define NL_BUF		(512 * 1024)
#define MAX_ATTR	64
#define HOLE		0x100000ULL	/* 4 GiB: not guest RAM */

struct nlreq {
	struct nlmsghdr n;
	struct genlmsghdr g;
	char buf[NL_BUF];
};

/* One reply's attributes. */
struct reply {
	int n;
	uint32_t u32[MAX_ATTR + 1];
	uint64_t u64[MAX_ATTR + 1];
	bool has[MAX_ATTR + 1];
};

static uint16_t family_id;

static void req_init(struct nlreq *r, uint16_t type, uint8_t cmd)
{
	memset(r, 0, sizeof(r->n) + sizeof(r->g));
	r->n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN);
	r->n.nlmsg_type = type;
	r->n.nlmsg_flags = NLM_F_REQUEST;
	r->n.nlmsg_seq = 1;
	r->g.cmd = cmd;
	r->g.version = 1;
}

/* Append an attribute; returns its offset in the message. */
static int put(struct nlreq *r, uint16_t type, const void *data, int len)
{
	struct nlattr *a = (void *)((char *)r + NLMSG_ALIGN(r->n.nlmsg_len));
	int off = (char *)a - (char *)r;

	TEST_ASSERT(off + NLA_ALIGN(NLA_HDRLEN + len) <= (int)sizeof(*r),
		    "request too long");
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	memset((char *)a + NLA_HDRLEN + len, 0,
	       NLA_ALIGN(a->nla_len) - a->nla_len);
	r->n.nlmsg_len = NLMSG_ALIGN(r->n.nlmsg_len) + NLA_ALIGN(a->nla_len);
	return off;
}

static int put_u8(struct nlreq *r, uint16_t type, uint8_t v)
{
	return put(r, type, &v, 1);
}

static int put_u16(struct nlreq *r, uint16_t type, uint16_t v)
{
	return put(r, type, &v, 2);
}

static int put_u32(struct nlreq *r, uint16_t type, uint32_t v)
{
	return put(r, type, &v, 4);
}

static int put_u64(struct nlreq *r, uint16_t type, uint64_t v)
{
	return put(r, type, &v, 8);
}

static int nest_start(struct nlreq *r, uint16_t type)
{
	return put(r, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct nlreq *r, int off)
{
	struct nlattr *nest = (void *)((char *)r + off);

	nest->nla_len = r->n.nlmsg_len - off;
}

static void reply_take(struct nlmsghdr *h, struct reply *rp)
{
	struct nlattr *tb[MAX_ATTR + 1];
	int i;

	parse_attrs(tb, MAX_ATTR, (char *)NLMSG_DATA(h) + GENL_HDRLEN,
		    h->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
	rp->n++;
	for (i = 1; i <= MAX_ATTR; i++) {
		if (!tb[i])
			continue;
		rp->has[i] = true;
		switch (tb[i]->nla_len - NLA_HDRLEN) {
		case 2:
			rp->u32[i] = *(uint16_t *)nla_data(tb[i]);
			break;
		case 4:
			rp->u32[i] = get_u32(tb[i]);
			break;
		case 8:
			memcpy(&rp->u64[i], nla_data(tb[i]), 8);
			break;
		}
	}
}

/*
 * Send @r, collect its reply into @rp (may be NULL) and its ack into @e
 * (may be NULL). Returns 0 or the negative errno.
 */
static int nl_do(int fd, struct nlreq *r, struct reply *rp, struct nlerr *e)
{
	static char buf[65536];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct reply dummy_rp;
	struct nlerr dummy;

	if (!e)
		e = &dummy;
	if (!rp)
		rp = &dummy_rp;
	memset(e, 0, sizeof(*e));
	memset(rp, 0, sizeof(*rp));
	e->offs = e->miss_type = -1;
	r->n.nlmsg_flags |= NLM_F_ACK;
	TEST_ASSERT(sendto(fd, r, r->n.nlmsg_len, 0, (struct sockaddr *)&sa,
			   sizeof(sa)) == (ssize_t)r->n.nlmsg_len,
		    "sendto: %s", strerror(errno));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h;

		TEST_ASSERT(n > 0, "recv: %s", strerror(errno));
		for (h = (void *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				parse_err(h, e);
				return e->err;
			}
			reply_take(h, rp);
		}
	}
}

static void resolve_family(int fd)
{
	struct nlreq *r = malloc(sizeof(*r));
	struct reply rp;

	req_init(r, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
	put(r, CTRL_ATTR_FAMILY_NAME, ALTP2M_GENL_NAME,
	    sizeof(ALTP2M_GENL_NAME));
	TEST_ASSERT(!nl_do(fd, r, &rp, NULL), "family " ALTP2M_GENL_NAME);
	family_id = rp.u32[CTRL_ATTR_FAMILY_ID];
	TEST_ASSERT(family_id, "family id");
	free(r);
}

static struct nlreq *req_new(void)
{
	struct nlreq *r = malloc(sizeof(*r));

	TEST_ASSERT(r, "malloc");
	return r;
}

/* A request to the family about VM @id. */
static void cmd(struct nlreq *r, uint8_t c, uint32_t id)
{
	req_init(r, family_id, c);
	put_u32(r, ALTP2M_A_VM_ID, id);
}

/* A TXN_STAGE, _COMMIT or _ABORT request. */
static void txn_cmd(struct nlreq *r, uint8_t c, uint32_t vm_id, uint32_t txn)
{
	cmd(r, c, vm_id);
	put_u32(r, ALTP2M_A_TXN_ID, txn);
}

/* SET_ACCESS (or SET_SVE) of @npages (0: attribute absent) from @gfn. */
static int op_set(struct nlreq *r, uint16_t type, uint32_t view, uint64_t gfn,
		  uint64_t npages, uint8_t value)
{
	int nest = nest_start(r, ALTP2M_A_OP);

	put_u16(r, ALTP2M_OP_A_TYPE, type);
	put_u32(r, ALTP2M_OP_A_VIEW, view);
	put_u64(r, ALTP2M_OP_A_GFN, gfn);
	if (npages)
		put_u64(r, ALTP2M_OP_A_NPAGES, npages);
	put_u8(r, ALTP2M_OP_A_VALUE, value);
	nest_end(r, nest);
	return nest;
}

static int op_access(struct nlreq *r, uint32_t view, uint64_t gfn,
		     uint8_t access)
{
	return op_set(r, ALTP2M_BATCH_SET_ACCESS, view, gfn, 0, access);
}

/* REMAP; returns the offset of its TARGET attribute. */
static int op_remap(struct nlreq *r, uint32_t view, uint64_t gfn,
		    uint64_t target)
{
	int nest = nest_start(r, ALTP2M_A_OP), off;

	put_u16(r, ALTP2M_OP_A_TYPE, ALTP2M_BATCH_REMAP);
	put_u32(r, ALTP2M_OP_A_VIEW, view);
	put_u64(r, ALTP2M_OP_A_GFN, gfn);
	off = put_u64(r, ALTP2M_OP_A_TARGET, target);
	nest_end(r, nest);
	return off;
}

static uint32_t txn_begin(int fd, uint32_t vm_id, uint64_t *gen)
{
	struct nlreq *r = req_new();
	struct reply rp;
	int ret;

	cmd(r, ALTP2M_CMD_TXN_BEGIN, vm_id);
	ret = nl_do(fd, r, &rp, NULL);
	TEST_ASSERT(!ret, "TXN_BEGIN: %s", strerror(-ret));
	TEST_ASSERT(rp.n == 1 && rp.u32[ALTP2M_A_VM_ID] == vm_id &&
		    rp.u32[ALTP2M_A_TXN_ID] && rp.has[ALTP2M_A_GENERATION],
		    "TXN_BEGIN reply");
	if (gen)
		*gen = rp.u64[ALTP2M_A_GENERATION];
	free(r);
	return rp.u32[ALTP2M_A_TXN_ID];
}

/* Stage SET_ACCESS @access on gfns @gfn .. @gfn + @n - 1, one op each. */
static int stage_accesses(int fd, uint32_t vm_id, uint32_t txn, uint32_t view,
			  uint64_t gfn, int n, uint8_t access, struct nlerr *e)
{
	struct nlreq *r = req_new();
	int i, ret;

	txn_cmd(r, ALTP2M_CMD_TXN_STAGE, vm_id, txn);
	for (i = 0; i < n; i++)
		op_access(r, view, gfn + i, access);
	ret = nl_do(fd, r, NULL, e);
	free(r);
	return ret;
}

static int txn_end(int fd, uint8_t c, uint32_t vm_id, uint32_t txn,
		   struct reply *rp, struct nlerr *e)
{
	struct nlreq *r = req_new();
	int ret;

	txn_cmd(r, c, vm_id, txn);
	ret = nl_do(fd, r, rp, e);
	free(r);
	return ret;
}

static uint64_t vm_generation(int fd, uint32_t vm_id)
{
	struct nlreq *r = req_new();
	struct reply rp;

	cmd(r, ALTP2M_CMD_GET_VM, vm_id);
	TEST_ASSERT(!nl_do(fd, r, &rp, NULL), "GET_VM");
	free(r);
	return rp.u64[ALTP2M_A_GENERATION];
}

/* A VM with guest RAM, one vCPU and views 1 .. @views; @gfn: @n free pages. */
static struct vm *make_vm(int views, uint64_t *gfn, int n)
{
	struct vm *vm = vm_create(0);
	int i;

	vcpu_add(vm, 0, NULL);
	*gfn = vm_alloc(vm, n * 4096ULL, 4096) >> 12;
	vm_views_enable(vm, 8);
	for (i = 1; i <= views; i++)
		TEST_ASSERT(vm_view_create(vm, ALTP2M_ACCESS_RWX) == i,
			    "view %d", i);
	return vm;
}

/* Runs of @view that differ from lazy fill (ALTP2M_DUMP_VIEW). */
static int view_runs(struct vm *vm, uint32_t view)
{
	struct altp2m_view_entry e[64];
	uint64_t cursor = 0;

	return vm_dump_view(vm, view, &cursor, e, 64);
}

/* The access of @gfn in @view, or -errno (ESRCH: never filled). */
static int access_of(struct vm *vm, uint32_t view, uint64_t gfn)
{
	uint8_t acc;

	if (__vm_get_mem_access(vm, view, gfn, &acc))
		return -errno;
	return acc;
}

static void show(const char *what, int ret, const struct nlerr *e)
{
	printf("# %s: %d (%s) offs %d miss %d cookie %s%u\n", what, ret,
	       e->msg, e->offs, e->miss_type, e->cookie_len == 4 ? "" : "none ",
	       e->cookie);
}

/*
 * A list staged over three messages whose last holds a bad operation.
 * An error the message itself shows (a value on a remap) fails that
 * TXN_STAGE, blamed on the attribute with the operation's index across
 * the transaction; one only the VM shows (a gfn that is not guest RAM)
 * fails the commit with that index, and nothing of the list is applied.
 */
TEST(bad_entry_in_the_last_message)
{
	struct nlreq *r = req_new();
	struct nlerr e;
	struct vm *vm;
	uint64_t gfn;
	uint32_t txn;
	int fd, nest, off, i;

	fd = nl_open();
	resolve_family(fd);
	vm = make_vm(1, &gfn, 32);
	txn = txn_begin(fd, vm->id, NULL);
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn, 10, ALTP2M_ACCESS_R, &e), 0);
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn + 10, 10, ALTP2M_ACCESS_R, &e), 0);

	/* Static: operation 20 + 3 takes a value it must not have. */
	txn_cmd(r, ALTP2M_CMD_TXN_STAGE, vm->id, txn);
	for (i = 0; i < 3; i++)
		op_access(r, 1, gfn + 20 + i, ALTP2M_ACCESS_R);
	nest = nest_start(r, ALTP2M_A_OP);
	put_u16(r, ALTP2M_OP_A_TYPE, ALTP2M_BATCH_REMAP);
	put_u32(r, ALTP2M_OP_A_VIEW, 1);
	put_u64(r, ALTP2M_OP_A_GFN, gfn);
	put_u64(r, ALTP2M_OP_A_TARGET, gfn + 1);
	off = put_u8(r, ALTP2M_OP_A_VALUE, 1);
	nest_end(r, nest);
	EXPECT_EQ(nl_do(fd, r, NULL, &e), -EINVAL);
	show("value on a remap in the third message", e.err, &e);
	EXPECT_EQ(e.offs, off);
	EXPECT_EQ(e.cookie_len, 4);
	EXPECT_EQ(e.cookie, 23);
	EXPECT_TRUE(strstr(e.msg, "operation 23: value:") != NULL);

	/* The failed message added nothing; a state error instead. */
	txn_cmd(r, ALTP2M_CMD_TXN_STAGE, vm->id, txn);
	for (i = 0; i < 3; i++)
		op_access(r, 1, gfn + 20 + i, ALTP2M_ACCESS_R);
	op_access(r, 1, HOLE, ALTP2M_ACCESS_R);
	ASSERT_EQ(nl_do(fd, r, NULL, &e), 0);
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, NULL, &e),
		  -ESRCH);
	show("commit with a gfn that is not RAM last", e.err, &e);
	EXPECT_EQ(e.cookie_len, 4);
	EXPECT_EQ(e.cookie, 23);
	EXPECT_TRUE(strstr(e.msg, "operation 23: gfn: not guest RAM") != NULL);
	EXPECT_EQ(e.offs, -1);

	/* Nothing applied: never filled, and the view differs in nothing. */
	for (i = 0; i < 23; i++)
		EXPECT_EQ(access_of(vm, 1, gfn + i), -ESRCH);
	EXPECT_EQ(view_runs(vm, 1), 0);
	/* And the commit ended it. */
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, NULL, &e),
		  -ENOENT);
	EXPECT_TRUE(strstr(e.msg, "txn-id: no such transaction on this socket") != NULL);
	vm_free(vm);
	free(r);
}

/* A transaction over several messages and views applies all of it. */
TEST(multi_message_commit_applies_everything)
{
	struct nlreq *r = req_new();
	struct reply rp;
	struct nlerr e;
	struct vm *vm;
	uint64_t gfn, gen0;
	uint32_t txn;
	int fd, i;

	fd = nl_open();
	resolve_family(fd);
	vm = make_vm(2, &gfn, 64);
	txn = txn_begin(fd, vm->id, &gen0);
	EXPECT_EQ(gen0, vm_generation(fd, vm->id));
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn, 20, ALTP2M_ACCESS_R, &e), 0);
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 2, gfn + 20, 20, ALTP2M_ACCESS_X, &e), 0);
	txn_cmd(r, ALTP2M_CMD_TXN_STAGE, vm->id, txn);
	op_set(r, ALTP2M_BATCH_SET_SVE, 2, gfn + 40, 4, 0);
	op_remap(r, 1, gfn + 50, gfn + 51);
	ASSERT_EQ(nl_do(fd, r, NULL, &e), 0);
	/* Staged, not applied. */
	EXPECT_EQ(access_of(vm, 1, gfn), -ESRCH);

	ASSERT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, &rp, &e), 0);
	EXPECT_EQ(rp.n, 1);
	EXPECT_EQ(rp.u32[ALTP2M_A_VM_ID], vm->id);
	EXPECT_NE(rp.u64[ALTP2M_A_GENERATION], gen0);
	EXPECT_EQ(rp.u64[ALTP2M_A_GENERATION], vm_generation(fd, vm->id));
	for (i = 0; i < 20; i++)
		EXPECT_EQ(access_of(vm, 1, gfn + i), ALTP2M_ACCESS_R);
	for (i = 20; i < 40; i++)
		EXPECT_EQ(access_of(vm, 2, gfn + i), ALTP2M_ACCESS_X);
	EXPECT_GE(view_runs(vm, 1), 2);
	EXPECT_GE(view_runs(vm, 2), 2);
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_ABORT, vm->id, txn, NULL, &e),
		  -ENOENT);
	vm_free(vm);
	free(r);
}

/*
 * Active objects of the kmalloc caches a staged chunk of 200 ops is in.
 * Shrinking them first drains the CPU slabs (whose free objects count as
 * active) and, on a KASAN kernel, the quarantine of freed objects.
 */
static long slab_8k(void)
{
	static const char *const caches[] = { "kmalloc-cg-8k", "kmalloc-8k" };
	char line[512], name[64], path[96];
	long n = 0, active;
	bool found = false;
	unsigned int i;
	FILE *f;

	for (i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
			 caches[i]);
		f = fopen(path, "w");
		if (f) {
			fputs("1", f);
			fclose(f);
		}
	}
	f = fopen("/proc/slabinfo", "r");
	TEST_ASSERT(f, "/proc/slabinfo");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%63s %ld", name, &active) != 2)
			continue;
		if (!strcmp(name, "kmalloc-cg-8k") || !strcmp(name, "kmalloc-8k")) {
			n += active;
			found = true;
		}
	}
	fclose(f);
	TEST_ASSERT(found, "no kmalloc-8k in /proc/slabinfo");
	return n;
}

#define CYCLES		1000
#define CHUNK_OPS	200	/* 24 + 200 * 40 bytes: kmalloc-8k */

/*
 * A transaction left open when its socket closes leaves nothing: another
 * socket cannot find it, and a thousand such transactions of 200 staged
 * operations each (8 KiB apiece) do not grow the kernel's 8 KiB caches.
 */
TEST_TIMEOUT(socket_close_leaves_no_trace, 600)
{
	struct nlerr e;
	struct vm *vm;
	uint64_t gfn;
	uint32_t txn = 0;
	long before, after;
	int fd, i;

	fd = nl_open();
	resolve_family(fd);
	close(fd);
	vm = make_vm(1, &gfn, 4);
	before = slab_8k();
	for (i = 0; i < CYCLES; i++) {
		fd = nl_open();
		txn = txn_begin(fd, vm->id, NULL);
		ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn, CHUNK_OPS,
					 ALTP2M_ACCESS_R, &e), 0);
		close(fd);
	}
	after = slab_8k();
	TH_LOG("8 KiB objects: %ld before, %ld after %d closed transactions",
	       before, after, CYCLES);
	EXPECT_LT(after - before, CYCLES / 10);

	fd = nl_open();
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, NULL, &e),
		  -ENOENT);
	show("the last one's id from a new socket", e.err, &e);
	EXPECT_TRUE(strstr(e.msg, "no such transaction on this socket") != NULL);
	EXPECT_EQ(access_of(vm, 1, gfn), -ESRCH);
	close(fd);
	vm_free(vm);
}

/* ABORT applies nothing and ends it; another socket cannot commit it. */
TEST(abort_and_other_sockets)
{
	struct nlerr e;
	struct vm *vm;
	uint64_t gfn;
	uint32_t txn;
	int fd, other;

	fd = nl_open();
	other = nl_open();
	resolve_family(fd);
	vm = make_vm(1, &gfn, 8);

	txn = txn_begin(fd, vm->id, NULL);
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn, 4, ALTP2M_ACCESS_R, &e), 0);
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_ABORT, vm->id, txn, NULL, &e), 0);
	EXPECT_EQ(access_of(vm, 1, gfn), -ESRCH);
	EXPECT_EQ(view_runs(vm, 1), 0);
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, NULL, &e),
		  -ENOENT);

	/* Another socket: not its transaction, and it does not end it. */
	txn = txn_begin(fd, vm->id, NULL);
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn, 4, ALTP2M_ACCESS_R, &e), 0);
	EXPECT_EQ(txn_end(other, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, NULL, &e),
		  -ENOENT);
	show("commit from another socket", e.err, &e);
	EXPECT_TRUE(strstr(e.msg, "txn-id: no such transaction on this socket") != NULL);
	EXPECT_EQ(stage_accesses(other, vm->id, txn, 1, gfn, 1, ALTP2M_ACCESS_X, &e),
		  -ENOENT);
	EXPECT_EQ(txn_end(other, ALTP2M_CMD_TXN_ABORT, vm->id, txn, NULL, &e),
		  -ENOENT);
	EXPECT_EQ(access_of(vm, 1, gfn), -ESRCH);
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, NULL, &e), 0);
	EXPECT_EQ(access_of(vm, 1, gfn + 3), ALTP2M_ACCESS_R);
	close(other);
	close(fd);
	vm_free(vm);
}

/*
 * BATCH over three views whose one bad remap (a target that is not guest
 * RAM) is the failure: ESRCH blamed on that remap's target, nothing
 * applied in any view, and nothing flushed; the same batch without it
 * applies and flushes.
 */
TEST(batch_across_three_views_with_one_bad_remap)
{
	struct altp2m_vm_stats st0, st1;
	struct nlreq *r = req_new();
	struct reply rp;
	struct nlerr e;
	struct vm *vm;
	uint64_t gfn;
	int fd, off, v;

	fd = nl_open();
	resolve_family(fd);
	vm = make_vm(3, &gfn, 16);

	vm_stats(vm, &st0);
	cmd(r, ALTP2M_CMD_BATCH, vm->id);
	for (v = 1; v <= 3; v++)
		op_set(r, ALTP2M_BATCH_SET_ACCESS, v, gfn, 4, ALTP2M_ACCESS_R);
	op_remap(r, 2, gfn + 8, gfn + 9);
	off = op_remap(r, 3, gfn + 10, HOLE);
	op_access(r, 1, gfn + 12, ALTP2M_ACCESS_X);
	EXPECT_EQ(nl_do(fd, r, NULL, &e), -ESRCH);
	show("batch with a bad remap", e.err, &e);
	EXPECT_EQ(e.offs, off);
	EXPECT_EQ(e.cookie_len, 4);
	EXPECT_EQ(e.cookie, 4);
	EXPECT_TRUE(strstr(e.msg, "operation 4: target: not guest RAM") != NULL);
	vm_stats(vm, &st1);
	TH_LOG("failed batch: ept_flushes %llu -> %llu, invept %llu -> %llu",
	       (unsigned long long)st0.ept_flushes,
	       (unsigned long long)st1.ept_flushes,
	       (unsigned long long)st0.invept, (unsigned long long)st1.invept);
	EXPECT_EQ(st1.ept_flushes, st0.ept_flushes);
	EXPECT_EQ(st1.invept, st0.invept);
	for (v = 1; v <= 3; v++) {
		EXPECT_EQ(access_of(vm, v, gfn), -ESRCH);
		EXPECT_EQ(view_runs(vm, v), 0);
	}

	/* Without it: applied everywhere, each view flushed. */
	cmd(r, ALTP2M_CMD_BATCH, vm->id);
	for (v = 1; v <= 3; v++)
		op_set(r, ALTP2M_BATCH_SET_ACCESS, v, gfn, 4, ALTP2M_ACCESS_R);
	op_remap(r, 2, gfn + 8, gfn + 9);
	op_access(r, 1, gfn + 12, ALTP2M_ACCESS_X);
	ASSERT_EQ(nl_do(fd, r, &rp, &e), 0);
	EXPECT_EQ(rp.u64[ALTP2M_A_GENERATION], vm_generation(fd, vm->id));
	vm_stats(vm, &st1);
	TH_LOG("good batch: invept %llu -> %llu",
	       (unsigned long long)st0.invept, (unsigned long long)st1.invept);
	EXPECT_GE(st1.invept, st0.invept + 1);
	for (v = 1; v <= 3; v++)
		EXPECT_EQ(access_of(vm, v, gfn + 3), ALTP2M_ACCESS_R);
	EXPECT_EQ(access_of(vm, 1, gfn + 12), ALTP2M_ACCESS_X);
	EXPECT_GE(view_runs(vm, 2), 2);
	close(fd);
	vm_free(vm);
	free(r);
}

/*
 * Concurrent changes. With TXN_BEGIN's generation, a commit after
 * another socket changed the views fails with ESTALE, applies nothing and
 * ends the transaction; without it, the commit applies on top of the
 * other change: what the transaction sets wins, the rest of the other
 * change stays.
 */
TEST(generation_rule)
{
	struct nlreq *r = req_new();
	struct reply rp;
	struct nlerr e;
	struct vm *vm;
	uint64_t gfn, gen;
	uint32_t txn;
	int fd, other, off;

	fd = nl_open();
	other = nl_open();
	resolve_family(fd);
	vm = make_vm(1, &gfn, 8);

	txn = txn_begin(fd, vm->id, &gen);
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn, 2, ALTP2M_ACCESS_R, &e), 0);
	cmd(r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(r, ALTP2M_A_VIEW, 1);
	put_u64(r, ALTP2M_A_GFN, gfn + 4);
	put_u8(r, ALTP2M_A_ACCESS, ALTP2M_ACCESS_X);
	ASSERT_EQ(nl_do(other, r, NULL, NULL), 0);
	txn_cmd(r, ALTP2M_CMD_TXN_COMMIT, vm->id, txn);
	off = put_u64(r, ALTP2M_A_GENERATION, gen);
	EXPECT_EQ(nl_do(fd, r, NULL, &e), -ESTALE);
	show("commit after a change, with the generation", e.err, &e);
	EXPECT_EQ(e.offs, off);
	EXPECT_EQ(e.cookie_len, 0);
	EXPECT_TRUE(strstr(e.msg, "generation: the VM's views changed") != NULL);
	EXPECT_EQ(access_of(vm, 1, gfn), -ESRCH);
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, NULL, &e),
		  -ENOENT);

	/* With an unchanged generation it commits. */
	txn = txn_begin(fd, vm->id, &gen);
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn, 1, ALTP2M_ACCESS_R, &e), 0);
	txn_cmd(r, ALTP2M_CMD_TXN_COMMIT, vm->id, txn);
	put_u64(r, ALTP2M_A_GENERATION, gen);
	ASSERT_EQ(nl_do(fd, r, &rp, &e), 0);
	EXPECT_NE(rp.u64[ALTP2M_A_GENERATION], gen);
	EXPECT_EQ(access_of(vm, 1, gfn), ALTP2M_ACCESS_R);

	/* Without it: on top of the other socket's change. */
	txn = txn_begin(fd, vm->id, &gen);
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn + 4, 1, ALTP2M_ACCESS_RW, &e), 0);
	cmd(r, ALTP2M_CMD_SET_ACCESS, vm->id);
	put_u32(r, ALTP2M_A_VIEW, 1);
	put_u64(r, ALTP2M_A_GFN, gfn + 4);
	put_u64(r, ALTP2M_A_NPAGES, 2);
	put_u8(r, ALTP2M_A_ACCESS, ALTP2M_ACCESS_N);
	ASSERT_EQ(nl_do(other, r, NULL, NULL), 0);
	ASSERT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, &rp, &e), 0);
	EXPECT_EQ(access_of(vm, 1, gfn + 4), ALTP2M_ACCESS_RW);
	EXPECT_EQ(access_of(vm, 1, gfn + 5), ALTP2M_ACCESS_N);
	close(other);
	close(fd);
	vm_free(vm);
	free(r);
}

/*
 * ALTP2M_TXN_MAX_PER_SOCKET open transactions per socket (another socket
 * has its own), and ALTP2M_BATCH_MAX_OPS operations per transaction,
 * staged in messages of 4000.
 */
TEST_TIMEOUT(limits, 1200)
{
	uint32_t txn[ALTP2M_TXN_MAX_PER_SOCKET];
	struct nlreq *r = req_new();
	struct timespec t0, t1;
	struct nlerr e;
	struct vm *vm;
	uint64_t gfn;
	int fd, other, i, left;

	fd = nl_open();
	other = nl_open();
	resolve_family(fd);
	vm = make_vm(1, &gfn, 4);
	for (i = 0; i < ALTP2M_TXN_MAX_PER_SOCKET; i++)
		txn[i] = txn_begin(fd, vm->id, NULL);
	for (i = 1; i < ALTP2M_TXN_MAX_PER_SOCKET; i++)
		EXPECT_NE(txn[i], txn[i - 1]);
	cmd(r, ALTP2M_CMD_TXN_BEGIN, vm->id);
	EXPECT_EQ(nl_do(fd, r, NULL, &e), -EBUSY);
	show("17th transaction", e.err, &e);
	EXPECT_TRUE(strstr(e.msg, "open transactions") != NULL);
	txn_begin(other, vm->id, NULL);
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_ABORT, vm->id, txn[3], NULL, &e), 0);
	txn[3] = txn_begin(fd, vm->id, NULL);

	/* The operation limit, in one transaction. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (left = ALTP2M_BATCH_MAX_OPS; left > 0; left -= 4000)
		ASSERT_EQ(stage_accesses(fd, vm->id, txn[0], 1, gfn,
					 left < 4000 ? left : 4000,
					 ALTP2M_ACCESS_R, &e), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TH_LOG("%d operations staged in %.1f s", ALTP2M_BATCH_MAX_OPS,
	       (double)(t1.tv_sec - t0.tv_sec) +
	       (t1.tv_nsec - t0.tv_nsec) / 1e9);
	EXPECT_EQ(stage_accesses(fd, vm->id, txn[0], 1, gfn, 1,
				 ALTP2M_ACCESS_R, &e), -E2BIG);
	show("one operation too many", e.err, &e);
	EXPECT_TRUE(strstr(e.msg, "more than ALTP2M_BATCH_MAX_OPS") != NULL);
	/* The limit is per transaction. */
	EXPECT_EQ(stage_accesses(fd, vm->id, txn[1], 1, gfn, 1,
				 ALTP2M_ACCESS_R, &e), 0);
	EXPECT_EQ(access_of(vm, 1, gfn), -ESRCH);
	close(other);
	close(fd);
	vm_free(vm);
	free(r);
}

/*
 * Malformed operations, in a BATCH and in a TXN_STAGE after others: a
 * garbage type fails the policy (ERANGE, the type attribute); a missing
 * gfn, a target on set-access and a value on remap are EINVAL blamed on
 * the attribute (or the missing type in the nest), with the operation's
 * index in the message and the cookie.
 */
TEST(malformed_operations)
{
	struct nlreq *r = req_new();
	struct vm *vm, *vm2;
	struct nlerr e;
	uint64_t gfn;
	uint32_t txn;
	int fd, nest, off;

	fd = nl_open();
	resolve_family(fd);
	vm = make_vm(1, &gfn, 8);

	cmd(r, ALTP2M_CMD_BATCH, vm->id);
	op_access(r, 1, gfn, ALTP2M_ACCESS_R);
	nest = nest_start(r, ALTP2M_A_OP);
	off = put_u16(r, ALTP2M_OP_A_TYPE, 77);
	put_u32(r, ALTP2M_OP_A_VIEW, 1);
	put_u64(r, ALTP2M_OP_A_GFN, gfn);
	put_u8(r, ALTP2M_OP_A_VALUE, 0);
	nest_end(r, nest);
	EXPECT_EQ(nl_do(fd, r, NULL, &e), -ERANGE);
	show("garbage type", e.err, &e);
	EXPECT_EQ(e.offs, off);

	cmd(r, ALTP2M_CMD_BATCH, vm->id);
	op_access(r, 1, gfn, ALTP2M_ACCESS_R);
	nest = nest_start(r, ALTP2M_A_OP);
	put_u16(r, ALTP2M_OP_A_TYPE, ALTP2M_BATCH_SET_ACCESS);
	put_u32(r, ALTP2M_OP_A_VIEW, 1);
	put_u8(r, ALTP2M_OP_A_VALUE, 0);
	nest_end(r, nest);
	EXPECT_EQ(nl_do(fd, r, NULL, &e), -EINVAL);
	show("missing gfn", e.err, &e);
	EXPECT_EQ(e.miss_type, ALTP2M_OP_A_GFN);
	EXPECT_EQ(e.cookie, 1);
	EXPECT_TRUE(strstr(e.msg, "operation 1: gfn: missing") != NULL);

	cmd(r, ALTP2M_CMD_BATCH, vm->id);
	nest = nest_start(r, ALTP2M_A_OP);
	put_u16(r, ALTP2M_OP_A_TYPE, ALTP2M_BATCH_SET_ACCESS);
	put_u32(r, ALTP2M_OP_A_VIEW, 1);
	put_u64(r, ALTP2M_OP_A_GFN, gfn);
	put_u8(r, ALTP2M_OP_A_VALUE, ALTP2M_ACCESS_R);
	off = put_u64(r, ALTP2M_OP_A_TARGET, gfn + 1);
	nest_end(r, nest);
	EXPECT_EQ(nl_do(fd, r, NULL, &e), -EINVAL);
	show("target on set-access", e.err, &e);
	EXPECT_EQ(e.offs, off);
	EXPECT_EQ(e.cookie_len, 4);
	EXPECT_EQ(e.cookie, 0);
	EXPECT_TRUE(strstr(e.msg, "operation 0: target:") != NULL);

	/* In a transaction: the index counts the operations staged before. */
	txn = txn_begin(fd, vm->id, NULL);
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn, 5, ALTP2M_ACCESS_R, &e), 0);
	txn_cmd(r, ALTP2M_CMD_TXN_STAGE, vm->id, txn);
	op_access(r, 1, gfn, ALTP2M_ACCESS_R);
	nest = nest_start(r, ALTP2M_A_OP);
	put_u16(r, ALTP2M_OP_A_TYPE, ALTP2M_BATCH_REMAP);
	put_u32(r, ALTP2M_OP_A_VIEW, 1);
	put_u64(r, ALTP2M_OP_A_GFN, gfn);
	put_u64(r, ALTP2M_OP_A_TARGET, gfn + 1);
	off = put_u8(r, ALTP2M_OP_A_VALUE, 0);
	nest_end(r, nest);
	EXPECT_EQ(nl_do(fd, r, NULL, &e), -EINVAL);
	show("value on remap, staged after 6", e.err, &e);
	EXPECT_EQ(e.offs, off);
	EXPECT_EQ(e.cookie, 6);
	EXPECT_TRUE(strstr(e.msg, "operation 6: value:") != NULL);

	/* No OP at all; a transaction id of another VM. */
	txn_cmd(r, ALTP2M_CMD_TXN_STAGE, vm->id, txn);
	EXPECT_EQ(nl_do(fd, r, NULL, &e), -EINVAL);
	EXPECT_EQ(e.miss_type, ALTP2M_A_OP);
	vm2 = vm_create_bare();
	txn_cmd(r, ALTP2M_CMD_TXN_COMMIT, vm2->id, txn);
	EXPECT_EQ(nl_do(fd, r, NULL, &e), -EINVAL);
	show("another VM's id", e.err, &e);
	EXPECT_TRUE(strstr(e.msg, "vm-id: not the VM the transaction began on") != NULL);
	vm_free(vm2);

	/* None of it stuck: the five staged commit alone. */
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, NULL, &e), 0);
	EXPECT_EQ(access_of(vm, 1, gfn), ALTP2M_ACCESS_R);
	EXPECT_EQ(view_runs(vm, 1), 1);
	close(fd);
	vm_free(vm);
	free(r);
}

/*
 * A transaction of a VM that is destroyed: the commit finds no VM
 * (ENOENT), and the staged operations were freed with it.
 */
TEST_TIMEOUT(destroyed_vm_frees_its_transactions, 600)
{
	struct nlerr e;
	struct vm *vm;
	uint32_t txn;
	long before, after;
	int fd, i;

	fd = nl_open();
	resolve_family(fd);
	before = slab_8k();
	for (i = 0; i < CYCLES / 5; i++) {
		vm = vm_create_bare();
		txn = txn_begin(fd, vm->id, NULL);
		ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, 0x10, CHUNK_OPS,
					 ALTP2M_ACCESS_R, &e), 0);
		vm_free(vm);
		ASSERT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, NULL,
				  &e), -ENOENT);
	}
	show("commit on a destroyed VM", e.err, &e);
	EXPECT_TRUE(strstr(e.msg, "vm-id: no such VM") != NULL);
	after = slab_8k();
	TH_LOG("8 KiB objects: %ld before, %ld after %d destroyed VMs",
	       before, after, CYCLES / 5);
	EXPECT_LT(after - before, CYCLES / 50);
	/* The socket itself holds none: it may begin its full count. */
	vm = vm_create_bare();
	for (i = 0; i < ALTP2M_TXN_MAX_PER_SOCKET; i++)
		txn_begin(fd, vm->id, NULL);
	vm_free(vm);
	close(fd);
}

/*
 * Every TXN_* command checks the sender's right: a child that is root no
 * more gets EPERM for a new transaction, and for root's transaction even
 * on root's own socket, which it inherited.
 */
static int nobody_tries(int fd, uint32_t vm_id, uint32_t txn)
{
	struct nlreq *r = req_new();
	struct nlerr e;

	if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return 100;
	cmd(r, ALTP2M_CMD_TXN_BEGIN, vm_id);
	if (nl_do(fd, r, NULL, &e) != -EPERM || !strstr(e.msg, "CAP_NET_ADMIN"))
		return 1;
	printf("# unprivileged: %s\n", e.msg);
	if (stage_accesses(fd, vm_id, txn, 1, 0x10, 1, ALTP2M_ACCESS_R, &e) != -EPERM)
		return 2;
	if (txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm_id, txn, NULL, &e) != -EPERM)
		return 3;
	if (txn_end(fd, ALTP2M_CMD_TXN_ABORT, vm_id, txn, NULL, &e) != -EPERM)
		return 4;
	cmd(r, ALTP2M_CMD_BATCH, vm_id);
	op_access(r, 1, 0x10, ALTP2M_ACCESS_R);
	if (nl_do(fd, r, NULL, &e) != -EPERM)
		return 5;
	return 0;
}

TEST(unprivileged)
{
	struct nlerr e;
	struct vm *vm;
	uint64_t gfn;
	uint32_t txn;
	int fd, status;
	pid_t pid;

	fd = nl_open();
	resolve_family(fd);
	vm = make_vm(1, &gfn, 4);
	txn = txn_begin(fd, vm->id, NULL);
	ASSERT_EQ(stage_accesses(fd, vm->id, txn, 1, gfn, 2, ALTP2M_ACCESS_R, &e), 0);
	pid = fork();
	if (!pid)
		_exit(nobody_tries(fd, vm->id, txn));
	waitpid(pid, &status, 0);
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(WEXITSTATUS(status), 0);
	/* Nothing it tried stuck; root's transaction is intact. */
	EXPECT_EQ(access_of(vm, 1, gfn), -ESRCH);
	EXPECT_EQ(txn_end(fd, ALTP2M_CMD_TXN_COMMIT, vm->id, txn, NULL, &e), 0);
	EXPECT_EQ(access_of(vm, 1, gfn + 1), ALTP2M_ACCESS_R);
	close(fd);
	vm_free(vm);
}

TEST_HARNESS_MAIN
