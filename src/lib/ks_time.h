/* SPDX-License-Identifier: BSD-2-Clause */
/* Time values on the command line and in output. */
#ifndef KS_TIME_H
#define KS_TIME_H

#include <stddef.h>
#include <stdint.h>

/* Parses a time into microseconds since the Unix epoch (UTC). Accepted:
 * "2026-11-22", "2026-11-22T04:19", "2026-11-22T04:19:00[Z]" (also with a
 * space instead of T), "@1795321140" (epoch seconds), and an age relative to
 * now_us such as "30s", "90m", "36h", "7d", "2w" (that long ago). Impossible dates
 * (2026-02-30) and ages that overflow are KS_EINVAL. 0 or KS_EINVAL. */
int ks_time_parse(const char *s, int64_t now_us, int64_t *out);
/* Formats us as "2026-11-22T04:19:00Z" into buf (at least 21 bytes). */
const char *ks_time_iso(int64_t us, char *buf, size_t n);
int64_t ks_time_now_us(void);

#endif
