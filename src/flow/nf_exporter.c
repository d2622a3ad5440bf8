/* SPDX-License-Identifier: BSD-2-Clause */
/* NetFlow / IPFIX exporter state: the table of exporters (address, port),
 * their observation domains with sequence tracking and sampling, and the
 * rate limit on malformed-datagram warnings.
 *
 * Sequence rules (docs/netflow.md): each datagram says which number it
 * starts at; the next one is expected at seq + n (n = 1 packet for NetFlow
 * v9, the flow records of the datagram for v5 and IPFIX). A forward gap of
 * up to max_gap is loss; a larger one, or a backward jump of more than
 * max_gap / 16, is an exporter restart (resynchronise, count nothing); a
 * small backward step is a late or duplicated datagram (ignored). All
 * arithmetic is modulo 2^32, so wrapping counters need no special case. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_log.h"
#include "nf_int.h"

static uint32_t exp_hash(const struct ks_addr *a, uint16_t port)
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ a->b[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	return h ^ h >> 15;
}

static int grow_eidx(struct ks_nf *nf)
{
	uint32_t ns = nf->ecap ? nf->ecap * 2 : 64;
	uint32_t *idx = calloc(ns, sizeof(*idx));
	if (!idx)
		return KS_ENOMEM;
	for (uint32_t i = 0; i < nf->nexp; i++) {
		uint32_t h = exp_hash(&nf->exp[i].st.addr, nf->exp[i].st.port) & (ns - 1);
		while (idx[h])
			h = (h + 1) & (ns - 1);
		idx[h] = i + 1;
	}
	free(nf->eidx);
	nf->eidx = idx;
	nf->ecap = ns;
	return 0;
}

int nf_exp_get(struct ks_nf *nf, const struct ks_addr *a, uint16_t port, int64_t now_ms, uint32_t *ei)
{
	if (nf->last) {
		struct nf_exp *e = &nf->exp[nf->last - 1];
		if (e->st.port == port && memcmp(&e->st.addr, a, sizeof(*a)) == 0) {
			*ei = nf->last - 1;
			return 0;
		}
	}
	if (nf->ecap) {
		uint32_t h = exp_hash(a, port) & (nf->ecap - 1);
		for (; nf->eidx[h]; h = (h + 1) & (nf->ecap - 1)) {
			struct nf_exp *e = &nf->exp[nf->eidx[h] - 1];
			if (e->st.port == port && memcmp(&e->st.addr, a, sizeof(*a)) == 0) {
				*ei = nf->eidx[h] - 1;
				nf->last = *ei + 1;
				return 0;
			}
		}
	}
	if (nf->nexp >= nf->lim.max_exporters) {
		nf->refused++;
		return KS_ELIMIT;
	}
	if ((nf->nexp + 1) * 2 > nf->ecap && grow_eidx(nf) != 0)
		return KS_ENOMEM;
	if (nf->nexp == nf->capexp) {
		uint32_t nc = nf->capexp ? nf->capexp * 2 : 16;
		struct nf_exp *v = reallocarray(nf->exp, nc, sizeof(*v));
		if (!v)
			return KS_ENOMEM;
		nf->exp = v;
		nf->capexp = nc;
	}
	struct nf_exp *e = &nf->exp[nf->nexp];
	memset(e, 0, sizeof(*e));
	e->st.addr = *a;
	e->st.port = port;
	e->st.first_ms = now_ms;
	e->st.sampling = 1;
	e->next_sweep_ms = now_ms + NF_SWEEP_MS;
	uint32_t h = exp_hash(a, port) & (nf->ecap - 1);
	while (nf->eidx[h])
		h = (h + 1) & (nf->ecap - 1);
	nf->eidx[h] = nf->nexp + 1;
	*ei = nf->nexp++;
	nf->last = *ei + 1;
	return 0;
}

struct nf_dom *nf_dom_get(struct nf_exp *e, uint32_t domain, int64_t now_ms)
{
	struct nf_dom *old = &e->dom[0];
	for (int i = 0; i < NF_MAX_DOMAINS; i++) {
		struct nf_dom *d = &e->dom[i];
		if (d->used && d->domain == domain) {
			d->used_ms = now_ms;
			return d;
		}
		if (!d->used) {
			old = d;
			break;
		}
		if (d->used_ms < old->used_ms)
			old = d;
	}
	memset(old, 0, sizeof(*old));
	old->used = 1;
	old->domain = domain;
	old->used_ms = now_ms;
	return old;
}

uint64_t nf_seq(struct nf_dom *d, uint32_t seq, uint32_t n, uint32_t max_gap)
{
	uint64_t lost = 0;
	if (d->seq_ok) {
		uint32_t ahead = seq - d->next_seq;
		uint32_t behind = d->next_seq - seq;
		if (ahead == 0) {
			/* in order */
		} else if (ahead <= max_gap) {
			lost = ahead;
		} else if (behind <= max_gap / 16) {
			return 0; /* late or duplicated: keep expecting what we expected */
		}
		/* else: restart, resynchronise below */
	}
	d->next_seq = seq + n;
	d->seq_ok = 1;
	return lost;
}

int nf_fail(struct nf_ctx *c, size_t off, int err, const char *what)
{
	if (!c->err_what) {
		c->err_off = off;
		c->err_what = what;
	}
	return err;
}

/* 1 if one more warning about exporter e may be printed now. */
static int log_allowed(struct ks_nf *nf, struct nf_exp *e, int64_t now_ms)
{
	if (now_ms - nf->glog_window_ms >= 60000 || now_ms < nf->glog_window_ms) {
		nf->glog_window_ms = now_ms;
		nf->glog_n = 0;
	}
	if (now_ms - e->log_window_ms >= 60000 || now_ms < e->log_window_ms) {
		if (e->log_suppressed) {
			char a[KS_ADDR_STRLEN];
			ks_warn("netflow: exporter %s:%u: %llu more warnings suppressed in the last minute",
				ks_addr_format(&e->st.addr, a), e->st.port,
				(unsigned long long)e->log_suppressed);
		}
		e->log_window_ms = now_ms;
		e->log_n = 0;
		e->log_suppressed = 0;
	}
	if (e->log_n >= NF_LOG_PER_EXPORTER || nf->glog_n >= NF_LOG_GLOBAL) {
		e->log_suppressed++;
		return 0;
	}
	e->log_n++;
	nf->glog_n++;
	return 1;
}

void nf_log_exp(struct ks_nf *nf, uint32_t ei, int64_t now_ms, const char *fmt, ...)
{
	struct nf_exp *e = &nf->exp[ei];
	if (!log_allowed(nf, e, now_ms))
		return;
	char msg[256], a[KS_ADDR_STRLEN];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ks_warn("netflow: exporter %s:%u: %s", ks_addr_format(&e->st.addr, a), e->st.port, msg);
}

void nf_log_malformed(struct nf_ctx *c, int err)
{
	nf_log_exp(c->nf, c->ei, c->now_ms, "malformed version %u datagram at byte %zu: %s (%s)",
		   c->hdr.version, c->err_off, c->err_what ? c->err_what : "bad data",
		   ks_strerror(err));
}
