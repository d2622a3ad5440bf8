/* SPDX-License-Identifier: BSD-2-Clause */
/* CPE 2.3 formatted strings: parsing and name matching.
 * specification: NISTIR 7695 (CPE Naming 2.3), section 6.2 (formatted
 * string binding); NISTIR 7696 (CPE Name Matching 2.3), section 6.
 *
 *   cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:
 *           target_sw:target_hw:other
 *
 * 13 colon-separated components: "cpe", "2.3" and 11 attributes. In an
 * attribute value a backslash quotes the next character ("\:" is a colon,
 * "\\" a backslash); unquoted '*' alone is ANY, '-' alone is NA; otherwise
 * an unquoted '*' may stand only at the start and/or end (any number of
 * characters), and a run of unquoted '?' only at the start and/or end (one
 * character each; at most that many, as NISTIR 7696 reads them). Unquoted
 * characters are letters, digits, '-', '.' and '_'; anything else must be
 * quoted. part is a, o, h or ANY.
 *
 * A parsed name keeps each attribute unquoted, with its wildcards apart,
 * so matching works on plain bytes. Letters compare case-insensitively
 * (NVD writes names lower-case; banners do not). */
#ifndef KS_VULN_CPE_H
#define KS_VULN_CPE_H

#include <stddef.h>

#define KS_CPE_MAX 512      /* bytes of a formatted string */
#define KS_CPE_VAL_MAX 128  /* bytes of one unquoted attribute value */

enum {
	KS_CPE_PART, KS_CPE_VENDOR, KS_CPE_PRODUCT, KS_CPE_VERSION, KS_CPE_UPDATE, KS_CPE_EDITION,
	KS_CPE_LANGUAGE, KS_CPE_SW_EDITION, KS_CPE_TARGET_SW, KS_CPE_TARGET_HW, KS_CPE_OTHER,
	KS_CPE_NATTR
};

enum ks_cpe_kind { KS_CPE_ANY, KS_CPE_NA, KS_CPE_VALUE };

struct ks_cpe_attr {
	enum ks_cpe_kind kind;
	char v[KS_CPE_VAL_MAX + 1]; /* KS_CPE_VALUE: the unquoted value without wildcards */
	unsigned char lead_star, trail_star; /* unquoted '*' at start / end */
	unsigned char lead_q, trail_q;       /* unquoted '?' at start / end */
};

struct ks_cpe {
	struct ks_cpe_attr a[KS_CPE_NATTR];
};

/* Static name of attribute i ("part", "vendor", ...). */
const char *ks_cpe_attr_name(unsigned i);

/* Parses the formatted string s[0..n). Returns 0, KS_EINVAL or KS_ELIMIT;
 * on failure *col is the 0-based byte offset of the fault and *why static
 * text "what; expected what". No allocation. */
int ks_cpe_parse(const char *s, size_t n, struct ks_cpe *out, size_t *col, const char **why);

/* Parses the older URI binding (NISTIR 7695 section 6.1, CPE 2.2 style) that
 * fingerprint databases still emit: cpe:/part:vendor:product:version:
 * update:edition:language, up to 7 components, missing or empty ones ANY,
 * "-" NA, %XX percent-encoding (%01 and %02 are the wildcards '?' and
 * '*'), and the packed edition ~edition~sw_edition~target_sw~target_hw~other.
 * Same returns as ks_cpe_parse. */
int ks_cpe_parse_uri(const char *s, size_t n, struct ks_cpe *out, size_t *col, const char **why);

/* ks_cpe_parse_uri for names starting "cpe:/", else ks_cpe_parse. */
int ks_cpe_parse_any(const char *s, size_t n, struct ks_cpe *out, size_t *col, const char **why);

/* Writes c as a formatted string into buf[0..n), quoting as the binding
 * requires; NUL-terminated, truncated if need be. Returns buf. */
char *ks_cpe_format(const struct ks_cpe *c, char *buf, size_t n);

/* Attribute relations of NISTIR 7696 (Table 6-2). */
enum ks_cpe_rel { KS_CPE_DISJOINT, KS_CPE_SUBSET, KS_CPE_SUPERSET, KS_CPE_EQUAL };

/* Relation of source attribute s to target attribute t. A target value
 * with wildcards is compared literally (equal or disjoint). */
enum ks_cpe_rel ks_cpe_attr_compare(const struct ks_cpe_attr *s, const struct ks_cpe_attr *t);

/* True (1) when source names a set that holds target: every attribute is
 * SUPERSET or EQUAL (NISTIR 7696 CPE_SUPERSET or CPE_EQUAL). */
int ks_cpe_match(const struct ks_cpe *source, const struct ks_cpe *target);

/* Sets attribute a from a plain observed value: NULL or "" is ANY, "-" is
 * NA, else the value lower-cased with spaces as '_' (as NVD spells names).
 * Returns 0 or KS_ELIMIT (longer than KS_CPE_VAL_MAX; a is ANY). */
int ks_cpe_attr_set(struct ks_cpe_attr *a, const char *value);

#endif
