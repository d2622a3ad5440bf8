/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ks_gen: deterministic capture generator for kansoku's tests and benchmarks.
 *
 * It writes classic pcap files itself (magic 0xa1b2c3d4 in this host's byte
 * order, microsecond timestamps); libpcap is not needed. Every random choice
 * comes from one xoshiro256** generator seeded through splitmix64 from
 * --seed, so the same arguments always give byte-identical files.
 *
 *   ks_gen darknet   a capture of known composition, its ground truth (the
 *                    report figures of docs/formats.md) and an organisations
 *                    file, for tests/integration/t_darknet_gen.sh
 *   ks_gen bench     a large capture of small packets, written fast, for
 *                    bench/darknet.sh
 *
 * Ground truth is counted from construction, never by classifying bytes: each
 * packet is built to be of one class (docs/formats.md, "Darknet classes and
 * tags") and the class, tags and ports it was built for are recorded next to
 * it. A self-check compares every built packet with what it was meant to be
 * and aborts on a mismatch, which would be a bug in this generator.
 *
 * Layout of a darknet capture: all packets are built as L3 bytes into an
 * arena, with a record each (timestamp, truth); the records are sorted by
 * time and written with the link header chosen by --linktype. The first and
 * the last packet of the file are well-formed darknet packets, so the
 * report's period is exactly [TS_FIRST, TS_LAST] however the other packets
 * (outside the darknet, malformed, non-IP) are counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ks_addr.h"

#define KS_TOOL "ks_gen"
#include "ks_tool.h"

/* ------------------------------------------------------------------------ */
/* PRNG draws on top of ks_tool.h's xoshiro256**                             */

static inline uint32_t rng_u32(struct rng *r)
{
	return (uint32_t)(rng_next(r) >> 32);
}

static inline uint16_t rng_u16(struct rng *r)
{
	return (uint16_t)(rng_next(r) >> 48);
}

/* True with probability pct/100. */
static inline bool rng_pct(struct rng *r, uint32_t pct)
{
	return rng_below(r, 100) < pct;
}

/* ------------------------------------------------------------------------ */
/* Internet checksum (RFC 1071)                                              */

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

/* ------------------------------------------------------------------------ */
/* pcap writer: classic format, buffered, one fwrite per MiBs.               */

#define LT_NULL 0
#define LT_ETHER 1
#define LT_RAW 101
#define LT_SLL 113
#define LT_SLL2 276
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

static void pw_open(struct pcap_w *w, const char *path, uint32_t linktype)
{
	memset(w, 0, sizeof(*w));
	w->path = path;
	if (strcmp(path, "-") == 0) {
		w->f = stdout;
	} else {
		w->f = fopen(path, "wb");
		if (w->f == NULL)
			die("cannot create", path);
	}
	w->cap = 8u << 20;
	w->buf = xrealloc(NULL, w->cap, 1);
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, network;
	} h = {0xa1b2c3d4u, 2, 4, 0, 0, PCAP_SNAPLEN, linktype};
	memcpy(w->buf, &h, sizeof(h));
	w->len = sizeof(h);
}

/* Reserves room for one record of up to n frame bytes; returns where the
 * frame goes (after the 16-byte record header). */
static inline uint8_t *pw_reserve(struct pcap_w *w, size_t n)
{
	if (w->cap - w->len < n + 16)
		pw_flush(w);
	return w->buf + w->len + 16;
}

static inline void pw_commit(struct pcap_w *w, uint64_t ts_us, uint32_t caplen, uint32_t wirelen)
{
	uint32_t h[4] = {(uint32_t)(ts_us / 1000000u), (uint32_t)(ts_us % 1000000u), caplen, wirelen};
	memcpy(w->buf + w->len, h, sizeof(h));
	w->len += 16 + caplen;
	w->packets++;
}

static void pw_close(struct pcap_w *w)
{
	pw_flush(w);
	if (fflush(w->f) != 0 || (w->f != stdout && fclose(w->f) != 0))
		die("write failed", w->path);
	free(w->buf);
	w->buf = NULL;
}

/* ------------------------------------------------------------------------ */
/* Link layers                                                               */

enum link {
	LINK_ETHER,
	LINK_VLAN,
	LINK_QINQ,
	LINK_SLL,
	LINK_SLL2,
	LINK_RAW,
	LINK_NULL,
};

static const struct {
	const char *name;
	uint32_t dlt;
} links[] = {
	[LINK_ETHER] = {"ether", LT_ETHER}, [LINK_VLAN] = {"vlan", LT_ETHER},
	[LINK_QINQ] = {"qinq", LT_ETHER},   [LINK_SLL] = {"sll", LT_SLL},
	[LINK_SLL2] = {"sll2", LT_SLL2},    [LINK_RAW] = {"raw", LT_RAW},
	[LINK_NULL] = {"null", LT_NULL},
};

#define L3_V4 4
#define L3_V6 6
#define L3_ARP 0

/* Documentation MAC addresses (RFC 7042). */
static const uint8_t mac_dst[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x01};
static const uint8_t mac_src[6] = {0x00, 0x00, 0x5e, 0x00, 0x53, 0x02};

/* Writes the link header for an L3 payload of kind l3 into out; returns its
 * length, or -1 if this link type cannot carry it (ARP on raw/null). seq
 * varies the BSD loopback family value for IPv6 among 24, 28 and 30, which
 * is what OpenBSD/NetBSD, FreeBSD and Darwin write. */
static int link_header(enum link lk, int l3, uint32_t seq, uint8_t *out)
{
	uint16_t et = l3 == L3_V4 ? 0x0800 : l3 == L3_V6 ? 0x86dd : 0x0806;
	switch (lk) {
	case LINK_ETHER:
		memcpy(out, mac_dst, 6);
		memcpy(out + 6, mac_src, 6);
		put16(out + 12, et);
		return 14;
	case LINK_VLAN:
		memcpy(out, mac_dst, 6);
		memcpy(out + 6, mac_src, 6);
		put16(out + 12, 0x8100);
		put16(out + 14, 100);
		put16(out + 16, et);
		return 18;
	case LINK_QINQ:
		memcpy(out, mac_dst, 6);
		memcpy(out + 6, mac_src, 6);
		put16(out + 12, 0x88a8);
		put16(out + 14, 200);
		put16(out + 16, 0x8100);
		put16(out + 18, 100);
		put16(out + 20, et);
		return 22;
	case LINK_SLL:
		put16(out, 0);  /* LINUX_SLL_HOST */
		put16(out + 2, 1); /* ARPHRD_ETHER */
		put16(out + 4, 6);
		memcpy(out + 6, mac_src, 6);
		put16(out + 12, 0);
		put16(out + 14, et);
		return 16;
	case LINK_SLL2:
		put16(out, et);
		put16(out + 2, 0);
		put32(out + 4, 2); /* interface index */
		put16(out + 8, 1); /* ARPHRD_ETHER */
		out[10] = 0;       /* LINUX_SLL_HOST */
		out[11] = 6;
		memcpy(out + 12, mac_src, 6);
		put16(out + 18, 0);
		return 20;
	case LINK_RAW:
		return l3 == L3_ARP ? -1 : 0;
	case LINK_NULL: {
		if (l3 == L3_ARP)
			return -1;
		static const uint32_t af6[3] = {24, 28, 30};
		uint32_t af = l3 == L3_V4 ? 2 : af6[seq % 3];
		memcpy(out, &af, 4); /* host byte order, as the capturing host wrote it */
		return 4;
	}
	}
	return -1;
}

static bool link_is_ether(enum link lk)
{
	return lk == LINK_ETHER || lk == LINK_VLAN || lk == LINK_QINQ;
}

/* ------------------------------------------------------------------------ */
/* darknet mode: data model                                                  */

#define T0_SEC 1767225600ULL /* 2026-01-01T00:00:00Z */
#define SPAN_SEC 10800ULL    /* three hours */
#define TS_FIRST (T0_SEC * 1000000ULL + 250000ULL)
#define TS_LAST ((T0_SEC + SPAN_SEC) * 1000000ULL + 750000ULL)
#define TS_LO ((T0_SEC + 1) * 1000000ULL)     /* every other packet in [TS_LO, TS_HI) */
#define TS_HI ((T0_SEC + SPAN_SEC) * 1000000ULL)

#define DARKNET_TEXT "198.18.0.0/16,2001:db8:dead::/48"
#define DARKNET_V4_ADDRESSES 65536

enum cls {
	C_TCP_SCAN,
	C_BACKSCATTER,
	C_ICMP_SCAN,
	C_UDP,
	C_OTHER,
	C__N,
	C_NONE = 100, /* well-formed but counts nowhere: outside the darknet, or not IP */
	C_MALFORMED,
};
static const char *const cls_name[C__N] = {"tcp_scan", "backscatter", "icmp_scan", "udp", "other"};

#define TAG_MIRAI 1u
#define TAG_ZMAP 2u
#define TAG_MASSCAN 4u
static const char *const tag_name[3] = {"mirai", "zmap", "masscan"};

#define ZMAP_IPID 54321

/* Organisations written to --orgs; alerts are computed against them. */
static const struct org {
	const char *id, *name, *kind, *contact, *prefixes;
} orgs[] = {
	{"city-b", "City of B", "local_gov", "csirt@city-b.example", "198.51.100.0/24"},
	{"infra-c", "C Power and Water", "critical_infra", "soc@infra-c.example", "192.0.2.0/26"},
	{"isp-a", "Example ISP A", "isp", "noc@isp-a.example", "203.0.113.0/25 2001:db8:beef::/49"},
};
#define NORGS (sizeof(orgs) / sizeof(orgs[0]))

/* One packet: where its L3 bytes are, and what it is by construction. */
struct rec {
	uint64_t ts;   /* microseconds since the epoch */
	uint32_t off;  /* L3 bytes in the arena */
	uint32_t len;  /* L3 bytes on the wire */
	uint32_t snap; /* L3 bytes captured, <= len */
	uint32_t seq;  /* creation order: sort tie-break */
	uint32_t src;  /* source index */
	uint16_t dport;
	uint8_t l3;    /* L3_V4, L3_V6, L3_ARP */
	uint8_t pad;   /* Ethernet frames shorter than 60 bytes are padded */
	uint8_t cls;   /* enum cls */
	uint8_t tags;  /* TAG_* */
	uint8_t pproto; /* 6 or 17 if the packet counts for top_ports, else 0 */
	uint8_t dupok;  /* may be duplicated to break top_ports ties */
	struct ks_addr dst;
};

struct source {
	struct ks_addr a;
	int org; /* index in orgs[], -1 for none */
	uint64_t t0, t1; /* active window, [t0, t1) */
};

struct gen {
	struct rng rng;
	unsigned threshold;
	struct rec *r;
	size_t nr, capr;
	uint8_t *arena;
	size_t narena, caparena;
	struct source *s;
	size_t ns, caps;
	uint32_t seq;
};

/* ------------------------------------------------------------------------ */
/* Addresses                                                                 */

static struct ks_addr v4(uint32_t a)
{
	struct ks_addr x;
	ks_addr_from_v4(&x, a);
	return x;
}

static uint32_t v4of(const struct ks_addr *a)
{
	return ks_addr_v4(a);
}

static bool is_v6(const struct ks_addr *a)
{
	return !ks_addr_is_v4(a);
}

static struct ks_addr v6_prefix48(uint16_t w0, uint16_t w1, uint16_t w2, struct rng *r)
{
	struct ks_addr a;
	put16(a.b, w0);
	put16(a.b + 2, w1);
	put16(a.b + 4, w2);
	for (int i = 6; i < 16; i++)
		a.b[i] = (uint8_t)rng_below(r, 256);
	return a;
}

static bool in_darknet(const struct ks_addr *a)
{
	static const uint8_t v6net[6] = {0x20, 0x01, 0x0d, 0xb8, 0xde, 0xad};
	if (ks_addr_is_v4(a))
		return (v4of(a) >> 16) == 0xc612; /* 198.18.0.0/16 */
	return memcmp(a->b, v6net, 6) == 0;
}

static bool prefix_match(const struct ks_addr *a, const char *pfx, size_t n)
{
	char text[64];
	const char *slash = memchr(pfx, '/', n);
	if (slash == NULL || (size_t)(slash - pfx) >= sizeof(text) || n - (size_t)(slash - pfx) > 4)
		die("internal error: bad organisation prefix", NULL);
	memcpy(text, pfx, (size_t)(slash - pfx));
	text[slash - pfx] = '\0';
	struct ks_addr p;
	if (ks_addr_parse(text, &p) != 0)
		die("internal error: bad organisation prefix", text);
	unsigned len = 0;
	for (const char *c = slash + 1; c < pfx + n; c++)
		len = len * 10 + (unsigned)(*c - '0');
	if (ks_addr_is_v4(&p))
		len += 96;
	for (unsigned bit = 0; bit < len; bit++) {
		unsigned byte = bit / 8, m = 0x80u >> (bit % 8);
		if ((a->b[byte] & m) != (p.b[byte] & m))
			return false;
	}
	return true;
}

static int org_of(const struct ks_addr *a)
{
	for (size_t i = 0; i < NORGS; i++) {
		const char *p = orgs[i].prefixes;
		while (*p) {
			size_t n = strcspn(p, " ");
			if (prefix_match(a, p, n))
				return (int)i;
			p += n;
			while (*p == ' ')
				p++;
		}
	}
	return -1;
}

/* Address pools for sources. Only documentation and benchmarking ranges. */
enum pool {
	P_ISPA,      /* 203.0.113.0/25    isp-a */
	P_ISPA_OUT,  /* 203.0.113.128/25  no organisation */
	P_CITYB,     /* 198.51.100.0/24   city-b */
	P_INFRAC,    /* 192.0.2.0/26      infra-c */
	P_INFRA_OUT, /* 192.0.2.64-254    no organisation */
	P_NOORG,     /* 198.19.0.0/16     no organisation */
	P6_ISPA,     /* 2001:db8:beef::/49      isp-a */
	P6_OUT,      /* 2001:db8:beef:8000::/49 no organisation */
};

static struct ks_addr pool_addr(struct rng *r, enum pool p)
{
	struct ks_addr a;
	switch (p) {
	case P_ISPA:
		return v4(0xcb007100u | (1 + rng_below(r, 126)));
	case P_ISPA_OUT:
		return v4(0xcb007180u | rng_below(r, 127));
	case P_CITYB:
		return v4(0xc6336400u | (1 + rng_below(r, 254)));
	case P_INFRAC:
		return v4(0xc0000200u | (1 + rng_below(r, 62)));
	case P_INFRA_OUT:
		return v4(0xc0000240u | rng_below(r, 191));
	case P_NOORG:
		return v4(0xc6130000u | (rng_below(r, 0xfffe) + 1));
	case P6_ISPA:
		a = v6_prefix48(0x2001, 0x0db8, 0xbeef, r);
		a.b[6] &= 0x7f;
		return a;
	case P6_OUT:
		a = v6_prefix48(0x2001, 0x0db8, 0xbeef, r);
		a.b[6] |= 0x80;
		return a;
	}
	die("internal error: bad pool", NULL);
}

static uint32_t new_src(struct gen *g, enum pool p)
{
	struct ks_addr a;
	for (;;) {
		a = pool_addr(&g->rng, p);
		size_t i;
		for (i = 0; i < g->ns; i++)
			if (ks_addr_cmp(&g->s[i].a, &a) == 0)
				break;
		if (i == g->ns)
			break;
	}
	if (g->ns == g->caps) {
		g->caps = g->caps ? 2 * g->caps : 256;
		g->s = xrealloc(g->s, g->caps, sizeof(*g->s));
	}
	struct source *s = &g->s[g->ns];
	s->a = a;
	s->org = org_of(&a);
	/* An active window of 10 minutes to the whole capture. */
	uint64_t span = (TS_HI - TS_LO) / 1000000u;
	uint64_t dur = 600 + rng_below(&g->rng, (uint32_t)(span - 600));
	uint64_t start = rng_below(&g->rng, (uint32_t)(span - dur + 1));
	s->t0 = TS_LO + start * 1000000u;
	s->t1 = s->t0 + dur * 1000000u;
	GEN_ASSERT(s->t1 <= TS_HI);
	return (uint32_t)g->ns++;
}

static uint64_t src_ts(struct gen *g, uint32_t s)
{
	const struct source *x = &g->s[s];
	uint64_t d = x->t1 - x->t0;
	uint64_t off = ((uint64_t)rng_u32(&g->rng) << 32 | rng_u32(&g->rng)) % d;
	return x->t0 + off;
}

static struct ks_addr dark4(struct gen *g)
{
	return v4(0xc6120000u | rng_below(&g->rng, 65536));
}

static struct ks_addr dark6(struct gen *g)
{
	return v6_prefix48(0x2001, 0x0db8, 0xdead, &g->rng);
}

/* n distinct darknet addresses of one family; caller frees. */
static struct ks_addr *pick_dests(struct gen *g, bool six, size_t n)
{
	struct ks_addr *d = xrealloc(NULL, n, sizeof(*d));
	for (size_t i = 0; i < n;) {
		d[i] = six ? dark6(g) : dark4(g);
		size_t j;
		for (j = 0; j < i; j++)
			if (ks_addr_cmp(&d[j], &d[i]) == 0)
				break;
		if (j == i)
			i++;
	}
	return d;
}

/* A destination outside the darknet: near its edges or elsewhere. */
static struct ks_addr outside(struct gen *g, bool six)
{
	struct ks_addr a;
	if (!six) {
		switch (rng_below(&g->rng, 5)) {
		case 0:
			return v4(0xc611ffffu); /* 198.17.255.255, just below */
		case 1:
			return v4(0xc6130000u); /* 198.19.0.0, just above */
		case 2:
			return v4(0xc6130000u | rng_below(&g->rng, 65536));
		case 3:
			return v4(0xcb007100u | rng_below(&g->rng, 256));
		default:
			return v4(0xc0000200u | rng_below(&g->rng, 256));
		}
	}
	switch (rng_below(&g->rng, 3)) {
	case 0:
		memset(a.b, 0xff, 16); /* 2001:db8:deac:ffff:...:ffff, just below */
		put16(a.b, 0x2001);
		put16(a.b + 2, 0x0db8);
		put16(a.b + 4, 0xdeac);
		return a;
	case 1:
		memset(a.b, 0, 16); /* 2001:db8:deae::, just above */
		put16(a.b, 0x2001);
		put16(a.b + 2, 0x0db8);
		put16(a.b + 4, 0xdeae);
		return a;
	default:
		return v6_prefix48(0x2001, 0x0db8, 0xcafe, &g->rng);
	}
}

/* ------------------------------------------------------------------------ */
/* Packet records                                                            */

static struct rec *add_rec(struct gen *g, uint32_t src, uint64_t ts, const uint8_t *l3,
			   uint32_t len, uint32_t snap, int l3kind, int cls, const struct ks_addr *dst)
{
	GEN_ASSERT(snap <= len);
	GEN_ASSERT(ts >= TS_FIRST && ts <= TS_LAST);
	if (g->narena + len > g->caparena) {
		g->caparena = g->caparena ? 2 * g->caparena : 1u << 20;
		while (g->caparena < g->narena + len)
			g->caparena *= 2;
		g->arena = xrealloc(g->arena, g->caparena, 1);
	}
	if (g->nr == g->capr) {
		g->capr = g->capr ? 2 * g->capr : 4096;
		g->r = xrealloc(g->r, g->capr, sizeof(*g->r));
	}
	GEN_ASSERT(g->narena <= UINT32_MAX - len);
	struct rec *r = &g->r[g->nr++];
	memset(r, 0, sizeof(*r));
	memcpy(g->arena + g->narena, l3, len);
	r->off = (uint32_t)g->narena;
	g->narena += len;
	r->ts = ts;
	r->len = len;
	r->snap = snap;
	r->seq = g->seq++;
	r->src = src;
	r->l3 = (uint8_t)l3kind;
	r->pad = 1;
	r->cls = (uint8_t)cls;
	if (dst)
		r->dst = *dst;
	return r;
}

/* ------------------------------------------------------------------------ */
/* Packet construction                                                       */

enum { IPOPT_NONE, IPOPT_RA, IPOPT_NOP, IPOPT_RR, IPOPT__N };
enum { TCPOPT_NONE, TCPOPT_MSS, TCPOPT_FULL };

/* What to build. Zero means "default" for ttl and ts. */
struct spec {
	uint32_t src;
	struct ks_addr dst;
	uint64_t ts;
	uint8_t proto;
	uint8_t ttl;
	uint16_t ipid;
	uint8_t ipopt;
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint8_t tcpopt;
	uint8_t itype, icode;
	uint32_t icmp_rest; /* ICMP bytes 4..7: id/seq, unused, MTU or pointer */
	const uint8_t *pay;
	uint16_t paylen;
	uint16_t snap_l4; /* >0: the capture keeps only this many L4 bytes */
	uint8_t cls, tags;
	bool nodup; /* never duplicate (fragments) */
};

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10
#define TH_URG 0x20

static size_t ipopt_bytes(int kind, uint8_t *out)
{
	static const uint8_t ra[4] = {0x94, 0x04, 0x00, 0x00};
	static const uint8_t nop[4] = {0x01, 0x01, 0x01, 0x00};
	static const uint8_t rr[8] = {0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00};
	switch (kind) {
	case IPOPT_RA:
		memcpy(out, ra, 4);
		return 4;
	case IPOPT_NOP:
		memcpy(out, nop, 4);
		return 4;
	case IPOPT_RR:
		memcpy(out, rr, 8);
		return 8;
	default:
		return 0;
	}
}

static void put_ipv4(uint8_t *p, uint32_t src, uint32_t dst, uint8_t proto, uint16_t id, uint8_t ttl,
		     uint16_t frag, const uint8_t *opt, size_t optlen, uint32_t totlen)
{
	size_t h = 20 + optlen;
	GEN_ASSERT(optlen % 4 == 0 && h <= 60 && totlen <= 65535);
	p[0] = (uint8_t)(0x40 | (h / 4));
	p[1] = 0;
	put16(p + 2, (uint16_t)totlen);
	put16(p + 4, id);
	put16(p + 6, frag);
	p[8] = ttl;
	p[9] = proto;
	put16(p + 10, 0);
	put32(p + 12, src);
	put32(p + 16, dst);
	if (optlen)
		memcpy(p + 20, opt, optlen);
	put16(p + 10, csum_fold(csum_add(0, p, h)));
}

static void put_ipv6(uint8_t *p, const struct ks_addr *src, const struct ks_addr *dst, uint8_t next,
		     uint8_t hlim, uint32_t paylen)
{
	GEN_ASSERT(paylen <= 65535);
	put32(p, 0x60000000u);
	put16(p + 4, (uint16_t)paylen);
	p[6] = next;
	p[7] = hlim;
	memcpy(p + 8, src->b, 16);
	memcpy(p + 24, dst->b, 16);
}

/* Checksum of the L4 bytes l4[0..n) with the pseudo-header of the family. */
static uint16_t l4_csum(bool six, const struct ks_addr *src, const struct ks_addr *dst, uint8_t proto,
			const uint8_t *l4, size_t n)
{
	uint32_t sum = 0;
	if (proto == 1) /* ICMPv4 has no pseudo-header */
		return csum_fold(csum_add(0, l4, n));
	if (six) {
		sum = csum_add(sum, src->b, 16);
		sum = csum_add(sum, dst->b, 16);
		sum += (uint32_t)(n >> 16) + (uint32_t)(n & 0xffff);
	} else {
		sum = csum_add(sum, src->b + 12, 4);
		sum = csum_add(sum, dst->b + 12, 4);
		sum += (uint32_t)n;
	}
	sum += proto;
	return csum_fold(csum_add(sum, l4, n));
}

/* Builds the L4 part of sp into out; returns its length. */
static size_t build_l4(const struct spec *sp, uint8_t *out)
{
	static const uint8_t full[20] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x12, 0x34,
					 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
	size_t n;
	switch (sp->proto) {
	case 6: {
		size_t olen = sp->tcpopt == TCPOPT_MSS ? 4 : sp->tcpopt == TCPOPT_FULL ? 20 : 0;
		put16(out, sp->sport);
		put16(out + 2, sp->dport);
		put32(out + 4, sp->seq);
		put32(out + 8, sp->ack);
		out[12] = (uint8_t)(((20 + olen) / 4) << 4);
		out[13] = sp->flags;
		put16(out + 14, (sp->flags & TH_RST) ? 0 : 1024 + (sp->sport & 0x3fff));
		put16(out + 16, 0);
		put16(out + 18, 0);
		memcpy(out + 20, full, olen);
		n = 20 + olen;
		break;
	}
	case 17:
		put16(out, sp->sport);
		put16(out + 2, sp->dport);
		put16(out + 4, (uint16_t)(8 + sp->paylen));
		put16(out + 6, 0);
		n = 8;
		break;
	case 1:
	case 58:
		out[0] = sp->itype;
		out[1] = sp->icode;
		put16(out + 2, 0);
		put32(out + 4, sp->icmp_rest);
		n = 8;
		break;
	default:
		n = 0;
		break;
	}
	if (sp->paylen)
		memcpy(out + n, sp->pay, sp->paylen);
	return n + sp->paylen;
}

/* Builds the whole L3 packet; *hlen gets the IP header length (incl. options). */
static uint32_t build_l3(const struct gen *g, const struct spec *sp, uint8_t *out, uint32_t *hlen)
{
	const struct ks_addr *src = &g->s[sp->src].a;
	bool six = is_v6(&sp->dst);
	uint8_t opt[40];
	size_t optlen = six ? 0 : ipopt_bytes(sp->ipopt, opt);
	uint32_t h = six ? 40 : (uint32_t)(20 + optlen);
	uint8_t *l4 = out + h;
	size_t n = build_l4(sp, l4);
	uint8_t ttl = sp->ttl ? sp->ttl : 64;
	uint16_t c = l4_csum(six, src, &sp->dst, sp->proto, l4, n);
	switch (sp->proto) {
	case 6:
		put16(l4 + 16, c);
		break;
	case 17:
		put16(l4 + 6, c ? c : 0xffff);
		break;
	case 1:
	case 58:
		put16(l4 + 2, c);
		break;
	default:
		break;
	}
	if (six)
		put_ipv6(out, src, &sp->dst, sp->proto, ttl, (uint32_t)n);
	else
		put_ipv4(out, v4of(src), v4of(&sp->dst), sp->proto, sp->ipid, ttl, 0x4000 /* DF */, opt,
			 optlen, (uint32_t)(h + n));
	*hlen = h;
	return (uint32_t)(h + n);
}

/* The class a well-formed packet built from sp is in (docs/formats.md). Used
 * only to check that what was built is what was meant. */
static int expected_class(const struct spec *sp)
{
	bool six = is_v6(&sp->dst);
	switch (sp->proto) {
	case 6:
		GEN_ASSERT((sp->flags & (TH_SYN | TH_RST)) != (TH_SYN | TH_RST) || (sp->flags & TH_ACK));
		if ((sp->flags & TH_SYN) && !(sp->flags & TH_ACK))
			return C_TCP_SCAN;
		if (sp->flags & (TH_SYN | TH_ACK | TH_RST))
			return C_BACKSCATTER;
		return C_OTHER;
	case 17:
		return C_UDP;
	case 1:
		GEN_ASSERT(!six);
		if (sp->itype == 8)
			return C_ICMP_SCAN;
		switch (sp->itype) {
		case 0: case 3: case 4: case 5: case 11: case 12:
			return C_BACKSCATTER;
		default:
			return C_OTHER;
		}
	case 58:
		GEN_ASSERT(six);
		if (sp->itype == 128)
			return C_ICMP_SCAN;
		switch (sp->itype) {
		case 1: case 2: case 3: case 4: case 129: case 137:
			return C_BACKSCATTER;
		default:
			return C_OTHER;
		}
	default:
		return C_OTHER;
	}
}

static unsigned expected_tags(const struct spec *sp, int cls)
{
	if (is_v6(&sp->dst) || cls >= C__N)
		return 0;
	uint32_t d = v4of(&sp->dst);
	unsigned t = 0;
	if (cls == C_TCP_SCAN && sp->seq == d)
		t |= TAG_MIRAI;
	if ((cls == C_TCP_SCAN || cls == C_ICMP_SCAN || cls == C_UDP) && sp->ipid == ZMAP_IPID)
		t |= TAG_ZMAP;
	if (cls == C_TCP_SCAN && sp->ipid == ((d ^ sp->dport ^ sp->seq) & 0xffff))
		t |= TAG_MASSCAN;
	return t;
}

static void self_check(const struct gen *g, const struct spec *sp)
{
	GEN_ASSERT(is_v6(&g->s[sp->src].a) == is_v6(&sp->dst));
	if (sp->cls == C_NONE) {
		GEN_ASSERT(!in_darknet(&sp->dst));
		return;
	}
	GEN_ASSERT(in_darknet(&sp->dst));
	GEN_ASSERT(expected_class(sp) == sp->cls);
	GEN_ASSERT(expected_tags(sp, sp->cls) == sp->tags);
}

static void set_truth(struct rec *r, const struct spec *sp)
{
	r->tags = sp->cls < C__N ? sp->tags : 0;
	if (sp->cls == C_TCP_SCAN || sp->cls == C_UDP) {
		r->pproto = sp->proto;
		r->dport = sp->dport;
	}
	r->dupok = !sp->nodup && sp->cls < C__N;
}

/* Builds sp and records it as one packet. */
static void send_spec(struct gen *g, const struct spec *sp)
{
	uint8_t buf[2048];
	uint32_t h;
	self_check(g, sp);
	uint32_t len = build_l3(g, sp, buf, &h);
	uint32_t snap = sp->snap_l4 ? h + sp->snap_l4 : len;
	uint64_t ts = sp->ts ? sp->ts : src_ts(g, sp->src);
	struct rec *r = add_rec(g, sp->src, ts, buf, len, snap, is_v6(&sp->dst) ? L3_V6 : L3_V4, sp->cls,
				&sp->dst);
	set_truth(r, sp);
}

/* Sends sp as two IPv4 fragments: the first carries the L4 header and
 * first_bytes (a multiple of 8) of L4 in all; the later one is `other`. */
static void send_frag4(struct gen *g, const struct spec *sp, uint32_t first_bytes)
{
	uint8_t buf[2048], frag[2048];
	uint32_t h;
	GEN_ASSERT(sp->ipopt == IPOPT_NONE && !is_v6(&sp->dst) && first_bytes % 8 == 0);
	self_check(g, sp);
	uint32_t len = build_l3(g, sp, buf, &h);
	GEN_ASSERT(h == 20 && first_bytes < len - h);
	const struct ks_addr *src = &g->s[sp->src].a;
	uint64_t ts = sp->ts ? sp->ts : src_ts(g, sp->src);
	if (ts + 5000 > TS_HI)
		ts -= 5000;
	/* First fragment: offset 0, more fragments. */
	put_ipv4(frag, v4of(src), v4of(&sp->dst), sp->proto, sp->ipid, sp->ttl ? sp->ttl : 64, 0x2000,
		 NULL, 0, h + first_bytes);
	memcpy(frag + h, buf + h, first_bytes);
	struct rec *r = add_rec(g, sp->src, ts, frag, h + first_bytes, h + first_bytes, L3_V4, sp->cls,
				&sp->dst);
	set_truth(r, sp);
	r->dupok = 0;
	/* Last fragment. */
	uint32_t rest = len - h - first_bytes;
	put_ipv4(frag, v4of(src), v4of(&sp->dst), sp->proto, sp->ipid, sp->ttl ? sp->ttl : 64,
		 (uint16_t)(first_bytes / 8), NULL, 0, h + rest);
	memcpy(frag + h, buf + h + first_bytes, rest);
	add_rec(g, sp->src, ts + 1000 + rng_below(&g->rng, 3000), frag, h + rest, h + rest, L3_V4,
		sp->cls == C_NONE ? C_NONE : C_OTHER, &sp->dst);
}

/* IPv6 with a Fragment header. atomic: one fragment with offset 0 and M
 * clear (RFC 6946); otherwise a first fragment of first_bytes (multiple of 8)
 * and a later one. */
static void send_frag6(struct gen *g, const struct spec *sp, uint32_t first_bytes, bool atomic)
{
	uint8_t buf[2048], frag[2048];
	uint32_t h;
	GEN_ASSERT(is_v6(&sp->dst));
	self_check(g, sp);
	uint32_t len = build_l3(g, sp, buf, &h);
	uint32_t l4len = len - h;
	const struct ks_addr *src = &g->s[sp->src].a;
	uint64_t ts = sp->ts ? sp->ts : src_ts(g, sp->src);
	if (ts + 5000 > TS_HI)
		ts -= 5000;
	uint32_t id = rng_u32(&g->rng);
	uint32_t n1 = atomic ? l4len : first_bytes;
	GEN_ASSERT(atomic || (first_bytes % 8 == 0 && first_bytes < l4len));
	put_ipv6(frag, src, &sp->dst, 44, sp->ttl ? sp->ttl : 64, 8 + n1);
	frag[40] = sp->proto;
	frag[41] = 0;
	put16(frag + 42, atomic ? 0 : 1); /* offset 0, M */
	put32(frag + 44, id);
	memcpy(frag + 48, buf + h, n1);
	struct rec *r = add_rec(g, sp->src, ts, frag, 48 + n1, 48 + n1, L3_V6, sp->cls, &sp->dst);
	set_truth(r, sp);
	r->dupok = 0;
	if (atomic)
		return;
	uint32_t rest = l4len - first_bytes;
	put_ipv6(frag, src, &sp->dst, 44, sp->ttl ? sp->ttl : 64, 8 + rest);
	frag[40] = sp->proto;
	frag[41] = 0;
	put16(frag + 42, (uint16_t)first_bytes); /* offset in 8-byte units << 3, M clear */
	put32(frag + 44, id);
	memcpy(frag + 48, buf + h + first_bytes, rest);
	add_rec(g, sp->src, ts + 1000 + rng_below(&g->rng, 3000), frag, 48 + rest, 48 + rest, L3_V6,
		sp->cls == C_NONE ? C_NONE : C_OTHER, &sp->dst);
}

/* ------------------------------------------------------------------------ */
/* Field choices that keep tags exactly as intended                          */

/* An IP ID that sets no tag for a tcp_scan packet (seq, dport, dst given). */
static uint16_t plain_id(struct gen *g, const struct ks_addr *dst, uint16_t dport, uint32_t seq)
{
	uint32_t m = is_v6(dst) ? 0x10000 : (v4of(dst) ^ dport ^ seq) & 0xffff;
	for (;;) {
		uint16_t id = rng_u16(&g->rng);
		if (id != ZMAP_IPID && id != m)
			return id;
	}
}

/* A sequence number that is not the destination address. */
static uint32_t plain_seq(struct gen *g, const struct ks_addr *dst)
{
	for (;;) {
		uint32_t s = rng_u32(&g->rng);
		if (is_v6(dst) || s != v4of(dst))
			return s;
	}
}

static uint16_t eph_port(struct gen *g)
{
	return (uint16_t)(32768 + rng_below(&g->rng, 28232));
}

/* Small well-known payloads for UDP probes. */
static void udp_payload(uint16_t port, const uint8_t **p, uint16_t *n)
{
	static const uint8_t dns[29] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
					0x00, 0x00, 0x07, 'e',  'x',  'a',  'm',  'p',  'l',  'e',
					0x03, 'c',  'o',  'm',  0x00, 0x00, 0x01, 0x00, 0x01};
	static const uint8_t ntp[48] = {0xe3};
	static const char ssdp[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
				   "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n";
	static const uint8_t coap[21] = {0x40, 0x01, 0x12, 0x34, 0xbb, '.', 'w', 'e', 'l', 'l', '-',
					 'k',  'n',  'o',  'w',  'n',  0x04, 'c', 'o', 'r', 'e'};
	static const uint8_t snmp[16] = {0x30, 0x0e, 0x02, 0x01, 0x01, 0x04, 0x06, 'p',
					 'u',  'b',  'l',  'i',  'c',  0xa0, 0x01, 0x00};
	static const uint8_t memc[15] = {0, 1, 0, 0, 0, 1, 0, 0, 's', 't', 'a', 't', 's', '\r', '\n'};
	switch (port) {
	case 53:
		*p = dns, *n = sizeof(dns);
		return;
	case 123:
		*p = ntp, *n = sizeof(ntp);
		return;
	case 1900:
		*p = (const uint8_t *)ssdp, *n = (uint16_t)(sizeof(ssdp) - 1);
		return;
	case 5683:
		*p = coap, *n = sizeof(coap);
		return;
	case 161:
		*p = snmp, *n = sizeof(snmp);
		return;
	case 11211:
		*p = memc, *n = sizeof(memc);
		return;
	default:
		*p = ntp, *n = 16;
		return;
	}
}

/* ------------------------------------------------------------------------ */
/* Traffic families. Each builds packets whose truth is set by construction. */

static const uint16_t scan_ports[] = {23,  2323, 22,   80,   443,  445,  3389, 8080,
				      5555, 81,  8443, 6379, 1433, 3306, 5900, 7547};
#define NSCAN_PORTS (sizeof(scan_ports) / sizeof(scan_ports[0]))

/* A scan port skewed towards the front of scan_ports. */
static uint16_t skewed_port(struct gen *g)
{
	uint32_t a = rng_below(&g->rng, NSCAN_PORTS), b = rng_below(&g->rng, NSCAN_PORTS);
	return scan_ports[a < b ? a : b];
}

/* One plain TCP SYN (no tag) from s to d. */
static void plain_syn(struct gen *g, uint32_t s, const struct ks_addr *d, uint16_t dport, uint8_t ttl,
		      uint8_t tcpopt, uint64_t ts)
{
	struct spec sp = {.src = s, .dst = *d, .ts = ts, .proto = 6, .ttl = ttl, .sport = eph_port(g),
			  .dport = dport, .flags = TH_SYN, .tcpopt = tcpopt, .cls = C_TCP_SCAN};
	sp.seq = plain_seq(g, d);
	if (!is_v6(d)) {
		sp.ipid = plain_id(g, d, dport, sp.seq);
		if (rng_pct(&g->rng, 4))
			sp.ipopt = (uint8_t)(1 + rng_below(&g->rng, IPOPT__N - 1));
	}
	/* Some SYNs carry options and were cut by the snap length right after
	 * the fixed header: still complete up to the flags, so well-formed. */
	if (tcpopt == TCPOPT_FULL && rng_pct(&g->rng, 5))
		sp.snap_l4 = 20;
	send_spec(g, &sp);
}

/* Generic port scanners on a few ports. */
static void gen_scanners(struct gen *g, uint32_t *anchor_src)
{
	static const enum pool pools[] = {P_ISPA,   P_NOORG,  P_CITYB,  P_ISPA,   P_NOORG,  P_INFRAC,
					  P_NOORG,  P_ISPA_OUT, P_ISPA, P_CITYB, P_NOORG, P_INFRA_OUT,
					  P_ISPA,   P_NOORG,  P_CITYB,  P_INFRAC, P_NOORG,  P_ISPA,
					  P_NOORG,  P_ISPA_OUT, P_CITYB, P_NOORG, P_INFRAC, P_ISPA,
					  P_NOORG,  P_NOORG,  P_ISPA,   P_CITYB,  P_NOORG,  P_ISPA_OUT,
					  P_NOORG,  P_INFRAC, P_ISPA,   P_NOORG,  P_CITYB,  P_NOORG};
	unsigned T = g->threshold;
	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		uint32_t s = new_src(g, pools[i]);
		/* Exactly at the threshold (0..2), one below it (3), above it. */
		size_t nd = i < 3 ? T : i == 3 ? T - 1 : T + rng_below(&g->rng, 150);
		size_t nports = 1 + rng_below(&g->rng, 3);
		uint16_t ports[3];
		for (size_t k = 0; k < nports; k++) {
			ports[k] = skewed_port(g);
			for (size_t j = 0; j < k; j++)
				if (ports[j] == ports[k])
					ports[k] = (uint16_t)(10000 + rng_below(&g->rng, 50000));
		}
		struct ks_addr *d = pick_dests(g, false, nd);
		if (i == 4) { /* the edges of the darknet are in it */
			d[0] = v4(0xc6120000u);
			d[1] = v4(0xc612ffffu);
		}
		uint8_t ttl = (uint8_t)(30 + rng_below(&g->rng, 200));
		uint8_t tcpopt = (uint8_t)rng_below(&g->rng, 3);
		for (size_t k = 0; k < nd; k++)
			for (size_t p = 0; p < nports; p++) {
				unsigned sends = 1 + (rng_pct(&g->rng, 20) ? 1 : 0);
				for (unsigned x = 0; x < sends; x++) {
					uint64_t ts = 0;
					if (i == 0 && k == 0 && p == 0)
						ts = x == 0 ? TS_FIRST : 0;
					plain_syn(g, s, &d[k], ports[p], ttl, tcpopt, ts);
				}
			}
		if (i == 0) {
			/* The last packet of the capture, to a destination already seen. */
			plain_syn(g, s, &d[nd - 1], ports[0], ttl, tcpopt, TS_LAST);
			*anchor_src = s;
		}
		/* A fifth of them also hit addresses outside the darknet. */
		if (i % 5 == 1) {
			unsigned n = 5 + rng_below(&g->rng, 20);
			for (unsigned k = 0; k < n; k++) {
				struct ks_addr o = outside(g, false);
				struct spec sp = {.src = s, .dst = o, .proto = 6, .ttl = ttl, .sport = eph_port(g),
						  .dport = ports[0], .flags = TH_SYN, .cls = C_NONE};
				sp.seq = rng_u32(&g->rng);
				sp.ipid = rng_u16(&g->rng);
				send_spec(g, &sp);
			}
		}
		free(d);
	}
}

/* Mirai-like bots: SYN with seq == destination address, mostly to 23. */
static void gen_mirai(struct gen *g)
{
	static const struct {
		enum pool p;
		bool below;
	} bots[] = {
		{P_ISPA, false},  {P_ISPA, false},  {P_ISPA, true},   {P_ISPA, false},  {P_ISPA, true},
		{P_ISPA, false},  {P_CITYB, false}, {P_CITYB, true},  {P_CITYB, false}, {P_CITYB, false},
		{P_INFRAC, true}, {P_INFRAC, false}, {P_NOORG, false}, {P_NOORG, true}, {P_NOORG, false},
		{P_NOORG, true},  {P_NOORG, false}, {P_NOORG, true},  {P_ISPA_OUT, false},
		{P_ISPA_OUT, true}, {P_NOORG, false}, {P_NOORG, true}, {P_NOORG, false}, {P_NOORG, true},
		{P_INFRA_OUT, false}, {P_INFRA_OUT, true}, {P_NOORG, false}, {P_NOORG, false},
		{P_NOORG, true}, {P_NOORG, false},
	};
	unsigned T = g->threshold;
	for (size_t i = 0; i < sizeof(bots) / sizeof(bots[0]); i++) {
		uint32_t s = new_src(g, bots[i].p);
		size_t nd = bots[i].below ? 1 + rng_below(&g->rng, T - 1) : T + rng_below(&g->rng, 120);
		struct ks_addr *d = pick_dests(g, false, nd);
		uint8_t ttl = (uint8_t)(40 + rng_below(&g->rng, 20));
		for (size_t k = 0; k < nd; k++) {
			unsigned sends = 1 + (rng_pct(&g->rng, 10) ? 1 : 0);
			for (unsigned x = 0; x < sends; x++) {
				uint16_t dport = rng_pct(&g->rng, 90) ? 23 : 2323;
				struct spec sp = {.src = s, .dst = d[k], .proto = 6, .ttl = ttl,
						  .sport = eph_port(g), .dport = dport, .flags = TH_SYN,
						  .seq = v4of(&d[k]), .cls = C_TCP_SCAN, .tags = TAG_MIRAI};
				sp.ipid = plain_id(g, &d[k], dport, sp.seq);
				send_spec(g, &sp);
			}
		}
		free(d);
	}
}

/* ZMap-like scanners: IP ID 54321; TCP SYN, ICMP echo and one UDP. */
static void gen_zmap(struct gen *g)
{
	static const struct {
		enum pool p;
		uint8_t kind; /* 0 tcp, 1 icmp, 2 udp */
		uint16_t port;
		bool below;
	} z[] = {
		{P_NOORG, 0, 80, false},  {P_CITYB, 0, 443, false}, {P_NOORG, 0, 8080, false},
		{P_ISPA, 0, 7547, true},  {P_ISPA_OUT, 0, 8443, false}, {P_NOORG, 1, 0, false},
		{P_INFRAC, 1, 0, false},  {P_NOORG, 1, 0, true},    {P_NOORG, 2, 53, false},
	};
	unsigned T = g->threshold;
	for (size_t i = 0; i < sizeof(z) / sizeof(z[0]); i++) {
		uint32_t s = new_src(g, z[i].p);
		size_t nd = z[i].below ? 1 + rng_below(&g->rng, T - 1) : T + rng_below(&g->rng, 400);
		struct ks_addr *d = pick_dests(g, false, nd);
		uint16_t sport = eph_port(g);
		for (size_t k = 0; k < nd; k++) {
			struct spec sp = {.src = s, .dst = d[k], .ttl = 250, .ipid = ZMAP_IPID,
					  .sport = sport, .dport = z[i].port, .tags = TAG_ZMAP};
			if (z[i].kind == 0) {
				sp.proto = 6;
				sp.flags = TH_SYN;
				sp.cls = C_TCP_SCAN;
				uint32_t m;
				do {
					sp.seq = plain_seq(g, &d[k]);
					m = (v4of(&d[k]) ^ sp.dport ^ sp.seq) & 0xffff;
				} while (m == ZMAP_IPID);
			} else if (z[i].kind == 1) {
				sp.proto = 1;
				sp.itype = 8;
				sp.icmp_rest = rng_u32(&g->rng);
				sp.cls = C_ICMP_SCAN;
			} else {
				sp.proto = 17;
				udp_payload(z[i].port, &sp.pay, &sp.paylen);
				sp.cls = C_UDP;
			}
			send_spec(g, &sp);
		}
		free(d);
	}
}

/* masscan-like: IP ID == (dst ^ dport ^ seq) & 0xffff. */
static void gen_masscan(struct gen *g)
{
	static const struct {
		enum pool p;
		uint16_t ports[2];
	} m[] = {
		{P_NOORG, {3389, 5900}}, {P_INFRAC, {6379, 6379}}, {P_NOORG, {9200, 27017}},
		{P_ISPA_OUT, {80, 8080}}, {P_NOORG, {1433, 1433}},
	};
	unsigned T = g->threshold;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		uint32_t s = new_src(g, m[i].p);
		size_t nd = T + rng_below(&g->rng, 200);
		struct ks_addr *d = pick_dests(g, false, nd);
		for (size_t k = 0; k < nd; k++) {
			struct spec sp = {.src = s, .dst = d[k], .proto = 6, .ttl = 54, .sport = 61000,
					  .flags = TH_SYN, .cls = C_TCP_SCAN, .tags = TAG_MASSCAN};
			sp.dport = m[i].ports[k % 2];
			do {
				sp.seq = plain_seq(g, &d[k]);
				sp.ipid = (uint16_t)((v4of(&d[k]) ^ sp.dport ^ sp.seq) & 0xffff);
			} while (sp.ipid == ZMAP_IPID);
			send_spec(g, &sp);
		}
		free(d);
	}
}

/* Sources below the threshold, some sending many packets to few addresses.
 * Returns one of them that is in no organisation. */
static uint32_t gen_subthreshold(struct gen *g)
{
	uint32_t neutral = UINT32_MAX;
	static const enum pool pools[] = {P_NOORG, P_ISPA, P_CITYB, P_INFRAC, P_NOORG, P_ISPA_OUT,
					  P_INFRA_OUT, P_NOORG};
	unsigned T = g->threshold;
	for (size_t i = 0; i < 50; i++) {
		uint32_t s = new_src(g, pools[i % (sizeof(pools) / sizeof(pools[0]))]);
		if (neutral == UINT32_MAX && g->s[s].org < 0)
			neutral = s;
		size_t nd = 1 + rng_below(&g->rng, T - 1);
		struct ks_addr *d = pick_dests(g, false, nd);
		uint16_t port = rng_pct(&g->rng, 80) ? skewed_port(g)
						     : (uint16_t)(1024 + rng_below(&g->rng, 64000));
		uint8_t ttl = (uint8_t)(30 + rng_below(&g->rng, 100));
		for (size_t k = 0; k < nd; k++) {
			unsigned sends = 1 + rng_below(&g->rng, 4); /* retransmissions */
			for (unsigned x = 0; x < sends; x++)
				plain_syn(g, s, &d[k], port, ttl, TCPOPT_MSS, 0);
		}
		free(d);
	}
	GEN_ASSERT(neutral != UINT32_MAX);
	return neutral;
}

enum bs {
	BS_SYNACK,
	BS_RST,
	BS_RSTACK,
	BS_ACK,
	BS_ECHOREPLY,
	BS_UNREACH,
	BS_TIMEEXC,
	BS_RARE, /* source quench, redirect, parameter problem */
	BS_MIXED,
};

/* A quoted IPv4 header + 8 bytes, as carried by ICMP errors: the packet the
 * victim (or a router) answers, "from" the spoofed darknet address. */
static void quote4(uint8_t *q, const struct ks_addr *from, const struct ks_addr *to, uint16_t dport)
{
	put_ipv4(q, v4of(from), v4of(to), 6, 0x1234, 50, 0, NULL, 0, 40);
	put16(q + 20, (uint16_t)(1024 + (v4of(from) & 0x7fff)));
	put16(q + 22, dport);
	put32(q + 24, v4of(from) * 2654435761u);
}

static void backscatter4(struct gen *g, uint32_t s, enum bs kind, const struct ks_addr *d, uint64_t ts)
{
	uint8_t q[28];
	const struct ks_addr *me = &g->s[s].a;
	struct spec sp = {.src = s, .dst = *d, .ts = ts, .ttl = 52, .cls = C_BACKSCATTER};
	sp.ipid = rng_u16(&g->rng);
	if (kind == BS_MIXED)
		kind = rng_pct(&g->rng, 70) ? BS_SYNACK : BS_RSTACK;
	switch (kind) {
	case BS_SYNACK:
	case BS_RST:
	case BS_RSTACK:
	case BS_ACK:
		sp.proto = 6;
		sp.sport = rng_pct(&g->rng, 60) ? 80 : 443;
		sp.dport = (uint16_t)(1024 + rng_below(&g->rng, 64000));
		sp.seq = rng_u32(&g->rng);
		sp.ack = rng_u32(&g->rng);
		sp.flags = kind == BS_SYNACK ? TH_SYN | TH_ACK
			   : kind == BS_RST  ? TH_RST
			   : kind == BS_ACK  ? TH_ACK
					     : TH_RST | TH_ACK;
		if (kind == BS_SYNACK)
			sp.tcpopt = TCPOPT_MSS;
		break;
	case BS_ECHOREPLY:
		sp.proto = 1;
		sp.itype = 0;
		sp.icmp_rest = rng_u32(&g->rng);
		sp.pay = q;
		sp.paylen = 16;
		memset(q, 0xab, 16);
		break;
	case BS_UNREACH:
	case BS_TIMEEXC:
	case BS_RARE:
		sp.proto = 1;
		if (kind == BS_UNREACH) {
			static const uint8_t codes[4] = {0, 1, 3, 13};
			sp.itype = 3;
			sp.icode = codes[rng_below(&g->rng, 4)];
		} else if (kind == BS_TIMEEXC) {
			sp.itype = 11;
		} else {
			static const uint8_t types[3] = {4, 5, 12};
			sp.itype = types[rng_below(&g->rng, 3)];
			if (sp.itype == 5)
				sp.icmp_rest = v4of(me);
		}
		quote4(q, d, me, 80);
		sp.pay = q;
		sp.paylen = sizeof(q);
		break;
	case BS_MIXED:
		break;
	}
	send_spec(g, &sp);
}

static void gen_backscatter(struct gen *g)
{
	static const struct {
		enum pool p;
		enum bs kind;
	} v[] = {
		{P_NOORG, BS_SYNACK},  {P_NOORG, BS_SYNACK},   {P_ISPA_OUT, BS_SYNACK}, {P_NOORG, BS_RST},
		{P_NOORG, BS_RSTACK},  {P_CITYB, BS_RSTACK},   {P_NOORG, BS_ACK},       {P_NOORG, BS_MIXED},
		{P_NOORG, BS_MIXED},   {P_ISPA, BS_SYNACK},    {P_NOORG, BS_ECHOREPLY}, {P_NOORG, BS_ECHOREPLY},
		{P_INFRA_OUT, BS_UNREACH}, {P_NOORG, BS_UNREACH}, {P_NOORG, BS_TIMEEXC}, {P_NOORG, BS_TIMEEXC},
		{P_NOORG, BS_RARE},    {P_NOORG, BS_SYNACK},   {P_NOORG, BS_RST},       {P_NOORG, BS_MIXED},
		{P_ISPA_OUT, BS_ACK},  {P_NOORG, BS_UNREACH},  {P_NOORG, BS_ECHOREPLY}, {P_NOORG, BS_SYNACK},
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t s = new_src(g, v[i].p);
		unsigned n = 20 + rng_below(&g->rng, 400);
		for (unsigned k = 0; k < n; k++) {
			struct ks_addr d = dark4(g);
			backscatter4(g, s, v[i].kind, &d, 0);
		}
		if (v[i].kind == BS_RARE) { /* make sure each rare type occurs */
			for (unsigned k = 0; k < 6; k++) {
				struct ks_addr d = dark4(g);
				backscatter4(g, s, BS_RARE, &d, 0);
			}
		}
	}
	/* Decoys: backscatter that looks tagged must not be (tags apply to
	 * scan classes only): SYN-ACK and ACK with IP ID 54321 or seq == dst. */
	uint32_t s = new_src(g, P_NOORG);
	for (unsigned k = 0; k < 40; k++) {
		struct ks_addr d = dark4(g);
		struct spec sp = {.src = s, .dst = d, .proto = 6, .ttl = 60, .sport = 443,
				  .dport = eph_port(g), .cls = C_BACKSCATTER};
		sp.flags = k % 2 ? TH_SYN | TH_ACK : TH_ACK;
		sp.ipid = k % 4 < 2 ? ZMAP_IPID : rng_u16(&g->rng);
		sp.seq = k % 4 >= 2 ? v4of(&d) : rng_u32(&g->rng);
		sp.ack = rng_u32(&g->rng);
		send_spec(g, &sp);
	}
}

/* ICMP echo sweeps. */
static void gen_ping(struct gen *g)
{
	static const struct {
		enum pool p;
		bool below;
	} v[] = {{P_NOORG, false}, {P_CITYB, false}, {P_NOORG, false}, {P_ISPA_OUT, false},
		 {P_NOORG, true},  {P_ISPA, true},   {P_NOORG, true},  {P_INFRAC, true}};
	static const uint8_t ping56[56] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};
	unsigned T = g->threshold;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint32_t s = new_src(g, v[i].p);
		size_t nd = v[i].below ? 1 + rng_below(&g->rng, T - 1) : T + rng_below(&g->rng, 300);
		struct ks_addr *d = pick_dests(g, false, nd);
		uint16_t ident = rng_u16(&g->rng);
		for (size_t k = 0; k < nd; k++) {
			unsigned sends = 1 + (rng_pct(&g->rng, 30) ? 2 : 0);
			for (unsigned x = 0; x < sends; x++) {
				struct spec sp = {.src = s, .dst = d[k], .proto = 1, .ttl = 57, .itype = 8,
						  .cls = C_ICMP_SCAN};
				sp.icmp_rest = (uint32_t)ident << 16 | (uint16_t)(k * 3 + x);
				do
					sp.ipid = rng_u16(&g->rng);
				while (sp.ipid == ZMAP_IPID);
				if (i % 2 == 0) {
					sp.pay = ping56;
					sp.paylen = sizeof(ping56);
				}
				if (rng_pct(&g->rng, 20))
					sp.ipopt = (uint8_t)(1 + rng_below(&g->rng, IPOPT__N - 1));
				send_spec(g, &sp);
			}
		}
		free(d);
	}
}

static void udp_probe(struct gen *g, uint32_t s, const struct ks_addr *d, uint16_t port, uint64_t ts)
{
	struct spec sp = {.src = s, .dst = *d, .ts = ts, .proto = 17, .ttl = 48, .sport = eph_port(g),
			  .dport = port, .cls = C_UDP};
	if (!is_v6(d))
		do
			sp.ipid = rng_u16(&g->rng);
		while (sp.ipid == ZMAP_IPID);
	udp_payload(port, &sp.pay, &sp.paylen);
	send_spec(g, &sp);
}

static void gen_udp(struct gen *g)
{
	static const uint16_t uports[] = {53, 123, 1900, 5683, 161, 137, 11211, 5060};
	static const enum pool pools[] = {P_NOORG, P_NOORG, P_INFRAC, P_ISPA_OUT, P_NOORG, P_NOORG,
					  P_CITYB, P_NOORG, P_NOORG, P_INFRA_OUT, P_NOORG, P_ISPA,
					  P_NOORG, P_NOORG, P_NOORG, P_ISPA_OUT};
	unsigned T = g->threshold;
	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		uint32_t s = new_src(g, pools[i]);
		bool below = i >= 10;
		size_t nd = below ? 1 + rng_below(&g->rng, T - 1) : T + rng_below(&g->rng, 200);
		uint16_t p1 = uports[rng_below(&g->rng, 8)], p2 = uports[rng_below(&g->rng, 8)];
		struct ks_addr *d = pick_dests(g, false, nd);
		for (size_t k = 0; k < nd; k++) {
			udp_probe(g, s, &d[k], p1, 0);
			if (p2 != p1 && rng_pct(&g->rng, 50))
				udp_probe(g, s, &d[k], p2, 0);
		}
		free(d);
	}
}

/* Sources whose scanner status depends on counting dests correctly. */
static void gen_mixed(struct gen *g)
{
	unsigned T = g->threshold;
	/* (a) TCP to ceil(T/2) addresses and ICMP to floor(T/2) others: T dests. */
	uint32_t s = new_src(g, P_ISPA);
	struct ks_addr *d = pick_dests(g, false, T);
	for (unsigned k = 0; k < T; k++) {
		if (k < (T + 1) / 2) {
			plain_syn(g, s, &d[k], 80, 60, TCPOPT_NONE, 0);
		} else {
			struct spec sp = {.src = s, .dst = d[k], .proto = 1, .itype = 8, .cls = C_ICMP_SCAN};
			sp.icmp_rest = k;
			sp.ipid = (uint16_t)(1000 + k);
			send_spec(g, &sp);
		}
	}
	free(d);
	/* (b) T-1 TCP addresses, ICMP and UDP to some of the same: T-1 dests. */
	s = new_src(g, P_ISPA);
	d = pick_dests(g, false, T - 1);
	for (unsigned k = 0; k < T - 1; k++) {
		plain_syn(g, s, &d[k], 22, 60, TCPOPT_NONE, 0);
		if (k % 2 == 0) {
			struct spec sp = {.src = s, .dst = d[k], .proto = 1, .itype = 8, .cls = C_ICMP_SCAN};
			sp.ipid = (uint16_t)(2000 + k);
			send_spec(g, &sp);
		} else {
			udp_probe(g, s, &d[k], 123, 0);
		}
	}
	free(d);
	/* (c) T-1 scan addresses, plus FIN probes and backscatter to many
	 * others, which do not make dests: a victim, not a scanner. */
	s = new_src(g, P_NOORG);
	d = pick_dests(g, false, T - 1);
	for (unsigned k = 0; k < T - 1; k++)
		plain_syn(g, s, &d[k], 8080, 60, TCPOPT_NONE, 0);
	for (unsigned k = 0; k < 50; k++) {
		struct ks_addr x = dark4(g);
		struct spec sp = {.src = s, .dst = x, .proto = 6, .sport = eph_port(g), .dport = 8080,
				  .flags = TH_FIN, .cls = C_OTHER};
		sp.ipid = rng_u16(&g->rng);
		sp.seq = rng_u32(&g->rng);
		send_spec(g, &sp);
	}
	for (unsigned k = 0; k < 20; k++) {
		struct ks_addr x = dark4(g);
		backscatter4(g, s, BS_RST, &x, 0);
	}
	free(d);
	/* (d) An organisation's scanner that is also a victim. */
	s = new_src(g, P_ISPA);
	size_t nd = T + 20;
	d = pick_dests(g, false, nd);
	for (size_t k = 0; k < nd; k++)
		plain_syn(g, s, &d[k], 22, 60, TCPOPT_FULL, 0);
	for (unsigned k = 0; k < 30; k++) {
		struct ks_addr x = dark4(g);
		backscatter4(g, s, BS_RSTACK, &x, 0);
	}
	free(d);
}

static void icmp6(struct gen *g, uint32_t s, const struct ks_addr *d, uint8_t type, uint8_t code, int cls)
{
	uint8_t q[48];
	struct spec sp = {.src = s, .dst = *d, .proto = 58, .ttl = 58, .itype = type, .icode = code,
			  .cls = (uint8_t)cls};
	sp.icmp_rest = rng_u32(&g->rng);
	if (type < 128 || type == 137) { /* errors and redirect quote a packet */
		memset(q, 0, sizeof(q));
		put_ipv6(q, d, &g->s[s].a, 6, 50, 20);
		put16(q + 40, 443);
		put16(q + 42, 1234);
		sp.pay = q;
		sp.paylen = sizeof(q);
		if (type != 2)
			sp.icmp_rest = 0;
	} else if (type == 135) {
		sp.icmp_rest = 0;
		sp.pay = d->b;
		sp.paylen = 16;
	}
	send_spec(g, &sp);
}

static void gen_ipv6(struct gen *g)
{
	unsigned T = g->threshold;
	static const struct {
		enum pool p;
		bool below;
		uint16_t port;
	} tcp[] = {{P6_ISPA, false, 22}, {P6_ISPA, false, 80}, {P6_ISPA, true, 23}, {P6_OUT, false, 443}};
	for (size_t i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++) {
		uint32_t s = new_src(g, tcp[i].p);
		size_t nd = tcp[i].below ? 1 + rng_below(&g->rng, T - 1) : T + rng_below(&g->rng, 60);
		struct ks_addr *d = pick_dests(g, true, nd);
		if (i == 0) { /* the edges of the IPv6 darknet */
			memset(d[0].b + 6, 0, 10);
			memset(d[1].b + 6, 0xff, 10);
		}
		for (size_t k = 0; k < nd; k++)
			plain_syn(g, s, &d[k], tcp[i].port, 60, TCPOPT_FULL, 0);
		free(d);
	}
	/* seq == the low 32 bits of the IPv6 destination: mirai is IPv4 only. */
	uint32_t s = new_src(g, P6_ISPA);
	struct ks_addr *d = pick_dests(g, true, T - 1);
	for (unsigned k = 0; k < T - 1; k++) {
		struct spec sp = {.src = s, .dst = d[k], .proto = 6, .sport = eph_port(g), .dport = 23,
				  .flags = TH_SYN, .cls = C_TCP_SCAN};
		sp.seq = (uint32_t)d[k].b[12] << 24 | (uint32_t)d[k].b[13] << 16 | (uint32_t)d[k].b[14] << 8 |
			 d[k].b[15];
		send_spec(g, &sp);
	}
	free(d);
	/* ICMPv6 echo sweeps: one above, one below the threshold. */
	for (int i = 0; i < 2; i++) {
		s = new_src(g, i ? P6_ISPA : P6_OUT);
		size_t nd = i ? 1 + rng_below(&g->rng, T - 1) : T + rng_below(&g->rng, 80);
		d = pick_dests(g, true, nd);
		for (size_t k = 0; k < nd; k++)
			icmp6(g, s, &d[k], 128, 0, C_ICMP_SCAN);
		free(d);
	}
	/* ICMPv6 backscatter victims. */
	static const uint8_t bs6[3][4] = {{1, 1, 1, 129}, {129, 129, 3, 1}, {2, 4, 137, 1}};
	for (int i = 0; i < 3; i++) {
		s = new_src(g, i == 2 ? P6_ISPA : P6_OUT);
		unsigned n = 15 + rng_below(&g->rng, 60);
		for (unsigned k = 0; k < n; k++) {
			struct ks_addr x = dark6(g);
			uint8_t type = bs6[i][k % 4];
			icmp6(g, s, &x, type, type == 1 ? (uint8_t)rng_below(&g->rng, 5) : 0, C_BACKSCATTER);
		}
	}
	/* A UDP prober below the threshold. */
	s = new_src(g, P6_OUT);
	d = pick_dests(g, true, T - 1);
	for (unsigned k = 0; k < T - 1; k++)
		udp_probe(g, s, &d[k], k % 2 ? 53 : 123, 0);
	free(d);
	/* `other`: neighbour solicitations and GRE over IPv6. */
	s = new_src(g, P6_OUT);
	for (unsigned k = 0; k < 12; k++) {
		struct ks_addr x = dark6(g);
		icmp6(g, s, &x, 135, 0, C_OTHER);
	}
	s = new_src(g, P6_OUT);
	for (unsigned k = 0; k < 10; k++) {
		static const uint8_t gre[12] = {0x00, 0x00, 0x86, 0xdd, 0x60};
		struct spec sp = {.src = s, .dst = dark6(g), .proto = 47, .pay = gre, .paylen = sizeof(gre),
				  .cls = C_OTHER};
		send_spec(g, &sp);
	}
}

static void gen_fragments(struct gen *g)
{
	unsigned T = g->threshold;
	static uint8_t big[1800];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	/* UDP datagrams of 1808 bytes in two IPv4 fragments; the first carries
	 * the UDP header (whose length covers both). One source reaches the
	 * threshold through first fragments alone. */
	static const struct {
		enum pool p;
		uint16_t port;
		bool scanner;
	} u[] = {{P_NOORG, 53, false}, {P_NOORG, 11211, false}, {P_ISPA_OUT, 5060, true}};
	for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
		uint32_t s = new_src(g, u[i].p);
		size_t nd = u[i].scanner ? T : 2 + rng_below(&g->rng, T - 2 > 0 ? T - 2 : 1);
		if (!u[i].scanner && nd >= T)
			nd = T - 1;
		struct ks_addr *d = pick_dests(g, false, nd);
		for (size_t k = 0; k < nd; k++) {
			struct spec sp = {.src = s, .dst = d[k], .proto = 17, .ttl = 61, .sport = eph_port(g),
					  .dport = u[i].port, .pay = big, .paylen = sizeof(big), .cls = C_UDP,
					  .nodup = true};
			do
				sp.ipid = rng_u16(&g->rng);
			while (sp.ipid == ZMAP_IPID);
			send_frag4(g, &sp, 1480);
		}
		free(d);
	}
	/* A TCP SYN whose first fragment holds the header and 4 bytes of data. */
	uint32_t s = new_src(g, P_NOORG);
	struct ks_addr *d = pick_dests(g, false, 3);
	for (size_t k = 0; k < 3; k++) {
		struct spec sp = {.src = s, .dst = d[k], .proto = 6, .sport = eph_port(g), .dport = 80,
				  .flags = TH_SYN, .pay = big, .paylen = 44, .cls = C_TCP_SCAN, .nodup = true};
		sp.seq = plain_seq(g, &d[k]);
		sp.ipid = plain_id(g, &d[k], 80, sp.seq);
		send_frag4(g, &sp, 24);
	}
	free(d);
	/* Orphan later fragments whose payload would be malformed as L4
	 * headers: they are `other`, never malformed. */
	s = new_src(g, P_NOORG);
	for (unsigned k = 0; k < 20; k++) {
		uint8_t pkt[300];
		struct ks_addr x = dark4(g);
		uint32_t n = 8 + 8 * rng_below(&g->rng, 30);
		uint16_t frag = (uint16_t)(1 + rng_below(&g->rng, 1000)) | (k % 2 ? 0x2000 : 0);
		put_ipv4(pkt, v4of(&g->s[s].a), v4of(&x), k % 3 ? 17 : 6, rng_u16(&g->rng), 50, frag, NULL, 0,
			 20 + n);
		memset(pkt + 20, 0, n); /* TCP data offset 0, UDP length 0 */
		struct rec *r = add_rec(g, s, src_ts(g, s), pkt, 20 + n, 20 + n, L3_V4, C_OTHER, &x);
		r->dupok = 0;
	}
	/* IPv6: a UDP datagram in two fragments, atomic fragments (RFC 6946)
	 * carrying a TCP SYN, and orphan later fragments. */
	s = new_src(g, P6_OUT);
	d = pick_dests(g, true, 3);
	for (size_t k = 0; k < 3; k++) {
		struct spec sp = {.src = s, .dst = d[k], .proto = 17, .sport = eph_port(g), .dport = 5683,
				  .pay = big, .paylen = 1400, .cls = C_UDP, .nodup = true};
		send_frag6(g, &sp, 1000, false);
	}
	free(d);
	s = new_src(g, P6_OUT);
	d = pick_dests(g, true, 4);
	for (size_t k = 0; k < 4; k++) {
		struct spec sp = {.src = s, .dst = d[k], .proto = 6, .sport = eph_port(g), .dport = 3389,
				  .flags = TH_SYN, .cls = C_TCP_SCAN, .nodup = true};
		sp.seq = rng_u32(&g->rng);
		send_frag6(g, &sp, 0, true);
	}
	free(d);
	s = new_src(g, P6_OUT);
	for (unsigned k = 0; k < 8; k++) {
		uint8_t pkt[200];
		struct ks_addr x = dark6(g);
		put_ipv6(pkt, &g->s[s].a, &x, 44, 55, 8 + 64);
		pkt[40] = 6;
		pkt[41] = 0;
		put16(pkt + 42, (uint16_t)((1 + rng_below(&g->rng, 100)) << 3));
		put32(pkt + 44, rng_u32(&g->rng));
		memset(pkt + 48, 0, 64);
		struct rec *r = add_rec(g, s, src_ts(g, s), pkt, 48 + 64, 48 + 64, L3_V6, C_OTHER, &x);
		r->dupok = 0;
	}
}

/* Other protocols and ICMP types, and TCP without SYN, ACK or RST. */
static void gen_other(struct gen *g)
{
	unsigned T = g->threshold;
	uint8_t pay[64];
	/* GRE carrying a small IPv4 packet, ESP. */
	for (int i = 0; i < 3; i++) {
		uint32_t s = new_src(g, P_NOORG);
		unsigned n = 10 + rng_below(&g->rng, 30);
		for (unsigned k = 0; k < n; k++) {
			struct spec sp = {.src = s, .dst = dark4(g), .ttl = 50, .cls = C_OTHER};
			sp.ipid = rng_u16(&g->rng);
			memset(pay, 0, sizeof(pay));
			if (i < 2) {
				sp.proto = 47;
				put16(pay + 2, 0x0800);
				put_ipv4(pay + 4, 0x0a000001, 0x0a000002, 17, 1, 64, 0, NULL, 0, 28);
				sp.paylen = 4 + 28;
			} else {
				sp.proto = 50;
				put32(pay, 0x1000 + (uint32_t)k);
				put32(pay + 4, k + 1);
				sp.paylen = 40;
			}
			sp.pay = pay;
			send_spec(g, &sp);
		}
	}
	/* ICMP timestamp and address mask requests. */
	uint32_t s = new_src(g, P_CITYB);
	for (unsigned k = 0; k < 16; k++) {
		struct spec sp = {.src = s, .dst = dark4(g), .proto = 1, .itype = k % 2 ? 13 : 17,
				  .cls = C_OTHER, .ipid = ZMAP_IPID};
		memset(pay, 0, 12);
		sp.pay = pay;
		sp.paylen = 12;
		send_spec(g, &sp);
	}
	/* FIN, NULL, Xmas and PSH|URG scans over many addresses: `other`,
	 * never scanners, never tagged (one uses IP ID 54321, one seq == dst). */
	static const struct {
		enum pool p;
		uint8_t flags;
	} f[] = {{P_NOORG, TH_FIN}, {P_ISPA, 0}, {P_NOORG, TH_FIN | TH_PSH | TH_URG}, {P_NOORG, TH_PSH | TH_URG}};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		s = new_src(g, f[i].p);
		size_t nd = T + 50;
		struct ks_addr *d = pick_dests(g, false, nd);
		for (size_t k = 0; k < nd; k++) {
			struct spec sp = {.src = s, .dst = d[k], .proto = 6, .ttl = 44, .sport = eph_port(g),
					  .dport = skewed_port(g), .flags = f[i].flags, .cls = C_OTHER};
			sp.ipid = i == 0 ? ZMAP_IPID : rng_u16(&g->rng);
			sp.seq = i == 2 ? v4of(&d[k]) : rng_u32(&g->rng);
			send_spec(g, &sp);
		}
		free(d);
	}
}

/* Sources only ever seen outside the darknet: they count nowhere, even when
 * they look like an organisation's Mirai bot or scanner. */
static void gen_outside(struct gen *g)
{
	unsigned T = g->threshold;
	static const enum pool pools[] = {P_ISPA, P_CITYB, P_INFRAC, P_NOORG, P_NOORG, P_ISPA_OUT,
					  P_NOORG, P_NOORG, P6_ISPA, P6_OUT};
	for (size_t i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		uint32_t s = new_src(g, pools[i]);
		bool six = pools[i] == P6_ISPA || pools[i] == P6_OUT;
		unsigned n = T + 5 + rng_below(&g->rng, 40);
		for (unsigned k = 0; k < n; k++) {
			struct ks_addr o = outside(g, six);
			struct spec sp = {.src = s, .dst = o, .proto = 6, .sport = eph_port(g), .dport = 23,
					  .flags = TH_SYN, .cls = C_NONE};
			switch (i % 4) {
			case 0: /* mirai-like */
				sp.seq = six ? 0 : v4of(&o);
				break;
			case 1: /* zmap-like */
				sp.seq = rng_u32(&g->rng);
				sp.ipid = ZMAP_IPID;
				break;
			case 2: /* pings */
				sp.proto = six ? 58 : 1;
				sp.itype = six ? 128 : 8;
				break;
			default: /* UDP and backscatter */
				if (k % 2) {
					sp.proto = 17;
				} else {
					sp.flags = TH_SYN | TH_ACK;
					sp.seq = rng_u32(&g->rng);
				}
				break;
			}
			send_spec(g, &sp);
		}
	}
}

/* Malformed packets, to the darknet and elsewhere. Their sources are
 * ordinary darknet sources outside any organisation, so how a malformed
 * packet's source is counted cannot change sources or alerts. */
static void gen_malformed(struct gen *g, uint32_t s4, uint32_t s6)
{
	enum {
		M_IHL_SMALL,
		M_IPLEN_GT_FRAME,
		M_TCP_DOFF_SMALL,
		M_UDP_LEN_SMALL,
		M_TCP_SNAPPED,
		M_V6_EXT_TRUNC,
		M_IPLEN_LT_HDR,
		M_V4_HDR_TRUNC,
		M_UDP_TRUNC,
		M_ICMP_TRUNC,
		M_V6_PLEN_GT_FRAME,
		M_TCP_DOFF_PAST,
		M_V6_TCP_SNAPPED,
		M_ICMP6_TRUNC,
		M_UDP_LEN_PAST,
		M__N
	};
	uint8_t buf[2048];
	for (int kind = 0; kind < M__N; kind++) {
		for (int k = 0; k < 9; k++) {
			bool six = kind == M_V6_EXT_TRUNC || kind == M_V6_PLEN_GT_FRAME ||
				   kind == M_V6_TCP_SNAPPED || kind == M_ICMP6_TRUNC;
			uint32_t s = six ? s6 : s4;
			struct ks_addr d = k < 6 ? (six ? dark6(g) : dark4(g)) : outside(g, six);
			struct spec sp = {.src = s, .dst = d, .proto = 6, .sport = eph_port(g), .dport = 23,
					  .flags = TH_SYN, .seq = 12345, .ipid = 777, .cls = C_MALFORMED};
			if (kind == M_UDP_LEN_SMALL || kind == M_UDP_TRUNC || kind == M_UDP_LEN_PAST) {
				sp.proto = 17;
				sp.dport = 53;
				udp_payload(53, &sp.pay, &sp.paylen);
			} else if (kind == M_ICMP_TRUNC) {
				sp.proto = 1;
				sp.itype = 8;
			} else if (kind == M_ICMP6_TRUNC) {
				sp.proto = 58;
				sp.itype = 128;
			}
			uint32_t h;
			uint32_t len = build_l3(g, &sp, buf, &h);
			uint32_t snap = len;
			switch (kind) {
			case M_IHL_SMALL:
				buf[0] = 0x44;
				break;
			case M_IPLEN_GT_FRAME: /* header says 20 more bytes than sent */
				put16(buf + 2, (uint16_t)(len + 20));
				break;
			case M_TCP_DOFF_SMALL:
				buf[h + 12] = 0x30;
				break;
			case M_UDP_LEN_SMALL:
				put16(buf + h + 4, 4);
				break;
			case M_TCP_SNAPPED:
			case M_V6_TCP_SNAPPED:
				snap = h + 12; /* cut before the flags */
				break;
			case M_V6_EXT_TRUNC: /* hop-by-hop header claims 32 bytes of 8 */
				buf[6] = 0;
				put16(buf + 4, 8);
				buf[40] = 6;
				buf[41] = 3;
				memset(buf + 42, 0, 6);
				buf[42] = 1; /* PadN */
				buf[43] = 4;
				len = 48;
				snap = len;
				break;
			case M_IPLEN_LT_HDR:
				put16(buf + 2, 16);
				break;
			case M_V4_HDR_TRUNC:
				len = 14;
				snap = len;
				break;
			case M_UDP_TRUNC:
				put16(buf + 2, 24);
				len = 24;
				snap = len;
				break;
			case M_ICMP_TRUNC:
				put16(buf + 2, 21);
				len = 21;
				snap = len;
				break;
			case M_V6_PLEN_GT_FRAME:
				put16(buf + 4, (uint16_t)(len - 40 + 20));
				break;
			case M_TCP_DOFF_PAST:
				buf[h + 12] = 0xf0;
				break;
			case M_ICMP6_TRUNC:
				put16(buf + 4, 1);
				len = 41;
				snap = len;
				break;
			case M_UDP_LEN_PAST:
				put16(buf + h + 4, (uint16_t)(len - h + 100));
				break;
			}
			if (!six) { /* keep the IPv4 header checksum right */
				put16(buf + 10, 0);
				put16(buf + 10, csum_fold(csum_add(0, buf, 20)));
			}
			struct rec *r = add_rec(g, s, src_ts(g, s), buf, len, snap, six ? L3_V6 : L3_V4,
						C_MALFORMED, &d);
			r->pad = 0;
		}
	}
}

static void gen_arp(struct gen *g, uint32_t s)
{
	for (unsigned k = 0; k < 15; k++) {
		uint8_t a[28];
		put16(a, 1);
		put16(a + 2, 0x0800);
		a[4] = 6;
		a[5] = 4;
		put16(a + 6, 1); /* request */
		memcpy(a + 8, mac_src, 6);
		put32(a + 14, 0xc6120001u);
		memset(a + 18, 0, 6);
		put32(a + 24, 0xc6120000u | rng_below(&g->rng, 65536));
		add_rec(g, s, src_ts(g, s), a, 28, 28, L3_ARP, C_NONE, NULL);
	}
}

/* ------------------------------------------------------------------------ */
/* Truth                                                                     */

struct srcstat {
	uint64_t packets;
	uint32_t dests;
	uint8_t tags;
	bool victim, seen;
};

struct portstat {
	uint8_t proto;
	uint16_t port;
	uint64_t packets, sources;
};

struct pair {
	uint32_t src;
	struct ks_addr a;
};

struct ptrip {
	uint8_t proto;
	uint16_t port;
	uint32_t src;
};

static int cmp_pair(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	return ks_addr_cmp(&a->a, &b->a);
}

static int cmp_ptrip(const void *x, const void *y)
{
	const struct ptrip *a = x, *b = y;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->src != b->src)
		return a->src < b->src ? -1 : 1;
	return 0;
}

/* Documented order: packets desc, sources desc, proto ("tcp" < "udp"), port. */
static int cmp_portstat(const void *x, const void *y)
{
	const struct portstat *a = x, *b = y;
	if (a->packets != b->packets)
		return a->packets > b->packets ? -1 : 1;
	if (a->sources != b->sources)
		return a->sources > b->sources ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

/* The report's other order: sources first. */
static int cmp_portstat_src(const void *x, const void *y)
{
	const struct portstat *a = x, *b = y;
	if (a->sources != b->sources)
		return a->sources > b->sources ? -1 : 1;
	if (a->packets != b->packets)
		return a->packets > b->packets ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return a->port < b->port ? -1 : a->port > b->port;
}

static int cmp_addr(const void *x, const void *y)
{
	return ks_addr_cmp(x, y);
}

struct addrstat {
	struct ks_addr a;
	uint64_t packets;
};

/* Busiest first, then by address (as kansoku orders them). */
static int cmp_addrstat(const void *x, const void *y)
{
	const struct addrstat *a = x, *b = y;
	if (a->packets != b->packets)
		return a->packets > b->packets ? -1 : 1;
	return ks_addr_cmp(&a->a, &b->a);
}

/* Port statistics over tcp_scan and udp packets, sorted; caller frees. */
static struct portstat *port_stats(const struct gen *g, size_t *np)
{
	struct ptrip *t = xrealloc(NULL, g->nr, sizeof(*t));
	size_t n = 0;
	for (size_t i = 0; i < g->nr; i++)
		if (g->r[i].pproto)
			t[n++] = (struct ptrip){g->r[i].pproto, g->r[i].dport, g->r[i].src};
	qsort(t, n, sizeof(*t), cmp_ptrip);
	struct portstat *ps = xrealloc(NULL, n ? n : 1, sizeof(*ps));
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m == 0 || ps[m - 1].proto != t[i].proto || ps[m - 1].port != t[i].port)
			ps[m++] = (struct portstat){t[i].proto, t[i].port, 0, 0};
		ps[m - 1].packets++;
		if (i == 0 || cmp_ptrip(&t[i - 1], &t[i]) != 0)
			ps[m - 1].sources++;
	}
	free(t);
	qsort(ps, m, sizeof(*ps), cmp_portstat);
	*np = m;
	return ps;
}

/* Duplicates a packet so that no two of the top 11 ports have the same
 * packet count: the top 10 is then unambiguous by packets alone. The copy
 * goes to a destination its source already reached, so nothing but that
 * port's (and source's) packet count changes. */
static void break_port_ties(struct gen *g)
{
	for (int iter = 0; iter < 10000; iter++) {
		size_t n;
		struct portstat *ps = port_stats(g, &n);
		size_t i, lim = n < 11 ? n : 11;
		for (i = 0; i + 1 < lim; i++)
			if (ps[i].packets == ps[i + 1].packets)
				break;
		if (i + 1 >= lim) {
			free(ps);
			return;
		}
		size_t j = g->nr;
		while (j-- > 0)
			if (g->r[j].dupok && g->r[j].pproto == ps[i].proto && g->r[j].dport == ps[i].port)
				break;
		GEN_ASSERT(j < g->nr);
		free(ps);
		struct rec copy = g->r[j];
		if (g->nr == g->capr) {
			g->capr *= 2;
			g->r = xrealloc(g->r, g->capr, sizeof(*g->r));
		}
		copy.seq = g->seq++;
		copy.ts = copy.ts + 1000000 < TS_HI ? copy.ts + 1000000 : copy.ts - 1000000;
		g->r[g->nr++] = copy;
	}
	die("internal error: could not break top_ports ties", NULL);
}

static int cmp_rec_ts(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	if (a->ts != b->ts)
		return a->ts < b->ts ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void json_addr(FILE *f, const struct ks_addr *a)
{
	char buf[KS_ADDR_STRLEN];
	fprintf(f, "\"%s\"", ks_addr_format(a, buf));
}

struct alert {
	int org;
	uint32_t src;
};

static const struct gen *alert_gen; /* qsort has no context argument */

static int cmp_alert(const void *x, const void *y)
{
	const struct alert *a = x, *b = y;
	int c = strcmp(orgs[a->org].id, orgs[b->org].id);
	if (c)
		return c;
	return ks_addr_cmp(&alert_gen->s[a->src].a, &alert_gen->s[b->src].a);
}

static void write_truth(const struct gen *g, const char *path, uint64_t seed, enum link lk)
{
	const char *linkname = links[lk].name;
	uint8_t scratch[64];
	bool arp_carried = link_header(lk, L3_ARP, 0, scratch) >= 0;
	uint64_t outside_pk = 0, non_ip = 0;
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die("cannot create", path);
	uint64_t cls[C__N] = {0}, packets = 0, malformed = 0, v4packets = 0;
	uint64_t first = UINT64_MAX, last = 0;
	struct srcstat *ss = xrealloc(NULL, g->ns, sizeof(*ss));
	memset(ss, 0, g->ns * sizeof(*ss));
	struct pair *pairs = xrealloc(NULL, g->nr ? g->nr : 1, sizeof(*pairs));
	size_t npairs = 0;
	struct ks_addr *dsts = xrealloc(NULL, g->nr ? g->nr : 1, sizeof(*dsts));
	size_t ndsts = 0;
	for (size_t i = 0; i < g->nr; i++) {
		const struct rec *r = &g->r[i];
		if (r->cls == C_MALFORMED) {
			malformed++;
			continue;
		}
		if (r->cls == C_NONE) {
			if (r->l3 == L3_ARP)
				non_ip += arp_carried;
			else
				outside_pk++;
			continue;
		}
		packets++;
		cls[r->cls]++;
		dsts[ndsts++] = r->dst;
		if (r->l3 == L3_V4)
			v4packets++;
		if (r->ts < first)
			first = r->ts;
		if (r->ts > last)
			last = r->ts;
		struct srcstat *s = &ss[r->src];
		s->seen = true;
		s->packets++;
		s->tags |= r->tags;
		if (r->cls == C_BACKSCATTER)
			s->victim = true;
		if (r->cls == C_TCP_SCAN || r->cls == C_ICMP_SCAN || r->cls == C_UDP)
			pairs[npairs++] = (struct pair){r->src, r->dst};
	}
	GEN_ASSERT(first == TS_FIRST && last == TS_LAST);
	qsort(pairs, npairs, sizeof(*pairs), cmp_pair);
	for (size_t i = 0; i < npairs; i++)
		if (i == 0 || cmp_pair(&pairs[i - 1], &pairs[i]) != 0)
			ss[pairs[i].src].dests++;
	free(pairs);
	uint64_t sources = 0, scanners = 0, victims = 0, tagc[3] = {0};
	for (size_t i = 0; i < g->ns; i++) {
		if (!ss[i].seen)
			continue;
		sources++;
		scanners += ss[i].dests >= g->threshold;
		victims += ss[i].victim;
		for (int t = 0; t < 3; t++)
			tagc[t] += (ss[i].tags >> t) & 1;
	}
	double seconds = (double)(last - first) / 1e6;
	double ppapy = seconds > 0 ? (double)v4packets / DARKNET_V4_ADDRESSES * (365.25 * 86400.0 / seconds)
				   : 0.0;
	fprintf(f, "{\n  \"generator\": \"ks_gen darknet\",\n  \"seed\": %" PRIu64 ",\n", seed);
	fprintf(f, "  \"linktype\": \"%s\",\n  \"darknet\": \"%s\",\n  \"scan_threshold\": %u,\n", linkname,
		DARKNET_TEXT, g->threshold);
	fprintf(f, "  \"ingests\": 1,\n");
	fprintf(f, "  \"packets\": %" PRIu64 ",\n  \"malformed\": %" PRIu64 ",\n", packets, malformed);
	fprintf(f, "  \"outside\": %" PRIu64 ",\n  \"non_ip\": %" PRIu64 ",\n", outside_pk, non_ip);
	fprintf(f, "  \"classes\": {");
	for (int c = 0; c < C__N; c++)
		fprintf(f, "%s\"%s\": %" PRIu64, c ? ", " : "", cls_name[c], cls[c]);
	fprintf(f, "},\n  \"ipv4_packets\": %" PRIu64 ",\n", v4packets);
	fprintf(f, "  \"sources\": %" PRIu64 ",\n  \"scanners\": %" PRIu64 ",\n  \"victims\": %" PRIu64 ",\n",
		sources, scanners, victims);
	fprintf(f, "  \"tags\": {");
	for (int t = 0; t < 3; t++)
		fprintf(f, "%s\"%s\": %" PRIu64, t ? ", " : "", tag_name[t], tagc[t]);
	fprintf(f, "},\n  \"darknet_addresses\": %d,\n", DARKNET_V4_ADDRESSES);
	fprintf(f, "  \"period\": {\"first_epoch\": %" PRIu64 ".%06" PRIu64 ", \"last_epoch\": %" PRIu64
		   ".%06" PRIu64 ", \"seconds\": %.6f},\n",
		first / 1000000, first % 1000000, last / 1000000, last % 1000000, seconds);
	fprintf(f, "  \"packets_per_address_per_year\": %.12g,\n", ppapy);
	size_t np;
	struct portstat *ps = port_stats(g, &np);
	fprintf(f, "  \"top_ports\": [");
	for (size_t i = 0; i < np && i < 10; i++)
		fprintf(f, "%s\n    {\"proto\": \"%s\", \"port\": %u, \"packets\": %" PRIu64
			   ", \"sources\": %" PRIu64 "}",
			i ? "," : "", ps[i].proto == 6 ? "tcp" : "udp", ps[i].port, ps[i].packets, ps[i].sources);
	fprintf(f, "\n  ],\n");
	qsort(ps, np, sizeof(*ps), cmp_portstat_src);
	fprintf(f, "  \"top_ports_by_sources\": [");
	for (size_t i = 0; i < np && i < 10; i++)
		fprintf(f, "%s\n    {\"proto\": \"%s\", \"port\": %u, \"packets\": %" PRIu64
			   ", \"sources\": %" PRIu64 "}",
			i ? "," : "", ps[i].proto == 6 ? "tcp" : "udp", ps[i].port, ps[i].packets, ps[i].sources);
	fprintf(f, "\n  ],\n");
	free(ps);
	/* Darknet addresses: how many were hit, and the ten busiest. */
	qsort(dsts, ndsts, sizeof(*dsts), cmp_addr);
	struct addrstat *as = xrealloc(NULL, ndsts ? ndsts : 1, sizeof(*as));
	size_t nas = 0;
	for (size_t i = 0; i < ndsts; i++) {
		if (nas == 0 || ks_addr_cmp(&as[nas - 1].a, &dsts[i]) != 0)
			as[nas++] = (struct addrstat){dsts[i], 0};
		as[nas - 1].packets++;
	}
	qsort(as, nas, sizeof(*as), cmp_addrstat);
	fprintf(f, "  \"darknet_addresses_hit\": %zu,\n  \"top_darknet_addresses\": [", nas);
	for (size_t i = 0; i < nas && i < 10; i++) {
		fprintf(f, "%s\n    {\"address\": ", i ? "," : "");
		json_addr(f, &as[i].a);
		fprintf(f, ", \"packets\": %" PRIu64 "}", as[i].packets);
	}
	fprintf(f, "\n  ],\n");
	free(as);
	free(dsts);
	/* Alerts: sources inside an organisation that are scanners or bots. */
	struct alert *al = xrealloc(NULL, g->ns ? g->ns : 1, sizeof(*al));
	size_t nal = 0;
	for (size_t i = 0; i < g->ns; i++)
		if (ss[i].seen && g->s[i].org >= 0 &&
		    (ss[i].dests >= g->threshold || (ss[i].tags & TAG_MIRAI)))
			al[nal++] = (struct alert){g->s[i].org, (uint32_t)i};
	alert_gen = g;
	qsort(al, nal, sizeof(*al), cmp_alert);
	fprintf(f, "  \"alerts\": [");
	for (size_t i = 0; i < nal; i++) {
		const struct srcstat *s = &ss[al[i].src];
		fprintf(f, "%s\n    {\"org\": \"%s\", \"address\": ", i ? "," : "", orgs[al[i].org].id);
		json_addr(f, &g->s[al[i].src].a);
		fprintf(f, ", \"packets\": %" PRIu64 ", \"tags\": [", s->packets);
		/* tags sorted by name: masscan, mirai, zmap */
		static const int order[3] = {2, 0, 1};
		int nt = 0;
		for (int t = 0; t < 3; t++)
			if (s->tags & (1u << order[t]))
				fprintf(f, "%s\"%s\"", nt++ ? ", " : "", tag_name[order[t]]);
		fprintf(f, "], \"scanner\": %s, \"dests\": %" PRIu32 "}",
			s->dests >= g->threshold ? "true" : "false", s->dests);
	}
	fprintf(f, "\n  ]\n}\n");
	free(al);
	free(ss);
	if (fclose(f) != 0)
		die("write failed", path);
}

static void write_orgs(const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		die("cannot create", path);
	fprintf(f, "id,name,kind,contact,prefixes\n");
	for (size_t i = 0; i < NORGS; i++)
		fprintf(f, "%s,%s,%s,%s,%s\n", orgs[i].id, orgs[i].name, orgs[i].kind, orgs[i].contact,
			orgs[i].prefixes);
	if (fclose(f) != 0)
		die("write failed", path);
}

static void write_capture(const struct gen *g, const char *path, enum link lk)
{
	struct pcap_w w;
	pw_open(&w, path, links[lk].dlt);
	for (size_t i = 0; i < g->nr; i++) {
		const struct rec *r = &g->r[i];
		uint8_t *out = pw_reserve(&w, 64 + r->len);
		int lh = link_header(lk, r->l3, r->seq, out);
		if (lh < 0)
			continue; /* ARP cannot be carried on raw IP or loopback links */
		memcpy(out + lh, g->arena + r->off, r->snap);
		uint32_t cap = (uint32_t)lh + r->snap, wire = (uint32_t)lh + r->len;
		if (link_is_ether(lk) && r->pad && r->snap == r->len && wire < 60) {
			memset(out + cap, 0, 60 - cap);
			cap = wire = 60;
		}
		pw_commit(&w, r->ts, cap, wire);
	}
	pw_close(&w);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ks_gen darknet --out F.pcap --truth T.json --orgs O.csv [--seed N]\n"
		"                      [--linktype ether|vlan|qinq|sll|sll2|raw|null] [--scan-threshold N]\n"
		"       ks_gen bench --out F.pcap --packets N --sources M [--seed N]\n"
		"       ks_gen --help\n"
		"\n"
		"Writes deterministic classic pcap captures (the same arguments give the same bytes).\n"
		"\n"
		"darknet: a capture to %s\n"
		"  of known composition: scanners, Mirai/ZMap/masscan-like sources, backscatter,\n"
		"  ping sweeps, UDP probes, IPv6, IPv4 options, fragments, other protocols, FIN/NULL\n"
		"  scans, traffic outside the darknet, malformed packets and ARP. --truth gets the\n"
		"  report figures of docs/formats.md counted from construction, and the alerts\n"
		"  expected; --orgs gets the organisations file the alerts refer to. Every link\n"
		"  type of one seed carries the same packets. Defaults: seed 1, ether, threshold\n"
		"  10 (2..5000). --out - writes the capture to standard output.\n"
		"\n"
		"bench: N small packets (Ethernet; mostly 54-byte TCP SYNs, some UDP, ICMP echo and\n"
		"  backscatter) to 198.18.0.0/16 from M distinct IPv4 sources in 1.0.0.0 to\n"
		"  223.255.255.255 (less 127/8 and 198.18/15), interleaved, each source's share\n"
		"  heavy-tailed. Counts take k/M/G suffixes (x1000). Progress goes to stderr\n"
		"  when it is a terminal.\n",
		DARKNET_TEXT);
}

struct args {
	const char *out, *truth, *orgs, *linktype;
	uint64_t seed, threshold, packets, sources;
	bool have_packets, have_sources;
};

static void parse_args(int argc, char **argv, struct args *a, bool bench)
{
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (v == NULL)
			die("option needs a value (see --help)", o);
		i++;
		if (strcmp(o, "--out") == 0)
			a->out = v;
		else if (strcmp(o, "--seed") == 0)
			a->seed = parse_count(o, v, 0, UINT64_MAX);
		else if (!bench && strcmp(o, "--truth") == 0)
			a->truth = v;
		else if (!bench && strcmp(o, "--orgs") == 0)
			a->orgs = v;
		else if (!bench && strcmp(o, "--linktype") == 0)
			a->linktype = v;
		else if (!bench && strcmp(o, "--scan-threshold") == 0)
			a->threshold = parse_count(o, v, 2, 5000);
		else if (bench && strcmp(o, "--packets") == 0)
			a->packets = parse_count(o, v, 1, 4000000000ULL), a->have_packets = true;
		else if (bench && strcmp(o, "--sources") == 0)
			a->sources = parse_count(o, v, 1, 200000000ULL), a->have_sources = true;
		else
			die("unknown option (see --help)", o);
	}
}

static int cmd_darknet(int argc, char **argv)
{
	struct args a = {.seed = 1, .threshold = 10, .linktype = "ether"};
	parse_args(argc, argv, &a, false);
	if (!a.out || !a.truth || !a.orgs)
		die("darknet needs --out, --truth and --orgs (see --help)", NULL);
	enum link lk = LINK_ETHER;
	size_t i;
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (strcmp(links[i].name, a.linktype) == 0)
			break;
	if (i == sizeof(links) / sizeof(links[0]))
		die("unknown --linktype (ether, vlan, qinq, sll, sll2, raw, null)", a.linktype);
	lk = (enum link)i;

	struct gen g;
	memset(&g, 0, sizeof(g));
	/* The seed, not the link type, drives the content: every link type of
	 * one seed carries the same packets and has the same truth. */
	rng_seed(&g.rng, a.seed ^ 0x6b616e736f6b75ULL);
	g.threshold = (unsigned)a.threshold;
	uint32_t anchor;
	gen_scanners(&g, &anchor);
	gen_mirai(&g);
	gen_zmap(&g);
	gen_masscan(&g);
	uint32_t s4 = gen_subthreshold(&g);
	gen_backscatter(&g);
	gen_ping(&g);
	gen_udp(&g);
	gen_mixed(&g);
	gen_ipv6(&g);
	gen_fragments(&g);
	gen_other(&g);
	gen_outside(&g);
	/* Malformed packets come from a sub-threshold IPv4 source and an IPv6
	 * source, both in no organisation. */
	uint32_t s6 = UINT32_MAX;
	for (size_t k = 0; k < g.ns && s6 == UINT32_MAX; k++)
		if (is_v6(&g.s[k].a) && g.s[k].org < 0)
			s6 = (uint32_t)k;
	GEN_ASSERT(s6 != UINT32_MAX);
	gen_malformed(&g, s4, s6);
	gen_arp(&g, anchor);
	break_port_ties(&g);
	qsort(g.r, g.nr, sizeof(*g.r), cmp_rec_ts);
	write_capture(&g, a.out, lk);
	write_truth(&g, a.truth, a.seed, lk);
	write_orgs(a.orgs);
	free(g.r);
	free(g.arena);
	free(g.s);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* bench mode                                                                */

/* A bijection on 32-bit values (MurmurHash3's finaliser), so distinct
 * inputs give distinct addresses. */
static inline uint32_t mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static bool bench_src_ok(uint32_t a)
{
	if (a < 0x01000000u || a > 0xdfffffffu)
		return false;
	if ((a >> 24) == 127 || (a >> 17) == (0xc6120000u >> 17)) /* loopback, 198.18.0.0/15 */
		return false;
	return true;
}

static int cmd_bench(int argc, char **argv)
{
	struct args a = {.seed = 1};
	parse_args(argc, argv, &a, true);
	if (!a.out || !a.have_packets || !a.have_sources)
		die("bench needs --out, --packets and --sources (see --help)", NULL);
	uint64_t N = a.packets, M = a.sources;
	uint32_t *src = xrealloc(NULL, M, sizeof(*src));
	uint32_t base = (uint32_t)mix64(a.seed);
	uint64_t x = 0;
	for (uint64_t i = 0; i < M; x++) {
		if (x > 0xffffffffULL)
			die("too many sources", NULL);
		uint32_t v = mix32(base + (uint32_t)x);
		if (bench_src_ok(v))
			src[i++] = v;
	}
	static const uint16_t tcp_ports[] = {23, 23, 23, 2323, 22, 22, 80, 80, 443, 445,
					     3389, 8080, 5555, 81, 8443, 6379, 1433, 5900, 7547, 8081};
	static const uint16_t udp_ports[] = {53, 123, 1900, 5683, 161, 137, 11211, 5060};
	struct rng r;
	rng_seed(&r, a.seed ^ 0x62656e6368ULL);
	struct pcap_w w;
	pw_open(&w, a.out, LT_ETHER);
	bool tty = isatty(2);
	uint64_t ts = T0_SEC * 1000000ULL, introduced = 0;
	/* Ethernet + IPv4 templates; per packet only the varying fields are
	 * written and both checksums computed. */
	uint8_t eth[14];
	memcpy(eth, mac_dst, 6);
	memcpy(eth + 6, mac_src, 6);
	put16(eth + 12, 0x0800);
	for (uint64_t k = 0; k < N; k++) {
		/* Source: a new one whenever the schedule says so (so all M appear,
		 * spread over the file), else a heavy-tailed pick among those seen. */
		uint64_t idx;
		uint64_t want = N >= M ? ((k + 1) * M + N - 1) / N : k + 1;
		if (want > introduced && introduced < M) {
			idx = introduced++;
		} else {
			double u = (double)(rng_next(&r) >> 11) * (1.0 / 9007199254740992.0);
			idx = (uint64_t)((double)introduced * u * u * u);
			if (idx >= introduced)
				idx = introduced - 1;
		}
		uint32_t s = src[idx];
		uint64_t h = mix64(idx ^ a.seed);
		uint32_t kind = (uint32_t)(h % 100);
		uint32_t rnd = rng_u32(&r);
		uint32_t dst = 0xc6120000u | (rnd & 0xffff);
		uint8_t *p = pw_reserve(&w, 64);
		uint8_t *ip = p + 14, *l4 = p + 34;
		memcpy(p, eth, 14);
		uint8_t proto;
		uint32_t l4len;
		uint16_t id = (uint16_t)(rnd >> 16);
		uint32_t seq = rng_u32(&r);
		if (kind < 88 || kind >= 95) { /* TCP: scans, and backscatter */
			bool bs = kind >= 95;
			uint16_t dport, sport;
			uint8_t flags;
			if (bs) {
				sport = (h >> 20) & 1 ? 80 : 443;
				dport = (uint16_t)(1024 + (seq % 64000));
				flags = (h >> 21) & 1 ? (TH_SYN | TH_ACK) : (TH_RST | TH_ACK);
			} else {
				sport = (uint16_t)(32768 + (seq >> 20));
				dport = tcp_ports[(h >> 8) % (sizeof(tcp_ports) / sizeof(tcp_ports[0]))];
				if (kind < 10) { /* mirai-like */
					dport = (seq & 7) ? 23 : 2323;
					seq = dst;
				} else if (kind < 13) { /* zmap-like */
					id = ZMAP_IPID;
				} else if (kind < 15) { /* masscan-like */
					id = (uint16_t)((dst ^ dport ^ seq) & 0xffff);
				}
				flags = TH_SYN;
			}
			proto = 6;
			l4len = 20;
			put16(l4, sport);
			put16(l4 + 2, dport);
			put32(l4 + 4, seq);
			put32(l4 + 8, bs ? rng_u32(&r) : 0);
			l4[12] = 0x50;
			l4[13] = flags;
			put16(l4 + 14, 1024);
			put16(l4 + 16, 0);
			put16(l4 + 18, 0);
		} else if (kind < 92) { /* UDP */
			proto = 17;
			l4len = 20; /* 8 header + 12 payload: 54-byte frames */
			uint16_t dport = udp_ports[(h >> 8) % (sizeof(udp_ports) / sizeof(udp_ports[0]))];
			put16(l4, (uint16_t)(32768 + (seq >> 20)));
			put16(l4 + 2, dport);
			put16(l4 + 4, 20);
			put16(l4 + 6, 0);
			memset(l4 + 8, 0, 12);
			put32(l4 + 8, seq);
		} else { /* ICMP echo request */
			proto = 1;
			l4len = 8;
			l4[0] = 8;
			l4[1] = 0;
			put16(l4 + 2, 0);
			put32(l4 + 4, seq);
		}
		ip[0] = 0x45;
		ip[1] = 0;
		put16(ip + 2, (uint16_t)(20 + l4len));
		put16(ip + 4, id);
		put16(ip + 6, 0x4000);
		ip[8] = (uint8_t)(32 + (h >> 40) % 200);
		ip[9] = proto;
		put16(ip + 10, 0);
		put32(ip + 12, s);
		put32(ip + 16, dst);
		put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		uint32_t sum;
		if (proto == 1) {
			put16(l4 + 2, csum_fold(csum_add(0, l4, l4len)));
		} else {
			sum = csum_add(0, ip + 12, 8) + proto + l4len;
			uint16_t c = csum_fold(csum_add(sum, l4, l4len));
			if (proto == 6)
				put16(l4 + 16, c);
			else
				put16(l4 + 6, c ? c : 0xffff);
		}
		pw_commit(&w, ts, 34 + l4len, 34 + l4len);
		ts += 1 + (seq & 1023) / 2; /* about 4000 packets/s on average */
		if (tty && (k & 0xfffff) == 0)
			fprintf(stderr, "\rks_gen: %" PRIu64 "/%" PRIu64 " packets", k, N);
	}
	pw_close(&w);
	if (tty)
		fprintf(stderr, "\rks_gen: %" PRIu64 "/%" PRIu64 " packets, %" PRIu64 " sources\n", N, N,
			introduced);
	free(src);
	return 0;
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
	if (strcmp(argv[1], "darknet") == 0)
		return cmd_darknet(argc, argv);
	if (strcmp(argv[1], "bench") == 0)
		return cmd_bench(argc, argv);
	fprintf(stderr, "ks_gen: unknown mode '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
