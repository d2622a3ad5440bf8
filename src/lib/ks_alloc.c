/* SPDX-License-Identifier: BSD-2-Clause */
#include "ks_alloc.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Noreturn void oom(size_t n)
{
	fprintf(stderr, "kansoku: out of memory (allocating %zu bytes)\n", n);
	exit(70);
}

void *ks_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *ks_xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *ks_xreallocarray(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n))
		oom(SIZE_MAX);
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *ks_xstrdup(const char *s)
{
	return ks_xstrndup(s, strlen(s));
}

char *ks_xstrndup(const char *s, size_t n)
{
	char *p = ks_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
