/* SPDX-License-Identifier: BSD-2-Clause */
/* Darknet report model and renderings; see darknet_report.h and the
 * report section of docs/formats.md. */
#include "darknet_report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_time.h"

/* Maps in the report grow with the data; their only cap is memory. */
#define NOCAP UINT32_MAX

void ks_dn_report_init(struct ks_dn_report *r, uint32_t scan_threshold)
{
	memset(r, 0, sizeof *r);
	r->scan_threshold = scan_threshold;
}

void ks_dn_report_release(struct ks_dn_report *r)
{
	ks_u32map_release(&r->port_packets);
	ks_u32map_release(&r->port_sources);
	ks_u32map_release(&r->cc_sources);
	ks_u32map_release(&r->cc_packets);
	ks_u32map_release(&r->asn_sources);
	ks_u32map_release(&r->asn_packets);
	for (size_t i = 0; i < r->nasn_org; i++)
		free(r->asn_org[i]);
	free(r->asn_org);
	free(r->asn_org_key);
}

static uint32_t cc_key(const char *cc)
{
	if (!cc[0])
		return (uint32_t)'-' << 8 | '-';
	return (uint32_t)(uint8_t)cc[0] << 8 | (uint8_t)cc[1];
}

static void note_asn_org(struct ks_dn_report *r, uint32_t asn, const char *org)
{
	for (size_t i = 0; i < r->nasn_org; i++)
		if (r->asn_org_key[i] == asn)
			return;
	if (r->nasn_org == r->asn_org_cap) {
		r->asn_org_cap = r->asn_org_cap ? r->asn_org_cap * 2 : 64;
		r->asn_org = ks_xreallocarray(r->asn_org, r->asn_org_cap, sizeof *r->asn_org);
		r->asn_org_key = ks_xreallocarray(r->asn_org_key, r->asn_org_cap, sizeof *r->asn_org_key);
	}
	r->asn_org_key[r->nasn_org] = asn;
	r->asn_org[r->nasn_org++] = ks_xstrdup(org);
}

static const char *asn_org(const struct ks_dn_report *r, uint32_t asn)
{
	for (size_t i = 0; i < r->nasn_org; i++)
		if (r->asn_org_key[i] == asn)
			return r->asn_org[i];
	return "";
}

int ks_dn_report_source(void *ctx, const struct ks_dn_source *s)
{
	struct ks_dn_report *r = ctx;
	if (r->sources == 0 || s->first_us < r->first_us)
		r->first_us = s->first_us;
	if (r->sources == 0 || s->last_us > r->last_us)
		r->last_us = s->last_us;
	r->sources++;
	for (int c = 0; c < KS_DN__NCLASS; c++)
		r->cls[c] += s->cls[c];
	r->packets += s->packets;
	r->scanners += ks_dn_is_scanner(s, r->scan_threshold);
	r->victims += ks_dn_is_victim(s);
	for (int t = 0; t < KS_TAG__N; t++)
		r->tags[t] += (s->tags >> t) & 1;
	for (size_t i = 0; i < s->nports; i++)
		ks_u32map_add(&r->port_sources, s->ports[i].k, 1, NOCAP);
	ks_u32map_add(&r->cc_sources, cc_key(s->country), 1, NOCAP);
	ks_u32map_add(&r->cc_packets, cc_key(s->country), s->packets, NOCAP);
	ks_u32map_add(&r->asn_sources, s->asn + 1, 1, NOCAP);
	ks_u32map_add(&r->asn_packets, s->asn + 1, s->packets, NOCAP);
	if (s->asn && s->as_org && r->nasn_org < 100000)
		note_asn_org(r, s->asn, s->as_org);
	return 0;
}

int ks_dn_report_port(void *ctx, uint8_t proto, uint16_t port, uint64_t packets)
{
	struct ks_dn_report *r = ctx;
	ks_u32map_add(&r->port_packets, (uint32_t)proto << 16 | port, packets, NOCAP);
	return 0;
}

int ks_dn_report_dest(void *ctx, const struct ks_addr *a, const uint64_t cls[KS_DN__NCLASS])
{
	struct ks_dn_report *r = ctx;
	if (r->ntop_addr == KS_DN_TOP)
		return 0;
	uint64_t n = 0;
	for (int c = 0; c < KS_DN__NCLASS; c++)
		n += cls[c];
	r->top_addr[r->ntop_addr].addr = *a;
	r->top_addr[r->ntop_addr++].packets = n;
	return 0;
}

/* A row of a ranked table: key, packets, sources. */
struct rank {
	uint32_t k;
	uint64_t packets, sources;
};

static uint64_t map_get(const struct ks_u32map *m, const struct ks_kv *sorted, size_t n, uint32_t k)
{
	(void)m;
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sorted[mid].k < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && sorted[lo].k == k ? sorted[lo].v : 0;
}

static const char *proto_name(uint32_t proto)
{
	return proto == 6 ? "tcp" : proto == 17 ? "udp" : "ip";
}

static int by_packets(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	if (x->sources != y->sources)
		return x->sources > y->sources ? -1 : 1;
	/* proto then port = key order */
	return (x->k > y->k) - (x->k < y->k);
}

static int by_sources(const void *a, const void *b)
{
	const struct rank *x = a, *y = b;
	if (x->sources != y->sources)
		return x->sources > y->sources ? -1 : 1;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return (x->k > y->k) - (x->k < y->k);
}

/* Joins two maps over the keys of `keys` into a rank array (caller frees). */
static struct rank *ranks(const struct ks_u32map *keys, const struct ks_u32map *pk,
			  const struct ks_u32map *sr, size_t *n, int (*cmp)(const void *, const void *))
{
	size_t nk = keys->n, np = pk->n, ns = sr->n;
	struct ks_kv *kk = ks_xreallocarray(NULL, nk + 1, sizeof *kk);
	struct ks_kv *pp = ks_xreallocarray(NULL, np + 1, sizeof *pp);
	struct ks_kv *ss = ks_xreallocarray(NULL, ns + 1, sizeof *ss);
	ks_u32map_sorted(keys, kk);
	ks_u32map_sorted(pk, pp);
	ks_u32map_sorted(sr, ss);
	struct rank *out = ks_xreallocarray(NULL, nk + 1, sizeof *out);
	for (size_t i = 0; i < nk; i++) {
		out[i].k = kk[i].k;
		out[i].packets = map_get(pk, pp, np, kk[i].k);
		out[i].sources = map_get(sr, ss, ns, kk[i].k);
	}
	qsort(out, nk, sizeof *out, cmp);
	free(kk);
	free(pp);
	free(ss);
	*n = nk;
	return out;
}

static double period_seconds(const struct ks_dn_report *r)
{
	return r->sources ? (double)(r->last_us - r->first_us) / 1e6 : 0.0;
}

static double ppapy(const struct ks_dn_report *r)
{
	double secs = period_seconds(r);
	if (secs <= 0 || r->darknet_addresses == 0)
		return 0.0;
	return (double)r->counters[KS_DNC_DARKNET_V4] / (double)r->darknet_addresses *
	       (365.25 * 86400.0 / secs);
}

static json_t *port_array(const struct rank *v, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n && i < KS_DN_TOP; i++)
		json_array_append_new(a, json_pack("{s:s, s:i, s:I, s:I}", "proto", proto_name(v[i].k >> 16),
						   "port", (int)(v[i].k & 0xffff), "packets",
						   (json_int_t)v[i].packets, "sources",
						   (json_int_t)v[i].sources));
	return a;
}

json_t *ks_dn_report_json(const struct ks_dn_report *r)
{
	char a[32], b[32];
	json_t *o = json_object();
	json_object_set_new(o, "period",
			    json_pack("{s:s?, s:s?, s:f, s:f, s:f}", "first",
				      r->sources ? ks_time_iso(r->first_us, a, sizeof a) : NULL, "last",
				      r->sources ? ks_time_iso(r->last_us, b, sizeof b) : NULL,
				      "first_epoch", (double)r->first_us / 1e6, "last_epoch",
				      (double)r->last_us / 1e6, "seconds", period_seconds(r)));
	json_object_set_new(o, "darknet_addresses", json_integer((json_int_t)r->darknet_addresses));
	json_object_set_new(o, "packets", json_integer((json_int_t)r->packets));
	json_object_set_new(o, "malformed", json_integer((json_int_t)r->counters[KS_DNC_MALFORMED]));
	json_object_set_new(o, "outside", json_integer((json_int_t)r->counters[KS_DNC_OUTSIDE]));
	json_object_set_new(o, "non_ip", json_integer((json_int_t)r->counters[KS_DNC_NON_IP]));
	json_t *cl = json_object();
	for (int c = 0; c < KS_DN__NCLASS; c++)
		json_object_set_new(cl, ks_dn_class_name(c), json_integer((json_int_t)r->cls[c]));
	json_object_set_new(o, "classes", cl);
	json_object_set_new(o, "packets_per_address_per_year", json_real(ppapy(r)));
	json_object_set_new(o, "sources", json_integer((json_int_t)r->sources));
	json_object_set_new(o, "scanners", json_integer((json_int_t)r->scanners));
	json_object_set_new(o, "victims", json_integer((json_int_t)r->victims));
	json_t *tg = json_object();
	for (int t = 0; t < KS_TAG__N; t++)
		json_object_set_new(tg, ks_dn_tag_name(t), json_integer((json_int_t)r->tags[t]));
	json_object_set_new(o, "tags", tg);

	size_t n;
	struct rank *v = ranks(&r->port_packets, &r->port_packets, &r->port_sources, &n, by_packets);
	json_object_set_new(o, "top_ports", port_array(v, n));
	qsort(v, n, sizeof *v, by_sources);
	json_object_set_new(o, "top_ports_by_sources", port_array(v, n));
	free(v);

	v = ranks(&r->cc_sources, &r->cc_packets, &r->cc_sources, &n, by_sources);
	json_t *arr = json_array();
	for (size_t i = 0; i < n && i < KS_DN_TOP; i++) {
		char cc[3] = {(char)(v[i].k >> 8), (char)v[i].k, 0};
		json_array_append_new(arr, json_pack("{s:s, s:I, s:I}", "country", cc, "sources",
						     (json_int_t)v[i].sources, "packets",
						     (json_int_t)v[i].packets));
	}
	json_object_set_new(o, "top_countries", arr);
	free(v);

	v = ranks(&r->asn_sources, &r->asn_packets, &r->asn_sources, &n, by_sources);
	arr = json_array();
	for (size_t i = 0; i < n && i < KS_DN_TOP; i++)
		json_array_append_new(arr, json_pack("{s:I, s:s, s:I, s:I}", "asn",
						     (json_int_t)(v[i].k - 1), "org", asn_org(r, v[i].k - 1),
						     "sources", (json_int_t)v[i].sources, "packets",
						     (json_int_t)v[i].packets));
	json_object_set_new(o, "top_asns", arr);
	free(v);
	json_object_set_new(o, "darknet_addresses_hit", json_integer((json_int_t)r->addresses_hit));
	arr = json_array();
	for (size_t i = 0; i < r->ntop_addr; i++) {
		char ab[KS_ADDR_STRLEN];
		json_array_append_new(arr, json_pack("{s:s, s:I}", "address", ks_addr_format(&r->top_addr[i].addr, ab),
						     "packets", (json_int_t)r->top_addr[i].packets));
	}
	json_object_set_new(o, "top_darknet_addresses", arr);
	json_object_set_new(o, "scan_threshold", json_integer(r->scan_threshold));
	json_object_set_new(o, "ingests", json_integer((json_int_t)r->ingests));
	return o;
}

void ks_dn_report_text(FILE *f, const struct ks_dn_report *r)
{
	char a[32], b[32];
	size_t n;
	double secs = period_seconds(r);
	fprintf(f, "Darknet report\n");
	if (r->sources)
		fprintf(f, "  period                 %s .. %s (%.1f hours)\n", ks_time_iso(r->first_us, a, sizeof a),
			ks_time_iso(r->last_us, b, sizeof b), secs / 3600.0);
	else
		fprintf(f, "  period                 (no darknet packets)\n");
	fprintf(f, "  darknet addresses      %" PRIu64 " IPv4, from %" PRIu64 " ingest(s)\n",
		r->darknet_addresses, r->ingests);
	fprintf(f, "  packets                %" PRIu64 " to the darknet, %" PRIu64 " malformed\n",
		r->packets, r->counters[KS_DNC_MALFORMED]);
	fprintf(f, "  packets/address/year   %.1f\n", ppapy(r));
	fprintf(f, "  addresses hit          %" PRIu64 " darknet addresses received packets\n", r->addresses_hit);
	fprintf(f, "  by class              ");
	for (int c = 0; c < KS_DN__NCLASS; c++)
		fprintf(f, " %s %" PRIu64, ks_dn_class_name(c), r->cls[c]);
	fprintf(f, "\n  sources                %" PRIu64 " (scanners %" PRIu64 " at >= %u addresses, "
		   "DDoS victims %" PRIu64 ")\n",
		r->sources, r->scanners, r->scan_threshold, r->victims);
	fprintf(f, "  tagged sources        ");
	for (int t = 0; t < KS_TAG__N; t++)
		fprintf(f, " %s %" PRIu64, ks_dn_tag_name(t), r->tags[t]);
	fputc('\n', f);

	struct rank *v = ranks(&r->port_packets, &r->port_packets, &r->port_sources, &n, by_packets);
	fprintf(f, "\nTop ports by packets (tcp_scan, udp)      Top ports by sources\n");
	struct rank *w = ks_xreallocarray(NULL, n + 1, sizeof *w);
	memcpy(w, v, n * sizeof *v);
	qsort(w, n, sizeof *w, by_sources);
	for (size_t i = 0; i < n && i < KS_DN_TOP; i++) {
		char l[64], rr[64];
		snprintf(l, sizeof l, "%5u/%s %12" PRIu64 " pkts %8" PRIu64 " src", v[i].k & 0xffff,
			 proto_name(v[i].k >> 16), v[i].packets, v[i].sources);
		snprintf(rr, sizeof rr, "%5u/%s %8" PRIu64 " src %12" PRIu64 " pkts", w[i].k & 0xffff,
			 proto_name(w[i].k >> 16), w[i].sources, w[i].packets);
		fprintf(f, "  %-40s %s\n", l, rr);
	}
	free(v);
	free(w);

	v = ranks(&r->cc_sources, &r->cc_packets, &r->cc_sources, &n, by_sources);
	fprintf(f, "\nTop countries                            Top ASNs\n");
	w = ranks(&r->asn_sources, &r->asn_packets, &r->asn_sources, &n, by_sources);
	size_t nc = r->cc_sources.n;
	for (size_t i = 0; i < KS_DN_TOP && (i < nc || i < n); i++) {
		char l[64] = "", rr[128] = "";
		if (i < nc)
			snprintf(l, sizeof l, "%c%c %8" PRIu64 " src %12" PRIu64 " pkts", (char)(v[i].k >> 8),
				 (char)v[i].k, v[i].sources, v[i].packets);
		if (i < n)
			snprintf(rr, sizeof rr, "AS%-8u %8" PRIu64 " src  %.40s", w[i].k - 1, w[i].sources,
				 w[i].k == 1 ? "(unknown)" : asn_org(r, w[i].k - 1));
		fprintf(f, "  %-40s %s\n", l, rr);
	}
	free(v);
	free(w);
	if (r->ntop_addr) {
		fprintf(f, "\nBusiest darknet addresses\n");
		for (size_t i = 0; i < r->ntop_addr; i++) {
			char ab[KS_ADDR_STRLEN];
			fprintf(f, "  %-39s %12" PRIu64 " pkts\n", ks_addr_format(&r->top_addr[i].addr, ab),
				r->top_addr[i].packets);
		}
	}
}

void ks_dn_report_csv(FILE *f, const struct ks_dn_report *r)
{
	json_t *j = ks_dn_report_json(r);
	fprintf(f, "kind,key,packets,sources,value\n");
	const char *keys[] = {"darknet_addresses", "darknet_addresses_hit", "packets", "malformed",
			      "outside", "non_ip", "sources", "scanners", "victims", "scan_threshold", "ingests"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		fprintf(f, "summary,%s,,,%" JSON_INTEGER_FORMAT "\n", keys[i],
			json_integer_value(json_object_get(j, keys[i])));
	fprintf(f, "summary,packets_per_address_per_year,,,%.6f\n",
		json_real_value(json_object_get(j, "packets_per_address_per_year")));
	json_t *p = json_object_get(j, "period");
	fprintf(f, "summary,period_first,,,%s\nsummary,period_last,,,%s\n",
		json_string_value(json_object_get(p, "first")) ? json_string_value(json_object_get(p, "first")) : "",
		json_string_value(json_object_get(p, "last")) ? json_string_value(json_object_get(p, "last")) : "");
	for (int c = 0; c < KS_DN__NCLASS; c++)
		fprintf(f, "class,%s,%" PRIu64 ",,\n", ks_dn_class_name(c), r->cls[c]);
	for (int t = 0; t < KS_TAG__N; t++)
		fprintf(f, "tag,%s,,%" PRIu64 ",\n", ks_dn_tag_name(t), r->tags[t]);
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(j, "top_ports"), i, e)
		fprintf(f, "port,%" JSON_INTEGER_FORMAT "/%s,%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT ",\n",
			json_integer_value(json_object_get(e, "port")), json_string_value(json_object_get(e, "proto")),
			json_integer_value(json_object_get(e, "packets")), json_integer_value(json_object_get(e, "sources")));
	json_array_foreach(json_object_get(j, "top_countries"), i, e)
		fprintf(f, "country,%s,%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT ",\n",
			json_string_value(json_object_get(e, "country")), json_integer_value(json_object_get(e, "packets")),
			json_integer_value(json_object_get(e, "sources")));
	json_array_foreach(json_object_get(j, "top_asns"), i, e) {
		fprintf(f, "asn,%" JSON_INTEGER_FORMAT " ", json_integer_value(json_object_get(e, "asn")));
		ks_csv_put(f, json_string_value(json_object_get(e, "org")));
		fprintf(f, ",%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT ",\n",
			json_integer_value(json_object_get(e, "packets")), json_integer_value(json_object_get(e, "sources")));
	}
	json_decref(j);
}

const char *ks_dn_tags_str(unsigned tags, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (int t = 0; t < KS_TAG__N; t++)
		if (tags & (1u << t))
			o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "," : "", ks_dn_tag_name(t));
	return buf;
}

/* Indices of the n busiest ports, busiest first (ties: lower key first). */
static size_t top_ports(const struct ks_dn_source *s, size_t n, size_t *idx)
{
	size_t k = 0;
	for (size_t i = 0; i < s->nports; i++) {
		size_t j = k < n ? k++ : n;
		if (j == n) {
			if (s->ports[i].v <= s->ports[idx[n - 1]].v)
				continue;
			j = n - 1;
		}
		while (j > 0 && s->ports[idx[j - 1]].v < s->ports[i].v) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
	return k;
}

const char *ks_dn_source_ports(const struct ks_dn_source *s, size_t n, char *buf, size_t len)
{
	size_t idx[32], o = 0;
	if (n > 32)
		n = 32;
	size_t k = top_ports(s, n, idx);
	buf[0] = '\0';
	for (size_t i = 0; i < k; i++)
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%u/%s", i ? "," : "",
				      s->ports[idx[i]].k & 0xffff, proto_name(s->ports[idx[i]].k >> 16));
	return buf;
}

json_t *ks_dn_source_json(const struct ks_dn_source *s, uint32_t threshold)
{
	char a[KS_ADDR_STRLEN], t1[32], t2[32];
	json_t *o = json_object();
	json_object_set_new(o, "address", json_string(ks_addr_format(&s->addr, a)));
	json_object_set_new(o, "first_seen", json_string(ks_time_iso(s->first_us, t1, sizeof t1)));
	json_object_set_new(o, "last_seen", json_string(ks_time_iso(s->last_us, t2, sizeof t2)));
	json_object_set_new(o, "packets", json_integer((json_int_t)s->packets));
	json_t *cl = json_object();
	for (int c = 0; c < KS_DN__NCLASS; c++)
		json_object_set_new(cl, ks_dn_class_name(c), json_integer((json_int_t)s->cls[c]));
	json_object_set_new(o, "classes", cl);
	size_t idx[KS_DN_TOP];
	size_t k = top_ports(s, KS_DN_TOP, idx);
	json_t *ports = json_array(), *pc = json_array();
	for (size_t i = 0; i < k; i++) {
		char p[16];
		snprintf(p, sizeof p, "%u/%s", s->ports[idx[i]].k & 0xffff, proto_name(s->ports[idx[i]].k >> 16));
		json_array_append_new(ports, json_string(p));
		json_array_append_new(pc, json_pack("{s:s, s:i, s:I}", "proto", proto_name(s->ports[idx[i]].k >> 16),
						    "port", (int)(s->ports[idx[i]].k & 0xffff), "packets",
						    (json_int_t)s->ports[idx[i]].v));
	}
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "top_ports", pc);
	json_object_set_new(o, "distinct_ports", json_integer((json_int_t)s->nports));
	json_object_set_new(o, "dests", json_integer((json_int_t)s->dests));
	json_object_set_new(o, "dests_lower_bound", json_boolean(s->dests_saturated));
	json_t *tags = json_array();
	for (int t = 0; t < KS_TAG__N; t++)
		if (s->tags & (1u << t))
			json_array_append_new(tags, json_string(ks_dn_tag_name(t)));
	json_object_set_new(o, "tags", tags);
	json_object_set_new(o, "scanner", json_boolean(ks_dn_is_scanner(s, threshold)));
	json_object_set_new(o, "victim", json_boolean(ks_dn_is_victim(s)));
	json_object_set_new(o, "country", s->country[0] ? json_string(s->country) : json_null());
	json_object_set_new(o, "asn", s->asn ? json_integer(s->asn) : json_null());
	json_object_set_new(o, "as_org", s->as_org ? json_string(s->as_org) : json_null());
	return o;
}

static const char *const source_cols[] = {
	"address", "first_seen", "last_seen", "packets", "tcp_scan", "backscatter", "icmp_scan",
	"udp", "other", "dests", "distinct_ports", "top_ports", "tags", "scanner", "victim",
	"country", "asn", "as_org",
};

void ks_dn_source_csv_header(FILE *f, const char *const *extra, size_t nextra)
{
	const char *cols[64];
	size_t n = 0;
	for (size_t i = 0; i < nextra; i++)
		cols[n++] = extra[i];
	for (size_t i = 0; i < sizeof source_cols / sizeof source_cols[0]; i++)
		cols[n++] = source_cols[i];
	ks_csv_row(f, cols, n);
}

void ks_dn_source_csv_row(FILE *f, const struct ks_dn_source *s, uint32_t threshold,
			  const char *const *extra, size_t nextra)
{
	char a[KS_ADDR_STRLEN], t1[32], t2[32], num[KS_DN__NCLASS + 4][24], ports[256], tags[64],
		asn[16];
	const char *cols[64];
	size_t n = 0;
	for (size_t i = 0; i < nextra; i++)
		cols[n++] = extra[i];
	cols[n++] = ks_addr_format(&s->addr, a);
	cols[n++] = ks_time_iso(s->first_us, t1, sizeof t1);
	cols[n++] = ks_time_iso(s->last_us, t2, sizeof t2);
	snprintf(num[0], sizeof num[0], "%" PRIu64, s->packets);
	cols[n++] = num[0];
	for (int c = 0; c < KS_DN__NCLASS; c++) {
		snprintf(num[1 + c], sizeof num[0], "%" PRIu64, s->cls[c]);
		cols[n++] = num[1 + c];
	}
	snprintf(num[6], sizeof num[0], "%" PRIu64, s->dests);
	cols[n++] = num[6];
	snprintf(num[7], sizeof num[0], "%zu", s->nports);
	cols[n++] = num[7];
	cols[n++] = ks_dn_source_ports(s, KS_DN_TOP, ports, sizeof ports);
	cols[n++] = ks_dn_tags_str(s->tags, tags, sizeof tags);
	cols[n++] = ks_dn_is_scanner(s, threshold) ? "yes" : "no";
	cols[n++] = ks_dn_is_victim(s) ? "yes" : "no";
	cols[n++] = s->country;
	snprintf(asn, sizeof asn, "%u", s->asn);
	cols[n++] = s->asn ? asn : "";
	cols[n++] = s->as_org ? s->as_org : "";
	ks_csv_row(f, cols, n);
}

void ks_dn_source_text_header(FILE *f)
{
	fprintf(f, "%-39s %10s %7s %6s %-27s %-16s %-2s %s\n", "address", "packets", "dests", "ports",
		"top ports", "tags", "cc", "classes");
}

void ks_dn_source_text_row(FILE *f, const struct ks_dn_source *s, uint32_t threshold)
{
	char a[KS_ADDR_STRLEN], ports[64], tags[64], cls[160];
	size_t q = 0;
	cls[0] = '\0';
	for (int c = 0; c < KS_DN__NCLASS; c++)
		if (s->cls[c])
			q += (size_t)snprintf(cls + q, q < sizeof cls ? sizeof cls - q : 0, "%s%s=%" PRIu64,
					      q ? " " : "", ks_dn_class_name(c), s->cls[c]);
	ks_dn_tags_str(s->tags, tags, sizeof tags);
	if (ks_dn_is_scanner(s, threshold))
		snprintf(tags + strlen(tags), sizeof tags - strlen(tags), "%sscanner", tags[0] ? "," : "");
	fprintf(f, "%-39s %10" PRIu64 " %7" PRIu64 "%s %6zu %-27s %-16s %-2s %s\n", ks_addr_format(&s->addr, a),
		s->packets, s->dests, s->dests_saturated ? "+" : "", s->nports,
		ks_dn_source_ports(s, 3, ports, sizeof ports), tags[0] ? tags : "-",
		s->country[0] ? s->country : "--", cls);
}
