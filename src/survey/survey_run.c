/* SPDX-License-Identifier: BSD-2-Clause */
/* One survey round: discovery, identification, UDP probes, credential
 * checks (survey_run.h). This file only sequences the stages; each stage's
 * sending, limits and gate live in its own module. */
#include "survey_run.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ks_alloc.h"
#include "ks_err.h"
#include "ks_log.h"
#include "probe_http.h"
#include "scan_perm.h"

#define UDP_BATCH 1024u   /* UDP jobs queued ahead of the engine */
#define SAVE_EVERY_NS 1000000000LL

struct run {
	const struct ks_survey_run_opts *o;
	struct ks_survey_run_stats st;
	struct ks_grab *g;
	struct ks_survey_sink inner;   /* what the stages see: counts, queues creds */
	pthread_mutex_t mu;            /* serialises the caller's sink (cred threads) */
	struct ks_cred_target *cred;   /* services to check */
	size_t ncred, capcred, nextcred;
	int64_t last_save_ns;
	volatile sig_atomic_t gstop;   /* mirror of *o->stop for the grab engine */
};

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool stopped(struct run *r)
{
	if (r->o->stop && atomic_load(r->o->stop))
		r->gstop = 1;
	return r->gstop != 0;
}

/* Path of an HTTP Location value that stays on the service ("/x" or
 * "http://host[:port]/x"), else "/". */
static void location_path(const char *loc, char *out, size_t n)
{
	const char *p = loc;
	if (strncmp(p, "http://", 7) == 0 || strncmp(p, "https://", 8) == 0)
		p = strchr(strstr(p, "//") + 2, '/');
	snprintf(out, n, "%s", p && *p == '/' ? p : "/");
}

/* Does this identified service get a credential check, and how? */
static bool cred_target(const struct ks_svc *s, struct ks_cred_target *t)
{
	if (ks_cred_target_from_svc(s, t) != 0)
		return false;
	if (t->module != KS_CRED_HTTP)
		return true;
	/* HTTP: only a URL that asks for Basic or Digest credentials. */
	char v[256], loc[256];
	const char *pre = "";
	if (strcmp(ks_svc_fact(s, "http_status", v, sizeof v), "401") != 0) {
		if (strcmp(ks_svc_fact(s, "redirect_http_status", v, sizeof v), "401") != 0)
			return false;
		pre = "redirect_";
		location_path(ks_svc_fact(s, "http_location", loc, sizeof loc), t->http_path,
			      sizeof t->http_path);
	} else {
		snprintf(t->http_path, sizeof t->http_path, "/");
	}
	char key[40];
	snprintf(key, sizeof key, "%shttp_auth", pre);
	ks_svc_fact(s, key, v, sizeof v);
	t->http_auth = strncmp(v, "Basic", 5) == 0 ? KS_HTTP_AUTH_BASIC
		     : strncmp(v, "Digest", 6) == 0 ? KS_HTTP_AUTH_DIGEST : 0;
	return t->http_auth != 0;
}

static void on_audit(void *ctx, const struct ks_audit *a)
{
	struct run *r = ctx;
	pthread_mutex_lock(&r->mu);
	if (strncmp(a->outcome, "login-", 6) == 0)
		r->st.cred_attempts++;
	ks_sink_audit(r->o->sink, a);
	pthread_mutex_unlock(&r->mu);
}

static void on_service(void *ctx, const struct ks_svc *s)
{
	struct run *r = ctx;
	struct ks_cred_target t;
	pthread_mutex_lock(&r->mu);
	r->st.services++;
	ks_sink_service(r->o->sink, s);
	if (r->o->creds && cred_target(s, &t)) {
		if (r->ncred == r->capcred) {
			r->capcred = r->capcred ? 2 * r->capcred : 64;
			r->cred = ks_xreallocarray(r->cred, r->capcred, sizeof *r->cred);
		}
		r->cred[r->ncred++] = t;
	}
	pthread_mutex_unlock(&r->mu);
}

static void on_finding(void *ctx, const struct ks_finding *f)
{
	struct run *r = ctx;
	pthread_mutex_lock(&r->mu);
	r->st.findings++;
	if (f->type == KS_FIND_WEAK_CREDENTIALS)
		r->st.cred_accepted++;
	ks_sink_finding(r->o->sink, f);
	pthread_mutex_unlock(&r->mu);
}

static void progress(struct run *r, const char *stage)
{
	if (r->o->progress) {
		ks_grab_stats(r->g, &r->st.grab);
		r->o->progress(r->o->ctx, stage, &r->st);
	}
}

/* Discovery callbacks: hand opens to the engine and keep it moving. */
static void disc_open(void *ctx, const struct ks_addr *a, uint16_t port)
{
	struct run *r = ctx;
	ks_grab_submit(r->g, a, port, 6);
}

static void disc_progress(void *ctx, const struct ks_disc_stats *ds)
{
	struct run *r = ctx;
	r->st.disc = *ds;
	stopped(r);
	ks_grab_step(r->g, 0);
	int64_t now = mono_ns();
	if (r->o->save && now - r->last_save_ns >= SAVE_EVERY_NS) {
		r->last_save_ns = now;
		r->o->save(r->o->ctx, r->o->disc.perm_key, ds->resume_index);
	}
	progress(r, "discovery");
}

/* Steps the engine until it is idle (or stopped). */
static int drain(struct run *r, const char *stage)
{
	int64_t last = 0;
	for (;;) {
		long left = ks_grab_step(r->g, 100);
		if (left < 0)
			return (int)left;
		if (left == 0 || stopped(r))
			return 0;
		int64_t now = mono_ns();
		if (now - last >= 250000000LL) {
			last = now;
			progress(r, stage);
		}
	}
}

/* Stage 3: every surveyed target x UDP port, in a permutation of its own. */
static int udp_stage(struct run *r, char *err, size_t errlen)
{
	const struct ks_ports *pl = r->o->ports;
	uint16_t udp[64];
	size_t nudp = 0;
	for (size_t i = 0; i < pl->n && nudp < 64; i++)
		if (pl->v[i].proto == 17 && ks_grab_module(pl->v[i].port, 17))
			udp[nudp++] = pl->v[i].port;
	if (!nudp)
		return 0;
	/* The targets discovery surveys: its space over a one-port list. */
	struct ks_port one = {1, 6};
	struct ks_ports onep = {&one, 1};
	struct ks_disc_space sp;
	int rc = ks_disc_space_init(&sp, r->o->scope, &onep, r->o->disc.max_targets,
				    r->o->disc.perm_key, err, errlen);
	if (rc != 0)
		return rc;
	struct ks_perm pm;
	rc = ks_perm_init(&pm, sp.ntargets * nudp, r->o->disc.perm_key ^ 0x5544500000000000ULL);
	uint64_t e;
	size_t queued = 0;
	while (rc == 0 && !stopped(r) && ks_perm_next(&pm, &e) == 0) {
		struct ks_addr a;
		uint16_t ignored;
		ks_disc_space_get(&sp, e / nudp, &a, &ignored);
		if (ks_grab_submit(r->g, &a, udp[e % nudp], 17) == 0)
			r->st.udp_probes++;
		if (++queued % UDP_BATCH == 0) {
			/* Keep the queue short: step until the batch is mostly done. */
			long left;
			while ((left = ks_grab_step(r->g, 100)) > (long)(UDP_BATCH / 4) && !stopped(r))
				progress(r, "udp");
			if (left < 0)
				rc = (int)left;
		}
	}
	ks_disc_space_release(&sp);
	if (rc == 0)
		rc = drain(r, "udp");
	if (rc != 0)
		snprintf(err, errlen, "UDP probes: %s", ks_strerror(rc));
	return rc;
}

/* Stage 4: a small pool of threads, each checking one service at a time. */
static void *cred_worker(void *arg)
{
	struct run *r = arg;
	for (;;) {
		pthread_mutex_lock(&r->mu);
		size_t i = r->nextcred < r->ncred && !stopped(r) ? r->nextcred++ : (size_t)-1;
		pthread_mutex_unlock(&r->mu);
		if (i == (size_t)-1)
			return NULL;
		struct ks_cred_result res;
		ks_cred_check(&r->cred[i], r->o->creds, &r->o->cred_limits, r->o->scope, &r->inner,
			      &res);
		pthread_mutex_lock(&r->mu);
		r->st.cred_services++;
		pthread_mutex_unlock(&r->mu);
	}
}

static void cred_stage(struct run *r)
{
	size_t n = r->ncred < KS_SURVEY_CRED_THREADS ? r->ncred : KS_SURVEY_CRED_THREADS;
	pthread_t th[KS_SURVEY_CRED_THREADS];
	size_t started = 0;
	for (size_t i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, cred_worker, r) == 0)
			started++;
	if (started == 0 && r->ncred)
		cred_worker(r); /* no thread could be made: check them here */
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

void ks_survey_run_opts_default(struct ks_survey_run_opts *o)
{
	memset(o, 0, sizeof *o);
	ks_disc_opts_default(&o->disc);
	ks_grab_opts_default(&o->grab);
	ks_cred_limits_default(&o->cred_limits);
}

int ks_survey_run(const struct ks_survey_run_opts *o, struct ks_survey_run_stats *out, char *err,
		  size_t errlen)
{
	struct run *r = ks_xcalloc(1, sizeof *r);
	r->o = o;
	pthread_mutex_init(&r->mu, NULL);
	r->inner = (struct ks_survey_sink){r, on_audit, on_service, on_finding};
	r->last_save_ns = mono_ns();

	struct ks_grab_opts go = o->grab;
	go.scope = o->scope;
	go.sink = &r->inner;
	go.stop = &r->gstop;
	int rc = ks_grab_open(&go, &r->g);
	if (rc != 0) {
		snprintf(err, errlen, "identification engine: %s", ks_strerror(rc));
		goto out;
	}
	/* Services found open before a resume are identified again. */
	for (size_t i = 0; i < o->nresume_open; i++)
		ks_grab_submit(r->g, &o->resume_open[i].addr, o->resume_open[i].port, 6);

	size_t ntcp = 0;
	for (size_t i = 0; i < o->ports->n; i++)
		ntcp += o->ports->v[i].proto == 6;
	bool disc_done = true;
	if (ntcp) {
		struct ks_disc_opts d = o->disc;
		d.scope = o->scope;
		d.ports = o->ports;
		d.stop = o->stop;
		d.on_open = disc_open;
		d.progress = disc_progress;
		d.ctx = r;
		rc = ks_disc_run(&d, &r->inner, &r->st.disc, err, errlen);
		if (rc != 0)
			goto out;
		disc_done = r->st.disc.done;
		if (o->save && disc_done)
			o->save(o->ctx, o->disc.perm_key, r->st.disc.resume_index);
	}
	rc = drain(r, "identification");
	if (rc == 0 && !stopped(r))
		rc = udp_stage(r, err, errlen);
	else if (rc != 0)
		snprintf(err, errlen, "identification: %s", ks_strerror(rc));
	if (rc == 0 && !stopped(r) && o->creds) {
		progress(r, "credentials");
		cred_stage(r);
	}
	ks_grab_stats(r->g, &r->st.grab);
	progress(r, "done");
	r->st.complete = rc == 0 && disc_done && !stopped(r) &&
			 (!o->disc.max_targets || o->disc.max_targets >= o->scope->ntargets);
out:
	if (out)
		*out = r->st;
	ks_grab_close(r->g);
	pthread_mutex_destroy(&r->mu);
	free(r->cred);
	free(r);
	return rc;
}
