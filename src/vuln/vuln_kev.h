/* SPDX-License-Identifier: BSD-2-Clause */
/* CISA Known Exploited Vulnerabilities catalogue, read as CISA publishes it
 * (known_exploited_vulnerabilities.json, CC0; schema
 * known_exploited_vulnerabilities_schema.json):
 *
 *   { "title": ..., "catalogVersion": "2025.08.25", "dateReleased": ...,
 *     "count": 1404,
 *     "vulnerabilities": [ { "cveID": "CVE-2021-36260",
 *         "vendorProject": "Hikvision", "product": "...",
 *         "vulnerabilityName": "...", "dateAdded": "2022-01-10",
 *         "shortDescription": "...", "requiredAction": "...",
 *         "dueDate": "2022-01-24", "knownRansomwareCampaignUse": "Unknown",
 *         "notes": "...", "cwes": [...] }, ... ] }
 *
 * Keys kansoku does not use are ignored, so new ones do not break loading.
 * What it uses is validated: cveID (CVE-YYYY-NNNN), vendorProject and
 * product (strings), dateAdded and dueDate (YYYY-MM-DD dates; dueDate may
 * be absent), knownRansomwareCampaignUse (a string when present; "Known"
 * sets the flag, any other value clears it), count (when present, must
 * equal the number of entries). A CVE listed twice is an error. Errors
 * name the file and the entry index: "kev.json: vulnerabilities[12]: key
 * 'dateAdded': '2022-13-01'; expected a date YYYY-MM-DD". */
#ifndef KS_VULN_KEV_H
#define KS_VULN_KEV_H

#include <stddef.h>

#include "vuln_db.h"

struct ks_kev_entry {
	char cve[KS_CVE_MAX];
	char date_added[11]; /* YYYY-MM-DD */
	char due_date[11];   /* YYYY-MM-DD or "" */
	int ransomware;      /* knownRansomwareCampaignUse == "Known" */
	char *vendor, *product, *name; /* owned; name "" when absent */
};

struct ks_kev {
	struct ks_kev_entry *v; /* owned; sorted by cve */
	size_t n;
	char version[32]; /* catalogVersion, "" when absent */
};

struct ks_kev_opts {
	size_t max_bytes;   /* larger input: KS_ELIMIT. 0 = 32 MiB */
	size_t max_entries; /* more entries: KS_ELIMIT. 0 = 200,000 */
};

void ks_kev_init(struct ks_kev *k);
void ks_kev_release(struct ks_kev *k);

/* Parses the catalogue in data[0..len). 0 with *out filled (caller
 * releases), or KS_EINVAL / KS_ELIMIT with *out empty and the message in
 * err[0..errlen). */
int ks_kev_parse(const char *data, size_t len, const char *name, const struct ks_kev_opts *o,
		 struct ks_kev *out, char *err, size_t errlen);

/* Reads and parses the file at path; also KS_EIO. */
int ks_kev_load(const char *path, const struct ks_kev_opts *o, struct ks_kev *out, char *err,
		size_t errlen);

/* The entry for cve, or NULL (binary search). */
const struct ks_kev_entry *ks_kev_find(const struct ks_kev *k, const char *cve);

/* Marks the entries of db listed in k: known_exploited = 1 with the date
 * added and ransomware flag; the others are cleared. Returns how many were
 * marked. */
size_t ks_kev_mark(const struct ks_kev *k, struct ks_vuln_db *db);

#endif
