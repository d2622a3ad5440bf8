/* SPDX-License-Identifier: BSD-2-Clause */
/* SSDP M-SEARCH builder, HTTPU reply parser and UPnP description scanner
 * (see probe_ssdp.h). */
#include "probe_ssdp.h"

#include <stdio.h>
#include <string.h>

#include "probe_http.h"

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int ks_ssdp_msearch(char *buf, size_t cap, const char *host, const char *st, unsigned mx,
		    size_t *len)
{
	if (has_ctl(host) || has_ctl(st) || mx > 5)
		return KS_EINVAL;
	char mxh[24] = "";
	if (mx > 0)
		snprintf(mxh, sizeof mxh, "MX: %u\r\n", mx);
	int n = snprintf(buf, cap,
			 "M-SEARCH * HTTP/1.1\r\nHOST: %s\r\nMAN: \"ssdp:discover\"\r\n%sST: %s\r\n\r\n",
			 host, mxh, st);
	if (n < 0 || (size_t)n >= cap)
		return KS_ELIMIT;
	*len = (size_t)n;
	return 0;
}

int ks_ssdp_parse(const uint8_t *p, size_t n, struct ks_ssdp *out)
{
	memset(out, 0, sizeof *out);
	struct ks_rd r = ks_rd_make(p, n);
	const uint8_t *line;
	size_t len;
	if (n == 0)
		return ks_probe_failed(&out->fail, KS_ETRUNC, 0, "empty SSDP datagram");
	int rc = ks_probe_line(&r, 1024, &line, &len);
	if (rc != 0) {
		size_t k = n < 9 ? n : 9;
		bool maybe = memcmp(p, "HTTP/1.1 ", k) == 0 || memcmp(p, "NOTIFY * ", k) == 0;
		return ks_probe_failed(&out->fail, maybe ? KS_ETRUNC : KS_EINVAL, 0,
				       "expected 'HTTP/1.1 200' or 'NOTIFY *' line");
	}
	if (len >= 12 && (memcmp(line, "HTTP/1.1 ", 9) == 0 || memcmp(line, "HTTP/1.0 ", 9) == 0)) {
		if (ks_probe_status3(line + 9, len - 9, &out->status) != 0)
			return ks_probe_failed(&out->fail, KS_EINVAL, 9, "expected a 3-digit status");
	} else if (len >= 17 && memcmp(line, "NOTIFY * HTTP/1.", 16) == 0) {
		out->notify = true;
	} else {
		return ks_probe_failed(&out->fail, KS_EINVAL, 0,
				       "expected 'HTTP/1.1 200' or 'NOTIFY *' line");
	}
	for (;;) {
		size_t off = ks_rd_off(&r);
		rc = ks_probe_line(&r, 1024, &line, &len);
		if (rc == KS_ELIMIT)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "SSDP header line over 1024 bytes");
		if (rc != 0)
			return ks_probe_failed(&out->fail, KS_ETRUNC, off,
					       "SSDP headers end before the empty line");
		if (len == 0)
			break;
		if (++out->nheaders > KS_SSDP_HEADERS_MAX)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "more than 32 SSDP headers");
		const uint8_t *name, *v;
		size_t nl, vn, bad;
		if (ks_probe_header(line, len, &name, &nl, &v, &vn, &bad) != 0)
			return ks_probe_failed(&out->fail, KS_EINVAL, off + bad,
					       "SSDP header: expected 'token:'");
		char *dst = NULL;
		size_t cap = 0;
		if (ks_probe_ieq(name, nl, "location"))
			dst = out->location, cap = sizeof out->location;
		else if (ks_probe_ieq(name, nl, "server"))
			dst = out->server, cap = sizeof out->server;
		else if (ks_probe_ieq(name, nl, "st") || ks_probe_ieq(name, nl, "nt"))
			dst = out->st, cap = sizeof out->st;
		else if (ks_probe_ieq(name, nl, "usn"))
			dst = out->usn, cap = sizeof out->usn;
		if (dst)
			out->truncated |= ks_probe_text(dst, cap, v, vn);
	}
	if (!out->notify && out->status != 200)
		return ks_probe_failed(&out->fail, KS_EINVAL, 9, "SSDP search reply status is not 200");
	return 0;
}

/* Finds <tag> or <tag attr...> in [p, p+n), case-sensitive as XML is, and
 * the text up to the next '<'. Returns true and the content span. */
static bool element(const uint8_t *p, size_t n, const char *tag, const uint8_t **c, size_t *cn)
{
	size_t k = strlen(tag);
	for (size_t i = 0; i + k + 2 <= n; i++) {
		const uint8_t *lt = memchr(p + i, '<', n - i);
		if (lt == NULL)
			return false;
		i = (size_t)(lt - p);
		if (i + k + 2 > n)
			return false;
		if (memcmp(p + i + 1, tag, k) != 0)
			continue;
		uint8_t after = p[i + 1 + k];
		if (after != '>' && after != ' ' && after != '\t' && after != '\r' && after != '\n')
			continue;
		const uint8_t *gt = memchr(p + i + 1 + k, '>', n - i - 1 - k);
		if (gt == NULL || gt[-1] == '/')
			return false; /* unterminated, or an empty <tag/> */
		size_t s = (size_t)(gt + 1 - p);
		const uint8_t *end = memchr(p + s, '<', n - s);
		if (end == NULL)
			return false;
		*c = p + s;
		*cn = (size_t)(end - (p + s));
		return true;
	}
	return false;
}

int ks_upnp_desc_parse(const uint8_t *p, size_t n, struct ks_upnp_desc *out)
{
	memset(out, 0, sizeof *out);
	if (n > KS_UPNP_DESC_MAX)
		n = KS_UPNP_DESC_MAX;
	const uint8_t *c;
	size_t cn;
	long root = n ? ks_probe_ifind(p, n, "<root") : -1;
	long dev = n ? ks_probe_ifind(p, n, "<device") : -1;
	if (root < 0 || dev < 0)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0,
				       "expected a UPnP description (<root> with <device>)");
	const uint8_t *d = p + dev;
	size_t dn = n - (size_t)dev;
	static const struct {
		const char *tag;
		size_t off, cap;
	} fields[] = {
		{"deviceType", offsetof(struct ks_upnp_desc, device_type), sizeof out->device_type},
		{"friendlyName", offsetof(struct ks_upnp_desc, friendly_name), sizeof out->friendly_name},
		{"manufacturer", offsetof(struct ks_upnp_desc, manufacturer), sizeof out->manufacturer},
		{"modelName", offsetof(struct ks_upnp_desc, model_name), sizeof out->model_name},
		{"modelNumber", offsetof(struct ks_upnp_desc, model_number), sizeof out->model_number},
		{"modelDescription", offsetof(struct ks_upnp_desc, model_description),
		 sizeof out->model_description},
	};
	int found = 0;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		if (!element(d, dn, fields[i].tag, &c, &cn))
			continue;
		char *dst = (char *)out + fields[i].off;
		out->truncated |= ks_http_html_text(dst, fields[i].cap, c, cn);
		found += dst[0] != '\0';
	}
	if (found == 0)
		return ks_probe_failed(&out->fail, KS_EINVAL, (size_t)dev,
				       "UPnP description: no device fields");
	return 0;
}
