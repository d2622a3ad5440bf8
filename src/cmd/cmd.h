/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared state and helpers of the kansoku command-line front end. */
#ifndef KS_CMD_H
#define KS_CMD_H

#include <jansson.h>

#include "store.h"

/* Exit codes (documented in README.md and `kansoku --help`). */
enum {
	KS_EXIT_OK = 0,
	KS_EXIT_FAIL = 1,   /* runtime failure: store, I/O, capture device */
	KS_EXIT_USAGE = 2,  /* bad command line */
	KS_EXIT_DATA = 3,   /* bad input data: malformed file, unsupported format */
	KS_EXIT_SIGNAL = 130, /* interrupted before finishing (nothing half-written) */
};

/* KS_FMT_STIX only where a command allows it (`cc export`). */
enum ks_format { KS_FMT_TEXT = 0, KS_FMT_JSON, KS_FMT_CSV, KS_FMT_STIX };

/* Default scan threshold: see docs/darknet.md ("Scanners"). */
#define KS_DEFAULT_SCAN_THRESHOLD 10

struct ks_globals {
	const char *db;         /* store path */
	enum ks_format format;
	int format_given;
};
extern struct ks_globals ks_g;

struct ks_opt;
struct ks_cmd_help;
/* Parses a command's options. args (room for argc) and nargs receive the
 * positional arguments; both may be NULL for commands that take none.
 * Returns -1 to go on, or the exit code to return at once (0 after --help,
 * KS_EXIT_USAGE after an error, which was printed). */
int ks_cmd_parse(const struct ks_opt *opts, const struct ks_cmd_help *h, int argc, char **argv,
		 char **args, int *nargs);
/* Opens ks_g.db and loads its organisations; prints errors. 0 or an exit code. */
int ks_cmd_store_orgs(struct ks_store **st, struct ks_org_list *l);
/* The scan threshold readers use: `given` when set (non-zero), else that of
 * the latest ingest in span, else KS_DEFAULT_SCAN_THRESHOLD. */
uint32_t ks_cmd_threshold(struct ks_store *st, const struct ks_span *sp, uint32_t given);
/* Opens ks_g.db; prints the error and returns non-zero on failure. */
int ks_cmd_store(struct ks_store **out);
/* Prints j (consumed) as indented JSON and a newline to stdout. */
void ks_cmd_json(json_t *j);
/* Parses --since/--until values into a span; prints errors. 0 or KS_EINVAL. */
int ks_cmd_span(const char *since, const char *until, struct ks_span *sp);
/* Reads a whole file (at most max bytes) into *buf (caller frees). */
/* Survey commands (cmd_scope.c): reads and parses the scope file and the
 * exclusion file (NULL: none) into s (ks_scope_init()ed by the caller), and
 * builds it; warn_refused: a warning per refused line. *hash (may be NULL)
 * receives the XXH3 hash of both files' contents. 0, or an exit code after
 * the error was printed (KS_EXIT_FAIL unreadable, KS_EXIT_DATA syntax). */
struct ks_scope;
int ks_cmd_scope_load(struct ks_scope *s, const char *scope_path, const char *excl_path,
		      bool warn_refused, uint64_t *hash);
/* --user: drops root privileges to user (groups, gid, uid) and checks they
 * cannot be regained. 0, or -1 after an error message (main.c). */
int ks_cmd_drop_privileges(const char *user);
int ks_cmd_read_file(const char *path, size_t max, char **buf, size_t *len, char *err, size_t errlen);

int cmd_darknet_ingest(int argc, char **argv);
int cmd_darknet_capture(int argc, char **argv);
int cmd_darknet_report(int argc, char **argv);
int cmd_darknet_sources(int argc, char **argv);
int cmd_org_import(int argc, char **argv);
int cmd_org_list(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_flow_ingest(int argc, char **argv);
int cmd_flow_collect(int argc, char **argv);
int cmd_flow_stats(int argc, char **argv);
int cmd_flow_top(int argc, char **argv);
int cmd_flow_query(int argc, char **argv);
int cmd_flow_detect_cc(int argc, char **argv);
int cmd_cc_list(int argc, char **argv);
int cmd_cc_export(int argc, char **argv);
int cmd_cc_import(int argc, char **argv);
int cmd_survey_run(int argc, char **argv);
int cmd_flow_decode(int argc, char **argv);
int cmd_survey_fingerprint(int argc, char **argv);
int cmd_survey_vulns(int argc, char **argv);
int cmd_survey_discover(int argc, char **argv);
int cmd_survey_login(int argc, char **argv);
int cmd_survey_import(int argc, char **argv);
int cmd_survey_findings(int argc, char **argv);
int cmd_survey_services(int argc, char **argv);
int cmd_survey_stats(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_org_risk(int argc, char **argv);
int cmd_survey_grab(int argc, char **argv);

/* Recog database directories (cmd_survey.c): the defaults relative to the
 * executable (writes malloc'ed paths to out[0..2], returns how many), and
 * taking every repeatable --recog-dir DIR out of argv (new argc, or -1
 * after printing an error; at most KS_CMD_RECOG_DIRS). */
#define KS_CMD_RECOG_DIRS 32
size_t ks_cmd_recog_default_dirs(char **out);
int ks_cmd_recog_take_dirs(int argc, char **argv, const char **dirs, size_t *ndirs);
/* Loads the default directories (unless no_default) and dirs into a new set
 * *out. 0, or an exit code after printing the error. */
struct ks_recog_set;
int ks_cmd_recog_load(const char *const *dirs, size_t ndirs, int no_default,
		      struct ks_recog_set **out);

#endif
