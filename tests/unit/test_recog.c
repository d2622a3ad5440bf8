/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the Recog fingerprint engine (src/grab/recog.c): every <example>
 * of every Recog XML file in ../shared/data/recog and of our own
 * data/recog files must match its fingerprint with the expected params (as
 * Recog's own verifier checks them), plus hand-made cases for flags,
 * interpolation, limits and errors that name the file and line. */
#include <dirent.h>
#include <stdlib.h>
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
