/* SPDX-License-Identifier: BSD-2-Clause */
/* NetFlow v5 / v9 / IPFIX export datagram encoder (nf_encode.h).
 *
 * specification: RFC 3954 (NetFlow v9), RFC 7011 (IPFIX), Cisco's NetFlow
 * v5 export format.
 *
 * v5 header (24 bytes), then count 48-byte records:
 *   version=5 | count | sysUpTime | unix_secs | unix_nsecs | flow_sequence |
 *   engine_type | engine_id | sampling_interval
 * v9 (20 bytes):
 *   version=9 | count | sysUpTime | unix_secs | package_sequence | source_id
 *   then FlowSets: {id=0 | length | template id | field count | (type,len)*}
 *                  {id=256 | length | records | padding to 4 bytes}
 *   count = template records + data records in the datagram.
 * IPFIX (16 bytes):
 *   version=10 | length | export time | sequence | observation domain
 *   then Sets: {id=2 | length | template id | field count | (type,len)*}
 *              {id=256 | length | records}
 */
#include "nf_encode.h"

#include <string.h>

#include "ks_addr.h"
#include "ks_err.h"

/* (information element, length) of the data template, v9 and IPFIX. */
static const uint16_t tmpl_v9[][2] = {
	{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {6, 1}, {2, 4}, {1, 4}, {22, 4}, {21, 4},
};
static const uint16_t tmpl_ipfix[][2] = {
	{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {6, 1}, {2, 8}, {1, 8}, {152, 8}, {153, 8},
};
#define TMPL_FIELDS 10
#define TMPL_SET_LEN (4 + 4 + 4 * TMPL_FIELDS) /* set header, template header, fields */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

int ks_nf_enc_init(struct ks_nf_enc *e, int version, uint32_t domain, int64_t boot_ms)
{
	memset(e, 0, sizeof(*e));
	if (version != 5 && version != 9 && version != 10)
		return KS_EINVAL;
	e->version = version;
	e->domain = domain;
	e->boot_ms = boot_ms;
	e->template_every = KS_NF_TEMPLATE_EVERY;
	e->mtu = KS_NF_MTU_DEFAULT;
	return 0;
}

int ks_nf_enc_next_has_template(const struct ks_nf_enc *e)
{
	uint32_t k = e->template_every ? e->template_every : 1;
	return e->version != 5 && e->datagrams % k == 0;
}

size_t ks_nf_enc_capacity(const struct ks_nf_enc *e)
{
	if (e->version == 5)
		return KS_NF_V5_MAX_FLOWS;
	size_t hdr = e->version == 9 ? KS_NF_V9_HDR : KS_NF_IPFIX_HDR;
	size_t rec = e->version == 9 ? KS_NF_V9_REC : KS_NF_IPFIX_REC;
	size_t over = hdr + 4 + 3 + (ks_nf_enc_next_has_template(e) ? TMPL_SET_LEN : 0);
	size_t mtu = e->mtu > KS_NF_MTU_MAX ? KS_NF_MTU_MAX : e->mtu;
	return mtu > over + rec ? (mtu - over) / rec : 1;
}

/* Milliseconds since boot as a 32-bit sysUpTime value; -1 before boot. */
static int64_t uptime(const struct ks_nf_enc *e, int64_t ms)
{
	if (ms < e->boot_ms)
		return -1;
	return (ms - e->boot_ms) & 0xffffffff;
}

static int check_flow(const struct ks_nf_enc *e, const struct ks_flow *f)
{
	if (!ks_addr_is_v4(&f->src) || !ks_addr_is_v4(&f->dst) || f->last_ms < f->first_ms)
		return KS_EINVAL;
	if (e->version != 10) {
		if (f->packets > UINT32_MAX || f->bytes > UINT32_MAX || f->first_ms < e->boot_ms)
			return KS_EINVAL;
	} else if (f->first_ms < 0) {
		return KS_EINVAL;
	}
	return 0;
}

static size_t put_template(const struct ks_nf_enc *e, uint8_t *p)
{
	const uint16_t(*t)[2] = e->version == 9 ? tmpl_v9 : tmpl_ipfix;
	put16(p, e->version == 9 ? 0 : 2);
	put16(p + 2, TMPL_SET_LEN);
	put16(p + 4, KS_NF_TEMPLATE_ID);
	put16(p + 6, TMPL_FIELDS);
	for (size_t i = 0; i < TMPL_FIELDS; i++) {
		put16(p + 8 + 4 * i, t[i][0]);
		put16(p + 10 + 4 * i, t[i][1]);
	}
	return TMPL_SET_LEN;
}

static void put_v5(const struct ks_nf_enc *e, const struct ks_flow *f, uint8_t *p)
{
	memset(p, 0, KS_NF_V5_REC);
	put32(p, ks_addr_v4(&f->src));
	put32(p + 4, ks_addr_v4(&f->dst));
	/* nexthop 0, input/output interfaces 1 and 2 */
	put16(p + 12, 1);
	put16(p + 14, 2);
	put32(p + 16, (uint32_t)f->packets);
	put32(p + 20, (uint32_t)f->bytes);
	put32(p + 24, (uint32_t)uptime(e, f->first_ms));
	put32(p + 28, (uint32_t)uptime(e, f->last_ms));
	put16(p + 32, f->sport);
	put16(p + 34, f->dport);
	p[37] = f->tcp_flags;
	p[38] = f->proto;
}

static void put_rec(const struct ks_nf_enc *e, const struct ks_flow *f, uint8_t *p)
{
	put32(p, ks_addr_v4(&f->src));
	put32(p + 4, ks_addr_v4(&f->dst));
	put16(p + 8, f->sport);
	put16(p + 10, f->dport);
	p[12] = f->proto;
	p[13] = f->tcp_flags;
	if (e->version == 9) {
		put32(p + 14, (uint32_t)f->packets);
		put32(p + 18, (uint32_t)f->bytes);
		put32(p + 22, (uint32_t)uptime(e, f->first_ms));
		put32(p + 26, (uint32_t)uptime(e, f->last_ms));
	} else {
		put64(p + 14, f->packets);
		put64(p + 22, f->bytes);
		put64(p + 30, (uint64_t)f->first_ms);
		put64(p + 38, (uint64_t)f->last_ms);
	}
}

int ks_nf_enc_datagram(struct ks_nf_enc *e, const struct ks_flow *f, size_t n, int64_t export_ms,
		       uint8_t *out, size_t cap, size_t *nused, size_t *len)
{
	if (n == 0 || export_ms < 0 || (e->version != 10 && uptime(e, export_ms) < 0))
		return KS_EINVAL;
	size_t k = ks_nf_enc_capacity(e);
	if (k > n)
		k = n;
	for (size_t i = 0; i < k; i++) {
		int r = check_flow(e, &f[i]);
		if (r != 0)
			return r;
	}
	uint32_t secs = (uint32_t)(export_ms / 1000);
	size_t l;
	if (e->version == 5) {
		l = KS_NF_V5_HDR + k * KS_NF_V5_REC;
		if (l > cap)
			return KS_ELIMIT;
		put16(out, 5);
		put16(out + 2, (uint16_t)k);
		put32(out + 4, (uint32_t)uptime(e, export_ms));
		put32(out + 8, secs);
		put32(out + 12, (uint32_t)(export_ms % 1000) * 1000000u);
		put32(out + 16, e->seq);
		out[20] = 0;
		out[21] = (uint8_t)e->domain;
		put16(out + 22, 0);
		for (size_t i = 0; i < k; i++)
			put_v5(e, &f[i], out + KS_NF_V5_HDR + i * KS_NF_V5_REC);
		e->seq += (uint32_t)k;
	} else {
		int tmpl = ks_nf_enc_next_has_template(e);
		size_t hdr = e->version == 9 ? KS_NF_V9_HDR : KS_NF_IPFIX_HDR;
		size_t rec = e->version == 9 ? KS_NF_V9_REC : KS_NF_IPFIX_REC;
		size_t data = 4 + k * rec;
		size_t padded = e->version == 9 ? (data + 3) & ~(size_t)3 : data;
		l = hdr + (tmpl ? TMPL_SET_LEN : 0) + padded;
		if (l > cap || l > 0xffff)
			return KS_ELIMIT;
		size_t o = hdr;
		if (tmpl)
			o += put_template(e, out + o);
		put16(out + o, KS_NF_TEMPLATE_ID);
		put16(out + o + 2, (uint16_t)padded);
		for (size_t i = 0; i < k; i++)
			put_rec(e, &f[i], out + o + 4 + i * rec);
		memset(out + o + data, 0, padded - data);
		if (e->version == 9) {
			put16(out, 9);
			put16(out + 2, (uint16_t)(k + (tmpl ? 1 : 0)));
			put32(out + 4, (uint32_t)uptime(e, export_ms));
			put32(out + 8, secs);
			put32(out + 12, e->seq);
			put32(out + 16, e->domain);
			e->seq++;
		} else {
			put16(out, 10);
			put16(out + 2, (uint16_t)l);
			put32(out + 4, secs);
			put32(out + 8, e->seq);
			put32(out + 12, e->domain);
			e->seq += (uint32_t)k;
		}
	}
	e->datagrams++;
	e->flows += k;
	*nused = k;
	*len = l;
	return 0;
}

int ks_nf_enc_patch(uint8_t *buf, size_t len, uint32_t seq, int64_t export_ms)
{
	if (len < KS_NF_IPFIX_HDR || export_ms < 0)
		return KS_EINVAL;
	uint16_t v = (uint16_t)(buf[0] << 8 | buf[1]);
	uint32_t secs = (uint32_t)(export_ms / 1000);
	switch (v) {
	case 5:
		if (len < KS_NF_V5_HDR)
			return KS_EINVAL;
		put32(buf + 8, secs);
		put32(buf + 12, (uint32_t)(export_ms % 1000) * 1000000u);
		put32(buf + 16, seq);
		return 0;
	case 9:
		if (len < KS_NF_V9_HDR)
			return KS_EINVAL;
		put32(buf + 8, secs);
		put32(buf + 12, seq);
		return 0;
	case 10:
		put32(buf + 4, secs);
		put32(buf + 8, seq);
		return 0;
	}
	return KS_EINVAL;
}
