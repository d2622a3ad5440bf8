/* SPDX-License-Identifier: BSD-2-Clause */
#include "ks_rd.h"

#include <string.h>

void ks_rd_copy(struct ks_rd *r, void *dst, size_t n)
{
	const uint8_t *p = ks_rd_take(r, n);
	if (p)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

struct ks_rd ks_rd_sub(struct ks_rd *r, size_t n)
{
	const uint8_t *p = ks_rd_take(r, n);
	struct ks_rd c = ks_rd_make(p, p ? n : 0);
	if (!p)
		c.err = KS_ETRUNC;
	return c;
}
