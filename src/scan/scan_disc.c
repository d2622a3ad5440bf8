/* SPDX-License-Identifier: BSD-2-Clause */
/* TCP discovery: the walk over targets x ports and its two engines
 * (contract in scan_disc.h; docs/survey.md, "Discovery").
 *
 * The calling thread runs the walk:
 *
 *            +--------- stop raised, or permutation ended ---------+
 *            |                                                     v
 *   PROBING: take tokens, next elements, send a batch,     SETTLING: syn: wait the
 *            hand over replies/results, progress           cooldown; connect: wait for
 *            ^         |                                   the connections in flight
 *            +---------+                                           |
 *                                                                  v
 *                                            FINAL (syn): every sent probe without a
 *                                            reply is reported "no-reply", in order
 *
 * Resume position. syn: the receiver keeps no state, so the position whose
 * probes have all had `cooldown` to answer is read from a ring of (time,
 * index) samples taken while sending. connect: the smallest position of a
 * probe still in flight or queued. */
#include "scan_disc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "ks_alloc.h"
#include "ks_err.h"
#include "scan_connect.h"
#include "scan_cookie.h"
#include "scan_rate.h"
#include "scan_syn.h"

#define SAMPLES 1024           /* (time, index) samples for the syn resume position */
#define SAMPLE_EVERY_NS 5000000 /* 5 ms: 1024 samples span 5 s >= default cooldown */
#define NRES 1024               /* replies/results handed over per turn */

const char *ks_disc_method_name(enum ks_disc_method m)
{
	switch (m) {
	case KS_DISC_SYN:
		return "syn";
	case KS_DISC_CONNECT:
		return "connect";
	case KS_DISC_AUTO:
		break;
	}
	return "auto";
}

const char *ks_disc_module(enum ks_disc_method m)
{
	return m == KS_DISC_CONNECT ? "tcp-connect" : "tcp-syn";
}

int ks_disc_method_parse(const char *s, enum ks_disc_method *out)
{
	static const enum ks_disc_method all[] = {KS_DISC_AUTO, KS_DISC_SYN, KS_DISC_CONNECT};
	for (size_t i = 0; i < 3; i++)
		if (strcmp(s, ks_disc_method_name(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return KS_EINVAL;
}

const char *ks_disc_outcome_name(enum ks_disc_outcome o)
{
	switch (o) {
	case KS_DISC_OPEN:
		return "open";
	case KS_DISC_CLOSED:
		return "closed";
	case KS_DISC_SILENT:
		break;
	}
	return "no-reply";
}

/* splitmix64 step. */
static uint64_t mix(uint64_t *st)
{
	uint64_t z = (*st += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Inverse of a modulo m (gcd(a, m) == 1, m >= 2), by extended Euclid. */
static uint64_t inverse(uint64_t a, uint64_t m)
{
	__extension__ typedef __int128 i128;
	i128 t = 0, nt = 1, r = m, nr = a % m;
	while (nr) {
		i128 q = r / nr, x;
		x = t - q * nt;
		t = nt;
		nt = x;
		x = r - q * nr;
		r = nr;
		nr = x;
	}
	if (t < 0)
		t += m;
	return (uint64_t)t;
}

int ks_disc_space_init(struct ks_disc_space *sp, const struct ks_scope *scope,
		       const struct ks_ports *ports, uint64_t max_targets, uint64_t key, char *err,
		       size_t errlen)
{
	memset(sp, 0, sizeof *sp);
	sp->scope = scope;
	sp->port = ks_xcalloc(ports->n + 1, sizeof *sp->port);
	sp->port_index = ks_xmalloc(65536 * sizeof *sp->port_index);
	for (size_t i = 0; i < 65536; i++)
		sp->port_index[i] = -1;
	for (size_t i = 0; i < ports->n; i++) {
		uint16_t p = ports->v[i].port;
		if (ports->v[i].proto != KS_PROTO_TCP || sp->port_index[p] >= 0)
			continue;
		sp->port_index[p] = (int32_t)sp->nports;
		sp->port[sp->nports++] = p;
	}
	if (sp->nports == 0) {
		snprintf(err, errlen, "no TCP port to probe; expected at least one TCP port in --ports");
		ks_disc_space_release(sp);
		return KS_EINVAL;
	}
	uint64_t n = scope->ntargets;
	sp->ntargets = n;
	sp->a = 1;
	sp->ainv = 1;
	sp->b = 0;
	if (max_targets && max_targets < n) {
		sp->ntargets = max_targets;
		uint64_t st = key ^ 0x6b736469736370ull; /* independent of the permutation's draws */
		sp->a = 1 + mix(&st) % (n - 1);
		while (gcd(sp->a, n) != 1)
			sp->a = sp->a + 1 < n ? sp->a + 1 : 1;
		sp->ainv = inverse(sp->a, n);
		sp->b = mix(&st) % n;
	}
	if (__builtin_mul_overflow(sp->ntargets, (uint64_t)sp->nports, &sp->total) ||
	    sp->total > KS_DISC_MAX_PROBES) {
		snprintf(err, errlen,
			 "%" PRIu64 " targets x %" PRIu32 " TCP ports is more than 2^32 probes in one run; "
			 "expected a smaller scope (split it), fewer ports or --max-targets",
			 sp->ntargets, sp->nports);
		ks_disc_space_release(sp);
		return KS_ELIMIT;
	}
	return 0;
}

void ks_disc_space_release(struct ks_disc_space *sp)
{
	free(sp->port);
	free(sp->port_index);
	sp->port = NULL;
	sp->port_index = NULL;
}

void ks_disc_space_get(const struct ks_disc_space *sp, uint64_t e, struct ks_addr *addr,
		       uint16_t *port)
{
	uint64_t t = e / sp->nports, n = sp->scope->ntargets;
	*port = sp->port[e % sp->nports];
	if (sp->a != 1 || sp->b != 0)
		t = (ks_perm_mulmod(sp->a, t, n) + sp->b) % n;
	int r = ks_scope_target(sp->scope, t, addr);
	KS_BUG_ON(r != 0);
}

/* Index of address a among the scope's targets (runs sorted by top 96 bits,
 * then low 32 bits). 0 or KS_ENOENT. */
static int scope_index(const struct ks_scope *s, const struct ks_addr *a, uint64_t *out)
{
	uint32_t lo = (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 |
		      a->b[15];
	size_t l = 0, h = s->nruns; /* first run greater than a: h */
	while (l < h) {
		size_t mid = l + (h - l) / 2;
		int c = memcmp(s->runs[mid].hi, a->b, 12);
		if (c < 0 || (c == 0 && s->runs[mid].lo <= lo))
			l = mid + 1;
		else
			h = mid;
	}
	if (l == 0)
		return KS_ENOENT;
	const struct ks_scope_run *r = &s->runs[l - 1];
	if (memcmp(r->hi, a->b, 12) != 0 || (uint64_t)lo >= (uint64_t)r->lo + r->n)
		return KS_ENOENT;
	*out = r->first + (lo - r->lo);
	return 0;
}

int ks_disc_space_find(const struct ks_disc_space *sp, const struct ks_addr *addr, uint16_t port,
		       uint64_t *e)
{
	int32_t pi = sp->port_index[port];
	uint64_t ts, n = sp->scope->ntargets;
	if (pi < 0 || scope_index(sp->scope, addr, &ts) != 0)
		return KS_ENOENT;
	uint64_t t = ts;
	if (sp->a != 1 || sp->b != 0)
		t = ks_perm_mulmod(sp->ainv, (ts + n - sp->b) % n, n);
	if (t >= sp->ntargets)
		return KS_ENOENT;
	*e = t * sp->nports + (uint64_t)pi;
	return 0;
}

void ks_disc_opts_default(struct ks_disc_opts *o)
{
	memset(o, 0, sizeof *o);
	o->method = KS_DISC_AUTO;
	o->pps = KS_RATE_DEFAULT_PPS;
	o->cooldown_ms = KS_DISC_DEFAULT_COOLDOWN_MS;
	o->timeout_ms = KS_DISC_DEFAULT_TIMEOUT_MS;
	o->concurrency = KS_DISC_DEFAULT_CONCURRENCY;
	o->host_conns = KS_HOST_DEFAULT_CONNS;
	o->progress_ms = 250;
	if (sodium_init() >= 0)
		randombytes_buf(&o->perm_key, sizeof o->perm_key);
	else
		o->perm_key = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
}

/* One run's state, for the helpers below. */
struct run {
	const struct ks_disc_opts *o;
	const struct ks_survey_sink *audit;
	struct ks_disc_stats st;
	struct ks_disc_space sp;
	struct ks_perm pm;
	struct ks_rate rate;
	uint8_t *seen; /* syn: one bit per element: outcome reported (or skipped) */
	struct ks_perm silent; /* syn: positions before it had their no-replies reported */
	int64_t t0, last_progress;
	struct {
		int64_t t;
		uint64_t index;
	} sample[SAMPLES];
	size_t nsample, sample_head; /* ring */
};

static int64_t now_ns(void)
{
	return ks_clock_monotonic(NULL);
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool stopped(const struct run *r)
{
	return r->o->stop && atomic_load(r->o->stop) != 0;
}

static void sleep_ns(int64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
	nanosleep(&ts, NULL);
}

static void report(struct run *r, const struct ks_addr *a, uint16_t port, enum ks_disc_outcome oc)
{
	if (oc == KS_DISC_OPEN) {
		r->st.open++;
		if (r->o->on_open)
			r->o->on_open(r->o->ctx, a, port);
	} else if (oc == KS_DISC_CLOSED) {
		r->st.closed++;
	} else {
		r->st.silent++;
	}
	if (r->audit && r->audit->audit) {
		struct ks_audit au = {wall_ns(), *a, port, KS_PROTO_TCP, ks_disc_module(r->st.method),
				      ks_disc_outcome_name(oc)};
		ks_sink_audit(r->audit, &au);
	}
}

static void progress(struct run *r, bool force)
{
	int64_t t = now_ns();
	r->st.elapsed_ns = t - r->t0;
	if (!r->o->progress)
		return;
	if (!force && t - r->last_progress < (int64_t)r->o->progress_ms * 1000000)
		return;
	r->last_progress = t;
	r->o->progress(r->o->ctx, &r->st);
}

/* --- syn --- */

static bool bit_test_set(uint8_t *v, uint64_t e)
{
	uint8_t m = (uint8_t)(1u << (e & 7));
	bool was = v[e >> 3] & m;
	v[e >> 3] |= m;
	return was;
}

static void syn_take_replies(struct run *r, struct ks_syn *s)
{
	struct ks_syn_reply rep[NRES];
	size_t n;
	while ((n = ks_syn_poll(s, rep, NRES)) > 0) {
		for (size_t i = 0; i < n; i++) {
			uint64_t e;
			if (ks_disc_space_find(&r->sp, &rep[i].addr, rep[i].port, &e) != 0) {
				r->st.replies_invalid++; /* valid cookie, but not a probe of this space */
				continue;
			}
			if (bit_test_set(r->seen, e)) {
				r->st.replies_dup++;
				continue;
			}
			report(r, &rep[i].addr, rep[i].port, (enum ks_disc_outcome)rep[i].outcome);
		}
		if (n < NRES)
			break;
	}
	uint64_t rp, inv, drop;
	ks_syn_counters(s, &rp, &inv, &drop);
	r->st.replies = rp;
	r->st.recv_dropped = drop;
	(void)inv; /* the receiver's cookie failures are added at the end */
}

static void sample_index(struct run *r, int64_t t)
{
	size_t last = (r->sample_head + SAMPLES - 1) % SAMPLES;
	if (r->nsample && t - r->sample[last].t < SAMPLE_EVERY_NS)
		return;
	r->sample[r->sample_head].t = t;
	r->sample[r->sample_head].index = ks_perm_index(&r->pm);
	r->sample_head = (r->sample_head + 1) % SAMPLES;
	if (r->nsample < SAMPLES)
		r->nsample++;
}

/* Reports "no-reply" for every element sent before position upto without
 * an outcome, from where the last call stopped: no-replies are audited as
 * the resume point passes them, so a killed run loses none before it. */
static void syn_silent_upto(struct run *r, uint64_t upto)
{
	uint64_t e;
	while (ks_perm_index(&r->silent) < upto && ks_perm_next(&r->silent, &e) == 0) {
		if (bit_test_set(r->seen, e))
			continue;
		struct ks_addr a;
		uint16_t port;
		ks_disc_space_get(&r->sp, e, &a, &port);
		report(r, &a, port, KS_DISC_SILENT);
	}
}

/* Newest sampled position whose probes are older than the cooldown; the
 * no-replies before it are reported first. */
static void syn_resume_index(struct run *r, int64_t t)
{
	int64_t cut = t - (int64_t)r->o->cooldown_ms * 1000000;
	for (size_t k = 0; k < r->nsample; k++) {
		size_t i = (r->sample_head + SAMPLES - 1 - k) % SAMPLES;
		if (r->sample[i].t <= cut) {
			if (r->sample[i].index > r->st.resume_index) {
				syn_silent_upto(r, r->sample[i].index);
				r->st.resume_index = r->sample[i].index;
			}
			return;
		}
	}
}

/* Source address: the one given, else the one the kernel would use towards
 * the first IPv4 target (a connected UDP socket sends nothing). */
static int source_addr(struct run *r, struct ks_addr *src, struct ks_addr *first, char *err,
		       size_t errlen)
{
	const struct ks_scope *s = r->sp.scope;
	struct ks_addr a;
	size_t i;
	for (i = 0; i < s->nruns; i++) {
		memset(&a, 0, sizeof a);
		memcpy(a.b, s->runs[i].hi, 12);
		a.b[12] = (uint8_t)(s->runs[i].lo >> 24);
		a.b[13] = (uint8_t)(s->runs[i].lo >> 16);
		a.b[14] = (uint8_t)(s->runs[i].lo >> 8);
		a.b[15] = (uint8_t)s->runs[i].lo;
		if (ks_addr_is_v4(&a))
			break;
	}
	if (i == s->nruns) {
		snprintf(err, errlen, "the scope has no IPv4 target for the SYN engine");
		return KS_EDECLINED;
	}
	*first = a;
	if (r->o->has_source) {
		if (!ks_addr_is_v4(&r->o->source)) {
			snprintf(err, errlen, "--source-ip: the SYN engine needs an IPv4 address");
			return KS_EINVAL;
		}
		*src = r->o->source;
		return 0;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(9)};
	sin.sin_addr.s_addr = htonl(ks_addr_v4(&a));
	socklen_t sl = sizeof sin;
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) != 0) {
		int e = errno;
		char b[KS_ADDR_STRLEN];
		snprintf(err, errlen, "no route to %s to choose a source address: %s; give --source-ip",
			 ks_addr_format(&a, b), strerror(e));
		if (fd >= 0)
			close(fd);
		errno = e;
		return KS_ESYS;
	}
	close(fd);
	ks_addr_from_v4(src, ntohl(sin.sin_addr.s_addr));
	return 0;
}

static int syn_open(struct run *r, struct ks_syn **s, struct ks_cookie *ck, char *err, size_t errlen)
{
	struct ks_addr src, first;
	int rc = source_addr(r, &src, &first, err, errlen);
	if (rc != 0)
		return rc;
	if (ks_cookie_init(ck) != 0) {
		snprintf(err, errlen, "libsodium could not be initialised");
		return KS_EIO;
	}
	uint16_t sport = r->o->source_port;
	if (sport == 0) {
		uint32_t v = randombytes_uniform(65536 - 61000);
		sport = (uint16_t)(61000 + v);
	}
	return ks_syn_open(s, r->sp.scope, ck, &src, sport, r->o->interface, &first, err, errlen);
}

static void syn_walk(struct run *r, struct ks_syn *s)
{
	struct ks_syn_probe batch[KS_SYN_BATCH];
	bool more = true;
	int64_t last_send = now_ns();
	r->t0 = last_send;
	r->last_progress = r->t0;
	while (more && !stopped(r)) {
		syn_take_replies(r, s);
		int64_t t = now_ns();
		sample_index(r, t);
		syn_resume_index(r, t);
		progress(r, false);
		uint32_t want = ks_rate_take(&r->rate, KS_SYN_BATCH);
		if (want == 0) {
			int64_t w = ks_rate_wait_ns(&r->rate);
			sleep_ns(w > 1000000 ? 1000000 : w > 0 ? w : 1000);
			continue;
		}
		size_t n = 0;
		while (n < want) {
			uint64_t e;
			if (ks_perm_next(&r->pm, &e) != 0) {
				more = false;
				r->st.done = true;
				break;
			}
			ks_disc_space_get(&r->sp, e, &batch[n].dst, &batch[n].dport);
			if (!ks_addr_is_v4(&batch[n].dst)) {
				r->st.skipped++;
				bit_test_set(r->seen, e); /* no outcome to report */
				continue;
			}
			n++;
		}
		if (n) {
			r->st.sent += ks_syn_send(s, batch, n, &r->st.refused, &r->st.send_errors);
			last_send = now_ns();
		}
		r->st.index = ks_perm_index(&r->pm);
	}
	r->st.index = ks_perm_index(&r->pm);
	r->st.send_ns = last_send - r->t0;
	/* SETTLING: the cooldown counts from the last probe. */
	int64_t until = last_send + (int64_t)r->o->cooldown_ms * 1000000;
	for (;;) {
		syn_take_replies(r, s);
		int64_t t = now_ns();
		syn_resume_index(r, t);
		progress(r, false);
		if (t >= until)
			break;
		sleep_ns(until - t > 2000000 ? 2000000 : until - t);
	}
	syn_take_replies(r, s);
}

/* FINAL: every element sent (positions start_index .. index) without an
 * outcome is "no-reply". */
static void syn_final(struct run *r)
{
	syn_silent_upto(r, r->st.index);
	r->st.resume_index = r->st.index;
}

/* --- connect --- */

static void conn_walk(struct run *r, struct ks_conn *c)
{
	struct ks_conn_result res[NRES];
	bool more = true;
	int64_t last_send = now_ns();
	r->t0 = last_send;
	r->last_progress = r->t0;
	for (;;) {
		int wait = 0;
		if (more && stopped(r))
			more = false;
		if (more) {
			size_t room = ks_conn_room(c);
			uint32_t want = room > 256 ? 256 : (uint32_t)room;
			uint32_t got = want ? ks_rate_take(&r->rate, want) : 0;
			for (uint32_t i = 0; i < got; i++) {
				uint64_t e, tag = ks_perm_index(&r->pm);
				if (ks_perm_next(&r->pm, &e) != 0) {
					more = false;
					r->st.done = true;
					break;
				}
				struct ks_addr a;
				uint16_t port;
				ks_disc_space_get(&r->sp, e, &a, &port);
				int rc = ks_conn_start(c, &a, port, tag);
				KS_BUG_ON(rc == KS_ELIMIT);
				last_send = now_ns();
			}
			r->st.index = ks_perm_index(&r->pm);
			if (more && got < want) {
				int64_t w = ks_rate_wait_ns(&r->rate) / 1000000;
				wait = w > 10 ? 10 : (int)w;
			} else if (more && want == 0) {
				wait = 5;
			}
		} else {
			if (ks_conn_busy(c) == 0)
				break;
			wait = 10;
		}
		size_t n = ks_conn_poll(c, wait, res, NRES);
		for (size_t i = 0; i < n; i++)
			report(r, &res[i].addr, res[i].port, (enum ks_disc_outcome)res[i].outcome);
		uint64_t mt = ks_conn_min_tag(c), ix = ks_perm_index(&r->pm);
		r->st.resume_index = mt < ix ? mt : ix;
		uint64_t le;
		ks_conn_counters(c, &r->st.sent, &r->st.refused, &le);
		progress(r, false);
	}
	r->st.index = ks_perm_index(&r->pm);
	r->st.resume_index = r->st.index;
	r->st.send_ns = last_send - r->t0;
}

int ks_disc_run(const struct ks_disc_opts *o, const struct ks_survey_sink *audit,
		struct ks_disc_stats *st, char *err, size_t errlen)
{
	struct run *r = ks_xcalloc(1, sizeof *r);
	struct ks_syn *s = NULL;
	struct ks_conn *c = NULL;
	struct ks_cookie ck;
	memset(&ck, 0, sizeof ck);
	int rc;
	r->o = o;
	r->audit = audit;
	err[0] = '\0';
	if (!o->scope || !o->scope->built || !o->ports) {
		snprintf(err, errlen, "discovery needs a built scope and a port list");
		rc = KS_EINVAL;
		goto out_free;
	}
	if (o->concurrency == 0 || o->concurrency > KS_DISC_MAX_CONCURRENCY || o->host_conns == 0) {
		snprintf(err, errlen, "concurrency must be 1..%u and per-host connections at least 1",
			 KS_DISC_MAX_CONCURRENCY);
		rc = KS_EINVAL;
		goto out_free;
	}
	rc = ks_rate_init(&r->rate, o->pps, 0, NULL, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "rate %" PRIu32 " packets/s; expected 1..%u", o->pps, KS_RATE_MAX_PPS);
		goto out_free;
	}
	rc = ks_disc_space_init(&r->sp, o->scope, o->ports, o->max_targets, o->perm_key, err, errlen);
	if (rc != 0)
		goto out_free;
	r->st.total = r->sp.total;
	rc = ks_perm_init(&r->pm, r->sp.total, o->perm_key);
	if (rc == 0)
		rc = ks_perm_seek(&r->pm, o->start_index);
	if (rc != 0) {
		snprintf(err, errlen, "resume position %" PRIu64 " is beyond this survey's %" PRIu64
			 " positions; expected the position saved by a run of the same scope and ports",
			 o->start_index, r->pm.p - 1);
		goto out_space;
	}
	r->st.index = r->st.resume_index = o->start_index;
	r->silent = r->pm;

	enum ks_disc_method m = o->method;
	if (m != KS_DISC_CONNECT) {
		rc = syn_open(r, &s, &ck, err, errlen);
		if (rc != 0 && m == KS_DISC_AUTO &&
		    (rc == KS_EDECLINED || (rc == KS_ESYS && (errno == EPERM || errno == EACCES)))) {
			err[0] = '\0';
			m = KS_DISC_CONNECT;
		} else if (rc != 0) {
			goto out_space;
		} else {
			m = KS_DISC_SYN;
		}
	}
	r->st.method = m;
	if (m == KS_DISC_CONNECT) {
		rc = ks_conn_init(&c, o->scope, o->concurrency, o->host_conns, o->timeout_ms);
		if (rc != 0) {
			snprintf(err, errlen, "connect engine: %s (concurrency %" PRIu32
				 " needs as many open files)",
				 rc == KS_ESYS ? strerror(errno) : ks_strerror(rc), o->concurrency);
			goto out_space;
		}
		if (o->opened && o->opened(o->ctx, m) != 0) {
			snprintf(err, errlen, "stopped by the caller before the first probe");
			ks_conn_free(c);
			rc = KS_EDECLINED;
			goto out_space;
		}
		conn_walk(r, c);
		ks_conn_free(c);
	} else {
		if (o->opened && o->opened(o->ctx, m) != 0) {
			snprintf(err, errlen, "stopped by the caller before the first probe");
			ks_syn_close(s);
			rc = KS_EDECLINED;
			goto out_space;
		}
		if (ks_syn_start(s) != 0) {
			snprintf(err, errlen, "cannot start the receiver thread");
			ks_syn_close(s);
			rc = KS_ESYS;
			goto out_space;
		}
		r->seen = ks_xcalloc(r->sp.total / 8 + 1, 1);
		syn_walk(r, s);
		uint64_t rp, inv, drop;
		ks_syn_counters(s, &rp, &inv, &drop);
		r->st.link_mode = ks_syn_link_mode(s);
		r->st.replies = rp;
		r->st.replies_invalid += inv;
		r->st.recv_dropped = drop;
		ks_syn_close(s);
		syn_final(r);
	}
	r->st.elapsed_ns = now_ns() - r->t0;
	progress(r, true);
	rc = 0;
out_space:
	ks_disc_space_release(&r->sp);
out_free:
	ks_cookie_release(&ck);
	if (st)
		*st = r->st;
	free(r->seen);
	free(r);
	return rc;
}
