// SPDX-License-Identifier: GPL-2.0
/*
 * Tools that do not own the VM, at work on a running guest: this program
 * is the VMM (it creates the VM and runs its vCPU), while altp2mctl and
 * libaltp2m in other processes list it, enable views, create one,
 * restrict and remap pages, switch the vCPU and dump the view over
 * generic netlink. The guest observes each change: a write it may no
 * longer do exits to the VMM as a view violation, and a remapped page
 * reads as its target. The library's fd door, used by the VMM itself,
 * must agree with what the netlink door reports.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "altp2m.h"
#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define GFN(gpa)	((uint64_t)(gpa) >> 12)

/* ------------------------------------------------------------ the guest */

enum { OP_READ, OP_WRITE };

struct guest_cmd {
	uint64_t op;
	uint64_t addr;
	uint64_t arg;
};

struct guest_cmd guest_cmd;

static void guest_server(void)
{
	uint64_t ret = 0;

	for (;;) {
		GUEST_SYNC(ret);
		if (READ_ONCE(guest_cmd.op) == OP_READ) {
			ret = mmio_read64(READ_ONCE(guest_cmd.addr));
		} else {
			mmio_write64(READ_ONCE(guest_cmd.addr),
				     READ_ONCE(guest_cmd.arg));
			ret = READ_ONCE(guest_cmd.arg);
		}
	}
}

/* ------------------------------------------------------------- the VMM */

static void guest_op(struct vcpu *vcpu, unsigned int op, uint64_t addr,
		     uint64_t arg)
{
	struct guest_cmd *cmd = addr_ptr2hva(vcpu->vm, &guest_cmd);

	cmd->op = op;
	cmd->addr = addr;
	cmd->arg = arg;
	vcpu_run(vcpu);
}

static uint64_t tag(uint64_t gpa)
{
	return 0x6e6c000000000000ULL | gpa;
}

/* A VM whose vCPU waits in guest_server(); three tagged pages A, B, C. */
static struct vcpu *server_vm(struct vm **vmp, uint64_t *a)
{
	struct vm *vm = vm_create(0);
	struct vcpu *vcpu = vcpu_add(vm, 0, guest_server);
	int i;

	*a = vm_alloc(vm, 3 * 4096, 4096);
	for (i = 0; i < 3; i++)
		*(uint64_t *)addr_gpa2hva(vm, *a + i * 4096) =
			tag(*a + i * 4096);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 0);
	*vmp = vm;
	return vcpu;
}

/* ------------------------------------------------------------ altp2mctl */

static char ctl_path[512];

struct ctl {
	int status;		/* exit status, or 128 + signal */
	char out[8192];
	char err[2048];
};

static void read_all(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
}

/* The command and what it printed, as TAP diagnostics (the demo shows them). */
static void print_transcript(const char *line, bool unpriv,
			     const struct ctl *c)
{
	const char *p, *q;
	int i;

	printf("# $ %saltp2mctl %s\n", unpriv ? "(as nobody) " : "", line);
	for (i = 0; i < 2; i++)
		for (p = i ? c->err : c->out; *p; p = *q ? q + 1 : q) {
			q = strchrnul(p, '\n');
			printf("# %.*s\n", (int)(q - p), p);
		}
	if (c->status)
		printf("# (exit status %d)\n", c->status);
}

/*
 * Run altp2mctl with @fmt's words (split at spaces) in a new process,
 * as nobody when @unpriv. Its stdout and stderr are captured in @c.
 */
static void ctl_run(struct ctl *c, bool unpriv, const char *fmt, ...)
{
	char line[512], shown[512], *argv[32], *save;
	int out[2], err[2], status, n = 0;
	va_list ap;
	pid_t pid;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memcpy(shown, line, sizeof(shown));
	argv[n++] = ctl_path;
	for (argv[n] = strtok_r(line, " ", &save); argv[n] && n < 31;
	     argv[++n] = strtok_r(NULL, " ", &save))
		;
	argv[n] = NULL;
	TEST_ASSERT(!pipe(out) && !pipe(err), "pipe");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		if (unpriv && (setresgid(65534, 65534, 65534) ||
			       setresuid(65534, 65534, 65534)))
			_exit(126);
		execv(ctl_path, argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	read_all(err[0], c->err, sizeof(c->err));
	read_all(out[0], c->out, sizeof(c->out));
	close(out[0]);
	close(err[0]);
	waitpid(pid, &status, 0);
	c->status = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
	print_transcript(shown, unpriv, c);
}

#define CTL_OK(c, ...) do {						\
		ctl_run(c, false, __VA_ARGS__);				\
		ASSERT_EQ((c)->status, 0);				\
	} while (0)

static void find_ctl(void)
{
	char self[512];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	TEST_ASSERT(n > 0, "readlink /proc/self/exe");
	self[n] = 0;
	snprintf(ctl_path, sizeof(ctl_path), "%s/altp2mctl", dirname(self));
}

TEST_TIMEOUT(cli_drives_running_guest, 180)
{
	struct ctl *c = malloc(sizeof(*c));
	char want[64];
	struct vcpu *vcpu;
	struct vm *vm;
	uint64_t a;

	find_ctl();
	vcpu = server_vm(&vm, &a);

	CTL_OK(c, "vm list");
	snprintf(want, sizeof(want), "%u", vm->id);
	EXPECT_NE(strstr(c->out, want), NULL);
	CTL_OK(c, "-j vm show %u", vm->id);
	EXPECT_NE(strstr(c->out, "\"owner_pid\""), NULL);

	CTL_OK(c, "vm enable %u --max-views 8", vm->id);
	CTL_OK(c, "view create %u --default-access rwx", vm->id);
	ASSERT_EQ(atoi(c->out), 1);

	/* Page A read-only in view 1; the vCPU moved there while it waits. */
	CTL_OK(c, "access set %u 1 %#llx r", vm->id, (unsigned long long)GFN(a));
	CTL_OK(c, "switch %u 1 --vcpu 0", vm->id);
	guest_op(vcpu, OP_WRITE, a, 42);
	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	EXPECT_EQ(vcpu->run->violation.view, 1);
	EXPECT_EQ(vcpu->run->violation.gpa, a);
	EXPECT_EQ(vcpu->run->violation.access, ALTP2M_VIOLATION_W);
	CTL_OK(c, "access get %u 1 %llu", vm->id, (unsigned long long)GFN(a));
	EXPECT_NE(strstr(c->out, "r"), NULL);
	CTL_OK(c, "access set %u 1 %llu rwx", vm->id, (unsigned long long)GFN(a));
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 42);

	/* B reads as C in view 1, then as itself again. */
	CTL_OK(c, "remap %u 1 %llu %llu", vm->id,
	       (unsigned long long)GFN(a + 4096),
	       (unsigned long long)GFN(a + 8192));
	guest_op(vcpu, OP_READ, a + 4096, 0);
	assert_ucall_sync(vcpu, tag(a + 8192));
	CTL_OK(c, "-j view dump %u 1", vm->id);
	snprintf(want, sizeof(want), "%llu", (unsigned long long)GFN(a + 8192));
	EXPECT_NE(strstr(c->out, want), NULL);
	CTL_OK(c, "revert %u 1 %llu", vm->id, (unsigned long long)GFN(a + 4096));
	guest_op(vcpu, OP_READ, a + 4096, 0);
	assert_ucall_sync(vcpu, tag(a + 4096));

	/* A bulk edit from stdin-like file: A and C execute-only. */
	{
		char path[64];
		int fd;

		snprintf(path, sizeof(path), "/tmp/netlink_vmm_%d", getpid());
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

		ASSERT_GE(fd, 0);
		dprintf(fd, "# gfn access\n%llu x\n\n%llu x\n",
			(unsigned long long)GFN(a),
			(unsigned long long)GFN(a + 8192));
		close(fd);
		CTL_OK(c, "access set %u 1 --file %s", vm->id, path);
		unlink(path);
	}
	guest_op(vcpu, OP_READ, a + 8192, 0);
	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	EXPECT_EQ(vcpu->run->violation.gpa, a + 8192);
	CTL_OK(c, "access set %u 1 %llu-%llu rwx", vm->id,
	       (unsigned long long)GFN(a), (unsigned long long)GFN(a + 8192));
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, tag(a + 8192));

	CTL_OK(c, "vcpus %u", vm->id);
	CTL_OK(c, "-j stats %u", vm->id);
	EXPECT_NE(strstr(c->out, "view_events"), NULL);
	CTL_OK(c, "view list %u", vm->id);

	/* Errors: a busy view, a bad access name, no such VM, no right. */
	ctl_run(c, false, "view destroy %u 1", vm->id);
	EXPECT_EQ(c->status, 1);
	EXPECT_NE(strstr(c->err, "view"), NULL);
	ctl_run(c, false, "access set %u 1 %llu bogus", vm->id,
		(unsigned long long)GFN(a));
	EXPECT_EQ(c->status, 2);
	ctl_run(c, false, "view list 65000");
	EXPECT_EQ(c->status, 1);
	ctl_run(c, true, "view list %u", vm->id);
	EXPECT_EQ(c->status, 1);
	EXPECT_NE(strstr(c->err, "CAP_NET_ADMIN"), NULL);

	CTL_OK(c, "switch %u 0", vm->id);
	CTL_OK(c, "view destroy %u 1", vm->id);
	CTL_OK(c, "vm disable %u", vm->id);
	vm_free(vm);
	free(c);
}

/* --------------------------------------------------- libaltp2m, netlink */

struct lib_step {
	uint32_t vm_id;
	uint64_t a;
};

/*
 * A batch of @n operations whose last one the module refuses (a remap
 * target beyond any guest's address width): the commit fails at that
 * operation and applies nothing, so @gfn keeps access @before in view 1.
 * Over netlink @n above ALTP2M_NL_LIST_CHUNK goes as a transaction.
 */
static int bad_last_op(struct altp2m_vm *vm, uint64_t gfn, size_t n,
		       unsigned int before)
{
	struct altp2m_error e = { .sz = sizeof(e) };
	struct altp2m_batch_builder *b;
	unsigned int access;
	size_t i;
	bool sve;

	if (altp2m_batch_new(&b))
		return 10;
	for (i = 0; i + 1 < n; i++)
		if (altp2m_batch_set_access(b, 1, gfn + (i & 1), 1,
					    ALTP2M_ACCESS_N))
			return 11;
	if (altp2m_batch_remap(b, 1, gfn, 1ULL << 52))
		return 12;
	if (altp2m_vm_batch_commit(vm, b, NULL, NULL) != -EINVAL ||
	    altp2m_vm_last_error(vm, &e) || e.op != (int64_t)n - 1 ||
	    e.applied) {
		printf("# batch of %zu: %s (op %lld)\n", n, altp2m_vm_errmsg(vm),
		       (long long)e.op);
		return 13;
	}
	altp2m_batch_free(b);
	if (altp2m_vm_get_access(vm, 1, gfn + 1, &access, &sve) ||
	    access != before) {
		printf("# after the batch of %zu: access %u, not %u\n", n,
		       access, before);
		return 14;
	}
	return 0;
}

/* In another process: what an introspection daemon would do. */
static int lib_child(const struct lib_step *s)
{
	uint64_t gfns[2] = { GFN(s->a), GFN(s->a) + 1 };
	uint8_t acc[2] = { ALTP2M_ACCESS_R, ALTP2M_ACCESS_R };
	struct altp2m_view_entry *ent;
	char err[ALTP2M_ERRMSG_LEN];
	struct altp2m_conn *conn;
	struct altp2m_vm *vm;
	unsigned int access;
	uint32_t view;
	size_t n;
	bool sve;
	int ret;

	if (altp2m_conn_open(&conn, NULL, err, sizeof(err))) {
		printf("# connect: %s\n", err);
		return 1;
	}
	if (altp2m_vm_attach(conn, s->vm_id, &vm)) {
		printf("# attach: %s\n", altp2m_conn_errmsg(conn));
		return 1;
	}
	/* The handle holds the connection: the caller's reference may go. */
	altp2m_conn_close(conn);
	if (altp2m_vm_transport(vm) != ALTP2M_TRANSPORT_NETLINK ||
	    altp2m_vm_views_enable(vm, 4, ALTP2M_MODE_EXTERNAL) ||
	    altp2m_vm_view_create(vm, ALTP2M_ACCESS_RWX, &view) || view != 1 ||
	    altp2m_vm_set_access_list(vm, view, gfns, acc, 2) ||
	    altp2m_vm_get_access(vm, view, gfns[1], &access, &sve) ||
	    access != ALTP2M_ACCESS_R ||
	    altp2m_vm_dump_view(vm, view, &ent, &n) || n < 1) {
		printf("# library: %s\n", altp2m_vm_errmsg(vm));
		return 2;
	}
	altp2m_free(ent);
	/* An error comes back as errno and a message naming the attribute. */
	if (altp2m_vm_view_destroy(vm, 3) != -ENOENT ||
	    !strstr(altp2m_vm_errmsg(vm), "view")) {
		printf("# destroy 3: %s\n", altp2m_vm_errmsg(vm));
		return 3;
	}
	if (altp2m_vm_view_switch(vm, view, ALTP2M_VCPU_ALL)) {
		printf("# switch: %s\n", altp2m_vm_errmsg(vm));
		return 4;
	}
	/* One BATCH message, then a transaction of three TXN_STAGEs. */
	ret = bad_last_op(vm, gfns[0], 8, ALTP2M_ACCESS_R);
	if (!ret)
		ret = bad_last_op(vm, gfns[0], 2 * ALTP2M_NL_LIST_CHUNK + 5,
				  ALTP2M_ACCESS_R);
	altp2m_vm_close(vm);
	return ret;
}

static int in_child(int (*fn)(const struct lib_step *), const struct lib_step *s)
{
	int status;
	pid_t pid;

	/* Nothing buffered to print twice; the child's lines reach the log. */
	fflush(stdout);
	pid = fork();
	if (!pid) {
		int ret = fn(s);

		fflush(stdout);
		_exit(ret);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

TEST_TIMEOUT(library_drives_running_guest, 120)
{
	struct altp2m_view_entry *ent;
	struct altp2m_vm_info info;
	char err[ALTP2M_ERRMSG_LEN];
	struct lib_step s;
	struct altp2m_vm *own;
	struct vcpu *vcpu;
	struct vm *vm;
	unsigned int access;
	size_t n;
	bool sve;

	vcpu = server_vm(&vm, &s.a);
	s.vm_id = vm->id;
	ASSERT_EQ(in_child(lib_child, &s), 0);

	/* The guest, moved to view 1 from the other process, reads A... */
	guest_op(vcpu, OP_READ, s.a, 0);
	assert_ucall_sync(vcpu, tag(s.a));
	/* ...and may not write it. */
	guest_op(vcpu, OP_WRITE, s.a + 4096, 7);
	assert_exit_reason(vcpu, ALTP2M_EXIT_VIEW_VIOLATION);
	EXPECT_EQ(vcpu->run->violation.view, 1);

	/* The VMM's own door sees the same state. */
	ASSERT_EQ(altp2m_vm_from_fd(&own, vm->fd, err, sizeof(err)), 0);
	EXPECT_EQ(altp2m_vm_transport(own), ALTP2M_TRANSPORT_FD);
	EXPECT_EQ(altp2m_vm_id(own), vm->id);
	ASSERT_EQ(altp2m_vm_get_access(own, 1, GFN(s.a) + 1, &access, &sve), 0);
	EXPECT_EQ(access, ALTP2M_ACCESS_R);
	ASSERT_EQ(altp2m_vm_dump_view(own, 1, &ent, &n), 0);
	EXPECT_GE(n, 1);
	altp2m_free(ent);
	/* ALTP2M_GET_VM_STATUS: what GET_VM says, no guessing. */
	ASSERT_EQ(altp2m_vm_get_info(own, &info), 0);
	EXPECT_EQ(info.nr_vcpus, 1);
	EXPECT_EQ(info.views_enabled, 1);
	EXPECT_EQ(info.max_views, 4);
	EXPECT_EQ(info.mode, ALTP2M_MODE_EXTERNAL);
	/* The fd door's ALTP2M_BATCH: the same refusal, nothing applied. */
	EXPECT_EQ(bad_last_op(own, GFN(s.a), 3, ALTP2M_ACCESS_R), 0);
	ASSERT_EQ(altp2m_vm_set_access(own, 1, GFN(s.a) + 1, 1, ALTP2M_ACCESS_RWX), 0);
	vcpu_run(vcpu);
	assert_ucall_sync(vcpu, 7);
	ASSERT_EQ(altp2m_vm_view_switch(own, 0, ALTP2M_VCPU_ALL), 0);
	ASSERT_EQ(altp2m_vm_view_destroy(own, 1), 0);
	altp2m_vm_close(own);
	/* The handle worked on its own copy: the VM fd is still its owner's. */
	EXPECT_EQ(fcntl(vm->fd, F_GETFD), FD_CLOEXEC);
	vm_free(vm);
}

/*
 * A daemon's handle outlives its VM, and the VMM starts a new one: the
 * handle must fail, not edit the new VM (ids are not reused at once).
 */
TEST(stale_handle_never_reaches_the_next_vm)
{
	char err[ALTP2M_ERRMSG_LEN];
	struct altp2m_vm_info info;
	struct altp2m_conn *conn;
	struct altp2m_error e;
	struct altp2m_vm *h;
	struct vm *a, *b;
	uint64_t gfn;
	uint32_t id_a;

	a = vm_create(0);
	id_a = a->id;
	ASSERT_EQ(altp2m_conn_open(&conn, NULL, err, sizeof(err)), 0);
	ASSERT_EQ(altp2m_vm_attach(conn, id_a, &h), 0);
	ASSERT_EQ(altp2m_vm_get_info(h, &info), 0);
	EXPECT_EQ(info.vm_id, id_a);
	vm_free(a);

	b = vm_create(0);
	EXPECT_NE(b->id, id_a);
	gfn = vm_alloc(b, 4096, 4096) >> 12;
	EXPECT_EQ(altp2m_vm_get_info(h, &info), -ENOENT);
	EXPECT_EQ(altp2m_vm_set_access(h, 0, gfn, 1, ALTP2M_ACCESS_R),
		  -ENOENT);
	memset(&e, 0, sizeof(e));
	e.sz = sizeof(e);
	ASSERT_EQ(altp2m_vm_last_error(h, &e), 0);
	EXPECT_EQ(e.err, -ENOENT);
	EXPECT_NE(strstr(e.msg, "No such file or directory"), NULL);
	printf("# stale handle: %s\n", altp2m_vm_errmsg(h));
	/* The new VM kept its host access. */
	EXPECT_EQ(vm_get_mem_access(b, 0, gfn), ALTP2M_ACCESS_RWX);
	altp2m_vm_close(h);
	altp2m_conn_close(conn);
	vm_free(b);
}

/* ------------------------------------------------------ notifications */

TEST_TIMEOUT(monitor_prints_events, 120)
{
	struct ctl *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
			     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct vm *vm;
	pid_t pid;
	int status;

	find_ctl();
	pid = fork();
	if (!pid) {
		ctl_run(c, false, "-j monitor --count 4 --timeout 60");
		_exit(0);
	}
	/* Let the monitor subscribe before anything happens. */
	usleep(500 * 1000);
	vm = vm_create(0);
	vm_views_enable(vm, 4);
	vm_view_create(vm, ALTP2M_ACCESS_RWX);
	vm_free(vm);
	waitpid(pid, &status, 0);
	ASSERT_EQ(c->status, 0);
	EXPECT_NE(strstr(c->out, "vm-created"), NULL);
	EXPECT_NE(strstr(c->out, "views-enabled"), NULL);
	EXPECT_NE(strstr(c->out, "view-created"), NULL);
	EXPECT_NE(strstr(c->out, "vm-destroyed"), NULL);
}

TEST_HARNESS_MAIN
