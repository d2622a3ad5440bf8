/* SPDX-License-Identifier: BSD-2-Clause */
/* Control-plane allocation: these exit the process with a message when memory
 * runs out. The data plane (per packet) must not use them; it uses bounded
 * tables that evict or drop and count instead. */
#ifndef KS_ALLOC_H
#define KS_ALLOC_H

#include <stddef.h>

void *ks_xmalloc(size_t n);
void *ks_xcalloc(size_t nmemb, size_t size);
void *ks_xreallocarray(void *p, size_t nmemb, size_t size);
char *ks_xstrdup(const char *s);
char *ks_xstrndup(const char *s, size_t n);

#endif
