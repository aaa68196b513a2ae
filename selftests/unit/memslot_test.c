// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/core/memslot.c, guest memory-region bookkeeping,
 * built from the module's own source file. The rules are KVM's
 * KVM_SET_USER_MEMORY_REGION ones; each has a row in the table below.
 */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <linux/altp2m.h>

#include "../../kmod/core/memslot.h"
#include "unit.h"

#define K4	0x1000ULL
#define M1	0x100000ULL
#define G4	0x100000000ULL
#define GPA_BITS 40
#define LIMIT	(1ULL << GPA_BITS)

/*
 * The VM every row starts from: slot 0 is 1 MiB at 0, slot 1 is 16 MiB at
 * 4 GiB, slot 31 is one page at 8 GiB; the rest are unused.
 */
static struct altp2m_memslot slot0 = {
	.id = 0, .base_gfn = 0, .npages = 256, .userspace_addr = 0x10000000,
};
static struct altp2m_memslot slot1 = {
	.id = 1, .base_gfn = G4 >> 12, .npages = 4096,
	.userspace_addr = 0x7f0000000000ULL,
};
static struct altp2m_memslot slot31 = {
	.id = 31, .base_gfn = 2 * G4 >> 12, .npages = 1,
	.userspace_addr = 0x20000000,
};

static void fill(struct altp2m_memslots *s)
{
	memset(s, 0, sizeof(*s));
	s->slot[0] = &slot0;
	s->slot[1] = &slot1;
	s->slot[31] = &slot31;
}

#define REGION(s, g, sz, u) { .slot = (s), .guest_phys_addr = (g), \
			      .memory_size = (sz), .userspace_addr = (u) }
#define ERR(e)	(e), 0
#define OK(c)	0, ALTP2M_MEMSLOT_##c

static const struct row {
	const char *name;
	struct altp2m_memory_region r;
	int err;
	enum altp2m_memslot_change change;
} rows[] = {
	/* Creating. */
	{ "create", REGION(2, 16 * M1, 4 * M1, 0x30000000), OK(CREATE) },
	{ "create slot 30", REGION(30, 0x10000000, K4, 0x1000),
	  OK(CREATE) },
	{ "create ending at the limit", REGION(2, LIMIT - M1, M1, 0),
	  OK(CREATE) },
	{ "create right below slot 1", REGION(2, G4 - M1, M1, 0), OK(CREATE) },
	{ "create right after slot 1", REGION(2, G4 + 16 * M1, K4, 0),
	  OK(CREATE) },
	{ "create sharing a userspace range", REGION(2, 16 * M1, M1,
						    0x10000000), OK(CREATE) },
	/* Fields that must be 0. */
	{ "flags bit 0", { .slot = 2, .flags = 1, .guest_phys_addr = 16 * M1,
			   .memory_size = M1 }, ERR(-EINVAL) },
	{ "flags bit 31", { .slot = 2, .flags = 1u << 31,
			    .guest_phys_addr = 16 * M1, .memory_size = M1 },
	  ERR(-EINVAL) },
	{ "reserved[0]", { .slot = 2, .guest_phys_addr = 16 * M1,
			   .memory_size = M1, .reserved = { 1, 0 } },
	  ERR(-EINVAL) },
	{ "reserved[1]", { .slot = 2, .guest_phys_addr = 16 * M1,
			   .memory_size = M1, .reserved = { 0, 1ULL << 63 } },
	  ERR(-EINVAL) },
	{ "reserved on delete", { .slot = 1, .reserved = { 0, 2 } },
	  ERR(-EINVAL) },
	/* Slot numbers. */
	{ "slot 32", REGION(32, 16 * M1, M1, 0), ERR(-EINVAL) },
	{ "slot ~0", REGION(0xffffffff, 16 * M1, M1, 0), ERR(-EINVAL) },
	/* Alignment. */
	{ "gpa misaligned", REGION(2, 16 * M1 + 0x800, M1, 0), ERR(-EINVAL) },
	{ "size misaligned", REGION(2, 16 * M1, M1 + 1, 0), ERR(-EINVAL) },
	{ "uaddr misaligned", REGION(2, 16 * M1, M1, 0x10000010),
	  ERR(-EINVAL) },
	{ "delete with misaligned gpa", REGION(1, 0x10, 0, 0), ERR(-EINVAL) },
	/* Overflow and the address width. */
	{ "gpa + size wraps", REGION(2, ~0xfffULL, 2 * K4, 0), ERR(-EINVAL) },
	{ "uaddr + size wraps", REGION(2, 16 * M1, 2 * K4, ~0xfffULL),
	  ERR(-EINVAL) },
	{ "end beyond gpa_bits", REGION(2, LIMIT - M1, 2 * M1, 0),
	  ERR(-EINVAL) },
	{ "start at gpa_bits", REGION(2, LIMIT, K4, 0), ERR(-EINVAL) },
	/* Size: the largest region, one page more, and far more. */
	{ "create of the largest size", REGION(2, 1ULL << 39,
					       ALTP2M_MAX_MEMORY_SIZE, 0),
	  OK(CREATE) },
	{ "one page beyond the largest size",
	  REGION(2, 1ULL << 39, ALTP2M_MAX_MEMORY_SIZE + K4, 0),
	  ERR(-E2BIG) },
	{ "4 TiB, beyond gpa_bits too", REGION(2, 0, 4ULL << 40, 0x10000),
	  ERR(-E2BIG) },
	/* Deleting. */
	{ "delete", REGION(1, 0, 0, 0), OK(DELETE) },
	{ "delete ignores gpa and uaddr", REGION(1, 5 * K4, 0, 0x5000),
	  OK(DELETE) },
	{ "delete unused slot", REGION(5, 0, 0, 0), ERR(-EINVAL) },
	/* Changing an existing slot. */
	{ "same again", REGION(1, G4, 16 * M1, 0x7f0000000000ULL), OK(NONE) },
	{ "move", REGION(1, 3 * G4, 16 * M1, 0x7f0000000000ULL), OK(MOVE) },
	{ "move over itself", REGION(1, G4 + M1, 16 * M1, 0x7f0000000000ULL),
	  OK(MOVE) },
	{ "move onto slot 0", REGION(1, 0, 16 * M1, 0x7f0000000000ULL),
	  ERR(-EEXIST) },
	{ "move onto slot 31's page", REGION(1, 2 * G4 - 16 * M1 + K4,
					     16 * M1, 0x7f0000000000ULL),
	  ERR(-EEXIST) },
	{ "move beyond gpa_bits", REGION(1, LIMIT - M1, 16 * M1,
					 0x7f0000000000ULL), ERR(-EINVAL) },
	{ "grow", REGION(1, G4, 32 * M1, 0x7f0000000000ULL), ERR(-EINVAL) },
	{ "shrink", REGION(1, G4, 8 * M1, 0x7f0000000000ULL), ERR(-EINVAL) },
	{ "other uaddr", REGION(1, G4, 16 * M1, 0x7f0000001000ULL),
	  ERR(-EINVAL) },
	{ "other uaddr and gpa", REGION(1, 3 * G4, 16 * M1, 0x10000000),
	  ERR(-EINVAL) },
	{ "flags on existing", { .slot = 1, .flags = 2,
				 .guest_phys_addr = G4,
				 .memory_size = 16 * M1,
				 .userspace_addr = 0x7f0000000000ULL },
	  ERR(-EINVAL) },
	/* Overlap with another slot. */
	{ "overlap start", REGION(2, G4 - M1, M1 + K4, 0), ERR(-EEXIST) },
	{ "overlap end", REGION(2, G4 + 16 * M1 - K4, M1, 0), ERR(-EEXIST) },
	{ "overlap inside", REGION(2, G4 + M1, K4, 0), ERR(-EEXIST) },
	{ "overlap around", REGION(2, G4 - M1, 32 * M1, 0), ERR(-EEXIST) },
	{ "overlap exact", REGION(2, G4, 16 * M1, 0x7f0000000000ULL),
	  ERR(-EEXIST) },
	{ "overlap a one-page slot", REGION(2, 2 * G4 - K4, 2 * K4, 0),
	  ERR(-EEXIST) },
	{ "overlap slot 0 at 0", REGION(2, 0, K4, 0), ERR(-EEXIST) },
};

START_TEST(check_rules)
{
	const struct row *row = &rows[_i];
	enum altp2m_memslot_change change = (enum altp2m_memslot_change)99;
	struct altp2m_memslots s;
	int ret;

	fill(&s);
	ret = altp2m_memslot_check(&s, &row->r, GPA_BITS, &change);
	ck_assert_msg(ret == row->err, "%s: returned %d, expected %d",
		      row->name, ret, row->err);
	if (ret)	/* untouched on failure */
		ck_assert_int_eq(change, 99);
	else
		ck_assert_msg(change == row->change, "%s: change %d, not %d",
			      row->name, change, row->change);
}
END_TEST

START_TEST(check_address_widths)
{
	struct altp2m_memory_region r = REGION(0, (1ULL << 52) - K4, K4, 0);
	struct altp2m_memslots s;
	enum altp2m_memslot_change change;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, 52, &change), 0);
	ck_assert_int_eq(change, ALTP2M_MEMSLOT_CREATE);
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, 48, &change), -EINVAL);
	/* 64 bits: only overflow limits it (an end of 2^64 is one too). */
	r.guest_phys_addr = ~0ULL - 3 * K4 + 1;
	r.memory_size = 2 * K4;
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, 64, &change), 0);
	r.memory_size = 3 * K4;
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, 64, &change), -EINVAL);
}
END_TEST

/* Finding the slot of a gfn at and around every edge. */
START_TEST(find_at_edges)
{
	struct altp2m_memslots s;
	const struct altp2m_memslot *m[] = { &slot0, &slot1, &slot31 };
	unsigned int i;
	u64 hva;

	fill(&s);
	for (i = 0; i < ARRAY_LEN(m); i++) {
		u64 first = m[i]->base_gfn, last = first + m[i]->npages - 1;

		ck_assert_ptr_eq(altp2m_memslot_find(&s, first), m[i]);
		ck_assert_ptr_eq(altp2m_memslot_find(&s, last), m[i]);
		if (first)
			ck_assert_ptr_null(altp2m_memslot_find(&s, first - 1));
		ck_assert_ptr_null(altp2m_memslot_find(&s, last + 1));
		ck_assert_int_eq(altp2m_memslot_gfn_to_hva(&s, last, &hva), 0);
		ck_assert_uint_eq(hva, m[i]->userspace_addr +
				  (m[i]->npages - 1) * K4);
	}
	ck_assert_ptr_null(altp2m_memslot_find(&s, ~0ULL));
	hva = 42;
	ck_assert_int_eq(altp2m_memslot_gfn_to_hva(&s, 256, &hva), -ENOENT);
	ck_assert_uint_eq(hva, 42);
	ck_assert_int_eq(altp2m_memslot_gfn_to_hva(&s, (G4 >> 12) + 7, &hva),
			 0);
	ck_assert_uint_eq(hva, 0x7f0000007000ULL);
	ck_assert_uint_eq(altp2m_memslot_hva(&slot0, 0), 0x10000000);

	memset(&s, 0, sizeof(s));
	ck_assert_ptr_null(altp2m_memslot_find(&s, 0));
}
END_TEST

/* Apply check's verdicts as the glue would: create, move, delete. */
START_TEST(move_semantics)
{
	struct altp2m_memory_region r = REGION(7, 64 * M1, 2 * M1, 0x50000000);
	struct altp2m_memslot m, *found;
	struct altp2m_memslots s;
	enum altp2m_memslot_change change;
	int cookie;

	fill(&s);
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, GPA_BITS, &change), 0);
	ck_assert_int_eq(change, ALTP2M_MEMSLOT_CREATE);
	memset(&m, 0, sizeof(m));
	m.priv = &cookie;
	altp2m_memslot_set(&m, &r);
	ck_assert_uint_eq(m.id, 7);
	ck_assert_uint_eq(m.base_gfn, 64 * M1 >> 12);
	ck_assert_uint_eq(m.npages, 512);
	ck_assert_uint_eq(m.userspace_addr, 0x50000000);
	s.slot[7] = &m;

	r.guest_phys_addr = 128 * M1;
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, GPA_BITS, &change), 0);
	ck_assert_int_eq(change, ALTP2M_MEMSLOT_MOVE);
	altp2m_memslot_set(&m, &r);
	ck_assert_ptr_eq(m.priv, &cookie);	/* the backing stays */
	ck_assert_ptr_null(altp2m_memslot_find(&s, 64 * M1 >> 12));
	found = altp2m_memslot_find(&s, (128 * M1 >> 12) + 511);
	ck_assert_ptr_eq(found, &m);
	ck_assert_uint_eq(altp2m_memslot_hva(found, 128 * M1 >> 12),
			  0x50000000);
	ck_assert_uint_eq(altp2m_memslot_hva(found, (128 * M1 >> 12) + 511),
			  0x50000000 + 511 * K4);

	/* Set again unchanged: nothing to do; then the old place is free. */
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, GPA_BITS, &change), 0);
	ck_assert_int_eq(change, ALTP2M_MEMSLOT_NONE);
	r.slot = 8;
	r.guest_phys_addr = 64 * M1;
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, GPA_BITS, &change), 0);
	ck_assert_int_eq(change, ALTP2M_MEMSLOT_CREATE);
	r.guest_phys_addr = 129 * M1;
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, GPA_BITS, &change),
			 -EEXIST);

	r.slot = 7;
	r.memory_size = 0;
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, GPA_BITS, &change), 0);
	ck_assert_int_eq(change, ALTP2M_MEMSLOT_DELETE);
	s.slot[7] = NULL;
	ck_assert_ptr_null(altp2m_memslot_find(&s, 128 * M1 >> 12));
	ck_assert_int_eq(altp2m_memslot_check(&s, &r, GPA_BITS, &change),
			 -EINVAL);
}
END_TEST

/* The uAPI layout is ABI. */
START_TEST(uapi_layout)
{
	ck_assert_uint_eq(sizeof(struct altp2m_memory_region), 48);
	ck_assert_uint_eq(offsetof(struct altp2m_memory_region,
				   guest_phys_addr), 8);
	ck_assert_uint_eq(offsetof(struct altp2m_memory_region, reserved), 32);
	ck_assert_uint_eq(ALTP2M_MAX_MEM_SLOTS, 32);
}
END_TEST

static Suite *memslot_suite(void)
{
	Suite *s = suite_create("memslot");
	TCase *tc = tcase_create("regions");

	tcase_add_loop_test(tc, check_rules, 0, ARRAY_LEN(rows));
	tcase_add_test(tc, check_address_widths);
	tcase_add_test(tc, find_at_edges);
	tcase_add_test(tc, move_semantics);
	tcase_add_test(tc, uapi_layout);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(memslot_suite)
