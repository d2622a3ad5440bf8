/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the survey tables (store_survey.h) against real SQLite
 * files: the finding lifecycle (first/last seen, resolution only after a
 * complete round of the same scope, reopening), organisations of findings,
 * per-round figures, batched commits and resume points, the risk formula;
 * and the survey JSON mapping (survey_json.h): round trips, errors naming
 * the field, the all-or-nothing JSON-lines reader. */
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ks_err.h"
#include "ks_test.h"
#include "darknet_classify.h"
#include "org.h"
#include "store.h"
#include "store_int.h"
#include "store_survey.h"
#include "survey_json.h"

#define DAY 86400
#define T1 1796083200 /* 2026-12-01T00:00:00Z */

struct tdb {
	char dir[64], path[128];
};

static struct ks_store *t_open(struct tdb *t)
{
	struct ks_store *s = NULL;
	char err[512];
	snprintf(t->dir, sizeof t->dir, "/tmp/ks_survey_test.XXXXXX");
	if (!mkdtemp(t->dir))
		return NULL;
	snprintf(t->path, sizeof t->path, "%s/k.db", t->dir);
	if (ks_store_open(t->path, &s, err, sizeof err) != 0)
		fprintf(stderr, "  %s\n", err);
	return s;
}

static void t_close(struct tdb *t, struct ks_store *s)
{
	static const char *const sfx[] = {"", "-wal", "-shm"};
	char p[160];
	ks_store_close(s);
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", t->path, sfx[i]);
		unlink(p);
	}
	rmdir(t->dir);
}

static struct ks_finding mkf(const char *addr, uint16_t port, enum ks_finding_type type, enum ks_sev sev)
{
	struct ks_finding f;
	memset(&f, 0, sizeof f);
	ks_addr_parse(addr, &f.addr);
	f.port = port;
	f.proto = port ? 6 : 0;
	f.type = type;
	f.sev = sev;
	snprintf(f.detail, sizeof f.detail, "seen on %u", port);
	return f;
}

/* One round of scope at time t with the given findings. */
static int round_with(struct ks_store *s, const char *scope, int64_t t, const struct ks_finding *f,
		      size_t n, bool complete, size_t *resolved)
{
	struct ks_survey_round_opts o = {.scope_name = scope, .scope_hash = "h", .in_scope = 256,
					 .batch_records = 2, .no_infected = true};
	struct ks_survey_round *r;
	struct ks_survey_sink k;
	if (ks_survey_round_begin(s, &o, &r) != 0)
		return -1;
	ks_survey_round_set_clock(r, t);
	ks_survey_round_set_started(r, t);
	ks_survey_round_sink(r, &k);
	for (size_t i = 0; i < n; i++)
		ks_sink_finding(&k, &f[i]);
	return ks_survey_round_end(r, complete, resolved);
}

struct got {
	struct ks_finding_row v[16];
	size_t n;
};

static int collect(void *ctx, const struct ks_finding_row *r)
{
	struct got *g = ctx;
	if (g->n < 16)
		g->v[g->n++] = *r;
	return 0;
}

static struct got findings(struct ks_store *s, int status)
{
	struct got g = {.n = 0};
	struct ks_finding_filter flt = KS_FINDING_FILTER_ALL;
	flt.status = status;
	ks_store_survey_findings(s, &flt, collect, &g);
	return g;
}

KS_TEST(survey_finding_resolves_after_complete_round_and_reopens)
{
	struct tdb t;
	struct ks_store *s = t_open(&t);
	CHECK(s != NULL);
	if (!s)
		return;
	struct ks_finding a = mkf("192.0.2.1", 23, KS_FIND_TELNET_EXPOSED, KS_SEV_MEDIUM),
			  b = mkf("192.0.2.2", 80, KS_FIND_CLEARTEXT_ADMIN, KS_SEV_MEDIUM),
			  c = mkf("192.0.2.3", 1883, KS_FIND_MQTT_NO_AUTH, KS_SEV_HIGH);
	struct ks_finding r1[] = {a, b};
	size_t res = 99;
	CHECK_EQ_U64(round_with(s, "lab", T1, r1, 2, true, &res), 0);
	CHECK_EQ_U64(res, 0);
	struct got g = findings(s, -1);
	CHECK_EQ_U64(g.n, 2);
	CHECK_EQ_U64(g.v[0].first_seen, T1);
	CHECK_EQ_U64(g.v[0].status, KS_STATUS_OPEN);

	/* an incomplete round that misses b resolves nothing */
	struct ks_finding r2[] = {a};
	CHECK_EQ_U64(round_with(s, "lab", T1 + DAY, r2, 1, false, &res), 0);
	CHECK_EQ_U64(res, 0);
	CHECK_EQ_U64(findings(s, KS_STATUS_OPEN).n, 2);
	/* a complete round of another scope resolves nothing of "lab" */
	CHECK_EQ_U64(round_with(s, "other", T1 + DAY, &c, 1, true, &res), 0);
	CHECK_EQ_U64(res, 0);
	CHECK_EQ_U64(findings(s, KS_STATUS_OPEN).n, 3);

	/* a complete round without b resolves it with that round's end time */
	CHECK_EQ_U64(round_with(s, "lab", T1 + 2 * DAY, r2, 1, true, &res), 0);
	CHECK_EQ_U64(res, 1);
	g = findings(s, KS_STATUS_RESOLVED);
	CHECK_EQ_U64(g.n, 1);
	CHECK_EQ_U64(g.v[0].f.port, 80);
	CHECK_EQ_U64(g.v[0].resolved_at, T1 + 2 * DAY);
	CHECK_EQ_U64(g.v[0].last_seen, T1);
	g = findings(s, KS_STATUS_OPEN);
	CHECK_EQ_U64(g.n, 2);
	CHECK_EQ_U64(g.v[0].last_seen, T1 + 2 * DAY);
	CHECK_EQ_U64(g.v[0].first_seen, T1);

	/* seen again: reopens, first_seen kept, resolved_at cleared */
	struct ks_finding r4[] = {a, b};
	CHECK_EQ_U64(round_with(s, "lab", T1 + 3 * DAY, r4, 2, true, &res), 0);
	CHECK_EQ_U64(res, 0);
	g = findings(s, KS_STATUS_OPEN);
	CHECK_EQ_U64(g.n, 3);
	for (size_t i = 0; i < g.n; i++)
		if (g.v[i].f.port == 80) {
			CHECK_EQ_U64(g.v[i].first_seen, T1);
			CHECK_EQ_U64(g.v[i].last_seen, T1 + 3 * DAY);
			CHECK_EQ_U64(g.v[i].resolved_at, 0);
		}
	t_close(&t, s);
}

static int count_rounds(void *ctx, const struct ks_survey_round_row *r)
{
	struct ks_survey_round_row *last = ctx;
	*last = *r;
	return 0;
}

KS_TEST(survey_round_figures_and_orgs)
{
	struct tdb t;
	struct ks_store *s = t_open(&t);
	if (!s)
		return;
	struct ks_org_list l;
	const char csv[] = "id,name,kind,contact,prefixes\n"
			   "isp-a,ISP,isp,a@isp.example,192.0.2.0/24\n"
			   "city-b,City,local_gov,c@city.example,192.0.2.128/25\n";
	size_t added, upd;
	CHECK_EQ_U64(ks_org_parse_csv(csv, sizeof csv - 1, "orgs", &l, NULL, 0), 0);
	CHECK_EQ_U64(ks_store_org_put(s, &l, &added, &upd), 0);
	ks_org_list_release(&l);

	struct ks_survey_round_opts o = {.scope_name = "lab", .in_scope = 256, .no_infected = true};
	struct ks_survey_round *r;
	struct ks_survey_sink k;
	CHECK_EQ_U64(ks_survey_round_begin(s, &o, &r), 0);
	if (!r) {
		t_close(&t, s);
		return;
	}
	ks_survey_round_set_clock(r, T1);
	ks_survey_round_sink(r, &k);
	struct ks_svc v;
	memset(&v, 0, sizeof v);
	ks_addr_parse("192.0.2.1", &v.addr);
	v.port = 23, v.proto = 6;
	snprintf(v.module, sizeof v.module, "tcp");
	ks_sink_service(&k, &v);
	snprintf(v.module, sizeof v.module, "telnet");
	snprintf(v.device_type, sizeof v.device_type, "Router");
	ks_sink_service(&k, &v); /* same service, identified later: one row */
	ks_addr_parse("192.0.2.200", &v.addr);
	v.port = 554;
	snprintf(v.device_type, sizeof v.device_type, "IP Camera");
	ks_sink_service(&k, &v);
	struct ks_finding f1 = mkf("192.0.2.1", 23, KS_FIND_WEAK_CREDENTIALS, KS_SEV_CRITICAL),
			  f2 = mkf("192.0.2.200", 554, KS_FIND_KNOWN_VULNERABILITY, KS_SEV_HIGH),
			  f3 = mkf("192.0.2.200", 80, KS_FIND_KNOWN_VULNERABILITY, KS_SEV_MEDIUM),
			  f4 = mkf("198.51.100.1", 80, KS_FIND_CLEARTEXT_ADMIN, KS_SEV_MEDIUM);
	ks_sink_finding(&k, &f1);
	ks_sink_finding(&k, &f2);
	ks_sink_finding(&k, &f3);
	ks_survey_round_finding_org(r, &f4, "given-org");
	struct ks_audit a = {.t_ns = 1, .addr = v.addr, .port = 554, .proto = 6, .module = "tcp-syn",
			     .outcome = "open"};
	ks_sink_audit(&k, &a);
	CHECK_EQ_U64(ks_survey_round_end(r, true, NULL), 0);

	struct ks_survey_round_row rr;
	memset(&rr, 0, sizeof rr);
	CHECK_EQ_U64(ks_store_survey_rounds(s, NULL, count_rounds, &rr), 0);
	CHECK_EQ_U64(rr.in_scope, 256);
	CHECK_EQ_U64(rr.responding, 2);
	CHECK_EQ_U64(rr.services, 2);
	CHECK_EQ_U64(rr.identified, 2);
	CHECK_EQ_U64(rr.ndevtypes, 2);
	CHECK(strcmp(rr.devtype[0].type, "IP Camera") == 0);
	CHECK_EQ_U64(rr.weak_credentials, 1);
	CHECK_EQ_U64(rr.high_risk_vulns, 1);
	CHECK_EQ_U64(rr.findings, 4);
	CHECK_EQ_U64(rr.audits, 1);
	CHECK_EQ_U64(rr.ended, T1);
	CHECK(rr.complete);

	struct got g = findings(s, -1);
	CHECK_EQ_U64(g.n, 4);
	/* ordered by org: city-b (longest prefix), given-org, isp-a */
	CHECK(strcmp(g.v[0].org, "city-b") == 0);
	CHECK(strcmp(g.v[1].org, "city-b") == 0);
	CHECK(strcmp(g.v[2].org, "given-org") == 0);
	CHECK(strcmp(g.v[3].org, "isp-a") == 0);
	t_close(&t, s);
}

KS_TEST(survey_round_batches_resume_and_abort)
{
	struct tdb t;
	struct ks_store *s = t_open(&t);
	if (!s)
		return;
	struct ks_survey_round_opts o = {.scope_name = "lab", .scope_hash = "abc", .batch_records = 1,
					 .no_infected = true};
	struct ks_survey_round *r;
	struct ks_survey_sink k;
	CHECK_EQ_U64(ks_survey_round_begin(s, &o, &r), 0);
	ks_survey_round_sink(r, &k);
	struct ks_finding f = mkf("192.0.2.9", 21, KS_FIND_WEAK_CREDENTIALS, KS_SEV_CRITICAL);
	ks_sink_finding(&k, &f);
	CHECK_EQ_U64(ks_survey_round_save_resume(r, 77, 1234), 0);
	int64_t id = ks_survey_round_id(r);
	/* killed here: abort rolls back nothing committed */
	ks_survey_round_abort(r);
	int64_t rid = 0;
	uint64_t key = 0, idx = 0;
	CHECK_EQ_U64(ks_survey_round_find_resumable(s, "lab", "abc", &rid, &key, &idx), 0);
	CHECK_EQ_U64(rid, id);
	CHECK_EQ_U64(key, 77);
	CHECK_EQ_U64(idx, 1234);
	CHECK(ks_survey_round_find_resumable(s, "lab", "other-hash", &rid, &key, &idx) == KS_ENOENT);
	CHECK_EQ_U64(findings(s, -1).n, 1);
	CHECK_EQ_U64(ks_survey_round_resume(s, rid, &o, &r), 0);
	CHECK_EQ_U64(ks_survey_round_end(r, true, NULL), 0);
	CHECK(ks_survey_round_find_resumable(s, "lab", "abc", &rid, &key, &idx) == KS_ENOENT);
	CHECK(ks_survey_round_resume(s, id, &o, &r) == KS_ENOENT);

	/* one transaction (batch 0): abort leaves nothing, not even the round */
	o.batch_records = 0;
	o.scope_name = "imp";
	CHECK_EQ_U64(ks_survey_round_begin(s, &o, &r), 0);
	ks_survey_round_sink(r, &k);
	f = mkf("192.0.2.10", 21, KS_FIND_WEAK_CREDENTIALS, KS_SEV_CRITICAL);
	ks_sink_finding(&k, &f);
	ks_survey_round_abort(r);
	CHECK_EQ_U64(findings(s, -1).n, 1);
	CHECK(ks_survey_round_find_resumable(s, "imp", "abc", &rid, &key, &idx) == KS_ENOENT);
	t_close(&t, s);
}

/* A survey killed with SIGKILL mid-batch: the committed batches and the
 * resume point survive, the open batch is gone, the store is intact. */
KS_TEST(survey_round_survives_sigkill)
{
	struct tdb t;
	struct ks_store *s = t_open(&t);
	if (!s)
		return;
	ks_store_close(s);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		char err[256];
		struct ks_survey_round_opts o = {.scope_name = "lab", .scope_hash = "h", .batch_records = 3,
						 .no_infected = true};
		struct ks_survey_round *r;
		struct ks_survey_sink k;
		if (ks_store_open(t.path, &s, err, sizeof err) != 0 || ks_survey_round_begin(s, &o, &r) != 0)
			_exit(1);
		ks_survey_round_sink(r, &k);
		for (int i = 0; i < 5; i++) {
			char a[32];
			snprintf(a, sizeof a, "192.0.2.%d", i + 1);
			struct ks_finding f = mkf(a, 23, KS_FIND_TELNET_EXPOSED, KS_SEV_MEDIUM);
			ks_sink_finding(&k, &f);
			if (i == 2 && ks_survey_round_save_resume(r, 5, 3) != 0)
				_exit(1);
		}
		kill(getpid(), SIGKILL);
		_exit(2);
	}
	int st = 0;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	char err[256];
	s = NULL;
	CHECK_EQ_U64(ks_store_open(t.path, &s, err, sizeof err), 0);
	if (!s)
		return;
	int64_t rid = 0;
	uint64_t key = 0, idx = 0;
	CHECK_EQ_U64(ks_survey_round_find_resumable(s, "lab", "h", &rid, &key, &idx), 0);
	CHECK_EQ_U64(key, 5);
	CHECK_EQ_U64(idx, 3);
	CHECK_EQ_U64(findings(s, -1).n, 3);
	sqlite3_stmt *q;
	const unsigned char *ok = NULL;
	CHECK(sqlite3_prepare_v2(ks_store_sqlite(s), "PRAGMA integrity_check", -1, &q, NULL) == SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		ok = sqlite3_column_text(q, 0);
	CHECK(ok && strcmp((const char *)ok, "ok") == 0);
	sqlite3_finalize(q);
	t_close(&t, s);
}

static void dn_src(struct ks_store *s, int64_t ingest, const char *addr, uint32_t ndests, uint8_t tags)
{
	static const uint32_t dests[] = {1, 2, 3, 4};
	struct ks_dn_src e;
	memset(&e, 0, sizeof e);
	ks_addr_parse(addr, &e.addr);
	e.hour = (uint32_t)(T1 / 3600);
	e.tags = tags;
	e.first_us = (int64_t)T1 * 1000000;
	e.last_us = e.first_us + 1000000;
	e.cls[KS_DN_TCP_SCAN] = ndests;
	e.dests = dests;
	e.ndests = ndests;
	CHECK_EQ_U64(ks_store_dn_source(s, ingest, &e, NULL), 0);
	ks_u32map_release(&e.ports);
}

/* Infected marking on the batched (survey run) path: every surveyed
 * address (audit, service or finding) the darknet saw scanning (at the
 * latest ingest's threshold, or the one given) or bot-tagged. */
KS_TEST(survey_round_marks_infected)
{
	struct tdb t;
	struct ks_store *s = t_open(&t);
	if (!s)
		return;
	struct ks_ingest in;
	memset(&in, 0, sizeof in);
	snprintf(in.hash, sizeof in.hash, "dn1");
	in.name = "dn1";
	in.darknet = "198.18.0.0/15";
	in.scan_threshold = 3;
	int64_t ing = -1;
	CHECK_EQ_U64(ks_store_ingest_create(s, &in, &ing), 0);
	CHECK_EQ_U64(ks_store_dn_counter(s, ing, (uint32_t)(T1 / 3600), KS_DNC_DARKNET, 5), 0);
	dn_src(s, ing, "192.0.2.50", 3, 0);            /* scanner at threshold 3 */
	dn_src(s, ing, "192.0.2.51", 1, KS_TAG_MIRAI); /* bot-tagged */
	dn_src(s, ing, "192.0.2.52", 1, 0);            /* neither */
	dn_src(s, ing, "192.0.2.53", 4, KS_TAG_MIRAI); /* not surveyed */
	for (int pass = 0; pass < 2; pass++) {
		struct ks_survey_round_opts o = {.scope_name = "lab", .batch_records = 1,
						 .scan_threshold = pass ? 4 : 0};
		struct ks_survey_round *r;
		struct ks_survey_sink k;
		CHECK_EQ_U64(ks_survey_round_begin(s, &o, &r), 0);
		ks_survey_round_set_clock(r, T1 + pass * DAY);
		ks_survey_round_sink(r, &k);
		struct ks_audit a = {.t_ns = 1, .port = 23, .proto = 6, .module = "tcp-syn", .outcome = "closed"};
		ks_addr_parse("192.0.2.50", &a.addr);
		ks_sink_audit(&k, &a);
		struct ks_svc v;
		memset(&v, 0, sizeof v);
		ks_addr_parse("192.0.2.51", &v.addr);
		v.port = 80, v.proto = 6;
		snprintf(v.module, sizeof v.module, "http");
		ks_sink_service(&k, &v);
		struct ks_finding f = mkf("192.0.2.52", 23, KS_FIND_TELNET_EXPOSED, KS_SEV_MEDIUM);
		ks_sink_finding(&k, &f);
		size_t res = 9;
		CHECK_EQ_U64(ks_survey_round_end(r, true, &res), 0);
		struct ks_finding_filter flt = KS_FINDING_FILTER_ALL;
		flt.type = KS_FIND_INFECTED;
		flt.status = KS_STATUS_OPEN;
		struct got g = {.n = 0};
		CHECK_EQ_U64(ks_store_survey_findings(s, &flt, collect, &g), 0);
		char buf[KS_ADDR_STRLEN];
		if (pass == 0) {
			/* threshold 3 from the ingest: .50 scans, .51 is a bot */
			CHECK_EQ_U64(res, 0);
			CHECK_EQ_U64(g.n, 2);
			CHECK(g.n == 2 && strcmp(ks_addr_format(&g.v[0].f.addr, buf), "192.0.2.50") == 0);
			CHECK(g.n == 2 && strcmp(ks_addr_format(&g.v[1].f.addr, buf), "192.0.2.51") == 0);
			CHECK(g.n == 2 && g.v[0].f.port == 0 && g.v[0].f.proto == 0 && g.v[0].f.sev == KS_SEV_HIGH);
			CHECK(g.n == 2 && strstr(g.v[0].f.detail, "as a scanner: 3 packets to 3 darknet addresses") != NULL);
			CHECK(g.n == 2 && strstr(g.v[1].f.detail, "bot-tagged") != NULL &&
			      strstr(g.v[1].f.detail, "tags mirai") != NULL);
		} else {
			/* threshold 4: .50 no longer a scanner, so its finding resolves */
			CHECK_EQ_U64(res, 1);
			CHECK_EQ_U64(g.n, 1);
			CHECK(g.n == 1 && strcmp(ks_addr_format(&g.v[0].f.addr, buf), "192.0.2.51") == 0);
		}
	}
	struct ks_survey_round_row rr;
	CHECK_EQ_U64(ks_store_survey_rounds(s, NULL, count_rounds, &rr), 0);
	CHECK_EQ_U64(rr.infected, 1);
	t_close(&t, s);
}

KS_TEST(survey_risk_formula)
{
	struct ks_risk k;
	ks_risk_rate(NULL, NULL, 0, 0, &k);
	CHECK_EQ_U64(k.score, 100);
	CHECK(k.grade == 'A');
	enum ks_sev sv[] = {KS_SEV_CRITICAL};
	double age[] = {0};
	ks_risk_rate(sv, age, 1, 1, &k); /* 10.5 -> 100 e^-0.42 = 65.7 */
	CHECK_EQ_U64(k.score, 66);
	CHECK(k.grade == 'D');
	age[0] = 400; /* capped at 180 days: weight doubled */
	ks_risk_rate(sv, age, 1, 1, &k); /* 20.5 -> 44.0 */
	CHECK_EQ_U64(k.score, 44);
	CHECK(k.grade == 'F');
	enum ks_sev sv2[] = {KS_SEV_MEDIUM, KS_SEV_LOW, KS_SEV_INFO};
	double age2[] = {90, 0, 0};
	ks_risk_rate(sv2, age2, 3, 2, &k); /* 4.5 + 1 + 0 + 1 = 6.5 -> 77.1 */
	CHECK_EQ_U64(k.score, 77);
	CHECK(k.grade == 'C');
	CHECK(fabs(k.raw - 6.5) < 1e-9);
	CHECK(ks_risk_grade(90) == 'A' && ks_risk_grade(89) == 'B' && ks_risk_grade(80) == 'B' &&
	      ks_risk_grade(79) == 'C' && ks_risk_grade(60) == 'D' && ks_risk_grade(59) == 'F');
}

KS_TEST(survey_org_risk_ranks_and_trend)
{
	struct tdb t;
	struct ks_store *s = t_open(&t);
	if (!s)
		return;
	struct ks_finding a = mkf("192.0.2.1", 23, KS_FIND_WEAK_CREDENTIALS, KS_SEV_CRITICAL),
			  b = mkf("198.51.100.1", 80, KS_FIND_CLEARTEXT_ADMIN, KS_SEV_MEDIUM);
	struct ks_survey_round_opts o = {.scope_name = "lab", .no_infected = true};
	for (int round = 0; round < 2; round++) {
		struct ks_survey_round *r;
		CHECK_EQ_U64(ks_survey_round_begin(s, &o, &r), 0);
		ks_survey_round_set_clock(r, T1 + round * 10 * DAY);
		ks_survey_round_set_started(r, T1 + round * 10 * DAY);
		ks_survey_round_finding_org(r, &b, "org-b");
		if (round == 0)
			ks_survey_round_finding_org(r, &a, "org-a");
		CHECK_EQ_U64(ks_survey_round_end(r, true, NULL), 0);
	}
	struct ks_org_risk *v = NULL;
	size_t n = 0;
	CHECK_EQ_U64(ks_store_org_risk(s, T1 + 10 * DAY, &v, &n), 0);
	CHECK_EQ_U64(n, 2);
	if (n == 2) {
		/* org-a's finding was resolved: 100 now; org-b: medium, 10 days old */
		CHECK(strcmp(v[0].org, "org-b") == 0);
		CHECK_EQ_U64(v[0].open, 1);
		/* raw = 3 * (1 + 10/180) + 0.5 = 3.6667 -> 86.3 */
		CHECK_EQ_U64(v[0].now.score, 86);
		CHECK_EQ_U64(v[0].ntrend, 2);
		CHECK_EQ_U64(v[0].trend_score[0], 87); /* 3.5 -> 86.9 */
		CHECK(strcmp(v[1].org, "org-a") == 0);
		CHECK_EQ_U64(v[1].now.score, 100);
		CHECK_EQ_U64(v[1].ntrend, 2);
		CHECK_EQ_U64(v[1].trend_score[0], 66);
		CHECK_EQ_U64(v[1].trend_score[1], 100);
	}
	free(v);
	t_close(&t, s);
}

/* ---- JSON mapping ---- */

KS_TEST(survey_json_round_trip)
{
	struct ks_svc v;
	memset(&v, 0, sizeof v);
	ks_addr_parse("2001:db8::7", &v.addr);
	v.port = 8443, v.proto = 6;
	snprintf(v.module, sizeof v.module, "https");
	snprintf(v.banner, sizeof v.banner, "lighttpd/1.4.69");
	snprintf(v.title, sizeof v.title, "Login \xe3\x83\xad\xe3\x82\xb0");
	snprintf(v.facts, sizeof v.facts, "tls_version=TLSv1.2; cert_subject=CN=cam");
	json_t *j = ks_svc_to_json(&v);
	char *line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	struct ks_survey_rec *rec = calloc(1, sizeof *rec);
	char err[256] = "";
	CHECK_EQ_U64(ks_survey_rec_parse(line, strlen(line), rec, err, sizeof err), 0);
	CHECK(rec->kind == KS_REC_SERVICE);
	CHECK(memcmp(&rec->svc, &v, sizeof v) == 0);
	free(line);
	json_decref(j);

	struct ks_finding f = mkf("192.0.2.5", 0, KS_FIND_INFECTED, KS_SEV_HIGH);
	j = ks_finding_to_json(&f, "city-b");
	line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK(strstr(line, "\"proto\":\"ip\"") != NULL);
	CHECK_EQ_U64(ks_survey_rec_parse(line, strlen(line), rec, err, sizeof err), 0);
	CHECK(rec->kind == KS_REC_FINDING);
	CHECK(memcmp(&rec->finding, &f, sizeof f) == 0);
	CHECK(strcmp(rec->org, "city-b") == 0);
	free(line);
	json_decref(j);

	struct ks_audit a = {.t_ns = 1796083200123456789LL, .port = 22, .proto = 6,
			     .module = "ssh-login", .outcome = "login-rejected user=admin"};
	ks_addr_parse("192.0.2.5", &a.addr);
	j = ks_audit_to_json(&a);
	line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK_EQ_U64(ks_survey_rec_parse(line, strlen(line), rec, err, sizeof err), 0);
	CHECK(rec->kind == KS_REC_AUDIT);
	CHECK_EQ_U64(rec->audit.t_ns, a.t_ns);
	CHECK(strcmp(rec->audit.outcome, a.outcome) == 0 && strcmp(rec->audit.module, "ssh-login") == 0);
	free(line);
	json_decref(j);

	struct ks_survey_round_hdr h = {.scope_name = "lab", .in_scope = 9, .started_s = T1,
					.ended_s = T1 + 60, .complete = 1};
	j = ks_round_hdr_to_json(&h);
	line = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	CHECK(strstr(line, "\"started\":\"2026-12-01T00:00:00Z\"") != NULL);
	CHECK_EQ_U64(ks_survey_rec_parse(line, strlen(line), rec, err, sizeof err), 0);
	CHECK(rec->kind == KS_REC_ROUND);
	CHECK(memcmp(&rec->round, &h, sizeof h) == 0);
	free(line);
	json_decref(j);
	free(rec);
}

static int expect_err(const char *line, const char *want)
{
	struct ks_survey_rec *rec = calloc(1, sizeof *rec);
	char err[256] = "";
	int r = ks_survey_rec_parse(line, strlen(line), rec, err, sizeof err);
	free(rec);
	if (r != KS_EINVAL || !strstr(err, want)) {
		fprintf(stderr, "  %s -> %d '%s', expected '%s'\n", line, r, err, want);
		return 0;
	}
	return 1;
}

KS_TEST(survey_json_errors_name_the_field)
{
	CHECK(expect_err("{\"kind\":\"service\",\"address\":\"192.0.2.1\",\"port\":70000,\"proto\":\"tcp\","
			 "\"module\":\"http\"}", "field 'port': expected an integer 0-65535"));
	CHECK(expect_err("{\"kind\":\"service\",\"address\":\"192.0.2.300\",\"port\":1,\"proto\":\"tcp\","
			 "\"module\":\"http\"}", "field 'address'"));
	CHECK(expect_err("{\"kind\":\"service\",\"address\":\"192.0.2.1\",\"port\":1,\"proto\":\"ip\","
			 "\"module\":\"http\"}", "field 'proto': expected tcp or udp"));
	CHECK(expect_err("{\"kind\":\"finding\",\"address\":\"192.0.2.1\",\"port\":1,\"proto\":\"tcp\","
			 "\"type\":\"weak\",\"severity\":\"high\"}", "field 'type'"));
	CHECK(expect_err("{\"kind\":\"finding\",\"address\":\"192.0.2.1\",\"port\":1,\"proto\":\"tcp\","
			 "\"type\":\"infected\",\"severity\":\"severe\"}", "field 'severity'"));
	CHECK(expect_err("{\"kind\":\"finding\",\"address\":\"192.0.2.1\",\"port\":1,\"proto\":\"tcp\","
			 "\"type\":\"infected\",\"severity\":\"high\",\"colour\":1}",
			 "field 'colour': unknown in a finding record"));
	CHECK(expect_err("{\"kind\":\"finding\",\"address\":\"192.0.2.1\",\"port\":1,\"proto\":\"tcp\","
			 "\"type\":\"infected\",\"severity\":\"high\",\"org\":\"../x\"}", "field 'org'"));
	CHECK(expect_err("{\"kind\":\"audit\",\"address\":\"192.0.2.1\",\"port\":1,\"proto\":\"tcp\","
			 "\"module\":\"tcp-syn\",\"outcome\":\"open\"}", "field 't_ns': missing"));
	CHECK(expect_err("{\"kind\":\"round\",\"started\":\"yesterday\"}", "field 'started'"));
	CHECK(expect_err("{\"kind\":\"nope\"}", "field 'kind'"));
	CHECK(expect_err("[1]", "expected a JSON object"));
	CHECK(expect_err("{\"kind\":", "not JSON"));
	CHECK(expect_err("{\"kind\":\"round\",\"kind\":\"round\"}", "not JSON"));
}

static int count_recs(void *ctx, unsigned line, const struct ks_survey_rec *r)
{
	unsigned *v = ctx;
	if (v[0] == 0)
		v[1] = r->kind == KS_REC_ROUND ? line : 0; /* round first */
	v[0]++;
	return 0;
}

KS_TEST(survey_jsonl_all_or_nothing)
{
	const char good[] =
		"{\"kind\":\"audit\",\"t_ns\":5,\"address\":\"192.0.2.1\",\"port\":23,\"proto\":\"tcp\","
		"\"module\":\"tcp-syn\",\"outcome\":\"open\"}\r\n"
		"\n"
		"{\"kind\":\"service\",\"address\":\"192.0.2.1\",\"port\":23,\"proto\":\"tcp\",\"module\":\"telnet\","
		"\"banner\":\"a\\u0001b\"}\n"
		"{\"kind\":\"round\",\"scope_name\":\"lab\",\"complete\":false}";
	unsigned v[2] = {0, 0};
	char err[256] = "";
	CHECK_EQ_U64(ks_survey_jsonl_read(good, sizeof good - 1, "g.jsonl", count_recs, v, err, sizeof err), 0);
	CHECK_EQ_U64(v[0], 3);
	CHECK_EQ_U64(v[1], 4);
	const char bad[] =
		"{\"kind\":\"audit\",\"t_ns\":5,\"address\":\"192.0.2.1\",\"port\":23,\"proto\":\"tcp\","
		"\"module\":\"tcp-syn\",\"outcome\":\"open\"}\n"
		"{\"kind\":\"service\",\"address\":\"192.0.2.1\",\"port\":23,\"proto\":\"tcp\"}\n";
	v[0] = 0;
	CHECK_EQ_U64(ks_survey_jsonl_read(bad, sizeof bad - 1, "b.jsonl", count_recs, v, err, sizeof err),
		     (uint64_t)KS_EINVAL);
	CHECK_EQ_U64(v[0], 0);
	CHECK(strstr(err, "b.jsonl:2: field 'module'") != NULL);
	const char two[] = "{\"kind\":\"round\"}\n{\"kind\":\"round\"}\n";
	CHECK_EQ_U64(ks_survey_jsonl_read(two, sizeof two - 1, "t", NULL, NULL, err, sizeof err),
		     (uint64_t)KS_EINVAL);
	CHECK(strstr(err, "t:2: a second round record") != NULL);
}
