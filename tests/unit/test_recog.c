/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the Recog fingerprint engine (src/grab/recog.c): every <example>
 * of every Recog XML file in ../shared/data/recog and of our own
 * data/recog files must match its fingerprint with the expected params (as
 * Recog's own verifier checks them), plus hand-made cases for flags,
 * interpolation, limits and errors that name the file and line. */
#include <dirent.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include "ks_err.h"
#include "ks_test.h"
#include "recog.h"

/* Examples known not to pass, with the reason. Keep the list honest: each
 * entry is "file:line of the <example>". */
static const struct {
	const char *where, *why;
} known_bad[] = {
	/* Pattern "...; (.+)* http": the nested quantifier backtracks
	 * exponentially in PCRE2 (PCRE2_ERROR_MATCHLIMIT even with PCRE2's
	 * default limit of 10 million), where Ruby's Onigmo optimises it. Under
	 * our limits the fingerprint simply does not match; no hang. */
	{"smtp_banners.xml:801", "PCRE2 match limit: (.+)* nested quantifier"},
	{NULL, NULL},
};

static int is_known_bad(const char *file, unsigned line)
{
	const char *b = strrchr(file, '/');
	b = b ? b + 1 : file;
	char key[256];
	snprintf(key, sizeof key, "%s:%u", b, line);
	for (size_t i = 0; known_bad[i].where; i++)
		if (strcmp(known_bad[i].where, key) == 0)
			return 1;
	return 0;
}

struct tally {
	unsigned files, fps, examples, passed, known_bad, not_first;
};

/* Runs the examples of one db: each must match its own fingerprint and give
 * every attribute of the example as a param with the same value. */
static void run_examples(const struct ks_recog_db *db, const char *file, struct tally *t, int need_first)
{
	struct ks_recog_result res, first;
	ks_recog_result_init(&res);
	ks_recog_result_init(&first);
	t->files++;
	for (size_t i = 0; i < ks_recog_count(db); i++) {
		t->fps++;
		for (size_t k = 0; k < ks_recog_nexamples(db, i); k++) {
			struct ks_recog_example ex;
			CHECK(ks_recog_example(db, i, k, &ex) == 0);
			t->examples++;
			int ok = ks_recog_match_one(db, i, ex.text, ex.len, &res) == 0;
			const char *bad = ok ? NULL : "no match";
			for (size_t a = 0; ok && a < ex.nattrs; a++) {
				const char *v = ks_recog_result_get(&res, ex.names[a]);
				if (!v || strcmp(v, ex.values[a]) != 0) {
					ok = 0;
					bad = ex.names[a];
					fprintf(stderr, "  %s:%u: %s = '%s', expected '%s'\n", file, ex.line,
						ex.names[a], v ? v : "(none)", ex.values[a]);
				}
			}
			if (ok) {
				t->passed++;
				/* Informative: does the whole file (first match wins) give this fingerprint? */
				if (ks_recog_match(db, ex.text, ex.len, &first) != 0 || first.index != i) {
					t->not_first++;
					if (need_first) {
						fprintf(stderr, "  %s:%u: an earlier fingerprint (line %u) matches first\n",
							file, ex.line, first.line);
						ks_test_failures++;
					}
				}
			} else if (is_known_bad(file, ex.line)) {
				t->known_bad++;
			} else {
				unsigned fl;
				ks_recog_description(db, i, &fl);
				fprintf(stderr, "  %s:%u: example of fingerprint at line %u fails (%s)\n", file,
					ex.line, fl, bad);
				ks_test_failures++;
			}
		}
	}
	ks_recog_result_release(&res);
	ks_recog_result_release(&first);
}

static void run_dir(const char *dir, struct tally *t, int need_first)
{
	struct ks_recog_set *set = NULL;
	char err[512];
	int r = ks_recog_set_load_dir(dir, &set, err, sizeof err);
	if (r != 0)
		fprintf(stderr, "  %s\n", err);
	CHECK(r == 0);
	if (r != 0)
		return;
	for (size_t i = 0; i < ks_recog_set_count(set); i++) {
		const struct ks_recog_db *db = ks_recog_set_db(set, i);
		run_examples(db, ks_recog_file(db), t, need_first);
	}
	ks_recog_set_free(set);
}

static const char *shared_dir(void)
{
	const char *e = getenv("KS_RECOG_DATA");
	return e && *e ? e : "../shared/data/recog";
}

KS_TEST(recog_shared_examples)
{
	struct tally t = {0};
	const char *dir = shared_dir();
	DIR *d = opendir(dir);
	CHECK(d != NULL); /* fixtures: ../shared beside the repository */
	if (!d)
		return;
	struct dirent *e;
	char *names[256];
	size_t n = 0;
	while ((e = readdir(d)) != NULL && n < 256) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".xml") == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	CHECK(n >= 40);
	for (size_t i = 0; i < n; i++) {
		char path[1024], err[512];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		struct ks_recog_db *db;
		int r = ks_recog_load(path, &db, err, sizeof err);
		if (r != 0)
			fprintf(stderr, "  %s\n", err);
		CHECK(r == 0);
		if (r == 0)
			run_examples(db, names[i], &t, 0);
		ks_recog_free(db);
		free(names[i]);
	}
	printf("recog examples: %u/%u passed (%u known not to pass, listed in the test; "
	       "%u files, %u fingerprints; %u examples are matched first by an earlier "
	       "fingerprint of their file)\n",
	       t.passed, t.examples, t.known_bad, t.files, t.fps, t.not_first);
	CHECK(t.examples > 7000);
	CHECK_EQ_U64(t.passed + t.known_bad, t.examples);
}

/* Our own databases (data/recog): every example passes, and is also what the
 * whole file gives (first match wins), so no fingerprint hides another. */
KS_TEST(recog_own_examples)
{
	struct tally t = {0};
	run_dir("data/recog", &t, 1);
	printf("recog examples (data/recog): %u/%u passed, %u files, %u fingerprints\n", t.passed,
	       t.examples, t.files, t.fps);
	CHECK(t.files >= 1);
	CHECK(t.examples >= 20);
	CHECK_EQ_U64(t.passed, t.examples);
}

/* Loads xml from memory as "t.xml"; on failure prints the error. */
static struct ks_recog_db *mem(const char *xml, int *rc, char *err, size_t errlen)
{
	struct ks_recog_db *db = NULL;
	*rc = ks_recog_load_mem("t.xml", xml, strlen(xml), &db, err, errlen);
	return db;
}

#define HDR "<?xml version='1.0' encoding='UTF-8'?>\n"

KS_TEST(recog_flags)
{
	char err[256];
	int rc;
	struct ks_recog_result res;
	ks_recog_result_init(&res);
	struct ks_recog_db *db = mem(HDR "<fingerprints matches='t.banner' protocol='TELNET'>\n"
					 " <fingerprint pattern='^abc.def$' flags='REG_ICASE'>\n"
					 "  <description>icase</description><param pos='0' name='n' value='1'/>\n"
					 " </fingerprint>\n"
					 " <fingerprint pattern='^x.y$' flags='REG_DOT_NEWLINE'>\n"
					 "  <description>dotall</description><param pos='0' name='n' value='2'/>\n"
					 " </fingerprint>\n"
					 " <fingerprint pattern='^p.q$' flags='REG_MULTILINE,REG_ICASE'>\n"
					 "  <description>both</description><param pos='0' name='n' value='3'/>\n"
					 " </fingerprint>\n"
					 " <fingerprint pattern='^line2$'>\n"
					 "  <description>ruby ^ and $ are line anchors</description><param pos='0' name='n' value='4'/>\n"
					 " </fingerprint>\n"
					 " <fingerprint pattern='\\Aid:(\\h+)\\z'>\n"
					 "  <description>ruby \\h is a hex digit</description><param pos='1' name='hex'/>\n"
					 " </fingerprint>\n"
					 " <fingerprint pattern='(?m:s.t)'>\n"
					 "  <description>ruby inline m is dotall</description><param pos='0' name='n' value='6'/>\n"
					 " </fingerprint>\n"
					 "</fingerprints>\n",
				 &rc, err, sizeof err);
	CHECK(rc == 0);
	if (!db)
		return;
	CHECK(strcmp(ks_recog_matches(db), "t.banner") == 0);
	CHECK(strcmp(ks_recog_protocol(db), "telnet") == 0); /* lower-cased, as Recog */
	CHECK(ks_recog_preference(db) > 0.099 && ks_recog_preference(db) < 0.101);
	CHECK(ks_recog_match(db, "ABC-DEF", 7, &res) == 0 && strcmp(ks_recog_result_get(&res, "n"), "1") == 0);
	CHECK(strcmp(ks_recog_result_get(&res, "service.protocol"), "telnet") == 0);
	CHECK(ks_recog_match(db, "x\ny", 3, &res) == 0 && strcmp(ks_recog_result_get(&res, "n"), "2") == 0);
	CHECK(ks_recog_match(db, "X\nY", 3, &res) == KS_ENOENT); /* no icase there */
	CHECK(ks_recog_match(db, "P\nQ", 3, &res) == 0 && strcmp(ks_recog_result_get(&res, "n"), "3") == 0);
	CHECK(ks_recog_match(db, "line1\nline2\nline3", 17, &res) == 0 &&
	      strcmp(ks_recog_result_get(&res, "n"), "4") == 0);
	CHECK(ks_recog_match(db, "id:00aF9", 8, &res) == 0 && strcmp(ks_recog_result_get(&res, "hex"), "00aF9") == 0);
	CHECK(ks_recog_match(db, "id:00aG9", 8, &res) == KS_ENOENT);
	CHECK(ks_recog_match(db, "s\nt", 3, &res) == 0 && strcmp(ks_recog_result_get(&res, "n"), "6") == 0);
	ks_recog_free(db);

	db = mem(HDR "<fingerprints>\n <fingerprint pattern='a' flags='REG_ICASE,REG_BOGUS'>\n"
		     "  <description>d</description><param pos='0' name='n' value='1'/>\n </fingerprint>\n</fingerprints>\n",
		 &rc, err, sizeof err);
	CHECK(rc == KS_EINVAL && db == NULL);
	CHECK(strstr(err, "t.xml:3:") == err && strstr(err, "REG_BOGUS") != NULL);
	ks_recog_result_release(&res);
}

KS_TEST(recog_params_interpolation)
{
	char err[256];
	int rc;
	struct ks_recog_result res;
	ks_recog_result_init(&res);
	struct ks_recog_db *db =
		mem(HDR "<fingerprints protocol='ssh'>\n"
			" <fingerprint pattern='^OpenSSH_([\\w.]+)(?: (\\S+))?'>\n"
			"  <description>  OpenSSH\n   server </description>\n"
			"  <example service.version='7.4'>OpenSSH_7.4</example>\n"
			"  <param pos='0' name='service.product' value='OpenSSH'/>\n"
			"  <param pos='1' name='service.version'/>\n"
			"  <param pos='2' name='os.comment'/>\n"
			"  <param pos='0' name='service.cpe23' value='cpe:/a:openbsd:openssh:{service.version}'/>\n"
			"  <param pos='0' name='x' value='{os.comment}|{nope}|{not closed|{}'/>\n"
			"  <param pos='0' name='service.protocol' value='ssh2'/>\n"
			" </fingerprint>\n"
			"</fingerprints>\n",
		    &rc, err, sizeof err);
	CHECK(rc == 0);
	if (!db)
		return;
	CHECK(strcmp(ks_recog_matches(db), "t") == 0); /* base name without .xml */
	CHECK(ks_recog_match(db, "OpenSSH_7.4 Debian-10", 21, &res) == 0);
	CHECK(strcmp(res.description, "OpenSSH server") == 0);
	CHECK(res.line == 3);
	CHECK(strcmp(ks_recog_result_get(&res, "service.version"), "7.4") == 0);
	CHECK(strcmp(ks_recog_result_get(&res, "service.cpe23"), "cpe:/a:openbsd:openssh:7.4") == 0);
	CHECK(strcmp(ks_recog_result_get(&res, "x"), "Debian-10|{nope}|{not closed|{}") == 0);
	/* The fingerprint's own service.protocol wins over the file's protocol. */
	CHECK(strcmp(ks_recog_result_get(&res, "service.protocol"), "ssh2") == 0);
	CHECK_EQ_U64(res.nparams, 6);
	/* An unset capture gives no param, and {name} of it stays as written. */
	CHECK(ks_recog_match(db, "OpenSSH_8.0", 11, &res) == 0);
	CHECK(ks_recog_result_get(&res, "os.comment") == NULL);
	CHECK(strcmp(ks_recog_result_get(&res, "x"), "{os.comment}|{nope}|{not closed|{}") == 0);
	CHECK_EQ_U64(res.nparams, 5);
	/* Example text and attributes are kept for tests. */
	struct ks_recog_example ex;
	CHECK(ks_recog_nexamples(db, 0) == 1 && ks_recog_example(db, 0, 0, &ex) == 0);
	CHECK(ex.len == 11 && ex.nattrs == 1 && strcmp(ex.names[0], "service.version") == 0);
	CHECK(ks_recog_example(db, 0, 1, &ex) == KS_ENOENT);
	ks_recog_free(db);
	ks_recog_result_release(&res);
}

KS_TEST(recog_base64_and_binary)
{
	char err[256];
	int rc;
	struct ks_recog_result res;
	ks_recog_result_init(&res);
	/* "\xff\xfb\x01login: " in base64, split over lines as in telnet_banners.xml. */
	struct ks_recog_db *db = mem(HDR "<fingerprints>\n"
					 " <fingerprint pattern='^\\xff\\xfb\\x01(\\w+):'>\n"
					 "  <description>iac</description>\n"
					 "  <example _encoding='base64' word='login'>\n    //sB\n    bG9naW46IA==\n  </example>\n"
					 "  <param pos='1' name='word'/>\n"
					 " </fingerprint>\n"
					 " <fingerprint pattern='^caf.$'>\n"
					 "  <description>utf8 text: one character</description><param pos='0' name='n' value='u'/>\n"
					 " </fingerprint>\n"
					 " <fingerprint pattern='^bin..$'>\n"
					 "  <description>binary text: bytes</description><param pos='0' name='n' value='b'/>\n"
					 " </fingerprint>\n"
					 "</fingerprints>\n",
				 &rc, err, sizeof err);
	CHECK(rc == 0);
	if (!db)
		return;
	struct ks_recog_example ex;
	CHECK(ks_recog_example(db, 0, 0, &ex) == 0);
	CHECK(ex.len == 10 && memcmp(ex.text, "\xff\xfb\x01login: ", 10) == 0);
	CHECK(ks_recog_match_one(db, 0, ex.text, ex.len, &res) == 0 &&
	      strcmp(ks_recog_result_get(&res, "word"), "login") == 0);
	CHECK(ks_recog_match(db, "caf\xc3\xa9", 5, &res) == 0 && strcmp(ks_recog_result_get(&res, "n"), "u") == 0);
	CHECK(ks_recog_match(db, "bin\xc3\xff", 5, &res) == 0 && strcmp(ks_recog_result_get(&res, "n"), "b") == 0);
	/* Embedded NUL bytes are text like any other. */
	CHECK(ks_recog_match(db, "bin\0\0", 5, &res) == 0);
	ks_recog_free(db);
	ks_recog_result_release(&res);
}

KS_TEST(recog_errors_name_file_and_line)
{
	char err[256];
	int rc;
	struct ks_recog_db *db;
	static const struct {
		const char *xml, *want;
		int rc;
	} cases[] = {
		{HDR "<fingerprints>\n<fingerprint pattern='a'>\n<description>x</description>\n</fingerprints>\n",
		 "t.xml:6: XML: Premature end of data", KS_EINVAL},
		{HDR "<fingerprints>\n\n<fingerprint pattern='(a'><description>x</description>"
		     "<param pos='0' name='n' value='1'/></fingerprint>\n</fingerprints>\n",
		 "t.xml:4: pattern does not compile", KS_EINVAL},
		{HDR "<fingerprints>\n<fingerprint pattern='(a)'><description>x</description>\n"
		     "<param pos='2' name='n'/></fingerprint>\n</fingerprints>\n",
		 "t.xml:4: param n: pos 2 but the pattern has 1 capture groups", KS_EINVAL},
		{HDR "<fingerprints>\n<fingerprint pattern='a'><description>x</description>\n"
		     "<param pos='0' name='n'/></fingerprint>\n</fingerprints>\n",
		 "t.xml:4: param n: pos 0 (a fixed value) needs a value", KS_EINVAL},
		{HDR "<fingerprints>\n<fingerprint pattern='a'><description>x</description>\n"
		     "<param pos='x1' name='n'/></fingerprint>\n</fingerprints>\n",
		 "t.xml:4: param n: pos must be an integer", KS_EINVAL},
		{HDR "<fingerprints>\n<fingerprint><description>x</description></fingerprint>\n</fingerprints>\n",
		 "t.xml:3: fingerprint without a pattern", KS_EINVAL},
		{HDR "<fingerprints>\n<fingerprint pattern='a'><bogus/></fingerprint>\n</fingerprints>\n",
		 "t.xml:3: unexpected element <bogus>", KS_EINVAL},
		{HDR "<notfingerprints/>\n", "t.xml:2: root element is not <fingerprints>", KS_EINVAL},
		{HDR "<fingerprints preference='2'>\n</fingerprints>\n", "t.xml:2: preference", KS_EINVAL},
		{HDR "<!DOCTYPE fingerprints [\n<!ENTITY a 'aaaa'>\n]>\n<fingerprints/>\n",
		 "t.xml:", KS_EINVAL},
		{HDR "<fingerprints>\n<fingerprint pattern='[[:alpha:]&amp;&amp;[^a]]'><description>x</description>"
		     "<param pos='0' name='n' value='1'/></fingerprint>\n</fingerprints>\n",
		 "t.xml:3: pattern: nested character classes", KS_EINVAL},
		{"", "t.xml:1: XML:", KS_EINVAL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		err[0] = '\0';
		db = mem(cases[i].xml, &rc, err, sizeof err);
		if (rc != cases[i].rc || db || strncmp(err, cases[i].want, strlen(cases[i].want)) != 0) {
			fprintf(stderr, "  case %zu: rc %d, error '%s', expected '%s'\n", i, rc, err, cases[i].want);
			ks_test_failures++;
		}
		ks_recog_free(db);
	}
	/* The DOCTYPE case says why. */
	db = mem(cases[9].xml, &rc, err, sizeof err);
	CHECK(strstr(err, "DOCTYPE") != NULL);
	/* A missing file is an I/O error naming it. */
	CHECK(ks_recog_load("/nonexistent/x.xml", &db, err, sizeof err) == KS_EIO && db == NULL);
	CHECK(strstr(err, "/nonexistent/x.xml: cannot open") == err);
}

KS_TEST(recog_hostile_pattern_is_bounded)
{
	char err[256];
	int rc;
	struct ks_recog_result res;
	ks_recog_result_init(&res);
	/* Classic catastrophic backtracking: (a+)+$ against "aaaa...b". PCRE2's
	 * match limit stops it; the fingerprint gives no match and is counted. */
	struct ks_recog_db *db = mem(HDR "<fingerprints>\n"
					 " <fingerprint pattern='^(a+)+$'><description>evil</description>"
					 "<param pos='0' name='n' value='1'/></fingerprint>\n"
					 " <fingerprint pattern='^a'><description>next</description>"
					 "<param pos='0' name='n' value='2'/></fingerprint>\n"
					 "</fingerprints>\n",
				 &rc, err, sizeof err);
	CHECK(rc == 0);
	if (!db)
		return;
	char text[4096];
	memset(text, 'a', sizeof text);
	text[sizeof text - 1] = 'b';
	CHECK(ks_recog_match(db, text, sizeof text, &res) == 0);
	CHECK(strcmp(ks_recog_result_get(&res, "n"), "2") == 0);
	CHECK(ks_recog_limit_hits(db) == 1);
	ks_recog_free(db);
	ks_recog_result_release(&res);
}

KS_TEST(recog_set_preference_order)
{
	/* Two files with the same matches key: the higher preference wins. */
	char dir[] = "/tmp/ks_recog_XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	const char *a = HDR "<fingerprints matches='x.banner' preference='0.2'><fingerprint pattern='^hello'>"
			    "<description>low</description><param pos='0' name='n' value='low'/></fingerprint>"
			    "</fingerprints>\n";
	const char *b = HDR "<fingerprints matches='x.banner' preference='0.9'><fingerprint pattern='^hello'>"
			    "<description>high</description><param pos='0' name='n' value='high'/></fingerprint>"
			    "</fingerprints>\n";
	const char *c = HDR "<fingerprints matches='y.banner'><fingerprint pattern='^bye'>"
			    "<description>other</description><param pos='0' name='n' value='y'/></fingerprint>"
			    "</fingerprints>\n";
	const char *names[] = {"a.xml", "b.xml", "c.xml", "ignored.txt"};
	const char *bodies[] = {a, b, c, "not xml"};
	char path[256];
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "w");
		CHECK(f != NULL);
		if (f) {
			fputs(bodies[i], f);
			fclose(f);
		}
	}
	struct ks_recog_set *set;
	char err[256];
	CHECK(ks_recog_set_load_dir(dir, &set, err, sizeof err) == 0);
	CHECK_EQ_U64(ks_recog_set_count(set), 3);
	struct ks_recog_result res;
	ks_recog_result_init(&res);
	CHECK(ks_recog_set_match(set, "x.banner", "hello", 5, &res) == 0 &&
	      strcmp(ks_recog_result_get(&res, "n"), "high") == 0);
	CHECK(ks_recog_set_match(set, "y.banner", "hello", 5, &res) == KS_ENOENT);
	CHECK(ks_recog_set_match(set, "z.banner", "bye", 3, &res) == KS_ENOENT);
	CHECK(ks_recog_set_match(set, NULL, "bye", 3, &res) == 0 && strcmp(res.matches, "y.banner") == 0);
	ks_recog_result_release(&res);
	ks_recog_set_free(set);
	/* Optional missing directories are skipped; required ones are errors. */
	const char *dirs[] = {"/nonexistent/recog", dir};
	CHECK(ks_recog_set_load_dirs(dirs, 2, 1, &set, err, sizeof err) == 0 && ks_recog_set_count(set) == 3);
	ks_recog_set_free(set);
	CHECK(ks_recog_set_load_dirs(dirs, 2, 0, &set, err, sizeof err) == KS_EIO && set == NULL);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		remove(path);
	}
	rmdir(dir);
}

KS_TEST(recog_caps)
{
	char err[256];
	struct ks_recog_db *db;
	/* XML larger than the cap is refused before parsing. */
	size_t big = KS_RECOG_MAX_XML + 1;
	char *xml = calloc(1, big);
	CHECK(xml != NULL);
	if (!xml)
		return;
	memset(xml, ' ', big);
	CHECK(ks_recog_load_mem("big.xml", xml, big, &db, err, sizeof err) == KS_ELIMIT && db == NULL);
	CHECK(strstr(err, "big.xml: ") == err);
	/* A pattern longer than the cap. */
	size_t plen = KS_RECOG_MAX_PATTERN + 1;
	int n = snprintf(xml, big, HDR "<fingerprints>\n<fingerprint pattern='");
	memset(xml + n, 'a', plen);
	snprintf(xml + n + plen, big - n - plen,
		 "'><description>x</description><param pos='0' name='n' value='1'/></fingerprint>\n</fingerprints>\n");
	CHECK(ks_recog_load_mem("p.xml", xml, strlen(xml), &db, err, sizeof err) == KS_ELIMIT && db == NULL);
	CHECK(strstr(err, "p.xml:3: pattern of 8193 bytes") == err);
	/* More params than the cap. */
	n = snprintf(xml, big, HDR "<fingerprints>\n<fingerprint pattern='a'><description>x</description>\n");
	for (int i = 0; i <= KS_RECOG_MAX_PARAMS; i++)
		n += snprintf(xml + n, big - (size_t)n, "<param pos='0' name='p%d' value='v'/>\n", i);
	snprintf(xml + n, big - (size_t)n, "</fingerprint>\n</fingerprints>\n");
	CHECK(ks_recog_load_mem("q.xml", xml, strlen(xml), &db, err, sizeof err) == KS_ELIMIT && db == NULL);
	CHECK(strstr(err, "q.xml:3:") == err);
	/* A capture position beyond the cap. */
	const char *pos = HDR "<fingerprints>\n<fingerprint pattern='(a)'><description>x</description>\n"
			      "<param pos='100' name='n'/></fingerprint>\n</fingerprints>\n";
	CHECK(ks_recog_load_mem("r.xml", pos, strlen(pos), &db, err, sizeof err) == KS_ELIMIT && db == NULL);
	free(xml);
}
