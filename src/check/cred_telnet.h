/* SPDX-License-Identifier: BSD-2-Clause */
/* The telnet login heuristics, as pure functions over received text so that
 * they can be tested on transcripts (cred_telnet.c drives the socket).
 *
 *   connect -> [wait prompt] -LOGIN-> send USER CR LF -> [wait prompt]
 *                            -PASSWORD-> send PASS CR LF -> [decide]
 *                            -SHELL-> accepted, no password required
 *
 * What counts (case-insensitive; "text" is what arrived since our last
 * send, telnet commands removed):
 *  - a prompt is the last line of text with trailing blanks removed:
 *    login ("login:", "username:", "user:", ...), password ("password:",
 *    "passwd:", ...), or a shell: ending in '#', '$', '>' or '%' (BusyBox
 *    "# ", "$ ", a router CLI "> ") and not a login/password prompt;
 *  - after the password, rejected if the text holds a failure word
 *    ("incorrect", "failed", "failure", "denied", "invalid", "wrong",
 *    "bad password", "not allowed") or ends in a new login or password
 *    prompt, or the peer closed without showing a shell; accepted if it
 *    ends in a shell prompt and holds no failure word; else undecided
 *    (wait for more bytes, then time out as rejected "no shell prompt").
 *  - a shell before any password was asked = no password required. */
#ifndef KS_CRED_TELNET_H
#define KS_CRED_TELNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ks_cred_tn_prompt {
	KS_CRED_TN_NONE = 0,
	KS_CRED_TN_LOGIN,
	KS_CRED_TN_PASSWORD,
	KS_CRED_TN_SHELL,
};

enum ks_cred_tn_verdict {
	KS_CRED_TN_PENDING = 0, /* undecided: more text may come */
	KS_CRED_TN_ACCEPTED,
	KS_CRED_TN_REJECTED,
};

/* The prompt ending text[0..n) (NUL bytes and control characters are
 * treated as line breaks or ignored; never reads outside the range). */
enum ks_cred_tn_prompt ks_cred_tn_prompt(const uint8_t *text, size_t n);

/* True if text[0..n) holds one of the failure words. */
bool ks_cred_tn_failed(const uint8_t *text, size_t n);

/* The verdict on the text received after the password was sent; eof: the
 * peer closed the connection. */
enum ks_cred_tn_verdict ks_cred_tn_decide(const uint8_t *text, size_t n, bool eof);

#endif
