/* SPDX-License-Identifier: BSD-2-Clause */
/* SQLite back end of the store (store.h). Schema and migrations are below;
 * docs/store.md describes the tables. Write-ahead logging with
 * synchronous=NORMAL: a process killed at any point leaves the last
 * committed state (only power loss may lose the latest commits), which is
 * what makes an interrupted ingest safe to run again. */
#include "store.h"

#include <inttypes.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ks_alloc.h"
#include "ks_err.h"
#include "store_int.h"

/* Forward-only migrations: entry i moves a store from version i to i+1. */
static const char *const migrations[KS_STORE_SCHEMA_VERSION] = {
	/* 0 -> 1: ingests, darknet aggregates, organisations */
	"CREATE TABLE ingest("
	" id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, sensor TEXT,"
	" darknet TEXT NOT NULL, scan_threshold INTEGER NOT NULL, started_at INTEGER NOT NULL,"
	" finished_at INTEGER, first_us INTEGER, last_us INTEGER, frames INTEGER NOT NULL DEFAULT 0,"
	" darknet_packets INTEGER NOT NULL DEFAULT 0, malformed INTEGER NOT NULL DEFAULT 0,"
	" outside INTEGER NOT NULL DEFAULT 0, non_ip INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE ingest_counter(ingest_id INTEGER NOT NULL, name TEXT NOT NULL,"
	" value INTEGER NOT NULL, PRIMARY KEY(ingest_id, name)) WITHOUT ROWID;"
	/* Append-only: an (ingest, hour, addr) may have several rows (the
	 * in-memory table filled up); readers merge them like rows of
	 * different ingests. The rowid is ingest_id << 40 | sequence, so rows
	 * are appended and an ingest's rows form one rowid range; no index. */
	"CREATE TABLE dn_source(ingest_id INTEGER NOT NULL, hour INTEGER NOT NULL, addr BLOB NOT NULL,"
	" first_us INTEGER NOT NULL, last_us INTEGER NOT NULL, tcp_scan INTEGER NOT NULL,"
	" backscatter INTEGER NOT NULL, icmp_scan INTEGER NOT NULL, udp INTEGER NOT NULL,"
	" other INTEGER NOT NULL, tags INTEGER NOT NULL, dests BLOB NOT NULL,"
	" dests_sat INTEGER NOT NULL, ports BLOB NOT NULL, ports_sat INTEGER NOT NULL,"
	" country TEXT, asn INTEGER, as_org TEXT);"
	"CREATE TABLE dn_port_hour(ingest_id INTEGER NOT NULL, hour INTEGER NOT NULL,"
	" proto INTEGER NOT NULL, port INTEGER NOT NULL, packets INTEGER NOT NULL,"
	" PRIMARY KEY(ingest_id, hour, proto, port)) WITHOUT ROWID;"
	"CREATE TABLE dn_dest(ingest_id INTEGER NOT NULL, addr BLOB NOT NULL,"
	" tcp_scan INTEGER NOT NULL, backscatter INTEGER NOT NULL, icmp_scan INTEGER NOT NULL,"
	" udp INTEGER NOT NULL, other INTEGER NOT NULL, PRIMARY KEY(ingest_id, addr)) WITHOUT ROWID;"
	"CREATE TABLE dn_counter(ingest_id INTEGER NOT NULL, hour INTEGER NOT NULL,"
	" name TEXT NOT NULL, value INTEGER NOT NULL,"
	" PRIMARY KEY(ingest_id, hour, name)) WITHOUT ROWID;"
	"CREATE TABLE org(id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,"
	" contact TEXT NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE org_prefix(org_id TEXT NOT NULL, prefix TEXT NOT NULL,"
	" PRIMARY KEY(org_id, prefix)) WITHOUT ROWID;",
	/* 1 -> 2: flow analysis (store_flow.c) */
	KS_STORE_FLOW_SCHEMA_V2,
	/* 2 -> 3: active survey (store_survey.c) */
	KS_STORE_SURVEY_SCHEMA_V3,
};

enum {
	ST_SRC,
	ST_PORT_HOUR,
	ST_DEST,
	ST_COUNTER,
	ST__N
};

static const char *const stmt_sql[ST__N] = {
	[ST_SRC] = "INSERT INTO dn_source(rowid,ingest_id,hour,addr,first_us,last_us,tcp_scan,backscatter,"
		   "icmp_scan,udp,other,tags,dests,dests_sat,ports,ports_sat,country,asn,as_org)"
		   " VALUES(?19,?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
	[ST_PORT_HOUR] = "INSERT INTO dn_port_hour VALUES(?1,?2,?3,?4,?5)"
			 " ON CONFLICT DO UPDATE SET packets=packets+excluded.packets",
	[ST_DEST] = "INSERT INTO dn_dest VALUES(?1,?2,?3,?4,?5,?6,?7)"
		    " ON CONFLICT DO UPDATE SET tcp_scan=tcp_scan+excluded.tcp_scan,"
		    " backscatter=backscatter+excluded.backscatter, icmp_scan=icmp_scan+excluded.icmp_scan,"
		    " udp=udp+excluded.udp, other=other+excluded.other",
	[ST_COUNTER] = "INSERT INTO dn_counter VALUES(?1,?2,?3,?4)"
		       " ON CONFLICT DO UPDATE SET value=value+excluded.value",
};

struct ks_store {
	sqlite3 *db;
	sqlite3_stmt *st[ST__N];
	/* scratch for encoding blobs */
	struct ks_kv *kv;
	uint8_t *blob;
	size_t kv_cap, blob_cap;
	int64_t seq_ingest, seq; /* next dn_source rowid sequence of seq_ingest */
};

const char *ks_store_errmsg(struct ks_store *s)
{
	return sqlite3_errmsg(s->db);
}

static int exec(struct ks_store *s, const char *sql)
{
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : KS_EIO;
}

static int migrate(struct ks_store *s, const char *path, char *err, size_t errlen)
{
	int v = ks_store_schema_version(s);
	if (v < 0) {
		snprintf(err, errlen, "%s: cannot read schema version: %s", path, sqlite3_errmsg(s->db));
		return KS_EIO;
	}
	if (v > KS_STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: store schema version %d is newer than this kansoku (%d)",
			 path, v, KS_STORE_SCHEMA_VERSION);
		return KS_EIO;
	}
	for (; v < KS_STORE_SCHEMA_VERSION; v++) {
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version=%d", v + 1);
		if (exec(s, "BEGIN IMMEDIATE") || exec(s, migrations[v]) || exec(s, bump) ||
		    exec(s, "COMMIT")) {
			snprintf(err, errlen, "%s: migrating schema to version %d: %s", path, v + 1,
				 sqlite3_errmsg(s->db));
			exec(s, "ROLLBACK");
			return KS_EIO;
		}
	}
	return 0;
}

int ks_store_open(const char *path, struct ks_store **out, char *err, size_t errlen)
{
	struct ks_store *s = ks_xcalloc(1, sizeof *s);
	*out = NULL;
	s->seq_ingest = -1;
	/* SQLite's memory statistics take a global mutex on every allocation;
	 * kansoku does not read them. Only settable before initialisation. */
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	/* One connection per thread (store.h), so no per-connection mutex. */
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open store: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	/* 16 KiB pages (SQLite's default is 4 KiB) cut per-page work on the
	 * million-row ingests; the setting only takes effect on a new store. */
	if (exec(s, "PRAGMA page_size=16384") || exec(s, "PRAGMA journal_mode=WAL") || exec(s, "PRAGMA synchronous=NORMAL") ||
	    exec(s, "PRAGMA cache_size=-65536") || exec(s, "PRAGMA temp_store=FILE") ||
	    /* a helper thread for SQLite's sorter: readers sort millions of
	     * source rows by address (2.6 s -> 2.0 s for 1.7 M rows) */
	    exec(s, "PRAGMA threads=2")) {
		snprintf(err, errlen, "%s: not a usable SQLite store: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (migrate(s, path, err, errlen) != 0)
		goto fail;
	for (int i = 0; i < ST__N; i++) {
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing statements: %s", path, sqlite3_errmsg(s->db));
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	ks_store_close(s);
	return KS_EIO;
}

void ks_store_close(struct ks_store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST__N; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s->kv);
	free(s->blob);
	free(s);
}

int ks_store_schema_version(struct ks_store *s)
{
	sqlite3_stmt *q;
	int v = -1;
	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	return v;
}

int ks_store_begin(struct ks_store *s) { return exec(s, "BEGIN IMMEDIATE"); }
int ks_store_commit(struct ks_store *s) { return exec(s, "COMMIT"); }
int ks_store_rollback(struct ks_store *s) { return exec(s, "ROLLBACK"); }

/* Runs a one-shot statement with int64/text parameters given as a format:
 * 'i' int64, 't' text (NULL allowed). Returns 0 or KS_EIO. */
static int run(struct ks_store *s, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	va_list ap;
	va_start(ap, fmt);
	for (int i = 0; fmt[i]; i++) {
		if (fmt[i] == 'i')
			sqlite3_bind_int64(q, i + 1, va_arg(ap, int64_t));
		else
			sqlite3_bind_text(q, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : KS_EIO;
}

int ks_store_ingest_find(struct ks_store *s, const char *hash, int64_t *id)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(s->db, "SELECT id FROM ingest WHERE hash=?", -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q), r = KS_ENOENT;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		r = 0;
	} else if (rc != SQLITE_DONE) {
		r = KS_EIO;
	}
	sqlite3_finalize(q);
	return r;
}

int ks_store_ingest_delete(struct ks_store *s, int64_t id)
{
	static const char *const del[] = {
		"DELETE FROM dn_source WHERE rowid >= ?1 << 40 AND rowid < (?1 + 1) << 40",
		"DELETE FROM dn_port_hour WHERE ingest_id=?",
		"DELETE FROM dn_dest WHERE ingest_id=?",      "DELETE FROM dn_counter WHERE ingest_id=?",
		"DELETE FROM ingest_counter WHERE ingest_id=?", "DELETE FROM ingest WHERE id=?",
	};
	for (size_t i = 0; i < sizeof del / sizeof del[0]; i++)
		if (run(s, del[i], "i", id) != 0)
			return KS_EIO;
	return 0;
}

int ks_store_ingest_create(struct ks_store *s, const struct ks_ingest *in, int64_t *id)
{
	int r = run(s,
		    "INSERT INTO ingest(hash,name,sensor,darknet,scan_threshold,started_at)"
		    " VALUES(?,?,?,?,?,?)",
		    "ttttii", in->hash, in->name, in->sensor, in->darknet, (int64_t)in->scan_threshold,
		    (int64_t)time(NULL));
	if (r == 0)
		*id = sqlite3_last_insert_rowid(s->db);
	return r;
}

int ks_store_ingest_finish(struct ks_store *s, int64_t id, const struct ks_ingest *in)
{
	return run(s,
		   "UPDATE ingest SET finished_at=?, first_us=?, last_us=?, frames=frames+?,"
		   " darknet_packets=darknet_packets+?, malformed=malformed+?, outside=outside+?,"
		   " non_ip=non_ip+? WHERE id=?",
		   "iiiiiiiii", (int64_t)time(NULL), in->first_us, in->last_us, (int64_t)in->frames,
		   (int64_t)in->darknet_packets, (int64_t)in->malformed, (int64_t)in->outside,
		   (int64_t)in->non_ip, id);
}

int ks_store_ingest_set_hash(struct ks_store *s, int64_t id, const char *hash)
{
	return run(s, "UPDATE ingest SET hash=? WHERE id=?", "ti", hash, id);
}

int ks_store_ingest_counter(struct ks_store *s, int64_t id, const char *name, uint64_t value)
{
	return run(s,
		   "INSERT INTO ingest_counter VALUES(?,?,?)"
		   " ON CONFLICT DO UPDATE SET value=value+excluded.value",
		   "iti", id, name, (int64_t)value);
}

static int step_reset(struct ks_store *s, sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	sqlite3_reset(q);
	(void)s;
	return rc == SQLITE_DONE ? 0 : KS_EIO;
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	*cap = c;
	return ks_xreallocarray(p, c, size);
}

int ks_store_dn_source(struct ks_store *s, int64_t ingest, const struct ks_dn_src *e,
		       const struct ks_geo_info *geo)
{
	sqlite3_stmt *q = s->st[ST_SRC];
	size_t nd = e->ndests, np = e->ports.n;
	s->kv = grow(s->kv, &s->kv_cap, np + 1, sizeof *s->kv);
	s->blob = grow(s->blob, &s->blob_cap, nd * 4 + np * 12 + 1, 1);
	ks_u32map_sorted(&e->ports, s->kv);
	ks_blob_put_set(s->blob, e->dests, nd);
	ks_blob_put_map(s->blob + nd * 4, s->kv, np);
	if (s->seq_ingest != ingest) {
		/* first row of this ingest in this connection: continue its range */
		sqlite3_stmt *m;
		s->seq_ingest = ingest;
		s->seq = 0;
		if (sqlite3_prepare_v2(s->db, "SELECT max(rowid) FROM dn_source WHERE rowid >= ?1 << 40"
					      " AND rowid < (?1 + 1) << 40", -1, &m, NULL) != SQLITE_OK)
			return KS_EIO;
		sqlite3_bind_int64(m, 1, ingest);
		if (sqlite3_step(m) == SQLITE_ROW && sqlite3_column_type(m, 0) == SQLITE_INTEGER)
			s->seq = (sqlite3_column_int64(m, 0) & ((1LL << 40) - 1)) + 1;
		sqlite3_finalize(m);
	}
	sqlite3_bind_int64(q, 19, ingest << 40 | s->seq++);
	sqlite3_bind_int64(q, 1, ingest);
	sqlite3_bind_int64(q, 2, e->hour);
	sqlite3_bind_blob(q, 3, e->addr.b, 16, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, e->first_us);
	sqlite3_bind_int64(q, 5, e->last_us);
	for (int c = 0; c < KS_DN__NCLASS; c++)
		sqlite3_bind_int64(q, 6 + c, (int64_t)e->cls[c]);
	sqlite3_bind_int(q, 11, e->tags);
	sqlite3_bind_blob(q, 12, s->blob, (int)(nd * 4), SQLITE_STATIC);
	sqlite3_bind_int(q, 13, e->dests_saturated);
	sqlite3_bind_blob(q, 14, s->blob + nd * 4, (int)(np * 12), SQLITE_STATIC);
	sqlite3_bind_int(q, 15, e->ports.saturated);
	if (geo && geo->country[0])
		sqlite3_bind_text(q, 16, geo->country, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 16);
	if (geo && geo->asn)
		sqlite3_bind_int64(q, 17, geo->asn);
	else
		sqlite3_bind_null(q, 17);
	if (geo && geo->as_org)
		sqlite3_bind_text(q, 18, geo->as_org, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 18);
	return step_reset(s, q);
}

int ks_store_dn_port_hour(struct ks_store *s, int64_t ingest, uint32_t hour, uint8_t proto,
			  uint16_t port, uint64_t packets)
{
	sqlite3_stmt *q = s->st[ST_PORT_HOUR];
	sqlite3_bind_int64(q, 1, ingest);
	sqlite3_bind_int64(q, 2, hour);
	sqlite3_bind_int(q, 3, proto);
	sqlite3_bind_int(q, 4, port);
	sqlite3_bind_int64(q, 5, (int64_t)packets);
	return step_reset(s, q);
}

int ks_store_dn_dest(struct ks_store *s, int64_t ingest, const struct ks_addr *a,
		     const uint64_t cls[KS_DN__NCLASS])
{
	sqlite3_stmt *q = s->st[ST_DEST];
	sqlite3_bind_int64(q, 1, ingest);
	sqlite3_bind_blob(q, 2, a->b, 16, SQLITE_STATIC);
	for (int c = 0; c < KS_DN__NCLASS; c++)
		sqlite3_bind_int64(q, 3 + c, (int64_t)cls[c]);
	return step_reset(s, q);
}

int ks_store_dn_counter(struct ks_store *s, int64_t ingest, uint32_t hour, int counter,
			uint64_t value)
{
	sqlite3_stmt *q = s->st[ST_COUNTER];
	sqlite3_bind_int64(q, 1, ingest);
	sqlite3_bind_int64(q, 2, hour);
	sqlite3_bind_text(q, 3, ks_dn_counter_name(counter), -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (int64_t)value);
	return step_reset(s, q);
}

/* Hour bounds [lo, hi) of a span: every hour bucket that overlaps it. */
static void span_hours(const struct ks_span *sp, int64_t *lo, int64_t *hi)
{
	const int64_t h = 3600000000LL;
	*lo = sp->since_us == INT64_MIN ? INT64_MIN : (sp->since_us >= 0 ? sp->since_us / h : -1);
	if (sp->until_us == INT64_MAX)
		*hi = INT64_MAX;
	else
		*hi = sp->until_us <= 0 ? 0 : sp->until_us / h + (sp->until_us % h != 0);
}

/* Prepares sql and binds ?1, ?2 to the hour bounds [lo, hi) of span. */
static int prepare_span(struct ks_store *s, const char *sql, const struct ks_span *span,
			sqlite3_stmt **q)
{
	int64_t lo, hi;
	span_hours(span, &lo, &hi);
	if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_int64(*q, 1, lo);
	sqlite3_bind_int64(*q, 2, hi);
	return 0;
}

/* Merge state of ks_store_dn_sources */
struct merge {
	struct ks_dn_source cur;
	int have;
	uint32_t *dests, *tmp;
	size_t nd, dcap, tcap;
	struct ks_kv *ports, *ptmp;
	size_t np, pcap, ptcap;
	char as_org[256];
};

static void merge_row(struct merge *m, sqlite3_stmt *q)
{
	struct ks_dn_source *c = &m->cur;
	int64_t f = sqlite3_column_int64(q, 1), l = sqlite3_column_int64(q, 2);
	if (!m->have || f < c->first_us)
		c->first_us = f;
	if (!m->have || l > c->last_us)
		c->last_us = l;
	for (int i = 0; i < KS_DN__NCLASS; i++)
		c->cls[i] += (uint64_t)sqlite3_column_int64(q, 3 + i);
	c->tags |= (unsigned)sqlite3_column_int(q, 8);
	uint32_t *d = NULL;
	size_t nd = 0;
	struct ks_kv *p = NULL;
	size_t np = 0;
	/* Blobs are our own, but a damaged store must not crash readers: a bad
	 * blob contributes nothing and marks the figure as a lower bound. */
	if (ks_blob_get_set(sqlite3_column_blob(q, 9), (size_t)sqlite3_column_bytes(q, 9), &d, &nd))
		c->dests_saturated = 1;
	if (ks_blob_get_map(sqlite3_column_blob(q, 11), (size_t)sqlite3_column_bytes(q, 11), &p, &np))
		c->ports_saturated = 1;
	m->tmp = grow(m->tmp, &m->tcap, m->nd + nd + 1, sizeof *m->tmp);
	size_t n = ks_set_union(m->dests, m->nd, d, nd, m->tmp);
	uint32_t *sw = m->dests;
	size_t swc = m->dcap;
	m->dests = m->tmp, m->dcap = m->tcap, m->nd = n;
	m->tmp = sw, m->tcap = swc;
	m->ptmp = grow(m->ptmp, &m->ptcap, m->np + np + 1, sizeof *m->ptmp);
	n = ks_map_merge(m->ports, m->np, p, np, m->ptmp);
	struct ks_kv *psw = m->ports;
	swc = m->pcap;
	m->ports = m->ptmp, m->pcap = m->ptcap, m->np = n;
	m->ptmp = psw, m->ptcap = swc;
	free(d);
	free(p);
	c->dests_saturated |= sqlite3_column_int(q, 10);
	c->ports_saturated |= sqlite3_column_int(q, 12);
	if (!c->country[0] && sqlite3_column_type(q, 13) == SQLITE_TEXT) {
		const char *cc = (const char *)sqlite3_column_text(q, 13);
		if (strlen(cc) == 2)
			memcpy(c->country, cc, 3);
	}
	if (!c->asn && sqlite3_column_type(q, 14) == SQLITE_INTEGER)
		c->asn = (uint32_t)sqlite3_column_int64(q, 14);
	if (!m->as_org[0] && sqlite3_column_type(q, 15) == SQLITE_TEXT)
		snprintf(m->as_org, sizeof m->as_org, "%s", (const char *)sqlite3_column_text(q, 15));
	m->have = 1;
}

static int merge_emit(struct merge *m, ks_dn_source_fn fn, void *ctx)
{
	struct ks_dn_source *c = &m->cur;
	c->packets = 0;
	for (int i = 0; i < KS_DN__NCLASS; i++)
		c->packets += c->cls[i];
	c->dests = m->nd;
	c->ports = m->ports;
	c->nports = m->np;
	c->as_org = m->as_org[0] ? m->as_org : NULL;
	int r = fn(ctx, c);
	memset(c, 0, sizeof *c);
	m->as_org[0] = '\0';
	m->nd = m->np = 0;
	m->have = 0;
	return r;
}

int ks_store_dn_sources(struct ks_store *s, const struct ks_span *span, ks_dn_source_fn fn,
			void *ctx)
{
	sqlite3_stmt *q;
	if (prepare_span(s, "SELECT addr, first_us, last_us, tcp_scan, backscatter, icmp_scan, udp, other,"
			       " tags, dests, dests_sat, ports, ports_sat, country, asn, as_org"
			       " FROM dn_source WHERE hour >= ?1 AND hour < ?2 ORDER BY addr", span, &q) != 0)
		return KS_EIO;
	struct merge m;
	memset(&m, 0, sizeof m);
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(q, 0) != 16)
			continue; /* not an address: skip rather than guess */
		const void *a = sqlite3_column_blob(q, 0);
		if (m.have && memcmp(m.cur.addr.b, a, 16) != 0)
			r = merge_emit(&m, fn, ctx);
		if (r != 0)
			break;
		memcpy(m.cur.addr.b, a, 16);
		merge_row(&m, q);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	if (r == 0 && m.have)
		r = merge_emit(&m, fn, ctx);
	sqlite3_finalize(q);
	free(m.dests);
	free(m.tmp);
	free(m.ports);
	free(m.ptmp);
	return r;
}

int ks_store_dn_counters(struct ks_store *s, const struct ks_span *span, uint64_t out[KS_DNC__N])
{
	sqlite3_stmt *q;
	memset(out, 0, KS_DNC__N * sizeof *out);
	if (prepare_span(s, "SELECT name, sum(value) FROM dn_counter WHERE hour >= ?1 AND hour < ?2"
			       " GROUP BY name", span, &q) != 0)
		return KS_EIO;
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(q, 0);
		for (int c = 0; c < KS_DNC__N; c++)
			if (name && strcmp(name, ks_dn_counter_name(c)) == 0)
				out[c] = (uint64_t)sqlite3_column_int64(q, 1);
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : KS_EIO;
}

int ks_store_dn_ports(struct ks_store *s, const struct ks_span *span, ks_dn_port_fn fn, void *ctx)
{
	sqlite3_stmt *q;
	if (prepare_span(s, "SELECT proto, port, sum(packets) FROM dn_port_hour"
			       " WHERE hour >= ?1 AND hour < ?2 GROUP BY proto, port", span, &q) != 0)
		return KS_EIO;
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW)
		r = fn(ctx, (uint8_t)sqlite3_column_int(q, 0), (uint16_t)sqlite3_column_int(q, 1),
		       (uint64_t)sqlite3_column_int64(q, 2));
	sqlite3_finalize(q);
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	return r;
}

int ks_store_dn_dests(struct ks_store *s, const struct ks_span *span, unsigned top, ks_dn_dest_fn fn,
		      void *ctx, uint64_t *hit)
{
	static const char in_span[] =
		" FROM dn_dest WHERE ingest_id IN (SELECT DISTINCT ingest_id FROM dn_counter"
		" WHERE hour >= ?1 AND hour < ?2)";
	char sql[512];
	sqlite3_stmt *q;
	int rc, r = 0;
	*hit = 0;
	snprintf(sql, sizeof sql, "SELECT count(DISTINCT addr)%s", in_span);
	if (prepare_span(s, sql, span, &q) != 0)
		return KS_EIO;
	if (sqlite3_step(q) == SQLITE_ROW)
		*hit = (uint64_t)sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	snprintf(sql, sizeof sql,
		 "SELECT addr, sum(tcp_scan), sum(backscatter), sum(icmp_scan), sum(udp), sum(other)%s"
		 " GROUP BY addr ORDER BY sum(tcp_scan+backscatter+icmp_scan+udp+other) DESC, addr LIMIT ?3",
		 in_span);
	if (prepare_span(s, sql, span, &q) != 0)
		return KS_EIO;
	sqlite3_bind_int64(q, 3, top);
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct ks_addr a;
		uint64_t cls[KS_DN__NCLASS];
		if (sqlite3_column_bytes(q, 0) != 16)
			continue;
		memcpy(a.b, sqlite3_column_blob(q, 0), 16);
		for (int c = 0; c < KS_DN__NCLASS; c++)
			cls[c] = (uint64_t)sqlite3_column_int64(q, 1 + c);
		r = fn(ctx, &a, cls);
	}
	sqlite3_finalize(q);
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	return r;
}

int ks_store_dn_ingests(struct ks_store *s, const struct ks_span *span, ks_dn_ingest_fn fn,
			void *ctx, uint64_t *count, uint32_t *scan_threshold)
{
	sqlite3_stmt *q;
	*count = 0;
	*scan_threshold = 0;
	if (prepare_span(s, "SELECT darknet, scan_threshold FROM ingest WHERE id IN"
			       " (SELECT DISTINCT ingest_id FROM dn_counter WHERE hour >= ?1 AND hour < ?2)"
			       " ORDER BY id", span, &q) != 0)
		return KS_EIO;
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		(*count)++;
		*scan_threshold = (uint32_t)sqlite3_column_int64(q, 1);
		if (fn)
			r = fn(ctx, (const char *)sqlite3_column_text(q, 0));
	}
	sqlite3_finalize(q);
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	return r;
}

int ks_store_org_put(struct ks_store *s, const struct ks_org_list *l, size_t *added,
		     size_t *updated)
{
	*added = *updated = 0;
	if (ks_store_begin(s) != 0)
		return KS_EIO;
	for (size_t i = 0; i < l->n; i++) {
		const struct ks_org *o = &l->v[i];
		sqlite3_stmt *q;
		int exists = 0;
		if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM org WHERE id=?", -1, &q, NULL) != SQLITE_OK)
			goto fail;
		sqlite3_bind_text(q, 1, o->id, -1, SQLITE_STATIC);
		exists = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_finalize(q);
		if (run(s,
			"INSERT INTO org VALUES(?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
			" name=excluded.name, kind=excluded.kind, contact=excluded.contact,"
			" updated_at=excluded.updated_at",
			"tttti", o->id, o->name, o->kind, o->contact,
			(int64_t)time(NULL)) != 0 ||
		    run(s, "DELETE FROM org_prefix WHERE org_id=?", "t", o->id) != 0)
			goto fail;
		for (size_t k = 0; k < o->npfx; k++) {
			char buf[KS_ADDR_STRLEN + 8];
			if (run(s, "INSERT OR IGNORE INTO org_prefix VALUES(?,?)", "tt", o->id,
				ks_prefix_format(&o->pfx[k], buf)) != 0)
				goto fail;
		}
		if (exists)
			(*updated)++;
		else
			(*added)++;
	}
	if (ks_store_commit(s) == 0)
		return 0;
fail:
	ks_store_rollback(s);
	return KS_EIO;
}

int ks_store_org_load(struct ks_store *s, struct ks_org_list *out)
{
	sqlite3_stmt *q, *p;
	ks_org_list_init(out);
	if (sqlite3_prepare_v2(s->db, "SELECT id, name, kind, contact FROM org ORDER BY id", -1, &q,
			       NULL) != SQLITE_OK)
		return KS_EIO;
	if (sqlite3_prepare_v2(s->db, "SELECT prefix FROM org_prefix WHERE org_id=? ORDER BY prefix",
			       -1, &p, NULL) != SQLITE_OK) {
		sqlite3_finalize(q);
		return KS_EIO;
	}
	int rc;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (out->n == out->cap) {
			out->cap = out->cap ? out->cap * 2 : 16;
			out->v = ks_xreallocarray(out->v, out->cap, sizeof *out->v);
		}
		struct ks_org *o = &out->v[out->n++];
		memset(o, 0, sizeof *o);
		o->id = ks_xstrdup((const char *)sqlite3_column_text(q, 0));
		o->name = ks_xstrdup((const char *)sqlite3_column_text(q, 1));
		o->kind = ks_xstrdup((const char *)sqlite3_column_text(q, 2));
		o->contact = ks_xstrdup((const char *)sqlite3_column_text(q, 3));
		sqlite3_bind_text(p, 1, o->id, -1, SQLITE_STATIC);
		size_t cap = 0;
		while (sqlite3_step(p) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(p, 0);
			struct ks_prefix pf;
			if (!t || ks_prefix_parse(t, strlen(t), &pf) != 0)
				continue;
			if (o->npfx == cap) {
				cap = cap ? cap * 2 : 4;
				o->pfx = ks_xreallocarray(o->pfx, cap, sizeof *o->pfx);
			}
			o->pfx[o->npfx++] = pf;
		}
		sqlite3_reset(p);
	}
	sqlite3_finalize(q);
	sqlite3_finalize(p);
	return rc == SQLITE_DONE ? 0 : KS_EIO;
}

sqlite3 *ks_store_sqlite(struct ks_store *s) { return s->db; }
void ks_store_span_hours(const struct ks_span *sp, int64_t *lo, int64_t *hi) { span_hours(sp, lo, hi); }
