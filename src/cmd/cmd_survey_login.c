/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku survey login: the weak-credential checks (src/check/cred.h) on
 * services named on the command line, outside a survey round. Useful to
 * check one device again after its owner fixed it, and to test the checks
 * against the lab. Same rules as `survey run --check-credentials`: the scope
 * file is required and every connection passes its gate. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cred.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "scan_rate.h"
#include "scan_scope.h"

#define MAX_TARGETS 4096

/* Collects what one check reports, and prints audit records in text mode as
 * they happen (a long check shows progress). */
struct collect {
	json_t *audit;    /* array, json mode */
	json_t *findings; /* array, json mode */
	unsigned nfind;
};

static void on_audit(void *ctx, const struct ks_audit *a)
{
	struct collect *c = ctx;
	char addr[KS_ADDR_STRLEN];
	ks_addr_format(&a->addr, addr);
	if (ks_g.format == KS_FMT_JSON) {
		time_t s = (time_t)(a->t_ns / 1000000000);
		struct tm tm;
		char ts[32];
		gmtime_r(&s, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
		json_array_append_new(c->audit, json_pack("{s:s, s:s, s:s}", "time", ts, "module",
							  a->module, "outcome", a->outcome));
	} else if (ks_g.format == KS_FMT_TEXT) {
		printf("audit    %s %u %s %s\n", addr, a->port, a->module, a->outcome);
		fflush(stdout);
	}
}

static void on_finding(void *ctx, const struct ks_finding *f)
{
	struct collect *c = ctx;
	c->nfind++;
	if (ks_g.format == KS_FMT_JSON) {
		json_array_append_new(c->findings,
				      json_pack("{s:s, s:s, s:s, s:s}", "type", ks_finding_name(f->type),
						"severity", ks_sev_name(f->sev), "product", f->product,
						"detail", f->detail));
	} else if (ks_g.format == KS_FMT_TEXT) {
		char addr[KS_ADDR_STRLEN];
		printf("finding  %s %u %s %s %s\n", ks_addr_format(&f->addr, addr), f->port,
		       ks_finding_name(f->type), ks_sev_name(f->sev), f->detail);
	}
}

/* "ADDR:PORT:MODULE[/PATH]", ADDR may be "[v6]" or a bare IPv6 address
 * (the last two colons split). 0 or KS_EINVAL with why. */
static int parse_target(const char *arg, struct ks_cred_target *t, const char **why)
{
	memset(t, 0, sizeof *t);
	char buf[512];
	if (strlen(arg) >= sizeof buf) {
		*why = "too long";
		return KS_EINVAL;
	}
	snprintf(buf, sizeof buf, "%s", arg);
	char *c2 = strrchr(buf, ':');
	if (!c2) {
		*why = "expected ADDR:PORT:MODULE";
		return KS_EINVAL;
	}
	*c2 = '\0';
	char *c1 = strrchr(buf, ':');
	if (!c1) {
		*why = "expected ADDR:PORT:MODULE";
		return KS_EINVAL;
	}
	*c1 = '\0';
	char *mod = c2 + 1, *path = strchr(mod, '/');
	if (path) {
		if (strlen(path) >= sizeof t->http_path) {
			*why = "path too long";
			return KS_EINVAL;
		}
		snprintf(t->http_path, sizeof t->http_path, "%s", path);
		*path = '\0';
	}
	bool tls;
	if (ks_cred_module_parse(mod, &t->module, &tls) != 0) {
		*why = "unknown MODULE; expected telnet, ssh, http, https or ftp";
		return KS_EINVAL;
	}
	t->tls = tls;
	if (path && t->module != KS_CRED_HTTP) {
		*why = "a /PATH only after http or https";
		return KS_EINVAL;
	}
	uint64_t port;
	if (ks_parse_u64(c1 + 1, 1, 65535, 0, &port) != 0) {
		*why = "bad PORT; expected 1-65535";
		return KS_EINVAL;
	}
	t->port = (uint16_t)port;
	char *a = buf;
	size_t al = strlen(a);
	if (al >= 2 && a[0] == '[' && a[al - 1] == ']') {
		a[al - 1] = '\0';
		a++;
	}
	if (ks_addr_parse(a, &t->addr) != 0) {
		*why = "bad ADDR; expected an IPv4 or IPv6 address";
		return KS_EINVAL;
	}
	return 0;
}

int cmd_survey_login(int argc, char **argv)
{
	const char *scope_path = NULL, *cred_path = NULL;
	struct ks_cred_limits lim;
	ks_cred_limits_default(&lim);
	uint32_t timeout = lim.io_ms;
	const struct ks_opt opts[] = {
		{"scope", KS_OPT_STR, &scope_path, "FILE", "networks you may check (required; as survey run)",
		 0, 0},
		{"credentials", KS_OPT_STR, &cred_path, "FILE",
		 "USER TAB PASSWORD list (default: data/credentials/mirai-telnet.tsv)", 0, 0},
		{"attempts", KS_OPT_U32, &lim.attempts, "N",
		 "login attempts per host and service (default 10)", 1, 100000},
		{"gap", KS_OPT_U32, &lim.gap_ms, "MS", "pause between two attempts (default 1000)", 0,
		 600000},
		{"timeout", KS_OPT_U32, &timeout, "MS", "time allowed per attempt (default 10000)", 100,
		 600000},
		{NULL, 0, NULL, NULL, NULL, 0, 0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey login --scope FILE [--credentials FILE] [--attempts N] [--gap MS]\n"
		"       [--timeout MS] ADDR:PORT:MODULE ...",
		"Tries an ID/password list against services (weak-credential check) and prints the\n"
		"login attempts, the result and any weak_credentials finding.",
		"MODULE is telnet, ssh, http, https or ftp; http and https take an optional path,\n"
		"e.g. 192.0.2.7:80:http/admin/ (default /). IPv6: [2001:db8::7]:22:ssh.\n"
		"Pairs are tried in list order, one connection each, at most --attempts per service,\n"
		"stopping at the first success. Nothing on the device is changed: no command is run,\n"
		"nothing is listed or written (docs/survey.md, \"Credential checks\"). An address\n"
		"outside the scope is refused without any connection (exit status 2).",
		1, MAX_TARGETS};
	char **args = ks_xcalloc((size_t)argc + 1, sizeof *args);
	int nargs = 0;
	int r = ks_cmd_parse(opts, &h, argc, argv, args, &nargs);
	if (r >= 0) {
		free(args);
		return r;
	}
	lim.io_ms = timeout;
	lim.connect_ms = timeout < KS_CRED_DEFAULT_CONNECT_MS ? timeout : KS_CRED_DEFAULT_CONNECT_MS;
	struct ks_cred_target *targets = ks_xcalloc((size_t)nargs, sizeof *targets);
	struct ks_cred_list list;
	struct ks_scope scope;
	ks_cred_list_init(&list);
	ks_scope_init(&scope);
	json_t *out = NULL;
	for (int i = 0; i < nargs; i++) {
		const char *why;
		if (parse_target(args[i], &targets[i], &why) != 0) {
			ks_err("target '%s': %s", args[i], why);
			r = KS_EXIT_USAGE;
			goto done;
		}
	}
	if (!scope_path) {
		ks_err("survey login: --scope FILE is required");
		r = KS_EXIT_USAGE;
		goto done;
	}
	r = ks_cmd_scope_load(&scope, scope_path, NULL, true, NULL);
	if (r != 0)
		goto done;
	char path[4096], err[600];
	if (!cred_path) {
		if (ks_cred_default_path(path, sizeof path) != 0) {
			ks_err("default credential list not found (tried %s); give --credentials FILE", path);
			r = KS_EXIT_FAIL;
			goto done;
		}
		cred_path = path;
	}
	r = ks_cred_list_load(&list, cred_path, err, sizeof err);
	if (r != 0) {
		ks_err("%s", err);
		r = r == KS_EINVAL ? KS_EXIT_DATA : KS_EXIT_FAIL;
		goto done;
	}
	if (list.n == 0) {
		ks_err("%s: no credential pairs", cred_path);
		r = KS_EXIT_DATA;
		goto done;
	}
	ks_info("%zu pairs from %s; at most %u attempts per service, %u ms apart", list.n, cred_path,
		lim.attempts, lim.gap_ms);

	if (ks_g.format == KS_FMT_JSON)
		out = json_array();
	if (ks_g.format == KS_FMT_CSV) {
		const char *hdr[] = {"address", "port", "module", "status", "attempts", "user", "detail"};
		ks_csv_row(stdout, hdr, 7);
	}
	int refused = 0;
	for (int i = 0; i < nargs; i++) {
		const struct ks_cred_target *t = &targets[i];
		struct collect c = {NULL, NULL, 0};
		if (out) {
			c.audit = json_array();
			c.findings = json_array();
		}
		struct ks_survey_sink sink = {&c, on_audit, NULL, on_finding};
		struct ks_cred_result res;
		r = ks_cred_check(t, &list, &lim, &scope, &sink, &res);
		char addr[KS_ADDR_STRLEN], port[8], natt[16];
		ks_addr_format(&t->addr, addr);
		snprintf(port, sizeof port, "%u", t->port);
		snprintf(natt, sizeof natt, "%u", res.attempts);
		const char *mod = t->module == KS_CRED_HTTP && t->tls ? "https" : ks_cred_module_name(t->module);
		const char *status = ks_cred_status_name(res.status);
		const char *detail = res.detail;
		if (r == KS_EDECLINED) {
			refused++;
			status = "refused";
			detail = "outside the scope: nothing sent";
			ks_err("%s: %s is outside the scope %s; nothing was sent", args[i], addr, scope_path);
		} else if (r != 0) {
			status = "error";
			detail = ks_strerror(r);
		}
		const char *user = res.status == KS_CRED_ACCEPTED && !res.no_password ? res.user : "";
		if (out) {
			json_array_append_new(
				out, json_pack("{s:s, s:i, s:s, s:s, s:i, s:s, s:b, s:s, s:o, s:o}", "address",
					       addr, "port", (int)t->port, "module", mod, "status", status,
					       "attempts", (int)res.attempts, "user", user, "no_password",
					       res.no_password, "detail", detail, "audit", c.audit,
					       "findings", c.findings));
		} else if (ks_g.format == KS_FMT_CSV) {
			const char *row[] = {addr, port, mod, status, natt, user, detail};
			ks_csv_row(stdout, row, 7);
		} else {
			printf("result   %s %u %s %s attempts=%u %s\n", addr, t->port, mod, status,
			       res.attempts, detail);
		}
		explicit_bzero(&res, sizeof res);
	}
	if (out) {
		ks_cmd_json(out);
		out = NULL;
	}
	r = refused ? KS_EXIT_USAGE : KS_EXIT_OK;
done:
	json_decref(out);
	ks_cred_list_release(&list);
	ks_scope_release(&scope);
	free(targets);
	free(args);
	return r;
}
