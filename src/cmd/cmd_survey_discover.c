/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku survey discover: TCP discovery of a scope (src/scan/scan_disc.h;
 * docs/survey.md, "Discovery"). Prints the open (address, port) pairs in
 * address order and a summary; --audit writes one CSV row per probe. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "ks_time.h"
#include "scan_disc.h"
#include "scan_ports.h"
#include "scan_rate.h"
#include "scan_scope.h"

#define MAX_OPEN (64u << 20) /* open pairs kept for the listing */

static atomic_int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stop_flag, 1);
}

struct found {
	struct ks_addr addr;
	uint16_t port;
};

struct ctx {
	struct found *v;
	size_t n, cap;
	uint64_t lost; /* beyond MAX_OPEN */
	int tty;
	FILE *audit;
	const char *user;
};

static void on_open(void *p, const struct ks_addr *a, uint16_t port)
{
	struct ctx *c = p;
	if (c->n == MAX_OPEN) {
		c->lost++;
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 256;
		c->v = ks_xreallocarray(c->v, c->cap, sizeof *c->v);
	}
	c->v[c->n].addr = *a;
	c->v[c->n].port = port;
	c->n++;
}

static void on_progress(void *p, const struct ks_disc_stats *st)
{
	struct ctx *c = p;
	if (!c->tty)
		return;
	double secs = (double)st->elapsed_ns / 1e9;
	fprintf(stderr, "\r%" PRIu64 "/%" PRIu64 " probes (%.1f%%), %.0f/s, %" PRIu64 " open, %" PRIu64
		" closed   ",
		st->sent, st->total, st->total ? 100.0 * (double)st->sent / (double)st->total : 100.0,
		secs > 0 ? (double)st->sent / secs : 0.0, st->open, st->closed);
}

static void on_audit(void *p, const struct ks_audit *a)
{
	struct ctx *c = p;
	char t[40], addr[KS_ADDR_STRLEN], port[8];
	ks_time_iso(a->t_ns / 1000, t, sizeof t);
	snprintf(port, sizeof port, "%u", a->port);
	const char *row[] = {t, ks_addr_format(&a->addr, addr), port, "tcp", a->module, a->outcome};
	ks_csv_row(c->audit, row, 6);
}

/* --user: called by ks_disc_run() once the sockets are open, before any
 * packet is read or sent (the same checks as darknet capture --user). */
static int drop_privileges(void *p, enum ks_disc_method m)
{
	const char *user = ((struct ctx *)p)->user;
	(void)m;
	if (!user)
		return 0;
	return ks_cmd_drop_privileges(user);
}

static int found_cmp(const void *x, const void *y)
{
	const struct found *a = x, *b = y;
	int r = ks_addr_cmp(&a->addr, &b->addr);
	return r ? r : (a->port > b->port) - (a->port < b->port);
}

static void print(const struct ctx *c, const struct ks_disc_stats *st)
{
	double secs = (double)st->send_ns / 1e9;
	double pps = secs > 0 ? (double)st->sent / secs : 0.0;
	char a[KS_ADDR_STRLEN];
	if (ks_g.format == KS_FMT_JSON) {
		json_t *o = json_array();
		for (size_t i = 0; i < c->n; i++)
			json_array_append_new(o, json_pack("{s:s, s:i, s:s}", "address",
							   ks_addr_format(&c->v[i].addr, a), "port",
							   (int)c->v[i].port, "proto", "tcp"));
		json_t *s = json_object();
		json_object_set_new(s, "method", json_string(ks_disc_method_name(st->method)));
		json_object_set_new(s, "link_mode", json_boolean(st->link_mode));
		json_object_set_new(s, "probes", json_integer((json_int_t)st->total));
		json_object_set_new(s, "sent", json_integer((json_int_t)st->sent));
		json_object_set_new(s, "open", json_integer((json_int_t)st->open));
		json_object_set_new(s, "closed", json_integer((json_int_t)st->closed));
		json_object_set_new(s, "silent", json_integer((json_int_t)st->silent));
		json_object_set_new(s, "skipped", json_integer((json_int_t)st->skipped));
		json_object_set_new(s, "refused", json_integer((json_int_t)st->refused));
		json_object_set_new(s, "send_errors", json_integer((json_int_t)st->send_errors));
		json_object_set_new(s, "replies_invalid", json_integer((json_int_t)st->replies_invalid));
		json_object_set_new(s, "replies_dup", json_integer((json_int_t)st->replies_dup));
		json_object_set_new(s, "capture_dropped", json_integer((json_int_t)st->recv_dropped));
		json_object_set_new(s, "send_seconds", json_real(secs));
		json_object_set_new(s, "seconds", json_real((double)st->elapsed_ns / 1e9));
		json_object_set_new(s, "pps", json_real(pps));
		json_object_set_new(s, "complete", json_boolean(st->done));
		json_object_set_new(s, "resume_index", json_integer((json_int_t)st->resume_index));
		ks_cmd_json(json_pack("{s:o, s:o}", "open", o, "summary", s));
		return;
	}
	if (ks_g.format == KS_FMT_CSV) {
		const char *hdr[] = {"address", "port", "proto"};
		ks_csv_row(stdout, hdr, 3);
		for (size_t i = 0; i < c->n; i++) {
			char p[8];
			snprintf(p, sizeof p, "%u", c->v[i].port);
			const char *row[] = {ks_addr_format(&c->v[i].addr, a), p, "tcp"};
			ks_csv_row(stdout, row, 3);
		}
	} else {
		for (size_t i = 0; i < c->n; i++)
			printf("%s %u/tcp open\n", ks_addr_format(&c->v[i].addr, a), c->v[i].port);
	}
	/* The summary: on stdout in text, on stderr beside CSV. */
	FILE *f = ks_g.format == KS_FMT_CSV ? stderr : stdout;
	if (ks_g.format == KS_FMT_CSV && ks_log_level < 0)
		return;
	fprintf(f, "%smethod %s%s: %" PRIu64 " of %" PRIu64 " probes sent in %.2f s (%.0f packets/s); "
		   "%" PRIu64 " open, %" PRIu64 " closed, %" PRIu64 " silent",
		ks_g.format == KS_FMT_CSV ? "kansoku: " : "\n", ks_disc_method_name(st->method),
		st->link_mode ? " (link mode)" : "", st->sent,
		st->total, secs, pps, st->open, st->closed, st->silent);
	if (st->skipped)
		fprintf(f, ", %" PRIu64 " skipped (IPv6 under syn)", st->skipped);
	if (st->send_errors)
		fprintf(f, ", %" PRIu64 " send errors", st->send_errors);
	if (st->refused)
		fprintf(f, ", %" PRIu64 " refused by the scope gate", st->refused);
	fprintf(f, "%s\n", st->done ? "" : " (interrupted)");
}

int cmd_survey_discover(int argc, char **argv)
{
	const char *scope_path = NULL, *excl_path = NULL, *ports_text = "default", *method_text = "auto";
	const char *iface = NULL, *source = NULL, *audit_path = NULL, *user = NULL;
	uint32_t rate = KS_RATE_DEFAULT_PPS, max_targets = 0, sport = 0;
	uint32_t cooldown = KS_DISC_DEFAULT_COOLDOWN_MS, timeout = KS_DISC_DEFAULT_TIMEOUT_MS;
	uint32_t conc = KS_DISC_DEFAULT_CONCURRENCY, host_conns = KS_HOST_DEFAULT_CONNS;
	const struct ks_opt opts[] = {
		{"scope", KS_OPT_STR, &scope_path, "FILE", "networks to probe (required; as for survey run)",
		 0, 0},
		{"exclude", KS_OPT_STR, &excl_path, "FILE", "opt-outs, same syntax; they win over the scope",
		 0, 0},
		{"ports", KS_OPT_STR, &ports_text, "LIST",
		 "TCP ports, e.g. 22,80,8000-8100 (default: default; UDP entries are ignored)", 0, 0},
		{"rate", KS_OPT_COUNT, &rate, "PPS", "probes per second (default 1000; k, m suffixes)", 1,
		 KS_RATE_MAX_PPS},
		{"method", KS_OPT_STR, &method_text, "M",
		 "syn (raw socket, needs CAP_NET_RAW), connect, or auto: syn if permitted (default)", 0, 0},
		{"interface", KS_OPT_STR, &iface, "IF", "syn: capture on IF and send frames to its gateway (link mode; default: any, via IP)", 0, 0},
		{"source-ip", KS_OPT_STR, &source, "ADDR",
		 "syn: source address (default: that of the route to the first target)", 0, 0},
		{"source-port", KS_OPT_U32, &sport, "PORT", "syn: source port (default: random 61000-65535)",
		 1, 65535},
		{"max-targets", KS_OPT_COUNT, &max_targets, "N",
		 "probe at most N addresses, spread over the scope (default: all)", 1, UINT32_MAX},
		{"cooldown", KS_OPT_U32, &cooldown, "MS", "syn: wait for replies after the last probe (default 2000)",
		 0, 600000},
		{"timeout", KS_OPT_U32, &timeout, "MS", "connect: give up on a probe after MS (default 3000)", 1,
		 600000},
		{"concurrency", KS_OPT_U32, &conc, "N", "connect: connections at once (default 1024)", 1,
		 KS_DISC_MAX_CONCURRENCY},
		{"host-conns", KS_OPT_U32, &host_conns, "N", "connect: connections at once to one address (default 2)",
		 1, 1024},
		{"user", KS_OPT_STR, &user, "USER",
		 "drop root privileges to USER once the sockets are open, before the first packet", 0, 0},
		{"audit", KS_OPT_STR, &audit_path, "FILE.csv",
		 "write one row per probe: time,address,port,proto,module,outcome", 0, 0},
		{NULL, 0, NULL, NULL, NULL, 0, 0},
	};
	const struct ks_cmd_help h = {
		"kansoku survey discover --scope FILE [--exclude FILE] [--ports LIST] [--rate PPS]\n"
		"       [--method syn|connect|auto] [--interface IF] [--source-ip ADDR] [--max-targets N]\n"
		"       [--user USER] [--audit FILE.csv] [--format text|json|csv]",
		"Finds the open TCP ports of a scope you are authorised to scan, and prints them with a\n"
		"summary (probes sent, packets/s, open, closed, silent).",
		"Every (address, port) of the scope is probed once, in a pseudo-random order, at --rate.\n"
		"syn sends raw SYNs whose sequence number is a keyed hash (SipHash) of the connection, so\n"
		"replies are validated without state; the kernel answers each SYN-ACK with a RST. connect\n"
		"is the unprivileged fallback (non-blocking connect() with epoll), chosen by auto when no\n"
		"raw socket may be opened. Addresses outside the scope, excluded or special-purpose\n"
		"(without allow-reserved) never receive a packet. Progress is shown on a terminal.\n"
		"Exit status 130 when interrupted (what was found so far is printed). docs/survey.md.",
		0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	if (!scope_path) {
		ks_err("survey discover: --scope FILE is required");
		return KS_EXIT_USAGE;
	}
	struct ks_disc_opts o;
	ks_disc_opts_default(&o);
	if (ks_disc_method_parse(method_text, &o.method) != 0) {
		ks_err("--method '%s': expected syn, connect or auto", method_text);
		return KS_EXIT_USAGE;
	}
	if (source) {
		if (ks_addr_parse(source, &o.source) != 0 || !ks_addr_is_v4(&o.source)) {
			ks_err("--source-ip '%s': expected an IPv4 address", source);
			return KS_EXIT_USAGE;
		}
		o.has_source = true;
	}
	struct ks_ports pl;
	char err[600];
	ks_ports_init(&pl);
	if (ks_ports_parse(&pl, ports_text, err, sizeof err) != 0) {
		ks_err("--ports '%s': %s", ports_text, err);
		return KS_EXIT_USAGE;
	}
	struct ctx c;
	memset(&c, 0, sizeof c);
	struct ks_scope s;
	ks_scope_init(&s);
	r = ks_cmd_scope_load(&s, scope_path, excl_path, true, NULL);
	if (r != 0)
		goto out;
	if (audit_path) {
		c.audit = fopen(audit_path, "w");
		if (!c.audit) {
			ks_err("--audit %s: %s", audit_path, strerror(errno));
			r = KS_EXIT_FAIL;
			goto out;
		}
		const char *hdr[] = {"time", "address", "port", "proto", "module", "outcome"};
		ks_csv_row(c.audit, hdr, 6);
	}
	o.scope = &s;
	o.ports = &pl;
	o.pps = rate;
	o.max_targets = max_targets;
	o.interface = iface;
	o.source_port = (uint16_t)sport;
	o.cooldown_ms = cooldown;
	o.timeout_ms = timeout;
	o.concurrency = conc;
	o.host_conns = host_conns;
	o.stop = &stop_flag;
	o.on_open = on_open;
	o.progress = on_progress;
	o.opened = drop_privileges;
	c.user = user;
	o.ctx = &c;
	c.tty = isatty(2) && ks_log_level >= 0;
	struct ks_survey_sink sink = {&c, on_audit, NULL, NULL};

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	struct ks_disc_stats st;
	int rc = ks_disc_run(&o, c.audit ? &sink : NULL, &st, err, sizeof err);
	if (c.tty)
		fputc('\n', stderr);
	if (rc != 0) {
		ks_err("survey discover: %s; nothing was sent", err);
		r = rc == KS_EINVAL || rc == KS_ELIMIT ? KS_EXIT_USAGE : KS_EXIT_FAIL;
		goto out;
	}
	if (o.method == KS_DISC_AUTO && st.method == KS_DISC_CONNECT)
		ks_info("no raw socket allowed (CAP_NET_RAW): used connect()");
	qsort(c.v, c.n, sizeof *c.v, found_cmp);
	print(&c, &st);
	if (c.lost)
		ks_warn("%" PRIu64 " more open ports not listed (more than %u)", c.lost, MAX_OPEN);
	r = st.done ? KS_EXIT_OK : KS_EXIT_SIGNAL;
out:
	if (c.audit && fclose(c.audit) != 0 && r == 0) {
		ks_err("--audit %s: write failed", audit_path);
		r = KS_EXIT_FAIL;
	}
	free(c.v);
	ks_scope_release(&s);
	ks_ports_release(&pl);
	return r;
}
