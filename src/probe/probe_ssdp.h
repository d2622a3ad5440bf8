/* SPDX-License-Identifier: BSD-2-Clause */
/* SSDP/UPnP probe: the M-SEARCH request, the parser of its HTTPU reply (one
 * UDP datagram), and a bounded scanner for the device description XML the
 * reply's LOCATION points to (fetched by the HTTP probe).
 * specification: UPnP Device Architecture 2.0 sections 1.3 (discovery:
 * M-SEARCH, response headers) and 2.3 (device description).
 *
 *   HTTP/1.1 200 OK CRLF
 *   CACHE-CONTROL: max-age=1800 CRLF
 *   LOCATION: http://192.0.2.1:49152/rootDesc.xml CRLF
 *   SERVER: Linux/3.4 UPnP/1.0 MiniUPnPd/2.1 CRLF
 *   ST: upnp:rootdevice CRLF
 *   USN: uuid:...::upnp:rootdevice CRLF
 *   CRLF
 *
 * The description scanner is not an XML parser: it finds the first
 * <deviceType>, <friendlyName>, <manufacturer>, <modelName>, <modelNumber>
 * and <modelDescription> elements (the root device's, which come before
 * any embedded device's in every description seen) and decodes the
 * predefined entities. It never recurses and looks at most at
 * KS_UPNP_DESC_MAX bytes. No external entities, no DTDs: nothing to expand. */
#ifndef KS_PROBE_SSDP_H
#define KS_PROBE_SSDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define KS_SSDP_HEADERS_MAX 32
#define KS_UPNP_DESC_MAX 65536

struct ks_ssdp {
	bool notify;          /* a NOTIFY (unsolicited) rather than a search reply */
	unsigned status;      /* 200 for a search reply, 0 for NOTIFY */
	char location[256];
	char server[128];
	char st[128];         /* ST (reply) or NT (NOTIFY) */
	char usn[256];
	unsigned nheaders;
	bool truncated;
	struct ks_probe_fail fail;
};

struct ks_upnp_desc {
	char device_type[128];
	char friendly_name[128];
	char manufacturer[128];
	char model_name[128];
	char model_number[64];
	char model_description[128];
	bool truncated;
	struct ks_probe_fail fail;
};

/* Writes an M-SEARCH for search target st to buf. host is the HOST header
 * ("239.255.255.250:1900" for multicast; the target "address:port" for the
 * unicast search a survey sends). mx 1..5 adds MX (multicast); mx 0 leaves
 * it out, as UDA 1.1+ wants for unicast. Returns 0 and *len, KS_EINVAL for
 * a control character in host or st or mx > 5, KS_ELIMIT for a small cap. */
int ks_ssdp_msearch(char *buf, size_t cap, const char *host, const char *st, unsigned mx,
		    size_t *len);

/* Parses one datagram. Returns 0, KS_ETRUNC (ends inside the headers),
 * KS_EINVAL (not an SSDP reply or NOTIFY), KS_ELIMIT (header cap). */
int ks_ssdp_parse(const uint8_t *p, size_t n, struct ks_ssdp *out);

/* Scans a device description (an HTTP body). Returns 0 when the document
 * has a <root and a <device element and at least one field was found,
 * KS_EINVAL otherwise. */
int ks_upnp_desc_parse(const uint8_t *p, size_t n, struct ks_upnp_desc *out);

#endif
