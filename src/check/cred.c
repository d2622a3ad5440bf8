/* SPDX-License-Identifier: BSD-2-Clause */
/* Weak-credential checks: names, the dispatcher, and the helpers every
 * checker shares (audit records, the finding, the scope-gated connect).
 * Contract in cred.h; the checkers are cred_telnet.c, cred_ssh.c,
 * cred_http.c and cred_ftp.c. */
#include "cred.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cred_int.h"
#include "ks_err.h"
#include "probe_http.h"
#include "scan_rate.h"

static const char *const mod_names[KS_CRED_NMODULES] = {"telnet", "ssh", "http", "ftp"};
static const char *const audit_names[KS_CRED_NMODULES] = {"telnet-login", "ssh-login",
							  "http-login", "ftp-login"};

const char *ks_cred_module_name(enum ks_cred_module m)
{
	return (unsigned)m < KS_CRED_NMODULES ? mod_names[m] : "?";
}

const char *ks_cred_audit_module(enum ks_cred_module m)
{
	return (unsigned)m < KS_CRED_NMODULES ? audit_names[m] : "?";
}

const char *ks_cred_status_name(enum ks_cred_status s)
{
	switch (s) {
	case KS_CRED_REJECTED:
		return "rejected";
	case KS_CRED_ACCEPTED:
		return "accepted";
	case KS_CRED_NO_AUTH:
		return "no-auth";
	case KS_CRED_UNSUPPORTED:
		return "unsupported";
	case KS_CRED_ERROR:
		return "error";
	}
	return "?";
}

int ks_cred_module_parse(const char *s, enum ks_cred_module *out, bool *tls)
{
	if (tls)
		*tls = false;
	if (strcmp(s, "https") == 0) {
		*out = KS_CRED_HTTP;
		if (tls)
			*tls = true;
		return 0;
	}
	for (unsigned i = 0; i < KS_CRED_NMODULES; i++) {
		if (strcmp(s, mod_names[i]) == 0) {
			*out = (enum ks_cred_module)i;
			return 0;
		}
	}
	return KS_EINVAL;
}

int ks_cred_target_from_svc(const struct ks_svc *s, struct ks_cred_target *out)
{
	memset(out, 0, sizeof *out);
	bool tls;
	enum ks_cred_module m;
	if (s->proto != 6 || ks_cred_module_parse(s->module, &m, &tls) != 0)
		return KS_EDECLINED;
	out->addr = s->addr;
	out->port = s->port;
	out->module = m;
	out->tls = tls;
	const char *parts[3] = {s->vendor, s->product, s->version};
	size_t k = 0;
	for (int i = 0; i < 3; i++) {
		size_t n = strnlen(parts[i], sizeof out->product);
		if (!n)
			continue;
		if (k && k + 1 < sizeof out->product)
			out->product[k++] = ' ';
		if (n > sizeof out->product - 1 - k)
			n = sizeof out->product - 1 - k;
		memcpy(out->product + k, parts[i], n);
		k += n;
	}
	out->product[k] = '\0';
	return 0;
}

void ks_cred_limits_default(struct ks_cred_limits *l)
{
	l->attempts = KS_HOST_DEFAULT_ATTEMPTS;
	l->gap_ms = KS_HOST_DEFAULT_GAP_MS;
	l->connect_ms = KS_CRED_DEFAULT_CONNECT_MS;
	l->io_ms = KS_CRED_DEFAULT_IO_MS;
}

void ks_cred_limits_from_scan(const struct ks_scan_limits *s, struct ks_cred_limits *l)
{
	ks_cred_limits_default(l);
	if (s->host_attempts)
		l->attempts = s->host_attempts;
	l->gap_ms = s->host_gap_ms;
}

int ks_cred_check(const struct ks_cred_target *t, const struct ks_cred_list *l,
		  const struct ks_cred_limits *lim, const struct ks_scope *scope,
		  const struct ks_survey_sink *sink, struct ks_cred_result *out)
{
	static const ks_cred_check_fn fns[KS_CRED_NMODULES] = {
		ks_cred_check_telnet, ks_cred_check_ssh, ks_cred_check_http, ks_cred_check_ftp};
	if (!t || (unsigned)t->module >= KS_CRED_NMODULES)
		return KS_EINVAL;
	return fns[t->module](t, l, lim, scope, sink, out);
}

int ks_cred_begin(const struct ks_cred_target *t, const struct ks_cred_list *l,
		  const struct ks_cred_limits *lim, const struct ks_scope *scope,
		  enum ks_cred_module m, struct ks_cred_result *out)
{
	if (!out)
		return KS_EINVAL;
	memset(out, 0, sizeof *out);
	out->status = KS_CRED_REJECTED;
	if (!t || !l || !lim || !scope || lim->attempts == 0)
		return KS_EINVAL;
	if (t->module != m)
		return KS_EDECLINED;
	return 0;
}

bool ks_cred_gate(const struct ks_scope *scope, const struct ks_cred_target *t)
{
	return ks_scope_contains(scope, &t->addr);
}

void ks_cred_audit(const struct ks_survey_sink *sink, const struct ks_cred_target *t,
		   const char *fmt, ...)
{
	char outcome[161];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(outcome, sizeof outcome, fmt, ap);
	va_end(ap);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct ks_audit a = {
		.t_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec,
		.addr = t->addr,
		.port = t->port,
		.proto = 6,
		.module = ks_cred_audit_module(t->module),
		.outcome = outcome,
	};
	ks_sink_audit(sink, &a);
}

void ks_cred_found(const struct ks_survey_sink *sink, const struct ks_cred_target *t,
		   const struct ks_cred_pair *pair, const char *how, struct ks_cred_result *out)
{
	const char *proto = t->module == KS_CRED_HTTP && t->tls ? "https" : ks_cred_module_name(t->module);
	out->status = KS_CRED_ACCEPTED;
	if (pair) {
		snprintf(out->user, sizeof out->user, "%s", pair->user);
		snprintf(out->pass, sizeof out->pass, "%s", pair->pass);
		ks_cred_detail(out, "%s/%s accepted over %s", pair->user,
			 *pair->pass ? pair->pass : "(empty password)", proto);
	} else {
		out->no_password = true;
		ks_cred_detail(out, "no password required over %s", proto);
	}
	if (how) {
		size_t dl = strlen(out->detail);
		snprintf(out->detail + dl, sizeof out->detail - dl, " (%s)", how);
	}
	struct ks_finding f;
	memset(&f, 0, sizeof f);
	f.addr = t->addr;
	f.port = t->port;
	f.proto = 6;
	f.type = KS_FIND_WEAK_CREDENTIALS;
	f.sev = KS_SEV_CRITICAL;
	snprintf(f.product, sizeof f.product, "%s", t->product);
	snprintf(f.detail, sizeof f.detail, "%s", out->detail);
	ks_sink_finding(sink, &f);
}

void ks_cred_detail(struct ks_cred_result *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->detail, sizeof out->detail, fmt, ap);
	va_end(ap);
}

void ks_cred_gap(const struct ks_cred_limits *lim, unsigned i)
{
	if (i == 0 || lim->gap_ms == 0)
		return;
	struct timespec ts = {(time_t)(lim->gap_ms / 1000), (long)(lim->gap_ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void ks_cred_host(const struct ks_cred_target *t, char *buf, size_t n, bool url)
{
	char a[KS_ADDR_STRLEN];
	ks_addr_format(&t->addr, a);
	if (url && !ks_addr_is_v4(&t->addr))
		snprintf(buf, n, "[%s]", a);
	else
		snprintf(buf, n, "%s", a);
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t ks_cred_deadline(uint32_t ms)
{
	return now_ns() + (int64_t)ms * 1000000;
}

static int wait_fd(int fd, short ev, int64_t deadline_ns)
{
	for (;;) {
		int64_t left = deadline_ns - now_ns();
		if (left <= 0)
			return KS_EAGAIN;
		struct pollfd p = {fd, ev, 0};
		int k = poll(&p, 1, (int)((left + 999999) / 1000000));
		if (k > 0)
			return 0;
		if (k < 0 && errno != EINTR)
			return KS_ESYS;
	}
}

int ks_cred_connect(const struct ks_scope *scope, const struct ks_cred_target *t,
		    uint32_t timeout_ms, int *fd, char *why, size_t whylen)
{
	*fd = -1;
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	if (ks_addr_is_v4(&t->addr)) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons(t->port);
		memcpy(&s4->sin_addr, t->addr.b + 12, 4);
		sl = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(t->port);
		memcpy(&s6->sin6_addr, t->addr.b, 16);
		sl = sizeof *s6;
	}
	int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return KS_ESYS;
	}
	/* THE GATE (scan_scope.h), immediately before the connection. */
	if (!ks_cred_gate(scope, t)) {
		close(s);
		snprintf(why, whylen, "outside the scope");
		return KS_EDECLINED;
	}
	int64_t deadline = ks_cred_deadline(timeout_ms);
	if (connect(s, (struct sockaddr *)&ss, sl) != 0) {
		if (errno != EINPROGRESS) {
			snprintf(why, whylen, "%s", strerror(errno));
			close(s);
			return KS_ESYS;
		}
		int r = wait_fd(s, POLLOUT, deadline);
		int e = 0;
		socklen_t el = sizeof e;
		if (r == 0 && getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
			e = errno;
		if (r != 0 || e != 0) {
			snprintf(why, whylen, "%s", r == KS_EAGAIN ? "connect timed out" : strerror(e ? e : errno));
			close(s);
			return KS_ESYS;
		}
	}
	*fd = s;
	return 0;
}

long ks_cred_recv(int fd, uint8_t *buf, size_t n, int64_t deadline_ns)
{
	for (;;) {
		ssize_t k = recv(fd, buf, n, 0);
		if (k >= 0)
			return (long)k;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return KS_ESYS;
		int r = wait_fd(fd, POLLIN, deadline_ns);
		if (r != 0)
			return r;
	}
}

int ks_cred_send(int fd, const void *p, size_t n, int64_t deadline_ns)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);
		if (k > 0) {
			b += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return KS_ESYS;
		int r = wait_fd(fd, POLLOUT, deadline_ns);
		if (r != 0)
			return r;
	}
	return 0;
}

bool ks_cred_end(const struct ks_survey_sink *sink, const struct ks_cred_target *t,
		 const struct ks_cred_pair *pair, enum ks_cred_end e, const char *nopass,
		 const char *why, struct ks_cred_result *out)
{
	const char *proto = ks_cred_module_name(t->module);
	switch (e) {
	case KS_END_ACCEPTED:
		ks_cred_audit(sink, t, "login-accepted user=%s", pair->user);
		ks_cred_found(sink, t, pair, NULL, out);
		return true;
	case KS_END_NOLOGIN:
		ks_cred_audit(sink, t, "login-accepted user= (%s without login)",
			      t->module == KS_CRED_TELNET ? "shell" : "access");
		ks_cred_found(sink, t, NULL, NULL, out);
		return true;
	case KS_END_NOPASS:
		ks_cred_audit(sink, t, "login-accepted user=%s (%s)", pair->user, nopass);
		ks_cred_found(sink, t, NULL, NULL, out);
		return true;
	case KS_END_REJECTED:
		ks_cred_audit(sink, t, "login-rejected user=%s", pair->user);
		return false;
	case KS_END_UNSUPPORTED:
	case KS_END_ERROR:
		break;
	}
	ks_cred_audit(sink, t, "error: %s", why);
	out->status = e == KS_END_UNSUPPORTED ? KS_CRED_UNSUPPORTED : KS_CRED_ERROR;
	ks_cred_detail(out, "%s: %s", proto, why);
	return true;
}

/* An attempt on a new connection, for checkers with an on_fd function. */
static enum ks_cred_end fd_attempt(const struct ks_cred_target *t, const struct ks_scope *scope,
				   const struct ks_cred_pair *pair, const struct ks_cred_limits *lim,
				   ks_cred_fd_fn on_fd, bool *declined, char *why, size_t whylen)
{
	int fd;
	int r = ks_cred_connect(scope, t, lim->connect_ms, &fd, why, whylen);
	*declined = r == KS_EDECLINED;
	if (r != 0)
		return KS_END_ERROR;
	enum ks_cred_end e = on_fd(fd, pair, lim->io_ms, why, whylen);
	close(fd);
	return e;
}

int ks_cred_run(const struct ks_cred_target *t, const struct ks_cred_list *l,
		const struct ks_cred_limits *lim, const struct ks_scope *scope,
		const struct ks_survey_sink *sink, enum ks_cred_module m, ks_cred_attempt_fn attempt,
		ks_cred_fd_fn on_fd, const char *nopass, struct ks_cred_result *out)
{
	int r = ks_cred_begin(t, l, lim, scope, m, out);
	if (r != 0)
		return r;
	if (!ks_cred_gate(scope, t))
		return KS_EDECLINED;
	for (unsigned i = 0; i < lim->attempts && i < l->n; i++) {
		const struct ks_cred_pair *pair = &l->v[i];
		char why[200] = "";
		bool declined = false;
		ks_cred_gap(lim, i);
		enum ks_cred_end e = attempt ? attempt(t, scope, pair, lim, &declined, why, sizeof why)
					     : fd_attempt(t, scope, pair, lim, on_fd, &declined, why,
							  sizeof why);
		if (declined)
			return KS_EDECLINED;
		out->attempts++;
		if (ks_cred_end(sink, t, pair, e, nopass, why, out))
			return 0;
	}
	out->status = KS_CRED_REJECTED;
	ks_cred_detail(out, "%u pair(s) rejected", out->attempts);
	return 0;
}
