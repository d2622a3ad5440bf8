/* SPDX-License-Identifier: BSD-2-Clause */
/* Packet decoder entry point: picks the link stage for the capture's link
 * type, then runs the network and upper-layer stages (decode_int.h draws the
 * pipeline). This is the first step of every packet after capture; darknet
 * classification, flow and scan-response handling consume struct ks_pkt.
 *
 * specification: libpcap link-layer header types (tcpdump.org/linktypes.html);
 * the per-layer files name their RFCs.
 *
 * Hot path: no allocation, no global state, one struct ks_pkt (one cache
 * line) cleared per packet. */
#include "decode.h"

#include <stddef.h>

#include "decode_int.h"

/* Indexed by enum ks_decode_counter. These names appear in statistics output
 * and are matched by scripts: never rename one, only add. */
static const char *const counter_names[KS_DEC__MAX] = {
	[KS_DEC_PACKETS] = "decode.packets",
	[KS_DEC_NON_IP] = "decode.non_ip",
	[KS_DEC_LINK_TRUNC] = "decode.link.truncated",
	[KS_DEC_VLAN_TOO_DEEP] = "decode.vlan.too_deep",
	[KS_DEC_IPV4_TRUNC] = "decode.ipv4.truncated",
	[KS_DEC_IPV4_IHL_SMALL] = "decode.ipv4.ihl_too_small",
	[KS_DEC_IPV4_BAD_LEN] = "decode.ipv4.bad_total_length",
	[KS_DEC_IPV4_BAD_OPT] = "decode.ipv4.bad_options",
	[KS_DEC_IPV4_BAD_VER] = "decode.ipv4.bad_version",
	[KS_DEC_IPV6_TRUNC] = "decode.ipv6.truncated",
	[KS_DEC_IPV6_BAD_VER] = "decode.ipv6.bad_version",
	[KS_DEC_IPV6_EXT_TRUNC] = "decode.ipv6.ext_truncated",
	[KS_DEC_IPV6_EXT_LIMIT] = "decode.ipv6.ext_limit",
	[KS_DEC_IP_LEN_MISMATCH] = "decode.ip.length_mismatch",
	[KS_DEC_TCP_TRUNC] = "decode.tcp.truncated",
	[KS_DEC_TCP_BAD_OFF] = "decode.tcp.bad_data_offset",
	[KS_DEC_UDP_TRUNC] = "decode.udp.truncated",
	[KS_DEC_UDP_BAD_LEN] = "decode.udp.bad_length",
	[KS_DEC_ICMP_TRUNC] = "decode.icmp.truncated",
	[KS_DEC_ICMPV6_TRUNC] = "decode.icmpv6.truncated",
	[KS_DEC_FRAGMENTS] = "decode.fragments",
};

/* Out-of-range values get a fixed name rather than NULL so that a caller
 * printing a table can never crash on a counter added later. */
const char *ks_decode_counter_name(enum ks_decode_counter c)
{
	if ((unsigned)c >= KS_DEC__MAX || !counter_names[c])
		return "decode.unknown";
	return counter_names[c];
}

enum ks_decode_result ks_decode(int linktype, const uint8_t *p, uint32_t caplen, uint32_t wirelen,
				struct ks_pkt *out, struct ks_decode_stats *st)
{
	struct ks_rd r = ks_rd_make(p, caplen);
	enum ks_dec_l3 l3 = KS_DEC_L3_OTHER;
	enum ks_decode_result res;
	uint32_t plen = 0;

	/* The whole struct is one cache line; clearing it is a few stores and
	 * means no field can carry over from the previous packet. */
	*out = (struct ks_pkt){0};
	st->c[KS_DEC_PACKETS]++;

	switch (linktype) {
	case KS_DLT_EN10MB:
		res = ks_dec_ether(&r, out, st, &l3);
		break;
	case KS_DLT_LINUX_SLL:
		res = ks_dec_sll(&r, out, st, &l3);
		break;
	case KS_DLT_LINUX_SLL2:
		res = ks_dec_sll2(&r, out, st, &l3);
		break;
	case KS_DLT_NULL:
		res = ks_dec_null(&r, st, &l3);
		break;
	case KS_DLT_LOOP:
		res = ks_dec_loop(&r, st, &l3);
		break;
	case KS_DLT_RAW:
	case KS_DLT_RAW_12:
	case KS_DLT_RAW_14:
		res = ks_dec_raw(&r, &l3);
		break;
	case KS_DLT_IPV4:
		res = KS_DECODE_OK;
		l3 = KS_DEC_L3_IPV4;
		break;
	case KS_DLT_IPV6:
		res = KS_DECODE_OK;
		l3 = KS_DEC_L3_IPV6;
		break;
	default:
		return KS_DECODE_BAD_LINK;
	}
	if (res != KS_DECODE_OK)
		return res;

	/* A capture file claiming wirelen < caplen is corrupt; trusting the
	 * bytes we hold is the lenient reading, and keeps wire >= 0 below. */
	size_t wire = (wirelen > caplen ? wirelen : caplen) - ks_rd_off(&r);

	switch (l3) {
	case KS_DEC_L3_IPV4:
		res = ks_dec_ipv4(&r, wire, out, st, &plen);
		break;
	case KS_DEC_L3_IPV6:
		res = ks_dec_ipv6(&r, wire, out, st, &plen);
		break;
	case KS_DEC_L3_OTHER:
	default:
		st->c[KS_DEC_NON_IP]++;
		return KS_DECODE_NOT_IP;
	}
	/* A later fragment carries no upper-layer header, only data. */
	if (res != KS_DECODE_OK || out->frag == KS_FRAG_LATER)
		return res;
	return ks_dec_l4(&r, plen, out, st);
}
