/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for version order and range expressions (vuln_version.h):
 * every pair of an ordered list of firmware-style versions compares as
 * its positions do, spelled-differently equals are equal, bad versions
 * and ranges are refused with their column, and ranges hold what they
 * should. */
#include <stdbool.h>
#include <string.h>

#include "ks_err.h"
#include "ks_test.h"
#include "vuln_version.h"

static int sign(int x) { return x < 0 ? -1 : x > 0; }

/* Strictly increasing; rows with the same rank are equal. */
static const struct {
	const char *v;
	int rank;
} order[] = {
	{"0.9", 0},
	{"1.0.0-dev", 1},
	{"1.0alpha", 2},
	{"1.0-alpha2", 3},
	{"1.0.0-beta", 4},
	{"1.0beta.2", 5},
	{"1.0pre1", 6},
	{"1.0-preview2", 7},
	{"1.0rc1", 8},
	{"1.0.0rc2", 9},
	{"1.0", 10},
	{"V1.0.0", 10},
	{"1.0.0.0", 10},
	{"1.0a", 11},  /* single letter after a release: post-release (OpenSSL) */
	{"1.0b", 12},
	{"1.0p1", 13},
	{"1.0p2", 14},
	{"1.0.1", 15},
	{"1.2.3", 16},
	{"1.2.3_build5", 17},
	{"1.2.3p4", 18},
	{"1.2.3.1", 19},
	{"1.2.10", 20},
	{"1.10", 21},
	{"2.0rc1", 22},
	{"2.0", 23},
	{"v2.0.0", 23},
	{"7.2", 24},
	{"7.2_build5", 25},
	{"7.2_build10", 26},
	{"7.2.1", 27},
	{"8.2r12", 28},
	{"8.2R12.1", 29},
	{"9.0", 30},
	{"10.0", 31},
	{"0000010.0.1", 32},
	{"99999999999999999999999.1", 33}, /* larger than 64 bits */
	{"100000000000000000000000", 34},
};
#define NORDER (sizeof order / sizeof order[0])

KS_TEST(ver_order_all_pairs)
{
	for (size_t i = 0; i < NORDER; i++)
		for (size_t j = 0; j < NORDER; j++) {
			int d = 99;
			int r = ks_ver_cmp(order[i].v, order[j].v, &d);
			int want = sign(order[i].rank - order[j].rank);
			if (r != 0 || d != want) {
				fprintf(stderr, "  cmp(%s, %s) = %d (r=%d), expected %d\n", order[i].v,
					order[j].v, d, r, want);
				ks_test_failures++;
			}
		}
}

KS_TEST(ver_equal_spellings)
{
	static const char *const eq[][2] = {
		{"1.0RC1", "1.0rc1"},	      {"1.0-1", "1.0.1"},	 {"1.0_1", "1.0+1"},
		{"V1.0.5", "1.0.5"},	      {"v1.0.5", "1.0.5"},	 {"01.002", "1.2"},
		{"5.5.0 build 170725", "5.5.0_build170725"}, {"V5.21(ABUH.1)", "5.21.abuh.1"},
		{"1.0~beta", "1.0-BETA"},     {"2.0", "2.0.0.0.0"},	 {"2", "2.0"},
		{"1.0.0-beta", "1.0beta"},    {"1.0a", "1.0.0a"},
	};
	for (size_t i = 0; i < sizeof eq / sizeof eq[0]; i++) {
		int d = 99;
		CHECK(ks_ver_cmp(eq[i][0], eq[i][1], &d) == 0);
		if (d != 0) {
			fprintf(stderr, "  %s vs %s: %d\n", eq[i][0], eq[i][1], d);
			ks_test_failures++;
		}
	}
}

KS_TEST(ver_bad)
{
	static const struct {
		const char *v, *why;
	} bad[] = {
		{"", "empty version; expected e.g. 1.2.3"},
		{"...", "version without letters or digits"},
		{"1.0/2", "bad character in version; expected letters, digits and . - _ + ~ ( )"},
		{"1.0\xc3\xa9", "bad character in version; expected letters, digits and . - _ + ~ ( )"},
		{"1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1.1",
		 "more than 24 segments in version"},
		{"12345678901234567890123456789012345678901234567890123456789012345",
		 "version longer than 64 bytes"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = NULL;
		int d = 7;
		CHECK(ks_ver_check(bad[i].v, strlen(bad[i].v), &why) == KS_EINVAL);
		if (!why || strcmp(why, bad[i].why) != 0) {
			fprintf(stderr, "  '%s': why '%s', expected '%s'\n", bad[i].v, why ? why : "(null)",
				bad[i].why);
			ks_test_failures++;
		}
		CHECK(ks_ver_cmp(bad[i].v, "1.0", &d) == KS_EINVAL && d == 7);
	}
	/* "V" alone and "v" before a letter are letters, not a prefix. */
	CHECK(ks_ver_check("V", 1, NULL) == 0);
	int d;
	CHECK(ks_ver_cmp("vx", "x", &d) == 0 && d != 0);
}

static bool in(const char *range, const char *v)
{
	struct ks_range r;
	size_t col;
	const char *why;
	if (ks_range_parse(range, strlen(range), &r, &col, &why) != 0) {
		fprintf(stderr, "  range '%s' refused at %zu: %s\n", range, col, why);
		ks_test_failures++;
		return false;
	}
	return ks_range_has(&r, v) == 1;
}

KS_TEST(range_holds)
{
	const char *forti = ">=5.4.6 <=5.4.12 || >=5.6.3 <=5.6.7 || >=6.0.0 <=6.0.4";
	CHECK(in(forti, "6.0.4"));
	CHECK(in(forti, "6.0.0"));
	CHECK(in(forti, "5.6.3"));
	CHECK(in(forti, "v5.4.10"));
	CHECK(!in(forti, "6.0.5"));
	CHECK(!in(forti, "5.6.2"));
	CHECK(!in(forti, "5.4.13"));
	CHECK(!in(forti, "6.2.0"));
	CHECK(!in(forti, ""));
	CHECK(!in(forti, NULL));
	CHECK(in("*", NULL));
	CHECK(in("  *  ", "anything"));
	CHECK(in("<1.5.1", "1.4.4_Beta"));
	CHECK(in("<1.5.1", "1.5.1rc1"));
	CHECK(!in("<1.5.1", "1.5.1"));
	CHECK(in("<=3.4.14b", "3.4.14B"));
	CHECK(in("<=3.4.14b", "3.4.14"));
	CHECK(!in("<=3.4.14b", "3.4.14c"));
	CHECK(in("=0.94.14rc21", "0.94.14RC21"));
	CHECK(in("0.94.14rc21", "0.94.14rc21"));
	CHECK(!in("=0.94.14rc21", "0.94.14"));
	CHECK(in(">1.0 <2.0", "1.5"));
	CHECK(!in(">1.0 <2.0", "1.0"));
	CHECK(in(">=8.2 <8.2r12.1 || >=9.0 <9.0r3.4", "9.0R3.3"));
	CHECK(!in(">=8.2 <8.2r12.1 || >=9.0 <9.0r3.4", "9.0R3.4"));
	CHECK(!in(">=8.2 <8.2r12.1 || >=9.0 <9.0r3.4", "8.3R1"));
	CHECK(!in("<1.0", "not/a/version"));
	/* An explicit list. */
	CHECK(in("1.0 || 1.1 || =1.2rc1", "1.1"));
	CHECK(in("1.0 || 1.1 || =1.2rc1", "V1.2RC1"));
	CHECK(!in("1.0 || 1.1 || =1.2rc1", "1.2"));

	struct ks_range r;
	size_t col;
	const char *why;
	char buf[128];
	CHECK(ks_range_parse(" >=1.0   <2.0||=3 ", 18, &r, &col, &why) == 0);
	CHECK(strcmp(ks_range_format(&r, buf, sizeof buf), ">=1.0 <2.0 || =3") == 0);
	CHECK(ks_range_parse("*", 1, &r, &col, &why) == 0 && r.n == 0);
	CHECK(strcmp(ks_range_format(&r, buf, sizeof buf), "*") == 0);
}

KS_TEST(range_errors)
{
	static const struct {
		const char *s;
		size_t col;
		int err;
		const char *why;
	} bad[] = {
		{"", 0, KS_EINVAL, "empty range; expected '*' or comparisons like >=1.0 <2.0"},
		{"* 1.0", 2, KS_EINVAL, "text after '*'; expected '*' alone for every version"},
		{">=1.0 |", 6, KS_EINVAL, "single '|'; expected '||' between clauses"},
		{"|| 1.0", 0, KS_EINVAL, "'||' without a comparison before it; expected e.g. <1.2"},
		{"<1.0 ||", 7, KS_EINVAL, "range ends with '||'; expected a comparison"},
		{"<1.0 || || >2", 8, KS_EINVAL, "'||' without a comparison before it; expected e.g. <1.2"},
		{">= 1.0", 2, KS_EINVAL, "operator without a version; expected e.g. <1.2.3"},
		{"<1.0 >2/3", 6, KS_EINVAL,
		 "bad character in version; expected letters, digits and . - _ + ~ ( )"},
		{"<=>1", 2, KS_EINVAL, "operator without a version; expected e.g. <1.2.3"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct ks_range r;
		size_t col = 999;
		const char *why = NULL;
		int e = ks_range_parse(bad[i].s, strlen(bad[i].s), &r, &col, &why);
		if (e != bad[i].err || col != bad[i].col || !why || strcmp(why, bad[i].why) != 0) {
			fprintf(stderr, "  '%s': err %d col %zu why '%s'; expected %d %zu '%s'\n", bad[i].s,
				e, col, why ? why : "(null)", bad[i].err, bad[i].col, bad[i].why);
			ks_test_failures++;
		}
	}
	/* 33 comparisons: over the cap. */
	char many[400] = "";
	for (int i = 0; i < 33; i++)
		memcpy(many + 3 * i, "<1 ", 4);
	struct ks_range r;
	size_t col;
	const char *why;
	CHECK(ks_range_parse(many, strlen(many), &r, &col, &why) == KS_ELIMIT && col == 97);
	char longr[600];
	memset(longr, '1', sizeof longr);
	CHECK(ks_range_parse(longr, sizeof longr, &r, &col, &why) == KS_ELIMIT);
}
