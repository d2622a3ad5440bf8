/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the weak-credential checks (src/check/): the credential
 * list parser and its error positions, the shipped Mirai list, the telnet
 * login heuristics on transcripts, and the scope gate: a target outside the
 * scope gets no connection (a loopback listener sees none) and no audit. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cred.h"
#include "cred_list.h"
#include "cred_telnet.h"
#include "ks_err.h"
#include "ks_test.h"
#include "scan_rate.h"
#include "scan_scope.h"

static int parse(struct ks_cred_list *l, const char *text, char *err, size_t errlen)
{
	ks_cred_list_init(l);
	return ks_cred_list_parse(l, text, strlen(text), "c.tsv", err, errlen);
}

KS_TEST(cred_list_parse)
{
	struct ks_cred_list l;
	char err[256];
	const char *text = "# Mirai\n"
			   "root\txc3511\n"
			   "\n"
			   "root\t\r\n"       /* empty password, CRLF */
			   "admin\tpa#ss word\n" /* '#' and space are data */
			   "root\txc3511\n"   /* duplicate: dropped */
			   "guest\t12345";    /* no final newline */
	CHECK_EQ_U64(parse(&l, text, err, sizeof err), 0);
	CHECK_EQ_U64(l.n, 4);
	CHECK_EQ_U64(l.dups, 1);
	CHECK(strcmp(l.v[0].user, "root") == 0 && strcmp(l.v[0].pass, "xc3511") == 0);
	CHECK_EQ_U64(l.v[0].line, 2);
	CHECK(strcmp(l.v[1].user, "root") == 0 && l.v[1].pass[0] == '\0');
	CHECK(strcmp(l.v[2].pass, "pa#ss word") == 0);
	CHECK(strcmp(l.v[3].user, "guest") == 0 && strcmp(l.v[3].pass, "12345") == 0);
	CHECK_EQ_U64(l.v[3].line, 7);
	/* A second file appends; duplicates across files are dropped too. */
	const char *more = "admin\tadmin\nguest\t12345\n";
	CHECK_EQ_U64(ks_cred_list_parse(&l, more, strlen(more), "d.tsv", err, sizeof err), 0);
	CHECK_EQ_U64(l.n, 5);
	CHECK_EQ_U64(l.dups, 2);
	ks_cred_list_release(&l);
	CHECK(l.v == NULL && l.n == 0);
}

KS_TEST(cred_list_errors)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"root xc3511\n", "c.tsv:1:12: no TAB"},
		{"# c\n\tpw\n", "c.tsv:2:1: empty user name"},
		{"root\tpw\textra\n", "c.tsv:1:8: second TAB"},
		{"ok\tok\nro\x01ot\tpw\n", "c.tsv:2:3: control byte in the user name"},
		{"root\tp\x7fw\n", "c.tsv:1:7: control byte in the password"},
		{"root\tpw\0x\n", "c.tsv:1:8: control byte"},
		{"u\t0123456789012345678901234567890123456789012345678901234567890123456789\n",
		 "c.tsv:1:67: password longer than 64 bytes"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ks_cred_list l;
		char err[256] = "";
		ks_cred_list_init(&l);
		size_t len = strlen(bad[i].text);
		if (i == 5)
			len = 10; /* holds a NUL */
		int r = ks_cred_list_parse(&l, bad[i].text, len, "c.tsv", err, sizeof err);
		CHECK_EQ_U64(r, (uint64_t)(int64_t)KS_EINVAL);
		CHECK_EQ_U64(l.n, 0); /* nothing of a bad file is applied */
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)) != 0) {
			fprintf(stderr, "  case %zu: got '%s', expected '%s...'\n", i, err, bad[i].msg);
			ks_test_failures++;
		}
		ks_cred_list_release(&l);
	}
}

KS_TEST(cred_list_default_mirai)
{
	/* The runner works from the repository root (tests/run.sh). */
	char path[4096], err[256];
	setenv("KANSOKU_CREDENTIALS", "data/credentials/mirai-telnet.tsv", 1);
	CHECK_EQ_U64(ks_cred_default_path(path, sizeof path), 0);
	CHECK(strcmp(path, "data/credentials/mirai-telnet.tsv") == 0);
	setenv("KANSOKU_CREDENTIALS", "no/such/list.tsv", 1);
	CHECK_EQ_U64(ks_cred_default_path(err, sizeof err), (uint64_t)(int64_t)KS_ENOENT);
	unsetenv("KANSOKU_CREDENTIALS");
	struct ks_cred_list l;
	ks_cred_list_init(&l);
	CHECK_EQ_U64(ks_cred_list_load(&l, path, err, sizeof err), 0);
	CHECK_EQ_U64(l.n, 61); /* 62 lines, guest/12345 twice */
	CHECK_EQ_U64(l.dups, 1);
	CHECK(l.n > 0 && strcmp(l.v[0].user, "root") == 0 && strcmp(l.v[0].pass, "xc3511") == 0);
	ks_cred_list_release(&l);
}

#define T(s) (const uint8_t *)(s), strlen(s)

KS_TEST(cred_telnet_prompts)
{
	CHECK_EQ_U64(ks_cred_tn_prompt(T("\r\nBusyBox on localhost\r\nlogin: ")), KS_CRED_TN_LOGIN);
	CHECK_EQ_U64(ks_cred_tn_prompt(T("User Name:")), KS_CRED_TN_LOGIN);
	CHECK_EQ_U64(ks_cred_tn_prompt(T("Username: ")), KS_CRED_TN_LOGIN);
	CHECK_EQ_U64(ks_cred_tn_prompt(T("root\r\nPassword: ")), KS_CRED_TN_PASSWORD);
	CHECK_EQ_U64(ks_cred_tn_prompt(T("\r\n\r\nBusyBox v1.19.4 built-in shell (ash)\r\n# ")),
		     KS_CRED_TN_SHELL);
	CHECK_EQ_U64(ks_cred_tn_prompt(T("\x1b[1;32mroot@cam\x1b[0m:~$ ")), KS_CRED_TN_SHELL);
	CHECK_EQ_U64(ks_cred_tn_prompt(T("\r\nRouter> ")), KS_CRED_TN_SHELL);
	CHECK_EQ_U64(ks_cred_tn_prompt(T("\r\nDVR#")), KS_CRED_TN_SHELL);
	/* a sentence ending in '#' or '>' is not a prompt; nor is an empty line */
	CHECK_EQ_U64(ks_cred_tn_prompt(T("Welcome to the device number #")), KS_CRED_TN_NONE);
	CHECK_EQ_U64(ks_cred_tn_prompt(T("root\r\n")), KS_CRED_TN_NONE);
	CHECK_EQ_U64(ks_cred_tn_prompt(T("")), KS_CRED_TN_NONE);
}

KS_TEST(cred_telnet_decide)
{
	/* accepted: a shell prompt after the password */
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\n\r\nBusyBox v1.19.4 built-in shell (ash)\r\nEnter 'help' "
					 "for a list of built-in commands.\r\n\r\n# "),
				       false),
		     KS_CRED_TN_ACCEPTED);
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\nLast login: today\r\n~ $ "), false), KS_CRED_TN_ACCEPTED);
	/* rejected: failure words, a new login or password prompt, a close */
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\nLogin incorrect\r\n"), false), KS_CRED_TN_REJECTED);
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\nLogin incorrect\r\nlogin: "), false), KS_CRED_TN_REJECTED);
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\n% Authentication failed\r\nRouter> "), false),
		     KS_CRED_TN_REJECTED);
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\nAccess denied\r\n"), false), KS_CRED_TN_REJECTED);
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\nPassword: "), false), KS_CRED_TN_REJECTED);
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\nUsername: "), false), KS_CRED_TN_REJECTED);
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\n"), true), KS_CRED_TN_REJECTED);
	/* undecided: nothing conclusive yet */
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\n"), false), KS_CRED_TN_PENDING);
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\nLogin inc"), false), KS_CRED_TN_PENDING);
	CHECK_EQ_U64(ks_cred_tn_decide(T("\r\nBusyBox v1.19.4"), false), KS_CRED_TN_PENDING);
	CHECK(ks_cred_tn_failed(T("LOGIN INCORRECT")));
	CHECK(!ks_cred_tn_failed(T("Welcome")));
}

struct count_sink {
	unsigned audits, findings;
};
static void cnt_audit(void *ctx, const struct ks_audit *a)
{
	(void)a;
	((struct count_sink *)ctx)->audits++;
}
static void cnt_finding(void *ctx, const struct ks_finding *f)
{
	(void)f;
	((struct count_sink *)ctx)->findings++;
}

/* Every checker refuses a target outside the scope before connecting: a
 * listener on 127.0.0.1 sees no connection (accept would block). */
KS_TEST(cred_scope_gate)
{
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t sl = sizeof sa;
	CHECK(ls >= 0 && bind(ls, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(ls, 8) == 0 &&
	      getsockname(ls, (struct sockaddr *)&sa, &sl) == 0);

	struct ks_scope scope;
	char err[256];
	const char *text = "127.0.0.2/32 allow-reserved\n"; /* the next address, not ours */
	ks_scope_init(&scope);
	CHECK_EQ_U64(ks_scope_parse(&scope, text, strlen(text), "s", err, sizeof err), 0);
	ks_scope_build(&scope);
	struct ks_cred_list l;
	CHECK_EQ_U64(parse(&l, "root\txc3511\nadmin\tadmin\n", err, sizeof err), 0);
	struct ks_cred_limits lim;
	ks_cred_limits_default(&lim);
	lim.gap_ms = 0;
	struct count_sink c = {0, 0};
	struct ks_survey_sink sink = {&c, cnt_audit, NULL, cnt_finding};
	for (unsigned m = 0; m < KS_CRED_NMODULES; m++) {
		struct ks_cred_target t;
		memset(&t, 0, sizeof t);
		ks_addr_from_v4(&t.addr, 0x7f000001);
		t.port = ntohs(sa.sin_port);
		t.module = (enum ks_cred_module)m;
		struct ks_cred_result res;
		CHECK_EQ_U64(ks_cred_check(&t, &l, &lim, &scope, &sink, &res),
			     (uint64_t)(int64_t)KS_EDECLINED);
		CHECK_EQ_U64(res.attempts, 0);
		/* the wrong checker for a module declines too */
		t.module = (enum ks_cred_module)((m + 1) % KS_CRED_NMODULES);
		CHECK_EQ_U64(ks_cred_check_telnet(&t, &l, &lim, &scope, &sink, &res) == KS_EDECLINED, 1);
	}
	CHECK_EQ_U64(c.audits, 0);
	CHECK_EQ_U64(c.findings, 0);
	int a = accept(ls, NULL, NULL);
	CHECK(a < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
	if (a >= 0)
		close(a);
	close(ls);
	ks_cred_list_release(&l);
	ks_scope_release(&scope);
}

KS_TEST(cred_names)
{
	enum ks_cred_module m;
	bool tls;
	CHECK(ks_cred_module_parse("https", &m, &tls) == 0 && m == KS_CRED_HTTP && tls);
	CHECK(ks_cred_module_parse("ssh", &m, &tls) == 0 && m == KS_CRED_SSH && !tls);
	CHECK(ks_cred_module_parse("rtsp", &m, &tls) == KS_EINVAL);
	CHECK(strcmp(ks_cred_audit_module(KS_CRED_FTP), "ftp-login") == 0);
	CHECK(strcmp(ks_cred_status_name(KS_CRED_ACCEPTED), "accepted") == 0);
	struct ks_svc s;
	memset(&s, 0, sizeof s);
	s.proto = 6;
	s.port = 23;
	snprintf(s.module, sizeof s.module, "telnet");
	snprintf(s.vendor, sizeof s.vendor, "Hikvision");
	snprintf(s.version, sizeof s.version, "5.4");
	struct ks_cred_target t;
	CHECK(ks_cred_target_from_svc(&s, &t) == 0 && t.module == KS_CRED_TELNET && t.port == 23);
	CHECK(strcmp(t.product, "Hikvision 5.4") == 0);
	struct ks_scan_limits sl;
	struct ks_cred_limits cl;
	ks_scan_limits_default(&sl);
	sl.host_attempts = 3;
	sl.host_gap_ms = 0;
	ks_cred_limits_from_scan(&sl, &cl);
	CHECK(cl.attempts == 3 && cl.gap_ms == 0 && cl.io_ms == KS_CRED_DEFAULT_IO_MS);
	snprintf(s.module, sizeof s.module, "mqtt");
	CHECK(ks_cred_target_from_svc(&s, &t) == KS_EDECLINED);
}

/* A scripted telnet device on 127.0.0.1 (one thread, one connection at a
 * time): negotiates like BusyBox (WILL ECHO, WILL SGA, DO TTYPE), asks
 * "login:" and "Password:", and opens a "# " shell for user/pass, else says
 * "Login incorrect" and closes. pass NULL: a shell at once. */
struct fake_tn {
	int ls;
	const char *user, *pass;
	unsigned conns, max_conns;
	bool saw_do_echo; /* our client accepted WILL ECHO */
};

/* Reads one line of data (IAC sequences skipped) into buf. */
static int tn_line(int fd, struct fake_tn *f, char *buf, size_t cap)
{
	size_t n = 0;
	uint8_t c;
	while (recv(fd, &c, 1, 0) == 1) {
		if (c == 255) {
			uint8_t cmd[2];
			if (recv(fd, cmd, 2, MSG_WAITALL) != 2)
				return -1;
			if (cmd[0] == 253 && cmd[1] == 1)
				f->saw_do_echo = true;
			continue;
		}
		if (c == '\n' || c == '\0')
			continue;
		if (c == '\r') {
			buf[n] = '\0';
			return 0;
		}
		if (n + 1 < cap)
			buf[n++] = (char)c;
	}
	return -1;
}

static void *fake_tn_run(void *arg)
{
	struct fake_tn *f = arg;
	while (f->conns < f->max_conns) {
		int fd = accept(f->ls, NULL, NULL);
		if (fd < 0)
			break;
		f->conns++;
		static const char nego[] = "\377\373\001\377\373\003\377\375\030";
		char u[128], p[128];
		(void)!send(fd, nego, sizeof nego - 1, MSG_NOSIGNAL);
		if (!f->pass) {
			(void)!send(fd, "\r\nBusyBox v1.19.4\r\n# ", 21, MSG_NOSIGNAL);
		} else {
			(void)!send(fd, "\r\n(none) login: ", 16, MSG_NOSIGNAL);
			if (tn_line(fd, f, u, sizeof u) == 0) {
				(void)!send(fd, "\r\nPassword: ", 12, MSG_NOSIGNAL);
				if (tn_line(fd, f, p, sizeof p) == 0) {
					bool ok = strcmp(u, f->user) == 0 && strcmp(p, f->pass) == 0;
					const char *r = ok ? "\r\n\r\nBusyBox v1.19.4 built-in shell (ash)\r\n# "
							   : "\r\nLogin incorrect\r\n";
					(void)!send(fd, r, strlen(r), MSG_NOSIGNAL);
				}
			}
		}
		/* Wait for the client to close (it types nothing after a shell). */
		char sink;
		while (recv(fd, &sink, 1, 0) > 0)
			;
		close(fd);
	}
	return NULL;
}

struct rec_sink {
	unsigned audits, findings;
	char last[200], detail[600];
};
static void rec_audit(void *ctx, const struct ks_audit *a)
{
	struct rec_sink *r = ctx;
	r->audits++;
	snprintf(r->last, sizeof r->last, "%s %s", a->module, a->outcome);
}
static void rec_finding(void *ctx, const struct ks_finding *f)
{
	struct rec_sink *r = ctx;
	r->findings++;
	snprintf(r->detail, sizeof r->detail, "%s %s %s", ks_finding_name(f->type), ks_sev_name(f->sev),
		 f->detail);
}

static void fake_run(const char *user, const char *pass, unsigned attempts, unsigned max_conns,
		     struct rec_sink *rs, struct ks_cred_result *res, struct fake_tn *f)
{
	memset(f, 0, sizeof *f);
	f->user = user;
	f->pass = pass;
	f->max_conns = max_conns;
	f->ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
	socklen_t sl = sizeof sa;
	CHECK(f->ls >= 0 && bind(f->ls, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	      listen(f->ls, 8) == 0 && getsockname(f->ls, (struct sockaddr *)&sa, &sl) == 0);
	pthread_t th;
	CHECK(pthread_create(&th, NULL, fake_tn_run, f) == 0);

	struct ks_scope scope;
	char err[256];
	const char *text = "127.0.0.0/8 allow-reserved\n";
	ks_scope_init(&scope);
	CHECK_EQ_U64(ks_scope_parse(&scope, text, strlen(text), "s", err, sizeof err), 0);
	ks_scope_build(&scope);
	struct ks_cred_list l;
	CHECK_EQ_U64(parse(&l, "root\txc3511\nadmin\tadmin\nroot\t\nuser\tuser\n", err, sizeof err), 0);
	struct ks_cred_limits lim;
	ks_cred_limits_default(&lim);
	lim.gap_ms = 0;
	lim.attempts = attempts;
	memset(rs, 0, sizeof *rs);
	struct ks_survey_sink sink = {rs, rec_audit, NULL, rec_finding};
	struct ks_cred_target t;
	memset(&t, 0, sizeof t);
	ks_addr_from_v4(&t.addr, 0x7f000001);
	t.port = ntohs(sa.sin_port);
	t.module = KS_CRED_TELNET;
	CHECK_EQ_U64(ks_cred_check(&t, &l, &lim, &scope, &sink, res), 0);
	/* Unblock the server if it still waits for a connection. */
	shutdown(f->ls, SHUT_RDWR);
	pthread_join(th, NULL);
	close(f->ls);
	ks_cred_list_release(&l);
	ks_scope_release(&scope);
}

KS_TEST(cred_telnet_client)
{
	struct rec_sink rs;
	struct ks_cred_result res;
	struct fake_tn f;
	/* admin/admin is the second pair: two connections, stops there */
	fake_run("admin", "admin", 10, 10, &rs, &res, &f);
	CHECK_EQ_U64(res.status, KS_CRED_ACCEPTED);
	CHECK_EQ_U64(res.attempts, 2);
	CHECK_EQ_U64(f.conns, 2);
	CHECK_EQ_U64(rs.audits, 2);
	CHECK(strcmp(rs.last, "telnet-login login-accepted user=admin") == 0);
	CHECK_EQ_U64(rs.findings, 1);
	CHECK(strcmp(rs.detail, "weak_credentials critical admin/admin accepted over telnet") == 0);
	CHECK(strcmp(res.user, "admin") == 0 && !res.no_password);
	CHECK(f.saw_do_echo);
	/* the empty password of root/ (third pair) */
	fake_run("root", "", 10, 10, &rs, &res, &f);
	CHECK_EQ_U64(res.status, KS_CRED_ACCEPTED);
	CHECK_EQ_U64(res.attempts, 3);
	CHECK(strcmp(rs.detail,
		     "weak_credentials critical root/(empty password) accepted over telnet") == 0);
	/* attempts bounded: the pair is fourth, only 3 allowed */
	fake_run("user", "user", 3, 10, &rs, &res, &f);
	CHECK_EQ_U64(res.status, KS_CRED_REJECTED);
	CHECK_EQ_U64(res.attempts, 3);
	CHECK_EQ_U64(f.conns, 3);
	CHECK_EQ_U64(rs.findings, 0);
	CHECK(strcmp(rs.last, "telnet-login login-rejected user=root") == 0);
	/* not in the list */
	fake_run("root", "n0t-in-list", 10, 10, &rs, &res, &f);
	CHECK_EQ_U64(res.status, KS_CRED_REJECTED);
	CHECK_EQ_U64(res.attempts, 4);
	CHECK_EQ_U64(rs.findings, 0);
	/* a shell at once */
	fake_run(NULL, NULL, 10, 10, &rs, &res, &f);
	CHECK_EQ_U64(res.status, KS_CRED_ACCEPTED);
	CHECK(res.no_password);
	CHECK_EQ_U64(f.conns, 1);
	CHECK(strcmp(rs.last, "telnet-login login-accepted user= (shell without login)") == 0);
	CHECK(strcmp(rs.detail, "weak_credentials critical no password required over telnet") == 0);
}
