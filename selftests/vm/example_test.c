// SPDX-License-Identifier: GPL-2.0
/*
 * lib/examples/attach-and-restrict against the module: this program is
 * the VMM (it creates the VM and keeps it), and runs the example as a
 * separate program, built the way a program outside the tree is built
 * (against an installed libaltp2m through pkg-config; static, since the
 * VM's initramfs has no libnl). The example must list the VM, restrict a
 * page in a view of its own and read it back over netlink, leave the VM
 * as it found it, and report failures with their fields.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "../lib/harness.h"

#define GFN(gpa)	((uint64_t)(gpa) >> 12)

struct run {
	int status;		/* exit status, or 128 + signal */
	char out[4096];
	char err[4096];
};

static void read_all(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += r;
	buf[n] = 0;
}

/* Run the example with up to three arguments (NULL-terminated). */
static void example(struct run *r, const char *a1, const char *a2,
		    const char *a3)
{
	char self[512], path[512 + 32], *argv[5];
	int out[2], err[2], status;
	ssize_t n;
	pid_t pid;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	TEST_ASSERT(n > 0, "readlink /proc/self/exe");
	self[n] = 0;
	snprintf(path, sizeof(path), "%s/attach-and-restrict", dirname(self));
	argv[0] = path;
	argv[1] = (char *)a1;
	argv[2] = (char *)a2;
	argv[3] = (char *)a3;
	argv[4] = NULL;
	TEST_ASSERT(!pipe(out) && !pipe(err), "pipe");
	pid = fork();
	TEST_ASSERT(pid >= 0, "fork");
	if (!pid) {
		dup2(out[1], 1);
		dup2(err[1], 2);
		execv(path, argv);
		_exit(127);
	}
	close(out[1]);
	close(err[1]);
	read_all(err[0], r->err, sizeof(r->err));
	read_all(out[0], r->out, sizeof(r->out));
	close(out[0]);
	close(err[0]);
	waitpid(pid, &status, 0);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status);
	printf("# $ attach-and-restrict%s%s%s%s%s%s\n# %s# %s(exit %d)\n",
	       a1 ? " " : "", a1 ? a1 : "", a2 ? " " : "", a2 ? a2 : "",
	       a3 ? " " : "", a3 ? a3 : "", r->out, r->err, r->status);
}

static void guest_halt(void)
{
	for (;;)
		asm volatile("hlt");
}

/* A VM with one (never run) vCPU and the gfn of a page of its RAM. */
static struct vm *example_vm(uint64_t *gfn)
{
	struct vm *vm = vm_create(0);

	vcpu_add(vm, 0, guest_halt);
	*gfn = GFN(vm_alloc(vm, 4096, 4096));
	return vm;
}

TEST(lists_the_vm)
{
	struct run *r = malloc(sizeof(*r));
	char want[64];
	struct vm *vm;
	uint64_t gfn;

	vm = example_vm(&gfn);
	example(r, NULL, NULL, NULL);
	ASSERT_EQ(r->status, 0);
	/* "VM PID VCPUS PAGES VIEWS", then ours with one vCPU, views off. */
	snprintf(want, sizeof(want), "\n%-6u %-8u %-6u ", vm->id,
		 (unsigned int)getpid(), 1);
	EXPECT_NE(strstr(r->out, want), NULL);
	EXPECT_NE(strstr(strstr(r->out, want) ?: "", " off\n"), NULL);
	vm_free(vm);
	free(r);
}

/* Views off: the example enables them, and disables them again. */
TEST(restricts_and_reads_back)
{
	struct run *r = malloc(sizeof(*r));
	char id[16], g[32], want[96];
	uint8_t access;
	struct vm *vm;
	uint64_t gfn;

	vm = example_vm(&gfn);
	snprintf(id, sizeof(id), "%u", vm->id);
	snprintf(g, sizeof(g), "%#llx", (unsigned long long)gfn);
	example(r, id, g, "rx");
	ASSERT_EQ(r->status, 0);
	snprintf(want, sizeof(want), "vm %u view 1 gfn %#llx: access rx, ",
		 vm->id, (unsigned long long)gfn);
	EXPECT_NE(strstr(r->out, want), NULL);
	EXPECT_EQ(r->err[0], 0);
	/* Left as found: views are off again, so enabling them works. */
	EXPECT_EQ(__vm_views_enable(vm, 4), 0);
	EXPECT_EQ(__vm_get_mem_access(vm, 1, gfn, &access), -1);
	EXPECT_EQ(errno, ENOENT);
	vm_free(vm);
	free(r);
}

/* The VM's views, as "0 1 ..." (the fd door's list). */
static void views_of(struct vm *vm, char *buf, size_t len)
{
	struct altp2m_view_info v[ALTP2M_MAX_VIEWS];
	uint32_t cursor = 0, i, n;
	size_t at = 0;

	n = vm_list_views(vm, &cursor, v, ALTP2M_MAX_VIEWS);
	buf[0] = 0;
	for (i = 0; i < n && at < len; i++)
		at += snprintf(buf + at, len - at, "%s%u", i ? " " : "",
			       v[i].view);
}

/* Views on (the VMM's): the example's view goes, the VMM's stay. */
TEST(keeps_the_vmms_views)
{
	struct run *r = malloc(sizeof(*r));
	char id[16], g[32], want[96], before[256], after[256];
	struct vm *vm;
	uint64_t gfn;

	vm = example_vm(&gfn);
	vm_views_enable(vm, 4);
	ASSERT_EQ(vm_view_create(vm, ALTP2M_ACCESS_RWX), 1);
	vm_set_mem_access(vm, 1, gfn, 1, ALTP2M_ACCESS_RW);
	views_of(vm, before, sizeof(before));
	snprintf(id, sizeof(id), "%u", vm->id);
	snprintf(g, sizeof(g), "%llu", (unsigned long long)gfn);
	example(r, id, g, "n");
	ASSERT_EQ(r->status, 0);
	snprintf(want, sizeof(want), "vm %u view 2 gfn %#llx: access n, ",
		 vm->id, (unsigned long long)gfn);
	EXPECT_NE(strstr(r->out, want), NULL);
	views_of(vm, after, sizeof(after));
	TH_LOG("views before: %s; after: %s", before, after);
	EXPECT_EQ(strcmp(before, after), 0);
	EXPECT_EQ(vm_get_mem_access(vm, 1, gfn), ALTP2M_ACCESS_RW);
	vm_free(vm);
	free(r);
}

TEST(reports_errors)
{
	struct run *r = malloc(sizeof(*r));
	char id[16];
	struct vm *vm;
	uint64_t gfn;

	vm = example_vm(&gfn);
	/*
	 * A VM id nobody has: the attach fails, with the fields of the
	 * connection's last error: the errno, the attribute the module
	 * blamed, nothing applied, and the message.
	 */
	snprintf(id, sizeof(id), "%u", vm->id + 1000);
	example(r, id, "1", NULL);
	EXPECT_EQ(r->status, 1);
	EXPECT_NE(strstr(r->err, "attach-and-restrict: attach failed\n"
			  "  errno:   2 (No such file or directory)\n"
			  "  attr:    vm-id\n"
			  "  applied: 0\n"
			  "  message: "), NULL);
	EXPECT_EQ(r->out[0], 0);
	/* Usage errors send nothing and exit 2. */
	snprintf(id, sizeof(id), "%u", vm->id);
	example(r, id, "1", "bogus");
	EXPECT_EQ(r->status, 2);
	example(r, id, "-1", NULL);
	EXPECT_EQ(r->status, 2);
	vm_free(vm);
	free(r);
}

TEST_HARNESS_MAIN
