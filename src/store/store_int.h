/* SPDX-License-Identifier: BSD-2-Clause */
/* Internal to the SQLite back end: what store_sqlite.c shares with the
 * files that keep other parts' tables (store_flow.c). Not for callers of
 * the store. */
#ifndef KS_STORE_INT_H
#define KS_STORE_INT_H

#include <sqlite3.h>
#include <stdint.h>

struct ks_store;

/* The connection of s; owned by s. */
sqlite3 *ks_store_sqlite(struct ks_store *s);

struct ks_span;
/* Hour numbers [lo, hi) of every hour bucket that overlaps sp. */
void ks_store_span_hours(const struct ks_span *sp, int64_t *lo, int64_t *hi);

/* Schema version 1 -> 2: flow analysis tables (docs/store.md). */
#define KS_STORE_FLOW_SCHEMA_V2                                                              \
	"CREATE TABLE flow_ingest(id INTEGER PRIMARY KEY, hash TEXT NOT NULL UNIQUE,"        \
	" name TEXT NOT NULL, kind TEXT NOT NULL, started_at INTEGER NOT NULL,"              \
	" finished_at INTEGER, datagrams INTEGER NOT NULL DEFAULT 0,"                        \
	" flows INTEGER NOT NULL DEFAULT 0, malformed INTEGER NOT NULL DEFAULT 0);"          \
	"CREATE TABLE flow_exporter(ingest_id INTEGER NOT NULL, addr BLOB NOT NULL,"         \
	" port INTEGER NOT NULL, name TEXT, version INTEGER NOT NULL, first_ms INTEGER,"     \
	" last_ms INTEGER, datagrams INTEGER NOT NULL, flows INTEGER NOT NULL,"              \
	" options_records INTEGER NOT NULL, lost_packets INTEGER NOT NULL,"                  \
	" lost_flows INTEGER NOT NULL, malformed INTEGER NOT NULL,"                          \
	" no_template INTEGER NOT NULL, templates INTEGER NOT NULL,"                         \
	" sampling INTEGER NOT NULL, PRIMARY KEY(ingest_id, addr, port)) WITHOUT ROWID;"     \
	"CREATE TABLE flow_hour(ingest_id INTEGER NOT NULL, hour INTEGER NOT NULL,"          \
	" proto INTEGER NOT NULL, dport INTEGER NOT NULL, flows INTEGER NOT NULL,"           \
	" packets INTEGER NOT NULL, bytes INTEGER NOT NULL,"                                 \
	" PRIMARY KEY(ingest_id, hour, proto, dport)) WITHOUT ROWID;"                        \
	"CREATE TABLE cc_report(address BLOB NOT NULL, port INTEGER NOT NULL,"               \
	" proto INTEGER NOT NULL, operator TEXT NOT NULL, reported_at INTEGER NOT NULL,"     \
	" score REAL NOT NULL, first_seen INTEGER, last_seen INTEGER,"                       \
	" infected_hosts INTEGER NOT NULL DEFAULT 0, note TEXT,"                             \
	" PRIMARY KEY(address, port, proto, operator)) WITHOUT ROWID;"

#endif
