/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the NetFlow v5 / v9 / IPFIX decoder (nf_decode.h). The
 * input is a sequence of datagrams fed in order to ONE decoder, so template,
 * options template, withdrawal and data sets arrive in any order and across
 * exporters:
 *
 *   repeat: ctl(1) length(2, big-endian) datagram(length bytes, cut at the end)
 *   ctl bits 0-1: exporter (one of four address:port pairs)
 *   ctl bits 2-7: clock step in minutes (so templates can expire)
 *
 * Small limits make the caps reachable. Besides memory safety it checks the
 * decoder's promises and aborts when one breaks: malformed returns only
 * KS_ETRUNC / KS_EINVAL with a described fault, flows have last >= first
 * and sampling >= 1, and the per-exporter counters add up. Every field the
 * record hook sees is read in full. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_log.h"
#include "nf_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t delivered;
static volatile uint8_t sink;

static int on_flow(void *ctx, const struct ks_flow *f)
{
	(void)ctx;
	if (f->last_ms < f->first_ms || f->sampling < 1)
		abort();
	delivered++;
	return 0;
}

static void on_rec(void *ctx, const struct ks_nf_rec *r)
{
	(void)ctx;
	if (r->version != 5 && r->version != 9 && r->version != 10)
		abort();
	for (size_t i = 0; i < r->nfields; i++) {
		const struct ks_nf_field *f = &r->fields[i];
		if (f->val)
			for (size_t k = 0; k < f->len; k++)
				sink ^= f->val[k];
		if (ks_nf_ie_name(f->id))
			sink ^= (uint8_t)ks_nf_ie_type(f->id);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ks_log_level = -1;
	struct ks_nf_limits l = {.max_exporters = 3, .templates_per_exporter = 8,
				 .fields_per_template = 64, .template_timeout_s = 1800};
	struct ks_nf *nf = ks_nf_new(&l);
	if (!nf)
		return 0;
	ks_nf_set_record_hook(nf, on_rec, NULL);
	int64_t now = 1700000000000LL;
	size_t off = 0;
	uint64_t bad = 0;
	delivered = 0;
	while (size - off >= 3) {
		uint8_t ctl = data[off];
		size_t n = (size_t)data[off + 1] << 8 | data[off + 2];
		off += 3;
		if (n > size - off)
			n = size - off;
		struct ks_addr a;
		ks_addr_from_v4(&a, 0xc0000200u + (ctl & 3));
		now += (int64_t)(ctl >> 2) * 60000;
		int r = ks_nf_datagram(nf, &a, (uint16_t)(2055 + (ctl & 1)), now, data + off, n, on_flow,
				       NULL);
		size_t eoff;
		const char *what;
		if (r == KS_ETRUNC || r == KS_EINVAL) {
			if (ks_nf_last_error(nf, &eoff, &what) != 0 || eoff > n || !what)
				abort();
			bad++;
		} else if (r != 0 && r != KS_ELIMIT) {
			abort();
		}
		off += n;
	}
	uint64_t flows = 0, malformed = 0;
	for (size_t i = 0; i < ks_nf_exporter_count(nf); i++) {
		struct ks_nf_exporter_stats s;
		if (ks_nf_exporter_stats(nf, i, &s) != 0 || s.templates > l.templates_per_exporter ||
		    s.malformed > s.datagrams)
			abort();
		flows += s.flows;
		malformed += s.malformed;
	}
	if (flows != delivered || malformed != bad)
		abort();
	ks_nf_free(nf);
	return 0;
}
