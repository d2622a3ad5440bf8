/* SPDX-License-Identifier: BSD-2-Clause */
/* Template store of the NetFlow v9 / IPFIX decoder: per exporter, an
 * open-addressing table (linear probing, backward-shift deletion) keyed by
 * (observation domain / source id, template id), so a data set finds its
 * template in O(1). Templates expire template_timeout_s after their last
 * (re)definition (RFC 7011 8.4 and RFC 3954 9 leave the time to the
 * collector; exporters over UDP resend about every 600 s): checked at
 * lookup, and swept once a minute per exporter. At most
 * templates_per_exporter live templates per exporter (state diagram in
 * nf_int.h). Templates are copied, so nothing borrows the datagram. */
#include <stdlib.h>
#include <string.h>

#include "nf_int.h"

static uint32_t tpl_hash(uint32_t domain, uint16_t tid)
{
	uint32_t h = domain * 0x9e3779b1u ^ (uint32_t)tid * 0x85ebca77u;
	return h ^ h >> 16;
}

static int expired(const struct ks_nf *nf, const struct nf_tpl *t, int64_t now_ms)
{
	return now_ms - t->seen_ms > (int64_t)nf->lim.template_timeout_s * 1000;
}

static void del_slot(struct nf_exp *e, uint32_t i)
{
	uint32_t m = e->tcap - 1;
	free(e->tpl[i].f);
	memset(&e->tpl[i], 0, sizeof(e->tpl[i]));
	e->ntpl--;
	for (uint32_t j = (i + 1) & m; e->tpl[j].used; j = (j + 1) & m) {
		uint32_t k = tpl_hash(e->tpl[j].domain, e->tpl[j].tid) & m;
		/* Move j into the hole at i if its home k does not lie in (i, j]. */
		int between = i <= j ? (k > i && k <= j) : (k > i || k <= j);
		if (!between) {
			e->tpl[i] = e->tpl[j];
			memset(&e->tpl[j], 0, sizeof(e->tpl[j]));
			i = j;
		}
	}
}

static int64_t find_slot(const struct nf_exp *e, uint32_t domain, uint16_t tid)
{
	if (!e->tcap)
		return -1;
	uint32_t m = e->tcap - 1;
	for (uint32_t h = tpl_hash(domain, tid) & m; e->tpl[h].used; h = (h + 1) & m)
		if (e->tpl[h].domain == domain && e->tpl[h].tid == tid)
			return h;
	return -1;
}

const struct nf_tpl *nf_tpl_find(struct ks_nf *nf, struct nf_exp *e, uint32_t domain, uint16_t tid,
				 int64_t now_ms)
{
	int64_t i = find_slot(e, domain, tid);
	if (i < 0)
		return NULL;
	if (expired(nf, &e->tpl[i], now_ms)) {
		del_slot(e, (uint32_t)i);
		return NULL;
	}
	return &e->tpl[i];
}

static int grow(struct nf_exp *e)
{
	uint32_t ns = e->tcap ? e->tcap * 2 : 16;
	struct nf_tpl *v = calloc(ns, sizeof(*v));
	if (!v)
		return KS_ENOMEM;
	for (uint32_t i = 0; i < e->tcap; i++) {
		if (!e->tpl[i].used)
			continue;
		uint32_t h = tpl_hash(e->tpl[i].domain, e->tpl[i].tid) & (ns - 1);
		while (v[h].used)
			h = (h + 1) & (ns - 1);
		v[h] = e->tpl[i];
	}
	free(e->tpl);
	e->tpl = v;
	e->tcap = ns;
	return 0;
}

int nf_tpl_put(struct ks_nf *nf, struct nf_exp *e, uint32_t domain, uint16_t tid, int options,
	       uint16_t scope, const struct nf_tfield *f, uint16_t n, int64_t now_ms)
{
	if (n > nf->lim.fields_per_template)
		return KS_ELIMIT;
	int64_t i = find_slot(e, domain, tid);
	if (i < 0) {
		if (e->ntpl >= nf->lim.templates_per_exporter) {
			nf_tpl_sweep(nf, e, now_ms);
			if (e->ntpl >= nf->lim.templates_per_exporter)
				return KS_ELIMIT;
		}
		if ((e->ntpl + 1) * 2 > e->tcap && grow(e) != 0)
			return KS_ENOMEM;
	}
	struct nf_tfield *copy = malloc((n ? n : 1) * sizeof(*copy));
	if (!copy)
		return KS_ENOMEM;
	memcpy(copy, f, n * sizeof(*copy));
	uint32_t minlen = 0;
	for (uint16_t k = 0; k < n; k++)
		minlen += f[k].len == NF_VARLEN ? 1 : f[k].len;
	if (i < 0) {
		uint32_t m = e->tcap - 1;
		uint32_t h = tpl_hash(domain, tid) & m;
		while (e->tpl[h].used)
			h = (h + 1) & m;
		i = h;
		e->ntpl++;
	} else {
		free(e->tpl[i].f);
	}
	struct nf_tpl *t = &e->tpl[i];
	t->used = 1;
	t->domain = domain;
	t->tid = tid;
	t->options = (uint8_t)(options != 0);
	t->nfields = n;
	t->scope_fields = scope;
	t->minlen = minlen;
	t->seen_ms = now_ms;
	t->f = copy;
	return 0;
}

void nf_tpl_del(struct nf_exp *e, uint32_t domain, uint16_t tid)
{
	int64_t i = find_slot(e, domain, tid);
	if (i >= 0)
		del_slot(e, (uint32_t)i);
}

void nf_tpl_del_all(struct nf_exp *e, uint32_t domain, int options)
{
	for (uint32_t i = 0; i < e->tcap;) {
		struct nf_tpl *t = &e->tpl[i];
		if (t->used && t->domain == domain && t->options == (options != 0))
			del_slot(e, i); /* slot i now holds another entry: look again */
		else
			i++;
	}
}

void nf_tpl_sweep(struct ks_nf *nf, struct nf_exp *e, int64_t now_ms)
{
	for (uint32_t i = 0; i < e->tcap;) {
		if (e->tpl[i].used && expired(nf, &e->tpl[i], now_ms))
			del_slot(e, i);
		else
			i++;
	}
	e->next_sweep_ms = now_ms + NF_SWEEP_MS;
}

void nf_tpl_release(struct nf_exp *e)
{
	for (uint32_t i = 0; i < e->tcap; i++)
		free(e->tpl[i].f);
	free(e->tpl);
	e->tpl = NULL;
	e->tcap = e->ntpl = 0;
}
