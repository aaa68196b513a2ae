/* SPDX-License-Identifier: GPL-2.0 */
/*
 * altp2mctl internals. The pure parts (parse.c, output.c, args.c) build
 * into the unit tests too, so nothing here may need a kernel.
 */
#ifndef ALTP2MCTL_CLI_H
#define ALTP2MCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "altp2m.h"

/* Exit status, as documented in usage and altp2mctl(8). */
#define CLI_EXIT_OK	0
#define CLI_EXIT_FAIL	1	/* the operation failed */
#define CLI_EXIT_USAGE	2	/* bad command line or --file content */

#define CLI_NAME	"altp2mctl"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#ifndef __printf
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#endif

/*
 * parse.c: strings to values. Every parser returns 0 or a negative
 * CLI_PERR_*; cli_perr_str() turns that into a phrase for a message.
 */
enum cli_perr {
	CLI_PERR_OK,
	CLI_PERR_EMPTY,		/* "" */
	CLI_PERR_SYNTAX,	/* no digits where a number starts */
	CLI_PERR_TRAILING,	/* a number followed by junk */
	CLI_PERR_OVERFLOW,	/* does not fit the type */
	CLI_PERR_GFN_LIMIT,	/* above CLI_GFN_MAX */
	CLI_PERR_REVERSED,	/* range end below its start */
	CLI_PERR_TOO_BIG,	/* more gfns than allowed */
	CLI_PERR_ACCESS,	/* not an access name */
	CLI_PERR_ONOFF,		/* not on or off */
	CLI_PERR_MODE,		/* not a mode name */
	CLI_PERR_FIELDS,	/* a --file line without two fields */
	CLI_PERR_NOMEM,
	CLI_PERR_IO,		/* reading --file failed */
	CLI_PERR_RANGE,		/* a number outside what the uAPI allows */
	CLI_PERR_EVENT,		/* not a monitor event name */
	CLI_PERR_ARGSPEC,	/* not a trace ARGSPEC */
};

/*
 * A gfn is a 4 KiB frame number of a physical address of at most 64 bits,
 * so anything above 2^52 - 1 is a typo (most likely an address given
 * where a frame number was meant), whatever the module's own limit.
 */
#define CLI_GFN_MAX	((UINT64_C(1) << 52) - 1)

const char *cli_perr_str(int err);
int cli_parse_u64(const char *s, uint64_t *out);
int cli_parse_u32(const char *s, uint32_t *out);
/* As cli_parse_u32(), and -CLI_PERR_RANGE outside min .. max. */
int cli_parse_u32_range(const char *s, uint32_t min, uint32_t max,
			uint32_t *out);
int cli_parse_gfn(const char *s, uint64_t *gfn);
/* "GFN" or "GFN-GFN"; max_pages 0: no limit on the count. */
int cli_parse_gfn_range(const char *s, uint64_t max_pages, uint64_t *gfn,
			uint64_t *npages);
int cli_parse_access(const char *s, unsigned int *access);
int cli_parse_onoff(const char *s, bool *on);
int cli_parse_mode(const char *s, unsigned int *mode);
/* Whole seconds, as milliseconds that fit an int. */
int cli_parse_seconds_ms(const char *s, int *ms);

/*
 * Bulk --file content: lines "GFN VALUE" or "GFN-GFN VALUE", '#' to the
 * end of a line is a comment, blank lines are skipped. Ranges are
 * expanded, and the whole list may hold at most max entries. On error
 * errbuf says "NAME:LINE: what" and the bulk holds nothing; the error is
 * -CLI_PERR_NOMEM or -CLI_PERR_IO when the content was not at fault.
 */
enum cli_bulk_kind {
	CLI_BULK_ACCESS,	/* values: access names */
	CLI_BULK_SVE,		/* values: on, off */
};

struct cli_bulk {
	uint64_t *gfns;
	uint8_t *vals;
	size_t n;
	size_t cap;
};

int cli_bulk_parse(FILE *f, const char *name, enum cli_bulk_kind kind,
		   size_t max, struct cli_bulk *b, char *errbuf, size_t errlen);
void cli_bulk_free(struct cli_bulk *b);

/*
 * output.c: every command prints through here, as compact JSON (one
 * value per command, ended by a newline) or as aligned text.
 */
#define CLI_JSON_MAX_DEPTH	16

struct cli_out {
	FILE *f;
	bool json;
	unsigned int depth;
	bool comma[CLI_JSON_MAX_DEPTH];	/* a value came before, per level */
};

void cli_out_init(struct cli_out *o, FILE *f, bool json);

/* key NULL in arrays and at the top level, set in objects. */
void cli_json_obj_begin(struct cli_out *o, const char *key);
void cli_json_obj_end(struct cli_out *o);
void cli_json_arr_begin(struct cli_out *o, const char *key);
void cli_json_arr_end(struct cli_out *o);
void cli_json_u64(struct cli_out *o, const char *key, uint64_t v);
/* s NULL writes null. */
void cli_json_str(struct cli_out *o, const char *key, const char *s);
void cli_json_bool(struct cli_out *o, const char *key, bool v);
void cli_json_null(struct cli_out *o, const char *key);
/* A number already formatted as JSON (cli_fmt_mib's output). */
void cli_json_number(struct cli_out *o, const char *key, const char *num);
void cli_json_escape(FILE *f, const char *s);

/* Pages of 4 KiB as MiB, exact: "2", "0.5", "0.00390625". */
void cli_fmt_mib(char *buf, size_t len, uint64_t pages);

/* A text table: rows of strings, columns as wide as their widest cell. */
struct cli_table {
	unsigned int ncols;
	size_t nrows;
	size_t cap;
	char **cells;		/* nrows * ncols, each malloc'd */
};

void cli_table_init(struct cli_table *t, unsigned int ncols);
int cli_table_add(struct cli_table *t, const char *const *cells);
/*
 * headers NULL: no header line; right[i]: column i is right-aligned
 * (right NULL: all left). Columns are two spaces apart; no line ends in
 * spaces.
 */
void cli_table_print(const struct cli_table *t, FILE *f,
		     const char *const *headers, const bool *right);
void cli_table_free(struct cli_table *t);

/*
 * Records: a command describes its fields once and hands over typed
 * values; the same description gives the JSON keys and the table.
 */
enum cli_vtype {
	CLI_V_NULL,	/* JSON null, text "-" */
	CLI_V_U64,	/* decimal both ways */
	CLI_V_GFN,	/* JSON number, text 0x hex */
	CLI_V_STR,
	CLI_V_BOOL,	/* JSON true/false, text field->yes / field->no */
	CLI_V_MIB,	/* .u pages; JSON number, text, as MiB */
};

struct cli_val {
	enum cli_vtype type;
	union {
		uint64_t u;
		const char *s;
		bool b;
	};
};

#define CLI_NUL()	((struct cli_val){ .type = CLI_V_NULL })
#define CLI_U64(x)	((struct cli_val){ .type = CLI_V_U64, .u = (x) })
#define CLI_GFN(x)	((struct cli_val){ .type = CLI_V_GFN, .u = (x) })
#define CLI_STR(x)	((struct cli_val){ .type = CLI_V_STR, .s = (x) })
#define CLI_BOOL(x)	((struct cli_val){ .type = CLI_V_BOOL, .b = (x) })
#define CLI_MIB(x)	((struct cli_val){ .type = CLI_V_MIB, .u = (x) })

struct cli_field {
	const char *key;	/* JSON key; NULL: text only */
	const char *label;	/* table header or show label; NULL: JSON only */
	bool right;		/* right-align in tables */
	const char *yes;	/* CLI_V_BOOL as text (NULL: "yes"/"no") */
	const char *no;
};

/* Field descriptions: text left-aligned, numbers right, booleans named. */
#define CLI_FIELD(k, l)		{ .key = (k), .label = (l) }
#define CLI_FIELD_NUM(k, l)	{ .key = (k), .label = (l), .right = true }
#define CLI_FIELD_BOOL(k, l, y, n) \
	{ .key = (k), .label = (l), .yes = (y), .no = (n) }

struct cli_list {
	struct cli_out *out;
	const struct cli_field *fields;
	unsigned int nfields;
	struct cli_table table;
};

void cli_list_begin(struct cli_list *l, struct cli_out *o,
		    const struct cli_field *fields, unsigned int nfields);
/* vals[nfields]; -ENOMEM (only in text mode, which keeps rows). */
int cli_list_row(struct cli_list *l, const struct cli_val *vals);
void cli_list_end(struct cli_list *l);
/* One record: a JSON object, or "label  value" lines. */
int cli_show(struct cli_out *o, const struct cli_field *fields,
	     unsigned int nfields, const struct cli_val *vals);

/*
 * monitor attach --events: "violation,cr3,msr:0xc0000080,...". @types has
 * bit ALTP2M_MON_EV_* of each type named; @crs bit n for CRn; @msrs the
 * MSRs, each once.
 */
struct cli_events {
	uint32_t types;
	uint32_t crs;
	uint32_t msrs[ALTP2M_MONITOR_MAX_MSRS];
	unsigned int nmsrs;
};

int cli_parse_events(const char *s, struct cli_events *ev);

/* mem read: the most one command reads (it holds it all in memory). */
#define CLI_MEM_MAX	16777216

/*
 * trace.c: altp2mctl trace's pure parts.
 *
 * The symbol map: System.map or /proc/kallsyms lines "ADDR TYPE NAME
 * [module]", sorted by name; a symbol listed twice with one address is
 * kept once, with two addresses it is ambiguous. On error errbuf says
 * "FILE:LINE: what" and @ks holds nothing.
 */
struct cli_ksym {
	uint64_t addr;
	char type;
	char *name;
};

struct cli_ksyms {
	struct cli_ksym *v;
	size_t n, cap;
};

int cli_ksyms_parse(FILE *f, const char *fname, struct cli_ksyms *ks,
		    char *errbuf, size_t errlen);
/* 0 with *addr; -ENOENT: no such symbol; -EEXIST: several addresses. */
int cli_ksyms_lookup(const struct cli_ksyms *ks, const char *name,
		     uint64_t *addr);
void cli_ksyms_free(struct cli_ksyms *ks);

/*
 * --fn NAME[:ARGSPEC]: ARGSPEC is up to six comma-separated types of
 * the arguments in x86-64 SysV order (rdi, rsi, rdx, rcx, r8, r9):
 * x hex, u unsigned, d a C int (the low 32 bits, signed: the ABI leaves
 * the upper half of an int argument's register undefined), s the string
 * the argument points to, *s
 * the string a pointer the argument points to points to.
 */
#define CLI_TRACE_MAX_FNS	64
#define CLI_TRACE_MAX_ARGS	6
/* The longest string argument or comm read from the guest. */
#define CLI_TRACE_STR_MAX	256

enum cli_targ {
	CLI_TARG_HEX,
	CLI_TARG_UNSIGNED,
	CLI_TARG_SIGNED,
	CLI_TARG_STR,
	CLI_TARG_PSTR,
};

struct cli_trace_fn {
	char name[128];
	unsigned int nargs;
	enum cli_targ args[CLI_TRACE_MAX_ARGS];
	uint64_t addr;		/* from the map */
	uint32_t id;		/* its hidden breakpoint */
	uint64_t hits;		/* the module's count */
	uint64_t printed;	/* hits printed */
};

/* 0, or -CLI_PERR_EMPTY, _OVERFLOW (name), _SYNTAX, _TOO_BIG, _ARGSPEC. */
int cli_trace_fn_parse(const char *s, struct cli_trace_fn *fn);
/* Whether an argument is read from guest memory (s, *s). */
bool cli_trace_fn_reads_mem(const struct cli_trace_fn *fn);

/*
 * The offset of task_struct.comm: where "swapper/0" and its NUL are in
 * a copy of init_task; -1 if nowhere.
 */
long cli_comm_offset(const void *buf, size_t len);
/* The address of per-CPU variable @off on the vCPU of @r. */
uint64_t cli_percpu_addr(uint64_t off, const struct altp2m_monitor_regs *r);

/* One hit: @strs[i] for s and *s arguments (NULL: unreadable). */
struct cli_trace_hit {
	struct timespec ts;
	uint32_t vcpu;
	const struct cli_trace_fn *fn;
	uint64_t cr3;
	const char *comm;	/* NULL: not known */
	uint64_t args[CLI_TRACE_MAX_ARGS];
	const char *strs[CLI_TRACE_MAX_ARGS];
};

/*
 * "TIME vcpu N FN cr3=0x... comm="..." (ARGS)", or one JSON object a
 * line; flushed.
 */
void cli_trace_hit_print(struct cli_out *o, const struct cli_trace_hit *h);

struct cli_trace_sum {
	int64_t ms;		/* how long it traced */
	uint64_t events;	/* breakpoint events read */
	uint64_t dropped;	/* async events the rings dropped */
	bool have_stats;
	/* Summed over the vCPUs, from the start of tracing to its end. */
	struct altp2m_monitor_stats stats;
};

void cli_trace_sum_print(struct cli_out *o, const struct cli_trace_fn *fns,
			 unsigned int nfns, const struct cli_trace_sum *s);

/*
 * args.c: the command line, parsed into a struct cli_cmd without doing
 * anything, so every usage error is testable.
 */
enum cli_op {
	CLI_OP_HELP,
	CLI_OP_CAPS,
	CLI_OP_VERSION,
	CLI_OP_VM_LIST,
	CLI_OP_VM_SHOW,
	CLI_OP_VM_ENABLE,
	CLI_OP_VM_DISABLE,
	CLI_OP_VIEW_LIST,
	CLI_OP_VIEW_CREATE,
	CLI_OP_VIEW_DESTROY,
	CLI_OP_VIEW_DUMP,
	CLI_OP_ACCESS_SET,
	CLI_OP_ACCESS_GET,
	CLI_OP_SVE_SET,
	CLI_OP_SVE_GET,
	CLI_OP_REMAP,
	CLI_OP_REVERT,
	CLI_OP_SWITCH,
	CLI_OP_VISIBILITY,
	CLI_OP_VCPUS,
	CLI_OP_STATS,
	CLI_OP_MONITOR,
	CLI_OP_MON_ATTACH,
	CLI_OP_MON_PAUSE,
	CLI_OP_MEM_READ,
	CLI_OP_REGS_GET,
	CLI_OP_HIDDEN_ADD,
	CLI_OP_HIDDEN_REMOVE,
	CLI_OP_TRACE,
	CLI_OP_COUNT
};

struct cli_cmd {
	enum cli_op op;
	bool json;
	const char *device;	/* -d; NULL: the default */
	/* CLI_OP_HELP: what to describe; both NULL: everything */
	const char *help_group;
	const char *help_sub;
	uint32_t vm;
	uint32_t view;
	uint64_t gfn;
	uint64_t npages;	/* set commands with a range; hidden's N */
	uint64_t target;	/* remap */
	unsigned int access;	/* access set; view create's default */
	bool on;		/* sve set, visibility */
	bool timestamp;		/* monitor -t */
	bool vm_filter;		/* monitor vm N: only VM vm's events */
	int vcpu;		/* switch, visibility: -1 for every vCPU */
	uint32_t max_views;	/* vm enable; 0: the module's default */
	unsigned int mode;	/* vm enable */
	const char *file;	/* access/sve set --file; "-" is stdin */
	uint64_t count;		/* monitor: 0 for no limit */
	int timeout_ms;		/* monitor: -1 for none */
	struct cli_events events;	/* monitor attach */
	bool async;		/* monitor attach */
	int hold_ms;		/* monitor pause --for; -1: until a signal */
	uint64_t addr;		/* mem read */
	uint64_t len;
	bool view_set;		/* mem read --view given */
	bool gva;
	bool raw;
	const char *map;	/* trace --map */
	struct cli_trace_fn fns[CLI_TRACE_MAX_FNS];	/* trace --fn */
	unsigned int nfns;
	bool trace_sync;	/* --sync (an s or *s argument implies it) */
	int seconds_ms;		/* trace --seconds; -1: no limit */
};

/* CLI_EXIT_OK with *cmd filled, or CLI_EXIT_USAGE after a message on err. */
int cli_parse_args(int argc, char *const *argv, struct cli_cmd *cmd,
		   FILE *err);
/* Usage of everything (group NULL), a group, or one command. */
void cli_usage(FILE *f, const char *group, const char *sub);

/* altp2mctl.c: helpers shared by the commands. */
/* A netlink connection, or NULL after saying why on stderr. */
struct altp2m_conn *cli_conn(void);
struct altp2m_vm *cli_attach(uint32_t vm_id);
int cli_fail_vm(struct altp2m_vm *vm);
int cli_fail(const char *fmt, ...) __printf(1, 2);

/* One function per operation; each returns a CLI_EXIT_* value. */
int cmd_caps(const struct cli_cmd *c, struct cli_out *o);
int cmd_version(const struct cli_cmd *c, struct cli_out *o);
int cmd_vm_list(const struct cli_cmd *c, struct cli_out *o);
int cmd_vm_show(const struct cli_cmd *c, struct cli_out *o);
int cmd_vm_enable(const struct cli_cmd *c, struct cli_out *o);
int cmd_vm_disable(const struct cli_cmd *c, struct cli_out *o);
int cmd_stats(const struct cli_cmd *c, struct cli_out *o);
int cmd_view_list(const struct cli_cmd *c, struct cli_out *o);
int cmd_view_create(const struct cli_cmd *c, struct cli_out *o);
int cmd_view_destroy(const struct cli_cmd *c, struct cli_out *o);
int cmd_view_dump(const struct cli_cmd *c, struct cli_out *o);
int cmd_access_set(const struct cli_cmd *c, struct cli_out *o);
int cmd_access_get(const struct cli_cmd *c, struct cli_out *o);
int cmd_sve_set(const struct cli_cmd *c, struct cli_out *o);
int cmd_remap(const struct cli_cmd *c, struct cli_out *o);
int cmd_revert(const struct cli_cmd *c, struct cli_out *o);
int cmd_hidden_add(const struct cli_cmd *c, struct cli_out *o);
int cmd_hidden_remove(const struct cli_cmd *c, struct cli_out *o);
int cmd_switch(const struct cli_cmd *c, struct cli_out *o);
int cmd_visibility(const struct cli_cmd *c, struct cli_out *o);
int cmd_vcpus(const struct cli_cmd *c, struct cli_out *o);
int cmd_monitor(const struct cli_cmd *c, struct cli_out *o);
int cmd_mon_attach(const struct cli_cmd *c, struct cli_out *o);
int cmd_mon_pause(const struct cli_cmd *c, struct cli_out *o);
int cmd_mem_read(const struct cli_cmd *c, struct cli_out *o);
int cmd_regs_get(const struct cli_cmd *c, struct cli_out *o);
int cmd_trace(const struct cli_cmd *c, struct cli_out *o);

/*
 * The command table as data, for the test that holds the man page and
 * the bash completion to it. Command i < cli_ncmds(): its words (sub
 * NULL for a command without subcommands) and its options. Options
 * i < cli_nopts(cmd): long name without "--", short letter or 0, whether
 * it takes a value, and whether it also has a keyword form ("monitor vm
 * N"). cmd -1: the
 * global options, which go before or after the command.
 */
struct cli_opt_doc {
	const char *name;
	char short_name;
	bool has_arg;
	bool keyword;
	bool before_cmd;	/* also before the command (monitor's -t) */
};

unsigned int cli_ncmds(void);
void cli_cmd_words(unsigned int i, const char **group, const char **sub);
unsigned int cli_nopts(int cmd);
void cli_opt(int cmd, unsigned int i, struct cli_opt_doc *od);

/*
 * monitor: whether an event passes the command's VM filter, and its line
 * (ts NULL: no timestamp), flushed so that a reader on a pipe sees it.
 */
static inline bool cli_event_wanted(const struct cli_cmd *c,
				    const struct altp2m_event *ev)
{
	return !c->vm_filter || ev->vm_id == c->vm;
}

void cli_event_print(struct cli_out *o, const struct altp2m_event *ev,
		     const struct timespec *ts);
/*
 * monitor attach: one line per event (ts NULL: no timestamp), flushed:
 * "seq=N vcpu=N view=N TYPE sync|async rip=0x... <type's fields>", or a
 * JSON object per line.
 */
void cli_mon_event_print(struct cli_out *o,
			 const struct altp2m_monitor_event *ev,
			 const struct timespec *ts);
/*
 * mem read: 16 bytes a line, "ADDRESS  hex bytes  |ascii|", the address
 * of the first byte being @addr.
 */
void cli_hexdump(FILE *f, uint64_t addr, const unsigned char *buf,
		 size_t len);
/* regs get: the registers as "name  0x..." lines or one JSON object. */
void cli_regs_print(struct cli_out *o, uint32_t vcpu,
		    const struct altp2m_regs *r, const struct altp2m_sregs *s);

/* RFC 3339 local time with microseconds: 2026-12-06T03:05:42.123456+00:00 */
int cli_fmt_time(char *buf, size_t len, const struct timespec *ts);

#endif /* ALTP2MCTL_CLI_H */
