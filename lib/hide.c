// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: hidden breakpoints built in one call (uapi "Hidden frames"
 * and "Hidden breakpoints (monitor fd)").
 *
 * For a guest virtual address the library finds the guest frame G that
 * holds it (the vCPU's paging, an instruction fetch), gives G a shadow: a
 * hidden frame H holding a copy of G's bytes as the clean view maps them,
 * which the execute view maps in place of G with execute-only access; and
 * registers the breakpoint, whose INT3 the module plants in H. Several
 * breakpoints in one page share its shadow (counted); the last one gone
 * takes the shadow with it. Every call leaves things as they were when it
 * fails: what it created it removes again.
 *
 * The state lives in the monitor handle (struct altp2m__hide), so two
 * handles, or two processes, never share a shadow: the module refuses a
 * second breakpoint at the same byte of a frame, not a second shadow of a
 * page, and two shadows of G cannot both be mapped in one view anyway
 * (the second remap replaces the first).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "internal.h"

#define ALTP2M_HIDE_PAGE	4096
/*
 * Taken gfns a search for a free hidden gfn steps over before it gives
 * up: the top of the guest-physical space is normally empty, so a long
 * run of taken gfns means the caller's gfn_top is wrong.
 */
#define ALTP2M_HIDE_TRIES	4096

/* One page of the guest with a shadow, and who uses it. */
struct altp2m__shadow {
	struct altp2m__shadow *next;
	uint64_t gfn;		/* the guest's frame, G */
	uint64_t hidden;	/* its shadow, H: a hidden frame */
	unsigned int refs;	/* breakpoints of this handle in it */
	/*
	 * The execute view remaps G to H and gives it execute-only access;
	 * cleared once both are undone (H may still await its removal).
	 */
	bool mapped;
	uint8_t access;		/* G's access in the execute view before */
};

/* A breakpoint this handle hid, and the shadow it lives in. */
struct altp2m__hbp {
	struct altp2m__hbp *next;
	uint32_t id;
	struct altp2m__shadow *sh;
};

struct altp2m__hide {
	struct altp2m_hide_opts o;
	bool have_view;		/* the execute view is known */
	bool own_view;		/* ... and the library created it */
	uint32_t view;
	uint64_t next_gfn;	/* where the search for a free gfn starts */
	bool caps_known;
	uint64_t caps;
	struct altp2m__shadow *shadows;
	struct altp2m__hbp *bps;
};

/* ---- state ---- */

static void altp2m_hide_defaults(struct altp2m__hide *h)
{
	if (!h->o.gfn_top)
		h->o.gfn_top = ALTP2M_HIDE_GFN_TOP;
	h->next_gfn = h->o.gfn_top - 1;
}

static struct altp2m__hide *altp2m_hide_state(struct altp2m_mon *m)
{
	if (!m->hide) {
		m->hide = calloc(1, sizeof(*m->hide));
		if (m->hide)
			altp2m_hide_defaults(m->hide);
	}
	return m->hide;
}

int altp2m__hide_set_caps(struct altp2m_mon *m, uint64_t caps)
{
	struct altp2m__hide *h = altp2m_hide_state(m);

	if (!h)
		return -ENOMEM;
	h->caps = caps;
	h->caps_known = true;
	return 0;
}

/*
 * The default top is the largest the uAPI allows; a host takes only gfns
 * below its guest-physical width (ALTP2M_GET_CAPS' gpa_bits; 36, the
 * architectural minimum, from a module that predates it), so the search
 * starts below that unless the caller chose a top or it started already.
 */
static void altp2m_hide_clamp(struct altp2m__hide *h, uint32_t gpa_bits)
{
	uint64_t limit;

	if (!gpa_bits)
		gpa_bits = 36;
	if (gpa_bits < 13 || gpa_bits > 48)
		return;
	limit = UINT64_C(1) << (gpa_bits - 12);
	if (h->o.gfn_top == ALTP2M_HIDE_GFN_TOP &&
	    h->next_gfn == ALTP2M_HIDE_GFN_TOP - 1 && limit < h->o.gfn_top) {
		h->o.gfn_top = limit;
		h->next_gfn = limit - 1;
	}
}

/*
 * The host's capabilities come from the device, not the monitor fd: read
 * once per handle.
 */
static int altp2m_hide_caps(struct altp2m_mon *m, struct altp2m__hide *h)
{
	struct altp2m_caps caps;
	int fd, ret;

	if (!h->caps_known) {
		fd = open(ALTP2M_DEFAULT_DEVICE, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return altp2m__mon_detail(m, -errno,
						  "cannot read the host's capabilities from "
						  ALTP2M_DEFAULT_DEVICE);
		memset(&caps, 0, sizeof(caps));
		ret = ioctl(fd, ALTP2M_GET_CAPS, &caps) < 0 ? -errno : 0;
		close(fd);
		if (ret)
			return altp2m__mon_detail(m, ret,
						  "cannot read the host's capabilities");
		h->caps = caps.caps;
		h->caps_known = true;
		altp2m_hide_clamp(h, caps.gpa_bits);
	}
	if (!(h->caps & ALTP2M_CAP_EPT_EXEC_ONLY))
		return altp2m__mon_detail(m, -EOPNOTSUPP,
					  "this host's EPT has no execute-only entries");
	return 0;
}

/* Destroy the execute view we made; its remaps go with it. */
static void altp2m_hide_view_drop(struct altp2m_mon *m, struct altp2m__hide *h)
{
	struct altp2m_view_destroy vd = { .view = h->view };
	struct altp2m__shadow *sh;

	if (m->tr->ioctl(m->priv, ALTP2M_DESTROY_VIEW, &vd) < 0)
		return;
	for (sh = h->shadows; sh; sh = sh->next)
		sh->mapped = false;
	h->have_view = false;
	h->own_view = false;
}

ALTP2M_EXPORT
int altp2m_mon_hide_setup(struct altp2m_mon *m,
			  const struct altp2m_hide_opts *opts)
{
	struct altp2m_hide_opts o;
	struct altp2m__hide *h;

	altp2m__err_clear(&m->e);
	if (altp2m__opts_copy(&o, sizeof(o), opts))
		altp2m__mon_detail(m, -EINVAL,
				   "options this library does not know");
	else if (o.flags & ~(uint32_t)ALTP2M_HIDE_EXEC_VIEW)
		altp2m__mon_detail(m, -EINVAL, "unknown flags 0x%x", o.flags);
	else if ((o.flags & ALTP2M_HIDE_EXEC_VIEW) &&
		 (!o.exec_view || o.exec_view >= ALTP2M_MAX_VIEWS))
		altp2m__mon_detail(m, -EINVAL,
				   "execute view %u: 1 .. %d (view 0 cannot remap)",
				   o.exec_view, ALTP2M_MAX_VIEWS - 1);
	else if (o.clean_view >= ALTP2M_MAX_VIEWS)
		altp2m__mon_detail(m, -EINVAL, "clean view %u is not below %d",
				   o.clean_view, ALTP2M_MAX_VIEWS);
	else if ((o.flags & ALTP2M_HIDE_EXEC_VIEW) &&
		 o.exec_view == o.clean_view)
		altp2m__mon_detail(m, -EINVAL,
				   "the execute and clean views must differ");
	else if (o.gfn_top == 1 || o.gfn_top > ALTP2M_HIDE_GFN_TOP)
		altp2m__mon_detail(m, -EINVAL,
				   "gfn top 0x%llx: 2 .. 2^36 (0: 2^36)",
				   (unsigned long long)o.gfn_top);
	else if (o.pad)
		altp2m__mon_detail(m, -EINVAL, "padding must be 0");
	if (m->e.err)
		return altp2m__mon_fail(m, m->e.err, "hide setup");
	h = altp2m_hide_state(m);
	if (!h)
		return altp2m__mon_fail(m, -ENOMEM, "hide setup");
	if (h->bps || h->shadows)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, -EBUSY,
					"breakpoints are hidden with the current setup"),
					"hide setup");
	/* The library's view goes when the caller names one of its own. */
	if (h->own_view && (o.flags & ALTP2M_HIDE_EXEC_VIEW))
		altp2m_hide_view_drop(m, h);
	if (h->own_view && (o.flags & ALTP2M_HIDE_EXEC_VIEW))
		return altp2m__mon_fail(m, altp2m__mon_detail(m, -EBUSY,
					"cannot destroy the library's execute view %u (a vCPU is on it?)",
					h->view), "hide setup");
	if (h->own_view && o.clean_view == h->view)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, -EINVAL,
					"view %u is the execute view", h->view),
					"hide setup");
	h->o = o;
	if (!h->own_view)
		h->have_view = false;
	altp2m_hide_defaults(h);
	return 0;
}

/* ---- the steps ---- */

static int altp2m_hide_view_get(struct altp2m_mon *m, struct altp2m__hide *h,
				bool *made)
{
	struct altp2m_view_create vc = { .default_access = ALTP2M_ACCESS_DEFAULT };
	int ret;

	*made = false;
	if (h->have_view)
		return 0;
	if (h->o.flags & ALTP2M_HIDE_EXEC_VIEW) {
		h->view = h->o.exec_view;
		h->have_view = true;
		return 0;
	}
	ret = m->tr->ioctl(m->priv, ALTP2M_CREATE_VIEW, &vc);
	if (ret < 0)
		return altp2m__mon_detail(m, ret,
					  "cannot create the execute view (are views enabled?)");
	if (vc.view == h->o.clean_view)
		return altp2m__mon_detail(m, -EPROTO,
					  "the module made view %u, the clean view",
					  vc.view);
	h->view = vc.view;
	h->have_view = true;
	h->own_view = true;
	*made = true;
	return 0;
}

static int altp2m_hide_frames(struct altp2m_mon *m, unsigned long cmd,
			      uint64_t gfn)
{
	struct altp2m_hidden_frames hf = { .gfn = gfn, .nr = 1 };

	return m->tr->ioctl(m->priv, cmd, &hf);
}

/*
 * A hidden frame at the first free gfn counting down from h->next_gfn:
 * EEXIST means guest RAM or a hidden frame is there already, EINVAL a
 * gfn beyond the module's guest-physical width (the host's MAXPHYADDR,
 * which may be well below the uAPI's 2^36 gfns): that width is a power
 * of two, so the search goes on just below the next lower one.
 */
static int altp2m_hide_frame_new(struct altp2m_mon *m, struct altp2m__hide *h,
				 uint64_t *gfn)
{
	uint64_t g = h->next_gfn, p;
	int i, ret;

	for (i = 0; i < ALTP2M_HIDE_TRIES && g; i++) {
		ret = altp2m_hide_frames(m, ALTP2M_ADD_HIDDEN_FRAMES, g);
		if (!ret) {
			*gfn = g;
			h->next_gfn = g - 1;
			return 0;
		}
		if (ret == -EEXIST) {
			g--;
			continue;
		}
		if (ret != -EINVAL)
			return altp2m__mon_detail(m, ret,
						  "cannot add a hidden frame at gfn 0x%llx",
						  (unsigned long long)g);
		for (p = 1; p <= g / 2; p <<= 1)
			;
		g = p - 1;
		h->next_gfn = g;
	}
	return altp2m__mon_detail(m, -ENOSPC,
				  "no free gfn below 0x%llx after %d tries",
				  (unsigned long long)(h->next_gfn + 1), i);
}

static int altp2m_hide_mem(struct altp2m_mon *m, unsigned long cmd,
			   uint32_t view, uint64_t gfn, void *buf)
{
	struct altp2m_monitor_mem a = {
		.view = view, .addr = gfn * ALTP2M_HIDE_PAGE,
		.len = ALTP2M_HIDE_PAGE, .buf = (uintptr_t)buf,
	};
	int ret;

	ret = m->tr->ioctl(m->priv, cmd, &a);
	if (ret < 0)
		return ret;
	return a.done == ALTP2M_HIDE_PAGE ? 0 : -EFAULT;
}

/* Remap G to H with execute-only access, or undo that: one batch. */
static int altp2m_hide_batch(struct altp2m_mon *m, struct altp2m__hide *h,
			     const struct altp2m__shadow *sh, bool map)
{
	struct altp2m_batch_op ops[2];
	struct altp2m_batch b = { .nr_ops = 2, .ops = (uintptr_t)ops };

	memset(ops, 0, sizeof(ops));
	ops[0].op = ALTP2M_BATCH_REMAP;
	ops[0].view = h->view;
	ops[0].gfn = sh->gfn;
	ops[0].npages = 1;
	ops[0].target = map ? sh->hidden : ALTP2M_GFN_INVALID;
	ops[1].op = ALTP2M_BATCH_SET_ACCESS;
	ops[1].value = map ? ALTP2M_ACCESS_X : sh->access;
	ops[1].view = h->view;
	ops[1].gfn = sh->gfn;
	ops[1].npages = 1;
	return m->tr->ioctl(m->priv, ALTP2M_BATCH, &b);
}

/*
 * A shadow of G: hidden frame, copy, remap. The copy is read through the
 * clean view, which is what the module steps the original on.
 */
static int altp2m_hide_shadow_new(struct altp2m_mon *m, struct altp2m__hide *h,
				  uint64_t gfn, struct altp2m__shadow **shp)
{
	struct altp2m_gfn_get gg = { .view = h->view, .gfn = gfn };
	unsigned char page[ALTP2M_HIDE_PAGE];
	struct altp2m__shadow *sh;
	int ret;

	sh = calloc(1, sizeof(*sh));
	if (!sh)
		return altp2m__mon_detail(m, -ENOMEM, "no memory");
	sh->gfn = gfn;
	sh->access = ALTP2M_ACCESS_DEFAULT;
	/* A caller's view gets back the access it had; ours had the default. */
	if (!h->own_view) {
		ret = m->tr->ioctl(m->priv, ALTP2M_GET_MEM_ACCESS, &gg);
		if (ret < 0 && ret != -ESRCH) {
			altp2m__mon_detail(m, ret,
					   "cannot read the access of gfn 0x%llx in view %u",
					   (unsigned long long)gfn, h->view);
			goto free;
		}
		if (!ret)
			sh->access = gg.access;
	}
	ret = altp2m_hide_frame_new(m, h, &sh->hidden);
	if (ret)
		goto free;
	ret = altp2m_hide_mem(m, ALTP2M_MONITOR_READ_MEM, h->o.clean_view, gfn,
			      page);
	if (ret) {
		altp2m__mon_detail(m, ret,
				   "cannot read gfn 0x%llx through view %u",
				   (unsigned long long)gfn, h->o.clean_view);
		goto remove;
	}
	ret = altp2m_hide_mem(m, ALTP2M_MONITOR_WRITE_MEM, h->o.clean_view,
			      sh->hidden, page);
	if (ret) {
		altp2m__mon_detail(m, ret,
				   "cannot fill the hidden frame at gfn 0x%llx",
				   (unsigned long long)sh->hidden);
		goto remove;
	}
	ret = altp2m_hide_batch(m, h, sh, true);
	if (ret < 0) {
		altp2m__mon_detail(m, ret,
				   "cannot remap gfn 0x%llx to 0x%llx execute-only in view %u",
				   (unsigned long long)gfn,
				   (unsigned long long)sh->hidden, h->view);
		goto remove;
	}
	sh->mapped = true;
	sh->next = h->shadows;
	h->shadows = sh;
	*shp = sh;
	return 0;

remove:
	altp2m_hide_frames(m, ALTP2M_REMOVE_HIDDEN_FRAMES, sh->hidden);
free:
	free(sh);
	return m->e.err;
}

/*
 * Unmap and free a shadow nobody uses. A step that fails leaves it in the
 * list (unmapped if the batch went through) for a later try.
 */
static int altp2m_hide_shadow_drop(struct altp2m_mon *m, struct altp2m__hide *h,
				   struct altp2m__shadow *sh)
{
	struct altp2m__shadow **pp;
	int ret;

	if (sh->mapped) {
		ret = altp2m_hide_batch(m, h, sh, false);
		if (ret < 0)
			return altp2m__mon_detail(m, ret,
						  "cannot undo the remap of gfn 0x%llx in view %u",
						  (unsigned long long)sh->gfn,
						  h->view);
		sh->mapped = false;
	}
	ret = altp2m_hide_frames(m, ALTP2M_REMOVE_HIDDEN_FRAMES, sh->hidden);
	if (ret < 0)
		return altp2m__mon_detail(m, ret,
					  "cannot remove the hidden frame at gfn 0x%llx",
					  (unsigned long long)sh->hidden);
	for (pp = &h->shadows; *pp != sh; pp = &(*pp)->next)
		;
	*pp = sh->next;
	free(sh);
	return 0;
}

static struct altp2m__shadow *altp2m_hide_find(struct altp2m__hide *h,
					       uint64_t gfn)
{
	struct altp2m__shadow *sh;

	for (sh = h->shadows; sh; sh = sh->next)
		if (sh->gfn == gfn && sh->mapped)
			return sh;
	return NULL;
}

static int altp2m_hide_pause(struct altp2m_mon *m, unsigned long cmd)
{
	struct altp2m_monitor_pause p = { 0 };

	return m->tr->ioctl(m->priv, cmd, &p);
}

/* ---- the calls ---- */

ALTP2M_EXPORT
int altp2m_mon_hide_view(struct altp2m_mon *m, uint32_t *view)
{
	struct altp2m__hide *h;
	bool made;
	int ret;

	altp2m__err_clear(&m->e);
	if (!view)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, -EINVAL,
					"nowhere to put the view"), "execute view");
	h = altp2m_hide_state(m);
	if (!h)
		return altp2m__mon_fail(m, -ENOMEM, "execute view");
	ret = altp2m_hide_caps(m, h);
	if (!ret)
		ret = altp2m_hide_view_get(m, h, &made);
	if (ret)
		return altp2m__mon_fail(m, ret, "execute view");
	*view = h->view;
	return 0;
}

/*
 * Undo what a failed altp2m_mon_hide_breakpoint() did (@sh: a shadow it
 * made, or NULL), keeping the failure's own message.
 */
static void altp2m_hide_undo(struct altp2m_mon *m, struct altp2m__hide *h,
			     struct altp2m__shadow *sh, bool made_view,
			     bool paused)
{
	struct altp2m__err keep = m->e;

	/* A shadow that does not go stays listed: close tries again. */
	if (sh)
		altp2m_hide_shadow_drop(m, h, sh);
	if (made_view)
		altp2m_hide_view_drop(m, h);
	if (paused)
		altp2m_hide_pause(m, ALTP2M_MONITOR_RESUME);
	m->e = keep;
}

ALTP2M_EXPORT
int altp2m_mon_hide_breakpoint(struct altp2m_mon *m, uint32_t vcpu,
			       uint64_t gva, uint32_t flags, uint32_t *id)
{
	const uint32_t both = ALTP2M_MON_BP_SYNC | ALTP2M_MON_BP_ASYNC;
	struct altp2m_monitor_translate t = {
		.flags = ALTP2M_MON_XLATE_FETCH, .vcpu = vcpu, .gva = gva,
	};
	bool made_view = false, made_sh = false, paused = false;
	struct altp2m_monitor_breakpoint bp, rm;
	struct altp2m__shadow *sh = NULL;
	struct altp2m__hbp *hbp = NULL;
	struct altp2m__hide *h;
	int ret;

	altp2m__err_clear(&m->e);
	if (vcpu >= ALTP2M_MAX_VCPUS)
		altp2m__mon_detail(m, -EINVAL, "vCPU %u is not below %d", vcpu,
				   ALTP2M_MAX_VCPUS);
	else if (flags & ~both)
		altp2m__mon_detail(m, -EINVAL, "unknown flags 0x%x",
				   flags & ~both);
	else if ((flags & both) == both)
		altp2m__mon_detail(m, -EINVAL,
				   "a breakpoint is either sync or async");
	else if (!id)
		altp2m__mon_detail(m, -EINVAL, "nowhere to put the id");
	if (m->e.err)
		return altp2m__mon_fail(m, m->e.err, "hide breakpoint");
	h = altp2m_hide_state(m);
	hbp = calloc(1, sizeof(*hbp));
	if (!h || !hbp) {
		free(hbp);
		return altp2m__mon_fail(m, -ENOMEM, "hide breakpoint");
	}
	ret = altp2m_hide_caps(m, h);
	if (ret)
		goto undo;
	/* The guest's paging and views hold still until we are done. */
	ret = altp2m_hide_pause(m, ALTP2M_MONITOR_PAUSE);
	if (ret < 0) {
		altp2m__mon_detail(m, ret, "cannot pause the VM");
		goto undo;
	}
	paused = true;
	ret = m->tr->ioctl(m->priv, ALTP2M_MONITOR_TRANSLATE, &t);
	if (ret == -ENXIO)
		altp2m__mon_detail(m, ret,
				   "0x%llx is not mapped for execution on vCPU %u (page-fault error code 0x%x)",
				   (unsigned long long)gva, vcpu, t.error);
	else if (ret < 0)
		altp2m__mon_detail(m, ret, "cannot translate 0x%llx on vCPU %u",
				   (unsigned long long)gva, vcpu);
	if (ret < 0)
		goto undo;
	ret = altp2m_hide_view_get(m, h, &made_view);
	if (ret)
		goto undo;
	sh = altp2m_hide_find(h, t.gpa / ALTP2M_HIDE_PAGE);
	if (!sh) {
		ret = altp2m_hide_shadow_new(m, h, t.gpa / ALTP2M_HIDE_PAGE,
					     &sh);
		if (ret)
			goto undo;
		made_sh = true;
	}
	memset(&bp, 0, sizeof(bp));
	bp.flags = flags;
	bp.gpa = sh->gfn * ALTP2M_HIDE_PAGE + (gva & (ALTP2M_HIDE_PAGE - 1));
	bp.shadow_gfn = sh->hidden;
	bp.exec_view = h->view;
	bp.clean_view = h->o.clean_view;
	ret = m->tr->ioctl(m->priv, ALTP2M_MONITOR_ADD_BREAKPOINT, &bp);
	if (ret < 0) {
		altp2m__mon_detail(m, ret,
				   ret == -EEXIST ?
				   "a breakpoint sits at gpa 0x%llx already" :
				   "cannot add the breakpoint at gpa 0x%llx",
				   (unsigned long long)bp.gpa);
		goto undo;
	}
	ret = altp2m_hide_pause(m, ALTP2M_MONITOR_RESUME);
	if (ret < 0) {
		/* No pause of ours is left to undo after a failed RESUME. */
		paused = false;
		altp2m__mon_detail(m, ret, "cannot resume the VM");
		memset(&rm, 0, sizeof(rm));
		rm.id = bp.id;
		m->tr->ioctl(m->priv, ALTP2M_MONITOR_REMOVE_BREAKPOINT, &rm);
		goto undo;
	}
	hbp->id = bp.id;
	hbp->sh = sh;
	hbp->next = h->bps;
	h->bps = hbp;
	sh->refs++;
	*id = bp.id;
	return 0;

undo:
	altp2m_hide_undo(m, h, made_sh ? sh : NULL, made_view, paused);
	free(hbp);
	return altp2m__mon_fail(m, ret, "hide breakpoint");
}

ALTP2M_EXPORT
int altp2m_mon_unhide_breakpoint(struct altp2m_mon *m, uint32_t id)
{
	struct altp2m_monitor_breakpoint bp = { .id = id };
	struct altp2m__hide *h = m->hide;
	struct altp2m__hbp **pp, *hbp;
	struct altp2m__shadow *sh;
	int ret;

	altp2m__err_clear(&m->e);
	for (pp = h ? &h->bps : NULL; pp && *pp && (*pp)->id != id;
	     pp = &(*pp)->next)
		;
	if (!pp || !*pp)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, -ENOENT,
					"no breakpoint %u hidden through this handle",
					id), "unhide breakpoint");
	hbp = *pp;
	ret = m->tr->ioctl(m->priv, ALTP2M_MONITOR_REMOVE_BREAKPOINT, &bp);
	/* ENOENT: the module forgot it already; the shadow still goes. */
	if (ret < 0 && ret != -ENOENT)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, ret,
					"cannot remove breakpoint %u", id),
					"unhide breakpoint");
	sh = hbp->sh;
	*pp = hbp->next;
	free(hbp);
	if (--sh->refs)
		return 0;
	ret = altp2m_hide_shadow_drop(m, h, sh);
	return ret ? altp2m__mon_fail(m, ret, "unhide breakpoint") : 0;
}

void altp2m__hide_release(struct altp2m_mon *m)
{
	struct altp2m__hide *h = m->hide;
	struct altp2m_monitor_breakpoint bp;
	struct altp2m__shadow *sh;
	struct altp2m__hbp *hbp;

	if (!h)
		return;
	while ((hbp = h->bps)) {
		memset(&bp, 0, sizeof(bp));
		bp.id = hbp->id;
		m->tr->ioctl(m->priv, ALTP2M_MONITOR_REMOVE_BREAKPOINT, &bp);
		h->bps = hbp->next;
		free(hbp);
	}
	/* Best effort: what cannot be undone the VM keeps (see the header). */
	while ((sh = h->shadows)) {
		if (altp2m_hide_shadow_drop(m, h, sh)) {
			h->shadows = sh->next;
			free(sh);
		}
	}
	if (h->own_view)
		altp2m_hide_view_drop(m, h);
	free(h);
	m->hide = NULL;
}

/* ---- thin wrappers ---- */

static int altp2m_bp_check(struct altp2m_mon *m,
			   const struct altp2m_monitor_breakpoint *bp)
{
	const uint32_t both = ALTP2M_MON_BP_SYNC | ALTP2M_MON_BP_ASYNC;
	unsigned int i;

	if (!bp)
		return altp2m__mon_detail(m, -EINVAL, "no breakpoint");
	if (bp->flags & ~both)
		return altp2m__mon_detail(m, -EINVAL, "unknown flags 0x%x",
					  bp->flags & ~both);
	if ((bp->flags & both) == both)
		return altp2m__mon_detail(m, -EINVAL,
					  "a breakpoint is either sync or async");
	if (bp->exec_view >= ALTP2M_MAX_VIEWS ||
	    bp->clean_view >= ALTP2M_MAX_VIEWS)
		return altp2m__mon_detail(m, -EINVAL, "views are below %d",
					  ALTP2M_MAX_VIEWS);
	if (bp->exec_view == bp->clean_view)
		return altp2m__mon_detail(m, -EINVAL,
					  "the execute and clean views must differ");
	for (i = 0; i < sizeof(bp->pad); i++)
		if (bp->pad[i])
			return altp2m__mon_detail(m, -EINVAL,
						  "padding must be 0");
	for (i = 0; i < sizeof(bp->reserved) / sizeof(bp->reserved[0]); i++)
		if (bp->reserved[i])
			return altp2m__mon_detail(m, -EINVAL,
						  "reserved fields must be 0");
	return 0;
}

ALTP2M_EXPORT
int altp2m_mon_add_breakpoint(struct altp2m_mon *m,
			      struct altp2m_monitor_breakpoint *bp)
{
	int ret;

	altp2m__err_clear(&m->e);
	ret = altp2m_bp_check(m, bp);
	if (!ret) {
		bp->id = 0;
		bp->orig = 0;
		bp->hits = 0;
		ret = m->tr->ioctl(m->priv, ALTP2M_MONITOR_ADD_BREAKPOINT, bp);
		if (ret == -EEXIST)
			altp2m__mon_detail(m, ret,
					   "a breakpoint sits at that byte already");
		else if (ret == -EINVAL)
			altp2m__mon_detail(m, ret,
					   "is the shadow hidden and remapped in the execute view?");
	}
	return ret < 0 ? altp2m__mon_fail(m, ret, "add breakpoint") : 0;
}

static int altp2m_bp_by_id(struct altp2m_mon *m, unsigned long cmd,
			   uint32_t id, struct altp2m_monitor_breakpoint *out,
			   const char *what)
{
	struct altp2m_monitor_breakpoint bp = { .id = id };
	int ret;

	altp2m__err_clear(&m->e);
	if (cmd == ALTP2M_MONITOR_GET_BREAKPOINT && !out)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, -EINVAL,
					"nowhere to put the breakpoint"), what);
	ret = m->tr->ioctl(m->priv, cmd, &bp);
	if (ret == -ENOENT)
		altp2m__mon_detail(m, ret, "no breakpoint %u", id);
	if (ret < 0)
		return altp2m__mon_fail(m, ret, what);
	if (out)
		*out = bp;
	return 0;
}

ALTP2M_EXPORT
int altp2m_mon_remove_breakpoint(struct altp2m_mon *m, uint32_t id)
{
	return altp2m_bp_by_id(m, ALTP2M_MONITOR_REMOVE_BREAKPOINT, id, NULL,
			       "remove breakpoint");
}

ALTP2M_EXPORT
int altp2m_mon_get_breakpoint(struct altp2m_mon *m, uint32_t id,
			      struct altp2m_monitor_breakpoint *bp)
{
	return altp2m_bp_by_id(m, ALTP2M_MONITOR_GET_BREAKPOINT, id, bp,
			       "get breakpoint");
}

ALTP2M_EXPORT
int altp2m_mon_view_switch(struct altp2m_mon *m, uint32_t view, uint32_t vcpu)
{
	struct altp2m_switch_view sw = { .view = view };
	int ret;

	altp2m__err_clear(&m->e);
	if (view >= ALTP2M_MAX_VIEWS)
		return altp2m__mon_fail(m, altp2m__mon_detail(m, -EINVAL,
					"view %u is not below %d", view,
					ALTP2M_MAX_VIEWS), "switch view");
	if (vcpu != ALTP2M_VCPU_ALL) {
		if (vcpu >= ALTP2M_MAX_VCPUS)
			return altp2m__mon_fail(m, altp2m__mon_detail(m, -EINVAL,
						"vCPU %u is not below %d",
						vcpu, ALTP2M_MAX_VCPUS),
						"switch view");
		sw.flags = ALTP2M_SWITCH_ONE_VCPU;
		sw.vcpu_id = vcpu;
	}
	ret = m->tr->ioctl(m->priv, ALTP2M_SWITCH_VIEW, &sw);
	return ret < 0 ? altp2m__mon_fail(m, ret, "switch view") : 0;
}
