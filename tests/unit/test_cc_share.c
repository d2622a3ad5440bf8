/* SPDX-License-Identifier: BSD-2-Clause */
/* Tests of the C&C list formats (src/flow/cc_share.c): round trips of CSV,
 * JSON and STIX 2.1; the STIX bundle's required properties, ids and
 * pattern; bad input named by line / entry / object with nothing
 * returned; caps; defaults from --from; the merge rule. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cc_share.h"
#include "ks_err.h"
#include "ks_test.h"

#define T1 1795305600 /* 2026-11-22T00:00:00Z */

static void entry(struct ks_cc_entry *e, const char *addr, uint16_t port, uint8_t proto,
		  double score, const char *by, const char *note)
{
	memset(e, 0, sizeof *e);
	CHECK(ks_addr_parse(addr, &e->addr) == 0);
	e->port = port;
	e->proto = proto;
	e->score = score;
	e->first_seen = T1;
	e->last_seen = T1 + 43200;
	snprintf(e->reported_by, sizeof e->reported_by, "%s", by);
	e->reported_at = T1 + 50000;
	e->infected_hosts = 20;
	snprintf(e->note, sizeof e->note, "%s", note);
}

static struct ks_cc_entry sample[5];
static void make_sample(void)
{
	entry(&sample[0], "203.0.113.10", 8080, 6, 0.8983, "op-tokyo", "beacon every 300 s");
	entry(&sample[1], "203.0.113.20", 443, 6, 0.7861, "op-osaka",
	      "shared hosting, \"quoted\", comma");
	entry(&sample[2], "2001:db8::53", 53, 17, 0.5, "op-tokyo", "\xe6\x9d\xb1\xe4\xba\xac IPv6");
	entry(&sample[3], "198.51.100.9", 0, 200, 0.25, "", ""); /* odd protocol, no reporter */
	entry(&sample[4], "192.0.2.1", 65535, 1, 1.0, "op-sapporo", "=HYPERLINK(1) icmp");
	sample[4].infected_hosts = 4000000000u;
}

/* Writes v in fmt into a malloc'ed buffer. */
static char *write_mem(enum ks_cc_fmt fmt, const struct ks_cc_entry *v, size_t n, size_t *len)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);
	CHECK(f != NULL);
	CHECK(ks_cc_write(f, fmt, v, n) == 0);
	fclose(f);
	*len = sz;
	return buf;
}

static void same_entry(const struct ks_cc_entry *a, const struct ks_cc_entry *b)
{
	CHECK(memcmp(&a->addr, &b->addr, sizeof a->addr) == 0);
	CHECK_EQ_U64(a->port, b->port);
	CHECK_EQ_U64(a->proto, b->proto);
	CHECK(a->score == b->score);
	CHECK_EQ_U64(a->first_seen, b->first_seen);
	CHECK_EQ_U64(a->last_seen, b->last_seen);
	CHECK(strcmp(a->reported_by, b->reported_by) == 0);
	CHECK_EQ_U64(a->reported_at, b->reported_at);
	CHECK_EQ_U64(a->infected_hosts, b->infected_hosts);
	CHECK(strcmp(a->note, b->note) == 0);
}

static void round_trip(enum ks_cc_fmt fmt)
{
	char err[256];
	size_t len, len2;
	struct ks_cc_list l;
	make_sample();
	char *a = write_mem(fmt, sample, 5, &len);
	CHECK(ks_cc_read(a, len, KS_CC_FMT_AUTO, "rt", NULL, &l, err, sizeof err) == 0);
	CHECK_EQ_U64(l.n, 5);
	for (size_t i = 0; i < l.n && i < 5; i++)
		same_entry(&l.v[i], &sample[i]);
	/* Writing what was read gives the same bytes. */
	char *b = write_mem(fmt, l.v, l.n, &len2);
	CHECK(len == len2 && memcmp(a, b, len) == 0);
	free(a);
	free(b);
	ks_cc_list_release(&l);
}

KS_TEST(cc_share_round_trip_csv) { round_trip(KS_CC_FMT_CSV); }
KS_TEST(cc_share_round_trip_json) { round_trip(KS_CC_FMT_JSON); }
KS_TEST(cc_share_round_trip_stix) { round_trip(KS_CC_FMT_STIX); }

KS_TEST(cc_share_csv_layout)
{
	size_t len;
	make_sample();
	char *a = write_mem(KS_CC_FMT_CSV, sample, 2, &len);
	const char *want =
		"address,port,proto,score,first_seen,last_seen,reported_by,reported_at,infected_hosts,note\n"
		"203.0.113.10,8080,tcp,0.8983,2026-11-22T00:00:00Z,2026-11-22T12:00:00Z,op-tokyo,"
		"2026-11-22T13:53:20Z,20,beacon every 300 s\n"
		"203.0.113.20,443,tcp,0.7861,2026-11-22T00:00:00Z,2026-11-22T12:00:00Z,op-osaka,"
		"2026-11-22T13:53:20Z,20,\"shared hosting, \"\"quoted\"\", comma\"\n";
	CHECK(len == strlen(want) && memcmp(a, want, len) == 0);
	free(a);
	/* A bad entry is refused before anything is written. */
	struct ks_cc_entry e = sample[0];
	e.score = 1.5;
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);
	CHECK(ks_cc_write(f, KS_CC_FMT_JSON, &e, 1) == KS_EINVAL);
	fclose(f);
	CHECK(sz == 0);
	free(buf);
}

static bool uuid4_form(const char *s)
{
	/* xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx */
	return strlen(s) == 36 && s[8] == '-' && s[13] == '-' && s[14] == '4' && s[18] == '-' &&
	       strchr("89ab", s[19]) != NULL && s[23] == '-';
}

KS_TEST(cc_share_stix_bundle)
{
	size_t len;
	make_sample();
	char *a = write_mem(KS_CC_FMT_STIX, sample, 5, &len);
	json_error_t je;
	json_t *b = json_loadb(a, len, 0, &je);
	CHECK(b != NULL);
	if (b == NULL)
		return;
	CHECK(strcmp(json_string_value(json_object_get(b, "type")), "bundle") == 0);
	const char *bid = json_string_value(json_object_get(b, "id"));
	CHECK(bid && strncmp(bid, "bundle--", 8) == 0 && uuid4_form(bid + 8));
	json_t *objs = json_object_get(b, "objects");
	/* 3 identities (op-osaka, op-sapporo, op-tokyo) then 5 indicators. */
	CHECK_EQ_U64(json_array_size(objs), 8);
	const char *tokyo_id = NULL;
	for (size_t i = 0; i < 3; i++) {
		json_t *o = json_array_get(objs, i);
		CHECK(strcmp(json_string_value(json_object_get(o, "type")), "identity") == 0);
		CHECK(strcmp(json_string_value(json_object_get(o, "spec_version")), "2.1") == 0);
		CHECK(json_object_get(o, "created") && json_object_get(o, "modified"));
		const char *id = json_string_value(json_object_get(o, "id"));
		CHECK(id && strncmp(id, "identity--", 10) == 0 && uuid4_form(id + 10));
		if (strcmp(json_string_value(json_object_get(o, "name")), "op-tokyo") == 0)
			tokyo_id = id;
	}
	CHECK(tokyo_id != NULL);
	static const char *const req[] = {"type",    "spec_version", "id",           "created",
					  "modified", "pattern",     "pattern_type", "valid_from",
					  "indicator_types"};
	for (size_t i = 3; i < 8; i++) {
		json_t *o = json_array_get(objs, i);
		for (size_t k = 0; k < sizeof req / sizeof req[0]; k++)
			CHECK(json_object_get(o, req[k]) != NULL);
		CHECK(strcmp(json_string_value(json_object_get(o, "type")), "indicator") == 0);
		CHECK(strcmp(json_string_value(json_object_get(o, "spec_version")), "2.1") == 0);
		CHECK(strcmp(json_string_value(json_object_get(o, "pattern_type")), "stix") == 0);
		const char *id = json_string_value(json_object_get(o, "id"));
		CHECK(id && strncmp(id, "indicator--", 11) == 0 && uuid4_form(id + 11));
		CHECK(strcmp(json_string_value(json_array_get(json_object_get(o, "indicator_types"), 0)),
			     "malicious-activity") == 0);
		/* STIX timestamps: UTC with milliseconds. */
		const char *c = json_string_value(json_object_get(o, "created"));
		CHECK(c && strlen(c) == 24 && c[19] == '.' && c[23] == 'Z');
	}
	json_t *i0 = json_array_get(objs, 3);
	CHECK(strcmp(json_string_value(json_object_get(i0, "pattern")),
		     "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
		     "'203.0.113.10' AND network-traffic:dst_port = 8080 AND "
		     "network-traffic:protocols[*] = 'tcp']") == 0);
	CHECK(tokyo_id && strcmp(json_string_value(json_object_get(i0, "created_by_ref")), tokyo_id) == 0);
	CHECK(strcmp(json_string_value(json_object_get(i0, "valid_from")), "2026-11-22T00:00:00.000Z") == 0);
	CHECK(json_integer_value(json_object_get(i0, "confidence")) == 90);
	json_t *i2 = json_array_get(objs, 5);
	CHECK(strstr(json_string_value(json_object_get(i2, "pattern")), "'ipv6-addr'") != NULL);
	json_t *i3 = json_array_get(objs, 6); /* protocol 200: no protocols[*] */
	CHECK(strstr(json_string_value(json_object_get(i3, "pattern")), "protocols") == NULL);
	CHECK(json_object_get(i3, "created_by_ref") == NULL);
	/* Same content, same ids; a different address, a different id. */
	char x[80], y[80];
	ks_cc_stix_id("indicator", "a", 1, x, sizeof x);
	ks_cc_stix_id("indicator", "a", 1, y, sizeof y);
	CHECK(strcmp(x, y) == 0);
	ks_cc_stix_id("indicator", "b", 1, y, sizeof y);
	CHECK(strcmp(x, y) != 0);
	json_decref(b);
	free(a);
}

/* Reads text expecting failure with code; checks the message starts with
 * prefix and contains part. */
static void bad_input(const char *text, enum ks_cc_fmt fmt, int code, const char *prefix,
		      const char *part)
{
	char err[512];
	struct ks_cc_list l;
	int r = ks_cc_read(text, strlen(text), fmt, "in", NULL, &l, err, sizeof err);
	CHECK(r == code);
	CHECK(l.n == 0 && l.v == NULL);
	CHECK(strncmp(err, prefix, strlen(prefix)) == 0);
	CHECK(strstr(err, part) != NULL);
	if (strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, part) == NULL)
		fprintf(stderr, "  message: %s\n", err);
}

#define HDR "address,port,proto,score,first_seen,last_seen,reported_by,reported_at,infected_hosts,note\n"
#define ROW "203.0.113.10,8080,tcp,0.9,2026-11-22T00:00:00Z,2026-11-22T12:00:00Z,a,,3,\n"

KS_TEST(cc_share_csv_bad_lines)
{
	bad_input("", KS_CC_FMT_CSV, KS_EINVAL, "in:1:", "expected the header");
	bad_input("address,port\n" ROW, KS_CC_FMT_CSV, KS_EINVAL, "in:1:", "bad header");
	bad_input(HDR ROW "203.0.113.11,70000,tcp,0.9,2026-11-22T00:00:00Z,2026-11-22T12:00:00Z,a,,3,\n",
		  KS_CC_FMT_CSV, KS_EINVAL, "in:3:", "port: bad value '70000'; expected an integer");
	bad_input(HDR ROW ROW "203.0.113.11,80,tcp\n", KS_CC_FMT_CSV, KS_EINVAL, "in:4:",
		  "3 fields; expected 10");
	bad_input(HDR "203.0.113.300,80,tcp,0.9,2026-11-22T00:00:00Z,2026-11-22T12:00:00Z,a,,3,\n",
		  KS_CC_FMT_CSV, KS_EINVAL, "in:2:", "address: bad value '203.0.113.300'");
	bad_input(HDR "203.0.113.3,80,tcp,1.2,2026-11-22T00:00:00Z,2026-11-22T12:00:00Z,a,,3,\n",
		  KS_CC_FMT_CSV, KS_EINVAL, "in:2:", "score");
	bad_input(HDR "203.0.113.3,80,tcp,0.5,2026-02-29T00:00:00Z,2026-11-22T12:00:00Z,a,,3,\n",
		  KS_CC_FMT_CSV, KS_EINVAL, "in:2:", "first_seen: bad value '2026-02-29T00:00:00Z'");
	bad_input(HDR "203.0.113.3,80,tcp,0.5,2026-11-23T00:00:00Z,2026-11-22T12:00:00Z,a,,3,\n",
		  KS_CC_FMT_CSV, KS_EINVAL, "in:2:", "last_seen is before first_seen");
	bad_input(HDR "203.0.113.3,80,xyz,0.5,2026-11-22T00:00:00Z,2026-11-22T12:00:00Z,a,,3,\n",
		  KS_CC_FMT_CSV, KS_EINVAL, "in:2:", "proto");
	/* A quoted field over two lines: the record is named by its first line,
	 * and a control character in the note is refused. */
	bad_input(HDR ROW "203.0.113.3,80,tcp,0.5,2026-11-22T00:00:00Z,2026-11-22T12:00:00Z,a,,3,\"two\nlines\"\n",
		  KS_CC_FMT_CSV, KS_EINVAL, "in:3:", "note: bad value 'two\\x0alines'");
	bad_input(HDR "\"unterminated\n", KS_CC_FMT_CSV, KS_EINVAL, "in:2:", "quote");
}

KS_TEST(cc_share_json_bad_entries)
{
	bad_input("[\n {\"address\": \"203.0.113.1\",\n  \"port\": }\n]", KS_CC_FMT_JSON, KS_EINVAL,
		  "in:3:", "expected a JSON array");
	bad_input("{\"a\": 1}", KS_CC_FMT_JSON, KS_EINVAL, "in:", "top level is an object");
	bad_input("[{\"address\":\"203.0.113.1\",\"port\":80,\"proto\":\"tcp\",\"score\":0.5,"
		  "\"first_seen\":\"2026-11-22T00:00:00Z\",\"last_seen\":\"2026-11-22T00:00:00Z\"},"
		  "{\"address\":\"203.0.113.2\",\"port\":\"80\"}]",
		  KS_CC_FMT_JSON, KS_EINVAL, "in: entry [1]:", "key 'port': a string; expected an integer");
	bad_input("[{\"address\":\"203.0.113.1\",\"port\":80,\"colour\":1}]", KS_CC_FMT_JSON,
		  KS_EINVAL, "in: entry [0]:", "unknown key 'colour'");
	bad_input("[{\"address\":\"203.0.113.1\",\"port\":80}]", KS_CC_FMT_JSON, KS_EINVAL,
		  "in: entry [0]:", "key 'proto' missing");
	bad_input("[{\"address\":\"203.0.113.1\",\"port\":80,\"port\":81}]", KS_CC_FMT_JSON,
		  KS_EINVAL, "in:", "duplicate");
	bad_input("[1]", KS_CC_FMT_JSON, KS_EINVAL, "in: entry [0]:", "an integer; expected an object");
}

#define IND(pat)                                                                            \
	"{\"type\":\"bundle\",\"id\":\"bundle--0f0f0f0f-0000-4000-8000-000000000000\",\"objects\":[" \
	"{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"identity--11111111-0000-4000-8000-" \
	"000000000000\",\"created\":\"2026-11-22T00:00:00Z\",\"modified\":\"2026-11-22T00:00:00Z\","  \
	"\"name\":\"op-x\"},"                                                                       \
	"{\"type\":\"malware\",\"name\":\"ignored\"},"                                               \
	"{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--22222222-0000-4000-"    \
	"8000-000000000000\",\"created_by_ref\":\"identity--11111111-0000-4000-8000-000000000000\","  \
	"\"created\":\"2026-11-22T01:00:00.123Z\",\"modified\":\"2026-11-22T02:00:00Z\","            \
	"\"pattern\":\"" pat "\",\"pattern_type\":\"stix\",\"valid_from\":\"2026-11-21T00:00:00Z\"," \
	"\"confidence\":70,\"description\":\"line one\\nline two\"}]}"

KS_TEST(cc_share_stix_foreign)
{
	char err[256];
	struct ks_cc_list l;
	const char *ok = IND("[ipv4-addr:value = '198.51.100.7'] AND [network-traffic:dst_port = 53 "
			     "AND network-traffic:protocols[*] = 'udp']");
	CHECK(ks_cc_read(ok, strlen(ok), KS_CC_FMT_STIX, "in", NULL, &l, err, sizeof err) == 0);
	CHECK_EQ_U64(l.n, 1);
	if (l.n == 1) {
		const struct ks_cc_entry *e = &l.v[0];
		char a[KS_ADDR_STRLEN];
		CHECK(strcmp(ks_addr_format(&e->addr, a), "198.51.100.7") == 0);
		CHECK(e->port == 53 && e->proto == 17);
		CHECK(e->score == 0.7);
		CHECK(strcmp(e->reported_by, "op-x") == 0);
		CHECK_EQ_U64(e->reported_at, T1 + 3600);
		CHECK_EQ_U64(e->first_seen, T1 - 86400);
		CHECK_EQ_U64(e->last_seen, T1 + 7200);
		CHECK(strcmp(e->note, "line one line two") == 0);
	}
	ks_cc_list_release(&l);
	/* Parenthesised conjunctions and a /32 address, as other tools write. */
	const char *par = IND("[(network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
			      "'198.51.100.8/32') AND (network-traffic:dst_port = 443) AND "
			      "network-traffic:protocols[*] = 'tcp']");
	CHECK(ks_cc_read(par, strlen(par), KS_CC_FMT_STIX, "in", NULL, &l, err, sizeof err) == 0);
	CHECK(l.n == 1 && l.v[0].port == 443 && l.v[0].proto == 6 &&
	      ks_addr_v4(&l.v[0].addr) == (198u << 24 | 51u << 16 | 100u << 8 | 8u));
	ks_cc_list_release(&l);
	bad_input(IND("[ipv4-addr:value = '198.51.100.0/24'] AND [network-traffic:dst_port = 53 AND "
		      "network-traffic:protocols[*] = 'udp']"),
		  KS_CC_FMT_STIX, KS_EINVAL, "in: objects[2]:", "address prefix /24; expected a single address");
	bad_input(IND("[(ipv4-addr:value = '198.51.100.7' AND network-traffic:dst_port = 53]"),
		  KS_CC_FMT_STIX, KS_EINVAL, "in: objects[2]:", "expected AND or ')'");
	bad_input(IND("[ipv4-addr:value = '198.51.100.7') AND network-traffic:dst_port = 53]"),
		  KS_CC_FMT_STIX, KS_EINVAL, "in: objects[2]:", "no ')' without its '('");
	bad_input(IND("[domain-name:value = 'evil.example']"), KS_CC_FMT_STIX, KS_EINVAL,
		  "in: objects[2]:", "pattern '[domain-name:value = \\x27evil.example\\x27]': at offset 1");
	bad_input(IND("[ipv4-addr:value = '198.51.100.7'] OR [network-traffic:dst_port = 53]"),
		  KS_CC_FMT_STIX, KS_EINVAL, "in: objects[2]:", "OR");
	bad_input(IND("[network-traffic:dst_port = 53 AND network-traffic:protocols[*] = 'udp']"),
		  KS_CC_FMT_STIX, KS_EINVAL, "in: objects[2]:", "an address and a dst_port");
	bad_input(IND("[network-traffic:dst_ref.type = 'ipv6-addr' AND network-traffic:dst_ref.value = "
		      "'198.51.100.7' AND network-traffic:dst_port = 5 AND "
		      "network-traffic:protocols[*] = 'tcp']"),
		  KS_CC_FMT_STIX, KS_EINVAL, "in: objects[2]:", "dst_ref.type does not match");
	bad_input("{\"type\":\"bundle\",\"objects\":[{\"type\":\"indicator\",\"id\":\"indicator--x\"}]}",
		  KS_CC_FMT_STIX, KS_EINVAL, "in: objects[0]:", "expected indicator--<UUID>");
	bad_input("[]", KS_CC_FMT_STIX, KS_EINVAL, "in:", "not a STIX bundle");
}

KS_TEST(cc_share_caps_and_defaults)
{
	char err[256];
	struct ks_cc_list l;
	struct ks_cc_read_opts o = {.max_entries = 2};
	const char *three = HDR ROW ROW ROW;
	CHECK(ks_cc_read(three, strlen(three), KS_CC_FMT_AUTO, "in", &o, &l, err, sizeof err) ==
	      KS_ELIMIT);
	CHECK(l.n == 0 && strncmp(err, "in:4:", 5) == 0);
	o.max_entries = 0;
	o.max_bytes = 100;
	CHECK(ks_cc_read(three, strlen(three), KS_CC_FMT_AUTO, "in", &o, &l, err, sizeof err) ==
	      KS_ELIMIT);
	CHECK(strncmp(err, "in: 3", 5) == 0 && strstr(err, "bytes; expected at most 100") != NULL);
	/* Empty reporter and time are filled from --from and now. */
	const char *row = HDR "203.0.113.10,8080,tcp,0.9,2026-11-22T00:00:00Z,2026-11-22T12:00:00Z,,,3,\n";
	struct ks_cc_read_opts d = {.from = "op-nagoya", .now = T1 + 99};
	CHECK(ks_cc_read(row, strlen(row), KS_CC_FMT_AUTO, "in", &d, &l, err, sizeof err) == 0);
	CHECK(l.n == 1 && strcmp(l.v[0].reported_by, "op-nagoya") == 0 && l.v[0].reported_at == T1 + 99);
	ks_cc_list_release(&l);
	/* A reporter named in the file is kept. */
	CHECK(ks_cc_read(HDR ROW, strlen(HDR ROW), KS_CC_FMT_AUTO, "in", &d, &l, err, sizeof err) == 0);
	CHECK(l.n == 1 && strcmp(l.v[0].reported_by, "a") == 0);
	ks_cc_list_release(&l);
	/* Header only: no entries, no error. */
	CHECK(ks_cc_read(HDR, strlen(HDR), KS_CC_FMT_AUTO, "in", NULL, &l, err, sizeof err) == 0);
	CHECK(l.n == 0);
	ks_cc_list_release(&l);
}

KS_TEST(cc_share_time)
{
	int64_t t;
	CHECK(ks_cc_time_parse("2028-02-29T23:59:59Z", 20, &t) == 0 && t == 1835481599);
	CHECK(ks_cc_time_parse("2026-02-29T00:00:00Z", 20, &t) == KS_EINVAL);
	CHECK(ks_cc_time_parse("2026-11-22T00:00:00.5Z", 22, &t) == 0 && t == T1);
	CHECK(ks_cc_time_parse("2026-11-22T00:00:00.Z", 21, &t) == KS_EINVAL);
	CHECK(ks_cc_time_parse("2026-11-22T24:00:00Z", 20, &t) == KS_EINVAL);
	CHECK(ks_cc_time_parse("2026-11-22 00:00:00Z", 20, &t) == KS_EINVAL);
	CHECK(ks_cc_time_parse("1969-12-31T23:59:59Z", 20, &t) == KS_EINVAL);
	char b[32];
	CHECK(strcmp(ks_cc_time_format(T1, 1, b, sizeof b), "2026-11-22T00:00:00.000Z") == 0);
	enum ks_cc_fmt f;
	CHECK(ks_cc_fmt_parse("stix", 0, &f) == 0 && f == KS_CC_FMT_STIX);
	CHECK(ks_cc_fmt_parse("auto", 0, &f) == KS_EINVAL);
	CHECK(ks_cc_fmt_parse("auto", 1, &f) == 0 && f == KS_CC_FMT_AUTO);
}

KS_TEST(cc_share_merge)
{
	struct ks_cc_entry v[6];
	entry(&v[0], "203.0.113.10", 8080, 6, 0.6, "op-a", "");
	entry(&v[1], "203.0.113.99", 443, 6, 0.9, "op-a", "");
	entry(&v[2], "203.0.113.10", 8080, 6, 0.7, "op-b", "");
	entry(&v[3], "203.0.113.10", 8080, 6, 0.9, "op-c", "old");
	v[3].reported_at = T1;
	entry(&v[4], "203.0.113.10", 8080, 6, 0.5, "op-c", "new");
	v[4].last_seen = T1 + 90000;
	entry(&v[5], "203.0.113.10", 8080, 17, 0.3, "op-a", ""); /* other protocol */
	struct ks_cc_merged *m;
	size_t n;
	CHECK(ks_cc_merge(v, 6, &m, &n) == 0);
	CHECK_EQ_U64(n, 3);
	if (n == 3) {
		/* 1 - 0.4 * 0.3 * 0.5 = 0.94 beats the single 0.9. */
		CHECK(m[0].port == 8080 && m[0].proto == 6 && m[0].nrep == 3);
		CHECK(m[0].combined > 0.939 && m[0].combined < 0.941);
		CHECK(strcmp(m[0].rep[0].reported_by, "op-a") == 0);
		CHECK(strcmp(m[0].rep[2].reported_by, "op-c") == 0);
		CHECK(m[0].rep[2].score == 0.5 && strcmp(m[0].rep[2].note, "new") == 0);
		CHECK_EQ_U64(m[0].last_seen, T1 + 90000);
		CHECK(m[1].port == 443 && m[1].nrep == 1 && m[1].combined == 0.9);
		CHECK(m[2].proto == 17);
	}
	ks_cc_merged_free(m, n);
	CHECK(ks_cc_merge(v, 0, &m, &n) == 0 && n == 0);
	ks_cc_merged_free(m, n);
}
