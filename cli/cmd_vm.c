// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl vm list|show|enable|disable, stats: VM-wide state.
 */
#include <stdlib.h>

#include "cli.h"

/* vm list: one row per VM. */
static const struct cli_field vm_cols[] = {
	CLI_FIELD_NUM("vm_id", "VM"),
	CLI_FIELD_NUM("owner_pid", "PID"),
	CLI_FIELD_NUM("nr_vcpus", "VCPUS"),
	CLI_FIELD("mem_pages", NULL),
	CLI_FIELD_NUM("mem_mib", "MEM(MiB)"),
	CLI_FIELD_BOOL("views_enabled", "ALTP2M", "enabled", "disabled"),
	CLI_FIELD_NUM("max_views", "MAX-VIEWS"),
	CLI_FIELD("mode", "MODE"),
	CLI_FIELD_NUM("nr_views", "VIEWS"),
	CLI_FIELD("generation", NULL),
};

/* vm show: the same keys, labelled for reading down a column. */
static const struct cli_field vm_show_rows[ARRAY_SIZE(vm_cols)] = {
	CLI_FIELD("vm_id", "vm"),
	CLI_FIELD("owner_pid", "owner pid"),
	CLI_FIELD("nr_vcpus", "vcpus"),
	CLI_FIELD("mem_pages", "memory pages"),
	CLI_FIELD("mem_mib", "memory MiB"),
	CLI_FIELD_BOOL("views_enabled", "altp2m", "enabled", "disabled"),
	CLI_FIELD("max_views", "max views"),
	CLI_FIELD("mode", "mode"),
	CLI_FIELD("nr_views", "views"),
	CLI_FIELD("generation", "generation"),
};

/*
 * A pid of 0 means the owner is not in our pid namespace, and max views
 * and mode mean nothing while views are off: both show as null/"-"
 * rather than as misleading numbers.
 */
static void vm_vals(const struct altp2m_vm_info *vi, struct cli_val *v)
{
	bool on = vi->views_enabled;

	v[0] = CLI_U64(vi->vm_id);
	v[1] = vi->owner_pid ? CLI_U64(vi->owner_pid) : CLI_NUL();
	v[2] = CLI_U64(vi->nr_vcpus);
	v[3] = CLI_U64(vi->mem_pages);
	v[4] = CLI_MIB(vi->mem_pages);
	v[5] = CLI_BOOL(on);
	v[6] = on ? CLI_U64(vi->max_views) : CLI_NUL();
	v[7] = on ? CLI_STR(altp2m_mode_name(vi->mode)) : CLI_NUL();
	v[8] = CLI_U64(vi->nr_views);
	v[9] = CLI_U64(vi->generation);
}

int cmd_vm_list(const struct cli_cmd *c, struct cli_out *o)
{
	struct cli_val v[ARRAY_SIZE(vm_cols)];
	struct altp2m_vm_info *vms;
	struct altp2m_conn *conn;
	struct cli_list l;
	size_t nr, i;
	int ret;

	(void)c;
	conn = cli_conn();
	if (!conn)
		return CLI_EXIT_FAIL;
	if (altp2m_conn_list_vms(conn, &vms, &nr) < 0) {
		fprintf(stderr, "%s: %s\n", CLI_NAME, altp2m_conn_errmsg(conn));
		altp2m_conn_close(conn);
		return CLI_EXIT_FAIL;
	}
	altp2m_conn_close(conn);
	cli_list_begin(&l, o, vm_cols, ARRAY_SIZE(vm_cols));
	for (i = 0, ret = 0; i < nr && !ret; i++) {
		vm_vals(&vms[i], v);
		ret = cli_list_row(&l, v);
	}
	cli_list_end(&l);
	altp2m_free(vms);
	if (ret)
		return cli_fail("list VMs");
	return CLI_EXIT_OK;
}

int cmd_vm_show(const struct cli_cmd *c, struct cli_out *o)
{
	struct cli_val v[ARRAY_SIZE(vm_cols)];
	struct altp2m_vm *vm = cli_attach(c->vm);
	struct altp2m_vm_info vi;
	int ret = CLI_EXIT_OK;

	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_get_info(vm, &vi) < 0) {
		ret = cli_fail_vm(vm);
	} else {
		vm_vals(&vi, v);
		if (cli_show(o, vm_show_rows, ARRAY_SIZE(vm_show_rows), v))
			ret = cli_fail("vm %u", c->vm);
	}
	altp2m_vm_close(vm);
	return ret;
}

int cmd_vm_enable(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;

	(void)o;
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_views_enable(vm, c->max_views, c->mode) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}

int cmd_vm_disable(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;

	(void)o;
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_views_disable(vm) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}

static const struct cli_field stats_rows[] = {
	CLI_FIELD("vm_id", "vm"),
	CLI_FIELD("nr_vcpus", "vcpus"),
	CLI_FIELD("mem_pages", "memory pages"),
	CLI_FIELD("nr_views", "views"),
	CLI_FIELD("ept_tables", "host p2m tables"),
	CLI_FIELD("ept_maps_4k", "4k leaves filled"),
	CLI_FIELD("ept_maps_2m", "2m leaves filled"),
	CLI_FIELD("ept_flushes", "host p2m flushes"),
	CLI_FIELD("invept", "view flushes (invept)"),
	CLI_FIELD("view_events", "violations reported"),
	CLI_FIELD("view_promotions", "promotions"),
	CLI_FIELD("remaps_invalidated", "remaps invalidated"),
	CLI_FIELD("view_splits", "2m leaves split"),
	CLI_FIELD("nr_hidden", "hidden frames"),
};

int cmd_stats(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	struct altp2m_vm_stats st;
	int ret = CLI_EXIT_OK;

	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_stats(vm, &st) < 0) {
		ret = cli_fail_vm(vm);
	} else {
		const struct cli_val v[ARRAY_SIZE(stats_rows)] = {
			CLI_U64(c->vm), CLI_U64(st.nr_vcpus),
			CLI_U64(st.mem_pages), CLI_U64(st.nr_views),
			CLI_U64(st.ept_tables), CLI_U64(st.ept_maps_4k),
			CLI_U64(st.ept_maps_2m), CLI_U64(st.ept_flushes),
			CLI_U64(st.invept), CLI_U64(st.view_events),
			CLI_U64(st.view_promotions),
			CLI_U64(st.remaps_invalidated),
			CLI_U64(st.view_splits), CLI_U64(st.nr_hidden),
		};

		if (cli_show(o, stats_rows, ARRAY_SIZE(stats_rows), v))
			ret = cli_fail("stats of vm %u", c->vm);
	}
	altp2m_vm_close(vm);
	return ret;
}
