/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for darknet classification (darknet_classify.h) against the
 * rules in docs/formats.md "Darknet classes and tags": every TCP flag
 * combination, UDP, both ICMP type tables, fragments, other protocols, and
 * the mirai / zmap / masscan tags with the classes and IP version each
 * applies to. Packets are built by hand as ks_decode() would leave them. */
#include <string.h>

#include "darknet_classify.h"
#include "ks_test.h"

#define DST4 0xc6120a05u /* 198.18.10.5 */
#define SRC4 0xcb007107u /* 203.0.113.7 */

static struct ks_pkt pkt4(uint8_t proto)
{
	struct ks_pkt p;
	memset(&p, 0, sizeof p);
	p.ipver = 4;
	p.proto = proto;
	p.frag = KS_FRAG_NONE;
	p.ttl = 64;
	p.l4_ok = 1;
	p.ip_id = 1; /* neither zmap nor masscan with the fields below */
	p.ip_len = 40;
	ks_addr_from_v4(&p.src, SRC4);
	ks_addr_from_v4(&p.dst, DST4);
	p.sport = 40000;
	p.dport = 23;
	p.seq = 0x11223344u;
	return p;
}

static struct ks_pkt pkt6(uint8_t proto)
{
	struct ks_pkt p;
	memset(&p, 0, sizeof p);
	p.ipver = 6;
	p.proto = proto;
	p.ttl = 64;
	p.l4_ok = 1;
	p.ip_len = 60;
	/* 2001:db8::1 -> 2001:db8:ff::c612:a05 (low 32 bits equal DST4) */
	static const uint8_t s[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t d[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0,
				      0,    0,    0,    0,    0xc6, 0x12, 0x0a, 0x05};
	memcpy(p.src.b, s, 16);
	memcpy(p.dst.b, d, 16);
	p.sport = 40000;
	p.dport = 23;
	p.seq = 0x11223344u;
	return p;
}

static enum ks_dn_class cls_of(const struct ks_pkt *p, unsigned *tags)
{
	unsigned t = 0xdeadu;
	enum ks_dn_class c = ks_dn_classify(p, &t);
	if (tags)
		*tags = t;
	return c;
}

/* Expected TCP class from formats.md: RST (any) -> backscatter; SYN without
 * ACK -> tcp_scan; SYN+ACK -> backscatter; ACK without SYN -> backscatter;
 * none of SYN, ACK, RST -> other. */
static enum ks_dn_class tcp_rule(unsigned f)
{
	if (f & KS_TH_RST)
		return KS_DN_BACKSCATTER;
	if ((f & KS_TH_SYN) && !(f & KS_TH_ACK))
		return KS_DN_TCP_SCAN;
	if (f & (KS_TH_SYN | KS_TH_ACK))
		return KS_DN_BACKSCATTER;
	return KS_DN_OTHER;
}

KS_TEST(classify_tcp_basic_flags)
{
	struct ks_pkt p = pkt4(6);
	unsigned tags;
	p.tcp_flags = KS_TH_SYN;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_TCP_SCAN);
	CHECK_EQ_U64(tags, 0);
	p.tcp_flags = KS_TH_SYN | KS_TH_ECE | KS_TH_CWR; /* ECN setup SYN */
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_TCP_SCAN);
	p.tcp_flags = KS_TH_SYN | KS_TH_ACK;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_BACKSCATTER);
	CHECK_EQ_U64(tags, 0);
	p.tcp_flags = KS_TH_RST;
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_BACKSCATTER);
	p.tcp_flags = KS_TH_RST | KS_TH_ACK;
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_BACKSCATTER);
	p.tcp_flags = KS_TH_RST | KS_TH_SYN; /* RST wins over SYN */
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_BACKSCATTER);
	p.tcp_flags = KS_TH_ACK;
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_BACKSCATTER);
	p.tcp_flags = KS_TH_ACK | KS_TH_PSH;
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_BACKSCATTER);
	p.tcp_flags = KS_TH_FIN | KS_TH_ACK;
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_BACKSCATTER);
}

KS_TEST(classify_tcp_fin_null_xmas_other)
{
	struct ks_pkt p = pkt4(6);
	unsigned tags;
	p.tcp_flags = KS_TH_FIN;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_OTHER);
	CHECK_EQ_U64(tags, 0);
	p.tcp_flags = 0; /* NULL scan */
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_OTHER);
	p.tcp_flags = KS_TH_FIN | KS_TH_PSH | KS_TH_URG; /* Xmas */
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_OTHER);
	p.tcp_flags = KS_TH_ECE | KS_TH_CWR;
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_OTHER);
}

KS_TEST(classify_tcp_all_flag_combinations)
{
	int bad = 0;
	for (unsigned f = 0; f < 256; f++) {
		struct ks_pkt p = pkt4(6);
		p.tcp_flags = (uint8_t)f;
		enum ks_dn_class c = cls_of(&p, NULL);
		if (c != tcp_rule(f)) {
			fprintf(stderr, "  v4 flags 0x%02x: class %d, expected %d\n", f, c, tcp_rule(f));
			bad++;
		}
		struct ks_pkt q = pkt6(6);
		q.tcp_flags = (uint8_t)f;
		c = cls_of(&q, NULL);
		if (c != tcp_rule(f)) {
			fprintf(stderr, "  v6 flags 0x%02x: class %d, expected %d\n", f, c, tcp_rule(f));
			bad++;
		}
	}
	CHECK_EQ_U64(bad, 0);
}

KS_TEST(classify_udp)
{
	struct ks_pkt p = pkt4(17);
	unsigned tags;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_UDP);
	CHECK_EQ_U64(tags, 0);
	p.dport = 0;
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_UDP);
	p.dport = 65535;
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_UDP);
	struct ks_pkt q = pkt6(17);
	CHECK_EQ_U64(cls_of(&q, &tags), KS_DN_UDP);
	CHECK_EQ_U64(tags, 0);
}

KS_TEST(classify_icmp_type_table)
{
	int bad = 0;
	for (unsigned t = 0; t < 256; t++) {
		enum ks_dn_class want = KS_DN_OTHER;
		if (t == 8)
			want = KS_DN_ICMP_SCAN;
		else if (t == 0 || t == 3 || t == 4 || t == 5 || t == 11 || t == 12)
			want = KS_DN_BACKSCATTER;
		for (unsigned code = 0; code < 3; code++) {
			struct ks_pkt p = pkt4(1);
			p.sport = p.dport = 0;
			p.icmp_type = (uint8_t)t;
			p.icmp_code = (uint8_t)code;
			enum ks_dn_class c = cls_of(&p, NULL);
			if (c != want) {
				fprintf(stderr, "  icmp type %u code %u: class %d, expected %d\n", t, code, c,
					want);
				bad++;
			}
		}
	}
	CHECK_EQ_U64(bad, 0);
}

KS_TEST(classify_icmpv6_type_table)
{
	int bad = 0;
	for (unsigned t = 0; t < 256; t++) {
		enum ks_dn_class want = KS_DN_OTHER;
		if (t == 128)
			want = KS_DN_ICMP_SCAN;
		else if (t == 1 || t == 2 || t == 3 || t == 4 || t == 129 || t == 137)
			want = KS_DN_BACKSCATTER;
		struct ks_pkt p = pkt6(58);
		p.sport = p.dport = 0;
		p.icmp_type = (uint8_t)t;
		enum ks_dn_class c = cls_of(&p, NULL);
		if (c != want) {
			fprintf(stderr, "  icmpv6 type %u: class %d, expected %d\n", t, c, want);
			bad++;
		}
	}
	CHECK_EQ_U64(bad, 0);
	/* spot checks of neighbour discovery and the v4 numbers under v6 */
	struct ks_pkt p = pkt6(58);
	p.icmp_type = 135; /* neighbour solicitation */
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_OTHER);
	p.icmp_type = 8; /* echo request number of ICMPv4 */
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_OTHER);
	p.icmp_type = 0;
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_OTHER);
	p.icmp_type = 11;
	CHECK_EQ_U64(cls_of(&p, NULL), KS_DN_OTHER);
}

KS_TEST(classify_other_protocols)
{
	static const uint8_t protos[] = {0, 2, 4, 41, 47, 50, 51, 89, 132, 255};
	for (size_t i = 0; i < sizeof protos; i++) {
		struct ks_pkt p = pkt4(protos[i]);
		p.l4_ok = 0; /* decoder: unknown protocol, no L4 fields */
		unsigned tags;
		CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_OTHER);
		CHECK_EQ_U64(tags, 0);
		struct ks_pkt q = pkt6(protos[i]);
		q.l4_ok = 0;
		CHECK_EQ_U64(cls_of(&q, &tags), KS_DN_OTHER);
		CHECK_EQ_U64(tags, 0);
	}
	/* zmap's IP id on an "other" packet: no tag */
	struct ks_pkt p = pkt4(47);
	p.l4_ok = 0;
	p.ip_id = 54321;
	unsigned tags;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_OTHER);
	CHECK_EQ_U64(tags, 0);
}

KS_TEST(classify_fragments)
{
	unsigned tags;
	/* later fragments carry no L4 header: other, whatever the protocol */
	static const uint8_t protos[] = {6, 17, 1};
	for (size_t i = 0; i < sizeof protos; i++) {
		struct ks_pkt p = pkt4(protos[i]);
		p.frag = KS_FRAG_LATER;
		p.l4_ok = 0;
		p.ip_id = 54321;
		CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_OTHER);
		CHECK_EQ_U64(tags, 0);
		/* even if stale L4 fields are present */
		p.l4_ok = 1;
		p.tcp_flags = KS_TH_SYN;
		p.icmp_type = 8;
		CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_OTHER);
		CHECK_EQ_U64(tags, 0);
	}
	struct ks_pkt q = pkt6(17);
	q.frag = KS_FRAG_LATER;
	q.l4_ok = 0;
	CHECK_EQ_U64(cls_of(&q, NULL), KS_DN_OTHER);
	q.proto = 58;
	q.l4_ok = 1;
	q.icmp_type = 128;
	CHECK_EQ_U64(cls_of(&q, NULL), KS_DN_OTHER);

	/* first fragments are classified by their L4 header */
	struct ks_pkt f = pkt4(6);
	f.frag = KS_FRAG_FIRST;
	f.tcp_flags = KS_TH_SYN;
	CHECK_EQ_U64(cls_of(&f, NULL), KS_DN_TCP_SCAN);
	f = pkt4(17);
	f.frag = KS_FRAG_FIRST;
	f.ip_id = 54321;
	CHECK_EQ_U64(cls_of(&f, &tags), KS_DN_UDP);
	CHECK_EQ_U64(tags, KS_TAG_ZMAP);
	f = pkt4(1);
	f.frag = KS_FRAG_FIRST;
	f.icmp_type = 3;
	CHECK_EQ_U64(cls_of(&f, NULL), KS_DN_BACKSCATTER);
	f = pkt6(58);
	f.frag = KS_FRAG_FIRST;
	f.icmp_type = 128;
	CHECK_EQ_U64(cls_of(&f, NULL), KS_DN_ICMP_SCAN);
}

/* ---- tags ---- */

KS_TEST(classify_tag_mirai)
{
	struct ks_pkt p = pkt4(6);
	unsigned tags;
	p.tcp_flags = KS_TH_SYN;
	p.seq = DST4;
	p.ip_id = 7;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_TCP_SCAN);
	CHECK_EQ_U64(tags, KS_TAG_MIRAI);
	CHECK(tags & KS_TAG_BOTS);
	/* off by one: no tag */
	p.seq = DST4 + 1;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_TCP_SCAN);
	CHECK_EQ_U64(tags & KS_TAG_MIRAI, 0);
	/* byte-swapped destination: no tag (the rule compares host order values) */
	p.seq = 0x050a12c6u;
	cls_of(&p, &tags);
	CHECK_EQ_U64(tags & KS_TAG_MIRAI, 0);
}

KS_TEST(classify_tag_mirai_only_tcp_scan_v4)
{
	unsigned tags;
	/* backscatter and other TCP with seq == dst: no tag */
	static const uint8_t flags[] = {KS_TH_SYN | KS_TH_ACK, KS_TH_RST, KS_TH_ACK, KS_TH_FIN, 0};
	for (size_t i = 0; i < sizeof flags; i++) {
		struct ks_pkt p = pkt4(6);
		p.tcp_flags = flags[i];
		p.seq = DST4;
		p.ip_id = 7;
		cls_of(&p, &tags);
		CHECK_EQ_U64(tags, 0);
	}
	/* IPv6 SYN whose seq equals the low 32 bits of the destination */
	struct ks_pkt q = pkt6(6);
	q.tcp_flags = KS_TH_SYN;
	q.seq = DST4;
	CHECK_EQ_U64(cls_of(&q, &tags), KS_DN_TCP_SCAN);
	CHECK_EQ_U64(tags, 0);
}

KS_TEST(classify_tag_zmap)
{
	unsigned tags;
	struct ks_pkt p = pkt4(6);
	p.tcp_flags = KS_TH_SYN;
	p.ip_id = 54321;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_TCP_SCAN);
	CHECK_EQ_U64(tags, KS_TAG_ZMAP);
	p = pkt4(17);
	p.ip_id = 54321;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_UDP);
	CHECK_EQ_U64(tags, KS_TAG_ZMAP);
	p = pkt4(1);
	p.icmp_type = 8;
	p.ip_id = 54321;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_ICMP_SCAN);
	CHECK_EQ_U64(tags, KS_TAG_ZMAP);
	/* neighbours of 54321: no tag */
	p.ip_id = 54320;
	cls_of(&p, &tags);
	CHECK_EQ_U64(tags, 0);
	p.ip_id = 54322;
	cls_of(&p, &tags);
	CHECK_EQ_U64(tags, 0);
}

KS_TEST(classify_tag_zmap_not_on_backscatter_other_v6)
{
	unsigned tags;
	struct ks_pkt p = pkt4(6);
	p.tcp_flags = KS_TH_SYN | KS_TH_ACK;
	p.ip_id = 54321;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_BACKSCATTER);
	CHECK_EQ_U64(tags, 0);
	p.tcp_flags = KS_TH_RST;
	cls_of(&p, &tags);
	CHECK_EQ_U64(tags, 0);
	p.tcp_flags = KS_TH_FIN;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_OTHER);
	CHECK_EQ_U64(tags, 0);
	p = pkt4(1);
	p.icmp_type = 0; /* echo reply */
	p.ip_id = 54321;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_BACKSCATTER);
	CHECK_EQ_U64(tags, 0);
	p.icmp_type = 13; /* timestamp: other */
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_OTHER);
	CHECK_EQ_U64(tags, 0);
	/* IPv6 has no identification: ip_id is 0, and even a stray value does not tag */
	struct ks_pkt q = pkt6(17);
	q.ip_id = 54321;
	CHECK_EQ_U64(cls_of(&q, &tags), KS_DN_UDP);
	CHECK_EQ_U64(tags, 0);
	q = pkt6(58);
	q.icmp_type = 128;
	q.ip_id = 54321;
	CHECK_EQ_U64(cls_of(&q, &tags), KS_DN_ICMP_SCAN);
	CHECK_EQ_U64(tags, 0);
}

KS_TEST(classify_tag_masscan)
{
	unsigned tags;
	struct ks_pkt p = pkt4(6);
	p.tcp_flags = KS_TH_SYN;
	p.dport = 8080;
	p.seq = 0xa1b2c3d4u;
	p.ip_id = (uint16_t)((DST4 ^ 8080u ^ 0xa1b2c3d4u) & 0xffffu);
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_TCP_SCAN);
	CHECK_EQ_U64(tags, KS_TAG_MASSCAN);
	/* a different port breaks it */
	p.dport = 8081;
	cls_of(&p, &tags);
	CHECK_EQ_U64(tags & KS_TAG_MASSCAN, 0);
	/* only the low 16 bits count: high bits of seq do not matter */
	p.dport = 8080;
	p.seq ^= 0xffff0000u;
	cls_of(&p, &tags);
	CHECK_EQ_U64(tags, KS_TAG_MASSCAN);
}

KS_TEST(classify_tag_masscan_only_tcp_scan_v4)
{
	unsigned tags;
	/* SYN+ACK with a matching id: backscatter, no tag */
	struct ks_pkt p = pkt4(6);
	p.tcp_flags = KS_TH_SYN | KS_TH_ACK;
	p.dport = 443;
	p.seq = 0x01020304u;
	p.ip_id = (uint16_t)((DST4 ^ 443u ^ 0x01020304u) & 0xffffu);
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_BACKSCATTER);
	CHECK_EQ_U64(tags, 0);
	/* UDP with a matching id: udp, no masscan tag */
	p = pkt4(17);
	p.dport = 443;
	p.seq = 0x01020304u;
	p.ip_id = (uint16_t)((DST4 ^ 443u ^ 0x01020304u) & 0xffffu);
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_UDP);
	CHECK_EQ_U64(tags, 0);
	/* IPv6 SYN whose ip_id would match on the low 32 bits: no tag */
	struct ks_pkt q = pkt6(6);
	q.tcp_flags = KS_TH_SYN;
	q.dport = 443;
	q.seq = 0x01020304u;
	q.ip_id = (uint16_t)((DST4 ^ 443u ^ 0x01020304u) & 0xffffu);
	CHECK_EQ_U64(cls_of(&q, &tags), KS_DN_TCP_SCAN);
	CHECK_EQ_U64(tags, 0);
}

KS_TEST(classify_tags_combined)
{
	/* seq == dst (mirai), and ip_id == 54321 == (dst ^ dport ^ seq) & 0xffff
	 * (zmap and masscan): dport = 54321 ^ (low 16 bits of dst ^ seq) = 54321. */
	unsigned tags;
	struct ks_pkt p = pkt4(6);
	p.tcp_flags = KS_TH_SYN;
	p.seq = DST4;
	p.dport = 54321; /* dst ^ seq == 0 */
	p.ip_id = 54321;
	CHECK_EQ_U64(cls_of(&p, &tags), KS_DN_TCP_SCAN);
	CHECK_EQ_U64(tags, KS_TAG_MIRAI | KS_TAG_ZMAP | KS_TAG_MASSCAN);
	/* tags are per packet: the next packet starts from nothing */
	struct ks_pkt q = pkt4(17);
	CHECK_EQ_U64(cls_of(&q, &tags), KS_DN_UDP);
	CHECK_EQ_U64(tags, 0);
}

KS_TEST(classify_names_and_parse)
{
	static const char *const names[KS_DN__NCLASS] = {"tcp_scan", "backscatter", "icmp_scan",
							  "udp", "other"};
	CHECK_EQ_U64(KS_DN_TCP_SCAN, 0);
	CHECK_EQ_U64(KS_DN__NCLASS, 5);
	for (int i = 0; i < KS_DN__NCLASS; i++) {
		CHECK(strcmp(ks_dn_class_name(i), names[i]) == 0);
		CHECK_EQ_U64(ks_dn_class_parse(names[i]), i);
	}
	CHECK(ks_dn_class_name(-1) != NULL);
	CHECK(ks_dn_class_name(KS_DN__NCLASS) != NULL);
	for (int i = 0; i < KS_DN__NCLASS; i++) {
		CHECK(strcmp(ks_dn_class_name(-1), names[i]) != 0);
		CHECK(strcmp(ks_dn_class_name(KS_DN__NCLASS), names[i]) != 0);
	}
	CHECK_EQ_U64(ks_dn_class_parse(""), (uint64_t)-1);
	CHECK_EQ_U64(ks_dn_class_parse("tcp"), (uint64_t)-1);
	CHECK_EQ_U64(ks_dn_class_parse("tcp_scan "), (uint64_t)-1);
	CHECK_EQ_U64(ks_dn_class_parse("udpx"), (uint64_t)-1);
	CHECK_EQ_U64(ks_dn_class_parse("?"), (uint64_t)-1);

	static const char *const tnames[KS_TAG__N] = {"mirai", "zmap", "masscan"};
	static const unsigned bits[KS_TAG__N] = {KS_TAG_MIRAI, KS_TAG_ZMAP, KS_TAG_MASSCAN};
	for (int i = 0; i < KS_TAG__N; i++) {
		CHECK(strcmp(ks_dn_tag_name(i), tnames[i]) == 0);
		CHECK_EQ_U64(ks_dn_tag_parse(tnames[i]), bits[i]);
		CHECK_EQ_U64(bits[i], 1u << i);
	}
	CHECK(ks_dn_tag_name(-1) != NULL);
	CHECK(ks_dn_tag_name(KS_TAG__N) != NULL);
	CHECK_EQ_U64(ks_dn_tag_parse(""), 0);
	CHECK_EQ_U64(ks_dn_tag_parse("mira"), 0);
	CHECK_EQ_U64(ks_dn_tag_parse("mirai,zmap"), 0);
	CHECK_EQ_U64(KS_TAG_BOTS, KS_TAG_MIRAI);
}

KS_TEST(classify_is_probe)
{
	CHECK(ks_dn_is_probe(KS_DN_TCP_SCAN));
	CHECK(ks_dn_is_probe(KS_DN_ICMP_SCAN));
	CHECK(ks_dn_is_probe(KS_DN_UDP));
	CHECK(!ks_dn_is_probe(KS_DN_BACKSCATTER));
	CHECK(!ks_dn_is_probe(KS_DN_OTHER));
}
