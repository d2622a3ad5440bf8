/* SPDX-License-Identifier: BSD-2-Clause */
/* Weak-credential checks: try an ID/password list against one service.
 *
 *   identification (src/grab/) -> struct ks_svc (module telnet|ssh|http|https|ftp)
 *   lead (survey run, only with --check-credentials)
 *        -> ks_cred_check(target, list, limits, scope, sink, &result)
 *        -> audit records ("telnet-login" ...) and at most one
 *           weak_credentials finding per service
 *
 * One checker per protocol, each in its own file, all with the signature of
 * ks_cred_check_fn:
 *   cred_telnet.c  our own client; option negotiation by ks_telnet
 *                  (probe_telnet.h); prompt heuristics in cred_telnet.h
 *   cred_ssh.c     libssh: "none", password and keyboard-interactive
 *                  authentication; never opens a channel
 *   cred_http.c    libcurl: Basic or Digest, whichever the 401 offers
 *   cred_ftp.c     our own client (replies parsed by ks_ftp_parse):
 *                  USER/PASS, then QUIT; never lists or transfers
 *
 * Rules every checker keeps (docs/survey.md, "Credential checks"):
 *  - ks_scope_contains(scope, &t->addr) is checked immediately before every
 *    connection; outside the scope nothing is sent, the call returns
 *    KS_EDECLINED and nothing is audited.
 *  - Pairs are tried in list order, one connection per attempt, at most
 *    lim->attempts attempts on this host and service, with lim->gap_ms
 *    milliseconds between two attempts (0 allowed). The first success
 *    stops the check.
 *  - Every login attempt is audited through the sink: module
 *    "telnet-login" | "ssh-login" | "http-login" | "ftp-login", outcome
 *    "login-accepted user=X", "login-rejected user=X" or "error: ...".
 *    Requests that are not login attempts (the HTTP request that learns the
 *    401 challenge) are audited with outcomes that do not start with
 *    "login-" ("auth-required scheme=Basic", "no-auth status=200").
 *  - A success emits one ks_finding: KS_FIND_WEAK_CREDENTIALS, severity
 *    critical, detail "root/xc3511 accepted over telnet" (published default
 *    pairs: naming them is fine), or "no password required over telnet"
 *    when the device gives access without asking for a password.
 *  - Nothing on the device is changed: no command is run, no channel
 *    opened, no file listed; after the decision the checker disconnects.
 *
 * Threads: a call uses only its arguments; calls on different targets may
 * run in parallel threads if the sink allows it (survey.h: one thread at a
 * time per sink). Blocking: a call blocks for at most about
 * attempts x (connect_ms + io_ms + gap_ms). */
#ifndef KS_CRED_H
#define KS_CRED_H

#include <stdbool.h>
#include <stdint.h>

#include "cred_list.h"
#include "ks_addr.h"
#include "scan_scope.h"
#include "survey.h"

enum ks_cred_module {
	KS_CRED_TELNET,
	KS_CRED_SSH,
	KS_CRED_HTTP, /* http and https (t->tls) */
	KS_CRED_FTP,
};
#define KS_CRED_NMODULES 4

/* The service to check, from identification (struct ks_svc). */
struct ks_cred_target {
	struct ks_addr addr;
	uint16_t port;
	enum ks_cred_module module;
	bool tls;            /* http only: https:// (certificates are not verified) */
	char http_path[256]; /* http only: path of the URL that answered 401 ("" = "/") */
	uint32_t http_auth;  /* http only: KS_HTTP_AUTH_* offered by that 401 (probe_http.h);
			      * 0 = unknown: the checker asks once without credentials */
	char product[160];   /* copied into the finding ("vendor product version"), may be "" */
};

struct ks_cred_limits {
	uint32_t attempts;   /* login attempts on this host and service, >= 1 */
	uint32_t gap_ms;     /* pause between two attempts (0: none) */
	uint32_t connect_ms; /* TCP connect (and SSH key exchange) timeout */
	uint32_t io_ms;      /* time allowed for one attempt once connected */
};
#define KS_CRED_DEFAULT_CONNECT_MS 5000u
#define KS_CRED_DEFAULT_IO_MS 10000u
/* attempts KS_HOST_DEFAULT_ATTEMPTS, gap KS_HOST_DEFAULT_GAP_MS (scan_rate.h),
 * the timeouts above. */
void ks_cred_limits_default(struct ks_cred_limits *l);
struct ks_scan_limits;
/* The defaults with attempts and gap taken from the survey's per-host
 * limits (scan_rate.h: host_attempts, host_gap_ms; 0 keeps the default). */
void ks_cred_limits_from_scan(const struct ks_scan_limits *s, struct ks_cred_limits *l);

enum ks_cred_status {
	KS_CRED_REJECTED = 0, /* every pair tried (or attempts used up): none accepted */
	KS_CRED_ACCEPTED,     /* a pair accepted, or no password required: finding emitted */
	KS_CRED_NO_AUTH,      /* http: the URL does not ask for credentials (not 401/403) */
	KS_CRED_UNSUPPORTED,  /* the service offers no method we try (ssh publickey only,
			       * http NTLM, telnet without a login prompt, ftp that
			       * demands TLS) */
	KS_CRED_ERROR,        /* stopped by a network or protocol error before a decision */
};

struct ks_cred_result {
	enum ks_cred_status status;
	unsigned attempts;    /* login attempts made (= "login-*" audit records) */
	bool no_password;     /* ACCEPTED without a password being asked */
	char user[KS_CRED_USER_MAX + 1]; /* the accepted pair (ACCEPTED and !no_password) */
	char pass[KS_CRED_PASS_MAX + 1];
	char detail[256];     /* finding detail, or why not: "connection refused",
			       * "ssh: server offers publickey only", ... */
};

/* The checker signature. Returns 0 when the check ran (see out->status,
 * out is always filled); KS_EDECLINED when t->addr is outside the scope
 * (nothing sent, nothing audited) or the module does not match the
 * checker; KS_EINVAL for bad arguments (NULL list or scope, attempts 0).
 * Network errors are not return codes: status KS_CRED_ERROR, audited. */
typedef int (*ks_cred_check_fn)(const struct ks_cred_target *t, const struct ks_cred_list *l,
				const struct ks_cred_limits *lim, const struct ks_scope *scope,
				const struct ks_survey_sink *sink, struct ks_cred_result *out);

int ks_cred_check_telnet(const struct ks_cred_target *t, const struct ks_cred_list *l,
			 const struct ks_cred_limits *lim, const struct ks_scope *scope,
			 const struct ks_survey_sink *sink, struct ks_cred_result *out);
int ks_cred_check_ssh(const struct ks_cred_target *t, const struct ks_cred_list *l,
		      const struct ks_cred_limits *lim, const struct ks_scope *scope,
		      const struct ks_survey_sink *sink, struct ks_cred_result *out);
int ks_cred_check_http(const struct ks_cred_target *t, const struct ks_cred_list *l,
		       const struct ks_cred_limits *lim, const struct ks_scope *scope,
		       const struct ks_survey_sink *sink, struct ks_cred_result *out);
int ks_cred_check_ftp(const struct ks_cred_target *t, const struct ks_cred_list *l,
		      const struct ks_cred_limits *lim, const struct ks_scope *scope,
		      const struct ks_survey_sink *sink, struct ks_cred_result *out);

/* Dispatches on t->module to the checker above. */
int ks_cred_check(const struct ks_cred_target *t, const struct ks_cred_list *l,
		  const struct ks_cred_limits *lim, const struct ks_scope *scope,
		  const struct ks_survey_sink *sink, struct ks_cred_result *out);

/* Stable names: module "telnet", "ssh", "http", "ftp" (ks_cred_module_parse
 * also takes "https", setting *tls); audit module "telnet-login" ...;
 * status "rejected", "accepted", "no-auth", "unsupported", "error". */
const char *ks_cred_module_name(enum ks_cred_module m);
const char *ks_cred_audit_module(enum ks_cred_module m);
const char *ks_cred_status_name(enum ks_cred_status s);
/* 0 or KS_EINVAL. tls may be NULL. */
int ks_cred_module_parse(const char *s, enum ks_cred_module *out, bool *tls);

/* Maps an identified service to a target: 0, or KS_EDECLINED when its
 * module is not one we check ("telnet", "ssh", "http", "https", "ftp").
 * For http the caller sets http_path/http_auth from the grab when known. */
int ks_cred_target_from_svc(const struct ks_svc *s, struct ks_cred_target *out);

#endif
