/* SPDX-License-Identifier: BSD-2-Clause */
/* Pseudo-random permutation of the survey space (targets x ports).
 *
 * As ZMap does (Adrian, Durumeric et al., "Zippier ZMap", 2014): elements
 * 0..N-1 are visited by walking the cyclic multiplicative group of the
 * integers modulo a prime p > N,
 *
 *     x_0 = s,   x_(k+1) = g * x_k mod p        (1 <= x < p)
 *
 * where g is a random generator (primitive root) of (Z/pZ)* and s a random
 * start, both derived from a 64-bit key. The walk has period p - 1 and
 * meets every x in 1..p-1 exactly once; the element is x - 1, and values
 * >= N are skipped (cycle walking). p is the smallest prime above N, so
 * few are skipped. Consecutive elements are g-multiples of each other
 * modulo p, never neighbours of a sequential sweep, so a survey never
 * sweeps one network.
 *
 * The state is (key, index): index counts group steps taken, and x_index =
 * s * g^index mod p is recomputed from it in O(log index), so an
 * interrupted survey resumes exactly where it stopped (--resume) from those
 * two numbers. Not for cryptographic secrecy: the order should merely not
 * be predictable from outside or sequential.
 *
 * N may be at most KS_PERM_MAX. Structs are caller-allocated; no
 * allocation. A struct ks_perm is used by one thread. */
#ifndef KS_SCAN_PERM_H
#define KS_SCAN_PERM_H

#include <stdint.h>

#define KS_PERM_MAX ((uint64_t)1 << 50) /* 2^32 targets x 2^17 ports < 2^50 */

struct ks_perm {
	uint64_t n;     /* elements */
	uint64_t p;     /* prime > n */
	uint64_t g;     /* generator */
	uint64_t start; /* x_0 */
	uint64_t key;
	uint64_t index; /* group steps taken, 0 .. p-1 */
	uint64_t x;     /* x_index */
};

/* Sets up the permutation of 0..n-1 for key, at index 0. 0, or KS_EINVAL
 * when n > KS_PERM_MAX. n == 0 is a permutation that is done at once. */
int ks_perm_init(struct ks_perm *pm, uint64_t n, uint64_t key);
/* Moves to group step index (0 <= index <= p-1, p-1 meaning done): the
 * saved position of a survey. 0 or KS_EINVAL. */
int ks_perm_seek(struct ks_perm *pm, uint64_t index);
/* Next element into *out. 0, or KS_ENOENT when all n have been given. */
int ks_perm_next(struct ks_perm *pm, uint64_t *out);
/* The position to save for --resume (with pm->key). */
static inline uint64_t ks_perm_index(const struct ks_perm *pm) { return pm->index; }

/* Helpers, exposed for tests. */
uint64_t ks_perm_mulmod(uint64_t a, uint64_t b, uint64_t m);
uint64_t ks_perm_powmod(uint64_t a, uint64_t e, uint64_t m);
int ks_perm_is_prime(uint64_t n);

#endif
