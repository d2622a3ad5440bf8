/* SPDX-License-Identifier: BSD-2-Clause */
/* Darknet figures from aggregated sources: the `darknet report` model,
 * scanner/victim rules, and the JSON/CSV/text renderings of reports and of
 * single sources (shared by `darknet sources` and `alerts`). Formats:
 * docs/formats.md. The model is fed by callbacks, so it knows nothing of the
 * store that feeds it. */
#ifndef KS_DARKNET_REPORT_H
#define KS_DARKNET_REPORT_H

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

#include "darknet_agg.h"
#include "ks_set.h"

/* One source merged over every ingest and hour of a span. */
struct ks_dn_source {
	struct ks_addr addr;
	int64_t first_us, last_us;
	uint64_t cls[KS_DN__NCLASS];
	uint64_t packets;
	unsigned tags;
	uint64_t dests;      /* distinct probe destinations */
	int dests_saturated; /* a per-source cap was hit: dests is a lower bound */
	const struct ks_kv *ports; /* (proto << 16 | port) -> packets, sorted by key */
	size_t nports;
	int ports_saturated;
	char country[3];     /* "" unknown */
	uint32_t asn;        /* 0 unknown */
	const char *as_org;  /* NULL unknown */
};

static inline int ks_dn_is_scanner(const struct ks_dn_source *s, uint32_t threshold)
{
	return s->dests >= threshold;
}
static inline int ks_dn_is_victim(const struct ks_dn_source *s)
{
	return s->cls[KS_DN_BACKSCATTER] > 0;
}

#define KS_DN_TOP 10

struct ks_dn_report {
	uint32_t scan_threshold;
	uint64_t ingests, darknet_addresses;
	uint64_t counters[KS_DNC__N];
	int64_t first_us, last_us;
	uint64_t cls[KS_DN__NCLASS];
	uint64_t packets, sources, scanners, victims, tags[KS_TAG__N];
	struct ks_u32map port_packets, port_sources; /* proto << 16 | port */
	struct ks_u32map cc_sources, cc_packets;     /* c0 << 8 | c1 */
	struct ks_u32map asn_sources, asn_packets;   /* asn + 1 */
	char **asn_org; uint32_t *asn_org_key; size_t nasn_org, asn_org_cap;
	uint64_t addresses_hit; /* darknet addresses that received packets */
	struct { struct ks_addr addr; uint64_t packets; } top_addr[KS_DN_TOP];
	size_t ntop_addr;
};

void ks_dn_report_init(struct ks_dn_report *r, uint32_t scan_threshold);
void ks_dn_report_release(struct ks_dn_report *r);
/* Callbacks feeding the model (void *ctx is the report). */
int ks_dn_report_source(void *ctx, const struct ks_dn_source *s);
int ks_dn_report_port(void *ctx, uint8_t proto, uint16_t port, uint64_t packets);
/* Busiest darknet addresses, fed busiest first (at most KS_DN_TOP kept). */
int ks_dn_report_dest(void *ctx, const struct ks_addr *a, const uint64_t cls[KS_DN__NCLASS]);

/* Renderings. */
json_t *ks_dn_report_json(const struct ks_dn_report *r);
void ks_dn_report_text(FILE *f, const struct ks_dn_report *r);
void ks_dn_report_csv(FILE *f, const struct ks_dn_report *r);

/* One source as a JSON object (keys in docs/formats.md); the caller owns it. */
json_t *ks_dn_source_json(const struct ks_dn_source *s, uint32_t threshold);
/* CSV header / row for sources; extra columns come first (e.g. org). */
void ks_dn_source_csv_header(FILE *f, const char *const *extra, size_t nextra);
void ks_dn_source_csv_row(FILE *f, const struct ks_dn_source *s, uint32_t threshold,
			  const char *const *extra, size_t nextra);
/* Fixed-width text table of sources. */
void ks_dn_source_text_header(FILE *f);
void ks_dn_source_text_row(FILE *f, const struct ks_dn_source *s, uint32_t threshold);
/* "23/tcp,2323/tcp" for the n busiest ports into buf. */
const char *ks_dn_source_ports(const struct ks_dn_source *s, size_t n, char *buf, size_t len);
/* "mirai,zmap" into buf ("" if none). */
const char *ks_dn_tags_str(unsigned tags, char *buf, size_t len);

#endif
