/* SPDX-License-Identifier: BSD-2-Clause */
/* CoAP driver (5683/udp): a confirmable GET /.well-known/core
 * (probe_coap.h); the reply lists the resources the device exposes. */
#include <string.h>

#include "grab_int.h"

static int start(struct grab_job *j)
{
	uint8_t buf[64];
	size_t n;
	uint32_t r = ks_grab_random32();
	j->coap_id = (uint16_t)r;
	j->coap_token = ks_grab_random32();
	if (ks_coap_request(buf, sizeof buf, j->coap_id, j->coap_token, &n) != 0)
		return GRAB_DONE;
	ks_grab_job_send(j, buf, n);
	return GRAB_WAIT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	(void)eof;
	struct ks_coap c;
	if (ks_coap_parse(j->in, j->in_len, j->coap_id, j->coap_token, &c) != 0)
		return GRAB_WAIT;
	j->coap = c;
	ks_grab_job_outcome(j, "identified: coap %u.%02u", c.code_class, c.code_detail);
	return GRAB_DONE;
}

static void finish(struct grab_job *j)
{
	if (!j->answered)
		return;
	snprintf(j->svc.module, sizeof j->svc.module, "coap");
	j->facts.coap = &j->coap;
}

const struct ks_grabber ks_grab_coap = {"coap", KS_PROTO_UDP, start, input, NULL, finish, false};
