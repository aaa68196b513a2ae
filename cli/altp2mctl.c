// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl: inspect and edit altp2m VMs and views from a shell.
 *
 * main() parses the command line (args.c), runs the one command it names
 * and checks that its output reached stdout. Every VM command goes
 * through generic netlink by VM id: the CLI never owns a VM fd, so it
 * works on VMs other processes run.
 *
 * Exit status: 0 success, 1 the operation failed (the kernel or library
 * said no; the message says why), 2 usage error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int (*const ops[CLI_OP_COUNT])(const struct cli_cmd *,
				       struct cli_out *) = {
	[CLI_OP_CAPS]		= cmd_caps,
	[CLI_OP_VERSION]	= cmd_version,
	[CLI_OP_VM_LIST]	= cmd_vm_list,
	[CLI_OP_VM_SHOW]	= cmd_vm_show,
	[CLI_OP_VM_ENABLE]	= cmd_vm_enable,
	[CLI_OP_VM_DISABLE]	= cmd_vm_disable,
	[CLI_OP_VIEW_LIST]	= cmd_view_list,
	[CLI_OP_VIEW_CREATE]	= cmd_view_create,
	[CLI_OP_VIEW_DESTROY]	= cmd_view_destroy,
	[CLI_OP_VIEW_DUMP]	= cmd_view_dump,
	[CLI_OP_ACCESS_SET]	= cmd_access_set,
	[CLI_OP_ACCESS_GET]	= cmd_access_get,
	[CLI_OP_SVE_SET]	= cmd_sve_set,
	[CLI_OP_SVE_GET]	= cmd_access_get,
	[CLI_OP_REMAP]		= cmd_remap,
	[CLI_OP_REVERT]		= cmd_revert,
	[CLI_OP_SWITCH]		= cmd_switch,
	[CLI_OP_VISIBILITY]	= cmd_visibility,
	[CLI_OP_VCPUS]		= cmd_vcpus,
	[CLI_OP_STATS]		= cmd_stats,
	[CLI_OP_MONITOR]	= cmd_monitor,
	[CLI_OP_MON_ATTACH]	= cmd_mon_attach,
	[CLI_OP_MON_PAUSE]	= cmd_mon_pause,
	[CLI_OP_MEM_READ]	= cmd_mem_read,
	[CLI_OP_REGS_GET]	= cmd_regs_get,
	[CLI_OP_HIDDEN_ADD]	= cmd_hidden_add,
	[CLI_OP_HIDDEN_REMOVE]	= cmd_hidden_remove,
};

struct altp2m_conn *cli_conn(void)
{
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct altp2m_conn *conn;

	if (altp2m_conn_open(&conn, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", CLI_NAME, err);
		return NULL;
	}
	return conn;
}

/* The handle keeps the connection for itself: it goes with the handle. */
struct altp2m_vm *cli_attach(uint32_t vm_id)
{
	struct altp2m_conn *conn = cli_conn();
	struct altp2m_vm *vm = NULL;

	if (!conn)
		return NULL;
	if (altp2m_vm_attach(conn, vm_id, &vm) < 0)
		fprintf(stderr, "%s: %s\n", CLI_NAME, altp2m_conn_errmsg(conn));
	altp2m_conn_close(conn);
	return vm;
}

static int vfail(const char *msg, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", CLI_NAME);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", msg);
	return CLI_EXIT_FAIL;
}

/*
 * "altp2mctl: vm N: <the library's message>", CLI_EXIT_FAIL. The message
 * names the call and its arguments and carries the kernel's explanation.
 */
int cli_fail_vm(struct altp2m_vm *vm)
{
	fprintf(stderr, "%s: vm %u: %s\n", CLI_NAME, altp2m_vm_id(vm),
		altp2m_vm_errmsg(vm));
	return CLI_EXIT_FAIL;
}

/* The same for failures that are not the library's: errno says why. */
int cli_fail(const char *fmt, ...)
{
	const char *msg = strerror(errno);
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(msg, fmt, ap);
	va_end(ap);
	return ret;
}

int main(int argc, char **argv)
{
	struct cli_out out;
	struct cli_cmd cmd;
	int ret;

	ret = cli_parse_args(argc, argv, &cmd, stderr);
	if (ret)
		return ret;
	if (cmd.op == CLI_OP_HELP) {
		cli_usage(stdout, cmd.help_group, cmd.help_sub);
		ret = CLI_EXIT_OK;
	} else {
		cli_out_init(&out, stdout, cmd.json);
		ret = ops[cmd.op](&cmd, &out);
	}
	/* A full disk or closed pipe must not pass for success. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: writing output: %s\n", CLI_NAME,
			strerror(errno));
		if (!ret)
			ret = CLI_EXIT_FAIL;
	}
	return ret;
}
