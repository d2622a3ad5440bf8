/* SPDX-License-Identifier: BSD-2-Clause */
/* The store: everything kansoku keeps between runs. SQLite is the embedded
 * default (store_sqlite.c); the interface is kept narrow so that later
 * back ends (PostgreSQL, ClickHouse) can sit behind the same calls.
 *
 * Darknet data is kept per ingest (one pcap file, or one flush interval of
 * a live capture), so that an ingest can be replaced (--force) and an
 * interrupted one leaves nothing behind: each ingest is written inside one
 * transaction together with its row in `ingest`. Readers merge the rows of
 * all ingests. Time filters work at hour granularity (the aggregation bucket).
 * Schema: docs/store.md. Not thread-safe: one connection per thread. */
#ifndef KS_STORE_H
#define KS_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "darknet_agg.h"
#include "darknet_report.h"
#include "ks_set.h"
#include "org.h"

struct ks_store;

/* Current schema version; ks_store_open() migrates older stores forward. */
#define KS_STORE_SCHEMA_VERSION 3

/* Opens (creating if needed) the store at path and migrates it. A store
 * written by a newer kansoku is refused. On failure returns KS_EIO and
 * writes a message naming path into err. */
int ks_store_open(const char *path, struct ks_store **out, char *err, size_t errlen);
void ks_store_close(struct ks_store *s);
/* Text of the last SQLite error; valid until the next call. */
const char *ks_store_errmsg(struct ks_store *s);
int ks_store_schema_version(struct ks_store *s);

int ks_store_begin(struct ks_store *s);
int ks_store_commit(struct ks_store *s);
int ks_store_rollback(struct ks_store *s);

/* ---- ingests ---- */
struct ks_ingest {
	char hash[80];      /* content hash (XXH3-128, hex) or a live-segment id */
	const char *name;   /* file name or "live:IF" */
	const char *sensor;
	const char *darknet; /* prefix list as given */
	uint32_t scan_threshold;
	int64_t first_us, last_us; /* first/last packet time (any packet) */
	uint64_t frames;   /* frames read */
	uint64_t darknet_packets, malformed, outside, non_ip;
};
/* 0 and *id if an ingest with this hash exists, KS_ENOENT if not. */
int ks_store_ingest_find(struct ks_store *s, const char *hash, int64_t *id);
/* Deletes an ingest and everything it contributed. */
int ks_store_ingest_delete(struct ks_store *s, int64_t id);
int ks_store_ingest_create(struct ks_store *s, const struct ks_ingest *in, int64_t *id);
int ks_store_ingest_finish(struct ks_store *s, int64_t id, const struct ks_ingest *in);
/* Sets the hash of an ingest (a stream's hash is known only at its end). */
int ks_store_ingest_set_hash(struct ks_store *s, int64_t id, const char *hash);
int ks_store_ingest_counter(struct ks_store *s, int64_t id, const char *name, uint64_t value);

/* ---- darknet writes (the aggregation sink) ----
 * Sources are appended (a key written twice gives two rows, merged by the
 * readers); port-hours, destinations and counters add to what is there. */
struct ks_geo_info {
	char country[3]; /* ISO code or "" */
	uint32_t asn;    /* 0 = unknown */
	const char *as_org; /* may be NULL */
};
int ks_store_dn_source(struct ks_store *s, int64_t ingest, const struct ks_dn_src *e,
		       const struct ks_geo_info *geo);
int ks_store_dn_port_hour(struct ks_store *s, int64_t ingest, uint32_t hour, uint8_t proto,
			  uint16_t port, uint64_t packets);
int ks_store_dn_dest(struct ks_store *s, int64_t ingest, const struct ks_addr *a,
		     const uint64_t cls[KS_DN__NCLASS]);
int ks_store_dn_counter(struct ks_store *s, int64_t ingest, uint32_t hour, int counter,
			uint64_t value);

/* ---- darknet reads ---- */
struct ks_span {
	int64_t since_us, until_us; /* [since, until); INT64_MIN / INT64_MAX for open */
};
#define KS_SPAN_ALL {INT64_MIN, INT64_MAX}

typedef int (*ks_dn_source_fn)(void *ctx, const struct ks_dn_source *src);
/* Calls fn for every source with packets in span, in address order. Stops
 * and returns fn's value if it returns non-zero. */
int ks_store_dn_sources(struct ks_store *s, const struct ks_span *span, ks_dn_source_fn fn,
			void *ctx);

/* Sums of the per-hour counters (enum ks_dn_counter) in span. */
int ks_store_dn_counters(struct ks_store *s, const struct ks_span *span, uint64_t out[KS_DNC__N]);
/* Calls fn for every (proto, port) with its packets in span. */
typedef int (*ks_dn_port_fn)(void *ctx, uint8_t proto, uint16_t port, uint64_t packets);
int ks_store_dn_ports(struct ks_store *s, const struct ks_span *span, ks_dn_port_fn fn, void *ctx);

/* Per darknet address, over the ingests with data in span (the address
 * table has no time buckets): *hit gets the number of addresses that
 * received packets, and fn is called for the `top` busiest, busiest first. */
typedef int (*ks_dn_dest_fn)(void *ctx, const struct ks_addr *a, const uint64_t cls[KS_DN__NCLASS]);
int ks_store_dn_dests(struct ks_store *s, const struct ks_span *span, unsigned top, ks_dn_dest_fn fn,
		      void *ctx, uint64_t *hit);

/* Ingests with data in span: their count, the darknet prefix lists (fn once
 * per ingest) and the scan threshold of the latest one (0 if none). */
typedef int (*ks_dn_ingest_fn)(void *ctx, const char *darknet);
int ks_store_dn_ingests(struct ks_store *s, const struct ks_span *span, ks_dn_ingest_fn fn,
			void *ctx, uint64_t *count, uint32_t *scan_threshold);

/* ---- organisations ---- */
/* Inserts or updates every organisation of l (matched by id) and replaces
 * their prefixes, in one transaction: all or nothing. *added / *updated set. */
int ks_store_org_put(struct ks_store *s, const struct ks_org_list *l, size_t *added,
		     size_t *updated);
/* Loads all organisations ordered by id (caller releases out). */
int ks_store_org_load(struct ks_store *s, struct ks_org_list *out);

#endif
