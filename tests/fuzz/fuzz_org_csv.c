/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the organisations file parser (ks_org_parse_csv), and
 * through it the CSV reader and prefix parser. Besides memory safety it
 * checks the parser's promises: on success every organisation is valid and
 * the ids are distinct; on failure the list is empty and the message names
 * the input. Any broken promise aborts, so libFuzzer records the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_prefix.h"
#include "org.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_org_list l;
	char err[256];
	int r = ks_org_parse_csv((const char *)data, size, "fuzz.csv", &l, err, sizeof err);

	if (r != 0) {
		if (r != KS_EINVAL || l.n != 0 || l.v != NULL || strncmp(err, "fuzz.csv:", 9) != 0)
			abort();
		return 0;
	}
	struct ks_pset s;
	ks_pset_init(&s);
	for (size_t i = 0; i < l.n; i++) {
		const struct ks_org *o = &l.v[i];
		size_t idlen = strlen(o->id);
		if (idlen == 0 || idlen > 64 || o->kind[0] == '\0' || o->contact[0] == '\0' ||
		    o->npfx == 0 || o->line < 2)
			abort();
		/* Quadratic, but fuzz inputs are small. */
		for (size_t j = 0; j < i && j < 256; j++)
			if (strcmp(l.v[j].id, o->id) == 0)
				abort();
		for (size_t j = 0; j < o->npfx; j++)
			ks_pset_add(&s, &o->pfx[j], (int64_t)i);
	}
	ks_pset_build(&s);
	/* Every prefix's first address is covered by the set. */
	for (size_t i = 0; i < l.n; i++)
		for (size_t j = 0; j < l.v[i].npfx; j++)
			if (!ks_pset_lookup(&s, &l.v[i].pfx[j].addr, NULL))
				abort();
	ks_pset_release(&s);
	ks_org_list_release(&l);
	return 0;
}
