/* SPDX-License-Identifier: BSD-2-Clause */
/* CIDR prefixes and prefix sets with longest-prefix match, IPv4 and IPv6.
 *
 * Prefixes live in the same 128-bit space as struct ks_addr: an IPv4 prefix
 * a.b.c.d/n is stored as ::ffff:a.b.c.d/(96+n). A set is filled with
 * ks_pset_add(), frozen with ks_pset_build(), then queried; building flattens
 * nested prefixes into sorted disjoint intervals, each carrying the value of
 * its most specific prefix, so a lookup is one binary search. */
#ifndef KS_PREFIX_H
#define KS_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_addr.h"

struct ks_prefix {
	struct ks_addr addr; /* host bits are zero */
	unsigned len;        /* 0..128 in the mapped space */
};

/* Parses "198.18.0.0/15", "2001:db8::/32" or a bare address (a /32 or /128).
 * The text is s[0..n), not necessarily NUL-terminated. Host bits set below
 * the mask are an error (KS_EINVAL), as are bad lengths and addresses. */
int ks_prefix_parse(const char *s, size_t n, struct ks_prefix *out);
/* Writes "a.b.c.d/n" or "x::/n" into buf (at least KS_ADDR_STRLEN + 4 bytes). */
const char *ks_prefix_format(const struct ks_prefix *p, char *buf);
bool ks_prefix_contains(const struct ks_prefix *p, const struct ks_addr *a);
bool ks_prefix_is_v4(const struct ks_prefix *p);

struct ks_pset_iv; /* private interval */
struct ks_pset {
	struct ks_prefix *pfx; /* as added */
	int64_t *val;
	size_t n, cap;
	struct ks_pset_iv *iv; /* built intervals */
	size_t niv;
	uint32_t *v4lo, *v4hi; /* IPv4 fast path: member ranges, host order */
	size_t nv4;
	bool built;
};

void ks_pset_init(struct ks_pset *s);
void ks_pset_release(struct ks_pset *s);
/* Adds p with value v. Adding the same prefix twice keeps the last value.
 * Only before ks_pset_build(). Control plane: exits on out-of-memory. */
void ks_pset_add(struct ks_pset *s, const struct ks_prefix *p, int64_t v);
/* Freezes the set. Call once after the last add (may be called on an empty set). */
void ks_pset_build(struct ks_pset *s);
/* Queries below are only valid after ks_pset_build(); they read the set
 * and never write it, so built sets may be shared between threads. */
/* Longest-prefix match. True and *v set (if v != NULL) when a is covered. */
bool ks_pset_lookup(const struct ks_pset *s, const struct ks_addr *a, int64_t *v);
/* Membership of a host-order IPv4 address, without building a ks_addr.
 * Agrees with ks_pset_lookup() on the mapped address, so an IPv6 prefix
 * covering ::ffff:0:0/96 (such as ::/0) counts. Hot path: no allocation. */
bool ks_pset_has_v4(const struct ks_pset *s, uint32_t v4);
/* Number of distinct IPv4 addresses covered by the set (union of v4 prefixes,
 * overlaps counted once; 0.0.0.0/0 gives 2^32). Same coverage as has_v4. */
uint64_t ks_pset_v4_count(const struct ks_pset *s);

/* Parses a comma- and/or space-separated list of prefixes into s (not built).
 * Any run of commas, spaces, tabs, CR and LF separates two tokens. A list
 * with no tokens is KS_EINVAL (bad set to ""). On error nothing is added.
 * On error returns KS_EINVAL and writes the offending token (NUL-terminated,
 * truncated to badlen) into bad. */
int ks_pset_parse_list(struct ks_pset *s, const char *list, int64_t v, char *bad, size_t badlen);

#endif
