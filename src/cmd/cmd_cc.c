/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku cc list | export | import: the C&C list shared between operators
 * (formats in docs/cc.md, table in docs/store.md). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cc_share.h"
#include "cmd.h"
#include "ks_addr.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_err.h"
#include "ks_log.h"
#include "ks_opt.h"
#include "store_cc.h"

/* Parses a score bound in [0, 1]; prints the error. */
static int parse_score(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = s ? strtod(s, &end) : 0;
	if (s && (errno || end == s || *end || !(v >= 0 && v <= 1))) {
		ks_err("--min-score '%s': expected a number from 0 to 1", s);
		return KS_EXIT_USAGE;
	}
	*out = v;
	return 0;
}

/* Loads and merges the stored list: 0 or an exit code (error printed). */
static int load_merged(struct ks_store **st, struct ks_cc_list *l, struct ks_cc_merged **m,
		       size_t *nm)
{
	if (ks_cmd_store(st) != 0)
		return KS_EXIT_FAIL;
	if (ks_store_cc_load(*st, l) != 0 || ks_cc_merge(l->v, l->n, m, nm) != 0) {
		ks_err("store %s: cannot read the C&C list: %s", ks_g.db, ks_store_errmsg(*st));
		ks_cc_list_release(l);
		ks_store_close(*st);
		return KS_EXIT_FAIL;
	}
	return 0;
}

static json_t *report_json(const struct ks_cc_report *r)
{
	char a[32], b[32], c[32];
	return json_pack("{s:s, s:s, s:f, s:s, s:s, s:I, s:s}", "operator", r->reported_by,
			 "reported_at", ks_cc_time_format(r->reported_at, 0, a, sizeof a), "score",
			 r->score, "first_seen", ks_cc_time_format(r->first_seen, 0, b, sizeof b),
			 "last_seen", ks_cc_time_format(r->last_seen, 0, c, sizeof c), "infected_hosts",
			 (json_int_t)r->infected_hosts, "note", r->note);
}

int cmd_cc_list(int argc, char **argv)
{
	const char *min = NULL;
	const struct ks_opt opts[] = {
		{"min-score", KS_OPT_STR, &min, "X", "only endpoints whose combined score is at least X (0..1)", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku cc list [--min-score X] [--format text|json|csv]",
		"Lists the C&C candidates in the store, merged over the operators that reported them.",
		"Each endpoint (address, port, protocol) shows every operator's latest report. The combined\n"
		"score is 1 - prod(1 - score) over operators, so an endpoint reported by several operators\n"
		"ranks above each single report (docs/cc.md).",
		0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	double min_score;
	if ((r = parse_score(min, &min_score)) != 0)
		return r;
	struct ks_store *st;
	struct ks_cc_list l;
	struct ks_cc_merged *m;
	size_t nm;
	if ((r = load_merged(&st, &l, &m, &nm)) != 0)
		return r;
	json_t *arr = json_array();
	if (ks_g.format == KS_FMT_CSV) {
		const char *hdr[] = {"address", "port", "proto", "score", "reporters", "first_seen",
				     "last_seen", "infected_hosts"};
		ks_csv_row(stdout, hdr, 8);
	} else if (ks_g.format == KS_FMT_TEXT) {
		printf("%-39s %5s %-5s %6s %-20s %-20s %8s  %s\n", "address", "port", "proto", "score",
		       "first_seen", "last_seen", "infected", "reported by");
	}
	for (size_t i = 0; i < nm; i++) {
		const struct ks_cc_merged *e = &m[i];
		if (e->combined < min_score)
			continue;
		char addr[KS_ADDR_STRLEN], pb[8], f[32], t[32], port[8], sc[16], inf[16];
		ks_addr_format(&e->addr, addr);
		ks_cc_time_format(e->first_seen, 0, f, sizeof f);
		ks_cc_time_format(e->last_seen, 0, t, sizeof t);
		const char *proto = ks_cc_proto_text(e->proto, pb, sizeof pb);
		char who[1024];
		size_t off = 0;
		who[0] = '\0';
		for (size_t k = 0; k < e->nrep && off < sizeof who; k++)
			off += (size_t)snprintf(who + off, sizeof who - off, "%s%s", k ? " " : "",
						e->rep[k].reported_by[0] ? e->rep[k].reported_by : "-");
		if (ks_g.format == KS_FMT_JSON) {
			json_t *reps = json_array();
			for (size_t k = 0; k < e->nrep; k++)
				json_array_append_new(reps, report_json(&e->rep[k]));
			json_array_append_new(
				arr, json_pack("{s:s, s:i, s:s, s:f, s:s, s:s, s:I, s:o}", "address", addr,
					       "port", e->port, "proto", proto, "score", e->combined,
					       "first_seen", f, "last_seen", t, "infected_hosts",
					       (json_int_t)e->infected_hosts, "reports", reps));
		} else if (ks_g.format == KS_FMT_CSV) {
			snprintf(port, sizeof port, "%u", e->port);
			snprintf(sc, sizeof sc, "%.4f", e->combined);
			snprintf(inf, sizeof inf, "%u", e->infected_hosts);
			const char *row[] = {addr, port, proto, sc, who, f, t, inf};
			ks_csv_row(stdout, row, 8);
		} else {
			printf("%-39s %5u %-5s %6.3f %-20s %-20s %8u  %s\n", addr, e->port, proto,
			       e->combined, f, t, e->infected_hosts, who);
		}
	}
	if (ks_g.format == KS_FMT_JSON)
		ks_cmd_json(arr);
	else
		json_decref(arr);
	ks_cc_merged_free(m, nm);
	ks_cc_list_release(&l);
	ks_store_close(st);
	return 0;
}

int cmd_cc_export(int argc, char **argv)
{
	const char *min = NULL, *out = NULL;
	const struct ks_opt opts[] = {
		{"min-score", KS_OPT_STR, &min, "X", "only endpoints whose combined score is at least X (0..1)", 0, 0},
		{"out", KS_OPT_STR, &out, "FILE", "write to FILE (atomically) instead of standard output", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku cc export [--format csv|json|stix] [--min-score X] [--out FILE]",
		"Writes the C&C list for other operators: CSV (default), JSON or a STIX 2.1 bundle.",
		"One entry per (endpoint, reporting operator), endpoints in merged rank order, so the\n"
		"receiver keeps who reported each candidate and when. Formats: docs/cc.md.",
		0, 0};
	int r = ks_cmd_parse(opts, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	double min_score;
	if ((r = parse_score(min, &min_score)) != 0)
		return r;
	enum ks_cc_fmt fmt = ks_g.format == KS_FMT_JSON	  ? KS_CC_FMT_JSON
			     : ks_g.format == KS_FMT_STIX ? KS_CC_FMT_STIX
							  : KS_CC_FMT_CSV;
	struct ks_store *st;
	struct ks_cc_list l;
	struct ks_cc_merged *m;
	size_t nm;
	if ((r = load_merged(&st, &l, &m, &nm)) != 0)
		return r;
	/* Flatten back to entries in merged order. */
	struct ks_cc_entry *v = ks_xcalloc(l.n ? l.n : 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < nm; i++) {
		if (m[i].combined < min_score)
			continue;
		for (size_t k = 0; k < m[i].nrep && n < l.n; k++) {
			const struct ks_cc_report *p = &m[i].rep[k];
			struct ks_cc_entry *e = &v[n++];
			e->addr = m[i].addr;
			e->port = m[i].port;
			e->proto = m[i].proto;
			e->score = p->score;
			e->first_seen = p->first_seen;
			e->last_seen = p->last_seen;
			e->reported_at = p->reported_at;
			e->infected_hosts = p->infected_hosts;
			memcpy(e->reported_by, p->reported_by, sizeof e->reported_by);
			memcpy(e->note, p->note, sizeof e->note);
		}
	}
	char tmp[4096];
	FILE *f = stdout;
	if (out) {
		snprintf(tmp, sizeof tmp, "%s.tmp", out);
		if (!(f = fopen(tmp, "w"))) {
			ks_err("%s: %s", tmp, strerror(errno));
			r = KS_EXIT_FAIL;
			goto done;
		}
	}
	int wr = ks_cc_write(f, fmt, v, n);
	if (out) {
		if (fclose(f) != 0 && wr == 0)
			wr = KS_EIO;
		if (wr == 0 && rename(tmp, out) != 0)
			wr = KS_EIO;
		if (wr != 0)
			remove(tmp);
	} else if (fflush(stdout) != 0) {
		wr = KS_EIO;
	}
	if (wr != 0) {
		ks_err("%s: cannot write the C&C list (%s)", out ? out : "standard output",
		       wr == KS_EINVAL ? "a stored entry is invalid" : strerror(errno));
		r = KS_EXIT_FAIL;
	} else {
		ks_info("%zu reports of %zu endpoints exported", n, nm);
		r = 0;
	}
done:
	free(v);
	ks_cc_merged_free(m, nm);
	ks_cc_list_release(&l);
	ks_store_close(st);
	return r;
}

int cmd_cc_import(int argc, char **argv)
{
	const char *from = NULL, *as = "auto";
	const struct ks_opt opts[] = {
		{"from", KS_OPT_STR, &from, "OPERATOR", "the operator who sent the file (required)", 0, 0},
		{"as", KS_OPT_STR, &as, "FMT", "file format: auto (default), csv, json or stix", 0, 0},
		{0},
	};
	const struct ks_cmd_help h = {
		"kansoku cc import FILE --from OPERATOR [--as auto|csv|json|stix]",
		"Merges another operator's C&C list (CSV, JSON or STIX 2.1, as `cc export` writes) into the store.",
		"Entries without a reporter are attributed to OPERATOR. The file replaces what was imported\n"
		"from OPERATOR before (candidates it no longer lists are removed). A bad record stops the\n"
		"import: the error names its line (CSV), entry (JSON) or object (STIX), and nothing is\n"
		"applied. FILE '-' reads standard input.",
		1, 1};
	char **args = ks_xcalloc((size_t)argc + 1, sizeof *args);
	int r = ks_cmd_parse(opts, &h, argc, argv, args, NULL);
	const char *path = args[0];
	free(args);
	if (r >= 0)
		return r;
	enum ks_cc_fmt fmt;
	if (ks_cc_fmt_parse(as, 1, &fmt) != 0) {
		ks_err("--as '%s': expected auto, csv, json or stix", as);
		return KS_EXIT_USAGE;
	}
	size_t flen = from ? strlen(from) : 0;
	if (flen == 0 || flen >= KS_CC_NAME_MAX || strpbrk(from, "\t\r\n")) {
		ks_err("--from: expected an operator name of 1 to %d characters", KS_CC_NAME_MAX - 1);
		return KS_EXIT_USAGE;
	}
	char err[600], *buf;
	size_t len;
	if (ks_cmd_read_file(path, 64u << 20, &buf, &len, err, sizeof err) != 0) {
		ks_err("%s", err);
		return KS_EXIT_FAIL;
	}
	struct ks_cc_read_opts ro = {0, 0, from, (int64_t)time(NULL)};
	struct ks_cc_list l;
	r = ks_cc_read(buf, len, fmt, path, &ro, &l, err, sizeof err);
	free(buf);
	if (r != 0) {
		ks_err("%s; nothing was imported", err);
		return r == KS_ENOMEM ? KS_EXIT_FAIL : KS_EXIT_DATA;
	}
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0) {
		ks_cc_list_release(&l);
		return KS_EXIT_FAIL;
	}
	size_t removed = 0;
	if (ks_store_begin(st) != 0 || ks_store_cc_delete_reporter(st, from, &removed) != 0 ||
	    ks_store_cc_put(st, l.v, l.n) != 0 || ks_store_commit(st) != 0) {
		ks_err("store %s: %s; nothing was imported", ks_g.db, ks_store_errmsg(st));
		ks_store_rollback(st);
		r = KS_EXIT_FAIL;
	} else {
		size_t own = 0;
		for (size_t i = 0; i < l.n; i++)
			own += strcmp(l.v[i].reported_by, from) == 0;
		ks_info("%s: %zu C&C reports imported from %s (%zu of its own, %zu relayed from other "
			"operators; %zu earlier reports of %s replaced)",
			path, l.n, from, own, l.n - own, removed, from);
	}
	ks_cc_list_release(&l);
	ks_store_close(st);
	return r;
}
