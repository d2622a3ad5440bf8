/* SPDX-License-Identifier: BSD-2-Clause */
/* Matching an identified product against vulnerability data: the
 * known_vulnerability check of the survey.
 *
 * A query is what the survey learnt about a service: vendor, product and
 * version as plain text (Recog's hw.vendor / hw.product / os.version ...),
 * or a CPE 2.3 name. An entry's `affects` line matches when:
 *   - every CPE attribute other than version that the query knows (not
 *     ANY) relates to the entry's as SUPERSET or EQUAL (NISTIR 7696);
 *     attributes the query leaves ANY are not compared, because the survey
 *     does not know them (a strict 7696 reading would call them SUBSET and
 *     miss every entry that names a part);
 *   - the version: when the entry's CPE version is ANY, the observed
 *     version lies in its range (vuln_version.h; an unknown version matches
 *     only "*"); when the CPE names a version, the observed one equals it
 *     in version order (or matches its wildcards); NA matches only NA.
 * Plain vendor and product are compared as NVD spells CPE values:
 * case-insensitive, spaces as '_'. */
#ifndef KS_VULN_MATCH_H
#define KS_VULN_MATCH_H

#include <stddef.h>

#include "vuln_cpe.h"
#include "vuln_db.h"

struct ks_vuln_query {
	const char *vendor, *product, *version; /* NULL or "" = unknown */
	const struct ks_cpe *cpe; /* if not NULL, used instead of the three */
};

struct ks_vuln_hit {
	const struct ks_vuln *v;             /* borrowed from the db */
	const struct ks_vuln_affects *aff;   /* the first line that matched */
};

/* Finds the entries matching q. Writes at most max hits to out, ordered by
 * known_exploited first, then CVSS descending, then CVE id; *n receives the
 * number of matching entries (which may exceed max: then only the first
 * max in that order are written; out may be NULL when max is 0). Returns
 * 0, KS_EINVAL when the query is unusable (no product, or a value longer
 * than KS_CPE_VAL_MAX), or KS_ENOMEM (a scratch array of db->n hits could
 * not be allocated). Pure over its arguments; thread-safe for concurrent
 * readers of db. */
int ks_vuln_match(const struct ks_vuln_db *db, const struct ks_vuln_query *q,
		  struct ks_vuln_hit *out, size_t max, size_t *n);

/* True (1) when one affects line matches q (rules above). */
int ks_vuln_affects_match(const struct ks_vuln_affects *a, const struct ks_cpe *target,
			  const char *version);

/* Builds the target CPE of a plain query (part ANY). 0 or KS_EINVAL. */
int ks_vuln_query_cpe(const struct ks_vuln_query *q, struct ks_cpe *out, const char **version);

#endif
