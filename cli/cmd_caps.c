// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl caps, version: what the module on this host supports. These
 * two talk to the device node, not to a VM.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "cli.h"

static struct altp2m_ctx *open_ctx(const struct cli_cmd *c)
{
	char err[ALTP2M_ERRMSG_LEN] = "";
	struct altp2m_ctx *ctx;

	if (altp2m_open(&ctx, c->device, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\n", CLI_NAME, err);
		return NULL;
	}
	return ctx;
}

static const struct {
	const char *name;
	size_t off;
} raw_msrs[] = {
	{ "IA32_VMX_BASIC", offsetof(struct altp2m_caps, msr_vmx_basic) },
	{ "IA32_VMX_PROCBASED_CTLS",
	  offsetof(struct altp2m_caps, msr_procbased_ctls) },
	{ "IA32_VMX_PROCBASED_CTLS2",
	  offsetof(struct altp2m_caps, msr_procbased_ctls2) },
	{ "IA32_VMX_EPT_VPID_CAP",
	  offsetof(struct altp2m_caps, msr_ept_vpid_cap) },
	{ "IA32_VMX_VMFUNC", offsetof(struct altp2m_caps, msr_vmfunc) },
};

#define N_RAW_MSRS ARRAY_SIZE(raw_msrs)

static uint64_t raw_msr(const struct altp2m_caps *c, unsigned int i)
{
	return *(const uint64_t *)((const char *)c + raw_msrs[i].off);
}

static void print_caps_json(struct cli_out *o, const struct altp2m_caps *c)
{
	char buf[24];
	unsigned int i;

	cli_json_obj_begin(o, NULL);
	cli_json_u64(o, "api_version", c->api_version);
	cli_json_u64(o, "vmcs_revision", c->vmcs_revision);
	cli_json_u64(o, "max_views", c->max_views);
	cli_json_arr_begin(o, "caps");
	for (i = 0; altp2m_cap_name(i); i++)
		if (c->caps & (1ULL << i))
			cli_json_str(o, NULL, altp2m_cap_name(i));
	cli_json_arr_end(o);
	/* Hex strings: JSON numbers lose bits above 2^53 in most readers. */
	cli_json_obj_begin(o, "msrs");
	for (i = 0; i < N_RAW_MSRS; i++) {
		snprintf(buf, sizeof(buf), "0x%016" PRIx64, raw_msr(c, i));
		cli_json_str(o, raw_msrs[i].name, buf);
	}
	cli_json_obj_end(o);
	cli_json_obj_end(o);
}

/*
 * Fixed widths rather than cli_table: the layout predates it and scripts
 * grep it ("^ept  *yes ").
 */
static void print_caps_text(FILE *f, const struct altp2m_caps *c)
{
	unsigned int i;

	fprintf(f, "API version    %u\n", c->api_version);
	fprintf(f, "VMCS revision  %#x\n", c->vmcs_revision);
	fprintf(f, "views per VM   %u\n\n", c->max_views);
	fprintf(f, "%-14s %-4s %s\n", "CAPABILITY", "HAS", "MEANING");
	for (i = 0; altp2m_cap_name(i); i++)
		fprintf(f, "%-14s %-4s %s\n", altp2m_cap_name(i),
			c->caps & (1ULL << i) ? "yes" : "no",
			altp2m_cap_desc(i));
	fprintf(f, "\n%-25s %s\n", "MSR", "VALUE");
	for (i = 0; i < N_RAW_MSRS; i++)
		fprintf(f, "%-25s 0x%016" PRIx64 "\n", raw_msrs[i].name,
			raw_msr(c, i));
}

int cmd_caps(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_caps caps;
	struct altp2m_ctx *ctx = open_ctx(c);
	int ret;

	if (!ctx)
		return CLI_EXIT_FAIL;
	ret = altp2m_get_caps(ctx, &caps);
	if (ret < 0) {
		fprintf(stderr, "%s: %s\n", CLI_NAME, altp2m_errmsg(ctx));
		altp2m_close(ctx);
		return CLI_EXIT_FAIL;
	}
	if (o->json)
		print_caps_json(o, &caps);
	else
		print_caps_text(o->f, &caps);
	altp2m_close(ctx);
	return CLI_EXIT_OK;
}

int cmd_version(const struct cli_cmd *c, struct cli_out *o)
{
	struct altp2m_ctx *ctx = open_ctx(c);
	int ver;

	if (!ctx)
		return CLI_EXIT_FAIL;
	ver = altp2m_api_version(ctx);
	if (ver < 0) {
		fprintf(stderr, "%s: %s\n", CLI_NAME, altp2m_errmsg(ctx));
	} else if (o->json) {
		cli_json_obj_begin(o, NULL);
		cli_json_u64(o, "api_version", ver);
		cli_json_obj_end(o);
	} else {
		fprintf(o->f, "altp2m API version %d\n", ver);
	}
	altp2m_close(ctx);
	return ver < 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
