/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the FTP and RTSP probe parsers (src/probe/probe_ftp.h,
 * probe_rtsp.h): vsftpd and Pure-FTPd greetings, RFC 959 multi-line forms,
 * a camera's OPTIONS replies, errors, truncation at every length. */
#include <stdint.h>
#include <string.h>

#include "probe.h"
#include "probe_ftp.h"
#include "probe_rtsp.h"
#include "probe_test.h"

KS_TEST(ftp_greetings)
{
	static struct ks_ftp f;
	static const char vsftpd[] = "220 (vsFTPd 3.0.3)\r\n";
	CHECK_EQ_U64(ks_ftp_parse(S(vsftpd), false, &f), 0);
	CHECK_EQ_U64(f.code, 220);
	CHECK_EQ_U64(f.lines, 1);
	CHECK_STR(f.banner, "(vsFTPd 3.0.3)");
	CHECK_STREAM_PREFIXES(ks_ftp_parse, struct ks_ftp, (const uint8_t *)vsftpd,
			      sizeof vsftpd - 1, sizeof vsftpd - 1);

	static const char pure[] =
		"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n"
		"220-You are user number 1 of 50 allowed.\r\n"
		"220-Local time is now 19:00. Server port: 21.\r\n"
		"220 You will be disconnected after 15 minutes of inactivity.\r\n"
		"530 extra reply not consumed\r\n";
	size_t n = sizeof pure - 1, first = n - strlen("530 extra reply not consumed\r\n");
	CHECK_EQ_U64(ks_ftp_parse(S(pure), false, &f), 0);
	CHECK_EQ_U64(f.lines, 4);
	CHECK_EQ_U64(f.len, first);
	CHECK_STR(f.banner, "--------- Welcome to Pure-FTPd [privsep] [TLS] ---------- | You are user "
			    "number 1 of 50 allowed. | Local time is now 19:00. Server port: 21. | You "
			    "will be disconnected after 15 minutes of inactivity.");
	CHECK_STREAM_PREFIXES(ks_ftp_parse, struct ks_ftp, (const uint8_t *)pure, first, first);

	/* RFC 959: inner lines are free text; "220-" inside does not end it,
	 * nor does another code; "220" alone does. */
	static const char rfc[] = "220-Hello\r\n  free text\r\n221 not the end\r\n220\r\n";
	CHECK_EQ_U64(ks_ftp_parse(S(rfc), false, &f), 0);
	CHECK_EQ_U64(f.lines, 4);
	CHECK_STR(f.banner, "Hello |   free text | 221 not the end | ");
	CHECK_EQ_U64(ks_ftp_parse(S("421 Too many connections (8) from this IP\n"), false, &f), 0);
	CHECK_EQ_U64(f.code, 421);
}

KS_TEST(ftp_errors)
{
	static struct ks_ftp f;
	CHECK_EQ_U64(ks_ftp_parse(S("SSH-2.0-x\r\n"), false, &f), KS_EINVAL);
	CHECK_EQ_U64(ks_ftp_parse(S("620 x\r\n"), false, &f), KS_EINVAL);
	CHECK_EQ_U64(ks_ftp_parse(S("2x0 x\r\n"), false, &f), KS_EINVAL);
	CHECK_EQ_U64(f.fail.off, 1);
	CHECK_EQ_U64(ks_ftp_parse(S("220x\r\n"), false, &f), KS_EINVAL);
	CHECK_EQ_U64(f.fail.off, 3);
	CHECK_EQ_U64(ks_ftp_parse(S("22\r\n"), false, &f), KS_EINVAL);
	static uint8_t many[1000];
	size_t o = 0;
	memcpy(many, "220-a\r\n", 7);
	for (o = 7; o + 3 <= sizeof many; o += 3)
		memcpy(many + o, "x\r\n", 3);
	CHECK_EQ_U64(ks_ftp_parse(many, o, false, &f), KS_ELIMIT);
	static uint8_t longl[2000];
	memset(longl, 'a', sizeof longl);
	memcpy(longl, "220 ", 4);
	CHECK_EQ_U64(ks_ftp_parse(longl, sizeof longl, false, &f), KS_ELIMIT);
	CHECK_EQ_U64(ks_ftp_parse(longl, 500, true, &f), KS_ETRUNC);
}

KS_TEST(rtsp_options_replies)
{
	static struct ks_rtsp r;
	static const char ok[] =
		"RTSP/1.0 200 OK\r\n"
		"CSeq: 1\r\n"
		"Public: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, SET_PARAMETER, GET_PARAMETER\r\n"
		"Date:  Fri, Dec 04 2026 10:00:00 GMT\r\n"
		"\r\n";
	CHECK_EQ_U64(ks_rtsp_parse(S(ok), false, &r), 0);
	CHECK_EQ_U64(r.status, 200);
	CHECK_STR(r.reason, "OK");
	CHECK(r.has_cseq);
	CHECK_EQ_U64(r.cseq, 1);
	CHECK_EQ_U64(r.methods, KS_RTSP_M_OPTIONS | KS_RTSP_M_DESCRIBE | KS_RTSP_M_PLAY |
					KS_RTSP_M_PAUSE | KS_RTSP_M_SETUP | KS_RTSP_M_TEARDOWN |
					KS_RTSP_M_SET_PARAMETER | KS_RTSP_M_GET_PARAMETER);
	CHECK_STR(r.server, "");
	CHECK_STREAM_PREFIXES(ks_rtsp_parse, struct ks_rtsp, (const uint8_t *)ok, sizeof ok - 1,
			      sizeof ok - 1);

	static const char auth[] =
		"RTSP/1.0 401 Unauthorized\r\n"
		"CSeq: 2\r\n"
		"WWW-Authenticate: Digest realm=\"IP Camera(C6214)\", nonce=\"0a4f113b\", stale=\"FALSE\"\r\n"
		"WWW-Authenticate: Basic realm=\"IP Camera(C6214)\"\r\n"
		"Server: Hipcam RealServer/V1.0\r\n"
		"Content-Length: 5\r\n"
		"\r\n"
		"hello";
	CHECK_EQ_U64(ks_rtsp_parse(S(auth), false, &r), 0);
	CHECK_EQ_U64(r.status, 401);
	CHECK_STR(r.server, "Hipcam RealServer/V1.0");
	CHECK_STR(r.auth.scheme, "Digest");
	CHECK_STR(r.auth.realm, "IP Camera(C6214)");
	CHECK_EQ_U64(r.auth.schemes, KS_HTTP_AUTH_DIGEST | KS_HTTP_AUTH_BASIC);
	CHECK_EQ_U64(r.len, sizeof auth - 1);
	CHECK_STREAM_PREFIXES(ks_rtsp_parse, struct ks_rtsp, (const uint8_t *)auth, sizeof auth - 1,
			      sizeof auth - 1);

	CHECK_EQ_U64(ks_rtsp_parse(S("HTTP/1.1 200 OK\r\n\r\n"), false, &r), KS_EINVAL);
	CHECK_EQ_U64(ks_rtsp_parse(S("RTSP/1.0 20 OK\r\n\r\n"), false, &r), KS_EINVAL);
	CHECK_EQ_U64(ks_rtsp_parse(S("RTSP/1.0 200 OK\r\nCSeq: x\r\n\r\n"), false, &r), KS_EINVAL);
	CHECK_EQ_U64(ks_rtsp_parse(S("RTSP/1.0 200 OK\r\n: x\r\n\r\n"), false, &r), KS_EINVAL);
	CHECK_EQ_U64(r.fail.off, 17);

	char buf[128];
	size_t len;
	CHECK_EQ_U64(ks_rtsp_options(buf, sizeof buf, 1, "kansoku-survey", &len), 0);
	CHECK_EQ_U64(len, strlen("OPTIONS * RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: kansoku-survey\r\n\r\n"));
	CHECK(memcmp(buf, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n", 29) == 0);
	CHECK_EQ_U64(ks_rtsp_options(buf, sizeof buf, 1, "a\r\nInjected: 1", &len), KS_EINVAL);
	CHECK_EQ_U64(ks_rtsp_options(buf, 20, 1, "x", &len), KS_ELIMIT);
}
