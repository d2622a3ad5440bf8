/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the store (store.h) against real SQLite files in a fresh
 * mkdtemp() directory: schema creation and versioning, refusal of newer
 * stores, ingests, darknet writes merging on the same key (through the
 * ks_set_union / ks_map_merge SQL functions) and across ingests in the
 * readers, hour-granular span filters, counter and port sums,
 * organisations. */
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_err.h"
#include "ks_test.h"
#include "org.h"
#include "store.h"
#include "store_cc.h"
#include "store_flow.h"

#define HOUR_US 3600000000LL
#define T0 (1763784000LL * 1000000) /* 2025-11-22T04:00:00Z */
#define H0 ((uint32_t)(T0 / HOUR_US))

/* ---- temporary store ---- */

struct tmpdb {
	char dir[64];
	char path[128];
};

static int tmp_open(struct tmpdb *t, struct ks_store **s)
{
	snprintf(t->dir, sizeof t->dir, "/tmp/ks_store_test.XXXXXX");
	if (!mkdtemp(t->dir)) {
		perror("mkdtemp");
		return -1;
	}
	snprintf(t->path, sizeof t->path, "%s/kansoku.db", t->dir);
	if (!s)
		return 0;
	char err[512] = "";
	int r = ks_store_open(t->path, s, err, sizeof err);
	if (r != 0)
		fprintf(stderr, "  ks_store_open: %d %s\n", r, err);
	return r;
}

static void tmp_remove(struct tmpdb *t)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	char p[160];
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s%s", t->path, sfx[i]);
		unlink(p);
	}
	snprintf(p, sizeof p, "%s/garbage.db", t->dir);
	unlink(p);
	rmdir(t->dir);
}

/* ---- building aggregator entries ---- */

struct src_spec {
	uint32_t v4; /* 0: use v6 below */
	const uint8_t *v6;
	uint32_t hour;
	uint8_t tags;
	int64_t first_us, last_us;
	uint64_t cls[KS_DN__NCLASS];
	const uint32_t *dests;
	size_t nd;
	const struct ks_kv *ports;
	size_t np;
};

static void build_src(struct ks_dn_src *e, const struct src_spec *sp)
{
	memset(e, 0, sizeof *e);
	if (sp->v6)
		memcpy(e->addr.b, sp->v6, 16);
	else
		ks_addr_from_v4(&e->addr, sp->v4);
	e->hour = sp->hour;
	e->tags = sp->tags;
	e->first_us = sp->first_us;
	e->last_us = sp->last_us;
	memcpy(e->cls, sp->cls, sizeof e->cls);
	/* the sink contract: destinations sorted and distinct */
	uint32_t *d = malloc((sp->nd + 1) * sizeof *d);
	if (sp->nd)
		memcpy(d, sp->dests, sp->nd * sizeof *d);
	uint32_t *tmp = malloc((sp->nd + 1) * sizeof *tmp);
	ks_sort_u32(d, sp->nd, tmp);
	free(tmp);
	e->ndests = (uint32_t)ks_unique_u32(d, sp->nd);
	e->dests = d;
	for (size_t i = 0; i < sp->np; i++)
		ks_u32map_add(&e->ports, sp->ports[i].k, sp->ports[i].v, 1000000);
}

static int put_src(struct ks_store *s, int64_t ingest, const struct src_spec *sp,
		   const struct ks_geo_info *geo)
{
	struct ks_dn_src e;
	build_src(&e, sp);
	int r = ks_store_dn_source(s, ingest, &e, geo);
	free((void *)e.dests);
	ks_u32map_release(&e.ports);
	return r;
}

static int64_t new_ingest(struct ks_store *s, const char *hash, uint32_t threshold)
{
	struct ks_ingest in;
	memset(&in, 0, sizeof in);
	snprintf(in.hash, sizeof in.hash, "%s", hash);
	in.name = hash;
	in.sensor = "unit";
	in.darknet = "198.18.0.0/15";
	in.scan_threshold = threshold;
	int64_t id = -1;
	if (ks_store_ingest_create(s, &in, &id) != 0)
		return -1;
	return id;
}

/* ---- reading sources back ---- */

struct got_src {
	struct ks_dn_source s; /* ports and as_org point into the copies below */
	struct ks_kv *ports;
	char as_org[64];
};

struct got {
	struct got_src v[16];
	size_t n;
	int stop_after; /* return 99 after this many (0: never) */
};

static int collect(void *ctx, const struct ks_dn_source *src)
{
	struct got *g = ctx;
	if (g->n >= 16)
		return KS_ELIMIT;
	struct got_src *o = &g->v[g->n++];
	o->s = *src;
	o->ports = malloc((src->nports + 1) * sizeof *o->ports);
	if (src->nports)
		memcpy(o->ports, src->ports, src->nports * sizeof *o->ports);
	o->s.ports = o->ports;
	o->as_org[0] = '\0';
	if (src->as_org)
		snprintf(o->as_org, sizeof o->as_org, "%s", src->as_org);
	if (g->stop_after && g->n >= (size_t)g->stop_after)
		return 99;
	return 0;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->v[i].ports);
	g->n = 0;
}

static uint64_t got_port(const struct got_src *o, uint8_t proto, uint16_t port)
{
	for (size_t i = 0; i < o->s.nports; i++)
		if (o->ports[i].k == ((uint32_t)proto << 16 | port))
			return o->ports[i].v;
	return 0;
}

static int is_v4(const struct got_src *o, uint32_t v4)
{
	struct ks_addr a;
	ks_addr_from_v4(&a, v4);
	return memcmp(o->s.addr.b, a.b, 16) == 0;
}

static struct ks_span span_hours(uint32_t from, uint32_t to)
{
	struct ks_span sp = {(int64_t)from * HOUR_US, (int64_t)to * HOUR_US};
	return sp;
}

struct port_sum {
	uint8_t proto;
	uint16_t port;
	uint64_t packets;
};
struct ports_got {
	struct port_sum v[32];
	size_t n;
};

static int collect_port(void *ctx, uint8_t proto, uint16_t port, uint64_t packets)
{
	struct ports_got *g = ctx;
	if (g->n >= 32)
		return KS_ELIMIT;
	g->v[g->n++] = (struct port_sum){proto, port, packets};
	return 0;
}

static uint64_t ports_of(const struct ports_got *g, uint8_t proto, uint16_t port)
{
	uint64_t n = 0;
	for (size_t i = 0; i < g->n; i++)
		if (g->v[i].proto == proto && g->v[i].port == port)
			n += g->v[i].packets;
	return n;
}

#define SRC_A 0xcb007107u /* 203.0.113.7 */
#define SRC_B 0x0a000001u /* 10.0.0.1 */
#define KEY(proto, port) ((uint32_t)(proto) << 16 | (port))

/* ---- open / schema ---- */

KS_TEST(store_open_creates_schema_and_reopens)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	CHECK_EQ_U64(tmp_open(&t, &s), 0);
	if (!s)
		return;
	CHECK_EQ_U64(ks_store_schema_version(s), KS_STORE_SCHEMA_VERSION);
	CHECK_EQ_U64(KS_STORE_SCHEMA_VERSION, 3);
	struct stat sb;
	CHECK(stat(t.path, &sb) == 0);
	int64_t id = new_ingest(s, "h1", 10);
	CHECK(id > 0);
	ks_store_close(s);

	/* reopening keeps version and data */
	char err[512] = "";
	s = NULL;
	CHECK_EQ_U64(ks_store_open(t.path, &s, err, sizeof err), 0);
	if (s) {
		CHECK_EQ_U64(ks_store_schema_version(s), KS_STORE_SCHEMA_VERSION);
		int64_t id2 = 0;
		CHECK_EQ_U64(ks_store_ingest_find(s, "h1", &id2), 0);
		CHECK_EQ_U64(id2, id);
		ks_store_close(s);
	}
	/* the file itself says the current version */
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(t.path, &db) == SQLITE_OK);
	sqlite3_stmt *q = NULL;
	int v = -1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	CHECK_EQ_U64(v, KS_STORE_SCHEMA_VERSION);
	/* the documented tables exist */
	static const char *const tables[] = {"ingest", "ingest_counter", "dn_source", "dn_port_hour",
					     "dn_dest",  "dn_counter",     "org",       "org_prefix",
					     "flow_ingest", "flow_exporter", "flow_hour", "cc_report"};
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
		int found = 0;
		if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", -1,
				       &q, NULL) == SQLITE_OK) {
			sqlite3_bind_text(q, 1, tables[i], -1, SQLITE_STATIC);
			found = sqlite3_step(q) == SQLITE_ROW;
		}
		sqlite3_finalize(q);
		if (!found)
			fprintf(stderr, "  table %s missing\n", tables[i]);
		CHECK(found);
	}
	sqlite3_close(db);
	tmp_remove(&t);
}

KS_TEST(store_open_refuses_newer_schema)
{
	struct tmpdb t;
	CHECK_EQ_U64(tmp_open(&t, NULL), 0);
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(t.path, &db) == SQLITE_OK);
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version=%d", KS_STORE_SCHEMA_VERSION + 1);
	CHECK(sqlite3_exec(db, "CREATE TABLE future(x)", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);

	struct ks_store *s = (struct ks_store *)&t; /* must be overwritten */
	char err[512] = "";
	CHECK_EQ_U64(ks_store_open(t.path, &s, err, sizeof err), (uint64_t)(int64_t)KS_EIO);
	CHECK(s == NULL);
	CHECK(strstr(err, t.path) != NULL);
	CHECK(strstr(err, "newer") != NULL);
	if (s && s != (struct ks_store *)&t)
		ks_store_close(s);

	/* the store is left as it was: still version 2, nothing migrated */
	CHECK(sqlite3_open(t.path, &db) == SQLITE_OK);
	sqlite3_stmt *q = NULL;
	int v = -1, has_ingest = 1;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name='ingest'", -1, &q,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		has_ingest = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	CHECK_EQ_U64(v, KS_STORE_SCHEMA_VERSION + 1);
	CHECK_EQ_U64(has_ingest, 0);
	tmp_remove(&t);
}

KS_TEST(store_open_errors_name_path)
{
	struct tmpdb t;
	CHECK_EQ_U64(tmp_open(&t, NULL), 0);
	/* a directory that does not exist */
	char bad[200];
	snprintf(bad, sizeof bad, "%s/no/such/dir/k.db", t.dir);
	struct ks_store *s = NULL;
	char err[512] = "";
	CHECK_EQ_U64(ks_store_open(bad, &s, err, sizeof err), (uint64_t)(int64_t)KS_EIO);
	CHECK(s == NULL);
	CHECK(strstr(err, bad) != NULL);

	/* a file that is not SQLite */
	char junk[160];
	snprintf(junk, sizeof junk, "%s/garbage.db", t.dir);
	FILE *f = fopen(junk, "w");
	CHECK(f != NULL);
	if (f) {
		for (int i = 0; i < 200; i++)
			fputs("this is not an SQLite database file, just text. ", f);
		fclose(f);
	}
	err[0] = '\0';
	CHECK_EQ_U64(ks_store_open(junk, &s, err, sizeof err), (uint64_t)(int64_t)KS_EIO);
	CHECK(s == NULL);
	CHECK(strstr(err, junk) != NULL);
	tmp_remove(&t);
}

/* ---- ingests ---- */

KS_TEST(store_ingest_create_find_delete)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	int64_t a = new_ingest(s, "aaaa", 10), b = new_ingest(s, "bbbb", 20);
	CHECK(a > 0 && b > 0 && a != b);
	int64_t id = 0;
	CHECK_EQ_U64(ks_store_ingest_find(s, "aaaa", &id), 0);
	CHECK_EQ_U64(id, a);
	CHECK_EQ_U64(ks_store_ingest_find(s, "bbbb", &id), 0);
	CHECK_EQ_U64(id, b);
	id = 12345;
	CHECK_EQ_U64(ks_store_ingest_find(s, "cccc", &id), (uint64_t)(int64_t)KS_ENOENT);
	CHECK_EQ_U64(id, 12345);
	/* a hash is unique */
	CHECK_EQ_U64(new_ingest(s, "aaaa", 10), (uint64_t)-1);

	/* give a some data, then delete it: only b's data remains */
	static const uint32_t d1[] = {0xc6120001u};
	static const struct ks_kv p1[] = {{KEY(6, 23), 3}};
	struct src_spec sp = {.v4 = SRC_A, .hour = H0, .first_us = T0, .last_us = T0 + 5,
			      .cls = {3, 0, 0, 0, 0}, .dests = d1, .nd = 1, .ports = p1, .np = 1};
	CHECK_EQ_U64(put_src(s, a, &sp, NULL), 0);
	sp.v4 = SRC_B;
	CHECK_EQ_U64(put_src(s, b, &sp, NULL), 0);
	CHECK_EQ_U64(ks_store_dn_port_hour(s, a, H0, 6, 23, 3), 0);
	CHECK_EQ_U64(ks_store_dn_port_hour(s, b, H0, 6, 23, 4), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, a, H0, KS_DNC_DARKNET, 3), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, b, H0, KS_DNC_DARKNET, 4), 0);
	uint64_t cls[KS_DN__NCLASS] = {3, 0, 0, 0, 0};
	struct ks_addr dst;
	ks_addr_from_v4(&dst, 0xc6120001u);
	CHECK_EQ_U64(ks_store_dn_dest(s, a, &dst, cls), 0);
	CHECK_EQ_U64(ks_store_ingest_counter(s, a, "decode.packets", 9), 0);

	CHECK_EQ_U64(ks_store_ingest_delete(s, a), 0);
	CHECK_EQ_U64(ks_store_ingest_find(s, "aaaa", &id), (uint64_t)(int64_t)KS_ENOENT);
	CHECK_EQ_U64(ks_store_ingest_find(s, "bbbb", &id), 0);
	struct ks_span all = KS_SPAN_ALL;
	struct got g = {0};
	CHECK_EQ_U64(ks_store_dn_sources(s, &all, collect, &g), 0);
	CHECK_EQ_U64(g.n, 1);
	if (g.n == 1)
		CHECK(is_v4(&g.v[0], SRC_B));
	got_free(&g);
	uint64_t c[KS_DNC__N];
	CHECK_EQ_U64(ks_store_dn_counters(s, &all, c), 0);
	CHECK_EQ_U64(c[KS_DNC_DARKNET], 4);
	struct ports_got pg = {0};
	CHECK_EQ_U64(ks_store_dn_ports(s, &all, collect_port, &pg), 0);
	CHECK_EQ_U64(pg.n, 1);
	CHECK_EQ_U64(ports_of(&pg, 6, 23), 4);
	uint64_t n = 0;
	uint32_t thr = 0;
	CHECK_EQ_U64(ks_store_dn_ingests(s, &all, NULL, NULL, &n, &thr), 0);
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(thr, 20);
	/* the hash can be used again */
	CHECK(new_ingest(s, "aaaa", 10) > 0);
	/* deleting an unknown id is not an error and changes nothing */
	CHECK_EQ_U64(ks_store_ingest_delete(s, 987654), 0);
	CHECK_EQ_U64(ks_store_ingest_find(s, "bbbb", &id), 0);
	ks_store_close(s);
	tmp_remove(&t);
}

KS_TEST(store_ingest_set_hash_finish_and_ingests)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	int64_t a = new_ingest(s, "live:eth0:1", 5);
	CHECK(a > 0);
	CHECK_EQ_U64(ks_store_ingest_set_hash(s, a, "final-hash"), 0);
	int64_t id = 0;
	CHECK_EQ_U64(ks_store_ingest_find(s, "live:eth0:1", &id), (uint64_t)(int64_t)KS_ENOENT);
	CHECK_EQ_U64(ks_store_ingest_find(s, "final-hash", &id), 0);
	CHECK_EQ_U64(id, a);
	struct ks_ingest in;
	memset(&in, 0, sizeof in);
	in.first_us = T0;
	in.last_us = T0 + 10;
	in.frames = 100;
	in.darknet_packets = 90;
	CHECK_EQ_U64(ks_store_ingest_finish(s, a, &in), 0);

	/* ingests in a span are those with counters there */
	int64_t b = new_ingest(s, "second", 7);
	CHECK_EQ_U64(ks_store_dn_counter(s, a, H0, KS_DNC_DARKNET, 1), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, b, H0 + 2, KS_DNC_DARKNET, 1), 0);
	struct ks_span all = KS_SPAN_ALL;
	uint64_t n = 0;
	uint32_t thr = 0;
	CHECK_EQ_U64(ks_store_dn_ingests(s, &all, NULL, NULL, &n, &thr), 0);
	CHECK_EQ_U64(n, 2);
	CHECK_EQ_U64(thr, 7); /* the latest one */
	struct ks_span first = span_hours(H0, H0 + 1);
	CHECK_EQ_U64(ks_store_dn_ingests(s, &first, NULL, NULL, &n, &thr), 0);
	CHECK_EQ_U64(n, 1);
	CHECK_EQ_U64(thr, 5);
	struct ks_span none = span_hours(H0 + 10, H0 + 20);
	CHECK_EQ_U64(ks_store_dn_ingests(s, &none, NULL, NULL, &n, &thr), 0);
	CHECK_EQ_U64(n, 0);
	CHECK_EQ_U64(thr, 0);
	ks_store_close(s);
	tmp_remove(&t);
}

/* ---- darknet writes and reads ---- */

KS_TEST(store_dn_source_same_key_merges)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	int64_t in = new_ingest(s, "one", 10);
	static const uint32_t d1[] = {5, 1, 9};
	static const uint32_t d2[] = {9, 2, 0};
	static const struct ks_kv p1[] = {{KEY(6, 23), 3}, {KEY(6, 80), 1}};
	static const struct ks_kv p2[] = {{KEY(6, 23), 4}, {KEY(17, 53), 2}};
	struct src_spec a = {.v4 = SRC_A, .hour = H0, .tags = KS_TAG_MIRAI, .first_us = T0 + 50,
			     .last_us = T0 + 60, .cls = {4, 1, 0, 0, 2}, .dests = d1, .nd = 3,
			     .ports = p1, .np = 2};
	struct src_spec b = {.v4 = SRC_A, .hour = H0, .tags = KS_TAG_ZMAP, .first_us = T0 + 10,
			     .last_us = T0 + 55, .cls = {4, 0, 3, 2, 0}, .dests = d2, .nd = 3,
			     .ports = p2, .np = 2};
	CHECK_EQ_U64(ks_store_begin(s), 0);
	CHECK_EQ_U64(put_src(s, in, &a, NULL), 0);
	CHECK_EQ_U64(put_src(s, in, &b, NULL), 0);
	CHECK_EQ_U64(ks_store_commit(s), 0);

	/* sources are appended (store.h): two rows, merged by the reader */
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(t.path, &db) == SQLITE_OK);
	sqlite3_stmt *q = NULL;
	int rows = -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM dn_source", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		rows = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	CHECK_EQ_U64(rows, 2);

	struct ks_span all = KS_SPAN_ALL;
	struct got g = {0};
	CHECK_EQ_U64(ks_store_dn_sources(s, &all, collect, &g), 0);
	CHECK_EQ_U64(g.n, 1);
	if (g.n == 1) {
		const struct got_src *o = &g.v[0];
		CHECK(is_v4(o, SRC_A));
		CHECK_EQ_U64(o->s.cls[KS_DN_TCP_SCAN], 8);
		CHECK_EQ_U64(o->s.cls[KS_DN_BACKSCATTER], 1);
		CHECK_EQ_U64(o->s.cls[KS_DN_ICMP_SCAN], 3);
		CHECK_EQ_U64(o->s.cls[KS_DN_UDP], 2);
		CHECK_EQ_U64(o->s.cls[KS_DN_OTHER], 2);
		CHECK_EQ_U64(o->s.packets, 16);
		CHECK_EQ_U64(o->s.tags, KS_TAG_MIRAI | KS_TAG_ZMAP);
		CHECK_EQ_U64(o->s.first_us, T0 + 10);
		CHECK_EQ_U64(o->s.last_us, T0 + 60);
		CHECK_EQ_U64(o->s.dests, 5); /* {0, 1, 2, 5, 9} */
		CHECK(!o->s.dests_saturated);
		CHECK_EQ_U64(o->s.nports, 3);
		CHECK_EQ_U64(got_port(o, 6, 23), 7);
		CHECK_EQ_U64(got_port(o, 6, 80), 1);
		CHECK_EQ_U64(got_port(o, 17, 53), 2);
		for (size_t i = 1; i < o->s.nports; i++)
			CHECK(o->ports[i - 1].k < o->ports[i].k);
		CHECK(!o->s.ports_saturated);
		CHECK_EQ_U64(o->s.country[0], 0);
		CHECK_EQ_U64(o->s.asn, 0);
		CHECK(o->s.as_org == NULL);
	}
	got_free(&g);
	ks_store_close(s);
	tmp_remove(&t);
}

KS_TEST(store_dn_source_saturation_flags_or)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	int64_t in = new_ingest(s, "sat", 10);
	struct ks_dn_src e;
	static const uint32_t d[] = {1, 2};
	struct src_spec sp = {.v4 = SRC_A, .hour = H0, .first_us = T0, .last_us = T0,
			      .cls = {1, 0, 0, 0, 0}, .dests = d, .nd = 2};
	build_src(&e, &sp);
	e.dests_saturated = 1; /* as the aggregator marks a source past its cap */
	CHECK_EQ_U64(ks_store_dn_source(s, in, &e, NULL), 0);
	free((void *)e.dests);
	ks_u32map_release(&e.ports);
	build_src(&e, &sp);
	CHECK_EQ_U64(ks_u32map_add(&e.ports, KEY(6, 1), 1, 0), KS_ELIMIT);
	CHECK_EQ_U64(ks_store_dn_source(s, in, &e, NULL), 0);
	free((void *)e.dests);
	ks_u32map_release(&e.ports);
	struct ks_span all = KS_SPAN_ALL;
	struct got g = {0};
	CHECK_EQ_U64(ks_store_dn_sources(s, &all, collect, &g), 0);
	CHECK_EQ_U64(g.n, 1);
	if (g.n == 1) {
		CHECK(g.v[0].s.dests_saturated);
		CHECK(g.v[0].s.ports_saturated);
		CHECK_EQ_U64(g.v[0].s.dests, 2);
		CHECK_EQ_U64(g.v[0].s.packets, 2);
	}
	got_free(&g);
	ks_store_close(s);
	tmp_remove(&t);
}

KS_TEST(store_dn_sources_merge_across_ingests)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	int64_t i1 = new_ingest(s, "first", 10), i2 = new_ingest(s, "second", 10);
	static const uint32_t da[] = {0xc6120001u, 0xc6120002u};
	static const uint32_t db2[] = {0xc6120002u, 0xc6120003u, 0xc6120004u};
	static const struct ks_kv pa[] = {{KEY(6, 23), 10}};
	static const struct ks_kv pb[] = {{KEY(6, 22), 1}, {KEY(6, 23), 5}};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x42};
	struct src_spec a1 = {.v4 = SRC_A, .hour = H0, .first_us = T0 + 100, .last_us = T0 + 200,
			      .cls = {10, 0, 0, 0, 0}, .dests = da, .nd = 2, .ports = pa, .np = 1};
	struct src_spec a2 = {.v4 = SRC_A, .hour = H0 + 3, .tags = KS_TAG_ZMAP,
			      .first_us = T0 + 3 * HOUR_US + 7, .last_us = T0 + 3 * HOUR_US + 9,
			      .cls = {6, 1, 0, 0, 0}, .dests = db2, .nd = 3, .ports = pb, .np = 2};
	struct src_spec bsrc = {.v4 = SRC_B, .hour = H0, .first_us = T0 + 1, .last_us = T0 + 2,
				.cls = {0, 0, 0, 4, 0}, .dests = da, .nd = 1};
	struct src_spec c6 = {.v6 = v6, .hour = H0 + 1, .first_us = T0 + HOUR_US,
			      .last_us = T0 + HOUR_US, .cls = {0, 2, 0, 0, 0}};
	struct ks_geo_info geo_a = {"JP", 64500, "Example Networks"};
	struct ks_geo_info geo_none = {"", 0, NULL};
	CHECK_EQ_U64(put_src(s, i1, &a1, &geo_none), 0);
	CHECK_EQ_U64(put_src(s, i2, &c6, NULL), 0);
	CHECK_EQ_U64(put_src(s, i2, &a2, &geo_a), 0);
	CHECK_EQ_U64(put_src(s, i1, &bsrc, NULL), 0);

	struct ks_span all = KS_SPAN_ALL;
	struct got g = {0};
	CHECK_EQ_U64(ks_store_dn_sources(s, &all, collect, &g), 0);
	CHECK_EQ_U64(g.n, 3);
	if (g.n == 3) {
		/* address order: ::ffff:10.0.0.1, ::ffff:203.0.113.7, 2001:db8::42 */
		CHECK(is_v4(&g.v[0], SRC_B));
		CHECK(is_v4(&g.v[1], SRC_A));
		CHECK(memcmp(g.v[2].s.addr.b, v6, 16) == 0);
		const struct got_src *o = &g.v[1];
		CHECK_EQ_U64(o->s.cls[KS_DN_TCP_SCAN], 16);
		CHECK_EQ_U64(o->s.cls[KS_DN_BACKSCATTER], 1);
		CHECK_EQ_U64(o->s.packets, 17);
		CHECK_EQ_U64(o->s.tags, KS_TAG_ZMAP);
		CHECK_EQ_U64(o->s.first_us, T0 + 100);
		CHECK_EQ_U64(o->s.last_us, T0 + 3 * HOUR_US + 9);
		CHECK_EQ_U64(o->s.dests, 4); /* .1 .2 .3 .4 */
		CHECK_EQ_U64(o->s.nports, 2);
		CHECK_EQ_U64(got_port(o, 6, 23), 15);
		CHECK_EQ_U64(got_port(o, 6, 22), 1);
		CHECK(strcmp(o->s.country, "JP") == 0);
		CHECK_EQ_U64(o->s.asn, 64500);
		CHECK(strcmp(o->as_org, "Example Networks") == 0);
		CHECK(o->s.as_org != NULL);
		/* fields of one source do not leak into the next */
		const struct got_src *b = &g.v[0];
		CHECK_EQ_U64(b->s.packets, 4);
		CHECK_EQ_U64(b->s.cls[KS_DN_UDP], 4);
		CHECK_EQ_U64(b->s.dests, 1);
		CHECK_EQ_U64(b->s.nports, 0);
		CHECK_EQ_U64(b->s.tags, 0);
		CHECK_EQ_U64(b->s.first_us, T0 + 1);
		CHECK_EQ_U64(b->s.last_us, T0 + 2);
		CHECK(b->s.as_org == NULL);
		CHECK_EQ_U64(b->s.country[0], 0);
		const struct got_src *c = &g.v[2];
		CHECK_EQ_U64(c->s.packets, 2);
		CHECK_EQ_U64(c->s.cls[KS_DN_BACKSCATTER], 2);
		CHECK_EQ_U64(c->s.dests, 0);
		CHECK_EQ_U64(c->s.asn, 0);
		CHECK(c->s.as_org == NULL);
	}
	got_free(&g);

	/* a callback's non-zero return stops the walk and is returned */
	g.stop_after = 1;
	CHECK_EQ_U64(ks_store_dn_sources(s, &all, collect, &g), 99);
	CHECK_EQ_U64(g.n, 1);
	got_free(&g);
	ks_store_close(s);
	tmp_remove(&t);
}

KS_TEST(store_span_filters_by_hour)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	int64_t in = new_ingest(s, "span", 10);
	/* SRC_A: 1 packet in H0, 2 in H0+1, 4 in H0+3 */
	static const uint64_t pk[3] = {1, 2, 4};
	static const uint32_t hr[3] = {0, 1, 3};
	for (int i = 0; i < 3; i++) {
		uint32_t d = 0xc6120000u + hr[i];
		struct ks_kv p = {KEY(6, 23), pk[i]};
		struct src_spec sp = {.v4 = SRC_A, .hour = H0 + hr[i],
				      .first_us = T0 + (int64_t)hr[i] * HOUR_US + 5,
				      .last_us = T0 + (int64_t)hr[i] * HOUR_US + 6,
				      .cls = {pk[i], 0, 0, 0, 0}, .dests = &d, .nd = 1, .ports = &p, .np = 1};
		CHECK_EQ_U64(put_src(s, in, &sp, NULL), 0);
		CHECK_EQ_U64(ks_store_dn_port_hour(s, in, H0 + hr[i], 6, 23, pk[i]), 0);
		CHECK_EQ_U64(ks_store_dn_counter(s, in, H0 + hr[i], KS_DNC_DARKNET, pk[i]), 0);
	}
	struct {
		int64_t since, until;
		uint64_t want;
	} cases[] = {
		{INT64_MIN, INT64_MAX, 7},
		{T0, T0 + HOUR_US, 1},                      /* exactly H0 */
		{T0 + HOUR_US, T0 + 2 * HOUR_US, 2},        /* exactly H0+1 */
		{T0, T0 + 2 * HOUR_US, 3},                  /* until is exclusive at the boundary */
		{T0 + HOUR_US / 2, T0 + HOUR_US + 1, 3},    /* partial hours count whole */
		{T0 + HOUR_US - 1, T0 + HOUR_US, 1},        /* last microsecond of H0 */
		{T0 + 2 * HOUR_US, T0 + 3 * HOUR_US, 0},    /* empty hour */
		{T0 + 2 * HOUR_US, INT64_MAX, 4},
		{INT64_MIN, T0 + HOUR_US, 1},
		{INT64_MIN, T0, 0},
		{T0 + 4 * HOUR_US, INT64_MAX, 0},
		{0, T0 + 1, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct ks_span sp = {cases[i].since, cases[i].until};
		struct got g = {0};
		CHECK_EQ_U64(ks_store_dn_sources(s, &sp, collect, &g), 0);
		uint64_t n = g.n ? g.v[0].s.packets : 0;
		if (n != cases[i].want)
			fprintf(stderr, "  case %zu\n", i);
		CHECK_EQ_U64(n, cases[i].want);
		CHECK(g.n <= 1);
		if (g.n == 1)
			CHECK_EQ_U64(g.v[0].s.dests, cases[i].want == 7 ? 3 : cases[i].want == 3 ? 2 : 1);
		got_free(&g);
		uint64_t c[KS_DNC__N];
		CHECK_EQ_U64(ks_store_dn_counters(s, &sp, c), 0);
		CHECK_EQ_U64(c[KS_DNC_DARKNET], cases[i].want);
		struct ports_got pg = {0};
		CHECK_EQ_U64(ks_store_dn_ports(s, &sp, collect_port, &pg), 0);
		CHECK_EQ_U64(ports_of(&pg, 6, 23), cases[i].want);
		CHECK_EQ_U64(pg.n, cases[i].want ? 1 : 0);
	}
	ks_store_close(s);
	tmp_remove(&t);
}

KS_TEST(store_counters_sums)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	int64_t a = new_ingest(s, "a", 10), b = new_ingest(s, "b", 10);
	struct ks_span all = KS_SPAN_ALL;
	uint64_t c[KS_DNC__N];
	memset(c, 0xff, sizeof c);
	CHECK_EQ_U64(ks_store_dn_counters(s, &all, c), 0);
	for (int i = 0; i < KS_DNC__N; i++)
		CHECK_EQ_U64(c[i], 0);
	/* same (ingest, hour, counter) twice adds */
	CHECK_EQ_U64(ks_store_dn_counter(s, a, H0, KS_DNC_DARKNET, 100), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, a, H0, KS_DNC_DARKNET, 23), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, a, H0 + 1, KS_DNC_DARKNET, 7), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, b, H0, KS_DNC_DARKNET, 1000), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, a, H0, KS_DNC_MALFORMED, 3), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, b, H0 + 1, KS_DNC_OUTSIDE, 50), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, b, H0 + 1, KS_DNC_NON_IP, 9), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, a, H0, KS_DNC_DARKNET_V4, 120), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, b, H0, KS_DNC_DARKNET_V4, (uint64_t)1 << 40), 0);
	CHECK_EQ_U64(ks_store_dn_counters(s, &all, c), 0);
	CHECK_EQ_U64(c[KS_DNC_DARKNET], 1130);
	CHECK_EQ_U64(c[KS_DNC_MALFORMED], 3);
	CHECK_EQ_U64(c[KS_DNC_OUTSIDE], 50);
	CHECK_EQ_U64(c[KS_DNC_NON_IP], 9);
	CHECK_EQ_U64(c[KS_DNC_DARKNET_V4], ((uint64_t)1 << 40) + 120);
	struct ks_span h0 = span_hours(H0, H0 + 1);
	CHECK_EQ_U64(ks_store_dn_counters(s, &h0, c), 0);
	CHECK_EQ_U64(c[KS_DNC_DARKNET], 1123);
	CHECK_EQ_U64(c[KS_DNC_OUTSIDE], 0);
	CHECK_EQ_U64(c[KS_DNC_NON_IP], 0);
	CHECK_EQ_U64(c[KS_DNC_MALFORMED], 3);
	ks_store_close(s);
	tmp_remove(&t);
}

KS_TEST(store_ports_sums)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	int64_t a = new_ingest(s, "a", 10), b = new_ingest(s, "b", 10);
	CHECK_EQ_U64(ks_store_dn_port_hour(s, a, H0, 6, 23, 10), 0);
	CHECK_EQ_U64(ks_store_dn_port_hour(s, a, H0, 6, 23, 5), 0); /* same key: adds */
	CHECK_EQ_U64(ks_store_dn_port_hour(s, a, H0 + 1, 6, 23, 1), 0);
	CHECK_EQ_U64(ks_store_dn_port_hour(s, b, H0, 6, 23, 100), 0);
	CHECK_EQ_U64(ks_store_dn_port_hour(s, b, H0, 17, 23, 7), 0);
	CHECK_EQ_U64(ks_store_dn_port_hour(s, b, H0, 6, 65535, 2), 0);
	CHECK_EQ_U64(ks_store_dn_port_hour(s, b, H0 + 1, 17, 0, 3), 0);
	struct ks_span all = KS_SPAN_ALL;
	struct ports_got pg = {0};
	CHECK_EQ_U64(ks_store_dn_ports(s, &all, collect_port, &pg), 0);
	CHECK_EQ_U64(pg.n, 4); /* one call per (proto, port) */
	CHECK_EQ_U64(ports_of(&pg, 6, 23), 116);
	CHECK_EQ_U64(ports_of(&pg, 17, 23), 7);
	CHECK_EQ_U64(ports_of(&pg, 6, 65535), 2);
	CHECK_EQ_U64(ports_of(&pg, 17, 0), 3);
	struct ks_span h1 = span_hours(H0 + 1, H0 + 2);
	memset(&pg, 0, sizeof pg);
	CHECK_EQ_U64(ks_store_dn_ports(s, &h1, collect_port, &pg), 0);
	CHECK_EQ_U64(pg.n, 2);
	CHECK_EQ_U64(ports_of(&pg, 6, 23), 1);
	CHECK_EQ_U64(ports_of(&pg, 17, 0), 3);
	ks_store_close(s);
	tmp_remove(&t);
}

KS_TEST(store_rollback_discards_writes)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	CHECK_EQ_U64(ks_store_begin(s), 0);
	int64_t a = new_ingest(s, "rolled", 10);
	CHECK(a > 0);
	struct src_spec sp = {.v4 = SRC_A, .hour = H0, .first_us = T0, .last_us = T0,
			      .cls = {1, 0, 0, 0, 0}};
	CHECK_EQ_U64(put_src(s, a, &sp, NULL), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, a, H0, KS_DNC_DARKNET, 1), 0);
	CHECK_EQ_U64(ks_store_rollback(s), 0);
	int64_t id;
	CHECK_EQ_U64(ks_store_ingest_find(s, "rolled", &id), (uint64_t)(int64_t)KS_ENOENT);
	struct ks_span all = KS_SPAN_ALL;
	struct got g = {0};
	CHECK_EQ_U64(ks_store_dn_sources(s, &all, collect, &g), 0);
	CHECK_EQ_U64(g.n, 0);
	uint64_t c[KS_DNC__N];
	CHECK_EQ_U64(ks_store_dn_counters(s, &all, c), 0);
	CHECK_EQ_U64(c[KS_DNC_DARKNET], 0);
	ks_store_close(s);
	tmp_remove(&t);
}

KS_TEST(store_damaged_blob_is_lower_bound)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	int64_t a = new_ingest(s, "dmg", 10);
	static const uint32_t d[] = {1, 2};
	static const struct ks_kv p[] = {{KEY(6, 23), 2}};
	struct src_spec sp = {.v4 = SRC_A, .hour = H0, .first_us = T0, .last_us = T0,
			      .cls = {2, 0, 0, 0, 0}, .dests = d, .nd = 2, .ports = p, .np = 1};
	CHECK_EQ_U64(put_src(s, a, &sp, NULL), 0);
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(t.path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "UPDATE dn_source SET dests = x'0102030405', ports = x'00'", NULL, NULL,
			   NULL) == SQLITE_OK);
	sqlite3_close(db);
	struct ks_span all = KS_SPAN_ALL;
	struct got g = {0};
	CHECK_EQ_U64(ks_store_dn_sources(s, &all, collect, &g), 0);
	CHECK_EQ_U64(g.n, 1);
	if (g.n == 1) {
		CHECK_EQ_U64(g.v[0].s.packets, 2);
		CHECK_EQ_U64(g.v[0].s.dests, 0);
		CHECK(g.v[0].s.dests_saturated);
		CHECK_EQ_U64(g.v[0].s.nports, 0);
		CHECK(g.v[0].s.ports_saturated);
	}
	got_free(&g);
	ks_store_close(s);
	tmp_remove(&t);
}

/* ---- organisations ---- */

static const struct ks_org *org_by_id(const struct ks_org_list *l, const char *id)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

static int has_prefix(const struct ks_org *o, const char *text)
{
	char buf[KS_ADDR_STRLEN + 8];
	for (size_t i = 0; i < o->npfx; i++)
		if (strcmp(ks_prefix_format(&o->pfx[i], buf), text) == 0)
			return 1;
	return 0;
}

static int parse_orgs(const char *csv, struct ks_org_list *l)
{
	char err[256] = "";
	int r = ks_org_parse_csv(csv, strlen(csv), "orgs.csv", l, err, sizeof err);
	if (r != 0)
		fprintf(stderr, "  %s\n", err);
	return r;
}

KS_TEST(store_org_put_and_load)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	if (tmp_open(&t, &s) != 0 || !s) {
		CHECK(0);
		return;
	}
	struct ks_org_list empty;
	CHECK_EQ_U64(ks_store_org_load(s, &empty), 0);
	CHECK_EQ_U64(empty.n, 0);
	ks_org_list_release(&empty);

	struct ks_org_list l1;
	CHECK_EQ_U64(parse_orgs("id,name,kind,contact,prefixes\n"
				"zeta,Zeta ISP,isp,noc@zeta.example,198.18.0.0/17 2001:db8:100::/40\n"
				"alpha,Alpha City,local_gov,csirt@alpha.example,192.0.2.0/25\n",
				&l1),
		     0);
	size_t added = 99, updated = 99;
	CHECK_EQ_U64(ks_store_org_put(s, &l1, &added, &updated), 0);
	CHECK_EQ_U64(added, 2);
	CHECK_EQ_U64(updated, 0);
	ks_org_list_release(&l1);

	struct ks_org_list got;
	CHECK_EQ_U64(ks_store_org_load(s, &got), 0);
	CHECK_EQ_U64(got.n, 2);
	if (got.n == 2) {
		/* ordered by id */
		CHECK(strcmp(got.v[0].id, "alpha") == 0);
		CHECK(strcmp(got.v[1].id, "zeta") == 0);
		const struct ks_org *z = &got.v[1];
		CHECK(strcmp(z->name, "Zeta ISP") == 0);
		CHECK(strcmp(z->kind, "isp") == 0);
		CHECK(strcmp(z->contact, "noc@zeta.example") == 0);
		CHECK_EQ_U64(z->npfx, 2);
		CHECK(has_prefix(z, "198.18.0.0/17"));
		CHECK(has_prefix(z, "2001:db8:100::/40"));
		CHECK_EQ_U64(got.v[0].npfx, 1);
		CHECK(has_prefix(&got.v[0], "192.0.2.0/25"));
		CHECK(strcmp(got.v[0].kind, "local_gov") == 0);
	}
	ks_org_list_release(&got);

	/* re-put: zeta updated with new prefixes (old ones gone), beta added,
	 * alpha untouched */
	struct ks_org_list l2;
	CHECK_EQ_U64(parse_orgs("id,name,kind,contact,prefixes\n"
				"zeta,Zeta ISP Ltd,isp,abuse@zeta.example,198.19.0.0/16\n"
				"beta,Beta Power,critical_infra,soc@beta.example,203.0.113.0/24\n",
				&l2),
		     0);
	CHECK_EQ_U64(ks_store_org_put(s, &l2, &added, &updated), 0);
	CHECK_EQ_U64(added, 1);
	CHECK_EQ_U64(updated, 1);
	ks_org_list_release(&l2);

	CHECK_EQ_U64(ks_store_org_load(s, &got), 0);
	CHECK_EQ_U64(got.n, 3);
	if (got.n == 3) {
		CHECK(strcmp(got.v[0].id, "alpha") == 0);
		CHECK(strcmp(got.v[1].id, "beta") == 0);
		CHECK(strcmp(got.v[2].id, "zeta") == 0);
	}
	const struct ks_org *z = org_by_id(&got, "zeta"), *a = org_by_id(&got, "alpha"),
			    *b = org_by_id(&got, "beta");
	CHECK(z && a && b);
	if (z && a && b) {
		CHECK(strcmp(z->name, "Zeta ISP Ltd") == 0);
		CHECK(strcmp(z->contact, "abuse@zeta.example") == 0);
		CHECK_EQ_U64(z->npfx, 1);
		CHECK(has_prefix(z, "198.19.0.0/16"));
		CHECK(!has_prefix(z, "198.18.0.0/17"));
		CHECK(!has_prefix(z, "2001:db8:100::/40"));
		CHECK_EQ_U64(a->npfx, 1);
		CHECK(has_prefix(a, "192.0.2.0/25"));
		CHECK(strcmp(b->kind, "critical_infra") == 0);
		CHECK_EQ_U64(b->npfx, 1);
		CHECK(has_prefix(b, "203.0.113.0/24"));
	}
	ks_org_list_release(&got);

	/* putting an empty list changes nothing */
	struct ks_org_list none;
	ks_org_list_init(&none);
	CHECK_EQ_U64(ks_store_org_put(s, &none, &added, &updated), 0);
	CHECK_EQ_U64(added, 0);
	CHECK_EQ_U64(updated, 0);
	ks_store_close(s);

	/* and it all survives a reopen */
	char err[512];
	s = NULL;
	CHECK_EQ_U64(ks_store_open(t.path, &s, err, sizeof err), 0);
	if (s) {
		CHECK_EQ_U64(ks_store_org_load(s, &got), 0);
		CHECK_EQ_U64(got.n, 3);
		ks_org_list_release(&got);
		ks_store_close(s);
	}
	tmp_remove(&t);
}

/* ---- schema 1 -> 2 and the flow tables (store_flow.h) ---- */

KS_TEST(store_migrates_version_1_keeping_data)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	CHECK_EQ_U64(tmp_open(&t, &s), 0);
	if (!s)
		return;
	int64_t id = new_ingest(s, "v1", 10);
	ks_store_close(s);
	/* turn it back into a version-1 store */
	sqlite3 *db = NULL;
	CHECK(sqlite3_open(t.path, &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "DROP TABLE flow_ingest; DROP TABLE flow_exporter; DROP TABLE flow_hour;"
			       " DROP TABLE cc_report; DROP TABLE survey_round; DROP TABLE survey_audit;"
			       " DROP TABLE survey_service; DROP TABLE survey_finding;"
			       " DROP TABLE survey_sighting; PRAGMA user_version=1", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);

	char err[512] = "";
	s = NULL;
	CHECK_EQ_U64(ks_store_open(t.path, &s, err, sizeof err), 0);
	if (s) {
		CHECK_EQ_U64(ks_store_schema_version(s), KS_STORE_SCHEMA_VERSION);
		int64_t id2 = 0, fid = 0;
		CHECK_EQ_U64(ks_store_ingest_find(s, "v1", &id2), 0);
		CHECK_EQ_U64(id2, id);
		CHECK_EQ_U64(ks_store_flow_stream_create(s, "f1", "x.pcap", "file", &fid), 0);
		CHECK(fid > 0);
		ks_store_close(s);
	}
	tmp_remove(&t);
}

static int count_streams(struct ks_store *s, int64_t want, bool *seen)
{
	int64_t *ids = NULL;
	size_t n = 0;
	int r = ks_store_flow_streams(s, &ids, &n);
	*seen = false;
	for (size_t i = 0; i < n; i++)
		if (ids[i] == want)
			*seen = true;
	free(ids);
	return r == 0 ? (int)n : -1;
}

struct exp_seen {
	int n;
	struct ks_store_exporter e[4];
};
static int exp_cb(void *ctx, const struct ks_store_exporter *e)
{
	struct exp_seen *x = ctx;
	if (x->n < 4)
		x->e[x->n] = *e;
	x->e[x->n].name = NULL; /* valid only during the call */
	x->n++;
	return 0;
}

KS_TEST(store_flow_streams_exporters_hours)
{
	struct tmpdb t;
	struct ks_store *s = NULL;
	CHECK_EQ_U64(tmp_open(&t, &s), 0);
	if (!s)
		return;
	int64_t file = 0, coll = 0, id = 0;
	bool fin = true, seen = false;
	CHECK_EQ_U64(ks_store_flow_stream_create(s, "hash-a", "a.pcap", "file", &file), 0);
	CHECK_EQ_U64(ks_store_flow_stream_create(s, "collect:1", "collect 127.0.0.1:2055", "collect", &coll), 0);
	CHECK_EQ_U64(ks_store_flow_stream_find(s, "hash-a", &id, &fin), 0);
	CHECK_EQ_U64(id, file);
	CHECK(!fin);
	CHECK_EQ_U64(ks_store_flow_stream_find(s, "nope", &id, &fin), (uint64_t)(int64_t)KS_ENOENT);
	/* unfinished file ingests are not read; collector runs are */
	CHECK_EQ_U64(count_streams(s, file, &seen), 1);
	CHECK(!seen);
	CHECK_EQ_U64(count_streams(s, coll, &seen), 1);
	CHECK(seen);

	struct ks_store_exporter e = {.port = 9995, .version = 9, .name = "edge-1", .first_ms = 1000,
				      .last_ms = 2000, .datagrams = 10, .flows = 100, .lost_packets = 1,
				      .templates = 3, .sampling = 1};
	CHECK_EQ_U64(ks_addr_parse("192.0.2.1", &e.addr), 0);
	CHECK_EQ_U64(ks_store_flow_exporter_add(s, file, &e), 0);
	e.name = NULL;
	e.first_ms = 1500;
	e.last_ms = 3000;
	e.templates = 4;
	e.sampling = 10;
	CHECK_EQ_U64(ks_store_flow_exporter_add(s, file, &e), 0); /* same stream: adds */
	e.version = 10;
	CHECK_EQ_U64(ks_store_flow_exporter_add(s, coll, &e), 0); /* later stream */
	struct exp_seen x = {0};
	CHECK_EQ_U64(ks_store_flow_exporters(s, exp_cb, &x), 0);
	CHECK_EQ_U64(x.n, 1);
	CHECK_EQ_U64(x.e[0].datagrams, 30);
	CHECK_EQ_U64(x.e[0].flows, 300);
	CHECK_EQ_U64(x.e[0].lost_packets, 3);
	CHECK_EQ_U64(x.e[0].first_ms, 1000);
	CHECK_EQ_U64(x.e[0].last_ms, 3000);
	CHECK_EQ_U64(x.e[0].templates, 4);
	CHECK_EQ_U64(x.e[0].sampling, 10);
	CHECK_EQ_U64(x.e[0].version, 10);

	CHECK_EQ_U64(ks_store_flow_hour_add(s, file, H0, 6, 443, 5, 50, 5000), 0);
	CHECK_EQ_U64(ks_store_flow_hour_add(s, file, H0, 6, 443, 1, 10, 1000), 0);
	CHECK_EQ_U64(ks_store_flow_hour_add(s, coll, H0 + 1, 17, 53, 2, 2, 200), 0);
	uint64_t f = 0, p = 0, b = 0;
	struct ks_span all = KS_SPAN_ALL, first = {T0, T0 + HOUR_US};
	CHECK_EQ_U64(ks_store_flow_totals(s, &all, &f, &p, &b), 0);
	CHECK_EQ_U64(f, 8);
	CHECK_EQ_U64(p, 62);
	CHECK_EQ_U64(b, 6200);
	CHECK_EQ_U64(ks_store_flow_totals(s, &first, &f, &p, &b), 0);
	CHECK_EQ_U64(f, 6);

	CHECK_EQ_U64(ks_store_flow_stream_finish(s, file), 0);
	CHECK_EQ_U64(ks_store_flow_stream_find(s, "hash-a", &id, &fin), 0);
	CHECK(fin);
	CHECK_EQ_U64(count_streams(s, file, &seen), 2);
	CHECK(seen);

	/* deleting a stream removes its rows only */
	CHECK_EQ_U64(ks_store_flow_stream_delete(s, file), 0);
	CHECK_EQ_U64(ks_store_flow_totals(s, &all, &f, &p, &b), 0);
	CHECK_EQ_U64(f, 2);
	x.n = 0;
	CHECK_EQ_U64(ks_store_flow_exporters(s, exp_cb, &x), 0);
	CHECK_EQ_U64(x.n, 1);
	CHECK_EQ_U64(x.e[0].datagrams, 10);
	CHECK_EQ_U64(ks_store_flow_stream_find(s, "hash-a", &id, &fin), (uint64_t)(int64_t)KS_ENOENT);
	ks_store_close(s);
	tmp_remove(&t);
}

KS_TEST(store_cc_newer_report_wins_and_reporter_delete)
{
	struct tmpdb t;
	struct ks_store *s;
	CHECK_EQ_U64(tmp_open(&t, &s), 0);
	struct ks_cc_entry e[3];
	memset(e, 0, sizeof e);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ_U64(ks_addr_parse("198.19.66.6", &e[i].addr), 0);
		e[i].port = 6667;
		e[i].proto = 6;
		e[i].first_seen = 1000;
		e[i].last_seen = 2000;
	}
	snprintf(e[0].reported_by, sizeof e[0].reported_by, "isp-a");
	e[0].reported_at = 100, e[0].score = 0.5, e[0].infected_hosts = 3;
	snprintf(e[0].note, sizeof e[0].note, "first");
	snprintf(e[1].reported_by, sizeof e[1].reported_by, "isp-a");
	e[1].reported_at = 50, e[1].score = 0.9; /* older: must not replace */
	snprintf(e[2].reported_by, sizeof e[2].reported_by, "isp-b");
	e[2].reported_at = 70, e[2].score = 0.4;
	CHECK_EQ_U64(ks_store_cc_put(s, e, 3), 0);
	struct ks_cc_list l;
	CHECK_EQ_U64(ks_store_cc_load(s, &l), 0);
	CHECK_EQ_U64(l.n, 2);
	CHECK(strcmp(l.v[0].reported_by, "isp-a") == 0);
	CHECK(l.v[0].score == 0.5);
	CHECK_EQ_U64(l.v[0].infected_hosts, 3);
	CHECK(strcmp(l.v[0].note, "first") == 0);
	CHECK(ks_addr_cmp(&l.v[0].addr, &e[0].addr) == 0);
	ks_cc_list_release(&l);
	e[1].reported_at = 200; /* newer now */
	CHECK_EQ_U64(ks_store_cc_put(s, &e[1], 1), 0);
	CHECK_EQ_U64(ks_store_cc_load(s, &l), 0);
	CHECK(l.v[0].score == 0.9);
	CHECK(strcmp(l.v[0].note, "") == 0);
	ks_cc_list_release(&l);
	size_t removed = 0;
	CHECK_EQ_U64(ks_store_cc_delete_reporter(s, "isp-a", &removed), 0);
	CHECK_EQ_U64(removed, 1);
	CHECK_EQ_U64(ks_store_cc_load(s, &l), 0);
	CHECK_EQ_U64(l.n, 1);
	CHECK(strcmp(l.v[0].reported_by, "isp-b") == 0);
	ks_cc_list_release(&l);
	ks_store_close(s);
	tmp_remove(&t);
}
