// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the selftest library's ucall channel and memory lookups
 * (selftests/lib/ucall.c, vm_util.c, test_util.c), without a kernel:
 *
 *  - the guest side runs here for real: its OUT (and the HLT after an
 *    assertion) fault in a user process, and a SIGSEGV handler plays the
 *    hypervisor, taking the struct from RDI and stepping over the OUT;
 *  - the host side decodes exits made up in a run page, against a VM made
 *    with vm_new_offline();
 *  - TEST_ASSERT's report and exit status.
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "unit.h"

#define RAM	0x20000ULL

/* ---------------------------------------------- the guest side, natively */

static struct ucall captured[8];
static uint64_t captured_al[8];
static volatile int ncaptured;
static sigjmp_buf halted;

static void fake_hypervisor(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *u = ctx;
	greg_t *r = u->uc_mcontext.gregs;
	const uint8_t *ip = (const uint8_t *)r[REG_RIP];

	(void)sig;
	(void)si;
	if (ip[0] == 0xe6 && ip[1] == UCALL_PORT && ncaptured < 8) {
		/* outb %al, $0xe0 */
		memcpy(&captured[ncaptured], (void *)r[REG_RDI],
		       sizeof(struct ucall));
		captured_al[ncaptured] = r[REG_RAX] & 0xff;
		ncaptured++;
		r[REG_RIP] += 2;
		return;
	}
	if (ip[0] == 0xf4)	/* hlt: the guest stopped */
		siglongjmp(halted, 1);
	abort();
}

static void install_fake_hypervisor(void)
{
	struct sigaction sa = { .sa_sigaction = fake_hypervisor,
				.sa_flags = SA_SIGINFO | SA_NODEFER };

	ncaptured = 0;
	memset(captured, 0, sizeof(captured));
	ck_assert_int_eq(sigaction(SIGSEGV, &sa, NULL), 0);
}

static void assert_fill(const struct ucall *uc, uint64_t type,
			uint64_t nargs)
{
	unsigned int i;

	ck_assert_uint_eq(uc->magic, UCALL_MAGIC);
	ck_assert_uint_eq(uc->type, type);
	ck_assert_uint_eq(uc->nargs, nargs);
	for (i = nargs; i < UCALL_MAX_ARGS; i++)
		ck_assert_uint_eq(uc->args[i], 0);
}

START_TEST(guest_sync_and_done)
{
	install_fake_hypervisor();
	GUEST_SYNC(42);
	GUEST_SYNC_ARGS(1, 2, 3, 4, 5, 0xffffffffffffffffULL);
	/* Values convert to uint64_t as in an assignment. */
	GUEST_SYNC_ARGS((int8_t)-1, (uint16_t)0xbeef, 'x');
	GUEST_DONE();
	ucall(UCALL_SYNC, 2, (uint64_t)7, (uint64_t)8);
	ck_assert_int_eq(ncaptured, 5);

	assert_fill(&captured[0], UCALL_SYNC, 1);
	ck_assert_uint_eq(captured[0].args[0], 42);
	ck_assert_uint_eq(captured[0].file | captured[0].line |
			  captured[0].expr, 0);
	assert_fill(&captured[1], UCALL_SYNC, 6);
	ck_assert_uint_eq(captured[1].args[0], 1);
	ck_assert_uint_eq(captured[1].args[4], 5);
	ck_assert_uint_eq(captured[1].args[5], 0xffffffffffffffffULL);
	assert_fill(&captured[2], UCALL_SYNC, 3);
	ck_assert_uint_eq(captured[2].args[0], 0xffffffffffffffffULL);
	ck_assert_uint_eq(captured[2].args[1], 0xbeef);
	ck_assert_uint_eq(captured[2].args[2], 'x');
	assert_fill(&captured[3], UCALL_DONE, 0);
	assert_fill(&captured[4], UCALL_SYNC, 2);
	ck_assert_uint_eq(captured[4].args[1], 8);
	/* AL is 0 for every OUT. */
	ck_assert_uint_eq(captured_al[0] | captured_al[1] | captured_al[4], 0);
}
END_TEST

static const int assert_line = __LINE__ + 5;

static void __attribute__((noinline)) failing_assert_eq(uint64_t v)
{
	GUEST_ASSERT(v > 1);		/* passes: no ucall */
	GUEST_ASSERT_EQ(v, 5);
}

static void __attribute__((noinline)) failing_assert(volatile int x)
{
	GUEST_ASSERT(x == 1);
}

START_TEST(guest_assert_eq_then_halt)
{
	install_fake_hypervisor();
	if (!sigsetjmp(halted, 1)) {
		failing_assert_eq(4);
		ck_abort_msg("the guest went on after a failed assertion");
	}
	ck_assert_int_eq(ncaptured, 1);
	assert_fill(&captured[0], UCALL_ABORT, 2);
	ck_assert_uint_eq(captured[0].args[0], 4);
	ck_assert_uint_eq(captured[0].args[1], 5);
	ck_assert_uint_eq(captured[0].line, assert_line);
	ck_assert_str_eq((const char *)(uintptr_t)captured[0].file, __FILE__);
	ck_assert_str_eq((const char *)(uintptr_t)captured[0].expr, "v == 5");
}
END_TEST

START_TEST(guest_assert_then_halt)
{
	install_fake_hypervisor();
	if (!sigsetjmp(halted, 1)) {
		failing_assert(2);
		ck_abort_msg("the guest went on after a failed assertion");
	}
	ck_assert_int_eq(ncaptured, 1);
	assert_fill(&captured[0], UCALL_ABORT, 0);
	ck_assert_str_eq((const char *)(uintptr_t)captured[0].expr, "x == 1");
}
END_TEST

void guest_function_returned(void);

START_TEST(guest_return_reports_done)
{
	install_fake_hypervisor();
	if (!sigsetjmp(halted, 1)) {
		guest_function_returned();
		ck_abort_msg("returned");
	}
	ck_assert_int_eq(ncaptured, 1);
	assert_fill(&captured[0], UCALL_DONE, 0);
}
END_TEST

START_TEST(fill_clamps_nargs)
{
	const uint64_t args[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ucall uc;

	memset(&uc, 0xff, sizeof(uc));
	ucall_fill(&uc, UCALL_SYNC, 8, args);
	assert_fill(&uc, UCALL_SYNC, UCALL_MAX_ARGS);
	ck_assert_uint_eq(uc.args[5], 6);
	ck_assert_uint_eq(uc.file | uc.line | uc.expr, 0);
	ucall_fill(&uc, UCALL_DONE, -3, args);
	assert_fill(&uc, UCALL_DONE, 0);
	ck_assert_uint_eq(sizeof(struct ucall), 96);
	ck_assert_uint_eq(offsetof(struct ucall, args), 24);
	ck_assert_uint_eq(offsetof(struct ucall, file), 72);
	ck_assert_uint_eq(offsetof(struct ucall, expr), 88);
	ck_assert_str_eq(ucall_type_name(UCALL_UNHANDLED), "UNHANDLED");
	ck_assert_str_eq(ucall_type_name(99), "?");
}
END_TEST

/* Run @fn in a child with stdout captured: its exit status and output. */
static int capture(void (*fn)(void), char *out, size_t len)
{
	int p[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	fflush(stdout);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		fn();
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	while ((n = read(p[0], out + got, len - 1 - (size_t)got)) > 0)
		got += n;
	out[got] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* ------------------------------------------------------- the host side */

static uint8_t *ram;
static struct vm *vm;
static struct altp2m_run *run;

static void offline_setup(void)
{
	ram = malloc(RAM);
	ck_assert_ptr_nonnull(ram);
	memset(ram, 0xff, RAM);
	vm = vm_new_offline(ram, RAM);
	run = calloc(1, PAGE_SIZE);
	ck_assert_ptr_nonnull(run);
	run->exit_reason = ALTP2M_EXIT_IO;
	run->io.direction = ALTP2M_IO_OUT;
	run->io.size = 1;
	run->io.port = UCALL_PORT;
	run->io.count = 1;
	run->io.data_offset = 1024;
	((uint8_t *)run)[1024] = 0;
}

static void offline_teardown(void)
{
	vm_free(vm);
	free(ram);
	free(run);
}

/* A ucall as the guest left it, at @gpa. */
static void put_ucall(uint64_t gpa, uint64_t type, int nargs,
		      const uint64_t *args)
{
	struct ucall uc;

	ucall_fill(&uc, type, nargs, args);
	memcpy(ram + gpa, &uc, sizeof(uc));
}

static uint64_t put_str(uint64_t gpa, const char *s)
{
	memcpy(ram + gpa, s, strlen(s) + 1);
	return gpa;
}

START_TEST(decode_sync)
{
	const uint64_t args[3] = { 0x11, 0x22, 0x33 };
	struct ucall uc;

	put_ucall(0x10000, UCALL_SYNC, 3, args);
	ck_assert_uint_eq(ucall_decode(vm, run, PAGE_SIZE, 0x10000, &uc),
			  UCALL_SYNC);
	ck_assert_mem_eq(&uc, ram + 0x10000, sizeof(uc));
	/* The last 96 bytes of RAM are fine too. */
	put_ucall(RAM - sizeof(uc), UCALL_DONE, 0, args);
	ck_assert_uint_eq(ucall_decode(vm, run, PAGE_SIZE, RAM - sizeof(uc),
				       &uc), UCALL_DONE);
}
END_TEST

START_TEST(decode_not_a_ucall)
{
	struct ucall uc;

	memset(&uc, 0xaa, sizeof(uc));
	run->exit_reason = ALTP2M_EXIT_HLT;
	ck_assert_uint_eq(ucall_decode(vm, run, PAGE_SIZE, 0x10000, &uc),
			  UCALL_NONE);
	ck_assert_uint_eq(uc.magic | uc.type | uc.args[0], 0);
	run->exit_reason = ALTP2M_EXIT_IO;
	run->io.port = 0x80;
	ck_assert_uint_eq(ucall_decode(vm, run, PAGE_SIZE, 0x10000, &uc),
			  UCALL_NONE);
	run->exit_reason = ALTP2M_EXIT_MMIO;
	ck_assert_uint_eq(ucall_decode(vm, run, PAGE_SIZE, 0x10000, &uc),
			  UCALL_NONE);
}
END_TEST

/*
 * Malformed ucalls fail the test: TEST_ASSERT's report (exit status 1
 * alone could also be a sanitizer's) with the reason.
 */
static const struct bad_ucall {
	const char *name;
	const char *why;
} bad_ucalls[] = {
	{ "direction IN", "is not OUTB x1" },
	{ "size 2", "is not OUTB x1" },
	{ "count 2", "is not OUTB x1" },
	{ "data 1", "OUT data 0x1" },
	{ "data_offset outside", "outside the 4096-byte run area" },
	{ "rdi outside RAM", "does not point to 96 bytes" },
	{ "rdi straddles the end", "does not point to 96 bytes" },
	{ "rdi at 4 GiB", "does not point to 96 bytes" },
	{ "bad magic", "bad magic" },
	{ "type 0", "unknown type 0" },
	{ "type 5", "unknown type 5" },
	{ "nargs 7", "7 arguments" },
};

static unsigned int malformed_case;

static void decode_one_malformed(void)
{
	struct ucall uc, *g = (struct ucall *)(ram + 0x10000);
	uint64_t rdi = 0x10000;

	put_ucall(0x10000, UCALL_SYNC, 0, NULL);
	switch (malformed_case) {
	case 0:
		run->io.direction = ALTP2M_IO_IN;
		break;
	case 1:
		run->io.size = 2;
		break;
	case 2:
		run->io.count = 2;
		break;
	case 3:
		((uint8_t *)run)[1024] = 1;
		break;
	case 4:
		run->io.data_offset = PAGE_SIZE;
		break;
	case 5:
		rdi = RAM + 0x1000;
		break;
	case 6:
		rdi = RAM - sizeof(uc) + 8;
		break;
	case 7:
		rdi = 0x100000000ULL;
		break;
	case 8:
		g->magic ^= 1;
		break;
	case 9:
		g->type = 0;
		break;
	case 10:
		g->type = 5;
		break;
	case 11:
		g->nargs = 7;
		break;
	}
	ucall_decode(vm, run, PAGE_SIZE, rdi, &uc);
}

START_TEST(decode_malformed)
{
	char out[2048];

	malformed_case = _i;
	ck_assert_int_eq(capture(decode_one_malformed, out, sizeof(out)),
			 KSFT_FAIL);
	ck_assert_msg(strstr(out, "# ==== Test assertion failed ====\n") &&
		      strstr(out, bad_ucalls[_i].why),
		      "%s: '%s' lacks '%s'", bad_ucalls[_i].name, out,
		      bad_ucalls[_i].why);
}
END_TEST

START_TEST(describe)
{
	const uint64_t two[2] = { 3, 4 }, exc[4] = { 14, 2, 0x401234, 0x18 };
	const uint64_t sync[2] = { 1, 0x20 };
	struct ucall uc;
	char buf[512];

	ucall_fill(&uc, UCALL_ABORT, 2, two);
	uc.file = put_str(0x12000, "guest.c");
	uc.line = 42;
	uc.expr = put_str(0x12100, "a == b");
	ucall_describe(vm, &uc, buf, sizeof(buf));
	ck_assert_str_eq(buf, "guest assertion failed: guest.c:42: a == b\n"
			      "  values: 3 (0x3), 4 (0x4)");
	uc.nargs = 0;
	uc.file = 0;
	ucall_describe(vm, &uc, buf, sizeof(buf));
	ck_assert_str_eq(buf, "guest assertion failed: <bad address 0>:42: "
			      "a == b");

	ucall_fill(&uc, UCALL_UNHANDLED, 4, exc);
	ucall_describe(vm, &uc, buf, sizeof(buf));
	ck_assert_str_eq(buf, "unhandled guest exception #PF (vector 14) at "
			      "rip 0x401234, error code 0x2, cr2 0x18");
	ucall_fill(&uc, UCALL_SYNC, 2, sync);
	ucall_describe(vm, &uc, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ucall SYNC args: 0x1, 0x20");
	ucall_fill(&uc, UCALL_DONE, 0, NULL);
	ucall_describe(vm, &uc, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ucall DONE");
	/* Truncated, still terminated. */
	ucall_fill(&uc, UCALL_SYNC, 2, sync);
	ucall_describe(vm, &uc, buf, 8);
	ck_assert_str_eq(buf, "ucall S");
}
END_TEST

START_TEST(read_str)
{
	char buf[16];

	put_str(0x12000, "hello");
	vm_read_str(vm, 0x12000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "hello");
	vm_read_str(vm, 0x12000, buf, 4);
	ck_assert_str_eq(buf, "hel");
	vm_read_str(vm, 0x10, buf, sizeof(buf));	/* page 0 */
	ck_assert_str_eq(buf, "<bad address 0x");
	vm_read_str(vm, RAM, buf, sizeof(buf));
	ck_assert_str_eq(buf, "<bad address 0x");
	/* Unterminated up to the end of RAM. */
	memset(ram + RAM - 4, 'x', 4);
	vm_read_str(vm, RAM - 4, buf, sizeof(buf));
	ck_assert_str_eq(buf, "<bad address 0x");
}
END_TEST

/* ------------------------------------------------------ memory lookups */

START_TEST(gpa_lookups)
{
	uint8_t other[0x2000];

	ck_assert_ptr_eq(addr_gpa2hva(vm, 0), ram);
	ck_assert_ptr_eq(addr_gpa2hva_range(vm, RAM - 16, 16), ram + RAM - 16);
	ck_assert_ptr_null(addr_gpa2hva_range(vm, RAM - 16, 17));
	ck_assert_ptr_null(addr_gpa2hva_range(vm, RAM, 1));
	ck_assert_ptr_eq(addr_gva2hva(vm, 0x1000), ram + 0x1000);

	vm_region_track(vm, 3, 0x40000000, sizeof(other), other);
	ck_assert_ptr_eq(addr_gpa2hva(vm, 0x40001fff), other + 0x1fff);
	ck_assert_ptr_null(addr_gpa2hva_range(vm, 0x40001fff, 2));
	ck_assert_ptr_null(addr_gpa2hva_range(vm, 0x3fffffff, 1));
	/* Moved. */
	vm_region_track(vm, 3, 0x50000000, sizeof(other), other);
	ck_assert_ptr_null(addr_gpa2hva_range(vm, 0x40000000, 1));
	ck_assert_ptr_eq(addr_gpa2hva(vm, 0x50000010), other + 0x10);
	ck_assert_int_eq(vm->regions[3].used, 1);
	/* Deleted. */
	vm_region_track(vm, 3, 0x50000000, 0, other);
	ck_assert_ptr_null(addr_gpa2hva_range(vm, 0x50000010, 1));
	ck_assert_int_eq(vm->regions[3].used, 0);
	/* Slot 0 still there. */
	ck_assert_ptr_eq(addr_gpa2hva(vm, 0x1234), ram + 0x1234);
}
END_TEST

static const char *const lookup_why[] = {
	"gpa 0x20000 is not in any memory region",
	"gva 0x28 is not mapped by the guest page tables",
	"gva 0x100000000 is not mapped by the guest page tables",
	"slot 32",
	"guest RAM exhausted",
	"alignment 0x18",
};
static unsigned int lookup_case;

static void one_failing_lookup(void)
{
	switch (lookup_case) {
	case 0:
		addr_gpa2hva(vm, RAM);
		break;
	case 1:
		addr_gva2hva(vm, 0x28);		/* page 0: not mapped */
		break;
	case 2:
		addr_gva2hva(vm, GUEST_MAP_SIZE);
		break;
	case 3:
		vm_region_track(vm, ALTP2M_MAX_MEM_SLOTS, 0, 0x1000, ram);
		break;
	case 4:
		vm_alloc(vm, RAM, 0);		/* more than there is */
		break;
	case 5:
		vm_alloc(vm, 16, 24);		/* not a power of two */
		break;
	}
}

START_TEST(gpa_lookup_fails)
{
	char out[2048];

	lookup_case = _i;
	ck_assert_int_eq(capture(one_failing_lookup, out, sizeof(out)),
			 KSFT_FAIL);
	ck_assert_msg(strstr(out, "# ==== Test assertion failed ====\n") &&
		      strstr(out, lookup_why[_i]), "'%s' lacks '%s'", out,
		      lookup_why[_i]);
}
END_TEST

START_TEST(alloc)
{
	uint64_t a, b, c, i;

	a = vm_alloc(vm, 0x100, 0);
	ck_assert_uint_eq(a, GUEST_SYS_END);
	b = vm_alloc(vm, 0x10, 0x1000);
	ck_assert_uint_eq(b, GUEST_SYS_END + 0x1000);
	c = vm_alloc(vm, 0x10, 16);
	ck_assert_uint_eq(c, b + 0x10);
	for (i = 0; i < 0x100; i++)
		ck_assert_uint_eq(ram[a + i], 0);
	ck_assert_uint_eq(ram[a + 0x100], 0xff);	/* not more */
	/* Up to the last byte. */
	c = vm_alloc(vm, RAM - (c + 0x10), 1);
	ck_assert_uint_eq(c + (RAM - c), RAM);
}
END_TEST

/* The system area written by vm_setup_system() is the builders' output. */
START_TEST(setup_system)
{
	uint8_t *want = malloc(GUEST_SYS_END);

	ck_assert_ptr_nonnull(want);
	memset(want, 0xff, GUEST_SYS_END);
	x86_build_page_tables(want);
	x86_build_gdt(want);
	x86_build_tss(want);
	x86_build_idt(want, guest_exception_entries);
	vm_setup_system(vm);
	ck_assert_mem_eq(ram, want, GUEST_SYS_END);
	free(want);
}
END_TEST

/* ------------------------------------------------------------ TEST_ASSERT */

static const int fail_line = __LINE__ + 4;
static void fails_with_errno(void)
{
	errno = EIO;
	TEST_ASSERT(1 == 2, "first line %d\nsecond line", 7);
}

static void fails_eq(void)
{
	uint64_t a = 1, b = 2;

	errno = 0;
	TEST_ASSERT_EQ(a, b);
}

static void passes(void)
{
	TEST_ASSERT(1 == 1, "never");
	test_diag("one\ntwo");
}

START_TEST(test_assert_report)
{
	char out[2048], want[512];

	ck_assert_int_eq(capture(fails_with_errno, out, sizeof(out)),
			 KSFT_FAIL);
	snprintf(want, sizeof(want),
		 "# ==== Test assertion failed ====\n"
		 "# %s:%d: 1 == 2\n"
		 "# errno: 5 (Input/output error)\n"
		 "# first line 7\n"
		 "# second line\n", __FILE__, fail_line);
	ck_assert_str_eq(out, want);

	ck_assert_int_eq(capture(fails_eq, out, sizeof(out)), KSFT_FAIL);
	ck_assert_ptr_nonnull(strstr(out, "# a = 1 (0x1), b = 2 (0x2)\n"));
	ck_assert_ptr_null(strstr(out, "errno"));

	ck_assert_int_eq(capture(passes, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "# one\n# two\n");
}
END_TEST

static Suite *vmlib_ucall_suite(void)
{
	Suite *s = suite_create("vmlib_ucall");
	TCase *tc = tcase_create("guest");

	tcase_add_test(tc, guest_sync_and_done);
	tcase_add_test(tc, guest_assert_eq_then_halt);
	tcase_add_test(tc, guest_assert_then_halt);
	tcase_add_test(tc, guest_return_reports_done);
	tcase_add_test(tc, fill_clamps_nargs);
	suite_add_tcase(s, tc);

	tc = tcase_create("host");
	tcase_add_checked_fixture(tc, offline_setup, offline_teardown);
	tcase_add_test(tc, decode_sync);
	tcase_add_test(tc, decode_not_a_ucall);
	tcase_add_loop_test(tc, decode_malformed, 0, ARRAY_LEN(bad_ucalls));
	tcase_add_test(tc, describe);
	tcase_add_test(tc, read_str);
	tcase_add_test(tc, gpa_lookups);
	tcase_add_loop_test(tc, gpa_lookup_fails, 0, ARRAY_LEN(lookup_why));
	tcase_add_test(tc, alloc);
	tcase_add_test(tc, setup_system);
	suite_add_tcase(s, tc);

	tc = tcase_create("test_assert");
	tcase_add_test(tc, test_assert_report);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(vmlib_ucall_suite)
