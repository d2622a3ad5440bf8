/* SPDX-License-Identifier: BSD-2-Clause */
/* The connect() engine of TCP discovery: the unprivileged fallback.
 *
 * Each probe is a non-blocking connect() watched by epoll (EPOLLOUT, then
 * SO_ERROR): established -> open, ECONNREFUSED -> closed, the timeout or
 * an unreachable error -> no-reply. An established connection is closed at
 * once with SO_LINGER 0 (a RST, so neither side keeps TIME_WAIT state).
 * At most `concurrency` connections are open at once, and at most
 * host_conns to one address: a probe to a busy address waits in a bounded
 * queue (at most `concurrency` entries) until one of its connections ends.
 *
 * THE GATE: ks_conn_start() calls ks_scope_contains() on the destination
 * right before connect(), and sends nothing when it fails.
 *
 * Memory: all tables are allocated by ks_conn_init() from concurrency;
 * nothing allocates per probe. Use from one thread. */
#ifndef KS_SCAN_CONNECT_H
#define KS_SCAN_CONNECT_H

#include <stddef.h>
#include <stdint.h>

#include "ks_addr.h"
#include "scan_scope.h"

/* A finished probe. */
struct ks_conn_result {
	struct ks_addr addr;
	uint16_t port;
	uint8_t outcome; /* enum ks_disc_outcome */
	uint64_t tag;    /* the caller's tag given to ks_conn_start() */
};

struct ks_conn;

/* 0; KS_EINVAL for concurrency or host_conns 0 or concurrency >
 * KS_DISC_MAX_CONCURRENCY; KS_ESYS when epoll cannot be created. */
int ks_conn_init(struct ks_conn **out, const struct ks_scope *scope, uint32_t concurrency,
		 uint32_t host_conns, uint32_t timeout_ms);
void ks_conn_free(struct ks_conn *c);
/* How many more probes ks_conn_start() accepts now. */
size_t ks_conn_room(const struct ks_conn *c);
/* Probes still in flight or queued. */
size_t ks_conn_busy(const struct ks_conn *c);
/* Smallest tag of a probe in flight or queued; UINT64_MAX when none. */
uint64_t ks_conn_min_tag(const struct ks_conn *c);
/* Starts (or queues) one probe; tag comes back in its result. 0; KS_ELIMIT
 * when there is no room; KS_EDECLINED when the gate refused it (nothing
 * sent, no result will come). A connect() that fails at once produces its
 * result at the next ks_conn_poll(). */
int ks_conn_start(struct ks_conn *c, const struct ks_addr *addr, uint16_t port, uint64_t tag);
/* Waits up to wait_ms for completions and timeouts; writes up to max
 * results. Returns how many. */
size_t ks_conn_poll(struct ks_conn *c, int wait_ms, struct ks_conn_result *out, size_t max);
/* Counters: connect() calls made, the gate's refusals, local errors
 * (no ephemeral port, no file descriptor: the probe is retried later). */
void ks_conn_counters(const struct ks_conn *c, uint64_t *sent, uint64_t *refused, uint64_t *local_errors);

#endif
