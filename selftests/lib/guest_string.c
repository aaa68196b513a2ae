// SPDX-License-Identifier: GPL-2.0
/*
 * memcpy, memset, memmove and memcmp for programs whose code also runs as
 * an altp2m guest (linked into the selftests in selftests/vm, never into
 * sanitizer builds).
 *
 * glibc's versions are ifuncs resolved for the host CPU: in a guest their
 * GOT slots are unrelocated and the AVX variants would #UD anyway (the
 * guest has no XSAVE state). The compiler may call these four by itself
 * (struct copies and initialisations), so guest code cannot simply avoid
 * them: the static link takes these definitions instead of libc's, for the
 * host side of the test as well. They use nothing but general-purpose
 * registers and string instructions; build this file with
 * -fno-tree-loop-distribute-patterns so that the compiler does not turn a
 * loop back into a call to itself.
 */
#include <stddef.h>
#include <stdint.h>

void *memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;

	__asm__ __volatile__("rep movsb"
			     : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
	return ret;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;

	__asm__ __volatile__("rep stosb"
			     : "+D"(dst), "+c"(n) : "a"(c) : "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d;
	const unsigned char *s;

	/* Forward is safe unless dst starts inside [src, src + n). */
	if ((uintptr_t)dst - (uintptr_t)src >= n)
		return memcpy(dst, src, n);
	d = (unsigned char *)dst + n - 1;
	s = (const unsigned char *)src + n - 1;
	__asm__ __volatile__("std\n\trep movsb\n\tcld"
			     : "+D"(d), "+S"(s), "+c"(n) : : "memory", "cc");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
