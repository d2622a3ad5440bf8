/* SPDX-License-Identifier: BSD-2-Clause */
/* RTSP OPTIONS reply parser and request builder (see probe_rtsp.h). */
#include "probe_rtsp.h"

#include <stdio.h>
#include <string.h>

static int incomplete(struct ks_rtsp *out, bool eof, size_t off, const char *what)
{
	return ks_probe_failed(&out->fail, eof ? KS_ETRUNC : KS_EAGAIN, off, what);
}

static void methods(struct ks_rtsp *out, const uint8_t *v, size_t n)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} m[] = {{"OPTIONS", KS_RTSP_M_OPTIONS},       {"DESCRIBE", KS_RTSP_M_DESCRIBE},
		 {"SETUP", KS_RTSP_M_SETUP},           {"PLAY", KS_RTSP_M_PLAY},
		 {"TEARDOWN", KS_RTSP_M_TEARDOWN},     {"ANNOUNCE", KS_RTSP_M_ANNOUNCE},
		 {"RECORD", KS_RTSP_M_RECORD},         {"SET_PARAMETER", KS_RTSP_M_SET_PARAMETER},
		 {"GET_PARAMETER", KS_RTSP_M_GET_PARAMETER}, {"PAUSE", KS_RTSP_M_PAUSE}};
	for (size_t i = 0; i < n;) {
		size_t e = i;
		while (e < n && v[e] != ',')
			e++;
		const uint8_t *t = v + i;
		size_t tn = e - i;
		ks_probe_trim(&t, &tn);
		for (size_t k = 0; k < sizeof m / sizeof m[0]; k++)
			if (ks_probe_ieq(t, tn, m[k].name))
				out->methods |= m[k].bit;
		i = e + 1;
	}
}

int ks_rtsp_parse(const uint8_t *p, size_t n, bool eof, struct ks_rtsp *out)
{
	memset(out, 0, sizeof *out);
	if (n > KS_PROBE_MAX_BYTES)
		n = KS_PROBE_MAX_BYTES;
	struct ks_rd r = ks_rd_make(p, n);
	const uint8_t *line;
	size_t len;
	if (n == 0)
		return incomplete(out, eof, 0, "RTSP status line not received");
	static const char proto[] = "RTSP/1.0 ";
	size_t k = n < 9 ? n : 9;
	if (memcmp(p, proto, k) != 0)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "expected 'RTSP/1.0 '");
	int rc = ks_probe_line(&r, 1024, &line, &len);
	if (rc == KS_ELIMIT)
		return ks_probe_failed(&out->fail, KS_ELIMIT, 0, "RTSP status line over 1024 bytes");
	if (rc != 0)
		return incomplete(out, eof, 0, "RTSP status line not complete");
	if (len < 12 || ks_probe_status3(line + 9, len - 9, &out->status) != 0)
		return ks_probe_failed(&out->fail, KS_EINVAL, 9, "expected a 3-digit RTSP status code");
	if (len > 13)
		out->truncated |= ks_probe_text(out->reason, sizeof out->reason, line + 13, len - 13);

	uint64_t clen = 0;
	bool has_len = false;
	for (;;) {
		size_t off = ks_rd_off(&r);
		if (off > KS_RTSP_HEAD_MAX)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "RTSP headers over 8 KiB");
		rc = ks_probe_line(&r, KS_RTSP_HEAD_MAX, &line, &len);
		if (rc == KS_ELIMIT)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "RTSP headers over 8 KiB");
		if (rc != 0)
			return incomplete(out, eof, off, "RTSP headers not complete");
		if (len == 0)
			break;
		if (++out->nheaders > KS_RTSP_HEADERS_MAX)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "more than 64 RTSP headers");
		const uint8_t *name, *v;
		size_t nl, vn, bad;
		if (ks_probe_header(line, len, &name, &nl, &v, &vn, &bad) != 0)
			return ks_probe_failed(&out->fail, KS_EINVAL, off + bad,
					       "RTSP header: expected 'token:'");
		if (ks_probe_ieq(name, nl, "server")) {
			out->truncated |= ks_probe_text(out->server, sizeof out->server, v, vn);
		} else if (ks_probe_ieq(name, nl, "public")) {
			out->truncated |= ks_probe_text(out->public_, sizeof out->public_, v, vn);
			methods(out, v, vn);
		} else if (ks_probe_ieq(name, nl, "cseq")) {
			if (ks_probe_dec(v, vn, 10, &out->cseq) != 0)
				return ks_probe_failed(&out->fail, KS_EINVAL, off, "RTSP CSeq: not a number");
			out->has_cseq = true;
		} else if (ks_probe_ieq(name, nl, "www-authenticate")) {
			ks_http_auth_add(&out->auth, v, vn);
		} else if (ks_probe_ieq(name, nl, "content-length")) {
			if (ks_probe_dec(v, vn, 15, &clen) != 0)
				return ks_probe_failed(&out->fail, KS_EINVAL, off,
						       "RTSP Content-Length: not a number");
			has_len = true;
		}
	}
	out->truncated |= out->auth.truncated;
	if (has_len) {
		size_t off = ks_rd_off(&r);
		if (clen > ks_rd_left(&r))
			return incomplete(out, eof, off, "RTSP body not complete");
		ks_rd_skip(&r, (size_t)clen);
	}
	out->len = ks_rd_off(&r);
	return 0;
}

int ks_rtsp_options(char *buf, size_t cap, unsigned cseq, const char *ua, size_t *len)
{
	for (const char *c = ua; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return KS_EINVAL;
	int n = snprintf(buf, cap, "OPTIONS * RTSP/1.0\r\nCSeq: %u\r\nUser-Agent: %s\r\n\r\n", cseq, ua);
	if (n < 0 || (size_t)n >= cap)
		return KS_ELIMIT;
	*len = (size_t)n;
	return 0;
}
