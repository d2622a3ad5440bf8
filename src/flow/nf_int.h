/* SPDX-License-Identifier: BSD-2-Clause */
/* Internals shared by the nf_*.c files of the NetFlow / IPFIX decoder
 * (nf_decode.h). Not for use outside src/flow/nf_*.c.
 *
 * Template cache, one open-addressing table per exporter keyed by
 * (domain, template id):
 *
 *        template record            data set, now - seen > timeout
 *   (none) ---------------> LIVE -------------------------------> (none)
 *                           |  ^   (also swept once a minute)
 *           same id again   |  |   withdrawal record (IPFIX)
 *           (refresh:       +--+   ------------------------------> (none)
 *            replaced)
 *
 * A data set whose template is not LIVE is skipped and counted in
 * no_template: its records are never guessed. */
#ifndef KS_NF_INT_H
#define KS_NF_INT_H

#include <stdint.h>

#include "ks_rd.h"
#include "nf_decode.h"

#define NF_VARLEN 65535u     /* template field length meaning "variable" (RFC 7011 7) */
#define NF_MAX_DOMAINS 32    /* per exporter; the least recently used is replaced */
#define NF_LOG_PER_EXPORTER 5 /* malformed-datagram warnings per exporter per minute */
#define NF_LOG_GLOBAL 50     /* ... and over all exporters per minute */
#define NF_SWEEP_MS 60000    /* expired templates are swept this often per exporter */

/* What a template field means to the normaliser (nf_record.c). */
enum nf_role {
	R_NONE = 0,
	R_SRC4, R_DST4, R_SRC6, R_DST6, R_SPORT, R_DPORT, R_PROTO, R_FLAGS, R_ICMP, R_ICMP_TYPE,
	R_ICMP_CODE,
	R_OCT, R_OCT_TOT, R_OCT_INIT, R_PKT, R_PKT_TOT, R_PKT_INIT,
	R_UP_FIRST, R_UP_LAST, R_S_START, R_S_END, R_MS_START, R_MS_END, R_US_START, R_US_END,
	R_NS_START, R_NS_END, R_DUS_START, R_DUS_END, R_SYSINIT,
	R_SAMP_INT, R_SAMP_RAND, R_SPI, R_SPS, R_SSIZE, R_SPOP,
	R_COUNT
};

struct nf_tfield {
	uint16_t id;
	uint16_t len; /* NF_VARLEN = variable */
	uint32_t pen;
	uint8_t role;
};

struct nf_tpl {
	uint32_t domain;
	uint16_t tid;
	uint8_t used, options;
	uint16_t nfields, scope_fields;
	uint32_t minlen; /* bytes of the shortest record (1 per variable field) */
	int64_t seen_ms; /* last (re)definition */
	struct nf_tfield *f;
};

/* Per (exporter, domain): sequence tracking and sampling. */
struct nf_dom {
	uint32_t domain;
	uint8_t used, seq_ok;
	uint32_t next_seq;
	uint32_t sampling; /* from options data; 0 = none known */
	int64_t used_ms;
};

struct nf_exp {
	struct ks_nf_exporter_stats st;
	struct nf_tpl *tpl; /* tcap slots (power of two) */
	uint32_t tcap, ntpl;
	struct nf_dom dom[NF_MAX_DOMAINS];
	int64_t next_sweep_ms;
	int64_t log_window_ms;
	uint32_t log_n;
	uint64_t log_suppressed;
};

struct ks_nf {
	struct ks_nf_limits lim;
	struct nf_exp *exp;
	uint32_t nexp, capexp;
	uint32_t *eidx; /* (addr, port) hash -> exporter index + 1 */
	uint32_t ecap;
	uint32_t last; /* index + 1 of the last exporter seen */
	uint64_t refused;
	void (*hook)(void *ctx, const struct ks_nf_rec *r);
	void *hook_ctx;
	struct ks_nf_field *hf;   /* hook fields: fields_per_template entries (>= 32) */
	struct nf_tfield *tf;     /* template being parsed: fields_per_template entries */
	int64_t glog_window_ms;
	uint32_t glog_n;
	size_t err_off;       /* fault of the last datagram (ks_nf_last_error) */
	const char *err_what; /* NULL: none */
};

/* State of one datagram being decoded. */
struct nf_ctx {
	struct ks_nf *nf;
	uint32_t ei; /* exporter index */
	const uint8_t *base;
	size_t len;
	struct ks_nf_hdr hdr;
	int64_t now_ms, export_ms;
	ks_flow_fn fn;
	void *fctx;
	struct nf_dom *dom;
	uint32_t v5_sampling; /* v5 header interval (0/1 = none) */
	uint32_t records;     /* data records seen (IPFIX sequence) */
	int count_unknown;    /* a data set could not be counted (no template) */
	size_t err_off;       /* where the fault is */
	const char *err_what; /* what was wrong */
};

static inline struct nf_exp *nf_exp_of(struct nf_ctx *c) { return &c->nf->exp[c->ei]; }
/* Absolute offset in the datagram of reader r's next byte. */
static inline size_t nf_off(const struct nf_ctx *c, const struct ks_rd *r)
{
	return (size_t)(r->base - c->base) + r->off;
}
/* Records the fault (first one wins) and returns err. */
int nf_fail(struct nf_ctx *c, size_t off, int err, const char *what);

/* nf_exporter.c */
int nf_exp_get(struct ks_nf *nf, const struct ks_addr *a, uint16_t port, int64_t now_ms, uint32_t *ei);
struct nf_dom *nf_dom_get(struct nf_exp *e, uint32_t domain, int64_t now_ms);
/* Sequence check: seq is this datagram's number, n what it accounts for
 * (packets or records); returns the loss to count. max_gap: larger forward
 * jumps are restarts. */
uint64_t nf_seq(struct nf_dom *d, uint32_t seq, uint32_t n, uint32_t max_gap);
void nf_log_malformed(struct nf_ctx *c, int err);
void nf_log_exp(struct ks_nf *nf, uint32_t ei, int64_t now_ms, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* nf_template.c */
const struct nf_tpl *nf_tpl_find(struct ks_nf *nf, struct nf_exp *e, uint32_t domain, uint16_t tid,
				 int64_t now_ms);
int nf_tpl_put(struct ks_nf *nf, struct nf_exp *e, uint32_t domain, uint16_t tid, int options,
	       uint16_t scope, const struct nf_tfield *f, uint16_t n, int64_t now_ms);
void nf_tpl_del(struct nf_exp *e, uint32_t domain, uint16_t tid);
void nf_tpl_del_all(struct nf_exp *e, uint32_t domain, int options);
void nf_tpl_sweep(struct ks_nf *nf, struct nf_exp *e, int64_t now_ms);
void nf_tpl_release(struct nf_exp *e);

/* nf_record.c */
uint8_t nf_role(uint16_t id, uint32_t pen);
/* Template / options template set (v9 flowset 0/1, IPFIX set 2/3). */
int nf_template_set(struct nf_ctx *c, struct ks_rd *s, uint16_t set_id);
/* Data set with id set_id >= 256. */
int nf_data_set(struct nf_ctx *c, struct ks_rd *s, uint16_t set_id);
/* Fills, samples and delivers a normalised flow from role values. */
uint64_t nf_uint(const uint8_t *p, size_t n);

/* versions */
int nf_v5(struct nf_ctx *c);
int nf_v9(struct nf_ctx *c);
int nf_ipfix(struct nf_ctx *c);

#endif
