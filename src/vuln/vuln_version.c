/* SPDX-License-Identifier: BSD-2-Clause */
/* Version order and range expressions (rules in vuln_version.h and
 * docs/vulns.md). Versions are split into at most KS_VER_SEG_MAX segments
 * held as counted views into the string, so comparing allocates nothing
 * and numbers of any length compare without overflow. */
#include "vuln_version.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ks_err.h"

enum seg_kind { SEG_PRE = 0, SEG_END = 1, SEG_WORD = 2, SEG_NUM = 3 };

struct seg {
	enum seg_kind kind;
	const char *s; /* digits or letters */
	size_t n;
	int pre; /* order of a pre-release word */
};

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_sep(char c)
{
	return c == '.' || c == '-' || c == '_' || c == '+' || c == '~' || c == '(' || c == ')' ||
	       c == ' ';
}
static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

static bool word_is(const char *s, size_t n, const char *w)
{
	if (strlen(w) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s[i]) != w[i])
			return false;
	return true;
}

/* Order of a pre-release word, or -1 for any other word. */
static int pre_order(const char *s, size_t n)
{
	static const struct {
		const char *w;
		int order;
	} pre[] = {{"dev", 0}, {"alpha", 1}, {"beta", 2}, {"pre", 3}, {"preview", 3}, {"rc", 4}};
	for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++)
		if (word_is(s, n, pre[i].w))
			return pre[i].order;
	return -1;
}

/* Splits s[0..n) into v (room for KS_VER_SEG_MAX). Returns the count, or
 * -1 with *why set. */
static int split(const char *s, size_t n, struct seg *v, const char **why)
{
	size_t i = 0;
	int k = 0;
	if (n == 0) {
		*why = "empty version; expected e.g. 1.2.3";
		return -1;
	}
	if (n > KS_VER_MAX) {
		*why = "version longer than 64 bytes";
		return -1;
	}
	if (n >= 2 && (s[0] == 'v' || s[0] == 'V') && is_digit(s[1]))
		i = 1;
	while (i < n) {
		char c = s[i];
		if (is_sep(c)) {
			i++;
			continue;
		}
		if (!is_digit(c) && !is_alpha(c)) {
			*why = "bad character in version; expected letters, digits and . - _ + ~ ( )";
			return -1;
		}
		if (k == KS_VER_SEG_MAX) {
			*why = "more than 24 segments in version";
			return -1;
		}
		size_t j = i;
		bool digit = is_digit(c);
		while (j < n && (digit ? is_digit(s[j]) : is_alpha(s[j])))
			j++;
		struct seg *g = &v[k++];
		g->s = s + i;
		g->n = j - i;
		g->pre = -1;
		if (digit) {
			g->kind = SEG_NUM;
			while (g->n > 1 && g->s[0] == '0') /* leading zeros do not count */
				g->s++, g->n--;
		} else {
			g->pre = pre_order(g->s, g->n);
			g->kind = g->pre >= 0 ? SEG_PRE : SEG_WORD;
		}
		i = j;
	}
	if (k == 0) {
		*why = "version without letters or digits";
		return -1;
	}
	return k;
}

int ks_ver_check(const char *s, size_t n, const char **why)
{
	struct seg v[KS_VER_SEG_MAX];
	const char *w = NULL;
	if (split(s, n, v, &w) < 0) {
		if (why)
			*why = w;
		return KS_EINVAL;
	}
	return 0;
}

static int seg_cmp(const struct seg *a, const struct seg *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	switch (a->kind) {
	case SEG_NUM:
		if (a->n != b->n)
			return a->n < b->n ? -1 : 1;
		return memcmp(a->s, b->s, a->n);
	case SEG_PRE:
		return a->pre - b->pre;
	case SEG_WORD:
		for (size_t i = 0; i < a->n && i < b->n; i++)
			if (lower(a->s[i]) != lower(b->s[i]))
				return (unsigned char)lower(a->s[i]) < (unsigned char)lower(b->s[i]) ? -1 : 1;
		return a->n == b->n ? 0 : a->n < b->n ? -1 : 1;
	default:
		return 0;
	}
}

static bool is_zero(const struct seg *g) { return g->kind == SEG_NUM && g->n == 1 && g->s[0] == '0'; }

/* Drops the zeros that end a run of numbers (a zero followed by a word or
 * by the end), right to left, so 1.0 == 1.0.0 and 1.0.0-beta == 1.0beta.
 * Returns the new count. */
static int canon(struct seg *v, int k)
{
	struct seg tmp[KS_VER_SEG_MAX];
	int m = 0; /* kept, right to left, in tmp[KS_VER_SEG_MAX - m ..] */
	for (int i = k - 1; i >= 0; i--) {
		bool next_num = m > 0 && tmp[KS_VER_SEG_MAX - m].kind == SEG_NUM;
		if (is_zero(&v[i]) && !next_num)
			continue;
		tmp[KS_VER_SEG_MAX - 1 - m] = v[i];
		m++;
	}
	memcpy(v, tmp + KS_VER_SEG_MAX - m, (size_t)m * sizeof *v);
	return m;
}

int ks_ver_cmp(const char *a, const char *b, int *out)
{
	struct seg va[KS_VER_SEG_MAX], vb[KS_VER_SEG_MAX];
	const char *why;
	if (a == NULL || b == NULL)
		return KS_EINVAL;
	int na = split(a, strlen(a), va, &why), nb = split(b, strlen(b), vb, &why);
	if (na < 0 || nb < 0)
		return KS_EINVAL;
	na = canon(va, na);
	nb = canon(vb, nb);
	static const struct seg end = {SEG_END, "", 0, -1};
	/* Lexicographic over segments, the end ranking between pre-release
	 * words and everything else: a total order. */
	for (int i = 0; i < na || i < nb; i++) {
		const struct seg *x = i < na ? &va[i] : &end, *y = i < nb ? &vb[i] : &end;
		int c = seg_cmp(x, y);
		if (c != 0) {
			*out = c < 0 ? -1 : 1;
			return 0;
		}
	}
	*out = 0;
	return 0;
}

/* ---- ranges ---------------------------------------------------------------------- */

static int range_fail(size_t at, const char *what, size_t *col, const char **why, int err)
{
	if (col)
		*col = at;
	if (why)
		*why = what;
	return err;
}

int ks_range_parse(const char *s, size_t n, struct ks_range *out, size_t *col, const char **why)
{
	size_t i = 0;
	unsigned clause = 0;
	bool need_cmp = true; /* at the start and after "||" */
	memset(out, 0, sizeof *out);
	if (n > KS_RANGE_MAX)
		return range_fail(KS_RANGE_MAX, "range longer than 512 bytes", col, why, KS_ELIMIT);
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < n && s[i] == '*') {
		size_t j = i + 1;
		while (j < n && (s[j] == ' ' || s[j] == '\t'))
			j++;
		if (j != n)
			return range_fail(j, "text after '*'; expected '*' alone for every version", col,
					  why, KS_EINVAL);
		return 0;
	}
	for (;;) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n)
			break;
		if (s[i] == '|') {
			if (i + 1 >= n || s[i + 1] != '|')
				return range_fail(i, "single '|'; expected '||' between clauses", col,
						  why, KS_EINVAL);
			if (need_cmp)
				return range_fail(i, "'||' without a comparison before it; expected e.g. <1.2",
						  col, why, KS_EINVAL);
			i += 2;
			clause++;
			need_cmp = true;
			continue;
		}
		enum ks_range_op op = KS_RANGE_EQ;
		if (s[i] == '<' || s[i] == '>') {
			bool lt = s[i] == '<';
			i++;
			if (i < n && s[i] == '=') {
				op = lt ? KS_RANGE_LE : KS_RANGE_GE;
				i++;
			} else {
				op = lt ? KS_RANGE_LT : KS_RANGE_GT;
			}
		} else if (s[i] == '=') {
			i++;
		}
		size_t v0 = i;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '|' && s[i] != '<' &&
		       s[i] != '>' && s[i] != '=')
			i++;
		if (i == v0)
			return range_fail(v0, "operator without a version; expected e.g. <1.2.3", col,
					  why, KS_EINVAL);
		const char *w;
		if (ks_ver_check(s + v0, i - v0, &w) != 0)
			return range_fail(v0, w, col, why, KS_EINVAL);
		if (out->n == KS_RANGE_CMP_MAX)
			return range_fail(v0, "more than 32 comparisons in range", col, why, KS_ELIMIT);
		struct ks_range_cmp *c = &out->cmp[out->n++];
		c->op = op;
		c->clause = clause;
		memcpy(c->ver, s + v0, i - v0);
		c->ver[i - v0] = '\0';
		need_cmp = false;
	}
	if (need_cmp)
		return range_fail(n, out->n ? "range ends with '||'; expected a comparison"
					    : "empty range; expected '*' or comparisons like >=1.0 <2.0",
				  col, why, KS_EINVAL);
	return 0;
}

static bool holds(const struct ks_range_cmp *c, const char *v)
{
	int d;
	if (ks_ver_cmp(v, c->ver, &d) != 0)
		return false;
	switch (c->op) {
	case KS_RANGE_LT: return d < 0;
	case KS_RANGE_LE: return d <= 0;
	case KS_RANGE_GT: return d > 0;
	case KS_RANGE_GE: return d >= 0;
	case KS_RANGE_EQ: return d == 0;
	}
	return false;
}

int ks_range_has(const struct ks_range *r, const char *v)
{
	if (r->n == 0)
		return 1;
	if (v == NULL || *v == '\0' || ks_ver_check(v, strlen(v), NULL) != 0)
		return 0;
	for (unsigned i = 0; i < r->n;) {
		unsigned cl = r->cmp[i].clause;
		bool all = true;
		for (; i < r->n && r->cmp[i].clause == cl; i++)
			all = all && holds(&r->cmp[i], v);
		if (all)
			return 1;
	}
	return 0;
}

char *ks_range_format(const struct ks_range *r, char *buf, size_t n)
{
	static const char *const opname[] = {"<", "<=", ">", ">=", "="};
	size_t off = 0;
	if (n == 0)
		return buf;
	buf[0] = '\0';
	if (r->n == 0) {
		snprintf(buf, n, "*");
		return buf;
	}
	for (unsigned i = 0; i < r->n && off < n; i++) {
		const char *sep = i == 0 ? "" : r->cmp[i].clause != r->cmp[i - 1].clause ? " || " : " ";
		int k = snprintf(buf + off, n - off, "%s%s%s", sep, opname[r->cmp[i].op], r->cmp[i].ver);
		if (k < 0)
			break;
		off += (size_t)k;
	}
	return buf;
}
