/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the NTP reply parser. The transmit timestamp it expects
 * is read from the input's own origin field when present, so both matching
 * and non-matching replies are reached. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_ntp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_ntp t;
	uint64_t xmt = 0;
	for (size_t i = 24; i < 32 && i < size; i++)
		xmt = xmt << 8 | data[i];
	int rc = ks_ntp_parse(data, size, xmt, &t);
	check(rc == 0 || rc == KS_EINVAL || rc == KS_ETRUNC);
	check(rc == 0 ? t.mode == 4 && strlen(t.refid_text) < sizeof t.refid_text
		      : t.fail.what != NULL && t.fail.off <= size);
	check(rc != 0 || t.origin_matches == (size >= 32));
	return 0;
}
