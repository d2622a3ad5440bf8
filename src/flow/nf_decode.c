/* SPDX-License-Identifier: BSD-2-Clause */
/* Entry of the NetFlow / IPFIX decoder (contract in nf_decode.h): the
 * decoder's lifetime, dispatch of a datagram by its version field, the
 * malformed-datagram accounting and the per-exporter statistics. */
#include <stdlib.h>
#include <string.h>

#include "nf_int.h"

void ks_nf_limits_default(struct ks_nf_limits *l)
{
	l->max_exporters = 4096;
	l->templates_per_exporter = 512;
	l->fields_per_template = 128;
	l->template_timeout_s = 1800;
}

struct ks_nf *ks_nf_new(const struct ks_nf_limits *l)
{
	struct ks_nf *nf = calloc(1, sizeof(*nf));
	if (!nf)
		return NULL;
	ks_nf_limits_default(&nf->lim);
	if (l) {
		if (l->max_exporters)
			nf->lim.max_exporters = l->max_exporters;
		if (l->templates_per_exporter)
			nf->lim.templates_per_exporter = l->templates_per_exporter;
		if (l->fields_per_template)
			nf->lim.fields_per_template = l->fields_per_template;
		if (l->template_timeout_s)
			nf->lim.template_timeout_s = l->template_timeout_s;
	}
	if (nf->lim.fields_per_template > 65535)
		nf->lim.fields_per_template = 65535;
	size_t nh = nf->lim.fields_per_template < 32 ? 32 : nf->lim.fields_per_template;
	nf->hf = calloc(nh, sizeof(*nf->hf));
	nf->tf = calloc(nf->lim.fields_per_template, sizeof(*nf->tf));
	if (!nf->hf || !nf->tf) {
		ks_nf_free(nf);
		return NULL;
	}
	return nf;
}

void ks_nf_free(struct ks_nf *nf)
{
	if (!nf)
		return;
	for (uint32_t i = 0; i < nf->nexp; i++)
		nf_tpl_release(&nf->exp[i]);
	free(nf->exp);
	free(nf->eidx);
	free(nf->hf);
	free(nf->tf);
	free(nf);
}

void ks_nf_set_record_hook(struct ks_nf *nf, void (*fn)(void *ctx, const struct ks_nf_rec *r),
			   void *ctx)
{
	nf->hook = fn;
	nf->hook_ctx = ctx;
}

int ks_nf_datagram(struct ks_nf *nf, const struct ks_addr *addr, uint16_t port, int64_t now_ms,
		   const uint8_t *p, size_t len, ks_flow_fn fn, void *ctx)
{
	struct nf_ctx c;
	memset(&c, 0, sizeof(c));
	int r = nf_exp_get(nf, addr, port, now_ms, &c.ei);
	if (r != 0)
		return r;
	c.nf = nf;
	c.base = p;
	c.len = p ? len : 0;
	c.now_ms = now_ms;
	c.fn = fn;
	c.fctx = ctx;
	struct nf_exp *e = nf_exp_of(&c);
	e->st.datagrams++;
	if (now_ms > e->st.last_ms)
		e->st.last_ms = now_ms;
	if (now_ms >= e->next_sweep_ms)
		nf_tpl_sweep(nf, e, now_ms);
	uint16_t version = c.len >= 2 ? (uint16_t)(p[0] << 8 | p[1]) : 0;
	c.hdr.version = version;
	if (c.len < 2)
		r = nf_fail(&c, 0, KS_ETRUNC, "datagram shorter than 2 bytes");
	else if (version == 5)
		r = nf_v5(&c);
	else if (version == 9)
		r = nf_v9(&c);
	else if (version == 10)
		r = nf_ipfix(&c);
	else
		r = nf_fail(&c, 0, KS_EINVAL, "unknown version (not 5, 9 or 10)");
	e = nf_exp_of(&c);
	if (version == 5 || version == 9 || version == 10)
		e->st.version = (uint8_t)version;
	e->st.templates = e->ntpl;
	nf->err_what = r < 0 ? c.err_what : NULL;
	nf->err_off = c.err_off;
	if (r < 0 && c.err_what) {
		e->st.malformed++;
		nf_log_malformed(&c, r);
	}
	return r;
}

size_t ks_nf_exporter_count(const struct ks_nf *nf) { return nf->nexp; }

int ks_nf_exporter_stats(const struct ks_nf *nf, size_t i, struct ks_nf_exporter_stats *out)
{
	if (i >= nf->nexp)
		return KS_ENOENT;
	*out = nf->exp[i].st;
	out->templates = nf->exp[i].ntpl;
	return 0;
}

int ks_nf_last_error(const struct ks_nf *nf, size_t *offset, const char **what)
{
	if (!nf->err_what)
		return KS_ENOENT;
	*offset = nf->err_off;
	*what = nf->err_what;
	return 0;
}

uint64_t ks_nf_refused(const struct ks_nf *nf) { return nf->refused; }
