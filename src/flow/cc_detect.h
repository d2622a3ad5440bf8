/* SPDX-License-Identifier: BSD-2-Clause */
/* C&C server detection over flow records: a streaming detector that takes
 * struct ks_flow records one at a time (ks_cc_add) and, at the end
 * (ks_cc_finish), ranks external endpoints (address, port, protocol) as
 * command-and-control candidates with their evidence.
 *
 * The score (docs/cc.md gives it whole, with sources and defaults):
 *
 *   score = F * (w_fan + w_beacon * B + w_size * Z) / (w_fan + w_beacon + w_size)
 *
 *   F  fan-in: how much more the endpoint's clients are infected hosts than
 *      the base rate of infection predicts, taking the infected share at the
 *      lower bound of its confidence interval (so more infected clients
 *      weigh more); computed over the clients that beacon to it and, at
 *      half weight, over all its clients; the larger kept. F is a factor,
 *      not a term: a service that clean hosts use as much as infected ones
 *      (NTP, updates) scores 0 however regular its traffic.
 *   B  periodicity: mean timing score of the infected clients' contacts, in
 *      the manner of RITA's beacon analysis (Bowley skewness and median
 *      absolute deviation of inter-arrival times, connection count, spread
 *      over the hours of the observation).
 *   Z  sizes: mean size score of the same contacts (Bowley skewness and
 *      median absolute deviation of bytes per flow, smallness of the mode).
 *
 * Pipeline position: flows come from the collector or from stored segments
 * (src/flow/flow.h); the results go to `kansoku flow detect-cc` and, as
 * struct ks_cc_entry, to the sharing formats (cc_share.h).
 *
 * Memory is bounded by caps given at creation (hosts, endpoints, host-endpoint
 * pairs, timestamps kept per pair); a flow that would pass a cap is dropped
 * and counted, and a pair that fills its timestamp array keeps every second
 * contact from then on (a regular beacon stays regular when thinned).
 *
 * Not thread-safe: one detector per thread. */
#ifndef KS_CC_DETECT_H
#define KS_CC_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "ks_addr.h"
#include "ks_prefix.h"

struct ks_cc_params {
	/* Weights of the regularity factor (see above). Defaults 0.4, 0.4, 0.2. */
	double w_fan, w_beacon, w_size;
	/* Confidence of the infected share: the lower bound of its Wilson score
	 * interval at z standard deviations is used (0 = the share itself).
	 * Default 1.645 (one-sided 95 %). */
	double z;
	/* Weight of the fan-in counted over all clients against the fan-in
	 * over beaconing clients (weight 1): infected clients that do not
	 * beacon are weaker evidence. Default 0.5. */
	double fan_all;
	/* Minimum distinct infected clients for an endpoint to be a candidate.
	 * Default 2. */
	uint32_t min_infected;
	/* Minimum contacts (flows client -> server) of a pair for it to get a
	 * beacon score; fewer gives 0. Default 8. */
	uint32_t min_contacts;
	/* Contacts for a full connection-count score. Default 24. */
	uint32_t full_contacts;
	/* A client beacons to an endpoint when its pair beacon score and the
	 * score's timing part both reach this. Default 0.7. */
	double beacon_min;
	/* Candidates below this score are left out of the result. Default 0.15. */
	double min_score;
	/* At most this many candidates in the result (0 = all). Default 0. */
	uint32_t max_results;
	/* At most this many hosts listed as evidence per candidate. Default 64. */
	uint32_t max_evidence_hosts;
	/* Caps. Defaults 1<<20 hosts, 1<<20 endpoints, 1<<22 pairs, 2048
	 * timestamps per pair (at least 16). */
	uint32_t max_hosts, max_endpoints, max_pairs, max_ts;
	/* Keep TCP flows that show only a connection attempt or its refusal
	 * (rule in docs/cc.md: scans, unanswered SYNs, RST answers). Default
	 * false: they are counted as tcp_attempts and not recorded. */
	bool keep_attempts;
	/* Time window on flow start: [since_ms, until_ms); 0 = unbounded. */
	int64_t since_ms, until_ms;
};

/* Fills p with the defaults above. */
void ks_cc_params_default(struct ks_cc_params *p);

/* Counters; every flow not used is counted under exactly one reason. */
struct ks_cc_stats {
	uint64_t flows;          /* flows given to ks_cc_add */
	uint64_t used;           /* flows that went into a pair */
	uint64_t outside_window; /* first_ms outside [since, until) */
	uint64_t tcp_attempts;   /* TCP connection attempts / refusals only */
	uint64_t not_crossing;   /* internal given: both ends inside or both outside */
	uint64_t inbound_new;    /* internal given: external -> internal with no pair yet */
	uint64_t allowed;        /* server on the allowlist */
	uint64_t cap_hosts, cap_endpoints, cap_pairs; /* dropped at a cap */
	uint64_t ts_thinned;     /* times a pair's timestamp array was halved */
};

/* Evidence: one client host of a candidate. */
struct ks_cc_host {
	struct ks_addr addr;
	bool infected;
	bool beaconing;          /* beacon and ts >= beacon_min */
	double beacon;           /* pair beacon score 0..1: (ts + ds + spread) / 3 */
	double ts, ds, spread;   /* its components, each 0..1 */
	uint32_t contacts;       /* client -> server flows */
	uint64_t flows;          /* both directions */
	uint64_t bytes_out;      /* client -> server */
	uint64_t bytes_in;       /* server -> client */
	int64_t first_ms, last_ms;
	int64_t interval_ms;     /* median interval between contacts, 0 if < 2 */
};

struct ks_cc_cand {
	struct ks_addr addr;
	uint16_t port;
	uint8_t proto;
	double score;            /* 0..1 */
	double fanin, beacon, size; /* F, B, Z above */
	uint32_t infected, clean;   /* distinct clients of each kind */
	uint32_t infected_beaconing, clean_beaconing;
	uint64_t flows, bytes_out, bytes_in;
	int64_t first_ms, last_ms;
	/* Infected clients first, then clean ones; each group by beacon score
	 * descending, then address. At most max_evidence_hosts. */
	struct ks_cc_host *hosts;
	size_t nhosts;
	bool hosts_truncated;
};

struct ks_cc_result {
	struct ks_cc_cand *v; /* ranked: score descending, then address, port, proto */
	size_t n;
	uint32_t hosts_infected, hosts_clean; /* distinct client hosts seen */
	double base_rate;                     /* infected / (infected + clean) */
	int64_t first_ms, last_ms;            /* span of the flows used */
	struct ks_cc_stats stats;
};

struct ks_cc;

/* Creates a detector.
 *   p          parameters (NULL = defaults); copied.
 *   internal   the operator's own address space, built (ks_pset_build), or
 *              NULL to infer the client side of every flow (rule in
 *              docs/cc.md: a known-infected end is the client, else the end
 *              with the well-known / lower port is the server). Borrowed:
 *              must outlive the detector.
 *   is_infected  called once per new client host (then cached); NULL means
 *              no host is infected. ictx is passed to it.
 *   allow      known-good servers (built set of prefixes) or NULL; borrowed.
 *              Flows to an allowed server are not recorded.
 * Returns 0, KS_EINVAL (bad parameters: weights negative or all zero,
 * beacon_min or min_score outside 0..1, a zero cap) or KS_ENOMEM. Caller
 * frees *out with ks_cc_free(). */
int ks_cc_new(const struct ks_cc_params *p, const struct ks_pset *internal,
	      bool (*is_infected)(void *ictx, const struct ks_addr *a), void *ictx,
	      const struct ks_pset *allow, struct ks_cc **out);

/* Adds one flow. Returns 0 if the flow was used or skipped for a reason
 * counted in the stats (window, direction, allowlist), KS_ELIMIT if a cap
 * dropped it (counted; the detector stays usable), KS_ENOMEM, or KS_EINVAL
 * after ks_cc_finish(). */
int ks_cc_add(struct ks_cc *cc, const struct ks_flow *f);

/* Adapter for ks_flow_fn callbacks: ctx is the struct ks_cc. Returns only
 * KS_ENOMEM as an error (caps are counted, not fatal). */
int ks_cc_add_fn(void *ctx, const struct ks_flow *f);

/* Scores everything added and fills *out (caller releases it with
 * ks_cc_result_release). Call once; the detector then accepts no more
 * flows but its stats stay readable. Returns 0, KS_EINVAL (called twice)
 * or KS_ENOMEM (*out then empty). */
int ks_cc_finish(struct ks_cc *cc, struct ks_cc_result *out);

/* Counters so far. */
const struct ks_cc_stats *ks_cc_stats(const struct ks_cc *cc);

void ks_cc_result_release(struct ks_cc_result *r);
void ks_cc_free(struct ks_cc *cc); /* NULL is a no-op */

/* The beacon score of one pair, exposed for tests and for tools that score
 * one host's contacts. */
struct ks_cc_beacon_parts {
	double beacon;       /* (ts + ds + spread) / 3 */
	double ts;           /* timing: (skew score + MAD score + count score) / 3 */
	double ds;           /* sizes: (skew score + MAD score + smallness) / 3 */
	double spread;       /* hours with contacts / hours observed */
	int64_t interval_ms; /* median interval between contacts (0 if none) */
};
/* ts_ms[0..n): contact start times; sizes[0..n): bytes client -> server per
 * contact; both arrays are overwritten (used as scratch). contacts: all
 * contacts of the pair when ts_ms holds a thinned sample (0 = n); used for
 * the count score. hours: a lower bound of the clock hours with a contact
 * known to the caller (0 = none); the larger of it and the hours found in
 * ts_ms is used. span_hours: hours spanned by the whole observation (0 is
 * taken as 1). Uses p->min_contacts and p->full_contacts; when contacts <
 * min_contacts every part is 0. */
void ks_cc_beacon(int64_t *ts_ms, uint64_t *sizes, size_t n, uint64_t contacts, uint64_t hours,
		  const struct ks_cc_params *p, uint64_t span_hours, struct ks_cc_beacon_parts *out);

#endif
