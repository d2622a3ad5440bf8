/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTPS driver (443, 8443): our ClientHello offering TLS 1.0-1.2
 * (ks_tls_client_hello with max_version 0x0303), so that the server's
 * certificate comes in clear; reads the first flight (probe_tls.h) and
 * closes without finishing the handshake. When the server chose TLS 1.2
 * and tls_old_versions is set, a second handshake offers at most TLS 1.1
 * (the same ClientHello with client_version 0x0302, RFC 5246 appendix E.1)
 * to learn whether the server still accepts TLS 1.1 or 1.0. Nothing is
 * verified: no crypto library. HTTP inside TLS is not spoken. */
#include <string.h>

#include "grab_int.h"

#define CLIENT_VERSION_OFF 9 /* record header 5 + handshake type 1 + length 3 */

static int start(struct grab_job *j)
{
	struct ks_tls_hello_opts o;
	memset(&o, 0, sizeof o);
	o.max_version = 0x0303;
	for (size_t i = 0; i < sizeof o.random; i += 4) {
		uint32_t r = ks_grab_random32();
		memcpy(o.random + i, &r, 4);
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

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	struct ks_tls *t = j->step ? &j->tls2 : &j->tls;
	int r = ks_tls_parse(j->in, j->in_len, eof, t);
	if (r == KS_EAGAIN)
		return GRAB_WAIT;
	if (j->step == 1) {
		if (t->have_hello && t->version == 0x0302)
			j->facts.tls_old_accepted |= 2;
		else if (t->have_hello && t->version == 0x0301)
			j->facts.tls_old_accepted |= 1;
		else if (t->have_hello && t->version == 0x0300)
			j->facts.tls_old_accepted |= 4;
		ks_grab_job_outcome(j, "identified: tls, %s with at most TLSv1.1",
				    t->have_hello ? ks_tls_version_name(t->version) : "refused");
		return GRAB_DONE;
	}
	if (!t->have_hello) {
		if (t->alert)
			ks_grab_job_outcome(j, "identified: tls alert %u", t->alert_desc);
		else
			ks_grab_job_outcome(j, "not tls: %s", t->fail.what ? t->fail.what : "?");
		return GRAB_DONE;
	}
	ks_grab_job_outcome(j, "identified: tls %s", ks_tls_version_name(t->version));
	if (t->version == 0x0303 && ks_grab_job_opts(j)->tls_old_versions) {
		j->next_port = j->port;
		j->step = 1;
		return GRAB_RECONNECT;
	}
	return GRAB_DONE;
}

static int timeout(struct grab_job *j)
{
	return input(j, 0, true);
}

static void finish(struct grab_job *j)
{
	const struct ks_tls *t = &j->tls;
	if (!t->have_hello && !t->alert)
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
}

const struct ks_grabber ks_grab_https = {"https", KS_PROTO_TCP, start, input, timeout, finish};
