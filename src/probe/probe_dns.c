/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS query builder and response parser (see probe_dns.h). */
#include "probe_dns.h"

#include <stdio.h>
#include <string.h>

/* Encodes name into wire form in out (at least 255 bytes); returns its
 * length or 0 when the name is invalid. */
static size_t encode_name(const char *name, uint8_t *out)
{
	size_t n = strlen(name), o = 0;
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return 0;
	for (size_t i = 0; i <= n;) {
		size_t e = i;
		while (e < n && name[e] != '.')
			e++;
		size_t l = e - i;
		if (l == 0 || l > 63)
			return 0;
		out[o++] = (uint8_t)l;
		memcpy(out + o, name + i, l);
		o += l;
		i = e + 1;
	}
	out[o++] = 0;
	return o;
}

int ks_dns_query(uint8_t *buf, size_t cap, uint16_t id, const char *name, uint16_t qtype,
		 size_t *len)
{
	uint8_t qn[256];
	size_t qnl = encode_name(name, qn);
	if (qnl == 0)
		return KS_EINVAL;
	if (cap < 12 + qnl + 4)
		return KS_ELIMIT;
	memset(buf, 0, 12);
	buf[0] = (uint8_t)(id >> 8);
	buf[1] = (uint8_t)id;
	buf[2] = 0x01; /* RD */
	buf[5] = 1;    /* QDCOUNT */
	memcpy(buf + 12, qn, qnl);
	size_t o = 12 + qnl;
	buf[o++] = (uint8_t)(qtype >> 8);
	buf[o++] = (uint8_t)qtype;
	buf[o++] = 0;
	buf[o++] = 1; /* IN */
	*len = o;
	return 0;
}

/* Skips a name at r: labels up to a zero byte or a compression pointer. */
static int skip_name(struct ks_rd *r)
{
	for (int labels = 0; labels < 128; labels++) {
		uint8_t l = ks_rd_u8(r);
		if (ks_rd_err(r))
			return KS_ETRUNC;
		if (l == 0)
			return 0;
		if ((l & 0xc0) == 0xc0) {
			ks_rd_skip(r, 1);
			return ks_rd_err(r) ? KS_ETRUNC : 0;
		}
		if (l & 0xc0)
			return KS_EINVAL; /* 0x40/0x80: extended label types, obsolete */
		ks_rd_skip(r, l);
		if (ks_rd_err(r))
			return KS_ETRUNC;
	}
	return KS_EINVAL;
}

static bool lower_eq(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t x = a[i], y = b[i];
		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y + 32);
		if (x != y)
			return false;
	}
	return true;
}

int ks_dns_parse(const uint8_t *p, size_t n, uint16_t id, const char *name, struct ks_dns *out)
{
	memset(out, 0, sizeof *out);
	struct ks_rd r = ks_rd_make(p, n);
	if (n < 12)
		return ks_probe_failed(&out->fail, KS_ETRUNC, n, "DNS header is 12 bytes");
	out->id = ks_rd_be16(&r);
	uint8_t f1 = ks_rd_u8(&r), f2 = ks_rd_u8(&r);
	out->qr = f1 & 0x80;
	out->opcode = (f1 >> 3) & 0x0f;
	out->aa = f1 & 0x04;
	out->tc = f1 & 0x02;
	out->rd = f1 & 0x01;
	out->ra = f2 & 0x80;
	out->rcode = f2 & 0x0f;
	out->qdcount = ks_rd_be16(&r);
	out->ancount = ks_rd_be16(&r);
	out->nscount = ks_rd_be16(&r);
	out->arcount = ks_rd_be16(&r);
	if (!out->qr)
		return ks_probe_failed(&out->fail, KS_EINVAL, 2, "DNS message is not a response (QR 0)");
	if (out->id != id)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "DNS response ID does not match");
	if (out->opcode != 0)
		return ks_probe_failed(&out->fail, KS_EINVAL, 2, "DNS response opcode is not QUERY");

	/* Question: ours echoed back (0 questions is allowed with an error). */
	uint8_t qn[256];
	size_t qnl = encode_name(name, qn);
	if (out->qdcount > 1)
		return ks_probe_failed(&out->fail, KS_EINVAL, 4, "DNS response has several questions");
	if (out->qdcount == 1) {
		size_t qoff = ks_rd_off(&r);
		int rc = skip_name(&r);
		if (rc != 0)
			return ks_probe_failed(&out->fail, rc, ks_rd_off(&r), "DNS question name");
		size_t l = ks_rd_off(&r) - qoff;
		out->question_matches = qnl > 0 && l == qnl && lower_eq(p + qoff, qn, l);
		ks_rd_skip(&r, 4);
		if (ks_rd_err(&r))
			return ks_probe_failed(&out->fail, KS_ETRUNC, n, "DNS question type and class");
	}

	/* Answers, up to the cap; a TC response may end early. */
	unsigned nan = out->ancount < KS_DNS_ANSWERS_MAX ? out->ancount : KS_DNS_ANSWERS_MAX;
	for (unsigned i = 0; i < nan; i++) {
		size_t aoff = ks_rd_off(&r);
		int rc = skip_name(&r);
		uint16_t type = ks_rd_be16(&r), cls = ks_rd_be16(&r);
		(void)ks_rd_be32(&r);
		uint16_t rdlen = ks_rd_be16(&r);
		const uint8_t *rd = ks_rd_bytes(&r, rdlen);
		if (rc == KS_EINVAL)
			return ks_probe_failed(&out->fail, KS_EINVAL, aoff, "DNS answer name");
		if (rc != 0 || rd == NULL) {
			if (out->tc)
				break;
			return ks_probe_failed(&out->fail, KS_ETRUNC, aoff, "DNS answer record");
		}
		if (type == 1 && cls == 1) {
			if (rdlen != 4)
				return ks_probe_failed(&out->fail, KS_EINVAL, aoff, "DNS A record RDLENGTH is not 4");
			if (out->answers_a++ == 0)
				memcpy(out->first_a, rd, 4);
		}
	}
	out->open_resolver = out->rcode == 0 && out->ra && out->ancount > 0;
	return 0;
}

const char *ks_dns_rcode_name(uint8_t rcode, char buf[12])
{
	static const char *const names[] = {"noerror", "formerr", "servfail",
					    "nxdomain", "notimp", "refused"};
	if (rcode < sizeof names / sizeof names[0])
		return names[rcode];
	snprintf(buf, 12, "rcode%u", (unsigned)rcode);
	return buf;
}
