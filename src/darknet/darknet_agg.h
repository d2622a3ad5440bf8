/* SPDX-License-Identifier: BSD-2-Clause */
/* In-memory darknet aggregation, the hot path after decoding.
 *
 * Three tables, each with a cap fixed at init:
 *   sources:   (hour, source address) -> first/last seen, packets per class,
 *              tags, packets per probe port, and distinct probe destinations,
 *              which are logged (entry, destination) per packet and sorted
 *              out per entry only when handed to the sink;
 *   port-hour: (hour, protocol, port) -> packets of tcp_scan and udp;
 *   dests:     darknet address -> packets per class;
 * plus per-hour counters (darknet packets, malformed, outside, non-IP).
 *
 * Nothing is lost when a table fills: its contents are handed to the sink
 * (which merges them into the store) and the table starts empty. The sink is
 * also called for everything by ks_dn_agg_flush(). Entries of the same key
 * handed over twice must be merged by the sink (counts add, sets unite).
 *
 *        add()  --full-->  sink(all entries)  --> empty, continue
 *        flush() ------->  sink(all entries)  --> empty
 *
 * Optionally (ks_dn_agg_start_writer) a writer thread calls the sink for
 * source tables, so that storing overlaps counting: a full table, or the
 * table when the first packet of a later hour arrives, is handed to the
 * writer and counting goes on in a second table. The sink is then called
 * from that thread, never from two threads at once; flush() returns after
 * the writer has finished. Memory: up to two source tables.
 *
 * Otherwise not thread-safe; one instance per capture thread. */
#ifndef KS_DARKNET_AGG_H
#define KS_DARKNET_AGG_H

#include <stdint.h>

#include "darknet_classify.h"
#include "decode.h"
#include "ks_addr.h"
#include "ks_set.h"

struct ks_dn_src {
	struct ks_addr addr;
	uint32_t hour; /* hours since the Unix epoch */
	uint8_t tags;
	int64_t first_us, last_us;
	uint64_t cls[KS_DN__NCLASS];
	struct ks_u32map ports; /* key: proto << 16 | port -> packets */
	/* Distinct probe destinations (IPv4 address, or a 32-bit hash of an
	 * IPv6 address), sorted ascending; set only while the sink is called. */
	const uint32_t *dests;
	uint32_t ndests;
	uint8_t dests_saturated; /* more than max_dests_per_source: the smallest kept */
	uint32_t nlog;           /* private: destination records logged for this entry */
};

/* Per-hour counters */
enum ks_dn_counter {
	KS_DNC_DARKNET = 0, /* well-formed packets to the darknet */
	KS_DNC_MALFORMED,   /* malformed, any destination */
	KS_DNC_OUTSIDE,     /* well-formed, destination outside the darknet */
	KS_DNC_NON_IP,      /* not IP */
	KS_DNC_DARKNET_V4,  /* darknet packets with an IPv4 destination */
	KS_DNC__N
};
const char *ks_dn_counter_name(int c);

struct ks_dn_sink {
	/* Each called once per entry on flush, in no particular order. The
	 * entry is borrowed: valid only during the call. A non-zero return
	 * aborts the flush and is returned by add()/flush(). */
	int (*source)(void *ctx, const struct ks_dn_src *s);
	int (*port_hour)(void *ctx, uint32_t hour, uint8_t proto, uint16_t port, uint64_t packets);
	int (*dest)(void *ctx, const struct ks_addr *a, const uint64_t cls[KS_DN__NCLASS]);
	int (*counter)(void *ctx, uint32_t hour, int counter, uint64_t value);
	void *ctx;
};

struct ks_dn_limits {
	uint32_t max_sources;         /* (hour, source) entries held before a flush */
	uint32_t max_dests_per_source; /* distinct destinations stored per entry */
	uint32_t max_ports_per_source; /* distinct ports counted per entry */
	uint32_t max_dests;           /* darknet address entries */
	uint32_t max_log;             /* destination records held before a flush (8 bytes each) */
};
#define KS_DN_LIMITS_DEFAULT {2000000, 65536, 4096, 1048576, 32000000}

struct ks_dn_agg;

/* Allocates the tables (virtual memory: pages are touched as they fill).
 * The sink is borrowed and must outlive the aggregator. NULL on OOM. */
struct ks_dn_agg *ks_dn_agg_new(const struct ks_dn_limits *lim, const struct ks_dn_sink *sink);
/* Waits for the writer thread, if any, then frees everything. */
void ks_dn_agg_free(struct ks_dn_agg *a);
/* Starts the writer thread (see above). KS_ENOMEM or KS_ESYS on failure,
 * and the aggregator goes on without it. */
int ks_dn_agg_start_writer(struct ks_dn_agg *a);

/* Counts the darknet addresses [first, first + count) of IPv4 (host order)
 * in a table indexed by address (no hashing, no cap) instead of the dests
 * table; at most one range, count <= KS_DN_DIRECT_MAX (40 bytes an address
 * of virtual memory, pages touched as addresses are hit). Before any add.
 * KS_EINVAL or KS_ENOMEM, and the dests table is used as before. */
#define KS_DN_DIRECT_MAX (1u << 20)
int ks_dn_agg_direct_v4(struct ks_dn_agg *a, uint32_t first, uint32_t count);

/* Counts one decoded darknet packet of class cls with tags, at ts_us. */
int ks_dn_agg_add(struct ks_dn_agg *a, const struct ks_pkt *p, enum ks_dn_class cls,
		  unsigned tags, int64_t ts_us);
/* A decoded darknet packet waiting in a batch. */
struct ks_dn_item {
	struct ks_pkt pkt;
	int64_t ts_us;
	uint8_t cls, tags;
};
#define KS_DN_BATCH 64
/* Same as ks_dn_agg_add() on each of v[0..n), n <= KS_DN_BATCH, in order,
 * but overlapping the cache misses of different packets. */
int ks_dn_agg_add_batch(struct ks_dn_agg *a, const struct ks_dn_item *v, size_t n);

/* Counts a per-hour event (malformed, outside, non-IP) at ts_us. */
void ks_dn_agg_count(struct ks_dn_agg *a, int counter, int64_t ts_us);

/* Hands everything to the sink and empties the tables. */
int ks_dn_agg_flush(struct ks_dn_agg *a);

struct ks_dn_agg_stats {
	uint64_t sources_held;  /* entries in the source table now */
	uint64_t source_flushes; /* times the source table filled up */
	uint64_t dests_saturated; /* distinct destinations dropped by max_dests_per_source (at flush) */
	uint64_t ports_saturated;
	uint64_t heap_bytes;    /* bytes held by port maps and the destination log */
};
void ks_dn_agg_stats(const struct ks_dn_agg *a, struct ks_dn_agg_stats *st);

/* Key for the dests set of an address. */
uint32_t ks_dn_dest_key(const struct ks_addr *a);

#endif
