/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for ks_csv: the RFC 4180 reader (quoting, CRLF, multi-line
 * fields, blank lines, line numbers in errors, caps) and the writer
 * (quoting rules, formula-injection prefix, round trip through the reader). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ks_csv.h"
#include "ks_err.h"
#include "ks_test.h"

/* Reads the next record and checks it has exactly the fields in want
 * (NULL-terminated) and starts on line. */
static bool rec_is(struct ks_csv *c, unsigned line, const char *const *want)
{
	int r = ks_csv_next(c);
	if (r != 0) {
		fprintf(stderr, "  ks_csv_next = %d (%s), expected a record\n", r,
			c->error ? c->error : "");
		return false;
	}
	size_t n = 0;
	while (want[n] != NULL)
		n++;
	bool ok = c->nfield == n && c->line == line;
	for (size_t i = 0; ok && i < n; i++)
		ok = strcmp(c->field[i], want[i]) == 0;
	if (!ok) {
		fprintf(stderr, "  record on line %u with %zu fields:", c->line, c->nfield);
		for (size_t i = 0; i < c->nfield; i++)
			fprintf(stderr, " [%s]", c->field[i]);
		fprintf(stderr, "; expected line %u with %zu fields\n", line, n);
	}
	return ok;
}

#define REC(c, line, ...) rec_is((c), (line), (const char *const[]){__VA_ARGS__, NULL})

/* Expects an error on line naming what (a substring of c->error). */
static bool err_is(const char *data, size_t len, unsigned line, const char *what)
{
	struct ks_csv c;
	int r;
	ks_csv_init(&c, data, len);
	while ((r = ks_csv_next(&c)) == 0)
		;
	bool ok = r == KS_EINVAL && c.line == line && c.error != NULL && strstr(c.error, what);
	if (!ok)
		fprintf(stderr, "  r=%d line=%u error=%s; expected line %u '%s'\n", r, c.line,
			c.error ? c.error : "(none)", line, what);
	/* Errors are sticky. */
	ok = ok && ks_csv_next(&c) == KS_EINVAL;
	ks_csv_release(&c);
	return ok;
}

#define ERR(s, line, what) err_is((s), sizeof(s) - 1, (line), (what))

KS_TEST(csv_simple)
{
	static const char in[] = "a,b,c\n1,2,3\n";
	struct ks_csv c;
	ks_csv_init(&c, in, sizeof in - 1);
	CHECK(REC(&c, 1, "a", "b", "c"));
	CHECK(REC(&c, 2, "1", "2", "3"));
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);
}

KS_TEST(csv_empty_input)
{
	struct ks_csv c;
	ks_csv_init(&c, "", 0);
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);
	ks_csv_init(&c, "\n\r\n\n", 4);
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);
}

KS_TEST(csv_crlf_and_no_final_newline)
{
	static const char in[] = "a,b\r\nc,d\r\ne,f";
	struct ks_csv c;
	ks_csv_init(&c, in, sizeof in - 1);
	CHECK(REC(&c, 1, "a", "b"));
	CHECK(REC(&c, 2, "c", "d"));
	CHECK(REC(&c, 3, "e", "f"));
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);

	/* A CR at the very end of the input ends the record. */
	static const char in2[] = "x,y\r";
	ks_csv_init(&c, in2, sizeof in2 - 1);
	CHECK(REC(&c, 1, "x", "y"));
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);
}

KS_TEST(csv_quoted)
{
	static const char in[] = "\"a,b\",\"c\"\"d\",\"\",\"\"\"\"\n"
				 "\"x\"\r\n"
				 "\"\"\n";
	struct ks_csv c;
	ks_csv_init(&c, in, sizeof in - 1);
	CHECK(REC(&c, 1, "a,b", "c\"d", "", "\""));
	CHECK(REC(&c, 2, "x"));
	CHECK(REC(&c, 3, ""));
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);
}

KS_TEST(csv_multiline_and_line_numbers)
{
	static const char in[] = "id,text\n"              /* 1 */
				 "1,\"line one\nline two\"\n" /* 2-3 */
				 "\n"                     /* 4 blank */
				 "2,\"a\r\nb\r\nc\"\r\n"  /* 5-7, CRLF kept inside quotes */
				 "3,plain\n";             /* 8 */
	struct ks_csv c;
	ks_csv_init(&c, in, sizeof in - 1);
	CHECK(REC(&c, 1, "id", "text"));
	CHECK(REC(&c, 2, "1", "line one\nline two"));
	CHECK(REC(&c, 5, "2", "a\r\nb\r\nc"));
	CHECK(REC(&c, 8, "3", "plain"));
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);
}

KS_TEST(csv_blank_lines_skipped)
{
	static const char in[] = "\n\na\n\r\n\nb\n\n";
	struct ks_csv c;
	ks_csv_init(&c, in, sizeof in - 1);
	CHECK(REC(&c, 3, "a"));
	CHECK(REC(&c, 6, "b"));
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);
}

KS_TEST(csv_empty_fields_and_spaces)
{
	static const char in[] = ",,\n"
				 "a,\n"
				 " x , y\t\n"
				 "a, \"b, c\" ,d\n"
				 "\t\"q\"\t\n";
	struct ks_csv c;
	ks_csv_init(&c, in, sizeof in - 1);
	CHECK(REC(&c, 1, "", "", ""));
	CHECK(REC(&c, 2, "a", ""));
	CHECK(REC(&c, 3, " x ", " y\t")); /* unquoted: spaces kept */
	CHECK(REC(&c, 4, "a", "b, c", "d")); /* around quotes: ignored */
	CHECK(REC(&c, 5, "q"));
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);
}

KS_TEST(csv_errors_name_first_line)
{
	/* Unterminated quote opened on line 2: the error names line 2 even
	 * though the reader has consumed to the end of the input. */
	CHECK(ERR("a\nb,\"oops\nc\nd\n", 2, "unterminated"));
	CHECK(ERR("ok\n\n\"x\"y\n", 3, "after closing quote"));
	CHECK(ERR("\"x\" ,\"y\" z\n", 1, "after closing quote"));
	CHECK(ERR("one\nab\"c\n", 2, "quote inside unquoted"));
	CHECK(ERR("a\rb\n", 1, "CR without LF"));
	CHECK(ERR("x\n\"a\nb\" \r c\n", 2, "CR without LF"));
	CHECK(ERR("\"", 1, "unterminated"));
	CHECK(ERR("a,\"b\"\"", 1, "unterminated"));
}

KS_TEST(csv_nul_byte)
{
	CHECK(ERR("a,b\0c\n", 1, "NUL"));
	CHECK(ERR("ok\n\"q\0\"\n", 2, "NUL"));
	CHECK(ERR("\0", 1, "NUL"));
}

KS_TEST(csv_field_cap)
{
	char buf[4 * KS_CSV_MAX_FIELDS + 8];
	size_t n = 0;
	for (int i = 0; i < KS_CSV_MAX_FIELDS; i++) {
		if (i)
			buf[n++] = ',';
		buf[n++] = (char)('a' + i % 26);
	}
	buf[n++] = '\n';
	struct ks_csv c;
	ks_csv_init(&c, buf, n);
	CHECK(ks_csv_next(&c) == 0);
	CHECK_EQ_U64(c.nfield, KS_CSV_MAX_FIELDS);
	CHECK(strcmp(c.field[KS_CSV_MAX_FIELDS - 1], "l") == 0);
	ks_csv_release(&c);

	/* One more field is an error. */
	buf[n - 1] = ',';
	buf[n++] = 'z';
	buf[n++] = '\n';
	ks_csv_init(&c, buf, n);
	CHECK(ks_csv_next(&c) == KS_EINVAL);
	CHECK(c.error != NULL && strstr(c.error, "too many fields"));
	ks_csv_release(&c);
}

KS_TEST(csv_long_field_grows_scratch)
{
	size_t n = 200000;
	char *buf = malloc(n + 16);
	CHECK(buf != NULL);
	if (!buf)
		return;
	buf[0] = '"';
	for (size_t i = 1; i < n; i++)
		buf[i] = (char)('a' + i % 26);
	memcpy(buf + n, "\",x\nshort\n", 10);
	struct ks_csv c;
	ks_csv_init(&c, buf, n + 10);
	CHECK(ks_csv_next(&c) == 0);
	CHECK_EQ_U64(c.nfield, 2);
	CHECK_EQ_U64(strlen(c.field[0]), n - 1);
	CHECK(strcmp(c.field[1], "x") == 0);
	CHECK(REC(&c, 2, "short"));
	ks_csv_release(&c);
	free(buf);
}

KS_TEST(csv_not_nul_terminated)
{
	/* The reader must stop at len, not at a NUL. */
	static const char in[] = "a,b\nc,d";
	struct ks_csv c;
	ks_csv_init(&c, in, 5); /* "a,b\nc" */
	CHECK(REC(&c, 1, "a", "b"));
	CHECK(REC(&c, 2, "c"));
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);
}

/* Returns what ks_csv_put writes for s (caller frees). */
static char *put_str(const char *s)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	ks_csv_put(f, s);
	fclose(f);
	return out;
}

static bool put_is(const char *s, const char *want)
{
	char *got = put_str(s);
	bool ok = got && strcmp(got, want) == 0;
	if (!ok)
		fprintf(stderr, "  put(%s) = %s, expected %s\n", s ? s : "NULL", got ? got : "NULL",
			want);
	free(got);
	return ok;
}

KS_TEST(csv_put_quoting)
{
	CHECK(put_is("abc", "abc"));
	CHECK(put_is("", ""));
	CHECK(put_is(NULL, ""));
	CHECK(put_is("東京都", "東京都"));
	CHECK(put_is("a,b", "\"a,b\""));
	CHECK(put_is("say \"hi\"", "\"say \"\"hi\"\"\""));
	CHECK(put_is("two\nlines", "\"two\nlines\""));
	CHECK(put_is("cr\rhere", "\"cr\rhere\""));
	CHECK(put_is(" lead", "\" lead\""));
	CHECK(put_is("trail\t", "\"trail\t\""));
	CHECK(put_is("in side", "in side"));
}

KS_TEST(csv_put_formula_injection)
{
	CHECK(put_is("=1+2", "\"'=1+2\""));
	CHECK(put_is("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""));
	CHECK(put_is("+cmd", "\"'+cmd\""));
	CHECK(put_is("-2+3", "\"'-2+3\""));
	CHECK(put_is("@SUM(A1)", "\"'@SUM(A1)\""));
	CHECK(put_is("\tx", "\"'\tx\""));
	CHECK(put_is("\rx", "\"'\rx\""));
	CHECK(put_is("-", "\"'-\""));
	/* Plain numbers are not formulas. */
	CHECK(put_is("-5", "-5"));
	CHECK(put_is("+5", "+5"));
	CHECK(put_is("-12.5", "-12.5"));
	CHECK(put_is("-12.", "\"'-12.\""));
	CHECK(put_is("-1e5", "\"'-1e5\""));
	/* Only the first character matters. */
	CHECK(put_is("a=b", "a=b"));
}

KS_TEST(csv_row_round_trip)
{
	const char *const fields[] = {"id", "株式会社 例, 東京", "say \"x\"", "", "multi\nline",
				      " sp ", "plain"};
	size_t n = sizeof fields / sizeof fields[0];
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	ks_csv_row(f, fields, n);
	ks_csv_row(f, fields, 1);
	fclose(f);

	struct ks_csv c;
	ks_csv_init(&c, out, len);
	CHECK(ks_csv_next(&c) == 0);
	CHECK_EQ_U64(c.nfield, n);
	for (size_t i = 0; i < n && i < c.nfield; i++)
		CHECK(strcmp(c.field[i], fields[i]) == 0);
	CHECK(REC(&c, 3, "id"));
	CHECK(ks_csv_next(&c) == KS_ENOENT);
	ks_csv_release(&c);
	CHECK(len > 0 && out[len - 1] == '\n');
	free(out);
}
