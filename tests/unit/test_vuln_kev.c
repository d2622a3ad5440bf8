/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the CISA KEV loader (vuln_kev.h) and the matcher
 * (vuln_match.h): the real catalogue snapshot in ../shared/data/kev/ (or
 * $KS_SHARED/data/kev/) loads with its 1404 entries and known facts; bad
 * catalogues fail naming the entry index; the starter file's CVEs listed
 * in KEV are marked; products and versions match the entries they
 * should. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_test.h"
#include "vuln_kev.h"
#include "vuln_match.h"

static const char *kev_path(char *buf, size_t n)
{
	const char *sh = getenv("KS_SHARED");
	snprintf(buf, n, "%s/data/kev/known_exploited_vulnerabilities.json", sh && *sh ? sh : "../shared");
	return buf;
}

KS_TEST(kev_real_catalogue)
{
	char p[512], err[512];
	struct ks_kev k;
	int r = ks_kev_load(kev_path(p, sizeof p), NULL, &k, err, sizeof err);
	if (r != 0)
		fprintf(stderr, "  %s\n", err);
	CHECK(r == 0);
	CHECK_EQ_U64(k.n, 1404);
	CHECK(strcmp(k.version, "2025.08.25") == 0);
	const struct ks_kev_entry *e = ks_kev_find(&k, "CVE-2021-36260");
	CHECK(e && strcmp(e->date_added, "2022-01-10") == 0 && !e->ransomware);
	CHECK(e && strcmp(e->vendor, "Hikvision") == 0);
	e = ks_kev_find(&k, "CVE-2022-27593");
	CHECK(e && strcmp(e->date_added, "2022-09-08") == 0 && e->ransomware);
	CHECK(e && strcmp(e->due_date, "2022-09-29") == 0);
	e = ks_kev_find(&k, "CVE-2018-10562");
	CHECK(e && e->ransomware && strcmp(e->product, "Gigabit Passive Optical Network (GPON) Routers") == 0);
	e = ks_kev_find(&k, "CVE-2025-48384"); /* the newest in this snapshot */
	CHECK(e && strcmp(e->date_added, "2025-08-25") == 0);
	CHECK(ks_kev_find(&k, "CVE-2017-7921") == NULL);
	CHECK(ks_kev_find(&k, "CVE-1999-0001") == NULL);
	CHECK(ks_kev_find(&k, "") == NULL);
	size_t ransom = 0;
	for (size_t i = 0; i < k.n; i++) {
		ransom += k.v[i].ransomware != 0;
		if (i > 0)
			CHECK(strcmp(k.v[i - 1].cve, k.v[i].cve) < 0);
	}
	CHECK_EQ_U64(ransom, 293);

	/* Marking the starter data: all but two of its CVEs are in KEV. */
	struct ks_vuln_db db;
	CHECK(ks_vuln_db_load("data/vulns/iot-starter.vulns", NULL, &db, err, sizeof err) == 0);
	size_t m = ks_kev_mark(&k, &db);
	CHECK_EQ_U64(m, db.n - 2);
	const struct ks_vuln *v = ks_vuln_db_find(&db, "CVE-2021-36260");
	CHECK(v && v->known_exploited && strcmp(v->kev_date_added, "2022-01-10") == 0);
	v = ks_vuln_db_find(&db, "CVE-2022-42475");
	CHECK(v && v->known_exploited && v->kev_ransomware);
	v = ks_vuln_db_find(&db, "CVE-2017-7921");
	CHECK(v && !v->known_exploited && v->kev_date_added[0] == '\0');
	v = ks_vuln_db_find(&db, "CVE-2017-9833");
	CHECK(v && !v->known_exploited);
	ks_vuln_db_release(&db);
	ks_kev_release(&k);
	CHECK(k.n == 0 && k.v == NULL);
}

static bool kev_fails(const char *json, int code, const char *want)
{
	struct ks_kev k;
	char err[512] = "";
	memset(&k, 0x5a, sizeof k);
	int r = ks_kev_parse(json, strlen(json), "kev.json", NULL, &k, err, sizeof err);
	bool ok = r == code && strcmp(err, want) == 0 && k.n == 0 && k.v == NULL;
	if (!ok)
		fprintf(stderr, "  r=%d err=\"%s\"\n  expected %d \"%s\"\n", r, err, code, want);
	if (r == 0)
		ks_kev_release(&k);
	return ok;
}

/* A JSON syntax error: message starts with want and ends with our text. */
static bool json_fails(const char *json, const char *want)
{
	struct ks_kev k;
	char err[512] = "";
	static const char tail[] = "; expected the KEV catalogue JSON";
	int r = ks_kev_parse(json, strlen(json), "kev.json", NULL, &k, err, sizeof err);
	size_t n = strlen(err);
	bool ok = r == KS_EINVAL && strncmp(err, want, strlen(want)) == 0 && n > sizeof tail &&
		  strcmp(err + n - (sizeof tail - 1), tail) == 0 && k.n == 0;
	if (!ok)
		fprintf(stderr, "  r=%d err=\"%s\"\n  expected \"%s...%s\"\n", r, err, want, tail);
	return ok;
}

#define E1 "{\"cveID\":\"CVE-2021-0001\",\"vendorProject\":\"V\",\"product\":\"P\",\"dateAdded\":\"2021-11-03\"}"

KS_TEST(kev_errors)
{
	CHECK(kev_fails("[1]", KS_EINVAL, "kev.json: top level is an array; expected an object with 'vulnerabilities'"));
	CHECK(kev_fails("{\"vulnerabilities\":{}}", KS_EINVAL,
			"kev.json: key 'vulnerabilities': an object; expected an array"));
	CHECK(kev_fails("{}", KS_EINVAL, "kev.json: key 'vulnerabilities': absent; expected an array"));
	/* jansson's own text varies between versions: check the position and our part. */
	CHECK(json_fails("{\"vulnerabilities\":[", "kev.json:1:20: "));
	CHECK(kev_fails("{\"count\":2,\"vulnerabilities\":[" E1 "]}", KS_EINVAL,
			"kev.json: key 'count': 2; expected the number of entries, 1"));
	CHECK(kev_fails("{\"count\":\"1\",\"vulnerabilities\":[" E1 "]}", KS_EINVAL,
			"kev.json: key 'count': a string; expected an integer"));
	CHECK(kev_fails("{\"vulnerabilities\":[" E1 ",7]}", KS_EINVAL,
			"kev.json: vulnerabilities[1]: an integer; expected an object"));
	CHECK(kev_fails("{\"vulnerabilities\":[" E1 ",{\"cveID\":\"CVE-2021-1\"}]}", KS_EINVAL,
			"kev.json: vulnerabilities[1]: key 'cveID': 'CVE-2021-1'; expected CVE-YYYY-NNNN (4 to 19 digits)"));
	CHECK(kev_fails("{\"vulnerabilities\":[{\"cveID\":\"CVE-2021-0002\"}]}", KS_EINVAL,
			"kev.json: vulnerabilities[0]: no key 'dateAdded'; expected it in every entry"));
	CHECK(kev_fails("{\"vulnerabilities\":[{\"cveID\":\"CVE-2021-0002\",\"dateAdded\":\"2021-02-29\"}]}",
			KS_EINVAL,
			"kev.json: vulnerabilities[0]: key 'dateAdded': '2021-02-29'; expected a date YYYY-MM-DD"));
	CHECK(kev_fails("{\"vulnerabilities\":[{\"cveID\":\"CVE-2021-0002\",\"dateAdded\":\"2021-01-01\","
			"\"dueDate\":\"soon\"}]}",
			KS_EINVAL, "kev.json: vulnerabilities[0]: key 'dueDate': 'soon'; expected a date YYYY-MM-DD"));
	CHECK(kev_fails("{\"vulnerabilities\":[{\"cveID\":\"CVE-2021-0002\",\"dateAdded\":\"2021-01-01\","
			"\"knownRansomwareCampaignUse\":true}]}",
			KS_EINVAL,
			"kev.json: vulnerabilities[0]: key 'knownRansomwareCampaignUse': a boolean; expected a string"));
	CHECK(kev_fails("{\"vulnerabilities\":[{\"cveID\":\"CVE-2021-0002\",\"dateAdded\":\"2021-01-01\","
			"\"product\":\"P\"}]}",
			KS_EINVAL, "kev.json: vulnerabilities[0]: no key 'vendorProject'; expected it in every entry"));
	CHECK(json_fails("{\"vulnerabilities\":[{\"cveID\":\"CVE-2021-0002\",\"dateAdded\":\"2021-01-01\","
			 "\"vendorProject\":\"\\u0000x\",\"product\":3}]}",
			 "kev.json:1:95: "));
	CHECK(kev_fails("{\"vulnerabilities\":[" E1 "," E1 "]}", KS_EINVAL,
			"kev.json: vulnerabilities[1]: CVE-2021-0001 listed again (first at vulnerabilities[0]); "
			"expected each CVE once"));

	/* Unknown keys are fine; so is a new ransomware value. */
	struct ks_kev k;
	char err[256];
	const char *ok = "{\"new\":1,\"catalogVersion\":\"x\",\"count\":1,\"vulnerabilities\":[{\"cveID\":"
			 "\"CVE-2021-0002\",\"dateAdded\":\"2024-02-29\",\"vendorProject\":\"V\",\"product\":\"P\","
			 "\"knownRansomwareCampaignUse\":\"Suspected\",\"cwes\":[],\"extra\":{}}]}";
	CHECK(ks_kev_parse(ok, strlen(ok), "kev.json", NULL, &k, err, sizeof err) == 0);
	CHECK(k.n == 1 && !k.v[0].ransomware && k.v[0].due_date[0] == '\0' && k.v[0].name[0] == '\0');
	ks_kev_release(&k);
	struct ks_kev_opts o = {10, 0};
	CHECK(ks_kev_parse(ok, strlen(ok), "kev.json", &o, &k, err, sizeof err) == KS_ELIMIT);
	o.max_bytes = 0;
	o.max_entries = 1;
	const char *two = "{\"vulnerabilities\":[" E1 "," E1 "]}";
	CHECK(ks_kev_parse(two, strlen(two), "kev.json", &o, &k, err, sizeof err) == KS_ELIMIT);
	CHECK(strcmp(err, "kev.json: 2 entries; expected at most 1") == 0);
}

/* Matches of product/version in the starter data, as a space-separated
 * list of CVE ids in match order. */
static const char *matches(const struct ks_vuln_db *db, const char *vendor, const char *product,
			   const char *version, char *buf, size_t n)
{
	struct ks_vuln_query q = {vendor, product, version, NULL};
	struct ks_vuln_hit hits[32];
	size_t nh = 0, off = 0;
	buf[0] = '\0';
	if (ks_vuln_match(db, &q, hits, 32, &nh) != 0)
		return "error";
	for (size_t i = 0; i < nh && i < 32; i++)
		off += (size_t)snprintf(buf + off, n - off, "%s%s", i ? " " : "", hits[i].v->cve);
	return buf;
}

#define MATCHES(vendor, product, version, want)                                            \
	do {                                                                               \
		char b_[512];                                                              \
		const char *got_ = matches(&db, vendor, product, version, b_, sizeof b_); \
		if (strcmp(got_, want) != 0) {                                             \
			fprintf(stderr, "  %s:%s %s: '%s', expected '%s'\n", vendor, product, \
				version ? version : "(none)", got_, want);                 \
			ks_test_failures++;                                                \
		}                                                                          \
	} while (0)

KS_TEST(vuln_match_starter)
{
	char p[512], err[512];
	struct ks_vuln_db db;
	struct ks_kev k;
	CHECK(ks_vuln_db_load("data/vulns/iot-starter.vulns", NULL, &db, err, sizeof err) == 0);
	CHECK(ks_kev_load(kev_path(p, sizeof p), NULL, &k, err, sizeof err) == 0);
	ks_kev_mark(&k, &db);
	ks_kev_release(&k);

	MATCHES("Fortinet", "FortiOS", "6.0.4", "CVE-2018-13379 CVE-2022-42475");
	MATCHES("fortinet", "fortios", "6.0.5", "CVE-2022-42475");
	MATCHES("fortinet", "fortios", "6.0.16", "");
	MATCHES("fortinet", "fortios", "7.2.3", "");
	MATCHES("fortinet", "fortios", "v7.2.2", "CVE-2022-42475");
	MATCHES("fortinet", "fortios", NULL, ""); /* unknown version: ranged entries do not match */
	MATCHES("fortinet", "fortigate", "6.0.4", "");
	MATCHES("DrayTek", "Vigor2960", "1.4.4_Beta", "CVE-2020-8515");
	MATCHES("draytek", "vigor2960_firmware", "1.5.0", "CVE-2020-8515");
	MATCHES("draytek", "vigor2960", "1.5.1", "");
	MATCHES("draytek", "vigor2925", "1.4.4", "");
	/* Known-exploited first, then CVSS: 7921 (10.0, not in KEV) after 36260. */
	MATCHES("Hikvision", "DS-2CD2032-I", "V5.3.0 build 150513", "CVE-2021-36260 CVE-2017-7921");
	MATCHES("hikvision", "ds-2cd2032-i", "V5.4.0 build 160531", "CVE-2021-36260");
	MATCHES("hikvision", "ds-2cd2032-i", NULL, "CVE-2021-36260");
	MATCHES("Zyxel", "USG FLEX 100W firmware", "V5.21(ABUJ.1)", "CVE-2022-30525 CVE-2023-28771");
	MATCHES("zyxel", "usg_flex_100w", "5.30", "CVE-2023-28771");
	MATCHES("zyxel", "usg_flex_50", "5.00", "CVE-2023-28771");
	MATCHES("zyxel", "atp200", "4.50", "");
	MATCHES("zyxel", "atp200_firmware", "5.35", "CVE-2023-28771");
	MATCHES("Pulse Secure", "Pulse Connect Secure", "9.0R3.3", "");	 /* NVD vendor is pulsesecure */
	MATCHES("pulsesecure", "Pulse Connect Secure", "9.0R3.3", "CVE-2019-11510");
	MATCHES("pulsesecure", "pulse_connect_secure", "9.0R3.4", "");
	MATCHES("pulsesecure", "pulse_connect_secure", "8.2R11", "CVE-2019-11510");
	MATCHES("QNAP", "Photo Station", "6.0.21", "CVE-2022-27593");
	MATCHES("qnap", "photo_station", "6.0.22", "");
	MATCHES("qnap", "photo_station", "5.7.17", "CVE-2022-27593");
	MATCHES("qnap", "photo_station", "5.2.14", "");
	MATCHES("Boa", "Boa", "0.94.14rc21", "CVE-2017-9833");
	MATCHES("boa", "boa", "0.94.13", "");
	MATCHES("realtek", "realtek_jungle_sdk", "3.4.14B", "CVE-2021-35395");
	MATCHES("realtek", "realtek_jungle_sdk", "3.4.14C", "");
	MATCHES("dasannetworks", "gpon_router_firmware", NULL, "CVE-2018-10561 CVE-2018-10562");
	MATCHES("dahua", "ipc-hdw1230s", "2.800.0000000.16.R", "CVE-2021-33044");

	/* A CPE query: the entry's own product and a version in range. */
	struct ks_cpe c;
	size_t col;
	const char *why;
	const char *name = "cpe:2.3:o:fortinet:fortios:6.2.11:*:*:*:*:*:*:*";
	CHECK(ks_cpe_parse(name, strlen(name), &c, &col, &why) == 0);
	struct ks_vuln_query q = {NULL, NULL, NULL, &c};
	struct ks_vuln_hit hits[4];
	size_t nh;
	CHECK(ks_vuln_match(&db, &q, hits, 4, &nh) == 0 && nh == 1 &&
	      strcmp(hits[0].v->cve, "CVE-2022-42475") == 0 && hits[0].v->known_exploited);
	/* The CPE entry of CVE-2018-10561 names part o: a hardware query misses it,
	 * but the vendor:product line (part ANY) still matches. */
	name = "cpe:2.3:h:dasannetworks:gpon_router_firmware:-:*:*:*:*:*:*:*";
	CHECK(ks_cpe_parse(name, strlen(name), &c, &col, &why) == 0);
	CHECK(ks_vuln_match(&db, &q, hits, 4, &nh) == 0 && nh == 2);
	CHECK(hits[0].aff->line > 0 && strncmp(hits[0].aff->text, "dasannetworks:", 14) == 0);
	/* max smaller than the matches: the count is still complete. */
	CHECK(ks_vuln_match(&db, &q, hits, 1, &nh) == 0 && nh == 2);
	/* Unusable query. */
	struct ks_vuln_query bad = {"x", "", "1", NULL};
	CHECK(ks_vuln_match(&db, &bad, hits, 4, &nh) == KS_EINVAL && nh == 0);
	ks_vuln_db_release(&db);
}
