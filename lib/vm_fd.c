// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: the fd door, the view ioctls on a VM file descriptor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int altp2m_fd_ioctl(struct altp2m_vm *vm, unsigned long cmd, void *arg)
{
	int ret = vm->tr->ioctl(vm->priv, cmd, arg);

	if (ret == -EIO)
		return altp2m__vm_detail(vm, ret,
					 "only the process that created the VM may use its fd");
	return ret < 0 ? ret : 0;
}

/*
 * ALTP2M_GET_VM_STATUS. The owner is us: only the creator may use the
 * fd, and the module says EIO to anyone else.
 */
static int altp2m_fd_get_info(struct altp2m_vm *vm, struct altp2m_vm_info *info)
{
	struct altp2m_vm_status st = { 0 };
	int ret;

	ret = altp2m_fd_ioctl(vm, ALTP2M_GET_VM_STATUS, &st);
	if (ret)
		return ret;
	info->vm_id = st.vm_id;
	info->owner_pid = getpid();
	info->nr_vcpus = st.nr_vcpus;
	info->views_enabled = !!st.views_enabled;
	info->max_views = st.max_views;
	info->mode = st.mode;
	info->nr_views = st.nr_views;
	info->mem_pages = st.mem_pages;
	info->generation = st.generation;
	return 0;
}

static int altp2m_fd_views_enable(struct altp2m_vm *vm, uint32_t max_views,
				  uint32_t mode)
{
	struct altp2m_views_enable a = { .max_views = max_views, .mode = mode };

	return altp2m_fd_ioctl(vm, ALTP2M_VIEWS_ENABLE, &a);
}

static int altp2m_fd_views_disable(struct altp2m_vm *vm)
{
	return altp2m_fd_ioctl(vm, ALTP2M_VIEWS_DISABLE, NULL);
}

static int altp2m_fd_view_create(struct altp2m_vm *vm,
				 unsigned int default_access, uint32_t *view)
{
	struct altp2m_view_create a = { .default_access = default_access };
	int ret;

	ret = altp2m_fd_ioctl(vm, ALTP2M_CREATE_VIEW, &a);
	if (!ret)
		*view = a.view;
	return ret;
}

static int altp2m_fd_view_destroy(struct altp2m_vm *vm, uint32_t view)
{
	struct altp2m_view_destroy a = { .view = view };

	return altp2m_fd_ioctl(vm, ALTP2M_DESTROY_VIEW, &a);
}

static int altp2m_fd_view_switch(struct altp2m_vm *vm, uint32_t view,
				 uint32_t vcpu)
{
	struct altp2m_switch_view a = { .view = view };

	if (vcpu != ALTP2M_VCPU_ALL) {
		a.flags = ALTP2M_SWITCH_ONE_VCPU;
		a.vcpu_id = vcpu;
	}
	return altp2m_fd_ioctl(vm, ALTP2M_SWITCH_VIEW, &a);
}

static int altp2m_fd_view_set_visible(struct altp2m_vm *vm, uint32_t view,
				      uint32_t vcpu, bool visible)
{
	struct altp2m_view_visibility a = { .view = view, .visible = visible };

	if (vcpu != ALTP2M_VCPU_ALL) {
		a.flags = ALTP2M_VISIBILITY_ONE_VCPU;
		a.vcpu_id = vcpu;
	}
	return altp2m_fd_ioctl(vm, ALTP2M_SET_VIEW_VISIBILITY, &a);
}

static int altp2m_fd_vcpu_views(struct altp2m_vm *vm,
				struct altp2m_vcpu_views *out)
{
	return altp2m_fd_ioctl(vm, ALTP2M_GET_VCPU_VIEWS, out);
}

static unsigned long altp2m_fd_set_cmd(enum altp2m__gfn_setting what)
{
	return what == ALTP2M_SETTING_ACCESS ? ALTP2M_SET_MEM_ACCESS :
					       ALTP2M_SET_SUPPRESS_VE;
}

static int altp2m_fd_set_range(struct altp2m_vm *vm,
			       enum altp2m__gfn_setting what, uint32_t view,
			       uint64_t gfn, uint64_t npages, uint8_t value)
{
	struct altp2m_gfn_set a = {
		.view = view, .gfn = gfn, .npages = npages, .value = value,
	};

	return altp2m_fd_ioctl(vm, altp2m_fd_set_cmd(what), &a);
}

static int altp2m_fd_set_list(struct altp2m_vm *vm,
			      enum altp2m__gfn_setting what, uint32_t view,
			      const uint64_t *gfns, const uint8_t *values,
			      size_t n)
{
	struct altp2m_gfn_set a = {
		.flags = ALTP2M_GFN_SET_LIST,
		.view = view,
		.npages = n,
		.gfns = (uintptr_t)gfns,
		.values = (uintptr_t)values,
	};

	return altp2m_fd_ioctl(vm, altp2m_fd_set_cmd(what), &a);
}

static int altp2m_fd_get_access(struct altp2m_vm *vm, uint32_t view,
				uint64_t gfn, unsigned int *access, bool *sve)
{
	struct altp2m_gfn_get a = { .view = view, .gfn = gfn };
	int ret;

	ret = altp2m_fd_ioctl(vm, ALTP2M_GET_MEM_ACCESS, &a);
	if (ret)
		return ret;
	*access = a.access;
	*sve = a.suppress_ve;
	return 0;
}

static int altp2m_fd_remap(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
			   uint64_t target)
{
	struct altp2m_gfn_remap a = { .view = view, .gfn = gfn, .target = target };

	return altp2m_fd_ioctl(vm, ALTP2M_REMAP_GFN, &a);
}

/* ALTP2M_LIST_VIEWS, chunk after chunk from the cursor. */
static int altp2m_fd_list_views(struct altp2m_vm *vm,
				struct altp2m_view_info **out, size_t *nr)
{
	struct altp2m_view_info *v, *shrunk;
	uint32_t cursor = 0;
	size_t n = 0;
	int ret = 0;

	/* There are at most ALTP2M_MAX_VIEWS views. */
	v = calloc(ALTP2M_MAX_VIEWS, sizeof(*v));
	if (!v)
		return -ENOMEM;
	while (cursor < ALTP2M_MAX_VIEWS) {
		struct altp2m_view_list a = {
			.cursor = cursor,
			.nr = ALTP2M_MAX_VIEWS - n,
			.entries = (uintptr_t)(v + n),
		};

		if (!a.nr) {
			ret = altp2m__vm_detail(vm, -EPROTO,
						"the module reports more than %u views",
					       ALTP2M_MAX_VIEWS);
			break;
		}
		ret = altp2m_fd_ioctl(vm, ALTP2M_LIST_VIEWS, &a);
		if (ret)
			break;
		if (a.nr > ALTP2M_MAX_VIEWS - n || a.cursor <= cursor) {
			ret = altp2m__vm_detail(vm, -EPROTO,
						"the module's view list does not go on: cursor %u, %u entries",
					       a.cursor, a.nr);
			break;
		}
		n += a.nr;
		cursor = a.cursor;
	}
	if (ret || !n) {
		free(v);
		return ret;
	}
	shrunk = realloc(v, n * sizeof(*v));
	*out = shrunk ? shrunk : v;
	*nr = n;
	return 0;
}

/* ALTP2M_DUMP_VIEW, ALTP2M_DUMP_MAX entries at a time from the cursor. */
static int altp2m_fd_dump_view(struct altp2m_vm *vm, uint32_t view,
			       struct altp2m_view_entry **out, size_t *nr)
{
	struct altp2m_view_entry *e = NULL, *grown;
	uint64_t cursor = 0;
	size_t n = 0, cap = 0;
	int ret = 0;

	for (;;) {
		struct altp2m_view_dump a = {
			.view = view,
			.cursor = cursor,
			.nr = ALTP2M_DUMP_MAX,
		};

		if (cap - n < ALTP2M_DUMP_MAX) {
			size_t ncap = cap ? cap * 2 : ALTP2M_DUMP_MAX;

			grown = realloc(e, ncap * sizeof(*e));
			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			e = grown;
			cap = ncap;
		}
		a.entries = (uintptr_t)(e + n);
		ret = altp2m_fd_ioctl(vm, ALTP2M_DUMP_VIEW, &a);
		if (ret)
			break;
		if (a.nr > ALTP2M_DUMP_MAX ||
		    (a.cursor <= cursor && a.cursor != ALTP2M_GFN_INVALID)) {
			ret = altp2m__vm_detail(vm, -EPROTO,
						"the module's dump does not go on: cursor 0x%llx, %u entries",
					       (unsigned long long)a.cursor,
					       a.nr);
			break;
		}
		n += a.nr;
		if (a.cursor == ALTP2M_GFN_INVALID)
			break;
		cursor = a.cursor;
	}
	if (ret || !n) {
		free(e);
		return ret;
	}
	grown = realloc(e, n * sizeof(*e));
	*out = grown ? grown : e;
	*nr = n;
	return 0;
}

static int altp2m_fd_stats(struct altp2m_vm *vm, struct altp2m_vm_stats *st)
{
	return altp2m_fd_ioctl(vm, ALTP2M_GET_VM_STATS, st);
}

/* One ALTP2M_BATCH: the module applies all of it or nothing. */
static int altp2m_fd_batch(struct altp2m_vm *vm,
			   const struct altp2m_batch_op *ops, size_t n,
			   const struct altp2m_batch_opts *o, uint64_t *gen)
{
	struct altp2m_batch a = {
		.nr_ops = n,
		.ops = (uintptr_t)ops,
		.error_index = UINT32_MAX,
	};
	int ret;

	if (o->if_generation) {
		a.flags = ALTP2M_BATCH_IF_GENERATION;
		a.generation = o->generation;
	}
	ret = altp2m_fd_ioctl(vm, ALTP2M_BATCH, &a);
	if (ret) {
		if (a.error_index < n) {
			vm->e.op = a.error_index;
			if (!vm->e.msg[0])
				altp2m__vm_detail(vm, ret, "operation %u",
						  a.error_index);
		}
		return ret;
	}
	*gen = a.generation;
	return 0;
}

static int altp2m_fd_hidden(struct altp2m_vm *vm, bool add, uint64_t gfn,
			    uint64_t nr)
{
	struct altp2m_hidden_frames a = { .gfn = gfn, .nr = nr };

	return altp2m_fd_ioctl(vm, add ? ALTP2M_ADD_HIDDEN_FRAMES :
			       ALTP2M_REMOVE_HIDDEN_FRAMES, &a);
}

const struct altp2m__vm_ops altp2m__vm_fd_ops = {
	.get_info = altp2m_fd_get_info,
	.views_enable = altp2m_fd_views_enable,
	.views_disable = altp2m_fd_views_disable,
	.view_create = altp2m_fd_view_create,
	.view_destroy = altp2m_fd_view_destroy,
	.view_switch = altp2m_fd_view_switch,
	.view_set_visible = altp2m_fd_view_set_visible,
	.vcpu_views = altp2m_fd_vcpu_views,
	.set_range = altp2m_fd_set_range,
	.set_list = altp2m_fd_set_list,
	.get_access = altp2m_fd_get_access,
	.remap = altp2m_fd_remap,
	.list_views = altp2m_fd_list_views,
	.dump_view = altp2m_fd_dump_view,
	.stats = altp2m_fd_stats,
	.batch = altp2m_fd_batch,
	.hidden = altp2m_fd_hidden,
};
