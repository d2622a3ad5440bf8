/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku survey fingerprint: identifies a banner with the Recog fingerprint
 * databases (src/grab/recog.h; docs/survey.md, "Fingerprints"). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_data.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "recog.h"

#define MAX_TEXT (1u << 20) /* bytes of text read from standard input */

/* The default directory: data/recog of the source tree or share/kansoku/recog
 * of an installation (ks_data.h), if it exists. Returns how many paths were
 * written to out (malloc'ed strings). */
size_t ks_cmd_recog_default_dirs(char **out)
{
	size_t n = 0;
#ifdef KS_RECOG_DATADIR
	out[n++] = ks_xstrdup(KS_RECOG_DATADIR);
#endif
	char p[4096];
	if (ks_data_path("recog", p, sizeof p) == 0)
		out[n++] = ks_xstrdup(p);
	return n;
}

/* Takes every "--recog-dir DIR" / "--recog-dir=DIR" out of argv (the option
 * may repeat, which the option table cannot express). Returns the new argc,
 * or -1 after printing an error. */
int ks_cmd_recog_take_dirs(int argc, char **argv, const char **dirs, size_t *ndirs)
{
	int out = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(a, "--recog-dir") == 0) {
			if (i + 1 >= argc) {
				ks_err("--recog-dir needs a directory");
				return -1;
			}
			v = argv[++i];
		} else if (strncmp(a, "--recog-dir=", 12) == 0) {
			v = a + 12;
		} else {
			argv[out++] = argv[i];
			continue;
		}
		if (!*v || *ndirs >= KS_CMD_RECOG_DIRS) {
			ks_err(!*v ? "--recog-dir needs a directory" : "--recog-dir: at most %d directories", KS_CMD_RECOG_DIRS);
			return -1;
		}
		dirs[(*ndirs)++] = v;
	}
	argv[out] = NULL;
	return out;
}

int ks_cmd_recog_load(const char *const *dirs, size_t ndirs, int no_default,
		      struct ks_recog_set **out)
{
	char err[600];
	char *defs[3];
	size_t ndefs = no_default ? 0 : ks_cmd_recog_default_dirs(defs);
	struct ks_recog_set *set = ks_recog_set_new();
	int r = 0;
	for (size_t i = 0; i < ndefs; i++) {
		if (r == 0)
			r = ks_recog_set_add_dir(set, defs[i], 1, err, sizeof err);
		free(defs[i]);
	}
	for (size_t i = 0; i < ndirs && r == 0; i++)
		r = ks_recog_set_add_dir(set, dirs[i], 0, err, sizeof err);
	if (r != 0) {
		ks_err("%s", err);
		ks_recog_set_free(set);
		return r == KS_EIO ? KS_EXIT_FAIL : KS_EXIT_DATA;
	}
	*out = set;
	return 0;
}

static void print_result(const struct ks_recog_result *res)
{
	if (ks_g.format == KS_FMT_JSON) {
		json_t *p = json_object();
		for (size_t i = 0; i < res->nparams; i++)
			json_object_set_new(p, res->params[i].name, json_string(res->params[i].value));
		json_t *o = json_pack("{s:b, s:s, s:s, s:i, s:s, s:o}", "matched", 1, "matches", res->matches,
				      "file", res->file, "line", (int)res->line, "description",
				      res->description, "params", p);
		if (res->truncated)
			json_object_set_new(o, "truncated", json_true());
		ks_cmd_json(o);
	} else if (ks_g.format == KS_FMT_CSV) {
		const char *hdr[] = {"name", "value"};
		ks_csv_row(stdout, hdr, 2);
		const char *m[] = {"fingerprint_db", res->matches};
		ks_csv_row(stdout, m, 2);
		const char *d[] = {"matched", res->description};
		ks_csv_row(stdout, d, 2);
		for (size_t i = 0; i < res->nparams; i++) {
			const char *row[] = {res->params[i].name, res->params[i].value};
			ks_csv_row(stdout, row, 2);
		}
	} else {
		printf("%-20s %s\n", "fingerprint_db", res->matches);
		printf("%-20s %s\n", "matched", res->description);
		printf("%-20s %s:%u\n", "source", res->file, res->line);
		for (size_t i = 0; i < res->nparams; i++)
			printf("%-20s %s\n", res->params[i].name, res->params[i].value);
	}
}

/* Runs every <example> of every loaded database against its fingerprint, as
 * Recog's verifier does; prints each failure. Returns the number of failures. */
static size_t verify(const struct ks_recog_set *set, size_t *nex)
{
	struct ks_recog_result res;
	ks_recog_result_init(&res);
	size_t bad = 0;
	*nex = 0;
	for (size_t d = 0; d < ks_recog_set_count(set); d++) {
		const struct ks_recog_db *db = ks_recog_set_db(set, d);
		for (size_t i = 0; i < ks_recog_count(db); i++) {
			for (size_t k = 0; k < ks_recog_nexamples(db, i); k++) {
				struct ks_recog_example ex;
				if (ks_recog_example(db, i, k, &ex) != 0)
					continue;
				(*nex)++;
				const char *why = NULL, *name = "", *want = "", *got = "";
				if (ks_recog_match_one(db, i, ex.text, ex.len, &res) != 0) {
					why = "the example does not match its fingerprint";
				} else {
					for (size_t a = 0; a < ex.nattrs && !why; a++) {
						const char *v = ks_recog_result_get(&res, ex.names[a]);
						if (!v || strcmp(v, ex.values[a]) != 0) {
							why = "param";
							name = ex.names[a];
							want = ex.values[a];
							got = v ? v : "(none)";
						}
					}
				}
				if (!why)
					continue;
				bad++;
				if (strcmp(why, "param") == 0)
					printf("%s:%u: %s is '%s', expected '%s'\n", ks_recog_file(db), ex.line, name,
					       got, want);
				else
					printf("%s:%u: %s\n", ks_recog_file(db), ex.line, why);
			}
		}
	}
	ks_recog_result_release(&res);
	return bad;
}

int cmd_survey_fingerprint(int argc, char **argv)
{
	const char *matches = NULL, *dir_help = NULL;
	int no_default = 0, do_verify = 0;
	const struct ks_opt opts[] = {
		{"recog-dir", KS_OPT_STR, &dir_help, "DIR",
		 "also load every *.xml in DIR (repeatable; e.g. a checkout of Rapid7 Recog's xml/)", 0, 0},
		{"no-default-dirs", KS_OPT_FLAG, &no_default, NULL,
		 "do not load the databases shipped with kansoku (data/recog)", 0, 0},
		{"verify", KS_OPT_FLAG, &do_verify, NULL,
		 "run every <example> of the loaded databases instead of matching TEXT", 0, 0},
		{"matches", KS_OPT_STR, &matches, "KEY",
		 "only databases with this matches key, e.g. ssh.banner (default: all, by preference)", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey fingerprint [--recog-dir DIR]... [--matches KEY] [--format text|json|csv] TEXT|-\n"
		"       kansoku survey fingerprint [--recog-dir DIR]... --verify",
		"Identifies a banner (TEXT, or standard input with -) with Recog fingerprint databases and\n"
		"prints the first matching fingerprint and its parameters (vendor, product, version, ...).",
		"Databases: kansoku's own (data/recog of the source tree, or <prefix>/share/kansoku/recog of\n"
		"an installation) plus every --recog-dir. Rapid7 Recog's databases are not installed with\n"
		"kansoku; point --recog-dir at a copy of them. Databases are tried by descending preference,\n"
		"fingerprints in file order; the first match wins (Recog's rules, docs/survey.md).\n"
		"From standard input one trailing newline (LF or CR LF) is removed. No match is not an error:\n"
		"text prints \"no match\", json {\"matched\": false}, csv only the header; the exit status is 0.\n"
		"--verify checks every <example> against its fingerprint as Recog's verifier does, prints\n"
		"each failure as FILE:LINE and exits with 3 if any fails.",
		0, 1};
	const char *dirs[KS_CMD_RECOG_DIRS];
	size_t ndirs = 0;
	argc = ks_cmd_recog_take_dirs(argc, argv, dirs, &ndirs);
	if (argc < 0)
		return KS_EXIT_USAGE;
	char **args = ks_xcalloc((size_t)argc + 1, sizeof *args);
	int r = ks_cmd_parse(opts, &h, argc, argv, args, NULL);
	if (r >= 0) {
		free(args);
		return r;
	}
	const char *arg = args[0];
	free(args);
	if (!arg != !!do_verify) {
		ks_err(do_verify ? "--verify takes no TEXT" : "expected TEXT or - (see --help)");
		return KS_EXIT_USAGE;
	}

	char err[600];
	struct ks_recog_set *set;
	r = ks_cmd_recog_load(dirs, ndirs, no_default, &set);
	if (r != 0)
		return r;

	if (do_verify) {
		size_t nex, bad = verify(set, &nex);
		ks_info("%zu of %zu examples in %zu databases pass", nex - bad, nex, ks_recog_set_count(set));
		ks_recog_set_free(set);
		return bad ? KS_EXIT_DATA : KS_EXIT_OK;
	}

	char *buf = NULL;
	size_t len;
	if (strcmp(arg, "-") == 0) {
		if (ks_cmd_read_file("-", MAX_TEXT, &buf, &len, err, sizeof err) != 0) {
			ks_err("%s", err);
			ks_recog_set_free(set);
			return KS_EXIT_FAIL;
		}
		if (len && buf[len - 1] == '\n')
			len--;
		if (len && buf[len - 1] == '\r')
			len--;
	} else {
		len = strlen(arg);
	}
	const char *text = buf ? buf : arg;

	struct ks_recog_result res;
	ks_recog_result_init(&res);
	if (ks_recog_set_count(set) == 0)
		ks_warn("no fingerprint databases loaded (give --recog-dir DIR)");
	if (ks_recog_set_match(set, matches, text, len, &res) == 0) {
		print_result(&res);
	} else if (ks_g.format == KS_FMT_JSON) {
		ks_cmd_json(json_pack("{s:b}", "matched", 0));
	} else if (ks_g.format == KS_FMT_CSV) {
		const char *hdr[] = {"name", "value"};
		ks_csv_row(stdout, hdr, 2);
	} else {
		printf("no match\n");
	}
	uint64_t hits = 0;
	for (size_t i = 0; i < ks_recog_set_count(set); i++)
		hits += ks_recog_limit_hits(ks_recog_set_db(set, i));
	if (hits)
		ks_warn("%llu fingerprint(s) stopped at the regular-expression match limit and were skipped",
			(unsigned long long)hits);
	ks_recog_result_release(&res);
	ks_recog_set_free(set);
	free(buf);
	return KS_EXIT_OK;
}
