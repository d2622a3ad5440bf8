/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the C&C list readers (ks_cc_read: CSV, JSON, STIX 2.1
 * bundles and their patterns). The first byte picks the format (auto,
 * csv, json, stix); the rest is the file. Besides memory safety it checks
 * the readers' promises: on failure nothing is returned and the message
 * names the input; on success every entry is valid, and writing the
 * entries in each format and reading that back gives as many entries.
 * Any broken promise aborts, so libFuzzer records the input. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_share.h"
#include "ks_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reread(const struct ks_cc_list *l, enum ks_cc_fmt fmt)
{
	char *buf = NULL, err[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		abort();
	if (ks_cc_write(f, fmt, l->v, l->n) != 0)
		abort();
	fclose(f);
	struct ks_cc_list back;
	struct ks_cc_read_opts o = {.max_entries = 1000};
	if (ks_cc_read(buf, len, fmt, "again", &o, &back, err, sizeof err) != 0) {
		fprintf(stderr, "re-read failed: %s\n", err);
		abort();
	}
	if (back.n != l->n)
		abort();
	ks_cc_list_release(&back);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ks_cc_fmt fmts[4] = {KS_CC_FMT_AUTO, KS_CC_FMT_CSV, KS_CC_FMT_JSON,
					       KS_CC_FMT_STIX};
	if (size < 1)
		return 0;
	enum ks_cc_fmt fmt = fmts[data[0] & 3];
	struct ks_cc_read_opts o = {.max_entries = 1000, .max_bytes = 1 << 20};
	struct ks_cc_list l;
	char err[512];
	int r = ks_cc_read((const char *)data + 1, size - 1, fmt, "fuzz", &o, &l, err, sizeof err);
	if (r != 0) {
		if ((r != KS_EINVAL && r != KS_ELIMIT) || l.n != 0 || l.v != NULL ||
		    strncmp(err, "fuzz:", 5) != 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < l.n; i++)
		if (ks_cc_entry_check(&l.v[i], NULL) != 0)
			abort();
	reread(&l, KS_CC_FMT_CSV);
	reread(&l, KS_CC_FMT_JSON);
	reread(&l, KS_CC_FMT_STIX);
	ks_cc_list_release(&l);
	return 0;
}
