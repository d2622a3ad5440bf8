/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTP/1.x response parser (see probe_http.h). */
#include "probe_http.h"

#include <string.h>

static int incomplete(struct ks_http *out, bool eof, size_t off, const char *what)
{
	return ks_probe_failed(&out->fail, eof ? KS_ETRUNC : KS_EAGAIN, off, what);
}

static void field(struct ks_http *out, char *dst, size_t cap, const uint8_t *v, size_t n)
{
	out->truncated |= ks_probe_text(dst, cap, v, n);
}

/* Appends a cookie name to out->cookies. */
static void add_cookie(struct ks_http *out, const uint8_t *v, size_t n)
{
	const uint8_t *eq = memchr(v, '=', n);
	size_t k = eq ? (size_t)(eq - v) : n;
	ks_probe_trim(&v, &k);
	if (k == 0)
		return;
	size_t have = strlen(out->cookies);
	char name[64];
	if (ks_probe_text(name, sizeof name, v, k))
		out->truncated = true;
	size_t nl = strlen(name);
	if (have + nl + 2 > sizeof out->cookies) {
		out->truncated = true;
		return;
	}
	if (have)
		out->cookies[have++] = ',';
	memcpy(out->cookies + have, name, nl + 1);
	out->ncookies++;
}

static uint32_t scheme_bit(const uint8_t *s, size_t n)
{
	if (ks_probe_ieq(s, n, "basic"))
		return KS_HTTP_AUTH_BASIC;
	if (ks_probe_ieq(s, n, "digest"))
		return KS_HTTP_AUTH_DIGEST;
	if (ks_probe_ieq(s, n, "ntlm"))
		return KS_HTTP_AUTH_NTLM;
	if (ks_probe_ieq(s, n, "negotiate"))
		return KS_HTTP_AUTH_NEGOTIATE;
	if (ks_probe_ieq(s, n, "bearer"))
		return KS_HTTP_AUTH_BEARER;
	return KS_HTTP_AUTH_OTHER;
}

static bool tchar(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* WWW-Authenticate: scheme [params]. Several challenges may share one
 * header ("Basic realm=x, Digest realm=y"); every scheme token that starts
 * the header or follows a comma and is followed by a space or the end (not
 * '=', which would make it a parameter) counts. The first challenge of the
 * response gives auth_scheme and realm. */
void ks_http_auth_add(struct ks_http_auth *a, const uint8_t *v, size_t n)
{
	size_t i = 0;
	bool at_start = true;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			at_start |= v[i] == ',', i++;
		size_t s = i;
		while (i < n && tchar(v[i]))
			i++;
		size_t tl = i - s;
		if (tl == 0) {
			i++; /* a byte that is not a token: skip it */
			continue;
		}
		bool is_param = i < n && v[i] == '=';
		if (at_start && !is_param) {
			a->schemes |= scheme_bit(v + s, tl);
			if (a->scheme[0] == '\0') {
				a->truncated |= ks_probe_text(a->scheme, sizeof a->scheme, v + s, tl);
				/* realm of this challenge */
				long rp = ks_probe_ifind(v + i, n - i, "realm=");
				if (rp >= 0) {
					size_t j = i + (size_t)rp + 6;
					uint8_t tmp[128];
					size_t tn = 0;
					if (j < n && v[j] == '"') {
						for (j++; j < n && v[j] != '"' && tn < sizeof tmp; j++) {
							if (v[j] == '\\' && j + 1 < n)
								j++;
							tmp[tn++] = v[j];
						}
					} else {
						while (j < n && v[j] != ',' && v[j] != ' ' && tn < sizeof tmp)
							tmp[tn++] = v[j++];
					}
					a->truncated |= ks_probe_text(a->realm, sizeof a->realm, tmp, tn);
				}
			}
		}
		at_start = false;
		if (is_param) {
			/* skip the value: quoted string or token */
			i++;
			if (i < n && v[i] == '"') {
				for (i++; i < n && v[i] != '"'; i++)
					if (v[i] == '\\')
						i++;
				i++;
			} else {
				while (i < n && v[i] != ',')
					i++;
			}
		}
	}
}

static int header(struct ks_http *out, const uint8_t *line, size_t len, size_t off)
{
	const uint8_t *name, *v;
	size_t nl, vn, bad;
	if (ks_probe_header(line, len, &name, &nl, &v, &vn, &bad) != 0)
		return ks_probe_failed(&out->fail, KS_EINVAL, off + bad,
				       "HTTP header: expected 'token:'");
	if (ks_probe_ieq(name, nl, "server")) {
		field(out, out->server, sizeof out->server, v, vn);
	} else if (ks_probe_ieq(name, nl, "content-type")) {
		field(out, out->content_type, sizeof out->content_type, v, vn);
	} else if (ks_probe_ieq(name, nl, "location")) {
		field(out, out->location, sizeof out->location, v, vn);
	} else if (ks_probe_ieq(name, nl, "www-authenticate")) {
		ks_http_auth_add(&out->auth, v, vn);
	} else if (ks_probe_ieq(name, nl, "set-cookie")) {
		add_cookie(out, v, vn);
	} else if (ks_probe_ieq(name, nl, "content-length")) {
		uint64_t cl;
		if (ks_probe_dec(v, vn, 15, &cl) != 0 || (out->has_length && cl != out->content_length))
			return ks_probe_failed(&out->fail, KS_EINVAL, off,
					       "HTTP Content-Length invalid or conflicting");
		out->has_length = true;
		out->content_length = cl;
	} else if (ks_probe_ieq(name, nl, "transfer-encoding")) {
		/* chunked must be the last coding (RFC 9112 section 6.1) */
		size_t k = strlen("chunked");
		out->chunked = vn >= k && ks_probe_ieq(v + vn - k, k, "chunked");
	}
	return 0;
}

/* Value of attribute name inside one tag's bytes (after "<input"). */
static bool attr_is(const uint8_t *t, size_t n, const char *name, const char *want)
{
	size_t k = strlen(name);
	for (size_t i = 0; i + k < n; i++) {
		if (!ks_probe_iprefix(t + i, n - i, name))
			continue;
		if (i > 0 && t[i - 1] != ' ' && t[i - 1] != '\t' && t[i - 1] != '\n' &&
		    t[i - 1] != '\r' && t[i - 1] != '"' && t[i - 1] != '\'')
			continue;
		size_t j = i + k;
		while (j < n && (t[j] == ' ' || t[j] == '\t'))
			j++;
		if (j >= n || t[j] != '=')
			continue;
		j++;
		while (j < n && (t[j] == ' ' || t[j] == '\t' || t[j] == '"' || t[j] == '\''))
			j++;
		if (ks_probe_iprefix(t + j, n - j, want))
			return true;
	}
	return false;
}

static void scan_body(struct ks_http *out, const uint8_t *b, size_t n)
{
	long t = ks_probe_ifind(b, n, "<title");
	if (t >= 0) {
		const uint8_t *s = b + t + 6;
		size_t left = n - (size_t)t - 6;
		const uint8_t *gt = memchr(s, '>', left);
		if (gt) {
			size_t start = (size_t)(gt + 1 - b);
			long e = ks_probe_ifind(b + start, n - start, "</title");
			if (e >= 0)
				out->truncated |= ks_http_html_text(out->title, sizeof out->title,
								   b + start, (size_t)e);
		}
	}
	for (size_t i = 0; i < n;) {
		long in = ks_probe_ifind(b + i, n - i, "<input");
		if (in < 0)
			break;
		size_t s = i + (size_t)in + 6;
		const uint8_t *gt = memchr(b + s, '>', n - s);
		size_t e = gt ? (size_t)(gt - b) : n;
		if (attr_is(b + s, e - s, "type", "password")) {
			out->password_field = true;
			break;
		}
		i = e;
	}
}

/* Appends the UTF-8 form of cp to buf (room for 4). */
static size_t utf8_put(uint8_t *buf, uint32_t cp)
{
	if (cp < 0x80) {
		buf[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (uint8_t)(0xc0 | cp >> 6);
		buf[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (uint8_t)(0xe0 | cp >> 12);
		buf[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		buf[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (uint8_t)(0xf0 | cp >> 18);
	buf[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	buf[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	buf[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decodes the entity at p[0] == '&'; returns bytes consumed (0: not one). */
static size_t entity(const uint8_t *p, size_t n, uint32_t *cp)
{
	static const struct {
		const char *name;
		uint32_t cp;
	} named[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
		     {"&apos;", '\''}, {"&nbsp;", ' '}};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		size_t k = strlen(named[i].name);
		if (ks_probe_iprefix(p, n, named[i].name)) {
			*cp = named[i].cp;
			return k;
		}
	}
	if (n < 4 || p[1] != '#')
		return 0;
	bool hex = p[2] == 'x' || p[2] == 'X';
	uint32_t v = 0;
	size_t i = hex ? 3 : 2, digits = 0;
	for (; i < n && digits < 7; i++, digits++) {
		uint8_t c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0'
			: hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
			: hex && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			break;
		v = v * (hex ? 16 : 10) + (uint32_t)d;
	}
	if (digits == 0 || i >= n || p[i] != ';' || v == 0 || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return i + 1;
}

bool ks_http_html_text(char *dst, size_t cap, const uint8_t *p, size_t n)
{
	uint8_t buf[1024];
	size_t o = 0;
	bool cut = false, space = false;
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		uint8_t tmp[4];
		size_t tn = 1, used = 1;
		uint32_t cp;
		if (c == '&' && (used = entity(p + i, n - i, &cp)) > 0) {
			tn = utf8_put(tmp, cp);
		} else {
			used = 1;
			tmp[0] = c;
		}
		i += used;
		if (tn == 1 && (tmp[0] == ' ' || tmp[0] == '\t' || tmp[0] == '\n' || tmp[0] == '\r')) {
			space = o > 0;
			continue;
		}
		if (o + tn + (space ? 1 : 0) > sizeof buf) {
			cut = true;
			break;
		}
		if (space)
			buf[o++] = ' ';
		space = false;
		memcpy(buf + o, tmp, tn);
		o += tn;
	}
	return ks_probe_text(dst, cap, buf, o) || cut;
}

/* Reads a chunked body from r into body (at most cap bytes kept). Returns
 * 0 when the last chunk was read or cap bytes were collected, KS_EAGAIN
 * when more is needed, KS_EINVAL on a bad chunk size. */
static int dechunk(struct ks_rd *r, uint8_t *body, size_t cap, size_t *got, size_t *bad_off)
{
	for (unsigned chunks = 0; chunks < 4096; chunks++) {
		const uint8_t *line;
		size_t len;
		*bad_off = ks_rd_off(r);
		int rc = ks_probe_line(r, 1024, &line, &len);
		if (rc == KS_ELIMIT)
			return KS_EINVAL;
		if (rc != 0)
			return rc;
		uint64_t size = 0;
		size_t i = 0;
		for (; i < len && i < 16; i++) {
			uint8_t c = line[i];
			int d = c >= '0' && c <= '9' ? c - '0'
				: c >= 'a' && c <= 'f' ? c - 'a' + 10
				: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				break;
			size = size << 4 | (uint64_t)d;
		}
		if (i == 0 || (i < len && line[i] != ';' && line[i] != ' ' && line[i] != '\t'))
			return KS_EINVAL;
		if (size == 0) {
			/* Trailer fields, skipped, up to the empty line. */
			for (unsigned t = 0; t < 32; t++) {
				*bad_off = ks_rd_off(r);
				rc = ks_probe_line(r, 1024, &line, &len);
				if (rc != 0)
					return rc == KS_ELIMIT ? KS_EINVAL : rc;
				if (len == 0)
					return 0;
			}
			return KS_EINVAL;
		}
		size_t avail = ks_rd_left(r);
		size_t take = size < avail ? (size_t)size : avail;
		size_t keep = take < cap - *got ? take : cap - *got;
		memcpy(body + *got, ks_rd_bytes(r, take), keep);
		*got += keep;
		if (*got == cap)
			return 0;
		if (take < size)
			return KS_EAGAIN;
		/* the CRLF (or bare LF) after the data */
		*bad_off = ks_rd_off(r);
		if (ks_rd_has(r, 1) && r->base[r->off] == '\r')
			ks_rd_skip(r, 1);
		if (!ks_rd_has(r, 1))
			return KS_EAGAIN;
		if (ks_rd_u8(r) != '\n')
			return KS_EINVAL;
	}
	return KS_EINVAL;
}

int ks_http_parse(const uint8_t *p, size_t n, bool eof, struct ks_http *out)
{
	memset(out, 0, sizeof *out);
	if (n > KS_PROBE_MAX_BYTES)
		n = KS_PROBE_MAX_BYTES;
	struct ks_rd r = ks_rd_make(p, n);
	const uint8_t *line;
	size_t len;

	/* Status line. */
	if (n == 0)
		return incomplete(out, eof, 0, "HTTP status line not received");
	static const char proto[] = "HTTP/1.";
	size_t k = n < 7 ? n : 7;
	if (memcmp(p, proto, k) != 0)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "expected 'HTTP/1.'");
	int rc = ks_probe_line(&r, 1024, &line, &len);
	if (rc == KS_ELIMIT)
		return ks_probe_failed(&out->fail, KS_ELIMIT, 0, "HTTP status line over 1024 bytes");
	if (rc != 0)
		return incomplete(out, eof, 0, "HTTP status line not complete");
	if (len < 12 || line[7] < '0' || line[7] > '9' || line[8] != ' ')
		return ks_probe_failed(&out->fail, KS_EINVAL, 7, "expected 'HTTP/1.x SP'");
	out->version_minor = (unsigned)(line[7] - '0');
	uint64_t st;
	if (ks_probe_dec(line + 9, 3, 3, &st) != 0 || st < 100 || (len > 12 && line[12] != ' '))
		return ks_probe_failed(&out->fail, KS_EINVAL, 9, "expected a 3-digit status code");
	out->status = (unsigned)st;
	if (len > 13)
		field(out, out->reason, sizeof out->reason, line + 13, len - 13);

	/* Headers. */
	for (;;) {
		size_t off = ks_rd_off(&r);
		if (off > KS_HTTP_HEAD_MAX)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "HTTP headers over 16 KiB");
		rc = ks_probe_line(&r, KS_HTTP_HEAD_MAX, &line, &len);
		if (rc == KS_ELIMIT)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "HTTP headers over 16 KiB");
		if (rc != 0)
			return incomplete(out, eof, off, "HTTP headers not complete");
		if (len == 0)
			break;
		if (line[0] == ' ' || line[0] == '\t')
			continue; /* obsolete line folding: continuation ignored */
		if (++out->nheaders > KS_HTTP_HEADERS_MAX)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "more than 100 HTTP headers");
		rc = header(out, line, len, off);
		if (rc != 0)
			return rc;
	}
	out->head_len = ks_rd_off(&r);
	out->truncated |= out->auth.truncated;
	out->login_page = out->status == 401 &&
			  (out->auth.schemes & (KS_HTTP_AUTH_BASIC | KS_HTTP_AUTH_DIGEST));

	/* Body. */
	if (out->status < 200 || out->status == 204 || out->status == 304)
		return 0;
	uint8_t body[KS_HTTP_BODY_SCAN];
	size_t got = 0;
	rc = 0;
	if (out->chunked) {
		size_t bad = 0;
		rc = dechunk(&r, body, sizeof body, &got, &bad);
		if (rc == KS_EINVAL)
			return ks_probe_failed(&out->fail, KS_EINVAL, bad, "bad HTTP chunk: size line or CRLF after data");
	} else {
		size_t avail = ks_rd_left(&r);
		size_t want = out->has_length && out->content_length < sizeof body
				      ? (size_t)out->content_length
				      : sizeof body;
		got = avail < want ? avail : want;
		memcpy(body, ks_rd_bytes(&r, got), got);
		if (got < want && (out->has_length || !eof))
			rc = KS_EAGAIN;
	}
	out->body_scanned = got;
	scan_body(out, body, got);
	out->login_page |= out->password_field;
	if (rc == KS_EAGAIN)
		return incomplete(out, eof, ks_rd_off(&r), "HTTP body not complete");
	return 0;
}
