/* SPDX-License-Identifier: BSD-2-Clause */
/* Template records and data records, shared by NetFlow v9 (RFC 3954) and
 * IPFIX (RFC 7011).
 *
 * specification: RFC 7011 3.4 (template records), 3.3.2 (set padding),
 * 7 (variable-length encoding), 6.2 (reduced-size encoding); RFC 3954 5.2,
 * 6.1 (options templates); RFC 5477 / RFC 7012 (sampling elements).
 *
 *   IPFIX template record         IPFIX field specifier
 *   +-------------+-------------+ +-+-----------+-------------+
 *   | template id | field count | |E| ie id     | length      |
 *   +-------------+-------------+ +-+-----------+-------------+
 *   | (options: scope count)    | | enterprise number (E=1)   |
 *
 * When a template arrives every field gets a role (nf_role) once; a data
 * record is then decoded by walking the template's fields, reading each
 * value as a borrowed view and keeping the ones with a role, without
 * allocation. Enterprise-specific and unknown fields are stepped over. */
#include <string.h>

#include "nf_int.h"

uint8_t nf_role(uint16_t id, uint32_t pen)
{
	if (pen)
		return R_NONE;
	switch (id) {
	case 1: return R_OCT;
	case 2: return R_PKT;
	case 4: return R_PROTO;
	case 6: return R_FLAGS;
	case 7: return R_SPORT;
	case 8: return R_SRC4;
	case 11: return R_DPORT;
	case 12: return R_DST4;
	case 21: return R_UP_LAST;
	case 22: return R_UP_FIRST;
	case 27: return R_SRC6;
	case 28: return R_DST6;
	case 32: return R_ICMP;
	case 34: return R_SAMP_INT;
	case 50: return R_SAMP_RAND;
	case 85: return R_OCT_TOT;
	case 86: return R_PKT_TOT;
	case 139: return R_ICMP;
	case 150: return R_S_START;
	case 151: return R_S_END;
	case 152: return R_MS_START;
	case 153: return R_MS_END;
	case 154: return R_US_START;
	case 155: return R_US_END;
	case 156: return R_NS_START;
	case 157: return R_NS_END;
	case 158: return R_DUS_START;
	case 159: return R_DUS_END;
	case 160: return R_SYSINIT;
	case 176: return R_ICMP_TYPE;
	case 177: return R_ICMP_CODE;
	case 178: return R_ICMP_TYPE;
	case 179: return R_ICMP_CODE;
	case 231: return R_OCT_INIT;
	case 298: return R_PKT_INIT;
	case 305: return R_SPI;
	case 306: return R_SPS;
	case 309: return R_SSIZE;
	case 310: return R_SPOP;
	default: return R_NONE;
	}
}

uint64_t nf_uint(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- templates ---- */

/* Hands a template / withdrawal record to the hook. */
static void hook_template(struct nf_ctx *c, enum ks_nf_kind kind, uint16_t set_id, uint16_t tid,
			  size_t off, const struct nf_tfield *f, uint16_t n, uint16_t scope)
{
	struct ks_nf *nf = c->nf;
	if (!nf->hook)
		return;
	size_t max = nf->lim.fields_per_template;
	if (n > max)
		n = (uint16_t)max;
	for (uint16_t i = 0; i < n; i++) {
		nf->hf[i].id = f[i].id;
		nf->hf[i].pen = f[i].pen;
		nf->hf[i].len = f[i].len;
		nf->hf[i].val = NULL;
	}
	struct ks_nf_rec r = {.version = c->hdr.version, .domain = c->hdr.domain, .set_id = set_id,
			      .template_id = tid, .kind = kind, .offset = off, .fields = nf->hf,
			      .nfields = n, .scope_fields = scope, .hdr = &c->hdr};
	nf->hook(nf->hook_ctx, &r);
}

/* Reads n field specifiers into nf->tf (those beyond fields_per_template
 * are read and dropped). 0 or KS_ETRUNC. */
static int read_fields(struct nf_ctx *c, struct ks_rd *s, uint32_t n, int ipfix)
{
	struct nf_tfield *tf = c->nf->tf;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t id = ks_rd_be16(s), len = ks_rd_be16(s);
		uint32_t pen = 0;
		if (ipfix && (id & 0x8000)) {
			id &= 0x7fff;
			pen = ks_rd_be32(s);
		}
		if (ks_rd_err(s))
			return nf_fail(c, nf_off(c, s), KS_ETRUNC, "template field specifier truncated");
		if (i < c->nf->lim.fields_per_template) {
			tf[i].id = id;
			tf[i].len = len;
			tf[i].pen = pen;
			tf[i].role = nf_role(id, pen);
			/* An address or timestamp of an unexpected size is not used. */
			if ((tf[i].role == R_SRC4 || tf[i].role == R_DST4) && len != 4)
				tf[i].role = R_NONE;
			if ((tf[i].role == R_SRC6 || tf[i].role == R_DST6) && len != 16)
				tf[i].role = R_NONE;
			if (len == NF_VARLEN || len > 8)
				if (tf[i].role != R_SRC6 && tf[i].role != R_DST6)
					tf[i].role = R_NONE;
		}
	}
	return 0;
}

static void store(struct nf_ctx *c, uint16_t tid, int options, uint16_t scope, uint16_t n, size_t off)
{
	struct nf_exp *e = nf_exp_of(c);
	int r = nf_tpl_put(c->nf, e, c->hdr.domain, tid, options, scope, c->nf->tf, n, c->now_ms);
	if (r == 0)
		return;
	e->st.templates_refused++;
	nf_log_exp(c->nf, c->ei, c->now_ms,
		   "version %u template %u (domain %u, %u fields) at byte %zu refused: %s",
		   c->hdr.version, tid, c->hdr.domain, n, off,
		   n > c->nf->lim.fields_per_template ? "too many fields"
		   : r == KS_ELIMIT			? "too many templates"
							: ks_strerror(r));
}

static int all_zero(const struct ks_rd *s)
{
	for (size_t i = s->off; i < s->len; i++)
		if (s->base[i])
			return 0;
	return 1;
}

int nf_template_set(struct nf_ctx *c, struct ks_rd *s, uint16_t set_id)
{
	int ipfix = c->hdr.version == 10;
	int options = ipfix ? set_id == 3 : set_id == 1;
	for (;;) {
		size_t left = ks_rd_left(s);
		/* Set padding (RFC 7011 3.3.1): fewer bytes than the smallest record. */
		if (left < (options && !ipfix ? 6u : 4u) || all_zero(s))
			return 0;
		size_t off = nf_off(c, s);
		uint16_t tid = ks_rd_be16(s);
		uint32_t n, scope = 0;
		if (ipfix) {
			n = ks_rd_be16(s);
			if (n == 0) {
				/* Withdrawal (RFC 7011 8.1): one template, or all of a kind. */
				if (tid == 2 || tid == 3)
					nf_tpl_del_all(nf_exp_of(c), c->hdr.domain, tid == 3);
				else if (tid >= 256)
					nf_tpl_del(nf_exp_of(c), c->hdr.domain, tid);
				else
					return nf_fail(c, off, KS_EINVAL, "withdrawal of a reserved template id");
				hook_template(c, KS_NF_WITHDRAWAL, set_id, tid, off, NULL, 0, 0);
				continue;
			}
			if (options) {
				scope = ks_rd_be16(s);
				if (ks_rd_err(s))
					return nf_fail(c, off, KS_ETRUNC, "options template header truncated");
				if (scope == 0 || scope > n)
					return nf_fail(c, off, KS_EINVAL, "options template scope field count 0 or above field count");
			}
		} else if (options) {
			uint16_t slen = ks_rd_be16(s), olen = ks_rd_be16(s);
			if (ks_rd_err(s))
				return nf_fail(c, off, KS_ETRUNC, "options template header truncated");
			if (slen % 4 || olen % 4)
				return nf_fail(c, off, KS_EINVAL, "options scope/option length not a multiple of 4");
			scope = slen / 4u;
			n = scope + olen / 4u;
		} else {
			n = ks_rd_be16(s);
		}
		if (tid < 256)
			return nf_fail(c, off, KS_EINVAL, "template id below 256");
		if (n > 65535)
			return nf_fail(c, off, KS_EINVAL, "options template has too many fields");
		int r = read_fields(c, s, n, ipfix);
		if (r != 0)
			return r;
		store(c, tid, options, (uint16_t)scope, (uint16_t)n, off);
		hook_template(c, options ? KS_NF_OPTIONS_TEMPLATE : KS_NF_TEMPLATE, set_id, tid, off,
			      c->nf->tf, (uint16_t)n, (uint16_t)scope);
	}
}

/* ---- data records ---- */

struct acc {
	uint64_t have; /* bit per role */
	uint64_t v[R_COUNT];
	const uint8_t *p[R_COUNT];
};

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

#define HAS(a, role) ((a)->have >> (role) & 1)

/* NTP timestamp (RFC 5905: seconds since 1900, 2^-32 fractions) to Unix ms. */
static int64_t ntp_ms(uint64_t v)
{
	int64_t s = (int64_t)(v >> 32) - 2208988800LL;
	return s * 1000 + (int64_t)(((v & 0xffffffffu) * 1000) >> 32);
}

/* Unix ms of a sysUpTime-relative value (v5, v9, IPFIX 21/22). */
static int64_t uptime_ms(const struct nf_ctx *c, const struct acc *a, uint32_t up)
{
	if (HAS(a, R_SYSINIT))
		return (int64_t)a->v[R_SYSINIT] + up;
	if (c->hdr.version == 10)
		return c->export_ms;
	return c->export_ms - (int32_t)(c->hdr.sys_uptime - up);
}

static int time_of(const struct nf_ctx *c, const struct acc *a, int end, int64_t *out)
{
	int s = end ? 1 : 0;
	if (HAS(a, R_MS_START + s))
		*out = (int64_t)a->v[R_MS_START + s];
	else if (HAS(a, R_S_START + s))
		*out = (int64_t)a->v[R_S_START + s] * 1000;
	else if (HAS(a, R_US_START + s))
		*out = ntp_ms(a->v[R_US_START + s]);
	else if (HAS(a, R_NS_START + s))
		*out = ntp_ms(a->v[R_NS_START + s]);
	else if (HAS(a, R_DUS_START + s))
		*out = c->export_ms - (int64_t)(a->v[R_DUS_START + s] / 1000);
	else if (HAS(a, end ? R_UP_LAST : R_UP_FIRST))
		*out = uptime_ms(c, a, (uint32_t)a->v[end ? R_UP_LAST : R_UP_FIRST]);
	else
		return 0;
	return 1;
}

static uint32_t sampling_of(const struct acc *a)
{
	if (HAS(a, R_SAMP_INT) && a->v[R_SAMP_INT] > 0)
		return a->v[R_SAMP_INT] > UINT32_MAX ? UINT32_MAX : (uint32_t)a->v[R_SAMP_INT];
	if (HAS(a, R_SAMP_RAND) && a->v[R_SAMP_RAND] > 0)
		return a->v[R_SAMP_RAND] > UINT32_MAX ? UINT32_MAX : (uint32_t)a->v[R_SAMP_RAND];
	if (HAS(a, R_SPI) && a->v[R_SPI] > 0) {
		uint64_t sps = HAS(a, R_SPS) ? a->v[R_SPS] : 0;
		uint64_t r = (a->v[R_SPI] + (sps > UINT32_MAX ? UINT32_MAX : sps)) / a->v[R_SPI];
		return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
	}
	if (HAS(a, R_SSIZE) && HAS(a, R_SPOP) && a->v[R_SSIZE] > 0) {
		uint64_t r = a->v[R_SPOP] / a->v[R_SSIZE];
		return r > UINT32_MAX ? UINT32_MAX : (uint32_t)r;
	}
	return 0;
}

static int deliver(struct nf_ctx *c, const struct acc *a)
{
	struct ks_flow f;
	memset(&f, 0, sizeof(f));
	if (HAS(a, R_SRC4))
		ks_addr_from_v4(&f.src, (uint32_t)nf_uint(a->p[R_SRC4], 4));
	else if (HAS(a, R_SRC6))
		memcpy(f.src.b, a->p[R_SRC6], 16);
	if (HAS(a, R_DST4))
		ks_addr_from_v4(&f.dst, (uint32_t)nf_uint(a->p[R_DST4], 4));
	else if (HAS(a, R_DST6))
		memcpy(f.dst.b, a->p[R_DST6], 16);
	f.sport = (uint16_t)a->v[R_SPORT];
	f.dport = (uint16_t)a->v[R_DPORT];
	f.proto = (uint8_t)a->v[R_PROTO];
	f.tcp_flags = (uint8_t)a->v[R_FLAGS];
	if (f.proto == 1 || f.proto == 58) {
		if (HAS(a, R_ICMP))
			f.dport = (uint16_t)a->v[R_ICMP];
		else if (HAS(a, R_ICMP_TYPE) || HAS(a, R_ICMP_CODE))
			f.dport = (uint16_t)((a->v[R_ICMP_TYPE] & 0xff) << 8 | (a->v[R_ICMP_CODE] & 0xff));
	}
	f.bytes = HAS(a, R_OCT) ? a->v[R_OCT] : HAS(a, R_OCT_TOT) ? a->v[R_OCT_TOT] : a->v[R_OCT_INIT];
	f.packets = HAS(a, R_PKT) ? a->v[R_PKT] : HAS(a, R_PKT_TOT) ? a->v[R_PKT_TOT] : a->v[R_PKT_INIT];
	uint32_t samp = sampling_of(a);
	if (samp == 0 && c->dom)
		samp = c->dom->sampling;
	if (samp == 0)
		samp = c->v5_sampling;
	if (samp == 0)
		samp = 1;
	f.sampling = samp;
	f.packets = mul_sat(f.packets, samp);
	f.bytes = mul_sat(f.bytes, samp);
	int hs = time_of(c, a, 0, &f.first_ms), he = time_of(c, a, 1, &f.last_ms);
	if (!hs && !he)
		f.first_ms = f.last_ms = c->export_ms;
	else if (!hs)
		f.first_ms = f.last_ms;
	else if (!he)
		f.last_ms = f.first_ms;
	if (f.last_ms < f.first_ms)
		f.last_ms = f.first_ms;
	f.exporter = c->ei;
	struct nf_exp *e = nf_exp_of(c);
	e->st.flows++;
	e->st.sampling = samp;
	return c->fn ? c->fn(c->fctx, &f) : 0;
}

/* One data record at the reader's position. 0, KS_ETRUNC or fn's value. */
static int data_record(struct nf_ctx *c, const struct nf_tpl *t, struct ks_rd *r, uint16_t set_id)
{
	struct ks_nf *nf = c->nf;
	struct ks_nf_field *hf = nf->hook ? nf->hf : NULL;
	size_t off = nf_off(c, r);
	struct acc a;
	a.have = 0;
	for (uint16_t i = 0; i < t->nfields; i++) {
		const struct nf_tfield *tf = &t->f[i];
		size_t len = tf->len;
		if (len == NF_VARLEN) {
			len = ks_rd_u8(r);
			if (len == 255)
				len = ks_rd_be16(r);
		}
		const uint8_t *v = ks_rd_take(r, len);
		if (!v)
			return KS_ETRUNC;
		if (hf) {
			hf[i].id = tf->id;
			hf[i].pen = tf->pen;
			hf[i].len = (uint16_t)len;
			hf[i].val = v;
		}
		if (tf->role) {
			a.have |= 1ull << tf->role;
			a.p[tf->role] = v;
			a.v[tf->role] = len <= 8 ? nf_uint(v, len) : 0;
		}
	}
	c->records++;
	if (hf) {
		struct ks_nf_rec rec = {.version = c->hdr.version, .domain = c->hdr.domain,
					.set_id = set_id, .template_id = set_id,
					.kind = t->options ? KS_NF_OPTIONS_DATA : KS_NF_DATA,
					.offset = off, .fields = hf, .nfields = t->nfields,
					.scope_fields = t->scope_fields, .hdr = &c->hdr};
		nf->hook(nf->hook_ctx, &rec);
	}
	if (t->options) {
		struct nf_exp *e = nf_exp_of(c);
		e->st.options_records++;
		uint32_t samp = sampling_of(&a);
		if (samp && c->dom)
			c->dom->sampling = samp;
		return 0;
	}
	for (int k = R_SRC4; k <= R_DST6; k++)
		if (!HAS(&a, k))
			a.p[k] = NULL;
	for (int k = R_SPORT; k < R_COUNT; k++)
		if (!HAS(&a, k))
			a.v[k] = 0;
	return deliver(c, &a);
}

int nf_data_set(struct nf_ctx *c, struct ks_rd *s, uint16_t set_id)
{
	struct nf_exp *e = nf_exp_of(c);
	const struct nf_tpl *t = nf_tpl_find(c->nf, e, c->hdr.domain, set_id, c->now_ms);
	if (!t) {
		e->st.no_template++;
		c->count_unknown = 1;
		return 0;
	}
	if (t->minlen == 0)
		return 0; /* only zero-length fields: nothing to read, no record to count */
	while (ks_rd_left(s) >= t->minlen) {
		struct ks_rd save = *s;
		int r = data_record(c, t, s, set_id);
		if (r == KS_ETRUNC) {
			/* Padding after variable-length records can be longer than
			 * the shortest record: zeros to the end are not a record. */
			if (all_zero(&save))
				return 0;
			return nf_fail(c, nf_off(c, &save), KS_ETRUNC, "data record runs past its set");
		}
		if (r != 0)
			return r;
	}
	return 0;
}
