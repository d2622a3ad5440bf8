/* SPDX-License-Identifier: BSD-2-Clause */
/* SQLite side of the flow-analysis tables (store_flow.h). Statements are
 * prepared per call: these run once per flush, not per flow. */
#include "store_flow.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ks_err.h"
#include "store_int.h"

static int prepare(struct ks_store *s, const char *sql, sqlite3_stmt **q)
{
	return sqlite3_prepare_v2(ks_store_sqlite(s), sql, -1, q, NULL) == SQLITE_OK ? 0 : KS_EIO;
}

/* Steps q to completion and finalizes it. */
static int finish(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);
	sqlite3_finalize(q);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : KS_EIO;
}

int ks_store_flow_stream_find(struct ks_store *s, const char *hash, int64_t *id, bool *finished)
{
	sqlite3_stmt *q;
	if (prepare(s, "SELECT id, finished_at IS NOT NULL FROM flow_ingest WHERE hash=?", &q) != 0)
		return KS_EIO;
	sqlite3_bind_text(q, 1, hash, -1, SQLITE_STATIC);
	int rc = sqlite3_step(q), r = KS_ENOENT;
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		*finished = sqlite3_column_int(q, 1) != 0;
		r = 0;
	} else if (rc != SQLITE_DONE) {
		r = KS_EIO;
	}
	sqlite3_finalize(q);
	return r;
}

int ks_store_flow_stream_create(struct ks_store *s, const char *hash, const char *name,
				const char *kind, int64_t *id)
{
	sqlite3_stmt *q;
	if (prepare(s, "INSERT INTO flow_ingest(hash,name,kind,started_at) VALUES(?,?,?,?)", &q) != 0)
		return KS_EIO;
	sqlite3_bind_text(q, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 4, (int64_t)time(NULL));
	int r = finish(q);
	if (r == 0)
		*id = sqlite3_last_insert_rowid(ks_store_sqlite(s));
	return r;
}

int ks_store_flow_stream_finish(struct ks_store *s, int64_t id)
{
	sqlite3_stmt *q;
	if (prepare(s,
		    "UPDATE flow_ingest SET finished_at=?2,"
		    " datagrams=(SELECT coalesce(sum(datagrams),0) FROM flow_exporter WHERE ingest_id=?1),"
		    " flows=(SELECT coalesce(sum(flows),0) FROM flow_exporter WHERE ingest_id=?1),"
		    " malformed=(SELECT coalesce(sum(malformed),0) FROM flow_exporter WHERE ingest_id=?1)"
		    " WHERE id=?1",
		    &q) != 0)
		return KS_EIO;
	sqlite3_bind_int64(q, 1, id);
	sqlite3_bind_int64(q, 2, (int64_t)time(NULL));
	return finish(q);
}

int ks_store_flow_stream_set_hash(struct ks_store *s, int64_t id, const char *hash)
{
	sqlite3_stmt *q;
	if (prepare(s, "UPDATE flow_ingest SET hash=? WHERE id=?", &q) != 0)
		return KS_EIO;
	sqlite3_bind_text(q, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q, 2, id);
	return finish(q);
}

int ks_store_flow_stream_delete(struct ks_store *s, int64_t id)
{
	static const char *const del[] = {
		"DELETE FROM flow_exporter WHERE ingest_id=?",
		"DELETE FROM flow_hour WHERE ingest_id=?",
		"DELETE FROM flow_ingest WHERE id=?",
	};
	for (size_t i = 0; i < sizeof del / sizeof del[0]; i++) {
		sqlite3_stmt *q;
		if (prepare(s, del[i], &q) != 0)
			return KS_EIO;
		sqlite3_bind_int64(q, 1, id);
		if (finish(q) != 0)
			return KS_EIO;
	}
	return 0;
}

int ks_store_flow_streams(struct ks_store *s, int64_t **ids, size_t *n)
{
	sqlite3_stmt *q;
	*ids = NULL;
	*n = 0;
	/* An interrupted file ingest is replaced when run again, so its flows
	 * are not read; a collector run's flows are valid up to its last flush. */
	if (prepare(s, "SELECT id FROM flow_ingest WHERE finished_at IS NOT NULL OR kind='collect'"
		       " ORDER BY id", &q) != 0)
		return KS_EIO;
	size_t cap = 0;
	int rc, r = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			int64_t *t = reallocarray(*ids, cap, sizeof **ids);
			if (!t) {
				r = KS_ENOMEM;
				break;
			}
			*ids = t;
		}
		(*ids)[(*n)++] = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	if (r != 0) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return r;
}

int ks_store_flow_exporter_add(struct ks_store *s, int64_t stream, const struct ks_store_exporter *e)
{
	sqlite3_stmt *q;
	if (prepare(s,
		    "INSERT INTO flow_exporter VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"
		    " ON CONFLICT DO UPDATE SET name=coalesce(excluded.name,name), version=excluded.version,"
		    " first_ms=coalesce(first_ms,excluded.first_ms), last_ms=coalesce(excluded.last_ms,last_ms),"
		    " datagrams=datagrams+excluded.datagrams, flows=flows+excluded.flows,"
		    " options_records=options_records+excluded.options_records,"
		    " lost_packets=lost_packets+excluded.lost_packets, lost_flows=lost_flows+excluded.lost_flows,"
		    " malformed=malformed+excluded.malformed, no_template=no_template+excluded.no_template,"
		    " templates=excluded.templates, sampling=excluded.sampling",
		    &q) != 0)
		return KS_EIO;
	sqlite3_bind_int64(q, 1, stream);
	sqlite3_bind_blob(q, 2, e->addr.b, 16, SQLITE_STATIC);
	sqlite3_bind_int(q, 3, e->port);
	sqlite3_bind_text(q, 4, e->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, 5, e->version);
	if (e->first_ms)
		sqlite3_bind_int64(q, 6, e->first_ms);
	if (e->last_ms)
		sqlite3_bind_int64(q, 7, e->last_ms);
	const uint64_t v[] = {e->datagrams,  e->flows,     e->options_records, e->lost_packets,
			      e->lost_flows, e->malformed, e->no_template,     e->templates,
			      e->sampling};
	for (int i = 0; i < 9; i++)
		sqlite3_bind_int64(q, 8 + i, (int64_t)v[i]);
	return finish(q);
}

int ks_store_flow_exporters(struct ks_store *s, ks_store_exporter_fn fn, void *ctx)
{
	sqlite3_stmt *q;
	/* Gauges (version, templates, sampling) come from the latest stream. */
	if (prepare(s,
		    "SELECT addr, port, max(name), min(first_ms), max(last_ms), sum(datagrams), sum(flows),"
		    " sum(options_records), sum(lost_packets), sum(lost_flows), sum(malformed),"
		    " sum(no_template),"
		    " (SELECT version FROM flow_exporter l WHERE l.addr=e.addr AND l.port=e.port"
		    "   ORDER BY ingest_id DESC LIMIT 1),"
		    " (SELECT templates FROM flow_exporter l WHERE l.addr=e.addr AND l.port=e.port"
		    "   ORDER BY ingest_id DESC LIMIT 1),"
		    " (SELECT sampling FROM flow_exporter l WHERE l.addr=e.addr AND l.port=e.port"
		    "   ORDER BY ingest_id DESC LIMIT 1)"
		    " FROM flow_exporter e GROUP BY addr, port ORDER BY addr, port",
		    &q) != 0)
		return KS_EIO;
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct ks_store_exporter e = {0};
		if (sqlite3_column_bytes(q, 0) == 16)
			memcpy(e.addr.b, sqlite3_column_blob(q, 0), 16);
		e.port = (uint16_t)sqlite3_column_int(q, 1);
		e.name = (const char *)sqlite3_column_text(q, 2);
		e.first_ms = sqlite3_column_int64(q, 3);
		e.last_ms = sqlite3_column_int64(q, 4);
		uint64_t *c[] = {&e.datagrams,  &e.flows,     &e.options_records, &e.lost_packets,
				 &e.lost_flows, &e.malformed, &e.no_template};
		for (int i = 0; i < 7; i++)
			*c[i] = (uint64_t)sqlite3_column_int64(q, 5 + i);
		e.version = (uint8_t)sqlite3_column_int(q, 12);
		e.templates = (uint64_t)sqlite3_column_int64(q, 13);
		e.sampling = (uint64_t)sqlite3_column_int64(q, 14);
		r = fn(ctx, &e);
	}
	sqlite3_finalize(q);
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	return r;
}

int ks_store_flow_hour_add(struct ks_store *s, int64_t stream, uint32_t hour, uint8_t proto,
			   uint16_t dport, uint64_t flows, uint64_t packets, uint64_t bytes)
{
	sqlite3_stmt *q;
	if (prepare(s,
		    "INSERT INTO flow_hour VALUES(?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
		    " flows=flows+excluded.flows, packets=packets+excluded.packets,"
		    " bytes=bytes+excluded.bytes",
		    &q) != 0)
		return KS_EIO;
	sqlite3_bind_int64(q, 1, stream);
	sqlite3_bind_int64(q, 2, hour);
	sqlite3_bind_int(q, 3, proto);
	sqlite3_bind_int(q, 4, dport);
	sqlite3_bind_int64(q, 5, (int64_t)flows);
	sqlite3_bind_int64(q, 6, (int64_t)packets);
	sqlite3_bind_int64(q, 7, (int64_t)bytes);
	return finish(q);
}

static int prepare_span(struct ks_store *s, const char *sql, const struct ks_span *span,
			sqlite3_stmt **q)
{
	int64_t lo, hi;
	ks_store_span_hours(span, &lo, &hi);
	if (prepare(s, sql, q) != 0)
		return KS_EIO;
	sqlite3_bind_int64(*q, 1, lo);
	sqlite3_bind_int64(*q, 2, hi);
	return 0;
}

int ks_store_flow_totals(struct ks_store *s, const struct ks_span *span, uint64_t *flows,
			 uint64_t *packets, uint64_t *bytes)
{
	sqlite3_stmt *q;
	if (prepare_span(s, "SELECT coalesce(sum(flows),0), coalesce(sum(packets),0),"
			    " coalesce(sum(bytes),0) FROM flow_hour WHERE hour >= ?1 AND hour < ?2",
			 span, &q) != 0)
		return KS_EIO;
	int r = KS_EIO;
	if (sqlite3_step(q) == SQLITE_ROW) {
		*flows = (uint64_t)sqlite3_column_int64(q, 0);
		*packets = (uint64_t)sqlite3_column_int64(q, 1);
		*bytes = (uint64_t)sqlite3_column_int64(q, 2);
		r = 0;
	}
	sqlite3_finalize(q);
	return r;
}

int ks_store_flow_hours(struct ks_store *s, const struct ks_span *span, ks_store_flow_hour_fn fn,
			void *ctx)
{
	sqlite3_stmt *q;
	if (prepare_span(s, "SELECT hour, sum(flows), sum(packets), sum(bytes) FROM flow_hour"
			    " WHERE hour >= ?1 AND hour < ?2 GROUP BY hour ORDER BY hour",
			 span, &q) != 0)
		return KS_EIO;
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW)
		r = fn(ctx, (uint32_t)sqlite3_column_int64(q, 0), (uint64_t)sqlite3_column_int64(q, 1),
		       (uint64_t)sqlite3_column_int64(q, 2), (uint64_t)sqlite3_column_int64(q, 3));
	sqlite3_finalize(q);
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	return r;
}
