/* SPDX-License-Identifier: BSD-2-Clause */
/* SSDP/UPnP driver (1900/udp): a unicast M-SEARCH for upnp:rootdevice
 * (probe_ssdp.h; UDA 2.0 section 1.3.3: no MX for unicast). A reply is an
 * exposure by itself (upnp_exposed). When its LOCATION is an http URL on
 * the same address (ks_grab_url_resolve), the device description is
 * fetched over TCP (module "upnp" in the audit; the engine checks the gate
 * before connecting) and its manufacturer and model identify the device. */
#include <string.h>

#include "grab_int.h"

#define ST "upnp:rootdevice"

static int start(struct grab_job *j)
{
	char a[KS_ADDR_STRLEN], host[KS_ADDR_STRLEN + 10], buf[512];
	size_t n;
	ks_addr_format(&j->addr, a);
	bool v6 = !ks_addr_is_v4(&j->addr);
	snprintf(host, sizeof host, "%s%s%s:%u", v6 ? "[" : "", a, v6 ? "]" : "", j->port);
	if (ks_ssdp_msearch(buf, sizeof buf, host, ST, 0, &n) != 0)
		return GRAB_DONE;
	ks_grab_job_send(j, buf, n);
	return GRAB_WAIT;
}

static int input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	(void)eof;
	struct ks_ssdp s;
	if (ks_ssdp_parse(j->in, j->in_len, &s) != 0 || s.notify)
		return GRAB_WAIT;
	j->ssdp = s;
	ks_grab_job_outcome(j, "identified: ssdp");
	uint16_t port;
	if (s.location[0] && ks_grab_url_resolve(s.location, strlen(s.location), &j->addr, 80, &port,
						 j->path, sizeof j->path) == 0) {
		j->mod = &ks_grab_upnp;
		j->next_port = port;
		return GRAB_RECONNECT;
	}
	return GRAB_DONE;
}

static void finish(struct grab_job *j)
{
	if (!j->ssdp.status)
		return;
	snprintf(j->svc.module, sizeof j->svc.module, "ssdp");
	ks_grab_fmt(j->svc.banner, sizeof j->svc.banner, "%s", j->ssdp.server);
	j->facts.ssdp = &j->ssdp;
	if (j->upnp.manufacturer[0] || j->upnp.model_name[0] || j->upnp.friendly_name[0]) {
		ks_grab_fmt(j->svc.title, sizeof j->svc.title, "%s", j->upnp.friendly_name);
		j->facts.upnp = &j->upnp;
	}
}

/* Devices answer a unicast M-SEARCH from whatever port they like (libupnp
 * sends each reply from a fresh socket): listen for the target's address,
 * any port. */
const struct ks_grabber ks_grab_ssdp = {"ssdp", KS_PROTO_UDP, start, input, NULL, finish, true};

/* ---- the description, over HTTP ---------------------------------------- */

static int desc_start(struct grab_job *j)
{
	ks_grab_http_get(j, j->path, j->next_port);
	return GRAB_WAIT;
}

static int desc_input(struct grab_job *j, size_t fresh, bool eof)
{
	(void)fresh;
	struct ks_http h;
	int r = ks_http_parse(j->in, j->in_len, eof, &h);
	if (r == KS_EAGAIN && !eof)
		return GRAB_WAIT;
	if (h.status == 0 || h.head_len == 0) {
		ks_grab_job_outcome(j, "not http: %s", h.fail.what ? h.fail.what : "?");
		return GRAB_DONE;
	}
	size_t body = j->in_len - h.head_len;
	if (!eof && (!h.has_length || body < h.content_length))
		return GRAB_WAIT; /* the whole description: until the peer closes */
	if (h.has_length && body > h.content_length)
		body = (size_t)h.content_length;
	if (h.status == 200 && ks_upnp_desc_parse(j->in + h.head_len, body, &j->upnp) == 0)
		ks_grab_job_outcome(j, "identified: upnp description");
	else
		ks_grab_job_outcome(j, "http %u, no upnp description", h.status);
	return GRAB_DONE;
}

static int desc_timeout(struct grab_job *j)
{
	return desc_input(j, 0, true);
}

const struct ks_grabber ks_grab_upnp = {"upnp", KS_PROTO_TCP, desc_start, desc_input, desc_timeout,
					finish, false};
