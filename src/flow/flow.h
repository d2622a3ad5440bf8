/* SPDX-License-Identifier: BSD-2-Clause */
/* One flow record as every part of flow analysis sees it: normalised from
 * NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) by nf_decode.c,
 * kept in compressed segments by flow_seg.c, selected by flow_filter.c and
 * scored by cc_detect.c.
 *
 * Flow records are unidirectional: src -> dst as the exporter saw it.
 * Counts are already multiplied by the exporter's sampling interval
 * (`sampling` keeps the interval that was applied; 1 = unsampled). */
#ifndef KS_FLOW_H
#define KS_FLOW_H

#include <stdint.h>

#include "ks_addr.h"

struct ks_flow {
	struct ks_addr src, dst; /* IPv4 held IPv4-mapped (ks_addr.h) */
	int64_t first_ms;        /* flow start, Unix epoch milliseconds */
	int64_t last_ms;         /* flow end, Unix epoch milliseconds (>= first_ms) */
	uint64_t packets;        /* after sampling */
	uint64_t bytes;          /* after sampling, layer-3 octets */
	uint32_t exporter;       /* exporter id: index in the collector's exporter table */
	uint32_t sampling;       /* sampling interval applied (1 = none) */
	uint16_t sport, dport;   /* 0 where the protocol has none; ICMP type<<8|code in dport */
	uint8_t proto;           /* IP protocol number */
	uint8_t tcp_flags;       /* OR of the flow's TCP flags */
	uint8_t pad[2];          /* zero */
};

/* Called for every decoded flow; a non-zero return stops the caller, which
 * returns that value. */
typedef int (*ks_flow_fn)(void *ctx, const struct ks_flow *f);

#endif
