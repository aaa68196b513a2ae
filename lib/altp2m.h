/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaltp2m: the C API over the altp2m module.
 *
 * Errors: every call that can fail returns a negative errno value. The
 * context keeps a human-readable message for the last failure, which
 * altp2m_errmsg() returns; it stays valid until the next call on the same
 * context. The library never prints and never exits.
 *
 * Threads: a context may be used by one thread at a time. Use one context
 * per thread, or serialise calls on a shared one; distinct contexts are
 * independent.
 */
#ifndef LIBALTP2M_H
#define LIBALTP2M_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/altp2m.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ALTP2M_DEFAULT_DEVICE	"/dev/altp2m"
#define ALTP2M_ERRMSG_LEN	256

struct altp2m_ctx;

/*
 * Open the device (path NULL: ALTP2M_DEFAULT_DEVICE) and check that the
 * module speaks the API this library was built for. On failure *ctxp is
 * NULL and, if errbuf is not NULL, errbuf holds the reason.
 */
int altp2m_open(struct altp2m_ctx **ctxp, const char *path,
		char *errbuf, size_t errlen);
void altp2m_close(struct altp2m_ctx *ctx);
const char *altp2m_errmsg(const struct altp2m_ctx *ctx);

/* The module's ALTP2M_API_VERSION (positive), or a negative errno. */
int altp2m_api_version(struct altp2m_ctx *ctx);
int altp2m_get_caps(struct altp2m_ctx *ctx, struct altp2m_caps *caps);

/*
 * Names of the ALTP2M_CAP_* bits: a short stable token ("ept-2m") and a
 * phrase for people. NULL for a bit the library does not know.
 */
const char *altp2m_cap_name(unsigned int bit);
const char *altp2m_cap_desc(unsigned int bit);

/*
 * VMs. A struct altp2m_vm is one VM reached through one of two doors:
 *
 *  - its VM file descriptor (altp2m_vm_from_fd): the VMM's own door; the
 *    fd stays the caller's (it is not closed by altp2m_vm_close), and only
 *    the process that created the VM may use it (the module says EIO to
 *    any other);
 *  - generic netlink, by VM id (altp2m_vm_attach): any process with
 *    CAP_NET_ADMIN or CAP_SYS_ADMIN in the VM creator's user namespace,
 *    in the creator's network namespace.
 *
 * Every call below works the same through either door, with the same
 * errors; where the doors differ, the comment says so. On failure a call
 * returns a negative errno and altp2m_vm_errmsg() says why, including the
 * kernel's extended-ack message and the name of the attribute it blamed
 * when netlink carried one.
 *
 * Arguments the module would refuse are refused by the library first,
 * with EINVAL and nothing sent, so both doors agree (netlink's policy
 * would say ERANGE where an ioctl says EINVAL): a view at or beyond
 * ALTP2M_MAX_VIEWS, a vCPU at or beyond ALTP2M_MAX_VCPUS, an access above
 * ALTP2M_ACCESS_DEFAULT, npages 0, a list of 0 or more than
 * ALTP2M_GFN_LIST_MAX entries or with a value out of range, max_views
 * above ALTP2M_MAX_VIEWS, an unknown mode, and NULL result pointers
 * (except altp2m_get_access's, either of which may be NULL).
 *
 * Threads: as contexts, one thread at a time per handle.
 */
struct altp2m_vm;

enum altp2m_transport_kind {
	ALTP2M_TRANSPORT_FD = 1,
	ALTP2M_TRANSPORT_NETLINK = 2,
};

int altp2m_vm_from_fd(struct altp2m_vm **vmp, int vm_fd,
		      char *errbuf, size_t errlen);
int altp2m_vm_attach(struct altp2m_vm **vmp, uint32_t vm_id,
		     char *errbuf, size_t errlen);
void altp2m_vm_close(struct altp2m_vm *vm);
const char *altp2m_vm_errmsg(const struct altp2m_vm *vm);
uint32_t altp2m_vm_id(const struct altp2m_vm *vm);
enum altp2m_transport_kind altp2m_vm_transport(const struct altp2m_vm *vm);

/* What ALTP2M_CMD_GET_VM reports about a VM. */
struct altp2m_vm_info {
	uint32_t vm_id;
	uint32_t owner_pid;	/* 0 when not visible in our pid namespace */
	uint32_t nr_vcpus;
	uint32_t views_enabled;	/* 0 or 1 */
	uint32_t max_views;
	uint32_t mode;		/* ALTP2M_MODE_* */
	uint32_t nr_views;
	uint32_t pad;
	uint64_t mem_pages;
	uint64_t generation;
};

/*
 * Every VM this process may see (netlink only; needs no VM handle). On
 * success *vms is a malloc'd array of *nr entries (NULL when 0) for the
 * caller to free(). A dump that raced with VMs coming or going is
 * retried; after ALTP2M_DUMP_RETRIES interrupted attempts, -EAGAIN.
 */
#define ALTP2M_DUMP_RETRIES	8
int altp2m_list_vms(struct altp2m_vm_info **vms, size_t *nr,
		    char *errbuf, size_t errlen);
/*
 * One VM's info: over netlink GET_VM; over an fd, built from its stats.
 * Through an fd, owner_pid is the caller's pid (only the creator may use
 * the fd); views_enabled and max_views are found by read-only
 * ALTP2M_GET_MEM_ACCESS probes (EOPNOTSUPP while views are off, EINVAL
 * from max_views on); mode and generation cannot be read and are 0.
 */
int altp2m_vm_get_info(struct altp2m_vm *vm, struct altp2m_vm_info *info);

/* max_views 0: the module's default. */
int altp2m_views_enable(struct altp2m_vm *vm, uint32_t max_views,
			uint32_t mode);
int altp2m_views_disable(struct altp2m_vm *vm);
int altp2m_view_create(struct altp2m_vm *vm, unsigned int default_access,
		       uint32_t *view);
int altp2m_view_destroy(struct altp2m_vm *vm, uint32_t view);

/* vcpu < 0: every vCPU (and, for visibility, vCPUs created later). */
int altp2m_view_switch(struct altp2m_vm *vm, uint32_t view, int vcpu);
int altp2m_view_set_visible(struct altp2m_vm *vm, uint32_t view, int vcpu,
			    bool visible);
int altp2m_vcpu_views(struct altp2m_vm *vm, struct altp2m_vcpu_views *out);

/* npages gfns from gfn, all-or-nothing. */
int altp2m_set_access(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		      uint64_t npages, unsigned int access);
int altp2m_set_sve(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		   uint64_t npages, bool sve);
/*
 * Lists of (gfn, value), 1 .. ALTP2M_GFN_LIST_MAX. Through an fd the list
 * is applied all-or-nothing. Over netlink it travels in messages of up to
 * ALTP2M_NL_LIST_CHUNK entries, each applied all-or-nothing: a failure in
 * a later message leaves the earlier ones applied, and the message says
 * how many entries were.
 */
#define ALTP2M_NL_LIST_CHUNK	2048
int altp2m_set_access_list(struct altp2m_vm *vm, uint32_t view,
			   const uint64_t *gfns, const uint8_t *access,
			   size_t n);
int altp2m_set_sve_list(struct altp2m_vm *vm, uint32_t view,
			const uint64_t *gfns, const uint8_t *sve, size_t n);
int altp2m_get_access(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		      unsigned int *access, bool *sve);

/* target == gfn or ALTP2M_GFN_INVALID reverts (altp2m_revert). */
int altp2m_remap(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		 uint64_t target);
int altp2m_revert(struct altp2m_vm *vm, uint32_t view, uint64_t gfn);

/*
 * Every view, or a view's runs that differ from lazy fill. On success
 * *out is a malloc'd array of *nr entries (NULL when 0) to free(). Over
 * netlink a dump that raced with a change is retried, -EAGAIN after
 * ALTP2M_DUMP_RETRIES; through an fd the chunks are read one ioctl at a
 * time and may mix states if the VMM changes the view meanwhile.
 */
int altp2m_list_views(struct altp2m_vm *vm, struct altp2m_view_info **out,
		      size_t *nr);
int altp2m_dump_view(struct altp2m_vm *vm, uint32_t view,
		     struct altp2m_view_entry **out, size_t *nr);
int altp2m_vm_stats(struct altp2m_vm *vm, struct altp2m_vm_stats *st);

/*
 * Notifications (netlink multicast group "events"). altp2m_monitor_fd()
 * is pollable; altp2m_monitor_next() waits up to timeout_ms (-1: forever)
 * and returns 1 with *ev filled, 0 on timeout, or a negative errno
 * (-ENOBUFS: the socket overflowed and events were lost; reading goes on).
 */
struct altp2m_monitor;

struct altp2m_event {
	uint32_t type;		/* ALTP2M_CMD_VM_CREATED ... VIEW_DESTROYED */
	uint32_t vm_id;
	uint32_t view;		/* VIEW_CREATED/DESTROYED */
	uint32_t max_views;	/* VIEWS_ENABLED */
	uint32_t mode;		/* VIEWS_ENABLED */
	uint32_t pad;
};

int altp2m_monitor_open(struct altp2m_monitor **mp, char *errbuf,
			size_t errlen);
int altp2m_monitor_fd(const struct altp2m_monitor *m);
int altp2m_monitor_next(struct altp2m_monitor *m, struct altp2m_event *ev,
			int timeout_ms);
const char *altp2m_monitor_errmsg(const struct altp2m_monitor *m);
void altp2m_monitor_close(struct altp2m_monitor *m);
/* "vm-created", ... ; NULL for a type that is not an event. */
const char *altp2m_event_name(uint32_t type);

/*
 * Access names: "n", "r", "w", "rw", "x", "rx", "wx", "rwx", "rx2rw",
 * "n2rwx", "default". altp2m_access_parse returns 0 or -EINVAL.
 */
const char *altp2m_access_name(unsigned int access);
int altp2m_access_parse(const char *s, unsigned int *access);
/* "external", "mixed", "limited". */
const char *altp2m_mode_name(unsigned int mode);
int altp2m_mode_parse(const char *s, unsigned int *mode);

#ifdef __cplusplus
}
#endif

#endif /* LIBALTP2M_H */
