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
	int probes;
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
	case ALTP2M_GET_MEM_ACCESS:
		f->get = *g;
		if (g->flags || !is_zero(g->pad, sizeof(g->pad)) ||
		    !is_zero(g->reserved, sizeof(g->reserved)))
			return -EINVAL;
		if (g->view && g->gfn == 0)
			f->probes++;
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

static const struct altp2m_transport fd_tr = {
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
	ck_assert_int_eq(altp2m_vm_open_fd_transport(&vm, &fd_tr, f, VMID,
						     NULL, 0), 0);
	ck_assert_ptr_nonnull(vm);
	ck_assert_int_eq(f->calls, 0);	/* opening sends nothing */
	return vm;
}

/* ---- the fake netlink door ---- */

#define LOG_MAX	64

struct nlreq {
	uint8_t cmd;
	uint16_t flags;
	size_t nentries;
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
};

static void nlfake_init(struct nlfake *f)
{
	memset(f, 0, sizeof(*f));
	f->blame_entry = -1;
	f->miss_nest_entry = -1;
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
		if (entry >= 0 && nla_type(a) == ALTP2M_A_ENTRY && n++ == entry) {
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

		if (nla_type(a) != ALTP2M_A_ENTRY)
			continue;
		nla_for_each_nested(in, a, irem) {
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

static void deliver(struct altp2m_nl_reply *rep, struct nl_msg *m)
{
	altp2m_nl_deliver(rep, nlmsg_hdr(m));
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

static void send_ack(struct altp2m_nl_reply *rep, struct nlmsghdr *req,
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

static void send_error(struct nlfake *f, struct altp2m_nl_reply *rep,
		       struct nlmsghdr *req)
{
	struct nl_msg *m = nlmsg_alloc_size(req->nlmsg_len + 1024);
	bool tlvs = f->kmsg || f->blame || f->blame_entry >= 0 ||
		    f->blame_offs || f->miss_type;
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
	if (f->miss_type) {
		nla_put_u32(m, NLMSGERR_ATTR_MISS_TYPE, f->miss_type);
		if (f->miss_nest_entry >= 0)
			nla_put_u32(m, NLMSGERR_ATTR_MISS_NEST,
				    req_off(req, 0, f->miss_nest_entry, -1));
	}
	deliver(rep, m);
}

static void send_done(struct nlfake *f, struct altp2m_nl_reply *rep,
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
static void answer_do(struct nlfake *f, struct altp2m_nl_reply *rep,
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

static void answer_dump(struct nlfake *f, struct altp2m_nl_reply *rep,
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

static int nlf_exchange(void *priv, struct nl_msg *msg,
		       struct altp2m_nl_reply *rep)
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
	ck_assert_uint_eq(req->nlmsg_type, FAMILY);
	ck_assert_uint_eq(g->version, ALTP2M_GENL_VERSION);
	ck_assert(req->nlmsg_flags & NLM_F_REQUEST);
	log_req(f, req);
	if (f->exchange_err)
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

static const struct altp2m_nl_transport nl_tr = {
	.exchange = nlf_exchange,
	.close = nlf_close,
};

/* A netlink handle; the GET_VM of attaching is forgotten. */
static struct altp2m_vm *nl_vm(struct nlfake *f)
{
	struct altp2m_vm *vm = NULL;
	char err[ALTP2M_ERRMSG_LEN] = "";

	ck_assert_int_eq(altp2m_vm_open_nl_transport(&vm, &nl_tr, f, FAMILY,
						     VMID, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(vm);
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
	ck_assert_int_eq(altp2m_view_create(vm, ALTP2M_ACCESS_RX, &view), 0);
	ck_assert_uint_eq(view, MODEL_CREATED_VIEW);
	ck_assert_int_eq(altp2m_get_access(vm, 1, 0x42, &access, &sve), 0);
	ck_assert_uint_eq(access, MODEL_ACCESS);
	ck_assert(sve);
	memset(&vv, 0xaa, sizeof(vv));
	ck_assert_int_eq(altp2m_vcpu_views(vm, &vv), 0);
	check_vcpu_views(&vv);
	memset(&st, 0xaa, sizeof(st));
	ck_assert_int_eq(altp2m_vm_stats(vm, &st), 0);
	check_stats(&st);
	ck_assert_int_eq(altp2m_list_views(vm, &v, &nr), 0);
	check_views(v, nr, nviews);
	free(v);
	ck_assert_int_eq(altp2m_dump_view(vm, 1, &e, &nr), 0);
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
			 "enable views: max_views 513 is above 512");
	ck_assert_int_eq(altp2m_vm_views_enable(vm, 0, ALTP2M_MODE_LIMITED + 1),
			 -EINVAL);
	ck_assert_int_eq(altp2m_view_create(vm, ALTP2M_ACCESS_DEFAULT + 1, &view),
			 -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "create view: access 11 is not an ALTP2M_ACCESS_* code");
	ck_assert_int_eq(altp2m_view_create(vm, 0, NULL), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "create view: NULL result pointer");
	ck_assert_int_eq(altp2m_view_destroy(vm, ALTP2M_MAX_VIEWS), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "destroy view: view 512: view 512 is beyond the last possible (511)");
	ck_assert_int_eq(altp2m_view_switch(vm, ALTP2M_MAX_VIEWS, -1), -EINVAL);
	ck_assert_int_eq(altp2m_view_switch(vm, 1, ALTP2M_MAX_VCPUS), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "switch view: view 1, vCPU 64: vCPU 64 is beyond the last possible (63)");
	ck_assert_int_eq(altp2m_view_set_visible(vm, 1, 64, true), -EINVAL);
	ck_assert_int_eq(altp2m_view_set_visible(vm, 600, -1, false), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "hide view: view 600: view 600 is beyond the last possible (511)");
	ck_assert_int_eq(altp2m_set_access(vm, 1, 0, 0, 0), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access: view 1, gfn 0x0, 0 pages: npages is 0");
	ck_assert_int_eq(altp2m_set_access(vm, 1, 0, 1, ALTP2M_ACCESS_DEFAULT + 1),
			 -EINVAL);
	ck_assert_int_eq(altp2m_set_access(vm, 512, 0, 1, 0), -EINVAL);
	ck_assert_int_eq(altp2m_set_sve(vm, 1, 0, 0, true), -EINVAL);
	ck_assert_int_eq(altp2m_set_access_list(vm, 1, gfns, bad_access, 0), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list: view 1: 0 entries: a list has 1 to 1048576");
	ck_assert_int_eq(altp2m_set_access_list(vm, 1, gfns, bad_access,
						ALTP2M_GFN_LIST_MAX + 1), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list: view 1: 1048577 entries: a list has 1 to 1048576");
	ck_assert_int_eq(altp2m_set_access_list(vm, 1, gfns, bad_access, 2),
			 -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list: view 1: entry 1: value 11 is above 10");
	ck_assert_int_eq(altp2m_set_access_list(vm, 1, NULL, bad_access, 1),
			 -EINVAL);
	ck_assert_int_eq(altp2m_set_access_list(vm, 1, gfns, NULL, 1), -EINVAL);
	ck_assert_int_eq(altp2m_set_sve_list(vm, 1, gfns, bad_sve, 2), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set suppress-#VE list: view 1: entry 1: value 2 is above 1");
	ck_assert_int_eq(altp2m_set_sve_list(vm, 513, gfns, bad_sve, 1), -EINVAL);
	ck_assert_int_eq(altp2m_get_access(vm, 512, 0, &access, &sve), -EINVAL);
	ck_assert_int_eq(altp2m_remap(vm, 512, 1, 2), -EINVAL);
	ck_assert_int_eq(altp2m_revert(vm, 512, 1), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "revert: view 512, gfn 0x1: view 512 is beyond the last possible (511)");
	ck_assert_int_eq(altp2m_list_views(vm, NULL, &nr), -EINVAL);
	ck_assert_int_eq(altp2m_list_views(vm, &v, NULL), -EINVAL);
	ck_assert_int_eq(altp2m_dump_view(vm, 1, &e, NULL), -EINVAL);
	ck_assert_int_eq(altp2m_dump_view(vm, 1, NULL, &nr), -EINVAL);
	ck_assert_int_eq(altp2m_dump_view(vm, 512, &e, &nr), -EINVAL);
	ck_assert_int_eq(altp2m_vm_stats(vm, NULL), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "get VM stats: NULL result pointer");
	ck_assert_int_eq(altp2m_vcpu_views(vm, NULL), -EINVAL);
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

	ck_assert_int_eq(altp2m_view_create(vm, ALTP2M_ACCESS_DEFAULT, &view), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_CREATE_VIEW);
	ck_assert_uint_eq(f.create.flags, 0);
	ck_assert_uint_eq(f.create.default_access, ALTP2M_ACCESS_DEFAULT);
	ck_assert_uint_eq(f.create.view, 0);
	ck_assert(is_zero(f.create.reserved, sizeof(f.create.reserved)));
	ck_assert_uint_eq(view, MODEL_CREATED_VIEW);

	ck_assert_int_eq(altp2m_view_destroy(vm, 511), 0);
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

	ck_assert_int_eq(altp2m_view_switch(vm, 3, -1), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SWITCH_VIEW);
	ck_assert_uint_eq(f.sw.flags, 0);
	ck_assert_uint_eq(f.sw.view, 3);
	ck_assert_uint_eq(f.sw.vcpu_id, 0);
	ck_assert_uint_eq(f.sw.pad, 0);
	ck_assert(is_zero(f.sw.reserved, sizeof(f.sw.reserved)));
	ck_assert_int_eq(altp2m_view_switch(vm, 2, 63), 0);
	ck_assert_uint_eq(f.sw.flags, ALTP2M_SWITCH_ONE_VCPU);
	ck_assert_uint_eq(f.sw.view, 2);
	ck_assert_uint_eq(f.sw.vcpu_id, 63);

	ck_assert_int_eq(altp2m_view_set_visible(vm, 4, -1, false), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SET_VIEW_VISIBILITY);
	ck_assert_uint_eq(f.vis.flags, 0);
	ck_assert_uint_eq(f.vis.view, 4);
	ck_assert_uint_eq(f.vis.vcpu_id, 0);
	ck_assert_uint_eq(f.vis.visible, 0);
	ck_assert(is_zero(f.vis.pad, sizeof(f.vis.pad)));
	ck_assert(is_zero(f.vis.reserved, sizeof(f.vis.reserved)));
	ck_assert_int_eq(altp2m_view_set_visible(vm, 5, 7, true), 0);
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

	ck_assert_int_eq(altp2m_set_access(vm, 2, 0x987654321ULL, 0x200, 5), 0);
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

	ck_assert_int_eq(altp2m_set_sve(vm, 0, 4, 1, true), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SET_SUPPRESS_VE);
	ck_assert_uint_eq(f.set.value, 1);
	ck_assert_uint_eq(f.set.view, 0);

	ck_assert_int_eq(altp2m_set_access_list(vm, 6, gfns, acc, 3), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SET_MEM_ACCESS);
	ck_assert_uint_eq(f.set.flags, ALTP2M_GFN_SET_LIST);
	ck_assert_uint_eq(f.set.view, 6);
	ck_assert_uint_eq(f.set.npages, 3);
	ck_assert_uint_eq(f.set.gfns, (uintptr_t)gfns);
	ck_assert_uint_eq(f.set.values, (uintptr_t)acc);
	ck_assert_uint_eq(f.set.gfn, 0);
	ck_assert_uint_eq(f.set.value, 0);
	ck_assert_int_eq(altp2m_set_sve_list(vm, 6, gfns, (const uint8_t[]){ 1, 0, 1 },
					     3), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_SET_SUPPRESS_VE);
	ck_assert_uint_eq(f.set.flags, ALTP2M_GFN_SET_LIST);

	ck_assert_int_eq(altp2m_get_access(vm, 2, 0x55, &access, &sve), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_GET_MEM_ACCESS);
	ck_assert_uint_eq(f.get.view, 2);
	ck_assert_uint_eq(f.get.gfn, 0x55);
	ck_assert_uint_eq(f.get.flags, 0);
	ck_assert_uint_eq(access, MODEL_ACCESS);
	ck_assert(sve);
	/* Either result may be left out. */
	ck_assert_int_eq(altp2m_get_access(vm, 2, 0x55, NULL, &sve), 0);
	ck_assert_int_eq(altp2m_get_access(vm, 2, 0x55, &access, NULL), 0);

	ck_assert_int_eq(altp2m_remap(vm, 1, 0x10, 0x20), 0);
	ck_assert_uint_eq(f.cmd, ALTP2M_REMAP_GFN);
	ck_assert_uint_eq(f.remap.flags, 0);
	ck_assert_uint_eq(f.remap.view, 1);
	ck_assert_uint_eq(f.remap.gfn, 0x10);
	ck_assert_uint_eq(f.remap.target, 0x20);
	ck_assert(is_zero(f.remap.reserved, sizeof(f.remap.reserved)));
	ck_assert_int_eq(altp2m_revert(vm, 1, 0x11), 0);
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
	ck_assert_int_eq(altp2m_set_access_list(vm, 1, gfns, vals,
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

	ck_assert_int_eq(altp2m_list_views(vm, &v, &nr), 0);
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

	ck_assert_int_eq(altp2m_dump_view(vm, 3, &e, &nr), 0);
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
	ck_assert_int_eq(altp2m_dump_view(vm, 3, &e, &nr), 0);
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

	ck_assert_int_eq(altp2m_dump_view(vm, 3, &e, &nr), -EPROTO);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(nr, 0);
	ck_assert_int_eq(f.ndumps, 1);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "dump view: view 3: the module's dump does not go on (cursor 0x0, 0 entries)");
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
	ck_assert_int_eq(altp2m_set_access(vm, 1, 0x10, 1, 0), -ESRCH);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access: view 1, gfn 0x10, 1 pages: No such process");
	/* A later success leaves no message behind. */
	ck_assert_int_eq(altp2m_vm_views_disable(vm), 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "");

	f.fail_cmd = ALTP2M_VIEWS_DISABLE;
	f.fail_err = -EIO;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), -EIO);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "disable views: Input/output error: only the process that created the VM may use its fd");

	/* A failure in the second chunk frees the first. */
	f.fail_cmd = ALTP2M_LIST_VIEWS;
	f.fail_err = -ENOMEM;
	f.fail_after = 1;
	f.fail_seen = 0;
	ck_assert_int_eq(altp2m_list_views(vm, &v, &nr), -ENOMEM);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(nr, 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "list views: Cannot allocate memory");

	f.fail_cmd = ALTP2M_DUMP_VIEW;
	f.fail_err = -ENOENT;
	f.fail_after = 2;
	f.fail_seen = 0;
	nr = 5;
	ck_assert_int_eq(altp2m_dump_view(vm, 9, &e, &nr), -ENOENT);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(nr, 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "dump view: view 9: No such file or directory");

	f.fail_cmd = ALTP2M_CREATE_VIEW;
	f.fail_err = -ENOSPC;
	f.fail_after = 0;
	f.fail_seen = 0;
	ck_assert_int_eq(altp2m_view_create(vm, 0, &(uint32_t){ 0 }), -ENOSPC);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "create view: No space left on device");
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(fd_get_info)
{
	static const unsigned int maxes[] = { 0, 1, 2, 10, 37, 256, 511, 512 };
	struct altp2m_vm_info info;
	struct altp2m_vm *vm;
	int i;

	for (i = 0; i < ARRAY_LEN(maxes); i++) {
		struct fdfake f = { .max_views = maxes[i] };

		vm = fd_vm(&f);
		memset(&info, 0xaa, sizeof(info));
		ck_assert_int_eq(altp2m_vm_get_info(vm, &info), 0);
		ck_assert_uint_eq(info.vm_id, VMID);
		ck_assert_uint_eq(info.owner_pid, getpid());
		ck_assert_uint_eq(info.nr_vcpus, model_stat(ALTP2M_STATS_A_NR_VCPUS));
		ck_assert_uint_eq(info.mem_pages, model_stat(ALTP2M_STATS_A_MEM_PAGES));
		ck_assert_uint_eq(info.nr_views, model_stat(ALTP2M_STATS_A_NR_VIEWS));
		ck_assert_uint_eq(info.views_enabled, maxes[i] != 0);
		ck_assert_uint_eq(info.max_views, maxes[i]);
		ck_assert_uint_eq(info.mode, 0);
		ck_assert_uint_eq(info.generation, 0);
		ck_assert_uint_eq(info.pad, 0);
		/* One probe for "enabled", then a binary search. */
		ck_assert_int_le(f.probes, 10);
		altp2m_vm_close(vm);
	}
}
END_TEST

START_TEST(fd_get_info_errors)
{
	struct fdfake f = { .max_views = 10 };
	struct altp2m_vm_info info;
	struct altp2m_vm *vm = fd_vm(&f);

	f.fail_cmd = ALTP2M_GET_VM_STATS;
	f.fail_err = -EIO;
	ck_assert_int_eq(altp2m_vm_get_info(vm, &info), -EIO);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "get VM info: Input/output error: only the process that created the VM may use its fd");
	f.fail_cmd = ALTP2M_GET_MEM_ACCESS;
	f.fail_err = -EFAULT;
	f.fail_after = 2;
	f.fail_seen = 0;
	ck_assert_int_eq(altp2m_vm_get_info(vm, &info), -EFAULT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "get VM info: Bad address");
	altp2m_vm_close(vm);
}
END_TEST

START_TEST(fd_fdinfo)
{
	uint32_t id = 0;

	ck_assert_int_eq(altp2m_fdinfo_vm_id("pos:\t0\nflags:\t02000002\n"
					     "mnt_id:\t15\nino:\t1057\n"
					     "altp2m-vm-id:\t42\n", &id), 0);
	ck_assert_uint_eq(id, 42);
	ck_assert_int_eq(altp2m_fdinfo_vm_id("altp2m-vm-id:\t4294967295\n", &id), 0);
	ck_assert_uint_eq(id, 4294967295u);
	ck_assert_int_eq(altp2m_fdinfo_vm_id("pos:\t0\nflags:\t02\n", &id), -ENOENT);
	ck_assert_int_eq(altp2m_fdinfo_vm_id("xaltp2m-vm-id:\t1\n", &id), -ENOENT);
	ck_assert_int_eq(altp2m_fdinfo_vm_id("altp2m-vm-id:\tx\n", &id), -ENOENT);
	ck_assert_int_eq(altp2m_fdinfo_vm_id("", &id), -ENOENT);
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
	char err[ALTP2M_ERRMSG_LEN];
	struct nlfake n;

	nlfake_init(&n);
	n.err = -ENOENT;
	n.kmsg = "no such VM";
	n.blame = ALTP2M_A_VM_ID;
	ck_assert_int_eq(altp2m_vm_open_nl_transport(&vm, &nl_tr, &n, FAMILY,
						     VMID, err, sizeof(err)),
			 -ENOENT);
	ck_assert_ptr_null(vm);
	ck_assert_int_eq(n.closed, 1);
	ck_assert_str_eq(err, "attach to VM 3: no such VM (attribute vm-id)");

	nlfake_fini(&n);
	nlfake_init(&n);
	n.err = -EPERM;
	ck_assert_int_eq(altp2m_vm_open_nl_transport(&vm, &nl_tr, &n, FAMILY,
						     VMID, err, sizeof(err)),
			 -EPERM);
	ck_assert_str_eq(err, "attach to VM 3: Operation not permitted: "
			      "needs CAP_NET_ADMIN or CAP_SYS_ADMIN over the VM "
			      "(in the user namespace of its creator)");
	ck_assert_int_eq(n.closed, 1);

	/* No answer is not an answer. */
	nlfake_fini(&n);
	nlfake_init(&n);
	n.no_reply = true;
	ck_assert_int_eq(altp2m_vm_open_nl_transport(&vm, &nl_tr, &n, FAMILY,
						     VMID, NULL, 0), -EPROTO);
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

	ck_assert_int_eq(altp2m_view_create(vm, ALTP2M_ACCESS_RX2RW, &view), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_CREATE_VIEW);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_DEFAULT_ACCESS);
	ck_assert_uint_eq(a8(n.last, ALTP2M_A_DEFAULT_ACCESS), ALTP2M_ACCESS_RX2RW);
	ck_assert_uint_eq(view, MODEL_CREATED_VIEW);

	ck_assert_int_eq(altp2m_view_destroy(vm, 9), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_DESTROY_VIEW);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 9);

	ck_assert_int_eq(altp2m_view_switch(vm, 4, -1), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_SWITCH_VIEW);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 4);
	ck_assert_int_eq(altp2m_view_switch(vm, 4, 63), 0);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_VCPU);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VCPU), 63);

	ck_assert_int_eq(altp2m_view_set_visible(vm, 6, -1, true), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_SET_VISIBILITY);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_VISIBLE);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 6);
	ck_assert_uint_eq(a8(n.last, ALTP2M_A_VISIBLE), 1);
	ck_assert_int_eq(altp2m_view_set_visible(vm, 6, 0, false), 0);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_VISIBLE,
		     ALTP2M_A_VCPU);
	ck_assert_uint_eq(a8(n.last, ALTP2M_A_VISIBLE), 0);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VCPU), 0);

	ck_assert_int_eq(altp2m_vcpu_views(vm, &(struct altp2m_vcpu_views){ 0 }), 0);
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
	ck_assert_int_eq(altp2m_set_access(vm, 2, 0x987654321ULL, 0x200000000ULL,
					   ALTP2M_ACCESS_RX), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_SET_ACCESS);
	ck_assert_uint_eq(n.last->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_GFN,
		     ALTP2M_A_NPAGES, ALTP2M_A_ACCESS);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 2);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_GFN), 0x987654321ULL);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_NPAGES), 0x200000000ULL);
	ck_assert_uint_eq(a8(n.last, ALTP2M_A_ACCESS), ALTP2M_ACCESS_RX);

	ck_assert_int_eq(altp2m_set_sve(vm, 0, 5, 1, false), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_SET_SVE);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_GFN,
		     ALTP2M_A_NPAGES, ALTP2M_A_SVE);
	ck_assert_uint_eq(a8(n.last, ALTP2M_A_SVE), 0);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_NPAGES), 1);

	ck_assert_int_eq(altp2m_get_access(vm, 7, 0xabcdef012ULL, &access, &sve), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_GET_ACCESS);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_GFN);
	ck_assert_uint_eq(a32(n.last, ALTP2M_A_VIEW), 7);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_GFN), 0xabcdef012ULL);
	ck_assert_uint_eq(access, MODEL_ACCESS);
	ck_assert(sve);

	ck_assert_int_eq(altp2m_remap(vm, 3, 0x10, 0x123456789ULL), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_REMAP);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID, ALTP2M_A_VIEW, ALTP2M_A_GFN,
		     ALTP2M_A_TARGET);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_GFN), 0x10);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_TARGET), 0x123456789ULL);
	ck_assert_int_eq(altp2m_revert(vm, 3, 0x10), 0);
	ck_assert_uint_eq(a64(n.last, ALTP2M_A_TARGET), ALTP2M_GFN_INVALID);
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

/* A list of @n through netlink: the messages and what is in them. */
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
		ck_assert_int_eq(altp2m_set_sve_list(vm, 8, gfns, vals, count), 0);
	else
		ck_assert_int_eq(altp2m_set_access_list(vm, 8, gfns, vals, count), 0);
	ck_assert_uint_eq(n.calls, msgs);
	for (i = 0; i < msgs; i++) {
		size_t first = i * ALTP2M_NL_LIST_CHUNK;
		size_t last = i + 1 == msgs ? count - 1 : first + ALTP2M_NL_LIST_CHUNK - 1;

		ck_assert_uint_eq(n.log[i].cmd, sve ? ALTP2M_CMD_SET_SVE :
						      ALTP2M_CMD_SET_ACCESS);
		ck_assert_uint_eq(n.log[i].nentries, last - first + 1);
		ck_assert_uint_eq(n.log[i].first_gfn, gfns[first]);
		ck_assert_uint_eq(n.log[i].last_gfn, gfns[last]);
		ck_assert_uint_eq(n.log[i].first_val, vals[first]);
		ck_assert_uint_eq(n.log[i].last_val, vals[last]);
	}
	/* The last message, attribute by attribute. */
	i = (msgs - 1) * ALTP2M_NL_LIST_CHUNK;
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

START_TEST(nl_list_fails_later)
{
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
	n.err = -EINVAL;
	n.err_call = 2;
	n.kmsg = "access not supported";
	n.blame_entry = 5;
	n.blame_inner = ALTP2M_ENTRY_A_ACCESS;
	ck_assert_int_eq(altp2m_set_access_list(vm, 2, gfns, vals, 5000), -EINVAL);
	ck_assert_int_eq(n.calls, 2);	/* the third message is not sent */
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list: view 2: access not supported "
			 "(attribute entry.access of list entry 2053); "
			 "entries 0 to 2047 of 5000 were applied");

	/* The first message fails: nothing was applied, nothing to say. */
	n.calls = 0;
	n.err_call = 1;
	n.kmsg = NULL;
	n.blame_entry = -1;
	n.miss_type = ALTP2M_ENTRY_A_GFN;
	n.miss_nest_entry = 3;
	ck_assert_int_eq(altp2m_set_sve_list(vm, 2, gfns, (uint8_t[5000]){ 0 }, 5000),
			 -EINVAL);
	ck_assert_int_eq(n.calls, 1);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set suppress-#VE list: view 2: Invalid argument "
			 "(missing attribute entry.gfn in list entry 3)");

	/* Blamed on the view, in the third message. */
	n.calls = 0;
	n.err_call = 3;
	n.err = -ENOENT;
	n.miss_type = 0;
	n.kmsg = "no such view";
	n.blame = ALTP2M_A_VIEW;
	ck_assert_int_eq(altp2m_set_access_list(vm, 2, gfns, vals, 5000), -ENOENT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access list: view 2: no such view (attribute view); "
			 "entries 0 to 4095 of 5000 were applied");
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
	ck_assert_int_eq(altp2m_set_access(vm, 7, 0x10, 1, 3), -ENOENT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "set access: view 7, gfn 0x10, 1 pages: view does not exist (attribute view)");

	/* The whole request echoed (no NETLINK_CAP_ACK): the same. */
	n.uncapped = true;
	n.err = -ERANGE;
	n.kmsg = "gfn beyond the guest's address width";
	n.blame = ALTP2M_A_GFN;
	ck_assert_int_eq(altp2m_get_access(vm, 1, 1ULL << 40, NULL, NULL), -ERANGE);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "get access: view 1, gfn 0x10000000000: gfn beyond the guest's address width (attribute gfn)");
	n.uncapped = false;

	n.err = -EINVAL;
	n.kmsg = NULL;
	n.blame = 0;
	n.miss_type = ALTP2M_A_TARGET;
	ck_assert_int_eq(altp2m_remap(vm, 1, 2, 3), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "remap: view 1, gfn 0x2 to 0x3: Invalid argument (missing attribute target)");

	n.miss_type = 0;
	n.blame_offs = 3;	/* inside the header: no attribute */
	n.kmsg = "odd";
	ck_assert_int_eq(altp2m_view_destroy(vm, 1), -EINVAL);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "destroy view: view 1: odd (attribute at offset 3)");

	n.blame_offs = 0;
	n.kmsg = NULL;
	n.err = -EBUSY;
	ck_assert_int_eq(altp2m_view_destroy(vm, 1), -EBUSY);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "destroy view: view 1: Device or resource busy");

	/* EPERM: the kernel's message, or the library's when it sent none. */
	n.err = -EPERM;
	n.kmsg = "not yours";
	n.blame = ALTP2M_A_VM_ID;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), -EPERM);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "disable views: not yours (attribute vm-id)");
	n.kmsg = NULL;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), -EPERM);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "disable views: Operation not permitted (attribute vm-id): needs CAP_NET_ADMIN "
			 "or CAP_SYS_ADMIN over the VM (in the user namespace of its creator)");

	/* A message that starts with the attribute's name is not repeated. */
	n.err = -ENOENT;
	n.kmsg = "view: no such view";
	n.blame = ALTP2M_A_VIEW;
	ck_assert_int_eq(altp2m_view_destroy(vm, 1), -ENOENT);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "destroy view: view 1: view: no such view");

	n.err = -EOPNOTSUPP;
	n.kmsg = NULL;
	n.blame = ALTP2M_A_VCPU;
	ck_assert_int_eq(altp2m_view_switch(vm, 2, 5), -EOPNOTSUPP);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "switch view: view 2, vCPU 5: Operation not supported (attribute vcpu)");
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
	ck_assert_int_eq(altp2m_view_create(vm, 0, &view), -EPROTO);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "create view: malformed answer from the module: Protocol error");
	ck_assert_uint_eq(view, 77);
	n.bad_reply = false;

	n.no_reply = true;
	ck_assert_int_eq(altp2m_view_create(vm, 0, &view), -EPROTO);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "create view: the module's answer has no view");
	ck_assert_int_eq(altp2m_get_access(vm, 1, 1, NULL, NULL), -EPROTO);
	ck_assert_int_eq(altp2m_vm_stats(vm, &(struct altp2m_vm_stats){ 0 }), -EPROTO);
	ck_assert_int_eq(altp2m_vcpu_views(vm, &vv), -EPROTO);
	ck_assert_int_eq(altp2m_vm_get_info(vm, &(struct altp2m_vm_info){ 0 }),
			 -EPROTO);
	n.no_reply = false;

	n.bad_vcpu = true;
	ck_assert_int_eq(altp2m_vcpu_views(vm, &vv), -EPROTO);
	n.bad_vcpu = false;

	n.no_done = true;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), -EPROTO);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "disable views: netlink: the answer ended early");
	n.no_done = false;

	n.exchange_err = -ECONNREFUSED;
	ck_assert_int_eq(altp2m_vm_views_disable(vm), -ECONNREFUSED);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "disable views: netlink: Connection refused");
	n.exchange_err = 0;

	/* A stale ack from an earlier request is ignored. */
	n.stale_first = true;
	ck_assert_int_eq(altp2m_view_create(vm, 0, &view), 0);
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
	ck_assert_int_eq(altp2m_list_views(vm, &v, &nr), 0);
	ck_assert_uint_eq(req_cmd(n.last), ALTP2M_CMD_GET_VIEW);
	ck_assert_uint_eq(n.last->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	EXPECT_ATTRS(n.last, ALTP2M_A_VM_ID);
	check_views(v, nr, 9);
	free(v);

	ck_assert_int_eq(altp2m_dump_view(vm, 4, &e, &nr), 0);
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
	ck_assert_int_eq(altp2m_list_views(vm, &v, &nr), 0);
	ck_assert_int_eq(n.calls, 4);
	check_views(v, nr, 5);
	free(v);

	n.calls = 0;
	n.intr_left = ALTP2M_DUMP_RETRIES - 1;
	ck_assert_int_eq(altp2m_dump_view(vm, 1, &e, &nr), 0);
	ck_assert_int_eq(n.calls, ALTP2M_DUMP_RETRIES);
	check_entries(e, nr, 50);
	free(e);

	/* Interrupted every time: -EAGAIN after ALTP2M_DUMP_RETRIES. */
	n.calls = 0;
	n.intr_left = 1000;
	e = (void *)1;
	nr = 7;
	ck_assert_int_eq(altp2m_dump_view(vm, 1, &e, &nr), -EAGAIN);
	ck_assert_int_eq(n.calls, ALTP2M_DUMP_RETRIES);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(nr, 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "dump view: view 1: the dump was interrupted by concurrent changes 8 times in a row");

	/* The flag on NLMSG_DONE counts too (a dump of one message). */
	n.calls = 0;
	n.nviews = 1;
	n.intr_left = 2;
	ck_assert_int_eq(altp2m_list_views(vm, &v, &nr), 0);
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
	ck_assert_int_eq(altp2m_dump_view(vm, 6, &e, &nr), -ENOENT);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(nr, 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm),
			 "dump view: view 6: no view 6 (attribute view)");
	/* Failed on the way: the error in NLMSG_DONE, what came is dropped. */
	n.err_in_done = true;
	n.blame = 0;
	n.kmsg = "view went away";
	e = (void *)1;
	ck_assert_int_eq(altp2m_dump_view(vm, 6, &e, &nr), -ENOENT);
	ck_assert_ptr_null(e);
	ck_assert_uint_eq(nr, 0);
	ck_assert_str_eq(altp2m_vm_errmsg(vm), "dump view: view 6: view went away");
	altp2m_vm_close(vm);
	nlfake_fini(&n);
}
END_TEST

START_TEST(nl_list_vms)
{
	struct altp2m_vm_info *vms = (void *)1;
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct nlfake n;
	size_t nr = 9, i;

	nlfake_init(&n);
	n.nvms = 4;
	n.intr_left = 1;
	ck_assert_int_eq(altp2m_list_vms_transport(&nl_tr, &n, FAMILY, &vms, &nr,
						   err, sizeof(err)), 0);
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
	free(vms);
	ck_assert_int_eq(n.closed, 0);	/* the transport stays the caller's */

	n.nvms = 0;
	ck_assert_int_eq(altp2m_list_vms_transport(&nl_tr, &n, FAMILY, &vms, &nr,
						   err, sizeof(err)), 0);
	ck_assert_ptr_null(vms);
	ck_assert_uint_eq(nr, 0);

	n.intr_left = 100;
	ck_assert_int_eq(altp2m_list_vms_transport(&nl_tr, &n, FAMILY, &vms, &nr,
						   err, sizeof(err)), -EAGAIN);
	ck_assert_str_eq(err, "list VMs: the dump was interrupted by concurrent changes 8 times in a row");
	n.intr_left = 0;
	n.exchange_err = -ENOBUFS;
	ck_assert_int_eq(altp2m_list_vms_transport(&nl_tr, &n, FAMILY, &vms, &nr,
						   NULL, 0), -ENOBUFS);
	nlfake_fini(&n);
	ck_assert_int_eq(altp2m_list_vms(NULL, &nr, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(altp2m_list_vms(&vms, NULL, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(nl_attr_names_from_offsets)
{
	struct nl_msg *m = altp2m_nl_new(FAMILY, ALTP2M_CMD_SET_ACCESS, 0, 0);
	struct nlmsghdr *h;
	struct nlattr *nest;
	char name[64];
	long entry;
	int i;

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
	ck_assert_int_eq(altp2m_nl_attr_at(m, req_off(h, ALTP2M_A_VM_ID, -1, 0),
					   name, sizeof(name), &entry), 0);
	ck_assert_str_eq(name, "vm-id");
	ck_assert_int_eq(entry, -1);
	ck_assert_int_eq(altp2m_nl_attr_at(m, req_off(h, ALTP2M_A_VIEW, -1, 0),
					   name, sizeof(name), &entry), 0);
	ck_assert_str_eq(name, "view");
	ck_assert_int_eq(altp2m_nl_attr_at(m, req_off(h, 0, 1, -1), name,
					   sizeof(name), &entry), 0);
	ck_assert_str_eq(name, "entry");
	ck_assert_int_eq(entry, 1);
	ck_assert_int_eq(altp2m_nl_attr_at(m, req_off(h, 0, 2, ALTP2M_ENTRY_A_GFN),
					   name, sizeof(name), &entry), 0);
	ck_assert_str_eq(name, "entry.gfn");
	ck_assert_int_eq(entry, 2);
	ck_assert_int_eq(altp2m_nl_attr_at(m, req_off(h, 0, 0, ALTP2M_ENTRY_A_ACCESS),
					   name, sizeof(name), &entry), 0);
	ck_assert_str_eq(name, "entry.access");
	ck_assert_int_eq(entry, 0);
	ck_assert_int_eq(altp2m_nl_attr_at(m, req_off(h, 200, -1, 0), name,
					   sizeof(name), &entry), 0);
	ck_assert_str_eq(name, "200");
	/* Not the start of an attribute. */
	ck_assert_int_eq(altp2m_nl_attr_at(m, req_off(h, ALTP2M_A_VIEW, -1, 0) + 4,
					   name, sizeof(name), &entry), -ENOENT);
	ck_assert_int_eq(altp2m_nl_attr_at(m, 0, name, sizeof(name), &entry), -ENOENT);
	ck_assert_int_eq(altp2m_nl_attr_at(m, 100000, name, sizeof(name), &entry),
			 -ENOENT);
	ck_assert_int_eq(entry, -1);
	nlmsg_free(m);
}
END_TEST

START_TEST(real_endpoints_without_module)
{
	struct altp2m_vm_info *vms = NULL;
	struct altp2m_monitor *mon = NULL;
	struct altp2m_vm *vm = NULL;
	char err[ALTP2M_ERRMSG_LEN] = "";
	size_t nr;
	int ret;

	/*
	 * With the module not loaded the family is missing; where this runs
	 * with it loaded, VM 0 does not exist (ids start at 1).
	 */
	ret = altp2m_vm_attach(&vm, 0, err, sizeof(err));
	ck_assert_int_lt(ret, 0);
	ck_assert_ptr_null(vm);
	ck_assert_str_ne(err, "");
	if (ret == -ENOENT && !strstr(err, "attach to VM 0"))
		ck_assert_str_eq(err, "generic netlink family altp2m not found: "
				      "is the module loaded?");
	ret = altp2m_list_vms(&vms, &nr, err, sizeof(err));
	if (ret) {
		ck_assert_ptr_null(vms);
		ck_assert_str_ne(err, "");
	} else {
		free(vms);
	}
	ret = altp2m_monitor_open(&mon, err, sizeof(err));
	if (ret) {
		ck_assert_ptr_null(mon);
		ck_assert_str_ne(err, "");
	} else {
		ck_assert_int_ge(altp2m_monitor_fd(mon), 0);
		ck_assert_int_eq(altp2m_monitor_next(mon, &(struct altp2m_event){ 0 }, 0),
				 0);
		altp2m_monitor_close(mon);
	}
}
END_TEST

static Suite *lib_vm_suite(void)
{
	Suite *s = suite_create("libaltp2m-vm");
	TCase *doors = tcase_create("doors");
	TCase *fd = tcase_create("fd");
	TCase *nl = tcase_create("netlink");

	tcase_add_test(doors, doors_agree);
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
	tcase_add_test(fd, fd_fdinfo);
	tcase_add_test(fd, fd_from_fd_refuses_others);
	suite_add_tcase(s, fd);

	tcase_add_test(nl, nl_attach);
	tcase_add_test(nl, nl_attach_fails);
	tcase_add_test(nl, nl_views);
	tcase_add_test(nl, nl_gfns);
	tcase_add_test(nl, nl_list_chunks);
	tcase_add_test(nl, nl_list_fails_later);
	tcase_add_test(nl, nl_extack);
	tcase_add_test(nl, nl_bad_answers);
	tcase_add_test(nl, nl_dumps);
	tcase_add_test(nl, nl_dump_interrupted);
	tcase_add_test(nl, nl_dump_errors);
	tcase_add_test(nl, nl_list_vms);
	tcase_add_test(nl, nl_attr_names_from_offsets);
	tcase_set_timeout(nl, 20);
	suite_add_tcase(s, nl);
	return s;
}
UNIT_SUITE(lib_vm_suite)
