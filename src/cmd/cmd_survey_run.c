/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku survey run: the survey plan (scope, exclusions, ports, modules,
 * packets, duration). Sending is not built yet: only --dry-run runs, and it
 * sends nothing (no socket is opened in this file). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_alloc.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "scan_perm.h"
#include "scan_ports.h"
#include "scan_rate.h"
#include "scan_scope.h"

#define SCOPE_FILE_MAX (64u << 20)

static const char *const cred_modules[] = {"telnet-login", "ssh-login", "http-login", "ftp-login"};
#define NCRED (sizeof cred_modules / sizeof cred_modules[0])

/* Reads and parses one file into s; prints the error. 0 or an exit code. */
static int load(struct ks_scope *s, const char *path, int exclude)
{
	char err[600], *buf;
	size_t len;
	if (ks_cmd_read_file(path, SCOPE_FILE_MAX, &buf, &len, err, sizeof err) != 0) {
		ks_err("%s", err);
		return KS_EXIT_FAIL;
	}
	int r = exclude ? ks_scope_parse_exclude(s, buf, len, path, err, sizeof err)
			: ks_scope_parse(s, buf, len, path, err, sizeof err);
	free(buf);
	if (r != 0) {
		ks_err("%s; nothing was surveyed", err);
		return KS_EXIT_DATA;
	}
	return 0;
}

/* Distinct probe modules of the port list, in list order. */
static size_t modules(const struct ks_ports *pl, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < pl->n; i++) {
		const char *m = ks_port_module(&pl->v[i]);
		size_t k;
		for (k = 0; k < n && strcmp(out[k], m) != 0; k++)
			;
		if (k == n && n < max)
			out[n++] = m;
	}
	return n;
}

static void duration(uint64_t s, char *buf, size_t n)
{
	snprintf(buf, n, "%" PRIu64 "h %02" PRIu64 "m %02" PRIu64 "s", s / 3600, s / 60 % 60,
		 s % 60);
}

int cmd_survey_run(int argc, char **argv)
{
	const char *scope_path = NULL, *excl_path = NULL, *ports_text = "default";
	uint32_t rate = KS_RATE_DEFAULT_PPS, max_targets = 0;
	int creds = 0, resume = 0, dry = 0;
	const struct ks_opt opts[] = {
		{"scope", KS_OPT_STR, &scope_path, "FILE", "networks to survey (required; see below)", 0, 0},
		{"exclude", KS_OPT_STR, &excl_path, "FILE", "opt-outs, same syntax; they win over the scope",
		 0, 0},
		{"ports", KS_OPT_STR, &ports_text, "LIST",
		 "ports, e.g. 22,80,8000-8100,U:53 (default: default)", 0, 0},
		{"rate", KS_OPT_U32, &rate, "PPS", "packets per second (default 1000)", 1, KS_RATE_MAX_PPS},
		{"max-targets", KS_OPT_COUNT, &max_targets, "N", "survey at most N addresses (default: all)",
		 1, UINT32_MAX},
		{"check-credentials", KS_OPT_FLAG, &creds, NULL,
		 "try the weak ID/password list (telnet, SSH, HTTP, FTP)", 0, 0},
		{"resume", KS_OPT_FLAG, &resume, NULL, "continue an interrupted survey of the same scope", 0,
		 0},
		{"dry-run", KS_OPT_FLAG, &dry, NULL, "print the plan and send nothing", 0, 0},
		{NULL, 0, NULL, NULL, NULL, 0, 0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey run --scope FILE [--exclude FILE] [--ports LIST] [--rate PPS]\n"
		"       [--max-targets N] [--check-credentials] [--resume] [--dry-run]",
		"Surveys the networks of a scope file you are authorised to scan. Addresses outside the\n"
		"scope, on the exclusion list or in special-purpose ranges never receive a packet.",
		"scope file: one 'CIDR [ORG] [allow-reserved]' per line, '#' comments. Special-purpose\n"
		"ranges (private, shared, loopback, link-local, multicast, documentation, benchmarking,\n"
		"reserved) are refused unless the line lies inside one and says allow-reserved. IPv6\n"
		"lines must be /112 or longer. Targets are visited in a pseudo-random order.\n"
		"Only --dry-run works so far: sending is not built yet (docs/survey.md).",
		0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	if (!scope_path) {
		ks_err("survey run: --scope FILE is required");
		return KS_EXIT_USAGE;
	}
	struct ks_ports pl;
	char err[600];
	ks_ports_init(&pl);
	if (ks_ports_parse(&pl, ports_text, err, sizeof err) != 0) {
		ks_err("--ports '%s': %s", ports_text, err);
		return KS_EXIT_USAGE;
	}

	struct ks_scope s;
	ks_scope_init(&s);
	r = load(&s, scope_path, 0);
	if (r == 0 && excl_path)
		r = load(&s, excl_path, 1);
	if (r != 0)
		goto out;
	ks_scope_build(&s);
	for (size_t i = 0; !dry && i < s.nrefused; i++) { /* a plan lists them itself */
		char b[KS_ADDR_STRLEN + 8];
		ks_warn("%s:%u: refused %s: %s", scope_path, s.refused[i].line,
			ks_prefix_format(&s.refused[i].pfx, b), s.refused[i].why);
	}
	if (!dry) {
		fprintf(stderr, "kansoku: survey run: sending is not built yet; use --dry-run\n");
		r = KS_EXIT_USAGE;
		goto out;
	}

	uint64_t targets = s.ntargets;
	if (max_targets && targets > max_targets)
		targets = max_targets;
	uint64_t packets;
	if (__builtin_mul_overflow(targets, (uint64_t)pl.n, &packets) || packets > KS_PERM_MAX) {
		ks_err("survey run: %" PRIu64 " targets x %zu ports is more than 2^50 probes; "
		       "expected a smaller scope, fewer ports or --max-targets",
		       targets, pl.n);
		r = KS_EXIT_USAGE;
		goto out;
	}
	uint64_t secs = (packets + rate - 1) / rate;
	const char *mods[8];
	size_t nmod = modules(&pl, mods, 8);
	size_t ntcp = 0;
	for (size_t i = 0; i < pl.n; i++)
		ntcp += pl.v[i].proto == KS_PROTO_TCP;

	if (ks_g.format == KS_FMT_JSON) {
		json_t *j = json_object(), *ref = json_array(), *ports = json_array(), *jm = json_array();
		for (size_t i = 0; i < s.nrefused; i++) {
			char b[KS_ADDR_STRLEN + 8];
			json_array_append_new(ref, json_pack("{s:i, s:s, s:s}", "line",
							     (int)s.refused[i].line, "prefix",
							     ks_prefix_format(&s.refused[i].pfx, b),
							     "reason", s.refused[i].why));
		}
		for (size_t i = 0; i < pl.n; i++) {
			char b[16];
			json_array_append_new(ports, json_string(ks_port_format(&pl.v[i], b, sizeof b)));
		}
		for (size_t i = 0; i < nmod; i++)
			json_array_append_new(jm, json_string(mods[i]));
		for (size_t i = 0; creds && i < NCRED; i++)
			json_array_append_new(jm, json_string(cred_modules[i]));
		json_object_set_new(j, "scope", json_string(scope_path));
		json_object_set_new(j, "exclude", excl_path ? json_string(excl_path) : json_null());
		json_object_set_new(j, "scope_lines", json_integer((json_int_t)s.nlines));
		json_object_set_new(j, "refused", ref);
		json_object_set_new(j, "addresses_in_scope", json_integer((json_int_t)s.in_scope));
		json_object_set_new(j, "addresses_excluded",
				    json_integer((json_int_t)(s.in_scope - s.ntargets)));
		json_object_set_new(j, "targets", json_integer((json_int_t)targets));
		json_object_set_new(j, "max_targets", json_integer(max_targets));
		json_object_set_new(j, "ports", ports);
		json_object_set_new(j, "modules", jm);
		json_object_set_new(j, "check_credentials", json_boolean(creds));
		json_object_set_new(j, "packets", json_integer((json_int_t)packets));
		json_object_set_new(j, "rate_pps", json_integer(rate));
		json_object_set_new(j, "estimated_seconds", json_integer((json_int_t)secs));
		json_object_set_new(j, "order", json_string("pseudo-random permutation of targets x ports"));
		json_object_set_new(j, "resume", json_boolean(resume));
		json_object_set_new(j, "sends", json_false());
		ks_cmd_json(j);
	} else {
		char d[64];
		duration(secs, d, sizeof d);
		printf("survey plan (dry run: nothing is sent)\n");
		printf("scope:       %s: %zu lines accepted, %zu refused\n", scope_path, s.nlines,
		       s.nrefused);
		if (excl_path)
			printf("exclude:     %s: %zu lines\n", excl_path, s.nexcl);
		for (size_t i = 0; i < s.nrefused; i++) {
			char b[KS_ADDR_STRLEN + 8];
			printf("refused:     %s:%u %s: %s\n", scope_path, s.refused[i].line,
			       ks_prefix_format(&s.refused[i].pfx, b), s.refused[i].why);
		}
		printf("addresses:   %" PRIu64 " in scope, %" PRIu64 " excluded, %" PRIu64
		       " targets\n",
		       s.in_scope, s.in_scope - s.ntargets, s.ntargets);
		if (targets < s.ntargets)
			printf("max-targets: %" PRIu64 " of them surveyed\n", targets);
		printf("ports:       %zu (%zu tcp, %zu udp):", pl.n, ntcp, pl.n - ntcp);
		for (size_t i = 0; i < pl.n && i < 64; i++) {
			char b[16];
			printf("%s%s", i ? "," : " ", ks_port_format(&pl.v[i], b, sizeof b));
		}
		printf("%s\n", pl.n > 64 ? ",..." : "");
		printf("modules:    ");
		for (size_t i = 0; i < nmod; i++)
			printf(" %s", mods[i]);
		for (size_t i = 0; creds && i < NCRED; i++)
			printf(" %s", cred_modules[i]);
		printf("%s\n", creds ? "" : " (credentials not checked)");
		printf("packets:     %" PRIu64 " (one probe per target and port)\n", packets);
		printf("rate:        %u packets/s\n", rate);
		printf("duration:    %s (estimated)\n", d);
		printf("order:       pseudo-random permutation of targets x ports%s\n",
		       resume ? ", resumed" : "");
	}
	r = 0;
out:
	ks_scope_release(&s);
	ks_ports_release(&pl);
	return r;
}
