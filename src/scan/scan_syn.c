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
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	/* send buffers */
	uint8_t pkt[KS_SYN_BATCH][KS_SYN_PKTLEN];
	struct sockaddr_in to[KS_SYN_BATCH];
	struct iovec iov[KS_SYN_BATCH];
	struct mmsghdr msg[KS_SYN_BATCH];
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
		const struct ks_addr *src, uint16_t sport, const char *iface, char *err,
		size_t errlen)
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
	if (pthread_create(&s->th, NULL, receiver, s) != 0) {
		snprintf(err, errlen, "cannot start the receiver thread");
		goto fail;
	}
	s->running = true;
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
	*out = s;
	return 0;
fail:
	ks_syn_close(s);
	return KS_EIO;
}

size_t ks_syn_send(struct ks_syn *s, const struct ks_syn_probe *v, size_t n, uint64_t *refused,
		   uint64_t *errors)
{
	size_t k = 0, sent = 0;
	KS_BUG_ON(n > KS_SYN_BATCH);
	for (size_t i = 0; i < n; i++) {
		uint32_t dst = ks_addr_v4(&v[i].dst);
		uint32_t seq = ks_cookie_seq(s->cookie, &s->src, &v[i].dst, s->sport, v[i].dport);
		ks_syn_build(s->pkt[k], s->src4, dst, s->sport, v[i].dport, seq, s->ip_id++);
		/* THE GATE, on the destination as written in the packet. */
		const uint8_t *d = s->pkt[k] + 16;
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
	for (size_t off = 0; off < k;) {
		int r = sendmmsg(s->fd, s->msg + off, (unsigned)(k - off), 0);
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
	free(s->ring);
	free(s);
}
