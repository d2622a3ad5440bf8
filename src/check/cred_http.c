/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTP weak-credential checker with libcurl: Basic (RFC 7617) or Digest
 * (RFC 7616), whichever the server's 401 offers (Digest when both are).
 *
 *   scheme unknown (t->http_auth 0): one GET without credentials
 *        not 401/403            -> no-auth (nothing to guess)
 *        401 without Basic/Digest -> unsupported
 *   per pair: GET with the pair (Digest: curl answers the challenge on the
 *   same call, two requests); any status but 401/403 = accepted.
 *
 * Only GET; redirects are not followed (a Location could point outside the
 * scope); proxies are off (CURLOPT_PROXY "": an http_proxy variable must not
 * carry the request elsewhere); no .netrc, cookies or body are kept; a
 * fresh connection per attempt. Certificates are not verified: devices use
 * self-signed ones, and nothing secret of ours is sent. */
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cred.h"
#include "cred_int.h"
#include "ks_err.h"
#include "probe_http.h"

#define BODY_CAP (256u << 10) /* response bytes read before giving up on the body */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void global_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	size_t *seen = ctx;
	*seen += size * n;
	return *seen > BODY_CAP ? 0 : size * n; /* 0 aborts the transfer */
}

struct req {
	long status;
	long avail; /* CURLAUTH_* offered by the last 401 */
	char why[CURL_ERROR_SIZE + 1];
};

/* One GET of url; pair NULL: without credentials. 0, KS_EDECLINED (gate),
 * KS_EIO (transfer failed, r->why set). */
static int get(const struct ks_cred_target *t, const struct ks_scope *scope,
	       const struct ks_cred_limits *lim, const char *url, const struct ks_cred_pair *pair,
	       long scheme, struct req *r)
{
	memset(r, 0, sizeof *r);
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(r->why, sizeof r->why, "curl_easy_init failed");
		return KS_EIO;
	}
	size_t seen = 0;
	char errbuf[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)lim->connect_ms);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)lim->connect_ms + (long)lim->io_ms);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "kansoku-survey (weak-credential check)");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &seen);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (pair) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, scheme);
		curl_easy_setopt(c, CURLOPT_USERNAME, pair->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pair->pass);
	}
	int rc = 0;
	/* THE GATE (scan_scope.h), immediately before the connection. The URL
	 * names t->addr literally and nothing else is followed. */
	if (!ks_cred_gate(scope, t)) {
		rc = KS_EDECLINED;
		goto out;
	}
	CURLcode e = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(c, CURLINFO_HTTPAUTH_AVAIL, &r->avail);
	if (e != CURLE_OK && !(e == CURLE_WRITE_ERROR && r->status)) {
		snprintf(r->why, sizeof r->why, "%s", *errbuf ? errbuf : curl_easy_strerror(e));
		rc = KS_EIO;
	}
out:
	curl_easy_cleanup(c);
	return rc;
}

int ks_cred_check_http(const struct ks_cred_target *t, const struct ks_cred_list *l,
		       const struct ks_cred_limits *lim, const struct ks_scope *scope,
		       const struct ks_survey_sink *sink, struct ks_cred_result *out)
{
	int r = ks_cred_begin(t, l, lim, scope, KS_CRED_HTTP, out);
	if (r != 0)
		return r;
	if (!ks_cred_gate(scope, t))
		return KS_EDECLINED;
	pthread_once(&curl_once, global_init);
	if (curl_init_rc != CURLE_OK) {
		out->status = KS_CRED_ERROR;
		ks_cred_detail(out, "curl_global_init failed");
		return 0;
	}
	char host[KS_ADDR_STRLEN + 2], url[KS_ADDR_STRLEN + 300];
	ks_cred_host(t, host, sizeof host, true);
	const char *path = t->http_path[0] ? t->http_path : "/";
	snprintf(url, sizeof url, "%s://%s:%u%s%s", t->tls ? "https" : "http", host, t->port,
		 path[0] == '/' ? "" : "/", path);

	uint32_t offered = t->http_auth;
	struct req q;
	if (!offered) {
		r = get(t, scope, lim, url, NULL, 0, &q);
		if (r == KS_EDECLINED)
			return r;
		if (r != 0) {
			ks_cred_audit(sink, t, "error: %s", q.why);
			out->status = KS_CRED_ERROR;
			ks_cred_detail(out, "%s", q.why);
			return 0;
		}
		if (q.status != 401 && q.status != 403) {
			ks_cred_audit(sink, t, "no-auth status=%ld", q.status);
			out->status = KS_CRED_NO_AUTH;
			ks_cred_detail(out, "%s answers %ld without credentials",
				 path, q.status);
			return 0;
		}
		offered |= (q.avail & CURLAUTH_BASIC) ? KS_HTTP_AUTH_BASIC : 0;
		offered |= (q.avail & (CURLAUTH_DIGEST | CURLAUTH_DIGEST_IE)) ? KS_HTTP_AUTH_DIGEST : 0;
		ks_cred_audit(sink, t, "auth-required status=%ld scheme=%s", q.status,
			      offered & KS_HTTP_AUTH_DIGEST  ? "Digest"
			      : offered & KS_HTTP_AUTH_BASIC ? "Basic"
							     : "other");
	}
	long scheme;
	const char *sname;
	if (offered & KS_HTTP_AUTH_DIGEST) {
		scheme = CURLAUTH_DIGEST;
		sname = "Digest";
	} else if (offered & KS_HTTP_AUTH_BASIC) {
		scheme = CURLAUTH_BASIC;
		sname = "Basic";
	} else {
		out->status = KS_CRED_UNSUPPORTED;
		ks_cred_detail(out, "http: %s offers neither Basic nor Digest", path);
		return 0;
	}
	for (unsigned i = 0; i < lim->attempts && i < l->n; i++) {
		const struct ks_cred_pair *pair = &l->v[i];
		ks_cred_gap(lim, i);
		r = get(t, scope, lim, url, pair, scheme, &q);
		if (r == KS_EDECLINED)
			return r;
		out->attempts++;
		if (r != 0) {
			ks_cred_audit(sink, t, "error: %s", q.why);
			out->status = KS_CRED_ERROR;
			ks_cred_detail(out, "%s", q.why);
			return 0;
		}
		if (q.status == 401 || q.status == 403) {
			ks_cred_audit(sink, t, "login-rejected user=%s", pair->user);
			continue;
		}
		ks_cred_audit(sink, t, "login-accepted user=%s", pair->user);
		ks_cred_found(sink, t, pair, sname, out);
		return 0;
	}
	out->status = KS_CRED_REJECTED;
	ks_cred_detail(out, "%u pair(s) rejected (%s)", out->attempts, sname);
	return 0;
}
