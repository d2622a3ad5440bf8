/* SPDX-License-Identifier: BSD-2-Clause */
/* Discovery cookies: SipHash-2-4 of the probe's tuple under a per-run key
 * (contract in scan_cookie.h). */
#include "scan_cookie.h"

#include <sodium.h>
#include <string.h>

#include "ks_err.h"

#if KS_COOKIE_KEYLEN != crypto_shorthash_KEYBYTES
#error "KS_COOKIE_KEYLEN must be crypto_shorthash_KEYBYTES"
#endif

int ks_cookie_init(struct ks_cookie *c)
{
	if (sodium_init() < 0)
		return KS_EIO;
	randombytes_buf(c->key, sizeof c->key);
	return 0;
}

void ks_cookie_init_key(struct ks_cookie *c, const uint8_t key[KS_COOKIE_KEYLEN])
{
	memcpy(c->key, key, KS_COOKIE_KEYLEN);
}

void ks_cookie_release(struct ks_cookie *c)
{
	sodium_memzero(c->key, sizeof c->key);
}

uint32_t ks_cookie_seq(const struct ks_cookie *c, const struct ks_addr *src, const struct ks_addr *dst,
		       uint16_t sport, uint16_t dport)
{
	uint8_t in[36], h[crypto_shorthash_BYTES];
	memcpy(in, src->b, 16);
	memcpy(in + 16, dst->b, 16);
	in[32] = (uint8_t)(sport >> 8);
	in[33] = (uint8_t)sport;
	in[34] = (uint8_t)(dport >> 8);
	in[35] = (uint8_t)dport;
	/* crypto_shorthash (SipHash-2-4) never fails; it returns 0. */
	(void)crypto_shorthash(h, in, sizeof in, c->key);
	return (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
}

bool ks_cookie_check(const struct ks_cookie *c, const struct ks_addr *rsrc, const struct ks_addr *rdst,
		     uint16_t rsport, uint16_t rdport, uint32_t ack)
{
	return ack - 1u == ks_cookie_seq(c, rdst, rsrc, rdport, rsport);
}
