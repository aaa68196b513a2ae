// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libaltp2m: VM handles. Every public call checks its arguments here, the
 * same for both doors and before anything is sent, then calls the door's
 * operation and words the failure as "<call>: <why>".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "internal.h"

int altp2m_vm_detail(struct altp2m_vm *vm, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(vm->errmsg, sizeof(vm->errmsg), fmt, ap);
	va_end(ap);
	return err;
}

/*
 * The end of a call: on failure, "<call>: <detail>" where the detail is
 * what the door said, or strerror. @ret is returned.
 */
static int altp2m_vm_end(struct altp2m_vm *vm, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int altp2m_vm_end(struct altp2m_vm *vm, int ret, const char *fmt, ...)
{
	char call[96], detail[ALTP2M_ERRMSG_LEN];
	va_list ap;

	if (ret >= 0)
		return ret;
	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	if (vm->errmsg[0])
		memcpy(detail, vm->errmsg, sizeof(detail));
	else
		snprintf(detail, sizeof(detail), "%s", strerror(-ret));
	/* Long kernel messages are cut at ALTP2M_ERRMSG_LEN. */
	if (snprintf(vm->errmsg, sizeof(vm->errmsg), "%s: %s", call,
		     detail) >= (int)sizeof(vm->errmsg))
		vm->errmsg[sizeof(vm->errmsg) - 1] = '\0';
	return ret;
}

/* A rejected argument: nothing was sent. */
#define altp2m_vm_inval(vm, ...)					\
	altp2m_vm_detail(vm, -EINVAL, __VA_ARGS__)

static void altp2m_vm_begin(struct altp2m_vm *vm)
{
	vm->errmsg[0] = '\0';
}

static int altp2m_vm_new(struct altp2m_vm **vmp, uint32_t vm_id,
			 char *errbuf, size_t errlen)
{
	*vmp = calloc(1, sizeof(**vmp));
	if (!*vmp) {
		altp2m_fmt(errbuf, errlen, "out of memory");
		return -ENOMEM;
	}
	(*vmp)->vm_id = vm_id;
	return 0;
}

int altp2m_vm_open_fd_transport(struct altp2m_vm **vmp,
				const struct altp2m_transport *tr, void *priv,
				uint32_t vm_id, char *errbuf, size_t errlen)
{
	int err;

	err = altp2m_vm_new(vmp, vm_id, errbuf, errlen);
	if (err) {
		tr->close(priv);
		return err;
	}
	(*vmp)->ops = &altp2m_vm_fd_ops;
	(*vmp)->kind = ALTP2M_TRANSPORT_FD;
	(*vmp)->tr = tr;
	(*vmp)->priv = priv;
	return 0;
}

int altp2m_vm_open_nl_transport(struct altp2m_vm **vmp,
				const struct altp2m_nl_transport *tr,
				void *priv, int family, uint32_t vm_id,
				char *errbuf, size_t errlen)
{
	struct altp2m_vm_info info;
	struct altp2m_vm *vm;
	int err;

	err = altp2m_vm_new(vmp, vm_id, errbuf, errlen);
	if (err) {
		tr->close(priv);
		return err;
	}
	vm = *vmp;
	vm->ops = &altp2m_vm_nl_ops;
	vm->kind = ALTP2M_TRANSPORT_NETLINK;
	vm->nltr = tr;
	vm->family = family;
	vm->priv = priv;
	/* The VM exists and we may work on it: say so now, not later. */
	err = altp2m_vm_get_info(vm, &info);
	if (err) {
		/* The attach is the call: "get VM info" would say less. */
		altp2m_fmt(errbuf, errlen, "attach to VM %u: %s", vm_id,
			   strncmp(vm->errmsg, "get VM info: ", 13) ?
			   vm->errmsg : vm->errmsg + 13);
		altp2m_vm_close(vm);
		*vmp = NULL;
	}
	return err;
}

int altp2m_fdinfo_vm_id(const char *text, uint32_t *vm_id)
{
	static const char key[] = "altp2m-vm-id:\t";
	const char *p = text;
	unsigned int id;

	while (p && *p) {
		if (!strncmp(p, key, sizeof(key) - 1) &&
		    sscanf(p + sizeof(key) - 1, "%u", &id) == 1) {
			*vm_id = id;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

/* The real fd door: ioctl on the caller's fd, which it keeps. */
static int altp2m_vmfd_ioctl(void *priv, unsigned long cmd, void *arg)
{
	int ret = ioctl((int)(intptr_t)priv, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static void altp2m_vmfd_close(void *priv)
{
	(void)priv;
}

static const struct altp2m_transport altp2m_vmfd_transport = {
	.ioctl = altp2m_vmfd_ioctl,
	.close = altp2m_vmfd_close,
};

ALTP2M_EXPORT
int altp2m_vm_from_fd(struct altp2m_vm **vmp, int vm_fd, char *errbuf,
		      size_t errlen)
{
	char path[64], text[1024];
	uint32_t vm_id;
	ssize_t n;
	int fd, err;

	*vmp = NULL;
	if (vm_fd < 0) {
		altp2m_fmt(errbuf, errlen, "fd %d is not a VM fd", vm_fd);
		return -EBADF;
	}
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm_fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		altp2m_fmt(errbuf, errlen, "cannot read %s: %s", path,
			   strerror(err));
		return err == ENOENT ? -EBADF : -err;
	}
	n = read(fd, text, sizeof(text) - 1);
	err = errno;
	close(fd);
	if (n < 0) {
		altp2m_fmt(errbuf, errlen, "cannot read %s: %s", path,
			   strerror(err));
		return -err;
	}
	text[n] = '\0';
	if (altp2m_fdinfo_vm_id(text, &vm_id)) {
		altp2m_fmt(errbuf, errlen,
			   "fd %d is not an altp2m VM fd (no altp2m-vm-id in its fdinfo)",
			   vm_fd);
		return -EINVAL;
	}
	return altp2m_vm_open_fd_transport(vmp, &altp2m_vmfd_transport,
					   (void *)(intptr_t)vm_fd, vm_id,
					   errbuf, errlen);
}

ALTP2M_EXPORT
int altp2m_vm_attach(struct altp2m_vm **vmp, uint32_t vm_id, char *errbuf,
		     size_t errlen)
{
	void *priv;
	int family, err;

	*vmp = NULL;
	err = altp2m_nl_sock_open(&priv, &family, errbuf, errlen);
	if (err)
		return err;
	return altp2m_vm_open_nl_transport(vmp, &altp2m_nl_sock_transport,
					   priv, family, vm_id, errbuf,
					   errlen);
}

ALTP2M_EXPORT
void altp2m_vm_close(struct altp2m_vm *vm)
{
	if (!vm)
		return;
	if (vm->kind == ALTP2M_TRANSPORT_FD)
		vm->tr->close(vm->priv);
	else
		vm->nltr->close(vm->priv);
	free(vm);
}

ALTP2M_EXPORT
const char *altp2m_vm_errmsg(const struct altp2m_vm *vm)
{
	return vm->errmsg;
}

ALTP2M_EXPORT
uint32_t altp2m_vm_id(const struct altp2m_vm *vm)
{
	return vm->vm_id;
}

ALTP2M_EXPORT
enum altp2m_transport_kind altp2m_vm_transport(const struct altp2m_vm *vm)
{
	return vm->kind;
}

ALTP2M_EXPORT
int altp2m_list_vms(struct altp2m_vm_info **vms, size_t *nr, char *errbuf,
		    size_t errlen)
{
	void *priv;
	int family, err;

	if (!vms || !nr) {
		altp2m_fmt(errbuf, errlen, "list VMs: NULL result pointer");
		return -EINVAL;
	}
	*vms = NULL;
	*nr = 0;
	err = altp2m_nl_sock_open(&priv, &family, errbuf, errlen);
	if (err)
		return err;
	err = altp2m_list_vms_transport(&altp2m_nl_sock_transport, priv,
					family, vms, nr, errbuf, errlen);
	altp2m_nl_sock_transport.close(priv);
	return err;
}

/* ---- argument checks shared by the calls ---- */

static int altp2m_check_view(struct altp2m_vm *vm, uint32_t view)
{
	if (view >= ALTP2M_MAX_VIEWS)
		return altp2m_vm_inval(vm, "view %u is beyond the last possible (%u)",
				       view, ALTP2M_MAX_VIEWS - 1);
	return 0;
}

static int altp2m_check_vcpu(struct altp2m_vm *vm, int vcpu)
{
	if (vcpu >= ALTP2M_MAX_VCPUS)
		return altp2m_vm_inval(vm, "vCPU %d is beyond the last possible (%u)",
				       vcpu, ALTP2M_MAX_VCPUS - 1);
	return 0;
}

static int altp2m_check_access(struct altp2m_vm *vm, unsigned int access)
{
	if (access > ALTP2M_ACCESS_DEFAULT)
		return altp2m_vm_inval(vm, "access %u is not an ALTP2M_ACCESS_* code",
				       access);
	return 0;
}

static int altp2m_check_out(struct altp2m_vm *vm, const void *p)
{
	if (!p)
		return altp2m_vm_inval(vm, "NULL result pointer");
	return 0;
}

/* ---- the calls ---- */

ALTP2M_EXPORT
int altp2m_vm_get_info(struct altp2m_vm *vm, struct altp2m_vm_info *info)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_out(vm, info);
	if (!ret) {
		memset(info, 0, sizeof(*info));
		ret = vm->ops->get_info(vm, info);
	}
	return altp2m_vm_end(vm, ret, "get VM info");
}

int altp2m_vm_views_enable(struct altp2m_vm *vm, uint32_t max_views,
			   uint32_t mode)
{
	int ret = 0;

	altp2m_vm_begin(vm);
	if (max_views > ALTP2M_MAX_VIEWS)
		ret = altp2m_vm_inval(vm, "max_views %u is above %u", max_views,
				      ALTP2M_MAX_VIEWS);
	else if (mode > ALTP2M_MODE_LIMITED)
		ret = altp2m_vm_inval(vm, "mode %u is not an ALTP2M_MODE_* value",
				      mode);
	if (!ret)
		ret = vm->ops->views_enable(vm, max_views, mode);
	return altp2m_vm_end(vm, ret, "enable views");
}

int altp2m_vm_views_disable(struct altp2m_vm *vm)
{
	altp2m_vm_begin(vm);
	return altp2m_vm_end(vm, vm->ops->views_disable(vm), "disable views");
}

ALTP2M_EXPORT
int altp2m_view_create(struct altp2m_vm *vm, unsigned int default_access,
		       uint32_t *view)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_access(vm, default_access);
	if (!ret)
		ret = altp2m_check_out(vm, view);
	if (!ret)
		ret = vm->ops->view_create(vm, default_access, view);
	return altp2m_vm_end(vm, ret, "create view");
}

ALTP2M_EXPORT
int altp2m_view_destroy(struct altp2m_vm *vm, uint32_t view)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret)
		ret = vm->ops->view_destroy(vm, view);
	return altp2m_vm_end(vm, ret, "destroy view: view %u", view);
}

ALTP2M_EXPORT
int altp2m_view_switch(struct altp2m_vm *vm, uint32_t view, int vcpu)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret)
		ret = altp2m_check_vcpu(vm, vcpu);
	if (!ret)
		ret = vm->ops->view_switch(vm, view, vcpu);
	if (vcpu < 0)
		return altp2m_vm_end(vm, ret, "switch view: view %u", view);
	return altp2m_vm_end(vm, ret, "switch view: view %u, vCPU %d", view,
			     vcpu);
}

ALTP2M_EXPORT
int altp2m_view_set_visible(struct altp2m_vm *vm, uint32_t view, int vcpu,
			    bool visible)
{
	const char *what = visible ? "show view" : "hide view";
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret)
		ret = altp2m_check_vcpu(vm, vcpu);
	if (!ret)
		ret = vm->ops->view_set_visible(vm, view, vcpu, visible);
	if (vcpu < 0)
		return altp2m_vm_end(vm, ret, "%s: view %u", what, view);
	return altp2m_vm_end(vm, ret, "%s: view %u, vCPU %d", what, view,
			     vcpu);
}

ALTP2M_EXPORT
int altp2m_vcpu_views(struct altp2m_vm *vm, struct altp2m_vcpu_views *out)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_out(vm, out);
	if (!ret) {
		memset(out, 0, sizeof(*out));
		ret = vm->ops->vcpu_views(vm, out);
	}
	return altp2m_vm_end(vm, ret, "get vCPU views");
}

static int altp2m_set_range(struct altp2m_vm *vm, enum altp2m_gfn_setting what,
			    uint32_t view, uint64_t gfn, uint64_t npages,
			    unsigned int value)
{
	const char *call = what == ALTP2M_SETTING_ACCESS ? "set access" :
							   "set suppress-#VE";
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret && !npages)
		ret = altp2m_vm_inval(vm, "npages is 0");
	if (!ret && what == ALTP2M_SETTING_ACCESS)
		ret = altp2m_check_access(vm, value);
	if (!ret)
		ret = vm->ops->set_range(vm, what, view, gfn, npages, value);
	return altp2m_vm_end(vm, ret, "%s: view %u, gfn 0x%llx, %llu pages",
			     call, view, (unsigned long long)gfn,
			     (unsigned long long)npages);
}

ALTP2M_EXPORT
int altp2m_set_access(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		      uint64_t npages, unsigned int access)
{
	return altp2m_set_range(vm, ALTP2M_SETTING_ACCESS, view, gfn, npages,
				access);
}

ALTP2M_EXPORT
int altp2m_set_sve(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		   uint64_t npages, bool sve)
{
	return altp2m_set_range(vm, ALTP2M_SETTING_SVE, view, gfn, npages, sve);
}

static int altp2m_set_list(struct altp2m_vm *vm, enum altp2m_gfn_setting what,
			   uint32_t view, const uint64_t *gfns,
			   const uint8_t *values, size_t n)
{
	const char *call = what == ALTP2M_SETTING_ACCESS ?
		"set access list" : "set suppress-#VE list";
	unsigned int max = what == ALTP2M_SETTING_ACCESS ?
		ALTP2M_ACCESS_DEFAULT : 1;
	size_t i;
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret && (n < 1 || n > ALTP2M_GFN_LIST_MAX))
		ret = altp2m_vm_inval(vm, "%zu entries: a list has 1 to %u",
				      n, ALTP2M_GFN_LIST_MAX);
	if (!ret && (!gfns || !values))
		ret = altp2m_vm_inval(vm, "NULL list");
	for (i = 0; !ret && i < n; i++)
		if (values[i] > max)
			ret = altp2m_vm_inval(vm, "entry %zu: value %u is above %u",
					      i, values[i], max);
	if (!ret)
		ret = vm->ops->set_list(vm, what, view, gfns, values, n);
	return altp2m_vm_end(vm, ret, "%s: view %u", call, view);
}

ALTP2M_EXPORT
int altp2m_set_access_list(struct altp2m_vm *vm, uint32_t view,
			   const uint64_t *gfns, const uint8_t *access,
			   size_t n)
{
	return altp2m_set_list(vm, ALTP2M_SETTING_ACCESS, view, gfns, access,
			       n);
}

ALTP2M_EXPORT
int altp2m_set_sve_list(struct altp2m_vm *vm, uint32_t view,
			const uint64_t *gfns, const uint8_t *sve, size_t n)
{
	return altp2m_set_list(vm, ALTP2M_SETTING_SVE, view, gfns, sve, n);
}

ALTP2M_EXPORT
int altp2m_get_access(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		      unsigned int *access, bool *sve)
{
	unsigned int a = 0;
	bool s = false;
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret)
		ret = vm->ops->get_access(vm, view, gfn, &a, &s);
	if (!ret && access)
		*access = a;
	if (!ret && sve)
		*sve = s;
	return altp2m_vm_end(vm, ret, "get access: view %u, gfn 0x%llx", view,
			     (unsigned long long)gfn);
}

ALTP2M_EXPORT
int altp2m_remap(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		 uint64_t target)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret)
		ret = vm->ops->remap(vm, view, gfn, target);
	if (target == gfn || target == ALTP2M_GFN_INVALID)
		return altp2m_vm_end(vm, ret, "revert: view %u, gfn 0x%llx",
				     view, (unsigned long long)gfn);
	return altp2m_vm_end(vm, ret, "remap: view %u, gfn 0x%llx to 0x%llx",
			     view, (unsigned long long)gfn,
			     (unsigned long long)target);
}

ALTP2M_EXPORT
int altp2m_revert(struct altp2m_vm *vm, uint32_t view, uint64_t gfn)
{
	return altp2m_remap(vm, view, gfn, ALTP2M_GFN_INVALID);
}

ALTP2M_EXPORT
int altp2m_list_views(struct altp2m_vm *vm, struct altp2m_view_info **out,
		      size_t *nr)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_out(vm, out);
	if (!ret)
		ret = altp2m_check_out(vm, nr);
	if (!ret) {
		*out = NULL;
		*nr = 0;
		ret = vm->ops->list_views(vm, out, nr);
	}
	return altp2m_vm_end(vm, ret, "list views");
}

ALTP2M_EXPORT
int altp2m_dump_view(struct altp2m_vm *vm, uint32_t view,
		     struct altp2m_view_entry **out, size_t *nr)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret)
		ret = altp2m_check_out(vm, out);
	if (!ret)
		ret = altp2m_check_out(vm, nr);
	if (!ret) {
		*out = NULL;
		*nr = 0;
		ret = vm->ops->dump_view(vm, view, out, nr);
	}
	return altp2m_vm_end(vm, ret, "dump view: view %u", view);
}

ALTP2M_EXPORT
int altp2m_vm_stats(struct altp2m_vm *vm, struct altp2m_vm_stats *st)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_out(vm, st);
	if (!ret) {
		memset(st, 0, sizeof(*st));
		ret = vm->ops->stats(vm, st);
	}
	return altp2m_vm_end(vm, ret, "get VM stats");
}
