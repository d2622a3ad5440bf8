/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku survey import | findings | stats: a round's records into the store
 * (JSON lines, survey_json.h), and the findings and per-round figures read
 * back (store_survey.h; docs/survey.md, "Findings and rounds", "Reports"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cmd.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "ks_time.h"
#include "store_survey.h"
#include "survey_json.h"

#define IMPORT_FILE_MAX (1024u << 20)

/* "2026-12-01T00:00:00Z" of Unix seconds t; "" for 0. */
static const char *iso_s(int64_t t, char *buf, size_t n)
{
	if (t == 0) {
		buf[0] = '\0';
		return buf;
	}
	return ks_time_iso(t * 1000000, buf, n);
}

/* ---- import ---- */

struct import {
	struct ks_store *st;
	struct ks_survey_round *r;
	struct ks_survey_sink sink;
	const char *scope_name;
	struct ks_survey_round_hdr hdr;
	int have_hdr, complete_flag, force;
	char hash[40];
	uint32_t threshold;
	int no_infected;
	uint64_t n[4];
};

static int import_start(struct import *im)
{
	const char *scope = im->scope_name ? im->scope_name
			    : im->hdr.scope_name[0] ? im->hdr.scope_name : "default";
	struct ks_survey_round_opts o = {.scope_name = scope, .scope_hash = im->hdr.scope_hash,
					 .in_scope = im->hdr.in_scope, .batch_records = 0,
					 .scan_threshold = im->threshold, .no_infected = im->no_infected,
					 .import_hash = im->hash};
	if (strlen(scope) > KS_SURVEY_SCOPE_NAME_MAX) {
		ks_err("--scope-name: at most %d bytes", KS_SURVEY_SCOPE_NAME_MAX);
		return KS_EXIT_USAGE;
	}
	if (ks_survey_round_begin(im->st, &o, &im->r) != 0)
		return KS_EXIT_FAIL;
	if (im->hdr.started_s) {
		ks_survey_round_set_clock(im->r, im->hdr.started_s);
		ks_survey_round_set_started(im->r, im->hdr.started_s);
	}
	ks_survey_round_sink(im->r, &im->sink);
	return 0;
}

static int import_rec(void *ctx, unsigned line, const struct ks_survey_rec *rec)
{
	struct import *im = ctx;
	int r;
	(void)line;
	if (rec->kind == KS_REC_ROUND) {
		im->hdr = rec->round;
		im->have_hdr = 1;
		return 0;
	}
	if (!im->r && (r = import_start(im)) != 0)
		return r;
	im->n[rec->kind]++;
	switch (rec->kind) {
	case KS_REC_SERVICE:
		ks_sink_service(&im->sink, &rec->svc);
		break;
	case KS_REC_FINDING:
		ks_survey_round_finding_org(im->r, &rec->finding, rec->org);
		break;
	case KS_REC_AUDIT:
		ks_sink_audit(&im->sink, &rec->audit);
		break;
	default:
		break;
	}
	return ks_survey_round_error(im->r) ? KS_EXIT_FAIL : 0;
}

int cmd_survey_import(int argc, char **argv)
{
	struct import im;
	memset(&im, 0, sizeof im);
	const struct ks_opt opts[] = {
		{"scope-name", KS_OPT_STR, &im.scope_name, "NAME", "scope of the round (default: the file's round record, else \"default\")", 0, 0},
		{"complete", KS_OPT_FLAG, &im.complete_flag, NULL, "the round covered the whole scope: resolve findings not seen in it", 0, 0},
		{"scan-threshold", KS_OPT_U32, &im.threshold, "N", "infected marking: darknet scanner threshold (default: latest ingest's)", 1, 1u << 31},
		{"no-infected", KS_OPT_FLAG, &im.no_infected, NULL, "do not mark surveyed addresses the darknet saw as infected", 0, 0},
		{"force", KS_OPT_FLAG, &im.force, NULL, "import a file again that was imported before (as a new round)", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey import [--scope-name NAME] [--complete] FILE.jsonl",
		"Imports one survey round written as JSON lines (a remote site's `survey run --output`):\n"
		"records of kind service, finding and audit, and an optional round record (scope_name,\n"
		"scope_hash, in_scope, started, ended, complete). Findings are kept per (address, port,\n"
		"protocol, type); after a complete round (--complete, or \"complete\":true in the file),\n"
		"open findings of the same scope that the round did not see are resolved. Surveyed\n"
		"addresses that the darknet store saw scanning or bot-tagged get an infected finding.\n"
		"A bad line is named with its number and field, and nothing from the file is applied.\n"
		"A file imported before (same content) is skipped unless --force.",
		"format: docs/formats.md, \"Survey records (JSON lines)\".\n"
		"example:\n  kansoku survey import --scope-name city-b --complete round-2026-12.jsonl",
		1, 1};
	char **args = ks_xcalloc((size_t)argc + 1, sizeof *args);
	int r = ks_cmd_parse(opts, &h, argc, argv, args, NULL);
	if (r >= 0) {
		free(args);
		return r;
	}
	const char *path = args[0];
	free(args);
	if (im.scope_name && (!*im.scope_name || strlen(im.scope_name) > KS_SURVEY_SCOPE_NAME_MAX)) {
		ks_err("--scope-name: expected 1-%d bytes", KS_SURVEY_SCOPE_NAME_MAX);
		return KS_EXIT_USAGE;
	}
	char err[700], *buf;
	size_t len;
	if (ks_cmd_read_file(path, IMPORT_FILE_MAX, &buf, &len, err, sizeof err) != 0) {
		ks_err("%s", err);
		return KS_EXIT_FAIL;
	}
	/* Checked whole first: a bad line stops here, before the store is opened. */
	r = ks_survey_jsonl_read(buf, len, path, NULL, NULL, err, sizeof err);
	if (r != 0) {
		ks_err("%s; nothing was imported", err);
		free(buf);
		return KS_EXIT_DATA;
	}
	XXH128_hash_t hh = XXH3_128bits(buf, len);
	snprintf(im.hash, sizeof im.hash, "%016llx%016llx", (unsigned long long)hh.high64,
		 (unsigned long long)hh.low64);
	if (ks_cmd_store(&im.st) != 0) {
		free(buf);
		return KS_EXIT_FAIL;
	}
	int64_t prev;
	if (!im.force && ks_survey_round_find_import(im.st, im.hash, &prev) == 0) {
		ks_info("%s: already imported as round %" PRId64 "; skipped (--force imports it again)", path, prev);
		free(buf);
		ks_store_close(im.st);
		return 0;
	}
	r = ks_survey_jsonl_read(buf, len, path, import_rec, &im, err, sizeof err);
	free(buf);
	if (r == 0 && !im.r)
		r = import_start(&im); /* a file with no records is an empty round */
	if (r != 0) {
		if (r == KS_EXIT_FAIL || r < 0)
			ks_err("store %s: %s; nothing was imported", ks_g.db, ks_store_errmsg(im.st));
		ks_survey_round_abort(im.r);
		ks_store_close(im.st);
		return r < 0 ? KS_EXIT_FAIL : r;
	}
	int complete = im.complete_flag || im.hdr.complete == 1;
	int64_t id = ks_survey_round_id(im.r);
	size_t resolved = 0;
	if (im.hdr.ended_s)
		ks_survey_round_set_clock(im.r, im.hdr.ended_s);
	if (ks_survey_round_end(im.r, complete, &resolved) != 0) {
		ks_err("store %s: %s; nothing was imported", ks_g.db, ks_store_errmsg(im.st));
		ks_store_close(im.st);
		return KS_EXIT_FAIL;
	}
	ks_info("%s: round %" PRId64 " (%s): %" PRIu64 " services, %" PRIu64 " findings, %" PRIu64
		" audit records; %zu findings resolved", path, id, complete ? "complete" : "incomplete",
		im.n[KS_REC_SERVICE], im.n[KS_REC_FINDING], im.n[KS_REC_AUDIT], resolved);
	ks_store_close(im.st);
	return 0;
}

/* ---- findings ---- */

static const char *const finding_cols[] = {"address", "port", "proto", "type", "severity", "status", "org",
					   "first_seen", "last_seen", "resolved_at", "product", "detail", "scope"};
#define NFCOLS (sizeof finding_cols / sizeof finding_cols[0])

struct fout {
	enum ks_format fmt;
	json_t *arr;
	size_t n;
};

static int print_finding(void *ctx, const struct ks_finding_row *r)
{
	struct fout *o = ctx;
	char a[KS_ADDR_STRLEN], port[8], first[32], last[32], res[32];
	ks_addr_format(&r->f.addr, a);
	snprintf(port, sizeof port, "%u", r->f.port);
	iso_s(r->first_seen, first, sizeof first);
	iso_s(r->last_seen, last, sizeof last);
	iso_s(r->resolved_at, res, sizeof res);
	const char *proto = ks_survey_proto_name(r->f.proto), *type = ks_finding_name(r->f.type),
		   *sev = ks_sev_name(r->f.sev), *status = ks_finding_status_name(r->status);
	o->n++;
	if (o->fmt == KS_FMT_JSON) {
		json_t *j = json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s}",
				      "address", a, "port", (int)r->f.port, "proto", proto, "type", type,
				      "severity", sev, "status", status, "org", r->org, "first_seen", first,
				      "last_seen", last, "resolved_at", r->resolved_at ? json_string(res) : json_null(),
				      "product", r->f.product, "detail", r->f.detail, "scope", r->scope);
		if (!j)
			return KS_EINVAL;
		json_array_append_new(o->arr, j);
	} else if (o->fmt == KS_FMT_CSV) {
		const char *row[] = {a, port, proto, type, sev, status, r->org, first, last, res,
				     r->f.product, r->f.detail, r->scope};
		ks_csv_row(stdout, row, NFCOLS);
	} else {
		char ep[KS_ADDR_STRLEN + 16];
		snprintf(ep, sizeof ep, "%s:%s/%s", a, port, proto);
		printf("%-26s %-20s %-8s %-8s %-12s %-20s %-20s %s%s%s\n", ep, type, sev, status,
		       r->org[0] ? r->org : "-", first, r->status == KS_STATUS_RESOLVED ? res : last,
		       r->f.product, r->f.product[0] && r->f.detail[0] ? ": " : "", r->f.detail);
	}
	return 0;
}

int cmd_survey_findings(int argc, char **argv)
{
	const char *org = NULL, *type = NULL, *status = NULL, *scope = NULL;
	const struct ks_opt opts[] = {
		{"org", KS_OPT_STR, &org, "ID", "only this organisation (\"\" = findings without one)", 0, 0},
		{"type", KS_OPT_STR, &type, "T", "only this finding type (weak_credentials, known_vulnerability, ...)", 0, 0},
		{"status", KS_OPT_STR, &status, "S", "open or resolved (default: both)", 0, 0},
		{"scope", KS_OPT_STR, &scope, "NAME", "only findings of this scope", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey findings [--org ID] [--type T] [--status open|resolved] [--format text|json|csv]",
		"Lists survey findings, one per (address, port, protocol, type), ordered by organisation and\n"
		"address, with first and last sighting and status; a resolved finding shows when it was\n"
		"resolved (the end of the first complete round that did not see it).",
		"JSON fields: address, port, proto, type, severity, status, org, first_seen, last_seen,\n"
		"resolved_at, product, detail, scope (docs/formats.md).", 0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	struct ks_finding_filter flt = KS_FINDING_FILTER_ALL;
	flt.org = org;
	flt.scope = scope;
	if (type) {
		enum ks_finding_type t;
		if (ks_finding_parse(type, &t) != 0) {
			ks_err("--type '%s': expected weak_credentials, known_vulnerability, telnet_exposed, "
			       "open_resolver, upnp_exposed, mqtt_no_auth, cleartext_admin, bad_certificate, "
			       "deprecated_crypto or infected", type);
			return KS_EXIT_USAGE;
		}
		flt.type = (int)t;
	}
	if (status) {
		enum ks_finding_status s;
		if (ks_finding_status_parse(status, &s) != 0) {
			ks_err("--status '%s': expected open or resolved", status);
			return KS_EXIT_USAGE;
		}
		flt.status = (int)s;
	}
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0)
		return KS_EXIT_FAIL;
	struct fout o = {ks_g.format, json_array(), 0};
	if (o.fmt == KS_FMT_CSV)
		ks_csv_row(stdout, finding_cols, NFCOLS);
	else if (o.fmt == KS_FMT_TEXT)
		printf("%-26s %-20s %-8s %-8s %-12s %-20s %-20s %s\n", "endpoint", "type", "severity", "status",
		       "org", "first_seen", "last_seen/resolved", "product: detail");
	r = ks_store_survey_findings(st, &flt, print_finding, &o);
	if (r != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		json_decref(o.arr);
		ks_store_close(st);
		return KS_EXIT_FAIL;
	}
	if (o.fmt == KS_FMT_JSON)
		ks_cmd_json(o.arr);
	else
		json_decref(o.arr);
	if (o.fmt == KS_FMT_TEXT && o.n == 0)
		printf("no findings\n");
	ks_store_close(st);
	return 0;
}

/* ---- stats ---- */

struct rounds {
	struct ks_survey_round_row *v;
	size_t n, cap;
};

static int keep_round(void *ctx, const struct ks_survey_round_row *r)
{
	struct rounds *rs = ctx;
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 8;
		rs->v = ks_xreallocarray(rs->v, rs->cap, sizeof *rs->v);
	}
	rs->v[rs->n++] = *r;
	return 0;
}

static void devtypes_text(const struct ks_survey_round_row *r, char *buf, size_t n)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < r->ndevtypes && off < n; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%s=%" PRIu64, i ? "; " : "", r->devtype[i].type,
					r->devtype[i].n);
}

int cmd_survey_stats(int argc, char **argv)
{
	const char *scope = NULL;
	const struct ks_opt opts[] = {
		{"scope", KS_OPT_STR, &scope, "NAME", "only rounds of this scope", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey stats [--scope NAME] [--format text|json|csv]",
		"NOTICE-style figures of every survey round and their trend: addresses in scope, addresses\n"
		"responding, devices identified by type, devices (addresses) with weak credentials, with\n"
		"high-risk vulnerabilities (known_vulnerability of severity high or critical), infected,\n"
		"and the findings each round resolved (open before, not seen in it).",
		"JSON fields: docs/formats.md, \"survey stats\".", 0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0)
		return KS_EXIT_FAIL;
	struct rounds rs = {0};
	if (ks_store_survey_rounds(st, scope, keep_round, &rs) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		ks_store_close(st);
		free(rs.v);
		return KS_EXIT_FAIL;
	}
	static const char *const cols[] = {"round", "scope", "started", "ended", "complete", "in_scope",
					   "responding", "services", "identified", "device_types",
					   "weak_credentials", "high_risk_vulnerabilities", "infected",
					   "findings", "resolved", "audit_records"};
	if (ks_g.format == KS_FMT_CSV)
		ks_csv_row(stdout, cols, sizeof cols / sizeof cols[0]);
	json_t *arr = json_array();
	for (size_t i = 0; i < rs.n; i++) {
		const struct ks_survey_round_row *o = &rs.v[i];
		char started[32], ended[32], dt[1024];
		iso_s(o->started, started, sizeof started);
		iso_s(o->ended, ended, sizeof ended);
		devtypes_text(o, dt, sizeof dt);
		if (ks_g.format == KS_FMT_JSON) {
			json_t *d = json_object();
			for (size_t k = 0; k < o->ndevtypes; k++)
				json_object_set_new(d, o->devtype[k].type, json_integer((json_int_t)o->devtype[k].n));
			json_array_append_new(
				arr, json_pack("{s:I, s:s, s:s, s:o, s:b, s:I, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I}",
					       "round", (json_int_t)o->id, "scope", o->scope_name, "started", started,
					       "ended", o->ended ? json_string(ended) : json_null(), "complete",
					       o->complete, "in_scope", (json_int_t)o->in_scope, "responding",
					       (json_int_t)o->responding, "services", (json_int_t)o->services,
					       "identified", (json_int_t)o->identified, "device_types", d,
					       "weak_credentials", (json_int_t)o->weak_credentials,
					       "high_risk_vulnerabilities", (json_int_t)o->high_risk_vulns,
					       "infected", (json_int_t)o->infected, "findings", (json_int_t)o->findings,
					       "resolved", (json_int_t)o->resolved, "audit_records",
					       (json_int_t)o->audits));
		} else if (ks_g.format == KS_FMT_CSV) {
			char num[12][24];
			uint64_t v[] = {(uint64_t)o->id, o->in_scope, o->responding, o->services, o->identified,
					o->weak_credentials, o->high_risk_vulns, o->infected, o->findings,
					o->resolved, o->audits};
			for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
				snprintf(num[k], sizeof num[k], "%" PRIu64, v[k]);
			const char *row[] = {num[0], o->scope_name, started, ended, o->complete ? "yes" : "no",
					     num[1], num[2], num[3], num[4], dt, num[5], num[6], num[7],
					     num[8], num[9], num[10]};
			ks_csv_row(stdout, row, sizeof row / sizeof row[0]);
		}
	}
	if (ks_g.format == KS_FMT_JSON) {
		ks_cmd_json(arr);
	} else {
		json_decref(arr);
	}
	if (ks_g.format == KS_FMT_TEXT) {
		/* one column per round: the trend reads left to right */
		if (rs.n == 0)
			printf("no survey rounds\n");
		for (size_t i = 0; i < rs.n; i++) {
			const struct ks_survey_round_row *o = &rs.v[i];
			const struct ks_survey_round_row *p = NULL;
			char started[32], dt[1024];
			for (size_t k = i; k-- > 0;)
				if (strcmp(rs.v[k].scope_name, o->scope_name) == 0) {
					p = &rs.v[k];
					break;
				}
			iso_s(o->started, started, sizeof started);
			devtypes_text(o, dt, sizeof dt);
			printf("%sround %" PRId64 " (%s) started %s, %s\n", i ? "\n" : "", o->id, o->scope_name, started,
			       !o->ended ? "unfinished" : o->complete ? "complete" : "incomplete");
#define FIG(label, field)                                                                        \
	do {                                                                                     \
		printf("  %-40s %10" PRIu64, label, o->field);                                   \
		if (p)                                                                           \
			printf("  (%+" PRId64 ")", (int64_t)(o->field - p->field));              \
		printf("\n");                                                                    \
	} while (0)
			FIG("addresses in scope", in_scope);
			FIG("addresses responding", responding);
			FIG("devices identified", identified);
			if (dt[0])
				printf("  %-40s %s\n", "  by type", dt);
			FIG("devices with weak credentials", weak_credentials);
			FIG("devices with high-risk vulnerabilities", high_risk_vulns);
			FIG("infected devices", infected);
			FIG("findings seen", findings);
			printf("  %-40s %10" PRIu64 "\n", "resolved since the previous round", o->resolved);
#undef FIG
		}
	}
	free(rs.v);
	ks_store_close(st);
	return 0;
}
