/* SPDX-License-Identifier: BSD-2-Clause */
/* The store's flow-analysis tables (SQLite back end: store_flow.c; schema
 * in docs/store.md). Raw flow records live outside the store, in segment
 * files (flow_seg.h); the store keeps what indexes and sums them:
 *
 *   flow_ingest    one row per pcap ingest or collector run ("stream"); the
 *                  stream id names its segment files, so --force can
 *                  remove an ingest's flows, and an unfinished row marks a
 *                  stream that was interrupted;
 *   flow_exporter  per (stream, exporter): datagram, flow, loss and
 *                  template counters (added at every flush);
 *   flow_hour      per (stream, hour, protocol, destination port): flows,
 *                  packets, bytes;
 *   cc_report      C&C candidates per reporting operator.
 * Same threading rule as store.h: one connection per thread. */
#ifndef KS_STORE_FLOW_H
#define KS_STORE_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "ks_addr.h"
#include "store.h"

/* ---- streams (ingests and collector runs) ---- */
/* 0 with *id and *finished when a stream with this hash exists, KS_ENOENT if not. */
int ks_store_flow_stream_find(struct ks_store *s, const char *hash, int64_t *id, bool *finished);
/* kind: "file" or "collect". */
int ks_store_flow_stream_create(struct ks_store *s, const char *hash, const char *name,
				const char *kind, int64_t *id);
int ks_store_flow_stream_finish(struct ks_store *s, int64_t id);
/* Sets the stream's hash once it is known (a stream read from stdin). */
int ks_store_flow_stream_set_hash(struct ks_store *s, int64_t id, const char *hash);
/* Deletes the stream's rows (its segment files are the caller's to remove). */
int ks_store_flow_stream_delete(struct ks_store *s, int64_t id);

/* ---- per-exporter counters ---- */
struct ks_store_exporter {
	struct ks_addr addr;
	uint16_t port;
	uint8_t version;        /* last export version seen */
	const char *name;       /* --exporter-name, or NULL */
	int64_t first_ms, last_ms; /* datagrams received (0 = unknown) */
	/* added to what is stored: */
	uint64_t datagrams, flows, options_records, lost_packets, lost_flows, malformed, no_template;
	/* replaced (gauges): */
	uint64_t templates, sampling;
};
int ks_store_flow_exporter_add(struct ks_store *s, int64_t stream, const struct ks_store_exporter *e);
/* Calls fn for every exporter, summed over all streams, in (address, port)
 * order; e->name is valid during the call. */
typedef int (*ks_store_exporter_fn)(void *ctx, const struct ks_store_exporter *e);
int ks_store_flow_exporters(struct ks_store *s, ks_store_exporter_fn fn, void *ctx);

/* ---- hourly aggregates ---- */
int ks_store_flow_hour_add(struct ks_store *s, int64_t stream, uint32_t hour, uint8_t proto,
			   uint16_t dport, uint64_t flows, uint64_t packets, uint64_t bytes);
/* Totals over the hours overlapping span. */
int ks_store_flow_totals(struct ks_store *s, const struct ks_span *span, uint64_t *flows,
			 uint64_t *packets, uint64_t *bytes);
/* Calls fn(ctx, hour, flows, packets, bytes) per hour in span, oldest first. */
typedef int (*ks_store_flow_hour_fn)(void *ctx, uint32_t hour, uint64_t flows, uint64_t packets,
				     uint64_t bytes);
int ks_store_flow_hours(struct ks_store *s, const struct ks_span *span, ks_store_flow_hour_fn fn,
			void *ctx);
/* Ids of every finished stream (for reading their segments), ascending;
 * caller frees *ids. */
int ks_store_flow_streams(struct ks_store *s, int64_t **ids, size_t *n);

#endif
