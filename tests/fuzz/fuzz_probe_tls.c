/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the TLS first-flight parser and the DER certificate
 * walker: the input goes to both (a certificate-shaped input exercises the
 * walker directly; a flight-shaped one reaches it through the Certificate
 * message). Return codes must be from the contract and text fields
 * terminated within their arrays. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

static void check_cert(const struct ks_x509 *c)
{
	check(strlen(c->subject_cn) < sizeof c->subject_cn && strlen(c->issuer_o) < sizeof c->issuer_o);
	check(strlen(c->sig_oid) < sizeof c->sig_oid && c->sig_name != NULL && c->key_name != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ks_tls t;
	static struct ks_x509 c;
	for (int eof = 0; eof < 2; eof++) {
		int rc = ks_tls_parse(data, size, eof, &t);
		check(rc == 0 || rc == KS_EINVAL || rc == KS_ELIMIT ||
		      rc == (eof ? KS_ETRUNC : KS_EAGAIN));
		check(rc == 0 ? t.fail.what == NULL && (t.alert || t.have_hello)
			      : t.fail.what != NULL && t.fail.off <= size);
		check(t.cipher_name != NULL);
		check_cert(&t.cert);
	}
	int rc = ks_x509_parse(data, size, &c);
	check(rc == 0 || rc == KS_EINVAL || rc == KS_ETRUNC || rc == KS_ELIMIT);
	check_cert(&c);
	return 0;
}
