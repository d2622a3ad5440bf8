/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS first-flight parser and DER certificate walker (see probe_tls.h). */
#include "probe_tls.h"

#include <stdio.h>
#include <string.h>

/* ---- DER ---------------------------------------------------------------- */

/* Reads one TLV from r: *tag, a child reader over the contents, and the
 * whole TLV's bytes in *raw (may be NULL). Definite lengths only, in at most
 * 3 bytes (16 MiB: no certificate is larger); low tag numbers only. */
static int der_tlv(struct ks_rd *r, uint8_t *tag, struct ks_rd *c, const uint8_t **raw,
		   size_t *rawlen)
{
	size_t start = r->off;
	if (!ks_rd_has(r, 2))
		return KS_ETRUNC;
	uint8_t t = ks_rd_u8(r), l0 = ks_rd_u8(r);
	if ((t & 0x1f) == 0x1f)
		return KS_EINVAL;
	size_t len = l0;
	if (l0 & 0x80) {
		unsigned k = l0 & 0x7f;
		if (k == 0 || k > 3)
			return KS_EINVAL;
		if (!ks_rd_has(r, k))
			return KS_ETRUNC;
		len = 0;
		for (unsigned i = 0; i < k; i++)
			len = len << 8 | ks_rd_u8(r);
	}
	if (!ks_rd_has(r, len))
		return KS_ETRUNC;
	*c = ks_rd_sub(r, len);
	*tag = t;
	if (raw) {
		*raw = r->base + start;
		*rawlen = r->off - start;
	}
	return 0;
}

static int der_expect(struct ks_rd *r, uint8_t want, struct ks_rd *c, const uint8_t **raw,
		      size_t *rawlen)
{
	uint8_t tag;
	int rc = der_tlv(r, &tag, c, raw, rawlen);
	if (rc == 0 && tag != want)
		rc = KS_EINVAL;
	return rc;
}

/* Dotted text of an OID's contents. */
static int oid_text(const uint8_t *p, size_t n, char *dst, size_t cap)
{
	size_t o = 0;
	uint64_t v = 0;
	unsigned bytes = 0;
	bool first = true;
	dst[0] = '\0';
	if (n == 0 || n > 64)
		return KS_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (bytes == 0 && p[i] == 0x80)
			return KS_EINVAL; /* non-minimal arc */
		v = v << 7 | (p[i] & 0x7f);
		if (++bytes > 9)
			return KS_EINVAL;
		if (p[i] & 0x80)
			continue;
		int k;
		if (first) {
			uint64_t x = v < 40 ? 0 : v < 80 ? 1 : 2;
			k = snprintf(dst + o, cap - o, "%u.%llu", (unsigned)x,
				     (unsigned long long)(v - 40 * x));
			first = false;
		} else {
			k = snprintf(dst + o, cap - o, ".%llu", (unsigned long long)v);
		}
		if (k < 0 || (size_t)k >= cap - o) {
			dst[o] = '\0';
			return KS_ELIMIT;
		}
		o += (size_t)k;
		v = 0;
		bytes = 0;
	}
	return bytes == 0 ? 0 : KS_EINVAL;
}

struct oid_name {
	const char *oid, *name;
	uint32_t flag;
};

static const struct oid_name sig_algs[] = {
	{"1.2.840.113549.1.1.2", "md2WithRSAEncryption", KS_TLS_F_WEAK_SIGNATURE},
	{"1.2.840.113549.1.1.4", "md5WithRSAEncryption", KS_TLS_F_WEAK_SIGNATURE},
	{"1.2.840.113549.1.1.5", "sha1WithRSAEncryption", KS_TLS_F_WEAK_SIGNATURE},
	{"1.2.840.113549.1.1.10", "rsassaPss", 0},
	{"1.2.840.113549.1.1.11", "sha256WithRSAEncryption", 0},
	{"1.2.840.113549.1.1.12", "sha384WithRSAEncryption", 0},
	{"1.2.840.113549.1.1.13", "sha512WithRSAEncryption", 0},
	{"1.2.840.10040.4.3", "dsa-with-sha1", KS_TLS_F_WEAK_SIGNATURE},
	{"1.2.840.10045.4.1", "ecdsa-with-SHA1", KS_TLS_F_WEAK_SIGNATURE},
	{"1.2.840.10045.4.3.2", "ecdsa-with-SHA256", 0},
	{"1.2.840.10045.4.3.3", "ecdsa-with-SHA384", 0},
	{"1.2.840.10045.4.3.4", "ecdsa-with-SHA512", 0},
	{"1.3.101.112", "Ed25519", 0},
	{"1.3.101.113", "Ed448", 0},
	{"2.16.840.1.101.3.4.3.17", "ML-DSA-44", KS_TLS_F_PQ_SIGNATURE},
	{"2.16.840.1.101.3.4.3.18", "ML-DSA-65", KS_TLS_F_PQ_SIGNATURE},
	{"2.16.840.1.101.3.4.3.19", "ML-DSA-87", KS_TLS_F_PQ_SIGNATURE},
};

static const struct oid_name key_algs[] = {
	{"1.2.840.113549.1.1.1", "rsaEncryption", 0},
	{"1.2.840.10045.2.1", "id-ecPublicKey", 0},
	{"1.2.840.10040.4.1", "dsa", 0},
	{"1.3.101.110", "X25519", 0},
	{"1.3.101.112", "Ed25519", 0},
	{"1.3.101.113", "Ed448", 0},
	{"2.16.840.1.101.3.4.3.17", "ML-DSA-44", 0},
	{"2.16.840.1.101.3.4.3.18", "ML-DSA-65", 0},
	{"2.16.840.1.101.3.4.3.19", "ML-DSA-87", 0},
};

static const struct oid_name *oid_lookup(const struct oid_name *t, size_t n, const char *oid)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(t[i].oid, oid) == 0)
			return &t[i];
	return NULL;
}

/* Reads an AlgorithmIdentifier's OID as dotted text. */
static int alg_oid(struct ks_rd *r, char *dst, size_t cap)
{
	struct ks_rd seq, oid;
	int rc = der_expect(r, 0x30, &seq, NULL, NULL);
	if (rc == 0)
		rc = der_expect(&seq, 0x06, &oid, NULL, NULL);
	if (rc == 0)
		rc = oid_text(oid.base, oid.len, dst, cap);
	return rc;
}

/* Copies a directory string (UTF8String, PrintableString, IA5String,
 * T61String, BMPString) as text. */
static bool dir_string(char *dst, size_t cap, uint8_t tag, const uint8_t *p, size_t n)
{
	if (tag != 0x1e)
		return ks_probe_text(dst, cap, p, n);
	uint8_t buf[384];
	size_t o = 0;
	bool cut = false;
	for (size_t i = 0; i + 1 < n; i += 2) {
		unsigned cp = (unsigned)p[i] << 8 | p[i + 1];
		if (o + 3 > sizeof buf) {
			cut = true;
			break;
		}
		if (cp >= 0xd800 && cp <= 0xdfff)
			cp = '?'; /* UCS-2 has no surrogates */
		if (cp < 0x80) {
			buf[o++] = (uint8_t)cp;
		} else if (cp < 0x800) {
			buf[o++] = (uint8_t)(0xc0 | cp >> 6);
			buf[o++] = (uint8_t)(0x80 | (cp & 0x3f));
		} else {
			buf[o++] = (uint8_t)(0xe0 | cp >> 12);
			buf[o++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			buf[o++] = (uint8_t)(0x80 | (cp & 0x3f));
		}
	}
	return ks_probe_text(dst, cap, buf, o) || cut;
}

/* Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }: the first
 * commonName (2.5.4.3) and organizationName (2.5.4.10). */
static int name_attrs(struct ks_rd name, char *cn, size_t cncap, char *o, size_t ocap, bool *cut)
{
	static const uint8_t oid_cn[] = {0x55, 0x04, 0x03}, oid_o[] = {0x55, 0x04, 0x0a};
	for (unsigned i = 0; ks_rd_left(&name) > 0 && i < 64; i++) {
		struct ks_rd set;
		int rc = der_expect(&name, 0x31, &set, NULL, NULL);
		if (rc != 0)
			return rc;
		for (unsigned j = 0; ks_rd_left(&set) > 0 && j < 16; j++) {
			struct ks_rd atv, oid, val;
			uint8_t vt;
			rc = der_expect(&set, 0x30, &atv, NULL, NULL);
			if (rc == 0)
				rc = der_expect(&atv, 0x06, &oid, NULL, NULL);
			if (rc == 0)
				rc = der_tlv(&atv, &vt, &val, NULL, NULL);
			if (rc != 0)
				return rc;
			char *dst = NULL;
			size_t cap = 0;
			if (oid.len == 3 && memcmp(oid.base, oid_cn, 3) == 0)
				dst = cn, cap = cncap;
			else if (oid.len == 3 && memcmp(oid.base, oid_o, 3) == 0)
				dst = o, cap = ocap;
			if (dst && dst[0] == '\0')
				*cut |= dir_string(dst, cap, vt, val.base, val.len);
		}
	}
	return 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ (RFC 5280 4.1.2.5). */
static int der_time(struct ks_rd *r, int64_t *out)
{
	struct ks_rd c;
	uint8_t tag;
	int rc = der_tlv(r, &tag, &c, NULL, NULL);
	if (rc != 0)
		return rc;
	const uint8_t *p = c.base;
	size_t n = c.len, yd = tag == 0x17 ? 2 : 4;
	if ((tag != 0x17 && tag != 0x18) || n != yd + 11 || p[n - 1] != 'Z')
		return KS_EINVAL;
	uint64_t y, mo, d, h, mi, s;
	if (ks_probe_dec(p, yd, 4, &y) || ks_probe_dec(p + yd, 2, 2, &mo) ||
	    ks_probe_dec(p + yd + 2, 2, 2, &d) || ks_probe_dec(p + yd + 4, 2, 2, &h) ||
	    ks_probe_dec(p + yd + 6, 2, 2, &mi) || ks_probe_dec(p + yd + 8, 2, 2, &s))
		return KS_EINVAL;
	if (tag == 0x17)
		y += y < 50 ? 2000 : 1900;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
		return KS_EINVAL;
	*out = days_from_civil((int64_t)y, (unsigned)mo, (unsigned)d) * 86400 +
	       (int64_t)(h * 3600 + mi * 60 + s);
	return 0;
}

/* Bits of an RSAPublicKey modulus inside the SPKI BIT STRING. */
static unsigned rsa_bits(struct ks_rd bits)
{
	struct ks_rd seq, mod;
	if (ks_rd_u8(&bits) != 0 || der_expect(&bits, 0x30, &seq, NULL, NULL) != 0 ||
	    der_expect(&seq, 0x02, &mod, NULL, NULL) != 0)
		return 0;
	const uint8_t *p = mod.base;
	size_t n = mod.len;
	while (n > 0 && p[0] == 0)
		p++, n--;
	if (n == 0)
		return 0;
	unsigned b = 0;
	for (uint8_t v = p[0]; v; v >>= 1)
		b++;
	return (unsigned)((n - 1) * 8) + b;
}

int ks_x509_parse(const uint8_t *der, size_t n, struct ks_x509 *out)
{
	memset(out, 0, sizeof *out);
	out->sig_name = "";
	out->key_name = "";
	struct ks_rd r = ks_rd_make(der, n), cert, tbs, tmp, issuer, validity, subject, spki;
	const uint8_t *iraw = NULL, *sraw = NULL;
	size_t ilen = 0, slen = 0;
	const char *what = "Certificate SEQUENCE";
	int rc = der_expect(&r, 0x30, &cert, NULL, NULL);
	if (rc == 0) {
		what = "tbsCertificate SEQUENCE";
		rc = der_expect(&cert, 0x30, &tbs, NULL, NULL);
	}
	if (rc == 0) {
		what = "signatureAlgorithm";
		rc = alg_oid(&cert, out->sig_oid, sizeof out->sig_oid);
	}
	if (rc == 0) {
		what = "version";
		out->version = 1;
		if (ks_rd_has(&tbs, 1) && tbs.base[tbs.off] == 0xa0) {
			struct ks_rd v, vi;
			rc = der_expect(&tbs, 0xa0, &v, NULL, NULL);
			if (rc == 0)
				rc = der_expect(&v, 0x02, &vi, NULL, NULL);
			if (rc == 0 && (vi.len != 1 || vi.base[0] > 2))
				rc = KS_EINVAL;
			if (rc == 0)
				out->version = vi.base[0] + 1u;
		}
	}
	if (rc == 0) {
		what = "serialNumber";
		rc = der_expect(&tbs, 0x02, &tmp, NULL, NULL);
	}
	if (rc == 0) {
		what = "signature";
		rc = der_expect(&tbs, 0x30, &tmp, NULL, NULL);
	}
	if (rc == 0) {
		what = "issuer";
		rc = der_expect(&tbs, 0x30, &issuer, &iraw, &ilen);
	}
	if (rc == 0) {
		what = "validity";
		rc = der_expect(&tbs, 0x30, &validity, NULL, NULL);
	}
	if (rc == 0)
		rc = der_time(&validity, &out->not_before);
	if (rc == 0)
		rc = der_time(&validity, &out->not_after);
	if (rc == 0) {
		what = "subject";
		rc = der_expect(&tbs, 0x30, &subject, &sraw, &slen);
	}
	if (rc == 0) {
		what = "subjectPublicKeyInfo";
		rc = der_expect(&tbs, 0x30, &spki, NULL, NULL);
	}
	if (rc == 0)
		rc = alg_oid(&spki, out->key_oid, sizeof out->key_oid);
	if (rc == 0) {
		what = "issuer name attributes";
		rc = name_attrs(issuer, out->issuer_cn, sizeof out->issuer_cn, out->issuer_o,
				sizeof out->issuer_o, &out->truncated);
	}
	if (rc == 0) {
		what = "subject name attributes";
		rc = name_attrs(subject, out->subject_cn, sizeof out->subject_cn, out->subject_o,
				sizeof out->subject_o, &out->truncated);
	}
	if (rc != 0)
		return ks_probe_failed(&out->fail, rc, 0, what);

	const struct oid_name *s = oid_lookup(sig_algs, sizeof sig_algs / sizeof sig_algs[0], out->sig_oid);
	if (s) {
		out->sig_name = s->name;
		out->flags |= s->flag;
	}
	const struct oid_name *k = oid_lookup(key_algs, sizeof key_algs / sizeof key_algs[0], out->key_oid);
	if (k)
		out->key_name = k->name;
	if (strcmp(out->key_oid, "1.2.840.113549.1.1.1") == 0) {
		struct ks_rd bits;
		if (der_expect(&spki, 0x03, &bits, NULL, NULL) == 0)
			out->rsa_bits = rsa_bits(bits);
		if (out->rsa_bits > 0 && out->rsa_bits < 2048)
			out->flags |= KS_TLS_F_SMALL_KEY;
	}
	if (ilen == slen && memcmp(iraw, sraw, ilen) == 0)
		out->flags |= KS_TLS_F_SELF_SIGNED;
	return 0;
}

bool ks_x509_valid_at(const struct ks_x509 *c, int64_t now)
{
	return now >= c->not_before && now <= c->not_after;
}

/* ---- TLS ---------------------------------------------------------------- */

enum {
	REC_CCS = 20,
	REC_ALERT = 21,
	REC_HANDSHAKE = 22,
	HS_SERVER_HELLO = 2,
	HS_CERTIFICATE = 11,
	HS_SERVER_HELLO_DONE = 14,
	EXT_SUPPORTED_VERSIONS = 0x002b,
	EXT_KEY_SHARE = 0x0033,
};

static const struct {
	uint16_t id;
	bool weak;
	const char *name;
} suites[] = {
	{0x0000, true, "TLS_NULL_WITH_NULL_NULL"},
	{0x0003, true, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
	{0x0004, true, "TLS_RSA_WITH_RC4_128_MD5"},
	{0x0005, true, "TLS_RSA_WITH_RC4_128_SHA"},
	{0x0009, true, "TLS_RSA_WITH_DES_CBC_SHA"},
	{0x000a, true, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x0016, true, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x002f, false, "TLS_RSA_WITH_AES_128_CBC_SHA"},
	{0x0033, false, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
	{0x0035, false, "TLS_RSA_WITH_AES_256_CBC_SHA"},
	{0x0039, false, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
	{0x003c, false, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
	{0x009c, false, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009d, false, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
	{0x009e, false, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0x1301, false, "TLS_AES_128_GCM_SHA256"},
	{0x1302, false, "TLS_AES_256_GCM_SHA384"},
	{0x1303, false, "TLS_CHACHA20_POLY1305_SHA256"},
	{0xc007, true, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
	{0xc009, false, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
	{0xc00a, false, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
	{0xc011, true, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
	{0xc012, true, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0xc013, false, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
	{0xc014, false, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
	{0xc023, false, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256"},
	{0xc027, false, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"},
	{0xc02b, false, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
	{0xc02c, false, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"},
	{0xc02f, false, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0xc030, false, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0xcca8, false, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
	{0xcca9, false, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"},
};

const char *ks_tls_version_name(uint16_t v)
{
	switch (v) {
	case 0x0300:
		return "SSLv3";
	case 0x0301:
		return "TLSv1.0";
	case 0x0302:
		return "TLSv1.1";
	case 0x0303:
		return "TLSv1.2";
	case 0x0304:
		return "TLSv1.3";
	default:
		return "unknown";
	}
}

const char *ks_tls_group_name(uint16_t g)
{
	switch (g) {
	case 0x0017:
		return "secp256r1";
	case 0x0018:
		return "secp384r1";
	case 0x0019:
		return "secp521r1";
	case 0x001d:
		return "x25519";
	case 0x001e:
		return "x448";
	case 0x11eb:
		return "SecP256r1MLKEM768";
	case 0x11ec:
		return "X25519MLKEM768";
	case 0x11ed:
		return "SecP384r1MLKEM1024";
	case 0x6399:
		return "X25519Kyber768Draft00";
	default:
		return "";
	}
}

static bool pq_group(uint16_t g)
{
	return g == 0x11eb || g == 0x11ec || g == 0x11ed || g == 0x6399;
}

/* SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest. */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c};

static int server_hello(struct ks_tls *out, struct ks_rd b)
{
	uint16_t legacy = ks_rd_be16(&b);
	const uint8_t *random = ks_rd_bytes(&b, 32);
	uint8_t sid = ks_rd_u8(&b);
	if (sid > 32)
		return KS_EINVAL;
	ks_rd_skip(&b, sid);
	out->cipher = ks_rd_be16(&b);
	out->compression = ks_rd_u8(&b);
	if (ks_rd_err(&b))
		return KS_EINVAL;
	out->version = legacy;
	out->hello_retry = memcmp(random, hrr_random, 32) == 0;
	if (ks_rd_left(&b) > 0) {
		uint16_t elen = ks_rd_be16(&b);
		struct ks_rd exts = ks_rd_sub(&b, elen);
		for (unsigned i = 0; ks_rd_left(&exts) > 0 && i < 64; i++) {
			uint16_t type = ks_rd_be16(&exts), len = ks_rd_be16(&exts);
			struct ks_rd e = ks_rd_sub(&exts, len);
			if (type == EXT_SUPPORTED_VERSIONS && len == 2)
				out->version = ks_rd_be16(&e);
			else if (type == EXT_KEY_SHARE && len >= 2)
				out->key_share = ks_rd_be16(&e);
		}
		if (ks_rd_err(&exts) || ks_rd_err(&b))
			return KS_EINVAL;
	}
	out->have_hello = true;
	out->cipher_name = "";
	for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
		if (suites[i].id == out->cipher) {
			out->cipher_name = suites[i].name;
			if (suites[i].weak)
				out->flags |= KS_TLS_F_WEAK_CIPHER;
		}
	}
	if (out->version >= 0x0300 && out->version < 0x0303)
		out->flags |= KS_TLS_F_DEPRECATED_VERSION;
	if (pq_group(out->key_share))
		out->flags |= KS_TLS_F_PQ_KEX;
	return 0;
}

static int certificate(struct ks_tls *out, struct ks_rd b)
{
	if (!ks_rd_has(&b, 3))
		return KS_EINVAL;
	const uint8_t *l = ks_rd_bytes(&b, 3);
	size_t total = (size_t)l[0] << 16 | (size_t)l[1] << 8 | l[2];
	if (total != ks_rd_left(&b))
		return KS_EINVAL;
	for (unsigned i = 0; ks_rd_left(&b) > 0 && i < 16; i++) {
		if (!ks_rd_has(&b, 3))
			return KS_EINVAL;
		l = ks_rd_bytes(&b, 3);
		size_t len = (size_t)l[0] << 16 | (size_t)l[1] << 8 | l[2];
		const uint8_t *der = ks_rd_bytes(&b, len);
		if (der == NULL || len == 0)
			return KS_EINVAL;
		if (out->ncerts++ == 0) {
			out->cert_err = ks_x509_parse(der, len, &out->cert);
			if (out->cert_err == 0)
				out->flags |= out->cert.flags;
		}
	}
	out->have_cert = out->ncerts > 0;
	return 0;
}

/* Handles one handshake message. Returns 1 when the flight is complete,
 * 0 to go on, or a negative error. */
static int handshake(struct ks_tls *out, uint8_t type, struct ks_rd body)
{
	if (!out->have_hello && type != HS_SERVER_HELLO)
		return KS_EINVAL;
	switch (type) {
	case HS_SERVER_HELLO: {
		if (out->have_hello)
			return KS_EINVAL;
		int rc = server_hello(out, body);
		if (rc != 0)
			return rc;
		if (out->version == 0x0304 || out->hello_retry) {
			out->cert_encrypted = !out->hello_retry;
			return 1;
		}
		return 0;
	}
	case HS_CERTIFICATE:
		return certificate(out, body);
	case HS_SERVER_HELLO_DONE:
		out->hello_done = true;
		return 1;
	default:
		return 0; /* ServerKeyExchange, CertificateRequest, status ... */
	}
}

int ks_tls_parse(const uint8_t *p, size_t n, bool eof, struct ks_tls *out)
{
	memset(out, 0, sizeof *out);
	out->cipher_name = "";
	out->cert.sig_name = "";
	out->cert.key_name = "";
	if (n > KS_PROBE_MAX_BYTES)
		n = KS_PROBE_MAX_BYTES;
	int more = eof ? KS_ETRUNC : KS_EAGAIN;
	if (n > 0 && p[0] != REC_HANDSHAKE && p[0] != REC_ALERT)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "expected a TLS handshake or alert record");
	uint8_t hs[KS_TLS_HS_MAX];
	size_t hsn = 0, hsoff = 0;
	struct ks_rd r = ks_rd_make(p, n);
	for (unsigned records = 0;; records++) {
		size_t off = ks_rd_off(&r);
		if (records >= 256)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "more than 256 TLS records");
		if (!ks_rd_has(&r, 5))
			return ks_probe_failed(&out->fail, more, off, "TLS record header");
		uint8_t type = ks_rd_u8(&r);
		uint16_t ver = ks_rd_be16(&r), len = ks_rd_be16(&r);
		if (ver >> 8 != 3 || len == 0 || len > 16384 + 2048)
			return ks_probe_failed(&out->fail, KS_EINVAL, off, "TLS record version or length");
		if (!ks_rd_has(&r, len))
			return ks_probe_failed(&out->fail, more, off, "TLS record not complete");
		struct ks_rd frag = ks_rd_sub(&r, len);
		if (type == REC_ALERT) {
			if (len != 2)
				return ks_probe_failed(&out->fail, KS_EINVAL, off, "TLS alert is 2 bytes");
			out->alert = true;
			out->alert_level = ks_rd_u8(&frag);
			out->alert_desc = ks_rd_u8(&frag);
			return 0;
		}
		if (type == REC_CCS && out->have_hello)
			return 0; /* abbreviated handshake: no certificate in this flight */
		if (type != REC_HANDSHAKE)
			return ks_probe_failed(&out->fail, KS_EINVAL, off, "unexpected TLS record type");
		if (hsn + len > sizeof hs)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "TLS handshake over 32 KiB");
		memcpy(hs + hsn, frag.base, len);
		hsn += len;
		while (hsn - hsoff >= 4) {
			uint8_t mt = hs[hsoff];
			size_t ml = (size_t)hs[hsoff + 1] << 16 | (size_t)hs[hsoff + 2] << 8 | hs[hsoff + 3];
			if (ml > sizeof hs - 4)
				return ks_probe_failed(&out->fail, KS_ELIMIT, off,
						       "TLS handshake message over 32 KiB");
			if (hsn - hsoff - 4 < ml)
				break;
			int rc = handshake(out, mt, ks_rd_make(hs + hsoff + 4, ml));
			if (rc < 0)
				return ks_probe_failed(&out->fail, rc, off,
						       out->have_hello ? "TLS handshake message"
								       : "TLS ServerHello");
			if (rc == 1)
				return 0;
			hsoff += 4 + ml;
		}
	}
}

/* ---- ClientHello ------------------------------------------------------- */

static const uint16_t hello_suites[] = {
	0x1301, 0x1302, 0x1303,                         /* TLS 1.3 */
	0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, /* ECDHE AEAD */
	0x009e, 0x009f, 0x009c, 0x009d,                 /* DHE/RSA AEAD */
	0xc009, 0xc013, 0xc00a, 0xc014, 0xc023, 0xc027, /* ECDHE CBC */
	0x0033, 0x0039, 0x002f, 0x0035, 0x003c, 0x003d, /* DHE/RSA CBC */
	0xc012, 0x0016, 0x000a,                         /* 3DES */
	0xc011, 0xc007, 0x0005, 0x0004,                 /* RC4 */
};

static const uint16_t hello_sigalgs[] = {
	0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0807, 0x0201, 0x0203,
};

struct wbuf {
	uint8_t *p;
	size_t cap, n;
	bool over;
};

static void w8(struct wbuf *w, unsigned v)
{
	if (w->n < w->cap)
		w->p[w->n] = (uint8_t)v;
	else
		w->over = true;
	w->n++;
}
static void w16(struct wbuf *w, unsigned v)
{
	w8(w, v >> 8);
	w8(w, v & 0xff);
}
static void wbytes(struct wbuf *w, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		w8(w, ((const uint8_t *)p)[i]);
}
/* Fills a 2-byte length written earlier at off with the bytes since. */
static void wlen16(struct wbuf *w, size_t off)
{
	size_t len = w->n - off - 2;
	if (off + 1 < w->cap) {
		w->p[off] = (uint8_t)(len >> 8);
		w->p[off + 1] = (uint8_t)len;
	}
}

int ks_tls_client_hello(uint8_t *buf, size_t cap, const struct ks_tls_hello_opts *o, size_t *len)
{
	bool v13 = o->max_version == 0x0304;
	if (o->max_version != 0x0303 && !v13)
		return KS_EINVAL;
	size_t sl = o->sni ? strlen(o->sni) : 0;
	if (o->sni && (sl == 0 || sl > 255))
		return KS_EINVAL;
	for (size_t i = 0; i < sl; i++) {
		char c = o->sni[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			return KS_EINVAL;
	}
	struct wbuf w = {buf, cap, 0, false};
	w8(&w, REC_HANDSHAKE);
	w16(&w, 0x0301); /* record version: what old servers expect */
	size_t rec = w.n;
	w16(&w, 0);
	w8(&w, 1); /* client_hello */
	size_t hs = w.n;
	w8(&w, 0);
	w16(&w, 0);
	w16(&w, 0x0303);
	wbytes(&w, o->random, 32);
	w8(&w, 0); /* no session id */
	size_t first = v13 ? 0 : 3; /* TLS 1.3 suites only when offering 1.3 */
	w16(&w, (unsigned)((sizeof hello_suites / 2 - first) * 2));
	for (size_t i = first; i < sizeof hello_suites / 2; i++)
		w16(&w, hello_suites[i]);
	w8(&w, 1);
	w8(&w, 0); /* null compression */
	size_t exts = w.n;
	w16(&w, 0);
	if (o->sni) {
		w16(&w, 0x0000);
		w16(&w, (unsigned)(sl + 5));
		w16(&w, (unsigned)(sl + 3));
		w8(&w, 0); /* host_name */
		w16(&w, (unsigned)sl);
		wbytes(&w, o->sni, sl);
	}
	/* supported_groups */
	static const uint16_t groups[] = {0x001d, 0x0017, 0x0018, 0x0019};
	bool pq = v13 && o->offer_pq;
	size_t ng = sizeof groups / 2 + (pq ? 1 : 0);
	w16(&w, 0x000a);
	w16(&w, (unsigned)(2 + 2 * ng));
	w16(&w, (unsigned)(2 * ng));
	if (pq)
		w16(&w, 0x11ec);
	for (size_t i = 0; i < sizeof groups / 2; i++)
		w16(&w, groups[i]);
	/* ec_point_formats: uncompressed */
	w16(&w, 0x000b);
	w16(&w, 2);
	w8(&w, 1);
	w8(&w, 0);
	/* signature_algorithms */
	w16(&w, 0x000d);
	w16(&w, (unsigned)(2 + sizeof hello_sigalgs));
	w16(&w, (unsigned)sizeof hello_sigalgs);
	for (size_t i = 0; i < sizeof hello_sigalgs / 2; i++)
		w16(&w, hello_sigalgs[i]);
	if (v13) {
		w16(&w, EXT_SUPPORTED_VERSIONS);
		w16(&w, 5);
		w8(&w, 4);
		w16(&w, 0x0304);
		w16(&w, 0x0303);
		w16(&w, EXT_KEY_SHARE);
		w16(&w, 2 + 4 + 32);
		w16(&w, 4 + 32);
		w16(&w, 0x001d);
		w16(&w, 32);
		wbytes(&w, o->x25519_share, 32);
	}
	if (w.over)
		return KS_ELIMIT;
	wlen16(&w, exts);
	wlen16(&w, rec);
	size_t hl = w.n - hs - 3;
	buf[hs] = (uint8_t)(hl >> 16);
	buf[hs + 1] = (uint8_t)(hl >> 8);
	buf[hs + 2] = (uint8_t)hl;
	*len = w.n;
	return 0;
}
