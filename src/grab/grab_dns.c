/* SPDX-License-Identifier: BSD-2-Clause */
/* DNS driver (53/udp): one recursive query (RD=1) for KS_GRAB_DNS_NAME, type
 * A (grab.h says why that name). A server that answers it with recursion
 * available (RA=1) and NOERROR with answers, or NXDOMAIN, resolves for
 * anyone: open_resolver (grab_findings.c). Replies with another id or
 * question are ignored (probe_dns.h). */
#include <string.h>

#include "grab_int.h"

static int start(struct grab_job *j)
{
	uint8_t buf[512];
	size_t n;
	j->dns_id = (uint16_t)ks_grab_random32();
	if (ks_dns_query(buf, sizeof buf, j->dns_id, KS_GRAB_DNS_NAME, 1, &n) != 0)
		return GRAB_DONE;
	ks_grab_job_send(j, buf, n);
	return GRAB_WAIT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	(void)eof;
	struct ks_dns d;
	if (ks_dns_parse(j->in, j->in_len, j->dns_id, KS_GRAB_DNS_NAME, &d) != 0)
		return GRAB_WAIT; /* not an answer to our query */
	j->dns = d;
	char rc[12];
	ks_grab_job_outcome(j, "identified: dns %s%s", ks_dns_rcode_name(d.rcode, rc),
			    d.ra ? " ra" : "");
	return GRAB_DONE;
}

static void finish(struct grab_job *j)
{
	if (!j->dns.qr)
		return;
	snprintf(j->svc.module, sizeof j->svc.module, "dns");
	j->facts.dns = &j->dns;
}

const struct ks_grabber ks_grab_dns = {"dns", KS_PROTO_UDP, start, input, NULL, finish, false};
