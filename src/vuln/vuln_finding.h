/* SPDX-License-Identifier: BSD-2-Clause */
/* Finding types and severities of the active survey: the stable names used
 * in every output (JSON, CSV, notification packages, the store). Severity
 * of a known vulnerability comes from its CVSS v3 base score
 * (ks_sev_from_cvss); the other types' severities are set by their checks.
 *
 *   severity   CVSS v3 base score (FIRST's qualitative rating scale)
 *   critical   9.0 - 10.0
 *   high       7.0 - 8.9
 *   medium     4.0 - 6.9
 *   low        0.1 - 3.9
 *   info       0.0 (and findings that are facts, not flaws) */
#ifndef KS_VULN_FINDING_H
#define KS_VULN_FINDING_H

enum ks_sev { KS_SEV_INFO, KS_SEV_LOW, KS_SEV_MEDIUM, KS_SEV_HIGH, KS_SEV_CRITICAL };
#define KS_SEV_COUNT 5

enum ks_finding_type {
	KS_FIND_WEAK_CREDENTIALS,
	KS_FIND_KNOWN_VULNERABILITY,
	KS_FIND_TELNET_EXPOSED,
	KS_FIND_OPEN_RESOLVER,
	KS_FIND_UPNP_EXPOSED,
	KS_FIND_MQTT_NO_AUTH,
	KS_FIND_CLEARTEXT_ADMIN,
	KS_FIND_BAD_CERTIFICATE,
	KS_FIND_DEPRECATED_CRYPTO,
	KS_FIND_INFECTED,
};
#define KS_FIND_COUNT 10

/* Static lower-case name ("critical", "known_vulnerability"); "?" when out
 * of range. */
const char *ks_sev_name(enum ks_sev s);
const char *ks_finding_name(enum ks_finding_type t);

/* Name to value. 0 or KS_EINVAL. */
int ks_sev_parse(const char *s, enum ks_sev *out);
int ks_finding_parse(const char *s, enum ks_finding_type *out);

/* Severity of a CVSS v3 base score (table above); scores outside 0..10
 * count as info. */
enum ks_sev ks_sev_from_cvss(double score);

/* What the owner of a device should do about a finding of type t: one or
 * two plain-English sentences (no trailing newline), for reports,
 * notification packages and `survey findings`. Static; "" when t is out of
 * range. The texts are listed in docs/survey.md, "Findings". */
const char *ks_finding_remediation(enum ks_finding_type t);

#endif
