/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the NTP and CoAP probes (src/probe/probe_ntp.h,
 * probe_coap.h): request bytes, a chrony-like stratum-2 reply, a stratum-1
 * GPS reply, a Kiss-o'-Death, a CoAP /.well-known/core reply in link
 * format (libcoap/Californium style), resets, malformed datagrams and
 * truncation at every length. */
#include <stdint.h>
#include <string.h>

#include "probe.h"
#include "probe_coap.h"
#include "probe_ntp.h"
#include "probe_test.h"

#define XMT 0xeb1d5e8a12345678ull /* the probe's transmit timestamp */

static const uint8_t ntp_s2[48] = {
	0x24, 0x02, 0x03, 0xe8, 0x00, 0x00, 0x0a, 0x3b, 0x00, 0x00, 0x0d, 0x1c,
	198, 51, 100, 7,                                 /* refid: upstream server */
	0xeb, 0x1d, 0x5e, 0x10, 0x00, 0x00, 0x00, 0x00,  /* reference */
	0xeb, 0x1d, 0x5e, 0x8a, 0x12, 0x34, 0x56, 0x78,  /* origin = XMT */
	0xeb, 0x1d, 0x5e, 0x8b, 0x40, 0x00, 0x00, 0x00,  /* receive */
	0xeb, 0x1d, 0x5e, 0x8b, 0x40, 0x01, 0x00, 0x00}; /* transmit */

static int ntp_parse_xmt(const uint8_t *p, size_t n, struct ks_ntp *o)
{
	return ks_ntp_parse(p, n, XMT, o);
}

KS_TEST(ntp_request_and_replies)
{
	uint8_t b[64];
	size_t len;
	CHECK_EQ_U64(ks_ntp_request(b, sizeof b, XMT, &len), 0);
	CHECK_EQ_U64(len, 48);
	CHECK_EQ_U64(b[0], 0x23);
	CHECK(memcmp(b + 40, ntp_s2 + 24, 8) == 0);
	CHECK_EQ_U64(ks_ntp_request(b, 47, XMT, &len), KS_ELIMIT);

	static struct ks_ntp t;
	CHECK_EQ_U64(ks_ntp_parse(ntp_s2, sizeof ntp_s2, XMT, &t), 0);
	CHECK_EQ_U64(t.version, 4);
	CHECK_EQ_U64(t.mode, 4);
	CHECK_EQ_U64(t.stratum, 2);
	CHECK_EQ_U64((uint64_t)(int64_t)t.precision, (uint64_t)(int64_t)-24);
	CHECK_STR(t.refid_text, "198.51.100.7");
	CHECK(t.origin_matches && !t.kiss);
	CHECK_EQ_U64(t.transmit, 0xeb1d5e8b40010000ull);
	CHECK_DGRAM_PREFIXES(ntp_parse_xmt, struct ks_ntp, ntp_s2, sizeof ntp_s2);
	CHECK_EQ_U64(ks_ntp_parse(ntp_s2, sizeof ntp_s2, XMT + 1, &t), 0);
	CHECK(!t.origin_matches);

	static uint8_t b2[48];
	memcpy(b2, ntp_s2, 48);
	b2[1] = 1;
	memcpy(b2 + 12, "GPS\0", 4);
	CHECK_EQ_U64(ks_ntp_parse(b2, 48, XMT, &t), 0);
	CHECK_STR(t.refid_text, "GPS");
	b2[0] = 0xe4, b2[1] = 0; /* LI 3, stratum 0: Kiss-o'-Death */
	memcpy(b2 + 12, "RATE", 4);
	CHECK_EQ_U64(ks_ntp_parse(b2, 48, XMT, &t), 0);
	CHECK(t.kiss);
	CHECK_EQ_U64(t.leap, 3);
	CHECK_STR(t.refid_text, "RATE");
	b2[0] = 0x23; /* our own request reflected */
	CHECK_EQ_U64(ks_ntp_parse(b2, 48, XMT, &t), KS_EINVAL);
	b2[0] = 0x3c; /* version 7 */
	CHECK_EQ_U64(ks_ntp_parse(b2, 48, XMT, &t), KS_EINVAL);
}

/* 2.05 Content, piggybacked ACK, Content-Format 40, link-format payload. */
static const uint8_t coap_core[] = {
	0x64, 0x45, 0x12, 0x34, 0xca, 0xfe, 0xba, 0xbe, /* ACK, TKL 4, 2.05, mid, token */
	0xc1, 0x28,                                     /* option 12 (delta 12), len 1: 40 */
	0xff,
	'<', '/', 's', 'e', 'n', 's', 'o', 'r', 's', '/', 't', 'e', 'm', 'p', '>', ';', 'r', 't',
	'=', '"', 't', 'e', 'm', 'p', ',', '<', 'x', '>', '"', ';', 'i', 'f', '=', '"', 's', 'e',
	'n', 's', 'o', 'r', '"', ',', '<', '/', 'l', 'i', 'g', 'h', 't', '>', ',', '<', '/', 'f',
	'w', '>'};

static int coap_parse_ours(const uint8_t *p, size_t n, struct ks_coap *o)
{
	return ks_coap_parse(p, n, 0x1234, 0xcafebabe, o);
}

KS_TEST(coap_well_known_core)
{
	uint8_t b[64];
	size_t len;
	static const uint8_t req[] = {0x44, 0x01, 0x12, 0x34, 0xca, 0xfe, 0xba, 0xbe, 0xbb, '.',
				      'w',  'e',  'l',  'l',  '-',  'k',  'n',  'o',  'w',  'n',
				      0x04, 'c',  'o',  'r',  'e'};
	CHECK_EQ_U64(ks_coap_request(b, sizeof b, 0x1234, 0xcafebabe, &len), 0);
	CHECK_EQ_U64(len, sizeof req);
	CHECK(memcmp(b, req, sizeof req) == 0);
	CHECK_EQ_U64(ks_coap_request(b, 10, 1, 1, &len), KS_ELIMIT);

	static struct ks_coap c;
	CHECK_EQ_U64(coap_parse_ours(coap_core, sizeof coap_core, &c), 0);
	CHECK_EQ_U64(c.type, 2);
	CHECK_EQ_U64(c.code_class, 2);
	CHECK_EQ_U64(c.code_detail, 5);
	CHECK(c.has_format);
	CHECK_EQ_U64(c.content_format, 40);
	CHECK_EQ_U64(c.resources, 3); /* "<x>" inside quotes is not a link */
	CHECK_STR(c.paths, "/sensors/temp,/light,/fw");

	/* Prefixes: before the payload they fail; inside it they parse with
	 * fewer links, never crash. */
	for (size_t i = 0; i < sizeof coap_core; i++) {
		uint8_t *p = malloc(i ? i : 1);
		memcpy(p, coap_core, i);
		int rc = coap_parse_ours(p, i, &c);
		free(p);
		CHECK(i < 8 ? rc == KS_ETRUNC : rc == 0 || rc == KS_EINVAL || rc == KS_ETRUNC);
		CHECK(i != 9 || rc == KS_ETRUNC);
		CHECK(i != 11 || rc == KS_EINVAL); /* marker with no payload */
	}
}

KS_TEST(coap_malformed_and_reset)
{
	static struct ks_coap c;
	static uint8_t b[sizeof coap_core];
	CHECK_EQ_U64(coap_parse_ours((const uint8_t *)"\x70\x00\x12\x34", 4, &c), 0); /* RST */
	CHECK_EQ_U64(c.type, 3);
	CHECK_EQ_U64(coap_parse_ours((const uint8_t *)"\x70\x00\x12\x35", 4, &c), KS_EINVAL);
	memcpy(b, coap_core, sizeof b);
	b[0] = 0xa4; /* version 2 */
	CHECK_EQ_U64(coap_parse_ours(b, sizeof b, &c), KS_EINVAL);
	memcpy(b, coap_core, sizeof b);
	b[1] = 0x01; /* a request code */
	CHECK_EQ_U64(coap_parse_ours(b, sizeof b, &c), KS_EINVAL);
	memcpy(b, coap_core, sizeof b);
	b[7] ^= 1; /* token */
	CHECK_EQ_U64(coap_parse_ours(b, sizeof b, &c), KS_EINVAL);
	memcpy(b, coap_core, sizeof b);
	b[3] ^= 1; /* message id of an ACK */
	CHECK_EQ_U64(coap_parse_ours(b, sizeof b, &c), KS_EINVAL);
	b[0] = 0x54; /* ... a NON separate response may carry another id */
	CHECK_EQ_U64(coap_parse_ours(b, sizeof b, &c), 0);
	memcpy(b, coap_core, sizeof b);
	b[8] = 0xf1; /* delta nibble 15 */
	CHECK_EQ_U64(coap_parse_ours(b, sizeof b, &c), KS_EINVAL);
	b[8] = 0xd0; /* delta 13 + next byte (40): option 53, empty */
	CHECK_EQ_U64(coap_parse_ours(b, sizeof b, &c), 0);
	CHECK(!c.has_format);
	/* 33 empty options. */
	static uint8_t many[8 + 33];
	memcpy(many, coap_core, 8);
	memset(many + 8, 0x10, 33);
	CHECK_EQ_U64(coap_parse_ours(many, sizeof many, &c), KS_ELIMIT);
}
