/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the SSH probe parser: the input is the server's opening,
 * parsed as a stream that may continue and as one that ended. Return codes
 * must be from the contract, text fields terminated within their arrays, and
 * a failure must carry a reason and an offset inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probe_ssh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ks_ssh s;
	for (int eof = 0; eof < 2; eof++) {
		int rc = ks_ssh_parse(data, size, eof, &s);
		check(rc == 0 || rc == KS_EINVAL || rc == KS_ELIMIT ||
		      rc == (eof ? KS_ETRUNC : KS_EAGAIN));
		check(rc == 0 ? s.fail.what == NULL && s.have_kexinit
			      : s.fail.what != NULL && s.fail.off <= size);
		check(strlen(s.software) < sizeof s.software && strlen(s.flagged) < sizeof s.flagged);
		for (int l = 0; l < KS_SSH__LISTS; l++)
			check(strlen(s.lists[l]) < sizeof s.lists[l]);
	}
	return 0;
}
