/* SPDX-License-Identifier: BSD-2-Clause */
/* SQLite side of the active survey (store_survey.h): rounds, the sink that
 * writes a round's audit records, services and findings in batched
 * transactions, finding resolution and reopening, infected marking from the
 * darknet tables, the per-round figures and the risk rating. Tables:
 * docs/store.md, "Version 3". */
#include "store_survey.h"

#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "darknet_classify.h"
#include "darknet_report.h"
#include "ks_alloc.h"
#include "ks_err.h"
#include "ks_prefix.h"
#include "ks_time.h"
#include "org.h"
#include "scan_scope.h"
#include "store_int.h"

/* The scanner threshold when neither the caller nor any darknet ingest
 * gives one: the darknet commands' default (docs/darknet.md, "Scanners"). */
#define DEFAULT_SCAN_THRESHOLD 10

enum {
	Q_AUDIT,
	Q_SERVICE,
	Q_FINDING,
	Q_SIGHTING,
	Q__N
};

static const char *const round_sql[Q__N] = {
	[Q_AUDIT] = "INSERT INTO survey_audit VALUES(?1,?2,?3,?4,?5,?6,?7)",
	/* A later record of the same service in a round fills in what the
	 * earlier one did not know (an identification after "open"). */
	[Q_SERVICE] = "INSERT INTO survey_service VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"
		      " ON CONFLICT DO UPDATE SET"
		      " module=CASE WHEN excluded.module<>'tcp' THEN excluded.module ELSE module END,"
		      " banner=coalesce(nullif(excluded.banner,''),banner),"
		      " vendor=coalesce(nullif(excluded.vendor,''),vendor),"
		      " product=coalesce(nullif(excluded.product,''),product),"
		      " version=coalesce(nullif(excluded.version,''),version),"
		      " device_type=coalesce(nullif(excluded.device_type,''),device_type),"
		      " cpe=coalesce(nullif(excluded.cpe,''),cpe),"
		      " title=coalesce(nullif(excluded.title,''),title),"
		      " facts=coalesce(nullif(excluded.facts,''),facts)",
	/* First sighting inserts; later ones update and reopen (first_seen kept). */
	[Q_FINDING] = "INSERT INTO survey_finding(address,port,proto,type,severity,org,first_seen,last_seen,"
		      "status,resolved_at,product,detail,scope,last_round)"
		      " VALUES(?1,?2,?3,?4,?5,?6,?7,?7,'open',NULL,?8,?9,?10,?11)"
		      " ON CONFLICT(address,port,proto,type) DO UPDATE SET severity=excluded.severity,"
		      " org=excluded.org, last_seen=max(last_seen,excluded.last_seen), status='open',"
		      " resolved_at=NULL, product=coalesce(nullif(excluded.product,''),product),"
		      " detail=excluded.detail, scope=excluded.scope, last_round=excluded.last_round"
		      " RETURNING id",
	[Q_SIGHTING] = "INSERT INTO survey_sighting VALUES(?1,?2,?3)"
		       " ON CONFLICT DO UPDATE SET severity=excluded.severity",
};

struct ks_survey_round {
	struct ks_store *st;
	sqlite3 *db;
	sqlite3_stmt *q[Q__N];
	int64_t id;
	char scope_name[KS_SURVEY_SCOPE_NAME_MAX + 1];
	const struct ks_scope *scope;
	size_t batch, pending;  /* records per transaction (0 = one), records since the last commit */
	int in_tx;
	struct timespec tx_t0;  /* when the open transaction began (CLOCK_MONOTONIC) */
	int committed;          /* something of the round was committed */
	int err;
	int64_t clock_s;
	uint32_t scan_threshold;
	bool no_infected;
	/* organisation registry: prefix -> index into orgs.v */
	struct ks_org_list orgs;
	struct ks_pset owners;
};

static int64_t now_s(const struct ks_survey_round *r)
{
	return r->clock_s ? r->clock_s : (int64_t)time(NULL);
}

static int exec_sql(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : KS_EIO;
}

static int tx_begin(struct ks_survey_round *r)
{
	if (r->in_tx)
		return 0;
	if (exec_sql(r->db, "BEGIN IMMEDIATE") != 0)
		return KS_EIO;
	r->in_tx = 1;
	clock_gettime(CLOCK_MONOTONIC, &r->tx_t0);
	return 0;
}

static int tx_commit(struct ks_survey_round *r)
{
	if (!r->in_tx)
		return 0;
	if (exec_sql(r->db, "COMMIT") != 0)
		return KS_EIO;
	r->in_tx = 0;
	r->pending = 0;
	r->committed = 1;
	return 0;
}

static void tx_rollback(struct ks_survey_round *r)
{
	if (r->in_tx)
		exec_sql(r->db, "ROLLBACK");
	r->in_tx = 0;
	r->pending = 0;
}

/* Called after each record: a full batch, or one open for
 * KS_SURVEY_BATCH_SECONDS, is committed (a slow survey must not hold the
 * store's write lock for long: darknet and flow writers share it). */
static void record_done(struct ks_survey_round *r)
{
	r->pending++;
	if (!r->batch || r->err)
		return;
	int due = r->pending >= r->batch;
	if (!due) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		due = now.tv_sec - r->tx_t0.tv_sec >= KS_SURVEY_BATCH_SECONDS;
	}
	if (due && tx_commit(r) != 0)
		r->err = KS_EIO;
}

static void round_free(struct ks_survey_round *r)
{
	if (!r)
		return;
	for (int i = 0; i < Q__N; i++)
		sqlite3_finalize(r->q[i]);
	ks_org_list_release(&r->orgs);
	ks_pset_release(&r->owners);
	free(r);
}

static int scope_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= KS_SURVEY_SCOPE_NAME_MAX;
}

/* Everything begin and resume share; the round row exists (or is about to
 * be inserted inside the open transaction). */
static int round_setup(struct ks_store *st, const struct ks_survey_round_opts *o,
		       struct ks_survey_round **out)
{
	struct ks_survey_round *r = ks_xcalloc(1, sizeof *r);
	*out = NULL;
	r->st = st;
	r->db = ks_store_sqlite(st);
	snprintf(r->scope_name, sizeof r->scope_name, "%s", o->scope_name);
	r->scope = o->scope;
	r->batch = o->batch_records;
	r->scan_threshold = o->scan_threshold;
	r->no_infected = o->no_infected;
	ks_org_list_init(&r->orgs);
	ks_pset_init(&r->owners);
	if (ks_store_org_load(st, &r->orgs) != 0)
		goto fail;
	for (size_t i = 0; i < r->orgs.n; i++)
		for (size_t k = 0; k < r->orgs.v[i].npfx; k++)
			ks_pset_add(&r->owners, &r->orgs.v[i].pfx[k], (int64_t)i);
	ks_pset_build(&r->owners);
	for (int i = 0; i < Q__N; i++)
		if (sqlite3_prepare_v3(r->db, round_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &r->q[i], NULL) !=
		    SQLITE_OK)
			goto fail;
	*out = r;
	return 0;
fail:
	round_free(r);
	return KS_EIO;
}

int ks_survey_round_begin(struct ks_store *st, const struct ks_survey_round_opts *o,
			  struct ks_survey_round **out)
{
	struct ks_survey_round *r;
	*out = NULL;
	if (!scope_name_ok(o->scope_name))
		return KS_EINVAL;
	if (round_setup(st, o, &r) != 0)
		return KS_EIO;
	sqlite3_stmt *q = NULL;
	if (tx_begin(r) != 0 ||
	    sqlite3_prepare_v2(r->db, "INSERT INTO survey_round(scope_name,scope_hash,started,in_scope,"
				      "import_hash) VALUES(?,?,?,?,?)", -1, &q, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_bind_text(q, 1, o->scope_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, o->scope_hash ? o->scope_hash : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 3, now_s(r));
	sqlite3_bind_int64(q, 4, (int64_t)o->in_scope);
	if (o->import_hash)
		sqlite3_bind_text(q, 5, o->import_hash, -1, SQLITE_STATIC);
	if (sqlite3_step(q) != SQLITE_DONE)
		goto fail;
	sqlite3_finalize(q);
	q = NULL;
	r->id = sqlite3_last_insert_rowid(r->db);
	/* With batches, the round row is committed at once: a killed survey
	 * leaves an unfinished round to resume. */
	if (r->batch && tx_commit(r) != 0)
		goto fail;
	*out = r;
	return 0;
fail:
	sqlite3_finalize(q);
	tx_rollback(r);
	round_free(r);
	return KS_EIO;
}

int ks_survey_round_find_resumable(struct ks_store *st, const char *scope_name,
				   const char *scope_hash, int64_t *round_id, uint64_t *key,
				   uint64_t *index)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(ks_store_sqlite(st),
			       "SELECT id, resume_key, resume_index FROM survey_round WHERE scope_name=?"
			       " AND scope_hash=? AND ended IS NULL ORDER BY id DESC LIMIT 1",
			       -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_text(q, 1, scope_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, scope_hash ? scope_hash : "", -1, SQLITE_STATIC);
	int rc = sqlite3_step(q), r = KS_ENOENT;
	if (rc == SQLITE_ROW) {
		*round_id = sqlite3_column_int64(q, 0);
		*key = (uint64_t)sqlite3_column_int64(q, 1);
		*index = (uint64_t)sqlite3_column_int64(q, 2);
		r = 0;
	} else if (rc != SQLITE_DONE) {
		r = KS_EIO;
	}
	sqlite3_finalize(q);
	return r;
}

int ks_survey_round_find_import(struct ks_store *st, const char *import_hash, int64_t *round_id)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(ks_store_sqlite(st),
			       "SELECT id FROM survey_round WHERE import_hash=? AND ended IS NOT NULL"
			       " ORDER BY id LIMIT 1", -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_text(q, 1, import_hash, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q), r = KS_ENOENT;
	if (rc == SQLITE_ROW) {
		*round_id = sqlite3_column_int64(q, 0);
		r = 0;
	} else if (rc != SQLITE_DONE) {
		r = KS_EIO;
	}
	sqlite3_finalize(q);
	return r;
}

int ks_survey_round_resume(struct ks_store *st, int64_t round_id,
			   const struct ks_survey_round_opts *o, struct ks_survey_round **out)
{
	sqlite3_stmt *q;
	*out = NULL;
	if (!scope_name_ok(o->scope_name))
		return KS_EINVAL;
	if (sqlite3_prepare_v2(ks_store_sqlite(st),
			       "SELECT scope_name FROM survey_round WHERE id=? AND ended IS NULL", -1, &q,
			       NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_int64(q, 1, round_id);
	int rc = sqlite3_step(q), r = 0;
	if (rc == SQLITE_DONE)
		r = KS_ENOENT;
	else if (rc != SQLITE_ROW)
		r = KS_EIO;
	else if (strcmp((const char *)sqlite3_column_text(q, 0), o->scope_name) != 0)
		r = KS_EINVAL;
	sqlite3_finalize(q);
	if (r != 0)
		return r;
	if ((r = round_setup(st, o, out)) != 0)
		return r;
	(*out)->id = round_id;
	(*out)->committed = 1;
	return 0;
}

int64_t ks_survey_round_id(const struct ks_survey_round *r)
{
	return r->id;
}

int ks_survey_round_error(const struct ks_survey_round *r)
{
	return r->err;
}

void ks_survey_round_set_clock(struct ks_survey_round *r, int64_t t_s)
{
	r->clock_s = t_s;
}

int ks_survey_round_set_started(struct ks_survey_round *r, int64_t t_s)
{
	sqlite3_stmt *q;
	if (r->err)
		return r->err;
	if (tx_begin(r) != 0 ||
	    sqlite3_prepare_v2(r->db, "UPDATE survey_round SET started=? WHERE id=?", -1, &q, NULL) !=
		    SQLITE_OK)
		return r->err = KS_EIO;
	sqlite3_bind_int64(q, 1, t_s);
	sqlite3_bind_int64(q, 2, r->id);
	if (sqlite3_step(q) != SQLITE_DONE)
		r->err = KS_EIO;
	sqlite3_finalize(q);
	return r->err;
}

static int step(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : KS_EIO;
}

static void on_audit(void *ctx, const struct ks_audit *a)
{
	struct ks_survey_round *r = ctx;
	sqlite3_stmt *q = r->q[Q_AUDIT];
	if (r->err || (r->err = tx_begin(r)) != 0)
		return;
	sqlite3_bind_int64(q, 1, r->id);
	sqlite3_bind_int64(q, 2, a->t_ns);
	sqlite3_bind_blob(q, 3, a->addr.b, 16, SQLITE_STATIC);
	sqlite3_bind_int(q, 4, a->port);
	sqlite3_bind_int(q, 5, a->proto);
	sqlite3_bind_text(q, 6, a->module ? a->module : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 7, a->outcome ? a->outcome : "", -1, SQLITE_STATIC);
	r->err = step(q);
	record_done(r);
}

static void on_service(void *ctx, const struct ks_svc *s)
{
	struct ks_survey_round *r = ctx;
	sqlite3_stmt *q = r->q[Q_SERVICE];
	if (r->err || (r->err = tx_begin(r)) != 0)
		return;
	const char *txt[] = {s->module, s->banner, s->vendor, s->product, s->version,
			     s->device_type, s->cpe, s->title, s->facts};
	sqlite3_bind_int64(q, 1, r->id);
	sqlite3_bind_blob(q, 2, s->addr.b, 16, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, s->port);
	sqlite3_bind_int(q, 4, s->proto);
	for (int i = 0; i < 9; i++)
		sqlite3_bind_text(q, 5 + i, txt[i], -1, SQLITE_STATIC);
	r->err = step(q);
	record_done(r);
}

/* Organisation of a finding at a: explicit, else the scope line's, else
 * the registry's most specific prefix, else "". */
static const char *finding_org(const struct ks_survey_round *r, const struct ks_addr *a,
			       const char *org)
{
	int64_t i;
	if (org && *org)
		return org;
	if (r->scope) {
		const char *so = ks_scope_org(r->scope, a);
		if (so && *so)
			return so;
	}
	if (ks_pset_lookup(&r->owners, a, &i))
		return r->orgs.v[i].id;
	return "";
}

void ks_survey_round_finding_org(struct ks_survey_round *r, const struct ks_finding *f,
				 const char *org)
{
	sqlite3_stmt *q = r->q[Q_FINDING];
	if (r->err || (r->err = tx_begin(r)) != 0)
		return;
	sqlite3_bind_blob(q, 1, f->addr.b, 16, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, f->port);
	sqlite3_bind_int(q, 3, f->proto);
	sqlite3_bind_text(q, 4, ks_finding_name(f->type), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, ks_sev_name(f->sev), -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 6, finding_org(r, &f->addr, org), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 7, now_s(r));
	sqlite3_bind_text(q, 8, f->product, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 9, f->detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 10, r->scope_name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 11, r->id);
	int64_t fid = -1;
	if (sqlite3_step(q) == SQLITE_ROW)
		fid = sqlite3_column_int64(q, 0);
	/* RETURNING: the statement ends with the next step */
	if (sqlite3_step(q) != SQLITE_DONE)
		fid = -1;
	sqlite3_reset(q);
	if (fid < 0) {
		r->err = KS_EIO;
		return;
	}
	q = r->q[Q_SIGHTING];
	sqlite3_bind_int64(q, 1, r->id);
	sqlite3_bind_int64(q, 2, fid);
	sqlite3_bind_text(q, 3, ks_sev_name(f->sev), -1, SQLITE_STATIC);
	r->err = step(q);
	record_done(r);
}

static void on_finding(void *ctx, const struct ks_finding *f)
{
	ks_survey_round_finding_org(ctx, f, NULL);
}

void ks_survey_round_sink(struct ks_survey_round *r, struct ks_survey_sink *sink)
{
	sink->ctx = r;
	sink->audit = on_audit;
	sink->service = on_service;
	sink->finding = on_finding;
}

int ks_survey_round_save_resume(struct ks_survey_round *r, uint64_t key, uint64_t index)
{
	sqlite3_stmt *q;
	if (r->err)
		return r->err;
	if (tx_begin(r) != 0 ||
	    sqlite3_prepare_v2(r->db, "UPDATE survey_round SET resume_key=?, resume_index=? WHERE id=?",
			       -1, &q, NULL) != SQLITE_OK)
		return r->err = KS_EIO;
	sqlite3_bind_int64(q, 1, (int64_t)key);
	sqlite3_bind_int64(q, 2, (int64_t)index);
	sqlite3_bind_int64(q, 3, r->id);
	if (sqlite3_step(q) != SQLITE_DONE)
		r->err = KS_EIO;
	sqlite3_finalize(q);
	if (r->err == 0 && r->batch && tx_commit(r) != 0)
		r->err = KS_EIO;
	return r->err;
}

/* ---- infected marking ---- */

struct infected_walk {
	struct ks_addr *surveyed; /* sorted */
	size_t n;
	uint32_t threshold;
	struct ks_finding *hits;
	size_t nhits, cap;
};

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static int infected_visit(void *ctx, const struct ks_dn_source *s)
{
	struct infected_walk *w = ctx;
	int scanner = ks_dn_is_scanner(s, w->threshold), bot = (s->tags & KS_TAG_BOTS) != 0;
	if (!scanner && !bot)
		return 0;
	if (!bsearch(&s->addr, w->surveyed, w->n, sizeof *w->surveyed, addr_cmp))
		return 0;
	if (w->nhits == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->hits = ks_xreallocarray(w->hits, w->cap, sizeof *w->hits);
	}
	struct ks_finding *f = &w->hits[w->nhits++];
	memset(f, 0, sizeof *f);
	f->addr = s->addr;
	f->type = KS_FIND_INFECTED;
	f->sev = KS_SEV_HIGH;
	char first[32], last[32], tags[64] = "";
	size_t off = 0;
	for (int t = 0; t < KS_TAG__N; t++)
		if (s->tags & (1u << t))
			off += (size_t)snprintf(tags + off, off < sizeof tags ? sizeof tags - off : 0, "%s%s",
						off ? "," : "", ks_dn_tag_name(t));
	snprintf(f->detail, sizeof f->detail,
		 "seen by the darknet sensor%s%s: %llu packets to %llu darknet addresses, %s to %s%s%s",
		 scanner ? " as a scanner" : "", bot ? (scanner ? " and bot-tagged" : " bot-tagged") : "",
		 (unsigned long long)s->packets, (unsigned long long)s->dests,
		 ks_time_iso(s->first_us, first, sizeof first),
		 ks_time_iso(s->last_us, last, sizeof last), tags[0] ? ", tags " : "", tags);
	return 0;
}

static int mark_infected(struct ks_survey_round *r)
{
	struct infected_walk w = {0};
	size_t cap = 0;
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(r->db,
			       "SELECT address FROM survey_audit WHERE round_id=?1 UNION"
			       " SELECT address FROM survey_service WHERE round_id=?1 UNION"
			       " SELECT f.address FROM survey_sighting s JOIN survey_finding f"
			       " ON f.id=s.finding_id WHERE s.round_id=?1",
			       -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_int64(q, 1, r->id);
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(q, 0) != 16)
			continue;
		if (w.n == cap) {
			cap = cap ? cap * 2 : 256;
			w.surveyed = ks_xreallocarray(w.surveyed, cap, sizeof *w.surveyed);
		}
		memcpy(w.surveyed[w.n++].b, sqlite3_column_blob(q, 0), 16);
	}
	sqlite3_finalize(q);
	int err = rc == SQLITE_DONE ? 0 : KS_EIO;
	if (err == 0 && w.n) {
		qsort(w.surveyed, w.n, sizeof *w.surveyed, addr_cmp);
		struct ks_span all = KS_SPAN_ALL;
		uint64_t ningests = 0;
		uint32_t latest = 0;
		w.threshold = r->scan_threshold;
		if (!w.threshold && ks_store_dn_ingests(r->st, &all, NULL, NULL, &ningests, &latest) == 0)
			w.threshold = latest;
		if (!w.threshold)
			w.threshold = DEFAULT_SCAN_THRESHOLD;
		err = ks_store_dn_sources(r->st, &all, infected_visit, &w);
	}
	for (size_t i = 0; err == 0 && i < w.nhits; i++) {
		ks_survey_round_finding_org(r, &w.hits[i], NULL);
		err = r->err;
	}
	free(w.surveyed);
	free(w.hits);
	return err;
}

int ks_survey_round_end(struct ks_survey_round *r, bool complete, size_t *resolved)
{
	int err = r->err;
	size_t nres = 0;
	int64_t end = now_s(r);
	sqlite3_stmt *q = NULL;
	if (resolved)
		*resolved = 0;
	/* The end is one transaction: infected sightings, resolution and the
	 * round's end are committed together or not at all. */
	r->batch = 0;
	if (err == 0)
		err = tx_begin(r);
	if (err == 0 && !r->no_infected)
		err = mark_infected(r);
	if (err == 0 && complete) {
		if (sqlite3_prepare_v2(r->db,
				       "UPDATE survey_finding SET status='resolved', resolved_at=?1"
				       " WHERE scope=?2 AND status='open' AND last_round < ?3",
				       -1, &q, NULL) != SQLITE_OK) {
			err = KS_EIO;
		} else {
			sqlite3_bind_int64(q, 1, end);
			sqlite3_bind_text(q, 2, r->scope_name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(q, 3, r->id);
			if (sqlite3_step(q) != SQLITE_DONE)
				err = KS_EIO;
			nres = (size_t)sqlite3_changes(r->db);
			sqlite3_finalize(q);
			q = NULL;
		}
	}
	if (err == 0 &&
	    sqlite3_prepare_v2(r->db,
			       "UPDATE survey_round SET ended=?1, complete=?2, resolved=?3,"
			       " services=(SELECT count(*) FROM survey_service WHERE round_id=?4),"
			       " findings=(SELECT count(*) FROM survey_sighting WHERE round_id=?4),"
			       " audits=(SELECT count(*) FROM survey_audit WHERE round_id=?4) WHERE id=?4",
			       -1, &q, NULL) != SQLITE_OK)
		err = KS_EIO;
	if (err == 0) {
		sqlite3_bind_int64(q, 1, end);
		sqlite3_bind_int(q, 2, complete);
		sqlite3_bind_int64(q, 3, (int64_t)nres);
		sqlite3_bind_int64(q, 4, r->id);
		if (sqlite3_step(q) != SQLITE_DONE)
			err = KS_EIO;
	}
	sqlite3_finalize(q);
	if (err == 0)
		err = tx_commit(r);
	if (err != 0)
		tx_rollback(r);
	else if (resolved)
		*resolved = nres;
	round_free(r);
	return err;
}

void ks_survey_round_abort(struct ks_survey_round *r)
{
	if (!r)
		return;
	tx_rollback(r);
	round_free(r);
}

/* ---- reading ---- */

const char *ks_finding_status_name(enum ks_finding_status s)
{
	return s == KS_STATUS_RESOLVED ? "resolved" : "open";
}

int ks_finding_status_parse(const char *s, enum ks_finding_status *out)
{
	if (strcmp(s, "open") == 0)
		*out = KS_STATUS_OPEN;
	else if (strcmp(s, "resolved") == 0)
		*out = KS_STATUS_RESOLVED;
	else
		return KS_EINVAL;
	return 0;
}

static void col_text(sqlite3_stmt *q, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(q, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(q, col) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

int ks_store_survey_findings(struct ks_store *st, const struct ks_finding_filter *flt,
			     ks_finding_row_fn fn, void *ctx)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(ks_store_sqlite(st),
			       "SELECT id, address, port, proto, type, severity, org, scope, status,"
			       " first_seen, last_seen, resolved_at, last_round, product, detail"
			       " FROM survey_finding WHERE (?1 IS NULL OR org=?1) AND (?2 IS NULL OR type=?2)"
			       " AND (?3 IS NULL OR status=?3) AND (?4 IS NULL OR scope=?4)"
			       " ORDER BY org, address, port, proto, type",
			       -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	if (flt && flt->org)
		sqlite3_bind_text(q, 1, flt->org, -1, SQLITE_STATIC);
	if (flt && flt->type >= 0)
		sqlite3_bind_text(q, 2, ks_finding_name((enum ks_finding_type)flt->type), -1, SQLITE_STATIC);
	if (flt && flt->status >= 0)
		sqlite3_bind_text(q, 3, ks_finding_status_name((enum ks_finding_status)flt->status), -1,
				  SQLITE_STATIC);
	if (flt && flt->scope)
		sqlite3_bind_text(q, 4, flt->scope, -1, SQLITE_STATIC);
	struct ks_finding_row *row = ks_xmalloc(sizeof *row);
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		enum ks_finding_type t;
		enum ks_sev sv;
		enum ks_finding_status stt;
		/* rows another program wrote badly are skipped, not guessed at */
		if (sqlite3_column_bytes(q, 1) != 16 ||
		    ks_finding_parse((const char *)sqlite3_column_text(q, 4), &t) != 0 ||
		    ks_sev_parse((const char *)sqlite3_column_text(q, 5), &sv) != 0 ||
		    ks_finding_status_parse((const char *)sqlite3_column_text(q, 8), &stt) != 0)
			continue;
		memset(row, 0, sizeof *row);
		row->id = sqlite3_column_int64(q, 0);
		memcpy(row->f.addr.b, sqlite3_column_blob(q, 1), 16);
		row->f.port = (uint16_t)sqlite3_column_int(q, 2);
		row->f.proto = (uint8_t)sqlite3_column_int(q, 3);
		row->f.type = t;
		row->f.sev = sv;
		col_text(q, 6, row->org, sizeof row->org);
		col_text(q, 7, row->scope, sizeof row->scope);
		row->status = stt;
		row->first_seen = sqlite3_column_int64(q, 9);
		row->last_seen = sqlite3_column_int64(q, 10);
		row->resolved_at = sqlite3_column_int64(q, 11);
		row->last_round = sqlite3_column_int64(q, 12);
		col_text(q, 13, row->f.product, sizeof row->f.product);
		col_text(q, 14, row->f.detail, sizeof row->f.detail);
		r = fn(ctx, row);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	sqlite3_finalize(q);
	free(row);
	return r;
}

#define SVC_COLS "address, port, proto, module, banner, vendor, product, version, device_type," \
		 " cpe, title, facts"

/* One survey_service row selected with SVC_COLS. */
static void svc_row(sqlite3_stmt *q, struct ks_svc *out)
{
	memset(out, 0, sizeof *out);
	if (sqlite3_column_bytes(q, 0) == (int)sizeof out->addr.b)
		memcpy(out->addr.b, sqlite3_column_blob(q, 0), sizeof out->addr.b);
	out->port = (uint16_t)sqlite3_column_int(q, 1);
	out->proto = (uint8_t)sqlite3_column_int(q, 2);
	col_text(q, 3, out->module, sizeof out->module);
	col_text(q, 4, out->banner, sizeof out->banner);
	col_text(q, 5, out->vendor, sizeof out->vendor);
	col_text(q, 6, out->product, sizeof out->product);
	col_text(q, 7, out->version, sizeof out->version);
	col_text(q, 8, out->device_type, sizeof out->device_type);
	col_text(q, 9, out->cpe, sizeof out->cpe);
	col_text(q, 10, out->title, sizeof out->title);
	col_text(q, 11, out->facts, sizeof out->facts);
}

int ks_store_survey_service(struct ks_store *st, int64_t round_id, const struct ks_addr *addr,
			    uint16_t port, uint8_t proto, struct ks_svc *out)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(ks_store_sqlite(st),
			       "SELECT " SVC_COLS " FROM survey_service WHERE round_id=?1 AND address=?2"
			       " AND (?3 = 0 OR (port=?3 AND proto=?4)) ORDER BY port, proto LIMIT 1",
			       -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_int64(q, 1, round_id);
	sqlite3_bind_blob(q, 2, addr->b, 16, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, port);
	sqlite3_bind_int(q, 4, proto);
	int rc = sqlite3_step(q), r = KS_ENOENT;
	if (rc == SQLITE_ROW) {
		svc_row(q, out);
		r = 0;
	} else if (rc != SQLITE_DONE) {
		r = KS_EIO;
	}
	sqlite3_finalize(q);
	return r;
}

int ks_store_survey_services(struct ks_store *st, int64_t round_id, ks_svc_row_fn fn, void *ctx)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(ks_store_sqlite(st),
			       "SELECT " SVC_COLS " FROM survey_service WHERE round_id=?1"
			       " ORDER BY address, port, proto",
			       -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_int64(q, 1, round_id);
	int rc, r = 0;
	struct ks_svc sv;
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		svc_row(q, &sv);
		r = fn(ctx, &sv);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	sqlite3_finalize(q);
	return r;
}

static uint64_t count1(sqlite3 *db, const char *sql, int64_t id, int *err)
{
	sqlite3_stmt *q;
	uint64_t v = 0;
	if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
		*err = KS_EIO;
		return 0;
	}
	sqlite3_bind_int64(q, 1, id);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = (uint64_t)sqlite3_column_int64(q, 0);
	else
		*err = KS_EIO;
	sqlite3_finalize(q);
	return v;
}

#define SIGHTED_ADDRS                                                                        \
	"SELECT count(DISTINCT f.address) FROM survey_sighting s JOIN survey_finding f"      \
	" ON f.id=s.finding_id WHERE s.round_id=?1 AND f.type="

static int round_figures(sqlite3 *db, struct ks_survey_round_row *o)
{
	int err = 0;
	int64_t id = o->id;
	o->responding = count1(db, "SELECT count(DISTINCT address) FROM survey_service WHERE round_id=?1", id, &err);
	o->services = count1(db, "SELECT count(*) FROM survey_service WHERE round_id=?1", id, &err);
	o->identified = count1(db, "SELECT count(DISTINCT address) FROM survey_service WHERE round_id=?1"
				   " AND device_type<>''", id, &err);
	o->weak_credentials = count1(db, SIGHTED_ADDRS "'weak_credentials'", id, &err);
	o->high_risk_vulns = count1(db, SIGHTED_ADDRS "'known_vulnerability' AND s.severity IN ('high','critical')",
				    id, &err);
	o->infected = count1(db, SIGHTED_ADDRS "'infected'", id, &err);
	o->findings = count1(db, "SELECT count(*) FROM survey_sighting WHERE round_id=?1", id, &err);
	o->audits = count1(db, "SELECT count(*) FROM survey_audit WHERE round_id=?1", id, &err);
	/* Devices by type: an address counts once per type it was identified as. */
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "SELECT device_type, count(DISTINCT address) FROM survey_service"
				   " WHERE round_id=?1 AND device_type<>'' GROUP BY device_type"
				   " ORDER BY 2 DESC, 1", -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_int64(q, 1, id);
	o->ndevtypes = 0;
	while (sqlite3_step(q) == SQLITE_ROW) {
		size_t i = o->ndevtypes;
		uint64_t n = (uint64_t)sqlite3_column_int64(q, 1);
		if (i == KS_SURVEY_MAX_DEVTYPES - 1 && strcmp(o->devtype[i].type, "other") == 0) {
			o->devtype[i].n += n;
			continue;
		}
		if (i == KS_SURVEY_MAX_DEVTYPES - 1) {
			snprintf(o->devtype[i].type, sizeof o->devtype[i].type, "other");
			o->devtype[i].n = n;
			o->ndevtypes++;
			continue;
		}
		col_text(q, 0, o->devtype[i].type, sizeof o->devtype[i].type);
		o->devtype[i].n = n;
		o->ndevtypes++;
	}
	sqlite3_finalize(q);
	return err;
}

int ks_store_survey_rounds(struct ks_store *st, const char *scope, ks_survey_round_fn fn, void *ctx)
{
	sqlite3 *db = ks_store_sqlite(st);
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "SELECT id, scope_name, scope_hash, started, ended, complete, in_scope,"
				   " resolved, resume_key, resume_index FROM survey_round"
				   " WHERE ?1 IS NULL OR scope_name=?1 ORDER BY id", -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	if (scope)
		sqlite3_bind_text(q, 1, scope, -1, SQLITE_STATIC);
	struct ks_survey_round_row *o = ks_xmalloc(sizeof *o);
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		memset(o, 0, sizeof *o);
		o->id = sqlite3_column_int64(q, 0);
		col_text(q, 1, o->scope_name, sizeof o->scope_name);
		col_text(q, 2, o->scope_hash, sizeof o->scope_hash);
		o->started = sqlite3_column_int64(q, 3);
		o->ended = sqlite3_column_int64(q, 4);
		o->complete = sqlite3_column_int(q, 5) != 0;
		o->in_scope = (uint64_t)sqlite3_column_int64(q, 6);
		o->resolved = (uint64_t)sqlite3_column_int64(q, 7);
		o->resume_key = (uint64_t)sqlite3_column_int64(q, 8);
		o->resume_index = (uint64_t)sqlite3_column_int64(q, 9);
		r = round_figures(db, o);
		if (r == 0)
			r = fn(ctx, o);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	sqlite3_finalize(q);
	free(o);
	return r;
}

/* ---- risk rating ---- */

/* Weights per severity (info, low, medium, high, critical), the age at
 * which a finding's weight has doubled, the weight of each exposed host and
 * the scale of the curve: docs/survey.md, "Risk rating". */
static const double sev_weight[KS_SEV_COUNT] = {0, 1, 3, 6, 10};
#define RISK_AGE_DAYS 180.0
#define RISK_HOST_WEIGHT 0.5
#define RISK_SCALE 25.0

char ks_risk_grade(int score)
{
	return score >= 90 ? 'A' : score >= 80 ? 'B' : score >= 70 ? 'C' : score >= 60 ? 'D' : 'F';
}

void ks_risk_rate(const enum ks_sev *sev, const double *age_days, size_t n, size_t hosts,
		  struct ks_risk *out)
{
	double raw = RISK_HOST_WEIGHT * (double)hosts;
	for (size_t i = 0; i < n; i++) {
		double age = age_days[i] > 0 ? age_days[i] : 0;
		if (age > RISK_AGE_DAYS)
			age = RISK_AGE_DAYS;
		double w = (unsigned)sev[i] < KS_SEV_COUNT ? sev_weight[sev[i]] : 0;
		raw += w * (1.0 + age / RISK_AGE_DAYS);
	}
	out->raw = raw;
	out->score = (int)floor(100.0 * exp(-raw / RISK_SCALE) + 0.5);
	out->grade = ks_risk_grade(out->score);
}

/* Findings of one organisation gathered for a rating. */
struct risk_acc {
	enum ks_sev *sev;
	double *age;
	struct ks_addr *addr;
	size_t n, cap;
};

static void acc_add(struct risk_acc *a, enum ks_sev sv, double age, const void *addr)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->sev = ks_xreallocarray(a->sev, a->cap, sizeof *a->sev);
		a->age = ks_xreallocarray(a->age, a->cap, sizeof *a->age);
		a->addr = ks_xreallocarray(a->addr, a->cap, sizeof *a->addr);
	}
	a->sev[a->n] = sv;
	a->age[a->n] = age;
	memcpy(a->addr[a->n].b, addr, 16);
	a->n++;
}

static size_t acc_hosts(struct risk_acc *a)
{
	if (a->n == 0)
		return 0;
	struct ks_addr *tmp = ks_xreallocarray(NULL, a->n, sizeof *tmp);
	memcpy(tmp, a->addr, a->n * sizeof *tmp);
	qsort(tmp, a->n, sizeof *tmp, addr_cmp);
	size_t h = 0;
	for (size_t i = 0; i < a->n; i++)
		if (i == 0 || memcmp(tmp[i].b, tmp[i - 1].b, 16) != 0)
			h++;
	free(tmp);
	return h;
}

static void acc_free(struct risk_acc *a)
{
	free(a->sev);
	free(a->age);
	free(a->addr);
	memset(a, 0, sizeof *a);
}

/* Rates org from the rows of q (columns: address, severity, age in seconds). */
static int rate_query(sqlite3_stmt *q, struct ks_risk *out, size_t *nopen, size_t *hosts,
		      size_t by_sev[KS_SEV_COUNT])
{
	struct risk_acc a = {0};
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		enum ks_sev sv;
		if (sqlite3_column_bytes(q, 0) != 16 ||
		    ks_sev_parse((const char *)sqlite3_column_text(q, 1), &sv) != 0)
			continue;
		acc_add(&a, sv, (double)sqlite3_column_int64(q, 2) / 86400.0, sqlite3_column_blob(q, 0));
		if (by_sev)
			by_sev[sv]++;
	}
	size_t h = acc_hosts(&a);
	ks_risk_rate(a.sev, a.age, a.n, h, out);
	if (nopen)
		*nopen = a.n;
	if (hosts)
		*hosts = h;
	acc_free(&a);
	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : KS_EIO;
}

static int risk_cmp(const void *a, const void *b)
{
	const struct ks_org_risk *x = a, *y = b;
	if (x->now.score != y->now.score)
		return x->now.score < y->now.score ? -1 : 1;
	return strcmp(x->org, y->org);
}

int ks_store_org_risk(struct ks_store *st, int64_t now, struct ks_org_risk **out, size_t *n)
{
	sqlite3 *db = ks_store_sqlite(st);
	sqlite3_stmt *orgs = NULL, *open = NULL, *rounds = NULL, *sighted = NULL;
	struct ks_org_risk *v = NULL;
	size_t nv = 0, cap = 0;
	int err = 0, rc;
	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT DISTINCT org FROM survey_finding WHERE org<>'' ORDER BY org", -1,
			       &orgs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT address, severity, ?2 - first_seen FROM survey_finding"
				   " WHERE org=?1 AND status='open'", -1, &open, NULL) != SQLITE_OK ||
	    /* the last finished rounds of the scopes this organisation's findings came from */
	    sqlite3_prepare_v2(db, "SELECT id, started FROM (SELECT id, started FROM survey_round"
				   " WHERE ended IS NOT NULL AND scope_name IN"
				   " (SELECT DISTINCT scope FROM survey_finding WHERE org=?1)"
				   " ORDER BY id DESC LIMIT ?2) ORDER BY id", -1, &rounds, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT f.address, s.severity, ?3 - f.first_seen FROM survey_sighting s"
				   " JOIN survey_finding f ON f.id=s.finding_id"
				   " WHERE s.round_id=?1 AND f.org=?2", -1, &sighted, NULL) != SQLITE_OK) {
		err = KS_EIO;
		goto out;
	}
	while (err == 0 && (rc = sqlite3_step(orgs)) == SQLITE_ROW) {
		if (nv == cap) {
			cap = cap ? cap * 2 : 16;
			v = ks_xreallocarray(v, cap, sizeof *v);
		}
		struct ks_org_risk *o = &v[nv++];
		memset(o, 0, sizeof *o);
		col_text(orgs, 0, o->org, sizeof o->org);
		sqlite3_bind_text(open, 1, o->org, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(open, 2, now);
		err = rate_query(open, &o->now, &o->open, &o->hosts, o->by_sev);
		sqlite3_bind_text(rounds, 1, o->org, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(rounds, 2, KS_RISK_TREND_MAX);
		while (err == 0 && sqlite3_step(rounds) == SQLITE_ROW && o->ntrend < KS_RISK_TREND_MAX) {
			struct ks_risk rk;
			int64_t rid = sqlite3_column_int64(rounds, 0);
			sqlite3_bind_int64(sighted, 1, rid);
			sqlite3_bind_text(sighted, 2, o->org, -1, SQLITE_TRANSIENT);
			sqlite3_bind_int64(sighted, 3, sqlite3_column_int64(rounds, 1));
			err = rate_query(sighted, &rk, NULL, NULL, NULL);
			o->trend_round[o->ntrend] = rid;
			o->trend_score[o->ntrend++] = rk.score;
		}
		sqlite3_reset(rounds);
	}
	if (err == 0 && rc != SQLITE_DONE)
		err = KS_EIO;
out:
	sqlite3_finalize(orgs);
	sqlite3_finalize(open);
	sqlite3_finalize(rounds);
	sqlite3_finalize(sighted);
	if (err != 0) {
		free(v);
		return err;
	}
	if (nv)
		qsort(v, nv, sizeof *v, risk_cmp);
	*out = v;
	*n = nv;
	return 0;
}
