/* SPDX-License-Identifier: BSD-2-Clause */
/* NTP driver (123/udp): one mode-3 client request whose transmit timestamp
 * is a random value; a mode-4 reply echoing it as origin identifies the
 * server (probe_ntp.h). No control (mode 6/7) queries. */
#include <string.h>

#include "grab_int.h"

static int start(struct grab_job *j)
{
	uint8_t buf[KS_NTP_LEN];
	size_t n;
	j->ntp_xmt = (uint64_t)ks_grab_random32() << 32 | ks_grab_random32();
	if (ks_ntp_request(buf, sizeof buf, j->ntp_xmt, &n) != 0)
		return GRAB_DONE;
	ks_grab_job_send(j, buf, n);
	return GRAB_WAIT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	(void)eof;
	struct ks_ntp t;
	if (ks_ntp_parse(j->in, j->in_len, j->ntp_xmt, &t) != 0 || !t.origin_matches)
		return GRAB_WAIT;
	j->ntp = t;
	ks_grab_job_outcome(j, "identified: ntp stratum %u", t.stratum);
	return GRAB_DONE;
}

static void finish(struct grab_job *j)
{
	if (!j->ntp.mode)
		return;
	snprintf(j->svc.module, sizeof j->svc.module, "ntp");
	j->facts.ntp = &j->ntp;
}

const struct ks_grabber ks_grab_ntp = {"ntp", KS_PROTO_UDP, start, input, NULL, finish, false};
