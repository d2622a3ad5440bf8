/* SPDX-License-Identifier: BSD-2-Clause */
/* RTSP driver (554): OPTIONS * (probe_rtsp.h); records status, Server,
 * Public and the authentication challenge. A camera that answers 401 still
 * identifies itself. No DESCRIBE, no stream is opened. */
#include <string.h>

#include "grab_int.h"

static int start(struct grab_job *j)
{
	char buf[256];
	size_t n;
	if (ks_rtsp_options(buf, sizeof buf, 1, "kansoku-survey/1", &n) == 0)
		ks_grab_job_send(j, buf, n);
	return GRAB_WAIT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	int r = ks_rtsp_parse(j->in, j->in_len, eof, &j->rtsp);
	if (r == KS_EAGAIN)
		return GRAB_WAIT;
	if (j->rtsp.status)
		ks_grab_job_outcome(j, "identified: rtsp %u", j->rtsp.status);
	else
		ks_grab_job_outcome(j, "not rtsp: %s", j->rtsp.fail.what ? j->rtsp.fail.what : "?");
	return GRAB_DONE;
}

static int timeout(struct grab_job *j)
{
	return input(j, 0, true);
}

static void finish(struct grab_job *j)
{
	const struct ks_rtsp *r = &j->rtsp;
	if (!r->status)
		return;
	snprintf(j->svc.module, sizeof j->svc.module, "rtsp");
	ks_grab_fmt(j->svc.banner, sizeof j->svc.banner, "%s", r->server);
	ks_grab_fmt(j->svc.title, sizeof j->svc.title, "%s", r->auth.realm);
	ks_grab_fmt(j->svc.facts, sizeof j->svc.facts, "rtsp_status=%u%s%s%s%s", r->status,
		    r->public_[0] ? "; rtsp_public=" : "", r->public_,
		    r->auth.scheme[0] ? "; rtsp_auth=" : "", r->auth.scheme);
}

const struct ks_grabber ks_grab_rtsp = {"rtsp", KS_PROTO_TCP, start, input, timeout, finish, false};
