/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the C&C detector (src/flow/cc_detect.c) on hand-made flow sets:
 * the beacon score on regular and irregular contacts; a small world of
 * infected and clean hosts (a beaconing C&C, a C&C on a shared hosting
 * address that clean hosts browse, NTP and update polling by every host,
 * browsing, one clean host polling a rare server); the allowlist; inference
 * of the client side without the operator's prefixes; caps; the window.
 * All randomness is a fixed-seed xorshift, so results are exact. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc_detect.h"
#include "cc_report.h"
#include "ks_err.h"
#include "ks_test.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}
/* Uniform in [lo, hi]. */
static int64_t uni(int64_t lo, int64_t hi) { return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1)); }

#define V4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))
#define T0 1795305600000LL /* 2026-11-22T00:00:00Z in ms */
#define HOUR 3600000LL
#define SPAN (12 * HOUR)

static bool infected_cb(void *ctx, const struct ks_addr *a)
{
	(void)ctx;
	return ks_addr_is_v4(a) && (ks_addr_v4(a) & 0xffffff00u) == V4(198, 18, 1, 0);
}

/* One TCP/UDP exchange: client -> server and (if bytes_in) the answer. */
static int conn(struct ks_cc *cc, uint32_t cli, uint16_t cport, uint32_t srv, uint16_t sport,
		uint8_t proto, int64_t t, uint64_t out, uint64_t in)
{
	struct ks_flow f;
	memset(&f, 0, sizeof f);
	ks_addr_from_v4(&f.src, cli);
	ks_addr_from_v4(&f.dst, srv);
	f.sport = cport;
	f.dport = sport;
	f.proto = proto;
	f.first_ms = t;
	f.last_ms = t + 200;
	f.bytes = out;
	f.packets = 1 + out / 500;
	f.sampling = 1;
	int r = ks_cc_add(cc, &f);
	if (in == 0 || r != 0)
		return r;
	ks_addr_from_v4(&f.src, srv);
	ks_addr_from_v4(&f.dst, cli);
	f.sport = sport;
	f.dport = cport;
	f.first_ms = t + 5;
	f.bytes = in;
	return ks_cc_add(cc, &f);
}

static uint16_t eph(void) { return (uint16_t)uni(32768, 60999); }

#define CC1 V4(203, 0, 113, 10)  /* C&C, port 8080/tcp */
#define CC2 V4(203, 0, 113, 20)  /* C&C on shared hosting, 443/tcp */
#define NTP V4(192, 0, 2, 123)   /* 123/udp, every host */
#define UPD V4(192, 0, 2, 80)    /* 443/tcp, every host hourly */
#define RARE V4(198, 51, 100, 200) /* 9999/tcp, one clean host */
#define NINF 20
#define NCLEAN 200

static uint32_t inf_host(int i) { return V4(198, 18, 1, 1 + i); }
static uint32_t clean_host(int i) { return V4(198, 18, 2 + i / 250, 1 + i % 250); }

/* Periodic contacts every period ms +- jitter ms over the span. */
static void periodic(struct ks_cc *cc, uint32_t cli, uint32_t srv, uint16_t port, uint8_t proto,
		     int64_t period, int64_t jitter, uint64_t out, uint64_t in)
{
	int64_t t = T0 + uni(0, period);
	while (t < T0 + SPAN) {
		conn(cc, cli, eph(), srv, port, proto, t, out + (uint64_t)uni(0, 8), in);
		t += period + uni(-jitter, jitter);
	}
}

/* Browsing: a few sessions at random hours, each a burst of connections. */
static void browse(struct ks_cc *cc, uint32_t cli, uint32_t srv, int sessions)
{
	for (int s = 0; s < sessions; s++) {
		int64_t t = T0 + uni(0, SPAN - HOUR);
		int k = (int)uni(1, 6);
		for (int i = 0; i < k; i++) {
			conn(cc, cli, eph(), srv, 443, 6, t, (uint64_t)uni(400, 3000),
			     (uint64_t)uni(2000, 200000));
			t += uni(2000, 90000);
		}
	}
}

/* The world of the brief: 20 infected hosts beacon to CC1 every 300 s
 * +- 20 %; 8 of them also beacon to CC2, which 100 clean and 5 infected
 * hosts browse; every host polls NTP (1024 s) and an update server (1 h);
 * everybody browses 50 sites; one clean host polls a rare server (600 s). */
static void world(struct ks_cc *cc)
{
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < NINF; i++) {
		periodic(cc, inf_host(i), CC1, 8080, 6, 300000, 60000, 180, 120);
		if (i < 8)
			periodic(cc, inf_host(i), CC2, 443, 6, 600000, 120000, 310, 240);
		else if (i < 13)
			browse(cc, inf_host(i), CC2, 3);
	}
	for (int i = 0; i < NINF + NCLEAN; i++) {
		uint32_t h = i < NINF ? inf_host(i) : clean_host(i - NINF);
		periodic(cc, h, NTP, 123, 17, 1024000, 2000, 76, 76);
		periodic(cc, h, UPD, 443, 6, 3600000, 30000, 900, 4000);
		for (int s = 0; s < 4; s++)
			browse(cc, h, V4(198, 51, 100, 1 + (int)uni(0, 49)), 2);
		if (i >= NINF && i < NINF + 100)
			browse(cc, h, CC2, 2);
	}
	periodic(cc, clean_host(7), RARE, 9999, 6, 600000, 5000, 200, 100);
}

static const struct ks_cc_cand *find(const struct ks_cc_result *r, uint32_t a, uint16_t port,
				     size_t *rank)
{
	for (size_t i = 0; i < r->n; i++)
		if (ks_addr_v4(&r->v[i].addr) == a && r->v[i].port == port) {
			if (rank)
				*rank = i;
			return &r->v[i];
		}
	return NULL;
}

static void internal_set(struct ks_pset *s)
{
	struct ks_prefix p;
	ks_pset_init(s);
	CHECK(ks_prefix_parse("198.18.0.0/16", 13, &p) == 0);
	ks_pset_add(s, &p, 1);
	ks_pset_build(s);
}

/* ---- the beacon score alone ---- */

KS_TEST(cc_beacon_regular_vs_irregular)
{
	struct ks_cc_params p;
	struct ks_cc_beacon_parts b;
	int64_t ts[200];
	uint64_t sz[200];
	ks_cc_params_default(&p);

	rng_state = 42;
	int64_t t = T0;
	for (int i = 0; i < 144; i++) { /* 12 h at 300 s +- 20 % */
		ts[i] = t;
		sz[i] = 180 + (uint64_t)uni(0, 8);
		t += 300000 + uni(-60000, 60000);
	}
	ks_cc_beacon(ts, sz, 144, 0, 0, &p, 12, &b);
	CHECK(b.beacon > 0.85);
	CHECK(b.spread == 1.0);
	CHECK(b.interval_ms > 280000 && b.interval_ms < 320000);
	CHECK(b.ts > 0.8 && b.ds > 0.9);

	/* Irregular: exponential-like gaps, widely varying sizes, 3 hours. */
	t = T0;
	for (int i = 0; i < 40; i++) {
		ts[i] = t;
		sz[i] = (uint64_t)uni(300, 60000);
		t += (int64_t)(-log((double)(rnd() % 1000000 + 1) / 1000001.0) * 240000.0) + 1000;
	}
	ks_cc_beacon(ts, sz, 40, 0, 0, &p, 12, &b);
	CHECK(b.beacon < 0.6);
	CHECK(b.ts < 0.75);

	/* Too few contacts: everything 0. */
	ts[0] = T0, ts[1] = T0 + 300000, ts[2] = T0 + 600000;
	sz[0] = sz[1] = sz[2] = 100;
	ks_cc_beacon(ts, sz, 3, 0, 0, &p, 12, &b);
	CHECK(b.beacon == 0 && b.ts == 0 && b.ds == 0 && b.spread == 0);

	/* Perfectly constant: skew guards give full scores. */
	for (int i = 0; i < 24; i++) {
		ts[i] = T0 + i * HOUR / 2;
		sz[i] = 100;
	}
	ks_cc_beacon(ts, sz, 24, 0, 0, &p, 12, &b);
	CHECK(fabs(b.ts - 1.0) < 1e-9);
	CHECK(b.ds > 0.99);
	CHECK_EQ_U64(b.interval_ms, HOUR / 2);
}

/* ---- the world ---- */

static void check_world(const struct ks_cc_result *r)
{
	size_t r1 = 99, r2 = 99;
	const struct ks_cc_cand *c1 = find(r, CC1, 8080, &r1), *c2 = find(r, CC2, 443, &r2);
	CHECK(c1 != NULL && c2 != NULL);
	if (c1 == NULL || c2 == NULL)
		return;
	/* Both C&Cs rank first and second. */
	CHECK(r1 < 2 && r2 < 2);
	CHECK(c1->score > 0.7);
	CHECK(c2->score > 0.6);
	CHECK_EQ_U64(c1->infected, NINF);
	CHECK_EQ_U64(c1->clean, 0);
	CHECK_EQ_U64(c1->infected_beaconing, NINF);
	CHECK_EQ_U64(c2->infected_beaconing, 8);
	CHECK_EQ_U64(c2->clean, 100);
	CHECK_EQ_U64(c2->clean_beaconing, 0);
	CHECK(c1->proto == 6);
	/* Evidence: the infected hosts first, beaconing, about every 300 s. */
	CHECK_EQ_U64(c1->nhosts, NINF);
	for (size_t i = 0; i < c1->nhosts; i++) {
		const struct ks_cc_host *h = &c1->hosts[i];
		CHECK(h->infected && h->beaconing && h->beacon >= 0.7);
		CHECK(h->interval_ms > 270000 && h->interval_ms < 330000);
		CHECK(h->contacts > 100 && h->flows == 2 * (uint64_t)h->contacts);
		CHECK(h->bytes_in == 120 * (uint64_t)h->contacts);
		CHECK(h->first_ms >= T0 && h->last_ms <= T0 + SPAN + 1000);
		if (i > 0)
			CHECK(h->beacon <= c1->hosts[i - 1].beacon);
	}
	CHECK(c2->hosts[0].infected && c2->hosts[0].beaconing);
	CHECK(c2->hosts_truncated && c2->nhosts == 64); /* 113 clients, 64 listed */
	/* Popular periodic services and the rare server are not candidates. */
	CHECK(find(r, NTP, 123, NULL) == NULL);
	CHECK(find(r, UPD, 443, NULL) == NULL);
	CHECK(find(r, RARE, 9999, NULL) == NULL);
	/* Browsed sites may appear only far below the C&Cs. */
	for (size_t i = 2; i < r->n; i++)
		CHECK(r->v[i].score < 0.5 * c2->score);
	CHECK_EQ_U64(r->hosts_infected, NINF);
	CHECK_EQ_U64(r->hosts_clean, NCLEAN);
	CHECK(fabs(r->base_rate - (double)NINF / (NINF + NCLEAN)) < 1e-12);
}

KS_TEST(cc_world_internal_given)
{
	struct ks_pset in;
	struct ks_cc *cc;
	struct ks_cc_result r;
	internal_set(&in);
	CHECK(ks_cc_new(NULL, &in, infected_cb, NULL, NULL, &cc) == 0);
	world(cc);
	CHECK(ks_cc_finish(cc, &r) == 0);
	check_world(&r);
	for (size_t i = 0; getenv("KS_CC_DEBUG") && i < r.n && i < 6; i++) {
		char a[KS_ADDR_STRLEN];
		fprintf(stderr, "  #%zu %s:%u score %.3f F %.3f B %.3f Z %.3f inf %u/%u clean %u/%u\n", i + 1,
			ks_addr_format(&r.v[i].addr, a), r.v[i].port, r.v[i].score, r.v[i].fanin,
			r.v[i].beacon, r.v[i].size, r.v[i].infected_beaconing, r.v[i].infected,
			r.v[i].clean_beaconing, r.v[i].clean);
	}
	const struct ks_cc_stats *st = ks_cc_stats(cc);
	CHECK(st->flows > 40000);
	CHECK_EQ_U64(st->used, st->flows);
	CHECK_EQ_U64(st->cap_pairs + st->cap_endpoints + st->cap_hosts, 0);
	ks_cc_result_release(&r);
	CHECK(ks_cc_finish(cc, &r) == KS_EINVAL); /* a second finish is refused */
	CHECK(r.n == 0 && r.v == NULL);
	struct ks_flow f;
	memset(&f, 0, sizeof f);
	CHECK(ks_cc_add(cc, &f) == KS_EINVAL);
	ks_cc_free(cc);
	ks_pset_release(&in);
}

KS_TEST(cc_world_inferred)
{
	struct ks_cc *cc;
	struct ks_cc_result r;
	CHECK(ks_cc_new(NULL, NULL, infected_cb, NULL, NULL, &cc) == 0);
	world(cc);
	CHECK(ks_cc_finish(cc, &r) == 0);
	check_world(&r);
	ks_cc_result_release(&r);
	ks_cc_free(cc);
}

/* A harsher world: bots beacon with +-50 % jitter and sizes varying by
 * +-30 %; every host browses 30 times among 3000 sites chosen with a
 * heavy skew (so a few infected hosts meet on long-tail sites no clean
 * host visits); 40 % of the clean hosts browse the shared-hosting C&C. */
static void sized_periodic(struct ks_cc *cc, uint32_t cli, uint32_t srv, uint16_t port, int64_t period,
			   int64_t jitter, uint64_t out)
{
	int64_t t = T0 + uni(0, period);
	while (t < T0 + SPAN) {
		conn(cc, cli, eph(), srv, port, 6, t, out * (uint64_t)uni(70, 130) / 100, 2 * out);
		t += period + uni(-jitter, jitter);
	}
}

KS_TEST(cc_world_long_tail)
{
	struct ks_cc *cc;
	struct ks_cc_result r;
	CHECK(ks_cc_new(NULL, NULL, infected_cb, NULL, NULL, &cc) == 0);
	rng_state = 0x1234567;
	for (int i = 0; i < NINF + NCLEAN; i++) {
		uint32_t h = i < NINF ? inf_host(i) : clean_host(i - NINF);
		if (i < NINF) {
			sized_periodic(cc, h, CC1, 23, 300000, 150000, 120);
			if (i % 3 == 0)
				sized_periodic(cc, h, CC2, 443, 900000, 450000, 400);
		}
		periodic(cc, h, NTP, 123, 17, 1024000, 10000, 76, 76);
		for (int s = 0; s < 30; s++) {
			double u = (double)(rnd() % 1000000 + 1) / 1e6;
			uint32_t site = V4(198, 51, 100, 0) + (uint32_t)(u * u * u * 3000) * 7;
			int64_t t = T0 + uni(0, SPAN - HOUR);
			for (int k = (int)uni(1, 8); k > 0; k--) {
				conn(cc, h, eph(), site, 443, 6, t, (uint64_t)uni(400, 3000),
				     (uint64_t)uni(2000, 300000));
				t += uni(1000, 60000);
			}
		}
		if (i >= NINF && rnd() % 10 < 4)
			browse(cc, h, CC2, 3);
	}
	CHECK(ks_cc_finish(cc, &r) == 0);
	size_t r1 = 99, r2 = 99;
	const struct ks_cc_cand *c1 = find(&r, CC1, 23, &r1), *c2 = find(&r, CC2, 443, &r2);
	CHECK(c1 && c2 && r1 < 2 && r2 < 2);
	if (c2) {
		CHECK_EQ_U64(c2->infected_beaconing, 7);
		CHECK(c2->clean > 50 && c2->clean_beaconing == 0);
	}
	for (size_t i = 2; i < r.n; i++)
		CHECK(r.v[i].score < 0.3);
	CHECK(find(&r, NTP, 123, NULL) == NULL);
	for (size_t i = 0; getenv("KS_CC_DEBUG") && i < r.n; i++)
		fprintf(stderr, "  long tail #%zu score %.3f\n", i + 1, r.v[i].score);
	ks_cc_result_release(&r);
	ks_cc_free(cc);
}

KS_TEST(cc_deterministic)
{
	struct ks_cc_result r[2];
	for (int k = 0; k < 2; k++) {
		struct ks_cc *cc;
		CHECK(ks_cc_new(NULL, NULL, infected_cb, NULL, NULL, &cc) == 0);
		world(cc);
		CHECK(ks_cc_finish(cc, &r[k]) == 0);
		ks_cc_free(cc);
	}
	CHECK_EQ_U64(r[0].n, r[1].n);
	for (size_t i = 0; i < r[0].n && i < r[1].n; i++) {
		CHECK(memcmp(&r[0].v[i].addr, &r[1].v[i].addr, sizeof r[0].v[i].addr) == 0);
		CHECK(r[0].v[i].score == r[1].v[i].score);
		CHECK(r[0].v[i].nhosts == r[1].v[i].nhosts);
	}
	ks_cc_result_release(&r[0]);
	ks_cc_result_release(&r[1]);
}

KS_TEST(cc_allowlist)
{
	struct ks_pset allow;
	struct ks_prefix p;
	struct ks_cc *cc;
	struct ks_cc_result r;
	ks_pset_init(&allow);
	CHECK(ks_prefix_parse("203.0.113.10", 12, &p) == 0);
	ks_pset_add(&allow, &p, 1);
	ks_pset_build(&allow);
	CHECK(ks_cc_new(NULL, NULL, infected_cb, NULL, &allow, &cc) == 0);
	world(cc);
	CHECK(ks_cc_finish(cc, &r) == 0);
	CHECK(find(&r, CC1, 8080, NULL) == NULL);
	size_t r2 = 99;
	CHECK(find(&r, CC2, 443, &r2) != NULL && r2 == 0);
	CHECK(ks_cc_stats(cc)->allowed > 0);
	ks_cc_result_release(&r);
	ks_cc_free(cc);
	ks_pset_release(&allow);
}

/* The infected end is the client even on a low port; otherwise the
 * well-known or lower port is the server; otherwise the destination. */
KS_TEST(cc_infer_rule)
{
	struct ks_cc_params p;
	struct ks_cc *cc;
	struct ks_cc_result r;
	ks_cc_params_default(&p);
	p.min_score = 0;
	CHECK(ks_cc_new(&p, NULL, infected_cb, NULL, NULL, &cc) == 0);
	/* Server -> client flows only (asymmetric export): two infected hosts
	 * answered from 203.0.113.5:53 and seen only in that direction. */
	for (int h = 0; h < 2; h++)
		for (int i = 0; i < 30; i++) {
			struct ks_flow f;
			memset(&f, 0, sizeof f);
			ks_addr_from_v4(&f.src, V4(203, 0, 113, 5));
			ks_addr_from_v4(&f.dst, inf_host(h));
			f.sport = 53;
			f.dport = 40000;
			f.proto = 17;
			f.first_ms = f.last_ms = T0 + i * 600000LL + h * 1000;
			f.bytes = 90;
			CHECK(ks_cc_add(cc, &f) == 0);
		}
	/* An infected host scanning out from port 23 to an external :40001:
	 * the infected end is the client, so the endpoint is :40001. */
	for (int h = 0; h < 2; h++)
		CHECK(conn(cc, inf_host(h), 23, V4(203, 0, 113, 6), 40001, 6, T0 + h, 60, 0) == 0);
	CHECK(ks_cc_finish(cc, &r) == 0);
	const struct ks_cc_cand *c = find(&r, V4(203, 0, 113, 5), 53, NULL);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ_U64(c->infected, 2);
		CHECK_EQ_U64(c->bytes_in, 2 * 30 * 90);
		CHECK_EQ_U64(c->bytes_out, 0);
		CHECK(c->hosts[0].contacts == 30 && c->hosts[0].beacon > 0.7);
	}
	CHECK(find(&r, V4(203, 0, 113, 6), 40001, NULL) != NULL);
	ks_cc_result_release(&r);
	ks_cc_free(cc);
}

KS_TEST(cc_caps_and_thinning)
{
	struct ks_cc_params p;
	struct ks_cc *cc;
	struct ks_cc_result r;
	ks_cc_params_default(&p);
	p.max_endpoints = 3;
	p.max_ts = 16;
	p.max_evidence_hosts = 4;
	CHECK(ks_cc_new(&p, NULL, infected_cb, NULL, NULL, &cc) == 0);
	rng_state = 7;
	/* 10 infected hosts beacon 144 times each: thinned to <= 16 kept. */
	for (int h = 0; h < 10; h++)
		periodic(cc, inf_host(h), CC1, 8080, 6, 300000, 30000, 150, 0);
	CHECK(ks_cc_stats(cc)->ts_thinned >= 10 * 3);
	/* Two more endpoints fit, the fourth does not. */
	CHECK(conn(cc, inf_host(0), 40000, V4(203, 0, 113, 31), 80, 6, T0, 100, 0) == 0);
	CHECK(conn(cc, inf_host(0), 40000, V4(203, 0, 113, 32), 80, 6, T0, 100, 0) == 0);
	CHECK(conn(cc, inf_host(0), 40000, V4(203, 0, 113, 33), 80, 6, T0, 100, 0) == KS_ELIMIT);
	CHECK_EQ_U64(ks_cc_stats(cc)->cap_endpoints, 1);
	CHECK(ks_cc_finish(cc, &r) == 0);
	const struct ks_cc_cand *c = find(&r, CC1, 8080, NULL);
	CHECK(c != NULL);
	if (c) {
		if (getenv("KS_CC_DEBUG"))
			fprintf(stderr, "  caps: score %.3f F %.3f B %.3f Z %.3f beacon %.3f\n", c->score,
				c->fanin, c->beacon, c->size, c->hosts[0].beacon);
		CHECK(c->score > 0.7);
		CHECK(c->nhosts == 4 && c->hosts_truncated);
		CHECK(c->hosts[0].contacts >= 140);     /* all counted */
		CHECK(c->hosts[0].interval_ms >= 8 * 270000); /* stride 8 or more */
		CHECK(c->hosts[0].beacon > 0.7);
	}
	ks_cc_result_release(&r);
	ks_cc_free(cc);

	/* Pair and host caps. */
	ks_cc_params_default(&p);
	p.max_pairs = 1;
	p.max_hosts = 1;
	CHECK(ks_cc_new(&p, NULL, NULL, NULL, NULL, &cc) == 0);
	CHECK(conn(cc, clean_host(0), 40000, CC1, 80, 6, T0, 100, 0) == 0);
	CHECK(conn(cc, clean_host(0), 40000, CC2, 80, 6, T0, 100, 0) == KS_ELIMIT);
	CHECK(conn(cc, clean_host(1), 40000, CC1, 80, 6, T0, 100, 0) == KS_ELIMIT);
	CHECK_EQ_U64(ks_cc_stats(cc)->cap_pairs, 1);
	CHECK_EQ_U64(ks_cc_stats(cc)->cap_hosts, 1);
	ks_cc_free(cc);

	/* Bad parameters. */
	ks_cc_params_default(&p);
	p.w_fan = p.w_beacon = p.w_size = 0;
	CHECK(ks_cc_new(&p, NULL, NULL, NULL, NULL, &cc) == KS_EINVAL && cc == NULL);
	ks_cc_params_default(&p);
	p.max_ts = 4;
	CHECK(ks_cc_new(&p, NULL, NULL, NULL, NULL, &cc) == KS_EINVAL);
	ks_cc_free(NULL);
}

KS_TEST(cc_window_and_direction)
{
	struct ks_cc_params p;
	struct ks_pset in;
	struct ks_cc *cc;
	internal_set(&in);
	ks_cc_params_default(&p);
	p.since_ms = T0 + HOUR;
	p.until_ms = T0 + 2 * HOUR;
	CHECK(ks_cc_new(&p, &in, infected_cb, NULL, NULL, &cc) == 0);
	CHECK(conn(cc, inf_host(0), 40000, CC1, 80, 6, T0, 100, 0) == 0);            /* before */
	CHECK(conn(cc, inf_host(0), 40000, CC1, 80, 6, T0 + 2 * HOUR, 100, 0) == 0); /* at until */
	CHECK_EQ_U64(ks_cc_stats(cc)->outside_window, 2);
	/* Both ends inside, both outside. */
	CHECK(conn(cc, inf_host(0), 40000, inf_host(1), 80, 6, T0 + HOUR, 100, 0) == 0);
	CHECK(conn(cc, CC1, 40000, CC2, 80, 6, T0 + HOUR, 100, 0) == 0);
	CHECK_EQ_U64(ks_cc_stats(cc)->not_crossing, 2);
	/* Unsolicited inbound (a scan of an internal host) makes no endpoint. */
	CHECK(conn(cc, CC1, 51000, inf_host(0), 23, 6, T0 + HOUR, 60, 0) == 0);
	CHECK_EQ_U64(ks_cc_stats(cc)->inbound_new, 1);
	CHECK_EQ_U64(ks_cc_stats(cc)->used, 0);
	ks_cc_free(cc);
	ks_pset_release(&in);
}

/* The renderings and the hand-over to the sharing formats. */
KS_TEST(cc_report_renderings)
{
	struct ks_pset in;
	struct ks_cc *cc;
	struct ks_cc_result r;
	internal_set(&in);
	CHECK(ks_cc_new(NULL, &in, infected_cb, NULL, NULL, &cc) == 0);
	world(cc);
	CHECK(ks_cc_finish(cc, &r) == 0);
	CHECK(r.n == 2);

	json_t *j = ks_cc_result_json(&r);
	CHECK(j != NULL);
	json_t *c0 = json_array_get(json_object_get(j, "candidates"), 0);
	CHECK(strcmp(json_string_value(json_object_get(c0, "address")), "203.0.113.10") == 0);
	CHECK(json_integer_value(json_object_get(c0, "port")) == 8080);
	CHECK(strcmp(json_string_value(json_object_get(c0, "proto")), "tcp") == 0);
	CHECK(json_integer_value(json_object_get(c0, "infected")) == NINF);
	json_t *h0 = json_array_get(json_object_get(c0, "hosts"), 0);
	CHECK(json_is_true(json_object_get(h0, "infected")) && json_is_true(json_object_get(h0, "beaconing")));
	double iv = json_real_value(json_object_get(h0, "interval_s"));
	CHECK(iv > 270 && iv < 330);
	CHECK(json_integer_value(json_object_get(json_object_get(j, "stats"), "flows")) > 40000);
	json_decref(j);

	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ks_cc_result_text(f, &r, 3);
	ks_cc_result_csv(f, &r);
	fclose(f);
	CHECK(buf && strstr(buf, "#1 203.0.113.10:8080/tcp  score 0.8") != NULL);
	CHECK(buf && strstr(buf, "\n1,203.0.113.10,8080,tcp,0.8") != NULL);
	if (getenv("KS_CC_DEBUG"))
		fputs(buf, stderr);
	CHECK(buf && strstr(buf, "   infected 198.18.1.") != NULL);
	free(buf);

	/* Candidates become entries that every format takes. */
	struct ks_cc_entry e[2];
	static const char longname[] = "op-\xe6\x9d\xb1\xe4\xba\xac-0123456789012345678901234567890123456789012345678901234567890";
	ks_cc_entry_from_cand(&e[0], &r.v[0], "op-tokyo", 1795400000);
	ks_cc_entry_from_cand(&e[1], &r.v[1], longname, 1795400000);
	CHECK(ks_cc_entry_check(&e[0], NULL) == 0 && ks_cc_entry_check(&e[1], NULL) == 0);
	CHECK(strlen(e[1].reported_by) <= 63);
	CHECK(e[0].infected_hosts == NINF && e[0].first_seen == r.v[0].first_ms / 1000);
	CHECK(strcmp(e[0].note, "infected 20 (beaconing 20), clean 0 (beaconing 0)") == 0);
	f = open_memstream(&buf, &len);
	CHECK(ks_cc_write(f, KS_CC_FMT_STIX, e, 2) == 0);
	fclose(f);
	struct ks_cc_list l;
	char err[256];
	CHECK(ks_cc_read(buf, len, KS_CC_FMT_AUTO, "x", NULL, &l, err, sizeof err) == 0 && l.n == 2);
	ks_cc_list_release(&l);
	free(buf);

	ks_cc_result_release(&r);
	ks_cc_free(cc);
	ks_pset_release(&in);
}

/* Infected hosts scan: SYN-only probes, SYN-ACK and RST-ACK answers. They
 * are dropped before they take table room, so the C&C is found within
 * small caps; with keep_attempts they fill the endpoint table. */
static void tcp_flow(struct ks_cc *cc, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		     int64_t t, uint8_t flags, uint64_t packets)
{
	struct ks_flow f;
	memset(&f, 0, sizeof f);
	ks_addr_from_v4(&f.src, src);
	ks_addr_from_v4(&f.dst, dst);
	f.sport = sport;
	f.dport = dport;
	f.proto = 6;
	f.tcp_flags = flags;
	f.packets = packets;
	f.bytes = 60 * packets;
	f.first_ms = f.last_ms = t;
	(void)ks_cc_add(cc, &f);
}

KS_TEST(cc_scanning_bots)
{
	struct ks_pset in;
	internal_set(&in);
	for (int keep = 0; keep < 2; keep++) {
		struct ks_cc_params p;
		struct ks_cc *cc;
		struct ks_cc_result r;
		ks_cc_params_default(&p);
		p.max_endpoints = 100;
		p.keep_attempts = keep;
		CHECK(ks_cc_new(&p, &in, infected_cb, NULL, NULL, &cc) == 0);
		rng_state = 99;
		for (int i = 0; i < 144; i++) {
			for (int h = 0; h < NINF; h++) {
				int64_t t = T0 + i * 300000LL + h * 1000;
				uint16_t sp = eph();
				/* Beacon: a whole connection each way. */
				tcp_flow(cc, inf_host(h), sp, CC1, 8080, t, 0x1b, 6);
				tcp_flow(cc, CC1, 8080, inf_host(h), sp, t + 5, 0x1b, 5);
				/* Scan probes to 198.19.0.0/16; some answered. */
				for (int k = 0; k < 10; k++) {
					uint32_t dst = V4(198, 19, 0, 0) | (uint32_t)uni(0, 65535);
					tcp_flow(cc, inf_host(h), 40000, dst, 23, t + k, 0x02, 1);
					if (k == 0)
						tcp_flow(cc, dst, 23, inf_host(h), 40000, t + k + 1, 0x12, 1);
					if (k == 1)
						tcp_flow(cc, dst, 23, inf_host(h), 40000, t + k + 1, 0x14, 1);
				}
			}
		}
		CHECK(ks_cc_finish(cc, &r) == 0);
		const struct ks_cc_stats *st = ks_cc_stats(cc);
		if (!keep) {
			CHECK_EQ_U64(st->tcp_attempts, 144 * NINF * 12);
			CHECK_EQ_U64(st->cap_endpoints, 0);
			CHECK(r.n == 1 && find(&r, CC1, 8080, NULL) != NULL);
		} else {
			CHECK_EQ_U64(st->tcp_attempts, 0);
			CHECK(st->cap_endpoints > 0);
		}
		ks_cc_result_release(&r);
		ks_cc_free(cc);
	}
	ks_pset_release(&in);
}
