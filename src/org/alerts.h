/* SPDX-License-Identifier: BSD-2-Clause */
/* Alerts: the infected hosts each organisation should hear about. A source
 * is alerted when it is a scanner (dests >= threshold) or carries a bot tag
 * (KS_TAG_BOTS), and it is alerted to the organisation holding the most
 * specific prefix that covers it (the network's direct holder). */
#ifndef KS_ALERTS_H
#define KS_ALERTS_H

#include "org.h"
#include "store.h"

/* Called once per alert, in address order; org indexes l->v. */
typedef int (*ks_alert_fn)(void *ctx, size_t org, const struct ks_dn_source *s);

/* Walks the sources of span. only_org (NULL = all) limits to one id.
 * Returns 0, KS_EIO (store) or fn's non-zero value. */
int ks_alerts_each(struct ks_store *st, const struct ks_org_list *l, const struct ks_span *span,
		   uint32_t threshold, const char *only_org, ks_alert_fn fn, void *ctx);

#endif
