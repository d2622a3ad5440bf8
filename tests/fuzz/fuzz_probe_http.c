/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the HTTP probe parser: the input is a response, parsed as
 * a stream that may continue and as one that ended. Return codes must be
 * from the contract, text fields terminated within their arrays, and a
 * failure must carry a reason and an offset inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ks_http h;
	for (int eof = 0; eof < 2; eof++) {
		int rc = ks_http_parse(data, size, eof, &h);
		check(rc == 0 || rc == KS_EINVAL || rc == KS_ELIMIT ||
		      rc == (eof ? KS_ETRUNC : KS_EAGAIN));
		check(rc == 0 ? h.fail.what == NULL : h.fail.what != NULL && h.fail.off <= size);
		check(strlen(h.title) < sizeof h.title && strlen(h.auth.realm) < sizeof h.auth.realm);
		check(strlen(h.cookies) < sizeof h.cookies && strlen(h.server) < sizeof h.server);
		check(h.body_scanned <= KS_HTTP_BODY_SCAN && h.nheaders <= KS_HTTP_HEADERS_MAX + 1);
		check(!h.password_field || h.login_page);
	}
	return 0;
}
