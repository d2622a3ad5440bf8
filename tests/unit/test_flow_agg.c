/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "flow_agg.h"
#include "ks_test.h"

KS_TEST(flow_agg_sums_grow_and_sort)
{
	struct ks_flow_agg a;
	ks_flow_agg_init(&a, 4);
	/* 5000 keys, key k gets k % 7 + 1 flows: growth past several index sizes. */
	for (uint32_t round = 0; round < 7; round++)
		for (uint32_t k = 0; k < 5000; k++)
			if (round <= k % 7)
				CHECK_EQ_U64(ks_flow_agg_add(&a, &k, 1, 2, 100), 0);
	CHECK_EQ_U64(a.n, 5000);
	uint64_t flows = 0;
	for (size_t i = 0; i < a.n; i++) {
		uint32_t k;
		memcpy(&k, a.v[i].key, 4);
		CHECK_EQ_U64(a.v[i].flows, k % 7 + 1);
		CHECK_EQ_U64(a.v[i].packets, 2 * (k % 7 + 1));
		CHECK_EQ_U64(a.v[i].bytes, 100 * (k % 7 + 1));
		flows += a.v[i].flows;
	}
	CHECK_EQ_U64(flows, 714 * 28 + 1 + 2); /* 714 whole cycles of 7 keys, then keys 4998, 4999 */
	ks_flow_agg_sort(&a, KS_FLOW_AGG_BYTES);
	for (size_t i = 1; i < a.n; i++) {
		CHECK(a.v[i - 1].bytes >= a.v[i].bytes);
		if (a.v[i - 1].bytes == a.v[i].bytes)
			CHECK(memcmp(a.v[i - 1].key, a.v[i].key, KS_FLOW_AGG_KEY) < 0);
	}
	ks_flow_agg_clear(&a);
	CHECK_EQ_U64(a.n, 0);
	uint32_t k = 9;
	CHECK_EQ_U64(ks_flow_agg_add(&a, &k, 1, 1, 1), 0);
	CHECK_EQ_U64(ks_flow_agg_add(&a, &k, 1, 1, 1), 0);
	CHECK_EQ_U64(a.n, 1);
	CHECK_EQ_U64(a.v[0].flows, 2);
	ks_flow_agg_release(&a);
}
