// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "altp2m": the view operations for processes
 * that do not own the VM, addressed by VM id. Each handler checks the
 * caller's right over the VM and calls the same operations as the VM fd's
 * ioctls (view_ops.c), so both doors behave alike. The uAPI header describes
 * the family; Documentation/netlink/specs/altp2m.yaml is its YNL spec and
 * tools/ynl-check holds the two together, so the policies follow one
 * convention: one ALTP2M_NLA_* macro per request attribute, one
 * altp2m_nl_<command>_policy table per command.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "altp2m.h"

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

#define ALTP2M_NLA_ENTRY_GFN	{ .type = NLA_U64 }
#define ALTP2M_NLA_ENTRY_ACCESS	NLA_POLICY_MAX(NLA_U8, ALTP2M_ACCESS_DEFAULT)
#define ALTP2M_NLA_ENTRY_SVE	NLA_POLICY_MAX(NLA_U8, 1)

static const struct nla_policy altp2m_nl_entry_policy[ALTP2M_ENTRY_A_MAX + 1] = {
	[ALTP2M_ENTRY_A_GFN]	= ALTP2M_NLA_ENTRY_GFN,
	[ALTP2M_ENTRY_A_ACCESS]	= ALTP2M_NLA_ENTRY_ACCESS,
	[ALTP2M_ENTRY_A_SVE]	= ALTP2M_NLA_ENTRY_SVE,
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

static struct genl_family altp2m_genl_family;

/*
 * CAP_NET_ADMIN or CAP_SYS_ADMIN in the VM creator's user namespace, held
 * by the socket's opener and the sender both (netlink_ns_capable()), so a
 * socket passed to a less privileged process does not carry the right.
 */
static bool altp2m_nl_capable(const struct sk_buff *skb,
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
static int altp2m_nl_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			      struct genl_info *info)
{
	struct altp2m_vm *vm;

	vm = altp2m_nl_vm(skb, info->attrs, genl_info_net(info), info->extack);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	info->user_ptr[0] = vm;
	return 0;
}

static void altp2m_nl_post_doit(const struct genl_ops *ops, struct sk_buff *skb,
				struct genl_info *info)
{
	altp2m_vm_put(info->user_ptr[0]);
}

/* A required attribute, with extack naming it when it is missing. */
#define altp2m_nl_need(info, type, msg) ({				\
	struct genl_info *__info = (info);				\
	struct nlattr *__a = __info->attrs[type];			\
									\
	if (!__a) {							\
		NL_SET_ERR_ATTR_MISS(__info->extack, NULL, type);	\
		NL_SET_ERR_MSG(__info->extack, msg);			\
	}								\
	__a;								\
})

/*
 * The errors view operations return, explained for the attribute that
 * caused them. The messages are static (extack keeps the pointer).
 */
static int altp2m_nl_view_err(struct genl_info *info, int ret)
{
	struct nlattr *view = info->attrs[ALTP2M_A_VIEW];
	struct netlink_ext_ack *extack = info->extack;
	struct altp2m_vm *vm = info->user_ptr[0];

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
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(extack, view, "view: no such view");
		break;
	case -EBUSY:
		NL_SET_ERR_MSG_ATTR(extack, view,
				    "view: a vCPU is on it (or switching to it), or it is view 0");
		break;
	case -EOPNOTSUPP:
		NL_SET_ERR_MSG(extack, "altp2m is not enabled on this VM");
		break;
	case -ESRCH:
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[ALTP2M_A_GFN] ?:
				    info->attrs[ALTP2M_A_TARGET],
				    "gfn: not guest RAM");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG(extack, "no free view index below max-views");
		break;
	case -EEXIST:
		NL_SET_ERR_MSG(extack, "altp2m is already enabled on this VM");
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

/*
 * A failure whose cause the engine noted (@why): the message, against
 * the attribute that caused it (a list's pair: its ENTRY nest's gfn or
 * value). Falls back to altp2m_nl_view_err() for the rest.
 */
static int altp2m_nl_why_err(struct genl_info *info, int ret,
			     const struct altp2m_views_why *why)
{
	struct netlink_ext_ack *extack = info->extack;
	int vtype = info->attrs[ALTP2M_A_SVE] ? ALTP2M_A_SVE : ALTP2M_A_ACCESS;
	struct nlattr **a = info->attrs;
	u64 k = why->entry;

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
	switch (why->arg) {
	case ALTP2M_WHY_VIEW_MAX:
		NL_SET_ERR_MSG_ATTR(extack, a[ALTP2M_A_VIEW],
				    "view: at or beyond the VM's max-views");
		break;
	case ALTP2M_WHY_VIEW_ZERO:
		NL_SET_ERR_MSG_ATTR(extack, a[ALTP2M_A_VIEW],
				    "view: view 0 is the host's and cannot be remapped");
		break;
	case ALTP2M_WHY_GFN_WIDTH:
		NL_SET_ERR_MSG_ATTR(extack, a[ALTP2M_A_GFN],
				    "gfn: beyond the guest-physical address width");
		break;
	case ALTP2M_WHY_NPAGES_WIDTH:
		NL_SET_ERR_MSG_ATTR(extack, a[ALTP2M_A_NPAGES],
				    "npages: the range ends beyond the guest-physical address width");
		break;
	case ALTP2M_WHY_VALUE:
		if (vtype == ALTP2M_A_SVE)
			NL_SET_ERR_MSG_ATTR(extack, a[vtype], "sve: 0 or 1");
		else
			NL_SET_ERR_MSG_ATTR(extack, a[vtype],
					    "access: not one this CPU's EPT can express (w, wx; x without execute-only)");
		break;
	case ALTP2M_WHY_GFN_NOT_RAM:
		if (a[ALTP2M_A_NPAGES])
			NL_SET_ERR_MSG_ATTR(extack, a[ALTP2M_A_GFN],
					    "gfn: the range holds a gfn that is not guest RAM");
		else
			NL_SET_ERR_MSG_ATTR(extack, a[ALTP2M_A_GFN],
					    "gfn: not guest RAM");
		break;
	case ALTP2M_WHY_TARGET_WIDTH:
		NL_SET_ERR_MSG_ATTR(extack, a[ALTP2M_A_TARGET],
				    "target: beyond the guest-physical address width");
		break;
	case ALTP2M_WHY_TARGET_NOT_RAM:
		NL_SET_ERR_MSG_ATTR(extack, a[ALTP2M_A_TARGET],
				    "target: not guest RAM");
		break;
	case ALTP2M_WHY_VCPU:
		NL_SET_ERR_MSG_ATTR(extack, a[ALTP2M_A_VCPU],
				    "vcpu: no such vCPU");
		break;
	default:
		return altp2m_nl_view_err(info, ret);
	}
	return ret;
}

static int altp2m_nl_put_u64(struct sk_buff *skb, int type, u64 v)
{
	return nla_put_u64_64bit(skb, type, v, ALTP2M_A_PAD);
}

static int altp2m_nl_fill_vm(struct sk_buff *skb, struct altp2m_vm *vm,
			     u32 portid, u32 seq, int flags,
			     struct netlink_callback *cb)
{
	struct altp2m_vm_stats st;
	u32 max_views, mode;
	void *hdr;
	u64 gen;

	altp2m_vm_stats_get(vm, &st);
	mutex_lock(&vm->mmu_lock);
	max_views = vm->views.max_views;
	mode = vm->views_mode;
	gen = vm->views_gen;
	mutex_unlock(&vm->mmu_lock);

	hdr = genlmsg_put(skb, portid, seq, &altp2m_genl_family, flags,
			  ALTP2M_CMD_GET_VM);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, ALTP2M_A_VM_ID, vm->id) ||
	    nla_put_u32(skb, ALTP2M_A_OWNER_PID, pid_vnr(vm->owner)) ||
	    nla_put_u32(skb, ALTP2M_A_NR_VCPUS, st.nr_vcpus) ||
	    altp2m_nl_put_u64(skb, ALTP2M_A_MEM_PAGES, st.mem_pages) ||
	    nla_put_u8(skb, ALTP2M_A_VIEWS_ENABLED, !!max_views) ||
	    nla_put_u32(skb, ALTP2M_A_MAX_VIEWS, max_views) ||
	    nla_put_u32(skb, ALTP2M_A_MODE, mode) ||
	    nla_put_u32(skb, ALTP2M_A_NR_VIEWS, st.nr_views) ||
	    altp2m_nl_put_u64(skb, ALTP2M_A_GENERATION, gen)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Send a reply built by @fill, or return its error. */
static int altp2m_nl_reply(struct genl_info *info, struct altp2m_vm *vm,
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

static int altp2m_nl_fill_vm_reply(struct sk_buff *skb, struct altp2m_vm *vm,
				   struct genl_info *info)
{
	return altp2m_nl_fill_vm(skb, vm, info->snd_portid, info->snd_seq, 0,
				 NULL);
}

static int altp2m_nl_get_vm(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];

	return altp2m_nl_reply(info, vm, altp2m_nl_fill_vm_reply);
}

/* cb->args[0]: the next VM id to report. */
static int altp2m_nl_dump_vms(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct net *net = sock_net(skb->sk);
	u32 id = cb->args[0] ?: 1;
	struct altp2m_vm *vm;
	int ret;

	cb->seq = altp2m_vms_generation() + 1;
	while ((vm = altp2m_vm_get_next(net, &id))) {
		/* VMs the caller has no right over are not listed. */
		ret = 0;
		if (altp2m_nl_capable(cb->skb, vm))
			ret = altp2m_nl_fill_vm(skb, vm,
						NETLINK_CB(cb->skb).portid,
						cb->nlh->nlmsg_seq, NLM_F_MULTI,
						cb);
		altp2m_vm_put(vm);
		if (ret)
			break;
		id++;
	}
	cb->args[0] = id;
	return skb->len;
}

static int altp2m_nl_views_enable(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];
	struct nlattr **a = info->attrs;
	u32 max_views, mode;

	max_views = a[ALTP2M_A_MAX_VIEWS] ? nla_get_u32(a[ALTP2M_A_MAX_VIEWS]) : 0;
	mode = a[ALTP2M_A_MODE] ? nla_get_u32(a[ALTP2M_A_MODE]) :
	       ALTP2M_MODE_EXTERNAL;
	return altp2m_nl_view_err(info, altp2m_vm_views_enable(vm, max_views,
							      mode));
}

static int altp2m_nl_views_disable(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];
	int ret;

	ret = altp2m_vm_views_disable(vm);
	if (ret == -EBUSY)
		NL_SET_ERR_MSG(info->extack,
			       "a vCPU is on a view other than 0; switch it to view 0 first");
	return ret;
}

static int altp2m_nl_fill_view_id(struct sk_buff *skb, struct altp2m_vm *vm,
				  struct genl_info *info)
{
	void *hdr;

	hdr = genlmsg_put_reply(skb, info, &altp2m_genl_family, 0,
				ALTP2M_CMD_CREATE_VIEW);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ALTP2M_A_VM_ID, vm->id) ||
	    nla_put_u32(skb, ALTP2M_A_VIEW, (u32)(uintptr_t)info->user_ptr[1])) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int altp2m_nl_create_view(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];
	struct nlattr *acc = info->attrs[ALTP2M_A_DEFAULT_ACCESS];
	unsigned int idx;
	int ret;

	ret = altp2m_vm_view_create(vm, acc ? nla_get_u8(acc) :
				    ALTP2M_ACCESS_DEFAULT, &idx);
	if (ret)
		return altp2m_nl_view_err(info, ret);
	info->user_ptr[1] = (void *)(uintptr_t)idx;
	ret = altp2m_nl_reply(info, vm, altp2m_nl_fill_view_id);
	/* A view the caller was not told about would only take a slot. */
	if (ret)
		altp2m_vm_view_destroy(vm, idx);
	return ret;
}

static int altp2m_nl_destroy_view(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *view = altp2m_nl_need(info, ALTP2M_A_VIEW,
					     "view: missing");
	struct altp2m_vm *vm = info->user_ptr[0];

	if (!view)
		return -EINVAL;
	return altp2m_nl_view_err(info, altp2m_vm_view_destroy(vm,
							      nla_get_u32(view)));
}

static int altp2m_nl_fill_view(struct sk_buff *skb, u32 vm_id,
			       const struct altp2m_view_info *v, u64 gen,
			       u32 portid, u32 seq, int flags,
			       struct netlink_callback *cb)
{
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &altp2m_genl_family, flags,
			  ALTP2M_CMD_GET_VIEW);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, ALTP2M_A_VM_ID, vm_id) ||
	    nla_put_u32(skb, ALTP2M_A_VIEW, v->view) ||
	    nla_put_u32(skb, ALTP2M_A_VCPUS_ON, v->vcpus_on) ||
	    nla_put_u8(skb, ALTP2M_A_DEFAULT_ACCESS, v->default_access) ||
	    altp2m_nl_put_u64(skb, ALTP2M_A_NR_LEAVES, v->nr_leaves) ||
	    altp2m_nl_put_u64(skb, ALTP2M_A_NR_PAGES, v->nr_pages) ||
	    altp2m_nl_put_u64(skb, ALTP2M_A_NR_TABLES, v->nr_tables) ||
	    altp2m_nl_put_u64(skb, ALTP2M_A_NR_REMAPS, v->nr_remaps) ||
	    altp2m_nl_put_u64(skb, ALTP2M_A_GENERATION, gen)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int altp2m_nl_fill_view_reply(struct sk_buff *skb, struct altp2m_vm *vm,
				     struct genl_info *info)
{
	u32 view = nla_get_u32(info->attrs[ALTP2M_A_VIEW]);
	struct altp2m_view_info v;
	unsigned int cursor = view;
	u64 gen;
	int n;

	n = altp2m_vm_views_list(vm, &cursor, &v, 1, &gen);
	if (n < 0)
		return altp2m_nl_view_err(info, n);
	if (!n || v.view != view)
		return altp2m_nl_view_err(info, -ENOENT);
	return altp2m_nl_fill_view(skb, vm->id, &v, gen, info->snd_portid,
				   info->snd_seq, 0, NULL);
}

static int altp2m_nl_get_view(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *view = altp2m_nl_need(info, ALTP2M_A_VIEW,
					     "view: missing (dump for every view)");
	struct altp2m_vm *vm = info->user_ptr[0];
	int ret;

	if (!view)
		return -EINVAL;
	ret = altp2m_nl_reply(info, vm, altp2m_nl_fill_view_reply);
	return ret;
}

/*
 * Dumps of one VM hold a reference to it from start to done:
 * cb->args[0] the VM, cb->args[1] the cursor, cb->args[2] 1 at the end.
 */
static int altp2m_nl_vm_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct altp2m_vm *vm;

	vm = altp2m_nl_vm(cb->skb, info->attrs, sock_net(cb->skb->sk),
			  cb->extack);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	cb->args[0] = (unsigned long)vm;
	return 0;
}

static int altp2m_nl_vm_dump_done(struct netlink_callback *cb)
{
	struct altp2m_vm *vm = (struct altp2m_vm *)cb->args[0];

	if (vm)
		altp2m_vm_put(vm);
	return 0;
}

#define ALTP2M_NL_DUMP_BATCH	32

static int altp2m_nl_dump_views(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct altp2m_vm *vm = (struct altp2m_vm *)cb->args[0];
	unsigned int cursor = cb->args[1], next;
	struct altp2m_view_info *v;
	int i, n, ret = 0;
	u64 gen;

	if (cb->args[2])
		return 0;
	v = kcalloc(ALTP2M_NL_DUMP_BATCH, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	next = cursor;
	n = altp2m_vm_views_list(vm, &next, v, ALTP2M_NL_DUMP_BATCH, &gen);
	if (n < 0) {
		ret = n;
		goto out;
	}
	cb->seq = gen + 1;
	for (i = 0; i < n; i++) {
		if (altp2m_nl_fill_view(skb, vm->id, &v[i], gen,
					NETLINK_CB(cb->skb).portid,
					cb->nlh->nlmsg_seq, NLM_F_MULTI, cb))
			break;
		cursor = v[i].view + 1;
	}
	if (i == n)
		cursor = next;
	if (!n || cursor >= ALTP2M_MAX_VIEWS)
		cb->args[2] = 1;
	cb->args[1] = cursor;
	ret = skb->len;
out:
	kfree(v);
	return ret;
}

static int altp2m_nl_switch_view(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *view = altp2m_nl_need(info, ALTP2M_A_VIEW,
					     "view: missing");
	struct nlattr *vcpu = info->attrs[ALTP2M_A_VCPU];
	struct altp2m_switch_view a = {};
	struct altp2m_vm *vm = info->user_ptr[0];
	struct altp2m_views_why why = {};

	if (!view)
		return -EINVAL;
	a.view = nla_get_u32(view);
	if (vcpu) {
		a.flags = ALTP2M_SWITCH_ONE_VCPU;
		a.vcpu_id = nla_get_u32(vcpu);
	}
	return altp2m_nl_why_err(info, altp2m_vm_switch(vm, &a, &why), &why);
}

/* The ENTRY nests of a SET_ACCESS / SET_SVE list, into two arrays. */
static int altp2m_nl_parse_list(struct genl_info *info, int value_type,
				u64 **gfnsp, u8 **valuesp, u64 *np)
{
	struct nlattr *tb[ALTP2M_ENTRY_A_MAX + 1];
	struct nlattr *a;
	u64 *gfns, n = 0;
	int rem, ret;
	u8 *values;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem)
		n += nla_type(a) == ALTP2M_A_ENTRY;
	if (n > ALTP2M_GFN_LIST_MAX) {
		NL_SET_ERR_MSG(info->extack, "entry: more than 1048576 entries");
		return -E2BIG;
	}
	gfns = kvmalloc_array(n, sizeof(*gfns), GFP_KERNEL_ACCOUNT);
	values = kvmalloc(n, GFP_KERNEL_ACCOUNT);
	if (!gfns || !values) {
		ret = -ENOMEM;
		goto err;
	}
	n = 0;
	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != ALTP2M_A_ENTRY)
			continue;
		/* The policy validated the nest; this only splits it. */
		ret = nla_parse_nested(tb, ALTP2M_ENTRY_A_MAX, a,
				       altp2m_nl_entry_policy, info->extack);
		if (ret)
			goto err;
		if (!tb[ALTP2M_ENTRY_A_GFN] || !tb[value_type]) {
			NL_SET_ERR_ATTR_MISS(info->extack, a,
					     tb[ALTP2M_ENTRY_A_GFN] ? value_type :
					     ALTP2M_ENTRY_A_GFN);
			if (value_type == ALTP2M_ENTRY_A_SVE)
				NL_SET_ERR_MSG(info->extack,
					       "entry: needs gfn and sve");
			else
				NL_SET_ERR_MSG(info->extack,
					       "entry: needs gfn and access");
			ret = -EINVAL;
			goto err;
		}
		if (tb[value_type == ALTP2M_ENTRY_A_SVE ? ALTP2M_ENTRY_A_ACCESS :
		       ALTP2M_ENTRY_A_SVE]) {
			NL_SET_ERR_MSG_ATTR(info->extack, a,
					    "entry: access and sve do not mix in one list");
			ret = -EINVAL;
			goto err;
		}
		gfns[n] = nla_get_u64(tb[ALTP2M_ENTRY_A_GFN]);
		values[n] = nla_get_u8(tb[value_type]);
		n++;
	}
	*gfnsp = gfns;
	*valuesp = values;
	*np = n;
	return 0;
err:
	kvfree(values);
	kvfree(gfns);
	return ret;
}

/* SET_ACCESS and SET_SVE: a range, or a list of ENTRY nests. */
static int altp2m_nl_gfn_set(struct sk_buff *skb, struct genl_info *info,
			     bool sve)
{
	int vtype = sve ? ALTP2M_A_SVE : ALTP2M_A_ACCESS;
	struct nlattr *view = altp2m_nl_need(info, ALTP2M_A_VIEW,
					     "view: missing");
	struct nlattr **a = info->attrs;
	struct altp2m_vm *vm = info->user_ptr[0];
	struct altp2m_views_why why = {};
	u64 *gfns, n;
	u8 *values;
	int ret;

	if (!view)
		return -EINVAL;
	if (a[ALTP2M_A_ENTRY] && (a[ALTP2M_A_GFN] || a[ALTP2M_A_NPAGES] ||
				  a[vtype])) {
		NL_SET_ERR_MSG_ATTR(info->extack, a[ALTP2M_A_ENTRY],
				    "entry: a list does not mix with gfn/npages and a value");
		return -EINVAL;
	}
	if (!a[ALTP2M_A_ENTRY] &&
	    !altp2m_nl_need(info, ALTP2M_A_GFN, "gfn: missing (or give entry nests)"))
		return -EINVAL;
	if (!a[ALTP2M_A_ENTRY] && !sve &&
	    !altp2m_nl_need(info, ALTP2M_A_ACCESS, "access: missing"))
		return -EINVAL;
	if (!a[ALTP2M_A_ENTRY] && sve &&
	    !altp2m_nl_need(info, ALTP2M_A_SVE, "sve: missing"))
		return -EINVAL;
	if (!a[ALTP2M_A_ENTRY]) {
		ret = altp2m_vm_gfn_set_range(vm, nla_get_u32(view),
					      nla_get_u64(a[ALTP2M_A_GFN]),
					      a[ALTP2M_A_NPAGES] ?
					      nla_get_u64(a[ALTP2M_A_NPAGES]) : 1,
					      nla_get_u8(a[vtype]), sve, &why);
		return altp2m_nl_why_err(info, ret, &why);
	}
	ret = altp2m_nl_parse_list(info, sve ? ALTP2M_ENTRY_A_SVE :
				   ALTP2M_ENTRY_A_ACCESS, &gfns, &values, &n);
	if (ret)
		return ret;
	ret = altp2m_vm_gfn_set_list(vm, nla_get_u32(view), gfns, values, n,
				     sve, &why);
	kvfree(values);
	kvfree(gfns);
	return altp2m_nl_why_err(info, ret, &why);
}

static int altp2m_nl_set_access(struct sk_buff *skb, struct genl_info *info)
{
	return altp2m_nl_gfn_set(skb, info, false);
}

static int altp2m_nl_set_sve(struct sk_buff *skb, struct genl_info *info)
{
	return altp2m_nl_gfn_set(skb, info, true);
}

static int altp2m_nl_fill_access(struct sk_buff *skb, struct altp2m_vm *vm,
				 struct genl_info *info)
{
	u32 view = nla_get_u32(info->attrs[ALTP2M_A_VIEW]);
	u64 gfn = nla_get_u64(info->attrs[ALTP2M_A_GFN]);
	unsigned int access, sve;
	void *hdr;
	int ret;

	ret = altp2m_vm_gfn_get(vm, view, gfn, &access, &sve);
	if (ret)
		return altp2m_nl_view_err(info, ret);
	hdr = genlmsg_put_reply(skb, info, &altp2m_genl_family, 0,
				ALTP2M_CMD_GET_ACCESS);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ALTP2M_A_VM_ID, vm->id) ||
	    nla_put_u32(skb, ALTP2M_A_VIEW, view) ||
	    altp2m_nl_put_u64(skb, ALTP2M_A_GFN, gfn) ||
	    nla_put_u8(skb, ALTP2M_A_ACCESS, access) ||
	    nla_put_u8(skb, ALTP2M_A_SVE, sve)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int altp2m_nl_get_access(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];
	int ret;

	if (!altp2m_nl_need(info, ALTP2M_A_VIEW, "view: missing") ||
	    !altp2m_nl_need(info, ALTP2M_A_GFN, "gfn: missing"))
		return -EINVAL;
	ret = altp2m_nl_reply(info, vm, altp2m_nl_fill_access);
	return ret;
}

static int altp2m_nl_remap(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr **a = info->attrs;
	struct altp2m_vm *vm = info->user_ptr[0];
	struct altp2m_views_why why = {};
	int ret;

	if (!altp2m_nl_need(info, ALTP2M_A_VIEW, "view: missing") ||
	    !altp2m_nl_need(info, ALTP2M_A_GFN, "gfn: missing") ||
	    !altp2m_nl_need(info, ALTP2M_A_TARGET,
			    "target: missing (the gfn itself reverts)"))
		return -EINVAL;
	ret = altp2m_vm_gfn_remap(vm, nla_get_u32(a[ALTP2M_A_VIEW]),
				  nla_get_u64(a[ALTP2M_A_GFN]),
				  nla_get_u64(a[ALTP2M_A_TARGET]), &why);
	return altp2m_nl_why_err(info, ret, &why);
}

static int altp2m_nl_set_visibility(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *vcpu = info->attrs[ALTP2M_A_VCPU];
	struct altp2m_view_visibility v = {};
	struct nlattr **a = info->attrs;
	struct altp2m_vm *vm = info->user_ptr[0];
	struct altp2m_views_why why = {};

	if (!altp2m_nl_need(info, ALTP2M_A_VIEW, "view: missing") ||
	    !altp2m_nl_need(info, ALTP2M_A_VISIBLE, "visible: missing"))
		return -EINVAL;
	v.view = nla_get_u32(a[ALTP2M_A_VIEW]);
	v.visible = nla_get_u8(a[ALTP2M_A_VISIBLE]);
	if (vcpu) {
		v.flags = ALTP2M_VISIBILITY_ONE_VCPU;
		v.vcpu_id = nla_get_u32(vcpu);
	}
	return altp2m_nl_why_err(info, altp2m_vm_set_visibility(vm, &v, &why),
				 &why);
}

static int altp2m_nl_dump_view_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);

	if (!info->attrs[ALTP2M_A_VIEW]) {
		NL_SET_ERR_ATTR_MISS(cb->extack, NULL, ALTP2M_A_VIEW);
		NL_SET_ERR_MSG(cb->extack, "view: missing");
		return -EINVAL;
	}
	return altp2m_nl_vm_dump_start(cb);
}

static int altp2m_nl_fill_run(struct sk_buff *skb, struct netlink_callback *cb,
			      u32 vm_id, u32 view,
			      const struct altp2m_view_entry *e, u64 gen)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &altp2m_genl_family, NLM_F_MULTI,
			  ALTP2M_CMD_DUMP_VIEW);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, ALTP2M_A_VM_ID, vm_id) ||
	    nla_put_u32(skb, ALTP2M_A_VIEW, view) ||
	    altp2m_nl_put_u64(skb, ALTP2M_A_GENERATION, gen))
		goto cancel;
	nest = nla_nest_start(skb, ALTP2M_A_ENTRY);
	if (!nest)
		goto cancel;
	if (nla_put_u64_64bit(skb, ALTP2M_ENTRY_A_GFN, e->gfn,
			      ALTP2M_ENTRY_A_PAD) ||
	    nla_put_u64_64bit(skb, ALTP2M_ENTRY_A_NPAGES, e->npages,
			      ALTP2M_ENTRY_A_PAD) ||
	    nla_put_u64_64bit(skb, ALTP2M_ENTRY_A_TARGET, e->target,
			      ALTP2M_ENTRY_A_PAD) ||
	    nla_put_u8(skb, ALTP2M_ENTRY_A_ACCESS, e->access) ||
	    nla_put_u8(skb, ALTP2M_ENTRY_A_SVE, e->suppress_ve))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/*
 * One batch of runs per call: a run that does not fit is asked for again
 * next time (the cursor stops at its gfn).
 */
static int altp2m_nl_dump_view(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct altp2m_vm *vm = (struct altp2m_vm *)cb->args[0];
	u32 view = nla_get_u32(info->attrs[ALTP2M_A_VIEW]);
	u64 cursor = cb->args[1], next = cursor, gen;
	struct altp2m_view_entry *e;
	int i, n, ret;

	if (cb->args[2])
		return 0;
	e = kcalloc(ALTP2M_NL_DUMP_BATCH, sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	n = altp2m_vm_view_dump(vm, view, &next, e, ALTP2M_NL_DUMP_BATCH, &gen);
	if (n < 0) {
		ret = n;
		if (n == -ENOENT)
			NL_SET_ERR_MSG(cb->extack, "view: no such view");
		goto out;
	}
	cb->seq = gen + 1;
	for (i = 0; i < n; i++) {
		if (altp2m_nl_fill_run(skb, cb, vm->id, view, &e[i], gen))
			break;
	}
	if (i < n) {
		cursor = e[i].gfn;
	} else {
		cursor = next;
		if (next == ALTP2M_GFN_INVALID)
			cb->args[2] = 1;
	}
	cb->args[1] = cursor;
	ret = skb->len;
out:
	kfree(e);
	return ret;
}

static int altp2m_nl_fill_stats(struct sk_buff *skb, struct altp2m_vm *vm,
				struct genl_info *info)
{
	static const struct {
		u16 type;
		u16 off;
	} f[] = {
		{ ALTP2M_STATS_A_EPT_TABLES,
		  offsetof(struct altp2m_vm_stats, ept_tables) },
		{ ALTP2M_STATS_A_EPT_MAPS_4K,
		  offsetof(struct altp2m_vm_stats, ept_maps_4k) },
		{ ALTP2M_STATS_A_EPT_MAPS_2M,
		  offsetof(struct altp2m_vm_stats, ept_maps_2m) },
		{ ALTP2M_STATS_A_EPT_FLUSHES,
		  offsetof(struct altp2m_vm_stats, ept_flushes) },
		{ ALTP2M_STATS_A_INVEPT,
		  offsetof(struct altp2m_vm_stats, invept) },
		{ ALTP2M_STATS_A_VIEW_EVENTS,
		  offsetof(struct altp2m_vm_stats, view_events) },
		{ ALTP2M_STATS_A_VIEW_PROMOTIONS,
		  offsetof(struct altp2m_vm_stats, view_promotions) },
		{ ALTP2M_STATS_A_REMAPS_INVALIDATED,
		  offsetof(struct altp2m_vm_stats, remaps_invalidated) },
		{ ALTP2M_STATS_A_VIEW_SPLITS,
		  offsetof(struct altp2m_vm_stats, view_splits) },
		{ ALTP2M_STATS_A_NR_VIEWS,
		  offsetof(struct altp2m_vm_stats, nr_views) },
		{ ALTP2M_STATS_A_MEM_PAGES,
		  offsetof(struct altp2m_vm_stats, mem_pages) },
	};
	struct altp2m_vm_stats st;
	struct nlattr *nest;
	unsigned int i;
	void *hdr;

	altp2m_vm_stats_get(vm, &st);
	hdr = genlmsg_put_reply(skb, info, &altp2m_genl_family, 0,
				ALTP2M_CMD_GET_STATS);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, ALTP2M_A_VM_ID, vm->id))
		goto cancel;
	nest = nla_nest_start(skb, ALTP2M_A_STATS);
	if (!nest ||
	    nla_put_u64_64bit(skb, ALTP2M_STATS_A_NR_VCPUS, st.nr_vcpus,
			      ALTP2M_STATS_A_PAD))
		goto cancel;
	for (i = 0; i < ARRAY_SIZE(f); i++)
		if (nla_put_u64_64bit(skb, f[i].type,
				      *(u64 *)((char *)&st + f[i].off),
				      ALTP2M_STATS_A_PAD))
			goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

static int altp2m_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];

	return altp2m_nl_reply(info, vm, altp2m_nl_fill_stats);
}

static int altp2m_nl_fill_vcpu_views(struct sk_buff *skb, struct altp2m_vm *vm,
				     struct genl_info *info)
{
	struct altp2m_vcpu_views *vv;
	struct nlattr *nest;
	unsigned int i;
	void *hdr;
	int ret = -EMSGSIZE;

	vv = kmalloc(sizeof(*vv), GFP_KERNEL);
	if (!vv)
		return -ENOMEM;
	altp2m_vm_vcpu_views(vm, vv);
	hdr = genlmsg_put_reply(skb, info, &altp2m_genl_family, 0,
				ALTP2M_CMD_GET_VCPU_VIEWS);
	if (!hdr)
		goto out;
	if (nla_put_u32(skb, ALTP2M_A_VM_ID, vm->id))
		goto cancel;
	for (i = 0; i < ALTP2M_MAX_VCPUS; i++) {
		if (!(vv->present & BIT_ULL(i)))
			continue;
		nest = nla_nest_start(skb, ALTP2M_A_VCPU_VIEW);
		if (!nest ||
		    nla_put_u32(skb, ALTP2M_VCPU_VIEW_A_VCPU, i) ||
		    nla_put_u32(skb, ALTP2M_VCPU_VIEW_A_VIEW, vv->view[i]))
			goto cancel;
		nla_nest_end(skb, nest);
	}
	genlmsg_end(skb, hdr);
	ret = 0;
	goto out;
cancel:
	genlmsg_cancel(skb, hdr);
out:
	kfree(vv);
	return ret;
}

static int altp2m_nl_get_vcpu_views(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];

	return altp2m_nl_reply(info, vm, altp2m_nl_fill_vcpu_views);
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

static struct genl_family altp2m_genl_family __ro_after_init = {
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
	return genl_register_family(&altp2m_genl_family);
}

void altp2m_nl_exit(void)
{
	genl_unregister_family(&altp2m_genl_family);
}
