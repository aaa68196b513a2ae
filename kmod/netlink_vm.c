// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family's commands about a VM itself (netlink.c is
 * the family): GET_VM, as a do for one VM and a dump of every VM the
 * caller has a right over, and GET_STATS.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "altp2m.h"
#include "netlink.h"

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

static int altp2m_nl_fill_vm_reply(struct sk_buff *skb, struct altp2m_vm *vm,
				   struct genl_info *info)
{
	return altp2m_nl_fill_vm(skb, vm, info->snd_portid, info->snd_seq, 0,
				 NULL);
}

int altp2m_nl_get_vm(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];

	return altp2m_nl_reply(info, vm, altp2m_nl_fill_vm_reply);
}

/* cb->args[0]: the next VM id to report. */
int altp2m_nl_dump_vms(struct sk_buff *skb, struct netlink_callback *cb)
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
		{ ALTP2M_STATS_A_NR_HIDDEN,
		  offsetof(struct altp2m_vm_stats, nr_hidden) },
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

int altp2m_nl_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];

	return altp2m_nl_reply(info, vm, altp2m_nl_fill_stats);
}
