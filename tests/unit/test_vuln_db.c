/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for vulnerability data files (vuln_db.h): a good file in its
 * various spellings, every kind of bad line with its exact
 * file:line:column message, caps, all-or-nothing, CVSS v3 vectors scored
 * against NVD's figures, and the shipped starter file
 * data/vulns/iot-starter.vulns (the runner's working directory is the
 * repository root). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_test.h"
#include "vuln_db.h"

#define FULL "cvss 9.8\ntitle t\nfix f\n"

static bool fails_with(const char *data, size_t len, int code, const char *want)
{
	struct ks_vuln_db db;
	char err[512] = "";
	memset(&db, 0x5a, sizeof db);
	int r = ks_vuln_db_parse(data, len, "v.vulns", NULL, &db, err, sizeof err);
	bool ok = r == code && strcmp(err, want) == 0 && db.n == 0 && db.v == NULL;
	if (!ok)
		fprintf(stderr, "  r=%d err=\"%s\"\n  expected %d \"%s\"\n", r, err, code, want);
	if (r == 0)
		ks_vuln_db_release(&db);
	return ok;
}
#define FAILS(s, want) CHECK(fails_with((s), sizeof(s) - 1, KS_EINVAL, (want)))

KS_TEST(vulndb_good)
{
	static const char in[] =
		"\xef\xbb\xbf# starter\r\n"
		"\r\n"
		"cve CVE-2020-8515\r\n"
		"  affects\tdraytek:vigor2960*   <1.5.1  \r\n"
		"affects cpe:2.3:o:draytek:vigor3900_firmware:1.4.4_beta:*:*:*:*:*:*:*\n"
		"cvss   9.8 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n"
		"title DrayTek Vigor 命令注入 # not a comment\n"
		"fix Update to 1.5.1.\n"
		"source https://nvd.nist.gov/vuln/detail/CVE-2020-8515\n"
		"source https://www.draytek.com/\n"
		"   # indented comment\n"
		"cve CVE-2017-9833\n"
		"affects boa:boa =0.94.14rc21\n"
		"cvss 7.5\n"
		"title Boa\n"
		"fix Replace it.";
	struct ks_vuln_db db;
	char err[256] = "untouched";
	int r = ks_vuln_db_parse(in, sizeof in - 1, "v.vulns", NULL, &db, err, sizeof err);
	CHECK(r == 0);
	CHECK(err[0] == '\0');
	CHECK_EQ_U64(db.n, 2);
	if (r != 0 || db.n != 2)
		return;
	const struct ks_vuln *v = &db.v[0];
	CHECK(strcmp(v->cve, "CVE-2020-8515") == 0);
	CHECK_EQ_U64(v->line, 3);
	CHECK_EQ_U64(v->naff, 2);
	CHECK(strcmp(v->aff[0].text, "draytek:vigor2960*   <1.5.1") == 0);
	CHECK_EQ_U64(v->aff[0].line, 4);
	CHECK(v->aff[0].cpe.a[KS_CPE_PART].kind == KS_CPE_ANY);
	CHECK(v->aff[0].cpe.a[KS_CPE_PRODUCT].trail_star);
	CHECK(v->aff[0].range.n == 1 && v->aff[0].range.cmp[0].op == KS_RANGE_LT);
	CHECK(strcmp(v->aff[1].cpe.a[KS_CPE_VERSION].v, "1.4.4_beta") == 0);
	CHECK(v->aff[1].range.n == 0);
	CHECK(v->cvss == 9.8 && v->sev == KS_SEV_CRITICAL);
	CHECK(strcmp(v->vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == 0);
	CHECK(strcmp(v->title, "DrayTek Vigor 命令注入 # not a comment") == 0);
	CHECK(strcmp(v->fix, "Update to 1.5.1.") == 0);
	CHECK(v->nsource == 2 && strcmp(v->source[1], "https://www.draytek.com/") == 0);
	CHECK(v->known_exploited == 0);
	CHECK(db.v[1].sev == KS_SEV_HIGH && db.v[1].vector[0] == '\0');
	CHECK(ks_vuln_db_find(&db, "CVE-2017-9833") == &db.v[1]);
	CHECK(ks_vuln_db_find(&db, "CVE-2017-9834") == NULL);
	ks_vuln_db_release(&db);
	CHECK(db.n == 0 && db.v == NULL);
}

KS_TEST(vulndb_errors)
{
	FAILS("", "v.vulns: no entries; expected at least one 'cve' stanza");
	FAILS("# only\n\n", "v.vulns: no entries; expected at least one 'cve' stanza");
	FAILS("affects a:b\n", "v.vulns:1:1: 'affects' before any 'cve' line; expected an entry to "
			       "start with cve CVE-YYYY-NNNN");
	FAILS("cve CVE-21-1\n", "v.vulns:1:5: bad CVE id 'CVE-21-1'; expected CVE-YYYY-NNNN (4 to 19 digits)");
	FAILS("cve cve-2021-1234\n",
	      "v.vulns:1:5: bad CVE id 'cve-2021-1234'; expected CVE-YYYY-NNNN (4 to 19 digits)");
	FAILS("cve CVE-2021-123\n",
	      "v.vulns:1:5: bad CVE id 'CVE-2021-123'; expected CVE-YYYY-NNNN (4 to 19 digits)");
	FAILS("cve CVE-2021-1234\naffects a:b\ncvss 9.8\ntitle t\n",
	      "v.vulns:1:1: entry CVE-2021-1234 has no 'fix' line; expected cve, affects, cvss, title "
	      "and fix in every entry");
	FAILS("cve CVE-2021-1234\n" FULL "cve CVE-2021-1235\n",
	      "v.vulns:1:1: entry CVE-2021-1234 has no 'affects' line; expected cve, affects, cvss, "
	      "title and fix in every entry");
	FAILS("cve CVE-2021-1234\nversion 1\n",
	      "v.vulns:2:1: unknown key 'version'; expected cve, affects, cvss, title, fix or source");
	FAILS("cve CVE-2021-1234\n  Title x\n",
	      "v.vulns:2:3: bad line 'Title x'; expected 'key value' with key cve, affects, cvss, "
	      "title, fix or source");
	FAILS("cve CVE-2021-1234\ntitle\n", "v.vulns:2:6: key 'title' without a value");
	FAILS("cve CVE-2021-1234\naffects a:b\ntitle x\ntitle y\n",
	      "v.vulns:4:1: second 'title' line in entry CVE-2021-1234; expected one");
	FAILS("cve CVE-2021-1234\ncvss 9.8\ncvss 9.8\n",
	      "v.vulns:3:6: second 'cvss' line in entry CVE-2021-1234; expected one");
	FAILS("cve CVE-2021-1234\ncvss 98\n",
	      "v.vulns:2:6: bad CVSS score '98'; expected 0.0 to 10.0 with one decimal");
	FAILS("cve CVE-2021-1234\ncvss 10.1\n",
	      "v.vulns:2:6: bad CVSS score '10.1'; expected 0.0 to 10.0 with one decimal");
	FAILS("cve CVE-2021-1234\ncvss 9.85\n",
	      "v.vulns:2:6: bad CVSS score '9.85'; expected 0.0 to 10.0 with one decimal");
	FAILS("cve CVE-2021-1234\ncvss 9.8 CVSS:2.0/AV:N\n",
	      "v.vulns:2:10: bad CVSS vector 'CVSS:2.0/AV:N': not a CVSS v3 vector; expected "
	      "CVSS:3.1/AV:.../A:. or CVSS:3.0/...");
	FAILS("cve CVE-2021-1234\ncvss 9.8 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:X\n",
	      "v.vulns:2:10: bad CVSS vector 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:X': bad vector "
	      "metric value; expected the letters CVSS v3 defines");
	FAILS("cve CVE-2021-1234\ncvss 9.8 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H\n",
	      "v.vulns:2:10: bad CVSS vector 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H': vector metric "
	      "missing; expected AV, AC, PR, UI, S, C, I, A in that order");
	FAILS("cve CVE-2021-1234\ncvss 9.8 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P\n",
	      "v.vulns:2:10: bad CVSS vector 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P': text "
	      "after the base metrics; expected only the eight base metrics");
	FAILS("cve CVE-2021-1234\ncvss 9.1 CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n",
	      "v.vulns:2:10: CVSS vector scores 9.8; expected it to give the stated score 9.1");
	FAILS("cve CVE-2021-1234\naffects draytek\n",
	      "v.vulns:2:9: bad product 'draytek'; expected VENDOR:PRODUCT or a cpe:2.3: name");
	FAILS("cve CVE-2021-1234\naffects a:b:c\n",
	      "v.vulns:2:9: bad product 'a:b:c'; expected VENDOR:PRODUCT or a cpe:2.3: name");
	FAILS("cve CVE-2021-1234\naffects dray*tek:vigor\n",
	      "v.vulns:2:13: bad product 'dray*tek:vigor': wildcard inside a value; expected * or ? "
	      "only at the start or end (quote it as \\* or \\?)");
	FAILS("cve CVE-2021-1234\naffects cpe:2.3:a:b:c:*:*:*:*:*:*:*\n",
	      "v.vulns:2:36: bad CPE name 'cpe:2.3:a:b:c:*:*:*:*:*:*:*': fewer than 13 components; "
	      "expected 11 attributes after cpe:2.3:");
	FAILS("cve CVE-2021-1234\naffects a:b <1.0 ||\n",
	      "v.vulns:2:20: bad version range '<1.0 ||': range ends with '||'; expected a comparison");
	FAILS("cve CVE-2021-1234\naffects a:b <1.0/2\n",
	      "v.vulns:2:14: bad version range '<1.0/2': bad character in version; expected letters, "
	      "digits and . - _ + ~ ( )");
	FAILS("cve CVE-2021-1234\naffects cpe:2.3:a:b:c:1.0:*:*:*:*:*:*:* <2.0\n",
	      "v.vulns:2:41: a version range after a CPE name with a version; expected one or the other");
	FAILS("cve CVE-2021-1234\nsource a\nsource b\nsource c\nsource d\nsource e\n",
	      "v.vulns:6:1: more than 4 'source' lines in entry CVE-2021-1234");
	FAILS("cve CVE-2021-1234\naffects a:b\n" FULL "cve CVE-2021-1235\naffects a:b\n" FULL
	      "cve CVE-2021-1234\naffects a:c\n" FULL,
	      "v.vulns:11:1: duplicate entry CVE-2021-1234 (first at line 1); expected one entry per CVE");
	/* Bytes a text editor would not show. */
	FAILS("cve CVE-2021-1234\ntitle a\x01z\n",
	      "v.vulns:2:8: control character 0x01; expected text (tabs and spaces only)");
	FAILS("cve CVE-2021-1234\ntitle a\xff\n",
	      "v.vulns:2:8: invalid UTF-8 (byte 0xff) or a C1 control; expected UTF-8 text");
	FAILS("cve CVE-2021-1234\ntitle \xc2\x85\n",
	      "v.vulns:2:7: invalid UTF-8 (byte 0xc2) or a C1 control; expected UTF-8 text");
	FAILS("cve CVE-2021-1234\ntitle \xc0\xaf\n",
	      "v.vulns:2:7: invalid UTF-8 (byte 0xc0) or a C1 control; expected UTF-8 text");
	FAILS("cve CVE-2021-1234\ntitle a\0b\n", "v.vulns:2:8: NUL byte; expected text");
	FAILS("cve CVE-2021-1234\rtitle x\n", "v.vulns:1:18: control character 0x0d; expected text "
					       "(tabs and spaces only)");
}

KS_TEST(vulndb_caps)
{
	/* A long line, too many affects, entries and bytes. */
	char *big = malloc(KS_VULN_LINE_MAX + 64);
	int k = snprintf(big, 64, "cve CVE-2021-1234\ntitle ");
	memset(big + k, 'x', KS_VULN_LINE_MAX);
	CHECK(fails_with(big, (size_t)k + KS_VULN_LINE_MAX, KS_ELIMIT,
			 "v.vulns:2:4097: line longer than 4096 bytes"));
	free(big);

	char aff[2048] = "cve CVE-2021-1234\n";
	size_t off = strlen(aff);
	for (int i = 0; i < 17; i++)
		off += (size_t)snprintf(aff + off, sizeof aff - off, "affects a:b\n");
	CHECK(fails_with(aff, strlen(aff), KS_ELIMIT,
			 "v.vulns:18:9: more than 16 'affects' lines in entry CVE-2021-1234"));

	static const char two[] = "cve CVE-2021-1234\naffects a:b\n" FULL
				  "cve CVE-2021-1235\naffects a:b\n" FULL;
	struct ks_vuln_db db;
	char err[256];
	struct ks_vuln_db_opts o = {0, 1};
	CHECK(ks_vuln_db_parse(two, sizeof two - 1, "v.vulns", &o, &db, err, sizeof err) == KS_ELIMIT);
	CHECK(strcmp(err, "v.vulns:6:5: more than 1 entries; expected at most that many") == 0);
	CHECK(db.n == 0 && db.v == NULL);
	o.max_entries = 0;
	o.max_bytes = 10;
	CHECK(ks_vuln_db_parse(two, sizeof two - 1, "v.vulns", &o, &db, err, sizeof err) == KS_ELIMIT);
	CHECK(strcmp(err, "v.vulns: 106 bytes; expected at most 10") == 0);
	o.max_bytes = 0;
	CHECK(ks_vuln_db_parse(two, sizeof two - 1, "v.vulns", &o, &db, err, sizeof err) == 0);
	CHECK_EQ_U64(db.n, 2);
	ks_vuln_db_release(&db);
	CHECK(ks_vuln_db_load("/nonexistent/x.vulns", NULL, &db, err, sizeof err) == KS_EIO);
	CHECK(strcmp(err, "/nonexistent/x.vulns: No such file or directory") == 0);
}

KS_TEST(vulndb_cvss_scores)
{
	/* Vectors and NVD's base scores. */
	static const struct {
		const char *vec;
		double score;
	} t[] = {
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H", 9.1},
		{"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5},
		{"CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 9.1},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:N", 8.2},
		{"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8},
		{"CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},
		{"CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6},
		{"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N", 3.7},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0},
		{"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		double s = -1;
		const char *why;
		CHECK(ks_cvss3_score(t[i].vec, strlen(t[i].vec), &s, &why) == 0);
		if ((long)(s * 10 + 0.5) != (long)(t[i].score * 10 + 0.5)) {
			fprintf(stderr, "  %s: %.1f, expected %.1f\n", t[i].vec, s, t[i].score);
			ks_test_failures++;
		}
	}
	CHECK(ks_sev_from_cvss(9.0) == KS_SEV_CRITICAL);
	CHECK(ks_sev_from_cvss(8.9) == KS_SEV_HIGH);
	CHECK(ks_sev_from_cvss(7.0) == KS_SEV_HIGH);
	CHECK(ks_sev_from_cvss(6.9) == KS_SEV_MEDIUM);
	CHECK(ks_sev_from_cvss(4.0) == KS_SEV_MEDIUM);
	CHECK(ks_sev_from_cvss(3.9) == KS_SEV_LOW);
	CHECK(ks_sev_from_cvss(0.1) == KS_SEV_LOW);
	CHECK(ks_sev_from_cvss(0.0) == KS_SEV_INFO);
	CHECK(ks_sev_from_cvss(11) == KS_SEV_INFO);
	CHECK(strcmp(ks_sev_name(KS_SEV_CRITICAL), "critical") == 0);
	CHECK(strcmp(ks_finding_name(KS_FIND_KNOWN_VULNERABILITY), "known_vulnerability") == 0);
	enum ks_finding_type ft;
	enum ks_sev sv;
	CHECK(ks_finding_parse("deprecated_crypto", &ft) == 0 && ft == KS_FIND_DEPRECATED_CRYPTO);
	CHECK(ks_finding_parse("nope", &ft) == KS_EINVAL);
	CHECK(ks_sev_parse("info", &sv) == 0 && sv == KS_SEV_INFO);
	for (int i = 0; i < KS_FIND_COUNT; i++) {
		CHECK(ks_finding_parse(ks_finding_name((enum ks_finding_type)i), &ft) == 0 && (int)ft == i);
	}
}

KS_TEST(vulndb_starter_file)
{
	struct ks_vuln_db db;
	char err[512];
	int r = ks_vuln_db_load("data/vulns/iot-starter.vulns", NULL, &db, err, sizeof err);
	if (r != 0)
		fprintf(stderr, "  %s\n", err);
	CHECK(r == 0);
	CHECK(db.n >= 10);
	for (size_t i = 0; i < db.n; i++) {
		const struct ks_vuln *v = &db.v[i];
		/* Every entry cites a source and carries a vector. */
		CHECK(v->nsource >= 1 && strncmp(v->source[0], "https://", 8) == 0);
		CHECK(v->vector[0] != '\0');
		CHECK(v->sev >= KS_SEV_HIGH);
	}
	const struct ks_vuln *h = ks_vuln_db_find(&db, "CVE-2021-36260");
	CHECK(h != NULL && h->cvss == 9.8);
	ks_vuln_db_release(&db);
}
