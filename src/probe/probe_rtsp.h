/* SPDX-License-Identifier: BSD-2-Clause */
/* RTSP probe parser: the reply to "OPTIONS * RTSP/1.0".
 * specification: RFC 2326 sections 7 (response), 10.1 (OPTIONS), 12.39
 * (Public); the header syntax is HTTP/1.1's.
 *
 *   RTSP/1.0 200 OK CRLF
 *   CSeq: 1 CRLF
 *   Server: Hipcam RealServer/V1.0 CRLF
 *   Public: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY CRLF
 *   CRLF  [body of Content-Length bytes]
 *
 * Extracted: status, Server, Public, CSeq, WWW-Authenticate (scheme, realm).
 * A camera that answers 401 to OPTIONS still identifies itself. Return codes
 * as in probe.h; complete means headers and any Content-Length body. */
#ifndef KS_PROBE_RTSP_H
#define KS_PROBE_RTSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"
#include "probe_http.h"

#define KS_RTSP_HEADERS_MAX 64
#define KS_RTSP_HEAD_MAX 8192

/* Bits of struct ks_rtsp.methods, from Public. */
#define KS_RTSP_M_OPTIONS 0x01u
#define KS_RTSP_M_DESCRIBE 0x02u
#define KS_RTSP_M_SETUP 0x04u
#define KS_RTSP_M_PLAY 0x08u
#define KS_RTSP_M_TEARDOWN 0x10u
#define KS_RTSP_M_ANNOUNCE 0x20u
#define KS_RTSP_M_RECORD 0x40u
#define KS_RTSP_M_SET_PARAMETER 0x80u
#define KS_RTSP_M_GET_PARAMETER 0x100u
#define KS_RTSP_M_PAUSE 0x200u

struct ks_rtsp {
	unsigned status;
	char reason[64];
	char server[128];
	char public_[256];       /* Public header as sent */
	uint32_t methods;        /* KS_RTSP_M_* */
	uint64_t cseq;
	bool has_cseq;
	struct ks_http_auth auth;
	unsigned nheaders;
	size_t len;              /* bytes of the reply (headers + body) */
	bool truncated;
	struct ks_probe_fail fail;
};

int ks_rtsp_parse(const uint8_t *p, size_t n, bool eof, struct ks_rtsp *out);

/* "OPTIONS * RTSP/1.0\r\nCSeq: <cseq>\r\nUser-Agent: <ua>\r\n\r\n" into buf.
 * Returns 0 and *len, or KS_ELIMIT if cap is too small, KS_EINVAL if ua
 * holds a control character. */
int ks_rtsp_options(char *buf, size_t cap, unsigned cseq, const char *ua, size_t *len);

#endif
