/* SPDX-License-Identifier: BSD-2-Clause */
/* The SYN engine: raw-socket sender and capture thread (contract, RST
 * policy and the gate in scan_syn.h).
 *
 * specification: RFC 791 (IPv4), RFC 9293 (TCP), RFC 1071 (checksum)
 *
 * The probe, 44 bytes:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-------+-------+---------------+-------------------------------+
 *   |Ver=4  |IHL=5  |    TOS=0      |        Total Length=44        |
 *   +-------+-------+---------------+-----+-------------------------+
 *   |         Identification        |Flg=0|    Fragment Offset=0    |
 *   +---------------+---------------+-----+-------------------------+
 *   |    TTL=64     |  Protocol=6   |       Header Checksum         |
 *   +---------------+---------------+-------------------------------+
 *   |              Source Address  /  Destination Address           |
 *   +===============================================================+
 *   |        Source Port            |       Destination Port        |
 *   +-------------------------------+-------------------------------+
 *   |             Sequence Number = cookie (scan_cookie.h)          |
 *   +---------------------------------------------------------------+
 *   |                    Acknowledgment Number = 0                  |
 *   +-------+-----------+-----------+-------------------------------+
 *   |Off=6  |           |  SYN      |        Window=65535           |
 *   +-------+-----------+-----------+-------------------------------+
 *   |        Checksum               |       Urgent Pointer=0        |
 *   +---------------+---------------+-------------------------------+
 *   | Kind=2 (MSS)  |  Length=4     |          MSS=1460             |
 *   +---------------+---------------+-------------------------------+
 *
 * The receiver thread and the caller share only the reply ring (one
 * producer, one consumer; acquire/release indices) and relaxed counters. */
#include "scan_syn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "decode.h"
#include "ks_alloc.h"
#include "ks_err.h"

#define SNAPLEN 128            /* link + IPv4 (with options) + TCP fixed header */
#define CAPTURE_BUF (64 << 20) /* kernel capture ring: absorbs reply bursts */
#define SEND_RETRIES 100000    /* ENOBUFS pauses before a probe counts as an error */

struct ks_syn {
	int fd;
	pcap_t *pc;
	int linktype;
	pthread_t th;
	bool running;
	atomic_int quit;
	const struct ks_scope *scope;
	const struct ks_cookie *cookie;
	struct ks_addr src;
	uint32_t src4;
	uint16_t sport;
	uint16_t ip_id;
	/* reply ring */
	struct ks_syn_reply *ring;
	_Atomic size_t head, tail; /* head: next write (receiver); tail: next read (caller) */
	/* receiver counters */
	_Atomic uint64_t replies, invalid, dropped;
	struct ks_decode_stats dst;
	/* send buffers: frames are an Ethernet header (link mode) + the packet */
	uint8_t pkt[KS_SYN_BATCH][ETH_HLEN + KS_SYN_PKTLEN];
	struct sockaddr_in to[KS_SYN_BATCH];
	struct iovec iov[KS_SYN_BATCH];
	struct mmsghdr msg[KS_SYN_BATCH];
	/* link mode (--interface): frames on an AF_PACKET socket to the gateway */
	int pfd;                  /* the AF_PACKET socket, or -1 */
	int lfd;                  /* pfd once in link mode, else -1 */
	bool link_wanted;         /* an interface and a gateway were found */
	unsigned link_checks;     /* batches sent while waiting for the gateway's MAC */
	char ifname[IF_NAMESIZE];
	int ifindex;
	uint32_t gw;              /* next hop, host order */
	uint8_t eth[ETH_HLEN];    /* gateway MAC, our MAC, 0x0800 */
	struct sockaddr_ll ll;
	struct mmsghdr lmsg[KS_SYN_BATCH];
	struct iovec liov[KS_SYN_BATCH];
	uint64_t link_sent;
};

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t ks_syn_tcp_csum(uint32_t src, uint32_t dst, const uint8_t *seg, size_t len)
{
	uint32_t sum = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 6u + (uint32_t)len;
	return fold(sum16(seg, len, sum));
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void ks_syn_build(uint8_t pkt[KS_SYN_PKTLEN], uint32_t src, uint32_t dst, uint16_t sport,
		  uint16_t dport, uint32_t seq, uint16_t ip_id)
{
	uint8_t *ip = pkt, *th = pkt + 20;
	memset(pkt, 0, KS_SYN_PKTLEN);
	ip[0] = 0x45;
	put16(ip + 2, KS_SYN_PKTLEN);
	put16(ip + 4, ip_id);
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, fold(sum16(ip, 20, 0)));
	put16(th, sport);
	put16(th + 2, dport);
	put32(th + 4, seq);
	th[12] = 6 << 4; /* 24-byte header */
	th[13] = KS_TH_SYN;
	put16(th + 14, 65535);
	th[20] = 2;
	th[21] = 4;
	put16(th + 22, 1460);
	put16(th + 16, ks_syn_tcp_csum(src, dst, th, 24));
}

/* --- link mode ---
 *
 * With --interface, probes skip the kernel's IP output path (route lookup,
 * netfilter, neighbour output per packet) and go out as Ethernet frames on
 * an AF_PACKET socket to the next hop of the route that covers the first
 * target on that interface, as ZMap and masscan do. The interface must
 * carry the route for the whole scope (the operator names it). The next
 * hop's MAC is read from the kernel's neighbour table (/proc/net/arp);
 * until it is there, probes go through the raw IP socket, which makes the
 * kernel resolve it, so no extra packet is ever sent. Targets on-link
 * (no gateway) or a non-Ethernet interface keep the raw IP socket. */

/* Reads one hexadecimal 32-bit field of /proc/net/route (host-endian bytes). */
static bool hex32(const char *t, uint32_t *out)
{
	uint32_t v = 0;
	int n = 0;
	for (; *t && n < 8; t++, n++) {
		int d = *t >= '0' && *t <= '9' ? *t - '0' : *t >= 'A' && *t <= 'F' ? *t - 'A' + 10
			: *t >= 'a' && *t <= 'f' ? *t - 'a' + 10 : -1;
		if (d < 0)
			return false;
		v = v << 4 | (uint32_t)d;
	}
	if (n != 8 || *t)
		return false;
	/* The kernel prints the network-order word as a native integer. */
	*out = ntohl(v);
	return true;
}

/* Gateway (host order) of the most specific route on ifname covering dst;
 * false when there is none or it has no gateway (on-link). */
static bool route_gateway(const char *ifname, uint32_t dst, uint32_t *gw)
{
	FILE *f = fopen("/proc/net/route", "re");
	char line[512];
	int best = -1;
	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		char ifn[64], d[16], g[16], m[16];
		unsigned flags;
		if (sscanf(line, "%63s %15s %15s %x %*s %*s %*s %15s", ifn, d, g, &flags, m) != 5)
			continue; /* the header line */
		uint32_t dv, gv, mv;
		if (strcmp(ifn, ifname) != 0 || !hex32(d, &dv) || !hex32(g, &gv) || !hex32(m, &mv))
			continue;
		if (!(flags & 0x1) || (dst & mv) != dv) /* RTF_UP */
			continue;
		int len = __builtin_popcount(mv);
		if (len > best) {
			best = len;
			*gw = (flags & 0x2) ? gv : 0; /* RTF_GATEWAY */
		}
	}
	fclose(f);
	return best >= 0 && *gw != 0;
}

/* The complete neighbour entry of ip (host order) on ifname, into mac. */
static bool arp_mac(const char *ifname, uint32_t ip, uint8_t mac[6])
{
	FILE *f = fopen("/proc/net/arp", "re");
	char line[512];
	bool ok = false;
	if (!f)
		return false;
	while (!ok && fgets(line, sizeof line, f)) {
		char a[64], hw[64], dev[64];
		unsigned type, flags, m[6];
		struct in_addr in;
		if (sscanf(line, "%63s %x %x %63s %*s %63s", a, &type, &flags, hw, dev) != 5)
			continue;
		if (strcmp(dev, ifname) != 0 || inet_pton(AF_INET, a, &in) != 1 || ntohl(in.s_addr) != ip ||
		    type != 1 || !(flags & 0x2))
			continue;
		if (sscanf(hw, "%2x:%2x:%2x:%2x:%2x:%2x", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
			continue;
		for (int i = 0; i < 6; i++)
			mac[i] = (uint8_t)m[i];
		ok = true;
	}
	fclose(f);
	return ok;
}

/* Switches to link mode once the gateway's MAC is known. */
static void link_try(struct ks_syn *s)
{
	uint8_t gwmac[6];
	if (!arp_mac(s->ifname, s->gw, gwmac))
		return;
	memcpy(s->eth, gwmac, 6);
	s->eth[12] = 0x08;
	s->eth[13] = 0x00;
	memset(&s->ll, 0, sizeof s->ll);
	s->ll.sll_family = AF_PACKET;
	s->ll.sll_protocol = htons(ETH_P_IP);
	s->ll.sll_ifindex = s->ifindex;
	s->ll.sll_halen = 6;
	memcpy(s->ll.sll_addr, gwmac, 6);
	for (size_t i = 0; i < KS_SYN_BATCH; i++) {
		s->liov[i].iov_base = s->pkt[i];
		s->liov[i].iov_len = ETH_HLEN + KS_SYN_PKTLEN;
		s->lmsg[i].msg_hdr.msg_iov = &s->liov[i];
		s->lmsg[i].msg_hdr.msg_iovlen = 1;
		s->lmsg[i].msg_hdr.msg_name = &s->ll;
		s->lmsg[i].msg_hdr.msg_namelen = sizeof s->ll;
	}
	s->lfd = s->pfd;
	s->link_wanted = false;
}

/* Sets up link mode for ifname towards first (host order), if it applies. */
static void link_setup(struct ks_syn *s, const char *ifname, uint32_t first)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	if (strlen(ifname) >= sizeof ifr.ifr_name)
		return;
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(s->fd, SIOCGIFHWADDR, &ifr) != 0 || ifr.ifr_hwaddr.sa_family != 1 /* ARPHRD_ETHER */)
		return;
	s->ifindex = (int)if_nametoindex(ifname);
	if (s->ifindex <= 0 || !route_gateway(ifname, first, &s->gw))
		return;
	memcpy(s->ifname, ifr.ifr_name, sizeof s->ifname);
	s->ifname[sizeof s->ifname - 1] = '\0';
	memcpy(s->eth + 6, ifr.ifr_hwaddr.sa_data, 6);
	/* Opened now, while privileged; used once the gateway's MAC is known.
	 * Protocol 0: the socket only sends, it receives nothing. */
	s->pfd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (s->pfd < 0)
		return;
	int one = 1, sndbuf = 8 << 20;
	(void)setsockopt(s->pfd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
	if (setsockopt(s->pfd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) != 0)
		(void)setsockopt(s->pfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	s->link_wanted = true;
	link_try(s);
}

bool ks_syn_link_mode(const struct ks_syn *s)
{
	return s->lfd >= 0;
}

/* --- receiver --- */

static void push(struct ks_syn *s, const struct ks_syn_reply *r)
{
	for (;;) {
		size_t h = atomic_load_explicit(&s->head, memory_order_relaxed);
		size_t t = atomic_load_explicit(&s->tail, memory_order_acquire);
		if (h - t < KS_SYN_RING) {
			s->ring[h & (KS_SYN_RING - 1)] = *r;
			atomic_store_explicit(&s->head, h + 1, memory_order_release);
			return;
		}
		if (atomic_load(&s->quit))
			return;
		/* The caller drains between batches; wait for it. */
		struct timespec ts = {0, 100000};
		nanosleep(&ts, NULL);
	}
}

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct ks_syn *s = (struct ks_syn *)user;
	struct ks_pkt p;
	atomic_fetch_add_explicit(&s->replies, 1, memory_order_relaxed);
	if (ks_decode(s->linktype, bytes, h->caplen, h->len, &p, &s->dst) != KS_DECODE_OK ||
	    p.ipver != 4 || p.proto != 6 || !p.l4_ok || p.frag != KS_FRAG_NONE)
		goto invalid;
	if (p.dport != s->sport || ks_addr_cmp(&p.dst, &s->src) != 0)
		goto invalid;
	uint8_t outcome;
	if ((p.tcp_flags & (KS_TH_SYN | KS_TH_ACK)) == (KS_TH_SYN | KS_TH_ACK) && !(p.tcp_flags & KS_TH_RST))
		outcome = KS_DISC_OPEN;
	else if ((p.tcp_flags & (KS_TH_RST | KS_TH_ACK)) == (KS_TH_RST | KS_TH_ACK))
		outcome = KS_DISC_CLOSED;
	else
		goto invalid;
	if (!ks_cookie_check(s->cookie, &p.src, &p.dst, p.sport, p.dport, p.ack) ||
	    !ks_scope_contains(s->scope, &p.src))
		goto invalid;
	struct ks_syn_reply r = {p.src, p.sport, outcome};
	push(s, &r);
	return;
invalid:
	atomic_fetch_add_explicit(&s->invalid, 1, memory_order_relaxed);
}

static void *receiver(void *arg)
{
	struct ks_syn *s = arg;
	struct pollfd pfd = {pcap_get_selectable_fd(s->pc), POLLIN, 0};
	while (!atomic_load(&s->quit)) {
		int n = poll(&pfd, 1, 50);
		if (n < 0 && errno != EINTR)
			break;
		/* Non-blocking: dispatch returns 0 at once when nothing waits. */
		while (!atomic_load(&s->quit) && pcap_dispatch(s->pc, 4096, on_frame, (u_char *)s) > 0)
			;
		struct pcap_stat ps;
		if (pcap_stats(s->pc, &ps) == 0)
			atomic_store_explicit(&s->dropped, ps.ps_drop, memory_order_relaxed);
	}
	return NULL;
}

int ks_syn_open(struct ks_syn **out, const struct ks_scope *scope, const struct ks_cookie *cookie,
		const struct ks_addr *src, uint16_t sport, const char *iface,
		const struct ks_addr *first, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE] = "";
	*out = NULL;
	if (!ks_addr_is_v4(src)) {
		snprintf(err, errlen, "the SYN engine needs an IPv4 source address");
		return KS_EINVAL;
	}
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "raw socket: %s%s", strerror(e),
			 e == EPERM || e == EACCES ? " (needs CAP_NET_RAW; or use --method connect)" : "");
		errno = e;
		return KS_ESYS;
	}
	struct ks_syn *s = ks_xcalloc(1, sizeof *s);
	s->fd = fd;
	s->pfd = s->lfd = -1;
	s->scope = scope;
	s->cookie = cookie;
	s->src = *src;
	s->src4 = ks_addr_v4(src);
	s->sport = sport;
	s->ring = ks_xcalloc(KS_SYN_RING, sizeof *s->ring);
	int one = 1, sndbuf = 8 << 20;
	/* Force a large send buffer when allowed (root); else take the default. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf) != 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
	(void)setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof one);

	const char *dev = iface ? iface : "any";
	s->pc = pcap_create(dev, perr);
	if (!s->pc) {
		snprintf(err, errlen, "capture on %s: %s", dev, perr);
		goto fail;
	}
	pcap_set_snaplen(s->pc, SNAPLEN);
	pcap_set_promisc(s->pc, 0);
	pcap_set_immediate_mode(s->pc, 1);
	pcap_set_buffer_size(s->pc, CAPTURE_BUF);
	int rc = pcap_activate(s->pc);
	if (rc < 0) {
		snprintf(err, errlen, "capture on %s: %s", dev, pcap_geterr(s->pc));
		goto fail;
	}
	s->linktype = pcap_datalink(s->pc);
	(void)pcap_setdirection(s->pc, PCAP_D_IN);
#ifdef PACKET_IGNORE_OUTGOING
	/* Keep our own probes out of the capture socket entirely (Linux 4.20+):
	 * otherwise the kernel hands every SYN we send to the filter. */
	int ign = 1;
	(void)setsockopt(pcap_fileno(s->pc), SOL_PACKET, PACKET_IGNORE_OUTGOING, &ign, sizeof ign);
#endif
	char filter[256];
	snprintf(filter, sizeof filter,
		 "ip and tcp and dst port %u and dst host %u.%u.%u.%u and "
		 "(tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack) or tcp[tcpflags] & tcp-rst != 0)",
		 sport, src->b[12], src->b[13], src->b[14], src->b[15]);
	struct bpf_program prog;
	if (pcap_compile(s->pc, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) != 0 ||
	    pcap_setfilter(s->pc, &prog) != 0) {
		snprintf(err, errlen, "capture filter on %s: %s", dev, pcap_geterr(s->pc));
		goto fail;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(s->pc, 1, perr) != 0 || pcap_get_selectable_fd(s->pc) < 0) {
		snprintf(err, errlen, "capture on %s: cannot poll: %s", dev, perr);
		goto fail;
	}
	for (size_t i = 0; i < KS_SYN_BATCH; i++) {
		s->iov[i].iov_base = s->pkt[i];
		s->iov[i].iov_len = KS_SYN_PKTLEN;
		s->msg[i].msg_hdr.msg_iov = &s->iov[i];
		s->msg[i].msg_hdr.msg_iovlen = 1;
		s->msg[i].msg_hdr.msg_name = &s->to[i];
		s->msg[i].msg_hdr.msg_namelen = sizeof s->to[i];
		s->to[i].sin_family = AF_INET;
	}
	s->ip_id = (uint16_t)(sport * 40503u);
	if (iface && first && ks_addr_is_v4(first))
		link_setup(s, iface, ks_addr_v4(first));
	*out = s;
	return 0;
fail:
	ks_syn_close(s);
	return KS_EIO;
}

int ks_syn_start(struct ks_syn *s)
{
	if (pthread_create(&s->th, NULL, receiver, s) != 0)
		return KS_ESYS;
	s->running = true;
	return 0;
}

size_t ks_syn_send(struct ks_syn *s, const struct ks_syn_probe *v, size_t n, uint64_t *refused,
		   uint64_t *errors)
{
	size_t k = 0, sent = 0;
	KS_BUG_ON(n > KS_SYN_BATCH);
	if (s->lfd < 0 && s->link_wanted && s->link_checks++ % 16 == 1)
		link_try(s); /* the first raw batches made the kernel resolve the gateway */
	bool link = s->lfd >= 0;
	size_t hl = link ? ETH_HLEN : 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t dst = ks_addr_v4(&v[i].dst);
		uint32_t seq = ks_cookie_seq(s->cookie, &s->src, &v[i].dst, s->sport, v[i].dport);
		if (link)
			memcpy(s->pkt[k], s->eth, ETH_HLEN);
		ks_syn_build(s->pkt[k] + hl, s->src4, dst, s->sport, v[i].dport, seq, s->ip_id++);
		/* THE GATE, on the destination as written in the packet. */
		const uint8_t *d = s->pkt[k] + hl + 16;
		struct ks_addr a;
		ks_addr_from_v4(&a, (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3]);
		if (!ks_scope_contains(s->scope, &a)) {
			(*refused)++;
			continue;
		}
		memcpy(&s->to[k].sin_addr.s_addr, d, 4);
		k++;
	}
	unsigned tries = 0;
	int fd = link ? s->lfd : s->fd;
	struct mmsghdr *msg = link ? s->lmsg : s->msg;
	for (size_t off = 0; off < k;) {
		int r = sendmmsg(fd, msg + off, (unsigned)(k - off), 0);
		if (r > 0) {
			off += (size_t)r;
			sent += (size_t)r;
			tries = 0;
			continue;
		}
		if (r < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR || errno == ENOMEM) &&
		    tries++ < SEND_RETRIES) {
			struct timespec ts = {0, 20000};
			nanosleep(&ts, NULL);
			continue;
		}
		/* The first message failed for good (no route, ...): skip it. */
		(*errors)++;
		off++;
		tries = 0;
	}
	return sent;
}

size_t ks_syn_poll(struct ks_syn *s, struct ks_syn_reply *out, size_t max)
{
	size_t t = atomic_load_explicit(&s->tail, memory_order_relaxed);
	size_t h = atomic_load_explicit(&s->head, memory_order_acquire);
	size_t n = h - t < max ? h - t : max;
	for (size_t i = 0; i < n; i++)
		out[i] = s->ring[(t + i) & (KS_SYN_RING - 1)];
	atomic_store_explicit(&s->tail, t + n, memory_order_release);
	return n;
}

void ks_syn_counters(struct ks_syn *s, uint64_t *replies, uint64_t *invalid, uint64_t *dropped)
{
	*replies = atomic_load_explicit(&s->replies, memory_order_relaxed);
	*invalid = atomic_load_explicit(&s->invalid, memory_order_relaxed);
	*dropped = atomic_load_explicit(&s->dropped, memory_order_relaxed);
}

void ks_syn_close(struct ks_syn *s)
{
	if (!s)
		return;
	atomic_store(&s->quit, 1);
	if (s->running)
		pthread_join(s->th, NULL);
	if (s->pc)
		pcap_close(s->pc);
	if (s->fd >= 0)
		close(s->fd);
	if (s->pfd >= 0)
		close(s->pfd);
	free(s->ring);
	free(s);
}
