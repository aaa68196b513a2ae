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

int altp2m__vm_detail(struct altp2m_vm *vm, int err, const char *fmt, ...)
{
	va_list ap;

	vm->e.err = err;
	va_start(ap, fmt);
	vsnprintf(vm->e.msg, sizeof(vm->e.msg), fmt, ap);
	va_end(ap);
	return err;
}

/*
 * The end of a call: on failure, "<call>: <strerror> (<detail>)" where
 * the detail is what the door said, if anything. @ret is returned.
 */
static int altp2m_vm_end(struct altp2m_vm *vm, int ret, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int altp2m_vm_end(struct altp2m_vm *vm, int ret, const char *fmt, ...)
{
	char call[96];
	va_list ap;

	if (ret >= 0) {
		altp2m__err_clear(&vm->e);
		return ret;
	}
	va_start(ap, fmt);
	vsnprintf(call, sizeof(call), fmt, ap);
	va_end(ap);
	altp2m__err_finish(&vm->e, ret, call);
	return ret;
}

/* A rejected argument: nothing was sent. */
#define altp2m_vm_inval(vm, ...)					\
	altp2m__vm_detail(vm, -EINVAL, __VA_ARGS__)

static void altp2m_vm_begin(struct altp2m_vm *vm)
{
	altp2m__err_clear(&vm->e);
}

static struct altp2m_vm *altp2m_vm_new(void)
{
	struct altp2m_vm *vm = calloc(1, sizeof(*vm));

	if (vm)
		altp2m__err_clear(&vm->e);
	return vm;
}

int altp2m__vm_open_fd_transport(struct altp2m_vm **vmp,
				 const struct altp2m__transport *tr,
				 void *priv, char *errbuf, size_t errlen)
{
	struct altp2m_vm_status st = { 0 };
	struct altp2m_vm *vm;
	int err;

	*vmp = NULL;
	vm = altp2m_vm_new();
	if (!vm) {
		altp2m__fmt(errbuf, errlen, "open VM fd: %s", strerror(ENOMEM));
		tr->close(priv);
		return -ENOMEM;
	}
	vm->ops = &altp2m__vm_fd_ops;
	vm->kind = ALTP2M_TRANSPORT_FD;
	vm->tr = tr;
	vm->priv = priv;
	/*
	 * The ioctl's number encodes its struct's size: a module of another
	 * API does not know it, and says ENOTTY.
	 */
	err = tr->ioctl(priv, ALTP2M_GET_VM_STATUS, &st);
	if (err == -ENOTTY)
		altp2m__vm_detail(vm, -EPROTO,
				  "the module does not know ALTP2M_GET_VM_STATUS: it speaks another API than this library's (%d)",
				  ALTP2M_API_VERSION);
	else if (err < 0)
		vm->e.err = err;
	if (err < 0) {
		err = vm->e.err;
		altp2m__err_finish(&vm->e, err, "open VM fd");
		altp2m__fmt(errbuf, errlen, "%s", vm->e.msg);
		altp2m_vm_close(vm);
		return err;
	}
	vm->vm_id = st.vm_id;
	*vmp = vm;
	return 0;
}

int altp2m__fdinfo_vm_id(const char *text, uint32_t *vm_id)
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

/* The real fd door: ioctl on the handle's own duplicate of the fd. */
struct altp2m_vmfd {
	int fd;
	int (*ioctl_fn)(int fd, unsigned long cmd, void *arg);
};

static int altp2m_vmfd_ioctl(void *priv, unsigned long cmd, void *arg)
{
	struct altp2m_vmfd *v = priv;
	int ret = v->ioctl_fn(v->fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static void altp2m_vmfd_close(void *priv)
{
	struct altp2m_vmfd *v = priv;

	close(v->fd);
	free(v);
}

static const struct altp2m__transport altp2m_vmfd_transport = {
	.ioctl = altp2m_vmfd_ioctl,
	.close = altp2m_vmfd_close,
};

int altp2m__vm_from_fd_with(struct altp2m_vm **vmp, int vm_fd,
			    int (*ioctl_fn)(int fd, unsigned long cmd,
					    void *arg),
			    char *errbuf, size_t errlen)
{
	struct altp2m_vmfd *v;
	int err;

	*vmp = NULL;
	v = malloc(sizeof(*v));
	if (!v) {
		altp2m__fmt(errbuf, errlen, "open VM fd: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	/*
	 * Our own fd: if the caller closes its fd and the number goes to
	 * another VM, this handle still reaches its own VM.
	 */
	v->fd = fcntl(vm_fd, F_DUPFD_CLOEXEC, 0);
	if (v->fd < 0) {
		err = -errno;
		altp2m__fmt(errbuf, errlen, "open VM fd %d: %s", vm_fd,
			    strerror(-err));
		free(v);
		return err;
	}
	v->ioctl_fn = ioctl_fn;
	return altp2m__vm_open_fd_transport(vmp, &altp2m_vmfd_transport, v,
					    errbuf, errlen);
}

static int altp2m_sys_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg);
}

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
		altp2m__fmt(errbuf, errlen, "fd %d is not a VM fd", vm_fd);
		return -EBADF;
	}
	/* No ioctl goes to an fd before it is known to be a VM's. */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", vm_fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		altp2m__fmt(errbuf, errlen, "cannot read %s: %s", path,
			    strerror(err));
		return err == ENOENT ? -EBADF : -err;
	}
	n = read(fd, text, sizeof(text) - 1);
	err = errno;
	close(fd);
	if (n < 0) {
		altp2m__fmt(errbuf, errlen, "cannot read %s: %s", path,
			    strerror(err));
		return -err;
	}
	text[n] = '\0';
	if (altp2m__fdinfo_vm_id(text, &vm_id)) {
		altp2m__fmt(errbuf, errlen,
			    "fd %d is not an altp2m VM fd (no altp2m-vm-id in its fdinfo)",
			    vm_fd);
		return -EINVAL;
	}
	return altp2m__vm_from_fd_with(vmp, vm_fd, altp2m_sys_ioctl, errbuf,
				       errlen);
}

ALTP2M_EXPORT
int altp2m_vm_attach(struct altp2m_conn *conn, uint32_t vm_id,
		     struct altp2m_vm **vmp)
{
	struct altp2m_vm_info info;
	struct altp2m_vm *vm;
	int err;

	altp2m__err_clear(&conn->e);
	if (!vmp) {
		altp2m__err_set(&conn->e, -EINVAL, "NULL result pointer");
		altp2m__err_finish(&conn->e, -EINVAL, "attach to a VM");
		return -EINVAL;
	}
	*vmp = NULL;
	vm = altp2m_vm_new();
	if (!vm) {
		altp2m__err_finish(&conn->e, -ENOMEM, "attach to a VM");
		return -ENOMEM;
	}
	vm->ops = &altp2m__vm_nl_ops;
	vm->kind = ALTP2M_TRANSPORT_NETLINK;
	vm->vm_id = vm_id;
	vm->conn = conn;
	conn->refs++;
	/* The VM exists and we may work on it: say so now, not later. */
	memset(&info, 0, sizeof(info));
	err = vm->ops->get_info(vm, &info);
	if (err) {
		char call[48];

		/* The attach is the call: "get VM info" would say less. */
		snprintf(call, sizeof(call), "attach to VM %u", vm_id);
		conn->e = vm->e;
		altp2m__err_finish(&conn->e, err, call);
		altp2m_vm_close(vm);
		return err;
	}
	*vmp = vm;
	return 0;
}

ALTP2M_EXPORT
void altp2m_vm_close(struct altp2m_vm *vm)
{
	if (!vm)
		return;
	if (vm->kind == ALTP2M_TRANSPORT_FD)
		vm->tr->close(vm->priv);
	else
		altp2m__conn_put(vm->conn);
	free(vm);
}

ALTP2M_EXPORT
const char *altp2m_vm_errmsg(const struct altp2m_vm *vm)
{
	return vm->e.msg;
}

ALTP2M_EXPORT
int altp2m_vm_last_error(const struct altp2m_vm *vm, struct altp2m_error *e)
{
	return altp2m__err_export(&vm->e, e);
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

/* ---- argument checks shared by the calls ---- */

static int altp2m_check_view(struct altp2m_vm *vm, uint32_t view)
{
	if (view >= ALTP2M_MAX_VIEWS)
		return altp2m_vm_inval(vm, "view %u is beyond the last possible, %u",
				       view, ALTP2M_MAX_VIEWS - 1);
	return 0;
}

static int altp2m_check_vcpu(struct altp2m_vm *vm, uint32_t vcpu)
{
	if (vcpu != ALTP2M_VCPU_ALL && vcpu >= ALTP2M_MAX_VCPUS)
		return altp2m_vm_inval(vm, "vCPU %u is beyond the last possible, %u",
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

ALTP2M_EXPORT
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

ALTP2M_EXPORT
int altp2m_vm_views_disable(struct altp2m_vm *vm)
{
	altp2m_vm_begin(vm);
	return altp2m_vm_end(vm, vm->ops->views_disable(vm), "disable views");
}

ALTP2M_EXPORT
int altp2m_vm_view_create(struct altp2m_vm *vm, unsigned int default_access,
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
int altp2m_vm_view_destroy(struct altp2m_vm *vm, uint32_t view)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret)
		ret = vm->ops->view_destroy(vm, view);
	return altp2m_vm_end(vm, ret, "destroy view %u", view);
}

ALTP2M_EXPORT
int altp2m_vm_view_switch(struct altp2m_vm *vm, uint32_t view, uint32_t vcpu)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret)
		ret = altp2m_check_vcpu(vm, vcpu);
	if (!ret)
		ret = vm->ops->view_switch(vm, view, vcpu);
	if (vcpu == ALTP2M_VCPU_ALL)
		return altp2m_vm_end(vm, ret, "switch to view %u", view);
	return altp2m_vm_end(vm, ret, "switch vCPU %u to view %u", vcpu,
			     view);
}

ALTP2M_EXPORT
int altp2m_vm_view_set_visible(struct altp2m_vm *vm, uint32_t view,
			       uint32_t vcpu, bool visible)
{
	const char *what = visible ? "show" : "hide";
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret)
		ret = altp2m_check_vcpu(vm, vcpu);
	if (!ret)
		ret = vm->ops->view_set_visible(vm, view, vcpu, visible);
	if (vcpu == ALTP2M_VCPU_ALL)
		return altp2m_vm_end(vm, ret, "%s view %u", what, view);
	return altp2m_vm_end(vm, ret, "%s view %u to vCPU %u", what, view,
			     vcpu);
}

ALTP2M_EXPORT
int altp2m_vm_vcpu_views(struct altp2m_vm *vm, struct altp2m_vcpu_views *out)
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

static int altp2m_set_range(struct altp2m_vm *vm,
			    enum altp2m__gfn_setting what, uint32_t view,
			    uint64_t gfn, uint64_t npages, unsigned int value)
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
	return altp2m_vm_end(vm, ret, "%s in view %u, gfn 0x%llx, %llu pages",
			     call, view, (unsigned long long)gfn,
			     (unsigned long long)npages);
}

ALTP2M_EXPORT
int altp2m_vm_set_access(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
			 uint64_t npages, unsigned int access)
{
	return altp2m_set_range(vm, ALTP2M_SETTING_ACCESS, view, gfn, npages,
				access);
}

ALTP2M_EXPORT
int altp2m_vm_set_sve(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		      uint64_t npages, bool sve)
{
	return altp2m_set_range(vm, ALTP2M_SETTING_SVE, view, gfn, npages, sve);
}

static int altp2m_set_list(struct altp2m_vm *vm, enum altp2m__gfn_setting what,
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
	for (i = 0; !ret && i < n; i++) {
		if (values[i] > max) {
			ret = altp2m_vm_inval(vm, "entry %zu: value %u is above %u",
					      i, values[i], max);
			vm->e.entry = (long)i;
		}
	}
	if (!ret)
		ret = vm->ops->set_list(vm, what, view, gfns, values, n);
	return altp2m_vm_end(vm, ret, "%s in view %u", call, view);
}

ALTP2M_EXPORT
int altp2m_vm_set_access_list(struct altp2m_vm *vm, uint32_t view,
			      const uint64_t *gfns, const uint8_t *access,
			      size_t n)
{
	return altp2m_set_list(vm, ALTP2M_SETTING_ACCESS, view, gfns, access,
			       n);
}

ALTP2M_EXPORT
int altp2m_vm_set_sve_list(struct altp2m_vm *vm, uint32_t view,
			   const uint64_t *gfns, const uint8_t *sve, size_t n)
{
	return altp2m_set_list(vm, ALTP2M_SETTING_SVE, view, gfns, sve, n);
}

ALTP2M_EXPORT
int altp2m_vm_get_access(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
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
	return altp2m_vm_end(vm, ret, "get access in view %u, gfn 0x%llx",
			     view, (unsigned long long)gfn);
}

ALTP2M_EXPORT
int altp2m_vm_remap(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		    uint64_t target)
{
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m_check_view(vm, view);
	if (!ret)
		ret = vm->ops->remap(vm, view, gfn, target);
	if (target == gfn || target == ALTP2M_GFN_INVALID)
		return altp2m_vm_end(vm, ret, "revert in view %u, gfn 0x%llx",
				     view, (unsigned long long)gfn);
	return altp2m_vm_end(vm, ret,
			     "remap in view %u, gfn 0x%llx to 0x%llx", view,
			     (unsigned long long)gfn,
			     (unsigned long long)target);
}

ALTP2M_EXPORT
int altp2m_vm_revert(struct altp2m_vm *vm, uint32_t view, uint64_t gfn)
{
	return altp2m_vm_remap(vm, view, gfn, ALTP2M_GFN_INVALID);
}

/*
 * The common part of altp2m_hidden_add() and altp2m_hidden_remove(): the
 * range is checked here, and the errnos that mean one thing get words
 * when the door gave none (an fd says nothing but the errno).
 */
static int altp2m_vm_hidden(struct altp2m_vm *vm, bool add, uint64_t gfn,
			    uint64_t nr)
{
	int ret;

	altp2m_vm_begin(vm);
	if (!nr || nr > ALTP2M_MAX_HIDDEN_ADD)
		ret = altp2m_vm_inval(vm, "%llu frames: 1 to %d at once",
				      (unsigned long long)nr,
				      ALTP2M_MAX_HIDDEN_ADD);
	else
		ret = vm->ops->hidden(vm, add, gfn, nr);
	if (ret && !vm->e.msg[0]) {
		if (ret == -EEXIST)
			altp2m__vm_detail(vm, ret,
					  "a gfn of the range is guest RAM or hidden already");
		else if (ret == -ENOSPC)
			altp2m__vm_detail(vm, ret,
					  "beyond the module's max_hidden_frames for this VM");
		else if (ret == -ENOENT)
			altp2m__vm_detail(vm, ret,
					  "a gfn of the range is not hidden");
		else if (ret == -EBUSY)
			altp2m__vm_detail(vm, ret,
					  "a hidden breakpoint lives in the range");
	}
	return altp2m_vm_end(vm, ret, "%s %llu hidden frames at gfn 0x%llx",
			     add ? "add" : "remove", (unsigned long long)nr,
			     (unsigned long long)gfn);
}

ALTP2M_EXPORT
int altp2m_hidden_add(struct altp2m_vm *vm, uint64_t gfn, uint64_t nr)
{
	return altp2m_vm_hidden(vm, true, gfn, nr);
}

ALTP2M_EXPORT
int altp2m_hidden_remove(struct altp2m_vm *vm, uint64_t gfn, uint64_t nr)
{
	return altp2m_vm_hidden(vm, false, gfn, nr);
}

ALTP2M_EXPORT
int altp2m_vm_list_views(struct altp2m_vm *vm, struct altp2m_view_info **out,
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
int altp2m_vm_dump_view(struct altp2m_vm *vm, uint32_t view,
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
	return altp2m_vm_end(vm, ret, "dump view %u", view);
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

/* ---- batches ---- */

ALTP2M_EXPORT
int altp2m_batch_new(struct altp2m_batch_builder **bp)
{
	if (!bp)
		return -EINVAL;
	*bp = calloc(1, sizeof(**bp));
	return *bp ? 0 : -ENOMEM;
}

ALTP2M_EXPORT
void altp2m_batch_free(struct altp2m_batch_builder *b)
{
	if (!b)
		return;
	free(b->ops);
	free(b);
}

ALTP2M_EXPORT
size_t altp2m_batch_size(const struct altp2m_batch_builder *b)
{
	return b ? b->n : 0;
}

static int altp2m_batch_add(struct altp2m_batch_builder *b,
			    const struct altp2m_batch_op *op)
{
	struct altp2m_batch_op *grown;

	if (!b || op->view >= ALTP2M_MAX_VIEWS)
		return -EINVAL;
	if (b->n >= ALTP2M_BATCH_MAX_OPS)
		return -E2BIG;
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;

		grown = realloc(b->ops, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		b->ops = grown;
		b->cap = cap;
	}
	b->ops[b->n++] = *op;
	return 0;
}

ALTP2M_EXPORT
int altp2m_batch_set_access(struct altp2m_batch_builder *b, uint32_t view,
			    uint64_t gfn, uint64_t npages,
			    unsigned int access)
{
	struct altp2m_batch_op op = {
		.op = ALTP2M_BATCH_SET_ACCESS, .value = access, .view = view,
		.gfn = gfn, .npages = npages,
	};

	if (access > ALTP2M_ACCESS_DEFAULT || !npages)
		return -EINVAL;
	return altp2m_batch_add(b, &op);
}

ALTP2M_EXPORT
int altp2m_batch_set_sve(struct altp2m_batch_builder *b, uint32_t view,
			 uint64_t gfn, uint64_t npages, bool sve)
{
	struct altp2m_batch_op op = {
		.op = ALTP2M_BATCH_SET_SVE, .value = sve, .view = view,
		.gfn = gfn, .npages = npages,
	};

	if (!npages)
		return -EINVAL;
	return altp2m_batch_add(b, &op);
}

ALTP2M_EXPORT
int altp2m_batch_remap(struct altp2m_batch_builder *b, uint32_t view,
		       uint64_t gfn, uint64_t target)
{
	struct altp2m_batch_op op = {
		.op = ALTP2M_BATCH_REMAP, .view = view, .gfn = gfn,
		.npages = 1, .target = target,
	};

	/* View 0 is the host's p2m: nothing to remap there. */
	if (!view)
		return -EINVAL;
	return altp2m_batch_add(b, &op);
}

ALTP2M_EXPORT
int altp2m_batch_revert(struct altp2m_batch_builder *b, uint32_t view,
			uint64_t gfn)
{
	return altp2m_batch_remap(b, view, gfn, ALTP2M_GFN_INVALID);
}

ALTP2M_EXPORT
int altp2m_vm_batch_commit(struct altp2m_vm *vm,
			   const struct altp2m_batch_builder *b,
			   const struct altp2m_batch_opts *opts,
			   uint64_t *generation)
{
	struct altp2m_batch_opts o;
	uint64_t gen = 0;
	int ret;

	altp2m_vm_begin(vm);
	ret = altp2m__opts_copy(&o, sizeof(o), opts);
	if (ret)
		ret = altp2m_vm_inval(vm, "bad struct altp2m_batch_opts");
	else if (!b || !b->n)
		ret = altp2m_vm_inval(vm, "an empty batch");
	if (!ret)
		ret = vm->ops->batch(vm, b->ops, b->n, &o, &gen);
	if (!ret && generation)
		*generation = gen;
	return altp2m_vm_end(vm, ret, "commit a batch of %zu operations",
			     b ? b->n : 0);
}
