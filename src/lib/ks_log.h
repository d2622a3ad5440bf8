/* SPDX-License-Identifier: BSD-2-Clause */
/* Diagnostics on stderr. Verbosity: -1 quiet (errors only), 0 normal, 1+ verbose. */
#ifndef KS_LOG_H
#define KS_LOG_H

extern int ks_log_level;

void ks_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* always */
void ks_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* level >= 0 */
void ks_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* level >= 0 */
void ks_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2))); /* level >= 1 */

#endif
