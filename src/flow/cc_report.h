/* SPDX-License-Identifier: BSD-2-Clause */
/* Renderings of a C&C detection result (cc_detect.h) for
 * `kansoku flow detect-cc --format text|json|csv`, and the conversion of
 * candidates to shareable entries (cc_share.h). Keys and columns are listed
 * in docs/cc.md ("Detection output"); times are UTC, whole seconds. */
#ifndef KS_CC_REPORT_H
#define KS_CC_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "cc_detect.h"
#include "cc_share.h"

/* New JSON object for r (caller owns the reference). NULL on out-of-memory. */
json_t *ks_cc_result_json(const struct ks_cc_result *r);
/* CSV: a header line, then one line per candidate (no evidence hosts). */
void ks_cc_result_csv(FILE *f, const struct ks_cc_result *r);
/* Text for a terminal: a summary, then each candidate with at most
 * max_hosts of its evidence hosts. */
void ks_cc_result_text(FILE *f, const struct ks_cc_result *r, size_t max_hosts);

/* Fills e from candidate c: score, times (ms truncated to seconds),
 * infected_hosts, reported_by (truncated to 63 bytes; NULL = ""),
 * reported_at, and a note "infected N (beaconing M), clean K (beaconing L)". */
void ks_cc_entry_from_cand(struct ks_cc_entry *e, const struct ks_cc_cand *c, const char *reported_by,
			   int64_t reported_at);

#endif
