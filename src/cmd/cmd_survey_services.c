/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku survey services: the services a survey round identified, with the
 * key-exchange and signature algorithms of every TLS and SSH service, so the
 * survey doubles as an inventory for post-quantum migration
 * (docs/survey.md, "Service inventory"). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "ks_csv.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "store_survey.h"
#include "survey_json.h"

/* The facts of a service shown as columns (grab.h, ks_grab_facts_format). */
static const char *const inv_facts[] = {"tls_version", "tls_cipher", "tls_kex", "tls13_kex",
					"tls_sig", "ssh_kex", "ssh_hostkey"};
#define NFACTS (sizeof inv_facts / sizeof inv_facts[0])

/* Key-exchange names of the post-quantum (hybrid) methods deployed so far:
 * ML-KEM (X25519MLKEM768, mlkem768x25519-sha256), NTRU Prime
 * (sntrup761x25519-sha512@openssh.com) and the pre-standard Kyber drafts. */
static const char *const pq_marks[] = {"mlkem", "sntrup", "kyber"};

/* "yes" when a TLS 1.3 or SSH key exchange offered is post-quantum, "no"
 * when key exchanges are known and none is, "" for other services. */
static const char *pq(const struct ks_svc *s)
{
	char v[512];
	bool any = false;
	for (size_t k = 0; k < 3; k++) {
		const char *key = k == 0 ? "tls13_kex" : k == 1 ? "ssh_kex" : "tls_kex";
		if (!ks_svc_fact(s, key, v, sizeof v)[0])
			continue;
		any = true;
		for (size_t i = 0; i < sizeof pq_marks / sizeof pq_marks[0]; i++)
			if (strcasestr(v, pq_marks[i]))
				return "yes";
	}
	return any ? "no" : "";
}

struct out {
	json_t *arr;
	uint64_t n, tls_ssh, pq;
};

static int row(void *ctx, const struct ks_svc *s)
{
	struct out *o = ctx;
	char a[KS_ADDR_STRLEN], f[NFACTS][512], port[8];
	const char *q = pq(s);
	o->n++;
	o->tls_ssh += q[0] != '\0';
	o->pq += strcmp(q, "yes") == 0;
	for (size_t i = 0; i < NFACTS; i++)
		ks_svc_fact(s, inv_facts[i], f[i], sizeof f[i]);
	ks_addr_format(&s->addr, a);
	if (ks_g.format == KS_FMT_JSON) {
		json_t *j = ks_svc_to_json(s);
		json_object_del(j, "kind");
		json_object_set_new(j, "post_quantum_kex", q[0] ? json_boolean(q[0] == 'y') : json_null());
		json_array_append_new(o->arr, j);
	} else if (ks_g.format == KS_FMT_CSV) {
		snprintf(port, sizeof port, "%u", s->port);
		const char *v[] = {a,    port, ks_survey_proto_name(s->proto), s->module, s->vendor,
				   s->product, s->version, s->device_type, f[0], f[1], f[2], f[3],
				   f[4], f[5], f[6], q};
		ks_csv_row(stdout, v, sizeof v / sizeof v[0]);
	} else {
		char ep[KS_ADDR_STRLEN + 16], prod[200];
		snprintf(ep, sizeof ep, "%s:%u/%s", a, s->port, ks_survey_proto_name(s->proto));
		snprintf(prod, sizeof prod, "%s%s%s%s%s", s->vendor, s->vendor[0] ? " " : "", s->product,
			 s->version[0] ? " " : "", s->version);
		printf("%-26s %-7s %-3s %s\n", ep, s->module, q[0] ? q : "-", prod[0] ? prod : s->banner);
		for (size_t i = 0; i < NFACTS; i++)
			if (f[i][0])
				printf("%-26s   %-12s %s\n", "", inv_facts[i], f[i]);
	}
	return 0;
}

struct pick {
	const char *scope;
	int64_t id;
};

static int pick_round(void *ctx, const struct ks_survey_round_row *r)
{
	struct pick *p = ctx;
	if (r->ended) /* rounds come in id order: the last ended one wins */
		p->id = r->id;
	return 0;
}

int cmd_survey_services(int argc, char **argv)
{
	const char *scope = NULL;
	uint32_t round = 0;
	const struct ks_opt opts[] = {
		{"round", KS_OPT_U32, &round, "N", "this round (default: the latest finished one)", 1,
		 UINT32_MAX},
		{"scope", KS_OPT_STR, &scope, "NAME", "the latest finished round of this scope", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey services [--round N | --scope NAME] [--format text|json|csv]",
		"Lists the services a survey round found, with what identified them and the TLS and SSH\n"
		"algorithms they offer: an inventory for post-quantum migration. pq is yes when a\n"
		"post-quantum hybrid key exchange (ML-KEM, sntrup761, Kyber) is offered, no when only\n"
		"classical ones are.",
		"CSV columns: address, port, proto, module, vendor, product, version, device_type,\n"
		"tls_version, tls_cipher, tls_kex, tls13_kex, tls_sig, ssh_kex, ssh_hostkey, pq.\n"
		"JSON: the service records of docs/formats.md plus post_quantum_kex (true, false, null).",
		0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0)
		return KS_EXIT_FAIL;
	struct pick p = {scope, round};
	if (!round && ks_store_survey_rounds(st, scope, pick_round, &p) != 0) {
		ks_err("store %s: %s", ks_g.db, ks_store_errmsg(st));
		ks_store_close(st);
		return KS_EXIT_FAIL;
	}
	if (!p.id) {
		ks_err("no finished survey round%s%s in %s", scope ? " of scope " : "", scope ? scope : "",
		       ks_g.db);
		ks_store_close(st);
		return KS_EXIT_DATA;
	}
	struct out o = {json_array(), 0, 0, 0};
	if (ks_g.format == KS_FMT_CSV) {
		const char *hdr[] = {"address", "port", "proto", "module", "vendor", "product", "version",
				     "device_type", "tls_version", "tls_cipher", "tls_kex", "tls13_kex",
				     "tls_sig", "ssh_kex", "ssh_hostkey", "pq"};
		ks_csv_row(stdout, hdr, sizeof hdr / sizeof hdr[0]);
	} else if (ks_g.format == KS_FMT_TEXT) {
		printf("round %" PRId64 "\n%-26s %-7s %-3s %s\n", p.id, "endpoint", "module", "pq",
		       "product (or banner)");
	}
	r = ks_store_survey_services(st, p.id, row, &o);
	ks_store_close(st);
	if (r != 0) {
		ks_err("store %s: reading round %" PRId64 " failed", ks_g.db, p.id);
		json_decref(o.arr);
		return KS_EXIT_FAIL;
	}
	if (ks_g.format == KS_FMT_JSON)
		ks_cmd_json(o.arr);
	else
		json_decref(o.arr);
	ks_info("round %" PRId64 ": %" PRIu64 " services, %" PRIu64 " with TLS or SSH, %" PRIu64
		" offering a post-quantum key exchange",
		p.id, o.n, o.tls_ssh, o.pq);
	return KS_EXIT_OK;
}
