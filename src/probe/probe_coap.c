/* SPDX-License-Identifier: BSD-2-Clause */
/* CoAP /.well-known/core request builder and reply parser (see probe_coap.h). */
#include "probe_coap.h"

#include <string.h>

#define COAP_OPT_URI_PATH 11
#define COAP_OPT_CONTENT_FORMAT 12

int ks_coap_request(uint8_t *buf, size_t cap, uint16_t msg_id, uint32_t token, size_t *len)
{
	static const uint8_t path[] = {0xbb, '.', 'w', 'e', 'l', 'l', '-', 'k', 'n', 'o', 'w', 'n',
				       0x04, 'c', 'o', 'r', 'e'};
	size_t n = 4 + 4 + sizeof path;
	if (cap < n)
		return KS_ELIMIT;
	buf[0] = 1 << 6 | 0 << 4 | 4; /* version 1, CON, token length 4 */
	buf[1] = 0x01;                /* 0.01 GET */
	buf[2] = (uint8_t)(msg_id >> 8);
	buf[3] = (uint8_t)msg_id;
	for (int i = 0; i < 4; i++)
		buf[4 + i] = (uint8_t)(token >> (24 - 8 * i));
	memcpy(buf + 8, path, sizeof path);
	*len = n;
	return 0;
}

/* Reads an option delta or length nibble's extended value. */
static int ext_value(struct ks_rd *r, unsigned nib, unsigned *v)
{
	if (nib < 13) {
		*v = nib;
	} else if (nib == 13) {
		*v = 13u + ks_rd_u8(r);
	} else if (nib == 14) {
		*v = 269u + ks_rd_be16(r);
	} else {
		return KS_EINVAL;
	}
	return ks_rd_err(r) ? KS_ETRUNC : 0;
}

static void add_path(struct ks_coap *out, const uint8_t *p, size_t n)
{
	size_t have = strlen(out->paths);
	if (have + (have ? 1 : 0) + n + 1 > sizeof out->paths) {
		out->truncated = true;
		return;
	}
	if (have)
		out->paths[have++] = ',';
	out->truncated |= ks_probe_text(out->paths + have, sizeof out->paths - have, p, n);
}

/* Link format: "<target>;params,<target>..." - targets are what we keep.
 * Commas and '>' inside quoted parameter values are skipped over. */
static void links(struct ks_coap *out, const uint8_t *p, size_t n)
{
	bool quoted = false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			quoted = !quoted;
		if (quoted || p[i] != '<')
			continue;
		const uint8_t *gt = memchr(p + i + 1, '>', n - i - 1);
		if (gt == NULL)
			return;
		out->resources++;
		add_path(out, p + i + 1, (size_t)(gt - (p + i + 1)));
		i = (size_t)(gt - p);
	}
}

int ks_coap_parse(const uint8_t *p, size_t n, uint16_t msg_id, uint32_t token,
		  struct ks_coap *out)
{
	memset(out, 0, sizeof *out);
	struct ks_rd r = ks_rd_make(p, n);
	if (n < 4)
		return ks_probe_failed(&out->fail, KS_ETRUNC, n, "CoAP header is 4 bytes");
	uint8_t b0 = ks_rd_u8(&r), code = ks_rd_u8(&r);
	out->msg_id = ks_rd_be16(&r);
	out->type = (b0 >> 4) & 3;
	out->code_class = code >> 5;
	out->code_detail = code & 0x1f;
	unsigned tkl = b0 & 0x0f;
	if (b0 >> 6 != 1)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "CoAP version is not 1");
	if (tkl > 8)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "CoAP token length over 8");
	if (out->type == 3) { /* RST: empty message for our id */
		if (out->msg_id != msg_id || code != 0)
			return ks_probe_failed(&out->fail, KS_EINVAL, 2, "CoAP RST for another message");
		return 0;
	}
	if (out->code_class < 2)
		return ks_probe_failed(&out->fail, KS_EINVAL, 1, "CoAP code is not a response");
	if (out->type == 2 && out->msg_id != msg_id)
		return ks_probe_failed(&out->fail, KS_EINVAL, 2, "CoAP ACK for another message id");
	const uint8_t *tok = ks_rd_bytes(&r, tkl);
	if (tok == NULL)
		return ks_probe_failed(&out->fail, KS_ETRUNC, 4, "CoAP token");
	uint8_t want[4] = {(uint8_t)(token >> 24), (uint8_t)(token >> 16), (uint8_t)(token >> 8),
			   (uint8_t)token};
	if (tkl != 4 || memcmp(tok, want, 4) != 0)
		return ks_probe_failed(&out->fail, KS_EINVAL, 4, "CoAP token does not match");

	unsigned number = 0;
	for (unsigned i = 0; ks_rd_left(&r) > 0; i++) {
		size_t off = ks_rd_off(&r);
		uint8_t h = ks_rd_u8(&r);
		if (h == 0xff) {
			if (ks_rd_left(&r) == 0)
				return ks_probe_failed(&out->fail, KS_EINVAL, off,
						       "CoAP payload marker with no payload");
			size_t left = ks_rd_left(&r);
			links(out, ks_rd_bytes(&r, left), left);
			break;
		}
		if (i >= KS_COAP_OPTIONS_MAX)
			return ks_probe_failed(&out->fail, KS_ELIMIT, off, "more than 32 CoAP options");
		unsigned delta, len;
		int rc = ext_value(&r, h >> 4, &delta);
		if (rc == 0)
			rc = ext_value(&r, h & 0x0f, &len);
		if (rc != 0)
			return ks_probe_failed(&out->fail, rc, off, "CoAP option header");
		number += delta;
		const uint8_t *v = ks_rd_bytes(&r, len);
		if (v == NULL)
			return ks_probe_failed(&out->fail, KS_ETRUNC, off, "CoAP option value");
		if (number == COAP_OPT_CONTENT_FORMAT && len <= 2) {
			out->has_format = true;
			out->content_format = len == 0 ? 0 : len == 1 ? v[0] : (uint16_t)(v[0] << 8 | v[1]);
		}
	}
	return 0;
}
