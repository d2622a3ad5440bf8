/* SPDX-License-Identifier: BSD-2-Clause */
/* SQLite side of the C&C list (store_cc.h). */
#include "store_cc.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "store_int.h"

int ks_store_cc_put(struct ks_store *s, const struct ks_cc_entry *v, size_t n)
{
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(ks_store_sqlite(s),
			       "INSERT INTO cc_report(address,port,proto,operator,reported_at,score,"
			       "first_seen,last_seen,infected_hosts,note) VALUES(?,?,?,?,?,?,?,?,?,?)"
			       " ON CONFLICT(address,port,proto,operator) DO UPDATE SET"
			       " reported_at=excluded.reported_at, score=excluded.score,"
			       " first_seen=excluded.first_seen, last_seen=excluded.last_seen,"
			       " infected_hosts=excluded.infected_hosts, note=excluded.note"
			       " WHERE excluded.reported_at >= cc_report.reported_at",
			       -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct ks_cc_entry *e = &v[i];
		sqlite3_bind_blob(q, 1, e->addr.b, 16, SQLITE_STATIC);
		sqlite3_bind_int(q, 2, e->port);
		sqlite3_bind_int(q, 3, e->proto);
		sqlite3_bind_text(q, 4, e->reported_by, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q, 5, e->reported_at);
		sqlite3_bind_double(q, 6, e->score);
		sqlite3_bind_int64(q, 7, e->first_seen);
		sqlite3_bind_int64(q, 8, e->last_seen);
		sqlite3_bind_int64(q, 9, e->infected_hosts);
		sqlite3_bind_text(q, 10, e->note, -1, SQLITE_STATIC);
		if (sqlite3_step(q) != SQLITE_DONE)
			r = KS_EIO;
		sqlite3_reset(q);
	}
	sqlite3_finalize(q);
	return r;
}

int ks_store_cc_delete_reporter(struct ks_store *s, const char *reported_by, size_t *removed)
{
	sqlite3 *db = ks_store_sqlite(s);
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db, "DELETE FROM cc_report WHERE operator=?", -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_text(q, 1, reported_by, -1, SQLITE_STATIC);
	int r = sqlite3_step(q) == SQLITE_DONE ? 0 : KS_EIO;
	sqlite3_finalize(q);
	if (r == 0 && removed)
		*removed = (size_t)sqlite3_changes(db);
	return r;
}

/* Copies a text column into a fixed field, cut at the field's size (the
 * readers and ks_cc_entry_check keep stored text well inside it). */
static void column_text(sqlite3_stmt *q, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(q, col);
	size_t n = t ? (size_t)sqlite3_column_bytes(q, col) : 0;
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

int ks_store_cc_load(struct ks_store *s, struct ks_cc_list *out)
{
	memset(out, 0, sizeof(*out));
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(ks_store_sqlite(s),
			       "SELECT address,port,proto,operator,reported_at,score,first_seen,last_seen,"
			       "infected_hosts,note FROM cc_report ORDER BY address,port,proto,operator",
			       -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	size_t cap = 0;
	int rc, r = 0;
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(q, 0) != 16)
			continue; /* not written by us */
		if (out->n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			struct ks_cc_entry *nv = realloc(out->v, nc * sizeof(*nv));
			if (!nv) {
				r = KS_ENOMEM;
				break;
			}
			out->v = nv;
			cap = nc;
		}
		struct ks_cc_entry *e = &out->v[out->n++];
		memset(e, 0, sizeof(*e));
		memcpy(e->addr.b, sqlite3_column_blob(q, 0), 16);
		e->port = (uint16_t)sqlite3_column_int(q, 1);
		e->proto = (uint8_t)sqlite3_column_int(q, 2);
		column_text(q, 3, e->reported_by, sizeof(e->reported_by));
		e->reported_at = sqlite3_column_int64(q, 4);
		e->score = sqlite3_column_double(q, 5);
		e->first_seen = sqlite3_column_int64(q, 6);
		e->last_seen = sqlite3_column_int64(q, 7);
		e->infected_hosts = (uint32_t)sqlite3_column_int64(q, 8);
		column_text(q, 9, e->note, sizeof(e->note));
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	sqlite3_finalize(q);
	if (r != 0)
		ks_cc_list_release(out);
	return r;
}
