/* SPDX-License-Identifier: BSD-2-Clause */
/* C&C candidate scoring over flow records (contract in cc_detect.h, the
 * formula with its sources in docs/cc.md).
 *
 * State is three tables, each an array of entries plus an open-addressing
 * index of entry numbers, grown by doubling up to the cap given at
 * creation:
 *
 *   hosts      client hosts (the operator's side), with their infected flag
 *              asked once from the caller's callback
 *   endpoints  (server address, port, protocol), with the head of a list
 *              of its pairs
 *   pairs      (host, endpoint): counts, bytes each way, and the contact
 *              times and sizes the beacon score needs
 *
 * A pair keeps at most max_ts contacts. When full it drops every second one
 * it holds and from then on stores only every second contact it sees
 * ("stride" doubles), so a long beacon keeps its regularity and its spread
 * over the day at half the resolution.
 *
 *   contact k arrives ──> k % stride == 0 ? ──no──> counted only
 *                               │yes
 *                         n == max_ts ? ──yes──> keep even slots, stride *= 2,
 *                               │no               store if still k % stride == 0
 *                             store
 *
 * Contacts are client -> server flows. Exporters that see one direction of
 * the traffic only (asymmetric routing) may give server -> client flows
 * alone: such a pair uses those as contacts until its first client ->
 * server flow arrives, which restarts its contact list. */
#include "cc_detect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "ks_err.h"

struct host {
	struct ks_addr a;
	uint8_t infected;
};

struct ep {
	struct ks_addr a;
	uint16_t port;
	uint8_t proto;
	uint32_t pairs; /* first pair index + 1, 0 = none */
	int64_t first, last;
	uint64_t flows, bytes_out, bytes_in;
};

struct pair {
	uint32_t host, ep;
	uint32_t next;         /* next pair of the same endpoint, index + 1 */
	uint32_t n, cap;       /* stored contacts / room */
	uint32_t stride;       /* store contact k when k % stride == 0 */
	uint8_t reverse_only;  /* contacts so far are server -> client flows */
	uint64_t seen;         /* contacts seen (stored or not) */
	uint32_t hours;        /* times a contact came in a later clock hour than all
				* before: the distinct hours when contacts arrive in
				* time order, fewer otherwise (kept through thinning) */
	int64_t max_hr;        /* latest clock hour of a contact */
	int64_t first, last;
	uint64_t flows, bytes_out, bytes_in;
	int64_t *ts;
	uint32_t *sz;
};

/* Open-addressing index: slot holds entry index + 1, 0 = empty. */
struct idx {
	uint32_t *slot;
	uint32_t mask; /* slots - 1 */
};

struct ks_cc {
	struct ks_cc_params p;
	const struct ks_pset *internal, *allow;
	bool (*is_infected)(void *, const struct ks_addr *);
	void *ictx;
	struct host *host;
	struct ep *ep;
	struct pair *pair;
	uint32_t nhost, nep, npair;
	uint32_t cap_host, cap_ep, cap_pair; /* allocated entries */
	struct idx ih, ie, ip;
	int64_t first, last; /* span of used flows */
	bool finished;
	struct ks_cc_stats st;
};

void ks_cc_params_default(struct ks_cc_params *p)
{
	memset(p, 0, sizeof *p);
	p->w_fan = 0.4;
	p->w_beacon = 0.4;
	p->w_size = 0.2;
	p->z = 1.645;
	p->fan_all = 0.5;
	p->min_infected = 2;
	p->min_contacts = 8;
	p->full_contacts = 24;
	p->beacon_min = 0.7;
	p->min_score = 0.15;
	p->max_results = 0;
	p->max_evidence_hosts = 64;
	p->max_hosts = 1u << 20;
	p->max_endpoints = 1u << 20;
	p->max_pairs = 1u << 22;
	p->max_ts = 2048;
}

/* ---- hashing and the index ------------------------------------------------ */

static uint64_t hash_host(const struct ks_addr *a) { return XXH3_64bits(a->b, 16); }

static uint64_t hash_ep(const struct ks_addr *a, uint16_t port, uint8_t proto)
{
	uint8_t k[19];
	memcpy(k, a->b, 16);
	k[16] = (uint8_t)(port >> 8);
	k[17] = (uint8_t)port;
	k[18] = proto;
	return XXH3_64bits(k, sizeof k);
}

static uint64_t hash_pair(uint32_t h, uint32_t e)
{
	uint64_t k = (uint64_t)h << 32 | e;
	return XXH3_64bits(&k, sizeof k);
}

/* Makes room for one more entry when n entries are indexed: keeps the
 * load at most one half. rehash() recomputes each entry's hash. */
typedef uint64_t (*entry_hash_fn)(const struct ks_cc *cc, uint32_t i);

static uint64_t eh_host(const struct ks_cc *cc, uint32_t i) { return hash_host(&cc->host[i].a); }
static uint64_t eh_ep(const struct ks_cc *cc, uint32_t i)
{
	return hash_ep(&cc->ep[i].a, cc->ep[i].port, cc->ep[i].proto);
}
static uint64_t eh_pair(const struct ks_cc *cc, uint32_t i)
{
	return hash_pair(cc->pair[i].host, cc->pair[i].ep);
}

static int idx_reserve(struct ks_cc *cc, struct idx *ix, uint32_t n, entry_hash_fn fn)
{
	uint64_t slots = (uint64_t)ix->mask + 1;
	if (ix->slot != NULL && (uint64_t)(n + 1) * 2 <= slots)
		return 0;
	uint64_t ns = ix->slot ? slots * 2 : 64;
	while ((uint64_t)(n + 1) * 2 > ns)
		ns *= 2;
	uint32_t *s = calloc(ns, sizeof *s);
	if (s == NULL)
		return KS_ENOMEM;
	uint32_t mask = (uint32_t)(ns - 1);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t j = (uint32_t)fn(cc, i) & mask;
		while (s[j] != 0)
			j = (j + 1) & mask;
		s[j] = i + 1;
	}
	free(ix->slot);
	ix->slot = s;
	ix->mask = mask;
	return 0;
}

/* Grows an entry array (element size sz) to room for n + 1 entries. */
static int arr_reserve(void **v, uint32_t *cap, uint32_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	uint32_t nc = *cap ? *cap * 2 : 64;
	void *p = reallocarray(*v, nc, sz);
	if (p == NULL)
		return KS_ENOMEM;
	*v = p;
	*cap = nc;
	return 0;
}

/* ---- lookups ---------------------------------------------------------------- */

/* Each find returns the slot where the key is or would go. */
static uint32_t *find_host(struct ks_cc *cc, const struct ks_addr *a)
{
	uint32_t j = (uint32_t)hash_host(a) & cc->ih.mask;
	for (;;) {
		uint32_t v = cc->ih.slot[j];
		if (v == 0 || memcmp(cc->host[v - 1].a.b, a->b, 16) == 0)
			return &cc->ih.slot[j];
		j = (j + 1) & cc->ih.mask;
	}
}

static uint32_t *find_ep(struct ks_cc *cc, const struct ks_addr *a, uint16_t port, uint8_t proto)
{
	uint32_t j = (uint32_t)hash_ep(a, port, proto) & cc->ie.mask;
	for (;;) {
		uint32_t v = cc->ie.slot[j];
		if (v == 0)
			return &cc->ie.slot[j];
		const struct ep *e = &cc->ep[v - 1];
		if (e->port == port && e->proto == proto && memcmp(e->a.b, a->b, 16) == 0)
			return &cc->ie.slot[j];
		j = (j + 1) & cc->ie.mask;
	}
}

static uint32_t *find_pair(struct ks_cc *cc, uint32_t h, uint32_t e)
{
	uint32_t j = (uint32_t)hash_pair(h, e) & cc->ip.mask;
	for (;;) {
		uint32_t v = cc->ip.slot[j];
		if (v == 0 || (cc->pair[v - 1].host == h && cc->pair[v - 1].ep == e))
			return &cc->ip.slot[j];
		j = (j + 1) & cc->ip.mask;
	}
}

/* Index + 1 of the host, created if new; 0 with *err set on cap/memory. */
static uint32_t get_host(struct ks_cc *cc, const struct ks_addr *a, int *err)
{
	uint32_t *s = find_host(cc, a);
	if (*s != 0)
		return *s;
	if (cc->nhost >= cc->p.max_hosts) {
		cc->st.cap_hosts++;
		*err = KS_ELIMIT;
		return 0;
	}
	if ((*err = arr_reserve((void **)&cc->host, &cc->cap_host, cc->nhost, sizeof *cc->host)) != 0)
		return 0;
	if (cc->ih.mask + 1 < (uint64_t)(cc->nhost + 1) * 2) {
		if ((*err = idx_reserve(cc, &cc->ih, cc->nhost, eh_host)) != 0)
			return 0;
		s = find_host(cc, a);
	}
	struct host *h = &cc->host[cc->nhost];
	h->a = *a;
	h->infected = cc->is_infected ? cc->is_infected(cc->ictx, a) : 0;
	*s = ++cc->nhost;
	return *s;
}

static uint32_t get_ep(struct ks_cc *cc, const struct ks_addr *a, uint16_t port, uint8_t proto,
		       int *err)
{
	uint32_t *s = find_ep(cc, a, port, proto);
	if (*s != 0)
		return *s;
	if (cc->nep >= cc->p.max_endpoints) {
		cc->st.cap_endpoints++;
		*err = KS_ELIMIT;
		return 0;
	}
	if ((*err = arr_reserve((void **)&cc->ep, &cc->cap_ep, cc->nep, sizeof *cc->ep)) != 0)
		return 0;
	if (cc->ie.mask + 1 < (uint64_t)(cc->nep + 1) * 2) {
		if ((*err = idx_reserve(cc, &cc->ie, cc->nep, eh_ep)) != 0)
			return 0;
		s = find_ep(cc, a, port, proto);
	}
	struct ep *e = &cc->ep[cc->nep];
	memset(e, 0, sizeof *e);
	e->a = *a;
	e->port = port;
	e->proto = proto;
	e->first = INT64_MAX;
	e->last = INT64_MIN;
	*s = ++cc->nep;
	return *s;
}

static uint32_t get_pair(struct ks_cc *cc, uint32_t h, uint32_t e, int *err)
{
	uint32_t *s = find_pair(cc, h, e);
	if (*s != 0)
		return *s;
	if (cc->npair >= cc->p.max_pairs) {
		cc->st.cap_pairs++;
		*err = KS_ELIMIT;
		return 0;
	}
	if ((*err = arr_reserve((void **)&cc->pair, &cc->cap_pair, cc->npair, sizeof *cc->pair)) != 0)
		return 0;
	if (cc->ip.mask + 1 < (uint64_t)(cc->npair + 1) * 2) {
		if ((*err = idx_reserve(cc, &cc->ip, cc->npair, eh_pair)) != 0)
			return 0;
		s = find_pair(cc, h, e);
	}
	struct pair *p = &cc->pair[cc->npair];
	memset(p, 0, sizeof *p);
	p->host = h;
	p->ep = e;
	p->stride = 1;
	p->first = INT64_MAX;
	p->last = INT64_MIN;
	struct ep *ep = &cc->ep[e - 1];
	p->next = ep->pairs;
	ep->pairs = cc->npair + 1;
	*s = ++cc->npair;
	return *s;
}

/* ---- creation ----------------------------------------------------------------- */

int ks_cc_new(const struct ks_cc_params *p, const struct ks_pset *internal,
	      bool (*is_infected)(void *ictx, const struct ks_addr *a), void *ictx,
	      const struct ks_pset *allow, struct ks_cc **out)
{
	struct ks_cc_params d;
	*out = NULL;
	if (p == NULL) {
		ks_cc_params_default(&d);
		p = &d;
	}
	if (!(p->w_fan >= 0 && p->w_beacon >= 0 && p->w_size >= 0) ||
	    !(p->w_fan + p->w_beacon + p->w_size > 0) || !(p->z >= 0 && p->z <= 10) || !(p->fan_all >= 0 && p->fan_all <= 1) ||
	    !(p->beacon_min >= 0 && p->beacon_min <= 1) || !(p->min_score >= 0 && p->min_score <= 1) ||
	    p->max_hosts == 0 || p->max_endpoints == 0 || p->max_pairs == 0 || p->max_ts < 16 ||
	    p->min_contacts < 3 || p->full_contacts == 0 || p->max_hosts >= UINT32_MAX / 2 ||
	    p->max_endpoints >= UINT32_MAX / 2 || p->max_pairs >= UINT32_MAX / 2)
		return KS_EINVAL;
	struct ks_cc *cc = calloc(1, sizeof *cc);
	if (cc == NULL)
		return KS_ENOMEM;
	cc->p = *p;
	cc->internal = internal;
	cc->allow = allow;
	cc->is_infected = is_infected;
	cc->ictx = ictx;
	cc->first = INT64_MAX;
	cc->last = INT64_MIN;
	if (idx_reserve(cc, &cc->ih, 0, eh_host) != 0 || idx_reserve(cc, &cc->ie, 0, eh_ep) != 0 ||
	    idx_reserve(cc, &cc->ip, 0, eh_pair) != 0) {
		ks_cc_free(cc);
		return KS_ENOMEM;
	}
	*out = cc;
	return 0;
}

void ks_cc_free(struct ks_cc *cc)
{
	if (cc == NULL)
		return;
	for (uint32_t i = 0; i < cc->npair; i++) {
		free(cc->pair[i].ts);
		free(cc->pair[i].sz);
	}
	free(cc->pair);
	free(cc->ep);
	free(cc->host);
	free(cc->ih.slot);
	free(cc->ie.slot);
	free(cc->ip.slot);
	free(cc);
}

const struct ks_cc_stats *ks_cc_stats(const struct ks_cc *cc) { return &cc->st; }

/* ---- adding flows ------------------------------------------------------------- */

static bool has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 33; /* TCP UDP SCTP DCCP */
}

/* Which end of a flow is the server when the operator's prefixes are not
 * known: (1) if exactly one end is a known infected host, that end is the
 * client; (2) else for protocols with ports, the end with a well-known port
 * (1..1023) when the other has none; (3) else the lower port (0 ranks
 * last), (4) else the destination. */
static bool infer_dst_is_server(struct ks_cc *cc, const struct ks_flow *f)
{
	if (cc->is_infected) {
		bool si = cc->is_infected(cc->ictx, &f->src), di = cc->is_infected(cc->ictx, &f->dst);
		if (si != di)
			return si;
	}
	if (!has_ports(f->proto))
		return true;
	bool sw = f->sport >= 1 && f->sport <= 1023, dw = f->dport >= 1 && f->dport <= 1023;
	if (sw != dw)
		return dw;
	uint32_t sp = f->sport ? f->sport : 65536u, dp = f->dport ? f->dport : 65536u;
	if (sp != dp)
		return dp < sp;
	return true;
}

static int64_t floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int pair_store(struct ks_cc *cc, struct pair *p, int64_t t, uint64_t bytes)
{
	int64_t hr = floordiv(t, 3600000);
	if (p->seen == 0 || hr > p->max_hr) {
		p->hours++;
		p->max_hr = hr;
	}
	uint64_t k = p->seen++;
	if (k % p->stride != 0)
		return 0;
	if (p->n == cc->p.max_ts) {
		if (p->stride >= 1u << 30)
			return 0; /* 2^30 * max_ts contacts: keep what is held */
		/* Thin: keep contacts 0, 2, 4 ... of those held. */
		uint32_t m = 0;
		for (uint32_t i = 0; i < p->n; i += 2, m++) {
			p->ts[m] = p->ts[i];
			p->sz[m] = p->sz[i];
		}
		p->n = m;
		p->stride *= 2;
		cc->st.ts_thinned++;
		if (k % p->stride != 0)
			return 0;
	}
	if (p->n == p->cap) {
		uint32_t nc = p->cap ? p->cap * 2 : 4; /* most pairs hold a few contacts */
		if (nc > cc->p.max_ts)
			nc = cc->p.max_ts;
		int64_t *ts = reallocarray(p->ts, nc, sizeof *ts);
		if (ts == NULL)
			return KS_ENOMEM;
		p->ts = ts;
		uint32_t *sz = reallocarray(p->sz, nc, sizeof *sz);
		if (sz == NULL)
			return KS_ENOMEM;
		p->sz = sz;
		p->cap = nc;
	}
	p->ts[p->n] = t;
	p->sz[p->n] = bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)bytes;
	p->n++;
	return 0;
}

/* TCP flags as RFC 9293 numbers them. */
#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

/* A TCP flow that shows only a connection attempt or its refusal: no ACK,
 * PSH or FIN (a SYN nobody answered, a lone RST), or at most two packets of
 * nothing but SYN, ACK and RST with a SYN or RST among them (a half-open
 * probe, its SYN-ACK, a RST-ACK refusal). Infected hosts scan: these are
 * most of their flows, and each would make an endpoint and a pair. Flows
 * without recorded flags (0) are kept. */
static bool tcp_attempt(const struct ks_flow *f)
{
	uint8_t fl = f->tcp_flags;
	if (f->proto != 6 || fl == 0)
		return false;
	if ((fl & (TH_ACK | TH_PSH | TH_FIN)) == 0)
		return true;
	return (fl & ~(TH_SYN | TH_ACK | TH_RST)) == 0 && (fl & (TH_SYN | TH_RST)) != 0 &&
	       f->packets <= 2;
}

int ks_cc_add(struct ks_cc *cc, const struct ks_flow *f)
{
	if (cc->finished)
		return KS_EINVAL;
	cc->st.flows++;
	if ((cc->p.since_ms != 0 && f->first_ms < cc->p.since_ms) ||
	    (cc->p.until_ms != 0 && f->first_ms >= cc->p.until_ms)) {
		cc->st.outside_window++;
		return 0;
	}
	if (!cc->p.keep_attempts && tcp_attempt(f)) {
		cc->st.tcp_attempts++;
		return 0;
	}
	bool fwd; /* src is the client */
	if (cc->internal) {
		bool si = ks_pset_lookup(cc->internal, &f->src, NULL);
		bool di = ks_pset_lookup(cc->internal, &f->dst, NULL);
		if (si == di) {
			cc->st.not_crossing++;
			return 0;
		}
		fwd = si;
	} else {
		fwd = infer_dst_is_server(cc, f);
	}
	const struct ks_addr *client = fwd ? &f->src : &f->dst;
	const struct ks_addr *server = fwd ? &f->dst : &f->src;
	uint16_t port = has_ports(f->proto) ? (fwd ? f->dport : f->sport) : 0;
	if (cc->allow && ks_pset_lookup(cc->allow, server, NULL)) {
		cc->st.allowed++;
		return 0;
	}
	int err = 0;
	uint32_t h, e, pi;
	if (cc->internal && !fwd) {
		/* Inbound: only the answer of a pair already seen. Unsolicited
		 * inbound flows (scans of the operator's hosts) would each make
		 * an endpoint of an ephemeral port. */
		uint32_t *s = find_host(cc, client);
		h = *s;
		e = h ? *find_ep(cc, server, port, f->proto) : 0;
		pi = e ? *find_pair(cc, h, e) : 0;
		if (pi == 0) {
			cc->st.inbound_new++;
			return 0;
		}
	} else {
		h = get_host(cc, client, &err);
		if (h == 0)
			return err;
		e = get_ep(cc, server, port, f->proto, &err);
		if (e == 0)
			return err;
		pi = get_pair(cc, h, e, &err);
		if (pi == 0)
			return err;
	}
	struct pair *p = &cc->pair[pi - 1];
	struct ep *ep = &cc->ep[e - 1];
	int64_t last = f->last_ms >= f->first_ms ? f->last_ms : f->first_ms;
	p->flows++;
	ep->flows++;
	if (f->first_ms < p->first)
		p->first = f->first_ms;
	if (last > p->last)
		p->last = last;
	if (f->first_ms < ep->first)
		ep->first = f->first_ms;
	if (last > ep->last)
		ep->last = last;
	if (f->first_ms < cc->first)
		cc->first = f->first_ms;
	if (last > cc->last)
		cc->last = last;
	if (fwd) {
		p->bytes_out += f->bytes;
		ep->bytes_out += f->bytes;
		if (p->reverse_only) {
			p->n = 0;
			p->seen = 0;
			p->hours = 0;
			p->stride = 1;
			p->reverse_only = 0;
		}
		err = pair_store(cc, p, f->first_ms, f->bytes);
	} else {
		p->bytes_in += f->bytes;
		ep->bytes_in += f->bytes;
		if (p->bytes_out == 0 && (p->reverse_only || p->seen == 0)) {
			p->reverse_only = 1;
			err = pair_store(cc, p, f->first_ms, f->bytes);
		}
	}
	if (err == 0)
		cc->st.used++;
	return err;
}

int ks_cc_add_fn(void *ctx, const struct ks_flow *f)
{
	int r = ks_cc_add(ctx, f);
	return r == KS_ENOMEM ? r : 0;
}

/* ---- beacon score ----------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Percentile of sorted v[0..n) as RITA takes it: v[round(q * (n - 1))]. */
static size_t pct(size_t n, double q) { return (size_t)lround(q * (double)(n - 1)); }

static double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

/* Bowley skewness score 1 - |skew| of quartiles lo, mid, hi; the skew is
 * taken as 0 when the spread hi - lo is below min_den or the median sits on
 * a quartile (RITA's guard against degenerate quartiles). */
static double skew_score(double lo, double mid, double hi, double min_den)
{
	double den = hi - lo;
	if (den < min_den || mid == lo || mid == hi)
		return 1.0;
	return clamp01(1.0 - fabs((lo + hi - 2 * mid) / den));
}

void ks_cc_beacon(int64_t *ts_ms, uint64_t *sizes, size_t n, uint64_t contacts, uint64_t hours,
		  const struct ks_cc_params *p, uint64_t span_hours, struct ks_cc_beacon_parts *out)
{
	memset(out, 0, sizeof *out);
	if (contacts < n)
		contacts = n;
	if (contacts < p->min_contacts || n < 2)
		return;
	if (span_hours == 0)
		span_hours = 1;
	qsort(ts_ms, n, sizeof *ts_ms, cmp_i64);

	/* Spread: distinct clock hours with a contact. */
	uint64_t found = 0;
	int64_t prev = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t hr = floordiv(ts_ms[i], 3600000);
		if (i == 0 || hr != prev)
			found++;
		prev = hr;
	}
	if (found > hours)
		hours = found;
	out->spread = clamp01((double)hours / (double)span_hours);

	/* Intervals, in place; those under a second are one burst. */
	size_t m = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		int64_t d = ts_ms[i + 1] - ts_ms[i];
		if (d >= 1000)
			ts_ms[m++] = d;
	}
	if (m > 0) {
		qsort(ts_ms, m, sizeof *ts_ms, cmp_i64);
		double lo = (double)ts_ms[pct(m, 0.25)], mid = (double)ts_ms[pct(m, 0.5)],
		       hi = (double)ts_ms[pct(m, 0.75)];
		out->interval_ms = ts_ms[pct(m, 0.5)];
		double skew = skew_score(lo, mid, hi, 10000.0);
		for (size_t i = 0; i < m; i++)
			ts_ms[i] = llabs(ts_ms[i] - out->interval_ms);
		qsort(ts_ms, m, sizeof *ts_ms, cmp_i64);
		double madm = (double)ts_ms[pct(m, 0.5)];
		double mads = mid >= 1 ? clamp01(1.0 - madm / mid) : 0;
		double conn = clamp01((double)contacts / (double)p->full_contacts);
		out->ts = (skew + mads + conn) / 3.0;
	}

	/* Sizes. */
	qsort(sizes, n, sizeof *sizes, cmp_u64);
	double lo = (double)sizes[pct(n, 0.25)], mid = (double)sizes[pct(n, 0.5)],
	       hi = (double)sizes[pct(n, 0.75)];
	uint64_t mode = sizes[0], run = 0, best = 0;
	for (size_t i = 0; i < n; i++) {
		run = (i > 0 && sizes[i] == sizes[i - 1]) ? run + 1 : 1;
		if (run > best) {
			best = run;
			mode = sizes[i];
		}
	}
	/* With no size repeated the mode says nothing (it would be the
	 * smallest size); the median stands in. */
	uint64_t med = sizes[pct(n, 0.5)];
	if (best < 2)
		mode = med;
	double skew = skew_score(lo, mid, hi, 10.0);
	for (size_t i = 0; i < n; i++)
		sizes[i] = sizes[i] > med ? sizes[i] - med : med - sizes[i];
	qsort(sizes, n, sizeof *sizes, cmp_u64);
	double madm = (double)sizes[pct(n, 0.5)];
	double mads = mid >= 1 ? clamp01(1.0 - madm / mid) : 0;
	double small = clamp01(1.0 - (double)mode / 65535.0);
	out->ds = (skew + mads + small) / 3.0;
	out->beacon = (out->ts + out->ds + out->spread) / 3.0;
}

/* ---- scoring ------------------------------------------------------------------ */

struct pscore {
	struct ks_cc_beacon_parts b;
};

/* Lower bound of the Wilson score interval for a proportion x / n at z
 * standard deviations (Wilson 1927): the share of infected clients we are
 * confident of, so that 2 of 2 counts for less than 20 of 20. z = 0 gives
 * x / n itself. */
static double wilson_lb(uint32_t x, uint32_t n, double z)
{
	if (n == 0)
		return 0;
	double p = (double)x / n, z2 = z * z, nn = n;
	double lb = (p + z2 / (2 * nn) - z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn))) / (1 + z2 / nn);
	return clamp01(lb);
}

/* Association of an endpoint's clients with infection beyond the base rate:
 * the confident infected share s = wilson_lb(x, x + y) rescaled so that
 * s = b gives 0 and s = 1 gives 1. With no clean host seen at all there is
 * no contrast, and s itself is used. */
static double specificity(uint32_t x, uint32_t y, double b, bool no_clean, double z)
{
	if (x == 0)
		return 0;
	double s = wilson_lb(x, x + y, z);
	if (no_clean || b >= 1.0)
		return s;
	return clamp01((s - b) / (1.0 - b));
}

/* A pair beacons when its beacon score and its timing part both reach
 * beacon_min: sizes and spread alone can look regular for browsing in a
 * short window, the intervals cannot. */
static bool is_beaconing(const struct ks_cc_params *p, const struct ks_cc_beacon_parts *b)
{
	return b->beacon > 0 && b->beacon >= p->beacon_min && b->ts >= p->beacon_min;
}

static int cmp_host(const void *pa, const void *pb)
{
	const struct ks_cc_host *a = pa, *b = pb;
	if (a->infected != b->infected)
		return a->infected ? -1 : 1;
	if (a->beacon != b->beacon)
		return a->beacon > b->beacon ? -1 : 1;
	return ks_addr_cmp(&a->addr, &b->addr);
}

static int cmp_cand(const void *pa, const void *pb)
{
	const struct ks_cc_cand *a = pa, *b = pb;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	int c = ks_addr_cmp(&a->addr, &b->addr);
	if (c != 0)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (a->proto > b->proto) - (a->proto < b->proto);
}

void ks_cc_result_release(struct ks_cc_result *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].hosts);
	free(r->v);
	memset(r, 0, sizeof *r);
}

static void fill_host(const struct ks_cc *cc, const struct pair *p, const struct pscore *ps,
		      struct ks_cc_host *h)
{
	const struct host *ho = &cc->host[p->host - 1];
	memset(h, 0, sizeof *h);
	h->addr = ho->a;
	h->infected = ho->infected;
	h->beacon = ps->b.beacon;
	h->beaconing = is_beaconing(&cc->p, &ps->b);
	h->ts = ps->b.ts;
	h->ds = ps->b.ds;
	h->spread = ps->b.spread;
	h->interval_ms = ps->b.interval_ms;
	h->contacts = p->seen > UINT32_MAX ? UINT32_MAX : (uint32_t)p->seen;
	h->flows = p->flows;
	h->bytes_out = p->bytes_out;
	h->bytes_in = p->bytes_in;
	h->first_ms = p->first;
	h->last_ms = p->last;
}

int ks_cc_finish(struct ks_cc *cc, struct ks_cc_result *out)
{
	memset(out, 0, sizeof *out);
	if (cc->finished)
		return KS_EINVAL;
	cc->finished = true;
	int r = KS_ENOMEM;
	struct pscore *ps = calloc(cc->npair ? cc->npair : 1, sizeof *ps);
	int64_t *ts = malloc(cc->p.max_ts * sizeof *ts);
	uint64_t *sz = malloc(cc->p.max_ts * sizeof *sz);
	struct ks_cc_host *hv = NULL;
	size_t hcap = 0;
	if (ps == NULL || ts == NULL || sz == NULL)
		goto out;

	uint64_t span_hours = 1;
	if (cc->first <= cc->last)
		span_hours = (uint64_t)(floordiv(cc->last, 3600000) - floordiv(cc->first, 3600000)) + 1;
	for (uint32_t i = 0; i < cc->npair; i++) {
		const struct pair *p = &cc->pair[i];
		for (uint32_t k = 0; k < p->n; k++) {
			ts[k] = p->ts[k];
			sz[k] = p->sz[k];
		}
		ks_cc_beacon(ts, sz, p->n, p->seen, p->hours, &cc->p, span_hours, &ps[i].b);
	}
	for (uint32_t i = 0; i < cc->nhost; i++) {
		if (cc->host[i].infected)
			out->hosts_infected++;
		else
			out->hosts_clean++;
	}
	double b = cc->nhost ? (double)out->hosts_infected / (double)cc->nhost : 0;
	bool no_clean = out->hosts_clean == 0;
	out->base_rate = b;
	out->first_ms = cc->first <= cc->last ? cc->first : 0;
	out->last_ms = cc->first <= cc->last ? cc->last : 0;
	double wsum = cc->p.w_fan + cc->p.w_beacon + cc->p.w_size;

	size_t ccap = 0;
	for (uint32_t e = 0; e < cc->nep; e++) {
		const struct ep *ep = &cc->ep[e];
		uint32_t I = 0, C = 0, Ib = 0, Cb = 0, Iq = 0;
		double Bb = 0, Zb = 0, Bq = 0, Zq = 0;
		size_t np = 0;
		for (uint32_t pi = ep->pairs; pi != 0; pi = cc->pair[pi - 1].next) {
			const struct pair *p = &cc->pair[pi - 1];
			const struct ks_cc_beacon_parts *bp = &ps[pi - 1].b;
			bool inf = cc->host[p->host - 1].infected;
			bool beac = is_beaconing(&cc->p, bp);
			np++;
			if (inf) {
				I++;
				if (beac) {
					Ib++;
					Bb += (bp->ts + bp->spread) / 2;
					Zb += bp->ds;
				}
				if (p->seen >= cc->p.min_contacts) {
					Iq++;
					Bq += (bp->ts + bp->spread) / 2;
					Zq += bp->ds;
				}
			} else {
				C++;
				Cb += beac;
			}
		}
		if (I < cc->p.min_infected || I == 0)
			continue;
		double fa = cc->p.fan_all * specificity(I, C, b, no_clean, cc->p.z);
		double fb = specificity(Ib, Cb, b, no_clean, cc->p.z);
		double F = fa > fb ? fa : fb;
		double B = 0, Z = 0;
		if (Ib > 0) {
			B = Bb / Ib;
			Z = Zb / Ib;
		} else if (Iq > 0) {
			B = Bq / Iq;
			Z = Zq / Iq;
		}
		double score = F * (cc->p.w_fan + cc->p.w_beacon * B + cc->p.w_size * Z) / wsum;
		if (score < cc->p.min_score || score <= 0)
			continue;
		if (out->n == ccap) {
			size_t nc = ccap ? ccap * 2 : 16;
			struct ks_cc_cand *v = reallocarray(out->v, nc, sizeof *v);
			if (v == NULL)
				goto out;
			out->v = v;
			ccap = nc;
		}
		struct ks_cc_cand *c = &out->v[out->n];
		memset(c, 0, sizeof *c);
		c->addr = ep->a;
		c->port = ep->port;
		c->proto = ep->proto;
		c->score = score;
		c->fanin = F;
		c->beacon = B;
		c->size = Z;
		c->infected = I;
		c->clean = C;
		c->infected_beaconing = Ib;
		c->clean_beaconing = Cb;
		c->flows = ep->flows;
		c->bytes_out = ep->bytes_out;
		c->bytes_in = ep->bytes_in;
		c->first_ms = ep->first;
		c->last_ms = ep->last;
		out->n++;
		/* Evidence hosts. */
		if (np > hcap) {
			struct ks_cc_host *v = reallocarray(hv, np, sizeof *v);
			if (v == NULL)
				goto out;
			hv = v;
			hcap = np;
		}
		size_t k = 0;
		for (uint32_t pi = ep->pairs; pi != 0; pi = cc->pair[pi - 1].next)
			fill_host(cc, &cc->pair[pi - 1], &ps[pi - 1], &hv[k++]);
		qsort(hv, k, sizeof *hv, cmp_host);
		size_t keep = k < cc->p.max_evidence_hosts ? k : cc->p.max_evidence_hosts;
		c->hosts_truncated = keep < k;
		if (keep > 0) {
			c->hosts = malloc(keep * sizeof *c->hosts);
			if (c->hosts == NULL)
				goto out;
			memcpy(c->hosts, hv, keep * sizeof *c->hosts);
			c->nhosts = keep;
		}
	}
	if (out->n > 1) /* out->v may be NULL when there is no candidate */
		qsort(out->v, out->n, sizeof *out->v, cmp_cand);
	if (cc->p.max_results != 0 && out->n > cc->p.max_results) {
		for (size_t i = cc->p.max_results; i < out->n; i++)
			free(out->v[i].hosts);
		out->n = cc->p.max_results;
	}
	r = 0;
out:
	out->stats = cc->st;
	if (r != 0)
		ks_cc_result_release(out);
	free(hv);
	free(sz);
	free(ts);
	free(ps);
	return r;
}
