/* SPDX-License-Identifier: BSD-2-Clause */
/* NTP probe: a mode-3 (client) request and the parser of the mode-4
 * (server) reply, to inventory NTP servers reachable from outside.
 * specification: RFC 5905 sections 7.3 (packet header) and 7.4 (Kiss-o'-
 * Death).
 *
 *   byte 0: LI(2) VN(3) Mode(3) | stratum | poll | precision
 *   root delay(32) | root dispersion(32) | reference id(32)
 *   reference, origin, receive, transmit timestamps (64 each)  = 48 bytes
 *
 * The request carries a caller-chosen transmit timestamp; a genuine reply
 * echoes it as origin (origin_matches), which is the probe's check that the
 * datagram answers it. Extension fields and MACs after byte 48 are ignored.
 * Only the standard client/server exchange is used: no mode 6/7 control
 * queries (monlist), which are amplification vectors. */
#ifndef KS_PROBE_NTP_H
#define KS_PROBE_NTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define KS_NTP_LEN 48

struct ks_ntp {
	uint8_t leap, version, mode, stratum;
	int8_t poll, precision;
	uint32_t root_delay, root_dispersion; /* NTP short format, 16.16 seconds */
	uint32_t refid;
	char refid_text[16];   /* stratum 0/1: the ASCII code ("GPS", "RATE");
				* stratum 2+: the upstream IPv4 address, dotted */
	bool kiss;             /* Kiss-o'-Death (stratum 0): refid_text is its code */
	uint64_t transmit;     /* server transmit timestamp, NTP 32.32 format */
	bool origin_matches;
	struct ks_probe_fail fail;
};

/* Writes a 48-byte version-4 client request with transmit timestamp xmt
 * (any value the caller will recognise). Returns 0, or KS_ELIMIT. */
int ks_ntp_request(uint8_t *buf, size_t cap, uint64_t xmt, size_t *len);

/* Parses one reply datagram to a request sent with xmt. Returns 0,
 * KS_ETRUNC (under 48 bytes), KS_EINVAL (not a mode-4 reply of version
 * 1..4). A reply whose origin does not match still parses
 * (origin_matches false): the caller decides. */
int ks_ntp_parse(const uint8_t *p, size_t n, uint64_t xmt, struct ks_ntp *out);

#endif
