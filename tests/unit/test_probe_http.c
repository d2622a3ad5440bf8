/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the HTTP probe parser (src/probe/probe_http.h): a lighttpd
 * 401 with a Basic realm, a chunked camera login page, a redirect, a body
 * that ends at the close, multiple challenges, caps and malformed replies,
 * and truncation at every length. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "probe.h"
#include "probe_http.h"
#include "probe_test.h"

static size_t build(uint8_t *b, size_t cap, const char *head, const char *body)
{
	int n = snprintf((char *)b, cap, "%sContent-Length: %zu\r\n\r\n%s", head, strlen(body), body);
	return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

KS_TEST(http_lighttpd_401_basic)
{
	static uint8_t b[4096];
	static struct ks_http h;
	size_t n = build(b, sizeof b,
			 "HTTP/1.1 401 Unauthorized\r\n"
			 "WWW-Authenticate: Basic realm=\"IPCamera Login\", charset=\"UTF-8\"\r\n"
			 "Content-Type: text/html\r\n"
			 "Date: Fri, 04 Dec 2026 10:00:00 GMT\r\n"
			 "Server: lighttpd/1.4.69\r\n",
			 "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n"
			 "<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML 1.0 Transitional//EN\"\n"
			 "         \"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd\">\n"
			 "<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"en\" lang=\"en\">\n"
			 " <head>\n  <title>401 Unauthorized</title>\n </head>\n"
			 " <body>\n  <h1>401 Unauthorized</h1>\n </body>\n</html>\n");
	CHECK(n > 0);
	CHECK_EQ_U64(ks_http_parse(b, n, false, &h), 0);
	CHECK_EQ_U64(h.version_minor, 1);
	CHECK_EQ_U64(h.status, 401);
	CHECK_STR(h.reason, "Unauthorized");
	CHECK_STR(h.server, "lighttpd/1.4.69");
	CHECK_STR(h.content_type, "text/html");
	CHECK_STR(h.auth.scheme, "Basic");
	CHECK_STR(h.auth.realm, "IPCamera Login");
	CHECK_EQ_U64(h.auth.schemes, KS_HTTP_AUTH_BASIC);
	CHECK_STR(h.title, "401 Unauthorized");
	CHECK(!h.password_field);
	CHECK(h.login_page);
	CHECK(h.has_length && !h.chunked);
	CHECK_EQ_U64(h.nheaders, 5);
	CHECK_EQ_U64(h.body_scanned, h.content_length);
	CHECK(h.fail.what == NULL);
	CHECK_STREAM_PREFIXES(ks_http_parse, struct ks_http, b, n, n);
}

/* A GoAhead-style camera page, chunked, with entities in its title. */
static const char goahead[] =
	"HTTP/1.1 200 OK\r\n"
	"Server: GoAhead-Webs\r\n"
	"Set-Cookie: SESSIONID=abc123; Path=/; HttpOnly\r\n"
	"Set-Cookie: lang=ja\r\n"
	"Transfer-Encoding: chunked\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"\r\n"
	"2a\r\n"
	"<HTML><HEAD><TITLE>  Network &amp; Camera\n"
	"\r\n"
	"51;ext=1\r\n"
	" &#x30ED;&#12464;&#x30a4;&#x30F3; &lt;v2&gt;</title></head><body><form action=/lo\r\n"
	"3a\r\n"
	"gin.cgi><INPUT name=user><Input TYPE = 'Password' name=pw>\r\n"
	"0\r\n"
	"\r\n";

KS_TEST(http_chunked_login_page)
{
	static struct ks_http h;
	size_t n = sizeof goahead - 1;
	CHECK_EQ_U64(ks_http_parse((const uint8_t *)goahead, n, false, &h), 0);
	CHECK_EQ_U64(h.status, 200);
	CHECK_STR(h.server, "GoAhead-Webs");
	CHECK(h.chunked && !h.has_length);
	CHECK_STR(h.cookies, "SESSIONID,lang");
	CHECK_EQ_U64(h.ncookies, 2);
	CHECK_STR(h.title, "Network & Camera \xe3\x83\xad\xe3\x82\xb0\xe3\x82\xa4\xe3\x83\xb3 <v2>");
	CHECK(h.password_field && h.login_page);
	CHECK_EQ_U64(h.body_scanned, 0x2a + 0x51 + 0x3a);
	CHECK_STREAM_PREFIXES(ks_http_parse, struct ks_http, (const uint8_t *)goahead, n, n);
}

KS_TEST(http_redirect_and_close_delimited)
{
	static struct ks_http h;
	static const char redir[] = "HTTP/1.1 302 Found\r\nLocation: https://192.0.2.7/login.html\r\n"
				    "Content-Length: 0\r\n\r\n";
	CHECK_EQ_U64(ks_http_parse(S(redir), false, &h), 0);
	CHECK_EQ_U64(h.status, 302);
	CHECK_STR(h.location, "https://192.0.2.7/login.html");
	CHECK(!h.login_page);

	/* HTTP/1.0 without a length: the body ends at the close. */
	static const char close10[] = "HTTP/1.0 200 OK\r\nServer: Boa/0.94.14rc21\r\n\r\n"
				      "<html><title>DVR Web Client</title>";
	size_t n = sizeof close10 - 1, head = strlen("HTTP/1.0 200 OK\r\nServer: Boa/0.94.14rc21\r\n\r\n");
	CHECK_EQ_U64(ks_http_parse((const uint8_t *)close10, n, false, &h), KS_EAGAIN);
	CHECK_STR(h.title, "DVR Web Client"); /* filled even while waiting */
	CHECK_EQ_U64(ks_http_parse((const uint8_t *)close10, n, true, &h), 0);
	CHECK_EQ_U64(h.version_minor, 0);
	CHECK_EQ_U64(h.head_len, head);
	CHECK_STREAM_PREFIXES(ks_http_parse, struct ks_http, (const uint8_t *)close10, n, head);

	/* 304 and 1xx have no body. */
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1.1 304 Not Modified\r\n\r\n"), false, &h), 0);
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1.1 204\r\n\r\n"), false, &h), 0);
	CHECK_STR(h.reason, "");
}

KS_TEST(http_www_authenticate_forms)
{
	static struct ks_http h;
	static const char two[] =
		"HTTP/1.1 401 Unauthorized\r\n"
		"WWW-Authenticate: Digest realm=\"Login to 4C0A1B2C3D\", qop=\"auth\", "
		"nonce=\"a,b\", opaque=x, Basic realm=Other\r\n"
		"WWW-Authenticate: NTLM\r\n"
		"Content-Length: 0\r\n\r\n";
	CHECK_EQ_U64(ks_http_parse(S(two), false, &h), 0);
	CHECK_STR(h.auth.scheme, "Digest");
	CHECK_STR(h.auth.realm, "Login to 4C0A1B2C3D");
	CHECK_EQ_U64(h.auth.schemes, KS_HTTP_AUTH_DIGEST | KS_HTTP_AUTH_BASIC | KS_HTTP_AUTH_NTLM);
	CHECK(h.login_page);

	static const char esc[] = "HTTP/1.1 401 X\r\nWWW-Authenticate: basic REALM=\"a\\\"b\"\r\n"
				  "Content-Length: 0\r\n\r\n";
	CHECK_EQ_U64(ks_http_parse(S(esc), false, &h), 0);
	CHECK_STR(h.auth.realm, "a\"b");
	CHECK_EQ_U64(h.auth.schemes, KS_HTTP_AUTH_BASIC);

	/* A Bearer challenge is not a login page for cleartext_admin. */
	static const char bearer[] = "HTTP/1.1 401 X\r\nWWW-Authenticate: Bearer\r\n"
				     "Content-Length: 0\r\n\r\n";
	CHECK_EQ_U64(ks_http_parse(S(bearer), false, &h), 0);
	CHECK(!h.login_page);
	CHECK_STR(h.auth.realm, "");
}

KS_TEST(http_errors_and_caps)
{
	static struct ks_http h;
	CHECK_EQ_U64(ks_http_parse(S("SSH-2.0-OpenSSH\r\n"), false, &h), KS_EINVAL);
	CHECK_EQ_U64(h.fail.off, 0);
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1."), false, &h), KS_EAGAIN);
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1.1 2000 OK\r\n\r\n"), false, &h), KS_EINVAL);
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1.1 099 X\r\n\r\n"), false, &h), KS_EINVAL);
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"), false, &h), KS_EINVAL);
	CHECK_EQ_U64(h.fail.off, 17);
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"), false, &h), KS_EINVAL);
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
				     "Content-Length: 2\r\n\r\nab"), false, &h), KS_EINVAL);
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"), false, &h),
		     KS_EINVAL);
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				     "zz\r\n"), false, &h), KS_EINVAL);
	CHECK_EQ_U64(ks_http_parse(S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
				     "2\r\nabX"), false, &h), KS_EINVAL);

	/* 101 headers: over the count cap. */
	static uint8_t b[8192];
	size_t o = (size_t)snprintf((char *)b, sizeof b, "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 101; i++)
		o += (size_t)snprintf((char *)b + o, sizeof b - o, "X-%d: y\r\n", i);
	o += (size_t)snprintf((char *)b + o, sizeof b - o, "\r\n");
	CHECK_EQ_U64(ks_http_parse(b, o, true, &h), KS_ELIMIT);
	/* Headers over 16 KiB. */
	static uint8_t big[20000];
	memset(big, 'a', sizeof big);
	memcpy(big, "HTTP/1.1 200 OK\r\nX: ", 20);
	CHECK_EQ_U64(ks_http_parse(big, sizeof big, false, &h), KS_ELIMIT);
	/* Long text fields are cut, flagged. */
	o = (size_t)snprintf((char *)b, sizeof b, "HTTP/1.1 200 OK\r\nServer: ");
	memset(b + o, 's', 500);
	o += 500;
	o += (size_t)snprintf((char *)b + o, sizeof b - o, "\r\nContent-Length: 0\r\n\r\n");
	CHECK_EQ_U64(ks_http_parse(b, o, false, &h), 0);
	CHECK(h.truncated);
	CHECK_EQ_U64(strlen(h.server), sizeof h.server - 1);
}

KS_TEST(http_html_text)
{
	char t[16];
	CHECK(!ks_http_html_text(t, sizeof t, S("  a\r\n\tb  ")));
	CHECK_STR(t, "a b");
	char w[40];
	CHECK(!ks_http_html_text(w, sizeof w, S("&AMP;&#0;&#xd800;&bogus;&#65")));
	CHECK_STR(w, "&&#0;&#xd800;&bogus;&#65");
	CHECK(ks_http_html_text(t, sizeof t, S("0123456789abcdefghij")));
	CHECK_STR(t, "0123456789abcde");
	CHECK(!ks_http_html_text(t, sizeof t, S("\x01&#9;x")));
	CHECK_STR(t, ". x");
}
