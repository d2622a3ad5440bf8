/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the RTSP probe parser: the input is the server's reply,
 * parsed as a stream that may continue and as one that ended. Return codes
 * must be from the contract, text fields terminated within their arrays,
 * and a failure must carry a reason and an offset inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_rtsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ks_rtsp o;
	for (int eof = 0; eof < 2; eof++) {
		int rc = ks_rtsp_parse(data, size, eof, &o);
		check(rc == 0 || rc == KS_EINVAL || rc == KS_ELIMIT ||
		      rc == (eof ? KS_ETRUNC : KS_EAGAIN));
		check(rc == 0 ? o.fail.what == NULL && o.len <= size
			      : o.fail.what != NULL && o.fail.off <= size);
		check(strlen(o.server) < sizeof o.server);
	}
	return 0;
}
