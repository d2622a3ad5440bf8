/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the survey permutation (scan_perm): every element exactly
 * once (exhaustive for small spaces, many keys), resuming from a saved
 * index, and statistical checks that the order is not a sweep. */
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_test.h"
#include "scan_perm.h"

/* Runs the whole permutation of n; checks each element once. */
static int once_each(uint64_t n, uint64_t key)
{
	struct ks_perm pm;
	uint8_t *seen = calloc(n + 1, 1);
	uint64_t e, got = 0;
	int ok = ks_perm_init(&pm, n, key) == 0;
	while (ok && ks_perm_next(&pm, &e) == 0) {
		if (e >= n || seen[e]) {
			ok = 0;
			break;
		}
		seen[e] = 1;
		got++;
	}
	ok = ok && got == n && ks_perm_next(&pm, &e) == KS_ENOENT;
	if (!ok)
		fprintf(stderr, "  n=%llu key=%llu: got %llu\n", (unsigned long long)n,
			(unsigned long long)key, (unsigned long long)got);
	free(seen);
	return ok;
}

KS_TEST(perm_exhaustive_small)
{
	for (uint64_t n = 0; n <= 600; n++)
		for (uint64_t key = 1; key <= 5; key++)
			CHECK(once_each(n, key * 0x9e3779b97f4a7c15ull + n));
	CHECK(once_each(65536, 7));
	CHECK(once_each(65536 * 20 + 3, 8)); /* a /16 times the default ports */
}

KS_TEST(perm_primes)
{
	CHECK(!ks_perm_is_prime(0) && !ks_perm_is_prime(1) && ks_perm_is_prime(2));
	CHECK(ks_perm_is_prime(65537) && !ks_perm_is_prime(65535));
	CHECK(ks_perm_is_prime(4294967311ull) && !ks_perm_is_prime(4294967297ull)); /* 641 * 6700417 */
	CHECK(ks_perm_is_prime(1125899906842597ull)); /* largest prime below 2^50 */
	CHECK(!ks_perm_is_prime(3215031751ull));     /* strong pseudoprime to bases 2, 3, 5, 7 */
	CHECK_EQ_U64(ks_perm_powmod(3, 200, 1000000007ull), 136318165);
	struct ks_perm pm;
	CHECK(ks_perm_init(&pm, KS_PERM_MAX + 1, 1) == KS_EINVAL);
	CHECK(ks_perm_init(&pm, (uint64_t)1 << 40, 99) == 0);
	CHECK(pm.p > pm.n && ks_perm_is_prime(pm.p));
	/* g generates: g^((p-1)/2) != 1 at least (the quadratic-residue test). */
	CHECK(ks_perm_powmod(pm.g, (pm.p - 1) / 2, pm.p) != 1);
}

/* Stopping anywhere and resuming from (key, index) gives the same rest. */
KS_TEST(perm_resume)
{
	const uint64_t n = 10007 * 3;
	struct ks_perm a, b;
	uint64_t e, f;
	CHECK(ks_perm_init(&a, n, 42) == 0);
	for (int i = 0; i < 12345; i++)
		CHECK(ks_perm_next(&a, &e) == 0);
	uint64_t saved = ks_perm_index(&a);
	CHECK(ks_perm_init(&b, n, 42) == 0);
	CHECK(ks_perm_seek(&b, saved) == 0);
	int same = 1, left = 0;
	while (ks_perm_next(&a, &e) == 0) {
		same &= ks_perm_next(&b, &f) == 0 && e == f;
		left++;
	}
	CHECK(same);
	CHECK_EQ_U64(left, n - 12345);
	CHECK(ks_perm_next(&b, &f) == KS_ENOENT);
	CHECK(ks_perm_seek(&b, b.p) == KS_EINVAL);
	/* Another key, another order. */
	CHECK(ks_perm_init(&a, n, 42) == 0 && ks_perm_init(&b, n, 43) == 0);
	int diff = 0;
	for (int i = 0; i < 100; i++) {
		CHECK(ks_perm_next(&a, &e) == 0 && ks_perm_next(&b, &f) == 0);
		diff += e != f;
	}
	CHECK(diff > 90);
}

/* Not a sweep: neighbours in the output are rarely neighbours in value,
 * the output rises about as often as it falls, and the first tenth of the
 * walk is spread over the whole space (each tenth of the space gets a
 * share near 10%). */
KS_TEST(perm_not_sequential)
{
	const uint64_t n = 200000;
	for (uint64_t key = 1; key <= 4; key++) {
		struct ks_perm pm;
		uint64_t prev = 0, e, adj = 0, up = 0, k = 0, decile[10] = {0};
		CHECK(ks_perm_init(&pm, n, key * 1000003) == 0);
		while (ks_perm_next(&pm, &e) == 0) {
			if (k > 0) {
				adj += e == prev + 1 || prev == e + 1;
				up += e > prev;
			}
			if (k < n / 10)
				decile[e * 10 / n]++;
			prev = e;
			k++;
		}
		CHECK_EQ_U64(k, n);
		CHECK(adj < n / 1000);
		CHECK(up > n * 4 / 10 && up < n * 6 / 10);
		for (int d = 0; d < 10; d++)
			CHECK(decile[d] > n / 100 * 8 / 10 && decile[d] < n / 100 * 12 / 10);
	}
}
