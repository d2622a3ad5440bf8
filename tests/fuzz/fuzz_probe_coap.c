/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the CoAP reply parser. The message id and token it
 * expects are read from the input itself, so most inputs get past those
 * checks into the options and the link-format payload. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_coap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_coap c;
	uint16_t id = size >= 4 ? (uint16_t)(data[2] << 8 | data[3]) : 0;
	uint32_t tok = 0;
	for (size_t i = 4; i < 8 && i < size; i++)
		tok = tok << 8 | data[i];
	int rc = ks_coap_parse(data, size, id, tok, &c);
	check(rc == 0 || rc == KS_EINVAL || rc == KS_ETRUNC || rc == KS_ELIMIT);
	check(rc == 0 ? strlen(c.paths) < sizeof c.paths : c.fail.what != NULL && c.fail.off <= size);
	return 0;
}
