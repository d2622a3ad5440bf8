/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the Recog fingerprint loader (ks_recog_load_mem) on
 * arbitrary XML, and through it libxml2's parsing under our options, the
 * Ruby-to-PCRE2 pattern translation, PCRE2 compilation and matching under
 * limits, base64 examples and {name} interpolation. Promises checked: on
 * failure *out is NULL and the message names the input; on success every
 * example can be matched against its fingerprint and the input itself
 * against the whole db without crashing, and every param of a match has a
 * name and a NUL-terminated value. A broken promise aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "recog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_result(const struct ks_recog_result *res)
{
	if (res->nparams > KS_RECOG_MAX_PARAMS + 1 || !res->matches || !res->description)
		abort();
	for (size_t i = 0; i < res->nparams; i++)
		if (!res->params[i].name || !res->params[i].value || strlen(res->params[i].value) >= KS_RECOG_VALUE_BUF + 4096)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	struct ks_recog_db *db = NULL;
	char err[256];
	int r = ks_recog_load_mem("fuzz.xml", (const char *)data, size, &db, err, sizeof err);
	if (r != 0) {
		if (db != NULL || strncmp(err, "fuzz.xml", 8) != 0)
			abort();
		return 0;
	}
	struct ks_recog_result res;
	ks_recog_result_init(&res);
	for (size_t i = 0; i < ks_recog_count(db); i++) {
		unsigned line;
		if (!ks_recog_description(db, i, &line))
			abort();
		for (size_t k = 0; k < ks_recog_nexamples(db, i) && k < 16; k++) {
			struct ks_recog_example ex;
			if (ks_recog_example(db, i, k, &ex) != 0)
				abort();
			if (ks_recog_match_one(db, i, ex.text, ex.len, &res) == 0)
				check_result(&res);
		}
	}
	if (ks_recog_match(db, (const char *)data, size, &res) == 0)
		check_result(&res);
	ks_recog_result_release(&res);
	ks_recog_free(db);
	return 0;
}
