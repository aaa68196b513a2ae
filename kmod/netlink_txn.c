// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family's batches and transactions (netlink.c is the
 * family). BATCH applies the operations of one message with
 * altp2m_vm_batch(), as the VM fd's ALTP2M_BATCH does. A message is
 * bounded by the socket's buffers, so a transaction collects the
 * operations of several TXN_STAGE messages in the kernel and TXN_COMMIT
 * applies all of them with one altp2m_vm_batch() call: a change too large
 * for one message is as atomic over netlink as through the VM fd.
 *
 * A transaction belongs to the socket that began it and to one VM, which
 * it names by id only: every command finds the VM again (pre_doit, ENOENT
 * once it is gone) and the commit runs against the VM as it is then. It
 * ends at commit or abort, when its socket is released (the
 * NETLINK_URELEASE notifier) and when its VM is freed
 * (altp2m_nl_txn_vm_gone()). Staged operations stay as the messages
 * brought them, one chunk per TXN_STAGE, charged to the sender's memory
 * cgroup; the commit joins them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/notifier.h>
#include <linux/overflow.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "altp2m.h"
#include "netlink.h"

/* The operations one TXN_STAGE message brought. */
struct altp2m_nl_chunk {
	struct list_head node;
	u32 nr;
	struct altp2m_batch_op ops[];
};

/**
 * struct altp2m_nl_txn - an open transaction
 * @node: in altp2m_nl_txns under its socket's port id, or in a list of
 *	transactions being freed
 * @net: the socket's network namespace
 * @sk: the socket, compared and never dereferenced: a socket that takes
 *	the port id of one being released, before the release notifier ran,
 *	must not reach that one's transactions
 * @portid: the socket's port id
 * @id: not 0, unique among the socket's transactions
 * @vm_id: the VM it began on
 * @nr: operations staged
 * @chunks: struct altp2m_nl_chunk, in staging order
 *
 * @net and @sk hold no reference: the socket's release ends the
 * transaction before either can go.
 */
struct altp2m_nl_txn {
	struct hlist_node node;
	const struct net *net;
	const struct sock *sk;
	u32 portid;
	u32 id;
	u32 vm_id;
	u32 nr;
	struct list_head chunks;
};

/*
 * Open transactions, hashed by port id. altp2m_nl_txns_lock protects the
 * table and every field of a transaction in it; a transaction taken out
 * of the table belongs to whoever took it out. It is a mutex because the
 * handlers and the release notifier that take it may sleep, but nothing
 * is allocated or applied under it: staging allocates and parses first,
 * and a commit takes its transaction out before it runs.
 */
#define ALTP2M_NL_TXN_BITS	7
static DEFINE_HASHTABLE(altp2m_nl_txns, ALTP2M_NL_TXN_BITS);
static DEFINE_MUTEX(altp2m_nl_txns_lock);

static void altp2m_nl_txn_free(struct altp2m_nl_txn *txn)
{
	struct altp2m_nl_chunk *c, *tmp;

	list_for_each_entry_safe(c, tmp, &txn->chunks, node)
		kvfree(c);
	kfree(txn);
}

/* Free transactions taken out of the table into @gone. */
static void altp2m_nl_txn_free_list(struct hlist_head *gone)
{
	struct altp2m_nl_txn *txn;
	struct hlist_node *tmp;

	hlist_for_each_entry_safe(txn, tmp, gone, node)
		altp2m_nl_txn_free(txn);
}

static bool altp2m_nl_txn_mine(const struct altp2m_nl_txn *txn,
			       const struct sk_buff *skb,
			       struct genl_info *info)
{
	return txn->portid == info->snd_portid &&
	       net_eq(txn->net, genl_info_net(info)) &&
	       txn->sk == NETLINK_CB(skb).sk;
}

/* The sender's transaction @id, or NULL. */
static struct altp2m_nl_txn *altp2m_nl_txn_find(const struct sk_buff *skb,
						struct genl_info *info,
						u32 id)
{
	struct altp2m_nl_txn *txn;

	lockdep_assert_held(&altp2m_nl_txns_lock);
	hash_for_each_possible(altp2m_nl_txns, txn, node, info->snd_portid)
		if (txn->id == id && altp2m_nl_txn_mine(txn, skb, info))
			return txn;
	return NULL;
}

/*
 * The transaction a TXN_STAGE, _COMMIT or _ABORT request names, on the
 * VM pre_doit found; else an error pointer, with extack.
 */
static struct altp2m_nl_txn *altp2m_nl_txn_get(const struct sk_buff *skb,
					       struct genl_info *info)
{
	struct nlattr *id = altp2m_nl_need(info, ALTP2M_A_TXN_ID,
					   "txn-id: missing");
	struct altp2m_vm *vm = info->user_ptr[0];
	struct altp2m_nl_txn *txn;

	lockdep_assert_held(&altp2m_nl_txns_lock);
	if (!id)
		return ERR_PTR(-EINVAL);
	txn = altp2m_nl_txn_find(skb, info, nla_get_u32(id));
	if (!txn) {
		NL_SET_ERR_MSG_ATTR(info->extack, id,
				    "txn-id: no such transaction on this socket");
		return ERR_PTR(-ENOENT);
	}
	if (txn->vm_id != vm->id) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ALTP2M_A_VM_ID],
				    "vm-id: not the VM the transaction began on");
		return ERR_PTR(-EINVAL);
	}
	return txn;
}

/* The extended ack's cookie: an operation's index, host byte order. */
static void altp2m_nl_cookie(struct netlink_ext_ack *extack, u32 index)
{
	BUILD_BUG_ON(sizeof(index) > NETLINK_MAX_COOKIE_LEN);
	if (!extack)
		return;
	memcpy(extack->cookie, &index, sizeof(index));
	extack->cookie_len = sizeof(index);
}

/*
 * Blame operation @index of the batch or transaction: the message
 * "operation <index>: @what", the cookie @index, and @attr when it is in
 * this request. @what is static; it is the message alone when the
 * formatted one cannot be kept.
 */
static void altp2m_nl_op_err(struct netlink_ext_ack *extack,
			     const struct nlattr *attr, u32 index,
			     const char *what)
{
	altp2m_nl_set_err_fmt(extack, attr, what, "operation %u: %s", index,
			      what);
	altp2m_nl_cookie(extack, index);
}

/*
 * The number of OP nests in the request, when there is at least one and
 * @base staged before them leave room for them in one batch.
 */
static int altp2m_nl_ops_count(struct genl_info *info, u32 base, u32 *nr)
{
	struct nlattr *a;
	u64 n = 0;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem)
		n += nla_type(a) == ALTP2M_A_OP;
	if (!n) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, ALTP2M_A_OP);
		NL_SET_ERR_MSG(info->extack, "op: missing (one or more)");
		return -EINVAL;
	}
	if (base + n > ALTP2M_BATCH_MAX_OPS) {
		if (base)
			NL_SET_ERR_MSG(info->extack,
				       "op: the transaction would hold more than ALTP2M_BATCH_MAX_OPS (1048576) operations");
		else
			NL_SET_ERR_MSG(info->extack,
				       "op: more than ALTP2M_BATCH_MAX_OPS (1048576) operations");
		return -E2BIG;
	}
	*nr = n;
	return 0;
}

/* Operation @index is missing attribute @type of its nest @nest. */
static int altp2m_nl_op_missing(struct genl_info *info, struct nlattr *nest,
				u32 index, int type, const char *what)
{
	NL_SET_ERR_ATTR_MISS(info->extack, nest, type);
	altp2m_nl_op_err(info->extack, NULL, index, what);
	return -EINVAL;
}

/*
 * One OP nest, @tb its attributes, into @op: what its type needs and
 * refuses, then what altp2m_batch_op_invalid() checks without the VM.
 */
static int altp2m_nl_op_read(struct genl_info *info, struct nlattr *nest,
			     struct nlattr **tb, u32 index,
			     struct altp2m_batch_op *op)
{
	bool remap;
	const char *why;

	if (!tb[ALTP2M_OP_A_TYPE])
		return altp2m_nl_op_missing(info, nest, index, ALTP2M_OP_A_TYPE,
					    "type: missing");
	if (!tb[ALTP2M_OP_A_VIEW])
		return altp2m_nl_op_missing(info, nest, index, ALTP2M_OP_A_VIEW,
					    "view: missing");
	if (!tb[ALTP2M_OP_A_GFN])
		return altp2m_nl_op_missing(info, nest, index, ALTP2M_OP_A_GFN,
					    "gfn: missing");
	memset(op, 0, sizeof(*op));
	op->op = nla_get_u16(tb[ALTP2M_OP_A_TYPE]);
	remap = op->op == ALTP2M_BATCH_REMAP;
	if (remap && !tb[ALTP2M_OP_A_TARGET])
		return altp2m_nl_op_missing(info, nest, index,
					    ALTP2M_OP_A_TARGET,
					    "target: missing (the gfn itself reverts)");
	if (!remap && !tb[ALTP2M_OP_A_VALUE])
		return altp2m_nl_op_missing(info, nest, index, ALTP2M_OP_A_VALUE,
					    "value: missing");
	if (remap && tb[ALTP2M_OP_A_VALUE]) {
		altp2m_nl_op_err(info->extack, tb[ALTP2M_OP_A_VALUE], index,
				 "value: a remap takes none");
		return -EINVAL;
	}
	if (!remap && tb[ALTP2M_OP_A_TARGET]) {
		altp2m_nl_op_err(info->extack, tb[ALTP2M_OP_A_TARGET], index,
				 "target: only a remap takes one");
		return -EINVAL;
	}
	op->view = nla_get_u32(tb[ALTP2M_OP_A_VIEW]);
	op->gfn = nla_get_u64(tb[ALTP2M_OP_A_GFN]);
	op->npages = tb[ALTP2M_OP_A_NPAGES] ?
		     nla_get_u64(tb[ALTP2M_OP_A_NPAGES]) : 1;
	if (remap)
		op->target = nla_get_u64(tb[ALTP2M_OP_A_TARGET]);
	else
		op->value = nla_get_u8(tb[ALTP2M_OP_A_VALUE]);
	why = altp2m_batch_op_invalid(op);
	if (why) {
		altp2m_nl_op_err(info->extack, nest, index, why);
		return -EINVAL;
	}
	return 0;
}

/*
 * The request's OP nests into @ops (counted by altp2m_nl_ops_count());
 * @base is the index of the first in its batch or transaction.
 */
static int altp2m_nl_ops_parse(struct genl_info *info,
			       struct altp2m_batch_op *ops, u32 base)
{
	struct nlattr *tb[ALTP2M_OP_A_MAX + 1];
	struct nlattr *a;
	int rem, ret;
	u32 k = 0;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != ALTP2M_A_OP)
			continue;
		/* The policy validated the nest; this only splits it. */
		ret = nla_parse_nested(tb, ALTP2M_OP_A_MAX, a,
				       altp2m_nl_op_policy, info->extack);
		if (ret)
			return ret;
		ret = altp2m_nl_op_read(info, a, tb, base + k, &ops[k]);
		if (ret)
			return ret;
		k++;
	}
	return 0;
}

/* The OP nest @index of the request, or NULL. */
static struct nlattr *altp2m_nl_op_nest(struct genl_info *info, u32 index)
{
	struct nlattr *a;
	int rem;

	nlmsg_for_each_attr(a, info->nlhdr, GENL_HDRLEN, rem) {
		if (nla_type(a) != ALTP2M_A_OP)
			continue;
		if (!index--)
			return a;
	}
	return NULL;
}

/* The attribute of an OP nest that a top-level one of the single calls is. */
static int altp2m_nl_op_attr(int attr)
{
	switch (attr) {
	case ALTP2M_A_VIEW:
		return ALTP2M_OP_A_VIEW;
	case ALTP2M_A_GFN:
		return ALTP2M_OP_A_GFN;
	case ALTP2M_A_NPAGES:
		return ALTP2M_OP_A_NPAGES;
	case ALTP2M_A_ACCESS:
	case ALTP2M_A_SVE:
		return ALTP2M_OP_A_VALUE;
	case ALTP2M_A_TARGET:
		return ALTP2M_OP_A_TARGET;
	}
	return 0;
}

/*
 * Explain a failed altp2m_vm_batch(): operation @index at fault (its
 * cause in the words the single calls use, and, when the operations came
 * in this request, the attribute in its nest), or the batch as a whole
 * when @index is @nr.
 */
static int altp2m_nl_batch_err(struct genl_info *info,
			       const struct altp2m_batch_op *ops, u32 nr,
			       bool in_request, int ret, u32 index,
			       const struct altp2m_views_why *why)
{
	struct netlink_ext_ack *extack = info->extack;
	const struct altp2m_batch_op *op;
	struct nlattr *nest, *bad = NULL;
	const char *words = NULL;
	int attr = 0;

	if (index >= nr) {
		words = altp2m_nl_errno_words(ret, &attr);
		if (ret == -ESTALE)
			NL_SET_ERR_MSG_ATTR(extack,
					    info->attrs[ALTP2M_A_GENERATION],
					    "generation: the VM's views changed since; nothing applied");
		else if (ret == -E2BIG)
			NL_SET_ERR_MSG(extack,
				       "the batch would change more than ALTP2M_BATCH_MAX_CHANGES page-table entries: split it");
		else if (words)
			altp2m_nl_set_err(extack, NULL, words);
		return ret;
	}
	op = &ops[index];
	if (why->arg != ALTP2M_WHY_NONE && !why->in_list)
		words = altp2m_nl_why_words(why, op->op == ALTP2M_BATCH_SET_SVE ?
					    ALTP2M_A_SVE : ALTP2M_A_ACCESS,
					    op->npages > 1, &attr);
	if (!words)
		words = altp2m_nl_errno_words(ret, &attr);
	if (!words)
		words = "refused (see the error number)";
	nest = in_request ? altp2m_nl_op_nest(info, index) : NULL;
	if (nest) {
		attr = altp2m_nl_op_attr(attr);
		bad = attr ? nla_find_nested(nest, attr) : NULL;
		bad = bad ?: nest;
	}
	altp2m_nl_op_err(extack, bad, index, words);
	return ret;
}

static u64 altp2m_nl_generation(struct altp2m_vm *vm)
{
	u64 gen;

	mutex_lock(&vm->mmu_lock);
	gen = vm->views_gen;
	mutex_unlock(&vm->mmu_lock);
	return gen;
}

/* The reply of BATCH and TXN_*: VM_ID, [TXN_ID] (when not 0), GENERATION. */
static int altp2m_nl_txn_reply(struct genl_info *info, u32 vm_id, u32 txn_id,
			       u64 gen)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(2 * nla_total_size(sizeof(u32)) +
			  nla_total_size_64bit(sizeof(u64)), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &altp2m_genl_family, 0,
				info->genlhdr->cmd);
	if (!hdr)
		goto err;
	if (nla_put_u32(msg, ALTP2M_A_VM_ID, vm_id) ||
	    (txn_id && nla_put_u32(msg, ALTP2M_A_TXN_ID, txn_id)) ||
	    altp2m_nl_put_u64(msg, ALTP2M_A_GENERATION, gen))
		goto err;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * Apply @nr operations as one batch, on the condition of the request's
 * GENERATION when it has one, and reply with the generation it made. A
 * reply that cannot be sent does not turn the applied batch into an
 * error: the ack says it was applied.
 */
static int altp2m_nl_apply(struct genl_info *info,
			   const struct altp2m_batch_op *ops, u32 nr,
			   bool in_request)
{
	struct nlattr *gen_attr = info->attrs[ALTP2M_A_GENERATION];
	struct altp2m_vm *vm = info->user_ptr[0];
	struct altp2m_views_why why = {};
	u32 flags = 0, index = nr;
	u64 gen = 0;
	int ret;

	if (gen_attr) {
		flags = ALTP2M_BATCH_IF_GENERATION;
		gen = nla_get_u64(gen_attr);
	}
	ret = altp2m_vm_batch(vm, ops, nr, flags, &gen, &index, &why);
	if (ret)
		return altp2m_nl_batch_err(info, ops, nr, in_request, ret,
					   index, &why);
	altp2m_nl_txn_reply(info, vm->id, 0, gen);
	return 0;
}

int altp2m_nl_batch(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_batch_op *ops;
	u32 nr;
	int ret;

	ret = altp2m_nl_ops_count(info, 0, &nr);
	if (ret)
		return ret;
	ops = kvmalloc_array(nr, sizeof(*ops), GFP_KERNEL_ACCOUNT);
	if (!ops)
		return -ENOMEM;
	ret = altp2m_nl_ops_parse(info, ops, 0);
	if (!ret)
		ret = altp2m_nl_apply(info, ops, nr, true);
	kvfree(ops);
	return ret;
}

static unsigned int altp2m_nl_txns_of(const struct sk_buff *skb,
				      struct genl_info *info)
{
	struct altp2m_nl_txn *txn;
	unsigned int n = 0;

	lockdep_assert_held(&altp2m_nl_txns_lock);
	hash_for_each_possible(altp2m_nl_txns, txn, node, info->snd_portid)
		n += altp2m_nl_txn_mine(txn, skb, info);
	return n;
}

/* Take the sender's transaction @id out of the table, if it is there. */
static struct altp2m_nl_txn *altp2m_nl_txn_take(const struct sk_buff *skb,
						struct genl_info *info,
						u32 id)
{
	struct altp2m_nl_txn *txn;

	mutex_lock(&altp2m_nl_txns_lock);
	txn = altp2m_nl_txn_find(skb, info, id);
	if (txn)
		hash_del(&txn->node);
	mutex_unlock(&altp2m_nl_txns_lock);
	return txn;
}

int altp2m_nl_txn_begin(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_vm *vm = info->user_ptr[0];
	struct altp2m_nl_txn *txn;
	int ret;
	u32 id;

	txn = kzalloc(sizeof(*txn), GFP_KERNEL_ACCOUNT);
	if (!txn)
		return -ENOMEM;
	txn->net = genl_info_net(info);
	txn->sk = NETLINK_CB(skb).sk;
	txn->portid = info->snd_portid;
	txn->vm_id = vm->id;
	INIT_LIST_HEAD(&txn->chunks);

	mutex_lock(&altp2m_nl_txns_lock);
	if (altp2m_nl_txns_of(skb, info) >= ALTP2M_TXN_MAX_PER_SOCKET) {
		mutex_unlock(&altp2m_nl_txns_lock);
		kfree(txn);
		NL_SET_ERR_MSG(info->extack,
			       "this socket has ALTP2M_TXN_MAX_PER_SOCKET (16) open transactions");
		return -EBUSY;
	}
	/* Random, so that an id says nothing about other sockets. */
	do {
		id = get_random_u32();
	} while (!id || altp2m_nl_txn_find(skb, info, id));
	txn->id = id;
	hash_add(altp2m_nl_txns, &txn->node, txn->portid);
	mutex_unlock(&altp2m_nl_txns_lock);

	ret = altp2m_nl_txn_reply(info, vm->id, id, altp2m_nl_generation(vm));
	if (ret) {
		/* A transaction the caller was not told of would only take a slot. */
		txn = altp2m_nl_txn_take(skb, info, id);
		if (txn)
			altp2m_nl_txn_free(txn);
	}
	return ret;
}

int altp2m_nl_txn_stage(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_nl_chunk *chunk;
	struct altp2m_nl_txn *txn;
	u32 base, nr;
	int ret;

	mutex_lock(&altp2m_nl_txns_lock);
	txn = altp2m_nl_txn_get(skb, info);
	base = IS_ERR(txn) ? 0 : txn->nr;
	mutex_unlock(&altp2m_nl_txns_lock);
	if (IS_ERR(txn))
		return PTR_ERR(txn);

	ret = altp2m_nl_ops_count(info, base, &nr);
	if (ret)
		return ret;
	chunk = kvmalloc(struct_size(chunk, ops, nr), GFP_KERNEL_ACCOUNT);
	if (!chunk)
		return -ENOMEM;
	chunk->nr = nr;
	ret = altp2m_nl_ops_parse(info, chunk->ops, base);
	if (ret)
		goto err;

	/* Found again: the socket's other threads may have ended it. */
	mutex_lock(&altp2m_nl_txns_lock);
	txn = altp2m_nl_txn_get(skb, info);
	if (IS_ERR(txn)) {
		ret = PTR_ERR(txn);
	} else if (txn->nr + nr > ALTP2M_BATCH_MAX_OPS) {
		NL_SET_ERR_MSG(info->extack,
			       "op: the transaction would hold more than ALTP2M_BATCH_MAX_OPS (1048576) operations");
		ret = -E2BIG;
	} else {
		list_add_tail(&chunk->node, &txn->chunks);
		txn->nr += nr;
		chunk = NULL;
	}
	mutex_unlock(&altp2m_nl_txns_lock);
err:
	kvfree(chunk);
	return ret;
}

/*
 * The staged operations of @txn (out of the table) in one array, in
 * staging order: the only chunk's own, else a new array the chunks are
 * moved into (each freed once copied, so the peak is the staged size
 * plus one chunk). *@joined says whether the caller frees it.
 */
static struct altp2m_batch_op *altp2m_nl_txn_join(struct altp2m_nl_txn *txn,
						  bool *joined)
{
	struct altp2m_nl_chunk *c, *tmp;
	struct altp2m_batch_op *ops;
	u32 at = 0;

	*joined = false;
	if (list_is_singular(&txn->chunks))
		return list_first_entry(&txn->chunks, struct altp2m_nl_chunk,
					node)->ops;
	ops = kvmalloc_array(txn->nr, sizeof(*ops), GFP_KERNEL_ACCOUNT);
	if (!ops)
		return NULL;
	list_for_each_entry_safe(c, tmp, &txn->chunks, node) {
		memcpy(&ops[at], c->ops, c->nr * sizeof(*ops));
		at += c->nr;
		list_del(&c->node);
		kvfree(c);
	}
	*joined = true;
	return ops;
}

/*
 * The transaction a TXN_COMMIT or TXN_ABORT names, out of the table: it
 * ends with the command whatever the outcome, so from here it is ours.
 */
static struct altp2m_nl_txn *altp2m_nl_txn_end(struct sk_buff *skb,
					       struct genl_info *info)
{
	struct altp2m_nl_txn *txn;

	mutex_lock(&altp2m_nl_txns_lock);
	txn = altp2m_nl_txn_get(skb, info);
	if (!IS_ERR(txn))
		hash_del(&txn->node);
	mutex_unlock(&altp2m_nl_txns_lock);
	return txn;
}

int altp2m_nl_txn_commit(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_batch_op *ops;
	struct altp2m_nl_txn *txn;
	bool joined;
	int ret;

	txn = altp2m_nl_txn_end(skb, info);
	if (IS_ERR(txn))
		return PTR_ERR(txn);

	if (!txn->nr) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[ALTP2M_A_TXN_ID],
				    "txn-id: nothing staged; the transaction ended");
		ret = -EINVAL;
		goto out;
	}
	ops = altp2m_nl_txn_join(txn, &joined);
	if (!ops) {
		ret = -ENOMEM;
		goto out;
	}
	ret = altp2m_nl_apply(info, ops, txn->nr, false);
	if (joined)
		kvfree(ops);
out:
	altp2m_nl_txn_free(txn);
	return ret;
}

int altp2m_nl_txn_abort(struct sk_buff *skb, struct genl_info *info)
{
	struct altp2m_nl_txn *txn = altp2m_nl_txn_end(skb, info);

	if (IS_ERR(txn))
		return PTR_ERR(txn);
	altp2m_nl_txn_free(txn);
	return 0;
}

/*
 * A netlink socket was released: its transactions end. The chain is a
 * blocking one (netlink_release() calls it in process context), so the
 * mutex may be taken. It matches by namespace and port id only, so it
 * also ends transactions a new socket began under the same port id
 * before this ran: they are refused with ENOENT after, never applied.
 */
static int altp2m_nl_txn_release(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct netlink_notify *n = ptr;
	struct altp2m_nl_txn *txn;
	struct hlist_node *tmp;
	HLIST_HEAD(gone);

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC)
		return NOTIFY_DONE;
	mutex_lock(&altp2m_nl_txns_lock);
	hash_for_each_possible_safe(altp2m_nl_txns, txn, tmp, node, n->portid) {
		if (txn->portid != n->portid || !net_eq(txn->net, n->net))
			continue;
		hash_del(&txn->node);
		hlist_add_head(&txn->node, &gone);
	}
	mutex_unlock(&altp2m_nl_txns_lock);
	altp2m_nl_txn_free_list(&gone);
	return NOTIFY_DONE;
}

static struct notifier_block altp2m_nl_txn_notifier = {
	.notifier_call = altp2m_nl_txn_release,
};

/**
 * altp2m_nl_txn_vm_gone - end the transactions of a VM that is freed
 * @vm: the VM, out of the VM registry already (no command finds it)
 */
void altp2m_nl_txn_vm_gone(struct altp2m_vm *vm)
{
	struct altp2m_nl_txn *txn;
	struct hlist_node *tmp;
	HLIST_HEAD(gone);
	int bkt;

	mutex_lock(&altp2m_nl_txns_lock);
	hash_for_each_safe(altp2m_nl_txns, bkt, tmp, txn, node) {
		if (txn->vm_id != vm->id || !net_eq(txn->net, vm->net))
			continue;
		hash_del(&txn->node);
		hlist_add_head(&txn->node, &gone);
	}
	mutex_unlock(&altp2m_nl_txns_lock);
	altp2m_nl_txn_free_list(&gone);
}

int altp2m_nl_txn_init(void)
{
	return netlink_register_notifier(&altp2m_nl_txn_notifier);
}

/*
 * After the family is gone, so no command adds one; sockets may still
 * hold transactions, and they go here.
 */
void altp2m_nl_txn_exit(void)
{
	struct altp2m_nl_txn *txn;
	struct hlist_node *tmp;
	HLIST_HEAD(gone);
	int bkt;

	netlink_unregister_notifier(&altp2m_nl_txn_notifier);
	mutex_lock(&altp2m_nl_txns_lock);
	hash_for_each_safe(altp2m_nl_txns, bkt, tmp, txn, node) {
		hash_del(&txn->node);
		hlist_add_head(&txn->node, &gone);
	}
	mutex_unlock(&altp2m_nl_txns_lock);
	altp2m_nl_txn_free_list(&gone);
}
