/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ucall: how selftest guest code talks to the host.
 *
 * Protocol. The guest fills a struct ucall on its own stack and executes
 *
 *	outb %al, $UCALL_PORT		(al = 0, rdi = gva of the struct)
 *
 * which exits to the host as ALTP2M_EXIT_IO with direction ALTP2M_IO_OUT,
 * port UCALL_PORT (0xe0), size 1, count 1. The host reads RDI with
 * ALTP2M_GET_REGS, copies sizeof(struct ucall) bytes from guest memory at
 * that address (gva == gpa: the guest is identity mapped), checks
 * @magic and the type, and may then run the vCPU again: the guest goes on
 * after the OUT. The struct is 96 bytes, all fields little-endian u64:
 *
 *	+0	magic	UCALL_MAGIC ("UCALL_v1")
 *	+8	type	UCALL_SYNC, UCALL_DONE, UCALL_ABORT, UCALL_UNHANDLED
 *	+16	nargs	0..UCALL_MAX_ARGS
 *	+24	args[6]
 *	+72	file	UCALL_ABORT: gva of __FILE__ (NUL-terminated)
 *	+80	line	UCALL_ABORT: __LINE__
 *	+88	expr	UCALL_ABORT: gva of the failed expression's text
 *
 * UCALL_SYNC	GUEST_SYNC(v): args[0] = v (GUEST_SYNC_ARGS: up to 6 values)
 * UCALL_DONE	GUEST_DONE(), or the guest function returned
 * UCALL_ABORT	GUEST_ASSERT*() failed: file, line, expr; for
 *		GUEST_ASSERT_EQ/NE args[0] and args[1] are the two values
 * UCALL_UNHANDLED an exception reached the library's IDT: args[0] =
 *		vector, args[1] = error code (0 if the vector has none),
 *		args[2] = RIP of the faulting instruction, args[3] = CR2
 *
 * After UCALL_ABORT and UCALL_UNHANDLED the guest executes HLT forever.
 */
#ifndef SELFTEST_UCALL_H
#define SELFTEST_UCALL_H

#include <stdarg.h>
#include <stdint.h>

#define UCALL_PORT	0xe0
#define UCALL_MAGIC	0x31765f4c4c414355ULL	/* "UCALL_v1" */
#define UCALL_MAX_ARGS	6

enum {
	UCALL_NONE = 0,		/* host only: the exit was not a ucall */
	UCALL_SYNC = 1,
	UCALL_DONE = 2,
	UCALL_ABORT = 3,
	UCALL_UNHANDLED = 4,
	UCALL_NR_TYPES
};

struct ucall {
	uint64_t magic;
	uint64_t type;
	uint64_t nargs;
	uint64_t args[UCALL_MAX_ARGS];
	uint64_t file;
	uint64_t line;
	uint64_t expr;
};

_Static_assert(sizeof(struct ucall) == 96, "struct ucall is 96 bytes");

/* Guest side. */
void ucall(uint64_t type, int nargs, ...);
void ucall_array(uint64_t type, int nargs, const uint64_t *args);
void __attribute__((noreturn))
ucall_assert(const char *file, int line, const char *expr, int nargs,
	     const uint64_t *args);
/* Executes the OUT (guest only: in a host process it is a SIGSEGV). */
void ucall_send(struct ucall *uc);
void __attribute__((noreturn)) guest_halt_forever(void);

/* Pure helpers, shared by both sides (and the unit tests). */
void ucall_fill(struct ucall *uc, uint64_t type, int nargs,
		const uint64_t *args);
void ucall_fill_va(struct ucall *uc, uint64_t type, int nargs, va_list ap);
const char *ucall_type_name(uint64_t type);

#define __UCALL_ARGV(...)	((const uint64_t[]){ __VA_ARGS__ })
#define __UCALL_ARGC(...)						\
	((int)(sizeof(__UCALL_ARGV(__VA_ARGS__)) / sizeof(uint64_t)))

/* Each value is converted to uint64_t. */
#define GUEST_SYNC(v)		ucall_array(UCALL_SYNC, 1, __UCALL_ARGV(v))
#define GUEST_SYNC_ARGS(...)						\
	ucall_array(UCALL_SYNC, __UCALL_ARGC(__VA_ARGS__),		\
		    __UCALL_ARGV(__VA_ARGS__))
#define GUEST_DONE()		ucall_array(UCALL_DONE, 0, 0)

#define GUEST_ASSERT(cond) do {						\
		if (!(cond))						\
			ucall_assert(__FILE__, __LINE__, #cond, 0, 0);	\
	} while (0)

#define __GUEST_ASSERT_CMP(a, op, b) do {				\
		uint64_t _ga_a = (uint64_t)(a), _ga_b = (uint64_t)(b);	\
		if (!(_ga_a op _ga_b))					\
			ucall_assert(__FILE__, __LINE__,		\
				     #a " " #op " " #b, 2,		\
				     __UCALL_ARGV(_ga_a, _ga_b));	\
	} while (0)

#define GUEST_ASSERT_EQ(a, b)	__GUEST_ASSERT_CMP(a, ==, b)
#define GUEST_ASSERT_NE(a, b)	__GUEST_ASSERT_CMP(a, !=, b)

#endif /* SELFTEST_UCALL_H */
