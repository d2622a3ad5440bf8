/* SPDX-License-Identifier: BSD-2-Clause */
/* FTP probe parser: the server's greeting (and any single reply).
 * specification: RFC 959 section 4.2 (replies), RFC 2640 (UTF-8 text).
 *
 * A reply is one line "ddd SP text CRLF", or several:
 *   220-first line CRLF
 *   any text CRLF            (may not start with "220 ")
 *   220 last line CRLF
 * The first digit is 1..5. ks_ftp_parse() reads one whole reply (return
 * codes as in probe.h) and keeps its lines, without the code prefixes,
 * joined by " | " in banner. 421 (service not available, typical of a
 * connection limit) and 530 are replies like any other: the caller decides. */
#ifndef KS_PROBE_FTP_H
#define KS_PROBE_FTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define KS_FTP_LINES_MAX 64  /* lines in one reply */
#define KS_FTP_LINE_MAX 1024 /* bytes per line */

struct ks_ftp {
	unsigned code;    /* 100..599 */
	unsigned lines;   /* lines in the reply, 1 for a single-line reply */
	char banner[512]; /* text of the lines, " | "-joined, sanitised */
	size_t len;       /* bytes of the reply in the input */
	bool truncated;
	struct ks_probe_fail fail;
};

int ks_ftp_parse(const uint8_t *p, size_t n, bool eof, struct ks_ftp *out);

#endif
