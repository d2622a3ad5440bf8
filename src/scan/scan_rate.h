/* SPDX-License-Identifier: BSD-2-Clause */
/* Survey pacing: a packets-per-second token bucket and the per-host limits.
 *
 * The bucket holds at most `burst` tokens and gains `pps` tokens per second
 * of the clock; one packet costs one token. Arithmetic is in integer
 * nano-tokens, so there is no drift over long surveys. The clock is
 * injected (monotonic by default: CLOCK_MONOTONIC), so tests drive it by
 * hand and no test depends on real time.
 *
 * Defaults are conservative on purpose (docs/survey.md): 1,000 packets/s
 * is far below what a home router or a small office link notices, and a
 * /16 with the 20 default ports (1.3 million probes) still completes in
 * about 22 minutes. Operators raise it deliberately with --rate.
 *
 * Structs are caller-allocated; nothing allocates. One thread per bucket. */
#ifndef KS_SCAN_RATE_H
#define KS_SCAN_RATE_H

#include <stdint.h>

#define KS_RATE_DEFAULT_PPS 1000u
#define KS_RATE_MAX_PPS 10000000u
#define KS_HOST_DEFAULT_CONNS 2u       /* simultaneous connections per host */
#define KS_HOST_DEFAULT_ATTEMPTS 10u   /* login attempts per host and service */
#define KS_HOST_DEFAULT_GAP_MS 1000u   /* between two attempts on one host */

/* Returns the current time in nanoseconds; ctx is the bucket's clock_ctx. */
typedef int64_t (*ks_clock_fn)(void *ctx);

struct ks_rate {
	uint64_t pps;
	uint64_t cap_nt;    /* burst, in nano-tokens */
	uint64_t have_nt;   /* tokens held, in nano-tokens (1 token = 1e9) */
	int64_t last_ns;
	ks_clock_fn clock;  /* NULL: CLOCK_MONOTONIC */
	void *clock_ctx;
};

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC). */
int64_t ks_clock_monotonic(void *ctx);
/* Sets up a bucket of pps (1..KS_RATE_MAX_PPS) packets/s holding at most
 * burst tokens (0: pps / 100, at least 1), starting empty. 0 or KS_EINVAL. */
int ks_rate_init(struct ks_rate *r, uint32_t pps, uint32_t burst, ks_clock_fn clock, void *ctx);
/* Takes up to want tokens; returns how many were granted (0..want). */
uint32_t ks_rate_take(struct ks_rate *r, uint32_t want);
/* Nanoseconds until one token is available (0 if one is now). */
int64_t ks_rate_wait_ns(struct ks_rate *r);

/* Survey-wide and per-host limits (command line). */
struct ks_scan_limits {
	uint64_t max_targets;    /* 0: no cap */
	uint32_t pps;
	uint32_t host_conns;     /* simultaneous connections to one host */
	uint32_t host_attempts;  /* login attempts per host and service */
	uint32_t host_gap_ms;    /* minimum time between two attempts on one host */
};
void ks_scan_limits_default(struct ks_scan_limits *l);

/* What one host has used so far (kept by the prober per host). */
struct ks_host_use {
	uint32_t conns;    /* open now */
	uint32_t attempts; /* made so far */
	int64_t last_ns;   /* time of the last attempt; 0 never */
};
/* May a new attempt (a connection that will try a login) start on this host
 * at now_ns? 0 yes (the caller then counts it with ks_host_begin());
 * KS_EAGAIN not yet (too many open or too soon after the last one);
 * KS_ELIMIT never again (attempts used up). */
int ks_host_admit(const struct ks_scan_limits *l, const struct ks_host_use *u, int64_t now_ns);
void ks_host_begin(struct ks_host_use *u, int64_t now_ns);
void ks_host_end(struct ks_host_use *u);

#endif
