/* SPDX-License-Identifier: BSD-2-Clause */
/* Survey port lists: parser and the documented default list (contract in
 * scan_ports.h; the table's reasons are repeated in docs/survey.md).
 *
 * Parsing marks ports in two 65,536-bit maps (TCP, UDP) and then lists the
 * marked ports in order, so duplicates and overlapping ranges merge and the
 * work is bounded whatever the text. */
#include "scan_ports.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ks_alloc.h"
#include "ks_err.h"

#define T KS_PROTO_TCP
#define U KS_PROTO_UDP

const struct ks_port_why ks_ports_default[] = {
	{{21, T}, "ftp", "FTP on routers, NAS and cameras: cleartext logins, weak credentials"},
	{{22, T}, "ssh", "SSH on routers and embedded Linux: weak passwords, deprecated algorithms"},
	{{23, T}, "telnet", "Telnet: Mirai's infection vector and NOTICE's first login target"},
	{{80, T}, "http", "web administration of routers, cameras, NAS; HTTP Basic/Digest logins"},
	{{81, T}, "http", "alternative HTTP of IP cameras and DVRs (GoAhead), hunted by botnets"},
	{{443, T}, "https", "administration over TLS: certificates, TLS versions and ciphers"},
	{{554, T}, "rtsp", "RTSP video streams of IP cameras and DVR/NVRs"},
	{{1883, T}, "mqtt", "MQTT brokers of IoT gateways, often without authentication"},
	{{2323, T}, "telnet", "alternative Telnet port that Mirai probes besides 23"},
	{{5555, T}, "adb", "Android Debug Bridge of TV boxes and set-top boxes (ADB.Miner worm)"},
	{{7547, T}, "cwmp", "TR-069/CWMP management of ISP home routers (2016 Mirai variant outage)"},
	{{8000, T}, "http", "DVR/NVR web and SDK ports (Hikvision), alternative HTTP"},
	{{8080, T}, "http", "alternative HTTP: router remote management, camera web interfaces"},
	{{8081, T}, "http", "alternative HTTP of cameras and router management"},
	{{8443, T}, "https", "alternative HTTPS administration (firewalls, VPN and router consoles)"},
	{{37777, T}, "dahua", "Dahua DVR/NVR service, exploited by IoT botnets"},
	{{53, U}, "dns", "open recursive resolvers (amplification, cache poisoning)"},
	{{123, U}, "ntp", "NTP servers answering anyone (amplification, exposure)"},
	{{1900, U}, "ssdp", "UPnP/SSDP answering from the Internet (amplification, device details)"},
	{{5683, U}, "coap", "CoAP on constrained IoT devices (amplification, exposure)"},
};
const size_t ks_ports_ndefault = sizeof ks_ports_default / sizeof ks_ports_default[0];

void ks_ports_init(struct ks_ports *p)
{
	p->v = NULL;
	p->n = 0;
}

void ks_ports_release(struct ks_ports *p)
{
	free(p->v);
	ks_ports_init(p);
}

int ks_ports_udp_known(uint16_t port)
{
	return port == 53 || port == 123 || port == 1900 || port == 5683;
}

const char *ks_port_format(const struct ks_port *p, char *buf, size_t n)
{
	snprintf(buf, n, "%u/%s", p->port, p->proto == KS_PROTO_UDP ? "udp" : "tcp");
	return buf;
}

const char *ks_port_module(const struct ks_port *p)
{
	if (p->proto == KS_PROTO_TCP)
		return "tcp-syn";
	switch (p->port) {
	case 53:
		return "udp-dns";
	case 123:
		return "udp-ntp";
	case 1900:
		return "udp-ssdp";
	case 5683:
		return "udp-coap";
	default:
		return "udp-unknown";
	}
}

static int fail(char *err, size_t errlen, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, size_t col, const char *fmt, ...)
{
	if (err != NULL && errlen > 0) {
		int k = snprintf(err, errlen, "column %zu: ", col);
		if (k >= 0 && (size_t)k < errlen) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(err + k, errlen - (size_t)k, fmt, ap);
			va_end(ap);
		}
	}
	return KS_EINVAL;
}

/* Reads a port number 1..65535 at s[*i]; advances *i. 0 or KS_EINVAL. */
static int number(const char *s, size_t *i, uint32_t *out)
{
	uint32_t v = 0;
	size_t start = *i;
	while (s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (uint32_t)(s[*i] - '0');
		(*i)++;
		if (v > 65535)
			return KS_EINVAL;
	}
	if (*i == start || v == 0)
		return KS_EINVAL;
	*out = v;
	return 0;
}

static void mark(uint8_t *map, uint32_t port)
{
	map[port >> 3] |= (uint8_t)(1u << (port & 7));
}

int ks_ports_parse(struct ks_ports *p, const char *text, char *err, size_t errlen)
{
	uint8_t *map = ks_xcalloc(2, 65536 / 8); /* [0] TCP, [1] UDP */
	const char *expect = "expected a port 1-65535, a range N-M, U:N for UDP or 'default'";
	size_t i = 0;
	int r = 0;

	ks_ports_release(p);
	for (;;) {
		while (text[i] == ' ')
			i++;
		size_t col = i + 1;
		if (strncmp(text + i, "default", 7) == 0 &&
		    (text[i + 7] == '\0' || text[i + 7] == ',' || text[i + 7] == ' ')) {
			for (size_t k = 0; k < ks_ports_ndefault; k++)
				mark(map + (ks_ports_default[k].p.proto == U ? 8192 : 0),
				     ks_ports_default[k].p.port);
			i += 7;
		} else {
			int udp = 0;
			if ((text[i] == 'U' || text[i] == 'u' || text[i] == 'T' || text[i] == 't') &&
			    text[i + 1] == ':') {
				udp = text[i] == 'U' || text[i] == 'u';
				i += 2;
			}
			uint32_t a, b;
			size_t at = i + 1;
			if (number(text, &i, &a) != 0) {
				r = fail(err, errlen, at, "bad port; %s", expect);
				goto out;
			}
			b = a;
			if (text[i] == '-') {
				i++;
				at = i + 1;
				if (number(text, &i, &b) != 0 || b < a) {
					r = fail(err, errlen, at,
						 "bad end of range; expected a port %u-65535", a);
					goto out;
				}
			}
			if (udp) {
				for (uint32_t q = a; q <= b; q++) {
					if (!ks_ports_udp_known((uint16_t)q)) {
						r = fail(err, errlen, col,
							 "no UDP probe for port %u; expected U:53, U:123, "
							 "U:1900 or U:5683",
							 q);
						goto out;
					}
				}
			}
			for (uint32_t q = a; q <= b; q++)
				mark(map + (udp ? 8192 : 0), q);
		}
		while (text[i] == ' ')
			i++;
		if (text[i] == '\0')
			break;
		if (text[i] != ',') {
			r = fail(err, errlen, i + 1, "unexpected '%c'; expected ',' or the end", text[i]);
			goto out;
		}
		i++;
	}
	size_t n = 0;
	for (uint32_t k = 0; k < 2 * 65536; k++)
		n += map[k >> 3] >> (k & 7) & 1;
	p->v = ks_xcalloc(n ? n : 1, sizeof *p->v);
	for (uint32_t k = 0; k < 2 * 65536; k++)
		if (map[k >> 3] >> (k & 7) & 1)
			p->v[p->n++] = (struct ks_port){(uint16_t)(k & 0xffff), k >> 16 ? U : T};
out:
	free(map);
	return r;
}
