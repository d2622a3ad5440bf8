/* SPDX-License-Identifier: BSD-2-Clause */
/* Product/version matching against vulnerability entries (rules in
 * vuln_match.h). A linear pass over the entries: data files hold
 * thousands of entries at most and a survey matches once per identified
 * service, so no index is kept. */
#include "vuln_match.h"

#include <stdlib.h>
#include <string.h>

#include "ks_err.h"

int ks_vuln_query_cpe(const struct ks_vuln_query *q, struct ks_cpe *out, const char **version)
{
	static char na[] = "-";
	memset(out, 0, sizeof *out);
	if (q->cpe != NULL) {
		*out = *q->cpe;
		const struct ks_cpe_attr *v = &out->a[KS_CPE_VERSION];
		*version = v->kind == KS_CPE_VALUE ? v->v : v->kind == KS_CPE_NA ? na : NULL;
	} else {
		for (unsigned i = 0; i < KS_CPE_NATTR; i++)
			out->a[i].kind = KS_CPE_ANY;
		if (ks_cpe_attr_set(&out->a[KS_CPE_VENDOR], q->vendor) != 0 ||
		    ks_cpe_attr_set(&out->a[KS_CPE_PRODUCT], q->product) != 0 ||
		    ks_cpe_attr_set(&out->a[KS_CPE_VERSION], q->version) != 0)
			return KS_EINVAL;
		*version = q->version && *q->version ? q->version : NULL;
	}
	if (out->a[KS_CPE_PRODUCT].kind != KS_CPE_VALUE)
		return KS_EINVAL;
	return 0;
}

int ks_vuln_affects_match(const struct ks_vuln_affects *a, const struct ks_cpe *target,
			  const char *version)
{
	for (unsigned i = 0; i < KS_CPE_NATTR; i++) {
		if (i == KS_CPE_VERSION || target->a[i].kind == KS_CPE_ANY)
			continue;
		enum ks_cpe_rel r = ks_cpe_attr_compare(&a->cpe.a[i], &target->a[i]);
		if (r != KS_CPE_SUPERSET && r != KS_CPE_EQUAL)
			return 0;
	}
	const struct ks_cpe_attr *sv = &a->cpe.a[KS_CPE_VERSION];
	const struct ks_cpe_attr *tv = &target->a[KS_CPE_VERSION];
	switch (sv->kind) {
	case KS_CPE_ANY:
		if (tv->kind == KS_CPE_NA)
			return a->range.n == 0;
		return ks_range_has(&a->range, version);
	case KS_CPE_NA:
		return tv->kind == KS_CPE_NA;
	case KS_CPE_VALUE:
		if (version == NULL || tv->kind != KS_CPE_VALUE)
			return 0;
		if (!sv->lead_star && !sv->trail_star && !sv->lead_q && !sv->trail_q) {
			int d;
			if (ks_ver_cmp(version, sv->v, &d) == 0)
				return d == 0;
		}
		{
			enum ks_cpe_rel r = ks_cpe_attr_compare(sv, tv);
			return r == KS_CPE_SUPERSET || r == KS_CPE_EQUAL;
		}
	}
	return 0;
}

static int hit_cmp(const void *pa, const void *pb)
{
	const struct ks_vuln *a = ((const struct ks_vuln_hit *)pa)->v;
	const struct ks_vuln *b = ((const struct ks_vuln_hit *)pb)->v;
	if (a->known_exploited != b->known_exploited)
		return a->known_exploited ? -1 : 1;
	if (a->cvss != b->cvss)
		return a->cvss > b->cvss ? -1 : 1;
	return strcmp(a->cve, b->cve);
}

int ks_vuln_match(const struct ks_vuln_db *db, const struct ks_vuln_query *q,
		  struct ks_vuln_hit *out, size_t max, size_t *n)
{
	struct ks_cpe target;
	const char *version;
	*n = 0;
	if (ks_vuln_query_cpe(q, &target, &version) != 0)
		return KS_EINVAL;
	/* Keep the best max hits: collect all, sort, cut. Entries are few, so
	 * a second array bounded by db->n is fine on the control plane. */
	struct ks_vuln_hit *all = calloc(db->n ? db->n : 1, sizeof *all);
	if (all == NULL)
		return KS_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < db->n; i++) {
		const struct ks_vuln *v = &db->v[i];
		for (size_t j = 0; j < v->naff; j++) {
			if (ks_vuln_affects_match(&v->aff[j], &target, version)) {
				all[k].v = v;
				all[k].aff = &v->aff[j];
				k++;
				break;
			}
		}
	}
	qsort(all, k, sizeof *all, hit_cmp);
	if (out != NULL)
		memcpy(out, all, (k < max ? k : max) * sizeof *all);
	*n = k;
	free(all);
	return 0;
}
