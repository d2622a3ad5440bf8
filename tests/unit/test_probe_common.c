/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the shared probe helpers (src/probe/probe.h): sanitised
 * text, lines, numbers, headers; and every parser on empty input (a NULL
 * pointer with length 0 must be safe). */
#include <stdint.h>
#include <string.h>

#include "probe.h"
#include "probe_coap.h"
#include "probe_dns.h"
#include "probe_ftp.h"
#include "probe_http.h"
#include "probe_mqtt.h"
#include "probe_ntp.h"
#include "probe_rtsp.h"
#include "probe_ssdp.h"
#include "probe_ssh.h"
#include "probe_telnet.h"
#include "probe_test.h"
#include "probe_tls.h"

KS_TEST(probe_text_sanitises)
{
	char t[16];
	CHECK(!ks_probe_text(t, sizeof t, S("a\tb\r\n\x1b[0m")));
	CHECK_STR(t, "a\tb...[0m");
	/* valid UTF-8 kept; overlong, surrogate, stray continuation, 0xff replaced */
	CHECK(!ks_probe_text(t, sizeof t, S("\xe6\x97\xa5\xc0\xaf\xed\xa0\x80\x80\xff")));
	CHECK_STR(t, "\xe6\x97\xa5???????"); /* one per bad byte */
	/* never cuts a sequence: 14 bytes of room, 5 three-byte characters */
	CHECK(ks_probe_text(t, 15, S("\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5")));
	CHECK_EQ_U64(strlen(t), 12);
	CHECK(ks_probe_text(t, 1, S("x")));
	CHECK_STR(t, "");
	CHECK(!ks_probe_text(t, 1, NULL, 0));
}

KS_TEST(probe_lines_numbers_headers)
{
	struct ks_rd r = ks_rd_make("ab\r\ncd\nef", 9);
	const uint8_t *l;
	size_t n;
	CHECK_EQ_U64(ks_probe_line(&r, 10, &l, &n), 0);
	CHECK(n == 2 && memcmp(l, "ab", 2) == 0);
	CHECK_EQ_U64(ks_probe_line(&r, 10, &l, &n), 0);
	CHECK(n == 2 && memcmp(l, "cd", 2) == 0);
	CHECK_EQ_U64(ks_probe_line(&r, 10, &l, &n), KS_EAGAIN);
	CHECK_EQ_U64(ks_rd_off(&r), 7);
	CHECK_EQ_U64(ks_probe_line(&r, 1, &l, &n), KS_ELIMIT);
	r = ks_rd_make(NULL, 0);
	CHECK_EQ_U64(ks_probe_line(&r, 10, &l, &n), KS_EAGAIN);

	uint64_t v;
	CHECK_EQ_U64(ks_probe_dec(S("0012"), 4, &v), 0);
	CHECK_EQ_U64(v, 12);
	CHECK_EQ_U64(ks_probe_dec(S("12345"), 4, &v), KS_EINVAL);
	CHECK_EQ_U64(ks_probe_dec(S("1a"), 4, &v), KS_EINVAL);
	CHECK_EQ_U64(ks_probe_dec(S(""), 4, &v), KS_EINVAL);
	CHECK_EQ_U64(ks_probe_dec(S("+1"), 4, &v), KS_EINVAL);
	CHECK_EQ_U64(ks_probe_dec(S("99999999999999999999"), 20, &v), KS_EINVAL);

	CHECK(ks_probe_ieq(S("SeRvEr"), "server"));
	CHECK(!ks_probe_ieq(S("server2"), "server"));
	CHECK_EQ_U64(ks_probe_ifind(S("xx<TiTlE>"), "<title"), 2);
	CHECK_EQ_U64((uint64_t)ks_probe_ifind(S("<tit"), "<title"), (uint64_t)-1);

	const uint8_t *name, *val;
	size_t nl, vn, bad;
	CHECK_EQ_U64(ks_probe_header(S("Server:  lighttpd \t"), &name, &nl, &val, &vn, &bad), 0);
	CHECK(nl == 6 && vn == 8 && memcmp(val, "lighttpd", 8) == 0);
	CHECK_EQ_U64(ks_probe_header(S("Bad(name): x"), &name, &nl, &val, &vn, &bad), KS_EINVAL);
	CHECK_EQ_U64(bad, 3);
	unsigned code;
	CHECK_EQ_U64(ks_probe_status3(S("200 OK"), &code), 0);
	CHECK_EQ_U64(code, 200);
	CHECK_EQ_U64(ks_probe_status3(S("2000"), &code), KS_EINVAL);
	CHECK_EQ_U64(ks_probe_status3(S("099"), &code), KS_EINVAL);
}

KS_TEST(probe_parsers_empty_input)
{
	static struct ks_ssh ssh;
	static struct ks_http http;
	static struct ks_tls tls;
	static struct ks_ftp ftp;
	static struct ks_rtsp rtsp;
	static struct ks_mqtt mqtt;
	static struct ks_ssdp ssdp;
	static struct ks_upnp_desc desc;
	static struct ks_dns dns;
	static struct ks_ntp ntp;
	static struct ks_coap coap;
	static struct ks_telnet tel;
	for (int eof = 0; eof < 2; eof++) {
		int want = eof ? KS_ETRUNC : KS_EAGAIN;
		CHECK_EQ_U64(ks_ssh_parse(NULL, 0, eof, &ssh), want);
		CHECK_EQ_U64(ks_http_parse(NULL, 0, eof, &http), want);
		CHECK_EQ_U64(ks_tls_parse(NULL, 0, eof, &tls), want);
		CHECK_EQ_U64(ks_ftp_parse(NULL, 0, eof, &ftp), want);
		CHECK_EQ_U64(ks_rtsp_parse(NULL, 0, eof, &rtsp), want);
		CHECK_EQ_U64(ks_mqtt_parse(NULL, 0, eof, KS_MQTT_V5, &mqtt), want);
	}
	CHECK_EQ_U64(ks_ssdp_parse(NULL, 0, &ssdp), KS_ETRUNC);
	CHECK_EQ_U64(ks_upnp_desc_parse(NULL, 0, &desc), KS_EINVAL);
	CHECK_EQ_U64(ks_dns_parse(NULL, 0, 0, "example.com", &dns), KS_ETRUNC);
	CHECK_EQ_U64(ks_ntp_parse(NULL, 0, 0, &ntp), KS_ETRUNC);
	CHECK_EQ_U64(ks_coap_parse(NULL, 0, 0, 0, &coap), KS_ETRUNC);
	ks_telnet_init(&tel);
	ks_telnet_feed(&tel, NULL, 0);
	CHECK_EQ_U64(tel.data_len, 0);
	CHECK_EQ_U64(ks_telnet_prompt(&tel), KS_TELNET_PROMPT_NONE);
}
