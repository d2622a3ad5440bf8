/* SPDX-License-Identifier: BSD-2-Clause */
/* IPv4 stage of the packet decoder: validates the header and its options,
 * fills the network fields of struct ks_pkt, classifies fragments and
 * narrows the reader to the payload for the upper-layer stage. Called from
 * ks_decode() after the link stage.
 *
 * specification: RFC 791 (IPv4; options in 3.1, fragmentation in 2.3 and 3.2)
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Identification        |Flags|      Fragment Offset    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Source Address                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Destination Address                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Options                    |    Padding    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Flags: bit 0 reserved, bit 1 DF, bit 2 MF. Offset in 8-octet units.
 *
 * Checks, in order, each with its own counter: header captured (truncated),
 * version 4, IHL >= 5, total length >= IHL * 4, total length no larger than
 * the frame was on the wire (length mismatch), options captured (truncated)
 * and well formed. The header checksum is not verified: a telescope records
 * what arrives, and checksum offload makes it unreliable in local captures. */
#include <stddef.h>
#include <stdint.h>

#include "decode_int.h"

#define IPV4_MIN_HDR 20
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff

#define IPOPT_EOL 0 /* end of option list; the rest of the header is padding */
#define IPOPT_NOP 1 /* single-octet filler */

/* Walks the options as type-length-value entries (RFC 791 3.1): every
 * option other than EOL and NOP carries a length octet that counts the type
 * and length octets too, so it is at least 2 and must fit in what is left.
 * Returns 1 if well formed. The options are at most 40 octets and every turn
 * consumes at least one, so the loop is bounded. */
static int options_ok(struct ks_rd *o)
{
	while (ks_rd_left(o) > 0) {
		uint8_t type = ks_rd_u8(o);
		if (type == IPOPT_EOL)
			return 1;
		if (type == IPOPT_NOP)
			continue;
		uint8_t len = ks_rd_u8(o);
		if (ks_rd_err(o) || len < 2)
			return 0;
		ks_rd_skip(o, len - 2u);
		if (ks_rd_err(o))
			return 0;
	}
	return 1;
}

enum ks_decode_result ks_dec_ipv4(struct ks_rd *r, size_t wire, struct ks_pkt *out,
				  struct ks_decode_stats *st, uint32_t *plen)
{
	struct ks_rd start = *r;
	struct ks_rd h = ks_dec_sub(r, IPV4_MIN_HDR);
	uint8_t vhl = ks_rd_u8(&h);
	ks_rd_skip(&h, 1); /* type of service */
	uint16_t tot_len = ks_rd_be16(&h);
	uint16_t id = ks_rd_be16(&h);
	uint16_t frag = ks_rd_be16(&h);
	uint8_t ttl = ks_rd_u8(&h);
	uint8_t proto = ks_rd_u8(&h);
	ks_rd_skip(&h, 2); /* header checksum */
	uint32_t src = ks_rd_be32(&h);
	uint32_t dst = ks_rd_be32(&h);
	if (ks_rd_err(&h)) {
		/* Only on this cold path look at the first octet alone, so that
		 * a short frame of some other version is counted as that. */
		uint8_t v = ks_rd_u8(&start);
		if (!ks_rd_err(&start) && v >> 4 != 4)
			return ks_dec_bad(st, KS_DEC_IPV4_BAD_VER);
		return ks_dec_bad(st, KS_DEC_IPV4_TRUNC);
	}
	if (vhl >> 4 != 4)
		return ks_dec_bad(st, KS_DEC_IPV4_BAD_VER);

	/* From here the fixed header is in hand, so even a malformed packet
	 * reports who sent it. */
	out->ipver = 4;
	out->proto = proto;
	out->ttl = ttl;
	out->ip_id = id;
	out->ip_len = tot_len;
	ks_addr_from_v4(&out->src, src);
	ks_addr_from_v4(&out->dst, dst);

	size_t hlen = (size_t)(vhl & 0x0f) * 4;
	if (hlen < IPV4_MIN_HDR)
		return ks_dec_bad(st, KS_DEC_IPV4_IHL_SMALL);
	if (tot_len < hlen)
		return ks_dec_bad(st, KS_DEC_IPV4_BAD_LEN);
	/* Compared with the wire length, not caplen: a snapped capture holds
	 * fewer bytes than the header says, and that is no fault of the
	 * packet's. */
	if (tot_len > wire)
		return ks_dec_bad(st, KS_DEC_IP_LEN_MISMATCH);
	if (hlen > IPV4_MIN_HDR) {
		struct ks_rd opt = ks_dec_sub(r, hlen - IPV4_MIN_HDR);
		if (ks_rd_err(&opt))
			return ks_dec_bad(st, KS_DEC_IPV4_TRUNC);
		if (!options_ok(&opt))
			return ks_dec_bad(st, KS_DEC_IPV4_BAD_OPT);
	}

	uint16_t offset = frag & IPV4_OFFSET_MASK;
	if (offset != 0)
		out->frag = KS_FRAG_LATER;
	else if (frag & IPV4_MF)
		out->frag = KS_FRAG_FIRST;
	if (out->frag != KS_FRAG_NONE)
		st->c[KS_DEC_FRAGMENTS]++;

	/* Drop what follows the IP packet (Ethernet pads to 60 octets) and
	 * never reach past what was captured. */
	size_t payload = tot_len - hlen;
	size_t have = ks_rd_left(r);
	*r = ks_dec_sub(r, payload < have ? payload : have);
	*plen = (uint32_t)payload;
	return KS_DECODE_OK;
}
