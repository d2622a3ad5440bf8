/* SPDX-License-Identifier: BSD-2-Clause */
/* The connect() engine (contract in scan_connect.h).
 *
 * Tables, all sized from `concurrency` at init:
 *   slots    one per connection in flight; free ones on a free list, busy
 *            ones on a list in start order. Every probe has the same
 *            timeout, so the oldest is the first to expire and timeouts
 *            cost O(1).
 *   queue    probes waiting: their host had host_conns open, or connect()
 *            failed for want of a local resource (no ephemeral port, no
 *            descriptor) and is retried later.
 *   done     results of probes that ended inside connect() itself.
 *   hosts    open-addressing table address -> connections open, with
 *            backward-shift deletion so it never fills with tombstones.
 * inflight + queued + done <= concurrency always, which is the room that
 * ks_conn_room() reports; so no table can overflow. */
#include "scan_connect.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ks_alloc.h"
#include "ks_err.h"
#include "scan_disc.h"

#define NONE UINT32_MAX

struct slot {
	int fd;
	struct ks_addr addr;
	uint16_t port;
	uint64_t tag;
	int64_t deadline;
	uint32_t prev, next; /* start-order list, or free list (next only) */
};

struct waiting {
	struct ks_addr addr;
	uint16_t port;
	uint64_t tag;
};

struct host {
	struct ks_addr addr;
	uint32_t conns; /* 0: empty entry */
};

struct ks_conn {
	const struct ks_scope *scope;
	uint32_t cap, host_conns;
	int64_t timeout_ns;
	int ep;
	struct slot *slot;
	uint32_t free_head, old, young, inflight; /* free list; oldest and youngest busy */
	struct waiting *q;                          /* ring of cap */
	size_t qhead, qn;
	bool qdirty; /* a connection ended since the queue was last tried */
	struct ks_conn_result *done;
	size_t ndone;
	struct host *hosts;
	size_t hmask;
	uint64_t sent, refused, local_errors;
	struct epoll_event *ev;
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static size_t host_hash(const struct ks_addr *a)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 0x100000001b3ull;
	return (size_t)(h ^ (h >> 29));
}

/* The entry of a, or the empty entry where it would go. */
static size_t host_find(const struct ks_conn *c, const struct ks_addr *a)
{
	size_t i = host_hash(a) & c->hmask;
	while (c->hosts[i].conns && memcmp(&c->hosts[i].addr, a, sizeof *a) != 0)
		i = (i + 1) & c->hmask;
	return i;
}

static void host_dec(struct ks_conn *c, const struct ks_addr *a)
{
	size_t i = host_find(c, a);
	KS_BUG_ON(c->hosts[i].conns == 0);
	if (--c->hosts[i].conns)
		return;
	/* Backward-shift deletion (linear probing). */
	for (size_t j = (i + 1) & c->hmask; c->hosts[j].conns; j = (j + 1) & c->hmask) {
		size_t home = host_hash(&c->hosts[j].addr) & c->hmask;
		/* Move j into the hole i unless its home lies cyclically in (i, j]. */
		bool stay = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (!stay) {
			c->hosts[i] = c->hosts[j];
			c->hosts[j].conns = 0;
			i = j;
		}
	}
}

int ks_conn_init(struct ks_conn **out, const struct ks_scope *scope, uint32_t concurrency,
		 uint32_t host_conns, uint32_t timeout_ms)
{
	*out = NULL;
	if (concurrency == 0 || concurrency > KS_DISC_MAX_CONCURRENCY || host_conns == 0)
		return KS_EINVAL;
	/* Enough descriptors for every connection at once. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)concurrency + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)concurrency + 64 ? rl.rlim_max : (rlim_t)concurrency + 64;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < (rlim_t)concurrency + 64)
			return KS_ELIMIT;
	}
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return KS_ESYS;
	struct ks_conn *c = ks_xcalloc(1, sizeof *c);
	c->scope = scope;
	c->cap = concurrency;
	c->host_conns = host_conns;
	c->timeout_ns = (int64_t)(timeout_ms ? timeout_ms : 1) * 1000000;
	c->ep = ep;
	c->slot = ks_xcalloc(concurrency, sizeof *c->slot);
	for (uint32_t i = 0; i < concurrency; i++) {
		c->slot[i].fd = -1;
		c->slot[i].next = i + 1 < concurrency ? i + 1 : NONE;
	}
	c->free_head = 0;
	c->old = c->young = NONE;
	c->q = ks_xcalloc(concurrency, sizeof *c->q);
	c->done = ks_xcalloc(concurrency, sizeof *c->done);
	size_t hn = 16;
	while (hn < (size_t)concurrency * 2)
		hn <<= 1;
	c->hosts = ks_xcalloc(hn, sizeof *c->hosts);
	c->hmask = hn - 1;
	c->ev = ks_xcalloc(256, sizeof *c->ev);
	*out = c;
	return 0;
}

static void slot_unlink(struct ks_conn *c, uint32_t i)
{
	struct slot *s = &c->slot[i];
	if (s->prev != NONE)
		c->slot[s->prev].next = s->next;
	else
		c->old = s->next;
	if (s->next != NONE)
		c->slot[s->next].prev = s->prev;
	else
		c->young = s->prev;
	s->next = c->free_head;
	c->free_head = i;
	c->inflight--;
}

/* Ends connection i with outcome into out[*n]. */
static void finish(struct ks_conn *c, uint32_t i, enum ks_disc_outcome oc, struct ks_conn_result *out,
		   size_t *n)
{
	struct slot *s = &c->slot[i];
	if (oc == KS_DISC_OPEN) {
		/* Close with a RST: no FIN exchange, no TIME_WAIT on either side. */
		struct linger lg = {1, 0};
		(void)setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	}
	close(s->fd); /* also leaves the epoll set */
	s->fd = -1;
	out[*n].addr = s->addr;
	out[*n].port = s->port;
	out[*n].outcome = (uint8_t)oc;
	out[*n].tag = s->tag;
	(*n)++;
	host_dec(c, &s->addr);
	slot_unlink(c, i);
	c->qdirty = true;
}

void ks_conn_free(struct ks_conn *c)
{
	if (!c)
		return;
	for (uint32_t i = c->old; i != NONE; i = c->slot[i].next)
		close(c->slot[i].fd);
	close(c->ep);
	free(c->slot);
	free(c->q);
	free(c->done);
	free(c->hosts);
	free(c->ev);
	free(c);
}

size_t ks_conn_room(const struct ks_conn *c)
{
	return c->cap - (c->inflight + c->qn + c->ndone);
}

size_t ks_conn_busy(const struct ks_conn *c)
{
	return c->inflight + c->qn + c->ndone;
}

uint64_t ks_conn_min_tag(const struct ks_conn *c)
{
	uint64_t m = UINT64_MAX;
	for (uint32_t i = c->old; i != NONE; i = c->slot[i].next)
		if (c->slot[i].tag < m)
			m = c->slot[i].tag;
	for (size_t k = 0; k < c->qn; k++) {
		const struct waiting *w = &c->q[(c->qhead + k) % c->cap];
		if (w->tag < m)
			m = w->tag;
	}
	for (size_t k = 0; k < c->ndone; k++)
		if (c->done[k].tag < m)
			m = c->done[k].tag;
	return m;
}

void ks_conn_counters(const struct ks_conn *c, uint64_t *sent, uint64_t *refused, uint64_t *local_errors)
{
	*sent = c->sent;
	*refused = c->refused;
	*local_errors = c->local_errors;
}

static void enqueue(struct ks_conn *c, const struct ks_addr *a, uint16_t port, uint64_t tag)
{
	KS_BUG_ON(c->qn >= c->cap);
	struct waiting *w = &c->q[(c->qhead + c->qn) % c->cap];
	w->addr = *a;
	w->port = port;
	w->tag = tag;
	c->qn++;
}

/* Starts the connection now. 0 started (or ended at once, result in done);
 * KS_EAGAIN host busy or no local resource (caller queues);
 * KS_EDECLINED refused by the gate. */
static int launch(struct ks_conn *c, const struct ks_addr *a, uint16_t port, uint64_t tag)
{
	size_t hi = host_find(c, a);
	if (c->hosts[hi].conns >= c->host_conns)
		return KS_EAGAIN;
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof ss);
	if (ks_addr_is_v4(a)) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr.s_addr = htonl(ks_addr_v4(a));
		sl = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->b, 16);
		sl = sizeof *sin6;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		c->local_errors++;
		return KS_EAGAIN;
	}
	/* THE GATE, right before the SYN leaves. */
	if (!ks_scope_contains(c->scope, a)) {
		close(fd);
		c->refused++;
		return KS_EDECLINED;
	}
	int r = connect(fd, (struct sockaddr *)&ss, sl);
	int e = errno;
	if (r != 0 && (e == EADDRNOTAVAIL || e == EAGAIN || e == ENOBUFS || e == ENOMEM)) {
		close(fd);
		c->local_errors++;
		return KS_EAGAIN;
	}
	c->sent++;
	uint32_t i = c->free_head;
	KS_BUG_ON(i == NONE);
	c->free_head = c->slot[i].next;
	struct slot *s = &c->slot[i];
	s->fd = fd;
	s->addr = *a;
	s->port = port;
	s->tag = tag;
	s->deadline = mono_ns() + c->timeout_ns;
	s->next = NONE;
	s->prev = c->young;
	if (c->young != NONE)
		c->slot[c->young].next = i;
	else
		c->old = i;
	c->young = i;
	c->inflight++;
	if (!c->hosts[hi].conns)
		c->hosts[hi].addr = *a;
	c->hosts[hi].conns++;
	if (r == 0 || e == EINPROGRESS) {
		struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = i};
		if (epoll_ctl(c->ep, EPOLL_CTL_ADD, fd, &ev) == 0)
			return 0;
		e = errno;
	}
	/* Ended inside connect(): refused (loopback), unreachable, ... */
	finish(c, i, e == ECONNREFUSED ? KS_DISC_CLOSED : KS_DISC_SILENT, c->done, &c->ndone);
	return 0;
}

int ks_conn_start(struct ks_conn *c, const struct ks_addr *a, uint16_t port, uint64_t tag)
{
	if (ks_conn_room(c) == 0)
		return KS_ELIMIT;
	if (!ks_scope_contains(c->scope, a)) {
		c->refused++;
		return KS_EDECLINED;
	}
	int r = launch(c, a, port, tag);
	if (r == KS_EAGAIN)
		enqueue(c, a, port, tag);
	return r == KS_EDECLINED ? r : 0;
}

/* Tries every waiting probe once, in order. */
static void try_queue(struct ks_conn *c)
{
	size_t n = c->qn;
	c->qdirty = false;
	for (size_t k = 0; k < n; k++) {
		struct waiting w = c->q[c->qhead];
		c->qhead = (c->qhead + 1) % c->cap;
		c->qn--;
		if (c->free_head == NONE || launch(c, &w.addr, w.port, w.tag) == KS_EAGAIN)
			enqueue(c, &w.addr, w.port, w.tag);
	}
}

size_t ks_conn_poll(struct ks_conn *c, int wait_ms, struct ks_conn_result *out, size_t max)
{
	size_t n = 0;
	if (c->qn && (c->qdirty || c->inflight == 0))
		try_queue(c);
	while (c->ndone && n < max)
		out[n++] = c->done[--c->ndone];
	if (n || c->inflight == 0) {
		if (c->inflight == 0 && c->qn && wait_ms > 0) {
			/* Only waiting probes (local resources short): pause briefly. */
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
		}
		if (c->inflight == 0)
			return n;
		wait_ms = 0;
	}
	int64_t t = mono_ns();
	if (c->old != NONE) {
		int64_t left = (c->slot[c->old].deadline - t + 999999) / 1000000;
		if (left < wait_ms)
			wait_ms = left < 0 ? 0 : (int)left;
	}
	size_t room = max - n;
	if (room == 0)
		return n;
	int k = epoll_wait(c->ep, c->ev, (int)(room < 256 ? room : 256), wait_ms);
	for (int j = 0; j < k; j++) {
		uint32_t i = c->ev[j].data.u32;
		int e = 0;
		socklen_t el = sizeof e;
		if (getsockopt(c->slot[i].fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
			e = errno;
		enum ks_disc_outcome oc = e == 0 ? KS_DISC_OPEN : e == ECONNREFUSED ? KS_DISC_CLOSED : KS_DISC_SILENT;
		finish(c, i, oc, out, &n);
	}
	t = mono_ns();
	while (c->old != NONE && n < max && c->slot[c->old].deadline <= t)
		finish(c, c->old, KS_DISC_SILENT, out, &n);
	return n;
}
