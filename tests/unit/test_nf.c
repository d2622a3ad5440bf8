/* SPDX-License-Identifier: BSD-2-Clause */
/* NetFlow v5 / v9 / IPFIX decoder (nf_decode.h): hand-built datagrams for
 * templates, options and sampling, withdrawal, refresh, expiry, caps,
 * variable-length, enterprise and reduced-size fields, records before their
 * template, sequence loss per version, wrap, truncation and corruption; and
 * a few real export datagrams from ../shared/data/netflow (netflow_spec.rb
 * beside them holds the expected values). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_log.h"
#include "ks_test.h"
#include "nf_decode.h"

/* ---- datagram builder ---- */
struct b {
	uint8_t p[2048];
	size_t n;
};
static void u8(struct b *b, uint32_t v) { b->p[b->n++] = (uint8_t)v; }
static void u16(struct b *b, uint32_t v)
{
	u8(b, v >> 8);
	u8(b, v);
}
static void u32(struct b *b, uint32_t v)
{
	u16(b, v >> 16);
	u16(b, v);
}
static void put16(struct b *b, size_t at, uint32_t v)
{
	b->p[at] = (uint8_t)(v >> 8);
	b->p[at + 1] = (uint8_t)v;
}
/* Starts a set / flowset; returns its offset for set_end(). */
static size_t set_begin(struct b *b, uint16_t id)
{
	size_t at = b->n;
	u16(b, id);
	u16(b, 0);
	return at;
}
static void set_end(struct b *b, size_t at) { put16(b, at + 2, (uint32_t)(b->n - at)); }
static void v9_hdr(struct b *b, uint32_t uptime, uint32_t secs, uint32_t seq, uint32_t src)
{
	b->n = 0;
	u16(b, 9);
	u16(b, 1);
	u32(b, uptime);
	u32(b, secs);
	u32(b, seq);
	u32(b, src);
}
static void ipfix_hdr(struct b *b, uint32_t secs, uint32_t seq, uint32_t dom)
{
	b->n = 0;
	u16(b, 10);
	u16(b, 0);
	u32(b, secs);
	u32(b, seq);
	u32(b, dom);
}
static void ipfix_end(struct b *b) { put16(b, 2, (uint32_t)b->n); }

/* ---- collecting results ---- */
struct got {
	struct ks_flow f[64];
	size_t n;
	size_t recs[5];
	char str[64]; /* last interfaceName seen by the hook */
	uint16_t last_sport;
};
static int collect(void *ctx, const struct ks_flow *f)
{
	struct got *g = ctx;
	if (g->n < 64)
		g->f[g->n] = *f;
	g->n++;
	return 0;
}
static void hook(void *ctx, const struct ks_nf_rec *r)
{
	struct got *g = ctx;
	g->recs[r->kind]++;
	for (size_t i = 0; i < r->nfields; i++)
		if (r->fields[i].id == 82 && r->fields[i].pen == 0 && r->fields[i].val) {
			size_t n = r->fields[i].len < 63 ? r->fields[i].len : 63;
			memcpy(g->str, r->fields[i].val, n);
			g->str[n] = 0;
		}
}

static struct ks_addr EXP;
static const int64_t T0 = 1700000000000LL;

static int feed(struct ks_nf *nf, struct b *b, int64_t now, struct got *g)
{
	return ks_nf_datagram(nf, &EXP, 2055, now, b->p, b->n, collect, g);
}
static struct ks_nf_exporter_stats stats(struct ks_nf *nf)
{
	struct ks_nf_exporter_stats s;
	memset(&s, 0, sizeof(s));
	ks_nf_exporter_stats(nf, 0, &s);
	return s;
}

static void setup(void)
{
	ks_addr_from_v4(&EXP, 0xc0000201); /* 192.0.2.1 */
	ks_log_level = -1;                  /* malformed-datagram warnings are expected */
}

/* ---- v5 ---- */
static void v5_build(struct b *b, uint16_t count, uint32_t seq, uint16_t sampling)
{
	b->n = 0;
	u16(b, 5);
	u16(b, count);
	u32(b, 100000);     /* uptime */
	u32(b, 1700000000); /* secs */
	u32(b, 500000000);  /* nsecs */
	u32(b, seq);
	u8(b, 1);
	u8(b, 2);
	u16(b, sampling);
	for (uint16_t i = 0; i < count; i++) {
		u32(b, 0xc6120001 + i); /* 198.18.0.1 */
		u32(b, 0xcb007101);     /* 203.0.113.1 */
		u32(b, 0);
		u16(b, 1);
		u16(b, 2);
		u32(b, 10);    /* packets */
		u32(b, 1000);  /* bytes */
		u32(b, 90000); /* first: 10 s before export */
		u32(b, 99000);
		u16(b, 40000 + i);
		u16(b, 23);
		u8(b, 0);
		u8(b, 0x12);
		u8(b, 6);
		u8(b, 0);
		u32(b, 0);
		u8(b, 24);
		u8(b, 24);
		u16(b, 0);
	}
}

KS_TEST(nf_v5_records_and_sampling)
{
	setup();
	struct ks_nf *nf = ks_nf_new(NULL);
	struct b b;
	struct got g = {0};
	v5_build(&b, 2, 0, 0);
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.n, 2);
	CHECK_EQ_U64(g.f[0].packets, 10);
	CHECK_EQ_U64(g.f[0].bytes, 1000);
	CHECK_EQ_U64(g.f[0].sport, 40000);
	CHECK_EQ_U64(g.f[1].sport, 40001);
	CHECK_EQ_U64(g.f[0].dport, 23);
	CHECK_EQ_U64(g.f[0].proto, 6);
	CHECK_EQ_U64(g.f[0].tcp_flags, 0x12);
	CHECK_EQ_U64(ks_addr_v4(&g.f[1].src), 0xc6120002);
	CHECK_EQ_U64(ks_addr_v4(&g.f[0].dst), 0xcb007101);
	CHECK(g.f[0].first_ms == 1700000000500LL - 10000);
	CHECK(g.f[0].last_ms == 1700000000500LL - 1000);
	CHECK_EQ_U64(g.f[0].sampling, 1);
	/* header sampling: mode 1, interval 100 */
	g.n = 0;
	v5_build(&b, 1, 2, 1u << 14 | 100);
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.f[0].packets, 1000);
	CHECK_EQ_U64(g.f[0].bytes, 100000);
	CHECK_EQ_U64(g.f[0].sampling, 100);
	struct ks_nf_exporter_stats s = stats(nf);
	CHECK_EQ_U64(s.version, 5);
	CHECK_EQ_U64(s.datagrams, 2);
	CHECK_EQ_U64(s.flows, 3);
	CHECK_EQ_U64(s.sampling, 100);
	CHECK_EQ_U64(s.lost_flows, 0);
	/* more than 30 records, count beyond the data */
	v5_build(&b, 2, 3, 0);
	put16(&b, 2, 31);
	CHECK(feed(nf, &b, T0, &g) == KS_EINVAL);
	v5_build(&b, 2, 3, 0);
	b.n -= 1;
	g.n = 0;
	CHECK(feed(nf, &b, T0, &g) == KS_ETRUNC);
	CHECK_EQ_U64(g.n, 1); /* the complete first record was delivered */
	CHECK_EQ_U64(stats(nf).malformed, 2);
	size_t off;
	const char *what;
	CHECK(ks_nf_last_error(nf, &off, &what) == 0 && off == 72);
	ks_nf_free(nf);
}

KS_TEST(nf_v5_sequence_counts_flows)
{
	setup();
	struct ks_nf *nf = ks_nf_new(NULL);
	struct b b;
	struct got g = {0};
	v5_build(&b, 2, 100, 0);
	feed(nf, &b, T0, &g);
	v5_build(&b, 2, 102, 0); /* in order */
	feed(nf, &b, T0, &g);
	CHECK_EQ_U64(stats(nf).lost_flows, 0);
	v5_build(&b, 2, 110, 0); /* 6 flows missing */
	feed(nf, &b, T0, &g);
	CHECK_EQ_U64(stats(nf).lost_flows, 6);
	v5_build(&b, 2, 104, 0); /* late: not loss, expectation kept */
	feed(nf, &b, T0, &g);
	v5_build(&b, 2, 112, 0);
	feed(nf, &b, T0, &g);
	CHECK_EQ_U64(stats(nf).lost_flows, 6);
	v5_build(&b, 2, 0x80000000u, 0); /* big jump: restart, not loss */
	feed(nf, &b, T0, &g);
	v5_build(&b, 2, 0xfffffffe, 0); /* again */
	feed(nf, &b, T0, &g);
	CHECK_EQ_U64(stats(nf).lost_flows, 6);
	v5_build(&b, 2, 0, 0); /* wrap */
	feed(nf, &b, T0, &g);
	CHECK_EQ_U64(stats(nf).lost_flows, 6);
	v5_build(&b, 2, 5, 0); /* 3 lost across nothing special */
	feed(nf, &b, T0, &g);
	CHECK_EQ_U64(stats(nf).lost_flows, 9);
	ks_nf_free(nf);
}

/* ---- v9 ---- */
static void v9_tpl(struct b *b, uint16_t tid)
{
	size_t s = set_begin(b, 0);
	u16(b, tid);
	u16(b, 10);
	static const uint16_t f[10][2] = {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1},
					  {6, 1}, {1, 4}, {2, 4}, {22, 4}, {21, 4}};
	for (int i = 0; i < 10; i++) {
		u16(b, f[i][0]);
		u16(b, f[i][1]);
	}
	set_end(b, s);
}
static void v9_data(struct b *b, uint16_t tid, int n)
{
	size_t s = set_begin(b, tid);
	for (int i = 0; i < n; i++) {
		u32(b, 0xc6120001);
		u32(b, 0xcb007101);
		u16(b, 1000 + i);
		u16(b, 80);
		u8(b, 6);
		u8(b, 0x1b);
		u32(b, 4000);
		u32(b, 5);
		u32(b, 50000); /* first: uptime 60000 -> 10 s before export */
		u32(b, 59000);
	}
	while ((b->n - s) % 4) /* padding */
		u8(b, 0);
	set_end(b, s);
}

KS_TEST(nf_v9_template_data_and_before_template)
{
	setup();
	struct ks_nf *nf = ks_nf_new(NULL);
	struct b b;
	struct got g = {0};
	ks_nf_set_record_hook(nf, hook, &g);
	v9_hdr(&b, 60000, 1700000000, 1, 7);
	v9_data(&b, 256, 2); /* before its template: counted, not guessed */
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.n, 0);
	CHECK_EQ_U64(stats(nf).no_template, 1);
	v9_hdr(&b, 60000, 1700000000, 2, 7);
	v9_tpl(&b, 256);
	v9_data(&b, 256, 3);
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.n, 3);
	CHECK_EQ_U64(g.recs[KS_NF_TEMPLATE], 1);
	CHECK_EQ_U64(g.recs[KS_NF_DATA], 3);
	CHECK_EQ_U64(g.f[2].sport, 1002);
	CHECK_EQ_U64(g.f[0].dport, 80);
	CHECK_EQ_U64(g.f[0].bytes, 4000);
	CHECK_EQ_U64(g.f[0].packets, 5);
	CHECK_EQ_U64(g.f[0].tcp_flags, 0x1b);
	CHECK(g.f[0].first_ms == 1700000000000LL - 10000);
	CHECK(g.f[0].last_ms == 1700000000000LL - 1000);
	/* same template id under another source id is another template */
	v9_hdr(&b, 60000, 1700000000, 1, 8);
	v9_data(&b, 256, 1);
	g.n = 0;
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.n, 0);
	struct ks_nf_exporter_stats s = stats(nf);
	CHECK_EQ_U64(s.no_template, 2);
	CHECK_EQ_U64(s.templates, 1);
	CHECK_EQ_U64(s.flows, 3);
	CHECK_EQ_U64(s.version, 9);
	ks_nf_free(nf);
}

KS_TEST(nf_v9_sequence_counts_packets)
{
	setup();
	struct ks_nf *nf = ks_nf_new(NULL);
	struct b b;
	struct got g = {0};
	uint32_t seqs[] = {1, 2, 3, 6, 7, 5, 8, 0x80000000u, 0x80000001u};
	for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
		v9_hdr(&b, 60000, 1700000000, seqs[i], 0);
		v9_tpl(&b, 256);
		v9_data(&b, 256, 3); /* 3 flows per packet: loss is in packets */
		feed(nf, &b, T0, &g);
	}
	struct ks_nf_exporter_stats s = stats(nf);
	CHECK_EQ_U64(s.lost_packets, 2); /* 4, 5 missing; 5 late; 0x80000000 a restart */
	CHECK_EQ_U64(s.lost_flows, 0);
	/* wrap */
	v9_hdr(&b, 60000, 1700000000, 0xffffffff, 0);
	feed(nf, &b, T0, &g);
	v9_hdr(&b, 60000, 1700000000, 0, 0);
	feed(nf, &b, T0, &g);
	CHECK_EQ_U64(stats(nf).lost_packets, 2);
	ks_nf_free(nf);
}

KS_TEST(nf_v9_options_sampling)
{
	setup();
	struct ks_nf *nf = ks_nf_new(NULL);
	struct b b;
	struct got g = {0};
	v9_hdr(&b, 60000, 1700000000, 1, 0);
	size_t s = set_begin(&b, 1);
	u16(&b, 300);
	u16(&b, 4); /* scope length: one field */
	u16(&b, 8); /* option length: two fields */
	u16(&b, 1); /* scope: system */
	u16(&b, 4);
	u16(&b, 48); /* samplerId */
	u16(&b, 1);
	u16(&b, 34); /* samplingInterval */
	u16(&b, 4);
	u16(&b, 0); /* padding */
	set_end(&b, s);
	s = set_begin(&b, 300);
	u32(&b, 0xc0000201);
	u8(&b, 1);
	u32(&b, 100);
	while ((b.n - s) % 4)
		u8(&b, 0);
	set_end(&b, s);
	v9_tpl(&b, 256);
	v9_data(&b, 256, 1);
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.n, 1);
	CHECK_EQ_U64(g.f[0].packets, 500);
	CHECK_EQ_U64(g.f[0].bytes, 400000);
	CHECK_EQ_U64(g.f[0].sampling, 100);
	struct ks_nf_exporter_stats st = stats(nf);
	CHECK_EQ_U64(st.options_records, 1);
	CHECK_EQ_U64(st.sampling, 100);
	CHECK_EQ_U64(st.templates, 2);
	ks_nf_free(nf);
}

/* ---- IPFIX ---- */
/* Template 256: sourceIPv4Address, destinationIPv4Address, ports, protocol,
 * octetDeltaCount (reduced to 2 bytes), packetDeltaCount (1 byte), an
 * enterprise field (PEN 9, 4 bytes), interfaceName (variable),
 * flowStartMilliseconds, flowEndMilliseconds. */
static void ipfix_tpl(struct b *b, uint16_t tid)
{
	size_t s = set_begin(b, 2);
	u16(b, tid);
	u16(b, 11);
	u16(b, 8), u16(b, 4);
	u16(b, 12), u16(b, 4);
	u16(b, 7), u16(b, 2);
	u16(b, 11), u16(b, 2);
	u16(b, 4), u16(b, 1);
	u16(b, 1), u16(b, 2);
	u16(b, 2), u16(b, 1);
	u16(b, 0x8000 | 100), u16(b, 4), u32(b, 9);
	u16(b, 82), u16(b, 65535);
	u16(b, 152), u16(b, 8);
	u16(b, 153), u16(b, 8);
	set_end(b, s);
}
static void u64v(struct b *b, uint64_t v)
{
	u32(b, (uint32_t)(v >> 32));
	u32(b, (uint32_t)v);
}
static void ipfix_rec(struct b *b, uint16_t sport, size_t namelen)
{
	u32(b, 0xc6120001);
	u32(b, 0x20010db8); /* 32.1.13.184 */
	u16(b, sport);
	u16(b, 443);
	u8(b, 17);
	u16(b, 1500);
	u8(b, 3);
	u32(b, 0xdeadbeef);
	if (namelen < 255) {
		u8(b, (uint32_t)namelen);
	} else {
		u8(b, 255);
		u16(b, (uint32_t)namelen);
	}
	for (size_t i = 0; i < namelen; i++)
		u8(b, 'a' + i % 26);
	u64v(b, 1700000000123ULL);
	u64v(b, 1700000001456ULL);
}

KS_TEST(nf_ipfix_varlen_enterprise_reduced)
{
	setup();
	struct ks_nf *nf = ks_nf_new(NULL);
	struct b b;
	struct got g = {0};
	ks_nf_set_record_hook(nf, hook, &g);
	ipfix_hdr(&b, 1700000002, 0, 1);
	ipfix_tpl(&b, 256);
	size_t s = set_begin(&b, 256);
	ipfix_rec(&b, 1, 4);
	ipfix_rec(&b, 2, 0);   /* zero-length value */
	ipfix_rec(&b, 3, 300); /* three-byte length */
	u8(&b, 0), u8(&b, 0), u8(&b, 0); /* padding */
	set_end(&b, s);
	ipfix_end(&b);
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.n, 3);
	CHECK_EQ_U64(g.f[0].sport, 1);
	CHECK_EQ_U64(g.f[1].sport, 2);
	CHECK_EQ_U64(g.f[2].sport, 3);
	CHECK_EQ_U64(g.f[2].dport, 443);
	CHECK_EQ_U64(g.f[2].proto, 17);
	CHECK_EQ_U64(g.f[2].bytes, 1500);
	CHECK_EQ_U64(g.f[2].packets, 3);
	CHECK(g.f[2].first_ms == 1700000000123LL);
	CHECK(g.f[2].last_ms == 1700000001456LL);
	CHECK_EQ_U64(ks_addr_v4(&g.f[0].dst), 0x20010db8);
	CHECK_EQ_U64(strlen(g.str), 63); /* last name: 300 letters, hook copy cut */
	CHECK(memcmp(g.str, "abcdefghij", 10) == 0);
	ks_nf_free(nf);
}

KS_TEST(nf_ipfix_sequence_counts_records)
{
	setup();
	struct ks_nf *nf = ks_nf_new(NULL);
	struct b b;
	struct got g = {0};
	uint32_t seq[] = {0, 3, 10, 13};
	for (int i = 0; i < 4; i++) {
		ipfix_hdr(&b, 1700000002, seq[i], 1);
		ipfix_tpl(&b, 256);
		size_t s = set_begin(&b, 256);
		for (int k = 0; k < 3; k++)
			ipfix_rec(&b, 1, 1);
		set_end(&b, s);
		ipfix_end(&b);
		CHECK(feed(nf, &b, T0, &g) == 0);
	}
	struct ks_nf_exporter_stats st = stats(nf);
	CHECK_EQ_U64(st.lost_flows, 4); /* 6..9 */
	CHECK_EQ_U64(st.lost_packets, 0);
	/* a message with an unknown data set: next one resynchronises */
	ipfix_hdr(&b, 1700000002, 16, 1);
	size_t s = set_begin(&b, 999);
	u32(&b, 0);
	set_end(&b, s);
	ipfix_end(&b);
	feed(nf, &b, T0, &g);
	ipfix_hdr(&b, 1700000002, 40, 1);
	ipfix_end(&b);
	feed(nf, &b, T0, &g);
	CHECK_EQ_U64(stats(nf).lost_flows, 4);
	ks_nf_free(nf);
}

static void one_rec_set(struct b *b, uint16_t tid)
{
	size_t s = set_begin(b, tid);
	ipfix_rec(b, 7, 2);
	set_end(b, s);
}

KS_TEST(nf_ipfix_withdrawal_refresh_expiry)
{
	setup();
	struct ks_nf *nf = ks_nf_new(NULL);
	struct b b;
	struct got g = {0};
	ks_nf_set_record_hook(nf, hook, &g);
	ipfix_hdr(&b, 1700000002, 0, 1);
	ipfix_tpl(&b, 256);
	ipfix_tpl(&b, 257);
	size_t s = set_begin(&b, 2); /* withdraw 256 */
	u16(&b, 256);
	u16(&b, 0);
	set_end(&b, s);
	one_rec_set(&b, 256);
	one_rec_set(&b, 257);
	ipfix_end(&b);
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.n, 1);
	CHECK_EQ_U64(g.recs[KS_NF_WITHDRAWAL], 1);
	CHECK_EQ_U64(stats(nf).no_template, 1);
	CHECK_EQ_U64(stats(nf).templates, 1);
	/* withdraw all templates: set 2, template id 2 */
	ipfix_hdr(&b, 1700000002, 1, 1);
	s = set_begin(&b, 2);
	u16(&b, 2);
	u16(&b, 0);
	set_end(&b, s);
	one_rec_set(&b, 257);
	ipfix_end(&b);
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.n, 1);
	CHECK_EQ_U64(stats(nf).templates, 0);
	/* withdrawal of a reserved id is malformed */
	ipfix_hdr(&b, 1700000002, 1, 1);
	s = set_begin(&b, 2);
	u16(&b, 5);
	u16(&b, 0);
	set_end(&b, s);
	ipfix_end(&b);
	CHECK(feed(nf, &b, T0, &g) == KS_EINVAL);
	/* refresh: 258 first has two fields, then is redefined with one */
	ipfix_hdr(&b, 1700000002, 1, 1);
	s = set_begin(&b, 2);
	u16(&b, 258), u16(&b, 2);
	u16(&b, 7), u16(&b, 2);
	u16(&b, 11), u16(&b, 2);
	u16(&b, 258), u16(&b, 1);
	u16(&b, 11), u16(&b, 2);
	set_end(&b, s);
	s = set_begin(&b, 258);
	u16(&b, 53);
	u16(&b, 54);
	set_end(&b, s);
	ipfix_end(&b);
	g.n = 0;
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.n, 2); /* two one-field records under the new layout */
	CHECK_EQ_U64(g.f[0].dport, 53);
	CHECK_EQ_U64(g.f[0].sport, 0);
	CHECK_EQ_U64(g.f[1].dport, 54);
	/* expiry: 1800 s after the last definition still live, a moment later not */
	ipfix_hdr(&b, 1700000002, 1, 1);
	s = set_begin(&b, 258);
	u16(&b, 53);
	set_end(&b, s);
	ipfix_end(&b);
	g.n = 0;
	feed(nf, &b, T0 + 1800 * 1000, &g);
	CHECK_EQ_U64(g.n, 1);
	feed(nf, &b, T0 + 1800 * 1000 + 1, &g);
	CHECK_EQ_U64(g.n, 1);
	CHECK_EQ_U64(stats(nf).templates, 0);
	ks_nf_free(nf);
}

KS_TEST(nf_caps_and_options_ipfix_sampling)
{
	setup();
	struct ks_nf_limits l;
	ks_nf_limits_default(&l);
	CHECK_EQ_U64(l.templates_per_exporter, 512);
	CHECK_EQ_U64(l.template_timeout_s, 1800);
	l.templates_per_exporter = 2;
	l.fields_per_template = 11;
	struct ks_nf *nf = ks_nf_new(&l);
	struct b b;
	struct got g = {0};
	ipfix_hdr(&b, 1700000002, 0, 1);
	ipfix_tpl(&b, 256);
	ipfix_tpl(&b, 257);
	ipfix_tpl(&b, 258); /* third: over the cap */
	size_t s = set_begin(&b, 2);
	u16(&b, 259), u16(&b, 12); /* 12 fields: over the cap */
	for (int i = 0; i < 12; i++)
		u16(&b, 7), u16(&b, 2);
	set_end(&b, s);
	ipfix_tpl(&b, 256); /* refresh of a live one is not a new template */
	one_rec_set(&b, 257);
	ipfix_end(&b);
	CHECK(feed(nf, &b, T0, &g) == 0);
	struct ks_nf_exporter_stats st = stats(nf);
	CHECK_EQ_U64(st.templates, 2);
	CHECK_EQ_U64(st.templates_refused, 2);
	CHECK_EQ_U64(g.n, 1);
	/* options template: scope observationDomainId, samplingPacketInterval 1,
	 * samplingPacketSpace 99 -> interval 100 */
	ipfix_hdr(&b, 1700000002, 1, 1);
	s = set_begin(&b, 3);
	u16(&b, 256), u16(&b, 3), u16(&b, 1); /* replaces data template 256 */
	u16(&b, 149), u16(&b, 4);
	u16(&b, 305), u16(&b, 4);
	u16(&b, 306), u16(&b, 4);
	set_end(&b, s);
	s = set_begin(&b, 256);
	u32(&b, 1), u32(&b, 1), u32(&b, 99);
	set_end(&b, s);
	one_rec_set(&b, 257);
	ipfix_end(&b);
	g.n = 0;
	CHECK(feed(nf, &b, T0, &g) == 0);
	CHECK_EQ_U64(g.n, 1);
	CHECK_EQ_U64(g.f[0].sampling, 100);
	CHECK_EQ_U64(g.f[0].packets, 300);
	CHECK_EQ_U64(stats(nf).options_records, 1);
	/* options template with scope count 0 is malformed */
	ipfix_hdr(&b, 1700000002, 1, 1);
	s = set_begin(&b, 3);
	u16(&b, 300), u16(&b, 1), u16(&b, 0);
	u16(&b, 34), u16(&b, 4);
	set_end(&b, s);
	ipfix_end(&b);
	CHECK(feed(nf, &b, T0, &g) == KS_EINVAL);
	ks_nf_free(nf);
	/* exporter cap */
	l.max_exporters = 1;
	nf = ks_nf_new(&l);
	struct ks_addr other;
	ks_addr_from_v4(&other, 0xc0000202);
	CHECK(ks_nf_datagram(nf, &EXP, 1, T0, b.p, b.n, NULL, NULL) == KS_EINVAL);
	CHECK(ks_nf_datagram(nf, &other, 1, T0, b.p, b.n, NULL, NULL) == KS_ELIMIT);
	CHECK_EQ_U64(ks_nf_exporter_count(nf), 1);
	CHECK_EQ_U64(ks_nf_refused(nf), 1);
	ks_nf_free(nf);
}

/* ---- truncation and corruption ---- */
static int is_malformed(int r) { return r == KS_ETRUNC || r == KS_EINVAL; }

KS_TEST(nf_truncated_everywhere)
{
	setup();
	struct b v5, v9, ip;
	v5_build(&v5, 3, 0, 0);
	v9_hdr(&v9, 60000, 1700000000, 1, 0);
	v9_tpl(&v9, 256);
	v9_data(&v9, 256, 2);
	ipfix_hdr(&ip, 1700000002, 0, 1);
	ipfix_tpl(&ip, 256);
	size_t s = set_begin(&ip, 256);
	ipfix_rec(&ip, 1, 4);
	ipfix_rec(&ip, 2, 300);
	set_end(&ip, s);
	ipfix_end(&ip);
	size_t v9_bounds[] = {20, 68, v9.n};
	for (size_t cut = 0; cut < v5.n; cut++) {
		struct ks_nf *nf = ks_nf_new(NULL);
		int r = ks_nf_datagram(nf, &EXP, 1, T0, v5.p, cut, NULL, NULL);
		CHECK(is_malformed(r));
		CHECK_EQ_U64(stats(nf).malformed, 1);
		ks_nf_free(nf);
	}
	for (size_t cut = 0; cut < v9.n; cut++) {
		struct ks_nf *nf = ks_nf_new(NULL);
		int r = ks_nf_datagram(nf, &EXP, 1, T0, v9.p, cut, NULL, NULL);
		/* at a flowset boundary, or only zero bytes after one (ignored as padding) */
		int boundary = cut == v9_bounds[0] || cut == v9_bounds[1];
		for (int k = 0; k < 2; k++) {
			int zero = cut > v9_bounds[k];
			for (size_t i = v9_bounds[k]; i < cut; i++)
				zero &= v9.p[i] == 0;
			boundary |= zero;
		}
		if (boundary)
			CHECK(r == 0);
		else if (!is_malformed(r))
			fprintf(stderr, "  v9 cut at %zu: %d\n", cut, r), ks_test_failures++;
		ks_nf_free(nf);
	}
	for (size_t cut = 0; cut < ip.n; cut++) {
		struct ks_nf *nf = ks_nf_new(NULL);
		int r = ks_nf_datagram(nf, &EXP, 1, T0, ip.p, cut, NULL, NULL);
		if (!is_malformed(r))
			fprintf(stderr, "  ipfix cut at %zu: %d\n", cut, r), ks_test_failures++;
		ks_nf_free(nf);
	}
	/* Lengths cut inside the message (header length fixed up): the sets say
	 * more than there is. */
	for (size_t cut = 21; cut < ip.n; cut++) {
		if (cut == 72) /* the end of the template set: a valid message */
			continue;
		struct b c = ip;
		c.n = cut;
		ipfix_end(&c);
		struct ks_nf *nf = ks_nf_new(NULL);
		int r = ks_nf_datagram(nf, &EXP, 1, T0, c.p, c.n, NULL, NULL);
		if (!is_malformed(r))
			fprintf(stderr, "  ipfix length %zu: %d\n", cut, r), ks_test_failures++;
		ks_nf_free(nf);
	}
	/* Corruption: every byte set to a few values; must not crash. */
	struct ks_nf *nf = ks_nf_new(NULL);
	static const uint8_t vals[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
	struct b *all[] = {&v5, &v9, &ip};
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < all[k]->n; i++)
			for (size_t v = 0; v < sizeof vals; v++) {
				struct b c = *all[k];
				c.p[i] = vals[v];
				ks_nf_datagram(nf, &EXP, (uint16_t)k, T0, c.p, c.n, NULL, NULL);
			}
	CHECK(ks_nf_datagram(nf, &EXP, 9, T0, NULL, 0, NULL, NULL) == KS_ETRUNC);
	CHECK(ks_nf_datagram(nf, &EXP, 9, T0, (const uint8_t *)"\0\7", 2, NULL, NULL) == KS_EINVAL);
	ks_nf_free(nf);
}

/* ---- real export datagrams ---- */
static int feed_file(struct ks_nf *nf, const char *name, struct got *g)
{
	char path[512];
	snprintf(path, sizeof path, "../shared/data/netflow/%s", name);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "  %s: not found (../shared beside the repository)\n", path);
		ks_test_failures++;
		return -100;
	}
	static uint8_t buf[65536];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return ks_nf_datagram(nf, &EXP, 0, T0, buf, n, collect, g);
}

KS_TEST(nf_real_files)
{
	setup();
	struct ks_nf *nf = ks_nf_new(NULL);
	struct got g = {0};
	/* softflowd NetFlow v5: netflow_spec.rb "Netflow 5 valid 01" */
	CHECK(feed_file(nf, "netflow5.dat", &g) == 0);
	CHECK_EQ_U64(g.n, 2);
	CHECK_EQ_U64(ks_addr_v4(&g.f[0].src), 0x0a000202);
	CHECK_EQ_U64(ks_addr_v4(&g.f[0].dst), 0x0a00020f);
	CHECK_EQ_U64(g.f[0].sport, 54435);
	CHECK_EQ_U64(g.f[0].dport, 22);
	CHECK_EQ_U64(g.f[0].packets, 5);
	CHECK_EQ_U64(g.f[0].bytes, 230);
	CHECK_EQ_U64(g.f[1].tcp_flags, 24);
	CHECK_EQ_U64(g.f[1].bytes, 304);
	CHECK(feed_file(nf, "netflow5_test_invalid01.dat", &g) == KS_EINVAL);
	ks_nf_free(nf);

	/* softflowd NetFlow v9 (template and data in one datagram) */
	nf = ks_nf_new(NULL);
	g.n = 0;
	CHECK(feed_file(nf, "netflow9_test_valid01.dat", &g) == 0);
	CHECK_EQ_U64(g.n, 7);
	CHECK_EQ_U64(ks_addr_v4(&g.f[0].src), 0xac102064); /* 172.16.32.100 */
	CHECK_EQ_U64(ks_addr_v4(&g.f[0].dst), 0xac1020f8);
	CHECK_EQ_U64(g.f[0].sport, 123);
	CHECK_EQ_U64(g.f[0].proto, 17);
	CHECK_EQ_U64(g.f[0].bytes, 76);
	CHECK(g.f[0].last_ms - g.f[0].first_ms == 1);
	ks_nf_free(nf);

	/* Cisco ASA: templates and data in separate datagrams */
	nf = ks_nf_new(NULL);
	g.n = 0;
	CHECK(feed_file(nf, "netflow9_test_cisco_asa_1_data.dat", &g) == 0);
	CHECK_EQ_U64(g.n, 0);
	CHECK(stats(nf).no_template > 0);
	CHECK(feed_file(nf, "netflow9_test_cisco_asa_1_tpl.dat", &g) == 0);
	CHECK(feed_file(nf, "netflow9_test_cisco_asa_1_data.dat", &g) == 0);
	CHECK_EQ_U64(g.n, 14);
	/* netflow_spec.rb: second event, ICMP echo 192.168.23.22 -> 164.164.37.11, 56 bytes (85) */
	CHECK_EQ_U64(ks_addr_v4(&g.f[1].src), 0xc0a81716);
	CHECK_EQ_U64(g.f[1].proto, 1);
	CHECK_EQ_U64(g.f[1].dport, 8 << 8);
	CHECK_EQ_U64(g.f[1].bytes, 56);
	CHECK(g.f[1].first_ms == 1444384068169LL);
	ks_nf_free(nf);

	/* IPFIX Netscaler: variable-length fields */
	nf = ks_nf_new(NULL);
	g.n = 0;
	CHECK(feed_file(nf, "ipfix_test_netscaler_tpl.dat", &g) == 0);
	CHECK(feed_file(nf, "ipfix_test_netscaler_data.dat", &g) == 0);
	CHECK_EQ_U64(g.n, 3);
	CHECK_EQ_U64(stats(nf).malformed, 0);
	ks_nf_free(nf);

	/* NetFlow v9 reduced-size encoding (ipt_netflow) */
	nf = ks_nf_new(NULL);
	g.n = 0;
	CHECK(feed_file(nf, "netflow9_test_iptnetflow_reduced_size_encoding_tpldata260.dat", &g) == 0);
	CHECK_EQ_U64(g.n, 12);
	ks_nf_free(nf);
}
