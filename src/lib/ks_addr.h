/* SPDX-License-Identifier: BSD-2-Clause */
/* IP addresses. Every address is held in 16 bytes, network order; IPv4 as
 * an IPv4-mapped IPv6 address (::ffff:a.b.c.d, RFC 4291 2.5.5.2) so that one
 * code path (prefix sets, hashing, storage) serves both families. */
#ifndef KS_ADDR_H
#define KS_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ks_addr {
	uint8_t b[16];
};

#define KS_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

static inline void ks_addr_from_v4(struct ks_addr *a, uint32_t v4 /* host order */)
{
	for (int i = 0; i < 10; i++)
		a->b[i] = 0;
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	a->b[12] = (uint8_t)(v4 >> 24);
	a->b[13] = (uint8_t)(v4 >> 16);
	a->b[14] = (uint8_t)(v4 >> 8);
	a->b[15] = (uint8_t)v4;
}

bool ks_addr_is_v4(const struct ks_addr *a);
/* Host-order IPv4 value of a mapped address; meaningful only if ks_addr_is_v4(). */
static inline uint32_t ks_addr_v4(const struct ks_addr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 | a->b[15];
}

/* Parses a dotted-quad IPv4 or an IPv6 address (NUL-terminated). 0 or KS_EINVAL. */
int ks_addr_parse(const char *s, struct ks_addr *out);
/* Writes the text form (IPv4 dotted quad for mapped addresses) into buf[KS_ADDR_STRLEN]. */
const char *ks_addr_format(const struct ks_addr *a, char *buf);
int ks_addr_cmp(const struct ks_addr *a, const struct ks_addr *b);

#endif
