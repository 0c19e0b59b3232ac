// SPDX-License-Identifier: GPL-2.0
/* tests/sim: allocation that cannot fail (a test has nothing to fall back on), hashing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

static void *oom(void)
{
	fputs("raft-sim: out of memory\n", stderr);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	return p ? p : oom();
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	return p ? p : oom();
}

void *xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	return p ? p : oom();
}

void *xmemdup(const void *p, size_t len)
{
	void *q = xmalloc(len);

	if (len)
		memcpy(q, p, len);
	return q;
}

size_t grow_cap(size_t cap, size_t need)
{
	if (cap < 8)
		cap = 8;
	while (cap < need)
		cap *= 2;
	return cap;
}

/* FNV-1a, finished by mix64: good enough to tell entries apart */
uint64_t hash_bytes(const void *p, size_t len, uint64_t h)
{
	const uint8_t *b = p;
	size_t i;

	h ^= 0xcbf29ce484222325ULL;
	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return mix64(h ^ len);
}
