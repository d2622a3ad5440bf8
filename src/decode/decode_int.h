/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal interface between the stages of the packet decoder (decode.h is
 * the public contract). ks_decode() in decode.c runs the stages in order:
 *
 *   link (decode_link.c) -> IPv4 / IPv6 (decode_ipv4.c, decode_ipv6.c)
 *                        -> TCP / UDP / ICMP / ICMPv6 (decode_l4.c)
 *
 * Every stage reads through one struct ks_rd over the captured frame,
 * consumes its own header from it, and either hands the reader on or
 * returns KS_DECODE_MALFORMED after adding one to exactly one counter.
 * Stages write only their own fields of struct ks_pkt. Nothing here is
 * for use outside src/decode/. */
#ifndef KS_DECODE_INT_H
#define KS_DECODE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "ks_rd.h"

/* Link types, by their libpcap LINKTYPE_* / DLT_* values. DLT_RAW is 12 on
 * most systems and 14 on OpenBSD; capture files normally carry 101. */
#define KS_DLT_NULL 0
#define KS_DLT_EN10MB 1
#define KS_DLT_RAW_12 12
#define KS_DLT_RAW_14 14
#define KS_DLT_RAW 101
#define KS_DLT_LOOP 108
#define KS_DLT_LINUX_SLL 113
#define KS_DLT_IPV4 228
#define KS_DLT_IPV6 229
#define KS_DLT_LINUX_SLL2 276

#define KS_ETH_IPV4 0x0800
#define KS_ETH_IPV6 0x86dd
#define KS_ETH_8021Q 0x8100
#define KS_ETH_8021AD 0x88a8
#define KS_ETH_QINQ_OLD 0x9100 /* pre-802.1ad vendor QinQ tag */

#define KS_DEC_VLAN_MAX 4    /* tags accepted before KS_DEC_VLAN_TOO_DEEP */
#define KS_DEC_IPV6_EXT_MAX 8 /* extension headers before KS_DEC_IPV6_EXT_LIMIT */

/* What the link layer says follows its header. */
enum ks_dec_l3 {
	KS_DEC_L3_OTHER = 0, /* not IP: the frame is counted as KS_DEC_NON_IP */
	KS_DEC_L3_IPV4,
	KS_DEC_L3_IPV6,
};

/* Counts a malformed packet under c and returns KS_DECODE_MALFORMED, so a
 * stage can write "return ks_dec_bad(st, KS_DEC_...);". */
static inline enum ks_decode_result ks_dec_bad(struct ks_decode_stats *st,
					       enum ks_decode_counter c)
{
	st->c[c]++;
	return KS_DECODE_MALFORMED;
}

/* Child reader over the next n bytes of r; failed (KS_ETRUNC) if fewer
 * remain, and then r fails too. Same contract as ks_rd_sub(), written
 * inline because ks_rd_sub() lives out of line in ks_rd.c: with this one a
 * fixed-size header costs one bounds check, after which the compiler can
 * prove every field read in range and drop the per-field checks. */
static inline struct ks_rd ks_dec_sub(struct ks_rd *r, size_t n)
{
	const uint8_t *p = ks_rd_take(r, n);
	struct ks_rd c = ks_rd_make(p, p ? n : 0);
	if (!p)
		c.err = KS_ETRUNC;
	return c;
}

/* Link stages (decode_link.c). Each consumes its link header (and any VLAN
 * tags) from r, records VLAN tags in out, and stores in *l3 what follows.
 * KS_DECODE_OK, or KS_DECODE_MALFORMED (counted: KS_DEC_LINK_TRUNC or
 * KS_DEC_VLAN_TOO_DEEP). */
enum ks_decode_result ks_dec_ether(struct ks_rd *r, struct ks_pkt *out, struct ks_decode_stats *st,
				   enum ks_dec_l3 *l3);
enum ks_decode_result ks_dec_sll(struct ks_rd *r, struct ks_pkt *out, struct ks_decode_stats *st,
				 enum ks_dec_l3 *l3);
enum ks_decode_result ks_dec_sll2(struct ks_rd *r, struct ks_pkt *out, struct ks_decode_stats *st,
				  enum ks_dec_l3 *l3);
enum ks_decode_result ks_dec_null(struct ks_rd *r, struct ks_decode_stats *st, enum ks_dec_l3 *l3);
enum ks_decode_result ks_dec_loop(struct ks_rd *r, struct ks_decode_stats *st, enum ks_dec_l3 *l3);
/* Raw IP has no header: peeks at the version nibble (6 -> IPv6, anything
 * else -> IPv4, whose version check then counts it). Never fails. */
enum ks_decode_result ks_dec_raw(const struct ks_rd *r, enum ks_dec_l3 *l3);

/* Network stages (decode_ipv4.c, decode_ipv6.c). r is positioned at the IP
 * header; wire is the number of bytes the frame had on the wire from that
 * position on (wirelen minus the link header), used to tell a lying length
 * field (KS_DEC_IP_LEN_MISMATCH) from a snapped capture. On KS_DECODE_OK the
 * addresses, ipver, proto, ttl, ip_id, ip_len and frag of out are set, *r is
 * narrowed to the upper-layer payload as captured (trailing link padding
 * dropped, never past caplen) and *plen holds the upper-layer length the
 * header declares (>= ks_rd_left(r); larger only when snapped). On
 * KS_DECODE_MALFORMED one counter was incremented, and ipver != 0 if the
 * fixed header was read. */
enum ks_decode_result ks_dec_ipv4(struct ks_rd *r, size_t wire, struct ks_pkt *out,
				  struct ks_decode_stats *st, uint32_t *plen);
enum ks_decode_result ks_dec_ipv6(struct ks_rd *r, size_t wire, struct ks_pkt *out,
				  struct ks_decode_stats *st, uint32_t *plen);

/* Upper layer (decode_l4.c) for out->proto, given the payload reader and the
 * declared payload length from the network stage. Must not be called for
 * later fragments. Sets l4_ok and the L4 fields for TCP, UDP, ICMP and
 * ICMPv6; other protocols are KS_DECODE_OK with l4_ok 0. */
enum ks_decode_result ks_dec_l4(struct ks_rd *r, uint32_t plen, struct ks_pkt *out,
				struct ks_decode_stats *st);

#endif
