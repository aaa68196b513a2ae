// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl view list|create|destroy|dump.
 */
#include <stdlib.h>

#include "cli.h"

static const struct cli_field view_cols[] = {
	CLI_FIELD_NUM("view", "VIEW"),
	CLI_FIELD_NUM("vcpus_on", "VCPUS"),
	CLI_FIELD("default_access", "DEFAULT"),
	CLI_FIELD_NUM("nr_leaves", "LEAVES"),
	CLI_FIELD_NUM("nr_pages", "PAGES"),
	CLI_FIELD_NUM("nr_tables", "TABLES"),
	CLI_FIELD_NUM("nr_remaps", "REMAPS"),
};

int cmd_view_list(const struct cli_cmd *c, struct cli_out *o)
{
	struct cli_val v[ARRAY_SIZE(view_cols)];
	struct altp2m_vm *vm = cli_attach(c->vm);
	struct altp2m_view_info *views;
	struct cli_list l;
	size_t nr, i;
	int ret = 0;

	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_list_views(vm, &views, &nr) < 0) {
		ret = cli_fail_vm(vm);
		altp2m_vm_close(vm);
		return ret;
	}
	altp2m_vm_close(vm);
	cli_list_begin(&l, o, view_cols, ARRAY_SIZE(view_cols));
	for (i = 0; i < nr && !ret; i++) {
		v[0] = CLI_U64(views[i].view);
		v[1] = CLI_U64(views[i].vcpus_on);
		v[2] = CLI_STR(altp2m_access_name(views[i].default_access));
		v[3] = CLI_U64(views[i].nr_leaves);
		v[4] = CLI_U64(views[i].nr_pages);
		v[5] = CLI_U64(views[i].nr_tables);
		v[6] = CLI_U64(views[i].nr_remaps);
		ret = cli_list_row(&l, v);
	}
	cli_list_end(&l);
	altp2m_free(views);
	return ret ? cli_fail("views of vm %u", c->vm) : CLI_EXIT_OK;
}

/* Prints the index alone, so that scripts can take it with $(...). */
int cmd_view_create(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;
	uint32_t view;

	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_view_create(vm, c->access, &view) < 0) {
		ret = cli_fail_vm(vm);
	} else if (o->json) {
		cli_json_obj_begin(o, NULL);
		cli_json_u64(o, "vm_id", c->vm);
		cli_json_u64(o, "view", view);
		cli_json_obj_end(o);
	} else {
		fprintf(o->f, "%u\n", view);
	}
	altp2m_vm_close(vm);
	return ret;
}

int cmd_view_destroy(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;

	(void)o;
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_view_destroy(vm, c->view) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}

/*
 * Runs: the JSON has the first gfn and the count, the table a readable
 * "first-last" range; a remap's target is null/"-" when there is none.
 */
static const struct cli_field dump_cols[] = {
	CLI_FIELD("gfn", NULL),
	CLI_FIELD(NULL, "GFNS"),
	CLI_FIELD_NUM("npages", "PAGES"),
	CLI_FIELD("access", "ACCESS"),
	CLI_FIELD_BOOL("sve", "SVE", "on", "off"),
	CLI_FIELD("target", "REMAP"),
};

int cmd_view_dump(const struct cli_cmd *c, struct cli_out *o)
{
	struct cli_val v[ARRAY_SIZE(dump_cols)];
	struct altp2m_vm *vm = cli_attach(c->vm);
	struct altp2m_view_entry *e;
	char range[48];
	struct cli_list l;
	size_t nr, i;
	int ret = 0;

	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_dump_view(vm, c->view, &e, &nr) < 0) {
		ret = cli_fail_vm(vm);
		altp2m_vm_close(vm);
		return ret;
	}
	altp2m_vm_close(vm);
	cli_list_begin(&l, o, dump_cols, ARRAY_SIZE(dump_cols));
	for (i = 0; i < nr && !ret; i++) {
		if (e[i].npages > 1)
			snprintf(range, sizeof(range), "0x%llx-0x%llx",
				 e[i].gfn, e[i].gfn + e[i].npages - 1);
		else
			snprintf(range, sizeof(range), "0x%llx", e[i].gfn);
		v[0] = CLI_GFN(e[i].gfn);
		v[1] = CLI_STR(range);
		v[2] = CLI_U64(e[i].npages);
		v[3] = CLI_STR(altp2m_access_name(e[i].access));
		v[4] = CLI_BOOL(e[i].suppress_ve);
		v[5] = e[i].target == ALTP2M_GFN_INVALID ? CLI_NUL() :
		       CLI_GFN(e[i].target);
		ret = cli_list_row(&l, v);
	}
	cli_list_end(&l);
	altp2m_free(e);
	return ret ? cli_fail("dump view %u of vm %u", c->view, c->vm) :
		     CLI_EXIT_OK;
}
