/* SPDX-License-Identifier: BSD-2-Clause */
/* Recog fingerprint engine: XML loading with libxml2, pattern translation
 * from Ruby syntax and matching with PCRE2. Contract and semantics in
 * recog.h; user documentation in docs/survey.md ("Fingerprints").
 *
 * Loading:  bytes --libxml2 (NONET, no DTD, no entities)--> tree
 *           tree --walk, caps--> struct fp[] (translated, compiled, JIT)
 * Matching: text --pcre2_match under limits, file order--> first fp
 *           --params: fixed, captures, then {name} interpolation--> result */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "recog.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "ks_alloc.h"
#include "ks_err.h"

#define DEFAULT_PREFERENCE 0.10 /* Recog::DB::DEFAULT_FP_PREFERENCE */

struct prm {
	char *name;
	char *value; /* fixed value (pos 0) or NULL */
	unsigned pos;
	int interp; /* value contains {name} */
};

struct ex {
	char *text;
	size_t len;
	unsigned line;
	size_t nattrs;
	char **names, **values;
};

struct fp {
	pcre2_code *re;     /* byte semantics: ASCII or binary text */
	pcre2_code *re_utf; /* character semantics: text that is valid, non-ASCII UTF-8 */
	char *desc;
	unsigned line;
	struct prm *prm;
	size_t nprm;
	struct ex *ex;
	size_t nex;
};

struct ks_recog_db {
	char *file;
	char *matches, *protocol, *dbtype;
	double preference;
	struct fp *fp;
	size_t nfp;
	pcre2_match_context *mctx;
	uint64_t limit_hits; /* updated atomically through a const db */
};

struct ks_recog_set {
	struct ks_recog_db **db;
	size_t n;
	size_t *order; /* indexes by descending preference, then load order */
};

/* --- errors -------------------------------------------------------------- */

__attribute__((format(printf, 5, 6))) static int fail(char *err, size_t errlen, const char *file,
						       unsigned line, const char *fmt, ...)
{
	if (!err || !errlen)
		return 0;
	int n = line ? snprintf(err, errlen, "%s:%u: ", file, line) : snprintf(err, errlen, "%s: ", file);
	if (n < 0 || (size_t)n >= errlen)
		return 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return 0;
}

/* --- Ruby -> PCRE2 pattern translation ----------------------------------- */

/* Rewrites the Ruby-only parts of pattern p[0..n) into out (room for 4n+1):
 * \h -> [0-9A-Fa-f], \H -> [^0-9A-Fa-f] (inside a class: the range only;
 * \H inside a class is refused), and the option letter m of inline option
 * groups (?m) (?mi-x: ... -> s (Ruby's m is "dot matches newline"). Returns 0
 * or KS_EINVAL with *why set. */
static int translate(const char *p, size_t n, char *out, const char **why)
{
	size_t o = 0;
	int in_class = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\\' && i + 1 < n) {
			char d = p[++i];
			if (d == 'h') {
				const char *s = in_class ? "0-9A-Fa-f" : "[0-9A-Fa-f]";
				memcpy(out + o, s, strlen(s));
				o += strlen(s);
			} else if (d == 'H') {
				if (in_class) {
					*why = "\\H inside a character class is not supported";
					return KS_EINVAL;
				}
				memcpy(out + o, "[^0-9A-Fa-f]", 12);
				o += 12;
			} else {
				out[o++] = c;
				out[o++] = d;
			}
			continue;
		}
		if (in_class) {
			if (c == '[' && i + 1 < n && p[i + 1] == ':') {
				/* POSIX bracket [:alpha:]: copy through its closing ":]". */
				const char *e = NULL;
				for (size_t k = i + 2; k + 1 < n; k++)
					if (p[k] == ':' && p[k + 1] == ']') {
						e = p + k;
						break;
					}
				if (e) {
					size_t m = (size_t)(e - (p + i)) + 2;
					memcpy(out + o, p + i, m);
					o += m;
					i += m - 1;
					continue;
				}
			} else if (c == '[') {
				*why = "nested character classes (Ruby class set operations) are not supported";
				return KS_EINVAL;
			} else if (c == ']') {
				in_class = 0;
			}
			out[o++] = c;
			continue;
		}
		if (c == '[') {
			in_class = 1;
			out[o++] = c;
			/* A ']' first in a class (after an optional '^') is literal. */
			if (i + 1 < n && p[i + 1] == '^')
				out[o++] = p[++i];
			if (i + 1 < n && p[i + 1] == ']')
				out[o++] = p[++i];
			continue;
		}
		if (c == '(' && i + 2 < n && p[i + 1] == '?') {
			size_t k = i + 2;
			while (k < n && (p[k] == 'i' || p[k] == 'm' || p[k] == 'x' || p[k] == '-'))
				k++;
			if (k > i + 2 && k < n && (p[k] == ':' || p[k] == ')')) {
				out[o++] = '(';
				out[o++] = '?';
				for (size_t j = i + 2; j < k; j++)
					out[o++] = p[j] == 'm' ? 's' : p[j];
				i = k - 1;
				continue;
			}
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

/* Compiles a Recog pattern with its flags attribute ("REG_ICASE,REG_DOT_NEWLINE"). */
static int compile(const char *pattern, const char *flags, pcre2_code **re, pcre2_code **re_utf,
		   char *err, size_t errlen, const char *file, unsigned line)
{
	uint32_t opt = PCRE2_MULTILINE;
	for (const char *f = flags ? flags : ""; *f;) {
		size_t k = strcspn(f, ",");
		/* Leading/trailing blanks around a flag are tolerated. */
		const char *s = f, *e = f + k;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		size_t m = (size_t)(e - s);
#define IS(lit) (m == sizeof(lit) - 1 && memcmp(s, lit, m) == 0)
		if (IS("REG_ICASE"))
			opt |= PCRE2_CASELESS;
		else if (IS("REG_DOT_NEWLINE") || IS("REG_MULTILINE") || IS("REG_LINE_ANY_CRLF"))
			opt |= PCRE2_DOTALL;
		else if (m != 0) {
			fail(err, errlen, file, line,
			     "unsupported regular expression flag '%.*s' (expected REG_ICASE, "
			     "REG_DOT_NEWLINE, REG_MULTILINE or REG_LINE_ANY_CRLF)",
			     (int)(m > 64 ? 64 : m), s);
			return KS_EINVAL;
		}
#undef IS
		f += k;
		if (*f == ',')
			f++;
	}
	size_t n = strlen(pattern);
	if (n > KS_RECOG_MAX_PATTERN) {
		fail(err, errlen, file, line, "pattern of %zu bytes (at most %u)", n, KS_RECOG_MAX_PATTERN);
		return KS_ELIMIT;
	}
	char *tr = ks_xmalloc(4 * n + 1);
	const char *why = NULL;
	if (translate(pattern, n, tr, &why) != 0) {
		fail(err, errlen, file, line, "pattern: %s", why);
		free(tr);
		return KS_EINVAL;
	}
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	if (!cc) {
		free(tr);
		return KS_ENOMEM;
	}
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	pcre2_set_parens_nest_limit(cc, 250);
	int ec;
	PCRE2_SIZE eo;
	*re = pcre2_compile((PCRE2_SPTR)tr, PCRE2_ZERO_TERMINATED, opt, &ec, &eo, cc);
	/* A pattern that is valid only byte-wise (none in Recog today) keeps
	 * byte semantics for every text: re_utf stays NULL. */
	if (*re) {
		int ec2;
		PCRE2_SIZE eo2;
		*re_utf = pcre2_compile((PCRE2_SPTR)tr, PCRE2_ZERO_TERMINATED,
					opt | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &ec2, &eo2, cc);
	}
	pcre2_compile_context_free(cc);
	free(tr);
	if (!*re) {
		PCRE2_UCHAR msg[160];
		pcre2_get_error_message(ec, msg, sizeof msg);
		fail(err, errlen, file, line, "pattern does not compile: %s (near byte %zu of the rewritten pattern)",
		     (const char *)msg, (size_t)eo);
		return KS_EINVAL;
	}
	/* JIT when available; the interpreter is the fallback, so failure is
	 * fine. The UTF variant runs only on non-ASCII text: interpreted. */
	(void)pcre2_jit_compile(*re, PCRE2_JIT_COMPLETE);
	return 0;
}

/* --- XML helpers --------------------------------------------------------- */

static int is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Attribute value (malloc'ed copy) or NULL when absent. */
static char *attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		if (a->ns || strcmp((const char *)a->name, name) != 0)
			continue;
		xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
		char *s = ks_xstrdup(v ? (const char *)v : "");
		xmlFree(v);
		return s;
	}
	return NULL;
}

static unsigned lineno(const xmlNode *n)
{
	long l = xmlGetLineNo(n);
	return l > 0 && l < (long)UINT_MAX ? (unsigned)l : 0;
}

/* Text content of n, whitespace runs collapsed to one space and trimmed
 * (Recog's description). */
static char *collapsed(const xmlNode *n)
{
	xmlChar *v = xmlNodeGetContent(n);
	const char *s = v ? (const char *)v : "";
	char *out = ks_xmalloc(strlen(s) + 1);
	size_t o = 0;
	int sp = 0;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v') {
			sp = o > 0;
			continue;
		}
		if (sp)
			out[o++] = ' ';
		sp = 0;
		out[o++] = *s;
	}
	out[o] = '\0';
	xmlFree(v);
	return out;
}

/* Lenient base64 as Ruby's Base64.decode64: characters outside the alphabet
 * are skipped, decoding stops at '='. out has room for n bytes. */
static size_t b64decode(const char *s, size_t n, char *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;
	for (size_t i = 0; i < n && s[i] != '='; i++) {
		int c = (unsigned char)s[i], v;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= 'a' && c <= 'z')
			v = c - 'a' + 26;
		else if (c >= '0' && c <= '9')
			v = c - '0' + 52;
		else if (c == '+')
			v = 62;
		else if (c == '/')
			v = 63;
		else
			continue;
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	return o;
}

/* --- db lifetime --------------------------------------------------------- */

static void fp_release(struct fp *f)
{
	pcre2_code_free(f->re);
	pcre2_code_free(f->re_utf);
	free(f->desc);
	for (size_t i = 0; i < f->nprm; i++) {
		free(f->prm[i].name);
		free(f->prm[i].value);
	}
	free(f->prm);
	for (size_t i = 0; i < f->nex; i++) {
		struct ex *e = &f->ex[i];
		free(e->text);
		for (size_t k = 0; k < e->nattrs; k++) {
			free(e->names[k]);
			free(e->values[k]);
		}
		free(e->names);
		free(e->values);
	}
	free(f->ex);
}

void ks_recog_free(struct ks_recog_db *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->nfp; i++)
		fp_release(&db->fp[i]);
	free(db->fp);
	pcre2_match_context_free(db->mctx);
	free(db->file);
	free(db->matches);
	free(db->protocol);
	free(db->dbtype);
	free(db);
}

/* --- loading ------------------------------------------------------------- */

static int load_example(const xmlNode *n, struct ex *e, const char *file, char *err, size_t errlen)
{
	e->line = lineno(n);
	xmlChar *v = xmlNodeGetContent(n);
	const char *s = v ? (const char *)v : "";
	size_t len = strlen(s);
	char *enc = attr(n, "_encoding");
	e->text = ks_xmalloc(len + 1);
	if (enc && strcmp(enc, "base64") == 0) {
		e->len = b64decode(s, len, e->text);
	} else if (enc) {
		fail(err, errlen, file, e->line, "example: unknown _encoding '%.64s' (expected base64)", enc);
		free(enc);
		xmlFree(v);
		return KS_EINVAL;
	} else {
		memcpy(e->text, s, len);
		e->len = len;
	}
	e->text[e->len] = '\0';
	free(enc);
	xmlFree(v);
	size_t na = 0;
	for (const xmlAttr *a = n->properties; a; a = a->next)
		na++;
	e->names = ks_xcalloc(na + 1, sizeof *e->names);
	e->values = ks_xcalloc(na + 1, sizeof *e->values);
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		const char *an = (const char *)a->name;
		if (strcmp(an, "_encoding") == 0 || strcmp(an, "_filename") == 0)
			continue;
		xmlChar *av = xmlNodeListGetString(n->doc, a->children, 1);
		e->names[e->nattrs] = ks_xstrdup(an);
		e->values[e->nattrs] = ks_xstrdup(av ? (const char *)av : "");
		e->nattrs++;
		xmlFree(av);
	}
	return 0;
}

/* Parses a param's pos attribute: a decimal integer 0..KS_RECOG_MAX_POS. */
static int parse_pos(const char *s, unsigned *pos)
{
	unsigned v = 0;
	size_t i = 0;
	while (s[i] == ' ')
		i++;
	if (s[i] == '+')
		i++;
	if (s[i] < '0' || s[i] > '9')
		return KS_EINVAL;
	for (; s[i] >= '0' && s[i] <= '9'; i++) {
		v = v * 10 + (unsigned)(s[i] - '0');
		if (v > KS_RECOG_MAX_POS)
			return KS_ELIMIT;
	}
	while (s[i] == ' ')
		i++;
	if (s[i])
		return KS_EINVAL;
	*pos = v;
	return 0;
}

static int has_interp(const char *v)
{
	for (const char *p = strchr(v, '{'); p; p = strchr(p + 1, '{')) {
		size_t k = strcspn(p + 1, "{} \t\r\n");
		if (k > 0 && p[1 + k] == '}')
			return 1;
	}
	return 0;
}

static int load_fingerprint(const xmlNode *n, struct fp *f, const char *file, char *err, size_t errlen)
{
	f->line = lineno(n);
	int r = 0;
	char *pattern = attr(n, "pattern"), *flags = attr(n, "flags");
	if (!pattern) {
		fail(err, errlen, file, f->line, "fingerprint without a pattern attribute");
		r = KS_EINVAL;
		goto out;
	}
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		const char *an = (const char *)a->name;
		if (strcmp(an, "pattern") != 0 && strcmp(an, "flags") != 0 && strcmp(an, "certainty") != 0) {
			fail(err, errlen, file, f->line, "fingerprint: unknown attribute '%.64s'", an);
			r = KS_EINVAL;
			goto out;
		}
	}
	r = compile(pattern, flags, &f->re, &f->re_utf, err, errlen, file, f->line);
	if (r != 0)
		goto out;
	uint32_t ncap = 0;
	pcre2_pattern_info(f->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
	size_t nex = 0, nprm = 0;
	for (const xmlNode *c = n->children; c; c = c->next) {
		nex += is_elem(c, "example");
		nprm += is_elem(c, "param");
	}
	if (nex > KS_RECOG_MAX_EXAMPLES || nprm > KS_RECOG_MAX_PARAMS) {
		fail(err, errlen, file, f->line, "%zu examples and %zu params (at most %u and %u)", nex, nprm,
		     KS_RECOG_MAX_EXAMPLES, KS_RECOG_MAX_PARAMS);
		r = KS_ELIMIT;
		goto out;
	}
	f->ex = ks_xcalloc(nex + 1, sizeof *f->ex);
	f->prm = ks_xcalloc(nprm + 1, sizeof *f->prm);
	for (const xmlNode *c = n->children; c; c = c->next) {
		unsigned cl = lineno(c);
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_elem(c, "description")) {
			if (f->desc) {
				fail(err, errlen, file, cl, "second <description> in a fingerprint");
				r = KS_EINVAL;
				goto out;
			}
			f->desc = collapsed(c);
		} else if (is_elem(c, "example")) {
			r = load_example(c, &f->ex[f->nex++], file, err, errlen);
			if (r != 0)
				goto out;
		} else if (is_elem(c, "param")) {
			struct prm *p = &f->prm[f->nprm++];
			char *pos = attr(c, "pos");
			p->name = attr(c, "name");
			p->value = attr(c, "value");
			if (!pos || !p->name || !*p->name) {
				fail(err, errlen, file, cl, "param needs pos and name attributes");
				free(pos);
				r = KS_EINVAL;
				goto out;
			}
			r = parse_pos(pos, &p->pos);
			free(pos);
			if (r != 0) {
				fail(err, errlen, file, cl, "param %.64s: pos must be an integer 0..%u", p->name,
				     KS_RECOG_MAX_POS);
				goto out;
			}
			if (p->pos == 0 && !p->value) {
				fail(err, errlen, file, cl, "param %.64s: pos 0 (a fixed value) needs a value", p->name);
				r = KS_EINVAL;
				goto out;
			}
			if (p->pos > ncap) {
				fail(err, errlen, file, cl, "param %.64s: pos %u but the pattern has %u capture groups",
				     p->name, p->pos, ncap);
				r = KS_EINVAL;
				goto out;
			}
			/* A capture param ignores value (Recog's verifier flags it; the match uses the capture). */
			if (p->pos > 0) {
				free(p->value);
				p->value = NULL;
			}
			p->interp = p->value && has_interp(p->value);
			/* A name given twice: the later param replaces the earlier in its
			 * place, as in Recog (a Ruby hash keyed by name). */
			for (size_t k = 0; k + 1 < f->nprm; k++)
				if (strcmp(f->prm[k].name, p->name) == 0) {
					free(f->prm[k].value);
					free(p->name);
					f->prm[k].value = p->value;
					f->prm[k].pos = p->pos;
					f->prm[k].interp = p->interp;
					memset(p, 0, sizeof *p);
					f->nprm--;
					break;
				}
		} else {
			fail(err, errlen, file, cl, "unexpected element <%.64s> in a fingerprint", (const char *)c->name);
			r = KS_EINVAL;
			goto out;
		}
	}
	if (!f->desc)
		f->desc = ks_xstrdup("");
out:
	free(pattern);
	free(flags);
	return r;
}

/* DOCTYPE refusal: the document may not declare a DTD (no entities, no
 * external subset). Called by libxml2's SAX layer when it sees one. */
static void on_dtd(void *ctx, const xmlChar *name, const xmlChar *eid, const xmlChar *sid)
{
	(void)name, (void)eid, (void)sid;
	xmlParserCtxtPtr c = ctx;
	int *saw = c->_private;
	if (saw)
		*saw = 1;
	xmlStopParser(c);
}

static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx, (void)msg;
}

static void squiet(void *ctx, xmlErrorPtr e)
{
	(void)ctx, (void)e;
}

static char *base_key(const char *name)
{
	const char *b = strrchr(name, '/');
	b = b ? b + 1 : name;
	size_t n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".xml") == 0)
		n -= 4;
	return ks_xstrndup(b, n);
}

int ks_recog_load_mem(const char *name, const char *xml, size_t len, struct ks_recog_db **out,
		      char *err, size_t errlen)
{
	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	if (len > KS_RECOG_MAX_XML) {
		fail(err, errlen, name, 0, "%zu bytes of XML (at most %u)", len, KS_RECOG_MAX_XML);
		return KS_ELIMIT;
	}
	if (len > INT_MAX)
		return KS_ELIMIT;
	xmlInitParser();
	xmlParserCtxtPtr ctx = xmlNewParserCtxt();
	if (!ctx)
		return KS_ENOMEM;
	int saw_dtd = 0;
	ctx->_private = &saw_dtd;
	ctx->sax->internalSubset = on_dtd;
	ctx->sax->error = quiet;
	ctx->sax->warning = quiet;
	ctx->sax->serror = squiet;
	ctx->vctxt.error = quiet;
	ctx->vctxt.warning = quiet;
	int opts = XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR | XML_PARSE_BIG_LINES |
		   XML_PARSE_NOCDATA;
	xmlDocPtr doc = xmlCtxtReadMemory(ctx, xml, (int)len, name, NULL, opts);
	int r = 0;
	struct ks_recog_db *db = NULL;
	if (saw_dtd) {
		fail(err, errlen, name, (unsigned)(ctx->input ? ctx->input->line : 0),
		     "DOCTYPE declarations are not allowed in a fingerprint database");
		r = KS_EINVAL;
		goto out;
	}
	if (!doc || !ctx->wellFormed) {
		const xmlError *e = xmlCtxtGetLastError(ctx);
		char msg[200] = "malformed XML";
		if (e && e->message) {
			snprintf(msg, sizeof msg, "%s", e->message);
			size_t k = strlen(msg);
			while (k && (msg[k - 1] == '\n' || msg[k - 1] == ' '))
				msg[--k] = '\0';
		}
		fail(err, errlen, name, e && e->line > 0 ? (unsigned)e->line : 1, "XML: %s", msg);
		r = KS_EINVAL;
		goto out;
	}
	xmlNode *root = xmlDocGetRootElement(doc);
	if (!root || !is_elem(root, "fingerprints")) {
		fail(err, errlen, name, root ? lineno(root) : 1, "root element is not <fingerprints>");
		r = KS_EINVAL;
		goto out;
	}
	db = ks_xcalloc(1, sizeof *db);
	db->file = ks_xstrdup(name);
	db->matches = attr(root, "matches");
	if (!db->matches || !*db->matches) {
		free(db->matches);
		db->matches = base_key(name);
	}
	db->protocol = attr(root, "protocol");
	if (db->protocol && !*db->protocol) {
		free(db->protocol);
		db->protocol = NULL;
	}
	for (char *p = db->protocol; p && *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	db->dbtype = attr(root, "database_type");
	db->preference = DEFAULT_PREFERENCE;
	char *pref = attr(root, "preference");
	if (pref) {
		char *end;
		errno = 0;
		double v = strtod(pref, &end);
		int bad = end == pref || *end || errno || !isfinite(v) || v < 0 || v > 1;
		free(pref);
		if (bad) {
			fail(err, errlen, name, lineno(root), "preference must be a number from 0 to 1.0");
			r = KS_EINVAL;
			goto out;
		}
		db->preference = v;
	}
	size_t nfp = 0;
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!is_elem(c, "fingerprint")) {
			fail(err, errlen, name, lineno(c), "unexpected element <%.64s> in <fingerprints>",
			     (const char *)c->name);
			r = KS_EINVAL;
			goto out;
		}
		if (++nfp > KS_RECOG_MAX_FP) {
			fail(err, errlen, name, lineno(c), "more than %u fingerprints", KS_RECOG_MAX_FP);
			r = KS_ELIMIT;
			goto out;
		}
	}
	db->fp = ks_xcalloc(nfp + 1, sizeof *db->fp);
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		r = load_fingerprint(c, &db->fp[db->nfp++], name, err, errlen);
		if (r != 0)
			goto out;
	}
	db->mctx = pcre2_match_context_create(NULL);
	if (!db->mctx) {
		r = KS_ENOMEM;
		goto out;
	}
	pcre2_set_match_limit(db->mctx, KS_RECOG_MATCH_LIMIT);
	pcre2_set_depth_limit(db->mctx, KS_RECOG_DEPTH_LIMIT);
	pcre2_set_heap_limit(db->mctx, KS_RECOG_HEAP_LIMIT);
out:
	if (r == KS_ENOMEM)
		fail(err, errlen, name, 0, "out of memory");
	if (r != 0) {
		ks_recog_free(db);
		db = NULL;
	}
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctx);
	*out = db;
	return r;
}

int ks_recog_load(const char *path, struct ks_recog_db **out, char *err, size_t errlen)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		fail(err, errlen, path, 0, "cannot open: %s", strerror(errno));
		return KS_EIO;
	}
	size_t cap = 1 << 16, n = 0, k;
	char *buf = ks_xmalloc(cap);
	while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n > KS_RECOG_MAX_XML)
			break;
		if (n == cap)
			buf = ks_xreallocarray(buf, cap *= 2, 1);
	}
	int rerr = ferror(f);
	fclose(f);
	int r;
	if (rerr) {
		fail(err, errlen, path, 0, "read error");
		r = KS_EIO;
	} else {
		r = ks_recog_load_mem(path, buf, n, out, err, errlen);
	}
	free(buf);
	return r;
}

/* --- accessors ----------------------------------------------------------- */

const char *ks_recog_file(const struct ks_recog_db *db) { return db->file; }
const char *ks_recog_matches(const struct ks_recog_db *db) { return db->matches; }
const char *ks_recog_protocol(const struct ks_recog_db *db) { return db->protocol; }
const char *ks_recog_database_type(const struct ks_recog_db *db) { return db->dbtype; }
double ks_recog_preference(const struct ks_recog_db *db) { return db->preference; }
size_t ks_recog_count(const struct ks_recog_db *db) { return db->nfp; }

uint64_t ks_recog_limit_hits(const struct ks_recog_db *db)
{
	return __atomic_load_n(&db->limit_hits, __ATOMIC_RELAXED);
}

size_t ks_recog_nexamples(const struct ks_recog_db *db, size_t i)
{
	return i < db->nfp ? db->fp[i].nex : 0;
}

int ks_recog_example(const struct ks_recog_db *db, size_t i, size_t k, struct ks_recog_example *ex)
{
	if (i >= db->nfp || k >= db->fp[i].nex)
		return KS_ENOENT;
	const struct ex *e = &db->fp[i].ex[k];
	ex->text = e->text;
	ex->len = e->len;
	ex->line = e->line;
	ex->nattrs = e->nattrs;
	ex->names = (const char *const *)e->names;
	ex->values = (const char *const *)e->values;
	return 0;
}

const char *ks_recog_description(const struct ks_recog_db *db, size_t i, unsigned *line)
{
	if (i >= db->nfp) {
		if (line)
			*line = 0;
		return NULL;
	}
	if (line)
		*line = db->fp[i].line;
	return db->fp[i].desc;
}

/* --- matching ------------------------------------------------------------ */

void ks_recog_result_init(struct ks_recog_result *res)
{
	memset(res, 0, offsetof(struct ks_recog_result, value_buf));
	res->value_buf[0] = '\0';
}

void ks_recog_result_release(struct ks_recog_result *res)
{
	pcre2_match_data_free(res->md);
	res->md = NULL;
	res->nparams = 0;
}

const char *ks_recog_result_get(const struct ks_recog_result *res, const char *name)
{
	for (size_t i = 0; i < res->nparams; i++)
		if (strcmp(res->params[i].name, name) == 0)
			return res->params[i].value;
	return NULL;
}

/* Appends bytes to the result's value buffer (cut, and flagged, when full). */
struct vb {
	struct ks_recog_result *res;
	size_t off;
};

static void vb_put(struct vb *b, const char *s, size_t n)
{
	size_t room = sizeof b->res->value_buf - 1 - b->off;
	if (n > room) {
		n = room;
		b->res->truncated = 1;
	}
	memcpy(b->res->value_buf + b->off, s, n);
	b->off += n;
}

static const char *vb_end(struct vb *b, size_t start)
{
	const char *v = b->res->value_buf + start;
	b->res->value_buf[b->off] = '\0';
	if (b->off < sizeof b->res->value_buf - 1)
		b->off++;
	return v;
}

/* value with every {name} replaced by params' value of name when present. */
static const char *interpolate(struct vb *b, const char *value, const struct ks_recog_param *p, size_t np)
{
	size_t start = b->off;
	const char *s = value;
	while (*s) {
		const char *o = strchr(s, '{');
		if (!o) {
			vb_put(b, s, strlen(s));
			break;
		}
		vb_put(b, s, (size_t)(o - s));
		size_t k = strcspn(o + 1, "{} \t\r\n");
		const char *rep = NULL;
		if (k > 0 && o[1 + k] == '}')
			for (size_t i = 0; i < np && !rep; i++)
				if (p[i].value && strlen(p[i].name) == k && memcmp(p[i].name, o + 1, k) == 0)
					rep = p[i].value;
		if (rep) {
			vb_put(b, rep, strlen(rep));
			s = o + k + 2;
		} else {
			vb_put(b, o, 1);
			s = o + 1;
		}
	}
	return vb_end(b, start);
}

static int match_fp(const struct ks_recog_db *db, size_t i, const char *text, size_t len, int utf,
		    struct ks_recog_result *res)
{
	const struct fp *f = &db->fp[i];
	pcre2_match_data *md = res->md;
	const pcre2_code *re = utf && f->re_utf ? f->re_utf : f->re;
	int rc = pcre2_match(re, (PCRE2_SPTR)text, len, 0, 0, md, db->mctx);
	if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
		rc = pcre2_match(re, (PCRE2_SPTR)text, len, 0, PCRE2_NO_JIT, md, db->mctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return KS_ENOENT;
	if (rc < 0) {
		/* Match, depth or heap limit, or another run-time error: no match, counted. */
		__atomic_fetch_add(&((struct ks_recog_db *)db)->limit_hits, 1, __ATOMIC_RELAXED);
		return KS_ENOENT;
	}
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
	uint32_t nov = rc == 0 ? pcre2_get_ovector_count(md) : (uint32_t)rc;
	struct vb b = {res, 0};
	res->matches = db->matches;
	res->protocol = db->protocol;
	res->file = db->file;
	res->description = f->desc;
	res->line = f->line;
	res->index = i;
	res->truncated = 0;
	res->nparams = 0;
	int any_interp = 0, has_proto = 0;
	for (size_t k = 0; k < f->nprm; k++) {
		const struct prm *p = &f->prm[k];
		const char *v;
		if (p->pos == 0) {
			v = p->value;
			any_interp |= p->interp;
		} else {
			if (p->pos >= nov || ov[2 * p->pos] == PCRE2_UNSET)
				continue;
			size_t start = b.off;
			vb_put(&b, text + ov[2 * p->pos], ov[2 * p->pos + 1] - ov[2 * p->pos]);
			v = vb_end(&b, start);
		}
		has_proto |= strcmp(p->name, "service.protocol") == 0;
		res->params[res->nparams].name = p->name;
		res->params[res->nparams].value = v;
		res->nparams++;
	}
	if (db->protocol && !has_proto) {
		res->params[res->nparams].name = "service.protocol";
		res->params[res->nparams].value = db->protocol;
		res->nparams++;
	}
	if (any_interp) {
		/* Interpolation sees the values before interpolation (one level). */
		struct ks_recog_param orig[KS_RECOG_MAX_PARAMS + 1];
		memcpy(orig, res->params, res->nparams * sizeof *orig);
		size_t k = 0;
		for (size_t j = 0; j < f->nprm; j++) {
			const struct prm *p = &f->prm[j];
			if (k >= res->nparams || res->params[k].name != p->name)
				continue; /* a capture param that gave nothing */
			if (p->interp)
				res->params[k].value = interpolate(&b, p->value, orig, res->nparams);
			k++;
		}
	}
	return 0;
}

/* Ruby matches a UTF-8 string character by character and a binary one byte
 * by byte: text with bytes >= 0x80 that is valid UTF-8 takes the UTF
 * variant, anything else the byte variant. */
static int text_is_utf8(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	int non_ascii = 0;
	for (size_t i = 0; i < len;) {
		unsigned c = p[i];
		if (c < 0x80) {
			i++;
			continue;
		}
		non_ascii = 1;
		size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
		if (n == 0 || n > len - i)
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		/* Overlong 3/4-byte forms, surrogates and > U+10FFFF. */
		if ((c == 0xe0 && p[i + 1] < 0xa0) || (c == 0xed && p[i + 1] >= 0xa0) ||
		    (c == 0xf0 && p[i + 1] < 0x90) || (c == 0xf4 && p[i + 1] >= 0x90))
			return 0;
		i += n;
	}
	return non_ascii;
}

static int ensure_md(struct ks_recog_result *res)
{
	if (!res->md)
		res->md = pcre2_match_data_create(KS_RECOG_MAX_POS + 1, NULL);
	return res->md ? 0 : KS_ENOMEM;
}

int ks_recog_match_one(const struct ks_recog_db *db, size_t i, const char *text, size_t len,
		       struct ks_recog_result *res)
{
	if (i >= db->nfp)
		return KS_ENOENT;
	int r = ensure_md(res);
	return r != 0 ? r : match_fp(db, i, text, len, text_is_utf8(text, len), res);
}

int ks_recog_match(const struct ks_recog_db *db, const char *text, size_t len,
		   struct ks_recog_result *res)
{
	int r = ensure_md(res);
	if (r != 0)
		return r;
	int utf = text_is_utf8(text, len);
	for (size_t i = 0; i < db->nfp; i++)
		if (match_fp(db, i, text, len, utf, res) == 0)
			return 0;
	return KS_ENOENT;
}

/* --- sets ---------------------------------------------------------------- */

void ks_recog_set_free(struct ks_recog_set *set)
{
	if (!set)
		return;
	for (size_t i = 0; i < set->n; i++)
		ks_recog_free(set->db[i]);
	free(set->db);
	free(set->order);
	free(set);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the *.xml files of dir to set (name order). */
static int load_dir(struct ks_recog_set *set, const char *dir, int optional, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (optional && errno == ENOENT)
			return 0;
		fail(err, errlen, dir, 0, "cannot open directory: %s", strerror(errno));
		return KS_EIO;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int r = 0;
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);
		if (l < 5 || e->d_name[0] == '.' || strcmp(e->d_name + l - 4, ".xml") != 0)
			continue;
		if (set->n + n >= KS_RECOG_MAX_DBS) {
			fail(err, errlen, dir, 0, "more than %u fingerprint files", KS_RECOG_MAX_DBS);
			r = KS_ELIMIT;
			break;
		}
		if (n == cap)
			names = ks_xreallocarray(names, cap = cap ? 2 * cap : 64, sizeof *names);
		names[n++] = ks_xstrdup(e->d_name);
	}
	closedir(d);
	if (r == 0 && n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (r == 0) {
			size_t pl = strlen(dir) + strlen(names[i]) + 2;
			char *path = ks_xmalloc(pl);
			snprintf(path, pl, "%s/%s", dir, names[i]);
			struct ks_recog_db *db;
			r = ks_recog_load(path, &db, err, errlen);
			free(path);
			if (r == 0)
				set->db[set->n++] = db;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

/* Recomputes the stable order by descending preference (insertion sort:
 * n is small). */
static void set_order(struct ks_recog_set *set)
{
	for (size_t i = 0; i < set->n; i++) {
		size_t j = i;
		while (j > 0 && set->db[set->order[j - 1]]->preference < set->db[i]->preference) {
			set->order[j] = set->order[j - 1];
			j--;
		}
		set->order[j] = i;
	}
}

struct ks_recog_set *ks_recog_set_new(void)
{
	struct ks_recog_set *set = ks_xcalloc(1, sizeof *set);
	set->db = ks_xcalloc(KS_RECOG_MAX_DBS, sizeof *set->db);
	set->order = ks_xcalloc(KS_RECOG_MAX_DBS, sizeof *set->order);
	return set;
}

int ks_recog_set_add_dir(struct ks_recog_set *set, const char *dir, int optional, char *err,
			 size_t errlen)
{
	size_t before = set->n;
	int r = load_dir(set, dir, optional, err, errlen);
	if (r != 0) {
		while (set->n > before)
			ks_recog_free(set->db[--set->n]);
	}
	set_order(set);
	return r;
}

int ks_recog_set_load_dirs(const char *const *dirs, size_t ndirs, int optional,
			   struct ks_recog_set **out, char *err, size_t errlen)
{
	struct ks_recog_set *set = ks_recog_set_new();
	int r = 0;
	for (size_t i = 0; i < ndirs && r == 0; i++)
		r = ks_recog_set_add_dir(set, dirs[i], optional, err, errlen);
	if (r != 0) {
		ks_recog_set_free(set);
		set = NULL;
	}
	*out = set;
	return r;
}

int ks_recog_set_load_dir(const char *dir, struct ks_recog_set **out, char *err, size_t errlen)
{
	return ks_recog_set_load_dirs(&dir, 1, 0, out, err, errlen);
}

size_t ks_recog_set_count(const struct ks_recog_set *set) { return set->n; }

const struct ks_recog_db *ks_recog_set_db(const struct ks_recog_set *set, size_t i)
{
	return i < set->n ? set->db[i] : NULL;
}

int ks_recog_set_match(const struct ks_recog_set *set, const char *matches, const char *text,
		       size_t len, struct ks_recog_result *res)
{
	for (size_t k = 0; k < set->n; k++) {
		const struct ks_recog_db *db = set->db[set->order[k]];
		if (matches && strcmp(db->matches, matches) != 0)
			continue;
		int r = ks_recog_match(db, text, len, res);
		if (r != KS_ENOENT)
			return r;
	}
	return KS_ENOENT;
}
