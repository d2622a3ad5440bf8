/* SPDX-License-Identifier: BSD-2-Clause */
/* Organisations file parser (format in org.h and docs/formats.md).
 *
 * Reads the whole file with the RFC 4180 reader (ks_csv), checks the header,
 * then validates each record into a struct ks_org. The file is
 * all-or-nothing: the first bad record stops the parse, the partial list is
 * released and the caller receives one message naming the file, the record's
 * first line, what was wrong and what was expected, e.g.
 *
 *   orgs.csv:7: bad prefix '10.0.0.1/33' in field 'prefixes'; expected CIDR
 *   like 192.0.2.0/24 or 2001:db8::/32
 *
 * Values echoed in messages are escaped (control bytes and invalid UTF-8 as
 * \xNN) and shortened, because the file is user input and the message goes
 * to a terminal or a log.
 *
 * Duplicate ids are found with a small open-addressing hash table as rows
 * are read, so the error names the first duplicate line even in a file of
 * many thousands of organisations. */
#include "org.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_err.h"
#include "ks_prefix.h"
#include "ks_utf8.h"

#define ID_MAX 64
#define SHOW_MAX 64 /* bytes of a bad value echoed in a message */

enum { COL_ID, COL_NAME, COL_KIND, COL_CONTACT, COL_PREFIXES, NCOL };
static const char *const col_name[NCOL] = {"id", "name", "kind", "contact", "prefixes"};
#define HEADER_TEXT "id,name,kind,contact,prefixes"

/* A field as a counted view into the reader's scratch buffer, trimmed. */
struct view {
	const char *s;
	size_t n;
};

struct parse {
	const char *name; /* file name for messages */
	char *err;
	size_t errlen;
	struct ks_org_list list;
	size_t *slot; /* id hash table: index + 1 into list.v, 0 = empty */
	size_t nslot; /* power of two */
};

void ks_org_list_init(struct ks_org_list *l)
{
	memset(l, 0, sizeof *l);
}

static void org_free(struct ks_org *o)
{
	free(o->id);
	free(o->name);
	free(o->kind);
	free(o->contact);
	free(o->pfx);
}

void ks_org_list_release(struct ks_org_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		org_free(&l->v[i]);
	free(l->v);
	ks_org_list_init(l);
}

static int fail(struct parse *ps, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parse *ps, unsigned line, const char *fmt, ...)
{
	if (ps->err != NULL && ps->errlen > 0) {
		int k = snprintf(ps->err, ps->errlen, "%s:%u: ", ps->name, line);
		if (k >= 0 && (size_t)k < ps->errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(ps->err + k, ps->errlen - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return KS_EINVAL;
}


/* Control characters: C0, DEL and C1. A contact or name holding CR or LF
 * could split a notification's header lines, and the others upset
 * terminals and reports. */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/* True if v is well-formed UTF-8 without control characters. */
static bool is_clean_text(struct view v)
{
	const unsigned char *s = (const unsigned char *)v.s;
	size_t i = 0;
	while (i < v.n) {
		uint32_t cp;
		size_t k = ks_utf8_seq(s + i, v.n - i, &cp);
		if (k == 0 || is_control(cp))
			return false;
		i += k;
	}
	return true;
}

/* Writes a printable, shortened copy of v into buf[cap] for a message. */
static const char *show(struct view v, char *buf, size_t cap)
{
	const unsigned char *s = (const unsigned char *)v.s;
	size_t i = 0, o = 0;

	/* Room kept at the end of buf for "..." and the NUL. */
	while (i < v.n) {
		uint32_t cp;
		size_t k = ks_utf8_seq(s + i, v.n - i, &cp);
		bool esc = k == 0 || is_control(cp);
		size_t out = esc ? 4 : k;
		if (k == 0)
			k = 1;
		if (i >= SHOW_MAX || o + out + 4 > cap)
			break;
		if (esc) {
			snprintf(buf + o, cap - o, "\\x%02x", s[i]);
			k = 1; /* escape one byte at a time */
		} else {
			memcpy(buf + o, s + i, k);
		}
		o += out;
		i += k;
	}
	if (i < v.n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static struct view trim(const char *s)
{
	struct view v = {s, strlen(s)};
	while (v.n > 0 && (v.s[0] == ' ' || v.s[0] == '\t'))
		v.s++, v.n--;
	while (v.n > 0 && (v.s[v.n - 1] == ' ' || v.s[v.n - 1] == '\t'))
		v.n--;
	return v;
}

static bool view_eq(struct view v, const char *s)
{
	return v.n == strlen(s) && memcmp(v.s, s, v.n) == 0;
}

static bool valid_id(struct view v)
{
	if (v.n == 0 || v.n > ID_MAX)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		char ch = v.s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

static bool valid_kind(struct view v)
{
	if (v.n == 0)
		return false;
	for (size_t i = 0; i < v.n; i++) {
		char ch = v.s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

/* FNV-1a, 64 bit: ids are short and chosen by the file's author, not by
 * an attacker racing a deadline, so a keyed hash buys nothing here. */
static uint64_t hash_id(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Returns the organisation already holding id v, or NULL. */
static const struct ks_org *id_find(const struct parse *ps, struct view v)
{
	if (ps->nslot == 0)
		return NULL;
	size_t mask = ps->nslot - 1;
	for (size_t i = hash_id(v.s, v.n) & mask;; i = (i + 1) & mask) {
		size_t k = ps->slot[i];
		if (k == 0)
			return NULL;
		const struct ks_org *o = &ps->list.v[k - 1];
		if (strlen(o->id) == v.n && memcmp(o->id, v.s, v.n) == 0)
			return o;
	}
}

static void id_insert_slot(size_t *slot, size_t nslot, const char *id, size_t idx)
{
	size_t mask = nslot - 1;
	size_t i = hash_id(id, strlen(id)) & mask;
	while (slot[i] != 0)
		i = (i + 1) & mask;
	slot[i] = idx + 1;
}

/* Records list.v[idx] in the table, doubling it at half full so probes
 * stay short and an empty slot always exists. */
static void id_insert(struct parse *ps, size_t idx)
{
	if (2 * (idx + 1) > ps->nslot) {
		size_t nslot = ps->nslot ? ps->nslot * 2 : 64;
		size_t *slot = ks_xcalloc(nslot, sizeof *slot);
		for (size_t i = 0; i < ps->nslot; i++)
			if (ps->slot[i] != 0)
				id_insert_slot(slot, nslot, ps->list.v[ps->slot[i] - 1].id,
					       ps->slot[i] - 1);
		free(ps->slot);
		ps->slot = slot;
		ps->nslot = nslot;
	}
	id_insert_slot(ps->slot, ps->nslot, ps->list.v[idx].id, idx);
}

static int check_header(struct parse *ps, const struct ks_csv *c)
{
	char b[SHOW_MAX * 4 + 8];

	if (c->nfield != NCOL)
		return fail(ps, c->line, "header has %zu field%s; expected %d: " HEADER_TEXT,
			    c->nfield, c->nfield == 1 ? "" : "s", NCOL);
	for (size_t i = 0; i < NCOL; i++) {
		struct view v = trim(c->field[i]);
		if (!view_eq(v, col_name[i]))
			return fail(ps, c->line,
				    "header field %zu is '%s'; expected '%s' (header line "
				    "must be " HEADER_TEXT ")",
				    i + 1, show(v, b, sizeof b), col_name[i]);
	}
	return 0;
}

/* Splits the prefixes field on spaces and tabs into o->pfx. */
static int parse_prefixes(struct parse *ps, unsigned line, struct view v, struct ks_org *o)
{
	char b[SHOW_MAX * 4 + 8];
	size_t i = 0, cap = 0;

	while (i < v.n) {
		while (i < v.n && (v.s[i] == ' ' || v.s[i] == '\t'))
			i++;
		if (i == v.n)
			break;
		size_t start = i;
		while (i < v.n && v.s[i] != ' ' && v.s[i] != '\t')
			i++;
		struct ks_prefix p;
		if (ks_prefix_parse(v.s + start, i - start, &p) != 0) {
			struct view tok = {v.s + start, i - start};
			return fail(ps, line,
				    "bad prefix '%s' in field 'prefixes'; expected CIDR like "
				    "192.0.2.0/24 or 2001:db8::/32",
				    show(tok, b, sizeof b));
		}
		if (o->npfx == cap) {
			cap = cap ? cap * 2 : 4;
			o->pfx = ks_xreallocarray(o->pfx, cap, sizeof *o->pfx);
		}
		o->pfx[o->npfx++] = p;
	}
	if (o->npfx == 0)
		return fail(ps, line,
			    "no prefixes in field 'prefixes'; expected one or more CIDR prefixes "
			    "separated by spaces");
	return 0;
}

/* Validates one record; on success appends it to ps->list. */
static int parse_row(struct parse *ps, const struct ks_csv *c)
{
	char b[SHOW_MAX * 4 + 8];
	struct view f[NCOL];
	unsigned line = c->line;
	int r;

	if (c->nfield != NCOL)
		return fail(ps, line, "%zu field%s; expected %d (" HEADER_TEXT ")", c->nfield,
			    c->nfield == 1 ? "" : "s", NCOL);
	for (size_t i = 0; i < NCOL; i++)
		f[i] = trim(c->field[i]);

	if (!valid_id(f[COL_ID]))
		return fail(ps, line,
			    "bad id '%s' in field 'id'; expected 1-%d characters from "
			    "A-Z a-z 0-9 . _ -",
			    show(f[COL_ID], b, sizeof b), ID_MAX);
	const struct ks_org *dup = id_find(ps, f[COL_ID]);
	if (dup != NULL)
		return fail(ps, line, "duplicate id '%s' (first on line %u); expected each id once",
			    show(f[COL_ID], b, sizeof b), dup->line);
	if (!is_clean_text(f[COL_NAME]))
		return fail(ps, line,
			    "bad name '%s' in field 'name'; expected UTF-8 text without control "
			    "characters",
			    show(f[COL_NAME], b, sizeof b));
	if (!valid_kind(f[COL_KIND]))
		return fail(ps, line,
			    "bad kind '%s' in field 'kind'; expected lower-case letters, digits "
			    "and '_' (isp, local_gov, critical_infra, university, ...)",
			    show(f[COL_KIND], b, sizeof b));
	if (f[COL_CONTACT].n == 0)
		return fail(ps, line, "empty field 'contact'; expected where to send alerts");
	if (!is_clean_text(f[COL_CONTACT]))
		return fail(ps, line,
			    "bad contact '%s' in field 'contact'; expected UTF-8 text without "
			    "control characters",
			    show(f[COL_CONTACT], b, sizeof b));

	struct ks_org o = {0};
	o.line = line;
	r = parse_prefixes(ps, line, f[COL_PREFIXES], &o);
	if (r != 0) {
		free(o.pfx);
		return r;
	}
	o.id = ks_xstrndup(f[COL_ID].s, f[COL_ID].n);
	o.name = ks_xstrndup(f[COL_NAME].s, f[COL_NAME].n);
	o.kind = ks_xstrndup(f[COL_KIND].s, f[COL_KIND].n);
	o.contact = ks_xstrndup(f[COL_CONTACT].s, f[COL_CONTACT].n);

	struct ks_org_list *l = &ps->list;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		l->v = ks_xreallocarray(l->v, cap, sizeof *l->v);
		l->cap = cap;
	}
	l->v[l->n] = o;
	id_insert(ps, l->n);
	l->n++;
	return 0;
}

/* A record that is one empty or blank field: a line of spaces, or a stray
 * CR at the end of the file. Skipped like an empty line. */
static bool is_blank_record(const struct ks_csv *c)
{
	return c->nfield == 1 && trim(c->field[0]).n == 0;
}

int ks_org_parse_csv(const char *data, size_t len, const char *name, struct ks_org_list *out,
		     char *err, size_t errlen)
{
	struct parse ps = {name ? name : "<input>", err, errlen, {0}, NULL, 0};
	struct ks_csv c;
	int r;

	ks_org_list_init(out);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	/* A UTF-8 byte order mark, as some spreadsheet programs write. */
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		len -= 3;
	}
	ks_csv_init(&c, data, len);

	do {
		r = ks_csv_next(&c);
	} while (r == 0 && is_blank_record(&c));
	if (r == KS_ENOENT) {
		r = fail(&ps, c.next_line, "no header line; expected '" HEADER_TEXT "'");
		goto out;
	}
	if (r != 0) {
		r = fail(&ps, c.line, "%s", c.error);
		goto out;
	}
	r = check_header(&ps, &c);
	if (r != 0)
		goto out;

	for (;;) {
		r = ks_csv_next(&c);
		if (r == KS_ENOENT) {
			r = 0;
			break;
		}
		if (r != 0) {
			r = fail(&ps, c.line, "%s", c.error);
			goto out;
		}
		if (is_blank_record(&c))
			continue;
		r = parse_row(&ps, &c);
		if (r != 0)
			goto out;
	}
out:
	ks_csv_release(&c);
	free(ps.slot);
	if (r != 0) {
		ks_org_list_release(&ps.list);
		return KS_EINVAL;
	}
	*out = ps.list;
	return 0;
}
