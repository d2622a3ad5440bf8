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

/* Schema version 2 -> 3: active survey (store_survey.c, docs/store.md).
 * Addresses are 16-byte blobs (ks_addr); times Unix seconds; finding types
 * and severities their stable names (vuln_finding.h). */
#define KS_STORE_SURVEY_SCHEMA_V3                                                            \
	"CREATE TABLE survey_round(id INTEGER PRIMARY KEY, scope_name TEXT NOT NULL,"        \
	" scope_hash TEXT NOT NULL, started INTEGER NOT NULL, ended INTEGER,"                \
	" complete INTEGER NOT NULL DEFAULT 0, in_scope INTEGER NOT NULL DEFAULT 0,"         \
	" services INTEGER NOT NULL DEFAULT 0, findings INTEGER NOT NULL DEFAULT 0,"         \
	" audits INTEGER NOT NULL DEFAULT 0, resolved INTEGER NOT NULL DEFAULT 0,"           \
	" resume_key INTEGER NOT NULL DEFAULT 0, resume_index INTEGER NOT NULL DEFAULT 0,"   \
	" import_hash TEXT);"                                                                \
	"CREATE INDEX survey_round_scope ON survey_round(scope_name, id);"                   \
	"CREATE TABLE survey_audit(round_id INTEGER NOT NULL, t_ns INTEGER NOT NULL,"        \
	" address BLOB NOT NULL, port INTEGER NOT NULL, proto INTEGER NOT NULL,"             \
	" module TEXT NOT NULL, outcome TEXT NOT NULL);"                                     \
	"CREATE INDEX survey_audit_round ON survey_audit(round_id);"                         \
	"CREATE TABLE survey_service(round_id INTEGER NOT NULL, address BLOB NOT NULL,"      \
	" port INTEGER NOT NULL, proto INTEGER NOT NULL, module TEXT NOT NULL,"              \
	" banner TEXT NOT NULL, vendor TEXT NOT NULL, product TEXT NOT NULL,"                \
	" version TEXT NOT NULL, device_type TEXT NOT NULL, cpe TEXT NOT NULL,"              \
	" title TEXT NOT NULL, facts TEXT NOT NULL,"                                         \
	" PRIMARY KEY(round_id, address, port, proto)) WITHOUT ROWID;"                       \
	"CREATE TABLE survey_finding(id INTEGER PRIMARY KEY, address BLOB NOT NULL,"         \
	" port INTEGER NOT NULL, proto INTEGER NOT NULL, type TEXT NOT NULL,"                \
	" severity TEXT NOT NULL, org TEXT NOT NULL, first_seen INTEGER NOT NULL,"           \
	" last_seen INTEGER NOT NULL, status TEXT NOT NULL, resolved_at INTEGER,"            \
	" product TEXT NOT NULL, detail TEXT NOT NULL, scope TEXT NOT NULL,"                 \
	" last_round INTEGER NOT NULL, UNIQUE(address, port, proto, type));"                 \
	"CREATE INDEX survey_finding_scope ON survey_finding(scope, status);"                \
	"CREATE TABLE survey_sighting(round_id INTEGER NOT NULL, finding_id INTEGER NOT NULL," \
	" severity TEXT NOT NULL, PRIMARY KEY(round_id, finding_id)) WITHOUT ROWID;"

#endif
