/* SPDX-License-Identifier: BSD-2-Clause */
/* Probe parsers: the contract shared by every src/probe/probe_<proto>.c.
 *
 * A probe parser is a pure function over the bytes a survey probe received
 * from one service (a TCP stream's first bytes, or one UDP datagram). It
 * opens no socket, keeps no global state, never allocates and never reads
 * past the input: every read goes through struct ks_rd. Results are copied
 * into a caller-allocated, fixed-size struct, so they outlive the input;
 * text fields are NUL-terminated, bounded (longer values are cut and the
 * struct's `truncated` flag is set) and sanitised with ks_probe_text().
 *
 * Stream protocols (SSH, HTTP, FTP, RTSP, MQTT, TLS) are parsed from the
 * start of the stream every time: the survey engine keeps the bytes received
 * so far, up to a per-connection cap (KS_PROBE_MAX_BYTES), and calls again
 * after each read. Re-parsing a few kilobytes is cheaper and much simpler to
 * get right than a resumable state machine whose only state would be an
 * offset. Telnet is the exception: it must answer option negotiation as
 * bytes arrive, so it is an incremental state machine (probe_telnet.h).
 *
 * Return codes, the same for every parser:
 *   0            a complete reply was parsed; *out is filled
 *   KS_EAGAIN    the reply is incomplete: call again with more bytes (only
 *                when eof is false; at eof an incomplete reply is KS_ETRUNC)
 *   KS_ETRUNC    the input ended before the reply was complete (datagram,
 *                or the peer closed)
 *   KS_EINVAL    the bytes are not this protocol, or are malformed
 *   KS_ELIMIT    a cap was hit (lines, headers, the byte cap)
 * On failure, out->fail says where (byte offset into the input) and what
 * was expected; fields parsed before the failure stay filled, so the engine
 * can still record, say, the SSH banner of a server whose KEXINIT was cut.
 * All functions are thread-safe (no shared state). */
#ifndef KS_PROBE_H
#define KS_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_err.h"
#include "ks_rd.h"

/* Bytes of one service's reply that the engine keeps and hands to a parser. */
#define KS_PROBE_MAX_BYTES 65536

/* Where and why a parse stopped. what is a static string (never NULL after
 * a failure, NULL on success). */
struct ks_probe_fail {
	size_t off;
	const char *what;
};

/* Records a failure at off and returns code (for `return ks_probe_failed(...)`). */
int ks_probe_failed(struct ks_probe_fail *f, int code, size_t off, const char *what);

/* Copies n untrusted bytes into dst (capacity cap >= 1) as printable text:
 * ASCII controls other than tab become '.', valid UTF-8 sequences are kept,
 * other bytes become '?'. Always NUL-terminates; never cuts a UTF-8
 * sequence. Returns true if the text was cut to fit. */
bool ks_probe_text(char *dst, size_t cap, const uint8_t *p, size_t n);

/* Finds the next line in r: sets *line and *len to its bytes without the
 * terminating LF and an optional CR before it, and consumes them. Returns
 * 0, or KS_EAGAIN when no LF is left (r is not advanced), or KS_ELIMIT when
 * the line would exceed max bytes. */
int ks_probe_line(struct ks_rd *r, size_t max, const uint8_t **line, size_t *len);

/* ASCII case-insensitive comparisons of counted strings. */
bool ks_probe_ieq(const uint8_t *p, size_t n, const char *s);
bool ks_probe_iprefix(const uint8_t *p, size_t n, const char *prefix);
/* Offset of the first case-insensitive occurrence of needle in [p, p+n), or -1. */
long ks_probe_ifind(const uint8_t *p, size_t n, const char *needle);

/* Trims ASCII spaces and tabs on both sides of a counted string. */
void ks_probe_trim(const uint8_t **p, size_t *n);

/* Parses a decimal number of at most max_digits digits from [p, p+n) with
 * no sign and no trailing bytes. Returns 0 or KS_EINVAL. */
int ks_probe_dec(const uint8_t *p, size_t n, unsigned max_digits, uint64_t *out);

/* Splits a "Name: value" header line (HTTP, RTSP, SSDP): the name must be
 * a non-empty token; the value is trimmed. Returns 0 or KS_EINVAL, with
 * *bad set to the offset in line of the offending byte. */
int ks_probe_header(const uint8_t *line, size_t len, const uint8_t **name, size_t *nl,
		    const uint8_t **value, size_t *vn, size_t *bad);

/* Three-digit status in [p, p+3) that starts a "<proto> SP code" line. */
int ks_probe_status3(const uint8_t *p, size_t n, unsigned *code);

#endif
