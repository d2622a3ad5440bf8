/* SPDX-License-Identifier: BSD-2-Clause */
/* Vulnerability data files: what a survey checks identified products
 * against. Line-based, one stanza per CVE (full description in
 * docs/vulns.md):
 *
 *   # comment lines start with '#'; blank lines are ignored
 *   cve      CVE-2020-8515
 *   affects  draytek:vigor2960_firmware  <1.5.1
 *   affects  cpe:2.3:o:draytek:vigor3900_firmware:*:*:*:*:*:*:*:*  <1.5.1
 *   cvss     9.8  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H
 *   title    DrayTek Vigor 2960/3900/300B web interface command injection
 *   fix      Update the firmware to 1.5.1 or later; ...
 *   source   https://nvd.nist.gov/vuln/detail/CVE-2020-8515
 *
 * A stanza starts at its `cve` line. Keys: cve (1), affects (1..16),
 * cvss (1: base score 0.0-10.0 with one decimal, optionally followed by a
 * CVSS v3.0/v3.1 base vector whose computed score must equal it), title
 * (1), fix (1), source (0..4). An `affects` value is a product, either
 * VENDOR:PRODUCT (shorthand for cpe:2.3:*:VENDOR:PRODUCT:*:...) or a CPE
 * 2.3 formatted string or URI (vuln_cpe.h), then an optional version range
 * (vuln_version.h; default "*"). A CPE whose version is not * takes no
 * range. Text is UTF-8 without control characters.
 *
 * Reading is all-or-nothing: the first fault stops the parse, nothing is
 * returned and the message names the file, line and column (1-based) and
 * what was expected, e.g.
 *
 *   iot.vulns:12:10: bad CVSS score '98'; expected 0.0 to 10.0 with one decimal
 *
 * The input is read through a bounded reader (ks_rd) and may hold any
 * bytes; NUL bytes, overlong lines and invalid UTF-8 are errors. */
#ifndef KS_VULN_DB_H
#define KS_VULN_DB_H

#include <stddef.h>

#include "vuln_cpe.h"
#include "vuln_finding.h"
#include "vuln_version.h"

#define KS_CVE_MAX 25        /* "CVE-" 4 digits "-" 4..19 digits, NUL */
#define KS_VULN_AFFECTS_MAX 16
#define KS_VULN_SOURCES_MAX 4
#define KS_VULN_LINE_MAX 4096 /* bytes of a line, without its end */
#define KS_CVSS_VECTOR_MAX 128

struct ks_vuln_affects {
	struct ks_cpe cpe;     /* the product; version ANY unless a CPE named one */
	struct ks_range range; /* versions affected ("*" = all) */
	char *text;            /* the value as written (trimmed), owned */
	unsigned line;
};

struct ks_vuln {
	char cve[KS_CVE_MAX];
	double cvss;                         /* base score, one decimal */
	char vector[KS_CVSS_VECTOR_MAX + 1]; /* "" when not given */
	enum ks_sev sev;                     /* ks_sev_from_cvss(cvss) */
	char *title, *fix;                   /* owned */
	char *source[KS_VULN_SOURCES_MAX];   /* owned; nsource used */
	unsigned nsource;
	struct ks_vuln_affects *aff; /* owned, naff >= 1 */
	size_t naff;
	unsigned line; /* line of the `cve` key */
	/* Set by ks_kev_mark (vuln_kev.h); zero otherwise. */
	int known_exploited;
	int kev_ransomware;   /* knownRansomwareCampaignUse == "Known" */
	char kev_date_added[11]; /* YYYY-MM-DD or "" */
};

struct ks_vuln_db {
	struct ks_vuln *v; /* owned; in file order */
	size_t n;
};

struct ks_vuln_db_opts {
	size_t max_bytes;   /* larger input: KS_ELIMIT. 0 = 16 MiB */
	size_t max_entries; /* more stanzas: KS_ELIMIT. 0 = 100,000 */
};

void ks_vuln_db_init(struct ks_vuln_db *db);
void ks_vuln_db_release(struct ks_vuln_db *db);

/* Parses data[0..len) (name is used in messages). On success fills *out
 * (caller releases) and returns 0. On failure returns KS_EINVAL (malformed)
 * or KS_ELIMIT (a cap), leaves *out empty and writes the message to
 * err[0..errlen). Duplicate CVE ids are an error naming both lines. */
int ks_vuln_db_parse(const char *data, size_t len, const char *name,
		     const struct ks_vuln_db_opts *o, struct ks_vuln_db *out, char *err,
		     size_t errlen);

/* Reads the file at path (at most max_bytes) and parses it. Also returns
 * KS_EIO when it cannot be read. */
int ks_vuln_db_load(const char *path, const struct ks_vuln_db_opts *o, struct ks_vuln_db *out,
		    char *err, size_t errlen);

/* Finds the entry for a CVE id (linear; NULL if absent). */
const struct ks_vuln *ks_vuln_db_find(const struct ks_vuln_db *db, const char *cve);

/* True when s[0..n) is a CVE id: CVE-YYYY-NNNN with 4 to 19 digits. */
int ks_cve_valid(const char *s, size_t n);

/* Computes the base score of a CVSS v3.0 or v3.1 base vector
 * ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", the eight base metrics
 * in that order). 0 or KS_EINVAL with *why set. */
int ks_cvss3_score(const char *vec, size_t n, double *score, const char **why);

/* Reads a file (at most max bytes; 0 = 16 MiB) into a NUL-terminated
 * malloc'ed buffer (caller frees *buf). 0, KS_EIO or KS_ELIMIT with err
 * naming the path. */
int ks_vuln_read_file(const char *path, size_t max, char **buf, size_t *len, char *err,
		      size_t errlen);

#endif
