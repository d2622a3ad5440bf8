/* SPDX-License-Identifier: BSD-2-Clause */
/* MQTT probe: a CONNECT without credentials and the parser of the broker's
 * CONNACK, which tells whether anonymous clients are allowed (mqtt_no_auth).
 * specification: MQTT 3.1.1 (OASIS 2014) sections 2.2 (fixed header,
 * remaining length), 3.1 (CONNECT), 3.2 (CONNACK); MQTT 5.0 (OASIS 2019)
 * sections 3.1 and 3.2 (reason codes, properties).
 *
 *   CONNACK  0x20 | remaining length (1-4 byte varint)
 *     3.1.1: byte ack flags (bit 0 session present), byte return code
 *     5.0:   byte ack flags, byte reason code, varint property length, properties
 *
 * The probe connects with a clean session, no will, no user name and no
 * password, then disconnects: it subscribes to nothing and publishes
 * nothing. A broker that only speaks 3.1.1 answers a 5.0 CONNECT with a
 * 3.1.1 CONNACK whose return code is 1 (unacceptable protocol version); the
 * parser reports that as version_refused, and the engine retries with 4. */
#ifndef KS_PROBE_MQTT_H
#define KS_PROBE_MQTT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probe.h"

#define KS_MQTT_V311 4 /* protocol level byte */
#define KS_MQTT_V5 5

enum ks_mqtt_verdict {
	KS_MQTT_ACCEPTED = 0,     /* anonymous CONNECT accepted: no authentication */
	KS_MQTT_AUTH_REQUIRED,    /* bad user name or password / not authorized */
	KS_MQTT_VERSION_REFUSED,  /* the protocol level we sent is not supported */
	KS_MQTT_REFUSED_OTHER,    /* client id rejected, unavailable, banned ... */
};

struct ks_mqtt {
	unsigned level;       /* protocol level the CONNECT used (4 or 5) */
	bool session_present;
	uint8_t code;         /* return code (3.1.1) or reason code (5.0) */
	enum ks_mqtt_verdict verdict;
	const char *code_name; /* static: "accepted", "not_authorized" ... */
	size_t len;           /* bytes of the CONNACK packet */
	struct ks_probe_fail fail;
};

/* Writes a CONNECT for protocol level (KS_MQTT_V311 or KS_MQTT_V5) with
 * the given client id (1..23 bytes of [0-9a-zA-Z], which every broker must
 * accept) and keep-alive into buf. Returns 0 and *len, KS_EINVAL for a bad
 * level or client id, KS_ELIMIT when cap is too small. */
int ks_mqtt_connect(uint8_t *buf, size_t cap, unsigned level, const char *client_id, size_t *len);

/* Parses the broker's reply to a CONNECT of protocol level `level`. Return
 * codes as in probe.h; KS_EINVAL when the first packet is not a CONNACK. */
int ks_mqtt_parse(const uint8_t *p, size_t n, bool eof, unsigned level, struct ks_mqtt *out);

/* Stable names: "accepted", "auth_required", "version_refused", "refused". */
const char *ks_mqtt_verdict_name(enum ks_mqtt_verdict v);

#endif
