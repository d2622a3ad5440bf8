/* SPDX-License-Identifier: BSD-2-Clause */
/* Hot loop of darknet ingest and capture; see darknet_run.h. */
#include "darknet_run.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ks_err.h"

static int64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void progress(const struct ks_dn_run_stats *st, const struct ks_dn_agg *agg, int64_t t0,
		     int64_t now)
{
	struct ks_dn_agg_stats as;
	ks_dn_agg_stats(agg, &as);
	double secs = (double)(now - t0) / 1e6;
	fprintf(stderr, "\r  %llu packets  %.2f Mpps  %llu darknet  %llu malformed  %llu source-hours   ",
		(unsigned long long)st->frames, secs > 0 ? (double)st->frames / secs / 1e6 : 0.0,
		(unsigned long long)st->darknet, (unsigned long long)st->malformed,
		(unsigned long long)as.sources_held);
}

/* Decodes and classifies one frame, updating st: 0 with *it filled for a
 * darknet packet; KS_DNC_OUTSIDE, KS_DNC_MALFORMED or KS_DNC_NON_IP for a
 * frame only counted; -1 if the link type is not supported. */
static inline int one_frame(int lt, const struct ks_pset *dn, const struct ks_frame *f,
			    struct ks_dn_run_stats *st, struct ks_dn_item *it)
{
	st->frames++;
	if (st->frames == 1 || f->ts_us < st->first_us)
		st->first_us = f->ts_us;
	if (f->ts_us > st->last_us)
		st->last_us = f->ts_us;
	enum ks_decode_result d = ks_decode(lt, f->data, f->caplen, f->wirelen, &it->pkt, &st->dec);
	if (d == KS_DECODE_OK) {
		const struct ks_pkt *pkt = &it->pkt;
		int in = pkt->ipver == 4 ? ks_pset_has_v4(dn, ks_addr_v4(&pkt->dst))
					 : ks_pset_lookup(dn, &pkt->dst, NULL);
		if (!in) {
			st->outside++;
			return KS_DNC_OUTSIDE;
		}
		unsigned tags;
		enum ks_dn_class c = ks_dn_classify(pkt, &tags);
		st->darknet++;
		st->cls[c]++;
		it->ts_us = f->ts_us;
		it->cls = (uint8_t)c;
		it->tags = (uint8_t)tags;
		return 0;
	}
	if (d == KS_DECODE_MALFORMED) {
		st->malformed++;
		return KS_DNC_MALFORMED;
	}
	if (d == KS_DECODE_NOT_IP) {
		st->non_ip++;
		return KS_DNC_NON_IP;
	}
	return -1;
}

static void unsupported(struct ks_capture *cap, int lt, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: link type %d (%s) is not supported; expected Ethernet, "
			      "Linux SLL/SLL2, raw IP or BSD NULL/LOOP",
		 ks_capture_name(cap), lt, ks_capture_linktype_name(cap));
}

/* ---- reading and decoding in a second thread (files only) ----
 *
 * The reader thread fills blocks of frames, each a darknet item or a
 * counter event (cls = EVENT, tags = the counter), and the calling thread
 * counts them into the aggregator in order. A ring of NBLOCK blocks under
 * one mutex; a block changes hands every BLOCK frames. */
#define BLOCK 2048
#define NBLOCK 8
#define EVENT 0xff

struct block {
	struct ks_dn_item v[BLOCK];
	uint32_t n;
};

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct block *b; /* NBLOCK */
	uint64_t head, tail; /* blocks produced, consumed */
	int done;            /* the reader has finished */
	int abort;           /* the consumer gives up (an aggregation error) */
	int rwait, cwait;    /* the reader, the consumer is waiting: wake it */
	int rc;              /* the reader's result: 0, KS_EIO or KS_EINVAL */
	struct ks_capture *cap;
	const struct ks_dn_run_opts *o;
	struct ks_dn_run_stats *st;
	char *err;
	size_t errlen;
};

static void *reader_main(void *arg)
{
	struct pipe *p = arg;
	const int lt = ks_capture_linktype(p->cap);
	struct ks_frame f;
	int rc = 0;
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->head - p->tail == NBLOCK && !p->abort) {
			p->rwait = 1;
			pthread_cond_wait(&p->cv, &p->mu);
		}
		p->rwait = 0;
		int stop = p->abort;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		struct block *b = &p->b[p->head % NBLOCK];
		b->n = 0;
		int end = 0;
		while (b->n < BLOCK) {
			if (p->o->stop && *p->o->stop) {
				end = 1;
				break;
			}
			int r = ks_capture_next(p->cap, &f);
			if (r != 1) {
				if (r != KS_ENOENT)
					rc = KS_EIO;
				end = 1;
				break;
			}
			struct ks_dn_item *it = &b->v[b->n];
			int k = one_frame(lt, p->o->darknet, &f, p->st, it);
			if (k < 0) {
				unsupported(p->cap, lt, p->err, p->errlen);
				rc = KS_EINVAL;
				end = 1;
				break;
			}
			if (k > 0) {
				it->cls = EVENT;
				it->tags = (uint8_t)k;
				it->ts_us = f.ts_us;
			}
			b->n++;
		}
		pthread_mutex_lock(&p->mu);
		if (b->n)
			p->head++;
		if (end) {
			p->done = 1;
			p->rc = rc;
		}
		if (p->cwait || end)
			pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
		if (end)
			break;
	}
	pthread_mutex_lock(&p->mu);
	p->done = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Counts one block into agg: runs of darknet items in batches, events
 * one by one, in order. */
static int count_block(struct ks_dn_agg *agg, const struct block *b, uint64_t *frames)
{
	uint32_t i = 0;
	while (i < b->n) {
		if (b->v[i].cls == EVENT) {
			ks_dn_agg_count(agg, b->v[i].tags, b->v[i].ts_us);
			i++;
			continue;
		}
		uint32_t j = i;
		while (j < b->n && j - i < KS_DN_BATCH && b->v[j].cls != EVENT)
			j++;
		int r = ks_dn_agg_add_batch(agg, &b->v[i], j - i);
		if (r != 0)
			return r;
		i = j;
	}
	*frames += b->n;
	return 0;
}

static int run_threaded(struct ks_capture *cap, struct ks_dn_agg *agg, const struct ks_dn_run_opts *o,
			struct ks_dn_run_stats *st, char *err, size_t errlen, int *started)
{
	struct pipe p;
	memset(&p, 0, sizeof p);
	p.b = malloc(NBLOCK * sizeof *p.b);
	if (!p.b)
		return 0;
	p.cap = cap, p.o = o, p.st = st, p.err = err, p.errlen = errlen;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	pthread_t tid;
	if (pthread_create(&tid, NULL, reader_main, &p) != 0) {
		pthread_cond_destroy(&p.cv);
		pthread_mutex_destroy(&p.mu);
		free(p.b);
		return 0;
	}
	*started = 1;
	int tty = o->progress && isatty(STDERR_FILENO);
	int64_t t0 = mono_us(), next_progress = t0 + 1000000;
	uint64_t frames = 0;
	int r = 0;
	for (;;) {
		pthread_mutex_lock(&p.mu);
		while (p.head == p.tail && !p.done) {
			p.cwait = 1;
			pthread_cond_wait(&p.cv, &p.mu);
		}
		p.cwait = 0;
		if (p.head == p.tail) {
			pthread_mutex_unlock(&p.mu);
			break;
		}
		struct block *b = &p.b[p.tail % NBLOCK];
		pthread_mutex_unlock(&p.mu);
		r = count_block(agg, b, &frames);
		pthread_mutex_lock(&p.mu);
		p.tail++;
		if (r != 0)
			p.abort = 1;
		/* a waiting reader is woken when half the ring is free, so that
		 * it fills several blocks per wake-up */
		if (r != 0 || (p.rwait && p.head - p.tail <= NBLOCK / 2))
			pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
		if (r != 0)
			break;
		if (tty && mono_us() >= next_progress) {
			/* the reader owns st while it runs: a line of our own */
			struct ks_dn_agg_stats as;
			ks_dn_agg_stats(agg, &as);
			double secs = (double)(mono_us() - t0) / 1e6;
			fprintf(stderr, "\r  %llu packets  %.2f Mpps  %llu source-hours   ",
				(unsigned long long)frames, secs > 0 ? (double)frames / secs / 1e6 : 0.0,
				(unsigned long long)as.sources_held);
			next_progress = mono_us() + 1000000;
		}
	}
	pthread_join(tid, NULL);
	if (tty && mono_us() - t0 >= 1000000) {
		progress(st, agg, t0, mono_us());
		fputc('\n', stderr);
	}
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	free(p.b);
	return r != 0 ? r : p.rc;
}

int ks_dn_run(struct ks_capture *cap, struct ks_dn_agg *agg, const struct ks_dn_run_opts *o,
	      struct ks_dn_run_stats *st, char *err, size_t errlen)
{
	if (o->reader_thread && !o->interval_us) {
		int started = 0, r = run_threaded(cap, agg, o, st, err, errlen, &started);
		if (started)
			return r;
		/* no thread (no memory): read here */
	}
	const int lt = ks_capture_linktype(cap);
	const struct ks_pset *dn = o->darknet;
	int64_t t0 = mono_us(), next_progress = t0 + 1000000;
	int64_t next_interval = o->interval_us ? t0 + o->interval_us : INT64_MAX;
	struct ks_frame f;
	int r = 0, rc;
	int tty = o->progress && isatty(STDERR_FILENO);

	int draining = 0;
	struct ks_dn_item batch[KS_DN_BATCH];
	size_t nb = 0;
	for (;;) {
		/* Stopping a live capture first reads what the kernel already
		 * holds, so that every packet it delivered is counted. */
		if (o->stop && *o->stop && !draining) {
			if (!o->interval_us)
				break;
			draining = 1;
		}
		rc = ks_capture_next(cap, &f);
		if (draining && rc != 1)
			break;
		if (rc == 1) {
			int k = one_frame(lt, dn, &f, st, &batch[nb]);
			if (k == 0) {
				if (++nb == KS_DN_BATCH) {
					r = ks_dn_agg_add_batch(agg, batch, nb);
					nb = 0;
					if (r != 0)
						break;
				}
			} else if (k > 0) {
				ks_dn_agg_count(agg, k, f.ts_us);
			} else {
				unsupported(cap, lt, err, errlen);
				r = KS_EINVAL;
				break;
			}
			if ((st->frames & 0xffff) != 0)
				continue;
		} else if (rc == KS_ENOENT) {
			break;
		} else if (rc < 0) {
			r = KS_EIO;
			break;
		}
		/* every 65536 frames, and on every live read timeout */
		int64_t now = mono_us();
		if (tty && now >= next_progress) {
			progress(st, agg, t0, now);
			next_progress = now + 1000000;
		}
		if (now >= next_interval) {
			r = ks_dn_agg_add_batch(agg, batch, nb);
			nb = 0;
			if (r == 0)
				r = o->on_interval(o->ctx);
			if (r != 0)
				break;
			next_interval = now + o->interval_us;
		}
	}
	/* Pending packets are counted on every way out, errors included, so
	 * that what the caller commits holds every packet read. */
	if (nb) {
		int r2 = ks_dn_agg_add_batch(agg, batch, nb);
		if (r == 0)
			r = r2;
	}
	if (tty && mono_us() - t0 >= 1000000) {
		progress(st, agg, t0, mono_us());
		fputc('\n', stderr);
	}
	return r;
}
