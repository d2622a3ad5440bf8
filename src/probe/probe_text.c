/* SPDX-License-Identifier: BSD-2-Clause */
/* Text helpers shared by the probe parsers (probe.h): sanitised copies of
 * untrusted bytes, line splitting, case-insensitive matching and bounded
 * decimal numbers. */
#include "probe.h"

#include <string.h>

#include "ks_utf8.h"

int ks_probe_failed(struct ks_probe_fail *f, int code, size_t off, const char *what)
{
	f->off = off;
	f->what = what;
	return code;
}

/* Length of the valid UTF-8 sequence at p (2..4), or 0. Overlong forms,
 * surrogates and values above U+10FFFF are invalid (RFC 3629). */
static size_t utf8_len(const uint8_t *p, size_t n)
{
	uint32_t cp;
	return p[0] < 0x80 ? 0 : ks_utf8_seq(p, n, &cp);
}

bool ks_probe_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	size_t o = 0, i = 0;
	while (i < n) {
		size_t k = p[i] >= 0x80 ? utf8_len(p + i, n - i) : 1;
		if (o + (k ? k : 1) > cap - 1)
			break;
		if (k > 1) {
			memcpy(dst + o, p + i, k);
			o += k;
			i += k;
			continue;
		}
		uint8_t c = p[i++];
		if (k == 0)
			dst[o++] = '?';
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			dst[o++] = '.';
		else
			dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return i < n;
}

int ks_probe_line(struct ks_rd *r, size_t max, const uint8_t **line, size_t *len)
{
	size_t left = ks_rd_left(r);
	if (left == 0)
		return KS_EAGAIN;
	const uint8_t *p = r->base + r->off;
	const uint8_t *lf = memchr(p, '\n', left);
	if (lf == NULL)
		return left > max ? KS_ELIMIT : KS_EAGAIN;
	size_t n = (size_t)(lf - p);
	if (n > max)
		return KS_ELIMIT;
	ks_rd_skip(r, n + 1);
	if (n > 0 && p[n - 1] == '\r')
		n--;
	*line = p;
	*len = n;
	return 0;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

bool ks_probe_iprefix(const uint8_t *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	if (k > n)
		return false;
	for (size_t i = 0; i < k; i++)
		if (lower(p[i]) != lower((uint8_t)prefix[i]))
			return false;
	return true;
}

bool ks_probe_ieq(const uint8_t *p, size_t n, const char *s)
{
	return strlen(s) == n && ks_probe_iprefix(p, n, s);
}

long ks_probe_ifind(const uint8_t *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	if (k == 0)
		return 0;
	for (size_t i = 0; i + k <= n; i++)
		if (ks_probe_iprefix(p + i, n - i, needle))
			return (long)i;
	return -1;
}

void ks_probe_trim(const uint8_t **p, size_t *n)
{
	while (*n > 0 && (**p == ' ' || **p == '\t'))
		(*p)++, (*n)--;
	while (*n > 0 && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t'))
		(*n)--;
}

int ks_probe_dec(const uint8_t *p, size_t n, unsigned max_digits, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > max_digits || max_digits > 19)
		return KS_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return KS_EINVAL;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

static bool tchar(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int ks_probe_header(const uint8_t *line, size_t len, const uint8_t **name, size_t *nl,
		    const uint8_t **value, size_t *vn, size_t *bad)
{
	const uint8_t *colon = memchr(line, ':', len);
	if (colon == NULL || colon == line) {
		*bad = 0;
		return KS_EINVAL;
	}
	size_t k = (size_t)(colon - line);
	for (size_t i = 0; i < k; i++) {
		if (!tchar(line[i])) {
			*bad = i;
			return KS_EINVAL;
		}
	}
	*name = line;
	*nl = k;
	*value = colon + 1;
	*vn = len - k - 1;
	ks_probe_trim(value, vn);
	return 0;
}

int ks_probe_status3(const uint8_t *p, size_t n, unsigned *code)
{
	uint64_t v;
	if (n < 3 || ks_probe_dec(p, 3, 3, &v) != 0 || v < 100 || (n > 3 && p[3] != ' '))
		return KS_EINVAL;
	*code = (unsigned)v;
	return 0;
}
