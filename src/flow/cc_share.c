/* SPDX-License-Identifier: BSD-2-Clause */
/* C&C list exchange: CSV, JSON and STIX 2.1 writers and readers, and the
 * merge of several operators' lists (contract in cc_share.h, formats in
 * docs/cc.md).
 *
 * Readers parse the whole input before returning anything: entries go into
 * a private list that is handed over only when every record passed, so a
 * bad file applies nothing. Each reader bounds its work by the input size
 * and the entry cap: CSV through the project's RFC 4180 reader (ks_csv),
 * JSON through jansson (which reports line and column of syntax errors and
 * refuses duplicate keys here), and STIX patterns through a small
 * recursive-free scanner over struct ks_rd.
 *
 * Values echoed in messages are escaped and shortened: the file is user
 * input and the message goes to a terminal. */
#include "cc_share.h"

#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#include "ks_csv.h"
#include "ks_err.h"
#include "ks_rd.h"
#include "ks_utf8.h"

/* jansson keeps a whole document in memory, at worst about 20 bytes per
 * input byte (337 MB measured for 16 MiB of [1,1,1,...]); the default size
 * cap keeps that bounded. */
#define DEF_MAX_BYTES ((size_t)16 << 20)
#define DEF_MAX_ENTRIES ((size_t)1000000)
#define SHOW_MAX 48
#define TIME_MAX 253402300799LL /* 9999-12-31T23:59:59Z */

static const char *const csv_cols[] = {"address",  "port",        "proto",       "score",
				       "first_seen", "last_seen", "reported_by", "reported_at",
				       "infected_hosts", "note"};
#define NCOLS 10
enum { C_ADDR, C_PORT, C_PROTO, C_SCORE, C_FIRST, C_LAST, C_BY, C_AT, C_INF, C_NOTE };

/* ---- text ----------------------------------------------------------------- */


static bool is_control(uint32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

/* UTF-8 without control characters. */
static bool clean_text(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = ks_utf8_seq((const unsigned char *)s + i, n - i, &cp);
		if (k == 0 || is_control(cp))
			return false;
		i += k;
	}
	return true;
}

/* Printable, shortened copy of s[0..n) for messages. */
static const char *show(const char *s, size_t n, char *buf, size_t cap)
{
	size_t i = 0, o = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = ks_utf8_seq((const unsigned char *)s + i, n - i, &cp);
		bool esc = k == 0 || is_control(cp) || cp == '\'';
		size_t w = esc ? 4 : k;
		if (i >= SHOW_MAX || o + w + 4 > cap)
			break;
		if (esc) {
			snprintf(buf + o, cap - o, "\\x%02x", (unsigned char)s[i]);
			k = 1;
		} else {
			memcpy(buf + o, s + i, k);
		}
		o += w;
		i += k;
	}
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* ---- time ----------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (the civil-from-days
 * inverse, with years shifted to start in March). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static bool digits(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

int ks_cc_time_parse(const char *s, size_t n, int64_t *out)
{
	static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, se;
	*out = 0;
	if (n < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
	    s[n - 1] != 'Z')
		return KS_EINVAL;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return KS_EINVAL;
	if (n > 20) { /* .fraction of 1..9 digits */
		unsigned f;
		if (s[19] != '.' || n - 21 < 1 || n - 21 > 9 || !digits(s + 20, n - 21, &f))
			return KS_EINVAL;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59)
		return KS_EINVAL;
	unsigned md = mdays[mo - 1] + (mo == 2 && leap(y));
	if (d > md)
		return KS_EINVAL;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

const char *ks_cc_time_format(int64_t t, int ms, char *buf, size_t n)
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (t < 0 || t > TIME_MAX || gmtime_r(&tt, &tm) == NULL) {
		snprintf(buf, n, "%s", ms ? "1970-01-01T00:00:00.000Z" : "1970-01-01T00:00:00Z");
		return buf;
	}
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%s", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms ? ".000Z" : "Z");
	return buf;
}

/* ---- protocols -------------------------------------------------------------- */

static const struct {
	uint8_t num;
	const char *name;
} protos[] = {{1, "icmp"}, {6, "tcp"}, {17, "udp"}, {47, "gre"}, {58, "ipv6-icmp"}, {132, "sctp"}};

const char *ks_cc_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (protos[i].num == proto)
			return protos[i].name;
	return NULL;
}

const char *ks_cc_proto_text(uint8_t proto, char *buf, size_t n)
{
	const char *s = ks_cc_proto_name(proto);
	if (s)
		return s;
	snprintf(buf, n, "%u", proto);
	return buf;
}

static bool proto_parse(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (strlen(protos[i].name) == n && strncasecmp(protos[i].name, s, n) == 0) {
			*out = protos[i].num;
			return true;
		}
	unsigned v;
	if (n == 0 || n > 3 || !digits(s, n, &v) || v > 255)
		return false;
	*out = (uint8_t)v;
	return true;
}

/* ---- entries ---------------------------------------------------------------- */

int ks_cc_entry_check(const struct ks_cc_entry *e, const char **what)
{
	const char *w = NULL;
	size_t nb = strnlen(e->reported_by, KS_CC_NAME_MAX);
	size_t nn = strnlen(e->note, KS_CC_NOTE_MAX);
	if (!(e->score >= 0 && e->score <= 1))
		w = "score";
	else if (e->first_seen < 0 || e->first_seen > TIME_MAX)
		w = "first_seen";
	else if (e->last_seen < e->first_seen || e->last_seen > TIME_MAX)
		w = "last_seen";
	else if (nb == KS_CC_NAME_MAX || !clean_text(e->reported_by, nb))
		w = "reported_by";
	else if (e->reported_at < 0 || e->reported_at > TIME_MAX)
		w = "reported_at";
	else if (nn == KS_CC_NOTE_MAX || !clean_text(e->note, nn))
		w = "note";
	if (what)
		*what = w;
	return w ? KS_EINVAL : 0;
}

int ks_cc_fmt_parse(const char *s, int allow_auto, enum ks_cc_fmt *out)
{
	if (strcmp(s, "csv") == 0)
		*out = KS_CC_FMT_CSV;
	else if (strcmp(s, "json") == 0)
		*out = KS_CC_FMT_JSON;
	else if (strcmp(s, "stix") == 0)
		*out = KS_CC_FMT_STIX;
	else if (allow_auto && strcmp(s, "auto") == 0)
		*out = KS_CC_FMT_AUTO;
	else
		return KS_EINVAL;
	return 0;
}

static double round4(double s) { return round(s * 10000.0) / 10000.0; }

/* ---- STIX ids ----------------------------------------------------------------- */

static void uuid_text(XXH128_hash_t h, char *buf)
{
	uint8_t b[16];
	for (int i = 0; i < 8; i++) {
		b[i] = (uint8_t)(h.high64 >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(h.low64 >> (56 - 8 * i));
	}
	b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 form */
	b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	static const char hx[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			buf[o++] = '-';
		buf[o++] = hx[b[i] >> 4];
		buf[o++] = hx[b[i] & 15];
	}
	buf[o] = '\0';
}

const char *ks_cc_stix_id(const char *type, const void *content, size_t len, char *buf, size_t n)
{
	char u[37];
	XXH3_state_t *st = XXH3_createState();
	XXH128_hash_t h;
	if (st == NULL) {
		h = XXH3_128bits(content, len); /* unseeded by type; still deterministic */
	} else {
		XXH3_128bits_reset(st);
		XXH3_128bits_update(st, "kansoku-cc/", 11);
		XXH3_128bits_update(st, type, strlen(type) + 1);
		XXH3_128bits_update(st, content, len);
		h = XXH3_128bits_digest(st);
		XXH3_freeState(st);
	}
	uuid_text(h, u);
	snprintf(buf, n, "%s--%s", type, u);
	return buf;
}

/* ---- writers ------------------------------------------------------------------- */

static int check_all(const struct ks_cc_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ks_cc_entry_check(&v[i], NULL) != 0)
			return KS_EINVAL;
	return 0;
}

static const char *proto_text(uint8_t p, char *buf, size_t n)
{
	const char *s = ks_cc_proto_name(p);
	if (s)
		return s;
	snprintf(buf, n, "%u", p);
	return buf;
}

static int write_csv(FILE *f, const struct ks_cc_entry *v, size_t n)
{
	ks_csv_row(f, csv_cols, NCOLS);
	for (size_t i = 0; i < n; i++) {
		const struct ks_cc_entry *e = &v[i];
		char a[KS_ADDR_STRLEN], port[8], pr[8], sc[16], t1[32], t2[32], t3[32], inf[16];
		snprintf(port, sizeof port, "%u", e->port);
		snprintf(sc, sizeof sc, "%.4f", round4(e->score));
		snprintf(inf, sizeof inf, "%u", e->infected_hosts);
		const char *row[NCOLS] = {
			ks_addr_format(&e->addr, a),
			port,
			proto_text(e->proto, pr, sizeof pr),
			sc,
			ks_cc_time_format(e->first_seen, 0, t1, sizeof t1),
			ks_cc_time_format(e->last_seen, 0, t2, sizeof t2),
			e->reported_by,
			e->reported_at ? ks_cc_time_format(e->reported_at, 0, t3, sizeof t3) : "",
			inf,
			e->note,
		};
		ks_csv_row(f, row, NCOLS);
	}
	return 0;
}

static json_t *json_time(int64_t t, int ms)
{
	char b[32];
	return json_string(ks_cc_time_format(t, ms, b, sizeof b));
}

static json_t *entry_json(const struct ks_cc_entry *e)
{
	char a[KS_ADDR_STRLEN], pr[8];
	json_t *o = json_object();
	json_object_set_new(o, "address", json_string(ks_addr_format(&e->addr, a)));
	json_object_set_new(o, "port", json_integer(e->port));
	json_object_set_new(o, "proto", json_string(proto_text(e->proto, pr, sizeof pr)));
	json_object_set_new(o, "score", json_real(round4(e->score)));
	json_object_set_new(o, "first_seen", json_time(e->first_seen, 0));
	json_object_set_new(o, "last_seen", json_time(e->last_seen, 0));
	json_object_set_new(o, "reported_by", json_string(e->reported_by));
	json_object_set_new(o, "reported_at", e->reported_at ? json_time(e->reported_at, 0) : json_null());
	json_object_set_new(o, "infected_hosts", json_integer(e->infected_hosts));
	json_object_set_new(o, "note", json_string(e->note));
	return o;
}

#define JSON_FLAGS (JSON_INDENT(2) | JSON_REAL_PRECISION(10) | JSON_PRESERVE_ORDER)

static int dump(FILE *f, json_t *j)
{
	if (j == NULL)
		return KS_ENOMEM;
	int r = json_dumpf(j, f, JSON_FLAGS) == 0 ? 0 : KS_EIO;
	json_decref(j);
	if (r == 0 && fputc('\n', f) == EOF)
		r = KS_EIO;
	return r;
}

static int write_json(FILE *f, const struct ks_cc_entry *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, entry_json(&v[i]));
	return dump(f, a);
}

static const char *identity_id(const char *name, char *buf, size_t n)
{
	return ks_cc_stix_id("identity", name, strlen(name), buf, n);
}

static const char *indicator_id(const struct ks_cc_entry *e, char *buf, size_t n)
{
	char a[KS_ADDR_STRLEN], c[KS_ADDR_STRLEN + KS_CC_NAME_MAX + 32];
	int k = snprintf(c, sizeof c, "%s|%u|%u|%s", ks_addr_format(&e->addr, a), e->port, e->proto,
			 e->reported_by);
	return ks_cc_stix_id("indicator", c, k > 0 ? (size_t)k : 0, buf, n);
}

/* The STIX pattern of an entry into buf. */
static const char *stix_pattern(const struct ks_cc_entry *e, char *buf, size_t n)
{
	char a[KS_ADDR_STRLEN];
	const char *pn = ks_cc_proto_name(e->proto);
	int k = snprintf(buf, n,
			 "[network-traffic:dst_ref.type = '%s' AND network-traffic:dst_ref.value = '%s'"
			 " AND network-traffic:dst_port = %u",
			 ks_addr_is_v4(&e->addr) ? "ipv4-addr" : "ipv6-addr",
			 ks_addr_format(&e->addr, a), e->port);
	if (k > 0 && (size_t)k < n)
		snprintf(buf + k, n - (size_t)k, "%s%s%s]", pn ? " AND network-traffic:protocols[*] = '" : "",
			 pn ? pn : "", pn ? "'" : "");
	return buf;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int write_stix(FILE *f, const struct ks_cc_entry *v, size_t n)
{
	int r = KS_ENOMEM;
	const char **names = calloc(n ? n : 1, sizeof *names);
	json_t *objs = json_array(), *bundle = NULL;
	XXH3_state_t *st = XXH3_createState();
	if (names == NULL || objs == NULL || st == NULL)
		goto out;
	XXH3_128bits_reset(st);
	/* Identities, one per reporter, by name; created = earliest report. */
	size_t nn = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i].reported_by[0])
			names[nn++] = v[i].reported_by;
	qsort(names, nn, sizeof *names, cmp_str);
	for (size_t i = 0; i < nn; i++) {
		if (i > 0 && strcmp(names[i], names[i - 1]) == 0)
			continue;
		int64_t t = INT64_MAX;
		for (size_t j = 0; j < n; j++)
			if (strcmp(v[j].reported_by, names[i]) == 0) {
				int64_t at = v[j].reported_at ? v[j].reported_at : v[j].first_seen;
				if (at < t)
					t = at;
			}
		char id[64];
		identity_id(names[i], id, sizeof id);
		json_t *o = json_object();
		json_object_set_new(o, "type", json_string("identity"));
		json_object_set_new(o, "spec_version", json_string("2.1"));
		json_object_set_new(o, "id", json_string(id));
		json_object_set_new(o, "created", json_time(t, 1));
		json_object_set_new(o, "modified", json_time(t, 1));
		json_object_set_new(o, "name", json_string(names[i]));
		json_object_set_new(o, "identity_class", json_string("organization"));
		json_array_append_new(objs, o);
		XXH3_128bits_update(st, id, strlen(id) + 1);
	}
	for (size_t i = 0; i < n; i++) {
		const struct ks_cc_entry *e = &v[i];
		char id[64], cid[64], pat[256], a[KS_ADDR_STRLEN], pr[8], nm[128], ts[32];
		int64_t at = e->reported_at ? e->reported_at : e->first_seen;
		indicator_id(e, id, sizeof id);
		json_t *o = json_object();
		json_object_set_new(o, "type", json_string("indicator"));
		json_object_set_new(o, "spec_version", json_string("2.1"));
		json_object_set_new(o, "id", json_string(id));
		if (e->reported_by[0])
			json_object_set_new(o, "created_by_ref",
					    json_string(identity_id(e->reported_by, cid, sizeof cid)));
		json_object_set_new(o, "created", json_time(at, 1));
		json_object_set_new(o, "modified", json_time(at, 1));
		snprintf(nm, sizeof nm, "C&C candidate %s:%u/%s", ks_addr_format(&e->addr, a), e->port,
			 proto_text(e->proto, pr, sizeof pr));
		json_object_set_new(o, "name", json_string(nm));
		if (e->note[0])
			json_object_set_new(o, "description", json_string(e->note));
		json_object_set_new(o, "indicator_types", json_pack("[s]", "malicious-activity"));
		json_object_set_new(o, "labels", json_pack("[s]", "malicious-activity"));
		json_object_set_new(o, "pattern", json_string(stix_pattern(e, pat, sizeof pat)));
		json_object_set_new(o, "pattern_type", json_string("stix"));
		json_object_set_new(o, "pattern_version", json_string("2.1"));
		json_object_set_new(o, "valid_from", json_time(e->first_seen, 1));
		json_object_set_new(o, "confidence", json_integer((json_int_t)lround(e->score * 100)));
		json_object_set_new(o, "x_kansoku_score", json_real(round4(e->score)));
		json_object_set_new(o, "x_kansoku_proto", json_integer(e->proto));
		json_object_set_new(o, "x_kansoku_first_seen", json_time(e->first_seen, 1));
		json_object_set_new(o, "x_kansoku_last_seen", json_time(e->last_seen, 1));
		json_object_set_new(o, "x_kansoku_infected_hosts", json_integer(e->infected_hosts));
		json_array_append_new(objs, o);
		XXH3_128bits_update(st, id, strlen(id) + 1);
		ks_cc_time_format(at, 1, ts, sizeof ts);
		XXH3_128bits_update(st, ts, strlen(ts) + 1);
	}
	char bid[64], u[37];
	uuid_text(XXH3_128bits_digest(st), u);
	snprintf(bid, sizeof bid, "bundle--%s", u);
	bundle = json_object();
	if (bundle == NULL)
		goto out;
	json_object_set_new(bundle, "type", json_string("bundle"));
	json_object_set_new(bundle, "id", json_string(bid));
	json_object_set_new(bundle, "objects", objs);
	objs = NULL;
	r = dump(f, bundle);
	bundle = NULL;
out:
	json_decref(objs);
	json_decref(bundle);
	XXH3_freeState(st);
	free(names);
	return r;
}

int ks_cc_write(FILE *f, enum ks_cc_fmt fmt, const struct ks_cc_entry *v, size_t n)
{
	int r = check_all(v, n);
	if (r != 0)
		return r;
	switch (fmt) {
	case KS_CC_FMT_CSV:
		r = write_csv(f, v, n);
		break;
	case KS_CC_FMT_JSON:
		r = write_json(f, v, n);
		break;
	case KS_CC_FMT_STIX:
		r = write_stix(f, v, n);
		break;
	default:
		return KS_EINVAL;
	}
	if (r == 0 && (fflush(f) != 0 || ferror(f)))
		r = KS_EIO;
	return r;
}

/* ---- reading: shared ------------------------------------------------------------ */

struct rd {
	const char *name;
	char *err;
	size_t errlen;
	char where[64]; /* "LINE:" / " entry [N]:" / " objects[N]:" */
	const struct ks_cc_read_opts *o;
	struct ks_cc_list l;
	size_t cap;
};

static int fail(struct rd *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct rd *r, int code, const char *fmt, ...)
{
	if (r->err != NULL && r->errlen > 0) {
		int k = snprintf(r->err, r->errlen, "%s:%s ", r->name, r->where);
		if (k >= 0 && (size_t)k < r->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(r->err + k, r->errlen - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return code;
}

static int bad(struct rd *r, const char *field, const char *s, size_t n, const char *expected)
{
	char b[SHOW_MAX * 4 + 8];
	return fail(r, KS_EINVAL, "%s: bad value '%s'; expected %s", field, show(s, n, b, sizeof b),
		    expected);
}

static struct ks_cc_entry *new_entry(struct rd *r, int *err)
{
	if (r->l.n >= r->o->max_entries) {
		*err = fail(r, KS_ELIMIT, "more than %zu entries; expected at most that many",
			    r->o->max_entries);
		return NULL;
	}
	if (r->l.n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 64;
		struct ks_cc_entry *v = reallocarray(r->l.v, nc, sizeof *v);
		if (v == NULL) {
			*err = KS_ENOMEM;
			return NULL;
		}
		r->l.v = v;
		r->cap = nc;
	}
	struct ks_cc_entry *e = &r->l.v[r->l.n++];
	memset(e, 0, sizeof *e);
	return e;
}

/* Field parsers over text s[0..n) (NUL-terminated at n). */
static int f_addr(struct rd *r, const char *s, size_t n, struct ks_cc_entry *e)
{
	if (n == 0 || n >= KS_ADDR_STRLEN || memchr(s, '\0', n) || ks_addr_parse(s, &e->addr) != 0)
		return bad(r, "address", s, n, "an IPv4 or IPv6 address");
	return 0;
}

static int f_uint(struct rd *r, const char *field, const char *s, size_t n, uint64_t max,
		  uint64_t *out, const char *expected)
{
	uint64_t v = 0;
	if (n == 0 || n > 10)
		return bad(r, field, s, n, expected);
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return bad(r, field, s, n, expected);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return bad(r, field, s, n, expected);
	*out = v;
	return 0;
}

static int f_proto(struct rd *r, const char *s, size_t n, struct ks_cc_entry *e)
{
	if (!proto_parse(s, n, &e->proto))
		return bad(r, "proto", s, n, "tcp, udp, icmp, ipv6-icmp, sctp, gre or a number 0..255");
	return 0;
}

/* Plain decimal 0..1: digits, optionally a point and digits. */
static int f_score_text(struct rd *r, const char *s, size_t n, double *out)
{
	const char *exp = "a decimal number 0..1 such as 0.8731";
	size_t i = 0, dig = 0;
	char buf[40];
	if (n == 0 || n >= sizeof buf)
		return bad(r, "score", s, n, exp);
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++, dig++;
	if (i < n && s[i] == '.') {
		i++;
		size_t fr = 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++, fr++;
		if (fr == 0)
			return bad(r, "score", s, n, exp);
	}
	if (i != n || dig == 0)
		return bad(r, "score", s, n, exp);
	memcpy(buf, s, n);
	buf[n] = '\0';
	double v = strtod(buf, NULL);
	if (!(v >= 0 && v <= 1))
		return bad(r, "score", s, n, exp);
	*out = v;
	return 0;
}

static int f_time(struct rd *r, const char *field, const char *s, size_t n, int64_t *out)
{
	if (ks_cc_time_parse(s, n, out) != 0 || *out > TIME_MAX)
		return bad(r, field, s, n, "a UTC time like 2026-11-22T04:19:00Z");
	return 0;
}

static int f_text(struct rd *r, const char *field, const char *s, size_t n, char *dst, size_t cap)
{
	if (n >= cap || memchr(s, '\0', n) || !clean_text(s, n)) {
		char exp[96];
		snprintf(exp, sizeof exp, "UTF-8 text of at most %zu bytes without control characters",
			 cap - 1);
		return bad(r, field, s, n, exp);
	}
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

/* Defaults for the reporter fields, then the entry check. */
static int finish_entry(struct rd *r, struct ks_cc_entry *e)
{
	if (e->reported_by[0] == '\0' && r->o->from != NULL) {
		size_t k = strnlen(r->o->from, KS_CC_NAME_MAX);
		if (k == KS_CC_NAME_MAX || !clean_text(r->o->from, k))
			return fail(r, KS_EINVAL, "operator name given with --from is not usable text "
						  "of at most 63 bytes");
		memcpy(e->reported_by, r->o->from, k + 1);
	}
	if (e->reported_at == 0)
		e->reported_at = r->o->now > 0 && r->o->now <= TIME_MAX ? r->o->now : 0;
	const char *what;
	if (ks_cc_entry_check(e, &what) != 0) {
		if (strcmp(what, "last_seen") == 0)
			return fail(r, KS_EINVAL, "last_seen is before first_seen; expected first_seen <= "
						  "last_seen");
		return fail(r, KS_EINVAL, "%s: value out of range", what);
	}
	return 0;
}

/* ---- reading CSV ---------------------------------------------------------------- */

static int read_csv(struct rd *r, const char *data, size_t len)
{
	struct ks_csv c;
	int ret;
	ks_csv_init(&c, data, len);
	snprintf(r->where, sizeof r->where, "1:");
	ret = ks_csv_next(&c);
	if (ret == KS_ENOENT) {
		ret = fail(r, KS_EINVAL, "empty file; expected the header line %s,...", csv_cols[0]);
		goto out;
	}
	if (ret != 0) {
		snprintf(r->where, sizeof r->where, "%u:", c.line);
		ret = fail(r, KS_EINVAL, "%s", c.error);
		goto out;
	}
	bool hdr = c.nfield == NCOLS;
	for (size_t i = 0; hdr && i < NCOLS; i++)
		hdr = strcmp(c.field[i], csv_cols[i]) == 0;
	if (!hdr) {
		snprintf(r->where, sizeof r->where, "%u:", c.line);
		ret = fail(r, KS_EINVAL,
			   "bad header; expected address,port,proto,score,first_seen,last_seen,"
			   "reported_by,reported_at,infected_hosts,note");
		goto out;
	}
	for (;;) {
		ret = ks_csv_next(&c);
		snprintf(r->where, sizeof r->where, "%u:", c.line);
		if (ret == KS_ENOENT) {
			ret = 0;
			break;
		}
		if (ret != 0) {
			ret = fail(r, KS_EINVAL, "%s", c.error);
			break;
		}
		if (c.nfield != NCOLS) {
			ret = fail(r, KS_EINVAL, "%zu fields; expected %d as in the header", c.nfield,
				   NCOLS);
			break;
		}
		struct ks_cc_entry *e = new_entry(r, &ret);
		if (e == NULL)
			break;
		const char *f[NCOLS];
		size_t n[NCOLS];
		for (size_t i = 0; i < NCOLS; i++) {
			f[i] = c.field[i];
			n[i] = strlen(f[i]);
		}
		/* Undo the writer's spreadsheet guard (ks_csv_put): a quote put
		 * before a leading = + - @ of a text field. */
		for (size_t i = C_BY; i <= C_NOTE; i += C_NOTE - C_BY)
			if (n[i] >= 2 && f[i][0] == '\'' && strchr("=+-@", f[i][1]) != NULL)
				f[i]++, n[i]--;
		uint64_t u;
		if ((ret = f_addr(r, f[C_ADDR], n[C_ADDR], e)) != 0)
			break;
		if ((ret = f_uint(r, "port", f[C_PORT], n[C_PORT], 65535, &u,
				  "an integer 0..65535")) != 0)
			break;
		e->port = (uint16_t)u;
		if ((ret = f_proto(r, f[C_PROTO], n[C_PROTO], e)) != 0 ||
		    (ret = f_score_text(r, f[C_SCORE], n[C_SCORE], &e->score)) != 0 ||
		    (ret = f_time(r, "first_seen", f[C_FIRST], n[C_FIRST], &e->first_seen)) != 0 ||
		    (ret = f_time(r, "last_seen", f[C_LAST], n[C_LAST], &e->last_seen)) != 0 ||
		    (ret = f_text(r, "reported_by", f[C_BY], n[C_BY], e->reported_by,
				  sizeof e->reported_by)) != 0)
			break;
		if (n[C_AT] > 0 && (ret = f_time(r, "reported_at", f[C_AT], n[C_AT], &e->reported_at)) != 0)
			break;
		u = 0;
		if (n[C_INF] > 0 && (ret = f_uint(r, "infected_hosts", f[C_INF], n[C_INF], UINT32_MAX,
						  &u, "an integer 0..4294967295")) != 0)
			break;
		e->infected_hosts = (uint32_t)u;
		if ((ret = f_text(r, "note", f[C_NOTE], n[C_NOTE], e->note, sizeof e->note)) != 0 ||
		    (ret = finish_entry(r, e)) != 0)
			break;
	}
out:
	ks_csv_release(&c);
	return ret;
}

/* ---- reading JSON --------------------------------------------------------------- */

static const char *jtype(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static int j_type(struct rd *r, const char *key, const json_t *v, const char *expected)
{
	return fail(r, KS_EINVAL, "key '%s': %s; expected %s", key, jtype(v), expected);
}

static int j_uint(struct rd *r, const char *key, const json_t *v, uint64_t max, uint64_t *out)
{
	char exp[48];
	snprintf(exp, sizeof exp, "an integer 0..%llu", (unsigned long long)max);
	if (!json_is_integer(v))
		return j_type(r, key, v, exp);
	json_int_t x = json_integer_value(v);
	if (x < 0 || (uint64_t)x > max)
		return fail(r, KS_EINVAL, "key '%s': %lld out of range; expected %s", key, (long long)x,
			    exp);
	*out = (uint64_t)x;
	return 0;
}

static int j_time(struct rd *r, const char *key, const json_t *v, int64_t *out)
{
	if (!json_is_string(v))
		return j_type(r, key, v, "a UTC time string like 2026-11-22T04:19:00Z");
	return f_time(r, key, json_string_value(v), json_string_length(v), out);
}

static int j_text(struct rd *r, const char *key, const json_t *v, char *dst, size_t cap)
{
	if (!json_is_string(v))
		return j_type(r, key, v, "a string");
	return f_text(r, key, json_string_value(v), json_string_length(v), dst, cap);
}

static int read_json(struct rd *r, const char *data, size_t len)
{
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	int ret = 0;
	if (root == NULL) {
		snprintf(r->where, sizeof r->where, "%d:%d:", je.line, je.column);
		return fail(r, KS_EINVAL, "%s; expected a JSON array of C&C entries", je.text);
	}
	if (!json_is_array(root)) {
		ret = fail(r, KS_EINVAL, "top level is %s; expected an array of C&C entries",
			   jtype(root));
		goto out;
	}
	size_t n = json_array_size(root);
	if (n > r->o->max_entries) {
		ret = fail(r, KS_ELIMIT, "%zu entries; expected at most %zu", n, r->o->max_entries);
		goto out;
	}
	for (size_t i = 0; i < n && ret == 0; i++) {
		json_t *o = json_array_get(root, i);
		snprintf(r->where, sizeof r->where, " entry [%zu]:", i);
		if (!json_is_object(o)) {
			ret = fail(r, KS_EINVAL, "%s; expected an object", jtype(o));
			break;
		}
		struct ks_cc_entry *e = new_entry(r, &ret);
		if (e == NULL)
			break;
		unsigned seen = 0;
		const char *key;
		json_t *v;
		json_object_foreach(o, key, v)
		{
			size_t k = 0;
			while (k < NCOLS && strcmp(key, csv_cols[k]) != 0)
				k++;
			if (k == NCOLS) {
				char b[SHOW_MAX * 4 + 8];
				ret = fail(r, KS_EINVAL, "unknown key '%s'; expected only %s, %s, ...",
					   show(key, strlen(key), b, sizeof b), csv_cols[0], csv_cols[1]);
				break;
			}
			seen |= 1u << k;
			uint64_t u = 0;
			switch (k) {
			case C_ADDR:
				ret = json_is_string(v)
					      ? f_addr(r, json_string_value(v), json_string_length(v), e)
					      : j_type(r, key, v, "an address string");
				break;
			case C_PORT:
				ret = j_uint(r, key, v, 65535, &u);
				e->port = (uint16_t)u;
				break;
			case C_PROTO:
				if (json_is_integer(v)) {
					ret = j_uint(r, key, v, 255, &u);
					e->proto = (uint8_t)u;
				} else if (json_is_string(v)) {
					ret = f_proto(r, json_string_value(v), json_string_length(v), e);
				} else {
					ret = j_type(r, key, v, "a protocol name or number");
				}
				break;
			case C_SCORE:
				if (!json_is_number(v) || !(json_number_value(v) >= 0 && json_number_value(v) <= 1))
					ret = json_is_number(v)
						      ? fail(r, KS_EINVAL, "key 'score': %g; expected 0..1",
							     json_number_value(v))
						      : j_type(r, key, v, "a number 0..1");
				else
					e->score = json_number_value(v);
				break;
			case C_FIRST:
				ret = j_time(r, key, v, &e->first_seen);
				break;
			case C_LAST:
				ret = j_time(r, key, v, &e->last_seen);
				break;
			case C_BY:
				ret = j_text(r, key, v, e->reported_by, sizeof e->reported_by);
				break;
			case C_AT:
				if (!json_is_null(v))
					ret = j_time(r, key, v, &e->reported_at);
				break;
			case C_INF:
				ret = j_uint(r, key, v, UINT32_MAX, &u);
				e->infected_hosts = (uint32_t)u;
				break;
			case C_NOTE:
				ret = j_text(r, key, v, e->note, sizeof e->note);
				break;
			}
			if (ret != 0)
				break;
		}
		if (ret != 0)
			break;
		static const int req[] = {C_ADDR, C_PORT, C_PROTO, C_SCORE, C_FIRST, C_LAST};
		for (size_t q = 0; q < sizeof req / sizeof req[0]; q++)
			if (!(seen & (1u << req[q]))) {
				ret = fail(r, KS_EINVAL, "key '%s' missing; expected address, port, proto, "
							 "score, first_seen and last_seen",
					   csv_cols[req[q]]);
				break;
			}
		if (ret == 0)
			ret = finish_entry(r, e);
	}
out:
	json_decref(root);
	return ret;
}

/* ---- reading STIX ---------------------------------------------------------------- */

/* Pattern scanner: accepts conjunctions of comparisons, in one or several
 * observation expressions joined by AND:
 *   [network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = 'A'
 *    AND network-traffic:dst_port = N AND network-traffic:protocols[*] = 'tcp']
 *   [ipv4-addr:value = 'A'] AND [network-traffic:dst_port = N]
 * Anything else (OR, other objects, other operators, qualifiers) is refused. */
struct pat {
	struct ks_rd r;
	char addr[KS_ADDR_STRLEN];
	char type[16];
	char proto[16];
	bool has_addr, has_port, has_proto, has_type;
	unsigned depth; /* open parentheses */
	uint16_t port;
	const char *msg;
};

static int pk(const struct pat *p) { return ks_rd_has(&p->r, 1) ? p->r.base[p->r.off] : -1; }

static void ws(struct pat *p)
{
	while (pk(p) == ' ' || pk(p) == '\t' || pk(p) == '\n' || pk(p) == '\r')
		ks_rd_skip(&p->r, 1);
}

static bool word(struct pat *p, const char *w)
{
	size_t n = strlen(w);
	if (!ks_rd_has(&p->r, n) || memcmp(p->r.base + p->r.off, w, n) != 0)
		return false;
	ks_rd_skip(&p->r, n);
	return true;
}

/* Reads a quoted string ('...' with \' and \\) into buf[cap]. */
static bool quoted(struct pat *p, char *buf, size_t cap)
{
	size_t o = 0;
	if (pk(p) != '\'')
		return false;
	ks_rd_skip(&p->r, 1);
	for (;;) {
		int c = pk(p);
		if (c < 0)
			return false;
		ks_rd_skip(&p->r, 1);
		if (c == '\'')
			break;
		if (c == '\\') {
			c = pk(p);
			if (c != '\'' && c != '\\')
				return false;
			ks_rd_skip(&p->r, 1);
		}
		if (o + 1 >= cap)
			return false;
		buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return true;
}

static bool comparison(struct pat *p)
{
	static const char *const paths[] = {"network-traffic:dst_ref.type",
					    "network-traffic:dst_ref.value",
					    "network-traffic:dst_port",
					    "network-traffic:protocols[*]",
					    "ipv4-addr:value",
					    "ipv6-addr:value"};
	size_t k;
	ws(p);
	for (k = 0; k < 6; k++)
		if (word(p, paths[k]))
			break;
	if (k == 6) {
		p->msg = "a comparison on network-traffic:dst_ref.value, dst_port, protocols[*] or "
			 "ipv4-addr/ipv6-addr:value";
		return false;
	}
	ws(p);
	if (!word(p, "=")) {
		p->msg = "'=' (other operators are not imported)";
		return false;
	}
	ws(p);
	if (k == 2) {
		uint32_t v = 0;
		size_t nd = 0;
		while (pk(p) >= '0' && pk(p) <= '9' && nd < 6) {
			v = v * 10 + (uint32_t)(pk(p) - '0');
			ks_rd_skip(&p->r, 1);
			nd++;
		}
		if (nd == 0 || v > 65535 || p->has_port) {
			p->msg = "one dst_port of 0..65535";
			return false;
		}
		p->port = (uint16_t)v;
		p->has_port = true;
		return true;
	}
	char buf[KS_ADDR_STRLEN];
	if (!quoted(p, buf, sizeof buf)) {
		p->msg = "a quoted string value";
		return false;
	}
	if (k == 0) {
		if (p->has_type || strlen(buf) >= sizeof p->type) {
			p->msg = "one dst_ref.type";
			return false;
		}
		memcpy(p->type, buf, strlen(buf) + 1);
		p->has_type = true;
	} else if (k == 3) {
		if (p->has_proto || strlen(buf) >= sizeof p->proto) {
			p->msg = "one protocols[*] comparison";
			return false;
		}
		memcpy(p->proto, buf, strlen(buf) + 1);
		p->has_proto = true;
	} else {
		if (p->has_addr) {
			p->msg = "one address";
			return false;
		}
		memcpy(p->addr, buf, strlen(buf) + 1);
		p->has_addr = true;
		if (k >= 4) { /* ipv4-addr:value / ipv6-addr:value name the type */
			snprintf(p->type, sizeof p->type, "%s", k == 4 ? "ipv4-addr" : "ipv6-addr");
			p->has_type = true;
		}
	}
	return true;
}

static bool pattern(struct pat *p)
{
	/* Every turn consumes at least '[' and one comparison, so the loops
	 * end within the pattern's length. */
	for (;;) {
		ws(p);
		if (!word(p, "[")) {
			p->msg = "'[' opening an observation expression";
			return false;
		}
		for (;;) {
			/* Parentheses only group conjunctions here, so they
			 * change nothing; they are checked for balance. */
			ws(p);
			while (word(p, "(")) {
				if (++p->depth > 32) {
					p->msg = "at most 32 nested parentheses";
					return false;
				}
				ws(p);
			}
			if (!comparison(p))
				return false;
			ws(p);
			while (word(p, ")")) {
				if (p->depth == 0) {
					p->msg = "no ')' without its '('";
					return false;
				}
				p->depth--;
				ws(p);
			}
			if (word(p, "AND"))
				continue;
			if (p->depth == 0 && word(p, "]"))
				break;
			p->msg = p->depth ? "AND or ')' (OR is not imported)" : "AND or ']' (OR is not imported)";
			return false;
		}
		ws(p);
		if (ks_rd_left(&p->r) == 0)
			break;
		if (!word(p, "AND")) {
			p->msg = "AND between observation expressions, or the end (OR, FOLLOWEDBY "
				 "and qualifiers are not imported)";
			return false;
		}
	}
	if (!p->has_addr || !p->has_port) {
		p->msg = "an address and a dst_port";
		return false;
	}
	return true;
}

struct ident {
	const char *id, *name;
};

static int cmp_ident(const void *a, const void *b)
{
	return strcmp(((const struct ident *)a)->id, ((const struct ident *)b)->id);
}

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* True if s is "<type>--" followed by a UUID in 8-4-4-4-12 hex form. */
static bool stix_id_ok(const char *s, const char *type)
{
	size_t t = strlen(type);
	if (strncmp(s, type, t) != 0 || strncmp(s + t, "--", 2) != 0)
		return false;
	s += t + 2;
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		char c = s[i];
		bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		if (dash ? c != '-' : !hex)
			return false;
	}
	return true;
}

static int j_req_time(struct rd *r, const json_t *o, const char *key, int64_t *out)
{
	const json_t *v = json_object_get(o, key);
	if (v == NULL)
		return fail(r, KS_EINVAL, "property '%s' missing; expected a STIX timestamp", key);
	return j_time(r, key, v, out);
}

/* The note from a STIX description: control characters become spaces and
 * the text is cut at 255 bytes on a character boundary (descriptions from
 * other tools are free text). */
static void note_from(const char *s, size_t n, char *dst)
{
	size_t i = 0, o = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = ks_utf8_seq((const unsigned char *)s + i, n - i, &cp);
		if (k == 0) {
			k = 1;
			cp = ' ';
		}
		size_t w = is_control(cp) ? 1 : k;
		if (o + w > KS_CC_NOTE_MAX - 1)
			break;
		if (is_control(cp) || k == 1)
			dst[o] = is_control(cp) || cp == ' ' ? ' ' : s[i];
		else
			memcpy(dst + o, s + i, k);
		o += w;
		i += k;
	}
	dst[o] = '\0';
}

static int stix_indicator(struct rd *r, const json_t *o, const struct ident *idv, size_t nid)
{
	int ret;
	const char *id = jstr(o, "id");
	if (id == NULL || !stix_id_ok(id, "indicator"))
		return fail(r, KS_EINVAL, "property 'id' missing or bad; expected indicator--<UUID>");
	const char *sv = jstr(o, "spec_version");
	if (sv == NULL || strcmp(sv, "2.1") != 0)
		return fail(r, KS_EINVAL, "property 'spec_version' missing or not \"2.1\"; expected "
					  "STIX 2.1");
	const json_t *rv = json_object_get(o, "revoked");
	if (json_is_true(rv))
		return 0; /* withdrawn by its producer: nothing to import */
	const char *pt = jstr(o, "pattern_type");
	if (pt == NULL || strcmp(pt, "stix") != 0)
		return fail(r, KS_EINVAL, "property 'pattern_type' missing or not \"stix\"; expected "
					  "a STIX pattern");
	const json_t *pv = json_object_get(o, "pattern");
	if (!json_is_string(pv))
		return fail(r, KS_EINVAL, "property 'pattern' missing; expected a STIX pattern string");
	int64_t created, modified, valid_from;
	if ((ret = j_req_time(r, o, "created", &created)) != 0 ||
	    (ret = j_req_time(r, o, "modified", &modified)) != 0 ||
	    (ret = j_req_time(r, o, "valid_from", &valid_from)) != 0)
		return ret;

	struct pat p;
	memset(&p, 0, sizeof p);
	p.r = ks_rd_make(json_string_value(pv), json_string_length(pv));
	if (!pattern(&p)) {
		char b[SHOW_MAX * 4 + 8];
		return fail(r, KS_EINVAL, "pattern '%s': at offset %zu: expected %s",
			    show(json_string_value(pv), json_string_length(pv), b, sizeof b),
			    ks_rd_off(&p.r), p.msg);
	}
	struct ks_cc_entry *e = new_entry(r, &ret);
	if (e == NULL)
		return ret;
	/* A single address may be written as a /32 or /128 prefix. */
	char *slash = strchr(p.addr, '/');
	size_t alen = slash ? (size_t)(slash - p.addr) : strlen(p.addr);
	if (slash != NULL) {
		*slash = '\0';
		bool v6 = strchr(p.addr, ':') != NULL;
		if (strcmp(slash + 1, v6 ? "128" : "32") != 0) {
			char b[SHOW_MAX * 4 + 8];
			return fail(r, KS_EINVAL, "pattern: address prefix /%s; expected a single address "
						  "(a /32 or /128 at most)",
				    show(slash + 1, strlen(slash + 1), b, sizeof b));
		}
	}
	if ((ret = f_addr(r, p.addr, alen, e)) != 0)
		return ret;
	if (p.has_type && strcmp(p.type, ks_addr_is_v4(&e->addr) ? "ipv4-addr" : "ipv6-addr") != 0)
		return fail(r, KS_EINVAL, "pattern: dst_ref.type does not match the address; "
					  "expected ipv4-addr or ipv6-addr as the address is");
	e->port = p.port;
	const json_t *xp = json_object_get(o, "x_kansoku_proto");
	uint64_t u;
	if (p.has_proto) {
		if ((ret = f_proto(r, p.proto, strlen(p.proto), e)) != 0)
			return ret;
	} else if (xp != NULL) {
		if ((ret = j_uint(r, "x_kansoku_proto", xp, 255, &u)) != 0)
			return ret;
		e->proto = (uint8_t)u;
	} else {
		return fail(r, KS_EINVAL, "pattern has no network-traffic:protocols[*] and there is no "
					  "x_kansoku_proto; expected the protocol");
	}
	const json_t *v;
	if ((v = json_object_get(o, "x_kansoku_score")) != NULL) {
		if (!json_is_number(v) || !(json_number_value(v) >= 0 && json_number_value(v) <= 1))
			return fail(r, KS_EINVAL, "property 'x_kansoku_score': expected a number 0..1");
		e->score = json_number_value(v);
	} else if ((v = json_object_get(o, "confidence")) != NULL) {
		if ((ret = j_uint(r, "confidence", v, 100, &u)) != 0)
			return ret;
		e->score = (double)u / 100.0;
	}
	e->first_seen = valid_from;
	e->last_seen = modified;
	if ((v = json_object_get(o, "x_kansoku_first_seen")) != NULL &&
	    (ret = j_time(r, "x_kansoku_first_seen", v, &e->first_seen)) != 0)
		return ret;
	if ((v = json_object_get(o, "x_kansoku_last_seen")) != NULL) {
		if ((ret = j_time(r, "x_kansoku_last_seen", v, &e->last_seen)) != 0)
			return ret;
	} else if (e->last_seen < e->first_seen) {
		e->last_seen = e->first_seen;
	}
	if ((v = json_object_get(o, "x_kansoku_infected_hosts")) != NULL) {
		if ((ret = j_uint(r, "x_kansoku_infected_hosts", v, UINT32_MAX, &u)) != 0)
			return ret;
		e->infected_hosts = (uint32_t)u;
	}
	e->reported_at = created;
	const char *cb = jstr(o, "created_by_ref");
	if (cb != NULL) {
		struct ident key = {cb, NULL};
		const struct ident *hit = nid ? bsearch(&key, idv, nid, sizeof *idv, cmp_ident) : NULL;
		if (hit != NULL && (ret = f_text(r, "identity name", hit->name, strlen(hit->name),
						 e->reported_by, sizeof e->reported_by)) != 0)
			return ret;
	}
	if ((v = json_object_get(o, "description")) != NULL) {
		if (!json_is_string(v))
			return j_type(r, "description", v, "a string");
		note_from(json_string_value(v), json_string_length(v), e->note);
	}
	return finish_entry(r, e);
}

static int read_stix(struct rd *r, const char *data, size_t len)
{
	json_error_t je;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
	struct ident *idv = NULL;
	int ret = 0;
	if (root == NULL) {
		snprintf(r->where, sizeof r->where, "%d:%d:", je.line, je.column);
		return fail(r, KS_EINVAL, "%s; expected a STIX 2.1 bundle", je.text);
	}
	const char *t = json_is_object(root) ? jstr(root, "type") : NULL;
	json_t *objs = json_is_object(root) ? json_object_get(root, "objects") : NULL;
	if (t == NULL || strcmp(t, "bundle") != 0 || !json_is_array(objs)) {
		ret = fail(r, KS_EINVAL, "not a STIX bundle; expected an object with \"type\": "
					 "\"bundle\" and an \"objects\" array");
		goto out;
	}
	size_t n = json_array_size(objs);
	size_t maxobj = r->o->max_entries > (SIZE_MAX - 1024) / 2 ? SIZE_MAX : r->o->max_entries * 2 + 1024;
	if (n > maxobj) {
		ret = fail(r, KS_ELIMIT, "%zu objects; expected at most %zu", n, maxobj);
		goto out;
	}
	idv = calloc(n ? n : 1, sizeof *idv);
	if (idv == NULL) {
		ret = KS_ENOMEM;
		goto out;
	}
	size_t nid = 0;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(objs, i);
		snprintf(r->where, sizeof r->where, " objects[%zu]:", i);
		const char *ot = json_is_object(o) ? jstr(o, "type") : NULL;
		if (ot == NULL) {
			ret = fail(r, KS_EINVAL, "expected an object with a string \"type\"");
			goto out;
		}
		if (strcmp(ot, "identity") == 0) {
			const char *id = jstr(o, "id"), *name = jstr(o, "name");
			if (id == NULL || !stix_id_ok(id, "identity") || name == NULL) {
				ret = fail(r, KS_EINVAL, "identity without a valid 'id' and a 'name'; "
							 "expected both");
				goto out;
			}
			idv[nid].id = id;
			idv[nid].name = name;
			nid++;
		}
	}
	qsort(idv, nid, sizeof *idv, cmp_ident);
	for (size_t i = 1; i < nid; i++)
		if (strcmp(idv[i].id, idv[i - 1].id) == 0 && strcmp(idv[i].name, idv[i - 1].name) != 0) {
			r->where[0] = '\0';
			ret = fail(r, KS_EINVAL, "identity %s appears twice with different names; "
						 "expected one name per id", idv[i].id);
			goto out;
		}
	for (size_t i = 0; i < n && ret == 0; i++) {
		json_t *o = json_array_get(objs, i);
		snprintf(r->where, sizeof r->where, " objects[%zu]:", i);
		if (strcmp(jstr(o, "type"), "indicator") == 0)
			ret = stix_indicator(r, o, idv, nid);
	}
out:
	free(idv);
	json_decref(root);
	return ret;
}

int ks_cc_read(const char *data, size_t len, enum ks_cc_fmt fmt, const char *name,
	       const struct ks_cc_read_opts *o, struct ks_cc_list *out, char *err, size_t errlen)
{
	struct ks_cc_read_opts def = {0};
	struct rd r;
	memset(&r, 0, sizeof r);
	memset(out, 0, sizeof *out);
	if (errlen > 0)
		err[0] = '\0';
	if (o != NULL)
		def = *o;
	if (def.max_bytes == 0)
		def.max_bytes = DEF_MAX_BYTES;
	if (def.max_entries == 0)
		def.max_entries = DEF_MAX_ENTRIES;
	r.name = name ? name : "input";
	r.err = err;
	r.errlen = errlen;
	r.o = &def;
	if (len > def.max_bytes)
		return fail(&r, KS_ELIMIT, "%zu bytes; expected at most %zu", len, def.max_bytes);
	if (fmt == KS_CC_FMT_AUTO) {
		size_t i = 0;
		if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
			i = 3; /* a UTF-8 byte-order mark: let the parser refuse it by format */
		while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n'))
			i++;
		fmt = i < len && data[i] == '{' ? KS_CC_FMT_STIX
		      : i < len && data[i] == '[' ? KS_CC_FMT_JSON
						  : KS_CC_FMT_CSV;
	}
	int ret;
	switch (fmt) {
	case KS_CC_FMT_CSV:
		ret = read_csv(&r, data, len);
		break;
	case KS_CC_FMT_JSON:
		ret = read_json(&r, data, len);
		break;
	case KS_CC_FMT_STIX:
		ret = read_stix(&r, data, len);
		break;
	default:
		ret = fail(&r, KS_EINVAL, "unknown format");
	}
	if (ret != 0) {
		ks_cc_list_release(&r.l);
		return ret;
	}
	*out = r.l;
	return 0;
}

void ks_cc_list_release(struct ks_cc_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* ---- merge ------------------------------------------------------------------- */

static int cmp_key(const struct ks_cc_entry *a, const struct ks_cc_entry *b)
{
	int c = ks_addr_cmp(&a->addr, &b->addr);
	if (c != 0)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (a->proto > b->proto) - (a->proto < b->proto);
}

/* Key, then reporter, then the preferred report of that reporter first. */
static int cmp_ent(const void *pa, const void *pb)
{
	const struct ks_cc_entry *a = *(const struct ks_cc_entry *const *)pa,
				 *b = *(const struct ks_cc_entry *const *)pb;
	int c = cmp_key(a, b);
	if (c != 0)
		return c;
	c = strcmp(a->reported_by, b->reported_by);
	if (c != 0)
		return c;
	if (a->reported_at != b->reported_at)
		return a->reported_at > b->reported_at ? -1 : 1;
	if (a->score != b->score)
		return a->score > b->score ? -1 : 1;
	if (a->last_seen != b->last_seen)
		return a->last_seen > b->last_seen ? -1 : 1;
	return strcmp(a->note, b->note);
}

static int cmp_merged(const void *pa, const void *pb)
{
	const struct ks_cc_merged *a = pa, *b = pb;
	if (a->combined != b->combined)
		return a->combined > b->combined ? -1 : 1;
	if (a->nrep != b->nrep)
		return a->nrep > b->nrep ? -1 : 1;
	int c = ks_addr_cmp(&a->addr, &b->addr);
	if (c != 0)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return (a->proto > b->proto) - (a->proto < b->proto);
}

void ks_cc_merged_free(struct ks_cc_merged *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		free(m[i].rep);
	free(m);
}

int ks_cc_merge(const struct ks_cc_entry *v, size_t n, struct ks_cc_merged **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	const struct ks_cc_entry **s = malloc((n ? n : 1) * sizeof *s);
	struct ks_cc_merged *m = calloc(n ? n : 1, sizeof *m);
	size_t nm = 0;
	if (s == NULL || m == NULL)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		s[i] = &v[i];
	qsort(s, n, sizeof *s, cmp_ent);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && cmp_key(s[i], s[j]) == 0)
			j++;
		struct ks_cc_merged *g = &m[nm++];
		g->addr = s[i]->addr;
		g->port = s[i]->port;
		g->proto = s[i]->proto;
		g->rep = calloc(j - i, sizeof *g->rep);
		if (g->rep == NULL)
			goto nomem;
		double keep = 1.0;
		g->first_seen = INT64_MAX;
		g->last_seen = INT64_MIN;
		for (size_t k = i; k < j; k++) {
			const struct ks_cc_entry *e = s[k];
			if (k > i && strcmp(e->reported_by, s[k - 1]->reported_by) == 0)
				continue; /* an older report of the same reporter */
			struct ks_cc_report *rp = &g->rep[g->nrep++];
			memcpy(rp->reported_by, e->reported_by, sizeof rp->reported_by);
			memcpy(rp->note, e->note, sizeof rp->note);
			rp->reported_at = e->reported_at;
			rp->score = e->score;
			rp->first_seen = e->first_seen;
			rp->last_seen = e->last_seen;
			rp->infected_hosts = e->infected_hosts;
			double sc = e->score < 0 ? 0 : e->score > 1 ? 1 : e->score;
			keep *= 1.0 - sc;
			if (e->first_seen < g->first_seen)
				g->first_seen = e->first_seen;
			if (e->last_seen > g->last_seen)
				g->last_seen = e->last_seen;
			if (e->infected_hosts > g->infected_hosts)
				g->infected_hosts = e->infected_hosts;
		}
		g->combined = 1.0 - keep;
		i = j;
	}
	qsort(m, nm, sizeof *m, cmp_merged);
	free(s);
	*out = m;
	*nout = nm;
	return 0;
nomem:
	free(s);
	ks_cc_merged_free(m, nm);
	return KS_ENOMEM;
}
