/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku alerts: infected hosts per organisation, on screen or as one CSV
 * file per organisation (columns in docs/formats.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alerts.h"
#include "cmd.h"
#include "darknet_report.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_log.h"
#include "ks_opt.h"

/* Alerts rendered per organisation, kept until all sources were seen so
 * that output is grouped by organisation. */
struct per_org {
	char **rows;
	size_t n, cap;
};

struct collect {
	const struct ks_org_list *l;
	struct per_org *by_org;
	uint32_t threshold;
	enum ks_format fmt;
	size_t total;
};

static int on_alert(void *ctx, size_t org, const struct ks_dn_source *s)
{
	struct collect *c = ctx;
	const struct ks_org *o = &c->l->v[org];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -1;
	if (c->fmt == KS_FMT_JSON) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "org", o->id, "org_name", o->name, "contact", o->contact);
		json_t *src = ks_dn_source_json(s, c->threshold);
		json_object_update(j, src); /* copies references: src is still ours */
		json_decref(src);
		json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		json_decref(j);
	} else if (c->fmt == KS_FMT_CSV) {
		const char *extra[] = {o->id, o->name};
		ks_dn_source_csv_row(f, s, c->threshold, extra, 2);
	} else {
		ks_dn_source_text_row(f, s, c->threshold);
	}
	fclose(f);
	struct per_org *p = &c->by_org[org];
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->rows = ks_xreallocarray(p->rows, p->cap, sizeof *p->rows);
	}
	p->rows[p->n++] = buf;
	c->total++;
	return 0;
}

static const char *const extra_cols[] = {"org", "org_name"};

/* Organisation ids are [A-Za-z0-9._-] (org.h), so they are safe file names
 * except "." and "..", which the parser refuses too; checked again here. */
static int write_dir(const char *dir, const struct collect *c)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		ks_err("--write %s: %s", dir, strerror(errno));
		return KS_EXIT_FAIL;
	}
	size_t files = 0;
	for (size_t i = 0; i < c->l->n; i++) {
		const struct per_org *p = &c->by_org[i];
		const char *id = c->l->v[i].id;
		if (!p->n)
			continue;
		if (strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(id) ||
		    id[0] == '.') {
			ks_err("organisation id '%s' is not usable as a file name; skipped", id);
			continue;
		}
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.csv", dir, id);
		FILE *f = fopen(path, "w");
		if (!f) {
			ks_err("%s: %s", path, strerror(errno));
			return KS_EXIT_FAIL;
		}
		ks_dn_source_csv_header(f, extra_cols, 2);
		for (size_t k = 0; k < p->n; k++)
			fputs(p->rows[k], f);
		if (fclose(f) != 0) {
			ks_err("%s: %s", path, strerror(errno));
			return KS_EXIT_FAIL;
		}
		files++;
		ks_info("%s: %zu alerts for %s (%s)", path, p->n, c->l->v[i].name, c->l->v[i].contact);
	}
	ks_info("%zu alerts for %zu organisations written to %s", c->total, files, dir);
	return 0;
}

int cmd_alerts(int argc, char **argv)
{
	const char *org = NULL, *since = NULL, *until = NULL, *dir = NULL;
	uint32_t threshold = 0;
	const struct ks_opt opts[] = {
		{"org", KS_OPT_STR, &org, "ID", "only this organisation", 0, 0},
		{"since", KS_OPT_STR, &since, "TIME", "only activity from this time on (hour granularity)", 0, 0},
		{"until", KS_OPT_STR, &until, "TIME", "only activity before this time", 0, 0},
		{"scan-threshold", KS_OPT_U32, &threshold, "N", "scanner threshold (default: latest ingest's)", 1, 1u << 31},
		{"write", KS_OPT_STR, &dir, "DIR", "write one CSV per organisation with alerts into DIR", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku alerts [--org ID] [--since TIME] [--format text|json|csv] [--write DIR]",
		"For every organisation, the hosts inside its prefixes that the darknet saw scanning (at\n"
		"least --scan-threshold darknet addresses) or carrying a bot tag (mirai), with first/last\n"
		"seen, packets, ports, tags and class counts. An address belongs to the organisation with\n"
		"the most specific prefix covering it.",
		"example:\n  kansoku alerts --since 7d --write outbox/", 0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	struct ks_span sp;
	if (ks_cmd_span(since, until, &sp) != 0)
		return KS_EXIT_USAGE;
	struct ks_store *st;
	struct ks_org_list l;
	if ((r = ks_cmd_store_orgs(&st, &l)) != 0)
		return r;
	if (org) {
		size_t i;
		for (i = 0; i < l.n && strcmp(l.v[i].id, org) != 0; i++)
			;
		if (i == l.n) {
			ks_err("--org %s: no such organisation (see 'kansoku org list')", org);
			ks_org_list_release(&l);
			ks_store_close(st);
			return KS_EXIT_USAGE;
		}
	}
	if (l.n == 0)
		ks_warn("no organisations in %s: load them with 'kansoku org import FILE.csv'", ks_g.db);
	struct collect c = {&l, ks_xcalloc(l.n + 1, sizeof *c.by_org), ks_cmd_threshold(st, &sp, threshold),
			    dir ? KS_FMT_CSV : ks_g.format, 0};
	r = ks_alerts_each(st, &l, &sp, c.threshold, org, on_alert, &c);
	if (r != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
	} else if (dir) {
		r = write_dir(dir, &c);
	} else {
		if (c.fmt == KS_FMT_CSV)
			ks_dn_source_csv_header(stdout, extra_cols, 2);
		if (c.fmt == KS_FMT_JSON)
			fputs("[", stdout);
		size_t k = 0;
		for (size_t i = 0; i < l.n; i++) {
			const struct per_org *p = &c.by_org[i];
			if (c.fmt == KS_FMT_TEXT && p->n) {
				printf("%s%s — %s (%s, %s): %zu infected hosts\n", k ? "\n" : "", l.v[i].id,
				       l.v[i].name, l.v[i].kind, l.v[i].contact, p->n);
				ks_dn_source_text_header(stdout);
			}
			for (size_t j = 0; j < p->n; j++, k++) {
				if (c.fmt == KS_FMT_JSON)
					fputs(k ? ",\n" : "\n", stdout);
				fputs(p->rows[j], stdout);
			}
		}
		if (c.fmt == KS_FMT_JSON)
			fputs(k ? "\n]\n" : "]\n", stdout);
		if (c.fmt == KS_FMT_TEXT && k == 0)
			printf("no alerts\n");
	}
	for (size_t i = 0; i < l.n; i++) {
		for (size_t j = 0; j < c.by_org[i].n; j++)
			free(c.by_org[i].rows[j]);
		free(c.by_org[i].rows);
	}
	free(c.by_org);
	ks_org_list_release(&l);
	ks_store_close(st);
	return r;
}
