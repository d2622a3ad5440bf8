/* SPDX-License-Identifier: BSD-2-Clause */
/* The identification engine's pure parts: module per port, URL resolution
 * for follow-ups, banner text, and the gate at submit (no socket is opened
 * for a refused target). Sessions against real daemons are in
 * tests/integration/t_survey_grab.sh. */
#include <stdio.h>
#include <string.h>

#include "grab_int.h"
#include "ks_test.h"

KS_TEST(grab_module_per_port)
{
	CHECK(strcmp(ks_grab_module(23, KS_PROTO_TCP), "telnet") == 0);
	CHECK(strcmp(ks_grab_module(2323, KS_PROTO_TCP), "telnet") == 0);
	CHECK(strcmp(ks_grab_module(22, KS_PROTO_TCP), "ssh") == 0);
	CHECK(strcmp(ks_grab_module(7547, KS_PROTO_TCP), "http") == 0);
	CHECK(strcmp(ks_grab_module(8443, KS_PROTO_TCP), "https") == 0);
	CHECK(strcmp(ks_grab_module(554, KS_PROTO_TCP), "rtsp") == 0);
	CHECK(strcmp(ks_grab_module(1883, KS_PROTO_TCP), "mqtt") == 0);
	CHECK(strcmp(ks_grab_module(37777, KS_PROTO_TCP), "banner") == 0);
	CHECK(strcmp(ks_grab_module(5555, KS_PROTO_TCP), "banner") == 0);
	CHECK(strcmp(ks_grab_module(53, KS_PROTO_UDP), "dns") == 0);
	CHECK(strcmp(ks_grab_module(1900, KS_PROTO_UDP), "ssdp") == 0);
	CHECK(strcmp(ks_grab_module(5683, KS_PROTO_UDP), "coap") == 0);
	CHECK(strcmp(ks_grab_module(123, KS_PROTO_UDP), "ntp") == 0);
	CHECK(ks_grab_module(161, KS_PROTO_UDP) == NULL);
}

KS_TEST(grab_url_resolve)
{
	struct ks_addr a, a6;
	ks_addr_parse("192.0.2.7", &a);
	ks_addr_parse("2001:db8::7", &a6);
	char path[64];
	uint16_t port = 0;
#define U(s) (s), strlen(s)
	CHECK(ks_grab_url_resolve(U("/login.html"), &a, 8080, &port, path, sizeof path) == 0);
	CHECK(port == 8080 && strcmp(path, "/login.html") == 0);
	CHECK(ks_grab_url_resolve(U("http://192.0.2.7:49152/rootDesc.xml"), &a, 1900, &port, path,
				  sizeof path) == 0);
	CHECK(port == 49152 && strcmp(path, "/rootDesc.xml") == 0);
	CHECK(ks_grab_url_resolve(U("HTTP://192.0.2.7"), &a, 8080, &port, path, sizeof path) == 0);
	CHECK(port == 80 && strcmp(path, "/") == 0);
	CHECK(ks_grab_url_resolve(U("http://192.0.2.7?x=1#frag"), &a, 81, &port, path, sizeof path) == 0);
	CHECK(port == 80 && strcmp(path, "/?x=1") == 0);
	CHECK(ks_grab_url_resolve(U("http://[2001:db8::7]:8080/a"), &a6, 80, &port, path, sizeof path) ==
	      0);
	CHECK(port == 8080 && strcmp(path, "/a") == 0);
	/* elsewhere: never followed */
	CHECK(ks_grab_url_resolve(U("http://192.0.2.8/"), &a, 80, &port, path, sizeof path) ==
	      KS_EDECLINED);
	CHECK(ks_grab_url_resolve(U("http://router.example/"), &a, 80, &port, path, sizeof path) ==
	      KS_EDECLINED);
	CHECK(ks_grab_url_resolve(U("http://user@192.0.2.7/"), &a, 80, &port, path, sizeof path) ==
	      KS_EDECLINED);
	CHECK(ks_grab_url_resolve(U("https://192.0.2.7/"), &a, 80, &port, path, sizeof path) ==
	      KS_EDECLINED);
	CHECK(ks_grab_url_resolve(U("//192.0.2.8/x"), &a, 80, &port, path, sizeof path) ==
	      KS_EDECLINED);
	CHECK(ks_grab_url_resolve(U("http://[2001:db8::8]/"), &a6, 80, &port, path, sizeof path) ==
	      KS_EDECLINED);
	/* malformed */
	CHECK(ks_grab_url_resolve(U("http://192.0.2.7:0/"), &a, 80, &port, path, sizeof path) ==
	      KS_EINVAL);
	CHECK(ks_grab_url_resolve(U("http://192.0.2.7:65536/"), &a, 80, &port, path, sizeof path) ==
	      KS_EINVAL);
	CHECK(ks_grab_url_resolve(U("/a b"), &a, 80, &port, path, sizeof path) == KS_EINVAL);
	CHECK(ks_grab_url_resolve(U("/a\r\nX-Injected: 1"), &a, 80, &port, path, sizeof path) ==
	      KS_EINVAL);
	CHECK(ks_grab_url_resolve(U("login.html"), &a, 80, &port, path, sizeof path) == KS_EINVAL);
	CHECK(ks_grab_url_resolve(U("http://[2001:db8::7/"), &a6, 80, &port, path, sizeof path) ==
	      KS_EINVAL);
	CHECK(ks_grab_url_resolve(U("/0123456789"), &a, 80, &port, path, 8) == KS_EINVAL);
#undef U
}

KS_TEST(grab_text_collapses_lines)
{
	char out[32];
	const char *b = "\r\n\r\nWelcome  to\tHiLinux\r\nlogin: ";
	ks_grab_text(out, sizeof out, (const uint8_t *)b, strlen(b));
	CHECK(strcmp(out, "Welcome to HiLinux login:") == 0);
	const uint8_t bin[] = {'A', 0x01, 0xff, 'B'};
	ks_grab_text(out, sizeof out, bin, sizeof bin);
	CHECK(strcmp(out, "A.?B") == 0);
	ks_grab_text(out, 4, (const uint8_t *)"abcdef", 6);
	CHECK(strcmp(out, "abc") == 0);
}

struct rec {
	unsigned audits, services;
	char outcome[160], module[32];
};

static void on_audit(void *ctx, const struct ks_audit *a)
{
	struct rec *r = ctx;
	r->audits++;
	snprintf(r->outcome, sizeof r->outcome, "%s", a->outcome);
	snprintf(r->module, sizeof r->module, "%s", a->module);
}

static void on_service(void *ctx, const struct ks_svc *s)
{
	(void)s;
	((struct rec *)ctx)->services++;
}

KS_TEST(grab_gate_at_submit)
{
	struct ks_scope sc;
	ks_scope_init(&sc);
	const char *text = "198.18.0.0/24 allow-reserved\n";
	char err[256];
	CHECK(ks_scope_parse(&sc, text, strlen(text), "t.scope", err, sizeof err) == 0);
	ks_scope_build(&sc);
	struct rec r = {0};
	struct ks_survey_sink sink = {&r, on_audit, on_service, NULL};
	struct ks_grab_opts o;
	ks_grab_opts_default(&o);
	struct ks_grab *g = NULL;
	CHECK(ks_grab_open(&o, &g) == KS_EINVAL && g == NULL); /* no scope */
	o.scope = &sc;
	o.sink = &sink;
	CHECK(ks_grab_open(&o, &g) == 0);
	struct ks_addr out, in;
	ks_addr_parse("198.19.0.1", &out);
	ks_addr_parse("198.18.0.9", &in);
	CHECK(ks_grab_submit(g, &out, 23, KS_PROTO_TCP) == KS_EDECLINED);
	CHECK(r.audits == 1 && strcmp(r.outcome, "refused: out of scope") == 0);
	CHECK(strcmp(r.module, "grab-telnet") == 0);
	CHECK(ks_grab_submit(g, &in, 161, KS_PROTO_UDP) == KS_EDECLINED);
	CHECK(strcmp(r.outcome, "refused: no UDP module for this port") == 0);
	CHECK(ks_grab_submit(g, &in, 0, KS_PROTO_TCP) == KS_EINVAL);
	CHECK(ks_grab_submit_as(g, &in, 80, KS_PROTO_TCP, "dns") == KS_EINVAL);
	CHECK(ks_grab_submit_as(g, &in, 80, KS_PROTO_TCP, "nosuch") == KS_EINVAL);
	struct ks_grab_stats st;
	ks_grab_stats(g, &st);
	CHECK(st.refused == 2 && st.submitted == 0);
	/* nothing queued: a step has nothing to do and sends nothing */
	CHECK(ks_grab_step(g, 0) == 0);
	CHECK(ks_grab_run(g) == 0);
	CHECK(r.services == 0);
	ks_grab_close(g);
	ks_grab_close(NULL);
	ks_scope_release(&sc);
}
