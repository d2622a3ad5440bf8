/* SPDX-License-Identifier: BSD-2-Clause */
/* Stateless validation of discovery replies (the SYN cookie of a scanner).
 *
 * As ZMap does (validate.c), a SYN probe carries in its sequence number a
 * keyed hash of its connection tuple, so the receiver recognises the answer
 * to one of our probes without keeping any state per probe:
 *
 *     seq = low 32 bits of SipHash-2-4(key, src addr || dst addr ||
 *                                          src port || dst port)
 *
 * (libsodium crypto_shorthash; addresses are the 16-byte struct ks_addr
 * form, ports big-endian; key: 16 random bytes per run from randombytes_buf).
 * A SYN-ACK or RST answering the probe acknowledges seq + 1, so a reply is
 * ours only if ack - 1 equals the cookie recomputed from the reply's tuple
 * read backwards (its destination is our source). Without the key, an
 * off-path host cannot forge an "open" or "closed" answer except by guessing
 * 32 bits.
 *
 * Structs are caller-allocated; nothing allocates. A struct ks_cookie is
 * read-only after init and may be shared between threads (sender and
 * receiver). The first init calls sodium_init() (thread-safe). */
#ifndef KS_SCAN_COOKIE_H
#define KS_SCAN_COOKIE_H

#include <stdbool.h>
#include <stdint.h>

#include "ks_addr.h"

#define KS_COOKIE_KEYLEN 16 /* crypto_shorthash_KEYBYTES */

struct ks_cookie {
	uint8_t key[KS_COOKIE_KEYLEN];
};

/* A fresh random key (libsodium randombytes_buf). 0, or KS_EIO when
 * libsodium cannot be initialised. */
int ks_cookie_init(struct ks_cookie *c);
/* A given key (tests, fuzzing). Cannot fail. */
void ks_cookie_init_key(struct ks_cookie *c, const uint8_t key[KS_COOKIE_KEYLEN]);
/* Wipes the key. */
void ks_cookie_release(struct ks_cookie *c);

/* The sequence number of the probe src:sport -> dst:dport. */
uint32_t ks_cookie_seq(const struct ks_cookie *c, const struct ks_addr *src, const struct ks_addr *dst,
		       uint16_t sport, uint16_t dport);
/* Is a reply from rsrc:rsport to rdst:rdport acknowledging ack an answer to
 * our probe rdst:rdport -> rsrc:rsport? True if ack - 1 (mod 2^32) equals
 * that probe's cookie. */
bool ks_cookie_check(const struct ks_cookie *c, const struct ks_addr *rsrc, const struct ks_addr *rdst,
		     uint16_t rsport, uint16_t rdport, uint32_t ack);

#endif
