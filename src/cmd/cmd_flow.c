/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku flow ingest | collect: export datagrams (from pcap files or a UDP
 * socket) -> NetFlow/IPFIX decoder -> segment files + hourly aggregates and
 * exporter counters in the store.
 *
 * Durability order at every flush: segments first (ks_seg_flush makes them
 * durable), then one store transaction with the aggregates and counter
 * deltas of the same flows. A kill between the two leaves flows in segments
 * that the hourly sums lack (at most one flush interval); never the
 * reverse, and never a half-written file (docs/flow.md). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "cmd.h"
#include "cmd_flow.h"
#include "decode.h"
#include "flow_hourly.h"
#include "flow_listen.h"
#include "flow_seg.h"
#include "ks_alloc.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "ks_time.h"
#include "nf_decode.h"
#include "store_flow.h"

void ks_cmd_flow_dir(int64_t stream, char *buf, size_t n)
{
	if (stream > 0)
		snprintf(buf, n, "%s.flows/s%lld", ks_g.db, (long long)stream);
	else
		snprintf(buf, n, "%s.flows", ks_g.db);
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* ---- the sink: decoder output -> segments + hourly sums ---------------- */

struct sink {
	struct ks_store *st;
	int64_t stream;
	struct ks_seg_writer *seg;
	struct ks_nf *nf;
	struct ks_flow_hourly hours;
	/* counters already stored, per exporter index (for deltas) */
	struct ks_nf_exporter_stats *prev;
	size_t nprev;
	struct ks_store_flow_hour_row *rows; /* kept between flushes: no fresh pages each time */
	size_t rows_cap;
	const char *name_all;     /* --exporter-name NAME */
	const char *name_map;     /* --exporter-name ADDR=NAME[,...] */
	uint64_t flows, flushed, datagrams;
};

static int sink_flow(void *ctx, const struct ks_flow *f)
{
	struct sink *s = ctx;
	if (ks_seg_append(s->seg, f) != 0 || ks_flow_hourly_add(&s->hours, f) != 0)
		return KS_ENOMEM;
	s->flows++;
	return 0;
}

/* The --exporter-name of addr, or NULL. */
static const char *exporter_name(const struct sink *s, const struct ks_addr *a, char *buf, size_t n)
{
	if (s->name_all)
		return s->name_all;
	if (!s->name_map)
		return NULL;
	char addr[KS_ADDR_STRLEN];
	ks_addr_format(a, addr);
	size_t al = strlen(addr);
	for (const char *p = s->name_map; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > al + 1 && memcmp(p, addr, al) == 0 && p[al] == '=') {
			snprintf(buf, n, "%.*s", (int)(len - al - 1), p + al + 1);
			return buf;
		}
		p += len + (end != NULL);
	}
	return NULL;
}

struct rows {
	struct ks_store_flow_hour_row *v;
	size_t n, cap;
};

static int add_row(void *ctx, uint32_t hour, uint8_t proto, uint16_t dport,
		   const struct ks_flow_hourly_cnt *c)
{
	struct rows *rw = ctx;
	if (rw->n == rw->cap)
		return KS_ELIMIT; /* cannot happen: sized by ks_flow_hourly_bound */
	rw->v[rw->n++] = (struct ks_store_flow_hour_row){hour, proto, dport, c->flows, c->packets, c->bytes};
	return 0;
}

/* Segments, then one transaction with the hour sums and counter deltas. */
/* Exporter counters as the decoder has them now (caller frees *out). */
static void exporter_snapshot(const struct ks_nf *nf, struct ks_nf_exporter_stats **out, size_t *n)
{
	*n = ks_nf_exporter_count(nf);
	*out = ks_xcalloc(*n ? *n : 1, sizeof(**out));
	for (size_t i = 0; i < *n; i++)
		if (ks_nf_exporter_stats(nf, i, &(*out)[i]) != 0)
			memset(&(*out)[i], 0, sizeof((*out)[i]));
}

/* Writes what was appended: segments, then one transaction with the hour
 * sums and the exporter counters' growth from the last flush to cur[0..ne)
 * (the decoder's counters when the last flow appended was decoded). */
static int sink_flush(struct sink *s, const struct ks_nf_exporter_stats *cur, size_t ne)
{
	char dir[4096];
	int64_t t0 = ks_time_now_us();
	if (ks_seg_flush(s->seg) != 0) {
		ks_cmd_flow_dir(s->stream, dir, sizeof dir);
		ks_err("%s: cannot write flow segments: %s", dir, strerror(errno));
		return KS_EXIT_FAIL;
	}
	if (ne > s->nprev) {
		s->prev = ks_xreallocarray(s->prev, ne, sizeof(*s->prev));
		memset(s->prev + s->nprev, 0, (ne - s->nprev) * sizeof(*s->prev));
		s->nprev = ne;
	}
	size_t bound = ks_flow_hourly_bound(&s->hours) + 1;
	if (bound > s->rows_cap) {
		s->rows = ks_xreallocarray(s->rows, bound, sizeof(*s->rows));
		s->rows_cap = bound;
	}
	struct rows rw = {s->rows, 0, s->rows_cap};
	ks_flow_hourly_each(&s->hours, add_row, &rw);
	int r = ks_store_begin(s->st);
	if (r == 0)
		r = ks_store_flow_hour_add_rows(s->st, s->stream, rw.v, rw.n);
	for (size_t i = 0; r == 0 && i < ne; i++) {
		const struct ks_nf_exporter_stats *x = &cur[i], *p = &s->prev[i];
		if (x->datagrams == 0)
			continue; /* not filled in */
		char nb[128];
		struct ks_store_exporter e = {
			.addr = x->addr, .port = x->port, .version = x->version,
			.name = exporter_name(s, &x->addr, nb, sizeof nb),
			.first_ms = x->first_ms, .last_ms = x->last_ms,
			.datagrams = x->datagrams - p->datagrams, .flows = x->flows - p->flows,
			.options_records = x->options_records - p->options_records,
			.lost_packets = x->lost_packets - p->lost_packets, .lost_flows = x->lost_flows - p->lost_flows,
			.malformed = x->malformed - p->malformed, .no_template = x->no_template - p->no_template,
			.templates = x->templates, .sampling = x->sampling,
		};
		r = ks_store_flow_exporter_add(s->st, s->stream, &e);
	}
	if (r == 0)
		r = ks_store_commit(s->st);
	if (r != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(s->st));
		ks_store_rollback(s->st);
		return KS_EXIT_FAIL;
	}
	memcpy(s->prev, cur, ne * sizeof(*cur));
	ks_flow_hourly_clear(&s->hours);
	ks_debug("flushed %llu flows in %.1f ms", (unsigned long long)(s->flows - s->flushed),
		 (double)(ks_time_now_us() - t0) / 1000.0);
	s->flushed = s->flows;
	return 0;
}

/* sink_flush with the decoder's counters now (single-threaded use). */
static int sink_flush_now(struct sink *s)
{
	struct ks_nf_exporter_stats *cur;
	size_t ne;
	exporter_snapshot(s->nf, &cur, &ne);
	int r = sink_flush(s, cur, ne);
	free(cur);
	return r;
}

/* Creates the stream's segment writer and decoder. 0 or an exit code. */
static int sink_open(struct sink *s, struct ks_store *st, int64_t stream)
{
	memset(s, 0, sizeof(*s));
	s->st = st;
	s->stream = stream;
	ks_flow_hourly_init(&s->hours);
	char dir[4096], err[512];
	ks_cmd_flow_dir(stream, dir, sizeof dir);
	if (!(s->seg = ks_seg_writer_open(dir, NULL, err, sizeof err))) {
		ks_err("%s", err);
		return KS_EXIT_FAIL;
	}
	if (!(s->nf = ks_nf_new(NULL))) {
		ks_err("out of memory");
		return KS_EXIT_FAIL;
	}
	return 0;
}

static void sink_close(struct sink *s)
{
	ks_seg_writer_close(s->seg);
	ks_nf_free(s->nf);
	ks_flow_hourly_release(&s->hours);
	free(s->prev);
	free(s->rows);
}

/* Removes a stream's rows and segment files. */
static int stream_remove(struct ks_store *st, int64_t id)
{
	char dir[4096];
	ks_cmd_flow_dir(id, dir, sizeof dir);
	if (ks_seg_remove_all(dir) != 0 && errno != ENOENT) {
		ks_err("%s: cannot remove: %s", dir, strerror(errno));
		return KS_EXIT_FAIL;
	}
	if (ks_store_flow_stream_delete(st, id) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		return KS_EXIT_FAIL;
	}
	return 0;
}

/* ---- flow ingest ---------------------------------------------------------- */

/* Flushes a long ingest at this many buffered flows (bounded memory). */
#define INGEST_FLUSH_FLOWS (4u << 20)

static int ingest_one(struct ks_store *st, const char *path, int force, uint64_t *nflows)
{
	char err[600], hash[33], key[40];
	struct ks_capture *c;
	if (ks_capture_open_file(path, &c, err, sizeof err) != 0) {
		ks_err("%s", err);
		return KS_EXIT_DATA;
	}
	int stdin_stream = strcmp(path, "-") == 0;
	int64_t id;
	bool finished;
	if (!stdin_stream) {
		ks_capture_hash(c, hash);
		snprintf(key, sizeof key, "file:%s", hash);
		int fr = ks_store_flow_stream_find(st, key, &id, &finished);
		if (fr == 0 && finished && !force) {
			ks_info("%s: already ingested (stream %lld); skipped (--force replaces it)", path,
				(long long)id);
			ks_capture_close(c);
			return 0;
		}
		if (fr == 0) {
			if (!finished)
				ks_info("%s: an earlier ingest was interrupted; replacing it", path);
			int rr = stream_remove(st, id);
			if (rr != 0) {
				ks_capture_close(c);
				return rr;
			}
		}
	} else {
		/* stdin: the hash is known at the end; a temporary key until then */
		snprintf(key, sizeof key, "stdin:%lld.%d", (long long)ks_time_now_us(), (int)getpid());
	}
	int r = ks_store_flow_stream_create(st, key, path, "file", &id);
	if (r != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		ks_capture_close(c);
		return KS_EXIT_FAIL;
	}
	struct sink s;
	if ((r = sink_open(&s, st, id)) != 0)
		goto out;
	struct ks_decode_stats ds;
	memset(&ds, 0, sizeof ds);
	int lt = ks_capture_linktype(c);
	struct ks_frame fr;
	uint64_t skipped = 0, malformed = 0;
	int cr;
	while ((cr = ks_capture_next(c, &fr)) == 1) {
		if (stop_flag) {
			r = KS_EXIT_SIGNAL;
			goto out;
		}
		struct ks_pkt p;
		if (ks_decode(lt, fr.data, fr.caplen, fr.wirelen, &p, &ds) != KS_DECODE_OK || p.proto != 17 ||
		    !p.l4_ok || !p.payload) {
			skipped++;
			continue;
		}
		size_t avail = (size_t)(fr.data + fr.caplen - p.payload);
		size_t len = p.udp_len >= 8 ? p.udp_len - 8u : 0;
		if (len > avail)
			len = avail; /* cut by the snap length: the decoder sees the truncation */
		/* Other UDP traffic in the capture (DNS, ...) is not export data:
		 * only payloads that start with version 5, 9 or 10 are decoded. */
		if (len < 2 || p.payload[0] != 0 || (p.payload[1] != 5 && p.payload[1] != 9 && p.payload[1] != 10)) {
			skipped++;
			continue;
		}
		s.datagrams++;
		int dr = ks_nf_datagram(s.nf, &p.src, p.sport, fr.ts_us / 1000, p.payload, len, sink_flow, &s);
		if (dr == KS_ENOMEM) {
			ks_err("out of memory");
			r = KS_EXIT_FAIL;
			goto out;
		}
		if (dr != 0)
			malformed++;
		if (ks_seg_buffered(s.seg) >= INGEST_FLUSH_FLOWS && (r = sink_flush_now(&s)) != 0)
			goto out;
	}
	if (cr != KS_ENOENT) {
		ks_err("%s", ks_capture_error(c));
		r = KS_EXIT_DATA; /* what was read so far is kept: the stream is finished below */
	}
	int fr2 = sink_flush_now(&s);
	if (fr2 != 0) {
		r = fr2;
		goto out;
	}
	if (stdin_stream && ks_capture_hash(c, hash) == 0) {
		/* Now the content is known: the same bytes ingested before win
		 * unless --force; else this stream takes the content's key. */
		snprintf(key, sizeof key, "file:%s", hash);
		int64_t old;
		if (ks_store_flow_stream_find(st, key, &old, &finished) == 0) {
			if (finished && !force) {
				ks_info("%s: already ingested (stream %lld); skipped (--force replaces it)",
					path, (long long)old);
				sink_close(&s);
				ks_capture_close(c);
				return stream_remove(st, id);
			}
			if ((r = stream_remove(st, old)) != 0)
				goto out;
		}
		if (ks_store_flow_stream_set_hash(st, id, key) != 0) {
			ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
			r = KS_EXIT_FAIL;
			goto out;
		}
	}
	if (ks_store_flow_stream_finish(st, id) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
		goto out;
	}
	*nflows += s.flows;
	ks_info("%s: %llu export datagrams, %llu flows, %llu malformed datagrams, %llu other packets skipped",
		path, (unsigned long long)s.datagrams, (unsigned long long)s.flows,
		(unsigned long long)malformed, (unsigned long long)skipped);
out:
	sink_close(&s);
	ks_capture_close(c);
	return r;
}

int cmd_flow_ingest(int argc, char **argv)
{
	int force = 0;
	const struct ks_opt opts[] = {
		{"force", KS_OPT_FLAG, &force, NULL, "replace the earlier contribution of a file already ingested", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku flow ingest [--force] FILE...",
		"Reads NetFlow v5/v9 and IPFIX export packets (UDP) from pcap/pcapng files into the store.",
		"UDP payloads that start with version 5, 9 or 10 are decoded; other packets are counted and\n"
		"skipped. Each file is decoded on its own (templates do not carry over between files); its flows go\n"
		"to segment files under <db>.flows/ and its hourly sums and exporter counters to the store.\n"
		"A file already ingested is recognised by its content and skipped (--force replaces it);\n"
		"an ingest interrupted at any moment is replaced when run again. FILE '-' reads stdin.",
		1, 1u << 20};
	char **args = ks_xcalloc((size_t)argc + 1, sizeof *args);
	int nargs = 0;
	int r = ks_cmd_parse(opts, &h, argc, argv, args, &nargs);
	if (r >= 0) {
		free(args);
		return r;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0) {
		free(args);
		return KS_EXIT_FAIL;
	}
	uint64_t flows = 0;
	r = 0;
	for (int i = 0; i < nargs && r != KS_EXIT_FAIL && r != KS_EXIT_SIGNAL; i++) {
		int x = ingest_one(st, args[i], force, &flows);
		if (x != 0)
			r = x;
	}
	free(args);
	ks_store_close(st);
	return r;
}

/* ---- flow collect --------------------------------------------------------- */

/* Two threads: the receiving thread reads datagrams and decodes them; a
 * writer thread appends the flows to the segments, sums them and flushes.
 * They meet in a ring of batches: flows in decoding order, and flush
 * marks that carry the decoder's exporter counters as they were after the
 * last flow before the mark, so every flush stores exactly the counters of
 * the flows it wrote. A full ring makes the receiver wait (the socket
 * buffer takes up the slack); the writer owns the store until it stops. */

#define BATCH_FLOWS 16384 /* few thread hand-offs */
#define RING 16 /* batches: 16 x 16384 flows x 64 bytes = 16 MiB */

enum batch_kind { B_FLOWS, B_FLUSH, B_STOP };

struct batch {
	enum batch_kind kind;
	size_t n;
	struct ks_flow v[BATCH_FLOWS];
	struct ks_nf_exporter_stats *snap; /* B_FLUSH: owned by the batch until taken */
	size_t nsnap;
};

struct collect {
	struct sink s;               /* writer thread's (s.nf: the receiver's) */
	struct ks_flow_listen *l;
	struct batch *ring;
	size_t head, tail, used;     /* guarded by mu */
	pthread_mutex_t mu;
	pthread_cond_t nonempty, nonfull;
	int werr;                    /* writer's exit code once failed; guarded by mu */
	struct batch *cur;           /* receiver's batch being filled (ring slot) */
	uint64_t datagrams, flows, unflushed; /* receiver's counts */
	uint32_t retention;
};

/* Receiver: the next free slot, waiting while the ring is full. NULL when
 * the writer failed. */
static struct batch *slot_get(struct collect *c)
{
	pthread_mutex_lock(&c->mu);
	while (c->used == RING && !c->werr)
		pthread_cond_wait(&c->nonfull, &c->mu);
	struct batch *b = c->werr ? NULL : &c->ring[c->head];
	pthread_mutex_unlock(&c->mu);
	if (b) {
		b->kind = B_FLOWS;
		b->n = 0;
		b->snap = NULL;
	}
	return b;
}

static void slot_put(struct collect *c)
{
	pthread_mutex_lock(&c->mu);
	c->head = (c->head + 1) % RING;
	c->used++;
	pthread_cond_signal(&c->nonempty);
	pthread_mutex_unlock(&c->mu);
	c->cur = NULL;
}

/* Publishes the batch being filled, if any flows are in it. */
static int publish_flows(struct collect *c)
{
	if (c->cur && c->cur->n)
		slot_put(c);
	return 0;
}

/* Publishes a flush (or stop) mark with the decoder's counters now. */
static int publish_mark(struct collect *c, enum batch_kind kind)
{
	publish_flows(c);
	if (!c->cur && !(c->cur = slot_get(c)))
		return KS_EXIT_FAIL;
	c->cur->kind = kind;
	exporter_snapshot(c->s.nf, &c->cur->snap, &c->cur->nsnap);
	slot_put(c);
	c->unflushed = 0;
	return 0;
}

static int collect_flow(void *ctx, const struct ks_flow *f)
{
	struct collect *c = ctx;
	if (!c->cur && !(c->cur = slot_get(c)))
		return KS_EIO; /* the writer failed: stop */
	c->cur->v[c->cur->n++] = *f;
	c->flows++;
	c->unflushed++;
	if (c->cur->n == BATCH_FLOWS)
		slot_put(c);
	return 0;
}

static int on_datagram(void *ctx, const struct ks_addr *from, uint16_t port, const uint8_t *p, size_t n)
{
	struct collect *c = ctx;
	c->datagrams++;
	int r = ks_nf_datagram(c->s.nf, from, port, ks_time_now_us() / 1000, p, n, collect_flow, c);
	return r == KS_ENOMEM || r == KS_EIO ? r : 0; /* malformed: counted by the decoder */
}

/* Writer thread: retention once an hour, as the store's owner. */
static void expire_segments(struct collect *c, int64_t now_us)
{
	char dir[4096];
	uint64_t removed = 0;
	int64_t *ids;
	size_t nids;
	if (ks_store_flow_streams(c->s.st, &ids, &nids) != 0)
		return;
	for (size_t i = 0; i < nids; i++) {
		ks_cmd_flow_dir(ids[i], dir, sizeof dir);
		uint64_t rm = 0;
		ks_seg_expire(dir, now_us / 1000 - (int64_t)c->retention * 86400000, &rm);
		removed += rm;
	}
	free(ids);
	if (removed)
		ks_info("retention: %llu segment files older than %u days removed",
			(unsigned long long)removed, c->retention);
}

static void *writer_main(void *arg)
{
	struct collect *c = arg;
	int64_t next_expire = 0;
	for (int stop = 0; !stop;) {
		pthread_mutex_lock(&c->mu);
		while (c->used == 0)
			pthread_cond_wait(&c->nonempty, &c->mu);
		struct batch *b = &c->ring[c->tail];
		pthread_mutex_unlock(&c->mu);
		int r = 0;
		if (b->kind == B_FLOWS) {
			for (size_t i = 0; i < b->n && r == 0; i++)
				if (sink_flow(&c->s, &b->v[i]) != 0) {
					ks_err("out of memory");
					r = KS_EXIT_FAIL;
				}
		} else {
			r = sink_flush(&c->s, b->snap, b->nsnap);
			free(b->snap);
			b->snap = NULL;
			stop = b->kind == B_STOP;
			int64_t now = ks_time_now_us();
			if (r == 0 && c->retention && now >= next_expire) {
				expire_segments(c, now);
				next_expire = now + 3600LL * 1000000;
			}
		}
		pthread_mutex_lock(&c->mu);
		c->tail = (c->tail + 1) % RING;
		c->used--;
		if (r != 0) {
			c->werr = r;
			stop = 1;
		}
		pthread_cond_signal(&c->nonfull);
		pthread_mutex_unlock(&c->mu);
	}
	return NULL;
}

static void collect_summary(struct collect *c, double secs)
{
	uint64_t lost_p = 0, lost_f = 0, malformed = 0, nt = 0;
	for (size_t i = 0; i < ks_nf_exporter_count(c->s.nf); i++) {
		struct ks_nf_exporter_stats x;
		if (ks_nf_exporter_stats(c->s.nf, i, &x) != 0)
			continue;
		lost_p += x.lost_packets;
		lost_f += x.lost_flows;
		malformed += x.malformed;
		nt += x.no_template;
	}
	ks_info("collected %llu datagrams, %llu flows in %.1f s from %zu exporters; lost: %llu export "
		"packets, %llu flows (sequence numbers); %llu malformed, %llu records without template; "
		"kernel drops: %llu",
		(unsigned long long)c->datagrams, (unsigned long long)c->flows, secs,
		ks_nf_exporter_count(c->s.nf), (unsigned long long)lost_p, (unsigned long long)lost_f,
		(unsigned long long)malformed, (unsigned long long)nt,
		(unsigned long long)ks_flow_listen_drops(c->l));
}

int cmd_flow_collect(int argc, char **argv)
{
	const char *listen = KS_FLOW_DEFAULT_LISTEN, *names = NULL;
	uint32_t interval = 60, retention = 30, rcvbuf = 64u << 20, max_dgrams = 0, flush_flows = 1000000;
	const struct ks_opt opts[] = {
		{"listen", KS_OPT_STR, &listen, "[ADDR]:PORT", "where to receive export datagrams (default " KS_FLOW_DEFAULT_LISTEN ")", 0, 0},
		{"exporter-name", KS_OPT_STR, &names, "NAME|ADDR=NAME,...", "name shown for the exporters (all, or per address)", 0, 0},
		{"flush-interval", KS_OPT_U32, &interval, "S", "seconds between flushes to disk: the most a crash loses (default 60)", 1, 3600},
		{"flush-flows", KS_OPT_COUNT, &flush_flows, "N", "also flush when N flows are buffered: bounds memory (default 1m)", 1000, 100000000},
		{"retention", KS_OPT_U32, &retention, "DAYS", "keep raw flow segments this many days; 0 = forever (default 30)", 0, 36500},
		{"rcvbuf", KS_OPT_COUNT, &rcvbuf, "BYTES", "socket receive buffer (default 64m; raised over rmem_max as root)", 65536, 1u << 31},
		{"max-datagrams", KS_OPT_COUNT, &max_dgrams, "N", "stop after N datagrams (default: run until SIGINT/SIGTERM)", 0, 0xffffffffu},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku flow collect [--listen [ADDR]:PORT] [--exporter-name NAME] [options]",
		"Receives NetFlow v5, v9 and IPFIX over UDP and stores the flows until SIGINT/SIGTERM.",
		"Templates are kept per exporter and observation domain (source id) for 1800 s. Every\n"
		"--flush-interval seconds (or sooner, when --flush-flows are buffered), and when stopped,\n"
		"the buffered flows are written durably to segment files (<db>.flows/) and their hourly\n"
		"sums and exporter counters to the store: a crash or SIGKILL loses at most the flows of\n"
		"the last interval (docs/flow.md). Decoding and writing run on two threads.",
		0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	if (names && strchr(names, ',') && !strchr(names, '=')) {
		ks_err("--exporter-name '%s': expected NAME or ADDR=NAME[,ADDR=NAME...]", names);
		return KS_EXIT_USAGE;
	}
	struct collect *c = ks_xcalloc(1, sizeof *c);
	char err[512];
	if (ks_flow_listen_open(listen, (int)rcvbuf, &c->l, err, sizeof err) != 0) {
		ks_err("%s", err);
		free(c);
		return KS_EXIT_FAIL;
	}
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0) {
		ks_flow_listen_close(c->l);
		free(c);
		return KS_EXIT_FAIL;
	}
	char key[96];
	int64_t start_us = ks_time_now_us(), id;
	snprintf(key, sizeof key, "collect:%s:%lld.%d", ks_flow_listen_name(c->l), (long long)start_us,
		 (int)getpid());
	int started = 0;
	pthread_t wt;
	if (ks_store_flow_stream_create(st, key, ks_flow_listen_name(c->l), "collect", &id) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
		goto out;
	}
	if ((r = sink_open(&c->s, st, id)) != 0)
		goto out;
	if (strchr(names ? names : "", '='))
		c->s.name_map = names;
	else
		c->s.name_all = names;
	c->retention = retention;
	c->ring = ks_xcalloc(RING, sizeof(*c->ring));
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->nonempty, NULL);
	pthread_cond_init(&c->nonfull, NULL);
	if (pthread_create(&wt, NULL, writer_main, c) != 0) {
		ks_err("cannot start the writer thread: %s", strerror(errno));
		r = KS_EXIT_FAIL;
		goto out;
	}
	started = 1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ks_info("listening on %s (receive buffer %d bytes), stream %lld, flushing every %u s",
		ks_flow_listen_name(c->l), ks_flow_listen_rcvbuf(c->l), (long long)id, interval);
	int tty = isatty(2) && ks_log_level >= 0;
	int64_t next_flush = start_us + (int64_t)interval * 1000000, next_progress = start_us + 1000000;
	uint64_t last_flows = 0;
	while (!stop_flag && (!max_dgrams || c->datagrams < max_dgrams)) {
		int rr = ks_flow_listen_recv(c->l, 200, on_datagram, c);
		if (rr == KS_ENOMEM || rr == KS_ESYS) {
			ks_err("%s: %s", ks_flow_listen_name(c->l),
			       rr == KS_ENOMEM ? "out of memory" : strerror(errno));
			r = KS_EXIT_FAIL;
			break;
		}
		if (rr == KS_EIO)
			break; /* the writer failed and said why */
		int64_t now = ks_time_now_us();
		if (now >= next_flush || c->unflushed >= flush_flows) {
			if (publish_mark(c, B_FLUSH) != 0)
				break;
			next_flush = now + (int64_t)interval * 1000000;
		} else if (rr == 0) {
			publish_flows(c); /* a quiet moment: let the writer have what there is */
		}
		if (tty && now >= next_progress) {
			fprintf(stderr, "\r%llu datagrams, %llu flows, %.0f flows/s   ",
				(unsigned long long)c->datagrams, (unsigned long long)c->flows,
				(double)(c->flows - last_flows));
			last_flows = c->flows;
			next_progress = now + 1000000;
		}
	}
	if (tty)
		fputc('\n', stderr);
	if (r == 0) /* what the kernel already holds, then the last flush */
		while (ks_flow_listen_recv(c->l, 0, on_datagram, c) > 0)
			;
	publish_mark(c, B_STOP); /* fails only when the writer already stopped */
out:
	if (started) {
		pthread_join(wt, NULL);
		if (c->werr && r == 0)
			r = c->werr;
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->nonempty);
		pthread_cond_destroy(&c->nonfull);
	}
	if (r == 0 && ks_store_flow_stream_finish(st, id) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
	}
	if (c->s.nf)
		collect_summary(c, (double)(ks_time_now_us() - start_us) / 1e6);
	if (c->ring)
		for (size_t i = 0; i < RING; i++)
			free(c->ring[i].snap);
	free(c->ring);
	sink_close(&c->s);
	ks_store_close(st);
	ks_flow_listen_close(c->l);
	free(c);
	return r;
}
