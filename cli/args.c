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
 * The global options (-j, -d, -h) are taken after the command as well as
 * before it, and an option may have a keyword form ("monitor vm 3").
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
	ARG_ADDR,	/* mem read's address */
	ARG_LEN,	/* mem read's length */
	ARG_NFRAMES,	/* hidden's N; the one argument that may be left out */
};

static const char *const arg_name[] = {
	[ARG_VM]	= "VM",
	[ARG_VIEW]	= "VIEW",
	[ARG_GFN]	= "GFN",
	[ARG_RANGE]	= "GFN[-GFN]",
	[ARG_TARGET]	= "TO_GFN",
	[ARG_ACCESS]	= "ACCESS",
	[ARG_ONOFF]	= "on|off",
	[ARG_ADDR]	= "ADDR",
	[ARG_LEN]	= "LEN",
	[ARG_NFRAMES]	= "N",
};

enum cli_optid {
	OPT_MAX_VIEWS,
	OPT_MODE,
	OPT_DEFAULT_ACCESS,
	OPT_FILE,
	OPT_VCPU,
	OPT_VM,
	OPT_COUNT,
	OPT_TIMEOUT,
	OPT_TIMESTAMP,
	OPT_EVENTS,
	OPT_ASYNC,
	OPT_VIEW,
	OPT_GVA,
	OPT_RAW,
	OPT_FOR,
	OPT_MAP,
	OPT_FN,
	OPT_SYNC,
	OPT_BP_ASYNC,
	OPT_SECONDS,
	OPT_NR
};

struct cli_optdesc {
	const char *name;	/* long, without "--" */
	char short_name;	/* 0: none */
	const char *arg;	/* what the value is called; NULL: a flag */
	const char *help;
	bool keyword;		/* also "NAME VALUE", iproute2-style */
};

#define STR_(x)	#x
#define STR(x)	STR_(x)

static const struct cli_optdesc optdesc[OPT_NR] = {
	[OPT_MAX_VIEWS] = { "max-views", 0, "N",
		"view indices below N, 1 .. " STR(ALTP2M_MAX_VIEWS)
		" (default 10)" },
	[OPT_MODE] = { "mode", 0, "MODE",
		"external (default), mixed or limited" },
	[OPT_DEFAULT_ACCESS] = { "default-access", 0, "ACCESS",
		"what lazy fill gives (default: default, rwx)" },
	[OPT_FILE] = { "file", 'f', "FILE",
		"read \"GFN[-GFN] VALUE\" lines (- for stdin)" },
	[OPT_VCPU] = { "vcpu", 0, "N",
		"only vCPU N, 0 .. " STR(ALTP2M_MAX_VCPUS) " - 1 (default: every vCPU)" },
	[OPT_VM] = { "vm", 0, "VM",
		"only VM's events (also written 'vm VM')", true },
	[OPT_COUNT] = { "count", 'c', "N",
		"exit after N events" },
	[OPT_TIMEOUT] = { "timeout", 0, "SECONDS",
		"exit after SECONDS (status 1 before --count)" },
	[OPT_TIMESTAMP] = { "timestamp", 't', NULL,
		"start each event with the time it was read" },
	[OPT_EVENTS] = { "events", 'e', "LIST",
		"events to enable, comma-separated (LIST below)" },
	[OPT_ASYNC] = { "async", 0, NULL,
		"cr, msr, guest-request, cpuid asynchronous (default: sync)" },
	[OPT_VIEW] = { "view", 0, "N",
		"read through view N (default: 0; with --gva, the vCPU's)" },
	[OPT_GVA] = { "gva", 0, NULL,
		"ADDR is linear, translated by --vcpu's paging" },
	[OPT_RAW] = { "raw", 0, NULL, "the bytes as they are, no hexdump" },
	[OPT_FOR] = { "for", 0, "SECONDS",
		"hold the pause this long (default: until interrupted)" },
	[OPT_MAP] = { "map", 0, "FILE",
		"the guest kernel's System.map or /proc/kallsyms" },
	[OPT_FN] = { "fn", 0, "NAME[:ARGSPEC]",
		"trace function NAME (repeatable, up to "
		STR(CLI_TRACE_MAX_FNS) ")" },
	[OPT_SYNC] = { "sync", 0, NULL,
		"park the vCPU at each hit (default with s or *s)" },
	[OPT_BP_ASYNC] = { "async", 0, NULL,
		"let vCPUs run on (default without s or *s)" },
	[OPT_SECONDS] = { "seconds", 0, "SECONDS",
		"stop after SECONDS" },
};

/*
 * Options of every command, before or after it. (-t may come before the
 * command too, as in `ip -t monitor`, but only monitor takes it.)
 */
enum cli_globid {
	GLOB_JSON,
	GLOB_DEVICE,
	GLOB_HELP,
	GLOB_NR
};

static const struct cli_optdesc globdesc[GLOB_NR] = {
	[GLOB_JSON] = { "json", 'j', NULL, "machine-readable JSON output" },
	[GLOB_DEVICE] = { "device", 'd', "PATH",
		"device node for caps and version (default "
		ALTP2M_DEFAULT_DEVICE ")" },
	[GLOB_HELP] = { "help", 'h', NULL, "show this help" },
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
	{ "hidden", "add", CLI_OP_HIDDEN_ADD, 3,
	  { ARG_VM, ARG_GFN, ARG_NFRAMES }, 0, 0, "VM GFN [N]",
	  "add N (default 1) hidden frames from GFN, outside guest RAM" },
	{ "hidden", "remove", CLI_OP_HIDDEN_REMOVE, 3,
	  { ARG_VM, ARG_GFN, ARG_NFRAMES }, 0, 0, "VM GFN [N]",
	  "remove hidden frames; the remaps to them revert" },
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
	  O(OPT_VM) | O(OPT_COUNT) | O(OPT_TIMEOUT) | O(OPT_TIMESTAMP),
	  "[vm VM] [--count N] [--timeout SECONDS] [-t]",
	  "print VM and view events as they happen" },
	{ "monitor", "attach", CLI_OP_MON_ATTACH, 1, { ARG_VM }, 0,
	  O(OPT_EVENTS) | O(OPT_ASYNC) | O(OPT_COUNT) | O(OPT_TIMEOUT) |
	  O(OPT_TIMESTAMP),
	  "VM --events LIST [--async] [--count N] [--timeout SECONDS] [-t]",
	  "attach as the VM's monitor and print its events live" },
	{ "monitor", "pause", CLI_OP_MON_PAUSE, 1, { ARG_VM }, 0,
	  O(OPT_VCPU) | O(OPT_FOR), "VM [--vcpu N] [--for SECONDS]",
	  "pause vCPUs while altp2mctl runs" },
	{ "mem", "read", CLI_OP_MEM_READ, 3, { ARG_VM, ARG_ADDR, ARG_LEN }, 0,
	  O(OPT_VIEW) | O(OPT_GVA) | O(OPT_VCPU) | O(OPT_RAW),
	  "VM ADDR LEN [--view N] [--gva --vcpu N] [--raw]",
	  "read guest memory (hexdump)" },
	{ "regs", "get", CLI_OP_REGS_GET, 1, { ARG_VM }, 0, O(OPT_VCPU),
	  "VM [--vcpu N]", "show a vCPU's registers (paused for the read)" },
	{ "trace", NULL, CLI_OP_TRACE, 1, { ARG_VM }, 0,
	  O(OPT_MAP) | O(OPT_FN) | O(OPT_SYNC) | O(OPT_BP_ASYNC) |
	  O(OPT_COUNT) | O(OPT_SECONDS),
	  "VM --map FILE --fn NAME[:ARGSPEC] [--fn ...] [--sync|--async]\n"
	  "VM ... [--count N] [--seconds SECONDS]",
	  "trace guest kernel functions with hidden breakpoints" },
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

/* The subcommand @sub of @group, exactly; NULL if it has none such. */
static const struct cli_desc *find_sub(const char *group, const char *sub)
{
	unsigned int i;

	for (i = 0; sub && i < NCMDS; i++)
		if (!strcmp(cmds[i].group, group) && cmds[i].sub &&
		    !strcmp(cmds[i].sub, sub))
			return &cmds[i];
	return NULL;
}

/*
 * A group is a command (sub NULL), subcommands, or both ("monitor" and
 * "monitor attach"): a word that names a subcommand picks it.
 */
static const struct cli_desc *find_cmd(const char *group, const char *sub)
{
	const struct cli_desc *d = find_sub(group, sub);
	unsigned int i;

	if (d)
		return d;
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

/* Any subcommand, whether or not the group is a command itself. */
static bool group_has_subs(const char *group)
{
	unsigned int i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].group, group) && cmds[i].sub)
			return true;
	return false;
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

/* "-f, --file FILE" or "    --vcpu N", for the help's option lists. */
static void opt_left(char *buf, size_t len, const struct cli_optdesc *od)
{
	snprintf(buf, len, "%c%c%c --%s%s%s", od->short_name ? '-' : ' ',
		 od->short_name ? od->short_name : ' ',
		 od->short_name ? ',' : ' ', od->name, od->arg ? " " : "",
		 od->arg ? od->arg : "");
}

/* The options of d and -h in an aligned list, then the other globals. */
static void print_options(FILE *f, const struct cli_desc *d)
{
	char left[48];
	unsigned int i;

	fprintf(f, "\nOptions:\n");
	for (i = 0; i < OPT_NR; i++) {
		if (!(d->opts & O(i)))
			continue;
		opt_left(left, sizeof(left), &optdesc[i]);
		fprintf(f, "  %-24s %s\n", left, optdesc[i].help);
	}
	opt_left(left, sizeof(left), &globdesc[GLOB_HELP]);
	fprintf(f, "  %-24s %s\n", left, globdesc[GLOB_HELP].help);
	fprintf(f, "\nThe global options (");
	for (i = 0; i < GLOB_NR; i++)
		if (i != GLOB_HELP)
			fprintf(f, "%s-%c", i ? ", " : "", globdesc[i].short_name);
	fprintf(f, ": see '%s --help') work here too.\n", CLI_NAME);
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
		fprintf(f, "\nVM and VIEW are numbers (decimal or 0x hex); VIEW is below "
			STR(ALTP2M_MAX_VIEWS) ".\n");
	else if (vm)
		fprintf(f, "\nVM is a number (decimal or 0x hex).\n");
	if (gfn)
		fprintf(f, "GFNs are frame numbers (address >> 12), decimal or 0x hex.\n");
	if (access)
		fprintf(f, "ACCESS: n r w rw x rx wx rwx rx2rw n2rwx default.\n");
	if (d->op == CLI_OP_HIDDEN_ADD || d->op == CLI_OP_HIDDEN_REMOVE)
		fprintf(f, "N: how many frames, 1 .. " STR(ALTP2M_MAX_HIDDEN_ADD)
			" (default 1).\n");
	if (d->opts & O(OPT_FILE))
		fprintf(f, "--file: one \"GFN[-GFN] VALUE\" per line, '#' starts a comment;\n"
			"every line is checked before anything is sent.\n");
	if (d->opts & O(OPT_EVENTS))
		fprintf(f, "LIST: violation breakpoint singlestep cr0 cr3 cr4 msr:INDEX\n"
			"guest-request cpuid. Synchronous events are answered \"continue\".\n"
			"Ctrl-C detaches: the module undoes what the monitor set up.\n");
	if (d->op == CLI_OP_MON_PAUSE)
		fprintf(f, "A pause lasts while altp2mctl runs: it resumes the vCPUs when\n"
			"--for ends or on Ctrl-C, and the module does if it dies.\n");
	if (d->op == CLI_OP_TRACE)
		fprintf(f, "ARGSPEC: up to 6 of x (hex) u (unsigned) d (int) s (string at the\n"
			"argument) *s (string at the pointer the argument points to), comma-\n"
			"separated, for rdi rsi rdx rcx r8 r9: --fn do_sys_openat2:d,s,x.\n"
			"Hits print live; Ctrl-C, --count or --seconds unhides every breakpoint\n"
			"and prints a summary. Needs EPT execute-only; enables views if need be.\n");
	if (d->op == CLI_OP_MEM_READ)
		fprintf(f, "ADDR and LEN: decimal or 0x hex; LEN at most " STR(CLI_MEM_MAX)
			". A read that stops at\nmissing memory prints what it got and fails.\n");
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
		"Options (before or after COMMAND):\n");
	for (i = 0; i < GLOB_NR; i++) {
		opt_left(left, sizeof(left), &globdesc[i]);
		fprintf(f, "  %-19s %s\n", left, globdesc[i].help);
	}
	fprintf(f,
		"\n"
		"'%s COMMAND --help' shows a command's arguments and options.\n"
		"\n"
		"Exit status: 0 success, 1 operation failed, 2 usage error.\n",
		CLI_NAME);
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
		/* "monitor" is a command and the group of "monitor attach". */
		if (!d->sub && group_has_subs(group)) {
			fprintf(f, "\nSubcommands: ");
			print_subs(f, group);
			fprintf(f, " ('%s %s SUBCOMMAND --help').\n", CLI_NAME,
				group);
		}
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

/* One of the options in mask (O(OPT_*) bits), by long name or letter. */
static const struct cli_optdesc *find_long(unsigned int mask,
					   const char *name, size_t len,
					   unsigned int *id)
{
	unsigned int i;

	for (i = 0; i < OPT_NR; i++) {
		if (!(mask & O(i)) || strlen(optdesc[i].name) != len ||
		    strncmp(optdesc[i].name, name, len))
			continue;
		*id = i;
		return &optdesc[i];
	}
	return NULL;
}

static const struct cli_optdesc *find_short(unsigned int mask, char c,
					    unsigned int *id)
{
	unsigned int i;

	for (i = 0; i < OPT_NR; i++) {
		if ((mask & O(i)) && optdesc[i].short_name == c) {
			*id = i;
			return &optdesc[i];
		}
	}
	return NULL;
}

/* The same in globdesc; GLOB_NR when it is none of them. */
static unsigned int find_global(const char *name, size_t len, char c)
{
	unsigned int i;

	for (i = 0; i < GLOB_NR; i++) {
		if (c ? globdesc[i].short_name == c :
		    strlen(globdesc[i].name) == len &&
		    !strncmp(globdesc[i].name, name, len))
			break;
	}
	return i;
}

/* Before the command, monitor's -t is taken too (`ip -t monitor`). */
#define BEFORE_CMD_OPTS	O(OPT_TIMESTAMP)

struct scan {
	const char *pos[MAX_ARGS];
	unsigned int npos;
	const char *opt[OPT_NR];	/* values; the last one given counts */
	const char *fns[CLI_TRACE_MAX_FNS];	/* --fn: every one counts */
	unsigned int nfns;
	bool help;
	char err[160];			/* the first error, if any */
};

static void scan_error(struct scan *s, const char *fmt, ...) __printf(2, 3);

/* Keeps the first error only: it is the one the user typed first. */
static void scan_error(struct scan *s, const char *fmt, ...)
{
	va_list ap;

	if (*s->err)
		return;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
}

/*
 * The value of option od: val when it was attached ("--name=val",
 * "-xval"), else the next word. NULL when there is none (the error is
 * in s).
 */
static const char *opt_value(const struct cli_optdesc *od, const char *val,
			     int argc, char *const *argv, int *i,
			     struct scan *s, bool is_short)
{
	if (val)
		return val;
	if (*i + 1 < argc)
		return argv[++*i];
	if (is_short)
		scan_error(s, "option '-%c' needs %s", od->short_name, od->arg);
	else
		scan_error(s, "option '--%s' needs %s", od->name, od->arg);
	return NULL;
}

static void take_global(struct cli_cmd *c, unsigned int g, const char *val,
			struct scan *s)
{
	switch (g) {
	case GLOB_JSON:
		c->json = true;
		break;
	case GLOB_DEVICE:
		c->device = val;
		break;
	case GLOB_HELP:
	default:
		s->help = true;
		break;
	}
}

/* An option's value; --fn is the one option that adds up. */
static void set_opt(struct scan *s, unsigned int id, const char *val)
{
	s->opt[id] = val;
	if (id != OPT_FN)
		return;
	if (s->nfns == CLI_TRACE_MAX_FNS)
		scan_error(s, "more than %d --fn", CLI_TRACE_MAX_FNS);
	else
		s->fns[s->nfns++] = val;
}

/* "--name" or "--name=value": one of mask's options or a global one. */
static void take_long(struct cli_cmd *c, unsigned int mask, int argc,
		      char *const *argv, int *i, struct scan *s)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '='), *val;
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const struct cli_optdesc *od;
	unsigned int id = 0, g = GLOB_NR;

	od = find_long(mask, name, len, &id);
	if (!od) {
		g = find_global(name, len, 0);
		if (g == GLOB_NR) {
			scan_error(s, "unknown option '%s'", argv[*i]);
			return;
		}
		od = &globdesc[g];
	}
	if (!od->arg) {
		if (eq)
			scan_error(s, "option '--%s' takes no value", od->name);
		else if (g < GLOB_NR)
			take_global(c, g, NULL, s);
		else
			set_opt(s, id, argv[*i]);
		return;
	}
	val = opt_value(od, eq ? eq + 1 : NULL, argc, argv, i, s, false);
	if (!val)
		return;
	if (g < GLOB_NR)
		take_global(c, g, val, s);
	else
		set_opt(s, id, val);
}

/* Bundled letters, getopt-style: "-jt", "-c3", "-jd PATH". */
static void take_short(struct cli_cmd *c, unsigned int mask, int argc,
		       char *const *argv, int *i, struct scan *s)
{
	const char *a = argv[*i] + 1, *val;
	const struct cli_optdesc *od;
	unsigned int id = 0, g;

	for (; *a; a++) {
		g = GLOB_NR;
		od = find_short(mask, *a, &id);
		if (!od) {
			g = find_global(NULL, 0, *a);
			if (g == GLOB_NR) {
				scan_error(s, "unknown option '-%c'", *a);
				return;
			}
			od = &globdesc[g];
		}
		if (!od->arg) {
			if (g < GLOB_NR)
				take_global(c, g, NULL, s);
			else
				set_opt(s, id, argv[*i]);
			continue;
		}
		/* The rest of the word, or the next one, is the value. */
		val = opt_value(od, a[1] ? a + 1 : NULL, argc, argv, i, s,
				true);
		if (val && g < GLOB_NR)
			take_global(c, g, val, s);
		else if (val)
			set_opt(s, id, val);
		return;
	}
}

/* A word that names one of d's keyword options ("vm" in "monitor vm 3"). */
static bool take_keyword(const struct cli_desc *d, int argc,
			 char *const *argv, int *i, struct scan *s)
{
	const struct cli_optdesc *od;
	unsigned int id;

	od = find_long(d->opts, argv[*i], strlen(argv[*i]), &id);
	if (!od || !od->keyword)
		return false;
	if (*i + 1 >= argc)
		scan_error(s, "'%s' needs %s", od->name, od->arg);
	else
		s->opt[id] = argv[++*i];
	return true;
}

/*
 * Sorts a command's words into options and arguments. --help anywhere
 * wins over any error, so that a half-typed command still gets its help;
 * otherwise the first error is reported. Global options are taken here
 * too: people add -j at the end of a line they already typed.
 */
static int scan_args(struct cli_cmd *c, const struct cli_desc *d, int argc,
		     char *const *argv, struct scan *s, FILE *err)
{
	bool dashdash = false;
	const char *a;
	int i;

	for (i = 0; i < argc; i++) {
		a = argv[i];
		if (dashdash || a[0] != '-' || !a[1]) {
			if (!dashdash && take_keyword(d, argc, argv, &i, s))
				continue;
			if (s->npos < MAX_ARGS && s->npos < d->nargs)
				s->pos[s->npos++] = a;
			else
				scan_error(s, "unexpected argument '%s'", a);
		} else if (!strcmp(a, "--")) {
			dashdash = true;
		} else if (a[1] == '-') {
			take_long(c, d->opts, argc, argv, &i, s);
		} else {
			take_short(c, d->opts, argc, argv, &i, s);
		}
	}
	if (s->help || !*s->err)
		return 0;
	return usage_error(err, d, "%s", s->err);
}

static int bad_value(FILE *err, const struct cli_desc *d, const char *what,
		     const char *val, int perr, uint32_t lo, uint32_t hi)
{
	if (perr == -CLI_PERR_RANGE)
		return usage_error(err, d, "bad %s '%s': %s (%u .. %u)", what,
				   val, cli_perr_str(perr), lo, hi);
	return usage_error(err, d, "bad %s '%s': %s", what, val,
			   cli_perr_str(perr));
}

/*
 * Numbers the uAPI bounds are checked here, so that a typo is a usage
 * error and nothing is sent; the kernel checks them again, and the VM's
 * own limits (its max_views, its vCPUs) only it knows.
 */
static int fill_arg(struct cli_cmd *c, const struct cli_desc *d,
		    enum cli_arg kind, const char *a, FILE *err)
{
	int ret;

	switch (kind) {
	case ARG_VM:
		ret = cli_parse_u32(a, &c->vm);
		break;
	case ARG_VIEW:
		ret = cli_parse_u32_range(a, 0, ALTP2M_MAX_VIEWS - 1, &c->view);
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
	case ARG_ADDR:
		ret = cli_parse_u64(a, &c->addr);
		break;
	case ARG_LEN:
		ret = cli_parse_u64(a, &c->len);
		if (!ret && (!c->len || c->len > CLI_MEM_MAX))
			return usage_error(err, d, "LEN must be 1 .. %u",
					   CLI_MEM_MAX);
		break;
	case ARG_NFRAMES:
		ret = cli_parse_u64(a, &c->npages);
		if (!ret && (!c->npages || c->npages > ALTP2M_MAX_HIDDEN_ADD))
			return usage_error(err, d, "N must be 1 .. %u",
					   ALTP2M_MAX_HIDDEN_ADD);
		break;
	case ARG_ONOFF:
	default:
		ret = cli_parse_onoff(a, &c->on);
		break;
	}
	if (!ret)
		return 0;
	return bad_value(err, d, arg_name[kind], a, ret, 0,
			 ALTP2M_MAX_VIEWS - 1);
}

/* Every --fn in the order given; *bad is the one at fault. */
static int fill_fns(struct cli_cmd *c, const struct scan *s, const char **bad)
{
	unsigned int i;
	int ret;

	for (i = 0; i < s->nfns; i++) {
		ret = cli_trace_fn_parse(s->fns[i], &c->fns[i]);
		if (ret) {
			*bad = s->fns[i];
			return ret;
		}
	}
	c->nfns = s->nfns;
	return 0;
}

/* Option values, checked in a fixed order so the first error is stable. */
static int fill_opts(struct cli_cmd *c, const struct cli_desc *d,
		     const struct scan *s, FILE *err)
{
	uint32_t u32, lo = 0, hi = 0;
	unsigned int id;
	char what[24];
	const char *v;
	int ret = 0;

	for (id = 0; id < OPT_NR; id++) {
		v = s->opt[id];
		if (!v)
			continue;
		switch (id) {
		case OPT_MAX_VIEWS:
			/*
			 * 0 would mean the module's default, which leaving
			 * the option out already says.
			 */
			lo = 1;
			hi = ALTP2M_MAX_VIEWS;
			ret = cli_parse_u32_range(v, lo, hi, &c->max_views);
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
			lo = 0;
			hi = ALTP2M_MAX_VCPUS - 1;
			ret = cli_parse_u32_range(v, lo, hi, &u32);
			c->vcpu = u32;
			break;
		case OPT_VM:
			ret = cli_parse_u32(v, &c->vm);
			c->vm_filter = true;
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
		case OPT_TIMESTAMP:
			c->timestamp = true;
			break;
		case OPT_EVENTS:
			ret = cli_parse_events(v, &c->events);
			break;
		case OPT_ASYNC:
			c->async = true;
			break;
		case OPT_VIEW:
			lo = 0;
			hi = ALTP2M_MAX_VIEWS - 1;
			ret = cli_parse_u32_range(v, lo, hi, &c->view);
			c->view_set = true;
			break;
		case OPT_GVA:
			c->gva = true;
			break;
		case OPT_RAW:
			c->raw = true;
			break;
		case OPT_FOR:
			ret = cli_parse_seconds_ms(v, &c->hold_ms);
			break;
		case OPT_MAP:
			ret = *v ? 0 : -CLI_PERR_EMPTY;
			c->map = v;
			break;
		case OPT_FN:
			ret = fill_fns(c, s, &v);
			break;
		case OPT_SYNC:
			c->trace_sync = true;
			break;
		case OPT_BP_ASYNC:
			c->async = true;
			break;
		case OPT_SECONDS:
			ret = cli_parse_seconds_ms(v, &c->seconds_ms);
			break;
		}
		if (ret) {
			snprintf(what, sizeof(what), "--%s", optdesc[id].name);
			return bad_value(err, d, what, v, ret, lo, hi);
		}
	}
	return 0;
}

static int check_trace(const struct cli_cmd *c, const struct cli_desc *d,
		       FILE *err)
{
	unsigned int i, j;
	bool mem = false;

	if (!c->map)
		return usage_error(err, d, "missing --map");
	if (!c->nfns)
		return usage_error(err, d, "missing --fn");
	for (i = 0; i < c->nfns; i++) {
		mem |= cli_trace_fn_reads_mem(&c->fns[i]);
		for (j = 0; j < i; j++)
			if (!strcmp(c->fns[i].name, c->fns[j].name))
				return usage_error(err, d, "--fn %s given twice",
						   c->fns[i].name);
	}
	if (c->trace_sync && c->async)
		return usage_error(err, d, "--sync and --async exclude each other");
	/* A string is read while the vCPU waits: only a sync hit waits. */
	if (mem && c->async)
		return usage_error(err, d,
				   "--async cannot read s or *s arguments (the vCPU runs on)");
	return 0;
}

/* What each option means alone is checked; what they mean together here. */
static int check_combination(const struct cli_cmd *c,
			     const struct cli_desc *d, FILE *err)
{
	if (c->op == CLI_OP_MON_ATTACH && !c->events.types)
		return usage_error(err, d, "missing --events");
	if (c->op == CLI_OP_MEM_READ && c->gva && c->vcpu < 0)
		return usage_error(err, d, "--gva needs --vcpu");
	if (c->op == CLI_OP_MEM_READ && !c->gva && c->vcpu >= 0)
		return usage_error(err, d, "--vcpu is for --gva");
	if (c->op == CLI_OP_MEM_READ && c->raw && c->json)
		return usage_error(err, d, "--raw and --json exclude each other");
	if (c->op == CLI_OP_TRACE)
		return check_trace(c, d, err);
	return 0;
}

/*
 * The command d, its words argv[0 .. argc - 1] after its name; before:
 * the options that came before the command.
 */
static int parse_cmd(struct cli_cmd *c, const struct cli_desc *d, int argc,
		     char *const *argv, const struct scan *before, FILE *err)
{
	unsigned int i, want;
	struct scan s;
	int ret;

	memset(&s, 0, sizeof(s));
	ret = scan_args(c, d, argc, argv, &s, err);
	if (ret)
		return ret;
	if (s.help) {
		c->op = CLI_OP_HELP;
		c->help_group = d->group;
		c->help_sub = d->sub;
		return CLI_EXIT_OK;
	}
	for (i = 0; i < OPT_NR; i++) {
		if (!before->opt[i])
			continue;
		if (!(d->opts & O(i)))
			return usage_error(err, d,
					   "'--%s' (-%c) is not one of its options",
					   optdesc[i].name, optdesc[i].short_name);
		if (!s.opt[i])
			s.opt[i] = before->opt[i];
	}
	c->op = d->op;
	want = s.opt[OPT_FILE] ? d->nargs_file : d->nargs;
	/* A last N left out is 1. */
	if (d->nargs && d->args[d->nargs - 1] == ARG_NFRAMES) {
		c->npages = 1;
		if (s.npos == want - 1)
			want--;
	}
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
	ret = fill_opts(c, d, &s, err);
	if (ret)
		return ret;
	return check_combination(c, d, err);
}

/*
 * The options before the command; *next is where the command is. They
 * are checked at once: without a command there is no help to give.
 */
static int parse_global(struct cli_cmd *c, int argc, char *const *argv,
			struct scan *s, int *next, FILE *err)
{
	const char *a;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[1] == '-')
			take_long(c, BEFORE_CMD_OPTS, argc, argv, &i, s);
		else
			take_short(c, BEFORE_CMD_OPTS, argc, argv, &i, s);
		if (*s->err)
			return usage_error(err, NULL, "%s", s->err);
	}
	*next = i;
	return CLI_EXIT_OK;
}

/* "vm: unknown subcommand 'frob' (list, show, enable, disable)" */
static int bad_sub(FILE *err, const char *group, const char *sub)
{
	if (sub)
		fprintf(err, "%s: %s: unknown subcommand '%s' (", CLI_NAME,
			group, sub);
	else
		fprintf(err, "%s: %s: missing subcommand (", CLI_NAME, group);
	print_subs(err, group);
	fprintf(err, ")\nTry '%s %s --help'.\n", CLI_NAME, group);
	return CLI_EXIT_USAGE;
}

/* help [GROUP [SUB]]: what it names must exist, as for git and ip. */
static int parse_help(struct cli_cmd *c, int argc, char *const *argv,
		      FILE *err)
{
	const char *group = argc > 0 ? argv[0] : NULL;
	const char *sub = argc > 1 ? argv[1] : NULL;

	c->op = CLI_OP_HELP;
	if (!group)
		return CLI_EXIT_OK;
	if (!group_exists(group))
		return usage_error(err, NULL, "unknown command '%s'", group);
	if (sub && !group_has_subs(group))
		return usage_error(err, find_cmd(group, NULL),
				   "unexpected argument '%s'", sub);
	if (sub && !find_sub(group, sub))
		return bad_sub(err, group, sub);
	if (argc > 2)
		return usage_error(err, NULL, "help: unexpected argument '%s'",
				   argv[2]);
	c->help_group = group;
	c->help_sub = sub;
	return CLI_EXIT_OK;
}

int cli_parse_args(int argc, char *const *argv, struct cli_cmd *c, FILE *err)
{
	const struct cli_desc *d;
	const char *group, *sub;
	struct scan before;
	int i = 1, ret;

	memset(c, 0, sizeof(*c));
	memset(&before, 0, sizeof(before));
	c->op = CLI_OP_COUNT;
	c->vcpu = -1;
	c->timeout_ms = -1;
	c->hold_ms = -1;
	c->seconds_ms = -1;
	c->access = ALTP2M_ACCESS_DEFAULT;
	c->mode = ALTP2M_MODE_EXTERNAL;
	ret = parse_global(c, argc, argv, &before, &i, err);
	if (ret)
		return ret;
	if (before.help) {
		c->op = CLI_OP_HELP;
		return CLI_EXIT_OK;
	}
	if (i >= argc)
		return usage_error(err, NULL, "no command");
	group = argv[i++];
	if (!strcmp(group, "help"))
		return parse_help(c, argc - i, argv + i, err);
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
		if (!d)
			return bad_sub(err, group, sub);
		i++;
	} else {
		d = find_sub(group, i < argc ? argv[i] : NULL);
		if (d)
			i++;
		else
			d = find_cmd(group, NULL);
	}
	return parse_cmd(c, d, argc - i, argv + i, &before, err);
}

unsigned int cli_ncmds(void)
{
	return NCMDS;
}

void cli_cmd_words(unsigned int i, const char **group, const char **sub)
{
	*group = cmds[i].group;
	*sub = cmds[i].sub;
}

unsigned int cli_nopts(int cmd)
{
	unsigned int i, n = 0;

	if (cmd < 0)
		return GLOB_NR;
	for (i = 0; i < OPT_NR; i++)
		n += !!(cmds[cmd].opts & O(i));
	return n;
}

void cli_opt(int cmd, unsigned int i, struct cli_opt_doc *od)
{
	const struct cli_optdesc *src;
	unsigned int id;

	memset(od, 0, sizeof(*od));
	if (cmd < 0) {
		src = &globdesc[i];
	} else {
		for (id = 0; id < OPT_NR; id++)
			if ((cmds[cmd].opts & O(id)) && !i--)
				break;
		src = &optdesc[id];
		od->before_cmd = BEFORE_CMD_OPTS & O(id);
	}
	od->name = src->name;
	od->short_name = src->short_name;
	od->has_arg = src->arg;
	od->keyword = src->keyword;
}
