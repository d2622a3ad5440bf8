/* SPDX-License-Identifier: BSD-2-Clause */
/* CPE 2.3 formatted-string parser, writer and name matcher (contract in
 * vuln_cpe.h). The parser walks the string once with a bounded reader:
 * every component is cut at an unquoted ':' and unquoted into its
 * attribute, so the matcher never sees escapes.
 * specification: NISTIR 7695 section 6.2; NISTIR 7696 section 6. */
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

/* Parses one component, from r up to an unquoted ':' or the end, into a.
 * last: the component must run to the end. Characters are first collected
 * with a "quoted" mark, then the wildcards at either end are taken off and
 * the middle must hold none. */
static int parse_attr(struct ks_rd *r, struct ks_cpe_attr *a, bool last, size_t *col,
		      const char **why)
{
	char ch[KS_CPE_VAL_MAX + 8];
	bool quoted[KS_CPE_VAL_MAX + 8];
	size_t at[KS_CPE_VAL_MAX + 8];
	size_t start = ks_rd_off(r), k = 0;
	memset(a, 0, sizeof *a);
	while (ks_rd_left(r) > 0) {
		size_t pos = ks_rd_off(r);
		uint8_t c = ks_rd_u8(r);
		bool q = false;
		if (c == ':') {
			if (last)
				return fail(pos, "more than 13 components; expected 11 attributes after cpe:2.3:",
					    col, why);
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
		if (k == sizeof ch)
			return fail(pos, "attribute value longer than 128 bytes", col, why);
		ch[k] = (char)c, quoted[k] = q, at[k] = pos;
		k++;
	}
	if (k == 0)
		return fail(start, "empty attribute; expected a value, * (ANY) or - (NA)", col, why);
	if (k == 1 && !quoted[0] && ch[0] == '*') {
		a->kind = KS_CPE_ANY;
		return 0;
	}
	if (k == 1 && !quoted[0] && ch[0] == '-') {
		a->kind = KS_CPE_NA;
		return 0;
	}
	a->kind = KS_CPE_VALUE;
	size_t i = 0, j = k;
	if (!quoted[0] && ch[0] == '*') {
		a->lead_star = 1;
		i = 1;
	} else {
		while (i < j && !quoted[i] && ch[i] == '?')
			i++, a->lead_q++;
	}
	if (j > i && !quoted[j - 1] && ch[j - 1] == '*') {
		a->trail_star = 1;
		j--;
	} else {
		while (j > i && !quoted[j - 1] && ch[j - 1] == '?')
			j--, a->trail_q++;
	}
	if (j - i > KS_CPE_VAL_MAX)
		return fail(at[i + KS_CPE_VAL_MAX], "attribute value longer than 128 bytes", col, why);
	for (size_t m = i; m < j; m++) {
		if (!quoted[m] && (ch[m] == '*' || ch[m] == '?'))
			return fail(at[m], "wildcard inside a value; expected * or ? only at the start or end "
					   "(quote it as \\* or \\?)",
				    col, why);
		a->v[m - i] = ch[m];
	}
	a->v[j - i] = '\0';
	return 0;
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
	for (unsigned i = 0; i < KS_CPE_NATTR; i++) {
		/* Components end at ':'; one more must follow unless this is the last. */
		if (i > 0 && ks_rd_left(&r) == 0 && r.base[ks_rd_off(&r) - 1] != ':')
			return fail(n, "fewer than 13 components; expected 11 attributes after cpe:2.3:",
				    col, why);
		int ret = parse_attr(&r, &out->a[i], i + 1 == KS_CPE_NATTR, col, why);
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
