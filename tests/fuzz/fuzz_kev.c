/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the CISA KEV catalogue loader (ks_kev_parse). Promises
 * checked: on failure nothing is returned and the message names the input;
 * on success entries are sorted and distinct, every id is a CVE id, every
 * dateAdded a date, and each entry is found by its id. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "vuln_kev.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_kev k;
	char err[512];
	int r = ks_kev_parse((const char *)data, size, "fuzz.json", NULL, &k, err, sizeof err);
	if (r != 0) {
		if ((r != KS_EINVAL && r != KS_ELIMIT) || k.n != 0 || k.v != NULL ||
		    strncmp(err, "fuzz.json:", 10) != 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < k.n; i++) {
		const struct ks_kev_entry *e = &k.v[i];
		if (!ks_cve_valid(e->cve, strlen(e->cve)) || strlen(e->date_added) != 10 ||
		    !e->vendor || !e->product || !e->name)
			abort();
		if (i > 0 && strcmp(k.v[i - 1].cve, e->cve) >= 0)
			abort();
		if (ks_kev_find(&k, e->cve) != e)
			abort();
	}
	ks_kev_release(&k);
	return 0;
}
