/* SPDX-License-Identifier: BSD-2-Clause */
/* Telnet weak-credential checker: our own client over a socket, option
 * negotiation by ks_telnet (probe_telnet.h), login heuristics as pure
 * functions (cred_telnet.h, where they are described). One connection per
 * attempt, as Mirai and NOTICE do:
 *
 *   WAIT_FIRST ──login prompt──▶ send USER ──▶ AFTER_USER ──password──▶ send PASS ──▶ AFTER_PASS
 *        │  └──password prompt (no user asked)──▶ send PASS ──────────────────────────┘     │
 *        └──shell──▶ no password required            AFTER_USER ──shell──▶ no password    decide
 *
 * Nothing is typed after the decision: on a shell the connection is simply
 * closed, so no command runs on the device. */
#include "cred_telnet.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cred.h"
#include "cred_int.h"
#include "ks_err.h"
#include "probe_telnet.h"

#define LINE_MAX_KEPT 256 /* bytes of the last line examined */
#define READ_CHUNK 1024
#define KEEP_TAIL 1024    /* bytes kept when the banner buffer fills */

static bool is_break(uint8_t c)
{
	return c == '\r' || c == '\n' || c == '\0';
}

/* Copies the last line of text[0..n) to line (without control characters
 * and ANSI CSI sequences "ESC [ params final"), lower-cased. Returns its
 * length. */
static size_t last_line(const uint8_t *text, size_t n, char *line, size_t cap)
{
	size_t start = n;
	while (start > 0 && !is_break(text[start - 1]))
		start--;
	if (n - start > 4 * LINE_MAX_KEPT)
		start = n - 4 * LINE_MAX_KEPT;
	size_t k = 0;
	for (size_t i = start; i < n && k + 1 < cap; i++) {
		uint8_t c = text[i];
		if (c == 0x1b) {
			if (i + 1 < n && text[i + 1] == '[') {
				i += 2;
				while (i < n && !(text[i] >= 0x40 && text[i] <= 0x7e))
					i++;
			}
			continue;
		}
		if (c < 0x20 && c != '\t')
			continue;
		if (c == 0x7f)
			continue;
		line[k++] = (char)tolower(c);
	}
	line[k] = '\0';
	return k;
}

static bool ends_with(const char *s, size_t n, const char *suf)
{
	size_t m = strlen(suf);
	return n >= m && memcmp(s + n - m, suf, m) == 0;
}

enum ks_cred_tn_prompt ks_cred_tn_prompt(const uint8_t *text, size_t n)
{
	static const char *const login[] = {"login:", "username:", "user name:", "user:",
					    "login>", "username>", "user id:", "userid:", "login as:"};
	static const char *const pass[] = {"password:", "passwd:", "password>", "pass:",
					   "password for"};
	char line[LINE_MAX_KEPT + 1];
	size_t len = last_line(text, n, line, sizeof line);
	size_t full = len;
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (len == 0)
		return KS_CRED_TN_NONE;
	for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
		if (ends_with(line, len, pass[i]))
			return KS_CRED_TN_PASSWORD;
	for (size_t i = 0; i < sizeof login / sizeof login[0]; i++)
		if (ends_with(line, len, login[i]))
			return KS_CRED_TN_LOGIN;
	/* A shell prompt: ends in # $ > or % followed by a blank ("# ",
	 * "router> "), or is one short word ending so ("busybox#"): a bare '#'
	 * at the end of a longer sentence is not enough. */
	char last = line[len - 1];
	if (last == '#' || last == '$' || last == '>' || last == '%') {
		if (full > len)
			return KS_CRED_TN_SHELL;
		if (len <= 40 && !memchr(line, ' ', len))
			return KS_CRED_TN_SHELL;
	}
	return KS_CRED_TN_NONE;
}

bool ks_cred_tn_failed(const uint8_t *text, size_t n)
{
	static const char *const words[] = {"incorrect", "failed", "failure", "denied", "invalid",
					    "wrong", "bad password", "not allowed"};
	for (size_t w = 0; w < sizeof words / sizeof words[0]; w++) {
		size_t m = strlen(words[w]);
		for (size_t i = 0; m <= n && i + m <= n; i++) {
			size_t k = 0;
			while (k < m && tolower(text[i + k]) == words[w][k])
				k++;
			if (k == m)
				return true;
		}
	}
	return false;
}

enum ks_cred_tn_verdict ks_cred_tn_decide(const uint8_t *text, size_t n, bool eof)
{
	if (ks_cred_tn_failed(text, n))
		return KS_CRED_TN_REJECTED;
	switch (ks_cred_tn_prompt(text, n)) {
	case KS_CRED_TN_LOGIN:
	case KS_CRED_TN_PASSWORD:
		return KS_CRED_TN_REJECTED;
	case KS_CRED_TN_SHELL:
		return KS_CRED_TN_ACCEPTED;
	case KS_CRED_TN_NONE:
		break;
	}
	return eof ? KS_CRED_TN_REJECTED : KS_CRED_TN_PENDING;
}

enum phase { WAIT_FIRST, AFTER_USER, AFTER_PASS };

static int send_line(int fd, struct ks_telnet *tn, const char *s, int64_t deadline)
{
	char buf[KS_CRED_PASS_MAX + KS_CRED_USER_MAX + 4];
	int k = snprintf(buf, sizeof buf, "%s\r\n", s);
	int r = ks_cred_send(fd, buf, (size_t)k, deadline);
	explicit_bzero(buf, sizeof buf);
	tn->data_len = 0; /* the next phase looks at what arrives from now on */
	return r;
}

/* One connection, one pair. */
static enum ks_cred_end attempt(int fd, const struct ks_cred_pair *pair, uint32_t io_ms,
				char *why, size_t whylen)
{
	static struct ks_telnet tn_zero;
	struct ks_telnet tn = tn_zero;
	ks_telnet_init(&tn);
	int64_t deadline = ks_cred_deadline(io_ms);
	enum phase ph = WAIT_FIRST;
	bool eof = false;
	uint8_t buf[READ_CHUNK];
	for (;;) {
		long k = eof ? 0 : ks_cred_recv(fd, buf, sizeof buf, deadline);
		if (k == KS_ESYS) {
			snprintf(why, whylen, "connection reset");
			return ph == WAIT_FIRST ? KS_END_ERROR : KS_END_REJECTED;
		}
		bool timeout = k == KS_EAGAIN;
		eof = eof || k == 0;
		if (k > 0) {
			if (tn.data_len > KS_TELNET_DATA_MAX - READ_CHUNK) {
				memmove(tn.data, tn.data + tn.data_len - KEEP_TAIL, KEEP_TAIL);
				tn.data_len = KEEP_TAIL;
			}
			ks_telnet_feed(&tn, buf, (size_t)k);
			if (tn.out_len) {
				if (ks_cred_send(fd, tn.out, tn.out_len, deadline) != 0) {
					snprintf(why, whylen, "send failed");
					return ph == WAIT_FIRST ? KS_END_ERROR : KS_END_REJECTED;
				}
				tn.out_len = 0;
			}
		}
		bool done = eof || timeout;
		if (ph == AFTER_PASS) {
			enum ks_cred_tn_verdict v = ks_cred_tn_decide(tn.data, tn.data_len, done);
			if (v == KS_CRED_TN_ACCEPTED)
				return KS_END_ACCEPTED;
			if (v == KS_CRED_TN_REJECTED)
				return KS_END_REJECTED;
			continue;
		}
		enum ks_cred_tn_prompt p = ks_cred_tn_prompt(tn.data, tn.data_len);
		if (ph == AFTER_USER && ks_cred_tn_failed(tn.data, tn.data_len))
			return KS_END_REJECTED;
		if (p == KS_CRED_TN_SHELL)
			return ph == WAIT_FIRST ? KS_END_NOLOGIN : KS_END_NOPASS;
		if (p == KS_CRED_TN_LOGIN && ph == WAIT_FIRST) {
			if (send_line(fd, &tn, pair->user, deadline) != 0) {
				snprintf(why, whylen, "send failed");
				return KS_END_ERROR;
			}
			ph = AFTER_USER;
			continue;
		}
		if (p == KS_CRED_TN_LOGIN) /* asked for a login again */
			return KS_END_REJECTED;
		if (p == KS_CRED_TN_PASSWORD) {
			if (send_line(fd, &tn, pair->pass, deadline) != 0) {
				snprintf(why, whylen, "send failed");
				return KS_END_REJECTED;
			}
			ph = AFTER_PASS;
			continue;
		}
		if (done) {
			if (ph == WAIT_FIRST) {
				snprintf(why, whylen, "%s", eof ? "closed before a login prompt"
								: "no login prompt");
				return KS_END_UNSUPPORTED;
			}
			return KS_END_REJECTED;
		}
	}
}

int ks_cred_check_telnet(const struct ks_cred_target *t, const struct ks_cred_list *l,
			 const struct ks_cred_limits *lim, const struct ks_scope *scope,
			 const struct ks_survey_sink *sink, struct ks_cred_result *out)
{
	return ks_cred_run(t, l, lim, scope, sink, KS_CRED_TELNET, NULL, attempt, "no password asked", out);
}
