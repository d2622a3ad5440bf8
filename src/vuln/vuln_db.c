/* SPDX-License-Identifier: BSD-2-Clause */
/* Vulnerability data file parser (format in vuln_db.h and docs/vulns.md).
 *
 * The input is cut into lines with a bounded reader; each line is checked
 * for UTF-8 and control characters before anything else looks at it, so
 * every message may echo the text it complains about. Stanzas are closed
 * (required keys checked) when the next `cve` line or the end arrives;
 * duplicate CVE ids are found at the end by sorting. The file is
 * all-or-nothing. */
#include "vuln_db.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_alloc.h"
#include "ks_err.h"
#include "ks_rd.h"
#include "ks_utf8.h"

#define DEF_MAX_BYTES (16u << 20)
#define DEF_MAX_ENTRIES 100000
#define SHOW_MAX 64

struct parse {
	const char *name;
	char *err;
	size_t errlen;
	size_t max_entries;
	struct ks_vuln_db db;
	size_t cap;
	/* Keys seen in the open stanza. */
	bool has_cvss, has_title, has_fix;
};

void ks_vuln_db_init(struct ks_vuln_db *db)
{
	memset(db, 0, sizeof *db);
}

static void vuln_free(struct ks_vuln *v)
{
	free(v->title);
	free(v->fix);
	for (unsigned i = 0; i < v->nsource; i++)
		free(v->source[i]);
	for (size_t i = 0; i < v->naff; i++)
		free(v->aff[i].text);
	free(v->aff);
}

void ks_vuln_db_release(struct ks_vuln_db *db)
{
	for (size_t i = 0; i < db->n; i++)
		vuln_free(&db->v[i]);
	free(db->v);
	ks_vuln_db_init(db);
}

static int fail(struct parse *ps, int code, unsigned line, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int fail(struct parse *ps, int code, unsigned line, size_t col, const char *fmt, ...)
{
	if (ps->err != NULL && ps->errlen > 0) {
		int k = line ? snprintf(ps->err, ps->errlen, "%s:%u:%zu: ", ps->name, line, col)
			     : snprintf(ps->err, ps->errlen, "%s: ", ps->name);
		if (k >= 0 && (size_t)k < ps->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(ps->err + k, ps->errlen - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return code;
}

/* Copies at most SHOW_MAX bytes of checked text s[0..n) into buf (room for
 * SHOW_MAX + 4), cut at a character boundary, "..." when shortened. */
static const char *show(const char *s, size_t n, char *buf)
{
	size_t k = n;
	if (k > SHOW_MAX) {
		k = SHOW_MAX;
		while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k--;
	}
	memcpy(buf, s, k);
	memcpy(buf + k, n > k ? "..." : "", n > k ? 4 : 1);
	return buf;
}

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 (RFC 3629:
 * no overlong forms, surrogates or values above U+10FFFF). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp = 0;
	size_t len = ks_utf8_seq(s, n, &cp);
	return len && !(cp >= 0x80 && cp <= 0x9f) ? len : 0; /* C1 controls are not text here */
}

/* Checks a line: UTF-8, no control characters but tab. 0 or the error. */
static int check_text(struct parse *ps, unsigned line, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		if (u[i] == '\0')
			return fail(ps, KS_EINVAL, line, i + 1, "NUL byte; expected text");
		if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f)
			return fail(ps, KS_EINVAL, line, i + 1,
				    "control character 0x%02x; expected text (tabs and spaces only)", u[i]);
		size_t k = utf8_len(u + i, n - i);
		if (k == 0)
			return fail(ps, KS_EINVAL, line, i + 1,
				    "invalid UTF-8 (byte 0x%02x) or a C1 control; expected UTF-8 text", u[i]);
		i += k;
	}
	return 0;
}

static bool is_ws(char c) { return c == ' ' || c == '\t'; }

int ks_cve_valid(const char *s, size_t n)
{
	if (n < 13 || n > KS_CVE_MAX - 1 || memcmp(s, "CVE-", 4) != 0 || s[8] != '-')
		return 0;
	for (size_t i = 4; i < n; i++)
		if (i != 8 && !(s[i] >= '0' && s[i] <= '9'))
			return 0;
	return 1;
}

/* ---- CVSS v3 --------------------------------------------------------------------- */

/* CVSS v3.1 Roundup (specification section 7.4): the smallest number with
 * one decimal that is >= x, computed in integers to avoid float error. */
static double roundup31(double x)
{
	long i = lround(x * 100000);
	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

/* CVSS v3.0 round up: ceiling to one decimal. */
static double roundup30(double x)
{
	return ceil(x * 10 - 1e-9) / 10.0;
}

int ks_cvss3_score(const char *vec, size_t n, double *score, const char **why)
{
	/* Metric letters and weights, in the order the vector must give them. */
	static const struct {
		const char *key, *vals;
		double w[4];
	} m[8] = {
		{"AV", "NALP", {0.85, 0.62, 0.55, 0.2}},
		{"AC", "LH", {0.77, 0.44}},
		{"PR", "NLH", {0.85, 0.62, 0.27}},
		{"UI", "NR", {0.85, 0.62}},
		{"S", "UC", {0, 0}},
		{"C", "HLN", {0.56, 0.22, 0}},
		{"I", "HLN", {0.56, 0.22, 0}},
		{"A", "HLN", {0.56, 0.22, 0}},
	};
	int idx[8];
	bool v31;
	if (n >= 9 && memcmp(vec, "CVSS:3.1/", 9) == 0)
		v31 = true;
	else if (n >= 9 && memcmp(vec, "CVSS:3.0/", 9) == 0)
		v31 = false;
	else {
		*why = "not a CVSS v3 vector; expected CVSS:3.1/AV:.../A:. or CVSS:3.0/...";
		return KS_EINVAL;
	}
	size_t i = 9;
	for (int k = 0; k < 8; k++) {
		size_t kl = strlen(m[k].key);
		if (k > 0) {
			if (i >= n || vec[i] != '/') {
				*why = "vector metric missing; expected AV, AC, PR, UI, S, C, I, A in that order";
				return KS_EINVAL;
			}
			i++;
		}
		if (n - i < kl + 2 || memcmp(vec + i, m[k].key, kl) != 0 || vec[i + kl] != ':') {
			*why = "vector metric missing; expected AV, AC, PR, UI, S, C, I, A in that order";
			return KS_EINVAL;
		}
		const char *p = strchr(m[k].vals, vec[i + kl + 1]);
		if (vec[i + kl + 1] == '\0' || p == NULL) {
			*why = "bad vector metric value; expected the letters CVSS v3 defines";
			return KS_EINVAL;
		}
		idx[k] = (int)(p - m[k].vals);
		i += kl + 2;
	}
	if (i != n) {
		*why = "text after the base metrics; expected only the eight base metrics";
		return KS_EINVAL;
	}
	bool changed = idx[4] == 1;
	double pr = m[2].w[idx[2]];
	if (changed && idx[2] == 1)
		pr = 0.68;
	else if (changed && idx[2] == 2)
		pr = 0.5;
	double iss = 1 - (1 - m[5].w[idx[5]]) * (1 - m[6].w[idx[6]]) * (1 - m[7].w[idx[7]]);
	double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
	double expl = 8.22 * m[0].w[idx[0]] * m[1].w[idx[1]] * pr * m[3].w[idx[3]];
	double s = 0;
	if (impact > 0) {
		double raw = changed ? fmin(1.08 * (impact + expl), 10) : fmin(impact + expl, 10);
		s = v31 ? roundup31(raw) : roundup30(raw);
	}
	*score = s;
	return 0;
}

/* ---- keys ------------------------------------------------------------------------ */

static struct ks_vuln *cur(struct parse *ps)
{
	return ps->db.n ? &ps->db.v[ps->db.n - 1] : NULL;
}

/* Checks the open stanza has its required keys. */
static int close_entry(struct parse *ps)
{
	struct ks_vuln *v = cur(ps);
	const char *miss = NULL;
	if (v == NULL)
		return 0;
	if (v->naff == 0)
		miss = "affects";
	else if (!ps->has_cvss)
		miss = "cvss";
	else if (!ps->has_title)
		miss = "title";
	else if (!ps->has_fix)
		miss = "fix";
	if (miss)
		return fail(ps, KS_EINVAL, v->line, 1, "entry %s has no '%s' line; expected cve, affects, "
						   "cvss, title and fix in every entry",
			    v->cve, miss);
	return 0;
}

static int key_cve(struct parse *ps, unsigned line, size_t col, const char *s, size_t n)
{
	char b[SHOW_MAX + 4];
	int r = close_entry(ps);
	if (r != 0)
		return r;
	if (!ks_cve_valid(s, n))
		return fail(ps, KS_EINVAL, line, col, "bad CVE id '%s'; expected CVE-YYYY-NNNN (4 to 19 digits)",
			    show(s, n, b));
	if (ps->db.n == ps->max_entries)
		return fail(ps, KS_ELIMIT, line, col, "more than %zu entries; expected at most that many",
			    ps->max_entries);
	if (ps->db.n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 16;
		ps->db.v = ks_xreallocarray(ps->db.v, ps->cap, sizeof *ps->db.v);
	}
	struct ks_vuln *v = &ps->db.v[ps->db.n++];
	memset(v, 0, sizeof *v);
	memcpy(v->cve, s, n);
	v->line = line;
	ps->has_cvss = ps->has_title = ps->has_fix = false;
	return 0;
}

static int key_affects(struct parse *ps, struct ks_vuln *v, unsigned line, size_t col,
		       const char *s, size_t n)
{
	char b[SHOW_MAX + 4], cpe[KS_CPE_MAX + 64];
	size_t pn = 0, ecol = 0;
	const char *why = NULL;
	if (v->naff == KS_VULN_AFFECTS_MAX)
		return fail(ps, KS_ELIMIT, line, col, "more than %d 'affects' lines in entry %s",
			    KS_VULN_AFFECTS_MAX, v->cve);
	while (pn < n && !is_ws(s[pn]))
		pn++;
	struct ks_vuln_affects a;
	memset(&a, 0, sizeof a);
	int r;
	if (pn >= 4 && memcmp(s, "cpe:", 4) == 0) {
		r = ks_cpe_parse_any(s, pn, &a.cpe, &ecol, &why);
		if (r != 0)
			return fail(ps, r, line, col + ecol, "bad CPE name '%s': %s", show(s, pn, b), why);
	} else {
		/* VENDOR:PRODUCT: exactly one unquoted ':' */
		size_t colons = 0;
		for (size_t i = 0; i < pn; i++) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == ':')
				colons++;
		}
		if (colons != 1 || pn + 40 > sizeof cpe)
			return fail(ps, KS_EINVAL, line, col,
				    "bad product '%s'; expected VENDOR:PRODUCT or a cpe:2.3: name",
				    show(s, pn, b));
		int k = snprintf(cpe, sizeof cpe, "cpe:2.3:*:%.*s:*:*:*:*:*:*:*:*", (int)pn, s);
		r = ks_cpe_parse(cpe, (size_t)k, &a.cpe, &ecol, &why);
		if (r != 0)
			return fail(ps, r, line, col + (ecol >= 10 ? ecol - 10 : 0),
				    "bad product '%s': %s", show(s, pn, b), why);
	}
	size_t rs = pn;
	while (rs < n && is_ws(s[rs]))
		rs++;
	if (rs < n) {
		r = ks_range_parse(s + rs, n - rs, &a.range, &ecol, &why);
		if (r != 0)
			return fail(ps, r, line, col + rs + ecol, "bad version range '%s': %s",
				    show(s + rs, n - rs, b), why);
		if (a.range.n > 0 && a.cpe.a[KS_CPE_VERSION].kind != KS_CPE_ANY)
			return fail(ps, KS_EINVAL, line, col + rs,
				    "a version range after a CPE name with a version; expected one or the other");
	}
	if (v->naff % 4 == 0)
		v->aff = ks_xreallocarray(v->aff, v->naff + 4, sizeof *v->aff);
	a.text = ks_xstrndup(s, n);
	a.line = line;
	v->aff[v->naff++] = a;
	return 0;
}

static int key_cvss(struct parse *ps, struct ks_vuln *v, unsigned line, size_t col, const char *s,
		    size_t n)
{
	char b[SHOW_MAX + 4];
	size_t i = 0;
	unsigned ip = 0;
	if (ps->has_cvss)
		return fail(ps, KS_EINVAL, line, col, "second 'cvss' line in entry %s; expected one", v->cve);
	size_t tn = 0;
	while (tn < n && !is_ws(s[tn]))
		tn++;
	/* D.D or DD.D, at most 10.0 */
	while (i < tn && s[i] >= '0' && s[i] <= '9' && i < 2)
		ip = ip * 10 + (unsigned)(s[i++] - '0');
	if (i == 0 || i + 2 != tn || s[i] != '.' || !(s[i + 1] >= '0' && s[i + 1] <= '9') ||
	    ip * 10 + (unsigned)(s[i + 1] - '0') > 100)
		return fail(ps, KS_EINVAL, line, col,
			    "bad CVSS score '%s'; expected 0.0 to 10.0 with one decimal", show(s, tn, b));
	unsigned tenths = ip * 10 + (unsigned)(s[i + 1] - '0');
	v->cvss = tenths / 10.0;
	v->sev = ks_sev_from_cvss(v->cvss);
	size_t vs = tn;
	while (vs < n && is_ws(s[vs]))
		vs++;
	if (vs < n) {
		const char *why;
		double calc;
		if (n - vs > KS_CVSS_VECTOR_MAX)
			return fail(ps, KS_EINVAL, line, col + vs, "CVSS vector longer than %d bytes",
				    KS_CVSS_VECTOR_MAX);
		if (ks_cvss3_score(s + vs, n - vs, &calc, &why) != 0)
			return fail(ps, KS_EINVAL, line, col + vs, "bad CVSS vector '%s': %s",
				    show(s + vs, n - vs, b), why);
		if (lround(calc * 10) != (long)tenths)
			return fail(ps, KS_EINVAL, line, col + vs,
				    "CVSS vector scores %.1f; expected it to give the stated score %.1f", calc,
				    v->cvss);
		memcpy(v->vector, s + vs, n - vs);
		v->vector[n - vs] = '\0';
	}
	ps->has_cvss = true;
	return 0;
}

static int key_text(struct parse *ps, struct ks_vuln *v, unsigned line, size_t col,
		    const char *key, bool *seen, char **dst, const char *s, size_t n)
{
	if (*seen)
		return fail(ps, KS_EINVAL, line, col, "second '%s' line in entry %s; expected one", key,
			    v->cve);
	*dst = ks_xstrndup(s, n);
	*seen = true;
	return 0;
}

/* One non-blank, non-comment line, trimmed: s[0..n) starts at column col0. */
static int parse_line(struct parse *ps, unsigned line, size_t col0, const char *s, size_t n)
{
	char b[SHOW_MAX + 4];
	size_t k = 0;
	while (k < n && ((s[k] >= 'a' && s[k] <= 'z') || s[k] == '_'))
		k++;
	if (k == 0 || (k < n && !is_ws(s[k])))
		return fail(ps, KS_EINVAL, line, col0, "bad line '%s'; expected 'key value' with key "
						       "cve, affects, cvss, title, fix or source",
			    show(s, n, b));
	size_t vs = k;
	while (vs < n && is_ws(s[vs]))
		vs++;
	const char *val = s + vs;
	size_t vn = n - vs, vcol = col0 + vs;
	if (vn == 0)
		return fail(ps, KS_EINVAL, line, col0 + k, "key '%.*s' without a value", (int)k, s);
#define KEY(w) (k == sizeof(w) - 1 && memcmp(s, w, k) == 0)
	if (KEY("cve"))
		return key_cve(ps, line, vcol, val, vn);
	struct ks_vuln *v = cur(ps);
	bool known = KEY("affects") || KEY("cvss") || KEY("title") || KEY("fix") || KEY("source");
	if (!known)
		return fail(ps, KS_EINVAL, line, col0, "unknown key '%.*s'; expected cve, affects, cvss, "
						       "title, fix or source",
			    (int)k, s);
	if (v == NULL)
		return fail(ps, KS_EINVAL, line, col0,
			    "'%.*s' before any 'cve' line; expected an entry to start with cve CVE-YYYY-NNNN",
			    (int)k, s);
	if (KEY("affects"))
		return key_affects(ps, v, line, vcol, val, vn);
	if (KEY("cvss"))
		return key_cvss(ps, v, line, vcol, val, vn);
	if (KEY("title"))
		return key_text(ps, v, line, col0, "title", &ps->has_title, &v->title, val, vn);
	if (KEY("fix"))
		return key_text(ps, v, line, col0, "fix", &ps->has_fix, &v->fix, val, vn);
#undef KEY
	if (v->nsource == KS_VULN_SOURCES_MAX)
		return fail(ps, KS_EINVAL, line, col0, "more than %d 'source' lines in entry %s",
			    KS_VULN_SOURCES_MAX, v->cve);
	v->source[v->nsource++] = ks_xstrndup(val, vn);
	return 0;
}

static int cmp_cve(const void *a, const void *b)
{
	const struct ks_vuln *x = *(const struct ks_vuln *const *)a, *y = *(const struct ks_vuln *const *)b;
	int c = strcmp(x->cve, y->cve);
	return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

static int check_dups(struct parse *ps)
{
	int r = 0;
	if (ps->db.n < 2)
		return 0;
	const struct ks_vuln **p = ks_xcalloc(ps->db.n, sizeof *p);
	for (size_t i = 0; i < ps->db.n; i++)
		p[i] = &ps->db.v[i];
	qsort(p, ps->db.n, sizeof *p, cmp_cve);
	const struct ks_vuln *first = NULL;
	for (size_t i = 1; i < ps->db.n; i++) {
		if (strcmp(p[i]->cve, p[i - 1]->cve) != 0)
			continue;
		/* Report the earliest second occurrence in the file. */
		if (first == NULL || p[i]->line < first->line)
			first = p[i];
	}
	if (first != NULL) {
		unsigned prev = 0;
		for (size_t i = 0; i < ps->db.n; i++)
			if (strcmp(ps->db.v[i].cve, first->cve) == 0 && prev == 0)
				prev = ps->db.v[i].line;
		r = fail(ps, KS_EINVAL, first->line, 1, "duplicate entry %s (first at line %u); expected "
							 "one entry per CVE",
			 first->cve, prev);
	}
	free(p);
	return r;
}

int ks_vuln_db_parse(const char *data, size_t len, const char *name,
		     const struct ks_vuln_db_opts *o, struct ks_vuln_db *out, char *err, size_t errlen)
{
	struct parse ps;
	memset(&ps, 0, sizeof ps);
	ps.name = name ? name : "input";
	ps.err = err;
	ps.errlen = errlen;
	size_t max_bytes = o && o->max_bytes ? o->max_bytes : DEF_MAX_BYTES;
	ps.max_entries = o && o->max_entries ? o->max_entries : DEF_MAX_ENTRIES;
	ks_vuln_db_init(out);
	if (errlen > 0)
		err[0] = '\0';
	if (len > max_bytes)
		return fail(&ps, KS_ELIMIT, 0, 0, "%zu bytes; expected at most %zu", len, max_bytes);

	struct ks_rd rd = ks_rd_make(data, len);
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		ks_rd_skip(&rd, 3); /* UTF-8 byte-order mark */
	unsigned line = 0;
	int r = 0;
	while (r == 0 && ks_rd_left(&rd) > 0) {
		line++;
		size_t left = ks_rd_left(&rd);
		const char *p = (const char *)rd.base + ks_rd_off(&rd);
		const char *nl = memchr(p, '\n', left);
		size_t n = nl ? (size_t)(nl - p) : left;
		const char *l = (const char *)ks_rd_bytes(&rd, n);
		if (nl)
			ks_rd_skip(&rd, 1);
		if (l == NULL || ks_rd_err(&rd)) {
			r = fail(&ps, KS_EINVAL, line, 1, "unreadable line");
			break;
		}
		if (n > 0 && l[n - 1] == '\r')
			n--;
		if (n > KS_VULN_LINE_MAX) {
			r = fail(&ps, KS_ELIMIT, line, KS_VULN_LINE_MAX + 1,
				 "line longer than %d bytes", KS_VULN_LINE_MAX);
			break;
		}
		if ((r = check_text(&ps, line, l, n)) != 0)
			break;
		size_t a = 0;
		while (a < n && is_ws(l[a]))
			a++;
		while (n > a && is_ws(l[n - 1]))
			n--;
		if (a == n || l[a] == '#')
			continue;
		r = parse_line(&ps, line, a + 1, l + a, n - a);
	}
	if (r == 0)
		r = close_entry(&ps);
	if (r == 0 && ps.db.n == 0)
		r = fail(&ps, KS_EINVAL, 0, 0, "no entries; expected at least one 'cve' stanza");
	if (r == 0)
		r = check_dups(&ps);
	if (r != 0) {
		ks_vuln_db_release(&ps.db);
		return r;
	}
	*out = ps.db;
	return 0;
}

int ks_vuln_read_file(const char *path, size_t max, char **buf, size_t *len, char *err,
		      size_t errlen)
{
	if (max == 0)
		max = DEF_MAX_BYTES;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return KS_EIO;
	}
	size_t cap = 1 << 16, n = 0, k;
	char *b = ks_xmalloc(cap + 1);
	while ((k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n > max) {
			snprintf(err, errlen, "%s: larger than %zu bytes", path, max);
			free(b);
			fclose(f);
			return KS_ELIMIT;
		}
		if (n == cap) {
			cap *= 2;
			b = ks_xreallocarray(b, cap + 1, 1);
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		snprintf(err, errlen, "%s: read error", path);
		free(b);
		return KS_EIO;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int ks_vuln_db_load(const char *path, const struct ks_vuln_db_opts *o, struct ks_vuln_db *out,
		    char *err, size_t errlen)
{
	char *buf;
	size_t len;
	ks_vuln_db_init(out);
	int r = ks_vuln_read_file(path, o ? o->max_bytes : 0, &buf, &len, err, errlen);
	if (r != 0)
		return r;
	r = ks_vuln_db_parse(buf, len, path, o, out, err, errlen);
	free(buf);
	return r;
}

const struct ks_vuln *ks_vuln_db_find(const struct ks_vuln_db *db, const char *cve)
{
	for (size_t i = 0; i < db->n; i++)
		if (strcmp(db->v[i].cve, cve) == 0)
			return &db->v[i];
	return NULL;
}
