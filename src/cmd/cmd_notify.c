/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku notify --write DIR: one notification package per organisation
 * with open survey findings: ORG.csv, whose columns follow the
 * Shadowserver report convention ISPs already ingest, and ORG.html, a page
 * saying what each finding means and how to fix it (docs/survey.md,
 * "Notification packages"; columns in docs/formats.md). Every value that
 * came from a device (banners, titles, products) is HTML-escaped in the
 * page and CSV-quoted (with the formula guard of ks_csv_put) in the CSV. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_err.h"
#include "ks_geo.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "ks_time.h"
#include "store_survey.h"

/* What each finding type means; how to fix it is ks_finding_remediation()
 * (vuln_finding.h), the text every output shares. */
static const struct {
	const char *title, *meaning;
} about[KS_FIND_COUNT] = {
	[KS_FIND_WEAK_CREDENTIALS] = {
		"Default or weak password",
		"The device accepted a login with a published default or easily guessed ID and password "
		"(or with none). Anyone on the Internet can take control of it; IoT malware such as "
		"Mirai spreads exactly this way."},
	[KS_FIND_KNOWN_VULNERABILITY] = {
		"Known vulnerability",
		"The product and version identified on this service are affected by a published "
		"vulnerability (CVE). Vulnerabilities marked known-exploited are being used in attacks."},
	[KS_FIND_TELNET_EXPOSED] = {
		"Telnet reachable from the Internet",
		"A telnet service answers from the Internet. Telnet sends passwords in clear text and is "
		"the first target of IoT malware."},
	[KS_FIND_OPEN_RESOLVER] = {
		"Open DNS resolver",
		"The DNS server answers recursive queries for anyone. It can be abused to amplify "
		"denial-of-service attacks against third parties."},
	[KS_FIND_UPNP_EXPOSED] = {
		"UPnP/SSDP answering from the Internet",
		"The device answers SSDP discovery from the Internet. SSDP is abused to amplify "
		"denial-of-service attacks and reveals device details."},
	[KS_FIND_MQTT_NO_AUTH] = {
		"MQTT broker without authentication",
		"The MQTT broker accepts clients without a password: anyone can read and publish "
		"messages, which may control devices or leak sensor data."},
	[KS_FIND_CLEARTEXT_ADMIN] = {
		"Administration login over plain HTTP",
		"An administration or login page is served over unencrypted HTTP; passwords entered "
		"there can be read on the way."},
	[KS_FIND_BAD_CERTIFICATE] = {
		"Expired or self-signed certificate",
		"The TLS certificate of the service is expired, self-signed or otherwise invalid, so "
		"clients cannot tell the real service from an impostor."},
	[KS_FIND_DEPRECATED_CRYPTO] = {
		"Deprecated protocol or algorithm",
		"The service offers protocol versions or algorithms that are no longer safe (SSLv3, "
		"TLS 1.0/1.1, SSH diffie-hellman-group1-sha1, ssh-dss, ...)."},
	[KS_FIND_INFECTED] = {
		"Possibly infected device",
		"Our darknet sensor saw this address send unsolicited scans or traffic typical of IoT "
		"malware (for example Mirai). The device is probably infected and attacking others."},
};

struct pkg_row {
	struct ks_finding_row r;
	struct ks_svc svc;
	int has_svc;
};

struct pkg {
	char org[KS_SURVEY_ORG_MAX + 1];
	struct pkg_row *v;
	size_t n, cap;
};

struct collect {
	struct ks_store *st;
	struct pkg *p;
	size_t n, cap;
};

static int on_finding(void *ctx, const struct ks_finding_row *r)
{
	struct collect *c = ctx;
	if (!r->org[0])
		return 0;
	if (!c->n || strcmp(c->p[c->n - 1].org, r->org) != 0) {
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 8;
			c->p = ks_xreallocarray(c->p, c->cap, sizeof *c->p);
		}
		memset(&c->p[c->n], 0, sizeof c->p[c->n]);
		snprintf(c->p[c->n].org, sizeof c->p[c->n].org, "%s", r->org);
		c->n++;
	}
	struct pkg *p = &c->p[c->n - 1];
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->v = ks_xreallocarray(p->v, p->cap, sizeof *p->v);
	}
	struct pkg_row *e = &p->v[p->n++];
	memset(e, 0, sizeof *e);
	e->r = *r;
	return 0;
}

/* HTML text and attribute escaping. */
static void html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char *const csv_cols[] = {
	"timestamp", "severity", "ip", "protocol", "port", "hostname", "tag", "asn", "geo", "region",
	"city", "sector", "banner", "device_vendor", "device_type", "device_model", "device_version",
	"cpe", "title", "first_seen", "detail"};
#define NCSV (sizeof csv_cols / sizeof csv_cols[0])

static int write_csv(const char *path, const struct pkg *p, const struct ks_org *o, struct ks_geo *geo)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return KS_ESYS;
	ks_csv_row(f, csv_cols, NCSV);
	for (size_t i = 0; i < p->n; i++) {
		const struct pkg_row *e = &p->v[i];
		const struct ks_svc *s = &e->svc;
		char ts[32], first[32], a[KS_ADDR_STRLEN], port[8], asn[16] = "", cc[3] = "", asorg[128];
		uint32_t n = 0;
		ks_time_iso(e->r.last_seen * 1000000, ts, sizeof ts);
		ks_time_iso(e->r.first_seen * 1000000, first, sizeof first);
		ks_addr_format(&e->r.f.addr, a);
		snprintf(port, sizeof port, "%u", e->r.f.port);
		if (geo) {
			ks_geo_lookup(geo, &e->r.f.addr, cc, &n, asorg, sizeof asorg);
			if (n)
				snprintf(asn, sizeof asn, "%u", n);
		}
		const char *row[NCSV] = {ts, ks_sev_name(e->r.f.sev), a, ks_survey_proto_name(e->r.f.proto), port,
					 "", ks_finding_name(e->r.f.type), asn, cc, "", "", o ? o->kind : "",
					 s->banner, s->vendor, s->device_type, s->product, s->version, s->cpe,
					 s->title, first, e->r.f.detail};
		ks_csv_row(f, row, NCSV);
	}
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return KS_EIO;
	return 0;
}

static int write_html(const char *path, const struct pkg *p, const struct ks_org *o)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return KS_ESYS;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Open findings: ", f);
	html(f, p->org);
	fputs("</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
	      "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .5em;text-align:left}"
	      ".critical,.high{color:#a00}</style>\n</head>\n<body>\n<h1>Open findings for ", f);
	html(f, o ? o->name : p->org);
	fputs(" (", f);
	html(f, p->org);
	fputs(")</h1>\n<p>An authorised survey of your networks found the exposures below. Each section "
	      "says what the finding means and how to fix it; the addresses follow. A finding is closed "
	      "automatically when a later survey no longer sees it.</p>\n", f);
	fprintf(f, "<p>%zu open findings.</p>\n", p->n);
	/* sections by severity (worst first), then type */
	for (int sev = KS_SEV_CRITICAL; sev >= KS_SEV_INFO; sev--) {
		for (int t = 0; t < KS_FIND_COUNT; t++) {
			size_t cnt = 0;
			for (size_t i = 0; i < p->n; i++)
				cnt += (int)p->v[i].r.f.sev == sev && (int)p->v[i].r.f.type == t;
			if (!cnt)
				continue;
			fprintf(f, "<h2 class=\"%s\">", ks_sev_name((enum ks_sev)sev));
			html(f, about[t].title);
			fprintf(f, " (%s, <code>%s</code>): %zu</h2>\n<p>", ks_sev_name((enum ks_sev)sev),
				ks_finding_name((enum ks_finding_type)t), cnt);
			html(f, about[t].meaning);
			fputs("</p>\n<p><strong>How to fix:</strong> ", f);
			html(f, ks_finding_remediation(t));
			fputs("</p>\n<table>\n<tr><th>address</th><th>port</th><th>device</th><th>banner</th><th>what was seen</th>"
			      "<th>first seen</th><th>last seen</th></tr>\n", f);
			for (size_t i = 0; i < p->n; i++) {
				const struct pkg_row *e = &p->v[i];
				if ((int)e->r.f.sev != sev || (int)e->r.f.type != t)
					continue;
				char a[KS_ADDR_STRLEN], first[32], last[32], dev[256];
				ks_addr_format(&e->r.f.addr, a);
				ks_time_iso(e->r.first_seen * 1000000, first, sizeof first);
				ks_time_iso(e->r.last_seen * 1000000, last, sizeof last);
				if (e->r.f.product[0])
					snprintf(dev, sizeof dev, "%s", e->r.f.product);
				else
					snprintf(dev, sizeof dev, "%s%s%s%s%s", e->svc.vendor, e->svc.vendor[0] ? " " : "",
						 e->svc.product, e->svc.device_type[0] ? " " : "", e->svc.device_type);
				fputs("<tr><td>", f);
				html(f, a);
				fprintf(f, "</td><td>%u/%s</td><td>", e->r.f.port, ks_survey_proto_name(e->r.f.proto));
				html(f, dev);
				fputs("</td><td>", f);
				html(f, e->svc.banner);
				fputs("</td><td>", f);
				html(f, e->r.f.detail);
				fputs("</td><td>", f);
				html(f, first);
				fputs("</td><td>", f);
				html(f, last);
				fputs("</td></tr>\n", f);
			}
			fputs("</table>\n", f);
		}
	}
	fputs("</body>\n</html>\n", f);
	int bad = ferror(f);
	if (fclose(f) != 0 || bad)
		return KS_EIO;
	return 0;
}

int cmd_notify(int argc, char **argv)
{
	const char *dir = NULL, *only = NULL, *geoip = NULL, *asn = NULL;
	const struct ks_opt opts[] = {
		{"write", KS_OPT_STR, &dir, "DIR", "write the packages into DIR (required)", 0, 0},
		{"org", KS_OPT_STR, &only, "ID", "only this organisation", 0, 0},
		{"geoip-db", KS_OPT_STR, &geoip, "FILE", "MaxMind Country/City database for the geo column", 0, 0},
		{"asn-db", KS_OPT_STR, &asn, "FILE", "MaxMind ASN database for the asn column", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku notify --write DIR [--org ID] [--geoip-db FILE] [--asn-db FILE]",
		"Writes one notification package per organisation with open survey findings: DIR/ORG.csv\n"
		"(Shadowserver-style columns: timestamp, severity, ip, protocol, port, hostname, tag, asn,\n"
		"geo, region, city, sector, then banner, device_vendor, device_type, device_model,\n"
		"device_version, cpe, title, first_seen, detail) and DIR/ORG.html, a page that explains\n"
		"each finding and how to fix it. Findings without an organisation are not notified.",
		"columns: docs/formats.md, \"Notification package\".\n"
		"example:\n  kansoku notify --write outbox/ --asn-db GeoLite2-ASN.mmdb", 0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	if (!dir || !*dir) {
		ks_err("--write DIR is required");
		return KS_EXIT_USAGE;
	}
	char err[600];
	struct ks_geo *geo = NULL;
	if (ks_geo_open(geoip, asn, &geo, err, sizeof err) != 0) {
		ks_err("%s", err);
		return KS_EXIT_DATA;
	}
	struct ks_store *st;
	struct ks_org_list l;
	if ((r = ks_cmd_store_orgs(&st, &l)) != 0) {
		ks_geo_close(geo);
		return r;
	}
	struct collect c = {.st = st};
	struct ks_finding_filter flt = KS_FINDING_FILTER_ALL;
	flt.status = KS_STATUS_OPEN;
	flt.org = only;
	r = ks_store_survey_findings(st, &flt, on_finding, &c);
	for (size_t i = 0; r == 0 && i < c.n; i++)
		for (size_t k = 0; r == 0 && k < c.p[i].n; k++) {
			struct pkg_row *e = &c.p[i].v[k];
			int s = ks_store_survey_service(st, e->r.last_round, &e->r.f.addr, e->r.f.port, e->r.f.proto,
							&e->svc);
			if (s == 0)
				e->has_svc = 1;
			else if (s != KS_ENOENT)
				r = s;
		}
	if (r != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
		goto out;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		ks_err("--write %s: %s", dir, strerror(errno));
		r = KS_EXIT_FAIL;
		goto out;
	}
	size_t total = 0;
	for (size_t i = 0; i < c.n; i++) {
		const struct pkg *p = &c.p[i];
		const struct ks_org *o = NULL;
		for (size_t k = 0; k < l.n; k++)
			if (strcmp(l.v[k].id, p->org) == 0)
				o = &l.v[k];
		/* ids are [A-Za-z0-9._-] without a leading dot (org.h, survey_json.c),
		 * checked again because they become file names */
		if (strspn(p->org, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
			    strlen(p->org) || p->org[0] == '.') {
			ks_err("organisation id '%s' is not usable as a file name; skipped", p->org);
			continue;
		}
		if (!o)
			ks_warn("organisation '%s' (from a scope line) is not in the registry: its package has "
				"no name or sector", p->org);
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.csv", dir, p->org);
		int w = write_csv(path, p, o, geo);
		if (w == 0) {
			snprintf(path, sizeof path, "%s/%s.html", dir, p->org);
			w = write_html(path, p, o);
		}
		if (w != 0) {
			ks_err("%s: %s", path, strerror(errno));
			r = KS_EXIT_FAIL;
			goto out;
		}
		total += p->n;
		ks_info("%s/%s.{csv,html}: %zu open findings%s%s", dir, p->org, p->n, o ? " for " : "",
			o ? o->name : "");
	}
	ks_info("%zu open findings for %zu organisations written to %s", total, c.n, dir);
	r = 0;
out:
	for (size_t i = 0; i < c.n; i++)
		free(c.p[i].v);
	free(c.p);
	ks_org_list_release(&l);
	ks_store_close(st);
	ks_geo_close(geo);
	return r;
}
