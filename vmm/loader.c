// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel images: an ELF vmlinux, loaded by its PT_LOAD segments at their
 * physical addresses and entered through its PVH note, or a bzImage,
 * whose compressed payload is such an ELF. The decompression happens
 * here rather than in the guest because the kernel's own decompressor
 * runs through the 16-bit/32-bit setup code, which PVH skips, and
 * because in an emulator it costs far more than in the host.
 *
 * The image is untrusted input: every offset and size is checked against
 * the file before it is used, and every segment against guest memory.
 */
#include <elf.h>
#include <errno.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "vmm.h"

int vmm_fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, VMM_ERR_LEN, fmt, ap);
	va_end(ap);
	return -1;
}

void vmm_mem_layout(struct vmm_mem *mem, uint64_t size)
{
	mem->size = size;
	mem->low_size = size < VMM_HOLE_START ? size : VMM_HOLE_START;
}

void *vmm_gpa(const struct vmm_mem *mem, uint64_t gpa, uint64_t len)
{
	uint64_t high = mem->size - mem->low_size;

	if (gpa < mem->low_size) {
		if (len > mem->low_size - gpa)
			return NULL;
		return mem->ram + gpa;
	}
	if (gpa >= VMM_4G && gpa - VMM_4G < high) {
		if (len > high - (gpa - VMM_4G))
			return NULL;
		return mem->ram + mem->low_size + (gpa - VMM_4G);
	}
	return NULL;
}

/* The ELF header fields both classes share, widened. */
struct elf_info {
	bool is64;
	uint64_t phoff;
	unsigned int phnum, phentsize;
};

struct elf_phdr {
	uint32_t type;
	uint64_t offset, paddr, filesz, memsz, align;
};

static int elf_header(const uint8_t *img, size_t len, struct elf_info *ei,
		      char *err)
{
	if (len < EI_NIDENT || memcmp(img, ELFMAG, SELFMAG))
		return vmm_fail(err, "not an ELF file or a bzImage");
	if (img[EI_DATA] != ELFDATA2LSB)
		return vmm_fail(err, "ELF: not little-endian");
	if (img[EI_CLASS] == ELFCLASS64) {
		const Elf64_Ehdr *eh = (const void *)img;

		if (len < sizeof(*eh))
			return vmm_fail(err, "ELF: truncated header");
		if (eh->e_machine != EM_X86_64)
			return vmm_fail(err, "ELF: not an x86-64 image (machine %u)",
					eh->e_machine);
		ei->is64 = true;
		ei->phoff = eh->e_phoff;
		ei->phnum = eh->e_phnum;
		ei->phentsize = eh->e_phentsize;
		if (ei->phentsize != sizeof(Elf64_Phdr))
			return vmm_fail(err, "ELF: bad program header size %u",
					ei->phentsize);
	} else if (img[EI_CLASS] == ELFCLASS32) {
		const Elf32_Ehdr *eh = (const void *)img;

		if (len < sizeof(*eh))
			return vmm_fail(err, "ELF: truncated header");
		if (eh->e_machine != EM_386)
			return vmm_fail(err, "ELF: not an x86 image (machine %u)",
					eh->e_machine);
		ei->is64 = false;
		ei->phoff = eh->e_phoff;
		ei->phnum = eh->e_phnum;
		ei->phentsize = eh->e_phentsize;
		if (ei->phentsize != sizeof(Elf32_Phdr))
			return vmm_fail(err, "ELF: bad program header size %u",
					ei->phentsize);
	} else {
		return vmm_fail(err, "ELF: unknown class %u", img[EI_CLASS]);
	}
	if (!ei->phnum)
		return vmm_fail(err, "ELF: no program headers");
	if (ei->phoff > len ||
	    (uint64_t)ei->phnum * ei->phentsize > len - ei->phoff)
		return vmm_fail(err, "ELF: program headers beyond the end of the file");
	return 0;
}

static void elf_phdr(const uint8_t *img, const struct elf_info *ei,
		     unsigned int i, struct elf_phdr *ph)
{
	const uint8_t *p = img + ei->phoff + (uint64_t)i * ei->phentsize;

	if (ei->is64) {
		Elf64_Phdr h;

		memcpy(&h, p, sizeof(h));
		*ph = (struct elf_phdr){ h.p_type, h.p_offset, h.p_paddr,
					 h.p_filesz, h.p_memsz, h.p_align };
	} else {
		Elf32_Phdr h;

		memcpy(&h, p, sizeof(h));
		*ph = (struct elf_phdr){ h.p_type, h.p_offset, h.p_paddr,
					 h.p_filesz, h.p_memsz, h.p_align };
	}
}

/* Look for the PVH entry in one PT_NOTE segment: 1 found, 0 not, -1 bad. */
static int elf_pvh_note(const uint8_t *img, size_t len,
			const struct elf_phdr *ph, uint32_t *entry, char *err)
{
	uint64_t off = ph->offset, start = off, end;
	uint64_t align = ph->align > 4 ? 8 : 4;

	if (off > len || ph->filesz > len - off)
		return vmm_fail(err, "ELF: note segment beyond the end of the file");
	end = off + ph->filesz;
	while (end - off >= 12) {
		uint32_t namesz, descsz, type;
		uint64_t name, desc, next;

		memcpy(&namesz, img + off, 4);
		memcpy(&descsz, img + off + 4, 4);
		memcpy(&type, img + off + 8, 4);
		/* Name and descriptor start aligned within the segment. */
		name = off + 12;
		if (namesz > end - name || descsz > end - name)
			return vmm_fail(err, "ELF: malformed note");
		desc = start + ((name + namesz - start + align - 1) & ~(align - 1));
		next = start + ((desc + descsz - start + align - 1) & ~(align - 1));
		if (desc > end || descsz > end - desc)
			return vmm_fail(err, "ELF: malformed note");
		if (next > end)
			next = end;
		if (namesz == 4 && !memcmp(img + name, "Xen", 4) &&
		    type == XEN_ELFNOTE_PHYS32_ENTRY) {
			if (descsz != 4 && descsz != 8)
				return vmm_fail(err, "ELF: PVH entry note of %u bytes",
						descsz);
			/* A 32-bit physical address (little-endian). */
			memcpy(entry, img + desc, 4);
			return 1;
		}
		off = next;
	}
	return 0;
}

int vmm_load_elf(struct vmm_mem *mem, const uint8_t *img, size_t len,
		 struct vmm_kernel *k, char *err)
{
	struct elf_info ei = { 0 };
	struct elf_phdr ph;
	bool have_entry = false, entry_loaded = false;
	uint32_t entry = 0;
	unsigned int i, nload = 0;
	int ret;

	if (elf_header(img, len, &ei, err))
		return -1;
	k->start = UINT64_MAX;
	k->end = 0;
	for (i = 0; i < ei.phnum && !have_entry; i++) {
		elf_phdr(img, &ei, i, &ph);
		if (ph.type != PT_NOTE)
			continue;
		ret = elf_pvh_note(img, len, &ph, &entry, err);
		if (ret < 0)
			return -1;
		have_entry = ret;
	}
	if (!have_entry)
		return vmm_fail(err, "kernel has no PVH entry point (CONFIG_PVH)");
	/* Check every segment before writing any. */
	for (i = 0; i < ei.phnum; i++) {
		elf_phdr(img, &ei, i, &ph);
		if (ph.type != PT_LOAD)
			continue;
		if (ph.offset > len || ph.filesz > len - ph.offset)
			return vmm_fail(err, "ELF: segment %u beyond the end of the file",
					i);
		if (ph.filesz > ph.memsz)
			return vmm_fail(err, "ELF: segment %u larger in the file than in memory",
					i);
		if (!ph.memsz)
			continue;
		if (ph.paddr < VMM_BIOS_END || ph.paddr + ph.memsz < ph.paddr ||
		    !vmm_gpa(mem, ph.paddr, ph.memsz))
			return vmm_fail(err, "segment %u at 0x%llx-0x%llx outside RAM (1-%llu MiB)",
					i, (unsigned long long)ph.paddr,
					(unsigned long long)(ph.paddr + ph.memsz - 1),
					(unsigned long long)(mem->low_size >> 20));
		nload++;
		if (ph.paddr < k->start)
			k->start = ph.paddr;
		if (ph.paddr + ph.memsz > k->end)
			k->end = ph.paddr + ph.memsz;
	}
	if (!nload)
		return vmm_fail(err, "ELF: no loadable segment");
	for (i = 0; i < ei.phnum; i++) {
		uint8_t *dst;

		elf_phdr(img, &ei, i, &ph);
		if (ph.type != PT_LOAD || !ph.memsz)
			continue;
		dst = vmm_gpa(mem, ph.paddr, ph.memsz);
		memcpy(dst, img + ph.offset, ph.filesz);
		memset(dst + ph.filesz, 0, ph.memsz - ph.filesz);
		if (entry >= ph.paddr && entry - ph.paddr < ph.memsz)
			entry_loaded = true;
	}
	if (!entry_loaded)
		return vmm_fail(err, "PVH entry point 0x%x is not in a loaded segment",
				entry);
	k->entry = entry;
	if (!k->format)
		k->format = "ELF";
	return 0;
}

/* Grow *@buf (capacity *@cap) for more output, up to VMM_KERNEL_MAX. */
static int grow(uint8_t **buf, size_t *cap, char *err)
{
	size_t ncap = *cap ? *cap * 2 : 32 << 20;
	uint8_t *n;

	if (*cap >= VMM_KERNEL_MAX)
		return vmm_fail(err, "bzImage: payload expands beyond %llu MiB",
				VMM_KERNEL_MAX >> 20);
	if (ncap > VMM_KERNEL_MAX)
		ncap = VMM_KERNEL_MAX;
	n = realloc(*buf, ncap);
	if (!n)
		return vmm_fail(err, "out of memory decompressing the kernel");
	*buf = n;
	*cap = ncap;
	return 0;
}

static int unxz(const uint8_t *in, size_t len, uint8_t **out, size_t *olen,
		char *err)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = 0;
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		return vmm_fail(err, "bzImage: cannot start the xz decoder");
	s.next_in = in;
	s.avail_in = len;
	do {
		if (!s.avail_out) {
			if (grow(out, &cap, err))
				goto fail;
			s.next_out = *out + s.total_out;
			s.avail_out = cap - s.total_out;
		}
		/* One stream: the 4-byte size the kernel appends follows it. */
		r = lzma_code(&s, LZMA_FINISH);
	} while (r == LZMA_OK || (r == LZMA_BUF_ERROR && !s.avail_out));
	if (r != LZMA_STREAM_END) {
		vmm_fail(err, "bzImage: corrupt xz payload (liblzma error %d)", r);
		goto fail;
	}
	*olen = s.total_out;
	lzma_end(&s);
	return 0;
fail:
	lzma_end(&s);
	return -1;
}

static int ungzip(const uint8_t *in, size_t len, uint8_t **out, size_t *olen,
		  char *err)
{
	z_stream s = { 0 };
	size_t cap = 0;
	int r;

	/* 16 + MAX_WBITS: a gzip header and trailer around the deflate data. */
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return vmm_fail(err, "bzImage: cannot start the gzip decoder");
	s.next_in = (uint8_t *)in;
	s.avail_in = len > UINT32_MAX ? UINT32_MAX : len;
	do {
		if (!s.avail_out) {
			if (grow(out, &cap, err))
				goto fail;
			s.next_out = *out + s.total_out;
			s.avail_out = cap - s.total_out;
		}
		r = inflate(&s, Z_NO_FLUSH);
	} while (r == Z_OK || (r == Z_BUF_ERROR && !s.avail_out));
	if (r != Z_STREAM_END) {
		vmm_fail(err, "bzImage: corrupt gzip payload (zlib error %d)", r);
		goto fail;
	}
	*olen = s.total_out;
	inflateEnd(&s);
	return 0;
fail:
	inflateEnd(&s);
	return -1;
}

static int unzstd(const uint8_t *in, size_t len, uint8_t **out, size_t *olen,
		  char *err)
{
	ZSTD_DStream *s = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	ZSTD_outBuffer ob = { NULL, 0, 0 };
	size_t cap = 0, r;

	if (!s)
		return vmm_fail(err, "bzImage: cannot start the zstd decoder");
	do {
		if (ob.pos == ob.size) {
			if (grow(out, &cap, err))
				goto fail;
			ob.dst = *out;
			ob.size = cap;
		}
		r = ZSTD_decompressStream(s, &ob, &ib);
		if (ZSTD_isError(r)) {
			vmm_fail(err, "bzImage: corrupt zstd payload (%s)",
				 ZSTD_getErrorName(r));
			goto fail;
		}
		/* 0: the frame ended; a stall with input left is truncation. */
	} while (r && (ib.pos < ib.size || ob.pos == ob.size));
	if (r) {
		vmm_fail(err, "bzImage: truncated zstd payload");
		goto fail;
	}
	*olen = ob.pos;
	ZSTD_freeDStream(s);
	return 0;
fail:
	ZSTD_freeDStream(s);
	return -1;
}

/* Boot protocol offsets (Documentation/arch/x86/boot.rst). */
#define BZ_SETUP_SECTS		0x1f1
#define BZ_HDRS			0x202
#define BZ_VERSION		0x206
#define BZ_PAYLOAD_OFFSET	0x248
#define BZ_PAYLOAD_LENGTH	0x24c
#define BZ_HDR_END		0x250

static bool is_bzimage(const uint8_t *img, size_t len)
{
	return len >= BZ_HDR_END && !memcmp(img + BZ_HDRS, "HdrS", 4);
}

int vmm_bzimage_payload(const uint8_t *img, size_t len, uint8_t **out,
			size_t *out_len, const char **format, char *err)
{
	static const uint8_t xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	static const uint8_t gz[] = { 0x1f, 0x8b };
	static const uint8_t zst[] = { 0x28, 0xb5, 0x2f, 0xfd };
	uint32_t off, plen, setup;
	uint16_t version;
	const uint8_t *p;
	int ret;

	if (!is_bzimage(img, len))
		return vmm_fail(err, "not an ELF file or a bzImage");
	memcpy(&version, img + BZ_VERSION, 2);
	if (version < 0x208)
		return vmm_fail(err, "bzImage: boot protocol %u.%02u before 2.08",
				version >> 8, version & 0xff);
	setup = img[BZ_SETUP_SECTS] ? img[BZ_SETUP_SECTS] : 4;
	memcpy(&off, img + BZ_PAYLOAD_OFFSET, 4);
	memcpy(&plen, img + BZ_PAYLOAD_LENGTH, 4);
	/* payload_offset counts from the protected-mode code after setup. */
	if ((uint64_t)(setup + 1) * 512 + off > len ||
	    plen > len - (setup + 1) * 512 - off || plen < 8)
		return vmm_fail(err, "bzImage: payload beyond the end of the file");
	p = img + (setup + 1) * 512 + off;
	*out = NULL;
	if (!memcmp(p, xz, sizeof(xz))) {
		*format = "bzImage (xz)";
		ret = unxz(p, plen, out, out_len, err);
	} else if (!memcmp(p, gz, sizeof(gz))) {
		*format = "bzImage (gzip)";
		ret = ungzip(p, plen, out, out_len, err);
	} else if (!memcmp(p, zst, sizeof(zst))) {
		*format = "bzImage (zstd)";
		ret = unzstd(p, plen, out, out_len, err);
	} else {
		return vmm_fail(err, "bzImage: unsupported compression (magic %02x%02x%02x%02x)",
				p[0], p[1], p[2], p[3]);
	}
	if (ret) {
		free(*out);
		*out = NULL;
	}
	return ret;
}

int vmm_load_kernel(struct vmm_mem *mem, const uint8_t *img, size_t len,
		    struct vmm_kernel *k, char *err)
{
	uint8_t *elf;
	size_t elf_len;
	int ret;

	k->format = NULL;
	if (len >= SELFMAG && !memcmp(img, ELFMAG, SELFMAG))
		return vmm_load_elf(mem, img, len, k, err);
	if (vmm_bzimage_payload(img, len, &elf, &elf_len, &k->format, err))
		return -1;
	if (elf_len < SELFMAG || memcmp(elf, ELFMAG, SELFMAG)) {
		free(elf);
		return vmm_fail(err, "bzImage: the payload is not an ELF vmlinux");
	}
	ret = vmm_load_elf(mem, elf, elf_len, k, err);
	free(elf);
	return ret;
}
