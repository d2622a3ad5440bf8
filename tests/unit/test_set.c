/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for ks_set.h: u32 sets (key 0, inline -> table growth, caps and
 * saturation, sorted export), u32 count maps (inline count overflow moving
 * to the table, caps), blob codecs with their validation, and the sorted
 * union / merge helpers. */
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_set.h"
#include "ks_test.h"

static int is_pow2(uint32_t x)
{
	return x && (x & (x - 1)) == 0;
}

/* ---- maps ---- */

KS_TEST(set_map_inline_counts)
{
	struct ks_u32map m = {0};
	CHECK_EQ_U64(ks_u32map_add(&m, 5, 3, 10), 0);
	CHECK_EQ_U64(ks_u32map_add(&m, 5, 4, 10), 0);
	CHECK_EQ_U64(m.n, 1);
	CHECK_EQ_U64(m.cap, 0);
	CHECK_EQ_U64(ks_u32map_heap(&m), 0);
	struct ks_kv out[1];
	ks_u32map_sorted(&m, out);
	CHECK_EQ_U64(out[0].k, 5);
	CHECK_EQ_U64(out[0].v, 7);
	ks_u32map_release(&m);
	CHECK_EQ_U64(m.n, 0);
}

KS_TEST(set_map_empty_export)
{
	struct ks_u32map m = {0};
	struct ks_kv out[1] = {{99, 99}};
	ks_u32map_sorted(&m, out);
	CHECK_EQ_U64(out[0].k, 99);
	CHECK_EQ_U64(ks_u32map_heap(&m), 0);
	ks_u32map_release(&m);
}

KS_TEST(set_map_growth_and_sorted)
{
	struct ks_u32map m = {0};
	/* keys 1000, 999, ..., 1 with count = key, each added in two halves */
	for (uint32_t k = 1000; k >= 1; k--) {
		CHECK_EQ_U64(ks_u32map_add(&m, k, k / 2, 5000), 0);
		CHECK_EQ_U64(ks_u32map_add(&m, k, k - k / 2, 5000), 0);
	}
	CHECK_EQ_U64(m.n, 1000);
	CHECK(!m.saturated);
	CHECK(is_pow2(m.cap));
	CHECK(m.cap >= 2000);
	CHECK_EQ_U64(ks_u32map_heap(&m), (size_t)m.cap * sizeof(struct ks_kv));
	struct ks_kv *out = malloc(1000 * sizeof *out);
	ks_u32map_sorted(&m, out);
	int bad = 0;
	for (uint32_t i = 0; i < 1000; i++)
		bad += out[i].k != i + 1 || out[i].v != i + 1;
	CHECK_EQ_U64(bad, 0);
	free(out);
	ks_u32map_release(&m);
	CHECK_EQ_U64(m.cap, 0);
}

KS_TEST(set_map_inline_overflow_moves_to_table)
{
	struct ks_u32map m = {0};
	CHECK_EQ_U64(ks_u32map_add(&m, 77, UINT32_MAX, 10), 0);
	CHECK_EQ_U64(m.cap, 0); /* 2^32-1 still fits inline */
	struct ks_kv out[2];
	ks_u32map_sorted(&m, out);
	CHECK_EQ_U64(out[0].v, UINT32_MAX);
	CHECK_EQ_U64(ks_u32map_add(&m, 77, 1, 10), 0);
	CHECK(m.cap > 0); /* moved to the table */
	CHECK_EQ_U64(m.n, 1);
	ks_u32map_sorted(&m, out);
	CHECK_EQ_U64(out[0].k, 77);
	CHECK_EQ_U64(out[0].v, (uint64_t)UINT32_MAX + 1);
	CHECK_EQ_U64(ks_u32map_add(&m, 77, 5, 10), 0);
	CHECK_EQ_U64(ks_u32map_add(&m, 3, 1, 10), 0);
	ks_u32map_sorted(&m, out);
	CHECK_EQ_U64(out[0].k, 3);
	CHECK_EQ_U64(out[0].v, 1);
	CHECK_EQ_U64(out[1].k, 77);
	CHECK_EQ_U64(out[1].v, (uint64_t)UINT32_MAX + 6);
	ks_u32map_release(&m);
}

KS_TEST(set_map_large_first_count)
{
	struct ks_u32map m = {0};
	uint64_t big = (uint64_t)1 << 40;
	CHECK_EQ_U64(ks_u32map_add(&m, 9, big, 10), 0);
	CHECK_EQ_U64(m.n, 1);
	struct ks_kv out[1];
	ks_u32map_sorted(&m, out);
	CHECK_EQ_U64(out[0].k, 9);
	CHECK_EQ_U64(out[0].v, big);
	CHECK_EQ_U64(ks_u32map_add(&m, 9, 1, 10), 0);
	ks_u32map_sorted(&m, out);
	CHECK_EQ_U64(out[0].v, big + 1);
	ks_u32map_release(&m);
}

KS_TEST(set_map_overflow_at_cap_one_keeps_count)
{
	/* cap 1: the inline entry overflowing must still count exactly */
	struct ks_u32map m = {0};
	CHECK_EQ_U64(ks_u32map_add(&m, 4, UINT32_MAX - 1, 1), 0);
	CHECK_EQ_U64(ks_u32map_add(&m, 4, 10, 1), 0);
	CHECK_EQ_U64(m.n, 1);
	CHECK(!m.saturated);
	struct ks_kv out[1];
	ks_u32map_sorted(&m, out);
	CHECK_EQ_U64(out[0].v, (uint64_t)UINT32_MAX + 9);
	CHECK_EQ_U64(ks_u32map_add(&m, 5, 1, 1), KS_ELIMIT);
	CHECK(m.saturated);
	CHECK_EQ_U64(m.n, 1);
	ks_u32map_release(&m);
}

KS_TEST(set_map_cap_saturation)
{
	struct ks_u32map m = {0};
	CHECK_EQ_U64(ks_u32map_add(&m, 1, 1, 3), 0);
	CHECK_EQ_U64(ks_u32map_add(&m, 2, 2, 3), 0);
	CHECK_EQ_U64(ks_u32map_add(&m, 3, 3, 3), 0);
	CHECK(!m.saturated);
	CHECK_EQ_U64(ks_u32map_add(&m, 4, 4, 3), KS_ELIMIT);
	CHECK(m.saturated);
	CHECK_EQ_U64(m.n, 3);
	/* existing keys keep counting exactly */
	CHECK_EQ_U64(ks_u32map_add(&m, 2, 100, 3), 0);
	struct ks_kv out[3];
	ks_u32map_sorted(&m, out);
	CHECK_EQ_U64(out[0].k, 1);
	CHECK_EQ_U64(out[0].v, 1);
	CHECK_EQ_U64(out[1].k, 2);
	CHECK_EQ_U64(out[1].v, 102);
	CHECK_EQ_U64(out[2].k, 3);
	CHECK_EQ_U64(out[2].v, 3);
	ks_u32map_release(&m);
	CHECK(!m.saturated);

	/* cap 1 with a second key; cap 0 refuses everything */
	struct ks_u32map one = {0};
	CHECK_EQ_U64(ks_u32map_add(&one, 10, 1, 1), 0);
	CHECK_EQ_U64(ks_u32map_add(&one, 11, 1, 1), KS_ELIMIT);
	CHECK_EQ_U64(ks_u32map_add(&one, 10, 1, 1), 0);
	CHECK_EQ_U64(one.n, 1);
	struct ks_kv o1[1];
	ks_u32map_sorted(&one, o1);
	CHECK_EQ_U64(o1[0].k, 10);
	CHECK_EQ_U64(o1[0].v, 2);
	ks_u32map_release(&one);

	struct ks_u32map zero = {0};
	CHECK_EQ_U64(ks_u32map_add(&zero, 10, 1, 0), KS_ELIMIT);
	CHECK(zero.saturated);
	CHECK_EQ_U64(zero.n, 0);
	ks_u32map_release(&zero);
}

/* ---- blobs ---- */

KS_TEST(set_blob_set_round_trip)
{
	const uint32_t keys[] = {0, 1, 0x01020304u, 0xfffffffeu, 0xffffffffu};
	uint8_t blob[sizeof keys];
	ks_blob_put_set(blob, keys, 5);
	/* little-endian on the wire */
	CHECK_EQ_U64(blob[8], 0x04);
	CHECK_EQ_U64(blob[9], 0x03);
	CHECK_EQ_U64(blob[10], 0x02);
	CHECK_EQ_U64(blob[11], 0x01);
	CHECK_EQ_U64(blob[4], 1);
	CHECK_EQ_U64(blob[5], 0);
	uint32_t *out = NULL;
	size_t n = 0;
	CHECK_EQ_U64(ks_blob_get_set(blob, sizeof blob, &out, &n), 0);
	CHECK_EQ_U64(n, 5);
	if (out && n == 5)
		for (size_t i = 0; i < 5; i++)
			CHECK_EQ_U64(out[i], keys[i]);
	free(out);

	/* empty blob: an empty set */
	out = NULL;
	n = 99;
	CHECK_EQ_U64(ks_blob_get_set(blob, 0, &out, &n), 0);
	CHECK_EQ_U64(n, 0);
	free(out);
}

KS_TEST(set_blob_map_round_trip)
{
	const struct ks_kv kv[] = {
		{1, 0}, {0x00060017u, 123456789012345ull}, {0xfffffffeu, UINT64_MAX}};
	uint8_t blob[3 * 12];
	ks_blob_put_map(blob, kv, 3);
	/* entry 1: key 0x00060017 LE, then count LE */
	CHECK_EQ_U64(blob[12], 0x17);
	CHECK_EQ_U64(blob[13], 0x00);
	CHECK_EQ_U64(blob[14], 0x06);
	CHECK_EQ_U64(blob[15], 0x00);
	CHECK_EQ_U64(blob[16], 123456789012345ull & 0xff);
	CHECK_EQ_U64(blob[23], (123456789012345ull >> 56) & 0xff);
	CHECK_EQ_U64(blob[22], (123456789012345ull >> 48) & 0xff);
	CHECK_EQ_U64(blob[21], (123456789012345ull >> 40) & 0xff);
	struct ks_kv *out = NULL;
	size_t n = 0;
	CHECK_EQ_U64(ks_blob_get_map(blob, sizeof blob, &out, &n), 0);
	CHECK_EQ_U64(n, 3);
	if (out && n == 3)
		for (size_t i = 0; i < 3; i++) {
			CHECK_EQ_U64(out[i].k, kv[i].k);
			CHECK_EQ_U64(out[i].v, kv[i].v);
		}
	free(out);

	out = NULL;
	n = 99;
	CHECK_EQ_U64(ks_blob_get_map(blob, 0, &out, &n), 0);
	CHECK_EQ_U64(n, 0);
	free(out);
}

KS_TEST(set_blob_validation_errors)
{
	uint8_t b[48];
	memset(b, 0, sizeof b);
	uint32_t *s = (uint32_t *)1;
	size_t n = 7;
	/* length not a multiple of 4 */
	for (size_t len = 1; len < 4; len++) {
		s = (uint32_t *)1, n = 7;
		CHECK_EQ_U64(ks_blob_get_set(b, len, &s, &n), KS_EINVAL);
		CHECK(s == NULL);
		CHECK_EQ_U64(n, 0);
	}
	CHECK_EQ_U64(ks_blob_get_set(b, 9, &s, &n), KS_EINVAL);

	/* unsorted and duplicate keys */
	const uint32_t down[] = {5, 3};
	const uint32_t dup[] = {1, 2, 2};
	const uint32_t zeros[] = {0, 0};
	uint8_t bb[12];
	ks_blob_put_set(bb, down, 2);
	s = (uint32_t *)1, n = 7;
	CHECK_EQ_U64(ks_blob_get_set(bb, 8, &s, &n), KS_EINVAL);
	CHECK(s == NULL);
	CHECK_EQ_U64(n, 0);
	ks_blob_put_set(bb, dup, 3);
	CHECK_EQ_U64(ks_blob_get_set(bb, 12, &s, &n), KS_EINVAL);
	CHECK(s == NULL);
	/* the first 8 bytes of dup are sorted and accepted */
	CHECK_EQ_U64(ks_blob_get_set(bb, 8, &s, &n), 0);
	CHECK_EQ_U64(n, 2);
	free(s);
	ks_blob_put_set(bb, zeros, 2);
	CHECK_EQ_U64(ks_blob_get_set(bb, 8, &s, &n), KS_EINVAL);

	/* maps: length not a multiple of 12 */
	struct ks_kv *m = (struct ks_kv *)1;
	size_t mn = 7;
	static const size_t badlen[] = {1, 4, 8, 11, 13, 23, 25};
	for (size_t i = 0; i < sizeof badlen / sizeof badlen[0]; i++) {
		m = (struct ks_kv *)1, mn = 7;
		CHECK_EQ_U64(ks_blob_get_map(b, badlen[i], &m, &mn), KS_EINVAL);
		CHECK(m == NULL);
		CHECK_EQ_U64(mn, 0);
	}
	const struct ks_kv kdown[] = {{9, 1}, {8, 1}};
	const struct ks_kv kdup[] = {{9, 1}, {9, 2}};
	uint8_t mb[24];
	ks_blob_put_map(mb, kdown, 2);
	m = (struct ks_kv *)1, mn = 7;
	CHECK_EQ_U64(ks_blob_get_map(mb, 24, &m, &mn), KS_EINVAL);
	CHECK(m == NULL);
	CHECK_EQ_U64(mn, 0);
	ks_blob_put_map(mb, kdup, 2);
	CHECK_EQ_U64(ks_blob_get_map(mb, 24, &m, &mn), KS_EINVAL);
	CHECK(m == NULL);
}

/* ---- union / merge ---- */

KS_TEST(set_union_sorted)
{
	const uint32_t a[] = {0, 2, 4, 6, 0xffffffffu};
	const uint32_t b[] = {1, 2, 3, 6, 7};
	uint32_t out[10];
	size_t n = ks_set_union(a, 5, b, 5, out);
	const uint32_t want[] = {0, 1, 2, 3, 4, 6, 7, 0xffffffffu};
	CHECK_EQ_U64(n, 8);
	for (size_t i = 0; i < 8 && n == 8; i++)
		CHECK_EQ_U64(out[i], want[i]);

	/* with empty sides and identical sides */
	CHECK_EQ_U64(ks_set_union(NULL, 0, NULL, 0, out), 0);
	n = ks_set_union(a, 5, NULL, 0, out);
	CHECK_EQ_U64(n, 5);
	CHECK(memcmp(out, a, sizeof a) == 0);
	n = ks_set_union(NULL, 0, b, 5, out);
	CHECK_EQ_U64(n, 5);
	CHECK(memcmp(out, b, sizeof b) == 0);
	n = ks_set_union(a, 5, a, 5, out);
	CHECK_EQ_U64(n, 5);
	CHECK(memcmp(out, a, sizeof a) == 0);
	/* disjoint, one entirely before the other */
	const uint32_t lo[] = {1, 2}, hi[] = {10, 20, 30};
	n = ks_set_union(hi, 3, lo, 2, out);
	CHECK_EQ_U64(n, 5);
	CHECK_EQ_U64(out[0], 1);
	CHECK_EQ_U64(out[1], 2);
	CHECK_EQ_U64(out[2], 10);
	CHECK_EQ_U64(out[4], 30);
}

KS_TEST(set_map_merge_sorted)
{
	const struct ks_kv a[] = {{1, 10}, {3, 30}, {5, (uint64_t)1 << 40}};
	const struct ks_kv b[] = {{2, 2}, {3, 3}, {5, 5}, {9, 9}};
	struct ks_kv out[7];
	size_t n = ks_map_merge(a, 3, b, 4, out);
	CHECK_EQ_U64(n, 5);
	const struct ks_kv want[] = {{1, 10}, {2, 2}, {3, 33}, {5, ((uint64_t)1 << 40) + 5}, {9, 9}};
	for (size_t i = 0; i < 5 && n == 5; i++) {
		CHECK_EQ_U64(out[i].k, want[i].k);
		CHECK_EQ_U64(out[i].v, want[i].v);
	}
	CHECK_EQ_U64(ks_map_merge(NULL, 0, NULL, 0, out), 0);
	n = ks_map_merge(NULL, 0, b, 4, out);
	CHECK_EQ_U64(n, 4);
	CHECK_EQ_U64(out[3].k, 9);
	CHECK_EQ_U64(out[3].v, 9);
	n = ks_map_merge(a, 3, NULL, 0, out);
	CHECK_EQ_U64(n, 3);
	CHECK_EQ_U64(out[2].v, (uint64_t)1 << 40);
	n = ks_map_merge(b, 4, b, 4, out);
	CHECK_EQ_U64(n, 4);
	CHECK_EQ_U64(out[0].v, 4);
	CHECK_EQ_U64(out[3].v, 18);
}


/* ks_sort_u32 and ks_unique_u32 against qsort, on both sides of the
 * insertion/radix switch, with duplicates and extreme keys. */
static int cmp_ref(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

KS_TEST(set_sort_and_unique_against_qsort)
{
	static const size_t sizes[] = {0, 1, 2, 31, 32, 33, 100, 1000, 70000};
	uint64_t x = 99;
	for (size_t t = 0; t < sizeof sizes / sizeof sizes[0]; t++) {
		size_t n = sizes[t];
		uint32_t *v = malloc((n + 1) * sizeof *v), *ref = malloc((n + 1) * sizeof *ref),
			 *tmp = malloc((n + 1) * sizeof *tmp);
		for (size_t i = 0; i < n; i++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			uint32_t k = (uint32_t)(x >> 32);
			if (i % 7 == 0)
				k %= 16; /* duplicates */
			if (i % 11 == 0)
				k = UINT32_MAX;
			v[i] = ref[i] = k;
		}
		ks_sort_u32(v, n, tmp);
		qsort(ref, n, sizeof *ref, cmp_ref);
		int same = 1;
		for (size_t i = 0; i < n; i++)
			same &= v[i] == ref[i];
		CHECK(same);
		size_t m = ks_unique_u32(v, n), want = 0;
		for (size_t i = 0; i < n; i++)
			want += i == 0 || ref[i] != ref[i - 1];
		CHECK_EQ_U64(m, want);
		for (size_t i = 1; i < m; i++)
			CHECK(v[i - 1] < v[i]);
		free(v);
		free(ref);
		free(tmp);
	}
}
