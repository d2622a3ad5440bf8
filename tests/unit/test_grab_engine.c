/* SPDX-License-Identifier: BSD-2-Clause */
/* The identification engine's pure parts: module per port, URL resolution
 * for follow-ups, banner text, and the gate at submit (no socket is opened
 * for a refused target). Sessions against real daemons are in
 * tests/integration/t_survey_grab.sh. */
#include <stdio.h>
#include <stdlib.h>
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

	/* the stop flag: queued work is dropped before anything is sent */
	volatile sig_atomic_t stop = 1;
	o.stop = &stop;
	CHECK(ks_grab_open(&o, &g) == 0);
	r.audits = 0;
	CHECK(ks_grab_submit(g, &in, 23, KS_PROTO_TCP) == 0);
	CHECK(ks_grab_run(g) == 0);
	ks_grab_stats(g, &st);
	CHECK(st.submitted == 1 && st.done == 0 && r.audits == 0 && r.services == 0);
	ks_grab_close(g);
	ks_scope_release(&sc);
}

/* ---- driver sessions, driven by hand (no socket) ------------------------ */

struct fixture {
	struct ks_scope sc;
	struct ks_grab *g;
	struct grab_job *j;
};

static void fx_init(struct fixture *f, const struct ks_grabber *d, uint16_t port)
{
	ks_scope_init(&f->sc);
	const char *text = "198.18.0.0/24 allow-reserved\n";
	char err[256];
	ks_scope_parse(&f->sc, text, strlen(text), "t.scope", err, sizeof err);
	ks_scope_build(&f->sc);
	struct ks_grab_opts o;
	ks_grab_opts_default(&o);
	o.scope = &f->sc;
	f->g = NULL;
	ks_grab_open(&o, &f->g);
	f->j = calloc(1, sizeof *f->j);
	f->j->in = calloc(1, KS_PROBE_MAX_BYTES);
	f->j->g = f->g;
	f->j->mod = d;
	f->j->port = port;
	f->j->proto = d->proto;
	ks_addr_parse("198.18.0.9", &f->j->addr);
}

static void fx_release(struct fixture *f)
{
	free(f->j->in);
	free(f->j);
	ks_grab_close(f->g);
	ks_scope_release(&f->sc);
}

/* Appends received bytes to the job's input and calls the driver. */
static int fx_recv(struct fixture *f, const void *p, size_t n, bool eof)
{
	memcpy(f->j->in + f->j->in_len, p, n);
	f->j->in_len += n;
	return f->j->mod->input(f->j, n, eof);
}

KS_TEST(grab_session_telnet)
{
	struct fixture f;
	fx_init(&f, &ks_grab_telnet, 23);
	CHECK(f.j->mod->start(f.j) == GRAB_WAIT);
	const uint8_t neg[] = {255, 251, 1, 255, 253, 24};
	CHECK(fx_recv(&f, neg, sizeof neg, false) == GRAB_WAIT);
	/* DO ECHO for WILL ECHO, WONT TTYPE for DO TTYPE */
	const uint8_t want[] = {255, 253, 1, 255, 252, 24};
	CHECK(f.j->out_len == sizeof want && memcmp(f.j->out, want, sizeof want) == 0);
	const char *b = "\r\nBusyBox v1.31\r\nDVR login: ";
	CHECK(fx_recv(&f, b, strlen(b), false) == GRAB_DONE);
	f.j->mod->finish(f.j);
	CHECK(strcmp(f.j->svc.module, "telnet") == 0);
	CHECK(strcmp(f.j->svc.banner, "BusyBox v1.31 DVR login:") == 0);
	CHECK(f.j->facts.telnet && f.j->facts.telnet_prompt == KS_TELNET_PROMPT_LOGIN);
	CHECK(strcmp(f.j->outcome, "identified: telnet login prompt") == 0);
	fx_release(&f);
}

KS_TEST(grab_session_http_redirect)
{
	struct fixture f;
	fx_init(&f, &ks_grab_http, 8080);
	CHECK(f.j->mod->start(f.j) == GRAB_WAIT);
	CHECK(strncmp((const char *)f.j->out, "GET / HTTP/1.1\r\nHost: 198.18.0.9:8080\r\n", 39) == 0);
	const char *r = "HTTP/1.1 302 Found\r\nLocation: /cgi-bin/login.cgi\r\nContent-Length: 0\r\n\r\n";
	CHECK(fx_recv(&f, r, strlen(r), false) == GRAB_RECONNECT);
	CHECK(f.j->next_port == 8080 && f.j->step == 1);
	CHECK(strcmp(f.j->path, "/cgi-bin/login.cgi") == 0);
	/* the follow-up asks for the path */
	f.j->in_len = 0;
	f.j->out_len = 0;
	CHECK(f.j->mod->start(f.j) == GRAB_WAIT);
	CHECK(strncmp((const char *)f.j->out, "GET /cgi-bin/login.cgi HTTP/1.1\r\n", 33) == 0);
	const char *r2 = "HTTP/1.0 200 OK\r\n\r\n<title>Login</title><input type=password>";
	CHECK(fx_recv(&f, r2, strlen(r2), true) == GRAB_DONE);
	f.j->mod->finish(f.j);
	CHECK(strcmp(f.j->svc.module, "http") == 0 && strcmp(f.j->svc.title, "Login") == 0);
	CHECK(f.j->facts.http_next && f.j->facts.http_next->password_field);
	fx_release(&f);

	/* a redirect to another address is not followed */
	fx_init(&f, &ks_grab_http, 80);
	f.j->mod->start(f.j);
	const char *r3 = "HTTP/1.1 301 Moved\r\nLocation: http://198.18.0.10/\r\nContent-Length: 0\r\n\r\n";
	CHECK(fx_recv(&f, r3, strlen(r3), false) == GRAB_DONE);
	CHECK(f.j->step == 0);
	fx_release(&f);
}

KS_TEST(grab_session_mqtt_retry)
{
	struct fixture f;
	fx_init(&f, &ks_grab_mqtt, 1883);
	CHECK(f.j->mod->start(f.j) == GRAB_WAIT);
	CHECK(f.j->out_len > 8 && f.j->out[0] == 0x10 && f.j->out[8] == KS_MQTT_V5);
	/* a 3.1.1 broker: return code 1, unacceptable protocol version */
	const uint8_t refused[] = {0x20, 0x02, 0x00, 0x01};
	CHECK(fx_recv(&f, refused, sizeof refused, false) == GRAB_RECONNECT);
	CHECK(f.j->step == 1);
	f.j->in_len = 0;
	f.j->out_len = 0;
	f.j->mod->start(f.j);
	CHECK(f.j->out[8] == KS_MQTT_V311);
	const uint8_t ok[] = {0x20, 0x02, 0x00, 0x00};
	f.j->out_len = 0;
	CHECK(fx_recv(&f, ok, sizeof ok, false) == GRAB_DONE);
	/* DISCONNECT is queued */
	CHECK(f.j->out_len == 2 && f.j->out[0] == 0xe0 && f.j->out[1] == 0);
	f.j->mod->finish(f.j);
	CHECK(strcmp(f.j->svc.module, "mqtt") == 0 && f.j->facts.mqtt->verdict == KS_MQTT_ACCEPTED);
	fx_release(&f);
}

KS_TEST(grab_session_banner_hands_over)
{
	struct fixture f;
	fx_init(&f, &ks_grab_banner, 2222);
	CHECK(f.j->mod->start(f.j) == GRAB_WAIT);
	CHECK(f.j->read_ms == KS_GRAB_DEFAULT_BANNER_MS);
	const char *id = "SSH-2.0-OpenSSH_8.4\r\n";
	CHECK(fx_recv(&f, id, strlen(id), false) == GRAB_WAIT); /* waiting for KEXINIT */
	CHECK(f.j->mod == &ks_grab_ssh);
	CHECK(f.j->out_len > 8 && memcmp(f.j->out, "SSH-2.0-", 8) == 0);
	fx_release(&f);

	/* silence: HTTP on the same connection */
	fx_init(&f, &ks_grab_banner, 37777);
	f.j->mod->start(f.j);
	CHECK(f.j->mod->timeout(f.j) == GRAB_WAIT);
	CHECK(f.j->mod == &ks_grab_http && f.j->read_ms == 0);
	CHECK(strncmp((const char *)f.j->out, "GET / HTTP/1.1\r\n", 16) == 0);
	fx_release(&f);

	/* something else: kept as the banner, module "tcp" */
	fx_init(&f, &ks_grab_banner, 5555);
	f.j->mod->start(f.j);
	CHECK(fx_recv(&f, "CNXN\0\0\0\1", 8, true) == GRAB_DONE);
	f.j->mod->finish(f.j);
	CHECK(f.j->svc.module[0] == '\0' && strcmp(f.j->svc.banner, "CNXN....") == 0);
	fx_release(&f);
}

KS_TEST(grab_session_dns_ignores_strangers)
{
	struct fixture f;
	fx_init(&f, &ks_grab_dns, 53);
	CHECK(f.j->mod->start(f.j) == GRAB_WAIT);
	CHECK(f.j->out_len > 12 && (f.j->out[2] & 0x01)); /* RD */
	/* the query itself (not a response) and a wrong id are ignored */
	uint8_t q[512];
	memcpy(q, f.j->out, f.j->out_len);
	size_t n = f.j->out_len;
	f.j->in_len = 0;
	CHECK(fx_recv(&f, q, n, false) == GRAB_WAIT);
	q[2] |= 0x80; /* QR */
	q[3] |= 0x80; /* RA, NOERROR, no answers */
	q[0] ^= 0xff; /* another id */
	f.j->in_len = 0;
	CHECK(fx_recv(&f, q, n, false) == GRAB_WAIT);
	q[0] ^= 0xff;
	f.j->in_len = 0;
	CHECK(fx_recv(&f, q, n, false) == GRAB_DONE);
	f.j->mod->finish(f.j);
	CHECK(strcmp(f.j->svc.module, "dns") == 0 && f.j->facts.dns->ra);
	fx_release(&f);
}

KS_TEST(grab_session_ntp_coap)
{
	struct fixture f;
	fx_init(&f, &ks_grab_ntp, 123);
	CHECK(f.j->mod->start(f.j) == GRAB_WAIT);
	CHECK(f.j->out_len == KS_NTP_LEN);
	/* the server's reply: mode 4, stratum 2, our transmit time echoed as origin */
	uint8_t r[KS_NTP_LEN];
	memcpy(r, f.j->out, sizeof r);
	r[0] = (uint8_t)(4 << 3 | 4);
	r[1] = 2;
	memcpy(r + 24, f.j->out + 40, 8);
	r[12] = 192, r[13] = 0, r[14] = 2, r[15] = 1;
	CHECK(fx_recv(&f, r, sizeof r, false) == GRAB_DONE);
	f.j->mod->finish(f.j);
	struct ks_svc *s = &f.j->svc;
	ks_grab_facts_format(s, &f.j->facts);
	CHECK(strcmp(s->module, "ntp") == 0);
	CHECK(strcmp(s->facts, "ntp_version=4; ntp_stratum=2; ntp_refid=192.0.2.1") == 0);
	fx_release(&f);

	fx_init(&f, &ks_grab_coap, 5683);
	CHECK(f.j->mod->start(f.j) == GRAB_WAIT);
	const uint8_t *q = f.j->out;
	CHECK(f.j->out_len > 8 && (q[0] & 0x0f) == 4 && q[1] == 0x01); /* TKL 4, GET */
	uint8_t a[64];
	size_t n = 0;
	a[n++] = 0x64; /* ver 1, ACK, TKL 4 */
	a[n++] = 0x45; /* 2.05 Content */
	a[n++] = q[2], a[n++] = q[3];
	memcpy(a + n, q + 4, 4);
	n += 4;
	a[n++] = 0xc1, a[n++] = 40; /* Content-Format (12): application/link-format */
	a[n++] = 0xff;
	memcpy(a + n, "</light>", 8);
	n += 8;
	CHECK(fx_recv(&f, a, n, false) == GRAB_DONE);
	f.j->answered = true; /* the engine sets it when a driver accepts a reply */
	f.j->mod->finish(f.j);
	s = &f.j->svc;
	ks_grab_facts_format(s, &f.j->facts);
	CHECK(strcmp(s->module, "coap") == 0);
	CHECK(strcmp(s->facts, "coap_code=2.05; coap_resources=/light") == 0);
	fx_release(&f);
}

KS_TEST(grab_session_rtsp_ftp_fingerprints)
{
	struct fixture f;
	fx_init(&f, &ks_grab_rtsp, 554);
	CHECK(f.j->mod->start(f.j) == GRAB_WAIT);
	CHECK(strncmp((const char *)f.j->out, "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n", 29) == 0);
	const char *r = "RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\nServer: Hipcam RealServer/V1.0\r\n"
			"WWW-Authenticate: Digest realm=\"Hipcam RealServer\", nonce=\"x\"\r\n\r\n";
	CHECK(fx_recv(&f, r, strlen(r), false) == GRAB_DONE);
	f.j->mod->finish(f.j);
	struct ks_svc *s = &f.j->svc;
	CHECK(strcmp(s->module, "rtsp") == 0 && strcmp(s->banner, "Hipcam RealServer/V1.0") == 0);
	CHECK(strcmp(s->title, "Hipcam RealServer") == 0);
	/* Rapid7's rtsp_servers.xml (../shared) identifies it */
	const char *dir = getenv("KS_RECOG_DATA");
	struct ks_recog_set *set = NULL;
	char err[256];
	CHECK(ks_recog_set_load_dir(dir && *dir ? dir : "../shared/data/recog", &set, err,
				    sizeof err) == 0);
	ks_grab_fingerprint(set, s, &f.j->facts);
	CHECK(strcmp(s->version, "1.0") == 0);
	CHECK(s->product[0] != '\0');
	ks_grab_facts_format(s, &f.j->facts);
	CHECK(strcmp(s->facts, "rtsp_status=401; rtsp_auth=Digest") == 0);
	fx_release(&f);

	fx_init(&f, &ks_grab_ftp, 21);
	CHECK(f.j->mod->start(f.j) == GRAB_WAIT && f.j->out_len == 0);
	const char *g1 = "220-Welcome\r\n220-to the NAS\r\n";
	CHECK(fx_recv(&f, g1, strlen(g1), false) == GRAB_WAIT);
	const char *g2 = "220 ProFTPD 1.3.5 Server (Debian) [192.0.2.7]\r\n";
	CHECK(fx_recv(&f, g2, strlen(g2), false) == GRAB_DONE);
	CHECK(f.j->out_len == 6 && memcmp(f.j->out, "QUIT\r\n", 6) == 0);
	f.j->mod->finish(f.j);
	s = &f.j->svc;
	CHECK(strcmp(s->module, "ftp") == 0);
	CHECK(strcmp(s->banner, "Welcome | to the NAS | ProFTPD 1.3.5 Server (Debian) [192.0.2.7]") == 0);
	ks_grab_fingerprint(set, s, &f.j->facts);
	CHECK(strcmp(s->vendor, "ProFTPD Project") == 0 && strcmp(s->product, "ProFTPD") == 0);
	CHECK(strcmp(s->version, "1.3.5") == 0);
	CHECK(strcmp(s->cpe, "cpe:2.3:a:proftpd:proftpd:1.3.5:*:*:*:*:*:*:*") == 0);
	ks_recog_set_free(set);
	fx_release(&f);
}
