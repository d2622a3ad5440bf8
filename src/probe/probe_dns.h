/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS probe: a recursive query builder and the parser of the response
 * header, question and answers, to tell an open resolver (open_resolver).
 * specification: RFC 1035 sections 4.1 (message format) and 4.1.4
 * (compression), RFC 6895 (RCODE values).
 *
 *   header:   ID(16) | QR OPCODE(4) AA TC RD | RA Z AD CD RCODE(4) |
 *             QDCOUNT | ANCOUNT | NSCOUNT | ARCOUNT       (12 bytes)
 *   question: QNAME QTYPE(16) QCLASS(16)
 *   answer:   NAME TYPE CLASS TTL(32) RDLENGTH RDATA
 *
 * A server is an open resolver, for the survey, when it answers our
 * recursive query for a name it is not authoritative for with RCODE
 * NOERROR, RA set and at least one answer. Names in answers are skipped,
 * not expanded: a compression pointer ends a name, so no loop can form. */
#ifndef KS_PROBE_DNS_H
#define KS_PROBE_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define KS_DNS_ANSWERS_MAX 32 /* answer records examined */

struct ks_dns {
	uint16_t id;
	bool qr, aa, tc, rd, ra;
	uint8_t opcode, rcode;
	uint16_t qdcount, ancount, nscount, arcount;
	bool question_matches; /* the echoed question equals the one asked */
	unsigned answers_a;    /* A records among the answers examined */
	uint8_t first_a[4];    /* the first A record's address */
	bool open_resolver;    /* see the header comment */
	struct ks_probe_fail fail;
};

/* Writes a query with RD set for name (dotted, an optional final dot) and
 * qtype (1 = A) in class IN. Returns 0 and *len, KS_EINVAL for an empty
 * label, a label over 63 bytes or a name over 253 bytes, KS_ELIMIT for a
 * small cap. */
int ks_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype,
		 size_t *len);

/* Parses one response datagram to a query built by ks_dns_query() with id
 * and name. Returns 0, KS_ETRUNC, or KS_EINVAL (not a response, wrong id,
 * malformed). A truncated (TC) response parses: its header is what counts. */
int ks_dns_parse(const uint8_t *p, size_t n, uint16_t id, const char *name, struct ks_dns *out);

/* Stable RCODE names: "noerror", "formerr", "servfail", "nxdomain",
 * "notimp", "refused", or "rcode<N>". buf needs 12 bytes. */
const char *ks_dns_rcode_name(uint8_t rcode, char buf[12]);

#endif
