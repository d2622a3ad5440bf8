/* SPDX-License-Identifier: BSD-2-Clause */
/* FTP driver (21; also taken over by the banner driver): reads the
 * greeting (probe_ftp.h) and says QUIT. Nothing else is sent: the anonymous
 * and weak-password logins belong to the credential stage. */
#include <string.h>

#include "grab_int.h"

static int start(struct grab_job *j)
{
	(void)j;
	return GRAB_WAIT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	int r = ks_ftp_parse(j->in, j->in_len, eof, &j->ftp);
	if (r == KS_EAGAIN)
		return GRAB_WAIT;
	if (r == 0) {
		ks_grab_job_outcome(j, "identified: ftp %u", j->ftp.code);
		ks_grab_job_send(j, "QUIT\r\n", 6);
	} else {
		ks_grab_job_outcome(j, "not ftp: %s", j->ftp.fail.what ? j->ftp.fail.what : "?");
	}
	return GRAB_DONE;
}

static void finish(struct grab_job *j)
{
	if (j->ftp.code == 0 || j->ftp.fail.what)
		return;
	snprintf(j->svc.module, sizeof j->svc.module, "ftp");
	ks_grab_fmt(j->svc.banner, sizeof j->svc.banner, "%s", j->ftp.banner);
	ks_grab_fmt(j->svc.facts, sizeof j->svc.facts, "ftp_code=%u", j->ftp.code);
}

const struct ks_grabber ks_grab_ftp = {"ftp", KS_PROTO_TCP, start, input, NULL, finish, false};
