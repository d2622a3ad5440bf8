/* SPDX-License-Identifier: BSD-2-Clause */
/* FTP weak-credential checker: our own minimal client (replies parsed by
 * ks_ftp_parse, probe_ftp.h). specification: RFC 959 (USER, PASS, QUIT).
 *
 *   greeting 220 -> USER u -> 230: no password required
 *                             331/332 -> PASS p -> 230 (202): accepted
 *                                                  530 ...: rejected
 *   -> QUIT, close
 * No other command is ever sent: nothing is listed, read or written, and
 * no data connection is opened. (libcurl's FTP would do LIST/RETR or at
 * least PWD/TYPE; a dozen lines of our own keep the promise exact.) */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cred.h"
#include "cred_int.h"
#include "ks_err.h"
#include "probe_ftp.h"

#define REPLY_MAX 8192 /* bytes of one reply */

/* Reads one whole reply into f. 0, or an error with why set. */
static int reply(int fd, int64_t deadline, struct ks_ftp *f, char *why, size_t whylen)
{
	uint8_t buf[REPLY_MAX];
	size_t n = 0;
	for (;;) {
		long k = n < sizeof buf ? ks_cred_recv(fd, buf + n, sizeof buf - n, deadline) : 0;
		if (k < 0) {
			snprintf(why, whylen, "%s", k == KS_EAGAIN ? "reply timed out" : "connection reset");
			return (int)k;
		}
		n += (size_t)k;
		int r = ks_ftp_parse(buf, n, k == 0, f);
		if (r == 0)
			return 0;
		if (r != KS_EAGAIN) {
			snprintf(why, whylen, "%s", k == 0 ? "connection closed" : "not an FTP reply");
			return r;
		}
	}
}

static int command(int fd, int64_t deadline, const char *verb, const char *arg, struct ks_ftp *f,
		   char *why, size_t whylen)
{
	char line[KS_CRED_PASS_MAX + KS_CRED_USER_MAX + 16];
	int k = snprintf(line, sizeof line, "%s %s\r\n", verb, arg);
	int r = ks_cred_send(fd, line, (size_t)k, deadline);
	explicit_bzero(line, sizeof line);
	if (r != 0) {
		snprintf(why, whylen, "send failed");
		return r;
	}
	return reply(fd, deadline, f, why, whylen);
}

/* "530 Non-anonymous sessions must use encryption" and the like. */
static bool needs_tls(const struct ks_ftp *f)
{
	const uint8_t *b = (const uint8_t *)f->banner;
	size_t n = strlen(f->banner);
	return ks_probe_ifind(b, n, "encrypt") >= 0 || ks_probe_ifind(b, n, "tls") >= 0 ||
	       ks_probe_ifind(b, n, "ssl") >= 0;
}

static enum ks_cred_end attempt(int fd, const struct ks_cred_pair *pair, uint32_t io_ms, char *why,
				size_t whylen)
{
	int64_t deadline = ks_cred_deadline(io_ms);
	struct ks_ftp f;
	if (reply(fd, deadline, &f, why, whylen) != 0)
		return KS_END_ERROR;
	if (f.code != 220) {
		snprintf(why, whylen, "greeting %u: %.100s", f.code, f.banner);
		return KS_END_ERROR;
	}
	if (command(fd, deadline, "USER", pair->user, &f, why, whylen) != 0)
		return KS_END_ERROR;
	enum ks_cred_end e;
	if (f.code == 230) {
		e = KS_END_NOPASS;
	} else if (f.code == 331 || f.code == 332) {
		if (command(fd, deadline, "PASS", pair->pass, &f, why, whylen) != 0)
			return KS_END_REJECTED; /* some servers drop the line after a bad PASS */
		e = f.code == 230 || f.code == 202 ? KS_END_ACCEPTED : KS_END_REJECTED;
	} else if (f.code == 530 && needs_tls(&f)) {
		/* "530 Non-anonymous sessions must use encryption": FTPS only;
		 * AUTH TLS is not tried. */
		snprintf(why, whylen, "server requires TLS (AUTH TLS is not tried)");
		e = KS_END_UNSUPPORTED;
	} else {
		e = KS_END_REJECTED; /* 530 "not allowed" for this user, 421 ... */
	}
	(void)ks_cred_send(fd, "QUIT\r\n", 6, deadline);
	return e;
}

int ks_cred_check_ftp(const struct ks_cred_target *t, const struct ks_cred_list *l,
		      const struct ks_cred_limits *lim, const struct ks_scope *scope,
		      const struct ks_survey_sink *sink, struct ks_cred_result *out)
{
	return ks_cred_run(t, l, lim, scope, sink, KS_CRED_FTP, NULL, attempt, "no password asked", out);
}
