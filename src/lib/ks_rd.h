/* SPDX-License-Identifier: BSD-2-Clause */
/* Bounded reader over untrusted bytes, used by every decoder and parser.
 *
 * The first failure is sticky: later reads return 0 (or NULL) and do not
 * advance, so a parser may read a whole record and test ks_rd_err() once.
 * The reader never owns its bytes; views it returns are borrowed from base. */
#ifndef KS_RD_H
#define KS_RD_H

#include <stddef.h>
#include <stdint.h>

#include "ks_err.h"

struct ks_rd {
	const uint8_t *base;
	size_t len; /* bytes available */
	size_t off; /* next unread byte; invariant off <= len */
	int err;    /* 0 or the first KS_E* seen */
};

static inline struct ks_rd ks_rd_make(const void *p, size_t len)
{
	struct ks_rd r = {(const uint8_t *)p, len, 0, 0};
	return r;
}
static inline int ks_rd_err(const struct ks_rd *r) { return r->err; }
static inline size_t ks_rd_left(const struct ks_rd *r) { return r->err ? 0 : r->len - r->off; }
static inline size_t ks_rd_off(const struct ks_rd *r) { return r->off; }

/* True when n more bytes can be read; sets no error. */
static inline int ks_rd_has(const struct ks_rd *r, size_t n)
{
	return !r->err && n <= r->len - r->off;
}

/* Marks the reader failed with err (KS_ETRUNC or KS_EINVAL) unless it already failed. */
static inline void ks_rd_fail(struct ks_rd *r, int err)
{
	if (!r->err)
		r->err = err;
}

/* Returns a pointer to n bytes and advances, or NULL with KS_ETRUNC set. */
static inline const uint8_t *ks_rd_take(struct ks_rd *r, size_t n)
{
	if (r->err || n > r->len - r->off) {
		ks_rd_fail(r, KS_ETRUNC);
		return NULL;
	}
	const uint8_t *p = r->base + r->off;
	r->off += n;
	return p;
}

static inline uint8_t ks_rd_u8(struct ks_rd *r)
{
	const uint8_t *p = ks_rd_take(r, 1);
	return p ? p[0] : 0;
}
static inline uint16_t ks_rd_be16(struct ks_rd *r)
{
	const uint8_t *p = ks_rd_take(r, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}
static inline uint32_t ks_rd_be32(struct ks_rd *r)
{
	const uint8_t *p = ks_rd_take(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3] : 0;
}
static inline uint64_t ks_rd_be64(struct ks_rd *r)
{
	const uint8_t *p = ks_rd_take(r, 8);
	uint64_t v = 0;
	for (int i = 0; p && i < 8; i++)
		v = v << 8 | p[i];
	return v;
}
static inline uint16_t ks_rd_le16(struct ks_rd *r)
{
	const uint8_t *p = ks_rd_take(r, 2);
	return p ? (uint16_t)(p[1] << 8 | p[0]) : 0;
}
static inline uint32_t ks_rd_le32(struct ks_rd *r)
{
	const uint8_t *p = ks_rd_take(r, 4);
	return p ? (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0] : 0;
}

/* Borrowed view of n bytes, or NULL (KS_ETRUNC). */
static inline const uint8_t *ks_rd_bytes(struct ks_rd *r, size_t n) { return ks_rd_take(r, n); }

/* Copies n bytes into dst; on failure dst is zeroed. */
void ks_rd_copy(struct ks_rd *r, void *dst, size_t n);

/* Skips n bytes. */
static inline void ks_rd_skip(struct ks_rd *r, size_t n) { (void)ks_rd_take(r, n); }

/* Consumes n bytes and returns a child reader over them. If fewer than n
 * remain, the parent fails with KS_ETRUNC and the child is failed too. */
struct ks_rd ks_rd_sub(struct ks_rd *r, size_t n);

#endif
