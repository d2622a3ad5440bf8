/* SPDX-License-Identifier: BSD-2-Clause */
/* Darknet aggregation tables; see darknet_agg.h for the contract.
 *
 * The source table is an entry array plus an open-addressing index of
 * 32-bit entry numbers (load factor <= 1/2), so entries never move and the
 * index stays small. No per-packet allocation happens except when a
 * per-source set or port map grows, which is bounded by the per-source caps.
 * A one-entry cache catches the common run of packets from one source. */
#include "darknet_agg.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ks_err.h"

static const char *const counter_names[KS_DNC__N] = {
	"darknet", "malformed", "outside", "non_ip", "darknet_v4",
};

const char *ks_dn_counter_name(int c)
{
	return c >= 0 && c < KS_DNC__N ? counter_names[c] : "?";
}

/* u64 key -> nv counters, open addressing, grows by doubling. Keys are
 * stored +1 so that 0 marks an empty slot. */
struct tab64 {
	uint64_t *keys, *vals;
	uint32_t nv, cap, n;
};

static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

static int tab64_grow(struct tab64 *t)
{
	uint32_t ncap = t->cap ? t->cap * 2 : 256;
	uint64_t *k = calloc(ncap, sizeof *k), *v = calloc((size_t)ncap * t->nv, sizeof *v);
	if (!k || !v) {
		free(k);
		free(v);
		return KS_ENOMEM;
	}
	for (uint32_t i = 0; i < t->cap; i++) {
		if (!t->keys[i])
			continue;
		uint32_t j = (uint32_t)mix64(t->keys[i]) & (ncap - 1);
		while (k[j])
			j = (j + 1) & (ncap - 1);
		k[j] = t->keys[i];
		memcpy(v + (size_t)j * t->nv, t->vals + (size_t)i * t->nv, t->nv * sizeof *v);
	}
	free(t->keys);
	free(t->vals);
	t->keys = k, t->vals = v, t->cap = ncap;
	return 0;
}

/* Counters of key, created zeroed; NULL on OOM. */
static uint64_t *tab64_get(struct tab64 *t, uint64_t key)
{
	if ((t->n + 1) * 2 > t->cap && tab64_grow(t) != 0)
		return NULL;
	uint64_t k = key + 1;
	uint32_t i = (uint32_t)mix64(k) & (t->cap - 1);
	while (t->keys[i] && t->keys[i] != k)
		i = (i + 1) & (t->cap - 1);
	if (!t->keys[i]) {
		t->keys[i] = k;
		t->n++;
	}
	return t->vals + (size_t)i * t->nv;
}

static void tab64_clear(struct tab64 *t)
{
	if (t->cap) {
		memset(t->keys, 0, t->cap * sizeof *t->keys);
		memset(t->vals, 0, (size_t)t->cap * t->nv * sizeof *t->vals);
	}
	t->n = 0;
}

static void tab64_release(struct tab64 *t)
{
	free(t->keys);
	free(t->vals);
}

struct dest_ent {
	struct ks_addr addr;
	uint64_t cls[KS_DN__NCLASS];
};

/* Open-addressing index over an entry array. A slot holds the upper 32
 * bits of the key's hash (the tag) and the entry number + 1, so a probe
 * touches an entry only when its tag matches. The index starts small and
 * doubles at load 1/2 up to `max` slots, so that it stays in cache while the
 * table is small. */
struct index {
	uint64_t *slot;
	uint32_t mask, max;
};

static int index_init(struct index *ix, uint32_t max)
{
	ix->max = max;
	ix->mask = (max < 4096 ? max : 4096) - 1;
	ix->slot = calloc((size_t)ix->mask + 1, sizeof *ix->slot);
	return ix->slot ? 0 : KS_ENOMEM;
}

static inline uint64_t *index_home(const struct index *ix, uint64_t h)
{
	return &ix->slot[(uint32_t)h & ix->mask];
}

static inline void index_put(struct index *ix, uint64_t h, uint32_t entry)
{
	uint32_t i = (uint32_t)h & ix->mask;
	while (ix->slot[i])
		i = (i + 1) & ix->mask;
	ix->slot[i] = (h >> 32) << 32 | (entry + 1);
}

static void index_clear(struct index *ix)
{
	memset(ix->slot, 0, ((size_t)ix->mask + 1) * sizeof *ix->slot);
}

/* A source table with its destination log. */
struct srctab {
	struct ks_dn_src *src; /* lim.max_sources entries, 64-byte aligned in src_mem */
	void *src_mem;
	struct index sidx;
	uint32_t nsrc;
	uint64_t *log; /* entry << 32 | destination key, one per probe packet */
	uint32_t nlog;
	uint64_t dests_saturated; /* added to the stats when the table is handed back */
	uint32_t *keys;           /* destinations already settled (see flush), or NULL */
};

/* The writer thread (ks_dn_agg_start_writer): it takes a full source table
 * (job), hands it to the sink and empties it, while the aggregating thread
 * goes on with the other table. Everything it touches besides the job is
 * the sink; the aggregating thread calls the sink only after wait_idle(). */
struct writer {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct srctab *job; /* set by the aggregating thread, cleared by the writer */
	int err;            /* first sink error, returned by the next add/flush */
	int quit, running;
};

struct ks_dn_agg {
	struct ks_dn_limits lim;
	const struct ks_dn_sink *sink;
	struct srctab tab[2];
	struct srctab *cur;     /* the table being filled */
	struct ks_dn_src *last; /* cache: last entry used */
	uint32_t max_hour;      /* largest hour counted into cur (writer mode) */
	struct writer w;
	/* direct table: packets per class of the IPv4 addresses
	 * [dfirst, dfirst + dcount), indexed by address - dfirst */
	uint64_t (*dtab)[KS_DN__NCLASS];
	uint32_t dfirst, dcount;
	struct dest_ent *dst;
	struct index didx;
	uint32_t ndst;
	struct tab64 port_hour; /* hour << 24 | proto << 16 | port -> packets */
	struct tab64 counters;  /* hour -> KS_DNC__N counters */
	uint64_t cnt_hour;      /* cache of the last counters row: hour + 1, 0 = none */
	uint64_t *cnt_row;
	struct ks_dn_agg_stats st;
};

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t c = 16;
	while (c < n && c < (1u << 31))
		c <<= 1;
	return c;
}

static inline uint64_t addr_hash(const struct ks_addr *x, uint64_t salt)
{
	uint64_t lo, hi;
	memcpy(&hi, x->b, 8);
	memcpy(&lo, x->b + 8, 8);
	return mix64(lo ^ (hi * 0x9E3779B97F4A7C15ull) ^ (salt << 1));
}

/* Zeroed memory for a large table, from its own mapping: pages are only
 * allocated as they are touched, and given back whole on release.
 * (Transparent huge pages were tried for the TLB misses of random
 * probes: on the benchmark machine they cost more system time, zeroing
 * 2 MiB at a time, than they saved.) NULL on failure. */
static void *big_alloc(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void big_free(void *p, size_t n)
{
	if (p)
		munmap(p, n);
}

static size_t src_bytes(const struct ks_dn_limits *lim)
{
	return (size_t)lim->max_sources * sizeof(struct ks_dn_src);
}

/* Entry arrays and the log are sized for their caps, but pages are only
 * allocated as they fill. Source entries are 64-byte aligned (mappings
 * are page-aligned), so that each spans exactly two cache lines. */
static int srctab_init(struct srctab *t, const struct ks_dn_limits *lim)
{
	t->src = t->src_mem = big_alloc(src_bytes(lim));
	t->log = big_alloc((size_t)lim->max_log * sizeof *t->log);
	if (!t->src || !t->log)
		return KS_ENOMEM;
	return index_init(&t->sidx, pow2_at_least((uint64_t)lim->max_sources * 2));
}

struct ks_dn_agg *ks_dn_agg_new(const struct ks_dn_limits *lim, const struct ks_dn_sink *sink)
{
	struct ks_dn_agg *a = calloc(1, sizeof *a);
	if (!a)
		return NULL;
	a->lim = *lim;
	if (a->lim.max_sources < 1)
		a->lim.max_sources = 1;
	if (a->lim.max_dests < 1)
		a->lim.max_dests = 1;
	a->sink = sink;
	if (a->lim.max_log < 1)
		a->lim.max_log = 1;
	a->cur = &a->tab[0];
	a->dst = big_alloc((size_t)a->lim.max_dests * sizeof *a->dst);
	a->port_hour.nv = 1;
	a->counters.nv = KS_DNC__N;
	if (srctab_init(&a->tab[0], &a->lim) != 0 || !a->dst ||
	    index_init(&a->didx, pow2_at_least((uint64_t)a->lim.max_dests * 2)) != 0) {
		ks_dn_agg_free(a);
		return NULL;
	}
	return a;
}

static void release_sources(struct srctab *t)
{
	for (uint32_t i = 0; i < t->nsrc; i++)
		ks_u32map_release(&t->src[i].ports);
}

static void srctab_release(struct srctab *t, const struct ks_dn_limits *lim)
{
	if (t->src)
		release_sources(t);
	big_free(t->src_mem, src_bytes(lim));
	big_free(t->log, (size_t)lim->max_log * sizeof *t->log);
	free(t->sidx.slot);
	free(t->keys);
}

static void writer_stop(struct ks_dn_agg *a);

void ks_dn_agg_free(struct ks_dn_agg *a)
{
	if (!a)
		return;
	writer_stop(a);
	srctab_release(&a->tab[0], &a->lim);
	srctab_release(&a->tab[1], &a->lim);
	big_free(a->dst, (size_t)a->lim.max_dests * sizeof *a->dst);
	big_free(a->dtab, (size_t)a->dcount * sizeof *a->dtab);
	free(a->didx.slot);
	tab64_release(&a->port_hour);
	tab64_release(&a->counters);
	free(a);
}

uint32_t ks_dn_dest_key(const struct ks_addr *x)
{
	if (ks_addr_is_v4(x))
		return ks_addr_v4(x);
	return (uint32_t)addr_hash(x, 0x6);
}

static inline uint64_t src_hash(const struct ks_addr *addr, uint32_t hour)
{
	return addr_hash(addr, hour);
}

static inline uint64_t dst_hash(const struct ks_addr *addr)
{
	return addr_hash(addr, 0);
}

static uint64_t src_hash_at(const void *tab, uint32_t i)
{
	const struct srctab *t = tab;
	return src_hash(&t->src[i].addr, t->src[i].hour);
}

static uint64_t dst_hash_at(const void *agg, uint32_t i)
{
	const struct ks_dn_agg *a = agg;
	return dst_hash(&a->dst[i].addr);
}

/* Doubles an index over n entries, re-inserting each; hash_at gives the
 * hash of entry i of a (hashes are not stored, to keep entries small). */
static int index_grow(struct index *ix, const void *a, uint32_t n,
		      uint64_t (*hash_at)(const void *, uint32_t))
{
	uint32_t ncap = (ix->mask + 1) * 2;
	uint64_t *t = calloc(ncap, sizeof *t);
	if (!t)
		return KS_ENOMEM;
	free(ix->slot);
	ix->slot = t;
	ix->mask = ncap - 1;
	for (uint32_t i = 0; i < n; i++)
		index_put(ix, hash_at(a, i), i);
	return 0;
}

/* True when adding an entry to an index holding n would pass load 1/2 and
 * the index may still grow. */
static inline int index_wants_growth(const struct index *ix, uint32_t n)
{
	return (uint64_t)(n + 1) * 2 > (uint64_t)ix->mask + 1 && ix->mask + 1 < ix->max;
}

/* Sorts the destination log out per entry: a counting sort by entry (each
 * entry's nlog becomes its end offset in keys), then each entry's slice is
 * sorted and deduplicated, and its dests point into keys. */
static int settle_dests(struct srctab *a, uint32_t max_dests, uint32_t **keys_out)
{
	/* The scatter runs on a compact array of end offsets (4 bytes an
	 * entry, cache-resident) rather than on the 128-byte entries. */
	uint32_t *keys = malloc(((size_t)a->nlog + 1) * sizeof *keys), *tmp = NULL;
	uint32_t *pos = malloc(((size_t)a->nsrc + 1) * sizeof *pos);
	size_t tmp_cap = 0;
	if (!keys || !pos) {
		free(keys);
		free(pos);
		return KS_ENOMEM;
	}
	uint32_t off = 0;
	for (uint32_t i = 0; i < a->nsrc; i++) {
		pos[i] = off;
		off += a->src[i].nlog;
	}
	for (uint32_t j = 0; j < a->nlog; j++)
		keys[pos[a->log[j] >> 32]++] = (uint32_t)a->log[j];
	uint32_t start = 0;
	for (uint32_t i = 0; i < a->nsrc; i++) {
		struct ks_dn_src *e = &a->src[i];
		uint32_t n = pos[i] - start, *v = keys + start;
		start = pos[i];
		if (n > KS_SORT_SMALL && n > tmp_cap) {
			free(tmp);
			tmp_cap = n;
			if (!(tmp = malloc(tmp_cap * sizeof *tmp))) {
				free(keys);
				free(pos);
				return KS_ENOMEM;
			}
		}
		ks_sort_u32(v, n, tmp);
		n = (uint32_t)ks_unique_u32(v, n);
		if (n > max_dests) {
			a->dests_saturated += n - max_dests;
			n = max_dests;
			e->dests_saturated = 1;
		}
		e->dests = v;
		e->ndests = n;
	}
	free(tmp);
	free(pos);
	*keys_out = keys;
	return 0;
}

/* Hands every entry of t to the sink and empties t. */
static int write_table(struct srctab *t, const struct ks_dn_sink *sink, uint32_t max_dests)
{
	uint32_t *keys = t->keys;
	int r = 0;
	t->keys = NULL;
	if (!keys)
		r = settle_dests(t, max_dests, &keys);
	for (uint32_t i = 0; i < t->nsrc && r == 0; i++)
		r = sink->source(sink->ctx, &t->src[i]);
	free(keys);
	t->nlog = 0;
	release_sources(t);
	memset(t->src, 0, (size_t)t->nsrc * sizeof *t->src);
	index_clear(&t->sidx);
	t->nsrc = 0;
	return r;
}

static void *writer_main(void *arg)
{
	struct ks_dn_agg *a = arg;
	struct writer *w = &a->w;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->job && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->job)
			break;
		struct srctab *t = w->job;
		int skip = w->err != 0; /* after an error the store is rolled back anyway */
		pthread_mutex_unlock(&w->mu);
		int r = 0;
		if (!skip) {
			r = write_table(t, a->sink, a->lim.max_dests_per_source);
		} else {
			free(t->keys);
			t->keys = NULL;
			release_sources(t);
			memset(t->src, 0, (size_t)t->nsrc * sizeof *t->src);
			index_clear(&t->sidx);
			t->nsrc = t->nlog = 0;
		}
		pthread_mutex_lock(&w->mu);
		if (r != 0 && !w->err)
			w->err = r;
		w->job = NULL;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Waits until the writer holds no table; returns its first error. */
static int wait_idle(struct ks_dn_agg *a)
{
	struct writer *w = &a->w;
	if (!w->running)
		return 0;
	pthread_mutex_lock(&w->mu);
	while (w->job)
		pthread_cond_wait(&w->cv, &w->mu);
	int r = w->err;
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < 2; i++) {
		a->st.dests_saturated += a->tab[i].dests_saturated;
		a->tab[i].dests_saturated = 0;
	}
	return r;
}

static void writer_stop(struct ks_dn_agg *a)
{
	struct writer *w = &a->w;
	if (!w->running)
		return;
	pthread_mutex_lock(&w->mu);
	w->quit = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->tid, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->running = 0;
}

int ks_dn_agg_start_writer(struct ks_dn_agg *a)
{
	if (a->w.running)
		return 0;
	if (srctab_init(&a->tab[1], &a->lim) != 0)
		return KS_ENOMEM;
	pthread_mutex_init(&a->w.mu, NULL);
	pthread_cond_init(&a->w.cv, NULL);
	if (pthread_create(&a->w.tid, NULL, writer_main, a) != 0) {
		pthread_cond_destroy(&a->w.cv);
		pthread_mutex_destroy(&a->w.mu);
		return KS_ESYS;
	}
	a->w.running = 1;
	return 0;
}

/* Empties the current table: with a writer, hands it over (after the
 * previous one is done) and continues with the other table; without one,
 * writes it here. */
static int flush_sources(struct ks_dn_agg *a)
{
	int r;
	a->last = NULL;
	if (!a->w.running) {
		r = write_table(a->cur, a->sink, a->lim.max_dests_per_source);
		a->st.dests_saturated += a->cur->dests_saturated;
		a->cur->dests_saturated = 0;
		return r;
	}
	if ((r = wait_idle(a)) != 0)
		return r;
	if (a->cur->nsrc == 0)
		return 0;
	pthread_mutex_lock(&a->w.mu);
	a->w.job = a->cur;
	pthread_cond_broadcast(&a->w.cv);
	pthread_mutex_unlock(&a->w.mu);
	a->cur = a->cur == &a->tab[0] ? &a->tab[1] : &a->tab[0];
	a->max_hour = 0;
	return 0;
}

static int flush_dests(struct ks_dn_agg *a)
{
	int r = wait_idle(a); /* the sink is not called from two threads at once */
	for (uint32_t i = 0; i < a->dcount && r == 0; i++) {
		uint64_t *c = a->dtab[i], any = 0;
		for (int k = 0; k < KS_DN__NCLASS; k++)
			any |= c[k];
		if (!any)
			continue;
		struct ks_addr x;
		ks_addr_from_v4(&x, a->dfirst + i);
		r = a->sink->dest(a->sink->ctx, &x, c);
		memset(c, 0, sizeof a->dtab[i]);
	}
	for (uint32_t i = 0; i < a->ndst && r == 0; i++)
		r = a->sink->dest(a->sink->ctx, &a->dst[i].addr, a->dst[i].cls);
	memset(a->dst, 0, (size_t)a->ndst * sizeof *a->dst);
	index_clear(&a->didx);
	a->ndst = 0;
	return r;
}

static int find_source(struct ks_dn_agg *a, const struct ks_addr *addr, uint32_t hour, uint64_t h,
		       struct ks_dn_src **out)
{
	struct ks_dn_src *e = a->last;
	if (e && e->hour == hour && memcmp(e->addr.b, addr->b, 16) == 0) {
		*out = e;
		return 0;
	}
	struct srctab *t = a->cur;
	const uint64_t tag = h >> 32;
	for (uint32_t i = (uint32_t)h & t->sidx.mask;; i = (i + 1) & t->sidx.mask) {
		uint64_t v = t->sidx.slot[i];
		if (!v)
			break;
		if (v >> 32 != tag)
			continue;
		e = &t->src[(uint32_t)v - 1];
		if (e->hour == hour && memcmp(e->addr.b, addr->b, 16) == 0) {
			*out = a->last = e;
			return 0;
		}
	}
	int r;
	if (t->nsrc == a->lim.max_sources) {
		a->st.source_flushes++;
		if ((r = flush_sources(a)) != 0)
			return r;
		t = a->cur;
	}
	if (index_wants_growth(&t->sidx, t->nsrc) &&
	    (r = index_grow(&t->sidx, t, t->nsrc, src_hash_at)) != 0)
		return r;
	e = &t->src[t->nsrc];
	index_put(&t->sidx, h, t->nsrc++);
	e->addr = *addr;
	e->hour = hour;
	e->first_us = INT64_MAX; /* any packet time, even 0, replaces these */
	e->last_us = INT64_MIN;
	*out = a->last = e;
	return 0;
}

static int add_dest(struct ks_dn_agg *a, const struct ks_addr *addr, uint64_t h, enum ks_dn_class cls)
{
	const uint64_t tag = h >> 32;
	for (uint32_t i = (uint32_t)h & a->didx.mask;; i = (i + 1) & a->didx.mask) {
		uint64_t v = a->didx.slot[i];
		if (!v)
			break;
		struct dest_ent *e = &a->dst[(uint32_t)v - 1];
		if (v >> 32 == tag && memcmp(e->addr.b, addr->b, 16) == 0) {
			e->cls[cls]++;
			return 0;
		}
	}
	int r;
	if (a->ndst == a->lim.max_dests && (r = flush_dests(a)) != 0)
		return r;
	if (index_wants_growth(&a->didx, a->ndst) &&
	    (r = index_grow(&a->didx, a, a->ndst, dst_hash_at)) != 0)
		return r;
	struct dest_ent *e = &a->dst[a->ndst];
	index_put(&a->didx, h, a->ndst++);
	e->addr = *addr;
	e->cls[cls] = 1;
	return 0;
}

static inline uint32_t hour_of(int64_t ts_us)
{
	/* Timestamps before 1970 land in hour 0; pcap cannot express them anyway. */
	return ts_us <= 0 ? 0 : (uint32_t)(ts_us / 3600000000LL);
}

/* Counters row of an hour; the last one is cached (rows move when the
 * table grows, which resets the cache). */
static uint64_t *counters_of(struct ks_dn_agg *a, uint32_t hour)
{
	if (a->cnt_hour == (uint64_t)hour + 1)
		return a->cnt_row;
	uint32_t cap = a->counters.cap;
	uint64_t *c = tab64_get(&a->counters, hour);
	if (!c)
		return NULL;
	if (a->counters.cap != cap)
		a->cnt_hour = 0;
	a->cnt_hour = (uint64_t)hour + 1;
	a->cnt_row = c;
	return c;
}

void ks_dn_agg_count(struct ks_dn_agg *a, int counter, int64_t ts_us)
{
	uint64_t *c = counters_of(a, hour_of(ts_us));
	if (c)
		c[counter]++;
}

/* One packet, its hashes already computed. */
static int add_one(struct ks_dn_agg *a, const struct ks_pkt *p, enum ks_dn_class cls, unsigned tags,
		   int64_t ts_us, uint32_t hour, uint64_t hs, uint64_t hd)
{
	struct ks_dn_src *e;
	int r;
	/* A full log is handed over with the sources it refers to. With a
	 * writer, so is the table when the first packet of a later hour
	 * arrives: its hours are then complete (unless packets come out of
	 * order, which only splits a source-hour into two rows). */
	if ((a->cur->nlog == a->lim.max_log && ks_dn_is_probe(cls)) ||
	    (hour > a->max_hour && a->w.running && a->cur->nsrc > 0)) {
		if (a->cur->nlog == a->lim.max_log)
			a->st.source_flushes++;
		if ((r = flush_sources(a)) != 0)
			return r;
	}
	if (hour > a->max_hour)
		a->max_hour = hour;
	if ((r = find_source(a, &p->src, hour, hs, &e)) != 0)
		return r;
	if (ts_us < e->first_us)
		e->first_us = ts_us;
	if (ts_us > e->last_us)
		e->last_us = ts_us;
	e->cls[cls]++;
	e->tags |= (uint8_t)tags;
	if (ks_dn_is_probe(cls)) {
		struct srctab *t = a->cur;
		t->log[t->nlog++] = (uint64_t)(uint32_t)(e - t->src) << 32 | ks_dn_dest_key(&p->dst);
		e->nlog++;
		if (cls != KS_DN_ICMP_SCAN) {
			uint32_t key = (uint32_t)p->proto << 16 | p->dport;
			r = ks_u32map_add(&e->ports, key, 1, a->lim.max_ports_per_source);
			if (r == KS_ELIMIT)
				a->st.ports_saturated++;
			else if (r < 0)
				return r;
			uint64_t *ph = tab64_get(&a->port_hour, (uint64_t)hour << 24 | key);
			if (!ph)
				return KS_ENOMEM;
			(*ph)++;
		}
	}
	uint64_t *c = counters_of(a, hour);
	if (!c)
		return KS_ENOMEM;
	c[KS_DNC_DARKNET]++;
	if (p->ipver == 4)
		c[KS_DNC_DARKNET_V4]++;
	uint32_t off = ks_addr_v4(&p->dst) - a->dfirst;
	if (p->ipver == 4 && off < a->dcount) {
		a->dtab[off][cls]++;
		return 0;
	}
	return add_dest(a, &p->dst, hd, cls);
}

int ks_dn_agg_add(struct ks_dn_agg *a, const struct ks_pkt *p, enum ks_dn_class cls,
		  unsigned tags, int64_t ts_us)
{
	uint32_t hour = hour_of(ts_us);
	return add_one(a, p, cls, tags, ts_us, hour, src_hash(&p->src, hour), dst_hash(&p->dst));
}

/* Batches hide memory latency: with millions of sources every packet
 * misses the cache several times (index slots, entries, port maps),
 * so the loop runs three stages ahead of the packet it counts, prefetching
 * the index slots, then the entries they name, then what those point to. */
#define AHEAD 6

int ks_dn_agg_add_batch(struct ks_dn_agg *a, const struct ks_dn_item *v, size_t n)
{
	uint64_t hs[KS_DN_BATCH], hd[KS_DN_BATCH];
	uint32_t hr[KS_DN_BATCH];
	if (n > KS_DN_BATCH)
		return KS_EINVAL;
	if (a->w.running) {
		/* the writer's error, reported as soon as possible */
		pthread_mutex_lock(&a->w.mu);
		int r = a->w.err;
		pthread_mutex_unlock(&a->w.mu);
		if (r != 0)
			return r;
	}
	uint8_t direct[KS_DN_BATCH];
	for (size_t i = 0; i < n; i++) {
		hr[i] = hour_of(v[i].ts_us);
		hs[i] = src_hash(&v[i].pkt.src, hr[i]);
		direct[i] = v[i].pkt.ipver == 4 && ks_addr_v4(&v[i].pkt.dst) - a->dfirst < a->dcount;
		hd[i] = direct[i] ? 0 : dst_hash(&v[i].pkt.dst);
	}
	/* At step i: index slots of packet i, the entries of packet i - AHEAD,
	 * what those entries point to for packet i - 2 AHEAD, and count packet
	 * i - 3 AHEAD. A steady few misses in flight, not a burst. */
	for (size_t i = 0; i < n + 3 * AHEAD; i++) {
		/* cur may change inside the batch (a handover); prefetches
		 * into the table handed over are merely wasted */
		const struct srctab *t = a->cur;
		if (i < n) {
			__builtin_prefetch(index_home(&t->sidx, hs[i]));
			if (direct[i])
				__builtin_prefetch(a->dtab[ks_addr_v4(&v[i].pkt.dst) - a->dfirst]);
			else
				__builtin_prefetch(index_home(&a->didx, hd[i]));
		}
		if (i >= AHEAD && i - AHEAD < n) {
			size_t j = i - AHEAD;
			uint64_t s = *index_home(&t->sidx, hs[j]), d = direct[j] ? 0 : *index_home(&a->didx, hd[j]);
			if (s) {
				/* an entry spans two cache lines */
				const char *e = (const char *)&t->src[(uint32_t)s - 1];
				__builtin_prefetch(e);
				__builtin_prefetch(e + 64);
			}
			if (d)
				__builtin_prefetch(&a->dst[(uint32_t)d - 1]);
		}
		if (i >= 2 * AHEAD && i - 2 * AHEAD < n) {
			/* the slot of the entry's port map */
			size_t j = i - 2 * AHEAD;
			uint64_t s = *index_home(&t->sidx, hs[j]);
			if (s && (uint32_t)s - 1 < t->nsrc) {
				const struct ks_dn_src *e = &t->src[(uint32_t)s - 1];
				if (e->ports.cap)
					__builtin_prefetch(&e->ports.u.tab[ks_set_slot(
						(uint32_t)v[j].pkt.proto << 16 | v[j].pkt.dport, e->ports.cap)]);
			}
		}
		if (i >= 3 * AHEAD) {
			size_t k = i - 3 * AHEAD;
			int r = add_one(a, &v[k].pkt, (enum ks_dn_class)v[k].cls, v[k].tags, v[k].ts_us, hr[k],
					hs[k], hd[k]);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

int ks_dn_agg_direct_v4(struct ks_dn_agg *a, uint32_t first, uint32_t count)
{
	if (a->dcount || count == 0 || count > KS_DN_DIRECT_MAX || first + (uint64_t)count > 1ull << 32)
		return KS_EINVAL;
	a->dtab = big_alloc((size_t)count * sizeof *a->dtab);
	if (!a->dtab)
		return KS_ENOMEM;
	a->dfirst = first;
	a->dcount = count;
	return 0;
}

int ks_dn_agg_flush(struct ks_dn_agg *a)
{
	int r = 0;
	/* With a writer, the last table's destinations are sorted out here
	 * while the writer may still be storing the table before it. */
	if (a->w.running && a->cur->nsrc > 0 && !a->cur->keys)
		r = settle_dests(a->cur, a->lim.max_dests_per_source, &a->cur->keys);
	if (r == 0)
		r = flush_sources(a);
	if (r == 0)
		r = wait_idle(a);
	if (r == 0)
		r = flush_dests(a);
	for (uint32_t i = 0; i < a->port_hour.cap && r == 0; i++) {
		uint64_t k = a->port_hour.keys[i];
		if (!k--)
			continue;
		r = a->sink->port_hour(a->sink->ctx, (uint32_t)(k >> 24), (uint8_t)(k >> 16),
				       (uint16_t)k, a->port_hour.vals[i]);
	}
	for (uint32_t i = 0; i < a->counters.cap && r == 0; i++) {
		uint64_t k = a->counters.keys[i];
		if (!k--)
			continue;
		for (int c = 0; c < KS_DNC__N && r == 0; c++)
			if (a->counters.vals[(size_t)i * KS_DNC__N + c])
				r = a->sink->counter(a->sink->ctx, (uint32_t)k, c,
						     a->counters.vals[(size_t)i * KS_DNC__N + c]);
	}
	tab64_clear(&a->port_hour);
	tab64_clear(&a->counters);
	a->cnt_hour = 0;
	return r;
}

void ks_dn_agg_stats(const struct ks_dn_agg *a, struct ks_dn_agg_stats *st)
{
	const struct srctab *t = a->cur;
	*st = a->st;
	st->sources_held = t->nsrc;
	st->heap_bytes = 0;
	for (uint32_t i = 0; i < t->nsrc; i++)
		st->heap_bytes += ks_u32map_heap(&t->src[i].ports);
	st->heap_bytes += (uint64_t)t->nlog * sizeof *t->log;
}
