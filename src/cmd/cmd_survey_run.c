/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku survey run: one survey round of a scope (src/survey/survey_run.h)
 * into the store, or with --dry-run only the plan (scope, exclusions, ports,
 * modules, packets, duration), for which nothing is sent. */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "cred_list.h"
#include "ks_data.h"
#include "ks_err.h"
#include "recog.h"
#include "store_survey.h"
#include "survey_json.h"
#include "survey_run.h"
#include "vuln_kev.h"
#include <xxhash.h>
#include "ks_alloc.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "scan_perm.h"
#include "scan_ports.h"
#include "scan_rate.h"
#include "scan_scope.h"


static const char *const cred_modules[] = {"telnet-login", "ssh-login", "http-login", "ftp-login"};
#define NCRED (sizeof cred_modules / sizeof cred_modules[0])

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

/* Prints the plan of --dry-run. 0 or an exit code. */
static int plan(const struct ks_scope *sc, const struct ks_ports *plist, const char *scope_path,
		const char *excl_path, uint32_t rate, uint64_t max_targets, int creds, int resume)
{
	const struct ks_scope s = *sc;
	const struct ks_ports pl = *plist;
	int r;
	uint64_t targets = s.ntargets;
	if (max_targets && targets > max_targets)
		targets = max_targets;
	uint64_t packets;
	if (__builtin_mul_overflow(targets, (uint64_t)pl.n, &packets) || packets > KS_PERM_MAX) {
		ks_err("survey run: %" PRIu64 " targets x %zu ports is more than 2^50 probes; "
		       "expected a smaller scope, fewer ports or --max-targets",
		       targets, pl.n);
		r = KS_EXIT_USAGE;
		return r;
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
	return 0;
}

static atomic_int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_flag, 1);
}

/* Both sinks get every record: the round in the store and --output. */
struct tee {
	struct ks_survey_sink a, b;
};
static void tee_audit(void *c, const struct ks_audit *x)
{
	struct tee *t = c;
	ks_sink_audit(&t->a, x);
	ks_sink_audit(&t->b, x);
}
static void tee_service(void *c, const struct ks_svc *x)
{
	struct tee *t = c;
	ks_sink_service(&t->a, x);
	ks_sink_service(&t->b, x);
}
static void tee_finding(void *c, const struct ks_finding *x)
{
	struct tee *t = c;
	ks_sink_finding(&t->a, x);
	ks_sink_finding(&t->b, x);
}

static const char *scope_org(void *ctx, const struct ks_addr *a)
{
	return ks_scope_org(ctx, a);
}

struct runctx {
	struct ks_survey_round *round;
	int64_t last_ns;
	bool tty;
	struct ks_survey_open *open;
	size_t nopen, capopen;
};

static void save_point(void *ctx, uint64_t key, uint64_t index)
{
	struct runctx *c = ctx;
	if (ks_survey_round_save_resume(c->round, key, index) != 0)
		ks_warn("survey run: could not save the resume point");
}

static void show(void *ctx, const char *stage, const struct ks_survey_run_stats *st)
{
	struct runctx *c = ctx;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
	bool last = strcmp(stage, "done") == 0;
	if (!c->tty || (!last && now - c->last_ns < 500000000LL))
		return;
	c->last_ns = now;
	fprintf(stderr,
		"\r%-14s probes %" PRIu64 "/%" PRIu64 " open %" PRIu64 " | services %" PRIu64
		" findings %" PRIu64 " | logins %" PRIu64 "   %s",
		stage, st->disc.sent, st->disc.total, st->disc.open, st->services, st->findings,
		st->cred_attempts, last ? "\n" : "");
}

static int add_open(void *ctx, const struct ks_addr *a, uint16_t port)
{
	struct runctx *c = ctx;
	if (c->nopen == c->capopen) {
		c->capopen = c->capopen ? 2 * c->capopen : 256;
		c->open = ks_xreallocarray(c->open, c->capopen, sizeof *c->open);
	}
	c->open[c->nopen++] = (struct ks_survey_open){*a, port};
	return 0;
}

static void print_summary(const struct ks_survey_run_stats *st, int64_t round, size_t resolved,
			  bool complete)
{
	if (ks_g.format == KS_FMT_JSON) {
		ks_cmd_json(json_pack(
			"{s:I, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"round", (json_int_t)round, "complete", complete, "method",
			ks_disc_method_name(st->disc.method), "probes", (json_int_t)st->disc.sent,
			"open", (json_int_t)st->disc.open, "closed", (json_int_t)st->disc.closed,
			"no_reply", (json_int_t)st->disc.silent, "udp_probes",
			(json_int_t)st->udp_probes, "services", (json_int_t)st->services,
			"identified", (json_int_t)st->grab.identified, "findings",
			(json_int_t)st->findings, "login_attempts", (json_int_t)st->cred_attempts,
			"weak_credentials", (json_int_t)st->cred_accepted, "resolved",
			(json_int_t)resolved));
		return;
	}
	printf("round %" PRId64 " %s (%s discovery)\n", round, complete ? "complete" : "incomplete",
	       ks_disc_method_name(st->disc.method));
	printf("probes:      %" PRIu64 " tcp (%" PRIu64 " open, %" PRIu64 " closed, %" PRIu64
	       " no reply), %" PRIu64 " udp\n",
	       st->disc.sent, st->disc.open, st->disc.closed, st->disc.silent, st->udp_probes);
	printf("services:    %" PRIu64 " (%" PRIu64 " identified)\n", st->services,
	       st->grab.identified);
	printf("logins:      %" PRIu64 " attempts on %" PRIu64 " services, %" PRIu64 " accepted\n",
	       st->cred_attempts, st->cred_services, st->cred_accepted);
	printf("findings:    %" PRIu64 " seen, %zu resolved%s\n", st->findings, resolved,
	       complete ? "" : " (an incomplete round resolves nothing)");
}

int cmd_survey_run(int argc, char **argv)
{
	const char *scope_path = NULL, *excl_path = NULL, *ports_text = "default";
	const char *scope_name = NULL, *method = "auto", *iface = NULL, *source = NULL;
	const char *vulns_path = NULL, *kev_path = NULL, *cred_path = NULL, *output = NULL;
	const char *dir_help = NULL;
	uint32_t rate = KS_RATE_DEFAULT_PPS, max_targets = 0, attempts = KS_HOST_DEFAULT_ATTEMPTS;
	uint32_t gap = KS_HOST_DEFAULT_GAP_MS, timeout = 0, host_conns = KS_HOST_DEFAULT_CONNS;
	int creds = 0, resume = 0, dry = 0;
	const struct ks_opt opts[] = {
		{"scope", KS_OPT_STR, &scope_path, "FILE", "networks to survey (required; see below)", 0, 0},
		{"exclude", KS_OPT_STR, &excl_path, "FILE", "opt-outs, same syntax; they win over the scope",
		 0, 0},
		{"scope-name", KS_OPT_STR, &scope_name, "NAME",
		 "name of the scope in the store (default: the scope file's name)", 0, 0},
		{"ports", KS_OPT_STR, &ports_text, "LIST",
		 "ports, e.g. 22,80,8000-8100,U:53 (default: default)", 0, 0},
		{"rate", KS_OPT_U32, &rate, "PPS", "packets per second (default 1000)", 1, KS_RATE_MAX_PPS},
		{"max-targets", KS_OPT_COUNT, &max_targets, "N", "survey at most N addresses (default: all)",
		 1, UINT32_MAX},
		{"host-conns", KS_OPT_U32, &host_conns, "N", "connections at once to one address (default 2)",
		 1, 64},
		{"method", KS_OPT_STR, &method, "M",
		 "discovery: syn (raw socket, needs CAP_NET_RAW), connect, or auto (default)", 0, 0},
		{"interface", KS_OPT_STR, &iface, "IF", "syn: capture replies on IF (default: any)", 0, 0},
		{"source-ip", KS_OPT_STR, &source, "ADDR", "syn: source address (default: the route's)", 0,
		 0},
		{"recog-dir", KS_OPT_STR, &dir_help, "DIR",
		 "also load the Recog fingerprint databases in DIR (repeatable)", 0, 0},
		{"vulns", KS_OPT_STR, &vulns_path, "FILE",
		 "vulnerability data (default: data/vulns/iot-starter.vulns)", 0, 0},
		{"kev", KS_OPT_STR, &kev_path, "FILE", "CISA KEV catalogue JSON: marks known-exploited CVEs",
		 0, 0},
		{"check-credentials", KS_OPT_FLAG, &creds, NULL,
		 "try the weak ID/password list (telnet, SSH, HTTP, FTP)", 0, 0},
		{"credentials", KS_OPT_STR, &cred_path, "FILE",
		 "USER TAB PASSWORD list (default: data/credentials/mirai-telnet.tsv)", 0, 0},
		{"attempts", KS_OPT_U32, &attempts, "N", "login attempts per host and service (default 10)",
		 1, 100000},
		{"gap", KS_OPT_U32, &gap, "MS", "pause between two login attempts on a host (default 1000)",
		 0, 3600000},
		{"timeout", KS_OPT_U32, &timeout, "MS",
		 "wait at most MS for a connection or a reply (default: 3000 to connect, 5000 to read, 2000 "
		 "per UDP try)",
		 10, 600000},
		{"output", KS_OPT_STR, &output, "FILE",
		 "also write the round's records as JSON lines (what survey import reads)", 0, 0},
		{"resume", KS_OPT_FLAG, &resume, NULL, "continue an interrupted survey of the same scope", 0,
		 0},
		{"dry-run", KS_OPT_FLAG, &dry, NULL, "print the plan and send nothing", 0, 0},
		{NULL, 0, NULL, NULL, NULL, 0, 0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey run --scope FILE [--exclude FILE] [--ports LIST] [--rate PPS]\n"
		"       [--max-targets N] [--method auto|syn|connect] [--check-credentials]\n"
		"       [--output FILE.jsonl] [--resume] [--dry-run] [options]",
		"Surveys the networks of a scope file you are authorised to scan: TCP discovery,\n"
		"identification of every open service, UDP probes, and with --check-credentials the\n"
		"weak ID/password list; findings go to the store (--db) as one survey round. Addresses\n"
		"outside the scope, on the exclusion list or in special-purpose ranges never receive a\n"
		"packet.",
		"scope file: one 'CIDR [ORG] [allow-reserved]' per line, '#' comments. Special-purpose\n"
		"ranges (private, shared, loopback, link-local, multicast, documentation, benchmarking,\n"
		"reserved) are refused unless the line lies inside one and says allow-reserved. IPv6\n"
		"lines must be /112 or longer. Targets are visited in a pseudo-random order.\n"
		"A complete round resolves the scope's open findings it did not see again; an\n"
		"interrupted one (Ctrl-C, --max-targets) resolves nothing and --resume continues it.\n"
		"Every probe and login attempt is in the audit table (docs/survey.md).",
		0, 0};
	const char *dirs[KS_CMD_RECOG_DIRS];
	size_t ndirs = 0;
	argc = ks_cmd_recog_take_dirs(argc, argv, dirs, &ndirs);
	if (argc < 0)
		return KS_EXIT_USAGE;
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	if (!scope_path) {
		ks_err("survey run: --scope FILE is required");
		return KS_EXIT_USAGE;
	}
	struct ks_survey_run_opts o;
	ks_survey_run_opts_default(&o);
	if (ks_disc_method_parse(method, &o.disc.method) != 0) {
		ks_err("--method '%s': expected auto, syn or connect", method);
		return KS_EXIT_USAGE;
	}
	if (source) {
		if (ks_addr_parse(source, &o.disc.source) != 0) {
			ks_err("--source-ip '%s': expected an IPv4 or IPv6 address", source);
			return KS_EXIT_USAGE;
		}
		o.disc.has_source = true;
	}
	struct ks_ports pl;
	char err[600];
	ks_ports_init(&pl);
	if (ks_ports_parse(&pl, ports_text, err, sizeof err) != 0) {
		ks_err("--ports '%s': %s", ports_text, err);
		return KS_EXIT_USAGE;
	}

	struct ks_scope s;
	uint64_t files_hash;
	ks_scope_init(&s);
	r = ks_cmd_scope_load(&s, scope_path, excl_path, !dry, &files_hash);
	if (r != 0)
		goto out_scope;
	/* A resumable round must have the same files, ports and target cap. */
	XXH3_state_t *hs = XXH3_createState();
	XXH3_64bits_reset(hs);
	XXH3_64bits_update(hs, &files_hash, sizeof files_hash);
	XXH3_64bits_update(hs, ports_text, strlen(ports_text) + 1);
	XXH3_64bits_update(hs, &max_targets, sizeof max_targets);
	char scope_hash[32];
	snprintf(scope_hash, sizeof scope_hash, "xxh3:%016llx",
		 (unsigned long long)XXH3_64bits_digest(hs));
	XXH3_freeState(hs);
	if (dry) {
		r = plan(&s, &pl, scope_path, excl_path, rate, max_targets, creds, resume);
		goto out_scope;
	}
	char name_buf[KS_SURVEY_SCOPE_NAME_MAX + 1];
	if (!scope_name) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s", scope_path);
		snprintf(name_buf, sizeof name_buf, "%s", basename(tmp));
		scope_name = name_buf;
	}

	/* Identification data: fingerprints, vulnerabilities, KEV marks. */
	struct ks_recog_set *recog = NULL;
	struct ks_vuln_db vdb;
	struct ks_cred_list cl;
	struct ks_store *st = NULL;
	struct ks_survey_round *round = NULL;
	struct runctx rc = {0};
	FILE *outf = NULL;
	ks_vuln_db_init(&vdb);
	ks_cred_list_init(&cl);
	r = ks_cmd_recog_load(dirs, ndirs, 0, &recog);
	if (r != 0)
		goto out;
	char path[4096];
	if (!vulns_path && ks_data_path("vulns/iot-starter.vulns", path, sizeof path) == 0)
		vulns_path = path;
	if (vulns_path && ks_vuln_db_load(vulns_path, NULL, &vdb, err, sizeof err) != 0) {
		ks_err("%s", err);
		r = KS_EXIT_DATA;
		goto out;
	}
	if (kev_path) {
		struct ks_kev kev;
		if (ks_kev_load(kev_path, NULL, &kev, err, sizeof err) != 0) {
			ks_err("%s", err);
			r = KS_EXIT_DATA;
			goto out;
		}
		ks_kev_mark(&kev, &vdb);
		ks_kev_release(&kev);
	}
	if (creds) {
		char cpath[4096];
		if (!cred_path) {
			if (ks_cred_default_path(cpath, sizeof cpath) != 0) {
				ks_err("default credential list not found (tried %s); give --credentials FILE",
				       cpath);
				r = KS_EXIT_FAIL;
				goto out;
			}
			cred_path = cpath;
		}
		if (ks_cred_list_load(&cl, cred_path, err, sizeof err) != 0) {
			ks_err("%s", err);
			r = KS_EXIT_DATA;
			goto out;
		}
		o.creds = &cl;
	}

	/* The round: new, or the unfinished one of this scope with --resume. */
	r = ks_cmd_store(&st);
	if (r != 0)
		goto out;
	struct ks_survey_round_opts ro = {.scope_name = scope_name,
					  .scope_hash = scope_hash,
					  .in_scope = max_targets && max_targets < s.ntargets
							      ? max_targets
							      : s.ntargets,
					  .scope = &s,
					  .batch_records = KS_SURVEY_BATCH_DEFAULT};
	int64_t round_id = 0;
	uint64_t key = 0, index = 0;
	if (resume) {
		int fr = ks_survey_round_find_resumable(st, scope_name, scope_hash, &round_id, &key,
							&index);
		if (fr == KS_ENOENT) {
			ks_err("survey run --resume: no unfinished round of scope '%s' with this scope, "
			       "exclusion file, ports and --max-targets",
			       scope_name);
			r = KS_EXIT_USAGE;
			goto out;
		}
		if (fr == 0)
			fr = ks_survey_round_resume(st, round_id, &ro, &round);
		if (fr == 0)
			fr = ks_store_survey_opens(st, round_id, add_open, &rc);
		if (fr != 0) {
			ks_err("survey run --resume: %s", ks_store_errmsg(st));
			r = KS_EXIT_FAIL;
			goto out;
		}
		if (key) {
			o.disc.perm_key = key;
			o.disc.start_index = index;
		}
		ks_info("resuming round %" PRId64 " of scope '%s' at position %" PRIu64
			" with %zu open services found before",
			round_id, scope_name, index, rc.nopen);
	} else if (ks_survey_round_begin(st, &ro, &round) != 0) {
		ks_err("survey run: %s", ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
		goto out;
	}
	round_id = ks_survey_round_id(round);
	rc.round = round;
	rc.tty = isatty(STDERR_FILENO) && ks_log_level >= 0;

	struct tee t = {0};
	ks_survey_round_sink(round, &t.a);
	struct ks_survey_jsonl_writer w;
	if (output) {
		outf = strcmp(output, "-") == 0 ? stdout : fopen(output, "w");
		if (!outf) {
			ks_err("--output %s: %s", output, strerror(errno));
			r = KS_EXIT_FAIL;
			goto out;
		}
		ks_survey_jsonl_writer_init(&w, outf);
		w.org_of = scope_org;
		w.org_ctx = &s;
		struct ks_survey_round_hdr hdr = {.complete = -1, .in_scope = ro.in_scope};
		snprintf(hdr.scope_name, sizeof hdr.scope_name, "%s", scope_name);
		snprintf(hdr.scope_hash, sizeof hdr.scope_hash, "%s", scope_hash);
		hdr.started_s = (int64_t)time(NULL);
		ks_survey_jsonl_write_round(&w, &hdr);
		ks_survey_jsonl_sink(&w, &t.b);
	}
	struct ks_survey_sink sink = {&t, tee_audit, tee_service, tee_finding};

	o.scope = &s;
	o.ports = &pl;
	o.disc.pps = rate;
	o.disc.max_targets = max_targets;
	o.disc.interface = iface;
	o.disc.host_conns = host_conns;
	if (timeout) {
		o.disc.timeout_ms = timeout;
		o.grab.connect_ms = o.grab.read_ms = o.grab.udp_ms = o.grab.banner_ms = timeout;
		o.cred_limits.connect_ms = timeout;
	}
	o.grab.recog = recog;
	o.grab.vulns = vulns_path ? &vdb : NULL;
	o.grab.limits.pps = rate;
	o.grab.limits.host_conns = host_conns;
	o.cred_limits.attempts = attempts;
	o.cred_limits.gap_ms = gap;
	o.resume_open = rc.open;
	o.nresume_open = rc.nopen;
	o.sink = &sink;
	o.save = save_point;
	o.progress = show;
	o.ctx = &rc;
	o.stop = &stop_flag;
	struct sigaction sa = {0}, old_int, old_term;
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	struct ks_survey_run_stats rs;
	int e = ks_survey_run(&o, &rs, err, sizeof err);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (e != 0) {
		ks_err("survey run: %s", err);
		if (e == KS_ESYS && o.disc.method == KS_DISC_SYN)
			ks_err("hint: --method syn needs CAP_NET_RAW; --method connect does not");
		ks_survey_round_abort(round);
		round = NULL;
		r = e == KS_EINVAL || e == KS_ELIMIT ? KS_EXIT_USAGE : KS_EXIT_FAIL;
		goto out;
	}
	size_t resolved = 0;
	bool complete = rs.complete;
	if (!complete && atomic_load(&stop_flag)) {
		/* Interrupted: keep the round open for --resume. */
		if (ks_survey_round_error(round) == 0)
			ks_survey_round_save_resume(round, o.disc.perm_key, rs.disc.resume_index);
		ks_survey_round_abort(round);
		round = NULL;
		ks_warn("survey run: interrupted; round %" PRId64 " kept for --resume", round_id);
		print_summary(&rs, round_id, 0, false);
		r = KS_EXIT_SIGNAL;
		goto out;
	}
	e = ks_survey_round_end(round, complete, &resolved);
	round = NULL;
	if (e != 0) {
		ks_err("survey run: storing round %" PRId64 ": %s", round_id, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
		goto out;
	}
	if (output && ks_survey_jsonl_writer_error(&w) != 0) {
		ks_err("--output %s: write error", output);
		r = KS_EXIT_FAIL;
		goto out;
	}
	print_summary(&rs, round_id, resolved, complete);
	r = 0;
out:
	if (outf && outf != stdout && fclose(outf) != 0 && r == 0) {
		ks_err("--output %s: %s", output, strerror(errno));
		r = KS_EXIT_FAIL;
	}
	if (round)
		ks_survey_round_abort(round);
	if (st)
		ks_store_close(st);
	free(rc.open);
	ks_cred_list_release(&cl);
	ks_vuln_db_release(&vdb);
	ks_recog_set_free(recog);
out_scope:
	ks_scope_release(&s);
	ks_ports_release(&pl);
	return r;
}
