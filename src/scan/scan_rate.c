/* SPDX-License-Identifier: BSD-2-Clause */
/* Survey pacing: token bucket and per-host admission (contract in
 * scan_rate.h). */
#include "scan_rate.h"

#include <time.h>

#include "ks_err.h"

#define NT 1000000000ull /* nano-tokens per token */

int64_t ks_clock_monotonic(void *ctx)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int ks_rate_init(struct ks_rate *r, uint32_t pps, uint32_t burst, ks_clock_fn clock, void *ctx)
{
	if (pps == 0 || pps > KS_RATE_MAX_PPS)
		return KS_EINVAL;
	if (burst == 0)
		burst = pps / 100 ? pps / 100 : 1;
	r->pps = pps;
	r->cap_nt = (uint64_t)burst * NT;
	r->have_nt = 0;
	r->clock = clock ? clock : ks_clock_monotonic;
	r->clock_ctx = ctx;
	r->last_ns = r->clock(ctx);
	return 0;
}

/* Adds the tokens earned since last_ns. Time going backwards earns nothing. */
static void refill(struct ks_rate *r)
{
	int64_t now = r->clock(r->clock_ctx);
	if (now <= r->last_ns)
		return;
	uint64_t dt = (uint64_t)(now - r->last_ns);
	r->last_ns = now;
	/* Enough time to fill the bucket from empty: no need to multiply
	 * (and the product could overflow). */
	if (dt >= r->cap_nt / r->pps + 1) {
		r->have_nt = r->cap_nt;
		return;
	}
	uint64_t add = dt * r->pps; /* dt < cap/pps + 1, so this fits */
	r->have_nt = add >= r->cap_nt - r->have_nt ? r->cap_nt : r->have_nt + add;
}

uint32_t ks_rate_take(struct ks_rate *r, uint32_t want)
{
	refill(r);
	uint64_t can = r->have_nt / NT;
	uint32_t got = can < want ? (uint32_t)can : want;
	r->have_nt -= (uint64_t)got * NT;
	return got;
}

int64_t ks_rate_wait_ns(struct ks_rate *r)
{
	refill(r);
	if (r->have_nt >= NT)
		return 0;
	return (int64_t)((NT - r->have_nt + r->pps - 1) / r->pps);
}

void ks_scan_limits_default(struct ks_scan_limits *l)
{
	l->max_targets = 0;
	l->pps = KS_RATE_DEFAULT_PPS;
	l->host_conns = KS_HOST_DEFAULT_CONNS;
	l->host_attempts = KS_HOST_DEFAULT_ATTEMPTS;
	l->host_gap_ms = KS_HOST_DEFAULT_GAP_MS;
}

int ks_host_admit(const struct ks_scan_limits *l, const struct ks_host_use *u, int64_t now_ns)
{
	if (u->attempts >= l->host_attempts)
		return KS_ELIMIT;
	if (u->conns >= l->host_conns)
		return KS_EAGAIN;
	if (u->attempts > 0 && now_ns - u->last_ns < (int64_t)l->host_gap_ms * 1000000)
		return KS_EAGAIN;
	return 0;
}

void ks_host_begin(struct ks_host_use *u, int64_t now_ns)
{
	u->conns++;
	u->attempts++;
	u->last_ns = now_ns;
}

void ks_host_end(struct ks_host_use *u)
{
	if (u->conns > 0)
		u->conns--;
}
