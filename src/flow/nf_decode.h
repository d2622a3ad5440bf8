/* SPDX-License-Identifier: BSD-2-Clause */
/* NetFlow v5, NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) export datagram
 * decoder: the collector's first stage after the UDP socket (flow_listen.h)
 * and the engine of `kansoku flow decode`. It turns export datagrams into
 * normalised struct ks_flow records (flow.h) and keeps, per exporter
 * (address, port), the templates, sequence numbers, sampling intervals and
 * counters that `flow stats` shows (docs/netflow.md).
 *
 * Files: nf_decode.c (entry, dispatch by version), nf_v5.c, nf_v9.c and
 * nf_ipfix.c (headers and set walking), nf_record.c (template records,
 * data record plans and normalisation), nf_template.c (template store),
 * nf_exporter.c (exporter table, sequence tracking, log rate limit),
 * nf_ie.c (IANA information element table).
 *
 * Memory: the decoder owns everything it allocates; templates are copied
 * when they arrive, so a datagram's bytes are borrowed only during the call.
 * Data records are decoded without allocation. One decoder per thread: no
 * call is thread-safe against another on the same decoder. */
#ifndef KS_NF_DECODE_H
#define KS_NF_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "ks_addr.h"

struct ks_nf_limits {
	uint32_t max_exporters;          /* default 4096 */
	uint32_t templates_per_exporter; /* default 512 */
	uint32_t fields_per_template;    /* default 128 */
	uint32_t template_timeout_s;     /* default 1800 */
};
void ks_nf_limits_default(struct ks_nf_limits *l);

struct ks_nf;

/* NULL l = defaults (zero members of l also take their default). Returns
 * NULL on ENOMEM. ks_nf_free(NULL) is a no-op. */
struct ks_nf *ks_nf_new(const struct ks_nf_limits *l);
void ks_nf_free(struct ks_nf *nf);

/* One export datagram (UDP payload) from exporter addr:port received at
 * now_ms (Unix ms). Calls fn for every flow data record (normalised struct
 * ks_flow, sampling applied); fn may be NULL. Returns 0, fn's non-zero
 * return, KS_ELIMIT when the exporter table is full (datagram dropped and
 * counted in ks_nf_refused()), or a KS_E* code (KS_ETRUNC, KS_EINVAL) when
 * the datagram was malformed: it is then counted in that exporter's
 * `malformed`, and a warning naming the exporter, version and byte offset
 * is logged (rate-limited); records decoded before the fault were already
 * delivered. Never crashes on any input. */
int ks_nf_datagram(struct ks_nf *nf, const struct ks_addr *addr, uint16_t port, int64_t now_ms,
		   const uint8_t *p, size_t len, ks_flow_fn fn, void *ctx);

/* The fault of the last ks_nf_datagram() call that returned KS_ETRUNC or
 * KS_EINVAL: byte offset in that datagram and a static description.
 * KS_ENOENT if that call found no fault. */
int ks_nf_last_error(const struct ks_nf *nf, size_t *offset, const char **what);

/* Header of the datagram a record came from; members a version does not
 * have are zero. */
struct ks_nf_hdr {
	uint16_t version;    /* 5, 9 or 10 */
	uint16_t count;      /* v5, v9: records in the datagram as the header says */
	uint16_t length;     /* IPFIX: message length */
	uint32_t sys_uptime; /* v5, v9: ms since the exporter booted */
	uint32_t unix_secs;  /* v5, v9: export time; IPFIX: export_time */
	uint32_t unix_nsecs; /* v5 */
	uint32_t sequence;   /* v5 flow_sequence, v9 package sequence, IPFIX sequence */
	uint32_t domain;     /* v9 source id, IPFIX observation domain id */
	uint8_t engine_type, engine_id; /* v5 */
	uint16_t sampling;   /* v5 sampling_interval field as on the wire (mode << 14 | interval) */
};

/* One field of a record. Data records: val points at len bytes in the
 * datagram (valid during the hook call). Template records: val is NULL
 * and len is the template's field length (65535 = variable). */
struct ks_nf_field {
	uint16_t id; /* information element id (enterprise bit cleared) */
	uint32_t pen; /* private enterprise number, 0 = IANA */
	uint16_t len;
	const uint8_t *val;
};

enum ks_nf_kind { KS_NF_DATA, KS_NF_OPTIONS_DATA, KS_NF_TEMPLATE, KS_NF_OPTIONS_TEMPLATE, KS_NF_WITHDRAWAL };

struct ks_nf_rec {
	int version;
	uint32_t domain;      /* v9 source id / IPFIX observation domain (v5: 0) */
	uint16_t set_id;      /* flowset / set id (v5: 0) */
	uint16_t template_id; /* data: the set id; templates: the defined id (v5: 0) */
	enum ks_nf_kind kind;
	size_t offset;        /* of the record in the datagram */
	const struct ks_nf_field *fields;
	size_t nfields;
	uint16_t scope_fields; /* options: the first scope_fields fields are scope fields */
	const struct ks_nf_hdr *hdr;
};

/* Optional hook for `flow decode`: every record (data, options data,
 * template, options template, withdrawal) with its raw fields, before
 * normalisation. Called before fn for the same data record. fn NULL
 * removes the hook. r and everything it points to is valid during the call. */
void ks_nf_set_record_hook(struct ks_nf *nf, void (*fn)(void *ctx, const struct ks_nf_rec *r),
			   void *ctx);

/* Per-exporter counters (one entry per exporter address:port; domains summed). */
struct ks_nf_exporter_stats {
	struct ks_addr addr;
	uint16_t port;
	uint8_t version;           /* last export version seen */
	int64_t first_ms, last_ms; /* first and last datagram */
	uint64_t datagrams, flows, options_records, lost_packets, lost_flows, malformed, no_template;
	uint64_t templates;        /* live now */
	uint64_t sampling;         /* last interval applied (1 = none) */
	uint64_t templates_refused; /* over a cap (templates per exporter, fields per template) */
};
size_t ks_nf_exporter_count(const struct ks_nf *nf);
/* Exporter i in order of first appearance (its index is struct ks_flow's
 * `exporter`). 0 or KS_ENOENT. */
int ks_nf_exporter_stats(const struct ks_nf *nf, size_t i, struct ks_nf_exporter_stats *out);
/* Datagrams dropped because the exporter table was full. */
uint64_t ks_nf_refused(const struct ks_nf *nf);

/* ---- information elements (nf_ie.c) ---- */
enum ks_nf_type {
	KS_NF_T_OCTETS = 0, /* octetArray: also unknown elements */
	KS_NF_T_UNSIGNED,
	KS_NF_T_SIGNED,
	KS_NF_T_FLOAT,
	KS_NF_T_BOOL,
	KS_NF_T_MAC,
	KS_NF_T_STRING,
	KS_NF_T_SECONDS,      /* dateTimeSeconds */
	KS_NF_T_MILLISECONDS, /* dateTimeMilliseconds */
	KS_NF_T_MICROSECONDS, /* dateTimeMicroseconds (NTP format) */
	KS_NF_T_NANOSECONDS,  /* dateTimeNanoseconds (NTP format) */
	KS_NF_T_IPV4,
	KS_NF_T_IPV6,
};
/* IANA name and abstract type of IANA element id (pen 0); NULL name and
 * KS_NF_T_OCTETS when unknown. */
const char *ks_nf_ie_name(uint16_t id);
enum ks_nf_type ks_nf_ie_type(uint16_t id);

#endif
