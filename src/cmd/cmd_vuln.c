/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku survey vulns: inspects vulnerability data (docs/vulns.md) and
 * the CISA KEV catalogue, and shows which entries a product and version
 * match: what the survey's known_vulnerability check will report. */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "vuln_db.h"
#include "vuln_kev.h"
#include "vuln_match.h"

static json_t *hit_json(const struct ks_vuln *v, const struct ks_vuln_affects *a)
{
	json_t *src = json_array();
	for (unsigned i = 0; i < v->nsource; i++)
		json_array_append_new(src, json_string(v->source[i]));
	json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:s, s:b}", "type",
			      ks_finding_name(KS_FIND_KNOWN_VULNERABILITY), "cve", v->cve, "severity",
			      ks_sev_name(v->sev), "cvss", v->cvss, "cvss_vector", v->vector,
			      "known_exploited", v->known_exploited);
	json_object_set_new(o, "kev_date_added",
			    v->known_exploited ? json_string(v->kev_date_added) : json_null());
	json_object_set_new(o, "ransomware", json_boolean(v->kev_ransomware));
	json_object_set_new(o, "title", json_string(v->title));
	json_object_set_new(o, "remediation", json_string(v->fix));
	json_object_set_new(o, "affects", json_string(a ? a->text : ""));
	json_object_set_new(o, "line", json_integer(a ? a->line : v->line));
	json_object_set_new(o, "sources", src);
	return o;
}

static void hit_row(const struct ks_vuln *v, const struct ks_vuln_affects *a, json_t *arr)
{
	char cvss[8], line[16];
	snprintf(cvss, sizeof cvss, "%.1f", v->cvss);
	snprintf(line, sizeof line, "%u", a ? a->line : v->line);
	if (ks_g.format == KS_FMT_JSON) {
		json_array_append_new(arr, hit_json(v, a));
	} else if (ks_g.format == KS_FMT_CSV) {
		const char *row[] = {v->cve, ks_sev_name(v->sev), cvss, v->known_exploited ? "yes" : "no",
				     v->kev_date_added, v->kev_ransomware ? "yes" : "no", v->title, v->fix,
				     a ? a->text : "", line, v->nsource ? v->source[0] : ""};
		ks_csv_row(stdout, row, sizeof row / sizeof row[0]);
	} else {
		printf("%-16s %-8s %4s %-3s %-10s %s\n", v->cve, ks_sev_name(v->sev), cvss,
		       v->known_exploited ? "KEV" : "-", v->known_exploited ? v->kev_date_added : "-",
		       v->title);
		if (a)
			printf("%16s affects %s (line %u)\n%16s fix: %s\n", "", a->text, a->line, "", v->fix);
	}
}

int cmd_survey_vulns(int argc, char **argv)
{
	const char *db_path = NULL, *kev_path = NULL, *product = NULL, *version = NULL, *cpe = NULL;
	const struct ks_opt opts[] = {
		{"vulns", KS_OPT_STR, &db_path, "FILE", "vulnerability data file (required; e.g. data/vulns/iot-starter.vulns)", 0, 0},
		{"kev", KS_OPT_STR, &kev_path, "FILE", "CISA KEV catalogue JSON; listed CVEs are marked known_exploited", 0, 0},
		{"product", KS_OPT_STR, &product, "VENDOR:PRODUCT", "product seen by the survey (case-insensitive, spaces as _)", 0, 0},
		{"version", KS_OPT_STR, &version, "V", "its version (unknown: only entries for every version match)", 0, 0},
		{"cpe", KS_OPT_STR, &cpe, "CPE", "match a CPE name (cpe:2.3:... or cpe:/...) instead of --product/--version", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey vulns --vulns FILE [--kev FILE] [--product VENDOR:PRODUCT [--version V] | --cpe CPE]",
		"Checks vulnerability data and shows the entries a product and version match.",
		"Without --product or --cpe, lists every entry. Matches are ordered known-exploited first,\n"
		"then by CVSS. The data file format, version order and matching rules are in docs/vulns.md.\n"
		"(The data file option is --vulns, not --db: --db always names the store.)\n"
		"exit status: 0 (also when nothing matches), 1 a file cannot be read, 2 bad command line,\n"
		"3 bad data file (named with its line and column, or KEV entry index).",
		0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	if (db_path == NULL) {
		ks_err("survey vulns: --vulns FILE is required");
		return KS_EXIT_USAGE;
	}
	if (cpe && (product || version)) {
		ks_err("survey vulns: --cpe and --product/--version exclude each other");
		return KS_EXIT_USAGE;
	}
	if (version && !product) {
		ks_err("survey vulns: --version needs --product");
		return KS_EXIT_USAGE;
	}
	struct ks_vuln_query q = {0};
	struct ks_cpe qcpe;
	char vendor[KS_CPE_VAL_MAX + 1];
	if (product) {
		const char *c = strchr(product, ':');
		if (c == NULL || c == product || c[1] == '\0' || (size_t)(c - product) > KS_CPE_VAL_MAX ||
		    strlen(c + 1) > KS_CPE_VAL_MAX) {
			ks_err("--product '%s': expected VENDOR:PRODUCT, e.g. draytek:vigor2960", product);
			return KS_EXIT_USAGE;
		}
		memcpy(vendor, product, (size_t)(c - product));
		vendor[c - product] = '\0';
		q.vendor = vendor;
		q.product = c + 1;
		q.version = version;
		if (version && ks_ver_check(version, strlen(version), NULL) != 0) {
			const char *why;
			ks_ver_check(version, strlen(version), &why);
			ks_err("--version '%s': %s", version, why);
			return KS_EXIT_USAGE;
		}
	}
	if (cpe) {
		size_t col;
		const char *why;
		if (ks_cpe_parse_any(cpe, strlen(cpe), &qcpe, &col, &why) != 0) {
			ks_err("--cpe '%s': column %zu: %s", cpe, col + 1, why);
			return KS_EXIT_USAGE;
		}
		q.cpe = &qcpe;
	}

	char err[1024];
	struct ks_vuln_db db;
	r = ks_vuln_db_load(db_path, NULL, &db, err, sizeof err);
	if (r != 0) {
		ks_err("%s", err);
		return r == KS_EIO ? KS_EXIT_FAIL : KS_EXIT_DATA;
	}
	if (kev_path) {
		struct ks_kev kev;
		r = ks_kev_load(kev_path, NULL, &kev, err, sizeof err);
		if (r != 0) {
			ks_err("%s", err);
			ks_vuln_db_release(&db);
			return r == KS_EIO ? KS_EXIT_FAIL : KS_EXIT_DATA;
		}
		size_t m = ks_kev_mark(&kev, &db);
		ks_debug("%s: catalogue %s, %zu entries; %zu of %zu CVEs known exploited", kev_path,
			 kev.version, kev.n, m, db.n);
		ks_kev_release(&kev);
	}

	json_t *arr = json_array();
	if (ks_g.format == KS_FMT_CSV) {
		const char *hdr[] = {"cve", "severity", "cvss", "known_exploited", "kev_date_added",
				     "ransomware", "title", "remediation", "affects", "line", "source"};
		ks_csv_row(stdout, hdr, sizeof hdr / sizeof hdr[0]);
	} else if (ks_g.format == KS_FMT_TEXT) {
		printf("%-16s %-8s %4s %-3s %-10s %s\n", "cve", "severity", "cvss", "kev", "added", "title");
	}
	r = 0;
	if (product || cpe) {
		struct ks_vuln_hit *hits = ks_xcalloc(db.n, sizeof *hits);
		size_t n;
		if (ks_vuln_match(&db, &q, hits, db.n, &n) != 0) {
			ks_err("survey vulns: the product or version is too long to match");
			r = KS_EXIT_USAGE;
		}
		for (size_t i = 0; r == 0 && i < n; i++)
			hit_row(hits[i].v, hits[i].aff, arr);
		free(hits);
	} else {
		for (size_t i = 0; i < db.n; i++)
			hit_row(&db.v[i], NULL, arr);
	}
	if (ks_g.format == KS_FMT_JSON && r == 0)
		ks_cmd_json(arr);
	else
		json_decref(arr);
	ks_vuln_db_release(&db);
	return r;
}
