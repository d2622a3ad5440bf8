/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku survey grab: identifies the given services with the
 * identification engine (src/grab/grab.h) and prints the services and
 * findings; for use by hand and for tests. `survey run` drives the same
 * engine with discovery's results. Every target passes the scope gate. */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "grab.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "scan_ports.h"
#include "vuln_kev.h"


static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

struct collect {
	struct ks_svc *svc;
	size_t nsvc, capsvc;
	struct ks_finding *f;
	size_t nf, capf;
	int audit; /* print audit records to stderr as they come */
};

static void on_audit(void *ctx, const struct ks_audit *a)
{
	struct collect *c = ctx;
	if (!c->audit)
		return;
	char ab[KS_ADDR_STRLEN];
	fprintf(stderr, "audit %s %u/%s %s %s\n", ks_addr_format(&a->addr, ab), a->port,
		a->proto == KS_PROTO_UDP ? "udp" : "tcp", a->module, a->outcome);
}

static void on_service(void *ctx, const struct ks_svc *s)
{
	struct collect *c = ctx;
	if (c->nsvc == c->capsvc) {
		c->capsvc = c->capsvc ? 2 * c->capsvc : 16;
		c->svc = ks_xreallocarray(c->svc, c->capsvc, sizeof *c->svc);
	}
	c->svc[c->nsvc++] = *s;
}

static void on_finding(void *ctx, const struct ks_finding *f)
{
	struct collect *c = ctx;
	if (c->nf == c->capf) {
		c->capf = c->capf ? 2 * c->capf : 16;
		c->f = ks_xreallocarray(c->f, c->capf, sizeof *c->f);
	}
	c->f[c->nf++] = *f;
}

static int key_cmp(const struct ks_addr *a, unsigned pa, unsigned xa, const struct ks_addr *b,
		   unsigned pb, unsigned xb)
{
	int r = ks_addr_cmp(a, b);
	if (r)
		return r;
	if (pa != pb)
		return pa < pb ? -1 : 1;
	return xa < xb ? -1 : xa > xb;
}

static int svc_cmp(const void *x, const void *y)
{
	const struct ks_svc *a = x, *b = y;
	return key_cmp(&a->addr, a->port, a->proto, &b->addr, b->port, b->proto);
}

static int finding_cmp(const void *x, const void *y)
{
	const struct ks_finding *a = x, *b = y;
	int r = key_cmp(&a->addr, a->port, a->proto, &b->addr, b->port, b->proto);
	return r ? r : (int)a->type - (int)b->type;
}

/* "ADDR:PORT", "[V6]:PORT", with an optional "/udp" or "/tcp" and an
 * optional "=MODULE"; module (static buffer of the caller) is "" when none. */
static int parse_target(const char *s, struct ks_addr *a, uint16_t *port, uint8_t *proto,
			char *module, size_t mcap)
{
	char buf[80];
	size_t n = strlen(s);
	if (n == 0 || n >= sizeof buf)
		return KS_EINVAL;
	memcpy(buf, s, n + 1);
	module[0] = '\0';
	char *eq = strchr(buf, '=');
	if (eq) {
		if (strlen(eq + 1) == 0 || strlen(eq + 1) >= mcap)
			return KS_EINVAL;
		snprintf(module, mcap, "%s", eq + 1);
		*eq = '\0';
	}
	*proto = KS_PROTO_TCP;
	char *slash = strrchr(buf, '/');
	if (slash) {
		if (strcmp(slash, "/udp") == 0)
			*proto = KS_PROTO_UDP;
		else if (strcmp(slash, "/tcp") != 0)
			return KS_EINVAL;
		*slash = '\0';
	}
	char *colon = strrchr(buf, ':'), *host = buf;
	if (!colon)
		return KS_EINVAL;
	*colon = '\0';
	if (host[0] == '[') {
		size_t hl = strlen(host);
		if (hl < 3 || host[hl - 1] != ']')
			return KS_EINVAL;
		host[hl - 1] = '\0';
		host++;
	}
	uint64_t v;
	if (ks_probe_dec((const uint8_t *)colon + 1, strlen(colon + 1), 5, &v) != 0 || v == 0 ||
	    v > 65535)
		return KS_EINVAL;
	*port = (uint16_t)v;
	return ks_addr_parse(host, a);
}

static const char *proto_name(uint8_t p)
{
	return p == KS_PROTO_UDP ? "udp" : "tcp";
}

static void print_json(const struct collect *c)
{
	json_t *sv = json_array(), *fv = json_array();
	char ab[KS_ADDR_STRLEN];
	for (size_t i = 0; i < c->nsvc; i++) {
		const struct ks_svc *s = &c->svc[i];
		json_array_append_new(
			sv, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
				      "address", ks_addr_format(&s->addr, ab), "port", (int)s->port,
				      "proto", proto_name(s->proto), "module", s->module, "banner",
				      s->banner, "vendor", s->vendor, "product", s->product, "version",
				      s->version, "device_type", s->device_type, "cpe", s->cpe, "title",
				      s->title, "facts", s->facts));
	}
	for (size_t i = 0; i < c->nf; i++) {
		const struct ks_finding *f = &c->f[i];
		json_array_append_new(
			fv, json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s}", "address",
				      ks_addr_format(&f->addr, ab), "port", (int)f->port, "proto",
				      proto_name(f->proto), "type", ks_finding_name(f->type), "severity",
				      ks_sev_name(f->sev), "product", f->product, "detail", f->detail,
				      "remediation", ks_finding_remediation(f->type)));
	}
	ks_cmd_json(json_pack("{s:o, s:o}", "services", sv, "findings", fv));
}

static void print_csv(const struct collect *c)
{
	const char *hdr[] = {"record",	"address", "port",  "proto",	   "module", "banner",
			     "vendor",	"product", "version", "device_type", "cpe",	 "title",
			     "facts",	"type",	   "severity", "detail"};
	ks_csv_row(stdout, hdr, 16);
	char ab[KS_ADDR_STRLEN], pb[8];
	for (size_t i = 0; i < c->nsvc; i++) {
		const struct ks_svc *s = &c->svc[i];
		snprintf(pb, sizeof pb, "%u", s->port);
		const char *row[] = {"service", ks_addr_format(&s->addr, ab), pb, proto_name(s->proto),
				     s->module, s->banner, s->vendor, s->product, s->version,
				     s->device_type, s->cpe, s->title, s->facts, "", "", ""};
		ks_csv_row(stdout, row, 16);
	}
	for (size_t i = 0; i < c->nf; i++) {
		const struct ks_finding *f = &c->f[i];
		snprintf(pb, sizeof pb, "%u", f->port);
		const char *row[] = {"finding", ks_addr_format(&f->addr, ab), pb, proto_name(f->proto),
				     "", "", "", f->product, "", "", "", "", "",
				     ks_finding_name(f->type), ks_sev_name(f->sev), f->detail};
		ks_csv_row(stdout, row, 16);
	}
}

static void print_text(const struct collect *c)
{
	char ab[KS_ADDR_STRLEN];
	for (size_t i = 0; i < c->nsvc; i++) {
		const struct ks_svc *s = &c->svc[i];
		printf("%s:%u/%s %s\n", ks_addr_format(&s->addr, ab), s->port, proto_name(s->proto),
		       s->module);
		const char *k[] = {"banner", "vendor", "product", "version", "device_type",
				   "cpe", "title", "facts"};
		const char *v[] = {s->banner, s->vendor, s->product, s->version, s->device_type,
				   s->cpe, s->title, s->facts};
		for (size_t x = 0; x < 8; x++)
			if (v[x][0])
				printf("  %-12s %s\n", k[x], v[x]);
		for (size_t x = 0; x < c->nf; x++) {
			const struct ks_finding *f = &c->f[x];
			if (ks_addr_cmp(&f->addr, &s->addr) == 0 && f->port == s->port &&
			    f->proto == s->proto)
				printf("  finding      %s %s: %s\n", ks_finding_name(f->type),
				       ks_sev_name(f->sev), f->detail);
		}
	}
	if (c->nsvc == 0)
		printf("no service answered\n");
}

int cmd_survey_grab(int argc, char **argv)
{
	const char *scope_path = NULL, *excl_path = NULL, *vulns_path = NULL, *kev_path = NULL;
	const char *dir_help = NULL;
	uint32_t rate = KS_RATE_DEFAULT_PPS, conns = KS_GRAB_DEFAULT_CONNS, host_conns = KS_HOST_DEFAULT_CONNS;
	uint32_t timeout_ms = KS_GRAB_DEFAULT_READ_MS, banner_ms = KS_GRAB_DEFAULT_BANNER_MS;
	uint32_t udp_ms = KS_GRAB_DEFAULT_UDP_MS;
	int no_default = 0, audit = 0, no_old_tls = 0, no_tls13 = 0;
	const struct ks_opt opts[] = {
		{"scope", KS_OPT_STR, &scope_path, "FILE", "networks that may be probed (required)", 0, 0},
		{"exclude", KS_OPT_STR, &excl_path, "FILE", "opt-outs; they win over the scope", 0, 0},
		{"recog-dir", KS_OPT_STR, &dir_help, "DIR",
		 "also load every *.xml in DIR (repeatable; e.g. Rapid7 Recog's xml/)", 0, 0},
		{"no-default-dirs", KS_OPT_FLAG, &no_default, NULL,
		 "do not load the fingerprints shipped with kansoku (data/recog)", 0, 0},
		{"vulns", KS_OPT_STR, &vulns_path, "FILE",
		 "vulnerability data for known_vulnerability (docs/vulns.md)", 0, 0},
		{"kev", KS_OPT_STR, &kev_path, "FILE", "CISA KEV catalogue JSON: marks known-exploited CVEs",
		 0, 0},
		{"rate", KS_OPT_U32, &rate, "PPS", "new connections and datagrams per second (default 1000)",
		 1, KS_RATE_MAX_PPS},
		{"max-conns", KS_OPT_U32, &conns, "N", "services identified at once (default 256)", 1, 65536},
		{"host-conns", KS_OPT_U32, &host_conns, "N", "at once on one address (default 2)", 1, 1024},
		{"timeout", KS_OPT_U32, &timeout_ms, "MS", "read timeout per reply (default 5000)", 1,
		 600000},
		{"banner-wait", KS_OPT_U32, &banner_ms, "MS",
		 "unknown ports: wait this long for a banner before HTTP (default 2000)", 1, 600000},
		{"udp-wait", KS_OPT_U32, &udp_ms, "MS", "UDP: wait per try (default 2000; 2 tries)", 1,
		 600000},
		{"no-old-tls", KS_OPT_FLAG, &no_old_tls, NULL,
		 "no second TLS handshake to test TLS 1.0/1.1 acceptance", 0, 0},
		{"no-tls13", KS_OPT_FLAG, &no_tls13, NULL,
		 "no TLS 1.3 handshake to learn the key-exchange group (post-quantum inventory)", 0, 0},
		{"audit", KS_OPT_FLAG, &audit, NULL, "print every probe's audit record to stderr", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey grab --scope FILE [--recog-dir DIR]... [--vulns FILE] [--kev FILE]\n"
		"       [--format text|json|csv] ADDR:PORT[/udp][=MODULE] ...",
		"Identifies the given services (telnet, SSH, HTTP, HTTPS, FTP, RTSP, MQTT, banners; UDP\n"
		"DNS, NTP, SSDP, CoAP) and prints each service and its exposure and vulnerability findings.",
		"Only addresses inside the scope file are contacted (docs/survey.md, \"Scope\"); others are\n"
		"refused and reported. Modules per port and the findings are listed in docs/survey.md\n"
		"(\"Identification\", \"Findings\"); =MODULE overrides the choice by port (telnet, ssh,\n"
		"http, https, ftp, rtsp, mqtt, banner; dns, ntp, ssdp, coap for /udp). Output is sorted by\n"
		"address, port, protocol.\n"
		"Exit status: 0 (also when nothing answered), 2 usage, 3 bad data file, 130 interrupted.",
		1, 100000};
	const char *dirs[KS_CMD_RECOG_DIRS];
	size_t ndirs = 0;
	argc = ks_cmd_recog_take_dirs(argc, argv, dirs, &ndirs);
	if (argc < 0)
		return KS_EXIT_USAGE;
	char **args = ks_xcalloc((size_t)argc + 1, sizeof *args);
	int nargs = 0;
	int r = ks_cmd_parse(opts, &h, argc, argv, args, &nargs);
	if (r >= 0) {
		free(args);
		return r;
	}
	if (!scope_path || nargs == 0) {
		ks_err(!scope_path ? "--scope FILE is required" : "expected ADDR:PORT[/udp] (see --help)");
		free(args);
		return KS_EXIT_USAGE;
	}
	int rc = KS_EXIT_OK;
	char err[600];
	struct ks_scope scope;
	ks_scope_init(&scope);
	struct ks_vuln_db db;
	ks_vuln_db_init(&db);
	struct ks_recog_set *set = NULL;
	struct collect col = {0};
	struct ks_grab *g = NULL;

	rc = ks_cmd_scope_load(&scope, scope_path, excl_path, true, NULL);
	if (rc == KS_EXIT_OK)
		rc = ks_cmd_recog_load(dirs, ndirs, no_default, &set);
	if (vulns_path && rc == KS_EXIT_OK) {
		r = ks_vuln_db_load(vulns_path, NULL, &db, err, sizeof err);
		if (r != 0) {
			ks_err("%s", err);
			rc = r == KS_EIO ? KS_EXIT_FAIL : KS_EXIT_DATA;
		}
	}
	if (kev_path && rc == KS_EXIT_OK) {
		struct ks_kev kev;
		ks_kev_init(&kev);
		r = ks_kev_load(kev_path, NULL, &kev, err, sizeof err);
		if (r != 0) {
			ks_err("%s", err);
			rc = r == KS_EIO ? KS_EXIT_FAIL : KS_EXIT_DATA;
		} else {
			ks_kev_mark(&kev, &db);
		}
		ks_kev_release(&kev);
	}

	struct ks_survey_sink sink = {&col, on_audit, on_service, on_finding};
	col.audit = audit;
	if (rc == KS_EXIT_OK) {
		struct ks_grab_opts o;
		ks_grab_opts_default(&o);
		o.scope = &scope;
		o.sink = &sink;
		o.recog = set;
		o.vulns = vulns_path ? &db : NULL;
		o.limits.pps = rate;
		o.limits.host_conns = host_conns;
		o.max_conns = conns;
		o.read_ms = timeout_ms;
		o.banner_ms = banner_ms;
		o.udp_ms = udp_ms;
		o.tls_old_versions = !no_old_tls;
		o.tls13 = !no_tls13;
		o.stop = &stop_flag;
		if (ks_grab_open(&o, &g) != 0) {
			ks_err("cannot start the identification engine");
			rc = KS_EXIT_FAIL;
		}
	}
	for (int i = 0; i < nargs && rc == KS_EXIT_OK; i++) {
		struct ks_addr a;
		uint16_t port;
		uint8_t proto;
		char module[24];
		if (parse_target(args[i], &a, &port, &proto, module, sizeof module) != 0) {
			ks_err("'%s': expected ADDR:PORT or [IPV6]:PORT, optionally with /udp or /tcp and "
			       "=MODULE", args[i]);
			rc = KS_EXIT_USAGE;
			break;
		}
		r = ks_grab_submit_as(g, &a, port, proto, module[0] ? module : NULL);
		if (r == KS_EINVAL) {
			ks_err("'%s': no %s module '%s'", args[i], proto_name(proto), module);
			rc = KS_EXIT_USAGE;
			break;
		}
		if (r == KS_EDECLINED)
			ks_warn("%s: %s; not probed", args[i],
				ks_scope_contains(&scope, &a) ? "no UDP module for this port"
							      : "outside the scope");
	}
	if (rc == KS_EXIT_OK) {
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_signal;
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		if (ks_grab_run(g) != 0) {
			ks_err("identification engine: epoll_wait failed");
			rc = KS_EXIT_FAIL;
		} else if (stop_flag) {
			rc = KS_EXIT_SIGNAL;
		}
	}
	if (g) {
		struct ks_grab_stats st;
		ks_grab_stats(g, &st);
		ks_info("%" PRIu64 " of %" PRIu64 " targets answered (%" PRIu64 " identified), %" PRIu64
			" findings; %" PRIu64 " refused, %" PRIu64 " timed out",
			(uint64_t)col.nsvc, st.submitted, st.identified, st.findings, st.refused,
			st.timeouts);
	}
	if (rc == KS_EXIT_OK) {
		if (col.nsvc)
			qsort(col.svc, col.nsvc, sizeof *col.svc, svc_cmp);
		if (col.nf)
			qsort(col.f, col.nf, sizeof *col.f, finding_cmp);
		if (ks_g.format == KS_FMT_JSON)
			print_json(&col);
		else if (ks_g.format == KS_FMT_CSV)
			print_csv(&col);
		else
			print_text(&col);
	}
	ks_grab_close(g);
	free(col.svc);
	free(col.f);
	ks_recog_set_free(set);
	ks_vuln_db_release(&db);
	ks_scope_release(&scope);
	free(args);
	return rc;
}
