// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl switch, visibility, vcpus: which view vCPUs run on and which
 * ones the guest may switch to itself.
 */
#include <string.h>

#include "cli.h"

/* The command line's -1 ("every vCPU") is the library's ALTP2M_VCPU_ALL. */
static uint32_t cli_vcpu(const struct cli_cmd *c)
{
	return c->vcpu < 0 ? ALTP2M_VCPU_ALL : (uint32_t)c->vcpu;
}

int cmd_switch(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;

	(void)o;
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_view_switch(vm, c->view, cli_vcpu(c)) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}

int cmd_visibility(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_vm *vm = cli_attach(c->vm);
	int ret = CLI_EXIT_OK;

	(void)o;
	if (!vm)
		return CLI_EXIT_FAIL;
	if (altp2m_vm_view_set_visible(vm, c->view, cli_vcpu(c), c->on) < 0)
		ret = cli_fail_vm(vm);
	altp2m_vm_close(vm);
	return ret;
}

static const struct cli_field vcpu_cols[] = {
	CLI_FIELD_NUM("vcpu", "VCPU"),
	CLI_FIELD_NUM("view", "VIEW"),
};

int cmd_vcpus(const struct cli_cmd *c, struct cli_out *o)
{
	struct cli_val v[ARRAY_SIZE(vcpu_cols)];
	struct altp2m_vm *vm = cli_attach(c->vm);
	struct altp2m_vcpu_views vv;
	struct cli_list l;
	unsigned int i;
	int ret = 0;

	if (!vm)
		return CLI_EXIT_FAIL;
	memset(&vv, 0, sizeof(vv));
	if (altp2m_vm_vcpu_views(vm, &vv) < 0) {
		ret = cli_fail_vm(vm);
		altp2m_vm_close(vm);
		return ret;
	}
	altp2m_vm_close(vm);
	cli_list_begin(&l, o, vcpu_cols, ARRAY_SIZE(vcpu_cols));
	for (i = 0; i < ALTP2M_MAX_VCPUS && !ret; i++) {
		if (!(vv.present & (1ULL << i)))
			continue;
		v[0] = CLI_U64(i);
		v[1] = CLI_U64(vv.view[i]);
		ret = cli_list_row(&l, v);
	}
	cli_list_end(&l);
	return ret ? cli_fail("vcpus of vm %u", c->vm) : CLI_EXIT_OK;
}
