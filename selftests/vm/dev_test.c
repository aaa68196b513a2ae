// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/altp2m discovery: API version, capability query and how both
 * reject bad input. The capability bits are checked against the MSRs as
 * read independently through /dev/cpu/0/msr, so the test fails if the
 * module decodes anything differently from the SDM's rules restated here.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/altp2m.h>

#include "../lib/harness.h"

static int open_dev(struct altp2m_test *_t)
{
	int fd = open("/dev/altp2m", O_RDWR | O_CLOEXEC);

	ASSERT_GE(fd, 0);
	return fd;
}

static int get_caps(int fd, struct altp2m_caps *c)
{
	memset(c, 0, sizeof(*c));
	return ioctl(fd, ALTP2M_GET_CAPS, c);
}

static uint64_t rdmsr(struct altp2m_test *_t, int msrfd, uint32_t msr)
{
	uint64_t v = 0;

	ASSERT_EQ(pread(msrfd, &v, sizeof(v), msr), sizeof(v));
	return v;
}

TEST(api_version)
{
	int fd = open_dev(_t);

	ASSERT_EQ(ioctl(fd, ALTP2M_GET_API_VERSION, 0), ALTP2M_API_VERSION);
	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_API_VERSION, 1), EINVAL);
	close(fd);
}

TEST(caps_basic)
{
	struct altp2m_caps c;
	unsigned int i;
	int fd = open_dev(_t);

	ASSERT_EQ(get_caps(fd, &c), 0);
	EXPECT_EQ(c.flags, 0);
	EXPECT_EQ(c.api_version, ALTP2M_API_VERSION);
	EXPECT_EQ(c.max_views, ALTP2M_MAX_VIEWS);
	EXPECT_TRUE(c.caps & ALTP2M_CAP_EPT);
	EXPECT_EQ(c.caps & ~ALTP2M_CAP_ALL, 0);
	EXPECT_NE(c.vmcs_revision, 0);
	EXPECT_EQ(c.vmcs_revision, c.msr_vmx_basic & 0x7fffffff);
	for (i = 0; i < sizeof(c.reserved) / sizeof(c.reserved[0]); i++)
		EXPECT_EQ(c.reserved[i], 0);
	close(fd);
}

static int open_msr(struct altp2m_test *_t)
{
	int fd = open("/dev/cpu/0/msr", O_RDONLY);

	if (fd < 0 && system("insmod modules/msr.ko 2>/dev/null") == 0)
		fd = open("/dev/cpu/0/msr", O_RDONLY);
	if (fd < 0)
		SKIP("no /dev/cpu/0/msr to cross-check against");
	return fd;
}

#define BIT(n) (1ULL << (n))

TEST(caps_match_msrs)
{
	uint64_t basic, proc, proc2 = 0, ept = 0, vmfunc = 0, want;
	struct altp2m_caps c;
	int fd = open_dev(_t), msr = open_msr(_t);

	ASSERT_EQ(get_caps(fd, &c), 0);
	basic = rdmsr(_t, msr, 0x480);
	proc = rdmsr(_t, msr, basic & BIT(55) ? 0x48e : 0x482);
	if (proc & BIT(63))
		proc2 = rdmsr(_t, msr, 0x48b);
	if (proc2 & (BIT(33) | BIT(37)))
		ept = rdmsr(_t, msr, 0x48c);
	if (proc2 & BIT(45))
		vmfunc = rdmsr(_t, msr, 0x491);
	TH_LOG("basic %#llx proc %#llx proc2 %#llx ept %#llx vmfunc %#llx",
	       (unsigned long long)basic, (unsigned long long)proc,
	       (unsigned long long)proc2, (unsigned long long)ept,
	       (unsigned long long)vmfunc);

	EXPECT_EQ(c.msr_vmx_basic, basic);
	EXPECT_EQ(c.msr_procbased_ctls, proc);
	EXPECT_EQ(c.msr_procbased_ctls2, proc2);
	EXPECT_EQ(c.msr_ept_vpid_cap, ept);
	EXPECT_EQ(c.msr_vmfunc, vmfunc);

	/* SDM appendix A, restated independently of the module's decoder. */
	want = ALTP2M_CAP_EPT;
	if (ept & BIT(0))
		want |= ALTP2M_CAP_EPT_EXEC_ONLY;
	if (ept & BIT(16))
		want |= ALTP2M_CAP_EPT_2M;
	if (ept & BIT(17))
		want |= ALTP2M_CAP_EPT_1G;
	if (ept & BIT(21))
		want |= ALTP2M_CAP_EPT_AD;
	if (ept & BIT(25))
		want |= ALTP2M_CAP_INVEPT_SINGLE;
	if (ept & BIT(26))
		want |= ALTP2M_CAP_INVEPT_ALL;
	if (proc2 & BIT(37))
		want |= ALTP2M_CAP_VPID | (ept & BIT(32) ? ALTP2M_CAP_INVVPID : 0);
	if ((proc2 & BIT(45)) && (vmfunc & BIT(0)))
		want |= ALTP2M_CAP_VMFUNC_EPTP;
	if (proc2 & BIT(50))
		want |= ALTP2M_CAP_VE;
	if (proc2 & BIT(39))
		want |= ALTP2M_CAP_UNRESTRICTED;
	EXPECT_EQ(c.caps, want);
	close(msr);
	close(fd);
}

/*
 * The emulated CPU the suite runs on (Bochs broadwell_ult) has EPTP
 * switching and #VE although /proc/cpuinfo does not say so for the
 * former: the module must find both by itself.
 */
TEST(caps_finds_eptp_switching_and_ve)
{
	struct altp2m_caps c;
	int fd = open_dev(_t), msr = open_msr(_t);

	ASSERT_EQ(get_caps(fd, &c), 0);
	if (!(rdmsr(_t, msr, 0x48b) & BIT(45)))
		SKIP("this CPU has no VMFUNC");
	EXPECT_TRUE(c.caps & ALTP2M_CAP_VMFUNC_EPTP);
	EXPECT_TRUE(c.caps & ALTP2M_CAP_VE);
	close(msr);
	close(fd);
}

TEST(caps_rejects_flags_and_reserved)
{
	struct altp2m_caps c;
	int fd = open_dev(_t);

	memset(&c, 0, sizeof(c));
	c.flags = 1;
	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_CAPS, &c), EINVAL);
	EXPECT_EQ(c.caps, 0);		/* untouched on failure */
	c.flags = 0x80000000u;
	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_CAPS, &c), EINVAL);
	c.flags = 0;
	c.reserved[5] = 1;
	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_CAPS, &c), EINVAL);
	c.reserved[5] = 0;
	/* Outputs that took reserved space: still 0 on the way in. */
	c.features = 1;
	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_CAPS, &c), EINVAL);
	c.features = 0;
	c.gpa_bits = 36;
	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_CAPS, &c), EINVAL);
	c.gpa_bits = 0;
	c.pad = 1;
	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_CAPS, &c), EINVAL);
	c.pad = 0;
	ASSERT_EQ(ioctl(fd, ALTP2M_GET_CAPS, &c), 0);
	/* The host's MAXPHYADDR, as /proc/cpuinfo has it, at most 48. */
	EXPECT_TRUE(c.gpa_bits >= 36 && c.gpa_bits <= 48);
	close(fd);
}

TEST(caps_bad_pointer)
{
	int fd = open_dev(_t);

	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_CAPS, NULL), EFAULT);
	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_CAPS, (void *)16), EFAULT);
	ASSERT_ERRNO(ioctl(fd, ALTP2M_GET_CAPS, (void *)~0UL), EFAULT);
	close(fd);
}

TEST(unknown_ioctls)
{
	char buf[256] = { 0 };
	int fd = open_dev(_t);

	ASSERT_ERRNO(ioctl(fd, _IO(ALTP2MIO, 0x7f), 0), ENOTTY);
	/* The right number with the wrong size is a different ioctl. */
	ASSERT_ERRNO(ioctl(fd, _IOWR(ALTP2MIO, 0x01, uint64_t), buf), ENOTTY);
	ASSERT_ERRNO(ioctl(fd, _IOR(ALTP2MIO, 0x01, struct altp2m_caps), buf),
		     ENOTTY);
	ASSERT_ERRNO(ioctl(fd, _IO('T', 0x01), 0), ENOTTY);
	close(fd);
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(stat("/dev/altp2m", &st), 0);
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(st.st_mode & 0777, 0660);
}

TEST(unprivileged_open_denied)
{
	if (setgid(65534) || setuid(65534))
		SKIP("cannot drop privileges");
	ASSERT_ERRNO(open("/dev/altp2m", O_RDWR), EACCES);
}

TEST_HARNESS_MAIN
