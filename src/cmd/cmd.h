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

enum ks_format { KS_FMT_TEXT = 0, KS_FMT_JSON, KS_FMT_CSV };

struct ks_globals {
	const char *db;         /* store path */
	enum ks_format format;
	int format_given;
};
extern struct ks_globals ks_g;

/* Opens ks_g.db; prints the error and returns non-zero on failure. */
int ks_cmd_store(struct ks_store **out);
/* Prints j (consumed) as indented JSON and a newline to stdout. */
void ks_cmd_json(json_t *j);
/* Parses --since/--until values into a span; prints errors. 0 or KS_EINVAL. */
int ks_cmd_span(const char *since, const char *until, struct ks_span *sp);
/* Reads a whole file (at most max bytes) into *buf (caller frees). */
int ks_cmd_read_file(const char *path, size_t max, char **buf, size_t *len, char *err, size_t errlen);

int cmd_darknet_ingest(int argc, char **argv);
int cmd_darknet_capture(int argc, char **argv);
int cmd_darknet_report(int argc, char **argv);
int cmd_darknet_sources(int argc, char **argv);
int cmd_org_import(int argc, char **argv);
int cmd_org_list(int argc, char **argv);
int cmd_alerts(int argc, char **argv);

#endif
