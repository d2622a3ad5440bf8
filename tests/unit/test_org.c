/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the organisations file parser (ks_org_parse_csv): good
 * files in their various spellings, every kind of bad line with the exact
 * file:line message, duplicate ids, all-or-nothing behaviour, and the
 * shipped sample conf/orgs.sample.csv (the runner's working directory is
 * the repository root). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ks_err.h"
#include "ks_prefix.h"
#include "ks_test.h"
#include "org.h"

#define HDR "id,name,kind,contact,prefixes\n"

static int parse(const char *data, size_t len, struct ks_org_list *l, char *err, size_t errlen)
{
	/* Poison out: the parser must not depend on its previous contents. */
	memset(l, 0x5a, sizeof *l);
	return ks_org_parse_csv(data, len, "orgs.csv", l, err, errlen);
}

/* Expects data to fail with exactly the message want. */
static bool fails_with(const char *data, size_t len, const char *want)
{
	struct ks_org_list l;
	char err[512];
	int r = parse(data, len, &l, err, sizeof err);
	bool ok = r == KS_EINVAL && strcmp(err, want) == 0 && l.n == 0 && l.v == NULL;
	if (!ok)
		fprintf(stderr, "  r=%d err=\"%s\"\n  expected \"%s\"\n", r, err, want);
	if (r == 0)
		ks_org_list_release(&l);
	return ok;
}

#define FAILS(s, want) fails_with((s), sizeof(s) - 1, (want))

static bool pfx_is(const struct ks_prefix *p, const char *text)
{
	char buf[KS_ADDR_STRLEN + 4];
	ks_prefix_format(p, buf);
	if (strcmp(buf, text) != 0) {
		fprintf(stderr, "  prefix %s, expected %s\n", buf, text);
		return false;
	}
	return true;
}

KS_TEST(org_good_file)
{
	static const char in[] =
		"\xef\xbb\xbf" /* BOM */
		"id,name,kind,contact,prefixes\r\n"
		"isp-1,東京例示通信,isp,noc@isp.example,198.18.0.0/17 2001:db8:100::/40\r\n"
		"\r\n"
		"  city.a_1 , \"例示市, 情報政策課\" ,local_gov, csirt@city.example ,  192.0.2.0/25\t "
		"192.0.2.128/25  \r\n"
		"univ,\"Example \"\"Univ\"\"\",university,cert@univ.example,2001:db8:1000::/36\r\n"
		"   \r\n"
		"x,,critical_infra,\"soc@x.example\",198.51.100.7\r\n";
	struct ks_org_list l;
	char err[256] = "untouched";
	int r = parse(in, sizeof in - 1, &l, err, sizeof err);
	CHECK(r == 0);
	CHECK(err[0] == '\0');
	CHECK_EQ_U64(l.n, 4);
	if (r != 0 || l.n != 4)
		return;

	CHECK(strcmp(l.v[0].id, "isp-1") == 0);
	CHECK(strcmp(l.v[0].name, "東京例示通信") == 0);
	CHECK(strcmp(l.v[0].kind, "isp") == 0);
	CHECK(strcmp(l.v[0].contact, "noc@isp.example") == 0);
	CHECK_EQ_U64(l.v[0].npfx, 2);
	CHECK(pfx_is(&l.v[0].pfx[0], "198.18.0.0/17"));
	CHECK(pfx_is(&l.v[0].pfx[1], "2001:db8:100::/40"));
	CHECK_EQ_U64(l.v[0].line, 2);

	CHECK(strcmp(l.v[1].id, "city.a_1") == 0);
	CHECK(strcmp(l.v[1].name, "例示市, 情報政策課") == 0);
	CHECK(strcmp(l.v[1].contact, "csirt@city.example") == 0);
	CHECK_EQ_U64(l.v[1].npfx, 2);
	CHECK(pfx_is(&l.v[1].pfx[1], "192.0.2.128/25"));
	CHECK_EQ_U64(l.v[1].line, 4);

	CHECK(strcmp(l.v[2].name, "Example \"Univ\"") == 0);
	CHECK_EQ_U64(l.v[2].line, 5);

	CHECK(strcmp(l.v[3].name, "") == 0); /* name may be empty */
	CHECK(pfx_is(&l.v[3].pfx[0], "198.51.100.7/32"));
	CHECK_EQ_U64(l.v[3].line, 7);

	ks_org_list_release(&l);
	CHECK(l.n == 0 && l.v == NULL);
	ks_org_list_release(&l);
}

KS_TEST(org_header_only_and_lf)
{
	struct ks_org_list l;
	char err[128];
	CHECK(parse(HDR, sizeof HDR - 1, &l, err, sizeof err) == 0);
	CHECK_EQ_U64(l.n, 0);
	ks_org_list_release(&l);

	/* Header with spaces around names, no final newline. */
	static const char in[] = " id , name,kind ,contact,\tprefixes\na,b,isp,c,10.0.0.0/8";
	CHECK(parse(in, sizeof in - 1, &l, err, sizeof err) == 0);
	CHECK_EQ_U64(l.n, 1);
	ks_org_list_release(&l);
}

KS_TEST(org_bad_header)
{
	CHECK(FAILS("", "orgs.csv:1: no header line; expected 'id,name,kind,contact,prefixes'"));
	{
		struct ks_org_list l;
		char err[128];
		CHECK(ks_org_parse_csv(NULL, 0, "orgs.csv", &l, err, sizeof err) == KS_EINVAL);
		CHECK(strcmp(err, "orgs.csv:1: no header line; expected "
				  "'id,name,kind,contact,prefixes'") == 0);
	}
	CHECK(FAILS("\n\n", "orgs.csv:3: no header line; expected 'id,name,kind,contact,prefixes'"));
	CHECK(FAILS("id,name,kind,contact\n",
		    "orgs.csv:1: header has 4 fields; expected 5: id,name,kind,contact,prefixes"));
	CHECK(FAILS("id,nme,kind,contact,prefixes\n",
		    "orgs.csv:1: header field 2 is 'nme'; expected 'name' (header line must be "
		    "id,name,kind,contact,prefixes)"));
	CHECK(FAILS("ID,name,kind,contact,prefixes\n",
		    "orgs.csv:1: header field 1 is 'ID'; expected 'id' (header line must be "
		    "id,name,kind,contact,prefixes)"));
	/* A row with no header: the header check catches it on line 1. */
	CHECK(FAILS("a,b,isp,c,10.0.0.0/8\n",
		    "orgs.csv:1: header field 1 is 'a'; expected 'id' (header line must be "
		    "id,name,kind,contact,prefixes)"));
	/* A BOM anywhere but the start is not skipped. */
	CHECK(FAILS("\n\xef\xbb\xbfid,name,kind,contact,prefixes\n",
		    "orgs.csv:2: header field 1 is '\xef\xbb\xbfid'; expected 'id' (header line "
		    "must be id,name,kind,contact,prefixes)"));
}

KS_TEST(org_bad_prefix_names_line)
{
	static const char in[] = HDR                                /* 1 */
		"a,A,isp,a@x.example,192.0.2.0/24\n"                 /* 2 */
		"b,B,isp,b@x.example,198.51.100.0/24\n"              /* 3 */
		"\n"                                                 /* 4 */
		"c,C,isp,c@x.example,203.0.113.0/24\n"               /* 5 */
		"d,D,isp,d@x.example,2001:db8::/32\n"                /* 6 */
		"e,E,isp,e@x.example,10.0.0.0/8 10.0.0.1/33\n"       /* 7 */
		"f,F,isp,f@x.example,192.0.2.0/24\n";                /* 8 */
	CHECK(FAILS(in, "orgs.csv:7: bad prefix '10.0.0.1/33' in field 'prefixes'; expected CIDR "
			"like 192.0.2.0/24 or 2001:db8::/32"));

	CHECK(FAILS(HDR "a,A,isp,a@x.example,192.0.2.1/24\n",
		    "orgs.csv:2: bad prefix '192.0.2.1/24' in field 'prefixes'; expected CIDR "
		    "like 192.0.2.0/24 or 2001:db8::/32"));
	CHECK(FAILS(HDR "a,A,isp,a@x.example,\"192.0.2.0/24,198.51.100.0/24\"\n",
		    "orgs.csv:2: bad prefix '192.0.2.0/24,198.51.100.0/24' in field 'prefixes'; "
		    "expected CIDR like 192.0.2.0/24 or 2001:db8::/32"));
	CHECK(FAILS(HDR "a,A,isp,a@x.example,   \n",
		    "orgs.csv:2: no prefixes in field 'prefixes'; expected one or more CIDR "
		    "prefixes separated by spaces"));
}

KS_TEST(org_bad_fields)
{
	CHECK(FAILS(HDR "a,A,isp,a@x.example\n",
		    "orgs.csv:2: 4 fields; expected 5 (id,name,kind,contact,prefixes)"));
	CHECK(FAILS(HDR "a,A,isp,a@x.example,192.0.2.0/24,extra\n",
		    "orgs.csv:2: 6 fields; expected 5 (id,name,kind,contact,prefixes)"));
	CHECK(FAILS(HDR "just-one\n",
		    "orgs.csv:2: 1 field; expected 5 (id,name,kind,contact,prefixes)"));
	CHECK(FAILS(HDR ",A,isp,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad id '' in field 'id'; expected 1-64 characters from A-Z a-z "
		    "0-9 . _ -"));
	CHECK(FAILS(HDR "a b,A,isp,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad id 'a b' in field 'id'; expected 1-64 characters from A-Z "
		    "a-z 0-9 . _ -"));
	CHECK(FAILS(HDR "例,A,isp,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad id '例' in field 'id'; expected 1-64 characters from A-Z "
		    "a-z 0-9 . _ -"));
	CHECK(FAILS(HDR "a,A,ISP,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad kind 'ISP' in field 'kind'; expected lower-case letters, "
		    "digits and '_' (isp, local_gov, critical_infra, university, ...)"));
	CHECK(FAILS(HDR "a,A,,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad kind '' in field 'kind'; expected lower-case letters, "
		    "digits and '_' (isp, local_gov, critical_infra, university, ...)"));
	CHECK(FAILS(HDR "a,A,local-gov,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad kind 'local-gov' in field 'kind'; expected lower-case "
		    "letters, digits and '_' (isp, local_gov, critical_infra, university, ...)"));
	CHECK(FAILS(HDR "a,A,isp, ,192.0.2.0/24\n",
		    "orgs.csv:2: empty field 'contact'; expected where to send alerts"));
}

KS_TEST(org_id_length)
{
	char in[256];
	char id[66];
	memset(id, 'x', 64);
	id[64] = '\0';
	int k = snprintf(in, sizeof in, HDR "%s,A,isp,a@x.example,192.0.2.0/24\n", id);
	struct ks_org_list l;
	char err[256];
	CHECK(parse(in, (size_t)k, &l, err, sizeof err) == 0);
	CHECK_EQ_U64(l.n, 1);
	ks_org_list_release(&l);

	id[64] = 'x';
	id[65] = '\0';
	k = snprintf(in, sizeof in, HDR "%s,A,isp,a@x.example,192.0.2.0/24\n", id);
	CHECK(parse(in, (size_t)k, &l, err, sizeof err) == KS_EINVAL);
	CHECK(strstr(err, "orgs.csv:2: bad id 'xxxx") == err);
	CHECK(strstr(err, "expected 1-64 characters") != NULL);
}

KS_TEST(org_control_chars_and_utf8)
{
	/* A newline inside a quoted contact: the record starts on line 2. */
	CHECK(FAILS(HDR "a,A,isp,\"a@x.example\nBcc: evil@x.example\",192.0.2.0/24\n",
		    "orgs.csv:2: bad contact 'a@x.example\\x0aBcc: evil@x.example' in field "
		    "'contact'; expected UTF-8 text without control characters"));
	CHECK(FAILS(HDR "a,\"A\x1b[31m\",isp,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad name 'A\\x1b[31m' in field 'name'; expected UTF-8 text "
		    "without control characters"));
	CHECK(FAILS(HDR "a,\xff\xfe,isp,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad name '\\xff\\xfe' in field 'name'; expected UTF-8 text "
		    "without control characters"));
	/* Overlong encoding of '/' and a UTF-16 surrogate. */
	CHECK(FAILS(HDR "a,\xc0\xaf,isp,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad name '\\xc0\\xaf' in field 'name'; expected UTF-8 text "
		    "without control characters"));
	CHECK(FAILS(HDR "a,\xed\xa0\x80,isp,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad name '\\xed\\xa0\\x80' in field 'name'; expected UTF-8 text "
		    "without control characters"));
	/* C1 control U+0085 (NEL), encoded as valid UTF-8. */
	CHECK(FAILS(HDR "a,x\xc2\x85y,isp,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: bad name 'x\\xc2\\x85y' in field 'name'; expected UTF-8 text "
		    "without control characters"));
	/* Four-byte UTF-8 is fine. */
	static const char ok[] = HDR "a,\xf0\x9f\x97\xbe Japan,isp,a@x.example,192.0.2.0/24\n";
	struct ks_org_list l;
	char err[256];
	CHECK(parse(ok, sizeof ok - 1, &l, err, sizeof err) == 0);
	ks_org_list_release(&l);
}

KS_TEST(org_long_bad_value_is_shortened)
{
	char in[1024];
	char junk[300];
	memset(junk, 'z', sizeof junk - 1);
	junk[sizeof junk - 1] = '\0';
	int k = snprintf(in, sizeof in, HDR "a,A,isp,a@x.example,%s\n", junk);
	struct ks_org_list l;
	char err[512];
	CHECK(parse(in, (size_t)k, &l, err, sizeof err) == KS_EINVAL);
	CHECK(strstr(err, "zzz...' in field 'prefixes'") != NULL);
	CHECK(strlen(err) < 200);
}

KS_TEST(org_csv_errors_name_line)
{
	CHECK(FAILS(HDR "a,A,isp,a@x.example,192.0.2.0/24\n"
			"\n"
			"b,\"unterminated,isp,b@x.example,198.51.100.0/24\n"
			"c,C,isp,c@x.example,203.0.113.0/24\n",
		    "orgs.csv:4: unterminated quoted field; expected a closing '\"'"));
	CHECK(FAILS(HDR "a,A\"B,isp,a@x.example,192.0.2.0/24\n",
		    "orgs.csv:2: quote inside unquoted field; expected the whole field in quotes "
		    "with '\"' doubled"));
	static const char nul[] = HDR "a,A,isp,a@x.example,192.0.2.0/24\0\n";
	CHECK(FAILS(nul, "orgs.csv:2: NUL byte; expected text"));
	CHECK(FAILS("id,name,kind,contact,\"prefixes\n",
		    "orgs.csv:1: unterminated quoted field; expected a closing '\"'"));
}

KS_TEST(org_duplicate_id)
{
	CHECK(FAILS(HDR "a,A,isp,a@x.example,192.0.2.0/24\n"
			"b,B,isp,b@x.example,198.51.100.0/24\n"
			"\n"
			" a ,A2,isp,a@x.example,203.0.113.0/24\n",
		    "orgs.csv:5: duplicate id 'a' (first on line 2); expected each id once"));
	/* Ids are case-sensitive. */
	static const char ok[] = HDR "a,A,isp,a@x.example,192.0.2.0/24\n"
				     "A,A,isp,a@x.example,192.0.2.0/24\n";
	struct ks_org_list l;
	char err[256];
	CHECK(parse(ok, sizeof ok - 1, &l, err, sizeof err) == 0);
	CHECK_EQ_U64(l.n, 2);
	ks_org_list_release(&l);
}

KS_TEST(org_many_rows_and_late_duplicate)
{
	/* Enough rows to grow the id table several times; then a duplicate of
	 * an early id, which must be found. */
	size_t cap = 5000 * 64, n = 0;
	char *in = malloc(cap);
	CHECK(in != NULL);
	if (!in)
		return;
	n += (size_t)snprintf(in + n, cap - n, HDR);
	for (unsigned i = 0; i < 3000; i++)
		n += (size_t)snprintf(in + n, cap - n, "org-%u,Org %u,isp,n@x.example,10.%u.%u.0/24\n",
				      i, i, i / 256, i % 256);
	struct ks_org_list l;
	char err[256];
	CHECK(parse(in, n, &l, err, sizeof err) == 0);
	CHECK_EQ_U64(l.n, 3000);
	if (l.n == 3000) {
		CHECK(strcmp(l.v[2999].id, "org-2999") == 0);
		CHECK(pfx_is(&l.v[2999].pfx[0], "10.11.183.0/24"));
		CHECK_EQ_U64(l.v[2999].line, 3001);
	}
	ks_org_list_release(&l);

	n += (size_t)snprintf(in + n, cap - n, "org-17,dup,isp,n@x.example,10.0.0.0/8\n");
	CHECK(parse(in, n, &l, err, sizeof err) == KS_EINVAL);
	CHECK(strcmp(err, "orgs.csv:3002: duplicate id 'org-17' (first on line 19); expected "
			  "each id once") == 0);
	free(in);
}

KS_TEST(org_err_buffer_edge_cases)
{
	static const char bad[] = HDR "a,A,isp,a@x.example,10.0.0.1/33\n";
	struct ks_org_list l;
	/* No buffer at all. */
	CHECK(parse(bad, sizeof bad - 1, &l, NULL, 0) == KS_EINVAL);
	CHECK(l.n == 0 && l.v == NULL);
	/* A tiny buffer is truncated, still NUL-terminated. */
	char err[8];
	memset(err, '#', sizeof err);
	CHECK(parse(bad, sizeof bad - 1, &l, err, sizeof err) == KS_EINVAL);
	CHECK(strcmp(err, "orgs.cs") == 0);
	/* No name given. */
	char big[256];
	CHECK(ks_org_parse_csv(bad, sizeof bad - 1, NULL, &l, big, sizeof big) == KS_EINVAL);
	CHECK(strncmp(big, "<input>:2: ", 11) == 0);
}

KS_TEST(org_prefixes_feed_a_set)
{
	static const char in[] = HDR "isp,ISP,isp,n@x.example,198.18.0.0/15 2001:db8::/32\n"
				     "town,Town,local_gov,t@x.example,198.18.10.0/24\n";
	struct ks_org_list l;
	char err[256];
	CHECK(parse(in, sizeof in - 1, &l, err, sizeof err) == 0);
	struct ks_pset s;
	ks_pset_init(&s);
	for (size_t i = 0; i < l.n; i++)
		for (size_t j = 0; j < l.v[i].npfx; j++)
			ks_pset_add(&s, &l.v[i].pfx[j], (int64_t)i);
	ks_pset_build(&s);
	struct ks_addr a;
	int64_t v = -1;
	CHECK(ks_addr_parse("198.18.10.5", &a) == 0);
	CHECK(ks_pset_lookup(&s, &a, &v) && v == 1);
	CHECK(ks_addr_parse("198.19.10.5", &a) == 0);
	CHECK(ks_pset_lookup(&s, &a, &v) && v == 0);
	CHECK_EQ_U64(ks_pset_v4_count(&s), 1u << 17);
	ks_pset_release(&s);
	ks_org_list_release(&l);
}

KS_TEST(org_sample_file_parses)
{
	FILE *f = fopen("conf/orgs.sample.csv", "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	char buf[16384];
	size_t n = fread(buf, 1, sizeof buf, f);
	CHECK(feof(f));
	fclose(f);
	struct ks_org_list l;
	char err[256] = "";
	int r = ks_org_parse_csv(buf, n, "conf/orgs.sample.csv", &l, err, sizeof err);
	if (r != 0)
		fprintf(stderr, "  %s\n", err);
	CHECK(r == 0);
	CHECK(l.n >= 8);
	/* Only documentation and benchmarking ranges. */
	static const char *const allowed[] = {"192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24",
					      "198.18.0.0/15", "2001:db8::/32"};
	struct ks_pset doc;
	ks_pset_init(&doc);
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++) {
		struct ks_prefix p;
		CHECK(ks_prefix_parse(allowed[i], strlen(allowed[i]), &p) == 0);
		ks_pset_add(&doc, &p, 0);
	}
	ks_pset_build(&doc);
	bool kinds[4] = {false};
	for (size_t i = 0; i < l.n; i++) {
		for (size_t j = 0; j < l.v[i].npfx; j++) {
			struct ks_prefix *p = &l.v[i].pfx[j];
			struct ks_addr last = p->addr;
			for (unsigned bit = p->len; bit < 128; bit++)
				last.b[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
			CHECK(ks_pset_lookup(&doc, &p->addr, NULL));
			CHECK(ks_pset_lookup(&doc, &last, NULL));
		}
		kinds[0] |= strcmp(l.v[i].kind, "isp") == 0;
		kinds[1] |= strcmp(l.v[i].kind, "local_gov") == 0;
		kinds[2] |= strcmp(l.v[i].kind, "critical_infra") == 0;
		kinds[3] |= strcmp(l.v[i].kind, "university") == 0;
	}
	CHECK(kinds[0] && kinds[1] && kinds[2] && kinds[3]);
	ks_pset_release(&doc);
	ks_org_list_release(&l);
}
