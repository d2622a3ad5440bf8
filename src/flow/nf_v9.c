/* SPDX-License-Identifier: BSD-2-Clause */
/* NetFlow v9 export packets: header and flowset walking.
 *
 * specification: RFC 3954 5.1 (header), 5.2-5.3 (template and data
 * flowsets), 6.1 (options template flowset)
 *
 *   header (20 bytes)                    flowset
 *   +---------+---------+                +-------------+-------------+
 *   | version | count   |                | flowset id  | length      |
 *   +---------+---------+                +-------------+-------------+
 *   | sys_uptime        |                | records, padding ...      |
 *   | unix_secs         |
 *   | package sequence  |                id 0: templates, 1: options
 *   | source id         |                templates, 2-255 reserved
 *   +-------------------+                (skipped), >= 256: data
 *
 * The sequence number counts export packets (RFC 3954 5.1), so every
 * packet is expected at the previous number + 1, per source id. The count
 * field is not trusted: the flowset lengths are. Trailing zero bytes after
 * the last flowset (some exporters pad the datagram) are ignored. */
#include "nf_int.h"

static int rest_zero(const struct ks_rd *r)
{
	for (size_t i = r->off; i < r->len; i++)
		if (r->base[i])
			return 0;
	return 1;
}

int nf_v9(struct nf_ctx *c)
{
	struct ks_rd r = ks_rd_make(c->base, c->len);
	struct ks_nf_hdr *h = &c->hdr;
	h->version = ks_rd_be16(&r);
	h->count = ks_rd_be16(&r);
	h->sys_uptime = ks_rd_be32(&r);
	h->unix_secs = ks_rd_be32(&r);
	h->sequence = ks_rd_be32(&r);
	h->domain = ks_rd_be32(&r);
	if (ks_rd_err(&r))
		return nf_fail(c, c->len, KS_ETRUNC, "header shorter than 20 bytes");
	c->export_ms = (int64_t)h->unix_secs * 1000;
	struct nf_exp *e = nf_exp_of(c);
	c->dom = nf_dom_get(e, h->domain, c->now_ms);
	e->st.lost_packets += nf_seq(c->dom, h->sequence, 1, 1u << 20);
	while (ks_rd_left(&r) > 0 && !rest_zero(&r)) {
		size_t off = r.off;
		if (ks_rd_left(&r) < 4)
			return nf_fail(c, off, KS_ETRUNC, "flowset header truncated");
		uint16_t id = ks_rd_be16(&r), len = ks_rd_be16(&r);
		if (len < 4)
			return nf_fail(c, off + 2, KS_EINVAL, "flowset length below 4");
		if ((size_t)len - 4 > ks_rd_left(&r))
			return nf_fail(c, off + 2, KS_ETRUNC, "flowset length beyond the datagram");
		struct ks_rd s = ks_rd_sub(&r, (size_t)len - 4);
		int rc = 0;
		if (id == 0 || id == 1)
			rc = nf_template_set(c, &s, id);
		else if (id >= 256)
			rc = nf_data_set(c, &s, id);
		if (rc != 0)
			return rc;
	}
	return 0;
}
