/* SPDX-License-Identifier: BSD-2-Clause */
/* CoAP probe: a confirmable GET /.well-known/core and the parser of the
 * reply, listing the resources a device exposes.
 * specification: RFC 7252 sections 3 (message format), 3.1 (options),
 * 12.1.1 (codes); RFC 6690 (CoRE link format).
 *
 *   Ver(2)=1 T(2) TKL(4) | Code(8) c.dd | Message ID(16)
 *   Token (TKL bytes) | Options (delta/length nibbles, 13/14 extended)
 *   0xFF | payload: </sensors/temp>;rt="temperature",</light>;if="sensor"
 *
 * The reply must be an ACK (piggybacked) or a CON/NON response with our
 * message id (ACK) and token. Block-wise transfer is not followed: only the
 * first block's resources are listed. */
#ifndef KS_PROBE_COAP_H
#define KS_PROBE_COAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define KS_COAP_OPTIONS_MAX 32

struct ks_coap {
	uint8_t type;             /* 0 CON, 1 NON, 2 ACK, 3 RST */
	uint8_t code_class, code_detail; /* 2.05 Content -> 2, 5 */
	uint16_t msg_id;
	bool has_format;
	uint16_t content_format;  /* 40 = application/link-format */
	unsigned resources;       /* links in the payload */
	char paths[256];          /* their targets, comma-separated, e.g. "/sensors/temp,/light" */
	bool truncated;
	struct ks_probe_fail fail;
};

/* Writes a CON GET /.well-known/core with msg_id and a 4-byte token.
 * Returns 0 and *len, or KS_ELIMIT. */
int ks_coap_request(uint8_t *buf, size_t cap, uint16_t msg_id, uint32_t token, size_t *len);

/* Parses one reply datagram to that request. Returns 0, KS_ETRUNC,
 * KS_EINVAL (not CoAP version 1, a request code, wrong id or token, bad
 * options). A reset (RST) parses with type 3 and no resources. */
int ks_coap_parse(const uint8_t *p, size_t n, uint16_t msg_id, uint32_t token,
		  struct ks_coap *out);

#endif
