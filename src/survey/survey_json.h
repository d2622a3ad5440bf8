/* SPDX-License-Identifier: BSD-2-Clause */
/* The survey's records as JSON lines: what `survey run --output FILE.jsonl`
 * writes and `survey import FILE.jsonl` reads (a remote scanner site ships
 * one round to the centre this way). One module maps records to and from
 * JSON so that writer and reader cannot drift apart. Format (docs/formats.md,
 * "Survey records (JSON lines)"): one JSON object per line, UTF-8, "kind"
 * first; blank lines are ignored. Field names are the survey.h field names,
 * except address (ks_svc.addr ...) and severity (ks_finding.sev):
 *
 *   {"kind":"round","scope_name":"lab","scope_hash":"…","in_scope":256,
 *    "started":"2026-12-01T00:00:00Z","ended":"2026-12-01T01:00:00Z",
 *    "complete":true}             (optional, at most one, anywhere in the file:
 *                                   a writer knows "ended" only at the end)
 *   {"kind":"service","address":"192.0.2.7","port":23,"proto":"tcp",
 *    "module":"telnet","banner":"…","vendor":"…","product":"…",
 *    "version":"…","device_type":"…","cpe":"…","title":"…","facts":"…"}
 *   {"kind":"finding","address":"192.0.2.7","port":23,"proto":"tcp",
 *    "type":"weak_credentials","severity":"critical","product":"…",
 *    "detail":"…","org":"city-a"}
 *   {"kind":"audit","t_ns":1796083200000000000,"address":"192.0.2.7",
 *    "port":23,"proto":"tcp","module":"telnet-login",
 *    "outcome":"login-accepted user=root"}
 *
 * proto is "tcp", "udp" or "ip" (port 0: address-wide findings). Round times
 * are "YYYY-MM-DDTHH:MM:SSZ" (UTC, seconds). In service and finding records
 * every text field is optional ("" = unknown); address, port, proto, type,
 * severity, module (of a service and an audit), t_ns and outcome are
 * required. "org" is optional on findings: the organisation id the scope line
 * gave the address (ks_scope_org()); absent or "" = look it up in the
 * organisation registry. Unknown fields, wrong types, out-of-range numbers
 * and unknown names are errors; over-long text is cut to the record's field
 * (at a UTF-8 boundary, never an error) and control characters become '.'.
 *
 * Ownership: *_to_json return a new reference (caller json_decref()s). The
 * JSON readers fill caller-allocated records; struct ks_survey_rec holds the
 * storage an audit's module/outcome point into. No global state; thread-safe.
 * Control plane: out-of-memory exits. */
#ifndef KS_SURVEY_JSON_H
#define KS_SURVEY_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "survey.h"

#define KS_SURVEY_ORG_MAX 64         /* organisation ids, as in org.h / scan_scope.h */
#define KS_SURVEY_SCOPE_NAME_MAX 128
#define KS_SURVEY_SCOPE_HASH_MAX 80
#define KS_SURVEY_JSONL_LINE_MAX 8192 /* bytes per line in a JSON-lines file */
#define KS_SURVEY_JSONL_MAX_LINES 10000000

/* The optional round header of a JSON-lines file. */
struct ks_survey_round_hdr {
	char scope_name[KS_SURVEY_SCOPE_NAME_MAX + 1]; /* "" = not given */
	char scope_hash[KS_SURVEY_SCOPE_HASH_MAX + 1]; /* "" = not given */
	uint64_t in_scope;                              /* addresses in scope; 0 = not given */
	int64_t started_s, ended_s;                     /* epoch seconds; 0 = not given */
	int complete;                                   /* 1, 0, or -1 = not given */
};

enum ks_survey_kind { KS_REC_ROUND, KS_REC_SERVICE, KS_REC_FINDING, KS_REC_AUDIT };

/* One parsed record. For KS_REC_AUDIT, audit.module and audit.outcome point
 * into module[] and outcome[] of the same struct (do not copy the struct
 * and keep the copy's pointers). */
struct ks_survey_rec {
	enum ks_survey_kind kind;
	struct ks_survey_round_hdr round;
	struct ks_svc svc;
	struct ks_finding finding;
	char org[KS_SURVEY_ORG_MAX + 1]; /* finding's "org", "" if none */
	struct ks_audit audit;
	char module[32];
	char outcome[161];
};

/* Protocol names: 6 "tcp", 17 "udp", 0 "ip"; others "?". */
const char *ks_survey_proto_name(uint8_t proto);
/* "tcp"/"udp"/"ip" -> 6/17/0. 0 or KS_EINVAL. */
int ks_survey_proto_parse(const char *s, uint8_t *out);

/* Record -> JSON object (with "kind" first). org may be NULL or "" (the
 * finding then has no "org" field). */
json_t *ks_svc_to_json(const struct ks_svc *s);
json_t *ks_finding_to_json(const struct ks_finding *f, const char *org);
json_t *ks_audit_to_json(const struct ks_audit *a);
json_t *ks_round_hdr_to_json(const struct ks_survey_round_hdr *h);

/* JSON object -> record. The object's "kind" selects the record; out is
 * cleared first. Returns 0, or KS_EINVAL with "field 'port': expected an
 * integer 0-65535" (naming the field) in err. */
int ks_survey_rec_from_json(const json_t *j, struct ks_survey_rec *out, char *err, size_t errlen);

/* Parses one line (without its newline; need not be NUL-terminated). 0 or
 * KS_EINVAL with err as above (plus "not JSON: ..." for syntax errors). */
int ks_survey_rec_parse(const char *line, size_t len, struct ks_survey_rec *out, char *err,
			size_t errlen);

/* Called once per record of a file, in file order, with its line number
 * (1-based). A non-zero return stops the walk and is returned. */
typedef int (*ks_survey_rec_fn)(void *ctx, unsigned line, const struct ks_survey_rec *r);

/* Reads a whole JSON-lines file buf[0..len), named name for messages, and
 * calls fn for each record: the round record first, wherever it stands,
 * then the others in file order. Checks the whole file first and calls fn only if
 * every line is good (so a caller that applies records from fn applies all
 * or nothing): on the first bad line returns KS_EINVAL with
 * "NAME:LINE: field 'x': ..." in err and calls fn not at all. A second round
 * record, a line longer than KS_SURVEY_JSONL_LINE_MAX or more than
 * KS_SURVEY_JSONL_MAX_LINES lines are errors too (KS_EINVAL / KS_ELIMIT).
 * fn may be NULL (validate only). */
int ks_survey_jsonl_read(const char *buf, size_t len, const char *name, ks_survey_rec_fn fn,
			 void *ctx, char *err, size_t errlen);

/* Writes j (not consumed) as one compact line with its newline. 0 or KS_EIO. */
int ks_survey_jsonl_put(FILE *f, const json_t *j);

/* A sink that writes every record it receives as a JSON line to f (the
 * writer side of `survey run --output`). org_of, if not NULL, gives the
 * "org" of a finding's address (e.g. ks_scope_org() of the run's scope)
 * and may return NULL or "". Write errors are sticky: see
 * ks_survey_jsonl_writer_error(). The writer does not own f. */
struct ks_survey_jsonl_writer {
	FILE *f;
	const char *(*org_of)(void *org_ctx, const struct ks_addr *a);
	void *org_ctx;
	int err; /* 0 or the first KS_EIO */
	uint64_t lines;
};
void ks_survey_jsonl_writer_init(struct ks_survey_jsonl_writer *w, FILE *f);
/* Fills *sink so that it writes through w (w must outlive the sink). */
void ks_survey_jsonl_sink(struct ks_survey_jsonl_writer *w, struct ks_survey_sink *sink);
/* Writes the round header line (at the start or at the end of the file). */
int ks_survey_jsonl_write_round(struct ks_survey_jsonl_writer *w, const struct ks_survey_round_hdr *h);
static inline int ks_survey_jsonl_writer_error(const struct ks_survey_jsonl_writer *w)
{
	return w->err;
}

#endif
