/* SPDX-License-Identifier: BSD-2-Clause */
#include "flow_hourly.h"

#include <stdlib.h>
#include <string.h>

#include "ks_err.h"

#define PORTS 65536u

void ks_flow_hourly_init(struct ks_flow_hourly *h)
{
	memset(h, 0, sizeof(*h));
	ks_flow_agg_init(&h->other, 7);
}

/* The slot of hour, claiming a free or older one; NULL if both hold newer hours. */
static struct ks_flow_hourly_cnt *slot_of(struct ks_flow_hourly *h, uint32_t hour)
{
	for (int i = 0; i < 2; i++)
		if (h->slot[i].used && h->slot[i].hour == hour)
			return h->slot[i].port;
	int i = !h->slot[0].used ? 0 : !h->slot[1].used ? 1 : -1;
	if (i < 0)
		return NULL; /* both in use for other hours until the next clear */
	if (!h->slot[i].port && !(h->slot[i].port = calloc(2 * PORTS, sizeof(*h->slot[i].port))))
		return NULL;
	h->slot[i].used = 1;
	h->slot[i].hour = hour;
	return h->slot[i].port;
}

int ks_flow_hourly_add(struct ks_flow_hourly *h, const struct ks_flow *f)
{
	uint32_t hour = (uint32_t)(f->first_ms / 3600000);
	if (f->proto == 6 || f->proto == 17) {
		struct ks_flow_hourly_cnt *p = slot_of(h, hour);
		if (p) {
			struct ks_flow_hourly_cnt *c = &p[(f->proto == 17) * PORTS + f->dport];
			c->flows++;
			c->packets += f->packets;
			c->bytes += f->bytes;
			return 0;
		}
	}
	uint8_t key[7];
	memcpy(key, &hour, 4);
	key[4] = f->proto;
	memcpy(key + 5, &f->dport, 2);
	return ks_flow_agg_add(&h->other, key, 1, f->packets, f->bytes);
}

int ks_flow_hourly_each(const struct ks_flow_hourly *h, ks_flow_hourly_fn fn, void *ctx)
{
	for (int i = 0; i < 2; i++) {
		if (!h->slot[i].used)
			continue;
		for (uint32_t k = 0; k < 2 * PORTS; k++) {
			const struct ks_flow_hourly_cnt *c = &h->slot[i].port[k];
			if (!c->flows)
				continue;
			int r = fn(ctx, h->slot[i].hour, k < PORTS ? 6 : 17, (uint16_t)(k % PORTS), c);
			if (r)
				return r;
		}
	}
	for (size_t i = 0; i < h->other.n; i++) {
		const struct ks_flow_agg_ent *e = &h->other.v[i];
		uint32_t hour;
		uint16_t dport;
		memcpy(&hour, e->key, 4);
		memcpy(&dport, e->key + 5, 2);
		struct ks_flow_hourly_cnt c = {e->flows, e->packets, e->bytes};
		int r = fn(ctx, hour, e->key[4], dport, &c);
		if (r)
			return r;
	}
	return 0;
}

size_t ks_flow_hourly_bound(const struct ks_flow_hourly *h)
{
	return (size_t)(h->slot[0].used + h->slot[1].used) * 2 * PORTS + h->other.n;
}

void ks_flow_hourly_clear(struct ks_flow_hourly *h)
{
	for (int i = 0; i < 2; i++) {
		if (h->slot[i].used)
			memset(h->slot[i].port, 0, 2 * PORTS * sizeof(*h->slot[i].port));
		h->slot[i].used = 0;
	}
	ks_flow_agg_clear(&h->other);
}

void ks_flow_hourly_release(struct ks_flow_hourly *h)
{
	for (int i = 0; i < 2; i++)
		free(h->slot[i].port);
	ks_flow_agg_release(&h->other);
	ks_flow_hourly_init(h);
}
