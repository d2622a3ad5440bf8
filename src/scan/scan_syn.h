/* SPDX-License-Identifier: BSD-2-Clause */
/* The SYN engine of TCP discovery: a raw-socket sender and a capture thread.
 *
 * Sending: an AF_INET SOCK_RAW IPPROTO_RAW socket (IP_HDRINCL): we build
 * the IPv4 and TCP headers (SYN, MSS 1460 option, sequence number = the
 * cookie, scan_cookie.h) and the kernel routes each packet and resolves the
 * next hop, so no Ethernet or gateway address is configured. Packets go out
 * in batches with sendmmsg(); a batch the kernel refuses (ENOBUFS, EAGAIN)
 * is retried after a short pause, never silently dropped. Needs CAP_NET_RAW.
 *
 * THE GATE: ks_syn_send() reads each packet's destination back from the
 * bytes about to be sent and calls ks_scope_contains() on it right before
 * sendmmsg(); a packet that fails is removed from the batch and counted.
 *
 * Link mode: with an interface named (--interface IF), once the kernel
 * knows the MAC of the next hop that IF's route to `first` (a target)
 * uses, probes go out instead as Ethernet frames on an AF_PACKET socket
 * (PACKET_QDISC_BYPASS) to that MAC, skipping the kernel's per-packet
 * route lookup and netfilter, as ZMap and masscan do; IF must carry the
 * route for the whole scope. Until the neighbour entry exists the raw IP
 * socket is used, and its first packets make the kernel resolve it: no
 * packet is sent other than probes. Targets on-link (no gateway) and
 * non-Ethernet interfaces stay on the raw IP socket.
 *
 * Receiving: libpcap on the interface ("any" by default, Linux cooked
 * capture) in immediate mode with a kernel BPF filter for TCP segments to
 * our source port with SYN+ACK or RST set, in a thread of its own. Frames
 * are decoded with ks_decode() (src/decode/, bounded reader, fuzzed by
 * fuzz_decode), validated with the cookie and the scope, and handed to the
 * calling thread through a single-producer single-consumer ring; the
 * receiver waits when the ring is full (the capture buffer absorbs bursts).
 *
 * RST policy: we never send the RST that ends a half-open connection. The
 * kernel does: no socket owns our source port, so it answers the target's
 * unexpected SYN-ACK with a RST (RFC 9293 3.10.7.1), which also stops the
 * target from retransmitting. Hence the default source port lies outside
 * the ephemeral range, and a firewall that drops outgoing RSTs would leave
 * half-open connections on the targets until they time out.
 *
 * Use: ks_syn_open(), ks_syn_start(), then any number of ks_syn_send() and
 * ks_syn_poll() from one thread, then ks_syn_close(). */
#ifndef KS_SCAN_SYN_H
#define KS_SCAN_SYN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_addr.h"
#include "scan_cookie.h"
#include "scan_disc.h"
#include "scan_scope.h"

#define KS_SYN_BATCH 256       /* packets per sendmmsg() */
#define KS_SYN_RING (1u << 16) /* replies between receiver and caller */

/* One probe to send. */
struct ks_syn_probe {
	struct ks_addr dst; /* IPv4 (mapped) */
	uint16_t dport;
};

/* A validated reply. */
struct ks_syn_reply {
	struct ks_addr addr; /* the target */
	uint16_t port;
	uint8_t outcome;     /* KS_DISC_OPEN or KS_DISC_CLOSED */
};

struct ks_syn;

/* Opens the raw socket (and, for link mode, the AF_PACKET one) and the
 * capture; ks_syn_start() then starts the receiver thread, so a caller may
 * drop privileges in between, before any untrusted byte is read.
 * src: our IPv4 address (mapped); sport our source port; iface NULL for
 * "any". Returns 0; KS_ESYS with errno set (EPERM/EACCES: no CAP_NET_RAW)
 * when the raw socket cannot be opened; KS_EIO when the capture cannot be
 * opened or filtered (message in err). *out is heap; ks_syn_close() frees. */
int ks_syn_open(struct ks_syn **out, const struct ks_scope *scope, const struct ks_cookie *cookie,
		const struct ks_addr *src, uint16_t sport, const char *iface,
		const struct ks_addr *first, char *err, size_t errlen);
/* True once probes go out as Ethernet frames (link mode, see below). */
bool ks_syn_link_mode(const struct ks_syn *s);
/* Starts the receiver thread. 0 or KS_ESYS. */
int ks_syn_start(struct ks_syn *s);
/* Sends n probes (n <= KS_SYN_BATCH) through the gate. Returns how many
 * were sent; *refused counts those the gate stopped, *errors those the
 * kernel refused for good (EINVAL, ENETUNREACH, ...). */
size_t ks_syn_send(struct ks_syn *s, const struct ks_syn_probe *v, size_t n, uint64_t *refused,
		   uint64_t *errors);
/* Takes up to max validated replies; never blocks. Returns how many. */
size_t ks_syn_poll(struct ks_syn *s, struct ks_syn_reply *out, size_t max);
/* Receiver counters (read at any time from the calling thread). */
void ks_syn_counters(struct ks_syn *s, uint64_t *replies, uint64_t *invalid, uint64_t *dropped);
/* Stops the receiver, closes everything, frees s. NULL is a no-op. */
void ks_syn_close(struct ks_syn *s);

/* Builds the 44-byte IPv4+TCP SYN (MSS option) into pkt; exposed for tests. */
#define KS_SYN_PKTLEN 44
void ks_syn_build(uint8_t pkt[KS_SYN_PKTLEN], uint32_t src, uint32_t dst, uint16_t sport,
		  uint16_t dport, uint32_t seq, uint16_t ip_id);
/* The Internet checksum over the TCP segment with its IPv4 pseudo-header. */
uint16_t ks_syn_tcp_csum(uint32_t src, uint32_t dst, const uint8_t *seg, size_t len);

#endif
