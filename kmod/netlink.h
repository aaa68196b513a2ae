/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the files of the generic netlink family share: netlink.c defines
 * the family (policies, ops, permission, extended-ack helpers, events)
 * and names the handlers of netlink_vm.c, netlink_views.c and
 * netlink_txn.c in its ops, as ynl-gen splits a family into netlink_gen.c
 * and the handlers.
 */
#ifndef ALTP2M_NETLINK_H
#define ALTP2M_NETLINK_H

#include <net/genetlink.h>
#include <net/netlink.h>

#include "altp2m.h"

extern struct genl_family altp2m_genl_family;
extern const struct nla_policy altp2m_nl_entry_policy[ALTP2M_ENTRY_A_MAX + 1];
extern const struct nla_policy altp2m_nl_op_policy[ALTP2M_OP_A_MAX + 1];

/* The longest formatted extack message, its NUL included. */
#define ALTP2M_NL_MSG_LEN	160

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

/* netlink.c */
bool altp2m_nl_capable(const struct sk_buff *skb, const struct altp2m_vm *vm);
void altp2m_nl_set_err(struct netlink_ext_ack *extack,
		       const struct nlattr *attr, const char *msg);
__printf(4, 5)
void altp2m_nl_set_err_fmt(struct netlink_ext_ack *extack,
			   const struct nlattr *attr, const char *fallback,
			   const char *fmt, ...);
const char *altp2m_nl_errno_words(int ret, int *attr);
const char *altp2m_nl_why_words(const struct altp2m_views_why *why,
				int vtype, bool range, int *attr);
int altp2m_nl_view_err(struct genl_info *info, int ret);
int altp2m_nl_why_err(struct genl_info *info, int ret,
		      const struct altp2m_views_why *why);
int altp2m_nl_put_u64(struct sk_buff *skb, int type, u64 v);
int altp2m_nl_reply(struct genl_info *info, struct altp2m_vm *vm,
		    int (*fill)(struct sk_buff *skb, struct altp2m_vm *vm,
				struct genl_info *info));
int altp2m_nl_vm_dump_start(struct netlink_callback *cb);
int altp2m_nl_vm_dump_done(struct netlink_callback *cb);

/* netlink_vm.c */
int altp2m_nl_get_vm(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_dump_vms(struct sk_buff *skb, struct netlink_callback *cb);
int altp2m_nl_get_stats(struct sk_buff *skb, struct genl_info *info);

/* netlink_views.c */
int altp2m_nl_views_enable(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_views_disable(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_create_view(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_destroy_view(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_get_view(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_dump_views(struct sk_buff *skb, struct netlink_callback *cb);
int altp2m_nl_switch_view(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_set_access(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_set_sve(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_get_access(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_remap(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_set_visibility(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_dump_view_start(struct netlink_callback *cb);
int altp2m_nl_dump_view(struct sk_buff *skb, struct netlink_callback *cb);
int altp2m_nl_get_vcpu_views(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_add_hidden(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_remove_hidden(struct sk_buff *skb, struct genl_info *info);

/* netlink_txn.c */
int altp2m_nl_txn_init(void);
void altp2m_nl_txn_exit(void);
int altp2m_nl_batch(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_txn_begin(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_txn_stage(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_txn_commit(struct sk_buff *skb, struct genl_info *info);
int altp2m_nl_txn_abort(struct sk_buff *skb, struct genl_info *info);

#endif /* ALTP2M_NETLINK_H */
