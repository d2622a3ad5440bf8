/* SPDX-License-Identifier: BSD-2-Clause */
/* Link-layer stage of the packet decoder: removes the link header of each
 * supported capture link type and says whether IPv4, IPv6 or something else
 * follows. Runs first, called from ks_decode(); the network stages follow.
 *
 * specification: libpcap link-layer header types
 * (https://www.tcpdump.org/linktypes.html), IEEE 802.3 (Ethernet II),
 * IEEE 802.1Q (C-tag 0x8100, S-tag 0x88a8; 0x9100 is the older vendor QinQ
 * tag still seen on carrier links).
 *
 * Ethernet (LINKTYPE_ETHERNET 1), tags repeat up to KS_DEC_VLAN_MAX times:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                  destination MAC (6 octets)                   |
 *   +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                               |                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+    source MAC (6 octets)      +
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  TPID 0x8100/0x88a8/0x9100    |PCP|D|        VLAN id          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          EtherType            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Linux cooked capture v1 (LINKTYPE_LINUX_SLL 113), 16 octets:
 *   packet type (2) | ARPHRD type (2) | address length (2) |
 *   link-layer address (8) | protocol (2, an EtherType)
 *
 * Linux cooked capture v2 (LINKTYPE_LINUX_SLL2 276), 20 octets:
 *   protocol (2) | reserved (2) | interface index (4) | ARPHRD type (2) |
 *   packet type (1) | address length (1) | link-layer address (8)
 *
 * BSD loopback (LINKTYPE_NULL 0): 4-octet address family in the byte order
 * of the capturing host. OpenBSD loopback (LINKTYPE_LOOP 108): the same in
 * network byte order. AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
 * OpenBSD), 28 (FreeBSD, DragonFly) or 30 (macOS).
 *
 * Raw IP (LINKTYPE_RAW 101, DLT_RAW 12 or 14): no header; the IP version
 * nibble tells IPv4 from IPv6. LINKTYPE_IPV4 (228) and LINKTYPE_IPV6 (229)
 * need no stage: ks_decode() goes straight to the network layer. */
#include <stddef.h>
#include <stdint.h>

#include "decode_int.h"

#define LINK_ETHER_LEN 14
#define LINK_SLL_LEN 16
#define LINK_SLL2_LEN 20
#define LINK_VLAN_TAG_LEN 4

#define BSD_AF_INET 2
#define BSD_AF_INET6_BSD 24
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

static int is_vlan_tpid(uint16_t type)
{
	return type == KS_ETH_8021Q || type == KS_ETH_8021AD || type == KS_ETH_QINQ_OLD;
}

/* Follows an EtherType (or the protocol field of a cooked header) through
 * any VLAN tags to the network protocol. Each turn consumes one 4-octet tag
 * and the loop stops after KS_DEC_VLAN_MAX, so a frame made only of tags
 * cannot keep us here. */
static enum ks_decode_result ethertype(struct ks_rd *r, uint16_t type, struct ks_pkt *out,
				       struct ks_decode_stats *st, enum ks_dec_l3 *l3)
{
	while (is_vlan_tpid(type)) {
		if (out->nvlan == KS_DEC_VLAN_MAX)
			return ks_dec_bad(st, KS_DEC_VLAN_TOO_DEEP);
		struct ks_rd tag = ks_dec_sub(r, LINK_VLAN_TAG_LEN);
		uint16_t tci = ks_rd_be16(&tag);
		type = ks_rd_be16(&tag);
		if (ks_rd_err(&tag))
			return ks_dec_bad(st, KS_DEC_LINK_TRUNC);
		/* struct ks_pkt keeps the outer two ids: those are the ones a
		 * provider's S-tag and customer C-tag carry. */
		if (out->nvlan < 2)
			out->vlan[out->nvlan] = tci & 0x0fff;
		out->nvlan++;
	}
	if (type == KS_ETH_IPV4)
		*l3 = KS_DEC_L3_IPV4;
	else if (type == KS_ETH_IPV6)
		*l3 = KS_DEC_L3_IPV6;
	else
		*l3 = KS_DEC_L3_OTHER; /* ARP, LLDP, 802.3 length field, MPLS ... */
	return KS_DECODE_OK;
}

enum ks_decode_result ks_dec_ether(struct ks_rd *r, struct ks_pkt *out, struct ks_decode_stats *st,
				   enum ks_dec_l3 *l3)
{
	struct ks_rd h = ks_dec_sub(r, LINK_ETHER_LEN);
	ks_rd_skip(&h, 12); /* MAC addresses: nothing downstream uses them */
	uint16_t type = ks_rd_be16(&h);
	if (ks_rd_err(&h))
		return ks_dec_bad(st, KS_DEC_LINK_TRUNC);
	return ethertype(r, type, out, st, l3);
}

/* Cooked captures normally have VLAN tags moved to metadata, but a tagged
 * protocol value does occur (tags not offloaded), so tags are followed here
 * too. */
enum ks_decode_result ks_dec_sll(struct ks_rd *r, struct ks_pkt *out, struct ks_decode_stats *st,
				 enum ks_dec_l3 *l3)
{
	struct ks_rd h = ks_dec_sub(r, LINK_SLL_LEN);
	ks_rd_skip(&h, 14);
	uint16_t proto = ks_rd_be16(&h);
	if (ks_rd_err(&h))
		return ks_dec_bad(st, KS_DEC_LINK_TRUNC);
	return ethertype(r, proto, out, st, l3);
}

enum ks_decode_result ks_dec_sll2(struct ks_rd *r, struct ks_pkt *out, struct ks_decode_stats *st,
				  enum ks_dec_l3 *l3)
{
	struct ks_rd h = ks_dec_sub(r, LINK_SLL2_LEN);
	uint16_t proto = ks_rd_be16(&h);
	if (ks_rd_err(&h))
		return ks_dec_bad(st, KS_DEC_LINK_TRUNC);
	return ethertype(r, proto, out, st, l3);
}

static enum ks_dec_l3 bsd_family(uint32_t af)
{
	switch (af) {
	case BSD_AF_INET:
		return KS_DEC_L3_IPV4;
	case BSD_AF_INET6_BSD:
	case BSD_AF_INET6_FREEBSD:
	case BSD_AF_INET6_DARWIN:
		return KS_DEC_L3_IPV6;
	default:
		return KS_DEC_L3_OTHER;
	}
}

/* The family is in the byte order of whichever host wrote the file, which
 * need not be ours, so both readings are tried. They cannot both match: every
 * family we accept is a single nonzero low octet, which read the other way
 * round lands in the top octet. */
enum ks_decode_result ks_dec_null(struct ks_rd *r, struct ks_decode_stats *st, enum ks_dec_l3 *l3)
{
	struct ks_rd h = ks_dec_sub(r, 4);
	struct ks_rd h2 = h;
	uint32_t le = ks_rd_le32(&h);
	uint32_t be = ks_rd_be32(&h2);
	if (ks_rd_err(&h))
		return ks_dec_bad(st, KS_DEC_LINK_TRUNC);
	*l3 = bsd_family(le);
	if (*l3 == KS_DEC_L3_OTHER)
		*l3 = bsd_family(be);
	return KS_DECODE_OK;
}

enum ks_decode_result ks_dec_loop(struct ks_rd *r, struct ks_decode_stats *st, enum ks_dec_l3 *l3)
{
	struct ks_rd h = ks_dec_sub(r, 4);
	uint32_t af = ks_rd_be32(&h);
	if (ks_rd_err(&h))
		return ks_dec_bad(st, KS_DEC_LINK_TRUNC);
	*l3 = bsd_family(af);
	return KS_DECODE_OK;
}

/* Anything but version 6 goes to the IPv4 stage, which counts a wrong
 * version (or an empty frame) under its own counters: a raw-IP link
 * promises IP, so garbage there is a malformed packet, not "not IP". */
enum ks_decode_result ks_dec_raw(const struct ks_rd *r, enum ks_dec_l3 *l3)
{
	struct ks_rd peek = *r;
	uint8_t vhl = ks_rd_u8(&peek);
	*l3 = (vhl >> 4) == 6 && !ks_rd_err(&peek) ? KS_DEC_L3_IPV6 : KS_DEC_L3_IPV4;
	return KS_DECODE_OK;
}
