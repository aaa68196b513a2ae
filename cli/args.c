// SPDX-License-Identifier: GPL-2.0
/*
 * altp2mctl command line: one table describes every command (its words,
 * arguments, options and help), and cli_parse_args() turns argv into a
 * struct cli_cmd through it without touching the kernel, so that every
 * usage error can be tested and the help cannot drift from the parser.
 *
 * Options are scanned by hand rather than with getopt: it keeps global
 * state, prints its own messages, and a command's options may follow its
 * arguments ("switch 3 1 --vcpu 0") without getopt's argv permutation.
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>

#include "cli.h"

enum cli_arg {
	ARG_VM,
	ARG_VIEW,
	ARG_GFN,	/* one gfn */
	ARG_RANGE,	/* GFN or GFN-GFN */
	ARG_TARGET,	/* remap's TO_GFN */
	ARG_ACCESS,
	ARG_ONOFF,
};

static const char *const arg_name[] = {
	[ARG_VM]	= "VM",
	[ARG_VIEW]	= "VIEW",
	[ARG_GFN]	= "GFN",
	[ARG_RANGE]	= "GFN[-GFN]",
	[ARG_TARGET]	= "TO_GFN",
	[ARG_ACCESS]	= "ACCESS",
	[ARG_ONOFF]	= "on|off",
};

enum cli_optid {
	OPT_MAX_VIEWS,
	OPT_MODE,
	OPT_DEFAULT_ACCESS,
	OPT_FILE,
	OPT_VCPU,
	OPT_COUNT,
	OPT_TIMEOUT,
	OPT_NR
};

struct cli_optdesc {
	const char *name;	/* long, without "--" */
	char short_name;	/* 0: none */
	const char *arg;	/* what the value is called */
	const char *help;
};

static const struct cli_optdesc optdesc[OPT_NR] = {
	[OPT_MAX_VIEWS] = { "max-views", 0, "N",
		"view indices below N, 1 .. 512 (default 10)" },
	[OPT_MODE] = { "mode", 0, "MODE",
		"external (default), mixed or limited" },
	[OPT_DEFAULT_ACCESS] = { "default-access", 0, "ACCESS",
		"what lazy fill gives (default: default, rwx)" },
	[OPT_FILE] = { "file", 'f', "FILE",
		"read \"GFN[-GFN] VALUE\" lines (- for stdin)" },
	[OPT_VCPU] = { "vcpu", 0, "N",
		"only vCPU N (default: every vCPU)" },
	[OPT_COUNT] = { "count", 'c', "N",
		"exit after N events" },
	[OPT_TIMEOUT] = { "timeout", 't', "SECONDS",
		"exit after SECONDS (status 1 before --count)" },
};

#define O(x)	(1u << (x))
#define MAX_ARGS 4

struct cli_desc {
	const char *group;
	const char *sub;	/* NULL: the group is the command */
	enum cli_op op;
	unsigned int nargs;
	enum cli_arg args[MAX_ARGS];
	unsigned int nargs_file; /* arguments with --file */
	unsigned int opts;	/* O(OPT_*) */
	const char *synopsis;	/* alternatives separated by '\n' */
	const char *summary;
};

static const struct cli_desc cmds[] = {
	{ "caps", NULL, CLI_OP_CAPS, 0, {}, 0, 0, "",
	  "show what the module found on this host" },
	{ "version", NULL, CLI_OP_VERSION, 0, {}, 0, 0, "",
	  "show the module's API version" },
	{ "vm", "list", CLI_OP_VM_LIST, 0, {}, 0, 0, "",
	  "list the VMs this process may operate on" },
	{ "vm", "show", CLI_OP_VM_SHOW, 1, { ARG_VM }, 0, 0, "VM",
	  "show one VM" },
	{ "vm", "enable", CLI_OP_VM_ENABLE, 1, { ARG_VM }, 0,
	  O(OPT_MAX_VIEWS) | O(OPT_MODE),
	  "VM [--max-views N] [--mode MODE]",
	  "enable views on a VM" },
	{ "vm", "disable", CLI_OP_VM_DISABLE, 1, { ARG_VM }, 0, 0, "VM",
	  "disable views, destroying every view but 0" },
	{ "view", "list", CLI_OP_VIEW_LIST, 1, { ARG_VM }, 0, 0, "VM",
	  "list a VM's views" },
	{ "view", "create", CLI_OP_VIEW_CREATE, 1, { ARG_VM }, 0,
	  O(OPT_DEFAULT_ACCESS), "VM [--default-access ACCESS]",
	  "create a view; prints its index" },
	{ "view", "destroy", CLI_OP_VIEW_DESTROY, 2, { ARG_VM, ARG_VIEW }, 0,
	  0, "VM VIEW", "destroy a view" },
	{ "view", "dump", CLI_OP_VIEW_DUMP, 2, { ARG_VM, ARG_VIEW }, 0, 0,
	  "VM VIEW", "show a view's entries that differ from the host's" },
	{ "access", "set", CLI_OP_ACCESS_SET, 4,
	  { ARG_VM, ARG_VIEW, ARG_RANGE, ARG_ACCESS }, 2, O(OPT_FILE),
	  "VM VIEW GFN[-GFN] ACCESS\nVM VIEW --file FILE|-",
	  "set the access of gfns in a view" },
	{ "access", "get", CLI_OP_ACCESS_GET, 3,
	  { ARG_VM, ARG_VIEW, ARG_GFN }, 0, 0, "VM VIEW GFN",
	  "show a gfn's access and suppress-#VE bit in a view" },
	{ "sve", "set", CLI_OP_SVE_SET, 4,
	  { ARG_VM, ARG_VIEW, ARG_RANGE, ARG_ONOFF }, 2, O(OPT_FILE),
	  "VM VIEW GFN[-GFN] on|off\nVM VIEW --file FILE|-",
	  "set the suppress-#VE bit of gfns in a view" },
	{ "sve", "get", CLI_OP_SVE_GET, 3, { ARG_VM, ARG_VIEW, ARG_GFN }, 0,
	  0, "VM VIEW GFN",
	  "show a gfn's suppress-#VE bit and access in a view" },
	{ "remap", NULL, CLI_OP_REMAP, 4,
	  { ARG_VM, ARG_VIEW, ARG_GFN, ARG_TARGET }, 0, 0,
	  "VM VIEW GFN TO_GFN", "make GFN map TO_GFN's frame in a view" },
	{ "revert", NULL, CLI_OP_REVERT, 3, { ARG_VM, ARG_VIEW, ARG_GFN }, 0,
	  0, "VM VIEW GFN", "undo a remap of GFN in a view" },
	{ "switch", NULL, CLI_OP_SWITCH, 2, { ARG_VM, ARG_VIEW }, 0,
	  O(OPT_VCPU), "VM VIEW [--vcpu N]", "move vCPUs onto a view" },
	{ "visibility", NULL, CLI_OP_VISIBILITY, 3,
	  { ARG_VM, ARG_VIEW, ARG_ONOFF }, 0, O(OPT_VCPU),
	  "VM VIEW on|off [--vcpu N]",
	  "allow or forbid the guest to switch to a view with VMFUNC" },
	{ "vcpus", NULL, CLI_OP_VCPUS, 1, { ARG_VM }, 0, 0, "VM",
	  "show which view each vCPU is on" },
	{ "stats", NULL, CLI_OP_STATS, 1, { ARG_VM }, 0, 0, "VM",
	  "show a VM's counters" },
	{ "monitor", NULL, CLI_OP_MONITOR, 0, {}, 0,
	  O(OPT_COUNT) | O(OPT_TIMEOUT), "[--count N] [--timeout SECONDS]",
	  "print VM and view events as they happen" },
};

#define NCMDS ARRAY_SIZE(cmds)

static bool group_exists(const char *group)
{
	unsigned int i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].group, group))
			return true;
	return false;
}

static const struct cli_desc *find_cmd(const char *group, const char *sub)
{
	unsigned int i;

	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].group, group))
			continue;
		if (!cmds[i].sub || (sub && !strcmp(cmds[i].sub, sub)))
			return &cmds[i];
	}
	return NULL;
}

/* "list, show, enable, disable" */
static void print_subs(FILE *f, const char *group)
{
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < NCMDS; i++) {
		if (!strcmp(cmds[i].group, group) && cmds[i].sub) {
			fprintf(f, "%s%s", sep, cmds[i].sub);
			sep = ", ";
		}
	}
}

static bool has_subs(const char *group)
{
	const struct cli_desc *d = find_cmd(group, NULL);

	return !d || d->sub;
}

/* "vm enable" or "caps": how messages and help name a command. */
static void cmd_words(char *buf, size_t len, const struct cli_desc *d)
{
	snprintf(buf, len, "%s%s%s", d->group, d->sub ? " " : "",
		 d->sub ? d->sub : "");
}

/*
 * Every synopsis line of d, the first after prefix and the others
 * indented to match it.
 */
static void print_synopsis(FILE *f, const char *prefix,
			   const struct cli_desc *d)
{
	const char *p = d->synopsis, *nl;
	int indent = 0;
	char words[32];

	cmd_words(words, sizeof(words), d);
	do {
		nl = strchr(p, '\n');
		fprintf(f, "%*s%s%s %s%s%.*s\n", indent, "", indent ? "" : prefix,
			CLI_NAME, words, *p ? " " : "",
			nl ? (int)(nl - p) : (int)strlen(p), p);
		indent = strlen(prefix);
		p = nl + 1;
	} while (nl);
}

/* The options of d, and -h, in an aligned list. */
static void print_options(FILE *f, const struct cli_desc *d)
{
	char left[48];
	unsigned int i;

	fprintf(f, "\nOptions:\n");
	for (i = 0; i < OPT_NR; i++) {
		if (!(d->opts & O(i)))
			continue;
		if (optdesc[i].short_name)
			snprintf(left, sizeof(left), "-%c, --%s %s",
				 optdesc[i].short_name, optdesc[i].name,
				 optdesc[i].arg);
		else
			snprintf(left, sizeof(left), "    --%s %s",
				 optdesc[i].name, optdesc[i].arg);
		fprintf(f, "  %-24s %s\n", left, optdesc[i].help);
	}
	fprintf(f, "  %-24s %s\n", "-h, --help", "show this help");
}

static void print_names_help(FILE *f, const struct cli_desc *d)
{
	bool vm = false, view = false, access = false, gfn = false;
	unsigned int i;

	for (i = 0; i < d->nargs; i++) {
		vm |= d->args[i] == ARG_VM;
		view |= d->args[i] == ARG_VIEW;
		gfn |= d->args[i] == ARG_GFN || d->args[i] == ARG_RANGE;
		access |= d->args[i] == ARG_ACCESS;
	}
	access |= !!(d->opts & O(OPT_DEFAULT_ACCESS));
	if (view)
		fprintf(f, "\nVM and VIEW are numbers (decimal or 0x hex).\n");
	else if (vm)
		fprintf(f, "\nVM is a number (decimal or 0x hex).\n");
	if (gfn)
		fprintf(f, "GFNs are frame numbers (address >> 12), decimal or 0x hex.\n");
	if (access)
		fprintf(f, "ACCESS: n r w rw x rx wx rwx rx2rw n2rwx default.\n");
	if (d->opts & O(OPT_FILE))
		fprintf(f, "--file: one \"GFN[-GFN] VALUE\" per line, '#' starts a comment;\n"
			"every line is checked before anything is sent.\n");
}

static void usage_all(FILE *f)
{
	char left[64];
	unsigned int i;

	fprintf(f,
		"Usage: %s [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n", CLI_NAME);
	for (i = 0; i < NCMDS; i++) {
		cmd_words(left, sizeof(left), &cmds[i]);
		fprintf(f, "  %-18s %s\n", left, cmds[i].summary);
	}
	fprintf(f,
		"  help [COMMAND]     show this help, or a command's\n"
		"\n"
		"Options (before COMMAND):\n"
		"  -j, --json          machine-readable JSON output\n"
		"  -d, --device PATH   device node for caps and version (default %s)\n"
		"  -h, --help          show this help\n"
		"\n"
		"'%s COMMAND --help' shows a command's arguments and options.\n"
		"\n"
		"Exit status: 0 success, 1 operation failed, 2 usage error.\n",
		ALTP2M_DEFAULT_DEVICE, CLI_NAME);
}

void cli_usage(FILE *f, const char *group, const char *sub)
{
	const struct cli_desc *d;
	unsigned int i;
	bool first = true;

	if (!group || !group_exists(group)) {
		usage_all(f);
		return;
	}
	d = find_cmd(group, sub);
	if (d && (sub || !d->sub)) {
		print_synopsis(f, "Usage: ", d);
		fprintf(f, "\n%c%s.\n", toupper((unsigned char)d->summary[0]),
			d->summary + 1);
		print_names_help(f, d);
		print_options(f, d);
		fprintf(f, "\nExit status: 0 success, 1 operation failed, 2 usage error.\n");
		return;
	}
	/* A group: every subcommand's synopsis, then what each does. */
	for (i = 0; i < NCMDS; i++) {
		if (strcmp(cmds[i].group, group))
			continue;
		print_synopsis(f, first ? "Usage: " : "       ", &cmds[i]);
		first = false;
	}
	fprintf(f, "\n");
	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].group, group))
			fprintf(f, "  %-10s %s\n", cmds[i].sub, cmds[i].summary);
	fprintf(f, "\n'%s %s SUBCOMMAND --help' shows one in full.\n",
		CLI_NAME, group);
}

static int usage_error(FILE *err, const struct cli_desc *d,
		       const char *fmt, ...) __printf(3, 4);

/* "altp2mctl: vm enable: <message>" and the command's synopsis. */
static int usage_error(FILE *err, const struct cli_desc *d,
		       const char *fmt, ...)
{
	char words[32];
	va_list ap;

	fprintf(err, "%s: ", CLI_NAME);
	if (d) {
		cmd_words(words, sizeof(words), d);
		fprintf(err, "%s: ", words);
	}
	va_start(ap, fmt);
	vfprintf(err, fmt, ap);
	va_end(ap);
	fputc('\n', err);
	if (d)
		print_synopsis(err, "Usage: ", d);
	else
		fprintf(err, "Try '%s --help'.\n", CLI_NAME);
	return CLI_EXIT_USAGE;
}

static const struct cli_optdesc *find_long(const struct cli_desc *d,
					   const char *name, size_t len,
					   unsigned int *id)
{
	unsigned int i;

	for (i = 0; i < OPT_NR; i++) {
		if (!(d->opts & O(i)) || strlen(optdesc[i].name) != len ||
		    strncmp(optdesc[i].name, name, len))
			continue;
		*id = i;
		return &optdesc[i];
	}
	return NULL;
}

static const struct cli_optdesc *find_short(const struct cli_desc *d, char c,
					    unsigned int *id)
{
	unsigned int i;

	for (i = 0; i < OPT_NR; i++) {
		if ((d->opts & O(i)) && optdesc[i].short_name == c) {
			*id = i;
			return &optdesc[i];
		}
	}
	return NULL;
}

struct scan {
	const char *pos[MAX_ARGS];
	unsigned int npos;
	const char *opt[OPT_NR];	/* values; the last one given counts */
	bool help;
};

/*
 * Sorts a command's words into options and arguments. --help anywhere
 * wins over any error, so that a half-typed command still gets its help;
 * otherwise the first error is reported.
 */
static int scan_args(const struct cli_desc *d, int argc, char *const *argv,
		     struct scan *s, FILE *err)
{
	const struct cli_optdesc *od;
	char errmsg[160] = "";
	bool dashdash = false;
	const char *a, *eq, *val;
	unsigned int id;
	int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (dashdash || a[0] != '-' || !a[1]) {
			if (s->npos < MAX_ARGS && s->npos < d->nargs)
				s->pos[s->npos++] = a;
			else if (!*errmsg)
				snprintf(errmsg, sizeof(errmsg),
					 "unexpected argument '%s'", a);
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			s->help = true;
			continue;
		}
		val = NULL;
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			od = find_long(d, a + 2, eq ? (size_t)(eq - a - 2) :
				       strlen(a + 2), &id);
			if (eq)
				val = eq + 1;
		} else {
			od = find_short(d, a[1], &id);
			if (a[2])
				val = a + 2;
		}
		if (!od) {
			if (!*errmsg)
				snprintf(errmsg, sizeof(errmsg),
					 "unknown option '%s'", a);
			continue;
		}
		if (!val) {
			if (i + 1 >= argc) {
				if (!*errmsg)
					snprintf(errmsg, sizeof(errmsg),
						 "option '--%s' needs %s",
						 od->name, od->arg);
				continue;
			}
			val = argv[++i];
		}
		s->opt[id] = val;
	}
	if (s->help || !*errmsg)
		return 0;
	return usage_error(err, d, "%s", errmsg);
}

static int bad_value(FILE *err, const struct cli_desc *d, const char *what,
		     const char *val, int perr)
{
	return usage_error(err, d, "bad %s '%s': %s", what, val,
			   cli_perr_str(perr));
}

static int fill_arg(struct cli_cmd *c, const struct cli_desc *d,
		    enum cli_arg kind, const char *a, FILE *err)
{
	int ret;

	switch (kind) {
	case ARG_VM:
		ret = cli_parse_u32(a, &c->vm);
		break;
	case ARG_VIEW:
		ret = cli_parse_u32(a, &c->view);
		break;
	case ARG_GFN:
		ret = cli_parse_gfn(a, &c->gfn);
		break;
	case ARG_RANGE:
		ret = cli_parse_gfn_range(a, 0, &c->gfn, &c->npages);
		break;
	case ARG_TARGET:
		ret = cli_parse_gfn(a, &c->target);
		break;
	case ARG_ACCESS:
		ret = cli_parse_access(a, &c->access);
		break;
	case ARG_ONOFF:
	default:
		ret = cli_parse_onoff(a, &c->on);
		break;
	}
	return ret ? bad_value(err, d, arg_name[kind], a, ret) : 0;
}

/* Option values, checked in a fixed order so the first error is stable. */
static int fill_opts(struct cli_cmd *c, const struct cli_desc *d,
		     const struct scan *s, FILE *err)
{
	unsigned int id;
	const char *v;
	uint32_t u32;
	int ret = 0;

	for (id = 0; id < OPT_NR; id++) {
		v = s->opt[id];
		if (!v)
			continue;
		switch (id) {
		case OPT_MAX_VIEWS:
			ret = cli_parse_u32(v, &c->max_views);
			break;
		case OPT_MODE:
			ret = cli_parse_mode(v, &c->mode);
			break;
		case OPT_DEFAULT_ACCESS:
			ret = cli_parse_access(v, &c->access);
			break;
		case OPT_FILE:
			ret = *v ? 0 : -CLI_PERR_EMPTY;
			c->file = v;
			break;
		case OPT_VCPU:
			/* The library takes an int, negative for "all". */
			ret = cli_parse_u32(v, &u32);
			if (!ret && u32 > INT32_MAX)
				ret = -CLI_PERR_OVERFLOW;
			c->vcpu = u32;
			break;
		case OPT_COUNT:
			ret = cli_parse_u64(v, &c->count);
			if (!ret && !c->count)
				return usage_error(err, d,
						   "--count must be at least 1");
			break;
		case OPT_TIMEOUT:
			ret = cli_parse_seconds_ms(v, &c->timeout_ms);
			break;
		}
		if (ret)
			return usage_error(err, d, "bad --%s '%s': %s",
					   optdesc[id].name, v, cli_perr_str(ret));
	}
	return 0;
}

/* The command d, its words argv[0 .. argc - 1] after its name. */
static int parse_cmd(struct cli_cmd *c, const struct cli_desc *d, int argc,
		     char *const *argv, FILE *err)
{
	unsigned int i, want;
	struct scan s;
	int ret;

	ret = scan_args(d, argc, argv, &s, err);
	if (ret)
		return ret;
	if (s.help) {
		c->op = CLI_OP_HELP;
		c->help_group = d->group;
		c->help_sub = d->sub;
		return CLI_EXIT_OK;
	}
	c->op = d->op;
	want = s.opt[OPT_FILE] ? d->nargs_file : d->nargs;
	if (s.npos < want)
		return usage_error(err, d, "missing %s",
				   arg_name[d->args[s.npos]]);
	if (s.npos > want)
		return usage_error(err, d, "unexpected %s with --file",
				   arg_name[d->args[want]]);
	for (i = 0; i < s.npos; i++) {
		ret = fill_arg(c, d, d->args[i], s.pos[i], err);
		if (ret)
			return ret;
	}
	return fill_opts(c, d, &s, err);
}

/* --json, --help, --device PATH, --device=PATH */
static int global_long(struct cli_cmd *c, const char *a, int argc,
		       char *const *argv, int *i, FILE *err)
{
	if (!strcmp(a, "--json")) {
		c->json = true;
		return 0;
	}
	if (!strcmp(a, "--help")) {
		c->op = CLI_OP_HELP;
		return 0;
	}
	if (!strncmp(a, "--device=", 9)) {
		c->device = a + 9;
		return 0;
	}
	if (strcmp(a, "--device"))
		return usage_error(err, NULL, "unknown option '%s'", a);
	if (*i + 1 >= argc)
		return usage_error(err, NULL, "option '--device' needs PATH");
	c->device = argv[++*i];
	return 0;
}

/* Bundled short options, getopt-style: -j, -h, -d PATH, -jdPATH. */
static int global_short(struct cli_cmd *c, const char *a, int argc,
			char *const *argv, int *i, FILE *err)
{
	for (a++; *a; a++) {
		switch (*a) {
		case 'j':
			c->json = true;
			break;
		case 'h':
			c->op = CLI_OP_HELP;
			break;
		case 'd':
			if (a[1]) {
				c->device = a + 1;
				return 0;
			}
			if (*i + 1 >= argc)
				return usage_error(err, NULL,
						   "option '-d' needs PATH");
			c->device = argv[++*i];
			return 0;
		default:
			return usage_error(err, NULL, "unknown option '-%c'",
					   *a);
		}
	}
	return 0;
}

/* The options before the command; *next is where the command is. */
static int parse_global(struct cli_cmd *c, int argc, char *const *argv,
			int *next, FILE *err)
{
	const char *a;
	int i, ret;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[1] == '-')
			ret = global_long(c, a, argc, argv, &i, err);
		else
			ret = global_short(c, a, argc, argv, &i, err);
		if (ret)
			return ret;
	}
	*next = i;
	return CLI_EXIT_OK;
}

int cli_parse_args(int argc, char *const *argv, struct cli_cmd *c, FILE *err)
{
	const struct cli_desc *d;
	const char *group, *sub;
	int i = 1, ret;

	memset(c, 0, sizeof(*c));
	c->op = CLI_OP_COUNT;
	c->vcpu = -1;
	c->timeout_ms = -1;
	c->access = ALTP2M_ACCESS_DEFAULT;
	c->mode = ALTP2M_MODE_EXTERNAL;
	ret = parse_global(c, argc, argv, &i, err);
	if (ret)
		return ret;
	if (c->op == CLI_OP_HELP)
		return CLI_EXIT_OK;
	if (i >= argc)
		return usage_error(err, NULL, "no command");
	group = argv[i++];
	if (!strcmp(group, "help")) {
		/* help [GROUP [SUB]]: anything unknown gets the overview. */
		c->op = CLI_OP_HELP;
		c->help_group = i < argc ? argv[i] : NULL;
		c->help_sub = i + 1 < argc ? argv[i + 1] : NULL;
		return CLI_EXIT_OK;
	}
	if (!group_exists(group))
		return usage_error(err, NULL, "unknown command '%s'", group);
	if (has_subs(group)) {
		sub = i < argc ? argv[i] : NULL;
		if (sub && (!strcmp(sub, "--help") || !strcmp(sub, "-h"))) {
			c->op = CLI_OP_HELP;
			c->help_group = group;
			return CLI_EXIT_OK;
		}
		d = sub ? find_cmd(group, sub) : NULL;
		if (!d) {
			if (sub)
				fprintf(err, "%s: %s: unknown subcommand '%s' (",
					CLI_NAME, group, sub);
			else
				fprintf(err, "%s: %s: missing subcommand (",
					CLI_NAME, group);
			print_subs(err, group);
			fprintf(err, ")\nTry '%s %s --help'.\n", CLI_NAME, group);
			return CLI_EXIT_USAGE;
		}
		i++;
	} else {
		d = find_cmd(group, NULL);
	}
	return parse_cmd(c, d, argc - i, argv + i, err);
}
