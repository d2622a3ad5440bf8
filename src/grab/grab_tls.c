/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTPS driver (443, 8443): up to three ClientHellos, each on its own
 * connection, each read up to the server's first flight (probe_tls.h) and
 * closed without finishing the handshake:
 *
 *   step 0  TLS 1.0-1.2 (ks_tls_client_hello, max_version 0x0303), so that
 *           the server's certificate comes in clear
 *   step 1  when step 0 chose TLS 1.2 and tls_old_versions is set: the same
 *           ClientHello with client_version 0x0302 (RFC 5246 appendix E.1),
 *           to learn whether TLS 1.1 or 1.0 is still accepted
 *   step 2  when step 0 chose TLS 1.2 or failed: TLS 1.3 offering
 *           X25519MLKEM768 first (without a share for it) and x25519, to
 *           learn the key-exchange group a TLS 1.3 client would get: the
 *           post-quantum inventory (a HelloRetryRequest names the group
 *           the server prefers)
 *
 * Nothing is verified: no crypto library. HTTP inside TLS is not spoken. */
#include <string.h>

#include "grab_int.h"

#define CLIENT_VERSION_OFF 9 /* record header 5 + handshake type 1 + length 3 */

static int start(struct grab_job *j)
{
	struct ks_tls_hello_opts o;
	memset(&o, 0, sizeof o);
	o.max_version = j->step == 2 ? 0x0304 : 0x0303;
	o.offer_pq = j->step == 2;
	for (size_t i = 0; i < sizeof o.random; i += 4) {
		uint32_t r = ks_grab_random32();
		memcpy(o.random + i, &r, 4);
	}
	for (size_t i = 0; i < sizeof o.x25519_share; i += 4) {
		uint32_t r = ks_grab_random32();
		memcpy(o.x25519_share + i, &r, 4);
	}
	uint8_t buf[512];
	size_t n;
	if (ks_tls_client_hello(buf, sizeof buf, &o, &n) != 0) {
		ks_grab_job_outcome(j, "error: ClientHello");
		return GRAB_DONE;
	}
	if (j->step == 1) {
		buf[CLIENT_VERSION_OFF] = 0x03;
		buf[CLIENT_VERSION_OFF + 1] = 0x02;
	}
	ks_grab_job_send(j, buf, n);
	return GRAB_WAIT;
}

static int step(struct grab_job *j, unsigned next)
{
	j->next_port = j->port;
	j->step = next;
	return GRAB_RECONNECT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	struct ks_tls *t = j->step == 0 ? &j->tls : j->step == 1 ? &j->tls2 : &j->tls13;
	int r = ks_tls_parse(j->in, j->in_len, eof, t);
	if (r == KS_EAGAIN)
		return GRAB_WAIT;
	if (j->step == 2) {
		if (t->have_hello && (t->version == 0x0304 || t->hello_retry))
			ks_grab_job_outcome(j, "identified: tls, TLSv1.3 group %s%s",
					    ks_tls_group_name(t->key_share)[0] ? ks_tls_group_name(t->key_share)
									       : "unknown",
					    t->hello_retry ? " (retry)" : "");
		else
			ks_grab_job_outcome(j, "identified: tls, no TLSv1.3");
		return GRAB_DONE;
	}
	if (j->step == 1) {
		if (t->have_hello && t->version == 0x0302)
			j->facts.tls_old_accepted |= 2;
		else if (t->have_hello && t->version == 0x0301)
			j->facts.tls_old_accepted |= 1;
		else if (t->have_hello && t->version == 0x0300)
			j->facts.tls_old_accepted |= 4;
		ks_grab_job_outcome(j, "identified: tls, %s with at most TLSv1.1",
				    t->have_hello ? ks_tls_version_name(t->version) : "refused");
		return ks_grab_job_opts(j)->tls13 ? step(j, 2) : GRAB_DONE;
	}
	if (!t->have_hello) {
		if (t->alert)
			ks_grab_job_outcome(j, "identified: tls alert %u", t->alert_desc);
		else
			ks_grab_job_outcome(j, "not tls: %s", t->fail.what ? t->fail.what : "?");
		/* A TLS 1.3-only server refuses 1.0-1.2 with an alert. */
		return t->alert && ks_grab_job_opts(j)->tls13 ? step(j, 2) : GRAB_DONE;
	}
	ks_grab_job_outcome(j, "identified: tls %s", ks_tls_version_name(t->version));
	if (t->version == 0x0303 && ks_grab_job_opts(j)->tls_old_versions)
		return step(j, 1);
	if (t->version == 0x0303 && ks_grab_job_opts(j)->tls13)
		return step(j, 2);
	return GRAB_DONE;
}

static int timeout(struct grab_job *j)
{
	return input(j, 0, true);
}

static void finish(struct grab_job *j)
{
	const struct ks_tls *t = &j->tls, *t13 = &j->tls13;
	bool v13 = t13->have_hello && (t13->version == 0x0304 || t13->hello_retry);
	if (!t->have_hello && !t->alert && !v13)
		return;
	snprintf(j->svc.module, sizeof j->svc.module, "https");
	if (t->have_cert && t->cert_err == 0) {
		const struct ks_x509 *c = &t->cert;
		ks_grab_fmt(j->svc.banner, sizeof j->svc.banner, "%s%s%s%s%s",
			    c->subject_cn[0] ? "CN=" : "", c->subject_cn,
			    c->subject_cn[0] && c->subject_o[0] ? "," : "", c->subject_o[0] ? "O=" : "",
			    c->subject_o);
	}
	j->facts.tls = t;
	j->facts.tls13 = v13 ? t13 : NULL;
}

const struct ks_grabber ks_grab_https = {"https", KS_PROTO_TCP, start, input, timeout, finish, false};
