/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for CPE 2.3 names (ks_cpe_parse, ks_cpe_parse_uri), version
 * strings and ranges. Promises checked: a parsed name written back parses to the same
 * name, matches itself, and fault columns lie within the input; the input
 * read as a version compares equal to itself and a range over it holds it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "vuln_cpe.h"
#include "vuln_version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_cpe c, d;
	size_t col = 0;
	const char *why = NULL;
	int r = ks_cpe_parse((const char *)data, size, &c, &col, &why);
	if (r != 0) {
		if ((r != KS_EINVAL && r != KS_ELIMIT) || why == NULL || col > size)
			abort();
	} else {
		char buf[2 * KS_CPE_MAX + 64];
		ks_cpe_format(&c, buf, sizeof buf);
		if (ks_cpe_parse(buf, strlen(buf), &d, &col, &why) != 0 || memcmp(&c, &d, sizeof c) != 0)
			abort();
		if (!ks_cpe_match(&c, &d))
			abort();
	}

	/* The URI binding: a name it accepts reads the same written as a
	 * formatted string. */
	r = ks_cpe_parse_uri((const char *)data, size, &c, &col, &why);
	if (r != 0) {
		if ((r != KS_EINVAL && r != KS_ELIMIT) || why == NULL || col > size)
			abort();
	} else {
		char buf[2 * KS_CPE_MAX + 64];
		ks_cpe_format(&c, buf, sizeof buf);
		if (ks_cpe_parse(buf, strlen(buf), &d, &col, &why) != 0 || memcmp(&c, &d, sizeof c) != 0)
			abort();
	}

	/* The same bytes as a version, when they are one. */
	char v[KS_VER_MAX + 1];
	if (size <= KS_VER_MAX && memchr(data, '\0', size) == NULL) {
		memcpy(v, data, size);
		v[size] = '\0';
		int dd = 9;
		if (ks_ver_check(v, size, NULL) == 0) {
			if (ks_ver_cmp(v, v, &dd) != 0 || dd != 0)
				abort();
			int x, y;
			if (ks_ver_cmp(v, "1.0", &x) != 0 || ks_ver_cmp("1.0", v, &y) != 0 || x != -y)
				abort();
		} else if (ks_ver_cmp(v, "1.0", &dd) != KS_EINVAL || dd != 9) {
			abort();
		}
	}
	struct ks_range rg;
	if (ks_range_parse((const char *)data, size, &rg, &col, &why) == 0) {
		char buf[KS_RANGE_MAX * 2];
		struct ks_range rg2;
		ks_range_format(&rg, buf, sizeof buf);
		if (ks_range_parse(buf, strlen(buf), &rg2, &col, &why) != 0 || rg2.n != rg.n)
			abort();
		for (unsigned i = 0; i < rg.n; i++)
			if (rg.cmp[i].op == KS_RANGE_EQ && !ks_range_has(&rg, rg.cmp[i].ver) &&
			    rg.n == 1)
				abort();
	}
	return 0;
}
