/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTP/1.x response parser for the survey's HTTP and HTTPS probes.
 * specification: RFC 9112 (HTTP/1.1 message syntax, chunked coding),
 * RFC 9110 section 11.6.1 (WWW-Authenticate), RFC 6265 (Set-Cookie).
 *
 *   HTTP/1.1 SP 401 SP Unauthorized CRLF
 *   Name: value CRLF      (at most KS_HTTP_HEADERS_MAX, KS_HTTP_HEAD_MAX bytes)
 *   CRLF
 *   body                  (Content-Length, chunked, or until the peer closes)
 *
 * Extracted: status, Server, Content-Type, Location, the first
 * WWW-Authenticate challenge's scheme and realm (and which schemes were
 * offered), Set-Cookie names, the <title> of the body (case-insensitive,
 * the usual entities decoded, white space collapsed) and whether the page
 * holds a password input field. Only the first KS_HTTP_BODY_SCAN bytes of
 * the (de-chunked) body are examined: a reply is complete, for
 * ks_http_parse(), when the headers and that much of the body (or the whole
 * body, if shorter) have arrived. Compressed bodies are not decoded: the
 * probe must not send Accept-Encoding. Return codes as in probe.h. */
#ifndef KS_PROBE_HTTP_H
#define KS_PROBE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define KS_HTTP_HEADERS_MAX 100   /* header lines */
#define KS_HTTP_HEAD_MAX 16384    /* status line + headers, bytes */
#define KS_HTTP_BODY_SCAN 16384   /* body bytes examined for title and forms */

/* Bits of struct ks_http.auth_schemes: every scheme offered in any challenge. */
#define KS_HTTP_AUTH_BASIC 0x01u
#define KS_HTTP_AUTH_DIGEST 0x02u
#define KS_HTTP_AUTH_NTLM 0x04u
#define KS_HTTP_AUTH_NEGOTIATE 0x08u
#define KS_HTTP_AUTH_BEARER 0x10u
#define KS_HTTP_AUTH_OTHER 0x80u

/* What WWW-Authenticate headers offered (HTTP, RTSP and SSDP share it). */
struct ks_http_auth {
	char scheme[32];  /* scheme of the first challenge, as sent */
	char realm[128];  /* its realm parameter, unquoted; may be empty */
	uint32_t schemes; /* KS_HTTP_AUTH_*: every scheme offered */
	bool truncated;
};

/* Adds one WWW-Authenticate header value [v, v+n) to a (zeroed before the
 * first header). A value may hold several challenges ("Digest realm=x,
 * Basic realm=y"); the first challenge of the first header sets scheme and
 * realm. Never fails: an unparsable value adds KS_HTTP_AUTH_OTHER at most. */
void ks_http_auth_add(struct ks_http_auth *a, const uint8_t *v, size_t n);

struct ks_http {
	unsigned version_minor; /* HTTP/1.<minor> */
	unsigned status;        /* 100..999 */
	char reason[64];
	char server[128];
	char content_type[64];
	char location[256];
	struct ks_http_auth auth; /* WWW-Authenticate challenges */
	char cookies[256];      /* Set-Cookie names, comma-separated */
	unsigned ncookies;
	char title[256];        /* empty when there is no <title> */
	bool password_field;    /* <input type=password> in the scanned body */
	bool login_page;        /* password_field, or 401 with Basic or Digest */
	bool chunked, has_length;
	uint64_t content_length;
	unsigned nheaders;
	size_t head_len;        /* bytes of status line and headers, with the empty line */
	size_t body_scanned;    /* de-chunked body bytes examined */
	bool truncated;         /* some text field was cut to fit */
	struct ks_probe_fail fail;
};

/* Parses the first n bytes of a response (eof: the peer closed). out is
 * fully rewritten; see probe.h for return codes. */
int ks_http_parse(const uint8_t *p, size_t n, bool eof, struct ks_http *out);

/* Decodes the minimal HTML entities (&amp; &lt; &gt; &quot; &apos; &#39;
 * &nbsp; and numeric &#N; &#xH;) in [p, p+n), collapses white space, trims,
 * and writes sanitised text to dst (cap >= 1). Returns true if cut. */
bool ks_http_html_text(char *dst, size_t cap, const uint8_t *p, size_t n);

#endif
