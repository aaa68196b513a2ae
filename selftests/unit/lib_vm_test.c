// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of libaltp2m's VM handles through both doors, without a
 * kernel: the fd door over a fake ioctl transport that plays the module's
 * view ioctls, the netlink door over a fake exchange that decodes what the
 * library sent and answers as the family "altp2m" would, errors with
 * extended acks and interrupted dumps included.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "../../lib/internal.h"
#include "unit.h"

#define FAMILY	0x1d
#define VMID	3

/* ---- the model both fakes answer from ---- */

static void model_view(unsigned int i, struct altp2m_view_info *v)
{
	memset(v, 0, sizeof(*v));
	v->view = i * 2;
	v->vcpus_on = i;
	v->default_access = i % 11;
	v->nr_leaves = 100 + i;
	v->nr_pages = (1ULL << 33) + i;
	v->nr_tables = 3 + i;
	v->nr_remaps = i;
}

static void model_entry(unsigned int i, struct altp2m_view_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->gfn = (uint64_t)i * 16;
	e->npages = i + 1;
	e->target = i % 3 ? ALTP2M_GFN_INVALID : 0x100000000ULL + i;
	e->access = i % 10;
	e->suppress_ve = i & 1;
}

static uint64_t model_stat(int attr)
{
	return 1000ULL * attr + 7;
}

static void model_stats(struct altp2m_vm_stats *st)
{
	st->nr_vcpus = model_stat(ALTP2M_STATS_A_NR_VCPUS);
	st->mem_pages = model_stat(ALTP2M_STATS_A_MEM_PAGES);
	st->ept_tables = model_stat(ALTP2M_STATS_A_EPT_TABLES);
	st->ept_maps_4k = model_stat(ALTP2M_STATS_A_EPT_MAPS_4K);
	st->ept_maps_2m = model_stat(ALTP2M_STATS_A_EPT_MAPS_2M);
	st->ept_flushes = model_stat(ALTP2M_STATS_A_EPT_FLUSHES);
	st->invept = model_stat(ALTP2M_STATS_A_INVEPT);
	st->view_events = model_stat(ALTP2M_STATS_A_VIEW_EVENTS);
	st->view_promotions = model_stat(ALTP2M_STATS_A_VIEW_PROMOTIONS);
	st->remaps_invalidated = model_stat(ALTP2M_STATS_A_REMAPS_INVALIDATED);
	st->view_splits = model_stat(ALTP2M_STATS_A_VIEW_SPLITS);
	st->nr_views = model_stat(ALTP2M_STATS_A_NR_VIEWS);
	st->nr_hidden = model_stat(ALTP2M_STATS_A_NR_HIDDEN);
}

/* vCPU 0 on view 2, 3 on 7, 63 on 1. */
static const struct { uint32_t vcpu, view; } model_vcpus[] = {
	{ 0, 2 }, { 3, 7 }, { 63, 1 },
};

#define MODEL_CREATED_VIEW	5
#define MODEL_ACCESS		ALTP2M_ACCESS_N2RWX

/* ---- the fake fd door ---- */

struct fdfake {
	int calls, closed;
	unsigned long cmd;		/* the last one */
	unsigned long fail_cmd;		/* fail this ioctl ... */
	int fail_err;
	int fail_after;			/* ... after this many successes */
	int fail_seen;
	unsigned int max_views;		/* 0: views off */
	unsigned int nviews, list_chunk;
	unsigned int nentries, dump_chunk;
	bool dump_stuck;
	uint32_t mode;
	uint64_t generation;
	/* ALTP2M_BATCH: the last argument, a copy of its ops, a failure */
	struct altp2m_batch batch;
	struct altp2m_batch_op *batch_ops;
	int batch_err;
	uint32_t batch_fail_index;
	/* The last argument of each call. */
	void *disable_arg;
	struct altp2m_views_enable enable;
	struct altp2m_view_create create;
	struct altp2m_view_destroy destroy;
	struct altp2m_switch_view sw;
	struct altp2m_view_visibility vis;
	struct altp2m_gfn_set set;
	struct altp2m_gfn_get get;
	struct altp2m_gfn_remap remap;
	struct altp2m_hidden_frames hidden;
	uint32_t list_cursors[16];
	int nlists;
	uint64_t dump_cursors[16];
	uint32_t dump_nr[16];
	int ndumps;
};

static bool is_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

static int fd_list(struct fdfake *f, struct altp2m_view_list *a)
{
	struct altp2m_view_info *out = (void *)(uintptr_t)a->entries;
	unsigned int i, n = 0, room;

	if (a->flags || a->pad || !is_zero(a->reserved, sizeof(a->reserved)) ||
	    !a->nr || a->nr > ALTP2M_MAX_VIEWS)
		return -EINVAL;
	if (f->nlists < 16)
		f->list_cursors[f->nlists] = a->cursor;
	f->nlists++;
	room = a->nr < f->list_chunk ? a->nr : f->list_chunk;
	for (i = 0; i < f->nviews && n < room; i++) {
		struct altp2m_view_info v;

		model_view(i, &v);
		if (v.view >= a->cursor)
			out[n++] = v;
	}
	a->nr = n;
	/* More after what was written? */
	a->cursor = ALTP2M_MAX_VIEWS;
	for (; i < f->nviews; i++) {
		struct altp2m_view_info v;

		model_view(i, &v);
		if (n && v.view > out[n - 1].view) {
			a->cursor = out[n - 1].view + 1;
			break;
		}
	}
	return 0;
}

static int fd_dump(struct fdfake *f, struct altp2m_view_dump *a)
{
	struct altp2m_view_entry *out = (void *)(uintptr_t)a->entries;
	unsigned int i, n = 0, room;

	if (a->flags || a->pad || !is_zero(a->reserved, sizeof(a->reserved)) ||
	    !a->nr || a->nr > ALTP2M_DUMP_MAX)
		return -EINVAL;
	if (f->ndumps < 16) {
		f->dump_cursors[f->ndumps] = a->cursor;
		f->dump_nr[f->ndumps] = a->nr;
	}
	f->ndumps++;
	if (f->dump_stuck) {
		a->nr = 0;
		return 0;		/* the cursor does not move */
	}
	room = a->nr < f->dump_chunk ? a->nr : f->dump_chunk;
	for (i = 0; i < f->nentries && n < room; i++) {
		struct altp2m_view_entry e;

		model_entry(i, &e);
		if (e.gfn >= a->cursor)
			out[n++] = e;
	}
	a->nr = n;
	a->cursor = ALTP2M_GFN_INVALID;
	if (n && i < f->nentries)
		a->cursor = out[n - 1].gfn + 1;
	return 0;
}

static int fd_ioctl(void *priv, unsigned long cmd, void *arg)
{
	struct fdfake *f = priv;
	struct altp2m_gfn_get *g = arg;
	unsigned int i;

	f->calls++;
	f->cmd = cmd;
	if (cmd == f->fail_cmd && f->fail_seen++ >= f->fail_after)
		return f->fail_err;
	switch (cmd) {
	case ALTP2M_VIEWS_ENABLE:
		f->enable = *(struct altp2m_views_enable *)arg;
		return 0;
	case ALTP2M_VIEWS_DISABLE:
		f->disable_arg = arg;
		return 0;
	case ALTP2M_CREATE_VIEW:
		f->create = *(struct altp2m_view_create *)arg;
		((struct altp2m_view_create *)arg)->view = MODEL_CREATED_VIEW;
		return 0;
	case ALTP2M_DESTROY_VIEW:
		f->destroy = *(struct altp2m_view_destroy *)arg;
		return 0;
	case ALTP2M_SWITCH_VIEW:
		f->sw = *(struct altp2m_switch_view *)arg;
		return 0;
	case ALTP2M_SET_VIEW_VISIBILITY:
		f->vis = *(struct altp2m_view_visibility *)arg;
		return 0;
	case ALTP2M_SET_MEM_ACCESS:
	case ALTP2M_SET_SUPPRESS_VE:
		f->set = *(struct altp2m_gfn_set *)arg;
		return 0;
	case ALTP2M_GET_VM_STATUS: {
		struct altp2m_vm_status *st = arg;

		/* As the module: the caller's struct is all zero. */
		if (!is_zero(st, sizeof(*st)))
			return -EINVAL;
		st->vm_id = VMID;
		st->nr_vcpus = model_stat(ALTP2M_STATS_A_NR_VCPUS);
		st->max_views = f->max_views;
		st->views_enabled = f->max_views != 0;
		st->mode = f->mode;
		st->nr_views = model_stat(ALTP2M_STATS_A_NR_VIEWS);
		st->mem_pages = model_stat(ALTP2M_STATS_A_MEM_PAGES);
		st->generation = f->generation;
		return 0;
	}
	case ALTP2M_BATCH: {
		struct altp2m_batch *b = arg;

		f->batch = *b;
		free(f->batch_ops);
		f->batch_ops = calloc(b->nr_ops, sizeof(*f->batch_ops));
		ck_assert_ptr_nonnull(f->batch_ops);
		memcpy(f->batch_ops, (void *)(uintptr_t)b->ops,
		       b->nr_ops * sizeof(*f->batch_ops));
		if (b->pad || !is_zero(b->reserved, sizeof(b->reserved)) ||
		    (b->flags & ~ALTP2M_BATCH_IF_GENERATION) ||
		    (!(b->flags & ALTP2M_BATCH_IF_GENERATION) && b->generation))
			return -EINVAL;
		if ((b->flags & ALTP2M_BATCH_IF_GENERATION) &&
		    b->generation != f->generation) {
			b->error_index = b->nr_ops;
			return -ESTALE;
		}
		if (f->batch_err) {
			b->error_index = f->batch_fail_index;
			return f->batch_err;
		}
		b->generation = ++f->generation;
		return 0;
	}
	case ALTP2M_GET_MEM_ACCESS:
		f->get = *g;
		if (g->flags || !is_zero(g->pad, sizeof(g->pad)) ||
		    !is_zero(g->reserved, sizeof(g->reserved)))
			return -EINVAL;
		/* As the module's view lookup: off, beyond, absent. */
		if (g->view && !f->max_views)
			return -EOPNOTSUPP;
		if (g->view && g->view >= f->max_views)
			return -EINVAL;
		if (g->view >= 3)
			return -ENOENT;
		g->access = MODEL_ACCESS;
		g->suppress_ve = 1;
		return 0;
	case ALTP2M_REMAP_GFN:
		f->remap = *(struct altp2m_gfn_remap *)arg;
		return 0;
	case ALTP2M_ADD_HIDDEN_FRAMES:
	case ALTP2M_REMOVE_HIDDEN_FRAMES:
		f->hidden = *(struct altp2m_hidden_frames *)arg;
		return 0;
	case ALTP2M_LIST_VIEWS:
		return fd_list(f, arg);
	case ALTP2M_DUMP_VIEW:
		return fd_dump(f, arg);
	case ALTP2M_GET_VM_STATS: {
		struct altp2m_vm_stats *st = arg;

		if (!is_zero(st, sizeof(*st)))
			return -EINVAL;
		model_stats(st);
		return 0;
	}
	case ALTP2M_GET_VCPU_VIEWS: {
		struct altp2m_vcpu_views *v = arg;

		if (!is_zero(v, sizeof(*v)))
			return -EINVAL;
		for (i = 0; i < ARRAY_LEN(model_vcpus); i++) {
			v->present |= 1ULL << model_vcpus[i].vcpu;
			v->view[model_vcpus[i].vcpu] = model_vcpus[i].view;
		}
		return 0;
	}
	default:
		return -ENOTTY;
	}
}

static void fd_close(void *priv)
{
	((struct fdfake *)priv)->closed++;
}

static const struct altp2m__transport fd_tr = {
	.ioctl = fd_ioctl,
	.close = fd_close,
};

static struct altp2m_vm *fd_vm(struct fdfake *f)
{
	struct altp2m_vm *vm = NULL;

	if (!f->list_chunk)
		f->list_chunk = ALTP2M_MAX_VIEWS;
	if (!f->dump_chunk)
		f->dump_chunk = ALTP2M_DUMP_MAX;
	ck_assert_int_eq(altp2m__vm_open_fd_transport(&vm, &fd_tr, f, NULL, 0),
			 0);
	ck_assert_ptr_nonnull(vm);
	/* Opening asks for the VM's status: its id, and the API is ours. */
	ck_assert_int_eq(f->calls, 1);
	ck_assert_uint_eq(f->cmd, ALTP2M_GET_VM_STATUS);
	f->calls = 0;
	return vm;
}

/* ---- the fake netlink door ---- */

#define LOG_MAX	64

struct nlreq {
	uint8_t cmd;
	uint16_t flags;
	uint32_t txn_id;		/* ALTP2M_A_TXN_ID, or 0 */
	bool has_gen;			/* ALTP2M_A_GENERATION was sent */
	uint64_t gen;
	size_t nentries;		/* ENTRY or OP nests */
	uint64_t first_gfn, last_gfn;
	uint8_t first_val, last_val;
};

struct nlfake {
	int calls, closed;
	uint32_t seq;
	struct nlreq log[LOG_MAX];
	struct nlmsghdr *last;		/* a copy of the last request */
	/* An error for exchange number err_call (0: every one). */
	int err, err_call;
	const char *kmsg;
	int blame;			/* top-level type to blame, or 0 */
	int blame_entry, blame_inner;	/* or an attribute in an ENTRY */
	int blame_offs;			/* or a raw offset, if > 0 */
	int miss_type;			/* a missing attribute, or 0 */
	int miss_nest_entry;		/* in this ENTRY nest (>= 0) */
	bool uncapped;			/* echo the whole request */
	bool err_in_done;		/* a dump's error in NLMSG_DONE */
	int exchange_err;
	int intr_left;			/* dumps still to interrupt */
	bool stale_first, no_reply, bad_reply, no_done, bad_vcpu;
	unsigned int nvms, nviews, nentries;
	/* CTRL_CMD_GETFAMILY: an error, or the version it reports (0: ours) */
	int ctrl_err;
	uint32_t family_version;
	bool no_group;
	/* TXN_BEGIN's id; BATCH/TXN_COMMIT: fail at this operation (>= 0) */
	uint32_t txn_id;
	int fail_op;
	uint64_t generation;
};

static void nlfake_init(struct nlfake *f)
{
	memset(f, 0, sizeof(*f));
	f->blame_entry = -1;
	f->miss_nest_entry = -1;
	f->txn_id = 0x77;
	f->fail_op = -1;
}

static void nlfake_fini(struct nlfake *f)
{
	free(f->last);
	f->last = NULL;
}

static struct nlattr *req_attrs(struct nlmsghdr *h, int *len)
{
	struct genlmsghdr *g = nlmsg_data(h);

	*len = genlmsg_attrlen(g, 0);
	return genlmsg_attrdata(g, 0);
}

/* The offset of an attribute of @req: top-level @type, or @inner in ENTRY @entry. */
static uint32_t req_off(struct nlmsghdr *req, int type, int entry, int inner)
{
	struct nlattr *a, *in;
	int len, rem, irem, n = 0;

	nla_for_each_attr(a, req_attrs(req, &len), len, rem) {
		if (entry < 0 && nla_type(a) == type)
			return (char *)a - (char *)req;
		if (entry >= 0 && (nla_type(a) == ALTP2M_A_ENTRY ||
				   nla_type(a) == ALTP2M_A_OP) && n++ == entry) {
			if (inner < 0)
				return (char *)a - (char *)req;
			nla_for_each_nested(in, a, irem)
				if (nla_type(in) == inner)
					return (char *)in - (char *)req;
		}
	}
	ck_abort_msg("no attribute %d (entry %d, inner %d) in the request",
		     type, entry, inner);
	return 0;
}

static void log_req(struct nlfake *f, struct nlmsghdr *h)
{
	struct nlreq *r = &f->log[f->calls < LOG_MAX ? f->calls - 1 : LOG_MAX - 1];
	struct nlattr *a, *in;
	int len, rem, irem;

	memset(r, 0, sizeof(*r));
	r->cmd = ((struct genlmsghdr *)nlmsg_data(h))->cmd;
	r->flags = h->nlmsg_flags;
	nla_for_each_attr(a, req_attrs(h, &len), len, rem) {
		uint64_t gfn = ~0ULL;
		int val = -1;

		if (nla_type(a) == ALTP2M_A_TXN_ID)
			r->txn_id = nla_get_u32(a);
		if (nla_type(a) == ALTP2M_A_GENERATION) {
			r->has_gen = true;
			r->gen = nla_get_u64(a);
		}
		if (nla_type(a) == ALTP2M_A_OP) {
			nla_for_each_nested(in, a, irem) {
				if (nla_type(in) == ALTP2M_OP_A_GFN)
					gfn = nla_get_u64(in);
				else if (nla_type(in) == ALTP2M_OP_A_VALUE)
					val = nla_get_u8(in);
			}
		} else if (nla_type(a) != ALTP2M_A_ENTRY) {
			continue;
		}
		nla_for_each_nested(in, a, irem) {
			if (nla_type(a) != ALTP2M_A_ENTRY)
				break;
			if (nla_type(in) == ALTP2M_ENTRY_A_GFN)
				gfn = nla_get_u64(in);
			else
				val = nla_get_u8(in);
		}
		if (!r->nentries) {
			r->first_gfn = gfn;
			r->first_val = val;
		}
		r->last_gfn = gfn;
		r->last_val = val;
		r->nentries++;
	}
	free(f->last);
	f->last = malloc(h->nlmsg_len);
	ck_assert_ptr_nonnull(f->last);
	memcpy(f->last, h, h->nlmsg_len);
}

static void deliver(struct altp2m__nl_reply *rep, struct nl_msg *m)
{
	altp2m__nl_deliver(rep, nlmsg_hdr(m));
	nlmsg_free(m);
}

static struct nl_msg *reply_new(struct nlmsghdr *req, int flags)
{
	struct nl_msg *m = nlmsg_alloc();
	uint8_t cmd = ((struct genlmsghdr *)nlmsg_data(req))->cmd;

	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(genlmsg_put(m, 0, req->nlmsg_seq, FAMILY, 0,
					  flags, cmd, ALTP2M_GENL_VERSION));
	return m;
}

static void send_ack(struct altp2m__nl_reply *rep, struct nlmsghdr *req,
		     uint32_t seq)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlmsghdr *h;
	struct nlmsgerr *e;

	h = nlmsg_put(m, 0, seq, NLMSG_ERROR, sizeof(*e), NLM_F_CAPPED);
	e = nlmsg_data(h);
	e->error = 0;
	e->msg = *req;
	deliver(rep, m);
}

static void send_error(struct nlfake *f, struct altp2m__nl_reply *rep,
		       struct nlmsghdr *req)
{
	struct nl_msg *m = nlmsg_alloc_size(req->nlmsg_len + 1024);
	bool tlvs = f->kmsg || f->blame || f->blame_entry >= 0 ||
		    f->blame_offs || f->miss_type || f->fail_op >= 0;
	struct nlmsghdr *h;
	struct nlmsgerr *e;

	h = nlmsg_put(m, 0, req->nlmsg_seq, NLMSG_ERROR, sizeof(*e),
		      (f->uncapped ? 0 : NLM_F_CAPPED) |
		      (tlvs ? NLM_F_ACK_TLVS : 0));
	e = nlmsg_data(h);
	e->error = f->err;
	e->msg = *req;
	if (f->uncapped)
		ck_assert_int_eq(nlmsg_append(m, nlmsg_data(req),
					      nlmsg_datalen(req), NLMSG_ALIGNTO), 0);
	if (f->kmsg)
		nla_put_string(m, NLMSGERR_ATTR_MSG, f->kmsg);
	if (f->blame_offs)
		nla_put_u32(m, NLMSGERR_ATTR_OFFS, f->blame_offs);
	else if (f->blame || f->blame_entry >= 0)
		nla_put_u32(m, NLMSGERR_ATTR_OFFS,
			    req_off(req, f->blame, f->blame_entry,
				    f->blame_inner));
	if (f->fail_op >= 0) {
		uint32_t op = f->fail_op;

		nla_put(m, NLMSGERR_ATTR_COOKIE, sizeof(op), &op);
	}
	if (f->miss_type) {
		nla_put_u32(m, NLMSGERR_ATTR_MISS_TYPE, f->miss_type);
		if (f->miss_nest_entry >= 0)
			nla_put_u32(m, NLMSGERR_ATTR_MISS_NEST,
				    req_off(req, 0, f->miss_nest_entry, -1));
	}
	deliver(rep, m);
}

static void send_done(struct nlfake *f, struct altp2m__nl_reply *rep,
		      struct nlmsghdr *req, int err, int flags)
{
	struct nl_msg *m = nlmsg_alloc();
	struct nlmsghdr *h;

	h = nlmsg_put(m, 0, req->nlmsg_seq, NLMSG_DONE, sizeof(int),
		      NLM_F_MULTI | flags | (err && f->kmsg ? NLM_F_ACK_TLVS : 0));
	memcpy(nlmsg_data(h), &err, sizeof(err));
	if (err && f->kmsg)
		nla_put_string(m, NLMSGERR_ATTR_MSG, f->kmsg);
	deliver(rep, m);
}

static void put_vm(struct nl_msg *m, uint32_t id)
{
	nla_put_u32(m, ALTP2M_A_VM_ID, id);
	nla_put_u32(m, ALTP2M_A_OWNER_PID, 1000 + id);
	nla_put_u32(m, ALTP2M_A_NR_VCPUS, 2);
	nla_put_u64(m, ALTP2M_A_MEM_PAGES, 0x100000000ULL + id);
	nla_put_u8(m, ALTP2M_A_VIEWS_ENABLED, 1);
	nla_put_u32(m, ALTP2M_A_MAX_VIEWS, 10);
	nla_put_u32(m, ALTP2M_A_MODE, ALTP2M_MODE_MIXED);
	nla_put_u32(m, ALTP2M_A_NR_VIEWS, 3);
	nla_put_u64(m, ALTP2M_A_GENERATION, 0x1234567890ULL + id);
}

static void put_view(struct nl_msg *m, unsigned int i)
{
	struct altp2m_view_info v;

	model_view(i, &v);
	nla_put_u32(m, ALTP2M_A_VM_ID, VMID);
	nla_put_u32(m, ALTP2M_A_VIEW, v.view);
	nla_put_u32(m, ALTP2M_A_VCPUS_ON, v.vcpus_on);
	nla_put_u8(m, ALTP2M_A_DEFAULT_ACCESS, v.default_access);
	nla_put_u64(m, ALTP2M_A_NR_LEAVES, v.nr_leaves);
	nla_put_u64(m, ALTP2M_A_NR_PAGES, v.nr_pages);
	nla_put_u64(m, ALTP2M_A_NR_TABLES, v.nr_tables);
	nla_put_u64(m, ALTP2M_A_NR_REMAPS, v.nr_remaps);
	nla_put_u64(m, ALTP2M_A_GENERATION, 99);
}

static void put_entry(struct nl_msg *m, uint32_t view, unsigned int i)
{
	struct altp2m_view_entry e;
	struct nlattr *nest;

	model_entry(i, &e);
	nla_put_u32(m, ALTP2M_A_VM_ID, VMID);
	nla_put_u32(m, ALTP2M_A_VIEW, view);
	nla_put_u64(m, ALTP2M_A_GENERATION, 99);
	nest = nla_nest_start(m, ALTP2M_A_ENTRY);
	nla_put_u64(m, ALTP2M_ENTRY_A_GFN, e.gfn);
	nla_put_u64(m, ALTP2M_ENTRY_A_NPAGES, e.npages);
	nla_put_u64(m, ALTP2M_ENTRY_A_TARGET, e.target);
	nla_put_u8(m, ALTP2M_ENTRY_A_ACCESS, e.access);
	nla_put_u8(m, ALTP2M_ENTRY_A_SVE, e.suppress_ve);
	nla_nest_end(m, nest);
}

/* The data messages of a do-request's answer. */
static void answer_do(struct nlfake *f, struct altp2m__nl_reply *rep,
		      struct nlmsghdr *req, uint8_t cmd, uint32_t vm_id)
{
	struct nl_msg *m;
	struct nlattr *nest;
	unsigned int i;

	if (f->no_reply)
		return;
	switch (cmd) {
	case ALTP2M_CMD_GET_VM:
		m = reply_new(req, 0);
		put_vm(m, vm_id);
		break;
	case ALTP2M_CMD_CREATE_VIEW:
		m = reply_new(req, 0);
		nla_put_u32(m, ALTP2M_A_VM_ID, vm_id);
		if (f->bad_reply)
			nla_put_u8(m, ALTP2M_A_VIEW, MODEL_CREATED_VIEW);
		else
			nla_put_u32(m, ALTP2M_A_VIEW, MODEL_CREATED_VIEW);
		break;
	case ALTP2M_CMD_GET_ACCESS:
		m = reply_new(req, 0);
		nla_put_u32(m, ALTP2M_A_VM_ID, vm_id);
		nla_put_u32(m, ALTP2M_A_VIEW,
			    nla_get_u32(nlmsg_find_attr(req, GENL_HDRLEN,
							ALTP2M_A_VIEW)));
		nla_put_u64(m, ALTP2M_A_GFN,
			    nla_get_u64(nlmsg_find_attr(req, GENL_HDRLEN,
							ALTP2M_A_GFN)));
		nla_put_u8(m, ALTP2M_A_ACCESS, MODEL_ACCESS);
		nla_put_u8(m, ALTP2M_A_SVE, 1);
		break;
	case ALTP2M_CMD_GET_STATS:
		m = reply_new(req, 0);
		nla_put_u32(m, ALTP2M_A_VM_ID, vm_id);
		nest = nla_nest_start(m, ALTP2M_A_STATS);
		for (i = ALTP2M_STATS_A_NR_VCPUS; i <= ALTP2M_STATS_A_MAX; i++)
			nla_put_u64(m, i, model_stat(i));
		nla_nest_end(m, nest);
		break;
	case ALTP2M_CMD_TXN_BEGIN:
		m = reply_new(req, 0);
		nla_put_u32(m, ALTP2M_A_VM_ID, vm_id);
		nla_put_u32(m, ALTP2M_A_TXN_ID, f->txn_id);
		nla_put_u64(m, ALTP2M_A_GENERATION, f->generation);
		break;
	case ALTP2M_CMD_BATCH:
	case ALTP2M_CMD_TXN_COMMIT:
		m = reply_new(req, 0);
		nla_put_u32(m, ALTP2M_A_VM_ID, vm_id);
		nla_put_u64(m, ALTP2M_A_GENERATION, ++f->generation);
		break;
	case ALTP2M_CMD_GET_VCPU_VIEWS:
		m = reply_new(req, 0);
		nla_put_u32(m, ALTP2M_A_VM_ID, vm_id);
		for (i = 0; i < ARRAY_LEN(model_vcpus); i++) {
			nest = nla_nest_start(m, ALTP2M_A_VCPU_VIEW);
			nla_put_u32(m, ALTP2M_VCPU_VIEW_A_VCPU,
				    f->bad_vcpu ? 64 : model_vcpus[i].vcpu);
			nla_put_u32(m, ALTP2M_VCPU_VIEW_A_VIEW,
				    model_vcpus[i].view);
			nla_nest_end(m, nest);
		}
		break;
	default:
		return;		/* the others answer with the ack alone */
	}
	deliver(rep, m);
}

static void answer_dump(struct nlfake *f, struct altp2m__nl_reply *rep,
			struct nlmsghdr *req, uint8_t cmd)
{
	int flags = NLM_F_MULTI, intr = 0;
	unsigned int i, n;
	struct nl_msg *m;
	uint32_t view = 0;

	if (f->intr_left > 0) {
		f->intr_left--;
		intr = NLM_F_DUMP_INTR;
	}
	n = cmd == ALTP2M_CMD_GET_VM ? f->nvms :
	    cmd == ALTP2M_CMD_GET_VIEW ? f->nviews : f->nentries;
	if (cmd == ALTP2M_CMD_DUMP_VIEW)
		view = nla_get_u32(nlmsg_find_attr(req, GENL_HDRLEN,
						   ALTP2M_A_VIEW));
	for (i = 0; i < n; i++) {
		/* The change shows from the second message on. */
		m = reply_new(req, flags | (i ? intr : 0));
		if (cmd == ALTP2M_CMD_GET_VM)
			put_vm(m, i + 1);
		else if (cmd == ALTP2M_CMD_GET_VIEW)
			put_view(m, i);
		else
			put_entry(m, view, i);
		deliver(rep, m);
	}
	if (f->no_done)
		return;
	send_done(f, rep, req, f->err_in_done ? f->err : 0, n < 2 ? intr : 0);
}

/* The controller's answer to CTRL_CMD_GETFAMILY "altp2m". */
static void answer_ctrl(struct nlfake *f, struct altp2m__nl_reply *rep,
			struct nlmsghdr *req)
{
	struct nlattr *name, *grps, *grp;
	struct nl_msg *m;

	name = nlmsg_find_attr(req, GENL_HDRLEN, CTRL_ATTR_FAMILY_NAME);
	ck_assert_ptr_nonnull(name);
	ck_assert_str_eq(nla_get_string(name), ALTP2M_GENL_NAME);
	if (f->ctrl_err) {
		struct nl_msg *e = nlmsg_alloc();
		struct nlmsgerr *err;
		struct nlmsghdr *h;

		h = nlmsg_put(e, 0, req->nlmsg_seq, NLMSG_ERROR, sizeof(*err),
			      NLM_F_CAPPED);
		err = nlmsg_data(h);
		err->error = f->ctrl_err;
		err->msg = *req;
		deliver(rep, e);
		return;
	}
	m = nlmsg_alloc();
	ck_assert_ptr_nonnull(genlmsg_put(m, 0, req->nlmsg_seq, GENL_ID_CTRL,
					  0, 0, CTRL_CMD_NEWFAMILY, 2));
	nla_put_string(m, CTRL_ATTR_FAMILY_NAME, ALTP2M_GENL_NAME);
	nla_put_u16(m, CTRL_ATTR_FAMILY_ID, FAMILY);
	nla_put_u32(m, CTRL_ATTR_VERSION, f->family_version ?: ALTP2M_GENL_VERSION);
	if (!f->no_group) {
		grps = nla_nest_start(m, CTRL_ATTR_MCAST_GROUPS);
		grp = nla_nest_start(m, 1);
		nla_put_string(m, CTRL_ATTR_MCAST_GRP_NAME, "other");
		nla_put_u32(m, CTRL_ATTR_MCAST_GRP_ID, 11);
		nla_nest_end(m, grp);
		grp = nla_nest_start(m, 2);
		nla_put_string(m, CTRL_ATTR_MCAST_GRP_NAME,
			       ALTP2M_GENL_MCGRP_EVENTS);
		nla_put_u32(m, CTRL_ATTR_MCAST_GRP_ID, 12);
		nla_nest_end(m, grp);
		nla_nest_end(m, grps);
	}
	deliver(rep, m);
	send_ack(rep, req, req->nlmsg_seq);
}

static int nlf_exchange(void *priv, struct nl_msg *msg,
			struct altp2m__nl_reply *rep)
{
	struct nlfake *f = priv;
	struct nlmsghdr *req = nlmsg_hdr(msg);
	struct genlmsghdr *g = nlmsg_data(req);
	struct nlattr *id;
	bool dump, fail;

	f->calls++;
	/* What the socket does: a port and a sequence number. */
	ck_assert_uint_eq(req->nlmsg_seq, NL_AUTO_SEQ);
	req->nlmsg_seq = ++f->seq;
	ck_assert_ptr_eq(rep->req, msg);
	if (req->nlmsg_type == GENL_ID_CTRL) {
		ck_assert_uint_eq(g->cmd, CTRL_CMD_GETFAMILY);
		ck_assert_uint_eq(req->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
		answer_ctrl(f, rep, req);
		return 0;
	}
	ck_assert_uint_eq(req->nlmsg_type, FAMILY);
	ck_assert_uint_eq(g->version, ALTP2M_GENL_VERSION);
	ck_assert(req->nlmsg_flags & NLM_F_REQUEST);
	log_req(f, req);
	/* A transaction's requests name the transaction TXN_BEGIN gave. */
	if (g->cmd == ALTP2M_CMD_TXN_STAGE || g->cmd == ALTP2M_CMD_TXN_COMMIT ||
	    g->cmd == ALTP2M_CMD_TXN_ABORT)
		ck_assert_uint_eq(f->log[(f->calls < LOG_MAX ? f->calls : LOG_MAX) - 1].txn_id,
				  f->txn_id);
	if (f->exchange_err && (!f->err_call || f->err_call == f->calls))
		return f->exchange_err;
	if (f->stale_first)
		send_ack(rep, req, req->nlmsg_seq - 1);
	dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	/* A do-request asks for an ack; a dump does not. */
	ck_assert_int_eq(!!(req->nlmsg_flags & NLM_F_ACK), !dump);
	fail = f->err && (!f->err_call || f->err_call == f->calls);
	if (fail && !(dump && f->err_in_done)) {
		send_error(f, rep, req);
		return 0;
	}
	if (dump) {
		answer_dump(f, rep, req, g->cmd);
		return 0;
	}
	id = nlmsg_find_attr(req, GENL_HDRLEN, ALTP2M_A_VM_ID);
	answer_do(f, rep, req, g->cmd, id ? nla_get_u32(id) : 0);
	if (!f->no_done)
		send_ack(rep, req, req->nlmsg_seq);
	return 0;
}

static void nlf_close(void *priv)
{
	((struct nlfake *)priv)->closed++;
}

static const struct altp2m__nl_transport nl_tr = {
	.exchange = nlf_exchange,
	.close = nlf_close,
};

/* A connection over the fake; its family lookup is forgotten. */
static struct altp2m_conn *nl_conn(struct nlfake *f)
{
	struct altp2m_conn *conn = NULL;
	char err[ALTP2M_ERRMSG_LEN] = "";

	ck_assert_int_eq(altp2m__conn_open_transport(&conn, &nl_tr, f, NULL,
						     err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(conn);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(f->calls, 1);
	ck_assert_int_eq(conn->family, FAMILY);
	f->calls = 0;
	return conn;
}

/*
 * A netlink handle, which keeps the connection for itself; the family
 * lookup and the GET_VM of attaching are forgotten.
 */
static struct altp2m_vm *nl_vm(struct nlfake *f)
{
	struct altp2m_conn *conn = nl_conn(f);
	struct altp2m_vm *vm = NULL;

	ck_assert_int_eq(altp2m_vm_attach(conn, VMID, &vm), 0);
	ck_assert_ptr_nonnull(vm);
	ck_assert_str_eq(altp2m_conn_errmsg(conn), "");
	altp2m_conn_close(conn);
	ck_assert_int_eq(f->closed, 0);
	ck_assert_int_eq(f->calls, 1);
	f->calls = 0;
	return vm;
}

/* ---- decoding what the library sent ---- */

static uint8_t req_cmd(struct nlmsghdr *h)
{
	return ((struct genlmsghdr *)nlmsg_data(h))->cmd;
}

/* The request's top-level attribute types are exactly @types, in order. */
static void expect_attrs(struct nlmsghdr *h, const int *types, int n)
{
	struct nlattr *a;
	int len, rem, i = 0;

	nla_for_each_attr(a, req_attrs(h, &len), len, rem) {
		ck_assert_int_lt(i, n);
		ck_assert_int_eq(nla_type(a), types[i]);
		i++;
	}
	ck_assert_int_eq(rem, 0);
	ck_assert_int_eq(i, n);
}

#define EXPECT_ATTRS(h, ...)						\
	do {								\
		static const int t_[] = { __VA_ARGS__ };		\
		expect_attrs(h, t_, ARRAY_LEN(t_));			\
	} while (0)

static struct nlattr *attr_of(struct nlmsghdr *h, int type, int len)
{
	struct nlattr *a = nlmsg_find_attr(h, GENL_HDRLEN, type);

	ck_assert_msg(a != NULL, "attribute %d missing", type);
	ck_assert_int_eq(nla_len(a), len);
	return a;
}

static uint64_t a64(struct nlmsghdr *h, int type)
{
	return nla_get_u64(attr_of(h, type, 8));
}

static uint32_t a32(struct nlmsghdr *h, int type)
{
	return nla_get_u32(attr_of(h, type, 4));
}

static uint8_t a8(struct nlmsghdr *h, int type)
{
	return nla_get_u8(attr_of(h, type, 1));
}

/* ---- checks shared by both doors ---- */

static void check_views(const struct altp2m_view_info *v, size_t nr,
			unsigned int want)
{
	struct altp2m_view_info m;
	unsigned int i;

	ck_assert_uint_eq(nr, want);
	if (!want)
		ck_assert_ptr_null(v);
	for (i = 0; i < want; i++) {
		model_view(i, &m);
		ck_assert_mem_eq(&v[i], &m, sizeof(m));
	}
}

static void check_entries(const struct altp2m_view_entry *e, size_t nr,
			  unsigned int want)
{
	struct altp2m_view_entry m;
	unsigned int i;

	ck_assert_uint_eq(nr, want);
	if (!want)
		ck_assert_ptr_null(e);
	for (i = 0; i < want; i++) {
		model_entry(i, &m);
		ck_assert_mem_eq(&e[i], &m, sizeof(m));
	}
}

static void check_vcpu_views(const struct altp2m_vcpu_views *v)
{
	struct altp2m_vcpu_views want = { 0 };
	unsigned int i;

	for (i = 0; i < ARRAY_LEN(model_vcpus); i++) {
		want.present |= 1ULL << model_vcpus[i].vcpu;
		want.view[model_vcpus[i].vcpu] = model_vcpus[i].view;
	}
	ck_assert_uint_eq(v->present, 0x8000000000000009ULL);
	ck_assert_mem_eq(v, &want, sizeof(want));
}

static void check_stats(const struct altp2m_vm_stats *st)
{
	struct altp2m_vm_stats want = { 0 };

	model_stats(&want);
	ck_assert_uint_eq(st->ept_maps_4k, 5007);
	ck_assert_mem_eq(st, &want, sizeof(want));
}

/* The same calls and answers through either door. */
static void common_calls(struct altp2m_vm *vm, unsigned int nviews,
			 unsigned int nentries)
{
	struct altp2m_view_entry *e = (void *)1;
	struct altp2m_view_info *v = (void *)1;
	struct altp2m_vcpu_views vv;
	struct altp2m_vm_stats st;
	unsigned int access = 0;
	uint32_t view = 0;
	bool sve = false;
	size_t nr = 99;

	ck_assert_uint_eq(altp2m_vm_id(vm), VMID);
	ck_assert_int_eq(altp2m_vm_views_enable(vm, 10, ALTP2M_MODE_MIXED), 0);
	ck_assert_int_eq(altp2m_vm_view_create(vm, ALTP2M_ACCESS_RX, &view), 0);
	ck_assert_uint_eq(view, MODEL_CREATED_VIEW);
	ck_assert_int_eq(altp2m_vm_get_access(vm, 1, 0x42, &access, &sve), 0);
	ck_assert_uint_eq(access, MODEL_ACCESS);
	ck_assert(sve);
	memset(&vv, 0xaa, sizeof(vv));
	ck_assert_int_eq(altp2m_vm_vcpu_views(vm, &vv), 0);
	check_vcpu_views(&vv);
	memset(&st, 0xaa, sizeof(st));
	ck_assert_int_eq(altp2m_vm_stats(vm, &st), 0);
	check_stats(&st);
	ck_assert_int_eq(altp2m_vm_list_views(vm, &v, &nr), 0);
	check_views(v, nr, nviews);
	free(v);
	ck_assert_int_eq(altp2m_vm_dump_view(vm, 1, &e, &nr), 0);
	check_entries(e, nr, nentries);
	free(e);
}

/* ---- both doors ---- */

START_TEST(doors_agree)
{
	struct altp2m_vm *vm;
	struct fdfake f = { .nviews = 7, .nentries = 40, .max_views = 10 };
	struct nlfake n;

	vm = fd_vm(&f);
	ck_assert_int_eq(altp2m_vm_transport(vm), ALTP2M_TRANSPORT_FD);
	common_calls(vm, 7, 40);
	altp2m_vm_close(vm);
	ck_assert_int_eq(f.closed, 1);

	nlfake_init(&n);
	n.nviews = 7;
	n.nentries = 40;
	vm = nl_vm(&n);
	ck_assert_int_eq(altp2m_vm_transport(vm), ALTP2M_TRANSPORT_NETLINK);
	common_calls(vm, 7, 40);
	altp2m_vm_close(vm);
	ck_assert_int_eq(n.closed, 1);
	nlfake_fini(&n);
	altp2m_vm_close(NULL);
}
END_TEST

START_TEST(doors_agree_empty)
{
	struct altp2m_vm *vm;
	struct fdfake f = { .max_views = 10 };
	struct nlfake n;

	vm = fd_vm(&f);
	common_calls(vm, 0, 0);
	altp2m_vm_close(vm);
	nlfake_init(&n);
	vm = nl_vm(&n);
	common_calls(vm, 0, 0);
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

/*
 * Bad arguments are refused before anything is sent, the same way by both
 * doors. @calls is the door's count of transport calls.
 */
static void bad_args(struct altp2m_vm *vm, const int *calls)
{
	static const uint64_t gfns[2] = { 1, 2 };
	static const uint8_t bad_access[2] = { 1, 11 };
	static const uint8_t bad_sve[2] = { 0, 2 };
	struct altp2m_view_entry *e;
	struct altp2m_view_info *v;
	unsigned int access;
	uint32_t view;
	size_t nr;
	bool sve;

	ck_assert_int_eq(altp2m_vm_views_enable(vm, ALTP2M_MAX_VIEWS + 1, 0), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "enable views: Invalid argument (max_views 513 is above 512)");
	ck_assert_int_eq(altp2m_vm_views_enable(vm, 0, ALTP2M_MODE_LIMITED + 1),
			 -EINVAL);
	ck_assert_int_eq(altp2m_vm_view_create(vm, ALTP2M_ACCESS_DEFAULT + 1, &view),
			 -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "create view: Invalid argument (access 11 is not an ALTP2M_ACCESS_* code)");
	ck_assert_int_eq(altp2m_vm_view_create(vm, 0, NULL), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "create view: Invalid argument (NULL result pointer)");
	ck_assert_int_eq(altp2m_vm_view_destroy(vm, ALTP2M_MAX_VIEWS), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "destroy view 512: Invalid argument (view 512 is beyond the last possible, 511)");
	ck_assert_int_eq(altp2m_vm_view_switch(vm, ALTP2M_MAX_VIEWS, -1), -EINVAL);
	ck_assert_int_eq(altp2m_vm_view_switch(vm, 1, ALTP2M_MAX_VCPUS), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "switch vCPU 64 to view 1: Invalid argument (vCPU 64 is beyond the last possible, 63)");
	ck_assert_int_eq(altp2m_vm_view_set_visible(vm, 1, 64, true), -EINVAL);
	ck_assert_int_eq(altp2m_vm_view_set_visible(vm, 600, -1, false), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "hide view 600: Invalid argument (view 600 is beyond the last possible, 511)");
	ck_assert_int_eq(altp2m_vm_set_access(vm, 1, 0, 0, 0), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access in view 1, gfn 0x0, 0 pages: Invalid argument (npages is 0)");
	ck_assert_int_eq(altp2m_vm_set_access(vm, 1, 0, 1, ALTP2M_ACCESS_DEFAULT + 1),
			 -EINVAL);
	ck_assert_int_eq(altp2m_vm_set_access(vm, 512, 0, 1, 0), -EINVAL);
	ck_assert_int_eq(altp2m_vm_set_sve(vm, 1, 0, 0, true), -EINVAL);
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 1, gfns, bad_access, 0), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list in view 1: Invalid argument (0 entries: a list has 1 to 1048576)");
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 1, gfns, bad_access,
						   ALTP2M_GFN_LIST_MAX + 1), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list in view 1: Invalid argument (1048577 entries: a list has 1 to 1048576)");
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 1, gfns, bad_access, 2),
			 -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list in view 1: Invalid argument (entry 1: value 11 is above 10)");
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 1, NULL, bad_access, 1),
			 -EINVAL);
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 1, gfns, NULL, 1), -EINVAL);
	ck_assert_int_eq(altp2m_vm_set_sve_list(vm, 1, gfns, bad_sve, 2), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set suppress-#VE list in view 1: Invalid argument (entry 1: value 2 is above 1)");
	ck_assert_int_eq(altp2m_vm_set_sve_list(vm, 513, gfns, bad_sve, 1), -EINVAL);
	ck_assert_int_eq(altp2m_vm_get_access(vm, 512, 0, &access, &sve), -EINVAL);
	ck_assert_int_eq(altp2m_vm_remap(vm, 512, 1, 2), -EINVAL);
	ck_assert_int_eq(altp2m_vm_revert(vm, 512, 1), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "revert in view 512, gfn 0x1: Invalid argument (view 512 is beyond the last possible, 511)");
	ck_assert_int_eq(altp2m_vm_list_views(vm, NULL, &nr), -EINVAL);
	ck_assert_int_eq(altp2m_vm_list_views(vm, &v, NULL), -EINVAL);
	ck_assert_int_eq(altp2m_vm_dump_view(vm, 1, &e, NULL), -EINVAL);
	ck_assert_int_eq(altp2m_vm_dump_view(vm, 1, NULL, &nr), -EINVAL);
	ck_assert_int_eq(altp2m_vm_dump_view(vm, 512, &e, &nr), -EINVAL);
	ck_assert_int_eq(altp2m_vm_stats(vm, NULL), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "get VM stats: Invalid argument (NULL result pointer)");
	ck_assert_int_eq(altp2m_vm_vcpu_views(vm, NULL), -EINVAL);
	ck_assert_int_eq(altp2m_vm_get_info(vm, NULL), -EINVAL);
	ck_assert_int_eq(*calls, 0);
}

START_TEST(bad_args_fd)
{
	struct fdfake f = { 0 };
	struct altp2m_vm *vm = fd_vm(&f);

	bad_args(vm, &f.calls);
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(bad_args_netlink)
{
	struct altp2m_vm *vm;
	struct nlfake n;

	nlfake_init(&n);
	vm = nl_vm(&n);
	bad_args(vm, &n.calls);
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

/* ---- the fd door ---- */

START_TEST(fd_views)
{
	struct fdfake f = { 0 };
	struct altp2m_vm *vm = fd_vm(&f);
	uint32_t view = 0;

	memset(&f.enable, 0xff, sizeof(f.enable));
	ck_assert_int_eq(altp2m_vm_views_enable(vm, 12, ALTP2M_MODE_LIMITED), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_VIEWS_ENABLE);
	ck_assert_uint_eq(f.enable.flags, 0);
	ck_assert_uint_eq(f.enable.max_views, 12);
	ck_assert_uint_eq(f.enable.mode, ALTP2M_MODE_LIMITED);
	ck_assert_uint_eq(f.enable.pad, 0);
	ck_assert(is_zero(f.enable.reserved, sizeof(f.enable.reserved)));

	f.disable_arg = &f;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_VIEWS_DISABLE);
	ck_assert_ptr_null(f.disable_arg);	/* the argument must be 0 */

	ck_assert_int_eq(altp2m_vm_view_create(vm, ALTP2M_ACCESS_DEFAULT, &view), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_CREATE_VIEW);
	ck_assert_uint_eq(f.create.flags, 0);
	ck_assert_uint_eq(f.create.default_access, ALTP2M_ACCESS_DEFAULT);
	ck_assert_uint_eq(f.create.view, 0);
	ck_assert(is_zero(f.create.reserved, sizeof(f.create.reserved)));
	ck_assert_uint_eq(view, MODEL_CREATED_VIEW);

	ck_assert_int_eq(altp2m_vm_view_destroy(vm, 511), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_DESTROY_VIEW);
	ck_assert_uint_eq(f.destroy.flags, 0);
	ck_assert_uint_eq(f.destroy.view, 511);
	ck_assert(is_zero(f.destroy.reserved, sizeof(f.destroy.reserved)));
	ck_assert_int_eq(f.calls, 4);
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(fd_switch_and_visibility)
{
	struct fdfake f = { 0 };
	struct altp2m_vm *vm = fd_vm(&f);

	ck_assert_int_eq(altp2m_vm_view_switch(vm, 3, -1), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SWITCH_VIEW);
	ck_assert_uint_eq(f.sw.flags, 0);
	ck_assert_uint_eq(f.sw.view, 3);
	ck_assert_uint_eq(f.sw.vcpu_id, 0);
	ck_assert_uint_eq(f.sw.pad, 0);
	ck_assert(is_zero(f.sw.reserved, sizeof(f.sw.reserved)));
	ck_assert_int_eq(altp2m_vm_view_switch(vm, 2, 63), 0);
	ck_assert_uint_eq(f.sw.flags, ALTP2M_SWITCH_ONE_VCPU);
	ck_assert_uint_eq(f.sw.view, 2);
	ck_assert_uint_eq(f.sw.vcpu_id, 63);

	ck_assert_int_eq(altp2m_vm_view_set_visible(vm, 4, -1, false), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SET_VIEW_VISIBILITY);
	ck_assert_uint_eq(f.vis.flags, 0);
	ck_assert_uint_eq(f.vis.view, 4);
	ck_assert_uint_eq(f.vis.vcpu_id, 0);
	ck_assert_uint_eq(f.vis.visible, 0);
	ck_assert(is_zero(f.vis.pad, sizeof(f.vis.pad)));
	ck_assert(is_zero(f.vis.reserved, sizeof(f.vis.reserved)));
	ck_assert_int_eq(altp2m_vm_view_set_visible(vm, 5, 7, true), 0);
	ck_assert_uint_eq(f.vis.flags, ALTP2M_VISIBILITY_ONE_VCPU);
	ck_assert_uint_eq(f.vis.view, 5);
	ck_assert_uint_eq(f.vis.vcpu_id, 7);
	ck_assert_uint_eq(f.vis.visible, 1);
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(fd_gfns)
{
	static const uint64_t gfns[3] = { 7, 0x123456789ULL, 9 };
	static const uint8_t acc[3] = { 0, 10, 5 };
	struct fdfake f = { .max_views = 10 };
	struct altp2m_vm *vm = fd_vm(&f);
	unsigned int access = 0;
	bool sve = false;

	ck_assert_int_eq(altp2m_vm_set_access(vm, 2, 0x987654321ULL, 0x200, 5), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SET_MEM_ACCESS);
	ck_assert_uint_eq(f.set.flags, 0);
	ck_assert_uint_eq(f.set.view, 2);
	ck_assert_uint_eq(f.set.gfn, 0x987654321ULL);
	ck_assert_uint_eq(f.set.npages, 0x200);
	ck_assert_uint_eq(f.set.value, 5);
	ck_assert_uint_eq(f.set.gfns, 0);
	ck_assert_uint_eq(f.set.values, 0);
	ck_assert(is_zero(f.set.pad, sizeof(f.set.pad)));
	ck_assert(is_zero(f.set.reserved, sizeof(f.set.reserved)));

	ck_assert_int_eq(altp2m_vm_set_sve(vm, 0, 4, 1, true), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SET_SUPPRESS_VE);
	ck_assert_uint_eq(f.set.value, 1);
	ck_assert_uint_eq(f.set.view, 0);

	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 6, gfns, acc, 3), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SET_MEM_ACCESS);
	ck_assert_uint_eq(f.set.flags, ALTP2M_GFN_SET_LIST);
	ck_assert_uint_eq(f.set.view, 6);
	ck_assert_uint_eq(f.set.npages, 3);
	ck_assert_uint_eq(f.set.gfns, (uintptr_t)gfns);
	ck_assert_uint_eq(f.set.values, (uintptr_t)acc);
	ck_assert_uint_eq(f.set.gfn, 0);
	ck_assert_uint_eq(f.set.value, 0);
	ck_assert_int_eq(altp2m_vm_set_sve_list(vm, 6, gfns, (const uint8_t[]){ 1, 0, 1 },
						3), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SET_SUPPRESS_VE);
	ck_assert_uint_eq(f.set.flags, ALTP2M_GFN_SET_LIST);

	ck_assert_int_eq(altp2m_vm_get_access(vm, 2, 0x55, &access, &sve), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_GET_MEM_ACCESS);
	ck_assert_uint_eq(f.get.view, 2);
	ck_assert_uint_eq(f.get.gfn, 0x55);
	ck_assert_uint_eq(f.get.flags, 0);
	ck_assert_uint_eq(access, MODEL_ACCESS);
	ck_assert(sve);
	/* Either result may be left out. */
	ck_assert_int_eq(altp2m_vm_get_access(vm, 2, 0x55, NULL, &sve), 0);
	ck_assert_int_eq(altp2m_vm_get_access(vm, 2, 0x55, &access, NULL), 0);

	ck_assert_int_eq(altp2m_vm_remap(vm, 1, 0x10, 0x20), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_REMAP_GFN);
	ck_assert_uint_eq(f.remap.flags, 0);
	ck_assert_uint_eq(f.remap.view, 1);
	ck_assert_uint_eq(f.remap.gfn, 0x10);
	ck_assert_uint_eq(f.remap.target, 0x20);
	ck_assert(is_zero(f.remap.reserved, sizeof(f.remap.reserved)));
	ck_assert_int_eq(altp2m_vm_revert(vm, 1, 0x11), 0);
	ck_assert_uint_eq(f.remap.gfn, 0x11);
	ck_assert_uint_eq(f.remap.target, ALTP2M_GFN_INVALID);
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(fd_list_at_the_limit)
{
	struct fdfake f = { 0 };
	struct altp2m_vm *vm = fd_vm(&f);
	uint64_t *gfns = calloc(ALTP2M_GFN_LIST_MAX, sizeof(*gfns));
	uint8_t *vals = calloc(ALTP2M_GFN_LIST_MAX, 1);

	/* Through the fd a list is one call, however long. */
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 1, gfns, vals,
						   ALTP2M_GFN_LIST_MAX), 0);
	ck_assert_int_eq(f.calls, 1);
	ck_assert_uint_eq(f.set.npages, ALTP2M_GFN_LIST_MAX);
	free(gfns);
	free(vals);
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(fd_list_views_cursor)
{
	struct fdfake f = { .nviews = 7, .list_chunk = 3 };
	struct altp2m_vm *vm = fd_vm(&f);
	struct altp2m_view_info *v = NULL;
	size_t nr = 0;

	ck_assert_int_eq(altp2m_vm_list_views(vm, &v, &nr), 0);
	check_views(v, nr, 7);
	free(v);
	/* Views 0 2 4 | 6 8 10 | 12: three calls from the cursor. */
	ck_assert_int_eq(f.nlists, 3);
	ck_assert_uint_eq(f.list_cursors[0], 0);
	ck_assert_uint_eq(f.list_cursors[1], 5);
	ck_assert_uint_eq(f.list_cursors[2], 11);
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(fd_dump_view_cursor)
{
	struct fdfake f = { .nentries = 10000 };
	struct altp2m_vm *vm = fd_vm(&f);
	struct altp2m_view_entry *e = NULL;
	size_t nr = 0;

	ck_assert_int_eq(altp2m_vm_dump_view(vm, 3, &e, &nr), 0);
	check_entries(e, nr, 10000);
	free(e);
	ck_assert_int_eq(f.ndumps, 3);
	ck_assert_uint_eq(f.dump_cursors[0], 0);
	ck_assert_uint_eq(f.dump_cursors[1], 4095 * 16 + 1);
	ck_assert_uint_eq(f.dump_cursors[2], 8191 * 16 + 1);
	ck_assert_uint_eq(f.dump_nr[0], ALTP2M_DUMP_MAX);
	ck_assert_uint_eq(f.dump_nr[2], ALTP2M_DUMP_MAX);

	/* Smaller chunks than asked for: the cursor still leads. */
	f.ndumps = 0;
	f.dump_chunk = 7;
	f.nentries = 20;
	ck_assert_int_eq(altp2m_vm_dump_view(vm, 3, &e, &nr), 0);
	check_entries(e, nr, 20);
	free(e);
	ck_assert_int_eq(f.ndumps, 3);
	ck_assert_uint_eq(f.dump_cursors[1], 6 * 16 + 1);
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(fd_dump_must_progress)
{
	struct fdfake f = { .nentries = 10, .dump_stuck = true };
	struct altp2m_vm *vm = fd_vm(&f);
	struct altp2m_view_entry *e = (void *)1;
	size_t nr = 5;

	ck_assert_int_eq(altp2m_vm_dump_view(vm, 3, &e, &nr), -EPROTO);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(nr, 0);
	ck_assert_int_eq(f.ndumps, 1);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "dump view 3: Protocol error (the module's dump does not go on: cursor 0x0, 0 entries)");
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(fd_errors)
{
	struct fdfake f = { .nviews = 7, .list_chunk = 3, .nentries = 10000 };
	struct altp2m_vm *vm = fd_vm(&f);
	struct altp2m_view_entry *e = (void *)1;
	struct altp2m_view_info *v = (void *)1;
	size_t nr = 5;

	f.fail_cmd = ALTP2M_SET_MEM_ACCESS;
	f.fail_err = -ESRCH;
	ck_assert_int_eq(altp2m_vm_set_access(vm, 1, 0x10, 1, 0), -ESRCH);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access in view 1, gfn 0x10, 1 pages: No such process");
	/* A later success leaves no message behind. */
	ck_assert_int_eq(altp2m_vm_views_disable(vm), 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "");

	f.fail_cmd = ALTP2M_VIEWS_DISABLE;
	f.fail_err = -EIO;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), -EIO);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "disable views: Input/output error (only the process that created the VM may use its fd)");

	/* A failure in the second chunk frees the first. */
	f.fail_cmd = ALTP2M_LIST_VIEWS;
	f.fail_err = -ENOMEM;
	f.fail_after = 1;
	f.fail_seen = 0;
	ck_assert_int_eq(altp2m_vm_list_views(vm, &v, &nr), -ENOMEM);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(nr, 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "list views: Cannot allocate memory");

	f.fail_cmd = ALTP2M_DUMP_VIEW;
	f.fail_err = -ENOENT;
	f.fail_after = 2;
	f.fail_seen = 0;
	nr = 5;
	ck_assert_int_eq(altp2m_vm_dump_view(vm, 9, &e, &nr), -ENOENT);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(nr, 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "dump view 9: No such file or directory");

	f.fail_cmd = ALTP2M_CREATE_VIEW;
	f.fail_err = -ENOSPC;
	f.fail_after = 0;
	f.fail_seen = 0;
	ck_assert_int_eq(altp2m_vm_view_create(vm, 0, &(uint32_t){ 0 }), -ENOSPC);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "create view: No space left on device");
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(fd_get_info)
{
	static const unsigned int maxes[] = { 0, 1, 10, 512 };
	struct altp2m_vm_info info;
	struct altp2m_vm *vm;
	int i;

	for (i = 0; i < ARRAY_LEN(maxes); i++) {
		struct fdfake f = {
			.max_views = maxes[i], .mode = ALTP2M_MODE_LIMITED,
			.generation = 0x123456789aULL + i,
		};

		vm = fd_vm(&f);
		memset(&info, 0xaa, sizeof(info));
		ck_assert_int_eq(altp2m_vm_get_info(vm, &info), 0);
		/* One ALTP2M_GET_VM_STATUS: nothing is guessed any more. */
		ck_assert_int_eq(f.calls, 1);
		ck_assert_uint_eq(f.cmd, ALTP2M_GET_VM_STATUS);
		ck_assert_uint_eq(info.vm_id, VMID);
		ck_assert_uint_eq(info.owner_pid, getpid());
		ck_assert_uint_eq(info.nr_vcpus, model_stat(ALTP2M_STATS_A_NR_VCPUS));
		ck_assert_uint_eq(info.mem_pages, model_stat(ALTP2M_STATS_A_MEM_PAGES));
		ck_assert_uint_eq(info.nr_views, model_stat(ALTP2M_STATS_A_NR_VIEWS));
		ck_assert_uint_eq(info.views_enabled, maxes[i] != 0);
		ck_assert_uint_eq(info.max_views, maxes[i]);
		ck_assert_uint_eq(info.mode, ALTP2M_MODE_LIMITED);
		ck_assert_uint_eq(info.generation, 0x123456789aULL + i);
		ck_assert_uint_eq(info.pad, 0);
		ck_assert(is_zero(info.reserved, sizeof(info.reserved)));
		altp2m_vm_close(vm);
		ck_assert_int_eq(f.closed, 1);
	}
}
END_TEST

START_TEST(fd_get_info_errors)
{
	struct fdfake f = { .max_views = 10 };
	struct altp2m_vm_info info;
	struct altp2m_vm *vm = fd_vm(&f);

	f.fail_cmd = ALTP2M_GET_VM_STATUS;
	f.fail_err = -EIO;
	ck_assert_int_eq(altp2m_vm_get_info(vm, &info), -EIO);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "get VM info: Input/output error (only the process that created the VM may use its fd)");
	f.fail_err = -EFAULT;
	ck_assert_int_eq(altp2m_vm_get_info(vm, &info), -EFAULT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "get VM info: Bad address");
	altp2m_vm_close(vm);
}
END_TEST

/* A module of another API does not know ALTP2M_GET_VM_STATUS. */
START_TEST(fd_open_checks_api)
{
	struct fdfake f = {
		.fail_cmd = ALTP2M_GET_VM_STATUS, .fail_err = -ENOTTY,
	};
	struct altp2m_vm *vm = (void *)1;
	char err[ALTP2M_ERRMSG_LEN] = "";

	ck_assert_int_eq(altp2m__vm_open_fd_transport(&vm, &fd_tr, &f, err,
						      sizeof(err)), -EPROTO);
	ck_assert_ptr_null(vm);
	ck_assert_int_eq(f.closed, 1);
	ck_assert_str_eq(err, "open VM fd: Protocol error (the module does not know ALTP2M_GET_VM_STATUS: it speaks another API than this library's (1))");

	f.fail_err = -EIO;
	f.fail_seen = 0;
	f.closed = 0;
	ck_assert_int_eq(altp2m__vm_open_fd_transport(&vm, &fd_tr, &f, NULL, 0),
			 -EIO);
	ck_assert_int_eq(f.closed, 1);
}
END_TEST

/*
 * The fd door's real transport works on a duplicate: what the caller does
 * with its own fd number afterwards cannot reach the handle, and closing
 * the handle closes only the duplicate.
 */
static int dup_seen_fd = -1, dup_calls;
static struct fdfake *dup_fake;

static int dup_ioctl(int fd, unsigned long cmd, void *arg)
{
	int ret;

	dup_calls++;
	dup_seen_fd = fd;
	/* A live fd, close-on-exec. */
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	ret = fd_ioctl(dup_fake, cmd, arg);
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

START_TEST(fd_from_fd_dups)
{
	struct fdfake f = { .max_views = 4 };
	struct altp2m_vm_info info;
	struct altp2m_vm *vm = NULL;
	char err[ALTP2M_ERRMSG_LEN] = "";
	int p[2], mine;

	dup_fake = &f;
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(altp2m__vm_from_fd_with(&vm, p[0], dup_ioctl, err,
						 sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(altp2m_vm_id(vm), VMID);
	mine = dup_seen_fd;
	ck_assert_int_ne(mine, p[0]);
	ck_assert_int_ne(mine, p[1]);
	/* The caller closes its fd; the handle goes on. */
	close(p[0]);
	ck_assert_int_eq(altp2m_vm_get_info(vm, &info), 0);
	ck_assert_int_eq(dup_seen_fd, mine);
	ck_assert_uint_eq(info.max_views, 4);
	ck_assert_int_eq(fcntl(mine, F_GETFD), FD_CLOEXEC);
	altp2m_vm_close(vm);
	ck_assert_int_eq(fcntl(mine, F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);
	/* A failed open closes its duplicate too. */
	f.fail_cmd = ALTP2M_GET_VM_STATUS;
	f.fail_err = -ENOTTY;
	dup_calls = 0;
	ck_assert_int_eq(altp2m__vm_from_fd_with(&vm, p[1], dup_ioctl, NULL, 0),
			 -EPROTO);
	ck_assert_int_eq(dup_calls, 1);
	ck_assert_int_eq(fcntl(dup_seen_fd, F_GETFD), -1);
	ck_assert_int_ne(fcntl(p[1], F_GETFD), -1);
	close(p[1]);
	ck_assert_int_eq(altp2m__vm_from_fd_with(&vm, p[1], dup_ioctl, err,
						 sizeof(err)), -EBADF);
	ck_assert_ptr_nonnull(strstr(err, ": Bad file descriptor"));
	free(f.batch_ops);
}
END_TEST

START_TEST(fd_fdinfo)
{
	uint32_t id = 0;

	ck_assert_int_eq(altp2m__fdinfo_vm_id("pos:\t0\nflags:\t02000002\n"
					     "mnt_id:\t15\nino:\t1057\n"
					     "altp2m-vm-id:\t42\n", &id), 0);
	ck_assert_uint_eq(id, 42);
	ck_assert_int_eq(altp2m__fdinfo_vm_id("altp2m-vm-id:\t4294967295\n", &id), 0);
	ck_assert_uint_eq(id, 4294967295u);
	ck_assert_int_eq(altp2m__fdinfo_vm_id("pos:\t0\nflags:\t02\n", &id), -ENOENT);
	ck_assert_int_eq(altp2m__fdinfo_vm_id("xaltp2m-vm-id:\t1\n", &id), -ENOENT);
	ck_assert_int_eq(altp2m__fdinfo_vm_id("altp2m-vm-id:\tx\n", &id), -ENOENT);
	ck_assert_int_eq(altp2m__fdinfo_vm_id("", &id), -ENOENT);
}
END_TEST

START_TEST(fd_from_fd_refuses_others)
{
	struct altp2m_vm *vm = (void *)1;
	char err[ALTP2M_ERRMSG_LEN];
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(altp2m_vm_from_fd(&vm, p[0], err, sizeof(err)), -EINVAL);
	ck_assert_ptr_null(vm);
	ck_assert_ptr_nonnull(strstr(err, "is not an altp2m VM fd"));
	/* The fd stays the caller's. */
	ck_assert_int_ne(fcntl(p[0], F_GETFD), -1);
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(altp2m_vm_from_fd(&vm, -1, err, sizeof(err)), -EBADF);
	ck_assert_int_eq(altp2m_vm_from_fd(&vm, p[0], NULL, 0), -EBADF);
	ck_assert_ptr_null(vm);
}
END_TEST

/* ---- the netlink door ---- */

START_TEST(nl_attach)
{
	struct altp2m_vm_info info;
	struct altp2m_vm *vm;
	struct nlfake n;

	nlfake_init(&n);
	vm = nl_vm(&n);
	ck_assert_uint_eq(n.log[0].cmd, ALTP2M_CMD_GET_VM);
	ck_assert_uint_eq(n.log[0].flags, NLM_F_REQUEST | NLM_F_ACK);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VM_ID), VMID);
	ck_assert_uint_eq(altp2m_vm_id(vm), VMID);

	memset(&info, 0xaa, sizeof(info));
	ck_assert_int_eq(altp2m_vm_get_info(vm, &info), 0);
	ck_assert_int_eq(n.calls, 1);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_GET_VM);
	ck_assert_uint_eq(info.vm_id, VMID);
	ck_assert_uint_eq(info.owner_pid, 1000 + VMID);
	ck_assert_uint_eq(info.nr_vcpus, 2);
	ck_assert_uint_eq(info.mem_pages, 0x100000000ULL + VMID);
	ck_assert_uint_eq(info.views_enabled, 1);
	ck_assert_uint_eq(info.max_views, 10);
	ck_assert_uint_eq(info.mode, ALTP2M_MODE_MIXED);
	ck_assert_uint_eq(info.nr_views, 3);
	ck_assert_uint_eq(info.pad, 0);
	ck_assert_uint_eq(info.generation, 0x1234567890ULL + VMID);
	altp2m_vm_close(vm);
	ck_assert_int_eq(n.closed, 1);
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_attach_fails)
{
	struct altp2m_vm *vm = (void *)1;
	struct altp2m_error e = { .sz = sizeof(e) };
	struct altp2m_conn *conn;
	struct nlfake n;

	nlfake_init(&n);
	conn = nl_conn(&n);
	n.err = -ENOENT;
	n.kmsg = "no such VM";
	n.blame = ALTP2M_A_VM_ID;
	ck_assert_int_eq(altp2m_vm_attach(conn, VMID, &vm), -ENOENT);
	ck_assert_ptr_null(vm);
	ck_assert_int_eq(n.closed, 0);
	ck_assert_str_eq(altp2m_conn_errmsg(conn),
			 "attach to VM 3: No such file or directory (no such VM; attribute vm-id)");
	ck_assert_int_eq(altp2m_conn_last_error(conn, &e), 0);
	ck_assert_int_eq(e.err, -ENOENT);
	ck_assert_int_eq(e.attr, ALTP2M_A_VM_ID);
	ck_assert_str_eq(e.attr_name, "vm-id");
	ck_assert_int_eq(e.entry, -1);
	ck_assert_int_eq(e.op, -1);
	ck_assert_str_eq(e.msg, altp2m_conn_errmsg(conn));

	n.err = -EPERM;
	n.kmsg = NULL;
	n.blame = 0;
	ck_assert_int_eq(altp2m_vm_attach(conn, VMID, &vm), -EPERM);
	ck_assert_str_eq(altp2m_conn_errmsg(conn),
			 "attach to VM 3: Operation not permitted (needs CAP_NET_ADMIN or CAP_SYS_ADMIN over the VM, in the user namespace of its creator)");

	/* No answer is not an answer. */
	n.err = 0;
	n.no_reply = true;
	ck_assert_int_eq(altp2m_vm_attach(conn, VMID, &vm), -EPROTO);
	ck_assert_str_eq(altp2m_conn_errmsg(conn),
			 "attach to VM 3: Protocol error (the module's answer has no VM)");
	n.no_reply = false;
	ck_assert_int_eq(altp2m_vm_attach(conn, VMID, NULL), -EINVAL);
	/* A success clears the connection's error. */
	ck_assert_int_eq(altp2m_vm_attach(conn, VMID, &vm), 0);
	ck_assert_str_eq(altp2m_conn_errmsg(conn), "");
	ck_assert_int_eq(altp2m_conn_last_error(conn, &e), 0);
	ck_assert_int_eq(e.err, 0);
	/* The handle outlives the caller's reference to the connection. */
	altp2m_conn_close(conn);
	ck_assert_int_eq(n.closed, 0);
	ck_assert_int_eq(altp2m_vm_views_disable(vm), 0);
	altp2m_vm_close(vm);
	ck_assert_int_eq(n.closed, 1);
	nlfake_fini(&n);
}
END_TEST

START_TEST(conn_resolves_family)
{
	struct altp2m_conn_opts opts = { .sz = sizeof(opts), .timeout_ms = 250 };
	struct altp2m_conn *conn = (void *)1;
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct nlfake n;

	nlfake_init(&n);
	ck_assert_int_eq(altp2m__conn_open_transport(&conn, &nl_tr, &n, &opts,
						     err, sizeof(err)), 0);
	ck_assert_int_eq(n.calls, 1);
	ck_assert_int_eq(conn->family, FAMILY);
	ck_assert_uint_eq(conn->version, ALTP2M_GENL_VERSION);
	ck_assert_uint_eq(conn->events_grp, 12);
	ck_assert_int_eq(conn->timeout_ms, 250);
	altp2m_conn_close(conn);
	ck_assert_int_eq(n.closed, 1);

	/* No group: a connection all the same, a monitor cannot be had. */
	n.no_group = true;
	ck_assert_int_eq(altp2m__conn_open_transport(&conn, &nl_tr, &n, NULL,
						     err, sizeof(err)), 0);
	ck_assert_uint_eq(conn->events_grp, 0);
	ck_assert_int_eq(conn->timeout_ms, ALTP2M_DEFAULT_TIMEOUT_MS);
	ck_assert_int_eq(altp2m_monitor_open(conn, NULL,
					     &(struct altp2m_monitor *){ NULL }),
			 -ENOENT);
	ck_assert_str_eq(altp2m_conn_errmsg(conn),
			 "open monitor: No such file or directory (the family altp2m has no multicast group events)");
	altp2m_conn_close(conn);
	nlfake_fini(&n);
}
END_TEST

START_TEST(conn_version_mismatch)
{
	struct altp2m_conn *conn = (void *)1;
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct nlfake n;

	nlfake_init(&n);
	n.family_version = ALTP2M_GENL_VERSION + 1;
	ck_assert_int_eq(altp2m__conn_open_transport(&conn, &nl_tr, &n, NULL,
						     err, sizeof(err)), -EPROTO);
	ck_assert_ptr_null(conn);
	ck_assert_int_eq(n.closed, 1);
	ck_assert_str_eq(err, "open connection: Protocol error (the family altp2m has version 2, this library speaks version 1)");

	/* The module is not loaded: the controller knows no such family. */
	n.family_version = 0;
	n.ctrl_err = -ENOENT;
	ck_assert_int_eq(altp2m__conn_open_transport(&conn, &nl_tr, &n, NULL,
						     err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, "open connection: No such file or directory (the generic netlink family altp2m does not exist: is the module loaded?)");
	ck_assert_int_eq(n.closed, 2);

	/* Options a newer caller set and this library does not know. */
	{
		struct {
			struct altp2m_conn_opts o;
			int future;
		} big = { .o.sz = sizeof(big), .future = 1 };

		n.ctrl_err = 0;
		ck_assert_int_eq(altp2m__conn_open_transport(&conn, &nl_tr, &n,
							     &big.o, err,
							     sizeof(err)),
				 -EINVAL);
		ck_assert_int_eq(n.closed, 3);
		big.future = 0;
		ck_assert_int_eq(altp2m__conn_open_transport(&conn, &nl_tr, &n,
							     &big.o, err,
							     sizeof(err)), 0);
		altp2m_conn_close(conn);
		big.o.sz = 1;
		ck_assert_int_eq(altp2m__conn_open_transport(&conn, &nl_tr, &n,
							     &big.o, NULL, 0),
				 -EINVAL);
	}
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_views)
{
	struct altp2m_vm *vm;
	struct nlfake n;
	uint32_t view;

	nlfake_init(&n);
	vm = nl_vm(&n);
	ck_assert_int_eq(altp2m_vm_views_enable(vm, 0, ALTP2M_MODE_LIMITED), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_VIEWS_ENABLE);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_MAX_VIEWS, ALTP2M_A_MODE);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VM_ID), VMID);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_MAX_VIEWS), 0);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_MODE), ALTP2M_MODE_LIMITED);

	ck_assert_int_eq(altp2m_vm_views_disable(vm), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_VIEWS_DISABLE);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID);

	ck_assert_int_eq(altp2m_vm_view_create(vm, ALTP2M_ACCESS_RX2RW, &view), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_CREATE_VIEW);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_DEFAULT_ACCESS);
	ck_assert_uint_eq(a8(n.last, ALTP2M_A_DEFAULT_ACCESS), ALTP2M_ACCESS_RX2RW);
	ck_assert_uint_eq(view, MODEL_CREATED_VIEW);

	ck_assert_int_eq(altp2m_vm_view_destroy(vm, 9), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_DESTROY_VIEW);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 9);

	ck_assert_int_eq(altp2m_vm_view_switch(vm, 4, -1), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_SWITCH_VIEW);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 4);
	ck_assert_int_eq(altp2m_vm_view_switch(vm, 4, 63), 0);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_VCPU);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VCPU), 63);

	ck_assert_int_eq(altp2m_vm_view_set_visible(vm, 6, -1, true), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_SET_VISIBILITY);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_VISIBLE);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 6);
	ck_assert_uint_eq(a8(n.last, ALTP2M_A_VISIBLE), 1);
	ck_assert_int_eq(altp2m_vm_view_set_visible(vm, 6, 0, false), 0);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_VISIBLE,
		     ALTP2M_A_VCPU);
	ck_assert_uint_eq(a8(n.last, ALTP2M_A_VISIBLE), 0);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VCPU), 0);

	ck_assert_int_eq(altp2m_vm_vcpu_views(vm, &(struct altp2m_vcpu_views){ 0 }), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_GET_VCPU_VIEWS);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID);
	ck_assert_int_eq(altp2m_vm_stats(vm, &(struct altp2m_vm_stats){ 0 }), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_GET_STATS);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID);
	ck_assert_int_eq(n.calls, 10);
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_gfns)
{
	unsigned int access = 0;
	struct altp2m_vm *vm;
	struct nlfake n;
	bool sve = false;

	nlfake_init(&n);
	vm = nl_vm(&n);
	ck_assert_int_eq(altp2m_vm_set_access(vm, 2, 0x987654321ULL, 0x200000000ULL,
					      ALTP2M_ACCESS_RX), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_SET_ACCESS);
	ck_assert_uint_eq(n.last->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_GFN,
		     ALTP2M_A_NPAGES, ALTP2M_A_ACCESS);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 2);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_GFN), 0x987654321ULL);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_NPAGES), 0x200000000ULL);
	ck_assert_uint_eq(a8(n.last, ALTP2M_A_ACCESS), ALTP2M_ACCESS_RX);

	ck_assert_int_eq(altp2m_vm_set_sve(vm, 0, 5, 1, false), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_SET_SVE);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_GFN,
		     ALTP2M_A_NPAGES, ALTP2M_A_SVE);
	ck_assert_uint_eq(a8(n.last, ALTP2M_A_SVE), 0);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_NPAGES), 1);

	ck_assert_int_eq(altp2m_vm_get_access(vm, 7, 0xabcdef012ULL, &access, &sve), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_GET_ACCESS);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_GFN);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 7);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_GFN), 0xabcdef012ULL);
	ck_assert_uint_eq(access, MODEL_ACCESS);
	ck_assert(sve);

	ck_assert_int_eq(altp2m_vm_remap(vm, 3, 0x10, 0x123456789ULL), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_REMAP);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_GFN,
		     ALTP2M_A_TARGET);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_GFN), 0x10);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_TARGET), 0x123456789ULL);
	ck_assert_int_eq(altp2m_vm_revert(vm, 3, 0x10), 0);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_TARGET), ALTP2M_GFN_INVALID);
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

/* Hidden frames through the fd door: the struct, the range, the words. */
START_TEST(fd_hidden)
{
	struct fdfake f = { .max_views = 10 };
	struct altp2m_vm *vm = fd_vm(&f);
	int calls;

	ck_assert_int_eq(altp2m_hidden_add(vm, 0x80000, 7), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_ADD_HIDDEN_FRAMES);
	ck_assert_uint_eq(f.hidden.flags, 0);
	ck_assert_uint_eq(f.hidden.pad, 0);
	ck_assert_uint_eq(f.hidden.gfn, 0x80000);
	ck_assert_uint_eq(f.hidden.nr, 7);
	ck_assert(is_zero(f.hidden.reserved, sizeof(f.hidden.reserved)));
	ck_assert_int_eq(altp2m_hidden_remove(vm, 0x80002, 1), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_REMOVE_HIDDEN_FRAMES);
	ck_assert_uint_eq(f.hidden.gfn, 0x80002);
	ck_assert_uint_eq(f.hidden.nr, 1);

	calls = f.calls;
	ck_assert_int_eq(altp2m_hidden_add(vm, 5, 0), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "add 0 hidden frames at gfn 0x5: Invalid argument (0 frames: 1 to 512 at once)");
	ck_assert_int_eq(altp2m_hidden_remove(vm, 5, ALTP2M_MAX_HIDDEN_ADD + 1),
			 -EINVAL);
	ck_assert_int_eq(f.calls, calls);

	f.fail_cmd = ALTP2M_ADD_HIDDEN_FRAMES;
	f.fail_err = -EEXIST;
	ck_assert_int_eq(altp2m_hidden_add(vm, 5, 2), -EEXIST);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "add 2 hidden frames at gfn 0x5: File exists (a gfn of the range is guest RAM or hidden already)");
	f.fail_err = -ENOSPC;
	ck_assert_int_eq(altp2m_hidden_add(vm, 5, 2), -ENOSPC);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "add 2 hidden frames at gfn 0x5: No space left on device (beyond the module's max_hidden_frames for this VM)");
	f.fail_cmd = ALTP2M_REMOVE_HIDDEN_FRAMES;
	f.fail_err = -EBUSY;
	ck_assert_int_eq(altp2m_hidden_remove(vm, 5, 1), -EBUSY);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "remove 1 hidden frames at gfn 0x5: Device or resource busy (a hidden breakpoint lives in the range)");
	f.fail_err = -ENOENT;
	ck_assert_int_eq(altp2m_hidden_remove(vm, 5, 1), -ENOENT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "remove 1 hidden frames at gfn 0x5: No such file or directory (a gfn of the range is not hidden)");
	altp2m_vm_close(vm);
}
END_TEST

/* Hidden frames over netlink: the attributes, and the kernel's words. */
START_TEST(nl_hidden)
{
	struct altp2m_vm *vm;
	struct nlfake n;

	nlfake_init(&n);
	vm = nl_vm(&n);
	ck_assert_int_eq(altp2m_hidden_add(vm, 0x123456789ULL, 3), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_ADD_HIDDEN);
	ck_assert_uint_eq(n.last->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_GFN, ALTP2M_A_NPAGES);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VM_ID), VMID);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_GFN), 0x123456789ULL);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_NPAGES), 3);
	ck_assert_int_eq(altp2m_hidden_remove(vm, 0x10, 1), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_REMOVE_HIDDEN);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_GFN, ALTP2M_A_NPAGES);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_GFN), 0x10);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_NPAGES), 1);

	/* The kernel's message wins over the library's words. */
	n.err = -EEXIST;
	n.kmsg = "gfn: the range holds guest RAM or a hidden frame already";
	n.blame = ALTP2M_A_GFN;
	ck_assert_int_eq(altp2m_hidden_add(vm, 0x10, 1), -EEXIST);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "add 1 hidden frames at gfn 0x10: File exists (gfn: the range holds guest RAM or a hidden frame already)");
	/* Without one, the library's. */
	n.kmsg = NULL;
	n.blame = 0;
	n.err = -ENOENT;
	ck_assert_int_eq(altp2m_hidden_remove(vm, 0x10, 1), -ENOENT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "remove 1 hidden frames at gfn 0x10: No such file or directory (a gfn of the range is not hidden)");
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

/* The OP nests of @h, each checked as one page of @what at @view. */
static size_t check_ops(struct nlmsghdr *h, uint16_t what, uint32_t view,
			const uint64_t *gfns, const uint8_t *vals, size_t i)
{
	struct nlattr *tb[ALTP2M_OP_A_MAX + 1], *a;
	int len, rem;

	nla_for_each_attr(a, req_attrs(h, &len), len, rem) {
		if (nla_type(a) != ALTP2M_A_OP)
			continue;
		ck_assert_int_eq(nla_parse_nested(tb, ALTP2M_OP_A_MAX, a, NULL), 0);
		ck_assert_int_eq(nla_len(tb[ALTP2M_OP_A_TYPE]), 2);
		ck_assert_uint_eq(nla_get_u16(tb[ALTP2M_OP_A_TYPE]), what);
		ck_assert_uint_eq(nla_get_u32(tb[ALTP2M_OP_A_VIEW]), view);
		ck_assert_uint_eq(nla_get_u64(tb[ALTP2M_OP_A_GFN]), gfns[i]);
		ck_assert_uint_eq(nla_get_u64(tb[ALTP2M_OP_A_NPAGES]), 1);
		ck_assert_int_eq(nla_len(tb[ALTP2M_OP_A_VALUE]), 1);
		ck_assert_uint_eq(nla_get_u8(tb[ALTP2M_OP_A_VALUE]), vals[i]);
		ck_assert_ptr_null(tb[ALTP2M_OP_A_TARGET]);
		i++;
	}
	return i;
}

/*
 * A list of @count through netlink: one SET_* message while it fits,
 * else a transaction (BEGIN, STAGEs of ALTP2M_NL_LIST_CHUNK, COMMIT).
 */
static void list_in_chunks(size_t count, bool sve)
{
	uint64_t *gfns = malloc(count * sizeof(*gfns));
	uint8_t *vals = malloc(count);
	size_t i, msgs = (count + ALTP2M_NL_LIST_CHUNK - 1) / ALTP2M_NL_LIST_CHUNK;
	struct nlattr *a, *in;
	struct altp2m_vm *vm;
	struct nlfake n;
	int len, rem, irem;

	for (i = 0; i < count; i++) {
		gfns[i] = 0x100000000ULL + i * 3;
		vals[i] = sve ? i & 1 : i % 11;
	}
	nlfake_init(&n);
	vm = nl_vm(&n);
	if (sve)
		ck_assert_int_eq(altp2m_vm_set_sve_list(vm, 8, gfns, vals, count), 0);
	else
		ck_assert_int_eq(altp2m_vm_set_access_list(vm, 8, gfns, vals, count), 0);
	if (msgs > 1) {
		ck_assert_uint_eq(n.calls, msgs + 2);
		ck_assert_uint_eq(n.log[0].cmd, ALTP2M_CMD_TXN_BEGIN);
		for (i = 0; i < msgs; i++) {
			size_t first = i * ALTP2M_NL_LIST_CHUNK;
			size_t last = i + 1 == msgs ? count - 1 :
				      first + ALTP2M_NL_LIST_CHUNK - 1;

			ck_assert_uint_eq(n.log[i + 1].cmd, ALTP2M_CMD_TXN_STAGE);
			ck_assert_uint_eq(n.log[i + 1].nentries, last - first + 1);
			ck_assert_uint_eq(n.log[i + 1].first_gfn, gfns[first]);
			ck_assert_uint_eq(n.log[i + 1].last_gfn, gfns[last]);
			ck_assert_uint_eq(n.log[i + 1].first_val, vals[first]);
			ck_assert_uint_eq(n.log[i + 1].last_val, vals[last]);
		}
		ck_assert_uint_eq(n.log[msgs + 1].cmd, ALTP2M_CMD_TXN_COMMIT);
		ck_assert(!n.log[msgs + 1].has_gen);
		ck_assert_uint_eq(a32(n.last, ALTP2M_A_VM_ID), VMID);
		EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_TXN_ID);
		goto out;
	}
	ck_assert_uint_eq(n.calls, 1);
	ck_assert_uint_eq(n.log[0].cmd, sve ? ALTP2M_CMD_SET_SVE :
					      ALTP2M_CMD_SET_ACCESS);
	ck_assert_uint_eq(n.log[0].nentries, count);
	/* The message, attribute by attribute. */
	i = 0;
	nla_for_each_attr(a, req_attrs(n.last, &len), len, rem) {
		int k = 0;

		if (nla_type(a) == ALTP2M_A_VM_ID || nla_type(a) == ALTP2M_A_VIEW)
			continue;
		ck_assert_int_eq(nla_type(a), ALTP2M_A_ENTRY);
		nla_for_each_nested(in, a, irem) {
			if (k++ == 0) {
				ck_assert_int_eq(nla_type(in), ALTP2M_ENTRY_A_GFN);
				ck_assert_int_eq(nla_len(in), 8);
				ck_assert_uint_eq(nla_get_u64(in), gfns[i]);
			} else {
				ck_assert_int_eq(nla_type(in), sve ? ALTP2M_ENTRY_A_SVE :
								     ALTP2M_ENTRY_A_ACCESS);
				ck_assert_int_eq(nla_len(in), 1);
				ck_assert_uint_eq(nla_get_u8(in), vals[i]);
			}
		}
		ck_assert_int_eq(k, 2);
		i++;
	}
	ck_assert_uint_eq(i, count);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 8);
	ck_assert_ptr_null(nlmsg_find_attr(n.last, GENL_HDRLEN, ALTP2M_A_GFN));
	ck_assert_ptr_null(nlmsg_find_attr(n.last, GENL_HDRLEN, ALTP2M_A_NPAGES));
out:
	altp2m_vm_close(vm);
	nlfake_fini(&n);
	free(gfns);
	free(vals);
}

START_TEST(nl_list_chunks)
{
	list_in_chunks(1, false);
	list_in_chunks(ALTP2M_NL_LIST_CHUNK - 1, false);
	list_in_chunks(ALTP2M_NL_LIST_CHUNK, false);
	list_in_chunks(ALTP2M_NL_LIST_CHUNK + 1, false);
	list_in_chunks(2 * ALTP2M_NL_LIST_CHUNK, true);
	list_in_chunks(5000, true);
}
END_TEST

/* The staged operations, exactly: the last STAGE of a 5000-entry list. */
START_TEST(nl_list_stage_contents)
{
	static uint64_t gfns[5000];
	static uint8_t vals[5000];
	struct altp2m_vm *vm;
	struct nlfake n;
	int i;

	for (i = 0; i < 5000; i++) {
		gfns[i] = 0x5000 + 7 * i;
		vals[i] = i % 11;
	}
	nlfake_init(&n);
	vm = nl_vm(&n);
	/* Stop at the commit, so n.last is the last STAGE. */
	n.err = -EBUSY;
	n.err_call = 5;
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 9, gfns, vals, 5000),
			 -EBUSY);
	ck_assert_int_eq(n.calls, 5);
	ck_assert_uint_eq(n.log[3].cmd, ALTP2M_CMD_TXN_STAGE);
	n.calls = 0;
	n.err_call = 4;
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 9, gfns, vals, 5000),
			 -EBUSY);
	/* BEGIN, STAGE, STAGE, the failed STAGE, ABORT. */
	ck_assert_int_eq(n.calls, 5);
	ck_assert_uint_eq(n.log[4].cmd, ALTP2M_CMD_TXN_ABORT);
	ck_assert_uint_eq(n.log[4].txn_id, n.txn_id);
	/* n.last is the ABORT: run the stages again and look at one. */
	n.err = 0;
	n.calls = 0;
	n.exchange_err = -ETIMEDOUT;
	n.err_call = 4;
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 9, gfns, vals, 5000),
			 -ETIMEDOUT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list in view 9: Connection timed out (no answer from the module in time)");
	ck_assert_uint_eq(n.log[4].cmd, ALTP2M_CMD_TXN_ABORT);
	n.exchange_err = 0;
	n.calls = 0;
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 9, gfns, vals, 5000), 0);
	ck_assert_int_eq(n.calls, 5);
	altp2m_vm_close(vm);
	nlfake_fini(&n);
	(void)check_ops;
}
END_TEST

START_TEST(nl_list_fails_later)
{
	struct altp2m_error e = { .sz = sizeof(e) };
	uint64_t gfns[5000];
	uint8_t vals[5000];
	struct altp2m_vm *vm;
	struct nlfake n;
	int i;

	for (i = 0; i < 5000; i++) {
		gfns[i] = i;
		vals[i] = ALTP2M_ACCESS_R;
	}
	nlfake_init(&n);
	vm = nl_vm(&n);
	/* The second STAGE (the third request) blames an operation's value. */
	n.err = -EINVAL;
	n.err_call = 3;
	n.kmsg = "access not supported";
	n.blame_entry = 5;
	n.blame_inner = ALTP2M_OP_A_VALUE;
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 2, gfns, vals, 5000), -EINVAL);
	/* The third STAGE and the commit are not sent; the ABORT is. */
	ck_assert_int_eq(n.calls, 4);
	ck_assert_uint_eq(n.log[2].cmd, ALTP2M_CMD_TXN_STAGE);
	ck_assert_uint_eq(n.log[3].cmd, ALTP2M_CMD_TXN_ABORT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list in view 2: Invalid argument "
			 "(access not supported; attribute op.value of operation 2053)");
	ck_assert_int_eq(altp2m_vm_last_error(vm, &e), 0);
	ck_assert_int_eq(e.err, -EINVAL);
	ck_assert_int_eq(e.attr, ALTP2M_A_OP);
	ck_assert_str_eq(e.attr_name, "op.value");
	ck_assert_int_eq(e.entry, 2053);
	ck_assert_int_eq(e.op, -1);
	ck_assert_uint_eq(e.applied, 0);

	/* The commit fails at an operation: its cookie says which. */
	n.calls = 0;
	n.err = -ERANGE;
	n.err_call = 5;
	n.kmsg = "operation 4100: gfn beyond the guest's memory";
	n.blame_entry = -1;
	n.fail_op = 4100;
	ck_assert_int_eq(altp2m_vm_set_access_list(vm, 2, gfns, vals, 5000), -ERANGE);
	/* The commit ended the transaction: no ABORT. */
	ck_assert_int_eq(n.calls, 5);
	ck_assert_uint_eq(n.log[4].cmd, ALTP2M_CMD_TXN_COMMIT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list in view 2: Numerical result out of range "
			 "(operation 4100: gfn beyond the guest's memory)");
	ck_assert_int_eq(altp2m_vm_last_error(vm, &e), 0);
	ck_assert_int_eq(e.entry, 4100);
	ck_assert_int_eq(e.op, -1);
	ck_assert_int_eq(e.attr, -1);
	ck_assert_str_eq(e.attr_name, "");

	/* TXN_BEGIN refused (too many open): nothing to abort. */
	n.calls = 0;
	n.err = -EBUSY;
	n.err_call = 1;
	n.kmsg = NULL;
	n.fail_op = -1;
	ck_assert_int_eq(altp2m_vm_set_sve_list(vm, 2, gfns, (uint8_t[5000]){ 0 }, 5000),
			 -EBUSY);
	ck_assert_int_eq(n.calls, 1);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set suppress-#VE list in view 2: Device or resource busy");

	/* A short list is one message, and its entries are list entries. */
	n.calls = 0;
	n.err = -EINVAL;
	n.err_call = 1;
	n.miss_type = ALTP2M_ENTRY_A_GFN;
	n.miss_nest_entry = 3;
	ck_assert_int_eq(altp2m_vm_set_sve_list(vm, 2, gfns, (uint8_t[5000]){ 0 }, 50),
			 -EINVAL);
	ck_assert_int_eq(n.calls, 1);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set suppress-#VE list in view 2: Invalid argument "
			 "(missing attribute entry.gfn in list entry 3)");
	ck_assert_int_eq(altp2m_vm_last_error(vm, &e), 0);
	ck_assert_int_eq(e.entry, 3);
	ck_assert_int_eq(e.attr, ALTP2M_A_ENTRY);
	ck_assert_str_eq(e.attr_name, "entry.gfn");
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_extack)
{
	struct altp2m_vm *vm;
	struct nlfake n;

	nlfake_init(&n);
	vm = nl_vm(&n);
	n.err = -ENOENT;
	n.kmsg = "view does not exist";
	n.blame = ALTP2M_A_VIEW;
	ck_assert_int_eq(altp2m_vm_set_access(vm, 7, 0x10, 1, 3), -ENOENT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access in view 7, gfn 0x10, 1 pages: No such file or directory (view does not exist; attribute view)");

	/* The whole request echoed (no NETLINK_CAP_ACK): the same. */
	n.uncapped = true;
	n.err = -ERANGE;
	n.kmsg = "gfn beyond the guest's address width";
	n.blame = ALTP2M_A_GFN;
	ck_assert_int_eq(altp2m_vm_get_access(vm, 1, 1ULL << 40, NULL, NULL), -ERANGE);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "get access in view 1, gfn 0x10000000000: Numerical result out of range (gfn beyond the guest's address width; attribute gfn)");
	n.uncapped = false;

	n.err = -EINVAL;
	n.kmsg = NULL;
	n.blame = 0;
	n.miss_type = ALTP2M_A_TARGET;
	ck_assert_int_eq(altp2m_vm_remap(vm, 1, 2, 3), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "remap in view 1, gfn 0x2 to 0x3: Invalid argument (missing attribute target)");

	n.miss_type = 0;
	n.blame_offs = 3;	/* inside the header: no attribute */
	n.kmsg = "odd";
	ck_assert_int_eq(altp2m_vm_view_destroy(vm, 1), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "destroy view 1: Invalid argument (odd; attribute at offset 3)");

	n.blame_offs = 0;
	n.kmsg = NULL;
	n.err = -EBUSY;
	ck_assert_int_eq(altp2m_vm_view_destroy(vm, 1), -EBUSY);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "destroy view 1: Device or resource busy");

	/* EPERM: the kernel's message, or the library's when it sent none. */
	n.err = -EPERM;
	n.kmsg = "not yours";
	n.blame = ALTP2M_A_VM_ID;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), -EPERM);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "disable views: Operation not permitted (not yours; attribute vm-id)");
	n.kmsg = NULL;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), -EPERM);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "disable views: Operation not permitted (attribute vm-id; needs CAP_NET_ADMIN "
			 "or CAP_SYS_ADMIN over the VM, in the user namespace of its creator)");

	/* A message that starts with the attribute's name is not repeated. */
	n.err = -ENOENT;
	n.kmsg = "view: no such view";
	n.blame = ALTP2M_A_VIEW;
	ck_assert_int_eq(altp2m_vm_view_destroy(vm, 1), -ENOENT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "destroy view 1: No such file or directory (view: no such view)");

	n.err = -EOPNOTSUPP;
	n.kmsg = NULL;
	n.blame = ALTP2M_A_VCPU;
	ck_assert_int_eq(altp2m_vm_view_switch(vm, 2, 5), -EOPNOTSUPP);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "switch vCPU 5 to view 2: Operation not supported (attribute vcpu)");
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_bad_answers)
{
	struct altp2m_vm *vm;
	struct nlfake n;
	uint32_t view = 77;
	struct altp2m_vcpu_views vv;

	nlfake_init(&n);
	vm = nl_vm(&n);
	n.bad_reply = true;
	ck_assert_int_eq(altp2m_vm_view_create(vm, 0, &view), -EPROTO);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "create view: Protocol error (malformed answer from the module)");
	ck_assert_uint_eq(view, 77);
	n.bad_reply = false;

	n.no_reply = true;
	ck_assert_int_eq(altp2m_vm_view_create(vm, 0, &view), -EPROTO);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "create view: Protocol error (the module's answer has no view)");
	ck_assert_int_eq(altp2m_vm_get_access(vm, 1, 1, NULL, NULL), -EPROTO);
	ck_assert_int_eq(altp2m_vm_stats(vm, &(struct altp2m_vm_stats){ 0 }), -EPROTO);
	ck_assert_int_eq(altp2m_vm_vcpu_views(vm, &vv), -EPROTO);
	ck_assert_int_eq(altp2m_vm_get_info(vm, &(struct altp2m_vm_info){ 0 }),
			 -EPROTO);
	n.no_reply = false;

	n.bad_vcpu = true;
	ck_assert_int_eq(altp2m_vm_vcpu_views(vm, &vv), -EPROTO);
	n.bad_vcpu = false;

	n.no_done = true;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), -EPROTO);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "disable views: Protocol error (the module's answer ended early)");
	n.no_done = false;

	n.exchange_err = -ECONNREFUSED;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), -ECONNREFUSED);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "disable views: Connection refused (netlink)");
	n.exchange_err = 0;

	/* A stale ack from an earlier request is ignored. */
	n.stale_first = true;
	ck_assert_int_eq(altp2m_vm_view_create(vm, 0, &view), 0);
	ck_assert_uint_eq(view, MODEL_CREATED_VIEW);
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_dumps)
{
	struct altp2m_view_entry *e = NULL;
	struct altp2m_view_info *v = NULL;
	struct altp2m_vm *vm;
	struct nlfake n;
	size_t nr = 0;

	nlfake_init(&n);
	n.nviews = 9;
	n.nentries = 300;
	vm = nl_vm(&n);
	ck_assert_int_eq(altp2m_vm_list_views(vm, &v, &nr), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_GET_VIEW);
	ck_assert_uint_eq(n.last->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID);
	check_views(v, nr, 9);
	free(v);

	ck_assert_int_eq(altp2m_vm_dump_view(vm, 4, &e, &nr), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_DUMP_VIEW);
	ck_assert_uint_eq(n.last->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 4);
	check_entries(e, nr, 300);
	free(e);
	ck_assert_int_eq(n.calls, 2);
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_dump_interrupted)
{
	struct altp2m_view_entry *e = NULL;
	struct altp2m_view_info *v = NULL;
	struct altp2m_vm *vm;
	struct nlfake n;
	size_t nr = 0;

	nlfake_init(&n);
	n.nviews = 5;
	n.nentries = 50;
	vm = nl_vm(&n);
	/* Three interrupted attempts, then a clean one: no duplicates. */
	n.intr_left = 3;
	ck_assert_int_eq(altp2m_vm_list_views(vm, &v, &nr), 0);
	ck_assert_int_eq(n.calls, 4);
	check_views(v, nr, 5);
	free(v);

	n.calls = 0;
	n.intr_left = ALTP2M_DUMP_RETRIES - 1;
	ck_assert_int_eq(altp2m_vm_dump_view(vm, 1, &e, &nr), 0);
	ck_assert_int_eq(n.calls, ALTP2M_DUMP_RETRIES);
	check_entries(e, nr, 50);
	free(e);

	/* Interrupted every time: -EAGAIN after ALTP2M_DUMP_RETRIES. */
	n.calls = 0;
	n.intr_left = 1000;
	e = (void *)1;
	nr = 7;
	ck_assert_int_eq(altp2m_vm_dump_view(vm, 1, &e, &nr), -EAGAIN);
	ck_assert_int_eq(n.calls, ALTP2M_DUMP_RETRIES);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(nr, 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "dump view 1: Resource temporarily unavailable (the dump was interrupted by concurrent changes 8 times in a row)");

	/* The flag on NLMSG_DONE counts too (a dump of one message). */
	n.calls = 0;
	n.nviews = 1;
	n.intr_left = 2;
	ck_assert_int_eq(altp2m_vm_list_views(vm, &v, &nr), 0);
	ck_assert_int_eq(n.calls, 3);
	check_views(v, nr, 1);
	free(v);
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_dump_errors)
{
	struct altp2m_view_entry *e = (void *)1;
	struct altp2m_vm *vm;
	struct nlfake n;
	size_t nr = 3;

	nlfake_init(&n);
	n.nentries = 10;
	vm = nl_vm(&n);
	/* Failed at the start: NLMSG_ERROR. */
	n.err = -ENOENT;
	n.kmsg = "no view 6";
	n.blame = ALTP2M_A_VIEW;
	ck_assert_int_eq(altp2m_vm_dump_view(vm, 6, &e, &nr), -ENOENT);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(nr, 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "dump view 6: No such file or directory (no view 6; attribute view)");
	/* Failed on the way: the error in NLMSG_DONE, what came is dropped. */
	n.err_in_done = true;
	n.blame = 0;
	n.kmsg = "view went away";
	e = (void *)1;
	ck_assert_int_eq(altp2m_vm_dump_view(vm, 6, &e, &nr), -ENOENT);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(nr, 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "dump view 6: No such file or directory (view went away)");
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_list_vms)
{
	struct altp2m_vm_info *vms = (void *)1;
	struct altp2m_conn *conn;
	struct nlfake n;
	size_t nr = 9, i;

	nlfake_init(&n);
	conn = nl_conn(&n);
	n.nvms = 4;
	n.intr_left = 1;
	ck_assert_int_eq(altp2m_conn_list_vms(conn, &vms, &nr), 0);
	ck_assert_int_eq(n.calls, 2);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_GET_VM);
	ck_assert_uint_eq(n.last->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	EXPECT_ATTRS(n.last);	/* no VM id: every VM */
	ck_assert_uint_eq(nr, 4);
	for (i = 0; i < nr; i++) {
		ck_assert_uint_eq(vms[i].vm_id, i + 1);
		ck_assert_uint_eq(vms[i].owner_pid, 1001 + i);
		ck_assert_uint_eq(vms[i].mem_pages, 0x100000001ULL + i);
		ck_assert_uint_eq(vms[i].generation, 0x1234567891ULL + i);
	}
	altp2m_free(vms);

	n.nvms = 0;
	ck_assert_int_eq(altp2m_conn_list_vms(conn, &vms, &nr), 0);
	ck_assert_ptr_null(vms);
	ck_assert_uint_eq(nr, 0);

	n.intr_left = 100;
	ck_assert_int_eq(altp2m_conn_list_vms(conn, &vms, &nr), -EAGAIN);
	ck_assert_str_eq(altp2m_conn_errmsg(conn), "list VMs: Resource temporarily unavailable (the dump was interrupted by concurrent changes 8 times in a row)");
	n.intr_left = 0;
	n.exchange_err = -ENOBUFS;
	ck_assert_int_eq(altp2m_conn_list_vms(conn, &vms, &nr), -ENOBUFS);
	ck_assert_str_eq(altp2m_conn_errmsg(conn),
			 "list VMs: No buffer space available (netlink)");
	n.exchange_err = 0;
	ck_assert_int_eq(altp2m_conn_list_vms(conn, NULL, &nr), -EINVAL);
	ck_assert_int_eq(altp2m_conn_list_vms(conn, &vms, NULL), -EINVAL);
	ck_assert_int_eq(n.closed, 0);
	altp2m_conn_close(conn);
	ck_assert_int_eq(n.closed, 1);
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_attr_names_from_offsets)
{
	struct nl_msg *m = altp2m__nl_new(FAMILY, ALTP2M_CMD_SET_ACCESS, 0, 0);
	struct nlmsghdr *h;
	struct nlattr *nest;
	char name[64];
	long entry;
	int i, top;

	nla_put_u32(m, ALTP2M_A_VM_ID, 1);
	nla_put_u32(m, ALTP2M_A_VIEW, 2);
	for (i = 0; i < 3; i++) {
		nest = nla_nest_start(m, ALTP2M_A_ENTRY);
		nla_put_u64(m, ALTP2M_ENTRY_A_GFN, i);
		nla_put_u8(m, ALTP2M_ENTRY_A_ACCESS, 1);
		nla_nest_end(m, nest);
	}
	nla_put_u32(m, 200, 0);	/* a type the library does not know */
	h = nlmsg_hdr(m);
	ck_assert_int_eq(altp2m__nl_attr_at(m, req_off(h, ALTP2M_A_VM_ID, -1, 0),
					    name, sizeof(name), &entry, &top), 0);
	ck_assert_str_eq(name, "vm-id");
	ck_assert_int_eq(entry, -1);
	ck_assert_int_eq(altp2m__nl_attr_at(m, req_off(h, ALTP2M_A_VIEW, -1, 0),
					    name, sizeof(name), &entry, &top), 0);
	ck_assert_str_eq(name, "view");
	ck_assert_int_eq(altp2m__nl_attr_at(m, req_off(h, 0, 1, -1), name,
					    sizeof(name), &entry, &top), 0);
	ck_assert_str_eq(name, "entry");
	ck_assert_int_eq(entry, 1);
	ck_assert_int_eq(altp2m__nl_attr_at(m, req_off(h, 0, 2, ALTP2M_ENTRY_A_GFN),
					    name, sizeof(name), &entry, &top), 0);
	ck_assert_str_eq(name, "entry.gfn");
	ck_assert_int_eq(entry, 2);
	ck_assert_int_eq(top, ALTP2M_A_ENTRY);
	ck_assert_int_eq(altp2m__nl_attr_at(m, req_off(h, 0, 0, ALTP2M_ENTRY_A_ACCESS),
					    name, sizeof(name), &entry, &top), 0);
	ck_assert_str_eq(name, "entry.access");
	ck_assert_int_eq(entry, 0);
	ck_assert_int_eq(altp2m__nl_attr_at(m, req_off(h, 200, -1, 0), name,
					    sizeof(name), &entry, &top), 0);
	ck_assert_str_eq(name, "200");
	/* Not the start of an attribute. */
	ck_assert_int_eq(altp2m__nl_attr_at(m, req_off(h, ALTP2M_A_VIEW, -1, 0) + 4,
					    name, sizeof(name), &entry, &top), -ENOENT);
	ck_assert_int_eq(altp2m__nl_attr_at(m, 0, name, sizeof(name), &entry, &top), -ENOENT);
	ck_assert_int_eq(altp2m__nl_attr_at(m, 100000, name, sizeof(name), &entry, &top),
			 -ENOENT);
	ck_assert_int_eq(entry, -1);
	nlmsg_free(m);
}
END_TEST

/* ---- batches ---- */

/* Three views, every kind of operation. */
static struct altp2m_batch_builder *three_views(void)
{
	struct altp2m_batch_builder *b = NULL;

	ck_assert_int_eq(altp2m_batch_new(&b), 0);
	ck_assert_int_eq(altp2m_batch_set_access(b, 1, 0x100, 16, ALTP2M_ACCESS_RX), 0);
	ck_assert_int_eq(altp2m_batch_set_sve(b, 2, 0x200, 1, true), 0);
	ck_assert_int_eq(altp2m_batch_remap(b, 3, 0x300, 0x400), 0);
	ck_assert_int_eq(altp2m_batch_revert(b, 3, 0x301), 0);
	ck_assert_uint_eq(altp2m_batch_size(b), 4);
	return b;
}

START_TEST(batch_builder_checks)
{
	struct altp2m_batch_builder *b = NULL;

	ck_assert_int_eq(altp2m_batch_new(NULL), -EINVAL);
	ck_assert_int_eq(altp2m_batch_new(&b), 0);
	/* What the single calls refuse is refused, and nothing is added. */
	ck_assert_int_eq(altp2m_batch_set_access(b, ALTP2M_MAX_VIEWS, 0, 1, 0), -EINVAL);
	ck_assert_int_eq(altp2m_batch_set_access(b, 1, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(altp2m_batch_set_access(b, 1, 0, 1, ALTP2M_ACCESS_DEFAULT + 1),
			 -EINVAL);
	ck_assert_int_eq(altp2m_batch_set_sve(b, 1, 0, 0, true), -EINVAL);
	ck_assert_int_eq(altp2m_batch_remap(b, 0, 1, 2), -EINVAL);
	ck_assert_int_eq(altp2m_batch_revert(b, ALTP2M_MAX_VIEWS, 1), -EINVAL);
	ck_assert_int_eq(altp2m_batch_set_access(NULL, 1, 0, 1, 0), -EINVAL);
	ck_assert_uint_eq(altp2m_batch_size(b), 0);
	ck_assert_uint_eq(altp2m_batch_size(NULL), 0);
	altp2m_batch_free(b);
	altp2m_batch_free(NULL);
}
END_TEST

START_TEST(batch_fd)
{
	struct altp2m_batch_builder *b = three_views();
	struct altp2m_batch_opts o = { .sz = sizeof(o) };
	struct altp2m_error e = { .sz = sizeof(e) };
	struct fdfake f = { .generation = 40 };
	struct altp2m_batch_op *op;
	struct altp2m_vm *vm = fd_vm(&f);
	uint64_t gen = 0;

	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, NULL, &gen), 0);
	ck_assert_int_eq(f.calls, 1);	/* one ioctl */
	ck_assert_uint_eq(f.cmd, ALTP2M_BATCH);
	ck_assert_uint_eq(gen, 41);
	ck_assert_uint_eq(f.batch.flags, 0);
	ck_assert_uint_eq(f.batch.nr_ops, 4);
	ck_assert_uint_eq(f.batch.generation, 0);
	op = f.batch_ops;
	ck_assert_uint_eq(op[0].op, ALTP2M_BATCH_SET_ACCESS);
	ck_assert_uint_eq(op[0].view, 1);
	ck_assert_uint_eq(op[0].gfn, 0x100);
	ck_assert_uint_eq(op[0].npages, 16);
	ck_assert_uint_eq(op[0].value, ALTP2M_ACCESS_RX);
	ck_assert_uint_eq(op[0].target, 0);
	ck_assert_uint_eq(op[1].op, ALTP2M_BATCH_SET_SVE);
	ck_assert_uint_eq(op[1].value, 1);
	ck_assert_uint_eq(op[2].op, ALTP2M_BATCH_REMAP);
	ck_assert_uint_eq(op[2].view, 3);
	ck_assert_uint_eq(op[2].npages, 1);
	ck_assert_uint_eq(op[2].target, 0x400);
	ck_assert_uint_eq(op[2].value, 0);
	ck_assert_uint_eq(op[3].target, ALTP2M_GFN_INVALID);
	for (op = f.batch_ops; op < f.batch_ops + 4; op++)
		ck_assert(!op->flags && !op->pad && !op->reserved);

	/* Only if nobody changed the views since generation 41. */
	o.if_generation = true;
	o.generation = 41;
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, &o, &gen), 0);
	ck_assert_uint_eq(f.batch.flags, ALTP2M_BATCH_IF_GENERATION);
	ck_assert_uint_eq(f.batch.generation, 41);
	ck_assert_uint_eq(gen, 42);
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, &o, &gen), -ESTALE);
	ck_assert_uint_eq(gen, 42);
	ck_assert_int_eq(altp2m_vm_last_error(vm, &e), 0);
	ck_assert_int_eq(e.op, -1);	/* the batch as a whole */
	ck_assert_str_eq(e.msg, "commit a batch of 4 operations: Stale file handle");

	/* Operation 2 fails: the module's error_index says so. */
	f.batch_err = -ENOENT;
	f.batch_fail_index = 2;
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, NULL, NULL), -ENOENT);
	ck_assert_int_eq(altp2m_vm_last_error(vm, &e), 0);
	ck_assert_int_eq(e.err, -ENOENT);
	ck_assert_int_eq(e.op, 2);
	ck_assert_int_eq(e.entry, -1);
	ck_assert_uint_eq(e.applied, 0);
	ck_assert_str_eq(e.msg, "commit a batch of 4 operations: No such file or directory (operation 2)");

	/* Nothing to commit, or options the library does not know. */
	f.calls = 0;
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, NULL, NULL, NULL), -EINVAL);
	o.sz = 2;
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, &o, NULL), -EINVAL);
	ck_assert_int_eq(f.calls, 0);
	altp2m_batch_free(b);
	ck_assert_int_eq(altp2m_batch_new(&b), 0);
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, NULL, NULL), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "commit a batch of 0 operations: Invalid argument (an empty batch)");
	ck_assert_int_eq(f.calls, 0);
	altp2m_batch_free(b);
	altp2m_vm_close(vm);
	free(f.batch_ops);
}
END_TEST

#define NONE	INT64_MIN

/* What OP nest @i of @h holds; NONE: the target must be absent. */
static void expect_op(struct nlmsghdr *h, int i, uint16_t type, uint32_t view,
		      uint64_t gfn, int64_t npages, int64_t target, int value)
{
	struct nlattr *tb[ALTP2M_OP_A_MAX + 1];
	struct nlattr *a, *op = NULL;
	int len, rem;

	nla_for_each_attr(a, req_attrs(h, &len), len, rem)
		if (nla_type(a) == ALTP2M_A_OP && !i--) {
			op = a;
			break;
		}
	ck_assert_ptr_nonnull(op);
	ck_assert_int_eq(nla_parse_nested(tb, ALTP2M_OP_A_MAX, op, NULL), 0);
	ck_assert_uint_eq(nla_get_u16(tb[ALTP2M_OP_A_TYPE]), type);
	ck_assert_uint_eq(nla_get_u32(tb[ALTP2M_OP_A_VIEW]), view);
	ck_assert_uint_eq(nla_get_u64(tb[ALTP2M_OP_A_GFN]), gfn);
	if (npages < 0)
		ck_assert_ptr_null(tb[ALTP2M_OP_A_NPAGES]);
	else
		ck_assert_uint_eq(nla_get_u64(tb[ALTP2M_OP_A_NPAGES]), npages);
	if (target == NONE)
		ck_assert_ptr_null(tb[ALTP2M_OP_A_TARGET]);
	else
		ck_assert_uint_eq(nla_get_u64(tb[ALTP2M_OP_A_TARGET]), (uint64_t)target);
	if (value < 0)
		ck_assert_ptr_null(tb[ALTP2M_OP_A_VALUE]);
	else
		ck_assert_uint_eq(nla_get_u8(tb[ALTP2M_OP_A_VALUE]), value);
}

START_TEST(batch_netlink)
{
	struct altp2m_batch_builder *b = three_views();
	struct altp2m_batch_opts o = { .sz = sizeof(o) };
	struct altp2m_error e = { .sz = sizeof(e) };
	struct altp2m_vm *vm;
	struct nlfake n;
	uint64_t gen = 0;

	nlfake_init(&n);
	n.generation = 70;
	vm = nl_vm(&n);
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, NULL, &gen), 0);
	/* It fits one message: BATCH. */
	ck_assert_int_eq(n.calls, 1);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_BATCH);
	ck_assert_uint_eq(gen, 71);
	ck_assert_uint_eq(n.log[0].nentries, 4);
	ck_assert(!n.log[0].has_gen);
	expect_op(n.last, 0, ALTP2M_BATCH_SET_ACCESS, 1, 0x100, 16, NONE,
		  ALTP2M_ACCESS_RX);
	expect_op(n.last, 1, ALTP2M_BATCH_SET_SVE, 2, 0x200, 1, NONE, 1);
	expect_op(n.last, 2, ALTP2M_BATCH_REMAP, 3, 0x300, -1, 0x400, -1);
	expect_op(n.last, 3, ALTP2M_BATCH_REMAP, 3, 0x301, -1,
		  (int64_t)ALTP2M_GFN_INVALID, -1);

	o.if_generation = true;
	o.generation = 71;
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, &o, &gen), 0);
	ck_assert(n.log[1].has_gen);
	ck_assert_uint_eq(n.log[1].gen, 71);

	/* The module blames operation 3 through the cookie. */
	n.calls = 0;
	n.err = -EINVAL;
	n.err_call = 1;
	n.kmsg = "operation 3: gfn is not remapped";
	n.fail_op = 3;
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, NULL, &gen), -EINVAL);
	ck_assert_int_eq(altp2m_vm_last_error(vm, &e), 0);
	ck_assert_int_eq(e.op, 3);
	ck_assert_int_eq(e.entry, -1);
	ck_assert_str_eq(e.msg, "commit a batch of 4 operations: Invalid argument (operation 3: gfn is not remapped)");
	/* Or an attribute of operation 1, by its offset. */
	n.calls = 0;
	n.fail_op = -1;
	n.kmsg = NULL;
	n.blame_entry = 1;
	n.blame_inner = ALTP2M_OP_A_VALUE;
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, NULL, &gen), -EINVAL);
	ck_assert_int_eq(altp2m_vm_last_error(vm, &e), 0);
	ck_assert_int_eq(e.op, 1);
	ck_assert_int_eq(e.attr, ALTP2M_A_OP);
	ck_assert_str_eq(e.attr_name, "op.value");
	ck_assert_str_eq(e.msg, "commit a batch of 4 operations: Invalid argument (attribute op.value of operation 1)");
	/* The module's message names the operation and the attribute. */
	n.calls = 0;
	n.kmsg = "operation 1: value: above the access codes";
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, NULL, &gen), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "commit a batch of 4 operations: Invalid argument (operation 1: value: above the access codes)");
	ck_assert_int_eq(altp2m_vm_last_error(vm, &e), 0);
	ck_assert_int_eq(e.op, 1);
	ck_assert_str_eq(e.attr_name, "op.value");
	/* Another attribute's name: the blamed one is still said. */
	n.calls = 0;
	n.kmsg = "operation 1: gfn: odd";
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, NULL, &gen), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "commit a batch of 4 operations: Invalid argument (operation 1: gfn: odd; attribute op.value of operation 1)");
	altp2m_vm_close(vm);
	altp2m_batch_free(b);
	nlfake_fini(&n);
}
END_TEST

/* A batch too big for one message: a transaction, the same all-or-nothing. */
START_TEST(batch_netlink_txn)
{
	struct altp2m_batch_opts o = {
		.sz = sizeof(o), .if_generation = true, .generation = 5,
	};
	struct altp2m_error e = { .sz = sizeof(e) };
	struct altp2m_batch_builder *b = NULL;
	struct altp2m_vm *vm;
	struct nlfake n;
	uint64_t gen = 0;
	unsigned int i;

	ck_assert_int_eq(altp2m_batch_new(&b), 0);
	for (i = 0; i < 3 * ALTP2M_NL_LIST_CHUNK / 2; i++)
		ck_assert_int_eq(altp2m_batch_set_access(b, 1 + i % 3, i, 1,
							 i % 10), 0);
	nlfake_init(&n);
	n.generation = 5;
	vm = nl_vm(&n);
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, &o, &gen), 0);
	ck_assert_int_eq(n.calls, 4);
	ck_assert_uint_eq(n.log[0].cmd, ALTP2M_CMD_TXN_BEGIN);
	ck_assert_uint_eq(n.log[1].cmd, ALTP2M_CMD_TXN_STAGE);
	ck_assert_uint_eq(n.log[1].nentries, ALTP2M_NL_LIST_CHUNK);
	ck_assert_uint_eq(n.log[2].cmd, ALTP2M_CMD_TXN_STAGE);
	ck_assert_uint_eq(n.log[2].nentries, ALTP2M_NL_LIST_CHUNK / 2);
	ck_assert_uint_eq(n.log[2].first_gfn, ALTP2M_NL_LIST_CHUNK);
	ck_assert_uint_eq(n.log[3].cmd, ALTP2M_CMD_TXN_COMMIT);
	/* The generation goes with the commit, not with the stages. */
	ck_assert(!n.log[1].has_gen && !n.log[2].has_gen);
	ck_assert(n.log[3].has_gen);
	ck_assert_uint_eq(n.log[3].gen, 5);
	ck_assert_uint_eq(gen, 6);

	/* The commit fails at operation 2500: it is the batch's op 2500. */
	n.calls = 0;
	n.err = -ENOENT;
	n.err_call = 4;
	n.kmsg = "operation 2500: no such view";
	n.fail_op = 2500;
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, NULL, NULL), -ENOENT);
	ck_assert_int_eq(n.calls, 4);
	ck_assert_int_eq(altp2m_vm_last_error(vm, &e), 0);
	ck_assert_int_eq(e.op, 2500);
	ck_assert_int_eq(e.entry, -1);

	/* The second STAGE fails at its operation 7: op 2055, then ABORT. */
	n.calls = 0;
	n.err_call = 3;
	n.kmsg = NULL;
	n.fail_op = -1;
	n.blame_entry = 7;
	n.blame_inner = ALTP2M_OP_A_GFN;
	ck_assert_int_eq(altp2m_vm_batch_commit(vm, b, NULL, NULL), -ENOENT);
	ck_assert_int_eq(n.calls, 4);
	ck_assert_uint_eq(n.log[3].cmd, ALTP2M_CMD_TXN_ABORT);
	ck_assert_int_eq(altp2m_vm_last_error(vm, &e), 0);
	ck_assert_int_eq(e.op, ALTP2M_NL_LIST_CHUNK + 7);
	ck_assert_str_eq(e.attr_name, "op.gfn");
	altp2m_vm_close(vm);
	altp2m_batch_free(b);
	nlfake_fini(&n);
}
END_TEST

START_TEST(real_endpoints_without_module)
{
	struct altp2m_vm_info *vms = NULL;
	struct altp2m_monitor *mon = NULL;
	struct altp2m_conn *conn = NULL;
	struct altp2m_vm *vm = NULL;
	char err[ALTP2M_ERRMSG_LEN] = "";
	size_t nr;
	int ret;

	/*
	 * With the module not loaded the family is missing; where this runs
	 * with it loaded, VM 0 does not exist (ids start at 1).
	 */
	ret = altp2m_conn_open(&conn, NULL, err, sizeof(err));
	if (ret) {
		ck_assert_ptr_null(conn);
		ck_assert_str_ne(err, "");
		if (ret == -ENOENT)
			ck_assert_str_eq(err, "open connection: No such file or directory (the generic netlink family altp2m does not exist: is the module loaded?)");
		return;
	}
	ret = altp2m_vm_attach(conn, 0, &vm);
	ck_assert_int_lt(ret, 0);
	ck_assert_ptr_null(vm);
	ck_assert_ptr_nonnull(strstr(altp2m_conn_errmsg(conn), "attach to VM 0"));
	ret = altp2m_conn_list_vms(conn, &vms, &nr);
	if (ret)
		ck_assert_ptr_null(vms);
	else
		altp2m_free(vms);
	ret = altp2m_monitor_open(conn, NULL, &mon);
	if (!ret) {
		ck_assert_int_ge(altp2m_monitor_fd(mon), 0);
		ck_assert_int_eq(altp2m_monitor_next(mon, &(struct altp2m_event){ 0 }, 0),
				 0);
		altp2m_monitor_close(mon);
	}
	altp2m_conn_close(conn);
}
END_TEST

static Suite *lib_vm_suite(void)
{
	Suite *s = suite_create("libaltp2m-vm");
	TCase *doors = tcase_create("doors");
	TCase *fd = tcase_create("fd");
	TCase *nl = tcase_create("netlink");

	tcase_add_test(doors, doors_agree);
	tcase_add_test(fd, fd_hidden);
	tcase_add_test(nl, nl_hidden);
	tcase_add_test(doors, doors_agree_empty);
	tcase_add_test(doors, bad_args_fd);
	tcase_add_test(doors, bad_args_netlink);
	tcase_add_test(doors, real_endpoints_without_module);
	suite_add_tcase(s, doors);

	tcase_add_test(fd, fd_views);
	tcase_add_test(fd, fd_switch_and_visibility);
	tcase_add_test(fd, fd_gfns);
	tcase_add_test(fd, fd_list_at_the_limit);
	tcase_add_test(fd, fd_list_views_cursor);
	tcase_add_test(fd, fd_dump_view_cursor);
	tcase_add_test(fd, fd_dump_must_progress);
	tcase_add_test(fd, fd_errors);
	tcase_add_test(fd, fd_get_info);
	tcase_add_test(fd, fd_get_info_errors);
	tcase_add_test(fd, fd_open_checks_api);
	tcase_add_test(fd, fd_from_fd_dups);
	tcase_add_test(fd, fd_fdinfo);
	tcase_add_test(fd, fd_from_fd_refuses_others);
	suite_add_tcase(s, fd);

	tcase_add_test(nl, nl_attach);
	tcase_add_test(nl, nl_attach_fails);
	tcase_add_test(nl, conn_resolves_family);
	tcase_add_test(nl, conn_version_mismatch);
	tcase_add_test(nl, nl_views);
	tcase_add_test(nl, nl_gfns);
	tcase_add_test(nl, nl_list_chunks);
	tcase_add_test(nl, nl_list_fails_later);
	tcase_add_test(nl, nl_list_stage_contents);
	tcase_add_test(nl, nl_extack);
	tcase_add_test(nl, nl_bad_answers);
	tcase_add_test(nl, nl_dumps);
	tcase_add_test(nl, nl_dump_interrupted);
	tcase_add_test(nl, nl_dump_errors);
	tcase_add_test(nl, nl_list_vms);
	tcase_add_test(nl, nl_attr_names_from_offsets);
	tcase_add_test(nl, batch_builder_checks);
	tcase_add_test(nl, batch_fd);
	tcase_add_test(nl, batch_netlink);
	tcase_add_test(nl, batch_netlink_txn);
	tcase_set_timeout(nl, 20);
	suite_add_tcase(s, nl);
	return s;
}
UNIT_SUITE(lib_vm_suite)
