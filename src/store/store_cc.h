/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's C&C list (table cc_report, docs/store.md): candidates as each
 * operator reported them, one row per (address, port, protocol, operator).
 * `kansoku flow detect-cc --save` writes our own, `kansoku cc import --from`
 * another operator's; `kansoku cc list/export` read them all back and merge
 * them with ks_cc_merge() (cc_share.h). Callers bracket a whole import in
 * ks_store_begin/commit so that a failed one applies nothing. */
#ifndef KS_STORE_CC_H
#define KS_STORE_CC_H

#include <stddef.h>

#include "cc_share.h"
#include "store.h"

/* Stores v[0..n). Per (address, port, proto, reported_by) the newer report
 * wins (later reported_at; an equal one replaces). 0 or KS_EIO. */
int ks_store_cc_put(struct ks_store *s, const struct ks_cc_entry *v, size_t n);
/* Removes every report of operator `reported_by`; *removed (may be NULL)
 * receives how many. 0 or KS_EIO. */
int ks_store_cc_delete_reporter(struct ks_store *s, const char *reported_by, size_t *removed);
/* Every stored report, ordered by (address, port, proto, operator).
 * Caller releases out with ks_cc_list_release(). 0, KS_EIO or KS_ENOMEM. */
int ks_store_cc_load(struct ks_store *s, struct ks_cc_list *out);

#endif
