/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTP driver (80, 81, 7547, 8000, 8080, 8081; the banner driver's
 * fallback): GET / with a Host header naming the address, then at most one
 * redirect, and only to the same address (ks_grab_url_resolve; the engine
 * checks the gate again before connecting). Records status, Server, title,
 * WWW-Authenticate and Location (probe_http.h). No Accept-Encoding is sent,
 * so bodies come uncompressed. */
#include <string.h>

#include "grab_int.h"

#define UA "kansoku-survey/1 (authorised survey; see the operator's notice)"

void ks_grab_http_get(struct grab_job *j, const char *path, uint16_t port)
{
	char a[KS_ADDR_STRLEN], host[KS_ADDR_STRLEN + 10], req[GRAB_OUT_MAX];
	ks_addr_format(&j->addr, a);
	bool v6 = !ks_addr_is_v4(&j->addr);
	if (port == 80)
		snprintf(host, sizeof host, "%s%s%s", v6 ? "[" : "", a, v6 ? "]" : "");
	else
		snprintf(host, sizeof host, "%s%s%s:%u", v6 ? "[" : "", a, v6 ? "]" : "", port);
	int n = snprintf(req, sizeof req,
			 "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: " UA "\r\nAccept: */*\r\n"
			 "Connection: close\r\n\r\n",
			 path, host);
	if (n > 0 && (size_t)n < sizeof req)
		ks_grab_job_send(j, req, (size_t)n);
}

void ks_grab_http_wwwauth(const uint8_t *p, size_t n, char *dst, size_t cap)
{
	dst[0] = '\0';
	struct ks_rd r = ks_rd_make(p, n);
	const uint8_t *line;
	size_t len;
	for (unsigned i = 0; i < KS_HTTP_HEADERS_MAX + 1; i++) {
		if (ks_probe_line(&r, KS_HTTP_HEAD_MAX, &line, &len) != 0 || len == 0)
			return;
		const uint8_t *name, *value;
		size_t nl, vn, bad;
		if (i == 0 || ks_probe_header(line, len, &name, &nl, &value, &vn, &bad) != 0)
			continue;
		if (ks_probe_ieq(name, nl, "WWW-Authenticate")) {
			ks_probe_text(dst, cap, value, vn);
			return;
		}
	}
}

static uint16_t cur_port(const struct grab_job *j)
{
	return j->next_port ? j->next_port : j->port;
}

static int start(struct grab_job *j)
{
	ks_grab_http_get(j, j->step ? j->path : "/", cur_port(j));
	return GRAB_WAIT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	struct ks_http *h = j->step ? &j->http2 : &j->http;
	int r = ks_http_parse(j->in, j->in_len, eof, h);
	if (r == KS_EAGAIN)
		return GRAB_WAIT;
	if (h->status == 0) {
		ks_grab_job_outcome(j, "not http: %s", h->fail.what ? h->fail.what : "?");
		return GRAB_DONE;
	}
	ks_grab_job_outcome(j, "identified: http %u", h->status);
	if (j->step == 0) {
		ks_grab_http_wwwauth(j->in, h->head_len ? h->head_len : j->in_len, j->wwwauth,
				     sizeof j->wwwauth);
		uint16_t port;
		if (h->status >= 300 && h->status < 400 && h->location[0] &&
		    ks_grab_url_resolve(h->location, strlen(h->location), &j->addr, cur_port(j), &port,
					j->path, sizeof j->path) == 0) {
			ks_grab_job_outcome(j, "identified: http %u, redirect followed", h->status);
			j->next_port = port;
			j->step = 1;
			return GRAB_RECONNECT;
		}
	}
	return GRAB_DONE;
}

static int timeout(struct grab_job *j)
{
	return input(j, 0, true);
}

static void finish(struct grab_job *j)
{
	const struct ks_http *a = &j->http, *b = j->http2.status ? &j->http2 : NULL;
	if (!a->status)
		return;
	snprintf(j->svc.module, sizeof j->svc.module, "http");
	ks_grab_fmt(j->svc.banner, sizeof j->svc.banner, "%s",
		    a->server[0] ? a->server : b ? b->server : "");
	const char *title = b && b->title[0] ? b->title : a->title[0] ? a->title : a->auth.realm;
	ks_grab_fmt(j->svc.title, sizeof j->svc.title, "%s", title);
	j->facts.http = a;
	j->facts.http_next = b;
	j->facts.wwwauth = j->wwwauth[0] ? j->wwwauth : NULL;
}

const struct ks_grabber ks_grab_http = {"http", KS_PROTO_TCP, start, input, timeout, finish, false};
