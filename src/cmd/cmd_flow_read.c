/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku flow stats | top | query | detect-cc: readers of the stored flows. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cc_detect.h"
#include "cc_report.h"
#include "cmd.h"
#include "cmd_flow.h"
#include "darknet_classify.h"
#include "darknet_report.h"
#include "flow_agg.h"
#include "flow_filter.h"
#include "flow_seg.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "ks_prefix.h"
#include "store_cc.h"
#include "store_flow.h"

int ks_cmd_flow_scan(struct ks_store *st, int64_t since_ms, int64_t until_ms,
		     const struct ks_flow_filter *flt, ks_flow_fn fn, void *ctx)
{
	int64_t *ids;
	size_t n;
	if (ks_store_flow_streams(st, &ids, &n) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		return KS_EXIT_FAIL;
	}
	int r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		char dir[4096], err[600] = "";
		ks_cmd_flow_dir(ids[i], dir, sizeof dir);
		r = ks_seg_scan(dir, since_ms, until_ms, flt, fn, ctx, err, sizeof err);
		if (r < 0 && r != KS_ENOMEM && err[0]) {
			ks_err("%s", err);
			r = KS_EXIT_DATA;
		} else if (r == KS_ENOMEM) {
			ks_err("out of memory");
			r = KS_EXIT_FAIL;
		}
	}
	free(ids);
	return r;
}

/* --since/--until in Unix ms (0 = open). 0 or an exit code. */
static int span_ms(const char *since, const char *until, int64_t *lo, int64_t *hi)
{
	struct ks_span sp;
	if (ks_cmd_span(since, until, &sp) != 0)
		return KS_EXIT_USAGE;
	*lo = sp.since_us == INT64_MIN ? 0 : sp.since_us / 1000;
	*hi = sp.until_us == INT64_MAX ? 0 : sp.until_us / 1000;
	return 0;
}

static char *u64s(uint64_t v, char *buf, size_t n)
{
	snprintf(buf, n, "%llu", (unsigned long long)v);
	return buf;
}

static const char *ms_time(int64_t ms, char *buf, size_t n)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + k, n - k, ".%03dZ", (int)(ms % 1000));
	return buf;
}

/* ---- flow stats ------------------------------------------------------------ */

struct stats_out {
	json_t *arr;
};

static int stats_row(void *ctx, const struct ks_store_exporter *e)
{
	struct stats_out *o = ctx;
	char addr[KS_ADDR_STRLEN], f[40], l[40];
	ks_addr_format(&e->addr, addr);
	ms_time(e->first_ms, f, sizeof f);
	ms_time(e->last_ms, l, sizeof l);
	const char *name = e->name ? e->name : "";
	if (ks_g.format == KS_FMT_JSON) {
		json_array_append_new(
			o->arr, json_pack("{s:s, s:i, s:s, s:i, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
					  "exporter", addr, "port", e->port, "name", name, "version", e->version,
					  "first", f, "last", l, "datagrams", (json_int_t)e->datagrams, "flows",
					  (json_int_t)e->flows, "options_records", (json_int_t)e->options_records,
					  "lost_packets", (json_int_t)e->lost_packets, "lost_flows",
					  (json_int_t)e->lost_flows, "malformed", (json_int_t)e->malformed,
					  "no_template", (json_int_t)e->no_template, "templates",
					  (json_int_t)e->templates, "sampling", (json_int_t)e->sampling));
	} else if (ks_g.format == KS_FMT_CSV) {
		char b[12][24];
		snprintf(b[0], sizeof b[0], "%u", e->port);
		snprintf(b[1], sizeof b[1], "%u", e->version);
		const char *row[] = {addr, b[0], name, b[1], f, l, u64s(e->datagrams, b[2], 24),
				     u64s(e->flows, b[3], 24), u64s(e->options_records, b[4], 24),
				     u64s(e->lost_packets, b[5], 24), u64s(e->lost_flows, b[6], 24),
				     u64s(e->malformed, b[7], 24), u64s(e->no_template, b[8], 24),
				     u64s(e->templates, b[9], 24), u64s(e->sampling, b[10], 24)};
		ks_csv_row(stdout, row, 15);
	} else {
		char ep[KS_ADDR_STRLEN + 8];
		snprintf(ep, sizeof ep, "%s:%u", addr, e->port);
		printf("%-28s %-12s v%-2u %10llu %12llu %8llu %8llu %9llu %9llu %5llu %8llu  %s .. %s\n", ep,
		       name[0] ? name : "-", e->version, (unsigned long long)e->datagrams,
		       (unsigned long long)e->flows, (unsigned long long)e->lost_packets,
		       (unsigned long long)e->lost_flows, (unsigned long long)e->malformed,
		       (unsigned long long)e->no_template, (unsigned long long)e->templates,
		       (unsigned long long)e->sampling, f, l);
	}
	return 0;
}

struct hourly_out {
	json_t *arr;
};

static int hour_row(void *ctx, uint32_t hour, uint64_t flows, uint64_t packets, uint64_t bytes)
{
	struct hourly_out *o = ctx;
	char t[40];
	ms_time((int64_t)hour * 3600000, t, sizeof t);
	if (ks_g.format == KS_FMT_JSON)
		json_array_append_new(o->arr, json_pack("{s:s, s:I, s:I, s:I}", "hour", t, "flows",
							(json_int_t)flows, "packets", (json_int_t)packets,
							"bytes", (json_int_t)bytes));
	else if (ks_g.format == KS_FMT_CSV)
		printf("%s,%llu,%llu,%llu\n", t, (unsigned long long)flows, (unsigned long long)packets,
		       (unsigned long long)bytes);
	else
		printf("%-24s %14llu %16llu %18llu\n", t, (unsigned long long)flows,
		       (unsigned long long)packets, (unsigned long long)bytes);
	return 0;
}

/* flow stats --hourly: the store's hourly sums. */
static int stats_hourly(struct ks_store *st, const char *since, const char *until)
{
	struct ks_span sp;
	if (ks_cmd_span(since, until, &sp) != 0)
		return KS_EXIT_USAGE;
	struct hourly_out o = {json_array()};
	if (ks_g.format == KS_FMT_CSV)
		printf("hour,flows,packets,bytes\n");
	else if (ks_g.format == KS_FMT_TEXT)
		printf("%-24s %14s %16s %18s\n", "hour", "flows", "packets", "bytes");
	int r = 0;
	if (ks_store_flow_hours(st, &sp, hour_row, &o) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
	}
	if (ks_g.format == KS_FMT_JSON && r == 0)
		ks_cmd_json(o.arr);
	else
		json_decref(o.arr);
	return r;
}

int cmd_flow_stats(int argc, char **argv)
{
	int hourly = 0;
	const char *since = NULL, *until = NULL;
	const struct ks_opt opts[] = {
		{"hourly", KS_OPT_FLAG, &hourly, NULL, "print the stored hourly sums (flows, packets, bytes) instead", 0, 0},
		{"since", KS_OPT_STR, &since, "T", "with --hourly: hours from T", 0, 0},
		{"until", KS_OPT_STR, &until, "T", "with --hourly: hours before T", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku flow stats [--hourly [--since T] [--until T]] [--format text|json|csv]",
		"Per exporter: datagrams, flows, lost export packets and flows, malformed datagrams,\n"
		"records without a template, live templates and sampling interval.",
		"lost_packets counts NetFlow v9 export packets (v9 sequence numbers count packets),\n"
		"lost_flows counts flows / data records (NetFlow v5 and IPFIX sequence numbers).\n"
		"--hourly prints the hourly sums kept in the store (by flow start hour, after sampling).",
		0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0)
		return KS_EXIT_FAIL;
	if (hourly) {
		r = stats_hourly(st, since, until);
		ks_store_close(st);
		return r;
	}
	struct stats_out o = {json_array()};
	if (ks_g.format == KS_FMT_CSV) {
		const char *hdr[] = {"exporter", "port", "name", "version", "first", "last", "datagrams",
				     "flows", "options_records", "lost_packets", "lost_flows", "malformed",
				     "no_template", "templates", "sampling"};
		ks_csv_row(stdout, hdr, 15);
	} else if (ks_g.format == KS_FMT_TEXT) {
		printf("%-28s %-12s %-3s %10s %12s %8s %8s %9s %9s %5s %8s  %s\n", "exporter", "name", "ver",
		       "datagrams", "flows", "lost_pkt", "lost_flw", "malformed", "no_tmpl", "tmpl",
		       "sampling", "seen");
	}
	if (ks_store_flow_exporters(st, stats_row, &o) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
	} else {
		r = 0;
	}
	if (ks_g.format == KS_FMT_JSON && r == 0)
		ks_cmd_json(o.arr);
	else
		json_decref(o.arr);
	ks_store_close(st);
	return r;
}

/* ---- flow top -------------------------------------------------------------- */

enum top_by { BY_SRC, BY_DST, BY_DPORT, BY_PAIR };

struct top {
	enum top_by by;
	struct ks_flow_agg agg;
};

static int top_add(void *ctx, const struct ks_flow *f)
{
	struct top *t = ctx;
	uint8_t key[KS_FLOW_AGG_KEY] = {0};
	switch (t->by) {
	case BY_SRC: memcpy(key, f->src.b, 16); break;
	case BY_DST: memcpy(key, f->dst.b, 16); break;
	case BY_DPORT:
		key[0] = f->proto;
		key[1] = (uint8_t)(f->dport >> 8); /* big-endian: ties sort by port */
		key[2] = (uint8_t)f->dport;
		break;
	case BY_PAIR:
		memcpy(key, f->src.b, 16);
		memcpy(key + 16, f->dst.b, 16);
		break;
	}
	return ks_flow_agg_add(&t->agg, key, 1, f->packets, f->bytes);
}

int cmd_flow_top(int argc, char **argv)
{
	const char *by = "src", *sort = "flows", *since = NULL, *until = NULL, *filter = NULL;
	uint32_t n = 10;
	const struct ks_opt opts[] = {
		{"by", KS_OPT_STR, &by, "src|dst|dport|pair", "what to rank (default src)", 0, 0},
		{"sort", KS_OPT_STR, &sort, "flows|packets|bytes", "rank by this sum (default flows)", 0, 0},
		{"top", KS_OPT_U32, &n, "N", "how many (default 10; 0 = all)", 0, 0xffffffffu},
		{"since", KS_OPT_STR, &since, "T", "flows starting at or after T", 0, 0},
		{"until", KS_OPT_STR, &until, "T", "flows starting before T", 0, 0},
		{"filter", KS_OPT_STR, &filter, "EXPR", "only flows matching EXPR (syntax: flow query --help)", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku flow top [--by src|dst|dport|pair] [--sort flows|packets|bytes] [--top N] [--since T] [--until T]",
		"Ranks sources, destinations, destination ports or address pairs by flows, packets or bytes.",
		"Ties are ordered by key (address, or protocol then port).", 0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	struct top t = {.by = BY_SRC};
	enum ks_flow_agg_by sb;
	if (strcmp(by, "src") == 0) t.by = BY_SRC;
	else if (strcmp(by, "dst") == 0) t.by = BY_DST;
	else if (strcmp(by, "dport") == 0) t.by = BY_DPORT;
	else if (strcmp(by, "pair") == 0) t.by = BY_PAIR;
	else {
		ks_err("--by '%s': expected src, dst, dport or pair", by);
		return KS_EXIT_USAGE;
	}
	if (strcmp(sort, "flows") == 0) sb = KS_FLOW_AGG_FLOWS;
	else if (strcmp(sort, "packets") == 0) sb = KS_FLOW_AGG_PACKETS;
	else if (strcmp(sort, "bytes") == 0) sb = KS_FLOW_AGG_BYTES;
	else {
		ks_err("--sort '%s': expected flows, packets or bytes", sort);
		return KS_EXIT_USAGE;
	}
	int64_t lo, hi;
	if ((r = span_ms(since, until, &lo, &hi)) != 0)
		return r;
	struct ks_flow_filter *flt = NULL;
	char err[512];
	if (filter && ks_flow_filter_parse(filter, &flt, err, sizeof err) != 0) {
		ks_err("--filter: %s", err);
		return KS_EXIT_USAGE;
	}
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0) {
		ks_flow_filter_free(flt);
		return KS_EXIT_FAIL;
	}
	ks_flow_agg_init(&t.agg, t.by == BY_PAIR ? 32 : t.by == BY_DPORT ? 3 : 16);
	r = ks_cmd_flow_scan(st, lo, hi, flt, top_add, &t);
	if (r == KS_ENOMEM) {
		ks_err("out of memory");
		r = KS_EXIT_FAIL;
	}
	if (r == 0) {
		ks_flow_agg_sort(&t.agg, sb);
		size_t m = n && n < t.agg.n ? n : t.agg.n;
		json_t *arr = json_array();
		const char *col = t.by == BY_DPORT ? "proto,port" : t.by == BY_PAIR ? "src,dst" : by;
		if (ks_g.format == KS_FMT_CSV)
			printf("%s,flows,packets,bytes\n", col);
		else if (ks_g.format == KS_FMT_TEXT)
			printf("%-4s %-40s %12s %14s %16s\n", "rank", t.by == BY_DPORT ? "proto/port" : by,
			       "flows", "packets", "bytes");
		for (size_t i = 0; i < m; i++) {
			const struct ks_flow_agg_ent *e = &t.agg.v[i];
			char a[KS_ADDR_STRLEN], b[KS_ADDR_STRLEN], pb[8], k[2 * KS_ADDR_STRLEN + 8];
			struct ks_addr x, y;
			json_t *o = json_pack("{s:I, s:I, s:I}", "flows", (json_int_t)e->flows, "packets",
					      (json_int_t)e->packets, "bytes", (json_int_t)e->bytes);
			if (t.by == BY_DPORT) {
				unsigned port = (unsigned)e->key[1] << 8 | e->key[2];
				const char *p = ks_cc_proto_text(e->key[0], pb, sizeof pb);
				json_object_set_new(o, "proto", json_string(p));
				json_object_set_new(o, "port", json_integer(port));
				snprintf(k, sizeof k, ks_g.format == KS_FMT_CSV ? "%s,%u" : "%s/%u", p, port);
			} else {
				memcpy(x.b, e->key, 16);
				ks_addr_format(&x, a);
				if (t.by == BY_PAIR) {
					memcpy(y.b, e->key + 16, 16);
					ks_addr_format(&y, b);
					json_object_set_new(o, "src", json_string(a));
					json_object_set_new(o, "dst", json_string(b));
					snprintf(k, sizeof k, ks_g.format == KS_FMT_CSV ? "%s,%s" : "%s > %s", a, b);
				} else {
					json_object_set_new(o, by, json_string(a));
					snprintf(k, sizeof k, "%s", a);
				}
			}
			if (ks_g.format == KS_FMT_JSON)
				json_array_append_new(arr, o);
			else
				json_decref(o);
			if (ks_g.format == KS_FMT_CSV)
				printf("%s,%llu,%llu,%llu\n", k, (unsigned long long)e->flows,
				       (unsigned long long)e->packets, (unsigned long long)e->bytes);
			else if (ks_g.format == KS_FMT_TEXT)
				printf("%-4zu %-40s %12llu %14llu %16llu\n", i + 1, k, (unsigned long long)e->flows,
				       (unsigned long long)e->packets, (unsigned long long)e->bytes);
		}
		if (ks_g.format == KS_FMT_JSON)
			ks_cmd_json(arr);
		else
			json_decref(arr);
	}
	ks_flow_agg_release(&t.agg);
	ks_flow_filter_free(flt);
	ks_store_close(st);
	return r;
}

/* ---- flow query ------------------------------------------------------------ */

struct query {
	uint64_t limit, n;
	json_t *arr;
};

static int query_row(void *ctx, const struct ks_flow *f)
{
	struct query *q = ctx;
	if (q->limit && q->n >= q->limit)
		return 1; /* enough: stops the scan */
	q->n++;
	char s[KS_ADDR_STRLEN], d[KS_ADDR_STRLEN], t0[40], t1[40], pb[8];
	ks_addr_format(&f->src, s);
	ks_addr_format(&f->dst, d);
	ms_time(f->first_ms, t0, sizeof t0);
	ms_time(f->last_ms, t1, sizeof t1);
	const char *p = ks_cc_proto_text(f->proto, pb, sizeof pb);
	if (ks_g.format == KS_FMT_JSON) {
		json_array_append_new(
			q->arr, json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:i, s:I, s:I, s:i, s:i, s:i}", "first",
					  t0, "last", t1, "proto", p, "src", s, "sport", f->sport, "dst", d,
					  "dport", f->dport, "packets", (json_int_t)f->packets, "bytes",
					  (json_int_t)f->bytes, "tcp_flags", f->tcp_flags, "sampling",
					  (int)f->sampling, "exporter", (int)f->exporter));
	} else if (ks_g.format == KS_FMT_CSV) {
		printf("%s,%s,%s,%s,%u,%s,%u,%llu,%llu,%u,%u\n", t0, t1, p, s, f->sport, d, f->dport,
		       (unsigned long long)f->packets, (unsigned long long)f->bytes, f->tcp_flags,
		       f->sampling);
	} else {
		printf("%s %-5s %s:%u -> %s:%u %llu pkts %llu bytes flags 0x%02x%s\n", t0, p, s, f->sport, d,
		       f->dport, (unsigned long long)f->packets, (unsigned long long)f->bytes, f->tcp_flags,
		       f->sampling > 1 ? " (sampled)" : "");
	}
	return 0;
}

int cmd_flow_query(int argc, char **argv)
{
	const char *since = NULL, *until = NULL;
	uint32_t limit = 1000;
	const struct ks_opt opts[] = {
		{"since", KS_OPT_STR, &since, "T", "flows starting at or after T", 0, 0},
		{"until", KS_OPT_STR, &until, "T", "flows starting before T", 0, 0},
		{"limit", KS_OPT_COUNT, &limit, "N", "print at most N flows (default 1000; 0 = all)", 0, 0xffffffffu},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku flow query [--since T] [--until T] [--limit N] [EXPR...]",
		"Prints stored flows that match a filter expression (all flows without one).",
		"EXPR words are joined with spaces. Primitives: host A, src A, dst A (address or prefix,\n"
		"IPv4 or IPv6), net P, port N, sport N, dport N, proto tcp|udp|icmp|N, after T, before T;\n"
		"combined with and, or, not and parentheses, e.g.\n"
		"  kansoku flow query 'dst 198.51.100.0/24 and (dport 23 or dport 2323) and proto tcp'",
		0, 1u << 16};
	char **args = ks_xcalloc((size_t)argc + 1, sizeof *args);
	int nargs = 0;
	int r = ks_cmd_parse(opts, &h, argc, argv, args, &nargs);
	if (r >= 0) {
		free(args);
		return r;
	}
	size_t len = 1;
	for (int i = 0; i < nargs; i++)
		len += strlen(args[i]) + 1;
	char *expr = ks_xcalloc(len, 1);
	for (int i = 0, off = 0; i < nargs; i++) {
		size_t k = strlen(args[i]);
		if (i)
			expr[off++] = ' ';
		memcpy(expr + off, args[i], k); /* sized above; calloc'd, so terminated */
		off += (int)k;
	}
	free(args);
	int64_t lo, hi;
	struct ks_flow_filter *flt = NULL;
	char err[512];
	if ((r = span_ms(since, until, &lo, &hi)) != 0) {
		free(expr);
		return r;
	}
	if (nargs && ks_flow_filter_parse(expr, &flt, err, sizeof err) != 0) {
		ks_err("%s", err);
		free(expr);
		return KS_EXIT_USAGE;
	}
	free(expr);
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0) {
		ks_flow_filter_free(flt);
		return KS_EXIT_FAIL;
	}
	struct query q = {limit, 0, json_array()};
	if (ks_g.format == KS_FMT_CSV)
		printf("first,last,proto,src,sport,dst,dport,packets,bytes,tcp_flags,sampling\n");
	r = ks_cmd_flow_scan(st, lo, hi, flt, query_row, &q);
	if (r == 1)
		r = 0;
	if (ks_g.format == KS_FMT_JSON && r == 0)
		ks_cmd_json(q.arr);
	else
		json_decref(q.arr);
	ks_flow_filter_free(flt);
	ks_store_close(st);
	return r;
}

/* ---- flow detect-cc -------------------------------------------------------- */

struct infected {
	struct ks_addr *v;
	size_t n, cap;
	uint32_t threshold;
};

static void infected_add(struct infected *in, const struct ks_addr *a)
{
	if (in->n == in->cap) {
		in->cap = in->cap ? in->cap * 2 : 256;
		in->v = ks_xreallocarray(in->v, in->cap, sizeof(*in->v));
	}
	in->v[in->n++] = *a;
}

static int infected_from_darknet(void *ctx, const struct ks_dn_source *s)
{
	struct infected *in = ctx;
	if (ks_dn_is_scanner(s, in->threshold) || (s->tags & KS_TAG_BOTS))
		infected_add(in, &s->addr);
	return 0;
}

static int addr_cmp(const void *a, const void *b) { return ks_addr_cmp(a, b); }

static bool is_infected(void *ctx, const struct ks_addr *a)
{
	const struct infected *in = ctx;
	return in->n && bsearch(a, in->v, in->n, sizeof(*in->v), addr_cmp) != NULL;
}

/* Calls fn(ctx, token) for every non-empty line of path, with '#'
 * comments and surrounding blanks removed; a token of 63 bytes or more, or
 * a non-zero fn, stops with "path:LINE: expected" (printed), KS_EXIT_DATA. */
static int each_line(const char *path, int (*fn)(void *ctx, const char *tok), void *ctx,
		     const char *expected)
{
	char err[600], *buf;
	size_t len;
	if (ks_cmd_read_file(path, 256u << 20, &buf, &len, err, sizeof err) != 0) {
		ks_err("%s", err);
		return KS_EXIT_FAIL;
	}
	size_t line = 0;
	int r = 0;
	for (char *p = buf, *end = buf + len; p < end && r == 0;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		line++;
		char *h = memchr(p, '#', (size_t)(e - p));
		char *stop = h ? h : e;
		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		while (stop > p && (stop[-1] == ' ' || stop[-1] == '\t' || stop[-1] == '\r'))
			stop--;
		if (stop > p) {
			char tok[64];
			size_t n = (size_t)(stop - p);
			if (n >= sizeof tok || (memcpy(tok, p, n), tok[n] = '\0', fn(ctx, tok) != 0)) {
				ks_err("%s:%zu: expected %s", path, line, expected);
				r = KS_EXIT_DATA;
			}
		}
		p = nl ? nl + 1 : end;
	}
	free(buf);
	return r;
}

static int infected_line(void *ctx, const char *tok)
{
	struct ks_addr a;
	if (ks_addr_parse(tok, &a) != 0)
		return KS_EINVAL;
	infected_add(ctx, &a);
	return 0;
}

static int prefix_line(void *ctx, const char *tok)
{
	char bad[128];
	return ks_pset_parse_list(ctx, tok, 1, bad, sizeof bad);
}

/* CIDRs from a list "P,P" or, with '@', a file of one prefix per line. */
static int prefixes(struct ks_pset *s, const char *spec, const char *opt)
{
	char bad[128];
	ks_pset_init(s);
	int r = 0;
	if (spec[0] != '@') {
		if (ks_pset_parse_list(s, spec, 1, bad, sizeof bad) != 0) {
			ks_err("--%s: '%s' is not a prefix (CIDR[,CIDR...] or @FILE)", opt, bad);
			r = KS_EXIT_USAGE;
		}
	} else {
		r = each_line(spec + 1, prefix_line, s, "one prefix (CIDR) per line");
	}
	if (r == 0)
		ks_pset_build(s);
	else
		ks_pset_release(s);
	return r;
}

int cmd_flow_detect_cc(int argc, char **argv)
{
	const char *since = NULL, *until = NULL, *ifile = NULL, *internal = NULL, *allow = NULL,
		   *op = "local";
	uint32_t top = 50, hosts = 10, threshold = 0;
	int save = 0;
	const struct ks_opt opts[] = {
		{"since", KS_OPT_STR, &since, "T", "flows starting at or after T", 0, 0},
		{"until", KS_OPT_STR, &until, "T", "flows starting before T", 0, 0},
		{"infected", KS_OPT_STR, &ifile, "FILE", "more infected hosts, one address per line", 0, 0},
		{"internal", KS_OPT_STR, &internal, "CIDR,...|@FILE", "the operator's own address space (client side)", 0, 0},
		{"allowlist", KS_OPT_STR, &allow, "CIDR,...|@FILE", "known-good servers, never candidates", 0, 0},
		{"scan-threshold", KS_OPT_U32, &threshold, "N", "darknet addresses that make a source a scanner (default: as ingested)", 1, 1u << 31},
		{"top", KS_OPT_U32, &top, "N", "candidates shown (default 50; 0 = all)", 0, 0xffffffffu},
		{"hosts", KS_OPT_U32, &hosts, "N", "evidence hosts shown per candidate in text (default 10)", 0, 1u << 20},
		{"save", KS_OPT_FLAG, &save, NULL, "store the candidates in the C&C list (cc list/export)", 0, 0},
		{"operator", KS_OPT_STR, &op, "NAME", "reporter name for --save (default local)", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku flow detect-cc [--since T] [--until T] [--infected FILE] [--internal CIDRS] [options]",
		"Ranks external endpoints (address, port, protocol) as C&C server candidates.",
		"Infected hosts are the darknet scanners and bot-tagged sources in the store plus --infected.\n"
		"Score: fan-in from infected hosts against the endpoint's popularity, the beacon score of\n"
		"each host's contacts (intervals and sizes, RITA-style), small regular sizes; allowlisted\n"
		"servers are skipped. Formula and sources: docs/cc.md.",
		0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	int64_t lo, hi;
	if ((r = span_ms(since, until, &lo, &hi)) != 0)
		return r;
	if (save && (strlen(op) == 0 || strlen(op) >= KS_CC_NAME_MAX)) {
		ks_err("--operator: expected a name of 1 to %d characters", KS_CC_NAME_MAX - 1);
		return KS_EXIT_USAGE;
	}
	struct ks_pset in_set, allow_set;
	int have_in = 0, have_allow = 0;
	if (internal) {
		if ((r = prefixes(&in_set, internal, "internal")) != 0)
			return r;
		have_in = 1;
	}
	if (allow) {
		if ((r = prefixes(&allow_set, allow, "allowlist")) != 0)
			goto out_sets;
		have_allow = 1;
	}
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0) {
		r = KS_EXIT_FAIL;
		goto out_sets;
	}
	struct infected inf = {0};
	struct ks_span dsp = {INT64_MIN, INT64_MAX};
	if (lo)
		dsp.since_us = lo * 1000;
	if (hi)
		dsp.until_us = hi * 1000;
	inf.threshold = ks_cmd_threshold(st, &dsp, threshold);
	if (ks_store_dn_sources(st, &dsp, infected_from_darknet, &inf) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
		goto out;
	}
	size_t from_darknet = inf.n;
	if (ifile && (r = each_line(ifile, infected_line, &inf, "one IPv4 or IPv6 address per line")) != 0)
		goto out;
	if (inf.n)
		qsort(inf.v, inf.n, sizeof(*inf.v), addr_cmp);
	ks_info("infected hosts: %zu from the darknet observatory, %zu from --infected", from_darknet,
		inf.n - from_darknet);
	struct ks_cc_params p;
	ks_cc_params_default(&p);
	p.since_ms = lo;
	p.until_ms = hi;
	p.max_results = top;
	struct ks_cc *cc;
	if ((r = ks_cc_new(&p, have_in ? &in_set : NULL, is_infected, &inf, have_allow ? &allow_set : NULL,
			   &cc)) != 0) {
		ks_err("C&C detector: %s", r == KS_ENOMEM ? "out of memory" : "bad parameters");
		r = KS_EXIT_FAIL;
		goto out;
	}
	r = ks_cmd_flow_scan(st, lo, hi, NULL, ks_cc_add_fn, cc);
	struct ks_cc_result res;
	memset(&res, 0, sizeof res);
	if (r == 0 && ks_cc_finish(cc, &res) != 0) {
		ks_err("out of memory");
		r = KS_EXIT_FAIL;
	}
	if (r == 0) {
		if (ks_g.format == KS_FMT_JSON)
			ks_cmd_json(ks_cc_result_json(&res));
		else if (ks_g.format == KS_FMT_CSV)
			ks_cc_result_csv(stdout, &res);
		else
			ks_cc_result_text(stdout, &res, hosts);
		if (save) {
			struct ks_cc_entry *v = ks_xcalloc(res.n ? res.n : 1, sizeof *v);
			int64_t now = (int64_t)time(NULL);
			for (size_t i = 0; i < res.n; i++)
				ks_cc_entry_from_cand(&v[i], &res.v[i], op, now);
			if (ks_store_begin(st) != 0 || ks_store_cc_delete_reporter(st, op, NULL) != 0 ||
			    ks_store_cc_put(st, v, res.n) != 0 || ks_store_commit(st) != 0) {
				ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
				ks_store_rollback(st);
				r = KS_EXIT_FAIL;
			} else {
				ks_info("%zu candidates saved to the C&C list as operator '%s'", res.n, op);
			}
			free(v);
		}
	}
	ks_cc_result_release(&res);
	ks_cc_free(cc);
out:
	free(inf.v);
	ks_store_close(st);
out_sets:
	if (have_in)
		ks_pset_release(&in_set);
	if (have_allow)
		ks_pset_release(&allow_set);
	return r;
}
