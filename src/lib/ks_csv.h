/* SPDX-License-Identifier: BSD-2-Clause */
/* CSV reading (RFC 4180: quoted fields, doubled quotes, CRLF or LF) and
 * writing. The reader works over a caller-owned buffer and copies each
 * field, unescaped, into a scratch buffer it owns. */
#ifndef KS_CSV_H
#define KS_CSV_H

#include <stddef.h>
#include <stdio.h>

#define KS_CSV_MAX_FIELDS 64

struct ks_csv {
	const char *p, *end;   /* unread input */
	unsigned line;         /* line number (1-based) of the record last returned */
	unsigned next_line;    /* line the next record starts on */
	char *scratch;         /* field storage, owned */
	size_t scratch_cap;
	const char *field[KS_CSV_MAX_FIELDS]; /* NUL-terminated, valid until the next call */
	size_t nfield;
	const char *error;     /* static text of the last error */
};

void ks_csv_init(struct ks_csv *c, const char *data, size_t len);
void ks_csv_release(struct ks_csv *c);
/* Reads the next record into c->field / c->nfield. Returns 0, KS_ENOENT at
 * end of input, or KS_EINVAL (unterminated quote, text after a closing
 * quote, more than KS_CSV_MAX_FIELDS fields, NUL byte) with c->error set and
 * c->line naming the record's first line. Blank lines are skipped.
 * Also refused: a '"' inside an unquoted field and a CR not followed by LF
 * outside quotes. Spaces and tabs around a quoted field are ignored; those
 * in an unquoted field are kept. c->error is "what; expected what" text.
 * Errors are sticky: later calls return KS_EINVAL again. */
int ks_csv_next(struct ks_csv *c);

/* Writes one field (NULL writes an empty field). The field is written as is
 * unless one of these holds, in which case it is put in double quotes with
 * every '"' doubled:
 *   - it holds a comma, '"', CR or LF;
 *   - it starts or ends with a space or tab (so trimming readers keep them);
 *   - it starts with = + - @ TAB or CR and is not a plain decimal number
 *     ([+-]?[0-9]+(.[0-9]+)?). Following the OWASP advice on CSV injection,
 *     such a field also has a single quote added inside the double quotes:
 *     =1+2 is written "'=1+2", and -5 stays -5.
 * The leading single quote stops spreadsheets evaluating the field; it is
 * data, so reading the file back (ks_csv_next) yields it too. Check
 * ferror(f) for write errors. */
void ks_csv_put(FILE *f, const char *s);
/* Writes fields separated by commas and ends the line with "\n". */
void ks_csv_row(FILE *f, const char *const *fields, size_t n);

#endif
