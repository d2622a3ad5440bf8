/* SPDX-License-Identifier: BSD-2-Clause */
/* NTP client request builder and server reply parser (see probe_ntp.h). */
#include "probe_ntp.h"

#include <stdio.h>
#include <string.h>

int ks_ntp_request(uint8_t *buf, size_t cap, uint64_t xmt, size_t *len)
{
	if (cap < KS_NTP_LEN)
		return KS_ELIMIT;
	memset(buf, 0, KS_NTP_LEN);
	buf[0] = 0 << 6 | 4 << 3 | 3; /* LI 0, version 4, mode 3 (client) */
	for (int i = 0; i < 8; i++)
		buf[40 + i] = (uint8_t)(xmt >> (56 - 8 * i));
	*len = KS_NTP_LEN;
	return 0;
}

int ks_ntp_parse(const uint8_t *p, size_t n, uint64_t xmt, struct ks_ntp *out)
{
	memset(out, 0, sizeof *out);
	struct ks_rd r = ks_rd_make(p, n);
	if (n < KS_NTP_LEN)
		return ks_probe_failed(&out->fail, KS_ETRUNC, n, "NTP packet is at least 48 bytes");
	uint8_t b0 = ks_rd_u8(&r);
	out->leap = b0 >> 6;
	out->version = (b0 >> 3) & 7;
	out->mode = b0 & 7;
	out->stratum = ks_rd_u8(&r);
	out->poll = (int8_t)ks_rd_u8(&r);
	out->precision = (int8_t)ks_rd_u8(&r);
	out->root_delay = ks_rd_be32(&r);
	out->root_dispersion = ks_rd_be32(&r);
	const uint8_t *ref = ks_rd_bytes(&r, 4);
	ks_rd_skip(&r, 8); /* reference timestamp */
	uint64_t origin = ks_rd_be64(&r);
	ks_rd_skip(&r, 8); /* receive timestamp */
	out->transmit = ks_rd_be64(&r);
	if (out->mode != 4)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "NTP mode is not 4 (server)");
	if (out->version < 1 || out->version > 4)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "NTP version is not 1..4");
	out->refid = (uint32_t)ref[0] << 24 | (uint32_t)ref[1] << 16 | (uint32_t)ref[2] << 8 | ref[3];
	if (out->stratum <= 1) {
		size_t k = 0;
		while (k < 4 && ref[k] != 0)
			k++;
		ks_probe_text(out->refid_text, sizeof out->refid_text, ref, k);
		out->kiss = out->stratum == 0;
	} else {
		snprintf(out->refid_text, sizeof out->refid_text, "%u.%u.%u.%u", ref[0], ref[1],
			 ref[2], ref[3]);
	}
	out->origin_matches = origin == xmt;
	return 0;
}
