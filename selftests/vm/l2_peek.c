// SPDX-License-Identifier: GPL-2.0
/*
 * Runs inside the Linux guest that linux_guest_trace_test.sh (and the
 * main job, tools/demo) boots on altp2m-run: the guest's own look at
 * bytes of its kernel, read through /proc/kcore as any debugger in the
 * guest would, so that the test can show that a function carrying a
 * hidden breakpoint reads the same as without it.
 *
 *   l2_peek ADDR LEN   prints "l2_peek: ADDR HEX" (LEN bytes, 1 .. 64)
 *
 * /proc/kcore is an ELF core file: each PT_LOAD segment gives the
 * kernel virtual addresses it covers and where they are in the file.
 * Exit status 1 on any error (with a message on stderr). Not a test by
 * itself.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LEN		64
#define MAX_PHDRS	256

static int peek(int fd, uint64_t addr, unsigned char *buf, size_t len)
{
	Elf64_Phdr ph[MAX_PHDRS];
	Elf64_Ehdr eh;
	unsigned int i, n;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr)) {
		fprintf(stderr, "l2_peek: /proc/kcore is not a 64-bit ELF file\n");
		return -1;
	}
	n = eh.e_phnum < MAX_PHDRS ? eh.e_phnum : MAX_PHDRS;
	if (pread(fd, ph, n * sizeof(ph[0]), eh.e_phoff) !=
	    (ssize_t)(n * sizeof(ph[0]))) {
		fprintf(stderr, "l2_peek: short read of the program headers\n");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (ph[i].p_type != PT_LOAD || addr < ph[i].p_vaddr ||
		    addr - ph[i].p_vaddr + len > ph[i].p_memsz)
			continue;
		if (pread(fd, buf, len, ph[i].p_offset + addr -
			  ph[i].p_vaddr) != (ssize_t)len) {
			fprintf(stderr, "l2_peek: read: %s\n",
				strerror(errno));
			return -1;
		}
		return 0;
	}
	fprintf(stderr, "l2_peek: 0x%llx is in no segment of /proc/kcore\n",
		(unsigned long long)addr);
	return -1;
}

int main(int argc, char **argv)
{
	unsigned char buf[MAX_LEN];
	unsigned long long addr;
	unsigned long len;
	char *end;
	size_t i;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: l2_peek ADDR LEN\n");
		return 1;
	}
	errno = 0;
	addr = strtoull(argv[1], &end, 16);
	if (errno || *end) {
		fprintf(stderr, "l2_peek: bad address %s\n", argv[1]);
		return 1;
	}
	len = strtoul(argv[2], &end, 0);
	if (*end || !len || len > MAX_LEN) {
		fprintf(stderr, "l2_peek: LEN must be 1 .. %d\n", MAX_LEN);
		return 1;
	}
	fd = open("/proc/kcore", O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "l2_peek: /proc/kcore: %s\n", strerror(errno));
		return 1;
	}
	if (peek(fd, addr, buf, len)) {
		close(fd);
		return 1;
	}
	close(fd);
	printf("l2_peek: %llx ", addr);
	for (i = 0; i < len; i++)
		printf("%02x", buf[i]);
	printf("\n");
	return 0;
}
