// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl: inspect and edit altp2m from a shell.
 *
 * Exit codes: 0 success, 1 the operation failed (the kernel or library
 * said no; the message says why), 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "altp2m.h"

#define EXIT_USAGE 2

struct opts {
	bool json;
	const char *device;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: altp2mctl [OPTIONS] COMMAND\n"
		"\n"
		"Commands:\n"
		"  caps       show what the module found on this host\n"
		"  version    show the module's API version\n"
		"  help       show this help\n"
		"\n"
		"Options:\n"
		"  -j, --json          machine-readable JSON output\n"
		"  -d, --device PATH   device node (default %s)\n"
		"  -h, --help          show this help\n"
		"\n"
		"Exit status: 0 success, 1 operation failed, 2 usage error.\n",
		ALTP2M_DEFAULT_DEVICE);
}

static struct altp2m_ctx *open_ctx(const struct opts *o)
{
	char err[ALTP2M_ERRMSG_LEN];
	struct altp2m_ctx *ctx;

	if (altp2m_open(&ctx, o->device, err, sizeof(err)) < 0) {
		fprintf(stderr, "altp2mctl: %s\n", err);
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

#define N_RAW_MSRS (sizeof(raw_msrs) / sizeof(raw_msrs[0]))

static uint64_t raw_msr(const struct altp2m_caps *c, unsigned int i)
{
	return *(const uint64_t *)((const char *)c + raw_msrs[i].off);
}

static void print_caps_json(const struct altp2m_caps *c)
{
	const char *sep = "";
	unsigned int i;

	printf("{\"api_version\":%u,\"vmcs_revision\":%u,\"max_views\":%u,",
	       c->api_version, c->vmcs_revision, c->max_views);
	printf("\"caps\":[");
	for (i = 0; altp2m_cap_name(i); i++) {
		if (!(c->caps & (1ULL << i)))
			continue;
		printf("%s\"%s\"", sep, altp2m_cap_name(i));
		sep = ",";
	}
	printf("],\"msrs\":{");
	for (i = 0; i < N_RAW_MSRS; i++)
		printf("%s\"%s\":\"0x%016" PRIx64 "\"", i ? "," : "",
		       raw_msrs[i].name, raw_msr(c, i));
	printf("}}\n");
}

static void print_caps_text(const struct altp2m_caps *c)
{
	unsigned int i;

	printf("API version    %u\n", c->api_version);
	printf("VMCS revision  %#x\n", c->vmcs_revision);
	printf("views per VM   %u\n\n", c->max_views);
	printf("%-14s %-4s %s\n", "CAPABILITY", "HAS", "MEANING");
	for (i = 0; altp2m_cap_name(i); i++)
		printf("%-14s %-4s %s\n", altp2m_cap_name(i),
		       c->caps & (1ULL << i) ? "yes" : "no",
		       altp2m_cap_desc(i));
	printf("\n%-25s %s\n", "MSR", "VALUE");
	for (i = 0; i < N_RAW_MSRS; i++)
		printf("%-25s 0x%016" PRIx64 "\n", raw_msrs[i].name,
		       raw_msr(c, i));
}

static int cmd_caps(const struct opts *o)
{
	struct altp2m_caps caps;
	struct altp2m_ctx *ctx = open_ctx(o);
	int ret;

	if (!ctx)
		return EXIT_FAILURE;
	ret = altp2m_get_caps(ctx, &caps);
	if (ret < 0) {
		fprintf(stderr, "altp2mctl: %s\n", altp2m_errmsg(ctx));
		altp2m_close(ctx);
		return EXIT_FAILURE;
	}
	if (o->json)
		print_caps_json(&caps);
	else
		print_caps_text(&caps);
	altp2m_close(ctx);
	return EXIT_SUCCESS;
}

static int cmd_version(const struct opts *o)
{
	struct altp2m_ctx *ctx = open_ctx(o);
	int ver;

	if (!ctx)
		return EXIT_FAILURE;
	ver = altp2m_api_version(ctx);
	if (ver < 0)
		fprintf(stderr, "altp2mctl: %s\n", altp2m_errmsg(ctx));
	else if (o->json)
		printf("{\"api_version\":%d}\n", ver);
	else
		printf("altp2m API version %d\n", ver);
	altp2m_close(ctx);
	return ver < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .json = false, .device = NULL };
	const char *cmd;
	int c;

	while ((c = getopt_long(argc, argv, "+jd:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = true;
			break;
		case 'd':
			o.device = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "altp2mctl: %s takes no arguments\n", cmd);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "caps"))
		return cmd_caps(&o);
	if (!strcmp(cmd, "version"))
		return cmd_version(&o);
	if (!strcmp(cmd, "help")) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	fprintf(stderr, "altp2mctl: unknown command '%s' (try --help)\n", cmd);
	return EXIT_USAGE;
}
