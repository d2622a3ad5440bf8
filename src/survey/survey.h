/* SPDX-License-Identifier: BSD-2-Clause */
/* The active survey's records: what the stages of `survey run` hand on.
 *
 *   discovery (src/scan/)      -> open (address, port) pairs
 *   identification (src/grab/) -> struct ks_svc, one per open service, and
 *                                 the exposure and known-vulnerability
 *                                 findings that follow from it
 *   checks (src/check/)        -> weak_credentials findings
 *   every probe and login      -> struct ks_audit
 *
 * All of it flows into a struct ks_survey_sink, which the store implements
 * (src/store/store_survey.c: one survey round) and tests implement to
 * collect records. Records are plain fixed-size values: a sink copies what
 * it keeps; pointers inside a record are valid only during the call.
 *
 * Text fields are NUL-terminated, sanitised with ks_probe_text() when they
 * come from the network, and cut to fit (never an error). "" = unknown. */
#ifndef KS_SURVEY_H
#define KS_SURVEY_H

#include <stddef.h>
#include <stdint.h>

#include "ks_addr.h"
#include "vuln_finding.h"

#define KS_SVC_MODULE_MAX 16

/* One identified (or merely open) service. */
struct ks_svc {
	struct ks_addr addr;
	uint16_t port;
	uint8_t proto;                     /* KS_PROTO_TCP (6) or KS_PROTO_UDP (17) */
	char module[KS_SVC_MODULE_MAX];    /* protocol that answered: "telnet", "ssh", "http",
					    * "https", "ftp", "rtsp", "mqtt", "ssdp", "dns", "ntp",
					    * "coap"; "tcp" when open but not identified */
	char banner[256];                  /* the line that identifies it: SSH identification,
					    * HTTP Server header, FTP/telnet greeting, ... */
	char vendor[64];                   /* Recog hw.vendor, else service.vendor */
	char product[64];                  /* Recog hw.product, else service.product */
	char version[64];                  /* Recog hw.version / service.version / os.version */
	char device_type[32];              /* Recog hw.device ("Router", "IP Camera", "DVR"), "" */
	char cpe[160];                     /* CPE 2.3 name when the fingerprint gives one */
	char title[128];                   /* HTML title, HTTP realm, UPnP friendlyName */
	/* Protocol facts, "key=value" pairs separated by "; ", for the report and
	 * the post-quantum inventory: tls_version, tls_cipher, tls_kex, tls_sig,
	 * cert_subject, cert_issuer, cert_not_after, ssh_kex, ssh_hostkey,
	 * ssh_ciphers, http_status, http_location, mqtt_connack, dns_recursion ... */
	char facts[1024];
};

/* One finding: findings are kept per (address, port, proto, type). */
struct ks_finding {
	struct ks_addr addr;
	uint16_t port;                     /* 0 for address-wide findings (infected) */
	uint8_t proto;
	enum ks_finding_type type;
	enum ks_sev sev;
	char product[160];                 /* "vendor product version" as identified, "" */
	char detail[512];                  /* what was seen: "login root/xc3511 accepted over
					    * telnet", "CVE-2017-17215 (known exploited, CVSS 8.8)";
					    * never a password in clear for weak_credentials other
					    * than the published default pair that matched */
};

/* One probe or login attempt, for the audit table. */
struct ks_audit {
	int64_t t_ns;                      /* CLOCK_REALTIME nanoseconds */
	struct ks_addr addr;
	uint16_t port;
	uint8_t proto;
	const char *module;                /* "tcp-syn", "tcp-connect", "udp-dns", "grab-http",
					    * "telnet-login", "ssh-login", "http-login", "ftp-login" */
	const char *outcome;               /* "open", "closed", "no-reply", "sent", "identified",
					    * "login-accepted user=root", "login-rejected user=admin",
					    * "error: connection reset", ... (<= 160 bytes) */
};

/* The value of "key" in s->facts ("k=v; k=v"), copied into buf (capacity
 * n >= 1, cut to fit); "" when absent. Returns buf. */
const char *ks_svc_fact(const struct ks_svc *s, const char *key, char *buf, size_t n);

/* Where the stages deliver records. Any callback may be NULL (ignored).
 * Callbacks are called from one thread at a time. */
struct ks_survey_sink {
	void *ctx;
	void (*audit)(void *ctx, const struct ks_audit *a);
	void (*service)(void *ctx, const struct ks_svc *s);
	void (*finding)(void *ctx, const struct ks_finding *f);
};

static inline void ks_sink_audit(const struct ks_survey_sink *k, const struct ks_audit *a)
{
	if (k && k->audit)
		k->audit(k->ctx, a);
}
static inline void ks_sink_service(const struct ks_survey_sink *k, const struct ks_svc *s)
{
	if (k && k->service)
		k->service(k->ctx, s);
}
static inline void ks_sink_finding(const struct ks_survey_sink *k, const struct ks_finding *f)
{
	if (k && k->finding)
		k->finding(k->ctx, f);
}

#endif
