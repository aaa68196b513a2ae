/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaltp2m 1.2: the C API over the altp2m module.
 *
 * Objects:
 *  - struct altp2m_ctx: /dev/altp2m (API version, capabilities). Only the
 *    device door; it has nothing to do with VMs.
 *  - struct altp2m_conn: the generic netlink connection. It owns one
 *    socket, the family id, the check of the family's version and the
 *    request timeout. VM handles attached through it, its VM list and its
 *    event monitors hang off it.
 *  - struct altp2m_vm: one VM, through its VM fd (the VMM's own door) or
 *    through a connection (by VM id).
 *  - struct altp2m_batch_builder: view operations built in memory and
 *    committed to one VM as one all-or-nothing change (the uapi's struct
 *    altp2m_batch is the ioctl's argument).
 *  - struct altp2m_monitor: the family's notifications.
 *  - struct altp2m_mon: a monitor fd (an introspection daemon's door:
 *    synchronous events on per-vCPU rings, responses, pause, vCPU state,
 *    guest memory). Not to be confused with struct altp2m_monitor, which
 *    only watches the netlink family's notifications.
 *
 * Errors: every call that can fail returns a negative errno value. Each
 * handle (ctx, conn, vm, monitor) keeps what went wrong in its last call:
 * *_errmsg() a message for people, which keeps the errno's own text
 * ("enable views: File exists (altp2m is already enabled on this VM)"),
 * and, for connections and VMs, *_last_error() the same as fields. Every
 * call on a handle clears them first: they describe the last call only,
 * and are empty after a success. Calls that create a handle and fail have
 * no handle to keep it in: they write the message into a caller's buffer
 * (errbuf, errlen; may be NULL), or, for altp2m_vm_attach and
 * altp2m_monitor_open, into the connection. The library never prints and
 * never exits.
 *
 * Threads: a handle may be used by one thread at a time. A connection and
 * every VM handle and VM list call that uses it share its socket: they
 * count as one handle. Distinct connections, fd-door VM handles,
 * monitors and monitor fds are independent.
 *
 * Arrays the library returns are released with altp2m_free().
 */
#ifndef LIBALTP2M_H
#define LIBALTP2M_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/* Quotes: found next to this header, installed as <altp2m/linux/altp2m.h>. */
#include "linux/altp2m.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LIBALTP2M_MAJOR		1
#define LIBALTP2M_MINOR		3

/* The library's own "MAJOR.MINOR", of the copy that is running. */
const char *altp2m_libversion(void);
/* Release an array returned by the library; NULL is fine. */
void altp2m_free(void *p);

#define ALTP2M_DEFAULT_DEVICE	"/dev/altp2m"
#define ALTP2M_ERRMSG_LEN	256

/*
 * What went wrong in a handle's last call. The caller sets @sz to
 * sizeof(struct altp2m_error); a library that knows more fields than the
 * caller was built with fills only the first @sz bytes.
 */
struct altp2m_error {
	size_t sz;
	int err;		/* negative errno; 0 after a success */
	int attr;		/* top-level netlink attribute blamed, or -1 */
	char attr_name[64];	/* its YNL name, "entry.gfn" in a nest; or "" */
	int64_t entry;		/* the list entry at fault, or -1 */
	int64_t op;		/* the batch operation at fault, or -1 */
	/* Entries or operations applied: 0, every call is all-or-nothing. */
	uint64_t applied;
	char msg[ALTP2M_ERRMSG_LEN];	/* as *_errmsg() */
};

/* ---- /dev/altp2m ---- */

struct altp2m_ctx;

/*
 * Open the device (path NULL: ALTP2M_DEFAULT_DEVICE) and check that the
 * module speaks the API this library was built for.
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

/* ---- the netlink connection ---- */

struct altp2m_conn;

/*
 * Options of altp2m_conn_open (NULL: all defaults). @sz: sizeof the
 * struct as the caller knows it; fields past it are taken as 0, and a
 * caller's fields this library does not know must be 0 (else -EINVAL).
 */
struct altp2m_conn_opts {
	size_t sz;
	/*
	 * How long any request may wait for the module's next message (the
	 * bound is reset by each one, so long dumps are fine); 0:
	 * ALTP2M_DEFAULT_TIMEOUT_MS. A request that times out fails with
	 * -ETIMEDOUT.
	 */
	int timeout_ms;
};

#define ALTP2M_DEFAULT_TIMEOUT_MS	5000

/*
 * Open a generic netlink socket, resolve the family "altp2m" and check
 * that its version is ALTP2M_GENL_VERSION (-EPROTO otherwise).
 */
int altp2m_conn_open(struct altp2m_conn **connp,
		     const struct altp2m_conn_opts *opts,
		     char *errbuf, size_t errlen);
/*
 * The connection goes when it is closed and the last VM handle attached
 * through it is closed, whichever comes last.
 */
void altp2m_conn_close(struct altp2m_conn *conn);
const char *altp2m_conn_errmsg(const struct altp2m_conn *conn);
int altp2m_conn_last_error(const struct altp2m_conn *conn,
			   struct altp2m_error *e);

/* What ALTP2M_CMD_GET_VM (or ALTP2M_GET_VM_STATUS) reports about a VM. */
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
	uint64_t generation;	/* the views generation */
	uint64_t reserved[6];	/* 0; room for fields to come */
};

/*
 * Every VM this connection may see. On success *vms is an array of *nr
 * entries (NULL when 0) for altp2m_free(). A dump that raced with VMs
 * coming or going is retried; after ALTP2M_DUMP_RETRIES interrupted
 * attempts, -EAGAIN.
 */
#define ALTP2M_DUMP_RETRIES	8
int altp2m_conn_list_vms(struct altp2m_conn *conn,
			 struct altp2m_vm_info **vms, size_t *nr);

/* ---- VMs ---- */

/*
 * A struct altp2m_vm is one VM reached through one of two doors:
 *
 *  - its VM file descriptor (altp2m_vm_from_fd): the VMM's own door. The
 *    handle works on its own duplicate of the fd (close-on-exec), so the
 *    caller may close its fd; the handle keeps the VM file, and so the
 *    VM, alive until altp2m_vm_close. Only the process that created the
 *    VM may use it (the module says EIO to any other);
 *  - generic netlink, by VM id (altp2m_vm_attach): any process with
 *    CAP_NET_ADMIN or CAP_SYS_ADMIN in the VM creator's user namespace,
 *    in the creator's network namespace. The handle names the VM by id;
 *    the module hands out ids cyclically and does not give a destroyed
 *    VM's id to the next VM, so a handle whose VM is gone fails with
 *    -ENOENT instead of reaching another VM.
 *
 * Every call below works the same through either door, with the same
 * errors; where the doors differ, the comment says so. Arguments the
 * module would refuse are refused by the library first, with -EINVAL and
 * nothing sent, so both doors agree (netlink's policy would say ERANGE
 * where an ioctl says EINVAL): a view at or beyond ALTP2M_MAX_VIEWS, a
 * vCPU at or beyond ALTP2M_MAX_VCPUS (other than ALTP2M_VCPU_ALL), an
 * access above ALTP2M_ACCESS_DEFAULT, npages 0, a list of 0 or more than
 * ALTP2M_GFN_LIST_MAX entries or with a value out of range, max_views
 * above ALTP2M_MAX_VIEWS, an unknown mode, and NULL result pointers
 * (except altp2m_vm_get_access's, either of which may be NULL).
 */
struct altp2m_vm;

enum altp2m_transport_kind {
	ALTP2M_TRANSPORT_FD = 1,
	ALTP2M_TRANSPORT_NETLINK = 2,
};

/*
 * The fd door. Checks that @vm_fd is an altp2m VM fd and that the module
 * answers ALTP2M_GET_VM_STATUS (-EPROTO if it does not: it speaks an
 * older API than this library).
 */
int altp2m_vm_from_fd(struct altp2m_vm **vmp, int vm_fd,
		      char *errbuf, size_t errlen);
/*
 * The netlink door: checks that the VM exists and that we may work on
 * it. On failure the reason is in the connection's error.
 */
int altp2m_vm_attach(struct altp2m_conn *conn, uint32_t vm_id,
		     struct altp2m_vm **vmp);
void altp2m_vm_close(struct altp2m_vm *vm);
const char *altp2m_vm_errmsg(const struct altp2m_vm *vm);
int altp2m_vm_last_error(const struct altp2m_vm *vm, struct altp2m_error *e);
uint32_t altp2m_vm_id(const struct altp2m_vm *vm);
enum altp2m_transport_kind altp2m_vm_transport(const struct altp2m_vm *vm);

int altp2m_vm_get_info(struct altp2m_vm *vm, struct altp2m_vm_info *info);

/* max_views 0: the module's default. */
int altp2m_vm_views_enable(struct altp2m_vm *vm, uint32_t max_views,
			   uint32_t mode);
int altp2m_vm_views_disable(struct altp2m_vm *vm);
int altp2m_vm_view_create(struct altp2m_vm *vm, unsigned int default_access,
			  uint32_t *view);
int altp2m_vm_view_destroy(struct altp2m_vm *vm, uint32_t view);

/* Every vCPU (and, for visibility, vCPUs created later). */
#define ALTP2M_VCPU_ALL		UINT32_MAX
int altp2m_vm_view_switch(struct altp2m_vm *vm, uint32_t view,
			  uint32_t vcpu);
int altp2m_vm_view_set_visible(struct altp2m_vm *vm, uint32_t view,
			       uint32_t vcpu, bool visible);
int altp2m_vm_vcpu_views(struct altp2m_vm *vm, struct altp2m_vcpu_views *out);

/* npages gfns from gfn, all-or-nothing. */
int altp2m_vm_set_access(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
			 uint64_t npages, unsigned int access);
int altp2m_vm_set_sve(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		      uint64_t npages, bool sve);
/*
 * Lists of (gfn, value), 1 .. ALTP2M_GFN_LIST_MAX, all-or-nothing through
 * either door. Over netlink a list of up to ALTP2M_NL_LIST_CHUNK entries
 * is one message; a longer one is staged in the module under a
 * transaction (TXN_BEGIN, TXN_STAGE of ALTP2M_NL_LIST_CHUNK entries at a
 * time, TXN_COMMIT) and applied by the commit, or not at all. On failure
 * the last error's entry is the list entry at fault, when the module
 * named one.
 */
#define ALTP2M_NL_LIST_CHUNK	2048
int altp2m_vm_set_access_list(struct altp2m_vm *vm, uint32_t view,
			      const uint64_t *gfns, const uint8_t *access,
			      size_t n);
int altp2m_vm_set_sve_list(struct altp2m_vm *vm, uint32_t view,
			   const uint64_t *gfns, const uint8_t *sve, size_t n);
int altp2m_vm_get_access(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
			 unsigned int *access, bool *sve);

/* target == gfn or ALTP2M_GFN_INVALID reverts (altp2m_vm_revert). */
int altp2m_vm_remap(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		    uint64_t target);
int altp2m_vm_revert(struct altp2m_vm *vm, uint32_t view, uint64_t gfn);

/*
 * Every view, or a view's runs that differ from lazy fill. On success
 * *out is an array of *nr entries (NULL when 0) for altp2m_free(). Over
 * netlink a dump that raced with a change is retried, -EAGAIN after
 * ALTP2M_DUMP_RETRIES; through an fd the chunks are read one ioctl at a
 * time and may mix states if the VMM changes the view meanwhile.
 */
int altp2m_vm_list_views(struct altp2m_vm *vm, struct altp2m_view_info **out,
			 size_t *nr);
int altp2m_vm_dump_view(struct altp2m_vm *vm, uint32_t view,
			struct altp2m_view_entry **out, size_t *nr);
int altp2m_vm_stats(struct altp2m_vm *vm, struct altp2m_vm_stats *st);

/* ---- hidden frames ---- */

/*
 * Hidden frames (the uAPI's "Hidden frames"; since 1.2): @nr (1 ..
 * ALTP2M_MAX_HIDDEN_ADD) guest-physical frames from @gfn that the guest's
 * memory map does not have, allocated zeroed by the module. No view maps
 * one at its own gfn (the guest sees MMIO there); a view reaches one only
 * through altp2m_vm_remap() (or a batch's remap) to it. Add: -EEXIST when
 * a gfn is guest RAM or hidden already, -ENOSPC beyond the module's
 * max_hidden_frames. Remove: -ENOENT unless all are hidden, -EBUSY while
 * a hidden breakpoint lives in one; the remaps to them revert, in every
 * view. Through either door; while vCPUs run.
 */
int altp2m_hidden_add(struct altp2m_vm *vm, uint64_t gfn, uint64_t nr);
int altp2m_hidden_remove(struct altp2m_vm *vm, uint64_t gfn, uint64_t nr);

/* ---- batches ---- */

/*
 * A batch: set access, set suppress-#VE, remap and revert operations over
 * any views of a VM, built in memory and committed as one change that is
 * applied whole or not at all, and that no guest instruction sees half
 * of. Adding checks what the single call would check (-EINVAL, nothing
 * added), and a batch holds at most ALTP2M_BATCH_MAX_OPS operations
 * (-E2BIG). A batch is not tied to a VM and may be committed more than
 * once.
 */
struct altp2m_batch_builder;

int altp2m_batch_new(struct altp2m_batch_builder **bp);
void altp2m_batch_free(struct altp2m_batch_builder *b);
size_t altp2m_batch_size(const struct altp2m_batch_builder *b);
int altp2m_batch_set_access(struct altp2m_batch_builder *b, uint32_t view,
			    uint64_t gfn, uint64_t npages,
			    unsigned int access);
int altp2m_batch_set_sve(struct altp2m_batch_builder *b, uint32_t view,
			 uint64_t gfn, uint64_t npages, bool sve);
/* view is not 0; target == gfn or ALTP2M_GFN_INVALID reverts. */
int altp2m_batch_remap(struct altp2m_batch_builder *b, uint32_t view,
		       uint64_t gfn, uint64_t target);
int altp2m_batch_revert(struct altp2m_batch_builder *b, uint32_t view,
			uint64_t gfn);

/* Options of altp2m_vm_batch_commit (NULL: none); @sz as for conn opts. */
struct altp2m_batch_opts {
	size_t sz;
	/*
	 * Commit only if the VM's views generation is still @generation
	 * (from altp2m_vm_get_info or a previous commit): -ESTALE and
	 * nothing applied otherwise.
	 */
	bool if_generation;
	uint64_t generation;
};

/*
 * Apply @b to @vm: through an fd one ALTP2M_BATCH ioctl; over netlink one
 * BATCH message when it fits ALTP2M_NL_LIST_CHUNK operations, else a
 * transaction. On failure nothing was applied and the last error's op is
 * the operation at fault (-1 when the batch as a whole failed). On
 * success *generation (may be NULL) is the views generation the batch
 * produced. An empty batch is -EINVAL.
 */
int altp2m_vm_batch_commit(struct altp2m_vm *vm,
			   const struct altp2m_batch_builder *b,
			   const struct altp2m_batch_opts *opts,
			   uint64_t *generation);

/* ---- notifications ---- */

/*
 * The family's multicast group "events". altp2m_monitor_fd() is pollable;
 * altp2m_monitor_next() waits up to timeout_ms (-1: forever, 0: not at
 * all) and returns 1 with *ev filled, 0 on timeout, or a negative errno
 * (-ENOBUFS: the socket overflowed and events were lost; reading goes
 * on). One datagram may carry several events, and the library queues
 * what it read: after poll() says the fd is readable, call
 * altp2m_monitor_next(m, &ev, 0) until it returns 0, or queued events
 * wait for the next datagram.
 */
struct altp2m_monitor;

struct altp2m_event {
	uint32_t type;		/* ALTP2M_CMD_VM_CREATED ... VIEW_DESTROYED */
	uint32_t vm_id;
	uint32_t view;		/* VIEW_CREATED/DESTROYED */
	uint32_t max_views;	/* VIEWS_ENABLED */
	uint32_t mode;		/* VIEWS_ENABLED */
	uint32_t flags;		/* ALTP2M_EVENT_HAS_* */
	uint64_t generation;	/* with ALTP2M_EVENT_HAS_GENERATION */
	uint64_t reserved[4];	/* 0 */
};

/* The module sent the views generation with the event. */
#define ALTP2M_EVENT_HAS_GENERATION	(1U << 0)

/* Options of altp2m_monitor_open (NULL: every event); @sz as above. */
struct altp2m_monitor_opts {
	size_t sz;
	/* ALTP2M_MONITOR_ONE_VM: only events of VM @vm_id. */
	uint32_t flags;
	uint32_t vm_id;
};

#define ALTP2M_MONITOR_ONE_VM	(1U << 0)

/*
 * A monitor uses a socket of its own (it must not mix notifications into
 * the connection's answers) and the connection's family and group ids.
 * On failure the reason is in the connection's error.
 */
int altp2m_monitor_open(struct altp2m_conn *conn,
			const struct altp2m_monitor_opts *opts,
			struct altp2m_monitor **mp);
int altp2m_monitor_fd(const struct altp2m_monitor *m);
int altp2m_monitor_next(struct altp2m_monitor *m, struct altp2m_event *ev,
			int timeout_ms);
const char *altp2m_monitor_errmsg(const struct altp2m_monitor *m);
void altp2m_monitor_close(struct altp2m_monitor *m);
/* "vm-created", ... ; NULL for a type that is not an event. */
const char *altp2m_event_name(uint32_t type);

/* ---- introspection: the monitor fd (since 1.1) ---- */

/*
 * A struct altp2m_mon holds a VM's monitor fd (uapi "Monitors"): the one
 * introspection daemon of the VM. It receives events on per-vCPU rings
 * mapped from the fd, answers synchronous ones while the vCPU waits in the
 * module, pauses vCPUs, reads and writes their registers and guest memory.
 * Documentation/monitor.rst is the guide, with a complete example daemon.
 *
 * Closing the handle (or the process dying) detaches: the module turns
 * every event off, resumes parked and paused vCPUs, cancels steps and
 * moves vCPUs the monitor switched back (uapi "Closing"). Everything the
 * monitor does lasts only while it is attached, pauses included.
 *
 * Errors as for the other handles: altp2m_mon_errmsg() and
 * altp2m_mon_last_error() describe the last call. Arguments the module
 * would refuse are refused here first (-EINVAL, nothing sent).
 */
struct altp2m_mon;

/* Options of altp2m_mon_attach*() (NULL: all defaults); @sz as above. */
struct altp2m_mon_opts {
	size_t sz;
	/* ALTP2M_MONITOR_DROP_VIEWS: views made through it go at close. */
	uint32_t flags;
	/*
	 * Events per vCPU ring: a power of two, 2 .. ALTP2M_MONITOR_MAX_RING;
	 * 0: ALTP2M_MONITOR_DEFAULT_RING.
	 */
	uint32_t ring_entries;
	/* altp2m_mon_attach: the device (NULL: ALTP2M_DEFAULT_DEVICE). */
	const char *device;
};

/*
 * Attach to VM @vm_id through the device: needs access to the device
 * node (-EACCES), CAP_NET_ADMIN or CAP_SYS_ADMIN in the user namespace of
 * the VM's creator (-EPERM) and the creator's network namespace
 * (-ENOENT). -EBUSY while another monitor is attached. The module's API
 * version is checked first (-EPROTO).
 */
int altp2m_mon_attach(struct altp2m_mon **mp, uint32_t vm_id,
		      const struct altp2m_mon_opts *opts,
		      char *errbuf, size_t errlen);
/*
 * Attach through a VM handle of the fd door (the VMM's own monitor, no
 * permission rule); -EOPNOTSUPP for a netlink handle. @vm stays the
 * caller's: the monitor keeps the VM alive on its own.
 */
int altp2m_mon_attach_vm(struct altp2m_mon **mp, struct altp2m_vm *vm,
			 const struct altp2m_mon_opts *opts,
			 char *errbuf, size_t errlen);
/* Detach (see above); NULL is fine. */
void altp2m_mon_close(struct altp2m_mon *m);
const char *altp2m_mon_errmsg(const struct altp2m_mon *m);
int altp2m_mon_last_error(const struct altp2m_mon *m, struct altp2m_error *e);
uint32_t altp2m_mon_vm_id(const struct altp2m_mon *m);
/*
 * The monitor fd, for poll/epoll: readable (POLLIN) while any ring holds
 * an event, POLLHUP once the VM's own fds are all closed. The library
 * owns it: do not read, close or mmap it.
 */
int altp2m_mon_fd(const struct altp2m_mon *m);

/*
 * Guest RAM mapped into this process without a copy (libaltp2m 1.3; the
 * uAPI's "Guest RAM mapped", ALTP2M_FEATURE_MONITOR_MAP): @len bytes of
 * guest-physical memory from @gpa (both page multiples) as the VMM's
 * regions hold them (view 0: no view's rights or remaps), read-only, or
 * writable too with ALTP2M_MON_MAP_WRITE. A page that is not guest RAM,
 * or no longer is (its region deleted or moved), raises SIGBUS when
 * touched. altp2m_mon_unmap_gpa() undoes it; a mapping left at
 * altp2m_mon_close() keeps the monitor attached until it is unmapped.
 */
#define ALTP2M_MON_MAP_WRITE	1u
int altp2m_mon_map_gpa(struct altp2m_mon *m, uint64_t gpa, size_t len,
		       unsigned int flags, void **addr);
void altp2m_mon_unmap_gpa(struct altp2m_mon *m, void *addr, size_t len);

/* ALTP2M_MONITOR_GET_INFO: events, responses and limits of this module. */
int altp2m_mon_get_info(struct altp2m_mon *m, struct altp2m_monitor_info *info);

/*
 * Enable (ALTP2M_MON_CTL_ENABLE in @flags, with ALTP2M_MON_CTL_SYNC and
 * ALTP2M_MON_CTL_ONCHANGE as the type takes them) or disable event @type
 * (ALTP2M_MON_EV_*). @index: CR 0, 3 or 4, or the MSR; else 0. @mask: CR
 * and MSR only, the bits whose change is reported (0: any).
 */
int altp2m_mon_set_event(struct altp2m_mon *m, uint32_t type, uint32_t flags,
			 uint32_t index, uint64_t mask);

/*
 * The next event from any vCPU's ring, waiting up to @timeout_ms (-1:
 * forever, 0: not at all). Returns 1 with *ev filled, 0 on timeout, or a
 * negative errno: -ENODEV once the VM is gone, -EPROTO for a ring whose
 * producer index runs more than its entries ahead (nothing is read from
 * such a ring), -EINTR on a signal.
 *
 * The event is copied out of the ring and its slot released in the same
 * call (the producer index is read with acquire ordering before the
 * slot, the consumer index stored with release ordering after it), so
 * *ev stays valid and the module may reuse the slot at once. Rings are
 * taken in turn, one event at a time, so that a busy vCPU cannot starve
 * the others. A vCPU created after the attach is found when its first
 * event makes the fd readable.
 *
 * A synchronous event (ALTP2M_MON_EVF_SYNC) left its vCPU parked: answer
 * it with one of the calls below, or it waits until the monitor closes.
 */
int altp2m_mon_next_event(struct altp2m_mon *m,
			  struct altp2m_monitor_event *ev, int timeout_ms);
/* Async events vCPU @vcpu's ring had to drop for want of room. */
int altp2m_mon_dropped(struct altp2m_mon *m, uint32_t vcpu,
		       uint64_t *dropped);

/*
 * Busy polling (since 1.2): altp2m_mon_next_event() looks at the rings
 * for up to @usec microseconds (at most ALTP2M_MON_BUSY_POLL_MAX, else
 * -EINVAL; 0, the default, turns it off) before it sleeps in poll(), and
 * never beyond its own timeout; a timeout of 0 does not spin. A daemon
 * that answers sync events from a CPU of its own then sees each event
 * without a wake-up, and a vCPU that polls for its response in the module
 * (the module parameter mon_poll_ns) gets it without sleeping either:
 * together they take the two sleeps and wake-ups out of a round trip.
 * The price is the daemon's CPU, busy for up to @usec after each event;
 * on a machine where the daemon shares its CPU with the vCPUs it only
 * delays them. Only rings seen already are spun on: the first event of a
 * vCPU created since is found by poll() afterwards. How the vCPUs' polls
 * went: altp2m_mon_get_stats().
 */
#define ALTP2M_MON_BUSY_POLL_MAX	1000000
int altp2m_mon_set_busy_poll(struct altp2m_mon *m, unsigned int usec);

/*
 * Responses. altp2m_mon_rsp_init() makes *r a "continue" for @ev; the
 * caller adds ALTP2M_MON_RSP_* flags and their fields, then
 * altp2m_mon_respond() checks it whole (unknown flags, SINGLESTEP with
 * FAST_SINGLESTEP, views out of range, ACCESS without 1 ..
 * ALTP2M_MONITOR_MAX_OPS operations or operations without ACCESS,
 * non-zero padding: -EINVAL, nothing sent) and sends it. The module
 * applies all of it or nothing: on failure the vCPU stays parked. -ESRCH:
 * no such event parked on that vCPU (answered already).
 */
void altp2m_mon_rsp_init(struct altp2m_monitor_response *r,
			 const struct altp2m_monitor_event *ev);
/*
 * ALTP2M_MON_RSP_ACCESS with @b's operations, applied before the vCPU
 * resumes; *r then points into @b, which must outlive the respond call.
 * -E2BIG above ALTP2M_MONITOR_MAX_OPS, -EINVAL for an empty batch.
 */
int altp2m_mon_rsp_set_ops(struct altp2m_monitor_response *r,
			   const struct altp2m_batch_builder *b);
int altp2m_mon_respond(struct altp2m_mon *m,
		       const struct altp2m_monitor_response *r);

/* The common answers, each one altp2m_mon_respond() call. */
/* Resume as if nothing happened (a violation's instruction runs again). */
int altp2m_mon_continue(struct altp2m_mon *m,
			const struct altp2m_monitor_event *ev);
/* Move the vCPU to @view and resume. */
int altp2m_mon_switch_view(struct altp2m_mon *m,
			   const struct altp2m_monitor_event *ev,
			   uint32_t view);
/*
 * Xen's fast single-step: run one instruction on @step_view, then
 * continue on @view, with no event in between.
 */
int altp2m_mon_fast_singlestep(struct altp2m_mon *m,
			       const struct altp2m_monitor_event *ev,
			       uint32_t step_view, uint32_t view);
/*
 * Relax and step: apply @relax (e.g. give the page its access back),
 * step one instruction on the current view and report the step as an
 * ALTP2M_MON_EV_SINGLESTEP event (enable that type first), whose answer
 * restricts again (altp2m_mon_rsp_set_ops with the restricting batch):
 * one round trip each way.
 */
int altp2m_mon_relax_step(struct altp2m_mon *m,
			  const struct altp2m_monitor_event *ev,
			  const struct altp2m_batch_builder *relax);
/* A breakpoint event: deliver the #BP to the guest after all. */
int altp2m_mon_reinject(struct altp2m_mon *m,
			const struct altp2m_monitor_event *ev);

/*
 * Pause every vCPU (@vcpu ALTP2M_VCPU_ALL, also those created later) or
 * one; returns once they are out of guest mode. Pauses are counted, each
 * needs its resume, and all end when the monitor closes.
 */
int altp2m_mon_pause(struct altp2m_mon *m, uint32_t vcpu);
int altp2m_mon_resume(struct altp2m_mon *m, uint32_t vcpu);

/*
 * A paused or parked vCPU's registers (-EBUSY for one that runs): any of
 * @regs, @sregs, @msrs may be NULL, not all. @msrs as for ALTP2M_GET_MSRS
 * (its entries name the MSRs). Setting checks every part before it
 * writes any.
 */
int altp2m_mon_get_state(struct altp2m_mon *m, uint32_t vcpu,
			 struct altp2m_regs *regs, struct altp2m_sregs *sregs,
			 struct altp2m_msrs *msrs);
int altp2m_mon_set_state(struct altp2m_mon *m, uint32_t vcpu,
			 const struct altp2m_regs *regs,
			 const struct altp2m_sregs *sregs,
			 const struct altp2m_msrs *msrs);

/*
 * Guest memory, by guest-physical address through @view (remaps
 * followed, access rights ignored), or by linear address with a paused or
 * parked vCPU's paging, through @view (ALTP2M_MON_VIEW_CURRENT: the one
 * the vCPU is on). Any length: the library splits it into calls of at
 * most ALTP2M_MONITOR_MAX_MEM bytes. Returns 0 with *done the bytes copied
 * from the start; *done < @len when the copy reached a byte with no
 * memory or no translation (at @addr + *done): a partial copy is not an
 * error.
 */
int altp2m_mon_read_gpa(struct altp2m_mon *m, uint32_t view, uint64_t gpa,
			void *buf, size_t len, size_t *done);
int altp2m_mon_write_gpa(struct altp2m_mon *m, uint32_t view, uint64_t gpa,
			 const void *buf, size_t len, size_t *done);
int altp2m_mon_read_gva(struct altp2m_mon *m, uint32_t vcpu, uint32_t view,
			uint64_t gva, void *buf, size_t len, size_t *done);
int altp2m_mon_write_gva(struct altp2m_mon *m, uint32_t vcpu, uint32_t view,
			 uint64_t gva, const void *buf, size_t len,
			 size_t *done);
/*
 * Translate @gva with a paused or parked vCPU's paging, for the access
 * @flags (ALTP2M_MON_XLATE_*; 0: a supervisor read). -ENXIO when it does
 * not translate, *pf_error then the page-fault error code (may be NULL).
 */
int altp2m_mon_translate(struct altp2m_mon *m, uint32_t vcpu, uint64_t gva,
			 uint32_t flags, uint64_t *gpa, uint32_t *pf_error);

/*
 * altp2m_hidden_add() and altp2m_hidden_remove() on the monitor fd (since
 * 1.2). A hidden frame is filled with altp2m_mon_write_gpa() at its own
 * gfn, through any view.
 */
int altp2m_mon_hidden_add(struct altp2m_mon *m, uint64_t gfn, uint64_t nr);
int altp2m_mon_hidden_remove(struct altp2m_mon *m, uint64_t gfn, uint64_t nr);

/*
 * A VM handle whose calls go through the monitor fd (views created with
 * it are the ones ALTP2M_MONITOR_DROP_VIEWS drops). It holds its own
 * reference on the monitor file: the monitor detaches when both it and
 * @m are closed. Close it with altp2m_vm_close().
 */
int altp2m_mon_vm(struct altp2m_mon *m, struct altp2m_vm **vmp);

/*
 * CR3 views (uapi "CR3 views"): from now on, each time a vCPU's guest
 * writes CR3 the module moves it to the view of the entry whose @cr3
 * matches the new value under @cr3_mask (0: ALTP2M_MON_CR3_MASK_DEFAULT,
 * the page-table base; clear bit 12 too for a Linux guest with page-table
 * isolation), else to @default_view (ALTP2M_MON_VIEW_CURRENT: it stays);
 * no event, and every vCPU is moved by its current CR3 before this
 * returns. Replaces the table installed before; every CR3 write exits
 * while one is installed (counted in altp2m_mon_get_stats()). At most
 * ALTP2M_MONITOR_MAX_CR3_VIEWS entries, no two matching the same CR3
 * (-EINVAL, with the two entries named); -ESRCH for a view that does not
 * exist. altp2m_mon_clear_cr3_views() removes it (the vCPUs stay where
 * they are); closing the monitor removes it and moves them back.
 */
int altp2m_mon_set_cr3_views(struct altp2m_mon *m,
			     const struct altp2m_monitor_cr3_view *entries,
			     uint32_t nr, uint64_t cr3_mask,
			     uint32_t default_view);
int altp2m_mon_clear_cr3_views(struct altp2m_mon *m);

/*
 * vCPU @vcpu's counters of the monitor's work since it was created
 * (events, sync waits, its polls for a response: @poll_hits answered
 * while it polled, @poll_misses polled then slept; hidden breakpoints,
 * CR3 views, VM exits: struct altp2m_monitor_stats). -ENOENT for no such
 * vCPU, -ENOTTY from a module without the call.
 */
int altp2m_mon_get_stats(struct altp2m_mon *m, uint32_t vcpu,
			 struct altp2m_monitor_stats *st);

/*
 * Switch vCPUs (@vcpu ALTP2M_VCPU_ALL: every one) to @view through the
 * monitor fd (ALTP2M_SWITCH_VIEW). Since 1.2.
 */
int altp2m_mon_view_switch(struct altp2m_mon *m, uint32_t view,
			   uint32_t vcpu);

/* ---- hidden breakpoints (since 1.2) ---- */

/*
 * The module's calls as they are (uapi "Hidden breakpoints"): add fills
 * @bp's id and orig; its flags, views, padding and reserved fields are
 * checked first (-EINVAL, nothing sent). Remove and get take the id
 * (-ENOENT for an unknown one).
 */
int altp2m_mon_add_breakpoint(struct altp2m_mon *m,
			      struct altp2m_monitor_breakpoint *bp);
int altp2m_mon_remove_breakpoint(struct altp2m_mon *m, uint32_t id);
int altp2m_mon_get_breakpoint(struct altp2m_mon *m, uint32_t id,
			      struct altp2m_monitor_breakpoint *bp);

/*
 * Hidden breakpoints in one call. altp2m_mon_hide_breakpoint() puts a
 * breakpoint at guest virtual address @gva, translated with vCPU @vcpu's
 * paging, that the guest executes but cannot read. In one call it
 *
 *  1. pauses every vCPU (and resumes them at the end);
 *  2. translates @gva for an instruction fetch: the guest frame G;
 *  3. creates the handle's execute view at first use (see
 *     altp2m_hide_opts for one of the caller's);
 *  4. unless this handle has a shadow of G already: adds a hidden frame H
 *     at a free gfn (counting down from just below gfn_top, skipping
 *     gfns that are taken: EEXIST; on EINVAL, a gfn beyond the host's
 *     guest-physical width, going on just below the next lower power of
 *     two), copies G's 4 KiB there as the clean
 *     view maps them, and in one ALTP2M_BATCH remaps G to H in the
 *     execute view and makes G execute-only there;
 *  5. registers the breakpoint at G's offset of @gva (the module plants
 *     the INT3 in H). @flags: 0 (count only), ALTP2M_MON_BP_ASYNC or
 *     ALTP2M_MON_BP_SYNC, as for ALTP2M_MONITOR_ADD_BREAKPOINT;
 *  6. returns its id in *id.
 *
 * Breakpoints in one page share its shadow (counted per handle). On
 * failure everything the call did is undone (a shadow it made goes) and
 * the VM resumes. Errors: -EOPNOTSUPP when the host's EPT has no
 * execute-only entries (ALTP2M_CAP_EPT_EXEC_ONLY, read once from
 * ALTP2M_DEFAULT_DEVICE); -ENXIO when @gva does not translate for a
 * fetch; -EEXIST when a breakpoint sits at that byte already; -ENOSPC
 * when no free gfn was found; the errors of the calls in the steps.
 * Views must be enabled on the VM (ALTP2M_VIEWS_ENABLE).
 *
 * Only vCPUs on the execute view hit the breakpoints: switching them is
 * the caller's (altp2m_mon_hide_view() for the view, then
 * altp2m_mon_view_switch(), or a CR3 table); the library does not move
 * vCPUs, so a daemon chooses which processes or vCPUs are traced.
 *
 * altp2m_mon_unhide_breakpoint() is the reverse: it removes the
 * breakpoint and, with the last breakpoint of a shadow, reverts the
 * remap and the access (one batch, back to what the view had) and
 * removes the hidden frame. A step that fails leaves the shadow for a
 * later try (the next unhide of the page's last breakpoint, or close).
 * -ENOENT for an id this handle did not hide.
 *
 * altp2m_mon_close() unhides whatever is still hidden (best effort: the
 * VM may be gone) and destroys the execute view the library made unless
 * a vCPU is still on it (switch them back first; with
 * ALTP2M_MONITOR_DROP_VIEWS the module destroys it anyway).
 */
struct altp2m_hide_opts {
	size_t sz;
	/* ALTP2M_HIDE_EXEC_VIEW: @exec_view is the caller's execute view. */
	uint32_t flags;
	uint32_t exec_view;	/* with ALTP2M_HIDE_EXEC_VIEW; not 0 */
	/* The view the module steps originals on (maps G itself): 0 usually. */
	uint32_t clean_view;
	uint32_t pad;		/* 0 */
	/*
	 * Hidden frames go at gfns below @gfn_top, counting down, where the
	 * guest has no memory; 0: ALTP2M_HIDE_GFN_TOP.
	 */
	uint64_t gfn_top;
};

#define ALTP2M_HIDE_EXEC_VIEW	(1U << 0)
/* The module's gfn limit (uapi: gfns are below 2^36). */
#define ALTP2M_HIDE_GFN_TOP	(UINT64_C(1) << 36)

/*
 * Set how this handle hides breakpoints (NULL: the defaults: a view of
 * its own, clean view 0, gfns below 2^36). -EBUSY while it has
 * breakpoints hidden. Naming a view of the caller's destroys the one the
 * library made, if any (-EBUSY while a vCPU is on it). With a caller's
 * view, unhiding gives G back the access it had there; a remap of G the
 * view had before is not restored (G reverts to what lazy fill gives).
 */
int altp2m_mon_hide_setup(struct altp2m_mon *m,
			  const struct altp2m_hide_opts *opts);
/* The execute view, created now if it does not exist yet. */
int altp2m_mon_hide_view(struct altp2m_mon *m, uint32_t *view);
int altp2m_mon_hide_breakpoint(struct altp2m_mon *m, uint32_t vcpu,
			       uint64_t gva, uint32_t flags, uint32_t *id);
int altp2m_mon_unhide_breakpoint(struct altp2m_mon *m, uint32_t id);

/*
 * Event type names: "violation", "breakpoint", "singlestep", "cr", "msr",
 * "guest-request", "cpuid"; NULL for another number.
 * altp2m_mon_event_parse returns 0 or -EINVAL.
 */
const char *altp2m_mon_event_name(uint32_t type);
int altp2m_mon_event_parse(const char *s, uint32_t *type);

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
