/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the MQTT CONNACK parser: the input is the broker's reply,
 * parsed for both protocol levels, as a stream that may continue and as one
 * that ended. Return codes must be from the contract; a success must name
 * its code and lie within the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_mqtt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_mqtt m;
	for (unsigned level = KS_MQTT_V311; level <= KS_MQTT_V5; level++) {
		for (int eof = 0; eof < 2; eof++) {
			int rc = ks_mqtt_parse(data, size, eof, level, &m);
			check(rc == 0 || rc == KS_EINVAL || rc == (eof ? KS_ETRUNC : KS_EAGAIN));
			check(rc == 0 ? m.len <= size && m.len >= 4 && m.code_name[0] != '\0'
				      : m.fail.what != NULL && m.fail.off <= size);
			check(ks_mqtt_verdict_name(m.verdict) != NULL);
		}
	}
	return 0;
}
