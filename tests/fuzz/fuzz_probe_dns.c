/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the DNS response parser. The ID it expects is taken from
 * the input itself, so most inputs get past the ID check into the question
 * and answer sections. An open resolver verdict must agree with the header
 * fields it is defined by. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_dns d;
	uint16_t id = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 0;
	int rc = ks_dns_parse(data, size, id, "example.com", &d);
	check(rc == 0 || rc == KS_EINVAL || rc == KS_ETRUNC);
	check(rc == 0 ? d.fail.what == NULL : d.fail.what != NULL && d.fail.off <= size);
	if (rc == 0) {
		check(d.open_resolver == (d.rcode == 0 && d.ra && d.ancount > 0));
		check(d.answers_a <= d.ancount && d.answers_a <= KS_DNS_ANSWERS_MAX);
	}
	return 0;
}
