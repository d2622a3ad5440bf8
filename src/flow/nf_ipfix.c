/* SPDX-License-Identifier: BSD-2-Clause */
/* IPFIX messages: header and set walking.
 *
 * specification: RFC 7011 3.1 (message header), 3.3 (sets)
 *
 *   message header (16 bytes)           set header
 *   +---------+---------+               +-------------+-------------+
 *   | version | length  |               | set id      | length      |
 *   +---------+---------+               +-------------+-------------+
 *   | export time       |               set id 2: templates, 3: options
 *   | sequence number   |               templates, 0-1 and 4-255 reserved
 *   | obs. domain id    |               (skipped), >= 256: data
 *   +-------------------+
 *
 * The sequence number counts the data records sent before this message in
 * the observation domain (RFC 7011 3.1), options data records included,
 * so the next message is expected at sequence + the records of this one.
 * If a data set could not be decoded (no template) the record count is
 * unknown and the next message resynchronises without counting loss. */
#include "nf_int.h"

int nf_ipfix(struct nf_ctx *c)
{
	struct ks_rd r = ks_rd_make(c->base, c->len);
	struct ks_nf_hdr *h = &c->hdr;
	h->version = ks_rd_be16(&r);
	h->length = ks_rd_be16(&r);
	h->unix_secs = ks_rd_be32(&r);
	h->sequence = ks_rd_be32(&r);
	h->domain = ks_rd_be32(&r);
	if (ks_rd_err(&r))
		return nf_fail(c, c->len, KS_ETRUNC, "message header shorter than 16 bytes");
	if (h->length < 16)
		return nf_fail(c, 2, KS_EINVAL, "message length below 16");
	if (h->length > c->len)
		return nf_fail(c, 2, KS_ETRUNC, "message length beyond the datagram");
	c->export_ms = (int64_t)h->unix_secs * 1000;
	struct nf_exp *e = nf_exp_of(c);
	c->dom = nf_dom_get(e, h->domain, c->now_ms);
	struct ks_rd m = ks_rd_sub(&r, (size_t)h->length - 16);
	int rc = 0;
	while (rc == 0 && ks_rd_left(&m) > 0) {
		size_t off = nf_off(c, &m);
		if (ks_rd_left(&m) < 4) {
			rc = nf_fail(c, off, KS_ETRUNC, "set header truncated");
			break;
		}
		uint16_t id = ks_rd_be16(&m), len = ks_rd_be16(&m);
		if (len < 4) {
			rc = nf_fail(c, off + 2, KS_EINVAL, "set length below 4");
			break;
		}
		if ((size_t)len - 4 > ks_rd_left(&m)) {
			rc = nf_fail(c, off + 2, KS_ETRUNC, "set length beyond the message");
			break;
		}
		struct ks_rd s = ks_rd_sub(&m, (size_t)len - 4);
		if (id == 2 || id == 3)
			rc = nf_template_set(c, &s, id);
		else if (id >= 256)
			rc = nf_data_set(c, &s, id);
	}
	e = nf_exp_of(c);
	e->st.lost_flows += nf_seq(c->dom, h->sequence, c->records, 1u << 24);
	if (c->count_unknown || rc != 0)
		c->dom->seq_ok = 0;
	return rc;
}
