/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit tests for the MQTT probe (src/probe/probe_mqtt.h): CONNECT bytes,
 * Mosquitto CONNACKs for 3.1.1 and 5.0 (accepted, not authorized), a
 * 3.1.1-only broker answering a 5.0 CONNECT, malformed packets, truncation. */
#include <stdint.h>
#include <string.h>

#include "probe.h"
#include "probe_mqtt.h"
#include "probe_test.h"

static int parse311(const uint8_t *p, size_t n, bool eof, struct ks_mqtt *m)
{
	return ks_mqtt_parse(p, n, eof, KS_MQTT_V311, m);
}
static int parse5(const uint8_t *p, size_t n, bool eof, struct ks_mqtt *m)
{
	return ks_mqtt_parse(p, n, eof, KS_MQTT_V5, m);
}

KS_TEST(mqtt_connect_bytes)
{
	uint8_t b[64];
	size_t len;
	static const uint8_t v311[] = {0x10, 0x13, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02,
				       0x00, 0x1e, 0x00, 0x07, 'k', 'a', 'n', 's', 'o', 'k', 'u'};
	CHECK_EQ_U64(ks_mqtt_connect(b, sizeof b, KS_MQTT_V311, "kansoku", &len), 0);
	CHECK_EQ_U64(len, sizeof v311);
	CHECK(memcmp(b, v311, sizeof v311) == 0);
	static const uint8_t v5[] = {0x10, 0x14, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00,
				     0x1e, 0x00, 0x00, 0x07, 'k', 'a', 'n', 's', 'o', 'k', 'u'};
	CHECK_EQ_U64(ks_mqtt_connect(b, sizeof b, KS_MQTT_V5, "kansoku", &len), 0);
	CHECK_EQ_U64(len, sizeof v5);
	CHECK(memcmp(b, v5, sizeof v5) == 0);
	CHECK_EQ_U64(ks_mqtt_connect(b, sizeof b, 3, "kansoku", &len), KS_EINVAL);
	CHECK_EQ_U64(ks_mqtt_connect(b, sizeof b, KS_MQTT_V5, "", &len), KS_EINVAL);
	CHECK_EQ_U64(ks_mqtt_connect(b, sizeof b, KS_MQTT_V5, "a-b", &len), KS_EINVAL);
	CHECK_EQ_U64(ks_mqtt_connect(b, sizeof b, KS_MQTT_V5, "abcdefghijklmnopqrstuvwx", &len),
		     KS_EINVAL);
	CHECK_EQ_U64(ks_mqtt_connect(b, 21, KS_MQTT_V5, "kansoku", &len), KS_ELIMIT);
}

KS_TEST(mqtt_connack_311)
{
	static struct ks_mqtt m;
	static const uint8_t ok[] = {0x20, 0x02, 0x00, 0x00};
	CHECK_EQ_U64(parse311(ok, sizeof ok, false, &m), 0);
	CHECK_EQ_U64(m.verdict, KS_MQTT_ACCEPTED);
	CHECK_STR(m.code_name, "accepted");
	CHECK_STR(ks_mqtt_verdict_name(m.verdict), "accepted");
	CHECK_EQ_U64(m.len, 4);
	CHECK_STREAM_PREFIXES(parse311, struct ks_mqtt, ok, sizeof ok, sizeof ok);

	static const uint8_t denied[] = {0x20, 0x02, 0x01, 0x05};
	CHECK_EQ_U64(parse311(denied, sizeof denied, false, &m), 0);
	CHECK(m.session_present);
	CHECK_EQ_U64(m.verdict, KS_MQTT_AUTH_REQUIRED);
	CHECK_STR(m.code_name, "not_authorized");
	static const uint8_t bad_pw[] = {0x20, 0x02, 0x00, 0x04};
	CHECK_EQ_U64(parse311(bad_pw, sizeof bad_pw, false, &m), 0);
	CHECK_EQ_U64(m.verdict, KS_MQTT_AUTH_REQUIRED);
	static const uint8_t busy[] = {0x20, 0x02, 0x00, 0x03};
	CHECK_EQ_U64(parse311(busy, sizeof busy, false, &m), 0);
	CHECK_EQ_U64(m.verdict, KS_MQTT_REFUSED_OTHER);
	CHECK_STR(ks_mqtt_verdict_name(m.verdict), "refused");
}

KS_TEST(mqtt_connack_5)
{
	static struct ks_mqtt m;
	/* Mosquitto 2.0: success with Topic Alias Maximum and Receive Maximum. */
	static const uint8_t ok[] = {0x20, 0x09, 0x00, 0x00, 0x06, 0x22, 0x00, 0x0a, 0x21, 0x00, 0x14};
	CHECK_EQ_U64(parse5(ok, sizeof ok, false, &m), 0);
	CHECK_EQ_U64(m.verdict, KS_MQTT_ACCEPTED);
	CHECK_STREAM_PREFIXES(parse5, struct ks_mqtt, ok, sizeof ok, sizeof ok);
	static const uint8_t denied[] = {0x20, 0x03, 0x00, 0x87, 0x00};
	CHECK_EQ_U64(parse5(denied, sizeof denied, false, &m), 0);
	CHECK_EQ_U64(m.verdict, KS_MQTT_AUTH_REQUIRED);
	CHECK_STR(m.code_name, "not_authorized");
	/* A 3.1.1-only broker answers our 5.0 CONNECT in 3.1.1 form. */
	static const uint8_t old[] = {0x20, 0x02, 0x00, 0x01};
	CHECK_EQ_U64(parse5(old, sizeof old, false, &m), 0);
	CHECK_EQ_U64(m.verdict, KS_MQTT_VERSION_REFUSED);
	static const uint8_t v5old[] = {0x20, 0x03, 0x00, 0x84, 0x00};
	CHECK_EQ_U64(parse5(v5old, sizeof v5old, false, &m), 0);
	CHECK_EQ_U64(m.verdict, KS_MQTT_VERSION_REFUSED);
	/* Long remaining length (2-byte varint) with padding properties. */
	static uint8_t big[3 + 200];
	big[0] = 0x20, big[1] = 0xc8, big[2] = 0x01; /* 200 */
	big[3] = 0, big[4] = 0, big[5] = 0xc4, big[6] = 0x01; /* 196 bytes of properties */
	memset(big + 7, 0x26, sizeof big - 7);
	CHECK_EQ_U64(parse5(big, sizeof big, false, &m), 0);
	CHECK_EQ_U64(m.len, sizeof big);
}

KS_TEST(mqtt_malformed)
{
	static struct ks_mqtt m;
	CHECK_EQ_U64(parse311((const uint8_t *)"\x30\x02\x00\x00", 4, false, &m), KS_EINVAL);
	CHECK_EQ_U64(parse311((const uint8_t *)"\x20\x03\x00\x00\x00", 5, false, &m), KS_EINVAL);
	CHECK_EQ_U64(parse311((const uint8_t *)"\x20\x02\x02\x00", 4, false, &m), KS_EINVAL);
	CHECK_EQ_U64(parse311((const uint8_t *)"\x20\xff\xff\xff\xff\x7f", 6, false, &m), KS_EINVAL);
	CHECK_EQ_U64(parse5((const uint8_t *)"\x20\x03\x00\x00\x05", 5, false, &m), KS_EINVAL);
	CHECK_EQ_U64(parse5((const uint8_t *)"\x20\x01\x00", 3, false, &m), KS_EINVAL);
	CHECK_EQ_U64(ks_mqtt_parse((const uint8_t *)"\x20\x02\x00\x00", 4, false, 3, &m), KS_EINVAL);
	/* HTTP on the MQTT port. */
	CHECK_EQ_U64(parse311(S("HTTP/1.1 400 Bad Request\r\n"), true, &m), KS_EINVAL);
}
