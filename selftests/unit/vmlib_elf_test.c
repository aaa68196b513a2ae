// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the selftest library's ELF loader (selftests/lib/
 * elf_load.c) and of vm_check_image(): this very binary loaded from
 * /proc/self/exe and compared with its running image, and hand-made
 * ELF files, valid and broken in every way the loader checks.
 */
#define _GNU_SOURCE
#include <check.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/vm_util.h"
#include "unit.h"

/* Initialised data, changed at run time: the loader must show the file. */
static char elf_marker[] = "vmlib elf marker: as linked";
/* .bss, changed at run time: the loader must show zeroes. */
static uint64_t elf_bss_probe[64];

static int main_bias_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uint64_t *)data = info->dlpi_addr;
	return 1;	/* the first object is the main program */
}

static uint64_t main_bias(void)
{
	uint64_t bias = 0;

	dl_iterate_phdr(main_bias_cb, &bias);
	return bias;
}

/* Byte compare that ASan does not police (global redzones in .rodata). */
static __attribute__((no_sanitize_address)) size_t
first_diff(const volatile uint8_t *a, const volatile uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return i;
	return n;
}

START_TEST(self_loads_like_running_image)
{
	struct elf_image img;
	char err[256];
	uint64_t bias = main_bias(), base;
	uint8_t *dst;
	unsigned int i, ro = 0;
	size_t span;
	int fd;

	strcpy(elf_marker, "vmlib elf marker: CHANGED!!");
	memset(elf_bss_probe, 0x5a, sizeof(elf_bss_probe));

	fd = open("/proc/self/exe", O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(elf_parse(fd, &img, err, sizeof(err)), 0);
	ck_assert(img.type == ET_EXEC || img.type == ET_DYN);
	if (img.type == ET_EXEC)
		ck_assert_uint_eq(bias, 0);
	ck_assert_uint_ge(img.nsegs, 2);
	ck_assert_uint_lt(img.lo, img.hi);

	base = img.lo + bias;
	span = img.hi - img.lo;
	dst = calloc(1, span);
	ck_assert_ptr_nonnull(dst);
	ck_assert_int_eq(elf_load(fd, &img, bias, dst, base, span, err,
				  sizeof(err)), 0);

	for (i = 0; i < img.nsegs; i++) {
		const struct elf_segment *s = &img.segs[i];
		const uint8_t *live =
			(const uint8_t *)(uintptr_t)(s->vaddr + bias);
		const uint8_t *got = dst + (s->vaddr - img.lo);
		size_t d;

		ck_assert_uint_le(s->filesz, s->memsz);
		if (s->flags & PF_W)
			continue;
		/* Read-only segments: byte for byte the running image. */
		d = first_diff(got, live, s->memsz);
		ck_assert_msg(d == s->memsz, "segment %u differs at +%#zx", i,
			      d);
		ro++;
	}
	ck_assert_uint_ge(ro, 1);
	/* The entry point is inside an executable segment. */
	for (i = 0; i < img.nsegs; i++)
		if ((img.segs[i].flags & PF_X) &&
		    img.entry >= img.segs[i].vaddr &&
		    img.entry < img.segs[i].vaddr + img.segs[i].memsz)
			break;
	ck_assert_uint_lt(i, img.nsegs);
	/* Writable data as in the file, .bss zero. */
	ck_assert_str_eq((const char *)dst +
			 ((uintptr_t)elf_marker - bias - img.lo),
			 "vmlib elf marker: as linked");
	ck_assert_str_eq(elf_marker, "vmlib elf marker: CHANGED!!");
	for (i = 0; i < 64; i++) {
		uint64_t v;

		memcpy(&v, dst + ((uintptr_t)&elf_bss_probe[i] - bias - img.lo),
		       sizeof(v));
		ck_assert_uint_eq(v, 0);
	}
	free(dst);
	close(fd);
}
END_TEST

/* The unit binary is what the guest cannot use if it is PIE. */
START_TEST(check_image_wants_exec)
{
	struct elf_image img = { 0 };
	char err[512];

	img.type = ET_DYN;
	img.lo = 0x400000;
	img.hi = 0x500000;
	ck_assert_int_eq(vm_check_image(&img, 8 << 20, err, sizeof(err)),
			 -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "position-independent (ET_DYN)"));
	ck_assert_ptr_nonnull(strstr(err, "-static -no-pie"));
	ck_assert_ptr_nonnull(strstr(err, "-fno-pie"));

	img.type = ET_REL;
	ck_assert_int_eq(vm_check_image(&img, 8 << 20, err, sizeof(err)),
			 -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "not an executable"));

	img.type = ET_EXEC;
	ck_assert_int_eq(vm_check_image(&img, 8 << 20, err, sizeof(err)), 0);
	/* Into the system area. */
	img.lo = GUEST_SYS_END - PAGE_SIZE;
	ck_assert_int_eq(vm_check_image(&img, 8 << 20, err, sizeof(err)),
			 -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "system area"));
	img.lo = GUEST_SYS_END;
	ck_assert_int_eq(vm_check_image(&img, 8 << 20, err, sizeof(err)), 0);
	/* Beyond RAM. */
	ck_assert_int_eq(vm_check_image(&img, 0x4ff000, err, sizeof(err)),
			 -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "beyond"));
	ck_assert_int_eq(vm_check_image(&img, 0x500000, err, sizeof(err)), 0);
}
END_TEST

START_TEST(self_type_matches_check)
{
	struct elf_image img;
	char err[512];
	int fd = open("/proc/self/exe", O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(elf_parse(fd, &img, err, sizeof(err)), 0);
	close(fd);
	/* This binary is PIE (the default): rejected, and said why. */
	if (img.type == ET_DYN)
		ck_assert_int_eq(vm_check_image(&img, 1ULL << 40, err,
						sizeof(err)), -ENOEXEC);
}
END_TEST

/* ------------------------------------------------------ hand-made files */

/* One ELF64 x86-64 executable: header, phdrs, then the segment bytes. */
struct fake_elf {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];
	uint8_t data[64];
};

static void fake_init(struct fake_elf *f)
{
	unsigned int i;

	memset(f, 0, sizeof(*f));
	memcpy(f->eh.e_ident, ELFMAG, SELFMAG);
	f->eh.e_ident[EI_CLASS] = ELFCLASS64;
	f->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	f->eh.e_ident[EI_VERSION] = EV_CURRENT;
	f->eh.e_type = ET_EXEC;
	f->eh.e_machine = EM_X86_64;
	f->eh.e_version = EV_CURRENT;
	f->eh.e_entry = 0x401000;
	f->eh.e_phoff = offsetof(struct fake_elf, ph);
	f->eh.e_ehsize = sizeof(Elf64_Ehdr);
	f->eh.e_phentsize = sizeof(Elf64_Phdr);
	f->eh.e_phnum = 3;
	/* A note (ignored), code (16 bytes), data (16 + 16 of .bss). */
	f->ph[0].p_type = PT_NOTE;
	f->ph[0].p_offset = 0;
	f->ph[0].p_filesz = 8;
	f->ph[1].p_type = PT_LOAD;
	f->ph[1].p_flags = PF_R | PF_X;
	f->ph[1].p_offset = offsetof(struct fake_elf, data);
	f->ph[1].p_vaddr = 0x401000;
	f->ph[1].p_filesz = 16;
	f->ph[1].p_memsz = 16;
	f->ph[2].p_type = PT_LOAD;
	f->ph[2].p_flags = PF_R | PF_W;
	f->ph[2].p_offset = offsetof(struct fake_elf, data) + 32;
	f->ph[2].p_vaddr = 0x402010;
	f->ph[2].p_filesz = 16;
	f->ph[2].p_memsz = 32;
	for (i = 0; i < sizeof(f->data); i++)
		f->data[i] = (uint8_t)(i + 1);
}

static int fake_fd(const void *p, size_t len)
{
	FILE *f = tmpfile();
	int fd;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(p, 1, len, f), len);
	fflush(f);
	fd = dup(fileno(f));
	fclose(f);
	return fd;
}

static int parse(const struct fake_elf *f, size_t len, struct elf_image *img,
		 char *err, size_t errlen)
{
	int fd = fake_fd(f, len), ret;

	ret = elf_parse(fd, img, err, errlen);
	close(fd);
	return ret;
}

START_TEST(fake_parses_and_loads)
{
	struct fake_elf f;
	struct elf_image img;
	uint8_t dst[0x3000];
	char err[256];
	unsigned int i;
	int fd;

	fake_init(&f);
	fd = fake_fd(&f, sizeof(f));
	ck_assert_int_eq(elf_parse(fd, &img, err, sizeof(err)), 0);
	ck_assert_uint_eq(img.type, ET_EXEC);
	ck_assert_uint_eq(img.entry, 0x401000);
	ck_assert_uint_eq(img.nsegs, 2);
	ck_assert_uint_eq(img.lo, 0x401000);
	ck_assert_uint_eq(img.hi, 0x402030);
	ck_assert_uint_eq(img.segs[1].flags, PF_R | PF_W);
	ck_assert_uint_eq(img.segs[1].memsz, 32);

	/* At a bias of 0x1000 into [0x401000, 0x404000). */
	memset(dst, 0xee, sizeof(dst));
	ck_assert_int_eq(elf_load(fd, &img, 0x1000, dst, 0x401000,
				  sizeof(dst), err, sizeof(err)), 0);
	for (i = 0; i < sizeof(dst); i++) {
		uint64_t a = 0x401000 + i;
		uint8_t want = 0xee;

		if (a >= 0x402000 && a < 0x402010)
			want = f.data[a - 0x402000];
		if (a >= 0x403010 && a < 0x403020)
			want = f.data[32 + a - 0x403010];
		if (a >= 0x403020 && a < 0x403030)
			want = 0;
		ck_assert_msg(dst[i] == want, "byte at %#llx: %#x, want %#x",
			      (unsigned long long)a, dst[i], want);
	}
	close(fd);
}
END_TEST

START_TEST(fake_load_out_of_range)
{
	struct fake_elf f;
	struct elf_image img;
	uint8_t dst[0x2000];
	char err[256];
	int fd;

	fake_init(&f);
	fd = fake_fd(&f, sizeof(f));
	ck_assert_int_eq(elf_parse(fd, &img, err, sizeof(err)), 0);
	/* Destination starts after the first segment. */
	ck_assert_int_eq(elf_load(fd, &img, 0, dst, 0x401001, sizeof(dst),
				  err, sizeof(err)), -ERANGE);
	ck_assert_ptr_nonnull(strstr(err, "outside the destination"));
	/* Destination ends inside the .bss of the second one. */
	ck_assert_int_eq(elf_load(fd, &img, 0, dst, 0x401000, 0x1020, err,
				  sizeof(err)), -ERANGE);
	/* Exactly big enough. */
	ck_assert_int_eq(elf_load(fd, &img, 0, dst, 0x401000, 0x1030, err,
				  sizeof(err)), 0);
	close(fd);
}
END_TEST

/* Each way a file can be broken, and a word of the message. */
static const struct broken {
	const char *name;
	int field;
	uint64_t value;
	const char *why;
} broken[] = {
#define B_MAGIC		0
#define B_CLASS		1
#define B_DATA		2
#define B_VERSION	3
#define B_MACHINE	4
#define B_PHENTSIZE	5
#define B_PHNUM0	6
#define B_PHOFF		7
#define B_FILESZ	8
#define B_OFFSET	9
#define B_WRAP		10
#define B_NOLOAD	11
#define B_TRUNC		12
	{ "magic", B_MAGIC, 0, "bad magic" },
	{ "elf32", B_CLASS, ELFCLASS32, "not ELF64" },
	{ "big-endian", B_DATA, ELFDATA2MSB, "little-endian" },
	{ "version", B_VERSION, 2, "version" },
	{ "i386", B_MACHINE, EM_386, "not an x86-64" },
	{ "phentsize", B_PHENTSIZE, 32, "e_phentsize" },
	{ "no phdrs", B_PHNUM0, 0, "outside the file" },
	{ "phoff", B_PHOFF, 0x10000, "outside the file" },
	{ "filesz>memsz", B_FILESZ, 17, "p_filesz" },
	{ "offset", B_OFFSET, 0x10000, "outside the file" },
	{ "wrap", B_WRAP, 0xfffffffffffffff8ULL, "wraps" },
	{ "no PT_LOAD", B_NOLOAD, 0, "no PT_LOAD" },
	{ "truncated", B_TRUNC, 10, "shorter than an ELF header" },
};

START_TEST(fake_broken)
{
	const struct broken *b = &broken[_i];
	struct fake_elf f;
	struct elf_image img;
	size_t len = sizeof(f);
	char err[256] = "";

	fake_init(&f);
	switch (b->field) {
	case B_MAGIC:
		f.eh.e_ident[1] = 'X';
		break;
	case B_CLASS:
		f.eh.e_ident[EI_CLASS] = (uint8_t)b->value;
		break;
	case B_DATA:
		f.eh.e_ident[EI_DATA] = (uint8_t)b->value;
		break;
	case B_VERSION:
		f.eh.e_ident[EI_VERSION] = (uint8_t)b->value;
		break;
	case B_MACHINE:
		f.eh.e_machine = (uint16_t)b->value;
		break;
	case B_PHENTSIZE:
		f.eh.e_phentsize = (uint16_t)b->value;
		break;
	case B_PHNUM0:
		f.eh.e_phnum = 0;
		break;
	case B_PHOFF:
		f.eh.e_phoff = b->value;
		break;
	case B_FILESZ:
		f.ph[1].p_filesz = b->value;
		break;
	case B_OFFSET:
		f.ph[2].p_offset = b->value;
		break;
	case B_WRAP:
		f.ph[2].p_vaddr = b->value;
		break;
	case B_NOLOAD:
		f.ph[1].p_type = PT_NULL;
		f.ph[2].p_type = PT_NOTE;
		break;
	case B_TRUNC:
		len = b->value;
		break;
	}
	ck_assert_msg(parse(&f, len, &img, err, sizeof(err)) == -ENOEXEC,
		      "%s: accepted", b->name);
	ck_assert_msg(strstr(err, b->why), "%s: '%s' lacks '%s'", b->name,
		      err, b->why);
}
END_TEST

START_TEST(too_many_segments)
{
	struct {
		Elf64_Ehdr eh;
		Elf64_Phdr ph[ELF_MAX_SEGMENTS + 1];
	} f;
	struct elf_image img;
	char err[256];
	unsigned int i;
	int fd;

	fake_init((struct fake_elf *)&f);	/* same header layout */
	f.eh.e_phnum = ELF_MAX_SEGMENTS + 1;
	for (i = 0; i <= ELF_MAX_SEGMENTS; i++) {
		memset(&f.ph[i], 0, sizeof(f.ph[i]));
		f.ph[i].p_type = PT_LOAD;
		f.ph[i].p_vaddr = 0x400000 + i * 0x1000;
		f.ph[i].p_memsz = 0x10;
	}
	fd = fake_fd(&f, sizeof(f));
	ck_assert_int_eq(elf_parse(fd, &img, err, sizeof(err)), -ENOEXEC);
	ck_assert_ptr_nonnull(strstr(err, "more than"));
	close(fd);
}
END_TEST

static Suite *vmlib_elf_suite(void)
{
	Suite *s = suite_create("vmlib_elf");
	TCase *tc = tcase_create("self");

	tcase_add_test(tc, self_loads_like_running_image);
	tcase_add_test(tc, self_type_matches_check);
	tcase_add_test(tc, check_image_wants_exec);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_test(tc, fake_parses_and_loads);
	tcase_add_test(tc, fake_load_out_of_range);
	tcase_add_loop_test(tc, fake_broken, 0, ARRAY_LEN(broken));
	tcase_add_test(tc, too_many_segments);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(vmlib_elf_suite)
