/* SPDX-License-Identifier: BSD-2-Clause */
#include "ks_err.h"

#include <stdio.h>
#include <stdlib.h>

const char *ks_strerror(int code)
{
	switch (code) {
	case KS_OK: return "success";
	case KS_EAGAIN: return "need more input";
	case KS_ETRUNC: return "input truncated";
	case KS_EINVAL: return "malformed input";
	case KS_ELIMIT: return "configured limit reached";
	case KS_EDECLINED: return "not applicable";
	case KS_ENOMEM: return "out of memory";
	case KS_EIO: return "I/O error";
	case KS_ESYS: return "system error";
	case KS_ENOENT: return "not found";
	}
	return "unknown error";
}

void ks_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "kansoku: internal error at %s:%d: %s\n", file, line, what);
	abort();
}
