/* SPDX-License-Identifier: BSD-2-Clause */
#include <stdlib.h>
#include <string.h>

#include "flow_filter.h"
#include "ks_err.h"
#include "ks_test.h"

#define T0 1795305600000LL /* 2026-11-22T00:00:00Z */

static struct ks_flow v4(uint32_t s, uint16_t sp, uint32_t d, uint16_t dp, uint8_t proto,
			 int64_t first)
{
	struct ks_flow f;
	memset(&f, 0, sizeof f);
	ks_addr_from_v4(&f.src, s);
	ks_addr_from_v4(&f.dst, d);
	f.sport = sp;
	f.dport = dp;
	f.proto = proto;
	f.first_ms = f.last_ms = first;
	return f;
}

/* Parses expr and checks its verdict on f; a parse error is a failure. */
static int m(const char *expr, const struct ks_flow *f)
{
	struct ks_flow_filter *flt;
	char err[256];
	if (ks_flow_filter_parse(expr, &flt, err, sizeof err) != 0) {
		fprintf(stderr, "  parse failed: %s: %s\n", expr, err);
		return -1;
	}
	int r = ks_flow_filter_match(flt, f);
	ks_flow_filter_free(flt);
	return r;
}

KS_TEST(flow_filter_primitives_and_logic)
{
	/* 198.18.0.5:40000 -> 203.0.113.9:443 tcp, at T0 + 90 minutes */
	struct ks_flow a = v4(0xc6120005, 40000, 0xcb007109, 443, 6, T0 + 5400000);
	struct ks_flow b; /* [2001:db8::1]:53 -> [2001:db8:1::2]:5353 udp, at T0 */
	memset(&b, 0, sizeof b);
	ks_addr_parse("2001:db8::1", &b.src);
	ks_addr_parse("2001:db8:1::2", &b.dst);
	b.sport = 53;
	b.dport = 5353;
	b.proto = 17;
	b.first_ms = T0;
	struct ks_flow c = v4(0xc0000201, 0, 0xc6336401, 0x0800, 1, T0 - 1); /* ICMP echo */

	CHECK_EQ_U64(m("host 198.18.0.5", &a), 1);
	CHECK_EQ_U64(m("host 203.0.113.9", &a), 1);
	CHECK_EQ_U64(m("host 203.0.113.8", &a), 0);
	CHECK_EQ_U64(m("src 198.18.0.5", &a), 1);
	CHECK_EQ_U64(m("dst 198.18.0.5", &a), 0);
	CHECK_EQ_U64(m("src 198.18.0.0/15", &a), 1);
	CHECK_EQ_U64(m("src net 198.18.0.0/31", &a), 0);
	CHECK_EQ_U64(m("dst host 203.0.113.9", &a), 1);
	CHECK_EQ_U64(m("net 203.0.113.0/24", &a), 1);
	CHECK_EQ_U64(m("net 0.0.0.0/0", &a), 1);
	CHECK_EQ_U64(m("net 0.0.0.0/0", &b), 0); /* IPv4 prefixes hold no IPv6 */
	CHECK_EQ_U64(m("net ::/0", &b), 1);
	CHECK_EQ_U64(m("src 2001:db8::/32 and dst 2001:db8:1::/48", &b), 1);
	CHECK_EQ_U64(m("dst 2001:db8:2::/48", &b), 0);
	CHECK_EQ_U64(m("host 2001:db8::1", &b), 1);
	CHECK_EQ_U64(m("port 443", &a), 1);
	CHECK_EQ_U64(m("port 40000", &a), 1);
	CHECK_EQ_U64(m("sport 443", &a), 0);
	CHECK_EQ_U64(m("dport 443", &a), 1);
	CHECK_EQ_U64(m("src port 40000", &a), 1);
	CHECK_EQ_U64(m("dst port 40000", &a), 0);
	CHECK_EQ_U64(m("dport 2048 and icmp", &c), 1); /* type 8 code 0 */
	CHECK_EQ_U64(m("proto tcp", &a), 1);
	CHECK_EQ_U64(m("proto 6", &a), 1);
	CHECK_EQ_U64(m("udp", &b), 1);
	CHECK_EQ_U64(m("tcp", &b), 0);
	CHECK_EQ_U64(m("proto icmp", &c), 1);
	CHECK_EQ_U64(m("after 2026-11-22T01:00:00Z", &a), 1);
	CHECK_EQ_U64(m("after 2026-11-22T01:30:00Z", &a), 1); /* at or after */
	CHECK_EQ_U64(m("after 2026-11-22T01:31", &a), 0);
	CHECK_EQ_U64(m("before 2026-11-22T01:30:00Z", &a), 0);
	CHECK_EQ_U64(m("before 2026-11-22", &c), 1);
	CHECK_EQ_U64(m("after 2026-11-22 and before 2026-11-23", &b), 1);
	CHECK_EQ_U64(m("after @1795305600", &b), 1);

	CHECK_EQ_U64(m("tcp and port 443", &a), 1);
	CHECK_EQ_U64(m("tcp and port 80", &a), 0);
	CHECK_EQ_U64(m("port 80 or port 443", &a), 1);
	CHECK_EQ_U64(m("not tcp", &a), 0);
	CHECK_EQ_U64(m("! tcp", &a), 1 - 1);
	CHECK_EQ_U64(m("!udp", &a), 1);
	CHECK_EQ_U64(m("not not tcp", &a), 1);
	/* and binds tighter than or */
	CHECK_EQ_U64(m("udp and port 1 or tcp", &a), 1);
	CHECK_EQ_U64(m("tcp or udp and port 1", &a), 1);
	CHECK_EQ_U64(m("(tcp or udp) and port 1", &a), 0);
	CHECK_EQ_U64(m("udp && port 1 || tcp && dport 443", &a), 1);
	CHECK_EQ_U64(m("not (udp or icmp) and (src 198.18.0.0/15 or src 10.0.0.0/8)", &a), 1);
	CHECK_EQ_U64(m("not (udp or icmp) and (src 198.18.0.0/15 or src 10.0.0.0/8)", &b), 0);
	CHECK_EQ_U64(m("((((host 198.18.0.5))))", &a), 1);
	CHECK_EQ_U64(m("  tcp\tand\nport 443 ", &a), 1);
}

KS_TEST(flow_filter_long_chains_and_nesting)
{
	/* 4000 terms: chains are loops, not recursion, in the parser and match. */
	size_t terms = 4000; /* about 50 KiB of text */
	char *s = malloc(terms * 16 + 16);
	size_t n = 0;
	for (size_t i = 0; i < terms; i++)
		n += (size_t)snprintf(s + n, 16, "%sport %zu", i ? " or " : "", i % 60000 + 1);
	struct ks_flow a = v4(1, 5, 2, 3999, 6, T0);
	CHECK_EQ_U64(m(s, &a), 1);
	a.dport = 65000;
	a.sport = 65001;
	CHECK_EQ_U64(m(s, &a), 0);
	n = 0;
	for (size_t i = 0; i < 64; i++)
		s[n++] = '(';
	memcpy(s + n, "tcp", 3);
	n += 3;
	for (size_t i = 0; i < 64; i++)
		s[n++] = ')';
	s[n] = '\0';
	CHECK_EQ_U64(m(s, &a), 1);
	memmove(s + 1, s, n + 1);
	s[0] = '(';
	s[n + 1] = ')';
	s[n + 2] = '\0';
	struct ks_flow_filter *f;
	char err[256];
	CHECK_EQ_U64((uint64_t)-ks_flow_filter_parse(s, &f, err, sizeof err), -KS_EINVAL);
	CHECK(strstr(err, "nest more than 64") != NULL);
	free(s);
}

static void bad(const char *expr, const char *want)
{
	struct ks_flow_filter *f = (struct ks_flow_filter *)1;
	char err[256] = "";
	int rc = ks_flow_filter_parse(expr, &f, err, sizeof err);
	if (rc != KS_EINVAL || f != NULL || strcmp(err, want) != 0) {
		fprintf(stderr, "  %s\n    got:  %d %s\n    want: %s\n", expr, rc, err, want);
		ks_test_failures++;
	}
}

KS_TEST(flow_filter_parse_errors)
{
	bad("tcp and src 1.2.3.x", "filter: column 13: expected an address or prefix after 'src' "
				   "but found '1.2.3.x'");
	bad("tcp and src", "filter: column 12: expected an address or prefix after 'src' but found "
			   "end of filter");
	bad("net 198.18.0.1/15", "filter: column 5: expected an address or prefix after 'net' but "
				 "found '198.18.0.1/15'");
	bad("port 65536", "filter: column 6: expected a port number 0-65535 after 'port' but found "
			  "'65536'");
	bad("dst port x", "filter: column 10: expected a port number 0-65535 after 'dst port' but "
			  "found 'x'");
	bad("proto smtp", "filter: column 7: expected a protocol (tcp, udp, icmp, icmp6, sctp, gre, "
			  "esp or 0-255) after 'proto' but found 'smtp'");
	bad("proto 256", "filter: column 7: expected a protocol (tcp, udp, icmp, icmp6, sctp, gre, "
			 "esp or 0-255) after 'proto' but found '256'");
	bad("after yesterday", "filter: column 7: expected a time (2026-11-22, 2026-11-22T04:19:00Z, "
			       "@EPOCH or an age such as 7d) after 'after' but found 'yesterday'");
	bad("before 2026-02-30", "filter: column 8: expected a time (2026-11-22, "
				 "2026-11-22T04:19:00Z, @EPOCH or an age such as 7d) after "
				 "'before' but found '2026-02-30'");
	bad("", "filter: column 1: expected a primitive (host, src, dst, net, port, sport, dport, "
		"proto, tcp, udp, icmp, after, before), 'not' or '(' but found end of filter");
	bad("tcp port 80", "filter: column 5: expected 'and', 'or' or the end but found 'port'");
	bad("(tcp or udp", "filter: column 12: expected ')' to close '(' at column 1 but found end "
			   "of filter");
	bad("tcp)", "filter: column 4: ')' without a matching '('");
	bad("tcp and", "filter: column 8: expected a primitive (host, src, dst, net, port, sport, "
		       "dport, proto, tcp, udp, icmp, after, before), 'not' or '(' but found end of "
		       "filter");
	bad("HOST 1.2.3.4", "filter: column 1: expected a primitive (host, src, dst, net, port, "
			    "sport, dport, proto, tcp, udp, icmp, after, before), 'not' or '(' but "
			    "found 'HOST'");
}

KS_TEST(flow_filter_span)
{
	struct ks_flow_filter *f;
	char err[256];
	int64_t s, u;
	static const struct {
		const char *expr;
		int64_t since, until;
	} cases[] = {
		{"tcp", 0, 0},
		{"after 2026-11-22", T0, 0},
		{"before 2026-11-22", 0, T0},
		{"tcp and after 2026-11-22 and before 2026-11-23", T0, T0 + 86400000},
		{"after 2026-11-22 or tcp", 0, 0},
		{"(after 2026-11-22 and before 2026-11-23) or (after 2026-11-25 and before 2026-11-26)",
		 T0, T0 + 4 * 86400000LL},
		{"not after 2026-11-22", 0, 0},
		{"after 2026-11-21 and (after 2026-11-22 or before 2026-11-20)", T0 - 86400000, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		CHECK_EQ_U64(ks_flow_filter_parse(cases[i].expr, &f, err, sizeof err), 0);
		ks_flow_filter_span(f, &s, &u);
		CHECK_EQ_U64(s, cases[i].since);
		CHECK_EQ_U64(u, cases[i].until);
		ks_flow_filter_free(f);
	}
	ks_flow_filter_free(NULL);
}
