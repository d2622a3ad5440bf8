/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv6 stage of the packet decoder: validates the fixed header, walks the
 * extension header chain to the upper-layer protocol, classifies fragments
 * and narrows the reader to the upper-layer payload. Called from ks_decode()
 * after the link stage.
 *
 * specification: RFC 8200 (IPv6, extension headers, fragment header),
 * RFC 4302 (AH length), RFC 6946 (atomic fragments), RFC 2675 (jumbograms:
 * recognised only to be refused)
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version| Traffic Class |           Flow Label                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Source Address (16 octets)                     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |              Destination Address (16 octets)                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Hop-by-hop (0), routing (43), destination options (60):
 *   | Next Header | Hdr Ext Len |  ...  (Hdr Ext Len + 1) * 8 octets in all
 * Authentication header (51):
 *   | Next Header | Payload Len |  ...  (Payload Len + 2) * 4 octets in all
 * Fragment (44), 8 octets:
 *   | Next Header |  Reserved   |   Fragment Offset (13) |Res|M|
 *   |                      Identification                      |
 *
 * ESP (50) and everything else ends the walk: its number becomes
 * struct ks_pkt.proto. No Next Header (59) is such an end too; the upper
 * stage reports it as an OK packet with no L4 fields. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode_int.h"

#define IPV6_HDR 40
#define IP6_HOPOPTS 0
#define IP6_ROUTING 43
#define IP6_FRAGMENT 44
#define IP6_AH 51
#define IP6_DSTOPTS 60
#define IP6_FRAG_HDR 8

static int is_ext_header(uint8_t nxt)
{
	return nxt == IP6_HOPOPTS || nxt == IP6_ROUTING || nxt == IP6_FRAGMENT || nxt == IP6_AH ||
	       nxt == IP6_DSTOPTS;
}

enum ks_decode_result ks_dec_ipv6(struct ks_rd *r, size_t wire, struct ks_pkt *out,
				  struct ks_decode_stats *st, uint32_t *plen)
{
	struct ks_rd start = *r;
	struct ks_rd h = ks_dec_sub(r, IPV6_HDR);
	uint32_t vtcfl = ks_rd_be32(&h);
	uint16_t pay_len = ks_rd_be16(&h);
	uint8_t nxt = ks_rd_u8(&h);
	uint8_t hlim = ks_rd_u8(&h);
	const uint8_t *src = ks_rd_bytes(&h, 16);
	const uint8_t *dst = ks_rd_bytes(&h, 16);
	if (ks_rd_err(&h)) {
		/* Cold path: a short frame of the wrong version counts as that. */
		uint8_t v = ks_rd_u8(&start);
		if (!ks_rd_err(&start) && v >> 4 != 6)
			return ks_dec_bad(st, KS_DEC_IPV6_BAD_VER);
		return ks_dec_bad(st, KS_DEC_IPV6_TRUNC);
	}
	if (vtcfl >> 28 != 6)
		return ks_dec_bad(st, KS_DEC_IPV6_BAD_VER);

	out->ipver = 6;
	out->proto = nxt;
	out->ttl = hlim;
	out->ip_len = IPV6_HDR + (uint32_t)pay_len;
	memcpy(out->src.b, src, 16);
	memcpy(out->dst.b, dst, 16);

	if (IPV6_HDR + (size_t)pay_len > wire)
		return ks_dec_bad(st, KS_DEC_IP_LEN_MISMATCH);
	/* A zero payload length with a hop-by-hop header and bytes behind it is
	 * a jumbogram (RFC 2675), or Linux BIG TCP captured before
	 * segmentation. Its real length is in an option we do not parse, so the
	 * declared length does not describe the packet. */
	if (pay_len == 0 && nxt == IP6_HOPOPTS && wire > IPV6_HDR)
		return ks_dec_bad(st, KS_DEC_IP_LEN_MISMATCH);

	/* Bounded by the payload length (dropping link padding) and by caplen. */
	size_t have = ks_rd_left(r);
	struct ks_rd p = ks_dec_sub(r, pay_len < have ? pay_len : have);
	uint32_t left = pay_len; /* declared octets not yet consumed */

	/* Each turn consumes at least 8 octets and the count is capped, so a
	 * chain of headers pointing at each other ends quickly. */
	for (unsigned n = 0; is_ext_header(nxt); n++) {
		if (n == KS_DEC_IPV6_EXT_MAX)
			return ks_dec_bad(st, KS_DEC_IPV6_EXT_LIMIT);
		struct ks_rd peek = p;
		uint8_t next = ks_rd_u8(&peek);
		uint8_t hl = ks_rd_u8(&peek);
		if (ks_rd_err(&peek))
			return ks_dec_bad(st, KS_DEC_IPV6_EXT_TRUNC);
		size_t len;
		if (nxt == IP6_FRAGMENT)
			len = IP6_FRAG_HDR;
		else if (nxt == IP6_AH)
			len = ((size_t)hl + 2) * 4;
		else
			len = ((size_t)hl + 1) * 8;
		/* p ends at the declared payload length or at caplen, whichever
		 * is first: a header running past either is truncated. */
		struct ks_rd x = ks_dec_sub(&p, len);
		if (ks_rd_err(&x))
			return ks_dec_bad(st, KS_DEC_IPV6_EXT_TRUNC);
		left -= (uint32_t)len;
		if (nxt == IP6_FRAGMENT) {
			ks_rd_skip(&x, 2);
			uint16_t off_m = ks_rd_be16(&x);
			if (off_m >> 3) {
				/* No upper-layer header here; next says which
				 * protocol the reassembled payload starts with. */
				out->frag = KS_FRAG_LATER;
				out->proto = next;
				break;
			}
			/* Offset 0 without M is an atomic fragment (RFC 6946):
			 * a whole packet, decoded as unfragmented. */
			if (off_m & 1)
				out->frag = KS_FRAG_FIRST;
		}
		nxt = next;
		out->proto = nxt;
	}
	/* Once per packet, however many fragment headers it stacks. */
	if (out->frag != KS_FRAG_NONE)
		st->c[KS_DEC_FRAGMENTS]++;

	*r = p;
	*plen = left;
	return KS_DECODE_OK;
}
