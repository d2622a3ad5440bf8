/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the darknet aggregator (darknet_agg.h), observed through a
 * recording sink: per-source counts, first/last seen, tags, destinations and
 * ports; hour keys; port-hour entries (tcp_scan and udp only); darknet
 * address entries; per-hour counters; flush emptying the tables; nothing
 * lost when the source or address table fills; per-source caps. */
#include <stdlib.h>
#include <string.h>

#include "darknet_agg.h"
#include "ks_err.h"
#include "ks_test.h"

#define HOUR_US 3600000000LL
/* 2025-11-22T04:00:00Z, an hour boundary */
#define T0 (1763784000LL * 1000000)
#define H0 ((uint32_t)(T0 / HOUR_US))

/* ---- recording sink ---- */

struct rsrc {
	struct ks_addr addr;
	uint32_t hour;
	uint8_t tags;
	int64_t first_us, last_us;
	uint64_t cls[KS_DN__NCLASS];
	uint32_t *dests;
	uint32_t nd;
	int dests_sat;
	struct ks_kv *ports;
	uint32_t np;
	int ports_sat;
};
struct rph {
	uint32_t hour;
	uint8_t proto;
	uint16_t port;
	uint64_t packets;
};
struct rdest {
	struct ks_addr addr;
	uint64_t cls[KS_DN__NCLASS];
};
struct rcnt {
	uint32_t hour;
	int counter;
	uint64_t value;
};

struct rec {
	struct rsrc *src;
	size_t nsrc, csrc;
	struct rph *ph;
	size_t nph, cph;
	struct rdest *dst;
	size_t ndst, cdst;
	struct rcnt *cnt;
	size_t ncnt, ccnt;
	int fail_source, fail_after; /* return fail_source after fail_after calls */
	size_t calls;
};

static void *push(void *v, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		v = realloc(v, *cap * size);
		if (!v)
			abort();
	}
	(*n)++;
	return v;
}

static int rec_source(void *ctx, const struct ks_dn_src *s)
{
	struct rec *r = ctx;
	if (r->fail_source && r->calls++ >= (size_t)r->fail_after)
		return r->fail_source;
	r->src = push(r->src, &r->nsrc, &r->csrc, sizeof *r->src);
	struct rsrc *o = &r->src[r->nsrc - 1];
	memset(o, 0, sizeof *o);
	o->addr = s->addr;
	o->hour = s->hour;
	o->tags = s->tags;
	o->first_us = s->first_us;
	o->last_us = s->last_us;
	memcpy(o->cls, s->cls, sizeof o->cls);
	o->nd = s->ndests;
	o->dests = malloc(((size_t)o->nd + 1) * sizeof *o->dests);
	memcpy(o->dests, s->dests, (size_t)o->nd * sizeof *o->dests);
	for (uint32_t i = 1; i < o->nd; i++)
		CHECK(o->dests[i - 1] < o->dests[i]); /* sorted and distinct, as store.h expects */
	o->dests_sat = s->dests_saturated;
	o->np = s->ports.n;
	o->ports = malloc(((size_t)o->np + 1) * sizeof *o->ports);
	ks_u32map_sorted(&s->ports, o->ports);
	o->ports_sat = s->ports.saturated;
	return 0;
}

static int rec_port_hour(void *ctx, uint32_t hour, uint8_t proto, uint16_t port, uint64_t packets)
{
	struct rec *r = ctx;
	r->ph = push(r->ph, &r->nph, &r->cph, sizeof *r->ph);
	r->ph[r->nph - 1] = (struct rph){hour, proto, port, packets};
	return 0;
}

static int rec_dest(void *ctx, const struct ks_addr *a, const uint64_t cls[KS_DN__NCLASS])
{
	struct rec *r = ctx;
	r->dst = push(r->dst, &r->ndst, &r->cdst, sizeof *r->dst);
	r->dst[r->ndst - 1].addr = *a;
	memcpy(r->dst[r->ndst - 1].cls, cls, sizeof r->dst[0].cls);
	return 0;
}

static int rec_counter(void *ctx, uint32_t hour, int counter, uint64_t value)
{
	struct rec *r = ctx;
	r->cnt = push(r->cnt, &r->ncnt, &r->ccnt, sizeof *r->cnt);
	r->cnt[r->ncnt - 1] = (struct rcnt){hour, counter, value};
	return 0;
}

static void rec_clear(struct rec *r)
{
	for (size_t i = 0; i < r->nsrc; i++) {
		free(r->src[i].dests);
		free(r->src[i].ports);
	}
	r->nsrc = r->nph = r->ndst = r->ncnt = 0;
}

static void rec_free(struct rec *r)
{
	rec_clear(r);
	free(r->src);
	free(r->ph);
	free(r->dst);
	free(r->cnt);
	memset(r, 0, sizeof *r);
}

static struct ks_dn_sink sink_for(struct rec *r)
{
	struct ks_dn_sink s = {rec_source, rec_port_hour, rec_dest, rec_counter, r};
	return s;
}

/* An aggregator that records into r through *sink (filled here); CHECKs
 * that it could be made. */
static struct ks_dn_agg *agg_open(struct rec *r, struct ks_dn_sink *sink,
				  const struct ks_dn_limits *lim)
{
	*sink = sink_for(r);
	struct ks_dn_agg *a = ks_dn_agg_new(lim, sink);
	CHECK(a != NULL);
	return a;
}

static void agg_close(struct ks_dn_agg *a, struct rec *r)
{
	ks_dn_agg_free(a);
	rec_free(r);
}

/* Source entries recorded for addr v4 in hour (NULL if none; first one). */
static const struct rsrc *find_src(const struct rec *r, uint32_t v4, uint32_t hour)
{
	struct ks_addr a;
	ks_addr_from_v4(&a, v4);
	for (size_t i = 0; i < r->nsrc; i++)
		if (r->src[i].hour == hour && memcmp(r->src[i].addr.b, a.b, 16) == 0)
			return &r->src[i];
	return NULL;
}

static size_t count_src(const struct rec *r, uint32_t v4, uint32_t hour)
{
	struct ks_addr a;
	ks_addr_from_v4(&a, v4);
	size_t n = 0;
	for (size_t i = 0; i < r->nsrc; i++)
		n += r->src[i].hour == hour && memcmp(r->src[i].addr.b, a.b, 16) == 0;
	return n;
}

static uint64_t ph_packets(const struct rec *r, uint32_t hour, uint8_t proto, uint16_t port)
{
	uint64_t n = 0;
	for (size_t i = 0; i < r->nph; i++)
		if (r->ph[i].hour == hour && r->ph[i].proto == proto && r->ph[i].port == port)
			n += r->ph[i].packets;
	return n;
}

static uint64_t counter_sum(const struct rec *r, uint32_t hour, int c)
{
	uint64_t n = 0;
	for (size_t i = 0; i < r->ncnt; i++)
		if (r->cnt[i].hour == hour && r->cnt[i].counter == c)
			n += r->cnt[i].value;
	return n;
}

static const struct rdest *find_dest(const struct rec *r, const struct ks_addr *a)
{
	for (size_t i = 0; i < r->ndst; i++)
		if (memcmp(r->dst[i].addr.b, a->b, 16) == 0)
			return &r->dst[i];
	return NULL;
}

static uint64_t src_packets(const struct rsrc *s)
{
	uint64_t n = 0;
	for (int c = 0; c < KS_DN__NCLASS; c++)
		n += s->cls[c];
	return n;
}

static uint64_t port_count(const struct rsrc *s, uint8_t proto, uint16_t port)
{
	for (uint32_t i = 0; i < s->np; i++)
		if (s->ports[i].k == ((uint32_t)proto << 16 | port))
			return s->ports[i].v;
	return 0;
}

/* ---- packets ---- */

static struct ks_pkt mk4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t dport)
{
	struct ks_pkt p;
	memset(&p, 0, sizeof p);
	p.ipver = 4;
	p.proto = proto;
	p.l4_ok = 1;
	ks_addr_from_v4(&p.src, src);
	ks_addr_from_v4(&p.dst, dst);
	p.sport = 50000;
	p.dport = dport;
	return p;
}

static struct ks_pkt mk6(uint8_t src_last, uint8_t dst_last, uint8_t proto, uint16_t dport)
{
	struct ks_pkt p;
	memset(&p, 0, sizeof p);
	p.ipver = 6;
	p.proto = proto;
	p.l4_ok = 1;
	static const uint8_t pre[4] = {0x20, 0x01, 0x0d, 0xb8};
	memcpy(p.src.b, pre, 4);
	memcpy(p.dst.b, pre, 4);
	p.src.b[5] = 0x01;
	p.dst.b[5] = 0xff;
	p.src.b[15] = src_last;
	p.dst.b[15] = dst_last;
	p.dport = dport;
	return p;
}

static struct ks_dn_limits lim_default(void)
{
	struct ks_dn_limits l = KS_DN_LIMITS_DEFAULT;
	return l;
}

#define SRC_A 0xcb007107u /* 203.0.113.7 */
#define SRC_B 0xcb007108u
#define DN(x) (0xc6120000u | (x)) /* 198.18.0.0/16 */

KS_TEST(agg_source_fields)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	struct ks_pkt p1 = mk4(SRC_A, DN(1), 6, 23);
	struct ks_pkt p2 = mk4(SRC_A, DN(2), 6, 23);
	struct ks_pkt p3 = mk4(SRC_A, DN(1), 6, 2323);
	struct ks_pkt p4 = mk4(SRC_A, DN(3), 6, 80);  /* backscatter: not a probe */
	struct ks_pkt p5 = mk4(SRC_A, DN(4), 17, 53); /* udp */
	struct ks_pkt p6 = mk4(SRC_A, DN(5), 1, 0);   /* icmp_scan: dests, no port */
	struct ks_pkt p7 = mk4(SRC_A, DN(6), 47, 0);  /* other */
	CHECK_EQ_U64(ks_dn_agg_add(a, &p1, KS_DN_TCP_SCAN, KS_TAG_MIRAI, T0 + 500), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p2, KS_DN_TCP_SCAN, 0, T0 + 100), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p3, KS_DN_TCP_SCAN, KS_TAG_MASSCAN, T0 + 900), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p4, KS_DN_BACKSCATTER, 0, T0 + 300), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p5, KS_DN_UDP, 0, T0 + 200), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p6, KS_DN_ICMP_SCAN, 0, T0 + 700), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p7, KS_DN_OTHER, 0, T0 + 800), 0);
	struct ks_dn_agg_stats st;
	ks_dn_agg_stats(a, &st);
	CHECK_EQ_U64(st.sources_held, 1);
	CHECK_EQ_U64(r.nsrc, 0); /* nothing handed over before the flush */
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc, 1);
	const struct rsrc *s = find_src(&r, SRC_A, H0);
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ_U64(s->cls[KS_DN_TCP_SCAN], 3);
		CHECK_EQ_U64(s->cls[KS_DN_BACKSCATTER], 1);
		CHECK_EQ_U64(s->cls[KS_DN_UDP], 1);
		CHECK_EQ_U64(s->cls[KS_DN_ICMP_SCAN], 1);
		CHECK_EQ_U64(s->cls[KS_DN_OTHER], 1);
		CHECK_EQ_U64(s->first_us, T0 + 100);
		CHECK_EQ_U64(s->last_us, T0 + 900);
		CHECK_EQ_U64(s->tags, KS_TAG_MIRAI | KS_TAG_MASSCAN);
		/* probe destinations only: DN(1), DN(2), DN(4), DN(5) */
		CHECK_EQ_U64(s->nd, 4);
		if (s->nd == 4) {
			CHECK_EQ_U64(s->dests[0], DN(1));
			CHECK_EQ_U64(s->dests[1], DN(2));
			CHECK_EQ_U64(s->dests[2], DN(4));
			CHECK_EQ_U64(s->dests[3], DN(5));
		}
		CHECK(!s->dests_sat);
		/* ports of tcp_scan and udp */
		CHECK_EQ_U64(s->np, 3);
		CHECK_EQ_U64(port_count(s, 6, 23), 2);
		CHECK_EQ_U64(port_count(s, 6, 2323), 1);
		CHECK_EQ_U64(port_count(s, 17, 53), 1);
		CHECK_EQ_U64(port_count(s, 6, 80), 0);
		CHECK(!s->ports_sat);
	}
	agg_close(a, &r);
}

KS_TEST(agg_two_sources_kept_apart)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	/* interleaved so that the one-entry cache keeps switching */
	for (int i = 0; i < 10; i++) {
		struct ks_pkt pa = mk4(SRC_A, DN(i), 6, 22);
		struct ks_pkt pb = mk4(SRC_B, DN(100 + i % 3), 17, 161);
		CHECK_EQ_U64(ks_dn_agg_add(a, &pa, KS_DN_TCP_SCAN, 0, T0 + i), 0);
		CHECK_EQ_U64(ks_dn_agg_add(a, &pb, KS_DN_UDP, KS_TAG_ZMAP, T0 + 1000 + i), 0);
	}
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc, 2);
	const struct rsrc *sa = find_src(&r, SRC_A, H0), *sb = find_src(&r, SRC_B, H0);
	CHECK(sa && sb);
	if (sa && sb) {
		CHECK_EQ_U64(sa->cls[KS_DN_TCP_SCAN], 10);
		CHECK_EQ_U64(src_packets(sa), 10);
		CHECK_EQ_U64(sa->nd, 10);
		CHECK_EQ_U64(sa->tags, 0);
		CHECK_EQ_U64(port_count(sa, 6, 22), 10);
		CHECK_EQ_U64(sa->first_us, T0);
		CHECK_EQ_U64(sa->last_us, T0 + 9);
		CHECK_EQ_U64(sb->cls[KS_DN_UDP], 10);
		CHECK_EQ_U64(sb->nd, 3);
		CHECK_EQ_U64(sb->tags, KS_TAG_ZMAP);
		CHECK_EQ_U64(port_count(sb, 17, 161), 10);
		CHECK_EQ_U64(sb->first_us, T0 + 1000);
		CHECK_EQ_U64(sb->last_us, T0 + 1009);
	}
	agg_close(a, &r);
}

KS_TEST(agg_hour_keys)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	struct ks_pkt p = mk4(SRC_A, DN(1), 6, 23);
	/* last microsecond of hour H0-1, first of H0, middle of H0, start of H0+5 */
	CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 - 1), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 + HOUR_US / 2), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 + HOUR_US - 1), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 + 5 * HOUR_US), 0);
	struct ks_dn_agg_stats st;
	ks_dn_agg_stats(a, &st);
	CHECK_EQ_U64(st.sources_held, 3);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc, 3);
	const struct rsrc *s0 = find_src(&r, SRC_A, H0 - 1), *s1 = find_src(&r, SRC_A, H0),
			  *s5 = find_src(&r, SRC_A, H0 + 5);
	CHECK(s0 && s1 && s5);
	if (s0 && s1 && s5) {
		CHECK_EQ_U64(s0->cls[KS_DN_TCP_SCAN], 1);
		CHECK_EQ_U64(s0->first_us, T0 - 1);
		CHECK_EQ_U64(s0->last_us, T0 - 1);
		CHECK_EQ_U64(s1->cls[KS_DN_TCP_SCAN], 3);
		CHECK_EQ_U64(s1->first_us, T0);
		CHECK_EQ_U64(s1->last_us, T0 + HOUR_US - 1);
		CHECK_EQ_U64(s1->nd, 1);
		CHECK_EQ_U64(s5->cls[KS_DN_TCP_SCAN], 1);
		CHECK_EQ_U64(s5->first_us, T0 + 5 * HOUR_US);
	}
	/* port-hour and counters keyed by the same hours */
	CHECK_EQ_U64(ph_packets(&r, H0 - 1, 6, 23), 1);
	CHECK_EQ_U64(ph_packets(&r, H0, 6, 23), 3);
	CHECK_EQ_U64(ph_packets(&r, H0 + 5, 6, 23), 1);
	CHECK_EQ_U64(counter_sum(&r, H0 - 1, KS_DNC_DARKNET), 1);
	CHECK_EQ_U64(counter_sum(&r, H0, KS_DNC_DARKNET), 3);
	CHECK_EQ_U64(counter_sum(&r, H0 + 5, KS_DNC_DARKNET), 1);
	agg_close(a, &r);
}

KS_TEST(agg_port_hour_only_tcp_scan_and_udp)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	struct ks_pkt t1 = mk4(SRC_A, DN(1), 6, 445);
	struct ks_pkt t2 = mk4(SRC_B, DN(2), 6, 445);
	struct ks_pkt u1 = mk4(SRC_A, DN(3), 17, 445); /* same port number, other protocol */
	struct ks_pkt bs = mk4(SRC_A, DN(4), 6, 8443);  /* backscatter */
	struct ks_pkt ic = mk4(SRC_A, DN(5), 1, 9999);  /* icmp_scan, stray dport */
	struct ks_pkt ot = mk4(SRC_A, DN(6), 6, 7777);  /* other (FIN scan) */
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U64(ks_dn_agg_add(a, &t1, KS_DN_TCP_SCAN, 0, T0 + i), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &t2, KS_DN_TCP_SCAN, 0, T0 + 10), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &t2, KS_DN_TCP_SCAN, 0, T0 + HOUR_US), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &u1, KS_DN_UDP, 0, T0 + 11), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &bs, KS_DN_BACKSCATTER, 0, T0 + 12), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &ic, KS_DN_ICMP_SCAN, 0, T0 + 13), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &ot, KS_DN_OTHER, 0, T0 + 14), 0);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(ph_packets(&r, H0, 6, 445), 4);
	CHECK_EQ_U64(ph_packets(&r, H0 + 1, 6, 445), 1);
	CHECK_EQ_U64(ph_packets(&r, H0, 17, 445), 1);
	CHECK_EQ_U64(ph_packets(&r, H0, 6, 8443), 0);
	CHECK_EQ_U64(ph_packets(&r, H0, 1, 9999), 0);
	CHECK_EQ_U64(ph_packets(&r, H0, 6, 7777), 0);
	/* exactly three port-hour entries, each key once */
	CHECK_EQ_U64(r.nph, 3);
	uint64_t total = 0;
	for (size_t i = 0; i < r.nph; i++)
		total += r.ph[i].packets;
	CHECK_EQ_U64(total, 6);
	agg_close(a, &r);
}

KS_TEST(agg_dest_entries)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	struct ks_pkt p1 = mk4(SRC_A, DN(1), 6, 23);
	struct ks_pkt p2 = mk4(SRC_B, DN(1), 6, 80);
	struct ks_pkt p3 = mk4(SRC_A, DN(2), 17, 53);
	struct ks_pkt p6 = mk6(1, 9, 58, 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p1, KS_DN_TCP_SCAN, 0, T0), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p1, KS_DN_TCP_SCAN, 0, T0 + 1), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p2, KS_DN_BACKSCATTER, 0, T0 + 2), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p2, KS_DN_OTHER, 0, T0 + HOUR_US), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p3, KS_DN_UDP, 0, T0 + 3), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p6, KS_DN_ICMP_SCAN, 0, T0 + 4), 0);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.ndst, 3);
	struct ks_addr d1, d2;
	ks_addr_from_v4(&d1, DN(1));
	ks_addr_from_v4(&d2, DN(2));
	const struct rdest *e1 = find_dest(&r, &d1), *e2 = find_dest(&r, &d2),
			   *e6 = find_dest(&r, &p6.dst);
	CHECK(e1 && e2 && e6);
	if (e1 && e2 && e6) {
		CHECK_EQ_U64(e1->cls[KS_DN_TCP_SCAN], 2);
		CHECK_EQ_U64(e1->cls[KS_DN_BACKSCATTER], 1);
		CHECK_EQ_U64(e1->cls[KS_DN_OTHER], 1);
		CHECK_EQ_U64(e1->cls[KS_DN_UDP], 0);
		CHECK_EQ_U64(e1->cls[KS_DN_ICMP_SCAN], 0);
		CHECK_EQ_U64(e2->cls[KS_DN_UDP], 1);
		CHECK_EQ_U64(e2->cls[KS_DN_TCP_SCAN], 0);
		CHECK_EQ_U64(e6->cls[KS_DN_ICMP_SCAN], 1);
	}
	agg_close(a, &r);
}

KS_TEST(agg_counters)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	struct ks_pkt v4 = mk4(SRC_A, DN(1), 6, 23);
	struct ks_pkt v6 = mk6(1, 2, 17, 53);
	for (int i = 0; i < 4; i++)
		CHECK_EQ_U64(ks_dn_agg_add(a, &v4, KS_DN_TCP_SCAN, 0, T0 + i), 0);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U64(ks_dn_agg_add(a, &v6, KS_DN_UDP, 0, T0 + 10 + i), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &v4, KS_DN_OTHER, 0, T0 + 2 * HOUR_US), 0);
	ks_dn_agg_count(a, KS_DNC_MALFORMED, T0 + 5);
	ks_dn_agg_count(a, KS_DNC_MALFORMED, T0 + 6);
	ks_dn_agg_count(a, KS_DNC_OUTSIDE, T0 + 7);
	ks_dn_agg_count(a, KS_DNC_NON_IP, T0 + HOUR_US);
	ks_dn_agg_count(a, KS_DNC_NON_IP, T0 + HOUR_US + 1);
	ks_dn_agg_count(a, KS_DNC_NON_IP, T0 + HOUR_US + 2);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(counter_sum(&r, H0, KS_DNC_DARKNET), 7);
	CHECK_EQ_U64(counter_sum(&r, H0, KS_DNC_DARKNET_V4), 4);
	CHECK_EQ_U64(counter_sum(&r, H0, KS_DNC_MALFORMED), 2);
	CHECK_EQ_U64(counter_sum(&r, H0, KS_DNC_OUTSIDE), 1);
	CHECK_EQ_U64(counter_sum(&r, H0, KS_DNC_NON_IP), 0);
	CHECK_EQ_U64(counter_sum(&r, H0 + 1, KS_DNC_NON_IP), 3);
	CHECK_EQ_U64(counter_sum(&r, H0 + 1, KS_DNC_DARKNET), 0);
	CHECK_EQ_U64(counter_sum(&r, H0 + 2, KS_DNC_DARKNET), 1);
	CHECK_EQ_U64(counter_sum(&r, H0 + 2, KS_DNC_DARKNET_V4), 1);
	/* every (hour, counter) handed over at most once per flush */
	for (size_t i = 0; i < r.ncnt; i++)
		for (size_t j = i + 1; j < r.ncnt; j++)
			CHECK(r.cnt[i].hour != r.cnt[j].hour || r.cnt[i].counter != r.cnt[j].counter);
	for (size_t i = 0; i < r.ncnt; i++)
		CHECK(r.cnt[i].counter >= 0 && r.cnt[i].counter < KS_DNC__N);
	agg_close(a, &r);
}

KS_TEST(agg_counter_names)
{
	CHECK(strcmp(ks_dn_counter_name(KS_DNC_DARKNET), "darknet") == 0);
	CHECK(strcmp(ks_dn_counter_name(KS_DNC_MALFORMED), "malformed") == 0);
	CHECK(strcmp(ks_dn_counter_name(KS_DNC_OUTSIDE), "outside") == 0);
	CHECK(strcmp(ks_dn_counter_name(KS_DNC_NON_IP), "non_ip") == 0);
	CHECK(strcmp(ks_dn_counter_name(KS_DNC_DARKNET_V4), "darknet_v4") == 0);
	CHECK(ks_dn_counter_name(-1) != NULL);
	CHECK(ks_dn_counter_name(KS_DNC__N) != NULL);
	CHECK(strcmp(ks_dn_counter_name(KS_DNC__N), "darknet") != 0);
}

KS_TEST(agg_flush_empties)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	/* flushing an empty aggregator hands over nothing */
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc + r.nph + r.ndst + r.ncnt, 0);
	struct ks_pkt p = mk4(SRC_A, DN(1), 6, 23);
	for (int i = 0; i < 5; i++)
		CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 + i), 0);
	ks_dn_agg_count(a, KS_DNC_MALFORMED, T0);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc, 1);
	CHECK_EQ_U64(r.nph, 1);
	CHECK_EQ_U64(r.ndst, 1);
	CHECK(r.ncnt >= 2);
	struct ks_dn_agg_stats st;
	ks_dn_agg_stats(a, &st);
	CHECK_EQ_U64(st.sources_held, 0);
	CHECK_EQ_U64(st.heap_bytes, 0);
	rec_clear(&r);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc + r.nph + r.ndst + r.ncnt, 0);
	/* the aggregator keeps working after a flush and starts from zero */
	CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 + 100), 0);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc, 1);
	if (r.nsrc == 1) {
		CHECK_EQ_U64(r.src[0].cls[KS_DN_TCP_SCAN], 1);
		CHECK_EQ_U64(r.src[0].first_us, T0 + 100);
		CHECK_EQ_U64(r.src[0].last_us, T0 + 100);
		CHECK_EQ_U64(r.src[0].nd, 1);
		CHECK_EQ_U64(port_count(&r.src[0], 6, 23), 1);
	}
	CHECK_EQ_U64(ph_packets(&r, H0, 6, 23), 1);
	CHECK_EQ_U64(counter_sum(&r, H0, KS_DNC_DARKNET), 1);
	CHECK_EQ_U64(counter_sum(&r, H0, KS_DNC_MALFORMED), 0);
	agg_close(a, &r);
}

KS_TEST(agg_source_overflow_loses_nothing)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	lim.max_sources = 4;
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	enum { NSRC = 23, NHOURS = 3 };
	uint64_t want[NSRC][NHOURS];
	memset(want, 0, sizeof want);
	uint64_t added = 0;
	/* a deterministic mixed stream: source i sends (i % 5) + 1 packets per
	 * round, rounds revisit sources after they were evicted */
	for (int round = 0; round < 6; round++)
		for (int i = 0; i < NSRC; i++)
			for (int k = 0; k <= i % 5; k++) {
				int h = (round + i) % NHOURS;
				int64_t ts = T0 + h * HOUR_US + round * 1000 + k;
				struct ks_pkt p = mk4(0x0a000000u + (uint32_t)i, DN((uint32_t)(round * 7 + k)),
						      i % 2 ? 6 : 17, (uint16_t)(1000 + k));
				CHECK_EQ_U64(ks_dn_agg_add(a, &p, i % 2 ? KS_DN_TCP_SCAN : KS_DN_UDP, 0, ts), 0);
				want[i][h]++;
				added++;
			}
	struct ks_dn_agg_stats st;
	ks_dn_agg_stats(a, &st);
	CHECK(st.source_flushes > 0);
	CHECK(st.sources_held <= 4);
	size_t before = r.nsrc;
	CHECK(before > 0); /* entries were handed over while adding */
	CHECK_EQ_U64(before % 4, 0); /* whole tables of 4 entries each time */
	CHECK_EQ_U64(before, st.source_flushes * 4);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc, before + st.sources_held);
	uint64_t got = 0;
	for (size_t j = 0; j < r.nsrc; j++)
		got += src_packets(&r.src[j]);
	CHECK_EQ_U64(got, added);
	/* per (source, hour): the sum over every handover */
	int bad = 0;
	for (int i = 0; i < NSRC; i++)
		for (int h = 0; h < NHOURS; h++) {
			struct ks_addr x;
			ks_addr_from_v4(&x, 0x0a000000u + (uint32_t)i);
			uint64_t n = 0;
			for (size_t j = 0; j < r.nsrc; j++)
				if (r.src[j].hour == H0 + (uint32_t)h && memcmp(r.src[j].addr.b, x.b, 16) == 0)
					n += src_packets(&r.src[j]);
			bad += n != want[i][h];
		}
	CHECK_EQ_U64(bad, 0);
	/* port-hour and counters are unaffected by source evictions */
	uint64_t ph = 0;
	for (size_t j = 0; j < r.nph; j++)
		ph += r.ph[j].packets;
	CHECK_EQ_U64(ph, added);
	uint64_t dn = 0;
	for (int h = 0; h < NHOURS; h++)
		dn += counter_sum(&r, H0 + (uint32_t)h, KS_DNC_DARKNET);
	CHECK_EQ_U64(dn, added);
	agg_close(a, &r);
}

KS_TEST(agg_source_overflow_same_key_twice)
{
	/* max_sources 1: alternating sources evict each other every packet */
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	lim.max_sources = 1;
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	struct ks_pkt pa = mk4(SRC_A, DN(1), 6, 23), pb = mk4(SRC_B, DN(2), 6, 23);
	CHECK_EQ_U64(ks_dn_agg_add(a, &pa, KS_DN_TCP_SCAN, KS_TAG_MIRAI, T0 + 1), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &pb, KS_DN_TCP_SCAN, 0, T0 + 2), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &pa, KS_DN_TCP_SCAN, 0, T0 + 3), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &pa, KS_DN_TCP_SCAN, 0, T0 + 4), 0);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc, 3);
	CHECK_EQ_U64(count_src(&r, SRC_A, H0), 2);
	CHECK_EQ_U64(count_src(&r, SRC_B, H0), 1);
	if (r.nsrc == 3) {
		/* handed over in order: A{1}, B{2}, A{3,4} */
		CHECK_EQ_U64(r.src[0].cls[KS_DN_TCP_SCAN], 1);
		CHECK_EQ_U64(r.src[0].tags, KS_TAG_MIRAI);
		CHECK_EQ_U64(r.src[0].first_us, T0 + 1);
		CHECK_EQ_U64(r.src[2].cls[KS_DN_TCP_SCAN], 2);
		CHECK_EQ_U64(r.src[2].tags, 0);
		CHECK_EQ_U64(r.src[2].first_us, T0 + 3);
		CHECK_EQ_U64(r.src[2].last_us, T0 + 4);
		CHECK_EQ_U64(r.src[2].nd, 1);
	}
	struct ks_dn_agg_stats st;
	ks_dn_agg_stats(a, &st);
	CHECK_EQ_U64(st.source_flushes, 2);
	agg_close(a, &r);
}

KS_TEST(agg_dest_table_overflow_loses_nothing)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	lim.max_dests = 3;
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	uint64_t want[10] = {0};
	uint64_t added = 0;
	for (int round = 0; round < 4; round++)
		for (uint32_t d = 0; d < 10; d++) {
			struct ks_pkt p = mk4(SRC_A, DN(d), 6, 23);
			CHECK_EQ_U64(ks_dn_agg_add(a, &p, d % 2 ? KS_DN_BACKSCATTER : KS_DN_TCP_SCAN, 0,
						   T0 + round * 10 + d), 0);
			want[d]++;
			added++;
		}
	CHECK(r.ndst > 0); /* handed over before the flush */
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	uint64_t got = 0;
	int bad = 0;
	for (uint32_t d = 0; d < 10; d++) {
		struct ks_addr x;
		ks_addr_from_v4(&x, DN(d));
		uint64_t n = 0;
		for (size_t j = 0; j < r.ndst; j++)
			if (memcmp(r.dst[j].addr.b, x.b, 16) == 0) {
				n += r.dst[j].cls[d % 2 ? KS_DN_BACKSCATTER : KS_DN_TCP_SCAN];
				n += r.dst[j].cls[d % 2 ? KS_DN_TCP_SCAN : KS_DN_BACKSCATTER] * 1000;
			}
		bad += n != want[d];
	}
	for (size_t j = 0; j < r.ndst; j++)
		for (int c = 0; c < KS_DN__NCLASS; c++)
			got += r.dst[j].cls[c];
	CHECK_EQ_U64(bad, 0);
	CHECK_EQ_U64(got, added);
	/* the per-source dests set is not affected by the address table */
	CHECK_EQ_U64(r.nsrc, 1);
	if (r.nsrc == 1)
		CHECK_EQ_U64(r.src[0].nd, 5);
	agg_close(a, &r);
}

KS_TEST(agg_max_dests_per_source_saturation)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	lim.max_dests_per_source = 3;
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	for (uint32_t d = 1; d <= 8; d++) {
		struct ks_pkt p = mk4(SRC_A, DN(d), 6, 23);
		CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 + d), 0);
	}
	/* a known destination again: not a refusal */
	struct ks_pkt p = mk4(SRC_A, DN(2), 6, 23);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 + 20), 0);
	/* another source has its own budget */
	struct ks_pkt q = mk4(SRC_B, DN(7), 6, 23);
	CHECK_EQ_U64(ks_dn_agg_add(a, &q, KS_DN_TCP_SCAN, 0, T0 + 21), 0);
	struct ks_dn_agg_stats st;
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	/* destinations are sorted out per source at flush: drops counted there */
	ks_dn_agg_stats(a, &st);
	CHECK_EQ_U64(st.dests_saturated, 5);
	CHECK_EQ_U64(st.ports_saturated, 0);
	const struct rsrc *s = find_src(&r, SRC_A, H0), *sb = find_src(&r, SRC_B, H0);
	CHECK(s && sb);
	if (s && sb) {
		CHECK_EQ_U64(s->cls[KS_DN_TCP_SCAN], 9); /* counts stay exact */
		CHECK_EQ_U64(s->nd, 3);
		CHECK(s->dests_sat);
		CHECK_EQ_U64(s->dests[0], DN(1));
		CHECK_EQ_U64(s->dests[1], DN(2));
		CHECK_EQ_U64(s->dests[2], DN(3));
		CHECK_EQ_U64(port_count(s, 6, 23), 9);
		CHECK_EQ_U64(s->last_us, T0 + 20);
		CHECK_EQ_U64(sb->nd, 1);
		CHECK(!sb->dests_sat);
	}
	CHECK_EQ_U64(ph_packets(&r, H0, 6, 23), 10);
	agg_close(a, &r);
}

KS_TEST(agg_max_ports_per_source_saturation)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	lim.max_ports_per_source = 2;
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	static const uint16_t ports[] = {22, 23, 80, 22, 443, 23};
	for (size_t i = 0; i < 6; i++) {
		struct ks_pkt p = mk4(SRC_A, DN(1), 6, ports[i]);
		CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 + (int64_t)i), 0);
	}
	struct ks_dn_agg_stats st;
	ks_dn_agg_stats(a, &st);
	CHECK_EQ_U64(st.ports_saturated, 2);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	const struct rsrc *s = find_src(&r, SRC_A, H0);
	CHECK(s != NULL);
	if (s) {
		CHECK_EQ_U64(s->np, 2);
		CHECK(s->ports_sat);
		CHECK_EQ_U64(port_count(s, 6, 22), 2);
		CHECK_EQ_U64(port_count(s, 6, 23), 2);
		CHECK_EQ_U64(port_count(s, 6, 80), 0);
		CHECK_EQ_U64(s->cls[KS_DN_TCP_SCAN], 6);
	}
	/* the port-hour table is not capped per source */
	CHECK_EQ_U64(ph_packets(&r, H0, 6, 80), 1);
	CHECK_EQ_U64(ph_packets(&r, H0, 6, 443), 1);
	agg_close(a, &r);
}

KS_TEST(agg_ipv6_sources_and_dest_keys)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	struct ks_pkt p1 = mk6(7, 1, 6, 22), p2 = mk6(7, 2, 6, 22), p3 = mk6(7, 1, 17, 123);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p1, KS_DN_TCP_SCAN, 0, T0), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p2, KS_DN_TCP_SCAN, 0, T0 + 1), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p3, KS_DN_UDP, 0, T0 + 2), 0);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc, 1);
	if (r.nsrc == 1) {
		const struct rsrc *s = &r.src[0];
		CHECK(memcmp(s->addr.b, p1.src.b, 16) == 0);
		CHECK_EQ_U64(s->nd, 2);
		uint32_t k1 = ks_dn_dest_key(&p1.dst), k2 = ks_dn_dest_key(&p2.dst);
		CHECK(k1 != k2);
		uint32_t lo = k1 < k2 ? k1 : k2, hi = k1 < k2 ? k2 : k1;
		if (s->nd == 2) {
			CHECK_EQ_U64(s->dests[0], lo);
			CHECK_EQ_U64(s->dests[1], hi);
		}
		CHECK_EQ_U64(port_count(s, 6, 22), 2);
		CHECK_EQ_U64(port_count(s, 17, 123), 1);
	}
	CHECK_EQ_U64(counter_sum(&r, H0, KS_DNC_DARKNET), 3);
	CHECK_EQ_U64(counter_sum(&r, H0, KS_DNC_DARKNET_V4), 0);
	agg_close(a, &r);
}

KS_TEST(agg_dest_key)
{
	struct ks_addr a;
	ks_addr_from_v4(&a, 0xc6120a05u);
	CHECK_EQ_U64(ks_dn_dest_key(&a), 0xc6120a05u);
	ks_addr_from_v4(&a, 0);
	CHECK_EQ_U64(ks_dn_dest_key(&a), 0);
	ks_addr_from_v4(&a, 0xffffffffu);
	CHECK_EQ_U64(ks_dn_dest_key(&a), 0xffffffffu);
	/* IPv6: a stable hash, same input same key */
	struct ks_pkt p = mk6(1, 5, 6, 0), q = mk6(1, 5, 6, 0);
	CHECK_EQ_U64(ks_dn_dest_key(&p.dst), ks_dn_dest_key(&q.dst));
	/* 256 addresses differing in the last byte: (almost surely) distinct keys */
	uint32_t keys[256];
	for (int i = 0; i < 256; i++) {
		struct ks_pkt x = mk6(1, (uint8_t)i, 6, 0);
		keys[i] = ks_dn_dest_key(&x.dst);
	}
	int same = 0;
	for (int i = 0; i < 256; i++)
		for (int j = i + 1; j < 256; j++)
			same += keys[i] == keys[j];
	CHECK_EQ_U64(same, 0);
}

KS_TEST(agg_stats_heap_bytes)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	struct ks_dn_agg_stats st;
	ks_dn_agg_stats(a, &st);
	CHECK_EQ_U64(st.sources_held, 0);
	CHECK_EQ_U64(st.heap_bytes, 0);
	CHECK_EQ_U64(st.source_flushes, 0);
	/* one port stays inline; each probe logs one 8-byte destination record */
	struct ks_pkt p = mk4(SRC_A, DN(1), 6, 23), q = mk4(SRC_A, DN(2), 6, 23);
	ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0);
	ks_dn_agg_add(a, &q, KS_DN_TCP_SCAN, 0, T0);
	ks_dn_agg_stats(a, &st);
	CHECK_EQ_U64(st.sources_held, 1);
	CHECK_EQ_U64(st.heap_bytes, 2 * sizeof(uint64_t));
	for (uint32_t d = 3; d <= 40; d++) {
		struct ks_pkt x = mk4(SRC_A, DN(d), 6, (uint16_t)d);
		ks_dn_agg_add(a, &x, KS_DN_TCP_SCAN, 0, T0);
	}
	ks_dn_agg_stats(a, &st);
	CHECK(st.heap_bytes >= 40 * sizeof(uint64_t) + 39 * sizeof(struct ks_kv));
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	ks_dn_agg_stats(a, &st);
	CHECK_EQ_U64(st.heap_bytes, 0);
	agg_close(a, &r);
}

KS_TEST(agg_sink_error_aborts_flush)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	for (uint32_t i = 0; i < 5; i++) {
		struct ks_pkt p = mk4(SRC_A + i, DN(1), 6, 23);
		ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0);
	}
	r.fail_source = KS_EIO;
	r.fail_after = 2;
	CHECK_EQ_U64(ks_dn_agg_flush(a), (uint64_t)(int64_t)KS_EIO);
	CHECK_EQ_U64(r.nsrc, 2); /* stopped at the third entry */
	CHECK_EQ_U64(r.nph, 0);  /* and did not go on to the other tables */
	CHECK_EQ_U64(r.ncnt, 0);
	agg_close(a, &r);
}

KS_TEST(agg_sink_error_on_overflow_returned_by_add)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	lim.max_sources = 2;
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	r.fail_source = 42;
	r.fail_after = 0;
	struct ks_pkt p1 = mk4(SRC_A, DN(1), 6, 23), p2 = mk4(SRC_B, DN(1), 6, 23),
		      p3 = mk4(SRC_B + 1, DN(1), 6, 23);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p1, KS_DN_TCP_SCAN, 0, T0), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p2, KS_DN_TCP_SCAN, 0, T0), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p3, KS_DN_TCP_SCAN, 0, T0), 42);
	agg_close(a, &r);
}

KS_TEST(agg_first_last_out_of_order)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	static const int64_t ts[] = {500, 100, 900, 300, 899, 101};
	struct ks_pkt p = mk4(SRC_A, DN(1), 6, 23);
	for (size_t i = 0; i < 6; i++)
		CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 + ts[i]), 0);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc, 1);
	if (r.nsrc == 1) {
		CHECK_EQ_U64(r.src[0].first_us, T0 + 100);
		CHECK_EQ_U64(r.src[0].last_us, T0 + 900);
	}
	agg_close(a, &r);
}

KS_TEST(agg_first_seen_at_epoch)
{
	/* A packet stamped exactly 0 (1970-01-01T00:00:00Z) is a real time: a
	 * later packet of the same source and hour must not replace first_us. */
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	struct ks_pkt p = mk4(SRC_A, DN(1), 6, 23);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, 0), 0);
	CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, 10), 0);
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	CHECK_EQ_U64(r.nsrc, 1);
	if (r.nsrc == 1) {
		CHECK_EQ_U64(r.src[0].hour, 0);
		CHECK_EQ_U64(r.src[0].first_us, 0);
		CHECK_EQ_U64(r.src[0].last_us, 10);
	}
	agg_close(a, &r);
}

/* A full destination log hands everything to the sink and goes on: no
 * count and no destination is lost, and sets stay exact per flushed row. */
KS_TEST(agg_log_full_flushes)
{
	struct rec r = {0};
	struct ks_dn_sink sink; /* borrowed by the aggregator: lives as long */
	struct ks_dn_limits lim = lim_default();
	lim.max_log = 4;
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	for (uint32_t d = 1; d <= 10; d++) {
		struct ks_pkt p = mk4(SRC_A, DN(d), 6, 23);
		CHECK_EQ_U64(ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0 + d), 0);
	}
	CHECK_EQ_U64(ks_dn_agg_flush(a), 0);
	uint64_t packets = 0, dests = 0;
	for (size_t i = 0; i < r.nsrc; i++) {
		packets += r.src[i].cls[KS_DN_TCP_SCAN];
		dests += r.src[i].nd;
	}
	CHECK_EQ_U64(r.nsrc, 3); /* 4 + 4 + 2 */
	CHECK_EQ_U64(packets, 10);
	CHECK_EQ_U64(dests, 10);
	struct ks_dn_agg_stats st;
	ks_dn_agg_stats(a, &st);
	CHECK_EQ_U64(st.source_flushes, 2);
	agg_close(a, &r);
}

/* ---- writer thread ---- */

/* Everything recorded for (v4, hour), merged over rows: packets per class
 * into cls, distinct destinations (returned), packets of port key into *port. */
static size_t merged(const struct rec *r, uint32_t v4, uint32_t hour, uint64_t cls[KS_DN__NCLASS],
		     uint32_t port_key, uint64_t *port)
{
	struct ks_addr a;
	ks_addr_from_v4(&a, v4);
	uint32_t *d = NULL;
	size_t nd = 0, cd = 0;
	memset(cls, 0, KS_DN__NCLASS * sizeof *cls);
	*port = 0;
	for (size_t i = 0; i < r->nsrc; i++) {
		const struct rsrc *s = &r->src[i];
		if (s->hour != hour || memcmp(s->addr.b, a.b, 16) != 0)
			continue;
		for (int c = 0; c < KS_DN__NCLASS; c++)
			cls[c] += s->cls[c];
		for (uint32_t k = 0; k < s->np; k++)
			if (s->ports[k].k == port_key)
				*port += s->ports[k].v;
		for (uint32_t k = 0; k < s->nd; k++) {
			d = push(d, &nd, &cd, sizeof *d);
			d[nd - 1] = s->dests[k];
		}
	}
	size_t u = 0;
	for (size_t i = 0; i < nd; i++) { /* distinct: quadratic, the sets are small */
		size_t j = 0;
		while (j < i && d[j] != d[i])
			j++;
		u += j == i;
	}
	free(d);
	return u;
}

/* The same stream, with and without the writer thread, with table
 * handovers on hour changes, out-of-order packets and full tables: the
 * merged figures per source-hour, port-hours, addresses and counters agree. */
KS_TEST(agg_writer_thread_same_totals)
{
	enum { NSRC = 37, NPKT = 5000, NHOURS = 4 };
	struct rec r[2] = {{0}, {0}};
	struct ks_dn_sink sink[2];
	struct ks_dn_limits lim = lim_default();
	lim.max_sources = 16;
	lim.max_log = 200;
	struct ks_dn_agg *a[2];
	for (int w = 0; w < 2; w++) {
		a[w] = agg_open(&r[w], &sink[w], &lim);
		if (!a[w])
			return;
	}
	CHECK_EQ_U64(ks_dn_agg_start_writer(a[1]), 0);
	uint32_t x = 12345;
	for (int w = 0; w < 2; w++) {
		x = 12345;
		for (int k = 0; k < NPKT; k++) {
			x = x * 1103515245u + 12345u;
			uint32_t s = 0x0a000000u + (x >> 8) % NSRC;
			/* time mostly moves forward across the hours, with stragglers */
			int64_t ts = T0 + (int64_t)k * (NHOURS * HOUR_US / NPKT) - (x % 7 == 0 ? HOUR_US : 0);
			struct ks_pkt p = mk4(s, DN((x >> 4) % 97), x % 3 ? 6 : 17, (uint16_t)(20 + x % 5));
			enum ks_dn_class c = x % 3 ? KS_DN_TCP_SCAN : KS_DN_UDP;
			CHECK_EQ_U64(ks_dn_agg_add(a[w], &p, c, 0, ts), 0);
		}
		CHECK_EQ_U64(ks_dn_agg_flush(a[w]), 0);
	}
	int bad = 0;
	for (uint32_t i = 0; i < NSRC; i++)
		for (uint32_t h = H0 - 1; h < H0 + NHOURS; h++)
			for (uint32_t port = 20; port < 25; port++) {
				uint64_t c0[KS_DN__NCLASS], c1[KS_DN__NCLASS], p0, p1;
				uint32_t key = 6u << 16 | port;
				size_t d0 = merged(&r[0], 0x0a000000u + i, h, c0, key, &p0);
				size_t d1 = merged(&r[1], 0x0a000000u + i, h, c1, key, &p1);
				bad += d0 != d1 || p0 != p1 || memcmp(c0, c1, sizeof c0) != 0;
			}
	CHECK_EQ_U64(bad, 0);
	CHECK(r[1].nsrc >= r[0].nsrc); /* handovers at hour changes add rows, never lose them */
	for (uint32_t h = H0 - 1; h < H0 + NHOURS; h++) {
		CHECK_EQ_U64(counter_sum(&r[1], h, KS_DNC_DARKNET), counter_sum(&r[0], h, KS_DNC_DARKNET));
		CHECK_EQ_U64(ph_packets(&r[1], h, 6, 21), ph_packets(&r[0], h, 6, 21));
	}
	CHECK_EQ_U64(r[1].ndst, r[0].ndst);
	for (size_t i = 0; i < r[0].ndst; i++) {
		const struct rdest *d = find_dest(&r[1], &r[0].dst[i].addr);
		CHECK(d && memcmp(d->cls, r[0].dst[i].cls, sizeof d->cls) == 0);
	}
	for (int w = 0; w < 2; w++)
		agg_close(a[w], &r[w]);
}

/* A sink error in the writer thread comes back from a later add or flush. */
KS_TEST(agg_writer_thread_error_returned)
{
	struct rec r = {0};
	struct ks_dn_sink sink;
	struct ks_dn_limits lim = lim_default();
	lim.max_sources = 2;
	struct ks_dn_agg *a = agg_open(&r, &sink, &lim);
	if (!a)
		return;
	CHECK_EQ_U64(ks_dn_agg_start_writer(a), 0);
	r.fail_source = 42;
	int got = 0;
	for (uint32_t i = 0; i < 100 && got == 0; i++) {
		struct ks_pkt p = mk4(SRC_A + i, DN(1), 6, 23);
		got = ks_dn_agg_add(a, &p, KS_DN_TCP_SCAN, 0, T0);
	}
	if (got == 0)
		got = ks_dn_agg_flush(a);
	CHECK_EQ_U64(got, 42);
	agg_close(a, &r);
}

/* Addresses counted in the direct IPv4 table come out exactly as from the
 * hashed table, beside addresses outside its range and IPv6 ones, also
 * after a flush in the middle. */
KS_TEST(agg_direct_v4_same_dests)
{
	struct rec r[2] = {{0}, {0}};
	struct ks_dn_sink sink[2];
	struct ks_dn_limits lim = lim_default();
	struct ks_dn_agg *a[2];
	for (int w = 0; w < 2; w++) {
		a[w] = agg_open(&r[w], &sink[w], &lim);
		if (!a[w])
			return;
	}
	CHECK_EQ_U64(ks_dn_agg_direct_v4(a[1], DN(0), 256), 0);
	CHECK_EQ_U64(ks_dn_agg_direct_v4(a[1], DN(0), 256), KS_EINVAL); /* one range only */
	for (int w = 0; w < 2; w++) {
		uint32_t x = 99;
		for (int k = 0; k < 3000; k++) {
			x = x * 1103515245u + 12345u;
			struct ks_pkt p = x % 11 ? mk4(SRC_A + x % 5, DN((x >> 8) % 300), 6, 23)
						 : mk6((uint8_t)x, (uint8_t)(x >> 8), 17, 53);
			CHECK_EQ_U64(ks_dn_agg_add(a[w], &p, (enum ks_dn_class)((x >> 3) % KS_DN__NCLASS), 0, T0 + k), 0);
			if (k == 1500)
				CHECK_EQ_U64(ks_dn_agg_flush(a[w]), 0);
		}
		CHECK_EQ_U64(ks_dn_agg_flush(a[w]), 0);
	}
	CHECK_EQ_U64(r[1].ndst, r[0].ndst);
	int bad = 0;
	for (size_t i = 0; i < r[0].ndst; i++) {
		uint64_t c0[KS_DN__NCLASS] = {0}, c1[KS_DN__NCLASS] = {0};
		for (int w = 0; w < 2; w++)
			for (size_t j = 0; j < r[w].ndst; j++)
				if (memcmp(r[w].dst[j].addr.b, r[0].dst[i].addr.b, 16) == 0)
					for (int c = 0; c < KS_DN__NCLASS; c++)
						(w ? c1 : c0)[c] += r[w].dst[j].cls[c];
		bad += memcmp(c0, c1, sizeof c0) != 0;
	}
	CHECK_EQ_U64(bad, 0);
	for (int w = 0; w < 2; w++)
		agg_close(a[w], &r[w]);
}
