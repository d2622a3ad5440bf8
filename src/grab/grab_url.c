/* SPDX-License-Identifier: BSD-2-Clause */
/* URLs received from devices (HTTP Location, SSDP LOCATION), resolved for
 * a follow-up request to the same address only (grab_int.h,
 * ks_grab_url_resolve). specification: RFC 3986 sections 3.2.2 (host, IPv6
 * literal in brackets) and 3.2.3 (port); only the forms devices send are
 * accepted: an absolute http URL with an address literal, or an absolute
 * path. Every read is bounded by n; no allocation. */
#include <string.h>

#include "grab_int.h"
#include "ks_err.h"

static bool path_ok(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}

int ks_grab_url_resolve(const char *url, size_t n, const struct ks_addr *addr, uint16_t base_port,
			uint16_t *port, char *path, size_t cap)
{
	if (cap == 0)
		return KS_EINVAL;
	path[0] = '\0';
	const char *p = url, *end = url + n;
	uint16_t pt = base_port;
	if (n == 0)
		return KS_EINVAL;
	if (p[0] == '/' && !(n > 1 && p[1] == '/')) {
		/* absolute path on the same service */
	} else if (n >= 7 && ks_probe_iprefix((const uint8_t *)p, n, "http://")) {
		p += 7;
		const char *h = p, *he;
		if (p < end && *p == '[') {
			const char *rb = memchr(p, ']', (size_t)(end - p));
			if (!rb)
				return KS_EINVAL;
			h = p + 1;
			he = rb;
			p = rb + 1;
		} else {
			while (p < end && *p != ':' && *p != '/' && *p != '?' && *p != '#')
				p++;
			he = p;
		}
		size_t hn = (size_t)(he - h);
		if (hn == 0)
			return KS_EINVAL;
		if (memchr(h, '@', hn))
			return KS_EDECLINED; /* user info: not a device's own URL */
		char host[KS_ADDR_STRLEN];
		if (hn >= sizeof host)
			return KS_EDECLINED;
		memcpy(host, h, hn);
		host[hn] = '\0';
		struct ks_addr ha;
		if (ks_addr_parse(host, &ha) != 0)
			return KS_EDECLINED; /* a name: we do not resolve names */
		if (ks_addr_cmp(&ha, addr) != 0)
			return KS_EDECLINED;
		pt = 80;
		if (p < end && *p == ':') {
			p++;
			const char *ps = p;
			while (p < end && *p >= '0' && *p <= '9')
				p++;
			uint64_t v;
			if (p == ps ||
			    ks_probe_dec((const uint8_t *)ps, (size_t)(p - ps), 5, &v) != 0 || v == 0 ||
			    v > 65535)
				return KS_EINVAL;
			pt = (uint16_t)v;
		}
		if (p < end && *p != '/' && *p != '?' && *p != '#')
			return KS_EINVAL;
	} else if (n >= 3 && (ks_probe_iprefix((const uint8_t *)p, n, "https:") ||
			      memchr(p, ':', n) != NULL || (n > 1 && p[0] == '/' && p[1] == '/'))) {
		return KS_EDECLINED; /* another scheme, or a network-path reference */
	} else {
		return KS_EINVAL; /* relative paths: devices do not send them for what we follow */
	}
	/* path: up to '#', which is never sent */
	const char *pe = memchr(p, '#', (size_t)(end - p));
	if (!pe)
		pe = end;
	size_t pn = (size_t)(pe - p);
	if (!path_ok(p, pn))
		return KS_EINVAL;
	if (pn == 0 || p[0] != '/') {
		if (pn + 2 > cap)
			return KS_EINVAL;
		path[0] = '/';
		memcpy(path + 1, p, pn);
		path[pn + 1] = '\0';
	} else {
		if (pn + 1 > cap)
			return KS_EINVAL;
		memcpy(path, p, pn);
		path[pn] = '\0';
	}
	*port = pt;
	return 0;
}
