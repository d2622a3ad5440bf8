/* SPDX-License-Identifier: BSD-2-Clause */
/* Fingerprinting one service (grab.h, ks_grab_fingerprint): which text of
 * which module goes to which Recog database (recog.h), and how Recog's
 * parameters become the svc's vendor, product, version, device_type and
 * cpe (docs/survey.md, "Identification").
 *
 *   module       text                                   matches key
 *   telnet       banner bytes (IAC removed)             telnet.banner
 *   ssh          software [SP comments]                 ssh.banner
 *   http         Server / WWW-Authenticate / <title>    http_header.server,
 *                                                       http_header.wwwauth, html_title
 *   https        certificate subject "CN=..,O=.."       x509.subject
 *   rtsp         Server                                 rtsp_header.server
 *   ftp          greeting text (its last line first)    ftp.banner
 *   all of them  each text above                        kansoku.jp_devices (first)
 *   ssdp         UPnP description: manufacturer, modelName, modelNumber
 *
 * The first match that names a vendor or product supplies the identity
 * (vendor, product, version, cpe) as a unit, so that a vendor from one
 * database and a product from another are never mixed; a later match may
 * still supply a device type. hw.* is preferred to service.* and os.*:
 * for an IoT survey the device is what counts. */
#include "grab.h"

#include <stdio.h>
#include <string.h>

#include "vuln_cpe.h"

#define JP_KEY "kansoku.jp_devices"

struct text {
	const char *key;
	const char *p;
	size_t n;
};

static const char *first(const struct ks_recog_result *r, const char *const *names)
{
	for (; *names; names++) {
		const char *v = ks_recog_result_get(r, *names);
		if (v && v[0])
			return v;
	}
	return NULL;
}

static void copy(char *dst, size_t cap, const char *v)
{
	if (!v)
		return;
	ks_probe_text(dst, cap, (const uint8_t *)v, strlen(v));
}

/* Applies one match to s; returns true when it supplied the identity. */
static bool apply(struct ks_svc *s, const struct ks_recog_result *r, bool have_identity)
{
	static const char *const vendor[] = {"hw.vendor", "service.vendor", "os.vendor", NULL};
	static const char *const product[] = {"hw.product", "service.product", "os.product", NULL};
	static const char *const device[] = {"hw.device", "os.device", "service.device", NULL};
	/* Version and CPE must come from the same layer as the product. */
	static const char *const layers[] = {"hw", "service", "os"};
	if (!s->device_type[0])
		copy(s->device_type, sizeof s->device_type, first(r, device));
	if (have_identity)
		return false;
	const char *v = first(r, vendor), *p = first(r, product);
	if (!v && !p)
		return false;
	const char *layer = NULL;
	for (size_t i = 0; i < 3 && !layer; i++) {
		char k[32];
		snprintf(k, sizeof k, "%s.product", layers[i]);
		const char *x = ks_recog_result_get(r, k);
		if (x && x[0])
			layer = layers[i];
	}
	if (!layer)
		layer = ks_recog_result_get(r, "hw.vendor") ? "hw" : "service";
	char k[32];
	snprintf(k, sizeof k, "%s.version", layer);
	const char *ver = ks_recog_result_get(r, k);
	snprintf(k, sizeof k, "%s.cpe23", layer);
	const char *cpe = ks_recog_result_get(r, k);
	copy(s->vendor, sizeof s->vendor, v);
	copy(s->product, sizeof s->product, p);
	if (!s->version[0])
		copy(s->version, sizeof s->version, ver && ver[0] ? ver : NULL);
	if (cpe && cpe[0] && !s->cpe[0]) {
		/* Recog writes the CPE 2.2 URI form (cpe:/a:v:p:ver); keep the 2.3
		 * formatted string. An unparsable value (a {param} left over) is dropped. */
		struct ks_cpe c;
		size_t col;
		const char *why;
		if (ks_cpe_parse_any(cpe, strlen(cpe), &c, &col, &why) == 0)
			ks_cpe_format(&c, s->cpe, sizeof s->cpe);
	}
	return true;
}

void ks_grab_fingerprint(const struct ks_recog_set *set, struct ks_svc *s,
			 const struct ks_grab_facts *f)
{
	bool have = s->vendor[0] || s->product[0];
	if (f->upnp && !have) {
		copy(s->vendor, sizeof s->vendor, f->upnp->manufacturer);
		copy(s->product, sizeof s->product, f->upnp->model_name);
		copy(s->version, sizeof s->version, f->upnp->model_number);
		have = s->vendor[0] || s->product[0];
		if (!s->device_type[0] && strstr(f->upnp->device_type, "InternetGatewayDevice"))
			copy(s->device_type, sizeof s->device_type, "Router");
		else if (!s->device_type[0] && strstr(f->upnp->device_type, "MediaServer"))
			copy(s->device_type, sizeof s->device_type, "Media Server");
	}
	if (!set)
		return;
	struct text t[8];
	size_t nt = 0;
	char buf[3][600];
	if (f->telnet && f->raw && f->raw_len)
		t[nt++] = (struct text){"telnet.banner", (const char *)f->raw, f->raw_len};
	if (f->ssh && f->ssh->have_ident) {
		snprintf(buf[0], sizeof buf[0], "%s%s%s", f->ssh->software,
			 f->ssh->comments[0] ? " " : "", f->ssh->comments);
		t[nt++] = (struct text){"ssh.banner", buf[0], strlen(buf[0])};
	}
	const struct ks_http *hs[2] = {f->http, f->http_next};
	for (int i = 0; i < 2 && nt + 3 <= 8; i++) {
		const struct ks_http *h = hs[i];
		if (!h || !h->status)
			continue;
		if (h->server[0])
			t[nt++] = (struct text){"http_header.server", h->server, strlen(h->server)};
		if (i == 0 && f->wwwauth && f->wwwauth[0]) {
			t[nt++] = (struct text){"http_header.wwwauth", f->wwwauth, strlen(f->wwwauth)};
		} else if (h->auth.scheme[0]) {
			/* The parser keeps scheme and realm; Recog's patterns start with
			 * them ("Basic realm=\"...\"", "Digest realm=\"DH_...\""). */
			snprintf(buf[1 + i], sizeof buf[1], "%s realm=\"%s\"", h->auth.scheme, h->auth.realm);
			t[nt++] = (struct text){"http_header.wwwauth", buf[1 + i], strlen(buf[1 + i])};
		}
		if (h->title[0])
			t[nt++] = (struct text){"html_title", h->title, strlen(h->title)};
	}
	char subj[300];
	if (f->tls && f->tls->have_cert && f->tls->cert_err == 0 && nt < 8) {
		const struct ks_x509 *c = &f->tls->cert;
		snprintf(subj, sizeof subj, "%s%s%s%s%s", c->subject_cn[0] ? "CN=" : "", c->subject_cn,
			 c->subject_cn[0] && c->subject_o[0] ? "," : "", c->subject_o[0] ? "O=" : "",
			 c->subject_o);
		if (subj[0])
			t[nt++] = (struct text){"x509.subject", subj, strlen(subj)};
	}
	if (strcmp(s->module, "rtsp") == 0 && s->banner[0] && nt < 8)
		t[nt++] = (struct text){"rtsp_header.server", s->banner, strlen(s->banner)};
	if (strcmp(s->module, "ftp") == 0 && s->banner[0] && nt < 7) {
		/* A multi-line greeting is joined with " | " (probe_ftp.h); Recog's
		 * patterns describe one line, usually the last ("220 ProFTPD ..."). */
		const char *last = s->banner, *p;
		while ((p = strstr(last, " | ")) != NULL)
			last = p + 3;
		if (last != s->banner)
			t[nt++] = (struct text){"ftp.banner", last, strlen(last)};
		t[nt++] = (struct text){"ftp.banner", s->banner, strlen(s->banner)};
	}

	struct ks_recog_result r;
	ks_recog_result_init(&r);
	/* Our own database first (more specific for the devices it knows), then
	 * each text's protocol database. */
	for (size_t i = 0; i < nt; i++)
		if (ks_recog_set_match(set, JP_KEY, t[i].p, t[i].n, &r) == 0)
			have |= apply(s, &r, have);
	for (size_t i = 0; i < nt; i++)
		if (ks_recog_set_match(set, t[i].key, t[i].p, t[i].n, &r) == 0)
			have |= apply(s, &r, have);
	ks_recog_result_release(&r);
}
