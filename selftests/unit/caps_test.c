// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of kmod/caps.c, the VMX capability decoder, built from the
 * module's own source file.
 */
#include <check.h>
#include <errno.h>
#include <string.h>
#include <linux/altp2m.h>

#include "../../kmod/core/caps.h"
#include "unit.h"

/* What Bochs' broadwell_ult model reports (see the project's notes). */
static const struct altp2m_vmx_msrs bochs = {
	.has_vmx = true,
	.feature_control = ALTP2M_FC_LOCKED | ALTP2M_FC_VMX_OUTSIDE_SMX,
	.basic = 0x00d810000000002bULL,
	.procbased = 0xfff9fffe0401e172ULL,
	.procbased2 = 0x00057fff00000000ULL,
	.ept_vpid_cap = 0x00000f0106334141ULL,
	.vmfunc = 0x1,
};

static int decode(const struct altp2m_vmx_msrs *m, struct altp2m_hw *hw,
		  const char **why)
{
	*why = "unset";
	return altp2m_caps_decode(m, hw, why);
}

START_TEST(bochs_has_everything)
{
	struct altp2m_hw hw;
	const char *why;

	ck_assert_int_eq(decode(&bochs, &hw, &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_uint_eq(hw.caps, ALTP2M_CAP_ALL);
	ck_assert_uint_eq(hw.vmcs_revision, 0x2b);
	ck_assert_uint_eq(hw.vmcs_size, 0x1000);
	ck_assert_mem_eq(&hw.msrs, &bochs, sizeof(bochs));
}
END_TEST

/* A CPU altp2m cannot use: the error and the words the log line needs. */
static const struct refusal {
	const char *name;
	int field;		/* which member to change */
	u64 clear, set;
	int err;
	const char *why;
} refusals[] = {
#define F_FC	0
#define F_BASIC	1
#define F_PROC	2
#define F_PROC2	3
#define F_EPT	4
	{ "fc unlocked", F_FC, ALTP2M_FC_LOCKED, 0, -EOPNOTSUPP, "not locked" },
	{ "vmx off in fc", F_FC, ALTP2M_FC_VMX_OUTSIDE_SMX, 0, -EOPNOTSUPP,
	  "disabled by firmware" },
	{ "32-bit vmx", F_BASIC, 0, ALTP2M_BASIC_32BIT_ADDR, -EOPNOTSUPP,
	  "32-bit" },
	{ "uc vmcs", F_BASIC, 0xfULL << 50, 0, -EOPNOTSUPP, "write-back" },
	{ "vmcs size 0", F_BASIC, 0x1fffULL << 32, 0, -EOPNOTSUPP, "size" },
	{ "vmcs size 8k", F_BASIC, 0x1fffULL << 32, 0x2000ULL << 32,
	  -EOPNOTSUPP, "size" },
	{ "no secondary", F_PROC, ALTP2M_PROC_SECONDARY, 0, -EOPNOTSUPP,
	  "secondary" },
	{ "no ept", F_PROC2, ALTP2M_PROC2_EPT, 0, -EOPNOTSUPP, "no EPT" },
	{ "no 4-level", F_EPT, ALTP2M_EPTCAP_WALK_4, 0, -EOPNOTSUPP, "4-level" },
	{ "no wb ept", F_EPT, ALTP2M_EPTCAP_WB, 0, -EOPNOTSUPP, "write-back" },
	{ "no invept", F_EPT, ALTP2M_EPTCAP_INVEPT, 0, -EOPNOTSUPP, "INVEPT" },
	{ "invept no types", F_EPT,
	  ALTP2M_EPTCAP_INVEPT_SINGLE | ALTP2M_EPTCAP_INVEPT_ALL, 0,
	  -EOPNOTSUPP, "INVEPT" },
};

static u64 *field(struct altp2m_vmx_msrs *m, int f)
{
	u64 *fields[] = { &m->feature_control, &m->basic, &m->procbased,
			  &m->procbased2, &m->ept_vpid_cap };
	return fields[f];
}

START_TEST(refuses_unusable_cpu)
{
	const struct refusal *r = &refusals[_i];
	struct altp2m_vmx_msrs m = bochs;
	struct altp2m_hw hw;
	const char *why;
	u64 *v = field(&m, r->field);

	*v = (*v & ~r->clear) | r->set;
	ck_assert_msg(decode(&m, &hw, &why) == r->err, "%s", r->name);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(strstr(why, r->why), "%s: reason '%s' lacks '%s'",
		      r->name, why, r->why);
	ck_assert_uint_eq(hw.caps, 0);
	ck_assert_uint_eq(hw.vmcs_revision, 0);
}
END_TEST

START_TEST(no_vmx_is_enodev)
{
	struct altp2m_vmx_msrs m = { .has_vmx = false };
	struct altp2m_hw hw;
	const char *why;

	ck_assert_int_eq(decode(&m, &hw, &why), -ENODEV);
	ck_assert_ptr_nonnull(strstr(why, "no VMX"));
}
END_TEST

/* Optional features: losing one loses exactly its capability bit. */
static const struct optional {
	int field;
	u64 clear;
	u64 lost;
} optionals[] = {
	{ F_EPT, ALTP2M_EPTCAP_EXEC_ONLY, ALTP2M_CAP_EPT_EXEC_ONLY },
	{ F_EPT, ALTP2M_EPTCAP_2M, ALTP2M_CAP_EPT_2M },
	{ F_EPT, ALTP2M_EPTCAP_1G, ALTP2M_CAP_EPT_1G },
	{ F_EPT, ALTP2M_EPTCAP_AD, ALTP2M_CAP_EPT_AD },
	{ F_EPT, ALTP2M_EPTCAP_INVEPT_SINGLE, ALTP2M_CAP_INVEPT_SINGLE },
	{ F_EPT, ALTP2M_EPTCAP_INVEPT_ALL, ALTP2M_CAP_INVEPT_ALL },
	{ F_EPT, ALTP2M_EPTCAP_INVVPID, ALTP2M_CAP_INVVPID },
	{ F_PROC2, ALTP2M_PROC2_VPID, ALTP2M_CAP_VPID | ALTP2M_CAP_INVVPID },
	{ F_PROC2, ALTP2M_PROC2_VMFUNC, ALTP2M_CAP_VMFUNC_EPTP },
	{ F_PROC2, ALTP2M_PROC2_EPT_VE, ALTP2M_CAP_VE },
	{ F_PROC2, ALTP2M_PROC2_UNRESTRICTED, ALTP2M_CAP_UNRESTRICTED },
};

START_TEST(optional_feature_lost)
{
	const struct optional *o = &optionals[_i];
	struct altp2m_vmx_msrs m = bochs;
	struct altp2m_hw hw;
	const char *why;

	*field(&m, o->field) &= ~o->clear;
	ck_assert_int_eq(decode(&m, &hw, &why), 0);
	ck_assert_uint_eq(hw.caps, ALTP2M_CAP_ALL & ~o->lost);
}
END_TEST

START_TEST(vmfunc_without_eptp_switching)
{
	struct altp2m_vmx_msrs m = bochs;
	struct altp2m_hw hw;
	const char *why;

	m.vmfunc = 0;	/* VMFUNC exists but offers no leaf 0 */
	ck_assert_int_eq(decode(&m, &hw, &why), 0);
	ck_assert_uint_eq(hw.caps & ALTP2M_CAP_VMFUNC_EPTP, 0);
}
END_TEST

START_TEST(describe_all_and_none)
{
	char buf[256];

	ck_assert_int_eq(altp2m_caps_describe(ALTP2M_CAP_ALL, buf, sizeof(buf)),
			 (int)strlen(buf));
	ck_assert_str_eq(buf, "EPT exec-only 2M 1G A/D VPID VMFUNC-EPTP #VE "
			      "INVEPT-single INVEPT-all INVVPID unrestricted");
	ck_assert_int_eq(altp2m_caps_describe(0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(altp2m_caps_describe(ALTP2M_CAP_EPT |
					      ALTP2M_CAP_VE, buf, 8), 7);
	ck_assert_str_eq(buf, "EPT #VE");
}
END_TEST

START_TEST(describe_truncates_at_names)
{
	char buf[12];

	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(altp2m_caps_describe(ALTP2M_CAP_ALL, buf, sizeof(buf)),
			 -ENOSPC);
	ck_assert_str_eq(buf, "EPT");	/* "EPT exec-only" needs 14 */
}
END_TEST

START_TEST(describe_zero_len)
{
	char c = 'x';

	ck_assert_int_eq(altp2m_caps_describe(ALTP2M_CAP_EPT, &c, 0), -ENOSPC);
	ck_assert_int_eq(c, 'x');
}
END_TEST

START_TEST(fill_reports_host)
{
	struct altp2m_caps out;
	struct altp2m_hw hw;
	const char *why;

	ck_assert_int_eq(decode(&bochs, &hw, &why), 0);
	memset(&out, 0, sizeof(out));
	out.api_version = 77;	/* output-only: ignored on input */
	ck_assert_int_eq(altp2m_caps_fill(&hw, &out), 0);
	ck_assert_uint_eq(out.api_version, ALTP2M_API_VERSION);
	ck_assert_uint_eq(out.caps, ALTP2M_CAP_ALL);
	ck_assert_uint_eq(out.vmcs_revision, 0x2b);
	ck_assert_uint_eq(out.max_views, ALTP2M_MAX_VIEWS);
	ck_assert_uint_eq(out.msr_vmx_basic, bochs.basic);
	ck_assert_uint_eq(out.msr_procbased_ctls, bochs.procbased);
	ck_assert_uint_eq(out.msr_procbased_ctls2, bochs.procbased2);
	ck_assert_uint_eq(out.msr_ept_vpid_cap, bochs.ept_vpid_cap);
	ck_assert_uint_eq(out.msr_vmfunc, bochs.vmfunc);
}
END_TEST

START_TEST(fill_rejects_flags_and_reserved)
{
	struct altp2m_caps out, before;
	struct altp2m_hw hw;
	const char *why;
	unsigned int i;

	ck_assert_int_eq(decode(&bochs, &hw, &why), 0);
	for (i = 0; i < 32; i++) {
		memset(&out, 0, sizeof(out));
		out.flags = 1u << i;
		before = out;
		ck_assert_int_eq(altp2m_caps_fill(&hw, &out), -EINVAL);
		ck_assert_mem_eq(&out, &before, sizeof(out));
	}
	for (i = 0; i < sizeof(out.reserved) / sizeof(out.reserved[0]); i++) {
		memset(&out, 0, sizeof(out));
		out.reserved[i] = 1ULL << 63;
		ck_assert_int_eq(altp2m_caps_fill(&hw, &out), -EINVAL);
	}
	/* Outputs in what was reserved space: 0 on the way in too. */
	memset(&out, 0, sizeof(out));
	out.features = 1;
	ck_assert_int_eq(altp2m_caps_fill(&hw, &out), -EINVAL);
	memset(&out, 0, sizeof(out));
	out.gpa_bits = 36;
	ck_assert_int_eq(altp2m_caps_fill(&hw, &out), -EINVAL);
	memset(&out, 0, sizeof(out));
	out.pad = 1;
	ck_assert_int_eq(altp2m_caps_fill(&hw, &out), -EINVAL);
}
END_TEST

/* The uAPI layout is ABI: any change here is a bug, not an update. */
START_TEST(uapi_layout)
{
	ck_assert_uint_eq(sizeof(struct altp2m_caps), 128);
	ck_assert_uint_eq(offsetof(struct altp2m_caps, caps), 8);
	ck_assert_uint_eq(offsetof(struct altp2m_caps, msr_vmx_basic), 24);
	ck_assert_uint_eq(offsetof(struct altp2m_caps, features), 64);
	ck_assert_uint_eq(offsetof(struct altp2m_caps, gpa_bits), 72);
	ck_assert_uint_eq(offsetof(struct altp2m_caps, reserved), 80);
	ck_assert_uint_eq(ALTP2M_GET_API_VERSION, 0xba00);
	ck_assert_uint_eq(ALTP2M_GET_CAPS, 0xc080ba01);
}
END_TEST

static Suite *caps_suite(void)
{
	Suite *s = suite_create("caps");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, bochs_has_everything);
	tcase_add_loop_test(tc, refuses_unusable_cpu, 0, ARRAY_LEN(refusals));
	tcase_add_test(tc, no_vmx_is_enodev);
	tcase_add_loop_test(tc, optional_feature_lost, 0, ARRAY_LEN(optionals));
	tcase_add_test(tc, vmfunc_without_eptp_switching);
	tcase_add_test(tc, describe_all_and_none);
	tcase_add_test(tc, describe_truncates_at_names);
	tcase_add_test(tc, describe_zero_len);
	tcase_add_test(tc, fill_reports_host);
	tcase_add_test(tc, fill_rejects_flags_and_reserved);
	tcase_add_test(tc, uapi_layout);
	suite_add_tcase(s, tc);
	return s;
}
UNIT_SUITE(caps_suite)
