// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * attach-and-restrict: a whole libaltp2m program, built against the
 * installed library (see Makefile here and Documentation/libaltp2m.rst):
 * one netlink connection, a VM handle attached through it, and each
 * failure reported from the handle's structured last error.
 *
 *   attach-and-restrict                    list the VMs this process sees
 *   attach-and-restrict VM GFN [ACCESS]    in VM (by id, over netlink),
 *                                          create a view, restrict GFN in
 *                                          it to ACCESS (default "r"), read
 *                                          it back, destroy the view again
 *
 * Views that were off are enabled for the run and disabled again. A real
 * introspector would keep the view and switch vCPUs to it
 * (altp2m_view_switch()); the VMM then sees the violations.
 *
 * Exit status: 0 done, 1 a call failed (each failure is printed as
 * "attach-and-restrict: WHAT failed" followed by its fields, one per
 * line: errno, attribute, list entry, batch operation, entries applied,
 * message; the ones that do not apply are left out), 2 usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <altp2m/altp2m.h>

static const char *prog = "attach-and-restrict";

static void print_usage(FILE *f)
{
	fprintf(f, "usage: %s                  list VMs\n"
		   "       %s VM GFN [ACCESS]  restrict GFN in a new view of VM\n"
		   "ACCESS: n r w rw x rx wx rwx rx2rw n2rwx (default r)\n",
		prog, prog);
}

/*
 * A failed call, one field per line so that scripts can pick them: the
 * errno as a number and as text, what the module blamed (the attribute,
 * the list entry or batch operation), how much was applied (0: every
 * call is all-or-nothing), and the library's message.
 */
static void report(const char *what, const struct altp2m_error *e)
{
	fprintf(stderr, "%s: %s failed\n", prog, what);
	fprintf(stderr, "  errno:   %d (%s)\n", -e->err, strerror(-e->err));
	if (e->attr_name[0])
		fprintf(stderr, "  attr:    %s\n", e->attr_name);
	if (e->entry >= 0)
		fprintf(stderr, "  entry:   %" PRId64 "\n", e->entry);
	if (e->op >= 0)
		fprintf(stderr, "  op:      %" PRId64 "\n", e->op);
	fprintf(stderr, "  applied: %" PRIu64 "\n", e->applied);
	if (e->msg[0])
		fprintf(stderr, "  message: %s\n", e->msg);
}

/* The connection's last error, for calls that failed on it. */
static int conn_failed(struct altp2m_conn *conn, const char *what, int ret)
{
	struct altp2m_error e = { .sz = sizeof(e) };

	altp2m_conn_last_error(conn, &e);
	report(what, &e);
	return ret;
}

/* The VM handle's last error. */
static int vm_failed(struct altp2m_vm *vm, const char *what, int ret)
{
	struct altp2m_error e = { .sz = sizeof(e) };

	altp2m_vm_last_error(vm, &e);
	report(what, &e);
	return ret;
}

static int list_vms(struct altp2m_conn *conn)
{
	struct altp2m_vm_info *vms;
	size_t nr, i;
	int ret;

	ret = altp2m_conn_list_vms(conn, &vms, &nr);
	if (ret < 0) {
		conn_failed(conn, "list VMs", ret);
		return 1;
	}
	printf("%-6s %-8s %-6s %-10s %s\n", "VM", "PID", "VCPUS", "PAGES",
	       "VIEWS");
	for (i = 0; i < nr; i++)
		printf("%-6" PRIu32 " %-8" PRIu32 " %-6" PRIu32 " %-10" PRIu64
		       " %s\n", vms[i].vm_id, vms[i].owner_pid,
		       vms[i].nr_vcpus, vms[i].mem_pages,
		       vms[i].views_enabled ? altp2m_mode_name(vms[i].mode) :
					      "off");
	altp2m_free(vms);
	return 0;
}

static int restrict_gfn(struct altp2m_vm *vm, uint64_t gfn,
			unsigned int access)
{
	unsigned int got;
	uint32_t view;
	bool sve;
	int ret, err;

	ret = altp2m_vm_view_create(vm, ALTP2M_ACCESS_DEFAULT, &view);
	if (ret < 0)
		return vm_failed(vm, "create view", ret);

	ret = altp2m_vm_set_access(vm, view, gfn, 1, access);
	if (ret < 0) {
		vm_failed(vm, "set access", ret);
		goto out_view;
	}
	ret = altp2m_vm_get_access(vm, view, gfn, &got, &sve);
	if (ret < 0) {
		vm_failed(vm, "get access", ret);
		goto out_view;
	}
	printf("vm %" PRIu32 " view %" PRIu32 " gfn 0x%" PRIx64
	       ": access %s, suppress #VE %s\n", altp2m_vm_id(vm), view, gfn,
	       altp2m_access_name(got), sve ? "on" : "off");
	if (got != access) {
		fprintf(stderr, "%s: read back %s, set %s\n", prog,
			altp2m_access_name(got), altp2m_access_name(access));
		ret = -EIO;
	}

out_view:
	err = altp2m_vm_view_destroy(vm, view);
	if (err < 0)
		ret = vm_failed(vm, "destroy view", err);
	return ret;
}

static int attach_and_restrict(struct altp2m_conn *conn, uint32_t vm_id,
			       uint64_t gfn, unsigned int access)
{
	struct altp2m_vm_info info;
	struct altp2m_vm *vm;
	int ret, err;

	ret = altp2m_vm_attach(conn, vm_id, &vm);
	if (ret < 0) {
		conn_failed(conn, "attach", ret);
		return 1;
	}
	ret = altp2m_vm_get_info(vm, &info);
	if (ret < 0) {
		vm_failed(vm, "get VM info", ret);
		goto out;
	}
	if (info.views_enabled) {
		ret = restrict_gfn(vm, gfn, access);
		goto out;
	}

	ret = altp2m_vm_views_enable(vm, 0, ALTP2M_MODE_EXTERNAL);
	if (ret < 0) {
		vm_failed(vm, "enable views", ret);
		goto out;
	}
	ret = restrict_gfn(vm, gfn, access);
	err = altp2m_vm_views_disable(vm);
	if (err < 0)
		ret = vm_failed(vm, "disable views", err);
out:
	altp2m_vm_close(vm);
	return ret < 0 ? 1 : 0;
}

/* A whole decimal or 0x number up to max, or -1. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* VM GFN [ACCESS]. */
static bool parse_args(int argc, char **argv, uint64_t *vm_id, uint64_t *gfn,
		       unsigned int *access)
{
	return argc >= 3 && argc <= 4 &&
	       !parse_u64(argv[1], UINT32_MAX, vm_id) &&
	       !parse_u64(argv[2], UINT64_MAX, gfn) &&
	       (argc == 3 || !altp2m_access_parse(argv[3], access));
}

int main(int argc, char **argv)
{
	char errbuf[ALTP2M_ERRMSG_LEN] = "";
	unsigned int access = ALTP2M_ACCESS_R;
	struct altp2m_conn *conn;
	uint64_t vm_id = 0, gfn = 0;
	int ret;

	if (argc == 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		print_usage(stdout);
		return 0;
	}
	if (argc != 1 && !parse_args(argc, argv, &vm_id, &gfn, &access)) {
		print_usage(stderr);
		return 2;
	}

	/* The connection checks the module's netlink family and version. */
	ret = altp2m_conn_open(&conn, NULL, errbuf, sizeof(errbuf));
	if (ret < 0) {
		struct altp2m_error e = { .sz = sizeof(e), .err = ret,
					  .entry = -1, .op = -1 };

		snprintf(e.msg, sizeof(e.msg), "%s", errbuf);
		report("connect", &e);
		return 1;
	}
	if (argc == 1)
		ret = list_vms(conn);
	else
		ret = attach_and_restrict(conn, vm_id, gfn, access);
	altp2m_conn_close(conn);
	return ret;
}
