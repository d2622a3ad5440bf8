/* SPDX-License-Identifier: BSD-2-Clause */
/* kansoku org import | list */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "ks_alloc.h"
#include "ks_csv.h"
#include "ks_log.h"
#include "ks_opt.h"

int cmd_org_import(int argc, char **argv)
{
	const struct ks_cmd_help h = {
		"kansoku org import FILE.csv",
		"Loads organisations (the owners that receive alerts) from a CSV file with the header\n"
		"id,name,kind,contact,prefixes. Prefixes are separated by spaces, IPv4 and IPv6. An id already\n"
		"in the store is updated and its prefixes replaced. If any line is bad, the error names it\n"
		"and nothing from the file is applied.",
		"kinds: isp, local_gov, critical_infra, university, ... (lower case, [a-z0-9_]).\n"
		"example line:\n  city-b,Example City,local_gov,csirt@city.example,198.51.100.0/24 2001:db8:b::/48",
		1, 1};
	char **args = ks_xcalloc((size_t)argc + 1, sizeof *args);
	int r = ks_cmd_parse(NULL, &h, argc, argv, args, NULL);
	if (r >= 0) {
		free(args);
		return r;
	}
	const char *path = args[0];
	free(args);
	char err[600], *buf;
	size_t len;
	if (ks_cmd_read_file(path, 64u << 20, &buf, &len, err, sizeof err) != 0) {
		ks_err("%s", err);
		return KS_EXIT_FAIL;
	}
	struct ks_org_list l;
	ks_org_list_init(&l);
	r = ks_org_parse_csv(buf, len, path, &l, err, sizeof err);
	free(buf);
	if (r != 0) {
		ks_err("%s; nothing was imported", err);
		return KS_EXIT_DATA;
	}
	struct ks_store *st;
	if (ks_cmd_store(&st) != 0) {
		ks_org_list_release(&l);
		return KS_EXIT_FAIL;
	}
	size_t added, updated;
	if (ks_store_org_put(st, &l, &added, &updated) != 0) {
		ks_err("store %s: %s; nothing was imported", ks_g.db, ks_store_errmsg(st));
		r = KS_EXIT_FAIL;
	} else {
		ks_info("%s: %zu organisations imported (%zu new, %zu updated)", path, l.n, added, updated);
	}
	ks_org_list_release(&l);
	ks_store_close(st);
	return r;
}

static void prefixes(const struct ks_org *o, char *buf, size_t n)
{
	size_t off = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < o->npfx; k++) {
		char p[KS_ADDR_STRLEN + 8];
		off += (size_t)snprintf(buf + off, off < n ? n - off : 0, "%s%s", k ? " " : "",
					ks_prefix_format(&o->pfx[k], p));
	}
}

int cmd_org_list(int argc, char **argv)
{
	const struct ks_cmd_help h = {"kansoku org list [--format text|json|csv]",
				      "Lists the organisations in the store with their prefixes.", NULL, 0, 0};
	int r = ks_cmd_parse(NULL, &h, argc, argv, NULL, NULL);
	if (r >= 0)
		return r;
	struct ks_store *st;
	struct ks_org_list l;
	if ((r = ks_cmd_store_orgs(&st, &l)) != 0)
		return r;
	size_t cap = 1 << 16;
	char *pf = ks_xmalloc(cap);
	json_t *arr = json_array();
	if (ks_g.format == KS_FMT_CSV) {
		const char *hdr[] = {"id", "name", "kind", "contact", "prefixes"};
		ks_csv_row(stdout, hdr, 5);
	} else if (ks_g.format == KS_FMT_TEXT) {
		printf("%-20s %-15s %-32s %s\n", "id", "kind", "name", "prefixes");
	}
	for (size_t i = 0; i < l.n; i++) {
		const struct ks_org *o = &l.v[i];
		prefixes(o, pf, cap);
		if (ks_g.format == KS_FMT_JSON) {
			json_t *p = json_array();
			for (size_t k = 0; k < o->npfx; k++) {
				char b[KS_ADDR_STRLEN + 8];
				json_array_append_new(p, json_string(ks_prefix_format(&o->pfx[k], b)));
			}
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", o->id, "name",
							     o->name, "kind", o->kind, "contact", o->contact,
							     "prefixes", p));
		} else if (ks_g.format == KS_FMT_CSV) {
			const char *row[] = {o->id, o->name, o->kind, o->contact, pf};
			ks_csv_row(stdout, row, 5);
		} else {
			printf("%-20s %-15s %-32s %s\n", o->id, o->kind, o->name, pf);
		}
	}
	if (ks_g.format == KS_FMT_JSON)
		ks_cmd_json(arr);
	else
		json_decref(arr);
	free(pf);
	ks_org_list_release(&l);
	ks_store_close(st);
	return 0;
}
