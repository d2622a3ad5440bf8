/* SPDX-License-Identifier: BSD-2-Clause */
/* Renderings of a C&C detection result: JSON (stable keys), CSV and text,
 * and candidates as shareable entries (contract in cc_report.h). */
#include "cc_report.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "ks_csv.h"

static int64_t sec(int64_t ms) { return ms >= 0 ? ms / 1000 : 0; }

static json_t *jtime(int64_t ms)
{
	char b[32];
	return json_string(ks_cc_time_format(sec(ms), 0, b, sizeof b));
}

static double r4(double x) { return round(x * 10000.0) / 10000.0; }

static json_t *host_json(const struct ks_cc_host *h)
{
	char a[KS_ADDR_STRLEN];
	json_t *o = json_object();
	json_object_set_new(o, "address", json_string(ks_addr_format(&h->addr, a)));
	json_object_set_new(o, "infected", json_boolean(h->infected));
	json_object_set_new(o, "beaconing", json_boolean(h->beaconing));
	json_object_set_new(o, "beacon", json_real(r4(h->beacon)));
	json_object_set_new(o, "ts", json_real(r4(h->ts)));
	json_object_set_new(o, "ds", json_real(r4(h->ds)));
	json_object_set_new(o, "spread", json_real(r4(h->spread)));
	json_object_set_new(o, "interval_s", json_real(round((double)h->interval_ms / 100.0) / 10.0));
	json_object_set_new(o, "contacts", json_integer(h->contacts));
	json_object_set_new(o, "flows", json_integer((json_int_t)h->flows));
	json_object_set_new(o, "bytes_out", json_integer((json_int_t)h->bytes_out));
	json_object_set_new(o, "bytes_in", json_integer((json_int_t)h->bytes_in));
	json_object_set_new(o, "first_seen", jtime(h->first_ms));
	json_object_set_new(o, "last_seen", jtime(h->last_ms));
	return o;
}

json_t *ks_cc_result_json(const struct ks_cc_result *r)
{
	json_t *o = json_object();
	if (o == NULL)
		return NULL;
	json_t *per = json_object();
	json_object_set_new(per, "first", jtime(r->first_ms));
	json_object_set_new(per, "last", jtime(r->last_ms));
	json_object_set_new(o, "period", per);
	json_object_set_new(o, "hosts_infected", json_integer(r->hosts_infected));
	json_object_set_new(o, "hosts_clean", json_integer(r->hosts_clean));
	json_object_set_new(o, "base_rate", json_real(r4(r->base_rate)));
	const struct ks_cc_stats *s = &r->stats;
	json_t *st = json_object();
	json_object_set_new(st, "flows", json_integer((json_int_t)s->flows));
	json_object_set_new(st, "used", json_integer((json_int_t)s->used));
	json_object_set_new(st, "outside_window", json_integer((json_int_t)s->outside_window));
	json_object_set_new(st, "tcp_attempts", json_integer((json_int_t)s->tcp_attempts));
	json_object_set_new(st, "not_crossing", json_integer((json_int_t)s->not_crossing));
	json_object_set_new(st, "inbound_new", json_integer((json_int_t)s->inbound_new));
	json_object_set_new(st, "allowed", json_integer((json_int_t)s->allowed));
	json_object_set_new(st, "cap_hosts", json_integer((json_int_t)s->cap_hosts));
	json_object_set_new(st, "cap_endpoints", json_integer((json_int_t)s->cap_endpoints));
	json_object_set_new(st, "cap_pairs", json_integer((json_int_t)s->cap_pairs));
	json_object_set_new(st, "ts_thinned", json_integer((json_int_t)s->ts_thinned));
	json_object_set_new(o, "stats", st);
	json_t *cands = json_array();
	for (size_t i = 0; i < r->n; i++) {
		const struct ks_cc_cand *c = &r->v[i];
		char a[KS_ADDR_STRLEN], pb[8];
		json_t *j = json_object();
		json_object_set_new(j, "rank", json_integer((json_int_t)i + 1));
		json_object_set_new(j, "address", json_string(ks_addr_format(&c->addr, a)));
		json_object_set_new(j, "port", json_integer(c->port));
		json_object_set_new(j, "proto", json_string(ks_cc_proto_text(c->proto, pb, sizeof pb)));
		json_object_set_new(j, "score", json_real(r4(c->score)));
		json_object_set_new(j, "fanin", json_real(r4(c->fanin)));
		json_object_set_new(j, "beacon", json_real(r4(c->beacon)));
		json_object_set_new(j, "size", json_real(r4(c->size)));
		json_object_set_new(j, "infected", json_integer(c->infected));
		json_object_set_new(j, "clean", json_integer(c->clean));
		json_object_set_new(j, "infected_beaconing", json_integer(c->infected_beaconing));
		json_object_set_new(j, "clean_beaconing", json_integer(c->clean_beaconing));
		json_object_set_new(j, "flows", json_integer((json_int_t)c->flows));
		json_object_set_new(j, "bytes_out", json_integer((json_int_t)c->bytes_out));
		json_object_set_new(j, "bytes_in", json_integer((json_int_t)c->bytes_in));
		json_object_set_new(j, "first_seen", jtime(c->first_ms));
		json_object_set_new(j, "last_seen", jtime(c->last_ms));
		json_object_set_new(j, "hosts_truncated", json_boolean(c->hosts_truncated));
		json_t *hs = json_array();
		for (size_t k = 0; k < c->nhosts; k++)
			json_array_append_new(hs, host_json(&c->hosts[k]));
		json_object_set_new(j, "hosts", hs);
		json_array_append_new(cands, j);
	}
	json_object_set_new(o, "candidates", cands);
	return o;
}

void ks_cc_result_csv(FILE *f, const struct ks_cc_result *r)
{
	static const char *const hdr[] = {
		"rank",    "address",  "port",   "proto", "score",   "fanin",
		"beacon",  "size",     "infected", "clean", "infected_beaconing", "clean_beaconing",
		"flows",   "bytes_out", "bytes_in", "first_seen", "last_seen"};
	enum { N = sizeof hdr / sizeof hdr[0] };
	ks_csv_row(f, hdr, N);
	for (size_t i = 0; i < r->n; i++) {
		const struct ks_cc_cand *c = &r->v[i];
		char v[N][48];
		const char *row[N];
		snprintf(v[0], sizeof v[0], "%zu", i + 1);
		ks_addr_format(&c->addr, v[1]);
		snprintf(v[2], sizeof v[2], "%u", c->port);
		char pb[8];
		snprintf(v[3], sizeof v[3], "%s", ks_cc_proto_text(c->proto, pb, sizeof pb));
		snprintf(v[4], sizeof v[4], "%.4f", r4(c->score));
		snprintf(v[5], sizeof v[5], "%.4f", r4(c->fanin));
		snprintf(v[6], sizeof v[6], "%.4f", r4(c->beacon));
		snprintf(v[7], sizeof v[7], "%.4f", r4(c->size));
		snprintf(v[8], sizeof v[8], "%u", c->infected);
		snprintf(v[9], sizeof v[9], "%u", c->clean);
		snprintf(v[10], sizeof v[10], "%u", c->infected_beaconing);
		snprintf(v[11], sizeof v[11], "%u", c->clean_beaconing);
		snprintf(v[12], sizeof v[12], "%" PRIu64, c->flows);
		snprintf(v[13], sizeof v[13], "%" PRIu64, c->bytes_out);
		snprintf(v[14], sizeof v[14], "%" PRIu64, c->bytes_in);
		ks_cc_time_format(sec(c->first_ms), 0, v[15], sizeof v[15]);
		ks_cc_time_format(sec(c->last_ms), 0, v[16], sizeof v[16]);
		for (size_t k = 0; k < N; k++)
			row[k] = v[k];
		ks_csv_row(f, row, N);
	}
}

void ks_cc_result_text(FILE *f, const struct ks_cc_result *r, size_t max_hosts)
{
	char t1[32], t2[32];
	fprintf(f, "C&C candidates %s .. %s: %zu (client hosts: %u infected, %u clean; base rate %.3f)\n",
		ks_cc_time_format(sec(r->first_ms), 0, t1, sizeof t1),
		ks_cc_time_format(sec(r->last_ms), 0, t2, sizeof t2), r->n, r->hosts_infected,
		r->hosts_clean, r->base_rate);
	fprintf(f, "flows %" PRIu64 ", used %" PRIu64 ", TCP attempts only %" PRIu64 ", allowlisted %" PRIu64
		   ", dropped at caps %" PRIu64 "\n",
		r->stats.flows, r->stats.used, r->stats.tcp_attempts, r->stats.allowed,
		r->stats.cap_hosts + r->stats.cap_endpoints + r->stats.cap_pairs);
	for (size_t i = 0; i < r->n; i++) {
		const struct ks_cc_cand *c = &r->v[i];
		char a[KS_ADDR_STRLEN], pb[8];
		fprintf(f, "\n#%zu %s:%u/%s  score %.3f (fan-in %.3f, beacon %.3f, size %.3f)\n", i + 1,
			ks_addr_format(&c->addr, a), c->port, ks_cc_proto_text(c->proto, pb, sizeof pb), c->score,
			c->fanin, c->beacon, c->size);
		fprintf(f, "   infected %u (beaconing %u), clean %u (beaconing %u); %" PRIu64
			   " flows, %" PRIu64 " B out, %" PRIu64 " B in; %s .. %s\n",
			c->infected, c->infected_beaconing, c->clean, c->clean_beaconing, c->flows,
			c->bytes_out, c->bytes_in, ks_cc_time_format(sec(c->first_ms), 0, t1, sizeof t1),
			ks_cc_time_format(sec(c->last_ms), 0, t2, sizeof t2));
		for (size_t k = 0; k < c->nhosts && k < max_hosts; k++) {
			const struct ks_cc_host *h = &c->hosts[k];
			fprintf(f, "   %-8s %-39s beacon %.3f every %.0f s, %u contacts, %" PRIu64
				   " B out; %s .. %s\n",
				h->infected ? "infected" : "clean", ks_addr_format(&h->addr, a), h->beacon,
				(double)h->interval_ms / 1000.0, h->contacts, h->bytes_out,
				ks_cc_time_format(sec(h->first_ms), 0, t1, sizeof t1),
				ks_cc_time_format(sec(h->last_ms), 0, t2, sizeof t2));
		}
		if (c->nhosts > max_hosts || c->hosts_truncated)
			fprintf(f, "   ... %u client hosts in all\n", c->infected + c->clean);
	}
}

void ks_cc_entry_from_cand(struct ks_cc_entry *e, const struct ks_cc_cand *c, const char *reported_by,
			   int64_t reported_at)
{
	memset(e, 0, sizeof *e);
	e->addr = c->addr;
	e->port = c->port;
	e->proto = c->proto;
	e->score = c->score < 0 ? 0 : c->score > 1 ? 1 : c->score;
	e->first_seen = sec(c->first_ms);
	e->last_seen = sec(c->last_ms);
	if (e->last_seen < e->first_seen)
		e->last_seen = e->first_seen;
	e->infected_hosts = c->infected;
	if (reported_by != NULL) {
		size_t n = strnlen(reported_by, KS_CC_NAME_MAX - 1);
		/* Cut on a UTF-8 character boundary. */
		while (n > 0 && reported_by[n] != '\0' && ((unsigned char)reported_by[n] & 0xc0) == 0x80)
			n--;
		memcpy(e->reported_by, reported_by, n);
		e->reported_by[n] = '\0';
	}
	e->reported_at = reported_at;
	snprintf(e->note, sizeof e->note, "infected %u (beaconing %u), clean %u (beaconing %u)",
		 c->infected, c->infected_beaconing, c->clean, c->clean_beaconing);
}
