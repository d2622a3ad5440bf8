/* SPDX-License-Identifier: BSD-2-Clause */
/* CSV reader and writer (see ks_csv.h).
 * specification: RFC 4180 (Common Format and MIME Type for CSV Files)
 *
 *   file       = record *(line-break record) [line-break]
 *   record     = field *(COMMA field)
 *   field      = escaped / non-escaped
 *   escaped    = DQUOTE *(TEXTDATA / COMMA / CR / LF / 2DQUOTE) DQUOTE
 *   non-escaped = *TEXTDATA
 *   line-break = CRLF, or LF alone (files edited on Unix)
 *
 * Deliberate departures, all toward what people type by hand:
 *   - blank lines (LF or CRLF alone) are skipped rather than read as records
 *     of one empty field;
 *   - spaces and tabs before an opening quote and after a closing quote are
 *     ignored, so `a, "b, c"` reads as two fields "a" and "b, c"; in an
 *     unquoted field they are kept (callers decide whether to trim);
 *   - a CR at the very end of the input ends the record like CRLF.
 * Refused (KS_EINVAL): a quote inside an unquoted field, text after a closing
 * quote, an unterminated quote, a CR not followed by LF outside quotes, a NUL
 * byte anywhere, and more than KS_CSV_MAX_FIELDS fields. Errors are sticky:
 * once ks_csv_next() has failed it keeps returning KS_EINVAL, because the
 * position of the next record is unknown after a malformed one.
 *
 * The scratch buffer has no separate cap: a record's unescaped fields are
 * never longer than the input they came from plus one NUL per field, so the
 * input size bounds it. */
#include "ks_csv.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ks_alloc.h"
#include "ks_err.h"

#define STR_(x) #x
#define STR(x) STR_(x)

void ks_csv_init(struct ks_csv *c, const char *data, size_t len)
{
	memset(c, 0, sizeof *c);
	if (data == NULL) /* NULL + 0 is undefined; an empty input is not */
		data = "", len = 0;
	c->p = data;
	c->end = data + len;
	c->next_line = 1;
}

void ks_csv_release(struct ks_csv *c)
{
	free(c->scratch);
	c->scratch = NULL;
	c->scratch_cap = 0;
	c->nfield = 0;
}

/* Appends n bytes to the scratch buffer at *used, growing it by doubling. */
static void append(struct ks_csv *c, size_t *used, const char *s, size_t n)
{
	if (n == 0)
		return; /* also keeps memcpy() away from a NULL scratch */
	if (n > c->scratch_cap - *used) {
		size_t need, cap = c->scratch_cap ? c->scratch_cap : 256;
		if (__builtin_add_overflow(*used, n, &need))
			need = SIZE_MAX; /* ks_xreallocarray() reports out-of-memory */
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		c->scratch = ks_xreallocarray(c->scratch, cap, 1);
		c->scratch_cap = cap;
	}
	memcpy(c->scratch + *used, s, n);
	*used += n;
}

static int fail(struct ks_csv *c, unsigned line, const char *what)
{
	c->error = what;
	c->line = line;
	c->nfield = 0;
	return KS_EINVAL;
}

int ks_csv_next(struct ks_csv *c)
{
	size_t off[KS_CSV_MAX_FIELDS]; /* offsets: scratch may move while reading */
	size_t used = 0, nf = 0;
	const char *p = c->p, *end = c->end;
	unsigned line;

	if (c->error != NULL)
		return KS_EINVAL;
	c->nfield = 0;

	for (;;) {
		if (p < end && *p == '\n') {
			p++;
		} else if (end - p >= 2 && p[0] == '\r' && p[1] == '\n') {
			p += 2;
		} else {
			break;
		}
		c->next_line++;
	}
	c->p = p;
	if (p == end)
		return KS_ENOENT;
	line = c->line = c->next_line;

	for (;;) {
		if (nf == KS_CSV_MAX_FIELDS)
			return fail(c, line,
				    "too many fields; expected at most " STR(KS_CSV_MAX_FIELDS));
		off[nf++] = used;

		const char *q = p;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q < end && *q == '"') {
			p = q + 1;
			for (;;) {
				/* Copy the run up to the next quote, NUL or LF at once. */
				const char *s = p;
				while (p < end && *p != '"' && *p != '\0' && *p != '\n')
					p++;
				append(c, &used, s, (size_t)(p - s));
				if (p == end)
					return fail(c, line,
						    "unterminated quoted field; expected a closing '\"'");
				if (*p == '\0')
					return fail(c, line, "NUL byte; expected text");
				if (*p == '\n') {
					c->next_line++;
					append(c, &used, p, 1);
					p++;
					continue;
				}
				if (end - p >= 2 && p[1] == '"') {
					append(c, &used, p, 1);
					p += 2;
					continue;
				}
				p++; /* the closing quote */
				break;
			}
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p < end && *p != ',' && *p != '\n' && *p != '\r')
				return fail(c, line,
					    "text after closing quote; expected ',' or end of line");
		} else {
			const char *s = p;
			while (p < end && *p != ',' && *p != '\n' && *p != '\r' && *p != '"' &&
			       *p != '\0')
				p++;
			if (p < end && *p == '"')
				return fail(c, line,
					    "quote inside unquoted field; expected the whole field "
					    "in quotes with '\"' doubled");
			if (p < end && *p == '\0')
				return fail(c, line, "NUL byte; expected text");
			append(c, &used, s, (size_t)(p - s));
		}
		append(c, &used, "", 1);

		if (p == end)
			break;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p == '\n') {
			p++;
			c->next_line++;
			break;
		}
		/* *p == '\r' */
		if (end - p >= 2 && p[1] == '\n') {
			p += 2;
			c->next_line++;
			break;
		}
		if (end - p == 1) {
			p++;
			break;
		}
		return fail(c, line, "CR without LF; expected LF or CRLF line ending");
	}

	for (size_t i = 0; i < nf; i++)
		c->field[i] = c->scratch + off[i];
	c->nfield = nf;
	c->p = p;
	return 0;
}

/* [+-]?[0-9]+(.[0-9]+)? : a plain number cannot be a formula, so "-5" is
 * written as is rather than as "'-5". */
static bool is_plain_number(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	while (*s >= '0' && *s <= '9')
		s++;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return false;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

void ks_csv_put(FILE *f, const char *s)
{
	if (s == NULL)
		s = "";
	size_t n = strlen(s);
	bool formula = n > 0 && strchr("=+-@\t\r", s[0]) != NULL && !is_plain_number(s);
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL ||
		     (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'));

	if (!quote) {
		fwrite(s, 1, n, f);
		return;
	}
	putc('"', f);
	if (formula)
		putc('\'', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}

void ks_csv_row(FILE *f, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			putc(',', f);
		ks_csv_put(f, fields[i]);
	}
	putc('\n', f);
}
