/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the packet decoder (src/decode/decode.h). Frames are built
 * by hand, one layer at a time, with lengths patched in afterwards; each is
 * decoded from a heap copy of exactly caplen bytes so that AddressSanitizer
 * catches any read past the capture. Malformed cases check that exactly the
 * expected counter moved. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "ks_test.h"

/* ---- frame builder ---------------------------------------------------- */

struct fr {
	uint8_t b[1024];
	size_t n;
};

static void put8(struct fr *f, unsigned v)
{
	if (f->n < sizeof f->b)
		f->b[f->n++] = (uint8_t)v;
}
static void put16(struct fr *f, unsigned v)
{
	put8(f, v >> 8);
	put8(f, v);
}
static void put32(struct fr *f, uint32_t v)
{
	put16(f, v >> 16);
	put16(f, v & 0xffff);
}
static void putn(struct fr *f, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(f, ((const uint8_t *)p)[i]);
}
static void putz(struct fr *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put8(f, 0);
}
static void set16(struct fr *f, size_t off, unsigned v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

#define SRC4 0xc0000201u /* 192.0.2.1 */
#define DST4 0xc6336407u /* 198.51.100.7 */
static const uint8_t src6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t dst6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static void mac(struct fr *f)
{
	static const uint8_t m[12] = {0, 1, 2, 3, 4, 5, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
	putn(f, m, sizeof m);
}
static void eth(struct fr *f, unsigned type)
{
	mac(f);
	put16(f, type);
}
static void tag(struct fr *f, unsigned tpid, unsigned tci)
{
	put16(f, tpid);
	put16(f, tci);
}

/* IPv4 header with options; total length patched by fix_ip4(). */
static size_t ip4o(struct fr *f, unsigned proto, const uint8_t *opt, size_t optlen)
{
	size_t at = f->n;
	put8(f, 0x40 | (unsigned)((20 + optlen) / 4));
	put8(f, 0);
	put16(f, 0);      /* total length */
	put16(f, 0x1234); /* id */
	put16(f, 0x4000); /* DF */
	put8(f, 57);      /* ttl */
	put8(f, proto);
	put16(f, 0); /* checksum */
	put32(f, SRC4);
	put32(f, DST4);
	putn(f, opt, optlen);
	return at;
}
static size_t ip4(struct fr *f, unsigned proto)
{
	return ip4o(f, proto, NULL, 0);
}
static void fix_ip4(struct fr *f, size_t at)
{
	set16(f, at + 2, (unsigned)(f->n - at));
}

static size_t ip6(struct fr *f, unsigned nxt)
{
	size_t at = f->n;
	put32(f, 0x60012345); /* version 6, flow label */
	put16(f, 0);          /* payload length */
	put8(f, nxt);
	put8(f, 44); /* hop limit */
	putn(f, src6, 16);
	putn(f, dst6, 16);
	return at;
}
static void fix_ip6(struct fr *f, size_t at)
{
	set16(f, at + 4, (unsigned)(f->n - at - 40));
}
/* Extension header of (hl + 1) * 8 octets (hop-by-hop, routing, dst opts). */
static void ext(struct fr *f, unsigned nxt, unsigned hl)
{
	put8(f, nxt);
	put8(f, hl);
	putz(f, (hl + 1) * 8 - 2);
}
static void frag6(struct fr *f, unsigned nxt, unsigned offset, unsigned m)
{
	put8(f, nxt);
	put8(f, 0);
	put16(f, offset << 3 | m);
	put32(f, 0xdeadbeef);
}

static void tcp(struct fr *f, unsigned off, unsigned flags)
{
	put16(f, 40000);
	put16(f, 22);
	put32(f, 0x11223344);
	put32(f, 0x55667788);
	put8(f, off << 4);
	put8(f, flags);
	put16(f, 1024); /* window */
	put16(f, 0);    /* checksum */
	put16(f, 0);    /* urgent */
}
static size_t udp(struct fr *f)
{
	size_t at = f->n;
	put16(f, 5353);
	put16(f, 53);
	put16(f, 0);
	put16(f, 0);
	return at;
}
static void fix_udp(struct fr *f, size_t at)
{
	set16(f, at + 4, (unsigned)(f->n - at));
}
static void icmp(struct fr *f, unsigned type, unsigned code)
{
	put8(f, type);
	put8(f, code);
	put16(f, 0);
	put32(f, 0x00010002);
}

/* Ethernet / IPv4 / TCP SYN, the most common telescope packet. */
static void eth_ip4_tcp(struct fr *f)
{
	eth(f, 0x0800);
	size_t ip = ip4(f, 6);
	tcp(f, 5, 0x02);
	fix_ip4(f, ip);
}
static void eth_ip6_udp(struct fr *f)
{
	eth(f, 0x86dd);
	size_t ip = ip6(f, 17);
	size_t u = udp(f);
	putz(f, 4);
	fix_udp(f, u);
	fix_ip6(f, ip);
}

/* ---- running the decoder ---------------------------------------------- */

static struct ks_pkt pkt;
static struct ks_decode_stats st;

static enum ks_decode_result run2(int lt, const struct fr *f, size_t caplen, size_t wirelen)
{
	/* An exact-size heap copy, so any overread is an ASan report. */
	uint8_t *buf = malloc(caplen ? caplen : 1);
	if (!buf)
		abort();
	memcpy(buf, f->b, caplen);
	memset(&st, 0, sizeof st);
	memset(&pkt, 0xa5, sizeof pkt); /* ks_decode must overwrite stale fields */
	enum ks_decode_result r =
		ks_decode(lt, buf, (uint32_t)caplen, (uint32_t)wirelen, &pkt, &st);
	free(buf);
	return r;
}
static enum ks_decode_result run(int lt, const struct fr *f)
{
	return run2(lt, f, f->n, f->n);
}

/* True if, besides the packet and fragment counters, exactly c moved, by one. */
static int only(enum ks_decode_counter c)
{
	if (st.c[KS_DEC_PACKETS] != 1)
		return 0;
	for (int i = 1; i < KS_DEC__MAX; i++) {
		if (i == KS_DEC_FRAGMENTS)
			continue;
		if (st.c[i] != (i == (int)c ? 1u : 0u))
			return 0;
	}
	return 1;
}
/* True if no counter but the packet (and fragment) counters moved. */
static int clean(void)
{
	return only(KS_DEC_PACKETS);
}

#define EXPECT_BAD(lt, f, c)                                                             \
	do {                                                                             \
		CHECK_EQ_U64(run(lt, f), KS_DECODE_MALFORMED);                           \
		CHECK(only(c));                                                          \
	} while (0)
#define EXPECT_OK(lt, f)                                                                 \
	do {                                                                             \
		CHECK_EQ_U64(run(lt, f), KS_DECODE_OK);                                  \
		CHECK(clean());                                                          \
	} while (0)

static void check_v4_addrs(void)
{
	CHECK(ks_addr_is_v4(&pkt.src));
	CHECK_EQ_U64(ks_addr_v4(&pkt.src), SRC4);
	CHECK_EQ_U64(ks_addr_v4(&pkt.dst), DST4);
}
static void check_v6_addrs(void)
{
	CHECK(memcmp(pkt.src.b, src6, 16) == 0);
	CHECK(memcmp(pkt.dst.b, dst6, 16) == 0);
}

/* ---- link layer ------------------------------------------------------- */

KS_TEST(decode_ether_ipv4_tcp)
{
	struct fr f = {0};
	eth_ip4_tcp(&f);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.ipver, 4);
	CHECK_EQ_U64(pkt.proto, 6);
	CHECK_EQ_U64(pkt.frag, KS_FRAG_NONE);
	CHECK_EQ_U64(pkt.ttl, 57);
	CHECK_EQ_U64(pkt.nvlan, 0);
	CHECK_EQ_U64(pkt.vlan[0], 0);
	CHECK_EQ_U64(pkt.ip_id, 0x1234);
	CHECK_EQ_U64(pkt.ip_len, 40);
	check_v4_addrs();
	CHECK_EQ_U64(pkt.l4_ok, 1);
	CHECK_EQ_U64(pkt.sport, 40000);
	CHECK_EQ_U64(pkt.dport, 22);
	CHECK_EQ_U64(pkt.seq, 0x11223344);
	CHECK_EQ_U64(pkt.ack, 0x55667788);
	CHECK_EQ_U64(pkt.tcp_flags, KS_TH_SYN);
	CHECK_EQ_U64(pkt.icmp_type, 0);
	CHECK_EQ_U64(pkt.icmp_code, 0);
	CHECK_EQ_U64(st.c[KS_DEC_PACKETS], 1);
}

KS_TEST(decode_ether_padding_ignored)
{
	/* A 28-octet IPv4/UDP packet padded to the 60-octet Ethernet minimum
	 * with nonzero junk: UDP length is checked against the IP payload,
	 * not the frame. */
	struct fr f = {0};
	eth(&f, 0x0800);
	size_t ip = ip4(&f, 17);
	size_t u = udp(&f);
	fix_udp(&f, u);
	fix_ip4(&f, ip);
	while (f.n < 60)
		put8(&f, 0xee);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.ip_len, 28);
	CHECK_EQ_U64(pkt.l4_ok, 1);
	CHECK_EQ_U64(pkt.sport, 5353);
	CHECK_EQ_U64(pkt.dport, 53);

	/* IPv6 with No Next Header and an empty payload, padded. */
	struct fr g = {0};
	eth(&g, 0x86dd);
	ip6(&g, 59);
	while (g.n < 60)
		put8(&g, 0xee);
	EXPECT_OK(1, &g);
	CHECK_EQ_U64(pkt.ipver, 6);
	CHECK_EQ_U64(pkt.proto, 59);
	CHECK_EQ_U64(pkt.l4_ok, 0);
	CHECK_EQ_U64(pkt.ip_len, 40);
}

KS_TEST(decode_vlan_8021q)
{
	struct fr f = {0};
	mac(&f);
	tag(&f, 0x8100, 0x2000 | 100); /* PCP 1, VID 100 */
	put16(&f, 0x0800);
	size_t ip = ip4(&f, 6);
	tcp(&f, 5, 0x12);
	fix_ip4(&f, ip);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.nvlan, 1);
	CHECK_EQ_U64(pkt.vlan[0], 100);
	CHECK_EQ_U64(pkt.vlan[1], 0);
	CHECK_EQ_U64(pkt.tcp_flags, KS_TH_SYN | KS_TH_ACK);
	check_v4_addrs();
}

KS_TEST(decode_vlan_qinq)
{
	struct fr f = {0};
	mac(&f);
	tag(&f, 0x88a8, 0xf000 | 10); /* PCP 7, DEI 1, VID 10 */
	tag(&f, 0x8100, 20);
	put16(&f, 0x86dd);
	size_t ip = ip6(&f, 17);
	size_t u = udp(&f);
	fix_udp(&f, u);
	fix_ip6(&f, ip);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.nvlan, 2);
	CHECK_EQ_U64(pkt.vlan[0], 10);
	CHECK_EQ_U64(pkt.vlan[1], 20);
	CHECK_EQ_U64(pkt.ipver, 6);
	CHECK_EQ_U64(pkt.l4_ok, 1);
}

KS_TEST(decode_vlan_four_deep_and_too_deep)
{
	struct fr f = {0};
	mac(&f);
	tag(&f, 0x9100, 1);
	tag(&f, 0x88a8, 2);
	tag(&f, 0x8100, 3);
	tag(&f, 0x8100, 4);
	put16(&f, 0x0800);
	size_t ip = ip4(&f, 6);
	tcp(&f, 5, 0x02);
	fix_ip4(&f, ip);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.nvlan, 4);
	CHECK_EQ_U64(pkt.vlan[0], 1);
	CHECK_EQ_U64(pkt.vlan[1], 2);
	CHECK_EQ_U64(pkt.l4_ok, 1);

	struct fr g = {0};
	mac(&g);
	for (unsigned i = 0; i < 5; i++)
		tag(&g, 0x8100, i + 1);
	put16(&g, 0x0800);
	size_t ip2 = ip4(&g, 6);
	tcp(&g, 5, 0x02);
	fix_ip4(&g, ip2);
	EXPECT_BAD(1, &g, KS_DEC_VLAN_TOO_DEEP);
	CHECK_EQ_U64(pkt.ipver, 0);
}

KS_TEST(decode_vlan_truncated)
{
	struct fr f = {0};
	mac(&f);
	put16(&f, 0x8100);
	put16(&f, 5); /* TCI, but no EtherType after it */
	EXPECT_BAD(1, &f, KS_DEC_LINK_TRUNC);
	f.n -= 1;
	EXPECT_BAD(1, &f, KS_DEC_LINK_TRUNC);
}

KS_TEST(decode_non_ip)
{
	struct fr f = {0};
	eth(&f, 0x0806); /* ARP request */
	put16(&f, 1);
	put16(&f, 0x0800);
	put8(&f, 6);
	put8(&f, 4);
	put16(&f, 1);
	putz(&f, 20);
	CHECK_EQ_U64(run(1, &f), KS_DECODE_NOT_IP);
	CHECK(only(KS_DEC_NON_IP));
	CHECK_EQ_U64(pkt.ipver, 0);
	CHECK_EQ_U64(pkt.l4_ok, 0);

	/* 802.3 frame: the type field is a length. */
	struct fr g = {0};
	eth(&g, 46);
	putz(&g, 46);
	CHECK_EQ_U64(run(1, &g), KS_DECODE_NOT_IP);
	CHECK(only(KS_DEC_NON_IP));

	/* Tagged LLDP still reports its tag. */
	struct fr h = {0};
	mac(&h);
	tag(&h, 0x8100, 7);
	put16(&h, 0x88cc);
	putz(&h, 30);
	CHECK_EQ_U64(run(1, &h), KS_DECODE_NOT_IP);
	CHECK(only(KS_DEC_NON_IP));
	CHECK_EQ_U64(pkt.nvlan, 1);
	CHECK_EQ_U64(pkt.vlan[0], 7);
}

KS_TEST(decode_link_truncated)
{
	struct fr f = {0};
	putz(&f, 20);
	static const struct {
		int lt;
		size_t n;
	} cases[] = {{1, 0}, {1, 13}, {113, 15}, {276, 19}, {0, 3}, {108, 0}, {108, 3}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK_EQ_U64(run2(cases[i].lt, &f, cases[i].n, cases[i].n), KS_DECODE_MALFORMED);
		CHECK(only(KS_DEC_LINK_TRUNC));
		CHECK_EQ_U64(pkt.ipver, 0);
	}
}

KS_TEST(decode_bad_link)
{
	struct fr f = {0};
	eth_ip4_tcp(&f);
	static const int bad[] = {-1, 2, 9, 105, 127, 230, 277, 1 << 20};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ_U64(run(bad[i], &f), KS_DECODE_BAD_LINK);
		CHECK(clean());
		CHECK_EQ_U64(pkt.ipver, 0);
	}
}

KS_TEST(decode_sll)
{
	struct fr f = {0};
	put16(&f, 0);      /* packet type: to us */
	put16(&f, 1);      /* ARPHRD_ETHER */
	put16(&f, 6);      /* address length */
	mac(&f);           /* 8 octets of address field, then 4 spare */
	f.n -= 4;
	put16(&f, 0x0800); /* protocol */
	size_t ip = ip4(&f, 6);
	tcp(&f, 5, 0x02);
	fix_ip4(&f, ip);
	CHECK_EQ_U64(f.n, 16 + 40);
	EXPECT_OK(113, &f);
	CHECK_EQ_U64(pkt.ipver, 4);
	CHECK_EQ_U64(pkt.dport, 22);
	check_v4_addrs();

	/* Protocol ARP */
	struct fr g = {0};
	putz(&g, 14);
	put16(&g, 0x0806);
	putz(&g, 28);
	CHECK_EQ_U64(run(113, &g), KS_DECODE_NOT_IP);
	CHECK(only(KS_DEC_NON_IP));

	/* A tag left in the frame */
	struct fr h = {0};
	putz(&h, 14);
	put16(&h, 0x8100);
	put16(&h, 300);
	put16(&h, 0x86dd);
	size_t ip6at = ip6(&h, 58);
	icmp(&h, 128, 0);
	fix_ip6(&h, ip6at);
	EXPECT_OK(113, &h);
	CHECK_EQ_U64(pkt.nvlan, 1);
	CHECK_EQ_U64(pkt.vlan[0], 300);
	CHECK_EQ_U64(pkt.icmp_type, 128);
}

KS_TEST(decode_sll2)
{
	struct fr f = {0};
	put16(&f, 0x86dd); /* protocol */
	put16(&f, 0);      /* reserved */
	put32(&f, 3);      /* interface index */
	put16(&f, 1);      /* ARPHRD_ETHER */
	put8(&f, 4);       /* packet type: outgoing */
	put8(&f, 6);       /* address length */
	putz(&f, 8);
	size_t ip = ip6(&f, 6);
	tcp(&f, 5, 0x14);
	fix_ip6(&f, ip);
	EXPECT_OK(276, &f);
	CHECK_EQ_U64(pkt.ipver, 6);
	CHECK_EQ_U64(pkt.ip_len, 60);
	CHECK_EQ_U64(pkt.tcp_flags, KS_TH_RST | KS_TH_ACK);
	check_v6_addrs();
}

static void null_hdr(struct fr *f, uint32_t af, int little)
{
	if (little) {
		put8(f, af & 0xff);
		put8(f, (af >> 8) & 0xff);
		put8(f, (af >> 16) & 0xff);
		put8(f, af >> 24);
	} else {
		put32(f, af);
	}
}

KS_TEST(decode_null_both_byte_orders)
{
	for (int little = 0; little <= 1; little++) {
		struct fr f = {0};
		null_hdr(&f, 2, little);
		size_t ip = ip4(&f, 17);
		size_t u = udp(&f);
		fix_udp(&f, u);
		fix_ip4(&f, ip);
		EXPECT_OK(0, &f);
		CHECK_EQ_U64(pkt.ipver, 4);
		CHECK_EQ_U64(pkt.dport, 53);

		static const uint32_t af6[] = {24, 28, 30};
		for (size_t i = 0; i < 3; i++) {
			struct fr g = {0};
			null_hdr(&g, af6[i], little);
			size_t ip6at = ip6(&g, 17);
			size_t u6 = udp(&g);
			fix_udp(&g, u6);
			fix_ip6(&g, ip6at);
			EXPECT_OK(0, &g);
			CHECK_EQ_U64(pkt.ipver, 6);
			CHECK_EQ_U64(pkt.sport, 5353);
		}

		struct fr h = {0};
		null_hdr(&h, 7, little); /* AF_ISO or so: not IP */
		putz(&h, 40);
		CHECK_EQ_U64(run(0, &h), KS_DECODE_NOT_IP);
		CHECK(only(KS_DEC_NON_IP));
	}

	/* Family says IPv6, packet is IPv4. */
	struct fr k = {0};
	null_hdr(&k, 30, 1);
	size_t ip = ip4(&k, 6);
	tcp(&k, 5, 2);
	fix_ip4(&k, ip);
	EXPECT_BAD(0, &k, KS_DEC_IPV6_BAD_VER);
}

KS_TEST(decode_loop_network_order)
{
	struct fr f = {0};
	null_hdr(&f, 2, 0);
	size_t ip = ip4(&f, 1);
	icmp(&f, 8, 0);
	fix_ip4(&f, ip);
	EXPECT_OK(108, &f);
	CHECK_EQ_U64(pkt.icmp_type, 8);
	CHECK_EQ_U64(pkt.l4_ok, 1);

	struct fr g = {0};
	null_hdr(&g, 24, 0);
	size_t ip6at = ip6(&g, 59);
	fix_ip6(&g, ip6at);
	EXPECT_OK(108, &g);
	CHECK_EQ_U64(pkt.ipver, 6);

	/* LOOP is network order only: a little-endian family is not IP. */
	struct fr h = {0};
	null_hdr(&h, 2, 1);
	size_t ip2 = ip4(&h, 1);
	icmp(&h, 8, 0);
	fix_ip4(&h, ip2);
	CHECK_EQ_U64(run(108, &h), KS_DECODE_NOT_IP);
	CHECK(only(KS_DEC_NON_IP));
}

KS_TEST(decode_raw_ip)
{
	static const int raw[] = {101, 12, 14};
	for (size_t i = 0; i < 3; i++) {
		struct fr f = {0};
		size_t ip = ip4(&f, 6);
		tcp(&f, 5, 2);
		fix_ip4(&f, ip);
		EXPECT_OK(raw[i], &f);
		CHECK_EQ_U64(pkt.ipver, 4);
		CHECK_EQ_U64(pkt.l4_ok, 1);

		struct fr g = {0};
		size_t ip6at = ip6(&g, 17);
		size_t u = udp(&g);
		fix_udp(&g, u);
		fix_ip6(&g, ip6at);
		EXPECT_OK(raw[i], &g);
		CHECK_EQ_U64(pkt.ipver, 6);
		CHECK_EQ_U64(pkt.l4_ok, 1);
	}

	/* Version 5 on a raw link: malformed, counted by the IPv4 stage. */
	struct fr f = {0};
	size_t ip = ip4(&f, 6);
	tcp(&f, 5, 2);
	fix_ip4(&f, ip);
	f.b[0] = 0x55;
	EXPECT_BAD(101, &f, KS_DEC_IPV4_BAD_VER);
	CHECK_EQ_U64(pkt.ipver, 0);
	/* Short and of the wrong version: the version is still what counts. */
	CHECK_EQ_U64(run2(101, &f, 3, 3), KS_DECODE_MALFORMED);
	CHECK(only(KS_DEC_IPV4_BAD_VER));
	/* Empty. */
	CHECK_EQ_U64(run2(101, &f, 0, 0), KS_DECODE_MALFORMED);
	CHECK(only(KS_DEC_IPV4_TRUNC));
}

KS_TEST(decode_dlt_ipv4_ipv6)
{
	struct fr f = {0};
	size_t ip = ip4(&f, 17);
	size_t u = udp(&f);
	fix_udp(&f, u);
	fix_ip4(&f, ip);
	EXPECT_OK(228, &f);
	CHECK_EQ_U64(pkt.ipver, 4);
	EXPECT_BAD(229, &f, KS_DEC_IPV6_BAD_VER);
	CHECK_EQ_U64(pkt.ipver, 0);

	struct fr g = {0};
	size_t ip6at = ip6(&g, 17);
	size_t u6 = udp(&g);
	fix_udp(&g, u6);
	fix_ip6(&g, ip6at);
	EXPECT_OK(229, &g);
	CHECK_EQ_U64(pkt.ipver, 6);
	check_v6_addrs();
	EXPECT_BAD(228, &g, KS_DEC_IPV4_BAD_VER);
}

/* ---- IPv4 ------------------------------------------------------------- */

KS_TEST(decode_ipv4_options_ok)
{
	/* NOP, NOP, record route (len 7: type, len, ptr, one address), EOL,
	 * and junk after EOL (padding is not looked at): 12 octets, IHL 8. */
	static const uint8_t opt[12] = {1, 1, 7, 7, 4, 10, 0, 0, 1, 0, 0xff, 0xff};
	struct fr f = {0};
	eth(&f, 0x0800);
	size_t ip = ip4o(&f, 6, opt, sizeof opt);
	tcp(&f, 5, 0x02);
	fix_ip4(&f, ip);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.ip_len, 52);
	CHECK_EQ_U64(pkt.sport, 40000); /* TCP found after the options */
	CHECK_EQ_U64(pkt.seq, 0x11223344);

	/* 40 octets of NOP: IHL 15, the maximum. */
	uint8_t nops[40];
	memset(nops, 1, sizeof nops);
	struct fr g = {0};
	size_t ip2 = ip4o(&g, 17, nops, sizeof nops);
	size_t u = udp(&g);
	fix_udp(&g, u);
	fix_ip4(&g, ip2);
	EXPECT_OK(228, &g);
	CHECK_EQ_U64(pkt.dport, 53);

	/* An option ending exactly at the header end. */
	static const uint8_t full[4] = {0x44, 4, 5, 0};
	struct fr h = {0};
	size_t ip3 = ip4o(&h, 1, full, sizeof full);
	icmp(&h, 0, 0);
	fix_ip4(&h, ip3);
	EXPECT_OK(228, &h);
	CHECK_EQ_U64(pkt.icmp_type, 0);
	CHECK_EQ_U64(pkt.l4_ok, 1);
}

KS_TEST(decode_ipv4_bad_options)
{
	static const uint8_t bad[][8] = {
		{7, 1, 0, 0, 0, 0, 0, 0},  /* length 1 */
		{7, 0, 0, 0, 0, 0, 0, 0},  /* length 0 */
		{7, 9, 4, 0, 0, 0, 0, 0},  /* runs one past the header */
		{1, 1, 1, 1, 1, 1, 1, 7},  /* type with no room for its length */
		{1, 0x83, 40, 0, 0, 0, 0, 0}, /* loose source route, far too long */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct fr f = {0};
		eth(&f, 0x0800);
		size_t ip = ip4o(&f, 6, bad[i], 8);
		tcp(&f, 5, 2);
		fix_ip4(&f, ip);
		EXPECT_BAD(1, &f, KS_DEC_IPV4_BAD_OPT);
		CHECK_EQ_U64(pkt.ipver, 4);
		check_v4_addrs();
	}
}

KS_TEST(decode_ipv4_ihl_too_small)
{
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		struct fr f = {0};
		eth(&f, 0x0800);
		size_t ip = ip4(&f, 6);
		tcp(&f, 5, 2);
		fix_ip4(&f, ip);
		f.b[ip] = (uint8_t)(0x40 | ihl);
		EXPECT_BAD(1, &f, KS_DEC_IPV4_IHL_SMALL);
		/* The fixed header was read: the sender is known. */
		CHECK_EQ_U64(pkt.ipver, 4);
		check_v4_addrs();
		CHECK_EQ_U64(pkt.l4_ok, 0);
	}
}

KS_TEST(decode_ipv4_bad_lengths)
{
	struct fr f = {0};
	eth(&f, 0x0800);
	size_t ip = ip4(&f, 6);
	tcp(&f, 5, 2);
	fix_ip4(&f, ip);

	set16(&f, ip + 2, 19); /* less than the 20-octet header */
	EXPECT_BAD(1, &f, KS_DEC_IPV4_BAD_LEN);
	set16(&f, ip + 2, 0); /* TSO-style zero length */
	EXPECT_BAD(1, &f, KS_DEC_IPV4_BAD_LEN);
	set16(&f, ip + 2, 41); /* one more than the frame holds */
	EXPECT_BAD(1, &f, KS_DEC_IP_LEN_MISMATCH);
	check_v4_addrs();
	set16(&f, ip + 2, 0xffff);
	EXPECT_BAD(1, &f, KS_DEC_IP_LEN_MISMATCH);
	/* The same length is fine if the wire had the bytes (snapped). */
	set16(&f, ip + 2, 41);
	CHECK_EQ_U64(run2(1, &f, f.n, f.n + 1), KS_DECODE_OK);
	CHECK(clean());
	CHECK_EQ_U64(pkt.ip_len, 41);
	CHECK_EQ_U64(pkt.l4_ok, 1);

	/* Options: IHL 8 but total length 28. */
	static const uint8_t opt[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0};
	struct fr g = {0};
	size_t ip2 = ip4o(&g, 6, opt, sizeof opt);
	tcp(&g, 5, 2);
	set16(&g, ip2 + 2, 28);
	EXPECT_BAD(228, &g, KS_DEC_IPV4_BAD_LEN);

	/* A corrupt pcap record with wirelen < caplen: the held bytes count. */
	struct fr h = {0};
	eth_ip4_tcp(&h);
	CHECK_EQ_U64(run2(1, &h, h.n, 0), KS_DECODE_OK);
	CHECK(clean());
}

KS_TEST(decode_ipv4_truncated)
{
	struct fr f = {0};
	eth_ip4_tcp(&f);
	/* Fewer than 20 octets of IP header captured. */
	for (size_t n = 14; n < 34; n++) {
		CHECK_EQ_U64(run2(1, &f, n, f.n), KS_DECODE_MALFORMED);
		CHECK(only(KS_DEC_IPV4_TRUNC));
		CHECK_EQ_U64(pkt.ipver, 0);
	}

	/* Options cut by the snap length. */
	static const uint8_t opt[8] = {1, 1, 1, 1, 0x44, 4, 5, 0};
	struct fr g = {0};
	eth(&g, 0x0800);
	size_t ip = ip4o(&g, 6, opt, sizeof opt);
	tcp(&g, 5, 2);
	fix_ip4(&g, ip);
	CHECK_EQ_U64(run2(1, &g, 14 + 24, g.n), KS_DECODE_MALFORMED);
	CHECK(only(KS_DEC_IPV4_TRUNC));
	CHECK_EQ_U64(pkt.ipver, 4);
}

KS_TEST(decode_ipv4_snapped)
{
	struct fr f = {0};
	eth(&f, 0x0800);
	size_t ip = ip4(&f, 6);
	tcp(&f, 5, 0x18);
	putz(&f, 100);
	fix_ip4(&f, ip);
	/* Captured up to the end of the TCP header only. */
	CHECK_EQ_U64(run2(1, &f, 14 + 40, f.n), KS_DECODE_OK);
	CHECK(clean());
	CHECK_EQ_U64(pkt.ip_len, 140);
	CHECK_EQ_U64(pkt.l4_ok, 1);
	CHECK_EQ_U64(pkt.tcp_flags, KS_TH_PSH | KS_TH_ACK);
	/* Cut inside the TCP header: the fields used are not all there. */
	CHECK_EQ_U64(run2(1, &f, 14 + 30, f.n), KS_DECODE_MALFORMED);
	CHECK(only(KS_DEC_TCP_TRUNC));
	CHECK_EQ_U64(pkt.ipver, 4);
	/* A later fragment needs nothing past the IP header. */
	set16(&f, ip + 6, 0x0010);
	CHECK_EQ_U64(run2(1, &f, 14 + 20, f.n), KS_DECODE_OK);
	CHECK_EQ_U64(pkt.frag, KS_FRAG_LATER);
	CHECK_EQ_U64(st.c[KS_DEC_FRAGMENTS], 1);
}

KS_TEST(decode_ipv4_fragments)
{
	/* First fragment: MF, offset 0; the UDP length covers the whole
	 * datagram, more than this fragment carries. */
	struct fr f = {0};
	eth(&f, 0x0800);
	size_t ip = ip4(&f, 17);
	size_t u = udp(&f);
	putz(&f, 16);
	set16(&f, u + 4, 1000);
	set16(&f, ip + 6, 0x2000);
	fix_ip4(&f, ip);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.frag, KS_FRAG_FIRST);
	CHECK_EQ_U64(pkt.l4_ok, 1);
	CHECK_EQ_U64(pkt.sport, 5353);
	CHECK_EQ_U64(st.c[KS_DEC_FRAGMENTS], 1);
	/* The UDP length may not be below 8 even so. */
	set16(&f, u + 4, 4);
	EXPECT_BAD(1, &f, KS_DEC_UDP_BAD_LEN);

	/* Later fragments, with and without MF: payload is just data. */
	static const unsigned later[] = {0x2000 | 185, 185, 1};
	for (size_t i = 0; i < 3; i++) {
		struct fr g = {0};
		eth(&g, 0x0800);
		size_t ip2 = ip4(&g, 6);
		putn(&g, "abc", 3);
		set16(&g, ip2 + 6, later[i]);
		fix_ip4(&g, ip2);
		EXPECT_OK(1, &g);
		CHECK_EQ_U64(pkt.frag, KS_FRAG_LATER);
		CHECK_EQ_U64(pkt.proto, 6);
		CHECK_EQ_U64(pkt.l4_ok, 0);
		CHECK_EQ_U64(pkt.sport, 0);
		CHECK_EQ_U64(st.c[KS_DEC_FRAGMENTS], 1);
		check_v4_addrs();
	}

	/* DF alone (the builder's default) is not a fragment. */
	struct fr h = {0};
	eth_ip4_tcp(&h);
	EXPECT_OK(1, &h);
	CHECK_EQ_U64(pkt.frag, KS_FRAG_NONE);
	CHECK_EQ_U64(st.c[KS_DEC_FRAGMENTS], 0);

	/* A first fragment too small for the TCP header is malformed. */
	struct fr k = {0};
	eth(&k, 0x0800);
	size_t ip3 = ip4(&k, 6);
	putz(&k, 8);
	set16(&k, ip3 + 6, 0x2000);
	fix_ip4(&k, ip3);
	EXPECT_BAD(1, &k, KS_DEC_TCP_TRUNC);
}

/* ---- IPv6 ------------------------------------------------------------- */

KS_TEST(decode_ipv6_ext_headers)
{
	/* hop-by-hop -> destination options -> routing -> AH -> TCP */
	struct fr f = {0};
	eth(&f, 0x86dd);
	size_t ip = ip6(&f, 0);
	ext(&f, 60, 0);
	ext(&f, 43, 1);
	ext(&f, 51, 0);
	put8(&f, 6); /* AH: next header */
	put8(&f, 4); /* (4 + 2) * 4 = 24 octets */
	putz(&f, 22);
	tcp(&f, 6, 0x02);
	putz(&f, 4); /* one option word */
	fix_ip6(&f, ip);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.ipver, 6);
	CHECK_EQ_U64(pkt.proto, 6);
	CHECK_EQ_U64(pkt.ttl, 44);
	CHECK_EQ_U64(pkt.ip_id, 0);
	CHECK_EQ_U64(pkt.ip_len, 40 + 8 + 16 + 8 + 24 + 24);
	CHECK_EQ_U64(pkt.l4_ok, 1);
	CHECK_EQ_U64(pkt.dport, 22);
	CHECK_EQ_U64(pkt.ack, 0x55667788);
	CHECK_EQ_U64(pkt.frag, KS_FRAG_NONE);
	check_v6_addrs();

	/* ESP ends the walk: no L4 fields, not malformed. */
	struct fr g = {0};
	size_t ip2 = ip6(&g, 0);
	ext(&g, 50, 0);
	putz(&g, 24);
	fix_ip6(&g, ip2);
	EXPECT_OK(229, &g);
	CHECK_EQ_U64(pkt.proto, 50);
	CHECK_EQ_U64(pkt.l4_ok, 0);
}

KS_TEST(decode_ipv6_fragments)
{
	/* First fragment behind hop-by-hop: L4 is decoded. */
	struct fr f = {0};
	eth(&f, 0x86dd);
	size_t ip = ip6(&f, 0);
	ext(&f, 44, 0);
	frag6(&f, 17, 0, 1);
	size_t u = udp(&f);
	putz(&f, 8);
	set16(&f, u + 4, 3000);
	fix_ip6(&f, ip);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.frag, KS_FRAG_FIRST);
	CHECK_EQ_U64(pkt.proto, 17);
	CHECK_EQ_U64(pkt.l4_ok, 1);
	CHECK_EQ_U64(pkt.dport, 53);
	CHECK_EQ_U64(st.c[KS_DEC_FRAGMENTS], 1);

	/* Later fragment: proto from the fragment header, no L4. */
	struct fr g = {0};
	eth(&g, 0x86dd);
	size_t ip2 = ip6(&g, 44);
	frag6(&g, 6, 100, 1);
	putn(&g, "xyzzy", 5);
	fix_ip6(&g, ip2);
	EXPECT_OK(1, &g);
	CHECK_EQ_U64(pkt.frag, KS_FRAG_LATER);
	CHECK_EQ_U64(pkt.proto, 6);
	CHECK_EQ_U64(pkt.l4_ok, 0);
	CHECK_EQ_U64(st.c[KS_DEC_FRAGMENTS], 1);
	/* The last fragment (M = 0) is a later one too. */
	g.b[14 + 40 + 3] &= 0xfe;
	EXPECT_OK(1, &g);
	CHECK_EQ_U64(pkt.frag, KS_FRAG_LATER);

	/* Atomic fragment (offset 0, M 0, RFC 6946): a whole packet. */
	struct fr h = {0};
	size_t ip3 = ip6(&h, 44);
	frag6(&h, 58, 0, 0);
	icmp(&h, 135, 0);
	fix_ip6(&h, ip3);
	EXPECT_OK(229, &h);
	CHECK_EQ_U64(pkt.frag, KS_FRAG_NONE);
	CHECK_EQ_U64(st.c[KS_DEC_FRAGMENTS], 0);
	CHECK_EQ_U64(pkt.icmp_type, 135);
	CHECK_EQ_U64(pkt.l4_ok, 1);

	/* Fragment header cut short by the payload length. */
	struct fr k = {0};
	size_t ip4at = ip6(&k, 44);
	frag6(&k, 6, 1, 0);
	k.n -= 2;
	fix_ip6(&k, ip4at);
	EXPECT_BAD(229, &k, KS_DEC_IPV6_EXT_TRUNC);
}

KS_TEST(decode_ipv6_ext_limit)
{
	for (unsigned count = 7; count <= 9; count++) {
		struct fr f = {0};
		size_t ip = ip6(&f, 60);
		for (unsigned i = 0; i < count; i++)
			ext(&f, i + 1 < count ? 60 : 17, 0);
		size_t u = udp(&f);
		fix_udp(&f, u);
		fix_ip6(&f, ip);
		if (count <= 8) {
			EXPECT_OK(229, &f);
			CHECK_EQ_U64(pkt.l4_ok, 1);
		} else {
			EXPECT_BAD(229, &f, KS_DEC_IPV6_EXT_LIMIT);
			check_v6_addrs();
		}
	}
}

KS_TEST(decode_ipv6_ext_truncated)
{
	/* Destination options of 24 octets, payload length allows 16. */
	struct fr f = {0};
	size_t ip = ip6(&f, 60);
	ext(&f, 17, 2);
	f.n -= 8;
	fix_ip6(&f, ip);
	EXPECT_BAD(229, &f, KS_DEC_IPV6_EXT_TRUNC);

	/* Hop-by-hop with a one-octet payload. */
	struct fr g = {0};
	size_t ip2 = ip6(&g, 0);
	put8(&g, 6);
	fix_ip6(&g, ip2);
	EXPECT_BAD(229, &g, KS_DEC_IPV6_EXT_TRUNC);

	/* Well formed, but the capture ends inside the routing header. */
	struct fr h = {0};
	size_t ip3 = ip6(&h, 43);
	ext(&h, 6, 3);
	tcp(&h, 5, 2);
	fix_ip6(&h, ip3);
	CHECK_EQ_U64(run2(229, &h, 40 + 20, h.n), KS_DECODE_MALFORMED);
	CHECK(only(KS_DEC_IPV6_EXT_TRUNC));
	CHECK_EQ_U64(run2(229, &h, h.n, h.n), KS_DECODE_OK);
	CHECK_EQ_U64(pkt.l4_ok, 1);

	/* AH whose length runs past the packet. */
	struct fr k = {0};
	size_t ip4at = ip6(&k, 51);
	put8(&k, 6);
	put8(&k, 200);
	putz(&k, 30);
	fix_ip6(&k, ip4at);
	EXPECT_BAD(229, &k, KS_DEC_IPV6_EXT_TRUNC);
}

KS_TEST(decode_ipv6_lengths_and_version)
{
	struct fr f = {0};
	eth_ip6_udp(&f);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.ip_len, 52);

	/* Payload length one past the wire. */
	set16(&f, 14 + 4, 13);
	EXPECT_BAD(1, &f, KS_DEC_IP_LEN_MISMATCH);
	CHECK_EQ_U64(pkt.ipver, 6);
	check_v6_addrs();
	/* ... fine when only snapped. */
	CHECK_EQ_U64(run2(1, &f, f.n, f.n + 1), KS_DECODE_OK);
	CHECK(clean());

	/* Jumbogram: payload length 0, hop-by-hop, bytes behind. */
	struct fr g = {0};
	size_t ip = ip6(&g, 0);
	put8(&g, 6);
	put8(&g, 0);
	put8(&g, 0xc2); /* Jumbo Payload option */
	put8(&g, 4);
	put32(&g, 40 + 8 + 20);
	tcp(&g, 5, 2);
	(void)ip;
	EXPECT_BAD(229, &g, KS_DEC_IP_LEN_MISMATCH);

	/* Truncated fixed header, and a wrong version. */
	struct fr h = {0};
	eth_ip6_udp(&h);
	for (size_t n = 14; n < 54; n++) {
		CHECK_EQ_U64(run2(1, &h, n, h.n), KS_DECODE_MALFORMED);
		CHECK(only(KS_DEC_IPV6_TRUNC));
		CHECK_EQ_U64(pkt.ipver, 0);
	}
	h.b[14] = 0x70;
	EXPECT_BAD(1, &h, KS_DEC_IPV6_BAD_VER);
	CHECK_EQ_U64(pkt.ipver, 0);
}

KS_TEST(decode_ipv6_no_next_header)
{
	struct fr f = {0};
	size_t ip = ip6(&f, 60);
	ext(&f, 59, 0);
	putn(&f, "trailing", 8); /* ignored after No Next Header */
	fix_ip6(&f, ip);
	EXPECT_OK(229, &f);
	CHECK_EQ_U64(pkt.proto, 59);
	CHECK_EQ_U64(pkt.l4_ok, 0);
	CHECK_EQ_U64(pkt.ip_len, 56);
}

/* ---- L4 --------------------------------------------------------------- */

KS_TEST(decode_tcp_malformed)
{
	struct fr f = {0};
	eth(&f, 0x0800);
	size_t ip = ip4(&f, 6);
	tcp(&f, 5, 2);
	f.n -= 1; /* 19 octets */
	fix_ip4(&f, ip);
	EXPECT_BAD(1, &f, KS_DEC_TCP_TRUNC);
	CHECK_EQ_U64(pkt.ipver, 4);
	CHECK_EQ_U64(pkt.l4_ok, 0);

	static const struct {
		unsigned off;
		size_t extra;
		int ok;
	} cases[] = {
		{0, 0, 0}, {4, 0, 0}, {5, 0, 1}, {6, 0, 0}, {6, 4, 1}, {15, 36, 0}, {15, 40, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fr g = {0};
		eth(&g, 0x0800);
		size_t ip2 = ip4(&g, 6);
		tcp(&g, cases[i].off, 2);
		putz(&g, cases[i].extra);
		fix_ip4(&g, ip2);
		if (cases[i].ok) {
			EXPECT_OK(1, &g);
			CHECK_EQ_U64(pkt.l4_ok, 1);
		} else {
			EXPECT_BAD(1, &g, KS_DEC_TCP_BAD_OFF);
			CHECK_EQ_U64(pkt.l4_ok, 0);
		}
	}

	/* Data offset is checked against the IP payload, not the frame: bytes
	 * of Ethernet padding do not make room for options. */
	struct fr h = {0};
	eth(&h, 0x0800);
	size_t ip3 = ip4(&h, 6);
	tcp(&h, 6, 2);
	fix_ip4(&h, ip3);
	putz(&h, 6);
	EXPECT_BAD(1, &h, KS_DEC_TCP_BAD_OFF);

	/* IPv6 / TCP cut short. */
	struct fr k = {0};
	size_t ip4at = ip6(&k, 6);
	tcp(&k, 5, 2);
	k.n -= 8;
	fix_ip6(&k, ip4at);
	EXPECT_BAD(229, &k, KS_DEC_TCP_TRUNC);
	CHECK_EQ_U64(pkt.ipver, 6);
}

KS_TEST(decode_udp_malformed)
{
	struct fr f = {0};
	size_t ip = ip4(&f, 17);
	putz(&f, 7);
	fix_ip4(&f, ip);
	EXPECT_BAD(228, &f, KS_DEC_UDP_TRUNC);

	static const struct {
		unsigned len;
		size_t extra;
		int ok;
	} cases[] = {{0, 0, 0}, {7, 0, 0}, {8, 0, 1}, {9, 0, 0}, {9, 1, 1}, {8, 12, 1}, {21, 12, 0}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct fr g = {0};
		eth(&g, 0x0800);
		size_t ip2 = ip4(&g, 17);
		size_t u = udp(&g);
		putz(&g, cases[i].extra);
		set16(&g, u + 4, cases[i].len);
		fix_ip4(&g, ip2);
		while (g.n < 60)
			put8(&g, 0); /* padding must not count as UDP payload */
		if (cases[i].ok) {
			EXPECT_OK(1, &g);
			CHECK_EQ_U64(pkt.l4_ok, 1);
			CHECK_EQ_U64(pkt.udp_len, cases[i].len);
		} else {
			EXPECT_BAD(1, &g, KS_DEC_UDP_BAD_LEN);
			CHECK_EQ_U64(pkt.l4_ok, 0);
		}
	}

	struct fr h = {0};
	size_t ip3 = ip6(&h, 17);
	putz(&h, 4);
	fix_ip6(&h, ip3);
	EXPECT_BAD(229, &h, KS_DEC_UDP_TRUNC);
}

/* Flow ingest reads export datagrams from the UDP payload. */
KS_TEST(decode_udp_payload)
{
	struct fr g = {0};
	eth(&g, 0x0800);
	size_t ip = ip4(&g, 17);
	size_t u = udp(&g);
	put8(&g, 0xab);
	put8(&g, 0xcd);
	set16(&g, u + 4, 10);
	fix_ip4(&g, ip);
	struct ks_decode_stats s2 = {0};
	struct ks_pkt p2;
	CHECK_EQ_U64(ks_decode(1, g.b, (uint32_t)g.n, (uint32_t)g.n, &p2, &s2), KS_DECODE_OK);
	CHECK_EQ_U64(p2.udp_len, 10);
	CHECK(p2.payload == g.b + u + 8);
	if (p2.payload == g.b + u + 8)
		CHECK_EQ_U64(p2.payload[0], 0xab);
}

KS_TEST(decode_icmp_icmpv6)
{
	struct fr f = {0};
	eth(&f, 0x0800);
	size_t ip = ip4(&f, 1);
	icmp(&f, 3, 3); /* port unreachable */
	fix_ip4(&f, ip);
	EXPECT_OK(1, &f);
	CHECK_EQ_U64(pkt.icmp_type, 3);
	CHECK_EQ_U64(pkt.icmp_code, 3);
	CHECK_EQ_U64(pkt.l4_ok, 1);
	CHECK_EQ_U64(pkt.sport, 0);

	/* Type and code only: lenient about the rest. */
	struct fr g = {0};
	size_t ip2 = ip4(&g, 1);
	put8(&g, 8);
	put8(&g, 0);
	fix_ip4(&g, ip2);
	EXPECT_OK(228, &g);
	CHECK_EQ_U64(pkt.icmp_type, 8);
	g.n -= 1;
	fix_ip4(&g, ip2);
	EXPECT_BAD(228, &g, KS_DEC_ICMP_TRUNC);
	g.n -= 1;
	fix_ip4(&g, ip2);
	EXPECT_BAD(228, &g, KS_DEC_ICMP_TRUNC);

	struct fr h = {0};
	eth(&h, 0x86dd);
	size_t ip3 = ip6(&h, 58);
	icmp(&h, 128, 0);
	fix_ip6(&h, ip3);
	EXPECT_OK(1, &h);
	CHECK_EQ_U64(pkt.icmp_type, 128);
	CHECK_EQ_U64(pkt.l4_ok, 1);

	struct fr k = {0};
	size_t ip4at = ip6(&k, 58);
	put8(&k, 1);
	fix_ip6(&k, ip4at);
	EXPECT_BAD(229, &k, KS_DEC_ICMPV6_TRUNC);
	/* Snapped after one octet of ICMPv6. */
	CHECK_EQ_U64(run2(1, &h, 14 + 41, h.n), KS_DECODE_MALFORMED);
	CHECK(only(KS_DEC_ICMPV6_TRUNC));
}

KS_TEST(decode_other_protocols)
{
	static const unsigned protos[] = {0, 2, 47, 50, 132, 255};
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
		struct fr f = {0};
		size_t ip = ip4(&f, protos[i]);
		put8(&f, 0x99);
		fix_ip4(&f, ip);
		EXPECT_OK(228, &f);
		CHECK_EQ_U64(pkt.proto, protos[i]);
		CHECK_EQ_U64(pkt.l4_ok, 0);
		CHECK_EQ_U64(pkt.sport, 0);
	}
	/* An empty IPv4 payload is fine for a protocol we do not read. */
	struct fr g = {0};
	size_t ip = ip4(&g, 47);
	fix_ip4(&g, ip);
	EXPECT_OK(228, &g);
}

/* ---- counters --------------------------------------------------------- */

KS_TEST(decode_counter_names)
{
	CHECK(strcmp(ks_decode_counter_name(KS_DEC_IPV4_IHL_SMALL), "decode.ipv4.ihl_too_small") == 0);
	CHECK(strcmp(ks_decode_counter_name(KS_DEC_PACKETS), "decode.packets") == 0);
	for (int i = 0; i < KS_DEC__MAX; i++) {
		const char *n = ks_decode_counter_name((enum ks_decode_counter)i);
		CHECK(n != NULL);
		if (!n)
			continue;
		CHECK(strncmp(n, "decode.", 7) == 0);
		CHECK(strcmp(n, "decode.unknown") != 0);
		for (int j = 0; j < i; j++)
			CHECK(strcmp(n, ks_decode_counter_name((enum ks_decode_counter)j)) != 0);
	}
	CHECK(strcmp(ks_decode_counter_name(KS_DEC__MAX), "decode.unknown") == 0);
	CHECK(strcmp(ks_decode_counter_name((enum ks_decode_counter)-1), "decode.unknown") == 0);
}

KS_TEST(decode_counters_accumulate)
{
	struct ks_decode_stats acc;
	struct ks_pkt p;
	memset(&acc, 0, sizeof acc);
	struct fr ok = {0}, arp = {0}, bad = {0}, frag = {0};
	eth_ip4_tcp(&ok);
	eth(&arp, 0x0806);
	putz(&arp, 28);
	eth_ip4_tcp(&bad);
	bad.b[14] = 0x44;
	eth(&frag, 0x0800);
	size_t ip = ip4(&frag, 17);
	putz(&frag, 8);
	set16(&frag, ip + 6, 0x0001);
	fix_ip4(&frag, ip);

	for (int i = 0; i < 3; i++) {
		CHECK_EQ_U64(ks_decode(1, ok.b, (uint32_t)ok.n, (uint32_t)ok.n, &p, &acc), KS_DECODE_OK);
		CHECK_EQ_U64(ks_decode(1, arp.b, (uint32_t)arp.n, (uint32_t)arp.n, &p, &acc),
			     KS_DECODE_NOT_IP);
		/* The ARP decode cleared what the TCP packet left behind. */
		CHECK_EQ_U64(p.ipver, 0);
		CHECK_EQ_U64(p.l4_ok, 0);
		CHECK_EQ_U64(p.sport, 0);
		CHECK_EQ_U64(ks_decode(1, bad.b, (uint32_t)bad.n, (uint32_t)bad.n, &p, &acc),
			     KS_DECODE_MALFORMED);
		CHECK_EQ_U64(ks_decode(1, frag.b, (uint32_t)frag.n, (uint32_t)frag.n, &p, &acc),
			     KS_DECODE_OK);
		CHECK_EQ_U64(ks_decode(4242, ok.b, (uint32_t)ok.n, (uint32_t)ok.n, &p, &acc),
			     KS_DECODE_BAD_LINK);
	}
	CHECK_EQ_U64(acc.c[KS_DEC_PACKETS], 15);
	CHECK_EQ_U64(acc.c[KS_DEC_NON_IP], 3);
	CHECK_EQ_U64(acc.c[KS_DEC_IPV4_IHL_SMALL], 3);
	CHECK_EQ_U64(acc.c[KS_DEC_FRAGMENTS], 3);
	uint64_t sum = 0;
	for (int i = 0; i < KS_DEC__MAX; i++)
		sum += acc.c[i];
	CHECK_EQ_U64(sum, 15 + 3 + 3 + 3);
}
