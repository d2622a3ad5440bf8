/* SPDX-License-Identifier: BSD-2-Clause */
/* Packet decoder: link layer -> IPv4/IPv6 -> TCP/UDP/ICMP/ICMPv6.
 *
 * Decodes one captured frame into a host-order struct ks_pkt. It never reads
 * past caplen (every read goes through struct ks_rd) and never allocates.
 * Malformed input is counted under a named counter in struct ks_decode_stats.
 *
 * Supported link types (libpcap DLT_* / LINKTYPE_* values): Ethernet (1),
 * with 802.1Q and 802.1ad/QinQ tags (any depth up to 4), Linux cooked SLL
 * (113) and SLL2 (276), raw IP (101, and DLT_RAW 12/14), IPv4 (228),
 * IPv6 (229), BSD loopback NULL (0) and OpenBSD LOOP (108). */
#ifndef KS_DECODE_H
#define KS_DECODE_H

#include <stdint.h>

#include "ks_addr.h"

enum ks_frag {
	KS_FRAG_NONE = 0, /* not a fragment */
	KS_FRAG_FIRST,    /* first fragment (offset 0, more fragments set) */
	KS_FRAG_LATER,    /* offset != 0: no L4 header in this packet */
};

/* TCP flag bits as on the wire */
#define KS_TH_FIN 0x01
#define KS_TH_SYN 0x02
#define KS_TH_RST 0x04
#define KS_TH_PSH 0x08
#define KS_TH_ACK 0x10
#define KS_TH_URG 0x20
#define KS_TH_ECE 0x40
#define KS_TH_CWR 0x80

struct ks_pkt {
	uint8_t ipver;      /* 4 or 6 */
	uint8_t proto;      /* upper-layer protocol (after IPv6 extension headers) */
	uint8_t frag;       /* enum ks_frag */
	uint8_t ttl;        /* TTL / hop limit */
	uint8_t nvlan;      /* VLAN tags seen */
	uint8_t l4_ok;      /* 1 if the L4 fields below were decoded */
	uint16_t ip_id;     /* IPv4 identification; 0 for IPv6 */
	uint16_t vlan[2];   /* outer, inner VLAN ids */
	uint32_t ip_len;    /* IP total length from the header (v6: 40 + payload length) */
	struct ks_addr src, dst;
	/* L4, valid when l4_ok */
	uint16_t sport, dport; /* TCP/UDP ports */
	uint32_t seq, ack;     /* TCP */
	uint8_t tcp_flags;     /* TCP */
	uint8_t icmp_type, icmp_code; /* ICMP or ICMPv6 */
	uint16_t udp_len;      /* UDP: length field (header + payload) */
	const uint8_t *payload; /* UDP: first payload byte; points into the frame */
};

/* Named counters for decode events. Keep ks_decode_counter_name() in sync. */
enum ks_decode_counter {
	KS_DEC_PACKETS = 0,     /* frames handed to ks_decode */
	KS_DEC_NON_IP,          /* link layer fine, payload not IP (ARP, LLDP ...) */
	KS_DEC_LINK_TRUNC,      /* link header truncated */
	KS_DEC_VLAN_TOO_DEEP,   /* more than 4 VLAN tags */
	KS_DEC_IPV4_TRUNC,      /* IPv4 header truncated */
	KS_DEC_IPV4_IHL_SMALL,  /* IHL < 5 */
	KS_DEC_IPV4_BAD_LEN,    /* total length < header length */
	KS_DEC_IPV4_BAD_OPT,    /* options malformed */
	KS_DEC_IPV4_BAD_VER,    /* version field is not 4 */
	KS_DEC_IPV6_TRUNC,      /* IPv6 header truncated */
	KS_DEC_IPV6_BAD_VER,
	KS_DEC_IPV6_EXT_TRUNC,  /* extension header truncated or too long */
	KS_DEC_IPV6_EXT_LIMIT,  /* more extension headers than the cap (8) */
	KS_DEC_IP_LEN_MISMATCH, /* header length larger than the frame on the wire */
	KS_DEC_TCP_TRUNC,
	KS_DEC_TCP_BAD_OFF,     /* data offset < 5 or past the IP payload */
	KS_DEC_UDP_TRUNC,
	KS_DEC_UDP_BAD_LEN,     /* UDP length < 8 or beyond the IP payload */
	KS_DEC_ICMP_TRUNC,
	KS_DEC_ICMPV6_TRUNC,
	KS_DEC_FRAGMENTS,       /* informational: fragments seen (not malformed) */
	KS_DEC__MAX
};

struct ks_decode_stats {
	uint64_t c[KS_DEC__MAX];
};

/* Stable dotted name of a counter ("decode.ipv4.ihl_too_small"). */
const char *ks_decode_counter_name(enum ks_decode_counter c);

/* Return of ks_decode */
enum ks_decode_result {
	KS_DECODE_OK = 0,        /* IP packet decoded as far as its class needs */
	KS_DECODE_NOT_IP = 1,    /* not an IP packet: ignore, not malformed */
	KS_DECODE_MALFORMED = 2, /* counted under a specific counter in st */
	KS_DECODE_BAD_LINK = 3,  /* unsupported link type */
};

/* Decodes frame p[0..caplen) captured with link type linktype. wirelen is
 * the original length (pcap's len). On KS_DECODE_OK, *out holds the packet;
 * for later fragments and unknown protocols l4_ok is 0. For TCP, UDP, ICMP
 * and ICMPv6 non-later-fragments, a packet whose L4 header is not complete
 * up to the fields used (TCP: 20-byte header incl. flags; UDP: 8 bytes;
 * ICMP: type and code) is MALFORMED. IP lengths larger than wirelen are
 * MALFORMED (KS_DEC_IP_LEN_MISMATCH); trailing bytes after the IP packet
 * (Ethernet padding) are ignored. When the frame was cut by the snap length
 * (caplen < wirelen) the decoder still succeeds if the needed fields are
 * present. out->src/dst are valid on OK and, when the IP header was read, on
 * MALFORMED too (ipver != 0). st may not be NULL; every call adds one to
 * KS_DEC_PACKETS. Thread-compatible: no global state. */
enum ks_decode_result ks_decode(int linktype, const uint8_t *p, uint32_t caplen, uint32_t wirelen,
				struct ks_pkt *out, struct ks_decode_stats *st);

#endif
