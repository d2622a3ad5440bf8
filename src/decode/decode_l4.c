/* SPDX-License-Identifier: BSD-2-Clause */
/* Upper-layer stage of the packet decoder: reads the TCP, UDP, ICMP and
 * ICMPv6 header fields that classification uses (ports, sequence numbers,
 * flags, ICMP type and code). Called from ks_decode() after the IPv4 or
 * IPv6 stage, never for later fragments. Other protocols (GRE, ESP, SCTP,
 * No Next Header ...) are accepted with l4_ok 0.
 *
 * specification: RFC 9293 (TCP), RFC 768 (UDP), RFC 792 (ICMP),
 * RFC 4443 (ICMPv6)
 *
 * TCP, 20 octets before options:
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Source Port          |       Destination Port        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                        Sequence Number                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    Acknowledgment Number                      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Checksum            |         Urgent Pointer        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * UDP, 8 octets:   | Source Port | Destination Port | Length | Checksum |
 * ICMP / ICMPv6:   | Type | Code | Checksum | ... (only Type and Code read)
 *
 * Checksums are not verified (see decode_ipv4.c). */
#include <stddef.h>
#include <stdint.h>

#include "decode_int.h"

#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMPV6 58

#define TCP_MIN_HDR 20
#define UDP_HDR 8

/* A first fragment holds only the start of the datagram, so the UDP length
 * and the TCP header length may rightly reach past this packet's payload;
 * only the lower bounds are checked then. */
static enum ks_decode_result tcp(struct ks_rd *r, uint32_t plen, struct ks_pkt *out,
				 struct ks_decode_stats *st)
{
	struct ks_rd h = ks_dec_sub(r, TCP_MIN_HDR);
	uint16_t sport = ks_rd_be16(&h);
	uint16_t dport = ks_rd_be16(&h);
	uint32_t seq = ks_rd_be32(&h);
	uint32_t ack = ks_rd_be32(&h);
	uint8_t off = ks_rd_u8(&h) >> 4;
	uint8_t flags = ks_rd_u8(&h);
	if (ks_rd_err(&h))
		return ks_dec_bad(st, KS_DEC_TCP_TRUNC);
	if (off < TCP_MIN_HDR / 4 || (out->frag == KS_FRAG_NONE && off * 4u > plen))
		return ks_dec_bad(st, KS_DEC_TCP_BAD_OFF);
	out->sport = sport;
	out->dport = dport;
	out->seq = seq;
	out->ack = ack;
	out->tcp_flags = flags;
	out->l4_ok = 1;
	return KS_DECODE_OK;
}

static enum ks_decode_result udp(struct ks_rd *r, uint32_t plen, struct ks_pkt *out,
				 struct ks_decode_stats *st)
{
	struct ks_rd h = ks_dec_sub(r, UDP_HDR);
	uint16_t sport = ks_rd_be16(&h);
	uint16_t dport = ks_rd_be16(&h);
	uint16_t len = ks_rd_be16(&h);
	if (ks_rd_err(&h))
		return ks_dec_bad(st, KS_DEC_UDP_TRUNC);
	if (len < UDP_HDR || (out->frag == KS_FRAG_NONE && len > plen))
		return ks_dec_bad(st, KS_DEC_UDP_BAD_LEN);
	out->sport = sport;
	out->dport = dport;
	out->udp_len = len;
	out->payload = r->base + r->off;
	out->l4_ok = 1;
	return KS_DECODE_OK;
}

/* ICMP and ICMPv6 share the first two octets. Everything after them depends
 * on the type and is left to whoever needs it, so a short message that still
 * has its type and code is accepted. */
static enum ks_decode_result icmp(struct ks_rd *r, struct ks_pkt *out, struct ks_decode_stats *st,
				  enum ks_decode_counter trunc)
{
	struct ks_rd h = ks_dec_sub(r, 2);
	uint8_t type = ks_rd_u8(&h);
	uint8_t code = ks_rd_u8(&h);
	if (ks_rd_err(&h))
		return ks_dec_bad(st, trunc);
	out->icmp_type = type;
	out->icmp_code = code;
	out->l4_ok = 1;
	return KS_DECODE_OK;
}

/* Dispatches on the protocol number alone: ICMP in IPv6 or ICMPv6 in IPv4 is
 * nonsense, but its first two octets read the same way and a telescope
 * would rather see such a packet's type than lose it. */
enum ks_decode_result ks_dec_l4(struct ks_rd *r, uint32_t plen, struct ks_pkt *out,
				struct ks_decode_stats *st)
{
	switch (out->proto) {
	case PROTO_TCP:
		return tcp(r, plen, out, st);
	case PROTO_UDP:
		return udp(r, plen, out, st);
	case PROTO_ICMP:
		return icmp(r, out, st, KS_DEC_ICMP_TRUNC);
	case PROTO_ICMPV6:
		return icmp(r, out, st, KS_DEC_ICMPV6_TRUNC);
	default:
		return KS_DECODE_OK;
	}
}
