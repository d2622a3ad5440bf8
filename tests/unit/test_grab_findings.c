/* SPDX-License-Identifier: BSD-2-Clause */
/* Findings of the identification stage (src/grab/grab_findings.c) and the
 * remediation texts (src/vuln/vuln_finding.c). */
#include <stdio.h>
#include <string.h>

#include "grab.h"
#include "ks_test.h"
#include "vuln_finding.h"

KS_TEST(finding_remediation)
{
	for (int i = 0; i < KS_FIND_COUNT; i++) {
		const char *t = ks_finding_remediation((enum ks_finding_type)i);
		CHECK(t != NULL && strlen(t) > 40);
		CHECK(t[strlen(t) - 1] == '.');
		for (int k = 0; k < i; k++)
			CHECK(strcmp(t, ks_finding_remediation((enum ks_finding_type)k)) != 0);
	}
	CHECK(strcmp(ks_finding_remediation((enum ks_finding_type)KS_FIND_COUNT), "") == 0);
	CHECK(strstr(ks_finding_remediation(KS_FIND_TELNET_EXPOSED), "telnet") != NULL);
}

static void svc_init(struct ks_svc *s, const char *module, uint16_t port)
{
	memset(s, 0, sizeof *s);
	ks_addr_parse("192.0.2.7", &s->addr);
	s->port = port;
	s->proto = 6;
	snprintf(s->module, sizeof s->module, "%s", module);
}

static size_t findings(const struct ks_svc *s, const struct ks_grab_facts *f,
		       const struct ks_vuln_db *db, struct ks_finding *out)
{
	/* 2026-01-01T00:00:00Z */
	return ks_grab_findings(s, f, db, 1767225600, out, KS_GRAB_FINDINGS_MAX);
}

KS_TEST(grab_findings_telnet)
{
	struct ks_svc s;
	struct ks_grab_facts f = {0};
	struct ks_finding out[KS_GRAB_FINDINGS_MAX];
	svc_init(&s, "telnet", 23);
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 0);
	f.telnet = true;
	f.telnet_prompt = KS_TELNET_PROMPT_LOGIN;
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 1);
	CHECK(out[0].type == KS_FIND_TELNET_EXPOSED && out[0].sev == KS_SEV_HIGH);
	CHECK(out[0].port == 23 && out[0].proto == 6 && ks_addr_cmp(&out[0].addr, &s.addr) == 0);
	CHECK(strcmp(out[0].detail, "telnet answered on 23/tcp (prompt: login)") == 0);
	CHECK(strcmp(out[0].product, "") == 0);
	f.telnet_prompt = KS_TELNET_PROMPT_SHELL;
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 1);
	CHECK(out[0].sev == KS_SEV_CRITICAL);
	CHECK(strstr(out[0].detail, "a shell without any login") != NULL);
	/* max is honoured */
	CHECK_EQ_U64(ks_grab_findings(&s, &f, NULL, 0, out, 0), 0);
}

KS_TEST(grab_findings_http)
{
	struct ks_svc s;
	struct ks_grab_facts f = {0};
	struct ks_finding out[KS_GRAB_FINDINGS_MAX];
	struct ks_http h, h2;
	const char *r401 = "HTTP/1.1 401 Unauthorized\r\nServer: lighttpd/1.4.69\r\n"
			   "WWW-Authenticate: Basic realm=\"camera\"\r\nContent-Length: 0\r\n\r\n";
	CHECK(ks_http_parse((const uint8_t *)r401, strlen(r401), false, &h) == 0);
	svc_init(&s, "http", 8080);
	f.http = &h;
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 1);
	CHECK(out[0].type == KS_FIND_CLEARTEXT_ADMIN && out[0].sev == KS_SEV_MEDIUM);
	CHECK(strcmp(out[0].detail,
		     "HTTP 401 Basic authentication (realm \"camera\") over plain HTTP at /") == 0);
	/* the same served inside TLS is no finding */
	svc_init(&s, "https", 443);
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 0);

	/* a redirect to a login form */
	const char *r302 = "HTTP/1.1 302 Found\r\nLocation: /login.html\r\nContent-Length: 0\r\n\r\n";
	const char *form = "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html><title>Web "
			   "Login</title><form><input type=\"password\" name=p></form></html>";
	CHECK(ks_http_parse((const uint8_t *)r302, strlen(r302), false, &h) == 0);
	CHECK(ks_http_parse((const uint8_t *)form, strlen(form), true, &h2) == 0);
	svc_init(&s, "http", 80);
	f.http_next = &h2;
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 1);
	CHECK(strcmp(out[0].detail, "login form (password field) served over plain HTTP at "
				    "/login.html (title \"Web Login\")") == 0);
	ks_grab_facts_format(&s, &f);
	CHECK(strcmp(s.facts, "http_status=302; http_location=/login.html; redirect_http_status=200; "
			      "redirect_http_login=form") == 0);
	/* a plain page: nothing */
	f.http = &h2;
	h2.login_page = false;
	f.http_next = NULL;
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 0);
}

KS_TEST(grab_findings_udp_mqtt)
{
	struct ks_svc s;
	struct ks_grab_facts f = {0};
	struct ks_finding out[KS_GRAB_FINDINGS_MAX];
	struct ks_dns d = {0};
	svc_init(&s, "dns", 53);
	s.proto = 17;
	d.qr = d.ra = d.question_matches = true;
	d.ancount = 1;
	f.dns = &d;
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 1);
	CHECK(out[0].type == KS_FIND_OPEN_RESOLVER && out[0].sev == KS_SEV_MEDIUM && out[0].proto == 17);
	CHECK(strcmp(out[0].detail, "recursive query for kansoku-probe.example answered with recursion "
				    "available (rcode noerror, 1 answer)") == 0);
	d.ancount = 0;
	d.rcode = 3;
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 1);
	d.rcode = 5; /* refused */
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 0);
	d.rcode = 0;
	d.ancount = 1;
	d.ra = false;
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 0);

	struct ks_ssdp sd = {0};
	struct ks_upnp_desc ud = {0};
	snprintf(sd.server, sizeof sd.server, "Linux/5.10 UPnP/1.0 MiniUPnPd/2.2");
	snprintf(sd.location, sizeof sd.location, "http://192.0.2.7:5000/rootDesc.xml");
	snprintf(ud.friendly_name, sizeof ud.friendly_name, "Home Router");
	snprintf(ud.manufacturer, sizeof ud.manufacturer, "Acme");
	snprintf(ud.model_name, sizeof ud.model_name, "AR-100");
	snprintf(ud.device_type, sizeof ud.device_type,
		 "urn:schemas-upnp-org:device:InternetGatewayDevice:1");
	struct ks_grab_facts g = {0};
	g.ssdp = &sd;
	g.upnp = &ud;
	svc_init(&s, "ssdp", 1900);
	s.proto = 17;
	ks_grab_fingerprint(NULL, &s, &g);
	CHECK(strcmp(s.vendor, "Acme") == 0 && strcmp(s.product, "AR-100") == 0);
	CHECK(strcmp(s.device_type, "Router") == 0);
	CHECK_EQ_U64(findings(&s, &g, NULL, out), 1);
	CHECK(out[0].type == KS_FIND_UPNP_EXPOSED && strcmp(out[0].product, "Acme AR-100") == 0);
	CHECK(strcmp(out[0].detail, "SSDP answered a unicast M-SEARCH (server \"Linux/5.10 UPnP/1.0 "
				    "MiniUPnPd/2.2\", location http://192.0.2.7:5000/rootDesc.xml); "
				    "device \"Home Router\"") == 0);

	struct ks_mqtt m = {0};
	struct ks_grab_facts h = {0};
	svc_init(&s, "mqtt", 1883);
	m.level = 4;
	m.verdict = KS_MQTT_AUTH_REQUIRED;
	m.code = 5;
	h.mqtt = &m;
	CHECK_EQ_U64(findings(&s, &h, NULL, out), 0);
	m.verdict = KS_MQTT_ACCEPTED;
	m.code = 0;
	CHECK_EQ_U64(findings(&s, &h, NULL, out), 1);
	CHECK(out[0].type == KS_FIND_MQTT_NO_AUTH && out[0].sev == KS_SEV_HIGH);
	CHECK(strcmp(out[0].detail,
		     "MQTT 3.1.1 CONNECT without user name or password accepted (CONNACK 0)") == 0);
}

KS_TEST(grab_findings_tls_ssh)
{
	struct ks_svc s;
	struct ks_grab_facts f = {0};
	struct ks_finding out[KS_GRAB_FINDINGS_MAX];
	struct ks_tls t;
	memset(&t, 0, sizeof t);
	t.have_hello = t.have_cert = true;
	t.version = 0x0301;
	t.cipher = 0xc014;
	t.cipher_name = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA";
	t.flags = KS_TLS_F_DEPRECATED_VERSION | KS_TLS_F_SELF_SIGNED;
	t.cert.flags = KS_TLS_F_SELF_SIGNED;
	snprintf(t.cert.subject_cn, sizeof t.cert.subject_cn, "cam.example");
	snprintf(t.cert.issuer_cn, sizeof t.cert.issuer_cn, "cam.example");
	t.cert.sig_name = "sha256WithRSAEncryption";
	t.cert.key_name = "rsaEncryption";
	t.cert.rsa_bits = 2048;
	t.cert.not_before = 1577836800; /* 2020-01-01 */
	t.cert.not_after = 1609372800;  /* 2020-12-31 */
	f.tls = &t;
	svc_init(&s, "https", 443);
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 2);
	CHECK(out[0].type == KS_FIND_BAD_CERTIFICATE && out[0].sev == KS_SEV_MEDIUM);
	CHECK(strcmp(out[0].detail, "expired 2020-12-31; self-signed (subject CN=cam.example)") == 0);
	CHECK(out[1].type == KS_FIND_DEPRECATED_CRYPTO && out[1].sev == KS_SEV_MEDIUM);
	CHECK(strcmp(out[1].detail, "TLSv1.0 negotiated") == 0);
	ks_grab_facts_format(&s, &f);
	CHECK(strcmp(s.facts, "tls_version=TLSv1.0; tls_cipher=TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA; "
			      "tls_kex=ECDHE; tls_sig=sha256WithRSAEncryption; tls_key=rsaEncryption "
			      "2048; cert_subject=CN=cam.example; cert_issuer=CN=cam.example; "
			      "cert_not_before=2020-01-01; cert_not_after=2020-12-31") == 0);
	/* a valid CA-issued certificate over TLS 1.2, but TLS 1.1 accepted */
	t.version = 0x0303;
	t.flags = 0;
	t.cert.flags = 0;
	t.cert.not_after = 1893456000; /* 2030 */
	f.tls_old_accepted = 2;
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 1);
	CHECK(strcmp(out[0].detail, "TLSv1.1 accepted") == 0);
	t.cert.not_before = 1893456000 - 10; /* not yet valid */
	t.flags = KS_TLS_F_WEAK_CIPHER;
	t.cipher_name = "TLS_RSA_WITH_RC4_128_SHA";
	f.tls_old_accepted = 0;
	CHECK_EQ_U64(findings(&s, &f, NULL, out), 2);
	CHECK(strcmp(out[0].detail, "not valid before 2029-12-31 (subject CN=cam.example)") == 0);
	CHECK(out[1].sev == KS_SEV_HIGH && strcmp(out[1].detail, "weak cipher suite "
								 "TLS_RSA_WITH_RC4_128_SHA") == 0);

	/* TLS 1.3 inventory: a HelloRetryRequest names the group the server wants */
	struct ks_tls t13;
	memset(&t13, 0, sizeof t13);
	t13.have_hello = t13.hello_retry = true;
	t13.version = 0x0304;
	t13.key_share = 0x11ec; /* X25519MLKEM768 */
	t13.cipher_name = "TLS_AES_128_GCM_SHA256";
	struct ks_grab_facts g13 = {0};
	g13.tls13 = &t13;
	svc_init(&s, "https", 443);
	ks_grab_facts_format(&s, &g13);
	CHECK(strcmp(s.facts, "tls13_kex=X25519MLKEM768 (hello retry)") == 0);
	CHECK_EQ_U64(findings(&s, &g13, NULL, out), 0);
	t13.hello_retry = false;
	t13.key_share = 0x001d;
	svc_init(&s, "https", 443);
	ks_grab_facts_format(&s, &g13);
	CHECK(strcmp(s.facts, "tls13_kex=x25519; tls13_cipher=TLS_AES_128_GCM_SHA256") == 0);

	/* SSH: parse a real identification + KEXINIT */
	static const char *lists[10] = {"diffie-hellman-group1-sha1,curve25519-sha256",
					"ssh-rsa,ssh-ed25519", "aes128-ctr", "aes128-ctr",
					"hmac-sha2-256", "hmac-sha2-256", "none", "none", "", ""};
	uint8_t buf[1024];
	size_t n = 0;
	const char *id = "SSH-2.0-dropbear_2022.83\r\n";
	memcpy(buf, id, strlen(id));
	n = strlen(id);
	uint8_t pl[900];
	size_t pn = 0;
	pl[pn++] = 20;
	memset(pl + pn, 7, 16);
	pn += 16;
	for (int i = 0; i < 10; i++) {
		size_t l = strlen(lists[i]);
		pl[pn++] = 0, pl[pn++] = 0, pl[pn++] = (uint8_t)(l >> 8), pl[pn++] = (uint8_t)l;
		memcpy(pl + pn, lists[i], l);
		pn += l;
	}
	pl[pn++] = 0;
	memset(pl + pn, 0, 4);
	pn += 4;
	size_t pad = 8 - (pn + 5) % 8;
	if (pad < 4)
		pad += 8;
	uint32_t plen = (uint32_t)(pn + pad + 1);
	buf[n++] = (uint8_t)(plen >> 24), buf[n++] = (uint8_t)(plen >> 16);
	buf[n++] = (uint8_t)(plen >> 8), buf[n++] = (uint8_t)plen;
	buf[n++] = (uint8_t)pad;
	memcpy(buf + n, pl, pn);
	n += pn;
	memset(buf + n, 0, pad);
	n += pad;
	struct ks_ssh h;
	CHECK(ks_ssh_parse(buf, n, false, &h) == 0);
	struct ks_grab_facts g = {0};
	g.ssh = &h;
	svc_init(&s, "ssh", 22);
	CHECK_EQ_U64(findings(&s, &g, NULL, out), 1);
	CHECK(out[0].type == KS_FIND_DEPRECATED_CRYPTO && out[0].sev == KS_SEV_MEDIUM);
	/* ssh-rsa beside ssh-ed25519 is no finding; ssh-rsa alone is */
	CHECK(strcmp(h.flagged, "diffie-hellman-group1-sha1,ssh-rsa") == 0);
	CHECK(strcmp(out[0].detail, "SSH offers diffie-hellman-group1-sha1") == 0);
	snprintf(h.lists[KS_SSH_HOSTKEY], sizeof h.lists[0], "ssh-rsa,ssh-dss");
	snprintf(h.flagged, sizeof h.flagged, "ssh-rsa,ssh-dss");
	h.flags = KS_SSH_F_DEPRECATED_HOSTKEY;
	CHECK_EQ_U64(findings(&s, &g, NULL, out), 1);
	CHECK(strcmp(out[0].detail, "SSH offers ssh-rsa,ssh-dss") == 0);
	snprintf(h.lists[KS_SSH_HOSTKEY], sizeof h.lists[0], "rsa-sha2-512,ssh-rsa");
	snprintf(h.flagged, sizeof h.flagged, "ssh-rsa");
	CHECK_EQ_U64(findings(&s, &g, NULL, out), 0);
	CHECK(ks_ssh_parse(buf, n, false, &h) == 0);
	ks_grab_facts_format(&s, &g);
	CHECK(strcmp(s.facts, "ssh_proto=2.0; ssh_kex=diffie-hellman-group1-sha1,curve25519-sha256; "
			      "ssh_hostkey=ssh-rsa,ssh-ed25519; ssh_ciphers=aes128-ctr; "
			      "ssh_macs=hmac-sha2-256") == 0);
}

KS_TEST(grab_findings_vulns_fingerprint)
{
	const char *data = "cve      CVE-2021-33044\n"
			   "affects  dahua:*\n"
			   "cvss     9.8  CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n"
			   "title    t\nfix      f\n"
			   "cve      CVE-2099-0001\n"
			   "affects  dahua:*\n"
			   "cvss     5.0\n"
			   "title    t\nfix      f\n";
	struct ks_vuln_db db;
	char err[256];
	CHECK(ks_vuln_db_parse(data, strlen(data), "t.vulns", NULL, &db, err, sizeof err) == 0);
	db.v[0].known_exploited = 1;
	struct ks_recog_set *set = NULL;
	CHECK(ks_recog_set_load_dir("data/recog", &set, err, sizeof err) == 0);
	struct ks_svc s;
	svc_init(&s, "http", 80);
	struct ks_http h;
	const char *r = "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Digest realm=\"DH_00408CA5EA04\", "
			"nonce=\"1\", qop=\"auth\"\r\nContent-Length: 0\r\n\r\n";
	CHECK(ks_http_parse((const uint8_t *)r, strlen(r), false, &h) == 0);
	struct ks_grab_facts f = {0};
	f.http = &h;
	ks_grab_fingerprint(set, &s, &f);
	CHECK(strcmp(s.vendor, "Dahua") == 0);
	CHECK(strcmp(s.device_type, "IP Camera") == 0);
	struct ks_finding out[KS_GRAB_FINDINGS_MAX];
	/* a vendor alone is no query (vuln_match.h): no known_vulnerability */
	CHECK_EQ_U64(findings(&s, &f, &db, out), 1);
	CHECK(out[0].type == KS_FIND_CLEARTEXT_ADMIN);
	snprintf(s.product, sizeof s.product, "IPC-HDW1200S");
	CHECK_EQ_U64(findings(&s, &f, &db, out), 2);
	CHECK(out[0].type == KS_FIND_KNOWN_VULNERABILITY && out[0].sev == KS_SEV_CRITICAL);
	CHECK(strcmp(out[0].detail, "CVE-2021-33044 (KEV, CVSS 9.8); CVE-2099-0001 (CVSS 5.0)") == 0);
	CHECK(strcmp(out[0].product, "Dahua IPC-HDW1200S") == 0);
	CHECK(out[1].type == KS_FIND_CLEARTEXT_ADMIN);
	/* the raw header wins over the rebuilt one */
	svc_init(&s, "http", 80);
	f.wwwauth = "Basic realm=\"nothing known\"";
	ks_grab_fingerprint(set, &s, &f);
	CHECK(strcmp(s.vendor, "") == 0);
	ks_recog_set_free(set);
	ks_vuln_db_release(&db);
}
