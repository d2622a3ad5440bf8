/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the credential list parser (src/check/cred_list.c) and
 * the telnet login heuristics (cred_telnet.h) over the same bytes. Either
 * the list parses, and then every pair is well formed (user 1..64 bytes,
 * password 0..64, no control bytes, no duplicates, lines increasing), or
 * it fails with a message naming the file and nothing is added. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cred_list.h"
#include "cred_telnet.h"
#include "ks_err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 16384

static void check(int ok)
{
	if (!ok)
		abort();
}

static int clean(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	if (n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)s[i] < 0x20 || (uint8_t)s[i] == 0x7f)
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_INPUT)
		return 0;
	struct ks_cred_list l;
	char err[256];
	ks_cred_list_init(&l);
	int r = ks_cred_list_parse(&l, (const char *)data, size, "f", err, sizeof err);
	if (r != 0) {
		check(r == KS_EINVAL || r == KS_ELIMIT);
		check(strncmp(err, "f:", 2) == 0 && l.n == 0);
	} else {
		for (size_t i = 0; i < l.n; i++) {
			check(l.v[i].user[0] != '\0' && clean(l.v[i].user, KS_CRED_USER_MAX));
			check(clean(l.v[i].pass, KS_CRED_PASS_MAX));
			check(i == 0 || l.v[i].line > l.v[i - 1].line);
			for (size_t k = 0; k < i && k < 64; k++)
				check(strcmp(l.v[i].user, l.v[k].user) != 0 ||
				      strcmp(l.v[i].pass, l.v[k].pass) != 0);
		}
	}
	ks_cred_list_release(&l);

	enum ks_cred_tn_prompt p = ks_cred_tn_prompt(data, size);
	check(p <= KS_CRED_TN_SHELL);
	for (int eof = 0; eof < 2; eof++) {
		enum ks_cred_tn_verdict v = ks_cred_tn_decide(data, size, eof);
		check(v <= KS_CRED_TN_REJECTED);
		check(!eof || v != KS_CRED_TN_PENDING);
		if (ks_cred_tn_failed(data, size))
			check(v == KS_CRED_TN_REJECTED);
	}
	return 0;
}
