/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for ks_grab_url_resolve (grab_int.h): the input is a URL a
 * device sent (HTTP Location, SSDP LOCATION). A resolved URL must give a
 * non-zero port and a path that starts with '/', is NUL-terminated within
 * its buffer and holds no control character or space; every other result
 * must be KS_EDECLINED or KS_EINVAL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grab_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ks_addr a;
	ks_addr_from_v4(&a, 0xc0000207); /* 192.0.2.7 */
	static const size_t caps[] = {1, 2, 16, GRAB_PATH_MAX};
	for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
		char path[GRAB_PATH_MAX + 1];
		memset(path, 'x', sizeof path);
		uint16_t port = 0;
		int rc = ks_grab_url_resolve((const char *)data, size, &a, 8080, &port, path, caps[c]);
		check(rc == 0 || rc == KS_EDECLINED || rc == KS_EINVAL);
		check(path[caps[c]] == 'x'); /* nothing written past the cap */
		if (rc != 0)
			continue;
		size_t n = strnlen(path, caps[c]);
		check(n < caps[c] && n >= 1 && path[0] == '/' && port != 0);
		for (size_t i = 0; i < n; i++)
			check((unsigned char)path[i] > 0x20 && (unsigned char)path[i] < 0x7f);
	}
	return 0;
}
