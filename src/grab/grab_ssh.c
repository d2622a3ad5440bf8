/* SPDX-License-Identifier: BSD-2-Clause */
/* SSH driver (22; also taken over by the banner driver): sends our
 * identification string and reads the server's identification and
 * KEXINIT, which servers send without waiting for ours (RFC 4253 section
 * 7.1: "Key exchange begins by each side sending" KEXINIT). We send no
 * KEXINIT: the connection is closed after the server's. */
#include <string.h>

#include "grab_int.h"

#define OUR_IDENT "SSH-2.0-kansoku_survey\r\n"

static int start(struct grab_job *j)
{
	ks_grab_job_send(j, OUR_IDENT, sizeof OUR_IDENT - 1);
	return GRAB_WAIT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	int r = ks_ssh_parse(j->in, j->in_len, eof, &j->ssh);
	if (r == KS_EAGAIN)
		return GRAB_WAIT;
	if (j->ssh.have_ident)
		ks_grab_job_outcome(j, "identified: ssh%s", j->ssh.have_kexinit ? "" : " (no KEXINIT)");
	else
		ks_grab_job_outcome(j, "not ssh: %s", j->ssh.fail.what ? j->ssh.fail.what : "?");
	return GRAB_DONE;
}

static int timeout(struct grab_job *j)
{
	ks_ssh_parse(j->in, j->in_len, true, &j->ssh);
	return GRAB_DONE;
}

static void finish(struct grab_job *j)
{
	const struct ks_ssh *h = &j->ssh;
	if (!h->have_ident) {
		ks_grab_text(j->svc.banner, sizeof j->svc.banner, j->in, j->in_len < 200 ? j->in_len : 200);
		return;
	}
	snprintf(j->svc.module, sizeof j->svc.module, "ssh");
	ks_grab_fmt(j->svc.banner, sizeof j->svc.banner, "SSH-%s-%s%s%s", h->proto, h->software,
		 h->comments[0] ? " " : "", h->comments);
	j->facts.ssh = h;
}

const struct ks_grabber ks_grab_ssh = {"ssh", KS_PROTO_TCP, start, input, timeout, finish, false};
