/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for ks_prefix: CIDR parsing and formatting, containment, and
 * prefix sets (longest-prefix match, the IPv4 fast path, IPv4 counting,
 * list parsing). Hand-written cases pin the edges; a seeded comparison
 * against a brute-force matcher covers the interval sweep more widely. */
#include <stdbool.h>
#include <string.h>

#include "ks_err.h"
#include "ks_prefix.h"
#include "ks_test.h"

/* Parses text that must be valid; a failure is reported by the caller's
 * CHECK on the return value. */
static int pp(const char *s, struct ks_prefix *p)
{
	memset(p, 0xa5, sizeof *p);
	return ks_prefix_parse(s, strlen(s), p);
}

static struct ks_prefix P(const char *s)
{
	struct ks_prefix p;
	int r = pp(s, &p);
	if (r != 0) {
		fprintf(stderr, "  bad test prefix %s\n", s);
		ks_test_failures++;
		memset(&p, 0, sizeof p);
	}
	return p;
}

static struct ks_addr A(const char *s)
{
	struct ks_addr a;
	if (ks_addr_parse(s, &a) != 0) {
		fprintf(stderr, "  bad test address %s\n", s);
		ks_test_failures++;
		memset(&a, 0, sizeof a);
	}
	return a;
}

static uint32_t V4(const char *s)
{
	struct ks_addr a = A(s);
	return ks_addr_v4(&a);
}

static bool fmt_is(const char *in, const char *want)
{
	char buf[KS_ADDR_STRLEN + 4];
	struct ks_prefix p = P(in);
	ks_prefix_format(&p, buf);
	if (strcmp(buf, want) != 0) {
		fprintf(stderr, "  format(%s) = %s, expected %s\n", in, buf, want);
		return false;
	}
	return true;
}

/* Looks a up in s: -1 when not covered, else the value. */
static int64_t L(const struct ks_pset *s, const char *a)
{
	struct ks_addr x = A(a);
	int64_t v = -12345;
	if (!ks_pset_lookup(s, &x, &v))
		return -1;
	return v;
}

KS_TEST(prefix_parse_v4)
{
	struct ks_prefix p;
	CHECK(pp("198.18.0.0/15", &p) == 0);
	CHECK_EQ_U64(p.len, 96 + 15);
	CHECK(ks_prefix_is_v4(&p));
	CHECK(ks_addr_v4(&p.addr) == 0xc6120000u);
	CHECK(ks_addr_is_v4(&p.addr));

	CHECK(pp("0.0.0.0/0", &p) == 0);
	CHECK_EQ_U64(p.len, 96);
	CHECK(ks_prefix_is_v4(&p));
	CHECK(pp("192.0.2.1/32", &p) == 0);
	CHECK_EQ_U64(p.len, 128);
	CHECK(pp("192.0.2.1", &p) == 0); /* bare address = /32 */
	CHECK_EQ_U64(p.len, 128);
	CHECK(ks_addr_v4(&p.addr) == 0xc0000201u);
	CHECK(pp("255.255.255.255/32", &p) == 0);
	CHECK(pp("128.0.0.0/1", &p) == 0);
	CHECK_EQ_U64(p.len, 97);
}

KS_TEST(prefix_parse_v6)
{
	struct ks_prefix p;
	CHECK(pp("2001:db8::/32", &p) == 0);
	CHECK_EQ_U64(p.len, 32);
	CHECK(!ks_prefix_is_v4(&p));
	CHECK(p.addr.b[0] == 0x20 && p.addr.b[1] == 0x01 && p.addr.b[2] == 0x0d && p.addr.b[3] == 0xb8);
	CHECK(pp("::/0", &p) == 0);
	CHECK_EQ_U64(p.len, 0);
	CHECK(pp("::1", &p) == 0);
	CHECK_EQ_U64(p.len, 128);
	CHECK(pp("::1/128", &p) == 0);
	CHECK(pp("fe80::/10", &p) == 0);
	CHECK(pp("2001:DB8::/32", &p) == 0);
	CHECK(pp("2001:0db8:0000:0000:0000:0000:0000:0000/32", &p) == 0);
	CHECK(pp("2001:db8:0:0:1::/80", &p) == 0);
	CHECK(pp("2001:db8::1:0:0:0/80", &p) == 0);
	CHECK(pp("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", &p) == 0);
	/* Mapped IPv6 text is the IPv4 prefix it denotes. */
	CHECK(pp("::ffff:192.0.2.0/120", &p) == 0);
	CHECK_EQ_U64(p.len, 120);
	CHECK(ks_prefix_is_v4(&p));

	/* Compressed and full forms give the same bits. */
	struct ks_prefix q;
	CHECK(pp("2001:db8:0:0:0:0:0:0/32", &q) == 0);
	CHECK(pp("2001:db8::/32", &p) == 0);
	CHECK(memcmp(&p.addr, &q.addr, 16) == 0 && p.len == q.len);
}

KS_TEST(prefix_parse_rejects)
{
	static const char *const bad[] = {
		"",                 /* empty */
		"/24",              /* no address */
		"10.0.0.0/",        /* no length */
		"10.0.0.0/33",      /* too long for IPv4 */
		"10.0.0.1/33",
		"10.0.0.0/-1",
		"10.0.0.0/+8",
		"10.0.0.0/08",      /* leading zero */
		"10.0.0.0/ 8",
		"10.0.0.0/8 ",
		" 10.0.0.0/8",
		"10.0.0.0/8/8",
		"10.0.0.0/1000",
		"10.0.0.0/4294967304", /* 2^32 + 8: must not wrap to 8 */
		"10.0.0/8",         /* three octets */
		"10.0.0.256/32",
		"10.0.0.0.0/8",
		"1.2.3.4/32x",
		"abc",
		"10.0.0.1/24",      /* host bits set */
		"198.19.0.0/15",
		"192.0.2.1/31",
		"0.0.0.1/0",
		"::/129",
		"2001:db8::1/64",   /* host bits set */
		"2001:db8::/16",
		"::1/0",
		"2001:db8:::/32",
		"2001:db8::g/128",
		"1:2:3:4:5:6:7:8:9/128",
		"[2001:db8::]/32",
		"2001:db8::/32/",
		"::ffff:192.0.2.1/120", /* host bits in the mapped form */
		"10.0.0.0/8,",
		"10.0.0.0\t/8",
		"01.2.3.4/32",      /* leading zero octet: octal in some parsers */
		"0x0a.0.0.0/8",
		"10.0.0.0./8",
		"1::2::3/128",
		"fe80::1%eth0/128", /* zone ids are not prefixes */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ks_prefix p;
		int r = pp(bad[i], &p);
		if (r != KS_EINVAL)
			fprintf(stderr, "  accepted bad prefix '%s'\n", bad[i]);
		CHECK(r == KS_EINVAL);
	}

	/* Embedded NUL and over-long text. */
	struct ks_prefix p;
	CHECK(ks_prefix_parse("10.0.0.0\0/8", 11, &p) == KS_EINVAL);
	char longs[200];
	memset(longs, '1', sizeof longs);
	CHECK(ks_prefix_parse(longs, sizeof longs, &p) == KS_EINVAL);
	CHECK(ks_prefix_parse("x", 0, &p) == KS_EINVAL);
}

KS_TEST(prefix_parse_counted)
{
	/* The text is s[0..n): what follows must be ignored. */
	struct ks_prefix p;
	const char *s = "10.0.0.0/8xyz";
	CHECK(ks_prefix_parse(s, 10, &p) == 0);
	CHECK_EQ_U64(p.len, 104);
	CHECK(ks_prefix_parse(s, 9, &p) == KS_EINVAL); /* "10.0.0.0/" */
	CHECK(ks_prefix_parse("192.0.2.0/24,198.51.100.0/24", 12, &p) == 0);
	CHECK_EQ_U64(p.len, 120);
}

KS_TEST(prefix_format)
{
	CHECK(fmt_is("198.18.0.0/15", "198.18.0.0/15"));
	CHECK(fmt_is("0.0.0.0/0", "0.0.0.0/0"));
	CHECK(fmt_is("192.0.2.1", "192.0.2.1/32"));
	CHECK(fmt_is("::/0", "::/0"));
	CHECK(fmt_is("2001:0db8:0000::/32", "2001:db8::/32"));
	CHECK(fmt_is("2001:db8::1", "2001:db8::1/128"));
	CHECK(fmt_is("::ffff:192.0.2.0/120", "192.0.2.0/24"));
	CHECK(fmt_is("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
		      "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"));
	CHECK(fmt_is("::/96", "::/96"));
	CHECK(fmt_is("::/80", "::/80"));
	/* A mapped address with a length below 96 (only buildable by hand)
	 * is not IPv4 and prints in IPv6 form. */
	{
		char b[KS_ADDR_STRLEN + 4];
		struct ks_prefix m = P("::ffff:0.0.0.0/96");
		m.len = 95;
		CHECK(!ks_prefix_is_v4(&m));
		CHECK(strcmp(ks_prefix_format(&m, b), "::ffff:0.0.0.0/95") == 0);
	}

	/* Longest possible output fits the documented buffer. */
	char buf[KS_ADDR_STRLEN + 4];
	struct ks_prefix p = P("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128");
	ks_prefix_format(&p, buf);
	CHECK(strlen(buf) < sizeof buf);

	/* Every formatted prefix parses back to itself. */
	static const char *const rt[] = {"10.0.0.0/8", "2001:db8:1::/48", "::ffff:0:0/96",
					 "100.64.0.0/10", "fe80::/10", "::1/128"};
	for (size_t i = 0; i < sizeof rt / sizeof rt[0]; i++) {
		struct ks_prefix a = P(rt[i]), b;
		ks_prefix_format(&a, buf);
		CHECK(pp(buf, &b) == 0);
		CHECK(memcmp(&a.addr, &b.addr, 16) == 0 && a.len == b.len);
	}
}

KS_TEST(prefix_contains)
{
	struct ks_prefix p = P("192.0.2.0/24");
	struct ks_addr a = A("192.0.2.0"), b = A("192.0.2.255"), c = A("192.0.3.0"),
		       d = A("2001:db8::1");
	CHECK(ks_prefix_contains(&p, &a));
	CHECK(ks_prefix_contains(&p, &b));
	CHECK(!ks_prefix_contains(&p, &c));
	CHECK(!ks_prefix_contains(&p, &d));

	struct ks_prefix all4 = P("0.0.0.0/0"), all = P("::/0"), v6 = P("2001:db8::/32");
	CHECK(ks_prefix_contains(&all4, &a));
	CHECK(!ks_prefix_contains(&all4, &d));
	CHECK(ks_prefix_contains(&all, &a));
	CHECK(ks_prefix_contains(&all, &d));
	CHECK(ks_prefix_contains(&v6, &d));
	CHECK(!ks_prefix_contains(&v6, &a));

	struct ks_prefix host = P("192.0.2.7");
	struct ks_addr h = A("192.0.2.7"), h2 = A("192.0.2.6");
	CHECK(ks_prefix_contains(&host, &h));
	CHECK(!ks_prefix_contains(&host, &h2));

	/* Lengths that are not multiples of 8 or 64. */
	struct ks_prefix q = P("2001:db8:8000::/33");
	struct ks_addr in = A("2001:db8:ffff::1"), out = A("2001:db8:7fff::1");
	CHECK(ks_prefix_contains(&q, &in));
	CHECK(!ks_prefix_contains(&q, &out));
	struct ks_prefix r = P("2001:db8:0:0:8000::/65");
	struct ks_addr in2 = A("2001:db8::8000:0:0:1"), out2 = A("2001:db8::7fff:0:0:1");
	CHECK(ks_prefix_contains(&r, &in2));
	CHECK(!ks_prefix_contains(&r, &out2));
}

static void add(struct ks_pset *s, const char *pfx, int64_t v)
{
	struct ks_prefix p = P(pfx);
	ks_pset_add(s, &p, v);
}

KS_TEST(pset_empty)
{
	struct ks_pset s;
	ks_pset_init(&s);
	ks_pset_build(&s);
	CHECK(L(&s, "192.0.2.1") == -1);
	CHECK(L(&s, "::") == -1);
	CHECK(!ks_pset_has_v4(&s, 0));
	CHECK(!ks_pset_has_v4(&s, UINT32_MAX));
	CHECK_EQ_U64(ks_pset_v4_count(&s), 0);
	ks_pset_release(&s);
	ks_pset_release(&s); /* released sets are empty and may be released again */
}

KS_TEST(pset_lpm_v4_nested)
{
	struct ks_pset s;
	ks_pset_init(&s);
	/* Added out of order on purpose. */
	add(&s, "10.1.2.0/24", 3);
	add(&s, "0.0.0.0/0", 0);
	add(&s, "10.1.2.3/32", 4);
	add(&s, "10.0.0.0/8", 1);
	add(&s, "10.1.0.0/16", 2);
	add(&s, "10.0.0.0/16", 5); /* same start as 10/8 */
	ks_pset_build(&s);

	CHECK(L(&s, "9.255.255.255") == 0);
	CHECK(L(&s, "10.0.0.0") == 5);
	CHECK(L(&s, "10.0.255.255") == 5);
	CHECK(L(&s, "10.1.0.0") == 2);
	CHECK(L(&s, "10.1.1.255") == 2);
	CHECK(L(&s, "10.1.2.0") == 3);
	CHECK(L(&s, "10.1.2.2") == 3);
	CHECK(L(&s, "10.1.2.3") == 4);
	CHECK(L(&s, "10.1.2.4") == 3);
	CHECK(L(&s, "10.1.2.255") == 3);
	CHECK(L(&s, "10.1.3.0") == 2);
	CHECK(L(&s, "10.1.255.255") == 2);
	CHECK(L(&s, "10.2.0.0") == 1);
	CHECK(L(&s, "10.255.255.255") == 1);
	CHECK(L(&s, "11.0.0.0") == 0);
	CHECK(L(&s, "0.0.0.0") == 0);
	CHECK(L(&s, "255.255.255.255") == 0);
	CHECK(L(&s, "2001:db8::1") == -1); /* 0.0.0.0/0 is IPv4 only */
	CHECK(L(&s, "::fffe:ffff:ffff") == -1);
	CHECK(L(&s, "::1:0:0:0") == -1);
	CHECK(ks_pset_has_v4(&s, 0) && ks_pset_has_v4(&s, UINT32_MAX));
	CHECK_EQ_U64(ks_pset_v4_count(&s), 1ull << 32);

	/* v may be NULL. */
	struct ks_addr a = A("10.1.2.3");
	CHECK(ks_pset_lookup(&s, &a, NULL));
	ks_pset_release(&s);
}

KS_TEST(pset_lpm_v4_disjoint_and_adjacent)
{
	struct ks_pset s;
	ks_pset_init(&s);
	add(&s, "192.0.2.0/25", 1);
	add(&s, "192.0.2.128/25", 1); /* adjacent, same value */
	add(&s, "198.51.100.0/24", 2);
	add(&s, "198.51.101.0/24", 3); /* adjacent, other value */
	add(&s, "203.0.113.7/32", 4);
	ks_pset_build(&s);

	CHECK(L(&s, "192.0.1.255") == -1);
	CHECK(L(&s, "192.0.2.0") == 1);
	CHECK(L(&s, "192.0.2.127") == 1);
	CHECK(L(&s, "192.0.2.128") == 1);
	CHECK(L(&s, "192.0.2.255") == 1);
	CHECK(L(&s, "192.0.3.0") == -1);
	CHECK(L(&s, "198.51.100.255") == 2);
	CHECK(L(&s, "198.51.101.0") == 3);
	CHECK(L(&s, "198.51.102.0") == -1);
	CHECK(L(&s, "203.0.113.6") == -1);
	CHECK(L(&s, "203.0.113.7") == 4);
	CHECK(L(&s, "203.0.113.8") == -1);
	CHECK_EQ_U64(ks_pset_v4_count(&s), 256 + 512 + 1);
	/* Adjacent ranges merge for membership: three IPv4 ranges, not five. */
	CHECK_EQ_U64(s.nv4, 3);
	ks_pset_release(&s);
}

KS_TEST(pset_lpm_v6)
{
	struct ks_pset s;
	ks_pset_init(&s);
	add(&s, "2001:db8::/32", 1);
	add(&s, "2001:db8:1::/48", 2);
	add(&s, "2001:db8:1:2::/64", 3);
	add(&s, "2001:db8:1:2::1/128", 4);
	add(&s, "2001:db8:1:2:8000::/65", 6);
	add(&s, "192.0.2.0/24", 7);
	ks_pset_build(&s);

	CHECK(L(&s, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff") == -1);
	CHECK(L(&s, "2001:db8::") == 1);
	CHECK(L(&s, "2001:db8:0:ffff::") == 1);
	CHECK(L(&s, "2001:db8:1::") == 2);
	CHECK(L(&s, "2001:db8:1:1:ffff:ffff:ffff:ffff") == 2);
	CHECK(L(&s, "2001:db8:1:2::") == 3);
	CHECK(L(&s, "2001:db8:1:2::1") == 4);
	CHECK(L(&s, "2001:db8:1:2::2") == 3);
	CHECK(L(&s, "2001:db8:1:2:7fff:ffff:ffff:ffff") == 3);
	CHECK(L(&s, "2001:db8:1:2:8000::") == 6);
	CHECK(L(&s, "2001:db8:1:2:ffff:ffff:ffff:ffff") == 6);
	CHECK(L(&s, "2001:db8:1:3::") == 2);
	CHECK(L(&s, "2001:db8:2::") == 1);
	CHECK(L(&s, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff") == 1);
	CHECK(L(&s, "2001:db9::") == -1);
	CHECK(L(&s, "192.0.2.9") == 7);
	CHECK(L(&s, "::ffff:192.0.2.9") == 7);
	CHECK(L(&s, "::192.0.2.9") == -1); /* IPv4-compatible, not mapped */
	CHECK_EQ_U64(ks_pset_v4_count(&s), 256);
	ks_pset_release(&s);
}

KS_TEST(pset_edges_of_space)
{
	/* ::/0 and the last address: the sweep must not wrap past 2^128 - 1. */
	struct ks_pset s;
	ks_pset_init(&s);
	add(&s, "::/0", 0);
	add(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 5);
	add(&s, "::/128", 6);
	add(&s, "8000::/1", 7);
	ks_pset_build(&s);
	CHECK(L(&s, "::") == 6);
	CHECK(L(&s, "::1") == 0);
	CHECK(L(&s, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 0);
	CHECK(L(&s, "8000::") == 7);
	CHECK(L(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe") == 7);
	CHECK(L(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 5);
	CHECK(L(&s, "192.0.2.1") == 0);
	/* ::/0 covers the mapped range, and has_v4 agrees with lookup. */
	CHECK(ks_pset_has_v4(&s, 0));
	CHECK(ks_pset_has_v4(&s, UINT32_MAX));
	CHECK_EQ_U64(ks_pset_v4_count(&s), 1ull << 32);
	ks_pset_release(&s);

	/* ::/0 alone, looked up at both ends. */
	ks_pset_init(&s);
	add(&s, "::/0", 9);
	ks_pset_build(&s);
	CHECK(L(&s, "::") == 9);
	CHECK(L(&s, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") == 9);
	CHECK_EQ_U64(s.niv, 1);
	ks_pset_release(&s);

	/* IPv4 ends of the mapped range. */
	ks_pset_init(&s);
	add(&s, "0.0.0.0/32", 1);
	add(&s, "255.255.255.255/32", 2);
	ks_pset_build(&s);
	CHECK(ks_pset_has_v4(&s, 0));
	CHECK(!ks_pset_has_v4(&s, 1));
	CHECK(!ks_pset_has_v4(&s, UINT32_MAX - 1));
	CHECK(ks_pset_has_v4(&s, UINT32_MAX));
	CHECK(L(&s, "255.255.255.255") == 2);
	CHECK(L(&s, "::1:0:0:0") == -1); /* just above the mapped range */
	CHECK_EQ_U64(ks_pset_v4_count(&s), 2);
	ks_pset_release(&s);
}

KS_TEST(pset_duplicates_last_wins)
{
	struct ks_pset s;
	ks_pset_init(&s);
	add(&s, "10.0.0.0/8", 1);
	add(&s, "192.0.2.0/24", 7);
	add(&s, "10.0.0.0/8", 2);
	add(&s, "2001:db8::/32", 3);
	add(&s, "10.0.0.0/8", 4);
	add(&s, "2001:db8::/32", 5);
	ks_pset_build(&s);
	CHECK(L(&s, "10.9.9.9") == 4);
	CHECK(L(&s, "2001:db8::9") == 5);
	CHECK(L(&s, "192.0.2.9") == 7);
	CHECK_EQ_U64(ks_pset_v4_count(&s), (1u << 24) + 256);
	ks_pset_release(&s);

	/* A hand-built prefix with host bits set is the same prefix. */
	ks_pset_init(&s);
	struct ks_prefix p = P("10.0.0.0/8");
	ks_pset_add(&s, &p, 1);
	p.addr.b[15] = 1;
	ks_pset_add(&s, &p, 2);
	ks_pset_build(&s);
	CHECK(L(&s, "10.0.0.0") == 2);
	CHECK(L(&s, "10.255.255.255") == 2);
	CHECK_EQ_U64(ks_pset_v4_count(&s), 1u << 24);
	ks_pset_release(&s);
}

KS_TEST(pset_has_v4_many)
{
	/* Every range count from 1 to 17 (each shape of the search loop) and
	 * 300: /24s spaced 4 apart, probed at and around both ends. */
	static const uint32_t counts[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 300};
	for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
		uint32_t cnt = counts[c];
		struct ks_pset s;
		ks_pset_init(&s);
		for (uint32_t i = 0; i < cnt; i++) {
			struct ks_prefix p;
			ks_addr_from_v4(&p.addr, 0x0a000000u + i * 4 * 256);
			p.len = 96 + 24;
			ks_pset_add(&s, &p, (int64_t)i);
		}
		ks_pset_build(&s);
		CHECK_EQ_U64(s.nv4, cnt);
		CHECK_EQ_U64(ks_pset_v4_count(&s), cnt * 256);
		int bad = 0;
		for (uint32_t i = 0; i < cnt; i++) {
			uint32_t base = 0x0a000000u + i * 4 * 256;
			bad += !ks_pset_has_v4(&s, base);
			bad += !ks_pset_has_v4(&s, base + 255);
			bad += ks_pset_has_v4(&s, base + 256);
			bad += ks_pset_has_v4(&s, base - 1);
			struct ks_addr a;
			int64_t v = -1;
			ks_addr_from_v4(&a, base + 77);
			bad += !(ks_pset_lookup(&s, &a, &v) && v == (int64_t)i);
		}
		CHECK(bad == 0);
		CHECK(!ks_pset_has_v4(&s, 0));
		CHECK(!ks_pset_has_v4(&s, UINT32_MAX));
		ks_pset_release(&s);
	}
}

KS_TEST(pset_v4_count_overlaps)
{
	struct ks_pset s;
	ks_pset_init(&s);
	add(&s, "198.18.0.0/15", 1);
	add(&s, "198.18.0.0/16", 2); /* inside: counted once */
	add(&s, "198.19.255.0/24", 3);
	add(&s, "198.20.0.0/16", 4); /* adjacent to 198.18/15 */
	add(&s, "2001:db8::/32", 5);  /* IPv6: not counted */
	ks_pset_build(&s);
	CHECK_EQ_U64(ks_pset_v4_count(&s), 3u << 16);
	CHECK_EQ_U64(s.nv4, 1);
	CHECK(ks_pset_has_v4(&s, V4("198.18.0.0")));
	CHECK(ks_pset_has_v4(&s, V4("198.20.255.255")));
	CHECK(!ks_pset_has_v4(&s, V4("198.21.0.0")));
	CHECK(!ks_pset_has_v4(&s, V4("198.17.255.255")));
	ks_pset_release(&s);

	ks_pset_init(&s);
	add(&s, "0.0.0.0/0", 1);
	add(&s, "10.0.0.0/8", 2);
	ks_pset_build(&s);
	CHECK_EQ_U64(ks_pset_v4_count(&s), 1ull << 32);
	ks_pset_release(&s);

	ks_pset_init(&s);
	add(&s, "::ffff:0:0/96", 1);
	ks_pset_build(&s);
	CHECK_EQ_U64(ks_pset_v4_count(&s), 1ull << 32);
	ks_pset_release(&s);

	ks_pset_init(&s);
	add(&s, "2001:db8::/32", 1);
	add(&s, "::/96", 1); /* just below the mapped range */
	ks_pset_build(&s);
	CHECK_EQ_U64(ks_pset_v4_count(&s), 0);
	CHECK(!ks_pset_has_v4(&s, 0));
	ks_pset_release(&s);
}

/* Deterministic xorshift64* so failures reproduce. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t x = rng_state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Brute-force longest-prefix match: the longest covering prefix, and among
 * identical ones the last added. */
static bool brute(const struct ks_prefix *p, const int64_t *val, size_t n, const struct ks_addr *a,
		  int64_t *v)
{
	bool found = false;
	unsigned best = 0;
	for (size_t i = 0; i < n; i++) {
		if (!ks_prefix_contains(&p[i], a))
			continue;
		if (!found || p[i].len >= best) {
			found = true;
			best = p[i].len;
			*v = val[i];
		}
	}
	return found;
}

static void mask_prefix(struct ks_prefix *p)
{
	for (unsigned bit = p->len; bit < 128; bit++)
		p->addr.b[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

KS_TEST(pset_random_v4_vs_brute_force)
{
	/* Prefixes inside 10.0.0.0/16 (lengths /16../32), so that counting by
	 * enumeration of all 65536 addresses is cheap. */
	rng_state = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 20; round++) {
		struct ks_prefix pf[64];
		int64_t val[64];
		size_t n = 1 + rnd() % 64;
		struct ks_pset s;
		ks_pset_init(&s);
		for (size_t i = 0; i < n; i++) {
			uint32_t a = 0x0a000000u | (uint32_t)(rnd() & 0xffff);
			ks_addr_from_v4(&pf[i].addr, a);
			pf[i].len = 96 + 16 + (unsigned)(rnd() % 17);
			mask_prefix(&pf[i]);
			val[i] = (int64_t)(rnd() % 5); /* few values: exercises merging */
			ks_pset_add(&s, &pf[i], val[i]);
		}
		ks_pset_build(&s);
		uint64_t count = 0;
		int bad = 0;
		for (uint32_t x = 0x0a000000u - 2; x <= 0x0a010001u; x++) {
			struct ks_addr a;
			int64_t want = 0, got = 0;
			ks_addr_from_v4(&a, x);
			bool w = brute(pf, val, n, &a, &want);
			bool g = ks_pset_lookup(&s, &a, &got);
			bool h = ks_pset_has_v4(&s, x);
			count += w;
			if (w != g || w != h || (w && want != got))
				bad++;
		}
		CHECK(bad == 0);
		CHECK_EQ_U64(ks_pset_v4_count(&s), count);
		ks_pset_release(&s);
	}
}

KS_TEST(pset_random_v6_vs_brute_force)
{
	/* Prefixes in 2001:db8::/32 with a few random bits, nested often
	 * because the address bits come from a small pool. */
	rng_state = 0x0123456789abcdefull;
	for (int round = 0; round < 50; round++) {
		struct ks_prefix pf[48];
		int64_t val[48];
		size_t n = 1 + rnd() % 48;
		struct ks_pset s;
		ks_pset_init(&s);
		for (size_t i = 0; i < n; i++) {
			struct ks_addr a = A("2001:db8::");
			uint64_t r = rnd();
			a.b[4] = (uint8_t)(r & 0x81); /* sparse bits: many shared prefixes */
			a.b[8] = (uint8_t)((r >> 8) & 0x18);
			a.b[15] = (uint8_t)((r >> 16) & 0x03);
			pf[i].addr = a;
			pf[i].len = 32 + (unsigned)(rnd() % 97);
			mask_prefix(&pf[i]);
			val[i] = (int64_t)(rnd() % 7);
			ks_pset_add(&s, &pf[i], val[i]);
		}
		if (round % 5 == 0) { /* sometimes a covering ::/0 */
			struct ks_prefix all = P("::/0");
			pf[n - 1] = all;
			val[n - 1] = 99;
			ks_pset_release(&s);
			ks_pset_init(&s);
			for (size_t i = 0; i < n; i++)
				ks_pset_add(&s, &pf[i], val[i]);
		}
		ks_pset_build(&s);
		int bad = 0;
		for (int k = 0; k < 2000; k++) {
			/* Probe near prefix edges and at random. */
			struct ks_addr a;
			const struct ks_prefix *p = &pf[rnd() % n];
			a = p->addr;
			uint64_t r = rnd();
			switch (r % 4) {
			case 0: /* first address */
				break;
			case 1: /* last address */
				for (unsigned bit = p->len; bit < 128; bit++)
					a.b[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
				break;
			case 2: /* one below the first */
				for (int j = 15; j >= 0; j--) {
					uint8_t old = a.b[j];
					a.b[j] = (uint8_t)(old - 1);
					if (old != 0)
						break;
				}
				break;
			default: /* one above the last */
				for (unsigned bit = p->len; bit < 128; bit++)
					a.b[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
				for (int j = 15; j >= 0; j--) {
					a.b[j] = (uint8_t)(a.b[j] + 1);
					if (a.b[j] != 0)
						break;
				}
				break;
			}
			int64_t want = 0, got = 0;
			bool w = brute(pf, val, n, &a, &want);
			bool g = ks_pset_lookup(&s, &a, &got);
			if (w != g || (w && want != got))
				bad++;
		}
		CHECK(bad == 0);
		CHECK(s.niv <= 2 * n);
		ks_pset_release(&s);
	}
}

KS_TEST(pset_parse_list)
{
	struct ks_pset s;
	char bad[32];
	ks_pset_init(&s);
	CHECK(ks_pset_parse_list(&s, "192.0.2.0/24, 2001:db8::/32\t198.51.100.0/24,203.0.113.0/24\n",
				 7, bad, sizeof bad) == 0);
	CHECK_EQ_U64(s.n, 4);
	CHECK(ks_pset_parse_list(&s, ",,  ,198.18.0.0/15,,", 8, bad, sizeof bad) == 0);
	CHECK_EQ_U64(s.n, 5);
	ks_pset_build(&s);
	CHECK(L(&s, "192.0.2.1") == 7);
	CHECK(L(&s, "2001:db8::1") == 7);
	CHECK(L(&s, "198.19.0.1") == 8);
	CHECK_EQ_U64(ks_pset_v4_count(&s), 3 * 256 + 2 * 65536);
	ks_pset_release(&s);

	ks_pset_init(&s);
	memset(bad, 'x', sizeof bad);
	CHECK(ks_pset_parse_list(&s, "192.0.2.0/24,bogus/8 10.0.0.0/8", 1, bad, sizeof bad) ==
	      KS_EINVAL);
	CHECK(strcmp(bad, "bogus/8") == 0);
	CHECK_EQ_U64(s.n, 0); /* nothing added on error */

	CHECK(ks_pset_parse_list(&s, "10.0.0.1/8", 1, bad, 4) == KS_EINVAL);
	CHECK(strcmp(bad, "10.") == 0); /* truncated to badlen */
	CHECK(ks_pset_parse_list(&s, "10.0.0.1/8", 1, NULL, 0) == KS_EINVAL);

	memset(bad, 'x', sizeof bad);
	CHECK(ks_pset_parse_list(&s, "", 1, bad, sizeof bad) == KS_EINVAL);
	CHECK(bad[0] == '\0');
	CHECK(ks_pset_parse_list(&s, " ,\t, \n", 1, bad, sizeof bad) == KS_EINVAL);
	CHECK(ks_pset_parse_list(&s, "192.0.2.0/24;198.51.100.0/24", 1, bad, sizeof bad) ==
	      KS_EINVAL);
	CHECK_EQ_U64(s.n, 0);
	ks_pset_build(&s);
	ks_pset_release(&s);
}
