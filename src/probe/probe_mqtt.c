/* SPDX-License-Identifier: BSD-2-Clause */
/* MQTT CONNECT builder and CONNACK parser (see probe_mqtt.h). */
#include "probe_mqtt.h"

#include <string.h>

#define MQTT_CONNECT 0x10
#define MQTT_CONNACK 0x20

int ks_mqtt_connect(uint8_t *buf, size_t cap, unsigned level, const char *client_id, size_t *len)
{
	size_t idl = strlen(client_id);
	if ((level != KS_MQTT_V311 && level != KS_MQTT_V5) || idl == 0 || idl > 23)
		return KS_EINVAL;
	for (size_t i = 0; i < idl; i++) {
		char c = client_id[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return KS_EINVAL;
	}
	/* variable header: name(6) level(1) flags(1) keepalive(2) [props(1)] */
	size_t rem = 10 + (level == KS_MQTT_V5 ? 1 : 0) + 2 + idl;
	if (cap < 2 + rem)
		return KS_ELIMIT;
	size_t o = 0;
	buf[o++] = MQTT_CONNECT;
	buf[o++] = (uint8_t)rem; /* < 128: one length byte */
	static const uint8_t name[] = {0, 4, 'M', 'Q', 'T', 'T'};
	memcpy(buf + o, name, sizeof name);
	o += sizeof name;
	buf[o++] = (uint8_t)level;
	buf[o++] = 0x02; /* clean session; no will, no user name, no password */
	buf[o++] = 0;
	buf[o++] = 30;   /* keep alive, seconds */
	if (level == KS_MQTT_V5)
		buf[o++] = 0; /* no properties */
	buf[o++] = 0;
	buf[o++] = (uint8_t)idl;
	memcpy(buf + o, client_id, idl);
	*len = o + idl;
	return 0;
}

static const char *code_name(unsigned level, uint8_t c, enum ks_mqtt_verdict *v)
{
	*v = KS_MQTT_REFUSED_OTHER;
	if (c == 0) {
		*v = KS_MQTT_ACCEPTED;
		return "accepted";
	}
	if (level == KS_MQTT_V311 || c < 0x80) {
		switch (c) {
		case 1:
			*v = KS_MQTT_VERSION_REFUSED;
			return "unacceptable_protocol_version";
		case 2:
			return "identifier_rejected";
		case 3:
			return "server_unavailable";
		case 4:
			*v = KS_MQTT_AUTH_REQUIRED;
			return "bad_username_or_password";
		case 5:
			*v = KS_MQTT_AUTH_REQUIRED;
			return "not_authorized";
		default:
			return "reserved";
		}
	}
	switch (c) {
	case 0x84:
		*v = KS_MQTT_VERSION_REFUSED;
		return "unsupported_protocol_version";
	case 0x85:
		return "client_identifier_not_valid";
	case 0x86:
		*v = KS_MQTT_AUTH_REQUIRED;
		return "bad_username_or_password";
	case 0x87:
		*v = KS_MQTT_AUTH_REQUIRED;
		return "not_authorized";
	case 0x8c:
		*v = KS_MQTT_AUTH_REQUIRED;
		return "bad_authentication_method";
	case 0x88:
		return "server_unavailable";
	case 0x89:
		return "server_busy";
	case 0x8a:
		return "banned";
	case 0x80:
		return "unspecified_error";
	default:
		return "other";
	}
}

int ks_mqtt_parse(const uint8_t *p, size_t n, bool eof, unsigned level, struct ks_mqtt *out)
{
	memset(out, 0, sizeof *out);
	out->level = level;
	out->code_name = "";
	if (level != KS_MQTT_V311 && level != KS_MQTT_V5)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "MQTT level must be 4 or 5");
	struct ks_rd r = ks_rd_make(p, n);
	int more = eof ? KS_ETRUNC : KS_EAGAIN;
	if (n == 0)
		return ks_probe_failed(&out->fail, more, 0, "MQTT CONNACK not received");
	if (ks_rd_u8(&r) != MQTT_CONNACK)
		return ks_probe_failed(&out->fail, KS_EINVAL, 0, "expected MQTT CONNACK (0x20)");
	/* Remaining length: 7 bits per byte, at most 4 bytes. */
	uint32_t rem = 0;
	for (int i = 0;; i++) {
		if (i == 4)
			return ks_probe_failed(&out->fail, KS_EINVAL, 1, "MQTT remaining length over 4 bytes");
		if (!ks_rd_has(&r, 1))
			return ks_probe_failed(&out->fail, more, ks_rd_off(&r), "MQTT remaining length");
		uint8_t b = ks_rd_u8(&r);
		rem |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			break;
	}
	size_t body = ks_rd_off(&r);
	/* A 3.1.1 CONNACK is exactly 2 bytes; 5.0 at least 3 (with property length). */
	if (rem < 2 || (level == KS_MQTT_V311 && rem != 2) || rem > 65536)
		return ks_probe_failed(&out->fail, KS_EINVAL, 1, "MQTT CONNACK remaining length");
	if (!ks_rd_has(&r, rem))
		return ks_probe_failed(&out->fail, more, body, "MQTT CONNACK not complete");
	struct ks_rd b = ks_rd_sub(&r, rem);
	uint8_t flags = ks_rd_u8(&b);
	if (flags & 0xfe)
		return ks_probe_failed(&out->fail, KS_EINVAL, body, "MQTT CONNACK reserved flag bits set");
	out->session_present = flags & 1;
	out->code = ks_rd_u8(&b);
	/* A broker that does not speak 5.0 answers in 3.1.1 form (2 bytes). */
	unsigned as = level == KS_MQTT_V5 && rem == 2 ? KS_MQTT_V311 : level;
	if (as == KS_MQTT_V5) {
		uint32_t plen = 0;
		for (int i = 0;; i++) {
			if (i == 4 || !ks_rd_has(&b, 1))
				return ks_probe_failed(&out->fail, KS_EINVAL, body + ks_rd_off(&b),
						       "MQTT 5 property length");
			uint8_t c = ks_rd_u8(&b);
			plen |= (uint32_t)(c & 0x7f) << (7 * i);
			if (!(c & 0x80))
				break;
		}
		if (plen != ks_rd_left(&b))
			return ks_probe_failed(&out->fail, KS_EINVAL, body + ks_rd_off(&b),
					       "MQTT 5 property length does not match the packet");
	}
	out->code_name = code_name(as, out->code, &out->verdict);
	out->len = ks_rd_off(&r);
	return 0;
}

const char *ks_mqtt_verdict_name(enum ks_mqtt_verdict v)
{
	switch (v) {
	case KS_MQTT_ACCEPTED:
		return "accepted";
	case KS_MQTT_AUTH_REQUIRED:
		return "auth_required";
	case KS_MQTT_VERSION_REFUSED:
		return "version_refused";
	case KS_MQTT_REFUSED_OTHER:
		break;
	}
	return "refused";
}
