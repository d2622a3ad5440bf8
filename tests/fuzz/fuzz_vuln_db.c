/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for vulnerability data files (ks_vuln_db_parse), and through
 * it the CPE, range, version and CVSS parsers. Besides memory safety it
 * checks the parser's promises: on failure the result is empty and the
 * message names the input; on success every entry has its required keys,
 * a severity agreeing with its score, and versions that compare
 * consistently (antisymmetric, equal to themselves). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "vuln_db.h"
#include "vuln_match.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_vuln_db db;
	char err[512];
	struct ks_vuln_db_opts o = {1 << 20, 1000};
	int r = ks_vuln_db_parse((const char *)data, size, "fuzz.vulns", &o, &db, err, sizeof err);
	if (r != 0) {
		if ((r != KS_EINVAL && r != KS_ELIMIT) || db.n != 0 || db.v != NULL ||
		    strncmp(err, "fuzz.vulns:", 11) != 0)
			abort();
		return 0;
	}
	for (size_t i = 0; i < db.n; i++) {
		const struct ks_vuln *v = &db.v[i];
		if (!ks_cve_valid(v->cve, strlen(v->cve)) || v->naff == 0 || !v->title || !v->fix ||
		    v->sev != ks_sev_from_cvss(v->cvss) || v->line == 0)
			abort();
		for (size_t j = 0; j < v->naff; j++) {
			const struct ks_range *rg = &v->aff[j].range;
			for (unsigned k = 0; k < rg->n; k++) {
				int d1, d2;
				const char *a = rg->cmp[k].ver, *b = rg->cmp[(k + 1) % rg->n].ver;
				if (ks_ver_cmp(a, a, &d1) != 0 || d1 != 0)
					abort();
				if (ks_ver_cmp(a, b, &d1) != 0 || ks_ver_cmp(b, a, &d2) != 0 || d1 != -d2)
					abort();
				/* A version equal to a bound lies in "=bound". */
				if (rg->cmp[k].op == KS_RANGE_EQ && rg->n == 1 && !ks_range_has(rg, a))
					abort();
			}
		}
		/* Each entry's own product matches it when its range is "*". */
		if (v->aff[0].range.n == 0 && v->aff[0].cpe.a[KS_CPE_VERSION].kind == KS_CPE_ANY &&
		    v->aff[0].cpe.a[KS_CPE_PRODUCT].kind == KS_CPE_VALUE &&
		    !v->aff[0].cpe.a[KS_CPE_PRODUCT].lead_star && !v->aff[0].cpe.a[KS_CPE_PRODUCT].trail_star &&
		    !v->aff[0].cpe.a[KS_CPE_PRODUCT].lead_q && !v->aff[0].cpe.a[KS_CPE_PRODUCT].trail_q) {
			struct ks_vuln_query q = {NULL, NULL, NULL, &v->aff[0].cpe};
			size_t n;
			if (ks_vuln_match(&db, &q, NULL, 0, &n) != 0 || n == 0)
				abort();
		}
	}
	ks_vuln_db_release(&db);
	return 0;
}
