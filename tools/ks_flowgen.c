/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ks_flowgen: labelled flow scenarios and a NetFlow/IPFIX load sender, for
 * kansoku's flow tests and benchmarks (docs/flowgen.md).
 *
 *   ks_flowgen scenario  a 24-hour world of an ISP's customers with known
 *                        bots, two C&C servers and clean periodic services:
 *                        an export capture, a darknet capture and the truth
 *   ks_flowgen send      export datagrams to a loopback collector, bounded
 *                        (--flows) and rate-limited (--rate), with sendmmsg
 *   ks_flowgen recv      a bounded loopback receiver that writes what it got
 *                        to a pcap (for tests of send)
 *   ks_flowgen pcap      an export capture of random flows
 *
 * Export datagrams come from src/flow/nf_encode.c. Captures are classic pcap
 * written here (magic 0xa1b2c3d4 in host order, microsecond timestamps,
 * Ethernet/IPv4/UDP, both checksums set). Every random choice comes from one
 * xoshiro256** generator seeded through splitmix64 from --seed, so the same
 * arguments give byte-identical files (send and recv use the clock only for
 * pacing and export times).
 *
 * The truth file is counted from the flow records as generated (after
 * construction, before encoding), never assumed from the parameters.
 *
 * Network safety: send and recv refuse any address that is not loopback.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cc_detect.h"
#include "flow.h"
#include "ks_err.h"
#include "ks_prefix.h"
#include "ks_addr.h"
#include "ks_time.h"
#include "nf_encode.h"

#define KS_TOOL "ks_flowgen"
#include "ks_tool.h"

/* ------------------------------------------------------------------------ */
/* Small helpers (more in ks_tool.h)                                         */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------------ */
/* PRNG draws on top of ks_tool.h's xoshiro256**                             */

/* Uniform in [lo, hi]. */
static inline uint32_t rng_range(struct rng *r, uint32_t lo, uint32_t hi)
{
	return lo + rng_below(r, hi - lo + 1);
}

/* Uniform in [0, 1). */
static inline double rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline bool rng_pct(struct rng *r, uint32_t pct)
{
	return rng_below(r, 100) < pct;
}

/* Exponential with the given mean (inter-arrival times of a Poisson process). */
static double rng_exp(struct rng *r, double mean)
{
	double u = rng_unit(r);
	return -mean * log(1.0 - u);
}

/* Log-uniform in [lo, hi]: heavy-ish tails for web transfer sizes. */
static uint32_t rng_logu(struct rng *r, double lo, double hi)
{
	return (uint32_t)(lo * exp(rng_unit(r) * log(hi / lo)));
}

static uint16_t ephemeral(struct rng *r)
{
	return (uint16_t)rng_range(r, 32768, 60999);
}

/* ------------------------------------------------------------------------ */
/* pcap writer: classic format, Ethernet, buffered                           */

#define LT_ETHER 1
#define PCAP_SNAPLEN 65535

struct pcap_w {
	FILE *f;
	const char *path;
	uint8_t *buf;
	size_t len, cap;
	uint64_t packets;
};

static void pw_flush(struct pcap_w *w)
{
	if (w->len && fwrite(w->buf, 1, w->len, w->f) != w->len)
		die("write failed", w->path);
	w->len = 0;
}

static void pw_open(struct pcap_w *w, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->path = path;
	w->f = fopen(path, "wb");
	if (w->f == NULL)
		die("cannot create", path);
	w->cap = 4u << 20;
	w->buf = xrealloc(NULL, w->cap, 1);
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, network;
	} h = {0xa1b2c3d4u, 2, 4, 0, 0, PCAP_SNAPLEN, LT_ETHER};
	memcpy(w->buf, &h, sizeof(h));
	w->len = sizeof(h);
}

static uint8_t *pw_reserve(struct pcap_w *w, size_t n)
{
	if (w->cap - w->len < n + 16)
		pw_flush(w);
	return w->buf + w->len + 16;
}

static void pw_commit(struct pcap_w *w, uint64_t ts_us, uint32_t len)
{
	uint32_t h[4] = {(uint32_t)(ts_us / 1000000u), (uint32_t)(ts_us % 1000000u), len, len};
	memcpy(w->buf + w->len, h, sizeof(h));
	w->len += 16 + len;
	w->packets++;
}

static void pw_close(struct pcap_w *w)
{
	pw_flush(w);
	if (fclose(w->f) != 0)
		die("write failed", w->path);
	free(w->buf);
	w->buf = NULL;
}

/* Internet checksum (RFC 1071). */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;
	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (i < n)
		sum += (uint32_t)p[i] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Documentation MAC addresses (RFC 7042). */
static const uint8_t mac_dst[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};
static const uint8_t mac_src[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02};

/* Ethernet + IPv4 header for an L4 segment of l4len bytes at out+34;
 * returns the frame length. */
static uint32_t frame_ip4(uint8_t *out, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id,
			  uint8_t ttl, size_t l4len)
{
	memcpy(out, mac_dst, 6);
	memcpy(out + 6, mac_src, 6);
	put16(out + 12, 0x0800);
	uint8_t *ip = out + 14;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(20 + l4len));
	put16(ip + 4, id);
	put16(ip + 6, 0x4000);
	ip[8] = ttl;
	ip[9] = proto;
	put16(ip + 10, 0);
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	uint8_t *l4 = out + 34;
	uint32_t sum = csum_add(0, ip + 12, 8) + proto + (uint32_t)l4len;
	uint16_t c = csum_fold(csum_add(sum, l4, l4len));
	if (proto == 6)
		put16(l4 + 16, c);
	else if (proto == 17)
		put16(l4 + 6, c ? c : 0xffff);
	return (uint32_t)(34 + l4len);
}

/* Writes one UDP datagram as an Ethernet frame. */
static void pw_udp(struct pcap_w *w, uint64_t ts_us, uint32_t src, uint16_t sport, uint32_t dst,
		   uint16_t dport, uint16_t ipid, const uint8_t *payload, size_t n)
{
	uint8_t *out = pw_reserve(w, 42 + n);
	uint8_t *udp = out + 34;
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)(8 + n));
	put16(udp + 6, 0);
	memcpy(udp + 8, payload, n);
	pw_commit(w, ts_us, frame_ip4(out, src, dst, 17, ipid, 64, 8 + n));
}

/* ------------------------------------------------------------------------ */
/* Addresses of the scenario (docs/flowgen.md)                               */

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#define EXPORTER IP4(192, 0, 2, 1)
#define COLLECTOR IP4(192, 0, 2, 2)
#define EXPORTER_PORT 49152
#define COLLECTOR_PORT 2055

#define CC1 IP4(198, 19, 66, 6)
#define CC1_PORT 6667
#define CC2 IP4(192, 0, 2, 80) /* shared hosting: also a popular HTTPS site */
#define CC2_PORT 443
#define RESOLVER IP4(192, 0, 2, 53)
#define NTP1 IP4(198, 19, 123, 1)
#define NTP2 IP4(198, 19, 123, 2)
#define UPDATE IP4(198, 19, 200, 10) /* update check, :443, every 15/30/60 min */
#define IOTAPI IP4(198, 19, 200, 20) /* device cloud heartbeat, :8443, every 5 min */
#define WEB_BASE IP4(198, 19, 1, 10) /* popular HTTPS services WEB_BASE + i */
#define WEB_N 60

#define NHOSTS 340
#define NBOTS 40
#define NBOTS_CC2 12
#define NBOTS_SILENT 8

static bool is_internal(uint32_t a)
{
	return (a >> 8) == (IP4(198, 51, 100, 0) >> 8) || (a >> 8) == (IP4(203, 0, 113, 0) >> 8);
}

static bool is_darknet(uint32_t a)
{
	return (a >> 16) == (IP4(198, 18, 0, 0) >> 16);
}

static const char *fmt4(uint32_t a, char *buf)
{
	snprintf(buf, 16, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
	return buf;
}

/* ------------------------------------------------------------------------ */
/* scenario: data model                                                      */

struct rec {
	struct ks_flow f;
	int64_t export_ms; /* when the router's cache exports it */
	uint32_t seq;      /* creation order: sort tie-break */
};

struct dark {
	uint64_t ts_us;
	uint32_t src, dst, seq, isn;
	uint16_t sport, dport, ipid;
};

struct host {
	uint32_t addr;
	bool bot, cc2, scans, mirai;
	double web_rate; /* web sessions per hour at the daily peak */
	int ntp;         /* 0 none, 1..2 server; poll 64 << ntp_k s */
	int ntp_k;
	uint32_t update_s; /* 0 or update-check interval */
	bool iot_api;
};

struct world {
	struct rng rng;
	int64_t t0, t1; /* [t0, t1) ms */
	struct rec *r;
	size_t nr, capr;
	struct dark *d;
	size_t nd, capd;
	struct host h[NHOSTS];
	uint32_t seq;
};

static void add_flow(struct world *w, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		     uint8_t proto, int64_t first, int64_t last, uint32_t pk, uint32_t by, uint8_t flags)
{
	GEN_ASSERT(!is_darknet(src) && !is_darknet(dst));
	GEN_ASSERT(pk >= 1 && by >= 20 * pk && last >= first);
	if (w->nr == w->capr) {
		w->capr = w->capr ? 2 * w->capr : 65536;
		w->r = xrealloc(w->r, w->capr, sizeof(*w->r));
	}
	struct rec *r = &w->r[w->nr++];
	memset(r, 0, sizeof(*r));
	ks_addr_from_v4(&r->f.src, src);
	ks_addr_from_v4(&r->f.dst, dst);
	r->f.sport = sport;
	r->f.dport = dport;
	r->f.proto = proto;
	r->f.first_ms = first;
	r->f.last_ms = last;
	r->f.packets = pk;
	r->f.bytes = by;
	r->f.tcp_flags = flags;
	r->f.sampling = 1;
	/* Inactive timeout 15 s; the cache is scanned once a second. */
	r->export_ms = (last + 15000) / 1000 * 1000 + 1000;
	r->seq = w->seq++;
}

/* A connection: both directions as separate unidirectional flows. Only
 * connections that start inside the observation window are made. */
static void add_conn(struct world *w, uint32_t cli, uint32_t srv, uint16_t sport, uint16_t dport,
		     uint8_t proto, int64_t t, int64_t dur, uint32_t cpk, uint32_t cby, uint32_t spk,
		     uint32_t sby)
{
	if (t < w->t0 || t >= w->t1)
		return;
	uint8_t cf = proto == 6 ? 0x1b : 0; /* FIN PSH ACK SYN */
	uint8_t sf = proto == 6 ? 0x1b : 0;
	int64_t rtt = 1 + (int64_t)rng_below(&w->rng, 40);
	add_flow(w, cli, sport, srv, dport, proto, t, t + dur, cpk, cby, cf);
	add_flow(w, srv, dport, cli, sport, proto, t + rtt / 2, t + dur + rtt / 2, spk, sby, sf);
}

/* Relative activity of people by hour of day (UTC+9 customers: the world
 * starts at midnight UTC, 09:00 local). */
static double diurnal(int64_t ms, int64_t t0)
{
	static const double f[24] = {1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 0.9, 1.0, 1.0, 1.0,
				     1.0, 0.9, 0.8, 0.6, 0.4, 0.2, 0.15, 0.15, 0.2, 0.3, 0.5, 0.8};
	int64_t h = ((ms - t0) / 3600000) % 24;
	return f[h];
}

static void gen_dns(struct world *w, uint32_t cli, int64_t t)
{
	uint32_t q = rng_range(&w->rng, 60, 90);
	add_conn(w, cli, RESOLVER, ephemeral(&w->rng), 53, 17, t, 0, 1, q, 1,
		 q + rng_range(&w->rng, 16, 300));
}

static void gen_https(struct world *w, uint32_t cli, uint32_t srv, int64_t t)
{
	uint32_t spk = rng_logu(&w->rng, 8, 2000);
	uint32_t cpk = spk / 2 + rng_range(&w->rng, 4, 12);
	uint32_t cby = cpk * rng_range(&w->rng, 52, 120) + rng_logu(&w->rng, 300, 20000);
	uint32_t sby = spk * rng_range(&w->rng, 600, 1400);
	int64_t dur = (int64_t)rng_logu(&w->rng, 200, 110000);
	add_conn(w, cli, srv, ephemeral(&w->rng), 443, 6, t, dur, cpk, cby, spk, sby);
}

/* Zipf-like pick among the popular services; 3 % of visits go to the
 * shared hosting address that also hosts C&C #2. */
static uint32_t pick_web(struct world *w)
{
	if (rng_pct(&w->rng, 3))
		return CC2;
	static double cum[WEB_N];
	static bool init;
	if (!init) {
		double s = 0;
		for (int i = 0; i < WEB_N; i++)
			cum[i] = (s += 1.0 / (i + 1));
		for (int i = 0; i < WEB_N; i++)
			cum[i] /= s;
		init = true;
	}
	double u = rng_unit(&w->rng);
	int i = 0;
	while (i < WEB_N - 1 && cum[i] < u)
		i++;
	return WEB_BASE + (uint32_t)i;
}

/* Browsing: sessions as a Poisson process thinned by time of day; each
 * session resolves a name or two and opens one to three HTTPS connections. */
static void gen_web(struct world *w, const struct host *h)
{
	double mean = 3600000.0 / h->web_rate;
	for (double t = (double)w->t0 + rng_exp(&w->rng, mean); t < (double)w->t1;
	     t += rng_exp(&w->rng, mean)) {
		int64_t ts = (int64_t)t;
		if (rng_unit(&w->rng) >= diurnal(ts, w->t0))
			continue;
		int nq = 1 + (int)rng_below(&w->rng, 2);
		for (int q = 0; q < nq; q++)
			gen_dns(w, h->addr, ts + q * (int64_t)rng_below(&w->rng, 3000));
		int nc = 1 + (int)rng_below(&w->rng, 3);
		uint32_t srv = pick_web(w);
		for (int c = 0; c < nc; c++)
			gen_https(w, h->addr, srv, ts + 30 + c * (int64_t)rng_below(&w->rng, 30000));
	}
}

/* Clean periodic services: NTP polls, update checks, device heartbeats. */
static void gen_periodic(struct world *w, const struct host *h)
{
	if (h->ntp) {
		uint32_t srv = h->ntp == 1 ? NTP1 : NTP2;
		double iv = 64000.0 * (1 << h->ntp_k);
		uint16_t sport = rng_pct(&w->rng, 50) ? 123 : ephemeral(&w->rng);
		for (double t = (double)w->t0 + rng_unit(&w->rng) * iv; t < (double)w->t1;
		     t += iv + (rng_unit(&w->rng) - 0.5) * 1000.0)
			add_conn(w, h->addr, srv, sport, 123, 17, (int64_t)t, 0, 1, 76, 1, 76);
	}
	if (h->update_s) {
		double iv = h->update_s * 1000.0;
		for (double t = (double)w->t0 + rng_unit(&w->rng) * iv; t < (double)w->t1;
		     t += iv * (1.0 + (rng_unit(&w->rng) - 0.5) * 0.04))
			add_conn(w, h->addr, UPDATE, ephemeral(&w->rng), 443, 6, (int64_t)t,
				 300 + rng_below(&w->rng, 300), 7, 880 + rng_below(&w->rng, 60), 6,
				 4200 + rng_below(&w->rng, 200));
	}
	if (h->iot_api) {
		double iv = 300000.0;
		for (double t = (double)w->t0 + rng_unit(&w->rng) * iv; t < (double)w->t1;
		     t += iv * (1.0 + (rng_unit(&w->rng) - 0.5) * 0.02))
			add_conn(w, h->addr, IOTAPI, ephemeral(&w->rng), 8443, 6, (int64_t)t,
				 100 + rng_below(&w->rng, 100), 5, 420 + rng_below(&w->rng, 16), 4,
				 310 + rng_below(&w->rng, 16));
	}
}

/* A bot's beacons to one C&C: interval iv s, jitter j (fraction), sizes
 * small and regular; 3 % of beacons are missed, 2 % of answers carry a
 * command (a larger reply). */
static void gen_beacon(struct world *w, const struct host *h, uint32_t cc, uint16_t port,
		       uint32_t iv_lo, uint32_t iv_hi)
{
	double iv = rng_range(&w->rng, iv_lo, iv_hi) * 1000.0;
	double j = rng_range(&w->rng, 10, 30) / 100.0;
	uint32_t cby = rng_range(&w->rng, 180, 320), sby = rng_range(&w->rng, 120, 260);
	uint32_t cpk = rng_range(&w->rng, 4, 6), spk = rng_range(&w->rng, 3, 5);
	for (double t = (double)w->t0 + rng_unit(&w->rng) * iv; t < (double)w->t1;
	     t += iv * (1.0 + j * (2.0 * rng_unit(&w->rng) - 1.0))) {
		if (rng_pct(&w->rng, 3))
			continue;
		bool cmd = rng_pct(&w->rng, 2);
		add_conn(w, h->addr, cc, ephemeral(&w->rng), port, 6, (int64_t)t,
			 200 + rng_below(&w->rng, 1300), cpk, cby + rng_below(&w->rng, 13) - 6,
			 cmd ? spk + 3 : spk, cmd ? sby + rng_range(&w->rng, 1000, 5000) : sby + rng_below(&w->rng, 13) - 6);
	}
}

/* A bot's telnet scanning of the darknet (only the darknet's share of it is
 * seen): SYNs to port 23 (and 2323), Mirai's fingerprint seq = dst for some. */
static void gen_scan(struct world *w, const struct host *h)
{
	uint32_t n = rng_range(&w->rng, 300, 3000);
	for (uint32_t i = 0; i < n; i++) {
		if (w->nd == w->capd) {
			w->capd = w->capd ? 2 * w->capd : 65536;
			w->d = xrealloc(w->d, w->capd, sizeof(*w->d));
		}
		struct dark *d = &w->d[w->nd++];
		uint64_t span_us = (uint64_t)(w->t1 - w->t0) * 1000;
		d->ts_us = (uint64_t)w->t0 * 1000 + (uint64_t)(rng_unit(&w->rng) * (double)span_us);
		d->src = h->addr;
		d->dst = IP4(198, 18, 0, 0) | rng_below(&w->rng, 65536);
		d->dport = rng_pct(&w->rng, 90) ? 23 : 2323;
		d->sport = ephemeral(&w->rng);
		d->ipid = (uint16_t)rng_below(&w->rng, 65536);
		d->isn = h->mirai ? d->dst : (uint32_t)rng_next(&w->rng);
		/* Not ZMap's or masscan's fingerprint by chance: only Mirai's is meant. */
		while (d->ipid == 54321 || d->ipid == ((d->dst ^ d->dport ^ d->isn) & 0xffff))
			d->ipid++;
		d->seq = w->seq++;
	}
}

static void make_hosts(struct world *w)
{
	/* Addresses .10-.250 of both customer /24s, shuffled; the first NHOSTS
	 * are used, the first NBOTS of those are bots. */
	uint32_t pool[2 * 241];
	size_t np = 0;
	for (uint32_t i = 10; i <= 250; i++) {
		pool[np++] = IP4(198, 51, 100, 0) | i;
		pool[np++] = IP4(203, 0, 113, 0) | i;
	}
	for (size_t i = np - 1; i > 0; i--) {
		size_t k = rng_below(&w->rng, (uint32_t)(i + 1));
		uint32_t t = pool[i];
		pool[i] = pool[k];
		pool[k] = t;
	}
	for (int i = 0; i < NHOSTS; i++) {
		struct host *h = &w->h[i];
		memset(h, 0, sizeof(*h));
		h->addr = pool[i];
		h->bot = i < NBOTS;
		/* bots 0..11 also beacon to C&C #2; bots 6..13 do not scan, so
		 * silent bots are found both among C&C #2's clients and not. */
		h->cc2 = h->bot && i < NBOTS_CC2;
		h->scans = h->bot && !(i >= 6 && i < 6 + NBOTS_SILENT);
		h->mirai = h->scans && rng_pct(&w->rng, 60);
		h->web_rate = 1.0 + rng_unit(&w->rng) * 7.0;
		if (rng_pct(&w->rng, 45)) {
			h->ntp = 1 + (int)rng_below(&w->rng, 2);
			h->ntp_k = (int)rng_below(&w->rng, 5);
		}
		if (rng_pct(&w->rng, 30)) {
			static const uint32_t iv[3] = {900, 1800, 3600};
			h->update_s = iv[rng_below(&w->rng, 3)];
		}
		h->iot_api = rng_pct(&w->rng, 10);
	}
}

/* ------------------------------------------------------------------------ */
/* scenario: truth                                                           */

struct stat {
	uint32_t key;
	uint64_t flows, bytes;
};

static int cmp_u32pair(const void *a, const void *b)
{
	const struct stat *x = a, *y = b;
	return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_stat(const void *a, const void *b)
{
	const struct stat *x = a, *y = b;
	if (x->flows != y->flows)
		return x->flows > y->flows ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Sums flows and bytes per key (0 = source address, 1 = destination
 * address, 2 = protocol << 16 | destination port) and sorts by flows
 * descending, then key. */
static struct stat *tally(const struct world *w, int what, size_t *n)
{
	struct stat *s = xrealloc(NULL, w->nr, sizeof(*s));
	for (size_t i = 0; i < w->nr; i++) {
		const struct ks_flow *f = &w->r[i].f;
		s[i].key = what == 0	 ? ks_addr_v4(&f->src)
			   : what == 1 ? ks_addr_v4(&f->dst)
				       : (uint32_t)f->proto << 16 | f->dport;
		s[i].flows = 1;
		s[i].bytes = f->bytes;
	}
	qsort(s, w->nr, sizeof(*s), cmp_u32pair);
	size_t k = 0;
	for (size_t i = 0; i < w->nr; i++) {
		if (k && s[k - 1].key == s[i].key) {
			s[k - 1].flows++;
			s[k - 1].bytes += s[i].bytes;
		} else {
			s[k++] = s[i];
		}
	}
	qsort(s, k, sizeof(*s), cmp_stat);
	*n = k;
	return s;
}

struct query {
	const char *text;
	uint32_t src, src_mask, dst;
	uint16_t sport, dport;
	uint8_t proto;
};

static const struct query queries[] = {
	{"dst 198.19.66.6 and dport 6667", 0, 0, CC1, 0, CC1_PORT, 0},
	{"src 198.19.66.6 and sport 6667", CC1, 0xffffffffu, 0, CC1_PORT, 0, 0},
	{"dst 192.0.2.80 and dport 443", 0, 0, CC2, 0, CC2_PORT, 0},
	{"proto udp and dport 123", 0, 0, 0, 0, 123, 17},
	{"src 203.0.113.0/24 and dst 192.0.2.53 and dport 53", IP4(203, 0, 113, 0), 0xffffff00u,
	 RESOLVER, 0, 53, 0},
};

static uint64_t query_count(const struct world *w, const struct query *q)
{
	uint64_t n = 0;
	for (size_t i = 0; i < w->nr; i++) {
		const struct ks_flow *f = &w->r[i].f;
		if (q->src_mask && (ks_addr_v4(&f->src) & q->src_mask) != q->src)
			continue;
		if (q->dst && ks_addr_v4(&f->dst) != q->dst)
			continue;
		if (q->sport && f->sport != q->sport)
			continue;
		if (q->dport && f->dport != q->dport)
			continue;
		if (q->proto && f->proto != q->proto)
			continue;
		n++;
	}
	return n;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Prints "name": [addresses of the hosts for which pick() holds], sorted. */
static void json_hosts(FILE *f, const struct world *w, const char *name, int which)
{
	uint32_t a[NHOSTS];
	size_t n = 0;
	for (int i = 0; i < NHOSTS; i++) {
		const struct host *h = &w->h[i];
		bool on = which == 0   ? h->bot
			  : which == 1 ? h->bot && h->scans
			  : which == 2 ? h->bot && !h->scans
				       : h->mirai;
		if (on)
			a[n++] = h->addr;
	}
	qsort(a, n, sizeof(a[0]), cmp_u32);
	char b[16];
	fprintf(f, "  \"%s\": [", name);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", fmt4(a[i], b));
	fprintf(f, "],\n");
}

static void write_truth(const struct world *w, const char *path, uint64_t seed, const char *start,
			uint64_t hours, int version, uint64_t datagrams, uint64_t dark_packets)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die("cannot create", path);
	uint64_t packets = 0, bytes = 0;
	for (size_t i = 0; i < w->nr; i++) {
		GEN_ASSERT(!is_darknet(ks_addr_v4(&w->r[i].f.dst)));
		packets += w->r[i].f.packets;
		bytes += w->r[i].f.bytes;
	}
	char b[16];
	fprintf(f, "{\n  \"seed\": %" PRIu64 ",\n  \"start\": \"%s\",\n  \"hours\": %" PRIu64 ",\n", seed,
		start, hours);
	fprintf(f, "  \"version\": %d,\n  \"datagrams\": %" PRIu64 ",\n", version, datagrams);
	fprintf(f, "  \"flows\": %zu,\n  \"packets\": %" PRIu64 ",\n  \"bytes\": %" PRIu64 ",\n", w->nr,
		packets, bytes);
	fprintf(f, "  \"darknet_packets\": %" PRIu64 ",\n", dark_packets);
	fprintf(f, "  \"cc\": [{\"addr\": \"%s\", \"port\": %u, \"proto\": \"tcp\"}, ", fmt4(CC1, b),
		CC1_PORT);
	fprintf(f, "{\"addr\": \"%s\", \"port\": %u, \"proto\": \"tcp\"}],\n", fmt4(CC2, b), CC2_PORT);
	json_hosts(f, w, "infected", 0);
	json_hosts(f, w, "infected_scanning", 1);
	json_hosts(f, w, "infected_silent", 2);
	json_hosts(f, w, "infected_mirai", 3);
	fprintf(f, "  \"clean_periodic_servers\": [");
	fprintf(f, "{\"addr\": \"%s\", \"port\": 123, \"proto\": \"udp\"}, ", fmt4(NTP1, b));
	fprintf(f, "{\"addr\": \"%s\", \"port\": 123, \"proto\": \"udp\"}, ", fmt4(NTP2, b));
	fprintf(f, "{\"addr\": \"%s\", \"port\": 443, \"proto\": \"tcp\"}, ", fmt4(UPDATE, b));
	fprintf(f, "{\"addr\": \"%s\", \"port\": 8443, \"proto\": \"tcp\"}],\n", fmt4(IOTAPI, b));
	fprintf(f, "  \"internal\": [\"198.51.100.0/24\", \"203.0.113.0/24\"],\n");
	fprintf(f, "  \"darknet\": \"198.18.0.0/16\",\n");
	static const char *const names[3] = {"top_src", "top_dst", "top_dport"};
	for (int what = 0; what < 3; what++) {
		size_t n;
		struct stat *s = tally(w, what, &n);
		fprintf(f, "  \"%s\": [", names[what]);
		for (size_t i = 0; i < n && i < 10; i++) {
			if (what < 2)
				fprintf(f, "%s\n    {\"addr\": \"%s\", \"flows\": %" PRIu64 ", \"bytes\": %" PRIu64 "}",
					i ? "," : "", fmt4(s[i].key, b), s[i].flows, s[i].bytes);
			else
				fprintf(f, "%s\n    {\"proto\": \"%s\", \"port\": %u, \"flows\": %" PRIu64 "}",
					i ? "," : "", (s[i].key >> 16) == 6 ? "tcp" : "udp", s[i].key & 0xffff,
					s[i].flows);
		}
		fprintf(f, "\n  ],\n");
		free(s);
	}
	fprintf(f, "  \"query_examples\": [");
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
		fprintf(f, "%s\n    {\"filter\": \"%s\", \"flows\": %" PRIu64 "}", i ? "," : "",
			queries[i].text, query_count(w, &queries[i]));
	fprintf(f, "\n  ]\n}\n");
	if (fclose(f) != 0)
		die("write failed", path);
}

/* ------------------------------------------------------------------------ */
/* Export capture: flows in export order, one stream, Ethernet/IPv4/UDP      */

static int cmp_rec_export(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;
	if (x->export_ms != y->export_ms)
		return x->export_ms < y->export_ms ? -1 : 1;
	if (x->f.first_ms != y->f.first_ms)
		return x->f.first_ms < y->f.first_ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Writes the flows (sorted by export time) as export datagrams; every flow
 * with the same export time goes out in consecutive datagrams 20 us apart.
 * Returns the number of datagrams. */
static uint64_t write_export(const struct rec *r, size_t n, const char *path, int version,
			     int64_t boot_ms)
{
	struct ks_nf_enc e;
	if (ks_nf_enc_init(&e, version, 1, boot_ms) != 0)
		die("unsupported --version (5, 9 or 10)", NULL);
	struct pcap_w w;
	pw_open(&w, path);
	struct ks_flow *batch = xrealloc(NULL, 64, sizeof(*batch));
	uint8_t dg[2048];
	uint64_t last_ts = 0;
	size_t i = 0;
	while (i < n) {
		size_t k = 0;
		while (i + k < n && k < 64 && r[i + k].export_ms == r[i].export_ms) {
			batch[k] = r[i + k].f;
			k++;
		}
		size_t used, len;
		int rc = ks_nf_enc_datagram(&e, batch, k, r[i].export_ms, dg, sizeof(dg), &used, &len);
		GEN_ASSERT(rc == 0);
		uint64_t ts = (uint64_t)r[i].export_ms * 1000;
		if (ts <= last_ts)
			ts = last_ts + 20;
		last_ts = ts;
		pw_udp(&w, ts, EXPORTER, EXPORTER_PORT, COLLECTOR, COLLECTOR_PORT, (uint16_t)e.datagrams, dg,
		       len);
		i += used;
	}
	free(batch);
	pw_close(&w);
	GEN_ASSERT(e.flows == n);
	return e.datagrams;
}

static int cmp_dark(const void *a, const void *b)
{
	const struct dark *x = a, *y = b;
	if (x->ts_us != y->ts_us)
		return x->ts_us < y->ts_us ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void write_dark(const struct world *w, const char *path)
{
	struct pcap_w pw;
	pw_open(&pw, path);
	for (size_t i = 0; i < w->nd; i++) {
		const struct dark *d = &w->d[i];
		uint8_t *out = pw_reserve(&pw, 60);
		uint8_t *tcp = out + 34;
		put16(tcp, d->sport);
		put16(tcp + 2, d->dport);
		put32(tcp + 4, d->isn);
		put32(tcp + 8, 0);
		tcp[12] = 0x50;
		tcp[13] = 0x02; /* SYN */
		put16(tcp + 14, (uint16_t)(5840 + (d->ipid & 0xff)));
		put16(tcp + 16, 0);
		put16(tcp + 18, 0);
		uint32_t len = frame_ip4(out, d->src, d->dst, 6, d->ipid, 64, 20);
		memset(out + len, 0, 60 - len); /* Ethernet minimum frame */
		pw_commit(&pw, d->ts_us, 60);
	}
	pw_close(&pw);
}

/* ------------------------------------------------------------------------ */
/* scenario --cc-eval: the C&C scorer on the scenario's flows                */

struct eval_ctx {
	const struct world *w;
	bool silent_known; /* the silent bots are known too (as with --infected FILE) */
};

static bool eval_infected(void *ctx, const struct ks_addr *a)
{
	const struct eval_ctx *e = ctx;
	if (!ks_addr_is_v4(a))
		return false;
	uint32_t v = ks_addr_v4(a);
	for (int i = 0; i < NBOTS; i++) {
		const struct host *h = &e->w->h[i];
		if (h->addr == v)
			return h->scans || e->silent_known;
	}
	return false;
}

/* Runs cc_detect over the flows in export order with the customer prefixes
 * and default parameters; prints the ranking and precision/recall against
 * the labels, once with the darknet's knowledge only and once with the silent
 * bots added. */
static void cc_eval(const struct world *w)
{
	struct ks_pset internal;
	ks_pset_init(&internal);
	char bad[64];
	if (ks_pset_parse_list(&internal, "198.51.100.0/24,203.0.113.0/24", 1, bad, sizeof(bad)) != 0)
		die("internal error: prefixes", bad);
	ks_pset_build(&internal);
	for (int pass = 0; pass < 2; pass++) {
		struct eval_ctx ctx = {w, pass == 1};
		struct ks_cc *cc;
		if (ks_cc_new(NULL, &internal, eval_infected, &ctx, NULL, &cc) != 0)
			die("cc_detect: cannot create", NULL);
		for (size_t i = 0; i < w->nr; i++)
			if (ks_cc_add(cc, &w->r[i].f) == KS_ENOMEM)
				die("out of memory", NULL);
		struct ks_cc_result res;
		if (ks_cc_finish(cc, &res) != 0)
			die("cc_detect: finish failed", NULL);
		size_t tp = 0;
		char b[KS_ADDR_STRLEN];
		printf("cc-eval: infected known: %s\n", pass ? "darknet scanners + silent bots" : "darknet scanners");
		for (size_t i = 0; i < res.n; i++) {
			const struct ks_cc_cand *c = &res.v[i];
			uint32_t a = ks_addr_v4(&c->addr);
			bool pos = (a == CC1 && c->port == CC1_PORT) || (a == CC2 && c->port == CC2_PORT);
			tp += pos;
			if (i < 10)
				printf("  %2zu %s %s:%u/%u score %.3f fanin %.2f beacon %.2f size %.2f infected %u clean %u\n",
				       i + 1, pos ? "C&C" : "-  ", ks_addr_format(&c->addr, b), c->port, c->proto,
				       c->score, c->fanin, c->beacon, c->size, c->infected, c->clean);
		}
		printf("  candidates %zu, true %zu: precision %.3f, recall %.3f\n", res.n, tp,
		       res.n ? (double)tp / (double)res.n : 0.0, (double)tp / 2.0);
		ks_cc_result_release(&res);
		ks_cc_free(cc);
	}
	ks_pset_release(&internal);
}

/* ------------------------------------------------------------------------ */
/* Options                                                                   */

struct args {
	const char *out, *dark, *truth, *start, *to, *listen, *ready;
	uint64_t seed, hours, flows, rate, exporters, batch, count, idle;
	int version;
	bool have_flows, have_count, cc_eval;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ks_flowgen scenario --seed S --out FLOWS.pcap --darknet-out DARK.pcap\n"
		"                           --truth TRUTH.json [--hours H (1-168)] [--start TIME]\n"
		"                           [--version 5|9|10] [--cc-eval]\n"
		"       ks_flowgen send --to 127.0.0.1:PORT --flows N [--rate FLOWS_PER_S|max]\n"
		"                       [--version 5|9|10] [--exporters K] [--seed S] [--batch B]\n"
		"       ks_flowgen recv --listen 127.0.0.1:PORT --count DATAGRAMS --out F.pcap\n"
		"                       [--ready FILE] [--idle SECONDS]\n"
		"       ks_flowgen pcap --out F.pcap --flows N [--version 5|9|10] [--seed S]\n"
		"\n"
		"scenario: a labelled world for C&C detection (docs/flowgen.md): 340 customer hosts in\n"
		"  198.51.100.0/24 and 203.0.113.0/24, 40 of them bots beaconing to 198.19.66.6:6667\n"
		"  (12 also to 192.0.2.80:443, a shared web host), clean hosts browsing and polling NTP,\n"
		"  update and device-cloud services; FLOWS.pcap carries the export datagrams\n"
		"  (192.0.2.1 -> 192.0.2.2:2055), DARK.pcap the scanning bots' SYNs to 198.18.0.0/16,\n"
		"  TRUTH.json the labels and figures counted from the flows. Defaults: seed 1,\n"
		"  24 hours from 2026-11-02T00:00:00Z, NetFlow v9.\n"
		"send: N flows to a loopback collector as export datagrams (30 flows per v5\n"
		"  datagram, 1400-byte v9/IPFIX datagrams) with sendmmsg, B datagrams per call\n"
		"  (default 64), from K exporters (sockets, default 1); --rate paces with a token\n"
		"  bucket (default max). Only 127.0.0.0/8 and ::1 are accepted as destinations.\n"
		"  Ends with: sent FLOWS flows in DATAGRAMS datagrams, SECONDS s, RATE flows/s\n"
		"recv: receives up to DATAGRAMS datagrams on a loopback address (stops earlier\n"
		"  after --idle seconds without one, default 10) and writes them to F.pcap;\n"
		"  --ready FILE is created once the socket is bound.\n"
		"  --cc-eval also runs the C&C scorer (cc_detect, defaults) over the flows and prints\n"
		"  its ranking with precision and recall against the labels.\n"
		"pcap: an export capture of N random flows.\n"
		"Counts take k/M/G suffixes (x1000).\n");
}

static void parse_args(int argc, char **argv, struct args *a)
{
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (strcmp(o, "--cc-eval") == 0) {
			a->cc_eval = true;
			continue;
		}
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			die("option needs a value (see --help)", o);
		i++;
		if (strcmp(o, "--out") == 0)
			a->out = v;
		else if (strcmp(o, "--darknet-out") == 0)
			a->dark = v;
		else if (strcmp(o, "--truth") == 0)
			a->truth = v;
		else if (strcmp(o, "--start") == 0)
			a->start = v;
		else if (strcmp(o, "--to") == 0)
			a->to = v;
		else if (strcmp(o, "--listen") == 0)
			a->listen = v;
		else if (strcmp(o, "--ready") == 0)
			a->ready = v;
		else if (strcmp(o, "--seed") == 0)
			a->seed = parse_count(o, v, 0, UINT64_MAX);
		else if (strcmp(o, "--hours") == 0)
			a->hours = parse_count(o, v, 1, 24 * 7);
		else if (strcmp(o, "--flows") == 0)
			a->flows = parse_count(o, v, 1, 1000000000000ULL), a->have_flows = true;
		else if (strcmp(o, "--rate") == 0)
			a->rate = strcmp(v, "max") == 0 ? 0 : parse_count(o, v, 1, 1000000000ULL);
		else if (strcmp(o, "--exporters") == 0)
			a->exporters = parse_count(o, v, 1, 64);
		else if (strcmp(o, "--batch") == 0)
			a->batch = parse_count(o, v, 1, 1024);
		else if (strcmp(o, "--count") == 0)
			a->count = parse_count(o, v, 1, 1000000000ULL), a->have_count = true;
		else if (strcmp(o, "--idle") == 0)
			a->idle = parse_count(o, v, 1, 3600);
		else if (strcmp(o, "--version") == 0) {
			a->version = (int)parse_count(o, v, 5, 10);
			if (a->version != 5 && a->version != 9 && a->version != 10)
				die("--version must be 5, 9 or 10", v);
		} else
			die("unknown option (see --help)", o);
	}
}

/* ------------------------------------------------------------------------ */
/* scenario mode                                                             */

static int cmd_scenario(int argc, char **argv)
{
	struct args a = {.seed = 1, .hours = 24, .start = "2026-11-02T00:00:00Z", .version = 9};
	parse_args(argc, argv, &a);
	if (!a.out || !a.dark || !a.truth)
		die("scenario needs --out, --darknet-out and --truth (see --help)", NULL);
	int64_t start_us;
	if (ks_time_parse(a.start, 0, &start_us) != 0 || start_us < 0)
		die("--start: expected a time such as 2026-11-02T00:00:00Z", a.start);
	static struct world w;
	memset(&w, 0, sizeof(w));
	rng_seed(&w.rng, a.seed ^ 0x666c6f7767656eULL);
	w.t0 = start_us / 1000;
	w.t1 = w.t0 + (int64_t)a.hours * 3600000;
	make_hosts(&w);
	for (int i = 0; i < NHOSTS; i++) {
		const struct host *h = &w.h[i];
		gen_web(&w, h);
		gen_periodic(&w, h);
		if (h->bot)
			gen_beacon(&w, h, CC1, CC1_PORT, 60, 600);
		if (h->cc2)
			gen_beacon(&w, h, CC2, CC2_PORT, 120, 900);
		if (h->scans)
			gen_scan(&w, h);
	}
	for (size_t i = 0; i < w.nr; i++) {
		uint32_t s = ks_addr_v4(&w.r[i].f.src), d = ks_addr_v4(&w.r[i].f.dst);
		GEN_ASSERT(is_internal(s) != is_internal(d)); /* every flow crosses the edge */
	}
	qsort(w.r, w.nr, sizeof(*w.r), cmp_rec_export);
	if (a.cc_eval)
		cc_eval(&w);
	qsort(w.d, w.nd, sizeof(*w.d), cmp_dark);
	/* The exporter booted three days before the window. */
	uint64_t dgs = write_export(w.r, w.nr, a.out, a.version, w.t0 - 3 * 86400000LL);
	write_dark(&w, a.dark);
	char iso[32];
	write_truth(&w, a.truth, a.seed, ks_time_iso(start_us, iso, sizeof(iso)), a.hours, a.version,
		    dgs, w.nd);
	free(w.r);
	free(w.d);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Random flows (send and pcap modes)                                        */

static void random_flow(struct rng *r, struct ks_flow *f, int64_t end_ms)
{
	memset(f, 0, sizeof(*f));
	uint32_t cli = (rng_pct(r, 50) ? IP4(198, 51, 100, 0) : IP4(203, 0, 113, 0)) | rng_below(r, 256);
	uint32_t srv = IP4(198, 19, 0, 0) | rng_below(r, 65536);
	bool out = rng_pct(r, 50);
	static const uint16_t ports[] = {443, 443, 443, 80, 53, 123, 22, 8443, 6667, 25};
	uint16_t sp = ports[rng_below(r, sizeof(ports) / sizeof(ports[0]))];
	uint16_t eph = ephemeral(r);
	ks_addr_from_v4(&f->src, out ? cli : srv);
	ks_addr_from_v4(&f->dst, out ? srv : cli);
	f->sport = out ? eph : sp;
	f->dport = out ? sp : eph;
	f->proto = sp == 53 || sp == 123 ? 17 : 6;
	f->tcp_flags = f->proto == 6 ? 0x1b : 0;
	f->packets = rng_logu(r, 1, 5000);
	f->bytes = f->packets * rng_range(r, 40, 1500);
	f->last_ms = end_ms - rng_below(r, 15000);
	f->first_ms = f->last_ms - rng_below(r, 60000);
	f->sampling = 1;
}

static int cmd_pcap(int argc, char **argv)
{
	struct args a = {.seed = 1, .version = 9};
	parse_args(argc, argv, &a);
	if (!a.out || !a.have_flows)
		die("pcap needs --out and --flows (see --help)", NULL);
	struct rng r;
	rng_seed(&r, a.seed ^ 0x70636170ULL);
	int64_t t = 1793577600000LL; /* 2026-11-02T00:00:00Z */
	struct ks_nf_enc e;
	if (ks_nf_enc_init(&e, a.version, 1, t - 86400000LL) != 0)
		die("unsupported --version", NULL);
	struct pcap_w w;
	pw_open(&w, a.out);
	struct ks_flow batch[64];
	uint8_t dg[2048];
	uint64_t left = a.flows;
	while (left) {
		t += 1 + rng_below(&r, 50);
		size_t k = ks_nf_enc_capacity(&e);
		if (k > left)
			k = (size_t)left;
		for (size_t i = 0; i < k; i++)
			random_flow(&r, &batch[i], t);
		size_t used, len;
		GEN_ASSERT(ks_nf_enc_datagram(&e, batch, k, t, dg, sizeof(dg), &used, &len) == 0);
		GEN_ASSERT(used == k);
		pw_udp(&w, (uint64_t)t * 1000, EXPORTER, EXPORTER_PORT, COLLECTOR, COLLECTOR_PORT,
		       (uint16_t)e.datagrams, dg, len);
		left -= k;
	}
	pw_close(&w);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* send and recv modes: loopback only                                        */

/* Parses ADDR:PORT or [ADDR]:PORT into a socket address; refuses anything
 * but loopback (network-safety rule). */
static socklen_t loopback_sockaddr(const char *opt, const char *s, struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || colon == s)
		die("expected ADDR:PORT for", opt);
	size_t hl = (size_t)(colon - s);
	const char *h = s;
	if (s[0] == '[') {
		if (hl < 3 || s[hl - 1] != ']')
			die("expected [ADDR]:PORT for", opt);
		h = s + 1;
		hl -= 2;
	}
	if (hl >= sizeof(host))
		die("address too long for", opt);
	memcpy(host, h, hl);
	host[hl] = '\0';
	uint16_t port = (uint16_t)parse_count(opt, colon + 1, 1, 65535);
	struct ks_addr ka;
	if (ks_addr_parse(host, &ka) != 0)
		die("not an IP address", host);
	memset(ss, 0, sizeof(*ss));
	if (ks_addr_is_v4(&ka)) {
		if ((ks_addr_v4(&ka) >> 24) != 127) {
			fprintf(stderr,
				"ks_flowgen: refusing %s %s: only loopback destinations (127.0.0.0/8, ::1) "
				"are allowed (network-safety rule)\n",
				opt, s);
			exit(2);
		}
		struct sockaddr_in *in = (struct sockaddr_in *)ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		in->sin_addr.s_addr = htonl(ks_addr_v4(&ka));
		return sizeof(*in);
	}
	static const uint8_t lo6[16] = {[15] = 1};
	if (memcmp(ka.b, lo6, 16) != 0) {
		fprintf(stderr,
			"ks_flowgen: refusing %s %s: only loopback destinations (127.0.0.0/8, ::1) are "
			"allowed (network-safety rule)\n",
			opt, s);
		exit(2);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(port);
	memcpy(&in6->sin6_addr, ka.b, 16);
	return sizeof(*in6);
}

#define POOL 60 /* datagrams per exporter: a multiple of the template interval */

struct exporter {
	int fd;
	uint32_t seq;
	size_t next;                  /* next pool entry */
	uint8_t *buf;                 /* POOL datagrams of KS_NF_MTU_MAX bytes at most */
	size_t len[POOL], flows[POOL]; /* per pool entry */
	struct ks_nf_enc enc;         /* state after building the pool */
	struct ks_flow src[POOL * 64]; /* the flows of the pool, for a short last datagram */
	size_t first[POOL];
};

#define SLOT 2048

static int64_t wall_ms(void)
{
	return ks_time_now_us() / 1000;
}

static void build_pool(struct exporter *x, int version, uint32_t domain, struct rng *r)
{
	int64_t now = wall_ms();
	if (ks_nf_enc_init(&x->enc, version, domain, now - 3600000) != 0)
		die("unsupported --version", NULL);
	x->buf = xrealloc(NULL, POOL, SLOT);
	size_t nf = 0;
	for (size_t i = 0; i < POOL; i++) {
		size_t k = ks_nf_enc_capacity(&x->enc);
		GEN_ASSERT(k <= 64);
		x->first[i] = nf;
		for (size_t j = 0; j < k; j++)
			random_flow(r, &x->src[nf + j], now);
		size_t used;
		GEN_ASSERT(ks_nf_enc_datagram(&x->enc, &x->src[nf], k, now, x->buf + i * SLOT, SLOT, &used,
					      &x->len[i]) == 0);
		x->flows[i] = used;
		nf += used;
	}
}

static int cmd_send(int argc, char **argv)
{
	struct args a = {.seed = 1, .version = 9, .exporters = 1, .batch = 64};
	parse_args(argc, argv, &a);
	if (!a.to || !a.have_flows)
		die("send needs --to and --flows (see --help)", NULL);
	struct sockaddr_storage dst;
	socklen_t dlen = loopback_sockaddr("--to", a.to, &dst);
	struct rng r;
	rng_seed(&r, a.seed ^ 0x73656e64ULL);
	/* A batch never holds one pool slot twice: slots are patched in place
	 * (sequence number, export time) until sendmmsg has sent them. */
	size_t nx = (size_t)a.exporters, B = (size_t)a.batch < POOL ? (size_t)a.batch : POOL;
	struct exporter *xs = xrealloc(NULL, nx, sizeof(*xs));
	memset(xs, 0, nx * sizeof(*xs));
	for (size_t i = 0; i < nx; i++) {
		build_pool(&xs[i], a.version, (uint32_t)i + 1, &r);
		xs[i].fd = socket(dst.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (xs[i].fd < 0)
			die("socket failed", strerror(errno));
		int sz = 4 << 20;
		(void)setsockopt(xs[i].fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		if (connect(xs[i].fd, (struct sockaddr *)&dst, dlen) != 0)
			die("connect failed", strerror(errno));
	}
	struct mmsghdr *mm = xrealloc(NULL, B, sizeof(*mm));
	struct iovec *iov = xrealloc(NULL, B, sizeof(*iov));
	uint8_t *last = xrealloc(NULL, SLOT, 1); /* a shortened final datagram */
	bool tty = isatty(2);
	uint64_t sent = 0, dgs = 0;
	double t_start = now_s(), t_progress = t_start + 1.0;
	size_t xi = 0;
	while (sent < a.flows) {
		struct exporter *x = &xs[xi];
		xi = (xi + 1) % nx;
		int64_t exp_ms = wall_ms();
		size_t n = 0;
		uint64_t bflows = 0;
		while (n < B && sent + bflows < a.flows) {
			size_t p = x->next;
			uint8_t *buf = x->buf + p * SLOT;
			size_t len = x->len[p], fl = x->flows[p];
			uint64_t want = a.flows - sent - bflows;
			if (fl > want) {
				/* The last datagram: encode just the flows still owed,
				 * keeping this pool entry's template placement. */
				struct ks_nf_enc e = x->enc;
				e.datagrams = p;
				size_t used;
				GEN_ASSERT(ks_nf_enc_datagram(&e, &x->src[x->first[p]], (size_t)want,
							      exp_ms, last, SLOT, &used, &len) == 0);
				GEN_ASSERT(used == want);
				buf = last;
				fl = used;
			}
			GEN_ASSERT(ks_nf_enc_patch(buf, len, x->seq, exp_ms) == 0);
			x->seq += a.version == 9 ? 1 : (uint32_t)fl;
			x->next = (p + 1) % POOL;
			iov[n] = (struct iovec){buf, len};
			memset(&mm[n], 0, sizeof(mm[n]));
			mm[n].msg_hdr.msg_iov = &iov[n];
			mm[n].msg_hdr.msg_iovlen = 1;
			bflows += fl;
			n++;
		}
		/* Token bucket: the bucket refills at --rate flows/s and holds one
		 * batch; wait until this batch's flows are covered. */
		if (a.rate) {
			double due = t_start + (double)(sent + bflows) / (double)a.rate;
			for (;;) {
				double d = due - now_s();
				if (d <= 0)
					break;
				if (d > 0.0002) {
					struct timespec ts = {0, (long)((d - 0.0001) * 1e9)};
					nanosleep(&ts, NULL);
				}
			}
		}
		size_t done = 0;
		while (done < n) {
			int rc = sendmmsg(x->fd, mm + done, (unsigned)(n - done), 0);
			if (rc < 0) {
				if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN)
					continue;
				if (errno == ECONNREFUSED)
					continue; /* ICMP port unreachable from an earlier datagram */
				die("sendmmsg failed", strerror(errno));
			}
			done += (size_t)rc;
		}
		sent += bflows;
		dgs += n;
		if (tty) {
			double t = now_s();
			if (t >= t_progress) {
				fprintf(stderr, "\rks_flowgen: %" PRIu64 "/%" PRIu64 " flows, %.0f flows/s   ", sent,
					a.flows, (double)sent / (t - t_start));
				t_progress = t + 1.0;
			}
		}
	}
	double secs = now_s() - t_start;
	if (tty)
		fprintf(stderr, "\n");
	printf("sent %" PRIu64 " flows in %" PRIu64 " datagrams, %.3f s, %.0f flows/s\n", sent, dgs, secs,
	       secs > 0 ? (double)sent / secs : 0.0);
	for (size_t i = 0; i < nx; i++) {
		close(xs[i].fd);
		free(xs[i].buf);
	}
	free(xs);
	free(mm);
	free(iov);
	free(last);
	return 0;
}

static int cmd_recv(int argc, char **argv)
{
	struct args a = {.idle = 10};
	parse_args(argc, argv, &a);
	if (!a.listen || !a.have_count || !a.out)
		die("recv needs --listen, --count and --out (see --help)", NULL);
	struct sockaddr_storage ls;
	socklen_t llen = loopback_sockaddr("--listen", a.listen, &ls);
	if (ls.ss_family != AF_INET)
		die("recv writes IPv4 frames: use a 127.0.0.0/8 address", a.listen);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket failed", strerror(errno));
	int sz = 16 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	struct timeval tv = {(time_t)a.idle, 0};
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(fd, (struct sockaddr *)&ls, llen) != 0)
		die("bind failed", strerror(errno));
	if (a.ready) {
		FILE *f = fopen(a.ready, "w");
		if (f == NULL || fclose(f) != 0)
			die("cannot create", a.ready);
	}
	struct pcap_w w;
	pw_open(&w, a.out);
	const struct sockaddr_in *lin = (const struct sockaddr_in *)&ls;
	uint8_t buf[65536];
	uint64_t got = 0, bytes = 0;
	while (got < a.count) {
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break; /* idle: the sender is done or lost datagrams */
			die("recvfrom failed", strerror(errno));
		}
		if (from.sin_family != AF_INET || (size_t)n > 65000)
			continue;
		pw_udp(&w, (uint64_t)ks_time_now_us(), ntohl(from.sin_addr.s_addr), ntohs(from.sin_port),
		       ntohl(lin->sin_addr.s_addr), ntohs(lin->sin_port), (uint16_t)got, buf, (size_t)n);
		got++;
		bytes += (uint64_t)n;
	}
	pw_close(&w);
	close(fd);
	printf("received %" PRIu64 " datagrams, %" PRIu64 " bytes\n", got, bytes);
	return got == a.count ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "scenario") == 0)
		return cmd_scenario(argc, argv);
	if (strcmp(argv[1], "send") == 0)
		return cmd_send(argc, argv);
	if (strcmp(argv[1], "recv") == 0)
		return cmd_recv(argc, argv);
	if (strcmp(argv[1], "pcap") == 0)
		return cmd_pcap(argc, argv);
	fprintf(stderr, "ks_flowgen: unknown mode '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
