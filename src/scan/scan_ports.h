/* SPDX-License-Identifier: BSD-2-Clause */
/* Survey port lists.
 *
 * Syntax: comma-separated items, each
 *   N        TCP port N (1-65535)
 *   N-M      TCP ports N..M (N <= M)
 *   T:N[-M]  the same, explicitly TCP
 *   U:N[-M]  UDP port(s): a UDP probe module must exist for each (53, 123,
 *            1900, 5683 so far; docs/survey.md)
 *   default  the default IoT / attack-surface list (ks_ports_default)
 * Spaces around items are allowed; duplicates are merged. Example:
 *   "22,80,8000-8100,U:53" or "default,U:5683".
 * The parsed list is sorted, TCP before UDP, each by port number.
 *
 * Ownership: struct ks_ports is caller-allocated; ks_ports_release() frees
 * what ks_ports_parse() allocated. Control plane (exits on out-of-memory). */
#ifndef KS_SCAN_PORTS_H
#define KS_SCAN_PORTS_H

#include <stddef.h>
#include <stdint.h>

#define KS_PROTO_TCP 6
#define KS_PROTO_UDP 17
#define KS_PORTS_MAX (2 * 65535) /* every TCP and UDP port */

struct ks_port {
	uint16_t port;
	uint8_t proto; /* KS_PROTO_TCP or KS_PROTO_UDP */
};

/* One entry of the default list, with why it is there (docs/survey.md). */
struct ks_port_why {
	struct ks_port p;
	const char *service;
	const char *why;
};
extern const struct ks_port_why ks_ports_default[];
extern const size_t ks_ports_ndefault;

struct ks_ports {
	struct ks_port *v;
	size_t n;
};

void ks_ports_init(struct ks_ports *p);
void ks_ports_release(struct ks_ports *p);
/* Parses text (NUL-terminated) into p, replacing what p held. 0, or
 * KS_EINVAL with "column C: ...; expected ..." in err and p left empty. */
int ks_ports_parse(struct ks_ports *p, const char *text, char *err, size_t errlen);
/* True if a UDP probe exists for port (the U: entries allowed). */
int ks_ports_udp_known(uint16_t port);
/* Writes "22/tcp" or "53/udp" into buf (at least 10 bytes). */
const char *ks_port_format(const struct ks_port *p, char *buf, size_t n);
/* Name of the probe module that would handle p ("tcp-syn", "udp-dns", ...). */
const char *ks_port_module(const struct ks_port *p);

#endif
