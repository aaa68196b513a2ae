// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: the netlink door, the commands of the generic netlink family
 * "altp2m" for one VM (batches and transactions included), and the VM
 * list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "internal.h"

/* Bytes a list item takes: the nest, a u64 gfn and a u8 value. */
#define ALTP2M_NL_ENTRY_BYTES	(NLA_HDRLEN + NLA_ALIGN(NLA_HDRLEN + 8) + \
				 NLA_ALIGN(NLA_HDRLEN + 1))
/* At most, an operation: the nest, type, view, gfn, npages or target, value. */
#define ALTP2M_NL_OP_BYTES	(NLA_HDRLEN + NLA_ALIGN(NLA_HDRLEN + 2) + \
				 NLA_ALIGN(NLA_HDRLEN + 4) + \
				 2 * NLA_ALIGN(NLA_HDRLEN + 8) + \
				 NLA_ALIGN(NLA_HDRLEN + 1))

static const struct nla_policy altp2m__nl_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]		= { .type = NLA_U32 },
	[ALTP2M_A_OWNER_PID]		= { .type = NLA_U32 },
	[ALTP2M_A_NR_VCPUS]		= { .type = NLA_U32 },
	[ALTP2M_A_MEM_PAGES]		= { .type = NLA_U64 },
	[ALTP2M_A_VIEWS_ENABLED]	= { .type = NLA_U8 },
	[ALTP2M_A_MAX_VIEWS]		= { .type = NLA_U32 },
	[ALTP2M_A_MODE]			= { .type = NLA_U32 },
	[ALTP2M_A_NR_VIEWS]		= { .type = NLA_U32 },
	[ALTP2M_A_GENERATION]		= { .type = NLA_U64 },
	[ALTP2M_A_VIEW]			= { .type = NLA_U32 },
	[ALTP2M_A_VCPU]			= { .type = NLA_U32 },
	[ALTP2M_A_GFN]			= { .type = NLA_U64 },
	[ALTP2M_A_NPAGES]		= { .type = NLA_U64 },
	[ALTP2M_A_ACCESS]		= { .type = NLA_U8 },
	[ALTP2M_A_SVE]			= { .type = NLA_U8 },
	[ALTP2M_A_TARGET]		= { .type = NLA_U64 },
	[ALTP2M_A_VISIBLE]		= { .type = NLA_U8 },
	[ALTP2M_A_DEFAULT_ACCESS]	= { .type = NLA_U8 },
	[ALTP2M_A_VCPUS_ON]		= { .type = NLA_U32 },
	[ALTP2M_A_NR_LEAVES]		= { .type = NLA_U64 },
	[ALTP2M_A_NR_PAGES]		= { .type = NLA_U64 },
	[ALTP2M_A_NR_TABLES]		= { .type = NLA_U64 },
	[ALTP2M_A_NR_REMAPS]		= { .type = NLA_U64 },
	[ALTP2M_A_ENTRY]		= { .type = NLA_NESTED },
	[ALTP2M_A_STATS]		= { .type = NLA_NESTED },
	[ALTP2M_A_VCPU_VIEW]		= { .type = NLA_NESTED },
	[ALTP2M_A_OP]			= { .type = NLA_NESTED },
	[ALTP2M_A_TXN_ID]		= { .type = NLA_U32 },
};

static const struct nla_policy altp2m__nl_entry_policy[ALTP2M_ENTRY_A_MAX + 1] = {
	[ALTP2M_ENTRY_A_GFN]		= { .type = NLA_U64 },
	[ALTP2M_ENTRY_A_NPAGES]		= { .type = NLA_U64 },
	[ALTP2M_ENTRY_A_TARGET]		= { .type = NLA_U64 },
	[ALTP2M_ENTRY_A_ACCESS]		= { .type = NLA_U8 },
	[ALTP2M_ENTRY_A_SVE]		= { .type = NLA_U8 },
};

static const struct nla_policy altp2m__nl_stats_policy[ALTP2M_STATS_A_MAX + 1] = {
	[ALTP2M_STATS_A_NR_VCPUS ... ALTP2M_STATS_A_NR_HIDDEN] = {
		.type = NLA_U64
	},
};

static const struct nla_policy altp2m__nl_vcpu_view_policy[ALTP2M_VCPU_VIEW_A_MAX + 1] = {
	[ALTP2M_VCPU_VIEW_A_VCPU]	= { .type = NLA_U32 },
	[ALTP2M_VCPU_VIEW_A_VIEW]	= { .type = NLA_U32 },
};

/* The top-level attributes of an answer; -EPROTO if malformed. */
static int altp2m__nl_parse(struct nlmsghdr *nlh, struct nlattr **tb)
{
	return genlmsg_parse(nlh, 0, tb, ALTP2M_A_MAX, altp2m__nl_policy) ?
		-EPROTO : 0;
}

/* A request of @cmd naming our VM. */
static struct nl_msg *altp2m__nl_req(struct altp2m_vm *vm, uint8_t cmd,
				     int flags, size_t payload)
{
	struct nl_msg *msg = altp2m__nl_new(vm->conn->family, cmd, flags,
					    payload);

	if (msg && nla_put_u32(msg, ALTP2M_A_VM_ID, vm->vm_id)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* A request that failed to build: only a lack of memory does that. */
static int altp2m__nl_nomem(struct altp2m_vm *vm, struct nl_msg *msg)
{
	nlmsg_free(msg);
	return altp2m__vm_detail(vm, -ENOMEM, "cannot build the request");
}

/*
 * Run a do-request (freed here) and parse its answer. *@answered (may be
 * NULL): the module's answer came, whatever it said.
 */
static int altp2m__nl_run_base(struct altp2m_vm *vm, struct nl_msg *req,
			       int (*parse)(void *arg, struct nlmsghdr *nlh),
			       void *arg, size_t entry_base, size_t op_base,
			       bool *answered)
{
	struct altp2m__nl_reply rep = {
		.req = req, .parse = parse, .arg = arg,
	};
	int err;

	err = altp2m__nl_transact(vm->conn->tr, vm->conn->priv, &rep,
				  entry_base, op_base, &vm->e);
	nlmsg_free(req);
	if (answered)
		*answered = rep.done;
	return err;
}

static int altp2m__nl_run(struct altp2m_vm *vm, struct nl_msg *req,
			  int (*parse)(void *arg, struct nlmsghdr *nlh),
			  void *arg, size_t entry_base)
{
	return altp2m__nl_run_base(vm, req, parse, arg, entry_base, 0, NULL);
}

/* ---- growing arrays for dumps ---- */

struct altp2m__nl_vec {
	void *data;
	size_t n, cap, size;
};

/* A new zeroed element at the end, or NULL. */
static void *altp2m__nl_vec_push(struct altp2m__nl_vec *v)
{
	void *grown;

	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 16;

		grown = realloc(v->data, cap * v->size);
		if (!grown)
			return NULL;
		v->data = grown;
		v->cap = cap;
	}
	grown = (char *)v->data + v->n++ * v->size;
	memset(grown, 0, v->size);
	return grown;
}

static void altp2m__nl_vec_reset(void *arg)
{
	struct altp2m__nl_vec *v = arg;

	free(v->data);
	v->data = NULL;
	v->n = 0;
	v->cap = 0;
}

/* Hand the array over: NULL when empty. */
static void *altp2m__nl_vec_take(struct altp2m__nl_vec *v, size_t *nr)
{
	void *data = v->data;

	*nr = v->n;
	if (!v->n) {
		free(data);
		data = NULL;
	}
	v->data = NULL;
	v->n = 0;
	v->cap = 0;
	return data;
}

/* Run a dump (@req freed here), collecting into @v. */
static int altp2m__nl_run_dump(struct altp2m_conn *conn, struct nl_msg *req,
			       int (*parse)(void *arg, struct nlmsghdr *nlh),
			       struct altp2m__nl_vec *v, struct altp2m__err *e)
{
	struct altp2m__nl_reply rep = { .req = req, .parse = parse, .arg = v };
	int err;

	err = altp2m__nl_dump(conn->tr, conn->priv, &rep, altp2m__nl_vec_reset,
			      e);
	nlmsg_free(req);
	if (err)
		altp2m__nl_vec_reset(v);
	return err;
}

/* ---- GET_VM ---- */

int altp2m__nl_parse_vm_info(struct nlmsghdr *nlh, struct altp2m_vm_info *info)
{
	struct nlattr *tb[ALTP2M_A_MAX + 1];

	if (altp2m__nl_parse(nlh, tb) || !tb[ALTP2M_A_VM_ID])
		return -EPROTO;
	memset(info, 0, sizeof(*info));
	info->vm_id = nla_get_u32(tb[ALTP2M_A_VM_ID]);
	if (tb[ALTP2M_A_OWNER_PID])
		info->owner_pid = nla_get_u32(tb[ALTP2M_A_OWNER_PID]);
	if (tb[ALTP2M_A_NR_VCPUS])
		info->nr_vcpus = nla_get_u32(tb[ALTP2M_A_NR_VCPUS]);
	if (tb[ALTP2M_A_MEM_PAGES])
		info->mem_pages = nla_get_u64(tb[ALTP2M_A_MEM_PAGES]);
	if (tb[ALTP2M_A_VIEWS_ENABLED])
		info->views_enabled = !!nla_get_u8(tb[ALTP2M_A_VIEWS_ENABLED]);
	if (tb[ALTP2M_A_MAX_VIEWS])
		info->max_views = nla_get_u32(tb[ALTP2M_A_MAX_VIEWS]);
	if (tb[ALTP2M_A_MODE])
		info->mode = nla_get_u32(tb[ALTP2M_A_MODE]);
	if (tb[ALTP2M_A_NR_VIEWS])
		info->nr_views = nla_get_u32(tb[ALTP2M_A_NR_VIEWS]);
	if (tb[ALTP2M_A_GENERATION])
		info->generation = nla_get_u64(tb[ALTP2M_A_GENERATION]);
	return 0;
}

struct altp2m__nl_info_arg {
	struct altp2m_vm_info *info;
	uint32_t vm_id;
	bool seen;
};

static int altp2m__nl_info_parse(void *arg, struct nlmsghdr *nlh)
{
	struct altp2m__nl_info_arg *a = arg;
	int err;

	err = altp2m__nl_parse_vm_info(nlh, a->info);
	if (err)
		return err;
	if (a->info->vm_id != a->vm_id)
		return -EPROTO;
	a->seen = true;
	return 0;
}

static int altp2m__nl_get_info(struct altp2m_vm *vm, struct altp2m_vm_info *info)
{
	struct altp2m__nl_info_arg a = { .info = info, .vm_id = vm->vm_id };
	struct nl_msg *req;
	int err;

	req = altp2m__nl_req(vm, ALTP2M_CMD_GET_VM, 0, 0);
	if (!req)
		return altp2m__nl_nomem(vm, req);
	err = altp2m__nl_run(vm, req, altp2m__nl_info_parse, &a, 0);
	if (!err && !a.seen)
		err = altp2m__vm_detail(vm, -EPROTO,
					"the module's answer has no VM");
	return err;
}

static int altp2m__nl_vms_parse(void *arg, struct nlmsghdr *nlh)
{
	struct altp2m_vm_info *info = altp2m__nl_vec_push(arg);

	if (!info)
		return -ENOMEM;
	return altp2m__nl_parse_vm_info(nlh, info);
}

int altp2m__nl_list_vms(struct altp2m_conn *conn, struct altp2m_vm_info **vms,
			size_t *nr)
{
	struct altp2m__nl_vec v = { .size = sizeof(**vms) };
	struct nl_msg *req;
	int err;

	*vms = NULL;
	*nr = 0;
	req = altp2m__nl_new(conn->family, ALTP2M_CMD_GET_VM, NLM_F_DUMP, 0);
	if (!req) {
		conn->e.err = -ENOMEM;
		return -ENOMEM;
	}
	err = altp2m__nl_run_dump(conn, req, altp2m__nl_vms_parse, &v,
				  &conn->e);
	if (!err)
		*vms = altp2m__nl_vec_take(&v, nr);
	return err;
}

/* ---- views ---- */

static int altp2m__nl_views_enable(struct altp2m_vm *vm, uint32_t max_views,
				   uint32_t mode)
{
	struct nl_msg *req = altp2m__nl_req(vm, ALTP2M_CMD_VIEWS_ENABLE, 0, 0);

	if (!req || nla_put_u32(req, ALTP2M_A_MAX_VIEWS, max_views) ||
	    nla_put_u32(req, ALTP2M_A_MODE, mode))
		return altp2m__nl_nomem(vm, req);
	return altp2m__nl_run(vm, req, NULL, NULL, 0);
}

static int altp2m__nl_views_disable(struct altp2m_vm *vm)
{
	struct nl_msg *req = altp2m__nl_req(vm, ALTP2M_CMD_VIEWS_DISABLE, 0, 0);

	if (!req)
		return altp2m__nl_nomem(vm, req);
	return altp2m__nl_run(vm, req, NULL, NULL, 0);
}

struct altp2m__nl_view_arg {
	uint32_t view;
	bool seen;
};

static int altp2m__nl_view_parse(void *arg, struct nlmsghdr *nlh)
{
	struct altp2m__nl_view_arg *a = arg;
	struct nlattr *tb[ALTP2M_A_MAX + 1];

	if (altp2m__nl_parse(nlh, tb) || !tb[ALTP2M_A_VIEW])
		return -EPROTO;
	a->view = nla_get_u32(tb[ALTP2M_A_VIEW]);
	a->seen = true;
	return 0;
}

static int altp2m__nl_view_create(struct altp2m_vm *vm,
				  unsigned int default_access, uint32_t *view)
{
	struct nl_msg *req = altp2m__nl_req(vm, ALTP2M_CMD_CREATE_VIEW, 0, 0);
	struct altp2m__nl_view_arg a = { 0 };
	int err;

	if (!req || nla_put_u8(req, ALTP2M_A_DEFAULT_ACCESS, default_access))
		return altp2m__nl_nomem(vm, req);
	err = altp2m__nl_run(vm, req, altp2m__nl_view_parse, &a, 0);
	if (!err && !a.seen)
		err = altp2m__vm_detail(vm, -EPROTO,
					"the module's answer has no view");
	if (!err)
		*view = a.view;
	return err;
}

static int altp2m__nl_view_destroy(struct altp2m_vm *vm, uint32_t view)
{
	struct nl_msg *req = altp2m__nl_req(vm, ALTP2M_CMD_DESTROY_VIEW, 0, 0);

	if (!req || nla_put_u32(req, ALTP2M_A_VIEW, view))
		return altp2m__nl_nomem(vm, req);
	return altp2m__nl_run(vm, req, NULL, NULL, 0);
}

static int altp2m__nl_view_switch(struct altp2m_vm *vm, uint32_t view,
				  uint32_t vcpu)
{
	struct nl_msg *req = altp2m__nl_req(vm, ALTP2M_CMD_SWITCH_VIEW, 0, 0);

	if (!req || nla_put_u32(req, ALTP2M_A_VIEW, view) ||
	    (vcpu != ALTP2M_VCPU_ALL && nla_put_u32(req, ALTP2M_A_VCPU, vcpu)))
		return altp2m__nl_nomem(vm, req);
	return altp2m__nl_run(vm, req, NULL, NULL, 0);
}

static int altp2m__nl_view_set_visible(struct altp2m_vm *vm, uint32_t view,
				       uint32_t vcpu, bool visible)
{
	struct nl_msg *req = altp2m__nl_req(vm, ALTP2M_CMD_SET_VISIBILITY, 0, 0);

	if (!req || nla_put_u32(req, ALTP2M_A_VIEW, view) ||
	    nla_put_u8(req, ALTP2M_A_VISIBLE, visible) ||
	    (vcpu != ALTP2M_VCPU_ALL && nla_put_u32(req, ALTP2M_A_VCPU, vcpu)))
		return altp2m__nl_nomem(vm, req);
	return altp2m__nl_run(vm, req, NULL, NULL, 0);
}

struct altp2m__nl_vcpu_views_arg {
	struct altp2m_vcpu_views *out;
	bool seen;
};

static int altp2m__nl_vcpu_views_parse(void *arg, struct nlmsghdr *nlh)
{
	struct altp2m__nl_vcpu_views_arg *a = arg;
	struct altp2m_vcpu_views *out = a->out;
	struct nlattr *tb[ALTP2M_VCPU_VIEW_A_MAX + 1];
	struct genlmsghdr *g = nlmsg_data(nlh);
	struct nlattr *nla;
	uint32_t vcpu, view;
	int rem;

	nla_for_each_attr(nla, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		if (nla_type(nla) != ALTP2M_A_VCPU_VIEW)
			continue;
		if (nla_parse_nested(tb, ALTP2M_VCPU_VIEW_A_MAX, nla,
				     altp2m__nl_vcpu_view_policy) ||
		    !tb[ALTP2M_VCPU_VIEW_A_VCPU] || !tb[ALTP2M_VCPU_VIEW_A_VIEW])
			return -EPROTO;
		vcpu = nla_get_u32(tb[ALTP2M_VCPU_VIEW_A_VCPU]);
		view = nla_get_u32(tb[ALTP2M_VCPU_VIEW_A_VIEW]);
		if (vcpu >= ALTP2M_MAX_VCPUS || view >= ALTP2M_MAX_VIEWS)
			return -EPROTO;
		out->present |= 1ULL << vcpu;
		out->view[vcpu] = view;
	}
	a->seen = true;
	return 0;
}

static int altp2m__nl_vcpu_views(struct altp2m_vm *vm,
				 struct altp2m_vcpu_views *out)
{
	struct nl_msg *req = altp2m__nl_req(vm, ALTP2M_CMD_GET_VCPU_VIEWS, 0, 0);
	struct altp2m__nl_vcpu_views_arg a = { .out = out };
	int err;

	if (!req)
		return altp2m__nl_nomem(vm, req);
	err = altp2m__nl_run(vm, req, altp2m__nl_vcpu_views_parse, &a, 0);
	if (!err && !a.seen)
		err = altp2m__vm_detail(vm, -EPROTO,
					"the module did not answer with the vCPUs' views");
	return err;
}

/* ---- gfns ---- */

static uint8_t altp2m__nl_set_cmd(enum altp2m__gfn_setting what)
{
	return what == ALTP2M_SETTING_ACCESS ? ALTP2M_CMD_SET_ACCESS :
					       ALTP2M_CMD_SET_SVE;
}

static int altp2m__nl_set_range(struct altp2m_vm *vm,
				enum altp2m__gfn_setting what, uint32_t view,
			       uint64_t gfn, uint64_t npages, uint8_t value)
{
	struct nl_msg *req = altp2m__nl_req(vm, altp2m__nl_set_cmd(what), 0, 0);
	int type = what == ALTP2M_SETTING_ACCESS ? ALTP2M_A_ACCESS :
						   ALTP2M_A_SVE;

	if (!req || nla_put_u32(req, ALTP2M_A_VIEW, view) ||
	    nla_put_u64(req, ALTP2M_A_GFN, gfn) ||
	    nla_put_u64(req, ALTP2M_A_NPAGES, npages) ||
	    nla_put_u8(req, type, value))
		return altp2m__nl_nomem(vm, req);
	return altp2m__nl_run(vm, req, NULL, NULL, 0);
}

/* One message of a list: entries [base, base + cnt). */
static int altp2m__nl_set_chunk(struct altp2m_vm *vm,
				enum altp2m__gfn_setting what, uint32_t view,
			       const uint64_t *gfns, const uint8_t *values,
			       size_t base, size_t cnt)
{
	int type = what == ALTP2M_SETTING_ACCESS ? ALTP2M_ENTRY_A_ACCESS :
						   ALTP2M_ENTRY_A_SVE;
	struct nl_msg *req;
	struct nlattr *nest;
	size_t i;

	req = altp2m__nl_req(vm, altp2m__nl_set_cmd(what), 0,
			     cnt * ALTP2M_NL_ENTRY_BYTES);
	if (!req || nla_put_u32(req, ALTP2M_A_VIEW, view))
		return altp2m__nl_nomem(vm, req);
	for (i = base; i < base + cnt; i++) {
		nest = nla_nest_start(req, ALTP2M_A_ENTRY);
		if (!nest || nla_put_u64(req, ALTP2M_ENTRY_A_GFN, gfns[i]) ||
		    nla_put_u8(req, type, values[i]))
			return altp2m__nl_nomem(vm, req);
		nla_nest_end(req, nest);
	}
	return altp2m__nl_run(vm, req, NULL, NULL, base);
}

/* ---- batches and transactions ---- */

/* @cnt operations as ALTP2M_A_OP nests. */
static int altp2m__nl_put_ops(struct nl_msg *req,
			      const struct altp2m_batch_op *ops, size_t cnt)
{
	const struct altp2m_batch_op *op;
	struct nlattr *nest;

	for (op = ops; op < ops + cnt; op++) {
		nest = nla_nest_start(req, ALTP2M_A_OP);
		if (!nest || nla_put_u16(req, ALTP2M_OP_A_TYPE, op->op) ||
		    nla_put_u32(req, ALTP2M_OP_A_VIEW, op->view) ||
		    nla_put_u64(req, ALTP2M_OP_A_GFN, op->gfn))
			return -ENOMEM;
		if (op->op == ALTP2M_BATCH_REMAP) {
			if (nla_put_u64(req, ALTP2M_OP_A_TARGET, op->target))
				return -ENOMEM;
		} else if (nla_put_u64(req, ALTP2M_OP_A_NPAGES, op->npages) ||
			   nla_put_u8(req, ALTP2M_OP_A_VALUE, op->value)) {
			return -ENOMEM;
		}
		nla_nest_end(req, nest);
	}
	return 0;
}

struct altp2m__nl_txn_arg {
	uint32_t txn_id;
	uint64_t generation;
	bool has_id, seen;
};

/* The answer of BATCH, TXN_BEGIN and TXN_COMMIT. */
static int altp2m__nl_txn_parse(void *arg, struct nlmsghdr *nlh)
{
	struct altp2m__nl_txn_arg *a = arg;
	struct nlattr *tb[ALTP2M_A_MAX + 1];

	if (altp2m__nl_parse(nlh, tb))
		return -EPROTO;
	if (tb[ALTP2M_A_TXN_ID]) {
		a->txn_id = nla_get_u32(tb[ALTP2M_A_TXN_ID]);
		a->has_id = true;
	}
	if (tb[ALTP2M_A_GENERATION])
		a->generation = nla_get_u64(tb[ALTP2M_A_GENERATION]);
	a->seen = true;
	return 0;
}

/* A TXN_* request for @id of the transaction. */
static struct nl_msg *altp2m__nl_txn_req(struct altp2m_vm *vm, uint8_t cmd,
					 uint32_t id, size_t payload)
{
	struct nl_msg *req = altp2m__nl_req(vm, cmd, 0, payload);

	if (req && nla_put_u32(req, ALTP2M_A_TXN_ID, id)) {
		nlmsg_free(req);
		req = NULL;
	}
	return req;
}

/*
 * End a transaction that will not be committed. Its own failure changes
 * nothing (the module drops the transaction with the socket anyway), so
 * the error of the call stays the one that made us abort.
 */
static void altp2m__nl_txn_abort(struct altp2m_vm *vm, uint32_t id)
{
	struct altp2m__err keep = vm->e;
	struct nl_msg *req;

	req = altp2m__nl_txn_req(vm, ALTP2M_CMD_TXN_ABORT, id, 0);
	if (req)
		altp2m__nl_run(vm, req, NULL, NULL, 0);
	vm->e = keep;
}

/*
 * TXN_BEGIN, TXN_STAGE of ALTP2M_NL_LIST_CHUNK operations at a time,
 * TXN_COMMIT: the module applies all of it at the commit, or nothing.
 */
static int altp2m__nl_txn(struct altp2m_vm *vm,
			  const struct altp2m_batch_op *ops, size_t n,
			  const struct altp2m_batch_opts *o, uint64_t *gen)
{
	struct altp2m__nl_txn_arg a = { 0 };
	struct nl_msg *req;
	size_t base, cnt;
	bool answered;
	uint32_t id;
	int err;

	req = altp2m__nl_req(vm, ALTP2M_CMD_TXN_BEGIN, 0, 0);
	if (!req)
		return altp2m__nl_nomem(vm, req);
	err = altp2m__nl_run(vm, req, altp2m__nl_txn_parse, &a, 0);
	if (!err && !a.has_id)
		err = altp2m__vm_detail(vm, -EPROTO,
					"the module's answer to txn-begin has no txn-id");
	if (err)
		return err;
	id = a.txn_id;
	for (base = 0; base < n; base += cnt) {
		cnt = n - base < ALTP2M_NL_LIST_CHUNK ? n - base :
							ALTP2M_NL_LIST_CHUNK;
		req = altp2m__nl_txn_req(vm, ALTP2M_CMD_TXN_STAGE, id,
					 cnt * ALTP2M_NL_OP_BYTES);
		if (!req || altp2m__nl_put_ops(req, ops + base, cnt)) {
			err = altp2m__nl_nomem(vm, req);
			goto abort;
		}
		err = altp2m__nl_run_base(vm, req, NULL, NULL, 0, base, NULL);
		if (err)
			goto abort;
	}
	req = altp2m__nl_txn_req(vm, ALTP2M_CMD_TXN_COMMIT, id, 0);
	if (!req || (o->if_generation &&
		     nla_put_u64(req, ALTP2M_A_GENERATION, o->generation))) {
		err = altp2m__nl_nomem(vm, req);
		goto abort;
	}
	a.seen = false;
	err = altp2m__nl_run_base(vm, req, altp2m__nl_txn_parse, &a, 0, 0,
				  &answered);
	/* An answered commit ended the transaction, failed or not. */
	if (err && !answered)
		goto abort;
	if (!err)
		*gen = a.generation;
	return err;
abort:
	altp2m__nl_txn_abort(vm, id);
	return err;
}

static int altp2m__nl_batch(struct altp2m_vm *vm,
			    const struct altp2m_batch_op *ops, size_t n,
			    const struct altp2m_batch_opts *o, uint64_t *gen)
{
	struct altp2m__nl_txn_arg a = { 0 };
	struct nl_msg *req;
	int err;

	if (n > ALTP2M_NL_LIST_CHUNK)
		return altp2m__nl_txn(vm, ops, n, o, gen);
	req = altp2m__nl_req(vm, ALTP2M_CMD_BATCH, 0, n * ALTP2M_NL_OP_BYTES);
	if (!req || altp2m__nl_put_ops(req, ops, n) ||
	    (o->if_generation &&
	     nla_put_u64(req, ALTP2M_A_GENERATION, o->generation)))
		return altp2m__nl_nomem(vm, req);
	err = altp2m__nl_run(vm, req, altp2m__nl_txn_parse, &a, 0);
	if (!err)
		*gen = a.generation;
	return err;
}

/*
 * A list too long for one message goes as a transaction of one-page
 * operations, so it is as all-or-nothing as one message; the operation
 * the module blames is the list entry of the same index.
 */
static int altp2m__nl_set_list_txn(struct altp2m_vm *vm,
				   enum altp2m__gfn_setting what,
				   uint32_t view, const uint64_t *gfns,
				   const uint8_t *values, size_t n)
{
	const struct altp2m_batch_opts o = { .sz = sizeof(o) };
	struct altp2m_batch_op *ops;
	uint64_t gen;
	size_t i;
	int err;

	ops = calloc(n, sizeof(*ops));
	if (!ops)
		return altp2m__vm_detail(vm, -ENOMEM, "cannot build the request");
	for (i = 0; i < n; i++) {
		ops[i].op = what == ALTP2M_SETTING_ACCESS ?
			ALTP2M_BATCH_SET_ACCESS : ALTP2M_BATCH_SET_SVE;
		ops[i].value = values[i];
		ops[i].view = view;
		ops[i].gfn = gfns[i];
		ops[i].npages = 1;
	}
	err = altp2m__nl_txn(vm, ops, n, &o, &gen);
	free(ops);
	if (err && vm->e.op >= 0) {
		vm->e.entry = vm->e.op;
		vm->e.op = -1;
	}
	return err;
}

static int altp2m__nl_set_list(struct altp2m_vm *vm,
			       enum altp2m__gfn_setting what, uint32_t view,
			       const uint64_t *gfns, const uint8_t *values,
			       size_t n)
{
	if (n > ALTP2M_NL_LIST_CHUNK)
		return altp2m__nl_set_list_txn(vm, what, view, gfns, values, n);
	return altp2m__nl_set_chunk(vm, what, view, gfns, values, 0, n);
}

struct altp2m__nl_access_arg {
	unsigned int access;
	bool sve, seen;
};

static int altp2m__nl_access_parse(void *arg, struct nlmsghdr *nlh)
{
	struct altp2m__nl_access_arg *a = arg;
	struct nlattr *tb[ALTP2M_A_MAX + 1];

	if (altp2m__nl_parse(nlh, tb) || !tb[ALTP2M_A_ACCESS] ||
	    !tb[ALTP2M_A_SVE])
		return -EPROTO;
	a->access = nla_get_u8(tb[ALTP2M_A_ACCESS]);
	a->sve = nla_get_u8(tb[ALTP2M_A_SVE]);
	a->seen = true;
	return 0;
}

static int altp2m__nl_get_access(struct altp2m_vm *vm, uint32_t view,
				 uint64_t gfn, unsigned int *access, bool *sve)
{
	struct nl_msg *req = altp2m__nl_req(vm, ALTP2M_CMD_GET_ACCESS, 0, 0);
	struct altp2m__nl_access_arg a = { 0 };
	int err;

	if (!req || nla_put_u32(req, ALTP2M_A_VIEW, view) ||
	    nla_put_u64(req, ALTP2M_A_GFN, gfn))
		return altp2m__nl_nomem(vm, req);
	err = altp2m__nl_run(vm, req, altp2m__nl_access_parse, &a, 0);
	if (!err && !a.seen)
		err = altp2m__vm_detail(vm, -EPROTO,
					"the module's answer has no access");
	if (!err) {
		*access = a.access;
		*sve = a.sve;
	}
	return err;
}

static int altp2m__nl_remap(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
			    uint64_t target)
{
	struct nl_msg *req = altp2m__nl_req(vm, ALTP2M_CMD_REMAP, 0, 0);

	if (!req || nla_put_u32(req, ALTP2M_A_VIEW, view) ||
	    nla_put_u64(req, ALTP2M_A_GFN, gfn) ||
	    nla_put_u64(req, ALTP2M_A_TARGET, target))
		return altp2m__nl_nomem(vm, req);
	return altp2m__nl_run(vm, req, NULL, NULL, 0);
}

static int altp2m__nl_hidden(struct altp2m_vm *vm, bool add, uint64_t gfn,
			     uint64_t nr)
{
	struct nl_msg *req = altp2m__nl_req(vm, add ? ALTP2M_CMD_ADD_HIDDEN :
					    ALTP2M_CMD_REMOVE_HIDDEN, 0, 0);

	if (!req || nla_put_u64(req, ALTP2M_A_GFN, gfn) ||
	    nla_put_u64(req, ALTP2M_A_NPAGES, nr))
		return altp2m__nl_nomem(vm, req);
	return altp2m__nl_run(vm, req, NULL, NULL, 0);
}

/* ---- dumps ---- */

static int altp2m__nl_views_parse(void *arg, struct nlmsghdr *nlh)
{
	struct nlattr *tb[ALTP2M_A_MAX + 1];
	struct altp2m_view_info *v;

	if (altp2m__nl_parse(nlh, tb) || !tb[ALTP2M_A_VIEW])
		return -EPROTO;
	v = altp2m__nl_vec_push(arg);
	if (!v)
		return -ENOMEM;
	v->view = nla_get_u32(tb[ALTP2M_A_VIEW]);
	if (tb[ALTP2M_A_VCPUS_ON])
		v->vcpus_on = nla_get_u32(tb[ALTP2M_A_VCPUS_ON]);
	if (tb[ALTP2M_A_DEFAULT_ACCESS])
		v->default_access = nla_get_u8(tb[ALTP2M_A_DEFAULT_ACCESS]);
	if (tb[ALTP2M_A_NR_LEAVES])
		v->nr_leaves = nla_get_u64(tb[ALTP2M_A_NR_LEAVES]);
	if (tb[ALTP2M_A_NR_PAGES])
		v->nr_pages = nla_get_u64(tb[ALTP2M_A_NR_PAGES]);
	if (tb[ALTP2M_A_NR_TABLES])
		v->nr_tables = nla_get_u64(tb[ALTP2M_A_NR_TABLES]);
	if (tb[ALTP2M_A_NR_REMAPS])
		v->nr_remaps = nla_get_u64(tb[ALTP2M_A_NR_REMAPS]);
	return 0;
}

static int altp2m__nl_list_views(struct altp2m_vm *vm,
				 struct altp2m_view_info **out, size_t *nr)
{
	struct altp2m__nl_vec v = { .size = sizeof(**out) };
	struct nl_msg *req;
	int err;

	req = altp2m__nl_req(vm, ALTP2M_CMD_GET_VIEW, NLM_F_DUMP, 0);
	if (!req)
		return altp2m__nl_nomem(vm, req);
	err = altp2m__nl_run_dump(vm->conn, req, altp2m__nl_views_parse, &v,
				  &vm->e);
	if (!err)
		*out = altp2m__nl_vec_take(&v, nr);
	return err;
}

static int altp2m__nl_entries_parse(void *arg, struct nlmsghdr *nlh)
{
	struct nlattr *tb[ALTP2M_A_MAX + 1];
	struct nlattr *te[ALTP2M_ENTRY_A_MAX + 1];
	struct altp2m_view_entry *e;

	if (altp2m__nl_parse(nlh, tb) || !tb[ALTP2M_A_ENTRY] ||
	    nla_parse_nested(te, ALTP2M_ENTRY_A_MAX, tb[ALTP2M_A_ENTRY],
			     altp2m__nl_entry_policy) ||
	    !te[ALTP2M_ENTRY_A_GFN] || !te[ALTP2M_ENTRY_A_NPAGES])
		return -EPROTO;
	e = altp2m__nl_vec_push(arg);
	if (!e)
		return -ENOMEM;
	e->gfn = nla_get_u64(te[ALTP2M_ENTRY_A_GFN]);
	e->npages = nla_get_u64(te[ALTP2M_ENTRY_A_NPAGES]);
	e->target = te[ALTP2M_ENTRY_A_TARGET] ?
		nla_get_u64(te[ALTP2M_ENTRY_A_TARGET]) : ALTP2M_GFN_INVALID;
	if (te[ALTP2M_ENTRY_A_ACCESS])
		e->access = nla_get_u8(te[ALTP2M_ENTRY_A_ACCESS]);
	if (te[ALTP2M_ENTRY_A_SVE])
		e->suppress_ve = nla_get_u8(te[ALTP2M_ENTRY_A_SVE]);
	return 0;
}

static int altp2m__nl_dump_view(struct altp2m_vm *vm, uint32_t view,
				struct altp2m_view_entry **out, size_t *nr)
{
	struct altp2m__nl_vec v = { .size = sizeof(**out) };
	struct nl_msg *req;
	int err;

	req = altp2m__nl_req(vm, ALTP2M_CMD_DUMP_VIEW, NLM_F_DUMP, 0);
	if (!req || nla_put_u32(req, ALTP2M_A_VIEW, view))
		return altp2m__nl_nomem(vm, req);
	err = altp2m__nl_run_dump(vm->conn, req, altp2m__nl_entries_parse, &v,
				  &vm->e);
	if (!err)
		*out = altp2m__nl_vec_take(&v, nr);
	return err;
}

/* ---- stats ---- */

struct altp2m__nl_stats_arg {
	struct altp2m_vm_stats *st;
	bool seen;
};

/* One u64 counter, when the module sent it. */
static void altp2m__nl_stat(const struct nlattr *a, __u64 *dst)
{
	if (a)
		*dst = nla_get_u64(a);
}

static int altp2m__nl_stats_parse(void *arg, struct nlmsghdr *nlh)
{
	struct altp2m__nl_stats_arg *a = arg;
	struct nlattr *tb[ALTP2M_A_MAX + 1];
	struct nlattr *ts[ALTP2M_STATS_A_MAX + 1];
	struct altp2m_vm_stats *st = a->st;

	if (altp2m__nl_parse(nlh, tb) || !tb[ALTP2M_A_STATS] ||
	    nla_parse_nested(ts, ALTP2M_STATS_A_MAX, tb[ALTP2M_A_STATS],
			     altp2m__nl_stats_policy))
		return -EPROTO;
	if (ts[ALTP2M_STATS_A_NR_VCPUS])
		st->nr_vcpus = nla_get_u64(ts[ALTP2M_STATS_A_NR_VCPUS]);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_MEM_PAGES], &st->mem_pages);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_EPT_TABLES], &st->ept_tables);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_EPT_MAPS_4K], &st->ept_maps_4k);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_EPT_MAPS_2M], &st->ept_maps_2m);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_EPT_FLUSHES], &st->ept_flushes);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_INVEPT], &st->invept);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_VIEW_EVENTS], &st->view_events);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_VIEW_PROMOTIONS],
			&st->view_promotions);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_REMAPS_INVALIDATED],
			&st->remaps_invalidated);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_VIEW_SPLITS], &st->view_splits);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_NR_VIEWS], &st->nr_views);
	altp2m__nl_stat(ts[ALTP2M_STATS_A_NR_HIDDEN], &st->nr_hidden);
	a->seen = true;
	return 0;
}

static int altp2m__nl_stats(struct altp2m_vm *vm, struct altp2m_vm_stats *st)
{
	struct nl_msg *req = altp2m__nl_req(vm, ALTP2M_CMD_GET_STATS, 0, 0);
	struct altp2m__nl_stats_arg a = { .st = st };
	int err;

	if (!req)
		return altp2m__nl_nomem(vm, req);
	err = altp2m__nl_run(vm, req, altp2m__nl_stats_parse, &a, 0);
	if (!err && !a.seen)
		err = altp2m__vm_detail(vm, -EPROTO,
					"the module's answer has no stats");
	return err;
}

const struct altp2m__vm_ops altp2m__vm_nl_ops = {
	.get_info = altp2m__nl_get_info,
	.views_enable = altp2m__nl_views_enable,
	.views_disable = altp2m__nl_views_disable,
	.view_create = altp2m__nl_view_create,
	.view_destroy = altp2m__nl_view_destroy,
	.view_switch = altp2m__nl_view_switch,
	.view_set_visible = altp2m__nl_view_set_visible,
	.vcpu_views = altp2m__nl_vcpu_views,
	.set_range = altp2m__nl_set_range,
	.set_list = altp2m__nl_set_list,
	.get_access = altp2m__nl_get_access,
	.remap = altp2m__nl_remap,
	.list_views = altp2m__nl_list_views,
	.dump_view = altp2m__nl_dump_view,
	.stats = altp2m__nl_stats,
	.batch = altp2m__nl_batch,
	.hidden = altp2m__nl_hidden,
};
