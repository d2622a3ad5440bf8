/* SPDX-License-Identifier: BSD-2-Clause */
/* Survey records <-> JSON, and the JSON-lines reader and writer
 * (survey_json.h; format in docs/formats.md, "Survey records"). The JSON
 * syntax is jansson's; this file checks what the objects hold. */
#include "survey_json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_rd.h"
#include "ks_time.h"
#include "probe.h"

const char *ks_survey_proto_name(uint8_t proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : proto == 0 ? "ip" : "?";
}

int ks_survey_proto_parse(const char *s, uint8_t *out)
{
	if (strcmp(s, "tcp") == 0)
		*out = 6;
	else if (strcmp(s, "udp") == 0)
		*out = 17;
	else if (strcmp(s, "ip") == 0)
		*out = 0;
	else
		return KS_EINVAL;
	return 0;
}

/* ---- records -> JSON ---- */

static json_t *obj_kind(const char *kind)
{
	json_t *j = json_object();
	json_object_set_new(j, "kind", json_string(kind));
	return j;
}

static void set_str(json_t *j, const char *key, const char *v)
{
	/* Text fields come through ks_probe_text() and are valid UTF-8; a
	 * string jansson refuses is written as "" rather than dropped. */
	json_t *s = json_string(v ? v : "");
	json_object_set_new(j, key, s ? s : json_string(""));
}

static void set_endpoint(json_t *j, const struct ks_addr *a, uint16_t port, uint8_t proto)
{
	char buf[KS_ADDR_STRLEN];
	set_str(j, "address", ks_addr_format(a, buf));
	json_object_set_new(j, "port", json_integer(port));
	set_str(j, "proto", ks_survey_proto_name(proto));
}

json_t *ks_svc_to_json(const struct ks_svc *s)
{
	json_t *j = obj_kind("service");
	set_endpoint(j, &s->addr, s->port, s->proto);
	set_str(j, "module", s->module);
	set_str(j, "banner", s->banner);
	set_str(j, "vendor", s->vendor);
	set_str(j, "product", s->product);
	set_str(j, "version", s->version);
	set_str(j, "device_type", s->device_type);
	set_str(j, "cpe", s->cpe);
	set_str(j, "title", s->title);
	set_str(j, "facts", s->facts);
	return j;
}

json_t *ks_finding_to_json(const struct ks_finding *f, const char *org)
{
	json_t *j = obj_kind("finding");
	set_endpoint(j, &f->addr, f->port, f->proto);
	set_str(j, "type", ks_finding_name(f->type));
	set_str(j, "severity", ks_sev_name(f->sev));
	set_str(j, "product", f->product);
	set_str(j, "detail", f->detail);
	if (org && *org)
		set_str(j, "org", org);
	return j;
}

json_t *ks_audit_to_json(const struct ks_audit *a)
{
	json_t *j = obj_kind("audit");
	json_object_set_new(j, "t_ns", json_integer(a->t_ns));
	set_endpoint(j, &a->addr, a->port, a->proto);
	set_str(j, "module", a->module);
	set_str(j, "outcome", a->outcome);
	return j;
}

json_t *ks_round_hdr_to_json(const struct ks_survey_round_hdr *h)
{
	char buf[32];
	json_t *j = obj_kind("round");
	if (h->scope_name[0])
		set_str(j, "scope_name", h->scope_name);
	if (h->scope_hash[0])
		set_str(j, "scope_hash", h->scope_hash);
	if (h->in_scope)
		json_object_set_new(j, "in_scope", json_integer((json_int_t)h->in_scope));
	if (h->started_s)
		set_str(j, "started", ks_time_iso(h->started_s * 1000000, buf, sizeof buf));
	if (h->ended_s)
		set_str(j, "ended", ks_time_iso(h->ended_s * 1000000, buf, sizeof buf));
	if (h->complete >= 0)
		json_object_set_new(j, "complete", json_boolean(h->complete));
	return j;
}

/* ---- JSON -> records ---- */

/* Field checking: each getter marks the key as known, so that the keys
 * left over are reported as unknown. */
struct obj {
	const json_t *j;
	const char *known[16];
	size_t nknown;
	char *err;
	size_t errlen;
};

static int bad(struct obj *o, const char *key, const char *what)
{
	snprintf(o->err, o->errlen, "field '%s': %s", key, what);
	return KS_EINVAL;
}

static const json_t *get(struct obj *o, const char *key)
{
	if (o->nknown < sizeof o->known / sizeof o->known[0])
		o->known[o->nknown++] = key;
	return json_object_get(o->j, key);
}

/* Text into dst[cap]: optional unless required; sanitised and cut to fit. */
static int get_text(struct obj *o, const char *key, char *dst, size_t cap, int required)
{
	const json_t *v = get(o, key);
	dst[0] = '\0';
	if (!v)
		return required ? bad(o, key, "missing; expected a string") : 0;
	if (!json_is_string(v))
		return bad(o, key, "expected a string");
	ks_probe_text(dst, cap, (const uint8_t *)json_string_value(v), json_string_length(v));
	return 0;
}

/* A name from a fixed set, which must fit name[cap] exactly. */
static int get_name(struct obj *o, const char *key, char *dst, size_t cap)
{
	const json_t *v = get(o, key);
	if (!v)
		return bad(o, key, "missing; expected a string");
	if (!json_is_string(v) || json_string_length(v) >= cap)
		return bad(o, key, "expected a short string");
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	if (strlen(dst) != json_string_length(v))
		return bad(o, key, "expected a string without NUL");
	return 0;
}

static int get_int(struct obj *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	const json_t *v = get(o, key);
	char what[96];
	snprintf(what, sizeof what, "expected an integer %" PRId64 "-%" PRId64, min, max);
	if (!v)
		return bad(o, key, "missing");
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return bad(o, key, what);
	*out = json_integer_value(v);
	return 0;
}

static int get_endpoint(struct obj *o, struct ks_addr *a, uint16_t *port, uint8_t *proto,
			int allow_ip)
{
	char buf[64];
	int64_t p;
	int r = get_name(o, "address", buf, sizeof buf);
	if (r == 0 && ks_addr_parse(buf, a) != 0)
		r = bad(o, "address", "expected an IPv4 or IPv6 address");
	if (r == 0)
		r = get_int(o, "port", 0, 65535, &p);
	if (r == 0)
		r = get_name(o, "proto", buf, sizeof buf);
	if (r == 0 && (ks_survey_proto_parse(buf, proto) != 0 || (*proto == 0 && !allow_ip)))
		r = bad(o, "proto", allow_ip ? "expected tcp, udp or ip" : "expected tcp or udp");
	if (r == 0 && *proto == 0 && p != 0)
		r = bad(o, "port", "expected 0 with proto ip");
	if (r == 0)
		*port = (uint16_t)p;
	return r;
}

static int get_time(struct obj *o, const char *key, int64_t *out)
{
	const json_t *v = get(o, key);
	int64_t us;
	*out = 0;
	if (!v)
		return 0;
	if (!json_is_string(v) || ks_time_parse(json_string_value(v), 0, &us) != 0 || us < 0 ||
	    json_string_value(v)[0] == '@' || strchr("0123456789", json_string_value(v)[0]) == NULL ||
	    json_string_length(v) < 10 || json_string_value(v)[4] != '-')
		return bad(o, key, "expected a UTC time YYYY-MM-DDTHH:MM:SSZ");
	*out = us / 1000000;
	return 0;
}

static int parse_round(struct obj *o, struct ks_survey_round_hdr *h)
{
	const json_t *v;
	int64_t n;
	int r;
	h->complete = -1;
	if ((r = get_text(o, "scope_name", h->scope_name, sizeof h->scope_name, 0)) != 0 ||
	    (r = get_text(o, "scope_hash", h->scope_hash, sizeof h->scope_hash, 0)) != 0 ||
	    (r = get_time(o, "started", &h->started_s)) != 0 ||
	    (r = get_time(o, "ended", &h->ended_s)) != 0)
		return r;
	if (get(o, "in_scope")) {
		if ((r = get_int(o, "in_scope", 0, INT64_MAX, &n)) != 0)
			return r;
		h->in_scope = (uint64_t)n;
	}
	if ((v = get(o, "complete")) != NULL) {
		if (!json_is_boolean(v))
			return bad(o, "complete", "expected true or false");
		h->complete = json_is_true(v);
	}
	return 0;
}

static int parse_service(struct obj *o, struct ks_svc *s)
{
	int r;
	if ((r = get_endpoint(o, &s->addr, &s->port, &s->proto, 0)) != 0 ||
	    (r = get_text(o, "module", s->module, sizeof s->module, 1)) != 0 ||
	    (r = get_text(o, "banner", s->banner, sizeof s->banner, 0)) != 0 ||
	    (r = get_text(o, "vendor", s->vendor, sizeof s->vendor, 0)) != 0 ||
	    (r = get_text(o, "product", s->product, sizeof s->product, 0)) != 0 ||
	    (r = get_text(o, "version", s->version, sizeof s->version, 0)) != 0 ||
	    (r = get_text(o, "device_type", s->device_type, sizeof s->device_type, 0)) != 0 ||
	    (r = get_text(o, "cpe", s->cpe, sizeof s->cpe, 0)) != 0 ||
	    (r = get_text(o, "title", s->title, sizeof s->title, 0)) != 0 ||
	    (r = get_text(o, "facts", s->facts, sizeof s->facts, 0)) != 0)
		return r;
	if (!s->module[0])
		return bad(o, "module", "expected a protocol name (telnet, ssh, http, ..., tcp)");
	return 0;
}

/* Organisation ids: 1-64 of [A-Za-z0-9._-] (org.h). */
static int org_id_ok(const char *s)
{
	size_t n = strlen(s);
	return n >= 1 && n <= KS_SURVEY_ORG_MAX && s[0] != '.' &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static int parse_finding(struct obj *o, struct ks_survey_rec *rec)
{
	struct ks_finding *f = &rec->finding;
	char name[32];
	int r;
	if ((r = get_endpoint(o, &f->addr, &f->port, &f->proto, 1)) != 0)
		return r;
	if ((r = get_name(o, "type", name, sizeof name)) != 0)
		return r;
	if (ks_finding_parse(name, &f->type) != 0)
		return bad(o, "type", "expected a finding type (weak_credentials, known_vulnerability, "
				      "telnet_exposed, open_resolver, upnp_exposed, mqtt_no_auth, "
				      "cleartext_admin, bad_certificate, deprecated_crypto, infected)");
	if ((r = get_name(o, "severity", name, sizeof name)) != 0)
		return r;
	if (ks_sev_parse(name, &f->sev) != 0)
		return bad(o, "severity", "expected critical, high, medium, low or info");
	if ((r = get_text(o, "product", f->product, sizeof f->product, 0)) != 0 ||
	    (r = get_text(o, "detail", f->detail, sizeof f->detail, 0)) != 0)
		return r;
	const json_t *v = get(o, "org");
	if (v) {
		if (!json_is_string(v) || (json_string_length(v) && (json_string_length(v) > KS_SURVEY_ORG_MAX ||
								      !org_id_ok(json_string_value(v)))))
			return bad(o, "org", "expected an organisation id (1-64 of A-Z a-z 0-9 . _ -)");
		memcpy(rec->org, json_string_value(v), json_string_length(v) + 1);
	}
	return 0;
}

static int parse_audit(struct obj *o, struct ks_survey_rec *rec)
{
	struct ks_audit *a = &rec->audit;
	int r;
	a->module = rec->module;
	a->outcome = rec->outcome;
	if ((r = get_int(o, "t_ns", 0, INT64_MAX, &a->t_ns)) != 0 ||
	    (r = get_endpoint(o, &a->addr, &a->port, &a->proto, 1)) != 0 ||
	    (r = get_text(o, "module", rec->module, sizeof rec->module, 1)) != 0 ||
	    (r = get_text(o, "outcome", rec->outcome, sizeof rec->outcome, 1)) != 0)
		return r;
	if (!rec->module[0])
		return bad(o, "module", "expected a module name (tcp-syn, grab-http, telnet-login, ...)");
	if (!rec->outcome[0])
		return bad(o, "outcome", "expected an outcome (open, closed, login-rejected, ...)");
	return 0;
}

int ks_survey_rec_from_json(const json_t *j, struct ks_survey_rec *out, char *err, size_t errlen)
{
	struct obj o = {.j = j, .err = err, .errlen = errlen};
	char kind[16];
	int r;
	memset(out, 0, sizeof *out);
	out->audit.module = out->module;
	out->audit.outcome = out->outcome;
	if (!json_is_object(j)) {
		snprintf(err, errlen, "expected a JSON object");
		return KS_EINVAL;
	}
	if ((r = get_name(&o, "kind", kind, sizeof kind)) != 0)
		return r;
	if (strcmp(kind, "service") == 0) {
		out->kind = KS_REC_SERVICE;
		r = parse_service(&o, &out->svc);
	} else if (strcmp(kind, "finding") == 0) {
		out->kind = KS_REC_FINDING;
		r = parse_finding(&o, out);
	} else if (strcmp(kind, "audit") == 0) {
		out->kind = KS_REC_AUDIT;
		r = parse_audit(&o, out);
	} else if (strcmp(kind, "round") == 0) {
		out->kind = KS_REC_ROUND;
		r = parse_round(&o, &out->round);
	} else {
		return bad(&o, "kind", "expected service, finding, audit or round");
	}
	if (r != 0)
		return r;
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)j, key, v) {
		size_t i;
		for (i = 0; i < o.nknown && strcmp(o.known[i], key) != 0; i++)
			;
		if (i == o.nknown) {
			char k[40];
			ks_probe_text(k, sizeof k, (const uint8_t *)key, strlen(key));
			snprintf(err, errlen, "field '%s': unknown in a %s record", k, kind);
			return KS_EINVAL;
		}
	}
	return 0;
}

int ks_survey_rec_parse(const char *line, size_t len, struct ks_survey_rec *out, char *err,
			size_t errlen)
{
	json_error_t je;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		memset(out, 0, sizeof *out);
		char t[80];
		ks_probe_text(t, sizeof t, (const uint8_t *)je.text, strlen(je.text));
		snprintf(err, errlen, "not JSON: %s (column %d)", t, je.column);
		return KS_EINVAL;
	}
	int r = ks_survey_rec_from_json(j, out, err, errlen);
	json_decref(j);
	return r;
}

/* Next line of r (without LF and a CR before it) into *p, *n. 0, KS_ENOENT
 * at the end, KS_ELIMIT for a line over the cap. */
static int next_line(struct ks_rd *r, const char **p, size_t *n)
{
	size_t left = ks_rd_left(r);
	if (left == 0)
		return KS_ENOENT;
	const uint8_t *start = r->base + r->off;
	const uint8_t *lf = memchr(start, '\n', left);
	size_t len = lf ? (size_t)(lf - start) : left;
	if (len > KS_SURVEY_JSONL_LINE_MAX)
		return KS_ELIMIT;
	ks_rd_skip(r, lf ? len + 1 : len);
	if (len && start[len - 1] == '\r')
		len--;
	*p = (const char *)start;
	*n = len;
	return 0;
}

static int blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t')
			return 0;
	return 1;
}

int ks_survey_jsonl_read(const char *buf, size_t len, const char *name, ks_survey_rec_fn fn,
			 void *ctx, char *err, size_t errlen)
{
	struct ks_survey_rec *rec = calloc(1, sizeof *rec);
	char why[400];
	unsigned round_line = 0;
	int r = 0;
	if (!rec)
		return KS_ENOMEM;
	/* Pass 1 checks every line, pass 2 delivers: the round header first,
	 * then the other records in file order. */
	for (int pass = 1; pass <= 2 && r == 0; pass++) {
		if (pass == 2 && !fn)
			break;
		if (pass == 2 && round_line) {
			struct ks_rd rd = ks_rd_make(buf, len);
			const char *p;
			size_t n;
			for (unsigned line = 1; line <= round_line; line++)
				next_line(&rd, &p, &n);
			ks_survey_rec_parse(p, n, rec, why, sizeof why);
			if ((r = fn(ctx, round_line, rec)) != 0)
				break;
		}
		struct ks_rd rd = ks_rd_make(buf, len);
		const char *p;
		size_t n;
		unsigned line = 0;
		int lr;
		while (r == 0 && (lr = next_line(&rd, &p, &n)) != KS_ENOENT) {
			line++;
			if (lr == KS_ELIMIT || line > KS_SURVEY_JSONL_MAX_LINES) {
				snprintf(err, errlen, "%s:%u: %s", name, line,
					 lr == KS_ELIMIT ? "line longer than 8192 bytes"
							 : "more than 10000000 lines");
				r = KS_ELIMIT;
				break;
			}
			if (blank(p, n))
				continue;
			if (ks_survey_rec_parse(p, n, rec, why, sizeof why) != 0) {
				snprintf(err, errlen, "%s:%u: %s", name, line, why);
				r = KS_EINVAL;
				break;
			}
			if (rec->kind == KS_REC_ROUND) {
				if (pass == 1 && round_line) {
					snprintf(err, errlen, "%s:%u: a second round record (the first is on line %u); "
							      "expected one round per file", name, line, round_line);
					r = KS_EINVAL;
				}
				round_line = line;
				continue;
			}
			if (pass == 2)
				r = fn(ctx, line, rec);
		}
	}
	free(rec);
	return r;
}

int ks_survey_jsonl_put(FILE *f, const json_t *j)
{
	if (json_dumpf(j, f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0 || fputc('\n', f) == EOF)
		return KS_EIO;
	return 0;
}

void ks_survey_jsonl_writer_init(struct ks_survey_jsonl_writer *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
}

static void w_put(struct ks_survey_jsonl_writer *w, json_t *j)
{
	if (w->err == 0 && ks_survey_jsonl_put(w->f, j) != 0)
		w->err = KS_EIO;
	if (w->err == 0)
		w->lines++;
	json_decref(j);
}

static void w_audit(void *ctx, const struct ks_audit *a)
{
	w_put(ctx, ks_audit_to_json(a));
}

static void w_service(void *ctx, const struct ks_svc *s)
{
	w_put(ctx, ks_svc_to_json(s));
}

static void w_finding(void *ctx, const struct ks_finding *f)
{
	struct ks_survey_jsonl_writer *w = ctx;
	const char *org = w->org_of ? w->org_of(w->org_ctx, &f->addr) : NULL;
	w_put(w, ks_finding_to_json(f, org));
}

void ks_survey_jsonl_sink(struct ks_survey_jsonl_writer *w, struct ks_survey_sink *sink)
{
	sink->ctx = w;
	sink->audit = w_audit;
	sink->service = w_service;
	sink->finding = w_finding;
}

int ks_survey_jsonl_write_round(struct ks_survey_jsonl_writer *w, const struct ks_survey_round_hdr *h)
{
	w_put(w, ks_round_hdr_to_json(h));
	return w->err;
}
