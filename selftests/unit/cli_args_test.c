// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of altp2mctl's command line (cli/args.c): every command's
 * arguments and options parse into struct cli_cmd, and every usage error
 * is status 2 with a message, without running anything.
 */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../../cli/cli.h"
#include "unit.h"

#define MAX_ARGV 16

static char errtext[1024];

/*
 * Parses "altp2mctl" followed by the NULL-terminated words; what the
 * parser wrote to its error stream is left in errtext.
 */
static int parse(struct cli_cmd *c, ...)
{
	char *argv[MAX_ARGV + 1] = { "altp2mctl" };
	char *buf = NULL;
	size_t len = 0;
	int argc = 1, ret;
	FILE *err;
	va_list ap;

	va_start(ap, c);
	while ((argv[argc] = va_arg(ap, char *)))
		ck_assert_int_lt(++argc, MAX_ARGV);
	va_end(ap);
	err = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(err);
	ret = cli_parse_args(argc, argv, c, err);
	fclose(err);
	snprintf(errtext, sizeof(errtext), "%s", buf);
	free(buf);
	/* Success is silent; a usage error always says something. */
	if (ret == CLI_EXIT_OK)
		ck_assert_str_eq(errtext, "");
	else
		ck_assert_ptr_nonnull(strstr(errtext, "altp2mctl: "));
	return ret;
}

#define ck_usage(...) do {						\
	struct cli_cmd _c;						\
	ck_assert_int_eq(parse(&_c, __VA_ARGS__, NULL), CLI_EXIT_USAGE); \
} while (0)

#define ck_err_has(s) ck_assert_msg(strstr(errtext, s), \
				    "want '%s' in: %s", s, errtext)

START_TEST(global_options)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "caps", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_CAPS);
	ck_assert(!c.json);
	ck_assert_ptr_null(c.device);
	ck_assert_int_eq(parse(&c, "-j", "version", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VERSION);
	ck_assert(c.json);
	ck_assert_int_eq(parse(&c, "--json", "-d", "/dev/x", "caps", NULL), 0);
	ck_assert(c.json);
	ck_assert_str_eq(c.device, "/dev/x");
	ck_assert_int_eq(parse(&c, "-jd/dev/y", "caps", NULL), 0);
	ck_assert(c.json);
	ck_assert_str_eq(c.device, "/dev/y");
	ck_assert_int_eq(parse(&c, "-jd", "/dev/z", "caps", NULL), 0);
	ck_assert_str_eq(c.device, "/dev/z");
	ck_assert_int_eq(parse(&c, "--device=/dev/w", "--", "caps", NULL), 0);
	ck_assert_str_eq(c.device, "/dev/w");
	ck_assert_int_eq(c.op, CLI_OP_CAPS);

	ck_usage("--bogus", "caps");
	ck_err_has("unknown option '--bogus'");
	ck_err_has("Try 'altp2mctl --help'");
	ck_usage("-x", "caps");
	ck_err_has("unknown option '-x'");
	ck_usage("-d");
	ck_err_has("'-d' needs PATH");
	ck_usage("--device");
	ck_usage(NULL);
	ck_err_has("no command");
	ck_usage("-j");
	ck_usage("bogus");
	ck_err_has("unknown command 'bogus'");
	ck_usage("caps", "extra");
	ck_err_has("caps: unexpected argument 'extra'");
	ck_err_has("Usage: altp2mctl caps\n");
	ck_usage("version", "--json=1");
	ck_err_has("version: option '--json' takes no value");
}
END_TEST

/* Review finding 25: -j at the end of a line, as bpftool takes it. */
START_TEST(global_options_after_command)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "vm", "list", "-j", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VM_LIST);
	ck_assert(c.json);
	ck_assert_int_eq(parse(&c, "version", "--json", NULL), 0);
	ck_assert(c.json);
	ck_assert_int_eq(parse(&c, "caps", "-jd", "/dev/x", NULL), 0);
	ck_assert(c.json);
	ck_assert_str_eq(c.device, "/dev/x");
	ck_assert_int_eq(parse(&c, "caps", "--device=/dev/y", NULL), 0);
	ck_assert(!c.json);
	ck_assert_str_eq(c.device, "/dev/y");
	/* Between arguments, and bundled with the command's own letters. */
	ck_assert_int_eq(parse(&c, "switch", "1", "-j", "2", "--vcpu", "3",
			       NULL), 0);
	ck_assert(c.json);
	ck_assert_uint_eq(c.view, 2);
	ck_assert_int_eq(c.vcpu, 3);
	ck_assert_int_eq(parse(&c, "monitor", "-jc2", NULL), 0);
	ck_assert(c.json);
	ck_assert_uint_eq(c.count, 2);
	ck_assert_int_eq(parse(&c, "access", "set", "1", "2", "-jf", "list",
			       NULL), 0);
	ck_assert(c.json);
	ck_assert_str_eq(c.file, "list");
	/* -h bundled after the command still gives the command's help. */
	ck_assert_int_eq(parse(&c, "vm", "show", "-jh", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_HELP);
	ck_assert_str_eq(c.help_sub, "show");

	/* After "--" it is an argument. */
	ck_usage("vm", "show", "--", "-j");
	ck_err_has("bad VM '-j': not a number");
	ck_usage("caps", "-d");
	ck_err_has("caps: option '-d' needs PATH");
	ck_usage("caps", "--device");
	ck_err_has("caps: option '--device' needs PATH");
	ck_usage("vm", "list", "-jx");
	ck_err_has("vm list: unknown option '-x'");
}
END_TEST

START_TEST(help_everywhere)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "--help", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_HELP);
	ck_assert_ptr_null(c.help_group);
	ck_assert_int_eq(parse(&c, "-h", "caps", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_HELP);
	ck_assert_int_eq(parse(&c, "help", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_HELP);
	ck_assert_ptr_null(c.help_group);
	ck_assert_int_eq(parse(&c, "help", "vm", "enable", NULL), 0);
	ck_assert_str_eq(c.help_group, "vm");
	ck_assert_str_eq(c.help_sub, "enable");
	ck_assert_int_eq(parse(&c, "help", "vm", NULL), 0);
	ck_assert_str_eq(c.help_group, "vm");
	ck_assert_ptr_null(c.help_sub);
	ck_assert_int_eq(parse(&c, "help", "monitor", NULL), 0);
	ck_assert_str_eq(c.help_group, "monitor");
	ck_assert_int_eq(parse(&c, "vm", "--help", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_HELP);
	ck_assert_str_eq(c.help_group, "vm");
	ck_assert_ptr_null(c.help_sub);
	ck_assert_int_eq(parse(&c, "vm", "-h", NULL), 0);
	ck_assert_str_eq(c.help_group, "vm");
	ck_assert_int_eq(parse(&c, "vm", "enable", "--help", NULL), 0);
	ck_assert_str_eq(c.help_group, "vm");
	ck_assert_str_eq(c.help_sub, "enable");
	ck_assert_int_eq(parse(&c, "caps", "--help", NULL), 0);
	ck_assert_str_eq(c.help_group, "caps");
	ck_assert_ptr_null(c.help_sub);
	/* --help wins over the errors around it. */
	ck_assert_int_eq(parse(&c, "access", "set", "x", "--bogus", "y", "z",
			       "w", "v", "-h", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_HELP);
	ck_assert_str_eq(c.help_sub, "set");
	/* Unless it is an option's value. */
	ck_usage("monitor", "--count", "--help");
	ck_err_has("bad --count '--help'");
}
END_TEST

/* Review finding 24: help names an existing command, as git and ip want. */
START_TEST(help_unknown)
{
	ck_usage("help", "bogus");
	ck_err_has("altp2mctl: unknown command 'bogus'\n");
	ck_usage("help", "vm", "frob");
	ck_err_has("vm: unknown subcommand 'frob' (list, show, enable, disable)");
	ck_usage("help", "caps", "whatever");
	ck_err_has("caps: unexpected argument 'whatever'");
	ck_usage("help", "vm", "enable", "now");
	ck_err_has("help: unexpected argument 'now'");
	ck_usage("help", "-x");
	ck_err_has("unknown command '-x'");
}
END_TEST

/*
 * Review finding 23: numbers beyond the uAPI's bounds are usage errors
 * (status 2, nothing sent), not a failed call after an attach.
 */
START_TEST(uapi_bounds)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "view", "destroy", "1", "511", NULL), 0);
	ck_assert_uint_eq(c.view, ALTP2M_MAX_VIEWS - 1);
	ck_usage("view", "destroy", "1", "512");
	ck_err_has("view destroy: bad VIEW '512': out of range (0 .. 511)");
	ck_usage("view", "dump", "1", "0x200");
	ck_usage("access", "set", "1", "4294967295", "1", "r");
	ck_err_has("bad VIEW '4294967295': out of range");
	ck_usage("access", "get", "1", "512", "1");
	ck_usage("remap", "1", "600", "1", "2");
	ck_usage("switch", "1", "512");
	ck_usage("visibility", "1", "512", "on");
	/* Still "too large" where the type, not the uAPI, is the limit. */
	ck_usage("revert", "1", "4294967296", "1");
	ck_err_has("bad VIEW '4294967296': too large");

	ck_assert_int_eq(parse(&c, "switch", "1", "1", "--vcpu", "63", NULL),
			 0);
	ck_assert_int_eq(c.vcpu, ALTP2M_MAX_VCPUS - 1);
	ck_usage("switch", "1", "1", "--vcpu", "64");
	ck_err_has("switch: bad --vcpu '64': out of range (0 .. 63)");
	ck_usage("visibility", "1", "1", "on", "--vcpu=0x40");
	ck_err_has("bad --vcpu '0x40': out of range (0 .. 63)");

	ck_assert_int_eq(parse(&c, "vm", "enable", "1", "--max-views", "512",
			       NULL), 0);
	ck_assert_uint_eq(c.max_views, ALTP2M_MAX_VIEWS);
	ck_assert_int_eq(parse(&c, "vm", "enable", "1", "--max-views", "1",
			       NULL), 0);
	ck_assert_uint_eq(c.max_views, 1);
	ck_usage("vm", "enable", "1", "--max-views", "513");
	ck_err_has("bad --max-views '513': out of range (1 .. 512)");
	/* Leaving the option out is how to ask for the module's default. */
	ck_usage("vm", "enable", "1", "--max-views", "0");
	ck_err_has("bad --max-views '0': out of range (1 .. 512)");
}
END_TEST

START_TEST(vm_commands)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "vm", "list", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VM_LIST);
	ck_assert_int_eq(parse(&c, "vm", "show", "0x10", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VM_SHOW);
	ck_assert_uint_eq(c.vm, 16);
	ck_assert_int_eq(parse(&c, "vm", "enable", "3", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VM_ENABLE);
	ck_assert_uint_eq(c.vm, 3);
	ck_assert_uint_eq(c.max_views, 0);
	ck_assert_uint_eq(c.mode, ALTP2M_MODE_EXTERNAL);
	ck_assert_int_eq(parse(&c, "vm", "enable", "--max-views", "20", "3",
			       "--mode=mixed", NULL), 0);
	ck_assert_uint_eq(c.vm, 3);
	ck_assert_uint_eq(c.max_views, 20);
	ck_assert_uint_eq(c.mode, ALTP2M_MODE_MIXED);
	ck_assert_int_eq(parse(&c, "vm", "enable", "3", "--mode", "limited",
			       "--mode", "external", NULL), 0);
	ck_assert_uint_eq(c.mode, ALTP2M_MODE_EXTERNAL);
	ck_assert_int_eq(parse(&c, "vm", "disable", "4294967295", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VM_DISABLE);
	ck_assert_uint_eq(c.vm, UINT32_MAX);

	ck_usage("vm");
	ck_err_has("vm: missing subcommand (list, show, enable, disable)");
	ck_usage("vm", "frob");
	ck_err_has("vm: unknown subcommand 'frob'");
	ck_usage("vm", "list", "3");
	ck_err_has("unexpected argument '3'");
	ck_usage("vm", "show");
	ck_err_has("vm show: missing VM");
	ck_err_has("Usage: altp2mctl vm show VM\n");
	ck_usage("vm", "show", "4294967296");
	ck_err_has("bad VM '4294967296': too large");
	ck_usage("vm", "show", "-1");
	ck_err_has("unknown option '-1'");
	ck_usage("vm", "show", "3x");
	ck_err_has("bad VM '3x': trailing characters");
	ck_usage("vm", "enable", "3", "--mode", "sideways");
	ck_err_has("bad --mode 'sideways': not a mode");
	ck_usage("vm", "enable", "3", "--max-views", "ten");
	ck_err_has("bad --max-views 'ten': not a number");
	ck_usage("vm", "enable", "3", "--max-views");
	ck_err_has("option '--max-views' needs N");
	ck_usage("vm", "enable", "3", "--vcpu", "1");
	ck_err_has("unknown option '--vcpu'");
	ck_usage("vm", "enable", "3", "--max-views-x=1");
	ck_usage("vm", "disable", "3", "4");
}
END_TEST

START_TEST(view_commands)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "view", "list", "1", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VIEW_LIST);
	ck_assert_int_eq(parse(&c, "view", "create", "1", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VIEW_CREATE);
	ck_assert_uint_eq(c.access, ALTP2M_ACCESS_DEFAULT);
	ck_assert_int_eq(parse(&c, "view", "create", "1", "--default-access",
			       "rx", NULL), 0);
	ck_assert_uint_eq(c.access, ALTP2M_ACCESS_RX);
	ck_assert_int_eq(parse(&c, "view", "destroy", "1", "2", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VIEW_DESTROY);
	ck_assert_uint_eq(c.vm, 1);
	ck_assert_uint_eq(c.view, 2);
	ck_assert_int_eq(parse(&c, "view", "dump", "1", "0", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VIEW_DUMP);

	ck_usage("view");
	ck_usage("view", "list");
	ck_usage("view", "create", "1", "--default-access", "rwxx");
	ck_err_has("bad --default-access 'rwxx': not an access");
	ck_usage("view", "create", "1", "rw");
	ck_usage("view", "destroy", "1");
	ck_err_has("missing VIEW");
	ck_usage("view", "dump", "1", "");
	ck_err_has("bad VIEW '': empty");
	ck_usage("view", "dump", "1", "2", "3");
}
END_TEST

START_TEST(access_commands)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "access", "set", "1", "2", "0x100", "rw",
			       NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_ACCESS_SET);
	ck_assert_uint_eq(c.gfn, 0x100);
	ck_assert_uint_eq(c.npages, 1);
	ck_assert_uint_eq(c.access, ALTP2M_ACCESS_RW);
	ck_assert_ptr_null(c.file);
	ck_assert_int_eq(parse(&c, "access", "set", "1", "2", "0x100-0x1ff",
			       "n", NULL), 0);
	ck_assert_uint_eq(c.npages, 256);
	ck_assert_uint_eq(c.access, ALTP2M_ACCESS_N);
	ck_assert_int_eq(parse(&c, "access", "set", "1", "2", "--file", "-",
			       NULL), 0);
	ck_assert_str_eq(c.file, "-");
	ck_assert_int_eq(parse(&c, "access", "set", "-f", "list.txt", "1",
			       "2", NULL), 0);
	ck_assert_str_eq(c.file, "list.txt");
	ck_assert_int_eq(parse(&c, "access", "set", "1", "2", "-flist",
			       NULL), 0);
	ck_assert_str_eq(c.file, "list");
	ck_assert_int_eq(parse(&c, "access", "get", "1", "2", "0x10", NULL),
			 0);
	ck_assert_int_eq(c.op, CLI_OP_ACCESS_GET);
	ck_assert_uint_eq(c.gfn, 16);
	/* "--" lets an argument start with '-'; here it is still bad. */
	ck_usage("access", "get", "1", "2", "--", "-5");
	ck_err_has("bad GFN '-5': not a number");

	ck_usage("access", "set", "1", "2", "0x100");
	ck_err_has("access set: missing ACCESS");
	ck_err_has("Usage: altp2mctl access set VM VIEW GFN[-GFN] ACCESS\n"
		   "       altp2mctl access set VM VIEW --file FILE|-\n");
	ck_usage("access", "set", "1", "2", "0x100", "rwz");
	ck_err_has("bad ACCESS 'rwz'");
	ck_usage("access", "set", "1", "2", "0x200-0x100", "r");
	ck_err_has("bad GFN[-GFN] '0x200-0x100': range ends before it starts");
	ck_usage("access", "set", "1", "2", "0x100-", "r");
	ck_usage("access", "set", "1", "2", "0x10000000000000", "r");
	ck_err_has("above the largest gfn");
	ck_usage("access", "set", "1", "2", "--file", "f", "0x100");
	ck_err_has("access set: unexpected GFN[-GFN] with --file");
	ck_usage("access", "set", "1", "2", "--file", "f", "0x100", "r");
	ck_usage("access", "set", "1", "2", "--file", "");
	ck_err_has("bad --file '': empty");
	ck_usage("access", "set", "1", "2", "--file");
	ck_err_has("option '--file' needs FILE");
	ck_usage("access", "set", "1", "--file", "f");
	ck_err_has("missing VIEW");
	ck_usage("access", "get", "1", "2");
	ck_err_has("missing GFN");
	ck_usage("access", "get", "1", "2", "3-4");
	ck_err_has("bad GFN '3-4': trailing characters");
	ck_usage("access", "get", "1", "2", "3", "--file", "x");
	ck_err_has("unknown option '--file'");
	ck_usage("access");
	ck_err_has("missing subcommand (set, get)");
}
END_TEST

START_TEST(sve_remap_revert)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "sve", "set", "1", "2", "5-6", "off", NULL),
			 0);
	ck_assert_int_eq(c.op, CLI_OP_SVE_SET);
	ck_assert_uint_eq(c.gfn, 5);
	ck_assert_uint_eq(c.npages, 2);
	ck_assert(!c.on);
	ck_assert_int_eq(parse(&c, "sve", "set", "1", "2", "5", "on", NULL), 0);
	ck_assert(c.on);
	ck_assert_int_eq(parse(&c, "sve", "set", "1", "2", "--file=x", NULL),
			 0);
	ck_assert_str_eq(c.file, "x");
	ck_assert_int_eq(parse(&c, "sve", "get", "1", "2", "5", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_SVE_GET);
	ck_assert_int_eq(parse(&c, "remap", "1", "2", "0x10", "0x20", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_REMAP);
	ck_assert_uint_eq(c.gfn, 0x10);
	ck_assert_uint_eq(c.target, 0x20);
	ck_assert_int_eq(parse(&c, "revert", "1", "2", "0x10", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_REVERT);

	ck_usage("sve", "set", "1", "2", "5", "yes");
	ck_err_has("bad on|off 'yes': neither on nor off");
	ck_usage("sve", "set", "1", "2", "5");
	ck_err_has("missing on|off");
	ck_usage("sve", "get", "1", "2");
	ck_usage("remap", "1", "2", "0x10");
	ck_err_has("remap: missing TO_GFN");
	ck_usage("remap", "1", "2", "0x10", "0x20-0x21");
	ck_err_has("bad TO_GFN");
	ck_usage("remap", "1", "2", "0x10", "0x20", "0x30");
	ck_usage("revert", "1", "2");
	ck_usage("revert", "1", "2", "3", "4");
	ck_usage("revert", "list", "2", "3");
	ck_err_has("bad VM 'list'");
}
END_TEST

/* hidden add|remove VM GFN [N]: N is 1 when left out, 1 .. 512 else. */
START_TEST(hidden_commands)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "hidden", "add", "3", "0x80000", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_HIDDEN_ADD);
	ck_assert_uint_eq(c.vm, 3);
	ck_assert_uint_eq(c.gfn, 0x80000);
	ck_assert_uint_eq(c.npages, 1);
	ck_assert_int_eq(parse(&c, "hidden", "remove", "3", "0x80000", "512",
			       NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_HIDDEN_REMOVE);
	ck_assert_uint_eq(c.npages, 512);
	ck_assert_int_eq(parse(&c, "-j", "hidden", "add", "3", "7", "0x10",
			       NULL), 0);
	ck_assert_uint_eq(c.npages, 16);

	ck_usage("hidden", "add", "3");
	ck_err_has("hidden add: missing GFN");
	ck_usage("hidden", "add", "3", "7", "0");
	ck_err_has("N must be 1 .. 512");
	ck_usage("hidden", "remove", "3", "7", "513");
	ck_err_has("N must be 1 .. 512");
	ck_usage("hidden", "add", "3", "7", "1", "2");
	ck_err_has("unexpected argument '2'");
	ck_usage("hidden", "add", "3", "7-8");
	ck_err_has("bad GFN");
	ck_usage("hidden", "frob", "3", "7");
	ck_usage("hidden");
}
END_TEST

START_TEST(switch_visibility_vcpus_stats)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "switch", "1", "2", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_SWITCH);
	ck_assert_int_eq(c.vcpu, -1);
	ck_assert_int_eq(parse(&c, "switch", "1", "--vcpu", "3", "2", NULL),
			 0);
	ck_assert_int_eq(c.vcpu, 3);
	ck_assert_uint_eq(c.view, 2);
	ck_assert_int_eq(parse(&c, "visibility", "1", "2", "off", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VISIBILITY);
	ck_assert(!c.on);
	ck_assert_int_eq(c.vcpu, -1);
	ck_assert_int_eq(parse(&c, "visibility", "1", "2", "on", "--vcpu=0",
			       NULL), 0);
	ck_assert(c.on);
	ck_assert_int_eq(c.vcpu, 0);
	ck_assert_int_eq(parse(&c, "vcpus", "7", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_VCPUS);
	ck_assert_uint_eq(c.vm, 7);
	ck_assert_int_eq(parse(&c, "stats", "7", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_STATS);

	ck_usage("switch", "1");
	ck_usage("switch", "1", "2", "--vcpu", "x");
	ck_err_has("bad --vcpu 'x'");
	ck_usage("switch", "1", "2", "--vcpu", "4294967296");
	ck_err_has("bad --vcpu '4294967296': too large");
	ck_usage("switch", "1", "2", "--vcpu");
	ck_usage("visibility", "1", "2");
	ck_usage("visibility", "1", "2", "1");
	ck_usage("vcpus");
	ck_usage("vcpus", "1", "2");
	ck_usage("stats");
	ck_usage("stats", "x");
}
END_TEST

START_TEST(monitor_options)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "monitor", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_MONITOR);
	ck_assert_uint_eq(c.count, 0);
	ck_assert_int_eq(c.timeout_ms, -1);
	ck_assert(!c.timestamp);
	ck_assert(!c.vm_filter);
	ck_assert_int_eq(parse(&c, "monitor", "--count", "2", "--timeout", "5",
			       NULL), 0);
	ck_assert_uint_eq(c.count, 2);
	ck_assert_int_eq(c.timeout_ms, 5000);
	ck_assert_int_eq(parse(&c, "monitor", "-c3", "--timeout=0", NULL), 0);
	ck_assert_uint_eq(c.count, 3);
	ck_assert_int_eq(c.timeout_ms, 0);

	ck_usage("monitor", "3");
	ck_err_has("unexpected argument '3'");
	ck_usage("monitor", "--count", "0");
	ck_err_has("--count must be at least 1");
	ck_usage("monitor", "--timeout", "99999999");
	ck_err_has("bad --timeout '99999999': too large");
	ck_usage("monitor", "--timeout", "1.5");
	ck_usage("monitor", "--follow");
	ck_err_has("unknown option '--follow'");
}
END_TEST

/* Review finding 29: timestamps and a VM filter. */
START_TEST(monitor_timestamp_and_filter)
{
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "monitor", "-t", NULL), 0);
	ck_assert(c.timestamp);
	ck_assert_int_eq(parse(&c, "monitor", "--timestamp", "-c1", NULL), 0);
	ck_assert(c.timestamp);
	ck_assert_uint_eq(c.count, 1);
	ck_assert_int_eq(parse(&c, "monitor", "-tc", "4", NULL), 0);
	ck_assert(c.timestamp);
	ck_assert_uint_eq(c.count, 4);
	/* Before the command, as in `ip -t monitor`. */
	ck_assert_int_eq(parse(&c, "-t", "monitor", NULL), 0);
	ck_assert_int_eq(c.op, CLI_OP_MONITOR);
	ck_assert(c.timestamp);
	ck_assert_int_eq(parse(&c, "-jt", "monitor", NULL), 0);
	ck_assert(c.json);
	ck_assert(c.timestamp);
	ck_usage("-t", "vm", "list");
	ck_err_has("vm list: '--timestamp' (-t) is not one of its options");
	ck_usage("vm", "list", "-t");
	ck_err_has("vm list: unknown option '-t'");
	/* -t used to be --timeout's letter: its old use is an error. */
	ck_usage("monitor", "-t", "5");
	ck_err_has("monitor: unexpected argument '5'");
	ck_usage("monitor", "--timestamp=yes");
	ck_err_has("option '--timestamp' takes no value");

	ck_assert_int_eq(parse(&c, "monitor", "vm", "3", NULL), 0);
	ck_assert(c.vm_filter);
	ck_assert_uint_eq(c.vm, 3);
	ck_assert_int_eq(parse(&c, "monitor", "-c", "1", "--vm=0x10", "-t",
			       NULL), 0);
	ck_assert(c.vm_filter);
	ck_assert_uint_eq(c.vm, 16);
	ck_assert_uint_eq(c.count, 1);
	ck_assert_int_eq(parse(&c, "monitor", "--vm", "4", "vm", "5", NULL),
			 0);
	ck_assert_uint_eq(c.vm, 5);
	ck_usage("monitor", "vm");
	ck_err_has("monitor: 'vm' needs VM");
	ck_usage("monitor", "--vm");
	ck_err_has("option '--vm' needs VM");
	ck_usage("monitor", "vm", "x");
	ck_err_has("bad --vm 'x': not a number");
	ck_usage("monitor", "--", "vm", "3");
	ck_err_has("unexpected argument 'vm'");
	ck_usage("monitor", "view", "3");
	ck_err_has("unexpected argument 'view'");
	/* Only monitor has the keyword: elsewhere "vm" is an argument. */
	ck_usage("stats", "vm");
	ck_err_has("stats: bad VM 'vm'");
}
END_TEST

/*
 * The same event, both ways: wanted when no filter is set or the VM
 * matches, dropped otherwise.
 */
START_TEST(monitor_filter_decision)
{
	struct altp2m_event ev = { .type = ALTP2M_CMD_VM_CREATED, .vm_id = 7 };
	struct cli_cmd c;

	ck_assert_int_eq(parse(&c, "monitor", NULL), 0);
	ck_assert(cli_event_wanted(&c, &ev));
	ck_assert_int_eq(parse(&c, "monitor", "vm", "7", NULL), 0);
	ck_assert(cli_event_wanted(&c, &ev));
	ck_assert_int_eq(parse(&c, "monitor", "vm", "8", NULL), 0);
	ck_assert(!cli_event_wanted(&c, &ev));
	ck_assert_int_eq(parse(&c, "monitor", "vm", "0", NULL), 0);
	ck_assert(!cli_event_wanted(&c, &ev));
}
END_TEST

/* Usage text, captured. */
static char *usage_of(const char *group, const char *sub)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	cli_usage(f, group, sub);
	fclose(f);
	return buf;
}

START_TEST(usage_texts)
{
	char *u;

	u = usage_of(NULL, NULL);
	ck_assert_ptr_eq(strstr(u, "Usage: altp2mctl [OPTIONS] COMMAND"), u);
	ck_assert_ptr_nonnull(strstr(u, "  vm enable "));
	ck_assert_ptr_nonnull(strstr(u, "  monitor "));
	ck_assert_ptr_nonnull(strstr(u, "Exit status: 0 success, 1 operation failed, 2 usage error."));
	free(u);
	/* An unknown group gets the overview. */
	u = usage_of("nonsense", NULL);
	ck_assert_ptr_eq(strstr(u, "Usage: altp2mctl [OPTIONS]"), u);
	free(u);
	u = usage_of("vm", NULL);
	ck_assert_ptr_eq(strstr(u, "Usage: altp2mctl vm list\n"
				   "       altp2mctl vm show VM\n"), u);
	ck_assert_ptr_nonnull(strstr(u, "  disable "));
	free(u);
	u = usage_of("vm", "enable");
	ck_assert_ptr_eq(strstr(u, "Usage: altp2mctl vm enable VM "
				   "[--max-views N] [--mode MODE]\n"), u);
	ck_assert_ptr_nonnull(strstr(u, "--max-views N"));
	ck_assert_ptr_nonnull(strstr(u, "-h, --help"));
	ck_assert_ptr_null(strstr(u, "--vcpu"));
	free(u);
	u = usage_of("view", "destroy");
	ck_assert_ptr_nonnull(strstr(u, "VIEW is below 512.\n"));
	free(u);
	u = usage_of("access", "set");
	ck_assert_ptr_nonnull(strstr(u, "-f, --file FILE"));
	ck_assert_ptr_nonnull(strstr(u, "ACCESS: n r w rw"));
	free(u);
	u = usage_of("caps", "whatever");
	ck_assert_ptr_eq(strstr(u, "Usage: altp2mctl caps\n"), u);
	free(u);
	u = usage_of("monitor", NULL);
	ck_assert_ptr_eq(strstr(u, "Usage: altp2mctl monitor [vm VM] "
				   "[--count N] [--timeout SECONDS] [-t]\n"), u);
	ck_assert_ptr_nonnull(strstr(u, "  -t, --timestamp "));
	ck_assert_ptr_nonnull(strstr(u, "      --vm VM "));
	ck_assert_ptr_nonnull(strstr(u, "      --timeout SECONDS "));
	ck_assert_ptr_nonnull(strstr(u, "The global options (-j, -d: see "));
	free(u);
	u = usage_of(NULL, NULL);
	ck_assert_ptr_nonnull(strstr(u, "Options (before or after COMMAND):\n"
					"  -j, --json "));
	free(u);
}
END_TEST

/* No help line of any command ends in blanks. */
START_TEST(usage_no_trailing_blanks)
{
	const char *group, *sub;
	unsigned int i;
	char *u;

	for (i = 0; i < cli_ncmds(); i++) {
		cli_cmd_words(i, &group, &sub);
		u = usage_of(group, sub);
		ck_assert_msg(!strstr(u, " \n"), "%s %s: %s", group,
			      sub ? sub : "", u);
		free(u);
		u = usage_of(group, NULL);
		ck_assert_ptr_null(strstr(u, " \n"));
		free(u);
	}
	u = usage_of(NULL, NULL);
	ck_assert_ptr_null(strstr(u, " \n"));
	free(u);
}
END_TEST

static Suite *cli_args_suite(void)
{
	Suite *s = suite_create("cli-args");
	TCase *tc = tcase_create("commands");

	tcase_add_test(tc, global_options);
	tcase_add_test(tc, global_options_after_command);
	tcase_add_test(tc, help_everywhere);
	tcase_add_test(tc, help_unknown);
	tcase_add_test(tc, uapi_bounds);
	tcase_add_test(tc, vm_commands);
	tcase_add_test(tc, view_commands);
	tcase_add_test(tc, access_commands);
	tcase_add_test(tc, sve_remap_revert);
	tcase_add_test(tc, hidden_commands);
	tcase_add_test(tc, switch_visibility_vcpus_stats);
	tcase_add_test(tc, monitor_options);
	tcase_add_test(tc, monitor_timestamp_and_filter);
	tcase_add_test(tc, monitor_filter_decision);
	tcase_add_test(tc, usage_texts);
	tcase_add_test(tc, usage_no_trailing_blanks);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(cli_args_suite)
