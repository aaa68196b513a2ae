// SPDX-License-Identifier: GPL-2.0
/*
 * altp2m-run's kernel loader (vmm/loader.c): ELF images made here, 64-
 * and 32-bit, with a PVH note; the same wrapped as bzImages whose payload
 * is xz, gzip or zstd; and every malformed variant the loader checks,
 * including every truncation of a good image.
 */
#include <check.h>
#include <elf.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "vmm.h"
#include "unit.h"

#define MEM_SIZE	(4 << 20)
#define SEG_GPA		0x200000
#define SEG_FILESZ	0x300
#define SEG_MEMSZ	0x1000
#define ENTRY		(SEG_GPA + 0x10)

static struct vmm_mem mem;
static char err[VMM_ERR_LEN];

static void setup(void)
{
	vmm_mem_layout(&mem, MEM_SIZE);
	mem.ram = malloc(MEM_SIZE);
	ck_assert_ptr_nonnull(mem.ram);
	memset(mem.ram, 0xaa, MEM_SIZE);
	err[0] = 0;
}

static void teardown(void)
{
	free(mem.ram);
	mem.ram = NULL;
}

/* Offsets in the images built below. */
#define NOTE_OFF	0x100
#define SEG_OFF		0x200

struct note {
	uint32_t namesz, descsz, type;
	char name[4];
	uint32_t desc;
};

static void fill_segment(uint8_t *img)
{
	int i;

	for (i = 0; i < SEG_FILESZ; i++)
		img[SEG_OFF + i] = i * 7 + 1;
}

static void put_note(uint8_t *img, uint32_t type, uint32_t entry)
{
	struct note n = { 4, 4, type, "Xen", entry };

	memcpy(img + NOTE_OFF, &n, sizeof(n));
}

/* A 64-bit ELF: PT_NOTE (the PVH entry), PT_LOAD at SEG_GPA. */
static size_t make_elf64(uint8_t *img, uint32_t note_type, uint32_t entry)
{
	Elf64_Ehdr *eh = (void *)img;
	Elf64_Phdr *ph = (void *)(img + sizeof(*eh));
	size_t len = SEG_OFF + SEG_FILESZ;

	memset(img, 0, len);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = NOTE_OFF,
		.p_filesz = sizeof(struct note), .p_align = 4 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_offset = SEG_OFF,
		.p_paddr = SEG_GPA, .p_vaddr = 0xffffffff81000000ULL + SEG_GPA,
		.p_filesz = SEG_FILESZ, .p_memsz = SEG_MEMSZ,
		.p_align = 0x1000 };
	put_note(img, note_type, entry);
	fill_segment(img);
	return len;
}

static size_t make_elf32(uint8_t *img)
{
	Elf32_Ehdr *eh = (void *)img;
	Elf32_Phdr *ph = (void *)(img + sizeof(*eh));
	size_t len = SEG_OFF + SEG_FILESZ;

	memset(img, 0, len);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	ph[0] = (Elf32_Phdr){ .p_type = PT_NOTE, .p_offset = NOTE_OFF,
		.p_filesz = sizeof(struct note), .p_align = 4 };
	ph[1] = (Elf32_Phdr){ .p_type = PT_LOAD, .p_offset = SEG_OFF,
		.p_paddr = SEG_GPA, .p_vaddr = SEG_GPA,
		.p_filesz = SEG_FILESZ, .p_memsz = SEG_MEMSZ,
		.p_align = 0x1000 };
	put_note(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	fill_segment(img);
	return len;
}

static Elf64_Phdr *phdr64(uint8_t *img, int i)
{
	return (Elf64_Phdr *)(img + sizeof(Elf64_Ehdr)) + i;
}

static void check_loaded(const struct vmm_kernel *k)
{
	uint8_t *seg = mem.ram + SEG_GPA;
	int i;

	ck_assert_uint_eq(k->entry, ENTRY);
	ck_assert_uint_eq(k->start, SEG_GPA);
	ck_assert_uint_eq(k->end, SEG_GPA + SEG_MEMSZ);
	for (i = 0; i < SEG_FILESZ; i++)
		ck_assert_uint_eq(seg[i], (uint8_t)(i * 7 + 1));
	for (; i < SEG_MEMSZ; i++)
		ck_assert_uint_eq(seg[i], 0);		/* .bss zeroed */
	ck_assert_uint_eq(seg[SEG_MEMSZ], 0xaa);	/* nothing beyond */
	ck_assert_uint_eq(mem.ram[SEG_GPA - 1], 0xaa);
}

START_TEST(elf64_loads)
{
	uint8_t img[0x1000];
	struct vmm_kernel k = { 0 };
	size_t len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);

	ck_assert_int_eq(vmm_load_kernel(&mem, img, len, &k, err), 0);
	check_loaded(&k);
	ck_assert_str_eq(k.format, "ELF");
}
END_TEST

START_TEST(elf32_loads)
{
	uint8_t img[0x1000];
	struct vmm_kernel k = { 0 };
	size_t len = make_elf32(img);

	ck_assert_int_eq(vmm_load_kernel(&mem, img, len, &k, err), 0);
	check_loaded(&k);
}
END_TEST

/* One note before the PVH one, 8-byte aligned as GNU property notes are. */
START_TEST(elf_note_after_other_note)
{
	uint8_t img[0x1000];
	struct vmm_kernel k = { 0 };
	size_t len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	uint32_t gnu[4] = { 4, 4, 5, 0x00554e47 };	/* "GNU\0" */
	struct note n = { 4, 4, XEN_ELFNOTE_PHYS32_ENTRY, "Xen", ENTRY };

	memcpy(img + NOTE_OFF, gnu, sizeof(gnu));
	memset(img + NOTE_OFF + 16, 0x55, 4);		/* desc */
	memcpy(img + NOTE_OFF + 24, &n, sizeof(n));	/* 8-aligned */
	phdr64(img, 0)->p_filesz = 24 + sizeof(n);
	phdr64(img, 0)->p_align = 8;
	ck_assert_int_eq(vmm_load_kernel(&mem, img, len, &k, err), 0);
	ck_assert_uint_eq(k.entry, ENTRY);
}
END_TEST

static void expect_fail(const uint8_t *img, size_t len, const char *what)
{
	struct vmm_kernel k = { 0 };

	ck_assert_int_eq(vmm_load_kernel(&mem, img, len, &k, err), -1);
	ck_assert_msg(strstr(err, what), "error '%s' lacks '%s'", err, what);
	ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(elf_malformed)
{
	uint8_t img[0x1000];
	size_t len;

	memset(img, 'x', sizeof(img));
	expect_fail(img, sizeof(img), "not an ELF file or a bzImage");
	expect_fail(img, 0, "not an ELF file or a bzImage");

	len = make_elf64(img, 17, ENTRY);
	expect_fail(img, len, "no PVH entry point");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, 0x100);
	expect_fail(img, len, "not in a loaded segment");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	phdr64(img, 1)->p_paddr = MEM_SIZE - 0x800;
	expect_fail(img, len, "outside RAM");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	phdr64(img, 1)->p_paddr = 0x7000;	/* the VMM's boot data */
	expect_fail(img, len, "outside RAM");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	phdr64(img, 1)->p_paddr = UINT64_MAX - 0x10;	/* wraps */
	expect_fail(img, len, "outside RAM");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	phdr64(img, 1)->p_filesz = SEG_MEMSZ + 1;
	expect_fail(img, len, "ELF: segment 1");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	phdr64(img, 1)->p_offset = UINT64_MAX - 4;
	expect_fail(img, len, "beyond the end of the file");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	((Elf64_Ehdr *)img)->e_phnum = 0xffff;
	expect_fail(img, len, "program headers beyond the end");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	((Elf64_Ehdr *)img)->e_phentsize = 12;
	expect_fail(img, len, "bad program header size");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	((Elf64_Ehdr *)img)->e_machine = EM_AARCH64;
	expect_fail(img, len, "not an x86-64 image");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	((struct note *)(img + NOTE_OFF))->namesz = 0xfffffff0;
	expect_fail(img, len, "malformed note");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	((struct note *)(img + NOTE_OFF))->descsz = 0xfffffff0;
	expect_fail(img, len, "malformed note");

	len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	phdr64(img, 1)->p_type = PT_NULL;
	expect_fail(img, len, "no loadable segment");
}
END_TEST

/* No truncation of a good image loads or reads outside it (ASan). */
START_TEST(elf_every_truncation_fails)
{
	uint8_t img[0x1000], *copy;
	struct vmm_kernel k;
	size_t len = make_elf64(img, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY), n;

	for (n = 0; n < len; n++) {
		copy = malloc(n ? n : 1);	/* exact size: ASan sees overreads */
		memcpy(copy, img, n);
		ck_assert_int_eq(vmm_load_kernel(&mem, copy, n, &k, err), -1);
		free(copy);
	}
}
END_TEST

/* A bzImage around @payload: boot protocol 2.15, one setup sector. */
static uint8_t *make_bzimage(const uint8_t *payload, size_t plen,
			     size_t *len)
{
	size_t off = 0x40;	/* payload_offset, past a fake decompressor */
	uint8_t *img = calloc(1, 2 * 512 + off + plen);
	uint32_t v32;
	uint16_t v16 = 0x020f;

	img[0x1f1] = 1;
	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &v16, 2);
	v32 = off;
	memcpy(img + 0x248, &v32, 4);
	v32 = plen;
	memcpy(img + 0x24c, &v32, 4);
	memcpy(img + 2 * 512 + off, payload, plen);
	*len = 2 * 512 + off + plen;
	return img;
}

/* As the kernel's build does: the compressed data, then its size. */
static size_t append_size(uint8_t *out, size_t n, size_t orig)
{
	uint32_t s = orig;

	memcpy(out + n, &s, 4);
	return n + 4;
}

static size_t xz(const uint8_t *in, size_t n, uint8_t *out, size_t room)
{
	size_t pos = 0;

	ck_assert_int_eq(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL,
						 in, n, out, &pos, room),
			 LZMA_OK);
	return append_size(out, pos, n);
}

static size_t gz(const uint8_t *in, size_t n, uint8_t *out, size_t room)
{
	z_stream s = { 0 };

	ck_assert_int_eq(deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
				      Z_DEFAULT_STRATEGY), Z_OK);
	s.next_in = (uint8_t *)in;
	s.avail_in = n;
	s.next_out = out;
	s.avail_out = room;
	ck_assert_int_eq(deflate(&s, Z_FINISH), Z_STREAM_END);
	n = s.total_out;
	deflateEnd(&s);
	return append_size(out, n, s.total_in);
}

static size_t zst(const uint8_t *in, size_t n, uint8_t *out, size_t room)
{
	size_t r = ZSTD_compress(out, room, in, n, 3);

	ck_assert(!ZSTD_isError(r));
	return append_size(out, r, n);
}

typedef size_t (*compress_fn)(const uint8_t *, size_t, uint8_t *, size_t);

static void bz_roundtrip(compress_fn fn, const char *format)
{
	uint8_t elf[0x1000], z[0x2000], *img;
	struct vmm_kernel k = { 0 };
	size_t elen = make_elf64(elf, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	size_t zlen = fn(elf, elen, z, sizeof(z) - 4), len;

	img = make_bzimage(z, zlen, &len);
	ck_assert_int_eq(vmm_load_kernel(&mem, img, len, &k, err), 0);
	check_loaded(&k);
	ck_assert_str_eq(k.format, format);
	free(img);
}

START_TEST(bzimage_xz)
{
	bz_roundtrip(xz, "bzImage (xz)");
}
END_TEST

START_TEST(bzimage_gzip)
{
	bz_roundtrip(gz, "bzImage (gzip)");
}
END_TEST

START_TEST(bzimage_zstd)
{
	bz_roundtrip(zst, "bzImage (zstd)");
}
END_TEST

START_TEST(bzimage_malformed)
{
	uint8_t elf[0x1000], z[0x2000], *img, *copy;
	size_t elen = make_elf64(elf, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	size_t zlen = xz(elf, elen, z, sizeof(z) - 4), len, n;
	uint32_t v32;
	uint16_t v16;

	/* The payload runs past the end of the file. */
	img = make_bzimage(z, zlen, &len);
	v32 = zlen + 1;
	memcpy(img + 0x24c, &v32, 4);
	expect_fail(img, len, "payload beyond the end of the file");
	v32 = 0xfffffff0;
	memcpy(img + 0x248, &v32, 4);
	expect_fail(img, len, "payload beyond the end of the file");
	free(img);

	/* Boot protocol too old to say where the payload is. */
	img = make_bzimage(z, zlen, &len);
	v16 = 0x0207;
	memcpy(img + 0x206, &v16, 2);
	expect_fail(img, len, "boot protocol 2.07 before 2.08");
	free(img);

	/* Corrupt xz data. */
	img = make_bzimage(z, zlen, &len);
	img[len - 40] ^= 0xff;
	expect_fail(img, len, "corrupt xz payload");
	free(img);

	/* Compression the loader does not know (bzip2). */
	memcpy(z, "BZh91AY&SY", 10);
	img = make_bzimage(z, 64, &len);
	expect_fail(img, len, "unsupported compression");
	free(img);

	/* A good xz payload that is not an ELF. */
	memset(elf, 'k', sizeof(elf));
	zlen = xz(elf, sizeof(elf), z, sizeof(z) - 4);
	img = make_bzimage(z, zlen, &len);
	expect_fail(img, len, "payload is not an ELF vmlinux");
	free(img);

	/* Every truncation of a good one fails cleanly. */
	elen = make_elf64(elf, XEN_ELFNOTE_PHYS32_ENTRY, ENTRY);
	zlen = xz(elf, elen, z, sizeof(z) - 4);
	img = make_bzimage(z, zlen, &len);
	for (n = 0; n < len; n++) {
		struct vmm_kernel k;

		copy = malloc(n ? n : 1);
		memcpy(copy, img, n);
		ck_assert_int_eq(vmm_load_kernel(&mem, copy, n, &k, err), -1);
		free(copy);
	}
	free(img);
}
END_TEST

START_TEST(gpa_ranges)
{
	struct vmm_mem m = { .ram = (uint8_t *)0x10000 };

	vmm_mem_layout(&m, VMM_HOLE_START + 0x200000);
	ck_assert_uint_eq(m.low_size, VMM_HOLE_START);
	ck_assert_ptr_eq(vmm_gpa(&m, 0, 1), m.ram);
	ck_assert_ptr_eq(vmm_gpa(&m, VMM_HOLE_START - 1, 1),
			 m.ram + VMM_HOLE_START - 1);
	ck_assert_ptr_null(vmm_gpa(&m, VMM_HOLE_START - 1, 2));
	ck_assert_ptr_null(vmm_gpa(&m, VMM_HOLE_START, 1));
	ck_assert_ptr_null(vmm_gpa(&m, VMM_4G - 1, 1));
	ck_assert_ptr_eq(vmm_gpa(&m, VMM_4G, 0x200000),
			 m.ram + VMM_HOLE_START);
	ck_assert_ptr_null(vmm_gpa(&m, VMM_4G, 0x200001));
	ck_assert_ptr_null(vmm_gpa(&m, VMM_4G + 0x200000, 1));
	ck_assert_ptr_null(vmm_gpa(&m, 0, UINT64_MAX));

	vmm_mem_layout(&m, 1 << 20);
	ck_assert_uint_eq(m.low_size, 1 << 20);
	ck_assert_ptr_null(vmm_gpa(&m, VMM_4G, 1));
}
END_TEST

static Suite *vmm_loader_suite(void)
{
	Suite *s = suite_create("vmm_loader");
	TCase *tc = tcase_create("loader");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, elf64_loads);
	tcase_add_test(tc, elf32_loads);
	tcase_add_test(tc, elf_note_after_other_note);
	tcase_add_test(tc, elf_malformed);
	tcase_add_test(tc, elf_every_truncation_fails);
	tcase_add_test(tc, bzimage_xz);
	tcase_add_test(tc, bzimage_gzip);
	tcase_add_test(tc, bzimage_zstd);
	tcase_add_test(tc, bzimage_malformed);
	tcase_add_test(tc, gpa_ranges);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_SUITE(vmm_loader_suite)
