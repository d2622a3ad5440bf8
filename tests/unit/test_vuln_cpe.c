/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for CPE 2.3 formatted strings (vuln_cpe.h): the 13
 * components, quoting with backslash, ANY and NA, wildcards at the ends
 * only, errors with their column, writing back, and the attribute
 * relations of NISTIR 7696. */
#include <stdbool.h>
#include <string.h>

#include "ks_err.h"
#include "ks_test.h"
#include "vuln_cpe.h"

static bool parse_ok(const char *s, struct ks_cpe *c)
{
	size_t col = 0;
	const char *why = NULL;
	int r = ks_cpe_parse(s, strlen(s), c, &col, &why);
	if (r != 0)
		fprintf(stderr, "  '%s' refused at %zu: %s\n", s, col, why);
	return r == 0;
}

KS_TEST(cpe_parse_escapes)
{
	struct ks_cpe c;
	CHECK(parse_ok("cpe:2.3:o:hikvision:ds-2cd2026g2-iu\\/sl_firmware:5.5.800:-:*:*:*:*:*:*", &c));
	CHECK(c.a[KS_CPE_PART].kind == KS_CPE_VALUE && strcmp(c.a[KS_CPE_PART].v, "o") == 0);
	CHECK(strcmp(c.a[KS_CPE_VENDOR].v, "hikvision") == 0);
	CHECK(strcmp(c.a[KS_CPE_PRODUCT].v, "ds-2cd2026g2-iu/sl_firmware") == 0);
	CHECK(strcmp(c.a[KS_CPE_VERSION].v, "5.5.800") == 0);
	CHECK(c.a[KS_CPE_UPDATE].kind == KS_CPE_NA);
	CHECK(c.a[KS_CPE_EDITION].kind == KS_CPE_ANY);
	CHECK(c.a[KS_CPE_OTHER].kind == KS_CPE_ANY);

	/* Quoted colon, backslash, star, question mark and a lone quoted hyphen. */
	CHECK(parse_ok("cpe:2.3:a:a\\:b:c\\\\d:\\*:\\?x:\\-:*:*:*:*:*", &c));
	CHECK(strcmp(c.a[KS_CPE_VENDOR].v, "a:b") == 0);
	CHECK(strcmp(c.a[KS_CPE_PRODUCT].v, "c\\d") == 0);
	CHECK(c.a[KS_CPE_VERSION].kind == KS_CPE_VALUE && strcmp(c.a[KS_CPE_VERSION].v, "*") == 0 &&
	      !c.a[KS_CPE_VERSION].lead_star);
	CHECK(strcmp(c.a[KS_CPE_UPDATE].v, "?x") == 0 && c.a[KS_CPE_UPDATE].lead_q == 0);
	CHECK(c.a[KS_CPE_EDITION].kind == KS_CPE_VALUE && strcmp(c.a[KS_CPE_EDITION].v, "-") == 0);

	/* Wildcards at the ends. */
	CHECK(parse_ok("cpe:2.3:*:zyxel:usg_flex*:*:*:*:*:*:*:*:*", &c));
	CHECK(c.a[KS_CPE_PART].kind == KS_CPE_ANY);
	CHECK(c.a[KS_CPE_PRODUCT].trail_star && strcmp(c.a[KS_CPE_PRODUCT].v, "usg_flex") == 0);
	CHECK(parse_ok("cpe:2.3:h:*abc??:??x*:?:*:*:*:*:*:*:*", &c));
	CHECK(c.a[KS_CPE_VENDOR].lead_star && c.a[KS_CPE_VENDOR].trail_q == 2);
	CHECK(c.a[KS_CPE_PRODUCT].lead_q == 2 && c.a[KS_CPE_PRODUCT].trail_star);
	CHECK(c.a[KS_CPE_VERSION].lead_q == 1 && c.a[KS_CPE_VERSION].v[0] == '\0');
}

KS_TEST(cpe_format_round_trip)
{
	static const char *const names[] = {
		"cpe:2.3:o:hikvision:ds-2cd2026g2-iu\\/sl_firmware:5.5.800:-:*:*:*:*:*:*",
		"cpe:2.3:a:a\\:b:c\\\\d:\\*:\\?x:\\-:*:*:*:*:*",
		"cpe:2.3:h:*abc??:??x*:?:*:*:*:*:*:*:*",
		"cpe:2.3:a:microsoft:internet_explorer:8.0.6001:beta:*:*:*:*:*:*",
		"cpe:2.3:a:hp:insight_diagnostics:7.4.0.1570:-:*:*:online:win2003:x64:*",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		struct ks_cpe c, d;
		char buf[KS_CPE_MAX + 1];
		CHECK(parse_ok(names[i], &c));
		ks_cpe_format(&c, buf, sizeof buf);
		if (strcmp(buf, names[i]) != 0) {
			fprintf(stderr, "  wrote '%s', expected '%s'\n", buf, names[i]);
			ks_test_failures++;
		}
		CHECK(parse_ok(buf, &d) && memcmp(&c, &d, sizeof c) == 0);
	}
}

KS_TEST(cpe_errors)
{
	static const struct {
		const char *s;
		size_t col;
		const char *why;
	} bad[] = {
		{"cpe:/a:boa:boa:0.94", 0, "not a CPE 2.3 name; expected it to start with cpe:2.3:"},
		{"cpe:2.3:a:boa:boa", 17, "fewer than 13 components; expected 11 attributes after cpe:2.3:"},
		{"cpe:2.3:a:b\\:", 13, "fewer than 13 components; expected 11 attributes after cpe:2.3:"},
		{"cpe:2.3:a:boa:boa:*:*:*:*:*:*:*:*:*", 33,
		 "more than 13 components; expected 11 attributes after cpe:2.3:"},
		{"cpe:2.3:a::boa:*:*:*:*:*:*:*:*", 10, "empty attribute; expected a value, * (ANY) or - (NA)"},
		{"cpe:2.3:a:bo a:boa:*:*:*:*:*:*:*:*", 12,
		 "unquoted special character; expected letters, digits, - . _ * ? or \\ before it"},
		{"cpe:2.3:a:b*a:boa:*:*:*:*:*:*:*:*", 11,
		 "wildcard inside a value; expected * or ? only at the start or end (quote it as \\* or \\?)"},
		{"cpe:2.3:a:b?a:boa:*:*:*:*:*:*:*:*", 11,
		 "wildcard inside a value; expected * or ? only at the start or end (quote it as \\* or \\?)"},
		{"cpe:2.3:a:boa\\a:boa:*:*:*:*:*:*:*:*", 14,
		 "bad quoted character; expected printable punctuation after '\\'"},
		{"cpe:2.3:a:boa:boa:*:*:*:*:*:*:*:\\", 32, "'\\' at the end; expected a quoted character after it"},
		{"cpe:2.3:x:boa:boa:*:*:*:*:*:*:*:*", 8,
		 "bad part; expected a (application), o (operating system), h (hardware) or *"},
		{"cpe:2.3:-:boa:boa:*:*:*:*:*:*:*:*", 8,
		 "bad part; expected a (application), o (operating system), h (hardware) or *"},
		{"cpe:2.3:a:boa:boa:*:*:*:*:*:*:*:\xe3\x81\x82", 32,
		 "unquoted special character; expected letters, digits, - . _ * ? or \\ before it"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ks_cpe c;
		size_t col = 999;
		const char *why = NULL;
		int r = ks_cpe_parse(bad[i].s, strlen(bad[i].s), &c, &col, &why);
		if (r != KS_EINVAL || col != bad[i].col || !why || strcmp(why, bad[i].why) != 0) {
			fprintf(stderr, "  '%s': r %d col %zu '%s'; expected col %zu '%s'\n", bad[i].s, r,
				col, why ? why : "(null)", bad[i].col, bad[i].why);
			ks_test_failures++;
		}
	}
	/* A NUL byte inside the counted string is refused, not a terminator. */
	struct ks_cpe c;
	size_t col;
	const char *why;
	CHECK(ks_cpe_parse("cpe:2.3:a:b\0c:d:*:*:*:*:*:*:*:*", 31, &c, &col, &why) == KS_EINVAL && col == 11);
	char longv[700] = "cpe:2.3:a:";
	memset(longv + 10, 'v', 200);
	memcpy(longv + 210, ":p:*:*:*:*:*:*:*:*", 19);
	CHECK(ks_cpe_parse(longv, strlen(longv), &c, &col, &why) == KS_EINVAL && col == 10 + 136);
	memset(longv, 'x', sizeof longv);
	CHECK(ks_cpe_parse(longv, sizeof longv, &c, &col, &why) == KS_ELIMIT);
}

static enum ks_cpe_rel rel(const char *src, const char *tgt)
{
	char a[128], b[128];
	struct ks_cpe s, t;
	snprintf(a, sizeof a, "cpe:2.3:a:v:%s:*:*:*:*:*:*:*:*", src);
	snprintf(b, sizeof b, "cpe:2.3:a:v:%s:*:*:*:*:*:*:*:*", tgt);
	if (!parse_ok(a, &s) || !parse_ok(b, &t))
		return (enum ks_cpe_rel)-1;
	return ks_cpe_attr_compare(&s.a[KS_CPE_PRODUCT], &t.a[KS_CPE_PRODUCT]);
}

KS_TEST(cpe_relations)
{
	/* NISTIR 7696 Table 6-2. */
	CHECK(rel("*", "*") == KS_CPE_EQUAL);
	CHECK(rel("*", "-") == KS_CPE_SUPERSET);
	CHECK(rel("*", "boa") == KS_CPE_SUPERSET);
	CHECK(rel("-", "*") == KS_CPE_SUBSET);
	CHECK(rel("-", "-") == KS_CPE_EQUAL);
	CHECK(rel("-", "boa") == KS_CPE_DISJOINT);
	CHECK(rel("boa", "*") == KS_CPE_SUBSET);
	CHECK(rel("boa", "-") == KS_CPE_DISJOINT);
	CHECK(rel("boa", "BOA") == KS_CPE_EQUAL);
	CHECK(rel("boa", "boa2") == KS_CPE_DISJOINT);
	CHECK(rel("boa*", "boa2") == KS_CPE_SUPERSET);
	CHECK(rel("boa*", "boa") == KS_CPE_SUPERSET);
	CHECK(rel("*boa", "myboa") == KS_CPE_SUPERSET);
	CHECK(rel("*boa", "boax") == KS_CPE_DISJOINT);
	CHECK(rel("*oa*", "boax") == KS_CPE_SUPERSET);
	CHECK(rel("boa?", "boa2") == KS_CPE_SUPERSET);
	CHECK(rel("boa?", "boa") == KS_CPE_SUPERSET); /* '?' at the end: up to one */
	CHECK(rel("boa?", "boa12") == KS_CPE_DISJOINT);
	CHECK(rel("??oa", "xboa") == KS_CPE_SUPERSET);
	CHECK(rel("??oa", "xyboa") == KS_CPE_DISJOINT);
	CHECK(rel("?", "x") == KS_CPE_SUPERSET);
	CHECK(rel("b\\*", "b\\*") == KS_CPE_EQUAL); /* quoted: a literal star */
	CHECK(rel("b*", "b\\*") == KS_CPE_SUPERSET);
	CHECK(rel("b\\*", "bx") == KS_CPE_DISJOINT);
	CHECK(rel("boa*", "boa*") == KS_CPE_EQUAL); /* target wildcards: literal comparison */
	CHECK(rel("bo*", "boa*") == KS_CPE_DISJOINT);
	CHECK(rel("usg_flex*", "usg_flex_100w_firmware") == KS_CPE_SUPERSET);

	struct ks_cpe s, t;
	CHECK(parse_ok("cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", &s));
	CHECK(parse_ok("cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*", &t));
	CHECK(ks_cpe_match(&s, &t) == 1);
	CHECK(ks_cpe_match(&t, &s) == 0);
	CHECK(parse_ok("cpe:2.3:a:fortinet:fortios:6.0.4:*:*:*:*:*:*:*", &t));
	CHECK(ks_cpe_match(&s, &t) == 0);

	struct ks_cpe_attr a;
	CHECK(ks_cpe_attr_set(&a, "Pulse Connect Secure") == 0 &&
	      strcmp(a.v, "pulse_connect_secure") == 0 && a.kind == KS_CPE_VALUE);
	CHECK(ks_cpe_attr_set(&a, "") == 0 && a.kind == KS_CPE_ANY);
	CHECK(ks_cpe_attr_set(&a, NULL) == 0 && a.kind == KS_CPE_ANY);
	CHECK(ks_cpe_attr_set(&a, "-") == 0 && a.kind == KS_CPE_NA);
	char big[200];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	CHECK(ks_cpe_attr_set(&a, big) == KS_ELIMIT && a.kind == KS_CPE_ANY);
}

KS_TEST(cpe_uri_binding)
{
	struct ks_cpe c, f;
	size_t col = 0;
	const char *why = NULL;
	const char *u = "cpe:/o:fortinet:fortios:-";
	CHECK(ks_cpe_parse_any(u, strlen(u), &c, &col, &why) == 0);
	CHECK(strcmp(c.a[KS_CPE_PART].v, "o") == 0 && strcmp(c.a[KS_CPE_PRODUCT].v, "fortios") == 0);
	CHECK(c.a[KS_CPE_VERSION].kind == KS_CPE_NA && c.a[KS_CPE_UPDATE].kind == KS_CPE_ANY &&
	      c.a[KS_CPE_OTHER].kind == KS_CPE_ANY);

	/* Percent-encoding, wildcards %01/%02, empty components, packed edition. */
	u = "cpe:/a:hp:insight_diagnostics%21:7.4.0.1570::~~online~win2003~x64~:en-us";
	CHECK(ks_cpe_parse_uri(u, strlen(u), &c, &col, &why) == 0);
	const char *fs = "cpe:2.3:a:hp:insight_diagnostics\\!:7.4.0.1570:*:*:en-us:online:win2003:x64:*";
	CHECK(parse_ok(fs, &f) && memcmp(&c, &f, sizeof c) == 0);
	u = "cpe:/a:zyxel:usg_flex%02:5.%01%01";
	CHECK(ks_cpe_parse_uri(u, strlen(u), &c, &col, &why) == 0);
	CHECK(c.a[KS_CPE_PRODUCT].trail_star && strcmp(c.a[KS_CPE_PRODUCT].v, "usg_flex") == 0);
	CHECK(c.a[KS_CPE_VERSION].trail_q == 2 && strcmp(c.a[KS_CPE_VERSION].v, "5.") == 0);
	u = "cpe:/a:b%2a:c";
	CHECK(ks_cpe_parse_uri(u, strlen(u), &c, &col, &why) == 0 && strcmp(c.a[KS_CPE_VENDOR].v, "b*") == 0 &&
	      !c.a[KS_CPE_VENDOR].trail_star);
	u = "cpe:/";
	CHECK(ks_cpe_parse_uri(u, strlen(u), &c, &col, &why) == 0 && c.a[KS_CPE_PART].kind == KS_CPE_ANY);

	static const struct {
		const char *s;
		size_t col;
		const char *why;
	} bad[] = {
		{"cpe:/a:b:c:1:2:3:4:5", 19,
		 "more than 7 components; expected cpe:/part:vendor:product:version:update:edition:language"},
		{"cpe:/a:b%2:c", 8, "bad percent-encoding; expected %XX with two hex digits"},
		{"cpe:/a:b%zz:c", 8, "bad percent-encoding; expected %XX with two hex digits"},
		{"cpe:/a:b%00:c", 8, "percent-encoded byte outside printable ASCII; expected %21 to %7e, %01 or %02"},
		{"cpe:/a:b c:d", 8, "unencoded special character; expected letters, digits, - . _ or %XX"},
		{"cpe:/a:b%02c:d", 8,
		 "wildcard inside a value; expected * or ? only at the start or end (quote it as \\* or \\?)"},
		{"cpe:/a:b:c:1::~x~y", 18, "bad packed edition; expected ~edition~sw_edition~target_sw~target_hw~other"},
		{"cpe:/a:b:c:1::~a~b~c~d~e~f", 24,
		 "bad packed edition; expected ~edition~sw_edition~target_sw~target_hw~other"},
		{"cpe:/x:b:c", 5, "bad part; expected a (application), o (operating system), h (hardware) or empty"},
		{"cpe:/a:b~c:d", 8, "unencoded special character; expected letters, digits, - . _ or %XX"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		col = 999;
		why = NULL;
		int r = ks_cpe_parse_uri(bad[i].s, strlen(bad[i].s), &c, &col, &why);
		if (r != KS_EINVAL || col != bad[i].col || !why || strcmp(why, bad[i].why) != 0) {
			fprintf(stderr, "  '%s': r %d col %zu '%s'; expected col %zu '%s'\n", bad[i].s, r,
				col, why ? why : "(null)", bad[i].col, bad[i].why);
			ks_test_failures++;
		}
	}
}
