/* SPDX-License-Identifier: BSD-2-Clause */
/* SSH identification and KEXINIT parser (see probe_ssh.h). */
#include "probe_ssh.h"

#include <string.h>

#define SSH_MSG_KEXINIT 20

static const char *const list_names[KS_SSH__LISTS] = {
	"kex",     "hostkey", "enc_c2s",  "enc_s2c",  "mac_c2s",
	"mac_s2c", "comp_c2s", "comp_s2c", "lang_c2s", "lang_s2c",
};

const char *ks_ssh_list_name(enum ks_ssh_list l)
{
	return (unsigned)l < KS_SSH__LISTS ? list_names[l] : "?";
}

/* How a table entry matches a name. */
enum { EXACT, PREFIX, SUFFIX };

struct algo {
	uint8_t list; /* KS_SSH_KEX, KS_SSH_HOSTKEY, KS_SSH_ENC_C2S (any enc), KS_SSH_MAC_C2S (any mac) */
	uint8_t match;
	uint32_t flag;
	const char *name;
	const char *note;
};

static const struct algo algos[] = {
	{KS_SSH_KEX, EXACT, KS_SSH_F_DEPRECATED_KEX, "diffie-hellman-group1-sha1", "1024-bit group, SHA-1 (RFC 9142: MUST NOT)"},
	{KS_SSH_KEX, EXACT, KS_SSH_F_DEPRECATED_KEX, "diffie-hellman-group14-sha1", "SHA-1 (RFC 9142: SHOULD NOT)"},
	{KS_SSH_KEX, EXACT, KS_SSH_F_DEPRECATED_KEX, "diffie-hellman-group-exchange-sha1", "SHA-1 (RFC 9142: SHOULD NOT)"},
	{KS_SSH_KEX, EXACT, KS_SSH_F_DEPRECATED_KEX, "rsa1024-sha1", "1024-bit RSA, SHA-1 (RFC 9142: MUST NOT)"},
	{KS_SSH_KEX, PREFIX, KS_SSH_F_DEPRECATED_KEX, "gss-group1-sha1-", "1024-bit group, SHA-1"},
	{KS_SSH_KEX, EXACT, KS_SSH_F_PQ_KEX, "sntrup761x25519-sha512@openssh.com", "post-quantum hybrid"},
	{KS_SSH_KEX, EXACT, KS_SSH_F_PQ_KEX, "sntrup761x25519-sha512", "post-quantum hybrid"},
	{KS_SSH_KEX, EXACT, KS_SSH_F_PQ_KEX, "mlkem768x25519-sha256", "post-quantum hybrid (ML-KEM)"},
	{KS_SSH_KEX, EXACT, KS_SSH_F_PQ_KEX, "mlkem768nistp256-sha256", "post-quantum hybrid (ML-KEM)"},
	{KS_SSH_KEX, EXACT, KS_SSH_F_PQ_KEX, "mlkem1024nistp384-sha384", "post-quantum hybrid (ML-KEM)"},
	{KS_SSH_KEX, EXACT, KS_SSH_F_STRICT_KEX, "kex-strict-s-v00@openssh.com", "strict key exchange (CVE-2023-48795 fix)"},
	{KS_SSH_HOSTKEY, EXACT, KS_SSH_F_DEPRECATED_HOSTKEY, "ssh-dss", "DSA, 1024-bit, SHA-1"},
	{KS_SSH_HOSTKEY, EXACT, KS_SSH_F_DEPRECATED_HOSTKEY, "ssh-rsa", "RSA with SHA-1 signatures (RFC 8332)"},
	{KS_SSH_HOSTKEY, PREFIX, KS_SSH_F_DEPRECATED_HOSTKEY, "ssh-dss-cert-", "DSA certificate"},
	{KS_SSH_HOSTKEY, PREFIX, KS_SSH_F_DEPRECATED_HOSTKEY, "ssh-rsa-cert-", "RSA certificate with SHA-1 signatures"},
	{KS_SSH_HOSTKEY, EXACT, KS_SSH_F_DEPRECATED_HOSTKEY, "x509v3-sign-dss", "DSA"},
	{KS_SSH_HOSTKEY, EXACT, KS_SSH_F_DEPRECATED_HOSTKEY, "x509v3-sign-rsa", "RSA with SHA-1 signatures"},
	{KS_SSH_ENC_C2S, SUFFIX, KS_SSH_F_DEPRECATED_CIPHER, "-cbc", "CBC mode (plaintext recovery attacks)"},
	{KS_SSH_ENC_C2S, EXACT, KS_SSH_F_DEPRECATED_CIPHER, "rijndael-cbc@lysator.liu.se", "CBC mode"},
	{KS_SSH_ENC_C2S, PREFIX, KS_SSH_F_DEPRECATED_CIPHER, "arcfour", "RC4 (RFC 8758: MUST NOT)"},
	{KS_SSH_ENC_C2S, EXACT, KS_SSH_F_DEPRECATED_CIPHER, "none", "no encryption"},
	{KS_SSH_ENC_C2S, PREFIX, KS_SSH_F_DEPRECATED_CIPHER, "des", "single DES"},
	{KS_SSH_MAC_C2S, PREFIX, KS_SSH_F_DEPRECATED_MAC, "hmac-md5", "MD5"},
	{KS_SSH_MAC_C2S, SUFFIX, KS_SSH_F_DEPRECATED_MAC, "-96", "96-bit tag"},
	{KS_SSH_MAC_C2S, SUFFIX, KS_SSH_F_DEPRECATED_MAC, "-96@openssh.com", "96-bit tag"},
	{KS_SSH_MAC_C2S, EXACT, KS_SSH_F_DEPRECATED_MAC, "none", "no integrity"},
};

/* The table names one family per list pair: c2s and s2c share entries. */
static uint8_t family(enum ks_ssh_list l)
{
	switch (l) {
	case KS_SSH_ENC_S2C:
		return KS_SSH_ENC_C2S;
	case KS_SSH_MAC_S2C:
		return KS_SSH_MAC_C2S;
	default:
		return (uint8_t)l;
	}
}

uint32_t ks_ssh_classify(enum ks_ssh_list l, const char *name, size_t n, const char **note)
{
	uint8_t fam = family(l);
	for (size_t i = 0; i < sizeof algos / sizeof algos[0]; i++) {
		const struct algo *a = &algos[i];
		size_t k = strlen(a->name);
		if (a->list != fam)
			continue;
		bool hit = false;
		if (a->match == EXACT)
			hit = n == k && memcmp(name, a->name, k) == 0;
		else if (a->match == PREFIX)
			hit = n >= k && memcmp(name, a->name, k) == 0;
		else
			hit = n > k && memcmp(name + n - k, a->name, k) == 0;
		if (hit) {
			if (note)
				*note = a->note;
			return a->flag;
		}
	}
	if (note)
		*note = NULL;
	return 0;
}

#define DEPRECATED_MASK                                                                  \
	(KS_SSH_F_DEPRECATED_KEX | KS_SSH_F_DEPRECATED_HOSTKEY | KS_SSH_F_DEPRECATED_CIPHER | \
	 KS_SSH_F_DEPRECATED_MAC)

/* Appends name to out->flagged once ("a,b"); names that do not fit are left
 * out and set truncated. */
static void add_flagged(struct ks_ssh *out, const char *name, size_t n)
{
	size_t have = strlen(out->flagged);
	const char *f = out->flagged;
	for (size_t i = 0; i < have;) {
		size_t e = i;
		while (e < have && f[e] != ',')
			e++;
		if (e - i == n && memcmp(f + i, name, n) == 0)
			return;
		i = e + 1;
	}
	size_t need = n + (have ? 1 : 0);
	if (have + need + 1 > sizeof out->flagged) {
		out->truncated = true;
		return;
	}
	if (have)
		out->flagged[have++] = ',';
	memcpy(out->flagged + have, name, n);
	out->flagged[have + n] = '\0';
}

static void classify_list(struct ks_ssh *out, enum ks_ssh_list l, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t e = i;
		while (e < n && p[e] != ',')
			e++;
		uint32_t f = ks_ssh_classify(l, (const char *)p + i, e - i, NULL);
		out->flags |= f;
		if (f & DEPRECATED_MASK)
			add_flagged(out, (const char *)p + i, e - i);
		i = e + 1;
	}
}

/* Splits "SSH-proto-software SP comments" (line without CR LF). */
static int parse_ident(struct ks_ssh *out, const uint8_t *line, size_t len, size_t off)
{
	const uint8_t *proto = line + 4;
	size_t rest = len - 4;
	const uint8_t *dash = memchr(proto, '-', rest);
	if (dash == NULL || dash == proto)
		return ks_probe_failed(&out->fail, KS_EINVAL, off + 4,
				       "SSH identification: expected protoversion '-' softwareversion");
	size_t plen = (size_t)(dash - proto);
	const uint8_t *sw = dash + 1;
	size_t swlen = rest - plen - 1;
	const uint8_t *sp = memchr(sw, ' ', swlen);
	size_t swend = sp ? (size_t)(sp - sw) : swlen;
	if (swend == 0)
		return ks_probe_failed(&out->fail, KS_EINVAL, off + 5 + plen,
				       "SSH identification: empty softwareversion");
	out->truncated |= ks_probe_text(out->proto, sizeof out->proto, proto, plen);
	ks_probe_text(out->software, sizeof out->software, sw, swend);
	if (sp)
		ks_probe_text(out->comments, sizeof out->comments, sp + 1, swlen - swend - 1);
	if (plen >= 2 && proto[0] == '1' && proto[1] == '.' && !ks_probe_ieq(proto, plen, "1.99"))
		out->flags |= KS_SSH_F_PROTO1;
	out->have_ident = true;
	return 0;
}

static int incomplete(struct ks_ssh *out, bool eof, size_t off, const char *what)
{
	return ks_probe_failed(&out->fail, eof ? KS_ETRUNC : KS_EAGAIN, off, what);
}

int ks_ssh_parse(const uint8_t *p, size_t n, bool eof, struct ks_ssh *out)
{
	memset(out, 0, sizeof *out);
	if (n > KS_PROBE_MAX_BYTES)
		n = KS_PROBE_MAX_BYTES;
	struct ks_rd r = ks_rd_make(p, n);

	/* Identification, after up to KS_SSH_PRE_LINES_MAX other lines. */
	for (;;) {
		const uint8_t *line;
		size_t len, off = ks_rd_off(&r);
		int rc = ks_probe_line(&r, KS_SSH_IDENT_MAX, &line, &len);
		if (rc == KS_EAGAIN)
			return incomplete(out, eof, off, "SSH identification line not complete");
		if (rc != 0)
			return ks_probe_failed(&out->fail, KS_EINVAL, off,
					       "line longer than 255 bytes before SSH identification");
		if (len >= 4 && memcmp(line, "SSH-", 4) == 0) {
			rc = parse_ident(out, line, len, off);
			if (rc != 0)
				return rc;
			break;
		}
		if (++out->pre_lines > KS_SSH_PRE_LINES_MAX)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off,
					       "too many lines before SSH identification");
	}

	/* The KEXINIT packet. */
	size_t pkt_off = ks_rd_off(&r);
	if (!ks_rd_has(&r, 5))
		return incomplete(out, eof, pkt_off, "SSH binary packet header");
	uint32_t plen = ks_rd_be32(&r);
	uint8_t padlen = ks_rd_u8(&r);
	if (plen < 5 + 1 || plen > KS_SSH_PACKET_MAX || padlen < 4 || padlen >= plen)
		return ks_probe_failed(&out->fail, KS_EINVAL, pkt_off,
				       "SSH packet_length/padding_length out of range");
	if (!ks_rd_has(&r, plen - 1))
		return incomplete(out, eof, pkt_off, "SSH KEXINIT packet not complete");
	size_t body_off = ks_rd_off(&r);
	struct ks_rd pl = ks_rd_sub(&r, plen - 1 - padlen);
	if (ks_rd_u8(&pl) != SSH_MSG_KEXINIT)
		return ks_probe_failed(&out->fail, KS_EINVAL, body_off,
				       "expected SSH_MSG_KEXINIT (20)");
	ks_rd_skip(&pl, 16); /* cookie */
	for (int l = 0; l < KS_SSH__LISTS; l++) {
		size_t loff = body_off + ks_rd_off(&pl);
		uint32_t llen = ks_rd_be32(&pl);
		const uint8_t *names = ks_rd_bytes(&pl, llen);
		if (names == NULL)
			return ks_probe_failed(&out->fail, KS_EINVAL, loff,
					       "SSH name-list longer than the KEXINIT payload");
		out->truncated |= ks_probe_text(out->lists[l], sizeof out->lists[l], names, llen);
		classify_list(out, (enum ks_ssh_list)l, names, llen);
	}
	out->first_kex_follows = ks_rd_u8(&pl) != 0;
	(void)ks_rd_be32(&pl); /* reserved */
	if (ks_rd_err(&pl))
		return ks_probe_failed(&out->fail, KS_EINVAL, body_off + ks_rd_off(&pl),
				       "SSH KEXINIT ends before first_kex_packet_follows/reserved");
	out->have_kexinit = true;
	return 0;
}
