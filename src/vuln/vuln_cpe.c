/* SPDX-License-Identifier: BSD-2-Clause */
/* CPE 2.3 name parsers (formatted string and URI binding), writer and name
 * matcher (contract in vuln_cpe.h). The formatted-string parser walks the
 * name once with a bounded reader: every component is cut at an unquoted
 * ':' and unquoted into its attribute, so the matcher never sees escapes;
 * the URI parser decodes %XX the same way.
 * specification: NISTIR 7695 sections 6.1 and 6.2; NISTIR 7696 section 6. */
#include "vuln_cpe.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ks_err.h"
#include "ks_rd.h"

static const char *const attr_names[KS_CPE_NATTR] = {
	"part",	      "vendor",	   "product",	"version",   "update", "edition",
	"language",   "sw_edition", "target_sw", "target_hw", "other",
};

const char *ks_cpe_attr_name(unsigned i)
{
	return i < KS_CPE_NATTR ? attr_names[i] : "?";
}

static bool is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static int fail(size_t at, const char *what, size_t *col, const char **why)
{
	if (col)
		*col = at;
	if (why)
		*why = what;
	return KS_EINVAL;
}

/* Characters of one attribute value with their "quoted" mark and input
 * offset: what both bindings decode to before wildcards are taken off. */
struct toks {
	char ch[KS_CPE_VAL_MAX + 8];
	bool quoted[KS_CPE_VAL_MAX + 8];
	size_t at[KS_CPE_VAL_MAX + 8];
	size_t k;
};

static int tok_add(struct toks *t, char c, bool quoted, size_t at, size_t *col, const char **why)
{
	if (t->k == sizeof t->ch)
		return fail(at, "attribute value longer than 128 bytes", col, why);
	t->ch[t->k] = c, t->quoted[t->k] = quoted, t->at[t->k] = at;
	t->k++;
	return 0;
}

/* Fills a from t (k >= 1): a lone unquoted '*' is ANY and '-' NA; otherwise
 * the wildcards at either end are taken off and the middle must hold none. */
static int finish_attr(const struct toks *t, struct ks_cpe_attr *a, size_t *col, const char **why)
{
	memset(a, 0, sizeof *a);
	if (t->k == 1 && !t->quoted[0] && t->ch[0] == '*') {
		a->kind = KS_CPE_ANY;
		return 0;
	}
	if (t->k == 1 && !t->quoted[0] && t->ch[0] == '-') {
		a->kind = KS_CPE_NA;
		return 0;
	}
	a->kind = KS_CPE_VALUE;
	size_t i = 0, j = t->k;
	if (!t->quoted[0] && t->ch[0] == '*') {
		a->lead_star = 1;
		i = 1;
	} else {
		while (i < j && !t->quoted[i] && t->ch[i] == '?')
			i++, a->lead_q++;
	}
	if (j > i && !t->quoted[j - 1] && t->ch[j - 1] == '*') {
		a->trail_star = 1;
		j--;
	} else {
		while (j > i && !t->quoted[j - 1] && t->ch[j - 1] == '?')
			j--, a->trail_q++;
	}
	if (j - i > KS_CPE_VAL_MAX)
		return fail(t->at[i + KS_CPE_VAL_MAX], "attribute value longer than 128 bytes", col, why);
	for (size_t m = i; m < j; m++) {
		if (!t->quoted[m] && (t->ch[m] == '*' || t->ch[m] == '?'))
			return fail(t->at[m], "wildcard inside a value; expected * or ? only at the start or end "
					      "(quote it as \\* or \\?)",
				    col, why);
		a->v[m - i] = t->ch[m];
	}
	a->v[j - i] = '\0';
	return 0;
}

/* Parses one component of a formatted string, from r up to an unquoted ':'
 * or the end, into a. last: the component must run to the end. *sep tells
 * whether it ended at a separator (another component follows). */
static int parse_attr(struct ks_rd *r, struct ks_cpe_attr *a, bool last, bool *sep, size_t *col,
		      const char **why)
{
	struct toks t;
	size_t start = ks_rd_off(r);
	int ret;
	t.k = 0;
	*sep = false;
	while (ks_rd_left(r) > 0) {
		size_t pos = ks_rd_off(r);
		uint8_t c = ks_rd_u8(r);
		bool q = false;
		if (c == ':') {
			if (last)
				return fail(pos, "more than 13 components; expected 11 attributes after cpe:2.3:",
					    col, why);
			*sep = true;
			break;
		}
		if (c == '\\') {
			if (ks_rd_left(r) == 0)
				return fail(pos, "'\\' at the end; expected a quoted character after it", col,
					    why);
			c = ks_rd_u8(r);
			if (c < 0x21 || c > 0x7e || is_alnum(c))
				return fail(pos + 1, "bad quoted character; expected printable punctuation after '\\'",
					    col, why);
			q = true;
		} else if (!is_alnum(c) && c != '-' && c != '.' && c != '_' && c != '*' && c != '?') {
			return fail(pos, "unquoted special character; expected letters, digits, - . _ * ? or \\ before it",
				    col, why);
		}
		if ((ret = tok_add(&t, (char)c, q, pos, col, why)) != 0)
			return ret;
	}
	if (t.k == 0)
		return fail(start, "empty attribute; expected a value, * (ANY) or - (NA)", col, why);
	return finish_attr(&t, a, col, why);
}

static int hexval(uint8_t c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
					: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Decodes one URI-binding value s[0..n) (at offset base in the name) into
 * a: empty is ANY, "-" NA, %01 and %02 the wildcards '?' and '*', other
 * %XX a literal printable character. */
static int uri_value(const char *s, size_t n, size_t base, struct ks_cpe_attr *a, size_t *col,
		     const char **why)
{
	struct toks t;
	int ret;
	t.k = 0;
	memset(a, 0, sizeof *a);
	if (n == 0) {
		a->kind = KS_CPE_ANY;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		size_t at = base + i;
		bool q = true;
		if (c == '%') {
			int hi = i + 2 < n ? hexval((uint8_t)s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval((uint8_t)s[i + 2]) : -1;
			if (hi < 0 || lo < 0)
				return fail(at, "bad percent-encoding; expected %XX with two hex digits", col, why);
			c = (uint8_t)(hi << 4 | lo);
			i += 2;
			if (c == 0x01 || c == 0x02) {
				c = c == 0x01 ? '?' : '*';
				q = false;
			} else if (c < 0x21 || c > 0x7e) {
				return fail(at, "percent-encoded byte outside printable ASCII; expected %21 to %7e, "
						"%01 or %02",
					    col, why);
			}
		} else if (is_alnum(c) || c == '-' || c == '.' || c == '_') {
			q = false;
		} else {
			return fail(at, "unencoded special character; expected letters, digits, - . _ or %XX",
				    col, why);
		}
		if ((ret = tok_add(&t, (char)c, q, at, col, why)) != 0)
			return ret;
	}
	return finish_attr(&t, a, col, why);
}

int ks_cpe_parse_uri(const char *s, size_t n, struct ks_cpe *out, size_t *col, const char **why)
{
	static const char prefix[] = "cpe:/";
	const size_t plen = sizeof prefix - 1;
	memset(out, 0, sizeof *out);
	if (n > KS_CPE_MAX) {
		fail(KS_CPE_MAX, "CPE name longer than 512 bytes", col, why);
		return KS_ELIMIT;
	}
	if (n < plen || memcmp(s, prefix, plen) != 0)
		return fail(0, "not a CPE URI; expected it to start with cpe:/", col, why);
	for (unsigned i = 0; i < KS_CPE_NATTR; i++)
		out->a[i].kind = KS_CPE_ANY;
	size_t p = plen;
	for (unsigned comp = 0; p <= n; comp++) {
		const char *c = memchr(s + p, ':', n - p);
		size_t e = c ? (size_t)(c - s) : n;
		if (comp == 7)
			return fail(p, "more than 7 components; expected cpe:/part:vendor:product:version:"
				       "update:edition:language",
				    col, why);
		int r;
		if (comp == 5 && e > p && s[p] == '~') {
			/* Packed: ~edition~sw_edition~target_sw~target_hw~other */
			static const unsigned packed[5] = {KS_CPE_EDITION, KS_CPE_SW_EDITION,
							   KS_CPE_TARGET_SW, KS_CPE_TARGET_HW,
							   KS_CPE_OTHER};
			size_t q = p + 1;
			for (unsigned f = 0; f < 5; f++) {
				const char *t = memchr(s + q, '~', e - q);
				size_t fe = t ? (size_t)(t - s) : e;
				if ((f < 4 && t == NULL) || (f == 4 && t != NULL))
					return fail(f < 4 ? e : fe, "bad packed edition; expected "
								    "~edition~sw_edition~target_sw~target_hw~other",
						    col, why);
				if ((r = uri_value(s + q, fe - q, q, &out->a[packed[f]], col, why)) != 0)
					return r;
				q = fe + 1;
			}
		} else {
			static const unsigned uattr[7] = {KS_CPE_PART,	  KS_CPE_VENDOR, KS_CPE_PRODUCT,
							  KS_CPE_VERSION, KS_CPE_UPDATE, KS_CPE_EDITION,
							  KS_CPE_LANGUAGE};
			if ((r = uri_value(s + p, e - p, p, &out->a[uattr[comp]], col, why)) != 0)
				return r;
		}
		if (c == NULL)
			break;
		p = e + 1;
	}
	const struct ks_cpe_attr *pa = &out->a[KS_CPE_PART];
	if (pa->kind == KS_CPE_NA ||
	    (pa->kind == KS_CPE_VALUE && (pa->lead_star || pa->trail_star || pa->lead_q || pa->trail_q ||
					  strlen(pa->v) != 1 || !strchr("aohAOH", pa->v[0]))))
		return fail(plen, "bad part; expected a (application), o (operating system), "
				  "h (hardware) or empty",
			    col, why);
	return 0;
}

int ks_cpe_parse_any(const char *s, size_t n, struct ks_cpe *out, size_t *col, const char **why)
{
	if (n >= 5 && memcmp(s, "cpe:/", 5) == 0)
		return ks_cpe_parse_uri(s, n, out, col, why);
	return ks_cpe_parse(s, n, out, col, why);
}

int ks_cpe_parse(const char *s, size_t n, struct ks_cpe *out, size_t *col, const char **why)
{
	static const char prefix[] = "cpe:2.3:";
	memset(out, 0, sizeof *out);
	if (n > KS_CPE_MAX) {
		fail(KS_CPE_MAX, "CPE name longer than 512 bytes", col, why);
		return KS_ELIMIT;
	}
	if (n < sizeof prefix - 1 || memcmp(s, prefix, sizeof prefix - 1) != 0)
		return fail(0, "not a CPE 2.3 name; expected it to start with cpe:2.3:", col, why);
	struct ks_rd r = ks_rd_make(s, n);
	ks_rd_skip(&r, sizeof prefix - 1);
	bool sep = true; /* the prefix ends with one */
	for (unsigned i = 0; i < KS_CPE_NATTR; i++) {
		if (!sep)
			return fail(n, "fewer than 13 components; expected 11 attributes after cpe:2.3:",
				    col, why);
		int ret = parse_attr(&r, &out->a[i], i + 1 == KS_CPE_NATTR, &sep, col, why);
		if (ret != 0)
			return ret;
	}
	const struct ks_cpe_attr *p = &out->a[KS_CPE_PART];
	if (p->kind == KS_CPE_NA ||
	    (p->kind == KS_CPE_VALUE && (p->lead_star || p->trail_star || p->lead_q || p->trail_q ||
					 strlen(p->v) != 1 || !strchr("aohAOH", p->v[0]))))
		return fail(sizeof prefix - 1, "bad part; expected a (application), o (operating system), "
					       "h (hardware) or *",
			    col, why);
	return 0;
}

char *ks_cpe_format(const struct ks_cpe *c, char *buf, size_t n)
{
	size_t off = 0;
#define PUT(ch)                                                                                    \
	do {                                                                                       \
		if (off + 1 < n)                                                                   \
			buf[off++] = (ch);                                                         \
	} while (0)
	if (n == 0)
		return buf;
	for (const char *p = "cpe:2.3"; *p; p++)
		PUT(*p);
	for (unsigned i = 0; i < KS_CPE_NATTR; i++) {
		const struct ks_cpe_attr *a = &c->a[i];
		PUT(':');
		if (a->kind == KS_CPE_ANY) {
			PUT('*');
			continue;
		}
		if (a->kind == KS_CPE_NA) {
			PUT('-');
			continue;
		}
		if (a->lead_star)
			PUT('*');
		for (unsigned k = 0; k < a->lead_q; k++)
			PUT('?');
		size_t len = strlen(a->v);
		for (size_t k = 0; k < len; k++) {
			uint8_t ch = (uint8_t)a->v[k];
			bool plain = is_alnum(ch) || ch == '_' || ch == '.' || (ch == '-' && len > 1);
			if (!plain)
				PUT('\\');
			PUT((char)ch);
		}
		for (unsigned k = 0; k < a->trail_q; k++)
			PUT('?');
		if (a->trail_star)
			PUT('*');
	}
#undef PUT
	buf[off] = '\0';
	return buf;
}

static bool has_wild(const struct ks_cpe_attr *a)
{
	return a->lead_star || a->trail_star || a->lead_q || a->trail_q;
}

static bool ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* NISTIR 7696 compare_strings for a source with wildcards and a literal
 * target: some occurrence of the source's literal part must leave a prefix
 * the leading wildcard allows and a suffix the trailing one allows. */
static bool wild_match(const struct ks_cpe_attr *s, const char *t)
{
	size_t m = strlen(s->v), tn = strlen(t);
	if (m > tn)
		return false;
	for (size_t idx = 0; idx + m <= tn; idx++) {
		if (!ieq(t + idx, s->v, m))
			continue;
		size_t pre = idx, post = tn - idx - m;
		if (!s->lead_star && pre > s->lead_q)
			break; /* later occurrences only leave longer prefixes */
		if (!s->trail_star && post > s->trail_q)
			continue;
		return true;
	}
	return false;
}

enum ks_cpe_rel ks_cpe_attr_compare(const struct ks_cpe_attr *s, const struct ks_cpe_attr *t)
{
	if (s->kind == KS_CPE_ANY)
		return t->kind == KS_CPE_ANY ? KS_CPE_EQUAL : KS_CPE_SUPERSET;
	if (s->kind == KS_CPE_NA)
		return t->kind == KS_CPE_ANY ? KS_CPE_SUBSET
		       : t->kind == KS_CPE_NA ? KS_CPE_EQUAL
					      : KS_CPE_DISJOINT;
	if (t->kind == KS_CPE_ANY)
		return KS_CPE_SUBSET;
	if (t->kind == KS_CPE_NA)
		return KS_CPE_DISJOINT;
	if (has_wild(t))
		return memcmp(s, t, sizeof *s) == 0 ? KS_CPE_EQUAL : KS_CPE_DISJOINT;
	size_t sn = strlen(s->v);
	if (!has_wild(s))
		return sn == strlen(t->v) && ieq(s->v, t->v, sn) ? KS_CPE_EQUAL : KS_CPE_DISJOINT;
	return wild_match(s, t->v) ? KS_CPE_SUPERSET : KS_CPE_DISJOINT;
}

int ks_cpe_match(const struct ks_cpe *source, const struct ks_cpe *target)
{
	for (unsigned i = 0; i < KS_CPE_NATTR; i++) {
		enum ks_cpe_rel r = ks_cpe_attr_compare(&source->a[i], &target->a[i]);
		if (r != KS_CPE_SUPERSET && r != KS_CPE_EQUAL)
			return 0;
	}
	return 1;
}

int ks_cpe_attr_set(struct ks_cpe_attr *a, const char *value)
{
	memset(a, 0, sizeof *a);
	if (value == NULL || *value == '\0') {
		a->kind = KS_CPE_ANY;
		return 0;
	}
	if (strcmp(value, "-") == 0) {
		a->kind = KS_CPE_NA;
		return 0;
	}
	size_t n = strlen(value);
	if (n > KS_CPE_VAL_MAX) {
		a->kind = KS_CPE_ANY;
		return KS_ELIMIT;
	}
	a->kind = KS_CPE_VALUE;
	for (size_t i = 0; i < n; i++)
		a->v[i] = value[i] == ' ' ? '_' : lower(value[i]);
	a->v[n] = '\0';
	return 0;
}
