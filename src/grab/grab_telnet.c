/* SPDX-License-Identifier: BSD-2-Clause */
/* Telnet driver (23, 2323; also taken over by the banner driver): answers
 * option negotiation as it arrives (probe_telnet.h), reads the banner until
 * a login, password or shell prompt shows, the peer closes, or the read
 * timer expires. It never types anything: credential checks are another
 * stage (src/check/). */
#include <string.h>

#include "grab_int.h"

static int start(struct grab_job *j)
{
	ks_telnet_init(&j->telnet);
	j->telnet_fed = 0;
	return GRAB_WAIT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	struct ks_telnet *t = &j->telnet;
	if (j->in_len > j->telnet_fed) {
		ks_telnet_feed(t, j->in + j->telnet_fed, j->in_len - j->telnet_fed);
		j->telnet_fed = j->in_len;
	}
	if (t->out_len) {
		ks_grab_job_send(j, t->out, t->out_len);
		t->out_len = 0;
	}
	enum ks_telnet_prompt p = ks_telnet_prompt(t);
	if (p != KS_TELNET_PROMPT_NONE) {
		ks_grab_job_outcome(j, "identified: telnet %s prompt", ks_telnet_prompt_name(p));
		return GRAB_DONE;
	}
	return eof ? GRAB_DONE : GRAB_WAIT;
}

static void finish(struct grab_job *j)
{
	struct ks_telnet *t = &j->telnet;
	if (t->data_len == 0 && t->commands == 0)
		return;
	snprintf(j->svc.module, sizeof j->svc.module, "telnet");
	ks_grab_text(j->svc.banner, sizeof j->svc.banner, t->data, t->data_len);
	j->facts.telnet = true;
	j->facts.telnet_prompt = ks_telnet_prompt(t);
	j->facts.raw = t->data;
	j->facts.raw_len = t->data_len;
}

const struct ks_grabber ks_grab_telnet = {"telnet", KS_PROTO_TCP, start, input, NULL, finish, false};
