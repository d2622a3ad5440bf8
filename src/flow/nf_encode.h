/* SPDX-License-Identifier: BSD-2-Clause */
/* NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) *encoder*: packs
 * batches of struct ks_flow (flow.h) into export datagrams as a router
 * would send them. Used by tools/ks_flowgen (labelled scenarios, load
 * generation) and by tests; the collector side is nf_decode.c.
 *
 * One encoder is one export stream (one exporter, one observation domain /
 * source id). Each datagram holds as many flows as fit: at most 30 for v5
 * (the format's limit), and records up to `mtu` bytes of payload for v9 and
 * IPFIX. For v9 and IPFIX the data template is sent in the first datagram
 * and again in every `template_every`-th one (datagram numbers 0, K, 2K...).
 *
 * Sequence numbers follow each format's definition, counting what was sent
 * before the datagram:
 *   v5     flow_sequence: flows                 (header offset 16)
 *   v9     package_sequence: export packets     (header offset 12)
 *   IPFIX  Sequence Number: data records        (header offset 8)
 * Times: v5 and v9 carry sysUpTime and First/Last switched relative to the
 * exporter's boot (`boot_ms`, which must not be after any flow start and
 * less than 2^32 ms before the export); IPFIX carries
 * flowStartMilliseconds/flowEndMilliseconds (absolute).
 *
 * The template (v9 and IPFIX, template id KS_NF_TEMPLATE_ID):
 *   sourceIPv4Address(8)/4  destinationIPv4Address(12)/4
 *   sourceTransportPort(7)/2  destinationTransportPort(11)/2
 *   protocolIdentifier(4)/1  tcpControlBits(6)/1
 *   v9:    IN_PKTS(2)/4  IN_BYTES(1)/4  FIRST_SWITCHED(22)/4  LAST_SWITCHED(21)/4
 *   IPFIX: packetDeltaCount(2)/8  octetDeltaCount(1)/8
 *          flowStartMilliseconds(152)/8  flowEndMilliseconds(153)/8
 * so a v9 record is 30 bytes, an IPFIX record 46. IPv4 flows only; counts
 * that do not fit the field (v5 and v9: 32 bits) are KS_EINVAL.
 *
 * Not thread-safe: one encoder per thread. No allocation. */
#ifndef KS_NF_ENCODE_H
#define KS_NF_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"

#define KS_NF_TEMPLATE_ID 256
#define KS_NF_V5_MAX_FLOWS 30
#define KS_NF_V5_HDR 24
#define KS_NF_V5_REC 48
#define KS_NF_V9_HDR 20
#define KS_NF_V9_REC 30
#define KS_NF_IPFIX_HDR 16
#define KS_NF_IPFIX_REC 46
#define KS_NF_MTU_DEFAULT 1400 /* payload bytes per v9/IPFIX datagram */
#define KS_NF_MTU_MAX 65000
#define KS_NF_TEMPLATE_EVERY 20 /* default K */

struct ks_nf_enc {
	int version;             /* 5, 9 or 10 */
	uint32_t domain;         /* v9 source id, IPFIX observation domain; v5 engine id (low byte) */
	int64_t boot_ms;         /* exporter boot, Unix epoch ms (v5, v9) */
	uint32_t template_every; /* K >= 1 */
	size_t mtu;              /* v9/IPFIX datagram payload limit */
	uint32_t seq;            /* next sequence number (see above) */
	uint64_t datagrams;      /* datagrams encoded so far */
	uint64_t flows;          /* flows encoded so far */
};

/* Sets up an encoder with the defaults (K = KS_NF_TEMPLATE_EVERY, mtu =
 * KS_NF_MTU_DEFAULT, sequence 0). 0, or KS_EINVAL for a version other than
 * 5, 9 and 10. */
int ks_nf_enc_init(struct ks_nf_enc *e, int version, uint32_t domain, int64_t boot_ms);

/* Whether the next datagram carries the template (never for v5). */
int ks_nf_enc_next_has_template(const struct ks_nf_enc *e);

/* How many flows the next datagram can hold. */
size_t ks_nf_enc_capacity(const struct ks_nf_enc *e);

/* Encodes the first flows of f[0..n) (as many as the next datagram holds,
 * at least one when n > 0) into out[0..cap), as exported at export_ms (Unix
 * epoch ms). *nused gets the number of flows taken, *len the datagram
 * length. Advances the sequence number and the counters.
 * 0; KS_EINVAL for n == 0, a non-IPv4 flow, a count that does not fit its
 * field, or a time before boot_ms (v5/v9); KS_ELIMIT when cap is too small
 * for the datagram. On error nothing is advanced. */
int ks_nf_enc_datagram(struct ks_nf_enc *e, const struct ks_flow *f, size_t n, int64_t export_ms,
		       uint8_t *out, size_t cap, size_t *nused, size_t *len);

/* Rewrites the sequence number and export time of a datagram made by this
 * module (the load generator replays a pool of datagrams). v5/v9: unix_secs
 * (and v5 unix_nsecs) only, so sysUpTime and the record times keep their
 * distance and the flows move along with the export time; IPFIX: export
 * time only. KS_EINVAL when buf is not such a datagram. */
int ks_nf_enc_patch(uint8_t *buf, size_t len, uint32_t seq, int64_t export_ms);

#endif
