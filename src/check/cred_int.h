/* SPDX-License-Identifier: BSD-2-Clause */
/* Helpers shared by the credential checkers (cred.c); not a public API.
 * The socket helpers are for the checkers with their own client (telnet,
 * FTP): ks_cred_connect() holds the scope gate, so a checker cannot open a
 * connection without passing it. */
#ifndef KS_CRED_INT_H
#define KS_CRED_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cred.h"

/* Common start of every checker: validates the arguments, fills out with
 * defaults. 0, KS_EINVAL, or KS_EDECLINED if t->module != m. */
int ks_cred_begin(const struct ks_cred_target *t, const struct ks_cred_list *l,
		  const struct ks_cred_limits *lim, const struct ks_scope *scope,
		  enum ks_cred_module m, struct ks_cred_result *out);

/* The scope gate. True if t->addr may receive packets. */
bool ks_cred_gate(const struct ks_scope *scope, const struct ks_cred_target *t);

/* Audits one record for t with module ks_cred_audit_module(t->module) and
 * the printf-formatted outcome (cut to 160 bytes). */
void ks_cred_audit(const struct ks_survey_sink *sink, const struct ks_cred_target *t,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Records the success in out and emits the weak_credentials finding.
 * pair NULL: no password required. how (may be NULL): appended to the
 * detail in parentheses ("Basic"). */
void ks_cred_found(const struct ks_survey_sink *sink, const struct ks_cred_target *t,
		   const struct ks_cred_pair *pair, const char *how, struct ks_cred_result *out);

/* Sets out->detail (printf format, cut to fit). */
void ks_cred_detail(struct ks_cred_result *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* How one login attempt ended (the checkers' common outcomes). */
enum ks_cred_end {
	KS_END_ACCEPTED,    /* the pair was accepted */
	KS_END_NOLOGIN,     /* access at once: nothing was asked */
	KS_END_NOPASS,      /* access after the user name: no password asked */
	KS_END_REJECTED,
	KS_END_UNSUPPORTED, /* no method we try (no login prompt, publickey only, TLS required) */
	KS_END_ERROR,       /* network or protocol error */
};

/* Audits attempt e with pair (nopass: the note of a NOPASS end, e.g. "no
 * password asked") and, when e decides the check, fills out (status,
 * detail "PROTO: why" from why) and emits the finding of a success.
 * Returns true when the check is decided (stop), false after a rejection
 * (try the next pair). */
bool ks_cred_end(const struct ks_survey_sink *sink, const struct ks_cred_target *t,
		 const struct ks_cred_pair *pair, enum ks_cred_end e, const char *nopass,
		 const char *why, struct ks_cred_result *out);
/* One login attempt with pair: connects (through ks_cred_connect(), the
 * gate), tries, disconnects. Sets *declined when the gate refused, and why
 * for UNSUPPORTED and ERROR ends. */
typedef enum ks_cred_end (*ks_cred_attempt_fn)(const struct ks_cred_target *t,
					       const struct ks_scope *scope,
					       const struct ks_cred_pair *pair,
					       const struct ks_cred_limits *lim, bool *declined,
					       char *why, size_t whylen);

/* One login attempt with pair on connected socket fd, within io_ms (our own
 * clients: telnet, FTP); the caller connects and closes. */
typedef enum ks_cred_end (*ks_cred_fd_fn)(int fd, const struct ks_cred_pair *pair, uint32_t io_ms,
					  char *why, size_t whylen);

/* The check every checker runs: ks_cred_begin(), the gate, then one attempt
 * for each pair in list order, at most lim->attempts, lim->gap_ms apart,
 * until ks_cred_end() decides; nopass as there. An attempt is attempt(), or
 * when attempt is NULL a connection through ks_cred_connect() given to
 * on_fd(). The checker's return value. */
int ks_cred_run(const struct ks_cred_target *t, const struct ks_cred_list *l,
		const struct ks_cred_limits *lim, const struct ks_scope *scope,
		const struct ks_survey_sink *sink, enum ks_cred_module m, ks_cred_attempt_fn attempt,
		ks_cred_fd_fn on_fd, const char *nopass, struct ks_cred_result *out);

/* Sleeps lim->gap_ms before every attempt but the first (i > 0). */
void ks_cred_gap(const struct ks_cred_limits *lim, unsigned i);

/* Text form of t's address ("192.0.2.1" or "2001:db8::1"), and the host
 * part of a URL ("[2001:db8::1]" for IPv6). */
void ks_cred_host(const struct ks_cred_target *t, char *buf, size_t n, bool url);

/* Checks the scope gate and connects a TCP socket to t within timeout_ms.
 * 0 with *fd set (blocking mode off: use ks_cred_recv/ks_cred_send);
 * KS_EDECLINED outside the scope (nothing sent); KS_ESYS with the reason in
 * why ("connection refused", "connect timed out"). */
int ks_cred_connect(const struct ks_scope *scope, const struct ks_cred_target *t,
		    uint32_t timeout_ms, int *fd, char *why, size_t whylen);
/* Receives up to n bytes, waiting until deadline_ns (CLOCK_MONOTONIC).
 * > 0 bytes; 0 the peer closed; KS_EAGAIN deadline passed; KS_ESYS error. */
long ks_cred_recv(int fd, uint8_t *buf, size_t n, int64_t deadline_ns);
/* Sends all n bytes before deadline_ns. 0, KS_EAGAIN (timeout), KS_ESYS. */
int ks_cred_send(int fd, const void *p, size_t n, int64_t deadline_ns);
/* CLOCK_MONOTONIC now + ms. */
int64_t ks_cred_deadline(uint32_t ms);

#endif
