/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the survey JSON-lines reader (ks_survey_jsonl_read), and
 * through it the record mapping of survey_json.c. Besides memory safety it
 * checks the reader's promises: on failure fn was never called and the
 * message names the input and a line; on success the round record (if any)
 * came first, every record's text fields are NUL-terminated inside their
 * fields, and a record written back with *_to_json reads back equal. Any
 * broken promise aborts, so libFuzzer records the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "survey_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	unsigned calls, rounds;
};

static void same_after_round_trip(const struct ks_survey_rec *r)
{
	json_t *j = NULL;
	switch (r->kind) {
	case KS_REC_SERVICE: j = ks_svc_to_json(&r->svc); break;
	case KS_REC_FINDING: j = ks_finding_to_json(&r->finding, r->org); break;
	case KS_REC_AUDIT: j = ks_audit_to_json(&r->audit); break;
	case KS_REC_ROUND: j = ks_round_hdr_to_json(&r->round); break;
	}
	struct ks_survey_rec *back = malloc(sizeof *back);
	char err[256];
	if (!j || !back || ks_survey_rec_from_json(j, back, err, sizeof err) != 0)
		abort();
	int ok = back->kind == r->kind;
	if (ok && r->kind == KS_REC_SERVICE)
		ok = memcmp(&back->svc, &r->svc, sizeof r->svc) == 0;
	if (ok && r->kind == KS_REC_FINDING)
		ok = memcmp(&back->finding, &r->finding, sizeof r->finding) == 0 && strcmp(back->org, r->org) == 0;
	if (ok && r->kind == KS_REC_AUDIT)
		ok = back->audit.t_ns == r->audit.t_ns && strcmp(back->module, r->module) == 0 &&
		     strcmp(back->outcome, r->outcome) == 0;
	if (ok && r->kind == KS_REC_ROUND)
		ok = memcmp(&back->round, &r->round, sizeof r->round) == 0;
	if (!ok)
		abort();
	free(back);
	json_decref(j);
}

static int on_rec(void *ctx, unsigned line, const struct ks_survey_rec *r)
{
	struct seen *s = ctx;
	if (line == 0 || (r->kind == KS_REC_ROUND && s->calls != 0))
		abort();
	if (memchr(r->svc.banner, 0, sizeof r->svc.banner) == NULL ||
	    memchr(r->finding.detail, 0, sizeof r->finding.detail) == NULL ||
	    memchr(r->outcome, 0, sizeof r->outcome) == NULL)
		abort();
	s->rounds += r->kind == KS_REC_ROUND;
	s->calls++;
	same_after_round_trip(r);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = {0, 0};
	char err[512];
	int r = ks_survey_jsonl_read((const char *)data, size, "fuzz.jsonl", on_rec, &s, err, sizeof err);
	if (r != 0) {
		if ((r != KS_EINVAL && r != KS_ELIMIT) || s.calls != 0 || strncmp(err, "fuzz.jsonl:", 11) != 0)
			abort();
		return 0;
	}
	if (s.rounds > 1)
		abort();
	return 0;
}
