// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family's view commands (netlink.c is the family):
 * each reads its attributes, calls the door-neutral operation of
 * view_ops.c and explains a failure in the extended ack against the
 * attribute that caused it. pre_doit has already found the VM and checked
 * the caller's right over it (info->user_ptr[0]); a dump's start does the
 * same and keeps the VM in cb->args[0].
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "altp2m.h"
#include "netlink.h"

int altp2m_nl_views_enable(struct sk_buff *skb, struct genl_info *info)
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

int altp2m_nl_views_disable(struct sk_buff *skb, struct genl_info *info)
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

int altp2m_nl_create_view(struct sk_buff *skb, struct genl_info *info)
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

int altp2m_nl_destroy_view(struct sk_buff *skb, struct genl_info *info)
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

int altp2m_nl_get_view(struct sk_buff *skb, struct genl_info *info)
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

#define ALTP2M_NL_DUMP_BATCH	32

int altp2m_nl_dump_views(struct sk_buff *skb, struct netlink_callback *cb)
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

int altp2m_nl_switch_view(struct sk_buff *skb, struct genl_info *info)
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

int altp2m_nl_set_access(struct sk_buff *skb, struct genl_info *info)
{
	return altp2m_nl_gfn_set(skb, info, false);
}

int altp2m_nl_set_sve(struct sk_buff *skb, struct genl_info *info)
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

int altp2m_nl_get_access(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];
	int ret;

	if (!altp2m_nl_need(info, ALTP2M_A_VIEW, "view: missing") ||
	    !altp2m_nl_need(info, ALTP2M_A_GFN, "gfn: missing"))
		return -EINVAL;
	ret = altp2m_nl_reply(info, vm, altp2m_nl_fill_access);
	return ret;
}

int altp2m_nl_remap(struct sk_buff *skb, struct genl_info *info)
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

int altp2m_nl_set_visibility(struct sk_buff *skb, struct genl_info *info)
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

int altp2m_nl_dump_view_start(struct netlink_callback *cb)
{
	if (!altp2m_genl_dump_attrs(cb)[ALTP2M_A_VIEW]) {
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
int altp2m_nl_dump_view(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct altp2m_vm *vm = (struct altp2m_vm *)cb->args[0];
	u32 view = nla_get_u32(altp2m_genl_dump_attrs(cb)[ALTP2M_A_VIEW]);
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

int altp2m_nl_get_vcpu_views(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];

	return altp2m_nl_reply(info, vm, altp2m_nl_fill_vcpu_views);
}

/* ADD_HIDDEN and REMOVE_HIDDEN: ALTP2M_ADD/REMOVE_HIDDEN_FRAMES. */
static int altp2m_nl_hidden(struct genl_info *info, bool add)
{
	struct nlattr *npages = info->attrs[ALTP2M_A_NPAGES];
	struct nlattr *gfn = info->attrs[ALTP2M_A_GFN];
	struct netlink_ext_ack *extack = info->extack;
	struct altp2m_vm *vm = info->user_ptr[0];
	u64 nr = npages ? nla_get_u64(npages) : 1;
	int ret;

	if (!altp2m_nl_need(info, ALTP2M_A_GFN, "gfn: missing"))
		return -EINVAL;
	if (nr > ALTP2M_MAX_HIDDEN_ADD) {
		NL_SET_ERR_MSG_ATTR(extack, npages,
				    "npages: more than ALTP2M_MAX_HIDDEN_ADD (512) at once");
		return -EINVAL;
	}
	if (add)
		ret = altp2m_hidden_add(vm, nla_get_u64(gfn), nr);
	else
		ret = altp2m_hidden_remove(vm, nla_get_u64(gfn), nr);
	switch (ret) {
	case -EINVAL:
		NL_SET_ERR_MSG_ATTR(extack, gfn,
				    "gfn: the range ends beyond the guest-physical address width");
		break;
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(extack, gfn,
				    "gfn: the range holds guest RAM or a hidden frame already");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG_ATTR(extack, npages ?: gfn,
				    "npages: beyond the module parameter max_hidden_frames for this VM");
		break;
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(extack, gfn,
				    "gfn: the range holds a gfn that is not hidden");
		break;
	case -EBUSY:
		NL_SET_ERR_MSG_ATTR(extack, gfn,
				    "gfn: a hidden breakpoint lives in the range; remove it first");
		break;
	}
	return ret;
}

int altp2m_nl_add_hidden(struct sk_buff *skb, struct genl_info *info)
{
	return altp2m_nl_hidden(info, true);
}

int altp2m_nl_remove_hidden(struct sk_buff *skb, struct genl_info *info)
{
	return altp2m_nl_hidden(info, false);
}
