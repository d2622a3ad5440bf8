/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for survey pacing (scan_rate): the token bucket driven by a
 * fake clock (no real time, no timed assertions) and per-host admission. */
#include "ks_err.h"
#include "ks_test.h"
#include "scan_rate.h"

static int64_t fake(void *ctx)
{
	return *(int64_t *)ctx;
}

KS_TEST(rate_bucket_fake_clock)
{
	int64_t now = 5000000000; /* any start */
	struct ks_rate r;
	CHECK(ks_rate_init(&r, 0, 0, fake, &now) == KS_EINVAL);
	CHECK(ks_rate_init(&r, KS_RATE_MAX_PPS + 1, 0, fake, &now) == KS_EINVAL);
	CHECK(ks_rate_init(&r, 1000, 0, fake, &now) == 0); /* burst 10 */
	CHECK_EQ_U64(ks_rate_take(&r, 5), 0);               /* starts empty */
	CHECK_EQ_U64(ks_rate_wait_ns(&r), 1000000);
	now += 999999;
	CHECK_EQ_U64(ks_rate_take(&r, 1), 0);
	CHECK_EQ_U64(ks_rate_wait_ns(&r), 1);
	now += 1;
	CHECK_EQ_U64(ks_rate_take(&r, 5), 1);
	now += 3500000; /* 3.5 tokens */
	CHECK_EQ_U64(ks_rate_take(&r, 5), 3);
	now += 500000; /* the half token is kept: one more */
	CHECK_EQ_U64(ks_rate_take(&r, 5), 1);
	now += 3600LL * 1000000000; /* an hour idle: the burst cap, no overflow */
	CHECK_EQ_U64(ks_rate_take(&r, 1000), 10);
	now -= 1000000000; /* time going backwards earns nothing */
	CHECK_EQ_U64(ks_rate_take(&r, 1), 0);
	now += 1000000000;
	CHECK_EQ_U64(ks_rate_take(&r, 1), 0);
	now += 1000000;
	CHECK_EQ_U64(ks_rate_take(&r, 1), 1);
}

/* Sent over 10 simulated seconds of greedy takes every 137 us: exactly
 * rate x time, give or take the burst. */
KS_TEST(rate_long_run_matches_rate)
{
	const uint32_t rates[] = {1, 1000, 12345, 1000000};
	for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
		int64_t now = 0;
		struct ks_rate r;
		uint64_t sent = 0;
		CHECK(ks_rate_init(&r, rates[i], 0, fake, &now) == 0);
		for (now = 0; now <= 10000000000; now += 137000)
			sent += ks_rate_take(&r, 1000000);
		uint64_t want = (uint64_t)rates[i] * 10;
		CHECK(sent <= want && sent + rates[i] / 100 + 1 >= want);
	}
}

KS_TEST(rate_host_limits)
{
	struct ks_scan_limits l;
	struct ks_host_use u = {0, 0, 0};
	ks_scan_limits_default(&l);
	CHECK(l.pps == KS_RATE_DEFAULT_PPS && l.max_targets == 0);
	l.host_conns = 2;
	l.host_attempts = 3;
	l.host_gap_ms = 100;
	int64_t t = 1000000000;
	CHECK(ks_host_admit(&l, &u, t) == 0);
	ks_host_begin(&u, t);
	CHECK(ks_host_admit(&l, &u, t + 50000000) == KS_EAGAIN); /* too soon */
	CHECK(ks_host_admit(&l, &u, t + 100000000) == 0);
	ks_host_begin(&u, t + 100000000);
	CHECK(ks_host_admit(&l, &u, t + 900000000) == KS_EAGAIN); /* two open */
	ks_host_end(&u);
	CHECK(ks_host_admit(&l, &u, t + 900000000) == 0);
	ks_host_begin(&u, t + 900000000);
	ks_host_end(&u);
	ks_host_end(&u);
	ks_host_end(&u); /* extra end is harmless */
	CHECK(u.conns == 0);
	CHECK(ks_host_admit(&l, &u, t + 9000000000) == KS_ELIMIT); /* attempts used up */
}
