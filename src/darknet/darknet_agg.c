/* SPDX-License-Identifier: BSD-2-Clause */
/* Darknet aggregation tables; see darknet_agg.h for the contract.
 *
 * The source table is an entry array plus an open-addressing index of
 * 32-bit entry numbers (load factor <= 1/2), so entries never move and the
 * index stays small. No per-packet allocation happens except when a
 * per-source set or port map grows, which is bounded by the per-source caps.
 * A one-entry cache catches the common run of packets from one source. */
#include "darknet_agg.h"

#include <stdlib.h>
#include <string.h>

#include "ks_err.h"

static const char *const counter_names[KS_DNC__N] = {
	"darknet", "malformed", "outside", "non_ip", "darknet_v4",
};

const char *ks_dn_counter_name(int c)
{
	return c >= 0 && c < KS_DNC__N ? counter_names[c] : "?";
}

/* u64 key -> nv counters, open addressing, grows by doubling. Keys are
 * stored +1 so that 0 marks an empty slot. */
struct tab64 {
	uint64_t *keys, *vals;
	uint32_t nv, cap, n;
};

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static int tab64_grow(struct tab64 *t)
{
	uint32_t ncap = t->cap ? t->cap * 2 : 256;
	uint64_t *k = calloc(ncap, sizeof *k), *v = calloc((size_t)ncap * t->nv, sizeof *v);
	if (!k || !v) {
		free(k);
		free(v);
		return KS_ENOMEM;
	}
	for (uint32_t i = 0; i < t->cap; i++) {
		if (!t->keys[i])
			continue;
		uint32_t j = (uint32_t)mix64(t->keys[i]) & (ncap - 1);
		while (k[j])
			j = (j + 1) & (ncap - 1);
		k[j] = t->keys[i];
		memcpy(v + (size_t)j * t->nv, t->vals + (size_t)i * t->nv, t->nv * sizeof *v);
	}
	free(t->keys);
	free(t->vals);
	t->keys = k, t->vals = v, t->cap = ncap;
	return 0;
}

/* Counters of key, created zeroed; NULL on OOM. */
static uint64_t *tab64_get(struct tab64 *t, uint64_t key)
{
	if ((t->n + 1) * 2 > t->cap && tab64_grow(t) != 0)
		return NULL;
	uint64_t k = key + 1;
	uint32_t i = (uint32_t)mix64(k) & (t->cap - 1);
	while (t->keys[i] && t->keys[i] != k)
		i = (i + 1) & (t->cap - 1);
	if (!t->keys[i]) {
		t->keys[i] = k;
		t->n++;
	}
	return t->vals + (size_t)i * t->nv;
}

static void tab64_clear(struct tab64 *t)
{
	if (t->cap) {
		memset(t->keys, 0, t->cap * sizeof *t->keys);
		memset(t->vals, 0, (size_t)t->cap * t->nv * sizeof *t->vals);
	}
	t->n = 0;
}

static void tab64_release(struct tab64 *t)
{
	free(t->keys);
	free(t->vals);
}

struct dest_ent {
	struct ks_addr addr;
	uint64_t cls[KS_DN__NCLASS];
};

struct ks_dn_agg {
	struct ks_dn_limits lim;
	const struct ks_dn_sink *sink;
	struct ks_dn_src *src;  /* lim.max_sources entries */
	uint32_t *src_idx;      /* entry number + 1, 0 = empty */
	uint32_t src_mask, nsrc;
	struct ks_dn_src *last; /* cache: last entry used */
	struct dest_ent *dst;
	uint32_t *dst_idx;
	uint32_t dst_mask, ndst;
	struct tab64 port_hour; /* hour << 24 | proto << 16 | port -> packets */
	struct tab64 counters;  /* hour -> KS_DNC__N counters */
	struct ks_dn_agg_stats st;
};

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t c = 16;
	while (c < n && c < (1u << 31))
		c <<= 1;
	return c;
}

struct ks_dn_agg *ks_dn_agg_new(const struct ks_dn_limits *lim, const struct ks_dn_sink *sink)
{
	struct ks_dn_agg *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->lim = *lim;
	if (a->lim.max_sources < 1)
		a->lim.max_sources = 1;
	if (a->lim.max_dests < 1)
		a->lim.max_dests = 1;
	a->sink = sink;
	uint32_t sc = pow2_at_least((uint64_t)a->lim.max_sources * 2);
	uint32_t dc = pow2_at_least((uint64_t)a->lim.max_dests * 2);
	a->src = calloc(a->lim.max_sources, sizeof *a->src);
	a->src_idx = calloc(sc, sizeof *a->src_idx);
	a->dst = calloc(a->lim.max_dests, sizeof *a->dst);
	a->dst_idx = calloc(dc, sizeof *a->dst_idx);
	a->src_mask = sc - 1;
	a->dst_mask = dc - 1;
	a->port_hour.nv = 1;
	a->counters.nv = KS_DNC__N;
	if (!a->src || !a->src_idx || !a->dst || !a->dst_idx) {
		ks_dn_agg_free(a);
		return NULL;
	}
	return a;
}

static void release_sources(struct ks_dn_agg *a)
{
	for (uint32_t i = 0; i < a->nsrc; i++) {
		ks_u32set_release(&a->src[i].dests);
		ks_u32map_release(&a->src[i].ports);
	}
}

void ks_dn_agg_free(struct ks_dn_agg *a)
{
	if (!a)
		return;
	release_sources(a);
	free(a->src);
	free(a->src_idx);
	free(a->dst);
	free(a->dst_idx);
	tab64_release(&a->port_hour);
	tab64_release(&a->counters);
	free(a);
}

static inline uint64_t addr_hash(const struct ks_addr *x, uint64_t salt)
{
	uint64_t lo, hi;
	memcpy(&hi, x->b, 8);
	memcpy(&lo, x->b + 8, 8);
	return mix64(lo ^ (hi * 0x9E3779B97F4A7C15ull) ^ (salt << 1));
}

uint32_t ks_dn_dest_key(const struct ks_addr *x)
{
	if (ks_addr_is_v4(x))
		return ks_addr_v4(x);
	return (uint32_t)addr_hash(x, 0x6);
}

static int flush_sources(struct ks_dn_agg *a)
{
	int r = 0;
	for (uint32_t i = 0; i < a->nsrc && r == 0; i++)
		r = a->sink->source(a->sink->ctx, &a->src[i]);
	release_sources(a);
	memset(a->src, 0, (size_t)a->nsrc * sizeof *a->src);
	memset(a->src_idx, 0, ((size_t)a->src_mask + 1) * sizeof *a->src_idx);
	a->nsrc = 0;
	a->last = NULL;
	return r;
}

static int flush_dests(struct ks_dn_agg *a)
{
	int r = 0;
	for (uint32_t i = 0; i < a->ndst && r == 0; i++)
		r = a->sink->dest(a->sink->ctx, &a->dst[i].addr, a->dst[i].cls);
	memset(a->dst, 0, (size_t)a->ndst * sizeof *a->dst);
	memset(a->dst_idx, 0, ((size_t)a->dst_mask + 1) * sizeof *a->dst_idx);
	a->ndst = 0;
	return r;
}

static int find_source(struct ks_dn_agg *a, const struct ks_addr *addr, uint32_t hour,
		       struct ks_dn_src **out)
{
	struct ks_dn_src *e = a->last;
	if (e && e->hour == hour && memcmp(e->addr.b, addr->b, 16) == 0) {
		*out = e;
		return 0;
	}
	uint32_t i = (uint32_t)addr_hash(addr, hour) & a->src_mask;
	for (;;) {
		uint32_t n = a->src_idx[i];
		if (!n)
			break;
		e = &a->src[n - 1];
		if (e->hour == hour && memcmp(e->addr.b, addr->b, 16) == 0) {
			*out = a->last = e;
			return 0;
		}
		i = (i + 1) & a->src_mask;
	}
	if (a->nsrc == a->lim.max_sources) {
		a->st.source_flushes++;
		int r = flush_sources(a);
		if (r != 0)
			return r;
		i = (uint32_t)addr_hash(addr, hour) & a->src_mask;
	}
	e = &a->src[a->nsrc++];
	a->src_idx[i] = a->nsrc;
	e->addr = *addr;
	e->hour = hour;
	e->first_us = INT64_MAX; /* any packet time, even 0, replaces these */
	e->last_us = INT64_MIN;
	*out = a->last = e;
	return 0;
}

static int add_dest(struct ks_dn_agg *a, const struct ks_addr *addr, enum ks_dn_class cls)
{
	uint32_t i = (uint32_t)addr_hash(addr, 0) & a->dst_mask;
	for (;;) {
		uint32_t n = a->dst_idx[i];
		if (!n)
			break;
		if (memcmp(a->dst[n - 1].addr.b, addr->b, 16) == 0) {
			a->dst[n - 1].cls[cls]++;
			return 0;
		}
		i = (i + 1) & a->dst_mask;
	}
	if (a->ndst == a->lim.max_dests) {
		int r = flush_dests(a);
		if (r != 0)
			return r;
		i = (uint32_t)addr_hash(addr, 0) & a->dst_mask;
	}
	struct dest_ent *e = &a->dst[a->ndst++];
	a->dst_idx[i] = a->ndst;
	e->addr = *addr;
	e->cls[cls] = 1;
	return 0;
}

static inline uint32_t hour_of(int64_t ts_us)
{
	/* Timestamps before 1970 land in hour 0; pcap cannot express them anyway. */
	return ts_us <= 0 ? 0 : (uint32_t)(ts_us / 3600000000LL);
}

void ks_dn_agg_count(struct ks_dn_agg *a, int counter, int64_t ts_us)
{
	uint64_t *c = tab64_get(&a->counters, hour_of(ts_us));
	if (c)
		c[counter]++;
}

int ks_dn_agg_add(struct ks_dn_agg *a, const struct ks_pkt *p, enum ks_dn_class cls,
		  unsigned tags, int64_t ts_us)
{
	uint32_t hour = hour_of(ts_us);
	struct ks_dn_src *e;
	int r = find_source(a, &p->src, hour, &e);
	if (r != 0)
		return r;
	if (ts_us < e->first_us)
		e->first_us = ts_us;
	if (ts_us > e->last_us)
		e->last_us = ts_us;
	e->cls[cls]++;
	e->tags |= (uint8_t)tags;
	if (ks_dn_is_probe(cls)) {
		r = ks_u32set_add(&e->dests, ks_dn_dest_key(&p->dst), a->lim.max_dests_per_source);
		if (r == KS_ELIMIT)
			a->st.dests_saturated++;
		else if (r < 0)
			return r;
		if (cls != KS_DN_ICMP_SCAN) {
			uint32_t key = (uint32_t)p->proto << 16 | p->dport;
			r = ks_u32map_add(&e->ports, key, 1, a->lim.max_ports_per_source);
			if (r == KS_ELIMIT)
				a->st.ports_saturated++;
			else if (r < 0)
				return r;
			uint64_t *ph = tab64_get(&a->port_hour, (uint64_t)hour << 24 | key);
			if (!ph)
				return KS_ENOMEM;
			(*ph)++;
		}
	}
	uint64_t *c = tab64_get(&a->counters, hour);
	if (!c)
		return KS_ENOMEM;
	c[KS_DNC_DARKNET]++;
	if (p->ipver == 4)
		c[KS_DNC_DARKNET_V4]++;
	return add_dest(a, &p->dst, cls);
}

int ks_dn_agg_flush(struct ks_dn_agg *a)
{
	int r = flush_sources(a);
	if (r == 0)
		r = flush_dests(a);
	for (uint32_t i = 0; i < a->port_hour.cap && r == 0; i++) {
		uint64_t k = a->port_hour.keys[i];
		if (!k--)
			continue;
		r = a->sink->port_hour(a->sink->ctx, (uint32_t)(k >> 24), (uint8_t)(k >> 16),
				       (uint16_t)k, a->port_hour.vals[i]);
	}
	for (uint32_t i = 0; i < a->counters.cap && r == 0; i++) {
		uint64_t k = a->counters.keys[i];
		if (!k--)
			continue;
		for (int c = 0; c < KS_DNC__N && r == 0; c++)
			if (a->counters.vals[(size_t)i * KS_DNC__N + c])
				r = a->sink->counter(a->sink->ctx, (uint32_t)k, c,
						     a->counters.vals[(size_t)i * KS_DNC__N + c]);
	}
	tab64_clear(&a->port_hour);
	tab64_clear(&a->counters);
	return r;
}

void ks_dn_agg_stats(const struct ks_dn_agg *a, struct ks_dn_agg_stats *st)
{
	*st = a->st;
	st->sources_held = a->nsrc;
	st->heap_bytes = 0;
	for (uint32_t i = 0; i < a->nsrc; i++)
		st->heap_bytes += ks_u32set_heap(&a->src[i].dests) + ks_u32map_heap(&a->src[i].ports);
}
