/* SPDX-License-Identifier: BSD-2-Clause */
#include "ks_log.h"

#include <stdarg.h>
#include <stdio.h>

int ks_log_level;

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

#define LOGFN(name, prefix, cond)                                                        \
	void name(const char *fmt, ...)                                                  \
	{                                                                                \
		if (!(cond))                                                             \
			return;                                                          \
		va_list ap;                                                              \
		va_start(ap, fmt);                                                       \
		vlog(prefix, fmt, ap);                                                   \
		va_end(ap);                                                              \
	}

LOGFN(ks_err, "kansoku: error: ", 1)
LOGFN(ks_warn, "kansoku: warning: ", ks_log_level >= 0)
LOGFN(ks_info, "kansoku: ", ks_log_level >= 0)
LOGFN(ks_debug, "kansoku: debug: ", ks_log_level >= 1)
