/* SPDX-License-Identifier: BSD-2-Clause */
#include "alerts.h"

#include <string.h>

#include "darknet_report.h"

struct walk {
	struct ks_pset owners; /* prefix -> organisation index */
	uint32_t threshold;
	ks_alert_fn fn;
	void *ctx;
};

static int visit(void *ctx, const struct ks_dn_source *s)
{
	struct walk *w = ctx;
	int64_t org;
	if (!ks_dn_is_scanner(s, w->threshold) && !(s->tags & KS_TAG_BOTS))
		return 0;
	if (!ks_pset_lookup(&w->owners, &s->addr, &org))
		return 0;
	return w->fn(w->ctx, (size_t)org, s);
}

int ks_alerts_each(struct ks_store *st, const struct ks_org_list *l, const struct ks_span *span,
		   uint32_t threshold, const char *only_org, ks_alert_fn fn, void *ctx)
{
	struct walk w = {.threshold = threshold, .fn = fn, .ctx = ctx};
	ks_pset_init(&w.owners);
	for (size_t i = 0; i < l->n; i++) {
		if (only_org && strcmp(only_org, l->v[i].id) != 0)
			continue;
		for (size_t k = 0; k < l->v[i].npfx; k++)
			ks_pset_add(&w.owners, &l->v[i].pfx[k], (int64_t)i);
	}
	ks_pset_build(&w.owners);
	int r = ks_store_dn_sources(st, span, visit, &w);
	ks_pset_release(&w.owners);
	return r;
}
