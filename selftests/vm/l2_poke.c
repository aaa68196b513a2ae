// SPDX-License-Identifier: GPL-2.0
/*
 * Runs inside the Linux guest that linux_guest_test.sh boots on
 * altp2m-run (an L2 guest in Bochs), as the guest's side of the views
 * check: it owns one page of guest RAM, says which guest frame backs it,
 * and writes to it when told, so the test on the host can restrict that
 * frame in a view and watch the write reach the VMM as a violation.
 *
 * Protocol on stdin/stdout (the guest's serial console):
 *   out  "l2_poke: pfn 0xN"     the guest frame of the page (pagemap)
 *   in   "write K"              write K times to the page, then
 *   out  "l2_poke: wrote K sum S"
 *   in   "quit"                 exit 0
 * Not a test by itself: linux_guest_test.sh runs it in the guest.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PM_PRESENT	(1ULL << 63)
#define PM_PFN_MASK	((1ULL << 55) - 1)

static uint64_t page_pfn(const void *p)
{
	uint64_t ent = 0;
	long psz = sysconf(_SC_PAGESIZE);
	off_t off = (off_t)((uintptr_t)p / psz) * sizeof(ent);
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pread(fd, &ent, sizeof(ent), off) != sizeof(ent)) {
		perror("l2_poke: pagemap");
		exit(1);
	}
	close(fd);
	if (!(ent & PM_PRESENT) || !(ent & PM_PFN_MASK)) {
		fprintf(stderr, "l2_poke: page not present or pfn hidden\n");
		exit(1);
	}
	return ent & PM_PFN_MASK;
}

int main(void)
{
	volatile uint64_t *page;
	char line[64];
	unsigned long k, i;
	uint64_t sum = 0;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (page == MAP_FAILED || mlock((void *)page, 4096)) {
		perror("l2_poke: mmap/mlock");
		return 1;
	}
	page[0] = 1;
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("l2_poke: pfn %#llx\n", (unsigned long long)page_pfn((void *)page));
	while (fgets(line, sizeof(line), stdin)) {
		if (!strncmp(line, "quit", 4))
			return 0;
		if (sscanf(line, "write %lu", &k) != 1)
			continue;
		for (i = 0; i < k; i++) {
			page[i % 512] += i;
			sum += page[i % 512];
		}
		printf("l2_poke: wrote %lu sum %llu\n", k,
		       (unsigned long long)sum);
	}
	return 0;
}
