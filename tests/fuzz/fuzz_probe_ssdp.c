/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the SSDP reply parser and the UPnP description scanner:
 * the same input goes to both. Return codes must be from the contract and
 * text fields terminated within their arrays. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_ssdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ks_ssdp s;
	static struct ks_upnp_desc d;
	int rc = ks_ssdp_parse(data, size, &s);
	check(rc == 0 || rc == KS_EINVAL || rc == KS_ETRUNC || rc == KS_ELIMIT);
	check(rc == 0 ? s.fail.what == NULL : s.fail.what != NULL && s.fail.off <= size);
	check(strlen(s.location) < sizeof s.location && strlen(s.usn) < sizeof s.usn);
	rc = ks_upnp_desc_parse(data, size, &d);
	check(rc == 0 || rc == KS_EINVAL);
	check(rc != 0 || d.manufacturer[0] || d.model_name[0] || d.friendly_name[0] ||
	      d.model_number[0] || d.device_type[0] || d.model_description[0]);
	check(strlen(d.manufacturer) < sizeof d.manufacturer);
	return 0;
}
