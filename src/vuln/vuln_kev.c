/* SPDX-License-Identifier: BSD-2-Clause */
/* CISA KEV catalogue loader (contract in vuln_kev.h). jansson parses the
 * bounded buffer (length-delimited, NUL bytes inside strings refused);
 * this file validates the keys kansoku uses and keeps a sorted copy. */
#include "vuln_kev.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_alloc.h"
#include "ks_err.h"

#define DEF_MAX_BYTES (32u << 20)
#define DEF_MAX_ENTRIES 200000
#define SHOW_MAX 64

struct kp {
	const char *name;
	char *err;
	size_t errlen;
	char where[48]; /* " vulnerabilities[12]:" or "" */
};

static int fail(struct kp *p, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct kp *p, int code, const char *fmt, ...)
{
	if (p->err != NULL && p->errlen > 0) {
		int k = snprintf(p->err, p->errlen, "%s:%s ", p->name, p->where);
		if (k >= 0 && (size_t)k < p->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return code;
}

void ks_kev_init(struct ks_kev *k)
{
	memset(k, 0, sizeof *k);
}

void ks_kev_release(struct ks_kev *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].vendor);
		free(k->v[i].product);
		free(k->v[i].name);
	}
	free(k->v);
	ks_kev_init(k);
}

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

/* Printable, shortened copy of a value for messages: bytes outside
 * printable ASCII as \xNN. */
static const char *show(const char *s, size_t n, char *buf, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i == SHOW_MAX) {
			o += (size_t)snprintf(buf + o, cap - o, "...");
			break;
		}
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", c);
	}
	buf[o] = '\0';
	return buf;
}

static bool is_date(const char *s, size_t n)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (n != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (size_t i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !(s[i] >= '0' && s[i] <= '9'))
			return false;
	int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return !(m == 2 && d == 29 && !leap);
}

/* Gets string member key of o into s and n. required: absent is an error. */
static int get_str(struct kp *p, json_t *o, const char *key, bool required, const char **s, size_t *n)
{
	json_t *v = json_object_get(o, key);
	*s = NULL;
	*n = 0;
	if (v == NULL)
		return required ? fail(p, KS_EINVAL, "no key '%s'; expected it in every entry", key) : 0;
	if (!json_is_string(v))
		return fail(p, KS_EINVAL, "key '%s': %s; expected a string", key, jtype(v));
	*s = json_string_value(v);
	*n = json_string_length(v);
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct ks_kev_entry *)a)->cve, ((const struct ks_kev_entry *)b)->cve);
}

static int read_entry(struct kp *p, json_t *o, struct ks_kev_entry *e)
{
	char b[SHOW_MAX * 4 + 8];
	const char *s;
	size_t n;
	int r;
	if (!json_is_object(o))
		return fail(p, KS_EINVAL, "%s; expected an object", jtype(o));
	if ((r = get_str(p, o, "cveID", true, &s, &n)) != 0)
		return r;
	if (!ks_cve_valid(s, n))
		return fail(p, KS_EINVAL, "key 'cveID': '%s'; expected CVE-YYYY-NNNN (4 to 19 digits)",
			    show(s, n, b, sizeof b));
	memcpy(e->cve, s, n);
	if ((r = get_str(p, o, "dateAdded", true, &s, &n)) != 0)
		return r;
	if (!is_date(s, n))
		return fail(p, KS_EINVAL, "key 'dateAdded': '%s'; expected a date YYYY-MM-DD",
			    show(s, n, b, sizeof b));
	memcpy(e->date_added, s, n);
	if ((r = get_str(p, o, "dueDate", false, &s, &n)) != 0)
		return r;
	if (s != NULL && !is_date(s, n))
		return fail(p, KS_EINVAL, "key 'dueDate': '%s'; expected a date YYYY-MM-DD",
			    show(s, n, b, sizeof b));
	if (s != NULL)
		memcpy(e->due_date, s, n);
	if ((r = get_str(p, o, "knownRansomwareCampaignUse", false, &s, &n)) != 0)
		return r;
	e->ransomware = s != NULL && n == 5 && memcmp(s, "Known", 5) == 0;
	if ((r = get_str(p, o, "vendorProject", true, &s, &n)) != 0)
		return r;
	e->vendor = ks_xstrndup(s, n);
	if ((r = get_str(p, o, "product", true, &s, &n)) != 0)
		return r;
	e->product = ks_xstrndup(s, n);
	if ((r = get_str(p, o, "vulnerabilityName", false, &s, &n)) != 0)
		return r;
	e->name = ks_xstrndup(s ? s : "", n);
	return 0;
}

int ks_kev_parse(const char *data, size_t len, const char *name, const struct ks_kev_opts *o,
		 struct ks_kev *out, char *err, size_t errlen)
{
	struct kp p = {name ? name : "input", err, errlen, ""};
	size_t max_bytes = o && o->max_bytes ? o->max_bytes : DEF_MAX_BYTES;
	size_t max_entries = o && o->max_entries ? o->max_entries : DEF_MAX_ENTRIES;
	struct ks_kev k;
	int r = 0;
	ks_kev_init(out);
	ks_kev_init(&k);
	if (errlen > 0)
		err[0] = '\0';
	if (len > max_bytes)
		return fail(&p, KS_ELIMIT, "%zu bytes; expected at most %zu", len, max_bytes);
	json_error_t je;
	json_t *root = json_loadb(data, len, 0, &je);
	if (root == NULL) {
		snprintf(p.where, sizeof p.where, "%d:%d:", je.line, je.column);
		return fail(&p, KS_EINVAL, "%s; expected the KEV catalogue JSON", je.text);
	}
	if (!json_is_object(root)) {
		r = fail(&p, KS_EINVAL, "top level is %s; expected an object with 'vulnerabilities'",
			 jtype(root));
		goto out;
	}
	json_t *vs = json_object_get(root, "vulnerabilities");
	if (vs == NULL || !json_is_array(vs)) {
		r = fail(&p, KS_EINVAL, "key 'vulnerabilities': %s; expected an array",
			 vs ? jtype(vs) : "absent");
		goto out;
	}
	json_t *ver = json_object_get(root, "catalogVersion");
	if (ver != NULL && !json_is_string(ver)) {
		r = fail(&p, KS_EINVAL, "key 'catalogVersion': %s; expected a string", jtype(ver));
		goto out;
	}
	if (ver != NULL)
		snprintf(k.version, sizeof k.version, "%s", json_string_value(ver));
	size_t n = json_array_size(vs);
	json_t *cnt = json_object_get(root, "count");
	if (cnt != NULL && (!json_is_integer(cnt) || json_integer_value(cnt) < 0 ||
			    (size_t)json_integer_value(cnt) != n)) {
		if (json_is_integer(cnt))
			r = fail(&p, KS_EINVAL, "key 'count': %lld; expected the number of entries, %zu",
				 (long long)json_integer_value(cnt), n);
		else
			r = fail(&p, KS_EINVAL, "key 'count': %s; expected an integer", jtype(cnt));
		goto out;
	}
	if (n > max_entries) {
		r = fail(&p, KS_ELIMIT, "%zu entries; expected at most %zu", n, max_entries);
		goto out;
	}
	k.v = ks_xcalloc(n ? n : 1, sizeof *k.v);
	for (size_t i = 0; i < n; i++) {
		snprintf(p.where, sizeof p.where, " vulnerabilities[%zu]:", i);
		k.n = i + 1; /* so release frees a half-filled entry */
		if ((r = read_entry(&p, json_array_get(vs, i), &k.v[i])) != 0)
			goto out;
	}
	k.n = n;
	/* Sorted for lookups; a duplicate's positions are found again in the
	 * JSON array for the message. */
	qsort(k.v, n, sizeof *k.v, cmp_entry);
	for (size_t i = 1; i < n; i++) {
		if (strcmp(k.v[i].cve, k.v[i - 1].cve) != 0)
			continue;
		/* Name both positions in the file. */
		size_t first = SIZE_MAX, second = SIZE_MAX;
		for (size_t j = 0; j < n && second == SIZE_MAX; j++) {
			const char *c = json_string_value(json_object_get(json_array_get(vs, j), "cveID"));
			if (c && strcmp(c, k.v[i].cve) == 0) {
				if (first == SIZE_MAX)
					first = j;
				else
					second = j;
			}
		}
		snprintf(p.where, sizeof p.where, " vulnerabilities[%zu]:", second);
		r = fail(&p, KS_EINVAL, "%s listed again (first at vulnerabilities[%zu]); expected each "
					"CVE once",
			 k.v[i].cve, first);
		goto out;
	}
out:
	json_decref(root);
	if (r != 0) {
		ks_kev_release(&k);
		return r;
	}
	*out = k;
	return 0;
}

int ks_kev_load(const char *path, const struct ks_kev_opts *o, struct ks_kev *out, char *err,
		size_t errlen)
{
	char *buf;
	size_t len;
	ks_kev_init(out);
	int r = ks_vuln_read_file(path, o && o->max_bytes ? o->max_bytes : DEF_MAX_BYTES, &buf, &len,
				  err, errlen);
	if (r != 0)
		return r;
	r = ks_kev_parse(buf, len, path, o, out, err, errlen);
	free(buf);
	return r;
}

const struct ks_kev_entry *ks_kev_find(const struct ks_kev *k, const char *cve)
{
	struct ks_kev_entry key;
	if (k->n == 0 || cve == NULL || strlen(cve) >= sizeof key.cve)
		return NULL;
	memset(&key, 0, sizeof key);
	memcpy(key.cve, cve, strlen(cve));
	return bsearch(&key, k->v, k->n, sizeof *k->v, cmp_entry);
}

size_t ks_kev_mark(const struct ks_kev *k, struct ks_vuln_db *db)
{
	size_t marked = 0;
	for (size_t i = 0; i < db->n; i++) {
		struct ks_vuln *v = &db->v[i];
		const struct ks_kev_entry *e = ks_kev_find(k, v->cve);
		v->known_exploited = e != NULL;
		v->kev_ransomware = e ? e->ransomware : 0;
		memcpy(v->kev_date_added, e ? e->date_added : "", e ? sizeof v->kev_date_added : 1);
		marked += e != NULL;
	}
	return marked;
}
