/* SPDX-License-Identifier: BSD-2-Clause */
/* The collector's UDP socket: binds [ADDR]:PORT, sizes the receive buffer
 * (SO_RCVBUF; the kernel buffer is the first limit at high export rates),
 * receives datagrams in batches (recvmmsg) and counts the datagrams the
 * kernel dropped because the buffer was full (SO_RXQ_OVFL). */
#ifndef KS_FLOW_LISTEN_H
#define KS_FLOW_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "ks_addr.h"

struct ks_flow_listen;

/* Default port of NetFlow / IPFIX collectors (nfcapd uses 9995, Cisco's
 * examples 2055; IANA assigns 4739 to IPFIX). */
#define KS_FLOW_DEFAULT_LISTEN "127.0.0.1:2055"

/* Parses "ADDR:PORT", "[V6ADDR]:PORT" or ":PORT" (all addresses, IPv6 and
 * IPv4). Returns 0 or KS_EINVAL with a message in err. */
int ks_flow_listen_parse(const char *spec, struct ks_addr *addr, int *any, uint16_t *port,
			 char *err, size_t errlen);

/* Opens and binds the socket; rcvbuf > 0 asks for that many bytes (the
 * kernel may give less: see ks_flow_listen_rcvbuf). Port 0 picks a free
 * port. Returns 0, KS_EINVAL (bad spec) or KS_ESYS, with a message in err. */
int ks_flow_listen_open(const char *spec, int rcvbuf, struct ks_flow_listen **out, char *err,
			size_t errlen);
void ks_flow_listen_close(struct ks_flow_listen *l);

/* "ADDR:PORT" actually bound (the port resolved when 0 was asked). */
const char *ks_flow_listen_name(const struct ks_flow_listen *l);
/* The receive buffer the kernel granted, in bytes. */
int ks_flow_listen_rcvbuf(const struct ks_flow_listen *l);
/* Datagrams the kernel dropped on this socket so far (SO_RXQ_OVFL). */
uint64_t ks_flow_listen_drops(const struct ks_flow_listen *l);

/* Called per datagram; p is valid during the call. Non-zero stops. */
typedef int (*ks_flow_datagram_fn)(void *ctx, const struct ks_addr *from, uint16_t port,
				   const uint8_t *p, size_t n);
/* Waits up to timeout_ms (-1 forever, 0 not at all) for datagrams and hands
 * each waiting one (up to a batch) to fn. Returns the number received (0 on
 * timeout), KS_EAGAIN when a signal interrupted the wait, KS_ESYS, or fn's
 * non-zero value. Datagrams longer than 65535 bytes cannot occur (UDP). */
int ks_flow_listen_recv(struct ks_flow_listen *l, int timeout_ms, ks_flow_datagram_fn fn, void *ctx);

#endif
