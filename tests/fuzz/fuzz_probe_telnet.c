/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the telnet probe parser. The input is fed whole and then
 * again split at every 7th byte; both runs must produce the same replies,
 * data and prompt, and never exceed the caps. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_telnet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ks_telnet a, b;
	ks_telnet_init(&a);
	ks_telnet_feed(&a, data, size);
	ks_telnet_init(&b);
	for (size_t i = 0; i < size; i += 7)
		ks_telnet_feed(&b, data + i, size - i < 7 ? size - i : 7);
	check(a.out_len <= KS_TELNET_OUT_MAX && a.data_len <= KS_TELNET_DATA_MAX);
	check(a.out_len == b.out_len && memcmp(a.out, b.out, a.out_len) == 0);
	check(a.data_len == b.data_len && memcmp(a.data, b.data, a.data_len) == 0);
	check(a.data_len + a.dropped <= size);
	check(ks_telnet_prompt(&a) == ks_telnet_prompt(&b));
	check(ks_telnet_prompt_name(ks_telnet_prompt(&a)) != NULL);
	return 0;
}
