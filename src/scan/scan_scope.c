/* SPDX-License-Identifier: BSD-2-Clause */
/* Survey scope: scope and exclusion file parser, special-purpose refusal,
 * the send gate and the target runs (contract in scan_scope.h).
 *
 * specification: RFC 6890 (special-purpose address registries) and the
 * later RFCs that added to them (cited per range below).
 *
 * Files are read line by line through a bounded reader (ks_rd.h). A file is
 * parsed into a scratch list first and appended only when every line is
 * well formed, so a syntax error applies nothing.
 *
 * Building turns the accepted lines into disjoint runs that share their top
 * 96 bits:
 *
 *   accepted lines ──sort/merge──▶ scope runs ──minus exclusions──▶ target runs
 *                                                 (sorted, merged)   (index = first + offset)
 *
 * An exclusion of /96 or shorter removes whole runs; a longer one becomes a
 * low-32-bit interval subtracted from the runs with the same top 96 bits. */
#include "scan_scope.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_alloc.h"
#include "ks_err.h"
#include "ks_rd.h"

#define SHOW_MAX 64 /* bytes of a bad token echoed in a message */

const struct ks_scope_special ks_scope_reserved[] = {
	{"0.0.0.0/8", "\"this network\" (RFC 791, RFC 6890)"},
	{"10.0.0.0/8", "private-use (RFC 1918)"},
	{"100.64.0.0/10", "shared address space (RFC 6598)"},
	{"127.0.0.0/8", "loopback (RFC 1122)"},
	{"169.254.0.0/16", "link-local (RFC 3927)"},
	{"172.16.0.0/12", "private-use (RFC 1918)"},
	{"192.0.0.0/24", "IETF protocol assignments (RFC 6890)"},
	{"192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"},
	{"192.88.99.0/24", "deprecated 6to4 relay anycast (RFC 7526)"},
	{"192.168.0.0/16", "private-use (RFC 1918)"},
	{"198.18.0.0/15", "benchmarking (RFC 2544)"},
	{"198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"},
	{"203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"},
	{"224.0.0.0/4", "multicast (RFC 5771)"},
	{"240.0.0.0/4", "reserved (RFC 1112)"},
	{"255.255.255.255/32", "limited broadcast (RFC 919)"},
	/* ::ffff:0:0/96 (IPv4-mapped) is not listed: IPv4 lives there in
	 * struct ks_addr and is judged by the IPv4 ranges above. */
	{"::/96", "unspecified, loopback and deprecated IPv4-compatible (RFC 4291)"},
	{"64:ff9b::/96", "IPv4/IPv6 translation (RFC 6052)"},
	{"64:ff9b:1::/48", "local-use IPv4/IPv6 translation (RFC 8215)"},
	{"100::/64", "discard-only (RFC 6666)"},
	{"2001::/23", "IETF protocol assignments: Teredo, benchmarking, ORCHID (RFC 2928)"},
	{"2001:db8::/32", "documentation (RFC 3849)"},
	{"2002::/16", "6to4 (RFC 3056)"},
	{"3fff::/20", "documentation (RFC 9637)"},
	{"5f00::/16", "segment routing SIDs (RFC 9602)"},
	{"fc00::/7", "unique-local (RFC 4193)"},
	{"fe80::/10", "link-local unicast (RFC 4291)"},
	{"fec0::/10", "deprecated site-local (RFC 3879)"},
	{"ff00::/8", "multicast (RFC 4291)"},
};
const size_t ks_scope_nreserved = sizeof ks_scope_reserved / sizeof ks_scope_reserved[0];

void ks_scope_init(struct ks_scope *s)
{
	memset(s, 0, sizeof *s);
	ks_pset_init(&s->in);
	ks_pset_init(&s->out);
}

void ks_scope_release(struct ks_scope *s)
{
	free(s->lines);
	free(s->refused);
	free(s->excl);
	free(s->runs);
	ks_pset_release(&s->in);
	ks_pset_release(&s->out);
	ks_scope_init(s);
}

static bool overlaps(const struct ks_prefix *a, const struct ks_prefix *b)
{
	return ks_prefix_contains(a, &b->addr) || ks_prefix_contains(b, &a->addr);
}

/* The parsed table, built once; ranges are constants, so a failure is a bug. */
static const struct ks_prefix *special_pfx(void)
{
	static struct ks_prefix tab[sizeof ks_scope_reserved / sizeof ks_scope_reserved[0]];
	static bool done;
	if (!done) {
		for (size_t i = 0; i < ks_scope_nreserved; i++) {
			const char *c = ks_scope_reserved[i].cidr;
			KS_BUG_ON(ks_prefix_parse(c, strlen(c), &tab[i]) != 0);
		}
		done = true;
	}
	return tab;
}

bool ks_scope_is_special(const struct ks_prefix *p, const struct ks_scope_special **which)
{
	const struct ks_prefix *tab = special_pfx();
	for (size_t i = 0; i < ks_scope_nreserved; i++) {
		if (overlaps(p, &tab[i])) {
			if (which)
				*which = &ks_scope_reserved[i];
			return true;
		}
	}
	return false;
}

/* True if p lies entirely inside one special-purpose range. */
static bool inside_special(const struct ks_prefix *p)
{
	const struct ks_prefix *tab = special_pfx();
	for (size_t i = 0; i < ks_scope_nreserved; i++)
		if (tab[i].len <= p->len && ks_prefix_contains(&tab[i], &p->addr))
			return true;
	return false;
}

/* ---- parsing ---- */

struct tok {
	const char *s;
	size_t n;
	size_t col; /* 1-based */
};

struct parse {
	const char *name;
	char *err;
	size_t errlen;
	bool exclude;
	struct ks_scope_line *lines;
	size_t n, cap;
};

static int fail(struct parse *ps, unsigned line, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parse *ps, unsigned line, size_t col, const char *fmt, ...)
{
	if (ps->err != NULL && ps->errlen > 0) {
		int k = snprintf(ps->err, ps->errlen, "%s:%u:%zu: ", ps->name, line, col);
		if (k >= 0 && (size_t)k < ps->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(ps->err + k, ps->errlen - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return KS_EINVAL;
}

/* Escapes t for a message: printable ASCII as is, other bytes as \xNN,
 * shortened to SHOW_MAX input bytes with "...". */
static const char *show(const struct tok *t, char *buf, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < t->n && i < SHOW_MAX && o + 5 < n; i++) {
		unsigned char c = (unsigned char)t->s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
	}
	if (t->n > SHOW_MAX && o + 4 < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o < n ? o : n - 1] = '\0';
	return buf;
}

static bool valid_org(const struct tok *t)
{
	if (t->n == 0 || t->n > KS_SCOPE_ORG_MAX)
		return false;
	for (size_t i = 0; i < t->n; i++) {
		char c = t->s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool tok_is(const struct tok *t, const char *w)
{
	return t->n == strlen(w) && memcmp(t->s, w, t->n) == 0;
}

/* Parses one line (without its newline) into ps. Blank and comment-only
 * lines add nothing. */
static int parse_line(struct parse *ps, struct ks_rd *lr, unsigned lineno)
{
	struct tok t[3]; /* CIDR ORG allow-reserved at most */
	size_t nt = 0;
	char b[SHOW_MAX * 4 + 8];

	while (ks_rd_left(lr) > 0) {
		size_t at = ks_rd_off(lr);
		uint8_t c = lr->base[at];
		if (c == ' ' || c == '\t') {
			ks_rd_skip(lr, 1);
			continue;
		}
		if (c == '#')
			break; /* comment to end of line; its bytes are not looked at */
		size_t n = 0;
		while (n < ks_rd_left(lr) && lr->base[at + n] != ' ' && lr->base[at + n] != '\t')
			n++;
		const char *s = (const char *)ks_rd_bytes(lr, n);
		for (size_t i = 0; i < n; i++) {
			unsigned char ch = (unsigned char)s[i];
			if (ch < 0x20 || ch >= 0x7f)
				return fail(ps, lineno, at + i + 1,
					    "unexpected byte 0x%02x; expected printable ASCII "
					    "(CIDR, organisation id, allow-reserved or # comment)",
					    ch);
		}
		if (nt == 3)
			return fail(ps, lineno, at + 1, "unexpected '%s'; expected end of line",
				    show(&(struct tok){s, n, 0}, b, sizeof b));
		t[nt++] = (struct tok){s, n, at + 1};
	}
	if (nt == 0)
		return 0;

	struct ks_scope_line l;
	memset(&l, 0, sizeof l);
	l.line = lineno;
	if (ks_prefix_parse(t[0].s, t[0].n, &l.pfx) != 0)
		return fail(ps, lineno, t[0].col,
			    "bad prefix '%s'; expected CIDR like 192.0.2.0/24 or 2001:db8::/32 "
			    "(host bits zero) or an address",
			    show(&t[0], b, sizeof b));
	for (size_t i = 1; i < nt; i++) {
		if (tok_is(&t[i], "allow-reserved")) {
			if (l.allow_reserved)
				return fail(ps, lineno, t[i].col,
					    "allow-reserved given twice; expected it once");
			l.allow_reserved = true;
		} else if (i == 1 && valid_org(&t[i])) {
			memcpy(l.org, t[i].s, t[i].n);
			l.org[t[i].n] = '\0';
		} else if (i == 1) {
			return fail(ps, lineno, t[i].col,
				    "bad organisation id '%s'; expected 1-%d characters from "
				    "A-Z a-z 0-9 . _ - or allow-reserved",
				    show(&t[i], b, sizeof b), KS_SCOPE_ORG_MAX);
		} else {
			return fail(ps, lineno, t[i].col,
				    "unexpected '%s'; expected allow-reserved or end of line",
				    show(&t[i], b, sizeof b));
		}
	}
	if (ps->n == ps->cap) {
		ps->cap = ps->cap ? ps->cap * 2 : 64;
		ps->lines = ks_xreallocarray(ps->lines, ps->cap, sizeof *ps->lines);
	}
	ps->lines[ps->n++] = l;
	return 0;
}

static int parse_file(struct parse *ps, const char *buf, size_t len)
{
	struct ks_rd r = ks_rd_make(buf, len);
	unsigned lineno = 0;
	int rc = 0;

	while (ks_rd_left(&r) > 0) {
		if (++lineno > KS_SCOPE_MAX_LINES) {
			fail(ps, lineno, 1, "more than %u lines; expected at most that many",
			     (unsigned)KS_SCOPE_MAX_LINES);
			return KS_ELIMIT;
		}
		const uint8_t *p = r.base + r.off;
		const uint8_t *nl = memchr(p, '\n', ks_rd_left(&r));
		size_t n = nl ? (size_t)(nl - p) : ks_rd_left(&r);
		struct ks_rd lr = ks_rd_sub(&r, n);
		if (nl)
			ks_rd_skip(&r, 1);
		if (n > 0 && lr.base[n - 1] == '\r')
			lr.len--; /* CRLF files */
		if (lr.len > KS_SCOPE_LINE_MAX)
			return fail(ps, lineno, KS_SCOPE_LINE_MAX + 1,
				    "line longer than %d bytes; expected a shorter line",
				    KS_SCOPE_LINE_MAX);
		rc = parse_line(ps, &lr, lineno);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static void refuse(struct ks_scope *s, const struct ks_scope_line *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void refuse(struct ks_scope *s, const struct ks_scope_line *l, const char *fmt, ...)
{
	if (s->nrefused == s->caprefused) {
		s->caprefused = s->caprefused ? s->caprefused * 2 : 16;
		s->refused = ks_xreallocarray(s->refused, s->caprefused, sizeof *s->refused);
	}
	struct ks_scope_refusal *f = &s->refused[s->nrefused++];
	f->pfx = l->pfx;
	f->line = l->line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof f->why, fmt, ap);
	va_end(ap);
}

/* Decides one parsed scope line: accepted, or refused with a reason. */
static void judge(struct ks_scope *s, const struct ks_scope_line *l)
{
	const struct ks_scope_special *sp = NULL;
	if (!ks_prefix_is_v4(&l->pfx) && l->pfx.len < KS_SCOPE_V6_MIN_LEN) {
		refuse(s, l, "IPv6 prefix shorter than /%d; expected an explicit small prefix "
			     "(/%d or longer)",
		       KS_SCOPE_V6_MIN_LEN, KS_SCOPE_V6_MIN_LEN);
		return;
	}
	if (ks_scope_is_special(&l->pfx, &sp)) {
		if (!l->allow_reserved) {
			refuse(s, l, "overlaps special-purpose %s, %s; not surveyed without "
				     "allow-reserved",
			       sp->cidr, sp->what);
			return;
		}
		if (!inside_special(&l->pfx)) {
			refuse(s, l, "allow-reserved line mixes special-purpose %s (%s) with other "
				     "space; expected a line inside that range",
			       sp->cidr, sp->what);
			return;
		}
	}
	if (s->nlines == s->caplines) {
		s->caplines = s->caplines ? s->caplines * 2 : 64;
		s->lines = ks_xreallocarray(s->lines, s->caplines, sizeof *s->lines);
	}
	s->lines[s->nlines++] = *l;
}

int ks_scope_parse(struct ks_scope *s, const char *buf, size_t len, const char *name, char *err,
		   size_t errlen)
{
	struct parse ps = {name, err, errlen, false, NULL, 0, 0};
	KS_BUG_ON(s->built);
	int r = parse_file(&ps, buf, len);
	if (r == 0) {
		s->scope_name = name;
		for (size_t i = 0; i < ps.n; i++)
			judge(s, &ps.lines[i]);
	}
	free(ps.lines);
	return r;
}

int ks_scope_parse_exclude(struct ks_scope *s, const char *buf, size_t len, const char *name,
			   char *err, size_t errlen)
{
	struct parse ps = {name, err, errlen, true, NULL, 0, 0};
	KS_BUG_ON(s->built);
	int r = parse_file(&ps, buf, len);
	if (r == 0) {
		s->excl_name = name;
		if (s->nexcl + ps.n > s->capexcl) {
			s->capexcl = s->nexcl + ps.n;
			s->excl = ks_xreallocarray(s->excl, s->capexcl, sizeof *s->excl);
		}
		for (size_t i = 0; i < ps.n; i++)
			s->excl[s->nexcl++] = ps.lines[i].pfx;
	}
	free(ps.lines);
	return r;
}

/* ---- building ---- */

static uint32_t low32(const struct ks_addr *a)
{
	return (uint32_t)a->b[12] << 24 | (uint32_t)a->b[13] << 16 | (uint32_t)a->b[14] << 8 | a->b[15];
}

/* The run covered by a prefix of length >= 96. */
static struct ks_scope_run run_of(const struct ks_prefix *p)
{
	struct ks_scope_run r;
	memcpy(r.hi, p->addr.b, 12);
	r.lo = low32(&p->addr);
	r.n = (uint64_t)1 << (128 - p->len);
	r.first = 0;
	return r;
}

static int run_cmp(const void *x, const void *y)
{
	const struct ks_scope_run *a = x, *b = y;
	int c = memcmp(a->hi, b->hi, 12);
	if (c != 0)
		return c;
	return a->lo < b->lo ? -1 : a->lo > b->lo;
}

/* Sorts runs and merges overlapping and adjacent ones; returns the new count. */
static size_t merge_runs(struct ks_scope_run *v, size_t n)
{
	size_t o = 0;
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, run_cmp);
	for (size_t i = 1; i < n; i++) {
		struct ks_scope_run *last = &v[o];
		uint64_t end = (uint64_t)last->lo + last->n;
		if (memcmp(last->hi, v[i].hi, 12) == 0 && v[i].lo <= end) {
			uint64_t e2 = (uint64_t)v[i].lo + v[i].n;
			if (e2 > end)
				last->n = e2 - last->lo;
		} else {
			v[++o] = v[i];
		}
	}
	return o + 1;
}

/* True if an exclusion of /96 or shorter covers the whole run. */
static bool run_excluded(const struct ks_scope *s, const struct ks_scope_run *r)
{
	struct ks_addr a;
	memset(&a, 0, sizeof a);
	memcpy(a.b, r->hi, 12);
	for (size_t i = 0; i < s->nexcl; i++)
		if (s->excl[i].len <= 96 && ks_prefix_contains(&s->excl[i], &a))
			return true;
	return false;
}

void ks_scope_build(struct ks_scope *s)
{
	KS_BUG_ON(s->built);
	for (size_t i = 0; i < s->nlines; i++)
		ks_pset_add(&s->in, &s->lines[i].pfx, (int64_t)i);
	for (size_t i = 0; i < s->nexcl; i++)
		ks_pset_add(&s->out, &s->excl[i], 1);
	ks_pset_build(&s->in);
	ks_pset_build(&s->out);

	/* Scope runs: every accepted line is IPv4 (>= /96 mapped) or IPv6 >= /112. */
	struct ks_scope_run *sc = ks_xcalloc(s->nlines + 1, sizeof *sc);
	for (size_t i = 0; i < s->nlines; i++)
		sc[i] = run_of(&s->lines[i].pfx);
	size_t nsc = merge_runs(sc, s->nlines);
	s->in_scope = 0;
	for (size_t i = 0; i < nsc; i++)
		s->in_scope += sc[i].n;

	/* Exclusion runs (those longer than /96). */
	struct ks_scope_run *ex = ks_xcalloc(s->nexcl + 1, sizeof *ex);
	size_t nex = 0;
	for (size_t i = 0; i < s->nexcl; i++)
		if (s->excl[i].len > 96)
			ex[nex++] = run_of(&s->excl[i]);
	nex = merge_runs(ex, nex);

	/* Subtract: both lists sorted; each scope run is cut by the exclusion
	 * runs with its top bits. A run splits into at most nex + 1 pieces. */
	size_t cap = nsc + nex + 1, n = 0, j = 0;
	struct ks_scope_run *out = ks_xcalloc(cap, sizeof *out);
	for (size_t i = 0; i < nsc; i++) {
		if (run_excluded(s, &sc[i]))
			continue;
		uint64_t cur = sc[i].lo, end = (uint64_t)sc[i].lo + sc[i].n;
		while (j < nex && (memcmp(ex[j].hi, sc[i].hi, 12) < 0 ||
				   (memcmp(ex[j].hi, sc[i].hi, 12) == 0 &&
				    (uint64_t)ex[j].lo + ex[j].n <= cur)))
			j++;
		for (size_t k = j; k < nex && memcmp(ex[k].hi, sc[i].hi, 12) == 0 && ex[k].lo < end;
		     k++) {
			uint64_t elo = ex[k].lo, eend = elo + ex[k].n;
			if (elo > cur) {
				KS_BUG_ON(n == cap);
				out[n] = sc[i];
				out[n].lo = (uint32_t)cur;
				out[n].n = elo - cur;
				n++;
			}
			if (eend > cur)
				cur = eend;
		}
		if (cur < end) {
			KS_BUG_ON(n == cap);
			out[n] = sc[i];
			out[n].lo = (uint32_t)cur;
			out[n].n = end - cur;
			n++;
		}
	}
	uint64_t total = 0;
	for (size_t i = 0; i < n; i++) {
		out[i].first = total;
		total += out[i].n;
	}
	free(sc);
	free(ex);
	s->runs = out;
	s->nruns = n;
	s->ntargets = total;
	s->built = true;
}

bool ks_scope_contains(const struct ks_scope *s, const struct ks_addr *a)
{
	if (!s->built)
		return false;
	return ks_pset_lookup(&s->in, a, NULL) && !ks_pset_lookup(&s->out, a, NULL);
}

const char *ks_scope_org(const struct ks_scope *s, const struct ks_addr *a)
{
	int64_t v;
	if (!ks_scope_contains(s, a) || !ks_pset_lookup(&s->in, a, &v))
		return NULL;
	return s->lines[v].org;
}

int ks_scope_target(const struct ks_scope *s, uint64_t i, struct ks_addr *out)
{
	if (!s->built || i >= s->ntargets)
		return KS_EINVAL;
	size_t lo = 0, hi = s->nruns; /* last run with first <= i */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->runs[mid].first <= i)
			lo = mid;
		else
			hi = mid;
	}
	const struct ks_scope_run *r = &s->runs[lo];
	uint32_t v = (uint32_t)(r->lo + (i - r->first));
	memcpy(out->b, r->hi, 12);
	out->b[12] = (uint8_t)(v >> 24);
	out->b[13] = (uint8_t)(v >> 16);
	out->b[14] = (uint8_t)(v >> 8);
	out->b[15] = (uint8_t)v;
	return 0;
}
