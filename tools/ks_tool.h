/* SPDX-License-Identifier: BSD-2-Clause */
/* What the generators in tools/ share: fatal errors, checked allocation,
 * big-endian stores, counts with k/M/G suffixes, and the PRNG (splitmix64
 * seeding xoshiro256**, public domain algorithms by Blackman and Vigna,
 * reimplemented). Define KS_TOOL (the program name) before including. */
#ifndef KS_TOOL_H
#define KS_TOOL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef KS_TOOL
#error "define KS_TOOL before including ks_tool.h"
#endif

static _Noreturn void die(const char *what, const char *detail)
{
	fprintf(stderr, "%s: %s%s%s\n", KS_TOOL, what, detail ? ": " : "", detail ? detail : "");
	exit(2);
}

/* What a tool built contradicts what it was built for: a bug in the tool. */
#define GEN_ASSERT(cond)                                                                 \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s: internal error at %s:%d: %s\n", KS_TOOL,          \
				__FILE__, __LINE__, #cond);                                                \
			abort();                                                         \
		}                                                                        \
	} while (0)

static inline void *xrealloc(void *p, size_t nmemb, size_t size)
{
	size_t n;
	if (__builtin_mul_overflow(nmemb, size, &n))
		die("allocation size overflow", NULL);
	p = realloc(p, n ? n : 1);
	if (p == NULL)
		die("out of memory", NULL);
	return p;
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Parses a decimal count with an optional k/M/G suffix (powers of 1000). */
static inline uint64_t parse_count(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	char *end;
	errno = 0;
	if (s == NULL || *s < '0' || *s > '9')
		die("expected a number for", opt);
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0)
		die("number out of range for", opt);
	uint64_t mul = 1;
	if (*end == 'k' || *end == 'K')
		mul = 1000, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1000000, end++;
	else if (*end == 'g' || *end == 'G')
		mul = 1000000000, end++;
	if (*end != '\0')
		die("trailing characters in the number for", opt);
	uint64_t r;
	if (__builtin_mul_overflow((uint64_t)v, mul, &r) || r < min || r > max)
		die("number out of range for", opt);
	return r;
}

struct rng {
	uint64_t s[4];
};

static inline uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline void rng_seed(struct rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl64(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return out;
}

/* Uniform in [0, n), n > 0 (Lemire's multiply-shift with rejection). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	uint64_t m = (rng_next(r) >> 32) * (uint64_t)n;
	uint32_t lo = (uint32_t)m;
	if (lo < n) {
		uint32_t t = (uint32_t)-n % n;
		while (lo < t) {
			m = (rng_next(r) >> 32) * (uint64_t)n;
			lo = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

#endif
