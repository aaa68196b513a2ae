/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaltp2m internals. A transport carries requests to the module; the
 * device transport uses ioctl on a file descriptor, and unit tests plug in
 * a fake one so every error path runs without a kernel.
 *
 * A VM handle (struct altp2m_vm) is one VM behind one of two doors, each a
 * table of operations (struct altp2m_vm_ops): the fd door (vm_fd.c) sends
 * ioctls through a struct altp2m_transport, the netlink door
 * (vm_netlink.c) sends generic netlink requests through a struct
 * altp2m_nl_transport. vm.c checks arguments, dispatches and words the
 * errors, so both doors behave alike. The real transports are a file
 * descriptor and a libnl socket (nl.c); the unit tests script fake ones.
 */
#ifndef LIBALTP2M_INTERNAL_H
#define LIBALTP2M_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "altp2m.h"

#define ALTP2M_EXPORT __attribute__((visibility("default")))

struct nl_msg;
struct nlmsghdr;

struct altp2m_transport {
	/* Returns >= 0 on success, a negative errno on failure. */
	int (*ioctl)(void *priv, unsigned long cmd, void *arg);
	void (*close)(void *priv);
};

struct altp2m_ctx {
	const struct altp2m_transport *tr;
	void *priv;
	char errmsg[ALTP2M_ERRMSG_LEN];
};

int altp2m_open_transport(struct altp2m_ctx **ctxp,
			  const struct altp2m_transport *tr, void *priv,
			  char *errbuf, size_t errlen);
int altp2m_seterr(struct altp2m_ctx *ctx, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* snprintf into a caller's error buffer, which may be NULL. */
void altp2m_fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- names.c ---- */

/*
 * The YNL name of an attribute ("vm-id", "gfn"): @nest is 0 for the
 * top-level space (enum altp2m_attr) or the top-level attribute whose nest
 * it is in (ALTP2M_A_ENTRY, ALTP2M_A_STATS, ALTP2M_A_VCPU_VIEW). NULL for
 * a type the library does not know.
 */
const char *altp2m_attr_name(unsigned int nest, unsigned int type);
/* "get-vm", "set-access", ...; NULL for a command the library does not know. */
const char *altp2m_cmd_name(unsigned int cmd);

/* ---- nl.c: netlink exchanges ---- */

/*
 * One request and what came back. The caller sets @req, @parse and @arg;
 * altp2m_nl_deliver() fills in the rest from the kernel's messages.
 */
struct altp2m_nl_reply {
	struct nl_msg *req;
	/* Each data message; 0, or a negative errno kept as @parse_err. */
	int (*parse)(void *arg, struct nlmsghdr *nlh);
	void *arg;

	bool done;		/* ack, error or end of dump seen */
	bool intr;		/* a message carried NLM_F_DUMP_INTR */
	int err;		/* the kernel's error, negative, or 0 */
	int parse_err;		/* the first parse failure, or 0 */
	unsigned int nmsgs;	/* data messages */
	/* The extended ack of the error, as far as the kernel sent one. */
	char kmsg[ALTP2M_ERRMSG_LEN];
	bool has_offs, has_miss_type, has_miss_nest;
	uint32_t offs, miss_type, miss_nest;
};

/*
 * Hand one message of the kernel's answer to @rep: a data message goes to
 * @rep->parse; NLMSG_ERROR (ack or error, with its extended ack) and
 * NLMSG_DONE (with a dump's error) end the exchange. A message whose
 * sequence number is not the request's is stale and ignored. Returns
 * NL_OK to go on reading, NL_STOP when the exchange is over, NL_SKIP for
 * a stale message.
 */
int altp2m_nl_deliver(struct altp2m_nl_reply *rep, struct nlmsghdr *nlh);

struct altp2m_nl_transport {
	/*
	 * Send @req (its port and sequence number may be filled in) and hand
	 * every message of the answer to altp2m_nl_deliver(@rep, ...) until
	 * @rep->done. Returns 0, or a negative errno when the exchange
	 * itself failed (the kernel's errors go in @rep).
	 */
	int (*exchange)(void *priv, struct nl_msg *req,
			struct altp2m_nl_reply *rep);
	void (*close)(void *priv);
};

/* The real one: a libnl socket speaking to the family "altp2m". */
extern const struct altp2m_nl_transport altp2m_nl_sock_transport;
/* Connect and resolve the family; *privp for altp2m_nl_sock_transport. */
int altp2m_nl_sock_open(void **privp, int *family, char *errbuf,
			size_t errlen);

/* A request for @cmd with room for @payload bytes of attributes. */
struct nl_msg *altp2m_nl_new(int family, uint8_t cmd, int flags,
			     size_t payload);
/*
 * Run @req (a do-request gets NLM_F_ACK, a dump is one if @req has
 * NLM_F_DUMP). On failure returns a negative errno and, in @buf, why:
 * the kernel's message (or strerror) and the attribute it blamed.
 * @entry_base is the list index of the first ALTP2M_A_ENTRY in @req, to
 * name the entry at fault.
 */
int altp2m_nl_transact(const struct altp2m_nl_transport *tr, void *priv,
		       struct altp2m_nl_reply *rep, size_t entry_base,
		       char *buf, size_t len);
/*
 * A dump, retried from scratch (after @reset(@rep->arg)) while a message
 * carries NLM_F_DUMP_INTR, at most ALTP2M_DUMP_RETRIES attempts; then
 * -EAGAIN.
 */
int altp2m_nl_dump(const struct altp2m_nl_transport *tr, void *priv,
		   struct altp2m_nl_reply *rep, void (*reset)(void *arg),
		   char *buf, size_t len);
/*
 * The attribute of @req at byte @off (from the start of its nlmsghdr), as
 * its YNL name, "entry.gfn" inside an ALTP2M_A_ENTRY nest; *entry is then
 * the nest's ordinal among the request's ALTP2M_A_ENTRY nests, else -1.
 * Returns 0, or -ENOENT when no attribute starts there.
 */
int altp2m_nl_attr_at(struct nl_msg *req, uint32_t off, char *name,
		      size_t len, long *entry);
/* Describe @rep's failure @err into @buf (see altp2m_nl_transact). */
void altp2m_nl_describe(const struct altp2m_nl_reply *rep, int err,
			size_t entry_base, char *buf, size_t len);

/* ---- vm.c, vm_fd.c, vm_netlink.c: VM handles ---- */

enum altp2m_gfn_setting {
	ALTP2M_SETTING_ACCESS,
	ALTP2M_SETTING_SVE,
};

/*
 * A door's operations. Arguments are checked by vm.c before they come
 * here. On failure an operation returns a negative errno and may say why
 * in vm->errmsg (without the name of the call, which vm.c prefixes).
 */
struct altp2m_vm_ops {
	int (*get_info)(struct altp2m_vm *vm, struct altp2m_vm_info *info);
	int (*views_enable)(struct altp2m_vm *vm, uint32_t max_views,
			    uint32_t mode);
	int (*views_disable)(struct altp2m_vm *vm);
	int (*view_create)(struct altp2m_vm *vm, unsigned int default_access,
			   uint32_t *view);
	int (*view_destroy)(struct altp2m_vm *vm, uint32_t view);
	int (*view_switch)(struct altp2m_vm *vm, uint32_t view, int vcpu);
	int (*view_set_visible)(struct altp2m_vm *vm, uint32_t view, int vcpu,
				bool visible);
	int (*vcpu_views)(struct altp2m_vm *vm, struct altp2m_vcpu_views *out);
	int (*set_range)(struct altp2m_vm *vm, enum altp2m_gfn_setting what,
			 uint32_t view, uint64_t gfn, uint64_t npages,
			 uint8_t value);
	int (*set_list)(struct altp2m_vm *vm, enum altp2m_gfn_setting what,
			uint32_t view, const uint64_t *gfns,
			const uint8_t *values, size_t n);
	int (*get_access)(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
			  unsigned int *access, bool *sve);
	int (*remap)(struct altp2m_vm *vm, uint32_t view, uint64_t gfn,
		     uint64_t target);
	/* *out malloc'd, NULL when *nr is 0; nothing allocated on failure. */
	int (*list_views)(struct altp2m_vm *vm, struct altp2m_view_info **out,
			  size_t *nr);
	int (*dump_view)(struct altp2m_vm *vm, uint32_t view,
			 struct altp2m_view_entry **out, size_t *nr);
	int (*stats)(struct altp2m_vm *vm, struct altp2m_vm_stats *st);
};

struct altp2m_vm {
	const struct altp2m_vm_ops *ops;
	enum altp2m_transport_kind kind;
	uint32_t vm_id;
	/* fd door */
	const struct altp2m_transport *tr;
	/* netlink door */
	const struct altp2m_nl_transport *nltr;
	int family;
	void *priv;		/* of tr or nltr */
	char errmsg[ALTP2M_ERRMSG_LEN];
};

extern const struct altp2m_vm_ops altp2m_vm_fd_ops;
extern const struct altp2m_vm_ops altp2m_vm_nl_ops;

/*
 * altp2m_views_enable() and altp2m_views_disable(), which vm_views.c
 * exports under their public names: kmod/core/view.c has functions of
 * those names too, and the unit tests link both.
 */
int altp2m_vm_views_enable(struct altp2m_vm *vm, uint32_t max_views,
			   uint32_t mode);
int altp2m_vm_views_disable(struct altp2m_vm *vm);

/* Set vm->errmsg (the detail of a failure); returns @err. */
int altp2m_vm_detail(struct altp2m_vm *vm, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A handle on the fd door over @tr: no call is made. The handle owns
 * @priv (tr->close on altp2m_vm_close, and on failure here).
 */
int altp2m_vm_open_fd_transport(struct altp2m_vm **vmp,
				const struct altp2m_transport *tr, void *priv,
				uint32_t vm_id, char *errbuf, size_t errlen);
/*
 * A handle on the netlink door over @tr for family id @family. It checks
 * that the VM exists and may be operated on (GET_VM). Owns @priv as above.
 */
int altp2m_vm_open_nl_transport(struct altp2m_vm **vmp,
				const struct altp2m_nl_transport *tr,
				void *priv, int family, uint32_t vm_id,
				char *errbuf, size_t errlen);
/* altp2m_list_vms over @tr, which stays the caller's. */
int altp2m_list_vms_transport(const struct altp2m_nl_transport *tr,
			      void *priv, int family,
			      struct altp2m_vm_info **vms, size_t *nr,
			      char *errbuf, size_t errlen);
/* GET_VM's answer, for one VM (netlink door). */
int altp2m_nl_parse_vm_info(struct nlmsghdr *nlh,
			    struct altp2m_vm_info *info);
/* The "altp2m-vm-id:\t%u" line of a VM fd's fdinfo text: 0 or -ENOENT. */
int altp2m_fdinfo_vm_id(const char *text, uint32_t *vm_id);

/* ---- monitor.c ---- */

struct altp2m_monitor_transport {
	/*
	 * Wait up to @timeout_ms (-1: forever, 0: not at all) for messages
	 * and hand each to @deliver(@arg, nlh). Returns 0 (on timeout too)
	 * or a negative errno.
	 */
	int (*wait)(void *priv, int timeout_ms,
		    void (*deliver)(void *arg, struct nlmsghdr *nlh),
		    void *arg);
	int (*fd)(void *priv);
	void (*close)(void *priv);
};

/* Owns @priv (closed on failure too). */
int altp2m_monitor_open_transport(struct altp2m_monitor **mp,
				  const struct altp2m_monitor_transport *tr,
				  void *priv, int family, char *errbuf,
				  size_t errlen);
/* A notification as struct altp2m_event: 0, or -EPROTO if it is not one. */
int altp2m_event_parse(struct nlmsghdr *nlh, int family,
		       struct altp2m_event *ev);

#endif /* LIBALTP2M_INTERNAL_H */
