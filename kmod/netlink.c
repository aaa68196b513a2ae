// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "altp2m": the view operations for processes
 * that do not own the VM, addressed by VM id. Every command passes the
 * same check of the caller's right over the VM before its handler runs,
 * and the handlers call the same operations as the VM fd's ioctls
 * (view_ops.c), so both doors behave alike. The uAPI header describes the
 * family; Documentation/netlink/specs/altp2m.yaml is its YNL spec and
 * tools/ynl-check holds the two together, so the policies follow one
 * convention: one ALTP2M_NLA_* macro per request attribute, one
 * altp2m_nl_<command>_policy table per command.
 *
 * This file is the family itself, as ynl-gen would generate it and a
 * little more: the policies, the ops, the permission check, the extended
 * ack helpers the handlers share and the "events" group. The handlers are
 * in netlink_vm.c (the VM's own commands), netlink_views.c (the view
 * commands) and netlink_txn.c (batches and transactions); netlink.h
 * declares what the four share.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "altp2m.h"
#include "netlink.h"

#define ALTP2M_NLA_VM_ID	NLA_POLICY_MIN(NLA_U32, 1)
#define ALTP2M_NLA_MAX_VIEWS	NLA_POLICY_MAX(NLA_U32, ALTP2M_MAX_VIEWS)
#define ALTP2M_NLA_MODE		NLA_POLICY_MAX(NLA_U32, ALTP2M_MODE_LIMITED)
#define ALTP2M_NLA_VIEW		NLA_POLICY_MAX(NLA_U32, ALTP2M_MAX_VIEWS - 1)
#define ALTP2M_NLA_VCPU		NLA_POLICY_MAX(NLA_U32, ALTP2M_MAX_VCPUS - 1)
#define ALTP2M_NLA_GFN		{ .type = NLA_U64 }
#define ALTP2M_NLA_NPAGES	NLA_POLICY_MIN(NLA_U64, 1)
#define ALTP2M_NLA_ACCESS	NLA_POLICY_MAX(NLA_U8, ALTP2M_ACCESS_DEFAULT)
#define ALTP2M_NLA_SVE		NLA_POLICY_MAX(NLA_U8, 1)
#define ALTP2M_NLA_TARGET	{ .type = NLA_U64 }
#define ALTP2M_NLA_VISIBLE	NLA_POLICY_MAX(NLA_U8, 1)
#define ALTP2M_NLA_DEFAULT_ACCESS NLA_POLICY_MAX(NLA_U8, ALTP2M_ACCESS_DEFAULT)
#define ALTP2M_NLA_ENTRY	NLA_POLICY_NESTED(altp2m_nl_entry_policy)
#define ALTP2M_NLA_GENERATION	{ .type = NLA_U64 }
#define ALTP2M_NLA_OP		NLA_POLICY_NESTED(altp2m_nl_op_policy)
#define ALTP2M_NLA_TXN_ID	NLA_POLICY_MIN(NLA_U32, 1)

#define ALTP2M_NLA_ENTRY_GFN	{ .type = NLA_U64 }
#define ALTP2M_NLA_ENTRY_ACCESS	NLA_POLICY_MAX(NLA_U8, ALTP2M_ACCESS_DEFAULT)
#define ALTP2M_NLA_ENTRY_SVE	NLA_POLICY_MAX(NLA_U8, 1)

#define ALTP2M_NLA_OP_TYPE	NLA_POLICY_RANGE(NLA_U16, ALTP2M_BATCH_SET_ACCESS, \
					 ALTP2M_BATCH_REMAP)
#define ALTP2M_NLA_OP_VIEW	NLA_POLICY_MAX(NLA_U32, ALTP2M_MAX_VIEWS - 1)
#define ALTP2M_NLA_OP_GFN	{ .type = NLA_U64 }
#define ALTP2M_NLA_OP_NPAGES	NLA_POLICY_MIN(NLA_U64, 1)
#define ALTP2M_NLA_OP_TARGET	{ .type = NLA_U64 }
#define ALTP2M_NLA_OP_VALUE	NLA_POLICY_MAX(NLA_U8, ALTP2M_ACCESS_DEFAULT)

const struct nla_policy altp2m_nl_entry_policy[ALTP2M_ENTRY_A_MAX + 1] = {
	[ALTP2M_ENTRY_A_GFN]	= ALTP2M_NLA_ENTRY_GFN,
	[ALTP2M_ENTRY_A_ACCESS]	= ALTP2M_NLA_ENTRY_ACCESS,
	[ALTP2M_ENTRY_A_SVE]	= ALTP2M_NLA_ENTRY_SVE,
};

/*
 * Which attributes an operation needs or refuses for its type depends on
 * the type, so that is checked when the nest is read (netlink_txn.c).
 */
const struct nla_policy altp2m_nl_op_policy[ALTP2M_OP_A_MAX + 1] = {
	[ALTP2M_OP_A_TYPE]	= ALTP2M_NLA_OP_TYPE,
	[ALTP2M_OP_A_VIEW]	= ALTP2M_NLA_OP_VIEW,
	[ALTP2M_OP_A_GFN]	= ALTP2M_NLA_OP_GFN,
	[ALTP2M_OP_A_NPAGES]	= ALTP2M_NLA_OP_NPAGES,
	[ALTP2M_OP_A_TARGET]	= ALTP2M_NLA_OP_TARGET,
	[ALTP2M_OP_A_VALUE]	= ALTP2M_NLA_OP_VALUE,
};

static const struct nla_policy altp2m_nl_get_vm_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
};

static const struct nla_policy altp2m_nl_views_enable_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_MAX_VIEWS]	= ALTP2M_NLA_MAX_VIEWS,
	[ALTP2M_A_MODE]		= ALTP2M_NLA_MODE,
};

static const struct nla_policy altp2m_nl_views_disable_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
};

static const struct nla_policy altp2m_nl_create_view_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_DEFAULT_ACCESS] = ALTP2M_NLA_DEFAULT_ACCESS,
};

static const struct nla_policy altp2m_nl_destroy_view_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_VIEW]		= ALTP2M_NLA_VIEW,
};

static const struct nla_policy altp2m_nl_get_view_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_VIEW]		= ALTP2M_NLA_VIEW,
};

static const struct nla_policy altp2m_nl_switch_view_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_VIEW]		= ALTP2M_NLA_VIEW,
	[ALTP2M_A_VCPU]		= ALTP2M_NLA_VCPU,
};

static const struct nla_policy altp2m_nl_set_access_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_VIEW]		= ALTP2M_NLA_VIEW,
	[ALTP2M_A_GFN]		= ALTP2M_NLA_GFN,
	[ALTP2M_A_NPAGES]	= ALTP2M_NLA_NPAGES,
	[ALTP2M_A_ACCESS]	= ALTP2M_NLA_ACCESS,
	[ALTP2M_A_ENTRY]	= ALTP2M_NLA_ENTRY,
};

static const struct nla_policy altp2m_nl_set_sve_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_VIEW]		= ALTP2M_NLA_VIEW,
	[ALTP2M_A_GFN]		= ALTP2M_NLA_GFN,
	[ALTP2M_A_NPAGES]	= ALTP2M_NLA_NPAGES,
	[ALTP2M_A_SVE]		= ALTP2M_NLA_SVE,
	[ALTP2M_A_ENTRY]	= ALTP2M_NLA_ENTRY,
};

static const struct nla_policy altp2m_nl_get_access_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_VIEW]		= ALTP2M_NLA_VIEW,
	[ALTP2M_A_GFN]		= ALTP2M_NLA_GFN,
};

static const struct nla_policy altp2m_nl_remap_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_VIEW]		= ALTP2M_NLA_VIEW,
	[ALTP2M_A_GFN]		= ALTP2M_NLA_GFN,
	[ALTP2M_A_TARGET]	= ALTP2M_NLA_TARGET,
};

static const struct nla_policy altp2m_nl_set_visibility_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_VIEW]		= ALTP2M_NLA_VIEW,
	[ALTP2M_A_VISIBLE]	= ALTP2M_NLA_VISIBLE,
	[ALTP2M_A_VCPU]		= ALTP2M_NLA_VCPU,
};

static const struct nla_policy altp2m_nl_dump_view_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_VIEW]		= ALTP2M_NLA_VIEW,
};

static const struct nla_policy altp2m_nl_get_stats_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
};

static const struct nla_policy altp2m_nl_get_vcpu_views_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
};

static const struct nla_policy altp2m_nl_batch_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_OP]		= ALTP2M_NLA_OP,
	[ALTP2M_A_GENERATION]	= ALTP2M_NLA_GENERATION,
};

static const struct nla_policy altp2m_nl_txn_begin_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
};

static const struct nla_policy altp2m_nl_txn_stage_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_TXN_ID]	= ALTP2M_NLA_TXN_ID,
	[ALTP2M_A_OP]		= ALTP2M_NLA_OP,
};

static const struct nla_policy altp2m_nl_txn_commit_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_TXN_ID]	= ALTP2M_NLA_TXN_ID,
	[ALTP2M_A_GENERATION]	= ALTP2M_NLA_GENERATION,
};

static const struct nla_policy altp2m_nl_txn_abort_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_TXN_ID]	= ALTP2M_NLA_TXN_ID,
};

static const struct nla_policy altp2m_nl_add_hidden_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_GFN]		= ALTP2M_NLA_GFN,
	[ALTP2M_A_NPAGES]	= ALTP2M_NLA_NPAGES,
};

static const struct nla_policy altp2m_nl_remove_hidden_policy[ALTP2M_A_MAX + 1] = {
	[ALTP2M_A_VM_ID]	= ALTP2M_NLA_VM_ID,
	[ALTP2M_A_GFN]		= ALTP2M_NLA_GFN,
	[ALTP2M_A_NPAGES]	= ALTP2M_NLA_NPAGES,
};

/**
 * altp2m_nl_capable - whether a request's sender has a right over a VM
 * @skb: the request
 * @vm: the VM
 *
 * CAP_NET_ADMIN or CAP_SYS_ADMIN in the VM creator's user namespace, held
 * by the socket's opener and the sender both (netlink_ns_capable()), so a
 * socket passed to a less privileged process does not carry the right.
 *
 * Return: true when it has.
 */
bool altp2m_nl_capable(const struct sk_buff *skb,
		       const struct altp2m_vm *vm)
{
	return netlink_ns_capable(skb, vm->user_ns, CAP_NET_ADMIN) ||
	       netlink_ns_capable(skb, vm->user_ns, CAP_SYS_ADMIN);
}

/* The VM a request names, with a reference, or an error with extack. */
static struct altp2m_vm *altp2m_nl_vm(const struct sk_buff *skb,
				      struct nlattr **attrs, struct net *net,
				      struct netlink_ext_ack *extack)
{
	struct nlattr *a = attrs[ALTP2M_A_VM_ID];
	struct altp2m_vm *vm;

	if (!a) {
		NL_SET_ERR_ATTR_MISS(extack, NULL, ALTP2M_A_VM_ID);
		NL_SET_ERR_MSG(extack, "vm-id: missing");
		return ERR_PTR(-EINVAL);
	}
	vm = altp2m_vm_get(net, nla_get_u32(a));
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(extack, a, "vm-id: no such VM in this network namespace");
		return ERR_PTR(-ENOENT);
	}
	if (!altp2m_nl_capable(skb, vm)) {
		altp2m_vm_put(vm);
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "vm-id: needs CAP_NET_ADMIN or CAP_SYS_ADMIN in the VM creator's user namespace");
		return ERR_PTR(-EPERM);
	}
	return vm;
}

/*
 * Every do-command names a VM: it is looked up, and the caller's right
 * over it checked, before the handler runs (which finds it in
 * user_ptr[0]); the reference is put after.
 */
static int altp2m_nl_pre_doit(const struct genl_split_ops *ops,
			      struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm;

	vm = altp2m_nl_vm(skb, info->attrs, genl_info_net(info), info->extack);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	info->user_ptr[0] = vm;
	return 0;
}

static void altp2m_nl_post_doit(const struct genl_split_ops *ops,
				struct sk_buff *skb, struct genl_info *info)
{
	altp2m_vm_put(info->user_ptr[0]);
}

/**
 * altp2m_nl_set_err - set the extack's message from a pointer
 * @extack: the extended ack (may be NULL)
 * @attr: the attribute at fault, or NULL to leave the extack's alone
 * @msg: the message; it must outlive the handler (the ack is built after
 *	it returns)
 *
 * NL_SET_ERR_MSG_ATTR(), or NL_SET_ERR_MSG() without @attr, for a message
 * chosen at run time: those macros take a string literal only.
 */
void altp2m_nl_set_err(struct netlink_ext_ack *extack,
		       const struct nlattr *attr, const char *msg)
{
	if (!extack)
		return;
	do_trace_netlink_extack(msg);
	extack->_msg = msg;
	if (attr)
		extack->bad_attr = attr;
}

/* A formatted extack message, freed when its task returns to user space. */
struct altp2m_nl_msg {
	struct callback_head work;
	char text[ALTP2M_NL_MSG_LEN];
};

static void altp2m_nl_msg_free(struct callback_head *work)
{
	kfree(container_of(work, struct altp2m_nl_msg, work));
}

/**
 * altp2m_nl_set_err_fmt - set a formatted extack message
 * @extack: the extended ack (may be NULL)
 * @attr: the attribute at fault, or NULL
 * @fallback: a static message for when the text cannot be kept
 * @fmt: the message's format
 *
 * 6.1's extack only points at a message (NL_SET_ERR_MSG_FMT and its
 * buffer came in 6.2), and the ack is built after the handler returns.
 * Generic netlink runs the handler in the sender's sendmsg() and builds
 * the ack before that returns, so the text is kept in memory a task work
 * frees when the sender goes back to user space. A kernel thread never
 * does (nor does it send to this family), and an exiting task takes no
 * more work: they get @fallback, as does a failed allocation.
 */
void altp2m_nl_set_err_fmt(struct netlink_ext_ack *extack,
			   const struct nlattr *attr, const char *fallback,
			   const char *fmt, ...)
{
	struct altp2m_nl_msg *m;
	va_list args;

	if (!extack)
		return;
	altp2m_nl_set_err(extack, attr, fallback);
	if (current->flags & PF_KTHREAD)
		return;
	m = kmalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return;
	va_start(args, fmt);
	vscnprintf(m->text, sizeof(m->text), fmt, args);
	va_end(args);
	init_task_work(&m->work, altp2m_nl_msg_free);
	if (task_work_add(current, &m->work, TWA_RESUME)) {
		kfree(m);
		return;
	}
	altp2m_nl_set_err(extack, attr, m->text);
}

/**
 * altp2m_nl_errno_words - a view operation's errno in words
 * @ret: the errno (negative)
 * @attr: set to the top-level attribute it blames, 0 for none
 *
 * For the errnos that mean one thing whatever the call: the messages
 * altp2m_nl_view_err() gives, shared with the batch commands.
 *
 * Return: a static message, or NULL for an errno it does not know.
 */
const char *altp2m_nl_errno_words(int ret, int *attr)
{
	*attr = ALTP2M_A_VIEW;
	switch (ret) {
	case -ENOENT:
		return "view: no such view";
	case -EBUSY:
		return "view: a vCPU is on it (or switching to it), or it is view 0";
	}
	*attr = 0;
	switch (ret) {
	case -EOPNOTSUPP:
		return "altp2m is not enabled on this VM";
	case -ENOSPC:
		return "no free view index below max-views";
	case -EEXIST:
		return "altp2m is already enabled on this VM";
	}
	return NULL;
}

/**
 * altp2m_nl_view_err - explain a view operation's error in the extack
 * @info: the request
 * @ret: what the operation returned
 *
 * The message names the attribute that caused the error. The messages are
 * static (extack keeps the pointer).
 *
 * Return: @ret.
 */
int altp2m_nl_view_err(struct genl_info *info, int ret)
{
	struct nlattr *view = info->attrs[ALTP2M_A_VIEW];
	struct netlink_ext_ack *extack = info->extack;
	struct altp2m_vm *vm = info->user_ptr[0];
	const char *words;
	int attr;

	switch (ret) {
	case 0:
		break;
	case -EINVAL:
		/* What the policy cannot know: this VM's limits. */
		if (view && nla_get_u32(view) >= READ_ONCE(vm->views.max_views))
			NL_SET_ERR_MSG_ATTR(extack, view,
					    "view: at or beyond the VM's max-views");
		else if (info->attrs[ALTP2M_A_DEFAULT_ACCESS])
			NL_SET_ERR_MSG_ATTR(extack,
					    info->attrs[ALTP2M_A_DEFAULT_ACCESS],
					    "default-access: not one this CPU's EPT can express");
		else if (info->attrs[ALTP2M_A_GFN])
			NL_SET_ERR_MSG_ATTR(extack, info->attrs[ALTP2M_A_GFN],
					    "gfn: beyond the guest-physical address width");
		break;
	case -ESRCH:
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[ALTP2M_A_GFN] ?:
				    info->attrs[ALTP2M_A_TARGET],
				    "gfn: not guest RAM");
		break;
	default:
		words = altp2m_nl_errno_words(ret, &attr);
		if (words)
			altp2m_nl_set_err(extack, attr ? info->attrs[attr] : NULL,
					  words);
		break;
	}
	return ret;
}

/* Attribute @type in the @k-th ENTRY nest of the request, else the nest. */
static struct nlattr *altp2m_nl_entry_attr(struct genl_info *info, u64 k,
					   int type)
{
	struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != ALTP2M_A_ENTRY)
			continue;
		if (k--)
			continue;
		return nla_find_nested(a, type) ?: a;
	}
	return NULL;
}

/**
 * altp2m_nl_why_words - a cause the engine noted, in words
 * @why: the cause (not of a list: @why->in_list is 0)
 * @vtype: ALTP2M_A_ACCESS or ALTP2M_A_SVE, what the call sets
 * @range: the call named a range (npages)
 * @attr: set to the top-level attribute the cause is about
 *
 * The messages altp2m_nl_why_err() gives for a call's own attributes,
 * shared with the batch commands (which prefix the operation's index).
 *
 * Return: a static message that starts with the attribute's name, or
 * NULL when @why names no cause.
 */
const char *altp2m_nl_why_words(const struct altp2m_views_why *why,
				int vtype, bool range, int *attr)
{
	switch (why->arg) {
	case ALTP2M_WHY_VIEW_MAX:
		*attr = ALTP2M_A_VIEW;
		return "view: at or beyond the VM's max-views";
	case ALTP2M_WHY_VIEW_ZERO:
		*attr = ALTP2M_A_VIEW;
		return "view: view 0 is the host's and cannot be remapped";
	case ALTP2M_WHY_GFN_WIDTH:
		*attr = ALTP2M_A_GFN;
		return "gfn: beyond the guest-physical address width";
	case ALTP2M_WHY_NPAGES_WIDTH:
		*attr = ALTP2M_A_NPAGES;
		return "npages: the range ends beyond the guest-physical address width";
	case ALTP2M_WHY_VALUE:
		*attr = vtype;
		if (vtype == ALTP2M_A_SVE)
			return "sve: 0 or 1";
		return "access: not one this CPU's EPT can express (w, wx; x without execute-only)";
	case ALTP2M_WHY_GFN_NOT_RAM:
		*attr = ALTP2M_A_GFN;
		if (range)
			return "gfn: the range holds a gfn that is not guest RAM";
		return "gfn: not guest RAM";
	case ALTP2M_WHY_TARGET_WIDTH:
		*attr = ALTP2M_A_TARGET;
		return "target: beyond the guest-physical address width";
	case ALTP2M_WHY_TARGET_NOT_RAM:
		*attr = ALTP2M_A_TARGET;
		return "target: not guest RAM";
	case ALTP2M_WHY_VCPU:
		*attr = ALTP2M_A_VCPU;
		return "vcpu: no such vCPU";
	}
	return NULL;
}

/**
 * altp2m_nl_why_err - explain a failure whose cause the engine noted
 * @info: the request
 * @ret: what the operation returned
 * @why: the cause it noted
 *
 * The message goes against the attribute that caused the failure (a
 * list's pair: its ENTRY nest's gfn or value). Falls back to
 * altp2m_nl_view_err() for the rest.
 *
 * Return: @ret.
 */
int altp2m_nl_why_err(struct genl_info *info, int ret,
		      const struct altp2m_views_why *why)
{
	struct netlink_ext_ack *extack = info->extack;
	int vtype = info->attrs[ALTP2M_A_SVE] ? ALTP2M_A_SVE : ALTP2M_A_ACCESS;
	u64 k = why->entry;
	const char *words;
	int attr;

	if (!ret || (ret != -EINVAL && ret != -ESRCH && ret != -ENOENT))
		return altp2m_nl_view_err(info, ret);
	if (why->in_list) {
		switch (why->arg) {
		case ALTP2M_WHY_GFN_WIDTH:
			NL_SET_ERR_MSG_ATTR(extack,
					    altp2m_nl_entry_attr(info, k, ALTP2M_ENTRY_A_GFN),
					    "entry: gfn beyond the guest-physical address width");
			return ret;
		case ALTP2M_WHY_GFN_NOT_RAM:
			NL_SET_ERR_MSG_ATTR(extack,
					    altp2m_nl_entry_attr(info, k, ALTP2M_ENTRY_A_GFN),
					    "entry: gfn is not guest RAM");
			return ret;
		case ALTP2M_WHY_VALUE:
			NL_SET_ERR_MSG_ATTR(extack,
					    altp2m_nl_entry_attr(info, k, ALTP2M_ENTRY_A_ACCESS),
					    "entry: access not one this CPU's EPT can express (w, wx; x without execute-only)");
			return ret;
		}
		return altp2m_nl_view_err(info, ret);
	}
	words = altp2m_nl_why_words(why, vtype, !!info->attrs[ALTP2M_A_NPAGES],
				    &attr);
	if (!words)
		return altp2m_nl_view_err(info, ret);
	altp2m_nl_set_err(extack, info->attrs[attr], words);
	return ret;
}

/**
 * altp2m_nl_put_u64 - put a u64 attribute of the top-level set
 * @skb: the message
 * @type: the attribute
 * @v: its value
 *
 * Return: 0 or -EMSGSIZE.
 */
int altp2m_nl_put_u64(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, ALTP2M_A_PAD);
}

/**
 * altp2m_nl_reply - send a reply built by a fill function
 * @info: the request
 * @vm: the VM, passed to @fill
 * @fill: puts the reply's header and attributes into a new message
 *
 * Return: 0, or the error of the allocation, of @fill or of the send.
 */
int altp2m_nl_reply(struct genl_info *info, struct altp2m_vm *vm,
		    int (*fill)(struct sk_buff *skb,
				struct altp2m_vm *vm,
				struct genl_info *info))
{
	struct sk_buff *msg;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	ret = fill(msg, vm, info);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	return genlmsg_reply(msg, info);
}

/**
 * altp2m_nl_vm_dump_start - start a dump of one VM
 * @cb: the dump
 *
 * Dumps of one VM hold a reference to it from start to done:
 * cb->args[0] the VM, cb->args[1] the cursor, cb->args[2] 1 at the end.
 * The VM is looked up and the caller's right checked as in pre_doit.
 *
 * Return: 0 or an error, with extack.
 */
int altp2m_nl_vm_dump_start(struct netlink_callback *cb)
{
	struct altp2m_vm *vm;

	vm = altp2m_nl_vm(cb->skb, altp2m_genl_dump_attrs(cb),
			  sock_net(cb->skb->sk), cb->extack);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	cb->args[0] = (unsigned long)vm;
	return 0;
}

/**
 * altp2m_nl_vm_dump_done - end a dump of one VM: put its reference
 * @cb: the dump
 *
 * Return: 0.
 */
int altp2m_nl_vm_dump_done(struct netlink_callback *cb)
{
	struct altp2m_vm *vm = (struct altp2m_vm *)cb->args[0];

	if (vm)
		altp2m_vm_put(vm);
	return 0;
}

/*
 * Permission is checked per VM, in pre_doit and the dumps' start (the
 * right is over the VM creator's user namespace, which no op flag
 * expresses), so no op carries GENL_ADMIN_PERM.
 */
static const struct genl_ops altp2m_nl_ops[] = {
	{
		.cmd = ALTP2M_CMD_GET_VM,
		.doit = altp2m_nl_get_vm,
		.dumpit = altp2m_nl_dump_vms,
		.policy = altp2m_nl_get_vm_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_VIEWS_ENABLE,
		.doit = altp2m_nl_views_enable,
		.policy = altp2m_nl_views_enable_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_VIEWS_DISABLE,
		.doit = altp2m_nl_views_disable,
		.policy = altp2m_nl_views_disable_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_CREATE_VIEW,
		.doit = altp2m_nl_create_view,
		.policy = altp2m_nl_create_view_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_DESTROY_VIEW,
		.doit = altp2m_nl_destroy_view,
		.policy = altp2m_nl_destroy_view_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_GET_VIEW,
		.doit = altp2m_nl_get_view,
		.start = altp2m_nl_vm_dump_start,
		.dumpit = altp2m_nl_dump_views,
		.done = altp2m_nl_vm_dump_done,
		.policy = altp2m_nl_get_view_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_SWITCH_VIEW,
		.doit = altp2m_nl_switch_view,
		.policy = altp2m_nl_switch_view_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_SET_ACCESS,
		.doit = altp2m_nl_set_access,
		.policy = altp2m_nl_set_access_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_SET_SVE,
		.doit = altp2m_nl_set_sve,
		.policy = altp2m_nl_set_sve_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_GET_ACCESS,
		.doit = altp2m_nl_get_access,
		.policy = altp2m_nl_get_access_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_REMAP,
		.doit = altp2m_nl_remap,
		.policy = altp2m_nl_remap_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_SET_VISIBILITY,
		.doit = altp2m_nl_set_visibility,
		.policy = altp2m_nl_set_visibility_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_DUMP_VIEW,
		.start = altp2m_nl_dump_view_start,
		.dumpit = altp2m_nl_dump_view,
		.done = altp2m_nl_vm_dump_done,
		.policy = altp2m_nl_dump_view_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_GET_STATS,
		.doit = altp2m_nl_get_stats,
		.policy = altp2m_nl_get_stats_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_GET_VCPU_VIEWS,
		.doit = altp2m_nl_get_vcpu_views,
		.policy = altp2m_nl_get_vcpu_views_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_BATCH,
		.doit = altp2m_nl_batch,
		.policy = altp2m_nl_batch_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_TXN_BEGIN,
		.doit = altp2m_nl_txn_begin,
		.policy = altp2m_nl_txn_begin_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_TXN_STAGE,
		.doit = altp2m_nl_txn_stage,
		.policy = altp2m_nl_txn_stage_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_TXN_COMMIT,
		.doit = altp2m_nl_txn_commit,
		.policy = altp2m_nl_txn_commit_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_TXN_ABORT,
		.doit = altp2m_nl_txn_abort,
		.policy = altp2m_nl_txn_abort_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_ADD_HIDDEN,
		.doit = altp2m_nl_add_hidden,
		.policy = altp2m_nl_add_hidden_policy,
		.maxattr = ALTP2M_A_MAX,
	},
	{
		.cmd = ALTP2M_CMD_REMOVE_HIDDEN,
		.doit = altp2m_nl_remove_hidden,
		.policy = altp2m_nl_remove_hidden_policy,
		.maxattr = ALTP2M_A_MAX,
	},
};

/*
 * "events" says which VMs and views come and go, which the commands only
 * tell a caller with a right over the VM. Joining it takes CAP_NET_ADMIN
 * in the user namespace that owns the socket's network namespace (checked
 * by genetlink against the joining task), and altp2m_nl_notify() only
 * speaks of VMs whose creator's user namespace is that one or below it,
 * over which such a listener holds CAP_NET_ADMIN too. Older 6.1 kernels
 * have no way to restrict a group (no flag, no bind callback): refuse to
 * build there rather than leak.
 */
#ifndef GENL_MCAST_CAP_NET_ADMIN
#error "no GENL_MCAST_CAP_NET_ADMIN (a newer 6.1.y has it): events would leak"
#endif

static const struct genl_multicast_group altp2m_nl_mcgrps[] = {
	{ .name = ALTP2M_GENL_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family altp2m_genl_family __ro_after_init = {
	.name		= ALTP2M_GENL_NAME,
	.version	= ALTP2M_GENL_VERSION,
	.maxattr	= ALTP2M_A_MAX,
	.netnsok	= true,
	.parallel_ops	= true,
	.pre_doit	= altp2m_nl_pre_doit,
	.post_doit	= altp2m_nl_post_doit,
	.module		= THIS_MODULE,
	.ops		= altp2m_nl_ops,
	.n_ops		= ARRAY_SIZE(altp2m_nl_ops),
	.mcgrps		= altp2m_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(altp2m_nl_mcgrps),
};

/*
 * Listeners hold CAP_NET_ADMIN in the network namespace's owning user
 * namespace; that covers the VM (as a command's check would) when the
 * creator's user namespace is that one or a descendant of it.
 */
static bool altp2m_nl_listeners_capable(const struct altp2m_vm *vm)
{
	const struct user_namespace *ns;

	for (ns = vm->user_ns; ns; ns = ns->parent)
		if (ns == vm->net->user_ns)
			return true;
	return false;
}

/**
 * altp2m_nl_notify - tell the "events" group about a change
 * @vm: the VM (only its id and namespace are read: it may be dying)
 * @cmd: ALTP2M_CMD_VM_CREATED .. ALTP2M_CMD_VIEW_DESTROYED
 * @arg0: the view (VIEW_*), or max_views (VIEWS_ENABLED)
 * @arg1: the mode (VIEWS_ENABLED)
 *
 * Best effort, as every netlink notification: a listener that cannot keep
 * up sees ENOBUFS on its socket. Only VMs every listener has a right over
 * are spoken of (see altp2m_nl_mcgrps).
 */
void altp2m_nl_notify(struct altp2m_vm *vm, u8 cmd, u32 arg0, u32 arg1)
{
	struct sk_buff *skb;
	void *hdr;

	if (!altp2m_nl_listeners_capable(vm) ||
	    !genl_has_listeners(&altp2m_genl_family, vm->net, 0))
		return;
	skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &altp2m_genl_family, 0, cmd);
	if (!hdr)
		goto err;
	if (nla_put_u32(skb, ALTP2M_A_VM_ID, vm->id))
		goto err;
	if ((cmd == ALTP2M_CMD_VIEW_CREATED || cmd == ALTP2M_CMD_VIEW_DESTROYED) &&
	    nla_put_u32(skb, ALTP2M_A_VIEW, arg0))
		goto err;
	if (cmd == ALTP2M_CMD_VIEWS_ENABLED &&
	    (nla_put_u32(skb, ALTP2M_A_MAX_VIEWS, arg0) ||
	     nla_put_u32(skb, ALTP2M_A_MODE, arg1)))
		goto err;
	genlmsg_end(skb, hdr);
	genlmsg_multicast_netns(&altp2m_genl_family, vm->net, skb, 0, 0,
				GFP_KERNEL);
	return;
err:
	nlmsg_free(skb);
}

int __init altp2m_nl_init(void)
{
	int ret;

	ret = altp2m_nl_txn_init();
	if (ret)
		return ret;
	ret = genl_register_family(&altp2m_genl_family);
	if (ret)
		altp2m_nl_txn_exit();
	return ret;
}

/* No command runs once the family is gone: then the transactions go. */
void altp2m_nl_exit(void)
{
	genl_unregister_family(&altp2m_genl_family);
	altp2m_nl_txn_exit();
}
