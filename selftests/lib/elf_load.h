/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal ELF64 (x86-64, little-endian) loader: read the PT_LOAD program
 * headers of a file and copy the segments into a buffer that stands for an
 * address range.
 *
 * Errors are negative errno values with a message in the caller's buffer:
 * -ENOEXEC for a file that is not a loadable x86-64 ELF64 executable,
 * -EIO for a short or failed read, -ERANGE for a segment outside the
 * destination.
 */
#ifndef SELFTEST_ELF_LOAD_H
#define SELFTEST_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS	16

struct elf_segment {
	uint64_t vaddr;		/* p_vaddr */
	uint64_t offset;	/* p_offset */
	uint64_t filesz;	/* p_filesz */
	uint64_t memsz;		/* p_memsz */
	uint32_t flags;		/* p_flags: PF_R, PF_W, PF_X */
};

struct elf_image {
	uint16_t type;		/* e_type: ET_EXEC, ET_DYN, ... */
	uint64_t entry;		/* e_entry */
	/* [lowest p_vaddr, highest p_vaddr + p_memsz) */
	uint64_t lo, hi;
	unsigned int nsegs;	/* PT_LOAD segments, in file order */
	struct elf_segment segs[ELF_MAX_SEGMENTS];
};

/* Read and check the ELF header and PT_LOAD program headers of @fd. */
int elf_parse(int fd, struct elf_image *img, char *err, size_t errlen);

/*
 * Copy every PT_LOAD segment of @img (parsed from @fd) to address
 * p_vaddr + @bias, where @dst is the host pointer of address @dst_addr and
 * holds @dst_size bytes: p_filesz bytes from the file, then zeroes up to
 * p_memsz (.bss). Bytes of @dst outside the segments are left alone.
 */
int elf_load(int fd, const struct elf_image *img, uint64_t bias, void *dst,
	     uint64_t dst_addr, uint64_t dst_size, char *err, size_t errlen);

#endif /* SELFTEST_ELF_LOAD_H */
