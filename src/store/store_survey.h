/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's active-survey tables (docs/store.md, docs/survey.md "Findings
 * and rounds"): survey rounds, the audit trail, identified services, and
 * findings with their lifecycle.
 *
 * A round is one pass of `survey run` (or one `survey import`) over a scope.
 * Rounds of the same scope share a scope name; resolution only ever looks at
 * findings of the round's own scope.
 *
 *   ks_survey_round_begin()  --(records via the sink)-->  ks_survey_round_end()
 *        |       ^                                              |
 *        |       +-- ks_survey_round_resume() (unfinished      complete: open findings of
 *        |           round of the same scope name and hash,     the scope not seen in this
 *        |           from its saved (key, index))               round become resolved
 *        +-- killed: the round stays unfinished (ended NULL)
 *
 * Findings are kept per (address, port, proto, type): the first sighting
 * inserts it (status open, first_seen); every later sighting updates
 * last_seen, severity, product, detail, last_round, and reopens a resolved
 * finding (status open, resolved_at cleared; first_seen is kept). At the end
 * of a COMPLETE round every open finding of the same scope whose last_round
 * is not this round becomes resolved, resolved_at = the round's end. An
 * incomplete round (complete = 0, e.g. --max-targets cut it short) resolves
 * nothing.
 *
 * Organisation of a finding: the org given with it (the scope line's org,
 * ks_survey_round_finding_org() or the round's scope), else the organisation
 * registry's longest matching prefix, else "".
 *
 * Infected marking: ks_survey_round_end() gives every address surveyed in
 * the round (any audit, service or finding record) that the darknet store
 * saw as a scanner (ks_dn_is_scanner, at the threshold of the latest
 * ingest) or with a bot tag (KS_TAG_BOTS), as src/org/alerts.c does, an
 * `infected` finding (port 0, proto 0, severity high) before resolution.
 *
 * Durability: the sink writes inside a transaction that is committed every
 * batch_records records (or at the first record after the batch has been
 * open KS_SURVEY_BATCH_SECONDS) and at every ks_survey_round_save_resume();
 * a transaction holds the store's write lock, so a caller whose records
 * may pause should save its resume point regularly. So a
 * process killed at any moment loses at most the last batch and leaves a
 * consistent store (the round unfinished, its resume point no later than
 * what was committed). With batch_records = 0 the whole round is one
 * transaction, committed by ks_survey_round_end() (all or nothing, as
 * `survey import` needs).
 *
 * Times are Unix epoch seconds (UTC). A round uses the real clock unless
 * ks_survey_round_set_clock() fixed one (imports, tests).
 *
 * Not thread-safe: a round, and its store, belong to one thread (the sink's
 * callbacks are called from one thread at a time, survey.h). */
#ifndef KS_STORE_SURVEY_H
#define KS_STORE_SURVEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "survey.h"
#include "survey_json.h"

struct ks_scope;
struct ks_survey_round;

#define KS_SURVEY_BATCH_DEFAULT 1000
#define KS_SURVEY_BATCH_SECONDS 2 /* a batch open this long is committed at its next record */

struct ks_survey_round_opts {
	const char *scope_name;        /* required, 1..KS_SURVEY_SCOPE_NAME_MAX bytes */
	const char *scope_hash;        /* content hash of the scope (and exclusions); may be "" */
	uint64_t in_scope;             /* addresses in scope (targets), for stats */
	const struct ks_scope *scope;  /* NULL, or the built scope: org of a finding = its line's org */
	size_t batch_records;          /* records per transaction; 0 = one transaction (all or nothing) */
	uint32_t scan_threshold;       /* infected marking: 0 = the latest darknet ingest's, else default */
	bool no_infected;              /* skip infected marking */
	const char *import_hash;       /* NULL, or the content hash of an imported file */
};

/* Starts a new round (a row in survey_round, ended NULL, started = now;
 * with batch_records > 0 committed at once). The organisation registry
 * is loaded once here. Nothing in o is kept after the call except o->scope,
 * which must outlive the round. The round is owned by the caller until
 * ks_survey_round_end() or ks_survey_round_abort() frees it. 0, KS_EINVAL
 * (bad scope name) or KS_EIO (store; ks_store_errmsg()). */
int ks_survey_round_begin(struct ks_store *st, const struct ks_survey_round_opts *o,
			  struct ks_survey_round **out);

/* The unfinished round (ended NULL) of scope_name with scope_hash, latest
 * first, and its saved resume point. 0 with *round_id, *key, *index set
 * (key = index = 0 if none was saved), KS_ENOENT if there is none, KS_EIO. */
int ks_survey_round_find_resumable(struct ks_store *st, const char *scope_name,
				   const char *scope_hash, int64_t *round_id, uint64_t *key,
				   uint64_t *index);
/* Continues round round_id (which must be unfinished) as ks_survey_round_begin()
 * would start one; o->scope_name must match it. 0, KS_ENOENT, KS_EINVAL, KS_EIO. */
int ks_survey_round_resume(struct ks_store *st, int64_t round_id,
			   const struct ks_survey_round_opts *o, struct ks_survey_round **out);

/* The finished round imported from a file with this content hash. 0 with
 * *round_id, KS_ENOENT, KS_EIO. */
int ks_survey_round_find_import(struct ks_store *st, const char *import_hash, int64_t *round_id);

int64_t ks_survey_round_id(const struct ks_survey_round *r);

/* Fills *sink with callbacks writing into r (r must outlive the sink).
 * Callbacks cannot return errors: the first store error is kept and
 * returned by ks_survey_round_error(), ks_survey_round_save_resume() and
 * ks_survey_round_end(); records after it are dropped. */
void ks_survey_round_sink(struct ks_survey_round *r, struct ks_survey_sink *sink);
/* 0 or the first KS_E* error of the round. */
int ks_survey_round_error(const struct ks_survey_round *r);

/* A finding with an explicit organisation id (org "" or NULL = look it up
 * as usual). The sink's finding callback is this with org NULL. */
void ks_survey_round_finding_org(struct ks_survey_round *r, const struct ks_finding *f,
				 const char *org);

/* Fixes the round's clock at t_s (Unix seconds): what is written from now
 * on (first_seen, last_seen; at ks_survey_round_end() the end, resolved_at
 * and infected sightings) is stamped t_s. 0 = back to the real clock.
 * The round's start was stamped by ks_survey_round_begin(); change it with
 * ks_survey_round_set_started(). */
void ks_survey_round_set_clock(struct ks_survey_round *r, int64_t t_s);
/* Overrides the round's start time (imports: the round record's). 0 or KS_EIO. */
int ks_survey_round_set_started(struct ks_survey_round *r, int64_t t_s);

/* Saves the permutation position (scan_perm.h: key and ks_perm_index())
 * reached so far and commits everything written before it. Call it after
 * the records of every target before index were delivered. 0 or KS_EIO. */
int ks_survey_round_save_resume(struct ks_survey_round *r, uint64_t key, uint64_t index);

/* Ends the round: infected marking, resolution (if complete), the round's
 * figures (survey_round counts), ended = now (the clock), commit. Frees r
 * in every case. *resolved (may be NULL) receives the number of findings
 * resolved. 0, or the round's first error / KS_EIO, in which case the last
 * batch is rolled back and the round stays unfinished. */
int ks_survey_round_end(struct ks_survey_round *r, bool complete, size_t *resolved);
/* Drops r: rolls back the uncommitted batch and, when nothing of the round
 * was committed yet (batch_records 0), its row too. Frees r. NULL is a no-op. */
void ks_survey_round_abort(struct ks_survey_round *r);

/* ---- reading ---- */

/* Calls fn for every (address, TCP port) that round round_id's discovery
 * audited as open (module "tcp-*", outcome "open"), once each, in address
 * and port order: the services an interrupted round had found, for
 * `survey run --resume` (store_survey_open.c). Stops with fn's non-zero
 * value. 0, KS_EIO or fn's value. */
typedef int (*ks_survey_open_fn)(void *ctx, const struct ks_addr *addr, uint16_t port);
int ks_store_survey_opens(struct ks_store *st, int64_t round_id, ks_survey_open_fn fn, void *ctx);

enum ks_finding_status { KS_STATUS_OPEN, KS_STATUS_RESOLVED };
const char *ks_finding_status_name(enum ks_finding_status s); /* "open", "resolved" */
int ks_finding_status_parse(const char *s, enum ks_finding_status *out);

/* One stored finding. Text is copied out of the store. */
struct ks_finding_row {
	int64_t id;
	struct ks_finding f;                    /* addr, port, proto, type, sev, product, detail */
	char org[KS_SURVEY_ORG_MAX + 1];        /* "" = no organisation */
	char scope[KS_SURVEY_SCOPE_NAME_MAX + 1];
	enum ks_finding_status status;
	int64_t first_seen, last_seen, resolved_at; /* resolved_at 0 while open */
	int64_t last_round;
};

/* Selection of ks_store_survey_findings(); NULL fields / -1 = any. */
struct ks_finding_filter {
	const char *org;   /* organisation id ("" = findings without one) */
	int type;          /* enum ks_finding_type or -1 */
	int status;        /* enum ks_finding_status or -1 */
	const char *scope; /* scope name */
};
#define KS_FINDING_FILTER_ALL {NULL, -1, -1, NULL}

typedef int (*ks_finding_row_fn)(void *ctx, const struct ks_finding_row *r);
/* Calls fn for each matching finding ordered by (org, address, port, proto,
 * type). Stops with fn's non-zero value. 0, KS_EIO or fn's value. */
int ks_store_survey_findings(struct ks_store *st, const struct ks_finding_filter *flt,
			     ks_finding_row_fn fn, void *ctx);

/* The service at (addr, port, proto) recorded in round round_id (port 0:
 * the address's first service by port). 0 with *out filled, KS_ENOENT, KS_EIO. */
int ks_store_survey_service(struct ks_store *st, int64_t round_id, const struct ks_addr *addr,
			    uint16_t port, uint8_t proto, struct ks_svc *out);

/* Calls fn for every service recorded in round round_id, in address, port
 * and proto order (the inventory of `survey services`). Stops with fn's
 * non-zero value. 0, KS_EIO or fn's value. */
typedef int (*ks_svc_row_fn)(void *ctx, const struct ks_svc *s);
int ks_store_survey_services(struct ks_store *st, int64_t round_id, ks_svc_row_fn fn, void *ctx);

/* Per-round figures (NOTICE style), computed at the round's end and, for an
 * unfinished round, when read. */
#define KS_SURVEY_MAX_DEVTYPES 32
struct ks_survey_round_row {
	int64_t id;
	char scope_name[KS_SURVEY_SCOPE_NAME_MAX + 1];
	char scope_hash[KS_SURVEY_SCOPE_HASH_MAX + 1];
	int64_t started, ended;    /* ended 0 = unfinished */
	bool complete;
	uint64_t in_scope;         /* addresses in scope */
	uint64_t responding;       /* distinct addresses with a service */
	uint64_t services;
	uint64_t identified;       /* distinct addresses with a device type */
	struct {
		char type[32];
		uint64_t n;        /* distinct addresses */
	} devtype[KS_SURVEY_MAX_DEVTYPES]; /* by count, then name; the rest summed in "other" */
	size_t ndevtypes;
	uint64_t weak_credentials; /* distinct addresses with that finding in the round */
	uint64_t high_risk_vulns;  /* ... known_vulnerability of severity high or critical */
	uint64_t infected;         /* ... infected */
	uint64_t findings;         /* findings seen in the round */
	uint64_t resolved;         /* findings this round resolved (complete rounds) */
	uint64_t audits;           /* audit records */
	uint64_t resume_key, resume_index;
};
typedef int (*ks_survey_round_fn)(void *ctx, const struct ks_survey_round_row *r);
/* Rounds in id order (scope NULL = all scopes). 0, KS_EIO or fn's value. */
int ks_store_survey_rounds(struct ks_store *st, const char *scope, ks_survey_round_fn fn, void *ctx);

/* ---- risk rating (docs/survey.md, "Risk rating") ---- */

/* Score 0-100 (100 = no open findings) and grade A-F of a set of open
 * findings: sev[i], age_days[i] for i < n, hosts = distinct addresses. */
struct ks_risk {
	double raw;   /* sum of weights before the curve */
	int score;    /* 0..100 */
	char grade;   /* 'A'..'F' (no 'E') */
};
void ks_risk_rate(const enum ks_sev *sev, const double *age_days, size_t n, size_t hosts,
		  struct ks_risk *out);
char ks_risk_grade(int score);

#define KS_RISK_TREND_MAX 8 /* rounds of trend shown */
struct ks_org_risk {
	char org[KS_SURVEY_ORG_MAX + 1];
	struct ks_risk now;          /* from the open findings, ages at now_s */
	size_t open, hosts;
	size_t by_sev[KS_SEV_COUNT];
	size_t ntrend;               /* oldest first */
	int64_t trend_round[KS_RISK_TREND_MAX];
	int trend_score[KS_RISK_TREND_MAX];
};
/* Risk of every organisation that has or had findings, worst (lowest score)
 * first, then by id; trend over the last KS_RISK_TREND_MAX finished rounds
 * (score of the findings sighted in each, aged at that round's start).
 * *out is malloc'ed (caller frees), *n entries. 0 or KS_EIO. */
int ks_store_org_risk(struct ks_store *st, int64_t now_s, struct ks_org_risk **out, size_t *n);

#endif
