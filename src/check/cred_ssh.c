/* SPDX-License-Identifier: BSD-2-Clause */
/* SSH weak-credential checker with libssh (specification: RFC 4252
 * authentication, RFC 4256 keyboard-interactive).
 *
 * One connection per attempt:
 *   gate -> ssh_connect (key exchange) -> "none" with USER
 *        success: no password required
 *        else the methods the server lists:
 *          password              -> password PASS
 *          keyboard-interactive  -> every prompt answered with PASS
 *          neither               -> unsupported (publickey only ...)
 *   -> ssh_disconnect
 * No channel is ever opened and no command run: a session that
 * authenticated is disconnected at once. libssh's configuration files are
 * not read (SSH_OPTIONS_PROCESS_CONFIG off: no ProxyCommand, no Host
 * aliases can send the connection elsewhere), no agent, key or known_hosts
 * file is used: the server's host key is not verified, which is harmless
 * because nothing secret of ours is sent (the pairs are published
 * defaults). */
#include <libssh/libssh.h>
#include <stdio.h>
#include <string.h>

#include "cred.h"
#include "cred_int.h"
#include "ks_err.h"

#define KBDINT_ROUNDS 4 /* info-request rounds answered per attempt */

static int kbdint(ssh_session s, const char *pass)
{
	int rc = ssh_userauth_kbdint(s, NULL, NULL);
	for (int round = 0; rc == SSH_AUTH_INFO && round < KBDINT_ROUNDS; round++) {
		int n = ssh_userauth_kbdint_getnprompts(s);
		for (int i = 0; i < n && i < 8; i++)
			if (ssh_userauth_kbdint_setanswer(s, (unsigned)i, pass) < 0)
				return SSH_AUTH_ERROR;
		rc = ssh_userauth_kbdint(s, NULL, NULL);
	}
	return rc == SSH_AUTH_INFO ? SSH_AUTH_DENIED : rc;
}

static enum ks_cred_end attempt(const struct ks_cred_target *t, const struct ks_scope *scope,
				const struct ks_cred_pair *pair, const struct ks_cred_limits *lim,
				bool *declined, char *why, size_t whylen)
{
	enum ks_cred_end e = KS_END_ERROR;
	ssh_session s = ssh_new();
	if (!s) {
		snprintf(why, whylen, "ssh_new failed");
		return KS_END_ERROR;
	}
	char host[KS_ADDR_STRLEN + 2];
	ks_cred_host(t, host, sizeof host, false);
	unsigned port = t->port;
	bool no = false;
	int verbosity = SSH_LOG_NOLOG;
	long usec = (long)lim->connect_ms * 1000;
	if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_LOG_VERBOSITY, &verbosity) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_HOST, host) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &port) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_USER, pair->user) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &usec) < 0) {
		snprintf(why, whylen, "ssh options: %s", ssh_get_error(s));
		goto out;
	}
	/* THE GATE (scan_scope.h), immediately before the connection. */
	if (!ks_cred_gate(scope, t)) {
		*declined = true;
		goto out;
	}
	if (ssh_connect(s) != SSH_OK) {
		snprintf(why, whylen, "%s", ssh_get_error(s));
		goto out;
	}
	int rc = ssh_userauth_none(s, NULL);
	if (rc == SSH_AUTH_SUCCESS) {
		e = KS_END_NOPASS;
		goto disc;
	}
	if (rc == SSH_AUTH_ERROR) {
		snprintf(why, whylen, "%s", ssh_get_error(s));
		goto disc;
	}
	int methods = ssh_userauth_list(s, NULL);
	if (methods & SSH_AUTH_METHOD_PASSWORD)
		rc = ssh_userauth_password(s, NULL, pair->pass);
	else if (methods & SSH_AUTH_METHOD_INTERACTIVE)
		rc = kbdint(s, pair->pass);
	else {
		snprintf(why, whylen, "server offers neither password nor keyboard-interactive");
		e = KS_END_UNSUPPORTED;
		goto disc;
	}
	if (rc == SSH_AUTH_SUCCESS)
		e = KS_END_ACCEPTED;
	else if (rc == SSH_AUTH_DENIED || rc == SSH_AUTH_PARTIAL)
		e = KS_END_REJECTED;
	else
		snprintf(why, whylen, "%s", ssh_get_error(s));
disc:
	ssh_disconnect(s);
out:
	ssh_free(s);
	return e;
}

int ks_cred_check_ssh(const struct ks_cred_target *t, const struct ks_cred_list *l,
		      const struct ks_cred_limits *lim, const struct ks_scope *scope,
		      const struct ks_survey_sink *sink, struct ks_cred_result *out)
{
	return ks_cred_run(t, l, lim, scope, sink, KS_CRED_SSH, attempt, NULL, "none authentication",
			   out);
}
