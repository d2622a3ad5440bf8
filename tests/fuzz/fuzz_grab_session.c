/* SPDX-License-Identifier: BSD-2-Clause */
/* Fuzz target for the identification drivers (src/grab/grab_<proto>.c) and
 * what follows a session: the input is what a service sent. Its first byte
 * picks the driver and where the stream is cut in two reads; each driver
 * gets the bytes as the engine would hand them over (start, input twice,
 * eof, timeout), then finish, facts, findings and fingerprints (none
 * loaded) run on whatever it parsed. No socket is opened. Text fields
 * must stay terminated; actions must be from the contract. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "grab_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
	if (!ok)
		abort();
}

static bool terminated(const char *s, size_t cap)
{
	return memchr(s, '\0', cap) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ks_grabber *const drv[] = {
		&ks_grab_telnet, &ks_grab_ssh, &ks_grab_http, &ks_grab_https, &ks_grab_ftp,
		&ks_grab_rtsp, &ks_grab_mqtt, &ks_grab_banner, &ks_grab_dns, &ks_grab_ntp,
		&ks_grab_ssdp, &ks_grab_upnp, &ks_grab_coap,
	};
	static struct ks_scope sc;
	static struct ks_grab *g;
	static struct grab_job *j;
	static uint8_t *in;
	if (!g) {
		const char *text = "192.0.2.0/24 allow-reserved\n";
		char err[128];
		ks_scope_init(&sc);
		ks_scope_parse(&sc, text, strlen(text), "fuzz.scope", err, sizeof err);
		ks_scope_build(&sc);
		struct ks_grab_opts o;
		ks_grab_opts_default(&o);
		o.scope = &sc;
		if (ks_grab_open(&o, &g) != 0)
			abort();
		j = malloc(sizeof *j);
		in = malloc(KS_PROBE_MAX_BYTES);
		if (!j || !in)
			abort();
	}
	if (size < 2)
		return 0;
	const struct ks_grabber *d = drv[data[0] % (sizeof drv / sizeof drv[0])];
	size_t cut = data[1];
	data += 2;
	size -= 2;
	if (size > KS_PROBE_MAX_BYTES)
		size = KS_PROBE_MAX_BYTES;
	if (cut > size)
		cut = size;
	memset(j, 0, sizeof *j);
	j->in = in;
	j->g = g;
	j->mod = d;
	j->port = 8080;
	j->proto = d->proto;
	j->next_port = d == &ks_grab_upnp ? 80 : 0;
	snprintf(j->path, sizeof j->path, "/");
	ks_addr_from_v4(&j->addr, 0xc0000207);
	int a = d->start(j);
	check(a == GRAB_WAIT || a == GRAB_DONE || a == GRAB_RECONNECT);
	j->out_len = 0;
	const size_t parts[2] = {cut, size - cut};
	size_t off = 0;
	for (int i = 0; i < 2 && a == GRAB_WAIT; i++) {
		if (d->proto == KS_PROTO_UDP)
			j->in_len = 0; /* one datagram per read */
		memcpy(j->in + j->in_len, data + off, parts[i]);
		j->in_len += parts[i];
		off += parts[i];
		a = j->mod->input(j, parts[i], i == 1);
		check(a == GRAB_WAIT || a == GRAB_DONE || a == GRAB_RECONNECT);
		check(j->out_len <= sizeof j->out);
		j->out_len = 0;
	}
	if (a == GRAB_WAIT && j->mod->timeout) {
		a = j->mod->timeout(j);
		check(a == GRAB_WAIT || a == GRAB_DONE || a == GRAB_RECONNECT);
	}
	j->answered = j->in_len > 0;
	j->mod->finish(j);
	struct ks_svc *s = &j->svc;
	ks_grab_fingerprint(NULL, s, &j->facts);
	ks_grab_facts_format(s, &j->facts);
	check(terminated(s->module, sizeof s->module) && terminated(s->banner, sizeof s->banner));
	check(terminated(s->title, sizeof s->title) && terminated(s->facts, sizeof s->facts));
	check(terminated(s->vendor, sizeof s->vendor) && terminated(s->product, sizeof s->product));
	check(terminated(j->outcome, sizeof j->outcome));
	struct ks_finding f[KS_GRAB_FINDINGS_MAX];
	size_t n = ks_grab_findings(s, &j->facts, NULL, 1767225600, f, KS_GRAB_FINDINGS_MAX);
	check(n <= KS_GRAB_FINDINGS_MAX);
	for (size_t i = 0; i < n; i++)
		check(terminated(f[i].detail, sizeof f[i].detail) &&
		      terminated(f[i].product, sizeof f[i].product) && (unsigned)f[i].type < KS_FIND_COUNT);
	char w[256];
	ks_grab_http_wwwauth(data, size, w, sizeof w);
	check(terminated(w, sizeof w));
	return 0;
}
