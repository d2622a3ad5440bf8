/* SPDX-License-Identifier: BSD-2-Clause */
#include <string.h>

#include "flow_agg.h"
#include "flow_hourly.h"
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

struct hourly_sum {
	uint64_t rows, flows, bytes, tcp23_h0, icmp_flows, hour2_flows;
};

static int hourly_visit(void *ctx, uint32_t hour, uint8_t proto, uint16_t dport,
			const struct ks_flow_hourly_cnt *c)
{
	struct hourly_sum *s = ctx;
	s->rows++;
	s->flows += c->flows;
	s->bytes += c->bytes;
	if (hour == 100 && proto == 6 && dport == 23)
		s->tcp23_h0 += c->flows;
	if (proto == 1)
		s->icmp_flows += c->flows;
	if (hour == 102)
		s->hour2_flows += c->flows;
	return 0;
}

KS_TEST(flow_hourly_slots_and_overflow)
{
	struct ks_flow_hourly h;
	ks_flow_hourly_init(&h);
	struct ks_flow f;
	memset(&f, 0, sizeof f);
	f.packets = 2;
	f.bytes = 100;
	/* hours 100 and 101 take the port arrays; 102 and ICMP go to the table */
	for (int i = 0; i < 1000; i++) {
		f.first_ms = (int64_t)(100 + i % 3) * 3600000 + i;
		f.proto = i % 10 == 0 ? 1 : i % 2 ? 17 : 6;
		f.dport = (uint16_t)(i % 4 == 0 ? 23 : 65535 - i);
		CHECK_EQ_U64(ks_flow_hourly_add(&h, &f), 0);
	}
	struct hourly_sum s = {0};
	CHECK_EQ_U64(ks_flow_hourly_each(&h, hourly_visit, &s), 0);
	CHECK_EQ_U64(s.flows, 1000);
	CHECK_EQ_U64(s.bytes, 100000);
	CHECK_EQ_U64(s.icmp_flows, 100);
	CHECK_EQ_U64(s.hour2_flows, 333);
	uint64_t want = 0;
	for (int i = 0; i < 1000; i++)
		want += i % 3 == 0 && i % 10 != 0 && i % 2 == 0 && i % 4 == 0;
	CHECK_EQ_U64(s.tcp23_h0, want);
	CHECK(s.rows <= ks_flow_hourly_bound(&h));
	ks_flow_hourly_clear(&h);
	struct hourly_sum z = {0};
	CHECK_EQ_U64(ks_flow_hourly_each(&h, hourly_visit, &z), 0);
	CHECK_EQ_U64(z.rows, 0);
	ks_flow_hourly_release(&h);
}
