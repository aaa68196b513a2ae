// SPDX-License-Identifier: GPL-2.0
/*
 * The selftests' ELF64 loader (see elf_load.h).
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "elf_load.h"

static int fail(int ret, char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(int ret, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Read exactly @len bytes at @off. */
static int read_at(int fd, void *buf, size_t len, uint64_t off)
{
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int elf_parse(int fd, struct elf_image *img, char *err, size_t errlen)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	unsigned int i;
	off_t fsize;
	int ret;

	memset(img, 0, sizeof(*img));
	fsize = lseek(fd, 0, SEEK_END);
	if (fsize < 0)
		return fail(-errno, err, errlen, "cannot size the file: %s",
			    strerror(errno));
	if ((uint64_t)fsize < sizeof(eh))
		return fail(-ENOEXEC, err, errlen,
			    "not ELF: file of %lld bytes is shorter than an "
			    "ELF header", (long long)fsize);
	ret = read_at(fd, &eh, sizeof(eh), 0);
	if (ret)
		return fail(ret, err, errlen, "cannot read the ELF header");
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return fail(-ENOEXEC, err, errlen, "not ELF: bad magic");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return fail(-ENOEXEC, err, errlen, "not ELF64 (class %u)",
			    eh.e_ident[EI_CLASS]);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(-ENOEXEC, err, errlen, "not little-endian ELF");
	if (eh.e_ident[EI_VERSION] != EV_CURRENT)
		return fail(-ENOEXEC, err, errlen, "unknown ELF version %u",
			    eh.e_ident[EI_VERSION]);
	if (eh.e_machine != EM_X86_64)
		return fail(-ENOEXEC, err, errlen,
			    "not an x86-64 ELF (e_machine %u)", eh.e_machine);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return fail(-ENOEXEC, err, errlen, "bad e_phentsize %u",
			    eh.e_phentsize);
	if (!eh.e_phnum || eh.e_phoff > (uint64_t)fsize ||
	    (uint64_t)fsize - eh.e_phoff < (uint64_t)eh.e_phnum * sizeof(ph))
		return fail(-ENOEXEC, err, errlen,
			    "program headers (%u at %#llx) outside the file",
			    eh.e_phnum, (unsigned long long)eh.e_phoff);

	img->type = eh.e_type;
	img->entry = eh.e_entry;
	img->lo = UINT64_MAX;
	for (i = 0; i < eh.e_phnum; i++) {
		struct elf_segment *s;

		ret = read_at(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph));
		if (ret)
			return fail(ret, err, errlen,
				    "cannot read program header %u", i);
		if (ph.p_type != PT_LOAD)
			continue;
		if (img->nsegs == ELF_MAX_SEGMENTS)
			return fail(-ENOEXEC, err, errlen,
				    "more than %d PT_LOAD segments",
				    ELF_MAX_SEGMENTS);
		if (ph.p_filesz > ph.p_memsz)
			return fail(-ENOEXEC, err, errlen,
				    "segment %u: p_filesz %#llx > p_memsz "
				    "%#llx",
				    i, (unsigned long long)ph.p_filesz,
				    (unsigned long long)ph.p_memsz);
		if (ph.p_offset > (uint64_t)fsize ||
		    (uint64_t)fsize - ph.p_offset < ph.p_filesz)
			return fail(-ENOEXEC, err, errlen,
				    "segment %u: file range outside the file",
				    i);
		if (ph.p_vaddr + ph.p_memsz < ph.p_vaddr)
			return fail(-ENOEXEC, err, errlen,
				    "segment %u: address range wraps", i);
		s = &img->segs[img->nsegs++];
		s->vaddr = ph.p_vaddr;
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->memsz = ph.p_memsz;
		s->flags = ph.p_flags;
		if (s->vaddr < img->lo)
			img->lo = s->vaddr;
		if (s->vaddr + s->memsz > img->hi)
			img->hi = s->vaddr + s->memsz;
	}
	if (!img->nsegs)
		return fail(-ENOEXEC, err, errlen, "no PT_LOAD segment");
	return 0;
}

int elf_load(int fd, const struct elf_image *img, uint64_t bias, void *dst,
	     uint64_t dst_addr, uint64_t dst_size, char *err, size_t errlen)
{
	unsigned int i;
	int ret;

	for (i = 0; i < img->nsegs; i++) {
		const struct elf_segment *s = &img->segs[i];
		uint64_t addr = s->vaddr + bias;
		char *p;

		if (addr < dst_addr || addr - dst_addr > dst_size ||
		    dst_size - (addr - dst_addr) < s->memsz)
			return fail(-ERANGE, err, errlen,
				    "segment %u [%#llx, %#llx) outside the "
				    "destination [%#llx, %#llx)", i,
				    (unsigned long long)addr,
				    (unsigned long long)(addr + s->memsz),
				    (unsigned long long)dst_addr,
				    (unsigned long long)(dst_addr + dst_size));
		p = (char *)dst + (addr - dst_addr);
		ret = read_at(fd, p, s->filesz, s->offset);
		if (ret)
			return fail(ret, err, errlen,
				    "cannot read segment %u (%#llx bytes at "
				    "offset %#llx)", i,
				    (unsigned long long)s->filesz,
				    (unsigned long long)s->offset);
		memset(p + s->filesz, 0, s->memsz - s->filesz);
	}
	return 0;
}
