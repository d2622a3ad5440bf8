/* SPDX-License-Identifier: BSD-2-Clause */
/* TLS probe parser: the server's first flight (ServerHello, and for TLS 1.2
 * and older the Certificate message) and a bounded DER walker that pulls
 * from the leaf certificate what the survey reports: subject and issuer CN
 * and O, validity, self-signed, signature and key algorithms. No crypto
 * library: nothing is verified, only read.
 * specification: RFC 8446 sections 4.1.3 (ServerHello), 4.2.1
 * (supported_versions), 4.2.8 (key_share), 5.1 (records); RFC 5246 section
 * 7.4 (TLS 1.2 handshake, Certificate); RFC 5280 section 4.1 (certificate
 * syntax); X.690 (DER).
 *
 *   record:    type(1) version(2) length(2) fragment   (type 22 handshake, 21 alert)
 *   handshake: msg_type(1) length(3) body              (may span records)
 *   Certificate (<= 1.2): certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>
 *   Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
 *   tbsCertificate ::= SEQUENCE { [0] version, serial, signature, issuer,
 *                                 validity, subject, subjectPublicKeyInfo, ... }
 *
 * ks_tls_parse() is complete (returns 0) when: the server sent an alert; or
 * a TLS 1.3 ServerHello (everything after it is encrypted: cert_encrypted);
 * or ServerHelloDone (TLS <= 1.2). A certificate the walker cannot read
 * does not fail the parse: cert_err and cert.fail say why. Handshake bytes
 * beyond KS_TLS_HS_MAX are not reassembled (KS_ELIMIT). Failures inside a
 * handshake message report the offset of the record that completed it. */
#ifndef KS_PROBE_TLS_H
#define KS_PROBE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define KS_TLS_HS_MAX 32768   /* handshake bytes reassembled */

/* Bits of struct ks_tls.flags and struct ks_x509.flags. */
#define KS_TLS_F_DEPRECATED_VERSION 0x01u /* SSL 3.0, TLS 1.0, TLS 1.1 (RFC 8996) */
#define KS_TLS_F_WEAK_CIPHER 0x02u        /* NULL, EXPORT, RC4, DES, 3DES suites */
#define KS_TLS_F_WEAK_SIGNATURE 0x04u     /* MD2/MD5/SHA-1 certificate signature */
#define KS_TLS_F_SELF_SIGNED 0x08u        /* subject == issuer */
#define KS_TLS_F_SMALL_KEY 0x10u          /* RSA key under 2048 bits */
#define KS_TLS_F_PQ_KEX 0x20u             /* hybrid post-quantum key share */
#define KS_TLS_F_PQ_SIGNATURE 0x40u       /* ML-DSA certificate signature */

struct ks_x509 {
	unsigned version;      /* 1..3 */
	char subject_cn[128], subject_o[128];
	char issuer_cn[128], issuer_o[128];
	int64_t not_before, not_after; /* Unix seconds, UTC */
	char sig_oid[64];      /* dotted, e.g. "1.2.840.113549.1.1.11" */
	const char *sig_name;  /* static; "" when unknown */
	char key_oid[64];      /* subjectPublicKeyInfo algorithm, dotted */
	const char *key_name;  /* static; "" when unknown */
	unsigned rsa_bits;     /* RSA modulus size; 0 for other keys */
	uint32_t flags;        /* KS_TLS_F_WEAK_SIGNATURE, SELF_SIGNED, SMALL_KEY, PQ_SIGNATURE */
	bool truncated;
	struct ks_probe_fail fail;
};

struct ks_tls {
	bool have_hello, hello_retry, have_cert, cert_encrypted, hello_done;
	uint16_t version;        /* negotiated (supported_versions wins over legacy_version) */
	uint16_t cipher;
	const char *cipher_name; /* static; "" when not in our table */
	uint8_t compression;
	uint16_t key_share;      /* TLS 1.3 key exchange group; 0 if none */
	bool alert;
	uint8_t alert_level, alert_desc;
	unsigned ncerts;         /* certificates in the chain */
	int cert_err;            /* 0, or why the leaf could not be read */
	struct ks_x509 cert;     /* the leaf, when have_cert and cert_err == 0 */
	uint32_t flags;          /* KS_TLS_F_*, including the leaf's */
	struct ks_probe_fail fail;
};

/* Parses the server's bytes (eof: peer closed). Return codes as in probe.h. */
int ks_tls_parse(const uint8_t *p, size_t n, bool eof, struct ks_tls *out);

/* Reads one DER certificate. Returns 0, KS_EINVAL (not DER / not a
 * certificate, or a length form DER forbids) or KS_ETRUNC (shorter than
 * its lengths say). The walk has a fixed depth (no recursion) and every
 * loop over attributes is capped. der is only borrowed. */
int ks_x509_parse(const uint8_t *der, size_t n, struct ks_x509 *out);

/* True when now (Unix seconds) is inside [not_before, not_after]. */
bool ks_x509_valid_at(const struct ks_x509 *c, int64_t now);

/* What the probe's ClientHello offers. */
struct ks_tls_hello_opts {
	uint16_t max_version;     /* 0x0303: TLS 1.0-1.2 only, so the certificate comes
				   * in clear; 0x0304: TLS 1.3 too (inventory of
				   * version, cipher and group; the certificate is encrypted) */
	uint8_t random[32];       /* caller's random bytes */
	uint8_t x25519_share[32]; /* TLS 1.3 only: an X25519 public value; any 32 bytes
				   * do for a probe that never finishes the handshake */
	bool offer_pq;            /* TLS 1.3: list X25519MLKEM768 first in
				   * supported_groups without a share for it; a server
				   * that prefers it answers with a HelloRetryRequest
				   * naming it, which ks_tls_parse() reports */
	const char *sni;          /* server_name, or NULL (addresses are not sent) */
};

/* Writes a ClientHello record to buf: a broad cipher list (modern suites
 * first, then CBC, 3DES and RC4, so that old servers still answer and
 * their weakness shows), supported_groups, ec_point_formats,
 * signature_algorithms, and for TLS 1.3 supported_versions and key_share.
 * Returns 0 and *len, KS_EINVAL (bad version, sni empty, over 255 bytes or
 * with bytes outside [A-Za-z0-9.-]), or KS_ELIMIT (cap too small; 512 bytes
 * always suffice). */
int ks_tls_client_hello(uint8_t *buf, size_t cap, const struct ks_tls_hello_opts *o, size_t *len);

/* Stable names: "SSLv3", "TLSv1.0" ... "TLSv1.3", or "unknown". */
const char *ks_tls_version_name(uint16_t v);
/* Key-exchange group name ("x25519", "X25519MLKEM768" ...) or "". */
const char *ks_tls_group_name(uint16_t g);

#endif
