/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for time values (ks_time.h: every accepted form, rejects, ISO
 * formatting) and table-driven options (ks_opt.h: flags, --x=v and --x v,
 * U32 bounds, COUNT suffixes, unknown options, missing values, positional
 * counts, "-" and "--", ks_parse_u64 limits). ks_opt prints its errors to
 * stderr; --help output is sent to /dev/null. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_err.h"
#include "ks_opt.h"
#include "ks_test.h"
#include "ks_time.h"

#define S 1000000LL
/* 2026-11-22T04:19:00Z */
#define T_EX 1795321140LL
/* a fixed "now" for relative times: 2026-11-22T12:00:00Z */
#define NOW ((T_EX + 7 * 3600 + 41 * 60) * S)

static int64_t parse_ok(const char *s)
{
	int64_t v = INT64_MIN;
	int r = ks_time_parse(s, NOW, &v);
	if (r != 0)
		fprintf(stderr, "  ks_time_parse(\"%s\") = %d\n", s, r);
	return v;
}

static int parse_rc(const char *s)
{
	int64_t v = 12345;
	int r = ks_time_parse(s, NOW, &v);
	if (r == 0)
		fprintf(stderr, "  ks_time_parse(\"%s\") accepted: %lld\n", s, (long long)v);
	return r;
}

KS_TEST(time_parse_dates_and_times)
{
	CHECK_EQ_U64(parse_ok("2026-11-22"), (T_EX - (4 * 3600 + 19 * 60)) * S);
	CHECK_EQ_U64(parse_ok("2026-11-22T04:19"), T_EX * S);
	CHECK_EQ_U64(parse_ok("2026-11-22T04:19:00"), T_EX * S);
	CHECK_EQ_U64(parse_ok("2026-11-22T04:19:00Z"), T_EX * S);
	CHECK_EQ_U64(parse_ok("2026-11-22 04:19"), T_EX * S);
	CHECK_EQ_U64(parse_ok("2026-11-22 04:19:00"), T_EX * S);
	CHECK_EQ_U64(parse_ok("2026-11-22 04:19:00Z"), T_EX * S);
	CHECK_EQ_U64(parse_ok("2026-11-22T04:19:59Z"), (T_EX + 59) * S);
	CHECK_EQ_U64(parse_ok("2026-11-22T23:59:59Z"), (T_EX + 19 * 3600 + 40 * 60 + 59) * S);
	CHECK_EQ_U64(parse_ok("1970-01-01"), 0);
	CHECK_EQ_U64(parse_ok("1970-01-01T00:00:01Z"), S);
	CHECK_EQ_U64(parse_ok("1969-12-31T23:59:59Z"), (uint64_t)(int64_t)(-S));
	CHECK_EQ_U64(parse_ok("2000-02-29T12:34:56Z"), 951827696LL * S); /* leap day */
	CHECK_EQ_U64(parse_ok("2024-02-29"), 1709164800LL * S);
	CHECK_EQ_U64(parse_ok("2026-01-01T00:00"), 1767225600LL * S);
	CHECK_EQ_U64(parse_ok("2026-12-31T00:00"), (1767225600LL + 364 * 86400) * S);
}

KS_TEST(time_parse_epoch_seconds)
{
	CHECK_EQ_U64(parse_ok("@1795321140"), T_EX * S);
	CHECK_EQ_U64(parse_ok("@0"), 0);
	CHECK_EQ_U64(parse_ok("@1"), S);
	CHECK_EQ_U64(parse_ok("@000042"), 42 * S);
	/* "@" with nothing, signs, fractions, trailing text */
	CHECK_EQ_U64(parse_rc("@"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("@-1"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("@+1"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("@1.5"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("@12x"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("@ 12"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("@99999999999999999999999"), (uint64_t)(int64_t)KS_EINVAL);
}

KS_TEST(time_parse_relative_ages)
{
	CHECK_EQ_U64(parse_ok("90m"), NOW - 90 * 60 * S);
	CHECK_EQ_U64(parse_ok("36h"), NOW - 36 * 3600 * S);
	CHECK_EQ_U64(parse_ok("7d"), NOW - 7 * 86400 * S);
	CHECK_EQ_U64(parse_ok("2w"), NOW - 14 * 86400 * S);
	CHECK_EQ_U64(parse_ok("0d"), NOW);
	CHECK_EQ_U64(parse_ok("1m"), NOW - 60 * S);
	CHECK_EQ_U64(parse_ok("5s"), NOW - 5 * S);
	/* relative to the given now, not the clock */
	int64_t v = 0;
	CHECK_EQ_U64(ks_time_parse("1h", 10 * 3600 * S, &v), 0);
	CHECK_EQ_U64(v, 9 * 3600 * S);
	CHECK_EQ_U64(ks_time_parse("2h", 3600 * S, &v), 0);
	CHECK_EQ_U64(v, (uint64_t)(int64_t)(-3600 * S));
	/* bad units and shapes */
	CHECK_EQ_U64(parse_rc("5y"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("5M"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("5D"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("5"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("m"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("-5m"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("5mm"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("5 m"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("1.5h"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("5dx"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("99999999999999999999d"), (uint64_t)(int64_t)KS_EINVAL);
}

KS_TEST(time_parse_rejects)
{
	static const char *const bad[] = {
		"",
		" 2026-11-22",
		"2026-11-22 ",
		"2026-11-22x",
		"2026-11-22T",
		"2026-11-22T04",
		"2026-11-22T4:19",
		"2026-11-22T04:1",
		"2026-11-22T04:19:",
		"2026-11-22T04:19:0",
		"2026-11-22T04:19:00ZZ",
		"2026-11-22T04:19:00+09:00",
		"2026-11-22T04:19:00.5Z",
		"2026-11-22t04:19",
		"2026-11-2",
		"2026-1-22",
		"26-11-22",
		"2026/11/22",
		"20261122",
		"2026-13-01",
		"2026-00-10",
		"2026-11-00",
		"2026-11-32",
		"2026-11-22T24:00",
		"2026-11-22T04:60",
		"2026-11-22T04:19:61",
		"yesterday",
		"now",
		"-",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = parse_rc(bad[i]);
		CHECK_EQ_U64(r, (uint64_t)(int64_t)KS_EINVAL);
	}
}

static const char *iso(int64_t us)
{
	static char buf[32];
	memset(buf, 'x', sizeof buf);
	return ks_time_iso(us, buf, 21);
}

KS_TEST(time_iso_format)
{
	CHECK(strcmp(iso(T_EX * S), "2026-11-22T04:19:00Z") == 0);
	CHECK(strcmp(iso(T_EX * S + 999999), "2026-11-22T04:19:00Z") == 0); /* truncates */
	CHECK(strcmp(iso(0), "1970-01-01T00:00:00Z") == 0);
	CHECK(strcmp(iso(1), "1970-01-01T00:00:00Z") == 0);
	CHECK(strcmp(iso(-1), "1969-12-31T23:59:59Z") == 0); /* rounds down, not to zero */
	CHECK(strcmp(iso(-S), "1969-12-31T23:59:59Z") == 0);
	CHECK(strcmp(iso(-S - 1), "1969-12-31T23:59:58Z") == 0);
	CHECK(strcmp(iso(951827696LL * S), "2000-02-29T12:34:56Z") == 0);
	CHECK(strcmp(iso(1767225600LL * S - 1), "2025-12-31T23:59:59Z") == 0);
	CHECK_EQ_U64(strlen(iso(T_EX * S)), 20);
	/* the returned pointer is the buffer */
	char buf[21];
	CHECK(ks_time_iso(0, buf, sizeof buf) == buf);
	/* round trips through the parser, at second granularity */
	static const int64_t ts[] = {0, 1, 86399, 951827696, 1709164800, T_EX, 4102444799LL};
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
		char b[32];
		int64_t back = -1;
		ks_time_iso(ts[i] * S + 123456, b, sizeof b);
		CHECK_EQ_U64(ks_time_parse(b, NOW, &back), 0);
		CHECK_EQ_U64(back, ts[i] * S);
	}
}

KS_TEST(time_now_is_plausible)
{
	int64_t a = ks_time_now_us();
	CHECK(a > 1577836800LL * S); /* after 2020-01-01 */
	CHECK(a < 4102444800LL * S); /* before 2100-01-01 */
}

/* ---- options ---- */

struct vals {
	int verbose, dry;
	const char *name;
	uint32_t port, count, thr;
};

static struct vals V;

static const struct ks_opt OPTS[] = {
	{"verbose", KS_OPT_FLAG, &V.verbose, NULL, "more output", 0, 0},
	{"dry-run", KS_OPT_FLAG, &V.dry, NULL, "change nothing", 0, 0},
	{"name", KS_OPT_STR, &V.name, "NAME", "a name (default none)", 0, 0},
	{"port", KS_OPT_U32, &V.port, "PORT", "a port (default 0)", 1, 65535},
	{"count", KS_OPT_COUNT, &V.count, "N", "a count (default 0)", 0, UINT32_MAX},
	{"threshold", KS_OPT_COUNT, &V.thr, "N", "at least 1 (default 10)", 1, 1000000},
	{NULL, KS_OPT_FLAG, NULL, NULL, NULL, 0, 0},
};

static const struct ks_cmd_help HELP_0_3 = {"kansoku test [options] [FILE...]",
					    "Exercises the option parser.", "Details paragraph.", 0,
					    3};

static char *WORDS[32];

/* Parses the NULL-terminated word list with help h into fresh values (V
 * zeroed, V.thr = 10); the words are kept in WORDS. */
static int run_opts(const struct ks_cmd_help *h, char **args, int *nargs, const char *w0, ...)
{
	int argc = 0;
	va_list ap;
	va_start(ap, w0);
	for (const char *w = w0; w && argc < 31; w = va_arg(ap, const char *))
		WORDS[argc++] = (char *)w;
	va_end(ap);
	WORDS[argc] = NULL;
	memset(&V, 0, sizeof V);
	V.thr = 10;
	*nargs = -1;
	return ks_opt_parse(OPTS, h, argc, WORDS, args, nargs);
}

#define EINV ((uint64_t)(int64_t)KS_EINVAL)

KS_TEST(opt_flags_values_and_interleaving)
{
	char *args[32];
	int n;
	int r = run_opts(&HELP_0_3, args, &n, "--verbose", "--name", "alice", "in1.pcap", "--port=8080",
			 "in2.pcap", "--count", "10k", NULL);
	CHECK_EQ_U64(r, 0);
	CHECK_EQ_U64(V.verbose, 1);
	CHECK_EQ_U64(V.dry, 0);
	CHECK(V.name && strcmp(V.name, "alice") == 0);
	CHECK(V.name == WORDS[2]); /* points into argv */
	CHECK_EQ_U64(V.port, 8080);
	CHECK_EQ_U64(V.count, 10000);
	CHECK_EQ_U64(V.thr, 10); /* untouched */
	CHECK_EQ_U64(n, 2);
	if (n == 2) {
		CHECK(strcmp(args[0], "in1.pcap") == 0);
		CHECK(strcmp(args[1], "in2.pcap") == 0);
	}
	/* nothing given: defaults stay, no arguments */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, NULL), 0);
	CHECK_EQ_U64(n, 0);
	CHECK_EQ_U64(V.verbose, 0);
	CHECK(V.name == NULL);
	/* the last of a repeated option wins; flags may repeat */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--port", "1", "--port=2", "--dry-run", "--dry-run",
			      NULL),
		     0);
	CHECK_EQ_U64(V.port, 2);
	CHECK_EQ_U64(V.dry, 1);
}

KS_TEST(opt_equals_and_space_forms)
{
	char *args[32];
	int n;
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--name=a=b", NULL), 0);
	CHECK(V.name && strcmp(V.name, "a=b") == 0);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--name=", NULL), 0);
	CHECK(V.name && strcmp(V.name, "") == 0);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--name", "", NULL), 0);
	CHECK(V.name && strcmp(V.name, "") == 0);
	/* a value that looks like an argument or "-" is still the value */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--name", "-", "x", NULL), 0);
	CHECK(V.name && strcmp(V.name, "-") == 0);
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--threshold=1m", NULL), 0);
	CHECK_EQ_U64(V.thr, 1000000);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--threshold", "250", NULL), 0);
	CHECK_EQ_U64(V.thr, 250);
}

KS_TEST(opt_u32_bounds)
{
	char *args[32];
	int n;
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--port", "1", NULL), 0);
	CHECK_EQ_U64(V.port, 1);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--port", "65535", NULL), 0);
	CHECK_EQ_U64(V.port, 65535);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--port", "00080", NULL), 0);
	CHECK_EQ_U64(V.port, 80);
	static const char *const bad[] = {"0",  "65536", "4294967296", "-1", "",    "12a", "a12",
					  "1k", " 5",    "5 ",         "+5", "0x10", "1e3", "99999999999999999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = run_opts(&HELP_0_3, args, &n, "--port", bad[i], NULL);
		if (r != KS_EINVAL)
			fprintf(stderr, "  --port '%s' gave %d\n", bad[i], r);
		CHECK_EQ_U64(r, EINV);
		CHECK_EQ_U64(V.port, 0); /* not written on error */
	}
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--port=", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--port=70000", NULL), EINV);
}

KS_TEST(opt_count_suffixes)
{
	char *args[32];
	int n;
	static const struct {
		const char *in;
		uint32_t want;
	} good[] = {
		{"0", 0},          {"7", 7},           {"1k", 1000},          {"2K", 2000},
		{"3m", 3000000},   {"4M", 4000000},    {"4g", 4000000000u},   {"4G", 4000000000u},
		{"0k", 0},         {"4294967295", 4294967295u},               {"4294967k", 4294967000u},
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int r = run_opts(&HELP_0_3, args, &n, "--count", good[i].in, NULL);
		if (r != 0)
			fprintf(stderr, "  --count '%s' gave %d\n", good[i].in, r);
		CHECK_EQ_U64(r, 0);
		CHECK_EQ_U64(V.count, good[i].want);
	}
	static const char *const bad[] = {"5g",  "4295m", "4294968k", "4294967296", "k",  "1kk", "1km",
					  "1x",  "1.5k",  "1 k",      "-1k",        "",   "1t",  "1b"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = run_opts(&HELP_0_3, args, &n, "--count", bad[i], NULL);
		if (r != KS_EINVAL)
			fprintf(stderr, "  --count '%s' gave %d\n", bad[i], r);
		CHECK_EQ_U64(r, EINV);
		CHECK_EQ_U64(V.count, 0);
	}
	/* bounds apply after the suffix */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--threshold", "1000k", NULL), 0);
	CHECK_EQ_U64(V.thr, 1000000);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--threshold", "1001k", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--threshold", "1000001", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--threshold", "0", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--threshold", "0k", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--threshold", "1", NULL), 0);
	CHECK_EQ_U64(V.thr, 1);
}

KS_TEST(opt_unknown_options)
{
	char *args[32];
	int n;
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--nope", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--nope=3", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "-x", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "-v", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--verb", NULL), EINV); /* no abbreviations */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--verbosex", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--VERBOSE", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "---verbose", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--=x", NULL), EINV);
	/* a flag takes no value */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--verbose=1", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--verbose=", NULL), EINV);
	/* an error after good options still fails the whole parse */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--verbose", "a", "--bad", NULL), EINV);
	/* an empty table knows no options */
	static const struct ks_opt none[] = {{NULL, KS_OPT_FLAG, NULL, NULL, NULL, 0, 0}};
	char *w[] = {"--verbose"};
	CHECK_EQ_U64(ks_opt_parse(none, &HELP_0_3, 1, w, args, &n), EINV);
	char *w2[] = {"file"};
	CHECK_EQ_U64(ks_opt_parse(none, &HELP_0_3, 1, w2, args, &n), 0);
	CHECK_EQ_U64(n, 1);
}

KS_TEST(opt_missing_value)
{
	char *args[32];
	int n;
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--name", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "a", "--port", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--count", NULL), EINV);
	CHECK_EQ_U64(V.count, 0);
}

KS_TEST(opt_positional_counts)
{
	char *args[32];
	int n;
	static const struct ks_cmd_help one_two = {"kansoku t FILE [FILE]", "s", NULL, 1, 2};
	static const struct ks_cmd_help none = {"kansoku t", "s", NULL, 0, 0};
	CHECK_EQ_U64(run_opts(&one_two, args, &n, NULL), EINV);
	CHECK_EQ_U64(run_opts(&one_two, args, &n, "--verbose", NULL), EINV);
	CHECK_EQ_U64(run_opts(&one_two, args, &n, "a", NULL), 0);
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(run_opts(&one_two, args, &n, "a", "--verbose", "b", NULL), 0);
	CHECK_EQ_U64(n, 2);
	CHECK_EQ_U64(run_opts(&one_two, args, &n, "a", "b", "c", NULL), EINV);
	CHECK_EQ_U64(run_opts(&none, args, &n, NULL), 0);
	CHECK_EQ_U64(n, 0);
	CHECK_EQ_U64(run_opts(&none, args, &n, "--port", "5", NULL), 0);
	CHECK_EQ_U64(V.port, 5);
	CHECK_EQ_U64(run_opts(&none, args, &n, "x", NULL), EINV);
	CHECK_EQ_U64(run_opts(&none, args, &n, "-", NULL), EINV);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "a", "b", "c", NULL), 0);
	CHECK_EQ_U64(n, 3);
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "a", "b", "c", "d", NULL), EINV);
}

KS_TEST(opt_dash_and_double_dash)
{
	char *args[32];
	int n;
	/* "-" alone is an argument */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "-", "--verbose", NULL), 0);
	CHECK_EQ_U64(n, 1);
	if (n == 1)
		CHECK(strcmp(args[0], "-") == 0);
	CHECK_EQ_U64(V.verbose, 1);
	/* "--" ends options; it is not an argument itself */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--port", "7", "--", "--verbose", "-x", NULL), 0);
	CHECK_EQ_U64(V.port, 7);
	CHECK_EQ_U64(V.verbose, 0);
	CHECK_EQ_U64(n, 2);
	if (n == 2) {
		CHECK(strcmp(args[0], "--verbose") == 0);
		CHECK(strcmp(args[1], "-x") == 0);
	}
	/* a second "--" is an argument */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--", "--", "a", NULL), 0);
	CHECK_EQ_U64(n, 2);
	if (n == 2) {
		CHECK(strcmp(args[0], "--") == 0);
		CHECK(strcmp(args[1], "a") == 0);
	}
	/* "--" alone: no arguments */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--", NULL), 0);
	CHECK_EQ_U64(n, 0);
	/* after "--", "--help" is an argument too */
	CHECK_EQ_U64(run_opts(&HELP_0_3, args, &n, "--", "--help", NULL), 0);
	CHECK_EQ_U64(n, 1);
}

/* Runs a parse with stdout sent to /dev/null (for --help). */
static int run_quiet(const char *w0, const char *w1)
{
	char *args[4];
	int n, r;
	fflush(stdout);
	int saved = dup(1), nul = open("/dev/null", O_WRONLY);
	if (saved < 0 || nul < 0) {
		if (saved >= 0)
			close(saved);
		if (nul >= 0)
			close(nul);
		return -100;
	}
	dup2(nul, 1);
	close(nul);
	r = run_opts(&HELP_0_3, args, &n, w0, w1, NULL);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return r;
}

KS_TEST(opt_help)
{
	CHECK_EQ_U64(run_quiet("--help", NULL), 1);
	CHECK_EQ_U64(run_quiet("-h", NULL), 1);
	CHECK_EQ_U64(run_quiet("a", "--help"), 1);
	CHECK_EQ_U64(run_quiet("--help=x", NULL), EINV);

	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	ks_opt_print_help(f, OPTS, &HELP_0_3);
	fclose(f);
	CHECK(strstr(text, "usage: kansoku test [options] [FILE...]") != NULL);
	CHECK(strstr(text, "Exercises the option parser.") != NULL);
	CHECK(strstr(text, "--verbose") != NULL);
	CHECK(strstr(text, "--port PORT") != NULL);
	CHECK(strstr(text, "--name NAME") != NULL);
	CHECK(strstr(text, "a port (default 0)") != NULL);
	CHECK(strstr(text, "at least 1 (default 10)") != NULL);
	CHECK(strstr(text, "Details paragraph.") != NULL);
	CHECK(strstr(text, "--verbose VALUE") == NULL); /* flags take no placeholder */
	CHECK(strstr(text, "--count N") != NULL);
	free(text);
}

KS_TEST(opt_parse_u64)
{
	uint64_t v = 0;
	CHECK_EQ_U64(ks_parse_u64("0", 0, UINT64_MAX, 0, &v), 0);
	CHECK_EQ_U64(v, 0);
	CHECK_EQ_U64(ks_parse_u64("18446744073709551609", 0, UINT64_MAX, 0, &v), 0);
	CHECK_EQ_U64(v, 18446744073709551609ull);
	CHECK_EQ_U64(ks_parse_u64("18446744073709551616", 0, UINT64_MAX, 0, &v), EINV);
	CHECK_EQ_U64(ks_parse_u64("18446744073709551620", 0, UINT64_MAX, 0, &v), EINV);
	CHECK_EQ_U64(ks_parse_u64("99999999999999999999", 0, UINT64_MAX, 0, &v), EINV);
	CHECK_EQ_U64(ks_parse_u64("184467440737095516150", 0, UINT64_MAX, 0, &v), EINV);
	/* suffixes: overflow of the product is caught */
	CHECK_EQ_U64(ks_parse_u64("18446744073709551k", 0, UINT64_MAX, 1, &v), 0);
	CHECK_EQ_U64(v, 18446744073709551000ull);
	CHECK_EQ_U64(ks_parse_u64("18446744073709552k", 0, UINT64_MAX, 1, &v), EINV);
	CHECK_EQ_U64(ks_parse_u64("18446744073710m", 0, UINT64_MAX, 1, &v), EINV);
	CHECK_EQ_U64(ks_parse_u64("18446744074g", 0, UINT64_MAX, 1, &v), EINV);
	CHECK_EQ_U64(ks_parse_u64("18446744073g", 0, UINT64_MAX, 1, &v), 0);
	CHECK_EQ_U64(v, 18446744073000000000ull);
	/* suffixes only with units */
	v = 77;
	CHECK_EQ_U64(ks_parse_u64("5k", 0, UINT64_MAX, 0, &v), EINV);
	CHECK_EQ_U64(v, 77);
	/* range */
	CHECK_EQ_U64(ks_parse_u64("9", 10, 20, 0, &v), EINV);
	CHECK_EQ_U64(ks_parse_u64("21", 10, 20, 0, &v), EINV);
	CHECK_EQ_U64(ks_parse_u64("10", 10, 20, 0, &v), 0);
	CHECK_EQ_U64(v, 10);
	CHECK_EQ_U64(ks_parse_u64("20", 10, 20, 0, &v), 0);
	CHECK_EQ_U64(v, 20);
	CHECK_EQ_U64(ks_parse_u64("1k", 10, 999, 1, &v), EINV);
	CHECK_EQ_U64(ks_parse_u64("1k", 10, 1000, 1, &v), 0);
	CHECK_EQ_U64(v, 1000);
	/* whole string only */
	static const char *const bad[] = {"", " ", "-0", "+1", "1 ", " 1", "1_000", "0x1", "1k ", "k"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_EQ_U64(ks_parse_u64(bad[i], 0, UINT64_MAX, 1, &v), EINV);
}

/* The two tests below expose bugs reported to the maintainers (see the
 * report accompanying these tests). They come last so that, until fixed, a
 * sanitizer abort in the second one does not hide any other result. */

KS_TEST(opt_parse_u64_max_value)
{
	/* Every value up to UINT64_MAX is a number within [0, UINT64_MAX]. */
	uint64_t v = 0;
	CHECK_EQ_U64(ks_parse_u64("18446744073709551615", 0, UINT64_MAX, 0, &v), 0);
	CHECK_EQ_U64(v, UINT64_MAX);
	CHECK_EQ_U64(ks_parse_u64("18446744073709551610", 0, UINT64_MAX, 0, &v), 0);
	CHECK_EQ_U64(v, 18446744073709551610ull);
}

KS_TEST(time_parse_huge_age_rejected)
{
	/* 10^8 weeks is about 6e19 us: not representable, so KS_EINVAL (and no
	 * signed overflow on the way). */
	CHECK_EQ_U64(parse_rc("100000000w"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("4294967296w"), (uint64_t)(int64_t)KS_EINVAL);
	CHECK_EQ_U64(parse_rc("4294967296d"), (uint64_t)(int64_t)KS_EINVAL);
	/* the largest ages that fit still work */
	int64_t v = 0;
	CHECK_EQ_U64(ks_time_parse("4294967296s", NOW, &v), 0);
	CHECK_EQ_U64(v, NOW - 4294967296LL * S);
	CHECK_EQ_U64(ks_time_parse("10000000w", NOW, &v), 0);
	CHECK_EQ_U64(v, NOW - 10000000LL * 604800 * S);
}
