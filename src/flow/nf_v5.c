/* SPDX-License-Identifier: BSD-2-Clause */
/* NetFlow v5 datagrams (Cisco's fixed format; no RFC).
 *
 *   header (24 bytes)                   record (48 bytes, up to 30)
 *   version(2) count(2)                 srcaddr(4) dstaddr(4) nexthop(4)
 *   sys_uptime(4) unix_secs(4)          input(2) output(2) dPkts(4) dOctets(4)
 *   unix_nsecs(4) flow_sequence(4)      first(4) last(4) srcport(2) dstport(2)
 *   engine_type(1) engine_id(1)         pad1(1) tcp_flags(1) prot(1) tos(1)
 *   sampling_interval(2)                src_as(2) dst_as(2) src_mask(1)
 *                                       dst_mask(1) pad2(2)
 *
 * flow_sequence counts flows, so the next datagram is expected at
 * flow_sequence + count; the sequence is tracked per (engine type, id). The
 * sampling field holds a 2-bit mode and a 14-bit interval. */
#include <string.h>

#include "nf_int.h"

#define V5_HDR 24
#define V5_REC 48
#define V5_MAX 30

/* IPFIX element ids of the v5 record's fields, with their offsets and lengths. */
static const struct {
	uint16_t id;
	uint8_t off, len;
} v5_fields[] = {
	{8, 0, 4},   {12, 4, 4},  {15, 8, 4},  {10, 12, 2}, {14, 14, 2}, {2, 16, 4},
	{1, 20, 4},  {22, 24, 4}, {21, 28, 4}, {7, 32, 2},  {11, 34, 2}, {6, 37, 1},
	{4, 38, 1},  {5, 39, 1},  {16, 40, 2}, {17, 42, 2}, {9, 44, 1},  {13, 45, 1},
};
#define V5_NFIELDS (sizeof(v5_fields) / sizeof(v5_fields[0]))

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void hook(struct nf_ctx *c, const uint8_t *p, size_t off)
{
	struct ks_nf *nf = c->nf;
	for (size_t i = 0; i < V5_NFIELDS; i++) {
		nf->hf[i].id = v5_fields[i].id;
		nf->hf[i].pen = 0;
		nf->hf[i].len = v5_fields[i].len;
		nf->hf[i].val = p + v5_fields[i].off;
	}
	struct ks_nf_rec r = {.version = 5, .kind = KS_NF_DATA, .offset = off, .fields = nf->hf,
			      .nfields = V5_NFIELDS, .hdr = &c->hdr};
	nf->hook(nf->hook_ctx, &r);
}

int nf_v5(struct nf_ctx *c)
{
	struct ks_rd r = ks_rd_make(c->base, c->len);
	struct ks_nf_hdr *h = &c->hdr;
	h->version = ks_rd_be16(&r);
	h->count = ks_rd_be16(&r);
	h->sys_uptime = ks_rd_be32(&r);
	h->unix_secs = ks_rd_be32(&r);
	h->unix_nsecs = ks_rd_be32(&r);
	h->sequence = ks_rd_be32(&r);
	h->engine_type = ks_rd_u8(&r);
	h->engine_id = ks_rd_u8(&r);
	h->sampling = ks_rd_be16(&r);
	if (ks_rd_err(&r))
		return nf_fail(c, c->len, KS_ETRUNC, "header shorter than 24 bytes");
	if (h->count > V5_MAX)
		return nf_fail(c, 2, KS_EINVAL, "record count above 30");
	c->export_ms = (int64_t)h->unix_secs * 1000 + h->unix_nsecs / 1000000;
	uint32_t iv = h->sampling & 0x3fff;
	c->v5_sampling = iv > 1 ? iv : 0;
	struct nf_exp *e = nf_exp_of(c);
	c->dom = nf_dom_get(e, (uint32_t)h->engine_type << 8 | h->engine_id, c->now_ms);
	e->st.lost_flows += nf_seq(c->dom, h->sequence, h->count, 1u << 24);
	if (c->v5_sampling)
		e->st.sampling = c->v5_sampling;
	for (uint16_t i = 0; i < h->count; i++) {
		size_t off = r.off;
		const uint8_t *p = ks_rd_take(&r, V5_REC);
		if (!p)
			return nf_fail(c, off, KS_ETRUNC, "flow record truncated (count says more)");
		if (c->nf->hook)
			hook(c, p, off);
		struct ks_flow f;
		memset(&f, 0, sizeof(f));
		ks_addr_from_v4(&f.src, be32(p));
		ks_addr_from_v4(&f.dst, be32(p + 4));
		uint32_t samp = c->v5_sampling ? c->v5_sampling : 1;
		f.packets = (uint64_t)be32(p + 16) * samp;
		f.bytes = (uint64_t)be32(p + 20) * samp;
		f.first_ms = c->export_ms - (int32_t)(h->sys_uptime - be32(p + 24));
		f.last_ms = c->export_ms - (int32_t)(h->sys_uptime - be32(p + 28));
		if (f.last_ms < f.first_ms)
			f.last_ms = f.first_ms;
		f.sport = be16(p + 32);
		f.dport = be16(p + 34);
		f.tcp_flags = p[37];
		f.proto = p[38];
		f.sampling = samp;
		f.exporter = c->ei;
		e = nf_exp_of(c);
		e->st.flows++;
		c->records++;
		if (c->fn) {
			int rc = c->fn(c->fctx, &f);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}
