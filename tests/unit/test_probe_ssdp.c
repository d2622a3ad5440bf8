/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the SSDP and DNS probes (src/probe/probe_ssdp.h,
 * probe_dns.h): M-SEARCH bytes, a MiniUPnPd reply and a NOTIFY, a router's
 * device description, DNS queries and open/closed resolver responses,
 * malformed datagrams and truncation at every length. */
#include <stdint.h>
#include <string.h>

#include "probe.h"
#include "probe_dns.h"
#include "probe_ssdp.h"
#include "probe_test.h"

KS_TEST(ssdp_msearch)
{
	char b[256];
	size_t len;
	static const char want[] = "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
				   "MAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n";
	CHECK_EQ_U64(ks_ssdp_msearch(b, sizeof b, "239.255.255.250:1900", "ssdp:all", 1, &len), 0);
	CHECK_EQ_U64(len, sizeof want - 1);
	CHECK(memcmp(b, want, len) == 0);
	CHECK_EQ_U64(ks_ssdp_msearch(b, sizeof b, "192.0.2.1:1900", "upnp:rootdevice", 0, &len), 0);
	CHECK(strstr(b, "MX:") == NULL);
	CHECK_EQ_U64(ks_ssdp_msearch(b, sizeof b, "x\r\nA: b", "ssdp:all", 1, &len), KS_EINVAL);
	CHECK_EQ_U64(ks_ssdp_msearch(b, sizeof b, "x", "ssdp:all", 6, &len), KS_EINVAL);
	CHECK_EQ_U64(ks_ssdp_msearch(b, 40, "x", "ssdp:all", 1, &len), KS_ELIMIT);
}

static const char miniupnpd[] =
	"HTTP/1.1 200 OK\r\n"
	"CACHE-CONTROL: max-age=120\r\n"
	"ST: upnp:rootdevice\r\n"
	"USN: uuid:12345678-1234-1234-1234-0123456789ab::upnp:rootdevice\r\n"
	"EXT:\r\n"
	"SERVER: Linux/3.10.14 UPnP/1.1 MiniUPnPd/2.1\r\n"
	"LOCATION: http://192.0.2.1:5431/rootDesc.xml\r\n"
	"OPT: \"http://schemas.upnp.org/upnp/1/0/\"; ns=01\r\n"
	"01-NLS: 1\r\n"
	"BOOTID.UPNP.ORG: 1\r\n"
	"CONFIGID.UPNP.ORG: 1337\r\n"
	"\r\n";

KS_TEST(ssdp_replies)
{
	static struct ks_ssdp s;
	CHECK_EQ_U64(ks_ssdp_parse(S(miniupnpd), &s), 0);
	CHECK_EQ_U64(s.status, 200);
	CHECK(!s.notify);
	CHECK_STR(s.location, "http://192.0.2.1:5431/rootDesc.xml");
	CHECK_STR(s.server, "Linux/3.10.14 UPnP/1.1 MiniUPnPd/2.1");
	CHECK_STR(s.st, "upnp:rootdevice");
	CHECK_STR(s.usn, "uuid:12345678-1234-1234-1234-0123456789ab::upnp:rootdevice");
	CHECK_EQ_U64(s.nheaders, 10);
	CHECK_DGRAM_PREFIXES(ks_ssdp_parse, struct ks_ssdp, (const uint8_t *)miniupnpd,
			     sizeof miniupnpd - 1);

	static const char notify[] = "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
				     "NT: urn:schemas-upnp-org:device:InternetGatewayDevice:1\r\n"
				     "NTS: ssdp:alive\r\nLOCATION: http://192.0.2.1:1900/igd.xml\r\n\r\n";
	CHECK_EQ_U64(ks_ssdp_parse(S(notify), &s), 0);
	CHECK(s.notify);
	CHECK_STR(s.st, "urn:schemas-upnp-org:device:InternetGatewayDevice:1");

	CHECK_EQ_U64(ks_ssdp_parse(S("HTTP/1.1 404 Not Found\r\n\r\n"), &s), KS_EINVAL);
	CHECK_EQ_U64(ks_ssdp_parse(S("M-SEARCH * HTTP/1.1\r\n\r\n"), &s), KS_EINVAL);
	CHECK_EQ_U64(ks_ssdp_parse(S("HTTP/1.1 200 OK\r\nno colon\r\n\r\n"), &s), KS_EINVAL);
	CHECK_EQ_U64(ks_ssdp_parse(S("HTTP/1.1 200 OK\r\nA: b"), &s), KS_ETRUNC);
}

static const char desc[] =
	"<?xml version=\"1.0\"?>\r\n"
	"<root xmlns=\"urn:schemas-upnp-org:device-1-0\">\r\n"
	"<specVersion><major>1</major><minor>0</minor></specVersion>\r\n"
	"<device>\r\n"
	"<deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:1</deviceType>\r\n"
	"<friendlyName>WSR-1166DHP3 &amp; Co</friendlyName>\r\n"
	"<manufacturer>BUFFALO INC.</manufacturer>\r\n"
	"<manufacturerURL>http://buffalo.jp/</manufacturerURL>\r\n"
	"<modelDescription>Wireless Router</modelDescription>\r\n"
	"<modelName lang=\"en\">WSR-1166DHP3</modelName>\r\n"
	"<modelNumber>1.0</modelNumber>\r\n"
	"<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:1</deviceType>"
	"<modelName>embedded</modelName></device></deviceList>\r\n"
	"</device>\r\n</root>\r\n";

KS_TEST(upnp_description)
{
	static struct ks_upnp_desc d;
	CHECK_EQ_U64(ks_upnp_desc_parse(S(desc), &d), 0);
	CHECK_STR(d.device_type, "urn:schemas-upnp-org:device:InternetGatewayDevice:1");
	CHECK_STR(d.friendly_name, "WSR-1166DHP3 & Co");
	CHECK_STR(d.manufacturer, "BUFFALO INC.");
	CHECK_STR(d.model_name, "WSR-1166DHP3");
	CHECK_STR(d.model_number, "1.0");
	CHECK_STR(d.model_description, "Wireless Router");
	/* Every prefix: no crash; once the manufacturer element is whole it is found. */
	size_t n = sizeof desc - 1;
	long man_end = strstr(desc, "</manufacturer>") - desc;
	for (size_t i = 0; i < n; i++) {
		uint8_t *b = malloc(i ? i : 1);
		memcpy(b, desc, i);
		int rc = ks_upnp_desc_parse(b, i, &d);
		free(b);
		CHECK(rc == 0 || rc == KS_EINVAL);
		if (i > (size_t)man_end)
			CHECK(strcmp(d.manufacturer, "BUFFALO INC.") == 0);
	}
	CHECK_EQ_U64(ks_upnp_desc_parse(S("<html><title>x</title></html>"), &d), KS_EINVAL);
	CHECK_EQ_U64(ks_upnp_desc_parse(S("<root><device><manufacturer/></device></root>"), &d),
		     KS_EINVAL);
	CHECK_EQ_U64(ks_upnp_desc_parse(S("<root><device><manufacturerX>a</manufacturerX>"
					  "<manufacturer>b</manufacturer>"), &d), 0);
	CHECK_STR(d.manufacturer, "b");
}

/* Response to ks_dns_query(id 0x1234, "example.com", A) from an open
 * resolver: QR RD RA, one answer by compression pointer, 203.0.113.5. */
static const uint8_t dns_open[] = {
	0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x01, 0x00, 0x01,
	0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x04, 203, 0, 113, 5};

static int ks_dns_parse_example(const uint8_t *p, size_t n, struct ks_dns *d)
{
	return ks_dns_parse(p, n, 0x1234, "example.com", d);
}

KS_TEST(dns_query_and_open_resolver)
{
	uint8_t q[512];
	size_t len;
	CHECK_EQ_U64(ks_dns_query(q, sizeof q, 0x1234, "example.com.", 1, &len), 0);
	CHECK_EQ_U64(len, 29);
	static const uint8_t hdr[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0};
	CHECK(memcmp(q, hdr, 12) == 0);
	CHECK(memcmp(q + 12, dns_open + 12, 17) == 0); /* the same question */
	CHECK_EQ_U64(ks_dns_query(q, sizeof q, 1, "a..b", 1, &len), KS_EINVAL);
	CHECK_EQ_U64(ks_dns_query(q, sizeof q, 1, "", 1, &len), KS_EINVAL);
	char lab[80];
	memset(lab, 'a', 64);
	lab[64] = '\0';
	CHECK_EQ_U64(ks_dns_query(q, sizeof q, 1, lab, 1, &len), KS_EINVAL);
	CHECK_EQ_U64(ks_dns_query(q, 20, 1, "example.com", 1, &len), KS_ELIMIT);

	static struct ks_dns d;
	CHECK_EQ_U64(ks_dns_parse(dns_open, sizeof dns_open, 0x1234, "example.com", &d), 0);
	CHECK(d.qr && d.rd && d.ra && !d.aa && !d.tc);
	CHECK_EQ_U64(d.rcode, 0);
	CHECK_EQ_U64(d.ancount, 1);
	CHECK(d.question_matches);
	CHECK_EQ_U64(d.answers_a, 1);
	CHECK(memcmp(d.first_a, "\xcb\x00\x71\x05", 4) == 0);
	CHECK(d.open_resolver);
	CHECK_DGRAM_PREFIXES(ks_dns_parse_example, struct ks_dns, dns_open, sizeof dns_open);
}

KS_TEST(dns_closed_and_malformed)
{
	static struct ks_dns d;
	static uint8_t b[sizeof dns_open];
	char rb[12];
	/* dnsmasq without recursion for us: REFUSED, RA clear, no answers. */
	static const uint8_t refused[] = {0x12, 0x34, 0x81, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
					  0x00, 0x00, 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03,
					  'c', 'o', 'm', 0x00, 0x00, 0x01, 0x00, 0x01};
	CHECK_EQ_U64(ks_dns_parse(refused, sizeof refused, 0x1234, "EXAMPLE.com", &d), 0);
	CHECK(!d.open_resolver && !d.ra && d.question_matches);
	CHECK_STR(ks_dns_rcode_name(d.rcode, rb), "refused");
	CHECK_STR(ks_dns_rcode_name(11, rb), "rcode11");
	CHECK_EQ_U64(ks_dns_parse(refused, sizeof refused, 0x1234, "example.org", &d), 0);
	CHECK(!d.question_matches);

	CHECK_EQ_U64(ks_dns_parse(dns_open, sizeof dns_open, 0x4321, "example.com", &d), KS_EINVAL);
	memcpy(b, dns_open, sizeof b);
	b[2] = 0x01; /* QR clear: a query, not a response */
	CHECK_EQ_U64(ks_dns_parse(b, sizeof b, 0x1234, "example.com", &d), KS_EINVAL);
	memcpy(b, dns_open, sizeof b);
	b[40] = 5; /* A record RDLENGTH 5 */
	CHECK_EQ_U64(ks_dns_parse(b, sizeof b, 0x1234, "example.com", &d), KS_ETRUNC);
	memcpy(b, dns_open, sizeof b);
	b[12] = 0x40; /* extended label type */
	CHECK_EQ_U64(ks_dns_parse(b, sizeof b, 0x1234, "example.com", &d), KS_EINVAL);
	memcpy(b, dns_open, sizeof b);
	b[7] = 2; /* two answers claimed, one present */
	CHECK_EQ_U64(ks_dns_parse(b, sizeof b, 0x1234, "example.com", &d), KS_ETRUNC);
	b[2] |= 0x02; /* ... but TC set: the header is what counts */
	CHECK_EQ_U64(ks_dns_parse(b, sizeof b, 0x1234, "example.com", &d), 0);
	CHECK(d.tc && d.open_resolver);
	/* A name of 128 one-byte labels: cap on labels. */
	static uint8_t deep[12 + 260 + 4];
	memcpy(deep, dns_open, 12);
	deep[7] = 0;
	for (size_t i = 0; i < 130; i++)
		deep[12 + 2 * i] = 1, deep[13 + 2 * i] = 'a';
	CHECK_EQ_U64(ks_dns_parse(deep, sizeof deep, 0x1234, "example.com", &d), KS_EINVAL);
}
