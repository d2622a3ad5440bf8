/* SPDX-License-Identifier: BSD-2-Clause */
/* Banner driver: every TCP port without a module of its own (5555, 37777,
 * ...). Waits banner_ms for the server to speak; what it says picks the
 * driver that takes over on the same connection:
 *
 *   "SSH-"              ssh     (our identification is sent then)
 *   IAC (0xff) first    telnet
 *   "220" / "220-"      ftp
 *   anything else       kept as the banner (module "tcp"), until the peer
 *                       is silent for banner_ms or closes
 *   nothing             an HTTP GET / on the same connection (http)
 */
#include <string.h>

#include "grab_int.h"

static int start(struct grab_job *j)
{
	j->read_ms = ks_grab_job_opts(j)->banner_ms;
	return GRAB_WAIT;
}

static int hand_over(struct grab_job *j, const struct ks_grabber *d, size_t fresh, bool eof)
{
	j->mod = d;
	int a = d->start(j);
	if (a != GRAB_WAIT)
		return a;
	return d->input(j, fresh, eof);
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	const uint8_t *p = j->in;
	size_t n = j->in_len;
	if (n >= 4 && memcmp(p, "SSH-", 4) == 0)
		return hand_over(j, &ks_grab_ssh, fresh, eof);
	if (n >= 1 && p[0] == 0xff)
		return hand_over(j, &ks_grab_telnet, fresh, eof);
	if (n >= 4 && memcmp(p, "220", 3) == 0 && (p[3] == ' ' || p[3] == '-'))
		return hand_over(j, &ks_grab_ftp, fresh, eof);
	if (n < 4 && !eof)
		return GRAB_WAIT;
	ks_grab_job_outcome(j, "banner");
	j->read_ms = ks_grab_job_opts(j)->banner_ms;
	return eof ? GRAB_DONE : GRAB_WAIT;
}

static int timeout(struct grab_job *j)
{
	if (j->in_len > 0) {
		/* a short banner that matched nothing, and then silence */
		if (j->in_len < 4)
			ks_grab_job_outcome(j, "banner");
		return GRAB_DONE;
	}
	/* silent: try HTTP on the same connection */
	j->mod = &ks_grab_http;
	j->read_ms = 0;
	return ks_grab_http.start(j);
}

static void finish(struct grab_job *j)
{
	ks_grab_text(j->svc.banner, sizeof j->svc.banner, j->in, j->in_len < 512 ? j->in_len : 512);
	j->facts.raw = j->in;
	j->facts.raw_len = j->in_len;
}

const struct ks_grabber ks_grab_banner = {"banner", KS_PROTO_TCP, start, input, timeout, finish, false};
