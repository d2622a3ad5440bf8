/* SPDX-License-Identifier: BSD-2-Clause */
/* Findings and facts of one identified service (grab.h): pure functions
 * from struct ks_svc and the parser results to struct ks_finding records
 * and the svc's "key=value; ..." facts. No I/O, no global state: the
 * engine calls them once per service, tests call them on hand-made input.
 * The finding rules and severities are listed in grab.h and in
 * docs/survey.md, "Findings". */
#include "grab.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vuln_match.h"

#define VULN_HITS_MAX 16 /* CVEs listed in one known_vulnerability finding */

/* Appends formatted text to buf[0..cap), cutting it to fit (never fails). */
__attribute__((format(printf, 3, 4))) static void append(char *buf, size_t cap, const char *fmt,
							  ...)
{
	size_t len = strnlen(buf, cap);
	if (len + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

/* snprintf that may cut (the cut is intended: records are fixed-size). */
__attribute__((format(printf, 3, 4))) static void put(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

/* Appends "; " (unless buf is empty) and "key=value". */
__attribute__((format(printf, 4, 5))) static void fact(char *buf, size_t cap, const char *key,
							const char *fmt, ...)
{
	char v[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v, sizeof v, fmt, ap);
	va_end(ap);
	if (!v[0])
		return;
	append(buf, cap, "%s%s=%s", buf[0] ? "; " : "", key, v);
}

static void day(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
		snprintf(out, 16, "?");
}

/* "CN=x,O=y" of a name (either part may be missing). */
static void dn(char *out, size_t cap, const char *cn, const char *o)
{
	snprintf(out, cap, "%s%s%s%s%s", cn[0] ? "CN=" : "", cn, cn[0] && o[0] ? "," : "",
		 o[0] ? "O=" : "", o);
}

/* Key exchange of a TLS <= 1.2 suite name: what stands between "TLS_" and
 * the authentication part ("TLS_ECDHE_RSA_WITH_..." -> "ECDHE"). */
static void suite_kex(const char *name, char *out, size_t cap)
{
	out[0] = '\0';
	if (strncmp(name, "TLS_", 4) != 0 || !strstr(name, "_WITH_"))
		return;
	const char *p = name + 4, *e = strchr(p, '_');
	size_t n = (size_t)(e - p);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static const char *tls_cipher(const struct ks_tls *t, char buf[8])
{
	if (t->cipher_name && t->cipher_name[0])
		return t->cipher_name;
	snprintf(buf, 8, "0x%04x", t->cipher);
	return buf;
}

static void old_versions(uint32_t bits, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s%s%s", bits & 4 ? "SSLv3" : "", bits & 4 && bits & 3 ? "," : "",
		 bits & 1 ? "TLSv1.0" : "", bits & 1 && bits & 2 ? "," : "", bits & 2 ? "TLSv1.1" : "");
}

void ks_grab_facts_format(struct ks_svc *s, const struct ks_grab_facts *f)
{
	char *b = s->facts;
	size_t cap = sizeof s->facts;
	char tmp[320], tmp2[64];
	if (f->telnet)
		fact(b, cap, "telnet_prompt", "%s", ks_telnet_prompt_name(f->telnet_prompt));
	if (f->ssh && f->ssh->have_ident) {
		const struct ks_ssh *h = f->ssh;
		fact(b, cap, "ssh_proto", "%s", h->proto);
		if (h->have_kexinit) {
			fact(b, cap, "ssh_kex", "%s", h->lists[KS_SSH_KEX]);
			fact(b, cap, "ssh_hostkey", "%s", h->lists[KS_SSH_HOSTKEY]);
			fact(b, cap, "ssh_ciphers", "%s", h->lists[KS_SSH_ENC_S2C]);
			fact(b, cap, "ssh_macs", "%s", h->lists[KS_SSH_MAC_S2C]);
		}
	}
	if (f->tls && f->tls->have_hello) {
		const struct ks_tls *t = f->tls;
		fact(b, cap, "tls_version", "%s", ks_tls_version_name(t->version));
		fact(b, cap, "tls_cipher", "%s", tls_cipher(t, tmp2));
		if (t->key_share)
			fact(b, cap, "tls_kex", "%s", ks_tls_group_name(t->key_share)[0]
							 ? ks_tls_group_name(t->key_share)
							 : "unknown");
		else {
			suite_kex(t->cipher_name ? t->cipher_name : "", tmp, sizeof tmp);
			fact(b, cap, "tls_kex", "%s", tmp);
		}
		if (t->have_cert && t->cert_err == 0) {
			const struct ks_x509 *c = &t->cert;
			fact(b, cap, "tls_sig", "%s", c->sig_name[0] ? c->sig_name : c->sig_oid);
			if (c->rsa_bits)
				fact(b, cap, "tls_key", "%s %u", c->key_name[0] ? c->key_name : c->key_oid,
				     c->rsa_bits);
			else
				fact(b, cap, "tls_key", "%s", c->key_name[0] ? c->key_name : c->key_oid);
			dn(tmp, sizeof tmp, c->subject_cn, c->subject_o);
			fact(b, cap, "cert_subject", "%s", tmp);
			dn(tmp, sizeof tmp, c->issuer_cn, c->issuer_o);
			fact(b, cap, "cert_issuer", "%s", tmp);
			day(c->not_before, tmp2);
			fact(b, cap, "cert_not_before", "%s", tmp2);
			day(c->not_after, tmp2);
			fact(b, cap, "cert_not_after", "%s", tmp2);
		} else if (t->cert_encrypted) {
			fact(b, cap, "cert", "%s", "encrypted (TLS 1.3)");
		}
		old_versions(f->tls_old_accepted, tmp, sizeof tmp);
		fact(b, cap, "tls_old_versions", "%s", tmp);
	} else if (f->tls && f->tls->alert) {
		fact(b, cap, "tls_alert", "%u", f->tls->alert_desc);
	}
	if (f->tls13) {
		const struct ks_tls *t = f->tls13;
		const char *g = ks_tls_group_name(t->key_share);
		fact(b, cap, "tls13_kex", "%s%s", g[0] ? g : "unknown",
		     t->hello_retry ? " (hello retry)" : "");
		if (!t->hello_retry)
			fact(b, cap, "tls13_cipher", "%s", tls_cipher(t, tmp2));
	}
	for (int i = 0; i < 2; i++) {
		const struct ks_http *h = i ? f->http_next : f->http;
		if (!h || !h->status)
			continue;
		const char *pre = i ? "redirect_" : "";
		char k[40];
		snprintf(k, sizeof k, "%shttp_status", pre);
		fact(b, cap, k, "%u", h->status);
		snprintf(k, sizeof k, "%shttp_location", pre);
		fact(b, cap, k, "%s", h->location);
		snprintf(k, sizeof k, "%shttp_auth", pre);
		if (h->auth.scheme[0])
			fact(b, cap, k, "%s realm=\"%s\"", h->auth.scheme, h->auth.realm);
		snprintf(k, sizeof k, "%shttp_login", pre);
		if (h->login_page)
			fact(b, cap, k, "%s", h->password_field ? "form" : "401");
	}
	if (f->mqtt)
		fact(b, cap, "mqtt_connack", "%u %s", f->mqtt->code,
		     f->mqtt->code_name ? f->mqtt->code_name : "");
	if (f->dns) {
		char rc[12];
		fact(b, cap, "dns_rcode", "%s", ks_dns_rcode_name(f->dns->rcode, rc));
		fact(b, cap, "dns_recursion", "%s", f->dns->ra ? "available" : "no");
		fact(b, cap, "dns_answers", "%u", f->dns->ancount);
	}
	if (f->ssdp) {
		fact(b, cap, "ssdp_st", "%s", f->ssdp->st);
		fact(b, cap, "ssdp_location", "%s", f->ssdp->location);
	}
	if (f->upnp) {
		fact(b, cap, "upnp_device_type", "%s", f->upnp->device_type);
		fact(b, cap, "upnp_manufacturer", "%s", f->upnp->manufacturer);
		fact(b, cap, "upnp_model", "%s%s%s", f->upnp->model_name,
		     f->upnp->model_number[0] ? " " : "", f->upnp->model_number);
	}
	if (f->ntp) {
		fact(b, cap, "ntp_version", "%u", f->ntp->version);
		fact(b, cap, "ntp_stratum", "%u", f->ntp->stratum);
		fact(b, cap, "ntp_refid", "%s", f->ntp->refid_text);
	}
	if (f->coap) {
		fact(b, cap, "coap_code", "%u.%02u", f->coap->code_class, f->coap->code_detail);
		fact(b, cap, "coap_resources", "%s", f->coap->paths);
	}
}

/* ---- findings ------------------------------------------------------- */

struct out {
	const struct ks_svc *s;
	struct ks_finding *v;
	size_t n, max;
};

static struct ks_finding *add(struct out *o, enum ks_finding_type t, enum ks_sev sev)
{
	if (o->n >= o->max)
		return NULL;
	struct ks_finding *f = &o->v[o->n++];
	memset(f, 0, sizeof *f);
	f->addr = o->s->addr;
	f->port = o->s->port;
	f->proto = o->s->proto;
	f->type = t;
	f->sev = sev;
	const struct ks_svc *s = o->s;
	/* "vendor product version", without the vendor when the product already
	 * starts with it ("lighttpd 1.4.69", not "lighttpd lighttpd 1.4.69") */
	size_t vl = strlen(s->vendor);
	const char *vendor = vl && strncasecmp(s->product, s->vendor, vl) == 0 ? "" : s->vendor;
	put(f->product, sizeof f->product, "%s%s%s%s%s", vendor,
	    vendor[0] && s->product[0] ? " " : "", s->product,
	    s->version[0] && (vendor[0] || s->product[0]) ? " " : "",
	    vendor[0] || s->product[0] ? s->version : "");
	return f;
}

static void telnet_exposed(struct out *o, const struct ks_grab_facts *f)
{
	if (!f->telnet)
		return;
	bool shell = f->telnet_prompt == KS_TELNET_PROMPT_SHELL;
	struct ks_finding *x = add(o, KS_FIND_TELNET_EXPOSED, shell ? KS_SEV_CRITICAL : KS_SEV_HIGH);
	if (x)
		put(x->detail, sizeof x->detail, "telnet answered on %u/tcp (prompt: %s)%s",
			 o->s->port, ks_telnet_prompt_name(f->telnet_prompt),
			 shell ? "; a shell without any login" : "");
}

static void open_resolver(struct out *o, const struct ks_grab_facts *f)
{
	const struct ks_dns *d = f->dns;
	if (!d || !d->qr || !d->ra || !d->question_matches)
		return;
	bool answered = d->rcode == 0 && d->ancount > 0;
	if (!answered && d->rcode != 3)
		return;
	struct ks_finding *x = add(o, KS_FIND_OPEN_RESOLVER, KS_SEV_MEDIUM);
	char rc[12];
	if (x)
		put(x->detail, sizeof x->detail,
			 "recursive query for %s answered with recursion available (rcode %s, %u "
			 "answer%s)",
			 KS_GRAB_DNS_NAME, ks_dns_rcode_name(d->rcode, rc), d->ancount,
			 d->ancount == 1 ? "" : "s");
}

static void upnp_exposed(struct out *o, const struct ks_grab_facts *f)
{
	if (!f->ssdp)
		return;
	struct ks_finding *x = add(o, KS_FIND_UPNP_EXPOSED, KS_SEV_MEDIUM);
	if (!x)
		return;
	put(x->detail, sizeof x->detail, "SSDP answered a unicast M-SEARCH (server \"%s\"%s%s)",
		 f->ssdp->server, f->ssdp->location[0] ? ", location " : "", f->ssdp->location);
	if (f->upnp && f->upnp->friendly_name[0])
		append(x->detail, sizeof x->detail, "; device \"%s\"", f->upnp->friendly_name);
}

static void mqtt_no_auth(struct out *o, const struct ks_grab_facts *f)
{
	if (!f->mqtt || f->mqtt->verdict != KS_MQTT_ACCEPTED)
		return;
	struct ks_finding *x = add(o, KS_FIND_MQTT_NO_AUTH, KS_SEV_HIGH);
	if (x)
		put(x->detail, sizeof x->detail,
			 "MQTT %s CONNECT without user name or password accepted (CONNACK %u)",
			 f->mqtt->level == KS_MQTT_V5 ? "5.0" : "3.1.1", f->mqtt->code);
}

static void cleartext_admin(struct out *o, const struct ks_grab_facts *f)
{
	if (o->s->module[0] && strcmp(o->s->module, "https") == 0)
		return;
	const struct ks_http *h = NULL;
	const char *where = "/";
	if (f->http && f->http->login_page) {
		h = f->http;
	} else if (f->http_next && f->http_next->login_page) {
		h = f->http_next;
		where = f->http->location;
	}
	if (!h)
		return;
	struct ks_finding *x = add(o, KS_FIND_CLEARTEXT_ADMIN, KS_SEV_MEDIUM);
	if (!x)
		return;
	if (h->password_field)
		put(x->detail, sizeof x->detail,
			 "login form (password field) served over plain HTTP at %s%s%s%s", where,
			 h->title[0] ? " (title \"" : "", h->title, h->title[0] ? "\")" : "");
	else
		put(x->detail, sizeof x->detail,
			 "HTTP %u %s authentication (realm \"%s\") over plain HTTP at %s", h->status,
			 h->auth.scheme, h->auth.realm, where);
}

static void bad_certificate(struct out *o, const struct ks_grab_facts *f, int64_t now)
{
	const struct ks_tls *t = f->tls;
	if (!t || !t->have_cert || t->cert_err != 0)
		return;
	const struct ks_x509 *c = &t->cert;
	bool expired = now > c->not_after, early = now < c->not_before;
	bool self = c->flags & KS_TLS_F_SELF_SIGNED;
	if (!expired && !early && !self)
		return;
	struct ks_finding *x = add(o, KS_FIND_BAD_CERTIFICATE, expired || early ? KS_SEV_MEDIUM
										: KS_SEV_LOW);
	if (!x)
		return;
	char d[16], subj[300];
	if (expired) {
		day(c->not_after, d);
		append(x->detail, sizeof x->detail, "expired %s", d);
	}
	if (early) {
		day(c->not_before, d);
		append(x->detail, sizeof x->detail, "%snot valid before %s", x->detail[0] ? "; " : "",
		       d);
	}
	if (self)
		append(x->detail, sizeof x->detail, "%sself-signed", x->detail[0] ? "; " : "");
	dn(subj, sizeof subj, c->subject_cn, c->subject_o);
	append(x->detail, sizeof x->detail, " (subject %s)", subj[0] ? subj : "empty");
}

/* True when the host-key list offers an algorithm the parser does not flag
 * (rsa-sha2-256, ssh-ed25519, ecdsa-sha2-*, ...). */
/* Does the server offer, in list l, an algorithm probe_ssh does not flag? */
static bool ssh_modern(const struct ks_ssh *h, enum ks_ssh_list l)
{
	const char *p = h->lists[l];
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n && ks_ssh_classify(l, p, n, NULL) == 0)
			return true;
		p += n + (e ? 1 : 0);
	}
	return false;
}

/* The names probe_ssh flagged, but ssh-rsa only when the server offers no
 * modern host-key algorithm beside it ("ssh-rsa-only"), and
 * diffie-hellman-group14-sha1 only when it offers no modern key exchange: a
 * client that can verify rsa-sha2-256 or ed25519, or use curve25519 or
 * group14-sha256, never falls back to SHA-1, and nearly every server still
 * lists both for old clients (Debian's dropbear and OpenSSH do). */
static void ssh_flagged(const struct ks_ssh *h, char *out, size_t cap)
{
	bool skip_rsa = ssh_modern(h, KS_SSH_HOSTKEY), skip_g14 = ssh_modern(h, KS_SSH_KEX);
	const char *p = h->flagged;
	out[0] = '\0';
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		bool skip = (skip_rsa && n == 7 && memcmp(p, "ssh-rsa", 7) == 0) ||
			    (skip_g14 && n == 27 && memcmp(p, "diffie-hellman-group14-sha1", 27) == 0);
		if (n && !skip)
			append(out, cap, "%s%.*s", out[0] ? "," : "", (int)n, p);
		p += n + (e ? 1 : 0);
	}
}

static void deprecated_crypto(struct out *o, const struct ks_grab_facts *f)
{
	char d[512] = "";
	bool high = false;
	const struct ks_tls *t = f->tls;
	if (t && t->have_hello) {
		char tmp[64];
		if (t->flags & KS_TLS_F_DEPRECATED_VERSION) {
			append(d, sizeof d, "%s%s negotiated", d[0] ? "; " : "",
			       ks_tls_version_name(t->version));
			high |= t->version == 0x0300;
		}
		old_versions(f->tls_old_accepted, tmp, sizeof tmp);
		if (tmp[0]) {
			append(d, sizeof d, "%s%s accepted", d[0] ? "; " : "", tmp);
			high |= (f->tls_old_accepted & 4) != 0;
		}
		if (t->flags & KS_TLS_F_WEAK_CIPHER) {
			const char *c = tls_cipher(t, tmp);
			append(d, sizeof d, "%sweak cipher suite %s", d[0] ? "; " : "", c);
			high |= strstr(c, "EXPORT") || strstr(c, "NULL") || strstr(c, "RC4");
		}
		if (t->have_cert && t->cert_err == 0) {
			const struct ks_x509 *c = &t->cert;
			if (c->flags & KS_TLS_F_WEAK_SIGNATURE)
				append(d, sizeof d, "%scertificate signed with %s", d[0] ? "; " : "",
				       c->sig_name[0] ? c->sig_name : c->sig_oid);
			if (c->flags & KS_TLS_F_SMALL_KEY)
				append(d, sizeof d, "%s%u-bit RSA key", d[0] ? "; " : "", c->rsa_bits);
		}
	}
	const struct ks_ssh *h = f->ssh;
	if (h && h->have_ident) {
		if (h->flags & KS_SSH_F_PROTO1) {
			append(d, sizeof d, "%sSSH protocol %s", d[0] ? "; " : "", h->proto);
			high = true;
		}
		char names[sizeof h->flagged];
		ssh_flagged(h, names, sizeof names);
		if (names[0])
			append(d, sizeof d, "%sSSH offers %s", d[0] ? "; " : "", names);
	}
	if (!d[0])
		return;
	struct ks_finding *x = add(o, KS_FIND_DEPRECATED_CRYPTO, high ? KS_SEV_HIGH : KS_SEV_MEDIUM);
	if (x)
		put(x->detail, sizeof x->detail, "%s", d);
}

static void known_vulnerability(struct out *o, const struct ks_vuln_db *db)
{
	const struct ks_svc *s = o->s;
	if (!db || (!s->product[0] && !s->cpe[0]))
		return;
	struct ks_cpe cpe;
	struct ks_vuln_query q = {s->vendor, s->product, s->version, NULL};
	size_t col;
	const char *why;
	if (s->cpe[0] && ks_cpe_parse_any(s->cpe, strlen(s->cpe), &cpe, &col, &why) == 0)
		q.cpe = &cpe;
	struct ks_vuln_hit hits[VULN_HITS_MAX];
	size_t n = 0;
	if (ks_vuln_match(db, &q, hits, VULN_HITS_MAX, &n) != 0 || n == 0)
		return;
	size_t shown = n < VULN_HITS_MAX ? n : VULN_HITS_MAX;
	enum ks_sev sev = KS_SEV_INFO;
	for (size_t i = 0; i < shown; i++)
		if (hits[i].v->sev > sev)
			sev = hits[i].v->sev;
	struct ks_finding *x = add(o, KS_FIND_KNOWN_VULNERABILITY, sev);
	if (!x)
		return;
	for (size_t i = 0; i < shown; i++) {
		const struct ks_vuln *v = hits[i].v;
		append(x->detail, sizeof x->detail, "%s%s (%sCVSS %.1f)", i ? "; " : "", v->cve,
		       v->known_exploited ? "KEV, " : "", v->cvss);
	}
	if (n > shown)
		append(x->detail, sizeof x->detail, "; and %zu more", n - shown);
}

size_t ks_grab_findings(const struct ks_svc *s, const struct ks_grab_facts *f,
			const struct ks_vuln_db *db, int64_t now_s, struct ks_finding *out,
			size_t max)
{
	struct out o = {s, out, 0, max};
	/* In enum order, so that output is stable. */
	known_vulnerability(&o, db);
	telnet_exposed(&o, f);
	open_resolver(&o, f);
	upnp_exposed(&o, f);
	mqtt_no_auth(&o, f);
	cleartext_admin(&o, f);
	bad_certificate(&o, f, now_s);
	deprecated_crypto(&o, f);
	return o.n;
}
