/* SPDX-License-Identifier: BSD-2-Clause */
/* The open (address, TCP port) pairs a round's discovery audited: what an
 * interrupted `survey run` found before it stopped (store_survey.h). */
#include <string.h>

#include "ks_err.h"
#include "store.h"
#include "store_int.h"
#include "store_survey.h"

int ks_store_survey_opens(struct ks_store *st, int64_t round_id, ks_survey_open_fn fn, void *ctx)
{
	sqlite3 *db = ks_store_sqlite(st);
	sqlite3_stmt *q;
	if (sqlite3_prepare_v2(db,
			       "SELECT DISTINCT address, port FROM survey_audit WHERE round_id=?1"
			       " AND proto=6 AND outcome='open' AND module LIKE 'tcp-%'"
			       " ORDER BY address, port",
			       -1, &q, NULL) != SQLITE_OK)
		return KS_EIO;
	sqlite3_bind_int64(q, 1, round_id);
	int rc, r = 0;
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct ks_addr a;
		if (sqlite3_column_bytes(q, 0) != (int)sizeof a.b)
			continue; /* not an address this version wrote */
		memcpy(a.b, sqlite3_column_blob(q, 0), sizeof a.b);
		r = fn(ctx, &a, (uint16_t)sqlite3_column_int(q, 1));
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = KS_EIO;
	sqlite3_finalize(q);
	return r;
}
