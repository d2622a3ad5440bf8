/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku flow decode: prints every record of NetFlow v5 / v9 / IPFIX export
 * datagrams, as raw fields named after the IANA IPFIX registry or as the
 * normalised flows the collector stores (--flows). Input files are single
 * datagrams (.dat: one UDP payload) or pcap/pcapng captures of export
 * packets. All files of one invocation share one decoder, in command-line
 * order, so templates from an earlier file apply to later ones. Output
 * format: docs/netflow.md ("flow decode"). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "cmd.h"
#include "decode.h"
#include "ks_addr.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "nf_decode.h"

struct dctx {
	const char *file;
	uint64_t datagram;
	int json, flows;
	FILE *out;
};

/* JSON string; bytes that are not valid UTF-8 become \u00XX, one per byte. */
static void put_str(FILE *f, const uint8_t *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		size_t k = 0;
		if (c >= 0xc2 && c <= 0xdf)
			k = 1;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3;
		int ok = 0;
		if (c >= 0x80 && k > 0) {
			ok = 1;
			for (size_t j = 1; j <= k; j++)
				if (i + j >= n || (p[i + j] & 0xc0) != 0x80)
					ok = 0;
			/* no overlong 3/4-byte forms, surrogates or code points above U+10FFFF */
			if (ok && c == 0xe0 && p[i + 1] < 0xa0)
				ok = 0;
			if (ok && c == 0xed && p[i + 1] > 0x9f)
				ok = 0;
			if (ok && c == 0xf0 && p[i + 1] < 0x90)
				ok = 0;
			if (ok && c == 0xf4 && p[i + 1] > 0x8f)
				ok = 0;
		}
		if (c >= 0x80 && !ok) {
			fprintf(f, "\\u%04x", c);
			i++;
		} else if (c >= 0x80) {
			fwrite(p + i, 1, k + 1, f);
			i += k + 1;
		} else {
			if (c == '"' || c == '\\')
				fprintf(f, "\\%c", c);
			else if (c == '\n')
				fputs("\\n", f);
			else if (c == '\r')
				fputs("\\r", f);
			else if (c == '\t')
				fputs("\\t", f);
			else if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
			i++;
		}
	}
	fputc('"', f);
}

static void put_cstr(FILE *f, const char *s) { put_str(f, (const uint8_t *)s, strlen(s)); }

static void put_hex(FILE *f, const uint8_t *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
	fputc('"', f);
}

static uint64_t be_uint(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_ntp(FILE *f, uint64_t v)
{
	/* seconds since 1900 as on the wire, fraction to 9 digits */
	uint64_t ns = ((v & 0xffffffffu) * 1000000000u) >> 32;
	fprintf(f, "%" PRIu64 ".%09" PRIu64, v >> 32, ns);
}

static void put_value(FILE *f, enum ks_nf_type t, const uint8_t *p, size_t n)
{
	char buf[KS_ADDR_STRLEN];
	struct ks_addr a;
	switch (t) {
	case KS_NF_T_UNSIGNED:
	case KS_NF_T_SECONDS:
	case KS_NF_T_MILLISECONDS:
		if (n <= 8)
			fprintf(f, "%" PRIu64, be_uint(p, n));
		else
			put_hex(f, p, n);
		return;
	case KS_NF_T_SIGNED:
		if (n == 0) {
			fputc('0', f);
		} else if (n <= 8) {
			uint64_t v = be_uint(p, n);
			if (n < 8 && (v >> (8 * n - 1) & 1))
				v |= ~0ull << (8 * n);
			fprintf(f, "%" PRId64, (int64_t)v);
		} else {
			put_hex(f, p, n);
		}
		return;
	case KS_NF_T_FLOAT:
		if (n == 4 || n == 8) {
			double d;
			if (n == 4) {
				uint32_t u = (uint32_t)be_uint(p, 4);
				float fl;
				memcpy(&fl, &u, 4);
				d = fl;
			} else {
				uint64_t u = be_uint(p, 8);
				memcpy(&d, &u, 8);
			}
			if (d != d || d > 1.7976931348623157e308 || d < -1.7976931348623157e308)
				fputs("null", f);
			else
				fprintf(f, "%.17g", d);
		} else {
			put_hex(f, p, n);
		}
		return;
	case KS_NF_T_BOOL:
		if (n == 1)
			fputs(p[0] == 1 ? "true" : "false", f);
		else
			put_hex(f, p, n);
		return;
	case KS_NF_T_MAC:
		if (n == 6)
			fprintf(f, "\"%02x:%02x:%02x:%02x:%02x:%02x\"", p[0], p[1], p[2], p[3], p[4], p[5]);
		else
			put_hex(f, p, n);
		return;
	case KS_NF_T_STRING:
		/* Fixed-length string fields are padded with NUL bytes: not text. */
		while (n > 0 && p[n - 1] == 0)
			n--;
		put_str(f, p, n);
		return;
	case KS_NF_T_MICROSECONDS:
	case KS_NF_T_NANOSECONDS:
		if (n == 8)
			put_ntp(f, be_uint(p, 8));
		else
			put_hex(f, p, n);
		return;
	case KS_NF_T_IPV4:
		if (n == 4) {
			ks_addr_from_v4(&a, (uint32_t)be_uint(p, 4));
			fprintf(f, "\"%s\"", ks_addr_format(&a, buf));
		} else {
			put_hex(f, p, n);
		}
		return;
	case KS_NF_T_IPV6:
		if (n == 16) {
			memcpy(a.b, p, 16);
			/* an IPv4-mapped IPv6 element is still shown in IPv6 form */
			if (ks_addr_is_v4(&a))
				fprintf(f, "\"::ffff:%s\"", ks_addr_format(&a, buf));
			else
				fprintf(f, "\"%s\"", ks_addr_format(&a, buf));
		} else {
			put_hex(f, p, n);
		}
		return;
	case KS_NF_T_OCTETS:
	default:
		put_hex(f, p, n);
		return;
	}
}

static const char *kind_name(enum ks_nf_kind k)
{
	switch (k) {
	case KS_NF_DATA: return "data";
	case KS_NF_OPTIONS_DATA: return "options_data";
	case KS_NF_TEMPLATE: return "template";
	case KS_NF_OPTIONS_TEMPLATE: return "options_template";
	case KS_NF_WITHDRAWAL: return "withdrawal";
	}
	return "?";
}

/* Name of field i of r: IANA name, v9 scope name, "ie<id>" or "e<pen>.<id>". */
static const char *field_name(const struct ks_nf_rec *r, size_t i, char *buf, size_t n)
{
	static const char *const v9_scope[] = {NULL, "scopeSystem", "scopeInterface", "scopeLineCard",
					       "scopeCache", "scopeTemplate"};
	const struct ks_nf_field *fl = &r->fields[i];
	if (r->version == 9 && i < r->scope_fields && fl->id >= 1 && fl->id <= 5)
		return v9_scope[fl->id];
	if (fl->pen) {
		snprintf(buf, n, "e%" PRIu32 ".%u", fl->pen, fl->id);
		return buf;
	}
	const char *s = ks_nf_ie_name(fl->id);
	if (s)
		return s;
	snprintf(buf, n, "ie%u", fl->id);
	return buf;
}

static void put_header(FILE *f, const struct ks_nf_hdr *h)
{
	if (h->version == 5)
		fprintf(f, "{\"version\":5,\"count\":%u,\"sys_uptime\":%" PRIu32 ",\"unix_secs\":%" PRIu32
			   ",\"unix_nsecs\":%" PRIu32 ",\"flow_sequence\":%" PRIu32
			   ",\"engine_type\":%u,\"engine_id\":%u,\"sampling_interval\":%u}",
			h->count, h->sys_uptime, h->unix_secs, h->unix_nsecs, h->sequence, h->engine_type,
			h->engine_id, h->sampling);
	else if (h->version == 9)
		fprintf(f, "{\"version\":9,\"count\":%u,\"sys_uptime\":%" PRIu32 ",\"unix_secs\":%" PRIu32
			   ",\"sequence\":%" PRIu32 ",\"source_id\":%" PRIu32 "}",
			h->count, h->sys_uptime, h->unix_secs, h->sequence, h->domain);
	else
		fprintf(f, "{\"version\":10,\"length\":%u,\"export_time\":%" PRIu32 ",\"sequence\":%" PRIu32
			   ",\"domain\":%" PRIu32 "}",
			h->length, h->unix_secs, h->sequence, h->domain);
}

static void rec_json(struct dctx *d, const struct ks_nf_rec *r)
{
	FILE *f = d->out;
	fputs("{\"file\":", f);
	put_cstr(f, d->file);
	fprintf(f, ",\"datagram\":%" PRIu64 ",\"offset\":%zu,\"version\":%d,\"domain\":%" PRIu32
		   ",\"set_id\":%u,\"kind\":\"%s\",\"header\":",
		d->datagram, r->offset, r->version, r->domain, r->set_id, kind_name(r->kind));
	put_header(f, r->hdr);
	char buf[32], prev[32];
	if (r->kind == KS_NF_TEMPLATE || r->kind == KS_NF_OPTIONS_TEMPLATE || r->kind == KS_NF_WITHDRAWAL) {
		fprintf(f, ",\"template_id\":%u", r->template_id);
		if (r->kind == KS_NF_OPTIONS_TEMPLATE)
			fprintf(f, ",\"scope_fields\":%u", r->scope_fields);
		fputs(",\"fields\":[", f);
		for (size_t i = 0; i < r->nfields; i++) {
			const struct ks_nf_field *fl = &r->fields[i];
			fprintf(f, "%s{\"id\":%u,\"pen\":%" PRIu32 ",\"length\":%u,\"name\":", i ? "," : "",
				fl->id, fl->pen, fl->len);
			put_cstr(f, field_name(r, i, buf, sizeof buf));
			fputc('}', f);
		}
		fputs("]}\n", f);
		return;
	}
	if (r->kind == KS_NF_OPTIONS_DATA)
		fprintf(f, ",\"template_id\":%u,\"scope_fields\":%u", r->template_id, r->scope_fields);
	fputs(",\"fields\":{", f);
	for (size_t i = 0; i < r->nfields; i++) {
		const struct ks_nf_field *fl = &r->fields[i];
		const char *name = field_name(r, i, buf, sizeof buf);
		/* A name repeated in one record gets "#2", "#3"... so keys stay unique. */
		unsigned dup = 1;
		for (size_t j = 0; j < i; j++)
			if (strcmp(field_name(r, j, prev, sizeof prev), name) == 0)
				dup++;
		if (i)
			fputc(',', f);
		if (dup > 1) {
			char key[48];
			snprintf(key, sizeof key, "%s#%u", name, dup);
			put_cstr(f, key);
		} else {
			put_cstr(f, name);
		}
		fputc(':', f);
		enum ks_nf_type t = fl->pen ? KS_NF_T_OCTETS : ks_nf_ie_type(fl->id);
		if (r->version == 9 && i < r->scope_fields)
			t = fl->len <= 8 ? KS_NF_T_UNSIGNED : KS_NF_T_OCTETS;
		put_value(f, t, fl->val, fl->len);
	}
	fputs("}}\n", f);
}

static void rec_text(struct dctx *d, const struct ks_nf_rec *r)
{
	FILE *f = d->out;
	char buf[32];
	fprintf(f, "%s #%" PRIu64 " @%zu v%d domain %" PRIu32 " set %u %s", d->file, d->datagram,
		r->offset, r->version, r->domain, r->set_id, kind_name(r->kind));
	if (r->kind == KS_NF_TEMPLATE || r->kind == KS_NF_OPTIONS_TEMPLATE || r->kind == KS_NF_WITHDRAWAL)
		fprintf(f, " %u", r->template_id);
	fputc(':', f);
	for (size_t i = 0; i < r->nfields; i++) {
		const struct ks_nf_field *fl = &r->fields[i];
		fprintf(f, " %s", field_name(r, i, buf, sizeof buf));
		if (!fl->val) {
			fprintf(f, "(%u)", fl->len);
			continue;
		}
		fputc('=', f);
		enum ks_nf_type t = fl->pen ? KS_NF_T_OCTETS : ks_nf_ie_type(fl->id);
		if (r->version == 9 && i < r->scope_fields)
			t = fl->len <= 8 ? KS_NF_T_UNSIGNED : KS_NF_T_OCTETS;
		put_value(f, t, fl->val, fl->len);
	}
	fputc('\n', f);
}

static void on_record(void *ctx, const struct ks_nf_rec *r)
{
	struct dctx *d = ctx;
	if (d->json)
		rec_json(d, r);
	else
		rec_text(d, r);
}

static int on_flow(void *ctx, const struct ks_flow *fl)
{
	struct dctx *d = ctx;
	char s[KS_ADDR_STRLEN], t[KS_ADDR_STRLEN];
	ks_addr_format(&fl->src, s);
	ks_addr_format(&fl->dst, t);
	if (d->json) {
		fputs("{\"file\":", d->out);
		put_cstr(d->out, d->file);
		fprintf(d->out,
			",\"datagram\":%" PRIu64 ",\"src\":\"%s\",\"dst\":\"%s\",\"sport\":%u,\"dport\":%u,"
			"\"proto\":%u,\"tcp_flags\":%u,\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"first_ms\":%" PRId64 ",\"last_ms\":%" PRId64 ",\"sampling\":%" PRIu32 "}\n",
			d->datagram, s, t, fl->sport, fl->dport, fl->proto, fl->tcp_flags, fl->packets,
			fl->bytes, fl->first_ms, fl->last_ms, fl->sampling);
	} else {
		fprintf(d->out,
			"%s #%" PRIu64 " %s:%u -> %s:%u proto %u flags 0x%02x packets %" PRIu64
			" bytes %" PRIu64 " first %" PRId64 " last %" PRId64 " sampling %" PRIu32 "\n",
			d->file, d->datagram, s, fl->sport, t, fl->dport, fl->proto, fl->tcp_flags,
			fl->packets, fl->bytes, fl->first_ms, fl->last_ms, fl->sampling);
	}
	return 0;
}

/* Decodes one datagram; 1 if it was malformed (error record printed). */
static int one(struct ks_nf *nf, struct dctx *d, const struct ks_addr *a, uint16_t port,
	       int64_t now_ms, const uint8_t *p, size_t n)
{
	int r = ks_nf_datagram(nf, a, port, now_ms, p, n, d->flows ? on_flow : NULL, d);
	size_t off;
	const char *what;
	int bad = r < 0 && ks_nf_last_error(nf, &off, &what) == 0;
	if (bad && !d->flows) {
		if (d->json) {
			fputs("{\"file\":", d->out);
			put_cstr(d->out, d->file);
			fprintf(d->out, ",\"datagram\":%" PRIu64 ",\"kind\":\"error\",\"offset\":%zu,\"message\":",
				d->datagram, off);
			put_cstr(d->out, what);
			fputs("}\n", d->out);
		} else {
			fprintf(d->out, "%s #%" PRIu64 " @%zu error: %s\n", d->file, d->datagram, off, what);
		}
	}
	if (r < 0 && !bad)
		ks_err("%s: datagram %" PRIu64 ": %s", d->file, d->datagram, ks_strerror(r));
	d->datagram++;
	return bad;
}

static int is_pcap(const uint8_t *p, size_t n)
{
	if (n < 4)
		return 0;
	uint32_t m = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d || m == 0x4d3cb2a1 ||
	       m == 0x0a0d0d0a;
}

/* Feeds the export datagrams of a capture: UDP payloads starting with
 * version 5, 9 or 10. Returns the number of malformed ones, or -1. */
static int from_pcap(struct ks_nf *nf, struct dctx *d, const char *path)
{
	char err[512];
	struct ks_capture *cap;
	if (ks_capture_open_file(path, &cap, err, sizeof err) != 0) {
		ks_err("%s", err);
		return -1;
	}
	int bad = 0, r;
	struct ks_frame fr;
	struct ks_decode_stats st;
	memset(&st, 0, sizeof(st));
	while ((r = ks_capture_next(cap, &fr)) >= 0) {
		if (r == 0)
			continue;
		struct ks_pkt pk;
		if (ks_decode(ks_capture_linktype(cap), fr.data, fr.caplen, fr.wirelen, &pk, &st) !=
			    KS_DECODE_OK ||
		    pk.proto != 17 || !pk.l4_ok || !pk.payload || pk.udp_len < 8)
			continue;
		size_t avail = (size_t)(fr.data + fr.caplen - pk.payload);
		size_t n = (size_t)pk.udp_len - 8 < avail ? (size_t)pk.udp_len - 8 : avail;
		if (n < 2 || pk.payload[0] != 0 ||
		    (pk.payload[1] != 5 && pk.payload[1] != 9 && pk.payload[1] != 10))
			continue;
		bad += one(nf, d, &pk.src, pk.sport, fr.ts_us / 1000, pk.payload, n);
	}
	if (r != KS_ENOENT) {
		ks_err("%s", ks_capture_error(cap));
		ks_capture_close(cap);
		return -1;
	}
	ks_capture_close(cap);
	return bad;
}

int cmd_flow_decode(int argc, char **argv)
{
	int flows = 0;
	const struct ks_opt opts[] = {
		{"flows", KS_OPT_FLAG, &flows, NULL, "print the normalised flow records instead of the raw records", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku flow decode [--format json|text] [--flows] FILE...",
		"Decodes NetFlow v5, v9 and IPFIX export datagrams and prints every record.",
		"A FILE is one export datagram (a UDP payload, e.g. a .dat file) or a pcap/pcapng capture\n"
		"of export packets (UDP payloads starting with version 5, 9 or 10). All files share one\n"
		"decoder in command-line order: templates from an earlier file apply to later ones.\n"
		"JSON output is one object per line (docs/netflow.md). Exit status 3 when a datagram\n"
		"was malformed (the others are still printed).",
		1, 1u << 30};
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	if (!args)
		return KS_EXIT_FAIL;
	int nargs, r = ks_cmd_parse(opts, &h, argc, argv, args, &nargs);
	if (r >= 0) {
		free(args);
		return r;
	}
	if (ks_g.format_given && ks_g.format != KS_FMT_JSON && ks_g.format != KS_FMT_TEXT) {
		ks_err("--format: flow decode writes json or text");
		free(args);
		return KS_EXIT_USAGE;
	}
	struct ks_nf *nf = ks_nf_new(NULL);
	if (!nf) {
		free(args);
		return KS_EXIT_FAIL;
	}
	struct dctx d = {.json = ks_g.format == KS_FMT_JSON, .flows = flows, .out = stdout};
	if (!flows)
		ks_nf_set_record_hook(nf, on_record, &d);
	struct ks_addr file_exporter;
	memset(&file_exporter, 0, sizeof(file_exporter));
	int bad = 0, fail = 0;
	for (int i = 0; i < nargs; i++) {
		d.file = args[i];
		d.datagram = 0;
		uint8_t magic[4];
		size_t got = 0;
		FILE *f = fopen(args[i], "rb");
		if (f) {
			got = fread(magic, 1, sizeof magic, f);
			fclose(f);
		}
		if (f && is_pcap(magic, got)) {
			int b = from_pcap(nf, &d, args[i]);
			if (b < 0)
				fail = 1;
			else
				bad += b;
			continue;
		}
		char *buf = NULL, err[512];
		size_t len = 0;
		if (ks_cmd_read_file(args[i], 1u << 20, &buf, &len, err, sizeof err) != 0) {
			ks_err("%s", err);
			fail = 1;
			continue;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
		bad += one(nf, &d, &file_exporter, 0, now, (const uint8_t *)buf, len);
		free(buf);
	}
	fflush(stdout);
	ks_nf_free(nf);
	free(args);
	return fail ? KS_EXIT_FAIL : bad ? KS_EXIT_DATA : KS_EXIT_OK;
}
