/* SPDX-License-Identifier: BSD-2-Clause */
/* UDP receive side of `flow collect` (flow_listen.h). One socket, a batch
 * of 64 buffers for recvmmsg (one system call per batch at high rates),
 * and the kernel's drop counter from SO_RXQ_OVFL ancillary data. */
#include "flow_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ks_err.h"

#define BATCH 64
#define DGRAM_MAX 65536

struct ks_flow_listen {
	int fd;
	int rcvbuf;
	int timeo_ms; /* SO_RCVTIMEO last set (0 = none yet: blocks) */
	uint64_t drops;
	char name[KS_ADDR_STRLEN + 10];
	uint8_t *buf; /* BATCH * DGRAM_MAX */
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in6 from[BATCH];
	union {
		char b[CMSG_SPACE(sizeof(uint32_t))];
		struct cmsghdr align;
	} ctl[BATCH];
};

static int bad(char *err, size_t errlen, const char *spec, const char *why)
{
	snprintf(err, errlen, "listen address '%s': %s (expected ADDR:PORT, [IPV6]:PORT or :PORT)", spec,
		 why);
	return KS_EINVAL;
}

int ks_flow_listen_parse(const char *spec, struct ks_addr *addr, int *any, uint16_t *port,
			 char *err, size_t errlen)
{
	char host[KS_ADDR_STRLEN + 2];
	const char *colon = strrchr(spec, ':');
	if (!colon)
		return bad(err, errlen, spec, "no port");
	size_t hl = (size_t)(colon - spec);
	if (hl >= sizeof host)
		return bad(err, errlen, spec, "address too long");
	memcpy(host, spec, hl);
	host[hl] = 0;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	} else if (strchr(host, ':')) {
		return bad(err, errlen, spec, "IPv6 addresses go in brackets");
	}
	const char *p = colon + 1;
	unsigned long v = 0;
	if (!*p)
		return bad(err, errlen, spec, "no port");
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || (v = v * 10 + (unsigned long)(*p - '0')) > 65535)
			return bad(err, errlen, spec, "port is not a number from 0 to 65535");
	}
	*port = (uint16_t)v;
	*any = host[0] == 0;
	memset(addr, 0, sizeof *addr);
	if (!*any && ks_addr_parse(host, addr) != 0)
		return bad(err, errlen, spec, "not an IP address");
	return 0;
}

int ks_flow_listen_open(const char *spec, int rcvbuf, struct ks_flow_listen **out, char *err,
			size_t errlen)
{
	struct ks_addr a;
	int any;
	uint16_t port;
	*out = NULL;
	int r = ks_flow_listen_parse(spec, &a, &any, &port, err, errlen);
	if (r != 0)
		return r;
	struct ks_flow_listen *l = calloc(1, sizeof *l);
	if (l)
		l->buf = malloc((size_t)BATCH * DGRAM_MAX);
	if (!l || !l->buf) {
		free(l);
		snprintf(err, errlen, "listen %s: out of memory", spec);
		return KS_ENOMEM;
	}
	/* One IPv6 socket serves both families: IPv4 arrives IPv4-mapped,
	 * which is how struct ks_addr holds IPv4 anyway. */
	struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	if (!any)
		memcpy(&sa.sin6_addr, a.b, 16);
	int off = 0, on = 1;
	l->fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (l->fd < 0 || setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off) != 0)
		goto sys;
	if (rcvbuf > 0) {
		/* SO_RCVBUFFORCE passes net.core.rmem_max when we have
		 * CAP_NET_ADMIN; otherwise the capped SO_RCVBUF. */
		if (setsockopt(l->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) != 0)
			(void)setsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	}
	(void)setsockopt(l->fd, SOL_SOCKET, SO_RXQ_OVFL, &on, sizeof on);
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof sa) != 0)
		goto sys;
	socklen_t sl = sizeof sa;
	int got = 0;
	socklen_t gl = sizeof got;
	if (getsockname(l->fd, (struct sockaddr *)&sa, &sl) != 0 ||
	    getsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &got, &gl) != 0)
		goto sys;
	l->rcvbuf = got;
	struct ks_addr bound;
	memcpy(bound.b, &sa.sin6_addr, 16);
	char txt[KS_ADDR_STRLEN];
	ks_addr_format(&bound, txt);
	snprintf(l->name, sizeof l->name, ks_addr_is_v4(&bound) ? "%s:%u" : "[%s]:%u", txt,
		 (unsigned)ntohs(sa.sin6_port));
	for (int i = 0; i < BATCH; i++) {
		l->iov[i].iov_base = l->buf + (size_t)i * DGRAM_MAX;
		l->iov[i].iov_len = DGRAM_MAX;
	}
	*out = l;
	return 0;
sys:
	snprintf(err, errlen, "listen %s: %s", spec, strerror(errno));
	ks_flow_listen_close(l);
	return KS_ESYS;
}

void ks_flow_listen_close(struct ks_flow_listen *l)
{
	if (!l)
		return;
	if (l->fd >= 0)
		close(l->fd);
	free(l->buf);
	free(l);
}

const char *ks_flow_listen_name(const struct ks_flow_listen *l) { return l->name; }
int ks_flow_listen_rcvbuf(const struct ks_flow_listen *l) { return l->rcvbuf; }
uint64_t ks_flow_listen_drops(const struct ks_flow_listen *l) { return l->drops; }

int ks_flow_listen_recv(struct ks_flow_listen *l, int timeout_ms, ks_flow_datagram_fn fn, void *ctx)
{
	/* One system call per wake-up: recvmmsg blocks (up to SO_RCVTIMEO)
	 * until a datagram is there, then takes what else is queued. */
	int flags = MSG_DONTWAIT;
	if (timeout_ms != 0) {
		if (timeout_ms != l->timeo_ms) {
			struct timeval tv = {0, 0}; /* -1: no timeout */
			if (timeout_ms > 0)
				tv = (struct timeval){timeout_ms / 1000, (timeout_ms % 1000) * 1000};
			if (setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0)
				return KS_ESYS;
			l->timeo_ms = timeout_ms;
		}
		flags = MSG_WAITFORONE;
	}
	for (int i = 0; i < BATCH; i++) {
		struct msghdr *h = &l->msg[i].msg_hdr;
		h->msg_name = &l->from[i];
		h->msg_namelen = sizeof l->from[i];
		h->msg_iov = &l->iov[i];
		h->msg_iovlen = 1;
		h->msg_control = l->ctl[i].b;
		h->msg_controllen = sizeof l->ctl[i].b;
		h->msg_flags = 0;
	}
	int n = recvmmsg(l->fd, l->msg, BATCH, flags, NULL);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : errno == EINTR ? KS_EAGAIN : KS_ESYS;
	for (int i = 0; i < n; i++) {
		struct msghdr *h = &l->msg[i].msg_hdr;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
				uint32_t d;
				memcpy(&d, CMSG_DATA(c), sizeof d);
				/* the socket's running total, 32 bits wide */
				if (d >= (uint32_t)l->drops)
					l->drops += d - (uint32_t)l->drops;
				else
					l->drops += (uint64_t)d + (1ULL << 32) - (uint32_t)l->drops;
			}
		}
		struct ks_addr from;
		memcpy(from.b, &l->from[i].sin6_addr, 16);
		size_t len = l->msg[i].msg_len;
		if (h->msg_flags & MSG_TRUNC)
			len = DGRAM_MAX; /* cannot happen for UDP over IP; keep what we hold */
		int r = fn(ctx, &from, ntohs(l->from[i].sin6_port), l->iov[i].iov_base, len);
		if (r != 0)
			return r;
	}
	return n;
}
