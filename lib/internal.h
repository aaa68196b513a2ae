/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libaltp2m internals. A transport carries requests to the module; the
 * device transport uses ioctl on a file descriptor, and unit tests plug in
 * a fake one so every error path runs without a kernel.
 *
 * A VM handle (struct altp2m_vm) is one VM behind one of two doors, each a
 * table of operations (struct altp2m__vm_ops): the fd door (vm_fd.c) sends
 * ioctls through a struct altp2m__transport, the netlink door
 * (vm_netlink.c) sends generic netlink requests through its connection's
 * struct altp2m__nl_transport (conn.c). vm.c checks arguments, dispatches
 * and words the errors, so both doors behave alike. The real transports
 * are a file descriptor and a netlink socket (nl.c); the unit tests
 * script fake ones.
 *
 * Everything here that is not static is named altp2m__*: the public
 * prefix altp2m_ is the header's alone, and a static link or a test
 * binary that also holds the module's altp2m_* functions cannot collide.
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

/* ---- errors (altp2m.c) ---- */

/* What a handle keeps of its last call: struct altp2m_error's fields. */
struct altp2m__err {
	int err;
	int attr;
	char attr_name[64];
	long entry;
	long op;
	char msg[ALTP2M_ERRMSG_LEN];
};

/* No failure: err 0, no attribute, entry or op, empty message. */
void altp2m__err_clear(struct altp2m__err *e);
/* Set the message; returns @err (which is also kept). */
int altp2m__err_set(struct altp2m__err *e, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * The end of a failed call: "<prefix>: <strerror>" and, if the message
 * held a detail (what the door or the module said), " (<detail>)".
 */
void altp2m__err_finish(struct altp2m__err *e, int err, const char *prefix);

/*
 * A monitor handle's errors (introspect.c), for the files of its calls:
 * the detail of the error @err, then the end of a failed call, "<what>:
 * <strerror> (<detail>)". Both return @err.
 */
struct altp2m_mon;
int altp2m__mon_detail(struct altp2m_mon *m, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int altp2m__mon_fail(struct altp2m_mon *m, int err, const char *what);
/* Copy into a caller's struct altp2m_error (its sz bytes). */
int altp2m__err_export(const struct altp2m__err *e, struct altp2m_error *out);
/*
 * Check a caller's options struct of @known bytes (the library's
 * sizeof), copy it into @copy, zero-filled: NULL opts is all zero; a
 * caller's bytes past @known must be 0. Returns 0 or -EINVAL.
 */
int altp2m__opts_copy(void *copy, size_t known, const void *opts);

/* snprintf into a caller's error buffer, which may be NULL. */
void altp2m__fmt(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- the device (altp2m.c) ---- */

struct altp2m__transport {
	/* Returns >= 0 on success, a negative errno on failure. */
	int (*ioctl)(void *priv, unsigned long cmd, void *arg);
	void (*close)(void *priv);
};

struct altp2m_ctx {
	const struct altp2m__transport *tr;
	void *priv;
	char errmsg[ALTP2M_ERRMSG_LEN];
};

int altp2m__ctx_open_transport(struct altp2m_ctx **ctxp,
			       const struct altp2m__transport *tr, void *priv,
			       char *errbuf, size_t errlen);

/* ---- names.c ---- */

/*
 * The YNL name of an attribute ("vm-id", "gfn"): @nest is 0 for the
 * top-level space (enum altp2m_attr) or the top-level attribute whose nest
 * it is in (ALTP2M_A_ENTRY, ALTP2M_A_OP, ALTP2M_A_STATS,
 * ALTP2M_A_VCPU_VIEW). NULL for a type the library does not know.
 */
const char *altp2m__attr_name(unsigned int nest, unsigned int type);
/* "get-vm", "set-access", ...; NULL for a command the library does not know. */
const char *altp2m__cmd_name(unsigned int cmd);

/* ---- nl.c: netlink exchanges ---- */

/*
 * One request and what came back. The caller sets @req, @parse and @arg;
 * altp2m__nl_deliver() fills in the rest from the kernel's messages.
 */
struct altp2m__nl_reply {
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
	bool has_offs, has_miss_type, has_miss_nest, has_cookie;
	uint32_t offs, miss_type, miss_nest;
	uint32_t cookie;	/* BATCH, TXN_COMMIT: the operation at fault */
};

/*
 * Hand one message of the kernel's answer to @rep: a data message goes to
 * @rep->parse; NLMSG_ERROR (ack or error, with its extended ack) and
 * NLMSG_DONE (with a dump's error) end the exchange. A message whose
 * sequence number is not the request's is stale and ignored. Returns
 * NL_OK to go on reading, NL_STOP when the exchange is over, NL_SKIP for
 * a stale message.
 */
int altp2m__nl_deliver(struct altp2m__nl_reply *rep, struct nlmsghdr *nlh);

struct altp2m__nl_transport {
	/*
	 * Send @req (its port and sequence number may be filled in) and hand
	 * every message of the answer to altp2m__nl_deliver(@rep, ...) until
	 * @rep->done. Returns 0, or a negative errno when the exchange
	 * itself failed (the kernel's errors go in @rep); -ETIMEDOUT when
	 * the module did not answer in time.
	 */
	int (*exchange)(void *priv, struct nl_msg *req,
			struct altp2m__nl_reply *rep);
	void (*close)(void *priv);
};

/*
 * The real one: a generic netlink socket. Its priv is a struct
 * altp2m__nl_sock; each request waits at most @timeout_ms for each
 * message of the answer.
 */
struct altp2m__nl_sock {
	int fd;
	uint32_t seq;
	int timeout_ms;
};

extern const struct altp2m__nl_transport altp2m__nl_sock_transport;
/* A generic netlink socket with extended acks: *sp for the transport. */
int altp2m__nl_sock_open(struct altp2m__nl_sock **sp, int timeout_ms,
			 char *errbuf, size_t errlen);
/* The transport over any datagram socket @fd, which it then owns. */
int altp2m__nl_sock_wrap(struct altp2m__nl_sock **sp, int fd, int timeout_ms);

/* A request for @cmd with room for @payload bytes of attributes. */
struct nl_msg *altp2m__nl_new(int family, uint8_t cmd, int flags,
			      size_t payload);
/*
 * Run @req (a do-request gets NLM_F_ACK, a dump is one if @req has
 * NLM_F_DUMP). On failure returns a negative errno and fills @e: the
 * module's message and what it blamed as the detail, the attribute, the
 * list entry (an ALTP2M_A_ENTRY nest's ordinal plus @entry_base) and the
 * batch operation (the cookie, or an ALTP2M_A_OP nest's ordinal plus
 * @op_base).
 */
int altp2m__nl_transact(const struct altp2m__nl_transport *tr, void *priv,
			struct altp2m__nl_reply *rep, size_t entry_base,
			size_t op_base, struct altp2m__err *e);
/*
 * A dump, retried from scratch (after @reset(@rep->arg)) while a message
 * carries NLM_F_DUMP_INTR, at most ALTP2M_DUMP_RETRIES attempts; then
 * -EAGAIN.
 */
int altp2m__nl_dump(const struct altp2m__nl_transport *tr, void *priv,
		    struct altp2m__nl_reply *rep, void (*reset)(void *arg),
		    struct altp2m__err *e);
/*
 * The attribute of @req at byte @off (from the start of its nlmsghdr), as
 * its YNL name, "entry.gfn" inside an ALTP2M_A_ENTRY nest; *entry is then
 * the nest's ordinal among the request's nests of its type (ENTRY or OP),
 * else -1, and *top the top-level type. Returns 0, or -ENOENT when no
 * attribute starts there.
 */
int altp2m__nl_attr_at(struct nl_msg *req, uint32_t off, char *name,
		       size_t len, long *entry, int *top);
/* Describe @rep's failure @err into @e (see altp2m__nl_transact). */
void altp2m__nl_describe(const struct altp2m__nl_reply *rep, int err,
			 size_t entry_base, size_t op_base,
			 struct altp2m__err *e);

/* ---- conn.c: connections ---- */

struct altp2m_conn {
	const struct altp2m__nl_transport *tr;
	void *priv;
	int family;
	uint32_t version;	/* the family's, ALTP2M_GENL_VERSION */
	uint32_t events_grp;	/* the "events" group's id, 0 if none */
	int timeout_ms;
	/*
	 * The caller's reference (until altp2m_conn_close) and one per VM
	 * handle attached through it; the connection goes with the last.
	 */
	unsigned int refs;
	struct altp2m__err e;
};

/*
 * A connection over @tr: resolves the family (CTRL_CMD_GETFAMILY) through
 * it and checks the version. Owns @priv (closed on failure too).
 */
int altp2m__conn_open_transport(struct altp2m_conn **connp,
				const struct altp2m__nl_transport *tr,
				void *priv, const struct altp2m_conn_opts *opts,
				char *errbuf, size_t errlen);
void altp2m__conn_put(struct altp2m_conn *conn);

/* ---- vm.c, vm_fd.c, vm_netlink.c: VM handles ---- */

enum altp2m__gfn_setting {
	ALTP2M_SETTING_ACCESS,
	ALTP2M_SETTING_SVE,
};

struct altp2m_batch_builder {
	struct altp2m_batch_op *ops;
	size_t n, cap;
};

/*
 * A door's operations. Arguments are checked by vm.c before they come
 * here. On failure an operation returns a negative errno and may say why
 * in vm->e (the detail, without the name of the call or the errno's text,
 * which vm.c adds).
 */
struct altp2m__vm_ops {
	int (*get_info)(struct altp2m_vm *vm, struct altp2m_vm_info *info);
	int (*views_enable)(struct altp2m_vm *vm, uint32_t max_views,
			    uint32_t mode);
	int (*views_disable)(struct altp2m_vm *vm);
	int (*view_create)(struct altp2m_vm *vm, unsigned int default_access,
			   uint32_t *view);
	int (*view_destroy)(struct altp2m_vm *vm, uint32_t view);
	int (*view_switch)(struct altp2m_vm *vm, uint32_t view, uint32_t vcpu);
	int (*view_set_visible)(struct altp2m_vm *vm, uint32_t view,
				uint32_t vcpu, bool visible);
	int (*vcpu_views)(struct altp2m_vm *vm, struct altp2m_vcpu_views *out);
	int (*set_range)(struct altp2m_vm *vm, enum altp2m__gfn_setting what,
			 uint32_t view, uint64_t gfn, uint64_t npages,
			 uint8_t value);
	int (*set_list)(struct altp2m_vm *vm, enum altp2m__gfn_setting what,
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
	/* @o is a full copy of the caller's options; *gen on success. */
	int (*batch)(struct altp2m_vm *vm, const struct altp2m_batch_op *ops,
		     size_t n, const struct altp2m_batch_opts *o,
		     uint64_t *gen);
	/* ALTP2M_ADD_HIDDEN_FRAMES (@add) or ALTP2M_REMOVE_HIDDEN_FRAMES. */
	int (*hidden)(struct altp2m_vm *vm, bool add, uint64_t gfn,
		      uint64_t nr);
};

struct altp2m_vm {
	const struct altp2m__vm_ops *ops;
	enum altp2m_transport_kind kind;
	uint32_t vm_id;
	/* fd door */
	const struct altp2m__transport *tr;
	void *priv;
	/* netlink door: a reference on the connection */
	struct altp2m_conn *conn;
	struct altp2m__err e;
};

extern const struct altp2m__vm_ops altp2m__vm_fd_ops;
extern const struct altp2m__vm_ops altp2m__vm_nl_ops;

/* Set vm->e's detail of a failure; returns @err. */
int altp2m__vm_detail(struct altp2m_vm *vm, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * A handle on the fd door over @tr for a VM that answers
 * ALTP2M_GET_VM_STATUS (checked here). The handle owns @priv
 * (tr->close on altp2m_vm_close, and on failure here).
 */
int altp2m__vm_open_fd_transport(struct altp2m_vm **vmp,
				 const struct altp2m__transport *tr,
				 void *priv, char *errbuf, size_t errlen);
/*
 * The fd door's real transport on a duplicate of @vm_fd (F_DUPFD_CLOEXEC)
 * with @ioctl_fn (ioctl(2), or a test's) for the requests; the duplicate
 * is the handle's.
 */
int altp2m__vm_from_fd_with(struct altp2m_vm **vmp, int vm_fd,
			    int (*ioctl_fn)(int fd, unsigned long cmd,
					    void *arg),
			    char *errbuf, size_t errlen);
/* GET_VM's answer, for one VM (netlink door). */
int altp2m__nl_parse_vm_info(struct nlmsghdr *nlh,
			     struct altp2m_vm_info *info);
/* The VM list over @conn (conn.c calls it; vm_netlink.c has the parser). */
int altp2m__nl_list_vms(struct altp2m_conn *conn, struct altp2m_vm_info **vms,
			size_t *nr);
/* The "altp2m-vm-id:\t%u" line of a VM fd's fdinfo text: 0 or -ENOENT. */
int altp2m__fdinfo_vm_id(const char *text, uint32_t *vm_id);

/* ---- monitor.c ---- */

struct altp2m__monitor_transport {
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

/* Owns @priv (closed on failure too); @opts as the caller gave them. */
int altp2m__monitor_open_transport(struct altp2m_monitor **mp,
				   const struct altp2m__monitor_transport *tr,
				   void *priv, int family,
				   const struct altp2m_monitor_opts *opts,
				   char *errbuf, size_t errlen);
/* A notification as struct altp2m_event: 0, or -EPROTO if it is not one. */
int altp2m__event_parse(struct nlmsghdr *nlh, int family,
			struct altp2m_event *ev);

/* ---- introspect.c: the monitor fd ---- */

/*
 * What a monitor fd is reached through: the fd itself (introspect.c) or,
 * in the unit tests, a fake with its rings in ordinary memory.
 */
struct altp2m__mon_transport {
	/* Returns >= 0 on success, a negative errno on failure. */
	int (*ioctl)(void *priv, unsigned long cmd, void *arg);
	/* The rings: @len bytes from offset 0, shared; NULL and *err. */
	void *(*map)(void *priv, size_t len, int *err);
	void (*unmap)(void *priv, void *addr, size_t len);
	/* Guest RAM: @len bytes at mmap offset @off, shared; NULL and *err. */
	void *(*map_gpa)(void *priv, uint64_t off, size_t len, int prot,
			 int *err);
	/* Wait for POLLIN: the revents (0 on timeout) or a negative errno. */
	int (*poll)(void *priv, int timeout_ms);
	int (*fd)(void *priv);
	void (*close)(void *priv);
};

/* What the library knows of one vCPU's ring. */
struct altp2m__hide;

struct altp2m__mon_ring {
	bool seen;		/* the vCPU existed at a refresh */
	uint32_t cons;		/* our consumer index: the ring's is a copy */
};

struct altp2m_mon {
	const struct altp2m__mon_transport *tr;
	void *priv;
	uint32_t vm_id;
	uint32_t ring_entries;
	uint64_t ring_bytes;
	unsigned char *map;
	size_t map_len;
	unsigned int next_vcpu;	/* where the next scan starts */
	unsigned int busy_poll_us;	/* altp2m_mon_set_busy_poll() */
	struct altp2m__mon_ring rings[ALTP2M_MAX_VCPUS];
	struct altp2m__hide *hide;	/* hide.c's; NULL until first used */
	struct altp2m__err e;
};

/*
 * A monitor over @tr, whose ALTP2M_MONITOR_ATTACH answered @att: maps the
 * rings and reads which vCPUs exist. Owns @priv (closed on failure too).
 */
int altp2m__mon_open_transport(struct altp2m_mon **mp,
			       const struct altp2m__mon_transport *tr,
			       void *priv,
			       const struct altp2m_monitor_attach *att,
			       char *errbuf, size_t errlen);
/* The checks of altp2m_mon_respond: 0 or -EINVAL with the reason in @e. */
int altp2m__mon_rsp_check(const struct altp2m_monitor_response *r,
			  struct altp2m__err *e);

/* ---- hide.c: hidden breakpoints ---- */

/*
 * Unhide every breakpoint the handle still has hidden, best effort, and
 * free its state: altp2m_mon_close's first step, while the fd is open.
 */
void altp2m__hide_release(struct altp2m_mon *m);
/* The host's ALTP2M_CAP_* bits, as if read from the device (tests). */
int altp2m__hide_set_caps(struct altp2m_mon *m, uint64_t caps);

#endif /* LIBALTP2M_INTERNAL_H */
