/* SPDX-License-Identifier: BSD-2-Clause */
/* The identification engine (grab.h): one thread, non-blocking sockets and
 * epoll, a fixed pool of jobs, a queue of submitted targets, the token
 * bucket and per-host limit, timeouts, and the gate before every connect()
 * and send of a datagram. Protocol sessions live in the drivers
 * (grab_<proto>.c, grab_int.h); what a finished job becomes (svc, findings)
 * comes from grab_findings.c and grab_fp.c.
 *
 * Job life (grab_int.h has the diagram): a queued target gets a job when a
 * pool slot is free, its host has fewer than host_conns jobs, and the
 * bucket has a token. Each connection of a job is audited when it closes;
 * the job's records (svc, findings) are emitted when it finishes. */
#include "grab_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ks_alloc.h"
#include "ks_log.h"
#include "scan_ports.h"

#define SCAN_AHEAD 64 /* queue entries looked at for one whose host has room */
#define EVENTS 64

enum { S_FREE = 0, S_WAITING, S_CONNECTING, S_OPEN };

struct target {
	struct ks_addr addr;
	uint16_t port;
	uint8_t proto;
	const struct ks_grabber *d;
};

struct slot {
	struct grab_job *j; /* heap, allocated at open */
	int state;
	int fd;
	bool udp;           /* current connection */
	bool unconnected;   /* UDP socket not connect()ed: replies from any port (sendto) */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	uint16_t port;      /* current connection's port */
	uint32_t gen;       /* bumps at every new connection: stale epoll events are dropped */
	unsigned tries;     /* UDP datagrams sent on this connection */
	int64_t t_read;     /* read / connect deadline, ns */
	int64_t t_end;      /* whole job deadline, ns */
	size_t out_off;     /* TCP: bytes of j->out already sent */
};

struct ks_grab {
	struct ks_grab_opts o;
	int ep;
	struct slot *slots;
	size_t nslots, active;
	struct target *q; /* queue: q[qhead..qtail) */
	size_t qhead, qtail, qcap;
	struct ks_rate rate;
	struct ks_grab_stats st;
};

static int64_t now_ns(const struct ks_grab *g)
{
	return g->o.clock ? g->o.clock(g->o.clock_ctx) : ks_clock_monotonic(NULL);
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ks_grab_opts_default(struct ks_grab_opts *o)
{
	memset(o, 0, sizeof *o);
	ks_scan_limits_default(&o->limits);
	o->tls_old_versions = true;
	o->tls13 = true;
}

const char *ks_grab_module(uint16_t port, uint8_t proto)
{
	if (proto == KS_PROTO_UDP) {
		switch (port) {
		case 53: return "dns";
		case 123: return "ntp";
		case 1900: return "ssdp";
		case 5683: return "coap";
		default: return NULL;
		}
	}
	switch (port) {
	case 23: case 2323: return "telnet";
	case 22: return "ssh";
	case 21: return "ftp";
	case 80: case 81: case 7547: case 8000: case 8080: case 8081: return "http";
	case 443: case 8443: return "https";
	case 554: return "rtsp";
	case 1883: return "mqtt";
	default: return "banner";
	}
}

static const struct ks_grabber *driver_named(const char *name, uint8_t proto)
{
	static const struct ks_grabber *const all[] = {
		&ks_grab_telnet, &ks_grab_ssh, &ks_grab_http, &ks_grab_https, &ks_grab_ftp,
		&ks_grab_rtsp, &ks_grab_mqtt, &ks_grab_banner, &ks_grab_dns, &ks_grab_ntp,
		&ks_grab_ssdp, &ks_grab_coap,
	};
	for (size_t i = 0; name && i < sizeof all / sizeof all[0]; i++)
		if (strcmp(all[i]->name, name) == 0 && all[i]->proto == proto)
			return all[i];
	return NULL;
}

/* ---- helpers for drivers ----------------------------------------------- */

void ks_grab_job_send(struct grab_job *j, const void *p, size_t n)
{
	if (n > sizeof j->out - j->out_len)
		n = sizeof j->out - j->out_len;
	memcpy(j->out + j->out_len, p, n);
	j->out_len += n;
}

void ks_grab_fmt(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
}

void ks_grab_job_outcome(struct grab_job *j, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(j->outcome, sizeof j->outcome, fmt, ap);
	va_end(ap);
}

const struct ks_grab_opts *ks_grab_job_opts(const struct grab_job *j)
{
	return &j->g->o;
}

uint32_t ks_grab_random32(void)
{
	uint32_t v;
	if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v)
		return v;
	static uint32_t ctr;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_nsec * 2654435761u ^ ++ctr;
}

void ks_grab_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	uint8_t tmp[1024];
	size_t k = 0;
	bool space = false;
	for (size_t i = 0; i < n && k < sizeof tmp; i++) {
		uint8_t c = p[i];
		if (c == '\r' || c == '\n' || c == '\t' || c == ' ') {
			space = k > 0;
			continue;
		}
		if (space && k < sizeof tmp - 1)
			tmp[k++] = ' ';
		space = false;
		tmp[k++] = c;
	}
	ks_probe_text(dst, cap, tmp, k);
}

/* ---- open / close -------------------------------------------------------- */

int ks_grab_open(const struct ks_grab_opts *o, struct ks_grab **out)
{
	*out = NULL;
	if (!o || !o->scope || !o->scope->built)
		return KS_EINVAL;
	struct ks_grab *g = ks_xcalloc(1, sizeof *g);
	g->o = *o;
	struct ks_grab_opts *p = &g->o;
	if (!p->max_conns)
		p->max_conns = KS_GRAB_DEFAULT_CONNS;
	if (!p->connect_ms)
		p->connect_ms = KS_GRAB_DEFAULT_CONNECT_MS;
	if (!p->read_ms)
		p->read_ms = KS_GRAB_DEFAULT_READ_MS;
	if (!p->job_ms)
		p->job_ms = KS_GRAB_DEFAULT_JOB_MS;
	if (!p->banner_ms)
		p->banner_ms = KS_GRAB_DEFAULT_BANNER_MS;
	if (!p->udp_ms)
		p->udp_ms = KS_GRAB_DEFAULT_UDP_MS;
	if (!p->udp_tries)
		p->udp_tries = KS_GRAB_DEFAULT_UDP_TRIES;
	if (!p->limits.host_conns)
		p->limits.host_conns = KS_HOST_DEFAULT_CONNS;
	if (!p->limits.pps)
		p->limits.pps = KS_RATE_DEFAULT_PPS;
	if (ks_rate_init(&g->rate, p->limits.pps, 0, p->clock, p->clock_ctx) != 0) {
		free(g);
		return KS_EINVAL;
	}
	/* Start with a full bucket's worth: the first connections need not wait. */
	g->rate.have_nt = g->rate.cap_nt;
	g->ep = epoll_create1(EPOLL_CLOEXEC);
	if (g->ep < 0) {
		free(g);
		return KS_ESYS;
	}
	g->nslots = p->max_conns;
	g->slots = ks_xcalloc(g->nslots, sizeof *g->slots);
	for (size_t i = 0; i < g->nslots; i++)
		g->slots[i].fd = -1;
	*out = g;
	return 0;
}

static void job_free(struct grab_job *j)
{
	if (!j)
		return;
	free(j->in);
	free(j);
}

void ks_grab_close(struct ks_grab *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nslots; i++) {
		if (g->slots[i].fd >= 0)
			close(g->slots[i].fd);
		job_free(g->slots[i].j);
	}
	free(g->slots);
	free(g->q);
	if (g->ep >= 0)
		close(g->ep);
	free(g);
}

void ks_grab_stats(const struct ks_grab *g, struct ks_grab_stats *out)
{
	*out = g->st;
}

/* ---- records ------------------------------------------------------------- */

static void audit(struct ks_grab *g, const struct ks_addr *a, uint16_t port, uint8_t proto,
		  const char *module, const char *outcome)
{
	struct ks_audit au = {wall_ns(), *a, port, proto, module, outcome};
	ks_sink_audit(g->o.sink, &au);
}

int ks_grab_submit(struct ks_grab *g, const struct ks_addr *addr, uint16_t port, uint8_t proto)
{
	return ks_grab_submit_as(g, addr, port, proto, NULL);
}

int ks_grab_submit_as(struct ks_grab *g, const struct ks_addr *addr, uint16_t port, uint8_t proto,
		      const char *module)
{
	if (port == 0 || (proto != KS_PROTO_TCP && proto != KS_PROTO_UDP))
		return KS_EINVAL;
	const struct ks_grabber *d = driver_named(module ? module : ks_grab_module(port, proto), proto);
	if (module && !d)
		return KS_EINVAL;
	if (!ks_scope_contains(g->o.scope, addr) || !d) {
		g->st.refused++;
		char m[24];
		snprintf(m, sizeof m, "%s-%s", proto == KS_PROTO_UDP ? "udp" : "grab",
			 d ? d->name : "none");
		audit(g, addr, port, proto, m,
		      d ? "refused: out of scope" : "refused: no UDP module for this port");
		return KS_EDECLINED;
	}
	if (g->qtail == g->qcap) {
		if (g->qhead > 0) {
			memmove(g->q, g->q + g->qhead, (g->qtail - g->qhead) * sizeof *g->q);
			g->qtail -= g->qhead;
			g->qhead = 0;
		}
		if (g->qtail == g->qcap) {
			g->qcap = g->qcap ? g->qcap * 2 : 256;
			g->q = ks_xreallocarray(g->q, g->qcap, sizeof *g->q);
		}
	}
	g->q[g->qtail++] = (struct target){*addr, port, proto, d};
	g->st.submitted++;
	return 0;
}

/* ---- connections ---------------------------------------------------------- */

static void conn_close(struct ks_grab *g, struct slot *s)
{
	struct grab_job *j = s->j;
	if (s->fd >= 0) {
		epoll_ctl(g->ep, EPOLL_CTL_DEL, s->fd, NULL);
		close(s->fd);
		s->fd = -1;
		audit(g, &j->addr, s->port, s->udp ? KS_PROTO_UDP : KS_PROTO_TCP, j->audit_mod,
		      j->outcome[0] ? j->outcome : "closed");
	}
	j->outcome[0] = '\0';
	s->out_off = 0;
	s->tries = 0;
}

static void finish(struct ks_grab *g, struct slot *s)
{
	struct grab_job *j = s->j;
	conn_close(g, s);
	g->st.done++;
	struct ks_svc *v = &j->svc;
	v->addr = j->addr;
	v->port = j->port;
	v->proto = j->proto;
	j->mod->finish(j);
	bool emit = j->proto == KS_PROTO_TCP ? j->connected : v->module[0] != '\0';
	if (emit) {
		if (!v->module[0])
			snprintf(v->module, sizeof v->module, "tcp");
		if (strcmp(v->module, "tcp") != 0)
			g->st.identified++;
		ks_grab_fingerprint(g->o.recog, v, &j->facts);
		ks_grab_facts_format(v, &j->facts);
		ks_sink_service(g->o.sink, v);
		struct ks_finding f[KS_GRAB_FINDINGS_MAX];
		int64_t now = g->o.now_s ? g->o.now_s : (int64_t)time(NULL);
		size_t n = ks_grab_findings(v, &j->facts, g->o.vulns, now, f, KS_GRAB_FINDINGS_MAX);
		for (size_t i = 0; i < n; i++)
			ks_sink_finding(g->o.sink, &f[i]);
		g->st.findings += n;
	}
	if (j->proto == KS_PROTO_UDP && !j->answered)
		g->st.no_reply++;
	s->state = S_FREE;
	g->active--;
}

static int ep_set(struct ks_grab *g, struct slot *s, int op, uint32_t events)
{
	struct epoll_event ev = {0};
	ev.events = events;
	ev.data.u64 = (uint64_t)(s - g->slots) << 32 | s->gen;
	return epoll_ctl(g->ep, op, s->fd, &ev);
}

static void want(struct ks_grab *g, struct slot *s)
{
	uint32_t ev = EPOLLIN | EPOLLRDHUP;
	if (!s->udp && s->out_off < s->j->out_len)
		ev |= EPOLLOUT;
	ep_set(g, s, EPOLL_CTL_MOD, ev);
}

/* Sends what is pending (TCP), or a new datagram queued by the driver or,
 * with resend, the last one again (UDP). THE GATE for UDP is here:
 * immediately before send(). false: the connection failed. */
static bool flush(struct ks_grab *g, struct slot *s, bool resend)
{
	struct grab_job *j = s->j;
	if (s->udp) {
		if (j->out_len) {
			memcpy(j->dgram, j->out, j->out_len);
			j->dgram_len = j->out_len;
			j->out_len = 0;
		} else if (!resend) {
			return true;
		}
		if (!j->dgram_len)
			return true;
		if (!ks_scope_contains(g->o.scope, &j->addr)) {
			ks_grab_job_outcome(j, "refused: out of scope");
			return false;
		}
		ssize_t w = s->unconnected ? sendto(s->fd, j->dgram, j->dgram_len, MSG_NOSIGNAL,
						    (struct sockaddr *)&s->peer, s->peerlen)
					   : send(s->fd, j->dgram, j->dgram_len, MSG_NOSIGNAL);
		if (w < 0) {
			ks_grab_job_outcome(j, "error: send: %s", strerror(errno));
			return false;
		}
		s->tries++;
		g->st.bytes_out += (uint64_t)w;
		return true;
	}
	while (s->out_off < j->out_len) {
		ssize_t w = send(s->fd, j->out + s->out_off, j->out_len - s->out_off, MSG_NOSIGNAL);
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			ks_grab_job_outcome(j, "error: send: %s", strerror(errno));
			return false;
		}
		s->out_off += (size_t)w;
		g->st.bytes_out += (uint64_t)w;
	}
	if (s->out_off == j->out_len) {
		j->out_len = 0;
		s->out_off = 0;
	}
	return true;
}

static void act(struct ks_grab *g, struct slot *s, int a);

/* Opens the job's next connection: THE GATE, then socket and connect(). */
static void conn_open(struct ks_grab *g, struct slot *s)
{
	struct grab_job *j = s->j;
	int64_t now = now_ns(g);
	s->udp = j->mod->proto == KS_PROTO_UDP;
	uint16_t port = s->udp ? j->port : j->next_port ? j->next_port : j->port;
	s->port = port;
	snprintf(j->audit_mod, sizeof j->audit_mod, "%s-%s", s->udp ? "udp" : "grab", j->mod->name);
	j->conns++;
	j->read_ms = 0;
	j->in_len = 0;
	j->out_len = 0;
	j->telnet_fed = 0;
	s->gen++;
	if (!ks_scope_contains(g->o.scope, &j->addr)) {
		audit(g, &j->addr, port, s->udp ? KS_PROTO_UDP : KS_PROTO_TCP, j->audit_mod,
		      "refused: out of scope");
		finish(g, s);
		return;
	}
	bool v4 = ks_addr_is_v4(&j->addr);
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	if (v4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, j->addr.b + 12, 4);
		sl = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, j->addr.b, 16);
		sl = sizeof *sin6;
	}
	s->fd = socket(v4 ? AF_INET : AF_INET6,
		       (s->udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		ks_grab_job_outcome(j, "error: socket: %s", strerror(errno));
		g->st.errors++;
		finish(g, s);
		return;
	}
	s->unconnected = s->udp && j->mod->udp_any_port;
	s->peer = ss;
	s->peerlen = sl;
	int r = s->unconnected ? 0 : connect(s->fd, (struct sockaddr *)&ss, sl);
	if (r != 0 && errno != EINPROGRESS) {
		ks_grab_job_outcome(j, "error: connect: %s", strerror(errno));
		g->st.errors++;
		finish(g, s);
		return;
	}
	ep_set(g, s, EPOLL_CTL_ADD, EPOLLOUT | EPOLLIN | EPOLLRDHUP);
	if (s->udp) {
		s->state = S_OPEN;
		int a = j->mod->start(j);
		if (a != GRAB_WAIT || !flush(g, s, false)) {
			act(g, s, a == GRAB_WAIT ? GRAB_DONE : a);
			return;
		}
		s->t_read = now + (int64_t)g->o.udp_ms * 1000000;
		want(g, s);
		return;
	}
	s->state = S_CONNECTING;
	s->t_read = now + (int64_t)g->o.connect_ms * 1000000;
}

static void act(struct ks_grab *g, struct slot *s, int a)
{
	struct grab_job *j = s->j;
	if (a == GRAB_WAIT) {
		if (!flush(g, s, false)) {
			finish(g, s);
			return;
		}
		uint32_t ms = j->read_ms ? j->read_ms : s->udp ? g->o.udp_ms : g->o.read_ms;
		s->t_read = now_ns(g) + (int64_t)ms * 1000000;
		want(g, s);
		return;
	}
	if (a == GRAB_RECONNECT && now_ns(g) < s->t_end && j->conns < 8) {
		flush(g, s, false); /* a polite last word (MQTT DISCONNECT), if any */
		conn_close(g, s);
		s->state = S_WAITING;
		return;
	}
	flush(g, s, false);
	finish(g, s);
}

/* The connection is up (TCP). */
static void connected(struct ks_grab *g, struct slot *s)
{
	struct grab_job *j = s->j;
	int err = 0;
	socklen_t el = sizeof err;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
		err = errno;
	if (err) {
		if (err == ECONNREFUSED) {
			ks_grab_job_outcome(j, "closed");
		} else {
			ks_grab_job_outcome(j, "error: connect: %s", strerror(err));
			g->st.errors++;
		}
		finish(g, s);
		return;
	}
	j->connected = true;
	s->state = S_OPEN;
	ks_grab_job_outcome(j, "open");
	act(g, s, j->mod->start(j));
}

/* True when from is the address a (any port). */
static bool same_host(const struct sockaddr_storage *from, const struct ks_addr *a)
{
	if (from->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)from;
		return ks_addr_is_v4(a) && memcmp(&sin->sin_addr, a->b + 12, 4) == 0;
	}
	if (from->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)from;
		return memcmp(&sin6->sin6_addr, a->b, 16) == 0;
	}
	return false;
}

static void readable(struct ks_grab *g, struct slot *s)
{
	struct grab_job *j = s->j;
	if (s->udp) {
		for (;;) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof from;
			ssize_t r = recvfrom(s->fd, j->in, KS_PROBE_MAX_BYTES, 0, (struct sockaddr *)&from,
					     &fl);
			if (r < 0 && errno == EINTR)
				continue;
			if (r >= 0 && s->unconnected && !same_host(&from, &j->addr))
				continue; /* not from the target: ignored */
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return; /* still waiting */
			if (r < 0) {
				/* ICMP port unreachable arrives as ECONNREFUSED */
				ks_grab_job_outcome(j, errno == ECONNREFUSED ? "closed"
									     : "error: recv");
				finish(g, s);
				return;
			}
			g->st.bytes_in += (uint64_t)r;
			j->in_len = (size_t)r;
			int a = j->mod->input(j, (size_t)r, false);
			if (a != GRAB_WAIT) {
				j->answered = true;
				act(g, s, a);
				return;
			}
		}
	}
	bool eof = false;
	size_t fresh = 0;
	for (;;) {
		if (j->in_len == KS_PROBE_MAX_BYTES) {
			eof = true; /* the byte cap: what came is what we judge */
			break;
		}
		ssize_t r = recv(s->fd, j->in + j->in_len, KS_PROBE_MAX_BYTES - j->in_len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			if (r < 0 && !j->answered)
				ks_grab_job_outcome(j, "error: %s", strerror(errno));
			eof = true;
			break;
		}
		j->in_len += (size_t)r;
		fresh += (size_t)r;
		g->st.bytes_in += (uint64_t)r;
	}
	if (fresh)
		j->answered = true;
	if (!fresh && !eof)
		return;
	int a = j->mod->input(j, fresh, eof);
	if (eof && a == GRAB_WAIT)
		a = GRAB_DONE;
	act(g, s, a);
}

static void expired(struct ks_grab *g, struct slot *s, int64_t now)
{
	struct grab_job *j = s->j;
	if (now >= s->t_end) {
		g->st.timeouts++;
		if (!j->outcome[0] || strcmp(j->outcome, "open") == 0)
			ks_grab_job_outcome(j, "timeout");
		finish(g, s);
		return;
	}
	if (s->state == S_CONNECTING) {
		g->st.timeouts++;
		ks_grab_job_outcome(j, "no-reply");
		finish(g, s);
		return;
	}
	if (s->udp) {
		if (s->tries < g->o.udp_tries && ks_rate_take(&g->rate, 1) == 1) {
			if (!flush(g, s, true)) {
				finish(g, s);
				return;
			}
			s->t_read = now + (int64_t)g->o.udp_ms * 1000000;
			return;
		}
		if (s->tries >= g->o.udp_tries) {
			ks_grab_job_outcome(j, "no-reply");
			finish(g, s);
			return;
		}
		s->t_read = now + ks_rate_wait_ns(&g->rate); /* a token to retry */
		return;
	}
	int a = j->mod->timeout ? j->mod->timeout(j) : GRAB_DONE;
	if (a == GRAB_DONE && !j->answered)
		ks_grab_job_outcome(j, "open, no reply");
	else if (a == GRAB_DONE && (!j->outcome[0] || strcmp(j->outcome, "open") == 0))
		ks_grab_job_outcome(j, "timeout");
	act(g, s, a);
}

/* ---- the loop -------------------------------------------------------------- */

static unsigned host_jobs(const struct ks_grab *g, const struct ks_addr *a)
{
	unsigned n = 0;
	for (size_t i = 0; i < g->nslots; i++)
		if (g->slots[i].state != S_FREE && memcmp(&g->slots[i].j->addr, a, sizeof *a) == 0)
			n++;
	return n;
}

static void start_jobs(struct ks_grab *g)
{
	/* Follow-up connections of running jobs first: they finish work. */
	for (size_t i = 0; i < g->nslots; i++) {
		struct slot *s = &g->slots[i];
		if (s->state == S_WAITING && ks_rate_take(&g->rate, 1) == 1)
			conn_open(g, s);
	}
	while (g->active < g->nslots && g->qhead < g->qtail) {
		size_t pick = g->qtail;
		for (size_t k = g->qhead; k < g->qtail && k < g->qhead + SCAN_AHEAD; k++)
			if (host_jobs(g, &g->q[k].addr) < g->o.limits.host_conns) {
				pick = k;
				break;
			}
		if (pick == g->qtail)
			return;
		if (ks_rate_take(&g->rate, 1) != 1)
			return;
		struct target t = g->q[pick];
		g->q[pick] = g->q[g->qhead++];
		struct slot *s = NULL;
		for (size_t i = 0; i < g->nslots && !s; i++)
			if (g->slots[i].state == S_FREE)
				s = &g->slots[i];
		if (!s->j) {
			s->j = ks_xcalloc(1, sizeof *s->j);
			s->j->in = ks_xmalloc(KS_PROBE_MAX_BYTES);
		}
		struct grab_job *j = s->j;
		uint8_t *in = j->in;
		memset(j, 0, sizeof *j);
		j->in = in;
		j->g = g;
		j->addr = t.addr;
		j->port = t.port;
		j->proto = t.proto;
		j->mod = t.d;
		s->state = S_WAITING;
		s->tries = 0;
		s->out_off = 0;
		s->t_end = now_ns(g) + (int64_t)g->o.job_ms * 1000000;
		g->active++;
		conn_open(g, s);
	}
}

long ks_grab_step(struct ks_grab *g, uint32_t wait_ms)
{
	if (g->o.stop && *g->o.stop) {
		for (size_t i = 0; i < g->nslots; i++) {
			struct slot *s = &g->slots[i];
			if (s->state == S_FREE)
				continue;
			ks_grab_job_outcome(s->j, "stopped");
			conn_close(g, s);
			s->state = S_FREE;
		}
		g->active = 0;
		g->qhead = g->qtail = 0;
		return 0;
	}
	start_jobs(g);
	int64_t now = now_ns(g), next = now + (int64_t)wait_ms * 1000000;
	for (size_t i = 0; i < g->nslots; i++) {
		const struct slot *s = &g->slots[i];
		if (s->state == S_CONNECTING || s->state == S_OPEN) {
			if (s->t_read < next)
				next = s->t_read;
			if (s->t_end < next)
				next = s->t_end;
		}
	}
	bool waiting = g->qhead < g->qtail;
	for (size_t i = 0; i < g->nslots && !waiting; i++)
		waiting = g->slots[i].state == S_WAITING;
	if (waiting) {
		int64_t t = now + ks_rate_wait_ns(&g->rate);
		if (t < next)
			next = t;
	}
	int timeout = next <= now ? 0 : (int)((next - now + 999999) / 1000000);
	if (timeout > (int)wait_ms)
		timeout = (int)wait_ms;
	struct epoll_event ev[EVENTS];
	int n = epoll_wait(g->ep, ev, EVENTS, timeout);
	if (n < 0 && errno != EINTR)
		return KS_ESYS;
	for (int i = 0; i < n; i++) {
		size_t idx = (size_t)(ev[i].data.u64 >> 32);
		uint32_t gen = (uint32_t)ev[i].data.u64;
		if (idx >= g->nslots)
			continue;
		struct slot *s = &g->slots[idx];
		if (s->gen != gen || s->fd < 0 || (s->state != S_CONNECTING && s->state != S_OPEN))
			continue;
		if (s->state == S_CONNECTING) {
			if (ev[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				connected(g, s);
			continue;
		}
		if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP))
			readable(g, s);
		else if (ev[i].events & EPOLLOUT && s->gen == gen && s->state == S_OPEN)
			act(g, s, GRAB_WAIT);
	}
	now = now_ns(g);
	for (size_t i = 0; i < g->nslots; i++) {
		struct slot *s = &g->slots[i];
		if ((s->state == S_CONNECTING || s->state == S_OPEN) &&
		    (now >= s->t_read || now >= s->t_end))
			expired(g, s, now);
	}
	start_jobs(g);
	return (long)(g->active + (g->qtail - g->qhead));
}

int ks_grab_run(struct ks_grab *g)
{
	for (;;) {
		long r = ks_grab_step(g, 200);
		if (r < 0)
			return (int)r;
		if (r == 0)
			return 0;
	}
}
