/* SPDX-License-Identifier: BSD-2-Clause */
/* Flows, packets and bytes per (hour, protocol, destination port): the sums
 * a collector stores at every flush (store_flow.h, flow_hour). On the
 * per-flow path, so TCP and UDP flows of the two most recent hours go to
 * direct-indexed port arrays (one cache line touched per flow); everything
 * else (other protocols, older hours) to a hash table (flow_agg.h). */
#ifndef KS_FLOW_HOURLY_H
#define KS_FLOW_HOURLY_H

#include <stdint.h>

#include "flow.h"
#include "flow_agg.h"

struct ks_flow_hourly_cnt {
	uint64_t flows, packets, bytes;
};

struct ks_flow_hourly {
	struct {
		uint32_t hour;
		int used;
		struct ks_flow_hourly_cnt *port; /* [2][65536]: TCP, then UDP */
	} slot[2];
	struct ks_flow_agg other; /* key: hour u32, proto u8, dport u16 (host order) */
};

void ks_flow_hourly_init(struct ks_flow_hourly *h);
/* 0 or KS_ENOMEM (nothing counted). */
int ks_flow_hourly_add(struct ks_flow_hourly *h, const struct ks_flow *f);
/* Calls fn for every non-zero sum; a non-zero return stops and is returned. */
typedef int (*ks_flow_hourly_fn)(void *ctx, uint32_t hour, uint8_t proto, uint16_t dport,
				 const struct ks_flow_hourly_cnt *c);
int ks_flow_hourly_each(const struct ks_flow_hourly *h, ks_flow_hourly_fn fn, void *ctx);
/* Number of sums ks_flow_hourly_each would visit at most (for sizing). */
size_t ks_flow_hourly_bound(const struct ks_flow_hourly *h);
/* Zeroes every sum, keeps the memory. */
void ks_flow_hourly_clear(struct ks_flow_hourly *h);
void ks_flow_hourly_release(struct ks_flow_hourly *h);

#endif
