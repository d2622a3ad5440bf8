/* SPDX-License-Identifier: BSD-2-Clause */
/* FTP reply parser (see probe_ftp.h). */
#include "probe_ftp.h"

#include <string.h>

static int incomplete(struct ks_ftp *out, bool eof, size_t off, const char *what)
{
	return ks_probe_failed(&out->fail, eof ? KS_ETRUNC : KS_EAGAIN, off, what);
}

static void append(struct ks_ftp *out, const uint8_t *t, size_t n)
{
	size_t have = strlen(out->banner);
	if (have > 0) {
		if (have + 3 >= sizeof out->banner) {
			out->truncated = true;
			return;
		}
		memcpy(out->banner + have, " | ", 4);
		have += 3;
	}
	out->truncated |= ks_probe_text(out->banner + have, sizeof out->banner - have, t, n);
}

static bool code_at(const uint8_t *l, size_t n)
{
	return n >= 3 && l[0] >= '1' && l[0] <= '5' && l[1] >= '0' && l[1] <= '9' &&
	       l[2] >= '0' && l[2] <= '9';
}

int ks_ftp_parse(const uint8_t *p, size_t n, bool eof, struct ks_ftp *out)
{
	memset(out, 0, sizeof *out);
	if (n > KS_PROBE_MAX_BYTES)
		n = KS_PROBE_MAX_BYTES;
	struct ks_rd r = ks_rd_make(p, n);
	const uint8_t *line;
	size_t len;

	/* Not FTP as soon as the first bytes say so. */
	for (size_t i = 0; i < n && i < 3; i++)
		if (p[i] < (i == 0 ? '1' : '0') || p[i] > (i == 0 ? '5' : '9'))
			return ks_probe_failed(&out->fail, KS_EINVAL, i, "expected a 3-digit FTP reply code");
	if (n >= 4 && p[3] != ' ' && p[3] != '-' && p[3] != '\r' && p[3] != '\n')
		return ks_probe_failed(&out->fail, KS_EINVAL, 3, "expected ' ' or '-' after the reply code");

	int rc = ks_probe_line(&r, KS_FTP_LINE_MAX, &line, &len);
	if (rc == KS_ELIMIT)
		return ks_probe_failed(&out->fail, KS_ELIMIT, 0, "FTP reply line over 1024 bytes");
	if (rc != 0)
		return incomplete(out, eof, 0, "FTP reply line not complete");
	if (!code_at(line, len))
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "expected a 3-digit FTP reply code");
	out->code = (unsigned)((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0'));
	out->lines = 1;
	bool multi = len > 3 && line[3] == '-';
	append(out, line + (len > 3 ? 4 : 3), len > 3 ? len - 4 : 0);

	while (multi) {
		size_t off = ks_rd_off(&r);
		rc = ks_probe_line(&r, KS_FTP_LINE_MAX, &line, &len);
		if (rc == KS_ELIMIT)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "FTP reply line over 1024 bytes");
		if (rc != 0)
			return incomplete(out, eof, off, "multi-line FTP reply not complete");
		if (++out->lines > KS_FTP_LINES_MAX)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "FTP reply over 64 lines");
		/* The last line repeats the code followed by a space (or ends). */
		bool last = code_at(line, len) && (len == 3 || line[3] == ' ') &&
			    (unsigned)((line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0')) == out->code;
		if (last) {
			append(out, line + (len > 3 ? 4 : 3), len > 3 ? len - 4 : 0);
			break;
		}
		/* Intermediate lines often repeat "ddd-": drop that prefix. */
		if (code_at(line, len) && len > 3 && line[3] == '-')
			append(out, line + 4, len - 4);
		else
			append(out, line, len);
	}
	out->len = ks_rd_off(&r);
	return 0;
}
