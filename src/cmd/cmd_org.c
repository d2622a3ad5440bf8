/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku org import | list */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "ks_time.h"
#include "store_survey.h"

int cmd_org_import(int argc, char **argv)
{
	const struct ks_cmd_help h = {
		"kansoku org import FILE.csv",
		"Loads organisations (the owners that receive alerts) from a CSV file with the header\n"
		"id,name,kind,contact,prefixes. Prefixes are separated by spaces, IPv4 and IPv6. An id already\n"
		"in the store is updated and its prefixes replaced. If any line is bad, the error names it\n"
		"and nothing from the file is applied.",
		"kinds: isp, local_gov, critical_infra, university, ... (lower case, [a-z0-9_]).\n"
		"example line:\n  city-b,Example City,local_gov,csirt@city.example,198.51.100.0/24 2001:db8:b::/48",
		1, 1};
	char **args = ks_xcalloc((size_t)argc + 1, sizeof *args);
	int r = ks_cmd_parse(NULL, &h, argc, argv, args, NULL);
	if (r >= 0) {
		free(args);
		return r;
	}
	const char *path = args[0];
	free(args);
	char err[600], *buf;
	size_t len;
	if (ks_cmd_read_file(path, 64u << 20, &buf, &len, err, sizeof err) != 0) {
		ks_err("%s", err);
		return KS_EXIT_FAIL;
	}
	struct ks_org_list l;
	ks_org_list_init(&l);
	r = ks_org_parse_csv(buf, len, path, &l, err, sizeof err);
	free(buf);
	if (r != 0) {
		ks_err("%s; nothing was imported", err);
		return KS_EXIT_DATA;
	}
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0) {
		ks_org_list_release(&l);
		return KS_EXIT_FAIL;
	}
	size_t added, updated;
	if (ks_store_org_put(st, &l, &added, &updated) != 0) {
		ks_err("store %s: %s; nothing was imported", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
	} else {
		ks_info("%s: %zu organisations imported (%zu new, %zu updated)", path, l.n, added, updated);
	}
	ks_org_list_release(&l);
	ks_store_close(st);
	return r;
}

static void prefixes(const struct ks_org *o, char *buf, size_t n)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < o->npfx; k++) {
		char p[KS_ADDR_STRLEN + 8];
		off += (size_t)snprintf(buf + off, off < n ? n - off : 0, "%s%s", k ? " " : "",
					ks_prefix_format(&o->pfx[k], p));
	}
}

int cmd_org_list(int argc, char **argv)
{
	const struct ks_cmd_help h = {"kansoku org list [--format text|json|csv]",
				      "Lists the organisations in the store with their prefixes.", NULL, 0, 0};
	int r = ks_cmd_parse(NULL, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	struct ks_store *st;
	struct ks_org_list l;
	if ((r = ks_cmd_store_orgs(&st, &l)) != 0)
		return r;
	size_t cap = 1 << 16;
	char *pf = ks_xmalloc(cap);
	json_t *arr = json_array();
	if (ks_g.format == KS_FMT_CSV) {
		const char *hdr[] = {"id", "name", "kind", "contact", "prefixes"};
		ks_csv_row(stdout, hdr, 5);
	} else if (ks_g.format == KS_FMT_TEXT) {
		printf("%-20s %-15s %-32s %s\n", "id", "kind", "name", "prefixes");
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct ks_org *o = &l.v[i];
		prefixes(o, pf, cap);
		if (ks_g.format == KS_FMT_JSON) {
			json_t *p = json_array();
			for (size_t k = 0; k < o->npfx; k++) {
				char b[KS_ADDR_STRLEN + 8];
				json_array_append_new(p, json_string(ks_prefix_format(&o->pfx[k], b)));
			}
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", o->id, "name",
							     o->name, "kind", o->kind, "contact", o->contact,
							     "prefixes", p));
		} else if (ks_g.format == KS_FMT_CSV) {
			const char *row[] = {o->id, o->name, o->kind, o->contact, pf};
			ks_csv_row(stdout, row, 5);
		} else {
			printf("%-20s %-15s %-32s %s\n", o->id, o->kind, o->name, pf);
		}
	}
	if (ks_g.format == KS_FMT_JSON)
		ks_cmd_json(arr);
	else
		json_decref(arr);
	free(pf);
	ks_org_list_release(&l);
	ks_store_close(st);
	return 0;
}

/* ---- org risk ---- */

static const char *org_name(const struct ks_org_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return l->v[i].name;
	return "";
}

static void trend_text(const struct ks_org_risk *o, char *buf, size_t n)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < o->ntrend && off < n; k++)
		off += (size_t)snprintf(buf + off, n - off, "%s%d", k ? " " : "", o->trend_score[k]);
}

int cmd_org_risk(int argc, char **argv)
{
	const char *at = NULL;
	const struct ks_opt opts[] = {
		{"at", KS_OPT_STR, &at, "TIME", "rate as of this time (findings' ages; default now)", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku org risk [--at TIME] [--format text|json|csv]",
		"Rates every organisation with survey findings: a score from 0 to 100 (100 = no open\n"
		"findings) and a grade A-F from its open findings, weighted by severity and age, and the\n"
		"number of exposed hosts; worst first. The trend is the score of the findings seen in each\n"
		"of the last rounds of the organisation's scopes, oldest first.",
		"formula: docs/survey.md, \"Risk rating\".", 0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	struct ks_span sp;
	if (ks_cmd_span(at, NULL, &sp) != 0)
		return KS_EXIT_USAGE;
	int64_t now = at ? sp.since_us / 1000000 : ks_time_now_us() / 1000000;
	struct ks_store *st;
	struct ks_org_list l;
	if ((r = ks_cmd_store_orgs(&st, &l)) != 0)
		return r;
	struct ks_org_risk *v = NULL;
	size_t n = 0;
	if (ks_store_org_risk(st, now, &v, &n) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		ks_org_list_release(&l);
		ks_store_close(st);
		return KS_EXIT_FAIL;
	}
	static const char *const cols[] = {"rank", "org", "name", "score", "grade", "open_findings",
					   "hosts", "critical", "high", "medium", "low", "info", "trend"};
	json_t *arr = json_array();
	if (ks_g.format == KS_FMT_CSV)
		ks_csv_row(stdout, cols, sizeof cols / sizeof cols[0]);
	else if (ks_g.format == KS_FMT_TEXT)
		printf("%-4s %-20s %-28s %5s %5s %5s %5s  %-24s %s\n", "rank", "org", "name", "score", "grade",
		       "open", "hosts", "crit/high/med/low/info", "trend (oldest first)");
	for (size_t i = 0; i < n; i++) {
		const struct ks_org_risk *o = &v[i];
		const char *name = org_name(&l, o->org);
		char trend[KS_RISK_TREND_MAX * 5 + 1], grade[2] = {o->now.grade, '\0'};
		trend_text(o, trend, sizeof trend);
		if (ks_g.format == KS_FMT_JSON) {
			json_t *t = json_array();
			for (size_t k = 0; k < o->ntrend; k++)
				json_array_append_new(t, json_pack("{s:I, s:i}", "round", (json_int_t)o->trend_round[k],
								   "score", o->trend_score[k]));
			json_array_append_new(
				arr, json_pack("{s:I, s:s, s:s, s:i, s:s, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}, s:o}",
					       "rank", (json_int_t)(i + 1), "org", o->org, "name", name, "score",
					       o->now.score, "grade", grade, "open_findings", (json_int_t)o->open,
					       "hosts", (json_int_t)o->hosts, "by_severity", "critical",
					       (json_int_t)o->by_sev[KS_SEV_CRITICAL], "high",
					       (json_int_t)o->by_sev[KS_SEV_HIGH], "medium",
					       (json_int_t)o->by_sev[KS_SEV_MEDIUM], "low",
					       (json_int_t)o->by_sev[KS_SEV_LOW], "info",
					       (json_int_t)o->by_sev[KS_SEV_INFO], "trend", t));
		} else {
			char num[8][24];
			size_t vals[] = {i + 1, (size_t)o->now.score, o->open, o->hosts, o->by_sev[KS_SEV_CRITICAL],
					 o->by_sev[KS_SEV_HIGH], o->by_sev[KS_SEV_MEDIUM], o->by_sev[KS_SEV_LOW]};
			for (size_t k = 0; k < 8; k++)
				snprintf(num[k], sizeof num[k], "%zu", vals[k]);
			if (ks_g.format == KS_FMT_CSV) {
				char info[24];
				snprintf(info, sizeof info, "%zu", o->by_sev[KS_SEV_INFO]);
				const char *row[] = {num[0], o->org, name, num[1], grade, num[2], num[3],
						     num[4], num[5], num[6], num[7], info, trend};
				ks_csv_row(stdout, row, sizeof row / sizeof row[0]);
			} else {
				char sev[128];
				snprintf(sev, sizeof sev, "%s/%s/%s/%s/%zu", num[4], num[5], num[6], num[7],
					 o->by_sev[KS_SEV_INFO]);
				printf("%-4zu %-20s %-28.28s %5d %5s %5zu %5zu  %-24s %s\n", i + 1, o->org, name,
				       o->now.score, grade, o->open, o->hosts, sev, trend);
			}
		}
	}
	if (ks_g.format == KS_FMT_JSON)
		ks_cmd_json(arr);
	else
		json_decref(arr);
	if (ks_g.format == KS_FMT_TEXT && n == 0)
		printf("no organisations with survey findings\n");
	free(v);
	ks_org_list_release(&l);
	ks_store_close(st);
	return 0;
}
