/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for flow filter expressions (flow_filter.c). The input is the
 * expression text. When it compiles, it is run against flows made of the
 * input bytes and of fixed edge cases, and checked against two facts:
 * "not (E)" matches exactly the flows E does not, and every flow E matches
 * starts inside the time span E implies (ks_flow_filter_span). A parse
 * error must name a column inside the text (or just past its end). Any
 * disagreement aborts, so libFuzzer keeps the input. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow_filter.h"
#include "ks_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 4096

static void check(bool ok)
{
	if (!ok)
		abort();
}

static void probe(const struct ks_flow_filter *f, const struct ks_flow_filter *nf,
		  const struct ks_flow *fl)
{
	bool m = ks_flow_filter_match(f, fl);
	if (nf)
		check(ks_flow_filter_match(nf, fl) == !m);
	if (m) {
		int64_t s, u;
		ks_flow_filter_span(f, &s, &u);
		check(s == 0 || fl->first_ms >= s);
		check(u == 0 || fl->first_ms < u);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	struct ks_flow_filter *f = NULL, *nf = NULL;
	char err[256];
	int rc = ks_flow_filter_parse(text, &f, err, sizeof err);
	if (rc != 0) {
		size_t col = 0;
		check(rc == KS_EINVAL && f == NULL);
		check(sscanf(err, "filter: column %zu:", &col) == 1);
		check(col >= 1 && col <= strlen(text) + 1);
		free(text);
		return 0;
	}
	char *neg = malloc(size + 16);
	if (neg) {
		snprintf(neg, size + 16, "not (%s)", text);
		if (ks_flow_filter_parse(neg, &nf, err, sizeof err) != 0)
			nf = NULL; /* one level deeper than allowed, or longer */
	}

	struct ks_flow fl;
	memset(&fl, 0, sizeof fl);
	probe(f, nf, &fl);
	ks_addr_from_v4(&fl.src, 0xc6120005);
	ks_addr_from_v4(&fl.dst, 0xcb007109);
	fl.sport = 40000;
	fl.dport = 443;
	fl.proto = 6;
	fl.first_ms = 1795305600000LL;
	probe(f, nf, &fl);
	/* Flows made of the input bytes. */
	for (size_t off = 0; off + sizeof fl <= size; off += sizeof fl) {
		memcpy(&fl, data + off, sizeof fl);
		probe(f, nf, &fl);
	}
	ks_flow_filter_free(nf);
	ks_flow_filter_free(f);
	free(neg);
	free(text);
	return 0;
}
