/* SPDX-License-Identifier: BSD-2-Clause */
/* Identification engine: the survey stage after discovery (docs/survey.md,
 * "Identification" and "Findings").
 *
 *   discovery -> ks_grab_submit(addr, port, TCP)      open TCP services
 *   port list -> ks_grab_submit(addr, port, UDP)      UDP probe targets
 *             -> ks_grab_step() / ks_grab_run()        connect / send, read with
 *                                                      timeouts, drive the protocol
 *                                                      session (src/grab/grab_<proto>.c),
 *                                                      parse (src/probe/), fingerprint
 *                                                      (recog.h), findings
 *             -> sink: one struct ks_svc per service that answered (or is
 *                open but unidentified: module "tcp"), its findings, and an
 *                audit record per probe (module "grab-<proto>", or
 *                "udp-<proto>" for UDP).
 *
 * The engine is one thread: non-blocking sockets and epoll, at most
 * max_conns jobs in flight and at most limits.host_conns to one address;
 * new connections and datagrams are paced by a token bucket of limits.pps.
 * Every job has per-phase timeouts (connect, first byte / idle read, whole
 * job) and keeps at most KS_PROBE_MAX_BYTES of what the peer sent.
 *
 * THE GATE: ks_scope_contains(opts.scope, addr) is called immediately before
 * every connect() and sendto(), including the follow-up connections a
 * module makes by itself (one HTTP redirect, a UPnP LOCATION description,
 * a second TLS handshake), which moreover go only to the address of the
 * service being identified. An address outside the scope receives nothing:
 * ks_grab_submit() refuses it (KS_EDECLINED, audited "refused: out of
 * scope") and the send site checks again.
 *
 * Module per port (ks_grab_module()): 23, 2323 telnet; 22 ssh; 21 ftp;
 * 80, 81, 7547, 8000, 8080, 8081 http; 443, 8443 https; 554 rtsp;
 * 1883 mqtt; any other TCP port (5555, 37777, ...) "banner": wait
 * banner_ms for the server to speak (then telnet/ssh/ftp/rtsp by what it
 * sent), else send an HTTP GET. UDP: 53 dns, 123 ntp, 1900 ssdp,
 * 5683 coap; other UDP ports are refused (KS_EDECLINED).
 *
 * Ownership and threads: a struct ks_grab is made by ks_grab_open() and
 * freed by ks_grab_close(); every pointer in the options is borrowed and
 * must outlive it. All calls on one engine come from one thread; sink
 * callbacks are made from inside ks_grab_step() / ks_grab_run() on that
 * thread. Control plane allocation (open, submit's queue) exits on
 * out-of-memory; the data plane (jobs in flight) uses a pool of max_conns
 * jobs allocated at open. */
#ifndef KS_GRAB_H
#define KS_GRAB_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ks_addr.h"
#include "probe_coap.h"
#include "probe_dns.h"
#include "probe_http.h"
#include "probe_mqtt.h"
#include "probe_ntp.h"
#include "probe_ssdp.h"
#include "probe_ssh.h"
#include "probe_telnet.h"
#include "probe_tls.h"
#include "recog.h"
#include "scan_rate.h"
#include "scan_scope.h"
#include "survey.h"
#include "vuln_db.h"

#define KS_GRAB_DEFAULT_CONNS 256u      /* jobs in flight */
#define KS_GRAB_DEFAULT_CONNECT_MS 3000u
#define KS_GRAB_DEFAULT_READ_MS 5000u   /* waiting for the next bytes */
#define KS_GRAB_DEFAULT_JOB_MS 15000u   /* whole job, follow-ups included */
#define KS_GRAB_DEFAULT_BANNER_MS 2000u /* unknown ports: wait for a banner */
#define KS_GRAB_DEFAULT_UDP_MS 2000u    /* wait for a UDP reply (per try) */
#define KS_GRAB_DEFAULT_UDP_TRIES 2u
#define KS_GRAB_FINDINGS_MAX 12         /* findings one service can produce */

/* The name the DNS probe asks for, recursively (RD=1): a name under the
 * reserved .example TLD (RFC 2606) is outside the authority of every
 * server on the Internet, so any real answer or NXDOMAIN with RA set comes
 * from recursion (or from a resolver answering for the root). It is also
 * what a lab resolver (dnsmasq) can be configured to answer. */
#define KS_GRAB_DNS_NAME "kansoku-probe.example"

struct ks_grab_opts {
	const struct ks_scope *scope;     /* THE GATE; required, built */
	const struct ks_survey_sink *sink; /* where records go; may be NULL */
	const struct ks_recog_set *recog; /* fingerprints; NULL: none */
	const struct ks_vuln_db *vulns;   /* known vulnerabilities (KEV marks already
					   * applied with ks_kev_mark); NULL: none */
	struct ks_scan_limits limits;     /* pps paces connects and datagrams;
					   * host_conns caps jobs per address (0: default) */
	uint32_t max_conns;               /* 0: KS_GRAB_DEFAULT_CONNS */
	uint32_t connect_ms, read_ms, job_ms, banner_ms, udp_ms; /* 0: defaults above */
	uint32_t udp_tries;               /* 0: KS_GRAB_DEFAULT_UDP_TRIES */
	bool tls_old_versions;            /* HTTPS: a second handshake offering only
					   * TLS 1.0 / 1.1 when the first negotiated
					   * TLS 1.2, to learn whether they are accepted */
	bool tls13;                       /* HTTPS: a TLS 1.3 handshake offering
					   * X25519MLKEM768 when the first negotiated TLS
					   * 1.2 or was refused: the key-exchange group
					   * for the post-quantum inventory */
	int64_t now_s;                    /* time for certificate validity; 0: time() */
	ks_clock_fn clock;                /* monotonic ns for timeouts; NULL: real */
	void *clock_ctx;
	const volatile sig_atomic_t *stop; /* set to non-zero (a signal handler):
					    * run/step return soon, jobs in flight
					    * are abandoned and audited "stopped" */
};

/* Fills o with the defaults (all zero timeouts meaning the defaults above,
 * ks_scan_limits_default(), tls_old_versions and tls13 true). Cannot fail. */
void ks_grab_opts_default(struct ks_grab_opts *o);

struct ks_grab;

struct ks_grab_stats {
	uint64_t submitted, refused, done;   /* jobs */
	uint64_t identified;                 /* services with a module other than "tcp" */
	uint64_t no_reply, errors, timeouts;
	uint64_t findings;
	uint64_t bytes_in, bytes_out;
};

/* Makes an engine: epoll instance, job pool. 0, KS_EINVAL (no scope, bad
 * options) or KS_ESYS (epoll_create1 failed; errno kept). Caller frees
 * *out with ks_grab_close. */
int ks_grab_open(const struct ks_grab_opts *o, struct ks_grab **out);

/* Queues (addr, port, proto) for identification. May be called at any time,
 * also between steps while jobs are in flight (the lead streams discovery
 * results in). Returns 0; KS_EDECLINED when addr is outside the scope or
 * (UDP) no module exists for the port (nothing is sent; the refusal is
 * audited); KS_EINVAL for port 0 or a protocol other than TCP/UDP. */
int ks_grab_submit(struct ks_grab *g, const struct ks_addr *addr, uint16_t port, uint8_t proto);

/* Same, with the module named (ks_grab_module's names; "banner" only for
 * TCP) instead of chosen by port: for services on other ports than their
 * usual one (a discovery hint, the tests' daemons on high loopback ports).
 * module NULL: by port. Also KS_EINVAL for an unknown module or one of
 * the other protocol. */
int ks_grab_submit_as(struct ks_grab *g, const struct ks_addr *addr, uint16_t port, uint8_t proto,
		      const char *module);

/* Makes progress for at most wait_ms milliseconds: starts queued jobs as the
 * limits allow, handles ready sockets and expired timeouts, emits records.
 * Returns the number of jobs not finished yet (queued + in flight; 0 = idle)
 * or a negative KS_ESYS (epoll_wait failed). */
long ks_grab_step(struct ks_grab *g, uint32_t wait_ms);

/* Steps until every submitted job is finished or *stop is set. 0, or
 * KS_ESYS. */
int ks_grab_run(struct ks_grab *g);

/* Counters so far (may be called any time). */
void ks_grab_stats(const struct ks_grab *g, struct ks_grab_stats *out);

/* Closes every socket and frees the engine; NULL is a no-op. Jobs still in
 * flight are abandoned without records. */
void ks_grab_close(struct ks_grab *g);

/* Name of the module that identifies (port, proto): "telnet", "ssh", "http",
 * "https", "ftp", "rtsp", "mqtt", "banner" (unknown TCP port), "dns", "ntp",
 * "ssdp", "coap", or NULL (UDP port without a module). Static. */
const char *ks_grab_module(uint16_t port, uint8_t proto);

/* ---- Findings: a pure function (grab_findings.c) -------------------- */

/* What the engine learnt about one service, beyond struct ks_svc: borrowed
 * views of the parser results (NULL when that protocol did not answer or
 * was not tried). The findings function reads only these and the svc. */
struct ks_grab_facts {
	bool telnet;                      /* a telnet session answered (banner or options) */
	enum ks_telnet_prompt telnet_prompt;
	const struct ks_ssh *ssh;         /* identification (+ KEXINIT) read */
	const struct ks_tls *tls;         /* handshake parsed (version, cipher, leaf) */
	const struct ks_tls *tls13;       /* the TLS 1.3 handshake, when the server spoke
					   * 1.3 (ServerHello or HelloRetryRequest) */
	uint32_t tls_old_accepted;        /* bit 0: TLS 1.0, bit 1: TLS 1.1, bit 2: SSLv3
					   * accepted by a second handshake (0: not tried/refused) */
	const struct ks_http *http;       /* the response to GET / */
	const struct ks_http *http_next;  /* the response after following its redirect */
	const char *wwwauth;              /* the first WWW-Authenticate value as sent
					   * (sanitised), for fingerprints; NULL: rebuilt
					   * from http->auth as Scheme realm="..." */
	const uint8_t *raw;               /* the service's first bytes as received (telnet:
					   * data without IAC sequences), for fingerprints;
					   * may be NULL */
	size_t raw_len;
	const struct ks_mqtt *mqtt;       /* CONNACK to our anonymous CONNECT */
	const struct ks_dns *dns;         /* reply to the recursive query */
	const struct ks_ssdp *ssdp;       /* M-SEARCH reply */
	const struct ks_upnp_desc *upnp;  /* its description, when fetched */
	const struct ks_ntp *ntp;         /* NTP server reply */
	const struct ks_coap *coap;       /* CoAP /.well-known/core reply */
};

/* Derives the findings of one service (docs/survey.md, "Findings"):
 *   telnet_exposed     high    telnet answered (critical when it offers a
 *                               shell without login)
 *   open_resolver      medium  DNS: recursion for a name out of authority
 *                               (RA set; NOERROR with answers, or NXDOMAIN)
 *   upnp_exposed       medium  SSDP answered a unicast M-SEARCH
 *   mqtt_no_auth       high    CONNACK accepted an anonymous CONNECT
 *   cleartext_admin    medium  plain HTTP serving a login (401 Basic/Digest
 *                               or a password field)
 *   bad_certificate    low     leaf expired or not yet valid (at now_s), or
 *                               self-signed
 *   deprecated_crypto  medium  SSLv3/TLS 1.0/1.1 negotiated or accepted,
 *                               NULL/EXPORT/RC4/DES/3DES suite, SHA-1/MD5
 *                               signature, RSA < 2048; SSH deprecated kex,
 *                               host key, cipher or MAC, protocol 1
 *                               (high for SSLv3, export/NULL/RC4 or SSH-1)
 *   known_vulnerability highest CVE severity: ks_vuln_match of vendor,
 *                               (needs a product or a CPE: a vendor alone is no query)
 *                               product, version (or the CPE) in db; one
 *                               finding listing the CVEs (known-exploited
 *                               first, marked "KEV")
 * Writes at most max findings to out (addr, port, proto, product filled from
 * s) and returns how many. db may be NULL. Pure and thread-safe. */
size_t ks_grab_findings(const struct ks_svc *s, const struct ks_grab_facts *f,
			const struct ks_vuln_db *db, int64_t now_s, struct ks_finding *out,
			size_t max);

/* Appends "key=value" to s->facts for the post-quantum inventory and the
 * report: tls_version, tls_cipher, tls_kex, tls_sig, tls_key, cert_subject,
 * cert_issuer, cert_not_before, cert_not_after (YYYY-MM-DD), ssh_kex,
 * ssh_hostkey, ssh_ciphers, ssh_macs, http_status, http_location, http_realm,
 * mqtt_connack, dns_recursion, dns_rcode, upnp_model ... Pure. */
void ks_grab_facts_format(struct ks_svc *s, const struct ks_grab_facts *f);

/* Fills vendor, product, version, device_type, cpe of s from the Recog
 * databases (recog.h) matched against the svc's banner / title / facts per
 * module: telnet.banner, ssh.banner, http_header.server,
 * http_header.wwwauth, html_title, rtsp_header.server, ftp.banner,
 * x509.subject (recog's `matches` keys), plus kansoku_jp_devices.xml.
 * Fields already set are kept. set may be NULL. */
void ks_grab_fingerprint(const struct ks_recog_set *set, struct ks_svc *s,
			 const struct ks_grab_facts *f);

#endif
