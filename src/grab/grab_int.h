/* SPDX-License-Identifier: BSD-2-Clause */
/* Inside the identification engine: the job a protocol driver works on and
 * the driver interface (struct ks_grabber). Not for use outside src/grab/.
 *
 * A job identifies one service. It owns at most one socket at a time
 * ("connection"); a driver may ask for a follow-up connection to the same
 * address (HTTP redirect, UPnP description, second TLS handshake, MQTT
 * version retry). The engine calls the driver:
 *
 *   start(j)                connection up (TCP) / socket ready (UDP): queue
 *                           the request with job_send() (UDP: one datagram)
 *   input(j, fresh, eof)    after each read: j->in[0..in_len) is everything
 *                           this connection received (TCP; capped at
 *                           KS_PROBE_MAX_BYTES, then eof is true) or the
 *                           last datagram (UDP)
 *   timeout(j)              the read timer expired (NULL: finish the job)
 *   finish(j)               once, at the end: fill j->svc and j->facts
 *
 * start/input/timeout return GRAB_WAIT (keep reading), GRAB_DONE (close
 * and finish the job) or GRAB_RECONNECT (close; open a new connection to
 * j->next_port, same address, after the gate; then start() again).
 *
 *        submit -> queued -> CONNECTING -> OPEN <-> (input/timeout)
 *                               ^            |  RECONNECT
 *                               +-- WAITING <+
 *                                            |  DONE: finish, emit records
 */
#ifndef KS_GRAB_INT_H
#define KS_GRAB_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "grab.h"
#include "probe_coap.h"
#include "probe_ftp.h"
#include "probe_ntp.h"
#include "probe_rtsp.h"
#include "scan_ports.h"

enum { GRAB_WAIT = 0, GRAB_DONE = 1, GRAB_RECONNECT = 2 };

#define GRAB_OUT_MAX 2048
#define GRAB_PATH_MAX 256

struct grab_job;

struct ks_grabber {
	const char *name; /* module name: svc.module when identified, "grab-<name>" in audits */
	uint8_t proto;    /* KS_PROTO_TCP or KS_PROTO_UDP */
	int (*start)(struct grab_job *j);
	int (*input)(struct grab_job *j, size_t fresh, bool eof);
	int (*timeout)(struct grab_job *j); /* NULL: GRAB_DONE */
	void (*finish)(struct grab_job *j);
	bool udp_any_port; /* UDP: the reply may come from another port of the target
			    * (an unconnected socket; datagrams from other hosts are
			    * dropped; no ICMP "closed") */
};

struct grab_job {
	struct ks_grab *g;
	const struct ks_grabber *mod; /* current driver (banner may hand over) */
	struct ks_addr addr;
	uint16_t port;      /* the service's port */
	uint8_t proto;      /* the service's protocol */
	uint16_t next_port; /* GRAB_RECONNECT: port of the follow-up (TCP) */
	unsigned step;      /* driver's own state: which connection this is */
	unsigned conns;     /* connections made */
	uint32_t read_ms;   /* driver may override the read timeout of this connection */
	bool connected;     /* TCP connection ever established */
	bool answered;      /* any byte or datagram ever received */
	char outcome[128];  /* of the current connection, for the audit */
	char audit_mod[24]; /* module of the current connection's audit */
	/* I/O of the current connection */
	uint8_t *in;        /* KS_PROBE_MAX_BYTES */
	size_t in_len;
	uint8_t out[GRAB_OUT_MAX];
	size_t out_len;
	uint8_t dgram[GRAB_OUT_MAX]; /* UDP: the datagram, kept for retries */
	size_t dgram_len;
	/* results */
	struct ks_svc svc;
	struct ks_grab_facts facts;
	struct ks_telnet telnet;
	size_t telnet_fed; /* bytes of in already fed to the telnet parser */
	struct ks_ssh ssh;
	struct ks_tls tls, tls2, tls13;
	struct ks_http http, http2;
	char wwwauth[256];
	struct ks_mqtt mqtt;
	struct ks_ftp ftp;
	struct ks_rtsp rtsp;
	struct ks_dns dns;
	struct ks_ntp ntp;
	struct ks_coap coap;
	struct ks_ssdp ssdp;
	struct ks_upnp_desc upnp;
	/* driver scratch */
	char path[GRAB_PATH_MAX]; /* follow-up request path */
	uint16_t dns_id, coap_id;
	uint32_t coap_token;
	uint64_t ntp_xmt;
};

/* Queues bytes to send on the current connection (TCP) or sets the
 * datagram (UDP). Bytes beyond GRAB_OUT_MAX are dropped (a driver bug). */
void ks_grab_job_send(struct grab_job *j, const void *p, size_t n);
/* Sets the outcome text of the current connection (audited when it closes). */
void ks_grab_job_outcome(struct grab_job *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* snprintf into a fixed-size record field, cut to fit on purpose. */
void ks_grab_fmt(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Engine options the drivers need. */
const struct ks_grab_opts *ks_grab_job_opts(const struct grab_job *j);
/* A random 32-bit value (getrandom; a counter mixed with the clock if that fails). */
uint32_t ks_grab_random32(void);

/* Copies n received bytes to dst[0..cap) as one line of text: CR, LF, tab
 * and space runs become one space, the ends are trimmed, the rest is
 * sanitised with ks_probe_text(). */
void ks_grab_text(char *dst, size_t cap, const uint8_t *p, size_t n);

/* The drivers (grab_<proto>.c). */
extern const struct ks_grabber ks_grab_telnet, ks_grab_ssh, ks_grab_http, ks_grab_https,
	ks_grab_ftp, ks_grab_rtsp, ks_grab_mqtt, ks_grab_banner, ks_grab_dns, ks_grab_ntp,
	ks_grab_ssdp, ks_grab_upnp, ks_grab_coap;

/* HTTP request helpers shared by the http, banner and ssdp drivers
 * (grab_http.c): queues "GET path HTTP/1.1" with Host (the address, and
 * the port unless 80), a User-Agent, Accept: * / *, Connection: close. */
void ks_grab_http_get(struct grab_job *j, const char *path, uint16_t port);
/* First WWW-Authenticate value of the response head in p[0..n) into dst
 * (sanitised; "" when none). */
void ks_grab_http_wwwauth(const uint8_t *p, size_t n, char *dst, size_t cap);

/* Resolves a URL received from a device (HTTP Location, SSDP LOCATION)
 * against the service being identified, for a follow-up request that may
 * only go to the same address (grab_url.c):
 *   "/path"                          same port (base_port)
 *   "http://ADDR[:port]/path"        ADDR must be the text form of addr
 *                                    (IPv6 in brackets); default port 80
 * Returns 0 with *port and path (NUL-terminated, at most cap-1 bytes; "/"
 * when the URL has none); KS_EDECLINED for another host, a name, or
 * another scheme (https://: no TLS client here); KS_EINVAL for a malformed
 * URL or a path with control characters or spaces. Pure; fuzzed. */
int ks_grab_url_resolve(const char *url, size_t n, const struct ks_addr *addr, uint16_t base_port,
			uint16_t *port, char *path, size_t cap);

#endif
