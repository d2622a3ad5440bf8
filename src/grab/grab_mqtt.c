/* SPDX-License-Identifier: BSD-2-Clause */
/* MQTT driver (1883): a CONNECT without user name or password
 * (probe_mqtt.h), first at protocol level 5, again at level 4 (3.1.1) when
 * the broker refuses the version or closes without a CONNACK. When the
 * broker accepts, we send DISCONNECT at once: nothing is subscribed or
 * published. */
#include <string.h>

#include "grab_int.h"

#define CLIENT_ID "kansokusurvey"

static unsigned level(const struct grab_job *j)
{
	return j->step ? KS_MQTT_V311 : KS_MQTT_V5;
}

static int start(struct grab_job *j)
{
	uint8_t buf[128];
	size_t n;
	if (ks_mqtt_connect(buf, sizeof buf, level(j), CLIENT_ID, &n) != 0)
		return GRAB_DONE;
	ks_grab_job_send(j, buf, n);
	return GRAB_WAIT;
}

static int retry(struct grab_job *j)
{
	j->step = 1;
	j->next_port = j->port;
	return GRAB_RECONNECT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	int r = ks_mqtt_parse(j->in, j->in_len, eof, level(j), &j->mqtt);
	if (r == KS_EAGAIN)
		return GRAB_WAIT;
	if (r != 0) {
		ks_grab_job_outcome(j, "not mqtt: %s", j->mqtt.fail.what ? j->mqtt.fail.what : "?");
		if (j->step == 0 && j->in_len == 0)
			return retry(j); /* closed on our 5.0 CONNECT */
		j->mqtt.code_name = NULL;
		return GRAB_DONE;
	}
	ks_grab_job_outcome(j, "identified: mqtt connack %s", j->mqtt.code_name);
	if (j->mqtt.verdict == KS_MQTT_VERSION_REFUSED && j->step == 0)
		return retry(j);
	if (j->mqtt.verdict == KS_MQTT_ACCEPTED) {
		static const uint8_t disconnect[2] = {0xe0, 0x00};
		ks_grab_job_send(j, disconnect, sizeof disconnect);
	}
	return GRAB_DONE;
}

static int timeout(struct grab_job *j)
{
	return input(j, 0, true);
}

static void finish(struct grab_job *j)
{
	if (!j->mqtt.code_name || !j->mqtt.code_name[0])
		return;
	snprintf(j->svc.module, sizeof j->svc.module, "mqtt");
	j->facts.mqtt = &j->mqtt;
}

const struct ks_grabber ks_grab_mqtt = {"mqtt", KS_PROTO_TCP, start, input, timeout, finish, false};
